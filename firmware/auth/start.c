/* ca-auth's start-up (start.h): what main.c used to decide itself, returned
 * as errors so that tests/unit/test_auth_start.c can see each refusal. The
 * order is main.c's and matters: everything gss-ntlmssp and OpenSSL load is
 * loaded before the jail hides it, and the filter comes last. */
#include "firmware/auth/start.h"

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

#include "firmware/auth/throttle.h"
#include "platform/atomicfile.h"
#include "platform/conf.h"
#include "platform/errbuf.h"
#include "platform/log.h"

#define ACCOUNTS_DIR "auth"   /* = settings.c's: the jail */
#define ACCOUNTS_NAME "accounts"
#define KEYTAB_NAME "krb5.keytab" /* caadm kerberos keytab add writes it */
#define KRB5_CONF_NAME "krb5.conf"  /* ca-auth writes it at start */
#define FD_MAX (1u << 20)     /* = platform/conf.c's conf_arg_fd */
#define LIFETIME_MAX (86400u + 3600u)

const char auth_usage[] = "usage: ca-auth --fd N --data DIR [--user NAME] [--token-key-fd N "
			  "[--token-lifetime S]] [--selftest-open PATH]\n";

/* A number option: conf_arg_uint's rule and words, returned instead of fatal. */
static int number(const char *s, unsigned max, const char *what, unsigned *out, char *err,
		  size_t errlen)
{
	if (conf_parse_uint(s, max, out) != 0) {
		err_set(err, errlen, "%s must be a number from 1 to %u", what, max);
		return AUTH_SET_FATAL;
	}
	return 0;
}

/* --user: root alone can change user, and never to root (the jail would
 * hold nothing then). */
static int lookup_user(struct auth_opts *o, uid_t euid, char *err, size_t errlen)
{
	struct passwd *pw;

	if (euid != 0) {
		err_set(err, errlen, "--user %s: only root can change user", o->user);
		return AUTH_SET_FATAL;
	}
	if ((pw = getpwnam(o->user)) == NULL || pw->pw_uid == 0) {
		err_set(err, errlen, "--user %s: no such user, or root", o->user);
		return AUTH_SET_FATAL;
	}
	o->uid = pw->pw_uid;
	o->gid = pw->pw_gid;
	return 0;
}

int auth_opts_parse(int argc, char **argv, uid_t euid, struct auth_opts *o, char *err,
		    size_t errlen)
{
	static const struct option lo[] = {{"fd", 1, 0, 'f'}, {"data", 1, 0, 'd'},
					   {"user", 1, 0, 'u'}, {"selftest-open", 1, 0, 's'},
					   {"token-key-fd", 1, 0, 'k'},
					   {"token-lifetime", 1, 0, 'l'}, {0, 0, 0, 0}};
	unsigned v;
	int ch, rc = 0;

	memset(o, 0, sizeof(*o));
	o->fd = o->key_fd = -1;
	o->token_lifetime_s = 3600;
	err_set(err, errlen, "%s", "");
	optind = 0; /* glibc: start afresh (a test parses many command lines) */
	while (rc == 0 && (ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((rc = number(optarg, FD_MAX, "a descriptor number", &v, err, errlen)) == 0)
				o->fd = (int)v;
			break;
		case 'd': o->dir = optarg; break;
		case 'u': o->user = optarg; break;
		case 's': o->selftest_open = optarg; break;
		case 'k':
			if ((rc = number(optarg, FD_MAX, "a descriptor number", &v, err, errlen)) == 0)
				o->key_fd = (int)v;
			break;
		case 'l':
			rc = number(optarg, LIFETIME_MAX, "--token-lifetime", &o->token_lifetime_s, err,
				    errlen);
			break;
		default: return AUTH_START_USAGE; /* getopt_long said which */
		}
	}
	if (rc != 0)
		return rc;
	if (optind != argc || o->fd < 0 || o->dir == NULL)
		return AUTH_START_USAGE;
	o->uid = euid;
	o->gid = getegid();
	return o->user != NULL ? lookup_user(o, euid, err, errlen) : 0;
}

/* MIT Kerberos' configuration (krb.c): ca-auth's own krb5.conf, written at
 * each start beside the account file (DATA/auth/krb5.conf, /krb5.conf in the
 * jail; the host's /etc/krb5.conf is never read): the clock skew from ca.conf,
 * and AES only (permitted_enctypes), so MIT itself refuses what krb.c refuses.
 * An acceptor with a keytab needs no realm or KDC. Written atomically
 * (platform/atomicfile.h): a reader never sees half of it. */
static int kerberos_conf(const char *dir, unsigned skew, char *err, size_t errlen)
{
	char path[PATH_MAX], text[512];
	int len;

	if ((size_t)snprintf(path, sizeof(path), "%s/" KRB5_CONF_NAME, dir) >= sizeof(path))
		return err_set(err, errlen, "the Kerberos configuration's path is too long");
	len = snprintf(text, sizeof(text),
		       "# Written by ca-auth at each start from ca.conf; edits are lost.\n"
		       "[libdefaults]\n"
		       "\tclockskew = %u\n"
		       "\tpermitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96\n"
		       "\tallow_weak_crypto = false\n"
		       "\tdns_lookup_kdc = false\n"
		       "\tdns_lookup_realm = false\n",
		       skew);
	if (atomicfile_write(path, text, (size_t)len, 0644) == 0)
		return 0;
	if (errno == ENOENT) {
		/* No DATA/auth: the jail refuses to start next (as root); without
		 * one, every logon is refused (no account file, no keytab). */
		log_warnx("%s: no directory for ca-auth's krb5.conf: Kerberos logons will be "
			  "refused", dir);
		return 0;
	}
	return err_set(err, errlen, "%s: %s", path, strerror(errno));
}

/* MIT Kerberos' environment (krb.c): the keytab beside the account file
 * (DATA/auth/krb5.keytab, /krb5.keytab in the jail), ca-auth's krb5.conf, and
 * no replay cache of MIT's (a file written at each logon, which the sandbox
 * forbids: krb.c keeps its own). */
static int kerberos_env(const char *accounts, unsigned skew, int unknown_domain_users,
			char *err, size_t errlen)
{
	char dir[PATH_MAX], kt[PATH_MAX + 32], conf[PATH_MAX + 32];
	const char *slash = strrchr(accounts, '/');

	if (slash == NULL || (size_t)(slash - accounts) >= sizeof(dir))
		return err_set(err, errlen, "the account file's directory cannot be named");
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - accounts), accounts);
	if (kerberos_conf(dir, skew, err, errlen) != 0)
		return -1;
	snprintf(kt, sizeof(kt), "FILE:%s/" KEYTAB_NAME, dir);
	snprintf(conf, sizeof(conf), "%s/" KRB5_CONF_NAME, dir);
	if (setenv("KRB5_KTNAME", kt, 1) != 0 || setenv("KRB5RCACHETYPE", "none", 1) != 0 ||
	    setenv("KRB5_CONFIG", conf, 1) != 0)
		return err_set(err, errlen, "setenv: %s", strerror(errno));
	krb_configure(skew, unknown_domain_users);
	return 0;
}

int auth_env_setup(const struct auth_opts *o, const char *host, char *err, size_t errlen)
{
	struct auth_settings st;
	int rc;

	if ((rc = auth_settings_load(o->dir, host, &st, err, errlen)) != 0)
		return rc;
	throttle_configure(&st.throttle);
	log_info("failed logons throttled after %u per account, %u per address (0: never), "
		 "%u s doubling to %u s", st.throttle.account_failures,
		 st.throttle.address_failures, st.throttle.delay_ms / 1000,
		 st.throttle.max_delay_ms / 1000);
	if ((rc = auth_accounts_check(st.accounts, o->uid, err, errlen)) < 0)
		return AUTH_SET_FATAL;
	if (rc > 0)
		log_warnx("%s", err); /* absent: every logon will be refused */
	if (setenv("NTLM_USER_FILE", st.accounts, 1) != 0 ||
	    setenv("NETBIOS_COMPUTER_NAME", st.computer, 1) != 0 ||
	    setenv("NETBIOS_DOMAIN_NAME", st.domain, 1) != 0 ||
	    setenv("LM_COMPAT_LEVEL", "5", 1) != 0) {
		err_set(err, errlen, "setenv: %s", strerror(errno));
		return AUTH_SET_FATAL;
	}
	if (kerberos_env(st.accounts, st.krb_skew_s, st.krb_unknown_domain_users, err, errlen) != 0)
		return AUTH_SET_FATAL;
	log_info("NetBIOS names %s / %s, accounts in %s", st.computer, st.domain, st.accounts);
	return 0;
}

/* Where the UTF-16 module is missing (a root file system without
 * /usr/lib/.../gconv), iconv_open fails inside gss-ntlmssp and every logon is
 * refused with a bare "Bad file descriptor": said at start instead. */
int auth_check_utf16(char *err, size_t errlen)
{
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");

	if (cd == (iconv_t)-1)
		return err_set(err, errlen, "iconv UTF-8 -> UTF-16LE, which NTLM needs (glibc's "
			       "gconv module UTF-16.so): %s", strerror(errno));
	iconv_close(cd);
	return 0;
}

int auth_enter_jail(const struct auth_opts *o, char *err, size_t errlen)
{
	char path[PATH_MAX], why[256];

	if (o->user == NULL) {
		log_warnx("not started with --user (cad is not root): no chroot, ca-auth sees "
			  "what its user sees");
		return 0;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", o->dir, ACCOUNTS_DIR) >= sizeof(path))
		return err_set(err, errlen, "refusing to serve unconfined: the data directory's "
			       "path is too long");
	if (auth_jail(path, o->uid, o->gid, why, sizeof(why)) != 0)
		return err_set(err, errlen, "refusing to serve unconfined: %s", why);
	if (setenv("NTLM_USER_FILE", "/" ACCOUNTS_NAME, 1) != 0 ||
	    setenv("KRB5_KTNAME", "FILE:/" KEYTAB_NAME, 1) != 0 ||
	    setenv("KRB5_CONFIG", "/" KRB5_CONF_NAME, 1) != 0)
		return err_set(err, errlen, "setenv: %s", strerror(errno));
	log_info("in %s as %s", path, o->user);
	return 0;
}

/* auth_start's steps after the token key. */
static int start_after_key(const struct auth_opts *o, char *err, size_t errlen)
{
	char host[256], why[512];
	int rc;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "CA");
	host[sizeof(host) - 1] = 0;
	if ((rc = auth_env_setup(o, host, err, errlen)) != 0)
		return rc;
	if (auth_check_utf16(err, errlen) != 0 || acceptor_init(err, errlen) != 0 ||
	    acceptor_warm_up(err, errlen) != 0 || auth_enter_jail(o, err, errlen) != 0)
		return AUTH_SET_FATAL;
	if (auth_sandbox(why, sizeof(why)) != 0) {
		err_set(err, errlen, "refusing to serve unconfined: %s", why);
		return AUTH_SET_FATAL;
	}
	return 0;
}

int auth_start(const struct auth_opts *o, struct auth_tokens *tk, char *err, size_t errlen)
{
	int rc;

	/* The identity-token key cad made for this worker generation, read whole
	 * from its pipe, which is then closed: the key lives in this process only. */
	if (o->key_fd >= 0) {
		if (auth_token_key_read(o->key_fd, tk, err, errlen) != 0)
			return AUTH_SET_FATAL;
	} else {
		log_warnx("no --token-key-fd: logons are not vouched for, and the custodian "
			  "accepts no request as anyone's");
	}
	tk->lifetime_s = o->token_lifetime_s;
	if ((rc = start_after_key(o, err, errlen)) != 0) {
		/* not serving: the key has no use left */
		explicit_bzero(tk->key, sizeof(tk->key));
		tk->have_key = 0;
	}
	return rc;
}

int auth_selftest_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY);

	if (fd >= 0) {
		close(fd);
		return err_set(err, errlen, "selftest: %s was opened inside the sandbox", path);
	}
	log_info("selftest: %s cannot be opened: %s; opening it for writing", path,
		 strerror(errno));
	fd = open(path, O_WRONLY);
	if (fd >= 0)
		close(fd);
	return err_set(err, errlen, "selftest: an open for writing was not killed (fd %d)", fd);
}
