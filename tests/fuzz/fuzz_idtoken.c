/* libFuzzer target: the custodian's identity-token decoder
 * (firmware/identity/idtoken.c, idtoken_verify) on any bytes a worker could pass
 * on. Accepted tokens must round-trip through idtoken_mint to the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/identity/idtoken.h"

/* The seed corpus's tokens are minted with this key (tests/fuzz/corpus/fuzz_idtoken). */
static const uint8_t key[IDTOKEN_KEY_LEN] = "fuzz-key-fuzz-key-fuzz-key-fuzz";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idtoken t;
	uint8_t again[IDTOKEN_MAX];
	size_t len;
	char err[128];

	if (idtoken_verify(key, data, size, 1000, &t, err, sizeof(err)) != 0)
		return 0;
	if (idtoken_mint(key, &t, again, &len, err, sizeof(err)) != 0 || len != size ||
	    memcmp(again, data, size) != 0)
		abort();
	return 0;
}
