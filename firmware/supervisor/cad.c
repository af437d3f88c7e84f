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
 * whose filter does not hold is not put on the network.
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
 * ledger becomes it itself, see become_ledger_owner()); run as an ordinary user
 * everything keeps that user. */
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
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/custodian/admin_proto.h"
#include "firmware/operator/operator.h"
#include "firmware/custodian/proto.h"
#include "platform/conf.h"
#include "platform/ipc.h"
#include "platform/log.h"

#define WORKER_USER "ca-worker"
#define WORKER_CHROOT "/var/empty"
#define LEDGER_USER "ca-ledger"
#define CUSTODIAN_USER "ca-custodian"
#define RESTARTS_PER_MINUTE 10

/* The programs cad starts, opened once at start-up (open_binaries()). */
enum child { CHILD_LEDGER, CHILD_CUSTODIAN, CHILD_WORKER, CHILD_AUTH, CHILD_COUNT };
static const char *const child_prog[CHILD_COUNT] = {"ca-ledger", "ca-custodian", "ca-worker",
						    "ca-auth"};

struct cad {
	const char *dir, *pin_file, *epm, *icpr;
	char bindir[PATH_MAX];
	int exe_fd[CHILD_COUNT]; /* each child's binary, opened by cad (see open_binaries) */
	int epm_fd, icpr_fd, icpr_port, epm_port;
	int enforce_encryption; /* ca.conf icpr_enforce_encryption (default 1) */
	int allow_anonymous, no_rpc; /* ca.conf icpr_allow_anonymous, icpr_no_rpc (default 0) */
	int selftest;            /* --sandbox-selftest: the first worker's is pending */
	int pin_fd;              /* as root: the PIN file, opened before the custodian drops */
	uid_t cust_uid;          /* as root: the custodian's user and group */
	gid_t cust_gid;
	struct ipc_chan control; /* to the custodian */
	pid_t ledger, custodian, worker, auth;
	char admin_path[PATH_MAX]; /* the console's socket, removed at the end */
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

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
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
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

static void start_worker(struct cad *c)
{
	char port[16], eport[16];
	int pair[2], apair[2];
	char *argv[24];
	int n = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
		fatal("socketpair");
	/* The custodian's end first: it serves the worker from its first frame. */
	if (ipc_send(&c->control, CUST_CTL_WORKER, 0, NULL, 0, pair[1]) != 0)
		fatal("cannot hand the worker's channel to the custodian");
	close(pair[1]);
	/* ca-auth's channel: its end on descriptor 3, the worker's on 6. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, apair) != 0)
		fatal("socketpair");
	c->auth = spawn(c, CHILD_AUTH,
			(char *[]){"ca-auth", "--fd", "3", "--data", (char *)c->dir, NULL},
			(int[]){apair[1]}, 1, 0, 0);
	close(apair[1]);
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
	if (!c->enforce_encryption)
		argv[n++] = "--no-enforce-encryption";
	if (c->allow_anonymous)
		argv[n++] = "--allow-anonymous";
	if (c->no_rpc)
		argv[n++] = "--no-rpc";
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

/* DATA/admin.sock, the console's socket (custodian/admin.h), mode 0600: only root
 * and cad's user reach it; the custodian checks the peer's uid again and then
 * the operator's passphrase. A stale socket from an earlier run is replaced. */
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
	if (listen(fd, 8) != 0)
		fatal("listen %s", sa.sun_path);
	return fd;
}

static void start(struct cad *c)
{
	int lpair[2], cpair[2], afd = listen_admin(c);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, lpair) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cpair) != 0)
		fatal("socketpair");
	c->ledger = spawn(c, CHILD_LEDGER,
			  (char *[]){"ca-ledger", "serve", "--data", (char *)c->dir, "--fd", "3",
				     NULL},
			  (int[]){lpair[0]}, 1, 0, 0);
	if (c->pin_fd >= 0) /* as root: the descriptor cad opened */
		c->custodian = spawn(c, CHILD_CUSTODIAN,
				     (char *[]){"ca-custodian", "serve", "--data", (char *)c->dir,
						"--ledger-fd", "3", "--control-fd", "4",
						"--admin-fd", "5", "--pin-fd", "6", NULL},
				     (int[]){lpair[1], cpair[1], afd, c->pin_fd}, 4, c->cust_uid,
				     c->cust_gid);
	else if (c->pin_file != NULL)
		c->custodian = spawn(c, CHILD_CUSTODIAN,
				     (char *[]){"ca-custodian", "serve", "--data", (char *)c->dir,
						"--ledger-fd", "3", "--control-fd", "4",
						"--admin-fd", "5", "--pin-file", (char *)c->pin_file,
						NULL},
				     (int[]){lpair[1], cpair[1], afd}, 3, c->cust_uid, c->cust_gid);
	else /* the PIN from the terminal cad runs on */
		c->custodian = spawn(c, CHILD_CUSTODIAN,
				     (char *[]){"ca-custodian", "serve", "--data", (char *)c->dir,
						"--ledger-fd", "3", "--control-fd", "4",
						"--admin-fd", "5", NULL},
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
	start_worker(c);
}

static const char *who(const struct cad *c, pid_t pid)
{
	return pid == c->ledger ? "ledger" : pid == c->custodian ? "custodian"
				 : pid == c->worker ? "worker" : pid == c->auth ? "ca-auth" : "child";
}

/* Stops the worker, then the custodian (its control channel closes), then the
 * ledger (its only peer is gone): each finishes what it was doing. */
static int shutdown_all(struct cad *c, int status)
{
	if (c->worker > 0)
		kill(c->worker, SIGTERM);
	if (c->auth > 0)
		kill(c->auth, SIGTERM);
	ipc_chan_free(&c->control);
	close(c->control.fd);
	while (c->worker > 0 || c->auth > 0 || c->custodian > 0 || c->ledger > 0) {
		int st;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pid == c->worker)
			c->worker = 0;
		else if (pid == c->auth)
			c->auth = 0;
		else if (pid == c->custodian)
			c->custodian = 0;
		else if (pid == c->ledger)
			c->ledger = 0;
	}
	log_info("stopped");
	if (c->admin_path[0] != 0)
		(void)unlink(c->admin_path);
	return status;
}

static int supervise(struct cad *c)
{
	time_t window = time(NULL);
	int restarts = 0;

	while (!stopping) {
		int st;
		pid_t pid = waitpid(-1, &st, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			fatal("waitpid");
		}
		if (WIFSIGNALED(st))
			log_warnx("%s (pid %d) killed by signal %d", who(c, pid), (int)pid,
				  WTERMSIG(st));
		else
			log_warnx("%s (pid %d) exited with status %d", who(c, pid), (int)pid,
				  WEXITSTATUS(st));
		if (pid != c->worker && pid != c->auth) {
			/* The custodian holds the HSM session, the ledger the database: either
			 * one gone is the end of the appliance, cleanly. */
			if (pid == c->custodian)
				c->custodian = 0;
			if (pid == c->ledger)
				c->ledger = 0;
			return shutdown_all(c, 1);
		}
		if (c->selftest && pid == c->worker) {
			c->worker = 0;
			c->selftest = 0;
			if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS) {
				log_warnx("sandbox self-test failed: the worker was not killed "
					  "by the seccomp filter: stopping");
				return shutdown_all(c, 1);
			}
			log_info("sandbox self-test passed: a forbidden open() killed the "
				 "worker (SIGSYS); starting it again");
			if (c->auth > 0) {
				kill(c->auth, SIGTERM);
				while (waitpid(c->auth, &st, 0) < 0 && errno == EINTR)
					;
				c->auth = 0;
			}
			start_worker(c);
			continue;
		}
		/* The worker and ca-auth share one channel: one gone, the other goes
		 * too, and both start again together. */
		pid_t other = pid == c->auth ? c->worker : c->auth;
		if (other > 0) {
			kill(other, SIGTERM);
			while (waitpid(other, &st, 0) < 0 && errno == EINTR)
				;
		}
		c->worker = c->auth = 0;
		if (time(NULL) - window > 60) {
			window = time(NULL);
			restarts = 0;
		}
		if (++restarts > RESTARTS_PER_MINUTE) {
			log_warnx("the worker died %d times within a minute: stopping", restarts - 1);
			return shutdown_all(c, 1);
		}
		start_worker(c);
	}
	return shutdown_all(c, 0);
}

/* What cad itself needs from DATA/ca.conf (the operator's file). */
static void read_config(struct cad *c)
{
	struct conf conf;
	char path[PATH_MAX], err[256];
	const char *v;

	snprintf(path, sizeof(path), "%s/ca.conf", c->dir);
	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fatalx("%s (run caadm init first)", err);
	v = conf_get(&conf, "icpr_enforce_encryption");
	c->enforce_encryption = v == NULL || strcmp(v, "0") != 0;
	if (!c->enforce_encryption)
		log_warnx("IF_ENFORCEENCRYPTICERTREQUEST is off: calls below packet privacy are "
			  "accepted (icpr_enforce_encryption = 0 in ca.conf)");
	v = conf_get(&conf, "icpr_allow_anonymous");
	c->allow_anonymous = v != NULL && strcmp(v, "1") == 0;
	if (c->allow_anonymous)
		log_warnx("anonymous enrollment is allowed (icpr_allow_anonymous = 1 in ca.conf)");
	v = conf_get(&conf, "icpr_no_rpc");
	c->no_rpc = v != NULL && strcmp(v, "1") == 0;
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

/* As root, the custodian runs as ca-custodian: the SoftHSM token directory named
 * by ca.conf's softhsm2_conf is given to it (the token writes there), and the PIN
 * file, which must stay root's, is opened here and passed as a descriptor. */
static void prepare_custodian_user(struct cad *c)
{
	struct passwd *pw = system_user(CUSTODIAN_USER);
	struct conf conf, hsm;
	char path[PATH_MAX], err[256];
	const char *v, *tokendir;
	struct stat st;

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
			chown_tree(path, pw);
			let_through(dirname(path));
			check_reach(CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, tokendir,
				    R_OK | W_OK | X_OK);
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
	if ((c->pin_fd = open(c->pin_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		fatal("%s", c->pin_file);
	if (fstat(c->pin_fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0)
		fatalx("%s: the PIN file must be a regular file of root's, mode 0600 or 0400",
		       c->pin_file);
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
	struct sigaction sa;
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
	}
	c.epm_fd = listen_on(c.epm, &c.epm_port);
	c.icpr_fd = listen_on(c.icpr, &c.icpr_port);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	start(&c);
	log_info("console socket %s", c.admin_path);
	log_info("appliance up: endpoint mapper on port %d, MS-ICPR on port %d (%s, %s), data "
		 "in %s", c.epm_port, c.icpr_port, c.epm, c.icpr, c.dir);
	return supervise(&c);
}
