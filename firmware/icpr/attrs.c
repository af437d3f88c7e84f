/* The request attribute string (pctbAttribs, MS-WCCE pwszAttributes): a
 * NUL-terminated UTF-16 string of Name:Value lines. Names are case-insensitive.
 * What is refused and why is in icpr.h; the limits keep the whole string within
 * what the ledger records (LEDGER_TEXT_MAX: firmware/custodian/msg.c checks it, the
 * one place that includes both) and the custodian accepts. */
#include "firmware/icpr/icpr_int.h"

#include "platform/hex.h"

#include <string.h>

_Static_assert(ICPR_ATTR_TEXT_MAX < UINT16_MAX, "store offsets are 16-bit");

static void attrs_clear(struct icpr_attrs *out)
{
	out->n = 0;
	out->text_len = 0;
	out->text[0] = 0;
	out->store[0] = 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trims spaces and tabs from both ends of [*b, *e). */
static void trim(const char **b, const char **e)
{
	while (*b < *e && is_blank(**b))
		(*b)++;
	while (*e > *b && is_blank((*e)[-1]))
		(*e)--;
}

static int name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int check_name(const char *b, const char *e)
{
	if (b == e)
		return ICPR_EINVAL;
	if ((size_t)(e - b) > ICPR_ATTR_NAME_MAX)
		return ICPR_ETOOLONG;
	for (const char *p = b; p < e; p++)
		if (!name_char(*p))
			return ICPR_EINVAL;
	return ICPR_OK;
}

/* Values are UTF-8 already checked; control characters are refused so that
 * what reaches the ledger and the logs is one line of text. */
static int check_value(const char *b, const char *e)
{
	if ((size_t)(e - b) > ICPR_ATTR_VALUE_MAX)
		return ICPR_ETOOLONG;
	for (const char *p = b; p < e; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ICPR_EINVAL;
	return ICPR_OK;
}

/* Appends [b, e) and a NUL to the store; its offset into *off. */
static int store_put(struct icpr_attrs *at, size_t *used, const char *b, const char *e,
		     uint16_t *off)
{
	size_t n = (size_t)(e - b);

	if (n + 1 > sizeof at->store - *used)
		return ICPR_ETOOLONG;
	memcpy(at->store + *used, b, n);
	at->store[*used + n] = 0;
	*off = (uint16_t)*used;
	*used += n + 1;
	return ICPR_OK;
}

static int add_pair(struct icpr_attrs *at, size_t *used, const char *nb, const char *ne,
		    const char *vb, const char *ve)
{
	int rc = check_name(nb, ne);

	if (rc == ICPR_OK)
		rc = check_value(vb, ve);
	if (rc != ICPR_OK)
		return rc;
	if (at->n == ICPR_ATTR_MAX_COUNT)
		return ICPR_ETOOLONG;
	if ((rc = store_put(at, used, nb, ne, &at->a[at->n].name)) != ICPR_OK)
		return rc;
	/* A second line with the same name is refused rather than resolved: first
	 * or last wins is exactly the ambiguity two readers could disagree on. */
	if (icpr_attrs_get(at, at->store + at->a[at->n].name) != NULL)
		return ICPR_EINVAL;
	if ((rc = store_put(at, used, vb, ve, &at->a[at->n].value)) != ICPR_OK)
		return rc;
	at->n++;
	return ICPR_OK;
}

/* One line without its "\n" (a "\r" before it is removed here). */
static int parse_line(struct icpr_attrs *at, size_t *used, const char *b, const char *e)
{
	const char *colon;

	if (e > b && e[-1] == '\r')
		e--;
	if (memchr(b, '\r', (size_t)(e - b)) != NULL)
		return ICPR_EINVAL; /* a lone CR: not a separator we accept */
	trim(&b, &e);
	if (b == e)
		return ICPR_OK; /* empty line */
	colon = memchr(b, ':', (size_t)(e - b));
	if (colon == NULL)
		return ICPR_EINVAL;
	const char *ne = colon, *vb = colon + 1;
	trim(&b, &ne);
	trim(&vb, &e);
	return add_pair(at, used, b, ne, vb, e);
}

static int parse_text(struct icpr_attrs *at)
{
	const char *p = at->text, *end = at->text + at->text_len;
	size_t used = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl != NULL ? nl : end;
		int rc = parse_line(at, &used, p, le);

		if (rc != ICPR_OK)
			return rc;
		p = nl != NULL ? nl + 1 : end;
	}
	return ICPR_OK;
}

int icpr_attrs_parse(const char *text, size_t len, struct icpr_attrs *out)
{
	int rc;

	attrs_clear(out);
	if (len > ICPR_ATTR_TEXT_MAX)
		return ICPR_ETOOLONG;
	if (len > 0 && (text == NULL || !icpri_utf8_valid(text, len)))
		return ICPR_EINVAL;
	if (len > 0)
		memcpy(out->text, text, len);
	out->text[len] = 0;
	out->text_len = len;
	rc = parse_text(out);
	if (rc != ICPR_OK)
		attrs_clear(out);
	return rc;
}

int icpr_attrs_from_blob(const uint8_t *pb, size_t cb, struct icpr_attrs *out)
{
	size_t units, len;
	int rc;

	attrs_clear(out);
	if (cb == 0)
		return ICPR_OK;
	if (pb == NULL || icpr_utf16_len(pb, cb, &units) != ICPR_OK || (units + 1) * 2 != cb)
		return ICPR_EINVAL;
	/* Every unit is at least one UTF-8 byte: a cheap early bound. */
	if (units > ICPR_ATTR_TEXT_MAX)
		return ICPR_ETOOLONG;
	rc = icpr_utf16_to_utf8(pb, units * 2, out->text, sizeof out->text, &len);
	if (rc != ICPR_OK) {
		attrs_clear(out);
		return rc;
	}
	out->text_len = len;
	rc = parse_text(out);
	if (rc != ICPR_OK)
		attrs_clear(out);
	return rc;
}

int icpr_serial_from_blob(const uint8_t *pb, size_t cb, uint8_t serial[ICPR_SERIAL_MAX],
			  size_t *len)
{
	char text[4 * ICPR_SERIAL_MAX + 1];
	size_t units, n = 0, tl, i = 0;

	*len = 0;
	if (pb == NULL || icpr_utf16_len(pb, cb, &units) != ICPR_OK || (units + 1) * 2 != cb ||
	    units >= sizeof(text) ||
	    icpr_utf16_to_utf8(pb, units * 2, text, sizeof(text), &tl) != ICPR_OK)
		return ICPR_EINVAL;
	/* byte pairs, a single blank allowed between two of them */
	while (i < tl) {
		int hi, lo;

		if (text[i] == ' ' && n > 0 && i + 1 < tl && text[i + 1] != ' ')
			i++;
		if (i + 1 >= tl || (hi = hex_value((unsigned char)text[i])) < 0 ||
		    (lo = hex_value((unsigned char)text[i + 1])) < 0 ||
		    n == ICPR_SERIAL_MAX)
			return ICPR_EINVAL;
		serial[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (n == 0)
		return ICPR_EINVAL;
	*len = n;
	return ICPR_OK;
}

const char *icpr_attrs_name(const struct icpr_attrs *at, size_t i)
{
	return i < at->n ? at->store + at->a[i].name : NULL;
}

const char *icpr_attrs_value(const struct icpr_attrs *at, size_t i)
{
	return i < at->n ? at->store + at->a[i].value : NULL;
}

const char *icpr_attrs_get(const struct icpr_attrs *at, const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < at->n; i++)
		if (icpri_ascii_eq(at->store + at->a[i].name, name))
			return at->store + at->a[i].value;
	return NULL;
}
