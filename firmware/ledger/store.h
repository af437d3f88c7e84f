/* The ledger's store: the Berkeley DB environment under DATA/ledger/, the journal
 * and the indexes derived from it.
 *
 *   journal.db   DB_RECNO, 64 KiB pages: record number = event seq; appended with
 *                DB_APPEND, never updated or deleted
 *   index.db     sub-databases, all DB_BTREE, updated in the event's transaction:
 *                  requests   u32 BE request id -> request row (row.h)
 *                  certs      serial            -> cert row
 *                  serials    serial            -> u32 request id (reserved by intents)
 *                  requester  name              -> u32 BE request id (sorted dups)
 *                  pending    u32 BE request id -> ""
 *                  revoked    serial            -> revoked row
 *                  crls       u64 BE number     -> CRL row
 *                  extensions u32 BE request id -> u64 seq (sorted dups)
 *                  archive    u32 BE request id -> u64 seq
 *                  props      name              -> u64 seq
 *                  templates  name, ASCII lower case -> u64 seq of its latest
 *                             template-changed event | u32 action | u32 major |
 *                             u32 minor (all BE: what index.c's rules need,
 *                             without reading the journal)
 *                  meta       "head"            -> u64 seq | 32 hash | u32 next id |
 *                                                  u64 last CRL number
 *
 * Appends share commits: the first caller to find no commit running becomes the
 * leader, takes every append queued so far (up to LEDGER_BATCH_MAX), applies them
 * in one transaction, commits once (fsync unless LEDGER_NOSYNC) and wakes the
 * others. An append is acknowledged only after its commit. A batch whose write or
 * commit fails is aborted whole: nothing of it is kept, every caller gets the error,
 * and the in-memory head is restored, so a full disk refuses work and loses nothing
 * committed. */
#ifndef LEDGER_STORE_H
#define LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/ledger/event.h"
#include "firmware/ledger/row.h"
#include "firmware/ledger/view.h"

#define LEDGER_DIR "ledger"
#define LEDGER_BATCH_MAX 256

enum {
	LEDGER_NOSYNC = 1 << 0, /* commits reach the OS, not the disk (process crash only) */
	LEDGER_AUDIT = 1 << 1,  /* open even if the journal's end and the head disagree, so
				 * that verify can say where; appends are then refused */
};

/* Error classes returned by the store (negative). */
enum {
	LEDGER_OK = 0,
	LEDGER_EINVAL = -1,   /* the event breaks a rule; nothing was written */
	LEDGER_ENOTFOUND = -2,
	LEDGER_EIO = -3,      /* the disk refused (I/O error): nothing was written */
	LEDGER_EFULL = -4,    /* no room: the disk is full, or ordinary work reached the
			       * reserve (ledger_reserve_mb); nothing was written */
};

struct ledger;

/* Opens (creating when absent) the ledger in dir/ledger, running recovery unless
 * another process has it open (DB_REGISTER). The environment's home, where Berkeley
 * DB keeps its memory-mapped regions, is a 0700 directory under
 * CONFIG_LEDGER_REGION_DIR (a memory filesystem: a full data disk must give ENOSPC,
 * not SIGBUS); journal, indexes and logs are in dir/ledger. 0 or -1 with err. */
int ledger_open(const char *dir, int flags, struct ledger **out, char *err, size_t errlen);
void ledger_close(struct ledger *l);

/* Appends ev (type, actor_kind, actor and body set by the caller; for a request,
 * request_id 0). On success sets ev->seq, ev->time, the request id it assigned
 * and copies the record's hash to hash (may be NULL). Thread-safe; blocks until
 * the commit. Returns LEDGER_OK or a negative class with err. */
int ledger_append(struct ledger *l, struct ledger_event *ev, uint8_t hash[LEDGER_HASH_LEN],
		  char *err, size_t errlen);

/* Appends a group of events in one transaction of their own within the batch:
 * all recorded or none (a refused member refuses the group). At most one
 * request-received, first; later members with request id 0 refer to it. hashes
 * (n of them) may be NULL. Same returns as ledger_append. */
#define LEDGER_GROUP_MAX 6 /* a request, its disposition and the extensions a template
			    * policy recorded with it (firmware/custodian/submit.c) */
int ledger_append_group(struct ledger *l, struct ledger_event **evs, size_t n,
			uint8_t (*hashes)[LEDGER_HASH_LEN], char *err, size_t errlen);

/* Watches the free space of the ledger's filesystem (fstatvfs on a descriptor of
 * dir/ledger opened here, so before a sandbox): below low_mb MiB it logs and, once
 * per crossing, journals a warning (an operator-action "low-disk-space" by the CA
 * actor "ledger"); below reserve_mb MiB it refuses ordinary appends (LEDGER_EFULL,
 * with a message that says so) and still records CRLs and operators' events.
 * Both 0: nothing watched (the default). 0 or -1 with err. */
int ledger_space_watch(struct ledger *l, unsigned reserve_mb, unsigned low_mb, char *err,
		       size_t errlen);

/* The head: the last seq (0 when empty) and its record's hash. */
void ledger_head(struct ledger *l, uint64_t *seq, uint8_t hash[LEDGER_HASH_LEN]);

/* Reads. The record bytes are malloc()ed for the caller. */
int ledger_get_record(struct ledger *l, uint64_t seq, uint8_t **rec, size_t *len);
int ledger_get_request(struct ledger *l, uint32_t id, struct ledger_request_row *row);
int ledger_get_cert(struct ledger *l, const uint8_t *serial, size_t serial_len,
		    struct ledger_cert_row *row);

/* Administration's ordered reads (walk.c). */
#define LEDGER_SEQS_MAX 64 /* extensions per request, events per property name */

/* The revoked set in serial order, from the first serial after `after` (all when
 * after_len is 0), at most limit rows; released holds (unrevoked) are there too,
 * with reason LEDGER_REASON_RELEASED, for delta CRLs' removeFromCRL. Returns the
 * rows given (more set when others follow) or LEDGER_EIO. */
int ledger_revoked_page(struct ledger *l, const uint8_t *after, size_t after_len,
			unsigned limit,
			int (*cb)(const uint8_t *serial, size_t serial_len,
				  const struct ledger_revoked_row *row, void *arg),
			void *arg, int *more);
/* The latest CRL (want_base: the latest base CRL). LEDGER_OK, ENOTFOUND or EIO. */
int ledger_crl_latest(struct ledger *l, int want_base, uint64_t *number,
		      struct ledger_crl_row *row);
/* The extension-set events of a request, in seq order. */
int ledger_extension_seqs(struct ledger *l, uint32_t request_id,
			  uint64_t seqs[LEDGER_SEQS_MAX], size_t *n);
/* The latest property-changed event for name. */
int ledger_prop_seq(struct ledger *l, const char *name, uint64_t *seq);
/* The latest template-changed event of every template name (removed ones
 * included), in the order of their lower-case names: at most
 * LEDGER_TEMPLATES_MAX seqs. LEDGER_OK or LEDGER_EIO. */
int ledger_template_seqs(struct ledger *l, uint64_t seqs[LEDGER_TEMPLATES_MAX], size_t *n);

/* Runs q over the request index in request id order; calls cb for each matching
 * row until q->limit rows were given or cb returns non-zero. *more is set when
 * further rows match. Returns the number of rows given, or -1. */
int ledger_view(struct ledger *l, const struct view_query *q,
		int (*cb)(const struct ledger_request_row *row, void *arg), void *arg, int *more);

/* Replays the journal from genesis: decodes each record, checks seq continuity and
 * the hash chain, rebuilds every index in memory and compares it with the stored
 * one. 0 when everything holds (events counted in *n_events), or -1 with the first
 * divergence in err, naming its sequence number. */
int ledger_verify(struct ledger *l, uint64_t *n_events, char *err, size_t errlen);

/* For tests: checkpoints now and removes the logs no longer needed. */
int ledger_checkpoint(struct ledger *l, char *err, size_t errlen);

#endif
