/* PKCS#10 (RFC 2986): building the CA's own request, and verifying requests
 * from clients. Verification decodes with libtasn1 and checks the signature
 * over the CertificationRequestInfo bytes exactly as received: wolfSSL's CSR
 * parser refuses attributes it does not know, which includes every Windows
 * request (see shared/notes/dependencies.md). */
#include "firmware/x509/x509_int.h"

#include <stdlib.h>
#include <string.h>

#define OID_EXTENSION_REQUEST "1.2.840.113549.1.9.14"

/* The DER Extensions a CA request asks for. */
static int ca_extensions(struct x509_buf *out, char *err, size_t errlen)
{
	struct x509i_exts x;
	asn1_node n = NULL;
	int rc = -1;

	memset(&x, 0, sizeof x);
	if (x509i_ext_basic_constraints(&x, 1, -1, err, errlen) != 0 ||
	    x509i_ext_key_usage(&x, X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN, err, errlen) != 0)
		goto out;
	if (asn1_new("PKIX.Extensions", &n) != 0) {
		err_set(err, errlen, "csr: ASN.1 definitions unavailable");
		goto out;
	}
	if (x509i_exts_write(n, "", &x, err, errlen) == 0 &&
	    asn1_encode(n, "", &out->data, &out->len, err, errlen) == 0)
		rc = 0;
out:
	asn1_delete_structure(&n);
	x509i_exts_free(&x);
	return rc;
}

static int write_ext_request(asn1_node n, char *err, size_t errlen)
{
	struct x509_buf exts = {0};
	int ok;

	if (ca_extensions(&exts, err, errlen) != 0)
		return -1;
	ok = asn1_write_value(n, "attributes", "NEW", 1) == ASN1_SUCCESS &&
	     asn1_write_value(n, "attributes.?LAST.type", OID_EXTENSION_REQUEST, 1) ==
		     ASN1_SUCCESS &&
	     asn1_write_value(n, "attributes.?LAST.values", "NEW", 1) == ASN1_SUCCESS &&
	     asn1_write_value(n, "attributes.?LAST.values.?LAST", exts.data, (int)exts.len) ==
		     ASN1_SUCCESS;
	x509_buf_free(&exts);
	if (!ok)
		err_set(err, errlen, "csr: cannot write the extensionRequest attribute");
	return ok ? 0 : -1;
}

int x509_csr_info_encode(const struct x509_buf *subject, const struct x509_buf *spki, int is_ca,
			 struct x509_buf *out, char *err, size_t errlen)
{
	asn1_node n = NULL;
	int rc = -1;

	out->data = NULL;
	out->len = 0;
	if (asn1_new("PKIX.CertificationRequestInfo", &n) != 0) {
		err_set(err, errlen, "csr: ASN.1 definitions unavailable");
		return -1;
	}
	if (asn1_write_value(n, "version", "v1", 0) != ASN1_SUCCESS) {
		err_set(err, errlen, "csr: cannot write version");
		goto out;
	}
	if (x509i_copy_der(n, "subject", "PKIX.Name", subject, "subject", err, errlen) != 0 ||
	    x509i_copy_der(n, "subjectPKInfo", "PKIX.SubjectPublicKeyInfo", spki, "spki", err,
			   errlen) != 0)
		goto out;
	/* Without is_ca the attributes stay an empty SET, still present as
	 * RFC 2986 requires. */
	if (is_ca && write_ext_request(n, err, errlen) != 0)
		goto out;
	if (asn1_encode(n, "", &out->data, &out->len, err, errlen) == 0)
		rc = 0;
out:
	asn1_delete_structure(&n);
	return rc;
}

static int csr_fields(asn1_node n, const uint8_t *der, size_t len, struct x509_buf *subject,
		      struct x509_buf *spki, char *err, size_t errlen)
{
	struct x509_buf info = {0}, sig = {0}, key = {0};
	struct x509i_alg alg;
	int version = -1, rc = -1;

	if (x509i_read_uint(n, "certificationRequestInfo.version", &version) != 0 || version != 0) {
		err_set(err, errlen, "csr: version must be v1 (0)");
		return -1;
	}
	if (x509i_algid_read(n, "signatureAlgorithm", &alg) != 0) {
		err_set(err, errlen, "csr: unsupported signatureAlgorithm");
		return -1;
	}
	if (x509i_slice_copy(n, der, len, "certificationRequestInfo", &info) != 0 ||
	    x509i_slice_copy(n, der, len, "certificationRequestInfo.subjectPKInfo", &key) != 0) {
		err_set(err, errlen, "csr: cannot locate certificationRequestInfo");
		goto out;
	}
	if (x509i_read_octet_bits(n, "signature", &sig) != 0) {
		err_set(err, errlen, "csr: signature is not a whole number of bytes");
		goto out;
	}
	if (x509i_verify(&alg, info.data, info.len, X509I_MAX_DER, sig.data, sig.len, key.data,
			 key.len, err, errlen) != 0)
		goto out;
	if (subject != NULL &&
	    x509i_slice_copy(n, der, len, "certificationRequestInfo.subject", subject) != 0) {
		err_set(err, errlen, "csr: cannot locate subject");
		goto out;
	}
	if (spki != NULL) {
		*spki = key;
		key = (struct x509_buf){0};
	}
	rc = 0;
out:
	x509_buf_free(&info);
	x509_buf_free(&sig);
	x509_buf_free(&key);
	return rc;
}

int x509_csr_verify(const uint8_t *der, size_t len, struct x509_buf *subject,
		    struct x509_buf *spki, char *err, size_t errlen)
{
	asn1_node n = NULL;
	int rc;

	if (subject != NULL)
		*subject = (struct x509_buf){0};
	if (spki != NULL)
		*spki = (struct x509_buf){0};
	if (der == NULL || len == 0 || len > X509I_MAX_DER) {
		err_set(err, errlen, "csr: empty or larger than %u bytes", X509I_MAX_DER);
		return -1;
	}
	if (asn1_decode("PKIX.CertificationRequest", der, len, &n, err, errlen) != 0)
		return -1;
	rc = csr_fields(n, der, len, subject, spki, err, errlen);
	asn1_delete_structure(&n);
	if (rc != 0) {
		x509_buf_free(subject);
		x509_buf_free(spki);
	}
	return rc;
}

/* Counts the extensions of every value of the i-th attribute (an extensionRequest)
 * into s. */
static int shape_ext_request(asn1_node node, const uint8_t *der, size_t len, int i,
			     struct x509_csr_shape *s, char *err, size_t errlen)
{
	char path[96];
	int nvals = 0;

	snprintf(path, sizeof(path), "certificationRequestInfo.attributes.?%d.values", i);
	if (asn1_number_of_elements(node, path, &nvals) != ASN1_SUCCESS)
		nvals = 0;
	for (int v = 1; v <= nvals; v++) {
		asn1_node e = NULL;
		size_t start, end;
		int count = 0;

		snprintf(path, sizeof(path), "certificationRequestInfo.attributes.?%d.values.?%d",
			 i, v);
		if (asn1_der_slice(node, der, len, path, &start, &end) != 0 ||
		    asn1_decode("PKIX.Extensions", der + start, end - start, &e, NULL, 0) != 0) {
			err_set(err, errlen, "csr: an extensionRequest value is not Extensions");
			return -1;
		}
		if (asn1_number_of_elements(e, "", &count) != ASN1_SUCCESS)
			count = 0;
		asn1_delete_structure(&e);
		s->n_ext += (size_t)count;
		s->ext_len += end - start;
	}
	return 0;
}

int x509_csr_shape(const uint8_t *der, size_t len, struct x509_csr_shape *s, char *err,
		   size_t errlen)
{
	static const char *const need[] = {
		"certificationRequestInfo.version",
		"certificationRequestInfo.subjectPKInfo.algorithm.algorithm",
		"certificationRequestInfo.subjectPKInfo.subjectPublicKey",
		"signatureAlgorithm.algorithm", "signature",
	};
	asn1_node node = NULL;
	char path[96], oid[X509I_OID_MAX];
	size_t start, end;
	int count = 0, rc = -1;

	memset(s, 0, sizeof(*s));
	if (der == NULL || len == 0 || len > X509I_MAX_DER) {
		err_set(err, errlen, "csr: empty or larger than %u bytes", X509I_MAX_DER);
		return -1;
	}
	if (asn1_decode("PKIX.CertificationRequest", der, len, &node, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (asn1_der_slice(node, der, len, need[i], &start, &end) != 0) {
			err_set(err, errlen, "csr: no %s", need[i]);
			goto out;
		}
	if (asn1_der_slice(node, der, len, "certificationRequestInfo.subject", &start, &end) != 0) {
		err_set(err, errlen, "csr: no subject");
		goto out;
	}
	s->subject_off = start;
	s->subject_len = end - start;
	if (asn1_der_slice(node, der, len, "certificationRequestInfo.subjectPKInfo", &start,
			   &end) != 0) {
		err_set(err, errlen, "csr: no subjectPKInfo");
		goto out;
	}
	s->spki_off = start;
	s->spki_len = end - start;
	if (asn1_number_of_elements(node, "certificationRequestInfo.attributes", &count) !=
	    ASN1_SUCCESS)
		count = 0;
	for (int i = 1; i <= count && !s->ext_unreadable; i++) {
		snprintf(path, sizeof(path), "certificationRequestInfo.attributes.?%d.type", i);
		if (x509i_read_str(node, path, oid, sizeof(oid)) != 0 ||
		    strcmp(oid, OID_EXTENSION_REQUEST) != 0)
			continue;
		if (shape_ext_request(node, der, len, i, s, err, errlen) != 0)
			s->ext_unreadable = 1;
	}
	rc = 0;
out:
	asn1_delete_structure(&node);
	return rc;
}

/* The extensionRequest attribute's values: each one Extensions, read into out. */
static int read_requested(const uint8_t *ext_der, size_t ext_len, struct x509_req_ext *out,
			  size_t max, size_t *n, char *err, size_t errlen)
{
	asn1_node e = NULL;
	char path[64];
	int count = 0, rc = 0;

	if (asn1_decode("PKIX.Extensions", ext_der, ext_len, &e, err, errlen) != 0)
		return -1;
	if (asn1_number_of_elements(e, "", &count) != ASN1_SUCCESS)
		count = 0;
	for (int i = 1; i <= count && rc == 0; i++) {
		struct x509_req_ext *x;
		uint8_t *v = NULL;
		int vl = 0;

		if (*n == max) {
			err_set(err, errlen, "csr: more than %zu requested extensions", max);
			rc = -1;
			break;
		}
		x = &out[*n];
		memset(x, 0, sizeof(*x));
		snprintf(path, sizeof(path), "?%d.extnID", i);
		if (x509i_read_str(e, path, x->oid, sizeof(x->oid)) != 0) {
			err_set(err, errlen, "csr: requested extension %d has no OID", i);
			rc = -1;
			break;
		}
		snprintf(path, sizeof(path), "?%d.critical", i);
		if (x509i_read_bool(e, path, &x->critical) != 0)
			x->critical = 0;
		snprintf(path, sizeof(path), "?%d.extnValue", i);
		if (asn1_read_alloc(e, path, &v, &vl) != 0 || vl <= 0) {
			err_set(err, errlen, "csr: requested extension %s has no value", x->oid);
			rc = -1;
			break;
		}
		x->value.data = v;
		x->value.len = (size_t)vl;
		(*n)++;
	}
	asn1_delete_structure(&e);
	return rc;
}

int x509_csr_requested_extensions(const uint8_t *der, size_t len, struct x509_req_ext *out,
				  size_t max, size_t *n, char *err, size_t errlen)
{
	asn1_node node = NULL;
	char path[96], oid[X509I_OID_MAX];
	int count = 0, rc = 0;

	*n = 0;
	if (der == NULL || len == 0 || len > X509I_MAX_DER) {
		err_set(err, errlen, "csr: empty or larger than %u bytes", X509I_MAX_DER);
		return -1;
	}
	if (asn1_decode("PKIX.CertificationRequest", der, len, &node, err, errlen) != 0)
		return -1;
	if (asn1_number_of_elements(node, "certificationRequestInfo.attributes", &count) !=
	    ASN1_SUCCESS)
		count = 0;
	for (int i = 1; i <= count && rc == 0; i++) {
		struct x509_buf v = {0};

		snprintf(path, sizeof(path), "certificationRequestInfo.attributes.?%d.type", i);
		if (x509i_read_str(node, path, oid, sizeof(oid)) != 0 ||
		    strcmp(oid, OID_EXTENSION_REQUEST) != 0)
			continue;
		snprintf(path, sizeof(path), "certificationRequestInfo.attributes.?%d.values.?1", i);
		if (x509i_slice_copy(node, der, len, path, &v) != 0) {
			err_set(err, errlen, "csr: extensionRequest without a value");
			rc = -1;
			break;
		}
		rc = read_requested(v.data, v.len, out, max, n, err, errlen);
		x509_buf_free(&v);
	}
	asn1_delete_structure(&node);
	if (rc != 0) {
		x509_req_exts_free(out, *n);
		*n = 0;
	}
	return rc;
}

void x509_req_exts_free(struct x509_req_ext *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x509_buf_free(&e[i].value);
}
