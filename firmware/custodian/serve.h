/* The custodian's service loop: answers the requests of one peer over an IPC
 * channel (proto.h), with a pool of signing threads sharing the HSM sessions. */
#ifndef CUSTODIAN_SERVE_H
#define CUSTODIAN_SERVE_H

#include "firmware/custodian/ca.h"

/* Serves until the peer closes the channel (returns 0) or violates the protocol
 * (fatal). nthreads >= 1 requests are processed at once. With ledger_fd >= 0
 * (the channel to ca-ledger), enrollment (submit/retrieve) with every step
 * recorded; with -1, the unrecorded issuance of the signing benchmark. */
int serve(struct ca *ca, int fd, const char *peer, unsigned nthreads, int ledger_fd);

#endif
