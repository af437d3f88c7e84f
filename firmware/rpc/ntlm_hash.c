/* NTLM one-way functions (ntlm_hash.h) with wolfCrypt's MD4 and HMAC-MD5. */
#include "firmware/rpc/ntlm_hash.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/md4.h>

#define MAX_UNITS 512 /* UTF-16 code units of one converted string */

/* UTF-8 to UTF-16LE with optional ASCII uppercasing; the number of octets, or -1. */
static long utf16le(const char *s, size_t len, int upper, uint8_t *out, size_t units_max)
{
	size_t i = 0, n = 0;

	while (i < len) {
		uint32_t c = (uint8_t)s[i];
		size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
			      : (c & 0xf8) == 0xf0 ? 3 : 9;

		if (extra == 9 || extra > len - i - 1)
			return -1;
		if (extra > 0)
			c &= 0x3fu >> extra;
		for (size_t k = 1; k <= extra; k++) {
			uint8_t b = (uint8_t)s[i + k];

			if ((b & 0xc0) != 0x80)
				return -1;
			c = c << 6 | (b & 0x3f);
		}
		if (c == 0 || (extra == 1 && c < 0x80) || (extra == 2 && c < 0x800) ||
		    (extra == 3 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c < 0xe000))
			return -1;
		i += extra + 1;
		if (upper && c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (c >= 0x10000) {
			if (n + 2 > units_max)
				return -1;
			c -= 0x10000;
			out[2 * n] = (uint8_t)(0xd800 | c >> 10);
			out[2 * n + 1] = (uint8_t)((0xd800 | c >> 10) >> 8);
			n++;
			c = 0xdc00 | (c & 0x3ff);
		}
		if (n + 1 > units_max)
			return -1;
		out[2 * n] = (uint8_t)c;
		out[2 * n + 1] = (uint8_t)(c >> 8);
		n++;
	}
	return (long)(2 * n);
}

int ntlm_nt_hash(const char *password, size_t len, uint8_t out[16])
{
	uint8_t u[2 * MAX_UNITS];
	long n = utf16le(password, len, 0, u, 256);
	Md4 md4;

	if (n < 0)
		return -1;
	wc_InitMd4(&md4);
	wc_Md4Update(&md4, u, (word32)n);
	wc_Md4Final(&md4, out);
	explicit_bzero(u, sizeof(u));
	explicit_bzero(&md4, sizeof(md4));
	return 0;
}

int ntlm_ntowfv2(const uint8_t nt_hash[16], const char *user, const char *domain,
		 uint8_t out[16])
{
	uint8_t u[2 * MAX_UNITS];
	long a = utf16le(user, strlen(user), 1, u, MAX_UNITS / 2);
	long b = a < 0 ? -1 : utf16le(domain, strlen(domain), 0, u + a, MAX_UNITS / 2);
	Hmac h;
	int rc;

	if (a < 0 || b < 0 || wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -1;
	rc = wc_HmacSetKey(&h, WC_MD5, nt_hash, 16);
	if (rc == 0)
		rc = wc_HmacUpdate(&h, u, (word32)(a + b));
	if (rc == 0)
		rc = wc_HmacFinal(&h, out);
	wc_HmacFree(&h);
	return rc == 0 ? 0 : -1;
}
