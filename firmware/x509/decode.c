/* Strict decoding of a DER certificate into struct x509_cert_info. The TBS,
 * names and SPKI are kept as the exact bytes received, so signatures can be
 * checked and names compared byte for byte. */
#include "firmware/x509/x509_int.h"

#include <stdlib.h>
#include <string.h>

void x509_cert_info_free(struct x509_cert_info *ci)
{
	if (ci == NULL)
		return;
	x509_buf_free(&ci->der);
	x509_buf_free(&ci->tbs);
	x509_buf_free(&ci->serial);
	x509_buf_free(&ci->issuer);
	x509_buf_free(&ci->subject);
	x509_buf_free(&ci->spki);
	x509_buf_free(&ci->sig);
	for (size_t i = 0; i < ci->n_ext; i++)
		x509_buf_free(&ci->ext[i].value);
	free(ci->ext);
	memset(ci, 0, sizeof *ci);
	ci->path_len = -1;
}

static int read_version(asn1_node n, struct x509_cert_info *ci)
{
	int v = 0;

	/* An absent DEFAULT reads as v1 (0) in libtasn1; read failures too. */
	if (x509i_read_uint(n, "tbsCertificate.version", &v) != 0)
		v = 0;
	if (v > 2)
		return -1;
	ci->version = v + 1;
	return 0;
}

static int read_serial(asn1_node n, struct x509_cert_info *ci)
{
	uint8_t *v = NULL;
	int len = 0;

	if (asn1_read_alloc(n, "tbsCertificate.serialNumber", &v, &len) != 0)
		return -1;
	/* 20 octets (RFC 5280) plus a sign byte; more is not a serial number. */
	if (len < 1 || len > 21) {
		free(v);
		return -1;
	}
	ci->serial.data = v;
	ci->serial.len = (size_t)len;
	return 0;
}

/* RFC 5280 4.1.1.2: the outer signatureAlgorithm must equal tbs.signature. */
static int same_algorithm(asn1_node n, const uint8_t *der, size_t len)
{
	size_t s1, e1, s2, e2;

	if (asn1_der_slice(n, der, len, "signatureAlgorithm", &s1, &e1) != 0 ||
	    asn1_der_slice(n, der, len, "tbsCertificate.signature", &s2, &e2) != 0)
		return 0;
	return e1 - s1 == e2 - s2 && memcmp(der + s1, der + s2, e1 - s1) == 0;
}

static int read_sigalg(asn1_node n, struct x509_cert_info *ci)
{
	struct x509i_alg alg;

	/* An algorithm the CA cannot verify still decodes, as X509_SIG_NONE. */
	ci->sigalg = x509i_algid_read(n, "signatureAlgorithm", &alg) == 0 ? x509i_sigalg_from(&alg)
									  : X509_SIG_NONE;
	return 0;
}

static int decode_fields(asn1_node n, const uint8_t *der, size_t len,
			 struct x509_cert_info *ci, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (x509i_buf_set(&ci->der, der, len) != 0)
		bad = "memory";
	else if (x509i_slice_copy(n, der, len, "tbsCertificate", &ci->tbs) != 0)
		bad = "tbsCertificate";
	else if (read_version(n, ci) != 0)
		bad = "version";
	else if (read_serial(n, ci) != 0)
		bad = "serialNumber";
	else if (!same_algorithm(n, der, len))
		bad = "signatureAlgorithm (differs from tbsCertificate.signature)";
	else if (read_sigalg(n, ci) != 0)
		bad = "signatureAlgorithm";
	else if (x509i_slice_copy(n, der, len, "tbsCertificate.issuer", &ci->issuer) != 0)
		bad = "issuer";
	else if (x509i_slice_copy(n, der, len, "tbsCertificate.subject", &ci->subject) != 0)
		bad = "subject";
	else if (x509i_slice_copy(n, der, len, "tbsCertificate.subjectPublicKeyInfo",
				  &ci->spki) != 0)
		bad = "subjectPublicKeyInfo";
	else if (x509i_time_read(n, "tbsCertificate.validity.notBefore", &ci->not_before) != 0)
		bad = "validity.notBefore";
	else if (x509i_time_read(n, "tbsCertificate.validity.notAfter", &ci->not_after) != 0)
		bad = "validity.notAfter";
	else if (x509i_read_octet_bits(n, "signature", &ci->sig) != 0)
		bad = "signature";
	if (bad != NULL) {
		err_set(err, errlen, "certificate: bad %s", bad);
		return -1;
	}
	if (ci->version < 3 && asn1_number_of_elements(n, "tbsCertificate.extensions",
						       &(int){0}) == ASN1_SUCCESS) {
		err_set(err, errlen, "certificate: extensions in a v%d certificate", ci->version);
		return -1;
	}
	return x509i_exts_read(n, "tbsCertificate.extensions", ci, err, errlen);
}

int x509_cert_decode(const uint8_t *der, size_t len, struct x509_cert_info *out, char *err,
		     size_t errlen)
{
	asn1_node n = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	out->path_len = -1;
	if (der == NULL || len == 0 || len > X509I_MAX_DER) {
		err_set(err, errlen, "certificate: empty or larger than %u bytes", X509I_MAX_DER);
		return -1;
	}
	if (asn1_decode("PKIX.Certificate", der, len, &n, err, errlen) != 0)
		return -1;
	rc = decode_fields(n, der, len, out, err, errlen);
	asn1_delete_structure(&n);
	if (rc != 0)
		x509_cert_info_free(out);
	return rc;
}
