/* libFuzzer target: careq's reader of the PKCS#7 a CA returns in pctbCert
 * (firmware/client/cmsreq.c cmsreq_crls, for -crls), i.e. what a hostile or
 * broken CA sends back. Every CRL handed out must be a well-framed DER TLV of
 * the input's bytes (libtasn1 decoded it strictly); each is read to the end so
 * that ASan sees any overread, and all are freed (LeakSanitizer). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/asn1/der.h"
#include "firmware/client/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_buf *crls = NULL;
	char err[256];
	size_t n = 0;

	if (cmsreq_crls(data, size, &crls, &n, err, sizeof(err)) != 0) {
		if (crls != NULL || n != 0)
			abort(); /* a refusal hands out nothing */
		return 0;
	}
	if (n > CMSREQ_CRLS_MAX || (n > 0) != (crls != NULL))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (crls[i].len == 0 || crls[i].len > size || !der_tlv_ok(crls[i].data, crls[i].len))
			abort();
		if (memmem(data, size, crls[i].data, crls[i].len) == NULL)
			abort();
	}
	cmsreq_crls_free(crls, n);
	return 0;
}
