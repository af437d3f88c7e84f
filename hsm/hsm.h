/* The PKCS#11 layer: the only code in the project that talks to the HSM.
 *
 * The module is loaded through p11-kit (p11_kit_module_load + _initialize), the
 * slot is found by token label, a pool of read/write sessions shares one user
 * login. Keys never leave the token: generation, signing of a digest, the
 * public half (as a DER SubjectPublicKeyInfo) and random bytes are all this
 * layer offers.
 *
 * Recovery: an operation that fails with CKR_SESSION_HANDLE_INVALID,
 * CKR_SESSION_CLOSED, CKR_DEVICE_ERROR, CKR_DEVICE_REMOVED, CKR_TOKEN_NOT_PRESENT,
 * CKR_USER_NOT_LOGGED_IN, CKR_GENERAL_ERROR or CKR_CRYPTOKI_NOT_INITIALIZED makes
 * the layer reopen its sessions (re-initialising the module after a device or
 * general error, which is how p11-kit-client reconnects to its server), log in
 * again, re-find the key by CKA_ID and retry the operation once. To log in again
 * it keeps a copy of the PIN in a locked, non-dumpable page (platform/secret.h),
 * wiped by hsm_close().
 *
 * While the HSM stays away: a recovery that fails leaves the pool broken and
 * every call fails at once with HSM_EUNAVAIL (the message says why) until the
 * back-off (retry_min_ms doubling to retry_max_ms) has passed; then the next
 * call tries again, and the first that succeeds brings the pool back for all.
 * No call waits longer than wait_ms for a free session or for another thread's
 * recovery (HSM_EUNAVAIL). A call already inside the module is not bounded by
 * the layer: that is the module's own timeout.
 *
 * A module that talks to its HSM over a socket (p11-kit-client.so) writes to a
 * dead peer: the process must ignore SIGPIPE, or the first write after the HSM
 * went away kills it.
 *
 * Thread safety: every function may be called from several threads at once on
 * the same struct hsm; each call borrows one session from the pool.
 *
 * Errors: functions return 0 or a negative HSM_E* code and fill *err (may be
 * NULL) with the PKCS#11 return value and a message naming the function and the
 * CKR_ code, e.g. "C_Login: CKR_PIN_INCORRECT (0xa0)". */
#ifndef HSM_HSM_H
#define HSM_HSM_H

#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "platform/secret.h"

enum {
	HSM_OK = 0,
	HSM_EP11 = -1,     /* a PKCS#11 call failed: err->rv says which code */
	HSM_ENOTOKEN = -2, /* no token with that label */
	HSM_ENOKEY = -3,   /* no key with that label/id */
	HSM_EEXIST = -4,   /* a key with that label already exists */
	HSM_EARG = -5,     /* unsupported key type/size/hash, buffer too small */
	HSM_EMODULE = -6,  /* the module cannot be loaded */
	HSM_ENOMEM = -7,
	HSM_EAMBIG = -8,   /* more than one key matches */
	HSM_EUNAVAIL = -9, /* the HSM is gone (or busy past the wait bound): try later */
};

struct hsm_err {
	CK_RV rv;      /* last PKCS#11 return value, CKR_OK if none */
	char msg[256];
};

enum hsm_key_type { HSM_KEY_RSA = 1, HSM_KEY_EC = 2 };
enum hsm_key_role {
	HSM_ROLE_SIGN = 1,     /* CA signing key: SIGN only */
	HSM_ROLE_EXCHANGE = 2, /* CA exchange key (RSA): DECRYPT/UNWRAP, no SIGN */
};
enum hsm_hash { HSM_SHA256 = 1, HSM_SHA384 = 2, HSM_SHA512 = 3 };

struct hsm_keyspec {
	enum hsm_key_type type;
	unsigned bits; /* RSA: 2048, 3072, 4096; EC: 256 (P-256), 384 (P-384) */
};

#define HSM_ID_MAX 32
#define HSM_LABEL_MAX 64
#define HSM_SIG_MAX 1024 /* room for an RSA-4096 signature or a DER ECDSA one */

/* A key on the token, found or generated. The handles are a cache: after a
 * recovery they are re-found by CKA_ID (generation tells them apart). */
struct hsm_key {
	enum hsm_key_type type;
	unsigned bits;
	uint8_t id[HSM_ID_MAX];
	size_t id_len;
	char label[HSM_LABEL_MAX];
	CK_OBJECT_HANDLE priv;
	CK_OBJECT_HANDLE pub;
	unsigned generation;
};

struct hsm_config {
	const char *module_path; /* e.g. /usr/lib/softhsm/libsofthsm2.so */
	const char *token_label; /* matched exactly (the blank padding trimmed) */
	unsigned pool_size;      /* sessions in the pool, >= 1 */
	/* Reconnection bounds; 0 takes the default in brackets. */
	unsigned retry_min_ms;   /* first back-off after a failed recovery [100] */
	unsigned retry_max_ms;   /* the back-off doubles up to this [5000] */
	unsigned wait_ms;        /* longest wait for a session or a recovery [10000] */
	/* Told of every recovery, so that the daemon can log the HSM's comings
	 * and goings (the layer itself never logs): available 0 with why when a
	 * recovery failed, available 1 when one succeeded (why: what was lost).
	 * Called from the thread that recovered, with the pool's lock held: it
	 * must not call back into the layer. May be NULL. */
	void (*on_recovery)(void *ctx, int available, unsigned failed_attempts,
			    const char *why);
	void *on_recovery_ctx;
};

struct hsm_key_attrs {
	int sensitive, always_sensitive, extractable, never_extractable, private_;
	int sign, decrypt, unwrap, derive, local;
	int private_value_readable; /* 1 if the token handed out the private value */
};

struct hsm;

/* Loads the module, finds the token, opens the pool and logs in as CKU_USER.
 * The caller keeps ownership of pin (and wipes it); the layer keeps its own copy. */
int hsm_open(const struct hsm_config *cfg, const struct secret *pin, struct hsm **out,
	     struct hsm_err *err);
/* Logs out, closes the sessions, finalizes the module and wipes the PIN copy. */
void hsm_close(struct hsm *h);

/* Initialises the first uninitialised slot's token with label, sets the SO PIN and
 * the user PIN (C_InitToken, C_Login(SO), C_InitPIN). For provisioning only. */
int hsm_token_init(const char *module_path, const char *label, const struct secret *so_pin,
		   const struct secret *user_pin, struct hsm_err *err);

/* Generates a key pair on the token with a fresh random CKA_ID (20 bytes from
 * C_GenerateRandom) and the given CKA_LABEL on both halves. HSM_EEXIST if a
 * private key with that label exists. Signing key template: TOKEN, PRIVATE,
 * SENSITIVE, SIGN true; EXTRACTABLE, DECRYPT, UNWRAP, DERIVE false. Exchange key
 * (RSA only): DECRYPT, UNWRAP true; SIGN, EXTRACTABLE, DERIVE false. */
int hsm_generate_key(struct hsm *h, enum hsm_key_role role, const struct hsm_keyspec *spec,
		     const char *label, struct hsm_key *out, struct hsm_err *err);

/* Finds a private key and its public key by label, by id, or both (either may be
 * NULL/0). HSM_ENOKEY if none, HSM_EAMBIG if several private keys match. */
int hsm_find_key(struct hsm *h, const char *label, const uint8_t *id, size_t id_len,
		 struct hsm_key *out, struct hsm_err *err);

/* The key's SubjectPublicKeyInfo, DER, malloc()ed (free with free()). RSA:
 * rsaEncryption with NULL parameters; EC: id-ecPublicKey with the named curve. */
int hsm_key_spki(struct hsm *h, const struct hsm_key *key, uint8_t **der, size_t *der_len,
		 struct hsm_err *err);

/* Signs a digest made by the caller with hash. RSA: PKCS#1 v1.5 (CKM_RSA_PKCS over
 * the DER DigestInfo); EC: CKM_ECDSA, the raw r||s converted to a DER
 * ECDSA-Sig-Value. The result is ready for a certificate's signatureValue.
 * *sig_len is the buffer size on entry (HSM_SIG_MAX is always enough). */
int hsm_sign_digest(struct hsm *h, const struct hsm_key *key, enum hsm_hash hash,
		    const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t *sig_len,
		    struct hsm_err *err);

/* C_GenerateRandom. */
int hsm_random(struct hsm *h, uint8_t *buf, size_t len, struct hsm_err *err);

/* Reads the key's protection attributes, and tries to read its private value
 * (CKA_PRIVATE_EXPONENT or CKA_VALUE) to report whether the token refuses. */
int hsm_key_attrs(struct hsm *h, const struct hsm_key *key, struct hsm_key_attrs *out,
		  struct hsm_err *err);

/* Data objects (data.c): private token objects of class CKO_DATA, found by
 * CKA_LABEL (application "ca-appliance"). hsm_data_read hands out CKA_VALUE
 * (malloc()ed): HSM_ENOKEY when there is none, HSM_EAMBIG when several share the
 * label. hsm_data_write destroys the objects with that label and creates one
 * with the value (SoftHSM 2.6 refuses C_SetAttributeValue on a data object's
 * CKA_VALUE). A write is not atomic (between the two calls there is no object,
 * and SoftHSM writes an object's file in place): a value that must survive a
 * power cut is kept in two objects written in turn, as the custodian keeps the
 * ledger's anchors. */
#define HSM_DATA_MAX 65536
int hsm_data_read(struct hsm *h, const char *label, uint8_t **val, size_t *len,
		  struct hsm_err *err);
int hsm_data_write(struct hsm *h, const char *label, const uint8_t *val, size_t len,
		   struct hsm_err *err);
/* Destroys every data object labelled label (none: HSM_OK). For tests, which
 * give one token a fresh ledger each time. */
int hsm_data_destroy(struct hsm *h, const char *label, struct hsm_err *err);
/* "CKR_PIN_INCORRECT" etc.; "CKR_0x..." for unknown values (static buffer per thread). */
const char *hsm_rv_name(CK_RV rv);

/* For tests: the module's function list and the handle of pooled session i, so a
 * test can close or log out a session behind the layer's back. */
CK_FUNCTION_LIST *hsm_test_functions(struct hsm *h);
CK_SESSION_HANDLE hsm_test_session(struct hsm *h, unsigned i);

#endif
