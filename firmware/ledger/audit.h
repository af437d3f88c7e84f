/* What ca-ledger's commands (main.c: genesis, verify, show) decide, as library
 * code that returns errors (tests/unit/test_ledger_audit.c drives it on a real
 * ledger): the anchor's text and the ledger's comparison with it, the check
 * that an unanchored ledger holds no checkpoint, the head line for `caadm
 * checkpoint --reanchor`, the first administrator's event, and the audit view. */
#ifndef LEDGER_AUDIT_H
#define LEDGER_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "firmware/ledger/anchor.h"
#include "firmware/ledger/store.h"

/* --anchor SEQ,HEAD,TIME,CRL: decimal seq (1..), 64 hex digits, unix time,
 * decimal CRL number, nothing after (caadm writes it from a checkpoint whose
 * signature it checked). 0, or -1 (a is then unspecified). */
int ledger_anchor_parse(const char *s, struct ledger_anchor *a);

/* The ledger against an anchor: its head and the hash of the record a names
 * given to ledger_anchor_compare. 0, or -1 with msg. */
int ledger_anchor_check(struct ledger *l, const struct ledger_anchor *a, const char *source,
			char *msg, size_t msglen);

/* The newest checkpoint event's seq into *seq (0: the ledger holds none),
 * searched from the head back. 0, or -1 with err (a record that cannot be read
 * or decoded). */
int ledger_newest_checkpoint(struct ledger *l, uint64_t *seq, char *err, size_t errlen);

/* `verify --unanchored`: the token holds no valid anchor. A ledger that was
 * anchored (it holds a checkpoint) is refused, as the custodian refuses to start
 * with it: otherwise deleting two token objects would undo the comparison.
 * 0, or -1 with err. */
int ledger_check_unanchored(struct ledger *l, char *err, size_t errlen);

/* A verified ledger's head for `caadm checkpoint --reanchor`: "SEQ,HEAD,CRL\n"
 * (the latest CRL's number, 0 for none) into line. Its length, or -1 (the CRLs
 * cannot be read, or line is too short). */
int ledger_head_line(struct ledger *l, char *line, size_t len);

/* The ceremony made the first administrator before the ledger existed: its
 * creation is the journal's first operator action, right after the genesis.
 * ledger_append's return, err set when refused. */
int ledger_journal_first_admin(struct ledger *l, const char *name, char *err, size_t errlen);

/* The audit view: each record's line (ledger_event_line) on out, "SEQ (missing)"
 * or "SEQ (does not decode: WHY)" for one that cannot be shown. */
void ledger_show(struct ledger *l, FILE *out);

#endif
