/* CRLs: TBSCertList building (base and delta, 0, 1 and many entries), software
 * signing, assembly, and the openssl CLI as the oracle (signature check, text
 * dump, `openssl verify -crl_check` of certificates issued with x509_tbs_encode);
 * our own decoder (x509_crl_decode, x509_crl_tbs_decode) on the same bytes; and
 * the refusal of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/asn1/der.h"
#include "firmware/x509/x509.h"
#include "tests/unit/support/x509_oracle.h"

#define IDP "http://crl.example.com/root.crl"
#define FRESHEST "http://crl.example.com/root-delta.crl"

static char err[256];

/* A CA (self-signed) or a certificate it issued, with its key in the oracle dir. */
struct issued {
	char name[32];
	struct x509_buf spki, subject, der;
	uint8_t ski[20];
	uint8_t serial[X509_SERIAL_LEN];
	enum x509_sigalg alg;
	char pem[256];
};

static void issued_free(struct issued *c)
{
	x509_buf_free(&c->spki);
	x509_buf_free(&c->subject);
	x509_buf_free(&c->der);
}

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

/* Common fields of a certificate; serial random, CDP = the CRL's IDP (openssl
 * only applies a CRL with an IDP to certificates whose CDP matches it). */
static void base_tbs(struct x509_tbs *t, struct issued *c, const struct issued *issuer)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < X509_SERIAL_LEN; i++)
		c->serial[i] = (uint8_t)rand();
	x509_serial_from_random(c->serial);
	memcpy(t->serial, c->serial, X509_SERIAL_LEN);
	t->serial_len = X509_SERIAL_LEN;
	t->sigalg = issuer->alg;
	t->issuer = issuer->subject;
	t->subject = c->subject;
	t->not_before = time(NULL) - 3600;
	t->not_after = t->not_before + 365 * 86400L;
	t->spki = c->spki;
	t->basic_constraints = 1;
	t->path_len = -1;
	t->ski = 1;
	t->cdp_url = IDP;
}

static void make_ca(const char *kind, const char *name, struct issued *ca)
{
	struct x509_tbs t;
	enum x509_key_type type;
	unsigned bits;

	memset(ca, 0, sizeof *ca);
	snprintf(ca->name, sizeof ca->name, "%s", name);
	assert_int_equal(oracle_genkey(kind, name, &ca->spki), 0);
	assert_int_equal(x509_spki_key(ca->spki.data, ca->spki.len, &type, &bits), 0);
	ca->alg = x509_sigalg_for_key(type, bits);
	assert_int_equal(x509_name_parse("CN=CRL Test Root,O=Example,C=US", &ca->subject, err,
					 sizeof err),
			 0);
	assert_int_equal(x509_key_id(ca->spki.data, ca->spki.len, ca->ski), 0);
	base_tbs(&t, ca, ca);
	t.is_ca = 1;
	t.key_usage = X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN;
	t.cdp_url = NULL;
	sign_cert(&t, name, &ca->der);
	snprintf(ca->pem, sizeof ca->pem, "%s", oracle_path("ca.pem"));
	assert_int_equal(oracle_write_pem(ca->pem, "CERTIFICATE", &ca->der), 0);
}

static void make_ee(const char *name, const struct issued *ca, struct issued *ee)
{
	struct x509_tbs t;
	char key[64];

	memset(ee, 0, sizeof *ee);
	snprintf(ee->name, sizeof ee->name, "%s", name);
	snprintf(key, sizeof key, "%s-key", name);
	assert_int_equal(oracle_genkey("p256", key, &ee->spki), 0);
	assert_int_equal(x509_name_parse("CN=ee.example.com,O=Example,C=US", &ee->subject, err,
					 sizeof err),
			 0);
	base_tbs(&t, ee, ca);
	t.key_usage = X509_KU_DIGITAL_SIGNATURE;
	t.has_aki = 1;
	memcpy(t.aki, ca->ski, 20);
	sign_cert(&t, ca->name, &ee->der);
	snprintf(ee->pem, sizeof ee->pem, "%s", oracle_path(name));
	assert_int_equal(oracle_write_pem(ee->pem, "CERTIFICATE", &ee->der), 0);
}

static void base_crl(struct x509_crl *c, const struct issued *ca, uint64_t number)
{
	memset(c, 0, sizeof *c);
	c->sigalg = ca->alg;
	c->issuer = ca->subject;
	memcpy(c->aki, ca->ski, 20);
	c->has_aki = 1;
	/* One clock for every CRL of a run: a base and its delta made either side of a
	 * second boundary must not differ in what the oracle is asked. */
	static time_t t0;

	if (t0 == 0)
		t0 = time(NULL) - 60;
	c->this_update = t0;
	c->next_update = c->this_update + 7 * 86400L;
	c->number = number;
	c->idp_url = IDP;
	c->freshest_url = FRESHEST;
}

static void delta_crl(struct x509_crl *c, const struct issued *ca, uint64_t number,
		      uint64_t base)
{
	base_crl(c, ca, number);
	c->is_delta = 1;
	c->base_number = base;
	c->freshest_url = NULL;
	c->next_update = c->this_update + 86400L;
}

static void entry_for(struct x509_crl_entry *e, const struct issued *cert, int reason)
{
	memset(e, 0, sizeof *e);
	memcpy(e->serial, cert->serial, X509_SERIAL_LEN);
	e->serial_len = X509_SERIAL_LEN;
	e->revoked_at = time(NULL) - 120;
	e->reason = reason;
}

/* n entries with distinct serials 1..n (as 2-byte integers) and reasons cycling
 * through every value the builder accepts in this kind of CRL. */
static struct x509_crl_entry *many_entries(size_t n, int delta)
{
	static const int reasons[] = {-1, 0, 1, 2, 3, 4, 5, 6, 9, 10, 8};
	size_t nr = delta ? 11 : 10;
	struct x509_crl_entry *e = calloc(n, sizeof *e);

	assert_non_null(e);
	for (size_t i = 0; i < n; i++) {
		size_t v = i + 1;
		e[i].serial[0] = (uint8_t)((v >> 16) & 0x7f);
		e[i].serial[1] = (uint8_t)(v >> 8);
		e[i].serial[2] = (uint8_t)v;
		e[i].serial_len = 3;
		if (e[i].serial[0] == 0 && !(e[i].serial[1] & 0x80)) { /* keep it minimal */
			memmove(e[i].serial, e[i].serial + 1, 2);
			e[i].serial_len = 2;
			if (e[i].serial[0] == 0 && !(e[i].serial[1] & 0x80)) {
				e[i].serial[0] = e[i].serial[1];
				e[i].serial_len = 1;
			}
		}
		e[i].revoked_at = time(NULL) - 86400 + (time_t)i;
		e[i].reason = reasons[i % nr];
		e[i].invalidity = i % 3 == 0 ? e[i].revoked_at - 3600 : 0;
	}
	return e;
}

static size_t reasons_written(const struct x509_crl_entry *e, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += e[i].reason > 0;
	return k;
}

static size_t invalidity_written(const struct x509_crl_entry *e, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += e[i].invalidity != 0;
	return k;
}

/* Encodes, lints (x509_crl_tbs_decode), signs with the CA's key, assembles,
 * writes DER and PEM files named after name. */
static void sign_crl(const struct x509_crl *c, const struct issued *ca, const char *name,
		     struct x509_buf *crl)
{
	struct x509_buf tbs, sig;
	struct x509_crl_info ci;
	char path[64];

	if (x509_crl_tbs_encode(c, &tbs, err, sizeof err) != 0)
		fail_msg("crl tbs: %s", err);
	if (x509_crl_tbs_decode(tbs.data, tbs.len, &ci, err, sizeof err) != 0)
		fail_msg("crl lint: %s", err);
	assert_int_equal(ci.n_entries, c->n_entries);
	assert_null(ci.sig.data);
	x509_crl_info_free(&ci);
	assert_int_equal(oracle_sign(ca->name, c->sigalg, tbs.data, tbs.len, &sig), 0);
	assert_int_equal(x509_crl_assemble(&tbs, c->sigalg, sig.data, sig.len, crl), 0);
	snprintf(path, sizeof path, "%s.der", name);
	assert_int_equal(oracle_write(oracle_path(path), crl->data, crl->len), 0);
	snprintf(path, sizeof path, "%s.pem", name);
	assert_int_equal(oracle_write_pem(oracle_path(path), "X509 CRL", crl), 0);
	x509_buf_free(&tbs);
	x509_buf_free(&sig);
}

/* openssl checks the CRL's signature with the CA certificate. */
static void oracle_crl_verifies(const struct issued *ca, const char *name)
{
	char path[64], *out = NULL;

	snprintf(path, sizeof path, "%s.der", name);
	if (oracle_run(&out, "openssl crl -inform DER -in '%s' -CAfile '%s' -noout",
		       oracle_path(path), ca->pem) != 0 ||
	    strstr(out, "verify OK") == NULL)
		fail_msg("openssl crl verify of %s: %s", name, out);
	free(out);
}

static char *crl_text(const char *name)
{
	char path[64], *out = NULL;

	snprintf(path, sizeof path, "%s.der", name);
	assert_int_equal(oracle_run(&out, "openssl crl -inform DER -in '%s' -noout -text",
				    oracle_path(path)),
			 0);
	return out;
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

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void hex_colon(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", d[i], i + 1 < n ? ":" : "");
}

/* `openssl verify -crl_check` of the certificate against the CA and the CRL
 * files given (base, then optionally a delta); the exit status. */
static int oracle_verify(const struct issued *ca, const struct issued *cert, const char *base,
			 const char *delta, char **out)
{
	char b[64], d[64], dp[300] = "";

	snprintf(b, sizeof b, "%s.pem", base);
	if (delta != NULL) {
		snprintf(d, sizeof d, "%s.pem", delta);
		snprintf(dp, sizeof dp, "-use_deltas -CRLfile '%s'", oracle_path(d));
	}
	return oracle_run(out, "openssl verify -x509_strict -crl_check -CAfile '%s' -CRLfile '%s' %s '%s'",
			  ca->pem, oracle_path(b), dp, cert->pem);
}

static void expect_revoked(const struct issued *ca, const struct issued *cert, const char *base,
			   const char *delta)
{
	char *out = NULL;

	if (oracle_verify(ca, cert, base, delta, &out) == 0 ||
	    strstr(out, "certificate revoked") == NULL)
		fail_msg("%s should be revoked by %s%s%s: %s", cert->name, base, delta ? "+" : "",
			 delta ? delta : "", out);
	free(out);
}

static void expect_good(const struct issued *ca, const struct issued *cert, const char *base,
			const char *delta)
{
	char *out = NULL;

	if (oracle_verify(ca, cert, base, delta, &out) != 0)
		fail_msg("%s should verify with %s: %s", cert->name, base, out);
	free(out);
}

static void decode_crl(const struct x509_buf *crl, struct x509_crl_info *ci)
{
	if (x509_crl_decode(crl->data, crl->len, ci, err, sizeof err) != 0)
		fail_msg("x509_crl_decode: %s", err);
}

/* Our own verification (wolfSSL) agrees with openssl's. */
static void check_our_signature(const struct x509_crl_info *ci, const struct issued *ca)
{
	if (x509_crl_verify_signature(ci, ca->spki.data, ca->spki.len, err, sizeof err) != 0)
		fail_msg("our verification of the CRL: %s", err);
}

static void check_base_text(const char *text, const struct issued *ca, const char *number)
{
	char aki[64];

	hex_colon(ca->ski, 20, aki);
	if (!has_seq(text, "X509v3 CRL Number:", number) || !strstr(text, "Version 2 (0x1)") ||
	    !has_seq(text, "X509v3 Authority Key Identifier:", aki) ||
	    !has_seq(text, "X509v3 Issuing Distribution Point: critical", "Full Name:") ||
	    !has_seq(text, "Full Name:", "URI:" IDP) || !has_seq(text, "Full Name:", "URI:" FRESHEST) ||
	    !strstr(text, "Freshest CRL") || strstr(text, "Delta CRL Indicator") != NULL)
		fail_msg("openssl text of the base CRL lacks something:\n%s", text);
	/* Extension order: AKI, cRLNumber, IDP, freshestCRL. */
	assert_true(strstr(text, "Authority Key Identifier") < strstr(text, "CRL Number"));
	assert_true(strstr(text, "CRL Number") < strstr(text, "Issuing Distribution Point"));
	assert_true(strstr(text, "Issuing Distribution Point") < strstr(text, "Freshest CRL"));
}

static void test_base_empty(void **state)
{
	struct issued ca, ee;
	struct x509_crl c;
	struct x509_crl_info ci;
	struct x509_buf crl;
	char *text;

	(void)state;
	make_ca("rsa2048", "ca0", &ca);
	make_ee("ee0.pem", &ca, &ee);
	base_crl(&c, &ca, 1);
	sign_crl(&c, &ca, "base0", &crl);
	oracle_crl_verifies(&ca, "base0");
	text = crl_text("base0");
	check_base_text(text, &ca, "1");
	if (!strstr(text, "No Revoked Certificates."))
		fail_msg("an empty CRL lists something:\n%s", text);
	free(text);
	expect_good(&ca, &ee, "base0", NULL);

	decode_crl(&crl, &ci);
	assert_int_equal(ci.version, 2);
	assert_int_equal(ci.sigalg, X509_SIG_RSA_SHA256);
	assert_int_equal(ci.has_number, 1);
	assert_int_equal(ci.number, 1);
	assert_int_equal(ci.is_delta, 0);
	assert_int_equal(ci.n_entries, 0);
	assert_int_equal(ci.has_idp, 1);
	assert_int_equal(ci.has_freshest, 1);
	assert_int_equal(ci.has_aki, 1);
	assert_memory_equal(ci.aki, ca.ski, 20);
	assert_int_equal(ci.this_update, c.this_update);
	assert_int_equal(ci.next_update, c.next_update);
	assert_int_equal(ci.issuer.len, ca.subject.len);
	assert_memory_equal(ci.issuer.data, ca.subject.data, ca.subject.len);
	check_our_signature(&ci, &ca);
	x509_crl_info_free(&ci);
	x509_buf_free(&crl);
	issued_free(&ee);
	issued_free(&ca);
}

static void test_base_one(void **state)
{
	struct issued ca, revoked, good;
	struct x509_crl c;
	struct x509_crl_entry e;
	struct x509_crl_info ci;
	struct x509_buf crl;
	struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 0, .tm_mday = 2, .tm_hour = 3,
			.tm_min = 4, .tm_sec = 5};
	char serial[64], *text;

	(void)state;
	make_ca("p256", "ca1", &ca);
	make_ee("rev1.pem", &ca, &revoked);
	make_ee("good1.pem", &ca, &good);
	base_crl(&c, &ca, 42);
	entry_for(&e, &revoked, X509_CRL_REASON_KEY_COMPROMISE);
	e.invalidity = timegm(&tm);
	c.entries = &e;
	c.n_entries = 1;
	sign_crl(&c, &ca, "base1", &crl);
	oracle_crl_verifies(&ca, "base1");
	text = crl_text("base1");
	check_base_text(text, &ca, "42");
	for (size_t i = 0; i < X509_SERIAL_LEN; i++)
		sprintf(serial + 2 * i, "%02X", revoked.serial[i]);
	if (!has_seq(text, "Serial Number:", serial) ||
	    !has_seq(text, "X509v3 CRL Reason Code:", "Key Compromise") ||
	    !has_seq(text, "Invalidity Date:", "Jan  2 03:04:05 2026 GMT") ||
	    !has_seq(text, "Signature Algorithm:", "ecdsa-with-SHA256"))
		fail_msg("openssl text of the one-entry CRL lacks something:\n%s", text);
	free(text);
	expect_revoked(&ca, &revoked, "base1", NULL);
	expect_good(&ca, &good, "base1", NULL);

	decode_crl(&crl, &ci);
	assert_int_equal(ci.number, 42);
	assert_int_equal(ci.n_entries, 1);
	assert_int_equal(ci.n_reasons, 1);
	assert_int_equal(ci.n_invalidity, 1);
	check_our_signature(&ci, &ca);
	x509_crl_info_free(&ci);
	x509_buf_free(&crl);
	issued_free(&revoked);
	issued_free(&good);
	issued_free(&ca);
}

static void test_base_many(void **state)
{
	enum { N = 2000 };
	struct issued ca, revoked, good;
	struct x509_crl c;
	struct x509_crl_entry *e = many_entries(N, 0);
	struct x509_crl_info ci;
	struct x509_buf crl;
	char *text;

	(void)state;
	make_ca("p384", "can", &ca);
	make_ee("revn.pem", &ca, &revoked);
	make_ee("goodn.pem", &ca, &good);
	entry_for(&e[N / 2], &revoked, X509_CRL_REASON_SUPERSEDED);
	base_crl(&c, &ca, 0x1122334455667788ull); /* high bit clear; 8-byte cRLNumber */
	c.entries = e;
	c.n_entries = N;
	sign_crl(&c, &ca, "basen", &crl);
	oracle_crl_verifies(&ca, "basen");
	text = crl_text("basen");
	check_base_text(text, &ca, "1234605616436508552");
	assert_int_equal(count(text, "Serial Number:"), N);
	assert_int_equal(count(text, "X509v3 CRL Reason Code:"), reasons_written(e, N));
	assert_int_equal(count(text, "Invalidity Date:"), invalidity_written(e, N));
	/* Reason 0 is left out (RFC 5280 5.3.1), never written as unspecified. */
	assert_null(strstr(text, "Unspecified"));
	assert_non_null(strstr(text, "AA Compromise"));
	assert_non_null(strstr(text, "Privilege Withdrawn"));
	assert_non_null(strstr(text, "Certificate Hold"));
	free(text);
	expect_revoked(&ca, &revoked, "basen", NULL);
	expect_good(&ca, &good, "basen", NULL);

	decode_crl(&crl, &ci);
	assert_int_equal(ci.sigalg, X509_SIG_ECDSA_SHA384);
	assert_int_equal(ci.number, 0x1122334455667788ull);
	assert_int_equal(ci.n_entries, N);
	assert_int_equal(ci.n_reasons, reasons_written(e, N));
	assert_int_equal(ci.n_invalidity, invalidity_written(e, N));
	check_our_signature(&ci, &ca);
	x509_crl_info_free(&ci);
	x509_buf_free(&crl);
	free(e);
	issued_free(&revoked);
	issued_free(&good);
	issued_free(&ca);
}

/* A base CRL, then deltas on it with 0, 1 and many entries; openssl applies a
 * delta when asked to (-use_deltas). */
static void test_deltas(void **state)
{
	enum { N = 300 };
	struct issued ca, in_base, in_delta;
	struct x509_crl c;
	struct x509_crl_entry eb, ed, *many = many_entries(N, 1);
	struct x509_crl_info ci;
	struct x509_buf crl;
	char *text;

	(void)state;
	make_ca("rsa2048", "cad", &ca);
	make_ee("inbase.pem", &ca, &in_base);
	make_ee("indelta.pem", &ca, &in_delta);
	base_crl(&c, &ca, 10);
	entry_for(&eb, &in_base, X509_CRL_REASON_CA_COMPROMISE);
	c.entries = &eb;
	c.n_entries = 1;
	sign_crl(&c, &ca, "dbase", &crl);
	x509_buf_free(&crl);

	/* Empty delta: nothing new. */
	delta_crl(&c, &ca, 11, 10);
	sign_crl(&c, &ca, "delta0", &crl);
	oracle_crl_verifies(&ca, "delta0");
	text = crl_text("delta0");
	if (!has_seq(text, "X509v3 Delta CRL Indicator: critical", "10") ||
	    !has_seq(text, "X509v3 CRL Number:", "11") || strstr(text, "Freshest CRL") != NULL ||
	    !strstr(text, "No Revoked Certificates."))
		fail_msg("openssl text of the empty delta lacks something:\n%s", text);
	free(text);
	decode_crl(&crl, &ci);
	assert_int_equal(ci.is_delta, 1);
	assert_int_equal(ci.base_number, 10);
	assert_int_equal(ci.number, 11);
	assert_int_equal(ci.has_freshest, 0);
	assert_int_equal(ci.n_entries, 0);
	x509_crl_info_free(&ci);
	x509_buf_free(&crl);
	expect_good(&ca, &in_delta, "dbase", "delta0");
	expect_revoked(&ca, &in_base, "dbase", "delta0");

	/* One entry: the certificate revoked since the base. */
	delta_crl(&c, &ca, 12, 10);
	entry_for(&ed, &in_delta, X509_CRL_REASON_AFFILIATION_CHANGED);
	c.entries = &ed;
	c.n_entries = 1;
	sign_crl(&c, &ca, "delta1", &crl);
	oracle_crl_verifies(&ca, "delta1");
	text = crl_text("delta1");
	if (!has_seq(text, "X509v3 CRL Reason Code:", "Affiliation Changed"))
		fail_msg("openssl text of the one-entry delta lacks the reason:\n%s", text);
	free(text);
	x509_buf_free(&crl);
	expect_good(&ca, &in_delta, "dbase", NULL);
	expect_revoked(&ca, &in_delta, "dbase", "delta1");

	/* Many entries, removeFromCRL among them (delta only). */
	delta_crl(&c, &ca, 13, 10);
	c.entries = many;
	c.n_entries = N;
	sign_crl(&c, &ca, "deltan", &crl);
	oracle_crl_verifies(&ca, "deltan");
	text = crl_text("deltan");
	assert_int_equal(count(text, "Serial Number:"), N);
	assert_non_null(strstr(text, "Remove From CRL"));
	free(text);
	decode_crl(&crl, &ci);
	assert_int_equal(ci.is_delta, 1);
	assert_int_equal(ci.n_entries, N);
	assert_int_equal(ci.n_reasons, reasons_written(many, N));
	x509_crl_info_free(&ci);
	x509_buf_free(&crl);
	free(many);
	issued_free(&in_base);
	issued_free(&in_delta);
	issued_free(&ca);
}

/* UTCTime through 2049, GeneralizedTime from 2050; invalidityDate always
 * GeneralizedTime. */
static void test_dates(void **state)
{
	struct issued ca;
	struct x509_crl c;
	struct x509_crl_entry e;
	struct x509_crl_info ci;
	struct x509_buf crl;
	struct tm tm = {.tm_year = 2049 - 1900, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23,
			.tm_min = 59, .tm_sec = 59};
	char *out = NULL;

	(void)state;
	make_ca("p256", "cat", &ca);
	base_crl(&c, &ca, 7);
	c.this_update = timegm(&tm);
	c.next_update = c.this_update + 1;
	memset(&e, 0, sizeof e);
	e.serial[0] = 0x05;
	e.serial_len = 1;
	e.revoked_at = c.this_update - 86400;
	e.invalidity = c.this_update - 2 * 86400;
	e.reason = X509_CRL_REASON_NONE;
	c.entries = &e;
	c.n_entries = 1;
	sign_crl(&c, &ca, "dates", &crl);
	assert_int_equal(oracle_run(&out, "openssl asn1parse -inform DER -in '%s'",
				    oracle_path("dates.der")),
			 0);
	if (!strstr(out, "UTCTIME           :491231235959Z") ||
	    !strstr(out, "GENERALIZEDTIME   :20500101000000Z") ||
	    !strstr(out, "UTCTIME           :491230235959Z"))
		fail_msg("time types:\n%s", out);
	free(out);
	/* The invalidityDate sits inside an OCTET STRING: look at its bytes. */
	assert_non_null(memmem(crl.data, crl.len, "\x18\x0f" "20491229235959Z", 17));
	decode_crl(&crl, &ci);
	assert_int_equal(ci.this_update, c.this_update);
	assert_int_equal(ci.next_update, c.next_update);
	assert_int_equal(ci.n_invalidity, 1);
	assert_int_equal(ci.n_reasons, 0);
	x509_crl_info_free(&ci);
	x509_buf_free(&crl);
	issued_free(&ca);
}

static void test_refusals(void **state)
{
	static const uint8_t empty_name[] = {0x30, 0x00};
	struct issued ca;
	struct x509_crl c;
	struct x509_crl_entry e[2];
	struct x509_buf out;

	(void)state;
	make_ca("p256", "car", &ca);
#define REFUSE(mutation, needle)                                                          \
	do {                                                                               \
		base_crl(&c, &ca, 5);                                                      \
		memset(e, 0, sizeof e);                                                    \
		e[0].serial[0] = 1, e[0].serial_len = 1, e[0].revoked_at = c.this_update;  \
		e[1] = e[0], e[1].serial[0] = 2, e[1].reason = 1;                          \
		c.entries = e;                                                             \
		c.n_entries = 2;                                                           \
		mutation;                                                                  \
		err[0] = 0;                                                                \
		assert_int_equal(x509_crl_tbs_encode(&c, &out, err, sizeof err), -1);      \
		assert_null(out.data);                                                     \
		if (strstr(err, needle) == NULL)                                           \
			fail_msg("'%s' lacks '%s'", err, needle);                          \
	} while (0)
	REFUSE(c.issuer.data = NULL, "issuer");
	REFUSE((c.issuer.data = (uint8_t *)empty_name, c.issuer.len = 2), "issuer: empty");
	REFUSE(c.issuer.len -= 1, "issuer");
	REFUSE(c.next_update = c.this_update, "next_update");
	REFUSE(c.next_update = c.this_update - 1, "next_update");
	REFUSE(c.sigalg = X509_SIG_NONE, "sigalg");
	REFUSE(e[1].reason = 7, "entries[1].reason");
	REFUSE(e[1].reason = 11, "entries[1].reason");
	REFUSE(e[1].reason = -2, "entries[1].reason");
	REFUSE(e[1].reason = 8, "entries[1].reason: removeFromCRL");
	REFUSE(e[0].serial_len = 21, "entries[0].serial");
	REFUSE(e[0].serial_len = 0, "entries[0].serial");
	REFUSE(e[1].serial[0] = 0x80, "entries[1].serial: must be positive");
	REFUSE(e[1].serial[0] = 0, "entries[1].serial: must not be zero");
	REFUSE((e[1].serial[0] = 0, e[1].serial[1] = 1, e[1].serial_len = 2),
	       "entries[1].serial: redundant");
	REFUSE(c.entries = NULL, "entries");
	REFUSE(e[1].invalidity = -5, "entries[1].invalidity");
	REFUSE(e[1].revoked_at = -(time_t)40 * 365 * 86400, "entries[1]");
	REFUSE((c.is_delta = 1, c.base_number = 5), "base_number");
	REFUSE((c.is_delta = 1, c.base_number = 1), "freshest_url");
	REFUSE(c.idp_url = "http://a b", "idp_url");
	REFUSE(c.freshest_url = "no-scheme", "freshest_url");
	REFUSE(c.this_update = -(time_t)30 * 365 * 86400, "this_update");
#undef REFUSE
	assert_int_equal(x509_crl_tbs_encode(NULL, &out, err, sizeof err), -1);
	/* "" URLs mean none; a 20-byte serial with a leading 00 before a high bit is fine. */
	base_crl(&c, &ca, 5);
	c.idp_url = "";
	c.freshest_url = "";
	memset(e, 0, sizeof e);
	e[0].serial[1] = 0x80;
	e[0].serial_len = 20;
	e[0].revoked_at = c.this_update;
	c.entries = e;
	c.n_entries = 1;
	assert_int_equal(x509_crl_tbs_encode(&c, &out, err, sizeof err), 0);
	struct x509_crl_info ci;
	assert_int_equal(x509_crl_tbs_decode(out.data, out.len, &ci, err, sizeof err), 0);
	assert_int_equal(ci.has_idp, 0);
	assert_int_equal(ci.has_freshest, 0);
	assert_int_equal(ci.n_entries, 1);
	x509_crl_info_free(&ci);
	x509_buf_free(&out);
	issued_free(&ca);
}

/* X509_CRL_MAX_SIZE itself (256 MiB) is not reached here: ~6 million entries,
 * 0.3 GB of entry array and 0.3 GB of DER, several times the time and memory
 * under ASan. The same path is taken through max_size, which can only lower the
 * limit; the decoders' limit is checked on a lazily mapped region (never read). */
static void test_size_limit(void **state)
{
	enum { N = 40000 }; /* ~1.8 MB: beyond the old 1 MiB limit of every writer */
	struct issued ca;
	struct x509_crl c;
	struct x509_crl_entry *e = many_entries(N, 0);
	struct x509_crl_info ci;
	struct x509_buf out, again;
	char want[96];
	size_t full;

	(void)state;
	make_ca("p256", "cal", &ca);
	base_crl(&c, &ca, 9);
	c.entries = e;
	c.n_entries = N;
	if (x509_crl_tbs_encode(&c, &out, err, sizeof err) != 0)
		fail_msg("%d entries: %s", N, err);
	full = out.len;
	assert_true(full > (1u << 20));
	if (x509_crl_tbs_decode(out.data, out.len, &ci, err, sizeof err) != 0)
		fail_msg("decode of %d entries: %s", N, err);
	assert_int_equal(ci.n_entries, N);
	assert_int_equal(ci.n_reasons, reasons_written(e, N));
	assert_int_equal(ci.n_invalidity, invalidity_written(e, N));
	x509_crl_info_free(&ci);

	/* A limit one byte short of the CRL refuses it with a message; at its size it fits. */
	c.max_size = full - 1;
	assert_int_equal(x509_crl_tbs_encode(&c, &again, err, sizeof err), -1);
	assert_null(again.data);
	snprintf(want, sizeof want, "crl: larger than %zu bytes", full - 1);
	if (strstr(err, want) == NULL)
		fail_msg("'%s' lacks '%s'", err, want);
	c.max_size = full;
	assert_int_equal(x509_crl_tbs_encode(&c, &again, err, sizeof err), 0);
	assert_int_equal(again.len, full);
	assert_memory_equal(again.data, out.data, full);
	x509_buf_free(&again);
	/* Reached before the entries, in the header. */
	c.max_size = 64;
	assert_int_equal(x509_crl_tbs_encode(&c, &again, err, sizeof err), -1);
	assert_non_null(strstr(err, "crl: larger than 64 bytes"));
	/* max_size cannot raise the limit. */
	c.max_size = 2 * X509_CRL_MAX_SIZE;
	c.n_entries = 1;
	assert_int_equal(x509_crl_tbs_encode(&c, &again, err, sizeof err), 0);
	x509_buf_free(&again);

	/* The decoders: a TBS above X509_CRL_MAX_SIZE, a CRL above it plus its envelope. */
	size_t map = X509_CRL_MAX_SIZE + X509_CRL_ENVELOPE_MAX + 1;
	uint8_t *big = mmap(NULL, map, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			    -1, 0);
	assert_true(big != MAP_FAILED);
	assert_int_equal(x509_crl_tbs_decode(big, X509_CRL_MAX_SIZE + 1, &ci, err, sizeof err),
			 -1);
	snprintf(want, sizeof want, "larger than %zu bytes", X509_CRL_MAX_SIZE);
	assert_non_null(strstr(err, want));
	assert_int_equal(x509_crl_decode(big, map, &ci, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than"));
	munmap(big, map);
	x509_buf_free(&out);
	free(e);
	issued_free(&ca);
}

/* Assembly: a CRL's TBS may exceed the 1 MiB that certificates and requests
 * keep; above X509_CRL_MAX_SIZE it is refused. */
static void test_assemble_limits(void **state)
{
	enum { BIG = 2u << 20 };
	static const uint8_t sig[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	uint8_t *tbs = calloc(1, BIG + 10);
	struct x509_buf in = {tbs, BIG + 10}, out;
	struct x509_crl_info ci;

	(void)state;
	assert_non_null(tbs);
	/* SEQUENCE { OCTET STRING (2 MiB of zeros) } */
	memcpy(tbs, "\x30\x83\x20\x00\x05\x04\x83\x20\x00\x00", 10);
	assert_int_equal(x509_cert_assemble(&in, X509_SIG_ECDSA_SHA256, sig, sizeof sig, &out), -1);
	assert_null(out.data);
	assert_int_equal(x509_csr_assemble(&in, X509_SIG_ECDSA_SHA256, sig, sizeof sig, &out), -1);
	assert_int_equal(x509_crl_assemble(&in, X509_SIG_ECDSA_SHA256, sig, sizeof sig, &out), 0);
	assert_true(out.len > in.len);
	/* What came out is a CertificateList envelope around the bytes (the TBS is
	 * no TBSCertList, so the decoder goes no further than that). */
	assert_int_equal(x509_crl_decode(out.data, out.len, &ci, err, sizeof err), -1);
	assert_null(strstr(err, "larger than"));
	x509_buf_free(&out);
	free(tbs);

	/* One byte over X509_CRL_MAX_SIZE, well framed (a SEQUENCE announcing exactly
	 * its length), so only the size can refuse it; mapped without reserving
	 * memory: refused before a byte past the header is read. */
	{
		size_t big = (size_t)X509_CRL_MAX_SIZE + 1, body = big - 6;
		uint8_t *m = mmap(NULL, big, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		assert_true(m != MAP_FAILED);
		m[0] = 0x30;
		m[1] = 0x84;
		for (int i = 0; i < 4; i++)
			m[2 + i] = (uint8_t)(body >> (24 - 8 * i));
		in = (struct x509_buf){m, big};
		assert_int_equal(x509_crl_assemble(&in, X509_SIG_ECDSA_SHA256, sig, sizeof sig,
						   &out), -1);
		assert_null(out.data);
		munmap(m, big);
	}
}

/* The decoder: truncations and trailing bytes; an openssl-made CRL (v2 with
 * cRLNumber and AKI) decodes; assembly refuses what is not one SEQUENCE. */
static void test_decode_rejects(void **state)
{
	struct issued ca;
	struct x509_crl c;
	struct x509_crl_entry e;
	struct x509_crl_info ci;
	struct x509_buf crl, osl;
	uint8_t *buf;
	uint8_t sig[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	(void)state;
	make_ca("p256", "cax", &ca);
	base_crl(&c, &ca, 3);
	memset(&e, 0, sizeof e);
	e.serial[0] = 0x33;
	e.serial_len = 1;
	e.revoked_at = c.this_update;
	e.reason = 1;
	c.entries = &e;
	c.n_entries = 1;
	sign_crl(&c, &ca, "rej", &crl);
	buf = malloc(crl.len + 1);
	memcpy(buf, crl.data, crl.len);
	for (size_t n = 0; n < crl.len; n++)
		assert_int_equal(x509_crl_decode(buf, n, &ci, err, sizeof err), -1);
	buf[crl.len] = 0;
	assert_int_equal(x509_crl_decode(buf, crl.len + 1, &ci, err, sizeof err), -1);
	assert_null(ci.tbs.data);
	/* A certificate is not a CRL. */
	assert_int_equal(x509_crl_decode(ca.der.data, ca.der.len, &ci, err, sizeof err), -1);
	/* reasonCode 1 -> 7 (unassigned): ENUMERATED 01 is the only 0a 01 01 in it. */
	uint8_t *r = memmem(buf, crl.len, "\x0a\x01\x01", 3);
	assert_non_null(r);
	r[2] = 7;
	assert_int_equal(x509_crl_decode(buf, crl.len, &ci, err, sizeof err), -1);
	assert_non_null(strstr(err, "reasonCode"));
	free(buf);
	x509_buf_free(&crl);

	/* An openssl-made CRL of the same CA. */
	assert_int_equal(oracle_write(oracle_path("index.txt"), "", 0), 0);
	assert_int_equal(oracle_write(oracle_path("crlnumber"), "1000\n", 5), 0);
	char cnf[1024];
	int n = snprintf(cnf, sizeof cnf,
			 "[ca]\ndefault_ca=d\n[d]\ndatabase=%s\ncrlnumber=%s\n"
			 "default_md=sha256\ndefault_crl_days=1\ncrl_extensions=x\n"
			 "[x]\nauthorityKeyIdentifier=keyid\n",
			 oracle_path("index.txt"), oracle_path("crlnumber"));
	assert_int_equal(oracle_write(oracle_path("ca.cnf"), cnf, (size_t)n), 0);
	assert_int_equal(oracle_run(NULL,
				    "(openssl ca -config '%s' -gencrl -keyfile '%s/cax.key' -cert '%s' "
				    "-out '%s' && openssl crl -in '%s' -outform DER -out '%s')",
				    oracle_path("ca.cnf"), oracle_dir(), ca.pem, oracle_path("o.pem"),
				    oracle_path("o.pem"), oracle_path("o.der")),
			 0);
	assert_int_equal(oracle_read(oracle_path("o.der"), &osl), 0);
	if (x509_crl_decode(osl.data, osl.len, &ci, err, sizeof err) != 0)
		fail_msg("openssl CRL: %s", err);
	assert_int_equal(ci.number, 0x1000);
	assert_int_equal(ci.has_aki, 1);
	assert_memory_equal(ci.aki, ca.ski, 20);
	check_our_signature(&ci, &ca);
	x509_crl_info_free(&ci);
	x509_buf_free(&osl);

	/* Assembly: the TBS must be one SEQUENCE. */
	struct x509_buf bad = {(uint8_t *)"\x04\x00", 2};
	assert_int_equal(x509_crl_assemble(&bad, ca.alg, sig, sizeof sig, &crl), -1);
	assert_null(crl.data);
	issued_free(&ca);
}

/* A large CRL end to end: built, linted, signed, assembled, decoded again and
 * verified by us and by openssl, which also finds every entry and applies the
 * CRL to a certificate in its middle. 200,000 entries (~9 MB; a million are
 * measured in tests/bench instead: openssl's text dump of them takes seconds). */
static void test_large(void **state)
{
	enum { N = 200000 };
	struct issued ca, revoked, good;
	struct x509_crl c;
	struct x509_crl_entry *e = many_entries(N, 0);
	struct x509_crl_info ci;
	struct x509_buf tbs, sig, crl;
	char *out = NULL;

	(void)state;
	make_ca("p256", "cabig", &ca);
	make_ee("revbig.pem", &ca, &revoked);
	make_ee("goodbig.pem", &ca, &good);
	entry_for(&e[N / 2], &revoked, X509_CRL_REASON_KEY_COMPROMISE);
	base_crl(&c, &ca, 1000);
	c.entries = e;
	c.n_entries = N;
	if (x509_crl_tbs_encode(&c, &tbs, err, sizeof err) != 0)
		fail_msg("%d entries: %s", N, err);
	assert_true(tbs.len > 4u << 20); /* four times the old limit of every writer */
	if (x509_crl_tbs_decode(tbs.data, tbs.len, &ci, err, sizeof err) != 0)
		fail_msg("lint of %d entries: %s", N, err);
	assert_int_equal(ci.n_entries, N);
	assert_int_equal(ci.n_reasons, reasons_written(e, N));
	assert_int_equal(ci.n_invalidity, invalidity_written(e, N));
	x509_crl_info_free(&ci);
	assert_int_equal(oracle_sign(ca.name, c.sigalg, tbs.data, tbs.len, &sig), 0);
	assert_int_equal(x509_crl_assemble(&tbs, c.sigalg, sig.data, sig.len, &crl), 0);
	decode_crl(&crl, &ci);
	assert_int_equal(ci.n_entries, N);
	assert_int_equal(ci.number, 1000);
	assert_int_equal(ci.tbs.len, tbs.len);
	check_our_signature(&ci, &ca);
	x509_crl_info_free(&ci);

	/* openssl: signature, entry count, and the revocation of one certificate
	 * (its verify takes PEM CRLs; x509_pem_encode stops at 1 MiB). */
	assert_int_equal(oracle_write(oracle_path("big.der"), crl.data, crl.len), 0);
	oracle_crl_verifies(&ca, "big");
	assert_int_equal(oracle_run(&out, "openssl crl -inform DER -in '%s' -noout -text | "
					  "grep -c 'Serial Number:'",
				    oracle_path("big.der")),
			 0);
	assert_int_equal(strtoul(out, NULL, 10), N);
	free(out);
	assert_int_equal(oracle_run(NULL, "openssl crl -inform DER -in '%s' -out '%s'",
				    oracle_path("big.der"), oracle_path("big.pem")),
			 0);
	expect_revoked(&ca, &revoked, "big", NULL);
	expect_good(&ca, &good, "big", NULL);
	x509_buf_free(&crl);
	x509_buf_free(&sig);
	x509_buf_free(&tbs);
	free(e);
	issued_free(&revoked);
	issued_free(&good);
	issued_free(&ca);
}

/* ---- hand-made entries (crlent.c) ---- */

/* Test DER in a small notation, so that each malformed entry reads as what it
 * breaks:
 *   HH{...}      tag HH, minimal length, the contents in between
 *   HH=~N{...}   the length in long form with N octets (not minimal if it fits less)
 *   HH=+K{...}   the length of the contents plus K (HH=-K{...}: minus K)
 *   HH=LL..{...} the length octets as given in hex (80: indefinite)
 *   HH           one octet; '...' text as is; spaces are ignored. */
static uint8_t hex_octet(const char **s)
{
	unsigned v = 0;

	for (int i = 0; i < 2; i++, (*s)++) {
		char ch = **s;
		assert_true((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
		v = v * 16 + (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
	}
	return (uint8_t)v;
}

/* Length octets of n into lo: minimal, or long form with k octets when k > 0. */
static size_t length_octets(size_t n, size_t k, uint8_t *lo)
{
	if (k == 0 && n < 0x80) {
		lo[0] = (uint8_t)n;
		return 1;
	}
	if (k == 0)
		for (size_t v = n; v; v >>= 8)
			k++;
	lo[0] = (uint8_t)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		lo[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
	return 1 + k;
}

static size_t notation(const char **sp, uint8_t *out, size_t cap);

/* After "HH=" or "HH{": the length rule, the contents, the closing brace. */
static size_t notation_tlv(const char **sp, uint8_t tag, uint8_t *out, size_t cap)
{
	const char *s = *sp;
	uint8_t lo[16], *in = malloc(cap);
	size_t ll = 0, n, k = 0;
	long delta = 0;
	int given = 0, form = 0;

	assert_non_null(in);
	if (*s == '=') {
		s++;
		if (*s == '~' || *s == '+' || *s == '-') {
			form = *s++;
			k = strtoul(s, (char **)&s, 10);
			delta = form == '+' ? (long)k : form == '-' ? -(long)k : 0;
		} else {
			while (*s != '{')
				lo[ll++] = hex_octet(&s);
			given = 1;
		}
	}
	assert_true(*s == '{');
	s++;
	n = notation(&s, in, cap);
	assert_true(*s == '}');
	s++;
	if (!given)
		ll = length_octets((size_t)((long)n + delta), form == '~' ? k : 0, lo);
	assert_true(1 + ll + n <= cap);
	out[0] = tag;
	memcpy(out + 1, lo, ll);
	memcpy(out + 1 + ll, in, n);
	free(in);
	*sp = s;
	return 1 + ll + n;
}

static size_t notation(const char **sp, uint8_t *out, size_t cap)
{
	const char *s = *sp;
	size_t n = 0;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == 0 || *s == '}')
			break;
		if (*s == '\'') {
			for (s++; *s != '\''; s++) {
				assert_true(*s != 0 && n < cap);
				out[n++] = (uint8_t)*s;
			}
			s++;
			continue;
		}
		uint8_t b = hex_octet(&s);
		if (*s == '{' || *s == '=') {
			n += notation_tlv(&s, b, out + n, cap - n);
		} else {
			assert_true(n < cap);
			out[n++] = b;
		}
	}
	*sp = s;
	return n;
}

static void from_notation(const char *spec, struct x509_buf *out)
{
	const char *s = spec;

	out->data = malloc(8192);
	assert_non_null(out->data);
	out->len = notation(&s, out->data, 8192);
	if (*s != 0)
		fail_msg("notation: stray '%s'", s);
}

/* The TBS x509_crl_tbs_encode writes for c (no entries), with list (DER) put
 * in as revokedCertificates before crlExtensions; as a v1 TBSCertList (no
 * version, no crlExtensions) when v1. */
static void tbs_with_list(const struct x509_crl *c, const struct x509_buf *list, int v1,
			  struct x509_buf *out)
{
	struct x509_buf shell;
	uint8_t lo[8], *body;
	size_t hdr = 0, clen = 0, off, one, h = 0, cl = 0, n = 0, ll;

	assert_int_equal(x509_crl_tbs_encode(c, &shell, err, sizeof err), 0);
	assert_int_equal(der_header(shell.data, shell.len, &hdr, &clen), 0);
	body = malloc(shell.len + list->len);
	assert_non_null(body);
	for (off = hdr; off < shell.len; off += one) {
		assert_int_equal(der_header(shell.data + off, shell.len - off, &h, &cl), 0);
		one = h + cl;
		if (shell.data[off] == 0xa0) { /* crlExtensions: the list goes before */
			memcpy(body + n, list->data, list->len);
			n += list->len;
		}
		if (v1 && (shell.data[off] == 0x02 || shell.data[off] == 0xa0))
			continue;
		memcpy(body + n, shell.data + off, one);
		n += one;
	}
	ll = length_octets(n, 0, lo);
	out->data = malloc(1 + ll + n);
	assert_non_null(out->data);
	out->data[0] = 0x30;
	memcpy(out->data + 1, lo, ll);
	memcpy(out->data + 1 + ll, body, n);
	out->len = 1 + ll + n;
	free(body);
	x509_buf_free(&shell);
}

/* Entries 0 and 1 are good (1 with a reasonCode); the case is entry 2. */
#define T "17{'250101000000Z'}"
#define E0 "30{02{01} " T "}"
#define E1 "30{02{02} " T " 30{30{06{55 1d 15} 04{0a{01}}}}}"
#define ENTRY(x) "30{02{05} " T " " x "}"          /* entry 2 with extensions x */
#define EXTS(x) ENTRY("30{" x "}")
#define REASON(v) "30{06{55 1d 15} 04{" v "}}"    /* reasonCode, extnValue v */
#define INVAL(v) "30{06{55 1d 18} 04{" v "}}"     /* invalidityDate, extnValue v */
#define SERIAL(v) "30{" v " " T "}"
#define DATE(v) "30{02{05} " v "}"
#define S21 "01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15"

static void decode_list(const struct x509_crl *c, const char *list_spec, int v1, int *rc,
			struct x509_crl_info *ci)
{
	struct x509_buf list, tbs;

	from_notation(list_spec, &list);
	tbs_with_list(c, &list, v1, &tbs);
	err[0] = 0;
	*rc = x509_crl_tbs_decode(tbs.data, tbs.len, ci, err, sizeof err);
	x509_buf_free(&tbs);
	x509_buf_free(&list);
}

/* Each rule of an entry broken once; every refusal names entries[2] and why. */
static void test_entry_rejects(void **state)
{
	static const struct {
		const char *what, *entry, *needle;
	} cases[] = {
		/* the entry's own TLV */
		{"entry length short", "30=-1{02{05} " T "}", "entries[2]: bad revocationDate"},
		{"entry length long", "30=+1{02{05} " T "}", "entries[2]: not a DER SEQUENCE"},
		{"entry length long form", "30=~1{02{05} " T "}", "entries[2]: not a DER SEQUENCE"},
		{"entry length 2 octets", "30=~2{02{05} " T "}", "entries[2]: not a DER SEQUENCE"},
		{"entry length 5 octets", "30=~5{02{05} " T "}", "entries[2]: not a DER SEQUENCE"},
		{"entry indefinite", "30=80{02{05} " T " 00 00}", "entries[2]: not a DER SEQUENCE"},
		{"entry a SET", "31{02{05} " T "}", "entries[2]: not a DER SEQUENCE"},
		{"entry empty", "30{}", "entries[2]: userCertificate"},
		/* userCertificate */
		{"serial length short", SERIAL("02=-1{05 06}"), "entries[2]"},
		{"serial length long", SERIAL("02=+1{05}"), "entries[2]"},
		{"serial length long form", SERIAL("02=~1{05}"), "entries[2]: userCertificate"},
		{"serial 00 00 85", SERIAL("02{00 00 85}"), "entries[2].serial: redundant leading zero"},
		{"serial 00 05", SERIAL("02{00 05}"), "entries[2].serial: redundant leading zero"},
		{"serial negative", SERIAL("02{85}"), "entries[2].serial: must be positive"},
		{"serial empty", SERIAL("02{}"), "entries[2].serial: length must be 1..20"},
		{"serial 21 octets", SERIAL("02{" S21 "}"), "entries[2].serial: length must be 1..20"},
		{"serial zero", SERIAL("02{00}"), "entries[2].serial: must not be zero"},
		{"serial an OCTET STRING", SERIAL("04{05}"), "entries[2]: userCertificate"},
		{"serial missing", "30{" T "}", "entries[2]: userCertificate"},
		/* revocationDate */
		{"date missing", "30{02{05}}", "entries[2]: bad revocationDate"},
		{"date length short", DATE("17=-1{'250101000000Z'}"), "entries[2]: bad revocationDate"},
		{"date length long", DATE("17=+1{'250101000000Z'}"), "entries[2]: bad revocationDate"},
		{"date length long form", DATE("17=~1{'250101000000Z'}"), "entries[2]: bad revocationDate"},
		{"UTCTime without Z", DATE("17{'250101000000'}"), "entries[2]: bad revocationDate"},
		{"UTCTime without seconds", DATE("17{'2501010000Z'}"), "entries[2]: bad revocationDate"},
		{"UTCTime with offset", DATE("17{'250101000000+0100'}"), "entries[2]: bad revocationDate"},
		{"UTCTime Feb 30", DATE("17{'250230000000Z'}"), "entries[2]: bad revocationDate"},
		{"UTCTime Feb 29 2025", DATE("17{'250229000000Z'}"), "entries[2]: bad revocationDate"},
		{"UTCTime month 13", DATE("17{'251301000000Z'}"), "entries[2]: bad revocationDate"},
		{"UTCTime hour 24", DATE("17{'250101240000Z'}"), "entries[2]: bad revocationDate"},
		{"UTCTime second 60", DATE("17{'250101235960Z'}"), "entries[2]: bad revocationDate"},
		{"UTCTime digit 'a'", DATE("17{'2501a1000000Z'}"), "entries[2]: bad revocationDate"},
		{"GeneralizedTime short", DATE("18{'250101000000Z'}"), "entries[2]: bad revocationDate"},
		{"GeneralizedTime fraction", DATE("18{'20250101000000.5Z'}"), "entries[2]: bad revocationDate"},
		{"GeneralizedTime local", DATE("18{'20250101000000'}"), "entries[2]: bad revocationDate"},
		{"date an OCTET STRING", DATE("04{'250101000000Z'}"), "entries[2]: bad revocationDate"},
		/* what follows the date */
		{"trailing NULL", ENTRY("05 00"), "entries[2]: bytes after revocationDate"},
		{"trailing after extensions", ENTRY("30{" REASON("0a{01}") "} 05 00"), "entries[2]: bytes after revocationDate"},
		{"extensions a SET", ENTRY("31{" REASON("0a{01}") "}"), "entries[2]: bytes after revocationDate"},
		{"extensions length long", ENTRY("30=+1{" REASON("0a{01}") "}"), "entries[2]: bytes after revocationDate"},
		{"extensions length short", ENTRY("30=-1{" REASON("0a{01}") "}"), "entries[2]"},
		{"extensions length long form", ENTRY("30=~1{" REASON("0a{01}") "}"), "entries[2]: bytes after revocationDate"},
		{"extensions empty", ENTRY("30{}"), "entries[2]: empty crlEntryExtensions"},
		/* one Extension */
		{"extension length long", EXTS("30=+1{06{55 1d 15} 04{0a{01}}}"), "entries[2]: extension 0: an extension is not a DER SEQUENCE"},
		{"extension length short", EXTS("30=-1{06{55 1d 15} 04{0a{01}}}"), "entries[2]: extension 0"},
		{"extension length long form", EXTS("30=~1{06{55 1d 15} 04{0a{01}}}"), "entries[2]: extension 0: an extension is not a DER SEQUENCE"},
		{"extension indefinite", EXTS("30=80{06{55 1d 15} 04{0a{01}} 00 00}"), "entries[2]: extension 0: an extension is not a DER SEQUENCE"},
		{"extnID length long", EXTS("30{06=+1{55 1d 15} 04{0a{01}}}"), "entries[2]: extension 0"},
		{"extnID length long form", EXTS("30{06=~1{55 1d 15} 04{0a{01}}}"), "entries[2]: extension 0: bad extnID"},
		{"extnID empty", EXTS("30{06{} 04{0a{01}}}"), "entries[2]: extension 0: bad extnID"},
		{"extnID 0x80 padding", EXTS("30{06{55 1d 80 15} 04{0a{01}}}"), "entries[2]: extension 0: bad extnID"},
		{"extnID unterminated", EXTS("30{06{55 1d 95} 04{0a{01}}}"), "entries[2]: extension 0: bad extnID"},
		{"extnID arc over 64 bits", EXTS("30{06{2a 81 80 80 80 80 80 80 80 80 80 00} 04{05 00}}"), "entries[2]: extnID too long"},
		{"extnValue missing", EXTS("30{06{55 1d 15}}"), "entries[2]: extension 0: extension without a value"},
		{"extnValue empty", EXTS("30{06{55 1d 15} 04{}}"), "entries[2]: extension 0: extension without a value"},
		{"extnValue length long", EXTS("30{06{55 1d 15} 04=+1{0a{01}}}"), "entries[2]: extension 0: extension without a value"},
		{"extnValue length long form", EXTS("30{06{55 1d 15} 04=~1{0a{01}}}"), "entries[2]: extension 0: extension without a value"},
		{"extension trailing NULL", EXTS("30{06{55 1d 15} 04{0a{01}} 05 00}"), "entries[2]: extension 0: trailing bytes"},
		{"critical after extnValue", EXTS("30{06{55 1d 15} 04{0a{01}} 01{ff}}"), "entries[2]: extension 0: trailing bytes"},
		{"critical FALSE encoded", EXTS("30{06{55 1d 15} 01{00} 04{0a{01}}}"), "entries[2]: extension 0: critical must be absent"},
		{"critical TRUE as 01", EXTS("30{06{55 1d 15} 01{01} 04{0a{01}}}"), "entries[2]: extension 0: critical must be absent"},
		{"critical 2 octets", EXTS("30{06{55 1d 15} 01{ff ff} 04{0a{01}}}"), "entries[2]: extension 0: critical must be absent"},
		{"critical empty", EXTS("30{06{55 1d 15} 01{} 04{0a{01}}}"), "entries[2]: extension 0: critical must be absent"},
		{"unknown critical", EXTS("30{06{2a 03 04} 01{ff} 04{05 00}}"), "entries[2]: unsupported critical extension 1.2.3.4"},
		{"certificateIssuer", EXTS("30{06{55 1d 1d} 01{ff} 04{30{}}}"), "entries[2]: unsupported critical extension 2.5.29.29"},
		{"reasonCode twice", EXTS(REASON("0a{01}") " " REASON("0a{02}")), "entries[2]: extension 2.5.29.21 appears twice"},
		{"unknown twice", EXTS("30{06{2a 03 04} 04{05 00}} 30{06{2a 03 04} 04{05 00}}"), "entries[2]: extension 1.2.3.4 appears twice"},
		/* reasonCode */
		{"reason 7", EXTS(REASON("0a{07}")), "entries[2]: bad reasonCode"},
		{"reason 11", EXTS(REASON("0a{0b}")), "entries[2]: bad reasonCode"},
		{"reason -1", EXTS(REASON("0a{ff}")), "entries[2]: bad reasonCode"},
		{"reason 2 octets", EXTS(REASON("0a{00 01}")), "entries[2]: bad reasonCode"},
		{"reason empty", EXTS(REASON("0a{}")), "entries[2]: bad reasonCode"},
		{"reason an INTEGER", EXTS(REASON("02{01}")), "entries[2]: bad reasonCode"},
		{"reason length long", EXTS(REASON("0a=+1{01} 00")), "entries[2]: bad reasonCode"},
		{"reason length long form", EXTS(REASON("0a=~1{01}")), "entries[2]: bad reasonCode"},
		{"reason trailing", EXTS(REASON("0a{01} 00")), "entries[2]: bad reasonCode"},
		/* invalidityDate */
		{"invalidity a UTCTime", EXTS(INVAL("17{'250101000000Z'}")), "entries[2]: bad invalidityDate"},
		{"invalidity Feb 30", EXTS(INVAL("18{'20250230000000Z'}")), "entries[2]: bad invalidityDate"},
		{"invalidity without Z", EXTS(INVAL("18{'20250101000000'}")), "entries[2]: bad invalidityDate"},
		{"invalidity fraction", EXTS(INVAL("18{'20250101000000.5Z'}")), "entries[2]: bad invalidityDate"},
		{"invalidity length long form", EXTS(INVAL("18=~1{'20250101000000Z'}")), "entries[2]: bad invalidityDate"},
		{"invalidity trailing", EXTS(INVAL("18{'20250101000000Z'} 00")), "entries[2]: bad invalidityDate"},
	};
	struct issued ca;
	struct x509_crl c;
	struct x509_crl_info ci;
	char list[1024];
	int rc;

	(void)state;
	make_ca("p256", "cae", &ca);
	base_crl(&c, &ca, 4);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(list, sizeof list, "30{" E0 " " E1 " %s}", cases[i].entry);
		decode_list(&c, list, 0, &rc, &ci);
		if (rc != -1 || strstr(err, cases[i].needle) == NULL)
			fail_msg("%s: rc %d, '%s' lacks '%s'", cases[i].what, rc, err, cases[i].needle);
		assert_null(ci.tbs.data);
	}
	/* More than 32 extensions (distinct, non-critical, each fine alone). */
	size_t n = (size_t)snprintf(list, sizeof list, "30{" E0 " " E1 " 30{02{05} " T " 30{");
	for (int k = 0; k < 33; k++)
		n += (size_t)snprintf(list + n, sizeof list - n, "30{06{2a 03 %02x} 04{05 00}}", k);
	snprintf(list + n, sizeof list - n, "}}}");
	decode_list(&c, list, 0, &rc, &ci);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "entries[2]: more than 32 extensions"));
	/* Extensions in a v1 CRL; the same entry in a v2 CRL is fine. */
	decode_list(&c, "30{" E0 " " ENTRY("30{" REASON("0a{01}") "}") "}", 1, &rc, &ci);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "entries[1]: extensions in a v1 CRL"));
	decode_list(&c, "30{" E0 " " ENTRY("30{" REASON("0a{01}") "}") "}", 0, &rc, &ci);
	assert_int_equal(rc, 0);
	x509_crl_info_free(&ci);
	issued_free(&ca);
}

/* The list itself and the TBS around it: refused, without an entry to name
 * (a wrong list length breaks the TBS's top level, which split_tbs frames). */
static void test_entry_list_rejects(void **state)
{
	static const struct {
		const char *what, *list, *needle;
	} cases[] = {
		{"list empty", "30{}", "revokedCertificates: present but empty"},
		{"list length long", "30=+1{" E0 " " E1 "}", "crl:"},
		{"list length short", "30=-1{" E0 " " E1 "}", "crl: tbsCertList is not a DER SEQUENCE"},
		{"list length long form", "30=~1{" E0 " " E1 "}", "crl: tbsCertList is not a DER SEQUENCE"},
		{"list length 2 octets", "30=~2{" E0 " " E1 "}", "crl: tbsCertList is not a DER SEQUENCE"},
		{"list indefinite", "30=80{" E0 " " E1 " 00 00}", "crl: tbsCertList is not a DER SEQUENCE"},
	};
	struct issued ca;
	struct x509_crl c;
	struct x509_crl_info ci;
	struct x509_buf list, tbs;
	int rc;

	(void)state;
	make_ca("p256", "cal2", &ca);
	base_crl(&c, &ca, 4);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		decode_list(&c, cases[i].list, 0, &rc, &ci);
		if (rc != -1 || strstr(err, cases[i].needle) == NULL)
			fail_msg("%s: rc %d, '%s' lacks '%s'", cases[i].what, rc, err, cases[i].needle);
	}
	/* The TBS's own length: one short, one long, not minimal. */
	from_notation("30{" E0 " " E1 "}", &list);
	tbs_with_list(&c, &list, 0, &tbs);
	assert_int_equal(x509_crl_tbs_decode(tbs.data, tbs.len, &ci, err, sizeof err), 0);
	x509_crl_info_free(&ci);
	for (size_t cut = 1; cut < tbs.len; cut += 7)
		assert_int_equal(x509_crl_tbs_decode(tbs.data, tbs.len - cut, &ci, err, sizeof err), -1);
	uint8_t *longer = malloc(tbs.len + 1);
	assert_non_null(longer);
	memcpy(longer, tbs.data, tbs.len);
	longer[tbs.len] = 0;
	assert_int_equal(x509_crl_tbs_decode(longer, tbs.len + 1, &ci, err, sizeof err), -1);
	assert_non_null(strstr(err, "tbsCertList is not a DER SEQUENCE"));
	free(longer);
	x509_buf_free(&tbs);
	x509_buf_free(&list);
	issued_free(&ca);
}

/* What the entry reader accepts, and what it counts. */
static void test_entry_accepts(void **state)
{
	static const struct {
		const char *what, *entry;
		size_t reasons, invalidity;
	} cases[] = {
		{"plain", ENTRY(""), 0, 0},
		{"GeneralizedTime date", DATE("18{'20500101000000Z'}"), 0, 0},
		{"GeneralizedTime before 2050", DATE("18{'20250101000000Z'}"), 0, 0},
		{"Feb 29 2024", DATE("17{'240229000000Z'}"), 0, 0},
		{"Feb 29 2000", DATE("18{'20000229000000Z'}"), 0, 0},
		{"UTCTime 1950", DATE("17{'500101000000Z'}"), 0, 0},
		{"serial 20 octets", SERIAL("02{00 80 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13}"), 0, 0},
		{"serial 00 80", SERIAL("02{00 80}"), 0, 0},
		{"reason 0", EXTS(REASON("0a{00}")), 1, 0},
		{"reason 10", EXTS(REASON("0a{0a}")), 1, 0},
		{"reason 8 (delta semantics are the builder's)", EXTS(REASON("0a{08}")), 1, 0},
		{"invalidity", EXTS(INVAL("18{'20241231235959Z'}")), 0, 1},
		{"both, reversed", EXTS(INVAL("18{'20241231235959Z'}") " " REASON("0a{01}")), 1, 1},
		{"unknown non-critical", EXTS("30{06{2a 03 04} 04{05 00}}"), 0, 0},
		{"unknown non-critical, 2.999", EXTS("30{06{88 37 01} 04{05 00}} " REASON("0a{03}")), 1, 0},
		{"32 extensions are allowed", NULL, 0, 0},
	};
	struct issued ca;
	struct x509_crl c;
	struct x509_crl_info ci;
	char list[1400];
	int rc;

	(void)state;
	make_ca("p256", "caa", &ca);
	base_crl(&c, &ca, 4);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].entry != NULL) {
			snprintf(list, sizeof list, "30{" E0 " " E1 " %s}", cases[i].entry);
		} else {
			size_t n = (size_t)snprintf(list, sizeof list,
						    "30{" E0 " " E1 " 30{02{05} " T " 30{");
			for (int k = 0; k < 32; k++)
				n += (size_t)snprintf(list + n, sizeof list - n,
						      "30{06{2a 03 %02x} 04{05 00}}", k);
			snprintf(list + n, sizeof list - n, "}}}");
		}
		decode_list(&c, list, 0, &rc, &ci);
		if (rc != 0)
			fail_msg("%s: %s", cases[i].what, err);
		assert_int_equal(ci.n_entries, 3);
		assert_int_equal(ci.n_reasons, 1 + cases[i].reasons);
		assert_int_equal(ci.n_invalidity, cases[i].invalidity);
		x509_crl_info_free(&ci);
	}
	/* A v1 CRL without extensions anywhere. */
	decode_list(&c, "30{" E0 " " ENTRY("") "}", 1, &rc, &ci);
	assert_int_equal(rc, 0);
	assert_int_equal(ci.version, 1);
	assert_int_equal(ci.n_entries, 2);
	x509_crl_info_free(&ci);
	issued_free(&ca);
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
		cmocka_unit_test(test_base_empty),  cmocka_unit_test(test_base_one),
		cmocka_unit_test(test_base_many),   cmocka_unit_test(test_deltas),
		cmocka_unit_test(test_dates),       cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_size_limit),  cmocka_unit_test(test_assemble_limits),
		cmocka_unit_test(test_decode_rejects), cmocka_unit_test(test_large),
		cmocka_unit_test(test_entry_rejects), cmocka_unit_test(test_entry_list_rejects),
		cmocka_unit_test(test_entry_accepts),
	};
	srand((unsigned)time(NULL));
	return cmocka_run_group_tests(tests, NULL, teardown);
}
