/* cad's start-up checks (prepare.h). */
#include "firmware/supervisor/prepare.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firmware/common/datadir.h"
#include "platform/conf.h"
#include "platform/log.h"

int sup_open_binaries(const char *bindir, int exe_fd[SUP_NCHILD])
{
	char path[PATH_MAX + 32];
	struct stat st;

	for (int i = 0; i < SUP_NCHILD; i++)
		exe_fd[i] = -1;
	/* O_PATH is enough for execveat: the kernel checks the execute bit against
	 * the new credentials; the programs are ELF, so no interpreter needs the
	 * descriptor's /proc path after exec. */
	for (int i = 0; i < SUP_NCHILD; i++) {
		snprintf(path, sizeof(path), "%s/%s", bindir, sup_prog[i]);
		if ((exe_fd[i] = open(path, O_PATH | O_CLOEXEC)) < 0) {
			log_fail("cannot open %s", path);
			return -1;
		}
		if (fstat(exe_fd[i], &st) != 0 || !S_ISREG(st.st_mode) ||
		    (st.st_mode & 0111) == 0) {
			log_failx("%s: not an executable file", path);
			return -1;
		}
	}
	return 0;
}

/* The child of sup_check_reach, with exactly uid/gid: each directory above
 * path, then path itself; the first that fails is written to fd. Exit status
 * 0: reachable; 2: the prefix written; 1: the check itself failed. */
static void __attribute__((noreturn)) reach_child(int fd, uid_t uid, gid_t gid,
						  const char *path, int mode)
{
	char prefix[PATH_MAX];
	ssize_t n;

	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
		_exit(1);
	for (size_t i = 1, len = strlen(path); i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		if (i >= sizeof(prefix))
			_exit(1);
		memcpy(prefix, path, i);
		prefix[i] = 0;
		if (access(prefix, i == len ? mode : X_OK) != 0) {
			n = write(fd, prefix, i);
			_exit(n == (ssize_t)i ? 2 : 1);
		}
	}
	_exit(0);
}

int sup_check_reach(const char *user, uid_t uid, gid_t gid, const char *path, int mode)
{
	char prefix[PATH_MAX], abs[PATH_MAX];
	int pfd[2], st;
	pid_t pid;
	ssize_t n;

	/* A relative path is walked from / too: the cwd's directories count. */
	if (path[0] != '/') {
		if (getcwd(prefix, sizeof(prefix)) == NULL) {
			log_fail("cannot check %s for %s: getcwd", path, user);
			return -1;
		}
		if (snprintf(abs, sizeof(abs), "%s/%s", prefix, path) >= (int)sizeof(abs)) {
			/* The reason first: a log line is cut at its buffer. */
			log_failx("path too long (%zu octets from %s): %.64s...", strlen(path),
				  prefix, path);
			return -1;
		}
		path = abs;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		log_fail("cannot check %s for %s", path, user);
		return -1;
	}
	if ((pid = fork()) < 0) {
		log_fail("cannot check %s for %s", path, user);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		reach_child(pfd[1], uid, gid, path, mode);
	}
	close(pfd[1]);
	n = read(pfd[0], prefix, sizeof(prefix) - 1);
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			log_fail("waitpid");
			return -1;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	prefix[n > 0 ? n : 0] = 0;
	int above = n > 0 && strcmp(prefix, path) != 0;
	log_failx("the user %s cannot %s %s%s%s: give it search permission on every directory "
		  "above (chmod o+x), or move the data where it can",
		  user, above ? "pass through" : "reach", n > 0 ? prefix : path,
		  above ? ", above " : "", above ? path : "");
	return -1;
}

int sup_let_through(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_fail("%s", path);
		return -1;
	}
	if ((st.st_mode & 011) != 011 && chmod(path, (st.st_mode & 07777) | 011) != 0) {
		log_fail("chmod %s", path);
		return -1;
	}
	return 0;
}

/* nftw has no argument for its callback: the owner to give, for one walk at a
 * time (cad is single-threaded). */
static uid_t tree_uid;
static gid_t tree_gid;

static int chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if ((st->st_uid != tree_uid || st->st_gid != tree_gid) &&
	    lchown(path, tree_uid, tree_gid) != 0) {
		log_fail("cannot give %s to uid %d", path, (int)tree_uid);
		return 1;
	}
	return 0;
}

int sup_chown_tree(const char *path, uid_t uid, gid_t gid, const char *owner)
{
	int rc;

	tree_uid = uid;
	tree_gid = gid;
	if ((rc = nftw(path, chown_one, 16, FTW_PHYS)) != 0) {
		if (rc < 0)
			log_fail("cannot give %s to %s", path, owner);
		return -1;
	}
	return 0;
}

int sup_make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) != 0 && errno != EEXIST) {
		log_fail("%s", path);
		return -1;
	}
	return 0;
}

/* Runs /usr/sbin/TOOL with argv (useradd, groupadd: the shadow tools keep
 * /etc/passwd, /etc/group and their locks right); 0 when it exited 0. */
static int run_tool(const char *path, char *const argv[])
{
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		execv(path, argv);
		_exit(127);
	}
	return pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
			       WEXITSTATUS(status) != 0
		       ? -1
		       : 0;
}

struct passwd *sup_system_user(const char *name, const char *home)
{
	struct passwd *pw;

	if ((pw = getpwnam(name)) != NULL)
		return pw;
	if (run_tool("/usr/sbin/useradd",
		     (char *[]){"useradd", "--system", "--no-create-home", "--home-dir", (char *)home,
				"--shell", "/usr/sbin/nologin", (char *)name, NULL}) != 0 ||
	    (pw = getpwnam(name)) == NULL) {
		log_failx("cannot create the user %s", name);
		return NULL;
	}
	log_info("created the system user %s", name);
	return pw;
}

int sup_operators_group(const char *name, gid_t *gid)
{
	struct group *gr;

	if ((gr = getgrnam(name)) == NULL) {
		if (run_tool("/usr/sbin/groupadd",
			     (char *[]){"groupadd", "--system", (char *)name, NULL}) != 0 ||
		    (gr = getgrnam(name)) == NULL) {
			log_failx("cannot create the group %s (ca.conf operators_group)", name);
			return -1;
		}
		log_info("created the system group %s: add operators with usermod -aG %s USER",
			 name, name);
	}
	if (gr->gr_gid == 0) {
		log_failx("ca.conf operators_group %s is root's group: operators are not root",
			  name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

int sup_worker_chroot(const char *dir)
{
	struct stat st;

	if (sup_make_dir(dir, 0555) != 0)
		return -1;
	if (stat(dir, &st) != 0 || st.st_uid != 0 || (st.st_mode & 022) != 0) {
		log_failx("%s must be owned by root and not writable by others", dir);
		return -1;
	}
	return 0;
}

int sup_open_pin(const char *path)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		log_fail("%s", path);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & 077) != 0) {
		log_failx("%s: the PIN file must be a regular file of root's, mode 0600 or 0400",
			  path);
		close(fd);
		return -1;
	}
	return fd;
}

/* DATA/NAME made with mode and given to pw. */
static int give_dir(const char *data, const char *name, mode_t mode, const struct passwd *pw,
		    char *path, size_t len)
{
	snprintf(path, len, "%s/%s", data, name);
	if (sup_make_dir(path, mode) != 0 ||
	    sup_chown_tree(path, pw->pw_uid, pw->pw_gid, pw->pw_name) != 0)
		return -1;
	return 0;
}

int sup_prepare_ledger(const char *data)
{
	char path[PATH_MAX];
	struct passwd *pw = sup_system_user(SUP_LEDGER_USER, SUP_WORKER_CHROOT);

	if (pw == NULL || sup_let_through(data) != 0 ||
	    give_dir(data, "ledger", 0700, pw, path, sizeof(path)) != 0)
		return -1;
	return sup_check_reach(SUP_LEDGER_USER, pw->pw_uid, pw->pw_gid, path,
			       R_OK | W_OK | X_OK);
}

/* Whether dir is on a file system mounted read-only. */
static int read_only(const char *dir)
{
	struct statvfs sv;

	return statvfs(dir, &sv) == 0 && (sv.f_flag & ST_RDONLY) != 0;
}

/* The SoftHSM configuration hsm_conf and its token directory, for the
 * custodian's user pw. */
static int prepare_token(const char *hsm_conf, const struct passwd *pw)
{
	struct conf hsm;
	char path[PATH_MAX], err[256];
	const char *tokendir;

	if (conf_load(hsm_conf, &hsm, err, sizeof(err)) != 0) {
		log_failx("%s", err);
		return -1;
	}
	if ((tokendir = conf_get(&hsm, "directories.tokendir")) != NULL) {
		snprintf(path, sizeof(path), "%s", tokendir);
		if (read_only(tokendir)) {
			/* A token directory mounted read-only (an operator's choice;
			 * the image now mounts only the ceremony's files read-only and
			 * keeps the directory writable for the ledger's anchors:
			 * image/README.md). Signing needs no write; the files were
			 * given to the custodian before the mount. */
			log_info("the token directory %s is read-only", tokendir);
			if (sup_let_through(dirname(path)) != 0 ||
			    sup_check_reach(SUP_CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, tokendir,
					    R_OK | X_OK) != 0)
				return -1;
		} else if (sup_chown_tree(path, pw->pw_uid, pw->pw_gid, pw->pw_name) != 0 ||
			   sup_let_through(dirname(path)) != 0 ||
			   sup_check_reach(SUP_CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, tokendir,
					   R_OK | W_OK | X_OK) != 0)
			return -1;
	}
	return sup_check_reach(SUP_CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, hsm_conf, R_OK);
}

int sup_prepare_custodian(const char *data, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = sup_system_user(SUP_CUSTODIAN_USER, SUP_WORKER_CHROOT);
	struct conf conf;
	char path[PATH_MAX], err[256];
	const char *v;

	if (pw == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (sup_let_through(data) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ca.conf", data);
	if (conf_load(path, &conf, err, sizeof(err)) != 0) {
		log_failx("%s", err);
		return -1;
	}
	if (sup_check_reach(SUP_CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, path, R_OK) != 0)
		return -1;
	if ((v = conf_get(&conf, "module")) != NULL &&
	    sup_check_reach(SUP_CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, v, R_OK) != 0)
		return -1;
	if ((v = conf_get(&conf, "softhsm2_conf")) != NULL && prepare_token(v, pw) != 0)
		return -1;
	/* A token served by `p11-kit server`: the custodian connects to its socket
	 * (write permission). The server may be down now and come later: the
	 * custodian reconnects, so only a socket that is there is checked. */
	if ((v = conf_get(&conf, "p11_kit_server_address")) != NULL &&
	    strncmp(v, "unix:path=", 10) == 0) {
		if (access(v + 10, F_OK) != 0)
			log_warnx("the HSM's socket %s is not there (yet)", v + 10);
		else if (sup_check_reach(SUP_CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, v + 10,
					 W_OK) != 0)
			return -1;
	}
	/* What the custodian writes: published CRLs and the operator database. */
	if (give_dir(data, "crl", 0755, pw, path, sizeof(path)) != 0 ||
	    sup_check_reach(SUP_CUSTODIAN_USER, pw->pw_uid, pw->pw_gid, path,
			    R_OK | W_OK | X_OK) != 0)
		return -1;
	return give_dir(data, OPERATOR_DIR, 0700, pw, path, sizeof(path));
}

int sup_prepare_auth(const char *data)
{
	struct passwd *pw = sup_system_user(SUP_AUTH_USER, SUP_WORKER_CHROOT);
	char path[PATH_MAX];

	/* ca-auth is still root when it enters the directory, so the directories
	 * above need not let its user through. The account file there must be its
	 * own, mode 0600 (caadm account writes it so). */
	if (pw == NULL || give_dir(data, SUP_AUTH_DIR, 0700, pw, path, sizeof(path)) != 0)
		return -1;
	if (chmod(path, 0700) != 0) {
		log_fail("chmod %s", path);
		return -1;
	}
	return 0;
}
