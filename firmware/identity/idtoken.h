/* Identity tokens: how an authenticated requester's name reaches the custodian in
 * a form the worker cannot make (DESIGN.md, "the worker cannot forge identity").
 *
 * ca-auth mints a token when a logon succeeds and hands it to the worker with the
 * sealing keys; the worker passes it on, unopened, with each request of that
 * connection; the custodian verifies it and records the identity it names, never
 * a string the worker wrote. The MAC key (IDTOKEN_KEY_LEN random bytes) is made by
 * cad for each worker start and given to ca-auth and to the custodian only; the
 * worker never holds it. A token is bound to the worker's connection number and
 * expires: a compromised worker can replay only tokens of logons that really
 * happened, for the connection they were made for, until they expire.
 *
 * Version 2 carries the account's attributes (attrs.h: what AD would supply;
 * ca-auth reads them from DATA/auth/attributes at the logon), so that the
 * custodian's policy takes UPN, e-mail, DNS name, SID and groups from ca-auth,
 * never from the worker.
 *
 * Version 3 (issue 16) says what the token vouches for, its purpose:
 *   IDTOKEN_LOGON   the caller: the account that logged on to this connection
 *                   (minted with AUTH_OK);
 *   IDTOKEN_SUBJECT an account the caller's request names (an enrollment agent's
 *                   RequesterName), found by ca-auth on the caller's behalf
 *                   (AUTH_LOOKUP -> AUTH_ACCOUNT). Never an identity of the caller:
 *                   it says only "this account exists, is enabled, and these are
 *                   its attributes", bound to the caller's logon by the same
 *                   logon serial.
 * idtoken_verify takes the purpose the caller expects and refuses any other, so a
 * subject token can never pass as a requester's identity, nor a logon token as a
 * subject. Versions 1 and 2 are refused: cad makes a new key at each worker
 * start, so no token of another build is ever in flight.
 *
 * Layout (the platform's IPC codec, little-endian):
 *   u32 version (3) | u32 purpose (1 logon, 2 subject) | u64 logon |
 *   i64 expires (unix seconds) |
 *   str identity (1..IDTOKEN_IDENTITY_MAX bytes, no NUL) |
 *   str upn | str email | str dns | str sid (each empty or valid as attrs.h
 *   says, at most IDENTITY_ATTR_MAX / IDENTITY_SID_MAX bytes) |
 *   u32 n_groups (0..IDENTITY_MAX_GROUPS) | n_groups x str group (1..128 bytes,
 *   valid, no two equal ignoring ASCII case) |
 *   bytes mac (32: HMAC-SHA256 over everything before it)
 * The attributes are checked by the same rules when minted and when verified
 * (after the MAC): what verifies mints again to the same bytes.
 */
#ifndef FIRMWARE_IDENTITY_IDTOKEN_H
#define FIRMWARE_IDENTITY_IDTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/identity/attrs.h"

#define IDTOKEN_KEY_LEN 32
#define IDTOKEN_MAC_LEN 32
#define IDTOKEN_IDENTITY_MAX IDENTITY_NAME_MAX
#define IDTOKEN_VERSION 3
/* The largest token: the fields and their length prefixes. */
#define IDTOKEN_MAX                                                                      \
	(4 + 4 + 8 + 8 + 4 + IDTOKEN_IDENTITY_MAX + 3 * (4 + IDENTITY_ATTR_MAX) + 4 +       \
	 IDENTITY_SID_MAX + 4 + IDENTITY_MAX_GROUPS * (4 + IDENTITY_GROUP_MAX) + 4 +    \
	 IDTOKEN_MAC_LEN)

/* What a token vouches for (the u32 after the version). */
enum idtoken_purpose {
	IDTOKEN_LOGON = 1,   /* the caller's own logon */
	IDTOKEN_SUBJECT = 2, /* the account named by the caller's request */
};

struct idtoken {
	uint32_t purpose; /* enum idtoken_purpose */
	uint64_t logon;   /* ca-auth's serial number of the logon (for a subject
			   * token: the logon of the caller it was found for) */
	int64_t expires;
	char identity[IDTOKEN_IDENTITY_MAX + 1];
	/* The account's attributes (attrs.h; "" / 0 for what it has not). The
	 * same fields as struct id_attrs, in the same order. */
	char upn[IDENTITY_ATTR_MAX + 1];
	char email[IDENTITY_ATTR_MAX + 1];
	char dns[IDENTITY_ATTR_MAX + 1];
	char sid[IDENTITY_SID_MAX + 1];
	size_t n_groups;
	char groups[IDENTITY_MAX_GROUPS][IDENTITY_GROUP_MAX + 1];
};

/* Copies an account's attributes into a token, or a token's out. */
void idtoken_set_attrs(struct idtoken *t, const struct id_attrs *a);
void idtoken_get_attrs(const struct idtoken *t, struct id_attrs *a);

/* Writes the token for t into out (IDTOKEN_MAX bytes), *outlen its length. 0, or
 * -1 with err (a purpose that is neither IDTOKEN_LOGON nor IDTOKEN_SUBJECT; an
 * identity empty, too long or holding a NUL; an attribute that attrs.h's rules
 * refuse; the MAC failed). */
int idtoken_mint(const uint8_t key[IDTOKEN_KEY_LEN], const struct idtoken *t, uint8_t *out,
		 size_t *outlen, char *err, size_t errlen);

/* Checks tok (len bytes) against key: exact layout, MAC (compared in constant
 * time), version, purpose (exactly the one expected: IDTOKEN_LOGON where a
 * requester is named, IDTOKEN_SUBJECT where a request's subject account is),
 * expiry against now, the attributes' rules. 0 with *t filled, or -1 with err
 * saying which check failed; *t is zeroed then. */
int idtoken_verify(const uint8_t key[IDTOKEN_KEY_LEN], const uint8_t *tok, size_t len,
		   uint32_t purpose, int64_t now, struct idtoken *t, char *err, size_t errlen);

#endif
