/* The entries of a TBSCertList (revokedCertificates), read by hand in strict DER:
 *
 *   RevokedCertificate ::= SEQUENCE {
 *        userCertificate      CertificateSerialNumber,      -- INTEGER
 *        revocationDate       Time,                         -- UTCTime | GeneralizedTime
 *        crlEntryExtensions   Extensions OPTIONAL }         -- v2 only
 *
 * Why by hand while the rest of the CRL goes through libtasn1 (crldec.c): each
 * structure libtasn1 decodes costs a node tree built from the definitions
 * (a calloc and a name per field) and freed again, plus a second decode per
 * extension value: ~3 us an entry, 3 s for the million entries a large CA
 * publishes, against ~0.06 us here. The shell (version, algorithm, issuer,
 * times, crlExtensions) is a few hundred bytes whatever the size of the CRL,
 * so it stays with libtasn1 and the PKIX module. Every entry rule of the
 * libtasn1 path is kept (and the DER ones it left to der_framing_ok), tightened
 * where it was loose: an invalidityDate must be a real date, not only 15
 * characters ending in Z.
 *
 * The hot path allocates nothing and formats nothing: checks return a reason
 * (a static string) and the one refusal is formatted once, "entries[N]: ...". */
#include "firmware/x509/x509_int.h"
#include "firmware/asn1/der.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DER_ENUMERATED 0x0a
/* The most extensions one entry may carry (as for crlExtensions). */
#define ENTRY_MAX_EXTS 32
/* Longest extnID accepted, in octets (a dotted text of X509I_OID_MAX). */
#define OID_MAX_OCTETS 64

static const uint8_t oid_reason[] = {0x55, 0x1d, 0x15};     /* 2.5.29.21 reasonCode */
static const uint8_t oid_invalidity[] = {0x55, 0x1d, 0x18}; /* 2.5.29.24 invalidityDate */

/* A window [p, end) of the input. */
struct win {
	const uint8_t *p, *end;
};

static size_t wlen(const struct win *w)
{
	return (size_t)(w->end - w->p);
}

static int at(const struct win *w, uint8_t tag)
{
	return w->p < w->end && w->p[0] == tag;
}

/* Takes the TLV at the start of w if its tag is tag and its header is DER
 * (der_header): v becomes its contents and w moves past it. */
static int take(struct win *w, uint8_t tag, struct win *v)
{
	size_t hdr, clen;

	if (!at(w, tag) || der_header(w->p, wlen(w), &hdr, &clen) != 0)
		return -1;
	v->p = w->p + hdr;
	v->end = v->p + clen;
	w->p = v->end;
	return 0;
}

/* One entry being read: where to count and how to report. */
struct entry {
	struct x509_crl_info *ci;
	size_t index;
	char *err;
	size_t errlen;
};

/* The refusal of an entry: "entries[N]: " and the reason. Off the hot path. */
static int refuse(const struct entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), cold, noinline));

static int refuse(const struct entry *e, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	err_vset(why, sizeof why, fmt, ap);
	va_end(ap);
	err_set(e->err, e->errlen, "entries[%zu]: %s", e->index, why);
	return -1;
}

/* ---- values ---- */

/* An OBJECT IDENTIFIER's contents: minimal base-128 subidentifiers (none
 * starting with 0x80), the last one ended. */
static int oid_ok(const struct win *v)
{
	size_t n = wlen(v);

	if (n == 0 || n > OID_MAX_OCTETS || (v->p[n - 1] & 0x80))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v->p[i] == 0x80 && (i == 0 || !(v->p[i - 1] & 0x80)))
			return 0;
	return 1;
}

static int oid_is(const struct win *v, const uint8_t *oid, size_t len)
{
	return wlen(v) == len && memcmp(v->p, oid, len) == 0;
}

/* Dotted text of a checked OID; -1 if an arc exceeds 64 bits or the text
 * X509I_OID_MAX (what the libtasn1 path could read). Only for OIDs other than
 * the two known ones, and for messages. */
static int oid_text(const struct win *v, char *out, size_t outlen)
{
	unsigned long long arc = 0;
	size_t o = 0;
	int first = 1, n;

	out[0] = 0;
	for (const uint8_t *p = v->p; p < v->end; p++) {
		if (arc > (~0ull >> 7))
			return -1;
		arc = (arc << 7) | (*p & 0x7f);
		if (*p & 0x80)
			continue;
		if (first) {
			unsigned long long x = arc < 80 ? arc / 40 : 2;
			n = snprintf(out + o, outlen - o, "%llu.%llu", x, arc - 40 * x);
			first = 0;
		} else {
			n = snprintf(out + o, outlen - o, ".%llu", arc);
		}
		if (n < 0 || (size_t)n >= outlen - o)
			return -1;
		o += (size_t)n;
		arc = 0;
	}
	return 0;
}

/* A Time (UTCTime or GeneralizedTime, generalized_only for fields typed
 * GeneralizedTime) whose text x509i_time_check accepts. */
static const char *take_time(struct win *w, int generalized_only)
{
	struct win v;
	int gen = at(w, DER_GENERALIZED_TIME);

	if (!gen && (generalized_only || !at(w, DER_UTC_TIME)))
		return "not a UTCTime or GeneralizedTime";
	if (take(w, w->p[0], &v) != 0)
		return "bad length";
	if (x509i_time_check(v.p, wlen(&v), gen, NULL) != 0)
		return gen ? "not YYYYMMDDHHMMSSZ or not a date"
			   : "not YYMMDDHHMMSSZ or not a date";
	return NULL;
}

/* reasonCode's extnValue: CRLReason ::= ENUMERATED, one octet, 0..10 except
 * the unassigned 7 (RFC 5280 5.3.1). */
static int reason_ok(struct win v)
{
	struct win r;

	return take(&v, DER_ENUMERATED, &r) == 0 && v.p == v.end && wlen(&r) == 1 &&
	       r.p[0] <= 10 && r.p[0] != 7;
}

/* invalidityDate's extnValue: GeneralizedTime whatever the year (5.3.2). */
static int invalidity_ok(struct win v)
{
	return take_time(&v, 1) == NULL && v.p == v.end;
}

/* ---- extensions ---- */

struct ext {
	struct win oid, value;
	int critical;
};

/* Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }.
 * DER writes a DEFAULT value by leaving it out, so critical is absent or TRUE
 * encoded as 0xFF. */
static const char *take_ext(struct win *w, struct ext *x)
{
	struct win s, b;

	if (take(w, DER_SEQUENCE, &s) != 0)
		return "an extension is not a DER SEQUENCE";
	if (take(&s, DER_OID, &x->oid) != 0 || !oid_ok(&x->oid))
		return "bad extnID";
	x->critical = 0;
	if (at(&s, DER_BOOLEAN)) {
		if (take(&s, DER_BOOLEAN, &b) != 0 || wlen(&b) != 1 || b.p[0] != 0xff)
			return "critical must be absent or DER TRUE (0xFF)";
		x->critical = 1;
	}
	if (take(&s, DER_OCTET_STRING, &x->value) != 0 || x->value.p == x->value.end)
		return "extension without a value";
	if (s.p != s.end)
		return "trailing bytes in an extension";
	return NULL;
}

/* What an entry extension means: reasonCode and invalidityDate are checked and
 * counted; any other is ignored unless critical (certificateIssuer, i.e. an
 * indirect CRL, included: not supported). */
static int use_ext(const struct entry *e, const struct ext *x)
{
	char oid[X509I_OID_MAX];

	if (oid_is(&x->oid, oid_reason, sizeof oid_reason)) {
		if (!reason_ok(x->value))
			return refuse(e, "bad reasonCode");
		e->ci->n_reasons++;
	} else if (oid_is(&x->oid, oid_invalidity, sizeof oid_invalidity)) {
		if (!invalidity_ok(x->value))
			return refuse(e, "bad invalidityDate");
		e->ci->n_invalidity++;
	} else if (oid_text(&x->oid, oid, sizeof oid) != 0) {
		return refuse(e, "extnID too long to be read");
	} else if (x->critical) {
		return refuse(e, "unsupported critical extension %s", oid);
	}
	return 0;
}

/* Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, no OID twice. */
static int read_exts(const struct entry *e, struct win exts)
{
	struct win seen[ENTRY_MAX_EXTS];
	size_t n = 0;
	char oid[X509I_OID_MAX];

	if (exts.p == exts.end)
		return refuse(e, "empty crlEntryExtensions");
	while (exts.p < exts.end) {
		struct ext x;
		const char *why;

		if (n == ENTRY_MAX_EXTS)
			return refuse(e, "more than %d extensions", ENTRY_MAX_EXTS);
		if ((why = take_ext(&exts, &x)) != NULL)
			return refuse(e, "extension %zu: %s", n, why);
		for (size_t i = 0; i < n; i++)
			if (oid_is(&seen[i], x.oid.p, wlen(&x.oid))) {
				if (oid_text(&x.oid, oid, sizeof oid) != 0)
					snprintf(oid, sizeof oid, "(unreadable extnID)");
				return refuse(e, "extension %s appears twice", oid);
			}
		seen[n++] = x.oid;
		if (use_ext(e, &x) != 0)
			return -1;
	}
	return 0;
}

/* ---- one entry ---- */

/* The serial by the certificate rules (x509i_check_serial): checked without a
 * message first, since naming the field costs a snprintf per entry. */
static int check_serial(const struct entry *e, const struct win *v)
{
	char field[48];

	if (x509i_check_serial(v->p, wlen(v), "", NULL, 0) == 0)
		return 0;
	snprintf(field, sizeof field, "entries[%zu].serial", e->index);
	x509i_check_serial(v->p, wlen(v), field, e->err, e->errlen);
	return -1;
}

/* The contents of one RevokedCertificate SEQUENCE. */
static int read_entry(const struct entry *e, struct win body)
{
	struct win v, exts;
	const char *why;

	if (take(&body, DER_INTEGER, &v) != 0)
		return refuse(e, "userCertificate is not a DER INTEGER");
	if (check_serial(e, &v) != 0)
		return -1;
	if ((why = take_time(&body, 0)) != NULL)
		return refuse(e, "bad revocationDate: %s", why);
	if (body.p == body.end)
		return 0;
	if (take(&body, DER_SEQUENCE, &exts) != 0 || body.p != body.end)
		return refuse(e, "bytes after revocationDate that are not crlEntryExtensions");
	/* RFC 5280 5.1.2.1: extensions make a CRL v2. */
	if (e->ci->version < 2)
		return refuse(e, "extensions in a v1 CRL");
	return read_exts(e, exts);
}

int x509i_crl_entries_read(const uint8_t *p, size_t len, struct x509_crl_info *ci, char *err,
			   size_t errlen)
{
	struct win all = {p, p + len}, list, body;
	struct entry e = {ci, 0, err, errlen};

	if (take(&all, DER_SEQUENCE, &list) != 0 || all.p != all.end) {
		err_set(err, errlen, "revokedCertificates: not one DER SEQUENCE");
		return -1;
	}
	/* RFC 5280 5.1.2.6: absent when empty, never an empty SEQUENCE. */
	if (list.p == list.end) {
		err_set(err, errlen, "revokedCertificates: present but empty");
		return -1;
	}
	for (; list.p < list.end; e.index++) {
		if (take(&list, DER_SEQUENCE, &body) != 0)
			return refuse(&e, "not a DER SEQUENCE (bad tag or length)");
		if (read_entry(&e, body) != 0)
			return -1;
	}
	ci->n_entries = e.index;
	return 0;
}
