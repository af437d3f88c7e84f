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
#include <stdio.h>
#include <string.h>

#include <p11-kit/p11-kit.h>

#include "hsm/internal.h"

/* Closes every session of ours on the slot (p11-kit's managed module limits
 * C_CloseAllSessions to the sessions this struct hsm opened). Closing the last
 * session also ends the login. */
static void close_sessions_locked(struct hsm *h)
{
	unsigned i;

	(void)h->f->C_CloseAllSessions(h->slot);
	for (i = 0; i < h->pool_size; i++) {
		h->sess[i] = CK_INVALID_HANDLE;
		h->busy[i] = 0;
	}
	h->in_use = 0;
}

static int open_sessions_locked(struct hsm *h, struct hsm_err *err)
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
 * and look for the token again, which may now sit in another slot. */
static int reinit_module_locked(struct hsm *h, struct hsm_err *err)
{
	CK_RV rv;

	(void)p11_kit_module_finalize(h->f);
	rv = p11_kit_module_initialize(h->f);
	if (rv != CKR_OK)
		return hsm_err_p11(err, "C_Initialize", rv);
	return hsm_find_slot(h->f, h->token_label, &h->slot, err);
}

/* Called with mu held and no recovery running. A plain reopen that fails is
 * escalated once to a re-initialisation. On failure the pool is left closed and
 * marked broken, so the next borrower tries again (the HSM may come back). */
static int recover_locked(struct hsm *h, int reinit, struct hsm_err *err)
{
	int rc = HSM_EP11;

	h->recovering = 1;
	while (h->in_use > 0)
		pthread_cond_wait(&h->cv, &h->mu);
	close_sessions_locked(h);
	if (!reinit) {
		rc = open_sessions_locked(h, err);
		if (rc != HSM_OK)
			close_sessions_locked(h);
	}
	if (reinit || rc != HSM_OK) {
		rc = reinit_module_locked(h, err);
		if (rc == HSM_OK)
			rc = open_sessions_locked(h, err);
	}
	h->generation++;
	h->broken = rc != HSM_OK;
	if (h->broken)
		close_sessions_locked(h);
	h->recovering = 0;
	pthread_cond_broadcast(&h->cv);
	return rc;
}

int hsm_pool_open(struct hsm *h, struct hsm_err *err)
{
	int rc;

	pthread_mutex_lock(&h->mu);
	rc = open_sessions_locked(h, err);
	if (rc != HSM_OK)
		close_sessions_locked(h);
	pthread_mutex_unlock(&h->mu);
	return rc;
}

void hsm_pool_close(struct hsm *h)
{
	pthread_mutex_lock(&h->mu);
	if (!h->broken && h->sess[0] != CK_INVALID_HANDLE)
		(void)h->f->C_Logout(h->sess[0]);
	close_sessions_locked(h);
	pthread_mutex_unlock(&h->mu);
}

int hsm_pool_get(struct hsm *h, struct hsm_sess *s, struct hsm_err *err)
{
	unsigned i;
	int rc;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		if (h->recovering) {
			pthread_cond_wait(&h->cv, &h->mu);
			continue;
		}
		if (h->broken) {
			rc = recover_locked(h, 1, err);
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
		pthread_cond_wait(&h->cv, &h->mu);
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
 * pool has been recovered since, the caller just retries. */
int hsm_pool_recover(struct hsm *h, unsigned seen_generation, CK_RV why,
		     struct hsm_err *err)
{
	int rc = HSM_OK;

	pthread_mutex_lock(&h->mu);
	while (h->recovering)
		pthread_cond_wait(&h->cv, &h->mu);
	if (h->generation == seen_generation)
		rc = recover_locked(h, hsm_rv_needs_reinit(why), err);
	pthread_mutex_unlock(&h->mu);
	return rc;
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
		if (rc != HSM_EP11 || !hsm_rv_recoverable(err.rv) || attempt == 1)
			break;
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
