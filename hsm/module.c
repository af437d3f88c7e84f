/* Loading the PKCS#11 module through p11-kit, finding the token by label,
 * opening and closing the layer, and provisioning a token. */
#include <stdlib.h>
#include <string.h>

#include <p11-kit/p11-kit.h>

#include "hsm/internal.h"

/* Loads and initialises the module. p11-kit hands out a "managed" module: its
 * sessions and C_Initialize/C_Finalize are counted per caller, so two users of
 * the same module in one process do not close each other's sessions. */
static int module_load(const char *path, CK_FUNCTION_LIST **out, struct hsm_err *err)
{
	CK_FUNCTION_LIST *f;
	CK_RV rv;

	if (path == NULL || *path == '\0')
		return hsm_err_set(err, HSM_EMODULE, "no PKCS#11 module configured");
	f = p11_kit_module_load(path, 0);
	if (f == NULL) {
		const char *why = p11_kit_message();
		return hsm_err_set(err, HSM_EMODULE, "cannot load PKCS#11 module %s: %s", path,
				   why != NULL ? why : "unknown error");
	}
	rv = p11_kit_module_initialize(f);
	if (rv != CKR_OK) {
		p11_kit_module_release(f);
		hsm_err_p11(err, "C_Initialize", rv);
		return HSM_EMODULE;
	}
	*out = f;
	return HSM_OK;
}

static void module_unload(CK_FUNCTION_LIST *f)
{
	(void)p11_kit_module_finalize(f);
	p11_kit_module_release(f);
}

/* CK_TOKEN_INFO.label is 32 bytes padded with blanks, not NUL-terminated. */
static int label_matches(const CK_UTF8CHAR *padded, const char *label)
{
	size_t n = HSM_TOKEN_LABEL_LEN;
	size_t len = strlen(label);

	while (n > 0 && padded[n - 1] == ' ')
		n--;
	return n == len && memcmp(padded, label, n) == 0;
}

static int slot_list(CK_FUNCTION_LIST *f, CK_SLOT_ID **slots, CK_ULONG *n,
		     struct hsm_err *err)
{
	CK_RV rv;

	*slots = NULL;
	for (;;) {
		/* The count may change between the two calls (hot plug): loop. */
		rv = f->C_GetSlotList(CK_TRUE, NULL, n);
		if (rv != CKR_OK)
			return hsm_err_p11(err, "C_GetSlotList", rv);
		free(*slots);
		*slots = calloc(*n + 1, sizeof(**slots));
		if (*slots == NULL)
			return hsm_err_set(err, HSM_ENOMEM, "out of memory");
		rv = f->C_GetSlotList(CK_TRUE, *slots, n);
		if (rv == CKR_BUFFER_TOO_SMALL)
			continue;
		if (rv != CKR_OK) {
			free(*slots);
			*slots = NULL;
			return hsm_err_p11(err, "C_GetSlotList", rv);
		}
		return HSM_OK;
	}
}

/* Finds the one initialised token labelled label. Two tokens with the same
 * label are refused rather than guessed between: a CA must not sign with the
 * wrong key. */
int hsm_find_slot(CK_FUNCTION_LIST *f, const char *label, CK_SLOT_ID *slot,
		  struct hsm_err *err)
{
	CK_SLOT_ID *slots;
	CK_ULONG n, i, found = 0;
	CK_TOKEN_INFO ti;
	int rc;

	if ((rc = slot_list(f, &slots, &n, err)) != HSM_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue; /* removed meanwhile */
		if (!(ti.flags & CKF_TOKEN_INITIALIZED) || !label_matches(ti.label, label))
			continue;
		if (found++ == 0)
			*slot = slots[i];
	}
	free(slots);
	if (found == 0)
		return hsm_err_set(err, HSM_ENOTOKEN, "no token labelled \"%s\"", label);
	if (found > 1)
		return hsm_err_set(err, HSM_EAMBIG, "%lu tokens labelled \"%s\"",
				   (unsigned long)found, label);
	return HSM_OK;
}

/* One login serves every session of the application on that token. */
int hsm_login(struct hsm *h, CK_SESSION_HANDLE s, struct hsm_err *err)
{
	CK_RV rv = h->f->C_Login(s, CKU_USER, h->pin.buf, h->pin.len);

	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		return hsm_err_p11(err, "C_Login", rv);
	return HSM_OK;
}

static void hsm_free(struct hsm *h)
{
	secret_wipe(&h->pin);
	free(h->token_label);
	free(h->sess);
	free(h->busy);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->genmu);
	free(h);
}

static struct hsm *hsm_alloc(const struct hsm_config *cfg, const struct secret *pin)
{
	struct hsm *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;

	if (h == NULL)
		return NULL;

	pthread_mutex_init(&h->mu, NULL);
	/* The pool's bounded waits count on CLOCK_MONOTONIC: a clock step must
	 * not make them end early or never. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&h->genmu, NULL);
	h->pool_size = cfg->pool_size;
	h->retry_min_ms = cfg->retry_min_ms != 0 ? cfg->retry_min_ms : HSM_RETRY_MIN_MS;
	h->retry_max_ms = cfg->retry_max_ms != 0 ? cfg->retry_max_ms : HSM_RETRY_MAX_MS;
	if (h->retry_max_ms < h->retry_min_ms)
		h->retry_max_ms = h->retry_min_ms;
	h->wait_ms = cfg->wait_ms != 0 ? cfg->wait_ms : HSM_WAIT_MS;
	h->on_recovery = cfg->on_recovery;
	h->on_recovery_ctx = cfg->on_recovery_ctx;
	h->generation = 1;
	h->token_label = strdup(cfg->token_label);
	h->sess = calloc(cfg->pool_size, sizeof(*h->sess));
	h->busy = calloc(cfg->pool_size, sizeof(*h->busy));
	if (h->token_label == NULL || h->sess == NULL || h->busy == NULL ||
	    secret_dup(pin, &h->pin) != 0) {
		hsm_free(h);
		return NULL;
	}
	return h;
}

int hsm_open(const struct hsm_config *cfg, const struct secret *pin, struct hsm **out,
	     struct hsm_err *err)
{
	struct hsm *h;
	int rc;

	*out = NULL;
	if (cfg == NULL || cfg->token_label == NULL || pin == NULL || pin->buf == NULL)
		return hsm_err_set(err, HSM_EARG, "hsm_open: missing configuration or PIN");
	if (cfg->pool_size < 1 || cfg->pool_size > HSM_POOL_MAX)
		return hsm_err_set(err, HSM_EARG, "session pool size %u not in 1..%d",
				   cfg->pool_size, HSM_POOL_MAX);
	if ((h = hsm_alloc(cfg, pin)) == NULL)
		return hsm_err_set(err, HSM_ENOMEM, "out of memory");
	if ((rc = module_load(cfg->module_path, &h->f, err)) != HSM_OK) {
		hsm_free(h);
		return rc;
	}
	h->initialized = 1;
	if ((rc = hsm_find_slot(h->f, h->token_label, &h->slot, err)) != HSM_OK ||
	    (rc = hsm_pool_open(h, err)) != HSM_OK) {
		module_unload(h->f);
		hsm_free(h);
		return rc;
	}
	*out = h;
	if (err != NULL) {
		err->rv = CKR_OK;
		err->msg[0] = '\0';
	}
	return HSM_OK;
}

void hsm_close(struct hsm *h)
{
	if (h == NULL)
		return;
	hsm_pool_close(h);
	if (h->initialized)
		(void)p11_kit_module_finalize(h->f);
	p11_kit_module_release(h->f);
	hsm_free(h);
}

/* The first present token without CKF_TOKEN_INITIALIZED (SoftHSM always offers
 * one such free slot). */
static int free_slot(CK_FUNCTION_LIST *f, CK_SLOT_ID *slot, struct hsm_err *err)
{
	CK_SLOT_ID *slots;
	CK_ULONG n, i;
	CK_TOKEN_INFO ti;
	int rc;

	if ((rc = slot_list(f, &slots, &n, err)) != HSM_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    !(ti.flags & CKF_TOKEN_INITIALIZED)) {
			*slot = slots[i];
			free(slots);
			return HSM_OK;
		}
	}
	free(slots);
	return hsm_err_set(err, HSM_ENOTOKEN, "no uninitialised token to initialise");
}

/* As SO on the freshly initialised token: set the user PIN. */
static int init_user_pin(CK_FUNCTION_LIST *f, CK_SLOT_ID slot, const struct secret *so_pin,
			 const struct secret *user_pin, struct hsm_err *err)
{
	CK_SESSION_HANDLE s;
	CK_RV rv;
	int rc = HSM_OK;

	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return hsm_err_p11(err, "C_OpenSession", rv);
	if ((rv = f->C_Login(s, CKU_SO, so_pin->buf, so_pin->len)) != CKR_OK)
		rc = hsm_err_p11(err, "C_Login(SO)", rv);
	else if ((rv = f->C_InitPIN(s, user_pin->buf, user_pin->len)) != CKR_OK)
		rc = hsm_err_p11(err, "C_InitPIN", rv);
	(void)f->C_Logout(s);
	(void)f->C_CloseSession(s);
	return rc;
}

int hsm_token_init(const char *module_path, const char *label, const struct secret *so_pin,
		   const struct secret *user_pin, struct hsm_err *err)
{
	CK_FUNCTION_LIST *f;
	CK_SLOT_ID slot;
	CK_UTF8CHAR padded[HSM_TOKEN_LABEL_LEN];
	CK_RV rv;
	size_t len;
	int rc;

	if (label == NULL || so_pin == NULL || user_pin == NULL || so_pin->buf == NULL ||
	    user_pin->buf == NULL)
		return hsm_err_set(err, HSM_EARG, "hsm_token_init: missing label or PIN");
	len = strlen(label);
	if (len == 0 || len > HSM_TOKEN_LABEL_LEN)
		return hsm_err_set(err, HSM_EARG, "token label must be 1 to %d bytes",
				   HSM_TOKEN_LABEL_LEN);
	if ((rc = module_load(module_path, &f, err)) != HSM_OK)
		return rc;
	/* A second token with the same label would make hsm_open refuse both. */
	rc = hsm_find_slot(f, label, &slot, err);
	if (rc == HSM_OK || rc == HSM_EAMBIG)
		rc = hsm_err_set(err, HSM_EEXIST, "a token labelled \"%s\" exists", label);
	if (rc != HSM_ENOTOKEN)
		goto out;
	if ((rc = free_slot(f, &slot, err)) != HSM_OK)
		goto out;
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, len);
	rv = f->C_InitToken(slot, so_pin->buf, so_pin->len, padded);
	if (rv != CKR_OK) {
		rc = hsm_err_p11(err, "C_InitToken", rv);
		goto out;
	}
	/* Find it again by label: some modules (SoftHSM) renumber slots. */
	if ((rc = hsm_find_slot(f, label, &slot, err)) != HSM_OK)
		goto out;
	rc = init_user_pin(f, slot, so_pin, user_pin, err);
out:
	module_unload(f);
	return rc;
}

CK_FUNCTION_LIST *hsm_test_functions(struct hsm *h)
{
	return h->f;
}

CK_SESSION_HANDLE hsm_test_session(struct hsm *h, unsigned i)
{
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;

	pthread_mutex_lock(&h->mu);
	if (i < h->pool_size)
		s = h->sess[i];
	pthread_mutex_unlock(&h->mu);
	return s;
}
