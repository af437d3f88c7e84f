/* PDU builders for the rpc tests (rpc_build.h). */
#include "tests/unit/support/rpc_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t rb_icpr[20], rb_epm[20], rb_ndr[20], rb_ndr64[20], rb_unknown[20];

void tb_free(struct tbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void tb_put(struct tbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (b->p == NULL)
			abort();
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

void tb_u8(struct tbuf *b, uint8_t v)
{
	tb_put(b, &v, 1);
}

void tb_u16(struct tbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	tb_put(b, x, 2);
}

void tb_u32(struct tbuf *b, uint32_t v)
{
	tb_u16(b, (uint16_t)v);
	tb_u16(b, (uint16_t)(v >> 16));
}

void tb_pad(struct tbuf *b, size_t start, size_t n, uint8_t fill)
{
	while ((b->len - start) % n != 0)
		tb_u8(b, fill);
}

uint16_t rb_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t rb_le32(const uint8_t *p)
{
	return (uint32_t)rb_le16(p) | (uint32_t)rb_le16(p + 2) << 16;
}

void rb_syntax(uint8_t out[20], const char *uuid, uint16_t maj, uint16_t min)
{
	unsigned v[11];

	if (sscanf(uuid, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10]) != 11)
		abort();
	out[0] = (uint8_t)v[0];
	out[1] = (uint8_t)(v[0] >> 8);
	out[2] = (uint8_t)(v[0] >> 16);
	out[3] = (uint8_t)(v[0] >> 24);
	out[4] = (uint8_t)v[1];
	out[5] = (uint8_t)(v[1] >> 8);
	out[6] = (uint8_t)v[2];
	out[7] = (uint8_t)(v[2] >> 8);
	for (int i = 3; i < 11; i++)
		out[5 + i] = (uint8_t)v[i];
	out[16] = (uint8_t)maj;
	out[17] = (uint8_t)(maj >> 8);
	out[18] = (uint8_t)min;
	out[19] = (uint8_t)(min >> 8);
}

void rb_btfn(uint8_t out[20], uint8_t bits)
{
	rb_syntax(out, "6cb71c2c-9812-4540-0000-000000000000", 1, 0);
	out[8] = bits;
}

void rb_init_syntaxes(void)
{
	rb_syntax(rb_icpr, "91ae6020-9e3c-11cf-8d7c-00aa00c091be", 0, 0);
	rb_syntax(rb_epm, "e1af8308-5d1f-11c9-91a4-08002b14a0fa", 3, 0);
	rb_syntax(rb_ndr, "8a885d04-1ceb-11c9-9fe8-08002b104860", 2, 0);
	rb_syntax(rb_ndr64, "71710533-beba-4937-8319-b5dbef9ccc36", 1, 0);
	rb_syntax(rb_unknown, "12345678-1234-abcd-ef00-0123456789ab", 1, 0);
}

static size_t header(struct tbuf *b, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	size_t start = b->len;

	tb_u8(b, 5);
	tb_u8(b, 0);
	tb_u8(b, ptype);
	tb_u8(b, flags);
	tb_u32(b, 0x10);
	tb_u16(b, 0); /* frag_length, set by finish */
	tb_u16(b, 0);
	tb_u32(b, call_id);
	return start;
}

static void trailer(struct tbuf *b, const struct rb_auth *a, uint8_t pad)
{
	tb_u8(b, a->type);
	tb_u8(b, a->level);
	tb_u8(b, pad);
	tb_u8(b, 0);
	tb_u32(b, a->ctx_id);
	tb_put(b, a->token, a->len);
}

static void finish(struct tbuf *b, size_t start, size_t auth_len)
{
	size_t n = b->len - start;

	b->p[start + 8] = (uint8_t)n;
	b->p[start + 9] = (uint8_t)(n >> 8);
	b->p[start + 10] = (uint8_t)auth_len;
	b->p[start + 11] = (uint8_t)(auth_len >> 8);
}

void rb_bind(struct tbuf *b, uint8_t ptype, uint32_t call_id, uint16_t max_xmit,
	     uint16_t max_recv, uint32_t assoc, const struct rb_ctx *ctx, unsigned n,
	     const struct rb_auth *auth)
{
	size_t start = header(b, ptype, 0x03, call_id);

	tb_u16(b, max_xmit);
	tb_u16(b, max_recv);
	tb_u32(b, assoc);
	tb_u8(b, (uint8_t)n);
	tb_u8(b, 0);
	tb_u16(b, 0);
	for (unsigned i = 0; i < n; i++) {
		tb_u16(b, ctx[i].id);
		tb_u8(b, (uint8_t)ctx[i].n_transfer);
		tb_u8(b, 0);
		tb_put(b, ctx[i].abstract, 20);
		tb_put(b, ctx[i].transfers, 20 * (size_t)ctx[i].n_transfer);
	}
	if (auth != NULL) {
		size_t before = b->len;

		tb_pad(b, start, 4, 0xff);
		trailer(b, auth, (uint8_t)(b->len - before));
	}
	finish(b, start, auth != NULL ? auth->len : 0);
}

void rb_request(struct tbuf *b, uint32_t call_id, uint8_t flags, uint16_t ctx, uint16_t opnum,
		const uint8_t *obj, const uint8_t *stub, size_t n, const struct rb_auth *auth)
{
	size_t start = header(b, 0, (uint8_t)(flags | (obj != NULL ? 0x80 : 0)), call_id);

	tb_u32(b, (uint32_t)n);
	tb_u16(b, ctx);
	tb_u16(b, opnum);
	if (obj != NULL)
		tb_put(b, obj, 16);
	tb_put(b, stub, n);
	if (auth != NULL) {
		size_t before = b->len;

		if (auth->pad > 0) {
			for (unsigned i = 0; i < auth->pad; i++)
				tb_u8(b, 0xbb);
		} else {
			tb_pad(b, start, 4, 0xbb);
		}
		trailer(b, auth, (uint8_t)(b->len - before));
	}
	finish(b, start, auth != NULL ? auth->len : 0);
}

void rb_auth3(struct tbuf *b, uint32_t call_id, const struct rb_auth *auth)
{
	size_t start = header(b, 16, 0x03, call_id);

	tb_u32(b, 0x20202020); /* the pad impacket sends */
	trailer(b, auth, 0);
	finish(b, start, auth->len);
}

void rb_header_only(struct tbuf *b, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	size_t start = header(b, ptype, flags, call_id);

	finish(b, start, 0);
}

size_t rb_split(const uint8_t *p, size_t len, const uint8_t **pdus, size_t *lens, size_t max)
{
	size_t n = 0;

	while (len > 0) {
		size_t f;

		if (len < 16)
			abort();
		f = rb_le16(p + 8);
		if (f < 16 || f > len || n == max)
			abort();
		pdus[n] = p;
		lens[n] = f;
		n++;
		p += f;
		len -= f;
	}
	return n;
}
