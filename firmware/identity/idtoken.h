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
 * Layout (the platform's IPC codec, little-endian):
 *   u32 version (1) | u64 logon | i64 expires (unix seconds) |
 *   str identity (1..IDTOKEN_IDENTITY_MAX bytes, no NUL) |
 *   bytes mac (32: HMAC-SHA256 over everything before it)
 */
#ifndef FIRMWARE_IDENTITY_IDTOKEN_H
#define FIRMWARE_IDENTITY_IDTOKEN_H

#include <stddef.h>
#include <stdint.h>

#define IDTOKEN_KEY_LEN 32
#define IDTOKEN_MAC_LEN 32
#define IDTOKEN_IDENTITY_MAX 256
#define IDTOKEN_VERSION 1
/* The largest token: the fields and their length prefixes. */
#define IDTOKEN_MAX (4 + 8 + 8 + 4 + IDTOKEN_IDENTITY_MAX + 4 + IDTOKEN_MAC_LEN)

struct idtoken {
	uint64_t logon; /* ca-auth's serial number of the logon */
	int64_t expires;
	char identity[IDTOKEN_IDENTITY_MAX + 1];
};

/* Writes the token for t into out (IDTOKEN_MAX bytes), *outlen its length. 0, or
 * -1 with err (an identity empty, too long or holding a NUL; the MAC failed). */
int idtoken_mint(const uint8_t key[IDTOKEN_KEY_LEN], const struct idtoken *t, uint8_t *out,
		 size_t *outlen, char *err, size_t errlen);

/* Checks tok (len bytes) against key: exact layout, MAC (compared in constant
 * time), version, expiry against now. 0 with *t filled, or -1 with err saying
 * which check failed; *t is zeroed then. */
int idtoken_verify(const uint8_t key[IDTOKEN_KEY_LEN], const uint8_t *tok, size_t len,
		   int64_t now, struct idtoken *t, char *err, size_t errlen);

#endif
