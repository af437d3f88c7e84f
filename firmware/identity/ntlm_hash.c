/* NTLM one-way functions (ntlm_hash.h) with wolfCrypt's MD4 and HMAC-MD5. */
#include "firmware/identity/ntlm_hash.h"
#include "platform/utf8.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/md4.h>

#define MAX_UNITS 512 /* UTF-16 code units of one converted string */

/* One UTF-16 code unit, little-endian, at unit n of out. */
static void put_unit(uint8_t *out, size_t n, uint32_t u)
{
	out[2 * n] = (uint8_t)u;
	out[2 * n + 1] = (uint8_t)(u >> 8);
}

/* UTF-8 to UTF-16LE with optional ASCII uppercasing; the number of octets, or -1
 * (malformed UTF-8, a NUL, or more than units_max code units). */
static long utf16le(const char *s, size_t len, int upper, uint8_t *out, size_t units_max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, n = 0;

	while (i < len) {
		uint32_t c;
		size_t k = utf8_next(p + i, len - i, &c);

		if (k == 0 || c == 0)
			return -1;
		i += k;
		if (upper && c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		if (n + (c >= 0x10000 ? 2 : 1) > units_max)
			return -1;
		if (c >= 0x10000) {
			c -= 0x10000;
			put_unit(out, n++, 0xd800 | c >> 10);
			c = 0xdc00 | (c & 0x3ff);
		}
		put_unit(out, n++, c);
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
