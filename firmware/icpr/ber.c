/* BER to DER framing, for requests from streaming CMS encoders (openssl cms
 * -stream, Java's BouncyCastle): indefinite lengths become definite, long forms
 * minimal, and a constructed universal OCTET STRING one primitive string.
 *
 * Why not libtasn1's own BER mode: libtasn1 4.19 (Debian 12) fails to decode an
 * indefinite-length EXPLICIT tag inside an indefinite-length parent (e.g.
 * 30 80 02 01 01 a0 80 30 03 02 01 01 00 00 00 00 against SEQUENCE { INTEGER,
 * [0] EXPLICIT SEQUENCE { INTEGER } } gives ASN1_DER_ERROR), which is exactly
 * ContentInfo { signedData, [0] SignedData } as openssl streams it. Converting
 * first keeps every decoder on the strict-DER path.
 *
 * What is not made canonical: SET OF order, and the contents of primitives
 * (INTEGER, BOOLEAN ...): the strict decoder that follows judges those. Signed
 * CMS attributes are hashed as DER by definition (RFC 5652 5.4) and eContent is
 * hashed over its octets, so the conversion changes nothing a CMS signature
 * covers; a PKCS#10 signature covers the request info as sent, which is why the
 * caller is told the input was BER. */
#include "firmware/icpr/icpr_int.h"

#include <stdlib.h>
#include <string.h>

#define BER_MAX_DEPTH 32
#define HDR_MAX 6 /* tag + 0x84 + 4 length octets, reserved then shrunk */

struct out {
	uint8_t *buf;
	size_t len, cap, max;
};

static int reserve(struct out *o, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (n > o->max - o->len)
		return ICPR_ETOOLONG;
	if (o->len + n <= o->cap)
		return ICPR_OK;
	cap = o->cap ? o->cap : 1024;
	while (cap < o->len + n)
		cap *= 2;
	nb = realloc(o->buf, cap);
	if (nb == NULL)
		return ICPR_ENOMEM;
	o->buf = nb;
	o->cap = cap;
	return ICPR_OK;
}

static int put(struct out *o, const uint8_t *p, size_t n)
{
	int rc = reserve(o, n);

	if (rc == ICPR_OK && n > 0) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	}
	return rc;
}

/* One BER header at p (avail bytes): tag, and either a definite content length
 * (*indef 0) or indefinite (*indef 1); header size into *hl. */
static int header(const uint8_t *p, size_t avail, uint8_t *tag, size_t *clen, int *indef,
		  size_t *hl)
{
	size_t n;

	if (avail < 2 || (p[0] & 0x1f) == 0x1f) /* high tag numbers: not in CMS */
		return ICPR_EFORMAT;
	*tag = p[0];
	*indef = 0;
	*clen = 0;
	if (p[1] < 0x80) {
		*clen = p[1];
		*hl = 2;
	} else if (p[1] == 0x80) {
		if (!(p[0] & 0x20))
			return ICPR_EFORMAT; /* indefinite needs a constructed value */
		*indef = 1;
		*hl = 2;
		return ICPR_OK;
	} else {
		n = p[1] & 0x7f;
		if (n > 4 || n > avail - 2)
			return ICPR_EFORMAT;
		for (size_t i = 0; i < n; i++)
			*clen = (*clen << 8) | p[2 + i];
		*hl = 2 + n;
	}
	return *clen <= avail - *hl ? ICPR_OK : ICPR_EFORMAT;
}

/* Writes the minimal header for the content written since start + HDR_MAX,
 * moving the content down over the unused header bytes. */
static void close_value(struct out *o, size_t start, uint8_t tag)
{
	size_t clen = o->len - start - HDR_MAX, k = 0;
	uint8_t h[HDR_MAX];

	h[k++] = tag;
	if (clen < 0x80) {
		h[k++] = (uint8_t)clen;
	} else {
		size_t n = 0;
		for (size_t v = clen; v; v >>= 8)
			n++;
		h[k++] = (uint8_t)(0x80 | n);
		for (size_t i = 0; i < n; i++)
			h[k++] = (uint8_t)(clen >> (8 * (n - 1 - i)));
	}
	memcpy(o->buf + start, h, k);
	memmove(o->buf + start + k, o->buf + start + HDR_MAX, clen);
	o->len -= HDR_MAX - k;
}

static int element(const uint8_t *p, size_t avail, int depth, int octets_only, struct out *o,
		   size_t *used);

/* The children of a constructed value: up to end (definite) or to the EOC
 * (indefinite, which is consumed). */
static int children(const uint8_t *p, size_t avail, int indef, int depth, int octets_only,
		    struct out *o, size_t *used)
{
	size_t i = 0, u;
	int rc;

	for (;;) {
		if (!indef && i == avail)
			break;
		if (indef && avail - i >= 2 && p[i] == 0 && p[i + 1] == 0) {
			i += 2;
			break;
		}
		if (i == avail)
			return ICPR_EFORMAT; /* no EOC */
		if ((rc = element(p + i, avail - i, depth + 1, octets_only, o, &u)) != ICPR_OK)
			return rc;
		i += u;
	}
	*used = i;
	return ICPR_OK;
}

/* The content of the constructed element whose header (hl bytes) is at p: its
 * children, then *used = the whole element's size. */
static int children_then(const uint8_t *p, size_t avail, size_t hl, size_t clen, int indef,
			 int depth, int octets_only, struct out *o, size_t *used)
{
	size_t u = 0;
	int rc = children(p + hl, indef ? avail - hl : clen, indef, depth, octets_only, o, &u);

	if (rc == ICPR_OK && !indef && u != clen)
		return ICPR_EFORMAT;
	*used = hl + u;
	return rc;
}

/* One element at p. octets_only: inside a constructed OCTET STRING, where only
 * OCTET STRING segments may appear and only their bytes are written. */
static int element(const uint8_t *p, size_t avail, int depth, int octets_only, struct out *o,
		   size_t *used)
{
	uint8_t tag;
	size_t clen, hl, start;
	int indef, rc;

	if (depth > BER_MAX_DEPTH)
		return ICPR_EFORMAT;
	if ((rc = header(p, avail, &tag, &clen, &indef, &hl)) != ICPR_OK)
		return rc;
	if (tag == 0x00 || tag == 0x23 || (octets_only && tag != 0x04 && tag != 0x24))
		return ICPR_EFORMAT; /* stray EOC, constructed BIT STRING, bad segment */
	if (!(tag & 0x20)) {
		*used = hl + clen;
		if (octets_only)
			return put(o, p + hl, clen);
		start = o->len;
		if ((rc = reserve(o, HDR_MAX + clen)) != ICPR_OK)
			return rc;
		o->len += HDR_MAX;
		rc = put(o, p + hl, clen);
		close_value(o, start, tag); /* a non-minimal long form becomes minimal */
		return rc;
	}
	if (octets_only) /* a constructed segment of a constructed OCTET STRING */
		return children_then(p, avail, hl, clen, indef, depth, 1, o, used);
	start = o->len;
	if ((rc = reserve(o, HDR_MAX)) != ICPR_OK)
		return rc;
	o->len += HDR_MAX;
	/* A constructed OCTET STRING becomes one primitive string of its segments. */
	rc = children_then(p, avail, hl, clen, indef, depth, tag == 0x24, o, used);
	if (rc == ICPR_OK)
		close_value(o, start, tag == 0x24 ? 0x04 : tag);
	return rc;
}

int icpri_ber_to_der(const uint8_t *p, size_t len, struct x509_buf *der)
{
	struct out o = {NULL, 0, 0, 4 * len + 256}; /* headers are reserved wide */
	size_t used;
	int rc;

	der->data = NULL;
	der->len = 0;
	if (p == NULL || len == 0)
		return ICPR_EFORMAT;
	rc = element(p, len, 0, 0, &o, &used);
	if (rc == ICPR_OK && used != len)
		rc = ICPR_EFORMAT; /* trailing bytes */
	if (rc != ICPR_OK) {
		free(o.buf);
		return rc;
	}
	der->data = o.buf;
	der->len = o.len;
	return ICPR_OK;
}
