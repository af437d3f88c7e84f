/* cad's start-up checks (libsupervisor, tests/unit/test_supervisor_prepare.c):
 * the binaries it starts, the service users and what each must reach, the
 * owners and modes of the directories it gives them, the PIN file's. Each
 * returns 0, or -1 after printing what fatal() printed before these moved out of
 * cad.c (log_fail: "cad: fatal: ..."), naming the path and the user; cad then
 * exits 1 without starting anything. */
#ifndef SUPERVISOR_PREPARE_H
#define SUPERVISOR_PREPARE_H

#include <pwd.h>
#include <sys/types.h>

#include "firmware/supervisor/sup.h"

#define SUP_WORKER_USER "ca-worker"
#define SUP_WORKER_CHROOT "/var/empty"
#define SUP_LEDGER_USER "ca-ledger"
#define SUP_CUSTODIAN_USER "ca-custodian"
#define SUP_AUTH_USER "ca-auth"
#define SUP_AUTH_DIR "auth" /* DATA/auth: the account file, ca-auth's chroot */

/* Opens each child's binary in bindir (O_PATH, close-on-exec) into exe_fd:
 * each must be a regular file with an execute bit. A child whose user cannot
 * traverse the build's path is started all the same (execveat), and a binary
 * replaced after start-up is not picked up by a restart. */
int sup_open_binaries(const char *bindir, int exe_fd[SUP_NCHILD]);

/* Whether user uid/gid can reach path with access mode (R_OK, W_OK, X_OK) and
 * pass through every directory above it (a relative path from the cwd's). The
 * check runs in a child with exactly those credentials (no supplementary
 * groups), so the kernel is the oracle. 0, or -1 naming the first directory it
 * cannot pass through or the path it cannot reach. Needs root for another uid. */
int sup_check_reach(const char *user, uid_t uid, gid_t gid, const char *path, int mode);

/* Adds search permission for group and others (never listing) to the directory
 * path, when it lacks it. */
int sup_let_through(const char *path);

/* chown -R path to uid/gid without following links (owner names it in the
 * message). Only entries that differ are changed. */
int sup_chown_tree(const char *path, uid_t uid, gid_t gid, const char *owner);

/* path as a directory with mode (when missing; an existing one is kept). */
int sup_make_dir(const char *path, mode_t mode);

/* The user name, made a system user (home home, no shell) with useradd when
 * missing; NULL after the message when that fails. */
struct passwd *sup_system_user(const char *name, const char *home);

/* As root, the console's group name (ca.conf operators_group), made a system
 * group with groupadd when missing (on the image it is in /etc/group already);
 * its members are the operators. *gid, or -1 after the message (also for
 * root's group: operators are not root). */
int sup_operators_group(const char *name, gid_t *gid);

/* The worker's chroot dir, made 0555 when missing: it must be root's and not
 * writable by group or others. */
int sup_worker_chroot(const char *dir);

/* Opens the PIN file (no link followed): it must be a regular file of root's,
 * mode 0600 or 0400. The descriptor, or -1. */
int sup_open_pin(const char *path);

/* As root, the ledger's files belong to SUP_LEDGER_USER: DATA/ledger is made
 * (0700) and given to it, and DATA let through; ca-ledger must reach it. */
int sup_prepare_ledger(const char *data);

/* As root, the custodian runs as SUP_CUSTODIAN_USER (its uid/gid in *uid,
 * *gid): it must read DATA/ca.conf, the module and the SoftHSM configuration
 * ca.conf names, and own the token directory (given to it unless it is mounted
 * read-only); DATA/crl (0755) and DATA/operators (0700) are made and given to
 * it; a p11-kit server's socket that is there must be writable. */
int sup_prepare_custodian(const char *data, uid_t *uid, gid_t *gid);

/* As root, ca-auth runs as SUP_AUTH_USER, owner of DATA/auth (made when
 * missing, mode 0700), the directory it is chrooted to. */
int sup_prepare_auth(const char *data);

#endif
