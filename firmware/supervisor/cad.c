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
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/supervisor/prepare.h"
#include "firmware/supervisor/start.h"
#include "firmware/supervisor/sup.h"
#include "platform/ipc.h"
#include "platform/log.h"

/* The process handling (the child table, what each end means, restarts and
 * shutdown), the start-up checks and what a start is (the command line,
 * ca.conf's settings, the sockets, each daemon's argv and environment, a
 * worker's key) are libsupervisor's (sup.h, prepare.h, start.h); this file
 * wires them: the channels, the spawns, the order of the steps. */

struct cad {
	const char *dir, *pin_file, *epm, *icpr;
	char bindir[PATH_MAX];
	int exe_fd[SUP_NCHILD]; /* each child's binary, opened by cad (sup_open_binaries) */
	int epm_fd, icpr_fd, icpr_port, epm_port;
	struct cad_settings set;  /* ca.conf's settings for the children (start.h) */
	int pin_fd;              /* as root: the PIN file, opened before the custodian drops */
	uid_t cust_uid;          /* as root: the custodian's user and group */
	gid_t cust_gid;
	int auth_jailed;         /* as root: ca-auth drops to SUP_AUTH_USER in DATA/auth */
	struct ipc_chan control; /* to the custodian */
	struct sup sup;          /* the children (sup.h) */
	char admin_path[PATH_MAX]; /* the console's socket, removed at the end */
	int have_ops_gid;                   /* as root: the group exists, ops_gid is it */
	gid_t ops_gid;
	char ops_gid_arg[24];               /* the custodian's --operators-gid */
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: cad --data DIR [--pin-file FILE] [--epm ADDR:PORT] "
			"[--icpr ADDR:PORT] [--sandbox-selftest]\n");
	exit(2);
}

/* Starts child prog with argv and cad's environ (sup_spawn); fds[i] becomes
 * descriptor 3 + i. With uid != 0 (cad is root) the child becomes uid/gid
 * before exec. */
static pid_t spawn(struct cad *c, enum sup_child prog, char *const argv[], const int *fds, int n,
		   uid_t uid, gid_t gid)
{
	pid_t pid = sup_spawn(c->exe_fd[prog], c->bindir, sup_prog[prog], argv, environ, fds, n,
			      uid, gid);

	if (pid < 0)
		fatal("fork");
	return pid;
}

/* ca-auth with its end of the worker's channel on descriptor 3. As root it is
 * started as root and told its user: it chroots to DATA/auth once gss-ntlmssp
 * is loaded (the loader and the libraries are outside) and then drops to
 * SUP_AUTH_USER itself, as the worker does. spawn() hands the child cad's environ:
 * for ca-auth it is swapped for the minimal one around the fork. */
static pid_t spawn_auth(struct cad *c, int fd, int key_fd, const char *selftest_open)
{
	static char *env[CAD_AUTH_ENV_MAX + 1];
	char **saved = environ, *argv[CAD_ARGV_MAX];
	pid_t pid;

	cad_auth_argv(&c->set, c->dir, c->auth_jailed, selftest_open, key_fd >= 0, argv);
	/* ca-auth's environment: nothing of cad's (which may name the PIN file or
	 * the token), only the sanitizers' options (start.h). */
	cad_auth_environment(environ, env);
	environ = env;
	pid = spawn(c, SUP_AUTH, argv, (int[]){fd, key_fd}, key_fd >= 0 ? 2 : 1, 0, 0);
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
	char msg[256];
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
	if (cad_auth_selftest_verdict(st, msg, sizeof(msg)) != 0)
		fatalx("%s", msg);
	log_info("sandbox self-test of ca-auth passed: %s was not found in its jail and "
		 "an open for writing killed it (SIGSYS)", path);
}

static void start_worker(struct cad *c)
{
	char port[16], eport[16];
	int worker, key_r, apair[2], rc;
	char *argv[CAD_ARGV_MAX];

	/* The custodian's end of the worker's channel and this worker's key
	 * (start.h). A custodian that is gone will be reaped and restarted, the
	 * worker with it. */
	rc = cad_hand_worker_key(&c->control, &worker, &key_r);
	if (rc == -2)
		exit(1);
	if (rc != 0)
		return;
	/* ca-auth's channel: its end on descriptor 3, the worker's on 6; the key
	 * reaches ca-auth through the pipe. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, apair) != 0)
		fatal("socketpair");
	c->sup.pid[SUP_AUTH] = spawn_auth(c, apair[1], key_r, NULL);
	close(apair[1]);
	close(key_r);
	snprintf(port, sizeof(port), "%d", c->icpr_port);
	snprintf(eport, sizeof(eport), "%d", c->epm_port);
	cad_worker_argv(&c->set, port, eport, c->sup.selftest, geteuid() == 0, argv);
	c->sup.pid[SUP_WORKER] = spawn(c, SUP_WORKER, argv,
			  (int[]){worker, c->epm_fd, c->icpr_fd, apair[0]}, 4, 0, 0);
	close(worker);
	close(apair[0]);
	log_info("worker started (pid %d)", (int)c->sup.pid[SUP_WORKER]);
}

/* Starts the ledger and the custodian with their channels (the core: the HSM
 * session and the database). */
static void start_core(struct cad *c)
{
	int lpair[2], cpair[2];
	/* The console's socket (start.h): root's and the operators' group's, 0660,
	 * as root; cad's user's alone otherwise. */
	int afd = cad_listen_admin(c->dir, c->have_ops_gid, c->ops_gid, c->set.ops_group,
				   c->admin_path, sizeof(c->admin_path));
	enum cad_pin pin = c->pin_fd >= 0	  ? CAD_PIN_FD
			   : c->pin_file != NULL ? CAD_PIN_FILE
						 : CAD_PIN_TERMINAL;
	char *argv[CAD_ARGV_MAX];

	if (afd < 0)
		exit(1);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, lpair) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cpair) != 0)
		fatal("socketpair");
	cad_ledger_argv(&c->set, c->dir, argv);
	c->sup.pid[SUP_LEDGER] = spawn(c, SUP_LEDGER, argv, (int[]){lpair[0]}, 1, 0, 0);
	cad_custodian_argv(c->dir, pin, c->pin_file, c->have_ops_gid ? c->ops_gid_arg : NULL,
			   argv);
	c->sup.pid[SUP_CUSTODIAN] = spawn(c, SUP_CUSTODIAN, argv,
					  (int[]){lpair[1], cpair[1], afd, c->pin_fd},
					  pin == CAD_PIN_FD ? 4 : 3, c->cust_uid, c->cust_gid);
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

/* What a start is, for libsupervisor's loop (sup.h). As root the PIN file is
 * opened again for each custodian start (it is root's, mode 0600, and the
 * custodian's user cannot open it). */
static time_t cad_now(void *ctx)
{
	(void)ctx;
	return time(NULL);
}

static int cad_start_core(struct sup *s, void *ctx)
{
	struct cad *c = ctx;

	(void)s;
	if (geteuid() == 0 && c->pin_file != NULL && (c->pin_fd = sup_open_pin(c->pin_file)) < 0)
		exit(1);
	start_core(c);
	return 0;
}

static int cad_start_front(struct sup *s, void *ctx)
{
	(void)s;
	start_worker(ctx);
	return 0;
}

/* The custodian ends when its control channel closes (it finishes what it was
 * doing), the ledger when its only peer, the custodian, is gone. */
static void cad_close_control(void *ctx)
{
	struct cad *c = ctx;

	if (c->control.fd >= 0) {
		ipc_chan_free(&c->control);
		close(c->control.fd);
		c->control.fd = -1;
	}
}

static const struct sup_ops cad_ops = {cad_now, cad_start_core, cad_start_front,
				       cad_close_control};

/* What cad itself needs from DATA/ca.conf (the operator's file). */
static void read_config(struct cad *c)
{
	struct conf conf;
	char path[PATH_MAX], err[256];

	snprintf(path, sizeof(path), "%s/ca.conf", c->dir);
	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fatalx("%s (run caadm init first)", err);
	if (cad_settings_read(&conf, &c->set, err, sizeof(err)) != 0)
		fatalx("%s", err);
#ifdef CONFIG_SECCOMP_LOG
	log_warnx("built with CONFIG_SECCOMP_LOG: the seccomp filters log forbidden calls "
		  "instead of killing (for measuring an allow-list, never for an appliance)");
#endif
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
	static struct cad_args args;
	struct cad c;
	sigset_t sigs;

	log_init("cad");
	memset(&c, 0, sizeof(c));
	sup_init(&c.sup, &cad_ops, &c);
	c.control.fd = -1;
	if (cad_parse_args(argc, argv, &args) != 0)
		usage();
	c.dir = args.dir;
	c.pin_file = args.pin_file;
	c.epm = args.epm;
	c.icpr = args.icpr;
	c.sup.selftest = args.selftest;
	my_bindir(c.bindir, sizeof(c.bindir));
	if (sup_open_binaries(c.bindir, c.exe_fd) != 0)
		exit(1);
	read_config(&c);
	c.pin_fd = -1;
	/* As root: the service users, their directories and what they must reach
	 * (prepare.h); the PIN file is opened here, before the custodian drops. */
	if (geteuid() == 0) {
		if (sup_worker_chroot(SUP_WORKER_CHROOT) != 0 ||
		    sup_system_user(SUP_WORKER_USER, SUP_WORKER_CHROOT) == NULL ||
		    sup_prepare_ledger(c.dir) != 0 ||
		    sup_prepare_custodian(c.dir, &c.cust_uid, &c.cust_gid) != 0 ||
		    (c.pin_file != NULL && (c.pin_fd = sup_open_pin(c.pin_file)) < 0) ||
		    sup_prepare_auth(c.dir) != 0)
			exit(1);
		c.auth_jailed = 1;
		if (sup_operators_group(c.set.ops_group, &c.ops_gid) != 0)
			exit(1);
		c.have_ops_gid = 1;
		snprintf(c.ops_gid_arg, sizeof(c.ops_gid_arg), "%lu", (unsigned long)c.ops_gid);
	}
	if (c.sup.selftest)
		selftest_auth(&c);
	if ((c.epm_fd = cad_listen(c.epm, &c.epm_port)) < 0 ||
	    (c.icpr_fd = cad_listen(c.icpr, &c.icpr_port)) < 0)
		exit(1);
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
	int rc = sup_run(&c.sup, &sigs);
	if (c.admin_path[0] != 0)
		(void)unlink(c.admin_path);
	return rc;
}
