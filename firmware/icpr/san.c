/* The SAN: request attribute ("dns=a&upn=b@c&..."), parsed into typed entries.
 * This is the input of the attack class known as ESC6: the parser only says
 * what the requester asked for; the policy decides (and by default ignores it). */
#include "firmware/icpr/icpr_int.h"
#include "platform/hex.h"

#include <arpa/inet.h>
#include <string.h>

static const struct {
	const char *name;
	enum icpr_san_type type;
} san_types[] = {
	{"dns", ICPR_SAN_DNS}, {"email", ICPR_SAN_EMAIL}, {"upn", ICPR_SAN_UPN},
	{"ipaddress", ICPR_SAN_IP}, {"url", ICPR_SAN_URL}, {"guid", ICPR_SAN_GUID},
	{"dn", ICPR_SAN_DN},
};
#define N_TYPES (sizeof san_types / sizeof san_types[0])

const char *icpr_san_type_name(enum icpr_san_type type)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (san_types[i].type == type)
			return san_types[i].name;
	return NULL;
}

static int type_of(const char *b, size_t n, enum icpr_san_type *t)
{
	char key[16];

	if (n == 0 || n >= sizeof key)
		return ICPR_EINVAL;
	memcpy(key, b, n);
	key[n] = 0;
	for (size_t i = 0; i < N_TYPES; i++) {
		if (icpri_ascii_eq(key, san_types[i].name)) {
			*t = san_types[i].type;
			return ICPR_OK;
		}
	}
	return ICPR_EINVAL;
}

static int printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int ldh(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* Labels of [A-Za-z0-9_-], 1..63 each, separated by single dots; "*." first
 * is allowed (a wildcard request; the policy decides about it). */
static int dns_ok(const char *s)
{
	size_t label = 0;

	if (s[0] == '*' && s[1] == '.')
		s += 2;
	if (*s == 0 || strlen(s) > 253)
		return 0;
	for (; *s; s++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (!ldh(*s) || ++label > 63) {
			return 0;
		}
	}
	return label > 0;
}

static int one_at(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && at[1] != 0 && strchr(at + 1, '@') == NULL;
}

/* rfc822Name is an IA5String: local@domain in printable ASCII. */
static int email_ok(const char *s)
{
	return printable_ascii(s) && one_at(s);
}

/* The UPN otherName is a UTF8String: any UTF-8 (already checked) without
 * spaces or control characters, around one '@'. */
static int upn_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return one_at(s);
}

/* {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}, dashes and braces optional, into
 * Windows' binary GUID (Data1, Data2, Data3 little-endian; Data4 as written). */
static int guid_parse(const char *s, uint8_t out[16])
{
	static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t text[16] = {0};
	size_t n = 0, len = strlen(s);

	if (len > 0 && s[0] == '{') {
		if (len < 2 || s[len - 1] != '}')
			return 0;
		s++;
		len -= 2;
	}
	for (size_t i = 0; i < len; i++) {
		int v = hex_value(s[i]);

		if (s[i] == '-')
			continue;
		if (v < 0 || n == 32)
			return 0;
		text[n / 2] = (uint8_t)(text[n / 2] | (n % 2 == 0 ? v << 4 : v));
		n++;
	}
	if (n != 32)
		return 0;
	for (size_t i = 0; i < 16; i++)
		out[i] = text[order[i]];
	return 1;
}

static int check_entry(struct icpr_san_entry *e, const char *v)
{
	switch (e->type) {
	case ICPR_SAN_DNS:
		return dns_ok(v) ? ICPR_OK : ICPR_EINVAL;
	case ICPR_SAN_EMAIL:
		return email_ok(v) ? ICPR_OK : ICPR_EINVAL;
	case ICPR_SAN_UPN:
		return upn_ok(v) ? ICPR_OK : ICPR_EINVAL;
	case ICPR_SAN_URL:
		return printable_ascii(v) ? ICPR_OK : ICPR_EINVAL;
	case ICPR_SAN_IP:
		if (inet_pton(AF_INET, v, e->bin) == 1) {
			e->bin_len = 4;
			return ICPR_OK;
		}
		if (inet_pton(AF_INET6, v, e->bin) == 1) {
			e->bin_len = 16;
			return ICPR_OK;
		}
		return ICPR_EINVAL;
	case ICPR_SAN_GUID:
		e->bin_len = 16;
		return guid_parse(v, e->bin) ? ICPR_OK : ICPR_EINVAL;
	case ICPR_SAN_DN:
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return ICPR_EINVAL;
		return ICPR_OK;
	}
	return ICPR_EINVAL;
}

/* One "type=value" pair [b, e). */
static int add_pair(struct icpr_san *s, size_t *used, const char *b, const char *e)
{
	const char *eq = memchr(b, '=', (size_t)(e - b));
	struct icpr_san_entry *ent;
	size_t vlen;
	int rc;

	if (eq == NULL || eq + 1 == e)
		return ICPR_EINVAL;
	if (s->n == ICPR_SAN_MAX)
		return ICPR_ETOOLONG;
	ent = &s->e[s->n];
	memset(ent, 0, sizeof *ent);
	if ((rc = type_of(b, (size_t)(eq - b), &ent->type)) != ICPR_OK)
		return rc;
	vlen = (size_t)(e - eq - 1);
	if (vlen > ICPR_SAN_VALUE_MAX)
		return ICPR_ETOOLONG;
	if (vlen + 1 > sizeof s->store - *used)
		return ICPR_ETOOLONG;
	memcpy(s->store + *used, eq + 1, vlen);
	s->store[*used + vlen] = 0;
	ent->off = (uint16_t)*used;
	ent->len = (uint16_t)vlen;
	if ((rc = check_entry(ent, s->store + *used)) != ICPR_OK)
		return rc;
	*used += vlen + 1;
	s->n++;
	return ICPR_OK;
}

int icpr_san_parse(const char *value, size_t len, struct icpr_san *out)
{
	const char *p = value, *end = value + len;
	size_t used = 0;

	out->n = 0;
	out->store[0] = 0;
	if (len == 0 || value == NULL || !icpri_utf8_valid(value, len))
		return ICPR_EINVAL;
	if (len > ICPR_ATTR_VALUE_MAX)
		return ICPR_ETOOLONG;
	while (p <= end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp != NULL ? amp : end;
		int rc = pe == p ? ICPR_EINVAL : add_pair(out, &used, p, pe);

		if (rc != ICPR_OK) {
			out->n = 0;
			return rc;
		}
		if (amp == NULL)
			break;
		p = amp + 1;
	}
	return ICPR_OK;
}

const char *icpr_san_value(const struct icpr_san *s, size_t i)
{
	return i < s->n ? s->store + s->e[i].off : NULL;
}
