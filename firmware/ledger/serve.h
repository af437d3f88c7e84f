/* ca-ledger's IPC service (proto.h) over one channel. */
#ifndef LEDGER_SERVE_H
#define LEDGER_SERVE_H

#include "firmware/ledger/store.h"

/* Serves until the peer closes the channel (0); a protocol violation is fatal. */
int ledger_serve(struct ledger *l, int fd, const char *peer, unsigned nthreads);

#endif
