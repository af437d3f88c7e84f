/* Inside the ledger: the index databases and the rules that derive them from the
 * journal (index.c), shared by appends (store.c) and by the rebuild that verify
 * compares against (verify.c). */
#ifndef LEDGER_INT_H
#define LEDGER_INT_H

#include <db.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/ledger/event.h"
#include "firmware/ledger/store.h"

enum ix {
	IX_REQUESTS,
	IX_CERTS,
	IX_SERIALS,
	IX_REQUESTER,
	IX_PENDING,
	IX_REVOKED,
	IX_CRLS,
	IX_EXTENSIONS,
	IX_ARCHIVE,
	IX_PROPS,
	IX_TEMPLATES,
	IX_META,
	IX_N,
};

/* Sub-database names, in enum order. */
extern const char *const ledger_ix_names[IX_N];
/* 1 for the indexes that keep sorted duplicates. */
int ledger_ix_dups(enum ix i);

struct ledger_ix {
	DB *db[IX_N];
};

/* What the ledger keeps about its own end, in meta "head" and in memory. */
struct ledger_headrec {
	uint64_t seq;
	uint8_t hash[LEDGER_HASH_LEN];
	uint32_t next_request_id; /* 1 before the first request */
	uint64_t last_crl;        /* 0 before the first CRL */
};

void ledger_head_encode(const struct ledger_headrec *h, struct ipc_wbuf *w);
int ledger_head_decode(const uint8_t *p, size_t len, struct ledger_headrec *h);

/* An append waiting for its commit (store.c). */
struct pending {
	struct ledger_event **evs; /* a group: recorded together or not at all */
	size_t n;
	uint8_t (*hashes)[LEDGER_HASH_LEN]; /* n of them, or NULL */
	char *err;
	size_t errlen;
	int rc;
	int done;
	struct pending *next;
};

struct ledger {
	char path[PATH_MAX]; /* DATA/ledger, absolute: data and log files */
	char home[PATH_MAX]; /* the environment's home: its regions */
	int suspect;         /* opened with LEDGER_AUDIT over a disagreeing head */
	int flags;
	DB_ENV *env;
	DB *journal;
	struct ledger_ix ix;
	struct ledger_headrec head; /* guarded by mu; changed only by the leader */
	int broken;                 /* the environment panicked: reopen before writing */
	struct ledger_space *space; /* free space watched (space.c), or NULL */

	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pending *queue, **tail;
	int leader; /* a batch is being committed */
	unsigned long commits;
};

/* Free space (space.c): LEDGER_OK, or LEDGER_EFULL with err when the filesystem is
 * below the reserve and the group holds ordinary work (anything but a CRL and an
 * operator's events). Below the low-space threshold it logs and, once per
 * crossing, journals a warning first. */
int ledger_space_admit(struct ledger *l, struct ledger_event **evs, size_t n, char *err,
		       size_t errlen);
void ledger_space_free(struct ledger *l);
/* ledger_append_group without the free-space check (the ledger's own warning). */
int ledger_append_unchecked(struct ledger *l, struct ledger_event **evs, size_t n,
			    uint8_t (*hashes)[LEDGER_HASH_LEN], char *err, size_t errlen);

/* Takes the leader role: appends wait until ledger_unlead (verify replays then). */
void ledger_lead(struct ledger *l);
void ledger_unlead(struct ledger *l);

/* Checks ev against the rules and the indexes as they stand in txn (NULL outside
 * a transaction); ev->seq and, for a request, its id are already assigned.
 * LEDGER_OK, LEDGER_EINVAL with err, or LEDGER_EIO with err on a database error
 * (db_rc set to Berkeley DB's code). Writes nothing. */
int ledger_ix_check(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_headrec *h,
		    const struct ledger_event *ev, int *db_rc, char *err, size_t errlen);
/* Writes what ev changes in the indexes and advances h (seq, hash already set
 * by the caller; next id and last CRL here). LEDGER_OK or LEDGER_EIO. */
int ledger_ix_apply(struct ledger_ix *ix, DB_TXN *txn, struct ledger_headrec *h,
		    const struct ledger_event *ev, int *db_rc, char *err, size_t errlen);
/* Writes h to meta "head". */
int ledger_ix_put_head(struct ledger_ix *ix, DB_TXN *txn, const struct ledger_headrec *h,
		       int *db_rc);

/* Small Berkeley DB helpers. get: 0 found (value malloc()ed), DB_NOTFOUND, or an
 * error; put/del: 0 or an error. */
int ledger_db_get(DB *db, DB_TXN *txn, const void *k, size_t klen, uint8_t **v, size_t *vlen);
/* A cursor on db in a read-committed transaction of its own, for the ordered
 * reads (views, walks); the caller closes the cursor and commits. 0 or an error
 * (nothing left open). */
int ledger_read_cursor(DB_ENV *env, DB *db, DB_TXN **txn, DBC **c);
int ledger_db_put(DB *db, DB_TXN *txn, const void *k, size_t klen, const void *v, size_t vlen);
int ledger_db_del(DB *db, DB_TXN *txn, const void *k, size_t klen);

void ledger_be32(uint32_t v, uint8_t out[4]);
void ledger_be64(uint64_t v, uint8_t out[8]);

#endif
