/* Checkpoints signed in the HSM and the ledger's anchor on the token
 * (checkpoint.h, README "The ledger's anchor"). */
#include "firmware/custodian/checkpoint.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/ledger/anchor.h"
#include "platform/log.h"

static const char *const labels[2] = {CHECKPOINT_LABEL_A, CHECKPOINT_LABEL_B};

void anchor_slots_free(struct anchor_slot slots[2])
{
	for (int i = 0; i < 2; i++)
		x509_buf_free(&slots[i].der);
}

/* One slot: absent, not believed (why), or valid. -1 only when the HSM itself
 * failed, never for what the object holds. */
static int read_slot(struct ca *ca, int i, struct anchor_slot *s, char *err, size_t errlen)
{
	struct hsm_err herr;
	uint8_t *v = NULL;
	size_t len = 0;
	char why[200];
	int rc;

	memset(s, 0, sizeof(*s));
	s->label = labels[i];
	rc = hsm_data_read(ca->hsm, s->label, &v, &len, &herr);
	if (rc == HSM_ENOKEY) {
		snprintf(s->why, sizeof(s->why), "absent");
		return 0;
	}
	if (rc == HSM_EAMBIG) {
		snprintf(s->why, sizeof(s->why), "%s", herr.msg);
		return 0;
	}
	if (rc != HSM_OK) {
		ca_hsm_error(rc, &herr, "reading the ledger's anchor", err, errlen);
		return -1;
	}
	/* What the object holds is checked like anything from outside: a forged,
	 * torn or foreign checkpoint is not believed. */
	if (x509_checkpoint_verify(v, len, ca->spki.data, ca->spki.len, &s->cp, why,
				   sizeof(why)) != 0) {
		snprintf(s->why, sizeof(s->why), "not a checkpoint signed by this CA (%s)", why);
	} else {
		s->der.data = v; /* kept: the caller frees it */
		s->der.len = len;
		s->valid = 1;
		v = NULL;
	}
	free(v);
	return 0;
}

int anchor_read(struct ca *ca, struct anchor_slot slots[2], int *best, char *err, size_t errlen)
{
	/* Both slots empty first: a failure reading slot 0 frees slot 1 too. */
	memset(slots, 0, 2 * sizeof(*slots));
	*best = -1;
	for (int i = 0; i < 2; i++) {
		if (read_slot(ca, i, &slots[i], err, errlen) != 0) {
			anchor_slots_free(slots);
			return -1;
		}
		if (slots[i].valid && (*best < 0 || slots[i].cp.seq > slots[*best].cp.seq))
			*best = i;
	}
	return *best < 0 ? 1 : 0;
}

static void to_anchor(const struct x509_checkpoint *c, struct ledger_anchor *a)
{
	a->seq = c->seq;
	memcpy(a->head, c->head, LEDGER_HASH_LEN);
	a->time = c->time;
	a->crl_number = c->crl_number;
}

/* The ledger against the anchor: 0, 1 refused (msg), -1 (msg). */
static int compare(struct checkpointer *cp, const struct x509_checkpoint *c, uint64_t head_seq,
		   char *msg, size_t msglen)
{
	struct ledger_anchor a;
	uint8_t at[LEDGER_HASH_LEN];
	uint8_t *rec = NULL;
	size_t len;
	int rc, have = 0;

	to_anchor(c, &a);
	if (head_seq >= a.seq) {
		rc = record_get_record(cp->rec, a.seq, &rec, &len, msg, msglen);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			ledger_record_hash(rec, len, at);
			have = 1;
			free(rec);
		}
	}
	return ledger_anchor_compare(&a, "the HSM's checkpoint", head_seq, have ? at : NULL, msg,
				     msglen) == 0 ? 0 : 1;
}

int checkpoint_open(struct checkpointer *cp, struct ca *ca, struct record *rec, char *msg,
		    size_t msglen)
{
	struct anchor_slot slots[2];
	uint8_t head[LEDGER_HASH_LEN];
	uint64_t head_seq;
	int best, rc;

	memset(cp, 0, sizeof(*cp));
	cp->ca = ca;
	cp->rec = rec;
	pthread_mutex_init(&cp->mu, NULL);
	pthread_mutex_init(&cp->wait_mu, NULL);
	pthread_cond_init(&cp->wait_cv, NULL);
	if (conf_get_uint(&ca->conf, "checkpoint_events", CHECKPOINT_EVENTS_DEFAULT, 1, 100000000,
			  &cp->every_events) != 0 ||
	    conf_get_uint(&ca->conf, "checkpoint_interval", CHECKPOINT_INTERVAL_DEFAULT, 1,
			  7 * 86400, &cp->interval) != 0) {
		snprintf(msg, msglen, "ca.conf: checkpoint_events must be 1..100000000 and "
			 "checkpoint_interval 1..604800 (seconds)");
		return 1;
	}
	if (record_head(rec, &head_seq, head, msg, msglen) != 0)
		return -1;
	rc = anchor_read(ca, slots, &best, msg, msglen);
	if (rc < 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (!slots[i].valid && strcmp(slots[i].why, "absent") != 0)
			log_warnx("ledger anchor %s on the token is not believed: %s", slots[i].label,
				  slots[i].why);
	if (rc == 1) {
		uint64_t first;

		/* None on the token, yet the ledger was anchored before: the anchors
		 * were removed (or the token replaced). Refused, or deleting two
		 * files would undo the whole check. */
		rc = record_first_of_type(rec, EV_CHECKPOINT, &first, msg, msglen);
		if (rc < 0) {
			anchor_slots_free(slots);
			return -1;
		}
		if (rc == 0) {
			snprintf(msg, msglen, "the token holds no valid ledger anchor (A %s, B %s) "
				 "but the ledger was anchored (a checkpoint at seq %" PRIu64 "): "
				 "the anchors were removed or damaged; if that is known, `caadm "
				 "checkpoint --reanchor`",
				 strcmp(slots[0].why, "absent") == 0 ? "absent" : "not believed",
				 strcmp(slots[1].why, "absent") == 0 ? "absent" : "not believed",
				 first);
			anchor_slots_free(slots);
			return 1;
		}
		log_warnx("no ledger anchor on the token yet: the ledger (%" PRIu64 " events) is "
			  "not compared with one; the first checkpoint makes it", head_seq);
		cp->next_slot = 0;
	} else {
		rc = compare(cp, &slots[best].cp, head_seq, msg, msglen);
		if (rc == 0) {
			char when[32];

			ledger_time_text(slots[best].cp.time, when, sizeof(when));
			log_info("the ledger (%" PRIu64 " events) holds the HSM's checkpoint of %s "
				 "(%s, seq %" PRIu64 ")", head_seq, when, slots[best].label,
				 slots[best].cp.seq);
		}
		cp->next_slot = 1 - best;
		if (rc != 0) {
			anchor_slots_free(slots);
			return rc;
		}
	}
	anchor_slots_free(slots);
	/* Counted from here: events journaled since the start. */
	cp->last_event_seq = head_seq;
	cp->last_time = (int64_t)time(NULL);
	return 0;
}

/* Signs c on the HSM: the DER SignedLedgerCheckpoint into out. */
static int sign_with(struct ca *ca, const struct x509_checkpoint *c, struct x509_buf *out,
		     char *msg, size_t msglen)
{
	struct x509_buf tbs = {0};
	uint8_t sig[HSM_SIG_MAX];
	size_t sig_len = sizeof(sig);
	int rc = -1;

	if (x509_checkpoint_tbs_encode(c, &tbs, msg, msglen) == 0 &&
	    ca_sign(ca, &ca->sign_key, ca->sigalg, &tbs, sig, &sig_len, msg, msglen) == 0) {
		if (x509_checkpoint_assemble(&tbs, ca->sigalg, sig, sig_len, out) == 0)
			rc = 0;
		else
			snprintf(msg, msglen, "cannot assemble the checkpoint");
	}
	x509_buf_free(&tbs);
	return rc;
}

static int take_locked(struct checkpointer *cp, int force, struct x509_buf *out, char *msg,
		       size_t msglen)
{
	struct x509_checkpoint c;
	struct x509_buf der = {0};
	struct ledger_event ev;
	struct ledger_crl_row row;
	struct hsm_err herr;
	uint64_t number;
	int rc, refused;

	memset(&c, 0, sizeof(c));
	/* The CRL number before the head: that CRL is at or before seq (one
	 * published in between is covered by seq but not named: the number is the
	 * latest the checkpoint vouches for). */
	rc = record_crl_latest(cp->rec, 0, &number, &row, msg, msglen);
	if (rc < 0)
		return -1;
	c.crl_number = rc == 1 ? 0 : number;
	if (record_head(cp->rec, &c.seq, c.head, msg, msglen) != 0)
		return -1;
	if (c.seq == 0 || (!force && c.seq <= cp->last_event_seq))
		return 1;
	c.time = (int64_t)time(NULL);
	if (sign_with(cp->ca, &c, &der, msg, msglen) != 0)
		return -1;
	record_event_init(&ev, EV_CHECKPOINT, ACTOR_CA, "CA");
	ev.u.checkpoint.seq = c.seq;
	memcpy(ev.u.checkpoint.head, c.head, LEDGER_HASH_LEN);
	ev.u.checkpoint.time = c.time;
	ev.u.checkpoint.crl_number = c.crl_number;
	ev.u.checkpoint.signed_der.p = der.data;
	ev.u.checkpoint.signed_der.len = der.len;
	/* Journaled first: an anchor never covers more than the ledger holds. */
	if ((rc = record_append(cp->rec, &ev, &refused, msg, msglen)) != 0) {
		x509_buf_free(&der);
		return -1;
	}
	cp->last_event_seq = ev.seq;
	cp->last_time = c.time;
	/* The older slot is overwritten: a write cut short leaves the newer. */
	rc = hsm_data_write(cp->ca->hsm, labels[cp->next_slot], der.data, der.len, &herr);
	if (out != NULL)
		*out = der; /* journaled: the caller's to carry (a CRL) */
	else
		x509_buf_free(&der);
	if (rc != HSM_OK) {
		ca_hsm_error(rc, &herr, "writing the ledger's anchor", msg, msglen);
		return -1;
	}
	log_info("checkpoint of seq %" PRIu64 " (CRL %" PRIu64 ") signed, journaled as event %"
		 PRIu64 ", anchored in %s", c.seq, c.crl_number, ev.seq, labels[cp->next_slot]);
	cp->next_slot = 1 - cp->next_slot;
	return 0;
}

int checkpoint_take(struct checkpointer *cp, int force, struct x509_buf *der, char *msg,
		    size_t msglen)
{
	int rc;

	if (der != NULL)
		*der = (struct x509_buf){0};
	pthread_mutex_lock(&cp->mu);
	rc = take_locked(cp, force, der, msg, msglen);
	pthread_mutex_unlock(&cp->mu);
	return rc;
}

/* Due: events since the last checkpoint reach checkpoint_events, or some were
 * journaled and checkpoint_interval has passed. */
static int due(struct checkpointer *cp)
{
	uint8_t head[LEDGER_HASH_LEN];
	uint64_t seq, last_seq;
	int64_t last_time;
	char err[256];

	/* Said, not swallowed: while the ledger cannot answer, no checkpoint is
	 * taken (the next tick asks again). */
	if (record_head(cp->rec, &seq, head, err, sizeof(err)) != 0) {
		log_warnx("checkpoint schedule: the ledger's head: %s", err);
		return 0;
	}
	/* What the last checkpoint (maybe a CRL's, on another thread) left. */
	pthread_mutex_lock(&cp->mu);
	last_seq = cp->last_event_seq;
	last_time = cp->last_time;
	pthread_mutex_unlock(&cp->mu);
	if (seq <= last_seq)
		return 0;
	return seq - last_seq >= cp->every_events ||
	       (int64_t)time(NULL) - last_time >= (int64_t)cp->interval;
}

static void *schedule(void *arg)
{
	struct checkpointer *cp = arg;
	char msg[512];
	unsigned tick = cp->interval < 2 ? 1 : 2;

	pthread_mutex_lock(&cp->wait_mu);
	while (!cp->stopping) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += tick;
		pthread_cond_timedwait(&cp->wait_cv, &cp->wait_mu, &until);
		if (cp->stopping)
			break;
		pthread_mutex_unlock(&cp->wait_mu);
		if (due(cp) && checkpoint_take(cp, 0, NULL, msg, sizeof(msg)) < 0)
			log_warnx("checkpoint not taken: %s", msg);
		pthread_mutex_lock(&cp->wait_mu);
	}
	pthread_mutex_unlock(&cp->wait_mu);
	return NULL;
}

int checkpoint_start(struct checkpointer *cp)
{
	if (pthread_create(&cp->thread, NULL, schedule, cp) != 0)
		return -1;
	cp->have_thread = 1;
	return 0;
}

void checkpoint_close(struct checkpointer *cp)
{
	if (cp->have_thread) {
		pthread_mutex_lock(&cp->wait_mu);
		cp->stopping = 1;
		pthread_cond_signal(&cp->wait_cv);
		pthread_mutex_unlock(&cp->wait_mu);
		pthread_join(cp->thread, NULL);
		cp->have_thread = 0;
	}
}

int anchor_reset(struct ca *ca, const struct x509_checkpoint *c, struct x509_buf *der,
		 char *err, size_t errlen)
{
	struct hsm_err herr;
	int rc;

	*der = (struct x509_buf){0};
	if (sign_with(ca, c, der, err, errlen) != 0)
		return -1;
	/* Both slots: nothing older, torn or foreign is left beside it. */
	for (int i = 0; i < 2; i++)
		if ((rc = hsm_data_write(ca->hsm, labels[i], der->data, der->len, &herr)) !=
		    HSM_OK) {
			ca_hsm_error(rc, &herr, "writing the ledger's anchor", err, errlen);
			x509_buf_free(der);
			return -1;
		}
	return 0;
}
