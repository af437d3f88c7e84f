/* CRL publication: the revoked set from the ledger, a v2 CRL built by the project
 * (firmware/x509/crl.c), linted by decoding it again, signed in the HSM, recorded
 * in the ledger (which keeps cRLNumber monotonic across base and delta CRLs),
 * then written atomically to DATA/crl/. Automatic publication runs on a thread:
 * a base CRL when none exists or nextUpdate minus the overlap is reached, a delta
 * CRL every CRLDeltaPeriod in between. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware/custodian/checkpoint.h"
#include "firmware/custodian/admin.h"
#include "firmware/custodian/proto.h"
#include "platform/atomicfile.h"
#include "platform/log.h"

struct entries {
	struct x509_crl_entry *e;
	size_t n, cap;
	int delta;
	uint64_t since; /* delta: events after the base CRL's */
	int out_of_memory;
};

static int add_entry(const uint8_t *serial, size_t serial_len,
		     const struct ledger_revoked_row *row, void *arg)
{
	struct entries *x = arg;
	struct x509_crl_entry *e;

	if (row->reason == LEDGER_REASON_RELEASED && !x->delta)
		return 0; /* released holds are gone from base CRLs */
	if (x->delta && row->seq <= x->since)
		return 0; /* in the base already */
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 64;
		struct x509_crl_entry *p = realloc(x->e, cap * sizeof(*p));

		if (p == NULL) {
			x->out_of_memory = 1;
			return 1;
		}
		x->e = p;
		x->cap = cap;
	}
	e = &x->e[x->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->serial, serial, serial_len);
	e->serial_len = serial_len;
	e->revoked_at = (time_t)row->revoked_at;
	e->reason = row->reason == 0 ? -1 : (int)row->reason;
	e->invalidity = (time_t)row->invalidity;
	return 0;
}

/* Where a publication's time goes, for the log line an operator reads (and the
 * CRL benchmark): the revoked set from the ledger, TBS written, lint, signature,
 * the ledger's record, the file. */
struct crl_timing {
	double t[6]; /* ms */
	int n, started;
	struct timespec last;
};

/* Ends the current phase (the first call only starts the clock). */
static void lap(struct crl_timing *tm)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tm->started && tm->n < 6)
		tm->t[tm->n++] = (double)(now.tv_sec - tm->last.tv_sec) * 1e3 +
				 (double)(now.tv_nsec - tm->last.tv_nsec) / 1e6;
	tm->started = 1;
	tm->last = now;
}

/* Encodes, lints (decodes the TBS again and compares), signs, assembles. */
static int build_and_sign(struct admin *a, const struct x509_crl *c, struct x509_buf *der,
			  struct crl_timing *tm, char *err, size_t errlen)
{
	struct x509_buf tbs = {0};
	struct x509_crl_info info;
	uint8_t sig[1024];
	size_t sig_len = sizeof(sig);
	int rc = -1;

	if (x509_crl_tbs_encode(c, &tbs, err, errlen) != 0)
		return -1;
	lap(tm);
	if (x509_crl_tbs_decode(tbs.data, tbs.len, &info, err, errlen) != 0)
		goto out;
	if (info.number != c->number || info.is_delta != c->is_delta ||
	    info.n_entries != c->n_entries || info.this_update != c->this_update ||
	    info.next_update != c->next_update) {
		snprintf(err, errlen, "lint: the encoded CRL does not say what was meant");
		x509_crl_info_free(&info);
		goto out;
	}
	x509_crl_info_free(&info);
	lap(tm);
	if (ca_sign(a->ca, &a->ca->sign_key, c->sigalg, &tbs, sig, &sig_len, err, errlen) != 0)
		goto out;
	rc = x509_crl_assemble(&tbs, c->sigalg, sig, sig_len, der);
	if (rc != 0)
		snprintf(err, errlen, "cannot assemble the CRL");
	else if (der->len > LEDGER_CRL_MAX) {
		snprintf(err, errlen, "the CRL (%zu entries, %zu bytes) is larger than the "
			 "ledger keeps (%u bytes)", c->n_entries, der->len, LEDGER_CRL_MAX);
		rc = -1;
	}
	lap(tm);
out:
	x509_buf_free(&tbs);
	return rc;
}

/* Every CRL is followed by a checkpoint covering it (checkpoint.h), published
 * next to it as PATH.checkpoint (PEM "LEDGER CHECKPOINT", signed with the CA
 * key): whoever fetches the CRL can keep the ledger's head with it, a witness
 * outside the appliance. A failure is logged; the next checkpoint on schedule
 * covers the CRL, and the next CRL's sidecar replaces this one. Why a sidecar
 * and not a CRL extension under 2.25.<UUID>: libtasn1 4.19 refuses an OID arc
 * above 64 bits (DER_ERROR), so the CA's own CRL decoder, and any libtasn1
 * reader, would refuse such a CRL (README "The ledger's anchor"). */
static void publish_checkpoint(struct admin *a, const char *crl_path, uint64_t number)
{
	struct x509_buf der = {0};
	char path[PATH_MAX], err[512];
	int rc = checkpoint_take(a->sub->checkpoints, 1, &der, err, sizeof(err));

	if (rc < 0)
		log_warnx("checkpoint after CRL %llu: %s", (unsigned long long)number, err);
	else if (rc > 0) /* forced, so only a ledger that says it is empty: none taken */
		log_warnx("checkpoint after CRL %llu: the ledger says it holds no events",
			  (unsigned long long)number);
	if (der.data == NULL) /* not journaled: nothing to publish */
		return;
	if (snprintf(path, sizeof(path), "%s.checkpoint", crl_path) >= (int)sizeof(path))
		log_warnx("checkpoint after CRL %llu not published: path too long",
			  (unsigned long long)number);
	else if (write_pem(path, "LEDGER CHECKPOINT", &der, err, sizeof(err)) != 0)
		log_warnx("checkpoint after CRL %llu not published: %s",
			  (unsigned long long)number, err);
	x509_buf_free(&der);
}

static int write_crl(struct admin *a, const char *file, const struct x509_buf *der, char *path,
		     size_t pathlen, char *err, size_t errlen)
{
	char dir[PATH_MAX];

	if (ca_path(a->ca, PROPS_DIR, dir, sizeof(dir)) != 0 ||
	    snprintf(path, pathlen, "%s/%s", dir, file) >= (int)pathlen) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (atomicfile_write(path, der->data, der->len, 0644) != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -1;
	}
	return 0;
}

/* Publishes with a->crl_mu held. */
static uint32_t publish_locked(struct admin *a, int actor_kind, const char *actor, int delta,
			       char *msg, size_t msglen)
{
	struct crl_settings set;
	struct ledger_crl_row last, base;
	uint64_t last_number = 0, base_number = 0;
	struct entries x = {0};
	struct x509_crl c;
	struct x509_buf der = {0};
	struct ledger_event ev;
	char path[PATH_MAX];
	time_t now = time(NULL);
	struct crl_timing tm = {0};
	int rc, refused;
	uint32_t hr = HR_E_UNEXPECTED;

	lap(&tm);
	props_crl(a->props, &set);
	rc = record_crl_latest(a->sub->rec, 0, &last_number, &last, msg, msglen);
	if (rc < 0)
		return HR_E_UNEXPECTED;
	if (rc == 1)
		last_number = 0;
	if (delta) {
		rc = record_crl_latest(a->sub->rec, 1, &base_number, &base, msg, msglen);
		if (rc != 0) {
			if (rc == 1)
				snprintf(msg, msglen, "no base CRL yet: publish one first");
			return rc == 1 ? HR_INVALID_STATE : HR_E_UNEXPECTED;
		}
		x.delta = 1;
		x.since = base.seq;
	}
	if (record_revoked_all(a->sub->rec, add_entry, &x, msg, msglen) != 0) {
		if (x.out_of_memory)
			snprintf(msg, msglen, "out of memory for %zu CRL entries", x.n);
		goto out;
	}
	lap(&tm);
	memset(&c, 0, sizeof(c));
	c.sigalg = a->ca->sigalg;
	c.issuer = a->ca->cert.subject;
	memcpy(c.aki, a->ca->key_id, 20);
	c.has_aki = 1;
	c.this_update = now;
	c.next_update = now + (delta ? (set.delta_period > 0 ? set.delta_period : set.period)
				     : set.period) + set.overlap;
	c.number = last_number + 1;
	c.is_delta = delta;
	c.base_number = delta ? base_number : 0;
	c.idp_url = set.idp_url;
	c.freshest_url = delta ? NULL : set.delta_url;
	c.entries = x.e;
	c.n_entries = x.n;
	/* Refused before the HSM signs what the ledger could not keep; the check after
	 * assembly stays as the backstop. */
	c.max_size = LEDGER_CRL_MAX - X509_CRL_ENVELOPE_MAX;
	if (build_and_sign(a, &c, &der, &tm, msg, msglen) != 0) {
		log_warnx("CRL %llu not published: %s", (unsigned long long)c.number, msg);
		goto out;
	}
	record_event_init(&ev, EV_CRL_PUBLISHED, (uint32_t)actor_kind, actor);
	ev.u.crl.number = c.number;
	ev.u.crl.is_delta = (uint32_t)delta;
	ev.u.crl.base_number = c.base_number;
	ev.u.crl.this_update = c.this_update;
	ev.u.crl.next_update = c.next_update;
	ev.u.crl.crl.p = der.data;
	ev.u.crl.crl.len = der.len;
	if ((rc = record_append(a->sub->rec, &ev, &refused, msg, msglen)) != 0) {
		hr = record_hr(rc, refused, HR_INVALID_STATE);
		goto out;
	}
	lap(&tm);
	/* Recorded: from here the CRL exists; a failed write is retried by the next
	 * publication, and the CRL can be read back with getprop BaseCRL/DeltaCRL. */
	if (write_crl(a, delta ? set.delta_file : set.base_file, &der, path, sizeof(path), msg,
		      msglen) != 0) {
		log_warnx("CRL %llu recorded but not written: %s", (unsigned long long)c.number,
			  msg);
		goto out;
	}
	lap(&tm);
	log_info("CRL %llu: %zu entries, %zu bytes; ms: ledger walk %.0f, encode %.0f, "
		 "lint %.0f, sign %.0f, record %.0f, write %.0f",
		 (unsigned long long)c.number, x.n, der.len, tm.t[0], tm.t[1], tm.t[2], tm.t[3],
		 tm.t[4], tm.t[5]);
	snprintf(msg, msglen, "%s CRL %llu (%zu entries) published to %s",
		 delta ? "delta" : "base", (unsigned long long)c.number, x.n, path);
	log_info("%s", msg);
	hr = 0;
	/* Every CRL is followed by a checkpoint covering it (checkpoint.h); a
	 * failure is logged, and the next one on schedule covers it. */
	if (a->sub->checkpoints != NULL)
		publish_checkpoint(a, path, c.number);
out:
	x509_buf_free(&der);
	free(x.e);
	return hr;
}

uint32_t crl_publish(struct admin *a, int actor_kind, const char *actor, int delta, char *msg,
		     size_t msglen)
{
	uint32_t hr;

	pthread_mutex_lock(&a->crl_mu);
	hr = publish_locked(a, actor_kind, actor, delta, msg, msglen);
	pthread_mutex_unlock(&a->crl_mu);
	return hr;
}

/* What is due now: 0 nothing, 1 a base CRL, 2 a delta CRL. */
static int due(struct admin *a, time_t now)
{
	struct crl_settings set;
	struct ledger_crl_row base, last;
	uint64_t n;
	char err[256];
	int rc;

	props_crl(a->props, &set);
	rc = record_crl_latest(a->sub->rec, 1, &n, &base, err, sizeof(err));
	if (rc < 0)
		return 0;
	/* nextUpdate is thisUpdate + period + overlap: republish at thisUpdate + period. */
	if (rc == 1 || now >= base.next_update - set.overlap)
		return 1;
	if (set.delta_period <= 0 ||
	    record_crl_latest(a->sub->rec, 0, &n, &last, err, sizeof(err)) != 0)
		return 0;
	return now >= last.this_update + set.delta_period ? 2 : 0;
}

void *crl_auto_main(void *arg)
{
	struct admin *a = arg;
	char msg[512];

	while (!a->stopping) {
		int what = due(a, time(NULL));

		if (what != 0 && crl_publish(a, ACTOR_CA, "CA", what == 2, msg, sizeof(msg)) != 0)
			log_warnx("automatic CRL publication: %s", msg);
		for (int i = 0; i < 5 && !a->stopping; i++)
			sleep(1);
	}
	return NULL;
}
