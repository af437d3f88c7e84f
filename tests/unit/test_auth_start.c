/* firmware/auth/start.c: ca-auth's start-up, as main.c runs it. The command
 * line (each option, the usage cases, the numbers refused with conf's words,
 * --user: root only, never root), the environment gss-ntlmssp reads made from
 * ca.conf (and left alone by every refusal), the account file's owner and
 * mode, the token key, the jail refused, and auth_start as a whole in a forked
 * child: jailed as nobody and filtered, where a call off the allow-list is
 * killed (CONFIG_SECCOMP_LOG: logged instead, so the call succeeds) and the
 * --selftest-open probe behaves as cad's boot check expects. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <krb5.h>
#include <profile.h>

#include "config.h"
#include "firmware/auth/start.h"
#include "firmware/auth/throttle.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/data_dir.h"

const char *__lsan_default_suppressions(void);

/* gss-ntlmssp loads OpenSSL's configuration and providers once and never frees
 * them (as test_auth_serve.c). */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\nleak:gssntlmssp.so\n";
}

static char dir[] = "/tmp/test_auth_start.XXXXXX";
static char accounts[PATH_MAX];
static char err[512];

/* argv as a caller's (getopt_long permutes it: a fresh copy each time). */
static int parse(char **argv, uid_t euid, struct auth_opts *o)
{
	char *copy[16];
	int n = 0;

	while (argv[n] != NULL) {
		copy[n] = argv[n];
		n++;
	}
	copy[n] = NULL;
	err[0] = 'x';
	return auth_opts_parse(n, copy, euid, o, err, sizeof(err));
}

static void test_command_line(void **state)
{
	char *full[] = {"ca-auth", "--fd", "3", "--data", "/d", "--token-key-fd", "7",
			"--token-lifetime", "90000", "--selftest-open", "/etc/shadow", NULL};
	char *least[] = {"ca-auth", "--data=/d", "--fd=4", NULL};
	struct auth_opts o;

	(void)state;
	assert_int_equal(parse(full, 1000, &o), 0);
	assert_int_equal(o.fd, 3);
	assert_string_equal(o.dir, "/d");
	assert_int_equal(o.key_fd, 7);
	assert_int_equal(o.token_lifetime_s, 90000); /* a day and an hour: the most */
	assert_string_equal(o.selftest_open, "/etc/shadow");
	assert_null(o.user);
	assert_int_equal(o.uid, 1000); /* no --user: the caller's own */
	assert_int_equal(o.gid, getegid());
	assert_string_equal(err, "");
	/* the defaults, parsed a second time in one process */
	assert_int_equal(parse(least, 0, &o), 0);
	assert_int_equal(o.fd, 4);
	assert_int_equal(o.key_fd, -1);
	assert_int_equal(o.token_lifetime_s, 3600);
	assert_null(o.selftest_open);
	assert_int_equal(o.uid, 0);
}

/* Not ca-auth's command line: the usage, nothing else said by the library. */
static void test_usage(void **state)
{
	char *unknown[] = {"ca-auth", "--fd", "3", "--data", "/d", "--bogus", NULL};
	char *left[] = {"ca-auth", "--fd", "3", "--data", "/d", "extra", NULL};
	char *no_fd[] = {"ca-auth", "--data", "/d", NULL};
	char *no_data[] = {"ca-auth", "--fd", "3", NULL};
	char *no_arg[] = {"ca-auth", "--data", "/d", "--fd", NULL};
	char *short_opt[] = {"ca-auth", "-f", "3", "--data", "/d", NULL};
	char **cases[] = {unknown, left, no_fd, no_data, no_arg, short_opt};
	struct auth_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		log_begin();
		assert_int_equal(parse(cases[i], 0, &o), AUTH_START_USAGE);
		log_end_quiet();
		assert_string_equal(err, "");
	}
	assert_non_null(strstr(auth_usage, "usage: ca-auth --fd N --data DIR"));
}

/* Numbers refused with conf_arg_uint's words (what the fatal said before). */
static void test_numbers_refused(void **state)
{
	static const struct {
		const char *opt, *value, *err;
	} cases[] = {
		{"--fd", "0", "a descriptor number must be a number from 1 to 1048576"},
		{"--fd", "x", "a descriptor number must be a number from 1 to 1048576"},
		{"--fd", "1048577", "a descriptor number must be a number from 1 to 1048576"},
		{"--fd", "-1", "a descriptor number must be a number from 1 to 1048576"},
		{"--token-key-fd", "", "a descriptor number must be a number from 1 to 1048576"},
		{"--token-lifetime", "90001", "--token-lifetime must be a number from 1 to 90000"},
		{"--token-lifetime", "0", "--token-lifetime must be a number from 1 to 90000"},
		{"--token-lifetime", " 60", "--token-lifetime must be a number from 1 to 90000"},
	};
	struct auth_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[] = {"ca-auth", "--data", "/d", "--fd", "3", (char *)cases[i].opt,
				(char *)cases[i].value, NULL};

		assert_int_equal(parse(argv, 0, &o), AUTH_SET_FATAL);
		assert_string_equal(err, cases[i].err);
	}
}

/* --user: only root may change user, and only to a user that is not root. */
static void test_user(void **state)
{
	char *nobody[] = {"ca-auth", "--fd", "3", "--data", "/d", "--user", "nobody", NULL};
	char *root[] = {"ca-auth", "--fd", "3", "--data", "/d", "--user", "root", NULL};
	char *none[] = {"ca-auth", "--fd", "3", "--data", "/d", "--user", "no-such-user.x", NULL};
	struct passwd *pw = getpwnam("nobody");
	struct auth_opts o;

	(void)state;
	assert_int_equal(parse(nobody, 1000, &o), AUTH_SET_FATAL);
	assert_string_equal(err, "--user nobody: only root can change user");
	assert_int_equal(parse(root, 0, &o), AUTH_SET_FATAL);
	assert_string_equal(err, "--user root: no such user, or root");
	assert_int_equal(parse(none, 0, &o), AUTH_SET_FATAL);
	assert_string_equal(err, "--user no-such-user.x: no such user, or root");
	if (pw == NULL)
		skip();
	assert_int_equal(parse(nobody, 0, &o), 0);
	assert_string_equal(o.user, "nobody");
	assert_int_equal(o.uid, pw->pw_uid);
	assert_int_equal(o.gid, pw->pw_gid);
}

/* ---- the environment ---- */

static void ca_conf(const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/ca.conf", dir);
	write_text_file(path, text, 0644);
}

static struct auth_opts opts(uid_t uid)
{
	struct auth_opts o = {.dir = dir, .fd = 3, .key_fd = -1, .token_lifetime_s = 60,
			      .uid = uid, .gid = getegid()};
	return o;
}

/* What gss-ntlmssp reads, set to a sentinel: a refusal must leave it. */
static void env_sentinel(void)
{
	setenv("NTLM_USER_FILE", "sentinel", 1);
	setenv("NETBIOS_COMPUTER_NAME", "sentinel", 1);
	setenv("NETBIOS_DOMAIN_NAME", "sentinel", 1);
	unsetenv("LM_COMPAT_LEVEL");
}

static void assert_env_untouched(void)
{
	assert_string_equal(getenv("NTLM_USER_FILE"), "sentinel");
	assert_string_equal(getenv("NETBIOS_COMPUTER_NAME"), "sentinel");
	assert_string_equal(getenv("NETBIOS_DOMAIN_NAME"), "sentinel");
	assert_null(getenv("LM_COMPAT_LEVEL"));
}

static void test_environment(void **state)
{
	struct auth_opts o = opts(geteuid());
	char line[PATH_MAX + 64], why[128];

	(void)state;
	env_sentinel();
	ca_conf("netbios_computer_name = issuing-1\nnetbios_domain_name = example\n"
		"auth_throttle_account = 2\nauth_throttle_address = 3\n"
		"auth_throttle_delay = 4\nauth_throttle_max_delay = 8\n");
	write_text_file(accounts, "", 0600);
	log_begin();
	assert_int_equal(auth_env_setup(&o, "host.example", err, sizeof(err)), 0);
	log_end_quiet();
	assert_string_equal(getenv("NTLM_USER_FILE"), accounts);
	assert_string_equal(getenv("NETBIOS_COMPUTER_NAME"), "ISSUING-1");
	assert_string_equal(getenv("NETBIOS_DOMAIN_NAME"), "EXAMPLE");
	assert_string_equal(getenv("LM_COMPAT_LEVEL"), "5"); /* NTLMv2 only */
	assert_logged("failed logons throttled after 2 per account, 3 per address (0: never), "
		      "4 s doubling to 8 s");
	snprintf(line, sizeof(line), "NetBIOS names ISSUING-1 / EXAMPLE, accounts in %s", accounts);
	assert_logged(line);
	/* the throttle is ca.conf's: two failures of one account, then 4 s */
	throttle_failed("EXAMPLE\\t", "", 1000000);
	throttle_failed("EXAMPLE\\t", "", 1000000);
	assert_true(throttle_check("EXAMPLE\\t", "", 1000000, why, sizeof(why)) != 0);
	assert_string_equal(why, "throttled: 2 failed logons of EXAMPLE\\t, refused for 4.000 s");
	/* the host name's default; no account file yet: a warning, not a refusal */
	unlink(accounts);
	ca_conf("");
	log_begin();
	assert_int_equal(auth_env_setup(&o, "ca-host.example.com", err, sizeof(err)), 0);
	log_end_quiet();
	assert_string_equal(getenv("NETBIOS_COMPUTER_NAME"), "CA-HOST");
	assert_string_equal(getenv("NETBIOS_DOMAIN_NAME"), "WORKGROUP");
	snprintf(line, sizeof(line), "%s: no account file: every NTLM logon is refused (caadm "
		 "account add)", accounts);
	assert_logged(line);
}

/* Each refusal: its class, its words, and gss-ntlmssp's environment left. */
static void test_environment_refused(void **state)
{
	struct auth_opts o = opts(geteuid());
	char want[PATH_MAX + 128];

	(void)state;
	write_text_file(accounts, "", 0600);
	env_sentinel();
	/* a throttle value is the operator's to change */
	ca_conf("auth_throttle_delay = 0\n");
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), AUTH_SET_REFUSE);
	assert_string_equal(err, "ca.conf: auth_throttle_delay must be a number from 1 to 3600");
	assert_env_untouched();
	/* a NetBIOS name */
	ca_conf("netbios_domain_name = a b\n");
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), AUTH_SET_FATAL);
	assert_string_equal(err, "ca.conf: netbios_domain_name ' b': letters, digits, '-' and '_' "
				 "only");
	assert_env_untouched();
	/* the account file readable by others, or another user's */
	ca_conf("");
	snprintf(want, sizeof(want), "%s must be a regular file of uid %d with mode 0600 (it holds "
		 "NT hashes, which are password-equivalent)", accounts, (int)geteuid());
	assert_int_equal(chmod(accounts, 0640), 0);
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), AUTH_SET_FATAL);
	assert_string_equal(err, want);
	assert_env_untouched();
	assert_int_equal(chmod(accounts, 0600), 0);
	o.uid = geteuid() + 1;
	snprintf(want, sizeof(want), "%s must be a regular file of uid %d with mode 0600 (it holds "
		 "NT hashes, which are password-equivalent)", accounts, (int)o.uid);
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), AUTH_SET_FATAL);
	assert_string_equal(err, want);
	assert_env_untouched();
	/* no ca.conf at all: no data directory */
	o = opts(geteuid());
	o.dir = "/nonexistent";
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), AUTH_SET_FATAL);
	assert_non_null(strstr(err, "/nonexistent/ca.conf"));
	assert_env_untouched();
}

/* Kerberos' environment (issue 18): ca-auth writes its own krb5.conf beside
 * the account file (0644, the clock skew of ca.conf, AES only) and points MIT
 * at it, at the keytab beside it and at no replay cache of MIT's. The oracle
 * for the file is MIT's libkrb5 reading it (the permitted enctypes, the
 * profile's clockskew), besides its exact text. */
static void kerberos_conf_read_by_mit(int skew)
{
	static const krb5_enctype aes[] = {ENCTYPE_AES256_CTS_HMAC_SHA1_96,
					   ENCTYPE_AES128_CTS_HMAC_SHA1_96, 0};
	krb5_context k;
	krb5_enctype *et = NULL;
	profile_t prof = NULL;
	int v = -1, n = 0;

	assert_int_equal(krb5_init_context(&k), 0);
	assert_int_equal(krb5_get_permitted_enctypes(k, &et), 0);
	while (et[n] != 0)
		n++;
	assert_int_equal(n, 2);
	assert_memory_equal(et, aes, sizeof(aes));
	assert_int_equal(krb5_get_profile(k, &prof), 0);
	assert_int_equal(profile_get_integer(prof, "libdefaults", "clockskew", NULL, 0, &v), 0);
	assert_int_equal(v, skew);
	profile_release(prof);
	krb5_free_enctypes(k, et);
	krb5_free_context(k);
}

static void test_kerberos_environment(void **state)
{
	struct auth_opts o = opts(geteuid());
	char conf[PATH_MAX], tmp[PATH_MAX + 8], kt[PATH_MAX + 16], text[1024], want[1024];
	struct stat st;
	FILE *f;
	size_t n;

	(void)state;
	unsetenv("KRB5_KTNAME");
	unsetenv("KRB5_CONFIG");
	unsetenv("KRB5RCACHETYPE");
	snprintf(conf, sizeof(conf), "%s/auth/krb5.conf", dir);
	unlink(conf); /* the one test_environment's start wrote */
	snprintf(tmp, sizeof(tmp), "%s.tmp", conf);
	snprintf(kt, sizeof(kt), "FILE:%s/auth/krb5.keytab", dir);
	write_text_file(accounts, "", 0600);
	/* a refused clock skew: nothing written, MIT's environment left */
	ca_conf("kerberos_clock_skew = 0\n");
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), AUTH_SET_REFUSE);
	assert_string_equal(err, "ca.conf: kerberos_clock_skew must be a number from 1 to 3600");
	assert_int_equal(stat(conf, &st), -1);
	assert_null(getenv("KRB5_KTNAME"));
	assert_null(getenv("KRB5_CONFIG"));
	assert_null(getenv("KRB5RCACHETYPE"));

	ca_conf("kerberos_clock_skew = 120\n");
	log_begin();
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), 0);
	log_end_quiet();
	assert_string_equal(getenv("KRB5_KTNAME"), kt);
	assert_string_equal(getenv("KRB5_CONFIG"), conf);
	assert_string_equal(getenv("KRB5RCACHETYPE"), "none");
	assert_int_equal(lstat(conf, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(stat(tmp, &st), -1); /* renamed, nothing left beside it */
	assert_int_equal(errno, ENOENT);
	assert_non_null(f = fopen(conf, "r"));
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = 0;
	fclose(f);
	snprintf(want, sizeof(want),
		 "# Written by ca-auth at each start from ca.conf; edits are lost.\n"
		 "[libdefaults]\n"
		 "\tclockskew = %d\n"
		 "\tpermitted_enctypes = aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96\n"
		 "\tallow_weak_crypto = false\n"
		 "\tdns_lookup_kdc = false\n"
		 "\tdns_lookup_realm = false\n",
		 120);
	assert_string_equal(text, want);
	kerberos_conf_read_by_mit(120);

	/* the next start writes it again: ca.conf's default now, edits lost */
	write_text_file(conf, "[libdefaults]\n\tclockskew = 1\n", 0600);
	ca_conf("");
	log_begin();
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), 0);
	log_end_quiet();
	assert_int_equal(stat(conf, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	kerberos_conf_read_by_mit(300);

	/* a krb5.conf that cannot be written: ca-auth does not start */
	unlink(conf);
	assert_int_equal(mkdir(conf, 0755), 0);
	assert_int_equal(auth_env_setup(&o, "h", err, sizeof(err)), AUTH_SET_FATAL);
	snprintf(want, sizeof(want), "%s: %s", conf, strerror(EISDIR));
	assert_string_equal(err, want);
	assert_int_equal(rmdir(conf), 0);
	unlink(conf);
	unsetenv("KRB5_KTNAME");
	unsetenv("KRB5_CONFIG");
	unsetenv("KRB5RCACHETYPE");
}

static void test_utf16(void **state)
{
	(void)state;
	assert_int_equal(auth_check_utf16(err, sizeof(err)), 0);
}

/* ---- the jail ---- */

/* Without --user: a warning, no chroot, the account file where it is. */
static void test_jail_without_user(void **state)
{
	struct auth_opts o = opts(geteuid());

	(void)state;
	env_sentinel();
	log_begin();
	assert_int_equal(auth_enter_jail(&o, err, sizeof(err)), 0);
	log_end_quiet();
	assert_logged("not started with --user (cad is not root): no chroot, ca-auth sees what "
		      "its user sees");
	assert_string_equal(getenv("NTLM_USER_FILE"), "sentinel");
}

/* The jail refused: ca-auth must not serve (the steps before the chroot
 * change nothing, so these run in the test's own process). */
static void test_jail_refused(void **state)
{
	static char longdir[PATH_MAX + 8];
	struct auth_opts o = opts(65534);
	char want[PATH_MAX + 128];
	uid_t euid = geteuid();

	(void)state;
	o.user = "nobody";
	env_sentinel();
	/* a data directory without auth/ */
	o.dir = "/nonexistent";
	assert_int_equal(auth_enter_jail(&o, err, sizeof(err)), -1);
	assert_string_equal(err, "refusing to serve unconfined: cannot chroot to /nonexistent/auth: "
				 "No such file or directory"); /* the path is looked up first */
	/* a path past PATH_MAX */
	memset(longdir, 'a', sizeof(longdir) - 1);
	longdir[0] = '/';
	o.dir = longdir;
	assert_int_equal(auth_enter_jail(&o, err, sizeof(err)), -1);
	assert_string_equal(err, "refusing to serve unconfined: the data directory's path is too "
				 "long");
	/* without the privilege to chroot (as root: an effective uid given up
	 * for the call, then taken back) */
	o.dir = dir;
	if (euid == 0)
		assert_int_equal(seteuid(65534), 0);
	assert_int_equal(auth_enter_jail(&o, err, sizeof(err)), -1);
	if (euid == 0)
		assert_int_equal(seteuid(0), 0);
	snprintf(want, sizeof(want), "refusing to serve unconfined: cannot chroot to %s/auth: "
		 "Operation not permitted", dir);
	assert_string_equal(err, want);
	assert_string_equal(getenv("NTLM_USER_FILE"), "sentinel");
}

/* ---- auth_start ---- */

/* Refusals before anything irreversible: the token key, the settings. */
static void test_start_refused(void **state)
{
	struct auth_tokens tk;
	struct auth_opts o = opts(geteuid());
	int p[2];

	(void)state;
	memset(&tk, 0, sizeof(tk));
	write_text_file(accounts, "", 0600);
	ca_conf("");
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "abc", 3), 3);
	close(p[1]);
	o.key_fd = p[0];
	assert_int_equal(auth_start(&o, &tk, err, sizeof(err)), AUTH_SET_FATAL);
	assert_string_equal(err, "the identity-token key: 3 of 32 bytes");
	assert_int_equal(tk.have_key, 0);
	assert_int_equal(fcntl(p[0], F_GETFD), -1); /* closed either way */
	/* a good key, then a setting the operator must change: the key wiped */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789abcdef0123456789abcdef", 32), 32);
	close(p[1]);
	o.key_fd = p[0];
	ca_conf("auth_throttle_account = x\n");
	assert_int_equal(auth_start(&o, &tk, err, sizeof(err)), AUTH_SET_REFUSE);
	assert_int_equal(tk.have_key, 0);
	for (size_t i = 0; i < sizeof(tk.key); i++)
		assert_int_equal(tk.key[i], 0);
	o.key_fd = -1;
	ca_conf("auth_throttle_account = x\n");
	log_begin();
	assert_int_equal(auth_start(&o, &tk, err, sizeof(err)), AUTH_SET_REFUSE);
	log_end_quiet();
	assert_string_equal(err, "ca.conf: auth_throttle_account must be a number from 0 to "
				 "1000000");
	assert_logged("no --token-key-fd: logons are not vouched for, and the custodian accepts "
		      "no request as anyone's");
	assert_int_equal(tk.lifetime_s, 60);
}

/* What a child does once auth_start has jailed and filtered it. */
enum after { STAYED, UNLISTED, SELFTEST };

/* Forks a child that runs auth_start as ca-auth does (as nobody, in
 * DIR/auth, with a token key on a pipe), then does `what`; its wait status. */
static int started_child(enum after what)
{
	struct passwd *pw = getpwnam("nobody");
	pid_t pid;
	int p[2], st;

	assert_non_null(pw);
	assert_int_equal(chown(accounts, pw->pw_uid, pw->pw_gid), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789abcdef0123456789abcdef", 32), 32);
	close(p[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct auth_tokens tk;
		struct auth_opts o = opts(pw->pw_uid);
		char msg[512];

		memset(&tk, 0, sizeof(tk));
		o.user = "nobody";
		o.gid = pw->pw_gid;
		o.key_fd = p[0];
		if (auth_start(&o, &tk, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "auth_start: %s\n", msg);
			_exit(2);
		}
		switch (what) {
		case STAYED: /* jailed: the account file is /accounts, the rest is gone;
			      * not root (the file is 0400: root could write it); only
			      * calls of the allow-list here (no getuid) */
			if (!tk.have_key || tk.lifetime_s != 60 || access("/accounts", R_OK) != 0 ||
			    access("/accounts", W_OK) == 0 || errno != EACCES ||
			    access(dir, F_OK) == 0 || errno != ENOENT ||
			    strcmp(getenv("NTLM_USER_FILE"), "/accounts") != 0)
				_exit(3);
			_exit(0);
		case UNLISTED: /* getuid is on neither ca-auth's list nor ASan's */
			_exit(getuid() == pw->pw_uid ? 0 : 4);
		case SELFTEST:
			(void)auth_selftest_open(accounts, msg, sizeof(msg));
			fprintf(stderr, "%s\n", msg);
			_exit(5);
		}
		_exit(6);
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(chown(accounts, geteuid(), getegid()), 0);
	return st;
}

static void prepare_start(void)
{
	if (geteuid() != 0 || getpwnam("nobody") == NULL)
		skip(); /* the jail needs root, and a user to become */
	write_text_file(accounts, "", 0400);
	ca_conf("netbios_computer_name = ca\n");
}

static void test_started_jailed(void **state)
{
	int st;

	(void)state;
	prepare_start();
	st = started_child(STAYED);
	if (WIFSIGNALED(st))
		fail_msg("the child died of signal %d (31: a call off ca-auth's list)",
			 WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* A call off the allow-list kills ca-auth, unless the build logs instead. */
static void test_started_filtered(void **state)
{
	int st;

	(void)state;
	prepare_start();
	st = started_child(UNLISTED);
#if defined(CONFIG_SECCOMP) && !defined(CONFIG_SECCOMP_LOG)
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
#else
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
#endif
}

/* --selftest-open: the path outside the jail is not found read-only; the open
 * for writing is killed (logged only: then the probe says so itself). */
static void test_selftest_open(void **state)
{
	char want[PATH_MAX + 128];
	int st;

	(void)state;
	prepare_start();
	log_begin();
	st = started_child(SELFTEST);
	log_end_quiet();
	snprintf(want, sizeof(want), "selftest: %s cannot be opened: No such file or directory; "
		 "opening it for writing", accounts);
	assert_logged(want);
#if defined(CONFIG_SECCOMP) && !defined(CONFIG_SECCOMP_LOG)
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
#else
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 5);
	assert_logged("selftest: an open for writing was not killed (fd -1)");
#endif
}

/* The probe in an unconfined process: a readable path fails it at once; a
 * path that is nowhere goes on to the write-open, which nothing kills here
 * (no O_CREAT: nothing is made). */
static void test_selftest_open_unconfined(void **state)
{
	char want[PATH_MAX + 64];

	(void)state;
	write_text_file(accounts, "", 0600);
	assert_int_equal(auth_selftest_open(accounts, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "selftest: %s was opened inside the sandbox", accounts);
	assert_string_equal(err, want);
	log_begin();
	assert_int_equal(auth_selftest_open("/nonexistent/x", err, sizeof(err)), -1);
	log_end_quiet();
	assert_logged("selftest: /nonexistent/x cannot be opened: No such file or directory; "
		      "opening it for writing");
	assert_string_equal(err, "selftest: an open for writing was not killed (fd -1)");
	assert_int_equal(access("/nonexistent/x", F_OK), -1);
}

/* auth_start up to the jail, which is refused (a data directory without
 * auth/): the acceptor is loaded and warmed up, then ca-auth does not serve.
 * Nothing irreversible happened, so this runs in the test's own process. */
static void test_start_jail_refused(void **state)
{
	static char other[] = "/tmp/test_auth_start.noauth.XXXXXX";
	struct auth_tokens tk;
	struct auth_opts o = opts(65534);
	char path[PATH_MAX], want[PATH_MAX + 128];
	uid_t euid = geteuid();

	(void)state;
	memset(&tk, 0, sizeof(tk));
	assert_non_null(mkdtemp(other));
	snprintf(path, sizeof(path), "%s/ca.conf", other);
	write_text_file(path, "netbios_computer_name = ca\n", 0644);
	o.dir = other;
	o.user = "nobody";
	log_begin();
	assert_int_equal(auth_start(&o, &tk, err, sizeof(err)), AUTH_SET_FATAL);
	log_end_quiet();
	snprintf(want, sizeof(want), "refusing to serve unconfined: cannot chroot to %s/auth: No "
		 "such file or directory", other);
	assert_string_equal(err, want);
	snprintf(want, sizeof(want), "%s/auth/accounts: no account file", other);
	assert_logged(want);
	/* no directory for krb5.conf either: a warning, the jail refuses next */
	snprintf(want, sizeof(want), "%s/auth: no directory for ca-auth's krb5.conf: Kerberos "
		 "logons will be refused", other);
	assert_logged(want);
	assert_int_equal(geteuid(), euid); /* still who it was */
	unlink(path);
	rmdir(other);
}

static int setup_all(void **state)
{
	char path[PATH_MAX];

	(void)state;
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0) /* nobody may look in */
		return -1;
	snprintf(path, sizeof(path), "%s/auth", dir);
	if (mkdir(path, 0755) != 0)
		return -1;
	snprintf(accounts, sizeof(accounts), "%s/accounts", path);
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	auth_dir_remove(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_line),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_numbers_refused),
		cmocka_unit_test(test_user),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_environment_refused),
		cmocka_unit_test(test_kerberos_environment),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_jail_without_user),
		cmocka_unit_test(test_jail_refused),
		cmocka_unit_test(test_start_refused),
		cmocka_unit_test(test_started_jailed),
		cmocka_unit_test(test_started_filtered),
		cmocka_unit_test(test_selftest_open),
		cmocka_unit_test(test_selftest_open_unconfined),
		cmocka_unit_test(test_start_jail_refused),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
