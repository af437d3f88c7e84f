/* What bench_sign and bench_enroll share: the CA's signing key opened on its token
 * through the module named in ca.conf, with its own sessions (not the
 * custodian's), and raw C_Sign loops on it; a clock and a median. */
#ifndef TESTS_BENCH_BENCH_P11_H
#define TESTS_BENCH_BENCH_P11_H

#include <stddef.h>

#include <p11-kit/pkcs11.h>

#include "platform/conf.h"

#define BENCH_P11_MAX_SESSIONS 16

struct bench_p11 {
	CK_FUNCTION_LIST *f;
	CK_SLOT_ID slot;
	CK_OBJECT_HANDLE key;
	CK_KEY_TYPE key_type; /* CKK_RSA or CKK_EC */
	unsigned nsessions;
	CK_SESSION_HANDLE sessions[BENCH_P11_MAX_SESSIONS];
};

/* Loads the module of ca.conf (with its softhsm2_conf), finds the token by label,
 * opens nsessions (1..BENCH_P11_MAX_SESSIONS) read/write sessions, logs in with
 * the PIN in pin_file and finds the key sign_key_id. Fatal on any failure. */
void bench_p11_open(struct bench_p11 *p, const struct conf *conf, const char *pin_file,
		    unsigned nsessions);

/* threads (1..nsessions) threads, each on its own session, loop C_SignInit +
 * C_Sign for the given time over a digest with the mechanism the HSM layer uses
 * (CKM_RSA_PKCS over a SHA-256 DigestInfo, or CKM_ECDSA). Signatures per second. */
double bench_p11_raw(struct bench_p11 *p, unsigned threads, double seconds);

/* CLOCK_MONOTONIC in seconds. */
double bench_now(void);

/* The median of n values (sorts them); 0 for none. */
double bench_median(double *v, size_t n);

#endif
