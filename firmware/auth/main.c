/* ca-auth: the credential process. It holds the enrollee account database
 * (DATA/auth/accounts, NT hashes) and checks NTLM logons for the worker with
 * gss-ntlmssp; the worker, which reads the network, never sees a credential, and
 * the custodian, which holds the HSM session, never sees an NTLM token.
 *
 *   ca-auth --fd N --data DIR [--user NAME] [--selftest-open PATH]
 *
 * cad starts it with one end of a socketpair whose other end is the worker's
 * (a fresh pair with each worker); it serves that channel (serve.c) until the
 * worker goes away, then exits. Settings from DIR/ca.conf: netbios_computer_name
 * (default: the host name, uppercased, cut to 15), netbios_domain_name (default
 * WORKGROUP): the names the CHALLENGE announces; auth_throttle_account,
 * auth_throttle_address, auth_throttle_delay, auth_throttle_max_delay: how
 * failed logons are throttled (throttle.h, README).
 *
 * --user (cad gives it when it runs as root): after start-up ca-auth chroots to
 * DIR/auth, where only the account file is, and becomes that user (who owns
 * DIR/auth) with no capability; then it loads its seccomp filter. Without it
 * (cad run by an ordinary user) it keeps its user and sees what that user sees.
 *
 * --selftest-open (tests): once sandboxed, open PATH read-only, which must fail,
 * then for writing, which the filter must punish with SIGSYS. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <iconv.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/settings.h"
#include "firmware/auth/throttle.h"
#include "platform/conf.h"
#include "platform/log.h"

#define ACCOUNTS_DIR "auth"   /* = settings.c's: the jail */
#define ACCOUNTS_NAME "accounts"

struct opts {
	const char *dir, *user, *selftest_open;
	int fd, key_fd;
	unsigned token_lifetime_s;
	uid_t uid; /* who the account file must belong to */
	gid_t gid;
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: ca-auth --fd N --data DIR [--user NAME] [--token-key-fd N "
			"[--token-lifetime S]] [--selftest-open PATH]\n");
	exit(2);
}

/* gss-ntlmssp reads its settings from the environment: the account file, the
 * CHALLENGE's names, and level 5 (NTLMv2 only: no LM, no NTLMv1 responses).
 * The settings are settings.c's; a refusal ends the process here. */
static void setup_env(const struct opts *o)
{
	char err[512], host[256];
	struct auth_settings st;
	int rc;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "CA");
	host[sizeof(host) - 1] = 0;
	if ((rc = auth_settings_load(o->dir, host, &st, err, sizeof(err))) == AUTH_SET_REFUSE)
		refuse_to_start("%s", err);
	else if (rc != 0)
		fatalx("%s", err);
	throttle_configure(&st.throttle);
	log_info("failed logons throttled after %u per account, %u per address (0: never), "
		 "%u s doubling to %u s", st.throttle.account_failures,
		 st.throttle.address_failures, st.throttle.delay_ms / 1000,
		 st.throttle.max_delay_ms / 1000);
	if ((rc = auth_accounts_check(st.accounts, o->uid, err, sizeof(err))) < 0)
		fatalx("%s", err);
	else if (rc > 0)
		log_warnx("%s", err);
	if (setenv("NTLM_USER_FILE", st.accounts, 1) != 0 ||
	    setenv("NETBIOS_COMPUTER_NAME", st.computer, 1) != 0 ||
	    setenv("NETBIOS_DOMAIN_NAME", st.domain, 1) != 0 ||
	    setenv("LM_COMPAT_LEVEL", "5", 1) != 0)
		fatal("setenv");
	log_info("NetBIOS names %s / %s, accounts in %s", st.computer, st.domain, st.accounts);
}

/* gss-ntlmssp converts names and passwords to UTF-16LE with iconv, which loads
 * glibc's gconv module UTF-16.so. Where it is missing (a root file system without
 * /usr/lib/.../gconv), iconv_open fails inside gss-ntlmssp and every logon is then
 * refused with a bare "Bad file descriptor": say so at start instead. Loading the
 * module here, before the jail, also means no file is opened for it later. */
static void check_utf16(void)
{
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");

	if (cd == (iconv_t)-1)
		fatal("iconv UTF-8 -> UTF-16LE, which NTLM needs (glibc's gconv module "
		      "UTF-16.so)");
	iconv_close(cd);
}

/* Into DIR/auth as the user: from now on the account file is "/accounts", the
 * only file ca-auth can see. */
static void jail(const struct opts *o)
{
	char path[PATH_MAX], err[256];

	if (o->user == NULL) {
		log_warnx("not started with --user (cad is not root): no chroot, ca-auth sees "
			  "what its user sees");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", o->dir, ACCOUNTS_DIR);
	if (auth_jail(path, o->uid, o->gid, err, sizeof(err)) != 0)
		fatalx("refusing to serve unconfined: %s", err);
	if (setenv("NTLM_USER_FILE", "/" ACCOUNTS_NAME, 1) != 0)
		fatal("setenv");
	log_info("in %s as %s", path, o->user);
}

static void __attribute__((noreturn)) selftest_open(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0)
		fatalx("selftest: %s was opened inside the sandbox", path);
	log_info("selftest: %s cannot be opened: %s; opening it for writing", path,
		 strerror(errno));
	fd = open(path, O_WRONLY);
	fatalx("selftest: an open for writing was not killed (fd %d)", fd);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {{"fd", 1, 0, 'f'}, {"data", 1, 0, 'd'},
					   {"user", 1, 0, 'u'}, {"selftest-open", 1, 0, 's'},
					   {"token-key-fd", 1, 0, 'k'},
					   {"token-lifetime", 1, 0, 'l'}, {0, 0, 0, 0}};
	struct passwd *pw;
	int ch;

	memset(o, 0, sizeof(*o));
	o->fd = o->key_fd = -1;
	o->token_lifetime_s = 3600;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'f': o->fd = conf_arg_fd(optarg); break;
		case 'd': o->dir = optarg; break;
		case 'u': o->user = optarg; break;
		case 's': o->selftest_open = optarg; break;
		case 'k': o->key_fd = conf_arg_fd(optarg); break;
		case 'l': o->token_lifetime_s = conf_arg_uint(optarg, 86400 + 3600,
							      "--token-lifetime"); break;
		default: usage();
		}
	}
	if (optind != argc || o->fd < 0 || o->dir == NULL)
		usage();
	o->uid = geteuid();
	o->gid = getegid();
	if (o->user != NULL) {
		if (geteuid() != 0)
			fatalx("--user %s: only root can change user", o->user);
		if ((pw = getpwnam(o->user)) == NULL || pw->pw_uid == 0)
			fatalx("--user %s: no such user, or root", o->user);
		o->uid = pw->pw_uid;
		o->gid = pw->pw_gid;
	}
}

int main(int argc, char **argv)
{
	static struct auth_tokens tk;
	struct opts o;
	char err[512];
	int rc;

	log_init("ca-auth");
	parse(argc, argv, &o);
	/* The identity-token key cad made for this worker generation, read whole
	 * from its pipe, which is then closed: the key lives in this process only. */
	if (o.key_fd >= 0) {
		if (auth_token_key_read(o.key_fd, &tk, err, sizeof(err)) != 0)
			fatalx("%s", err);
	} else
		log_warnx("no --token-key-fd: logons are not vouched for, and the custodian "
			  "accepts no request as anyone's");
	tk.lifetime_s = o.token_lifetime_s;
	setup_env(&o);
	check_utf16();
	if (acceptor_init(err, sizeof(err)) != 0 || acceptor_warm_up(err, sizeof(err)) != 0)
		fatalx("%s", err);
	jail(&o);
	if (auth_sandbox(err, sizeof(err)) != 0)
		fatalx("refusing to serve unconfined: %s", err);
	if (o.selftest_open != NULL)
		selftest_open(o.selftest_open);
	rc = auth_serve(o.fd, &tk);
	explicit_bzero(tk.key, sizeof(tk.key));
	log_info("the worker's channel %s: exiting", rc != 0 ? "was ended" : "closed");
	/* _exit: nothing is left to flush, and the sandbox forbids what exit-time
	 * hooks may do (LeakSanitizer's check under ASan uses ptrace). */
	_exit(rc != 0 ? 1 : 0);
}
