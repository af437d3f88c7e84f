/* PKCS#10: the CA's own request (built, signed in software, checked by
 * openssl) and verification of requests made by openssl, including ones with
 * attributes wolfSSL's parser refuses (Windows-style). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/x509/x509.h"
#include "tests/unit/support/x509_oracle.h"

static char err[256];

static void build_csr(const char *kind, int is_ca, struct x509_buf *csr, struct x509_buf *subject,
		      struct x509_buf *spki)
{
	struct x509_buf info, sig;
	enum x509_key_type type;
	unsigned bits;
	enum x509_sigalg alg;

	assert_int_equal(oracle_genkey(kind, "csrkey", spki), 0);
	assert_int_equal(x509_spki_key(spki->data, spki->len, &type, &bits), 0);
	alg = x509_sigalg_for_key(type, bits);
	assert_int_equal(x509_name_parse("CN=Sub CA,O=Example,C=US", subject, err, sizeof err), 0);
	if (x509_csr_info_encode(subject, spki, is_ca, &info, err, sizeof err) != 0)
		fail_msg("info: %s", err);
	assert_int_equal(oracle_sign("csrkey", alg, info.data, info.len, &sig), 0);
	assert_int_equal(x509_csr_assemble(&info, alg, sig.data, sig.len, csr), 0);
	x509_buf_free(&info);
	x509_buf_free(&sig);
}

static void check_own_csr(const char *kind, int is_ca)
{
	struct x509_buf csr, subject, spki, s2, k2;
	const char *f = oracle_path("own.csr");
	char *out = NULL;

	build_csr(kind, is_ca, &csr, &subject, &spki);
	assert_int_equal(oracle_write_pem(f, "CERTIFICATE REQUEST", &csr), 0);
	if (oracle_run(&out, "openssl req -verify -noout -in '%s'", f) != 0 ||
	    strstr(out, "verify OK") == NULL)
		fail_msg("openssl req -verify: %s", out);
	free(out);
	assert_int_equal(oracle_run(&out, "openssl req -text -noout -in '%s'", f), 0);
	if (strstr(out, "Subject: C = US, O = Example, CN = Sub CA") == NULL ||
	    (is_ca && (strstr(out, "X509v3 Basic Constraints: critical") == NULL ||
		       strstr(out, "CA:TRUE") == NULL ||
		       strstr(out, "Certificate Sign, CRL Sign") == NULL)) ||
	    (!is_ca && strstr(out, "Basic Constraints") != NULL))
		fail_msg("openssl req -text:\n%s", out);
	free(out);
	if (x509_csr_verify(csr.data, csr.len, &s2, &k2, err, sizeof err) != 0)
		fail_msg("x509_csr_verify: %s", err);
	assert_int_equal(s2.len, subject.len);
	assert_memory_equal(s2.data, subject.data, subject.len);
	assert_int_equal(k2.len, spki.len);
	assert_memory_equal(k2.data, spki.data, spki.len);
	x509_buf_free(&s2);
	x509_buf_free(&k2);
	x509_buf_free(&csr);
	x509_buf_free(&subject);
	x509_buf_free(&spki);
}

static void test_own_csr_rsa_ca(void **state)
{
	(void)state;
	check_own_csr("rsa2048", 1);
}

static void test_own_csr_p384_ca(void **state)
{
	(void)state;
	check_own_csr("p384", 1);
}

static void test_own_csr_p256_not_ca(void **state)
{
	(void)state;
	check_own_csr("p256", 0);
}

/* An openssl-made request; extra adds openssl req options. */
static void openssl_csr(const char *kind, const char *extra, struct x509_buf *der,
			struct x509_buf *spki)
{
	const char *f = oracle_path("osl.csr");
	char *out = NULL;

	assert_int_equal(oracle_genkey(kind, "oslkey", spki), 0);
	if (oracle_run(&out, "openssl req -new -key '%s' %s -outform DER -out '%s'",
		       oracle_path("oslkey.key"), extra, f) != 0)
		fail_msg("openssl req: %s", out);
	free(out);
	assert_int_equal(oracle_read(f, der), 0);
}

static void accept_openssl(const char *kind, const char *extra, const char *dn)
{
	struct x509_buf der, spki, subject, k2, expect;

	openssl_csr(kind, extra, &der, &spki);
	if (x509_csr_verify(der.data, der.len, &subject, &k2, err, sizeof err) != 0)
		fail_msg("x509_csr_verify(%s): %s", kind, err);
	assert_int_equal(x509_name_parse(dn, &expect, err, sizeof err), 0);
	assert_int_equal(subject.len, expect.len);
	assert_memory_equal(subject.data, expect.data, expect.len);
	assert_int_equal(k2.len, spki.len);
	assert_memory_equal(k2.data, spki.data, spki.len);
	/* Subject and SPKI outputs are optional. */
	assert_int_equal(x509_csr_verify(der.data, der.len, NULL, NULL, err, sizeof err), 0);
	x509_buf_free(&der);
	x509_buf_free(&spki);
	x509_buf_free(&subject);
	x509_buf_free(&k2);
	x509_buf_free(&expect);
}

static void test_openssl_rsa(void **state)
{
	(void)state;
	accept_openssl("rsa2048", "-subj '/O=Example/CN=host.example.com'",
		       "CN=host.example.com,O=Example");
	accept_openssl("rsa2048", "-sha512 -subj /CN=sha512", "CN=sha512");
	accept_openssl("rsa2048", "-sha1 -subj /CN=sha1", "CN=sha1");
}

static void test_openssl_ec(void **state)
{
	(void)state;
	accept_openssl("p256", "-subj /CN=ec256", "CN=ec256");
	accept_openssl("p384", "-sha384 -subj /CN=ec384", "CN=ec384");
	accept_openssl("p256", "-sha512 -subj /CN=ec512", "CN=ec512");
}

static void test_unknown_attributes(void **state)
{
	static const char cnf[] = "oid_section = new_oids\n"
				  "[new_oids]\n"
				  "osVersion = 1.3.6.1.4.1.311.13.2.3\n"
				  "[req]\n"
				  "distinguished_name = dn\n"
				  "attributes = attrs\n"
				  "prompt = no\n"
				  "[dn]\n"
				  "CN = win\n"
				  "[attrs]\n"
				  "osVersion = 10.0.19045.2\n"
				  "challengePassword = secret123\n";
	char extra[512];
	struct x509_buf der, spki;

	(void)state;
	assert_int_equal(oracle_write(oracle_path("req.cnf"), cnf, sizeof cnf - 1), 0);
	snprintf(extra, sizeof extra, "-config '%s'", oracle_path("req.cnf"));
	accept_openssl("p256", extra, "CN=win");
	/* The attribute is really there. */
	openssl_csr("rsa2048", extra, &der, &spki);
	static const uint8_t os_oid[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
					 0x82, 0x37, 0x0d, 0x02, 0x03};
	assert_non_null(memmem(der.data, der.len, os_oid, sizeof os_oid));
	assert_int_equal(x509_csr_verify(der.data, der.len, NULL, NULL, err, sizeof err), 0);
	x509_buf_free(&der);
	x509_buf_free(&spki);
}

/* The extensions a request asks for, as openssl writes them (-addext). */
static void test_requested_extensions(void **state)
{
	struct x509_req_ext ext[4];
	struct x509_buf der, spki;
	size_t n = 99;
	/* SAN dNSName host.example: 30 0e 82 0c "host.example" */
	static const uint8_t san[] = {0x30, 0x0e, 0x82, 0x0c, 'h', 'o', 's', 't', '.', 'e',
				      'x', 'a', 'm', 'p', 'l', 'e'};

	(void)state;
	openssl_csr("p256", "-subj /CN=ext -addext subjectAltName=DNS:host.example "
			    "-addext basicConstraints=critical,CA:TRUE", &der, &spki);
	assert_int_equal(x509_csr_requested_extensions(der.data, der.len, ext, 4, &n, err,
						       sizeof err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ext[0].oid, "2.5.29.17");
	assert_int_equal(ext[0].critical, 0);
	assert_int_equal(ext[0].value.len, sizeof(san));
	assert_memory_equal(ext[0].value.data, san, sizeof(san));
	assert_string_equal(ext[1].oid, "2.5.29.19");
	assert_int_equal(ext[1].critical, 1);
	x509_req_exts_free(ext, n);
	/* More than max: refused, nothing returned. */
	assert_int_equal(x509_csr_requested_extensions(der.data, der.len, ext, 1, &n, err,
						       sizeof err), -1);
	assert_int_equal(n, 0);
	x509_buf_free(&der);
	x509_buf_free(&spki);
	/* No extensionRequest: none. */
	openssl_csr("p256", "-subj /CN=plain", &der, &spki);
	assert_int_equal(x509_csr_requested_extensions(der.data, der.len, ext, 4, &n, err,
						       sizeof err), 0);
	assert_int_equal(n, 0);
	/* Garbage: refused. */
	assert_int_equal(x509_csr_requested_extensions(der.data, der.len / 2, ext, 4, &n, err,
						       sizeof err), -1);
	x509_buf_free(&der);
	x509_buf_free(&spki);
}

static void test_rejects(void **state)
{
	struct x509_buf der, spki, subject = {0};
	uint8_t *p;

	(void)state;
	openssl_csr("rsa2048", "-subj /CN=reject", &der, &spki);
	assert_int_equal(x509_csr_verify(der.data, der.len, NULL, NULL, err, sizeof err), 0);
	/* A flipped signature byte (the signature ends the request). */
	der.data[der.len - 5] ^= 0x01;
	assert_int_equal(x509_csr_verify(der.data, der.len, &subject, NULL, err, sizeof err), -1);
	assert_null(subject.data);
	assert_non_null(strstr(err, "signature"));
	der.data[der.len - 5] ^= 0x01;
	/* A flipped subject byte: still decodes, signature fails. */
	p = memmem(der.data, der.len, "reject", 6);
	assert_non_null(p);
	p[0] ^= 0x20;
	assert_int_equal(x509_csr_verify(der.data, der.len, NULL, NULL, err, sizeof err), -1);
	p[0] ^= 0x20;
	/* Truncations and a trailing byte. */
	for (size_t n = 0; n < der.len; n += 7)
		assert_int_equal(x509_csr_verify(der.data, n, NULL, NULL, err, sizeof err), -1);
	uint8_t *longer = malloc(der.len + 1);
	memcpy(longer, der.data, der.len);
	longer[der.len] = 0;
	assert_int_equal(x509_csr_verify(longer, der.len + 1, NULL, NULL, err, sizeof err), -1);
	free(longer);
	x509_buf_free(&der);
	x509_buf_free(&spki);
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
		cmocka_unit_test(test_own_csr_rsa_ca),
		cmocka_unit_test(test_own_csr_p384_ca),
		cmocka_unit_test(test_own_csr_p256_not_ca),
		cmocka_unit_test(test_openssl_rsa),
		cmocka_unit_test(test_openssl_ec),
		cmocka_unit_test(test_unknown_attributes),
		cmocka_unit_test(test_requested_extensions),
		cmocka_unit_test(test_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
