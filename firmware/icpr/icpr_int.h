/* Internal helpers shared by the files of firmware/icpr (not for other folders:
 * they use icpr.h). */
#ifndef ICPR_ICPR_INT_H
#define ICPR_ICPR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/icpr/icpr.h"

/* The i-th code unit of a UTF-16LE buffer. */
uint16_t icpri_unit(const uint8_t *p, size_t i);

/* 1 if s..s+len is strict UTF-8 (platform/utf8.h) without NUL. */
int icpri_utf8_valid(const char *s, size_t len);

/* Simple case folding of one UTF-16 code unit (to lower case) for the scripts
 * named in icpr.h (icpr_authority_match). */
uint16_t icpri_fold(uint16_t u);
/* ASCII case-insensitive equality of two NUL-terminated strings. */
int icpri_ascii_eq(const char *a, const char *b);

/* BER framing to DER (ber.c): indefinite lengths definite, long forms minimal,
 * constructed OCTET STRINGs primitive. ICPR_OK with der malloc()ed; ICPR_EFORMAT
 * for anything that is not one well-framed BER value; ICPR_ETOOLONG/ENOMEM. */
int icpri_ber_to_der(const uint8_t *p, size_t len, struct x509_buf *der);

#endif
