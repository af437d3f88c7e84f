/* Unit tests of what careq says about a CA's answer (firmware/client/report.c),
 * in-process (issue 20). What must hold: every HRESULT careq names is named
 * (0x80070070 ERROR_DISK_FULL included) and others are printed bare; the usual
 * refusals carry their hint; the disposition message, which comes from the
 * network, becomes printable UTF-8 whatever it is (unterminated, odd-length,
 * not UTF-16, too long, full of control characters); and each outcome prints
 * its exact line on the right stream with its exit status. Expected texts and
 * values are written out here, not taken from the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "firmware/client/client.h"
#include "tests/unit/support/x509_oracle.h"

#define DISK_FULL_HINT                                                                     \
	": the CA's journal is short of disk space and takes no new requests until an "    \
	"operator frees some; nothing was recorded, try again later"

/* ---- names and hints ---- */

static void test_known_hresults(void **state)
{
	static const struct {
		uint32_t hr;
		const char *name;
	} known[] = {
		{0x80004005u, "E_FAIL"},
		{0x8000ffffu, "E_UNEXPECTED"},
		{0x80070005u, "E_ACCESSDENIED"},
		{0x8007000eu, "E_OUTOFMEMORY"},
		{0x80070070u, "ERROR_DISK_FULL"},
		{0x80070057u, "E_INVALIDARG"},
		{0x80090006u, "NTE_BAD_SIGNATURE"},
		{0x80091004u, "CRYPT_E_INVALID_MSG_TYPE"},
		{0x80094001u, "CERTSRV_E_BAD_REQUESTSUBJECT"},
		{0x80094004u, "CERTSRV_E_PROPERTY_EMPTY"},
		{0x80094011u, "CERTSRV_E_ENROLL_DENIED"},
		{0x80094012u, "CERTSRV_E_TEMPLATE_DENIED"},
		{0x80094014u, "CERTSRV_E_ADMIN_DENIED_REQUEST"},
		{0x80094800u, "CERTSRV_E_UNSUPPORTED_CERT_TYPE"},
		{0x80094801u, "CERTSRV_E_NO_CERT_TYPE"},
		{0x80094803u, "CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED"},
		{0x80094807u, "CERTSRV_E_BAD_TEMPLATE_VERSION"},
		{0x80094811u, "CERTSRV_E_KEY_LENGTH"},
		/* issue 16: CMS requests */
		{0x8009400eu, "CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE"},
		{0x80094806u, "CERTSRV_E_BAD_RENEWAL_SUBJECT"},
		{0x80094809u, "CERTSRV_E_SIGNATURE_POLICY_REQUIRED"},
		{0x8009480au, "CERTSRV_E_SIGNATURE_COUNT"},
		{0x80092010u, "CRYPT_E_REVOKED"},
		{0x800b0101u, "CERT_E_EXPIRED"},
		{0x800b0109u, "CERT_E_UNTRUSTEDROOT"},
	};
	char text[64], want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		assert_non_null(hresult_name(known[i].hr));
		assert_string_equal(hresult_name(known[i].hr), known[i].name);
		hresult_text(known[i].hr, text, sizeof(text));
		snprintf(want, sizeof(want), "0x%08x (%s)", known[i].hr, known[i].name);
		assert_string_equal(text, want);
	}
	hresult_text(0x80070070u, text, sizeof(text));
	assert_string_equal(text, "0x80070070 (ERROR_DISK_FULL)");
}

static void test_unknown_hresults(void **state)
{
	const uint32_t unknown[] = {0, 1, 0x80004001u /* E_NOTIMPL */, 0x80090020u /* NTE_FAIL */,
				    0x80070071u, 0xffffffffu};
	char text[64];

	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_null(hresult_name(unknown[i]));
	hresult_text(0x80004001u, text, sizeof(text));
	assert_string_equal(text, "0x80004001");
	hresult_text(0, text, sizeof(text));
	assert_string_equal(text, "0x00000000");
	hresult_text(0x80070070u, text, 12); /* cut to the buffer, terminated */
	assert_string_equal(text, "0x80070070 ");
}

static void test_status_hints(void **state)
{
	(void)state;
	assert_string_equal(report_status_hint(0x80070057u),
			    ": the CA name is not this CA's, or the request or attributes are "
			    "malformed");
	assert_string_equal(report_status_hint(0x80070005u),
			    ": the CA refuses calls without packet privacy (unauthenticated "
			    "enrollment is disabled there)");
	assert_string_equal(report_status_hint(0x80070070u), DISK_FULL_HINT);
	assert_string_equal(report_status_hint(0x80004005u), "");
	assert_string_equal(report_status_hint(0x80094011u), "");
	assert_string_equal(report_status_hint(0), "");
}

/* ---- the disposition message ---- */

static char *message(const void *pb, uint32_t cb)
{
	struct rpc_icpr_blob b = {.pb = (const uint8_t *)pb, .cb = cb};
	char *s = report_message_text(&b);

	assert_non_null(s);
	return s;
}

static void message_is(const void *pb, uint32_t cb, const char *want)
{
	char *s = message(pb, cb);

	assert_string_equal(s, want);
	free(s);
}

static void test_message_plain(void **state)
{
	(void)state;
	message_is(NULL, 0, "");
	message_is("\0\0", 2, "");
	message_is("O\0K\0\0\0", 6, "OK");
	/* up to the first NUL unit: what follows is not shown */
	message_is("A\0\0\0B\0\0\0", 8, "A");
	/* non-ASCII: e-acute (U+00E9), the euro sign (U+20AC), U+1F600 as a pair */
	message_is("\xe9\0\xac\x20\x3d\xd8\x00\xde\0\0", 10, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

static void test_message_unterminated_and_odd(void **state)
{
	(void)state;
	/* no NUL unit: all of it */
	message_is("H\0i\0", 4, "Hi");
	/* an odd length: the last octet is dropped, with or without a NUL unit */
	message_is("H\0i\0!", 5, "Hi");
	message_is("H\0\0\0!", 5, "H");
	message_is("!", 1, "");
	/* the NUL must be a whole unit: octets 1..2 are "\0B"'s halves, U+4200 */
	message_is("A\0\0B\0\0", 6, "A\xe4\x88\x80");
}

static void test_message_control_characters(void **state)
{
	(void)state;
	/* ESC, newline, tab and DEL: each control character as '?' (no terminal
	 * escape from the CA's text) */
	message_is("\x1b\0[\0\x32\0J\0\n\0\t\0\x7f\0z\0\0\0", 18, "?[2J???z");
	/* C1 controls (U+0080..U+009F; U+009B is a CSI) are two UTF-8 octets, each
	 * above 0x7f: one '?' each; U+00A0 is not a control and stays */
	message_is("\x85\0\x9b\0""2\0J\0\xa0\0\0\0", 12, "??2J\xc2\xa0");
}

static void test_message_not_utf16(void **state)
{
	(void)state;
	/* a lone high surrogate: the placeholder when it fits (8 units or more) */
	message_is("a\0b\0c\0d\0e\0f\0g\0\x00\xd8\0\0", 18, "(unreadable message)");
	/* a short one gets "?" (7 units hold 22 octets: too few for the placeholder) */
	message_is("a\0b\0c\0d\0e\0f\0\x00\xd8\0\0", 16, "?");
	message_is("\x00\xdc\0\0", 4, "?"); /* a lone low surrogate */
}

static void test_message_cut(void **state)
{
	size_t units = REPORT_MESSAGE_MAX_UNITS + 10;
	uint8_t *p = calloc(units + 1, 2);
	char *s;

	(void)state;
	assert_int_equal(REPORT_MESSAGE_MAX_UNITS, 4096);
	assert_non_null(p);
	for (size_t i = 0; i < units; i++)
		p[2 * i] = (uint8_t)('a' + i % 26);
	s = message(p, (uint32_t)(units + 1) * 2);
	assert_int_equal(strlen(s), 4096);
	assert_int_equal(s[0], 'a');
	assert_int_equal(s[4095], 'a' + 4095 % 26);
	free(s);
	/* unterminated and long: cut the same way */
	s = message(p, (uint32_t)units * 2);
	assert_int_equal(strlen(s), 4096);
	free(s);
	/* a pair cut in half at the limit is not UTF-16 any more */
	p[2 * 4095] = 0x3d;
	p[2 * 4095 + 1] = 0xd8;
	p[2 * 4096] = 0x00;
	p[2 * 4096 + 1] = 0xde;
	s = message(p, (uint32_t)(units + 1) * 2);
	assert_string_equal(s, "(unreadable message)");
	free(s);
	free(p);
}

/* ---- outcomes ---- */

struct said {
	char *out, *err;
	int rc;
};

static const uint8_t msg16[] = {'N', 0, 'o', 0, 'p', 0, 'e', 0, 0, 0};

static void outcome(struct said *s, uint32_t status, uint32_t disposition, uint32_t id,
		    uint32_t expect_id, const char *certout)
{
	struct rpc_icpr_response r;
	size_t olen, elen;
	FILE *out = open_memstream(&s->out, &olen), *err = open_memstream(&s->err, &elen);

	assert_non_null(out);
	assert_non_null(err);
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.disposition = disposition;
	r.request_id = id;
	r.disposition_message.pb = msg16;
	r.disposition_message.cb = sizeof(msg16);
	s->rc = report_outcome(&r, expect_id, certout, out, err);
	fclose(out);
	fclose(err);
}

/* One outcome: its status and what each stream got. */
static void said(uint32_t status, uint32_t disposition, uint32_t id, uint32_t expect_id,
		 int rc, const char *out, const char *err)
{
	struct said s;

	outcome(&s, status, disposition, id, expect_id, "/nonexistent/cert.pem");
	assert_int_equal(s.rc, rc);
	assert_string_equal(s.out, out);
	assert_string_equal(s.err, err);
	free(s.out);
	free(s.err);
}

static void test_refused_calls(void **state)
{
	(void)state;
	said(0x80070070u, 0, 0, 0, 2, "",
	     "careq: the CA refused the call: 0x80070070 (ERROR_DISK_FULL)" DISK_FULL_HINT "\n");
	said(0x80070057u, 0, 0, 0, 2, "",
	     "careq: the CA refused the call: 0x80070057 (E_INVALIDARG): the CA name is not this "
	     "CA's, or the request or attributes are malformed\n");
	said(0x80070005u, 0, 0, 9, 2, "",
	     "careq: the CA refused the call: 0x80070005 (E_ACCESSDENIED): the CA refuses calls "
	     "without packet privacy (unauthenticated enrollment is disabled there)\n");
	said(0x80004001u, 3, 1, 0, 2, "", "careq: the CA refused the call: 0x80004001\n");
	said(0x80004005u, 3, 1, 0, 2, "", "careq: the CA refused the call: 0x80004005 (E_FAIL)\n");
}

static void test_dispositions(void **state)
{
	(void)state;
	said(0, 2, 7, 0, 2, "denied: request id 7: disposition 2 (denied): Nope\n", "");
	said(0, 6, 7, 7, 2, "revoked: request id 7: Nope\n", "");
	said(0, 0, 7, 0, 2, "failed: request id 7: disposition 0: Nope\n", "");
	said(0, 1, 7, 0, 2, "failed: request id 7: disposition 1: Nope\n", "");
	said(0, 4, 7, 0, 2, "failed: request id 7: disposition 4: Nope\n", "");
	said(0, 5, 7, 0, 3, "pending: request id 7 (Nope)\n", "");
	said(0, 9, 7, 0, 1, "", "careq: unknown disposition 9\n");
	said(0, 0x7fffffffu, 7, 0, 1, "", "careq: unknown disposition 2147483647\n");
	/* an HRESULT as the disposition: "denied" for the *DENIED* ones */
	said(0, 0x80094011u, 7, 0, 2,
	     "denied: request id 7: 0x80094011 (CERTSRV_E_ENROLL_DENIED): Nope\n", "");
	said(0, 0x80094014u, 7, 7, 2,
	     "denied: request id 7: 0x80094014 (CERTSRV_E_ADMIN_DENIED_REQUEST): Nope\n", "");
	said(0, 0x80070070u, 7, 0, 2, "failed: request id 7: 0x80070070 (ERROR_DISK_FULL): Nope\n",
	     "");
	said(0, 0x80094004u, 4242, 4242, 2,
	     "failed: request id 4242: 0x80094004 (CERTSRV_E_PROPERTY_EMPTY): Nope\n", "");
	said(0, 0x80001234u, 7, 0, 2, "failed: request id 7: 0x80001234: Nope\n", "");
}

static void test_pending_without_message(void **state)
{
	struct rpc_icpr_response r;
	size_t olen, elen;
	char *o, *e;
	FILE *out, *err;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.disposition = 5;
	r.request_id = 1;
	assert_non_null(out = open_memstream(&o, &olen));
	assert_non_null(err = open_memstream(&e, &elen));
	assert_int_equal(report_outcome(&r, 0, "/nonexistent/c", out, err), 3);
	fclose(out);
	fclose(err);
	assert_string_equal(o, "pending: request id 1 (Taken Under Submission)\n");
	assert_string_equal(e, "");
	free(o);
	free(e);
}

/* The id answered must be the id asked; a new request issued or pending must
 * have one. */
static void test_request_ids(void **state)
{
	(void)state;
	said(0, 5, 6, 5, 1, "", "careq: the CA answered for request id 6\n");
	said(0, 2, 0, 5, 1, "", "careq: the CA answered for request id 0\n");
	said(0, 3, 0, 0, 1, "", "careq: the CA answered for request id 0\n");
	said(0, 5, 0, 0, 1, "", "careq: the CA answered for request id 0\n");
	/* a denial of a new request without an id is still reported */
	said(0, 2, 0, 0, 2, "denied: request id 0: disposition 2 (denied): Nope\n", "");
}

static void issued(struct said *s, const uint8_t *cert, uint32_t len, const char *certout)
{
	struct rpc_icpr_response r;
	size_t olen, elen;
	FILE *out = open_memstream(&s->out, &olen), *err = open_memstream(&s->err, &elen);

	assert_non_null(out);
	assert_non_null(err);
	memset(&r, 0, sizeof(r));
	r.disposition = 3;
	r.request_id = 12;
	r.encoded_cert.pb = cert;
	r.encoded_cert.cb = len;
	s->rc = report_outcome(&r, 0, certout, out, err);
	fclose(out);
	fclose(err);
}

static void test_issued(void **state)
{
	const char *certout = oracle_path("issued.pem"), *der = oracle_path("c.der");
	struct x509_buf cert = {0}, pem = {0};
	char *output = NULL, want[512];
	struct stat st;
	struct said s;

	(void)state;
	issued(&s, NULL, 0, certout);
	assert_int_equal(s.rc, 1);
	assert_string_equal(s.err, "careq: the CA says issued but sent no certificate\n");
	assert_string_equal(s.out, "");
	free(s.out);
	free(s.err);

	issued(&s, (const uint8_t *)"\x30\x03\x02\x01\x01", 5, certout);
	assert_int_equal(s.rc, 1);
	assert_int_equal(strncmp(s.err, "careq: the issued certificate does not decode: ", 47), 0);
	assert_int_equal(stat(certout, &st), -1);
	free(s.out);
	free(s.err);

	/* a real certificate (openssl as the oracle): PEM in CERTOUT, the id on stdout */
	assert_int_equal(oracle_run(&output,
				    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
				    "-nodes -keyout %s -subj /CN=issued -days 1 -outform DER -out %s",
				    oracle_path("c.key"), der),
			 0);
	free(output);
	assert_int_equal(oracle_read(der, &cert), 0);
	issued(&s, cert.data, (uint32_t)cert.len, certout);
	assert_int_equal(s.rc, 0);
	assert_string_equal(s.out, "issued: request id 12\n");
	assert_string_equal(s.err, "");
	free(s.out);
	free(s.err);
	assert_int_equal(oracle_run(&output, "openssl x509 -in %s -noout -subject", certout), 0);
	assert_string_equal(output, "subject=CN = issued\n");
	free(output);
	assert_int_equal(oracle_read(certout, &pem), 0);
	assert_int_equal(strncmp((char *)pem.data, "-----BEGIN CERTIFICATE-----\n", 28), 0);
	x509_buf_free(&pem);

	/* CERTOUT that cannot be written: a local error */
	issued(&s, cert.data, (uint32_t)cert.len, "/nonexistent/dir/c.pem");
	assert_int_equal(s.rc, 4);
	snprintf(want, sizeof(want), "careq: cannot write %s: No such file or directory\n",
		 "/nonexistent/dir/c.pem");
	assert_string_equal(s.err, want);
	assert_string_equal(s.out, "");
	free(s.out);
	free(s.err);
	x509_buf_free(&cert);
}

static int teardown(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_hresults),
		cmocka_unit_test(test_unknown_hresults),
		cmocka_unit_test(test_status_hints),
		cmocka_unit_test(test_message_plain),
		cmocka_unit_test(test_message_unterminated_and_odd),
		cmocka_unit_test(test_message_control_characters),
		cmocka_unit_test(test_message_not_utf16),
		cmocka_unit_test(test_message_cut),
		cmocka_unit_test(test_refused_calls),
		cmocka_unit_test(test_dispositions),
		cmocka_unit_test(test_pending_without_message),
		cmocka_unit_test(test_request_ids),
		cmocka_unit_test(test_issued),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
