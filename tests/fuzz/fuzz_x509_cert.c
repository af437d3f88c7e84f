/* libFuzzer target: strict DER certificate decoding (x509_cert_decode), the
 * path every certificate from outside (imported CA certificates, renewal
 * requests' signer certificates) goes through. A certificate that decodes is
 * also walked the way the CA uses it: its names are formatted and its SPKI
 * classified, which must not crash whatever they hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the header promises of a decoded certificate: strict DER, so the whole
 * input is the certificate, and the TBS is a proper part of it. */
static void check_parts(const struct x509_cert_info *ci, const uint8_t *data, size_t size)
{
	if (ci->der.len != size || memcmp(ci->der.data, data, size) != 0)
		abort();
	if (ci->tbs.len == 0 || ci->tbs.len >= ci->der.len)
		abort();
	if (ci->version < 1 || ci->version > 3)
		abort();
	if (ci->ski_len > sizeof(ci->ski) || ci->aki_len > sizeof(ci->aki))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_cert_info ci;
	enum x509_key_type type;
	unsigned bits;
	char err[256], name[1024];

	memset(&ci, 0, sizeof(ci));
	if (x509_cert_decode(data, size, &ci, err, sizeof(err)) != 0)
		return 0;
	check_parts(&ci, data, size);
	(void)x509_name_format(ci.issuer.data, ci.issuer.len, name, sizeof(name));
	(void)x509_name_format(ci.subject.data, ci.subject.len, name, sizeof(name));
	(void)x509_name_format(ci.subject.data, ci.subject.len, name, 8); /* short buffer */
	(void)x509_spki_key(ci.spki.data, ci.spki.len, &type, &bits);
	x509_cert_info_free(&ci);
	return 0;
}
