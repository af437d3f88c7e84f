/* The project's ASN.1 layer: the PKIX module (pkix.asn) compiled by asn1Parser
 * into a libtasn1 definitions array at build time, plus small helpers around
 * libtasn1 for encoding and strict DER decoding. The one hand-written part is the
 * DER writer of der.h, for the issuance hot path (it says why). */
#ifndef ASN1_ASN1_H
#define ASN1_ASN1_H

#include <stddef.h>
#include <stdint.h>

#include <libtasn1.h>

/* The parsed definitions (built once, thread-safe); NULL only if the compiled-in
 * module is broken, which a unit test catches. */
asn1_node asn1_pkix(void);

/* Creates an element of type "PKIX.<type>" (e.g. "PKIX.TBSCertificate"). 0 or -1. */
int asn1_new(const char *type, asn1_node *out);

/* DER-encodes the element (or the named sub-element, "" for the whole) into a
 * malloc()ed buffer. 0 or -1 with a message in err naming the failing field. */
int asn1_encode(asn1_node node, const char *name, uint8_t **der, size_t *der_len,
		char *err, size_t errlen);

/* Decodes der into a new element of the given type with strict DER rules
 * (ASN1_DECODE_FLAG_STRICT_DER); the whole input must be consumed. */
int asn1_decode(const char *type, const uint8_t *der, size_t der_len, asn1_node *out,
		char *err, size_t errlen);

/* Reads a value into a malloc()ed buffer (len in bytes; for BIT STRINGs in bits,
 * as libtasn1 reports). -1 if absent. */
int asn1_read_alloc(asn1_node node, const char *name, uint8_t **val, int *len);

/* The DER bytes of a sub-element inside the input it was decoded from (for
 * hashing the TBS exactly as received); 0 or -1. */
int asn1_der_slice(asn1_node node, const uint8_t *der, size_t der_len, const char *name,
		   size_t *start, size_t *end);

#endif
