/* Certificates: TBSCertificate building (CA and end-entity profiles), software
 * signing, assembly, and openssl as the oracle; decoding and signature
 * verification. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/x509/x509.h"
#include "tests/unit/support/x509_oracle.h"

#define CDP "http://crl.example.com/root.crl"
#define AIA_CA "http://ca.example.com/root.crt"
#define AIA_OCSP "http://ocsp.example.com"

static char err[256];

struct issued {
	char name[32];
	struct x509_buf spki, subject, der;
	uint8_t ski[20];
	enum x509_sigalg alg;
};

static void issued_free(struct issued *c)
{
	x509_buf_free(&c->spki);
	x509_buf_free(&c->subject);
	x509_buf_free(&c->der);
}

static void fill_serial(struct x509_tbs *t)
{
	for (size_t i = 0; i < X509_SERIAL_LEN; i++)
		t->serial[i] = (uint8_t)rand();
	x509_serial_from_random(t->serial);
	t->serial_len = X509_SERIAL_LEN;
}

/* Builds the TBS, signs it with the issuer's software key, assembles. */
static void sign_cert(struct x509_tbs *t, const char *issuer_key, struct x509_buf *cert)
{
	struct x509_buf tbs, sig;

	if (x509_tbs_encode(t, &tbs, err, sizeof err) != 0)
		fail_msg("tbs: %s", err);
	assert_int_equal(oracle_sign(issuer_key, t->sigalg, tbs.data, tbs.len, &sig), 0);
	assert_int_equal(x509_cert_assemble(&tbs, t->sigalg, sig.data, sig.len, cert), 0);
	x509_buf_free(&tbs);
	x509_buf_free(&sig);
}

static void ca_tbs(struct x509_tbs *t, struct issued *root)
{
	memset(t, 0, sizeof *t);
	fill_serial(t);
	t->sigalg = root->alg;
	t->issuer = root->subject;
	t->subject = root->subject;
	t->not_before = time(NULL) - 60;
	t->not_after = t->not_before + 10 * 365 * 86400L;
	t->spki = root->spki;
	t->basic_constraints = 1;
	t->is_ca = 1;
	t->path_len = -1;
	t->key_usage = X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN;
	t->ski = 1;
	t->has_aki = 1;
	memcpy(t->aki, root->ski, 20);
	t->cdp_url = CDP;
	t->aia_ca_issuers_url = AIA_CA;
	t->aia_ocsp_url = AIA_OCSP;
}

static void make_root(const char *kind, const char *name, struct issued *root)
{
	struct x509_tbs t;
	enum x509_key_type type;
	unsigned bits;
	char dn[128];

	memset(root, 0, sizeof *root);
	snprintf(root->name, sizeof root->name, "%s", name);
	assert_int_equal(oracle_genkey(kind, name, &root->spki), 0);
	assert_int_equal(x509_spki_key(root->spki.data, root->spki.len, &type, &bits), 0);
	root->alg = x509_sigalg_for_key(type, bits);
	assert_int_not_equal(root->alg, X509_SIG_NONE);
	snprintf(dn, sizeof dn, "CN=Test Root %s,O=Example,C=US", kind);
	assert_int_equal(x509_name_parse(dn, &root->subject, err, sizeof err), 0);
	assert_int_equal(x509_key_id(root->spki.data, root->spki.len, root->ski), 0);
	ca_tbs(&t, root);
	sign_cert(&t, name, &root->der);
}

static void make_ee(const char *kind, const char *name, const struct issued *ca, struct issued *ee)
{
	static const char *const eku[] = {"1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2", NULL};
	struct x509_tbs t;

	memset(ee, 0, sizeof *ee);
	snprintf(ee->name, sizeof ee->name, "%s", name);
	assert_int_equal(oracle_genkey(kind, name, &ee->spki), 0);
	assert_int_equal(x509_name_parse("CN=www.example.com,O=Example,C=US", &ee->subject, err,
					 sizeof err),
			 0);
	memset(&t, 0, sizeof t);
	fill_serial(&t);
	t.sigalg = ca->alg;
	t.issuer = ca->subject;
	t.subject = ee->subject;
	t.not_before = time(NULL) - 60;
	t.not_after = t.not_before + 365 * 86400L;
	t.spki = ee->spki;
	t.basic_constraints = 1;
	t.path_len = -1;
	t.key_usage = X509_KU_DIGITAL_SIGNATURE;
	memcpy(t.eku, eku, sizeof eku);
	t.ski = 1;
	t.has_aki = 1;
	memcpy(t.aki, ca->ski, 20);
	t.cdp_url = CDP;
	t.aia_ca_issuers_url = AIA_CA;
	sign_cert(&t, ca->name, &ee->der);
}

/* a, then only whitespace, then b. */
static int has_seq(const char *text, const char *a, const char *b)
{
	for (const char *p = strstr(text, a); p != NULL; p = strstr(p + 1, a)) {
		const char *q = p + strlen(a);
		while (*q == ' ' || *q == '\n')
			q++;
		if (strncmp(q, b, strlen(b)) == 0)
			return 1;
	}
	return 0;
}

static void hex_colon(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", d[i], i + 1 < n ? ":" : "");
}

static char *cert_text(const char *pem)
{
	char *out = NULL;

	assert_int_equal(oracle_run(&out, "openssl x509 -noout -text -in '%s'", pem), 0);
	return out;
}

static void check_root(const char *kind, const char *signame)
{
	struct issued root;
	char pem[256], ski[64], *text, *out = NULL;

	make_root(kind, kind, &root);
	snprintf(pem, sizeof pem, "%s", oracle_path("root.pem"));
	assert_int_equal(oracle_write_pem(pem, "CERTIFICATE", &root.der), 0);
	text = cert_text(pem);
	hex_colon(root.ski, 20, ski);
	if (!has_seq(text, "X509v3 Basic Constraints: critical", "CA:TRUE") ||
	    !has_seq(text, "X509v3 Key Usage: critical", "Certificate Sign, CRL Sign") ||
	    !has_seq(text, "X509v3 Subject Key Identifier:", ski) ||
	    !has_seq(text, "X509v3 Authority Key Identifier:", ski) ||
	    !has_seq(text, "Full Name:", "URI:" CDP) || !strstr(text, "OCSP - URI:" AIA_OCSP) ||
	    !strstr(text, "CA Issuers - URI:" AIA_CA) ||
	    !has_seq(text, "Signature Algorithm:", signame) || !strstr(text, "Version: 3 (0x2)"))
		fail_msg("openssl text of the %s root lacks something:\n%s", kind, text);
	/* Extension order: BC, KU, SKI, AKI, CDP, AIA. */
	assert_true(strstr(text, "Basic Constraints") < strstr(text, "Key Usage"));
	assert_true(strstr(text, "Key Usage") < strstr(text, "Subject Key Identifier"));
	assert_true(strstr(text, "Subject Key Identifier") < strstr(text, "Authority Key"));
	assert_true(strstr(text, "Authority Key") < strstr(text, "CRL Distribution"));
	assert_true(strstr(text, "CRL Distribution") < strstr(text, "Authority Information"));
	free(text);
	if (oracle_run(&out, "openssl verify -x509_strict -CAfile '%s' '%s'", pem, pem) != 0)
		fail_msg("openssl verify of the %s root: %s", kind, out);
	free(out);
	issued_free(&root);
}

static void test_root_rsa2048(void **state)
{
	(void)state;
	check_root("rsa2048", "sha256WithRSAEncryption");
}

static void test_root_p256(void **state)
{
	(void)state;
	check_root("p256", "ecdsa-with-SHA256");
}

static void test_root_p384(void **state)
{
	(void)state;
	check_root("p384", "ecdsa-with-SHA384");
}

static void check_ee(const char *rootkind, const char *eekind)
{
	struct issued root, ee;
	char rootpem[256], eepem[256], *text, *out = NULL;

	make_root(rootkind, "eeroot", &root);
	make_ee(eekind, "ee", &root, &ee);
	snprintf(rootpem, sizeof rootpem, "%s", oracle_path("eeroot.pem"));
	snprintf(eepem, sizeof eepem, "%s", oracle_path("ee.pem"));
	assert_int_equal(oracle_write_pem(rootpem, "CERTIFICATE", &root.der), 0);
	assert_int_equal(oracle_write_pem(eepem, "CERTIFICATE", &ee.der), 0);
	text = cert_text(eepem);
	if (!has_seq(text, "X509v3 Extended Key Usage:",
		     "TLS Web Server Authentication, TLS Web Client Authentication") ||
	    !has_seq(text, "X509v3 Basic Constraints:", "CA:FALSE") ||
	    !has_seq(text, "X509v3 Key Usage: critical", "Digital Signature") ||
	    strstr(text, "OCSP - URI") != NULL)
		fail_msg("openssl text of the end-entity lacks something:\n%s", text);
	assert_true(strstr(text, "Key Usage: critical") < strstr(text, "Extended Key Usage"));
	assert_true(strstr(text, "Extended Key Usage") < strstr(text, "Subject Key Identifier"));
	free(text);
	if (oracle_run(&out, "openssl verify -x509_strict -CAfile '%s' '%s'", rootpem, eepem) != 0)
		fail_msg("openssl verify of the end-entity: %s", out);
	free(out);

	/* Our own verification: good with the root's key, bad with its own. */
	struct x509_cert_info ci;
	if (x509_cert_decode(ee.der.data, ee.der.len, &ci, err, sizeof err) != 0)
		fail_msg("decode: %s", err);
	if (x509_verify_signature(&ci, root.spki.data, root.spki.len, err, sizeof err) != 0)
		fail_msg("verify: %s", err);
	assert_int_equal(x509_verify_signature(&ci, ee.spki.data, ee.spki.len, err, sizeof err), -1);
	assert_int_equal(ci.is_ca, 0);
	assert_int_equal(ci.has_basic_constraints, 1);
	assert_memory_equal(ci.aki, root.ski, 20);
	x509_cert_info_free(&ci);
	issued_free(&root);
	issued_free(&ee);
}

static void test_ee_rsa_root_rsa(void **state)
{
	(void)state;
	check_ee("rsa2048", "rsa2048");
}

static void test_ee_p256_root_p384(void **state)
{
	(void)state;
	check_ee("p384", "p256");
}

static void test_ee_rsa_root_p256(void **state)
{
	(void)state;
	check_ee("p256", "rsa2048");
}

/* Finds the time type openssl reports for the notAfter of a DER cert. */
static void check_time_type(const struct x509_buf *der, const char *type, const char *value)
{
	char *out = NULL, *p;

	assert_int_equal(oracle_write(oracle_path("t.der"), der->data, der->len), 0);
	assert_int_equal(oracle_run(&out, "openssl asn1parse -inform DER -in '%s'",
				    oracle_path("t.der")),
			 0);
	/* asn1parse pads the type name: "UTCTIME           :491231235959Z". */
	p = strstr(out, value);
	assert_non_null(p);
	while (p > out && (p[-1] == ' ' || p[-1] == ':'))
		p--;
	if (p - out < (long)strlen(type) || strncmp(p - strlen(type), type, strlen(type)) != 0)
		fail_msg("%s is not a %s", value, type);
	free(out);
}

static void test_dates(void **state)
{
	struct issued root;
	struct x509_tbs t;
	struct x509_buf cert;
	struct x509_cert_info ci;
	struct tm tm = {.tm_year = 2049 - 1900, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23,
			.tm_min = 59, .tm_sec = 59};

	(void)state;
	make_root("p256", "dates", &root);
	ca_tbs(&t, &root);
	t.not_after = timegm(&tm);
	sign_cert(&t, "dates", &cert);
	check_time_type(&cert, "UTCTIME", "491231235959Z");
	assert_int_equal(x509_cert_decode(cert.data, cert.len, &ci, err, sizeof err), 0);
	assert_int_equal(ci.not_after, t.not_after);
	assert_int_equal(ci.not_before, t.not_before);
	x509_cert_info_free(&ci);
	x509_buf_free(&cert);

	t.not_after += 1; /* 2050-01-01T00:00:00Z */
	sign_cert(&t, "dates", &cert);
	check_time_type(&cert, "GENERALIZEDTIME", "20500101000000Z");
	assert_int_equal(x509_cert_decode(cert.data, cert.len, &ci, err, sizeof err), 0);
	assert_int_equal(ci.not_after, t.not_after);
	x509_cert_info_free(&ci);
	x509_buf_free(&cert);
	issued_free(&root);
}

static void test_decode_round_trip(void **state)
{
	struct issued root;
	struct x509_tbs t;
	struct x509_buf cert, tbs;
	struct x509_cert_info ci;

	(void)state;
	make_root("rsa2048", "rt", &root);
	ca_tbs(&t, &root);
	t.path_len = 2;
	assert_int_equal(x509_tbs_encode(&t, &tbs, err, sizeof err), 0);
	sign_cert(&t, "rt", &cert);
	assert_int_equal(x509_cert_decode(cert.data, cert.len, &ci, err, sizeof err), 0);
	assert_int_equal(ci.der.len, cert.len);
	assert_memory_equal(ci.der.data, cert.data, cert.len);
	assert_int_equal(ci.tbs.len, tbs.len);
	assert_memory_equal(ci.tbs.data, tbs.data, tbs.len);
	assert_int_equal(ci.serial.len, t.serial_len);
	assert_memory_equal(ci.serial.data, t.serial, t.serial_len);
	assert_int_equal(ci.issuer.len, root.subject.len);
	assert_memory_equal(ci.issuer.data, root.subject.data, root.subject.len);
	assert_int_equal(ci.subject.len, root.subject.len);
	assert_memory_equal(ci.subject.data, root.subject.data, root.subject.len);
	assert_int_equal(ci.spki.len, root.spki.len);
	assert_memory_equal(ci.spki.data, root.spki.data, root.spki.len);
	assert_int_equal(ci.not_before, t.not_before);
	assert_int_equal(ci.not_after, t.not_after);
	assert_int_equal(ci.version, 3);
	assert_int_equal(ci.has_basic_constraints, 1);
	assert_int_equal(ci.is_ca, 1);
	assert_int_equal(ci.path_len, 2);
	assert_int_equal(ci.has_key_usage, 1);
	assert_int_equal(ci.key_usage, X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN);
	assert_int_equal(ci.has_ski, 1);
	assert_int_equal(ci.ski_len, 20);
	assert_memory_equal(ci.ski, root.ski, 20);
	assert_int_equal(ci.has_aki, 1);
	assert_int_equal(ci.aki_len, 20);
	assert_memory_equal(ci.aki, root.ski, 20);
	assert_int_equal(ci.sigalg, X509_SIG_RSA_SHA256);
	assert_int_equal(ci.sig.len, 256);
	assert_int_equal(x509_verify_signature(&ci, root.spki.data, root.spki.len, err, sizeof err), 0);
	x509_cert_info_free(&ci);
	x509_buf_free(&cert);
	x509_buf_free(&tbs);
	issued_free(&root);
}

static void test_decode_rejects(void **state)
{
	struct issued root;
	struct x509_cert_info ci;
	uint8_t *buf;
	size_t len;

	(void)state;
	make_root("p256", "rej", &root);
	len = root.der.len;
	buf = malloc(len + 1);
	memcpy(buf, root.der.data, len);
	/* Every truncation. */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(x509_cert_decode(buf, n, &ci, err, sizeof err), -1);
	/* A trailing byte. */
	buf[len] = 0;
	assert_int_equal(x509_cert_decode(buf, len + 1, &ci, err, sizeof err), -1);
	/* A flipped outer tag, then the serial's INTEGER tag. */
	buf[0] = 0x31;
	assert_int_equal(x509_cert_decode(buf, len, &ci, err, sizeof err), -1);
	buf[0] = 0x30;
	size_t serial_tag = 4 + 4 + 5; /* cert hdr, tbs hdr, [0] { INTEGER 2 } */
	assert_int_equal(buf[serial_tag], 0x02);
	buf[serial_tag] = 0x04;
	assert_int_equal(x509_cert_decode(buf, len, &ci, err, sizeof err), -1);
	buf[serial_tag] = 0x02;
	assert_int_equal(x509_cert_decode(buf, len, &ci, err, sizeof err), 0);
	x509_cert_info_free(&ci);
	/* Non-minimal length (BER): 82 LL LL rewritten as 83 00 LL LL. */
	assert_int_equal(buf[1], 0x82);
	uint8_t *ber = malloc(len + 1);
	ber[0] = 0x30;
	ber[1] = 0x83;
	ber[2] = 0x00;
	memcpy(ber + 3, buf + 2, len - 2);
	assert_int_equal(x509_cert_decode(ber, len + 1, &ci, err, sizeof err), -1);
	free(ber);
	/* Error paths leave nothing allocated and the struct zeroed. */
	assert_null(ci.der.data);
	free(buf);
	issued_free(&root);
}

static void test_verify_rejects_flipped_tbs(void **state)
{
	struct issued root;
	struct x509_cert_info ci;
	uint8_t *p;

	(void)state;
	make_root("rsa2048", "flip", &root);
	/* Flip a character of the CN: the certificate still decodes. */
	p = memmem(root.der.data, root.der.len, "Test Root", 9);
	assert_non_null(p);
	p[0] ^= 0x01;
	assert_int_equal(x509_cert_decode(root.der.data, root.der.len, &ci, err, sizeof err), 0);
	assert_int_equal(x509_verify_signature(&ci, root.spki.data, root.spki.len, err, sizeof err), -1);
	x509_cert_info_free(&ci);
	p[0] ^= 0x01;
	assert_int_equal(x509_cert_decode(root.der.data, root.der.len, &ci, err, sizeof err), 0);
	assert_int_equal(x509_verify_signature(&ci, root.spki.data, root.spki.len, err, sizeof err), 0);
	/* A flipped signature byte. */
	ci.sig.data[10] ^= 0x80;
	assert_int_equal(x509_verify_signature(&ci, root.spki.data, root.spki.len, err, sizeof err), -1);
	x509_cert_info_free(&ci);
	issued_free(&root);
}

/* openssl-made certificates: SKI method 1 matches x509_key_id; unknown
 * non-critical extensions are ignored, unknown critical ones refused. */
static void test_openssl_certs(void **state)
{
	struct x509_buf spki, der;
	struct x509_cert_info ci;
	uint8_t id[20];
	const char *key = oracle_path("osl.key"), *crt = oracle_path("osl.der");

	(void)state;
	assert_int_equal(oracle_genkey("p256", "osl", &spki), 0);
	assert_int_equal(oracle_run(NULL,
				    "openssl req -x509 -new -key '%s' -subj /CN=osl -days 2 "
				    "-addext 1.2.3.4=ASN1:UTF8String:hi -outform DER -out '%s'",
				    key, crt),
			 0);
	assert_int_equal(oracle_read(crt, &der), 0);
	if (x509_cert_decode(der.data, der.len, &ci, err, sizeof err) != 0)
		fail_msg("decode: %s", err);
	assert_int_equal(x509_key_id(spki.data, spki.len, id), 0);
	assert_int_equal(ci.has_ski, 1);
	assert_memory_equal(ci.ski, id, 20);
	assert_int_equal(x509_verify_signature(&ci, spki.data, spki.len, err, sizeof err), 0);
	x509_cert_info_free(&ci);
	x509_buf_free(&der);

	assert_int_equal(oracle_run(NULL,
				    "openssl req -x509 -new -key '%s' -subj /CN=osl -days 2 "
				    "-addext 1.2.3.4=critical,ASN1:UTF8String:hi -outform DER -out '%s'",
				    key, crt),
			 0);
	assert_int_equal(oracle_read(crt, &der), 0);
	assert_int_equal(x509_cert_decode(der.data, der.len, &ci, err, sizeof err), -1);
	assert_non_null(strstr(err, "1.2.3.4"));
	x509_buf_free(&der);
	x509_buf_free(&spki);
}

static void test_tbs_refusals(void **state)
{
	struct issued root;
	struct x509_tbs t;
	struct x509_buf out;
	static const char *const bad_eku[] = {"1.3.6.1.5.5.7.3.1", "not.an.oid", NULL};

	(void)state;
	make_root("p256", "refuse", &root);
#define REFUSE(mutation, needle)                                                          \
	do {                                                                               \
		ca_tbs(&t, &root);                                                         \
		mutation;                                                                  \
		assert_int_equal(x509_tbs_encode(&t, &out, err, sizeof err), -1);          \
		assert_null(out.data);                                                     \
		if (strstr(err, needle) == NULL)                                           \
			fail_msg("'%s' lacks '%s'", err, needle);                          \
	} while (0)
	REFUSE(t.serial[0] = 0x80, "serial");
	REFUSE((t.serial[0] = 0, t.serial[1] = 0x10), "serial");
	REFUSE((memset(t.serial, 0, sizeof t.serial), t.serial_len = 1), "serial");
	REFUSE(t.serial_len = 0, "serial");
	REFUSE(t.serial_len = 21, "serial");
	REFUSE(t.not_after = t.not_before, "not_after");
	REFUSE(t.sigalg = X509_SIG_NONE, "sigalg");
	REFUSE((t.is_ca = 0, t.path_len = 1), "path_len");
	REFUSE(memcpy(t.eku, bad_eku, sizeof bad_eku), "eku[1]");
	REFUSE(t.cdp_url = "http://a b", "cdp_url");
	REFUSE(t.aia_ocsp_url = "no-scheme", "aia_ocsp_url");
	REFUSE(t.key_usage = 1u << 9, "key_usage");
	REFUSE(t.issuer.len -= 1, "issuer");
	REFUSE(t.spki.len = 3, "spki");
#undef REFUSE
	/* A redundant-free leading zero is fine: 00 80 .. is positive. */
	ca_tbs(&t, &root);
	t.serial[0] = 0;
	t.serial[1] = 0x80;
	assert_int_equal(x509_tbs_encode(&t, &out, err, sizeof err), 0);
	x509_buf_free(&out);
	issued_free(&root);
}

static void test_key_helpers(void **state)
{
	static const struct {
		const char *kind;
		enum x509_key_type type;
		unsigned bits;
		enum x509_sigalg alg;
	} keys[] = {
		{"rsa2048", X509_KEY_RSA, 2048, X509_SIG_RSA_SHA256},
		{"p256", X509_KEY_EC, 256, X509_SIG_ECDSA_SHA256},
		{"p384", X509_KEY_EC, 384, X509_SIG_ECDSA_SHA384},
	};
	struct x509_buf spki;
	enum x509_key_type type;
	unsigned bits;
	uint8_t serial[X509_SERIAL_LEN], digest[64];
	size_t dlen;

	(void)state;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		assert_int_equal(oracle_genkey(keys[i].kind, "kh", &spki), 0);
		assert_int_equal(x509_spki_key(spki.data, spki.len, &type, &bits), 0);
		assert_int_equal(type, keys[i].type);
		assert_int_equal(bits, keys[i].bits);
		assert_int_equal(x509_sigalg_for_key(type, bits), keys[i].alg);
		assert_int_equal(x509_spki_key(spki.data, spki.len - 1, &type, &bits), -1);
		x509_buf_free(&spki);
	}
	assert_int_equal(x509_sigalg_for_key(X509_KEY_RSA, 3072), X509_SIG_RSA_SHA256);
	assert_int_equal(x509_sigalg_for_key(X509_KEY_RSA, 4096), X509_SIG_RSA_SHA384);
	assert_int_equal(x509_sigalg_for_key(X509_KEY_NONE, 0), X509_SIG_NONE);
	memset(serial, 0xff, sizeof serial);
	x509_serial_from_random(serial);
	assert_int_equal(serial[0], 0x7f);
	memset(serial, 0, sizeof serial);
	x509_serial_from_random(serial);
	assert_int_equal(serial[0], 0x40);
	assert_int_equal(x509_sigalg_digest(X509_SIG_ECDSA_SHA384, (const uint8_t *)"abc", 3, digest,
					    &dlen),
			 0);
	assert_int_equal(dlen, 48);
	assert_int_equal(digest[0], 0xcb); /* SHA-384("abc") = cb00753f... */
	assert_int_equal(x509_sigalg_digest(X509_SIG_NONE, (const uint8_t *)"abc", 3, digest, &dlen),
			 -1);
}

static int teardown(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

/* The OIDs x509_cert_decode accepts critical: the ones it reads and the RFC 5280
 * ones it knows, no other (the custodian's setextension refuses the rest). */
static void test_ext_may_be_critical(void **state)
{
	static const char *const yes[] = {"2.5.29.19", "2.5.29.15", "2.5.29.14", "2.5.29.35",
					  "2.5.29.37", "2.5.29.17", "2.5.29.18", "2.5.29.31",
					  "2.5.29.32", "2.5.29.30", "2.5.29.36", "2.5.29.33",
					  "2.5.29.54", "1.3.6.1.5.5.7.1.1"};
	static const char *const no[] = {"1.2.3.4", "2.5.29.1", "2.5.29.3", "2.5.29.190",
					 "1.3.6.1.5.5.7.1.11", "1.3.6.1.4.1.311.20.2", ""};

	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!x509_ext_may_be_critical(yes[i]))
			fail_msg("%s refused", yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (x509_ext_may_be_critical(no[i]))
			fail_msg("%s accepted", no[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_rsa2048),
		cmocka_unit_test(test_root_p256),
		cmocka_unit_test(test_root_p384),
		cmocka_unit_test(test_ee_rsa_root_rsa),
		cmocka_unit_test(test_ee_p256_root_p384),
		cmocka_unit_test(test_ee_rsa_root_p256),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_decode_round_trip),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_verify_rejects_flipped_tbs),
		cmocka_unit_test(test_openssl_certs),
		cmocka_unit_test(test_tbs_refusals),
		cmocka_unit_test(test_key_helpers),
		cmocka_unit_test(test_ext_may_be_critical),
	};
	srand((unsigned)time(NULL));
	return cmocka_run_group_tests(tests, NULL, teardown);
}
