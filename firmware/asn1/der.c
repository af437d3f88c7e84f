/* The DER writer (der.h says why the hot path does not use libtasn1) and the DER
 * framing check libtasn1's decoder is given as a front end. */
#include "firmware/asn1/der.h"
#include "platform/civil.h"

#include <stdlib.h>
#include <string.h>

/* libtasn1 4.19's ASN1_DECODE_FLAG_STRICT_DER still accepts long-form lengths
 * that fit the short form (30 81 07 ...) and non-minimal long forms, so the
 * TLV framing is checked here as well: definite, minimal lengths at every
 * constructed level. Primitive contents (e.g. an extnValue OCTET STRING) are
 * checked when they are decoded in turn. */
#define DER_MAX_DEPTH 64

static int framing_ok(const uint8_t *p, size_t len, int depth)
{
	if (depth > DER_MAX_DEPTH)
		return 0;
	while (len > 0) {
		size_t i = 1, clen = 0;
		int constructed = (p[0] & 0x20) != 0;

		if ((p[0] & 0x1f) == 0x1f) { /* high tag number: base-128 octets */
			/* in its minimal form only (X.690 8.1.2.4.2): no leading 0x80
			 * octet, and a number of 31 or more (1f 02 is not INTEGER,
			 * which libtasn1 would take it for) */
			if (i < len && (p[i] == 0x80 || p[i] < 0x1f))
				return 0;
			while (i < len && (p[i] & 0x80) && i < 5)
				i++;
			if (i >= len || (p[i] & 0x80))
				return 0;
			i++;
		}
		if (i >= len)
			return 0;
		if (p[i] < 0x80) {
			clen = p[i++];
		} else {
			size_t n = p[i++] & 0x7f;
			/* 0x80 is BER's indefinite length; 0xff is reserved. */
			if (n == 0 || n > 4 || n > len - i || p[i] == 0)
				return 0;
			for (size_t k = 0; k < n; k++)
				clen = (clen << 8) | p[i++];
			if (clen < 0x80)
				return 0;
		}
		if (clen > len - i)
			return 0;
		if (constructed && !framing_ok(p + i, clen, depth + 1))
			return 0;
		p += i + clen;
		len -= i + clen;
	}
	return 1;
}

int der_framing_ok(const uint8_t *p, size_t len)
{
	return framing_ok(p, len, 0);
}

/* Header length and content length of the single TLV at p, or 0. */
static size_t tlv_size(const uint8_t *p, size_t len)
{
	size_t i = 2, clen;

	if (len < 2 || (p[0] & 0x1f) == 0x1f)
		return 0;
	clen = p[1];
	if (clen & 0x80) {
		size_t n = clen & 0x7f;
		if (n == 0 || n > 4 || n > len - 2)
			return 0;
		clen = 0;
		for (size_t k = 0; k < n; k++)
			clen = (clen << 8) | p[i++];
	}
	return clen <= len - i ? i + clen : 0;
}

int der_tlv_ok(const uint8_t *p, size_t len)
{
	return p != NULL && tlv_size(p, len) == len && der_framing_ok(p, len);
}

void der_init(struct der *d)
{
	der_init_max(d, DER_MAX_SIZE);
}

void der_init_max(struct der *d, size_t max)
{
	memset(d, 0, sizeof *d);
	d->max = max < DER_MAX_LIMIT ? max : DER_MAX_LIMIT;
}

void der_free(struct der *d)
{
	size_t max = d->max;

	free(d->buf);
	memset(d, 0, sizeof *d);
	d->max = max; /* a freed writer keeps refusing what its limit refused */
}

static void fail(struct der *d)
{
	d->failed = 1;
}

static void fail_size(struct der *d)
{
	d->failed = 1;
	d->too_big = 1;
}

/* Doubling from 256 bytes, never beyond the writer's limit (the last step may
 * be less than a doubling: len + n <= max was checked). */
static size_t grown_cap(const struct der *d, size_t need)
{
	size_t cap = d->cap ? d->cap : 256;

	while (cap < need)
		cap = cap > d->max / 2 ? d->max : cap * 2;
	return cap;
}

static int reserve(struct der *d, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (d->failed)
		return -1;
	if (n > d->max || d->len > d->max - n) {
		fail_size(d);
		return -1;
	}
	if (d->len + n <= d->cap)
		return 0;
	cap = grown_cap(d, d->len + n);
	nb = realloc(d->buf, cap);
	if (nb == NULL) {
		fail(d);
		return -1;
	}
	d->buf = nb;
	d->cap = cap;
	return 0;
}

static void put(struct der *d, const void *p, size_t n)
{
	if (n == 0 || reserve(d, n) != 0)
		return;
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

/* The length octets for n into out; returns how many. */
static size_t len_octets(size_t n, uint8_t out[5])
{
	size_t k = 0;

	if (n < 0x80) {
		out[0] = (uint8_t)n;
		return 1;
	}
	for (size_t v = n; v; v >>= 8)
		k++;
	out[0] = (uint8_t)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		out[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
	return 1 + k;
}

void der_prim(struct der *d, uint8_t tag, const void *contents, size_t len)
{
	uint8_t hdr[6];
	size_t hl;

	if (d->failed)
		return;
	if (len > d->max) {
		fail_size(d);
		return;
	}
	hdr[0] = tag;
	hl = 1 + len_octets(len, hdr + 1);
	if (reserve(d, hl + len) != 0)
		return;
	put(d, hdr, hl);
	put(d, contents, len);
}

void der_raw(struct der *d, uint8_t want_tag, const uint8_t *tlv, size_t len)
{
	if (d->failed)
		return;
	if (len == 0 || tlv[0] != want_tag || !der_tlv_ok(tlv, len)) {
		fail(d);
		return;
	}
	put(d, tlv, len);
}

void der_begin(struct der *d, uint8_t tag)
{
	uint8_t hdr[2] = {tag, 0};

	if (d->failed)
		return;
	if (d->depth == DER_MAX_NEST) {
		fail(d);
		return;
	}
	d->open[d->depth++] = d->len;
	put(d, hdr, sizeof hdr); /* one length octet for now; widened in der_end */
}

void der_end(struct der *d)
{
	uint8_t lo[5];
	size_t start, clen, ll;

	if (d->failed)
		return;
	if (d->depth == 0) {
		fail(d);
		return;
	}
	start = d->open[--d->depth];
	clen = d->len - start - 2;
	ll = len_octets(clen, lo);
	if (ll > 1) {
		if (reserve(d, ll - 1) != 0)
			return;
		memmove(d->buf + start + 1 + ll, d->buf + start + 2, clen);
		d->len += ll - 1;
	}
	memcpy(d->buf + start + 1, lo, ll);
}

void der_uint(struct der *d, uint8_t tag, const uint8_t *mag, size_t len)
{
	uint8_t zero = 0;

	while (len > 1 && mag[0] == 0) {
		mag++;
		len--;
	}
	if (len == 0) {
		mag = &zero;
		len = 1;
	}
	if (mag[0] & 0x80) {
		uint8_t hdr[6];
		size_t hl;

		hdr[0] = tag;
		hl = 1 + len_octets(len + 1, hdr + 1);
		put(d, hdr, hl);
		put(d, &zero, 1);
		put(d, mag, len);
		return;
	}
	der_prim(d, tag, mag, len);
}

void der_small_uint(struct der *d, unsigned long v)
{
	uint8_t b[sizeof v];

	for (size_t i = 0; i < sizeof v; i++)
		b[i] = (uint8_t)(v >> (8 * (sizeof v - 1 - i)));
	der_uint(d, DER_INTEGER, b, sizeof b);
}

void der_bool(struct der *d, int v)
{
	uint8_t b = v ? 0xff : 0x00;

	der_prim(d, DER_BOOLEAN, &b, 1);
}

void der_named_bits(struct der *d, unsigned long bits)
{
	uint8_t c[1 + sizeof bits];
	size_t nbits = 0, nbytes;

	for (size_t i = 0; i < 8 * sizeof bits; i++)
		if (bits & (1ul << i))
			nbits = i + 1;
	nbytes = (nbits + 7) / 8;
	memset(c, 0, sizeof c);
	for (size_t i = 0; i < nbits; i++)
		if (bits & (1ul << i))
			c[1 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
	c[0] = (uint8_t)(nbytes * 8 - nbits); /* unused bits in the last octet */
	der_prim(d, DER_BIT_STRING, c, 1 + nbytes);
}

/* One dotted arc; -1 on overflow or a non-digit. */
static int arc(const char **s, unsigned long long *out)
{
	unsigned long long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (~0ull >> 8))
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	*s = p;
	*out = v;
	return 0;
}

static size_t base128(unsigned long long v, uint8_t *out)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)(v & 0x7f);
		v >>= 7;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(tmp[n - 1 - i] | (i + 1 < n ? 0x80 : 0));
	return n;
}

void der_oid(struct der *d, const char *s)
{
	uint8_t c[128];
	size_t n = 0;
	unsigned long long first, second, v;

	if (d->failed)
		return;
	if (s == NULL || arc(&s, &first) != 0 || first > 2 || *s++ != '.' ||
	    arc(&s, &second) != 0 || (first < 2 && second >= 40) ||
	    second > (~0ull >> 8) - 80)
		goto bad;
	n = base128(first * 40 + second, c);
	while (*s == '.') {
		s++;
		if (arc(&s, &v) != 0 || n + 10 > sizeof c)
			goto bad;
		n += base128(v, c + n);
	}
	if (*s != 0)
		goto bad;
	der_prim(d, DER_OID, c, n);
	return;
bad:
	fail(d);
}

/* 1950-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what both time types carry
 * here. */
#define T_MIN (-631152000LL)
#define T_MAX 253402300799LL

/* Broken-down UTC time of unix_time when its year is 1950..9999; otherwise the
 * writer fails. The platform's calendar (arithmetic): gmtime_r takes glibc's
 * time zone lock on every call, and a CRL writes up to three times per entry. */
static int utc_civil(struct der *d, long long unix_time, struct civil_time *c)
{
	if (d->failed)
		return -1;
	if (unix_time < T_MIN || unix_time > T_MAX) {
		fail(d);
		return -1;
	}
	civil_from_unix(unix_time, c);
	return 0;
}

/* n decimal digits of v at out (v < 10^n). By hand: snprintf was half the cost
 * of a CRL entry, and a CRL can have a million. */
static void digits(char *out, int v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		out[i] = (char)('0' + v % 10);
}

/* "[YY]YYMMDDHHMMSSZ" with a 4-digit year when generalized; returns its length. */
static size_t time_text(const struct civil_time *c, int generalized, char *v)
{
	size_t y = generalized ? 4 : 2;

	digits(v, generalized ? c->year : c->year % 100, (int)y);
	digits(v + y, c->month, 2);
	digits(v + y + 2, c->day, 2);
	digits(v + y + 4, c->hour, 2);
	digits(v + y + 6, c->min, 2);
	digits(v + y + 8, c->sec, 2);
	v[y + 10] = 'Z';
	return y + 11;
}

static void put_generalized(struct der *d, const struct civil_time *c)
{
	char v[16];

	der_prim(d, DER_GENERALIZED_TIME, v, time_text(c, 1, v));
}

void der_time(struct der *d, long long unix_time)
{
	struct civil_time c;
	char v[16];

	if (utc_civil(d, unix_time, &c) != 0)
		return;
	if (c.year < 2050)
		der_prim(d, DER_UTC_TIME, v, time_text(&c, 0, v));
	else
		put_generalized(d, &c);
}

void der_generalized_time(struct der *d, long long unix_time)
{
	struct civil_time c;

	if (utc_civil(d, unix_time, &c) == 0)
		put_generalized(d, &c);
}

int der_finish(struct der *d, uint8_t **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (d->failed || d->depth != 0 || d->len == 0) {
		der_free(d);
		return -1;
	}
	/* Doubling can leave up to half the buffer unused: a large surplus is
	 * given back (a 44 MB CRL would otherwise keep 64 MB). */
	if (d->cap - d->len > DER_MAX_SIZE) {
		uint8_t *nb = realloc(d->buf, d->len);
		if (nb != NULL)
			d->buf = nb;
	}
	*out = d->buf;
	*out_len = d->len;
	d->buf = NULL;
	der_free(d);
	return 0;
}
