/* Ordered reads over the indexes that administration needs: the revoked set (for
 * CRLs), the latest CRL, the extensions set on a request, a property's latest
 * event and a run of journal records (for the audit). One cursor walk serves them
 * all; each read is its own read-committed transaction, retried on deadlock
 * before any row was handed out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/ledger/ledger_int.h"

#define WALK_RETRIES 5

enum walk_mode {
	WALK_FROM,     /* keys >= start (all keys when start_len is 0), ascending */
	WALK_DUPS,     /* the duplicates of exactly start */
	WALK_BACKWARD, /* from the last key down */
};

typedef int (*walk_fn)(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, void *arg);

#define WALK_BULK (64u << 10) /* bytes per cursor call in WALK_FROM: ~1,000 revoked rows */

/* Hands out the key/data pairs of one DB_MULTIPLE_KEY buffer; 1 when cb stopped. */
static int bulk_rows(DBT *buf, walk_fn cb, void *arg, int *given)
{
	void *p, *kp, *vp;
	u_int32_t kl, vl;

	DB_MULTIPLE_INIT(p, buf);
	for (;;) {
		DB_MULTIPLE_KEY_NEXT(p, buf, kp, kl, vp, vl);
		if (p == NULL)
			return 0;
		(*given)++;
		if (cb(kp, kl, vp, vl, arg) != 0)
			return 1;
	}
}

/* WALK_FROM in bulk: a CRL reads the whole revoked set, and one cursor call per
 * row (locking and copying each time) cost ~0.5 us a row, half a second for a
 * million; DB_MULTIPLE_KEY returns as many pairs as fit WALK_BULK per call (0.15 us
 * a row, measured with a 100,000-row set). */
static int walk_bulk(DBC *c, const void *start, size_t start_len, walk_fn cb, void *arg,
		     int *given)
{
	DBT k, v;
	u_int32_t op = start_len > 0 ? DB_SET_RANGE : DB_FIRST;
	int rc;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	v.flags = DB_DBT_USERMEM;
	v.ulen = WALK_BULK;
	if ((v.data = malloc(WALK_BULK)) == NULL)
		return ENOMEM;
	k.flags = DB_DBT_REALLOC;
	if (op == DB_SET_RANGE) {
		if ((k.data = malloc(start_len)) == NULL) {
			free(v.data);
			return ENOMEM;
		}
		memcpy(k.data, start, start_len);
		k.size = (u_int32_t)start_len;
	}
	for (;;) {
		rc = c->get(c, &k, &v, op | DB_MULTIPLE_KEY);
		if (rc == DB_BUFFER_SMALL) { /* one pair larger than the buffer: grow, retry */
			u_int32_t ulen = (v.size + 1023u) & ~1023u;
			void *p = ulen > v.ulen ? realloc(v.data, ulen) : NULL;

			if (p == NULL) {
				rc = ENOMEM;
				break;
			}
			v.data = p;
			v.ulen = ulen;
			continue;
		}
		if (rc != 0)
			break;
		op = DB_NEXT;
		if (bulk_rows(&v, cb, arg, given) != 0)
			break;
	}
	free(k.data);
	free(v.data);
	return rc;
}

/* One pass; *given counts the callbacks made, so a deadlock after the first is
 * not retried (the caller would see rows twice). */
static int walk_pass(struct ledger *l, enum ix i, enum walk_mode mode, const void *start,
		     size_t start_len, walk_fn cb, void *arg, int *given)
{
	DB *db = l->ix.db[i];
	DB_TXN *txn;
	DBC *c;
	DBT k, v;
	u_int32_t op, next;
	int rc;

	if ((rc = ledger_read_cursor(l->env, db, &txn, &c)) != 0)
		return rc;
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.flags = DB_DBT_REALLOC;
	v.flags = DB_DBT_REALLOC;
	switch (mode) {
	case WALK_FROM:
		rc = walk_bulk(c, start, start_len, cb, arg, given);
		goto out;
	case WALK_DUPS:
		op = DB_SET;
		next = DB_NEXT_DUP;
		break;
	default:
		op = DB_LAST;
		next = DB_PREV;
		break;
	}
	if (op == DB_SET) {
		k.data = malloc(start_len);
		if (k.data == NULL) {
			rc = ENOMEM;
			goto out;
		}
		memcpy(k.data, start, start_len);
		k.size = (u_int32_t)start_len;
	}
	while ((rc = c->get(c, &k, &v, op)) == 0) {
		op = next;
		(*given)++;
		if (cb(k.data, k.size, v.data, v.size, arg) != 0)
			break;
	}
out:
	free(k.data);
	free(v.data);
	c->close(c);
	txn->commit(txn, 0);
	return rc == DB_NOTFOUND ? 0 : rc;
}

static int walk(struct ledger *l, enum ix i, enum walk_mode mode, const void *start,
		size_t start_len, walk_fn cb, void *arg)
{
	for (int attempt = 0; attempt < WALK_RETRIES; attempt++) {
		int given = 0;
		int rc = walk_pass(l, i, mode, start, start_len, cb, arg, &given);

		if (rc == 0)
			return LEDGER_OK;
		if (rc != DB_LOCK_DEADLOCK || given > 0)
			return LEDGER_EIO;
	}
	return LEDGER_EIO;
}

/* ---- the revoked set ---- */

struct revoked_walk {
	const uint8_t *after;
	size_t after_len;
	unsigned limit, n;
	int more, bad;
	int (*cb)(const uint8_t *, size_t, const struct ledger_revoked_row *, void *);
	void *arg;
};

static int revoked_one(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, void *arg)
{
	struct revoked_walk *w = arg;
	struct ledger_revoked_row row;

	/* SET_RANGE lands on the last serial given when it is still there: skip it. */
	if (w->after_len > 0 && kl == w->after_len && memcmp(k, w->after, kl) == 0)
		return 0;
	if (kl == 0 || kl > LEDGER_SERIAL_MAX || ledger_revoked_row_decode(v, vl, &row) != 0) {
		w->bad = 1;
		return 1;
	}
	if (w->n == w->limit) {
		w->more = 1;
		return 1;
	}
	w->n++;
	return w->cb(k, kl, &row, w->arg);
}

int ledger_revoked_page(struct ledger *l, const uint8_t *after, size_t after_len,
			unsigned limit,
			int (*cb)(const uint8_t *serial, size_t serial_len,
				  const struct ledger_revoked_row *row, void *arg),
			void *arg, int *more)
{
	struct revoked_walk w = {after, after_len, limit, 0, 0, 0, cb, arg};
	int rc = walk(l, IX_REVOKED, WALK_FROM, after, after_len, revoked_one, &w);

	*more = w.more;
	if (rc != LEDGER_OK || w.bad)
		return LEDGER_EIO;
	return (int)w.n;
}

/* ---- CRLs ---- */

struct crl_walk {
	int want_base, found, bad;
	uint64_t number;
	struct ledger_crl_row row;
};

static int crl_one(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, void *arg)
{
	struct crl_walk *w = arg;
	struct ledger_crl_row row;

	if (kl != 8 || ledger_crl_row_decode(v, vl, &row) != 0) {
		w->bad = 1;
		return 1;
	}
	if (w->want_base && row.is_delta)
		return 0;
	w->found = 1;
	w->row = row;
	w->number = 0;
	for (int i = 0; i < 8; i++)
		w->number = w->number << 8 | k[i];
	return 1;
}

int ledger_crl_latest(struct ledger *l, int want_base, uint64_t *number,
		      struct ledger_crl_row *row)
{
	struct crl_walk w = {.want_base = want_base};
	int rc = walk(l, IX_CRLS, WALK_BACKWARD, NULL, 0, crl_one, &w);

	if (rc != LEDGER_OK || w.bad)
		return LEDGER_EIO;
	if (!w.found)
		return LEDGER_ENOTFOUND;
	*number = w.number;
	*row = w.row;
	return LEDGER_OK;
}

/* ---- sequence lists: extensions of a request, a property ---- */

struct seq_walk {
	uint64_t seqs[LEDGER_SEQS_MAX];
	size_t n;
	int bad, more;
};

static int seq_one(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, void *arg)
{
	struct seq_walk *w = arg;
	uint64_t seq = 0;

	(void)k;
	(void)kl;
	if (vl != 8) {
		w->bad = 1;
		return 1;
	}
	if (w->n == LEDGER_SEQS_MAX) {
		w->more = 1;
		return 1;
	}
	for (int i = 0; i < 8; i++)
		seq = seq << 8 | v[i];
	w->seqs[w->n++] = seq;
	return 0;
}

static int seqs_of(struct ledger *l, enum ix i, const void *key, size_t kl, uint64_t *seqs,
		   size_t *n)
{
	struct seq_walk *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL)
		return LEDGER_EIO;
	rc = walk(l, i, WALK_DUPS, key, kl, seq_one, w);
	if (rc == LEDGER_OK && (w->bad || w->more))
		rc = LEDGER_EIO;
	if (rc == LEDGER_OK) {
		memcpy(seqs, w->seqs, w->n * sizeof(seqs[0]));
		*n = w->n;
	}
	free(w);
	return rc;
}

int ledger_extension_seqs(struct ledger *l, uint32_t request_id,
			  uint64_t seqs[LEDGER_SEQS_MAX], size_t *n)
{
	uint8_t k[4];

	ledger_be32(request_id, k);
	return seqs_of(l, IX_EXTENSIONS, k, 4, seqs, n);
}

/* props holds one seq per name (overwritten by each change): a plain read. */
int ledger_prop_seq(struct ledger *l, const char *name, uint64_t *seq)
{
	uint8_t *v;
	size_t vl;
	int rc;

	if (name[0] == 0)
		return LEDGER_ENOTFOUND;
	rc = ledger_db_get(l->ix.db[IX_PROPS], NULL, name, strlen(name), &v, &vl);
	if (rc == DB_NOTFOUND)
		return LEDGER_ENOTFOUND;
	if (rc != 0)
		return LEDGER_EIO;
	*seq = 0;
	for (size_t i = 0; i < vl && i < 8; i++)
		*seq = *seq << 8 | v[i];
	free(v);
	return vl == 8 ? LEDGER_OK : LEDGER_EIO;
}

/* ---- templates: the latest event of every name ---- */

struct tmpl_walk {
	uint64_t *seqs;
	size_t n;
	int bad;
};

static int tmpl_one(const uint8_t *k, size_t kl, const uint8_t *v, size_t vl, void *arg)
{
	struct tmpl_walk *w = arg;
	uint64_t seq = 0;

	(void)k;
	(void)kl;
	/* index.c's row (store.h); more names than the ledger ever admits is a
	 * damaged index, not a page to continue. */
	if (vl != 20 || w->n == LEDGER_TEMPLATES_MAX) {
		w->bad = 1;
		return 1;
	}
	for (int i = 0; i < 8; i++)
		seq = seq << 8 | v[i];
	w->seqs[w->n++] = seq;
	return 0;
}

int ledger_template_seqs(struct ledger *l, uint64_t seqs[LEDGER_TEMPLATES_MAX], size_t *n)
{
	struct tmpl_walk w = {seqs, 0, 0};
	int rc = walk(l, IX_TEMPLATES, WALK_FROM, NULL, 0, tmpl_one, &w);

	if (rc == LEDGER_OK && w.bad)
		rc = LEDGER_EIO;
	*n = rc == LEDGER_OK ? w.n : 0;
	return rc;
}
