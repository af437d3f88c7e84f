/* ca-worker's process logic, in libworker so that the unit tests drive each
 * decision without a process (tests/unit/test_worker_start.c): the command line,
 * the worker's set-up before the custodian answers, the admission of each
 * accepted connection to the pools (slots.h) and its thread, the accept loop's
 * step, and the sandbox self-tests. Each returns its error with the message the
 * process prints; main.c only wires them and chooses the exits. */
#ifndef WORKER_START_H
#define WORKER_START_H

#include <stddef.h>
#include <sys/socket.h>

#include "firmware/worker/worker.h"

/* The options (main.c's comment lists them). */
struct worker_opts {
	int fd, epm_fd, icpr_fd, auth_fd; /* -1: not given */
	unsigned icpr_port, epm_port;     /* 0: not given */
	const char *user, *chroot_dir, *selftest_open, *selftest_clone;
	struct slots_config slots;
	unsigned logon_deadline_s, conn_deadline_s;
	const char *dcom_address; /* --dcom-address: first among DCOM's OXID bindings; NULL: none */
};

/* What ca-worker prints (to stderr) before exiting 2 for WORKER_OPTS_USAGE. */
#define WORKER_USAGE                                                                         \
	"usage: ca-worker --fd N --epm-fd N --icpr-fd N --icpr-port P "                     \
	"[--auth-fd N] [--user U --chroot DIR]\n"
#define WORKER_OPTS_USAGE 2

/* Parses argv (getopt_long, from argv[1]; getopt itself names an unknown option
 * on stderr) into *o, the defaults of worker.h where an option is absent: 0;
 * WORKER_OPTS_USAGE for an unknown option, an operand, or a required option
 * missing (--fd, --epm-fd, --icpr-fd, --icpr-port); -1 with err for a number out
 * of its range ("--icpr-port must be a number from 1 to 65535"). */
int worker_opts_parse(int argc, char **argv, struct worker_opts *o, char *err, size_t errlen);

/* w as the options say, before the custodian answers: ports (the endpoint
 * mapper's 135 by default), the strictest interface flags until worker_load_ca,
 * the deadlines, the pools, and the channels to the custodian and, with
 * --auth-fd, ca-auth (without it NTLM binds are refused, said in the log).
 * on_dead is told when either channel dies (ca-worker exits then). 0, or -1 with
 * err; w must be zeroed first. */
int worker_setup(struct worker *w, const struct worker_opts *o, void (*on_dead)(const char *why),
		 char *err, size_t errlen);

/* The client's address as the log and the journal name it: dotted IPv4, or
 * "unknown" for any other family. */
void worker_peer_name(const struct sockaddr *sa, char *out, size_t outlen);

/* One connection from listening socket lfd on port: accepted, admitted to the
 * port's pool (evicting the oldest connection without a logon when full, which
 * is logged) and served on a detached thread that releases its slot and closes
 * it. 1 when a connection is being served; 0 when there was none (accept
 * failed) or it was refused and closed (every place it could take is held by a
 * logged-on client: it retries); -1 with err when no thread could serve it
 * (out of memory, no thread: the worker cannot go on). */
int worker_accept(struct worker *w, int lfd, enum worker_port port, char *err, size_t errlen);

/* The accept loop's step: waits up to timeout_ms (-1: for ever) for a
 * connection on the endpoint mapper's or MS-ICPR's listening socket and serves
 * what came (worker_accept). 0 (an interrupted wait included), or -1 with err
 * ("poll: ..." or worker_accept's). */
int worker_listen_once(struct worker *w, int epm_fd, int icpr_fd, int timeout_ms, char *err,
		       size_t errlen);

/* --selftest-open PATH after the sandbox: tries to open PATH read-write and says
 * in msg what happened (the line ca-worker ends with). */
void worker_selftest_open(const char *path, char *msg, size_t msglen);

/* --selftest-clone KIND after the sandbox: "fork" and "newuser" (a clone into a
 * new user namespace) must be killed by the filter, "clone3" must fail with
 * ENOSYS, "thread" (pthread_create, as every connection does) must work. msg says
 * what happened (the line ca-worker ends with); WORKER_SELFTEST_CHILD in a child
 * that was made (the sandbox is not enforcing: it must _exit(0) at once), else 0. */
#define WORKER_SELFTEST_CHILD 1
int worker_selftest_clone(const char *kind, char *msg, size_t msglen);

#endif
