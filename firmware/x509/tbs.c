/* TBSCertificate v3, built field by field with libtasn1 (wolfSSL's builder is
 * not used: see shared/notes/dependencies.md). Extensions are written in a
 * fixed order: BasicConstraints, KeyUsage, EKU, SKI, AKI, CDP, AIA. */
#include "firmware/x509/x509_int.h"

#include <string.h>

/* RFC 5280 4.1.2.2: positive, at most 20 octets, minimal encoding. */
static int check_serial(const struct x509_tbs *t, char *err, size_t errlen)
{
	int nonzero = 0;

	if (t->serial_len < 1 || t->serial_len > sizeof t->serial) {
		x509i_err(err, errlen, "serial: length must be 1..20");
		return -1;
	}
	if (t->serial[0] & 0x80) {
		x509i_err(err, errlen, "serial: must be positive (first byte < 0x80)");
		return -1;
	}
	if (t->serial_len > 1 && t->serial[0] == 0 && !(t->serial[1] & 0x80)) {
		x509i_err(err, errlen, "serial: redundant leading zero byte");
		return -1;
	}
	for (size_t i = 0; i < t->serial_len; i++)
		nonzero |= t->serial[i];
	if (!nonzero) {
		x509i_err(err, errlen, "serial: must not be zero");
		return -1;
	}
	return 0;
}

static size_t eku_count(const struct x509_tbs *t)
{
	size_t n = 0;

	if (t->n_eku > 0)
		return t->n_eku;
	while (n < X509_MAX_EKU && t->eku[n] != NULL)
		n++;
	return n;
}

/* The extensions asked for, in the profile's order. */
static int build_exts(const struct x509_tbs *t, struct x509i_exts *x, char *err, size_t errlen)
{
	size_t n_eku = eku_count(t);

	if (n_eku > X509_MAX_EKU) {
		x509i_err(err, errlen, "eku: more than %d entries", X509_MAX_EKU);
		return -1;
	}
	if (t->basic_constraints &&
	    x509i_ext_basic_constraints(x, t->is_ca, t->path_len, err, errlen) != 0)
		return -1;
	if (!t->basic_constraints && t->is_ca) {
		x509i_err(err, errlen, "basic_constraints: is_ca set without the extension");
		return -1;
	}
	if (t->key_usage && x509i_ext_key_usage(x, t->key_usage, err, errlen) != 0)
		return -1;
	if (n_eku && x509i_ext_eku(x, t->eku, n_eku, err, errlen) != 0)
		return -1;
	if (t->ski && x509i_ext_ski(x, &t->spki, err, errlen) != 0)
		return -1;
	if (t->has_aki && x509i_ext_aki(x, t->aki, err, errlen) != 0)
		return -1;
	if (t->cdp_url && *t->cdp_url && x509i_ext_cdp(x, t->cdp_url, err, errlen) != 0)
		return -1;
	if (((t->aia_ca_issuers_url && *t->aia_ca_issuers_url) ||
	     (t->aia_ocsp_url && *t->aia_ocsp_url)) &&
	    x509i_ext_aia(x, t->aia_ca_issuers_url, t->aia_ocsp_url, err, errlen) != 0)
		return -1;
	return 0;
}

static int write_fields(asn1_node n, const struct x509_tbs *t, const struct x509i_exts *x,
			char *err, size_t errlen)
{
	if (asn1_write_value(n, "version", "v3", 0) != ASN1_SUCCESS ||
	    asn1_write_value(n, "serialNumber", t->serial, (int)t->serial_len) != ASN1_SUCCESS) {
		x509i_err(err, errlen, "serial: cannot write");
		return -1;
	}
	if (x509i_algid_write(n, "signature", t->sigalg, err, errlen) != 0 ||
	    x509i_copy_der(n, "issuer", "PKIX.Name", &t->issuer, "issuer", err, errlen) != 0 ||
	    x509i_time_write(n, "validity.notBefore", t->not_before, "not_before", err, errlen) ||
	    x509i_time_write(n, "validity.notAfter", t->not_after, "not_after", err, errlen) ||
	    x509i_copy_der(n, "subject", "PKIX.Name", &t->subject, "subject", err, errlen) != 0 ||
	    x509i_copy_der(n, "subjectPublicKeyInfo", "PKIX.SubjectPublicKeyInfo", &t->spki,
			   "spki", err, errlen) != 0)
		return -1;
	/* Unused OPTIONAL fields must be removed explicitly in libtasn1. */
	asn1_write_value(n, "issuerUniqueID", NULL, 0);
	asn1_write_value(n, "subjectUniqueID", NULL, 0);
	if (x->n == 0)
		return asn1_write_value(n, "extensions", NULL, 0) == ASN1_SUCCESS ? 0 : -1;
	return x509i_exts_write(n, "extensions", x, err, errlen);
}

int x509_tbs_encode(const struct x509_tbs *t, struct x509_buf *out, char *err, size_t errlen)
{
	struct x509i_exts x;
	asn1_node n = NULL;
	int rc = -1;

	memset(&x, 0, sizeof x);
	out->data = NULL;
	out->len = 0;
	if (t == NULL) {
		x509i_err(err, errlen, "tbs: missing");
		return -1;
	}
	if (check_serial(t, err, errlen) != 0)
		return -1;
	if (t->not_after <= t->not_before) {
		x509i_err(err, errlen, "not_after: must be later than not_before");
		return -1;
	}
	if (build_exts(t, &x, err, errlen) != 0)
		goto out;
	if (asn1_new("PKIX.TBSCertificate", &n) != 0) {
		x509i_err(err, errlen, "tbs: ASN.1 definitions unavailable");
		goto out;
	}
	if (write_fields(n, t, &x, err, errlen) == 0 &&
	    asn1_encode(n, "", &out->data, &out->len, err, errlen) == 0)
		rc = 0;
out:
	asn1_delete_structure(&n);
	x509i_exts_free(&x);
	return rc;
}
