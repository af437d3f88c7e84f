/* NTLM message decoder (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE, AUTHENTICATE.
 *
 * The worker reads these tokens from the network before it forwards them to
 * ca-auth: it needs the message type (to know which leg it is), the negotiated
 * flags of the AUTHENTICATE message (they choose the sealing key length and
 * whether checksums are encrypted) and the claimed DOMAIN\user for the journal
 * when authentication fails. Nothing here decides whether a client is who it
 * claims to be: that is ca-auth's (gss-ntlmssp's) job.
 *
 * Every field is a view into the caller's buffer and is bounds-checked: a
 * field's (offset, length) must lie inside the message; an empty field's offset
 * is not looked at (clients write anything there). */
#ifndef RPC_NTLM_MSG_H
#define RPC_NTLM_MSG_H

#include <stddef.h>
#include <stdint.h>

#define NTLM_MSG_MAX 8192 /* a token longer than this is refused */

enum ntlm_msg_type {
	NTLM_NEGOTIATE = 1,
	NTLM_CHALLENGE = 2,
	NTLM_AUTHENTICATE = 3,
};

/* AV_PAIR ids (MS-NLMP 2.2.2.1) */
#define NTLM_AV_EOL 0
#define NTLM_AV_NB_COMPUTER 1
#define NTLM_AV_NB_DOMAIN 2
#define NTLM_AV_DNS_COMPUTER 3
#define NTLM_AV_DNS_DOMAIN 4
#define NTLM_AV_TIMESTAMP 7

struct ntlm_field {
	const uint8_t *p; /* inside the message; NULL when len is 0 */
	size_t len;
};

struct ntlm_msg {
	uint32_t type;  /* enum ntlm_msg_type */
	uint32_t flags; /* NegotiateFlags */
	struct ntlm_field domain, workstation; /* NEGOTIATE, AUTHENTICATE */
	struct ntlm_field target_name, target_info; /* CHALLENGE */
	uint8_t challenge[8];                   /* CHALLENGE */
	struct ntlm_field lm_response, nt_response, user, session_key; /* AUTHENTICATE */
};

/* 0 with *m, or -1 with a message: not an NTLMSSP message, an unknown type, a
 * message shorter than its fixed part or over NTLM_MSG_MAX, a field outside it,
 * a UTF-16 field of odd length. */
int ntlm_msg_decode(const uint8_t *p, size_t len, struct ntlm_msg *m, char *err, size_t errlen);

/* A name field as printable UTF-8 for logs and the journal (UTF-16LE when the
 * message says UNICODE, OEM bytes otherwise); anything that is not printable
 * ASCII becomes '?' and the text is cut to outlen - 1. Always NUL-terminates. */
void ntlm_field_text(const struct ntlm_msg *m, const struct ntlm_field *f, char *out,
		     size_t outlen);

/* Looks up an AV_PAIR in a CHALLENGE's target info (or an NTLMv2 response's
 * pairs). 1 with *value, 0 if absent, -1 if the list is malformed (a pair past
 * the end, no MsvAvEOL). */
int ntlm_av_find(const struct ntlm_field *list, uint16_t id, struct ntlm_field *value);

#endif
