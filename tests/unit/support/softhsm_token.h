/* Test fixture: a SoftHSM2 token in a private temporary directory.
 *
 * softhsm_token_setup() makes a fresh mkdtemp directory, writes a softhsm2.conf
 * there (file object store, tokens under <dir>/tokens), points SOFTHSM2_CONF at
 * it and initialises a token with the given label and the known PINs below
 * through hsm_token_init(). softhsm_token_teardown() removes the directory and
 * unsets SOFTHSM2_CONF. SoftHSM reads the configuration at C_Initialize, so
 * every struct hsm of a test must be closed before the teardown. */
#ifndef TESTS_UNIT_SUPPORT_SOFTHSM_TOKEN_H
#define TESTS_UNIT_SUPPORT_SOFTHSM_TOKEN_H

#include <stddef.h>

#include "platform/secret.h"

#define SOFTHSM_MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define SOFTHSM_SO_PIN "so-pin-8642"
#define SOFTHSM_USER_PIN "user-pin-1357"

struct softhsm_token {
	char dir[64];   /* the mkdtemp directory */
	char label[33]; /* the token's label */
	struct secret so_pin, user_pin;
};

/* 0 on success; on failure -1 with a message on stderr. */
int softhsm_token_setup(struct softhsm_token *t, const char *label);
void softhsm_token_teardown(struct softhsm_token *t);
/* Writes "<dir>/<name>" into buf: scratch files removed with the token. */
void softhsm_token_path(const struct softhsm_token *t, const char *name, char *buf,
			size_t size);

#endif
