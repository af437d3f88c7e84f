/* ca-worker's start-up and accept loop. cad starts it with the custodian's channel
 * and the two listening sockets already open:
 *
 *   ca-worker --fd N --epm-fd N --icpr-fd N --icpr-port P [--epm-port P]
 *             [--auth-fd N] [--user U --chroot DIR]
 *             [--max-conns-icpr N] [--max-conns-epm N] [--max-conns-per-address N]
 *             [--logon-deadline S] [--connection-deadline S]
 *             [--selftest-open PATH] [--selftest-clone fork|newuser|clone3|thread]
 *
 * --auth-fd is the channel to ca-auth (NTLM logons); without it NTLM binds are
 * refused.
 *
 * It asks the custodian for the CA certificate and chain and the interface flags
 * (the CA properties icpr_enforce_encryption, icpr_allow_anonymous, icpr_no_rpc:
 * caadm setprop; the custodian ends this worker's channel when one changes, and
 * cad starts another), enters the sandbox, and
 * serves each connection on its own thread, within the pools of slots.h (MS-ICPR
 * and the endpoint mapper apart, a share per client address, the oldest
 * connection without a logon evicted when full).
 * --selftest-open tries to open PATH (read-write) after the sandbox is up, and
 * --selftest-clone makes a process or a thread: the tests use them to show that
 * the seccomp filter kills the worker for an open, a fork or a clone into a new
 * user namespace, that clone3 fails with ENOSYS, and that threads still work.
 *
 * Only the wiring is here: each step is libworker's (start.h, ca.c, sandbox.c),
 * returns its error, and main chooses the exit (usage 2, fatal 1, an upstream
 * gone 75). */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "firmware/worker/start.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

/* The custodian or ca-auth closed our channel (it found a violation in what we
 * sent, or it is restarting): a worker that cannot reach them is of no use, and
 * one left running would answer every client E_UNEXPECTED. Exit, so cad starts a
 * fresh pair with fresh channels. */
static void peer_gone(const char *why)
{
	upstream_gone("%s: exiting so that cad restarts the worker", why);
}

/* The CA certificate and its chain from the custodian, before the sandbox
 * (worker_load_ca, ca.c): a channel that failed is an upstream gone, anything
 * else unusable is fatal. */
static void load_ca(struct worker *w)
{
	char err[512];
	int rc = worker_load_ca(w, err, sizeof(err));

	if (rc == WORKER_CA_GONE)
		upstream_gone("%s", err);
	if (rc != 0)
		fatalx("%s", err);
}

/* The self-tests end the process with what they found. */
static void selftests(const struct worker_opts *o)
{
	char msg[512];

	if (o->selftest_open != NULL) {
		worker_selftest_open(o->selftest_open, msg, sizeof(msg));
		fatalx("%s", msg);
	}
	if (o->selftest_clone != NULL) {
		if (worker_selftest_clone(o->selftest_clone, msg, sizeof(msg)) ==
		    WORKER_SELFTEST_CHILD)
			_exit(0);
		fatalx("%s", msg);
	}
}

int main(int argc, char **argv)
{
	static struct worker w;
	struct worker_opts o;
	char err[512];
	int rc;

	log_init("ca-worker");
	/* glibc opens files for its per-thread arenas, which the sandbox kills:
	 * /sys/devices/system/cpu/online when it first wants more than 8 arenas (a fixed
	 * limit instead), /proc/sys/vm/overcommit_memory when one first shrinks (never:
	 * freed memory stays in the arena for the next connection). */
	mallopt(M_ARENA_MAX, 8);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	if ((rc = worker_opts_parse(argc, argv, &o, err, sizeof(err))) == WORKER_OPTS_USAGE) {
		fputs(WORKER_USAGE, stderr);
		exit(2);
	}
	if (rc != 0)
		fatalx("%s", err);
	signal(SIGPIPE, SIG_IGN);
	worker_ifaces_init();
	if (worker_setup(&w, &o, peer_gone, err, sizeof(err)) != 0)
		fatalx("%s", err);
	load_ca(&w);
	if (worker_sandbox(o.user, o.chroot_dir, err, sizeof(err)) != 0)
		fatalx("%s", err);
	selftests(&o);
	for (;;)
		if (worker_listen_once(&w, o.epm_fd, o.icpr_fd, -1, err, sizeof(err)) != 0)
			fatalx("%s", err);
}
