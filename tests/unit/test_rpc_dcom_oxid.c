/* firmware/rpc/dcom_oxid.c (IObjectExporter) and dcom_remunk.c (IRemUnknown,
 * IRemUnknown2). Oracle: impacket. Requests are built by impacket's own
 * NDRCALL classes (support/dcom_oxid_ref.h, made by
 * support/dcom_oxid_impacket.py gen) and must decode to the values the script
 * put in; our responses are written to a temporary file and parsed by
 * impacket's response classes (dcom_oxid_impacket.py check), whose printed
 * fields must be what we encoded. Truncated stubs, inconsistent and oversized
 * counts are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/rpc/dcom.h"
#include "firmware/rpc/dcom_oxid.h"
#include "firmware/rpc/dcom_remunk.h"
#include "firmware/rpc/ndr.h"
#include "tests/unit/support/dcom_oxid_ref.h"
#include "tests/unit/support/x509_oracle.h"

#define CHECK "/usr/bin/python3 tests/unit/support/dcom_oxid_impacket.py check"

static char err[256];

/* The values dcom_oxid_impacket.py puts in its requests. */
static const struct rpc_uuid cid = {{0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
				     0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f}};
static const struct rpc_uuid ripid = {{0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
				       0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf}};
static const struct rpc_uuid ipid2 = {{0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
				       0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf}};

static struct dcom_oxid_in oin;
static struct dcom_remunk_in rin;

static int teardown_group(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

/* ---- IObjectExporter requests ---- */

static void test_resolve_oxid(void **state)
{
	(void)state;
	assert_int_equal(dcom_oxid_decode(DCOM_OXID_OPNUM_RESOLVE_OXID, ref_resolve_oxid,
					  sizeof ref_resolve_oxid, &oin, err, sizeof err), 0);
	assert_true(oin.oxid == 0x1122334455667788ull);
	assert_int_equal(oin.n_protseqs, 1);
	assert_int_equal(oin.protseqs[0], 7);

	assert_int_equal(dcom_oxid_decode(DCOM_OXID_OPNUM_RESOLVE_OXID2, ref_resolve_oxid2,
					  sizeof ref_resolve_oxid2, &oin, err, sizeof err), 0);
	assert_true(oin.oxid == 0x8877665544332211ull);
	assert_int_equal(oin.n_protseqs, 3);
	assert_int_equal(oin.protseqs[0], 7);
	assert_int_equal(oin.protseqs[1], 15);
	assert_int_equal(oin.protseqs[2], 9);
}

static void test_pings(void **state)
{
	(void)state;
	assert_int_equal(dcom_oxid_decode(DCOM_OXID_OPNUM_SIMPLE_PING, ref_simple_ping,
					  sizeof ref_simple_ping, &oin, err, sizeof err), 0);
	assert_true(oin.setid == 0x0102030405060708ull);

	assert_int_equal(dcom_oxid_decode(DCOM_OXID_OPNUM_COMPLEX_PING, ref_complex_ping,
					  sizeof ref_complex_ping, &oin, err, sizeof err), 0);
	assert_true(oin.setid == 0);
	assert_int_equal(oin.sequence, 1);
	assert_int_equal(oin.n_add, 3);
	assert_true(oin.add[0] == 0x1111 && oin.add[1] == 0x2222 && oin.add[2] == 0x3333);
	assert_int_equal(oin.n_del, 1);
	assert_true(oin.del[0] == 0x4444);

	/* DelFromSet NULL */
	assert_int_equal(dcom_oxid_decode(DCOM_OXID_OPNUM_COMPLEX_PING, ref_complex_ping_add,
					  sizeof ref_complex_ping_add, &oin, err, sizeof err), 0);
	assert_true(oin.setid == 0xabcdef0123456789ull);
	assert_int_equal(oin.sequence, 7);
	assert_int_equal(oin.n_add, 1);
	assert_true(oin.add[0] == 0xfedcba9876543210ull);
	assert_int_equal(oin.n_del, 0);

	/* the bound itself: 256 and 256 */
	assert_int_equal(dcom_oxid_decode(DCOM_OXID_OPNUM_COMPLEX_PING, ref_complex_ping_max,
					  sizeof ref_complex_ping_max, &oin, err, sizeof err), 0);
	assert_int_equal(oin.n_add, DCOM_PING_MAX_OIDS);
	assert_int_equal(oin.n_del, DCOM_PING_MAX_OIDS);
	for (size_t i = 0; i < DCOM_PING_MAX_OIDS; i++) {
		assert_true(oin.add[i] == i + 1);
		assert_true(oin.del[i] == i + 1000);
	}
}

static void test_server_alive(void **state)
{
	(void)state;
	assert_int_equal(dcom_oxid_decode(DCOM_OXID_OPNUM_SERVER_ALIVE, NULL, 0, &oin, err,
					  sizeof err), 0);
	assert_int_equal(dcom_oxid_decode(DCOM_OXID_OPNUM_SERVER_ALIVE2, NULL, 0, &oin, err,
					  sizeof err), 0);
	/* no opnum 6 */
	assert_int_equal(dcom_oxid_decode(DCOM_OXID_N_OPS, ref_simple_ping,
					  sizeof ref_simple_ping, &oin, err, sizeof err), -1);
}

/* Every proper prefix of a reference stub is refused (each ends with a
 * parameter that cannot be cut off), and the decoded struct is zeroed. */
static void truncations(int remunk, uint16_t opnum, const uint8_t *stub, size_t len)
{
	for (size_t n = 0; n < len; n++) {
		uint8_t *c = malloc(n ? n : 1);
		int rc;

		assert_non_null(c);
		memcpy(c, stub, n);
		err[0] = 0;
		if (remunk) {
			rc = dcom_remunk_decode(opnum, c, n, &rin, err, sizeof err);
			assert_int_equal(rin.n_iids + rin.n_irefs, 0);
		} else {
			rc = dcom_oxid_decode(opnum, c, n, &oin, err, sizeof err);
			assert_int_equal(oin.n_add + oin.n_del + oin.n_protseqs, 0);
		}
		if (rc != -1)
			fail_msg("opnum %u: %zu of %zu octets decoded", opnum, n, len);
		assert_true(err[0] != 0);
		free(c);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	truncations(0, 0, ref_resolve_oxid, sizeof ref_resolve_oxid);
	truncations(0, 4, ref_resolve_oxid2, sizeof ref_resolve_oxid2);
	truncations(0, 1, ref_simple_ping, sizeof ref_simple_ping);
	truncations(0, 2, ref_complex_ping, sizeof ref_complex_ping);
	truncations(0, 2, ref_complex_ping_add, sizeof ref_complex_ping_add);
	truncations(1, 3, ref_remqi, sizeof ref_remqi);
	truncations(1, 4, ref_remaddref, sizeof ref_remaddref);
	truncations(1, 5, ref_remrelease, sizeof ref_remrelease);
	truncations(1, 6, ref_remqi2, sizeof ref_remqi2);
	truncations(1, 5, ref_remrelease_extent, sizeof ref_remrelease_extent);
}

/* Trailing octets: up to 7 (alignment) are tolerated, 8 are not. */
static void test_trailing(void **state)
{
	uint8_t buf[sizeof ref_simple_ping + 8];

	(void)state;
	memset(buf, 0, sizeof buf);
	memcpy(buf, ref_simple_ping, sizeof ref_simple_ping);
	assert_int_equal(dcom_oxid_decode(1, buf, sizeof ref_simple_ping + 7, &oin, err,
					  sizeof err), 0);
	assert_int_equal(dcom_oxid_decode(1, buf, sizeof buf, &oin, err, sizeof err), -1);
	assert_int_equal(dcom_oxid_decode(3, buf, 8, &oin, err, sizeof err), -1);
}

static void put_u64(struct ndr_wr *w, uint64_t v)
{
	ndr_put_align(w, 8);
	ndr_put_u32(w, (uint32_t)v);
	ndr_put_u32(w, (uint32_t)(v >> 32));
}

/* A ComplexPing stub: counts, referents and max_counts as given, n_oids OIDs
 * behind each non-NULL pointer. */
static int complex_ping(uint16_t c_add, uint16_t c_del, uint32_t ref_add, uint32_t max_add,
			uint32_t ref_del, uint32_t max_del, size_t n_oids)
{
	struct ndr_wr w;
	int rc;

	ndr_wr_init(&w, 65536);
	put_u64(&w, 9);
	ndr_put_u16(&w, 1);
	ndr_put_u16(&w, c_add);
	ndr_put_u16(&w, c_del);
	ndr_put_u32(&w, ref_add);
	if (ref_add != 0) {
		ndr_put_u32(&w, max_add);
		for (size_t i = 0; i < n_oids; i++)
			put_u64(&w, i);
	}
	ndr_put_u32(&w, ref_del);
	if (ref_del != 0) {
		ndr_put_u32(&w, max_del);
		for (size_t i = 0; i < n_oids; i++)
			put_u64(&w, i);
	}
	assert_true(ndr_wr_ok(&w));
	rc = dcom_oxid_decode(2, w.buf, w.len, &oin, err, sizeof err);
	ndr_wr_free(&w);
	return rc;
}

static void test_complex_ping_counts(void **state)
{
	(void)state;
	/* the control: a well-formed hand-built stub decodes */
	assert_int_equal(complex_ping(2, 2, 0x20000, 2, 0x20004, 2, 2), 0);
	assert_int_equal(oin.n_add, 2);
	assert_int_equal(complex_ping(0, 0, 0, 0, 0, 0, 0), 0);
	/* a non-NULL empty array is valid NDR */
	assert_int_equal(complex_ping(0, 0, 0x20000, 0, 0x20004, 0, 0), 0);
	/* 257 to add or to delete */
	assert_int_equal(complex_ping(257, 0, 0x20000, 257, 0, 0, 257), -1);
	assert_non_null(strstr(err, "at most 256"));
	assert_int_equal(complex_ping(0, 257, 0, 0, 0x20004, 257, 257), -1);
	assert_int_equal(complex_ping(0xffff, 0, 0x20000, 0xffff, 0, 0, 0), -1);
	/* max_count other than the count */
	assert_int_equal(complex_ping(2, 0, 0x20000, 3, 0, 0, 3), -1);
	assert_non_null(strstr(err, "max_count"));
	assert_int_equal(complex_ping(2, 2, 0x20000, 2, 0x20004, 1, 2), -1);
	/* OIDs counted behind a NULL pointer */
	assert_int_equal(complex_ping(2, 0, 0, 0, 0, 0, 0), -1);
	assert_non_null(strstr(err, "NULL"));
	assert_int_equal(complex_ping(0, 1, 0, 0, 0, 0, 0), -1);
}

static int resolve(uint16_t opnum, uint16_t count, uint32_t max, size_t n)
{
	struct ndr_wr w;
	int rc;

	ndr_wr_init(&w, 65536);
	put_u64(&w, 0x42);
	ndr_put_u16(&w, count);
	ndr_put_u32(&w, max);
	for (size_t i = 0; i < n; i++)
		ndr_put_u16(&w, 7);
	assert_true(ndr_wr_ok(&w));
	rc = dcom_oxid_decode(opnum, w.buf, w.len, &oin, err, sizeof err);
	ndr_wr_free(&w);
	return rc;
}

static void test_resolve_counts(void **state)
{
	(void)state;
	assert_int_equal(resolve(0, 16, 16, 16), 0);
	assert_int_equal(oin.n_protseqs, 16);
	assert_int_equal(resolve(4, 0, 0, 0), 0);
	assert_int_equal(resolve(0, 17, 17, 17), -1);
	assert_non_null(strstr(err, "at most 16"));
	assert_int_equal(resolve(4, 0x8000, 0x8000, 0), -1);
	assert_int_equal(resolve(4, 2, 1, 2), -1);
	assert_int_equal(resolve(0, 1, 2, 2), -1);
}

/* ---- IRemUnknown requests ---- */

static void check_orpcthis(int minor)
{
	assert_int_equal(rin.orpc.major, 5);
	assert_int_equal(rin.orpc.minor, minor);
	assert_memory_equal(&rin.orpc.cid, &cid, sizeof cid);
	assert_int_equal(rin.orpc.n_extents, 0);
}

static void test_remunk_requests(void **state)
{
	(void)state;
	assert_int_equal(dcom_remunk_decode(DCOM_REMUNK_OPNUM_QI, ref_remqi, sizeof ref_remqi,
					    &rin, err, sizeof err), 0);
	check_orpcthis(7);
	assert_memory_equal(&rin.ipid, &ripid, sizeof ripid);
	assert_int_equal(rin.refs, 5);
	assert_int_equal(rin.n_iids, 2);
	assert_true(rpc_uuid_eq(&rin.iids[0], &dcom_iid_iunknown));
	assert_true(rpc_uuid_eq(&rin.iids[1], &dcom_iid_iremunknown2));

	assert_int_equal(dcom_remunk_decode(DCOM_REMUNK_OPNUM_ADDREF, ref_remaddref,
					    sizeof ref_remaddref, &rin, err, sizeof err), 0);
	check_orpcthis(7);
	assert_int_equal(rin.n_irefs, 2);
	assert_memory_equal(&rin.irefs[0].ipid, &ripid, sizeof ripid);
	assert_int_equal(rin.irefs[0].public_refs, 1);
	assert_int_equal(rin.irefs[0].private_refs, 0);
	assert_memory_equal(&rin.irefs[1].ipid, &ipid2, sizeof ipid2);
	assert_int_equal(rin.irefs[1].public_refs, 3);
	assert_int_equal(rin.irefs[1].private_refs, 2);

	assert_int_equal(dcom_remunk_decode(DCOM_REMUNK_OPNUM_RELEASE, ref_remrelease,
					    sizeof ref_remrelease, &rin, err, sizeof err), 0);
	check_orpcthis(6);
	assert_int_equal(rin.n_irefs, 1);
	assert_memory_equal(&rin.irefs[0].ipid, &ipid2, sizeof ipid2);
	assert_int_equal(rin.irefs[0].public_refs, 5);

	assert_int_equal(dcom_remunk_decode(DCOM_REMUNK_OPNUM_QI2, ref_remqi2,
					    sizeof ref_remqi2, &rin, err, sizeof err), 0);
	check_orpcthis(7);
	assert_memory_equal(&rin.ipid, &ripid, sizeof ripid);
	assert_int_equal(rin.n_iids, 3);
	assert_true(rpc_uuid_eq(&rin.iids[0], &dcom_iid_iunknown));
	assert_true(rpc_uuid_eq(&rin.iids[1], &dcom_iid_iremunknown));
	assert_true(rpc_uuid_eq(&rin.iids[2], &dcom_iid_iremunknown2));

	/* an ORPCTHIS with one extension (hand-packed: impacket sends none) */
	assert_int_equal(dcom_remunk_decode(DCOM_REMUNK_OPNUM_RELEASE, ref_remrelease_extent,
					    sizeof ref_remrelease_extent, &rin, err, sizeof err),
			 0);
	assert_int_equal(rin.orpc.n_extents, 1);
	assert_memory_equal(&rin.orpc.cid, &cid, sizeof cid);
	assert_int_equal(rin.n_irefs, 1);
	assert_memory_equal(&rin.irefs[0].ipid, &ipid2, sizeof ipid2);
	assert_int_equal(rin.irefs[0].public_refs, 7);
	assert_int_equal(rin.irefs[0].private_refs, 0);

	/* IUnknown's opnums and past IRemUnknown2's are not this decoder's */
	for (uint16_t op = 0; op < 3; op++)
		assert_int_equal(dcom_remunk_decode(op, ref_remqi, sizeof ref_remqi, &rin, err,
						    sizeof err), -1);
	assert_int_equal(dcom_remunk_decode(7, ref_remqi, sizeof ref_remqi, &rin, err,
					    sizeof err), -1);
}

/* An ORPCTHIS (no extensions), then for opnum 3/6 ripid (+ cRefs) and cIids
 * IIDs with conformance max; for 4/5 count references. */
static int remunk(uint16_t opnum, uint16_t count, uint32_t max, size_t n)
{
	struct ndr_wr w;
	int rc;

	ndr_wr_init(&w, 65536);
	ndr_put_u16(&w, 5);
	ndr_put_u16(&w, 7);
	ndr_put_u32(&w, 0);
	ndr_put_u32(&w, 0);
	ndr_put_uuid(&w, &cid);
	ndr_put_u32(&w, 0);
	if (opnum == 3 || opnum == 6) {
		ndr_put_uuid(&w, &ripid);
		if (opnum == 3)
			ndr_put_u32(&w, 1);
	}
	ndr_put_u16(&w, count);
	ndr_put_u32(&w, max);
	for (size_t i = 0; i < n; i++) {
		ndr_put_uuid(&w, &ipid2);
		if (opnum == 4 || opnum == 5) {
			ndr_put_u32(&w, 1);
			ndr_put_u32(&w, 0);
		}
	}
	assert_true(ndr_wr_ok(&w));
	rc = dcom_remunk_decode(opnum, w.buf, w.len, &rin, err, sizeof err);
	ndr_wr_free(&w);
	return rc;
}

static void test_remunk_counts(void **state)
{
	(void)state;
	for (uint16_t op = 3; op <= 6; op++) {
		assert_int_equal(remunk(op, 64, 64, 64), 0);
		assert_int_equal(rin.n_iids + rin.n_irefs, 64);
		assert_int_equal(remunk(op, 0, 0, 0), 0);
		assert_int_equal(remunk(op, 65, 65, 65), -1);
		assert_non_null(strstr(err, "at most 64"));
		assert_int_equal(remunk(op, 0xffff, 0xffff, 0), -1);
		assert_int_equal(remunk(op, 2, 3, 3), -1);
		assert_non_null(strstr(err, "max_count"));
		assert_int_equal(remunk(op, 3, 2, 3), -1);
		assert_int_equal(remunk(op, 3, 3, 2), -1);
	}
}

/* ---- responses, parsed by impacket ---- */

static const struct dcom_bindings oxid_b = {
	.str = {{7, "127.0.0.1[5022]"}}, .n_str = 1, .sec = {{10, ""}, {9, "ca"}}, .n_sec = 2};
static const struct dcom_bindings or_b = {
	.str = {{7, "127.0.0.1"}, {7, "ca.example"}}, .n_str = 2, .sec = {{10, ""}}, .n_sec = 1};

/* Writes w's octets to a file, has impacket's class cls parse it and checks
 * its report is want. */
static void impacket_says(const struct ndr_wr *w, const char *cls, const char *want)
{
	const char *path = oracle_path("resp.bin");
	char *out = NULL;
	int st;

	assert_int_equal(oracle_write(path, w->buf, w->len), 0);
	st = oracle_run(&out, CHECK " %s '%s'", cls, path);
	if (st != 0 || out == NULL || strcmp(out, want) != 0)
		fail_msg("%s: impacket printed (status %d)\n%s\nwanted\n%s", cls, st,
			 out ? out : "(nothing)", want);
	free(out);
}

static void encode_oxid(uint16_t opnum, const struct dcom_oxid_out *o, const char *cls,
			const char *want)
{
	struct ndr_wr w;

	ndr_wr_init(&w, 65536);
	assert_int_equal(dcom_oxid_encode(opnum, o, &w), 0);
	impacket_says(&w, cls, want);
	ndr_wr_free(&w);
}

static void test_oxid_responses(void **state)
{
	struct dcom_oxid_out o;

	(void)state;
	memset(&o, 0, sizeof o);
	o.oxid_bindings = &oxid_b;
	o.ipid_remunknown = ripid;
	o.authn_hint = 6;
	o.com_major = 5;
	o.com_minor = 7;
	encode_oxid(0, &o, "ResolveOxidResponse",
		    "bindings=7:127.0.0.1[5022]|10/65535:,9/65535:ca\n"
		    "ipid=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\nauthn=6\nstatus=0x0\n");
	encode_oxid(4, &o, "ResolveOxid2Response",
		    "bindings=7:127.0.0.1[5022]|10/65535:,9/65535:ca\n"
		    "ipid=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\nauthn=6\nversion=5.7\nstatus=0x0\n");
	/* an unknown OXID: nothing but the status */
	o.status = DCOM_OR_INVALID_OXID;
	encode_oxid(4, &o, "ResolveOxid2Response",
		    "bindings=NULL\nipid=00000000000000000000000000000000\nauthn=0\n"
		    "version=0.0\nstatus=0x776\n");
	encode_oxid(0, &o, "ResolveOxidResponse",
		    "bindings=NULL\nipid=00000000000000000000000000000000\nauthn=0\n"
		    "status=0x776\n");

	memset(&o, 0, sizeof o);
	o.com_major = 5;
	o.com_minor = 7;
	o.or_bindings = &or_b;
	encode_oxid(5, &o, "ServerAlive2Response",
		    "version=5.7\nbindings=7:127.0.0.1,7:ca.example|10/65535:\nreserved=0\n"
		    "status=0x0\n");
	o.or_bindings = NULL;
	encode_oxid(5, &o, "ServerAlive2Response",
		    "version=5.7\nbindings=NULL\nreserved=0\nstatus=0x0\n");

	memset(&o, 0, sizeof o);
	o.setid = 0x1234567890abcdefull;
	o.backoff = 2;
	encode_oxid(2, &o, "ComplexPingResponse",
		    "setid=0x1234567890abcdef\nbackoff=2\nstatus=0x0\n");
	o.status = DCOM_OR_INVALID_SET;
	encode_oxid(2, &o, "ComplexPingResponse", "setid=0x0\nbackoff=0\nstatus=0x778\n");
	encode_oxid(1, &o, "SimplePingResponse", "status=0x778\n");
	o.status = 0;
	encode_oxid(1, &o, "SimplePingResponse", "status=0x0\n");
	encode_oxid(3, &o, "ServerAliveResponse", "status=0x0\n");
}

/* The exact octets of ResolveOxid2's answer (the layout impacket's parse
 * leaves implicit: referent, DSA, then the IPID at 4-octet alignment). */
static void test_resolve_octets(void **state)
{
	static const struct dcom_bindings b = {.str = {{7, "a"}}, .n_str = 1, .n_sec = 0};
	static const uint8_t want[] = {
		0x00, 0x00, 0x02, 0x00,             /* referent */
		0x06, 0x00, 0x00, 0x00,             /* max_count 6 */
		0x06, 0x00, 0x04, 0x00,             /* wNumEntries 6, wSecurityOffset 4 */
		0x07, 0x00, 'a', 0x00, 0x00, 0x00, 0x00, 0x00, /* 7 "a" NUL, end */
		0x00, 0x00, 0x00, 0x00,             /* no security bindings: 0 0 */
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
		0x06, 0x00, 0x00, 0x00,             /* authn hint */
		0x05, 0x00, 0x07, 0x00,             /* COMVERSION */
		0x00, 0x00, 0x00, 0x00,             /* status */
	};
	struct dcom_oxid_out o = {.oxid_bindings = &b, .ipid_remunknown = ripid,
				  .authn_hint = 6, .com_major = 5, .com_minor = 7};
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 4096);
	assert_int_equal(dcom_oxid_encode(4, &o, &w), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.buf, want, sizeof want);
	/* a writer that is not empty, an opnum that does not exist, a writer too small */
	assert_int_equal(dcom_oxid_encode(4, &o, &w), -1);
	ndr_wr_reset(&w);
	assert_int_equal(dcom_oxid_encode(6, &o, &w), -1);
	ndr_wr_free(&w);
	ndr_wr_init(&w, 16);
	assert_int_equal(dcom_oxid_encode(4, &o, &w), -1);
	ndr_wr_free(&w);
}

static void encode_remunk(uint16_t opnum, const struct dcom_remunk_out *o, const char *cls,
			  const char *want)
{
	struct ndr_wr w;

	ndr_wr_init(&w, 65536);
	assert_int_equal(dcom_remunk_encode(opnum, o, &w), 0);
	impacket_says(&w, cls, want);
	ndr_wr_free(&w);
}

static void test_remunk_responses(void **state)
{
	static struct dcom_remunk_out o;
	const struct dcom_stdobjref s0 = {0, 5, 0x1122334455667788ull, 0x99, ipid2};
	const struct dcom_stdobjref s1 = {DCOM_SORF_NOPING, 1, 0x1122334455667788ull, 0x98,
					  ripid};

	(void)state;
	memset(&o, 0, sizeof o);
	o.n = 1;
	o.std[0] = s0;
	/* impacket's own class (one REMQIRESULT) */
	encode_remunk(3, &o, "RemQueryInterfaceResponse",
		      "hr=0x0\nstd=flags=0x0 refs=5 oxid=0x1122334455667788 oid=0x99 "
		      "ipid=c0c1c2c3c4c5c6c7c8c9cacbcccdcecf\norpcthat=0x0/0\nstatus=0x0\n");
	/* the array as MS-DCOM defines it */
	o.n = 3;
	o.results[1] = DCOM_E_NOINTERFACE;
	o.std[1] = s1; /* not sent: the entry failed */
	o.std[2] = s1;
	encode_remunk(3, &o, "RemQueryInterfaceArray",
		      "hr=0x0 std=flags=0x0 refs=5 oxid=0x1122334455667788 oid=0x99 "
		      "ipid=c0c1c2c3c4c5c6c7c8c9cacbcccdcecf\n"
		      "hr=0x80004002 std=flags=0x0 refs=0 oxid=0x0 oid=0x0 "
		      "ipid=00000000000000000000000000000000\n"
		      "hr=0x0 std=flags=0x1000 refs=1 oxid=0x1122334455667788 oid=0x98 "
		      "ipid=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\n"
		      "orpcthat=0x0/0\nstatus=0x0\n");
	o.hr = DCOM_RPC_E_INVALID_IPID;
	encode_remunk(3, &o, "RemQueryInterfaceResponse",
		      "results=NULL\norpcthat=0x0/0\nstatus=0x80010113\n");

	memset(&o, 0, sizeof o);
	o.n = 2;
	o.results[1] = DCOM_RPC_E_INVALID_IPID;
	encode_remunk(4, &o, "RemAddRefResponse",
		      "results=0x0,0x80010113\norpcthat=0x0/0\nstatus=0x0\n");
	o.hr = DCOM_E_INVALIDARG;
	encode_remunk(5, &o, "RemReleaseResponse", "orpcthat=0x0/0\nstatus=0x80070057\n");

	memset(&o, 0, sizeof o);
	o.n = 3;
	o.iids[0] = dcom_iid_icertrequestd;
	o.std[0] = s0;
	o.results[1] = DCOM_E_NOINTERFACE;
	o.iids[2] = dcom_iid_icertrequestd2;
	o.std[2] = s1;
	o.resolver = &or_b;
	encode_remunk(6, &o, "RemQueryInterface2Response",
		      "phr=0x0,0x80004002,0x0\n"
		      "mif=sig=0x574f454d flags=1 iid=d99e6e70-fc88-11d0-b498-00a0c90312f3 "
		      "std=flags=0x0 refs=5 oxid=0x1122334455667788 oid=0x99 "
		      "ipid=c0c1c2c3c4c5c6c7c8c9cacbcccdcecf "
		      "resaddr=7:127.0.0.1,7:ca.example|10/65535:\n"
		      "mif=NULL\n"
		      "mif=sig=0x574f454d flags=1 iid=5422fd3a-d4b8-4cef-a12e-e87d4ca22e90 "
		      "std=flags=0x1000 refs=1 oxid=0x1122334455667788 oid=0x98 "
		      "ipid=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf "
		      "resaddr=7:127.0.0.1,7:ca.example|10/65535:\n"
		      "orpcthat=0x0/0\nstatus=0x0\n");
	/* every IID refused */
	o.results[0] = o.results[2] = DCOM_E_NOINTERFACE;
	encode_remunk(6, &o, "RemQueryInterface2Response",
		      "phr=0x80004002,0x80004002,0x80004002\nmif=NULL\nmif=NULL\nmif=NULL\n"
		      "orpcthat=0x0/0\nstatus=0x0\n");
	o.hr = DCOM_RPC_E_INVALID_IPID;
	encode_remunk(6, &o, "RemQueryInterface2Response",
		      "phr=0x80004002,0x80004002,0x80004002\nmif=NULL\nmif=NULL\nmif=NULL\n"
		      "orpcthat=0x0/0\nstatus=0x80010113\n");
}

static void test_remunk_encode_refusals(void **state)
{
	static struct dcom_remunk_out o;
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 65536);
	memset(&o, 0, sizeof o);
	o.n = DCOM_REM_MAX + 1;
	assert_int_equal(dcom_remunk_encode(4, &o, &w), -1);
	o.n = DCOM_REM_MAX;
	assert_int_equal(dcom_remunk_encode(4, &o, &w), 0);
	/* 8 + 4 + 64 * 4 + 4 */
	assert_int_equal(w.len, 8 + 4 + 4 * DCOM_REM_MAX + 4);
	assert_int_equal(dcom_remunk_encode(4, &o, &w), -1); /* not empty */
	ndr_wr_reset(&w);
	for (uint16_t op = 0; op < 3; op++)
		assert_int_equal(dcom_remunk_encode(op, &o, &w), -1);
	assert_int_equal(dcom_remunk_encode(7, &o, &w), -1);
	/* a QI2 success needs the resolver's bindings */
	o.n = 1;
	assert_int_equal(dcom_remunk_encode(6, &o, &w), -1);
	ndr_wr_reset(&w);
	o.resolver = &or_b;
	assert_int_equal(dcom_remunk_encode(6, &o, &w), 0);
	ndr_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_oxid),
		cmocka_unit_test(test_pings),
		cmocka_unit_test(test_server_alive),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_complex_ping_counts),
		cmocka_unit_test(test_resolve_counts),
		cmocka_unit_test(test_remunk_requests),
		cmocka_unit_test(test_remunk_counts),
		cmocka_unit_test(test_oxid_responses),
		cmocka_unit_test(test_resolve_octets),
		cmocka_unit_test(test_remunk_responses),
		cmocka_unit_test(test_remunk_encode_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_group);
}
