/* ca-auth's replay cache of Kerberos authenticators (RFC 4120 3.2.3): MIT's
 * file cache cannot run in ca-auth's jail (no file is opened for writing, and
 * MIT runs with KRB5RCACHETYPE=none), so ca-auth remembers every
 * authenticator it accepts here, in memory, for as long as its timestamp could
 * still pass the clock-skew check.
 *
 * Bound: REPLAY_SLOTS authenticators live at once. With keep_until = now + 2 *
 * the clock skew (300 s), that is 65536 Kerberos logons in any 10 minutes (109 a second, more than the enrollment benchmark makes); one
 * more while all of them are live is refused (replay_check answers -1: fail
 * closed, a live entry is never evicted, since evicting one would let its
 * authenticator be replayed). Constant memory (a fixed array, no malloc), no
 * I/O: a restart of ca-auth forgets the cache (the skew window bounds what a
 * restart lets through). */
#ifndef AUTH_REPLAY_H
#define AUTH_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_SLOTS 65536
/* The table has twice as many slots as live entries allowed: linear probing
 * stays short even when the cache is full (Knuth 6.4: about 2.5 probes for a
 * miss at half load). */
#define REPLAY_TABLE (2 * REPLAY_SLOTS)

struct replay_entry {
	uint8_t key[32];   /* SHA-256 of the authenticator's ciphertext */
	int64_t until;     /* live while now < until; 0: never used */
};

struct replay_cache {
	struct replay_entry slot[REPLAY_TABLE];
	size_t used;        /* slots holding an entry, live or expired */
	int64_t next_sweep; /* no entry expires before this: a sweep would free nothing */
};

void replay_init(struct replay_cache *rc);

/* Looks the authenticator up and remembers it until keep_until:
 *   0  new (remembered until keep_until; an expired entry of the same
 *      authenticator is renewed),
 *   1  replay (seen, and its entry has not expired: now < until),
 *  -1  refused: REPLAY_SLOTS live entries, or bad arguments (an empty
 *      ciphertext, keep_until <= now). The caller refuses the logon. */
int replay_check(struct replay_cache *rc, const uint8_t *auth_cipher, size_t len, int64_t now,
		 int64_t keep_until);

/* The slot a key's probe starts at (for the tests' wrap-around case). */
size_t replay_home(const uint8_t key[32]);

#endif
