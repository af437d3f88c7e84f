/* Internal to firmware/policy: the rules build.c encodes by and decide.c
 * decides by, defined once so that a request the policy issues is one whose
 * parts can be built. */
#ifndef POLICY_POLICY_INT_H
#define POLICY_POLICY_INT_H

#include <stddef.h>

/* An account attribute for a subjectAltName: set, NUL-terminated within its cap
 * bytes, and printable (ASCII without blanks for an IA5String, when ascii;
 * otherwise UTF-8 without controls, blanks or invisible characters, for the
 * UPN's UTF8String). Its length, or 0 with a message naming what ("e-mail
 * address") in err. */
size_t policy_attr_len(const char *v, size_t cap, int ascii, const char *what, char *err,
		       size_t errlen);

/* A SID's text as far as the encoding needs it: "S-1-" then digits and '-',
 * at most POLICY_SID_MAX bytes (its full syntax is firmware/identity's). */
int policy_sid_shape_ok(const char *sid, size_t n);

#endif
