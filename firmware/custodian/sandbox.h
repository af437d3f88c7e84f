/* ca-custodian's sandbox (sandbox.c): no_new_privs and its own seccomp
 * allow-list, loaded once the token is logged in and the service is ready. */
#ifndef CUSTODIAN_SANDBOX_H
#define CUSTODIAN_SANDBOX_H

#include <stddef.h>

/* Confines every thread of the process; 0, or -1 with a message. With
 * hsm_over_socket (ca.conf p11_kit_server_address: the token is behind a
 * p11-kit server), AF_UNIX stream sockets and connect are allowed too, which a
 * reconnection to the server needs (p11-kit-client). */
int custodian_sandbox(int hsm_over_socket, char *err, size_t errlen);

#endif
