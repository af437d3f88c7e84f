/* Connection-oriented DCE/RPC PDU codec (pdu.h). */
#include "firmware/rpc/rpc_int.h"
#include "firmware/rpc/pdu.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PDU_MAX 65535u /* frag_length is 16 bits */

const char *rpc_ptype_name(uint8_t ptype)
{
	static const char *const names[] = {
		[RPC_PT_REQUEST] = "request",
		[1] = "ping",
		[RPC_PT_RESPONSE] = "response",
		[RPC_PT_FAULT] = "fault",
		[4] = "working",
		[5] = "nocall",
		[6] = "reject",
		[7] = "ack",
		[8] = "cl_cancel",
		[9] = "fack",
		[10] = "cancel_ack",
		[RPC_PT_BIND] = "bind",
		[RPC_PT_BIND_ACK] = "bind_ack",
		[RPC_PT_BIND_NAK] = "bind_nak",
		[RPC_PT_ALTER_CONTEXT] = "alter_context",
		[RPC_PT_ALTER_CONTEXT_RESP] = "alter_context_resp",
		[RPC_PT_AUTH3] = "auth3",
		[RPC_PT_SHUTDOWN] = "shutdown",
		[RPC_PT_CO_CANCEL] = "co_cancel",
		[RPC_PT_ORPHANED] = "orphaned",
		[20] = "rts",
	};

	if (ptype < sizeof names / sizeof names[0] && names[ptype] != NULL)
		return names[ptype];
	return "unknown";
}

/* ---- decoding ---- */

static const char *int_rep(uint8_t d)
{
	return (d >> 4) == 0 ? "big-endian" : (d >> 4) == 1 ? "little-endian" : "unknown";
}

static const char *char_rep(uint8_t d)
{
	return (d & 0x0f) == 0 ? "ASCII" : (d & 0x0f) == 1 ? "EBCDIC" : "unknown";
}

static const char *float_rep(uint8_t d)
{
	static const char *const f[] = { "IEEE", "VAX", "Cray", "IBM" };

	return d < 4 ? f[d] : "unknown";
}

enum rpc_hdr_status rpc_hdr_decode(const uint8_t *p, size_t len, struct rpc_hdr *h, char *err,
				   size_t errlen)
{
	memset(h, 0, sizeof *h);
	if (len < RPC_HDR_LEN)
		return RPC_HDR_SHORT;
	h->vers = p[0];
	h->vers_minor = p[1];
	h->ptype = p[2];
	h->flags = p[3];
	memcpy(h->drep, p + 4, 4);
	h->frag_len = rpc_le16(p + 8);
	h->auth_len = rpc_le16(p + 10);
	h->call_id = rpc_le32(p + 12);
	if (h->vers != 5 || h->vers_minor != 0) {
		err_set(err, errlen, "DCE/RPC version %u.%u (only 5.0 is spoken)", h->vers,
		     h->vers_minor);
		return RPC_HDR_VERSION;
	}
	/* drep[0]: integer representation in the high nibble, characters in the
	 * low one; drep[1]: floating point. drep[2..3] are reserved: ignored. */
	if (h->drep[0] != 0x10 || h->drep[1] != 0) {
		err_set(err, errlen,
		     "data representation %02x %02x (%s integers, %s, %s floats): only "
		     "little-endian, ASCII, IEEE is accepted",
		     h->drep[0], h->drep[1], int_rep(h->drep[0]), char_rep(h->drep[0]),
		     float_rep(h->drep[1]));
		return RPC_HDR_DREP;
	}
	if (h->frag_len < RPC_HDR_LEN) {
		err_set(err, errlen, "frag_length %u is shorter than the header", h->frag_len);
		return RPC_HDR_LENGTH;
	}
	if (h->auth_len > 0 &&
	    (size_t)h->frag_len < RPC_HDR_LEN + RPC_SEC_TRAILER_LEN + (size_t)h->auth_len) {
		err_set(err, errlen, "auth_length %u does not fit in frag_length %u", h->auth_len,
		     h->frag_len);
		return RPC_HDR_LENGTH;
	}
	return RPC_HDR_OK;
}

/* The octets a PDU type has before its stub or list (common header included). */
static size_t fixed_len(const struct rpc_hdr *h)
{
	switch (h->ptype) {
	case RPC_PT_REQUEST:
		return RPC_REQ_HDR_LEN + ((h->flags & RPC_PFC_OBJECT_UUID) ? 16 : 0);
	case RPC_PT_BIND:
	case RPC_PT_ALTER_CONTEXT:
		return RPC_HDR_LEN + 12;
	case RPC_PT_AUTH3:
		return RPC_HDR_LEN + 4;
	default:
		return RPC_HDR_LEN;
	}
}

int rpc_pdu_decode(const uint8_t *p, size_t len, struct rpc_pdu *pdu, char *err, size_t errlen)
{
	const struct rpc_hdr *h = &pdu->hdr;
	size_t toff, fixed;

	memset(pdu, 0, sizeof *pdu);
	switch (rpc_hdr_decode(p, len, &pdu->hdr, err, errlen)) {
	case RPC_HDR_OK:
		break;
	case RPC_HDR_SHORT:
		return err_set(err, errlen, "PDU of %zu octets is shorter than the header", len);
	default:
		return -1;
	}
	if (len != h->frag_len)
		return err_set(err, errlen, "%zu octets for a PDU whose frag_length is %u", len,
			    h->frag_len);
	fixed = fixed_len(h);
	pdu->pdu = p;
	pdu->body = p + RPC_HDR_LEN;
	pdu->body_len = len - RPC_HDR_LEN;
	if (h->auth_len == 0)
		return 0;

	/* rpc_hdr_decode made sure this does not underflow. */
	toff = len - h->auth_len - RPC_SEC_TRAILER_LEN;
	if (toff < fixed)
		return err_set(err, errlen, "%s: the auth verifier (%u octets) overlaps the header",
			    rpc_ptype_name(h->ptype), h->auth_len);
	if (toff % 4 != 0)
		return err_set(err, errlen, "sec_trailer at offset %zu is not 4-aligned", toff);
	pdu->has_auth = 1;
	pdu->auth.t.auth_type = p[toff];
	pdu->auth.t.auth_level = p[toff + 1];
	pdu->auth.t.auth_pad_len = p[toff + 2];
	pdu->auth.t.auth_reserved = p[toff + 3];
	pdu->auth.t.auth_context_id = rpc_le32(p + toff + 4);
	pdu->auth.value = p + toff + RPC_SEC_TRAILER_LEN;
	pdu->auth.value_len = h->auth_len;
	pdu->body_len = toff - RPC_HDR_LEN;
	if (pdu->auth.t.auth_pad_len > toff - fixed)
		return err_set(err, errlen, "auth_pad_length %u but only %zu octets before the "
			    "sec_trailer", pdu->auth.t.auth_pad_len, toff - fixed);
	return 0;
}

/* Checks one p_cont_elem at body offset *off; advances past it. */
static int check_ctx(const uint8_t *b, size_t len, size_t *off, unsigned i, char *err,
		     size_t errlen)
{
	size_t need;
	unsigned n;

	if (len - *off < 4 + RPC_SYNTAX_LEN)
		return err_set(err, errlen, "presentation context %u truncated", i);
	n = b[*off + 2];
	if (n == 0)
		return err_set(err, errlen, "presentation context %u proposes no transfer syntax",
			    rpc_le16(b + *off));
	need = 4 + RPC_SYNTAX_LEN + (size_t)n * RPC_SYNTAX_LEN;
	if (len - *off < need)
		return err_set(err, errlen, "presentation context %u: %u transfer syntaxes, %zu "
			    "octets left", rpc_le16(b + *off), n, len - *off - 4 - RPC_SYNTAX_LEN);
	*off += need;
	return 0;
}

/* python3-impacket (0.10, and the tools built on it) finishes a Kerberos logon
 * with an alter_context whose body it serializes twice: the list of
 * presentation contexts (off - 12 octets from offset 12) is followed by the
 * same octets again, p_context_elem counting one copy. Windows takes it (it
 * reads the count), so the appliance does too, exactly so: an alter_context
 * with a sec_trailer whose extra octets, less the auth pad, are one copy of
 * the list, octet for octet. Anything else stays refused. */
static int repeated_list(const struct rpc_pdu *pdu, size_t off, size_t rest)
{
	size_t list = off - 12, pad = pdu->has_auth ? pdu->auth.t.auth_pad_len : 0;

	return pdu->hdr.ptype == RPC_PT_ALTER_CONTEXT && pdu->has_auth && list > 0 &&
	       rest >= pad && rest - pad == list &&
	       memcmp(pdu->body + off, pdu->body + 12, list) == 0;
}

int rpc_bind_decode(const struct rpc_pdu *pdu, struct rpc_bind *b, char *err, size_t errlen)
{
	const uint8_t *body = pdu->body;
	size_t len = pdu->body_len, off = 12, rest;

	memset(b, 0, sizeof *b);
	if (pdu->hdr.ptype != RPC_PT_BIND && pdu->hdr.ptype != RPC_PT_ALTER_CONTEXT)
		return err_set(err, errlen, "%s is not a bind", rpc_ptype_name(pdu->hdr.ptype));
	if (len < 12)
		return err_set(err, errlen, "%s of %u octets is truncated",
			    rpc_ptype_name(pdu->hdr.ptype), pdu->hdr.frag_len);
	b->max_xmit_frag = rpc_le16(body);
	b->max_recv_frag = rpc_le16(body + 2);
	b->assoc_group_id = rpc_le32(body + 4);
	b->n_ctx = body[8];
	if (b->n_ctx == 0)
		return err_set(err, errlen, "%s without a presentation context",
			    rpc_ptype_name(pdu->hdr.ptype));
	for (unsigned i = 0; i < b->n_ctx; i++)
		if (check_ctx(body, len, &off, i, err, errlen) != 0)
			return -1;
	/* What may follow the list: the auth pad before a sec_trailer, or (without
	 * one) alignment octets some stacks add. Nothing more. */
	rest = len - off;
	if (rest > (pdu->has_auth ? pdu->auth.t.auth_pad_len : 7u) && !repeated_list(pdu, off, rest))
		return err_set(err, errlen, "%zu unexpected octets after the presentation contexts",
			    rest);
	b->ctx = body + 12;
	b->ctx_len = off - 12;
	return 0;
}

int rpc_bind_next_ctx(const struct rpc_bind *b, size_t *off, struct rpc_ctx_elem *e)
{
	const uint8_t *p;

	if (*off >= b->ctx_len)
		return 0;
	p = b->ctx + *off;
	e->ctx_id = rpc_le16(p);
	e->n_transfer = p[2];
	rpc_syntax_read(p + 4, &e->abstract);
	e->transfer = p + 4 + RPC_SYNTAX_LEN;
	*off += 4 + RPC_SYNTAX_LEN + (size_t)e->n_transfer * RPC_SYNTAX_LEN;
	return 1;
}

void rpc_ctx_transfer(const struct rpc_ctx_elem *e, unsigned i, struct rpc_syntax *s)
{
	rpc_syntax_read(e->transfer + (size_t)i * RPC_SYNTAX_LEN, s);
}

int rpc_request_decode(const struct rpc_pdu *pdu, struct rpc_request_pdu *r, char *err,
		       size_t errlen)
{
	size_t fixed = fixed_len(&pdu->hdr), end = RPC_HDR_LEN + pdu->body_len;
	const uint8_t *p = pdu->pdu;

	memset(r, 0, sizeof *r);
	if (pdu->hdr.ptype != RPC_PT_REQUEST)
		return err_set(err, errlen, "%s is not a request", rpc_ptype_name(pdu->hdr.ptype));
	if (end < fixed)
		return err_set(err, errlen, "request of %u octets is shorter than its header",
			    pdu->hdr.frag_len);
	r->alloc_hint = rpc_le32(p + 16);
	r->ctx_id = rpc_le16(p + 20);
	r->opnum = rpc_le16(p + 22);
	if (pdu->hdr.flags & RPC_PFC_OBJECT_UUID) {
		r->has_object = 1;
		memcpy(r->object.b, p + RPC_REQ_HDR_LEN, 16);
	}
	r->stub_off = fixed;
	r->stub = p + fixed;
	r->stub_len = end - fixed;
	if (pdu->has_auth) {
		if (pdu->auth.t.auth_pad_len > r->stub_len)
			return err_set(err, errlen, "auth_pad_length %u larger than the stub (%zu)",
				    pdu->auth.t.auth_pad_len, r->stub_len);
		r->stub_len -= pdu->auth.t.auth_pad_len;
	}
	return 0;
}

int rpc_auth3_check(const struct rpc_pdu *pdu, char *err, size_t errlen)
{
	if (pdu->hdr.ptype != RPC_PT_AUTH3)
		return err_set(err, errlen, "%s is not auth3", rpc_ptype_name(pdu->hdr.ptype));
	if (!pdu->has_auth)
		return err_set(err, errlen, "auth3 without an auth verifier");
	return 0;
}

int rpc_cancel_check(const struct rpc_pdu *pdu, char *err, size_t errlen)
{
	if (pdu->hdr.ptype != RPC_PT_CO_CANCEL && pdu->hdr.ptype != RPC_PT_ORPHANED)
		return err_set(err, errlen, "%s is not a cancel", rpc_ptype_name(pdu->hdr.ptype));
	if (pdu->body_len > 7)
		return err_set(err, errlen, "%s with a body of %zu octets",
			    rpc_ptype_name(pdu->hdr.ptype), pdu->body_len);
	return 0;
}

/* ---- encoding ---- */

/* PDU fields are written at their natural alignment within the PDU; the writer
 * may hold earlier PDUs of any length, so nothing here uses the writer's own
 * (buffer-relative) alignment. */
static void put16(struct ndr_wr *w, uint16_t v)
{
	uint8_t *p = ndr_put_space(w, 2);

	if (p != NULL) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
	}
}

static void put32(struct ndr_wr *w, uint32_t v)
{
	put16(w, (uint16_t)v);
	put16(w, (uint16_t)(v >> 16));
}

static void pad_to(struct ndr_wr *w, size_t start, size_t n)
{
	static const uint8_t zeros[16];
	size_t pad = (n - ((w->len - start) % n)) % n;

	ndr_put_bytes(w, zeros, pad);
}

/* The common header with frag_length and auth_length left 0 (patched later). */
static void put_hdr(struct ndr_wr *w, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	static const uint8_t drep[4] = { 0x10, 0, 0, 0 };

	ndr_put_u8(w, 5);
	ndr_put_u8(w, 0);
	ndr_put_u8(w, ptype);
	ndr_put_u8(w, flags);
	ndr_put_bytes(w, drep, sizeof drep);
	put16(w, 0);
	put16(w, 0);
	put32(w, call_id);
}

static void put_trailer(struct ndr_wr *w, const struct rpc_sec_trailer *t, uint8_t pad)
{
	ndr_put_u8(w, t->auth_type);
	ndr_put_u8(w, t->auth_level);
	ndr_put_u8(w, pad);
	ndr_put_u8(w, 0);
	put32(w, t->auth_context_id);
}

/* Patches the lengths of the PDU that starts at start; -1 if it is too long. */
static int finish(struct ndr_wr *w, size_t start, size_t auth_len)
{
	if (!ndr_wr_ok(w) || w->len - start > PDU_MAX || auth_len > PDU_MAX) {
		w->failed = 1;
		return -1;
	}
	ndr_patch_u16(w, start + 8, (uint16_t)(w->len - start));
	ndr_patch_u16(w, start + 10, (uint16_t)auth_len);
	return ndr_wr_ok(w) ? 0 : -1;
}

int rpc_encode_ack(struct ndr_wr *w, const struct rpc_ack *a)
{
	size_t start = w->len, alen = a->sec_addr != NULL ? strlen(a->sec_addr) : 0;

	if (alen > 255 || a->n_results > 255 ||
	    (a->ptype != RPC_PT_BIND_ACK && a->ptype != RPC_PT_ALTER_CONTEXT_RESP))
		return -1;
	put_hdr(w, a->ptype, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG | a->flags, a->call_id);
	put16(w, a->max_xmit_frag);
	put16(w, a->max_recv_frag);
	put32(w, a->assoc_group_id);
	/* port_any_t: the length counts the NUL; an empty address is length 0. */
	put16(w, (uint16_t)(alen ? alen + 1 : 0));
	ndr_put_bytes(w, a->sec_addr, alen ? alen + 1 : 0);
	pad_to(w, start, 4);
	ndr_put_u8(w, (uint8_t)a->n_results);
	ndr_put_u8(w, 0);
	put16(w, 0);
	for (unsigned i = 0; i < a->n_results; i++) {
		uint8_t *p;

		put16(w, a->results[i].result);
		put16(w, a->results[i].reason);
		p = ndr_put_space(w, RPC_SYNTAX_LEN);
		if (p != NULL)
			rpc_syntax_write(&a->results[i].transfer, p);
	}
	if (a->auth == NULL)
		return finish(w, start, 0);
	pad_to(w, start, 4); /* already aligned: result entries are 24 octets */
	put_trailer(w, &a->auth->t, 0);
	ndr_put_bytes(w, a->auth->value, a->auth->value_len);
	return finish(w, start, a->auth->value_len);
}

int rpc_encode_bind_nak(struct ndr_wr *w, uint32_t call_id, uint16_t reason)
{
	size_t start = w->len;

	put_hdr(w, RPC_PT_BIND_NAK, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, call_id);
	put16(w, reason);
	ndr_put_u8(w, 1); /* p_rt_versions_supported_t: one version, 5.0 */
	ndr_put_u8(w, 5);
	ndr_put_u8(w, 0);
	/* 24 octets: short of the 21 + 16 from which MS-RPCE 2.2.2.9 clients look for
	 * an extended-error Signature. */
	pad_to(w, start, 4);
	return finish(w, start, 0);
}

int rpc_encode_fault(struct ndr_wr *w, uint32_t call_id, uint16_t ctx_id, uint32_t status,
		     uint8_t flags)
{
	size_t start = w->len;

	put_hdr(w, RPC_PT_FAULT, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG | flags, call_id);
	put32(w, 0); /* alloc_hint: no stub follows */
	put16(w, ctx_id);
	ndr_put_u8(w, 0); /* cancel_count */
	ndr_put_u8(w, 0); /* fault_flags: no extended error information */
	put32(w, status);
	put32(w, 0);
	return finish(w, start, 0);
}

/* One response fragment carrying stub[0..n). */
static int put_fragment(struct ndr_wr *w, uint32_t call_id, uint16_t ctx_id, uint8_t flags,
			uint32_t alloc_hint, const uint8_t *stub, size_t n,
			const struct rpc_wrap *wrap)
{
	static const uint8_t zeros[16];
	size_t start = w->len, pad, tlen;
	uint8_t *verifier;

	put_hdr(w, RPC_PT_RESPONSE, flags, call_id);
	put32(w, alloc_hint);
	put16(w, ctx_id);
	ndr_put_u8(w, 0); /* cancel_count */
	ndr_put_u8(w, 0);
	ndr_put_bytes(w, stub, n);
	if (wrap == NULL)
		return finish(w, start, 0);

	/* Stub and pad sealed together, padded to 16 as Windows does. */
	pad = (16 - n % 16) % 16;
	ndr_put_bytes(w, zeros, pad);
	put_trailer(w, &wrap->t, (uint8_t)pad);
	tlen = w->len - start;
	verifier = ndr_put_space(w, wrap->verifier_len);
	if (verifier == NULL || finish(w, start, wrap->verifier_len) != 0)
		return -1;
	verifier = w->buf + start + tlen; /* the writer may have moved */
	if (wrap->fn(wrap->arg, w->buf + start, tlen, RPC_RESP_HDR_LEN, n + pad, verifier,
		     wrap->verifier_len) != 0) {
		w->failed = 1;
		return -1;
	}
	return 0;
}

int rpc_encode_response(struct ndr_wr *w, uint32_t call_id, uint16_t ctx_id,
			const uint8_t *stub, size_t len, uint16_t max_xmit_frag,
			const struct rpc_wrap *wrap)
{
	size_t over = RPC_RESP_HDR_LEN, align = 8, chunk, off = 0;

	if (wrap != NULL) {
		over += RPC_SEC_TRAILER_LEN + wrap->verifier_len;
		align = 16;
	}
	if (max_xmit_frag < over + align || len > UINT32_MAX) {
		w->failed = 1;
		return -1;
	}
	/* A multiple of align: the last fragment's pad then fits as well. */
	chunk = (max_xmit_frag - over) & ~(align - 1);
	do {
		size_t n = len - off < chunk ? len - off : chunk;
		uint8_t flags = 0;

		if (off == 0)
			flags |= RPC_PFC_FIRST_FRAG;
		if (off + n == len)
			flags |= RPC_PFC_LAST_FRAG;
		if (put_fragment(w, call_id, ctx_id, flags, (uint32_t)(len - off),
				 n > 0 ? stub + off : NULL, n, wrap) != 0)
			return -1;
		off += n;
	} while (off < len);
	return 0;
}
