/* ca-worker's process logic (start.h): what main.c did itself before, moved here
 * so that each decision and refusal is driven by tests/unit/test_worker_start.c
 * without a process. Nothing here exits: main.c turns the errors into the exits
 * it always had (usage 2, fatalx 1, upstream_gone 75). */
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
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "firmware/auth/msg.h"
#include "firmware/auth/proto.h"
#include "firmware/custodian/proto.h"
#include "firmware/worker/start.h"
#include "platform/conf.h"
#include "platform/errbuf.h"
#include "platform/log.h"

/* A number option from 1 to max: 0 with *out, or -1 with the message
 * conf_arg_uint has always printed for it. */
static int number(const char *s, unsigned max, const char *what, unsigned *out, char *err,
		  size_t errlen)
{
	if (conf_parse_uint(s, max, out) != 0)
		return err_set(err, errlen, "%s must be a number from 1 to %u", what, max);
	return 0;
}

/* A descriptor number (conf_arg_fd's range and message). */
static int fd_number(const char *s, int *out, char *err, size_t errlen)
{
	unsigned v;

	if (number(s, 1 << 20, "a descriptor number", &v, err, errlen) != 0)
		return -1;
	*out = (int)v;
	return 0;
}

static void opts_defaults(struct worker_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fd = o->epm_fd = o->icpr_fd = o->auth_fd = -1;
	o->slots.pool[PORT_EPM] = WORKER_MAX_EPM_CONNS;
	o->slots.pool[PORT_ICPR] = WORKER_MAX_CONNS;
	o->slots.per_address = WORKER_MAX_PER_ADDRESS;
	o->logon_deadline_s = WORKER_LOGON_DEADLINE_S;
	o->conn_deadline_s = WORKER_CONN_DEADLINE_S;
}

/* One option ch with its argument into *o: 0, -1 with err (a bad number), or
 * WORKER_OPTS_USAGE (not an option of ours). */
static int opt_one(int ch, const char *arg, struct worker_opts *o, char *err, size_t errlen)
{
	switch (ch) {
	case 'f': return fd_number(arg, &o->fd, err, errlen);
	case 'e': return fd_number(arg, &o->epm_fd, err, errlen);
	case 'i': return fd_number(arg, &o->icpr_fd, err, errlen);
	case 'a': return fd_number(arg, &o->auth_fd, err, errlen);
	case 'p': return number(arg, 65535, "--icpr-port", &o->icpr_port, err, errlen);
	case 'P': return number(arg, 65535, "--epm-port", &o->epm_port, err, errlen);
	case 'u': o->user = arg; return 0;
	case 'c': o->chroot_dir = arg; return 0;
	case 's': o->selftest_open = arg; return 0;
	case 'C': o->selftest_clone = arg; return 0;
	/* MS-ICPR's pool stays within ca-auth's contexts: one per connection. */
	case 'I':
		return number(arg, AUTH_MAX_CONTEXTS, "--max-conns-icpr", &o->slots.pool[PORT_ICPR],
			      err, errlen);
	case 'E':
		return number(arg, 512, "--max-conns-epm", &o->slots.pool[PORT_EPM], err, errlen);
	case 'M':
		return number(arg, SLOTS_MAX, "--max-conns-per-address", &o->slots.per_address, err,
			      errlen);
	case 'L':
		return number(arg, 3600, "--logon-deadline", &o->logon_deadline_s, err, errlen);
	case 'D':
		return number(arg, 86400, "--connection-deadline", &o->conn_deadline_s, err, errlen);
	case 'A':
		if (worker_dcom_address_ok(arg) != 0)
			return err_set(err, errlen, "--dcom-address must be a host name or an address "
				       "(1..%d of A-Z a-z 0-9 . - :)", WORKER_DCOM_ADDRESS_MAX);
		o->dcom_address = arg;
		return 0;
	default:
		return WORKER_OPTS_USAGE;
	}
}

int worker_opts_parse(int argc, char **argv, struct worker_opts *o, char *err, size_t errlen)
{
	static const struct option lo[] = {
		{"fd", 1, 0, 'f'}, {"epm-fd", 1, 0, 'e'}, {"icpr-fd", 1, 0, 'i'},
		{"icpr-port", 1, 0, 'p'}, {"epm-port", 1, 0, 'P'}, {"user", 1, 0, 'u'},
		{"chroot", 1, 0, 'c'},
		{"selftest-open", 1, 0, 's'},
		{"selftest-clone", 1, 0, 'C'}, {"auth-fd", 1, 0, 'a'},
		{"max-conns-icpr", 1, 0, 'I'}, {"max-conns-epm", 1, 0, 'E'},
		{"max-conns-per-address", 1, 0, 'M'}, {"logon-deadline", 1, 0, 'L'},
		{"connection-deadline", 1, 0, 'D'}, {"dcom-address", 1, 0, 'A'}, {0, 0, 0, 0},
	};
	int ch, rc;

	opts_defaults(o);
	optind = 0; /* glibc: a full restart, so that a second parse (the tests) starts over */
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1)
		if ((rc = opt_one(ch, optarg, o, err, errlen)) != 0)
			return rc;
	if (optind != argc || o->fd < 0 || o->epm_fd < 0 || o->icpr_fd < 0 || o->icpr_port == 0)
		return WORKER_OPTS_USAGE;
	return 0;
}

int worker_setup(struct worker *w, const struct worker_opts *o, void (*on_dead)(const char *why),
		 char *err, size_t errlen)
{
	w->icpr_port = (uint16_t)o->icpr_port;
	w->epm_port = (uint16_t)(o->epm_port != 0 ? o->epm_port : 135);
	/* Until the custodian says otherwise (worker_load_ca): the strictest. */
	w->enforce_encryption = 1;
	w->no_rpc = 1;
	w->logon_deadline_s = o->logon_deadline_s;
	w->conn_deadline_s = o->conn_deadline_s;
	if (o->dcom_address != NULL)
		snprintf(w->dcom_address, sizeof(w->dcom_address), "%s", o->dcom_address);
	if (slots_init(&w->slots, &o->slots) != 0)
		return err_set(err, errlen, "connection pools of %u and %u places are not allowed",
			       o->slots.pool[PORT_EPM], o->slots.pool[PORT_ICPR]);
	if (worker_dcom_init(w, err, errlen) != 0)
		return -1;
	if (ipc_caller_start(&w->custodian, o->fd, "custodian", CUST_WORKER_RECV_MAX) != 0) {
		worker_dcom_free(w);
		return err_set(err, errlen, "cannot start the custodian channel");
	}
	ipc_caller_on_dead(&w->custodian, on_dead);
	if (o->auth_fd < 0) {
		log_warnx("no ca-auth channel: NTLM binds are refused");
		return 0;
	}
	if (ipc_caller_start(&w->auth, o->auth_fd, "ca-auth", AUTH_ANSWER_MAX) != 0) {
		ipc_caller_stop(&w->custodian);
		worker_dcom_free(w);
		return err_set(err, errlen, "cannot start the ca-auth channel");
	}
	ipc_caller_on_dead(&w->auth, on_dead);
	w->have_auth = 1;
	return 0;
}

void worker_peer_name(const struct sockaddr *sa, char *out, size_t outlen)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

	if (sa->sa_family != AF_INET || inet_ntop(AF_INET, &in->sin_addr, out,
						  (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "unknown");
}

/* One accepted connection, handed to its thread. */
struct job {
	struct worker *w;
	int fd;
	enum worker_port port;
	char peer[64];
	struct slot_ref ref;
};

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

/* Serves j on a detached thread: 0, or -1 (j is the caller's still). */
static int start_thread(struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, conn_main, j);
	pthread_attr_destroy(&attr);
	return rc == 0 ? 0 : -1;
}

int worker_accept(struct worker *w, int lfd, enum worker_port port, char *err, size_t errlen)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct job *j;
	struct slot_ref ref;
	int evicted, fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
	uint32_t addr;

	if (fd < 0)
		return 0;
	addr = sa.sin_family == AF_INET ? sa.sin_addr.s_addr : 0;
	if (slots_admit(&w->slots, port, addr, fd, &ref, &evicted) != 0) {
		close(fd); /* every place is held by a logged-on client: it retries */
		return 0;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		slots_release(&w->slots, &ref);
		close(fd);
		return err_set(err, errlen, "out of memory");
	}
	j->w = w;
	j->fd = fd;
	j->port = port;
	j->ref = ref;
	worker_peer_name((const struct sockaddr *)&sa, j->peer, sizeof(j->peer));
	if (evicted)
		log_info("%s: %s pool full: the oldest connection without a logon was closed",
			 j->peer, port == PORT_EPM ? "endpoint-mapper" : "MS-ICPR");
	if (start_thread(j) != 0) {
		slots_release(&w->slots, &ref);
		close(fd);
		free(j);
		return err_set(err, errlen, "cannot start a connection thread");
	}
	return 1;
}

int worker_listen_once(struct worker *w, int epm_fd, int icpr_fd, int timeout_ms, char *err,
		       size_t errlen)
{
	struct pollfd pf[2] = {{.fd = epm_fd, .events = POLLIN}, {.fd = icpr_fd, .events = POLLIN}};

	if (poll(pf, 2, timeout_ms) < 0) {
		if (errno == EINTR)
			return 0;
		return err_set(err, errlen, "poll: %s", strerror(errno));
	}
	if ((pf[0].revents & POLLIN) && worker_accept(w, epm_fd, PORT_EPM, err, errlen) < 0)
		return -1;
	if ((pf[1].revents & POLLIN) && worker_accept(w, icpr_fd, PORT_ICPR, err, errlen) < 0)
		return -1;
	return 0;
}

void worker_selftest_open(const char *path, char *msg, size_t msglen)
{
	int fd = open(path, O_RDWR);

	snprintf(msg, msglen, "selftest: open after the sandbox %s (fd %d)",
		 fd >= 0 ? "succeeded: the sandbox is not enforcing" : "failed", fd);
	/* Left open as before: the process ends on this line. */
}

static void *selftest_thread(void *arg)
{
	return arg;
}

int worker_selftest_clone(const char *kind, char *msg, size_t msglen)
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
		snprintf(msg, msglen, "selftest: thread %s",
			 rc == 0 ? "made and joined" : strerror((int)rc));
		return 0;
	} else {
		snprintf(msg, msglen, "selftest: unknown clone kind %s", kind);
		return 0;
	}
	if (rc == 0)
		return WORKER_SELFTEST_CHILD; /* the child, when the sandbox is not enforcing */
	snprintf(msg, msglen, "selftest: %s after the sandbox returned %ld (%s)", kind, rc,
		 rc < 0 ? strerror(errno) : "the sandbox is not enforcing");
	return 0;
}
