/* Hexadecimal text: one implementation for every process and tool. */
#ifndef PLATFORM_HEX_H
#define PLATFORM_HEX_H

#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
int hex_value(int c);
/* n bytes as 2n lower-case digits and a NUL (out holds 2n+1). */
void hex_encode(const uint8_t *p, size_t n, char *out);
/* An even number of digits, at most 2*max, into out; *n bytes. 0 or -1. */
int hex_decode(const char *s, uint8_t *out, size_t max, size_t *n);

#endif
