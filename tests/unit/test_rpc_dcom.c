/* firmware/rpc/dcom.c and dcom_act.c: DCOM's ORPC basics and the
 * IRemoteSCMActivator activation codec. Requests come from impacket
 * (support/dcom_ref.h, made by support/dcom_impacket.py gen: dcomrt's own
 * RemoteCreateInstance / RemoteGetClassObject, and stubs filled with its
 * classes as Windows fills them); what we encode is written to a temporary
 * file and parsed by impacket (dcom_impacket.py act / objref / dsa, run as
 * /usr/bin/python3), whose findings are compared here. Every truncation of a
 * valid request, and requests with one count or size wrong, must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/rpc/dcom.h"
#include "firmware/rpc/dcom_act.h"
#include "firmware/rpc/ndr.h"
#include "tests/unit/support/dcom_ref.h"
#include "tests/unit/support/rpc_build.h"
#include "tests/unit/support/x509_oracle.h"

#define SCRIPT "/usr/bin/python3 tests/unit/support/dcom_impacket.py"

static char err[256];

static void uuid_of(const char *text, struct rpc_uuid *u)
{
	assert_int_equal(rpc_uuid_parse(text, u), 0);
}

/* 1 if out (a program's output) has exactly this line. */
static int has_line(const char *out, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = out; p != NULL && *p != 0; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == 0))
			return 1;
	return 0;
}

static void expect_line(const char *out, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!has_line(out, line)) {
		fprintf(stderr, "impacket did not print \"%s\" in:\n%s\n", line, out);
		fail();
	}
}

/* Runs the oracle on data; returns its output (to free). */
static char *oracle(const char *mode, const uint8_t *data, size_t len)
{
	const char *path = oracle_path("dcom.bin");
	char *out = NULL;
	int rc;

	assert_int_equal(oracle_write(path, data, len), 0);
	rc = oracle_run(&out, SCRIPT " %s '%s'", mode, path);
	if (rc != 0)
		fprintf(stderr, "dcom_impacket.py %s: %s\n", mode, out ? out : "");
	assert_int_equal(rc, 0);
	assert_non_null(out);
	return out;
}

static int teardown_all(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

/* ---- identifiers ---- */

static void test_identifiers(void **state)
{
	static const struct {
		const struct rpc_uuid *u;
		const char *text;
	} ids[] = {
		{ &dcom_iid_iunknown, "00000000-0000-0000-c000-000000000046" },
		{ &dcom_iid_iclassfactory, "00000001-0000-0000-c000-000000000046" },
		{ &dcom_iid_iremunknown, "00000131-0000-0000-c000-000000000046" },
		{ &dcom_iid_iremunknown2, "00000143-0000-0000-c000-000000000046" },
		{ &dcom_iid_iremotescmactivator, "000001a0-0000-0000-c000-000000000046" },
		{ &dcom_iid_iactivation, "4d9f4ab8-7d1c-11cf-861e-0020af6e7c57" },
		{ &dcom_iid_iobjectexporter, "99fcfec4-5260-101b-bbcb-00aa0021347a" },
		{ &dcom_clsid_ccertrequestd, "d99e6e74-fc88-11d0-b498-00a0c90312f3" },
		{ &dcom_iid_icertrequestd, "d99e6e70-fc88-11d0-b498-00a0c90312f3" },
		{ &dcom_iid_icertrequestd2, "5422fd3a-d4b8-4cef-a12e-e87d4ca22e90" },
		{ &dcom_clsid_activation_in, "00000338-0000-0000-c000-000000000046" },
		{ &dcom_clsid_activation_out, "00000339-0000-0000-c000-000000000046" },
		{ &dcom_iid_iactpropsout, "000001a3-0000-0000-c000-000000000046" },
		{ &dcom_clsid_instantiation, "000001ab-0000-0000-c000-000000000046" },
		{ &dcom_clsid_scm_request, "000001aa-0000-0000-c000-000000000046" },
		{ &dcom_clsid_scm_reply, "000001b6-0000-0000-c000-000000000046" },
	};
	struct rpc_uuid u;

	(void)state;
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		uuid_of(ids[i].text, &u);
		if (!rpc_uuid_eq(&u, ids[i].u)) {
			fprintf(stderr, "identifier %s differs\n", ids[i].text);
			fail();
		}
	}
}

/* ---- ORPCTHIS ---- */

static void check_orpcthis(const uint8_t *p, size_t len, uint32_t extents)
{
	struct dcom_orpcthis t;
	struct rpc_uuid cid;
	struct ndr_rd r;

	uuid_of("11223344-5566-7788-99aa-bbccddeeff00", &cid);
	ndr_rd_init(&r, p, len);
	dcom_get_orpcthis(&r, &t);
	assert_int_equal(ndr_get_u32(&r), 0x1f2e3d4c); /* the parameter after it */
	assert_int_equal(ndr_rd_end(&r, 0), 0);
	assert_int_equal(t.major, 5);
	assert_int_equal(t.minor, 7);
	assert_int_equal(t.flags, 1);
	assert_true(rpc_uuid_eq(&t.cid, &cid));
	assert_int_equal(t.n_extents, extents);
	assert_int_equal(dcom_version_check(&t), 0);
	/* Every truncation fails. */
	for (size_t n = 0; n < len - 4; n++) {
		ndr_rd_init(&r, p, n);
		dcom_get_orpcthis(&r, &t);
		assert_true(r.failed);
	}
}

static void test_orpcthis_impacket(void **state)
{
	(void)state;
	check_orpcthis(ref_orpcthis_plain, sizeof ref_orpcthis_plain, 0);
	check_orpcthis(ref_orpcthis_ext1, sizeof ref_orpcthis_ext1, 1);
	check_orpcthis(ref_orpcthis_ext3, sizeof ref_orpcthis_ext3, 3);
}

/* An ORPCTHIS with one extension array: size extents, pointer count ptrs,
 * one extent of max_count max and size sz (data present). */
static int orpcthis_built(uint32_t extents, uint32_t ptrs, uint32_t max, uint32_t sz)
{
	struct tbuf b = { 0 };
	struct dcom_orpcthis t;
	struct ndr_rd r;
	int failed;

	tb_u16(&b, 5);
	tb_u16(&b, 7);
	tb_u32(&b, 0);
	tb_u32(&b, 0);
	for (int i = 0; i < 16; i++)
		tb_u8(&b, (uint8_t)i);
	tb_u32(&b, 0x20000); /* extensions */
	tb_u32(&b, extents);
	tb_u32(&b, 0);
	tb_u32(&b, 0x20004);
	tb_u32(&b, ptrs);
	for (uint32_t i = 0; i < ptrs && i < 64; i++)
		tb_u32(&b, i == 0 ? 0x20008 : 0);
	tb_u32(&b, max);
	for (int i = 0; i < 16; i++)
		tb_u8(&b, 0);
	tb_u32(&b, sz);
	for (uint32_t i = 0; i < max && i < 70000; i++)
		tb_u8(&b, 0);
	ndr_rd_init(&r, b.p, b.len);
	dcom_get_orpcthis(&r, &t);
	failed = r.failed || ndr_rd_end(&r, 0) != 0;
	tb_free(&b);
	return failed;
}

static void test_orpcthis_limits(void **state)
{
	struct dcom_orpcthis t = { 0 };

	(void)state;
	assert_false(orpcthis_built(1, 2, 8, 5));
	assert_false(orpcthis_built(DCOM_MAX_EXTENTS, DCOM_MAX_EXTENTS, 8, 8));
	assert_false(orpcthis_built(1, 2, DCOM_MAX_EXTENT_BYTES, DCOM_MAX_EXTENT_BYTES));
	assert_true(orpcthis_built(DCOM_MAX_EXTENTS + 1, DCOM_MAX_EXTENTS + 2, 8, 8));
	assert_true(orpcthis_built(1, 1, 8, 5));  /* pointers: (size + 1) & ~1 */
	assert_true(orpcthis_built(1, 4, 8, 5));
	assert_true(orpcthis_built(1, 2, 5, 5));  /* data: (size + 7) & ~7 */
	assert_true(orpcthis_built(1, 2, DCOM_MAX_EXTENT_BYTES + 8, DCOM_MAX_EXTENT_BYTES + 1));
	/* Versions. */
	t.major = 5;
	t.minor = 1;
	assert_int_equal(dcom_version_check(&t), 0);
	t.minor = DCOM_COM_MINOR + 1;
	assert_int_equal(dcom_version_check(&t), DCOM_RPC_E_VERSION_MISMATCH);
	t.major = 6;
	t.minor = 0;
	assert_int_equal(dcom_version_check(&t), DCOM_RPC_E_VERSION_MISMATCH);
}

static void test_orpcthat(void **state)
{
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 64);
	dcom_put_orpcthat(&w);
	assert_true(ndr_wr_ok(&w));
	assert_int_equal(w.len, 8);
	assert_memory_equal(w.buf, "\0\0\0\0\0\0\0\0", 8);
	ndr_wr_free(&w);
}

/* ---- bindings and OBJREF_STANDARD, parsed back by impacket ---- */

static void bindings(struct dcom_bindings *b)
{
	memset(b, 0, sizeof *b);
	b->str[0].tower_id = 7;
	strcpy(b->str[0].addr, "127.0.0.1[5022]");
	b->str[1].tower_id = 7;
	strcpy(b->str[1].addr, "ca.example.test[5022]");
	b->n_str = 2;
	b->sec[0].authn_svc = 10;
	b->sec[1].authn_svc = 9;
	strcpy(b->sec[1].princ, "host/ca.example.test");
	b->n_sec = 2;
}

static void expect_bindings(const char *out, const char *prefix)
{
	expect_line(out, "%sstr0=7 127.0.0.1[5022]", prefix);
	expect_line(out, "%sstr1=7 ca.example.test[5022]", prefix);
	expect_line(out, "%ssec0=10 65535 ", prefix);
	expect_line(out, "%ssec1=9 65535 host/ca.example.test", prefix);
	assert_false(has_line(out, "str2") || strstr(out, "sec2=") != NULL);
}

static void test_dsa_impacket(void **state)
{
	struct dcom_bindings b;
	struct ndr_wr w;
	char *out;

	(void)state;
	bindings(&b);
	ndr_wr_init(&w, 4096);
	dcom_put_dsa(&w, &b);
	assert_true(ndr_wr_ok(&w));
	out = oracle("dsa", w.buf, w.len);
	/* 7 15 NUL, 7 21 NUL, NUL | 10 ffff NUL, 9 ffff 20 NUL, NUL; 68 units */
	expect_line(out, "entries=%d", 17 + 23 + 1 + 3 + 23 + 1);
	expect_line(out, "secoff=%d", 17 + 23 + 1);
	expect_bindings(out, "");
	free(out);
	/* No bindings at all: two empty lists. */
	memset(&b, 0, sizeof b);
	ndr_wr_reset(&w);
	dcom_put_dsa(&w, &b);
	assert_true(ndr_wr_ok(&w));
	out = oracle("dsa", w.buf, w.len);
	expect_line(out, "entries=4");
	expect_line(out, "secoff=2");
	free(out);
	ndr_wr_free(&w);
}

static void test_dsa_limits(void **state)
{
	struct dcom_bindings b;
	uint16_t units[DCOM_DSA_MAX_UNITS], off;
	size_t n;
	struct ndr_wr w;

	(void)state;
	bindings(&b);
	assert_int_equal(dcom_dsa_units(&b, units, DCOM_DSA_MAX_UNITS, &n, &off), 0);
	assert_int_equal(n, 68);
	/* Every smaller room is refused, never overrun. */
	for (size_t max = 0; max < 68; max++)
		assert_int_equal(dcom_dsa_units(&b, units, max, &n, &off), -1);
	b.str[0].addr[3] = '\n';
	assert_int_equal(dcom_dsa_units(&b, units, DCOM_DSA_MAX_UNITS, &n, &off), -1);
	ndr_wr_init(&w, 4096);
	dcom_put_dsa(&w, &b);
	assert_false(ndr_wr_ok(&w));
	ndr_wr_free(&w);
	bindings(&b);
	b.n_str = DCOM_MAX_BINDINGS + 1;
	assert_int_equal(dcom_dsa_units(&b, units, DCOM_DSA_MAX_UNITS, &n, &off), -1);
	bindings(&b);
	b.n_sec = DCOM_MAX_BINDINGS + 1;
	assert_int_equal(dcom_dsa_units(&b, units, DCOM_DSA_MAX_UNITS, &n, &off), -1);
}

static void stdobjref(struct dcom_stdobjref *s, unsigned k)
{
	s->flags = 0;
	s->public_refs = 5;
	s->oxid = 0x0123456789abcdefull;
	s->oid = 0xfedcba9876543210ull + k;
	uuid_of("0a0b0c0d-1111-2222-3333-444455556666", &s->ipid);
	s->ipid.b[15] = (uint8_t)(0x66 + k);
}

static void test_objref_impacket(void **state)
{
	struct dcom_bindings b;
	struct dcom_stdobjref s;
	struct ndr_wr w;
	char *out;

	(void)state;
	bindings(&b);
	stdobjref(&s, 0);
	s.flags = DCOM_SORF_NOPING;
	ndr_wr_init(&w, 4096);
	dcom_objref_standard(&w, &dcom_iid_icertrequestd2, &s, &b);
	assert_true(ndr_wr_ok(&w));
	assert_int_equal(w.len, 24 + 40 + 4 + 2 * 68);
	out = oracle("objref", w.buf, w.len);
	expect_line(out, "signature=0x574f454d");
	expect_line(out, "flags=1");
	expect_line(out, "iid=5422fd3a-d4b8-4cef-a12e-e87d4ca22e90");
	expect_line(out, "stdflags=0x1000");
	expect_line(out, "publicrefs=5");
	expect_line(out, "oxid=0123456789abcdef");
	expect_line(out, "oid=fedcba9876543210");
	expect_line(out, "ipid=0a0b0c0d-1111-2222-3333-444455556666");
	expect_bindings(out, "res.");
	free(out);
	ndr_wr_free(&w);
}

static void test_mip(void **state)
{
	static const uint8_t ok[] = { 3, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'c' };
	static const uint8_t mismatch[] = { 4, 0, 0, 0, 3, 0, 0, 0, 'a', 'b', 'c', 'd' };
	const uint8_t *p;
	uint32_t n;
	struct ndr_rd r;
	struct ndr_wr w;

	(void)state;
	ndr_rd_init(&r, ok, sizeof ok);
	dcom_get_mip(&r, 3, &p, &n);
	assert_false(r.failed);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "abc", 3);
	ndr_rd_init(&r, ok, sizeof ok);
	dcom_get_mip(&r, 2, &p, &n); /* over the limit */
	assert_true(r.failed);
	assert_null(p);
	ndr_rd_init(&r, mismatch, sizeof mismatch);
	dcom_get_mip(&r, 100, &p, &n);
	assert_true(r.failed);
	for (size_t k = 0; k < sizeof ok; k++) {
		ndr_rd_init(&r, ok, k);
		dcom_get_mip(&r, 100, &p, &n);
		assert_true(r.failed);
	}
	ndr_wr_init(&w, 64);
	dcom_put_mip(&w, (const uint8_t *)"abc", 3);
	assert_true(ndr_wr_ok(&w));
	assert_int_equal(w.len, sizeof ok);
	assert_memory_equal(w.buf, ok, sizeof ok);
	ndr_wr_free(&w);
}

/* ---- activation requests ---- */

static void test_act_rci_impacket(void **state)
{
	struct dcom_act_in in;
	struct rpc_uuid cid;
	uint32_t hr = 1;

	(void)state;
	assert_int_equal(dcom_act_decode(4, ref_rci_stub, sizeof ref_rci_stub, &in, &hr, err,
					 sizeof err), 0);
	uuid_of("11223344-5566-7788-99aa-bbccddeeff00", &cid);
	assert_true(rpc_uuid_eq(&in.orpc.cid, &cid));
	assert_int_equal(in.orpc.major, 5);
	assert_int_equal(in.orpc.minor, 7);
	assert_int_equal(in.orpc.n_extents, 0);
	assert_true(rpc_uuid_eq(&in.clsid, &dcom_clsid_ccertrequestd));
	assert_int_equal(in.n_iids, 1);
	assert_true(rpc_uuid_eq(&in.iids[0], &dcom_iid_icertrequestd2));
	assert_int_equal(in.n_protseqs, 1);
	assert_int_equal(in.protseqs[0], 7);
	assert_int_equal(in.client_major, 5);
	assert_int_equal(in.client_minor, 7);
}

static void test_act_rgco_impacket(void **state)
{
	struct dcom_act_in in;
	uint32_t hr = 1;

	(void)state;
	assert_int_equal(dcom_act_decode(3, ref_rgco_stub, sizeof ref_rgco_stub, &in, &hr, err,
					 sizeof err), 0);
	assert_true(rpc_uuid_eq(&in.clsid, &dcom_clsid_ccertrequestd));
	assert_int_equal(in.n_iids, 1);
	assert_true(rpc_uuid_eq(&in.iids[0], &dcom_iid_iclassfactory));
	assert_int_equal(in.n_protseqs, 1);
	assert_int_equal(in.protseqs[0], 7);
	/* The other opnum's layout is not this one's. */
	assert_int_equal(dcom_act_decode(4, ref_rgco_stub, sizeof ref_rgco_stub, &in, &hr, err,
					 sizeof err), -1);
	assert_int_equal(dcom_act_decode(3, ref_rci_stub, sizeof ref_rci_stub, &in, &hr, err,
					 sizeof err), -1);
}

static void test_act_windows_like(void **state)
{
	struct dcom_act_in in;
	uint32_t hr = 1;

	(void)state;
	assert_int_equal(dcom_act_decode(4, ref_rci_win_stub, sizeof ref_rci_win_stub, &in, &hr,
					 err, sizeof err), 0);
	assert_int_equal(in.orpc.n_extents, 3);
	assert_true(rpc_uuid_eq(&in.clsid, &dcom_clsid_ccertrequestd));
	assert_int_equal(in.n_iids, 3);
	assert_true(rpc_uuid_eq(&in.iids[0], &dcom_iid_iunknown));
	assert_true(rpc_uuid_eq(&in.iids[1], &dcom_iid_icertrequestd));
	assert_true(rpc_uuid_eq(&in.iids[2], &dcom_iid_icertrequestd2));
	assert_int_equal(in.n_protseqs, 2);
	assert_int_equal(in.protseqs[0], 7);
	assert_int_equal(in.protseqs[1], 0x1f);
	assert_int_equal(dcom_act_decode(3, ref_rgco_win_stub, sizeof ref_rgco_win_stub, &in, &hr,
					 err, sizeof err), 0);
	assert_int_equal(in.n_iids, 1);
	assert_true(rpc_uuid_eq(&in.iids[0], &dcom_iid_iclassfactory));
	assert_int_equal(dcom_act_decode(4, ref_rci_maxiids_stub, sizeof ref_rci_maxiids_stub, &in,
					 &hr, err, sizeof err), 0);
	assert_int_equal(in.n_iids, DCOM_ACT_MAX_IIDS);
	assert_int_equal(dcom_act_decode(4, ref_rci_9iids_stub, sizeof ref_rci_9iids_stub, &in,
					 &hr, err, sizeof err), -1);
	assert_int_equal(hr, DCOM_E_INVALIDARG);
	assert_non_null(strstr(err, "9 IIDs"));
	assert_int_equal(in.n_iids, 0); /* nothing half-decoded is left */
}

static void test_act_truncated_everywhere(void **state)
{
	static const struct {
		uint16_t opnum;
		const uint8_t *p;
		size_t len;
	} stubs[] = {
		{ 4, ref_rci_stub, sizeof ref_rci_stub },
		{ 3, ref_rgco_stub, sizeof ref_rgco_stub },
		{ 4, ref_rci_win_stub, sizeof ref_rci_win_stub },
		{ 3, ref_rgco_win_stub, sizeof ref_rgco_win_stub },
	};
	struct dcom_act_in in;
	uint32_t hr;

	(void)state;
	for (size_t s = 0; s < sizeof stubs / sizeof stubs[0]; s++) {
		for (size_t n = 0; n < stubs[s].len; n++) {
			/* A copy of exactly n octets, so that ASan sees any overread. */
			uint8_t *c = malloc(n ? n : 1);

			assert_non_null(c);
			memcpy(c, stubs[s].p, n);
			if (dcom_act_decode(stubs[s].opnum, c, n, &in, &hr, err, sizeof err) == 0) {
				fprintf(stderr, "stub %zu truncated to %zu decoded\n", s, n);
				fail();
			}
			free(c);
		}
	}
}

/* ref_rci_stub with the u32 at off replaced; the result and the HRESULT. */
static int rci_patched(size_t off, uint32_t v, uint32_t *hr)
{
	uint8_t c[sizeof ref_rci_stub];
	struct dcom_act_in in;

	memcpy(c, ref_rci_stub, sizeof c);
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
	c[off + 2] = (uint8_t)(v >> 16);
	c[off + 3] = (uint8_t)(v >> 24);
	return dcom_act_decode(4, c, sizeof c, &in, hr, err, sizeof err);
}

/* Offsets in ref_rci_stub (dcomrt's layout; checked below against the values
 * impacket wrote there). */
#define OFF_UNKOUTER 32
#define OFF_OBJREF 48           /* MEOW */
#define OFF_DWSIZE 96
#define OFF_HDR 104             /* CustomHeader's serialization header */
#define OFF_HDR_CIFS 136
#define OFF_HDR_CLSID0 172
#define OFF_HDR_CLSID3 220
#define OFF_HDR_SIZES 240
#define OFF_INST 256            /* InstantiationInfoData's serialization header */
#define OFF_INST_CIID 300
#define OFF_INST_PIID 308
#define OFF_INST_MAX 320
#define OFF_SCM 416             /* ScmRequestInfoData's serialization header */
#define OFF_SCM_REQ 436
#define OFF_SCM_COUNT 444

static void test_act_malformed(void **state)
{
	uint8_t big[sizeof ref_rci_stub + 64];
	struct dcom_act_in in;
	uint32_t hr;

	(void)state;
	/* The offsets are where impacket put these fields. */
	assert_int_equal(rb_le32(ref_rci_stub + OFF_UNKOUTER), 0);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_OBJREF), DCOM_OBJREF_SIGNATURE);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_HDR), 0x00081001);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_HDR_CIFS), 4);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_HDR_CLSID0), 0x1ab);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_HDR_CLSID3), 0x1aa);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_HDR_SIZES), 0x58);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_INST), 0x00081001);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_INST_CIID), 1);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_INST_MAX), 1);
	assert_int_equal(rb_le32(ref_rci_stub + OFF_SCM), 0x00081001);
	assert_int_equal(rb_le16(ref_rci_stub + OFF_SCM_COUNT), 1);
	assert_int_equal(rci_patched(0, 0x00070005, &hr), 0); /* unchanged */

	/* Not NDR: the caller faults. */
	assert_int_equal(rci_patched(OFF_OBJREF - 8, 0x1a1, &hr), -1); /* max_count != ulCntData */
	assert_int_equal(hr, 0);
	assert_int_equal(rci_patched(OFF_OBJREF - 4, 0x1a1, &hr), -1);
	assert_int_equal(hr, 0);
	memcpy(big, ref_rci_stub, sizeof ref_rci_stub);
	memset(big + sizeof ref_rci_stub, 0, 64);
	assert_int_equal(dcom_act_decode(4, big, sizeof ref_rci_stub + 8, &in, &hr, err,
					 sizeof err), -1); /* octets after the last parameter */
	assert_int_equal(hr, 0);
	assert_int_equal(dcom_act_decode(5, ref_rci_stub, sizeof ref_rci_stub, &in, &hr, err,
					 sizeof err), -1);
	assert_int_equal(hr, 0);
	assert_int_equal(dcom_act_decode(2, ref_rci_stub, sizeof ref_rci_stub, &in, &hr, err,
					 sizeof err), -1);

	/* Refused with an HRESULT. */
	{
		struct tbuf b = { 0 };

		tb_put(&b, ref_rci_stub, OFF_UNKOUTER);
		tb_u32(&b, 0x20000); /* pUnkOuter */
		tb_u32(&b, 8);
		tb_u32(&b, 8);
		tb_put(&b, "MEOW\1\0\0\0", 8);
		tb_put(&b, ref_rci_stub + OFF_UNKOUTER + 4, sizeof ref_rci_stub - OFF_UNKOUTER - 4);
		assert_int_equal(dcom_act_decode(4, b.p, b.len, &in, &hr, err, sizeof err), -1);
		assert_int_equal(hr, DCOM_CLASS_E_NOAGGREGATION);
		tb_free(&b);
		tb_put(&b, ref_rci_stub, OFF_UNKOUTER + 4);
		tb_u32(&b, 0); /* pActProperties NULL */
		assert_int_equal(dcom_act_decode(4, b.p, b.len, &in, &hr, err, sizeof err), -1);
		assert_int_equal(hr, DCOM_E_INVALIDARG);
		tb_free(&b);
	}
	static const struct {
		size_t off;
		uint32_t v;
	} bad[] = {
		{ OFF_OBJREF, 0x574f454e },          /* signature */
		{ OFF_OBJREF + 4, 1 },               /* OBJREF_STANDARD */
		{ OFF_OBJREF + 24, 0x339 },          /* CLSID_ActivationPropertiesOut */
		{ OFF_DWSIZE, 0x169 },               /* past pActProperties */
		{ OFF_DWSIZE, 0x97 },                /* not even the header */
		{ OFF_HDR, 0x00081002 },             /* serialization version 2 */
		{ OFF_HDR, 0x00081101 },             /* big-endian */
		{ OFF_HDR + 8, 0x161 },              /* object buffer past dwSize */
		{ OFF_HDR + 16, 0x167 },             /* totalSize: properties do not fit */
		{ OFF_HDR + 16, 0x169 },             /* totalSize past dwSize */
		{ OFF_HDR + 20, 0x20 },              /* headerSize shorter than what was read */
		{ OFF_HDR_CIFS, 0 },
		{ OFF_HDR_CIFS, DCOM_ACT_MAX_PROPS + 1 },
		{ OFF_HDR_CIFS, 5 },                 /* != max_count of pclsid */
		{ OFF_HDR_CIFS + 20, 0 },            /* pclsid NULL */
		{ OFF_HDR_CIFS + 24, 0 },            /* pSizes NULL */
		{ OFF_HDR_CLSID0 - 4, 5 },           /* max_count of pclsid */
		{ OFF_HDR_SIZES - 4, 3 },            /* max_count of pSizes */
		{ OFF_HDR_SIZES, 0xffffffff },
		{ OFF_HDR_SIZES, 0x59 },
		{ OFF_HDR_CLSID0, 0x1ac },           /* no InstantiationInfoData */
		{ OFF_HDR_CLSID3, 0x1ab },           /* InstantiationInfoData twice */
		{ OFF_HDR_CLSID0, 0x1aa },           /* ScmRequestInfoData twice */
		{ OFF_INST, 0x00091001 },            /* common header length 9 */
		{ OFF_INST + 8, 0x49 },              /* object buffer past the property */
		{ OFF_INST + 8, 0x20 },              /* object buffer short of cIID's IIDs */
		{ OFF_INST_CIID, 0 },
		{ OFF_INST_CIID, 2 },                /* != max_count */
		{ OFF_INST_CIID, DCOM_ACT_MAX_IIDS + 1 },
		{ OFF_INST_CIID, 0xffffffff },
		{ OFF_INST_PIID, 0 },
		{ OFF_INST_MAX, 2 },
		{ OFF_SCM + 8, 0xb },                /* object buffer short of the protseqs */
		{ OFF_SCM_REQ, 0 },                  /* remoteRequest NULL */
		{ OFF_SCM_COUNT, 0xaaaa0002 },       /* 2 protseqs, max_count 1 */
		{ OFF_SCM_COUNT, 0xaaaa0000 | (DCOM_ACT_MAX_PROTSEQS + 1) },
		{ OFF_SCM_COUNT + 8, 2 },            /* max_count */
		{ OFF_SCM_COUNT + 4, 0 },            /* a NULL array for 1 protseq */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		hr = 0;
		if (rci_patched(bad[i].off, bad[i].v, &hr) != -1 || hr != DCOM_E_INVALIDARG) {
			fprintf(stderr, "patch %zu (offset %zu = 0x%x): hr 0x%x, %s\n", i, bad[i].off,
				bad[i].v, hr, err);
			fail();
		}
	}
}

static void test_act_oversized(void **state)
{
	struct tbuf b = { 0 };
	struct dcom_act_in in;
	uint32_t hr;

	(void)state;
	tb_put(&b, ref_rci_stub, OFF_UNKOUTER + 4);
	tb_u32(&b, 0x20000);
	tb_u32(&b, DCOM_ACT_MAX_BLOB + 1);
	tb_u32(&b, DCOM_ACT_MAX_BLOB + 1);
	tb_put(&b, ref_rci_stub + OFF_OBJREF, sizeof ref_rci_stub - OFF_OBJREF);
	while (b.len < OFF_OBJREF + DCOM_ACT_MAX_BLOB + 1)
		tb_u8(&b, 0);
	assert_int_equal(dcom_act_decode(4, b.p, b.len, &in, &hr, err, sizeof err), -1);
	assert_int_equal(hr, 0);
	tb_free(&b);
}

/* ---- activation responses, parsed by impacket ---- */

static void act_out(struct dcom_act_out *o, const struct dcom_bindings *b, size_t n)
{
	memset(o, 0, sizeof *o);
	o->oxid = 0x0123456789abcdefull;
	uuid_of("00000143-aaaa-bbbb-cccc-ddddeeeeffff", &o->ipid_remunknown);
	o->authn_hint = DCOM_RPC_C_AUTHN_LEVEL_PKT_PRIVACY;
	o->oxid_bindings = b;
	o->resolver = b;
	o->n_ifaces = n; /* may be out of range: the encoder must refuse it */
	for (size_t i = 0; i < n && i < DCOM_ACT_MAX_IIDS; i++) {
		stdobjref(&o->std[i], (unsigned)i);
		o->iids[i] = i == 0 ? dcom_iid_icertrequestd2 : dcom_iid_icertrequestd;
	}
}

static void check_act_answer(uint16_t opnum)
{
	struct dcom_bindings b, oxb;
	struct dcom_act_out o;
	struct ndr_wr w;
	char *out;

	bindings(&b);
	memset(&oxb, 0, sizeof oxb);
	oxb.str[0].tower_id = 7;
	strcpy(oxb.str[0].addr, "127.0.0.1[5022]");
	oxb.n_str = 1;
	oxb.sec[0].authn_svc = 10;
	oxb.n_sec = 1;
	act_out(&o, &b, 3);
	o.oxid_bindings = &oxb;
	o.iids[2] = dcom_iid_iunknown;
	o.iface_hr[1] = DCOM_E_NOINTERFACE;
	ndr_wr_init(&w, 65536);
	assert_int_equal(dcom_act_encode(opnum, &o, &w), 0);
	out = oracle(opnum == 4 ? "act 4" : "act 3", w.buf, w.len);
	/* What dcomrt's IRemoteSCMActivator method made of it. */
	expect_line(out, "hr=0x00000000");
	expect_line(out, "first.oxid=0123456789abcdef");
	expect_line(out, "first.oid=fedcba9876543210");
	expect_line(out, "first.ipid=0a0b0c0d-1111-2222-3333-444455556666");
	expect_line(out, "ipidRemUnknown=00000143-aaaa-bbbb-cccc-ddddeeeeffff");
	expect_line(out, "authlevel=6");
	expect_line(out, "binding0=7 127.0.0.1[5022]");
	assert_false(has_line(out, "binding1=7 ca.example.test[5022]"));
	/* The BLOB, property by property. */
	expect_line(out, "custom.iid=000001a3-0000-0000-c000-000000000046");
	expect_line(out, "custom.clsid=00000339-0000-0000-c000-000000000046");
	expect_line(out, "blob.cIfs=2");
	assert_non_null(strstr(out, "\nblob.prop0=00000339-0000-0000-c000-000000000046 "));
	assert_non_null(strstr(out, "\nblob.prop1=000001b6-0000-0000-c000-000000000046 "));
	expect_line(out, "scm.oxid=0123456789abcdef");
	expect_line(out, "scm.authnHint=6");
	expect_line(out, "scm.version=%d.%d", DCOM_COM_MAJOR, DCOM_COM_MINOR);
	expect_line(out, "scm.str0=7 127.0.0.1[5022]");
	expect_line(out, "scm.sec0=10 65535 ");
	expect_line(out, "props.cIfs=3");
	expect_line(out, "props0.iid=5422fd3a-d4b8-4cef-a12e-e87d4ca22e90");
	expect_line(out, "props0.hr=0x00000000");
	expect_line(out, "props0.oid=fedcba9876543210");
	expect_line(out, "props0.publicrefs=5");
	expect_bindings(out, "props0.res.");
	expect_line(out, "props1.iid=d99e6e70-fc88-11d0-b498-00a0c90312f3");
	expect_line(out, "props1.hr=0x80004002");
	expect_line(out, "props1.null=1");
	expect_line(out, "props2.iid=00000000-0000-0000-c000-000000000046");
	expect_line(out, "props2.hr=0x00000000");
	expect_line(out, "props2.iid=00000000-0000-0000-c000-000000000046");
	expect_line(out, "props2.oid=fedcba9876543212");
	expect_line(out, "props2.ipid=0a0b0c0d-1111-2222-3333-444455556668");
	free(out);
	ndr_wr_free(&w);
}

static void test_act_answer_rci(void **state)
{
	(void)state;
	check_act_answer(4);
}

static void test_act_answer_rgco(void **state)
{
	(void)state;
	check_act_answer(3);
}

static void test_act_answer_failure(void **state)
{
	static const uint8_t want[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x54, 0x01, 0x04, 0x80 };
	struct dcom_act_out o;
	struct ndr_wr w;
	char *out;

	(void)state;
	memset(&o, 0, sizeof o);
	o.hr = DCOM_REGDB_E_CLASSNOTREG;
	ndr_wr_init(&w, 4096);
	assert_int_equal(dcom_act_encode(4, &o, &w), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.buf, want, sizeof want);
	out = oracle("act 4", w.buf, w.len);
	expect_line(out, "hr=0x80040154");
	free(out);
	ndr_wr_free(&w);
}

static void test_act_answer_refused(void **state)
{
	struct dcom_bindings b;
	struct dcom_act_out o;
	struct ndr_wr w;

	(void)state;
	bindings(&b);
	ndr_wr_init(&w, 65536);
	act_out(&o, &b, 1);
	assert_int_equal(dcom_act_encode(5, &o, &w), -1);
	assert_int_equal(dcom_act_encode(2, &o, &w), -1);
	act_out(&o, &b, 0);
	assert_int_equal(dcom_act_encode(4, &o, &w), -1);
	act_out(&o, &b, DCOM_ACT_MAX_IIDS + 1);
	assert_int_equal(dcom_act_encode(4, &o, &w), -1);
	act_out(&o, &b, 1);
	o.oxid_bindings = NULL;
	assert_int_equal(dcom_act_encode(4, &o, &w), -1);
	act_out(&o, &b, 1);
	o.resolver = NULL;
	assert_int_equal(dcom_act_encode(4, &o, &w), -1);
	b.str[1].addr[0] = 0x7f;
	ndr_wr_reset(&w);
	act_out(&o, &b, 1);
	assert_int_equal(dcom_act_encode(4, &o, &w), -1);
	/* w not empty */
	bindings(&b);
	ndr_wr_reset(&w);
	ndr_put_u8(&w, 0);
	assert_int_equal(dcom_act_encode(4, &o, &w), -1);
	/* The most interfaces fit; a writer too small fails cleanly. */
	act_out(&o, &b, DCOM_ACT_MAX_IIDS);
	ndr_wr_reset(&w);
	assert_int_equal(dcom_act_encode(4, &o, &w), 0);
	for (size_t max = 0; max < w.len; max += 97) {
		struct ndr_wr small;

		ndr_wr_init(&small, max);
		assert_int_equal(dcom_act_encode(4, &o, &small), -1);
		ndr_wr_free(&small);
	}
	ndr_wr_free(&w);
}

/* A decoded request re-encodes (what fuzz_dcom checks for any input). */
static void test_act_roundtrip(void **state)
{
	struct dcom_bindings b;
	struct dcom_act_in in;
	struct dcom_act_out o;
	struct ndr_wr w;
	uint32_t hr;
	char *out;

	(void)state;
	bindings(&b);
	assert_int_equal(dcom_act_decode(4, ref_rci_win_stub, sizeof ref_rci_win_stub, &in, &hr,
					 err, sizeof err), 0);
	act_out(&o, &b, in.n_iids);
	memcpy(o.iids, in.iids, sizeof o.iids);
	ndr_wr_init(&w, 65536);
	assert_int_equal(dcom_act_encode(4, &o, &w), 0);
	out = oracle("act 4", w.buf, w.len);
	expect_line(out, "props.cIfs=3");
	expect_line(out, "props0.iid=00000000-0000-0000-c000-000000000046");
	expect_line(out, "props1.iid=d99e6e70-fc88-11d0-b498-00a0c90312f3");
	expect_line(out, "props2.iid=5422fd3a-d4b8-4cef-a12e-e87d4ca22e90");
	free(out);
	ndr_wr_free(&w);
}

/* ---- the client's side: careq's request, the answer read back ---- */

static void act_in(struct dcom_act_in *in)
{
	memset(in, 0, sizeof *in);
	in->orpc.major = 5;
	in->orpc.minor = 7;
	in->orpc.flags = 1;
	uuid_of("11223344-5566-7788-99aa-bbccddeeff00", &in->orpc.cid);
	in->clsid = dcom_clsid_ccertrequestd;
	in->iids[0] = dcom_iid_icertrequestd2;
	in->iids[1] = dcom_iid_iunknown;
	in->n_iids = 2;
	in->protseqs[0] = 7;
	in->n_protseqs = 1;
	in->client_major = 5;
	in->client_minor = 7;
}

/* Our request, parsed by impacket and by the server's decoder. */
static void test_act_in_impacket(void **state)
{
	struct dcom_act_in in, back;
	struct ndr_wr w;
	uint32_t hr;
	char *out;

	(void)state;
	act_in(&in);
	ndr_wr_init(&w, 65536);
	assert_int_equal(dcom_act_encode_in(4, &in, &w), 0);
	out = oracle("actin", w.buf, w.len);
	expect_line(out, "orpc.version=5.7");
	expect_line(out, "orpc.cid=11223344-5566-7788-99aa-bbccddeeff00");
	expect_line(out, "unkouter.null=1");
	expect_line(out, "custom.iid=000001a2-0000-0000-c000-000000000046");
	expect_line(out, "custom.clsid=00000338-0000-0000-c000-000000000046");
	expect_line(out, "blob.cIfs=4");
	expect_line(out, "blob.destCtx=2");
	assert_non_null(strstr(out, "\nblob.prop0=000001ab-0000-0000-c000-000000000046 "));
	assert_non_null(strstr(out, "\nblob.prop1=000001a5-0000-0000-c000-000000000046 "));
	assert_non_null(strstr(out, "\nblob.prop2=000001a4-0000-0000-c000-000000000046 "));
	assert_non_null(strstr(out, "\nblob.prop3=000001aa-0000-0000-c000-000000000046 "));
	expect_line(out, "inst.clsid=d99e6e74-fc88-11d0-b498-00a0c90312f3");
	expect_line(out, "inst.cIID=2");
	expect_line(out, "inst.iid0=5422fd3a-d4b8-4cef-a12e-e87d4ca22e90");
	expect_line(out, "inst.iid1=00000000-0000-0000-c000-000000000046");
	expect_line(out, "inst.version=5.7");
	expect_line(out, "scm.count=1");
	expect_line(out, "actctx=ok");
	expect_line(out, "location=ok");
	free(out);
	/* The server's decoder reads back what was written. */
	assert_int_equal(dcom_act_decode(4, w.buf, w.len, &back, &hr, err, sizeof err), 0);
	assert_memory_equal(&back.clsid, &in.clsid, sizeof in.clsid);
	assert_int_equal(back.n_iids, 2);
	assert_memory_equal(back.iids, in.iids, 2 * sizeof in.iids[0]);
	assert_int_equal(back.n_protseqs, 1);
	assert_int_equal(back.protseqs[0], 7);
	assert_int_equal(back.client_major, 5);
	assert_int_equal(back.client_minor, 7);
	assert_int_equal(back.orpc.flags, 1);
	/* Opnum 3 has no pUnkOuter; the server reads it too. */
	ndr_wr_reset(&w);
	assert_int_equal(dcom_act_encode_in(3, &in, &w), 0);
	assert_int_equal(dcom_act_decode(3, w.buf, w.len, &back, &hr, err, sizeof err), 0);
	assert_int_equal(back.n_iids, 2);
	ndr_wr_free(&w);
}

static void test_act_in_refused(void **state)
{
	struct dcom_act_in in;
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 65536);
	act_in(&in);
	assert_int_equal(dcom_act_encode_in(5, &in, &w), -1);
	in.n_iids = 0;
	assert_int_equal(dcom_act_encode_in(4, &in, &w), -1);
	in.n_iids = DCOM_ACT_MAX_IIDS + 1;
	assert_int_equal(dcom_act_encode_in(4, &in, &w), -1);
	act_in(&in);
	in.n_protseqs = DCOM_ACT_MAX_PROTSEQS + 1;
	assert_int_equal(dcom_act_encode_in(4, &in, &w), -1);
	act_in(&in);
	ndr_put_u8(&w, 0);
	assert_int_equal(dcom_act_encode_in(4, &in, &w), -1);
	ndr_wr_free(&w);
}

/* The server's answer (dcom_act_encode), read by the client's decoder. */
static void answer(struct ndr_wr *w, struct dcom_act_out *o, struct dcom_bindings *b,
		   struct dcom_bindings *oxb)
{
	bindings(b);
	memset(oxb, 0, sizeof *oxb);
	oxb->str[0].tower_id = 7;
	strcpy(oxb->str[0].addr, "127.0.0.1[5022]");
	oxb->str[1].tower_id = 7;
	strcpy(oxb->str[1].addr, "ca.example.test[5022]");
	oxb->n_str = 2;
	oxb->sec[0].authn_svc = 10;
	strcpy(oxb->sec[0].princ, "CA");
	oxb->n_sec = 1;
	act_out(o, b, 3);
	o->oxid_bindings = oxb;
	o->iids[2] = dcom_iid_iunknown;
	o->iface_hr[1] = DCOM_E_NOINTERFACE;
	ndr_wr_init(w, 65536);
	assert_int_equal(dcom_act_encode(4, o, w), 0);
}

static void test_act_out_roundtrip(void **state)
{
	struct dcom_bindings b, oxb;
	struct dcom_act_out o;
	struct dcom_act_reply r;
	struct ndr_wr w;

	(void)state;
	answer(&w, &o, &b, &oxb);
	assert_int_equal(dcom_act_decode_out(4, w.buf, w.len, &r, err, sizeof err), 0);
	assert_int_equal(r.hr, 0);
	assert_true(r.oxid == o.oxid);
	assert_memory_equal(&r.ipid_remunknown, &o.ipid_remunknown, sizeof r.ipid_remunknown);
	assert_int_equal(r.authn_hint, 6);
	assert_int_equal(r.server_major, DCOM_COM_MAJOR);
	assert_int_equal(r.server_minor, DCOM_COM_MINOR);
	assert_int_equal(r.oxid_bindings.n_str, 2);
	assert_int_equal(r.oxid_bindings.str[0].tower_id, 7);
	assert_string_equal(r.oxid_bindings.str[0].addr, "127.0.0.1[5022]");
	assert_string_equal(r.oxid_bindings.str[1].addr, "ca.example.test[5022]");
	assert_int_equal(r.oxid_bindings.n_sec, 1);
	assert_int_equal(r.oxid_bindings.sec[0].authn_svc, 10);
	assert_string_equal(r.oxid_bindings.sec[0].princ, "CA");
	assert_int_equal(r.n_ifaces, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_memory_equal(&r.iids[i], &o.iids[i], sizeof r.iids[i]);
		assert_int_equal(r.iface_hr[i], o.iface_hr[i]);
	}
	for (size_t i = 0; i < 3; i += 2) {
		assert_true(r.std[i].oxid == o.std[i].oxid);
		assert_true(r.std[i].oid == o.std[i].oid);
		assert_int_equal(r.std[i].public_refs, o.std[i].public_refs);
		assert_int_equal(r.std[i].flags, o.std[i].flags);
		assert_memory_equal(&r.std[i].ipid, &o.std[i].ipid, sizeof r.std[i].ipid);
	}
	/* Opnum 3's answer has the same shape. */
	ndr_wr_reset(&w);
	assert_int_equal(dcom_act_encode(3, &o, &w), 0);
	assert_int_equal(dcom_act_decode_out(3, w.buf, w.len, &r, err, sizeof err), 0);
	assert_int_equal(r.n_ifaces, 3);
	assert_int_equal(dcom_act_decode_out(5, w.buf, w.len, &r, err, sizeof err), -1);
	/* A refusal: the HRESULT alone. */
	memset(&o, 0, sizeof o);
	o.hr = DCOM_E_ACCESSDENIED;
	ndr_wr_reset(&w);
	assert_int_equal(dcom_act_encode(4, &o, &w), 0);
	assert_int_equal(dcom_act_decode_out(4, w.buf, w.len, &r, err, sizeof err), 0);
	assert_int_equal(r.hr, DCOM_E_ACCESSDENIED);
	assert_int_equal(r.n_ifaces, 0);
	ndr_wr_free(&w);
}

/* A hostile server: every truncation, every single octet changed, S_OK with
 * no properties, an answer with extensions (accepted and skipped). */
static void test_act_out_hostile(void **state)
{
	static const uint8_t ok_null[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct dcom_bindings b, oxb;
	struct dcom_act_out o;
	struct dcom_act_reply r;
	struct ndr_wr w;
	uint8_t *c;

	(void)state;
	answer(&w, &o, &b, &oxb);
	c = malloc(w.len);
	assert_non_null(c);
	for (size_t n = 0; n < w.len - 4; n++) {
		memcpy(c, w.buf, n);
		if (dcom_act_decode_out(4, c, n, &r, err, sizeof err) == 0) {
			fprintf(stderr, "a truncation to %zu of %zu octets was accepted\n", n, w.len);
			fail();
		}
		assert_int_equal(r.n_ifaces, 0);
	}
	/* Any octet flipped: decoded or refused, never a crash (ASan runs). */
	for (size_t i = 0; i < w.len; i++) {
		memcpy(c, w.buf, w.len);
		c[i] ^= 0xff;
		(void)dcom_act_decode_out(4, c, w.len, &r, err, sizeof err);
	}
	free(c);
	assert_int_equal(dcom_act_decode_out(4, ok_null, sizeof ok_null, &r, err, sizeof err),
			 -1);
	ndr_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_orpcthis_impacket),
		cmocka_unit_test(test_orpcthis_limits),
		cmocka_unit_test(test_orpcthat),
		cmocka_unit_test(test_dsa_impacket),
		cmocka_unit_test(test_dsa_limits),
		cmocka_unit_test(test_objref_impacket),
		cmocka_unit_test(test_mip),
		cmocka_unit_test(test_act_rci_impacket),
		cmocka_unit_test(test_act_rgco_impacket),
		cmocka_unit_test(test_act_windows_like),
		cmocka_unit_test(test_act_truncated_everywhere),
		cmocka_unit_test(test_act_malformed),
		cmocka_unit_test(test_act_oversized),
		cmocka_unit_test(test_act_answer_rci),
		cmocka_unit_test(test_act_answer_rgco),
		cmocka_unit_test(test_act_answer_failure),
		cmocka_unit_test(test_act_answer_refused),
		cmocka_unit_test(test_act_roundtrip),
		cmocka_unit_test(test_act_in_impacket),
		cmocka_unit_test(test_act_in_refused),
		cmocka_unit_test(test_act_out_roundtrip),
		cmocka_unit_test(test_act_out_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, teardown_all);
}
