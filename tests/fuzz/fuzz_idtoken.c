/* libFuzzer target: the custodian's identity-token decoder
 * (firmware/identity/idtoken.c, idtoken_verify) on any bytes a worker could pass
 * on. Accepted tokens must round-trip through idtoken_mint to the same bytes.
 *
 * An input whose first byte is SEAL is a token body without its MAC: the target
 * appends the HMAC with its key, so that mutations reach what is checked only
 * after the MAC (the version, the expiry, the attributes' rules of version 2),
 * which a mutated token with a stale MAC never would. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "firmware/identity/idtoken.h"

/* The seed corpus's tokens are minted with this key (tests/fuzz/corpus/fuzz_idtoken,
 * tests/fuzz/idtoken_seeds.py). */
static const uint8_t key[IDTOKEN_KEY_LEN] = "fuzz-key-fuzz-key-fuzz-key-fuzz";
#define SEAL 0xa5

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *tok, size_t size)
{
	struct idtoken t;
	uint8_t again[IDTOKEN_MAX];
	size_t len;
	char err[128];

	uint32_t purpose = IDTOKEN_LOGON, other = IDTOKEN_SUBJECT;

	if (idtoken_verify(key, tok, size, purpose, 1000, &t, err, sizeof(err)) != 0) {
		purpose = IDTOKEN_SUBJECT;
		other = IDTOKEN_LOGON;
		if (idtoken_verify(key, tok, size, purpose, 1000, &t, err, sizeof(err)) != 0)
			return;
	}
	if (t.n_groups > IDENTITY_MAX_GROUPS || t.identity[0] == 0 || t.purpose != purpose)
		abort();
	/* One token, one purpose: what verifies as a logon never as a subject. */
	{
		struct idtoken u;

		if (idtoken_verify(key, tok, size, other, 1000, &u, err, sizeof(err)) == 0 ||
		    u.identity[0] != 0)
			abort();
	}
	if (idtoken_mint(key, &t, again, &len, err, sizeof(err)) != 0 || len != size ||
	    memcmp(again, tok, size) != 0)
		abort();
}

/* The body (size bytes) with its MAC field appended, then checked. */
static void check_sealed(const uint8_t *body, size_t size)
{
	static uint8_t tok[IDTOKEN_MAX + 64];
	Hmac h;

	if (size > IDTOKEN_MAX)
		return;
	memcpy(tok, body, size);
	tok[size] = IDTOKEN_MAC_LEN;
	tok[size + 1] = tok[size + 2] = tok[size + 3] = 0;
	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		abort();
	if (wc_HmacSetKey(&h, WC_SHA256, key, IDTOKEN_KEY_LEN) != 0 ||
	    wc_HmacUpdate(&h, body, (word32)size) != 0 || wc_HmacFinal(&h, tok + size + 4) != 0)
		abort();
	wc_HmacFree(&h);
	check(tok, size + 4 + IDTOKEN_MAC_LEN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == SEAL)
		check_sealed(data + 1, size - 1);
	else
		check(data, size);
	return 0;
}
