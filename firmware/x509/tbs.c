/* TBSCertificate v3, built field by field with the project's DER writer
 * (asn1/der.h says why not libtasn1 on this path; wolfSSL's builder is not used:
 * see shared/notes/dependencies.md). Extensions are written in a fixed order:
 * BasicConstraints, KeyUsage, EKU, SKI, AKI, CDP, AIA. */
#include "firmware/x509/x509_int.h"
#include "firmware/asn1/der.h"

#include <string.h>

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
		err_set(err, errlen, "eku: more than %d entries", X509_MAX_EKU);
		return -1;
	}
	if (t->basic_constraints &&
	    x509i_ext_basic_constraints(x, t->is_ca, t->path_len, err, errlen) != 0)
		return -1;
	if (!t->basic_constraints && t->is_ca) {
		err_set(err, errlen, "basic_constraints: is_ca set without the extension");
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
	if (t->n_extra > X509_MAX_EXTRA_EXT) {
		err_set(err, errlen, "more than %d extra extensions", X509_MAX_EXTRA_EXT);
		return -1;
	}
	for (size_t i = 0; i < t->n_extra; i++)
		if (x509i_ext_given(x, &t->extra[i], err, errlen) != 0)
			return -1;
	return 0;
}

/* The fields in RFC 5280 4.1 order. Names and the SPKI are inserted as the DER
 * the caller holds, after a framing check; lint decodes them again. */
static int write_fields(struct der *d, const struct x509_tbs *t, const struct x509i_exts *x,
			char *err, size_t errlen)
{
	static const uint8_t v3[] = {DER_CTX(0), 3, DER_INTEGER, 1, 2};
	static const uint8_t null[] = {DER_NULL, 0};
	const char *oid = x509i_sigalg_oid(t->sigalg);

	if (oid == NULL) {
		err_set(err, errlen, "sigalg: unsupported signature algorithm %d", (int)t->sigalg);
		return -1;
	}
	der_begin(d, DER_SEQUENCE);
	der_raw(d, DER_CTX(0), v3, sizeof v3);
	der_uint(d, DER_INTEGER, t->serial, t->serial_len);
	der_begin(d, DER_SEQUENCE); /* AlgorithmIdentifier: NULL parameters for RSA only */
	der_oid(d, oid);
	if (x509i_sigalg_key(t->sigalg) == X509_KEY_RSA)
		der_raw(d, DER_NULL, null, sizeof null);
	der_end(d);
	if (t->issuer.data == NULL || !der_tlv_ok(t->issuer.data, t->issuer.len)) {
		err_set(err, errlen, "issuer: not a DER Name");
		return -1;
	}
	der_raw(d, DER_SEQUENCE, t->issuer.data, t->issuer.len);
	der_begin(d, DER_SEQUENCE);
	der_time(d, (long long)t->not_before);
	der_time(d, (long long)t->not_after);
	der_end(d);
	if (d->failed) {
		err_set(err, errlen, "not_before/not_after: outside 1950..9999");
		return -1;
	}
	if (t->subject.data == NULL || !der_tlv_ok(t->subject.data, t->subject.len)) {
		err_set(err, errlen, "subject: not a DER Name");
		return -1;
	}
	der_raw(d, DER_SEQUENCE, t->subject.data, t->subject.len);
	if (t->spki.data == NULL || !der_tlv_ok(t->spki.data, t->spki.len)) {
		err_set(err, errlen, "spki: not a DER SubjectPublicKeyInfo");
		return -1;
	}
	der_raw(d, DER_SEQUENCE, t->spki.data, t->spki.len);
	if (x->n > 0) { /* extensions [3] EXPLICIT Extensions */
		der_begin(d, DER_CTX(3));
		x509i_exts_der(d, x);
		der_end(d);
	}
	der_end(d);
	return 0;
}

int x509_tbs_encode(const struct x509_tbs *t, struct x509_buf *out, char *err, size_t errlen)
{
	struct x509i_exts x;
	struct der d;
	int rc = -1;

	memset(&x, 0, sizeof x);
	der_init(&d);
	out->data = NULL;
	out->len = 0;
	if (t == NULL) {
		err_set(err, errlen, "tbs: missing");
		return -1;
	}
	if (x509i_check_serial(t->serial, t->serial_len, "serial", err, errlen) != 0)
		return -1;
	if (t->not_after <= t->not_before) {
		err_set(err, errlen, "not_after: must be later than not_before");
		return -1;
	}
	if (build_exts(t, &x, err, errlen) != 0 || write_fields(&d, t, &x, err, errlen) != 0)
		goto out;
	if (der_finish(&d, &out->data, &out->len) != 0) {
		err_set(err, errlen, "tbs: cannot encode");
		goto out;
	}
	rc = 0;
out:
	der_free(&d);
	x509i_exts_free(&x);
	return rc;
}
