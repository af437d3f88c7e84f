/* Distinguished names: RFC 4514 strings to DER Names and back. The string is
 * written most significant RDN last, as LDAP and Windows do, so the first RDN
 * of the string is the last RDN of the DER. */
#include "firmware/x509/x509_int.h"
#include "platform/utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DN_MAX_STRLEN 4096
#define DN_MAX_RDNS 64
#define DN_MAX_AVAS 16
#define OID_VALUE_MAX 256 /* characters, for attributes given as a dotted OID */

/* Upper bounds are RFC 5280 Appendix A's ub-* values, in characters. */
static const struct attr {
	const char *kw;
	const char *oid;
	unsigned etype;
	size_t max;
} attrs[] = {
	{"CN", "2.5.4.3", ASN1_ETYPE_UTF8_STRING, 64},
	{"SERIALNUMBER", "2.5.4.5", ASN1_ETYPE_UTF8_STRING, 64},
	{"C", "2.5.4.6", ASN1_ETYPE_PRINTABLE_STRING, 2},
	{"L", "2.5.4.7", ASN1_ETYPE_UTF8_STRING, 128},
	{"ST", "2.5.4.8", ASN1_ETYPE_UTF8_STRING, 128},
	{"O", "2.5.4.10", ASN1_ETYPE_UTF8_STRING, 64},
	{"OU", "2.5.4.11", ASN1_ETYPE_UTF8_STRING, 64},
	{"DC", "0.9.2342.19200300.100.1.25", ASN1_ETYPE_IA5_STRING, 63},
	{"UID", "0.9.2342.19200300.100.1.1", ASN1_ETYPE_UTF8_STRING, 256},
	{"E", "1.2.840.113549.1.9.1", ASN1_ETYPE_IA5_STRING, 255},
	{"emailAddress", "1.2.840.113549.1.9.1", ASN1_ETYPE_IA5_STRING, 255},
};

#define N_ATTRS (sizeof attrs / sizeof attrs[0])

/* ======================= parsing ======================= */

/* A span [s, e) of the DN string. */
struct span {
	const char *s, *e;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Splits sp at unescaped sep into at most max parts; -1 if more. */
static int split(struct span sp, char sep, struct span *parts, size_t max, size_t *n)
{
	const char *start = sp.s;

	*n = 0;
	for (const char *p = sp.s;; p++) {
		if (p < sp.e && *p == '\\') {
			if (p + 1 < sp.e)
				p++;
			continue;
		}
		if (p == sp.e || *p == sep) {
			if (*n == max)
				return -1;
			parts[(*n)++] = (struct span){start, p};
			start = p + 1;
			if (p == sp.e)
				return 0;
		}
	}
}

static const struct attr *find_keyword(const char *kw, size_t len)
{
	for (size_t i = 0; i < N_ATTRS; i++)
		if (strlen(attrs[i].kw) == len && strncasecmp(attrs[i].kw, kw, len) == 0)
			return &attrs[i];
	return NULL;
}

/* Resolves the key of an AVA: a keyword or a dotted OID (then UTF8String). */
static int parse_key(struct span k, struct attr *out, char *err, size_t errlen)
{
	const struct attr *a;
	char oid[X509I_OID_MAX];
	size_t len;

	while (k.s < k.e && k.s[0] == ' ')
		k.s++;
	while (k.e > k.s && k.e[-1] == ' ')
		k.e--;
	len = (size_t)(k.e - k.s);
	if (len == 0) {
		err_set(err, errlen, "name: empty attribute type");
		return -1;
	}
	a = find_keyword(k.s, len);
	if (a != NULL) {
		*out = *a;
		return 0;
	}
	if (isdigit((unsigned char)k.s[0]) && len < sizeof oid) {
		memcpy(oid, k.s, len);
		oid[len] = 0;
		if (x509i_oid_valid(oid)) {
			for (size_t i = 0; i < N_ATTRS; i++)
				if (strcmp(attrs[i].oid, oid) == 0) {
					*out = attrs[i];
					return 0;
				}
			*out = (struct attr){NULL, NULL, ASN1_ETYPE_UTF8_STRING, OID_VALUE_MAX};
			return 0;
		}
	}
	err_set(err, errlen, "name: unknown attribute type '%.*s'", (int)(len > 32 ? 32 : len),
		k.s);
	return -1;
}

/* Unescapes the value span into val (room for the span's length). Unescaped
 * spaces at either end are dropped; escaped ones are kept. */
static int unescape(struct span v, uint8_t *val, size_t *vlen, const char *kw, char *err,
		    size_t errlen)
{
	size_t n = 0, keep = 0;

	while (v.s < v.e && v.s[0] == ' ')
		v.s++;
	if (v.s < v.e && v.s[0] == '#') {
		err_set(err, errlen, "name: %s: hex-encoded (#) values are not supported", kw);
		return -1;
	}
	for (const char *p = v.s; p < v.e; p++) {
		int c = (unsigned char)*p, escaped = 0;
		if (c == '\\') {
			int h1 = p + 1 < v.e ? hexval(p[1]) : -1;
			int h2 = p + 2 < v.e ? hexval(p[2]) : -1;
			if (h1 >= 0 && h2 >= 0) {
				c = h1 * 16 + h2;
				p += 2;
			} else if (p + 1 < v.e && strchr(" \"#+,;<=>\\", p[1]) != NULL) {
				c = (unsigned char)*++p;
			} else {
				err_set(err, errlen, "name: %s: bad escape sequence", kw);
				return -1;
			}
			escaped = 1;
		}
		if (c == 0) {
			err_set(err, errlen, "name: %s: NUL character in value", kw);
			return -1;
		}
		val[n++] = (uint8_t)c;
		if (c != ' ' || escaped)
			keep = n;
	}
	*vlen = keep;
	if (keep == 0) {
		err_set(err, errlen, "name: %s: empty value", kw);
		return -1;
	}
	return 0;
}

static int printable_char(uint8_t c)
{
	return isalnum(c) || (c != 0 && strchr(" '()+,-./:=?", c) != NULL);
}

/* Checks the value against the attribute's string type and bound. */
static int check_value(const struct attr *a, const char *kw, const uint8_t *v, size_t len,
		       char *err, size_t errlen)
{
	long chars = (long)len;

	if (a->etype == ASN1_ETYPE_PRINTABLE_STRING) {
		for (size_t i = 0; i < len; i++)
			if (!printable_char(v[i])) {
				err_set(err, errlen, "name: %s: not a PrintableString", kw);
				return -1;
			}
	} else if (a->etype == ASN1_ETYPE_IA5_STRING) {
		for (size_t i = 0; i < len; i++)
			if (v[i] >= 0x80) {
				err_set(err, errlen, "name: %s: not an IA5String (ASCII)", kw);
				return -1;
			}
	} else {
		chars = utf8_count(v, len);
		if (chars < 0) {
			err_set(err, errlen, "name: %s: not valid UTF-8", kw);
			return -1;
		}
	}
	if (strcmp(a->oid ? a->oid : "", "2.5.4.6") == 0 &&
	    (len != 2 || !isalpha(v[0]) || !isalpha(v[1]))) {
		err_set(err, errlen, "name: C must be a 2-letter country code");
		return -1;
	}
	if ((size_t)chars > a->max) {
		err_set(err, errlen, "name: %s: value longer than %zu characters", kw, a->max);
		return -1;
	}
	return 0;
}

/* Appends one AttributeTypeAndValue to the last RDN of node. */
static int write_ava(asn1_node node, const char *oid, unsigned etype, const uint8_t *v,
		     size_t len, char *err, size_t errlen)
{
	uint8_t tl[ASN1_MAX_TL_SIZE];
	unsigned tl_len = sizeof tl;
	uint8_t *tlv;
	int rc;

	if (asn1_encode_simple_der(etype, v, (unsigned)len, tl, &tl_len) != ASN1_SUCCESS)
		goto fail;
	tlv = malloc(tl_len + len);
	if (tlv == NULL)
		goto fail;
	memcpy(tlv, tl, tl_len);
	memcpy(tlv + tl_len, v, len);
	rc = asn1_write_value(node, "rdnSequence.?LAST", "NEW", 1) == ASN1_SUCCESS &&
	     asn1_write_value(node, "rdnSequence.?LAST.?LAST.type", oid, 1) == ASN1_SUCCESS &&
	     asn1_write_value(node, "rdnSequence.?LAST.?LAST.value", tlv, (int)(tl_len + len)) ==
		     ASN1_SUCCESS;
	free(tlv);
	if (rc)
		return 0;
fail:
	err_set(err, errlen, "name: cannot encode attribute %s", oid);
	return -1;
}

/* One "key=value" of an RDN. */
static int parse_ava(asn1_node node, struct span ava, char *err, size_t errlen)
{
	const char *eq = NULL;
	struct attr a;
	char oidbuf[X509I_OID_MAX];
	const char *kw;
	uint8_t *val;
	size_t vlen = 0;
	int rc;

	for (const char *p = ava.s; p < ava.e && eq == NULL; p++)
		if (*p == '=')
			eq = p;
	if (eq == NULL) {
		err_set(err, errlen, "name: attribute without '='");
		return -1;
	}
	if (parse_key((struct span){ava.s, eq}, &a, err, errlen) != 0)
		return -1;
	if (a.oid == NULL) {
		/* A dotted OID: parse_key validated it; keep a NUL-terminated copy. */
		const char *s = ava.s;
		size_t n;
		while (*s == ' ')
			s++;
		n = (size_t)(eq - s);
		while (n > 0 && s[n - 1] == ' ')
			n--;
		memcpy(oidbuf, s, n);
		oidbuf[n] = 0;
		a.oid = oidbuf;
	}
	kw = a.kw ? a.kw : a.oid;
	val = malloc((size_t)(ava.e - eq) + 1);
	if (val == NULL) {
		err_set(err, errlen, "name: out of memory");
		return -1;
	}
	rc = unescape((struct span){eq + 1, ava.e}, val, &vlen, kw, err, errlen) == 0 &&
	     check_value(&a, kw, val, vlen, err, errlen) == 0 &&
	     write_ava(node, a.oid, a.etype, val, vlen, err, errlen) == 0;
	free(val);
	return rc ? 0 : -1;
}

static int parse_rdn(asn1_node node, struct span rdn, char *err, size_t errlen)
{
	struct span avas[DN_MAX_AVAS];
	size_t n;

	if (split(rdn, '+', avas, DN_MAX_AVAS, &n) != 0) {
		err_set(err, errlen, "name: more than %d values in one RDN", DN_MAX_AVAS);
		return -1;
	}
	if (asn1_write_value(node, "rdnSequence", "NEW", 1) != ASN1_SUCCESS) {
		err_set(err, errlen, "name: cannot add an RDN");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (parse_ava(node, avas[i], err, errlen) != 0)
			return -1;
	return 0;
}

int x509_name_parse(const char *dn, struct x509_buf *der, char *err, size_t errlen)
{
	struct span rdns[DN_MAX_RDNS];
	asn1_node node = NULL;
	size_t n, len;
	int rc = -1;

	der->data = NULL;
	der->len = 0;
	len = dn ? strnlen(dn, DN_MAX_STRLEN + 1) : 0;
	if (len == 0 || len > DN_MAX_STRLEN) {
		err_set(err, errlen, "name: empty or longer than %d characters", DN_MAX_STRLEN);
		return -1;
	}
	if (split((struct span){dn, dn + len}, ',', rdns, DN_MAX_RDNS, &n) != 0) {
		err_set(err, errlen, "name: more than %d RDNs", DN_MAX_RDNS);
		return -1;
	}
	if (asn1_new("PKIX.Name", &node) != 0 ||
	    asn1_write_value(node, "", "rdnSequence", 1) != ASN1_SUCCESS) {
		asn1_delete_structure(&node);
		err_set(err, errlen, "name: ASN.1 definitions unavailable");
		return -1;
	}
	/* Most significant last in the string, first in the DER. */
	for (size_t i = n; i-- > 0;)
		if (parse_rdn(node, rdns[i], err, errlen) != 0)
			goto out;
	if (asn1_encode(node, "", &der->data, &der->len, err, errlen) == 0)
		rc = 0;
out:
	asn1_delete_structure(&node);
	return rc;
}

/* ======================= formatting ======================= */

struct out {
	char *p;
	size_t len, cap;
	int overflow;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || o->len + n >= o->cap) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = 0;
}

static void put_hexbyte(struct out *o, uint8_t c)
{
	char b[4];

	snprintf(b, sizeof b, "\\%02X", c);
	put(o, b, 3);
}

/* Appends a code point as UTF-8 (to_utf8 has refused surrogates and anything
 * beyond U+10FFFF, for which utf8_put writes nothing). */
static void put_cp(struct out *o, uint32_t cp)
{
	uint8_t b[4];

	put(o, (const char *)b, utf8_put(cp, b));
}

/* Appends a UTF-8 value with RFC 4514 escaping; bytes that are not well-formed
 * UTF-8 come out as \XX so nothing is lost or misread. */
static void put_escaped(struct out *o, const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		if (c >= 0x80) {
			uint32_t cp;
			size_t k = utf8_next(s + i, len - i, &cp);
			if (k > 0) {
				put(o, (const char *)s + i, k);
				i += k;
			} else {
				put_hexbyte(o, c);
				i++;
			}
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			put_hexbyte(o, c);
		else if (strchr(",+\"\\<>;=", c) != NULL || (i == 0 && (c == '#' || c == ' ')) ||
			 (i == len - 1 && c == ' ')) {
			put(o, "\\", 1);
			put(o, (const char *)&c, 1);
		} else {
			put(o, (const char *)&c, 1);
		}
		i++;
	}
}

/* Converts a BMPString/UniversalString/TeletexString body to UTF-8. */
static int to_utf8(unsigned etype, const uint8_t *s, size_t len, struct out *u)
{
	size_t width = etype == ASN1_ETYPE_BMP_STRING ? 2 : etype == ASN1_ETYPE_UNIVERSAL_STRING ? 4 : 1;

	if (len % width != 0)
		return -1;
	for (size_t i = 0; i < len; i += width) {
		uint32_t cp = 0;
		for (size_t k = 0; k < width; k++)
			cp = (cp << 8) | s[i + k];
		/* BMP surrogate pairs: combine, or refuse a lone half. */
		if (width == 2 && cp >= 0xd800 && cp <= 0xdbff && i + 3 < len) {
			uint32_t lo = ((uint32_t)s[i + 2] << 8) | s[i + 3];
			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (cp >= 0xd800 && cp <= 0xdfff) {
			return -1;
		}
		if (cp == 0 || cp > 0x10ffff)
			return -1;
		put_cp(u, cp);
	}
	return u->overflow ? -1 : 0;
}

static const struct {
	uint8_t tag;
	unsigned etype;
} string_tags[] = {
	{0x0c, ASN1_ETYPE_UTF8_STRING},      {0x13, ASN1_ETYPE_PRINTABLE_STRING},
	{0x16, ASN1_ETYPE_IA5_STRING},       {0x14, ASN1_ETYPE_TELETEX_STRING},
	{0x1e, ASN1_ETYPE_BMP_STRING},       {0x1c, ASN1_ETYPE_UNIVERSAL_STRING},
	{0x12, ASN1_ETYPE_NUMERIC_STRING},   {0x1a, ASN1_ETYPE_VISIBLE_STRING},
};

/* Appends an AttributeValue (a TLV): strings as text, anything else as
 * RFC 4514's "#" followed by the hex of the DER. */
static int put_value(struct out *o, const uint8_t *tlv, size_t len)
{
	const uint8_t *str = NULL;
	unsigned str_len = 0;
	int hdr = 0;
	long content;

	if (len < 2 || len > X509I_MAX_DER)
		return -1;
	content = asn1_get_length_der(tlv + 1, (int)(len - 1), &hdr);
	if (content < 0 || (size_t)content + 1 + (size_t)hdr != len)
		return -1;
	for (size_t i = 0; i < sizeof string_tags / sizeof string_tags[0]; i++) {
		if (string_tags[i].tag != tlv[0])
			continue;
		unsigned et = string_tags[i].etype;
		if (asn1_decode_simple_der(et, tlv, (unsigned)len, &str, &str_len) != ASN1_SUCCESS)
			return -1;
		if (et == ASN1_ETYPE_BMP_STRING || et == ASN1_ETYPE_UNIVERSAL_STRING ||
		    et == ASN1_ETYPE_TELETEX_STRING) {
			struct out u = {malloc(str_len * 4 + 1), 0, str_len * 4 + 1, 0};
			int rc = u.p != NULL && to_utf8(et, str, str_len, &u) == 0 ? 0 : -1;
			if (rc == 0)
				put_escaped(o, (const uint8_t *)u.p, u.len);
			free(u.p);
			return rc;
		}
		put_escaped(o, str, str_len);
		return 0;
	}
	put(o, "#", 1);
	for (size_t i = 0; i < len; i++) {
		char b[3];
		snprintf(b, sizeof b, "%02X", tlv[i]);
		put(o, b, 2);
	}
	return 0;
}

static int put_ava(struct out *o, asn1_node node, const char *path)
{
	char name[96], oid[X509I_OID_MAX];
	const char *kw = NULL;
	uint8_t *val = NULL;
	int vlen = 0, rc;

	snprintf(name, sizeof name, "%s.type", path);
	if (x509i_read_str(node, name, oid, sizeof oid) != 0)
		return -1;
	for (size_t i = 0; i < N_ATTRS && kw == NULL; i++)
		if (strcmp(attrs[i].oid, oid) == 0)
			kw = attrs[i].kw;
	put(o, kw ? kw : oid, strlen(kw ? kw : oid));
	put(o, "=", 1);
	snprintf(name, sizeof name, "%s.value", path);
	if (asn1_read_alloc(node, name, &val, &vlen) != 0)
		return -1;
	rc = put_value(o, val, (size_t)vlen);
	free(val);
	return rc;
}

int x509_name_format(const uint8_t *der, size_t len, char *out, size_t outlen)
{
	struct out o = {out, 0, outlen, 0};
	asn1_node node = NULL;
	int nrdn = 0, rc = -1;

	if (out == NULL || outlen == 0)
		return -1;
	out[0] = 0;
	if (der == NULL || len > X509I_MAX_DER ||
	    asn1_decode("PKIX.Name", der, len, &node, NULL, 0) != 0)
		return -1;
	if (asn1_number_of_elements(node, "rdnSequence", &nrdn) != ASN1_SUCCESS)
		nrdn = 0; /* the empty Name */
	for (int i = nrdn; i >= 1; i--) {
		char rdn[48], ava[64];
		int nava = 0;
		snprintf(rdn, sizeof rdn, "rdnSequence.?%d", i);
		if (asn1_number_of_elements(node, rdn, &nava) != ASN1_SUCCESS || nava < 1)
			goto done;
		for (int j = 1; j <= nava; j++) {
			snprintf(ava, sizeof ava, "%s.?%d", rdn, j);
			if (j > 1)
				put(&o, "+", 1);
			if (put_ava(&o, node, ava) != 0)
				goto done;
		}
		if (i > 1)
			put(&o, ",", 1);
	}
	rc = o.overflow ? -1 : 0;
done:
	asn1_delete_structure(&node);
	if (rc != 0)
		out[0] = 0;
	return rc;
}
