/* The session pool: pool_size read/write sessions on one slot sharing one user
 * login, lent out one per call, and the recovery that reopens them.
 *
 * A PKCS#11 session is not safe for concurrent use, so each call borrows one.
 * A recovery first waits until every lent session has come back: nothing may
 * run inside the module while its sessions are closed or while it is
 * finalized (PKCS#11 leaves C_Finalize during other calls undefined). Then it
 * closes all sessions, re-initialises the module if the device failed, opens
 * new sessions, logs in and bumps the generation, which tells the callers'
 * cached key handles and any session lent before the recovery apart. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <p11-kit/p11-kit.h>

#include "hsm/internal.h"

/* close_sessions and open_sessions run with mu held, or during a recovery
 * (recovering set, nothing lent), when no other thread touches the pool.
 *
 * Closes every session of ours on the slot (p11-kit's managed module limits
 * C_CloseAllSessions to the sessions this struct hsm opened). Closing the last
 * session also ends the login. */
static void close_sessions(struct hsm *h)
{
	unsigned i;

	if (h->initialized)
		(void)h->f->C_CloseAllSessions(h->slot);
	for (i = 0; i < h->pool_size; i++) {
		h->sess[i] = CK_INVALID_HANDLE;
		h->busy[i] = 0;
	}
	h->in_use = 0;
}

static int open_sessions(struct hsm *h, struct hsm_err *err)
{
	CK_RV rv;
	unsigned i;

	for (i = 0; i < h->pool_size; i++) {
		rv = h->f->C_OpenSession(h->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
					 NULL, &h->sess[i]);
		if (rv != CKR_OK) {
			h->sess[i] = CK_INVALID_HANDLE;
			return hsm_err_p11(err, "C_OpenSession", rv);
		}
	}
	return hsm_login(h, h->sess[0], err);
}

/* After a device error the module may have lost all state: start it afresh
 * and look for the token again, which may now sit in another slot. For
 * p11-kit-client this is the reconnection: C_Initialize connects to the server
 * (and offers no slot while the server is away). */
static int reinit_module(struct hsm *h, struct hsm_err *err)
{
	CK_RV rv;

	if (h->initialized)
		(void)p11_kit_module_finalize(h->f);
	h->initialized = 0;
	rv = p11_kit_module_initialize(h->f);
	if (rv != CKR_OK)
		return hsm_err_p11(err, "C_Initialize", rv);
	h->initialized = 1;
	return hsm_find_slot(h->f, h->token_label, &h->slot, err);
}

/* ---- time: the bounds are on CLOCK_MONOTONIC (cv uses it too, see module.c) --- */

static struct timespec after_ms(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* Milliseconds from now until t, 0 if t has passed. */
static unsigned ms_until(const struct timespec *t)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (unsigned)ms : 0;
}

/* A wait on cv that gives up at deadline: 0, or ETIMEDOUT. */
static int wait_until(struct hsm *h, const struct timespec *deadline)
{
	int rc = pthread_cond_timedwait(&h->cv, &h->mu, deadline);

	return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

/* The answer while the pool is broken: what went wrong, and when it is tried
 * next. err->rv keeps the code of the last failure. */
static int unavailable_locked(struct hsm *h, struct hsm_err *err)
{
	if (err != NULL && h->pin_refused)
		snprintf(err->msg, sizeof(err->msg), "%s: the token refused the PIN when "
			 "logging in again; not tried again (the token would lock): restart "
			 "with the right PIN", h->why);
	else if (err != NULL)
		snprintf(err->msg, sizeof(err->msg), "%s (next attempt in %u ms)", h->why,
			 ms_until(&h->retry_at));
	return HSM_EUNAVAIL;
}

/* Books the result of a recovery: a success clears the back-off, a failure
 * doubles it (bounded) and keeps the reason for the callers meanwhile. */
static void account_locked(struct hsm *h, int rc, const char *lost, const struct hsm_err *err)
{
	if (rc == HSM_OK) {
		if (h->on_recovery != NULL)
			h->on_recovery(h->on_recovery_ctx, 1, h->failed_in_row, lost);
		h->broken = 0;
		h->backoff_ms = 0;
		h->why[0] = '\0';
		h->recoveries++;
		h->failed_in_row = 0;
		return;
	}
	h->broken = 1;
	h->failed_recoveries++;
	h->failed_in_row++;
	if (err->rv != CKR_OK && hsm_rv_pin_refused(err->rv) &&
	    strncmp(err->msg, "C_Login", 7) == 0)
		h->pin_refused = 1;
	h->backoff_ms = h->backoff_ms == 0 ? h->retry_min_ms : h->backoff_ms * 2;
	if (h->backoff_ms > h->retry_max_ms)
		h->backoff_ms = h->retry_max_ms;
	h->retry_at = after_ms(h->backoff_ms);
	snprintf(h->why, sizeof(h->why), "%s", err->msg);
	/* The first failure and every tenth: enough to follow an outage. */
	if (h->on_recovery != NULL && (h->failed_in_row % 10 == 1 || h->pin_refused))
		h->on_recovery(h->on_recovery_ctx, 0, h->failed_in_row, h->why);
}

/* Called with mu held and no recovery running. Waits (until deadline) for
 * every lent session to come back, then does the module work without mu, so
 * that the other threads' bounded waits can run out while a reconnection
 * hangs; recovering keeps them away from the pool meanwhile. why (the code
 * that was returned) or a broken pool asks for a re-initialisation; a plain
 * reopen that fails is escalated to one. On failure the pool is
 * left closed and broken: the next borrower after the back-off tries again. */
static int recover_locked(struct hsm *h, CK_RV why, const struct timespec *deadline,
			  struct hsm_err *err)
{
	struct hsm_err local;
	char lost[sizeof(h->why)];
	int reinit = h->broken || hsm_rv_needs_reinit(why);
	int rc = HSM_EP11;

	if (err == NULL)
		err = &local;
	/* For on_recovery: what was lost (the last failure, while broken). */
	snprintf(lost, sizeof(lost), "%s", h->broken ? h->why : hsm_rv_name(why));
	h->recovering = 1;
	while (h->in_use > 0) {
		if (wait_until(h, deadline) == ETIMEDOUT) {
			h->recovering = 0;
			pthread_cond_broadcast(&h->cv);
			return hsm_err_set(err, HSM_EUNAVAIL, "HSM busy: %u session(s) still in "
					   "use after %u ms, recovery postponed", h->in_use,
					   h->wait_ms);
		}
	}
	pthread_mutex_unlock(&h->mu);
	close_sessions(h);
	if (!reinit) {
		rc = open_sessions(h, err);
		if (rc != HSM_OK)
			close_sessions(h);
	}
	/* A refused PIN is not the module's fault: no second login attempt. */
	if (reinit || (rc != HSM_OK && !hsm_rv_pin_refused(err->rv))) {
		rc = reinit_module(h, err);
		if (rc == HSM_OK)
			rc = open_sessions(h, err);
		if (rc != HSM_OK)
			close_sessions(h);
	}
	pthread_mutex_lock(&h->mu);
	h->generation++;
	account_locked(h, rc, lost, err);
	h->recovering = 0;
	pthread_cond_broadcast(&h->cv);
	return rc == HSM_OK ? HSM_OK : HSM_EUNAVAIL;
}

int hsm_pool_open(struct hsm *h, struct hsm_err *err)
{
	int rc;

	pthread_mutex_lock(&h->mu);
	rc = open_sessions(h, err);
	if (rc != HSM_OK)
		close_sessions(h);
	pthread_mutex_unlock(&h->mu);
	return rc;
}

void hsm_pool_close(struct hsm *h)
{
	pthread_mutex_lock(&h->mu);
	if (!h->broken && h->sess[0] != CK_INVALID_HANDLE)
		(void)h->f->C_Logout(h->sess[0]);
	close_sessions(h);
	pthread_mutex_unlock(&h->mu);
}

/* Lends a session. Waits at most wait_ms in all (for a free session, for
 * another thread's recovery); recovers a broken pool once its back-off has
 * passed, and otherwise says at once that the HSM is unavailable. */
int hsm_pool_get(struct hsm *h, struct hsm_sess *s, struct hsm_err *err)
{
	struct timespec deadline = after_ms(h->wait_ms);
	unsigned i;
	int rc;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		if (h->recovering) {
			if (wait_until(h, &deadline) == ETIMEDOUT) {
				pthread_mutex_unlock(&h->mu);
				return hsm_err_set(err, HSM_EUNAVAIL, "HSM unavailable: a recovery "
						   "has been running for over %u ms", h->wait_ms);
			}
			continue;
		}
		if (h->broken) {
			if (h->pin_refused || ms_until(&h->retry_at) > 0)
				rc = unavailable_locked(h, err);
			else
				rc = recover_locked(h, CKR_OK, &deadline, err);
			if (rc != HSM_OK) {
				pthread_mutex_unlock(&h->mu);
				return rc;
			}
			continue;
		}
		for (i = 0; i < h->pool_size && h->busy[i]; i++)
			;
		if (i < h->pool_size)
			break;
		if (wait_until(h, &deadline) == ETIMEDOUT) {
			pthread_mutex_unlock(&h->mu);
			return hsm_err_set(err, HSM_EUNAVAIL, "HSM busy: no session free within "
					   "%u ms", h->wait_ms);
		}
	}
	h->busy[i] = 1;
	h->in_use++;
	s->idx = i;
	s->h = h->sess[i];
	s->generation = h->generation;
	pthread_mutex_unlock(&h->mu);
	return HSM_OK;
}

void hsm_pool_put(struct hsm *h, const struct hsm_sess *s)
{
	pthread_mutex_lock(&h->mu);
	/* A session lent before a recovery is discarded: its handle is dead and
	 * its place in the pool already holds a new session. (Recoveries wait for
	 * every lent session, so this is a guard rather than a path.) */
	if (s->generation == h->generation) {
		h->busy[s->idx] = 0;
		h->in_use--;
	}
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* seen_generation is that of the session on which why was returned. If the
 * pool has been recovered since, the caller just retries (and finds out from
 * hsm_pool_get whether that recovery worked). */
int hsm_pool_recover(struct hsm *h, unsigned seen_generation, CK_RV why,
		     struct hsm_err *err)
{
	struct timespec deadline = after_ms(h->wait_ms);
	int rc = HSM_OK;

	pthread_mutex_lock(&h->mu);
	while (h->recovering && rc == HSM_OK)
		if (wait_until(h, &deadline) == ETIMEDOUT)
			rc = hsm_err_set(err, HSM_EUNAVAIL, "HSM unavailable: a recovery has "
					 "been running for over %u ms", h->wait_ms);
	if (rc == HSM_OK && h->pin_refused)
		rc = unavailable_locked(h, err);
	else if (rc == HSM_OK && h->generation == seen_generation)
		rc = recover_locked(h, why, &deadline, err);
	pthread_mutex_unlock(&h->mu);
	return rc;
}

int hsm_keycache_get(struct hsm *h, const struct hsm_key *key, unsigned generation,
		     CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub)
{
	int found = 0;

	pthread_mutex_lock(&h->mu);
	for (unsigned i = 0; i < HSM_KEY_CACHE && !found; i++) {
		if (h->keycache[i].generation != generation ||
		    h->keycache[i].id_len != key->id_len ||
		    memcmp(h->keycache[i].id, key->id, key->id_len) != 0)
			continue;
		*priv = h->keycache[i].priv;
		*pub = h->keycache[i].pub;
		found = 1;
	}
	pthread_mutex_unlock(&h->mu);
	return found;
}

void hsm_keycache_put(struct hsm *h, const struct hsm_key *key, unsigned generation,
		      CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub)
{
	unsigned i;

	if (key->id_len == 0 || key->id_len > HSM_ID_MAX)
		return;
	pthread_mutex_lock(&h->mu);
	i = h->keycache_next++ % HSM_KEY_CACHE;
	h->keycache[i].generation = generation;
	memcpy(h->keycache[i].id, key->id, key->id_len);
	h->keycache[i].id_len = key->id_len;
	h->keycache[i].priv = priv;
	h->keycache[i].pub = pub;
	pthread_mutex_unlock(&h->mu);
}

int hsm_run(struct hsm *h, hsm_op op, void *arg, struct hsm_err *uerr)
{
	struct hsm_err err, first;
	struct hsm_sess s;
	int attempt, rc;

	for (attempt = 0;; attempt++) {
		memset(&err, 0, sizeof(err));
		if ((rc = hsm_pool_get(h, &s, &err)) != HSM_OK)
			break;
		rc = op(h, &s, arg, &err);
		hsm_pool_put(h, &s);
		if (rc != HSM_EP11 || !hsm_rv_recoverable(err.rv))
			break;
		if (attempt == 1) {
			/* Lost again right after a recovery: the HSM is coming and
			 * going. The next call recovers once more. */
			rc = HSM_EUNAVAIL;
			break;
		}
		first = err;
		if ((rc = hsm_pool_recover(h, s.generation, first.rv, &err)) != HSM_OK) {
			/* Say both what went wrong and why it could not be repaired. */
			char why[sizeof(err.msg)];

			memcpy(why, err.msg, sizeof(why));
			snprintf(err.msg, sizeof(err.msg), "%.100s; recovery failed: %.130s",
				 first.msg, why);
			break;
		}
	}
	if (uerr != NULL)
		*uerr = err;
	return rc;
}
