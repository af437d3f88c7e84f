/* The custodian's service loop: answers the requests of one peer over an IPC
 * channel (proto.h), with a pool of signing threads sharing the HSM sessions. */
#ifndef CUSTODIAN_SERVE_H
#define CUSTODIAN_SERVE_H

#include <stddef.h>
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

/* The same service in pieces, without the sandbox and without exiting (the
 * daemon's serve() above is these three with custodian_sandbox() between the
 * first and the second; tests/unit/support/core_harness.c drives them in one
 * process). */
struct custodian;

#define CUSTODIAN_EREFUSED (-1) /* the configuration is refused (refuse_to_start) */
#define CUSTODIAN_EFAIL (-2)    /* cannot start (memory, threads) */

/* Reads the chain and, with ledger_fd >= 0, the policy, the journal budget and
 * the properties from ca's configuration and the ledger, and starts the console
 * (admin_fd, -1: none; crl_auto_on: the automatic CRL publication). 0 with *out,
 * or CUSTODIAN_EREFUSED / CUSTODIAN_EFAIL with err. The caller keeps ca open until
 * custodian_close(). */
int custodian_open(struct custodian **out, struct ca *ca, int ledger_fd, int admin_fd,
		   int crl_auto_on, char *err, size_t errlen);
/* Serves one worker channel fd (the enrollment channel's whitelist, or the
 * unrecorded one without a ledger) until it ends: 0 when the peer closed it, 1
 * after a violation (journaled). id_key: the channel's identity-token key
 * (IDTOKEN_KEY_LEN bytes, wiped in the caller's buffer once taken), or NULL (then
 * a token is a violation); the service's copy is wiped when the channel ends. */
int custodian_serve_channel(struct custodian *c, int fd, const char *peer, unsigned nthreads,
			    uint8_t *id_key);
/* The console's state (admin.h) the officer's verbs take; NULL without a ledger. */
struct admin *custodian_admin(struct custodian *c);
/* Journals the budget's counts while the ledger is there, stops the console and
 * the threads, frees c (NULL: nothing). Does not close the ledger's descriptor's
 * peer or ca. */
void custodian_close(struct custodian *c);

#endif
