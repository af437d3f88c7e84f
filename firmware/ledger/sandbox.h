/* ca-ledger's sandbox (sandbox.c): no_new_privs and its own seccomp
 * allow-list, loaded once the Berkeley DB environment is open. */
#ifndef LEDGER_SANDBOX_H
#define LEDGER_SANDBOX_H

#include <stddef.h>

/* Confines every thread of the process; 0, or -1 with a message. */
int ledger_sandbox(char *err, size_t errlen);

#endif
