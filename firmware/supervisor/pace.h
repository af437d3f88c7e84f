/* cad's restart policy, kept apart from the process handling so that unit tests
 * reach it (tests/unit/test_supervisor_pace.c): how fast a group of children may
 * restart, and which ends count against that. */
#ifndef SUPERVISOR_PACE_H
#define SUPERVISOR_PACE_H

#include <time.h>

/* Quick restarts a group gets in a minute, then waits that double from 1 s up to
 * PACE_BACKOFF_MAX_S while the other group keeps serving. cad never stops the
 * appliance for a child that keeps dying: whatever kills it (a hostile client,
 * an HSM away), the CA comes back when it passes. */
#define PACE_RESTARTS_PER_MINUTE 10
#define PACE_BACKOFF_MAX_S 60

struct pace {
	time_t window;  /* start of the current minute */
	int count;      /* restarts in it */
	unsigned delay; /* the last back-off, seconds */
};

/* One more end of the group at now: the seconds to wait before its restart (0:
 * at once). A zeroed struct pace is a group that never ended. */
unsigned pace_next(struct pace *p, time_t now);

/* A death of its own, seen when cad stopped the rest of the front: the wait
 * status of a process already dead of a signal cad does not send (cad sends
 * SIGTERM). -1 (not reaped) is not. */
int pace_died_alone(int st);

/* The front (worker + ca-auth) ended only because the core did: the worker left
 * with EXIT_UPSTREAM (platform/log.h) while the custodian or the ledger had
 * ended, and ca-auth did not die on its own. Such an end is not counted against
 * the front's budget: the core's is. A worker that leaves because a living
 * custodian ended its channel (a violation) is counted, so a worker made to
 * misbehave in a loop still meets the back-off. worker_st and auth_st are wait
 * statuses, -1 when unknown. */
int pace_front_followed_core(int worker_st, int auth_st, int core_ended);

/* The verdict on the first worker of --sandbox-selftest (worker_st: its wait
 * status, -1 when unknown), which must die of its seccomp filter (SIGSYS) at its
 * forbidden open(), made after its start-up call to the custodian. A worker that
 * left with EXIT_UPSTREAM lost that channel first (a custodian that refuses to
 * start, a token that does not open) and never reached the open: no verdict,
 * the next worker owes the test (and is itself a test worker, never put on the
 * network), and the core's own end tells the operator what happened. Whether
 * the core has ended cannot decide this: the worker can see the channel close
 * and be reaped before the custodian's exit is. cad used to call that a failed
 * self-test and hide the cause. */
enum pace_selftest { PACE_SELFTEST_PASSED, PACE_SELFTEST_FAILED, PACE_SELFTEST_OWED };
enum pace_selftest pace_selftest_verdict(int worker_st);

#endif
