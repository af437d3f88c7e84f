/* NTLM tokens checked before gss-ntlmssp sees them (check.c says what it
 * mishandles). Each returns 0, or -1 with a message for the log: the caller
 * answers the worker with the ordinary logon failure. */
#ifndef AUTH_CHECK_H
#define AUTH_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* A NEGOTIATE: decodes (firmware/rpc/ntlm_msg.c: fields inside the message), at
 * least its 32-octet fixed part, connection-oriented, UNICODE or OEM offered,
 * NEGOTIATE_128 offered. */
int ntlm_check_negotiate(const uint8_t *tok, size_t len, char *err, size_t errlen);

/* The NegotiateFlags of the CHALLENGE gss-ntlmssp made: what it negotiated, and
 * so how it will read the AUTHENTICATE. */
int ntlm_challenge_flags(const uint8_t *tok, size_t len, uint32_t *flags, char *err,
			 size_t errlen);

/* An AUTHENTICATE answering a CHALLENGE with flags negotiated: every field
 * inside the message and after its fixed part; a 16-octet session key when
 * KEY_EXCH is set (negotiated or in the message); NEGOTIATE_128 negotiated and in
 * the message; a user name; names of at most
 * 512 octets in the negotiated encoding, without NUL; an NTLMv2 response with a
 * well-formed AV_PAIR list; an LM response of 0, 1 or 24 octets. */
int ntlm_check_authenticate(const uint8_t *tok, size_t len, uint32_t negotiated, char *err,
			    size_t errlen);

#endif
