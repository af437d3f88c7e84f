/* pctbCert: the "certs-only" PKCS#7 (a CMS SignedData with no signer) that
 * carries the issued certificate and its chain, written with the DER writer of
 * firmware/asn1/der.h. The certificates are kept in the order given (leaf
 * first, as Windows writes them) rather than sorted as DER's SET OF rule would
 * have it: clients read the first certificate as the issued one, and no
 * signature covers this structure, so canonical form buys nothing here. */
#include "firmware/icpr/icpr_int.h"

#include "firmware/asn1/der.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_DATA "1.2.840.113549.1.7.1"
#define MAX_ITEMS 16 /* certificates, and CRLs: a chain is a handful */

/* Every item one DER TLV with the expected tag (a Certificate or a
 * CertificateList: both SEQUENCEs). */
static int items_ok(const struct x509_buf *v, size_t n, size_t *total)
{
	if (n > 0 && v == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].data == NULL || v[i].len == 0 || v[i].len > DER_MAX_SIZE ||
		    v[i].data[0] != DER_SEQUENCE || !der_tlv_ok(v[i].data, v[i].len))
			return 0;
		*total += v[i].len;
	}
	return 1;
}

static void put_set(struct der *d, uint8_t tag, const struct x509_buf *v, size_t n)
{
	der_begin(d, tag);
	for (size_t i = 0; i < n; i++)
		der_raw(d, DER_SEQUENCE, v[i].data, v[i].len);
	der_end(d);
}

int icpr_pkcs7_certs_only(const struct x509_buf *certs, size_t n, const struct x509_buf *crls,
			  size_t n_crls, struct x509_buf *out)
{
	struct der d;
	size_t total = 0;

	out->data = NULL;
	out->len = 0;
	if (n == 0 || n > MAX_ITEMS || n_crls > MAX_ITEMS || !items_ok(certs, n, &total) ||
	    !items_ok(crls, n_crls, &total))
		return ICPR_EINVAL;
	/* The headers around the items take well under 64 bytes. */
	if (total > DER_MAX_SIZE - 64)
		return ICPR_ETOOLONG;
	der_init(&d);
	der_begin(&d, DER_SEQUENCE); /* ContentInfo */
	der_oid(&d, OID_SIGNED_DATA);
	der_begin(&d, DER_CTX(0));
	der_begin(&d, DER_SEQUENCE); /* SignedData */
	der_small_uint(&d, 1);
	der_begin(&d, DER_SET); /* digestAlgorithms: none */
	der_end(&d);
	der_begin(&d, DER_SEQUENCE); /* encapContentInfo: id-data, no eContent */
	der_oid(&d, OID_DATA);
	der_end(&d);
	put_set(&d, DER_CTX(0), certs, n); /* certificates [0] IMPLICIT */
	if (n_crls > 0)
		put_set(&d, DER_CTX(1), crls, n_crls); /* crls [1] IMPLICIT */
	der_begin(&d, DER_SET); /* signerInfos: none */
	der_end(&d);
	der_end(&d);
	der_end(&d);
	der_end(&d);
	return der_finish(&d, &out->data, &out->len) == 0 ? ICPR_OK : ICPR_ENOMEM;
}
