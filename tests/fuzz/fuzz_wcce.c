/* libFuzzer target: the ICertRequestD/D2 request decoders (firmware/rpc/
 * wcce_stub.c) and the CA property wire forms (firmware/icpr/caprop.c). Byte 0
 * picks (modulo 9): 0..6 the stub of opnum 3..9 (Request, GetCACert, Ping,
 * Request2, GetCAProperty, GetCAPropertyInfo, Ping2) in the rest; 7 GetCACert's
 * fchain map on the next 4 octets (little-endian); 8 GetCAProperty's argument
 * check on the next 12 (id, index, type) and a typed value's blob from what
 * follows. Invariants: what decodes lies within the input and within the
 * strings' bounds, re-encodes (wcce_*_encode_in) to at most the input's length
 * and decodes again to the same values; a mapped fchain names an answered
 * property with its wire form; a passed check matches the table; a value blob
 * has the length its type implies. Seeds: tests/unit/support/wcce_impacket.py
 * seeds DIR (impacket's stubs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/icpr/caprop.h"
#include "firmware/icpr/icpr.h"
#include "firmware/rpc/wcce_stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static const uint8_t *in_lo, *in_hi;

static void check_str(const struct wcce_wstr *s, size_t bound)
{
	if (!s->present) {
		check(s->p == NULL && s->units == 0);
		return;
	}
	check(s->units <= bound && s->p != NULL);
	check(s->p >= in_lo && s->p + 2 * s->units <= in_hi);
}

static void same_str(const struct wcce_wstr *a, const struct wcce_wstr *b)
{
	check(a->present == b->present && a->units == b->units);
	check(a->units == 0 || memcmp(a->p, b->p, 2 * a->units) == 0);
}

static void check_blob(const struct rpc_icpr_blob *b)
{
	if (b->cb == 0)
		return;
	check(b->present && b->pb != NULL && b->pb >= in_lo && b->pb + b->cb <= in_hi);
}

static void requests(uint16_t opnum, const uint8_t *p, size_t n, struct ndr_wr *w)
{
	struct wcce_request a, b;
	char err[160];

	if (wcce_request_decode(opnum, p, n, &a, err, sizeof err) != 0) {
		check(err[0] != 0 && !a.authority.present && a.request.pb == NULL);
		return;
	}
	check_str(&a.authority, WCCE_MAX_STRING_UNITS);
	check_str(&a.serial, WCCE_MAX_SERIAL_UNITS);
	check_str(&a.attributes, WCCE_MAX_STRING_UNITS);
	check_blob(&a.request);
	check(opnum == WCCE_OPNUM_REQUEST2 || !a.serial.present);
	check(wcce_request_encode_in(opnum, &a, w) == 0);
	check(w->len <= n);
	check(wcce_request_decode(opnum, w->buf, w->len, &b, err, sizeof err) == 0);
	check(a.flags == b.flags && a.request_id == b.request_id);
	check(memcmp(&a.orpc.cid, &b.orpc.cid, sizeof a.orpc.cid) == 0);
	same_str(&a.authority, &b.authority);
	same_str(&a.serial, &b.serial);
	same_str(&a.attributes, &b.attributes);
	check(a.request.cb == b.request.cb && (a.request.cb == 0 || b.request.present));
	check(a.request.cb == 0 || memcmp(a.request.pb, b.request.pb, a.request.cb) == 0);
}

static void others(uint16_t opnum, const uint8_t *p, size_t n, struct ndr_wr *w)
{
	char err[160];

	if (opnum == WCCE_OPNUM_GETCACERT) {
		struct wcce_getcacert a, b;

		if (wcce_getcacert_decode(p, n, &a, err, sizeof err) != 0)
			return;
		check_str(&a.authority, WCCE_MAX_STRING_UNITS);
		check(wcce_getcacert_encode_in(&a, w) == 0 && w->len <= n);
		check(wcce_getcacert_decode(w->buf, w->len, &b, err, sizeof err) == 0);
		check(a.fchain == b.fchain);
		same_str(&a.authority, &b.authority);
	} else if (opnum == WCCE_OPNUM_GETCAPROPERTY) {
		struct wcce_getcaproperty a, b;

		if (wcce_getcaproperty_decode(p, n, &a, err, sizeof err) != 0)
			return;
		check_str(&a.authority, WCCE_MAX_STRING_UNITS);
		check(wcce_getcaproperty_encode_in(&a, w) == 0 && w->len <= n);
		check(wcce_getcaproperty_decode(w->buf, w->len, &b, err, sizeof err) == 0);
		check(a.prop_id == b.prop_id && a.prop_index == b.prop_index &&
		      a.prop_type == b.prop_type);
		same_str(&a.authority, &b.authority);
	} else {
		struct wcce_authority_call a, b;

		if (wcce_authority_decode(opnum, p, n, &a, err, sizeof err) != 0)
			return;
		check_str(&a.authority, WCCE_MAX_STRING_UNITS);
		check(wcce_authority_encode_in(opnum, &a, w) == 0 && w->len <= n);
		check(wcce_authority_decode(opnum, w->buf, w->len, &b, err, sizeof err) == 0);
		same_str(&a.authority, &b.authority);
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fchain(const uint8_t *p, size_t n)
{
	struct caprop_getcert m;
	const struct caprop_info *info;

	if (n < 4)
		return;
	if (caprop_getcert_map(le32(p), &m) != 0) {
		check(m.prop_id == 0);
		return;
	}
	info = caprop_find(m.prop_id);
	check(info != NULL);
	/* GETCERT_CATYPE is the one LONG answer of a CAINFO property; GETCERT_CAINFO
	 * the CAINFO of CR_PROP_CATYPE. */
	check(m.wire == info->wire || m.prop_id == CR_PROP_CATYPE);
	check(info->indexed || m.index == 0);
}

static void property(const uint8_t *p, size_t n)
{
	static uint8_t out[8192];
	const struct caprop_info *info;
	uint32_t type;
	size_t len;
	int rc;

	if (n < 12)
		return;
	type = le32(p + 8);
	if (caprop_check((int32_t)le32(p), (int32_t)le32(p + 4), (int32_t)type) == 0) {
		info = caprop_find((int32_t)le32(p));
		check(info != NULL && info->type == type && (info->indexed || le32(p + 4) == 0));
	}
	rc = caprop_value_blob(type, le32(p + 4), p + 12, n - 12, out, sizeof out, &len);
	if (rc != ICPR_OK) {
		check(len == 0);
		return;
	}
	if (type == CAPROP_TYPE_LONG)
		check(len == 4 && le32(out) == le32(p + 4));
	else if (type == CAPROP_TYPE_BINARY)
		check(len == n - 12 && memcmp(out, p + 12, len) == 0);
	else
		check(type == CAPROP_TYPE_STRING && len >= 2 && len % 2 == 0 &&
		      len <= 2 * (n - 12) + 2 && out[len - 1] == 0 && out[len - 2] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ndr_wr w;
	unsigned sel;

	if (size < 1)
		return 0;
	sel = data[0] % 9;
	in_lo = data + 1;
	in_hi = data + size;
	if (sel == 7) {
		fchain(data + 1, size - 1);
		return 0;
	}
	if (sel == 8) {
		property(data + 1, size - 1);
		return 0;
	}
	ndr_wr_init(&w, 1 << 20);
	if (sel == 0 || sel == 3)
		requests((uint16_t)(sel + 3), data + 1, size - 1, &w);
	else
		others((uint16_t)(sel + 3), data + 1, size - 1, &w);
	ndr_wr_free(&w);
	return 0;
}
