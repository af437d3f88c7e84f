/* Unit tests of the custodian's end-entity profile (firmware/custodian/profile.c,
 * profile_end_entity): the TBSCertificate it builds for a subject and a key
 * (names, key, validity, the serial from the HSM's RNG, key usage, EKU, key
 * identifiers, CDP/AIA pointers), what it refuses, and what it answers when the
 * HSM is away.
 *
 * No mocks: the CA key lives on a real SoftHSM token (tests/unit/support/
 * softhsm_token.c), the CA certificate is made the ceremony's way (profile_root,
 * then issue_sign: encode, lint, sign on the HSM, verify), and each end-entity
 * intent is signed the same way. The oracle is the openssl CLI
 * (tests/unit/support/x509_oracle.c): it parses the signed certificates, prints
 * their extensions, verifies the chain with -x509_strict, and computes the key
 * identifiers from the keys itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "firmware/custodian/issue.h"
#include "firmware/custodian/proto.h"
#include "hsm/hsm.h"
#include "hsm/internal.h"
#include "tests/unit/support/softhsm_token.h"
#include "tests/unit/support/x509_oracle.h"

#define CA_DAYS 3650
#define OID_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define OID_SERVER_AUTH "1.3.6.1.5.5.7.3.1"

static struct softhsm_token tok;
static struct ca ca;
static struct x509_buf ca_name, subject, key_rsa, key_p256, key_p384, key_rsa1024;
static const struct ca_urls urls = {"http://pki.example/ca.crl", "http://pki.example/ca.crt",
				    "http://ocsp.example/"};

/* ---- fixture ---- */

/* The CA's signing key on the token, as ca_load would find it. */
static int ca_key(void)
{
	struct hsm_keyspec spec = {HSM_KEY_EC, 256};
	struct hsm_err herr;
	enum x509_key_type kt;
	unsigned bits;

	if (hsm_generate_key(ca.hsm, HSM_ROLE_SIGN, &spec, "ca-sign", &ca.sign_key, &herr) !=
		    HSM_OK ||
	    hsm_key_spki(ca.hsm, &ca.sign_key, &ca.spki.data, &ca.spki.len, &herr) != HSM_OK) {
		fprintf(stderr, "CA key: %s\n", herr.msg);
		return -1;
	}
	if (x509_spki_key(ca.spki.data, ca.spki.len, &kt, &bits) != 0 ||
	    x509_key_id(ca.spki.data, ca.spki.len, ca.key_id) != 0)
		return -1;
	ca.sigalg = x509_sigalg_for_key(kt, bits);
	return 0;
}

/* The self-signed CA certificate, decoded into ca.cert, and as PEM for openssl. */
static int ca_cert(void)
{
	struct x509_tbs t;
	struct x509_buf cert = {0};
	char err[256];

	if (profile_root(&ca, &ca_name, CA_DAYS, &t, err, sizeof(err)) != 0 ||
	    issue_sign(&ca, &ca.sign_key, &ca.spki, &t, &cert, err, sizeof(err)) != 0) {
		fprintf(stderr, "CA certificate: %s\n", err);
		return -1;
	}
	profile_free(&t);
	if (x509_cert_decode(cert.data, cert.len, &ca.cert, err, sizeof(err)) != 0 ||
	    oracle_write_pem(oracle_path("ca.pem"), "CERTIFICATE", &cert) != 0) {
		x509_buf_free(&cert);
		return -1;
	}
	x509_buf_free(&cert);
	ca.have_cert = 1;
	return 0;
}

static int setup(void **state)
{
	struct hsm_config cfg = {.module_path = SOFTHSM_MODULE, .pool_size = 2,
				 .retry_min_ms = 20, .retry_max_ms = 40, .wait_ms = 2000};
	struct hsm_err herr;
	char err[256];

	(void)state;
	if (softhsm_token_setup(&tok, "profile-test") != 0)
		return -1;
	cfg.token_label = tok.label;
	memset(&ca, 0, sizeof(ca));
	if (hsm_open(&cfg, &tok.user_pin, &ca.hsm, &herr) != HSM_OK) {
		fprintf(stderr, "hsm_open: %s\n", herr.msg);
		return -1;
	}
	if (x509_name_parse("CN=Profile Test CA,O=Example", &ca_name, err, sizeof(err)) != 0 ||
	    x509_name_parse("CN=leaf.example,O=Example", &subject, err, sizeof(err)) != 0)
		return -1;
	if (oracle_genkey("rsa2048", "rsa", &key_rsa) != 0 ||
	    oracle_genkey("p256", "p256", &key_p256) != 0 ||
	    oracle_genkey("p384", "p384", &key_p384) != 0 ||
	    oracle_genkey("rsa1024", "rsa1024", &key_rsa1024) != 0)
		return -1;
	return ca_key() == 0 && ca_cert() == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ca_close(&ca);
	x509_buf_free(&ca_name);
	x509_buf_free(&subject);
	x509_buf_free(&key_rsa);
	x509_buf_free(&key_p256);
	x509_buf_free(&key_p384);
	x509_buf_free(&key_rsa1024);
	oracle_cleanup();
	softhsm_token_teardown(&tok);
	return 0;
}

/* ---- helpers ---- */

static int same_buf(const struct x509_buf *a, const struct x509_buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* profile_end_entity that must succeed, with the clock read around it. */
static void build(unsigned profile, const struct x509_buf *spki, unsigned days,
		  const struct ca_urls *u, struct x509_tbs *t, time_t *before, time_t *after)
{
	char err[256] = "";
	int rc;

	*before = time(NULL);
	rc = profile_end_entity(&ca, profile, &subject, spki, days, u, t, err, sizeof(err));
	*after = time(NULL);
	if (rc != 0)
		fail_msg("profile_end_entity: %d %s", rc, err);
}

/* issue_sign (encode, lint, sign on the HSM, verify) that must succeed. */
static void sign(const struct x509_tbs *t, struct x509_buf *cert)
{
	char err[256] = "";

	if (issue_sign(&ca, &ca.sign_key, &ca.spki, t, cert, err, sizeof(err)) != 0)
		fail_msg("issue_sign: %s", err);
}

/* openssl's text of the certificate (PEM at name), malloc()ed. */
static char *openssl_text(const char *name)
{
	char *out = NULL;

	assert_int_equal(oracle_run(&out, "openssl x509 -noout -text -in '%s'",
				    oracle_path(name)), 0);
	assert_non_null(out);
	return out;
}

static void contains(const char *text, const char *needle)
{
	if (strstr(text, needle) == NULL)
		fail_msg("expected '%s' in:\n%s", needle, text);
}

static void lacks(const char *text, const char *needle)
{
	if (strstr(text, needle) != NULL)
		fail_msg("did not expect '%s' in:\n%s", needle, text);
}

/* "AB:CD:..." of n bytes. */
static void colon_hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", b[i], i + 1 < n ? ":" : "");
}

/* The RFC 5280 method-1 key identifier, computed by openssl from the
 * subjectPublicKey bits (the last key_bytes bytes of the DER SPKI), as
 * "AB:CD:..." for comparing with openssl's own printing. */
static void openssl_key_id(const struct x509_buf *spki, size_t key_bytes, char *out)
{
	char *dgst = NULL;
	uint8_t id[20];

	assert_true(spki->len > key_bytes);
	assert_int_equal(oracle_write(oracle_path("key.bits"), spki->data + spki->len - key_bytes,
				      key_bytes), 0);
	assert_int_equal(oracle_run(&dgst, "openssl dgst -sha1 -r '%s'",
				    oracle_path("key.bits")), 0);
	for (int i = 0; i < 20; i++) {
		unsigned v;

		assert_int_equal(sscanf(dgst + 2 * i, "%2x", &v), 1);
		id[i] = (uint8_t)v;
	}
	free(dgst);
	colon_hex(id, 20, out);
}

/* What every end-entity intent says whatever the profile and key. */
static void check_common(const struct x509_tbs *t, const struct x509_buf *spki, unsigned days,
			 time_t before, time_t after)
{
	/* Names and key: copies of the inputs, the CA's subject as issuer. */
	assert_true(same_buf(&t->issuer, &ca.cert.subject));
	assert_true(same_buf(&t->subject, &subject));
	assert_true(same_buf(&t->spki, spki));
	assert_ptr_not_equal(t->subject.data, subject.data);
	assert_ptr_not_equal(t->spki.data, spki->data);
	assert_int_equal(t->sigalg, ca.sigalg);
	/* Serial: 16 bytes from the HSM, positive, its second bit set so the DER
	 * INTEGER is always 16 bytes. */
	assert_int_equal(t->serial_len, X509_SERIAL_LEN);
	assert_int_equal(t->serial[0] & 0xc0, 0x40);
	/* Validity: backdated by the clock skew, days long from now. */
	assert_true(t->not_before >= before - ISSUE_CLOCK_SKEW);
	assert_true(t->not_before <= after - ISSUE_CLOCK_SKEW);
	assert_int_equal(t->not_after - t->not_before, (time_t)days * 86400 + ISSUE_CLOCK_SKEW);
	/* An end entity: no BasicConstraints, not a CA. */
	assert_int_equal(t->basic_constraints, 0);
	assert_int_equal(t->is_ca, 0);
	assert_int_equal(t->path_len, -1);
	/* Key identifiers: SKI from the key, AKI the CA's. */
	assert_int_equal(t->ski, 1);
	assert_int_equal(t->has_aki, 1);
	assert_memory_equal(t->aki, ca.key_id, 20);
	assert_int_equal(t->n_eku, 1);
	assert_null(t->eku[1]);
	assert_null(t->extra);
	assert_int_equal(t->n_extra, 0);
}

/* Signs t, and has openssl check the certificate: the chain verifies strictly,
 * the serial is t's, and the text carries each of the needles. Returns the
 * text (malloc()ed) for more checks. */
static char *sign_and_parse(const struct x509_tbs *t, const char *name)
{
	struct x509_buf cert = {0};
	char *out = NULL, serial[64] = "serial=";
	char *text;

	sign(t, &cert);
	assert_int_equal(oracle_write_pem(oracle_path(name), "CERTIFICATE", &cert), 0);
	x509_buf_free(&cert);
	assert_int_equal(oracle_run(&out, "openssl verify -x509_strict -CAfile '%s' '%s'",
				    oracle_path("ca.pem"), oracle_path(name)), 0);
	contains(out, ": OK");
	free(out);
	assert_int_equal(oracle_run(&out, "openssl x509 -noout -serial -in '%s'",
				    oracle_path(name)), 0);
	for (size_t i = 0; i < t->serial_len; i++)
		sprintf(serial + 7 + 2 * i, "%02X", t->serial[i]);
	contains(out, serial);
	free(out);
	text = openssl_text(name);
	/* RFC 4514 order in, openssl prints most significant first. */
	contains(text, "Issuer: O = Example, CN = Profile Test CA\n");
	contains(text, "Subject: O = Example, CN = leaf.example\n");
	return text;
}

/* The SKI and AKI openssl prints are what openssl computes from the keys. */
static void check_key_ids(const char *text, const struct x509_buf *spki, size_t key_bytes)
{
	char want[80], line[128];

	openssl_key_id(spki, key_bytes, want);
	snprintf(line, sizeof(line), "X509v3 Subject Key Identifier: \n                %s", want);
	contains(text, line);
	openssl_key_id(&ca.spki, 65, want);
	contains(text, want); /* in the AKI (openssl 3.0: bare, or keyid:) */
	snprintf(line, sizeof(line), "X509v3 Authority Key Identifier: \n                %s", want);
	if (strstr(text, line) == NULL) {
		snprintf(line, sizeof(line), "X509v3 Authority Key Identifier: \n                "
			 "keyid:%s", want);
		contains(text, line);
	}
}

static void check_pointers(const char *text)
{
	contains(text, "X509v3 CRL Distribution Points: \n                Full Name:\n"
		       "                  URI:http://pki.example/ca.crl");
	contains(text, "CA Issuers - URI:http://pki.example/ca.crt");
	contains(text, "OCSP - URI:http://ocsp.example/");
}

/* ---- good paths ---- */

static void client_profile_with_an_ec_key(void **state)
{
	struct x509_tbs t;
	time_t before, after;
	char *text;

	(void)state;
	build(CUST_PROFILE_CLIENT, &key_p256, 365, &urls, &t, &before, &after);
	check_common(&t, &key_p256, 365, before, after);
	/* An EC key cannot encipher keys: digitalSignature only. */
	assert_int_equal(t.key_usage, X509_KU_DIGITAL_SIGNATURE);
	assert_string_equal(t.eku[0], OID_CLIENT_AUTH);
	/* The pointers are the caller's strings, not copies. */
	assert_ptr_equal(t.cdp_url, urls.cdp);
	assert_ptr_equal(t.aia_ca_issuers_url, urls.aia);
	assert_ptr_equal(t.aia_ocsp_url, urls.ocsp);

	text = sign_and_parse(&t, "client-ec.pem");
	contains(text, "X509v3 Key Usage: critical\n                Digital Signature\n");
	contains(text, "X509v3 Extended Key Usage: \n                TLS Web Client Authentication\n");
	lacks(text, "Basic Constraints");
	check_key_ids(text, &key_p256, 65);
	check_pointers(text);
	free(text);
	profile_free(&t);
}

static void server_profile_with_an_rsa_key(void **state)
{
	struct x509_tbs t;
	time_t before, after;
	char *text;

	(void)state;
	build(CUST_PROFILE_SERVER, &key_rsa, 730, &urls, &t, &before, &after);
	check_common(&t, &key_rsa, 730, before, after);
	assert_int_equal(t.key_usage, X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT);
	assert_string_equal(t.eku[0], OID_SERVER_AUTH);

	text = sign_and_parse(&t, "server-rsa.pem");
	contains(text, "X509v3 Key Usage: critical\n                Digital Signature, Key "
		       "Encipherment\n");
	contains(text, "X509v3 Extended Key Usage: \n                TLS Web Server Authentication\n");
	contains(text, "Public-Key: (2048 bit)");
	/* RSA-2048's subjectPublicKey: 270 bytes after the unused-bits octet. */
	check_key_ids(text, &key_rsa, 270);
	check_pointers(text);
	free(text);
	profile_free(&t);
}

static void client_profile_with_a_p384_key_and_rsa_for_client(void **state)
{
	struct x509_tbs t;
	time_t before, after;
	char *text;

	(void)state;
	build(CUST_PROFILE_CLIENT, &key_p384, 1, &urls, &t, &before, &after);
	check_common(&t, &key_p384, 1, before, after);
	assert_int_equal(t.key_usage, X509_KU_DIGITAL_SIGNATURE);
	text = sign_and_parse(&t, "client-p384.pem");
	contains(text, "NIST CURVE: P-384");
	check_key_ids(text, &key_p384, 97);
	free(text);
	profile_free(&t);

	build(CUST_PROFILE_CLIENT, &key_rsa, 1, &urls, &t, &before, &after);
	assert_int_equal(t.key_usage, X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT);
	assert_string_equal(t.eku[0], OID_CLIENT_AUTH);
	profile_free(&t);
}

/* The certificate as the project's own decoder reads it: exactly four
 * extensions besides the pointers, in the encoder's order. */
static void the_extension_inventory(void **state)
{
	static const char *const want[] = {"2.5.29.15", "2.5.29.37", "2.5.29.14", "2.5.29.35",
					   "2.5.29.31", "1.3.6.1.5.5.7.1.1"};
	struct x509_tbs t;
	struct x509_buf cert = {0};
	struct x509_cert_info ci;
	char err[256] = "";
	time_t before, after;

	(void)state;
	build(CUST_PROFILE_CLIENT, &key_p256, 365, &urls, &t, &before, &after);
	sign(&t, &cert);
	assert_int_equal(x509_cert_decode(cert.data, cert.len, &ci, err, sizeof(err)), 0);
	assert_int_equal(ci.version, 3);
	assert_int_equal(ci.has_basic_constraints, 0);
	assert_int_equal(ci.n_ext, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(ci.ext[i].oid, want[i]);
		assert_int_equal(ci.ext[i].critical, i == 0); /* KeyUsage alone */
	}
	assert_int_equal(ci.not_before, t.not_before);
	assert_int_equal(ci.not_after, t.not_after);
	assert_int_equal(ci.serial.len, 16);
	assert_memory_equal(ci.serial.data, t.serial, 16);
	x509_cert_info_free(&ci);
	x509_buf_free(&cert);
	profile_free(&t);
}

/* Empty pointers (properties cleared) write no CDP and no AIA. */
static void empty_urls_write_no_pointers(void **state)
{
	static const struct ca_urls none = {"", "", ""};
	struct x509_tbs t;
	time_t before, after;
	char *text;

	(void)state;
	build(CUST_PROFILE_SERVER, &key_p256, 30, &none, &t, &before, &after);
	text = sign_and_parse(&t, "no-pointers.pem");
	lacks(text, "CRL Distribution Points");
	lacks(text, "Authority Information Access");
	free(text);
	profile_free(&t);
}

/* Without the properties (urls NULL), ca.conf's pointers; absent keys, none. */
static void null_urls_take_ca_conf(void **state)
{
	struct x509_tbs t;
	time_t before, after;
	char *text;

	(void)state;
	build(CUST_PROFILE_CLIENT, &key_p256, 30, NULL, &t, &before, &after);
	assert_null(t.cdp_url);
	assert_null(t.aia_ca_issuers_url);
	assert_null(t.aia_ocsp_url);
	profile_free(&t);

	assert_int_equal(conf_set(&ca.conf, "cdp_url", "http://conf.example/ca.crl"), 0);
	assert_int_equal(conf_set(&ca.conf, "aia_url", "http://conf.example/ca.crt"), 0);
	build(CUST_PROFILE_CLIENT, &key_p256, 30, NULL, &t, &before, &after);
	assert_string_equal(t.cdp_url, "http://conf.example/ca.crl");
	assert_string_equal(t.aia_ca_issuers_url, "http://conf.example/ca.crt");
	assert_null(t.aia_ocsp_url);
	text = sign_and_parse(&t, "conf-pointers.pem");
	contains(text, "URI:http://conf.example/ca.crl");
	contains(text, "CA Issuers - URI:http://conf.example/ca.crt");
	lacks(text, "OCSP");
	free(text);
	profile_free(&t);
	memset(&ca.conf, 0, sizeof(ca.conf));
}

/* ---- validity ---- */

static void validity_is_capped_at_the_cas_not_after(void **state)
{
	struct x509_tbs t;
	time_t before, after;
	char *text;

	(void)state;
	/* Just inside the CA's life: uncapped. */
	build(CUST_PROFILE_CLIENT, &key_p256, CA_DAYS - 1, &urls, &t, &before, &after);
	check_common(&t, &key_p256, CA_DAYS - 1, before, after);
	assert_true(t.not_after < ca.cert.not_after);
	profile_free(&t);
	/* Past it: the CA's notAfter, whatever was asked. */
	for (unsigned days = CA_DAYS + 1; days != 0; days = days < 100000 ? 100000 : 0) {
		build(CUST_PROFILE_CLIENT, &key_p256, days, &urls, &t, &before, &after);
		assert_int_equal(t.not_after, ca.cert.not_after);
		profile_free(&t);
	}
	build(CUST_PROFILE_CLIENT, &key_p256, UINT32_MAX, &urls, &t, &before, &after);
	assert_int_equal(t.not_after, ca.cert.not_after);
	text = sign_and_parse(&t, "capped.pem");
	free(text);
	profile_free(&t);
}

/* A CA without its certificate yet (a subordinate waiting): nothing to cap at. */
static void no_cap_without_a_ca_certificate(void **state)
{
	struct x509_tbs t;
	time_t before, after;

	(void)state;
	ca.have_cert = 0;
	build(CUST_PROFILE_CLIENT, &key_p256, 20000, &urls, &t, &before, &after);
	ca.have_cert = 1;
	assert_int_equal(t.not_after - t.not_before, (time_t)20000 * 86400 + ISSUE_CLOCK_SKEW);
	assert_true(t.not_after > ca.cert.not_after);
	profile_free(&t);
}

/* days 0 is not refused here (the callers refuse it: ISSUE 1..3650, ca.conf
 * validity_days 1..3650): the certificate ends now, after the backdating. */
static void days_zero_ends_now(void **state)
{
	struct x509_tbs t;
	time_t before, after;

	(void)state;
	build(CUST_PROFILE_CLIENT, &key_p256, 0, &urls, &t, &before, &after);
	assert_true(t.not_after >= before && t.not_after <= after);
	assert_int_equal(t.not_after - t.not_before, ISSUE_CLOCK_SKEW);
	profile_free(&t);
}

/* ---- serials ---- */

static void serials_are_fresh_positive_and_16_bytes(void **state)
{
	enum { N = 64 };
	uint8_t seen[N][X509_SERIAL_LEN];
	unsigned top_bits = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		struct x509_tbs t;
		time_t before, after;

		build(CUST_PROFILE_CLIENT, &key_p256, 1, &urls, &t, &before, &after);
		assert_int_equal(t.serial_len, X509_SERIAL_LEN);
		assert_int_equal(t.serial[0] & 0xc0, 0x40);
		top_bits |= t.serial[0] & 0x3f;
		memcpy(seen[i], t.serial, X509_SERIAL_LEN);
		for (int j = 0; j < i; j++)
			assert_memory_not_equal(seen[j], seen[i], X509_SERIAL_LEN);
		profile_free(&t);
	}
	/* The other six bits of the first byte are random too, not cleared. */
	assert_int_not_equal(top_bits, 0);
}

/* ---- refusals ---- */

static void unknown_profiles_are_refused(void **state)
{
	static const unsigned bad[] = {0, 3, 255, UINT32_MAX};
	struct x509_tbs t;
	char err[256], want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* Refused before anything is allocated: t is left as it was. */
		memset(&t, 0x5a, sizeof(t));
		err[0] = 0;
		assert_int_equal(profile_end_entity(&ca, bad[i], &subject, &key_p256, 365, &urls, &t,
						    err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "unknown certificate profile %u", bad[i]);
		assert_string_equal(err, want);
		assert_int_equal(t.serial_len, 0x5a5a5a5a5a5a5a5aULL);
	}
}

/* What the profile does not check (it copies what its callers, derive.c and
 * ISSUE, already checked) is refused before signing: issue_sign's encoder and
 * lint. These pin where each refusal is. */
static void refused_at_signing(const struct x509_buf *subj, const struct x509_buf *spki,
			       const char *want)
{
	struct x509_tbs t;
	struct x509_buf cert = {0};
	char err[256] = "";

	assert_int_equal(profile_end_entity(&ca, CUST_PROFILE_CLIENT, subj, spki, 365, &urls, &t,
					    err, sizeof(err)), 0);
	assert_int_equal(issue_sign(&ca, &ca.sign_key, &ca.spki, &t, &cert, err, sizeof(err)),
			 -1);
	assert_null(cert.data);
	assert_string_equal(err, want);
	profile_free(&t);
}

static void bad_inputs_are_refused_before_signing(void **state)
{
	static const uint8_t not_der[] = {0x30, 0x05, 0x31};
	static const uint8_t not_spki[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct x509_buf bad_name = {(uint8_t *)not_der, sizeof(not_der)};
	struct x509_buf bad_spki = {(uint8_t *)not_spki, sizeof(not_spki)};
	struct x509_buf empty = {(uint8_t *)"", 0};
	struct x509_tbs t;
	char err[256] = "";

	(void)state;
	refused_at_signing(&subject, &key_rsa1024, "lint: subject key size 1024 not allowed");
	refused_at_signing(&subject, &bad_spki, "cannot encode the certificate: ski: spki is not a "
						"DER SubjectPublicKeyInfo");
	refused_at_signing(&subject, &empty, "cannot encode the certificate: ski: spki is not a "
					     "DER SubjectPublicKeyInfo");
	refused_at_signing(&bad_name, &key_p256, "cannot encode the certificate: subject: not a "
						 "DER Name");
	/* An RSA-1024 key still gets keyEncipherment from the profile: the key
	 * rule is the callers' (x509_key_allowed), the size floor the lint's. */
	assert_int_equal(profile_end_entity(&ca, CUST_PROFILE_CLIENT, &subject, &key_rsa1024, 365,
					    &urls, &t, err, sizeof(err)), 0);
	assert_int_equal(t.key_usage, X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT);
	profile_free(&t);
}

/* ---- the HSM ---- */

/* A session logged out behind the layer's back is logged in again: the
 * requester never sees it. */
static void a_lost_login_is_recovered(void **state)
{
	CK_FUNCTION_LIST *f = hsm_test_functions(ca.hsm);
	struct x509_tbs t;
	time_t before, after;

	(void)state;
	assert_int_equal(f->C_Logout(hsm_test_session(ca.hsm, 0)), CKR_OK);
	build(CUST_PROFILE_CLIENT, &key_p256, 365, &urls, &t, &before, &after);
	check_common(&t, &key_p256, 365, before, after);
	profile_free(&t);
	assert_int_equal(f->C_CloseSession(hsm_test_session(ca.hsm, 0)), CKR_OK);
	assert_int_equal(f->C_CloseSession(hsm_test_session(ca.hsm, 1)), CKR_OK);
	build(CUST_PROFILE_SERVER, &key_rsa, 365, &urls, &t, &before, &after);
	profile_free(&t);
}

/* The token gone (its files moved away) and a device error seen: the layer's
 * recovery (hsm_pool_recover, what any call does on CKR_DEVICE_ERROR; p11-kit
 * does not survive a C_Finalize behind its back) cannot initialise the module
 * again, so the serial has no randomness. CA_EHSM with "HSM unavailable: ...", nothing left allocated;
 * once the token is back, the next call past the back-off succeeds. */
static void the_hsm_away_is_ca_ehsm(void **state)
{
	char dir[128], away[128], err[256] = "";
	struct hsm_err herr;
	struct x509_tbs t;
	time_t before, after;
	int rc;

	(void)state;
	softhsm_token_path(&tok, "tokens", dir, sizeof(dir));
	softhsm_token_path(&tok, "tokens.away", away, sizeof(away));
	assert_int_equal(rename(dir, away), 0);
	assert_int_equal(hsm_pool_recover(ca.hsm, ca.hsm->generation, CKR_DEVICE_ERROR, &herr),
			 HSM_EUNAVAIL);

	for (int i = 0; i < 2; i++) { /* the failed recovery, then within its back-off */
		rc = profile_end_entity(&ca, CUST_PROFILE_CLIENT, &subject, &key_p256, 365, &urls,
					&t, err, sizeof(err));
		assert_int_equal(rc, CA_EHSM);
		if (strncmp(err, "HSM unavailable: ", 17) != 0)
			fail_msg("err: %s", err);
		/* profile_base freed its copies before returning. */
		assert_null(t.issuer.data);
		assert_null(t.subject.data);
		assert_null(t.spki.data);
	}
	/* The CA's own profiles pass the HSM's failure on as well (the ceremony's
	 * root and exchange certificates), not a plain -1. */
	err[0] = 0;
	assert_int_equal(profile_root(&ca, &subject, 365, &t, err, sizeof(err)), CA_EHSM);
	if (strncmp(err, "HSM unavailable: ", 17) != 0)
		fail_msg("profile_root err: %s", err);
	assert_null(t.subject.data);
	err[0] = 0;
	assert_int_equal(profile_xchg(&ca, &subject, &key_rsa, 365, &t, err, sizeof(err)),
			 CA_EHSM);
	if (strncmp(err, "HSM unavailable: ", 17) != 0)
		fail_msg("profile_xchg err: %s", err);
	assert_null(t.spki.data);

	assert_int_equal(rename(away, dir), 0);
	usleep(100 * 1000); /* past retry_max_ms */
	build(CUST_PROFILE_CLIENT, &key_p256, 365, &urls, &t, &before, &after);
	check_common(&t, &key_p256, 365, before, after);
	free(sign_and_parse(&t, "after-recovery.pem"));
	profile_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_profile_with_an_ec_key),
		cmocka_unit_test(server_profile_with_an_rsa_key),
		cmocka_unit_test(client_profile_with_a_p384_key_and_rsa_for_client),
		cmocka_unit_test(the_extension_inventory),
		cmocka_unit_test(empty_urls_write_no_pointers),
		cmocka_unit_test(null_urls_take_ca_conf),
		cmocka_unit_test(validity_is_capped_at_the_cas_not_after),
		cmocka_unit_test(no_cap_without_a_ca_certificate),
		cmocka_unit_test(days_zero_ends_now),
		cmocka_unit_test(serials_are_fresh_positive_and_16_bytes),
		cmocka_unit_test(unknown_profiles_are_refused),
		cmocka_unit_test(bad_inputs_are_refused_before_signing),
		cmocka_unit_test(a_lost_login_is_recovered),
		cmocka_unit_test(the_hsm_away_is_ca_ehsm),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
