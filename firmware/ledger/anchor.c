/* The ledger against its anchor (anchor.h). */
#include "firmware/ledger/anchor.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "platform/civil.h"
#include "platform/hex.h"

void ledger_time_text(int64_t t, char *out, size_t outlen)
{
	struct civil_time c;

	civil_from_unix(t, &c);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year, c.month, c.day, c.hour,
		 c.min, c.sec);
}

int ledger_anchor_compare(const struct ledger_anchor *a, const char *source, uint64_t head_seq,
			  const uint8_t *hash_at_seq, char *msg, size_t msglen)
{
	char when[32], have[2 * LEDGER_HASH_LEN + 1], want[2 * LEDGER_HASH_LEN + 1];
	uint64_t missing;

	ledger_time_text(a->time, when, sizeof(when));
	if (head_seq < a->seq) {
		missing = a->seq - head_seq;
		snprintf(msg, msglen,
			 "the ledger ends at seq %" PRIu64 " but %s of %s covers seq %" PRIu64
			 " (CRL number %" PRIu64 "): %" PRIu64 " record%s missing; the ledger was "
			 "restored from an older copy or cut short",
			 head_seq, source, when, a->seq, a->crl_number, missing,
			 missing == 1 ? " is" : "s are");
		return -1;
	}
	if (hash_at_seq == NULL) {
		snprintf(msg, msglen, "the ledger's record %" PRIu64 " could not be read to compare "
			 "with %s of %s", a->seq, source, when);
		return -1;
	}
	if (memcmp(hash_at_seq, a->head, LEDGER_HASH_LEN) != 0) {
		hex_encode(hash_at_seq, LEDGER_HASH_LEN, have);
		hex_encode(a->head, LEDGER_HASH_LEN, want);
		snprintf(msg, msglen,
			 "the ledger's record %" PRIu64 " is not the one %s of %s covers (its "
			 "SHA-256 is %.16s..., the checkpoint's %.16s...): the ledger up to seq %"
			 PRIu64 " was rewritten or restored from another copy",
			 a->seq, source, when, have, want, a->seq);
		return -1;
	}
	return 0;
}
