/* UTF-16LE as the wire carries it (pwszAuthority, pctbAttribs,
 * pctbDispositionMessage) and UTF-8 as the rest of the CA keeps text. Both
 * directions are strict (UTF-8 by platform/utf8.h's one rule): a lone surrogate,
 * an overlong UTF-8 form or an encoded surrogate is an error, never replaced by U+FFFD, so that what the ledger
 * records is exactly what the client sent. */
#include "firmware/icpr/icpr_int.h"
#include "platform/utf8.h"

#include <string.h>

uint16_t icpri_unit(const uint8_t *p, size_t i)
{
	return (uint16_t)(p[2 * i] | (p[2 * i + 1] << 8));
}

static int is_high(uint16_t u)
{
	return u >= 0xd800 && u <= 0xdbff;
}

static int is_low(uint16_t u)
{
	return u >= 0xdc00 && u <= 0xdfff;
}

int icpr_utf16_valid(const uint8_t *p, size_t nbytes)
{
	size_t n = nbytes / 2;

	if (nbytes % 2 != 0 || (p == NULL && nbytes != 0))
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint16_t u = icpri_unit(p, i);
		if (is_low(u))
			return 0;
		if (is_high(u)) {
			if (i + 1 == n || !is_low(icpri_unit(p, i + 1)))
				return 0;
			i++;
		}
	}
	return 1;
}

int icpr_utf16_len(const uint8_t *p, size_t nbytes, size_t *units)
{
	*units = 0;
	if (p == NULL || nbytes % 2 != 0)
		return ICPR_EINVAL;
	for (size_t i = 0; i < nbytes / 2; i++) {
		if (icpri_unit(p, i) == 0) {
			*units = i;
			return ICPR_OK;
		}
	}
	return ICPR_EINVAL;
}

int icpr_utf16_to_utf8(const uint8_t *p, size_t nbytes, char *out, size_t outsz,
		       size_t *outlen)
{
	size_t n = nbytes / 2, o = 0;

	if (outlen != NULL)
		*outlen = 0;
	if (out == NULL || outsz == 0)
		return ICPR_ETOOLONG;
	out[0] = 0;
	if (!icpr_utf16_valid(p, nbytes))
		return ICPR_EINVAL;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = icpri_unit(p, i);
		uint8_t b[4];
		size_t k;

		if (c == 0) {
			out[0] = 0;
			return ICPR_EINVAL;
		}
		if (is_high((uint16_t)c)) /* paired: icpr_utf16_valid said so */
			c = 0x10000 + ((c - 0xd800) << 10) + (icpri_unit(p, ++i) - 0xdc00);
		k = utf8_put(c, b);
		if (k > outsz - 1 - o) {
			out[0] = 0;
			return ICPR_ETOOLONG;
		}
		memcpy(out + o, b, k);
		o += k;
	}
	out[o] = 0;
	if (outlen != NULL)
		*outlen = o;
	return ICPR_OK;
}

int icpri_utf8_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;

	if (s == NULL)
		return len == 0;
	while (i < len) {
		uint32_t c;
		size_t k = utf8_next(p + i, len - i, &c);
		if (k == 0 || c == 0)
			return 0;
		i += k;
	}
	return 1;
}

static void put_unit(uint8_t *out, size_t at, uint16_t u)
{
	out[at] = (uint8_t)(u & 0xff);
	out[at + 1] = (uint8_t)(u >> 8);
}

int icpr_utf8_to_utf16(const char *s, size_t len, uint8_t *out, size_t outsz,
		       size_t *outlen)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, need = 2;

	*outlen = 0;
	if (!icpri_utf8_valid(s, len))
		return ICPR_EINVAL;
	/* First pass sizes, so that nothing is written when it does not fit. */
	while (i < len) {
		uint32_t c;
		i += utf8_next(p + i, len - i, &c);
		need += c >= 0x10000 ? 4 : 2;
	}
	*outlen = need;
	if (out == NULL)
		return ICPR_OK;
	if (need > outsz)
		return ICPR_ETOOLONG;
	for (i = 0, need = 0; i < len;) {
		uint32_t c;
		i += utf8_next(p + i, len - i, &c);
		if (c >= 0x10000) {
			c -= 0x10000;
			put_unit(out, need, (uint16_t)(0xd800 | (c >> 10)));
			put_unit(out, need + 2, (uint16_t)(0xdc00 | (c & 0x3ff)));
			need += 4;
		} else {
			put_unit(out, need, (uint16_t)c);
			need += 2;
		}
	}
	put_unit(out, need, 0);
	return ICPR_OK;
}
