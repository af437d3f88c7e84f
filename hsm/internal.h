/* Private to hsm/: the state behind struct hsm and the helpers the files of the
 * layer share. Nothing outside hsm/ includes this (the unit test does, to drive
 * the device-error recovery path, which SoftHSM cannot be made to trigger). */
#ifndef HSM_INTERNAL_H
#define HSM_INTERNAL_H

#include <pthread.h>
#include <time.h>

#include "hsm/hsm.h"

#define HSM_POOL_MAX 64 /* more sessions than this is a configuration mistake */
#define HSM_KEY_CACHE 8 /* re-found key handles kept per generation (the CA has two keys) */
#define HSM_RETRY_MIN_MS 100 /* hsm_config defaults: see hsm.h */
#define HSM_RETRY_MAX_MS 5000
#define HSM_WAIT_MS 10000
#define HSM_TOKEN_LABEL_LEN 32 /* CK_TOKEN_INFO.label, blank padded */

struct hsm {
	CK_FUNCTION_LIST *f; /* p11-kit managed module */
	/* 0 after a re-initialisation failed: p11-kit's managed module must then
	 * see nothing but C_Initialize (it asserts on C_CloseAllSessions). */
	int initialized;
	char *token_label;
	CK_SLOT_ID slot;
	struct secret pin; /* our copy, for logging in again; wiped by hsm_close */

	/* The pool. mu protects everything below. A recovery waits until no
	 * session is lent out (so nothing runs inside the module while it closes
	 * sessions or re-initialises it), then reopens every session and bumps
	 * generation. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned pool_size;
	CK_SESSION_HANDLE *sess; /* CK_INVALID_HANDLE when not open */
	unsigned char *busy;
	unsigned in_use;
	unsigned generation; /* starts at 1; 0 in a struct hsm_key means "unknown" */
	int recovering;
	int broken; /* the last recovery failed: the next borrower after retry_at retries it */
	/* The token refused the PIN when logging in again: never tried again, or
	 * the back-off would lock the token (a few wrong PINs lock it). */
	int pin_refused;

	/* Bounds (hsm_config, defaults in pool.c). A broken pool is retried no
	 * sooner than retry_at; each failed recovery doubles backoff_ms from
	 * retry_min_ms up to retry_max_ms, and a success resets it. No caller
	 * waits longer than wait_ms for a session or for someone else's recovery. */
	unsigned retry_min_ms, retry_max_ms, wait_ms;
	unsigned backoff_ms;      /* 0 while the HSM is reachable */
	struct timespec retry_at; /* CLOCK_MONOTONIC */
	char why[160];            /* what the last failed recovery said, for the callers */
	unsigned long recoveries, failed_recoveries;
	unsigned failed_in_row; /* failed recoveries since the last success */
	void (*on_recovery)(void *, int, unsigned, const char *);
	void *on_recovery_ctx;

	/* Key handles re-found after a recovery, by CKA_ID, so that a signature
	 * does not cost a C_FindObjects forever after the first outage. */
	struct {
		unsigned generation;
		uint8_t id[HSM_ID_MAX];
		size_t id_len;
		CK_OBJECT_HANDLE priv, pub;
	} keycache[HSM_KEY_CACHE];
	unsigned keycache_next;

	/* Serialises "is the label free?" + C_GenerateKeyPair within the process. */
	pthread_mutex_t genmu;
};

/* A session lent out by the pool. */
struct hsm_sess {
	unsigned idx;
	CK_SESSION_HANDLE h;
	unsigned generation;
};

/* rv.c: error reporting. err may be NULL. */
int hsm_err_p11(struct hsm_err *err, const char *fn, CK_RV rv);
int hsm_err_set(struct hsm_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int hsm_rv_recoverable(CK_RV rv);
int hsm_rv_needs_reinit(CK_RV rv);
int hsm_rv_pin_refused(CK_RV rv);

/* module.c */
int hsm_find_slot(CK_FUNCTION_LIST *f, const char *label, CK_SLOT_ID *slot,
		  struct hsm_err *err);
int hsm_login(struct hsm *h, CK_SESSION_HANDLE s, struct hsm_err *err);

/* pool.c */
int hsm_pool_open(struct hsm *h, struct hsm_err *err);
void hsm_pool_close(struct hsm *h);
int hsm_pool_get(struct hsm *h, struct hsm_sess *s, struct hsm_err *err);
void hsm_pool_put(struct hsm *h, const struct hsm_sess *s);
int hsm_pool_recover(struct hsm *h, unsigned seen_generation, CK_RV why,
		     struct hsm_err *err);
/* The key cache above: 1 and the handles if key's are known for generation. */
int hsm_keycache_get(struct hsm *h, const struct hsm_key *key, unsigned generation,
		     CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub);
void hsm_keycache_put(struct hsm *h, const struct hsm_key *key, unsigned generation,
		      CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub);

/* An operation on one borrowed session. It returns HSM_OK or HSM_E*, always
 * with a non-NULL err; err->rv tells hsm_run whether a recovery may help. */
typedef int (*hsm_op)(struct hsm *h, const struct hsm_sess *s, void *arg,
		      struct hsm_err *err);
/* Borrows a session, runs op, and after a recoverable PKCS#11 error recovers
 * the pool and runs op once more. */
int hsm_run(struct hsm *h, hsm_op op, void *arg, struct hsm_err *err);

/* keys.c: attribute and object helpers. */
int hsm_get_attr(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		 CK_ATTRIBUTE_TYPE type, uint8_t **val, size_t *len, struct hsm_err *err);
int hsm_find_objects(struct hsm *h, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl,
		     CK_ULONG n, CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *count,
		     struct hsm_err *err);
/* HSM_OK when session s is logged in, else an error with CKR_USER_NOT_LOGGED_IN
 * (so that hsm_run recovers): an empty search of private objects on a session
 * logged out behind our back must not read as "none". */
int hsm_check_logged_in(struct hsm *h, CK_SESSION_HANDLE s, struct hsm_err *err);
int hsm_key_handles(struct hsm *h, const struct hsm_sess *s, const struct hsm_key *key,
		    CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub, struct hsm_err *err);
int hsm_find_key_on(struct hsm *h, const struct hsm_sess *s, const char *label,
		    const uint8_t *id, size_t id_len, struct hsm_key *out,
		    struct hsm_err *err);
int hsm_err_key_p11(struct hsm *h, CK_SESSION_HANDLE s, struct hsm_err *err,
		    const char *fn, CK_RV rv);
int hsm_curve_bits(const uint8_t *params, size_t len, unsigned *bits);
int hsm_curve_params(unsigned bits, const uint8_t **params, size_t *len);

#endif
