/* Unit tests of cad's restart policy (firmware/supervisor/pace.c). What must hold
 * (DESIGN.md; issues "fault isolation" and "hostile clients"): ten quick
 * restarts a minute, then a back-off that doubles up to a cap and never stops
 * the appliance; a new minute starts afresh; an end that only followed the
 * core's is not counted against the front, while a worker that left a living
 * custodian (a violation), or a ca-auth that died on its own, is. Wait statuses
 * are made with the kernel's encoding (a child that really exits or is killed),
 * so the test does not share the code's reading of the W* macros. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/supervisor/pace.h"
#include "platform/log.h"

/* The wait status of a real child that exits with code, or dies of sig. */
static int real_status(int code, int sig)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (sig != 0) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void ten_quick_restarts_then_a_doubling_capped_backoff(void **state)
{
	struct pace p = {0};
	const time_t t0 = 1000000;
	unsigned expect = 1;

	(void)state;
	for (int i = 0; i < PACE_RESTARTS_PER_MINUTE; i++)
		assert_int_equal(pace_next(&p, t0 + i), 0);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(pace_next(&p, t0 + 30), expect);
		expect = expect * 2 > PACE_BACKOFF_MAX_S ? PACE_BACKOFF_MAX_S : expect * 2;
	}
	assert_int_equal(p.delay, PACE_BACKOFF_MAX_S);
}

static void a_new_minute_starts_afresh(void **state)
{
	struct pace p = {0};
	const time_t t0 = 5000;

	(void)state;
	for (int i = 0; i <= PACE_RESTARTS_PER_MINUTE; i++)
		pace_next(&p, t0);
	assert_int_not_equal(pace_next(&p, t0 + 59), 0);
	assert_int_equal(pace_next(&p, t0 + 60), 0); /* the window has passed */
	assert_int_equal(p.count, 1);
	assert_int_equal(p.delay, 0);
}

static void the_first_end_ever_restarts_at_once(void **state)
{
	struct pace p = {0};

	(void)state;
	assert_int_equal(pace_next(&p, 0), 0); /* time 0: the zeroed window */
	assert_int_equal(pace_next(&p, time(NULL)), 0);
}

static void died_alone_is_a_signal_cad_did_not_send(void **state)
{
	(void)state;
	assert_true(pace_died_alone(real_status(0, SIGKILL)));
	assert_true(pace_died_alone(real_status(0, SIGSEGV)));
	assert_false(pace_died_alone(real_status(0, SIGTERM)));
	assert_false(pace_died_alone(real_status(0, 0)));
	assert_false(pace_died_alone(real_status(1, 0)));
	assert_false(pace_died_alone(-1));
}

static void only_a_worker_that_followed_a_dead_core_is_not_counted(void **state)
{
	int upstream = real_status(EXIT_UPSTREAM, 0), auth_stopped = real_status(0, SIGTERM);

	(void)state;
	/* The core died; cad stopped ca-auth (SIGTERM) or it left (0), or it was
	 * never reaped here. */
	assert_true(pace_front_followed_core(upstream, auth_stopped, 1));
	assert_true(pace_front_followed_core(upstream, real_status(0, 0), 1));
	assert_true(pace_front_followed_core(upstream, -1, 1));
	/* The core lives: the custodian ended the worker's channel (a violation). */
	assert_false(pace_front_followed_core(upstream, auth_stopped, 0));
	/* ca-auth died on its own: that end counts. */
	assert_false(pace_front_followed_core(upstream, real_status(0, SIGKILL), 1));
	/* The worker itself crashed, was killed, or failed otherwise. */
	assert_false(pace_front_followed_core(real_status(0, SIGSEGV), auth_stopped, 1));
	assert_false(pace_front_followed_core(real_status(0, SIGKILL), auth_stopped, 1));
	assert_false(pace_front_followed_core(real_status(1, 0), auth_stopped, 1));
	assert_false(pace_front_followed_core(real_status(EXIT_REFUSED, 0), auth_stopped, 1));
	assert_false(pace_front_followed_core(-1, auth_stopped, 1));
}

/* The sandbox self-test's verdict (cad --sandbox-selftest, each boot of the image). */
static void selftest_verdict_is_owed_by_a_worker_that_lost_its_custodian(void **state)
{
	(void)state;
	assert_int_equal(pace_selftest_verdict(real_status(0, SIGSYS)), PACE_SELFTEST_PASSED);
	/* The 14th boot of the power-cut soak: the custodian could not open the
	 * token, the worker left with it, and cad called the self-test failed.
	 * Whether cad has reaped the custodian yet does not matter. */
	assert_int_equal(pace_selftest_verdict(real_status(EXIT_UPSTREAM, 0)), PACE_SELFTEST_OWED);
	/* Any other end: the filter did not kill the forbidden open. */
	assert_int_equal(pace_selftest_verdict(real_status(0, 0)), PACE_SELFTEST_FAILED);
	assert_int_equal(pace_selftest_verdict(real_status(1, 0)), PACE_SELFTEST_FAILED);
	assert_int_equal(pace_selftest_verdict(real_status(EXIT_REFUSED, 0)), PACE_SELFTEST_FAILED);
	assert_int_equal(pace_selftest_verdict(real_status(0, SIGSEGV)), PACE_SELFTEST_FAILED);
	assert_int_equal(pace_selftest_verdict(real_status(0, SIGKILL)), PACE_SELFTEST_FAILED);
	assert_int_equal(pace_selftest_verdict(real_status(0, SIGTERM)), PACE_SELFTEST_FAILED);
	assert_int_equal(pace_selftest_verdict(-1), PACE_SELFTEST_FAILED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ten_quick_restarts_then_a_doubling_capped_backoff),
		cmocka_unit_test(a_new_minute_starts_afresh),
		cmocka_unit_test(the_first_end_ever_restarts_at_once),
		cmocka_unit_test(died_alone_is_a_signal_cad_did_not_send),
		cmocka_unit_test(only_a_worker_that_followed_a_dead_core_is_not_counted),
		cmocka_unit_test(selftest_verdict_is_owed_by_a_worker_that_lost_its_custodian),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
