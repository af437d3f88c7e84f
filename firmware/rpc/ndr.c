/* NDR 2.0 reader and writer (ndr.h). */
#include "firmware/rpc/ndr.h"
#include "platform/errbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reader ---- */

void ndr_rd_init(struct ndr_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->off = 0;
	r->failed = 0;
	r->err[0] = '\0';
}

int ndr_rd_fail(struct ndr_rd *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->failed) {
		va_start(ap, fmt);
		err_vset(r->err, sizeof r->err, fmt, ap);
		va_end(ap);
		r->failed = 1;
	}
	return -1;
}

size_t ndr_rd_left(const struct ndr_rd *r)
{
	return r->failed ? 0 : r->len - r->off;
}

void ndr_rd_align(struct ndr_rd *r, size_t n)
{
	size_t pad = (n - (r->off & (n - 1))) & (n - 1);

	if (r->failed)
		return;
	if (pad > r->len - r->off) {
		ndr_rd_fail(r, "stub truncated at offset %zu (alignment)", r->off);
		return;
	}
	r->off += pad;
}

/* n octets at the current offset, or NULL (and the reader failed). */
static const uint8_t *take(struct ndr_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->failed)
		return NULL;
	if (n > r->len - r->off) {
		ndr_rd_fail(r, "stub truncated at offset %zu: %zu octets needed, %zu left", r->off,
			    n, r->len - r->off);
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

uint8_t ndr_get_u8(struct ndr_rd *r)
{
	const uint8_t *p = take(r, 1);

	return p != NULL ? p[0] : 0;
}

uint16_t ndr_get_u16(struct ndr_rd *r)
{
	const uint8_t *p;

	ndr_rd_align(r, 2);
	p = take(r, 2);
	return p != NULL ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint32_t ndr_get_u32(struct ndr_rd *r)
{
	const uint8_t *p;

	ndr_rd_align(r, 4);
	p = take(r, 4);
	if (p == NULL)
		return 0;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t ndr_get_u64(struct ndr_rd *r)
{
	uint64_t lo, hi;

	ndr_rd_align(r, 8);
	lo = ndr_get_u32(r);
	hi = ndr_get_u32(r);
	return lo | hi << 32;
}

const uint8_t *ndr_get_bytes(struct ndr_rd *r, size_t n)
{
	return take(r, n);
}

void ndr_get_uuid(struct ndr_rd *r, struct rpc_uuid *u)
{
	const uint8_t *p;

	ndr_rd_align(r, 4);
	p = take(r, sizeof u->b);
	if (p != NULL)
		memcpy(u->b, p, sizeof u->b);
	else
		memset(u->b, 0, sizeof u->b);
}

static uint16_t unit_at(const uint8_t *p, size_t i)
{
	return (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
}

void ndr_get_wstr(struct ndr_rd *r, size_t max_units, struct ndr_wstr *s, const char *what)
{
	uint32_t max_count, offset, actual;
	const uint8_t *p;

	s->p = NULL;
	s->units = 0;
	max_count = ndr_get_u32(r);
	offset = ndr_get_u32(r);
	actual = ndr_get_u32(r);
	if (r->failed)
		return;
	/* Counts first, so that no multiplication below can overflow. */
	if (offset != 0) {
		ndr_rd_fail(r, "%s: string offset %u (must be 0)", what, offset);
		return;
	}
	if (actual == 0 || actual > max_count) {
		ndr_rd_fail(r, "%s: actual_count %u with max_count %u", what, actual, max_count);
		return;
	}
	if (max_count - 1 > max_units) { /* max_count >= actual >= 1 here */
		ndr_rd_fail(r, "%s: %u characters (at most %zu)", what, max_count - 1, max_units);
		return;
	}
	if ((size_t)actual * 2 > ndr_rd_left(r)) {
		ndr_rd_fail(r, "%s: %u characters but %zu octets left in the stub", what, actual,
			    ndr_rd_left(r));
		return;
	}
	p = take(r, (size_t)actual * 2);
	if (unit_at(p, actual - 1) != 0) {
		ndr_rd_fail(r, "%s: not NUL-terminated", what);
		return;
	}
	for (size_t i = 0; i + 1 < actual; i++) {
		if (unit_at(p, i) == 0) {
			ndr_rd_fail(r, "%s: NUL at character %zu of %u", what, i, actual - 1);
			return;
		}
	}
	s->p = p;
	s->units = actual - 1;
}

const uint8_t *ndr_get_conf_bytes(struct ndr_rd *r, uint32_t cb, const char *what)
{
	uint32_t max_count = ndr_get_u32(r);

	if (r->failed)
		return NULL;
	if (max_count != cb) {
		ndr_rd_fail(r, "%s: max_count %u but cb %u", what, max_count, cb);
		return NULL;
	}
	if (cb > ndr_rd_left(r)) {
		ndr_rd_fail(r, "%s: cb %u but %zu octets left in the stub", what, cb,
			    ndr_rd_left(r));
		return NULL;
	}
	return cb > 0 ? take(r, cb) : NULL;
}

int ndr_rd_end(struct ndr_rd *r, size_t max_trailing)
{
	if (r->failed)
		return -1;
	if (r->len - r->off > max_trailing)
		return ndr_rd_fail(r, "%zu unexpected octets after the last parameter",
				   r->len - r->off);
	return 0;
}

/* ---- writer ---- */

void ndr_wr_init(struct ndr_wr *w, size_t max)
{
	memset(w, 0, sizeof *w);
	w->max = max;
}

void ndr_wr_free(struct ndr_wr *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

void ndr_wr_reset(struct ndr_wr *w)
{
	w->len = 0;
	w->failed = 0;
}

int ndr_wr_ok(const struct ndr_wr *w)
{
	return !w->failed;
}

uint8_t *ndr_put_space(struct ndr_wr *w, size_t n)
{
	uint8_t *p;

	if (w->failed || n == 0)
		return NULL; /* callers never ask for nothing */
	if (n > w->max || w->len > w->max - n) {
		w->failed = 1;
		return NULL;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		uint8_t *nb;

		while (cap < w->len + n)
			cap *= 2;
		if (cap > w->max)
			cap = w->max;
		nb = realloc(w->buf, cap);
		if (nb == NULL) {
			w->failed = 1;
			return NULL;
		}
		w->buf = nb;
		w->cap = cap;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

void ndr_put_align(struct ndr_wr *w, size_t n)
{
	size_t pad = (n - (w->len & (n - 1))) & (n - 1);
	uint8_t *p;

	if (pad == 0)
		return;
	p = ndr_put_space(w, pad);
	if (p != NULL)
		memset(p, 0, pad);
}

void ndr_put_u8(struct ndr_wr *w, uint8_t v)
{
	uint8_t *p = ndr_put_space(w, 1);

	if (p != NULL)
		p[0] = v;
}

void ndr_put_u16(struct ndr_wr *w, uint16_t v)
{
	uint8_t *p;

	ndr_put_align(w, 2);
	p = ndr_put_space(w, 2);
	if (p != NULL) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

void ndr_put_u32(struct ndr_wr *w, uint32_t v)
{
	uint8_t *p;

	ndr_put_align(w, 4);
	p = ndr_put_space(w, 4);
	if (p != NULL) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
	}
}

void ndr_put_u64(struct ndr_wr *w, uint64_t v)
{
	ndr_put_align(w, 8);
	ndr_put_u32(w, (uint32_t)v);
	ndr_put_u32(w, (uint32_t)(v >> 32));
}

void ndr_put_bytes(struct ndr_wr *w, const void *src, size_t n)
{
	uint8_t *p;

	if (n == 0)
		return;
	p = ndr_put_space(w, n);
	if (p != NULL)
		memcpy(p, src, n);
}

void ndr_put_uuid(struct ndr_wr *w, const struct rpc_uuid *u)
{
	ndr_put_align(w, 4);
	ndr_put_bytes(w, u->b, sizeof u->b);
}

void ndr_put_wstr(struct ndr_wr *w, const uint8_t *utf16le, size_t units)
{
	if (units >= UINT32_MAX) {
		w->failed = 1;
		return;
	}
	ndr_put_u32(w, (uint32_t)(units + 1));
	ndr_put_u32(w, 0);
	ndr_put_u32(w, (uint32_t)(units + 1));
	ndr_put_bytes(w, utf16le, units * 2);
	ndr_put_bytes(w, "\0", 2);
}

void ndr_put_conf_bytes(struct ndr_wr *w, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		w->failed = 1;
		return;
	}
	ndr_put_u32(w, (uint32_t)n);
	ndr_put_bytes(w, p, n);
}

void ndr_patch_u16(struct ndr_wr *w, size_t off, uint16_t v)
{
	if (w->failed || off > w->len || w->len - off < 2) {
		w->failed = 1;
		return;
	}
	w->buf[off] = (uint8_t)v;
	w->buf[off + 1] = (uint8_t)(v >> 8);
}

void ndr_patch_u32(struct ndr_wr *w, size_t off, uint32_t v)
{
	if (w->failed || off > w->len || w->len - off < 4) {
		w->failed = 1;
		return;
	}
	for (int i = 0; i < 4; i++)
		w->buf[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}
