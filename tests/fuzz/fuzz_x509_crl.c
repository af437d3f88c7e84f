/* libFuzzer target: strict CRL decoding (x509_crl_decode for a CertificateList,
 * x509_crl_tbs_decode for a bare TBSCertList: byte 0 picks), the lint the
 * custodian runs on every TBSCertList before it is signed and the reader of CRLs
 * imported from other CAs. What decodes must keep the promises of x509.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct x509_crl_info *ci, const uint8_t *der, size_t size, int bare)
{
	if (ci->tbs.len == 0 || ci->tbs.len > size || ci->issuer.len == 0)
		abort();
	if (bare && (ci->tbs.len != size || memcmp(ci->tbs.data, der, size) != 0 || ci->sig.data))
		abort();
	if (ci->version < 1 || ci->version > 2)
		abort();
	if (ci->is_delta && (!ci->has_number || ci->base_number >= ci->number))
		abort();
	if (ci->n_reasons > ci->n_entries || ci->n_invalidity > ci->n_entries)
		abort();
	if (ci->next_update != 0 && ci->next_update <= ci->this_update)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_crl_info ci;
	char err[256], name[512];
	int bare;

	if (size < 1)
		return 0;
	bare = data[0] & 1;
	data++;
	size--;
	if ((bare ? x509_crl_tbs_decode(data, size, &ci, err, sizeof err)
		  : x509_crl_decode(data, size, &ci, err, sizeof err)) != 0) {
		if (ci.tbs.data != NULL || ci.issuer.data != NULL) /* zeroed on failure */
			abort();
		return 0;
	}
	check(&ci, data, size, bare);
	(void)x509_name_format(ci.issuer.data, ci.issuer.len, name, sizeof name);
	x509_crl_info_free(&ci);
	return 0;
}
