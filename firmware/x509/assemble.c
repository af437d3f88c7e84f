/* Signed objects from already-encoded to-be-signed bytes: the TBS goes into an
 * ANY so the bytes the HSM signed are exactly the bytes that are sent. */
#include "firmware/x509/x509_int.h"

#include <limits.h>
#include <stdlib.h>

/* The ANY is written verbatim: it must be exactly one SEQUENCE TLV. */
static int one_sequence(const uint8_t *d, size_t len)
{
	int hdr = 0;
	long content;

	if (len < 2 || d[0] != 0x30)
		return 0;
	content = asn1_get_length_der(d + 1, (int)(len - 1), &hdr);
	return content >= 0 && (size_t)content + 1 + (size_t)hdr == len;
}

int x509i_envelope(const struct x509_buf *tbs, size_t max, enum x509_sigalg alg,
		   const uint8_t *sig, size_t sig_len, struct x509_buf *out)
{
	asn1_node node = NULL;
	int rc = -1;

	out->data = NULL;
	out->len = 0;
	if (tbs == NULL || tbs->data == NULL || tbs->len == 0 || tbs->len > max ||
	    sig == NULL || sig_len == 0 || sig_len > 4096)
		return -1;
	if (!one_sequence(tbs->data, tbs->len) || asn1_new("PKIX.SignedEnvelope", &node) != 0)
		return -1;
	if (asn1_write_value(node, "toBeSigned", tbs->data, (int)tbs->len) == ASN1_SUCCESS &&
	    x509i_algid_write(node, "signatureAlgorithm", alg, NULL, 0) == 0 &&
	    asn1_write_value(node, "signature", sig, (int)(sig_len * 8)) == ASN1_SUCCESS &&
	    asn1_encode(node, "", &out->data, &out->len, NULL, 0) == 0)
		rc = 0;
	asn1_delete_structure(&node);
	return rc;
}

int x509_cert_assemble(const struct x509_buf *tbs, enum x509_sigalg alg, const uint8_t *sig,
		       size_t sig_len, struct x509_buf *out)
{
	return x509i_envelope(tbs, X509I_MAX_DER, alg, sig, sig_len, out);
}

int x509_csr_assemble(const struct x509_buf *info, enum x509_sigalg alg, const uint8_t *sig,
		      size_t sig_len, struct x509_buf *out)
{
	return x509i_envelope(info, X509I_MAX_DER, alg, sig, sig_len, out);
}
