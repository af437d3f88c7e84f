/* UTF-8 decoding and encoding; see utf8.h. */
#include "platform/utf8.h"

#include <string.h>

static int is_surrogate(uint32_t cp)
{
	return cp >= 0xd800 && cp <= 0xdfff;
}

/* The length a lead byte announces (2..4) and its payload bits, or 0. C0 and C1
 * can only start overlong forms of ASCII, F5..FF only values beyond U+10FFFF:
 * they are refused here, the rest of the overlong and range rules below. */
static size_t lead(uint8_t b, uint32_t *bits)
{
	if (b >= 0xc2 && b <= 0xdf) {
		*bits = b & 0x1f;
		return 2;
	}
	if (b >= 0xe0 && b <= 0xef) {
		*bits = b & 0x0f;
		return 3;
	}
	if (b >= 0xf0 && b <= 0xf4) {
		*bits = b & 0x07;
		return 4;
	}
	return 0;
}

size_t utf8_next(const uint8_t *s, size_t len, uint32_t *cp)
{
	static const uint32_t shortest[5] = {0, 0, 0x80, 0x800, 0x10000};
	uint32_t c;
	size_t k;

	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	k = lead(s[0], &c);
	if (k == 0 || len < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < shortest[k] || c > UTF8_MAX_CP || is_surrogate(c))
		return 0;
	*cp = c;
	return k;
}

long utf8_count(const uint8_t *s, size_t len)
{
	long chars = 0;

	for (size_t i = 0; i < len; chars++) {
		uint32_t cp;
		size_t k = utf8_next(s + i, len - i, &cp);

		if (k == 0)
			return -1;
		i += k;
	}
	return chars;
}

size_t utf8_put(uint32_t cp, uint8_t b[4])
{
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (is_surrogate(cp) || cp > UTF8_MAX_CP)
		return 0;
	if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (uint8_t)(0xf0 | (cp >> 18));
	b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	b[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

int utf8_invisible(uint32_t cp)
{
	return cp == 0xad || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff;
}

int utf8_from_utf16le(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	size_t n = 0, k;
	uint8_t b[4];

	if (outlen == 0)
		return -1;
	if (len % 2 != 0)
		goto bad;
	for (size_t i = 0; i < len; i += 2) {
		uint32_t c = (uint32_t)(p[i] | p[i + 1] << 8), lo;

		if (c == 0 || (c >= 0xdc00 && c <= 0xdfff))
			goto bad;
		if (c >= 0xd800 && c <= 0xdbff) {
			if (i + 4 > len)
				goto bad;
			lo = (uint32_t)(p[i + 2] | p[i + 3] << 8);
			if (lo < 0xdc00 || lo > 0xdfff)
				goto bad;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		k = utf8_put(c, b);
		if (k == 0 || n + k >= outlen)
			goto bad;
		memcpy(out + n, b, k);
		n += k;
	}
	out[n] = 0;
	return 0;
bad:
	out[0] = 0; /* nothing half-converted is left behind */
	return -1;
}
