/* firmware/rpc: the CertServerRequest and ept_map stubs. Requests come from
 * impacket (support/rpc_ref.h) and from hand-built stubs with inconsistent
 * counts; replies are checked byte for byte (and parsed by impacket in
 * test_rpc_impacket). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/rpc/epm.h"
#include "firmware/rpc/icpr_stub.h"
#include "firmware/rpc/ndr.h"
#include "tests/unit/support/rpc_build.h"
#include "tests/unit/support/rpc_ref.h"

static char err[256];

static int setup(void **state)
{
	(void)state;
	rb_init_syntaxes();
	return 0;
}

/* ---- CertServerRequest ---- */

static void test_csr_impacket(void **state)
{
	static const char tmpl[] = "CertificateTemplate:User";
	struct rpc_icpr_request q;

	(void)state;
	assert_int_equal(rpc_icpr_request_decode(ref_csr_stub, sizeof ref_csr_stub, &q, err,
						 sizeof err), 0);
	assert_int_equal(q.flags, 0);
	assert_true(q.has_authority);
	assert_int_equal(q.authority_units, 17);
	for (size_t i = 0; i < 17; i++)
		assert_int_equal(rb_le16(q.authority + 2 * i), (uint8_t)"Appliance Root CA"[i]);
	assert_int_equal(q.request_id, 0);
	assert_true(q.attribs.present);
	assert_int_equal(q.attribs.cb, 2 * sizeof tmpl);
	for (size_t i = 0; i < sizeof tmpl; i++)
		assert_int_equal(rb_le16(q.attribs.pb + 2 * i), (uint8_t)tmpl[i]);
	assert_true(q.request.present);
	assert_int_equal(q.request.cb, 11);
	assert_memory_equal(q.request.pb, "\x30\x82\x01\x0a\x00\x01\x02\x03\x04\x05\x06", 11);
}

static void test_csr_truncated_everywhere(void **state)
{
	struct rpc_icpr_request q;

	(void)state;
	for (size_t n = 0; n < sizeof ref_csr_stub; n++) {
		uint8_t *c = malloc(n ? n : 1);

		assert_non_null(c);
		memcpy(c, ref_csr_stub, n);
		assert_int_equal(rpc_icpr_request_decode(c, n, &q, err, sizeof err), -1);
		assert_false(q.has_authority); /* nothing half-filled is left */
		free(c);
	}
}

/* A request stub from parts: authority (NULL if ascii is NULL) with the given
 * counts, request id, two blobs (referent 0 when ref is 0). */
struct csr {
	const char *ascii;
	uint32_t max, offset, actual;
	size_t units; /* characters actually written (NUL included if there) */
	uint32_t cb1, ref1, max1;
	size_t n1; /* octets written */
	uint32_t cb2, ref2, max2;
	size_t n2;
};

static void csr_build(struct tbuf *t, const struct csr *c)
{
	static const uint8_t bytes[64] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

	tb_u32(t, 0x100); /* dwFlags */
	tb_u32(t, c->ascii != NULL ? 0x20000 : 0);
	if (c->ascii != NULL) {
		tb_u32(t, c->max);
		tb_u32(t, c->offset);
		tb_u32(t, c->actual);
		for (size_t i = 0; i < c->units; i++)
			tb_u16(t, (uint8_t)c->ascii[i]);
		tb_pad(t, 0, 4, 0xab);
	}
	tb_u32(t, 77); /* *pdwRequestId */
	tb_u32(t, c->cb1);
	tb_u32(t, c->ref1);
	if (c->ref1 != 0) {
		tb_u32(t, c->max1);
		tb_put(t, bytes, c->n1);
		tb_pad(t, 0, 4, 0xbf);
	}
	tb_u32(t, c->cb2);
	tb_u32(t, c->ref2);
	if (c->ref2 != 0) {
		tb_u32(t, c->max2);
		tb_put(t, bytes, c->n2);
	}
}

static int csr_try(const struct csr *c, struct rpc_icpr_request *q)
{
	struct tbuf t = { 0 };
	int rc;

	csr_build(&t, c);
	rc = rpc_icpr_request_decode(t.p, t.len, q, err, sizeof err);
	tb_free(&t);
	return rc;
}

static const struct csr good = { "CA", 3, 0, 3, 3, 4, 0x20004, 4, 4, 9, 0x20008, 9, 9 };

static void test_csr_consistent(void **state)
{
	struct rpc_icpr_request q;
	struct csr c = good;

	(void)state;
	assert_int_equal(csr_try(&c, &q), 0);
	assert_int_equal(q.flags, 0x100);
	assert_int_equal(q.authority_units, 2);
	assert_int_equal(q.request_id, 77);
	assert_int_equal(q.attribs.cb, 4);
	assert_int_equal(q.request.cb, 9);
	/* NULL authority, NULL blobs (retrieval: no request) */
	c.ascii = NULL;
	c.cb1 = c.ref1 = 0;
	c.cb2 = c.ref2 = 0;
	assert_int_equal(csr_try(&c, &q), 0);
	assert_false(q.has_authority);
	assert_null(q.authority);
	assert_false(q.attribs.present);
	assert_null(q.request.pb);
	assert_int_equal(q.request.cb, 0);
	/* an empty blob that is not NULL */
	c = good;
	c.cb2 = c.max2 = 0;
	c.n2 = 0;
	assert_int_equal(csr_try(&c, &q), 0);
	assert_true(q.request.present);
	assert_int_equal(q.request.cb, 0);
	/* the longest authority, and one character more */
	{
		char name[RPC_ICPR_MAX_AUTHORITY + 2];

		memset(name, 'x', sizeof name);
		name[RPC_ICPR_MAX_AUTHORITY] = '\0';
		c = good;
		c.ascii = name;
		c.max = c.actual = RPC_ICPR_MAX_AUTHORITY + 1;
		c.units = RPC_ICPR_MAX_AUTHORITY + 1;
		assert_int_equal(csr_try(&c, &q), 0);
		assert_int_equal(q.authority_units, RPC_ICPR_MAX_AUTHORITY);
		name[RPC_ICPR_MAX_AUTHORITY] = 'x';
		name[RPC_ICPR_MAX_AUTHORITY + 1] = '\0';
		c.max = c.actual = RPC_ICPR_MAX_AUTHORITY + 2;
		c.units = RPC_ICPR_MAX_AUTHORITY + 2;
		assert_int_equal(csr_try(&c, &q), -1);
	}
}

static void test_csr_inconsistent(void **state)
{
	static const struct {
		const char *what;
		struct csr c;
	} bad[] = {
		/* the string */
		{ "offset", { "CA", 3, 1, 3, 3, 4, 0x20004, 4, 4, 9, 0x20008, 9, 9 } },
		{ "actual_count", { "CA", 2, 0, 3, 3, 4, 0x20004, 4, 4, 9, 0x20008, 9, 9 } },
		{ "actual_count", { "CA", 3, 0, 0, 0, 4, 0x20004, 4, 4, 9, 0x20008, 9, 9 } },
		{ "NUL-terminated", { "CAB", 3, 0, 3, 3, 4, 0x20004, 4, 4, 9, 0x20008, 9, 9 } },
		{ "NUL at", { "C\0A", 4, 0, 4, 4, 4, 0x20004, 4, 4, 9, 0x20008, 9, 9 } },
		{ "octets left", { "CA", 200, 0, 200, 3, 4, 0x20004, 4, 4, 9, 0x20008, 9, 9 } },
		/* the blobs: max_count != cb, NULL pb with cb, cb beyond the stub */
		{ "max_count 5 but cb 4", { "CA", 3, 0, 3, 3, 4, 0x20004, 5, 4, 9, 0x20008, 9, 9 } },
		{ "cb 4 with a NULL pb", { "CA", 3, 0, 3, 3, 4, 0, 0, 0, 9, 0x20008, 9, 9 } },
		{ "pctbRequest: cb 90", { "CA", 3, 0, 3, 3, 4, 0x20004, 4, 4, 90, 0x20008, 90, 9 } },
		{ "pctbRequest: cb 10", { "CA", 3, 0, 3, 3, 4, 0x20004, 4, 4, 10, 0x20008, 10, 9 } },
		{ "max_count 8 but cb 9", { "CA", 3, 0, 3, 3, 4, 0x20004, 4, 4, 9, 0x20008, 8, 9 } },
	};
	struct rpc_icpr_request q;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(csr_try(&bad[i].c, &q), -1);
		if (strstr(err, bad[i].what) == NULL)
			fail_msg("case %zu: \"%s\" not in \"%s\"", i, bad[i].what, err);
	}
}

static void test_csr_trailing(void **state)
{
	struct rpc_icpr_request q;
	struct tbuf t = { 0 };

	(void)state;
	csr_build(&t, &good);
	tb_put(&t, "\0\0\0\0\0\0\0", 7); /* alignment octets: accepted */
	assert_int_equal(rpc_icpr_request_decode(t.p, t.len, &q, err, sizeof err), 0);
	tb_u8(&t, 0);
	assert_int_equal(rpc_icpr_request_decode(t.p, t.len, &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "unexpected"));
	tb_free(&t);
}

static void test_csr_response(void **state)
{
	static const uint8_t want[] = {
		0x2a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,   /* id 42, issued */
		0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,   /* pctbCert: cb 5, referent */
		0x05, 0x00, 0x00, 0x00, 'c', 'e', 'r', 't', 's', 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,   /* pctbEncodedCert: NULL */
		0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00,   /* message: cb 4 */
		0x04, 0x00, 0x00, 0x00, 'O', 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,                           /* return value */
	};
	struct rpc_icpr_response r = {
		.request_id = 42,
		.disposition = 3,
		.cert = { (const uint8_t *)"certs", 5, 1 },
		.encoded_cert = { NULL, 0, 0 },
		.disposition_message = { (const uint8_t *)"O\0\0", 4, 1 },
	};
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 1 << 20);
	assert_int_equal(rpc_icpr_response_encode(&r, &w), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.buf, want, sizeof want);
	assert_int_equal(rpc_icpr_response_encode(&r, &w), -1); /* w not empty */
	ndr_wr_reset(&w);
	r.cert.pb = NULL; /* cb without bytes */
	assert_int_equal(rpc_icpr_response_encode(&r, &w), -1);
	ndr_wr_free(&w);
	ndr_wr_init(&w, 16); /* over the writer's limit */
	r.cert.pb = (const uint8_t *)"certs";
	assert_int_equal(rpc_icpr_response_encode(&r, &w), -1);
	ndr_wr_free(&w);
}

/* ---- ept_map ---- */

static struct rpc_epm_entry entries[1];

static void icpr_entry(void)
{
	memcpy(entries[0].iface.uuid.b, rb_icpr, 16);
	entries[0].iface.major = 0;
	entries[0].iface.minor = 0;
	entries[0].port = 5022;
	memcpy(entries[0].ipv4, "\x7f\x00\x00\x01", 4);
}

static void test_eptmap_impacket(void **state)
{
	const struct rpc_epm_entry *e;
	struct rpc_epm_map_request q;
	struct rpc_epm_tower t;

	(void)state;
	icpr_entry();
	assert_int_equal(rpc_epm_map_decode(ref_eptmap_icpr, sizeof ref_eptmap_icpr, &q, err,
					    sizeof err), 0);
	assert_true(q.has_object); /* impacket sends referent 1 and a nil UUID */
	assert_true(rpc_uuid_is_nil(&q.object));
	assert_true(q.has_tower);
	assert_int_equal(q.tower_len, 75);
	assert_int_equal(q.max_towers, 1);
	assert_int_equal(rpc_epm_tower_parse(q.tower, q.tower_len, &t, err, sizeof err), 0);
	assert_int_equal(t.n_floors, 5);
	assert_memory_equal(t.iface.uuid.b, rb_icpr, 16);
	assert_true(rpc_syntax_eq(&t.xfer, &rpc_syntax_ndr));
	assert_int_equal(t.protocol, RPC_EPM_PROT_NCACN);
	assert_int_equal(t.transport, RPC_EPM_PROT_TCP);
	e = rpc_epm_lookup(&q, entries, 1, err, sizeof err);
	assert_ptr_equal(e, &entries[0]);

	assert_int_equal(rpc_epm_map_decode(ref_eptmap_unknown, sizeof ref_eptmap_unknown, &q,
					    err, sizeof err), 0);
	assert_null(rpc_epm_lookup(&q, entries, 1, err, sizeof err));
	assert_non_null(strstr(err, "12345678-1234-abcd-ef00-0123456789ab v1.0 is not registered"));
}

static void test_eptmap_truncated_everywhere(void **state)
{
	struct rpc_epm_map_request q;

	(void)state;
	/* the last 4 octets are max_towers: every shorter prefix fails */
	for (size_t n = 0; n < sizeof ref_eptmap_icpr; n++) {
		uint8_t *c = malloc(n ? n : 1);

		assert_non_null(c);
		memcpy(c, ref_eptmap_icpr, n);
		assert_int_equal(rpc_epm_map_decode(c, n, &q, err, sizeof err), -1);
		free(c);
	}
}

static void test_eptmap_bad_counts(void **state)
{
	uint8_t p[sizeof ref_eptmap_icpr];
	struct rpc_epm_map_request q;

	(void)state;
	memcpy(p, ref_eptmap_icpr, sizeof p);
	p[24] = 0x4c; /* max_count != tower_length */
	assert_int_equal(rpc_epm_map_decode(p, sizeof p, &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "max_count 76 but tower_length 75"));
	memcpy(p, ref_eptmap_icpr, sizeof p);
	p[25] = p[29] = 0x10; /* 4171 octets: over the limit */
	assert_int_equal(rpc_epm_map_decode(p, sizeof p, &q, err, sizeof err), -1);
	memcpy(p, ref_eptmap_icpr, sizeof p);
	p[24] = p[28] = 0x80; /* 128: beyond the stub */
	assert_int_equal(rpc_epm_map_decode(p, sizeof p, &q, err, sizeof err), -1);
	memcpy(p, ref_eptmap_icpr, sizeof p);
	p[sizeof p - 4] = 0xf5; /* max_towers 501 */
	p[sizeof p - 3] = 0x01;
	assert_int_equal(rpc_epm_map_decode(p, sizeof p, &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "max_towers 501"));
}

/* A query tower: floors as given (lhs id + payload, rhs). */
static void tower(struct tbuf *t, uint16_t n, const uint8_t *iface, const uint8_t *xfer,
		  uint8_t proto, uint8_t transport)
{
	tb_u16(t, n);
	if (iface != NULL) {
		tb_u16(t, 19);
		tb_u8(t, 0x0d);
		tb_put(t, iface, 18);
		tb_u16(t, 2);
		tb_put(t, iface + 18, 2);
	}
	if (xfer != NULL) {
		tb_u16(t, 19);
		tb_u8(t, 0x0d);
		tb_put(t, xfer, 18);
		tb_u16(t, 2);
		tb_put(t, xfer + 18, 2);
	}
	tb_u16(t, 1);
	tb_u8(t, proto);
	tb_u16(t, 2);
	tb_u16(t, 0);
	if (transport != 0) {
		tb_u16(t, 1);
		tb_u8(t, transport);
		tb_u16(t, 2);
		tb_u16(t, 0);
	}
}

static const struct rpc_epm_entry *lookup_tower(const struct tbuf *t)
{
	struct rpc_epm_map_request q;

	memset(&q, 0, sizeof q);
	q.has_tower = 1;
	q.tower = t->p;
	q.tower_len = t->len;
	q.max_towers = 1;
	return rpc_epm_lookup(&q, entries, 1, err, sizeof err);
}

static void test_eptmap_towers(void **state)
{
	uint8_t newer[20];
	struct tbuf t = { 0 };

	(void)state;
	icpr_entry();
	tower(&t, 4, rb_icpr, rb_ndr, 0x0b, 0x07);
	assert_non_null(lookup_tower(&t));
	tb_free(&t);
	tower(&t, 3, rb_icpr, rb_ndr, 0x0b, 0); /* no transport floor: fine */
	assert_non_null(lookup_tower(&t));
	tb_free(&t);
	tower(&t, 4, rb_icpr, rb_ndr64, 0x0b, 0x07); /* NDR64 */
	assert_null(lookup_tower(&t));
	assert_non_null(strstr(err, "only NDR 2.0"));
	tb_free(&t);
	tower(&t, 4, rb_icpr, rb_ndr, 0x0a, 0x07); /* connectionless */
	assert_null(lookup_tower(&t));
	tb_free(&t);
	tower(&t, 4, rb_icpr, rb_ndr, 0x0b, 0x0f); /* named pipe */
	assert_null(lookup_tower(&t));
	tb_free(&t);
	memcpy(newer, rb_icpr, 20);
	newer[18] = 1; /* v0.1: newer than the server's */
	tower(&t, 4, newer, rb_ndr, 0x0b, 0x07);
	assert_null(lookup_tower(&t));
	tb_free(&t);
	/* malformed: too few floors, a floor running past the end, a short floor 1 */
	tower(&t, 2, rb_icpr, rb_ndr, 0x0b, 0);
	assert_null(lookup_tower(&t));
	assert_non_null(strstr(err, "2 floors"));
	t.p[0] = 5;
	assert_null(lookup_tower(&t));
	assert_non_null(strstr(err, "overruns"));
	t.p[0] = 3;
	t.p[2] = 18;
	assert_null(lookup_tower(&t));
	tb_free(&t);
	tb_u8(&t, 3);
	assert_null(lookup_tower(&t));
	tb_free(&t);
	/* floor 1 or 2 not a UUID floor, floor 3 with a two-octet protocol id */
	tower(&t, 3, rb_icpr, rb_ndr, 0x0b, 0);
	t.p[4] = 0x0c;
	assert_null(lookup_tower(&t));
	assert_non_null(strstr(err, "floor 1"));
	t.p[4] = 0x0d;
	t.p[29] = 0x0c;
	assert_null(lookup_tower(&t));
	assert_non_null(strstr(err, "floor 2"));
	t.p[29] = 0x0d;
	t.p[52] = 2;
	assert_null(lookup_tower(&t));
	assert_non_null(strstr(err, "floor 3"));
	tb_free(&t);
	/* no tower at all */
	{
		struct rpc_epm_map_request q;

		memset(&q, 0, sizeof q);
		assert_null(rpc_epm_lookup(&q, entries, 1, err, sizeof err));
		assert_non_null(strstr(err, "without a tower"));
	}
}

static void test_eptmap_reply(void **state)
{
	static const uint8_t tower_want[75] = {
		0x05, 0x00, 0x13, 0x00, 0x0d, 0x20, 0x60, 0xae, 0x91, 0x3c, 0x9e, 0xcf, 0x11,
		0x8d, 0x7c, 0x00, 0xaa, 0x00, 0xc0, 0x91, 0xbe, 0x00, 0x00, 0x02, 0x00, 0x00,
		0x00, 0x13, 0x00, 0x0d, 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f,
		0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x0b, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x02, 0x00, 0x13,
		0x9e, 0x01, 0x00, 0x09, 0x04, 0x00, 0x7f, 0x00, 0x00, 0x01,
	};
	struct rpc_epm_map_request q;
	struct rpc_epm_tower t;
	struct ndr_wr w;

	(void)state;
	icpr_entry();
	assert_int_equal(rpc_epm_map_decode(ref_eptmap_icpr, sizeof ref_eptmap_icpr, &q, err,
					    sizeof err), 0);
	ndr_wr_init(&w, 4096);
	assert_int_equal(rpc_epm_map_reply(&q, &entries[0], &w), 0);
	assert_int_equal(w.len, 20 + 4 + 12 + 4 + 8 + 75 + 1 + 4);
	for (size_t i = 0; i < 20; i++)
		assert_int_equal(w.buf[i], 0); /* entry handle */
	assert_int_equal(rb_le32(w.buf + 20), 1); /* num_towers */
	assert_int_equal(rb_le32(w.buf + 24), 1); /* max_count = max_towers */
	assert_int_equal(rb_le32(w.buf + 28), 0); /* offset */
	assert_int_equal(rb_le32(w.buf + 32), 1); /* actual_count */
	assert_true(rb_le32(w.buf + 36) != 0);    /* referent */
	assert_int_equal(rb_le32(w.buf + 40), 75); /* max_count */
	assert_int_equal(rb_le32(w.buf + 44), 75); /* tower_length */
	assert_memory_equal(w.buf + 48, tower_want, 75);
	assert_int_equal(rb_le32(w.buf + 124), 0); /* status, after one pad octet */
	assert_int_equal(rpc_epm_tower_parse(w.buf + 48, 75, &t, err, sizeof err), 0);
	assert_int_equal(t.transport, RPC_EPM_PROT_TCP);

	/* not registered: no tower, the status */
	ndr_wr_reset(&w);
	assert_int_equal(rpc_epm_map_reply(&q, NULL, &w), 0);
	assert_int_equal(w.len, 20 + 4 + 12 + 4);
	assert_int_equal(rb_le32(w.buf + 20), 0);
	assert_int_equal(rb_le32(w.buf + 24), 1);
	assert_int_equal(rb_le32(w.buf + 32), 0);
	assert_int_equal(rb_le32(w.buf + 36), RPC_EPT_S_NOT_REGISTERED);
	/* max_towers 0: nothing to return either */
	ndr_wr_reset(&w);
	q.max_towers = 0;
	assert_int_equal(rpc_epm_map_reply(&q, &entries[0], &w), 0);
	assert_int_equal(rb_le32(w.buf + 20), 0);
	assert_int_equal(rb_le32(w.buf + 36), 0);
	ndr_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csr_impacket),
		cmocka_unit_test(test_csr_truncated_everywhere),
		cmocka_unit_test(test_csr_consistent),
		cmocka_unit_test(test_csr_inconsistent),
		cmocka_unit_test(test_csr_trailing),
		cmocka_unit_test(test_csr_response),
		cmocka_unit_test(test_eptmap_impacket),
		cmocka_unit_test(test_eptmap_truncated_everywhere),
		cmocka_unit_test(test_eptmap_bad_counts),
		cmocka_unit_test(test_eptmap_towers),
		cmocka_unit_test(test_eptmap_reply),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
