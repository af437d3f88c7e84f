/* The CMC full PKI response (firmware/x509/cmcresp.c, CR_IN_FULLRESPONSE):
 * built for each status (issued, pending, failed) with RSA-2048 and P-256 CA
 * keys made by the openssl CLI, signed in software through the callback, then
 * read by oracles independent of the builder: `openssl cms -verify` (the
 * signature, the content, the signer; and its failure when one byte of the
 * signature or of the content changes), `openssl cms -cmsout -print`,
 * tests/unit/support/cmc_response.py (asn1crypto: the status control, the
 * bodyList, the pendInfo, the issued certificate's hash, the certificates and
 * CRLs carried, the signed attributes) and libtasn1 with the pkix.asn types
 * (SignedContentInfo, PKIResponse, CMCStatusInfo, CMCStatusInfoV2,
 * CmcAddAttributes). Then the refusals: bad input, the size cap, a signer that
 * fails or signs with another key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "firmware/asn1/asn1.h"
#include "firmware/asn1/der.h"
#include "firmware/x509/cmcresp.h"
#include "firmware/x509/x509.h"
#include "tests/unit/support/x509_oracle.h"

#define SCRIPT "/usr/bin/python3 tests/unit/support/cmc_response.py"

static char err[256];

/* A CA (self-signed) or a certificate it issued, with its key in the oracle dir. */
struct cert {
	char name[32];
	struct x509_buf spki, subject, der;
	uint8_t ski[20];
	enum x509_sigalg alg;
	char pem[256];
};

static void cert_free(struct cert *c)
{
	x509_buf_free(&c->spki);
	x509_buf_free(&c->subject);
	x509_buf_free(&c->der);
}

static void make_cert(const char *kind, const char *name, const char *dn, const struct cert *ca,
		      struct cert *c)
{
	struct x509_tbs t;
	struct x509_buf tbs, sig;
	enum x509_key_type type;
	unsigned bits;
	const struct cert *issuer = ca != NULL ? ca : c;
	char file[64];

	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	assert_int_equal(oracle_genkey(kind, name, &c->spki), 0);
	assert_int_equal(x509_spki_key(c->spki.data, c->spki.len, &type, &bits), 0);
	c->alg = x509_sigalg_for_key(type, bits);
	assert_int_equal(x509_name_parse(dn, &c->subject, err, sizeof err), 0);
	assert_int_equal(x509_key_id(c->spki.data, c->spki.len, c->ski), 0);
	memset(&t, 0, sizeof t);
	/* distinct serials: a signer is named by issuer and serial */
	for (size_t i = 0; i < X509_SERIAL_LEN; i++)
		t.serial[i] = (uint8_t)rand();
	x509_serial_from_random(t.serial);
	t.serial_len = X509_SERIAL_LEN;
	t.sigalg = issuer->alg;
	t.issuer = issuer->subject;
	t.subject = c->subject;
	t.not_before = time(NULL) - 3600;
	t.not_after = t.not_before + 365 * 86400L;
	t.spki = c->spki;
	t.basic_constraints = 1;
	t.is_ca = ca == NULL;
	t.path_len = -1;
	t.key_usage = ca == NULL ? X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN
				 : X509_KU_DIGITAL_SIGNATURE;
	t.ski = 1;
	if (ca != NULL) {
		t.has_aki = 1;
		memcpy(t.aki, ca->ski, 20);
	}
	if (x509_tbs_encode(&t, &tbs, err, sizeof err) != 0)
		fail_msg("tbs: %s", err);
	assert_int_equal(oracle_sign(issuer->name, t.sigalg, tbs.data, tbs.len, &sig), 0);
	assert_int_equal(x509_cert_assemble(&tbs, t.sigalg, sig.data, sig.len, &c->der), 0);
	x509_buf_free(&tbs);
	x509_buf_free(&sig);
	snprintf(file, sizeof file, "%s.pem", name);
	snprintf(c->pem, sizeof c->pem, "%s", oracle_path(file));
	assert_int_equal(oracle_write_pem(c->pem, "CERTIFICATE", &c->der), 0);
}

/* A signed CRL of the CA with n entries (serials 1..n). */
static void make_crl(const struct cert *ca, uint64_t number, size_t n, struct x509_buf *out)
{
	struct x509_crl c;
	struct x509_crl_entry *e = calloc(n + 1, sizeof *e);
	struct x509_buf tbs, sig;

	assert_non_null(e);
	for (size_t i = 0; i < n; i++) {
		e[i].serial[0] = (uint8_t)((i + 1) >> 8 & 0x7f);
		e[i].serial[1] = (uint8_t)(i + 1);
		e[i].serial_len = 2;
		if (e[i].serial[0] == 0 && !(e[i].serial[1] & 0x80)) {
			e[i].serial[0] = e[i].serial[1];
			e[i].serial_len = 1;
		}
		e[i].revoked_at = time(NULL) - 600;
		e[i].reason = X509_CRL_REASON_KEY_COMPROMISE;
	}
	memset(&c, 0, sizeof c);
	c.sigalg = ca->alg;
	c.issuer = ca->subject;
	memcpy(c.aki, ca->ski, 20);
	c.has_aki = 1;
	c.this_update = time(NULL) - 60;
	c.next_update = c.this_update + 7 * 86400L;
	c.number = number;
	c.entries = e;
	c.n_entries = n;
	if (x509_crl_tbs_encode(&c, &tbs, err, sizeof err) != 0)
		fail_msg("crl: %s", err);
	assert_int_equal(oracle_sign(ca->name, c.sigalg, tbs.data, tbs.len, &sig), 0);
	assert_int_equal(x509_crl_assemble(&tbs, c.sigalg, sig.data, sig.len, out), 0);
	x509_buf_free(&tbs);
	x509_buf_free(&sig);
	free(e);
}

/* ---- the signing callback ---- */

enum sign_mode { SIGN_OK, SIGN_FAIL, SIGN_FAIL_SILENT, SIGN_EMPTY, SIGN_TOO_LONG };

struct signer {
	const char *key;       /* the oracle key that signs */
	enum sign_mode mode;
	int calls;
	enum x509_sigalg alg;  /* what the builder asked for */
};

static int sign_cb(void *ctx, enum x509_sigalg alg, const struct x509_buf *tbs, uint8_t *sig,
		   size_t *sig_len, char *e, size_t elen)
{
	struct signer *s = ctx;
	struct x509_buf out;

	s->calls++;
	s->alg = alg;
	/* What is signed is the DER SET OF the signed attributes. */
	assert_true(tbs->len > 2 && tbs->data[0] == DER_SET && der_tlv_ok(tbs->data, tbs->len));
	if (s->mode == SIGN_FAIL) {
		snprintf(e, elen, "the HSM refused to sign");
		return -1;
	}
	if (s->mode == SIGN_FAIL_SILENT)
		return -1;
	if (s->mode == SIGN_EMPTY || s->mode == SIGN_TOO_LONG) {
		*sig_len = s->mode == SIGN_EMPTY ? 0 : CMC_RESP_SIG_MAX + 1;
		return 0;
	}
	assert_int_equal(oracle_sign(s->key, alg, tbs->data, tbs->len, &out), 0);
	assert_true(out.len <= *sig_len);
	memcpy(sig, out.data, out.len);
	*sig_len = out.len;
	x509_buf_free(&out);
	return 0;
}

/* ---- fixtures ---- */

static struct cert rsa_ca, ec_ca, p384_ca, rsa_ee, ec_ee, other;

static int setup(void **state)
{
	(void)state;
	make_cert("rsa2048", "rsaca", "CN=CMC Test RSA Root,O=Example,C=US", NULL, &rsa_ca);
	make_cert("p256", "ecca", "CN=CMC Test EC Root,O=Example,C=US", NULL, &ec_ca);
	make_cert("p384", "p384ca", "CN=CMC Test P-384 Root,O=Example,C=US", NULL, &p384_ca);
	make_cert("p256", "rsaee", "CN=user.example.com,O=Example,C=US", &rsa_ca, &rsa_ee);
	make_cert("p256", "ecee", "CN=ec.example.com,O=Example,C=US", &ec_ca, &ec_ee);
	make_cert("p256", "other", "CN=Another Root,O=Example,C=US", NULL, &other);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cert_free(&rsa_ca);
	cert_free(&ec_ca);
	cert_free(&p384_ca);
	cert_free(&rsa_ee);
	cert_free(&ec_ee);
	cert_free(&other);
	oracle_cleanup();
	return 0;
}

/* An input signed by ca, carrying certs (may be none). */
static void base_in(struct cmc_response_in *in, enum cmc_status st, const struct cert *ca,
		    const struct x509_buf *certs, size_t n)
{
	memset(in, 0, sizeof *in);
	in->status = st;
	in->ca_cert = ca->der.data;
	in->ca_cert_len = ca->der.len;
	in->certs = certs;
	in->n_certs = n;
	in->signing_time = 1764979200; /* 2025-12-06 00:00:00 */
}

static void build_ok(const struct cmc_response_in *in, const struct cert *ca,
		     struct x509_buf *out)
{
	struct signer s = {ca->name, SIGN_OK, 0, X509_SIG_NONE};

	if (cmc_response_build(in, sign_cb, &s, out, err, sizeof err) != 0)
		fail_msg("build: %s", err);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.alg, ca->alg);
	assert_true(der_tlv_ok(out->data, out->len));
}

/* ---- oracles ---- */

static const char *write_resp(const char *name, const struct x509_buf *r)
{
	const char *path = oracle_path(name);

	assert_int_equal(oracle_write(path, r->data, r->len), 0);
	return path;
}

/* openssl cms -verify with the CA as the only trust anchor; the signer's
 * certificate is looked for in the message, else in the CA file given as
 * -certfile. Returns openssl's exit status; the verified content in content. */
static int cms_verify(const char *path, const struct cert *ca, struct x509_buf *content)
{
	char *out = NULL;
	const char *cpath = oracle_path("content.der");
	int rc;

	remove(cpath);
	rc = oracle_run(&out,
			"openssl cms -verify -inform DER -in '%s' -binary -CAfile '%s' "
			"-certfile '%s' -purpose any -out '%s'",
			path, ca->pem, ca->pem, cpath);
	if (rc == 0 && strstr(out, "Verification successful") == NULL)
		rc = -1;
	if (rc == 0 && content != NULL)
		assert_int_equal(oracle_read(cpath, content), 0);
	free(out);
	return rc;
}

static char *py_read(const char *path)
{
	char *out = NULL;

	if (oracle_run(&out, SCRIPT " '%s'", path) != 0)
		fail_msg("cmc_response.py: %s", out);
	return out;
}

/* line is one whole line of text. */
static void expect_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return;
	fail_msg("expected line \"%s\" in:\n%s", line, text);
}

static void expect_no(const char *text, const char *needle)
{
	if (strstr(text, needle) != NULL)
		fail_msg("did not expect \"%s\" in:\n%s", needle, text);
}

static void sha1_hex(const struct x509_buf *b, char hex[41])
{
	uint8_t h[20];

	assert_int_equal(wc_Hash(WC_HASH_TYPE_SHA, b->data, (word32)b->len, h, sizeof h), 0);
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
}

/* The CMC attributes control (present only for an issued certificate) as
 * CmcAddAttributes: pkiDataReference 0, one certReference, one attribute. */
static void tasn1_add_attributes(asn1_node resp, int want)
{
	int found = 0;

	for (int i = 1; i <= 8; i++) {
		char name[64], oid[128];
		int olen = sizeof oid, len = 0;
		uint8_t *v = NULL, ref[8];
		int rlen = sizeof ref;
		asn1_node aa = NULL;

		snprintf(name, sizeof name, "controlSequence.?%d.attrType", i);
		if (asn1_read_value(resp, name, oid, &olen) != ASN1_SUCCESS)
			break;
		if (strcmp(oid, "1.3.6.1.4.1.311.10.10.1") != 0)
			continue;
		found++;
		snprintf(name, sizeof name, "controlSequence.?%d.attrValues.?1", i);
		assert_int_equal(asn1_read_alloc(resp, name, &v, &len), 0);
		if (asn1_decode("PKIX.CmcAddAttributes", v, (size_t)len, &aa, err, sizeof err) != 0)
			fail_msg("CmcAddAttributes: %s", err);
		assert_int_equal(asn1_read_value(aa, "pkiDataReference", ref, &rlen), ASN1_SUCCESS);
		assert_int_equal(rlen, 1);
		assert_int_equal(ref[0], 0);
		olen = sizeof oid;
		assert_int_equal(asn1_read_value(aa, "attributes.?1.type", oid, &olen),
				 ASN1_SUCCESS);
		assert_string_equal(oid, "1.3.6.1.4.1.311.21.17");
		rlen = sizeof ref;
		assert_int_not_equal(asn1_read_value(aa, "certReferences.?2", ref, &rlen),
				     ASN1_SUCCESS);
		free(v);
		asn1_delete_structure(&aa);
	}
	assert_int_equal(found, want);
}

/* libtasn1 with the pkix.asn types: the whole message as SignedContentInfo,
 * its eContent as PKIResponse, the status control as CMCStatusInfo and as
 * CMCStatusInfoV2. The PKIResponse (eContent) in *content. */
static void tasn1_check(const struct x509_buf *r, long want_status, struct x509_buf *content)
{
	asn1_node node = NULL, resp = NULL, st = NULL, st2 = NULL;
	uint8_t *v = NULL;
	int len = 0;
	char oid[128];
	int olen = sizeof oid;

	if (asn1_decode("PKIX.SignedContentInfo", r->data, r->len, &node, err, sizeof err) != 0)
		fail_msg("SignedContentInfo: %s", err);
	assert_int_equal(asn1_read_value(node, "content.encapContentInfo.eContentType", oid,
					 &olen),
			 ASN1_SUCCESS);
	assert_string_equal(oid, "1.3.6.1.5.5.7.12.3");
	assert_int_equal(asn1_read_alloc(node, "content.encapContentInfo.eContent", &v, &len), 0);
	content->data = v;
	content->len = (size_t)len;
	if (asn1_decode("PKIX.PKIResponse", v, (size_t)len, &resp, err, sizeof err) != 0)
		fail_msg("PKIResponse: %s", err);
	olen = sizeof oid;
	assert_int_equal(asn1_read_value(resp, "controlSequence.?1.attrType", oid, &olen),
			 ASN1_SUCCESS);
	assert_string_equal(oid, "1.3.6.1.5.5.7.7.1");
	v = NULL;
	assert_int_equal(asn1_read_alloc(resp, "controlSequence.?1.attrValues.?1", &v, &len), 0);
	if (asn1_decode("PKIX.CMCStatusInfo", v, (size_t)len, &st, err, sizeof err) != 0)
		fail_msg("CMCStatusInfo: %s", err);
	if (asn1_decode("PKIX.CMCStatusInfoV2", v, (size_t)len, &st2, err, sizeof err) != 0)
		fail_msg("CMCStatusInfoV2: %s", err);
	{
		uint8_t s[8];
		int slen = sizeof s;

		assert_int_equal(asn1_read_value(st, "cMCStatus", s, &slen), ASN1_SUCCESS);
		assert_int_equal(slen, 1);
		assert_int_equal(s[0], want_status);
	}
	if (want_status == CMC_STATUS_PENDING) {
		uint8_t tok[8];
		int tlen = sizeof tok;

		assert_int_equal(asn1_read_value(st, "otherInfo.pendInfo.pendToken", tok, &tlen),
				 ASN1_SUCCESS);
		assert_int_equal(tlen, 4);
	}
	free(v);
	tasn1_add_attributes(resp, want_status == CMC_STATUS_SUCCESS);
	asn1_delete_structure(&st);
	asn1_delete_structure(&st2);
	asn1_delete_structure(&resp);
	asn1_delete_structure(&node);
}

/* The response with one byte changed at off. */
static const char *tampered(const char *name, const struct x509_buf *r, size_t off)
{
	struct x509_buf t = {malloc(r->len), r->len};
	const char *path;

	assert_non_null(t.data);
	memcpy(t.data, r->data, r->len);
	t.data[off] ^= 0x01;
	path = write_resp(name, &t);
	x509_buf_free(&t);
	return path;
}

static size_t find(const struct x509_buf *hay, const void *needle, size_t n)
{
	for (size_t i = 0; i + n <= hay->len; i++)
		if (memcmp(hay->data + i, needle, n) == 0)
			return i;
	fail_msg("not found");
	return 0;
}

/* Every oracle on a response signed by ca: openssl verifies it and gives back
 * the PKIResponse libtasn1 reads; one byte changed in the signature (the
 * message's last byte) or in the PKIResponse makes openssl refuse it. */
static void oracle_checks(const struct x509_buf *r, const struct cert *ca, long status,
			  const char *probe)
{
	struct x509_buf content = {0}, inner = {0};
	const char *path = write_resp("resp.der", r);
	char *out = NULL;

	if (cms_verify(path, ca, &content) != 0)
		fail_msg("openssl cms -verify refused the response");
	tasn1_check(r, status, &inner);
	assert_int_equal(content.len, inner.len);
	assert_memory_equal(content.data, inner.data, inner.len);
	assert_int_equal(cms_verify(tampered("sig.der", r, r->len - 1), ca, NULL) != 0, 1);
	assert_int_equal(cms_verify(tampered("content.der.bad", r,
					     find(r, probe, strlen(probe))),
				    ca, NULL) != 0,
			 1);
	assert_int_equal(oracle_run(&out, "openssl cms -cmsout -print -inform DER -in '%s'", path),
			 0);
	if (strstr(out, "id-cct-PKIResponse") == NULL)
		fail_msg("cms -print: %s", out);
	free(out);
	x509_buf_free(&content);
	x509_buf_free(&inner);
}

/* ---- the statuses ---- */

static void test_issued_rsa(void **state)
{
	struct x509_buf certs[2] = {rsa_ee.der, rsa_ca.der}, r;
	struct cmc_response_in in;
	uint8_t txid[] = {0x01, 0x02, 0x03}, rnonce[] = {0xaa, 0xbb, 0xcc, 0xdd},
		snonce[] = {0x11, 0x22};
	char *text, line[128], hex[41];

	(void)state;
	base_in(&in, CMC_STATUS_SUCCESS, &rsa_ca, certs, 2);
	in.status_string = "Issued";
	in.transaction_id = (struct x509_buf){txid, sizeof txid};
	in.recipient_nonce = (struct x509_buf){rnonce, sizeof rnonce};
	in.sender_nonce = (struct x509_buf){snonce, sizeof snonce};
	build_ok(&in, &rsa_ca, &r);
	oracle_checks(&r, &rsa_ca, 0, "Issued");

	text = py_read(oracle_path("resp.der"));
	expect_line(text, "contentType=1.2.840.113549.1.7.2");
	expect_line(text, "version=v3");
	expect_line(text, "digest=2.16.840.1.101.3.4.2.1");
	expect_line(text, "eContentType=1.3.6.1.5.5.7.12.3");
	expect_line(text, "cmsSequence=0 otherMsgSequence=0");
	/* AD CS's order and numbering: status 1, transactionId, recipient and
	 * sender nonces, then the CMC attributes. */
	expect_line(text, "control=1 1.3.6.1.5.5.7.7.1 values=1");
	expect_line(text, "control=2 1.3.6.1.5.5.7.7.5 values=1");
	expect_line(text, "control=3 1.3.6.1.5.5.7.7.7 values=1");
	expect_line(text, "control=4 1.3.6.1.5.5.7.7.6 values=1");
	expect_line(text, "control=5 1.3.6.1.4.1.311.10.10.1 values=1");
	expect_line(text, "status=0");
	expect_line(text, "bodyList=1");
	expect_line(text, "statusString=Issued");
	expect_line(text, "otherInfo=none");
	expect_line(text, "transactionId=66051");
	expect_line(text, "nonce=1.3.6.1.5.5.7.7.7 aabbccdd");
	expect_line(text, "nonce=1.3.6.1.5.5.7.7.6 1122");
	expect_line(text, "dataReference=0");
	expect_line(text, "certReferences=1");
	sha1_hex(&rsa_ee.der, hex);
	snprintf(line, sizeof line, "attr=1.3.6.1.4.1.311.21.17 %s", hex);
	expect_line(text, line);
	/* the certificates in the order given: the issued one first */
	snprintf(line, sizeof line, "cert=%s", hex);
	assert_non_null(strstr(text, line));
	sha1_hex(&rsa_ca.der, hex);
	{
		char ca_line[64];

		snprintf(ca_line, sizeof ca_line, "cert=%s", hex);
		assert_true(strstr(text, line) < strstr(text, ca_line));
	}
	expect_no(text, "crl=");
	expect_line(text, "signerVersion=v1");
	{
		/* sid: the CA certificate's serial (and issuer) */
		struct x509_cert_info ci;
		char want[80] = "signerSerial=";

		assert_int_equal(x509_cert_decode(rsa_ca.der.data, rsa_ca.der.len, &ci, err,
						  sizeof err),
				 0);
		for (size_t i = 0; i < ci.serial.len; i++)
			snprintf(want + strlen(want), 3, "%02x", ci.serial.data[i]);
		expect_line(text, want);
		x509_cert_info_free(&ci);
	}
	expect_line(text, "signatureAlgorithm=1.2.840.113549.1.1.11");
	/* DER order of the SET OF: by length here */
	assert_non_null(strstr(text, "signedAttr=1.2.840.113549.1.9.3\nsignedAttr=1.2.840.113549."
				     "1.9.5\nsigningTime=20251206000000Z\nsignedAttr=1.2.840."
				     "113549.1.9.4\n"));
	free(text);
	x509_buf_free(&r);
}

static void test_issued_p256(void **state)
{
	struct x509_buf certs[2] = {ec_ee.der, ec_ca.der}, r;
	struct cmc_response_in in;
	uint32_t parts[] = {7};
	char *text, line[128], hex[41];

	(void)state;
	base_in(&in, CMC_STATUS_SUCCESS, &ec_ca, certs, 2);
	in.body_parts = parts;
	in.n_body_parts = 1;
	in.status_string = "Issued (ÿ €)"; /* UTF-8 kept as is */
	build_ok(&in, &ec_ca, &r);
	oracle_checks(&r, &ec_ca, 0, "Issued");
	text = py_read(oracle_path("resp.der"));
	/* the CMC request's bodyPartID, in the status and the certificate hash */
	expect_line(text, "bodyList=7");
	expect_line(text, "certReferences=7");
	expect_line(text, "statusString=Issued (ÿ €)");
	expect_line(text, "control=2 1.3.6.1.4.1.311.10.10.1 values=1");
	expect_line(text, "signatureAlgorithm=1.2.840.10045.4.3.2");
	expect_line(text, "digest=2.16.840.1.101.3.4.2.1");
	sha1_hex(&ec_ee.der, hex);
	snprintf(line, sizeof line, "attr=1.3.6.1.4.1.311.21.17 %s", hex);
	expect_line(text, line);
	free(text);
	x509_buf_free(&r);
}

/* A P-384 CA: SHA-384 for the digest and ecdsa-with-SHA384 for the signature. */
static void test_issued_p384(void **state)
{
	struct cert ee;
	struct x509_buf certs[2], r;
	struct cmc_response_in in;
	char *text;

	(void)state;
	make_cert("p256", "p384ee", "CN=p384.example.com,O=Example,C=US", &p384_ca, &ee);
	certs[0] = ee.der;
	certs[1] = p384_ca.der;
	base_in(&in, CMC_STATUS_SUCCESS, &p384_ca, certs, 2);
	in.status_string = "Issued";
	build_ok(&in, &p384_ca, &r);
	assert_int_equal(p384_ca.alg, X509_SIG_ECDSA_SHA384);
	oracle_checks(&r, &p384_ca, 0, "Issued");
	text = py_read(oracle_path("resp.der"));
	expect_line(text, "digest=2.16.840.1.101.3.4.2.2");
	expect_line(text, "signatureAlgorithm=1.2.840.10045.4.3.3");
	free(text);
	x509_buf_free(&r);
	cert_free(&ee);
}

static void test_pending(void **state)
{
	struct x509_buf r;
	struct cmc_response_in in;
	char *text;

	(void)state;
	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	in.status_string = "Taken Under Submission";
	in.request_id = 0x01020304u;
	in.submitted = 1764990000; /* 2025-12-06 03:00:00 */
	build_ok(&in, &rsa_ca, &r);
	/* No certificate carried (AD CS carries none but the issued chain): the
	 * signer is found through -certfile. */
	oracle_checks(&r, &rsa_ca, 3, "Taken Under");
	text = py_read(oracle_path("resp.der"));
	expect_line(text, "status=3");
	expect_line(text, "bodyList=1");
	/* AD CS: the request ID's DWORD as it lies in memory, little-endian */
	expect_line(text, "pendToken=04030201");
	expect_line(text, "pendTime=20251206030000Z");
	expect_line(text, "statusString=Taken Under Submission");
	expect_no(text, "cert=");
	expect_no(text, "311.10.10.1"); /* no issued certificate hash */
	expect_no(text, "1.3.6.1.5.5.7.7.6"); /* no nonce asked for */
	free(text);
	x509_buf_free(&r);

	/* pending on the EC CA with its chain carried */
	{
		struct x509_buf chain[1] = {ec_ca.der};

		base_in(&in, CMC_STATUS_PENDING, &ec_ca, chain, 1);
		in.request_id = 4242;
		in.submitted = 2556144000; /* 2051-01-01: GeneralizedTime whatever the year */
		in.status_string = "Taken Under Submission";
		build_ok(&in, &ec_ca, &r);
		oracle_checks(&r, &ec_ca, 3, "Taken Under");
		text = py_read(oracle_path("resp.der"));
		expect_line(text, "pendToken=92100000");
		expect_line(text, "pendTime=20510101000000Z");
		free(text);
		x509_buf_free(&r);
	}
}

static void test_failed(void **state)
{
	static const struct {
		uint32_t hresult;
		enum cmc_fail_mode mode;
		unsigned given;
		const char *want;
	} cases[] = {
		/* as AD CS: only CERTSRV_E_BAD_REQUESTSUBJECT gets a failInfo */
		{0x80094001u, CMC_FAIL_FROM_HRESULT, 0, "failInfo=2"},
		{0x80094012u, CMC_FAIL_FROM_HRESULT, 0, "otherInfo=none"},
		{0x80090006u, CMC_FAIL_FROM_HRESULT, 0, "otherInfo=none"},
		{0x80094012u, CMC_FAIL_GIVEN, CMC_FAIL_INTERNAL_CA_ERROR, "failInfo=11"},
		{0x80094012u, CMC_FAIL_GIVEN, CMC_FAIL_BAD_ALG, "failInfo=0"},
		{0x80094001u, CMC_FAIL_ABSENT, 0, "otherInfo=none"},
	};
	struct x509_buf r;
	struct cmc_response_in in;
	char *text;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		base_in(&in, CMC_STATUS_FAILED, i % 2 ? &ec_ca : &rsa_ca, NULL, 0);
		in.hresult = cases[i].hresult;
		in.fail_mode = cases[i].mode;
		in.fail_info = cases[i].given;
		in.status_string = "Denied by Policy Module 0x80094012, the template denies";
		build_ok(&in, i % 2 ? &ec_ca : &rsa_ca, &r);
		oracle_checks(&r, i % 2 ? &ec_ca : &rsa_ca, 2, "Denied by");
		text = py_read(oracle_path("resp.der"));
		expect_line(text, "status=2");
		expect_line(text, cases[i].want);
		expect_line(text, "statusString=Denied by Policy Module 0x80094012, the template "
				  "denies");
		expect_no(text, "pendToken");
		free(text);
		x509_buf_free(&r);
	}
	/* no statusString at all */
	base_in(&in, CMC_STATUS_FAILED, &rsa_ca, NULL, 0);
	in.hresult = 0x80094012u;
	build_ok(&in, &rsa_ca, &r);
	text = py_read(write_resp("nostr.der", &r));
	expect_no(text, "statusString=");
	free(text);
	x509_buf_free(&r);
	assert_int_equal(cmc_fail_info_for_hresult(0x80094001u), CMC_FAIL_BAD_REQUEST);
	assert_int_equal(cmc_fail_info_for_hresult(0), -1);
	assert_int_equal(cmc_fail_info_for_hresult(0x80094012u), -1);
}

static void test_body_parts(void **state)
{
	struct x509_buf certs[1] = {rsa_ee.der}, r;
	struct cmc_response_in in;
	uint32_t parts[CMC_RESP_MAX_BODY_PARTS] = {3, 0, 4294967295u, 9, 10, 11, 12, 13};
	char *text;

	(void)state;
	base_in(&in, CMC_STATUS_SUCCESS, &rsa_ca, certs, 1);
	in.body_parts = parts;
	in.n_body_parts = CMC_RESP_MAX_BODY_PARTS;
	build_ok(&in, &rsa_ca, &r);
	text = py_read(write_resp("parts.der", &r));
	expect_line(text, "bodyList=3,0,4294967295,9,10,11,12,13");
	expect_line(text, "certReferences=3");
	free(text);
	x509_buf_free(&r);
}

/* ---- CRLs and the size cap ---- */

static void test_crls(void **state)
{
	struct x509_buf crls[2], certs[2] = {rsa_ee.der, rsa_ca.der}, r;
	struct cmc_response_in in;
	char *text, line[64], hex[41], *out = NULL;
	const char *path;

	(void)state;
	make_crl(&rsa_ca, 1, 3, &crls[0]);
	make_crl(&rsa_ca, 2, 50, &crls[1]);
	base_in(&in, CMC_STATUS_SUCCESS, &rsa_ca, certs, 2);
	in.crls = crls;
	in.n_crls = 2;
	in.status_string = "Issued";
	build_ok(&in, &rsa_ca, &r);
	oracle_checks(&r, &rsa_ca, 0, "Issued");
	text = py_read(oracle_path("resp.der"));
	for (int i = 0; i < 2; i++) {
		sha1_hex(&crls[i], hex);
		snprintf(line, sizeof line, "crl=%s", hex);
		expect_line(text, line);
	}
	free(text);
	/* openssl uses the CRLs the message carries: with -crl_check the CA's
	 * own status is looked up in them (and without them it cannot be). */
	path = oracle_path("resp.der");
	if (oracle_run(&out,
		       "openssl cms -verify -inform DER -in '%s' -binary -CAfile '%s' -purpose any "
		       "-crl_check -out /dev/null",
		       path, rsa_ca.pem) != 0)
		fail_msg("cms -verify -crl_check with the CRLs: %s", out);
	free(out);
	x509_buf_free(&r);
	in.n_crls = 0;
	build_ok(&in, &rsa_ca, &r);
	path = write_resp("nocrl.der", &r);
	assert_int_not_equal(oracle_run(&out,
					"openssl cms -verify -inform DER -in '%s' -binary -CAfile "
					"'%s' -purpose any -crl_check -out /dev/null",
					path, rsa_ca.pem),
			     0);
	free(out);
	x509_buf_free(&r);
	x509_buf_free(&crls[0]);
	x509_buf_free(&crls[1]);
}

/* A SEQUENCE of n bytes (an OCTET STRING inside): the builder carries CRLs as
 * given, so a large one needs no signing here. */
static void big_sequence(size_t n, struct x509_buf *out)
{
	struct der d;
	uint8_t *fill = calloc(1, n);

	assert_non_null(fill);
	der_init_max(&d, n + 32);
	der_begin(&d, DER_SEQUENCE);
	der_prim(&d, DER_OCTET_STRING, fill, n);
	der_end(&d);
	assert_int_equal(der_finish(&d, &out->data, &out->len), 0);
	free(fill);
}

static void test_size_cap(void **state)
{
	struct x509_buf crl, certs[1] = {rsa_ee.der}, r = {0};
	struct cmc_response_in in;
	struct signer s = {"rsaca", SIGN_OK, 0, X509_SIG_NONE};
	char *text, line[64], hex[41];

	(void)state;
	/* 3 MiB of CRL: beyond the 1 MiB of an ordinary DER writer, carried */
	big_sequence(3u << 20, &crl);
	base_in(&in, CMC_STATUS_SUCCESS, &rsa_ca, certs, 1);
	in.crls = &crl;
	in.n_crls = 1;
	build_ok(&in, &rsa_ca, &r);
	assert_true(r.len > crl.len);
	text = py_read(write_resp("big.der", &r));
	sha1_hex(&crl, hex);
	snprintf(line, sizeof line, "crl=%s", hex);
	expect_line(text, line);
	free(text);
	x509_buf_free(&r);

	/* The items alone beyond the limit: refused before the signer is asked. */
	in.max_size = crl.len + certs[0].len - 1;
	assert_int_equal(cmc_response_build(&in, sign_cb, &s, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "cmc response: larger than"));
	assert_int_equal(s.calls, 0);
	assert_null(r.data);
	assert_int_equal(r.len, 0);
	/* The items fit, the envelope around them does not: the writer refuses. */
	in.max_size = crl.len + certs[0].len + 16;
	assert_int_equal(cmc_response_build(&in, sign_cb, &s, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "cmc response: larger than"));
	assert_null(r.data);
	/* max_size never raises the default */
	in.max_size = (size_t)CMC_RESP_MAX_SIZE * 4;
	x509_buf_free(&crl);
	big_sequence(CMC_RESP_MAX_SIZE, &crl);
	in.crls = &crl;
	s.calls = 0;
	assert_int_equal(cmc_response_build(&in, sign_cb, &s, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "larger than 67108864 bytes"));
	assert_int_equal(s.calls, 0);
	x509_buf_free(&crl);
}

/* ---- refusals ---- */

static void expect_refused(const struct cmc_response_in *in, struct signer *s, const char *msg)
{
	struct x509_buf r = {(uint8_t *)"x", 1};

	assert_int_equal(cmc_response_build(in, s ? sign_cb : NULL, s, &r, err, sizeof err), -1);
	if (strstr(err, msg) == NULL)
		fail_msg("expected \"%s\", got \"%s\"", msg, err);
	assert_null(r.data);
	assert_int_equal(r.len, 0);
}

static void test_refusals(void **state)
{
	struct x509_buf certs[CMC_RESP_MAX_CERTS + 1], r;
	struct cmc_response_in in;
	struct signer s = {"rsaca", SIGN_OK, 0, X509_SIG_NONE};
	uint8_t junk[] = {0x04, 0x01, 0x00}, long_nonce[CMC_RESP_NONCE_MAX + 1] = {0};
	uint8_t bad_int[] = {0x00, 0x01};
	uint32_t parts[CMC_RESP_MAX_BODY_PARTS + 1] = {0};
	char *long_str = malloc(CMC_RESP_STATUS_MAX + 2);
	struct cert p521;

	(void)state;
	for (size_t i = 0; i <= CMC_RESP_MAX_CERTS; i++)
		certs[i] = rsa_ee.der;
	assert_int_equal(cmc_response_build(NULL, sign_cb, &s, &r, err, sizeof err), -1);
	assert_null(r.data);
	assert_int_equal(cmc_response_build(NULL, sign_cb, &s, NULL, err, sizeof err), -1);
	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	expect_refused(&in, NULL, "no signer");

	base_in(&in, 1, &rsa_ca, NULL, 0);
	expect_refused(&in, &s, "status: 1 is not");
	base_in(&in, CMC_STATUS_SUCCESS, &rsa_ca, NULL, 0);
	expect_refused(&in, &s, "an issued response carries the issued certificate");

	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	in.body_parts = parts;
	in.n_body_parts = CMC_RESP_MAX_BODY_PARTS + 1;
	expect_refused(&in, &s, "bodyList: 9 entries");
	in.body_parts = NULL;
	in.n_body_parts = 1;
	expect_refused(&in, &s, "bodyList");

	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	in.status_string = "bad \xc3\x28 utf-8";
	expect_refused(&in, &s, "statusString: not UTF-8");
	in.status_string = "overlong \xc0\xaf";
	expect_refused(&in, &s, "statusString: not UTF-8");
	memset(long_str, 'a', CMC_RESP_STATUS_MAX + 1);
	long_str[CMC_RESP_STATUS_MAX + 1] = '\0';
	in.status_string = long_str;
	expect_refused(&in, &s, "statusString: 4097 bytes");
	long_str[CMC_RESP_STATUS_MAX] = '\0'; /* exactly the maximum: accepted */
	assert_int_equal(cmc_response_build(&in, sign_cb, &s, &r, err, sizeof err), 0);
	x509_buf_free(&r);

	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	in.sender_nonce = (struct x509_buf){long_nonce, sizeof long_nonce};
	expect_refused(&in, &s, "senderNonce: 65 bytes");
	in.sender_nonce = (struct x509_buf){NULL, 4};
	expect_refused(&in, &s, "senderNonce: missing");
	in.sender_nonce = (struct x509_buf){0};
	in.recipient_nonce = (struct x509_buf){long_nonce, sizeof long_nonce};
	expect_refused(&in, &s, "recipientNonce: 65 bytes");
	in.recipient_nonce = (struct x509_buf){0};
	in.transaction_id = (struct x509_buf){bad_int, sizeof bad_int};
	expect_refused(&in, &s, "transactionId: not a minimal INTEGER");
	bad_int[0] = 0xff;
	bad_int[1] = 0x80;
	expect_refused(&in, &s, "transactionId: not a minimal INTEGER");
	in.transaction_id = (struct x509_buf){long_nonce, sizeof long_nonce};
	expect_refused(&in, &s, "transactionId: 65 bytes");

	base_in(&in, CMC_STATUS_FAILED, &rsa_ca, NULL, 0);
	in.fail_mode = CMC_FAIL_GIVEN;
	in.fail_info = 13;
	expect_refused(&in, &s, "failInfo: 13");
	in.fail_mode = 7;
	expect_refused(&in, &s, "failInfo: unknown mode");

	/* the carried items */
	base_in(&in, CMC_STATUS_SUCCESS, &rsa_ca, certs, CMC_RESP_MAX_CERTS + 1);
	expect_refused(&in, &s, "certificates: 17 given, at most 16");
	in.n_certs = 1;
	in.crls = certs;
	in.n_crls = CMC_RESP_MAX_CRLS + 1;
	expect_refused(&in, &s, "crls: 17 given");
	in.crls = NULL;
	in.n_crls = 2;
	expect_refused(&in, &s, "crls: missing");
	in.n_crls = 0;
	certs[0] = (struct x509_buf){junk, sizeof junk};
	expect_refused(&in, &s, "certificates[0]: not one DER SEQUENCE");
	certs[0] = (struct x509_buf){rsa_ee.der.data, rsa_ee.der.len - 1}; /* cut short */
	expect_refused(&in, &s, "certificates[0]: not one DER SEQUENCE");
	certs[0] = rsa_ee.der;
	certs[1] = (struct x509_buf){NULL, 0};
	in.n_certs = 2;
	expect_refused(&in, &s, "certificates[1]");
	in.n_certs = 1;

	/* the CA certificate */
	in.ca_cert = NULL;
	expect_refused(&in, &s, "CA certificate: missing");
	in.ca_cert = junk;
	in.ca_cert_len = sizeof junk;
	expect_refused(&in, &s, "CA certificate:");
	make_cert("p521", "p521", "CN=P-521,O=Example,C=US", &rsa_ca, &p521);
	in.ca_cert = p521.der.data;
	in.ca_cert_len = p521.der.len;
	expect_refused(&in, &s, "a key the CA does not sign with");
	cert_free(&p521);

	/* times the writer cannot write */
	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	in.submitted = 253402300800LL; /* year 10000 */
	expect_refused(&in, &s, "PKIResponse: cannot encode");
	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	in.signing_time = -631152001LL; /* 1949 */
	expect_refused(&in, &s, "signed attributes: cannot encode");

	/* the signer */
	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	s.mode = SIGN_FAIL;
	expect_refused(&in, &s, "signature: the HSM refused to sign");
	s.mode = SIGN_FAIL_SILENT;
	expect_refused(&in, &s, "signature: refused");
	s.mode = SIGN_EMPTY;
	expect_refused(&in, &s, "signature: 0 bytes");
	s.mode = SIGN_TOO_LONG;
	expect_refused(&in, &s, "signature: 1025 bytes");
	/* signed by another key than the CA certificate's: never handed out */
	s.mode = SIGN_OK;
	s.key = "other";
	base_in(&in, CMC_STATUS_PENDING, &ec_ca, NULL, 0);
	expect_refused(&in, &s, "does not verify with the CA certificate's key");
	/* the RSA CA's certificate, a P-256 key signing: refused as well */
	s.key = "ecca";
	base_in(&in, CMC_STATUS_PENDING, &rsa_ca, NULL, 0);
	expect_refused(&in, &s, "does not verify");
	free(long_str);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issued_rsa), cmocka_unit_test(test_issued_p256),
		cmocka_unit_test(test_issued_p384), cmocka_unit_test(test_pending),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_body_parts), cmocka_unit_test(test_crls),
		cmocka_unit_test(test_size_cap),   cmocka_unit_test(test_refusals),
	};
	srand((unsigned)time(NULL));
	return cmocka_run_group_tests(tests, setup, teardown);
}
