/* cad: the appliance's supervisor. It binds the listening sockets, creates the
 * channels, starts ca-ledger, ca-custodian and ca-worker, restarts the worker when
 * it dies, and stops everything in order on SIGTERM/SIGINT. It never reads
 * untrusted data (OpenBSD's parent processes are the model).
 *
 *   cad --data DIR [--pin-file FILE] [--epm ADDR:PORT] [--icpr ADDR:PORT]
 *       [--sandbox-selftest]
 *
 * --sandbox-selftest (the appliance image, at every boot): the first worker opens
 * a file once its sandbox is up, which the seccomp filter must punish with SIGSYS;
 * cad then starts the real worker. Any other end stops the appliance: a worker
 * whose filter does not hold is not put on the network. Before that, as root, a
 * ca-auth is put through the same (selftest_auth()).
 *
 *          epm/icpr listening sockets           worker channel (fresh per start)
 *   cad ──────────────────────────────► ca-worker ◄──────────────► ca-custodian
 *    │  control channel (CUST_CTL_WORKER + fd)                       ▲      │
 *    └───────────────────────────────────────────────────────────────┘      │
 *                                                  ledger channel            ▼
 *                                                                  ca-ledger
 * The worker's NTLM logons go to ca-auth (the credential process, which holds the
 * account file) over a socketpair made with each worker start: the two are
 * started, restarted and stopped together (ca-auth first, the worker last).
 *
 * Started as root, the worker is told to drop to its own user in an empty chroot
 * (it does so itself after start-up, then loads its seccomp filter), the custodian
 * runs as ca-custodian (the PIN file is opened here and handed over as a
 * descriptor) and the ledger as ca-ledger (the owner cad gives DATA/ledger; the
 * ledger becomes it itself, see become_ledger_owner()), and ca-auth is told to
 * become ca-auth, the owner cad gives DATA/auth, in a chroot there once its
 * libraries are loaded, with an environment of nothing of cad's
 * (spawn_auth()); run as an ordinary user everything keeps that user. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/common/datadir.h"
#include "firmware/custodian/proto.h" /* the control channel (CUST_CTL_WORKER), cad's end */
#include "firmware/identity/idtoken.h"
#include "firmware/supervisor/pace.h"
#include "platform/conf.h"
#include "platform/ipc.h"
#include "platform/log.h"

#define WORKER_USER "ca-worker"
#define WORKER_CHROOT "/var/empty"
#define LEDGER_USER "ca-ledger"
#define CUSTODIAN_USER "ca-custodian"
#define AUTH_USER "ca-auth"
#define AUTH_DIR "auth" /* DATA/auth: the account file, ca-auth's chroot */
#define OPERATORS_GROUP "ca-operators" /* ca.conf operators_group's default */
#define GROUP_NAME_MAX 32

/* The programs cad starts, opened once at start-up (open_binaries()). */
enum child { CHILD_LEDGER, CHILD_CUSTODIAN, CHILD_WORKER, CHILD_AUTH, CHILD_COUNT };
static const char *const child_prog[CHILD_COUNT] = {"ca-ledger", "ca-custodian", "ca-worker",
						    "ca-auth"};

struct cad {
	const char *dir, *pin_file, *epm, *icpr;
	char bindir[PATH_MAX];
	int exe_fd[CHILD_COUNT]; /* each child's binary, opened by cad (see open_binaries) */
	int epm_fd, icpr_fd, icpr_port, epm_port;
	/* ca.conf's worker limits, passed on as "--option value" pairs (worker.h has
	 * the defaults and the worker checks the values). */
	char worker_limits[5][2][24];
	int n_worker_limits;
	/* ca.conf ledger_reserve_mb, ledger_low_space_mb (defaults below): the
	 * ledger's --reserve-mb and --low-space-mb. */
	char ledger_reserve[24], ledger_low[24];
	char token_lifetime[24]; /* ca-auth's --token-lifetime: the connection deadline
				  * and a minute (empty: ca-auth's default) */
	int selftest;            /* --sandbox-selftest: the first worker's is pending */
	int pin_fd;              /* as root: the PIN file, opened before the custodian drops */
	uid_t cust_uid;          /* as root: the custodian's user and group */
	gid_t cust_gid;
	int auth_jailed;         /* as root: ca-auth drops to AUTH_USER in DATA/auth */
	struct ipc_chan control; /* to the custodian */
	pid_t ledger, custodian, worker, auth;
	char admin_path[PATH_MAX]; /* the console's socket, removed at the end */
	char ops_group[GROUP_NAME_MAX + 1]; /* ca.conf operators_group: the console's */
	int have_ops_gid;                   /* as root: the group exists, ops_gid is it */
	gid_t ops_gid;
	char ops_gid_arg[24];               /* the custodian's --operators-gid */
	uint8_t id_key[IDTOKEN_KEY_LEN]; /* the current worker's token key (start_worker) */
};

static int stopping; /* SIGTERM or SIGINT taken by supervise() */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: cad --data DIR [--pin-file FILE] [--epm ADDR:PORT] "
			"[--icpr ADDR:PORT] [--sandbox-selftest]\n");
	exit(2);
}

/* ADDR:PORT (IPv4) to a bound, listening socket. */
static int listen_on(const char *spec, int *port_out)
{
	struct sockaddr_in sa;
	char addr[64];
	const char *colon = strrchr(spec, ':');
	int fd, one = 1;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(addr))
		fatalx("%s: not ADDR:PORT", spec);
	memcpy(addr, spec, (size_t)(colon - spec));
	addr[colon - spec] = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	/* Port 0: the kernel chooses (the tests run several appliances at once). */
	sa.sin_port = strcmp(colon + 1, "0") == 0
			      ? 0
			      : htons((uint16_t)conf_arg_uint(colon + 1, 65535, "a port"));
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		fatalx("%s: not an IPv4 address", addr);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0)
		fatal("cannot listen on %s", spec);
	/* Port 0 lets the kernel choose (tests): report the one it chose. */
	socklen_t sl = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		fatal("getsockname");
	*port_out = ntohs(sa.sin_port);
	return fd;
}

/* Opens each child's binary now, as the user cad runs as (root on the appliance),
 * and keeps the descriptor: spawn() starts it with execveat(AT_EMPTY_PATH). A
 * child whose user cannot traverse the build's path (a checkout under /root, mode
 * 0700) is started all the same, and a binary replaced after start-up is not
 * picked up by a restart. O_PATH is enough for execveat: the kernel checks the
 * execute bit against the new credentials; the programs are ELF, so no
 * interpreter needs the descriptor's /proc path after exec. */
static void open_binaries(struct cad *c)
{
	char path[PATH_MAX + 32];
	struct stat st;

	for (int i = 0; i < CHILD_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", c->bindir, child_prog[i]);
		if ((c->exe_fd[i] = open(path, O_PATH | O_CLOEXEC)) < 0)
			fatal("cannot open %s", path);
		if (fstat(c->exe_fd[i], &st) != 0 || !S_ISREG(st.st_mode) ||
		    (st.st_mode & 0111) == 0)
			fatalx("%s: not an executable file", path);
	}
}

/* Forks and starts child prog with argv; fds[i] becomes descriptor 3 + i. With
 * uid != 0 (cad is root) the child becomes uid/gid before exec. */
static pid_t spawn(struct cad *c, enum child prog, char *const argv[], const int *fds, int n,
		   uid_t uid, gid_t gid)
{
	pid_t pid;

	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid > 0)
		return pid;
	/* Move the descriptors up out of the way first, then down into place. The
	 * binary's descriptor moves too (it may sit where a channel goes). */
	int tmp[8], exe;
	for (int i = 0; i < n; i++)
		if ((tmp[i] = fcntl(fds[i], F_DUPFD, 64)) < 0)
			_exit(127);
	if ((exe = fcntl(c->exe_fd[prog], F_DUPFD, 64)) < 0)
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
		fprintf(stderr, "cad: cannot become uid %d for %s\n", (int)uid, child_prog[prog]);
		_exit(127);
	}
	execveat(exe, "", argv, environ, AT_EMPTY_PATH);
	fprintf(stderr, "cad: cannot run %s/%s as uid %d: %s\n", c->bindir, child_prog[prog],
		(int)getuid(), strerror(errno));
	_exit(127);
}

/* ca-auth's environment: nothing of cad's (which may name the PIN file or the
 * token), only the sanitizers' options, which are no secret (the tests set
 * them). gss-ntlmssp's settings ca-auth sets itself from DATA/ca.conf. */
static char **auth_environment(void)
{
#define AUTH_ENV_KEPT 3
	static const char *const keep[AUTH_ENV_KEPT] = {"ASAN_OPTIONS=", "LSAN_OPTIONS=",
							"UBSAN_OPTIONS="};
	static char *env[AUTH_ENV_KEPT + 1];
	size_t n = 0;

	for (size_t k = 0; k < AUTH_ENV_KEPT; k++)
		for (char **e = environ; *e != NULL; e++)
			if (strncmp(*e, keep[k], strlen(keep[k])) == 0) {
				env[n++] = *e;
				break;
			}
	env[n] = NULL;
	return env;
}

/* ca-auth with its end of the worker's channel on descriptor 3. As root it is
 * started as root and told its user: it chroots to DATA/auth once gss-ntlmssp
 * is loaded (the loader and the libraries are outside) and then drops to
 * AUTH_USER itself, as the worker does. spawn() hands the child cad's environ:
 * for ca-auth it is swapped for the minimal one around the fork. */
static pid_t spawn_auth(struct cad *c, int fd, int key_fd, const char *selftest_open)
{
	char **saved = environ, *argv[16];
	pid_t pid;
	int n = 0;

	argv[n++] = "ca-auth";
	argv[n++] = "--fd";
	argv[n++] = "3";
	argv[n++] = "--data";
	argv[n++] = (char *)c->dir;
	if (c->auth_jailed) {
		argv[n++] = "--user";
		argv[n++] = AUTH_USER;
	}
	if (selftest_open != NULL) {
		argv[n++] = "--selftest-open";
		argv[n++] = (char *)selftest_open;
	}
	if (key_fd >= 0) { /* the identity-token key, on descriptor 4 */
		argv[n++] = "--token-key-fd";
		argv[n++] = "4";
		if (c->token_lifetime[0] != 0) {
			argv[n++] = "--token-lifetime";
			argv[n++] = c->token_lifetime;
		}
	}
	argv[n] = NULL;
	environ = auth_environment();
	pid = spawn(c, CHILD_AUTH, argv, (int[]){fd, key_fd}, key_fd >= 0 ? 2 : 1, 0, 0);
	environ = saved;
	return pid;
}

/* --sandbox-selftest, as root, before anything is served: a ca-auth started as
 * the real one is, told to open the PIN file (or /etc/shadow) once jailed and
 * filtered. The read-only open must find nothing and the open for writing that
 * follows must be killed (SIGSYS): a ca-auth whose jail or filter does not hold
 * never sees a token. */
static void selftest_auth(struct cad *c)
{
	const char *path = c->pin_file != NULL ? c->pin_file : "/etc/shadow";
	int pair[2], st;
	pid_t pid;

	if (!c->auth_jailed) {
		log_warnx("sandbox self-test of ca-auth skipped: cad is not root, so ca-auth "
			  "is not jailed");
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
		fatal("socketpair");
	pid = spawn_auth(c, pair[1], -1, path);
	close(pair[1]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid");
	close(pair[0]);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		fatalx("sandbox self-test of ca-auth failed: it was not killed by its seccomp "
		       "filter (%s %d): not starting", WIFSIGNALED(st) ? "signal" : "status",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	log_info("sandbox self-test of ca-auth passed: %s was not found in its jail and "
		 "an open for writing killed it (SIGSYS)", path);
}

static void start_worker(struct cad *c)
{
	char port[16], eport[16];
	int pair[2], apair[2], kpipe[2];
	char *argv[40];
	int n = 0, rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
		fatal("socketpair");
	/* The custodian's end first: it serves the worker from its first frame. With
	 * it goes the key of this worker's identity tokens (firmware/identity), new
	 * for each start: tokens a worker saw die with it. A custodian that is gone
	 * will be reaped and restarted, the worker with it. */
	if (getrandom(c->id_key, sizeof(c->id_key), 0) != (ssize_t)sizeof(c->id_key))
		fatal("getrandom");
	rc = ipc_send(&c->control, CUST_CTL_WORKER, 0, c->id_key, sizeof(c->id_key), pair[1]);
	if (rc != 0) {
		log_warn("cannot hand the worker's channel to the custodian");
		close(pair[0]);
		close(pair[1]);
		return;
	}
	close(pair[1]);
	/* ca-auth's channel: its end on descriptor 3, the worker's on 6. The same
	 * key reaches ca-auth through a pipe (never argv or the environment), which
	 * holds it until ca-auth reads it; cad wipes its copy. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, apair) != 0 ||
	    pipe2(kpipe, O_CLOEXEC) != 0)
		fatal("socketpair");
	if (write(kpipe[1], c->id_key, sizeof(c->id_key)) != (ssize_t)sizeof(c->id_key))
		fatal("cannot hand ca-auth its key");
	close(kpipe[1]);
	explicit_bzero(c->id_key, sizeof(c->id_key));
	c->auth = spawn_auth(c, apair[1], kpipe[0], NULL);
	close(apair[1]);
	close(kpipe[0]);
	snprintf(port, sizeof(port), "%d", c->icpr_port);
	snprintf(eport, sizeof(eport), "%d", c->epm_port);
	argv[n++] = "ca-worker";
	argv[n++] = "--fd";
	argv[n++] = "3";
	argv[n++] = "--epm-fd";
	argv[n++] = "4";
	argv[n++] = "--icpr-fd";
	argv[n++] = "5";
	argv[n++] = "--icpr-port";
	argv[n++] = port;
	argv[n++] = "--epm-port";
	argv[n++] = eport;
	argv[n++] = "--auth-fd";
	argv[n++] = "6";
	/* The interface flags (icpr_*) are CA properties: the worker gets them from
	 * the custodian at its start (CUST_CA_INFO). */
	for (int i = 0; i < c->n_worker_limits; i++) {
		argv[n++] = c->worker_limits[i][0];
		argv[n++] = c->worker_limits[i][1];
	}
	if (c->selftest) {
		argv[n++] = "--selftest-open";
		argv[n++] = "/";
	}
	if (geteuid() == 0) {
		argv[n++] = "--user";
		argv[n++] = WORKER_USER;
		argv[n++] = "--chroot";
		argv[n++] = WORKER_CHROOT;
	}
	if ((size_t)n >= sizeof(argv) / sizeof(argv[0]))
		fatalx("internal error: too many worker arguments");
	argv[n] = NULL;
	c->worker = spawn(c, CHILD_WORKER, argv,
			  (int[]){pair[0], c->epm_fd, c->icpr_fd, apair[0]}, 4, 0, 0);
	close(pair[0]);
	close(apair[0]);
	log_info("worker started (pid %d)", (int)c->worker);
}

/* DATA/admin.sock, the console's socket (custodian/admin.h). As root it belongs to
 * root and the operators' group, mode 0660: operators are ordinary users in that
 * group, never root; otherwise (cad as an ordinary user) mode 0600, cad's user
 * only. The custodian checks the peer's uid and groups again (SO_PEERCRED) and
 * then the operator's passphrase. A stale socket from an earlier run is
 * replaced. It is bound 0600 and only then opened to the group: never wider than
 * meant, even for a moment. */
static int listen_admin(struct cad *c)
{
	struct sockaddr_un sa;
	int fd;

	if (adm_socket_address(c->dir, &sa) != 0)
		fatalx("%s/%s: path too long for a socket", c->dir, ADM_SOCKET);
	snprintf(c->admin_path, sizeof(c->admin_path), "%s", sa.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		fatal("socket");
	(void)unlink(sa.sun_path);
	mode_t old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fatal("%s", sa.sun_path);
	umask(old);
	if (c->have_ops_gid &&
	    (chown(sa.sun_path, 0, c->ops_gid) != 0 || chmod(sa.sun_path, 0660) != 0))
		fatal("cannot give %s to the group %s", sa.sun_path, c->ops_group);
	if (listen(fd, 8) != 0)
		fatal("listen %s", sa.sun_path);
	return fd;
}

/* The custodian's last arguments: "--operators-gid GID" when the console has an
 * operators' group, then the end (without one, the list ends at the first NULL). */
#define OPS_GID_ARGS(c)                                                                    \
	(c)->have_ops_gid ? "--operators-gid" : NULL, (c)->ops_gid_arg, NULL

/* Starts the ledger and the custodian with their channels (the core: the HSM
 * session and the database). */
static void start_core(struct cad *c)
{
	int lpair[2], cpair[2], afd = listen_admin(c);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, lpair) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cpair) != 0)
		fatal("socketpair");
	c->ledger = spawn(c, CHILD_LEDGER,
			  (char *[]){"ca-ledger", "serve", "--data", (char *)c->dir, "--fd", "3",
				     "--reserve-mb", c->ledger_reserve, "--low-space-mb",
				     c->ledger_low, NULL},
			  (int[]){lpair[0]}, 1, 0, 0);
	if (c->pin_fd >= 0) /* as root: the descriptor cad opened */
		c->custodian = spawn(c, CHILD_CUSTODIAN,
				     (char *[]){"ca-custodian", "serve", "--data", (char *)c->dir,
						"--ledger-fd", "3", "--control-fd", "4",
						"--admin-fd", "5", "--pin-fd", "6", OPS_GID_ARGS(c)},
				     (int[]){lpair[1], cpair[1], afd, c->pin_fd}, 4, c->cust_uid,
				     c->cust_gid);
	else if (c->pin_file != NULL)
		c->custodian = spawn(c, CHILD_CUSTODIAN,
				     (char *[]){"ca-custodian", "serve", "--data", (char *)c->dir,
						"--ledger-fd", "3", "--control-fd", "4",
						"--admin-fd", "5", "--pin-file", (char *)c->pin_file,
						OPS_GID_ARGS(c)},
				     (int[]){lpair[1], cpair[1], afd}, 3, c->cust_uid, c->cust_gid);
	else /* the PIN from the terminal cad runs on */
		c->custodian = spawn(c, CHILD_CUSTODIAN,
				     (char *[]){"ca-custodian", "serve", "--data", (char *)c->dir,
						"--ledger-fd", "3", "--control-fd", "4",
						"--admin-fd", "5", OPS_GID_ARGS(c)},
				     (int[]){lpair[1], cpair[1], afd}, 3, c->cust_uid, c->cust_gid);
	close(lpair[0]);
	close(lpair[1]);
	if (c->pin_fd >= 0) {
		close(c->pin_fd);
		c->pin_fd = -1;
	}
	close(cpair[1]);
	close(afd);
	ipc_chan_init(&c->control, cpair[0], "custodian", 64);
}

static const char *who(const struct cad *c, pid_t pid)
{
	return pid == c->ledger ? "ledger" : pid == c->custodian ? "custodian"
				 : pid == c->worker ? "worker" : pid == c->auth ? "ca-auth" : "child";
}

/* Waits up to ms for *pid to end, then kills it; reaps it and clears *pid.
 * Returns its wait status (-1 when there was none to reap). The other children's
 * ends are left for the supervision loop. */
static int reap_within(pid_t *pid, int ms)
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

/* The worker and ca-auth share one channel: they end and start together.
 * Returns the worker's wait status when it was reaped here (-1 otherwise), and
 * ca-auth's in *auth_st when auth_st is not NULL. */
static int stop_front(struct cad *c, int *auth_st)
{
	int st, ast;

	if (c->worker > 0)
		kill(c->worker, SIGTERM);
	if (c->auth > 0)
		kill(c->auth, SIGTERM);
	st = reap_within(&c->worker, 5000);
	ast = reap_within(&c->auth, 5000);
	if (auth_st != NULL)
		*auth_st = ast;
	return st;
}

/* The custodian or the ledger has ended, reaped or not yet (waitid WNOWAIT
 * leaves a zombie for the loop that reaps). */
static int core_ended(const struct cad *c, int core_down)
{
	const pid_t pids[2] = {c->custodian, c->ledger};

	if (core_down)
		return 1;
	for (int i = 0; i < 2; i++) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (pids[i] > 0 && waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pids[i])
			return 1;
	}
	return 0;
}

/* The custodian ends when its control channel closes (it finishes what it was
 * doing), the ledger when its only peer, the custodian, is gone. */
/* Stops the core. Returns 1 when the custodian or the ledger, reaped here, had
 * exited EXIT_REFUSED: the end cad was handling was the other's (the ledger
 * leaves when the refusing custodian closes its channel, and may be reaped
 * first), and the refusal must not be lost in a restart. */
static int stop_core(struct cad *c)
{
	int cst, lst;

	if (c->control.fd >= 0) {
		ipc_chan_free(&c->control);
		close(c->control.fd);
		c->control.fd = -1;
	}
	cst = reap_within(&c->custodian, 10000);
	lst = reap_within(&c->ledger, 10000);
	return (cst != -1 && WIFEXITED(cst) && WEXITSTATUS(cst) == EXIT_REFUSED) ||
	       (lst != -1 && WIFEXITED(lst) && WEXITSTATUS(lst) == EXIT_REFUSED);
}

/* Stops the worker, then the custodian (its control channel closes), then the
 * ledger (its only peer is gone): each finishes what it was doing. */
static int shutdown_all(struct cad *c, int status)
{
	stop_front(c, NULL);
	(void)stop_core(c);
	log_info("stopped");
	if (c->admin_path[0] != 0)
		(void)unlink(c->admin_path);
	return status;
}

struct due {
	int down;   /* the group is stopped and waits for its restart */
	time_t at;  /* when it may start again */
	struct pace pace;
};

/* A group is down: schedule its restart now or after its back-off. */
static void schedule(struct due *d, const char *what, time_t now)
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
static int selftest_verdict(struct cad *c, int worker_st)
{
	switch (pace_selftest_verdict(worker_st)) {
	case PACE_SELFTEST_OWED:
		log_info("sandbox self-test not judged: the worker lost its channel to the "
			 "custodian before the test (above); the next worker takes it");
		return 1;
	case PACE_SELFTEST_PASSED:
		c->selftest = 0;
		log_info("sandbox self-test passed: a forbidden open() killed the worker "
			 "(SIGSYS); starting it again");
		return 0;
	case PACE_SELFTEST_FAILED:
		break;
	}
	c->selftest = 0;
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

/* One child's end: which group goes down. 0, or -1 to stop the appliance. */
static int child_ended(struct cad *c, pid_t pid, int st, struct due *front, struct due *core)
{
	time_t now = time(NULL);

	log_end(who(c, pid), pid, st);
	if ((pid == c->custodian || pid == c->ledger) && WIFEXITED(st) &&
	    WEXITSTATUS(st) == EXIT_REFUSED) {
		log_warnx("the %s refuses to start with this configuration (above): stopping",
			  who(c, pid));
		if (pid == c->custodian)
			c->custodian = 0;
		else
			c->ledger = 0;
		return -1;
	}
	if (pid == c->custodian || pid == c->ledger) {
		/* The core restarts whole (the ledger's channel is the custodian's), the
		 * front after it (its channel goes through the custodian). */
		if (pid == c->custodian)
			c->custodian = 0;
		else
			c->ledger = 0;
		stop_front(c, NULL);
		if (stop_core(c)) {
			log_warnx("the custodian or the ledger refuses to start with this "
				  "configuration (above): stopping");
			return -1;
		}
		if (!core->down)
			schedule(core, "custodian or ledger", now);
		front->down = 1;
		return 0;
	}
	if (pid != c->worker && pid != c->auth)
		return 0; /* a child already replaced (reaped late) */
	/* The worker's own end decides a self-test, whichever of the pair the
	 * kernel reports first (ca-auth ends as soon as the worker's channel does). */
	int worker_st = pid == c->worker ? st : -1, auth_st = pid == c->auth ? st : -1;
	pid_t worker = c->worker;
	if (pid == c->worker)
		c->worker = 0;
	else
		c->auth = 0;
	int reaped = stop_front(c, auth_st == -1 ? &auth_st : NULL);
	if (worker_st == -1 && reaped != -1) {
		worker_st = reaped;
		log_end("worker", worker, reaped); /* reaped here: its end is told too */
	}
	int ended = core_ended(c, core->down), rc;

	if (c->selftest && (rc = selftest_verdict(c, worker_st)) != 1) {
		if (rc != 0)
			return -1;
		front->down = 1;
		front->at = now;
		return 0;
	}
	if (pace_front_followed_core(worker_st, auth_st, ended)) {
		log_info("the worker left because the custodian or the ledger ended: it starts "
			 "again with them");
		front->down = 1;
		front->at = now;
		return 0;
	}
	if (!front->down)
		schedule(front, "worker", now);
	return 0;
}

/* As root, the PIN file is opened by cad for each custodian start (it is root's,
 * mode 0600, and the custodian's user cannot open it). */
static void open_pin(struct cad *c);

/* Reaps children, restarts what died (paced), and waits for signals, all
 * synchronously: SIGCHLD, SIGTERM and SIGINT are blocked and taken with
 * sigtimedwait, so no restart races a handler. */
static int supervise(struct cad *c, const sigset_t *sigs)
{
	struct due front = {0}, core = {0};

	while (!stopping) {
		int st;
		pid_t pid;

		while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
			if (child_ended(c, pid, st, &front, &core) != 0)
				return shutdown_all(c, 1);
		time_t now = time(NULL);
		if (core.down && now >= core.at) {
			if (geteuid() == 0 && c->pin_file != NULL)
				open_pin(c);
			start_core(c);
			log_info("custodian and ledger started again");
			core.down = 0;
			front.at = now;
		}
		if (!core.down && front.down && now >= front.at) {
			start_worker(c);
			front.down = 0;
		}
		time_t next = core.down ? core.at : front.down ? front.at : 0;
		struct timespec ts = {next > now ? next - now : 1, 0};
		int sig = sigtimedwait(sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			stopping = 1;
	}
	return shutdown_all(c, 0);
}

/* ca.conf's connection limits and deadlines for the worker (its defaults in
 * firmware/worker/worker.h): each is checked here, so that a bad value stops cad
 * at start with the key named rather than the worker in a loop. */
static void read_worker_limits(struct cad *c, const struct conf *conf)
{
	static const struct {
		const char *key, *opt;
		unsigned max;
	} keys[] = {
		{"worker_max_conns_icpr", "--max-conns-icpr", 64},
		{"worker_max_conns_epm", "--max-conns-epm", 512},
		{"worker_max_conns_per_address", "--max-conns-per-address", 1024},
		{"worker_logon_deadline", "--logon-deadline", 3600},
		{"worker_connection_deadline", "--connection-deadline", 86400},
	};
	char what[96];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = conf_get(conf, keys[i].key);

		if (v == NULL)
			continue;
		snprintf(what, sizeof(what), "ca.conf %s", keys[i].key);
		snprintf(c->worker_limits[c->n_worker_limits][0], sizeof(c->worker_limits[0][0]),
			 "%s", keys[i].opt);
		unsigned u = conf_arg_uint(v, keys[i].max, what);
		snprintf(c->worker_limits[c->n_worker_limits][1], sizeof(c->worker_limits[0][1]),
			 "%u", u);
		c->n_worker_limits++;
		/* A logon's token outlives its connection by a minute, no more. */
		if (strcmp(keys[i].key, "worker_connection_deadline") == 0)
			snprintf(c->token_lifetime, sizeof(c->token_lifetime), "%u", u + 60);
	}
}

/* ca.conf's free-space settings for the ledger (firmware/ledger/space.c): below
 * ledger_low_space_mb MiB free it warns, below ledger_reserve_mb MiB it records
 * only CRLs and operator actions. The defaults suit the image's 256 MiB data
 * disk; an appliance with a larger one sets more. */
#define LEDGER_RESERVE_MB_DEFAULT 16
#define LEDGER_LOW_SPACE_MB_DEFAULT 64
static void read_ledger_space(struct cad *c, const struct conf *conf)
{
	const char *r = conf_get(conf, "ledger_reserve_mb");
	const char *w = conf_get(conf, "ledger_low_space_mb");
	unsigned reserve = r != NULL ? conf_arg_uint(r, 1u << 20, "ca.conf ledger_reserve_mb")
				     : LEDGER_RESERVE_MB_DEFAULT;
	unsigned low = w != NULL ? conf_arg_uint(w, 1u << 20, "ca.conf ledger_low_space_mb")
				 : LEDGER_LOW_SPACE_MB_DEFAULT;

	if (low < reserve)
		log_warnx("ca.conf: ledger_low_space_mb (%u) is below ledger_reserve_mb (%u): "
			  "the warning comes at the reserve", low, reserve);
	snprintf(c->ledger_reserve, sizeof(c->ledger_reserve), "%u", reserve);
	snprintf(c->ledger_low, sizeof(c->ledger_low), "%u", low);
}

/* ca.conf operators_group (default ca-operators): the group whose members may
 * use the console. A name as useradd and groupadd take them. */
static void read_operators_group(struct cad *c, const struct conf *conf)
{
	const char *v = conf_get(conf, "operators_group");
	size_t n;

	if (v == NULL)
		v = OPERATORS_GROUP;
	n = strlen(v);
	if (n == 0 || n > GROUP_NAME_MAX || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		fatalx("ca.conf operators_group: '%s' is not a group name (1..%d of a-z 0-9 _ -, "
		       "not starting with -)", v, GROUP_NAME_MAX);
	snprintf(c->ops_group, sizeof(c->ops_group), "%s", v);
}

/* What cad itself needs from DATA/ca.conf (the operator's file). */
static void read_config(struct cad *c)
{
	struct conf conf;
	char path[PATH_MAX], err[256];

	snprintf(path, sizeof(path), "%s/ca.conf", c->dir);
	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fatalx("%s (run caadm init first)", err);
	read_worker_limits(c, &conf);
	read_ledger_space(c, &conf);
	read_operators_group(c, &conf);
#ifdef CONFIG_SECCOMP_LOG
	log_warnx("built with CONFIG_SECCOMP_LOG: the seccomp filters log forbidden calls "
		  "instead of killing (for measuring an allow-list, never for an appliance)");
#endif
}

/* Refuses to start, with the path and the user named, when user uid/gid cannot
 * reach path with access mode (R_OK, W_OK, X_OK) or cannot pass through one of the
 * directories above it. The check runs in a child with exactly the credentials
 * the service will have (no supplementary groups), so the kernel is the oracle:
 * without it, a child fails later with a bare EACCES, far from the cause. */
static void check_reach(const char *user, uid_t uid, gid_t gid, const char *path, int mode)
{
	char prefix[PATH_MAX], abs[PATH_MAX];
	int pfd[2], st;
	pid_t pid;
	ssize_t n;

	/* A relative path is walked from / too: the cwd's directories count. */
	if (path[0] != '/') {
		if (getcwd(prefix, sizeof(prefix)) == NULL ||
		    snprintf(abs, sizeof(abs), "%s/%s", prefix, path) >= (int)sizeof(abs))
			fatalx("%s: path too long", path);
		path = abs;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0 || (pid = fork()) < 0)
		fatal("cannot check %s for %s", path, user);
	if (pid == 0) {
		close(pfd[0]);
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(1);
		/* Each directory above path, then path itself: the first that fails. */
		for (size_t i = 1, len = strlen(path); i <= len; i++) {
			if (i < len && path[i] != '/')
				continue;
			if (i >= sizeof(prefix))
				_exit(1);
			memcpy(prefix, path, i);
			prefix[i] = 0;
			if (access(prefix, i == len ? mode : X_OK) != 0) {
				n = write(pfd[1], prefix, i);
				_exit(n == (ssize_t)i ? 2 : 1);
			}
		}
		_exit(0);
	}
	close(pfd[1]);
	n = read(pfd[0], prefix, sizeof(prefix) - 1);
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid");
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return;
	prefix[n > 0 ? n : 0] = 0;
	fatalx("the user %s cannot %s %s%s%s: give it search permission on every directory "
	       "above (chmod o+x), or move the data where it can",
	       user, n > 0 && strcmp(prefix, path) != 0 ? "pass through" : "reach",
	       n > 0 ? prefix : path, n > 0 && strcmp(prefix, path) != 0 ? ", above " : "",
	       n > 0 && strcmp(prefix, path) != 0 ? path : "");
}

/* As root, the worker runs as its own system user in an empty, root-owned
 * directory; both are made here when missing. */
static struct passwd *system_user(const char *name);

static void prepare_worker_user(void)
{
	struct stat st;

	if (mkdir(WORKER_CHROOT, 0555) != 0 && errno != EEXIST)
		fatal("%s", WORKER_CHROOT);
	if (stat(WORKER_CHROOT, &st) != 0 || st.st_uid != 0 || (st.st_mode & 022) != 0)
		fatalx("%s must be owned by root and not writable by others", WORKER_CHROOT);
	(void)system_user(WORKER_USER);
}

/* The user NAME, made a system user (home /var/empty, no shell) when missing. On
 * the image the users are in its read-only /etc/passwd already. */
static struct passwd *system_user(const char *name)
{
	struct passwd *pw;
	pid_t pid;
	int status;

	if ((pw = getpwnam(name)) != NULL)
		return pw;
	if ((pid = fork()) == 0) {
		execl("/usr/sbin/useradd", "useradd", "--system", "--no-create-home", "--home-dir",
		      WORKER_CHROOT, "--shell", "/usr/sbin/nologin", name, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || (pw = getpwnam(name)) == NULL)
		fatalx("cannot create the user %s", name);
	log_info("created the system user %s", name);
	return pw;
}

/* chown -R without following links, for chown_tree(). */
static uid_t tree_uid;
static gid_t tree_gid;

static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if ((st->st_uid != tree_uid || st->st_gid != tree_gid) &&
	    lchown(path, tree_uid, tree_gid) != 0)
		fatal("cannot give %s to uid %d", path, (int)tree_uid);
	return 0;
}

static void chown_tree(const char *path, const struct passwd *pw)
{
	tree_uid = pw->pw_uid;
	tree_gid = pw->pw_gid;
	if (nftw(path, chown_one, 16, FTW_PHYS) != 0)
		fatal("cannot give %s to %s", path, pw->pw_name);
}

/* Lets the service users pass through a root-owned directory (the ceremony makes
 * DATA 0700) without listing it: what they need is named, and nothing there is
 * secret (the PIN files stay 0600 root). */
static void let_through(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		fatal("%s", path);
	if ((st.st_mode & 011) != 011 && chmod(path, (st.st_mode & 07777) | 011) != 0)
		fatal("chmod %s", path);
}

/* As root, the ledger's files belong to ca-ledger: DATA/ledger is given to it, and
 * ca-ledger becomes the owner of its directory when started. */
static void prepare_ledger_user(struct cad *c)
{
	char path[PATH_MAX];
	struct passwd *pw = system_user(LEDGER_USER);

	let_through(c->dir);
	snprintf(path, sizeof(path), "%s/ledger", c->dir);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		fatal("%s", path);
	chown_tree(path, pw);
	check_reach(LEDGER_USER, pw->pw_uid, pw->pw_gid, path, R_OK | W_OK | X_OK);
}

/* Whether DIR is on a file system mounted read-only. */
static int token_read_only(const char *dir)
{
	struct statvfs sv;

	return statvfs(dir, &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0;
}

/* As root, the custodian runs as ca-custodian: the SoftHSM token directory named
 * by ca.conf's softhsm2_conf is given to it (the token writes there), and the PIN
 * file, which must stay root's, is opened here and passed as a descriptor. */
static void prepare_custodian_user(struct cad *c)
{
	struct passwd *pw = system_user(CUSTODIAN_USER);
	struct conf conf, hsm;
	char path[PATH_MAX], err[256];
	const char *v, *tokendir;

	c->cust_uid = pw->pw_uid;
	c->cust_gid = pw->pw_gid;
	let_through(c->dir);
	snprintf(path, sizeof(path), "%s/ca.conf", c->dir);
	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fatalx("%s", err);
	check_reach(CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, path, R_OK);
	if ((v = conf_get(&conf, "module")) != NULL)
		check_reach(CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, v, R_OK);
	if ((v = conf_get(&conf, "softhsm2_conf")) != NULL) {
		if (conf_load(v, &hsm, err, sizeof(err)) != 0)
			fatalx("%s", err);
		if ((tokendir = conf_get(&hsm, "directories.tokendir")) != NULL) {
			snprintf(path, sizeof(path), "%s", tokendir);
			if (token_read_only(tokendir)) {
				/* The image mounts the token read-only while the CA
				 * serves (SoftHSM rewrites its files in place, which
				 * a power cut can leave empty: image/README.md).
				 * Signing needs no write; the files were given to the
				 * custodian before the mount. */
				log_info("the token directory %s is read-only", tokendir);
				let_through(dirname(path));
				check_reach(CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, tokendir,
					    R_OK | X_OK);
			} else {
				chown_tree(path, pw);
				let_through(dirname(path));
				check_reach(CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, tokendir,
					    R_OK | W_OK | X_OK);
			}
		}
		check_reach(CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, v, R_OK);
	}
	/* A token served by `p11-kit server`: the custodian connects to its socket
	 * (write permission). The server may be down now and come later: the
	 * custodian reconnects, so only a socket that is there is checked. */
	if ((v = conf_get(&conf, "p11_kit_server_address")) != NULL &&
	    strncmp(v, "unix:path=", 10) == 0) {
		if (access(v + 10, F_OK) == 0)
			check_reach(CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, v + 10, W_OK);
		else
			log_warnx("the HSM's socket %s is not there (yet)", v + 10);
	}
	/* What the custodian writes: published CRLs and the operator database. */
	snprintf(path, sizeof(path), "%s/crl", c->dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		fatal("%s", path);
	chown_tree(path, pw);
	check_reach(CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, path, R_OK | W_OK | X_OK);
	snprintf(path, sizeof(path), "%s/%s", c->dir, OPERATOR_DIR);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		fatal("%s", path);
	chown_tree(path, pw);
	if (c->pin_file == NULL)
		return; /* the custodian asks on the terminal (/dev/tty is anyone's) */
	open_pin(c);
}

static void open_pin(struct cad *c)
{
	struct stat st;

	if ((c->pin_fd = open(c->pin_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		fatal("%s", c->pin_file);
	if (fstat(c->pin_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0)
		fatalx("%s: the PIN file must be a regular file of root's, mode 0600 or 0400",
		       c->pin_file);
}

/* As root, the console's group (ca.conf operators_group), made a system group
 * when missing as the service users are; on the image it is in /etc/group
 * already. Its members are the operators (usermod -aG GROUP USER). */
static void prepare_operators_group(struct cad *c)
{
	struct group *gr;
	pid_t pid;
	int status;

	if ((gr = getgrnam(c->ops_group)) == NULL) {
		if ((pid = fork()) == 0) {
			execl("/usr/sbin/groupadd", "groupadd", "--system", c->ops_group,
			      (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0 || (gr = getgrnam(c->ops_group)) == NULL)
			fatalx("cannot create the group %s (ca.conf operators_group)", c->ops_group);
		log_info("created the system group %s: add operators with usermod -aG %s USER",
			 c->ops_group, c->ops_group);
	}
	if (gr->gr_gid == 0)
		fatalx("ca.conf operators_group %s is root's group: operators are not root",
		       c->ops_group);
	c->ops_gid = gr->gr_gid;
	c->have_ops_gid = 1;
	snprintf(c->ops_gid_arg, sizeof(c->ops_gid_arg), "%lu", (unsigned long)gr->gr_gid);
}

/* As root, ca-auth runs as ca-auth, owner of DATA/auth (made here when missing),
 * the directory it is chrooted to: the account file there must be its own,
 * mode 0600 (caadm account writes it so). ca-auth is still root when it enters
 * the directory, so the directories above need not let its user through. */
static void prepare_auth_user(struct cad *c)
{
	struct passwd *pw = system_user(AUTH_USER);
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->dir, AUTH_DIR);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		fatal("%s", path);
	chown_tree(path, pw);
	if (chmod(path, 0700) != 0)
		fatal("chmod %s", path);
	c->auth_jailed = 1;
}

static void my_bindir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);
	char *slash;

	if (n <= 0)
		fatal("cannot find my own path");
	out[n] = 0;
	slash = strrchr(out, '/');
	*slash = 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"data", 1, 0, 'd'}, {"pin-file", 1, 0, 'p'}, {"epm", 1, 0, 'e'},
		{"icpr", 1, 0, 'i'}, {"sandbox-selftest", 0, 0, 's'}, {0, 0, 0, 0},
	};
	static char epm_default[32], icpr_default[32];
	struct cad c;
	sigset_t sigs;
	int ch;

	log_init("cad");
	memset(&c, 0, sizeof(c));
	snprintf(epm_default, sizeof(epm_default), "127.0.0.1:%d", CONFIG_EPM_PORT);
	snprintf(icpr_default, sizeof(icpr_default), "127.0.0.1:%d", CONFIG_ICPR_PORT);
	c.dir = CONFIG_DATA_DIR;
	c.epm = epm_default;
	c.icpr = icpr_default;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': c.dir = optarg; break;
		case 'p': c.pin_file = optarg; break;
		case 'e': c.epm = optarg; break;
		case 'i': c.icpr = optarg; break;
		case 's': c.selftest = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	my_bindir(c.bindir, sizeof(c.bindir));
	open_binaries(&c);
	read_config(&c);
	c.pin_fd = -1;
	if (geteuid() == 0) {
		prepare_worker_user();
		prepare_ledger_user(&c);
		prepare_custodian_user(&c);
		prepare_auth_user(&c);
		prepare_operators_group(&c);
	}
	if (c.selftest)
		selftest_auth(&c);
	c.epm_fd = listen_on(c.epm, &c.epm_port);
	c.icpr_fd = listen_on(c.icpr, &c.icpr_port);
	/* Signals are taken synchronously by supervise() (sigtimedwait); children
	 * get an empty mask back in spawn(). */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	start_core(&c);
	start_worker(&c);
	log_info("console socket %s", c.admin_path);
	log_info("appliance up: endpoint mapper on port %d, MS-ICPR on port %d (%s, %s), data "
		 "in %s", c.epm_port, c.icpr_port, c.epm, c.icpr, c.dir);
	return supervise(&c, &sigs);
}
