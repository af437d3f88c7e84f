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
	/* The extension inventory (what the custodian's lint compares): within the
	 * input's size, OIDs terminated. */
	if (ci->n_ext > 0 && ci->ext == NULL)
		abort();
	for (size_t i = 0; i < ci->n_ext; i++)
		if (ci->ext[i].value.len > ci->der.len ||
		    memchr(ci->ext[i].oid, 0, sizeof(ci->ext[i].oid)) == NULL)
			abort();
}

/* Each extKeyUsage value through x509_eku_decode: what it gives back is a count
 * within its bound and NUL-terminated OIDs. */
static void check_ekus(const struct x509_cert_info *ci)
{
	char oids[X509_MAX_EKU][128];
	size_t n;

	for (size_t i = 0; i < ci->n_ext; i++) {
		if (strcmp(ci->ext[i].oid, "2.5.29.37") != 0)
			continue;
		if (x509_eku_decode(&ci->ext[i].value, oids, X509_MAX_EKU, &n, NULL, 0) != 0)
			continue;
		if (n < 1 || n > X509_MAX_EKU)
			abort();
		for (size_t k = 0; k < n; k++)
			if (memchr(oids[k], 0, sizeof(oids[k])) == NULL)
				abort();
	}
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
	check_ekus(&ci);
	(void)x509_name_format(ci.issuer.data, ci.issuer.len, name, sizeof(name));
	(void)x509_name_format(ci.subject.data, ci.subject.len, name, sizeof(name));
	(void)x509_name_format(ci.subject.data, ci.subject.len, name, 8); /* short buffer */
	(void)x509_spki_key(ci.spki.data, ci.spki.len, &type, &bits);
	x509_cert_info_free(&ci);
	return 0;
}
