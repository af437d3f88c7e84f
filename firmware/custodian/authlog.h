/* What peers make the custodian journal about refusals: CUST_AUTH_EVENT (proto.h,
 * the worker's account of a refused logon or protected call, journaled as a
 * logon-refused event) and the budget that bounds the ledger's growth under a
 * flood of refusals and failed logons (issue 13: refusals cost the attacker, not
 * the ledger).
 *
 * The budget is the custodian's own (a compromised worker could flood; the
 * custodian is the trusted side). Refusals and failed logons are aggregated per
 * address and per account, in bursts: the first few events of a burst are
 * journaled at once, one by one; later ones are counted, and the count is
 * journaled as one record (the event's optional tail, firmware/ledger/event.h
 * LEDGER_TAIL) when the burst ends (quiet for a while), at a maximum interval,
 * when the bounded table needs the slot, and at shutdown. A global rate bounds
 * the events journaled one by one, whatever the keys: beyond it, events are
 * counted under the kind's overflow key ("*"). The caller's answer never waits
 * for a summary. ca.conf keys (firmware/custodian/README.md):
 * journal_burst_quiet, journal_burst_max, journal_burst_first,
 * journal_refusal_rate. */
#ifndef CUSTODIAN_AUTHLOG_H
#define CUSTODIAN_AUTHLOG_H

#include "firmware/custodian/submit.h"

void handle_auth_event(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);

enum burst_kind {
	BURST_REFUSAL = 1, /* a refused request (CUST_REFUSED) */
	BURST_LOGON = 2,   /* a refused logon or protected call (CUST_AUTH_EVENT) */
};

/* One refusal as it would be journaled. */
struct burst_event {
	uint32_t kind; /* enum burst_kind */
	uint32_t code; /* the refusal's HRESULT, the logon's enum logon_action */
	const char *peer;    /* the address (1..LEDGER_NAME_MAX) */
	const char *account; /* requester / claimed name ("" for none) */
	int by_account;      /* account names someone: aggregate per account too */
	const char *text;    /* message / detail */
	const uint8_t *digest; /* a refusal's u32 size | SHA-256 (LEDGER_DIGEST_LEN) */
};

struct bursts;

/* Reads the budget from ca.conf and starts the thread that journals the counts
 * of bursts that ended. 0, or -1 with err (a bad value). */
int bursts_start(struct bursts **out, const struct conf *conf, struct record *rec, char *err,
		 size_t errlen);
/* Journals every count still held (shutdown), stops the thread, frees. */
void bursts_stop(struct bursts *b);

/* Notes e: 1 when the caller journals it now, by itself (with count 1); 0 when
 * it was counted, to be journaled with its burst's count. b NULL: always 1. */
int bursts_note(struct bursts *b, const struct burst_event *e);
/* Counts e without journaling it now (the ledger could not take it: it is
 * journaled with its burst's count, later). */
void bursts_count(struct bursts *b, const struct burst_event *e);

#endif
