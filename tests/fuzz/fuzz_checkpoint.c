/* libFuzzer target: the ledger checkpoint decoder (firmware/x509/checkpoint.c),
 * what the custodian reads back from the token's anchor objects and caadm from
 * a file given to `verify --checkpoint`: x509_checkpoint_decode on the input, and
 * x509_checkpoint_verify with a fixed P-256 key (a forged input must never
 * verify; the decode path up to the signature runs). What decodes must keep the
 * header's promises (seq >= 1, one of the CA's algorithms) and re-encode: its
 * body written again by x509_checkpoint_tbs_encode is the one the input holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A P-256 SubjectPublicKeyInfo (the generator point, a valid public key whose
 * private key, 1, no input signs with by accident). */
static const uint8_t spki[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
	0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6b,
	0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
	0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8,
	0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
	0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb,
	0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_checkpoint c, v;
	struct x509_buf tbs = {0};
	char err[256];

	if (x509_checkpoint_decode(data, size, &c, err, sizeof err) != 0) {
		if (!all_zero(&c, sizeof c)) /* zeroed on failure */
			abort();
	} else {
		if (c.seq == 0 || c.sigalg == X509_SIG_NONE)
			abort();
		/* The body re-encodes to bytes found in the input (one encoding). */
		if (x509_checkpoint_tbs_encode(&c, &tbs, err, sizeof err) == 0) {
			if (tbs.len > size || memmem(data, size, tbs.data, tbs.len) == NULL)
				abort();
			x509_buf_free(&tbs);
		}
	}
	if (x509_checkpoint_verify(data, size, spki, sizeof spki, &v, err, sizeof err) == 0)
		abort(); /* nobody holds the key */
	return 0;
}
