/* ca-worker's process logic (firmware/worker/start.c, sandbox.c) without the
 * process: the command line (every option, each number's range and message, what
 * is a usage error), the set-up before the custodian answers (the strictest flags,
 * the pools refused, the channels and the hook a dying one calls), the admission
 * of real TCP connections on 127.0.0.1 (served on a thread that frees its slot,
 * the oldest connection without a logon evicted with its log line, a newcomer
 * refused and closed when every place is held by a logged-on client), the accept
 * loop's step, the self-tests' lines, and the sandbox: refusals with their
 * messages in process, the filter and the drop to a user in a forked child (an
 * unlisted system call killed; with CONFIG_SECCOMP_LOG, as in the coverage
 * build, logged and let through). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "firmware/worker/start.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"
#include "tests/unit/support/stderr_capture.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof(a[0])) - 1)

/* worker_opts_parse of a NULL-terminated argv. */
static int parse(char **argv, int argc, struct worker_opts *o, char *err, size_t errlen)
{
	err[0] = 0;
	return worker_opts_parse(argc, argv, o, err, errlen);
}

static void test_opts_defaults(void **state)
{
	char *argv[] = {"ca-worker", "--fd", "3", "--epm-fd", "4", "--icpr-fd", "5",
			"--icpr-port", "5022", NULL};
	struct worker_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, ARGC(argv), &o, err, sizeof(err)), 0);
	assert_int_equal(o.fd, 3);
	assert_int_equal(o.epm_fd, 4);
	assert_int_equal(o.icpr_fd, 5);
	assert_int_equal(o.auth_fd, -1);
	assert_int_equal(o.icpr_port, 5022);
	assert_int_equal(o.epm_port, 0);
	assert_null(o.user);
	assert_null(o.chroot_dir);
	assert_null(o.selftest_open);
	assert_null(o.selftest_clone);
	assert_int_equal(o.slots.pool[PORT_EPM], WORKER_MAX_EPM_CONNS);
	assert_int_equal(o.slots.pool[PORT_ICPR], WORKER_MAX_CONNS);
	assert_int_equal(o.slots.per_address, WORKER_MAX_PER_ADDRESS);
	assert_int_equal(o.logon_deadline_s, WORKER_LOGON_DEADLINE_S);
	assert_int_equal(o.conn_deadline_s, WORKER_CONN_DEADLINE_S);
}

static void test_opts_every_option(void **state)
{
	char *argv[] = {"ca-worker", "--fd", "7", "--epm-fd", "8", "--icpr-fd", "9",
			"--icpr-port", "65535", "--epm-port", "1", "--auth-fd", "1048576",
			"--user", "ca-worker", "--chroot", "/var/empty", "--selftest-open", "/etc/x",
			"--selftest-clone", "fork", "--max-conns-icpr", "64", "--max-conns-epm",
			"512", "--max-conns-per-address", "1024", "--logon-deadline", "3600",
			"--connection-deadline=86400", NULL};
	struct worker_opts o;
	char err[256];

	(void)state;
	assert_int_equal(parse(argv, ARGC(argv), &o, err, sizeof(err)), 0);
	assert_int_equal(o.fd, 7);
	assert_int_equal(o.epm_fd, 8);
	assert_int_equal(o.icpr_fd, 9);
	assert_int_equal(o.icpr_port, 65535);
	assert_int_equal(o.epm_port, 1);
	assert_int_equal(o.auth_fd, 1 << 20);
	assert_string_equal(o.user, "ca-worker");
	assert_string_equal(o.chroot_dir, "/var/empty");
	assert_string_equal(o.selftest_open, "/etc/x");
	assert_string_equal(o.selftest_clone, "fork");
	assert_int_equal(o.slots.pool[PORT_ICPR], 64);
	assert_int_equal(o.slots.pool[PORT_EPM], 512);
	assert_int_equal(o.slots.per_address, 1024);
	assert_int_equal(o.logon_deadline_s, 3600);
	assert_int_equal(o.conn_deadline_s, 86400);
}

/* Each number out of its range, or not digits only: -1 with the message
 * ca-worker ends with. The first wrong one is named. */
static void test_opts_bad_numbers(void **state)
{
	static const struct {
		const char *opt, *val, *msg;
	} cases[] = {
		{"--fd", "0", "a descriptor number must be a number from 1 to 1048576"},
		{"--fd", "-3", "a descriptor number must be a number from 1 to 1048576"},
		{"--epm-fd", "1048577", "a descriptor number must be a number from 1 to 1048576"},
		{"--icpr-fd", " 5", "a descriptor number must be a number from 1 to 1048576"},
		{"--auth-fd", "+6", "a descriptor number must be a number from 1 to 1048576"},
		{"--icpr-port", "65536", "--icpr-port must be a number from 1 to 65535"},
		{"--icpr-port", "0", "--icpr-port must be a number from 1 to 65535"},
		{"--epm-port", "135x", "--epm-port must be a number from 1 to 65535"},
		{"--max-conns-icpr", "65", "--max-conns-icpr must be a number from 1 to 64"},
		{"--max-conns-epm", "513", "--max-conns-epm must be a number from 1 to 512"},
		{"--max-conns-per-address", "1025",
		 "--max-conns-per-address must be a number from 1 to 1024"},
		{"--logon-deadline", "3601", "--logon-deadline must be a number from 1 to 3600"},
		{"--connection-deadline", "", "--connection-deadline must be a number from 1 to 86400"},
		{"--dcom-address", "",
		 "--dcom-address must be a host name or an address (1..48 of A-Z a-z 0-9 . - :)"},
		{"--dcom-address", "ca example",
		 "--dcom-address must be a host name or an address (1..48 of A-Z a-z 0-9 . - :)"},
	};
	struct worker_opts o;
	char err[256];

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char *argv[] = {"ca-worker", "--fd", "3", "--epm-fd", "4", "--icpr-fd", "5",
				"--icpr-port", "5022", (char *)cases[k].opt, (char *)cases[k].val,
				"--logon-deadline", "0", NULL};

		assert_int_equal(parse(argv, ARGC(argv), &o, err, sizeof(err)), -1);
		assert_string_equal(err, cases[k].msg);
	}
}

/* A usage error: a required option missing, an operand, an unknown option or one
 * without its argument (getopt names those two on stderr). */
static void test_opts_usage(void **state)
{
	char *no_fd[] = {"ca-worker", "--epm-fd", "4", "--icpr-fd", "5", "--icpr-port", "1", NULL};
	char *no_epm[] = {"ca-worker", "--fd", "3", "--icpr-fd", "5", "--icpr-port", "1", NULL};
	char *no_icpr[] = {"ca-worker", "--fd", "3", "--epm-fd", "4", "--icpr-port", "1", NULL};
	char *no_port[] = {"ca-worker", "--fd", "3", "--epm-fd", "4", "--icpr-fd", "5", NULL};
	char *operand[] = {"ca-worker", "--fd", "3", "--epm-fd", "4", "--icpr-fd", "5",
			   "--icpr-port", "1", "extra", NULL};
	char *unknown[] = {"ca-worker", "--fd", "3", "--epm-fd", "4", "--icpr-fd", "5",
			   "--icpr-port", "1", "--bogus", NULL};
	char *no_arg[] = {"ca-worker", "--epm-fd", "4", "--icpr-fd", "5", "--icpr-port", "1",
			  "--fd", NULL};
	char *shortopt[] = {"ca-worker", "-f", "3", NULL};
	char **cases[] = {no_fd, no_epm, no_icpr, no_port, operand, unknown, no_arg, shortopt};
	struct worker_opts o;
	char err[256];

	(void)state;
	log_begin();
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		int argc = 0;

		while (cases[k][argc] != NULL)
			argc++;
		assert_int_equal(parse(cases[k], argc, &o, err, sizeof(err)), WORKER_OPTS_USAGE);
	}
	log_end_quiet();
	assert_logged("unrecognized option '--bogus'");
	assert_logged("option '--fd' requires an argument");
	assert_logged("invalid option -- 'f'");
	assert_string_equal(WORKER_USAGE, "usage: ca-worker --fd N --epm-fd N --icpr-fd N "
					  "--icpr-port P [--auth-fd N] [--user U --chroot DIR]\n");
}

/* ---- set-up --------------------------------------------------------------------- */

static struct worker w;
static int cust[2] = {-1, -1}, auth[2] = {-1, -1};
static pthread_mutex_t dead_mu = PTHREAD_MUTEX_INITIALIZER;
static char dead_why[256];
static int dead_calls;

static void on_dead(const char *why)
{
	pthread_mutex_lock(&dead_mu);
	dead_calls++;
	snprintf(dead_why, sizeof(dead_why), "%s", why);
	pthread_mutex_unlock(&dead_mu);
}

static void opts_base(struct worker_opts *o)
{
	char *argv[] = {"ca-worker", "--fd", "3", "--epm-fd", "4", "--icpr-fd", "5",
			"--icpr-port", "5022", NULL};
	char err[256];

	assert_int_equal(worker_opts_parse(ARGC(argv), argv, o, err, sizeof(err)), 0);
}

/* The channels' descriptors: the worker's ends in o. */
static void channels(struct worker_opts *o, int with_auth)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cust), 0);
	o->fd = cust[0];
	if (with_auth) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, auth), 0);
		o->auth_fd = auth[0];
	}
}

static int teardown_worker(void **state)
{
	(void)state;
	log_end();
	if (cust[0] >= 0) {
		ipc_caller_stop(&w.custodian);
		if (w.have_auth)
			ipc_caller_stop(&w.auth);
	}
	for (int i = 0; i < 2; i++) {
		if (cust[i] >= 0)
			close(cust[i]);
		if (auth[i] >= 0)
			close(auth[i]);
		cust[i] = auth[i] = -1;
	}
	worker_dcom_free(&w);
	memset(&w, 0, sizeof(w));
	dead_calls = 0;
	dead_why[0] = 0;
	return 0;
}

static void wait_dead(int calls)
{
	for (int i = 0; i < 2000; i++) {
		int n;

		pthread_mutex_lock(&dead_mu);
		n = dead_calls;
		pthread_mutex_unlock(&dead_mu);
		if (n >= calls)
			return;
		usleep(5000);
	}
	fail_msg("the hook was not called");
}

/* Before the custodian answers: the strictest flags, 135 for the endpoint
 * mapper, the deadlines; without --auth-fd, NTLM binds refused (said once); the
 * custodian's channel dying calls the hook with why. */
static void test_setup_without_auth(void **state)
{
	struct worker_opts o;
	char err[256];

	(void)state;
	opts_base(&o);
	o.logon_deadline_s = 7;
	o.conn_deadline_s = 70;
	channels(&o, 0);
	log_begin();
	assert_int_equal(worker_setup(&w, &o, on_dead, err, sizeof(err)), 0);
	log_end_quiet();
	assert_logged("ca-worker: warning: no ca-auth channel: NTLM binds are refused\n");
	assert_int_equal(w.icpr_port, 5022);
	assert_int_equal(w.epm_port, 135);
	assert_int_equal(w.enforce_encryption, 1);
	assert_int_equal(w.no_rpc, 1);
	assert_int_equal(w.allow_anonymous, 0);
	assert_int_equal(w.have_auth, 0);
	assert_int_equal(w.logon_deadline_s, 7);
	assert_int_equal(w.conn_deadline_s, 70);
	assert_int_equal(w.slots.cfg.pool[PORT_EPM], WORKER_MAX_EPM_CONNS);
	assert_int_equal(w.slots.cfg.pool[PORT_ICPR], WORKER_MAX_CONNS);
	assert_int_equal(dead_calls, 0);
	close(cust[1]);
	cust[1] = -1;
	wait_dead(1);
	assert_string_equal(dead_why, "channel to the custodian closed");
}

static void test_setup_with_auth(void **state)
{
	struct worker_opts o;
	char err[256];

	(void)state;
	opts_base(&o);
	o.epm_port = 1135;
	channels(&o, 1);
	log_begin();
	assert_int_equal(worker_setup(&w, &o, on_dead, err, sizeof(err)), 0);
	log_end_quiet();
	assert_null(strstr(logged, "no ca-auth channel"));
	assert_int_equal(w.have_auth, 1);
	assert_int_equal(w.epm_port, 1135);
	close(auth[1]);
	auth[1] = -1;
	wait_dead(1);
	assert_string_equal(dead_why, "channel to the ca-auth closed");
}

/* Pools the slots refuse (an empty one, or more than SLOTS_MAX together): the
 * message names both sizes, and no channel was started. */
static void test_setup_pools_refused(void **state)
{
	struct worker_opts o;
	char err[256];

	(void)state;
	opts_base(&o);
	o.slots.pool[PORT_EPM] = 0;
	assert_int_equal(worker_setup(&w, &o, on_dead, err, sizeof(err)), -1);
	assert_string_equal(err, "connection pools of 0 and 64 places are not allowed");
	opts_base(&o);
	o.slots.pool[PORT_EPM] = 1000;
	o.slots.pool[PORT_ICPR] = 64;
	memset(&w, 0, sizeof(w));
	assert_int_equal(worker_setup(&w, &o, on_dead, err, sizeof(err)), -1);
	assert_string_equal(err, "connection pools of 1000 and 64 places are not allowed");
}

/* ---- the client's address, admission and the accept step ------------------------ */

static void test_peer_name(void **state)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr sa = {.sa_family = AF_UNIX};
	char out[64];

	(void)state;
	in.sin_addr.s_addr = htonl(0xc0000207);
	worker_peer_name((struct sockaddr *)&in, out, sizeof(out));
	assert_string_equal(out, "192.0.2.7");
	worker_peer_name(&sa, out, sizeof(out));
	assert_string_equal(out, "unknown");
	/* a buffer too small for the address: "unknown" rather than a cut one */
	worker_peer_name((struct sockaddr *)&in, out, 8);
	assert_string_equal(out, "unknown");
}

static int lfd[2] = {-1, -1}; /* listening: [PORT_EPM], [PORT_ICPR] */
static struct sockaddr_in laddr[2];

static void listener(int i)
{
	socklen_t sl = sizeof(laddr[i]);

	lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(lfd[i] >= 0);
	laddr[i] = (struct sockaddr_in){.sin_family = AF_INET};
	laddr[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd[i], (struct sockaddr *)&laddr[i], sizeof(laddr[i])), 0);
	assert_int_equal(getsockname(lfd[i], (struct sockaddr *)&laddr[i], &sl), 0);
	assert_int_equal(listen(lfd[i], 8), 0);
}

/* The worker of the admission tests: pools of epm and icpr places, one place
 * per address as given, a short idle timeout (so that a served connection ends
 * by itself, logged), MS-ICPR open to anonymous calls. */
static void accept_worker(unsigned epm, unsigned icpr, unsigned per_address)
{
	struct worker_opts o;
	char err[256];

	opts_base(&o);
	o.slots.pool[PORT_EPM] = epm;
	o.slots.pool[PORT_ICPR] = icpr;
	o.slots.per_address = per_address;
	channels(&o, 0);
	worker_ifaces_init();
	log_begin();
	assert_int_equal(worker_setup(&w, &o, on_dead, err, sizeof(err)), 0);
	w.idle_timeout_ms = 200;
	w.enforce_encryption = 0;
	w.allow_anonymous = 1;
	listener(PORT_EPM);
	listener(PORT_ICPR);
}

static int client(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&laddr[port], sizeof(laddr[port])), 0);
	return fd;
}

/* Places in use in w's pools. */
static unsigned used_slots(void)
{
	unsigned n = 0;

	pthread_mutex_lock(&w.slots.mu);
	for (unsigned i = 0; i < SLOTS_MAX; i++)
		n += w.slots.slot[i].used != 0;
	pthread_mutex_unlock(&w.slots.mu);
	return n;
}

static void wait_slots(unsigned n)
{
	for (int i = 0; i < 2000 && used_slots() != n; i++)
		usleep(5000);
	assert_int_equal(used_slots(), n);
}

/* The worker closed fd (its end reads 0 within 5 s). */
static void expect_closed(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;

	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(recv(fd, &c, 1, 0), 0);
	close(fd);
}

/* A listener stays in the accept path's hands once the wait is over: the threads
 * have ended (no slot in use) when the test tears the worker down. */
static int teardown_accept(void **state)
{
	wait_slots(0);
	for (int i = 0; i < 2; i++)
		if (lfd[i] >= 0)
			close(lfd[i]);
	lfd[0] = lfd[1] = -1;
	return teardown_worker(state);
}

/* A connection is served on its own thread, named by its address, and its slot
 * is free again when it ends (here: idle). */
static void test_accept_serves(void **state)
{
	char err[256];
	int fd;

	(void)state;
	accept_worker(4, 4, 4);
	fd = client(PORT_ICPR);
	for (int i = 0; i < 100 && worker_accept(&w, lfd[PORT_ICPR], PORT_ICPR, err,
						   sizeof(err)) != 1; i++)
		usleep(10000);
	assert_int_equal(used_slots(), 1);
	expect_closed(fd);
	wait_slots(0);
	log_end_quiet();
	assert_logged("ca-worker: 127.0.0.1: timed out (idle)\n");
	/* nothing waiting: accept fails, nothing is served */
	assert_int_equal(worker_accept(&w, lfd[PORT_EPM], PORT_EPM, err, sizeof(err)), 0);
}

/* A full pool makes room: the oldest connection without a logon is shut down,
 * and the log says which pool was full. */
static void test_accept_evicts(void **state)
{
	static const char *const line[2] = {
		"ca-worker: 127.0.0.1: endpoint-mapper pool full: the oldest connection without "
		"a logon was closed\n",
		"ca-worker: 127.0.0.1: MS-ICPR pool full: the oldest connection without a logon "
		"was closed\n"};
	char err[256];

	(void)state;
	accept_worker(1, 1, 1);
	w.idle_timeout_ms = 20000; /* the first would end by itself otherwise */
	for (int port = PORT_EPM; port <= PORT_ICPR; port++) {
		int a = client(port), b;

		for (int i = 0; i < 100 && worker_accept(&w, lfd[port], (enum worker_port)port,
							   err, sizeof(err)) != 1; i++)
			usleep(10000);
		wait_slots(1);
		b = client(port);
		for (int i = 0; i < 100 && worker_accept(&w, lfd[port], (enum worker_port)port,
							   err, sizeof(err)) != 1; i++)
			usleep(10000);
		expect_closed(a);
		close(b);
		wait_slots(0);
	}
	assert_int_equal(w.slots.evictions, 2);
	log_end_quiet();
	assert_logged(line[PORT_EPM]);
	assert_logged(line[PORT_ICPR]);
}

/* Every place held by a logged-on client: the newcomer is closed (it retries),
 * nothing is served, the logged-on place is kept. */
static void test_accept_refuses_when_all_logged_on(void **state)
{
	struct slot_ref ref;
	char err[256];
	int held[2], evicted = 0, fd, rc = 0;

	(void)state;
	accept_worker(1, 1, 1);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, held), 0);
	assert_int_equal(slots_admit(&w.slots, PORT_ICPR, htonl(INADDR_LOOPBACK), held[1], &ref,
				     &evicted), 0);
	slots_authenticated(&w.slots, &ref);
	fd = client(PORT_ICPR);
	{
		struct pollfd p = {.fd = lfd[PORT_ICPR], .events = POLLIN};

		assert_int_equal(poll(&p, 1, 5000), 1);
	}
	rc = worker_accept(&w, lfd[PORT_ICPR], PORT_ICPR, err, sizeof(err));
	assert_int_equal(rc, 0);
	expect_closed(fd);
	assert_int_equal(used_slots(), 1);
	assert_int_equal(w.slots.evictions, 0);
	slots_release(&w.slots, &ref);
	close(held[0]);
	close(held[1]);
}

/* The loop's step: a wait that times out serves nothing; a connection waiting
 * on either socket is served from that port's pool. */
static void test_listen_once(void **state)
{
	char err[256];
	int e, i;

	(void)state;
	accept_worker(4, 4, 4);
	assert_int_equal(worker_listen_once(&w, lfd[PORT_EPM], lfd[PORT_ICPR], 0, err, sizeof(err)),
			 0);
	assert_int_equal(used_slots(), 0);
	e = client(PORT_EPM);
	i = client(PORT_ICPR);
	for (int k = 0; k < 100 && used_slots() < 2; k++)
		assert_int_equal(worker_listen_once(&w, lfd[PORT_EPM], lfd[PORT_ICPR], 50, err,
						    sizeof(err)), 0);
	assert_int_equal(used_slots(), 2);
	{
		unsigned ports = 0;

		pthread_mutex_lock(&w.slots.mu);
		for (unsigned k = 0; k < SLOTS_MAX; k++)
			if (w.slots.slot[k].used)
				ports |= 1u << w.slots.slot[k].port;
		pthread_mutex_unlock(&w.slots.mu);
		assert_int_equal(ports, 3); /* one in each pool */
	}
	expect_closed(e);
	expect_closed(i);
}

/* A connection from another family (a Unix socket): admitted under address 0,
 * named "unknown" in the log. */
static void test_accept_unix_peer(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/worker-unix-XXXXXX", err[256];
	int ufd, c;

	(void)state;
	accept_worker(4, 4, 4);
	assert_non_null(mkdtemp(dir));
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", dir);
	ufd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ufd >= 0);
	assert_int_equal(bind(ufd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(ufd, 1), 0);
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(worker_accept(&w, ufd, PORT_EPM, err, sizeof(err)), 1);
	pthread_mutex_lock(&w.slots.mu);
	for (unsigned k = 0; k < SLOTS_MAX; k++)
		if (w.slots.slot[k].used)
			assert_int_equal(w.slots.slot[k].addr, 0);
	pthread_mutex_unlock(&w.slots.mu);
	expect_closed(c);
	wait_slots(0);
	log_end_quiet();
	assert_logged("ca-worker: unknown: timed out (idle)\n");
	close(ufd);
	unlink(sun.sun_path);
	rmdir(dir);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* The step's wait interrupted by a signal: 0, nothing served (the loop waits
 * again). A wait that fails: -1 with poll's reason (here nfds beyond
 * RLIMIT_NOFILE, EINVAL), which ca-worker ends with. */
static void test_listen_interrupted_and_failing(void **state)
{
	struct sigaction sa = {.sa_handler = on_alarm}, old;
	struct itimerval it = {.it_value = {0, 50000}};
	struct rlimit rl, one;
	char err[256];
	int rc;

	(void)state;
	accept_worker(4, 4, 4);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0); /* no SA_RESTART */
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_int_equal(worker_listen_once(&w, lfd[PORT_EPM], lfd[PORT_ICPR], 5000, err,
					    sizeof(err)), 0);
	assert_int_equal(sigaction(SIGALRM, &old, NULL), 0);
	assert_int_equal(used_slots(), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	one = rl;
	one.rlim_cur = 1;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &one), 0);
	rc = worker_listen_once(&w, lfd[PORT_EPM], lfd[PORT_ICPR], 0, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(rc, -1);
	assert_string_equal(err, "poll: Invalid argument");
}

/* ---- the self-tests' lines ------------------------------------------------------ */

static void test_selftest_open(void **state)
{
	char dir[] = "/tmp/worker-start-XXXXXX", path[64], msg[256];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	worker_selftest_open(path, msg, sizeof(msg));
	assert_string_equal(msg, "selftest: open after the sandbox failed (fd -1)");
	assert_true((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) >= 0);
	close(fd);
	worker_selftest_open(path, msg, sizeof(msg));
	assert_non_null(strstr(msg, "selftest: open after the sandbox succeeded: the sandbox is "
				    "not enforcing (fd "));
	/* the descriptor is left open (the process ends on the line): close it */
	assert_int_equal(sscanf(strstr(msg, "(fd ") + 4, "%d", &fd), 1);
	assert_int_equal(close(fd), 0);
	unlink(path);
	rmdir(dir);
}

static void test_selftest_clone_unsandboxed(void **state)
{
	char msg[256], want[128];
	int rc, st;
	long pid;

	(void)state;
	assert_int_equal(worker_selftest_clone("thread", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "selftest: thread made and joined");
	assert_int_equal(worker_selftest_clone("vfork", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "selftest: unknown clone kind vfork");
	fflush(NULL);
	rc = worker_selftest_clone("fork", msg, sizeof(msg));
	if (rc == WORKER_SELFTEST_CHILD)
		_exit(0);
	assert_int_equal(rc, 0);
	assert_int_equal(sscanf(msg, "selftest: fork after the sandbox returned %ld", &pid), 1);
	snprintf(want, sizeof(want), "selftest: fork after the sandbox returned %ld (the sandbox "
		 "is not enforcing)", pid);
	assert_string_equal(msg, want);
	assert_int_equal(waitpid((pid_t)pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* a clone into a new user namespace: made (root, one thread), or refused by
	 * the kernel with its reason; either way the line says so */
	fflush(NULL);
	rc = worker_selftest_clone("newuser", msg, sizeof(msg));
	if (rc == WORKER_SELFTEST_CHILD)
		_exit(0);
	assert_int_equal(rc, 0);
	assert_int_equal(sscanf(msg, "selftest: newuser after the sandbox returned %ld", &pid), 1);
	if (pid > 0) {
		snprintf(want, sizeof(want), "selftest: newuser after the sandbox returned %ld "
			 "(the sandbox is not enforcing)", pid);
		assert_string_equal(msg, want);
		assert_int_equal(waitpid((pid_t)pid, &st, 0), pid);
	} else {
		assert_int_equal(pid, -1);
		assert_non_null(strstr(msg, "returned -1 ("));
	}
}

/* ---- the sandbox ---------------------------------------------------------------- */

/* Refusals before anything changes (safe in the test's process): an unknown user,
 * a chroot that does not exist. */
static void test_sandbox_refusals(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(worker_sandbox("no-such-user-here", "/var/empty", err, sizeof(err)), -1);
	assert_string_equal(err, "no user no-such-user-here: create it (cad does so when run as "
				 "root)");
	assert_int_equal(worker_sandbox("nobody", "/nonexistent/worker-jail", err, sizeof(err)),
			 -1);
	assert_string_equal(err, "chroot /nonexistent/worker-jail: No such file or directory");
}

/* How a sandboxed child ends: exit() where counters are dumped (the coverage
 * build's gcov writes at exit), _exit() under ASan, whose leak check at exit
 * would take the parent's threads' memory for leaks. */
#ifdef __SANITIZE_ADDRESS__
#define CHILD_EXIT _exit
#else
#define CHILD_EXIT exit
#endif

enum step { S_SANDBOX = 10, S_CLONE3, S_THREAD, S_JAIL, S_UID, S_UNLISTED };

static void say(int pfd, const char *s)
{
	if (write(pfd, s, strlen(s)) < 0)
		return; /* the parent then reports the step alone */
}

/* The child's report: the step it failed at, or S_UNLISTED when the unlisted
 * call came back (no killing filter), or death by SIGSYS. Checks use only
 * listed calls (stat is; getuid is not). In a chroot the coverage build's
 * counters cannot reach the object tree: that child ends with _exit. */
static void sandboxed_child(const char *user, const char *dir, const char *shut, int pfd)
{
	int jailed = dir != NULL && strcmp(dir, "/") != 0;

	char err[256], msg[256];
	struct stat st;

	if (worker_sandbox(user, dir, err, sizeof(err)) != 0) {
		say(pfd, err);
		_exit(S_SANDBOX);
	}
	/* In the jail as its root; the user's ids: a root-only directory is shut. */
	if (jailed && stat("/marker", &st) != 0)
		_exit(S_JAIL);
	if (user != NULL && (stat(shut, &st) == 0 || errno != EACCES))
		_exit(S_UID);
#ifdef CONFIG_SECCOMP
	/* clone3 fails with ENOSYS (glibc then falls back to clone) in both modes. */
	worker_selftest_clone("clone3", msg, sizeof(msg));
	if (strcmp(msg, "selftest: clone3 after the sandbox returned -1 (Function not "
			"implemented)") != 0) {
		say(pfd, msg);
		_exit(S_CLONE3);
	}
#endif
	worker_selftest_clone("thread", msg, sizeof(msg));
	if (strcmp(msg, "selftest: thread made and joined") != 0) {
		say(pfd, msg);
		_exit(S_THREAD);
	}
	/* socket(2) is on no list of the worker's. */
	(void)socket(AF_INET, SOCK_DGRAM, 0);
	if (jailed)
		_exit(S_UNLISTED);
	CHILD_EXIT(S_UNLISTED);
}

/* Forks a child into the sandbox; its wait status, and what it wrote in why. */
static int run_sandboxed(const char *user, const char *dir, const char *shut, char *why,
			 size_t whylen)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		sandboxed_child(user, dir, shut, p[1]);
	}
	close(p[1]);
	n = read(p[0], why, whylen - 1);
	why[n > 0 ? n : 0] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

/* The unlisted call's end: killed by SIGSYS; logged and let through with
 * CONFIG_SECCOMP_LOG (the coverage build) or without a filter at all. */
static void expect_unlisted_refused(int st, const char *why)
{
#if defined(CONFIG_SECCOMP) && !defined(CONFIG_SECCOMP_LOG)
	if (!WIFSIGNALED(st))
		fail_msg("the child was not killed (status %d, step %d: %s)", st,
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1, why);
	assert_int_equal(WTERMSIG(st), SIGSYS);
#else
	if (!WIFEXITED(st) || WEXITSTATUS(st) != S_UNLISTED)
		fail_msg("the child ended with status %d: %s", st, why);
#endif
}

static void test_sandbox_filter(void **state)
{
	char why[256];

	(void)state;
	expect_unlisted_refused(run_sandboxed(NULL, NULL, NULL, why, sizeof(why)), why);
}

/* As root: the drop to a user (its ids, its group alone, no way back) in the
 * chroot, then the same filter. */
static void test_sandbox_drop_to_user(void **state)
{
	char dir[] = "/tmp/worker-jail-XXXXXX", path[96], why[256];
	int fd;

	(void)state;
	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/private", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/private/x", dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/marker", dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) >= 0);
	close(fd);
	expect_unlisted_refused(run_sandboxed("nobody", dir, "/private/x", why, sizeof(why)), why);
	unlink(path);
	snprintf(path, sizeof(path), "%s/private/x", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/private", dir);
	rmdir(path);
	rmdir(dir);
}

/* The drop with "/" as the chroot (the jail is the test above's): the child can
 * end with exit(), so that the coverage build counts the drop's own lines (its
 * object tree lets every user write counters). */
static void test_sandbox_drop_in_place(void **state)
{
	char dir[] = "/tmp/worker-shut-XXXXXX", path[96], why[256];
	int fd;

	(void)state;
	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip();
	assert_non_null(mkdtemp(dir)); /* 0700, root's */
	snprintf(path, sizeof(path), "%s/x", dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) >= 0);
	close(fd);
	expect_unlisted_refused(run_sandboxed("nobody", "/", path, why, sizeof(why)), why);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_defaults),
		cmocka_unit_test(test_opts_every_option),
		cmocka_unit_test(test_opts_bad_numbers),
		cmocka_unit_test(test_opts_usage),
		cmocka_unit_test_teardown(test_setup_without_auth, teardown_worker),
		cmocka_unit_test_teardown(test_setup_with_auth, teardown_worker),
		cmocka_unit_test_teardown(test_setup_pools_refused, teardown_worker),
		cmocka_unit_test(test_peer_name),
		cmocka_unit_test_teardown(test_accept_serves, teardown_accept),
		cmocka_unit_test_teardown(test_accept_evicts, teardown_accept),
		cmocka_unit_test_teardown(test_accept_refuses_when_all_logged_on, teardown_accept),
		cmocka_unit_test_teardown(test_listen_once, teardown_accept),
		cmocka_unit_test_teardown(test_accept_unix_peer, teardown_accept),
		cmocka_unit_test_teardown(test_listen_interrupted_and_failing, teardown_accept),
		cmocka_unit_test(test_selftest_open),
		cmocka_unit_test(test_selftest_clone_unsandboxed),
		cmocka_unit_test(test_sandbox_refusals),
		cmocka_unit_test(test_sandbox_filter),
		cmocka_unit_test(test_sandbox_drop_to_user),
		cmocka_unit_test(test_sandbox_drop_in_place),
	};

	log_init("ca-worker"); /* the lines as the process prints them */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
