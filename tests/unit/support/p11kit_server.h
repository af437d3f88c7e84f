/* Test support: a SoftHSM token served by `p11-kit server`, for the tests that
 * reach an HSM through p11-kit-client.so and then take it away (test_hsm's
 * recovery of the layer, test_custodian_ceremony's HSM lost mid-ceremony).
 * Failures fail the running cmocka test. */
#ifndef TESTS_P11KIT_SERVER_H
#define TESTS_P11KIT_SERVER_H

#include <sys/types.h>

#define P11KIT_BIN "/usr/bin/p11-kit"
#define P11KIT_CLIENT "/usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so"

/* Starts `p11-kit server -f` on SoftHSM's token `label`, listening on the unix
 * socket sock, in a process group of its own (it forks one child per
 * connection: the HSM going away is the group dying, kill(-*pid, ...)). *pid is
 * the server's as soon as it is forked (so a caller's teardown can kill it
 * should the wait for its socket fail); the socket exists on return. */
void p11kit_server_start(const char *sock, const char *label, pid_t *pid);

#endif
