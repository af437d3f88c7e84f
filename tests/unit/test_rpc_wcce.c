/* firmware/rpc/wcce_stub.c (the ICertRequestD/D2 stubs) and the wire forms of
 * firmware/icpr/caprop.c. Requests come from impacket (support/wcce_ref.h,
 * built with tests/integration/wcce_ndr.py's NDR calls) and from those stubs
 * with counts broken by hand; every response we encode is read back by
 * impacket's response classes (support/wcce_impacket.py parse, run with
 * /usr/bin/python3) and its fields compared here; GetCAPropertyInfo's
 * CATRANSPROP blob is decoded there with struct alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/custodian/caprop.h"
#include "firmware/icpr/caprop.h"
#include "firmware/icpr/hresult.h"
#include "firmware/icpr/icpr.h"
#include "firmware/rpc/wcce_stub.h"
#include "tests/unit/support/wcce_ref.h"

#define SCRIPT "tests/unit/support/wcce_impacket.py"
#define PYTHON "/usr/bin/python3"

_Static_assert(WCCE_MAX_STRING_UNITS <= ICPR_ATTR_TEXT_MAX,
	       "every attribute string the stub takes is one firmware/icpr may judge");

static char err[256];

/* ---- helpers ---- */

/* 1 if s holds exactly the ASCII text t as UTF-16LE. */
static int wstr_is(const struct wcce_wstr *s, const char *t)
{
	size_t n = strlen(t);

	if (!s->present || s->units != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s->p[2 * i] != (uint8_t)t[i] || s->p[2 * i + 1] != 0)
			return 0;
	return 1;
}

static void check_orpcthis(const struct dcom_orpcthis *o)
{
	assert_int_equal(o->major, 5);
	assert_int_equal(o->minor, 7);
	assert_int_equal(o->flags, 0);
	assert_int_equal(o->n_extents, 0);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(o->cid.b[i], 0x11);
}

/* impacket's reading of a response stub: the script's "name=value" lines,
 * with a newline in front so that "\nname=value\n" finds a whole line. */
static char *impacket_parse(uint16_t opnum, const uint8_t *p, size_t n)
{
	char path[] = "/tmp/test_rpc_wcce_XXXXXX", cmd[256];
	size_t len = 1, cap = 1 << 16;
	char *out = malloc(cap);
	FILE *f, *pipe;
	int fd = mkstemp(path);

	assert_non_null(out);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fclose(f);
	snprintf(cmd, sizeof cmd, PYTHON " " SCRIPT " parse %u < %s", opnum, path);
	pipe = popen(cmd, "r");
	assert_non_null(pipe);
	out[0] = '\n';
	for (size_t r; (r = fread(out + len, 1, cap - 1 - len, pipe)) > 0;)
		len += r;
	out[len] = 0;
	assert_int_equal(pclose(pipe), 0); /* the script exits 1 when the stub does not parse */
	unlink(path);
	return out;
}

static void expect(const char *out, const char *line)
{
	char needle[8192];

	snprintf(needle, sizeof needle, "\n%s\n", line);
	if (strstr(out, needle) == NULL)
		fail_msg("impacket did not read %s; it read:%s", line, out);
}

static void expect_blob(const char *out, const char *name, const uint8_t *p, size_t n)
{
	char line[8192];
	size_t k = (size_t)snprintf(line, sizeof line, "%s=", name);

	assert_true(2 * n + k < sizeof line);
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(line + k, sizeof line - k, "%02x", p[i]);
	expect(out, line);
}

/* Every proper prefix of a stub is refused (each stub ends with data). */
static void truncations_refused(uint16_t opnum, const uint8_t *p, size_t n)
{
	for (size_t len = 0; len < n; len++) {
		struct wcce_request q;
		struct wcce_getcacert g;
		struct wcce_getcaproperty c;
		struct wcce_authority_call a;
		int rc;

		switch (opnum) {
		case WCCE_OPNUM_REQUEST:
		case WCCE_OPNUM_REQUEST2:
			rc = wcce_request_decode(opnum, p, len, &q, err, sizeof err);
			break;
		case WCCE_OPNUM_GETCACERT:
			rc = wcce_getcacert_decode(p, len, &g, err, sizeof err);
			break;
		case WCCE_OPNUM_GETCAPROPERTY:
			rc = wcce_getcaproperty_decode(p, len, &c, err, sizeof err);
			break;
		default:
			rc = wcce_authority_decode(opnum, p, len, &a, err, sizeof err);
			break;
		}
		if (rc != -1)
			fail_msg("opnum %u: a stub cut to %zu of %zu octets decoded", opnum, len, n);
	}
}

/* ---- requests ---- */

static void test_request_impacket(void **state)
{
	struct wcce_request q;

	(void)state;
	assert_int_equal(wcce_request_decode(WCCE_OPNUM_REQUEST, ref_wcce_request,
					     sizeof ref_wcce_request, &q, err, sizeof err), 0);
	check_orpcthis(&q.orpc);
	assert_int_equal(q.flags, 0x00010000);
	assert_true(wstr_is(&q.authority, ref_wcce_authority));
	assert_false(q.serial.present);
	assert_int_equal(q.request_id, 0);
	assert_true(wstr_is(&q.attributes, ref_wcce_attrs));
	assert_true(q.request.present);
	assert_int_equal(q.request.cb, sizeof ref_wcce_req);
	assert_memory_equal(q.request.pb, ref_wcce_req, sizeof ref_wcce_req);

	assert_int_equal(wcce_request_decode(WCCE_OPNUM_REQUEST, ref_wcce_request_null,
					     sizeof ref_wcce_request_null, &q, err, sizeof err), 0);
	assert_false(q.authority.present);
	assert_false(q.attributes.present);
	assert_false(q.request.present);
	assert_int_equal(q.request.cb, 0);
	assert_null(q.request.pb);
}

static void test_request2_impacket(void **state)
{
	struct wcce_request q;

	(void)state;
	assert_int_equal(wcce_request_decode(WCCE_OPNUM_REQUEST2, ref_wcce_request2,
					     sizeof ref_wcce_request2, &q, err, sizeof err), 0);
	check_orpcthis(&q.orpc);
	assert_int_equal(q.flags, 0x00010400);
	assert_true(wstr_is(&q.authority, ref_wcce_authority));
	assert_false(q.serial.present);
	assert_true(wstr_is(&q.attributes, ref_wcce_attrs));
	assert_int_equal(q.request.cb, sizeof ref_wcce_req);
	assert_memory_equal(q.request.pb, ref_wcce_req, sizeof ref_wcce_req);

	/* Status inspection: a serial number, no attributes, a NULL request. */
	assert_int_equal(wcce_request_decode(WCCE_OPNUM_REQUEST2, ref_wcce_request2_status,
					     sizeof ref_wcce_request2_status, &q, err,
					     sizeof err), 0);
	assert_true(wstr_is(&q.serial, ref_wcce_serial));
	assert_false(q.attributes.present);
	assert_false(q.request.present);

	/* The two layouts differ (dwFlags before / after the authority): each
	 * stub read as the other method is refused or reads other values. */
	if (wcce_request_decode(WCCE_OPNUM_REQUEST, ref_wcce_request2, sizeof ref_wcce_request2,
				&q, err, sizeof err) == 0)
		assert_false(wstr_is(&q.attributes, ref_wcce_attrs));
}

static void test_string_bounds(void **state)
{
	struct wcce_request q;

	(void)state;
	/* range(1, 1536): 1535 characters and the NUL pass, 1536 do not. */
	assert_int_equal(wcce_request_decode(WCCE_OPNUM_REQUEST, ref_wcce_attr_max,
					     sizeof ref_wcce_attr_max, &q, err, sizeof err), 0);
	assert_int_equal(q.attributes.units, WCCE_MAX_STRING_UNITS);
	assert_int_equal(wcce_request_decode(WCCE_OPNUM_REQUEST, ref_wcce_attr_over,
					     sizeof ref_wcce_attr_over, &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "pwszAttributes"));
	assert_false(q.authority.present); /* zeroed on failure */
	/* range(1, 64) on the serial number. */
	assert_int_equal(wcce_request_decode(WCCE_OPNUM_REQUEST2, ref_wcce_serial_over,
					     sizeof ref_wcce_serial_over, &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "pwszSerialNumber"));
}

static void test_other_methods_impacket(void **state)
{
	struct wcce_getcacert g;
	struct wcce_getcaproperty c;
	struct wcce_authority_call a;

	(void)state;
	assert_int_equal(wcce_getcacert_decode(ref_wcce_getcacert, sizeof ref_wcce_getcacert, &g,
					       err, sizeof err), 0);
	check_orpcthis(&g.orpc);
	assert_int_equal(g.fchain, 0x63740002);
	assert_true(wstr_is(&g.authority, ref_wcce_authority));

	/* An ORPCTHIS with an extension (impacket's marshaling): skipped, and the
	 * parameters after it read where they are. */
	assert_int_equal(wcce_getcacert_decode(ref_wcce_getcacert_ext,
					       sizeof ref_wcce_getcacert_ext, &g, err, sizeof err),
			 0);
	assert_int_equal(g.orpc.n_extents, 1);
	assert_int_equal(g.fchain, GETCERT_CANAME);
	assert_true(wstr_is(&g.authority, ref_wcce_authority));

	assert_int_equal(wcce_getcaproperty_decode(ref_wcce_getcaproperty,
						   sizeof ref_wcce_getcaproperty, &c, err,
						   sizeof err), 0);
	check_orpcthis(&c.orpc);
	assert_true(wstr_is(&c.authority, ref_wcce_authority));
	assert_int_equal(c.prop_id, CR_PROP_CASIGCERT);
	assert_int_equal(c.prop_index, -1);
	assert_int_equal(c.prop_type, CAPROP_TYPE_BINARY);

	assert_int_equal(wcce_authority_decode(WCCE_OPNUM_PING, ref_wcce_ping,
					       sizeof ref_wcce_ping, &a, err, sizeof err), 0);
	assert_true(wstr_is(&a.authority, "")); /* an empty name, not NULL */
	assert_int_equal(wcce_authority_decode(WCCE_OPNUM_GETCAPROPERTYINFO, ref_wcce_propinfo,
					       sizeof ref_wcce_propinfo, &a, err, sizeof err), 0);
	assert_true(wstr_is(&a.authority, ref_wcce_authority));
	assert_int_equal(wcce_authority_decode(WCCE_OPNUM_PING2, ref_wcce_ping2,
					       sizeof ref_wcce_ping2, &a, err, sizeof err), 0);
	assert_false(a.authority.present);

	/* A decoder asked for a method it does not read. */
	assert_int_equal(wcce_authority_decode(WCCE_OPNUM_REQUEST, ref_wcce_ping,
					       sizeof ref_wcce_ping, &a, err, sizeof err), -1);
	{
		struct wcce_request q;

		assert_int_equal(wcce_request_decode(WCCE_OPNUM_PING, ref_wcce_request,
						     sizeof ref_wcce_request, &q, err, sizeof err),
				 -1);
	}
}

static void test_truncated_everywhere(void **state)
{
	(void)state;
	truncations_refused(WCCE_OPNUM_REQUEST, ref_wcce_request, sizeof ref_wcce_request);
	truncations_refused(WCCE_OPNUM_REQUEST, ref_wcce_request_null, sizeof ref_wcce_request_null);
	truncations_refused(WCCE_OPNUM_REQUEST2, ref_wcce_request2, sizeof ref_wcce_request2);
	truncations_refused(WCCE_OPNUM_REQUEST2, ref_wcce_request2_status,
			    sizeof ref_wcce_request2_status);
	truncations_refused(WCCE_OPNUM_GETCACERT, ref_wcce_getcacert, sizeof ref_wcce_getcacert);
	truncations_refused(WCCE_OPNUM_GETCACERT, ref_wcce_getcacert_ext,
			    sizeof ref_wcce_getcacert_ext);
	truncations_refused(WCCE_OPNUM_GETCAPROPERTY, ref_wcce_getcaproperty,
			    sizeof ref_wcce_getcaproperty);
	truncations_refused(WCCE_OPNUM_PING, ref_wcce_ping, sizeof ref_wcce_ping);
	truncations_refused(WCCE_OPNUM_GETCAPROPERTYINFO, ref_wcce_propinfo,
			    sizeof ref_wcce_propinfo);
	truncations_refused(WCCE_OPNUM_PING2, ref_wcce_ping2, sizeof ref_wcce_ping2);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ref_wcce_request with the 32-bit field at off replaced by v: decoded? */
static int request_with(size_t off, uint32_t v, size_t extra)
{
	uint8_t s[sizeof ref_wcce_request + 16];
	struct wcce_request q;

	memset(s, 0, sizeof s);
	memcpy(s, ref_wcce_request, sizeof ref_wcce_request);
	if (off != SIZE_MAX)
		put32(s + off, v);
	return wcce_request_decode(WCCE_OPNUM_REQUEST, s, sizeof ref_wcce_request + extra, &q,
				   err, sizeof err);
}

static void test_bad_counts(void **state)
{
	/* Layout of ref_wcce_request: ORPCTHIS (32), dwFlags (32), the authority's
	 * referent (36), max_count (40), offset (44), actual_count (48), the 18
	 * units (52..88); at the end the blob: cb, referent, max_count, 11 octets. */
	const size_t end = sizeof ref_wcce_request, blob = end - sizeof ref_wcce_req - 12;

	(void)state;
	assert_int_equal(request_with(SIZE_MAX, 0, 0), 0);
	assert_int_equal(request_with(SIZE_MAX, 0, 7), 0);  /* alignment may follow */
	assert_int_equal(request_with(SIZE_MAX, 0, 8), -1); /* more may not */
	assert_int_equal(request_with(44, 1, 0), -1);       /* offset */
	assert_int_equal(request_with(48, 19, 0), -1);      /* actual > max */
	assert_int_equal(request_with(48, 0, 0), -1);       /* actual 0 */
	assert_int_equal(request_with(40, 1537, 0), -1);    /* over range(1, 1536) */
	assert_int_equal(request_with(48, 17, 0), -1);      /* the last unit is not the NUL */
	assert_int_equal(request_with(40, 0xffffffffu, 0), -1);
	assert_int_equal(request_with(blob, sizeof ref_wcce_req + 1, 0), -1); /* cb != max */
	assert_int_equal(request_with(blob + 8, sizeof ref_wcce_req + 1, 0), -1);
	assert_int_equal(request_with(blob, 0xfffffff0u, 0), -1);
	/* A NULL pb with cb != 0. */
	assert_int_equal(request_with(blob + 4, 0, 0), -1);
	assert_non_null(strstr(err, "NULL pb"));
	/* ORPCTHIS saying extensions follow, when they do not. */
	assert_int_equal(request_with(28, 0x20000, 0), -1);
}

/* decode -> encode_in -> decode gives the same values and the same length
 * (impacket pads with 0xbf, we with zeros: the octets may differ there). */
static void test_requests_reencode(void **state)
{
	static const struct {
		uint16_t opnum;
		const uint8_t *p;
		size_t n;
	} refs[] = {
		{ 3, ref_wcce_request, sizeof ref_wcce_request },
		{ 3, ref_wcce_request_null, sizeof ref_wcce_request_null },
		{ 6, ref_wcce_request2, sizeof ref_wcce_request2 },
		{ 6, ref_wcce_request2_status, sizeof ref_wcce_request2_status },
	};
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 1 << 16);
	for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
		struct wcce_request a, b;

		assert_int_equal(wcce_request_decode(refs[i].opnum, refs[i].p, refs[i].n, &a, err,
						     sizeof err), 0);
		ndr_wr_reset(&w);
		assert_int_equal(wcce_request_encode_in(refs[i].opnum, &a, &w), 0);
		assert_int_equal(w.len, refs[i].n);
		assert_int_equal(wcce_request_decode(refs[i].opnum, w.buf, w.len, &b, err,
						     sizeof err), 0);
		assert_int_equal(a.flags, b.flags);
		assert_int_equal(a.request_id, b.request_id);
		assert_int_equal(a.authority.present, b.authority.present);
		assert_int_equal(a.authority.units, b.authority.units);
		assert_int_equal(a.serial.units, b.serial.units);
		assert_int_equal(a.attributes.units, b.attributes.units);
		if (a.attributes.units > 0)
			assert_memory_equal(a.attributes.p, b.attributes.p, 2 * a.attributes.units);
		assert_int_equal(a.request.cb, b.request.cb);
		assert_memory_equal(&a.orpc, &b.orpc, sizeof a.orpc);
	}
	/* Request has no serial number to send. */
	{
		struct wcce_request q;

		assert_int_equal(wcce_request_decode(6, ref_wcce_request2_status,
						     sizeof ref_wcce_request2_status, &q, err,
						     sizeof err), 0);
		ndr_wr_reset(&w);
		assert_int_equal(wcce_request_encode_in(3, &q, &w), -1);
	}
	{
		struct wcce_getcacert g, g2;
		struct wcce_getcaproperty c, c2;
		struct wcce_authority_call a, a2;

		assert_int_equal(wcce_getcacert_decode(ref_wcce_getcacert,
						       sizeof ref_wcce_getcacert, &g, err,
						       sizeof err), 0);
		ndr_wr_reset(&w);
		assert_int_equal(wcce_getcacert_encode_in(&g, &w), 0);
		assert_int_equal(wcce_getcacert_decode(w.buf, w.len, &g2, err, sizeof err), 0);
		assert_int_equal(g2.fchain, g.fchain);
		assert_int_equal(g2.authority.units, g.authority.units);

		assert_int_equal(wcce_getcaproperty_decode(ref_wcce_getcaproperty,
							   sizeof ref_wcce_getcaproperty, &c, err,
							   sizeof err), 0);
		ndr_wr_reset(&w);
		assert_int_equal(wcce_getcaproperty_encode_in(&c, &w), 0);
		assert_int_equal(w.len, sizeof ref_wcce_getcaproperty);
		assert_int_equal(wcce_getcaproperty_decode(w.buf, w.len, &c2, err, sizeof err), 0);
		assert_int_equal(c2.prop_index, -1);

		assert_int_equal(wcce_authority_decode(9, ref_wcce_ping2, sizeof ref_wcce_ping2, &a,
						       err, sizeof err), 0);
		ndr_wr_reset(&w);
		assert_int_equal(wcce_authority_encode_in(9, &a, &w), 0);
		assert_memory_equal(w.buf, ref_wcce_ping2, sizeof ref_wcce_ping2);
		assert_int_equal(wcce_authority_decode(9, w.buf, w.len, &a2, err, sizeof err), 0);
		ndr_wr_reset(&w);
		assert_int_equal(wcce_authority_encode_in(4, &a, &w), -1);
	}
	ndr_wr_free(&w);
}

static void test_opnums(void **state)
{
	(void)state;
	for (uint16_t op = 0; op < 12; op++) {
		assert_int_equal(wcce_opnum_valid(&dcom_iid_icertrequestd, op), op >= 3 && op <= 5);
		assert_int_equal(wcce_opnum_valid(&dcom_iid_icertrequestd2, op), op >= 3 && op <= 9);
		assert_int_equal(wcce_opnum_valid(&dcom_iid_iremunknown2, op), 0);
	}
}

/* ---- responses, read by impacket ---- */

static const uint8_t chain[] = { 0x30, 0x82, 0x01, 0x02, 0xaa };
static const uint8_t cert[] = { 0x30, 0x03, 0x01, 0x02, 0x03, 0x04, 0x05 };
static const uint8_t msg[] = { 'I', 0, 's', 0, 0, 0 };

static void test_request_response_impacket(void **state)
{
	struct wcce_request_response r = {
		.request_id = 42,
		.disposition = 3,
		.chain = { chain, sizeof chain, 1 },
		.encoded_cert = { cert, sizeof cert, 1 },
		.disposition_message = { msg, sizeof msg, 1 },
		.hr = 0,
	};
	struct ndr_wr w;
	char *out;

	(void)state;
	ndr_wr_init(&w, 1 << 16);
	assert_int_equal(wcce_request_encode(&r, &w), 0);
	out = impacket_parse(WCCE_OPNUM_REQUEST, w.buf, w.len);
	expect(out, "orpcthat_flags=0");
	expect(out, "orpcthat_ext=0");
	expect(out, "pdwRequestId=42");
	expect(out, "pdwDisposition=3");
	expect_blob(out, "pctbCertChain", chain, sizeof chain);
	expect_blob(out, "pctbEncodedCert", cert, sizeof cert);
	expect_blob(out, "pctbDispositionMessage", msg, sizeof msg);
	expect(out, "ErrorCode=0");
	free(out);

	/* Request2's answer, failed: empty blobs, the HRESULT at the end. */
	r = (struct wcce_request_response){ .request_id = 0, .disposition = HR_E_INVALIDARG,
					    .hr = HR_CERTSRV_E_PROPERTY_EMPTY };
	ndr_wr_reset(&w);
	assert_int_equal(wcce_request_encode(&r, &w), 0);
	out = impacket_parse(WCCE_OPNUM_REQUEST2, w.buf, w.len);
	expect(out, "pdwDisposition=2147942487");
	expect(out, "pctbFullResponse=");
	expect(out, "pctbEncodedCert=");
	expect(out, "ErrorCode=2148089860");
	free(out);

	/* A non-empty blob without octets is the caller's bug: refused. */
	r.chain.cb = 4;
	ndr_wr_reset(&w);
	assert_int_equal(wcce_request_encode(&r, &w), -1);
	ndr_wr_free(&w);
}

static void test_small_responses_impacket(void **state)
{
	struct rpc_icpr_blob b = { cert, sizeof cert, 1 }, none = { NULL, 0, 0 };
	struct ndr_wr w;
	char *out;

	(void)state;
	ndr_wr_init(&w, 1 << 16);
	assert_int_equal(wcce_blob_encode(&b, 0, &w), 0);
	out = impacket_parse(WCCE_OPNUM_GETCACERT, w.buf, w.len);
	expect_blob(out, "pctbOut", cert, sizeof cert);
	expect(out, "ErrorCode=0");
	free(out);

	ndr_wr_reset(&w);
	assert_int_equal(wcce_blob_encode(&none, HR_E_INVALIDARG, &w), 0);
	out = impacket_parse(WCCE_OPNUM_GETCAPROPERTY, w.buf, w.len);
	expect(out, "pctbPropertyValue=");
	expect(out, "ErrorCode=2147942487");
	free(out);

	ndr_wr_reset(&w);
	assert_int_equal(wcce_ping_encode(0x80070005u, &w), 0);
	assert_int_equal(w.len, 12);
	out = impacket_parse(WCCE_OPNUM_PING2, w.buf, w.len);
	expect(out, "ErrorCode=2147942405");
	free(out);

	/* The writer's limit: refused, not cut. */
	{
		struct ndr_wr small;

		ndr_wr_init(&small, 16);
		assert_int_equal(wcce_blob_encode(&b, 0, &small), -1);
		ndr_wr_free(&small);
	}
	ndr_wr_free(&w);
}

/* ---- caprop ---- */

static void test_caprop_table(void **state)
{
	(void)state;
	/* The ids the custodian knows (firmware/custodian/caprop.c), each once. */
	assert_int_equal(caprop_count(), CAPROP_ID_MAX);
	for (size_t i = 0; i < caprop_count(); i++) {
		const struct caprop_info *p = caprop_at(i);

		assert_non_null(p);
		if (i > 0)
			assert_true(caprop_at(i - 1)->id < p->id); /* sorted, unique */
		assert_ptr_equal(caprop_find(p->id), p);
		assert_true(p->type == CAPROP_TYPE_LONG || p->type == CAPROP_TYPE_BINARY ||
			    p->type == CAPROP_TYPE_STRING);
		/* The wire form agrees with the type. */
		switch (p->wire) {
		case CAPROP_WIRE_LONG:
		case CAPROP_WIRE_CAINFO:
		case CAPROP_WIRE_STATES:
			assert_int_equal(p->type, CAPROP_TYPE_LONG);
			break;
		case CAPROP_WIRE_STRING:
			assert_int_equal(p->type, CAPROP_TYPE_STRING);
			break;
		default:
			assert_int_equal(p->wire, CAPROP_WIRE_BINARY);
			assert_int_equal(p->type, CAPROP_TYPE_BINARY);
		}
	}
	assert_null(caprop_at(caprop_count()));
	assert_int_equal(caprop_id_max(), caprop_at(caprop_count() - 1)->id);
	assert_int_equal(caprop_id_max(), CAPROP_ID_MAX);
	/* Issue 17's list, with MS-WCCE's types. */
	static const struct {
		int32_t id;
		uint8_t type, indexed;
	} want[] = {
		{ CR_PROP_FILEVERSION, 4, 0 },	  { CR_PROP_PRODUCTVERSION, 4, 0 },
		{ CR_PROP_EXITCOUNT, 1, 0 },	  { CR_PROP_POLICYDESCRIPTION, 4, 0 },
		{ CR_PROP_CANAME, 4, 0 },	  { CR_PROP_SANITIZEDCANAME, 4, 0 },
		{ CR_PROP_PARENTCA, 4, 0 },	  { CR_PROP_CATYPE, 1, 0 },
		{ CR_PROP_CASIGCERTCOUNT, 1, 0 }, { CR_PROP_CASIGCERT, 3, 1 },
		{ CR_PROP_CASIGCERTCHAIN, 3, 1 }, { CR_PROP_CAXCHGCERTCOUNT, 1, 0 },
		{ CR_PROP_CAXCHGCERT, 3, 1 },	  { CR_PROP_CAXCHGCERTCHAIN, 3, 1 },
		{ CR_PROP_BASECRL, 3, 1 },	  { CR_PROP_DELTACRL, 3, 1 },
		{ CR_PROP_CACERTSTATE, 1, 1 },	  { CR_PROP_CRLSTATE, 1, 1 },
		{ CR_PROP_CAPROPIDMAX, 1, 0 },	  { CR_PROP_DNSNAME, 4, 0 },
		{ CR_PROP_ROLESEPARATIONENABLED, 1, 0 }, { CR_PROP_KRACERTUSEDCOUNT, 1, 0 },
		{ CR_PROP_KRACERTCOUNT, 1, 0 },	  { CR_PROP_ADVANCEDSERVER, 1, 0 },
		{ CR_PROP_TEMPLATES, 4, 0 },	  { CR_PROP_CACERTSTATUSCODE, 1, 1 },
		{ CR_PROP_CACERTVERSION, 1, 1 },  { CR_PROP_SANITIZEDCASHORTNAME, 4, 0 },
		{ CR_PROP_CERTCDPURLS, 4, 1 },	  { CR_PROP_CERTAIAURLS, 4, 1 },
		{ CR_PROP_EXITDESCRIPTION, 4, 1 }, { CR_PROP_SHAREDFOLDER, 4, 0 },
		{ CR_PROP_KRACERT, 3, 1 },	  { CR_PROP_KRACERTSTATE, 1, 1 },
		{ CR_PROP_BASECRLPUBLISHSTATUS, 1, 1 }, { CR_PROP_DELTACRLPUBLISHSTATUS, 1, 1 },
		{ CR_PROP_CASIGCERTCRLCHAIN, 3, 1 }, { CR_PROP_CAXCHGCERTCRLCHAIN, 3, 1 },
		{ CR_PROP_CAFORWARDCROSSCERT, 3, 1 }, { CR_PROP_CABACKWARDCROSSCERT, 3, 1 },
		{ CR_PROP_CAFORWARDCROSSCERTSTATE, 1, 1 }, { CR_PROP_CABACKWARDCROSSCERTSTATE, 1, 1 },
		{ CR_PROP_CERTAIAOCSPURLS, 4, 1 }, { CR_PROP_LOCALENAME, 4, 0 },
		{ CR_PROP_SUBJECTTEMPLATE_OIDS, 4, 0 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct caprop_info *p = caprop_find(want[i].id);

		assert_non_null(p);
		assert_int_equal(p->type, want[i].type);
		assert_int_equal(p->indexed, want[i].indexed);
	}
	assert_non_null(caprop_find(CR_PROP_SHAREDFOLDER));
	assert_null(caprop_find(CAPROP_ID_MAX + 1)); /* the CRL partitions */
	assert_null(caprop_find(0));
	assert_null(caprop_find(-1));
}

static void test_caprop_check(void **state)
{
	(void)state;
	assert_int_equal(caprop_check(CR_PROP_CASIGCERT, 0, CAPROP_TYPE_BINARY), 0);
	assert_int_equal(caprop_check(CR_PROP_CASIGCERT, -1, CAPROP_TYPE_BINARY), 0);
	assert_int_equal(caprop_check(CR_PROP_CASIGCERT, 5, CAPROP_TYPE_BINARY), 0);
	assert_int_equal(caprop_check(CR_PROP_CASIGCERT, 0, CAPROP_TYPE_STRING), HR_E_INVALIDARG);
	assert_int_equal(caprop_check(CR_PROP_CANAME, 0, CAPROP_TYPE_STRING), 0);
	assert_int_equal(caprop_check(CR_PROP_CANAME, 1, CAPROP_TYPE_STRING), HR_E_INVALIDARG);
	assert_int_equal(caprop_check(CR_PROP_CATYPE, 0, CAPROP_TYPE_LONG), 0);
	assert_int_equal(caprop_check(CR_PROP_CATYPE, 0, CAPROP_TYPE_DATE), HR_E_INVALIDARG);
	assert_int_equal(caprop_check(CR_PROP_SHAREDFOLDER, 0, CAPROP_TYPE_STRING), 0);
	assert_int_equal(caprop_check(46, 0, CAPROP_TYPE_LONG), HR_E_INVALIDARG);
	assert_int_equal(caprop_check(999, 0, CAPROP_TYPE_LONG), HR_E_INVALIDARG);
}

static void test_caprop_info_impacket(void **state)
{
	uint8_t blob[CAPROP_INFO_BLOB_MAX];
	size_t len, small;
	int32_t count;
	struct rpc_icpr_blob b;
	struct ndr_wr w;
	char *out, line[160];

	(void)state;
	assert_int_equal(caprop_info_write(blob, sizeof blob, &len, &count), ICPR_OK);
	assert_int_equal(count, (int32_t)caprop_count());
	assert_int_equal(len % 4, 0);
	/* Any shorter buffer is refused, never overrun. */
	for (small = 0; small < len; small += 7) {
		uint8_t *p = malloc(small + 1);
		size_t l2;
		int32_t c2;

		assert_int_equal(caprop_info_write(p, small, &l2, &c2), ICPR_ETOOLONG);
		free(p);
	}
	b = (struct rpc_icpr_blob){ blob, (uint32_t)len, 1 };
	ndr_wr_init(&w, 1 << 16);
	assert_int_equal(wcce_propinfo_encode(count, &b, 0, &w), 0);
	out = impacket_parse(WCCE_OPNUM_GETCAPROPERTYINFO, w.buf, w.len);
	snprintf(line, sizeof line, "pcProperty=%d", count);
	expect(out, line);
	for (size_t i = 0; i < caprop_count(); i++) {
		const struct caprop_info *p = caprop_at(i);

		snprintf(line, sizeof line, "prop=%d,%u,%u,%s", p->id, p->type,
			 p->indexed ? CAPROP_FLAG_INDEXED : 0, p->name);
		expect(out, line);
	}
	free(out);
	ndr_wr_free(&w);
}

static void test_caprop_values(void **state)
{
	static const uint8_t der[] = { 0x30, 0x00 };
	uint8_t out[64];
	size_t n;

	(void)state;
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_LONG, 0x80094004u, NULL, 0, out, sizeof out,
					   &n), ICPR_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\x04\x40\x09\x80", 4);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_STRING, 0, (const uint8_t *)"Ä\xe2\x82\xac",
					   5, out, sizeof out, &n), ICPR_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\xc4\x00\xac\x20\x00\x00", 6);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_STRING, 0, NULL, 0, out, sizeof out, &n),
			 ICPR_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\x00\x00", 2);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_STRING, 0, (const uint8_t *)"\xff", 1, out,
					   sizeof out, &n), ICPR_EINVAL);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_STRING, 0, (const uint8_t *)"abc", 3, out,
					   7, &n), ICPR_ETOOLONG);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_BINARY, 0, der, sizeof der, out, sizeof out,
					   &n), ICPR_OK);
	assert_int_equal(n, 2);
	assert_memory_equal(out, der, 2);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_BINARY, 0, der, sizeof der, out, 1, &n),
			 ICPR_ETOOLONG);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_BINARY, 0, NULL, 3, out, sizeof out, &n),
			 ICPR_EINVAL);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_DATE, 0, NULL, 0, out, sizeof out, &n),
			 ICPR_EINVAL);
	assert_int_equal(caprop_value_blob(CAPROP_TYPE_LONG, 1, NULL, 0, out, 3, &n),
			 ICPR_ETOOLONG);

	{
		static const uint32_t st[] = { CAPROP_DISP_VALID, CAPROP_DISP_REVOKED };
		static const uint32_t bad[] = { 256 };

		assert_int_equal(caprop_states_blob(st, 2, out, sizeof out, &n), ICPR_OK);
		assert_int_equal(n, 2);
		assert_memory_equal(out, "\x03\x02", 2);
		assert_int_equal(caprop_states_blob(st, 2, out, 1, &n), ICPR_ETOOLONG);
		assert_int_equal(caprop_states_blob(bad, 1, out, sizeof out, &n), ICPR_EINVAL);
	}
	{
		const struct caprop_cainfo ci = { .ca_type = CAPROP_CATYPE_STANDALONE_ROOT,
						  .sig_certs = 1, .xchg_certs = 1, .exit_count = 0,
						  .propid_max = 45, .role_separation = 0,
						  .kra_used = 0, .kra_count = 0,
						  .advanced_server = 1 };
		static const uint8_t want[CAPROP_CAINFO_LEN] = {
			40, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
			45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
		};

		caprop_cainfo_blob(&ci, out);
		assert_memory_equal(out, want, sizeof want);
	}
}

static void test_caprop_getcert(void **state)
{
	struct caprop_getcert m;

	(void)state;
	assert_int_equal(caprop_getcert_map(GETCERT_CASIGCERT, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CASIGCERT);
	assert_int_equal(m.index, CAPROP_INDEX_LATEST);
	assert_int_equal(m.wire, CAPROP_WIRE_BINARY);
	assert_int_equal(caprop_getcert_map(GETCERT_CAXCHGCERT, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CAXCHGCERT);
	assert_int_equal(m.index, 0);
	assert_int_equal(caprop_getcert_map(GETCERT_CASIGCERT | GETCERT_CHAIN, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CASIGCERTCHAIN);
	assert_int_equal(caprop_getcert_map(GETCERT_CAXCHGCERT | GETCERT_CHAIN, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CAXCHGCERTCHAIN);
	/* With CRLs too; CRLs alone mean nothing. */
	assert_int_equal(caprop_getcert_map(GETCERT_CHAIN | GETCERT_CRLS, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CASIGCERTCRLCHAIN);
	assert_int_equal(caprop_getcert_map(GETCERT_CAXCHGCERT | GETCERT_CHAIN | GETCERT_CRLS, &m),
			 0);
	assert_int_equal(m.prop_id, CR_PROP_CAXCHGCERTCRLCHAIN);
	assert_int_equal(caprop_getcert_map(GETCERT_CRLS, &m), HR_E_INVALIDARG);
	assert_int_equal(caprop_getcert_map(GETCERT_CURRENTCRL, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_BASECRL);
	assert_int_equal(m.index, CAPROP_INDEX_LATEST);
	assert_int_equal(caprop_getcert_map(GETCERT_CAINFO, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CATYPE);
	assert_int_equal(m.wire, CAPROP_WIRE_CAINFO);
	assert_int_equal(caprop_getcert_map(GETCERT_CATYPE, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CATYPE);
	assert_int_equal(m.wire, CAPROP_WIRE_LONG);
	assert_int_equal(caprop_getcert_map(GETCERT_CANAME, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CANAME);
	assert_int_equal(caprop_getcert_map(GETCERT_SANITIZEDCANAME, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_SANITIZEDCANAME);
	assert_int_equal(caprop_getcert_map(GETCERT_FILEVERSION, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_FILEVERSION);
	assert_int_equal(caprop_getcert_map(GETCERT_PRODUCTVERSION, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_PRODUCTVERSION);
	assert_int_equal(caprop_getcert_map(GETCERT_POLICYVERSION, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_POLICYDESCRIPTION);
	assert_int_equal(caprop_getcert_map(GETCERT_PARENTCONFIG, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_PARENTCA);
	assert_int_equal(caprop_getcert_map(GETCERT_SHAREDFOLDER, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_SHAREDFOLDER);
	/* MS-WCCE's example: 0x636C0002 is the CRL of index 2. */
	assert_int_equal(caprop_getcert_map(0x636c0002u, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_BASECRL);
	assert_int_equal(m.index, 2);
	assert_int_equal(caprop_getcert_map(GETCERT_CACERTBYINDEX | 0xffff, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CASIGCERT);
	assert_int_equal(m.index, 0xffff);
	assert_int_equal(caprop_getcert_map(GETCERT_CACERTBYINDEX | GETCERT_CHAIN | 1, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CASIGCERTCHAIN);
	assert_int_equal(m.index, 1);
	assert_int_equal(caprop_getcert_map(GETCERT_CACERTSTATEBYINDEX | 3, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CACERTSTATE);
	assert_int_equal(m.wire, CAPROP_WIRE_STATES);
	assert_int_equal(caprop_getcert_map(GETCERT_CRLSTATEBYINDEX, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_CRLSTATE);
	assert_int_equal(caprop_getcert_map(GETCERT_EXITVERSIONBYINDEX | 1, &m), 0);
	assert_int_equal(m.prop_id, CR_PROP_EXITDESCRIPTION);
	assert_int_equal(m.index, 1);
	assert_int_equal(m.wire, CAPROP_WIRE_STRING);
	assert_int_equal(caprop_getcert_map(GETCERT_CANAME | GETCERT_CHAIN, &m), HR_E_INVALIDARG);
	assert_int_equal(caprop_getcert_map(GETCERT_CRLBYINDEX | GETCERT_CHAIN, &m),
			 HR_E_INVALIDARG);
	assert_int_equal(m.prop_id, 0);
	assert_int_equal(caprop_getcert_map(2, &m), HR_E_INVALIDARG);
	assert_int_equal(caprop_getcert_map(0x12340000u, &m), HR_E_INVALIDARG);
	assert_int_equal(caprop_getcert_map(0xffffffffu, &m), HR_E_INVALIDARG);
}

/* ---- the client's decoders (careq -dcom): what the server's encoders wrote ---- */

static void test_request_decode_out(void **state)
{
	static const uint8_t fr[] = "a full response", ec[] = { 0x30, 0x03, 1, 2, 3 };
	static const uint8_t dm[] = { 'I', 0, 's', 0, 0, 0 };
	struct wcce_request_response r, back;
	struct ndr_wr w;
	uint8_t *c;

	(void)state;
	memset(&r, 0, sizeof r);
	r.request_id = 42;
	r.disposition = 3;
	r.chain.pb = fr;
	r.chain.cb = sizeof fr;
	r.encoded_cert.pb = ec;
	r.encoded_cert.cb = sizeof ec;
	r.disposition_message.pb = dm;
	r.disposition_message.cb = sizeof dm;
	ndr_wr_init(&w, 65536);
	assert_int_equal(wcce_request_encode(&r, &w), 0);
	assert_int_equal(wcce_request_decode_out(w.buf, w.len, &back, err, sizeof err), 0);
	assert_int_equal(back.request_id, 42);
	assert_int_equal(back.disposition, 3);
	assert_int_equal(back.hr, 0);
	assert_int_equal(back.chain.cb, sizeof fr);
	assert_memory_equal(back.chain.pb, fr, sizeof fr);
	assert_int_equal(back.encoded_cert.cb, sizeof ec);
	assert_memory_equal(back.encoded_cert.pb, ec, sizeof ec);
	assert_int_equal(back.disposition_message.cb, sizeof dm);
	assert_memory_equal(back.disposition_message.pb, dm, sizeof dm);
	/* Every truncation is refused; any octet flipped never crashes. */
	c = malloc(w.len);
	assert_non_null(c);
	for (size_t n = 0; n < w.len - 3; n++) {
		memcpy(c, w.buf, n);
		assert_int_equal(wcce_request_decode_out(c, n, &back, err, sizeof err), -1);
		assert_null(back.chain.pb);
	}
	for (size_t i = 0; i < w.len; i++) {
		memcpy(c, w.buf, w.len);
		c[i] ^= 0xa5;
		if (wcce_request_decode_out(c, w.len, &back, err, sizeof err) == 0)
			assert_true(back.chain.cb + back.encoded_cert.cb +
					    back.disposition_message.cb <= w.len);
	}
	free(c);
	/* A failure: empty blobs and the HRESULT. */
	memset(&r, 0, sizeof r);
	r.hr = 0x80094004u;
	ndr_wr_reset(&w);
	assert_int_equal(wcce_request_encode(&r, &w), 0);
	assert_int_equal(wcce_request_decode_out(w.buf, w.len, &back, err, sizeof err), 0);
	assert_int_equal(back.hr, 0x80094004u);
	assert_int_equal(back.chain.cb, 0);
	ndr_wr_free(&w);
}

static void test_blob_decode_out(void **state)
{
	static const uint8_t der[] = { 0x30, 0x02, 0x05, 0x00 };
	struct rpc_icpr_blob b = { .pb = der, .cb = sizeof der }, back;
	struct ndr_wr w;
	uint32_t hr;

	(void)state;
	ndr_wr_init(&w, 4096);
	assert_int_equal(wcce_blob_encode(&b, 0, &w), 0);
	assert_int_equal(wcce_blob_decode_out(w.buf, w.len, &back, &hr, err, sizeof err), 0);
	assert_int_equal(hr, 0);
	assert_int_equal(back.cb, sizeof der);
	assert_memory_equal(back.pb, der, sizeof der);
	for (size_t n = 0; n < w.len - 3; n++)
		assert_int_equal(wcce_blob_decode_out(w.buf, n, &back, &hr, err, sizeof err), -1);
	/* cb larger than what follows */
	w.buf[8] = 0x40;
	assert_int_equal(wcce_blob_decode_out(w.buf, w.len, &back, &hr, err, sizeof err), -1);
	memset(&b, 0, sizeof b);
	ndr_wr_reset(&w);
	assert_int_equal(wcce_blob_encode(&b, 0x80070057u, &w), 0);
	assert_int_equal(wcce_blob_decode_out(w.buf, w.len, &back, &hr, err, sizeof err), 0);
	assert_int_equal(hr, 0x80070057u);
	assert_int_equal(back.cb, 0);
	ndr_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_impacket),
		cmocka_unit_test(test_request_decode_out),
		cmocka_unit_test(test_blob_decode_out),
		cmocka_unit_test(test_request2_impacket),
		cmocka_unit_test(test_string_bounds),
		cmocka_unit_test(test_other_methods_impacket),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_bad_counts),
		cmocka_unit_test(test_requests_reencode),
		cmocka_unit_test(test_opnums),
		cmocka_unit_test(test_request_response_impacket),
		cmocka_unit_test(test_small_responses_impacket),
		cmocka_unit_test(test_caprop_table),
		cmocka_unit_test(test_caprop_check),
		cmocka_unit_test(test_caprop_info_impacket),
		cmocka_unit_test(test_caprop_values),
		cmocka_unit_test(test_caprop_getcert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
