/* firmware/auth/settings.c: ca-auth's start-up settings. ca.conf's NetBIOS
 * names (defaults, cut, uppercased, refused characters) and throttle (defaults,
 * each key's bounds, max below the delay: refusals the operator must fix), the
 * account file's owner and mode, and the identity-token key read whole from a
 * pipe. Each refusal is checked by its return and its exact message. */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/auth/settings.h"
#include "tests/unit/support/data_dir.h"

static char dir[] = "/tmp/test_auth_settings.XXXXXX";
static char err[512];

/* DIR/ca.conf holding text. */
static void ca_conf(const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ca.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int load(const char *text, const char *host, struct auth_settings *s)
{
	ca_conf(text);
	err[0] = 0;
	return auth_settings_load(dir, host, s, err, sizeof(err));
}

static void test_defaults(void **state)
{
	struct auth_settings s;
	char want[PATH_MAX];

	(void)state;
	assert_int_equal(load("# nothing\n", "ca-host1.example.com", &s), 0);
	assert_string_equal(s.computer, "CA-HOST1"); /* up to the dot, uppercased */
	assert_string_equal(s.domain, "WORKGROUP");
	assert_int_equal(s.throttle.account_failures, 5);
	assert_int_equal(s.throttle.address_failures, 20);
	assert_int_equal(s.throttle.delay_ms, 1000);
	assert_int_equal(s.throttle.max_delay_ms, 300000);
	assert_int_equal(s.krb_skew_s, 300); /* AD's 5 minutes */
	snprintf(want, sizeof(want), "%s/auth/accounts", dir);
	assert_string_equal(s.accounts, want);
}

static void test_names_and_throttle_set(void **state)
{
	struct auth_settings s;

	(void)state;
	assert_int_equal(load("netbios_computer_name = issuing_ca-1\n"
			      "netbios_domain_name = example\n"
			      "auth_throttle_account = 0\n"
			      "auth_throttle_address = 1000000\n"
			      "auth_throttle_delay = 3600\n"
			      "auth_throttle_max_delay = 86400\n", "ignored", &s), 0);
	assert_string_equal(s.computer, "ISSUING_CA-1");
	assert_string_equal(s.domain, "EXAMPLE");
	assert_int_equal(s.throttle.account_failures, 0);
	assert_int_equal(s.throttle.address_failures, 1000000);
	assert_int_equal(s.throttle.delay_ms, 3600000);
	assert_int_equal(s.throttle.max_delay_ms, 86400000);
	/* a long host name is cut to NetBIOS's 15 */
	assert_int_equal(load("", "abcdefghijklmnopqrstu", &s), 0);
	assert_string_equal(s.computer, "ABCDEFGHIJKLMNO");
}

/* A broken name or file: AUTH_SET_FATAL. */
static void test_names_refused(void **state)
{
	struct auth_settings s;

	(void)state;
	assert_int_equal(load("netbios_domain_name = EX AMPLE\n", "h", &s), AUTH_SET_FATAL);
	assert_string_equal(err, "ca.conf: netbios_domain_name ' AMPLE': letters, digits, '-' "
				 "and '_' only");
	assert_int_equal(load("", "my.host", &s), 0);
	assert_int_equal(load("netbios_computer_name = ca.example\n", "h", &s), AUTH_SET_FATAL);
	assert_string_equal(err, "ca.conf: netbios_computer_name '.example': letters, digits, "
				 "'-' and '_' only");
	assert_int_equal(load("", ".example", &s), AUTH_SET_FATAL); /* nothing before the dot */
	assert_string_equal(err, "ca.conf: netbios_computer_name is empty");
	assert_int_equal(load("netbios_domain_name = \n", "h", &s), AUTH_SET_FATAL);
	assert_string_equal(err, "ca.conf: netbios_domain_name is empty");
	/* an unreadable ca.conf */
	assert_int_equal(load("no equals sign\n", "h", &s), AUTH_SET_FATAL);
	assert_non_null(strstr(err, "ca.conf"));
}

/* A throttle value out of its bounds: AUTH_SET_REFUSE, the key named. */
static void test_throttle_refused(void **state)
{
	static const struct {
		const char *conf, *err;
	} cases[] = {
		{"auth_throttle_account = -1\n",
		 "ca.conf: auth_throttle_account must be a number from 0 to 1000000"},
		{"auth_throttle_account = 1000001\n",
		 "ca.conf: auth_throttle_account must be a number from 0 to 1000000"},
		{"auth_throttle_address = 5x\n",
		 "ca.conf: auth_throttle_address must be a number from 0 to 1000000"},
		{"auth_throttle_address = 99999999999999999999999\n",
		 "ca.conf: auth_throttle_address must be a number from 0 to 1000000"},
		{"auth_throttle_delay = 0\n",
		 "ca.conf: auth_throttle_delay must be a number from 1 to 3600"},
		{"auth_throttle_delay = 3601\n",
		 "ca.conf: auth_throttle_delay must be a number from 1 to 3600"},
		{"auth_throttle_max_delay = 86401\n",
		 "ca.conf: auth_throttle_max_delay must be a number from 1 to 86400"},
		{"auth_throttle_max_delay =\n",
		 "ca.conf: auth_throttle_max_delay must be a number from 1 to 86400"},
		{"auth_throttle_delay = 10\nauth_throttle_max_delay = 9\n",
		 "ca.conf: auth_throttle_max_delay is less than auth_throttle_delay"},
	};
	struct auth_settings s;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load(cases[i].conf, "h", &s), AUTH_SET_REFUSE);
		assert_string_equal(err, cases[i].err);
	}
	/* without a ca.conf */
	assert_int_equal(auth_settings_load("/nonexistent", "h", &s, err, sizeof(err)),
			 AUTH_SET_FATAL);
}

/* kerberos_clock_skew (issue 18): seconds, 1..3600; anything else refused
 * with the key named. */
static void test_kerberos_clock_skew(void **state)
{
	static const char *const refused[] = {
		"kerberos_clock_skew = 0\n",  "kerberos_clock_skew = 3601\n",
		"kerberos_clock_skew = -1\n", "kerberos_clock_skew = 5m\n",
		"kerberos_clock_skew = \n",   "kerberos_clock_skew = 99999999999999999999\n",
		"kerberos_clock_skew = 0x10\n",
	};
	struct auth_settings s;

	(void)state;
	assert_int_equal(load("kerberos_clock_skew = 1\n", "h", &s), 0);
	assert_int_equal(s.krb_skew_s, 1);
	assert_int_equal(load("kerberos_clock_skew = 3600\n", "h", &s), 0);
	assert_int_equal(s.krb_skew_s, 3600);
	assert_int_equal(load("kerberos_clock_skew = 120\n", "h", &s), 0);
	assert_int_equal(s.krb_skew_s, 120);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(load(refused[i], "h", &s), AUTH_SET_REFUSE);
		assert_string_equal(err, "ca.conf: kerberos_clock_skew must be a number from 1 to 3600");
	}
}

/* kerberos_unknown_principals (issue 18): refuse (the default) or
 * domain-users; anything else refused with the key named. */
static void test_kerberos_unknown_principals(void **state)
{
	static const char *const refused[] = {
		"kerberos_unknown_principals = everyone\n", "kerberos_unknown_principals = \n",
		"kerberos_unknown_principals = Domain-Users\n",
		"kerberos_unknown_principals = domain-users2\n",
	};
	struct auth_settings s;

	(void)state;
	assert_int_equal(load("netbios_domain_name = X\n", "h", &s), 0);
	assert_int_equal(s.krb_unknown_domain_users, 0);
	assert_int_equal(load("kerberos_unknown_principals = refuse\n", "h", &s), 0);
	assert_int_equal(s.krb_unknown_domain_users, 0);
	assert_int_equal(load("kerberos_unknown_principals = domain-users\n", "h", &s), 0);
	assert_int_equal(s.krb_unknown_domain_users, 1);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(load(refused[i], "h", &s), AUTH_SET_REFUSE);
		assert_string_equal(err, "ca.conf: kerberos_unknown_principals must be refuse or "
				    "domain-users");
	}
}

/* The account file: absent (a warning), 0600 of its owner, or refused. */
static void test_accounts_file(void **state)
{
	char path[PATH_MAX], want[PATH_MAX + 200];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/accounts", dir);
	assert_int_equal(auth_accounts_check(path, getuid(), err, sizeof(err)), 1);
	snprintf(want, sizeof(want), "%s: no account file: every NTLM logon is refused (caadm "
		 "account add)", path);
	assert_string_equal(err, want);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(auth_accounts_check(path, getuid(), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s must be a regular file of uid %d with mode 0600 (it "
		 "holds NT hashes, which are password-equivalent)", path, (int)getuid() + 1);
	assert_int_equal(auth_accounts_check(path, getuid() + 1, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(chmod(path, 0640), 0); /* the group may read it */
	assert_int_equal(auth_accounts_check(path, getuid(), err, sizeof(err)), -1);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(auth_accounts_check(path, getuid(), err, sizeof(err)), -1);
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0); /* not a regular file */
	assert_int_equal(auth_accounts_check(path, getuid(), err, sizeof(err)), -1);
	rmdir(path);
}

/* The token key: whole from the pipe, or refused (and wiped) when short. */
static void test_token_key(void **state)
{
	uint8_t key[IDTOKEN_KEY_LEN];
	struct auth_tokens tk;
	int p[2];

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i + 1);
	memset(&tk, 0, sizeof(tk));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], key, 10), 10); /* in two writes */
	assert_int_equal(write(p[1], key + 10, sizeof(key) - 10), (ssize_t)(sizeof(key) - 10));
	close(p[1]);
	assert_int_equal(auth_token_key_read(p[0], &tk, err, sizeof(err)), 0);
	assert_int_equal(tk.have_key, 1);
	assert_memory_equal(tk.key, key, sizeof(key));
	assert_int_equal(fcntl(p[0], F_GETFD), -1); /* closed */

	memset(&tk, 0, sizeof(tk));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], key, 31), 31);
	close(p[1]);
	assert_int_equal(auth_token_key_read(p[0], &tk, err, sizeof(err)), -1);
	assert_string_equal(err, "the identity-token key: 31 of 32 bytes");
	assert_int_equal(tk.have_key, 0);
	for (size_t i = 0; i < sizeof(tk.key); i++)
		assert_int_equal(tk.key[i], 0);
	assert_int_equal(fcntl(p[0], F_GETFD), -1);
	/* a descriptor that cannot be read */
	assert_int_equal(auth_token_key_read(-1, &tk, err, sizeof(err)), -1);
	assert_string_equal(err, "the identity-token key: 0 of 32 bytes");
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	auth_dir_remove(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_names_and_throttle_set),
		cmocka_unit_test(test_names_refused),
		cmocka_unit_test(test_throttle_refused),
		cmocka_unit_test(test_kerberos_clock_skew),
		cmocka_unit_test(test_kerberos_unknown_principals),
		cmocka_unit_test(test_accounts_file),
		cmocka_unit_test(test_token_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
