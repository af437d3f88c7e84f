/* CMS requests for careq (client.h): renewal and enroll-on-behalf-of, and the
 * CRLs of a PKCS#7 answer.
 *
 * The SignedData (RFC 5652 5.1) is wolfSSL's PKCS7 encoder: eContentType
 * id-data, eContent the PKCS#10 DER, SHA-256, one SignerInfo with
 * issuerAndSerialNumber of the signer's certificate, that certificate in
 * certificates, and the default signed attributes wolfSSL adds (contentType,
 * messageDigest, signingTime). wolfSSL's PKCS7Attrib takes an attribute as its
 * OID TLV and one AttributeValue TLV (it writes the SET OF around it), so the
 * enrollment name-value pair fits it exactly: only that value is built here,
 * with the project's DER writer (firmware/asn1/der.h), because wolfSSL has no
 * BMPString encoder.
 *
 * The PKCS#7 answer (pctbCert) comes from the network: it is decoded by
 * libtasn1 with the PKIX module under strict DER (firmware/asn1), never by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/pkcs7.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "firmware/asn1/asn1.h"
#include "firmware/asn1/der.h"
#include "firmware/client/client.h"
#include "firmware/icpr/icpr.h"
#include "platform/atomicfile.h"

#define SIGNER_FILE_MAX (64 * 1024)
#define CMS_SLACK 8192 /* SignerInfo, attributes, framing beyond content + cert */
#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"

static int fail(char *err, size_t errlen, const char *fmt, const char *what)
	__attribute__((format(printf, 3, 0)));

/* A message with one string argument; -1. */
static int fail(char *err, size_t errlen, const char *fmt, const char *what)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(err, errlen, fmt, what);
#pragma GCC diagnostic pop
	return -1;
}

static void wipe_free(struct x509_buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	x509_buf_free(b);
}

/* The first DER buffer of a PEM (label) or DER file; the others are wiped. */
static int read_der(const char *path, const char *label, struct x509_buf *out)
{
	struct x509_buf *all = NULL;
	unsigned char *text = NULL;
	size_t len = 0, n = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (file_read_all(path, SIGNER_FILE_MAX, &text, &len) != 0)
		return -1;
	if (x509_pem_decode_all(label, text, len, &all, &n) == 0 && n > 0) {
		*out = all[0];
		for (size_t i = 1; i < n; i++)
			wipe_free(&all[i]);
		rc = 0;
	}
	free(all);
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* The private key as wolfSSL's PKCS7 signer wants it: the traditional form
 * (RSAPrivateKey or ECPrivateKey) out of a PKCS#8 or traditional PEM/DER. */
static int read_key(const char *path, struct cmsreq_signer *s)
{
	static const char *const labels[] = {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"};
	struct x509_buf der = {0};
	word32 idx = 0;
	int off;
	RsaKey rsa;
	ecc_key ec;

	for (size_t i = 0; i < 3 && der.data == NULL; i++)
		if (read_der(path, labels[i], &der) != 0)
			x509_buf_free(&der);
	if (der.data == NULL || der.len > UINT32_MAX)
		return -1;
	off = wc_GetPkcs8TraditionalOffset(der.data, &idx, (word32)der.len);
	if (off < 0)
		idx = 0;
	s->key.len = der.len - idx;
	if ((s->key.data = malloc(s->key.len)) == NULL) {
		wipe_free(&der);
		return -1;
	}
	memcpy(s->key.data, der.data + idx, s->key.len);
	wipe_free(&der);
	idx = 0;
	if (wc_InitRsaKey(&rsa, NULL) == 0) {
		int ok = wc_RsaPrivateKeyDecode(s->key.data, &idx, &rsa, (word32)s->key.len) == 0;

		wc_FreeRsaKey(&rsa);
		if (ok) {
			s->type = X509_KEY_RSA;
			return 0;
		}
	}
	idx = 0;
	if (wc_ecc_init(&ec) == 0) {
		int ok = wc_EccPrivateKeyDecode(s->key.data, &idx, &ec, (word32)s->key.len) == 0;

		wc_ecc_free(&ec);
		if (ok) {
			s->type = X509_KEY_EC;
			return 0;
		}
	}
	return -1;
}

int cmsreq_load_signer(const char *cert_path, const char *key_path, struct cmsreq_signer *s,
		       char *err, size_t errlen)
{
	char why[CLIENT_ERR_LEN];

	memset(s, 0, sizeof(*s));
	if (read_der(cert_path, "CERTIFICATE", &s->cert) != 0)
		return fail(err, errlen, "cannot read a certificate (PEM or DER) from %s",
			    cert_path);
	if (x509_cert_decode(s->cert.data, s->cert.len, &s->info, why, sizeof(why)) != 0) {
		x509_buf_free(&s->cert);
		snprintf(err, errlen, "%s: %s", cert_path, why);
		return -1;
	}
	s->have_info = 1;
	if (read_key(key_path, s) != 0) {
		cmsreq_signer_free(s);
		return fail(err, errlen, "cannot read an unencrypted RSA or EC private key (PEM or DER) from %s",
			    key_path);
	}
	return 0;
}

void cmsreq_signer_free(struct cmsreq_signer *s)
{
	wipe_free(&s->key);
	x509_buf_free(&s->cert);
	if (s->have_info)
		x509_cert_info_free(&s->info);
	memset(s, 0, sizeof(*s));
}

/* UTF-8 text as a BMPString TLV: UTF-16BE without a terminator. The strict
 * UTF-8 decoder is libicpr's (it makes UTF-16LE + NUL); characters beyond the BMP
 * (surrogate pairs in UTF-16) have no BMPString form and are refused. 0 or -1. */
static int bmp_string(struct der *d, const char *s)
{
	size_t need = 0, bytes = 0;
	uint8_t *u;
	int rc = -1;

	if (icpr_utf8_to_utf16(s, strlen(s), NULL, 0, &need) != ICPR_OK ||
	    (u = malloc(need)) == NULL)
		return -1;
	if (icpr_utf8_to_utf16(s, strlen(s), u, need, &bytes) == ICPR_OK && bytes >= 2) {
		rc = 0;
		bytes -= 2; /* the NUL unit */
		for (size_t i = 0; i < bytes; i += 2) {
			uint8_t lo = u[i];

			if (u[i + 1] >= 0xd8 && u[i + 1] <= 0xdf)
				rc = -1;
			u[i] = u[i + 1];
			u[i + 1] = lo;
		}
		if (rc == 0)
			der_prim(d, 0x1e, u, bytes);
	}
	free(u);
	return rc;
}

int cmsreq_name_value(const char *name, const char *value, struct x509_buf *out)
{
	struct der d;

	/* MS-WCCE 2.2.2.7.10 (szENROLLMENT_NAME_VALUE_PAIR, 1.3.6.1.4.1.311.13.2.1):
	 * EnrollmentNameValuePair ::= SEQUENCE { name BMPSTRING, value BMPSTRING };
	 * https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-wcce/
	 * 92f07a54-2889-45e3-afd0-94b60daa80ec */
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	if (bmp_string(&d, name) != 0 || bmp_string(&d, value) != 0) {
		der_free(&d);
		return -1;
	}
	der_end(&d);
	return der_finish(&d, &out->data, &out->len);
}

int cmsreq_renewal_attr(const struct x509_buf *cert, struct x509_buf *out)
{
	struct der d;

	/* MS-WCCE 2.2.2.7.3 (szOID_RENEWAL_CERTIFICATE 1.3.6.1.4.1.311.13.1): one
	 * value, the DER of the certificate being renewed (3.1.1.4.3.2.1 step 1). */
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	der_oid(&d, CMSREQ_OID_RENEWAL);
	der_begin(&d, DER_SET);
	der_raw(&d, DER_SEQUENCE, cert->data, cert->len);
	der_end(&d);
	der_end(&d);
	return der_finish(&d, &out->data, &out->len);
}

/* The signature just made checked with the certificate's public key: a key that
 * is not the certificate's stops here instead of at the CA. */
static int self_check(uint8_t *cms, word32 len)
{
	PKCS7 *p7 = wc_PKCS7_New(NULL, INVALID_DEVID);
	int rc;

	if (p7 == NULL)
		return -1;
	/* wc_PKCS7_New initialised it; the signer's certificate comes from cms */
	rc = wc_PKCS7_VerifySignedData(p7, cms, len) == 0 ? 0 : -1;
	wc_PKCS7_Free(p7);
	return rc;
}

/* The name-value pair attribute for wolfSSL: the OID TLV and one value TLV. */
static int requester_attr(const char *requester, PKCS7Attrib *a, struct x509_buf *oid,
			  struct x509_buf *value)
{
	struct der d;

	der_init(&d);
	der_oid(&d, CMSREQ_OID_NAME_VALUE);
	if (der_finish(&d, &oid->data, &oid->len) != 0 ||
	    cmsreq_name_value("RequesterName", requester, value) != 0)
		return -1;
	a->oid = oid->data;
	a->oidSz = (word32)oid->len;
	a->value = value->data;
	a->valueSz = (word32)value->len;
	return 0;
}

static int encode(PKCS7 *p7, const struct cmsreq_signer *s, WC_RNG *rng, const uint8_t *content,
		  size_t len, PKCS7Attrib *attr, struct x509_buf *out, char *err, size_t errlen)
{
	size_t cap = len + s->cert.len + CMS_SLACK;
	int n;

	if (wc_PKCS7_InitWithCert(p7, s->cert.data, (word32)s->cert.len) != 0)
		return fail(err, errlen, "%s", "wolfSSL cannot use the signer's certificate");
	p7->rng = rng;
	p7->content = (byte *)(uintptr_t)content;
	p7->contentSz = (word32)len;
	p7->contentOID = DATA;
	p7->hashOID = SHA256h;
	p7->encryptOID = s->type == X509_KEY_RSA ? RSAk : ECDSAk;
	p7->privateKey = s->key.data;
	p7->privateKeySz = (word32)s->key.len;
	if (attr != NULL) {
		p7->signedAttribs = attr;
		p7->signedAttribsSz = 1;
	}
	if ((out->data = malloc(cap)) == NULL)
		return fail(err, errlen, "%s", "out of memory");
	n = wc_PKCS7_EncodeSignedData(p7, out->data, (word32)cap);
	if (n <= 0) {
		x509_buf_free(out);
		return fail(err, errlen, "%s", "cannot sign the CMS request");
	}
	out->len = (size_t)n;
	if (self_check(out->data, (word32)n) != 0) {
		x509_buf_free(out);
		return fail(err, errlen, "%s",
			    "the CMS signature does not verify: is the key the certificate's?");
	}
	return 0;
}

int cmsreq_sign(const struct cmsreq_signer *s, const uint8_t *content, size_t len,
		const char *requester, struct x509_buf *out, char *err, size_t errlen)
{
	struct x509_buf oid = {0}, value = {0};
	PKCS7Attrib attr;
	PKCS7 *p7;
	WC_RNG rng;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > ICPR_REQUEST_MAX || s->cert.len > ICPR_REQUEST_MAX)
		return fail(err, errlen, "%s", "the request is too large");
	if (requester != NULL && requester_attr(requester, &attr, &oid, &value) != 0) {
		x509_buf_free(&oid);
		x509_buf_free(&value);
		return fail(err, errlen, "-on-behalf-of \"%s\" cannot be a BMPString", requester);
	}
	if (wc_InitRng(&rng) != 0) {
		x509_buf_free(&oid);
		x509_buf_free(&value);
		return fail(err, errlen, "%s", "cannot initialise the random number generator");
	}
	/* wc_PKCS7_New: a zeroed, initialised struct (dependencies.md). */
	if ((p7 = wc_PKCS7_New(NULL, INVALID_DEVID)) == NULL)
		fail(err, errlen, "%s", "out of memory");
	else
		rc = encode(p7, s, &rng, content, len, requester ? &attr : NULL, out, err, errlen);
	if (p7 != NULL)
		wc_PKCS7_Free(p7);
	wc_FreeRng(&rng);
	x509_buf_free(&oid);
	x509_buf_free(&value);
	return rc;
}

int cmsreq_renewal(const struct keyspec *k, const struct cmsreq_signer *old,
		   struct x509_buf *key_pem, struct x509_buf *cms, char *err, size_t errlen)
{
	struct x509_buf attr = {0}, csr = {0};
	int rc = -1;

	memset(key_pem, 0, sizeof(*key_pem));
	memset(cms, 0, sizeof(*cms));
	/* The subject is the old certificate's, as certreq -renew sends it (the
	 * CA takes subject and SAN from the old certificate anyway). */
	if (cmsreq_renewal_attr(&old->cert, &attr) != 0)
		fail(err, errlen, "%s", "cannot encode the renewal certificate attribute");
	else if (keygen_request_der(k, &old->info.subject, &attr, key_pem, &csr, err, errlen) == 0)
		rc = cmsreq_sign(old, csr.data, csr.len, NULL, cms, err, errlen);
	if (rc != 0) {
		wipe_free(key_pem);
		x509_buf_free(cms);
	}
	x509_buf_free(&csr);
	x509_buf_free(&attr);
	return rc;
}

/* ---- the CRLs of an answer ---- */

void cmsreq_crls_free(struct x509_buf *crls, size_t n)
{
	for (size_t i = 0; crls != NULL && i < n; i++)
		x509_buf_free(&crls[i]);
	free(crls);
}

static int collect(asn1_node node, const uint8_t *p7, size_t len, struct x509_buf **crls,
		   size_t *n, char *err, size_t errlen)
{
	char name[64];

	for (size_t i = 0;; i++) {
		size_t start, end;

		snprintf(name, sizeof(name), "content.crls.?%zu", i + 1);
		if (asn1_der_slice(node, p7, len, name, &start, &end) != 0)
			return 0;
		if (i == CMSREQ_CRLS_MAX)
			return fail(err, errlen, "more than %s CRLs in the answer", "64");
		if (i == 0 && (*crls = calloc(CMSREQ_CRLS_MAX, sizeof(**crls))) == NULL)
			return fail(err, errlen, "%s", "out of memory");
		/* a CertificateList is a SEQUENCE; other RevocationInfoChoices ([1]
		 * other formats) are not CRLs a PEM file can hold */
		if (p7[start] != DER_SEQUENCE)
			continue;
		if (((*crls)[*n].data = malloc(end - start)) == NULL)
			return fail(err, errlen, "%s", "out of memory");
		memcpy((*crls)[*n].data, p7 + start, end - start);
		(*crls)[(*n)++].len = end - start;
	}
}

int cmsreq_crls(const uint8_t *p7, size_t len, struct x509_buf **crls, size_t *n, char *err,
		size_t errlen)
{
	char why[CLIENT_ERR_LEN], type[64];
	int type_len = sizeof(type);
	asn1_node node = NULL;
	int rc;

	*crls = NULL;
	*n = 0;
	if (asn1_decode("PKIX.SignedContentInfo", p7, len, &node, why, sizeof(why)) != 0)
		return fail(err, errlen, "the answer is not a PKCS#7 SignedData: %s", why);
	if (asn1_read_value(node, "contentType", type, &type_len) != ASN1_SUCCESS ||
	    strcmp(type, OID_SIGNED_DATA) != 0) {
		asn1_delete_structure(&node);
		return fail(err, errlen, "%s", "the answer is not a PKCS#7 SignedData");
	}
	rc = collect(node, p7, len, crls, n, err, errlen);
	asn1_delete_structure(&node);
	/* crls field entries that are no CertificateList: none, and NULL (the contract) */
	if (rc != 0 || *n == 0) {
		cmsreq_crls_free(*crls, *n);
		*crls = NULL;
		*n = 0;
	}
	return rc;
}
