/* ca-ledger's IPC service (proto.h) over one channel. */
#ifndef LEDGER_SERVE_H
#define LEDGER_SERVE_H

#include "firmware/ledger/store.h"

#include "platform/service.h"

/* Serves until the peer closes the channel (0) or breaks the protocol (1: the
 * channel was ended; the caller exits, and cad restarts it with the custodian). */
int ledger_serve(struct ledger *l, int fd, const char *peer, unsigned nthreads);

/* One checked frame from the custodian (the service's handler; ledger is the
 * struct ledger): decodes it, answers on s, or ends the channel with
 * service_violation(). Exposed for the fuzz target that drives it. */
void ledger_handle(struct service *s, const struct ipc_msg *m, void *ledger);
/* The whitelist ledger_serve checks each frame against (n rules). */
const struct ipc_rule *ledger_rules(size_t *n);

#endif
