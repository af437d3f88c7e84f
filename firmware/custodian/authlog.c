/* CUST_AUTH_EVENT: an authentication failure (wrong password, unknown user), a
 * refused verifier (bad signature, replay, another auth_context_id) or a refused
 * retrieval, as the worker saw it. Journaled so that an auditor finds failed
 * and forged logons next to the requests (DESIGN.md: a failure leaves an event
 * in the journal). The worker names one of a fixed set of happenings; the event
 * is EV_LOGON_REFUSED under the actor "unauthenticated", with the name the client
 * claimed in a field of its own: the worker can write nothing else (no operator
 * action, no actor of its choosing).
 *
 * And the budget of authlog.h: refusals and failed logons aggregated in bursts,
 * so that their journal grows with the number of attackers, not of attempts. */
#include "firmware/custodian/authlog.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/custodian/msg.h"
#include "firmware/custodian/submit.h"
#include "firmware/custodian/proto.h"
#include "platform/log.h"

/* ---- the budget ---- */

/* Slots in the table: a key's burst holds one. When all are taken, the least
 * recently seen gives way (its count journaled first), so memory is bounded
 * (about 1.5 KiB a slot) whatever the number of addresses and accounts. */
#define BURST_SLOTS 256

enum burst_by {
	BY_ADDRESS = 1,
	BY_ACCOUNT = 2,
	BY_ALL = 3, /* over the global rate: the kind's overflow, whatever the keys */
};

/* What a summary says: the count, since when, and the last event's fields
 * (LEDGER_MANY for a field its events did not share). */
struct summary {
	uint32_t kind, code, count;
	int64_t since; /* wall clock: the first event counted */
	char peer[LEDGER_NAME_MAX + 1];
	char account[LEDGER_NAME_MAX + 1];
	char text[CUST_MESSAGE_MAX + 1];
	uint8_t digest[LEDGER_DIGEST_LEN];
};

struct burst {
	int used;
	uint32_t by;                     /* enum burst_by */
	char key[LEDGER_NAME_MAX + 1];   /* the address or the account ("*": BY_ALL) */
	struct timespec start, last;     /* monotonic: since the last summary, last event */
	unsigned seen;                   /* events journaled one by one in this burst */
	struct summary s;                /* s.kind, s.code: the key's kind and code */
};

struct bursts {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int stopping;
	struct record *rec;
	unsigned quiet, max, first; /* seconds, seconds, events */
	double rate, tokens, cap;   /* the global bucket: events journaled one by one */
	struct timespec refill;
	struct timespec retry;      /* a summary failed: the next flush not before */
	struct burst slot[BURST_SLOTS];
};

static double since_s(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void now_mono(struct timespec *t)
{
	clock_gettime(CLOCK_MONOTONIC, t);
}

/* A ca.conf number in lo..hi, or def when the key is absent. */
static int conf_uint(const struct conf *conf, const char *key, unsigned def, unsigned lo,
		     unsigned hi, unsigned *out, char *err, size_t errlen)
{
	if (conf_get_uint(conf, key, def, lo, hi, out) != 0) {
		snprintf(err, errlen, "ca.conf: %s must be %u..%u", key, lo, hi);
		return -1;
	}
	return 0;
}

/* A token from the global bucket (with b->mu held): 1, or 0 when the rate of
 * events journaled one by one is spent. */
static int take_token(struct bursts *b, const struct timespec *now)
{
	b->tokens += since_s(&b->refill, now) * b->rate;
	if (b->tokens > b->cap)
		b->tokens = b->cap;
	b->refill = *now;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

static struct burst *find(struct bursts *b, uint32_t kind, uint32_t code, uint32_t by,
			  const char *key)
{
	for (size_t i = 0; i < BURST_SLOTS; i++) {
		struct burst *e = &b->slot[i];

		/* The overflow key is one per kind: a code of the peer's choosing must
		 * not make new slots without a token. */
		if (e->used && e->s.kind == kind && e->by == by &&
		    (by == BY_ALL || e->s.code == code) && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

/* A free slot, or the least recently seen one, whose summary (if it counted
 * anything) is moved to *out for the caller to journal: *has_out says so. */
static struct burst *take_slot(struct bursts *b, struct summary *out, int *has_out)
{
	struct burst *old = NULL;

	for (size_t i = 0; i < BURST_SLOTS; i++) {
		struct burst *e = &b->slot[i];

		if (!e->used)
			return e;
		if (old == NULL || since_s(&e->last, &old->last) > 0)
			old = e;
	}
	if (old->s.count > 0 && !*has_out) {
		*out = old->s;
		*has_out = 1;
	} else if (old->s.count > 0) {
		log_warnx("journal budget: %u refusals of a burst dropped from the table "
			  "unjournaled", old->s.count);
	}
	old->used = 0;
	return old;
}

static void open_burst(struct burst *e, const struct burst_event *ev, uint32_t by,
		       const char *key, const struct timespec *now)
{
	memset(e, 0, sizeof(*e));
	e->used = 1;
	e->by = by;
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->start = *now;
	e->last = *now;
	e->s.kind = ev->kind;
	e->s.code = ev->code;
}

/* A field of the summary: the event's, or LEDGER_MANY once two differ. */
static void merge_field(char *dst, size_t len, const char *v, int first)
{
	if (first)
		snprintf(dst, len, "%s", v);
	else if (strcmp(dst, v) != 0)
		snprintf(dst, len, "%s", LEDGER_MANY);
}

static void count_into(struct burst *e, const struct burst_event *ev)
{
	int first = e->s.count == 0;

	if (first)
		e->s.since = (int64_t)time(NULL);
	merge_field(e->s.peer, sizeof(e->s.peer), ev->peer, first);
	merge_field(e->s.account, sizeof(e->s.account), ev->account, first);
	snprintf(e->s.text, sizeof(e->s.text), "%s", ev->text);
	e->s.code = ev->code; /* the overflow's codes may differ: the last one's */
	if (ev->digest != NULL)
		memcpy(e->s.digest, ev->digest, LEDGER_DIGEST_LEN);
	if (e->s.count < UINT32_MAX)
		e->s.count++;
}

/* The burst e (in the table, or a new one when e is NULL) counts ev. With b->mu
 * held; an evicted summary goes to out. */
static void count_locked(struct bursts *b, struct burst *e, const struct burst_event *ev,
			 uint32_t by, const char *key, const struct timespec *now,
			 struct summary *out, int *has_out)
{
	if (e == NULL && (e = find(b, ev->kind, ev->code, by, key)) == NULL) {
		e = take_slot(b, out, has_out);
		open_burst(e, ev, by, key, now);
		e->seen = b->first; /* opened to count: nothing more one by one */
	}
	e->last = *now;
	count_into(e, ev);
}

/* ---- journaling a summary ---- */

/* A refused request's summary: the last one's digest, reason and requester, with
 * the count (the request record's tail) and a failed disposition, one commit. */
static int journal_refusals(struct record *rec, const struct summary *s, char *err,
			    size_t errlen)
{
	struct ledger_event req, disp;
	struct ledger_event *evs[2] = {&req, &disp};
	int refused;

	record_event_init(&req, EV_REQUEST_RECEIVED, ACTOR_REQUESTER, s->account);
	req.u.request.format = FMT_DIGEST;
	req.u.request.requester = s->account;
	req.u.request.raw.p = s->digest;
	req.u.request.raw.len = LEDGER_DIGEST_LEN;
	req.u.request.attributes = "";
	req.u.request.count = s->count;
	req.u.request.since = s->since;
	req.u.request.peer = s->peer;
	record_event_init(&disp, EV_DISPOSITION, ACTOR_CA, "CA");
	disp.u.disposition.disposition = DISP_FAILED;
	disp.u.disposition.hresult = s->code;
	disp.u.disposition.message = s->text;
	return record_append_group(rec, evs, 2, &refused, err, errlen);
}

static int journal_logons(struct record *rec, const struct summary *s, char *err,
			  size_t errlen)
{
	struct ledger_event ev;
	int refused;

	record_event_init(&ev, EV_LOGON_REFUSED, ACTOR_REQUESTER, LOGON_ACTOR);
	ev.u.logon.action = s->code;
	ev.u.logon.peer = s->peer;
	ev.u.logon.claimed = s->account;
	ev.u.logon.detail = s->text;
	ev.u.logon.count = s->count;
	ev.u.logon.since = s->since;
	return record_append(rec, &ev, &refused, err, errlen);
}

/* A count the ledger could not take goes back into the table, to be journaled
 * with the next summary of its key (or a new burst's); only when there is no
 * slot left is it lost, and then the log says so. */
static void put_back(struct bursts *b, const struct summary *s, uint32_t by, const char *key)
{
	struct burst *e;

	pthread_mutex_lock(&b->mu);
	if ((e = find(b, s->kind, s->code, by, key)) == NULL) {
		for (size_t i = 0; i < BURST_SLOTS && e == NULL; i++)
			if (!b->slot[i].used)
				e = &b->slot[i];
		if (e != NULL) {
			struct timespec now;

			now_mono(&now);
			memset(e, 0, sizeof(*e));
			e->used = 1;
			e->by = by;
			snprintf(e->key, sizeof(e->key), "%s", key);
			e->start = e->last = now;
			e->seen = b->first;
			e->s = *s;
			e->s.count = 0;
		}
	}
	if (e != NULL) {
		if (e->s.count == 0 || s->since < e->s.since)
			e->s.since = s->since;
		e->s.count = e->s.count + s->count < e->s.count ? UINT32_MAX
								: e->s.count + s->count;
	} else {
		log_warnx("journal budget: %u refusals lost (no slot to keep their count)",
			  s->count);
	}
	pthread_mutex_unlock(&b->mu);
}

/* 0, or -1 when the ledger could not take it (kept for later when keep). */
static int journal_summary(struct bursts *b, const struct summary *s, uint32_t by,
			   const char *key, int keep)
{
	char err[512];
	int rc = s->kind == BURST_REFUSAL ? journal_refusals(b->rec, s, err, sizeof(err))
					  : journal_logons(b->rec, s, err, sizeof(err));

	if (rc == 0)
		return 0;
	log_warnx("journal budget: a count of %u not journaled yet: %s", s->count, err);
	if (keep)
		put_back(b, s, by, key);
	return -1;
}

/* After a summary the ledger refused (low on space, say), the others of that
 * round go back untried and the next round waits: one warning a round, a round
 * every RETRY_S seconds, rather than one a slot every second. */
#define RETRY_S 30

/* Every burst quiet for b->quiet seconds ends (its count journaled); one older
 * than b->max has its count journaled and goes on; all == 1: every count, now
 * (shutdown). Summaries are copied out under the lock, journaled without it. */
static void flush(struct bursts *b, int all)
{
	struct summary *s = malloc(BURST_SLOTS * sizeof(*s));
	uint32_t *by = malloc(BURST_SLOTS * sizeof(*by));
	char(*key)[LEDGER_NAME_MAX + 1] = malloc(BURST_SLOTS * sizeof(*key));
	struct timespec now;
	size_t n = 0;

	if (s == NULL || by == NULL || key == NULL) {
		free(s);
		free(by);
		free(key);
		return; /* tried again in a second */
	}
	now_mono(&now);
	pthread_mutex_lock(&b->mu);
	for (size_t i = 0; i < BURST_SLOTS && (all || since_s(&b->retry, &now) >= 0); i++) {
		struct burst *e = &b->slot[i];
		int ended = since_s(&e->last, &now) >= b->quiet;

		if (!e->used || !(all || ended || since_s(&e->start, &now) >= b->max))
			continue;
		if (e->s.count > 0) {
			s[n] = e->s;
			by[n] = e->by;
			memcpy(key[n], e->key, sizeof(key[n]));
			n++;
		}
		e->s.count = 0;
		e->start = now;
		if (all || ended)
			e->used = 0;
	}
	pthread_mutex_unlock(&b->mu);
	for (size_t i = 0; i < n; i++) {
		if (journal_summary(b, &s[i], by[i], key[i], !all) == 0)
			continue;
		if (all)
			continue; /* shutdown: each tried once, each loss logged */
		while (++i < n)
			put_back(b, &s[i], by[i], key[i]);
		pthread_mutex_lock(&b->mu);
		b->retry = now;
		b->retry.tv_sec += RETRY_S;
		pthread_mutex_unlock(&b->mu);
	}
	free(s);
	free(by);
	free(key);
}

static void *flusher(void *arg)
{
	struct bursts *b = arg;
	struct timespec t;

	pthread_mutex_lock(&b->mu);
	while (!b->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_sec += 1;
		pthread_cond_timedwait(&b->cv, &b->mu, &t);
		if (b->stopping)
			break;
		pthread_mutex_unlock(&b->mu);
		flush(b, 0);
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

int bursts_start(struct bursts **out, const struct conf *conf, struct record *rec, char *err,
		 size_t errlen)
{
	struct bursts *b;
	pthread_condattr_t ca;
	unsigned rate;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (conf_uint(conf, "journal_burst_quiet", 10, 1, 3600, &b->quiet, err, errlen) != 0 ||
	    conf_uint(conf, "journal_burst_max", 300, 1, 86400, &b->max, err, errlen) != 0 ||
	    conf_uint(conf, "journal_burst_first", 3, 1, 1000, &b->first, err, errlen) != 0 ||
	    conf_uint(conf, "journal_refusal_rate", 5, 1, 10000, &rate, err, errlen) != 0) {
		free(b);
		return -1;
	}
	/* The bucket holds ten seconds' worth: a short honest burst passes whole. */
	b->rate = rate;
	b->cap = b->tokens = 10.0 * rate;
	now_mono(&b->refill);
	b->rec = rec;
	pthread_mutex_init(&b->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&b->thread, NULL, flusher, b) != 0) {
		snprintf(err, errlen, "cannot start the journal budget's thread");
		pthread_cond_destroy(&b->cv);
		pthread_mutex_destroy(&b->mu);
		free(b);
		return -1;
	}
	*out = b;
	return 0;
}

void bursts_stop(struct bursts *b)
{
	if (b == NULL)
		return;
	pthread_mutex_lock(&b->mu);
	b->stopping = 1;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	flush(b, 1);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

int bursts_note(struct bursts *b, const struct burst_event *ev)
{
	struct burst *a, *c = NULL, *e;
	struct summary out, out2;
	int has_out = 0, has_out2 = 0, now_one = 0;
	struct timespec now;

	if (b == NULL)
		return 1;
	now_mono(&now);
	pthread_mutex_lock(&b->mu);
	a = find(b, ev->kind, ev->code, BY_ADDRESS, ev->peer);
	if (ev->by_account)
		c = find(b, ev->kind, ev->code, BY_ACCOUNT, ev->account);
	e = a != NULL ? a : c;
	if (e != NULL) {
		/* A burst of this address (or else of this account) is on. */
		if (e->seen < b->first && take_token(b, &now)) {
			e->seen++;
			e->last = now;
			now_one = 1;
		} else {
			count_locked(b, e, ev, e->by, e->key, &now, &out, &has_out);
		}
	} else if (take_token(b, &now)) {
		/* A new burst: its address's and its account's. */
		e = take_slot(b, &out, &has_out);
		open_burst(e, ev, BY_ADDRESS, ev->peer, &now);
		e->seen = 1;
		if (ev->by_account) {
			e = take_slot(b, &out2, &has_out2);
			open_burst(e, ev, BY_ACCOUNT, ev->account, &now);
			e->seen = 1;
		}
		now_one = 1;
	} else {
		count_locked(b, NULL, ev, BY_ALL, LEDGER_MANY, &now, &out, &has_out);
	}
	pthread_mutex_unlock(&b->mu);
	/* An evicted burst's count: journaled here, by the caller that needed its
	 * slot (a bounded cost: slots are taken only with a token). */
	if (has_out)
		journal_summary(b, &out, 0, "", 0);
	if (has_out2)
		journal_summary(b, &out2, 0, "", 0);
	return now_one;
}

void bursts_count(struct bursts *b, const struct burst_event *ev)
{
	struct summary out;
	int has_out = 0;
	struct timespec now;
	struct burst *e;

	if (b == NULL)
		return;
	now_mono(&now);
	pthread_mutex_lock(&b->mu);
	e = find(b, ev->kind, ev->code, BY_ADDRESS, ev->peer);
	count_locked(b, e, ev, BY_ADDRESS, ev->peer, &now, &out, &has_out);
	pthread_mutex_unlock(&b->mu);
	if (has_out)
		journal_summary(b, &out, 0, "", 0);
}

/* ---- CUST_AUTH_EVENT ---- */

/* The channel's value to the ledger's: one explicit map, 0 for anything else. */
static uint32_t logon_action(uint32_t what)
{
	switch (what) {
	case CUST_LOGON_NTLM_REFUSED:
		return LOGON_NTLM_REFUSED;
	case CUST_LOGON_RPC_VIOLATION:
		return LOGON_RPC_VIOLATION;
	case CUST_LOGON_RETRIEVE_REFUSED:
		return LOGON_RETRIEVE_REFUSED;
	case CUST_LOGON_KERBEROS_REFUSED:
		return LOGON_KERBEROS_REFUSED;
	default:
		return 0;
	}
}

static void reply_message(struct service *s, uint32_t id, const char *msg)
{
	struct cust_result r = {0};
	struct ipc_wbuf w;

	snprintf(r.message, sizeof(r.message), "%s", msg);
	ipc_wbuf_init(&w);
	cust_result_encode(&w, &r);
	service_reply(s, CUST_RESULT, id, &w);
}

/* Journaled at once when it opens a burst (or is among its first few),
 * counted otherwise: the answer says which ("recorded" or "counted"). An event
 * the ledger cannot take now is counted too, for a later summary. */
void handle_auth_event(struct service *s, struct submit_ctx *c, const struct ipc_msg *m)
{
	struct cust_auth_event q;
	struct ledger_event ev;
	struct burst_event be;
	char err[512];
	uint32_t action;
	int refused;

	if (cust_auth_event_decode(m->data, m->hdr.len, &q) != 0 ||
	    (action = logon_action(q.what)) == 0) {
		service_violation(s, "malformed AUTH_EVENT");
		return;
	}
	be = (struct burst_event){BURST_LOGON, action, q.peer, q.claimed, q.claimed[0] != 0,
				  q.detail, NULL};
	if (!bursts_note(c->bursts, &be)) {
		reply_message(s, m->hdr.id, "counted");
		return;
	}
	record_event_init(&ev, EV_LOGON_REFUSED, ACTOR_REQUESTER, LOGON_ACTOR);
	ev.u.logon.action = action;
	ev.u.logon.peer = q.peer;
	ev.u.logon.claimed = q.claimed;
	ev.u.logon.detail = q.detail;
	ev.u.logon.count = 1;
	ev.u.logon.since = (int64_t)time(NULL);
	if (record_append(c->rec, &ev, &refused, err, sizeof(err)) != 0) {
		log_warnx("authentication event not recorded now, counted: %s", err);
		if (c->bursts == NULL) {
			cust_reply_error(s, m->hdr.id, HR_E_UNEXPECTED, err);
			return;
		}
		bursts_count(c->bursts, &be);
		reply_message(s, m->hdr.id, "counted");
		return;
	}
	reply_message(s, m->hdr.id, "recorded");
}
