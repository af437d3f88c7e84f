/* Unit tests of cad's start-up checks (firmware/supervisor/prepare.c) and of
 * sup_spawn (sup.c), in temporary directories. What must hold
 * (firmware/supervisor/README.md): cad refuses to start, naming the path and the
 * user, when a service user cannot reach what it needs; the directories it gives
 * the users get the owner and mode they must have, without following links; the
 * PIN file must be root's, 0600 or 0400, and no link; the binaries must be
 * executable files; a child gets exactly the descriptors, environment,
 * credentials and signal mask cad gives it. The kernel is the oracle for reach
 * (access() as the user); the checks that change owners need root and are
 * skipped otherwise. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/supervisor/prepare.h"
#include "firmware/supervisor/sup.h"
#include "platform/log.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/data_dir.h"

#define NOBODY 65534

/* ---- the system refusing (unit.mk links this test with --wrap=pipe2,fork,
 * waitpid,chmod,lchown) ----
 * fault.fn names the call that fails with fault.err after `after` calls that go
 * through; every other call passes to the real one. */
static struct {
	const char *fn;
	int err, after;
} fault;

static int faulty(const char *fn)
{
	if (fault.fn == NULL || strcmp(fault.fn, fn) != 0 || fault.after-- > 0)
		return 0;
	fault.fn = NULL;
	errno = fault.err;
	return 1;
}

static void fail_next(const char *fn, int err, int after)
{
	fault.fn = fn;
	fault.err = err;
	fault.after = after;
}

int __real_pipe2(int fds[2], int flags);
int __wrap_pipe2(int fds[2], int flags);
int __wrap_pipe2(int fds[2], int flags)
{
	return faulty("pipe2") ? -1 : __real_pipe2(fds, flags);
}

pid_t __real_fork(void);
pid_t __wrap_fork(void);
pid_t __wrap_fork(void)
{
	return faulty("fork") ? -1 : __real_fork();
}

pid_t __real_waitpid(pid_t pid, int *st, int options);
pid_t __wrap_waitpid(pid_t pid, int *st, int options);
pid_t __wrap_waitpid(pid_t pid, int *st, int options)
{
	return faulty("waitpid") ? -1 : __real_waitpid(pid, st, options);
}

int __real_chmod(const char *path, mode_t mode);
int __wrap_chmod(const char *path, mode_t mode);
int __wrap_chmod(const char *path, mode_t mode)
{
	return faulty("chmod") ? -1 : __real_chmod(path, mode);
}

int __real_lchown(const char *path, uid_t uid, gid_t gid);
int __wrap_lchown(const char *path, uid_t uid, gid_t gid);
int __wrap_lchown(const char *path, uid_t uid, gid_t gid)
{
	return faulty("lchown") ? -1 : __real_lchown(path, uid, gid);
}

static char dir[64];
static const char *at(const char *name)
{
	static char path[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static uid_t owner_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_uid;
}

static int setup(void **state)
{
	(void)state;
	memset(&fault, 0, sizeof(fault));
	snprintf(dir, sizeof(dir), "/tmp/test_prepare.XXXXXX");
	assert_non_null(mkdtemp(dir));
	/* The users must pass through the test's directory. */
	assert_int_equal(chmod(dir, 0711), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

static void binaries_must_be_executable_files(void **state)
{
	int fd[SUP_NCHILD];

	(void)state;
	for (int i = 0; i < SUP_NCHILD; i++)
		write_text_file(at(sup_prog[i]), "#!/bin/sh\n", 0755);
	assert_int_equal(sup_open_binaries(dir, fd), 0);
	for (int i = 0; i < SUP_NCHILD; i++) {
		assert_true(fd[i] > 2);
		assert_int_equal(fcntl(fd[i], F_GETFD), FD_CLOEXEC);
		close(fd[i]);
	}
	/* Not executable. */
	chmod(at("ca-worker"), 0644);
	log_begin();
	assert_int_equal(sup_open_binaries(dir, fd), -1);
	log_end_quiet();
	assert_logged("ca-worker: not an executable file");
	/* A directory. */
	unlink(at("ca-worker"));
	mkdir(at("ca-worker"), 0755);
	log_begin();
	assert_int_equal(sup_open_binaries(dir, fd), -1);
	log_end_quiet();
	assert_logged("ca-worker: not an executable file");
	/* Missing. */
	rmdir(at("ca-worker"));
	log_begin();
	assert_int_equal(sup_open_binaries(dir, fd), -1);
	log_end_quiet();
	assert_logged("cannot open ");
	assert_logged("/ca-worker: No such file or directory");
}

static void reach_names_the_directory_a_user_cannot_pass(void **state)
{
	(void)state;
	need_root();
	mkdir(at("a"), 0700);
	mkdir(at("a/b"), 0755);
	write_text_file(at("a/b/file"), "x", 0644);
	/* root passes anywhere. */
	assert_int_equal(sup_check_reach("root", 0, 0, at("a/b/file"), R_OK | W_OK), 0);
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", NOBODY, NOBODY, at("a/b/file"), R_OK), -1);
	log_end_quiet();
	char want[512];
	snprintf(want, sizeof(want),
		 "the user ca-test cannot pass through %s, above %s: give it search permission "
		 "on every directory above (chmod o+x), or move the data where it can",
		 at("a"), at("a/b/file"));
	assert_logged(want);
	/* Let through: now the file itself is what it cannot write. */
	chmod(at("a"), 0711);
	assert_int_equal(sup_check_reach("ca-test", NOBODY, NOBODY, at("a/b/file"), R_OK), 0);
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", NOBODY, NOBODY, at("a/b/file"), W_OK), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "the user ca-test cannot reach %s: ", at("a/b/file"));
	assert_logged(want);
	/* A relative path is walked from / through the cwd. */
	char cwd[256];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(at("a")), 0);
	chmod(at("a"), 0700);
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", NOBODY, NOBODY, "b/file", R_OK), -1);
	log_end_quiet();
	assert_int_equal(chdir(cwd), 0);
	snprintf(want, sizeof(want), "cannot pass through %s, above %s/b/file", at("a"),
		 at("a"));
	assert_logged(want);
	/* Missing. */
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", NOBODY, NOBODY, at("none"), R_OK), -1);
	log_end_quiet();
	assert_logged("cannot reach ");
}

static void let_through_adds_search_and_never_listing(void **state)
{
	(void)state;
	mkdir(at("d"), 0700);
	assert_int_equal(sup_let_through(at("d")), 0);
	assert_int_equal(mode_of(at("d")), 0711);
	mkdir(at("e"), 0750);
	chmod(at("e"), 02750);
	assert_int_equal(sup_let_through(at("e")), 0);
	assert_int_equal(mode_of(at("e")), 02751); /* setgid kept */
	assert_int_equal(sup_let_through(at("e")), 0); /* already: unchanged */
	assert_int_equal(mode_of(at("e")), 02751);
	write_text_file(at("f"), "", 0600);
	log_begin();
	assert_int_equal(sup_let_through(at("f")), -1);
	assert_int_equal(sup_let_through(at("none")), -1);
	log_end_quiet();
	assert_logged(at("none"));
	assert_int_equal(mode_of(at("f")), 0600);
}

static void chown_tree_gives_everything_and_follows_no_link(void **state)
{
	(void)state;
	need_root();
	mkdir(at("t"), 0700);
	mkdir(at("t/sub"), 0700);
	write_text_file(at("t/sub/x"), "x", 0600);
	write_text_file(at("outside"), "x", 0600);
	assert_int_equal(symlink(at("outside"), at("t/link")), 0);
	assert_int_equal(sup_chown_tree(at("t"), NOBODY, NOBODY, "nobody"), 0);
	assert_int_equal(owner_of(at("t")), NOBODY);
	assert_int_equal(owner_of(at("t/sub")), NOBODY);
	assert_int_equal(owner_of(at("t/sub/x")), NOBODY);
	assert_int_equal(owner_of(at("t/link")), NOBODY); /* the link itself */
	assert_int_equal(owner_of(at("outside")), 0);     /* not what it names */
	log_begin();
	assert_int_equal(sup_chown_tree(at("none"), NOBODY, NOBODY, "nobody"), -1);
	log_end_quiet();
	assert_logged("cannot give ");
	assert_logged(" to nobody");
}

static void make_dir_keeps_what_is_there(void **state)
{
	(void)state;
	umask(022);
	assert_int_equal(sup_make_dir(at("m"), 0700), 0);
	assert_int_equal(mode_of(at("m")), 0700);
	chmod(at("m"), 0750);
	assert_int_equal(sup_make_dir(at("m"), 0700), 0);
	assert_int_equal(mode_of(at("m")), 0750);
	log_begin();
	assert_int_equal(sup_make_dir(at("no/such"), 0700), -1);
	log_end_quiet();
	assert_logged("no/such: No such file or directory");
}

static void system_user_finds_or_refuses(void **state)
{
	struct passwd *pw;

	(void)state;
	pw = sup_system_user("root", "/var/empty");
	assert_non_null(pw);
	assert_int_equal(pw->pw_uid, 0);
	need_root();
	/* A name useradd refuses: no user is made, and cad says so. */
	log_begin();
	assert_null(sup_system_user("bad:name", "/var/empty"));
	log_end_quiet();
	assert_logged("cannot create the user bad:name");
	assert_null(getpwnam("bad:name"));
}

/* The console's group: an existing one gives its gid; root's group is refused
 * (operators are not root); a name groupadd refuses makes no group. */
static void operators_group_finds_or_refuses(void **state)
{
	struct group *daemon_gr = getgrnam("daemon");
	gid_t gid = 12345;

	(void)state;
	assert_non_null(daemon_gr);
	assert_int_equal(sup_operators_group("daemon", &gid), 0);
	assert_int_equal(gid, daemon_gr->gr_gid);
	log_begin();
	assert_int_equal(sup_operators_group("root", &gid), -1);
	log_end_quiet();
	assert_logged("ca.conf operators_group root is root's group: operators are not root");
	need_root();
	log_begin();
	assert_int_equal(sup_operators_group("bad:name", &gid), -1);
	log_end_quiet();
	assert_logged("cannot create the group bad:name (ca.conf operators_group)");
	assert_null(getgrnam("bad:name"));
}

static void the_worker_chroot_must_be_roots_and_closed(void **state)
{
	(void)state;
	need_root();
	assert_int_equal(sup_worker_chroot(at("empty")), 0);
	assert_int_equal(mode_of(at("empty")) & 0222, 0);
	chmod(at("empty"), 0777);
	log_begin();
	assert_int_equal(sup_worker_chroot(at("empty")), -1);
	log_end_quiet();
	assert_logged("must be owned by root and not writable by others");
	chmod(at("empty"), 0555);
	assert_int_equal(chown(at("empty"), NOBODY, NOBODY), 0);
	log_begin();
	assert_int_equal(sup_worker_chroot(at("empty")), -1);
	log_end_quiet();
	assert_logged("must be owned by root");
	log_begin();
	assert_int_equal(sup_worker_chroot(at("no/such")), -1);
	log_end_quiet();
}

static void the_pin_file_must_be_roots_0600_and_no_link(void **state)
{
	int fd;

	(void)state;
	need_root();
	write_text_file(at("pin"), "1234", 0600);
	assert_true((fd = sup_open_pin(at("pin"))) >= 0);
	close(fd);
	chmod(at("pin"), 0400);
	assert_true((fd = sup_open_pin(at("pin"))) >= 0);
	close(fd);
	static const mode_t bad[] = {0640, 0604, 0610};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		chmod(at("pin"), bad[i]);
		log_begin();
		assert_int_equal(sup_open_pin(at("pin")), -1);
		log_end_quiet();
		assert_logged(": the PIN file must be a regular file of root's, mode 0600 or 0400");
	}
	chmod(at("pin"), 0600);
	assert_int_equal(chown(at("pin"), NOBODY, 0), 0);
	log_begin();
	assert_int_equal(sup_open_pin(at("pin")), -1);
	log_end_quiet();
	assert_logged("must be a regular file of root's");
	/* A link to a good one, a directory, nothing. */
	write_text_file(at("good"), "1234", 0600);
	assert_int_equal(symlink(at("good"), at("link")), 0);
	mkdir(at("dir"), 0700);
	log_begin();
	assert_int_equal(sup_open_pin(at("link")), -1);
	assert_int_equal(sup_open_pin(at("dir")), -1);
	assert_int_equal(sup_open_pin(at("none")), -1);
	log_end_quiet();
	assert_logged("link: Too many levels of symbolic links");
	assert_logged("none: No such file or directory");
}

static struct passwd *user(const char *name)
{
	struct passwd *pw = sup_system_user(name, SUP_WORKER_CHROOT);

	assert_non_null(pw);
	return pw;
}

static void the_ledger_gets_its_directory(void **state)
{
	(void)state;
	need_root();
	mkdir(at("data"), 0700);
	assert_int_equal(sup_prepare_ledger(at("data")), 0);
	assert_int_equal(mode_of(at("data")), 0711);
	assert_int_equal(mode_of(at("data/ledger")), 0700);
	assert_int_equal(owner_of(at("data/ledger")), user(SUP_LEDGER_USER)->pw_uid);
	/* Data below a directory the user cannot pass. */
	mkdir(at("locked"), 0700);
	mkdir(at("locked/data"), 0700);
	log_begin();
	assert_int_equal(sup_prepare_ledger(at("locked/data")), -1);
	log_end_quiet();
	char want[256];
	snprintf(want, sizeof(want), "the user ca-ledger cannot pass through %s, above",
		 at("locked"));
	assert_logged(want);
	log_begin();
	assert_int_equal(sup_prepare_ledger(at("none")), -1);
	log_end_quiet();
}

/* DATA with ca.conf naming a module and a SoftHSM configuration. */
static void custodian_data(const char *extra)
{
	char conf[1024];

	mkdir(at("data"), 0700);
	mkdir(at("tokens"), 0700);
	write_text_file(at("module.so"), "", 0644);
	snprintf(conf, sizeof(conf), "directories.tokendir = %s\n", at("tokens"));
	write_text_file(at("softhsm2.conf"), conf, 0644);
	snprintf(conf, sizeof(conf), "module = %s\nsofthsm2_conf = %s\n%s", at("module.so"),
		 at("softhsm2.conf"), extra);
	write_text_file(at("data/ca.conf"), conf, 0644);
}

static void the_custodian_gets_its_token_and_directories(void **state)
{
	uid_t uid = 0;
	gid_t gid = 0;

	(void)state;
	need_root();
	custodian_data("p11_kit_server_address = unix:path=/nonexistent/socket\n");
	write_text_file(at("tokens/t"), "x", 0600);
	log_begin();
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), 0);
	log_end_quiet();
	assert_logged("the HSM's socket /nonexistent/socket is not there (yet)");
	struct passwd *pw = user(SUP_CUSTODIAN_USER);
	assert_int_equal(uid, pw->pw_uid);
	assert_int_equal(gid, pw->pw_gid);
	assert_int_equal(owner_of(at("tokens")), uid);
	assert_int_equal(owner_of(at("tokens/t")), uid);
	assert_int_equal(owner_of(at("data/crl")), uid);
	assert_int_equal(mode_of(at("data/crl")), 0755);
	assert_int_equal(owner_of(at("data/operators")), uid);
	assert_int_equal(mode_of(at("data/operators")), 0700);
	assert_int_equal(owner_of(at("data/ca.conf")), 0); /* read, not given */
}

static void the_custodian_must_reach_what_ca_conf_names(void **state)
{
	uid_t uid;
	gid_t gid;

	(void)state;
	need_root();
	/* A module it cannot read. */
	custodian_data("");
	chmod(at("module.so"), 0600);
	log_begin();
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), -1);
	log_end_quiet();
	char want[256];
	snprintf(want, sizeof(want), "the user ca-custodian cannot reach %s", at("module.so"));
	assert_logged(want);
	/* A SoftHSM configuration that is not there. */
	chmod(at("module.so"), 0644);
	unlink(at("softhsm2.conf"));
	log_begin();
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), -1);
	log_end_quiet();
	assert_logged("softhsm2.conf");
	/* A p11-kit server's socket that is there but not writable. */
	custodian_data("");
	write_text_file(at("sock"), "", 0600);
	char extra[256];
	snprintf(extra, sizeof(extra), "p11_kit_server_address = unix:path=%s\n", at("sock"));
	custodian_data(extra);
	log_begin();
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "the user ca-custodian cannot reach %s", at("sock"));
	assert_logged(want);
	/* No ca.conf. */
	unlink(at("data/ca.conf"));
	log_begin();
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), -1);
	log_end_quiet();
	assert_logged("ca.conf");
}

/* A token directory mounted read-only while the CA serves: nothing is given to
 * the custodian then, it must only read. A mount namespace of the test's own
 * holds the read-only mount. */
static void a_read_only_token_is_only_read(void **state)
{
	uid_t uid;
	gid_t gid;

	(void)state;
	need_root();
	custodian_data("");
	write_text_file(at("tokens/t"), "x", 0644);
	chmod(at("tokens"), 0755);
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		skip();
	assert_int_equal(mount(at("tokens"), at("tokens"), NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, at("tokens"), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL),
			 0);
	log_begin();
	int rc = sup_prepare_custodian(at("data"), &uid, &gid);
	log_end_quiet();
	assert_int_equal(rc, 0);
	char want[256];
	snprintf(want, sizeof(want), "the token directory %s is read-only", at("tokens"));
	assert_logged(want);
	assert_int_equal(owner_of(at("tokens/t")), 0); /* not given */
	/* One the custodian cannot read: refused. */
	umount(at("tokens"));
	chmod(at("tokens"), 0700);
	assert_int_equal(mount(at("tokens"), at("tokens"), NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, at("tokens"), NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL),
			 0);
	log_begin();
	rc = sup_prepare_custodian(at("data"), &uid, &gid);
	log_end_quiet();
	umount(at("tokens"));
	assert_int_equal(rc, -1);
	snprintf(want, sizeof(want), "the user ca-custodian cannot reach %s", at("tokens"));
	assert_logged(want);
}

/* What ca.conf may leave out, and what else it may name. */
static void ca_conf_variants(void **state)
{
	uid_t uid;
	gid_t gid;

	(void)state;
	need_root();
	/* No module, no SoftHSM: nothing but DATA to check. */
	mkdir(at("data"), 0700);
	write_text_file(at("data/ca.conf"), "token = x\n", 0644);
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), 0);
	/* A SoftHSM configuration without a token directory; a p11-kit server
	 * that is no unix socket; one that is there and writable. */
	write_text_file(at("softhsm2.conf"), "log.level = ERROR\n", 0644);
	write_text_file(at("sock"), "", 0666);
	char conf[512];
	snprintf(conf, sizeof(conf), "softhsm2_conf = %s\np11_kit_server_address = tcp:1\n",
		 at("softhsm2.conf"));
	write_text_file(at("data/ca.conf"), conf, 0644);
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), 0);
	snprintf(conf, sizeof(conf), "p11_kit_server_address = unix:path=%s\n", at("sock"));
	write_text_file(at("data/ca.conf"), conf, 0644);
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), 0);
	/* ca.conf the custodian cannot read. */
	chmod(at("data/ca.conf"), 0600);
	log_begin();
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), -1);
	log_end_quiet();
	char want[256];
	snprintf(want, sizeof(want), "the user ca-custodian cannot reach %s", at("data/ca.conf"));
	assert_logged(want);
}

static void a_relative_path_too_long(void **state)
{
	char path[PATH_MAX];

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", getuid(), getgid(), path, R_OK), -1);
	log_end_quiet();
	assert_logged("cad: fatal: path too long (4095 octets from ");
}

static void ca_auth_gets_a_closed_directory(void **state)
{
	(void)state;
	need_root();
	mkdir(at("data"), 0700);
	mkdir(at("data/auth"), 0755);
	write_text_file(at("data/auth/accounts"), "", 0600);
	assert_int_equal(sup_prepare_auth(at("data")), 0);
	uid_t uid = user(SUP_AUTH_USER)->pw_uid;
	assert_int_equal(mode_of(at("data/auth")), 0700);
	assert_int_equal(owner_of(at("data/auth")), uid);
	assert_int_equal(owner_of(at("data/auth/accounts")), uid);
	log_begin();
	assert_int_equal(sup_prepare_auth(at("none")), -1);
	log_end_quiet();
}

/* sup_spawn runs /bin/sh from a descriptor with script; returns its wait status
 * and what it wrote on descriptor 3 in out. */
static int spawn_sh(const char *script, char *const envp[], uid_t uid, char *out, size_t len,
		    int exe)
{
	int p[2], st;
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	pid_t pid;
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	pid = sup_spawn(exe, "/bin", "sh", argv, envp, (int[]){p[1]}, 1, uid, uid);
	assert_true(pid > 0);
	close(p[1]);
	size_t got = 0;
	while (got < len - 1 && (n = read(p[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void spawn_gives_exactly_the_descriptors_environment_and_user(void **state)
{
	char out[256];
	int exe = open("/bin/sh", O_PATH | O_CLOEXEC), st;
	sigset_t block, old;

	(void)state;
	assert_true(exe >= 0);
	/* cad blocks these; the child gets an empty mask (read by sh itself, not
	 * by a command it forks, while it waits with all blocked). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	/* A descriptor of cad's that must not reach the child, nor the binary's
	 * (4, after the one channel: closed by the exec). */
	int extra = open("/dev/null", O_RDONLY);
	char script[512];
	snprintf(script, sizeof(script),
		 "echo \"$X $(id -u)\" >&3; [ -e /proc/$$/fd/%d ] && exit 9; "
		 "[ -e /proc/$$/fd/4 ] && exit 4; "
		 "while read k v; do [ \"$k\" = SigBlk: ] && echo \"$v\" >&3; done "
		 "</proc/$$/status; exit 0",
		 extra);
	st = spawn_sh(script, (char *[]){"X=given", NULL}, 0, out, sizeof(out), exe);
	close(extra);
	sigprocmask(SIG_SETMASK, &old, NULL);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_string_equal(out, "given 0\n0000000000000000\n");
	/* Another user, no supplementary groups. */
	if (geteuid() == 0) {
		st = spawn_sh("echo \"$(id -u) $(id -G)\" >&3", (char *[]){NULL}, NOBODY, out,
			      sizeof(out), exe);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_string_equal(out, "65534 65534\n");
	}
	close(exe);
	/* A descriptor that is no program: 127, with the reason. */
	int bad = open("/etc/passwd", O_PATH | O_CLOEXEC);
	assert_true(bad >= 0);
	log_begin();
	st = spawn_sh("exit 0", (char *[]){NULL}, 0, out, sizeof(out), bad);
	log_end_quiet();
	close(bad);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	assert_logged("cad: cannot run /bin/sh as uid 0: Permission denied");
	/* More descriptors than a child takes. */
	int fds[9] = {0};
	assert_int_equal(sup_spawn(0, "/bin", "sh", (char *[]){NULL}, (char *[]){NULL}, fds, 9,
				   0, 0),
			 -1);
}

/* A child that cannot take the descriptors it is given, nor its binary's, nor
 * the credentials it is told: 127, and never the program. */
static void spawn_refuses_what_the_child_cannot_take(void **state)
{
	int exe = open("/bin/sh", O_PATH | O_CLOEXEC), st, p[2];
	char *argv[] = {"sh", "-c", "echo ran >&3", NULL};
	char out[16];
	pid_t pid;

	(void)state;
	assert_true(exe >= 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	/* a channel that is no descriptor */
	pid = sup_spawn(exe, "/bin", "sh", argv, (char *[]){NULL}, (int[]){-1}, 1, 0, 0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	/* a binary that is no descriptor */
	pid = sup_spawn(-1, "/bin", "sh", argv, (char *[]){NULL}, (int[]){p[1]}, 1, 0, 0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	if (geteuid() == 0) {
		/* a group that cannot be taken: named, not run */
		log_begin();
		pid = sup_spawn(exe, "/bin", "sh", argv, (char *[]){NULL}, (int[]){p[1]}, 1, NOBODY,
				(gid_t)-1);
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		log_end_quiet();
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 127);
		assert_logged("cad: cannot become uid 65534 for sh\n");
	}
	close(p[1]);
	assert_int_equal(read(p[0], out, sizeof(out)), 0); /* nothing ran */
	close(p[0]);
	close(exe);
}

/* The reach check itself failing (credentials the child cannot take, an
 * absolute path longer than PATH_MAX): refused, naming the path. */
static void reach_refuses_when_it_cannot_check(void **state)
{
	static char path[PATH_MAX + 64];
	char want[300];

	(void)state;
	need_root();
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", NOBODY, (gid_t)-1, dir, R_OK), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "the user ca-test cannot reach %s: give it search", dir);
	assert_logged(want);
	/* every directory above is passable ("/" repeated), the path too long */
	for (size_t i = 0; i < sizeof(path) - 1; i++)
		path[i] = '/';
	path[sizeof(path) - 1] = 0;
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", NOBODY, NOBODY, path, R_OK), -1);
	log_end_quiet();
	assert_logged("the user ca-test cannot reach ");
}

/* What cad gives a user must be a directory it can use: a file where DATA/ledger
 * or DATA/crl goes is refused, naming it. */
static void a_file_where_a_directory_goes_is_refused(void **state)
{
	uid_t uid;
	gid_t gid;
	char want[256];

	(void)state;
	need_root();
	mkdir(at("data"), 0700);
	write_text_file(at("data/ledger"), "", 0600);
	log_begin();
	assert_int_equal(sup_prepare_ledger(at("data")), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "the user ca-ledger cannot reach %s", at("data/ledger"));
	assert_logged(want);
	custodian_data("");
	write_text_file(at("data/crl"), "", 0644);
	log_begin();
	assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "the user ca-custodian cannot reach %s", at("data/crl"));
	assert_logged(want);
	/* DATA that is not there: refused before anything is made */
	log_begin();
	assert_int_equal(sup_prepare_custodian(at("none"), &uid, &gid), -1);
	log_end_quiet();
	assert_logged(at("none"));
	assert_int_equal(access(at("none"), F_OK), -1);
}

/* Open descriptors of the test's process. */
static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* The reach check when the system refuses it a pipe, a child or the child's
 * status: refused, naming the path and the user, no descriptor left behind; a
 * wait interrupted is waited again. */
static void reach_when_the_system_refuses(void **state)
{
	int before = open_fds();
	char want[300];

	(void)state;
	fail_next("pipe2", EMFILE, 0);
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", getuid(), getgid(), dir, R_OK), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "cad: fatal: cannot check %s for ca-test: Too many open files",
		 dir);
	assert_logged(want);
	fail_next("fork", EAGAIN, 0);
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", getuid(), getgid(), dir, R_OK), -1);
	log_end_quiet();
	snprintf(want, sizeof(want),
		 "cad: fatal: cannot check %s for ca-test: Resource temporarily unavailable", dir);
	assert_logged(want);
	assert_int_equal(open_fds(), before);
	/* interrupted once: waited again, the answer as ever */
	fail_next("waitpid", EINTR, 0);
	assert_int_equal(sup_check_reach("ca-test", getuid(), getgid(), dir, R_OK), 0);
	/* the child's status lost: refused (the child reaped here after) */
	fail_next("waitpid", ECHILD, 0);
	log_begin();
	assert_int_equal(sup_check_reach("ca-test", getuid(), getgid(), dir, R_OK), -1);
	log_end_quiet();
	assert_logged("cad: fatal: waitpid: No child processes");
	while (waitpid(-1, NULL, 0) > 0)
		;
	assert_int_equal(open_fds(), before);
}

/* useradd and groupadd that cannot be run (no child, or its status lost): no
 * user, no group, and cad says so. */
static void tools_that_cannot_run_refuse(void **state)
{
	gid_t gid;

	(void)state;
	assert_null(getpwnam("ca-test-nouser"));
	fail_next("fork", EAGAIN, 0);
	log_begin();
	assert_null(sup_system_user("ca-test-nouser", "/var/empty"));
	log_end_quiet();
	assert_logged("cad: fatal: cannot create the user ca-test-nouser");
	assert_null(getgrnam("ca-test-nogroup"));
	fail_next("fork", EAGAIN, 0);
	log_begin();
	assert_int_equal(sup_operators_group("ca-test-nogroup", &gid), -1);
	log_end_quiet();
	assert_logged("cad: fatal: cannot create the group ca-test-nogroup (ca.conf "
		      "operators_group)");
	/* a tool whose end cad cannot learn: refused (a name that it would refuse
	 * anyway, so that nothing is made) */
	fail_next("waitpid", ECHILD, 0);
	log_begin();
	assert_null(sup_system_user("bad:name", "/var/empty"));
	log_end_quiet();
	assert_logged("cannot create the user bad:name");
	while (waitpid(-1, NULL, 0) > 0)
		;
	assert_null(getpwnam("ca-test-nouser"));
	assert_null(getgrnam("ca-test-nogroup"));
}

/* Permissions and owners the system refuses to change: refused with the path. */
static void changes_the_system_refuses(void **state)
{
	char want[300];

	(void)state;
	mkdir(at("closed"), 0700);
	fail_next("chmod", EPERM, 0);
	log_begin();
	assert_int_equal(sup_let_through(at("closed")), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "cad: fatal: chmod %s: Operation not permitted",
		 at("closed"));
	assert_logged(want);
	assert_int_equal(mode_of(at("closed")), 0700);
	need_root();
	write_text_file(at("closed/f"), "", 0600);
	fail_next("lchown", EPERM, 1); /* the directory given, its file refused */
	log_begin();
	assert_int_equal(sup_chown_tree(at("closed"), NOBODY, NOBODY, "nobody"), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "cannot give %s", at("closed"));
	assert_logged(want);
	assert_logged(": Operation not permitted");
	/* an entry whose owner is right but whose group is not: given too */
	assert_int_equal(lchown(at("closed/f"), NOBODY, 0), 0);
	assert_int_equal(lchown(at("closed"), NOBODY, NOBODY), 0);
	assert_int_equal(sup_chown_tree(at("closed"), NOBODY, NOBODY, "nobody"), 0);
	{
		struct stat st;

		assert_int_equal(lstat(at("closed/f"), &st), 0);
		assert_int_equal(st.st_gid, NOBODY);
	}
	/* the token directory the custodian cannot be given */
	{
		uid_t uid;
		gid_t gid;

		custodian_data("");
		fail_next("lchown", EPERM, 0);
		log_begin();
		assert_int_equal(sup_prepare_custodian(at("data"), &uid, &gid), -1);
		log_end_quiet();
		snprintf(want, sizeof(want), "cannot give %s to uid", at("tokens"));
		assert_logged(want);
		assert_int_equal(owner_of(at("tokens")), 0);
	}
	/* ca-auth's directory given but not closed */
	mkdir(at("data"), 0700);
	fail_next("chmod", EPERM, 0);
	log_begin();
	assert_int_equal(sup_prepare_auth(at("data")), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "cad: fatal: chmod %s: Operation not permitted",
		 at("data/auth"));
	assert_logged(want);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(binaries_must_be_executable_files),
		T(reach_names_the_directory_a_user_cannot_pass),
		T(let_through_adds_search_and_never_listing),
		T(chown_tree_gives_everything_and_follows_no_link),
		T(make_dir_keeps_what_is_there),
		T(system_user_finds_or_refuses),
		T(operators_group_finds_or_refuses),
		T(the_worker_chroot_must_be_roots_and_closed),
		T(the_pin_file_must_be_roots_0600_and_no_link),
		T(the_ledger_gets_its_directory),
		T(the_custodian_gets_its_token_and_directories),
		T(the_custodian_must_reach_what_ca_conf_names),
		T(a_read_only_token_is_only_read),
		T(ca_conf_variants),
		T(a_relative_path_too_long),
		T(ca_auth_gets_a_closed_directory),
		T(spawn_gives_exactly_the_descriptors_environment_and_user),
		T(spawn_refuses_what_the_child_cannot_take),
		T(reach_refuses_when_it_cannot_check),
		T(a_file_where_a_directory_goes_is_refused),
		T(reach_when_the_system_refuses),
		T(tools_that_cannot_run_refuse),
		T(changes_the_system_refuses),
	};
	log_init("cad");
	setvbuf(stdout, NULL, _IONBF, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
