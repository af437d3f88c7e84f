/* CMS and CMC requests (firmware/x509/cms.c, csrattrs.c) against independent
 * encoders: openssl cms for CMS SignedData over a PKCS#10 (RSA, EC, without
 * signed attributes, with a key identifier), asn1crypto + cryptography
 * (support/cms_build.py) for CMC PKIData with controls, name-value pairs and
 * Windows-shaped requests, and for every broken shape a hostile client would
 * send. Each refusal is checked by its message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/asn1/asn1.h"
#include "firmware/x509/cms.h"
#include "tests/unit/support/x509_oracle.h"

#define BUILD "/usr/bin/python3 tests/unit/support/cms_build.py"
#define OID_DATA "1.2.840.113549.1.7.1"
#define OID_PKI_DATA "1.3.6.1.5.5.7.12.2"

static char err[512];

/* Runs a shell command built from fmt; fails the test with its output. */
static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	char *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (oracle_run(&out, "%s", cmd) != 0)
		fail_msg("%s\n%s", cmd, out != NULL ? out : "");
	free(out);
}

static const char *P(const char *name)
{
	return oracle_path(name);
}

static void load(const char *name, struct x509_buf *out)
{
	assert_int_equal(oracle_read(P(name), out), 0);
}

/* cms_build.py sign with args (paths written as %s of P()), into out. */
static void build(struct x509_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void build(struct x509_buf *out, const char *fmt, ...)
{
	char args[3072];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	sh("%s sign %s --out '%s'", BUILD, args, P("built.der"));
	load("built.der", out);
}

static void decode_ok(const struct x509_buf *b, struct cms_request *r)
{
	if (cms_request_decode(b->data, b->len, r, err, sizeof err) != 0)
		fail_msg("cms_request_decode: %s", err);
}

static void refused(const struct x509_buf *b, const char *why)
{
	struct cms_request r;

	err[0] = 0;
	if (cms_request_decode(b->data, b->len, &r, err, sizeof err) == 0)
		fail_msg("accepted, expected a refusal with '%s'", why);
	if (strstr(err, why) == NULL)
		fail_msg("refused with '%s', expected '%s'", err, why);
	/* Nothing is left behind to free. */
	assert_int_equal(r.n_signers, 0);
	assert_int_equal(r.n_certs, 0);
	assert_null(r.csr.data);
}

/* The SPKI of carried certificate k. */
static void cert_spki(const struct cms_request *r, size_t k, struct x509_buf *spki)
{
	struct x509_cert_info ci;

	assert_true(k < r->n_certs);
	assert_int_equal(x509_cert_decode(r->certs[k].data, r->certs[k].len, &ci, err,
					  sizeof err), 0);
	*spki = ci.spki;
	ci.spki = (struct x509_buf){0};
	x509_cert_info_free(&ci);
}

/* A file's SPKI from a PEM certificate. */
static void file_spki(const char *pem, struct x509_buf *spki)
{
	sh("openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform DER -out '%s'",
	   P(pem), P("tmp.spki"));
	load("tmp.spki", spki);
}

static void verify_ok(const struct cms_request *r, size_t i, const struct x509_buf *spki)
{
	if (cms_signer_verify(r, i, spki->data, spki->len, err, sizeof err) != 0)
		fail_msg("cms_signer_verify: %s", err);
}

static void verify_refused(const struct cms_request *r, size_t i, const struct x509_buf *spki,
			   const char *why)
{
	err[0] = 0;
	assert_int_equal(cms_signer_verify(r, i, spki->data, spki->len, err, sizeof err), -1);
	if (strstr(err, why) == NULL)
		fail_msg("verify refused with '%s', expected '%s'", err, why);
}

/* The pair named name among nv (DER sorts the SET OF attributes, so the
 * order is the encoder's business); NULL if none. */
static const struct cms_namevalue *nv_find(const struct cms_namevalue *nv, size_t n,
					   const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nv[i].name, name) == 0)
			return &nv[i];
	return NULL;
}

static void nv_expect(const struct cms_namevalue *nv, size_t n, const char *name,
		      const char *value)
{
	const struct cms_namevalue *e = nv_find(nv, n, name);

	if (e == NULL)
		fail_msg("no name-value pair %s", name);
	assert_string_equal(e->value, value);
}

/* Where the DER certificate in file name is among r's (SET OF: sorted). */
static int cert_index(const struct cms_request *r, const char *name)
{
	struct x509_buf c;
	int at = -1;

	load(name, &c);
	for (size_t k = 0; k < r->n_certs; k++)
		if (r->certs[k].len == c.len && memcmp(r->certs[k].data, c.data, c.len) == 0)
			at = (int)k;
	x509_buf_free(&c);
	return at;
}

/* Keys, certificates and requests shared by the tests (openssl CLI). */
static int setup(void **state)
{
	(void)state;
	sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -subj '/O=Example/CN=agent' "
	   "-days 2 -out '%s' 2>&1", P("rsa.key"), P("rsa.pem"));
	sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
	   "-subj /CN=ecagent -days 2 -out '%s' 2>&1", P("ec.key"), P("ec.pem"));
	sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -subj /CN=other -days 2 "
	   "-out '%s' 2>&1", P("other.key"), P("other.pem"));
	sh("openssl x509 -in '%s' -outform DER -out '%s'", P("rsa.pem"), P("rsa.der"));
	sh("openssl x509 -in '%s' -outform DER -out '%s'", P("ec.pem"), P("ec.der"));
	sh("openssl req -new -newkey rsa:2048 -nodes -keyout '%s' -subj /CN=user -outform DER "
	   "-out '%s' 2>&1", P("req.key"), P("req.der"));
	sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
	   "-subj /CN=ecuser -outform DER -out '%s' 2>&1", P("reqec.key"), P("reqec.der"));
	sh("printf hello > '%s'", P("hello"));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

static void test_types_load(void **state)
{
	static const char *const types[] = {
		"PKIX.PKIData", "PKIX.TaggedAttribute", "PKIX.TaggedRequest",
		"PKIX.TaggedCertificationRequest", "PKIX.TaggedContentInfo", "PKIX.OtherMsg",
		"PKIX.OtherReqMsg", "PKIX.BodyPartID", "PKIX.CMCIdentification",
		"PKIX.CMCTransactionId", "PKIX.CMCNonce", "PKIX.CMCRegInfo",
		"PKIX.CmcAddAttributes", "PKIX.EnrollmentNameValuePair",
		"PKIX.EnrollmentNameValuePairs", "PKIX.CSPProvider", "PKIX.ClientInformation",
		"PKIX.CMSContentType", "PKIX.CMSMessageDigest",
	};
	asn1_node n;

	(void)state;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (asn1_new(types[i], &n) != 0)
			fail_msg("cannot create %s", types[i]);
		asn1_delete_structure(&n);
	}
}

/* openssl cms -sign over a PKCS#10: every field read, the signature checked
 * with the carried certificate's key and refused with another key. */
static void openssl_cms(const char *signer, const char *md, const char *extra)
{
	struct x509_buf der, req, spki, other;
	struct cms_request r;

	sh("openssl cms -sign -binary -nodetach -outform DER -md %s %s -in '%s' -signer '%s.pem' "
	   "-inkey '%s.key' -out '%s'", md, extra, P("req.der"), P(signer), P(signer),
	   P("o.der"));
	load("o.der", &der);
	load("req.der", &req);
	decode_ok(&der, &r);
	assert_int_equal(r.cmc, 0);
	assert_string_equal(r.content_type, OID_DATA);
	assert_int_equal(r.csr.len, req.len);
	assert_memory_equal(r.csr.data, req.data, req.len);
	assert_int_equal(r.content.len, req.len);
	assert_int_equal(r.body_part_id, 0);
	assert_int_equal(r.n_certs, 1);
	assert_int_equal(r.n_signers, 1);
	assert_int_equal(r.signers[0].n_nv, 0);
	assert_int_equal(r.n_nv, 0);
	if (strstr(extra, "-keyid") != NULL) {
		assert_null(r.signers[0].issuer.data);
		assert_int_equal(r.signers[0].key_id.len, 20);
	} else {
		assert_non_null(r.signers[0].issuer.data);
		assert_non_null(r.signers[0].serial.data);
		assert_null(r.signers[0].key_id.data);
	}
	if (strstr(extra, "-noattr") != NULL) {
		assert_null(r.signers[0].signed_attrs.data);
		assert_string_equal(r.signers[0].content_type, "");
	} else {
		assert_int_equal(r.signers[0].signed_attrs.data[0], 0x31);
		assert_string_equal(r.signers[0].content_type, OID_DATA);
		assert_true(r.signers[0].message_digest.len >= 20);
	}
	assert_int_equal(cms_signer_cert(&r, 0), 0);
	cert_spki(&r, 0, &spki);
	if (strcmp(md, "sha1") == 0) {
		verify_refused(&r, 0, &spki, "SHA-1");
	} else {
		verify_ok(&r, 0, &spki);
		file_spki("other.pem", &other);
		assert_int_equal(cms_signer_verify(&r, 0, other.data, other.len, err, sizeof err),
				 -1);
		x509_buf_free(&other);
	}
	/* The inner request's own signature (proof of possession). */
	assert_int_equal(x509_csr_verify(r.csr.data, r.csr.len, NULL, NULL, err, sizeof err), 0);
	cms_request_free(&r);
	assert_int_equal(r.n_signers, 0);
	x509_buf_free(&spki);
	x509_buf_free(&der);
	x509_buf_free(&req);
}

static void test_openssl_rsa(void **state)
{
	(void)state;
	openssl_cms("rsa", "sha256", "");
	openssl_cms("rsa", "sha384", "");
	openssl_cms("rsa", "sha512", "");
}

static void test_openssl_ec(void **state)
{
	(void)state;
	openssl_cms("ec", "sha256", "");
	openssl_cms("ec", "sha384", "");
}

static void test_openssl_noattr_keyid(void **state)
{
	(void)state;
	openssl_cms("rsa", "sha256", "-noattr");
	openssl_cms("ec", "sha256", "-noattr");
	openssl_cms("rsa", "sha256", "-keyid");
	openssl_cms("ec", "sha256", "-keyid -noattr");
}

/* SHA-1 decodes (the custodian may still read who signed) but never verifies. */
static void test_openssl_sha1(void **state)
{
	(void)state;
	openssl_cms("rsa", "sha1", "");
}

/* A CMC request as Windows sends one: PKIData with the PKCS#10 as tcr, the
 * controls, signed with the request's own key named by key identifier, no
 * certificate. */
static void test_cmc_controls(void **state)
{
	struct x509_buf der, req, spki;
	struct cms_request r;
	static const char reg[] = "CertificateTemplate:User\n";
	char reghex[128] = "";

	(void)state;
	for (size_t i = 0; i < sizeof reg - 1; i++)
		snprintf(reghex + 2 * i, 3, "%02x", (unsigned char)reg[i]);
	build(&der,
	      "--cmc-csr '%s' --signer '%s' --control 1.3.6.1.5.5.7.7.5:020105 "
	      "--control 1.3.6.1.5.5.7.7.6:0403aabbcc --control 1.3.6.1.5.5.7.7.18:04%02zx%s "
	      "--control 1.3.6.1.5.5.7.7.3:0c056167656e74 --nv-control 'RequesterName=EX\\bob' "
	      "--ms-attrs '' --ms-attrs Foo=bar --tcr-id 7",
	      P("req.der"), P("req.key"), sizeof reg - 1, reghex);
	load("req.der", &req);
	decode_ok(&der, &r);
	assert_int_equal(r.cmc, 1);
	assert_string_equal(r.content_type, OID_PKI_DATA);
	assert_int_equal(r.body_part_id, 7);
	assert_int_equal(r.csr.len, req.len);
	assert_memory_equal(r.csr.data, req.data, req.len);
	assert_int_equal(r.transaction_id.len, 1);
	assert_int_equal(r.transaction_id.data[0], 5);
	assert_int_equal(r.sender_nonce.len, 3);
	assert_memory_equal(r.sender_nonce.data, "\xaa\xbb\xcc", 3);
	assert_int_equal(r.reg_info.len, sizeof reg - 1);
	assert_memory_equal(r.reg_info.data, reg, sizeof reg - 1);
	assert_string_equal(r.identification, "agent");
	assert_int_equal(r.n_nv, 2);
	nv_expect(r.nv, r.n_nv, "RequesterName", "EX\\bob");
	nv_expect(r.nv, r.n_nv, "Foo", "bar");
	assert_int_equal(r.n_certs, 0);
	assert_int_equal(r.n_signers, 1);
	assert_int_equal(r.signers[0].key_id.len, 20);
	assert_int_equal(cms_signer_cert(&r, 0), -1);
	/* Signed with the request's key: its SPKI verifies the signer. */
	assert_int_equal(x509_csr_verify(r.csr.data, r.csr.len, NULL, &spki, err, sizeof err), 0);
	verify_ok(&r, 0, &spki);
	assert_string_equal(r.signers[0].content_type, OID_PKI_DATA);
	cms_request_free(&r);
	x509_buf_free(&spki);
	x509_buf_free(&der);
	/* No controls at all, an EC request and key. */
	build(&der, "--cmc-csr '%s' --signer '%s'", P("reqec.der"), P("reqec.key"));
	decode_ok(&der, &r);
	assert_int_equal(r.cmc, 1);
	assert_int_equal(r.body_part_id, 1);
	assert_null(r.transaction_id.data);
	assert_null(r.reg_info.data);
	assert_string_equal(r.identification, "");
	assert_int_equal(x509_csr_verify(r.csr.data, r.csr.len, NULL, &spki, err, sizeof err), 0);
	verify_ok(&r, 0, &spki);
	cms_request_free(&r);
	x509_buf_free(&spki);
	x509_buf_free(&der);
	x509_buf_free(&req);
}

/* An agent's CMS request: signed attributes with the RequesterName pair,
 * the agent's certificate carried; a second signer by key identifier. */
static void test_signed_name_value(void **state)
{
	struct x509_buf der, spki, spki2;
	struct cms_request r;

	(void)state;
	build(&der, "--content '%s' --signer '%s:%s' --signer '%s:%s:ski' "
		    "--signed-nv RequesterName=CORP\\\\alice --signed-nv 'hex:d83dde00=00e9'",
	      P("req.der"), P("rsa.key"), P("rsa.pem"), P("ec.key"), P("ec.pem"));
	decode_ok(&der, &r);
	assert_int_equal(r.n_signers, 2);
	assert_int_equal(r.n_certs, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(r.signers[i].n_nv, 2);
		nv_expect(r.signers[i].nv, 2, "RequesterName", "CORP\\alice");
		/* U+1F600 from its surrogate pair, U+00E9 */
		nv_expect(r.signers[i].nv, 2, "\xf0\x9f\x98\x80", "\xc3\xa9");
	}
	/* Which signer is which: the SET OF is sorted, so ask the sid. */
	size_t rs = r.signers[0].issuer.data != NULL ? 0 : 1;
	assert_int_equal(cms_signer_cert(&r, rs), cert_index(&r, "rsa.der"));
	assert_int_equal(cms_signer_cert(&r, 1 - rs), cert_index(&r, "ec.der"));
	assert_true(cert_index(&r, "ec.der") >= 0);
	cert_spki(&r, (size_t)cms_signer_cert(&r, rs), &spki);
	cert_spki(&r, (size_t)cms_signer_cert(&r, 1 - rs), &spki2);
	verify_ok(&r, rs, &spki);
	verify_ok(&r, 1 - rs, &spki2);
	/* Each key verifies its own signer only. */
	verify_refused(&r, rs, &spki2, "algorithm does not match the key");
	cms_request_free(&r);
	x509_buf_free(&spki);
	x509_buf_free(&spki2);
	x509_buf_free(&der);
}
/* signatureAlgorithm as the key alone (rsaEncryption, id-ecPublicKey) or
 * combined with the very digest; a combination with another digest refused. */
static void test_sigalg_forms(void **state)
{
	struct x509_buf der, spki;
	struct cms_request r;

	(void)state;
	file_spki("rsa.pem", &spki);
	build(&der, "--content '%s' --signer '%s:%s' --sigalg key --md sha384", P("req.der"),
	      P("rsa.key"), P("rsa.pem"));
	decode_ok(&der, &r);
	assert_string_equal(r.signers[0].sig_oid, "1.2.840.113549.1.1.1");
	verify_ok(&r, 0, &spki);
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --sigalg oid:1.2.840.113549.1.1.12",
	      P("req.der"), P("rsa.key"), P("rsa.pem"));
	decode_ok(&der, &r);
	verify_refused(&r, 0, &spki, "does not go with");
	cms_request_free(&r);
	x509_buf_free(&der);
	x509_buf_free(&spki);
	file_spki("ec.pem", &spki);
	build(&der, "--content '%s' --signer '%s:%s' --sigalg key --md sha512", P("req.der"),
	      P("ec.key"), P("ec.pem"));
	decode_ok(&der, &r);
	assert_string_equal(r.signers[0].sig_oid, "1.2.840.10045.2.1");
	verify_ok(&r, 0, &spki);
	cms_request_free(&r);
	x509_buf_free(&der);
	/* ECDSA with SHA-384 named while the digest is SHA-256. */
	build(&der, "--content '%s' --signer '%s:%s' --sigalg oid:1.2.840.10045.4.3.3",
	      P("req.der"), P("ec.key"), P("ec.pem"));
	decode_ok(&der, &r);
	verify_refused(&r, 0, &spki, "does not go with");
	cms_request_free(&r);
	x509_buf_free(&der);
	/* id-alg-noSignature (RFC 2797 3.3.3.1): decoded, never verified. */
	build(&der, "--content '%s' --signer '%s:%s' --sigalg oid:1.3.6.1.5.5.7.6.2",
	      P("req.der"), P("ec.key"), P("ec.pem"));
	decode_ok(&der, &r);
	verify_refused(&r, 0, &spki, "No-Signature");
	cms_request_free(&r);
	x509_buf_free(&der);
	/* SHA-1 through asn1crypto as well. */
	build(&der, "--content '%s' --signer '%s:%s' --md sha1", P("req.der"), P("ec.key"),
	      P("ec.pem"));
	decode_ok(&der, &r);
	verify_refused(&r, 0, &spki, "SHA-1");
	cms_request_free(&r);
	x509_buf_free(&der);
	x509_buf_free(&spki);
}

/* What verification refuses: a changed signature, content other than what
 * the messageDigest covers, a contentType attribute that is not eContentType,
 * no signed attributes over a PKIData. */
static void test_verify_refusals(void **state)
{
	struct x509_buf der, spki;
	struct cms_request r;

	(void)state;
	file_spki("rsa.pem", &spki);
	build(&der, "--content '%s' --signer '%s:%s' --tamper-sig", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	decode_ok(&der, &r);
	verify_refused(&r, 0, &spki, "RSA verification failed");
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --carry '%s'", P("req.der"), P("rsa.key"),
	      P("rsa.pem"), P("reqec.der"));
	decode_ok(&der, &r);
	verify_refused(&r, 0, &spki, "messageDigest does not match");
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --ct-attr 1.2.840.113549.1.7.2",
	      P("req.der"), P("rsa.key"), P("rsa.pem"));
	decode_ok(&der, &r);
	verify_refused(&r, 0, &spki, "contentType attribute");
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --signer '%s:%s' --no-attrs", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	decode_ok(&der, &r);
	verify_refused(&r, 0, &spki, "without signed attributes");
	assert_int_equal(cms_signer_verify(&r, 1, spki.data, spki.len, err, sizeof err), -1);
	cms_request_free(&r);
	x509_buf_free(&der);
	x509_buf_free(&spki);
}

static void test_content_refusals(void **state)
{
	struct x509_buf der;

	(void)state;
	build(&der, "--content '%s' --signer '%s:%s' --detached", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	refused(&der, "detached");
	x509_buf_free(&der);
	sh("openssl cms -sign -binary -outform DER -in '%s' -signer '%s' -inkey '%s' -out '%s'",
	   P("req.der"), P("rsa.pem"), P("rsa.key"), P("det.der"));
	load("det.der", &der);
	refused(&der, "detached");
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s'", P("hello"), P("rsa.key"), P("rsa.pem"));
	refused(&der, "not a PKCS#10");
	x509_buf_free(&der);
	build(&der, "--content '%s' --content-type 1.2.840.113549.1.7.1 --signer '%s:%s'",
	      P("rsa.der"), P("rsa.key"), P("rsa.pem"));
	refused(&der, "not a PKCS#10");
	x509_buf_free(&der);
	build(&der, "--content '%s' --content-type 1.2.3.4 --signer '%s:%s'", P("req.der"),
	      P("rsa.key"), P("rsa.pem"));
	refused(&der, "neither id-data nor id-cct-PKIData");
	x509_buf_free(&der);
	/* A PKCS#10 under the PKIData type, a PKIData under id-data. */
	build(&der, "--content '%s' --content-type %s --signer '%s:%s'", P("req.der"),
	      OID_PKI_DATA, P("rsa.key"), P("rsa.pem"));
	refused(&der, "not a CMC PKIData");
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --content-type %s --signer '%s:%s'", P("req.der"), OID_DATA,
	      P("rsa.key"), P("rsa.pem"));
	refused(&der, "not a PKCS#10");
	x509_buf_free(&der);
	/* Not a SignedData at all: a PKCS#10 itself. */
	load("req.der", &der);
	refused(&der, "SignedContentInfo");
	x509_buf_free(&der);
	assert_int_equal(cms_request_decode(NULL, 0, &(struct cms_request){0}, err, sizeof err),
			 -1);
}

static void test_cmc_refusals(void **state)
{
	struct x509_buf der;

	(void)state;
	build(&der, "--cmc-csr '%s' --signer '%s' --reqs 2", P("req.der"), P("req.key"));
	refused(&der, "with 2 requests");
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --signer '%s' --reqs 0", P("req.der"), P("req.key"));
	refused(&der, "with 0 requests");
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --signer '%s' --crm", P("req.der"), P("req.key"));
	refused(&der, "other than PKCS#10");
	x509_buf_free(&der);
	/* id-cmc-addExtensions: the CA would have to apply it; not ignored. */
	build(&der, "--cmc-csr '%s' --signer '%s' --control 1.3.6.1.5.5.7.7.8:3000",
	      P("req.der"), P("req.key"));
	refused(&der, "unknown CMC control 1.3.6.1.5.5.7.7.8");
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --signer '%s' --control 1.3.6.1.5.5.7.7.5:020101 "
		    "--control 1.3.6.1.5.5.7.7.5:020102", P("req.der"), P("req.key"));
	refused(&der, "present twice");
	x509_buf_free(&der);
	/* A control whose value is not its type. */
	build(&der, "--cmc-csr '%s' --signer '%s' --control 1.3.6.1.5.5.7.7.5:0400",
	      P("req.der"), P("req.key"));
	refused(&der, "transactionId");
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --signer '%s' --control 1.3.6.1.5.5.7.7.3:0c02ff00",
	      P("req.der"), P("req.key"));
	refused(&der, "identification");
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --signer '%s' --control 1.3.6.1.5.5.7.7.3:0c02410a",
	      P("req.der"), P("req.key"));
	refused(&der, "identification");
	x509_buf_free(&der);
	/* Body part IDs: the request's 0, or one a control already has. */
	build(&der, "--cmc-csr '%s' --signer '%s' --tcr-id 0", P("req.der"), P("req.key"));
	refused(&der, "bodyPartID");
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --signer '%s' --tcr-id 1001 --control 1.3.6.1.5.5.7.7.5:020101",
	      P("req.der"), P("req.key"));
	refused(&der, "used twice");
	x509_buf_free(&der);
	/* Microsoft's CMC attributes for a body part that is not the request. */
	build(&der, "--cmc-csr '%s' --signer '%s' --ms-attrs '' --ms-attrs-ref 9", P("req.der"),
	      P("req.key"));
	refused(&der, "body part other than the request");
	x509_buf_free(&der);
	/* A name twice across the controls (case-insensitive). */
	build(&der, "--cmc-csr '%s' --signer '%s' --nv-control RequesterName=a "
		    "--ms-attrs requestername=b", P("req.der"), P("req.key"));
	refused(&der, "present twice");
	x509_buf_free(&der);
}

static void test_signed_attr_refusals(void **state)
{
	struct x509_buf der;

	(void)state;
	build(&der, "--content '%s' --signer '%s:%s' --dup-ct", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	refused(&der, "not exactly one value, once");
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --no-ct-attr", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	refused(&der, "without contentType and messageDigest");
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --no-md-attr", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	refused(&der, "without contentType and messageDigest");
	x509_buf_free(&der);
	/* sid and version disagreeing (RFC 5652 5.3). */
	build(&der, "--content '%s' --signer '%s:%s' --version v3", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	refused(&der, "signer version 3 with issuerAndSerialNumber");
	x509_buf_free(&der);
	/* Certificates other than X.509, CRLs. */
	build(&der, "--content '%s' --signer '%s:%s' --other-cert", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	refused(&der, "not an X.509 certificate");
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --crl-other", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	refused(&der, "CRLs carried");
	x509_buf_free(&der);
}

/* Name-value pairs that are not text: an unpaired surrogate, a NUL, an odd
 * length, an empty name, a value past CMS_NV_TEXT_MAX, the same name twice. */
static void test_name_value_refusals(void **state)
{
	static const char *const bad[][2] = {
		{"hex:0041d800=0042", "unpaired surrogate"},
		{"hex:dc000041=0042", "unpaired surrogate"},
		{"hex:00410000=0042", "NUL"},
		{"hex:0041=0042000a", "control character"},
		{"hex:0041=00420085", "control character"},
		{"hex:0041=004200", "odd length"},
		{"hex:=0042", "empty name"},
	};
	char big[2 * CMS_NV_TEXT_MAX + 8];
	struct x509_buf der;
	struct cms_request r;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		build(&der, "--content '%s' --signer '%s:%s' --signed-nv '%s'", P("req.der"),
		      P("rsa.key"), P("rsa.pem"), bad[i][0]);
		refused(&der, bad[i][1]);
		x509_buf_free(&der);
	}
	/* 255 bytes of UTF-8 fit (with the NUL), 256 do not. */
	memset(big, 'v', CMS_NV_TEXT_MAX - 1);
	big[CMS_NV_TEXT_MAX - 1] = 0;
	build(&der, "--content '%s' --signer '%s:%s' --signed-nv 'n=%s'", P("req.der"),
	      P("rsa.key"), P("rsa.pem"), big);
	decode_ok(&der, &r);
	assert_int_equal(strlen(r.signers[0].nv[0].value), CMS_NV_TEXT_MAX - 1);
	cms_request_free(&r);
	x509_buf_free(&der);
	big[CMS_NV_TEXT_MAX - 1] = 'v';
	big[CMS_NV_TEXT_MAX] = 0;
	build(&der, "--content '%s' --signer '%s:%s' --signed-nv 'n=%s'", P("req.der"),
	      P("rsa.key"), P("rsa.pem"), big);
	refused(&der, "too long");
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --signed-nv RequesterName=a "
		    "--signed-nv REQUESTERNAME=b", P("req.der"), P("rsa.key"), P("rsa.pem"));
	refused(&der, "present twice");
	x509_buf_free(&der);
}

/* Every count at its maximum is taken; one more is refused. */
static void test_limits(void **state)
{
	char args[2048];
	size_t k = 0;
	struct x509_buf der;
	struct cms_request r;

	(void)state;
	build(&der, "--content '%s' --signer '%s:%s' --signer-times %d --no-certs", P("req.der"),
	      P("rsa.key"), P("rsa.pem"), CMS_SIGNERS_MAX);
	decode_ok(&der, &r);
	assert_int_equal(r.n_signers, CMS_SIGNERS_MAX);
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --signer-times %d --no-certs", P("req.der"),
	      P("rsa.key"), P("rsa.pem"), CMS_SIGNERS_MAX + 1);
	refused(&der, "more than 4 signers");
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --cert-times %d", P("req.der"), P("rsa.key"),
	      P("rsa.pem"), CMS_CERTS_MAX);
	decode_ok(&der, &r);
	assert_int_equal(r.n_certs, CMS_CERTS_MAX);
	/* The same certificate eight times: still one answer. */
	assert_int_equal(cms_signer_cert(&r, 0), 0);
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --cert-times %d", P("req.der"), P("rsa.key"),
	      P("rsa.pem"), CMS_CERTS_MAX + 1);
	refused(&der, "more than 8 certificates");
	x509_buf_free(&der);
	for (int i = 0; i < CMS_NV_MAX; i++)
		k += (size_t)snprintf(args + k, sizeof args - k, " --signed-nv n%d=v", i);
	build(&der, "--content '%s' --signer '%s:%s' %s", P("req.der"), P("rsa.key"),
	      P("rsa.pem"), args);
	decode_ok(&der, &r);
	assert_int_equal(r.signers[0].n_nv, CMS_NV_MAX);
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' %s --signed-nv extra=v", P("req.der"),
	      P("rsa.key"), P("rsa.pem"), args);
	refused(&der, "more than 16 name-value pairs");
	x509_buf_free(&der);
	/* 32 signed attributes (contentType, messageDigest and 30 others). */
	build(&der, "--content '%s' --signer '%s:%s' --signed-extra 30", P("req.der"),
	      P("rsa.key"), P("rsa.pem"));
	decode_ok(&der, &r);
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --signed-extra 31", P("req.der"),
	      P("rsa.key"), P("rsa.pem"));
	refused(&der, "33 signed attributes");
	x509_buf_free(&der);
	/* 17 controls: refused by their number before their types. */
	k = 0;
	for (int i = 0; i < 17; i++)
		k += (size_t)snprintf(args + k, sizeof args - k, " --control 1.2.3.%d:0500", i);
	build(&der, "--cmc-csr '%s' --signer '%s' %s", P("req.der"), P("req.key"), args);
	refused(&der, "more than 16 CMC controls");
	x509_buf_free(&der);
	/* Microsoft's CMC attributes for another PKIData. */
	build(&der, "--cmc-csr '%s' --signer '%s' --ms-attrs '' --ms-attrs-data-ref 3",
	      P("req.der"), P("req.key"));
	refused(&der, "not for this request");
	x509_buf_free(&der);
	/* A request's attributes: 64 are read, 65 refused. */
	struct csr_ms_attrs a;

	sh("%s csr --key '%s' --extra 63 --out '%s'", BUILD, P("rsa.key"), P("many.der"));
	load("many.der", &der);
	assert_int_equal(x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err), 0);
	csr_ms_attrs_free(&a);
	x509_buf_free(&der);
	sh("%s csr --key '%s' --extra 64 --out '%s'", BUILD, P("rsa.key"), P("many.der"));
	load("many.der", &der);
	assert_int_equal(x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "more than 64 attributes"));
	x509_buf_free(&der);
}

/* cms_signer_cert: by issuer and serial, by key identifier, none carried, and
 * a certificate that only looks like the signer's (same issuer, other serial). */
static void test_signer_cert(void **state)
{
	struct x509_buf der;
	struct cms_request r;

	(void)state;
	build(&der, "--content '%s' --signer '%s:%s' --add-cert '%s'", P("req.der"),
	      P("rsa.key"), P("rsa.pem"), P("other.pem"));
	decode_ok(&der, &r);
	assert_int_equal(r.n_certs, 2);
	assert_int_equal(cms_signer_cert(&r, 0), cert_index(&r, "rsa.der"));
	assert_true(cms_signer_cert(&r, 0) >= 0);
	assert_int_equal(cms_signer_cert(&r, 1), -1);
	cms_request_free(&r);
	x509_buf_free(&der);
	/* The signer's certificate after another one. */
	build(&der, "--content '%s' --signer '%s:%s:ski' --no-certs --add-cert '%s' "
		    "--add-cert '%s'", P("req.der"), P("ec.key"), P("ec.pem"), P("other.pem"),
	      P("ec.pem"));
	decode_ok(&der, &r);
	assert_int_equal(r.n_certs, 2);
	assert_int_equal(cms_signer_cert(&r, 0), cert_index(&r, "ec.der"));
	assert_true(cms_signer_cert(&r, 0) >= 0);
	cms_request_free(&r);
	x509_buf_free(&der);
	/* Not carried. */
	build(&der, "--content '%s' --signer '%s:%s' --no-certs --add-cert '%s'", P("req.der"),
	      P("rsa.key"), P("rsa.pem"), P("other.pem"));
	decode_ok(&der, &r);
	assert_int_equal(cms_signer_cert(&r, 0), -1);
	cms_request_free(&r);
	x509_buf_free(&der);
	assert_int_equal(cms_signer_cert(NULL, 0), -1);
	/* A certificate without a SubjectKeyIdentifier: the RFC 5280 method-1
	 * identifier of its key names it (what cms_build.py computes then). */
	sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
	   "-subj /CN=noski -days 2 -addext subjectKeyIdentifier=none "
	   "-addext authorityKeyIdentifier=none -out '%s' 2>&1", P("noski.key"), P("noski.pem"));
	sh("openssl x509 -in '%s' -noout -text | grep -c 'Key Identifier' | grep -qx 0",
	   P("noski.pem"));
	build(&der, "--content '%s' --signer '%s::ski' --add-cert '%s' --add-cert '%s'",
	      P("req.der"), P("noski.key"), P("noski.pem"), P("other.pem"));
	decode_ok(&der, &r);
	sh("openssl x509 -in '%s' -outform DER -out '%s'", P("noski.pem"), P("noski.der"));
	assert_int_equal(cms_signer_cert(&r, 0), cert_index(&r, "noski.der"));
	assert_true(cms_signer_cert(&r, 0) >= 0);
	cms_request_free(&r);
	x509_buf_free(&der);
	/* Two different certificates with one issuer and serial: none named. */
	for (int i = 1; i <= 2; i++) {
		char k[16], c[16];

		snprintf(k, sizeof k, "d%d.key", i);
		snprintf(c, sizeof c, "d%d.pem", i);
		sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		   "-keyout '%s' -subj /CN=dup -set_serial 5 -days 2 -out '%s' 2>&1", P(k), P(c));
	}
	build(&der, "--content '%s' --signer '%s:%s' --add-cert '%s'", P("req.der"), P("d1.key"),
	      P("d1.pem"), P("d2.pem"));
	decode_ok(&der, &r);
	assert_int_equal(r.n_certs, 2);
	assert_int_equal(cms_signer_cert(&r, 0), -1);
	cms_request_free(&r);
	x509_buf_free(&der);
}

/* Framing that is not DER: openssl's streaming (indefinite lengths), a long
 * form where the short one fits, trailing bytes; and every prefix of a whole
 * request. */
static void test_not_der(void **state)
{
	struct x509_buf der, b;
	struct cms_request r;

	(void)state;
	sh("openssl cms -sign -binary -nodetach -stream -outform DER -in '%s' -signer '%s' "
	   "-inkey '%s' -out '%s'", P("req.der"), P("ec.pem"), P("ec.key"), P("stream.der"));
	load("stream.der", &der);
	assert_int_equal(der.data[1], 0x80); /* indefinite, as openssl streams */
	refused(&der, "not DER");
	x509_buf_free(&der);
	sh("openssl cms -sign -binary -nodetach -outform DER -in '%s' -signer '%s' -inkey '%s' "
	   "-out '%s'", P("req.der"), P("ec.pem"), P("ec.key"), P("ec.der"));
	load("ec.der", &der);
	/* Trailing byte. */
	b.data = malloc(der.len + 1);
	assert_non_null(b.data);
	memcpy(b.data, der.data, der.len);
	b.data[der.len] = 0;
	b.len = der.len + 1;
	assert_int_equal(cms_request_decode(b.data, b.len, &r, err, sizeof err), -1);
	/* 30 82 LL LL ... with a length that fits one octet less: rewritten as
	 * 30 83 00 LL LL (non-minimal). */
	assert_int_equal(der.data[1], 0x82);
	free(b.data);
	b.data = malloc(der.len + 1);
	assert_non_null(b.data);
	b.data[0] = 0x30;
	b.data[1] = 0x83;
	b.data[2] = 0;
	memcpy(b.data + 3, der.data + 2, der.len - 2);
	b.len = der.len + 1;
	refused(&b, "not DER");
	free(b.data);
	/* Every prefix: refused, no crash, nothing leaked (ASan run). */
	for (size_t n = 0; n < der.len; n++)
		assert_int_equal(cms_request_decode(der.data, n, &r, err, sizeof err), -1);
	decode_ok(&der, &r);
	cms_request_free(&r);
	x509_buf_free(&der);
}

/* x509_csr_ms_attrs on a certreq-shaped request (OS version, client
 * information, CSP, a name-value pair) with a renewal certificate. */
static void test_csr_ms_attrs(void **state)
{
	struct x509_buf der, cert;
	struct csr_ms_attrs a;

	(void)state;
	sh("%s csr --key '%s' --renewal '%s' --nv CertificateTemplate=User --nv Foo=bar "
	   "--client-info --csp-info --out '%s'", BUILD, P("rsa.key"), P("rsa.pem"), P("win.der"));
	load("win.der", &der);
	load("rsa.der", &cert);
	/* An independent reader agrees it is a PKCS#10 with a good signature. */
	sh("openssl req -inform DER -in '%s' -verify -noout 2>&1", P("win.der"));
	assert_int_equal(x509_csr_verify(der.data, der.len, NULL, NULL, err, sizeof err), 0);
	if (x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err) != 0)
		fail_msg("x509_csr_ms_attrs: %s", err);
	assert_int_equal(a.renewal_cert.len, cert.len);
	assert_memory_equal(a.renewal_cert.data, cert.data, cert.len);
	assert_int_equal(a.n_nv, 2);
	nv_expect(a.nv, a.n_nv, "CertificateTemplate", "User");
	nv_expect(a.nv, a.n_nv, "Foo", "bar");
	assert_int_equal(a.has_client_info, 1);
	assert_int_equal(a.client_id, 5);
	assert_string_equal(a.machine, "ws01.example.com");
	assert_string_equal(a.user, "EXAMPLE\\alice");
	assert_string_equal(a.process, "certreq.exe");
	assert_int_equal(a.has_csp_info, 1);
	assert_int_equal(a.key_spec, 1);
	assert_string_equal(a.csp_name, "Microsoft Software Key Storage Provider");
	csr_ms_attrs_free(&a);
	assert_null(a.renewal_cert.data);
	x509_buf_free(&der);
	/* An openssl request without any of them. */
	load("req.der", &der);
	assert_int_equal(x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err), 0);
	assert_null(a.renewal_cert.data);
	assert_int_equal(a.n_nv + (size_t)a.has_client_info + (size_t)a.has_csp_info, 0);
	x509_buf_free(&der);
	/* Each single attribute twice; pairs with one name twice. */
	static const char *const dups[] = {"renewal", "client", "csp"};
	for (size_t i = 0; i < 3; i++) {
		sh("%s csr --key '%s' --renewal '%s' --client-info --csp-info --dup %s --out '%s'",
		   BUILD, P("rsa.key"), P("rsa.pem"), dups[i], P("dup.der"));
		load("dup.der", &der);
		err[0] = 0;
		assert_int_equal(x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err), -1);
		assert_non_null(strstr(err, "present twice"));
		assert_null(a.renewal_cert.data);
		x509_buf_free(&der);
	}
	sh("%s csr --key '%s' --nv a=1 --nv A=2 --out '%s'", BUILD, P("rsa.key"), P("dup.der"));
	load("dup.der", &der);
	assert_int_equal(x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "present twice"));
	x509_buf_free(&der);
	/* Client information whose user name holds a line feed. */
	sh("%s csr --key '%s' --client-info --client-user \"$(printf 'a\\nb')\" --out '%s'",
	   BUILD, P("rsa.key"), P("bad.der"));
	load("bad.der", &der);
	assert_int_equal(x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "userName: a control character"));
	x509_buf_free(&der);
	/* A renewal attribute that is not a certificate. */
	sh("%s csr --key '%s' --renewal '%s' --out '%s'", BUILD, P("rsa.key"), P("req.der"),
	   P("bad.der"));
	load("bad.der", &der);
	assert_int_equal(x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a DER certificate"));
	x509_buf_free(&der);
	/* Not a request; every prefix of one. */
	assert_int_equal(x509_csr_ms_attrs(cert.data, cert.len, &a, err, sizeof err), -1);
	load("win.der", &der);
	for (size_t n = 0; n < der.len; n += 7)
		assert_int_equal(x509_csr_ms_attrs(der.data, n, &a, err, sizeof err), -1);
	x509_buf_free(&der);
	x509_buf_free(&cert);
}

/* Shapes the other tests do not reach: the SEQUENCE OF pairs form, NULL
 * parameters (RSA: allowed, ECDSA: refused), nested CMC content, a renewal
 * attribute with two values. */
static void test_other_shapes(void **state)
{
	struct x509_buf der, spki;
	struct cms_request r;
	struct csr_ms_attrs a;

	(void)state;
	build(&der, "--content '%s' --signer '%s:%s' --signed-nv-list a=1 --signed-nv-list b=2 "
		    "--signed-nv c=3", P("req.der"), P("rsa.key"), P("rsa.pem"));
	decode_ok(&der, &r);
	assert_int_equal(r.signers[0].n_nv, 3);
	nv_expect(r.signers[0].nv, 3, "a", "1");
	nv_expect(r.signers[0].nv, 3, "b", "2");
	nv_expect(r.signers[0].nv, 3, "c", "3");
	cms_request_free(&r);
	x509_buf_free(&der);
	build(&der, "--content '%s' --signer '%s:%s' --signed-nv-list a=1 --signed-nv-list A=2",
	      P("req.der"), P("rsa.key"), P("rsa.pem"));
	refused(&der, "present twice");
	x509_buf_free(&der);
	file_spki("rsa.pem", &spki);
	build(&der, "--content '%s' --signer '%s:%s' --sigalg-null", P("req.der"), P("rsa.key"),
	      P("rsa.pem"));
	decode_ok(&der, &r);
	verify_ok(&r, 0, &spki);
	cms_request_free(&r);
	x509_buf_free(&der);
	x509_buf_free(&spki);
	build(&der, "--content '%s' --signer '%s:%s' --sigalg-null", P("req.der"), P("ec.key"),
	      P("ec.pem"));
	refused(&der, "with parameters");
	x509_buf_free(&der);
	build(&der, "--cmc-csr '%s' --signer '%s' --cms-seq", P("req.der"), P("req.key"));
	refused(&der, "nested content");
	x509_buf_free(&der);
	sh("%s csr --key '%s' --renewal '%s' --renewal-values 2 --out '%s'", BUILD, P("rsa.key"),
	   P("rsa.pem"), P("two.der"));
	load("two.der", &der);
	assert_int_equal(x509_csr_ms_attrs(der.data, der.len, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "exactly one value"));
	x509_buf_free(&der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_load),
		cmocka_unit_test(test_openssl_rsa),
		cmocka_unit_test(test_openssl_ec),
		cmocka_unit_test(test_openssl_noattr_keyid),
		cmocka_unit_test(test_openssl_sha1),
		cmocka_unit_test(test_cmc_controls),
		cmocka_unit_test(test_signed_name_value),
		cmocka_unit_test(test_sigalg_forms),
		cmocka_unit_test(test_verify_refusals),
		cmocka_unit_test(test_content_refusals),
		cmocka_unit_test(test_cmc_refusals),
		cmocka_unit_test(test_signed_attr_refusals),
		cmocka_unit_test(test_name_value_refusals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_signer_cert),
		cmocka_unit_test(test_not_der),
		cmocka_unit_test(test_csr_ms_attrs),
		cmocka_unit_test(test_other_shapes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
