/* Checkpoints of the ledger signed in the HSM, and the ledger's anchor on the
 * token (README: "The ledger's anchor").
 *
 * A checkpoint is the ledger's head (seq, the SHA-256 of that record), the time
 * and the latest CRL number, DER LedgerCheckpoint signed with the CA key
 * (firmware/x509 checkpoint.c). Each one is journaled (EV_CHECKPOINT) and then
 * written to one of two private CKO_DATA objects on the token, "ca-ledger-
 * anchor-A" and "-B", in turn (the older is overwritten), so that a write cut
 * short (SoftHSM rewrites an object's file in place) leaves the other one. The
 * anchor is the newest of the two whose signature verifies with the CA key.
 *
 * At start the ledger must hold the anchor's record with the anchor's hash;
 * otherwise it was restored from an older copy (or rewritten), and the
 * custodian refuses to serve. */
#ifndef CUSTODIAN_CHECKPOINT_H
#define CUSTODIAN_CHECKPOINT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/ca.h"
#include "firmware/custodian/record.h"

#define CHECKPOINT_LABEL_A "ca-ledger-anchor-A"
#define CHECKPOINT_LABEL_B "ca-ledger-anchor-B"
/* ca.conf: a checkpoint once checkpoint_events events were journaled since the
 * last one, or checkpoint_interval seconds after it when any was; and one at
 * every CRL. */
#define CHECKPOINT_EVENTS_DEFAULT 1000
#define CHECKPOINT_INTERVAL_DEFAULT 3600

/* One anchor slot as read from the token. */
struct anchor_slot {
	const char *label;
	int valid;                  /* present, decodes, signature verifies */
	struct x509_checkpoint cp;  /* when valid */
	struct x509_buf der;        /* when valid: the signed checkpoint */
	char why[256];              /* when not valid: why it is not believed */
};

/* The newest valid anchor of the two slots (read with hsm_data_read, checked
 * with spki): 0 with *best set to index 0 (A) or 1 (B), 1 when neither is
 * valid (slots[i].why says why; an absent object says "absent"), -1 when the
 * HSM could not be read (err). The caller frees slots' der. */
int anchor_read(struct ca *ca, struct anchor_slot slots[2], int *best, char *err, size_t errlen);
void anchor_slots_free(struct anchor_slot slots[2]);

/* Anchors the ledger as an operator says it stands (c: its head, CRL number and
 * the time), with the custodian offline: signs c and writes it to both slots
 * (`caadm checkpoint --reanchor`: after the anchors were lost, or a ledger
 * restored from a backup on purpose). The signed checkpoint into der (the
 * caller frees it). 0 or -1 with err. Not journaled here: the ledger is not
 * served; the next checkpoint after the start is. */
int anchor_reset(struct ca *ca, const struct x509_checkpoint *c, struct x509_buf *der,
		 char *err, size_t errlen);

struct checkpointer {
	struct ca *ca;
	struct record *rec;
	pthread_mutex_t mu;       /* one checkpoint at a time */
	unsigned every_events;    /* ca.conf checkpoint_events */
	unsigned interval;        /* ca.conf checkpoint_interval (seconds) */
	uint64_t last_event_seq;  /* the seq of the last checkpoint event (0: none) */
	int64_t last_time;        /* when it was taken */
	int next_slot;            /* 0: A, 1: B */
	pthread_t thread;
	int have_thread;
	pthread_mutex_t wait_mu;
	pthread_cond_t wait_cv;
	int stopping;
};

/* Reads the schedule from ca.conf, reads the anchor and compares the ledger with
 * it. 0; 1 when refused (the ledger is older than the anchor, or differs: msg
 * says what is missing; or the schedule in ca.conf is out of range); -1 when it
 * cannot be done (the HSM or the ledger failed: msg). */
int checkpoint_open(struct checkpointer *cp, struct ca *ca, struct record *rec, char *msg,
		    size_t msglen);
/* Starts the scheduling thread. 0 or -1. */
int checkpoint_start(struct checkpointer *cp);
/* Stops the thread (if started) and frees what open took. */
void checkpoint_close(struct checkpointer *cp);
/* Takes a checkpoint now (force: even if nothing was journaled since the last;
 * at every CRL): signs it on the HSM, journals it, writes the older anchor. 0,
 * 1 when nothing was new, -1 with msg. With der (may be NULL), a copy of the
 * signed checkpoint when one was journaled (the caller frees it; it is kept even
 * when only the token's write failed, since the ledger holds it). */
int checkpoint_take(struct checkpointer *cp, int force, struct x509_buf *der, char *msg,
		    size_t msglen);

#endif
