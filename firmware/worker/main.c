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
 * user namespace, that clone3 fails with ENOSYS, and that threads still work. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>

#include <malloc.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "firmware/auth/proto.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/msg.h"
#include "firmware/worker/worker.h"
#include "platform/conf.h"
#include "platform/log.h"

struct opts {
	int fd, epm_fd, icpr_fd, auth_fd;
	unsigned icpr_port, epm_port;
	const char *user, *chroot_dir, *selftest_open, *selftest_clone;
	struct slots_config slots;
	unsigned logon_deadline_s, conn_deadline_s;
};

struct job {
	struct worker *w;
	int fd;
	enum worker_port port;
	char peer[64];
	struct slot_ref ref;
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: ca-worker --fd N --epm-fd N --icpr-fd N --icpr-port P "
			"[--auth-fd N] [--user U --chroot DIR]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"fd", 1, 0, 'f'}, {"epm-fd", 1, 0, 'e'}, {"icpr-fd", 1, 0, 'i'},
		{"icpr-port", 1, 0, 'p'}, {"epm-port", 1, 0, 'P'}, {"user", 1, 0, 'u'},
		{"chroot", 1, 0, 'c'},
		{"selftest-open", 1, 0, 's'},
		{"selftest-clone", 1, 0, 'C'}, {"auth-fd", 1, 0, 'a'},
		{"max-conns-icpr", 1, 0, 'I'}, {"max-conns-epm", 1, 0, 'E'},
		{"max-conns-per-address", 1, 0, 'M'}, {"logon-deadline", 1, 0, 'L'},
		{"connection-deadline", 1, 0, 'D'}, {0, 0, 0, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->fd = o->epm_fd = o->icpr_fd = o->auth_fd = -1;
	o->slots.pool[PORT_EPM] = WORKER_MAX_EPM_CONNS;
	o->slots.pool[PORT_ICPR] = WORKER_MAX_CONNS;
	o->slots.per_address = WORKER_MAX_PER_ADDRESS;
	o->logon_deadline_s = WORKER_LOGON_DEADLINE_S;
	o->conn_deadline_s = WORKER_CONN_DEADLINE_S;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'f': o->fd = conf_arg_fd(optarg); break;
		case 'e': o->epm_fd = conf_arg_fd(optarg); break;
		case 'i': o->icpr_fd = conf_arg_fd(optarg); break;
		case 'p': o->icpr_port = conf_arg_uint(optarg, 65535, "--icpr-port"); break;
		case 'P': o->epm_port = conf_arg_uint(optarg, 65535, "--epm-port"); break;
		case 'u': o->user = optarg; break;
		case 'c': o->chroot_dir = optarg; break;
		case 's': o->selftest_open = optarg; break;
		case 'C': o->selftest_clone = optarg; break;
		case 'a': o->auth_fd = conf_arg_fd(optarg); break;
		/* MS-ICPR's pool stays within ca-auth's contexts: one per connection. */
		case 'I': o->slots.pool[PORT_ICPR] = conf_arg_uint(optarg, AUTH_MAX_CONTEXTS,
								   "--max-conns-icpr"); break;
		case 'E': o->slots.pool[PORT_EPM] = conf_arg_uint(optarg, 512,
								  "--max-conns-epm"); break;
		case 'M': o->slots.per_address = conf_arg_uint(optarg, SLOTS_MAX,
							       "--max-conns-per-address"); break;
		case 'L': o->logon_deadline_s = conf_arg_uint(optarg, 3600,
							      "--logon-deadline"); break;
		case 'D': o->conn_deadline_s = conf_arg_uint(optarg, 86400,
							     "--connection-deadline"); break;
		default: usage();
		}
	}
	if (optind != argc || o->fd < 0 || o->epm_fd < 0 || o->icpr_fd < 0 || o->icpr_port == 0)
		usage();
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

static void *conn_main(void *arg)
{
	struct job *j = arg;

	worker_serve_conn(j->w, j->fd, j->port, j->peer, &j->ref);
	/* The slot first: once it is free, an eviction can no longer shut down this
	 * descriptor number, which close() hands to the next connection. */
	slots_release(&j->w->slots, &j->ref);
	close(j->fd);
	free(j);
	/* wolfSSL's FP_ECC fixed-point cache is per thread (up to ~12 MiB): it goes
	 * with the thread, or every connection leaks it. */
	wc_ecc_fp_free();
	return NULL;
}

static void accept_one(struct worker *w, int lfd, enum worker_port port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	pthread_attr_t attr;
	pthread_t t;
	struct job *j;
	struct slot_ref ref;
	int evicted, fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
	uint32_t addr;

	if (fd < 0)
		return;
	addr = sa.sin_family == AF_INET ? sa.sin_addr.s_addr : 0;
	if (slots_admit(&w->slots, port, addr, fd, &ref, &evicted) != 0) {
		close(fd); /* every place is held by a logged-on client: it retries */
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatalx("out of memory");
	j->w = w;
	j->fd = fd;
	j->port = port;
	j->ref = ref;
	if (sa.sin_family != AF_INET || inet_ntop(AF_INET, &sa.sin_addr, j->peer,
						  sizeof(j->peer)) == NULL)
		snprintf(j->peer, sizeof(j->peer), "unknown");
	if (evicted)
		log_info("%s: %s pool full: the oldest connection without a logon was closed",
			 j->peer, port == PORT_EPM ? "endpoint-mapper" : "MS-ICPR");
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, conn_main, j) != 0)
		fatalx("cannot start a connection thread");
	pthread_attr_destroy(&attr);
}

/* The custodian or ca-auth closed our channel (it found a violation in what we
 * sent, or it is restarting): a worker that cannot reach them is of no use, and
 * one left running would answer every client E_UNEXPECTED. Exit, so cad starts a
 * fresh pair with fresh channels. */
static void peer_gone(const char *why)
{
	upstream_gone("%s: exiting so that cad restarts the worker", why);
}

static void *selftest_thread(void *arg)
{
	return arg;
}

/* --selftest-clone KIND, after the sandbox: "fork" and "newuser" (a clone into a
 * new user namespace) must be killed by the filter; "clone3" must fail with
 * ENOSYS; "thread" (pthread_create, as every connection does) must work. Each
 * that is not killed ends the worker with a line saying what happened. */
static void __attribute__((noreturn)) selftest_clone(const char *kind)
{
	struct clone_args ca;
	pthread_t t;
	long rc;

	if (strcmp(kind, "fork") == 0) {
		rc = fork();
	} else if (strcmp(kind, "newuser") == 0) {
		rc = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
	} else if (strcmp(kind, "clone3") == 0) {
		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_NEWUSER;
		ca.exit_signal = SIGCHLD;
		rc = syscall(SYS_clone3, &ca, sizeof(ca));
	} else if (strcmp(kind, "thread") == 0) {
		rc = pthread_create(&t, NULL, selftest_thread, NULL);
		if (rc == 0)
			pthread_join(t, NULL);
		fatalx("selftest: thread %s", rc == 0 ? "made and joined" : strerror((int)rc));
	} else {
		fatalx("selftest: unknown clone kind %s", kind);
	}
	if (rc == 0)
		_exit(0); /* the child, when the sandbox is not enforcing */
	fatalx("selftest: %s after the sandbox returned %ld (%s)", kind, rc,
	       rc < 0 ? strerror(errno) : "the sandbox is not enforcing");
}

int main(int argc, char **argv)
{
	static struct worker w;
	struct opts o;
	struct pollfd pf[2];

	log_init("ca-worker");
	/* glibc opens files for its per-thread arenas, which the sandbox kills:
	 * /sys/devices/system/cpu/online when it first wants more than 8 arenas (a fixed
	 * limit instead), /proc/sys/vm/overcommit_memory when one first shrinks (never:
	 * freed memory stays in the arena for the next connection). */
	mallopt(M_ARENA_MAX, 8);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	parse(argc, argv, &o);
	signal(SIGPIPE, SIG_IGN);
	worker_ifaces_init();
	w.icpr_port = (uint16_t)o.icpr_port;
	w.epm_port = (uint16_t)(o.epm_port != 0 ? o.epm_port : 135);
	/* Until the custodian says otherwise (load_ca): the strictest. */
	w.enforce_encryption = 1;
	w.no_rpc = 1;
	w.logon_deadline_s = o.logon_deadline_s;
	w.conn_deadline_s = o.conn_deadline_s;
	if (slots_init(&w.slots, &o.slots) != 0)
		fatalx("connection pools of %u and %u places are not allowed",
		       o.slots.pool[PORT_EPM], o.slots.pool[PORT_ICPR]);
	if (ipc_caller_start(&w.custodian, o.fd, "custodian", CUST_SUBMIT_MAX) != 0)
		fatalx("cannot start the custodian channel");
	ipc_caller_on_dead(&w.custodian, peer_gone);
	if (o.auth_fd >= 0) {
		if (ipc_caller_start(&w.auth, o.auth_fd, "ca-auth", AUTH_MAX_PAYLOAD) != 0)
			fatalx("cannot start the ca-auth channel");
		ipc_caller_on_dead(&w.auth, peer_gone);
		w.have_auth = 1;
	} else {
		log_warnx("no ca-auth channel: NTLM binds are refused");
	}
	load_ca(&w);
	worker_sandbox(o.user, o.chroot_dir);
	if (o.selftest_open != NULL) {
		int fd = open(o.selftest_open, O_RDWR);
		fatalx("selftest: open after the sandbox %s (fd %d)",
		       fd >= 0 ? "succeeded: the sandbox is not enforcing" : "failed", fd);
	}
	if (o.selftest_clone != NULL)
		selftest_clone(o.selftest_clone);
	pf[0].fd = o.epm_fd;
	pf[1].fd = o.icpr_fd;
	pf[0].events = pf[1].events = POLLIN;
	for (;;) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if (pf[0].revents & POLLIN)
			accept_one(&w, o.epm_fd, PORT_EPM);
		if (pf[1].revents & POLLIN)
			accept_one(&w, o.icpr_fd, PORT_ICPR);
	}
}
