/* ca-custodian's sandbox (sandbox.c): no_new_privs and its own seccomp
 * allow-list, loaded once the token is logged in and the service is ready. */
#ifndef CUSTODIAN_SANDBOX_H
#define CUSTODIAN_SANDBOX_H

#include <stddef.h>

/* Confines every thread of the process; 0, or -1 with a message. */
int custodian_sandbox(char *err, size_t errlen);

#endif
