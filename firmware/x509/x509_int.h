/* Internal interfaces shared by the files of firmware/x509 (not for other
 * folders: they use x509.h). */
#ifndef X509_X509_INT_H
#define X509_X509_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "firmware/asn1/asn1.h"
#include "firmware/x509/x509.h"
#include "platform/civil.h"
#include "platform/errbuf.h"

/* Upper bound on any DER object this layer decodes or assembles except CRLs
 * (X509_CRL_MAX_SIZE): certificates and requests are a few KiB; anything near
 * this is hostile. */
#define X509I_MAX_DER (1u << 20)
/* Longest dotted OID string accepted (with the NUL). */
#define X509I_OID_MAX 128
/* Longest URI written into CDP/AIA. */
#define X509I_URI_MAX 1024

/* ---- util.c ---- */
/* Copies len bytes into a new buffer (len 0 gives a 1-byte allocation). */
int x509i_buf_set(struct x509_buf *b, const uint8_t *d, size_t len);
/* 1 if s is a dotted OID with at least two arcs that libtasn1 can encode. */
int x509i_oid_valid(const char *s);
/* Reads a NUL-terminated string value (OID, time, CHOICE name) into buf. */
int x509i_read_str(asn1_node node, const char *name, char *buf, size_t bufsz);
/* Reads a BOOLEAN; an absent DEFAULT FALSE reads as 0. */
int x509i_read_bool(asn1_node node, const char *name, int *out);
/* Reads a non-negative INTEGER that fits in an int. */
int x509i_read_uint(asn1_node node, const char *name, int *out);
/* A non-negative INTEGER of at most 64 bits at name; with minimal, only in its
 * minimal form (libtasn1's strict DER lets 00 01 through). 0 or -1. */
int x509i_read_u64(asn1_node node, const char *name, int minimal, uint64_t *out);
/* Reads a BIT STRING that must be whole bytes (signatures, keys). */
int x509i_read_octet_bits(asn1_node node, const char *name, struct x509_buf *out);
/* Copies the DER bytes of a decoded sub-element into out. */
int x509i_slice_copy(asn1_node node, const uint8_t *der, size_t len, const char *name,
		     struct x509_buf *out);
/* Serial number rules (positive, 1..20 octets, minimal, non-zero); field names
 * the value in the message. */
int x509i_check_serial(const uint8_t *serial, size_t len, const char *field, char *err,
		       size_t errlen);
/* Validates der as the given PKIX type (strictly) and copies it into
 * node's field; what names the field in error messages. */
int x509i_copy_der(asn1_node node, const char *field, const char *type,
		   const struct x509_buf *der, const char *what, char *err, size_t errlen);

/* ---- time.c ---- */
/* Checks a time's text (the contents of its TLV): "YYMMDDHHMMSSZ" when not
 * generalized (UTCTime, years 1950..2049), "YYYYMMDDHHMMSSZ" otherwise, a real
 * calendar date; fills out (may be NULL). Pure arithmetic, no libc time call:
 * the CRL entry reader checks a million per lint. 0 or -1. */
int x509i_time_check(const uint8_t *s, size_t len, int generalized, struct civil_time *out);
/* Reads a Time CHOICE (Zulu with seconds, as RFC 5280 requires). */
int x509i_time_read(asn1_node node, const char *field, time_t *out);

/* ---- alg.c ---- */
/* What a signatureAlgorithm means for verification. */
struct x509i_alg {
	enum wc_HashType hash;
	enum x509_key_type key;
};
const char *x509i_sigalg_oid(enum x509_sigalg alg);
enum wc_HashType x509i_sigalg_hash(enum x509_sigalg alg);
enum x509_key_type x509i_sigalg_key(enum x509_sigalg alg);
/* Writes an AlgorithmIdentifier for alg into node's field. */
int x509i_algid_write(asn1_node node, const char *field, enum x509_sigalg alg, char *err,
		      size_t errlen);
/* Reads an AlgorithmIdentifier accepted for verification (RSA PKCS#1 v1.5 with
 * SHA-1/256/384/512, ECDSA with SHA-256/384/512); -1 if unsupported. */
int x509i_algid_read(asn1_node node, const char *field, struct x509i_alg *out);
/* The enum value of a verification algorithm, X509_SIG_NONE if it has none. */
enum x509_sigalg x509i_sigalg_from(const struct x509i_alg *a);
/* Builds a DER SignedEnvelope {tbs, alg, sig}; tbs at most max bytes
 * (X509I_MAX_DER for certificates and requests, X509_CRL_MAX_SIZE for CRLs). */
int x509i_envelope(const struct x509_buf *tbs, size_t max, enum x509_sigalg alg,
		   const uint8_t *sig, size_t sig_len, struct x509_buf *out);

/* ---- verify.c ---- */
/* Verifies sig over data (at most data_max bytes: X509I_MAX_DER, or
 * X509_CRL_MAX_SIZE for a CRL) with the DER SPKI; 0 if valid. */
int x509i_verify(const struct x509i_alg *alg, const uint8_t *data, size_t data_len,
		 size_t data_max, const uint8_t *sig, size_t sig_len, const uint8_t *spki,
		 size_t spki_len, char *err, size_t errlen);

/* ---- csrattrs.c: Microsoft request attributes, shared with cms.c ---- */
struct cms_namevalue;
/* Appends the name-value pairs of one value of a 1.3.6.1.4.1.311.13.2.1
 * attribute (the DER TLV [p, p + len): one EnrollmentNameValuePair, or a
 * SEQUENCE OF them) to nv (*n of max used). Refused: not DER, a string that is
 * not valid UTF-16 or holds a NUL, an empty name, a name or value longer than
 * CMS_NV_TEXT_MAX - 1 bytes of UTF-8, more than max pairs, a name already in nv
 * (case-insensitive, ASCII). what names the place in messages. 0 or -1. */
int x509i_nv_add(const uint8_t *p, size_t len, struct cms_namevalue *nv, size_t max,
		 size_t *n, const char *what, char *err, size_t errlen);

/* ---- ext.c: building extensions ---- */
struct x509i_ext {
	const char *oid;
	int critical;
	struct x509_buf value; /* DER extnValue contents */
};
#define X509I_MAX_EXT (8 + X509_MAX_EXTRA_EXT)
struct x509i_exts {
	struct x509i_ext e[X509I_MAX_EXT];
	size_t n;
};
void x509i_exts_free(struct x509i_exts *x);
int x509i_ext_basic_constraints(struct x509i_exts *x, int is_ca, int path_len, char *err,
				size_t errlen);
/* Appends an extension given whole; refuses an OID already in x, a bad OID and a
 * value that is not exactly one DER element. */
int x509i_ext_given(struct x509i_exts *x, const struct x509_ext_in *in, char *err,
		    size_t errlen);
int x509i_ext_key_usage(struct x509i_exts *x, unsigned ku, char *err, size_t errlen);
int x509i_ext_eku(struct x509i_exts *x, const char *const *oids, size_t n, char *err,
		  size_t errlen);
int x509i_ext_ski(struct x509i_exts *x, const struct x509_buf *spki, char *err, size_t errlen);
int x509i_ext_aki(struct x509i_exts *x, const uint8_t id[20], char *err, size_t errlen);
int x509i_ext_cdp(struct x509i_exts *x, const char *uri, char *err, size_t errlen);
int x509i_ext_aia(struct x509i_exts *x, const char *ca_issuers, const char *ocsp, char *err,
		  size_t errlen);
/* CRL extensions (RFC 5280 5.2): cRLNumber, or deltaCRLIndicator (critical)
 * when delta_indicator; IssuingDistributionPoint (critical) with a fullName URI;
 * freshestCRL with a fullName URI. */
int x509i_ext_crl_number(struct x509i_exts *x, uint64_t number, int delta_indicator,
			 char *err, size_t errlen);
int x509i_ext_idp(struct x509i_exts *x, const char *uri, char *err, size_t errlen);
int x509i_ext_freshest(struct x509i_exts *x, const char *uri, char *err, size_t errlen);
struct der;
/* Appends the list as Extensions ::= SEQUENCE OF Extension to the DER writer
 * (the caller adds the [3] or [0] EXPLICIT wrapper). */
void x509i_exts_der(struct der *d, const struct x509i_exts *x);
/* Writes the list as a SEQUENCE OF Extension at node's field ("" for a root
 * PKIX.Extensions). */
int x509i_exts_write(asn1_node node, const char *field, const struct x509i_exts *x,
		     char *err, size_t errlen);

/* ---- crlent.c: the entries of a TBSCertList ---- */
/* Reads revokedCertificates, the TLV [p, p + len), in strict DER: every entry's
 * serial, revocationDate and extensions checked, counted into ci->n_entries,
 * n_reasons and n_invalidity (ci->version must be set: a v1 CRL has no entry
 * extensions). 0, or -1 with a message naming the entry ("entries[3]: ..."). */
int x509i_crl_entries_read(const uint8_t *p, size_t len, struct x509_crl_info *ci, char *err,
			   size_t errlen);

/* ---- extdec.c: reading extensions ---- */
/* Called with each extension's OID, criticality and extnValue contents; 0 to go
 * on, -1 to refuse (having written err). */
typedef int (*x509i_ext_fn)(void *ctx, const char *oid, int critical,
			    const struct x509_buf *v, char *err, size_t errlen);
/* Every Extension of the SEQUENCE OF at field (absent is fine; "" is n itself):
 * 1..max of them, no extnID twice, each handed to fn. 0 or -1 with err. Shared
 * by certificates (x509i_exts_read) and CRLs (crldec.c). */
int x509i_exts_walk(asn1_node n, const char *field, int max, x509i_ext_fn fn, void *ctx,
		    char *err, size_t errlen);
/* A certificate's extensions into ci (BasicConstraints, KeyUsage, SKI, AKI). */
int x509i_exts_read(asn1_node cert, const char *field, struct x509_cert_info *ci, char *err,
		    size_t errlen);

#endif
