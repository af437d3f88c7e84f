/* Unit tests of cad's process handling (firmware/supervisor/sup.c) without the
 * real daemons. The children are forked stand-ins that behave as the daemons do
 * towards cad: the "custodian" ends when cad's end of its control channel closes
 * (a pipe here) with the exit status the test chose, the "ledger" when its only
 * peer, the custodian, is gone (a pipe only the custodian holds), the worker
 * and ca-auth end on SIGTERM, or exit or die as the test says. The clock is the
 * test's (struct sup_ops.now). What must hold (firmware/supervisor/README.md):
 * the core and the front restart as groups, paced (ten quick restarts a minute,
 * then a back-off), a core daemon's refusal (EXIT_REFUSED) stops the appliance
 * even when the other's end is the one being handled, a front that only
 * followed the core is not counted, the sandbox self-test is passed, failed or
 * owed by the worker's own end, and shutdown stops the worker and ca-auth
 * before the custodian's channel closes and the ledger last. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/supervisor/sup.h"
#include "platform/log.h"

/* The fake cad behind struct sup_ops. */
struct fake {
	time_t now;
	int ctl_w;         /* cad's end of the custodian's "control channel" */
	int cust_exit;     /* the custodian's exit status once its channel closes */
	int cust_now;      /* >= 0: the custodian exits with this at once */
	int worker_now;    /* >= 0: the worker exits with this at once */
	int worker_kill;   /* > 0: the worker's start of that number signals the test */
	int kill_sig;      /* with which: SIGTERM or SIGINT */
	int fail_core, fail_front;
	int core_starts, front_starts, closes;
	int front_up_at_close; /* a worker or ca-auth still in the table at the close */
	struct sup *s;
};

/* A child with the default signal mask and dispositions (the test blocks
 * SIGCHLD/SIGTERM around sup_run) and only the descriptors a and b (>= 0) of
 * the test's, as 3 and 4: a stand-in holding another's pipe would keep it open. */
static pid_t fork_keeping(int a, int b)
{
	int ready[2];
	pid_t pid;
	sigset_t none;
	char c;

	/* The parent waits until the child's signals are its own: a signal sent
	 * before would run cmocka's handler in the child. */
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ta = a >= 0 ? fcntl(a, F_DUPFD, 64) : -1, tb = b >= 0 ? fcntl(b, F_DUPFD, 64) : -1;
		int w = fcntl(ready[1], F_DUPFD, 64);

		/* cmocka's handlers for fatal signals would take a stand-in back
		 * into the test: the signals the tests send must end it. */
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP && sig != SIGPIPE)
				signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (ta >= 0)
			dup2(ta, 3);
		if (tb >= 0)
			dup2(tb, 4);
		(void)!write(w, "r", 1);
		closefrom(tb >= 0 ? 5 : ta >= 0 ? 4 : 3);
		return 0;
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

/* A stand-in for the worker or ca-auth: waits for SIGTERM (or exits with code
 * at once when code >= 0). */
static pid_t front_child(int code)
{
	pid_t pid = fork_keeping(-1, -1);

	if (pid == 0) {
		if (code >= 0)
			_exit(code);
		for (;;)
			pause();
	}
	return pid;
}

/* Reads fd to EOF, then exits with the last byte read (0 when none): the
 * custodian's exit status is written by whoever closes its channel. */
static void __attribute__((noreturn)) until_eof(int fd)
{
	unsigned char b, code = 0;
	ssize_t n;

	while ((n = read(fd, &b, 1)) != 0) {
		if (n == 1)
			code = b;
		else if (errno != EINTR)
			break;
	}
	_exit(code);
}

/* cad's end of the custodian's channel closes, the custodian leaving with code. */
static void close_channel(struct fake *f, int code)
{
	unsigned char b = (unsigned char)code;

	if (f->ctl_w < 0)
		return;
	/* A custodian already dead: EPIPE (SIGPIPE is ignored, as in cad). */
	(void)!write(f->ctl_w, &b, 1);
	close(f->ctl_w);
	f->ctl_w = -1;
}

static int fake_start_core(struct sup *s, void *ctx)
{
	struct fake *f = ctx;
	int ctl[2], led[2];

	f->core_starts++;
	if (f->fail_core)
		return -1;
	assert_int_equal(pipe2(ctl, O_CLOEXEC), 0);
	assert_int_equal(pipe2(led, O_CLOEXEC), 0);
	/* The ledger reads led until the custodian, the only writer, is gone. */
	if ((s->pid[SUP_LEDGER] = fork_keeping(led[0], -1)) == 0)
		until_eof(3);
	if ((s->pid[SUP_CUSTODIAN] = fork_keeping(ctl[0], led[1])) == 0) {
		if (f->cust_now >= 0)
			_exit(f->cust_now);
		until_eof(3);
	}
	close(ctl[0]);
	close(led[0]);
	close(led[1]);
	f->ctl_w = ctl[1];
	return 0;
}

static int fake_start_front(struct sup *s, void *ctx)
{
	struct fake *f = ctx;

	f->front_starts++;
	if (f->fail_front)
		return -1;
	s->pid[SUP_AUTH] = front_child(-1);
	if (f->worker_kill > 0 && f->front_starts == f->worker_kill) {
		if ((s->pid[SUP_WORKER] = fork_keeping(-1, -1)) == 0) {
			kill(getppid(), f->kill_sig);
			for (;;)
				pause();
		}
	} else
		s->pid[SUP_WORKER] = front_child(f->worker_now);
	return 0;
}

static void fake_close_control(void *ctx)
{
	struct fake *f = ctx;

	f->closes++;
	f->front_up_at_close |= f->s->pid[SUP_WORKER] != 0 || f->s->pid[SUP_AUTH] != 0;
	close_channel(f, f->cust_exit);
}

static time_t fake_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

static const struct sup_ops fake_ops = {fake_now, fake_start_core, fake_start_front,
					fake_close_control};

static struct sup S;
static struct fake F;

/* A running appliance of stand-ins, short waits before SIGKILL. */
static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	F.now = 1000000;
	F.ctl_w = -1;
	F.cust_now = F.worker_now = -1;
	F.s = &S;
	sup_init(&S, &fake_ops, &F);
	S.front_ms = 2000;
	S.core_ms = 2000;
	assert_int_equal(fake_start_core(&S, &F), 0);
	assert_int_equal(fake_start_front(&S, &F), 0);
	F.core_starts = F.front_starts = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sup_shutdown(&S);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return 0;
}

/* Kills a child of the table with sig and returns its wait status, reaped as
 * the loop would (the table still names it). */
static int end_with(enum sup_child c, int sig)
{
	int st;

	kill(S.pid[c], sig);
	assert_int_equal(waitpid(S.pid[c], &st, 0), S.pid[c]);
	return st;
}

/* The wait status of a real child that exits with code. */
static int exit_status(int code)
{
	int st;
	pid_t pid = front_child(code);

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static int killed(int st, int sig)
{
	return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == sig;
}

static void who_names_each_child(void **state)
{
	(void)state;
	assert_string_equal(sup_who(&S, S.pid[SUP_LEDGER]), "ledger");
	assert_string_equal(sup_who(&S, S.pid[SUP_CUSTODIAN]), "custodian");
	assert_string_equal(sup_who(&S, S.pid[SUP_WORKER]), "worker");
	assert_string_equal(sup_who(&S, S.pid[SUP_AUTH]), "ca-auth");
	assert_string_equal(sup_who(&S, 0), "child"); /* an empty slot is no one */
	assert_string_equal(sup_who(&S, getpid()), "child");
	assert_string_equal(sup_prog[SUP_AUTH], "ca-auth");
	assert_string_equal(sup_prog[SUP_CUSTODIAN], "ca-custodian");
}

static void reap_within_waits_then_kills(void **state)
{
	pid_t pid, none = 0, stranger = 1;
	int st;

	(void)state;
	/* One that ends: its status, the slot cleared. */
	pid = front_child(7);
	st = sup_reap_within(&pid, 2000);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	assert_int_equal(pid, 0);
	/* One that does not: SIGKILL after the wait. */
	pid = front_child(-1);
	time_t t0 = time(NULL);
	st = sup_reap_within(&pid, 200);
	assert_true(killed(st, SIGKILL));
	assert_true(time(NULL) - t0 < 3);
	assert_int_equal(pid, 0);
	/* Nothing to reap. */
	assert_int_equal(sup_reap_within(&none, 100), -1);
	assert_int_equal(sup_reap_within(&stranger, 100), -1); /* not ours: ECHILD */
	assert_int_equal(stranger, 0);
}

static void stop_front_terminates_the_pair(void **state)
{
	int ast = 0, wst;

	(void)state;
	wst = sup_stop_front(&S, &ast);
	assert_true(killed(wst, SIGTERM));
	assert_true(killed(ast, SIGTERM));
	assert_int_equal(S.pid[SUP_WORKER], 0);
	assert_int_equal(S.pid[SUP_AUTH], 0);
	/* Again: nothing left, and no status. */
	assert_int_equal(sup_stop_front(&S, &ast), -1);
	assert_int_equal(ast, -1);
	assert_int_equal(sup_stop_front(&S, NULL), -1);
}

static void stop_core_closes_the_channel_and_tells_a_refusal(void **state)
{
	(void)state;
	assert_int_equal(sup_stop_core(&S), 0); /* both left with 0 */
	assert_int_equal(F.closes, 1);
	assert_int_equal(S.pid[SUP_CUSTODIAN], 0);
	assert_int_equal(S.pid[SUP_LEDGER], 0);
	/* A custodian that refused: the refusal is reported, whichever was
	 * being handled. */
	F.cust_exit = EXIT_REFUSED;
	fake_start_core(&S, &F);
	assert_int_equal(sup_stop_core(&S), 1);
	/* A ledger that refused (reaped here, the custodian already gone). */
	fake_start_core(&S, &F);
	F.cust_exit = 0;
	kill(S.pid[SUP_CUSTODIAN], SIGKILL);
	waitpid(S.pid[SUP_CUSTODIAN], NULL, 0);
	S.pid[SUP_CUSTODIAN] = 0;
	kill(S.pid[SUP_LEDGER], SIGKILL);
	waitpid(S.pid[SUP_LEDGER], NULL, 0);
	S.pid[SUP_LEDGER] = front_child(EXIT_REFUSED);
	assert_int_equal(sup_stop_core(&S), 1);
	/* Without ops to close a channel: the reaping still happens. */
	struct sup bare;
	sup_init(&bare, NULL, NULL);
	bare.pid[SUP_CUSTODIAN] = front_child(1);
	assert_int_equal(sup_stop_core(&bare), 0);
	assert_int_equal(bare.pid[SUP_CUSTODIAN], 0);
}

static void core_ended_sees_an_unreaped_end(void **state)
{
	siginfo_t si;

	(void)state;
	assert_false(sup_core_ended(&S, 0));
	assert_true(sup_core_ended(&S, 1));
	/* The custodian leaves; not reaped yet. */
	close_channel(&F, 0);
	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)S.pid[SUP_CUSTODIAN], &si, WEXITED | WNOWAIT), 0);
	assert_true(sup_core_ended(&S, 0));
	/* WNOWAIT: still there for the loop to reap. */
	assert_int_equal(waitpid(S.pid[SUP_CUSTODIAN], NULL, 0), S.pid[SUP_CUSTODIAN]);
	S.pid[SUP_CUSTODIAN] = 0;
}

static void a_refusing_custodian_stops_the_appliance(void **state)
{
	(void)state;
	close_channel(&F, EXIT_REFUSED); /* it leaves with EXIT_REFUSED */
	pid_t cust = S.pid[SUP_CUSTODIAN];
	int st;
	assert_int_equal(waitpid(cust, &st, 0), cust);
	assert_int_equal(sup_child_ended(&S, cust, st), -1);
	assert_int_equal(S.pid[SUP_CUSTODIAN], 0);
	assert_int_equal(S.core.down, 0); /* no restart scheduled */
	assert_int_not_equal(S.pid[SUP_WORKER], 0); /* left for the shutdown */
}

/* The ledger leaves when the refusing custodian closes its channel and may be
 * reaped first: the refusal found while stopping the core still stops. */
static void a_refusal_seen_while_stopping_the_core_stops(void **state)
{
	(void)state;
	F.cust_exit = EXIT_REFUSED;
	int st = end_with(SUP_LEDGER, SIGKILL);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_LEDGER], st), -1);
	assert_int_equal(S.pid[SUP_CUSTODIAN], 0);
	assert_int_equal(S.pid[SUP_WORKER], 0); /* the front went first */
	assert_int_equal(F.front_up_at_close, 0);
}

static void the_core_restarts_whole_and_the_front_after_it(void **state)
{
	(void)state;
	int st = end_with(SUP_LEDGER, SIGKILL);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_LEDGER], st), 0);
	for (int i = 0; i < SUP_NCHILD; i++)
		assert_int_equal(S.pid[i], 0);
	assert_int_equal(F.front_up_at_close, 0); /* worker and ca-auth first */
	assert_true(S.core.down);
	assert_int_equal(S.core.at, F.now); /* the first end: at once */
	assert_true(S.front.down);
	/* Due now: the core, then the front in the same pass. */
	unsigned wait = 0;
	assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	assert_int_equal(F.core_starts, 1);
	assert_int_equal(F.front_starts, 1);
	assert_false(S.core.down);
	assert_false(S.front.down);
	assert_int_equal(wait, 1); /* nothing due: look again in a second */
	for (int i = 0; i < SUP_NCHILD; i++)
		assert_true(S.pid[i] > 0);
	/* The custodian's end does the same. */
	st = end_with(SUP_CUSTODIAN, SIGSEGV);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_CUSTODIAN], st), 0);
	assert_true(S.core.down && S.front.down);
	assert_int_equal(S.pid[SUP_LEDGER], 0);
	assert_int_equal(S.core.pace.count, 2);
}

static void a_core_dying_again_and_again_backs_off(void **state)
{
	unsigned wait;

	(void)state;
	for (int i = 0; i < PACE_RESTARTS_PER_MINUTE; i++) {
		int st = end_with(SUP_CUSTODIAN, SIGKILL);
		assert_int_equal(sup_child_ended(&S, S.pid[SUP_CUSTODIAN], st), 0);
		assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
		assert_false(S.core.down);
	}
	int st = end_with(SUP_CUSTODIAN, SIGKILL);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_CUSTODIAN], st), 0);
	assert_int_equal(S.core.at, F.now + 1);
	/* Not due yet: nothing starts, and the loop waits the second. */
	assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	assert_int_equal(wait, 1);
	assert_true(S.core.down);
	assert_int_equal(F.core_starts, PACE_RESTARTS_PER_MINUTE);
	/* A front that is due waits for the core. */
	assert_true(S.front.down);
	F.now += 1;
	assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	assert_false(S.core.down);
	assert_false(S.front.down);
	assert_int_equal(F.front_starts, PACE_RESTARTS_PER_MINUTE + 1);
}

static void a_worker_dying_again_and_again_backs_off_alone(void **state)
{
	unsigned wait;

	(void)state;
	for (int i = 0; i < PACE_RESTARTS_PER_MINUTE; i++) {
		int st = end_with(SUP_WORKER, SIGSEGV);
		assert_int_equal(sup_child_ended(&S, S.pid[SUP_WORKER], st), 0);
		assert_int_equal(S.pid[SUP_AUTH], 0); /* ca-auth went with it */
		assert_int_equal(S.front.at, F.now);
		assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	}
	int st = end_with(SUP_WORKER, SIGSEGV);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_WORKER], st), 0);
	assert_int_equal(S.front.at, F.now + 1);
	assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	assert_int_equal(wait, 1);
	/* The second back-off doubles. */
	F.now += 1;
	assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	st = end_with(SUP_WORKER, SIGSEGV);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_WORKER], st), 0);
	assert_int_equal(S.front.at, F.now + 2);
	assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	assert_int_equal(wait, 2);
	/* The core kept serving, never stopped. */
	assert_int_equal(F.closes, 0);
	assert_false(S.core.down);
	assert_true(S.pid[SUP_CUSTODIAN] > 0);
}

/* ca-auth's end is reported first: the worker is stopped with it, and its own
 * end (SIGTERM, sent by cad) is the one told. */
static void a_dead_ca_auth_takes_the_worker_with_it(void **state)
{
	(void)state;
	int st = end_with(SUP_AUTH, SIGKILL);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_AUTH], st), 0);
	assert_int_equal(S.pid[SUP_WORKER], 0);
	assert_true(S.front.down);
	assert_int_equal(S.front.pace.count, 1);
	assert_false(S.core.down);
}

static void a_worker_that_followed_the_core_is_not_counted(void **state)
{
	(void)state;
	/* The custodian has ended (not reaped yet); the worker lost its channel. */
	close_channel(&F, 0);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	waitid(P_PID, (id_t)S.pid[SUP_CUSTODIAN], &si, WEXITED | WNOWAIT);
	kill(S.pid[SUP_WORKER], SIGKILL);
	waitpid(S.pid[SUP_WORKER], NULL, 0);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_WORKER], exit_status(EXIT_UPSTREAM)), 0);
	assert_true(S.front.down);
	assert_int_equal(S.front.at, F.now);
	assert_int_equal(S.front.pace.count, 0); /* not counted */
	/* The same end while the core lives: the custodian ended the channel of a
	 * worker that misbehaved, which counts. */
	teardown(NULL);
	setup(NULL);
	kill(S.pid[SUP_WORKER], SIGKILL);
	waitpid(S.pid[SUP_WORKER], NULL, 0);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_WORKER], exit_status(EXIT_UPSTREAM)), 0);
	assert_int_equal(S.front.pace.count, 1);
}

static void an_end_already_replaced_changes_nothing(void **state)
{
	(void)state;
	struct sup before = S;
	assert_int_equal(sup_child_ended(&S, 999999, exit_status(1)), 0);
	assert_memory_equal(&before, &S, sizeof(S));
}

static void the_self_test_passes_only_on_sigsys(void **state)
{
	(void)state;
	S.selftest = 1;
	int st = end_with(SUP_WORKER, SIGSYS);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_WORKER], st), 0);
	assert_int_equal(S.selftest, 0);
	assert_true(S.front.down);
	assert_int_equal(S.front.at, F.now);
	assert_int_equal(S.front.pace.count, 0); /* the test's end is not counted */
	unsigned wait;
	assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	/* A worker whose forbidden open() did not kill it: stop. */
	S.selftest = 1;
	st = end_with(SUP_WORKER, SIGSEGV);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_WORKER], st), -1);
	assert_int_equal(S.selftest, 0);
}

static void the_self_test_fails_when_ca_auth_ends_first(void **state)
{
	(void)state;
	/* ca-auth reported first; the worker, stopped by cad (SIGTERM), is judged. */
	S.selftest = 1;
	int st = end_with(SUP_AUTH, SIGKILL);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_AUTH], st), -1);
}

static void the_self_test_is_owed_by_a_worker_that_lost_its_custodian(void **state)
{
	(void)state;
	S.selftest = 1;
	kill(S.pid[SUP_WORKER], SIGKILL);
	waitpid(S.pid[SUP_WORKER], NULL, 0);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_WORKER], exit_status(EXIT_UPSTREAM)), 0);
	assert_int_equal(S.selftest, 1); /* the next worker owes it */
	assert_true(S.front.down);
}

static void start_failures_stop(void **state)
{
	unsigned wait;

	(void)state;
	S.core.down = S.front.down = 1;
	S.core.at = S.front.at = F.now;
	F.fail_core = 1;
	assert_int_equal(sup_start_due(&S, F.now, &wait), -1);
	F.fail_core = 0;
	F.fail_front = 1;
	sup_shutdown(&S);
	assert_int_equal(sup_start_due(&S, F.now, &wait), -1);
	assert_false(S.core.down);
	assert_true(S.front.down);
	/* A front due later: the wait is until then. */
	F.fail_front = 0;
	S.front.at = F.now + 7;
	assert_int_equal(sup_start_due(&S, F.now, &wait), 0);
	assert_int_equal(wait, 7);
}

static void reap_hands_each_end_to_child_ended(void **state)
{
	(void)state;
	assert_int_equal(sup_reap(&S), 0); /* nothing ended */
	kill(S.pid[SUP_WORKER], SIGKILL);
	/* sup_reap takes what has ended: wait until the worker has. */
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	waitid(P_PID, (id_t)S.pid[SUP_WORKER], &si, WEXITED | WNOWAIT);
	assert_int_equal(sup_reap(&S), 0);
	assert_int_equal(S.pid[SUP_WORKER], 0);
	assert_true(S.front.down);
	/* A refusing custodian: sup_reap says stop. */
	close_channel(&F, EXIT_REFUSED);
	memset(&si, 0, sizeof(si));
	waitid(P_PID, (id_t)S.pid[SUP_CUSTODIAN], &si, WEXITED | WNOWAIT);
	assert_int_equal(sup_reap(&S), -1);
}

/* sup_run with SIGCHLD/SIGTERM/SIGINT blocked, as cad runs it. */
static int run_loop(void)
{
	sigset_t sigs, old;
	int rc;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	rc = sup_run(&S, &sigs);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static void the_loop_restarts_then_stops_in_order_on_sigterm(void **state)
{
	(void)state;
	/* The worker in the table leaves with 3; its restart signals SIGTERM. */
	sup_stop_front(&S, NULL);
	S.pid[SUP_AUTH] = front_child(-1);
	S.pid[SUP_WORKER] = front_child(3);
	F.worker_kill = 1;
	F.kill_sig = SIGTERM;
	assert_int_equal(run_loop(), 0);
	assert_int_equal(F.front_starts, 1);
	assert_int_equal(F.core_starts, 0);
	assert_int_equal(S.front.pace.count, 1);
	/* The order of shutdown: the front gone before the channel closed, then
	 * the custodian and the ledger. */
	assert_int_equal(F.closes, 1);
	assert_int_equal(F.front_up_at_close, 0);
	for (int i = 0; i < SUP_NCHILD; i++)
		assert_int_equal(S.pid[i], 0);
}

static void the_loop_stops_on_sigint_too(void **state)
{
	(void)state;
	/* The front is due at once: its start signals SIGINT (a terminal's ^C). */
	sup_stop_front(&S, NULL);
	S.front.down = 1;
	S.front.at = F.now;
	F.worker_kill = 1;
	F.kill_sig = SIGINT;
	assert_int_equal(run_loop(), 0);
	assert_int_equal(F.front_starts, 1);
	assert_int_equal(F.closes, 1);
	for (int i = 0; i < SUP_NCHILD; i++)
		assert_int_equal(S.pid[i], 0);
}

/* Ends the table cannot hold: no pid, a core that is not there. */
static void edges_of_the_table(void **state)
{
	struct sup bare;
	static const struct sup_ops no_close = {fake_now, fake_start_core, fake_start_front, NULL};

	(void)state;
	struct sup before = S;
	assert_int_equal(sup_child_ended(&S, 0, exit_status(0)), 0);
	assert_memory_equal(&before, &S, sizeof(S));
	/* No core running and none known down: it has not ended. */
	sup_init(&bare, &no_close, &F);
	assert_false(sup_core_ended(&bare, 0));
	/* A pid in the table that is no child of cad's (waitid fails): not
	 * taken for an end. */
	bare.pid[SUP_LEDGER] = 1;
	assert_false(sup_core_ended(&bare, 0));
	bare.pid[SUP_LEDGER] = 0;
	/* A stop without close_control still reaps; a custodian that does not
	 * end is killed after the wait, and that is no refusal. */
	bare.core_ms = 100;
	bare.pid[SUP_CUSTODIAN] = front_child(-1);
	assert_int_equal(sup_stop_core(&bare), 0);
	assert_int_equal(bare.pid[SUP_CUSTODIAN], 0);
	/* More or fewer descriptors than a child takes. */
	assert_int_equal(sup_spawn(0, "/bin", "sh", (char *[]){NULL}, (char *[]){NULL},
				   (int[]){0}, -1, 0, 0),
			 -1);
	/* ca-auth ends after its worker was reaped elsewhere: no worker status
	 * to tell, and the front is counted. */
	kill(S.pid[SUP_WORKER], SIGKILL);
	waitpid(S.pid[SUP_WORKER], NULL, 0);
	S.pid[SUP_WORKER] = 0;
	int st = end_with(SUP_AUTH, SIGKILL);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_AUTH], st), 0);
	assert_int_equal(S.front.pace.count, 1);
}

static void the_loop_stops_with_1_on_a_refusal(void **state)
{
	(void)state;
	/* The custodian refuses on its restart. */
	int st = end_with(SUP_CUSTODIAN, SIGKILL);
	assert_int_equal(sup_child_ended(&S, S.pid[SUP_CUSTODIAN], st), 0);
	F.cust_now = EXIT_REFUSED;
	assert_int_equal(run_loop(), 1);
	assert_int_equal(F.core_starts, 1);
	for (int i = 0; i < SUP_NCHILD; i++)
		assert_int_equal(S.pid[i], 0);
	/* A start that fails stops the loop too. */
	teardown(NULL);
	setup(NULL);
	sup_shutdown(&S);
	S.front.down = 1;
	F.fail_front = 1;
	assert_int_equal(run_loop(), 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(who_names_each_child),
		T(reap_within_waits_then_kills),
		T(stop_front_terminates_the_pair),
		T(stop_core_closes_the_channel_and_tells_a_refusal),
		T(core_ended_sees_an_unreaped_end),
		T(a_refusing_custodian_stops_the_appliance),
		T(a_refusal_seen_while_stopping_the_core_stops),
		T(the_core_restarts_whole_and_the_front_after_it),
		T(a_core_dying_again_and_again_backs_off),
		T(a_worker_dying_again_and_again_backs_off_alone),
		T(a_dead_ca_auth_takes_the_worker_with_it),
		T(a_worker_that_followed_the_core_is_not_counted),
		T(an_end_already_replaced_changes_nothing),
		T(the_self_test_passes_only_on_sigsys),
		T(the_self_test_fails_when_ca_auth_ends_first),
		T(the_self_test_is_owed_by_a_worker_that_lost_its_custodian),
		T(start_failures_stop),
		T(reap_hands_each_end_to_child_ended),
		T(the_loop_restarts_then_stops_in_order_on_sigterm),
		T(the_loop_stops_on_sigint_too),
		T(edges_of_the_table),
		T(the_loop_stops_with_1_on_a_refusal),
	};
	log_init("test_supervisor_sup");
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IONBF, 0); /* the stand-ins must not inherit a buffer */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
