/* UTF-8 with one rule for every process: the shortest form only, no surrogate
 * (U+D800..U+DFFF), nothing beyond U+10FFFF (RFC 3629 section 3). A malformed
 * sequence is an error, never replaced by U+FFFD, so that what the CA records,
 * hashes or signs is exactly what it was given. */
#ifndef PLATFORM_UTF8_H
#define PLATFORM_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_MAX_CP 0x10ffffu

/* Decodes one sequence at s (len bytes left) into *cp; returns its length 1..4,
 * or 0 when it is malformed: empty, a continuation byte or C0, C1, F5..FF first,
 * a byte that should continue and does not, cut short, overlong, a surrogate or
 * beyond U+10FFFF. U+0000 is a character here: callers that refuse NUL do so. */
size_t utf8_next(const uint8_t *s, size_t len, uint32_t *cp);

/* The number of characters in s..s+len when all of it is well-formed, else -1. */
long utf8_count(const uint8_t *s, size_t len);

/* Encodes cp into b; returns its length 1..4, or 0 when cp is not a scalar value
 * (a surrogate or beyond U+10FFFF: there is no UTF-8 for those). */
size_t utf8_put(uint32_t cp, uint8_t b[4]);

/* UTF-16LE (len octets, no terminator) to UTF-8 in out (outlen counts the
 * NUL written after it): surrogates must pair, no U+0000 unit (a name with a
 * NUL inside would compare differently in C); never cut: 0, or -1 when the
 * input is malformed or does not fit. For names from the wire (NTLM, the
 * PAC). */
int utf8_from_utf16le(const uint8_t *p, size_t len, char *out, size_t outlen);

/* 1 for a character that changes how the text around it reads without being
 * seen itself, which a name shown to a person must not hold: the bidirectional
 * controls (U+200E, U+200F marks; U+202A..U+202E embeddings and overrides;
 * U+2066..U+2069 isolates) and the zero-width and format characters (U+00AD soft
 * hyphen, U+200B..U+200D, U+2060..U+2064, U+FEFF). Control characters (C0, DEL,
 * C1) are not in it: every caller refuses those already, by its own message. */
int utf8_invisible(uint32_t cp);

#endif
