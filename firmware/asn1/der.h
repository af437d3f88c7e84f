/* A small DER writer for the certificate hot path.
 *
 * Why not libtasn1 here: libtasn1 encodes through a tree of named nodes (calloc
 * per node, names parsed per write); a TBSCertificate costs ~80 us that way on
 * this hardware, more than a P-256 signature on the token. The writer below is
 * straight-line and bounded; every TBS it produces is then decoded by libtasn1
 * with the PKIX module (custodian lint) before it is signed, so the encoder and
 * the checker are two independent implementations.
 *
 * Usage: der_init (or der_init_max), then der_* appends; der_begin/der_end
 * bracket a constructed value (lengths patched at der_end); der_finish hands out
 * the buffer. Errors are sticky: after one, every call is a no-op and der_finish
 * fails.
 *
 * Cost at size: the buffer doubles (amortised O(1) per byte; realloc of large
 * blocks is mremap on glibc). der_begin reserves one length octet, so der_end of
 * a value of 128 bytes or more moves its contents up by 1..4 octets: each byte
 * is moved once per enclosing value that is that large, at most DER_MAX_NEST
 * times, never once per sibling. For a CRL only revokedCertificates and the
 * TBSCertList itself are large: two moves of the whole buffer (~2 ms each for
 * 44 MB here), linear in the size. */
#ifndef ASN1_DER_H
#define ASN1_DER_H

#include <stddef.h>
#include <stdint.h>

#define DER_MAX_NEST 12
/* Default limit of a writer (der_init): no certificate, request or extension
 * the CA writes comes near it. Larger structures (CRLs) ask for their own limit
 * with der_init_max. */
#define DER_MAX_SIZE (1u << 20)
/* The largest limit der_init_max takes: lengths are written and read back
 * (der_framing_ok) with at most 4 length octets. */
#define DER_MAX_LIMIT 0xffffffffu

enum {
	DER_BOOLEAN = 0x01,
	DER_INTEGER = 0x02,
	DER_BIT_STRING = 0x03,
	DER_OCTET_STRING = 0x04,
	DER_NULL = 0x05,
	DER_OID = 0x06,
	DER_UTF8_STRING = 0x0c,
	DER_IA5_STRING = 0x16,
	DER_UTC_TIME = 0x17,
	DER_GENERALIZED_TIME = 0x18,
	DER_SEQUENCE = 0x30,
	DER_SET = 0x31,
};
#define DER_CTX(n) (0xa0 | (n))      /* [n] constructed (EXPLICIT, or IMPLICIT SEQUENCE) */
#define DER_CTX_PRIM(n) (0x80 | (n)) /* [n] IMPLICIT primitive */

struct der {
	uint8_t *buf;
	size_t len, cap;
	size_t open[DER_MAX_NEST]; /* offsets of the open constructed values' tags */
	unsigned depth;
	size_t max;   /* the encoding may not grow beyond this many bytes */
	int failed;
	int too_big;  /* the failure was max being reached (set with failed) */
};

/* A writer limited to DER_MAX_SIZE bytes. */
void der_init(struct der *d);
/* A writer limited to max bytes (clamped to DER_MAX_LIMIT). */
void der_init_max(struct der *d, size_t max);
void der_free(struct der *d);

/* Appends one value already DER-encoded (a Name, an SPKI): it must be exactly one
 * well-framed TLV whose tag is want_tag. */
void der_raw(struct der *d, uint8_t want_tag, const uint8_t *tlv, size_t len);
/* Tag, length, contents. */
void der_prim(struct der *d, uint8_t tag, const void *contents, size_t len);
void der_begin(struct der *d, uint8_t tag);
void der_end(struct der *d);

/* INTEGER from a big-endian unsigned magnitude (leading zeros stripped, 0x00
 * prefixed when the high bit is set); and from a small non-negative number. */
void der_uint(struct der *d, uint8_t tag, const uint8_t *mag, size_t len);
void der_small_uint(struct der *d, unsigned long v);
void der_bool(struct der *d, int v);
/* A named-bit-list BIT STRING: bit i (RFC numbering, 0 = most significant bit of
 * the first octet) set when bits & (1 << i); trailing zero bits dropped. */
void der_named_bits(struct der *d, unsigned long bits);
/* OBJECT IDENTIFIER from dotted text; fails on anything not a valid OID. */
void der_oid(struct der *d, const char *dotted);
/* UTCTime for 1950..2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), 'Z'. */
void der_time(struct der *d, long long unix_time);
/* GeneralizedTime whatever the year (1950..9999), 'Z': for fields RFC 5280 types
 * as GeneralizedTime only, such as the CRL entry's invalidityDate. */
void der_generalized_time(struct der *d, long long unix_time);

/* The encoding, malloc()ed, when every value was closed and no error occurred:
 * 0; otherwise -1 (the buffer is freed either way). */
int der_finish(struct der *d, uint8_t **out, size_t *out_len);

/* The header of the TLV at p (len bytes available), read by DER's rules: a
 * low tag number (< 31), a definite length in its minimal form (short below
 * 128, else 1..4 octets without a leading zero, 0x80 indefinite refused) and
 * contents that fit in len. Sets *hdr (tag and length octets) and *clen; 0 or
 * -1. Inline: hand-written readers (CRL entries) call it per element. */
static inline int der_header(const uint8_t *p, size_t len, size_t *hdr, size_t *clen)
{
	size_t n, v = 0;

	if (len < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	if (p[1] < 0x80) {
		v = p[1];
		n = 0;
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || n > len - 2 || p[2] == 0)
			return -1;
		for (size_t k = 0; k < n; k++)
			v = (v << 8) | p[2 + k];
		if (v < 0x80)
			return -1;
	}
	if (v > len - 2 - n)
		return -1;
	*hdr = 2 + n;
	*clen = v;
	return 0;
}

/* 1 if p..p+len is a sequence of DER TLVs with definite, minimal lengths all the
 * way down their constructed contents (libtasn1 alone accepts non-minimal ones). */
int der_framing_ok(const uint8_t *p, size_t len);
/* 1 if p..p+len is exactly one DER TLV with definite, minimal lengths all the way
 * down its constructed contents. */
int der_tlv_ok(const uint8_t *p, size_t len);

#endif
