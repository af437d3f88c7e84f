/* The custodian's service loop: answers the requests of one peer over an IPC
 * channel (proto.h), with a pool of signing threads sharing the HSM sessions. */
#ifndef CUSTODIAN_SERVE_H
#define CUSTODIAN_SERVE_H

#include <stdint.h>

#include "firmware/custodian/ca.h"

/* Serves until the peer closes the channel (returns 0) or violates the protocol
 * (fatal). nthreads >= 1 requests are processed at once. With ledger_fd >= 0
 * (the channel to ca-ledger), enrollment (submit/retrieve) with every step
 * recorded; with -1, the unrecorded issuance of the signing benchmark. */
int serve(struct ca *ca, int fd, const char *peer, unsigned nthreads, int ledger_fd,
	  int control_fd, int admin_fd, const uint8_t *id_key);
/* With control_fd >= 0 (from cad) fd is unused: each worker channel arrives there
 * as a CUST_CTL_WORKER frame with the descriptor attached, and is served until the
 * worker goes away; the next one follows when cad restarts the worker.
 * admin_fd >= 0 (with a ledger) is the console's listening socket (admin.h). Under
 * cad (control_fd), CRLs are published automatically unless ca.conf says
 * crl_auto = 0. id_key (IDTOKEN_KEY_LEN bytes, or NULL) is fd's identity-token
 * key, for the directly served channel. */

#endif
