/* Test support for the worker's tests (test_worker_calls, test_worker_ntlm): one
 * connection to an in-process worker ("a link"), a socketpair whose one end
 * worker_serve_conn serves in a thread as main.c's accept path does, the other
 * the test's; and reading and writing whole PDUs on the test's end with a
 * deadline, so that a worker that does not answer fails the test instead of
 * hanging the suite; the worker's start against the in-process core, and what
 * both read back (the ledger's row, a disposition message). Failures fail the
 * running cmocka test. */
#ifndef TESTS_WORKER_LINK_H
#define TESTS_WORKER_LINK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/icpr_stub.h"
#include "firmware/worker/worker.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/rpc_build.h"

/* The client's address the worker is told of (TEST-NET-1). */
#define PEER "192.0.2.7"
/* How long a read on the test's end waits for the worker. */
#define IO_TIMEOUT_MS 20000
/* The worker's ICPR port in these tests (its EPM port: 135). */
#define ICPR_PORT 5022

struct link {
	int fds[2]; /* [0] the client's (the test's), [1] the worker's */
	struct worker *w;
	enum worker_port port;
	struct slot_ref ref;
	pthread_t thread;
};

/* The worker w as main() sets it up before its custodian answers (ports,
 * deadlines, the slots at their defaults), enforce_encryption and no_rpc as
 * given, on c's worker channel (*started = 1 once that channel runs, for the
 * teardown), then its own start-up (worker_load_ca, which takes the interface
 * flags from the custodian): 0, or -1 (worker_load_ca's error on stderr). */
int worker_test_start(struct worker *w, struct core *c, int enforce, int no_rpc, int *started);

/* The ledger's row for request id of c: requester, disposition, HRESULT. */
void expect_row(struct core *c, uint32_t id, const char *requester, uint32_t disp,
		uint32_t hr);
/* resp's disposition message (UTF-16LE, read as ASCII: the messages here are
 * ASCII) is want. */
void expect_message(const struct rpc_icpr_response *resp, const char *want);

/* A connection accepted on port of w (admitted to its slots, no eviction),
 * served from PEER in a thread. */
void link_open(struct link *l, struct worker *w, enum worker_port port);
/* The client hangs up (if it has not); the worker's loop must end on it. */
void link_close(struct link *l);

/* All of b written to fd. */
void link_send_all(int fd, const struct tbuf *b);
/* The next whole PDU into *b (reset first): 1, or 0 when the worker closed
 * the connection; fails after IO_TIMEOUT_MS without it. */
int link_recv_pdu(int fd, struct tbuf *b);
/* The same, but the worker's closing the connection fails the test. */
void link_expect_pdu(int fd, struct tbuf *b);

#endif
