/* Unit tests of the custodian's pre-signing lint (firmware/custodian/lint.c,
 * lint_tbs): what it is about to sign must say exactly what the profile meant.
 * Each case encodes a TBS from an intent that differs from the one lint is given
 * in one field (the encoder's output standing in for an encoder or profile bug)
 * and expects a refusal that names the difference; the unchanged intent must
 * pass. Keys come from the openssl CLI (x509_oracle), names from
 * x509_name_parse. Intents no profile may ever ask for are refused before any
 * decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/custodian/issue.h"
#include "firmware/x509/x509.h"
#include "tests/unit/support/x509_oracle.h"

static struct x509_buf key_a, key_b, key_rsa1024, issuer, subject, other;
static const uint8_t sans[] = {0x30, 0x0b, 0x82, 0x09, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l',
			       'e'};
static const uint8_t sans2[] = {0x30, 0x0b, 0x82, 0x09, 'b', '.', 'e', 'x', 'a', 'm', 'p',
				'l', 'e'};
static const struct x509_ext_in san = {"2.5.29.17", 0, sans, sizeof(sans), 0};

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (oracle_genkey("p256", "a", &key_a) != 0 || oracle_genkey("p256", "b", &key_b) != 0 ||
	    oracle_genkey("rsa1024", "small", &key_rsa1024) != 0)
		return -1;
	if (x509_name_parse("CN=Lint Test CA,O=Example", &issuer, err, sizeof(err)) != 0 ||
	    x509_name_parse("CN=leaf.example", &subject, err, sizeof(err)) != 0 ||
	    x509_name_parse("CN=Administrator", &other, err, sizeof(err)) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	x509_buf_free(&key_a);
	x509_buf_free(&key_b);
	x509_buf_free(&key_rsa1024);
	x509_buf_free(&issuer);
	x509_buf_free(&subject);
	x509_buf_free(&other);
	oracle_cleanup();
	return 0;
}

/* An end-entity intent as the client-authentication profile makes one. */
static void leaf(struct x509_tbs *t)
{
	memset(t, 0, sizeof(*t));
	t->serial[0] = 0x12;
	t->serial[1] = 0x34;
	t->serial_len = 2;
	t->sigalg = X509_SIG_ECDSA_SHA256;
	t->issuer = issuer;
	t->subject = subject;
	t->not_before = 1764000000;
	t->not_after = 1795536000;
	t->spki = key_a;
	t->basic_constraints = 1;
	t->path_len = -1;
	t->key_usage = X509_KU_DIGITAL_SIGNATURE;
	t->eku[0] = "1.3.6.1.5.5.7.3.2";
	t->ski = 1;
	t->has_aki = 1;
	memset(t->aki, 0xab, 20);
	t->cdp_url = "http://ca.example/crl";
	t->aia_ca_issuers_url = "http://ca.example/ca.crt";
}

/* lint_tbs(intent, encode(encoded)): 0, or -1 with the message in err. */
static int lint_against(const struct x509_tbs *intent, const struct x509_tbs *encoded,
			char *err, size_t errlen)
{
	struct x509_buf der = {0};
	int rc;

	assert_int_equal(x509_tbs_encode(encoded, &der, err, errlen), 0);
	rc = lint_tbs(intent, &der, err, errlen);
	x509_buf_free(&der);
	return rc;
}

static void refused(const struct x509_tbs *intent, const struct x509_tbs *encoded,
		    const char *needle)
{
	char err[256] = "";

	assert_int_equal(lint_against(intent, encoded, err, sizeof(err)), -1);
	if (strstr(err, needle) == NULL)
		fail_msg("expected '%s' in '%s'", needle, err);
}

static void the_intent_itself_passes(void **state)
{
	struct x509_tbs t;
	char err[256] = "";

	(void)state;
	leaf(&t);
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
	t.extra = &san;
	t.n_extra = 1;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
	t.eku[1] = "1.3.6.1.5.5.7.3.1";
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
}

static void serial_names_key_and_validity_are_compared(void **state)
{
	struct x509_tbs t, e;

	(void)state;
	leaf(&t);
	e = t, e.serial[1] = 0x35;
	refused(&t, &e, "serial, names or key");
	e = t, e.subject = other;
	refused(&t, &e, "serial, names or key");
	e = t, e.issuer = other;
	refused(&t, &e, "serial, names or key");
	e = t, e.spki = key_b;
	refused(&t, &e, "serial, names or key");
	e = t, e.not_before += 1;
	refused(&t, &e, "validity");
	e = t, e.not_after += 86400;
	refused(&t, &e, "validity");
	e = t, e.sigalg = X509_SIG_ECDSA_SHA384;
	refused(&t, &e, "signatureAlgorithm"); /* caught where it decodes */
}

static void constraints_usage_and_identifiers_are_compared(void **state)
{
	struct x509_tbs t, e;

	(void)state;
	leaf(&t);
	e = t, e.basic_constraints = 0;
	refused(&t, &e, "BasicConstraints");
	e = t, e.key_usage = X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT;
	refused(&t, &e, "KeyUsage");
	e = t, e.key_usage = 0;
	refused(&t, &e, "KeyUsage");
	e = t, e.ski = 0;
	refused(&t, &e, "key identifiers");
	e = t, e.aki[19] ^= 1;
	refused(&t, &e, "key identifiers");
	e = t, e.has_aki = 0;
	refused(&t, &e, "key identifiers");
}

static void every_extension_is_one_the_intent_asked_for(void **state)
{
	struct x509_tbs t, e;
	struct x509_ext_in san2 = {"2.5.29.17", 0, sans2, sizeof(sans2), 0};
	struct x509_ext_in san_critical = {"2.5.29.17", 1, sans, sizeof(sans), 0};

	(void)state;
	leaf(&t);
	/* An EKU that is not the intent's: another purpose, one more, none. */
	e = t, e.eku[0] = "2.5.29.37.0"; /* anyExtendedKeyUsage */
	refused(&t, &e, "extKeyUsage differs");
	e = t, e.eku[1] = "1.3.6.1.4.1.311.20.2.1"; /* Certificate Request Agent */
	refused(&t, &e, "extKeyUsage differs");
	e = t, e.eku[0] = NULL;
	refused(&t, &e, "extensions encoded");
	/* Pointers dropped or added. */
	e = t, e.cdp_url = NULL;
	refused(&t, &e, "extensions encoded");
	e = t, e.aia_ca_issuers_url = "";
	refused(&t, &e, "extensions encoded");
	/* An extension the request asked for: added, changed, made critical. */
	e = t, e.extra = &san, e.n_extra = 1;
	refused(&t, &e, "extensions encoded");
	t.extra = &san;
	t.n_extra = 1;
	e = t, e.extra = &san2;
	refused(&t, &e, "extension 2.5.29.17 differs");
	e = t, e.extra = &san_critical;
	refused(&t, &e, "extension 2.5.29.17 differs");
}

static void intents_no_profile_may_ask_for_are_refused(void **state)
{
	struct x509_tbs t, e;

	(void)state;
	leaf(&t);
	e = t, e.not_after = e.not_before;
	refused(&e, &t, "notAfter is not after notBefore");
	e = t, e.serial[0] = 0x80;
	refused(&e, &t, "serial");
	e = t, e.serial_len = 0;
	refused(&e, &t, "serial");
	e = t, e.spki = key_rsa1024;
	refused(&e, &t, "subject key size 1024");
	e = t, e.key_usage |= X509_KU_KEY_CERT_SIGN;
	refused(&e, &t, "end-entity certificate with a CA key usage");
	e = t, e.is_ca = 1, e.key_usage = X509_KU_DIGITAL_SIGNATURE;
	refused(&e, &t, "CA certificate without BasicConstraints/keyCertSign");
}

/* The agent purposes (issue 14): from the request (officer 0) they are a refusal
 * of the request, ISSUE_EREFUSED; set by an officer they are signed; in a
 * profile's own list they are a bug. An EKU given whole is compared byte for
 * byte, and the profile's purposes it replaces are not looked for. */
static void agent_purposes_need_an_officer(void **state)
{
	static const uint8_t any[] = {0x30, 0x06, 0x06, 0x04, 0x55, 0x1d, 0x25, 0x00};
	static const uint8_t agent[] = {0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
					0x82, 0x37, 0x14, 0x02, 0x01};
	static const uint8_t kra[] = {0x30, 0x0b, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01,
				      0x82, 0x37, 0x15, 0x06};
	static const uint8_t cs[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05,
				     0x07, 0x03, 0x03};
	static const uint8_t bad[] = {0x30, 0x03, 0x02, 0x01, 0x00}; /* an INTEGER */
	const uint8_t *const vals[] = {any, agent, kra};
	const size_t lens[] = {sizeof(any), sizeof(agent), sizeof(kra)};
	const char *const names[] = {"anyExtendedKeyUsage purpose (2.5.29.37.0)",
				     "Certificate Request Agent purpose (1.3.6.1.4.1.311.20.2.1)",
				     "Key Recovery Agent purpose (1.3.6.1.4.1.311.21.6)"};
	struct x509_ext_in e;
	struct x509_tbs t;
	char err[256];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		leaf(&t);
		t.eku[0] = NULL; /* replaced by the extension given whole */
		e = (struct x509_ext_in){"2.5.29.37", 0, vals[i], lens[i], 0};
		t.extra = &e;
		t.n_extra = 1;
		err[0] = 0;
		assert_int_equal(lint_against(&t, &t, err, sizeof(err)), ISSUE_EREFUSED);
		if (strstr(err, names[i]) == NULL || strstr(err, "setextension") == NULL)
			fail_msg("'%s' does not name %s", err, names[i]);
		e.officer = 1;
		assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
		assert_true(lint_officer_only_eku(i == 0 ? "2.5.29.37.0"
						  : i == 1 ? "1.3.6.1.4.1.311.20.2.1"
							   : "1.3.6.1.4.1.311.21.6"));
	}
	/* Other purposes are the request's to ask for; a value that does not decode
	 * is refused too. */
	leaf(&t);
	t.eku[0] = NULL;
	e = (struct x509_ext_in){"2.5.29.37", 0, cs, sizeof(cs), 0};
	t.extra = &e;
	t.n_extra = 1;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
	assert_false(lint_officer_only_eku("1.3.6.1.5.5.7.3.3"));
	e = (struct x509_ext_in){"2.5.29.37", 0, bad, sizeof(bad), 0};
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), ISSUE_EREFUSED);
	/* A profile naming one is a bug, whoever asked. */
	leaf(&t);
	t.eku[0] = "2.5.29.37.0";
	refused(&t, &t, "lint: the profile names 2.5.29.37.0");
}

/* lint_tbs(intent, der) on bytes given (an encoding changed after the encoder):
 * the return, the message in err. */
static int lint_der(const struct x509_tbs *intent, const struct x509_buf *der, char *err,
		    size_t errlen)
{
	err[0] = 0;
	return lint_tbs(intent, der, err, errlen);
}

/* Intents refused before anything is decoded, beyond the first suite's: a serial
 * longer than 20 octets, a key that is no SubjectPublicKeyInfo, a CA without
 * BasicConstraints; and the keys lint takes although requesters may not (P-521:
 * lint is wider than the key rule on purpose, lint.c says why). */
static void more_intents_refused_and_allowed(void **state)
{
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	struct x509_buf bad = {(uint8_t *)junk, sizeof(junk)}, p521 = {0}, rsa = {0};
	struct x509_tbs t, e;
	char err[256];

	(void)state;
	leaf(&t);
	e = t, e.serial_len = 21;
	refused(&e, &t, "lint: serial is not a positive integer of 1..20 bytes");
	e = t, e.spki = bad;
	refused(&e, &t, "lint: unsupported subject public key");
	e = t, e.is_ca = 1, e.basic_constraints = 0, e.key_usage = X509_KU_KEY_CERT_SIGN;
	refused(&e, &t, "lint: CA certificate without BasicConstraints/keyCertSign");
	assert_int_equal(oracle_genkey("p521", "p521", &p521), 0);
	t.spki = p521;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
	assert_int_equal(oracle_genkey("rsa2048", "rsa", &rsa), 0);
	t.spki = rsa;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
	x509_buf_free(&p521);
	x509_buf_free(&rsa);
}

/* A CA intent (the ceremony's and a subordinate's): its pathLenConstraint and cA
 * are compared; an intent with fewer extensions (no KeyUsage, identifiers or
 * pointers; an empty URL meaning none; OCSP alone; a count of purposes given)
 * passes when the encoding says the same. */
static void ca_intents_and_sparse_intents(void **state)
{
	struct x509_tbs t, e;
	char err[256];

	(void)state;
	leaf(&t);
	t.is_ca = 1;
	t.path_len = 0;
	t.key_usage = X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN;
	t.eku[0] = NULL;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
	e = t, e.path_len = 1;
	refused(&t, &e, "lint: BasicConstraints differ from the intent");
	e = t, e.path_len = -1;
	refused(&t, &e, "lint: BasicConstraints differ from the intent");
	e = t, e.is_ca = 0, e.key_usage = X509_KU_DIGITAL_SIGNATURE;
	t.key_usage = X509_KU_DIGITAL_SIGNATURE;
	t.is_ca = 0;
	t.path_len = -1;
	e.is_ca = 1;
	e.key_usage = X509_KU_DIGITAL_SIGNATURE;
	/* the encoder writes cA TRUE where the intent says an end entity */
	{
		struct x509_buf der = {0};

		assert_int_equal(x509_tbs_encode(&e, &der, err, sizeof(err)), 0);
		assert_int_equal(lint_der(&t, &der, err, sizeof(err)), -1);
		assert_string_equal(err, "lint: BasicConstraints differ from the intent");
		x509_buf_free(&der);
	}

	leaf(&t);
	t.key_usage = 0;
	t.ski = 0;
	t.has_aki = 0;
	t.cdp_url = "";
	t.aia_ca_issuers_url = NULL;
	t.aia_ocsp_url = "http://ocsp.example/";
	t.n_eku = 1;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
	e = t, e.aia_ocsp_url = NULL;
	refused(&t, &e, "lint: 2 extensions encoded, 3 intended");
	e = t, e.ski = 1;
	refused(&t, &e, "lint: key identifiers differ from the intent");
	/* n_eku counts: a second purpose named but not counted is not encoded */
	t.eku[1] = "1.3.6.1.5.5.7.3.1";
	e = t, e.n_eku = 2;
	refused(&t, &e, "lint: extKeyUsage differs from the intent");
}

/* The octets of needle in hay (the first occurrence), or NULL. */
static uint8_t *find(struct x509_buf *hay, const uint8_t *needle, size_t len)
{
	return memmem(hay->data, hay->len, needle, len);
}

/* Encodings no encoder of ours makes, patched after it (what a buggy or
 * subverted encoder could hand lint): a SubjectKeyIdentifier that is not the
 * key's, another version. */
static void patched_encodings_are_refused(void **state)
{
	static const uint8_t v3[] = {0xa0, 0x03, 0x02, 0x01, 0x02};
	struct x509_buf der = {0};
	struct x509_tbs t;
	uint8_t id[20], *p;
	char err[256];

	(void)state;
	leaf(&t);
	assert_int_equal(x509_tbs_encode(&t, &der, err, sizeof(err)), 0);
	assert_int_equal(x509_key_id(t.spki.data, t.spki.len, id), 0);
	assert_non_null(p = find(&der, id, sizeof(id)));
	p[19] ^= 0x01;
	assert_int_equal(lint_der(&t, &der, err, sizeof(err)), -1);
	assert_string_equal(err, "lint: SubjectKeyIdentifier is not the key's");
	p[19] ^= 0x01;
	assert_non_null(p = find(&der, v3, sizeof(v3)));
	p[4] = 0x01; /* v2 */
	assert_int_equal(lint_der(&t, &der, err, sizeof(err)), -1);
	if (strcmp(err, "lint: version or signature algorithm differs") != 0 &&
	    strncmp(err, "lint: the encoded certificate does not decode: ", 47) != 0)
		fail_msg("v2 not refused as such: '%s'", err);
	x509_buf_free(&der);
	/* bytes that are no TBSCertificate at all */
	der.data = (uint8_t *)v3;
	der.len = sizeof(v3);
	assert_int_equal(lint_der(&t, &der, err, sizeof(err)), -1);
	if (strncmp(err, "lint: ", 6) != 0)
		fail_msg("'%s'", err);
}

/* A requester's extKeyUsage with more purposes than lint reads (33): refused
 * as the request's (ISSUE_EREFUSED), not signed unread. */
static void a_request_eku_too_long_is_refused(void **state)
{
	/* SEQUENCE of 33 codeSigning OIDs (06 08 2b 06 01 05 05 07 03 03) */
	uint8_t v[4 + 33 * 10];
	struct x509_ext_in e;
	struct x509_tbs t;
	char err[256];
	size_t n = 0;

	(void)state;
	v[n++] = 0x30;
	v[n++] = 0x82;
	v[n++] = (33 * 10) >> 8;
	v[n++] = (33 * 10) & 0xff;
	for (int i = 0; i < 33; i++) {
		static const uint8_t cs[] = {0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03,
					     0x03};
		memcpy(v + n, cs, sizeof(cs));
		n += sizeof(cs);
	}
	leaf(&t);
	t.eku[0] = NULL;
	e = (struct x509_ext_in){"2.5.29.37", 0, v, n, 0};
	t.extra = &e;
	t.n_extra = 1;
	err[0] = 0;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), ISSUE_EREFUSED);
	assert_string_equal(err, "the requested extKeyUsage cannot be read (at most 32 "
				 "purposes)");
	/* 32 are read, and then it is the encoding's comparison that decides */
	v[2] = (32 * 10) >> 8;
	v[3] = (32 * 10) & 0xff;
	e.len = n - 10;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
	/* an officer's value is not read here: signed as set */
	e.len = n;
	v[2] = (33 * 10) >> 8;
	v[3] = (33 * 10) & 0xff;
	e.officer = 1;
	assert_int_equal(lint_against(&t, &t, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_intent_itself_passes),
		cmocka_unit_test(serial_names_key_and_validity_are_compared),
		cmocka_unit_test(constraints_usage_and_identifiers_are_compared),
		cmocka_unit_test(every_extension_is_one_the_intent_asked_for),
		cmocka_unit_test(intents_no_profile_may_ask_for_are_refused),
		cmocka_unit_test(agent_purposes_need_an_officer),
		cmocka_unit_test(more_intents_refused_and_allowed),
		cmocka_unit_test(ca_intents_and_sparse_intents),
		cmocka_unit_test(patched_encodings_are_refused),
		cmocka_unit_test(a_request_eku_too_long_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
