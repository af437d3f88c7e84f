/* The strings of names as characters (x509_name_texts, x509_san_texts) and RFC
 * 5280 name matching (x509_name_match), firmware/x509/nametext.c. The names are
 * written here byte by byte (a tiny DER writer below), so that every string type
 * and every malformed string a hostile request may carry can be given: the
 * library's own parser refuses most of them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/x509/x509.h"

/* ---- a tiny DER writer: tlv(tag, content) ---- */

struct blob {
	uint8_t b[2048];
	size_t n;
};

static void tlv(struct blob *out, uint8_t tag, const void *content, size_t len)
{
	size_t n = out->n;

	assert_true(len < 0x10000 && n + len + 4 <= sizeof(out->b));
	out->b[n++] = tag;
	if (len < 0x80) {
		out->b[n++] = (uint8_t)len;
	} else if (len < 0x100) {
		out->b[n++] = 0x81;
		out->b[n++] = (uint8_t)len;
	} else {
		out->b[n++] = 0x82;
		out->b[n++] = (uint8_t)(len >> 8);
		out->b[n++] = (uint8_t)len;
	}
	memcpy(out->b + n, content, len);
	out->n = n + len;
}

static const uint8_t OID_CN[] = {0x55, 0x04, 0x03};
static const uint8_t OID_O[] = {0x55, 0x04, 0x0a};
static const uint8_t OID_OU[] = {0x55, 0x04, 0x0b};
static const uint8_t OID_ORGID[] = {0x55, 0x04, 0x61}; /* 2.5.4.97, no keyword */

/* One AttributeTypeAndValue: type, and the value as a TLV of tag. */
static void ava(struct blob *out, const uint8_t *oid, size_t oidlen, uint8_t tag,
		const void *v, size_t vlen)
{
	struct blob in = {0};

	tlv(&in, 0x06, oid, oidlen);
	tlv(&in, tag, v, vlen);
	tlv(out, 0x30, in.b, in.n);
}

/* A Name of RDNs, each a SET of the AVAs given as blobs. */
static void rdn(struct blob *name_content, const struct blob *avas)
{
	tlv(name_content, 0x31, avas->b, avas->n);
}

static void name(struct blob *out, const struct blob *rdns)
{
	out->n = 0;
	tlv(out, 0x30, rdns->b, rdns->n);
}

/* A one-RDN, one-attribute Name. */
static void name1(struct blob *out, const uint8_t *oid, size_t oidlen, uint8_t tag,
		  const void *v, size_t vlen)
{
	struct blob a = {0}, r = {0};

	ava(&a, oid, oidlen, tag, v, vlen);
	rdn(&r, &a);
	name(out, &r);
}

/* "CN=<cn>,O=<o>" in DER order O first, as the CA's names are. */
static void name_o_cn(struct blob *out, uint8_t tag_o, const char *o, uint8_t tag_cn,
		      const char *cn)
{
	struct blob a = {0}, b = {0}, r = {0};

	ava(&a, OID_O, sizeof(OID_O), tag_o, o, strlen(o));
	rdn(&r, &a);
	ava(&b, OID_CN, sizeof(OID_CN), tag_cn, cn, strlen(cn));
	rdn(&r, &b);
	name(out, &r);
}

/* ---- what the walkers give ---- */

struct seen {
	size_t n;
	char what[8][64];
	char bad[8][64];
	uint32_t cp[8][16];
	size_t ncp[8];
	size_t entry[8], rdn[8], n_rdn[8], n_in_rdn[8];
};

static int collect(void *ctx, const struct x509_text *t)
{
	struct seen *s = ctx;
	size_t i = s->n++;

	assert_true(i < 8);
	snprintf(s->what[i], sizeof(s->what[i]), "%s", t->what);
	snprintf(s->bad[i], sizeof(s->bad[i]), "%s", t->bad ? t->bad : "");
	assert_true(t->bad == NULL ? t->cp != NULL || t->n == 0 : t->cp == NULL);
	s->ncp[i] = t->n < 16 ? t->n : 16;
	if (t->cp != NULL)
		memcpy(s->cp[i], t->cp, s->ncp[i] * sizeof(uint32_t));
	s->entry[i] = t->entry;
	s->rdn[i] = t->rdn;
	s->n_rdn[i] = t->n_rdn;
	s->n_in_rdn[i] = t->n_in_rdn;
	return 0;
}

static struct seen texts_of(const struct blob *n)
{
	struct seen s = {0};

	assert_int_equal(x509_name_texts(n->b, n->n, collect, &s), 0);
	return s;
}

/* One attribute value with tag and bytes: why it is bad ("" when valid). */
static const char *bad_of(uint8_t tag, const void *v, size_t len)
{
	static struct seen s;
	struct blob n;

	name1(&n, OID_CN, sizeof(OID_CN), tag, v, len);
	s = texts_of(&n);
	assert_int_equal(s.n, 1);
	return s.bad[0];
}

static void test_texts_characters(void **state)
{
	struct seen s;
	struct blob n;

	(void)state;
	/* Every attribute, in DER order, with its RDN and keyword. */
	name_o_cn(&n, 0x13, "Example", 0x0c, "a\x1b" "b");
	s = texts_of(&n);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.what[0], "O");
	assert_string_equal(s.what[1], "CN");
	assert_int_equal(s.rdn[1], 1);
	assert_int_equal(s.n_rdn[1], 2);
	assert_int_equal(s.n_in_rdn[1], 1);
	assert_int_equal(s.ncp[1], 3);
	assert_int_equal(s.cp[1][1], 0x1b); /* a control character is a character here */
	/* An attribute without a keyword is named by its OID. */
	name1(&n, OID_ORGID, sizeof(OID_ORGID), 0x0c, "x", 1);
	s = texts_of(&n);
	assert_string_equal(s.what[0], "2.5.4.97");
	/* U+202E (RLO) in UTF-8; U+0085 (NEL, C1) in UTF-8; NUL. */
	name1(&n, OID_CN, sizeof(OID_CN), 0x0c, "a\xe2\x80\xae" "b\xc2\x85\x00", 8);
	s = texts_of(&n);
	assert_int_equal(s.ncp[0], 5);
	assert_int_equal(s.cp[0][1], 0x202e);
	assert_int_equal(s.cp[0][3], 0x85);
	assert_int_equal(s.cp[0][4], 0);
	/* BMPString: a surrogate pair is one character. */
	name1(&n, OID_CN, sizeof(OID_CN), 0x1e, "\x00" "A\xd8\x3d\xde\x00", 6);
	s = texts_of(&n);
	assert_int_equal(s.ncp[0], 2);
	assert_int_equal(s.cp[0][1], 0x1f600);
	/* TeletexString is read as Latin-1: 0x9b is C1 CSI. */
	name1(&n, OID_CN, sizeof(OID_CN), 0x14, "a\x9b", 2);
	s = texts_of(&n);
	assert_int_equal(s.cp[0][1], 0x9b);
}

static void test_texts_invalid_strings(void **state)
{
	(void)state;
	assert_string_equal(bad_of(0x0c, "ok", 2), "");
	assert_string_equal(bad_of(0x0c, "\xc0\xaf", 2), "not valid UTF-8");     /* overlong */
	assert_string_equal(bad_of(0x0c, "\xed\xa0\x80", 3), "not valid UTF-8"); /* surrogate */
	assert_string_equal(bad_of(0x0c, "a\xff", 2), "not valid UTF-8");
	assert_string_equal(bad_of(0x0c, "\xe2\x80", 2), "not valid UTF-8");     /* cut short */
	assert_string_equal(bad_of(0x0c, "\xf4\x90\x80\x80", 4), "not valid UTF-8");
	assert_string_equal(bad_of(0x1e, "\xd8\x3d", 2),
			    "not a valid BMPString (unpaired surrogate)");
	assert_string_equal(bad_of(0x1e, "\xdc\x00\x00" "A", 4),
			    "not a valid BMPString (unpaired surrogate)");
	assert_string_equal(bad_of(0x1e, "\x00" "A\x00", 3), "not a valid BMPString (odd length)");
	assert_string_equal(bad_of(0x1c, "\x00\x11\x00\x00", 4),
			    "not a valid UniversalString (not a character)");
	assert_string_equal(bad_of(0x1c, "\x00\x00\xd8\x00", 4),
			    "not a valid UniversalString (not a character)");
	assert_string_equal(bad_of(0x1c, "\x00\x00\x41", 3),
			    "not a valid UniversalString (length)");
	assert_string_equal(bad_of(0x13, "a*b", 3), "not a PrintableString");
	assert_string_equal(bad_of(0x16, "a\x80", 2), "not an IA5String (ASCII)");
	assert_string_equal(bad_of(0x1a, "a\x1b", 2), "not a VisibleString");
	assert_string_equal(bad_of(0x12, "12a", 3), "not a NumericString");
	assert_string_equal(bad_of(0x02, "\x01", 1), "not a string");  /* an INTEGER */
	assert_string_equal(bad_of(0x2c, "\x0c\x01" "a", 3), "not a string"); /* constructed */
}

/* A walk stops at the callback's non-zero; a Name that does not decode is -1. */
static int stop_at_first(void *ctx, const struct x509_text *t)
{
	(void)t;
	++*(int *)ctx;
	return 7;
}

static void test_texts_stop_and_garbage(void **state)
{
	static const uint8_t junk[] = {0x30, 0x03, 0x31, 0x01, 0x00};
	struct blob n;
	int calls = 0;

	(void)state;
	name_o_cn(&n, 0x0c, "Example", 0x0c, "x");
	assert_int_equal(x509_name_texts(n.b, n.n, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	assert_int_equal(x509_name_texts(junk, sizeof(junk), stop_at_first, &calls), -1);
	assert_int_equal(x509_san_texts(junk, sizeof(junk), stop_at_first, &calls), -1);
	assert_int_equal(calls, 1);
}

/* ---- subjectAltName ---- */

static void san(struct blob *out, const struct blob *entries)
{
	out->n = 0;
	tlv(out, 0x30, entries->b, entries->n);
}

static void test_san_texts(void **state)
{
	static const uint8_t upn_oid[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03};
	static const uint8_t guid_oid[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x19, 0x01};
	struct blob e = {0}, v, other, x, dn;
	struct seen s = {0};

	(void)state;
	tlv(&e, 0x82, "host\x1b", 5);                 /* dNSName with ESC */
	tlv(&e, 0x81, "a@b", 3);                      /* rfc822Name */
	tlv(&e, 0x86, "https://x/", 10);              /* URI */
	tlv(&e, 0x87, "\x0a\x00\x00\x01", 4);         /* iPAddress: no text */
	/* otherName UPN: UTF8String with RLO */
	other.n = 0;
	tlv(&other, 0x06, upn_oid, sizeof(upn_oid));
	x.n = 0;
	tlv(&x, 0x0c, "adm\xe2\x80\xae" "in", 8);
	tlv(&other, 0xa0, x.b, x.n);
	tlv(&e, 0xa0, other.b, other.n);
	/* otherName GUID: an OCTET STRING holds no text */
	other.n = 0;
	tlv(&other, 0x06, guid_oid, sizeof(guid_oid));
	x.n = 0;
	tlv(&x, 0x04, "\x01\x02", 2);
	tlv(&other, 0xa0, x.b, x.n);
	tlv(&e, 0xa0, other.b, other.n);
	/* directoryName: each attribute */
	name1(&dn, OID_OU, sizeof(OID_OU), 0x0c, "q\x7f", 2);
	tlv(&e, 0xa4, dn.b, dn.n);
	san(&v, &e);
	assert_int_equal(x509_san_texts(v.b, v.n, collect, &s), 0);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.what[0], "SAN dNSName");
	assert_int_equal(s.cp[0][4], 0x1b);
	assert_string_equal(s.what[1], "SAN rfc822Name");
	assert_string_equal(s.what[2], "SAN URI");
	assert_string_equal(s.what[3], "SAN otherName UPN");
	assert_int_equal(s.cp[3][3], 0x202e);
	assert_string_equal(s.what[4], "SAN directoryName OU");
	assert_int_equal(s.entry[4], 6); /* the SAN entry's index */
	assert_int_equal(s.rdn[4], 0);  /* the RDN of its Name */
	assert_int_equal(s.n_rdn[4], 1);
	assert_int_equal(s.cp[4][1], 0x7f);

	/* Not ASCII in an IA5String; an ediPartyName the CA does not read. */
	memset(&s, 0, sizeof(s));
	e.n = 0;
	tlv(&e, 0x82, "h\xc3\xa9", 3);
	x.n = 0;
	tlv(&x, 0x04, "A", 1);
	tlv(&e, 0xa5, x.b, x.n);
	san(&v, &e);
	assert_int_equal(x509_san_texts(v.b, v.n, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.bad[0], "not an IA5String (ASCII)");
	assert_string_equal(s.what[1], "SAN ediPartyName");
	assert_string_equal(s.bad[1], "a kind of name the CA does not accept");
}

/* ---- matching ---- */

static int match(const struct blob *a, const struct blob *b)
{
	int ab = x509_name_match(a->b, a->n, b->b, b->n);

	assert_int_equal(ab, x509_name_match(b->b, b->n, a->b, a->n)); /* symmetric */
	return ab;
}

static void test_match_rfc5280(void **state)
{
	struct blob ca, other;

	(void)state;
	name_o_cn(&ca, 0x0c, "Example", 0x0c, "Example Root CA");
	assert_int_equal(match(&ca, &ca), 1);
	/* Case, insignificant spaces, another string type. */
	name_o_cn(&other, 0x13, "  EXAMPLE ", 0x0c, "example   root  ca");
	assert_int_equal(match(&ca, &other), 1);
	/* Tabs and no-break spaces are spaces; a zero-width space is nothing. */
	name_o_cn(&other, 0x0c, "Example", 0x0c, "Example\xc2\xa0Root\tCA\xe2\x80\x8b");
	assert_int_equal(match(&ca, &other), 1);
	/* BMPString holding the same characters. */
	{
		struct blob a = {0}, b = {0}, r = {0};
		static const char bmp[] = "\0E\0x\0a\0m\0p\0l\0e\0 \0R\0o\0o\0t\0 \0C\0A";

		ava(&a, OID_O, sizeof(OID_O), 0x0c, "Example", 7);
		rdn(&r, &a);
		ava(&b, OID_CN, sizeof(OID_CN), 0x1e, bmp, sizeof(bmp) - 1);
		rdn(&r, &b);
		name(&other, &r);
		assert_int_equal(match(&ca, &other), 1);
	}
	/* Different words, a space inside a word, another order, one RDN more or less. */
	name_o_cn(&other, 0x0c, "Example", 0x0c, "Example Root CA 2");
	assert_int_equal(match(&ca, &other), 0);
	name_o_cn(&other, 0x0c, "Example", 0x0c, "ExampleRoot CA");
	assert_int_equal(match(&ca, &other), 0);
	{
		struct blob a = {0}, b = {0}, r = {0};

		ava(&b, OID_CN, sizeof(OID_CN), 0x0c, "Example Root CA", 15);
		rdn(&r, &b);
		ava(&a, OID_O, sizeof(OID_O), 0x0c, "Example", 7);
		rdn(&r, &a);
		name(&other, &r);
		assert_int_equal(match(&ca, &other), 0);
	}
	name1(&other, OID_CN, sizeof(OID_CN), 0x0c, "Example Root CA", 15);
	assert_int_equal(match(&ca, &other), 0);
	/* Latin-1, Greek and Cyrillic capitals fold. */
	name1(&ca, OID_CN, sizeof(OID_CN), 0x0c, "\xc3\x89" "cole \xce\xa3\xce\xa9 \xd0\x96", 14);
	name1(&other, OID_CN, sizeof(OID_CN), 0x0c, "\xc3\xa9" "COLE \xcf\x83\xcf\x89 \xd0\xb6", 14);
	assert_int_equal(match(&ca, &other), 1);
}

static void test_match_multivalued_and_raw(void **state)
{
	struct blob a = {0}, b = {0}, r = {0}, x, y;
	static const uint8_t junk[] = {0x30, 0x01, 0x00};

	(void)state;
	/* One RDN of O+CN, the SET in either order. */
	ava(&a, OID_O, sizeof(OID_O), 0x0c, "Example", 7);
	ava(&a, OID_CN, sizeof(OID_CN), 0x0c, "CA", 2);
	rdn(&r, &a);
	name(&x, &r);
	r.n = 0;
	ava(&b, OID_CN, sizeof(OID_CN), 0x13, "ca", 2);
	ava(&b, OID_O, sizeof(OID_O), 0x0c, "EXAMPLE", 7);
	rdn(&r, &b);
	name(&y, &r);
	assert_int_equal(match(&x, &y), 1);
	/* Values that are not strings compare byte for byte. */
	name1(&x, OID_ORGID, sizeof(OID_ORGID), 0x02, "\x01", 1);
	name1(&y, OID_ORGID, sizeof(OID_ORGID), 0x02, "\x01", 1);
	assert_int_equal(match(&x, &y), 1);
	name1(&y, OID_ORGID, sizeof(OID_ORGID), 0x02, "\x02", 1);
	assert_int_equal(match(&x, &y), 0);
	/* Undecodable. */
	assert_int_equal(x509_name_match(junk, sizeof(junk), x.b, x.n), -1);
	assert_int_equal(x509_name_match(x.b, x.n, junk, sizeof(junk)), -1);
}

/* The parser's names and the hand-written ones agree (x509_name_parse's DER). */
static void test_match_parsed(void **state)
{
	struct x509_buf p = {0}, q = {0};
	char err[256];

	(void)state;
	assert_int_equal(x509_name_parse("CN=Issuing CA 1,O=Example,C=US", &p, err, sizeof err), 0);
	assert_int_equal(x509_name_parse("cn=issuing  ca 1 , o=EXAMPLE,c=us", &q, err, sizeof err),
			 0);
	assert_int_equal(x509_name_match(p.data, p.len, q.data, q.len), 1);
	x509_buf_free(&q);
	assert_int_equal(x509_name_parse("CN=Issuing CA 1,O=Example", &q, err, sizeof err), 0);
	assert_int_equal(x509_name_match(p.data, p.len, q.data, q.len), 0);
	x509_buf_free(&p);
	x509_buf_free(&q);
}

/* A Name of n RDNs, each O= with an empty UTF8String (11 bytes an RDN). */
static uint8_t *many_rdns(size_t n, size_t *len)
{
	static const uint8_t one[] = {0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55,
				      0x04, 0x0a, 0x0c, 0x00};
	size_t body = n * sizeof(one);
	uint8_t *der = malloc(body + 4);

	assert_non_null(der);
	assert_true(body < 0x10000);
	der[0] = 0x30;
	der[1] = 0x82;
	der[2] = (uint8_t)(body >> 8);
	der[3] = (uint8_t)body;
	for (size_t i = 0; i < n; i++)
		memcpy(der + 4 + i * sizeof(one), one, sizeof(one));
	*len = body + 4;
	return der;
}

static int count(void *ctx, const struct x509_text *t)
{
	(void)t;
	++*(size_t *)ctx;
	return 0;
}

/* The most attributes a Name may hold (1024) are read, one more is refused: by
 * the walker, the matcher and x509_name_open alike. */
static void test_texts_attribute_bound(void **state)
{
	size_t len, n = 0;
	uint8_t *der = many_rdns(1024, &len);
	struct x509_name *nm = NULL;

	(void)state;
	assert_int_equal(x509_name_texts(der, len, count, &n), 0);
	assert_int_equal(n, 1024);
	assert_int_equal(x509_name_match(der, len, der, len), 1);
	free(der);
	der = many_rdns(1025, &len);
	n = 0;
	assert_int_equal(x509_name_texts(der, len, count, &n), -1);
	assert_int_equal(n, 0);
	assert_int_equal(x509_name_match(der, len, der, len), -1);
	assert_int_equal(x509_name_open(der, len, &nm), -1);
	assert_null(nm);
	free(der);
}

/* A Name decoded once (x509_name_open) answers as the DER functions do. */
static void test_name_decoded_once(void **state)
{
	struct blob a, b, c;
	struct x509_name *na, *nb, *nc;
	struct seen s = {0};

	(void)state;
	name_o_cn(&a, 0x0c, "Example", 0x0c, "Issuing CA");
	name_o_cn(&b, 0x13, "EXAMPLE", 0x13, "issuing  ca");
	name_o_cn(&c, 0x0c, "Example", 0x0c, "Other");
	assert_int_equal(x509_name_open(a.b, a.n, &na), 0);
	assert_int_equal(x509_name_open(b.b, b.n, &nb), 0);
	assert_int_equal(x509_name_open(c.b, c.n, &nc), 0);
	assert_int_equal(x509_name_same(na, nb), x509_name_match(a.b, a.n, b.b, b.n));
	assert_int_equal(x509_name_same(na, nb), 1);
	assert_int_equal(x509_name_same(na, nc), 0);
	assert_int_equal(x509_name_walk(na, collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.what[0], "O");
	assert_string_equal(s.what[1], "CN");
	assert_int_equal(s.n_rdn[1], 2);
	x509_name_free(nc);
	assert_int_equal(x509_name_open(a.b, a.n - 1, &nc), -1);
	assert_null(nc);
	x509_name_free(na);
	x509_name_free(nb);
	x509_name_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texts_characters),
		cmocka_unit_test(test_texts_invalid_strings),
		cmocka_unit_test(test_texts_stop_and_garbage),
		cmocka_unit_test(test_san_texts),
		cmocka_unit_test(test_match_rfc5280),
		cmocka_unit_test(test_match_multivalued_and_raw),
		cmocka_unit_test(test_match_parsed),
		cmocka_unit_test(test_texts_attribute_bound),
		cmocka_unit_test(test_name_decoded_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
