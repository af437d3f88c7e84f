/* The replay cache (replay.h): open addressing with linear probing over
 * REPLAY_TABLE slots, keyed by SHA-256 of the authenticator's ciphertext.
 *
 * Entries are not removed when they expire: an expired entry keeps its slot, so
 * the probe chains through it stay intact, and a new key takes the first
 * expired slot of its chain. Only when REPLAY_SLOTS slots are in use does a
 * sweep remove the expired entries for good (backward-shift deletion, which
 * leaves every remaining key reachable from its home slot); the sweep is
 * skipped until the earliest remaining expiry has passed, so a cache full of
 * live entries answers -1 in one probe chain's time. */
#include "firmware/auth/replay.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>

void replay_init(struct replay_cache *rc)
{
	memset(rc, 0, sizeof *rc);
}

size_t replay_home(const uint8_t key[32])
{
	uint32_t h = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];

	return h % REPLAY_TABLE;
}

static size_t next(size_t i)
{
	return i + 1 == REPLAY_TABLE ? 0 : i + 1;
}

/* k lies in the cyclic interval (i, j]. */
static int between(size_t i, size_t k, size_t j)
{
	return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

/* Removes slot i's entry, moving later entries of its cluster back so that none
 * is left behind an empty slot on its way from its home (Knuth 6.4, Algorithm R). */
static void remove_at(struct replay_cache *rc, size_t i)
{
	size_t j = i;

	for (;;) {
		j = next(j);
		if (rc->slot[j].until == 0)
			break;
		if (between(i, replay_home(rc->slot[j].key), j))
			continue;
		rc->slot[i] = rc->slot[j];
		i = j;
	}
	memset(&rc->slot[i], 0, sizeof rc->slot[i]);
	rc->used--;
}

/* Removes every expired entry; next_sweep becomes the earliest live expiry. A
 * removal may move a later entry into slot i: slot i is looked at again. Only
 * entries already seen live move below i (the cluster cannot wrap onto itself:
 * half the table is always empty). */
static void sweep(struct replay_cache *rc, int64_t now)
{
	int64_t earliest = INT64_MAX;

	for (size_t i = 0; i < REPLAY_TABLE; i++) {
		while (rc->slot[i].until != 0 && rc->slot[i].until <= now)
			remove_at(rc, i);
		if (rc->slot[i].until != 0 && rc->slot[i].until < earliest)
			earliest = rc->slot[i].until;
	}
	rc->next_sweep = earliest;
}

/* Where a new key goes: the first expired slot of its chain, else the empty
 * slot that ends it. Called when the key is known to be absent. */
static struct replay_entry *insert_slot(struct replay_cache *rc, size_t home, int64_t now)
{
	size_t i = home;

	while (rc->slot[i].until != 0) {
		if (rc->slot[i].until <= now)
			return &rc->slot[i];
		i = next(i);
	}
	if (rc->used >= REPLAY_SLOTS) {
		if (now < rc->next_sweep)
			return NULL;
		sweep(rc, now);
		if (rc->used >= REPLAY_SLOTS)
			return NULL;
		for (i = home; rc->slot[i].until != 0; i = next(i))
			;
	}
	rc->used++;
	return &rc->slot[i];
}

int replay_check(struct replay_cache *rc, const uint8_t *auth_cipher, size_t len, int64_t now,
		 int64_t keep_until)
{
	uint8_t key[WC_SHA256_DIGEST_SIZE];
	struct replay_entry *e;
	size_t i, home;

	if (rc == NULL || auth_cipher == NULL || len == 0 || len > UINT32_MAX ||
	    keep_until <= now || keep_until <= 0)
		return -1;
	/* Only argument errors fail a software SHA-256: refuse the logon then. */
	if (wc_Sha256Hash(auth_cipher, (word32)len, key) != 0)
		return -1;
	home = replay_home(key);
	/* The chain ends at an empty slot: the table is never more than half full. */
	for (i = home; rc->slot[i].until != 0; i = next(i)) {
		e = &rc->slot[i];
		if (memcmp(e->key, key, sizeof key) != 0)
			continue;
		if (now < e->until)
			return 1;
		e->until = keep_until; /* seen long ago: its timestamp is stale by now */
		return 0;
	}
	e = insert_slot(rc, home, now);
	if (e == NULL)
		return -1;
	memcpy(e->key, key, sizeof key);
	e->until = keep_until;
	/* next_sweep stays a lower bound of every expiry (0 at first: sweep). */
	if (keep_until < rc->next_sweep)
		rc->next_sweep = keep_until;
	return 0;
}
