/* The strings of names as characters, for the policy's checks (x509.h: "the
 * strings of names"), and name matching (RFC 5280 7.1). Names are decoded with
 * libtasn1 (pkix.asn's Name and GeneralNames); each string type is turned into
 * Unicode code points here, with UTF-8 through platform/utf8 (the one decoder), so
 * that a policy sees characters, never bytes, whatever the type a requester chose. */
#include "firmware/x509/x509_int.h"
#include "platform/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_AVAS 1024 /* across all RDNs: far beyond any real name */

/* ---- string types to code points ---- */

static int printable(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != 0 && c < 0x80 && strchr(" '()+,-./:=?", (int)c) != NULL);
}

/* The content of a string of universal tag `tag` as code points into a new array
 * (*cp, *n). NULL, or why it is not a valid string of that type (*cp NULL then). */
/* The one "out of memory" of this file, told apart by its address from the
 * reasons a string is invalid (value_match). */
static const char OOM[] = "out of memory";

static const char *string_cps(uint8_t tag, const uint8_t *s, size_t len, uint32_t **cp,
			      size_t *n)
{
	uint32_t *out = malloc((len + 1) * sizeof(*out));
	const char *bad = NULL;
	size_t k = 0;

	*cp = NULL;
	*n = 0;
	if (out == NULL)
		return OOM;
	for (size_t i = 0; i < len && bad == NULL;) {
		uint32_t c = s[i];
		size_t step = 1;

		switch (tag) {
		case 0x0c: /* UTF8String */
			if ((step = utf8_next(s + i, len - i, &c)) == 0)
				bad = "not valid UTF-8";
			break;
		case 0x13: /* PrintableString */
			if (!printable(c))
				bad = "not a PrintableString";
			break;
		case 0x16: /* IA5String */
			if (c >= 0x80)
				bad = "not an IA5String (ASCII)";
			break;
		case 0x1a: /* VisibleString */
			if (c < 0x20 || c > 0x7e)
				bad = "not a VisibleString";
			break;
		case 0x12: /* NumericString */
			if (c != ' ' && (c < '0' || c > '9'))
				bad = "not a NumericString";
			break;
		case 0x14: /* TeletexString: read as ISO 8859-1, as every toolkit does */
			break;
		case 0x1e: /* BMPString: UTF-16BE (a surrogate pair, or none) */
			step = 2;
			if (len - i < 2) {
				bad = "not a valid BMPString (odd length)";
				break;
			}
			c = (uint32_t)s[i] << 8 | s[i + 1];
			if (c >= 0xd800 && c <= 0xdbff && len - i >= 4) {
				uint32_t lo = (uint32_t)s[i + 2] << 8 | s[i + 3];

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
					step = 4;
				}
			}
			if (c >= 0xd800 && c <= 0xdfff)
				bad = "not a valid BMPString (unpaired surrogate)";
			break;
		case 0x1c: /* UniversalString: UCS-4BE scalar values */
			step = 4;
			if (len - i < 4) {
				bad = "not a valid UniversalString (length)";
				break;
			}
			c = (uint32_t)s[i] << 24 | (uint32_t)s[i + 1] << 16 |
			    (uint32_t)s[i + 2] << 8 | s[i + 3];
			if ((c >= 0xd800 && c <= 0xdfff) || c > UTF8_MAX_CP)
				bad = "not a valid UniversalString (not a character)";
			break;
		default:
			bad = "not a string";
		}
		out[k++] = c;
		i += step;
	}
	if (bad != NULL) {
		free(out);
		return bad;
	}
	*cp = out;
	*n = k;
	return NULL;
}

/* A string TLV (an AttributeValue, an otherName's value): its tag, checked DER
 * length, and code points. NULL, or why not (then *cp NULL). */
static const char *tlv_cps(const uint8_t *tlv, size_t len, uint32_t **cp, size_t *n)
{
	int hdr = 0;
	long content;

	*cp = NULL;
	*n = 0;
	if (len < 2 || len > X509I_MAX_DER)
		return "not a string";
	content = asn1_get_length_der(tlv + 1, (int)(len - 1), &hdr);
	if (content < 0 || (size_t)content + 1 + (size_t)hdr != len)
		return "not a string";
	return string_cps(tlv[0], tlv + 1 + hdr, (size_t)content, cp, n);
}

/* ---- the attributes of a Name ---- */

static const struct {
	const char *oid, *kw;
} kws[] = {
	{"2.5.4.3", "CN"},  {"2.5.4.5", "SERIALNUMBER"}, {"2.5.4.6", "C"},
	{"2.5.4.7", "L"},   {"2.5.4.8", "ST"},           {"2.5.4.10", "O"},
	{"2.5.4.11", "OU"}, {"0.9.2342.19200300.100.1.25", "DC"},
	{"0.9.2342.19200300.100.1.1", "UID"}, {"1.2.840.113549.1.9.1", "E"},
};

static const char *keyword(const char *oid)
{
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (strcmp(kws[i].oid, oid) == 0)
			return kws[i].kw;
	return oid;
}

struct ava {
	size_t rdn, n_in_rdn;
	char oid[X509I_OID_MAX];
	uint8_t *tlv;
	int len;
};

static void avas_free(struct ava *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i].tlv);
	free(a);
}

/* x509.h's decoded Name: its attributes in DER order. */
struct x509_name {
	struct ava *a;
	size_t n, n_rdn;
};

/* How many AttributeTypeAndValues the decoded Name's nrdn RDNs hold; -1 when an
 * RDN is empty or they are more than NAME_MAX_AVAS. */
static int name_count_avas(asn1_node node, int nrdn)
{
	int total = 0;

	for (int i = 1; i <= nrdn; i++) {
		char rdn[48];
		int nava = 0;

		snprintf(rdn, sizeof(rdn), "rdnSequence.?%d", i);
		if (asn1_number_of_elements(node, rdn, &nava) != ASN1_SUCCESS || nava < 1 ||
		    nava > NAME_MAX_AVAS - total)
			return -1;
		total += nava;
	}
	return total;
}

/* Every AttributeTypeAndValue of a DER Name, RDN by RDN in DER order (the most
 * significant first). 0, or -1 when it does not decode. */
static int name_avas(const uint8_t *der, size_t len, struct ava **out, size_t *n,
		     size_t *n_rdn)
{
	asn1_node node = NULL;
	struct ava *a = NULL;
	int nrdn = 0, total, rc = -1;
	size_t k = 0;

	*out = NULL;
	*n = *n_rdn = 0;
	if (der == NULL || len > X509I_MAX_DER ||
	    asn1_decode("PKIX.Name", der, len, &node, NULL, 0) != 0)
		return -1;
	if (asn1_number_of_elements(node, "rdnSequence", &nrdn) != ASN1_SUCCESS)
		nrdn = 0; /* the empty Name */
	/* As many entries as the Name holds, counted first: a table sized for the
	 * most a Name may hold (160 KiB, zeroed) cost every request a fresh mapping
	 * of its own, four times over in the guard rails. */
	if ((total = name_count_avas(node, nrdn)) < 0 ||
	    (a = calloc(total > 0 ? (size_t)total : 1, sizeof(*a))) == NULL)
		goto out;
	for (int i = 1; i <= nrdn; i++) {
		char rdn[48], f[96];
		int nava = 0;

		snprintf(rdn, sizeof(rdn), "rdnSequence.?%d", i);
		if (asn1_number_of_elements(node, rdn, &nava) != ASN1_SUCCESS || nava < 1)
			goto out;
		for (int j = 1; j <= nava; j++) {
			if (k == (size_t)total)
				goto out;
			a[k].rdn = (size_t)(i - 1);
			a[k].n_in_rdn = (size_t)nava;
			snprintf(f, sizeof(f), "%s.?%d.type", rdn, j);
			if (x509i_read_str(node, f, a[k].oid, sizeof(a[k].oid)) != 0)
				goto out;
			snprintf(f, sizeof(f), "%s.?%d.value", rdn, j);
			if (asn1_read_alloc(node, f, &a[k].tlv, &a[k].len) != 0)
				goto out;
			k++;
		}
	}
	*n_rdn = (size_t)nrdn;
	rc = 0;
out:
	asn1_delete_structure(&node);
	if (rc != 0) {
		avas_free(a, k);
		return -1;
	}
	*out = a;
	*n = k;
	return 0;
}

int x509_name_open(const uint8_t *der, size_t len, struct x509_name **out)
{
	struct x509_name *nm = calloc(1, sizeof(*nm));

	*out = NULL;
	if (nm == NULL)
		return -1;
	if (name_avas(der, len, &nm->a, &nm->n, &nm->n_rdn) != 0) {
		free(nm);
		return -1;
	}
	*out = nm;
	return 0;
}

void x509_name_free(struct x509_name *nm)
{
	if (nm != NULL) {
		avas_free(nm->a, nm->n);
		free(nm);
	}
}

/* Hands each attribute of a decoded Name to fn, what prefixed by prefix. */
static int avas_walk(const struct x509_name *nm, const char *prefix, x509_text_fn fn,
		     void *ctx)
{
	const struct ava *a = nm->a;
	size_t n = nm->n, n_rdn = nm->n_rdn;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		char what[160];
		uint32_t *cp;
		struct x509_text t = {0, a[i].rdn, n_rdn, a[i].n_in_rdn, a[i].oid, what, NULL, 0,
				     NULL};

		snprintf(what, sizeof(what), "%s%s", prefix, keyword(a[i].oid));
		t.bad = tlv_cps(a[i].tlv, (size_t)a[i].len, &cp, &t.n);
		t.cp = cp;
		rc = fn(ctx, &t);
		free(cp);
	}
	return rc;
}

/* Hands each attribute of a DER Name to fn, what prefixed by prefix. */
static int name_walk(const uint8_t *der, size_t len, const char *prefix, x509_text_fn fn,
		     void *ctx)
{
	struct x509_name *nm;
	int rc;

	if (x509_name_open(der, len, &nm) != 0)
		return -1;
	rc = avas_walk(nm, prefix, fn, ctx);
	x509_name_free(nm);
	return rc;
}

int x509_name_texts(const uint8_t *der, size_t len, x509_text_fn fn, void *ctx)
{
	return name_walk(der, len, "", fn, ctx);
}

int x509_name_walk(const struct x509_name *nm, x509_text_fn fn, void *ctx)
{
	return avas_walk(nm, "", fn, ctx);
}

/* ---- GeneralNames (subjectAltName) ---- */

/* One IA5String GeneralName (rfc822Name, dNSName, URI): its content as read. */
static int san_ia5(asn1_node node, const char *f, const char *what, size_t idx,
		   x509_text_fn fn, void *ctx)
{
	struct x509_text t = {idx, 0, 0, 1, "", what, NULL, 0, NULL};
	uint8_t *v = NULL;
	uint32_t *cp;
	int vlen = 0, rc;

	if (asn1_read_alloc(node, f, &v, &vlen) != 0)
		return -1;
	t.bad = string_cps(0x16, v, (size_t)vlen, &cp, &t.n);
	t.cp = cp;
	rc = fn(ctx, &t);
	free(cp);
	free(v);
	return rc;
}

/* An otherName: its value when it is a string (a UPN is a UTF8String); other
 * values (a GUID's OCTET STRING) hold no text and are not handed over. */
static int san_other(asn1_node node, const char *f, size_t idx, x509_text_fn fn, void *ctx)
{
	char g[96], oid[X509I_OID_MAX], what[160];
	struct x509_text t = {idx, 0, 0, 1, oid, what, NULL, 0, NULL};
	uint8_t *v = NULL;
	uint32_t *cp;
	int vlen = 0, rc;

	snprintf(g, sizeof(g), "%s.type-id", f);
	if (x509i_read_str(node, g, oid, sizeof(oid)) != 0)
		return -1;
	snprintf(g, sizeof(g), "%s.value", f);
	if (asn1_read_alloc(node, g, &v, &vlen) != 0)
		return -1;
	snprintf(what, sizeof(what), "SAN otherName %s",
		 strcmp(oid, "1.3.6.1.4.1.311.20.2.3") == 0 ? "UPN" : oid);
	if (vlen < 1 || (v[0] & 0x20) != 0 ||
	    strchr("\x0c\x12\x13\x14\x16\x1a\x1c\x1e", v[0]) == NULL) {
		free(v); /* not a primitive string type: no text */
		return 0;
	}
	t.bad = tlv_cps(v, (size_t)vlen, &cp, &t.n);
	t.cp = cp;
	rc = fn(ctx, &t);
	free(cp);
	free(v);
	return rc;
}

/* A GeneralName that names a directory: its attributes, numbered by the SAN
 * entry, named "SAN directoryName <attribute>". */
struct dir_ctx {
	x509_text_fn fn;
	void *ctx;
	size_t idx;
};

static int dir_fn(void *arg, const struct x509_text *t)
{
	struct dir_ctx *d = arg;
	struct x509_text u = *t;

	u.entry = d->idx;
	return d->fn(d->ctx, &u);
}

int x509_san_texts(const uint8_t *value, size_t len, x509_text_fn fn, void *ctx)
{
	asn1_node node = NULL;
	int count = 0, rc = 0;

	if (value == NULL || len > X509I_MAX_DER ||
	    asn1_decode("PKIX.GeneralNames", value, len, &node, NULL, 0) != 0)
		return -1;
	if (asn1_number_of_elements(node, "", &count) != ASN1_SUCCESS)
		count = 0;
	for (int i = 1; i <= count && rc == 0; i++) {
		char f[32], kind[32];
		size_t idx = (size_t)(i - 1);

		snprintf(f, sizeof(f), "?%d", i);
		if (x509i_read_str(node, f, kind, sizeof(kind)) != 0) {
			rc = -1;
			break;
		}
		snprintf(f, sizeof(f), "?%d.%s", i, kind);
		if (strcmp(kind, "rfc822Name") == 0 || strcmp(kind, "dNSName") == 0 ||
		    strcmp(kind, "uniformResourceIdentifier") == 0) {
			char what[48];

			snprintf(what, sizeof(what), "SAN %s",
				 kind[0] == 'u' ? "URI" : kind);
			rc = san_ia5(node, f, what, idx, fn, ctx);
		} else if (strcmp(kind, "otherName") == 0) {
			rc = san_other(node, f, idx, fn, ctx);
		} else if (strcmp(kind, "directoryName") == 0) {
			struct dir_ctx d = {fn, ctx, idx};
			size_t s, e;
			int hdr = 0;

			/* The slice starts at the [4] EXPLICIT tag: the Name is inside. */
			if (asn1_der_slice(node, value, len, f, &s, &e) != 0 || e - s < 2 ||
			    value[s] != 0xa4 ||
			    asn1_get_length_der(value + s + 1, (int)(e - s - 1), &hdr) < 0)
				rc = -1;
			else
				rc = name_walk(value + s + 1 + hdr, e - s - 1 - (size_t)hdr,
					       "SAN directoryName ", dir_fn, &d);
		} else if (strcmp(kind, "iPAddress") != 0 && strcmp(kind, "registeredID") != 0) {
			/* x400Address, ediPartyName: strings this layer does not read */
			struct x509_text t = {idx, 0, 0, 1, "", kind, NULL, 0,
					      "a kind of name the CA does not accept"};
			char what[48];

			snprintf(what, sizeof(what), "SAN %s", kind);
			t.what = what;
			rc = fn(ctx, &t);
		}
	}
	asn1_delete_structure(&node);
	return rc;
}

/* ---- matching (RFC 5280 7.1, RFC 4518) ---- */

/* RFC 4518 2.2's characters mapped to nothing (those a name check refuses
 * anyway, and the invisible ones that would let a name differ unseen). */
static int mapped_to_nothing(uint32_t c)
{
	return c == 0xad || c == 0x1806 || (c >= 0x180b && c <= 0x180e) || c == 0x34f ||
	       (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfffc || c == 0x200b ||
	       (c <= 0x08) || (c >= 0x0e && c <= 0x1f) || (c >= 0x7f && c <= 0x84) ||
	       (c >= 0x86 && c <= 0x9f) || c == 0x6dd || c == 0x70f ||
	       (c >= 0x200c && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2060 && c <= 0x2063) || (c >= 0x206a && c <= 0x206f) || c == 0xfeff ||
	       (c >= 0xfff9 && c <= 0xfffb) || (c >= 0x1d173 && c <= 0x1d17a) || c == 0xe0001 ||
	       (c >= 0xe0020 && c <= 0xe007f);
}

/* RFC 4518 2.2's characters mapped to SPACE. */
static int space_like(uint32_t c)
{
	return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 ||
	       c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	       c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Simple case folding of the scripts a CA name is written in, without a Unicode
 * library: ASCII, Latin-1, Greek and Cyrillic capitals (the README says what
 * this leaves out). */
static uint32_t fold(uint32_t c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
	    (c >= 0x391 && c <= 0x3ab && c != 0x3a2) || (c >= 0x410 && c <= 0x42f))
		return c + 0x20;
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	return c;
}

/* The prepared form: mapped, folded, insignificant spaces removed (leading and
 * trailing dropped, inner runs to one). Into p (room for n); its length. */
static size_t prepare(const uint32_t *cp, size_t n, uint32_t *p)
{
	size_t k = 0;
	int space = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t c = cp[i];

		if (mapped_to_nothing(c))
			continue;
		if (space_like(c)) {
			space = k > 0;
			continue;
		}
		if (space)
			p[k++] = 0x20;
		space = 0;
		p[k++] = fold(c);
	}
	return k;
}

/* Two attribute values match: as prepared strings when both are strings, else
 * byte for byte. */
static int value_match(const struct ava *a, const struct ava *b)
{
	uint32_t *ca = NULL, *cb = NULL, *pa = NULL, *pb = NULL;
	size_t na = 0, nb = 0, la, lb;
	int rc;

	const char *ea = tlv_cps(a->tlv, (size_t)a->len, &ca, &na);
	const char *eb = ea != NULL ? NULL : tlv_cps(b->tlv, (size_t)b->len, &cb, &nb);

	/* Out of memory is an error, never "no match": a caller guarding against
	 * the CA's own name must refuse then, not let the name through. */
	if (ea == OOM || eb == OOM) {
		rc = -1;
		goto out;
	}
	if (ea != NULL || eb != NULL) {
		rc = a->len == b->len && memcmp(a->tlv, b->tlv, (size_t)a->len) == 0;
		goto out;
	}
	pa = malloc((na + 1) * sizeof(*pa));
	pb = malloc((nb + 1) * sizeof(*pb));
	if (pa == NULL || pb == NULL) {
		rc = -1;
		goto out;
	}
	la = prepare(ca, na, pa);
	lb = prepare(cb, nb, pb);
	rc = la == lb && memcmp(pa, pb, la * sizeof(*pa)) == 0;
out:
	free(ca);
	free(cb);
	free(pa);
	free(pb);
	return rc;
}

int x509_name_same(const struct x509_name *a, const struct x509_name *b)
{
	const struct ava *x = a->a, *y = b->a;
	size_t nx = a->n, ny = b->n;
	int rc = nx == ny && a->n_rdn == b->n_rdn;

	/* RDN by RDN in order; within an RDN (a set) each AVA of a has a match of
	 * the same RDN in b, and the RDNs have as many AVAs. */
	for (size_t i = 0; i < nx && rc == 1; i++) {
		int found = 0;

		if (x[i].rdn != y[i].rdn || x[i].n_in_rdn != y[i].n_in_rdn) {
			rc = 0;
			break;
		}
		for (size_t j = 0; j < ny && !found && rc >= 0; j++) {
			if (y[j].rdn != x[i].rdn || strcmp(x[i].oid, y[j].oid) != 0)
				continue;
			if ((found = value_match(&x[i], &y[j])) < 0)
				rc = -1;
		}
		if (rc == 1 && !found)
			rc = 0;
	}
	return rc;
}

int x509_name_match(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct x509_name *x = NULL, *y = NULL;
	int rc = -1;

	if (x509_name_open(a, alen, &x) == 0 && x509_name_open(b, blen, &y) == 0)
		rc = x509_name_same(x, y);
	x509_name_free(x);
	x509_name_free(y);
	return rc;
}
