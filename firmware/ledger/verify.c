/* Verification: replay the journal from genesis, check the chain, rebuild every
 * index in memory with the rules appends use (index.c), compare with the stored
 * indexes, and name the first divergence. Appends wait meanwhile (verify holds
 * the leader role), so the journal does not move under the replay. */
#include "firmware/ledger/ledger_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int mem_open(struct ledger_ix *m, char *err, size_t errlen)
{
	int rc;

	memset(m, 0, sizeof(*m));
	for (int i = 0; i < IX_N; i++) {
		if ((rc = db_create(&m->db[i], NULL, 0)) != 0 ||
		    (ledger_ix_dups(i) && (rc = m->db[i]->set_flags(m->db[i], DB_DUPSORT)) != 0) ||
		    (rc = m->db[i]->open(m->db[i], NULL, NULL, NULL, DB_BTREE, DB_CREATE, 0)) != 0) {
			snprintf(err, errlen, "verify: in-memory index: %s", db_strerror(rc));
			return -1;
		}
	}
	return 0;
}

static void mem_close(struct ledger_ix *m)
{
	for (int i = 0; i < IX_N; i++)
		if (m->db[i] != NULL)
			m->db[i]->close(m->db[i], 0);
}

static void hexkey(const DBT *k, char *out, size_t outlen)
{
	size_t n = 0;

	for (u_int32_t i = 0; i < k->size && n + 3 < outlen && i < 24; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%02x", ((uint8_t *)k->data)[i]);
	if (k->size > 24 && n + 4 < outlen)
		snprintf(out + n, outlen - n, "...");
}

/* A checkpoint event's head must be the hash of the record it names (an earlier
 * one: index.c). 0, or -1 with err. */
static int checkpoint_holds(DB *journal, const struct ledger_event *ev, char *err,
			    size_t errlen)
{
	db_recno_t recno = (db_recno_t)ev->u.checkpoint.seq;
	uint8_t hash[LEDGER_HASH_LEN];
	DBT k, v;
	int rc;

	if (ev->u.checkpoint.seq > UINT32_MAX) {
		snprintf(err, errlen, "event %llu: its checkpoint names record %llu, beyond the "
			 "journal", (unsigned long long)ev->seq,
			 (unsigned long long)ev->u.checkpoint.seq);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = &recno;
	k.size = sizeof(recno);
	v.flags = DB_DBT_MALLOC;
	if ((rc = journal->get(journal, NULL, &k, &v, 0)) != 0) {
		snprintf(err, errlen, "event %llu: its checkpoint's record %llu cannot be read: %s",
			 (unsigned long long)ev->seq, (unsigned long long)ev->u.checkpoint.seq,
			 db_strerror(rc));
		return -1;
	}
	ledger_record_hash(v.data, v.size, hash);
	free(v.data);
	if (memcmp(hash, ev->u.checkpoint.head, LEDGER_HASH_LEN) != 0) {
		snprintf(err, errlen, "event %llu: the checkpoint's head is not the hash of record "
			 "%llu: the checkpoint or that record was altered",
			 (unsigned long long)ev->seq, (unsigned long long)ev->u.checkpoint.seq);
		return -1;
	}
	return 0;
}

/* Replays the journal into the in-memory indexes; h ends as the rebuilt head. */
static int replay(DB *journal, struct ledger_ix *m, struct ledger_headrec *h, char *err,
		  size_t errlen)
{
	static char strbuf[LEDGER_STRBUF];
	char derr[256];
	DBC *c;
	DBT k, v;
	db_recno_t recno = 0;
	int rc, db_rc;

	memset(h, 0, sizeof(*h));
	h->next_request_id = 1;
	if ((rc = journal->cursor(journal, NULL, &c, 0)) != 0) {
		snprintf(err, errlen, "verify: journal: %s", db_strerror(rc));
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = &recno;
	k.ulen = sizeof(recno);
	k.flags = DB_DBT_USERMEM;
	v.flags = DB_DBT_REALLOC;
	while ((rc = c->get(c, &k, &v, DB_NEXT)) == 0) {
		struct ledger_event ev;
		uint64_t want = h->seq + 1;

		rc = -1;
		if (recno != want) {
			snprintf(err, errlen, "event %llu missing: the journal goes from event %llu "
				 "to record %lu", (unsigned long long)want,
				 (unsigned long long)h->seq, (unsigned long)recno);
			break;
		}
		if (ledger_record_decode(v.data, v.size, &ev, strbuf, sizeof(strbuf), derr,
					 sizeof(derr)) != 0) {
			snprintf(err, errlen, "event %llu does not decode (altered): %s",
				 (unsigned long long)want, derr);
			break;
		}
		if (ev.seq != want) {
			snprintf(err, errlen, "journal record %llu holds event %llu: events "
				 "removed, moved or reordered", (unsigned long long)want,
				 (unsigned long long)ev.seq);
			break;
		}
		if (memcmp(ev.prev, h->hash, LEDGER_HASH_LEN) != 0) {
			snprintf(err, errlen, "event %llu: its prev is not the hash of event %llu: "
				 "event %llu was altered (or this one forged)",
				 (unsigned long long)want, (unsigned long long)h->seq,
				 (unsigned long long)h->seq);
			break;
		}
		if (ledger_ix_check(m, NULL, h, &ev, &db_rc, derr, sizeof(derr)) != LEDGER_OK ||
		    ledger_ix_apply(m, NULL, h, &ev, &db_rc, derr, sizeof(derr)) != LEDGER_OK) {
			snprintf(err, errlen, "event %llu breaks the ledger's rules: %s",
				 (unsigned long long)want, derr);
			break;
		}
		if (ev.type == EV_CHECKPOINT && checkpoint_holds(journal, &ev, err, errlen) != 0)
			break;
		h->seq = want;
		ledger_record_hash(v.data, v.size, h->hash);
		rc = 0;
	}
	free(v.data);
	c->close(c);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc > 0)
		snprintf(err, errlen, "verify: reading the journal: %s", db_strerror(rc));
	return -1;
}

/* The first difference between a stored index and its rebuild, or 0. */
static int compare_index(DB *stored, DB *rebuilt, const char *name, char *err, size_t errlen)
{
	DBC *a, *b;
	DBT ka, va, kb, vb;
	int ra, rb, diff = 0;
	char key[64];

	if (stored->cursor(stored, NULL, &a, 0) != 0 || rebuilt->cursor(rebuilt, NULL, &b, 0) != 0) {
		snprintf(err, errlen, "verify: index %s: cannot read", name);
		return -1;
	}
	memset(&ka, 0, sizeof(ka));
	memset(&va, 0, sizeof(va));
	memset(&kb, 0, sizeof(kb));
	memset(&vb, 0, sizeof(vb));
	ka.flags = va.flags = kb.flags = vb.flags = DB_DBT_REALLOC;
	for (;;) {
		ra = a->get(a, &ka, &va, DB_NEXT);
		rb = b->get(b, &kb, &vb, DB_NEXT);
		if (ra == DB_NOTFOUND && rb == DB_NOTFOUND)
			break;
		if (ra != 0 && ra != DB_NOTFOUND) {
			snprintf(err, errlen, "verify: index %s: %s", name, db_strerror(ra));
			diff = -1;
			break;
		}
		if (ra == DB_NOTFOUND || (rb == 0 && (ka.size != kb.size ||
				memcmp(ka.data, kb.data, ka.size) > 0))) {
			hexkey(&kb, key, sizeof(key));
			snprintf(err, errlen, "index %s: key %s is missing from the stored index",
				 name, key);
			diff = -1;
			break;
		}
		if (rb == DB_NOTFOUND || ka.size != kb.size || memcmp(ka.data, kb.data, ka.size)) {
			hexkey(&ka, key, sizeof(key));
			snprintf(err, errlen, "index %s: stored key %s does not follow from the "
				 "journal", name, key);
			diff = -1;
			break;
		}
		if (va.size != vb.size || memcmp(va.data, vb.data, va.size) != 0) {
			hexkey(&ka, key, sizeof(key));
			snprintf(err, errlen, "index %s: key %s: the stored value differs from the "
				 "journal's", name, key);
			diff = -1;
			break;
		}
	}
	free(ka.data);
	free(va.data);
	free(kb.data);
	free(vb.data);
	a->close(a);
	b->close(b);
	return diff;
}

int ledger_verify(struct ledger *l, uint64_t *n_events, char *err, size_t errlen)
{
	struct ledger_ix mem;
	struct ledger_headrec h;
	int rc = -1, db_rc;

	*n_events = 0;
	ledger_lead(l);
	if (l->broken) {
		snprintf(err, errlen, "verify: the ledger database is unavailable");
		ledger_unlead(l);
		return -1;
	}
	if (mem_open(&mem, err, errlen) != 0 || replay(l->journal, &mem, &h, err, errlen) != 0)
		goto out;
	*n_events = h.seq;
	if (h.seq != l->head.seq) {
		snprintf(err, errlen, "the journal ends at event %llu but the head says %llu",
			 (unsigned long long)h.seq, (unsigned long long)l->head.seq);
		goto out;
	}
	if (memcmp(h.hash, l->head.hash, LEDGER_HASH_LEN) != 0) {
		snprintf(err, errlen, "event %llu (the last) was altered: its hash is not the "
			 "head's", (unsigned long long)h.seq);
		goto out;
	}
	if (h.seq > 0 && ledger_ix_put_head(&mem, NULL, &h, &db_rc) != LEDGER_OK) {
		snprintf(err, errlen, "verify: in-memory head: %s", db_strerror(db_rc));
		goto out;
	}
	for (int i = 0; i < IX_N; i++)
		if (compare_index(l->ix.db[i], mem.db[i], ledger_ix_names[i], err, errlen) != 0)
			goto out;
	rc = 0;
out:
	mem_close(&mem);
	ledger_unlead(l);
	return rc;
}
