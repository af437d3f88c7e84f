/* x509_name_parse / x509_name_format: RFC 4514 strings to DER and back, with
 * openssl's encoding of the same names as the reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/x509/x509.h"
#include "tests/unit/support/x509_oracle.h"

static char err[256];

static void parse_ok(const char *dn, struct x509_buf *der)
{
	err[0] = 0;
	if (x509_name_parse(dn, der, err, sizeof err) != 0)
		fail_msg("parse '%s': %s", dn, err);
}

static void parse_fails(const char *dn, const char *needle)
{
	struct x509_buf der = {0};

	err[0] = 0;
	if (x509_name_parse(dn, &der, err, sizeof err) != -1)
		fail_msg("'%s' was accepted", dn);
	assert_null(der.data);
	if (strstr(err, needle) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", dn ? dn : "(null)", err, needle);
}

/* The DER subject openssl writes for an openssl-style (most significant
 * first) subject, taken from a CSR it makes. */
static void openssl_subject(const char *subj, int multivalue, struct x509_buf *der)
{
	struct x509_buf spki, csr;
	const char *csrf = oracle_path("name.csr");

	assert_int_equal(oracle_genkey("p256", "namekey", &spki), 0);
	x509_buf_free(&spki);
	assert_int_equal(oracle_run(NULL,
				    "openssl req -new -key '%s' -subj '%s' %s -outform DER -out '%s'",
				    oracle_path("namekey.key"), subj,
				    multivalue ? "-multivalue-rdn" : "", csrf),
			 0);
	assert_int_equal(oracle_read(csrf, &csr), 0);
	assert_int_equal(x509_csr_verify(csr.data, csr.len, der, NULL, err, sizeof err), 0);
	x509_buf_free(&csr);
}

static void test_matches_openssl(void **state)
{
	struct x509_buf ours, theirs;

	(void)state;
	parse_ok("CN=Root CA,OU=PKI,O=Example Corp,L=Paris,ST=IDF,C=FR", &ours);
	openssl_subject("/C=FR/ST=IDF/L=Paris/O=Example Corp/OU=PKI/CN=Root CA", 0, &theirs);
	assert_int_equal(ours.len, theirs.len);
	assert_memory_equal(ours.data, theirs.data, ours.len);
	x509_buf_free(&ours);
	x509_buf_free(&theirs);

	/* DC and emailAddress are IA5String, multi-valued RDN sorted as DER. */
	parse_ok("CN=Alice+UID=alice,E=alice@example.com,DC=example,DC=com", &ours);
	openssl_subject("/DC=com/DC=example/emailAddress=alice@example.com/CN=Alice+UID=alice", 1,
			&theirs);
	assert_int_equal(ours.len, theirs.len);
	assert_memory_equal(ours.data, theirs.data, ours.len);
	x509_buf_free(&ours);
	x509_buf_free(&theirs);
}

static void test_ordering_and_types(void **state)
{
	struct x509_buf der;
	char *out = NULL;

	(void)state;
	parse_ok("CN=Root CA,O=Example,C=US", &der);
	assert_int_equal(oracle_write(oracle_path("n.der"), der.data, der.len), 0);
	assert_int_equal(oracle_run(&out, "openssl asn1parse -inform DER -in '%s'",
				    oracle_path("n.der")),
			 0);
	/* C first (PrintableString), then O, then CN (UTF8String). */
	char *c = strstr(out, "PRINTABLESTRING   :US");
	char *o = strstr(out, "UTF8STRING        :Example");
	char *cn = strstr(out, "UTF8STRING        :Root CA");
	assert_non_null(c);
	assert_non_null(o);
	assert_non_null(cn);
	assert_true(c < o && o < cn);
	free(out);
	x509_buf_free(&der);
}

static void test_escapes(void **state)
{
	struct x509_buf der;
	char *out = NULL;

	(void)state;
	parse_ok("CN=a\\,b\\+c\\\\d\\=e,O=x\\2Cy", &der);
	assert_int_equal(oracle_write(oracle_path("e.der"), der.data, der.len), 0);
	assert_int_equal(oracle_run(&out, "openssl asn1parse -inform DER -in '%s'",
				    oracle_path("e.der")),
			 0);
	assert_non_null(strstr(out, ":a,b+c\\d=e"));
	assert_non_null(strstr(out, ":x,y"));
	free(out);
	x509_buf_free(&der);
}

static void test_multivalued_rdn(void **state)
{
	struct x509_buf der;
	char s[256];

	(void)state;
	parse_ok("CN=Bob+OU=Sales,O=Example", &der);
	assert_int_equal(x509_name_format(der.data, der.len, s, sizeof s), 0);
	/* Within the RDN, DER order: the SET OF is sorted by encoding. */
	assert_string_equal(s, "CN=Bob+OU=Sales,O=Example");
	/* Two RDNs (O, then one with two values): SEQUENCE of two SETs. */
	assert_int_equal(der.data[0], 0x30);
	x509_buf_free(&der);
}

static void test_round_trip(void **state)
{
	static const char *const names[] = {
		"CN=Root CA,O=Example,C=US",
		"CN=a\\,b\\+c\\\\d\\=e,OU=x\\;y,O=Ex\\\"ample",
		"CN=\\ leading and trailing\\ ,O=\\#hash",
		"CN=Jos\xc3\xa9 M\xc3\xbcller,L=Z\xc3\xbcrich,C=CH",
		"E=ca@example.com,DC=example,DC=com",
		"SERIALNUMBER=1234,UID=u1,ST=Bavaria",
		"2.5.4.4=Smith,CN=John",
		"CN=Bob+OU=Sales,O=Example",
	};
	struct x509_buf der, der2;
	char s[512];

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		parse_ok(names[i], &der);
		assert_int_equal(x509_name_format(der.data, der.len, s, sizeof s), 0);
		/* SN=... has no keyword here: formatted back as the OID. */
		assert_string_equal(s, names[i]);
		parse_ok(s, &der2);
		assert_int_equal(der.len, der2.len);
		assert_memory_equal(der.data, der2.data, der.len);
		x509_buf_free(&der);
		x509_buf_free(&der2);
	}
}

static void test_lenient_spacing_and_case(void **state)
{
	struct x509_buf a, b;

	(void)state;
	parse_ok("CN=Root CA,O=Example,C=US", &a);
	parse_ok("cn=Root CA, o = Example , c=US", &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	x509_buf_free(&a);
	x509_buf_free(&b);
}

static void test_refusals(void **state)
{
	char longcn[100];

	(void)state;
	parse_fails("", "empty");
	parse_fails(NULL, "empty");
	parse_fails("CN=", "empty value");
	parse_fails("CN=x,,O=y", "attribute without '='");
	parse_fails("C=USA", "C must be a 2-letter");
	parse_fails("C=U", "C must be a 2-letter");
	parse_fails("C=1A", "C must be a 2-letter");
	parse_fails("FOO=bar", "unknown attribute type 'FOO'");
	parse_fails("1=bar,CN=x", "unknown attribute type");
	parse_fails("3.1=bar", "unknown attribute type");
	parse_fails("CN", "without '='");
	parse_fails("=x", "empty attribute type");
	parse_fails("CN=a\\qb", "bad escape");
	parse_fails("CN=a\\00b", "NUL");
	parse_fails("CN=#0403", "hex-encoded");
	parse_fails("E=caf\xc3\xa9@x", "IA5String");
	parse_fails("CN=\xff\xfe", "UTF-8");
	memset(longcn, 'a', sizeof longcn);
	memcpy(longcn, "CN=", 3);
	longcn[3 + 65] = 0;
	parse_fails(longcn, "longer than 64");
	longcn[3 + 64] = 0;
	struct x509_buf ok;
	parse_ok(longcn, &ok);
	x509_buf_free(&ok);
}

static void test_format_errors(void **state)
{
	struct x509_buf der;
	char s[8];
	static const uint8_t junk[] = {0x30, 0x03, 0x31, 0x01, 0x00};

	(void)state;
	parse_ok("CN=Root CA,O=Example,C=US", &der);
	assert_int_equal(x509_name_format(der.data, der.len, s, sizeof s), -1); /* too small */
	assert_int_equal(x509_name_format(der.data, der.len - 1, s, sizeof s), -1);
	assert_int_equal(x509_name_format(junk, sizeof junk, s, sizeof s), -1);
	x509_buf_free(&der);
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
		cmocka_unit_test(test_ordering_and_types),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_multivalued_rdn),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_lenient_spacing_and_case),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_format_errors),
		cmocka_unit_test(test_matches_openssl),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
