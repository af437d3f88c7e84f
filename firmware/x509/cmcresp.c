/* The CMC full PKI response (CR_IN_FULLRESPONSE): see cmcresp.h for the shape
 * and where each choice comes from. Written with the DER writer, as the
 * certs-only PKCS#7 of firmware/icpr/pkcs7.c: the response carries whole
 * certificates and CRLs (a CRL can be tens of MB), which libtasn1's node tree
 * would copy field by field; the small PKIResponse is decoded again with
 * libtasn1 (PKIX.PKIResponse, PKIX.CMCStatusInfo) before anything is signed, so
 * the writer and the checker stay two implementations. */
#include "firmware/x509/cmcresp.h"

#include <stdlib.h>
#include <string.h>

#include "firmware/asn1/der.h"
#include "firmware/x509/x509_int.h"
#include "platform/utf8.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_PKI_RESPONSE "1.3.6.1.5.5.7.12.3"     /* id-cct-PKIResponse */
#define OID_CMC_STATUS_INFO "1.3.6.1.5.5.7.7.1"    /* id-cmc-statusInfo */
#define OID_CMC_TRANSACTION_ID "1.3.6.1.5.5.7.7.5" /* id-cmc-transactionId */
#define OID_CMC_SENDER_NONCE "1.3.6.1.5.5.7.7.6"   /* id-cmc-senderNonce */
#define OID_CMC_RECIPIENT_NONCE "1.3.6.1.5.5.7.7.7" /* id-cmc-recipientNonce */
#define OID_CMC_ADD_ATTRIBUTES "1.3.6.1.4.1.311.10.10.1"
#define OID_ISSUED_CERT_HASH "1.3.6.1.4.1.311.21.17"
#define OID_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_SIGNING_TIME "1.2.840.113549.1.9.5"
#define OID_SHA256 "2.16.840.1.101.3.4.2.1"
#define OID_SHA384 "2.16.840.1.101.3.4.2.2"

#define CERTSRV_E_BAD_REQUESTSUBJECT 0x80094001u

int cmc_fail_info_for_hresult(uint32_t hresult)
{
	/* PKCSEncodeFullResponse: only this HRESULT gets a failInfo. */
	return hresult == CERTSRV_E_BAD_REQUESTSUBJECT ? CMC_FAIL_BAD_REQUEST : -1;
}

/* ---- checks of the input ---- */

/* Each item one DER SEQUENCE (a Certificate, a CertificateList) of at most max
 * bytes; their total in *total. */
static int items_ok(const char *what, const struct x509_buf *v, size_t n, size_t nmax,
		    size_t max, size_t *total, char *err, size_t errlen)
{
	if (n > nmax)
		return err_set(err, errlen, "%s: %zu given, at most %zu", what, n, nmax);
	if (n > 0 && v == NULL)
		return err_set(err, errlen, "%s: missing", what);
	for (size_t i = 0; i < n; i++) {
		if (v[i].data == NULL || v[i].len == 0 || v[i].len > max ||
		    v[i].data[0] != DER_SEQUENCE || !der_tlv_ok(v[i].data, v[i].len))
			return err_set(err, errlen, "%s[%zu]: not one DER SEQUENCE of at most %zu "
				       "bytes", what, i, max);
		*total += v[i].len;
	}
	return 0;
}

static int small_ok(const char *what, const struct x509_buf *b, char *err, size_t errlen)
{
	if (b->len > 0 && b->data == NULL)
		return err_set(err, errlen, "%s: missing", what);
	if (b->len > CMC_RESP_NONCE_MAX)
		return err_set(err, errlen, "%s: %zu bytes, at most %d", what, b->len,
			       CMC_RESP_NONCE_MAX);
	return 0;
}

/* A transactionId is echoed as an INTEGER: its content must be a minimal one. */
static int integer_content_ok(const struct x509_buf *b)
{
	if (b->len == 0)
		return 1;
	if (b->len > 1 && ((b->data[0] == 0x00 && !(b->data[1] & 0x80)) ||
			   (b->data[0] == 0xff && (b->data[1] & 0x80))))
		return 0;
	return 1;
}

static int status_string_ok(const char *s, char *err, size_t errlen)
{
	size_t n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n > CMC_RESP_STATUS_MAX)
		return err_set(err, errlen, "statusString: %zu bytes, at most %d", n,
			       CMC_RESP_STATUS_MAX);
	if (utf8_count((const uint8_t *)s, n) < 0)
		return err_set(err, errlen, "statusString: not UTF-8");
	return 0;
}

static int check_input(const struct cmc_response_in *in, size_t max, size_t *total, char *err,
		       size_t errlen)
{
	if (in->status != CMC_STATUS_SUCCESS && in->status != CMC_STATUS_PENDING &&
	    in->status != CMC_STATUS_FAILED)
		return err_set(err, errlen, "status: %d is not success, pending or failed",
			       (int)in->status);
	if (in->n_body_parts > CMC_RESP_MAX_BODY_PARTS ||
	    (in->n_body_parts > 0 && in->body_parts == NULL))
		return err_set(err, errlen, "bodyList: %zu entries, at most %d", in->n_body_parts,
			       CMC_RESP_MAX_BODY_PARTS);
	if (in->status == CMC_STATUS_SUCCESS && in->n_certs == 0)
		return err_set(err, errlen, "certificates: an issued response carries the issued "
			       "certificate first");
	if (in->status == CMC_STATUS_FAILED && in->fail_mode == CMC_FAIL_GIVEN &&
	    in->fail_info > CMC_FAIL_TRY_LATER)
		return err_set(err, errlen, "failInfo: %u is not a CMCFailInfo", in->fail_info);
	if (in->status == CMC_STATUS_FAILED && in->fail_mode != CMC_FAIL_FROM_HRESULT &&
	    in->fail_mode != CMC_FAIL_ABSENT && in->fail_mode != CMC_FAIL_GIVEN)
		return err_set(err, errlen, "failInfo: unknown mode %d", (int)in->fail_mode);
	if (status_string_ok(in->status_string, err, errlen) != 0 ||
	    small_ok("transactionId", &in->transaction_id, err, errlen) != 0 ||
	    small_ok("recipientNonce", &in->recipient_nonce, err, errlen) != 0 ||
	    small_ok("senderNonce", &in->sender_nonce, err, errlen) != 0)
		return -1;
	if (!integer_content_ok(&in->transaction_id))
		return err_set(err, errlen, "transactionId: not a minimal INTEGER");
	if (in->ca_cert == NULL || in->ca_cert_len == 0)
		return err_set(err, errlen, "CA certificate: missing");
	*total = 0;
	if (items_ok("certificates", in->certs, in->n_certs, CMC_RESP_MAX_CERTS, X509I_MAX_DER,
		     total, err, errlen) != 0 ||
	    items_ok("crls", in->crls, in->n_crls, CMC_RESP_MAX_CRLS,
		     X509_CRL_MAX_SIZE + X509_CRL_ENVELOPE_MAX, total, err, errlen) != 0)
		return -1;
	/* Refused before any work when the carried items alone exceed the limit;
	 * the writer's own limit (der_init_max) catches the few KiB around them. */
	if (*total > max)
		return err_set(err, errlen, "cmc response: larger than %zu bytes (the "
			       "certificates and CRLs alone take %zu)", max, *total);
	return 0;
}

/* ---- the PKIResponse ---- */

static void put_u32(struct der *d, uint32_t v)
{
	der_small_uint(d, v);
}

/* TaggedAttribute { bodyPartID, attrType, attrValues SET { value } } opened:
 * the caller writes the one value and calls der_end twice. */
static void tagged_begin(struct der *d, uint32_t id, const char *oid)
{
	der_begin(d, DER_SEQUENCE);
	put_u32(d, id);
	der_oid(d, oid);
	der_begin(d, DER_SET);
}

static void tagged_end(struct der *d)
{
	der_end(d);
	der_end(d);
}

static void put_status(struct der *d, const struct cmc_response_in *in)
{
	static const uint32_t one = 1;
	const uint32_t *ids = in->n_body_parts > 0 ? in->body_parts : &one;
	size_t n = in->n_body_parts > 0 ? in->n_body_parts : 1;
	int fail = -1;

	der_begin(d, DER_SEQUENCE); /* CMCStatusInfo */
	der_small_uint(d, (unsigned long)in->status);
	der_begin(d, DER_SEQUENCE);
	for (size_t i = 0; i < n; i++)
		put_u32(d, ids[i]);
	der_end(d);
	if (in->status_string != NULL && in->status_string[0] != '\0')
		der_prim(d, DER_UTF8_STRING, in->status_string, strlen(in->status_string));
	if (in->status == CMC_STATUS_PENDING) {
		/* AD CS: pendToken is the request ID's DWORD as it lies in memory
		 * (little-endian), pendTime the submission time. */
		uint8_t token[4] = {(uint8_t)in->request_id, (uint8_t)(in->request_id >> 8),
				    (uint8_t)(in->request_id >> 16),
				    (uint8_t)(in->request_id >> 24)};

		der_begin(d, DER_SEQUENCE);
		der_prim(d, DER_OCTET_STRING, token, sizeof token);
		der_generalized_time(d, (long long)in->submitted);
		der_end(d);
	} else if (in->status == CMC_STATUS_FAILED) {
		if (in->fail_mode == CMC_FAIL_GIVEN)
			fail = (int)in->fail_info;
		else if (in->fail_mode == CMC_FAIL_FROM_HRESULT)
			fail = cmc_fail_info_for_hresult(in->hresult);
		if (fail >= 0)
			der_small_uint(d, (unsigned long)fail);
	}
	der_end(d);
}

/* CmcAddAttributes { 0, { the request's bodyPartID }, { issuedCertHash } }:
 * what certcli's ParseCMCResponse reads the issued certificate's hash from. */
static void put_cert_hash(struct der *d, uint32_t request_part, const uint8_t sha1[20])
{
	der_begin(d, DER_SEQUENCE);
	put_u32(d, 0); /* pkiDataReference: the outermost PKIData */
	der_begin(d, DER_SEQUENCE);
	put_u32(d, request_part);
	der_end(d);
	der_begin(d, DER_SET);
	der_begin(d, DER_SEQUENCE); /* Attribute */
	der_oid(d, OID_ISSUED_CERT_HASH);
	der_begin(d, DER_SET);
	der_prim(d, DER_OCTET_STRING, sha1, 20);
	der_end(d);
	der_end(d);
	der_end(d);
	der_end(d);
}

static int pki_response(const struct cmc_response_in *in, struct x509_buf *out, char *err,
			size_t errlen)
{
	struct der d;
	uint32_t id = 1;
	uint8_t sha1[20];

	if (in->status == CMC_STATUS_SUCCESS &&
	    wc_Hash(WC_HASH_TYPE_SHA, in->certs[0].data, (word32)in->certs[0].len, sha1,
		    sizeof sha1) != 0)
		return err_set(err, errlen, "issued certificate: cannot hash it");
	der_init(&d);
	der_begin(&d, DER_SEQUENCE); /* PKIResponse */
	der_begin(&d, DER_SEQUENCE); /* controlSequence */
	tagged_begin(&d, id++, OID_CMC_STATUS_INFO);
	put_status(&d, in);
	tagged_end(&d);
	if (in->transaction_id.len > 0) {
		tagged_begin(&d, id++, OID_CMC_TRANSACTION_ID);
		der_prim(&d, DER_INTEGER, in->transaction_id.data, in->transaction_id.len);
		tagged_end(&d);
	}
	if (in->recipient_nonce.len > 0) {
		tagged_begin(&d, id++, OID_CMC_RECIPIENT_NONCE);
		der_prim(&d, DER_OCTET_STRING, in->recipient_nonce.data, in->recipient_nonce.len);
		tagged_end(&d);
	}
	if (in->sender_nonce.len > 0) {
		tagged_begin(&d, id++, OID_CMC_SENDER_NONCE);
		der_prim(&d, DER_OCTET_STRING, in->sender_nonce.data, in->sender_nonce.len);
		tagged_end(&d);
	}
	if (in->status == CMC_STATUS_SUCCESS) {
		tagged_begin(&d, id++, OID_CMC_ADD_ATTRIBUTES);
		put_cert_hash(&d, in->n_body_parts > 0 ? in->body_parts[0] : 1, sha1);
		tagged_end(&d);
	}
	der_end(&d);
	der_begin(&d, DER_SEQUENCE); /* cmsSequence */
	der_end(&d);
	der_begin(&d, DER_SEQUENCE); /* otherMsgSequence */
	der_end(&d);
	der_end(&d);
	if (der_finish(&d, &out->data, &out->len) != 0)
		return err_set(err, errlen, "PKIResponse: cannot encode (a time out of range?)");
	return 0;
}

/* The lint: the PKIResponse and its status control decode with libtasn1's
 * types under strict DER. */
static int pki_response_lint(const struct x509_buf *r, char *err, size_t errlen)
{
	asn1_node node = NULL, st = NULL;
	uint8_t *val = NULL;
	int len = 0, rc = -1;

	if (asn1_decode("PKIX.PKIResponse", r->data, r->len, &node, err, errlen) != 0)
		return -1;
	if (asn1_read_alloc(node, "controlSequence.?1.attrValues.?1", &val, &len) != 0)
		err_set(err, errlen, "PKIResponse: no status control");
	else if (asn1_decode("PKIX.CMCStatusInfo", val, (size_t)len, &st, err, errlen) == 0)
		rc = 0;
	free(val);
	asn1_delete_structure(&st);
	asn1_delete_structure(&node);
	return rc;
}

/* ---- signed attributes ---- */

/* DER SET OF: the encodings in ascending order, as octet strings (X.690 11.6;
 * a shorter one compares as if padded with zeros). */
static int cmp_enc(const struct x509_buf *a, const struct x509_buf *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->data, b->data, n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static void sort_encodings(struct x509_buf *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp_enc(&v[j - 1], &v[j]) > 0; j--) {
			struct x509_buf t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* The signed attributes: contentType, signingTime, messageDigest, each
 * encoded alone and sorted (DER SET OF order), and their SET OF (tag 0x31),
 * which is what the signature covers; the SignerInfo carries the same
 * elements under [0] IMPLICIT. */
#define N_ATTRS 3
struct attrs {
	struct x509_buf a[N_ATTRS];
	struct x509_buf set;
};

static void attrs_free(struct attrs *t)
{
	for (int i = 0; i < N_ATTRS; i++)
		x509_buf_free(&t->a[i]);
	x509_buf_free(&t->set);
}

static void put_attr_elements(struct der *d, const struct attrs *t)
{
	for (int i = 0; i < N_ATTRS; i++)
		der_raw(d, DER_SEQUENCE, t->a[i].data, t->a[i].len);
}

static int signed_attrs(const struct x509_buf *content, enum x509_sigalg alg,
			int64_t signing_time, struct attrs *t, char *err, size_t errlen)
{
	uint8_t digest[64];
	size_t dlen = sizeof digest;
	struct der d;

	if (x509_sigalg_digest(alg, content->data, content->len, digest, &dlen) != 0)
		return err_set(err, errlen, "messageDigest: cannot hash the content");
	for (int i = 0; i < N_ATTRS; i++) {
		der_init(&d);
		der_begin(&d, DER_SEQUENCE);
		der_oid(&d, i == 0 ? OID_CONTENT_TYPE : i == 1 ? OID_SIGNING_TIME
							  : OID_MESSAGE_DIGEST);
		der_begin(&d, DER_SET);
		if (i == 0)
			der_oid(&d, OID_PKI_RESPONSE);
		else if (i == 1)
			der_time(&d, (long long)signing_time); /* RFC 5652 11.3: UTCTime
							       * through 2049 */
		else
			der_prim(&d, DER_OCTET_STRING, digest, dlen);
		der_end(&d);
		der_end(&d);
		if (der_finish(&d, &t->a[i].data, &t->a[i].len) != 0)
			return err_set(err, errlen, "signed attributes: cannot encode "
				       "(signingTime out of range?)");
	}
	sort_encodings(t->a, N_ATTRS);
	der_init(&d);
	der_begin(&d, DER_SET);
	put_attr_elements(&d, t);
	der_end(&d);
	if (der_finish(&d, &t->set.data, &t->set.len) != 0)
		return err_set(err, errlen, "signed attributes: cannot encode");
	return 0;
}

/* ---- the SignedData ---- */

static void put_digest_alg(struct der *d, enum x509_sigalg alg)
{
	/* RFC 5754 2: SHA-2 AlgorithmIdentifiers are generated without parameters. */
	der_begin(d, DER_SEQUENCE);
	der_oid(d, x509i_sigalg_hash(alg) == WC_HASH_TYPE_SHA384 ? OID_SHA384 : OID_SHA256);
	der_end(d);
}

static void put_sig_alg(struct der *d, enum x509_sigalg alg)
{
	/* As in certificates: RSA with NULL parameters (RFC 4055), ECDSA without
	 * (RFC 5758). */
	der_begin(d, DER_SEQUENCE);
	der_oid(d, x509i_sigalg_oid(alg));
	if (x509i_sigalg_key(alg) == X509_KEY_RSA)
		der_prim(d, DER_NULL, NULL, 0);
	der_end(d);
}

static void put_items(struct der *d, uint8_t tag, const struct x509_buf *v, size_t n)
{
	/* Kept in the order given (the issued certificate first, as AD CS and our
	 * certs-only response write them), not sorted as DER's SET OF would have
	 * it: the signature does not cover this field, and clients read the
	 * first certificate as the issued one. */
	der_begin(d, tag);
	for (size_t i = 0; i < n; i++)
		der_raw(d, DER_SEQUENCE, v[i].data, v[i].len);
	der_end(d);
}

struct signer {
	const struct x509_cert_info *ca;
	enum x509_sigalg alg;
	const struct attrs *attrs;
	const uint8_t *sig;
	size_t sig_len;
};

static void put_signer_info(struct der *d, const struct signer *s)
{
	der_begin(d, DER_SET); /* signerInfos */
	der_begin(d, DER_SEQUENCE);
	der_small_uint(d, 1); /* sid is issuerAndSerialNumber */
	der_begin(d, DER_SEQUENCE);
	der_raw(d, DER_SEQUENCE, s->ca->issuer.data, s->ca->issuer.len);
	der_prim(d, DER_INTEGER, s->ca->serial.data, s->ca->serial.len);
	der_end(d);
	put_digest_alg(d, s->alg);
	/* signedAttrs [0] IMPLICIT: the signed SET's elements under another tag. */
	der_begin(d, DER_CTX(0));
	put_attr_elements(d, s->attrs);
	der_end(d);
	put_sig_alg(d, s->alg);
	der_prim(d, DER_OCTET_STRING, s->sig, s->sig_len);
	der_end(d);
	der_end(d);
}

static int signed_data(const struct cmc_response_in *in, size_t max,
		       const struct x509_buf *content, const struct signer *s,
		       struct x509_buf *out, char *err, size_t errlen)
{
	struct der d;

	der_init_max(&d, max);
	der_begin(&d, DER_SEQUENCE); /* ContentInfo */
	der_oid(&d, OID_SIGNED_DATA);
	der_begin(&d, DER_CTX(0));
	der_begin(&d, DER_SEQUENCE); /* SignedData */
	der_small_uint(&d, 3);       /* RFC 5652 5.1: eContentType is not id-data */
	der_begin(&d, DER_SET);
	put_digest_alg(&d, s->alg);
	der_end(&d);
	der_begin(&d, DER_SEQUENCE); /* encapContentInfo */
	der_oid(&d, OID_PKI_RESPONSE);
	der_begin(&d, DER_CTX(0));
	der_prim(&d, DER_OCTET_STRING, content->data, content->len);
	der_end(&d);
	der_end(&d);
	if (in->n_certs > 0)
		put_items(&d, DER_CTX(0), in->certs, in->n_certs);
	if (in->n_crls > 0)
		put_items(&d, DER_CTX(1), in->crls, in->n_crls);
	put_signer_info(&d, s);
	der_end(&d);
	der_end(&d);
	der_end(&d);
	if (d.too_big) {
		der_free(&d);
		return err_set(err, errlen, "cmc response: larger than %zu bytes", max);
	}
	if (der_finish(&d, &out->data, &out->len) != 0)
		return err_set(err, errlen, "cmc response: cannot encode");
	return 0;
}

/* The CA certificate: decodes, and its key is one the CA signs with. */
static int ca_signer(const struct cmc_response_in *in, struct x509_cert_info *ca,
		     enum x509_sigalg *alg, char *err, size_t errlen)
{
	enum x509_key_type type;
	unsigned bits;
	char why[160];

	if (x509_cert_decode(in->ca_cert, in->ca_cert_len, ca, why, sizeof why) != 0)
		return err_set(err, errlen, "CA certificate: %s", why);
	if (x509_spki_key(ca->spki.data, ca->spki.len, &type, &bits) != 0 ||
	    (*alg = x509_sigalg_for_key(type, bits)) == X509_SIG_NONE) {
		x509_cert_info_free(ca);
		return err_set(err, errlen, "CA certificate: a key the CA does not sign with");
	}
	return 0;
}

/* The callback's signature, checked with the CA certificate's key: a response
 * signed by another key (a wrong HSM object) is never handed out. */
static int sign_attrs(const struct signer *s0, cmc_sign_fn sign, void *ctx, uint8_t *sig,
		      size_t *sig_len, char *err, size_t errlen)
{
	struct x509i_alg va = {x509i_sigalg_hash(s0->alg), x509i_sigalg_key(s0->alg)};
	char why[160] = "";

	if (sign(ctx, s0->alg, &s0->attrs->set, sig, sig_len, why, sizeof why) != 0)
		return err_set(err, errlen, "signature: %s", why[0] ? why : "refused");
	if (*sig_len == 0 || *sig_len > CMC_RESP_SIG_MAX)
		return err_set(err, errlen, "signature: %zu bytes", *sig_len);
	if (x509i_verify(&va, s0->attrs->set.data, s0->attrs->set.len, X509I_MAX_DER, sig,
			 *sig_len, s0->ca->spki.data, s0->ca->spki.len, why, sizeof why) != 0)
		return err_set(err, errlen, "signature: does not verify with the CA "
			       "certificate's key (%s)", why);
	return 0;
}

int cmc_response_build(const struct cmc_response_in *in, cmc_sign_fn sign, void *sign_ctx,
		       struct x509_buf *out, char *err, size_t errlen)
{
	struct x509_buf content = {0};
	struct attrs attrs;
	struct x509_cert_info ca;
	struct signer s;
	uint8_t sig[CMC_RESP_SIG_MAX];
	size_t sig_len = sizeof sig, max, total;
	int rc = -1;

	if (out == NULL)
		return err_set(err, errlen, "cmc response: no output");
	out->data = NULL;
	out->len = 0;
	if (in == NULL || sign == NULL)
		return err_set(err, errlen, "cmc response: no input or no signer");
	max = in->max_size > 0 && in->max_size < CMC_RESP_MAX_SIZE ? in->max_size
								   : CMC_RESP_MAX_SIZE;
	if (check_input(in, max, &total, err, errlen) != 0)
		return -1;
	memset(&ca, 0, sizeof ca);
	memset(&s, 0, sizeof s);
	memset(&attrs, 0, sizeof attrs);
	if (ca_signer(in, &ca, &s.alg, err, errlen) != 0)
		return -1;
	s.ca = &ca;
	if (pki_response(in, &content, err, errlen) != 0 ||
	    pki_response_lint(&content, err, errlen) != 0 ||
	    signed_attrs(&content, s.alg, in->signing_time, &attrs, err, errlen) != 0)
		goto out;
	s.attrs = &attrs;
	if (sign_attrs(&s, sign, sign_ctx, sig, &sig_len, err, errlen) != 0)
		goto out;
	s.sig = sig;
	s.sig_len = sig_len;
	rc = signed_data(in, max, &content, &s, out, err, errlen);
out:
	x509_buf_free(&content);
	attrs_free(&attrs);
	x509_cert_info_free(&ca);
	return rc;
}
