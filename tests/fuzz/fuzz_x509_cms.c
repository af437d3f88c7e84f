/* libFuzzer target: CMS and CMC requests as the custodian decodes them
 * (cms_request_decode), then what it does with a decoded one: which carried
 * certificate each signer names (cms_signer_cert), each signer verified with
 * that certificate's key (cms_signer_verify) and the Microsoft attributes of
 * the PKCS#10 inside (x509_csr_ms_attrs). The input itself also goes through
 * x509_csr_ms_attrs, so that request seeds reach the attribute readers. What
 * comes back must keep the contract's bounds. */
#include <stdint.h>
#include <string.h>

#include "firmware/x509/cms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ms_attrs(const uint8_t *der, size_t len)
{
	struct csr_ms_attrs a;
	char err[256];

	if (x509_csr_ms_attrs(der, len, &a, err, sizeof err) != 0)
		return;
	if (a.n_nv > CMS_NV_MAX || strlen(a.machine) >= CMS_NV_TEXT_MAX ||
	    strlen(a.csp_name) >= CMS_NV_TEXT_MAX)
		__builtin_trap();
	csr_ms_attrs_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cms_request r;
	char err[256];

	ms_attrs(data, size);
	if (cms_request_decode(data, size, &r, err, sizeof err) != 0)
		return 0;
	if (r.n_signers < 1 || r.n_signers > CMS_SIGNERS_MAX || r.n_certs > CMS_CERTS_MAX ||
	    r.n_nv > CMS_NV_MAX || r.csr.data == NULL)
		__builtin_trap();
	for (size_t i = 0; i < r.n_signers; i++) {
		int k = cms_signer_cert(&r, i);
		struct x509_cert_info ci;

		if (r.signers[i].n_nv > CMS_NV_MAX || k >= (int)r.n_certs)
			__builtin_trap();
		if (k < 0 || x509_cert_decode(r.certs[k].data, r.certs[k].len, &ci, err,
					      sizeof err) != 0)
			continue;
		(void)cms_signer_verify(&r, i, ci.spki.data, ci.spki.len, err, sizeof err);
		x509_cert_info_free(&ci);
	}
	ms_attrs(r.csr.data, r.csr.len);
	cms_request_free(&r);
	return 0;
}
