/* The ledger's Berkeley DB store: environment, journal, indexes, shared commits.
 * store.h describes the files and the commit protocol. */
#include "firmware/ledger/ledger_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#define JOURNAL_PAGE 65536      /* 1 KiB records fit on pages, no overflow pages */
#define CACHE_BYTES (32u << 20)
#define LOG_BUFFER (4u << 20)   /* a whole batch of appends fits the log buffer */
#define LOG_FILE_MAX (16u << 20)
#define CHECKPOINT_KB 4096      /* checkpoint after this much log, or ... */
#define CHECKPOINT_MIN 1        /* ... this many minutes */
#define CHECKPOINT_EVERY 64    /* commits between checkpoint checks */
#define DEADLOCK_RETRIES 5

static int fail(char *err, size_t errlen, int rc, const char *what)
{
	snprintf(err, errlen, "ledger database: %s: %s", what, db_strerror(rc));
	return -1;
}

/* ---- opening ---- */

static void close_handles(struct ledger *l)
{
	for (int i = 0; i < IX_N; i++)
		if (l->ix.db[i] != NULL) {
			l->ix.db[i]->close(l->ix.db[i], 0);
			l->ix.db[i] = NULL;
		}
	if (l->journal != NULL) {
		l->journal->close(l->journal, 0);
		l->journal = NULL;
	}
	if (l->env != NULL) {
		l->env->close(l->env, 0);
		l->env = NULL;
	}
}

static int open_env(struct ledger *l, char *err, size_t errlen)
{
	u_int32_t flags = DB_CREATE | DB_INIT_TXN | DB_INIT_LOG | DB_INIT_LOCK | DB_INIT_MPOOL |
			  DB_THREAD | DB_REGISTER | DB_RECOVER;
	int rc;

	if ((rc = db_env_create(&l->env, 0)) != 0)
		return fail(err, errlen, rc, "db_env_create");
	l->env->set_errpfx(l->env, "ca-ledger");
	l->env->set_errfile(l->env, stderr);
	if ((rc = l->env->add_data_dir(l->env, l->path)) != 0 ||
	    (rc = l->env->set_create_dir(l->env, l->path)) != 0 ||
	    (rc = l->env->set_lg_dir(l->env, l->path)) != 0 ||
	    (rc = l->env->set_cachesize(l->env, 0, CACHE_BYTES, 1)) != 0 ||
	    (rc = l->env->set_lg_bsize(l->env, LOG_BUFFER)) != 0 ||
	    (rc = l->env->set_lg_max(l->env, LOG_FILE_MAX)) != 0 ||
	    (rc = l->env->log_set_config(l->env, DB_LOG_AUTO_REMOVE, 1)) != 0 ||
	    (rc = l->env->set_lk_detect(l->env, DB_LOCK_DEFAULT)) != 0 ||
	    ((l->flags & LEDGER_NOSYNC) &&
	     (rc = l->env->set_flags(l->env, DB_TXN_WRITE_NOSYNC, 1)) != 0))
		return fail(err, errlen, rc, "configuring the environment");
	/* DB_REGISTER: recovery runs only when no live process has the environment
	 * open, so a second opener cannot pull the files from under the first. */
	if ((rc = l->env->open(l->env, l->home, flags, 0600)) != 0)
		return fail(err, errlen, rc, l->path);
	return 0;
}

static int open_dbs(struct ledger *l, char *err, size_t errlen)
{
	u_int32_t fl = DB_CREATE | DB_AUTO_COMMIT | DB_THREAD;
	int rc;

	if ((rc = db_create(&l->journal, l->env, 0)) != 0 ||
	    (rc = l->journal->set_pagesize(l->journal, JOURNAL_PAGE)) != 0 ||
	    (rc = l->journal->open(l->journal, NULL, "journal.db", NULL, DB_RECNO, fl, 0600)) != 0)
		return fail(err, errlen, rc, "journal.db");
	for (int i = 0; i < IX_N; i++) {
		DB *db;

		if ((rc = db_create(&l->ix.db[i], l->env, 0)) != 0)
			return fail(err, errlen, rc, ledger_ix_names[i]);
		db = l->ix.db[i];
		if ((ledger_ix_dups(i) && (rc = db->set_flags(db, DB_DUPSORT)) != 0) ||
		    (rc = db->open(db, NULL, "index.db", ledger_ix_names[i], DB_BTREE, fl, 0600)) != 0)
			return fail(err, errlen, rc, ledger_ix_names[i]);
	}
	return 0;
}

/* The last journal record: its seq and hash; seq 0 when the journal is empty. */
static int journal_tail(struct ledger *l, uint64_t *seq, uint8_t hash[LEDGER_HASH_LEN],
			char *err, size_t errlen)
{
	DBC *c;
	DBT k, v;
	db_recno_t recno = 0;
	int rc;

	*seq = 0;
	memset(hash, 0, LEDGER_HASH_LEN);
	if ((rc = l->journal->cursor(l->journal, NULL, &c, 0)) != 0)
		return fail(err, errlen, rc, "journal cursor");
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = &recno;
	k.ulen = sizeof(recno);
	k.flags = DB_DBT_USERMEM;
	v.flags = DB_DBT_MALLOC;
	rc = c->get(c, &k, &v, DB_LAST);
	c->close(c);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != 0)
		return fail(err, errlen, rc, "reading the journal's end");
	*seq = recno;
	ledger_record_hash(v.data, v.size, hash);
	free(v.data);
	return 0;
}

static int load_head(struct ledger *l, char *err, size_t errlen)
{
	uint8_t *v, hash[LEDGER_HASH_LEN];
	size_t vl;
	uint64_t seq;
	int rc;

	memset(&l->head, 0, sizeof(l->head));
	l->head.next_request_id = 1;
	rc = ledger_db_get(l->ix.db[IX_META], NULL, "head", 4, &v, &vl);
	if (rc != 0 && rc != DB_NOTFOUND)
		return fail(err, errlen, rc, "reading the head");
	if (rc == 0) {
		rc = ledger_head_decode(v, vl, &l->head);
		free(v);
		if (rc != 0) {
			snprintf(err, errlen, "ledger database: the stored head does not decode");
			return -1;
		}
	}
	if (journal_tail(l, &seq, hash, err, errlen) != 0)
		return -1;
	/* Both are written in one transaction: a difference means the files were
	 * changed behind the ledger's back. */
	if (seq != l->head.seq || memcmp(hash, l->head.hash, LEDGER_HASH_LEN) != 0) {
		if (l->flags & LEDGER_AUDIT) {
			l->suspect = 1;
			return 0;
		}
		snprintf(err, errlen, "ledger database: the journal ends at event %llu but the "
			 "head says %llu (or their hashes differ): run 'ca-ledger verify'",
			 (unsigned long long)seq, (unsigned long long)l->head.seq);
		return -1;
	}
	return 0;
}

static int open_all(struct ledger *l, char *err, size_t errlen)
{
	if (open_env(l, err, errlen) != 0 || open_dbs(l, err, errlen) != 0 ||
	    load_head(l, err, errlen) != 0) {
		close_handles(l);
		return -1;
	}
	l->broken = 0;
	return 0;
}

/* The ledger's region id: 16 hex digits drawn once and kept in DATA/ledger/region-id,
 * so that the home is this ledger's and no other's (an inode number can be reused
 * by a later data directory; a random id is not). */
static int region_id(const char *path, char id[17], char *err, size_t errlen)
{
	char file[PATH_MAX + 16];
	uint8_t rnd[8];
	ssize_t n;
	int fd;

	snprintf(file, sizeof(file), "%s/region-id", path);
	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		n = read(fd, id, 16);
		close(fd);
		id[16] = 0;
		if (n == 16 && strspn(id, "0123456789abcdef") == 16)
			return 0;
		snprintf(err, errlen, "%s: not a region id", file);
		return -1;
	}
	if (errno != ENOENT || getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	for (int i = 0; i < 8; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, id, 16) != 16 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The environment's home under CONFIG_LEDGER_REGION_DIR, made 0700 and checked to
 * be ours (the region directory may be world-writable, as /dev/shm is). */
static int make_home(struct ledger *l, char *err, size_t errlen)
{
	struct stat st;
	char id[17];

	if (region_id(l->path, id, err, errlen) != 0)
		return -1;
	if ((size_t)snprintf(l->home, sizeof(l->home), "%s/ca-ledger-%s",
			     CONFIG_LEDGER_REGION_DIR, id) >= sizeof(l->home)) {
		snprintf(err, errlen, "%s: path too long", CONFIG_LEDGER_REGION_DIR);
		return -1;
	}
	if (mkdir(l->home, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", l->home, strerror(errno));
		return -1;
	}
	if (lstat(l->home, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: not a private directory of this user: refusing it",
			 l->home);
		return -1;
	}
	return 0;
}

/* After a clean close nobody needs the regions: removing them (only when no other
 * process is attached) makes the next open read the files afresh. __db.register
 * stays: removing it could pull it from under a process opening right now. */
static void remove_home(const char *home)
{
	DB_ENV *e;

	if (db_env_create(&e, 0) == 0)
		(void)e->remove(e, home, 0);
}

int ledger_open(const char *dir, int flags, struct ledger **out, char *err, size_t errlen)
{
	char rel[PATH_MAX];

	struct ledger *l = calloc(1, sizeof(*l));

	*out = NULL;
	if (l == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((size_t)snprintf(rel, sizeof(rel), "%s/%s", dir, LEDGER_DIR) >= sizeof(rel)) {
		snprintf(err, errlen, "%s: path too long", dir);
		free(l);
		return -1;
	}
	if (mkdir(rel, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", rel, strerror(errno));
		free(l);
		return -1;
	}
	if (realpath(rel, l->path) == NULL) {
		snprintf(err, errlen, "%s: %s", rel, strerror(errno));
		free(l);
		return -1;
	}
	if (make_home(l, err, errlen) != 0) {
		free(l);
		return -1;
	}
	l->flags = flags;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	l->tail = &l->queue;
	if (open_all(l, err, errlen) != 0) {
		pthread_mutex_destroy(&l->mu);
		pthread_cond_destroy(&l->cv);
		free(l);
		return -1;
	}
	*out = l;
	return 0;
}

void ledger_close(struct ledger *l)
{
	if (l == NULL)
		return;
	if (l->env != NULL && !l->broken)
		l->env->txn_checkpoint(l->env, 0, 0, 0);
	close_handles(l);
	remove_home(l->home);
	ledger_space_free(l);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
}

void ledger_head(struct ledger *l, uint64_t *seq, uint8_t hash[LEDGER_HASH_LEN])
{
	pthread_mutex_lock(&l->mu);
	*seq = l->head.seq;
	if (hash != NULL)
		memcpy(hash, l->head.hash, LEDGER_HASH_LEN);
	pthread_mutex_unlock(&l->mu);
}

int ledger_checkpoint(struct ledger *l, char *err, size_t errlen)
{
	int rc = l->env->txn_checkpoint(l->env, 0, 0, DB_FORCE);

	return rc == 0 ? 0 : fail(err, errlen, rc, "checkpoint");
}

/* Takes the leader role (no batch runs until ledger_unlead): for verify. */
void ledger_lead(struct ledger *l)
{
	pthread_mutex_lock(&l->mu);
	while (l->leader)
		pthread_cond_wait(&l->cv, &l->mu);
	l->leader = 1;
	pthread_mutex_unlock(&l->mu);
}

void ledger_unlead(struct ledger *l)
{
	pthread_mutex_lock(&l->mu);
	l->leader = 0;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

/* ---- appending ---- */

/* Encodes ev as a record and appends it; its recno must be its seq. */
static int put_record(struct ledger *l, DB_TXN *txn, const struct ledger_event *ev,
		      uint8_t hash[LEDGER_HASH_LEN], int *db_rc, char *err, size_t errlen)
{
	struct ipc_wbuf w;
	db_recno_t recno = 0;
	DBT k, v;
	int rc;

	ipc_wbuf_init(&w);
	if (ledger_record_encode(ev, &w, err, errlen) != 0) {
		ipc_wbuf_free(&w);
		return LEDGER_EINVAL;
	}
	if (w.failed) {
		ipc_wbuf_free(&w);
		*db_rc = ENOMEM;
		snprintf(err, errlen, "out of memory");
		return LEDGER_EIO;
	}
	ledger_record_hash(w.data, w.len, hash);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = &recno;
	k.ulen = sizeof(recno);
	k.flags = DB_DBT_USERMEM;
	v.data = w.data;
	v.size = (u_int32_t)w.len;
	rc = l->journal->put(l->journal, txn, &k, &v, DB_APPEND);
	ipc_wbuf_free(&w);
	if (rc != 0) {
		*db_rc = rc;
		fail(err, errlen, rc, "appending to the journal");
		return LEDGER_EIO;
	}
	if (recno != ev->seq) {
		*db_rc = 0;
		snprintf(err, errlen, "ledger database: journal record %lu for event %llu",
			 (unsigned long)recno, (unsigned long long)ev->seq);
		return LEDGER_EIO;
	}
	return LEDGER_OK;
}

/* One event: checked, written, indexed, the head advanced in h. */
static int event_one(struct ledger *l, DB_TXN *txn, struct ledger_headrec *h,
		     struct ledger_event *ev, uint8_t *hash_out, int64_t now, int *db_rc,
		     char *err, size_t errlen)
{
	uint8_t hash[LEDGER_HASH_LEN];
	int rc;

	ev->seq = h->seq + 1;
	ev->time = now;
	memcpy(ev->prev, h->hash, LEDGER_HASH_LEN);
	if (ev->type == EV_REQUEST_RECEIVED)
		ev->u.request.request_id = h->next_request_id;
	rc = ledger_ix_check(&l->ix, txn, h, ev, db_rc, err, errlen);
	if (rc == LEDGER_OK)
		rc = put_record(l, txn, ev, hash, db_rc, err, errlen);
	if (rc == LEDGER_OK)
		rc = ledger_ix_apply(&l->ix, txn, h, ev, db_rc, err, errlen);
	if (rc == LEDGER_OK) {
		h->seq = ev->seq;
		memcpy(h->hash, hash, LEDGER_HASH_LEN);
		if (hash_out != NULL)
			memcpy(hash_out, hash, LEDGER_HASH_LEN);
	}
	return rc;
}

/* The request id a group's later events refer to with 0: that of the group's
 * request-received event (the ledger assigns it, so the caller cannot know it). */
static uint32_t *request_ref(struct ledger_event *ev)
{
	switch (ev->type) {
	case EV_DISPOSITION: return &ev->u.disposition.request_id;
	case EV_EXTENSION_SET: return &ev->u.extension.request_id;
	case EV_CERT_INTENT: return &ev->u.intent.request_id;
	case EV_CERT_ISSUED: return &ev->u.issued.request_id;
	case EV_KEY_ARCHIVED: return &ev->u.archive.request_id;
	case EV_REQUEST_LINK: return &ev->u.link.request_id;
	default: return NULL;
	}
}

/* One entry of a batch: a single event, or a group in a child transaction so
 * that a refused member leaves nothing of the group. LEDGER_EINVAL only fails
 * this entry; LEDGER_EIO fails the whole batch (db_rc tells a deadlock, to retry,
 * from a disk error). */
static int batch_one(struct ledger *l, DB_TXN *txn, struct ledger_headrec *h,
		     struct pending *p, int64_t now, int *db_rc)
{
	struct ledger_headrec saved = *h;
	DB_TXN *child;
	uint32_t rid = 0, *ref;
	int rc = LEDGER_OK;

	if (p->n == 1)
		return event_one(l, txn, h, p->evs[0], p->hashes ? p->hashes[0] : NULL, now,
				 db_rc, p->err, p->errlen);
	if ((*db_rc = l->env->txn_begin(l->env, txn, &child, 0)) != 0) {
		fail(p->err, p->errlen, *db_rc, "beginning a nested transaction");
		return LEDGER_EIO;
	}
	for (size_t i = 0; i < p->n && rc == LEDGER_OK; i++) {
		struct ledger_event *ev = p->evs[i];

		if (rid != 0 && (ref = request_ref(ev)) != NULL && *ref == 0)
			*ref = rid;
		rc = event_one(l, child, h, ev, p->hashes ? p->hashes[i] : NULL, now, db_rc,
			       p->err, p->errlen);
		if (rc == LEDGER_OK && ev->type == EV_REQUEST_RECEIVED)
			rid = ev->u.request.request_id;
	}
	if (rc == LEDGER_OK && (*db_rc = child->commit(child, 0)) != 0) {
		fail(p->err, p->errlen, *db_rc, "committing a nested transaction");
		return LEDGER_EIO;
	}
	if (rc != LEDGER_OK) {
		child->abort(child);
		*h = saved;
	}
	return rc;
}

/* Applies and commits a batch; sets each entry's rc. Called by the leader with mu
 * unlocked; only the leader writes, so the head cannot move meanwhile. */
static void run_batch(struct ledger *l, struct pending *batch)
{
	char err[512] = "";
	struct ledger_headrec h;
	int64_t now = (int64_t)time(NULL);
	int attempt, db_rc = 0, rc = LEDGER_EIO;

	if (l->broken) {
		close_handles(l);
		if (open_all(l, err, sizeof(err)) != 0)
			l->broken = 1;
	}
	for (attempt = 0; attempt < DEADLOCK_RETRIES && !l->broken; attempt++) {
		DB_TXN *txn;

		h = l->head;
		if ((db_rc = l->env->txn_begin(l->env, NULL, &txn, 0)) != 0) {
			fail(err, sizeof(err), db_rc, "beginning a transaction");
			break;
		}
		rc = LEDGER_OK;
		for (struct pending *p = batch; p != NULL && rc != LEDGER_EIO; p = p->next) {
			p->rc = batch_one(l, txn, &h, p, now, &db_rc);
			if (p->rc == LEDGER_EIO) {
				rc = LEDGER_EIO;
				snprintf(err, sizeof(err), "%s", p->err);
			}
		}
		if (rc == LEDGER_OK && ledger_ix_put_head(&l->ix, txn, &h, &db_rc) != LEDGER_OK) {
			rc = LEDGER_EIO;
			fail(err, sizeof(err), db_rc, "writing the head");
		}
		if (rc != LEDGER_OK) {
			txn->abort(txn);
		} else if ((db_rc = txn->commit(txn, 0)) != 0) {
			rc = LEDGER_EIO;
			fail(err, sizeof(err), db_rc, "commit");
		} else {
			pthread_mutex_lock(&l->mu);
			l->head = h;
			pthread_mutex_unlock(&l->mu);
			/* Asking costs a log read (auto log removal runs each time):
			 * ask once every CHECKPOINT_EVERY commits. */
			if (++l->commits % CHECKPOINT_EVERY == 0)
				l->env->txn_checkpoint(l->env, CHECKPOINT_KB, CHECKPOINT_MIN, 0);
			return;
		}
		if (db_rc == DB_RUNRECOVERY)
			l->broken = 1;
		if (db_rc != DB_LOCK_DEADLOCK)
			break;
	}
	if (err[0] == 0)
		snprintf(err, sizeof(err), "ledger database unavailable; reopen failed");
	/* Nothing of the batch is kept: every event that was not refused on its own
	 * merits gets the store's error. */
	for (struct pending *p = batch; p != NULL; p = p->next)
		if (p->rc != LEDGER_EINVAL) {
			/* The disk's own ENOSPC is the same condition as the
			 * reserve, for whoever asked: no room. */
			p->rc = db_rc == ENOSPC ? LEDGER_EFULL : LEDGER_EIO;
			snprintf(p->err, p->errlen, "%s%s", err,
				 db_rc == ENOSPC ? " (the ledger's disk is full: nothing of this "
						   "request was recorded)" : "");
		}
}

int ledger_append(struct ledger *l, struct ledger_event *ev, uint8_t hash[LEDGER_HASH_LEN],
		  char *err, size_t errlen)
{
	return ledger_append_group(l, &ev, 1, (uint8_t(*)[LEDGER_HASH_LEN])hash, err, errlen);
}

int ledger_append_group(struct ledger *l, struct ledger_event **evs, size_t n,
			uint8_t (*hashes)[LEDGER_HASH_LEN], char *err, size_t errlen)
{
	int rc;

	if (n > 0 && n <= LEDGER_GROUP_MAX &&
	    (rc = ledger_space_admit(l, evs, n, err, errlen)) != LEDGER_OK)
		return rc;
	return ledger_append_unchecked(l, evs, n, hashes, err, errlen);
}

int ledger_append_unchecked(struct ledger *l, struct ledger_event **evs, size_t n,
			    uint8_t (*hashes)[LEDGER_HASH_LEN], char *err, size_t errlen)
{
	struct pending me = {evs, n, hashes, err, errlen, LEDGER_EIO, 0, NULL};

	if (l->suspect) {
		snprintf(err, errlen, "the journal's end and the head disagree: the ledger does "
			 "not verify; appends refused");
		return LEDGER_EIO;
	}
	if (n == 0 || n > LEDGER_GROUP_MAX) {
		snprintf(err, errlen, "a group has 1..%d events", LEDGER_GROUP_MAX);
		return LEDGER_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (evs[i]->type == EV_REQUEST_RECEIVED && evs[i]->u.request.request_id != 0) {
			snprintf(err, errlen, "request ids are assigned by the ledger: send 0");
			return LEDGER_EINVAL;
		}
		if (evs[i]->type == EV_REQUEST_RECEIVED && i != 0) {
			snprintf(err, errlen, "a group's request-received event comes first");
			return LEDGER_EINVAL;
		}
	}
	pthread_mutex_lock(&l->mu);
	*l->tail = &me;
	l->tail = &me.next;
	while (!me.done) {
		struct pending *batch, *p;
		size_t taken = 0;

		if (l->leader) {
			pthread_cond_wait(&l->cv, &l->mu);
			continue;
		}
		/* Lead: take up to LEDGER_BATCH_MAX queued appends, mine among them. */
		l->leader = 1;
		batch = l->queue;
		for (p = batch; p->next != NULL && ++taken < LEDGER_BATCH_MAX; p = p->next)
			;
		l->queue = p->next;
		p->next = NULL;
		if (l->queue == NULL)
			l->tail = &l->queue;
		pthread_mutex_unlock(&l->mu);
		run_batch(l, batch);
		pthread_mutex_lock(&l->mu);
		for (p = batch; p != NULL; p = p->next)
			p->done = 1;
		l->leader = 0;
		pthread_cond_broadcast(&l->cv);
	}
	pthread_mutex_unlock(&l->mu);
	return me.rc;
}

/* ---- reading ---- */

int ledger_get_record(struct ledger *l, uint64_t seq, uint8_t **rec, size_t *len)
{
	db_recno_t recno = (db_recno_t)seq;
	DBT k, v;
	int rc;

	if (seq == 0 || seq > UINT32_MAX)
		return LEDGER_ENOTFOUND;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = &recno;
	k.size = sizeof(recno);
	v.flags = DB_DBT_MALLOC;
	rc = l->journal->get(l->journal, NULL, &k, &v, 0);
	if (rc == DB_NOTFOUND || rc == DB_KEYEMPTY)
		return LEDGER_ENOTFOUND;
	if (rc != 0)
		return LEDGER_EIO;
	*rec = v.data;
	*len = v.size;
	return LEDGER_OK;
}

int ledger_get_request(struct ledger *l, uint32_t id, struct ledger_request_row *row)
{
	uint8_t k[4], *v;
	size_t vl;
	int rc;

	ledger_be32(id, k);
	rc = ledger_db_get(l->ix.db[IX_REQUESTS], NULL, k, 4, &v, &vl);
	if (rc == DB_NOTFOUND)
		return LEDGER_ENOTFOUND;
	if (rc != 0)
		return LEDGER_EIO;
	rc = ledger_request_row_decode(v, vl, row);
	free(v);
	return rc == 0 ? LEDGER_OK : LEDGER_EIO;
}

int ledger_get_cert(struct ledger *l, const uint8_t *serial, size_t serial_len,
		    struct ledger_cert_row *row)
{
	uint8_t *v;
	size_t vl;
	int rc;

	if (serial_len == 0 || serial_len > LEDGER_SERIAL_MAX)
		return LEDGER_ENOTFOUND;
	rc = ledger_db_get(l->ix.db[IX_CERTS], NULL, serial, serial_len, &v, &vl);
	if (rc == DB_NOTFOUND)
		return LEDGER_ENOTFOUND;
	if (rc != 0)
		return LEDGER_EIO;
	rc = ledger_cert_row_decode(v, vl, row);
	free(v);
	return rc == 0 ? LEDGER_OK : LEDGER_EIO;
}

/* One pass of a view; DB_LOCK_DEADLOCK makes the caller start over. */
static int view_pass(struct ledger *l, const struct view_query *q,
		     int (*cb)(const struct ledger_request_row *, void *), void *arg, int *more,
		     int *given)
{
	DB *db = l->ix.db[IX_REQUESTS];
	DB_TXN *txn;
	DBC *c;
	DBT k, v;
	uint8_t kb[4];
	u_int32_t op = DB_SET_RANGE;
	int rc;

	*more = 0;
	*given = 0;
	if ((rc = ledger_read_cursor(l->env, db, &txn, &c)) != 0)
		return rc;
	if (q->after_id == UINT32_MAX)
		goto done;
	ledger_be32(q->after_id + 1, kb);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = kb;
	k.size = 4;
	k.ulen = 4;
	k.flags = DB_DBT_USERMEM;
	v.flags = DB_DBT_REALLOC;
	while ((rc = c->get(c, &k, &v, op)) == 0) {
		struct ledger_request_row row;

		op = DB_NEXT;
		if (ledger_request_row_decode(v.data, v.size, &row) != 0) {
			rc = EINVAL;
			break;
		}
		if (!view_match(q, &row))
			continue;
		if ((uint32_t)*given == q->limit) {
			*more = 1;
			break;
		}
		(*given)++;
		if (cb(&row, arg) != 0)
			break;
	}
	free(v.data);
done:
	c->close(c);
	txn->commit(txn, 0);
	return rc == DB_NOTFOUND ? 0 : rc;
}

int ledger_view(struct ledger *l, const struct view_query *q,
		int (*cb)(const struct ledger_request_row *row, void *arg), void *arg, int *more)
{
	int given = 0;

	for (int attempt = 0; attempt < DEADLOCK_RETRIES; attempt++) {
		int rc = view_pass(l, q, cb, arg, more, &given);

		if (rc == 0)
			return given;
		/* A callback may have seen rows already: only retry before any. */
		if (rc != DB_LOCK_DEADLOCK || given > 0)
			return -1;
	}
	return -1;
}
