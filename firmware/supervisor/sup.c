/* cad's process handling (sup.h): the child table, the meaning of each end, the
 * order of shutdown and the supervision loop. */
#include "firmware/supervisor/sup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/log.h"

const char *const sup_prog[SUP_NCHILD] = {"ca-ledger", "ca-custodian", "ca-worker", "ca-auth"};

void sup_init(struct sup *s, const struct sup_ops *ops, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->front_ms = 5000;
	s->core_ms = 10000;
	s->ops = ops;
	s->ctx = ctx;
}

const char *sup_who(const struct sup *s, pid_t pid)
{
	static const char *const names[SUP_NCHILD] = {"ledger", "custodian", "worker",
						      "ca-auth"};

	for (int i = 0; pid > 0 && i < SUP_NCHILD; i++)
		if (s->pid[i] == pid)
			return names[i];
	return "child";
}

int sup_reap_within(pid_t *pid, int ms)
{
	int st = -1;

	if (*pid <= 0)
		return -1;
	for (int waited = 0; waited < ms; waited += 20) {
		pid_t r = waitpid(*pid, &st, WNOHANG);

		if (r == *pid || (r < 0 && errno == ECHILD)) {
			*pid = 0;
			return r > 0 ? st : -1;
		}
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	}
	log_warnx("pid %d did not end within %d ms: killing it", (int)*pid, ms);
	kill(*pid, SIGKILL);
	while (waitpid(*pid, &st, 0) < 0 && errno == EINTR)
		;
	*pid = 0;
	return st;
}

/* The worker and ca-auth share one channel: they end and start together. */
int sup_stop_front(struct sup *s, int *auth_st)
{
	int st, ast;

	if (s->pid[SUP_WORKER] > 0)
		kill(s->pid[SUP_WORKER], SIGTERM);
	if (s->pid[SUP_AUTH] > 0)
		kill(s->pid[SUP_AUTH], SIGTERM);
	st = sup_reap_within(&s->pid[SUP_WORKER], s->front_ms);
	ast = sup_reap_within(&s->pid[SUP_AUTH], s->front_ms);
	if (auth_st != NULL)
		*auth_st = ast;
	return st;
}

static int refused(int st)
{
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == EXIT_REFUSED;
}

int sup_stop_core(struct sup *s)
{
	int cst, lst;

	if (s->ops != NULL && s->ops->close_control != NULL)
		s->ops->close_control(s->ctx);
	cst = sup_reap_within(&s->pid[SUP_CUSTODIAN], s->core_ms);
	lst = sup_reap_within(&s->pid[SUP_LEDGER], s->core_ms);
	return refused(cst) || refused(lst);
}

int sup_core_ended(const struct sup *s, int core_down)
{
	const pid_t pids[2] = {s->pid[SUP_CUSTODIAN], s->pid[SUP_LEDGER]};

	if (core_down)
		return 1;
	for (int i = 0; i < 2; i++) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (pids[i] > 0 &&
		    waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pids[i])
			return 1;
	}
	return 0;
}

void sup_shutdown(struct sup *s)
{
	sup_stop_front(s, NULL);
	(void)sup_stop_core(s);
	log_info("stopped");
}

/* A group is down: its restart now or after its back-off. */
static void schedule(struct sup_due *d, const char *what, time_t now)
{
	unsigned delay = pace_next(&d->pace, now);

	d->down = 1;
	d->at = now + delay;
	if (delay > 0)
		log_warnx("the %s died %d times within a minute: next start in %u s (the rest "
			  "keeps serving)", what, d->pace.count - 1, delay);
}

/* The first worker of --sandbox-selftest must die of SIGSYS; anything else means
 * its filter does not hold, and such a worker is never put on the network
 * (pace_selftest_verdict). 0: passed, the worker restarts now; 1: owed by the
 * next worker (this one lost its custodian first); -1: stop the appliance. */
static int selftest_verdict(struct sup *s, int worker_st)
{
	switch (pace_selftest_verdict(worker_st)) {
	case PACE_SELFTEST_OWED:
		log_info("sandbox self-test not judged: the worker lost its channel to the "
			 "custodian before the test (above); the next worker takes it");
		return 1;
	case PACE_SELFTEST_PASSED:
		s->selftest = 0;
		log_info("sandbox self-test passed: a forbidden open() killed the worker "
			 "(SIGSYS); starting it again");
		return 0;
	case PACE_SELFTEST_FAILED:
		break;
	}
	s->selftest = 0;
	log_warnx("sandbox self-test failed: the worker was not killed by the seccomp filter: "
		  "stopping");
	return -1;
}

static void log_end(const char *what, pid_t pid, int st)
{
	if (WIFSIGNALED(st))
		log_warnx("%s (pid %d) killed by signal %d", what, (int)pid, WTERMSIG(st));
	else
		log_warnx("%s (pid %d) exited with status %d", what, (int)pid, WEXITSTATUS(st));
}

/* The custodian or the ledger ended: the core restarts whole (the ledger's
 * channel is the custodian's), the front after it (its channel goes through the
 * custodian). A refusal, this one's or the other's, stops the appliance:
 * retrying would not help, and a wrong PIN retried would lock the token. */
static int core_child_ended(struct sup *s, enum sup_child which, int st, time_t now)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_REFUSED) {
		log_warnx("the %s refuses to start with this configuration (above): stopping",
			  sup_who(s, s->pid[which]));
		s->pid[which] = 0;
		return -1;
	}
	s->pid[which] = 0;
	sup_stop_front(s, NULL);
	if (sup_stop_core(s)) {
		log_warnx("the custodian or the ledger refuses to start with this "
			  "configuration (above): stopping");
		return -1;
	}
	if (!s->core.down)
		schedule(&s->core, "custodian or ledger", now);
	s->front.down = 1;
	return 0;
}

/* The worker or ca-auth ended: the pair stops, and its end is counted against
 * the front's budget unless it only followed the core's. */
static int front_child_ended(struct sup *s, enum sup_child which, int st, time_t now)
{
	/* The worker's own end decides a self-test, whichever of the pair the
	 * kernel reports first (ca-auth ends as soon as the worker's channel does). */
	int worker_st = which == SUP_WORKER ? st : -1, auth_st = which == SUP_AUTH ? st : -1;
	pid_t worker = s->pid[SUP_WORKER];
	int reaped, ended, rc;

	s->pid[which] = 0;
	reaped = sup_stop_front(s, auth_st == -1 ? &auth_st : NULL);
	if (worker_st == -1 && reaped != -1) {
		worker_st = reaped;
		log_end("worker", worker, reaped); /* reaped here: its end is told too */
	}
	ended = sup_core_ended(s, s->core.down);
	if (s->selftest && (rc = selftest_verdict(s, worker_st)) != 1) {
		if (rc != 0)
			return -1;
		s->front.down = 1;
		s->front.at = now;
		return 0;
	}
	if (pace_front_followed_core(worker_st, auth_st, ended)) {
		log_info("the worker left because the custodian or the ledger ended: it starts "
			 "again with them");
		s->front.down = 1;
		s->front.at = now;
		return 0;
	}
	if (!s->front.down)
		schedule(&s->front, "worker", now);
	return 0;
}

int sup_child_ended(struct sup *s, pid_t pid, int st)
{
	time_t now = s->ops->now(s->ctx);

	log_end(sup_who(s, pid), pid, st);
	for (int i = 0; pid > 0 && i < SUP_NCHILD; i++) {
		if (s->pid[i] != pid)
			continue;
		if (i == SUP_LEDGER || i == SUP_CUSTODIAN)
			return core_child_ended(s, (enum sup_child)i, st, now);
		return front_child_ended(s, (enum sup_child)i, st, now);
	}
	return 0; /* a child already replaced (reaped late) */
}

int sup_reap(struct sup *s)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (sup_child_ended(s, pid, st) != 0)
			return -1;
	return 0;
}

int sup_start_due(struct sup *s, time_t now, unsigned *wait)
{
	if (s->core.down && now >= s->core.at) {
		if (s->ops->start_core(s, s->ctx) != 0)
			return -1;
		log_info("custodian and ledger started again");
		s->core.down = 0;
		s->front.at = now;
	}
	if (!s->core.down && s->front.down && now >= s->front.at) {
		if (s->ops->start_front(s, s->ctx) != 0)
			return -1;
		s->front.down = 0;
	}
	time_t next = s->core.down ? s->core.at : s->front.down ? s->front.at : 0;
	*wait = next > now ? (unsigned)(next - now) : 1;
	return 0;
}

int sup_run(struct sup *s, const sigset_t *sigs)
{
	while (!s->stopping) {
		unsigned wait;

		if (sup_reap(s) != 0 || sup_start_due(s, s->ops->now(s->ctx), &wait) != 0) {
			sup_shutdown(s);
			return 1;
		}
		struct timespec ts = {(time_t)wait, 0};
		int sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			s->stopping = 1;
	}
	sup_shutdown(s);
	return 0;
}

pid_t sup_spawn(int exe_fd, const char *dir, const char *prog, char *const argv[],
		char *const envp[], const int *fds, int n, uid_t uid, gid_t gid)
{
	pid_t pid;

	if (n < 0 || n > 8)
		return -1;
	if ((pid = fork()) != 0)
		return pid; /* the child's pid, or -1 */
	/* Move the descriptors up out of the way first, then down into place. The
	 * binary's descriptor moves too (it may sit where a channel goes). */
	int tmp[8], exe;
	for (int i = 0; i < n; i++)
		if ((tmp[i] = fcntl(fds[i], F_DUPFD, 64)) < 0)
			_exit(127);
	if ((exe = fcntl(exe_fd, F_DUPFD, 64)) < 0)
		_exit(127);
	for (int i = 0; i < n; i++)
		if (dup2(tmp[i], 3 + i) < 0)
			_exit(127);
	/* The binary right after the channels, closed by the exec itself. */
	if (dup3(exe, 3 + n, O_CLOEXEC) < 0)
		_exit(127);
	exe = 3 + n;
	closefrom(exe + 1);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (uid != 0 && (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0 ||
			 setuid(0) == 0)) {
		fprintf(stderr, "cad: cannot become uid %d for %s\n", (int)uid, prog);
		_exit(127);
	}
	execveat(exe, "", argv, envp, AT_EMPTY_PATH);
	fprintf(stderr, "cad: cannot run %s/%s as uid %d: %s\n", dir, prog, (int)getuid(),
		strerror(errno));
	_exit(127);
}
