/* The comparison of a ledger with its anchor: the newest checkpoint the
 * custodian signed with the CA key and kept on the token, or one exported to a
 * file (firmware/custodian/checkpoint.c). Pure code: the caller finds the
 * ledger's head and the hash of the record the anchor names (the custodian over
 * its channel at start, ca-ledger verify from the files), and the anchor's
 * signature was checked before. A ledger restored from an older copy ends before
 * the anchor; one rewritten from there on holds another record at its seq. */
#ifndef LEDGER_ANCHOR_H
#define LEDGER_ANCHOR_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/ledger/event.h"

struct ledger_anchor {
	uint64_t seq;                  /* the record it covers */
	uint8_t head[LEDGER_HASH_LEN]; /* that record's SHA-256 */
	int64_t time;                  /* when it was signed */
	uint64_t crl_number;
};

/* 0 when the ledger, whose last record is head_seq, holds record a->seq with
 * a->head as its hash (hash_at_seq: that record's hash, NULL when head_seq <
 * a->seq). Otherwise -1 and msg says what is missing, naming the anchor as
 * `source` ("the HSM's checkpoint", "the checkpoint in FILE"), e.g. "the ledger
 * ends at seq 120 but the HSM's checkpoint of 2026-12-05T14:00:00Z covers seq
 * 180: 60 records are missing; the ledger was restored from an older copy". */
int ledger_anchor_compare(const struct ledger_anchor *a, const char *source, uint64_t head_seq,
			  const uint8_t *hash_at_seq, char *msg, size_t msglen);

/* "YYYY-MM-DDTHH:MM:SSZ" (out holds 21 bytes or more). */
void ledger_time_text(int64_t t, char *out, size_t outlen);

#endif
