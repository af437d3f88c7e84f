/* ca-auth's start-up (main.c's decisions), in the library so that each
 * refusal is a return value a unit test sees (tests/unit/test_auth_start.c):
 * the command line, the user to become, the environment gss-ntlmssp reads, the
 * checks before the jail, the jail and the filter. main.c only turns a refusal
 * into the process's end: AUTH_START_USAGE (the usage, exit 2),
 * AUTH_SET_REFUSE (refuse_to_start: a setting the operator must change) or
 * AUTH_SET_FATAL (fatalx, exit 1: cad restarts). */
#ifndef AUTH_START_H
#define AUTH_START_H

#include <stddef.h>
#include <sys/types.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/settings.h"

/* A command line that is not ca-auth's: the caller prints auth_usage. */
#define AUTH_START_USAGE (-3)

extern const char auth_usage[];

/* What the command line says (main.c's header comment). */
struct auth_opts {
	const char *dir, *user, *selftest_open;
	int fd, key_fd;           /* -1: not given */
	unsigned token_lifetime_s; /* 3600 unless given */
	uid_t uid;                /* the user ca-auth serves as: --user's, or euid */
	gid_t gid;                /* who the account file must belong to: uid */
};

/* argv (getopt_long's rules, from argv[1]; callable again: it resets
 * getopt's state) into o; euid is the caller's effective user, --user is
 * looked up (root alone may give it, and not name root). 0, AUTH_START_USAGE
 * (unknown option, an argument left over, --fd or --data missing; err
 * empty), or AUTH_SET_FATAL with err. */
int auth_opts_parse(int argc, char **argv, uid_t euid, struct auth_opts *o, char *err,
		    size_t errlen);

/* dir/ca.conf's settings turned into gss-ntlmssp's environment
 * (NTLM_USER_FILE, NETBIOS_COMPUTER_NAME, NETBIOS_DOMAIN_NAME, LM_COMPAT_LEVEL
 * 5: NTLMv2 only) and the throttle configured; the account file must be
 * o->uid's (settings.c's auth_accounts_check; absent is a warning). host is the
 * machine's name. 0, or AUTH_SET_REFUSE / AUTH_SET_FATAL with err. */
int auth_env_setup(const struct auth_opts *o, const char *host, char *err, size_t errlen);

/* Whether iconv can turn UTF-8 into UTF-16LE, which gss-ntlmssp needs for
 * every name and password; loading glibc's gconv module now also means no file
 * is opened for it in the jail. 0, or -1 with err. */
int auth_check_utf16(char *err, size_t errlen);

/* With --user: into o->dir/auth as o->uid (sandbox.c's auth_jail) and the
 * account file then "/accounts"; 0, or -1 with err ("refusing to serve
 * unconfined: ..."). Without it: a warning and 0 (cad is not root). */
int auth_enter_jail(const struct auth_opts *o, char *err, size_t errlen);

/* Everything between the command line and serving, in main.c's order: the
 * identity-token key from o->key_fd into tk (its lifetime too), the
 * environment, UTF-16, gss-ntlmssp's acceptor and its warm-up, the jail, the
 * filter (auth_sandbox). 0 (then only auth_serve is left to do), or
 * AUTH_SET_REFUSE / AUTH_SET_FATAL with err and the key wiped; once the jail
 * is entered a failure is still returned, never served past. */
int auth_start(const struct auth_opts *o, struct auth_tokens *tk, char *err, size_t errlen);

/* --selftest-open (tests, cad --sandbox-selftest): once sandboxed, opens path
 * read-only, which must fail (outside the jail nothing is found), then for
 * writing, which the filter must punish with SIGSYS. Returns only when the
 * sandbox failed the test: -1 with err saying how. */
int auth_selftest_open(const char *path, char *err, size_t errlen);

#endif
