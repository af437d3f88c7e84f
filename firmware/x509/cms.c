/* CMS (RFC 5652) and CMC (RFC 5272) certificate requests as MS-WCCE clients
 * send them: a SignedData whose eContent is a PKCS#10 (id-data) or a PKIData
 * holding one (id-cct-PKIData). Structure is libtasn1's (pkix.asn, strict DER:
 * firmware/icpr converted any BER framing before the request got here), the
 * signatures wolfSSL's through verify.c (x509i_verify, which x509_csr_verify
 * uses too). Everything is copied out of the input and bounded by cms.h's
 * constants; beyond them the request is refused, never truncated. */
#include "firmware/x509/cms.h"
#include "firmware/x509/x509_int.h"
#include "platform/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_DATA "1.2.840.113549.1.7.1"
#define OID_PKI_DATA "1.3.6.1.5.5.7.12.2"
#define OID_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_NAME_VALUE "1.3.6.1.4.1.311.13.2.1"

/* CMC controls (RFC 5272 6.x) read into struct cms_request. */
#define OID_CMC_IDENTIFICATION "1.3.6.1.5.5.7.7.3"
#define OID_CMC_TRANSACTION_ID "1.3.6.1.5.5.7.7.5"
#define OID_CMC_SENDER_NONCE "1.3.6.1.5.5.7.7.6"
#define OID_CMC_REG_INFO "1.3.6.1.5.5.7.7.18"
/* Microsoft's CMC Attributes control (szOID_CMC_ADD_ATTRIBUTES). What certreq
 * sends in a CMC request (learn.microsoft.com, Certificate Enrollment API,
 * "CMC Request" and "CMC Encoded ASN.1": one control of this type holding the
 * client information attribute 1.3.6.1.4.1.311.21.20, pkiDataReference 0,
 * certReferences naming the tcr). Its name-value pairs are read into r->nv,
 * its other attributes (client information, and what else a client adds)
 * carry nothing the CA acts on and are ignored. This is the only control
 * ignored by name: RFC 5272 controls have no criticality flag, so an unknown
 * one (id-cmc-addExtensions among them: the CA would have to apply it) is
 * refused rather than silently dropped. */
#define OID_CMC_MS_ATTRIBUTES "1.3.6.1.4.1.311.10.10.1"

/* Digest algorithms (RFC 5754): SHA-256/384/512. SHA-1 (1.3.14.3.2.26) is
 * refused: chosen-prefix collisions are practical (Leurent and Peyrin, 2020),
 * so a SHA-1 messageDigest does not bind the signer to one request, and the
 * signatures here are what an enrollment agent or a renewal is judged by. */
#define OID_SHA1 "1.3.14.3.2.26"
static const struct {
	const char *oid;
	enum wc_HashType hash;
	const char *rsa; /* the shaNWithRSAEncryption that goes with it */
	const char *ecdsa;
} digests[] = {
	{"2.16.840.1.101.3.4.2.1", WC_HASH_TYPE_SHA256, "1.2.840.113549.1.1.11",
	 "1.2.840.10045.4.3.2"},
	{"2.16.840.1.101.3.4.2.2", WC_HASH_TYPE_SHA384, "1.2.840.113549.1.1.12",
	 "1.2.840.10045.4.3.3"},
	{"2.16.840.1.101.3.4.2.3", WC_HASH_TYPE_SHA512, "1.2.840.113549.1.1.13",
	 "1.2.840.10045.4.3.4"},
};
#define N_DIGESTS (sizeof digests / sizeof digests[0])
/* signatureAlgorithm may also name the key alone (RFC 5754 3.2 for RSA:
 * rsaEncryption; id-ecPublicKey is what some encoders write for EC), the
 * hash then being digestAlgorithm's. */
#define OID_RSA "1.2.840.113549.1.1.1"
#define OID_EC_PUBLIC_KEY "1.2.840.10045.2.1"
/* id-alg-noSignature (RFC 2797 3.3.3.1, kept by RFC 5272). */
#define OID_NO_SIGNATURE "1.3.6.1.5.5.7.6.2"

/* Signed attributes a signer may carry, controls a PKIData may carry: a few
 * each in any real request. */
#define CMS_ATTRS_MAX 32
#define CMC_CONTROLS_MAX 16

static const uint8_t der_null[2] = {0x05, 0x00};

/* ---- small readers ---- */

/* The contents of the primitive decoded from the TLV [p, p + len) as type. */
static int prim_contents(const char *type, const uint8_t *p, size_t len, struct x509_buf *out)
{
	asn1_node n = NULL;
	uint8_t *v = NULL;
	int vl = 0, rc;

	*out = (struct x509_buf){0};
	if (asn1_decode(type, p, len, &n, NULL, 0) != 0)
		return -1;
	rc = asn1_read_alloc(n, "", &v, &vl);
	asn1_delete_structure(&n);
	if (rc != 0 || vl < 0) {
		free(v);
		return -1;
	}
	out->data = v;
	out->len = (size_t)vl;
	return 0;
}

/* An OBJECT IDENTIFIER TLV as dotted text. */
static int oid_text(const uint8_t *p, size_t len, char *buf, size_t bufsz)
{
	asn1_node n = NULL;
	int rc;

	if (asn1_decode("PKIX.CMSContentType", p, len, &n, NULL, 0) != 0)
		return -1;
	rc = x509i_read_str(n, "", buf, bufsz);
	asn1_delete_structure(&n);
	return rc;
}

static int read_u32(asn1_node n, const char *name, uint32_t *out)
{
	uint64_t v;

	if (x509i_read_u64(n, name, 1, &v) != 0 || v > 0xffffffffu)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int count_of(asn1_node n, const char *name)
{
	int c = 0;

	if (asn1_number_of_elements(n, name, &c) != ASN1_SUCCESS || c < 0)
		return 0;
	return c;
}

/* 1 when the element name is present in the decoded input. */
static int present(asn1_node n, const uint8_t *der, size_t len, const char *name)
{
	size_t s, e;

	return asn1_der_slice(n, der, len, name, &s, &e) == 0;
}

/* An AlgorithmIdentifier's parameters: absent, or NULL when null_ok. */
static int params_ok(asn1_node n, const char *field, int null_ok)
{
	char name[96];
	uint8_t *p = NULL;
	int pl = 0, ok;

	snprintf(name, sizeof name, "%s.parameters", field);
	if (asn1_read_alloc(n, name, &p, &pl) != 0)
		return 1; /* absent */
	ok = null_ok && pl == 2 && memcmp(p, der_null, 2) == 0;
	free(p);
	return ok;
}

/* ---- the inner PKCS#10 ---- */

/* A CertificationRequest with the fields that make one (x509_csr_shape
 * requires them: libtasn1 alone lets 30 00 through), copied into r->csr. */
static int take_csr(const uint8_t *p, size_t len, struct cms_request *r, char *err,
		    size_t errlen)
{
	struct x509_csr_shape shape;

	if (x509_csr_shape(p, len, &shape, NULL, 0) != 0) {
		err_set(err, errlen, "cms: the content is not a PKCS#10 CertificationRequest");
		return -1;
	}
	if (x509i_buf_set(&r->csr, p, len) != 0) {
		err_set(err, errlen, "cms: out of memory");
		return -1;
	}
	return 0;
}

/* ---- signers ---- */

/* The digest and signature algorithms, checked to go together. */
static int signer_algs(asn1_node n, const char *si, struct cms_signer *s, char *err,
		       size_t errlen)
{
	char path[96];

	snprintf(path, sizeof path, "%s.digestAlgorithm.algorithm", si);
	if (x509i_read_str(n, path, s->digest_oid, sizeof s->digest_oid) != 0) {
		err_set(err, errlen, "cms: a signer without a digestAlgorithm");
		return -1;
	}
	snprintf(path, sizeof path, "%s.digestAlgorithm", si);
	if (!params_ok(n, path, 1)) {
		err_set(err, errlen, "cms: digestAlgorithm parameters other than NULL");
		return -1;
	}
	snprintf(path, sizeof path, "%s.signatureAlgorithm.algorithm", si);
	if (x509i_read_str(n, path, s->sig_oid, sizeof s->sig_oid) != 0) {
		err_set(err, errlen, "cms: a signer without a signatureAlgorithm");
		return -1;
	}
	snprintf(path, sizeof path, "%s.signatureAlgorithm", si);
	/* RSA: NULL (RFC 4055) or absent; ECDSA: absent (RFC 5758). */
	if (!params_ok(n, path, strncmp(s->sig_oid, "1.2.840.113549.", 15) == 0)) {
		err_set(err, errlen, "cms: signatureAlgorithm %s with parameters", s->sig_oid);
		return -1;
	}
	/* Which algorithms are acceptable is judged when the signer is
	 * verified (cms_signer_verify): the decoder only refuses forms that
	 * cannot be right. */
	return 0;
}

/* The sid: issuerAndSerialNumber or subjectKeyIdentifier, with the version
 * RFC 5652 5.3 ties to each (1 and 3). */
static int signer_id(asn1_node n, const uint8_t *der, size_t len, const char *si,
		     struct cms_signer *s, char *err, size_t errlen)
{
	char path[96], choice[32];
	uint8_t *v = NULL;
	int version = -1, vl = 0;

	snprintf(path, sizeof path, "%s.version", si);
	if (x509i_read_uint(n, path, &version) != 0) {
		err_set(err, errlen, "cms: a signer without a version");
		return -1;
	}
	snprintf(path, sizeof path, "%s.sid", si);
	if (x509i_read_str(n, path, choice, sizeof choice) != 0) {
		err_set(err, errlen, "cms: a signer without a sid");
		return -1;
	}
	if (strcmp(choice, "issuerAndSerialNumber") == 0) {
		if (version != 1) {
			err_set(err, errlen, "cms: signer version %d with issuerAndSerialNumber",
				version);
			return -1;
		}
		snprintf(path, sizeof path, "%s.sid.issuerAndSerialNumber.issuer", si);
		if (x509i_slice_copy(n, der, len, path, &s->issuer) != 0) {
			err_set(err, errlen, "cms: a signer without an issuer");
			return -1;
		}
		snprintf(path, sizeof path, "%s.sid.issuerAndSerialNumber.serialNumber", si);
	} else {
		if (version != 3) {
			err_set(err, errlen, "cms: signer version %d with subjectKeyIdentifier",
				version);
			return -1;
		}
		snprintf(path, sizeof path, "%s.sid.subjectKeyIdentifier", si);
	}
	if (asn1_read_alloc(n, path, &v, &vl) != 0 || vl <= 0) {
		free(v);
		err_set(err, errlen, "cms: a signer's sid is empty");
		return -1;
	}
	if (s->issuer.data != NULL) {
		s->serial.data = v;
		s->serial.len = (size_t)vl;
	} else {
		s->key_id.data = v;
		s->key_id.len = (size_t)vl;
	}
	return 0;
}

/* One signed attribute (type oid, values at vpath): contentType and
 * messageDigest once each with one value, name-value pairs into s->nv, the
 * rest (signingTime, smimeCapabilities ...) not read. */
static int signed_attr(asn1_node n, const uint8_t *der, size_t len, const char *vpath,
		       const char *oid, struct cms_signer *s, char *err, size_t errlen)
{
	char path[128];
	size_t a, b;
	int nvals = count_of(n, vpath);
	int is_ct = strcmp(oid, OID_CONTENT_TYPE) == 0;

	if (nvals < 1) {
		err_set(err, errlen, "cms: signed attribute %s without a value", oid);
		return -1;
	}
	if (strcmp(oid, OID_NAME_VALUE) == 0) {
		for (int k = 1; k <= nvals; k++) {
			snprintf(path, sizeof path, "%s.?%d", vpath, k);
			if (asn1_der_slice(n, der, len, path, &a, &b) != 0 ||
			    x509i_nv_add(der + a, b - a, s->nv, CMS_NV_MAX, &s->n_nv,
					 "cms: signed attributes", err, errlen) != 0)
				return -1;
		}
		return 0;
	}
	if (!is_ct && strcmp(oid, OID_MESSAGE_DIGEST) != 0)
		return 0;
	/* RFC 5652 11.1, 11.2: single-valued, present once. */
	if (nvals != 1 || (is_ct ? s->content_type[0] != 0 : s->message_digest.data != NULL)) {
		err_set(err, errlen, "cms: signed attribute %s not exactly one value, once", oid);
		return -1;
	}
	snprintf(path, sizeof path, "%s.?1", vpath);
	if (asn1_der_slice(n, der, len, path, &a, &b) != 0)
		return -1;
	if (is_ct ? oid_text(der + a, b - a, s->content_type, sizeof s->content_type)
		  : prim_contents("PKIX.CMSMessageDigest", der + a, b - a, &s->message_digest)) {
		err_set(err, errlen, "cms: signed attribute %s does not decode", oid);
		return -1;
	}
	if (!is_ct && s->message_digest.len == 0) {
		err_set(err, errlen, "cms: an empty messageDigest");
		return -1;
	}
	return 0;
}

/* The signed attributes: their bytes as the signature covers them (RFC 5652
 * 5.4: the DER of the SET OF, tag 0x31, where SignerInfo carries them [0]
 * IMPLICIT: the bytes received, first octet re-tagged), and what they say. */
static int signed_attrs(asn1_node n, const uint8_t *der, size_t len, const char *si,
			struct cms_signer *s, char *err, size_t errlen)
{
	char path[96], vpath[112], oid[X509I_OID_MAX];
	int count;

	snprintf(path, sizeof path, "%s.signedAttrs", si);
	if (!present(n, der, len, path))
		return 0;
	if (x509i_slice_copy(n, der, len, path, &s->signed_attrs) != 0 ||
	    s->signed_attrs.len < 2 || s->signed_attrs.data[0] != 0xa0) {
		err_set(err, errlen, "cms: cannot locate the signed attributes");
		return -1;
	}
	s->signed_attrs.data[0] = 0x31;
	count = count_of(n, path);
	if (count < 1 || count > CMS_ATTRS_MAX) {
		err_set(err, errlen, "cms: %d signed attributes (1..%d)", count, CMS_ATTRS_MAX);
		return -1;
	}
	for (int k = 1; k <= count; k++) {
		snprintf(path, sizeof path, "%s.signedAttrs.?%d.type", si, k);
		if (x509i_read_str(n, path, oid, sizeof oid) != 0) {
			err_set(err, errlen, "cms: a signed attribute without a type");
			return -1;
		}
		snprintf(vpath, sizeof vpath, "%s.signedAttrs.?%d.values", si, k);
		if (signed_attr(n, der, len, vpath, oid, s, err, errlen) != 0)
			return -1;
	}
	/* RFC 5652 5.3: with signed attributes, both must be there. */
	if (s->content_type[0] == 0 || s->message_digest.data == NULL) {
		err_set(err, errlen, "cms: signed attributes without contentType and "
				     "messageDigest");
		return -1;
	}
	return 0;
}

static int one_signer(asn1_node n, const uint8_t *der, size_t len, int i, struct cms_signer *s,
		      char *err, size_t errlen)
{
	char si[48], path[96];
	uint8_t *v = NULL;
	int vl = 0;

	snprintf(si, sizeof si, "content.signerInfos.?%d", i);
	if (signer_id(n, der, len, si, s, err, errlen) != 0 ||
	    signer_algs(n, si, s, err, errlen) != 0 ||
	    signed_attrs(n, der, len, si, s, err, errlen) != 0)
		return -1;
	snprintf(path, sizeof path, "%s.signature", si);
	if (asn1_read_alloc(n, path, &v, &vl) != 0 || vl <= 0) {
		free(v);
		err_set(err, errlen, "cms: a signer without a signature");
		return -1;
	}
	s->signature.data = v;
	s->signature.len = (size_t)vl;
	return 0;
}

static int read_signers(asn1_node n, const uint8_t *der, size_t len, struct cms_request *r,
			char *err, size_t errlen)
{
	int count = count_of(n, "content.signerInfos");

	if (count < 1) {
		err_set(err, errlen, "cms: no signer");
		return -1;
	}
	if (count > CMS_SIGNERS_MAX) {
		err_set(err, errlen, "cms: more than %d signers", CMS_SIGNERS_MAX);
		return -1;
	}
	for (int i = 1; i <= count; i++) {
		if (one_signer(n, der, len, i, &r->signers[r->n_signers], err, errlen) != 0) {
			r->n_signers++; /* freed with the others */
			return -1;
		}
		r->n_signers++;
	}
	return 0;
}

/* certificates: Certificates only (an attribute certificate or other format
 * is a tagged alternative, refused), each one DER Certificate; no CRLs. */
static int read_certs(asn1_node n, const uint8_t *der, size_t len, struct cms_request *r,
		      char *err, size_t errlen)
{
	char path[48];
	int count = count_of(n, "content.certificates");

	if (present(n, der, len, "content.crls")) {
		err_set(err, errlen, "cms: CRLs carried");
		return -1;
	}
	if (count > CMS_CERTS_MAX) {
		err_set(err, errlen, "cms: more than %d certificates", CMS_CERTS_MAX);
		return -1;
	}
	for (int i = 1; i <= count; i++) {
		struct x509_buf *c = &r->certs[r->n_certs];
		asn1_node cn = NULL;

		snprintf(path, sizeof path, "content.certificates.?%d", i);
		if (x509i_slice_copy(n, der, len, path, c) != 0) {
			err_set(err, errlen, "cms: cannot locate certificate %d", i);
			return -1;
		}
		r->n_certs++;
		if (c->data[0] != 0x30) {
			err_set(err, errlen, "cms: certificate %d is not an X.509 certificate "
					     "(attribute certificate or other format)", i);
			return -1;
		}
		if (asn1_decode("PKIX.Certificate", c->data, c->len, &cn, NULL, 0) != 0) {
			err_set(err, errlen, "cms: certificate %d does not decode", i);
			return -1;
		}
		asn1_delete_structure(&cn);
	}
	return 0;
}

/* ---- CMC ---- */

/* The value of a single-valued control at vpath, as the contents of type. */
static int control_prim(asn1_node n, const uint8_t *der, size_t len, const char *vpath,
			const char *type, const char *what, struct x509_buf *out, char *err,
			size_t errlen)
{
	char path[112];
	size_t a, b;

	snprintf(path, sizeof path, "%s.?1", vpath);
	if (count_of(n, vpath) != 1 || asn1_der_slice(n, der, len, path, &a, &b) != 0 ||
	    prim_contents(type, der + a, b - a, out) != 0) {
		err_set(err, errlen, "cms: CMC control %s: not one %s", what, type + 5);
		return -1;
	}
	return 0;
}

static int control_identification(asn1_node n, const uint8_t *der, size_t len,
				  const char *vpath, struct cms_request *r, char *err,
				  size_t errlen)
{
	struct x509_buf v;
	int ok;

	if (control_prim(n, der, len, vpath, "PKIX.CMCIdentification", "identification", &v,
			 err, errlen) != 0)
		return -1;
	ok = utf8_count(v.data, v.len) >= 0 && v.len < sizeof r->identification;
	for (size_t i = 0; ok && i < v.len; i++) /* C0 controls (NUL included), DEL */
		ok = v.data[i] >= 0x20 && v.data[i] != 0x7f;
	if (ok) {
		memcpy(r->identification, v.data, v.len);
		r->identification[v.len] = 0;
	}
	x509_buf_free(&v);
	if (!ok)
		err_set(err, errlen, "cms: CMC identification: not UTF-8 without control "
				     "characters, or longer than %zu bytes",
			sizeof r->identification - 1);
	return ok ? 0 : -1;
}

/* One CmcAddAttributes value (the TLV [p, p + plen)): for this PKIData
 * (pkiDataReference 0) and the one request (every certReference tcr_id);
 * its name-value pairs into r->nv, its other attributes not read. */
static int ms_attributes_value(const uint8_t *p, size_t plen, uint32_t tcr_id,
			       struct cms_request *r, char *err, size_t errlen)
{
	char path[64], oid[X509I_OID_MAX];
	asn1_node a = NULL;
	uint32_t ref = 1;
	int nrefs, nattrs, rc = 0;

	if (asn1_decode("PKIX.CmcAddAttributes", p, plen, &a, NULL, 0) != 0) {
		err_set(err, errlen, "cms: CMC attributes control does not decode");
		return -1;
	}
	nrefs = count_of(a, "certReferences");
	nattrs = count_of(a, "attributes");
	if (read_u32(a, "pkiDataReference", &ref) != 0 || ref != 0 || nrefs < 1 ||
	    nrefs > CMC_CONTROLS_MAX || nattrs > CMS_ATTRS_MAX) {
		err_set(err, errlen, "cms: CMC attributes control not for this request");
		rc = -1;
	}
	for (int j = 1; j <= nrefs && rc == 0; j++) {
		snprintf(path, sizeof path, "certReferences.?%d", j);
		if (read_u32(a, path, &ref) != 0 || ref != tcr_id) {
			err_set(err, errlen, "cms: CMC attributes for a body part other than "
					     "the request");
			rc = -1;
		}
	}
	for (int j = 1; j <= nattrs && rc == 0; j++) {
		int nv;

		snprintf(path, sizeof path, "attributes.?%d.type", j);
		if (x509i_read_str(a, path, oid, sizeof oid) != 0) {
			err_set(err, errlen, "cms: a CMC attribute without a type");
			rc = -1;
			break;
		}
		if (strcmp(oid, OID_NAME_VALUE) != 0)
			continue;
		snprintf(path, sizeof path, "attributes.?%d.values", j);
		nv = count_of(a, path);
		for (int m = 1; m <= nv && rc == 0; m++) {
			size_t s, e;

			snprintf(path, sizeof path, "attributes.?%d.values.?%d", j, m);
			if (asn1_der_slice(a, p, plen, path, &s, &e) != 0) {
				err_set(err, errlen, "cms: a CMC attribute without a value");
				rc = -1;
				break;
			}
			rc = x509i_nv_add(p + s, e - s, r->nv, CMS_NV_MAX, &r->n_nv,
					  "cms: CMC attributes", err, errlen);
		}
	}
	asn1_delete_structure(&a);
	return rc;
}

/* Control i of controlSequence (type oid, values at vpath) into r. */
static int one_control(asn1_node n, const uint8_t *der, size_t len, const char *vpath,
		       const char *oid, uint32_t tcr_id, struct cms_request *r, char *err,
		       size_t errlen)
{
	int nvals = count_of(n, vpath);

	if (strcmp(oid, OID_CMC_TRANSACTION_ID) == 0)
		return control_prim(n, der, len, vpath, "PKIX.CMCTransactionId", "transactionId",
				    &r->transaction_id, err, errlen);
	if (strcmp(oid, OID_CMC_SENDER_NONCE) == 0)
		return control_prim(n, der, len, vpath, "PKIX.CMCNonce", "senderNonce",
				    &r->sender_nonce, err, errlen);
	if (strcmp(oid, OID_CMC_REG_INFO) == 0)
		return control_prim(n, der, len, vpath, "PKIX.CMCRegInfo", "regInfo",
				    &r->reg_info, err, errlen);
	if (strcmp(oid, OID_CMC_IDENTIFICATION) == 0)
		return control_identification(n, der, len, vpath, r, err, errlen);
	if (strcmp(oid, OID_NAME_VALUE) != 0 && strcmp(oid, OID_CMC_MS_ATTRIBUTES) != 0) {
		err_set(err, errlen, "cms: unknown CMC control %s", oid);
		return -1;
	}
	if (nvals < 1) {
		err_set(err, errlen, "cms: CMC control %s without a value", oid);
		return -1;
	}
	for (int k = 1; k <= nvals; k++) {
		char path[112];
		size_t a, b;

		snprintf(path, sizeof path, "%s.?%d", vpath, k);
		if (asn1_der_slice(n, der, len, path, &a, &b) != 0)
			return -1;
		if (strcmp(oid, OID_NAME_VALUE) == 0
			    ? x509i_nv_add(der + a, b - a, r->nv, CMS_NV_MAX, &r->n_nv,
					   "cms: CMC controls", err, errlen) != 0
			    : ms_attributes_value(der + a, b - a, tcr_id, r, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* RFC 5272 3.2.1.1: body part IDs are unique within a PKIData; 0 is none. */
static int body_part_new(uint32_t *ids, size_t *n, uint32_t id, char *err, size_t errlen)
{
	if (id == 0) {
		err_set(err, errlen, "cms: CMC bodyPartID 0");
		return -1;
	}
	for (size_t k = 0; k < *n; k++)
		if (ids[k] == id) {
			err_set(err, errlen, "cms: CMC bodyPartID %u used twice", (unsigned)id);
			return -1;
		}
	ids[(*n)++] = id;
	return 0;
}

static int read_controls(asn1_node n, const uint8_t *der, size_t len, uint32_t *ids,
			 size_t *n_ids, struct cms_request *r, char *err, size_t errlen)
{
	char oids[CMC_CONTROLS_MAX][X509I_OID_MAX];
	int count = count_of(n, "controlSequence");

	if (count > CMC_CONTROLS_MAX) {
		err_set(err, errlen, "cms: more than %d CMC controls", CMC_CONTROLS_MAX);
		return -1;
	}
	for (int i = 1; i <= count; i++) {
		char path[64];
		uint32_t id;

		snprintf(path, sizeof path, "controlSequence.?%d.bodyPartID", i);
		if (read_u32(n, path, &id) != 0) {
			err_set(err, errlen, "cms: CMC control %d: bodyPartID not 32 bits", i);
			return -1;
		}
		if (body_part_new(ids, n_ids, id, err, errlen) != 0)
			return -1;
		snprintf(path, sizeof path, "controlSequence.?%d.attrType", i);
		if (x509i_read_str(n, path, oids[i - 1], sizeof oids[i - 1]) != 0) {
			err_set(err, errlen, "cms: CMC control %d without a type", i);
			return -1;
		}
		/* A control twice: which one counts would be a guess. */
		for (int k = 0; k < i - 1; k++)
			if (strcmp(oids[k], oids[i - 1]) == 0) {
				err_set(err, errlen, "cms: CMC control %s present twice",
					oids[k]);
				return -1;
			}
		snprintf(path, sizeof path, "controlSequence.?%d.attrValues", i);
		if (one_control(n, der, len, path, oids[i - 1], ids[0], r, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* The PKIData of a CMC request (r->content): exactly one TaggedRequest, a
 * PKCS#10 (tcr; crm and orm are refused), no nested content or other
 * messages (cmsSequence and otherMsgSequence hold what this CA does not
 * process), and the controls. */
static int read_pki_data(struct cms_request *r, char *err, size_t errlen)
{
	const uint8_t *der = r->content.data;
	size_t len = r->content.len, s, e, n_ids = 0;
	uint32_t ids[1 + CMC_CONTROLS_MAX];
	char choice[16];
	asn1_node n = NULL;
	int rc = -1;

	if (asn1_decode("PKIX.PKIData", der, len, &n, NULL, 0) != 0) {
		err_set(err, errlen, "cms: the content is not a CMC PKIData");
		return -1;
	}
	if (!present(n, der, len, "controlSequence") || !present(n, der, len, "reqSequence") ||
	    !present(n, der, len, "cmsSequence") || !present(n, der, len, "otherMsgSequence")) {
		err_set(err, errlen, "cms: an incomplete PKIData");
		goto out;
	}
	if (count_of(n, "reqSequence") != 1) {
		err_set(err, errlen, "cms: a PKIData with %d requests (one is taken)",
			count_of(n, "reqSequence"));
		goto out;
	}
	if (count_of(n, "cmsSequence") != 0 || count_of(n, "otherMsgSequence") != 0) {
		err_set(err, errlen, "cms: a PKIData with nested content or other messages");
		goto out;
	}
	if (x509i_read_str(n, "reqSequence.?1", choice, sizeof choice) != 0 ||
	    strcmp(choice, "tcr") != 0) {
		err_set(err, errlen, "cms: a CMC request other than PKCS#10 (crm, orm)");
		goto out;
	}
	if (read_u32(n, "reqSequence.?1.tcr.bodyPartID", &r->body_part_id) != 0 ||
	    r->body_part_id == 0) {
		err_set(err, errlen, "cms: the request's bodyPartID is not 1..4294967295");
		goto out;
	}
	ids[n_ids++] = r->body_part_id;
	if (asn1_der_slice(n, der, len, "reqSequence.?1.tcr.certificationRequest", &s, &e) !=
		    0 ||
	    take_csr(der + s, e - s, r, err, errlen) != 0)
		goto out;
	rc = read_controls(n, der, len, ids, &n_ids, r, err, errlen);
out:
	asn1_delete_structure(&n);
	return rc;
}

/* ---- the request ---- */

static int read_content(asn1_node n, const uint8_t *der, size_t len, struct cms_request *r,
			char *err, size_t errlen)
{
	char oid[X509I_OID_MAX];
	uint8_t *v = NULL;
	int vl = 0;

	if (x509i_read_str(n, "contentType", oid, sizeof oid) != 0 ||
	    strcmp(oid, OID_SIGNED_DATA) != 0) {
		err_set(err, errlen, "cms: not a signedData ContentInfo");
		return -1;
	}
	if (!present(n, der, len, "content.version") ||
	    !present(n, der, len, "content.digestAlgorithms") ||
	    !present(n, der, len, "content.signerInfos") ||
	    x509i_read_str(n, "content.encapContentInfo.eContentType", r->content_type,
			   sizeof r->content_type) != 0) {
		err_set(err, errlen, "cms: an incomplete SignedData");
		return -1;
	}
	if (asn1_read_alloc(n, "content.encapContentInfo.eContent", &v, &vl) != 0 || vl < 0) {
		free(v);
		err_set(err, errlen, "cms: no eContent (detached content is not supported)");
		return -1;
	}
	r->content.data = v;
	r->content.len = (size_t)vl;
	if (strcmp(r->content_type, OID_DATA) == 0)
		return take_csr(r->content.data, r->content.len, r, err, errlen);
	if (strcmp(r->content_type, OID_PKI_DATA) == 0) {
		r->cmc = 1;
		return read_pki_data(r, err, errlen);
	}
	err_set(err, errlen, "cms: eContentType %s is neither id-data nor id-cct-PKIData",
		r->content_type);
	return -1;
}

int cms_request_decode(const uint8_t *der, size_t len, struct cms_request *out, char *err,
		       size_t errlen)
{
	asn1_node n = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (der == NULL || len == 0 || len > X509I_MAX_DER) {
		err_set(err, errlen, "cms: empty or larger than %u bytes", X509I_MAX_DER);
		return -1;
	}
	if (asn1_decode("PKIX.SignedContentInfo", der, len, &n, err, errlen) != 0)
		return -1;
	rc = read_content(n, der, len, out, err, errlen);
	if (rc == 0)
		rc = read_certs(n, der, len, out, err, errlen);
	if (rc == 0)
		rc = read_signers(n, der, len, out, err, errlen);
	asn1_delete_structure(&n);
	if (rc != 0)
		cms_request_free(out);
	return rc;
}

void cms_request_free(struct cms_request *r)
{
	if (r == NULL)
		return;
	x509_buf_free(&r->content);
	x509_buf_free(&r->csr);
	for (size_t i = 0; i < r->n_certs && i < CMS_CERTS_MAX; i++)
		x509_buf_free(&r->certs[i]);
	for (size_t i = 0; i < r->n_signers && i < CMS_SIGNERS_MAX; i++) {
		struct cms_signer *s = &r->signers[i];

		x509_buf_free(&s->issuer);
		x509_buf_free(&s->serial);
		x509_buf_free(&s->key_id);
		x509_buf_free(&s->signed_attrs);
		x509_buf_free(&s->signature);
		x509_buf_free(&s->message_digest);
	}
	x509_buf_free(&r->transaction_id);
	x509_buf_free(&r->sender_nonce);
	x509_buf_free(&r->reg_info);
	memset(r, 0, sizeof *r);
}

/* ---- which certificate a signer names ---- */

static int names_cert(const struct cms_signer *s, const struct x509_cert_info *ci)
{
	if (s->issuer.data != NULL)
		return s->serial.len == ci->serial.len &&
		       memcmp(s->serial.data, ci->serial.data, s->serial.len) == 0 &&
		       ((s->issuer.len == ci->issuer.len &&
			 memcmp(s->issuer.data, ci->issuer.data, s->issuer.len) == 0) ||
			x509_name_match(s->issuer.data, s->issuer.len, ci->issuer.data,
					ci->issuer.len) == 1);
	if (s->key_id.data == NULL)
		return 0;
	/* The certificate's SubjectKeyIdentifier; without one, the RFC 5280
	 * method-1 identifier of its key (what Windows computes then). */
	if (ci->has_ski && ci->ski_len > 0)
		return s->key_id.len == ci->ski_len &&
		       memcmp(s->key_id.data, ci->ski, ci->ski_len) == 0;
	if (!ci->has_ski) {
		uint8_t id[20];

		return x509_key_id(ci->spki.data, ci->spki.len, id) == 0 &&
		       s->key_id.len == sizeof id && memcmp(s->key_id.data, id, sizeof id) == 0;
	}
	return 0;
}

int cms_signer_cert(const struct cms_request *r, size_t i)
{
	int found = -1;

	if (r == NULL || i >= r->n_signers || i >= CMS_SIGNERS_MAX)
		return -1;
	for (size_t k = 0; k < r->n_certs && k < CMS_CERTS_MAX; k++) {
		struct x509_cert_info ci;
		int match;

		if (x509_cert_decode(r->certs[k].data, r->certs[k].len, &ci, NULL, 0) != 0)
			continue;
		match = names_cert(&r->signers[i], &ci);
		x509_cert_info_free(&ci);
		if (!match)
			continue;
		/* Two different certificates answering to one sid: which key
		 * signed is ambiguous, so none is named. */
		if (found >= 0 && (r->certs[found].len != r->certs[k].len ||
				   memcmp(r->certs[found].data, r->certs[k].data,
					  r->certs[k].len) != 0))
			return -1;
		if (found < 0)
			found = (int)k;
	}
	return found;
}

/* ---- verifying a signer ---- */

/* The verification algorithm of a signer: a digest this layer takes and a
 * signatureAlgorithm that agrees with it (the key alone, or the combined
 * OID of that very hash). */
static int signer_alg(const struct cms_signer *s, struct x509i_alg *alg, char *err,
		      size_t errlen)
{
	/* RFC 2797 3.3.3.1 (MS-WCCE 3.1.1.4.3.1.3 allows it for a CMC request's
	 * first signer): the "signature" is the hash of the content, which
	 * proves nothing about who sent it; such a signer cannot verify. */
	if (strcmp(s->sig_oid, OID_NO_SIGNATURE) == 0) {
		err_set(err, errlen, "cms: a No-Signature signer (id-alg-noSignature) proves "
				     "nothing and is not accepted");
		return -1;
	}
	if (strcmp(s->digest_oid, OID_SHA1) == 0) {
		err_set(err, errlen, "cms: SHA-1 digests are refused");
		return -1;
	}
	for (size_t k = 0; k < N_DIGESTS; k++) {
		if (strcmp(s->digest_oid, digests[k].oid) != 0)
			continue;
		alg->hash = digests[k].hash;
		if (strcmp(s->sig_oid, OID_RSA) == 0 || strcmp(s->sig_oid, digests[k].rsa) == 0)
			alg->key = X509_KEY_RSA;
		else if (strcmp(s->sig_oid, OID_EC_PUBLIC_KEY) == 0 ||
			 strcmp(s->sig_oid, digests[k].ecdsa) == 0)
			alg->key = X509_KEY_EC;
		else {
			err_set(err, errlen, "cms: signatureAlgorithm %s does not go with "
					     "digest %s", s->sig_oid, s->digest_oid);
			return -1;
		}
		return 0;
	}
	err_set(err, errlen, "cms: digest algorithm %s not supported", s->digest_oid);
	return -1;
}

int cms_signer_verify(const struct cms_request *r, size_t i, const uint8_t *spki,
		      size_t spki_len, char *err, size_t errlen)
{
	const struct cms_signer *s;
	struct x509i_alg alg;
	uint8_t md[WC_MAX_DIGEST_SIZE];
	int mdlen;

	if (r == NULL || i >= r->n_signers || i >= CMS_SIGNERS_MAX || spki == NULL ||
	    r->content.data == NULL) {
		err_set(err, errlen, "cms: no such signer");
		return -1;
	}
	s = &r->signers[i];
	if (signer_alg(s, &alg, err, errlen) != 0)
		return -1;
	if (s->signed_attrs.data == NULL) {
		/* RFC 5652 5.3: signed attributes MUST be present unless the
		 * content is id-data. */
		if (strcmp(r->content_type, OID_DATA) != 0) {
			err_set(err, errlen, "cms: a signer without signed attributes over "
					     "content other than id-data");
			return -1;
		}
		return x509i_verify(&alg, r->content.data, r->content.len, X509I_MAX_DER,
				    s->signature.data, s->signature.len, spki, spki_len, err,
				    errlen);
	}
	if (strcmp(s->content_type, r->content_type) != 0) {
		err_set(err, errlen, "cms: the contentType attribute %s is not the eContentType "
				     "%s", s->content_type, r->content_type);
		return -1;
	}
	mdlen = wc_HashGetDigestSize(alg.hash);
	if (mdlen <= 0 || (size_t)mdlen > sizeof md || r->content.len > X509I_MAX_DER ||
	    wc_Hash(alg.hash, r->content.data, (word32)r->content.len, md, (word32)mdlen) != 0) {
		err_set(err, errlen, "cms: cannot hash the content");
		return -1;
	}
	if (s->message_digest.len != (size_t)mdlen ||
	    memcmp(s->message_digest.data, md, (size_t)mdlen) != 0) {
		err_set(err, errlen, "cms: the messageDigest does not match the content");
		return -1;
	}
	return x509i_verify(&alg, s->signed_attrs.data, s->signed_attrs.len, X509I_MAX_DER,
			    s->signature.data, s->signature.len, spki, spki_len, err, errlen);
}
