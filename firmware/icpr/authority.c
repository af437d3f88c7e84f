/* pwszAuthority: does the client address this CA? MS-WCCE 3.2.1.4.2.1 accepts
 * the CA's common name or its sanitized name, case-insensitively; the sanitizing
 * rules are MS-WCCE 3.1.1.4.1.1 (short name and hash), 3.1.1.4.1.1.1 (hash) and
 * 3.1.1.4.1.1.2 (disallowed characters). The sanitized short name is accepted as
 * well: it is what a client that found the CA in a directory would know. */
#include "firmware/icpr/icpr_int.h"
#include "platform/utf8.h"

#include <stdio.h>
#include <string.h>

#define SHORT_BASE 51 /* characters kept before "-hash" */

/* The CA name as UTF-16 code units. */
static int name_units(const char *name, uint16_t *u, size_t *n)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t len, i = 0;

	*n = 0;
	if (name == NULL)
		return ICPR_EINVAL;
	len = strnlen(name, 4 * ICPR_CA_NAME_MAX + 1);
	if (len == 0 || len > 4 * ICPR_CA_NAME_MAX)
		return ICPR_EINVAL;
	while (i < len) {
		uint32_t c = 0;
		size_t k = utf8_next(p + i, len - i, &c);
		size_t need = c >= 0x10000 ? 2 : 1;

		if (k == 0 || c == 0)
			return ICPR_EINVAL;
		if (*n + need > ICPR_CA_NAME_MAX)
			return ICPR_EINVAL;
		if (need == 2) {
			u[(*n)++] = (uint16_t)(0xd800 | ((c - 0x10000) >> 10));
			u[(*n)++] = (uint16_t)(0xdc00 | ((c - 0x10000) & 0x3ff));
		} else {
			u[(*n)++] = (uint16_t)c;
		}
		i += k;
	}
	return ICPR_OK;
}

/* MS-WCCE 3.1.1.4.1.1.2. */
static int disallowed(uint16_t u)
{
	return u < 0x20 || u >= 0x7f || strchr("!\"#%&'()*+,/:;<=>?[\\]^`{|}", u) != NULL;
}

static int sanitize_units(const uint16_t *u, size_t n, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = disallowed(u[i]) ? 5 : 1;
		if (o + k >= outsz) /* room for the NUL too */
			return ICPR_ETOOLONG;
		if (k == 5)
			snprintf(out + o, 6, "!%04x", u[i]);
		else
			out[o] = (char)u[i];
		o += k;
	}
	out[o] = 0;
	return ICPR_OK;
}

int icpr_sanitize_name(const char *ca_name, char *out, size_t outsz)
{
	uint16_t u[ICPR_CA_NAME_MAX];
	size_t n;
	int rc;

	if (out == NULL || outsz == 0)
		return ICPR_ETOOLONG;
	out[0] = 0;
	rc = name_units(ca_name, u, &n);
	if (rc == ICPR_OK)
		rc = sanitize_units(u, n, out, outsz);
	if (rc != ICPR_OK)
		out[0] = 0;
	return rc;
}

/* Where to cut a sanitized name at SHORT_BASE characters: back to the start of
 * an escape that the cut would split ("!002" of "!0023" goes whole). */
static size_t short_cut(const char *s)
{
	size_t cut = SHORT_BASE;

	/* '!' only ever starts an escape (a literal '!' is itself escaped), and an
	 * escape is 5 characters: one starting 1..4 characters before the cut is
	 * split by it. */
	for (size_t back = 1; back <= 4; back++)
		if (s[cut - back] == '!')
			return cut - back;
	return cut;
}

/* MS-WCCE 3.1.1.4.1.1.1: a 16-bit rotate-left-and-add over the characters cut. */
static unsigned short_hash(const char *excess)
{
	uint16_t h = 0;

	for (const unsigned char *p = (const unsigned char *)excess; *p; p++) {
		uint16_t low = (h & 0x8000) ? 1 : 0;
		h = (uint16_t)(((uint16_t)(h << 1) | low) + *p);
	}
	return h;
}

int icpr_sanitize_short_name(const char *ca_name, char *out, size_t outsz)
{
	char full[ICPR_SANITIZED_MAX];
	size_t len, cut;
	int rc;

	if (out == NULL || outsz == 0)
		return ICPR_ETOOLONG;
	out[0] = 0;
	rc = icpr_sanitize_name(ca_name, full, sizeof full);
	if (rc != ICPR_OK)
		return rc;
	len = strlen(full);
	if (len <= SHORT_BASE) {
		if (len >= outsz)
			return ICPR_ETOOLONG;
		memcpy(out, full, len + 1);
		return ICPR_OK;
	}
	cut = short_cut(full);
	if (cut + 7 > outsz)
		return ICPR_ETOOLONG;
	memcpy(out, full, cut);
	snprintf(out + cut, 7, "-%05u", short_hash(full + cut));
	return ICPR_OK;
}

uint16_t icpri_fold(uint16_t u)
{
	if ((u >= 'A' && u <= 'Z') || (u >= 0xc0 && u <= 0xde && u != 0xd7))
		return (uint16_t)(u + 0x20);
	/* Latin Extended-A: capital/small pairs, even/odd below U+0138 (except the
	 * dotted/dotless i pair), odd/even from U+0139 to U+0148 and U+0179 to
	 * U+017E, even/odd again from U+014A to U+0177; U+0178 is Y diaeresis. */
	if (u >= 0x100 && u <= 0x137 && u != 0x130 && u != 0x131 && (u & 1) == 0)
		return (uint16_t)(u + 1);
	if (((u >= 0x139 && u <= 0x148) || (u >= 0x179 && u <= 0x17e)) && (u & 1) == 1)
		return (uint16_t)(u + 1);
	if (u >= 0x14a && u <= 0x177 && (u & 1) == 0)
		return (uint16_t)(u + 1);
	if (u == 0x178)
		return 0xff;
	if (u >= 0x391 && u <= 0x3a9 && u != 0x3a2) /* Greek */
		return (uint16_t)(u + 0x20);
	if (u >= 0x410 && u <= 0x42f) /* Cyrillic */
		return (uint16_t)(u + 0x20);
	if (u >= 0x400 && u <= 0x40f)
		return (uint16_t)(u + 0x50);
	return u;
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
}

int icpri_ascii_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

/* Case-insensitive equality of n wire units with m host units. */
static int units_eq(const uint8_t *w, size_t n, const uint16_t *u, size_t m)
{
	if (n != m)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (icpri_fold(icpri_unit(w, i)) != icpri_fold(u[i]))
			return 0;
	return 1;
}

/* The same against an ASCII string (the sanitized names). */
static int units_eq_ascii(const uint8_t *w, size_t n, const char *s)
{
	size_t m = strlen(s);

	if (n != m)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (icpri_fold(icpri_unit(w, i)) != icpri_fold((unsigned char)s[i]))
			return 0;
	return 1;
}

int icpr_authority_match(const uint8_t *wsz, size_t nbytes, const char *ca_name)
{
	uint16_t u[ICPR_CA_NAME_MAX];
	char san[ICPR_SANITIZED_MAX], shortname[ICPR_SHORT_NAME_MAX + 1];
	size_t n, m;

	if (wsz == NULL || nbytes == 0 || nbytes % 2 != 0 || !icpr_utf16_valid(wsz, nbytes))
		return 0;
	n = nbytes / 2;
	if (icpri_unit(wsz, n - 1) == 0)
		n--; /* the [string] terminator */
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (icpri_unit(wsz, i) == 0)
			return 0;
	if (name_units(ca_name, u, &m) != ICPR_OK)
		return 0;
	if (units_eq(wsz, n, u, m))
		return 1;
	if (sanitize_units(u, m, san, sizeof san) == ICPR_OK && units_eq_ascii(wsz, n, san))
		return 1;
	return icpr_sanitize_short_name(ca_name, shortname, sizeof shortname) == ICPR_OK &&
	       units_eq_ascii(wsz, n, shortname);
}
