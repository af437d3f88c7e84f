/* firmware/admin/cli.c: caadm's command line, parsed without a process. Every
 * verb with its options, and every refusal with the exact text caadm prints and
 * the exit status it ends with (2: caadm's and account's usage, 4: the
 * console's, 1: what caadm always reported as fatal). */
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

#include "config.h"
#include "firmware/admin/admin.h"

static struct adm_cmd cmd;
static char err[ADM_ERR_MAX];

/* Parses "caadm" followed by the NULL-terminated list args. */
static int parse_list(char **args)
{
	char *argv[160] = {"caadm"};
	int argc = 1;

	while (*args != NULL && argc < 159)
		argv[argc++] = *args++;
	argv[argc] = NULL;
	memset(err, 'x', sizeof(err) - 1);
	err[sizeof(err) - 1] = 0;
	return adm_parse(argc, argv, &cmd, err, sizeof(err));
}
#define PARSE(...) parse_list((char *[]){__VA_ARGS__, NULL})

/* A parse that succeeds leaves no message. */
static void assert_ok(int rc)
{
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
}

/* A refusal: its status and exact text. */
static void assert_refused(int rc, int status, const char *text)
{
	assert_int_equal(rc, status);
	assert_string_equal(err, text);
}

static const char bad_fd[] =
	"caadm: fatal: a descriptor number must be a number from 1 to 1048576\n";

/* ---- caadm's own verbs ---- */

static void test_no_verb(void **state)
{
	(void)state;
	assert_refused(parse_list((char *[]){NULL}), 2, adm_usage_text);
	/* the usage names the configured data directory */
	assert_non_null(strstr(adm_usage_text, "defaults: --data " CONFIG_DATA_DIR ", key"));
	assert_int_equal(cmd.console, 0);
}

static void test_init(void **state)
{
	(void)state;
	assert_ok(PARSE("init", "--key", "ec:p256", "--root", "--data", "/d", "--admin", "alice",
			"--admin-passphrase-fd", "5"));
	assert_int_equal(cmd.verb, CMD_INIT);
	assert_string_equal(cmd.kind, "root");
	assert_string_equal(cmd.dir, "/d");
	assert_string_equal(cmd.admin, "alice");
	assert_int_equal(cmd.admin_pass.fd, 5);
	/* ca-custodian ceremony root, then every other argument in its order */
	assert_int_equal(cmd.n_args, 7);
	assert_string_equal(cmd.args[1], "ceremony");
	assert_string_equal(cmd.args[2], "root");
	assert_string_equal(cmd.args[3], "--key");
	assert_string_equal(cmd.args[4], "ec:p256");
	assert_string_equal(cmd.args[5], "--data");
	assert_string_equal(cmd.args[6], "/d");
}

/* A passphrase option alone asks for an administrator named "admin"; none at
 * all asks for none. */
static void test_init_admin_default(void **state)
{
	(void)state;
	assert_ok(PARSE("init", "--subordinate", "--admin-passphrase-file", "/p"));
	assert_string_equal(cmd.kind, "subordinate");
	assert_string_equal(cmd.admin, "admin");
	assert_string_equal(cmd.admin_pass.file, "/p");
	assert_string_equal(cmd.dir, CONFIG_DATA_DIR);
	assert_ok(PARSE("init", "--root"));
	assert_null(cmd.admin);
	assert_int_equal(cmd.admin_pass.fd, -1);
	/* --admin without a value goes to the custodian, which judges it */
	assert_ok(PARSE("init", "--root", "--admin"));
	assert_null(cmd.admin);
	assert_string_equal(cmd.args[3], "--admin");
}

static void test_init_refused(void **state)
{
	char *many[80];

	(void)state;
	assert_refused(PARSE("init"), 2, adm_usage_text);
	assert_refused(PARSE("init", "--data", "/d"), 2, adm_usage_text);
	assert_refused(PARSE("init", "--root", "--subordinate"), 2, adm_usage_text);
	assert_refused(PARSE("init", "--root", "--root"), 2, adm_usage_text);
	assert_refused(PARSE("init", "--root", "--admin-passphrase-fd", "x"), 1, bad_fd);
	assert_refused(PARSE("init", "--root", "--admin-passphrase-fd", "0"), 1, bad_fd);
	assert_refused(PARSE("init", "--root", "--admin-passphrase-fd", "1048577"), 1, bad_fd);
	/* more than the tool's argv holds */
	many[0] = "init";
	for (int i = 1; i < 70; i++)
		many[i] = "x";
	many[70] = NULL;
	assert_refused(parse_list(many), 2, adm_usage_text);
}

static void test_install_cert(void **state)
{
	(void)state;
	assert_ok(PARSE("install-cert", "--chain", "p.pem", "sub.crt", "--data", "/d"));
	assert_int_equal(cmd.verb, CMD_INSTALL_CERT);
	assert_string_equal(cmd.cert_file, "sub.crt");
	assert_string_equal(cmd.dir, "/d");
	assert_int_equal(cmd.n_args, 8);
	assert_string_equal(cmd.args[1], "install-cert");
	assert_string_equal(cmd.args[2], "--chain");
	assert_string_equal(cmd.args[3], "p.pem");
	assert_string_equal(cmd.args[6], "--cert");
	assert_string_equal(cmd.args[7], "sub.crt");
}

static void test_install_cert_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("install-cert"), 2, adm_usage_text);
	assert_refused(PARSE("install-cert", "a.crt", "b.crt"), 2, adm_usage_text);
	/* an option without its value */
	assert_refused(PARSE("install-cert", "a.crt", "--chain"), 2, adm_usage_text);
	assert_refused(PARSE("install-cert", "--chain", "p.pem"), 2, adm_usage_text);
}

/* check and verify pass their arguments on; the tool judges them. */
static void test_check_verify(void **state)
{
	(void)state;
	assert_ok(PARSE("check", "--data", "/d", "--pin-fd", "3"));
	assert_int_equal(cmd.verb, CMD_CHECK);
	assert_int_equal(cmd.n_args, 6);
	assert_string_equal(cmd.args[1], "check");
	assert_string_equal(cmd.args[5], "3");
	assert_ok(PARSE("verify", "--bogus"));
	assert_int_equal(cmd.verb, CMD_VERIFY);
	assert_int_equal(cmd.n_args, 3);
	assert_string_equal(cmd.args[1], "verify");
	assert_string_equal(cmd.args[2], "--bogus");
}

static void test_status(void **state)
{
	(void)state;
	assert_ok(PARSE("status"));
	assert_int_equal(cmd.verb, CMD_STATUS);
	assert_string_equal(cmd.dir, CONFIG_DATA_DIR);
	assert_ok(PARSE("status", "--data", "/d"));
	assert_string_equal(cmd.dir, "/d");
	assert_refused(PARSE("status", "--data"), 2, adm_usage_text);
	assert_refused(PARSE("status", "extra"), 2, adm_usage_text);
}

static void test_operator_init(void **state)
{
	(void)state;
	assert_ok(PARSE("operator-init", "alice", "--data", "/d", "--passphrase-fd", "4"));
	assert_int_equal(cmd.verb, CMD_OPERATOR_INIT);
	assert_string_equal(cmd.name, "alice");
	assert_string_equal(cmd.dir, "/d");
	assert_int_equal(cmd.secret.fd, 4);
	assert_ok(PARSE("operator-init", "--passphrase-file", "/p", "bob"));
	assert_string_equal(cmd.name, "bob");
	assert_string_equal(cmd.secret.file, "/p");
	assert_int_equal(cmd.secret.fd, -1);
	assert_refused(PARSE("operator-init"), 2, adm_usage_text);
	assert_refused(PARSE("operator-init", "a", "b"), 2, adm_usage_text);
	assert_refused(PARSE("operator-init", "a", "--data"), 2, adm_usage_text);
	assert_refused(PARSE("operator-init", "--passphrase-fd", "x", "a"), 1, bad_fd);
}

/* ---- account ---- */

static const char bad_account[] =
	"caadm: fatal: '%s': give the account as DOMAIN\\user (each part 1..64 characters, "
	"no ':', '\\\\', '/', '@' or control characters)\n";

static void assert_bad_account(int rc, const char *name)
{
	char want[512];

	snprintf(want, sizeof(want), bad_account, name);
	assert_refused(rc, 1, want);
}

static void test_account(void **state)
{
	(void)state;
	assert_ok(PARSE("account", "list", "--data", "/d"));
	assert_int_equal(cmd.verb, CMD_ACCOUNT);
	assert_int_equal(cmd.sub, ADM_SUB_LIST);
	assert_string_equal(cmd.dir, "/d");
	assert_ok(PARSE("account", "add", "--password-fd", "7", "DOM\\user"));
	assert_int_equal(cmd.sub, ADM_SUB_ADD);
	assert_string_equal(cmd.name, "DOM\\user");
	assert_int_equal(cmd.secret.fd, 7);
	assert_ok(PARSE("account", "passwd", "D\\u"));
	assert_int_equal(cmd.sub, ADM_SUB_PASSWD);
	assert_int_equal(cmd.secret.fd, -1);
	assert_ok(PARSE("account", "del", "D\\u"));
	assert_int_equal(cmd.sub, ADM_SUB_DEL);
	assert_ok(PARSE("account", "disable", "--data", "/d", "D\\u"));
	assert_int_equal(cmd.sub, ADM_SUB_DISABLE);
	assert_string_equal(cmd.name, "D\\u");
	assert_ok(PARSE("account", "enable", "D\\u"));
	assert_int_equal(cmd.sub, ADM_SUB_ENABLE);
	/* UTF-8 is a name's; 64 octets a part's most */
	assert_ok(PARSE("account", "add", "DOMÄIN\\jürgen"));
	assert_ok(PARSE("account", "add", "D\\uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"));
}

/* --no-password (a domain account, Kerberos only): add only, and never with a
 * descriptor to read a password from. */
static void test_account_no_password(void **state)
{
	(void)state;
	assert_ok(PARSE("account", "add", "--no-password", "CA.TEST\\alice"));
	assert_int_equal(cmd.sub, ADM_SUB_ADD);
	assert_int_equal(cmd.no_password, 1);
	assert_int_equal(cmd.secret.fd, -1);
	assert_string_equal(cmd.name, "CA.TEST\\alice");
	assert_ok(PARSE("account", "add", "--data", "/d", "--upn", "alice@ca.test", "CA.TEST\\alice",
			"--no-password"));
	assert_int_equal(cmd.no_password, 1);
	assert_ok(PARSE("account", "add", "--password-fd", "7", "D\\u"));
	assert_int_equal(cmd.no_password, 0);
	assert_refused(PARSE("account", "add", "--no-password", "--password-fd", "7", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "add", "--password-fd", "7", "--no-password", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--no-password", "--upn", "a@b", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "passwd", "--no-password", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "del", "--no-password", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "disable", "--no-password", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "show", "--no-password", "D\\u"), 2,
		       adm_account_usage_text);
}

/* The account file's line of name in dir (into line), or fail. */
static void account_line_of(const char *dir, const char *name, char *line, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/auth/accounts", dir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, (int)len, f) != NULL)
		if (strncmp(line, name, strlen(name)) == 0 && line[strlen(name)] == ':') {
			fclose(f);
			return;
		}
	fclose(f);
	fail_msg("no line of %s in %s", name, path);
}

/* adm_run_account(&cmd), which must succeed; what it printed into out. */
static void run_printed(char *out, size_t len)
{
	FILE *t = tmpfile();
	int saved;
	ssize_t n;

	assert_non_null(t);
	fflush(stdout);
	saved = dup(1);
	assert_int_equal(dup2(fileno(t), 1), 1);
	assert_int_equal(adm_run_account(&cmd), 0);
	fflush(stdout);
	n = pread(1, out, len - 1, 0);
	out[n > 0 ? n : 0] = 0;
	dup2(saved, 1);
	close(saved);
	fclose(t);
}

/* caadm account add --no-password, then passwd, on files (adm_run_account in
 * a temporary data directory): the line is smbpasswd's with 32 X where the NT
 * hash goes (what ca-auth's account.c reads as "no password"); passwd then
 * stores the password's NT hash. The oracle: MD4 of UTF-16LE "password" is the
 * well-known 8846F7EAEE8FB117AD06BDD830B7586C (MS-NLMP 3.3.1's NTOWFv1). */
static void test_account_no_password_on_files(void **state)
{
	char dir[] = "/tmp/test_admin_cli.XXXXXX", line[512], path[600];
	static const char nohash[] = "CA.TEST\\alice:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
				     "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:[U          ]:LCT-";
	static const char hashed[] = "CA.TEST\\alice:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
				     "8846F7EAEE8FB117AD06BDD830B7586C:[U          ]:LCT-";
	int fds[2];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_ok(PARSE("account", "add", "--data", dir, "--no-password", "CA.TEST\\alice"));
	run_printed(line, sizeof(line));
	assert_string_equal(line, "CA.TEST\\alice: stored (no password: Kerberos only)\n");
	account_line_of(dir, "CA.TEST\\alice", line, sizeof(line));
	if (strncmp(line, nohash, strlen(nohash)) != 0)
		fail_msg("'%s' is not a line without a password", line);
	/* LCT-%08X: and nothing after */
	assert_int_equal(strlen(line), strlen(nohash) + 8 + 2);
	assert_string_equal(line + strlen(nohash) + 8, ":\n");

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "password", 8), 8);
	close(fds[1]);
	snprintf(path, sizeof(path), "%d", fds[0]);
	assert_ok(PARSE("account", "passwd", "--data", dir, "--password-fd", path, "CA.TEST\\alice"));
	run_printed(line, sizeof(line));
	assert_string_equal(line, "CA.TEST\\alice: stored (NT hash)\n");
	close(fds[0]);
	account_line_of(dir, "CA.TEST\\alice", line, sizeof(line));
	if (strncmp(line, hashed, strlen(hashed)) != 0)
		fail_msg("'%s' does not hold the NT hash of 'password'", line);

	snprintf(path, sizeof(path), "%s/auth/accounts", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/auth/attributes", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/auth", dir);
	rmdir(path);
	assert_int_equal(rmdir(dir), 0);
}

/* add and set take the attributes (checked by firmware/identity), set --clear;
 * show --json. */
static void test_account_attributes(void **state)
{
	(void)state;
	assert_ok(PARSE("account", "add", "--password-fd", "0", "--upn", "alice@example.com",
			"--email", "alice@example.com", "--dns", "host.example.com", "--sid",
			"S-1-5-21-1-2-3-1001", "--group", "Domain Users", "--group", "Staff",
			"EXAMPLE\\alice"));
	assert_int_equal(cmd.sub, ADM_SUB_ADD);
	assert_string_equal(cmd.attrs.upn, "alice@example.com");
	assert_string_equal(cmd.attrs.email, "alice@example.com");
	assert_string_equal(cmd.attrs.dns, "host.example.com");
	assert_string_equal(cmd.attrs.sid, "S-1-5-21-1-2-3-1001");
	assert_int_equal(cmd.attrs.n_groups, 2);
	assert_string_equal(cmd.attrs.groups[0], "Domain Users");
	assert_string_equal(cmd.attrs.groups[1], "Staff");
	assert_int_equal(cmd.attr_set, ADM_ATTRS_ALL);
	assert_int_equal(cmd.attr_clear, 0);
	assert_ok(PARSE("account", "add", "EXAMPLE\\bob"));
	assert_int_equal(cmd.attr_set, 0);
	assert_ok(PARSE("account", "set", "--sid", "S-1-5-21-9", "EXAMPLE\\alice"));
	assert_int_equal(cmd.sub, ADM_SUB_SET);
	assert_int_equal(cmd.attr_set, 1u << ID_ATTR_SID);
	assert_ok(PARSE("account", "set", "--data", "/d", "--clear", "upn", "--clear", "groups",
			"--email", "a@b.example", "D\\u"));
	assert_int_equal(cmd.attr_clear, 1u << ID_ATTR_UPN | 1u << ID_ATTR_GROUP);
	assert_int_equal(cmd.attr_set, 1u << ID_ATTR_EMAIL);
	assert_string_equal(cmd.dir, "/d");
	assert_ok(PARSE("account", "set", "--clear", "all", "D\\u"));
	assert_int_equal(cmd.attr_clear, ADM_ATTRS_ALL);
	assert_ok(PARSE("account", "set", "--clear", "email", "--clear", "dns", "--clear", "sid",
			"D\\u"));
	assert_int_equal(cmd.attr_clear,
			 1u << ID_ATTR_EMAIL | 1u << ID_ATTR_DNS | 1u << ID_ATTR_SID);
	/* --group replaces the list: the ones given, in order */
	assert_ok(PARSE("account", "set", "--group", "B", "--group", "A", "D\\u"));
	assert_int_equal(cmd.attr_set, 1u << ID_ATTR_GROUP);
	assert_int_equal(cmd.attrs.n_groups, 2);
	assert_string_equal(cmd.attrs.groups[0], "B");
	assert_ok(PARSE("account", "show", "D\\u"));
	assert_int_equal(cmd.sub, ADM_SUB_SHOW);
	assert_int_equal(cmd.json, 0);
	assert_ok(PARSE("account", "show", "--json", "--data", "/d", "D\\u"));
	assert_int_equal(cmd.json, 1);
	{
		/* 256 groups, the most (IDENTITY_MAX_GROUPS: what a token carries) */
		static char *argv[2 * 257 + 8] = {"caadm", "account", "set"};
		static char names[257][8];
		int argc = 3;

		for (int i = 0; i < 256; i++) {
			snprintf(names[i], sizeof(names[i]), "g%d", i);
			argv[argc++] = "--group";
			argv[argc++] = names[i];
		}
		argv[argc++] = "D\\u";
		assert_int_equal(adm_parse(argc, argv, &cmd, err, sizeof(err)), 0);
		assert_int_equal(cmd.attrs.n_groups, 256);
		argv[argc - 1] = "--group";
		argv[argc++] = "g256";
		argv[argc++] = "D\\u";
		assert_int_equal(adm_parse(argc, argv, &cmd, err, sizeof(err)), 1);
		assert_string_equal(err, "caadm: fatal: --group 'g256': at most 256 groups\n");
	}
}

/* A bad value is refused (status 1) with firmware/identity's reason; an option
 * where it does not belong, a repeated one, or a set that changes nothing or
 * both sets and clears one attribute, is the usage. */
static void test_account_attributes_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("account", "add", "--upn", "alice", "D\\u"), 1,
		       "caadm: fatal: --upn 'alice': a UPN must be local@domain with a single "
		       "'@'\n");
	assert_int_equal(PARSE("account", "add", "--upn", "a b@c", "D\\u"), 1);
	assert_int_equal(PARSE("account", "set", "--email", "alice@localhost", "D\\u"), 1);
	assert_non_null(strstr(err, "--email 'alice@localhost': an e-mail address"));
	assert_int_equal(PARSE("account", "set", "--dns", "host.", "D\\u"), 1);
	assert_non_null(strstr(err, "--dns 'host.': a DNS name"));
	assert_int_equal(PARSE("account", "set", "--sid", "S-1-5", "D\\u"), 1);
	assert_non_null(strstr(err, "--sid 'S-1-5': a SID"));
	assert_int_equal(PARSE("account", "set", "--sid", "S-1-5-4294967296", "D\\u"), 1);
	assert_int_equal(PARSE("account", "set", "--group", "", "D\\u"), 1);
	assert_non_null(strstr(err, "--group '': a group name is 1..128 bytes"));
	assert_refused(PARSE("account", "set", "--group", "Staff", "--group", "STAFF", "D\\u"), 1,
		       "caadm: fatal: --group 'STAFF': group 'STAFF' given twice (case is "
		       "ignored)\n");
	assert_int_equal(PARSE("account", "set", "--group", "a\tb", "D\\u"), 1);
	/* usage */
	assert_refused(PARSE("account", "set", "D\\u"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--upn", "a@b", "--upn", "c@d", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--upn", "a@b", "--clear", "upn", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--group", "G", "--clear", "groups", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--sid", "S-1-5-1", "--clear", "all", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--clear", "group", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--clear", "UPN", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--clear", "D\\u"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "set", "D\\u", "--upn"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "add", "--clear", "upn", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "passwd", "--upn", "a@b", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "del", "--group", "G", "D\\u"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "show", "--upn", "a@b", "D\\u"), 2,
		       adm_account_usage_text);
	assert_refused(PARSE("account", "list", "--json"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "list", "--upn", "a@b"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "add", "--json", "D\\u"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "show"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "show", "D\\u", "E\\v"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "set", "--groups", "G", "D\\u"), 2,
		       adm_account_usage_text);
	assert_bad_account(PARSE("account", "set", "--upn", "a@b", "nobackslash"), "nobackslash");
	assert_bad_account(PARSE("account", "show", "nobackslash"), "nobackslash");
}

static void test_account_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("account"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "list", "D\\u"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "add"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "add", "D\\u", "E\\v"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "add", "D\\u", "--password-fd"), 2, adm_account_usage_text);
	/* A descriptor that is not a number is refused, not read as 0 (standard input). */
	assert_refused(PARSE("account", "add", "--password-fd", "x", "D\\u"), 1, bad_fd);
	assert_refused(PARSE("account", "add", "--password-fd", "3x", "D\\u"), 1, bad_fd);
	assert_refused(PARSE("account", "add", "--password-fd", "-1", "D\\u"), 1, bad_fd);
	assert_refused(PARSE("account", "add", "--password-fd", "", "D\\u"), 1, bad_fd);
	assert_ok(PARSE("account", "add", "--password-fd", "0", "D\\u"));
	assert_refused(PARSE("account", "list", "--bogus"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "frob", "D\\u"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "frob"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "disable"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "enable", "D\\u", "E\\v"), 2, adm_account_usage_text);
	assert_refused(PARSE("account", "Disable", "D\\u"), 2, adm_account_usage_text);
	assert_bad_account(PARSE("account", "disable", "nobackslash"), "nobackslash");
	/* the name is judged before the sub-verb */
	assert_bad_account(PARSE("account", "frob", "bad"), "bad");
	assert_bad_account(PARSE("account", "add", "nobackslash"), "nobackslash");
	assert_bad_account(PARSE("account", "add", "\\user"), "\\user");
	assert_bad_account(PARSE("account", "add", "D\\"), "D\\");
	assert_bad_account(PARSE("account", "add", "D\\u:x"), "D\\u:x");
	assert_bad_account(PARSE("account", "add", "D\\a\\b"), "D\\a\\b");
	assert_bad_account(PARSE("account", "add", "D\\u/x"), "D\\u/x");
	assert_bad_account(PARSE("account", "add", "D\\u@x"), "D\\u@x");
	assert_bad_account(PARSE("account", "add", "D\\u\tx"), "D\\u\tx");
	assert_bad_account(PARSE("account", "add", "#D\\u"), "#D\\u");
	assert_bad_account(PARSE("account", "add", " D\\u"), " D\\u");
	assert_bad_account(PARSE("account", "add", "D\\u "), "D\\u ");
	assert_bad_account(
		PARSE("account", "add", "D\\uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"),
		"D\\uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu");
}

/* ---- the console's global options ---- */

static void test_console_globals(void **state)
{
	(void)state;
	assert_ok(PARSE("--data", "/d", "--operator", "alice", "--passphrase-fd", "3", "crl"));
	assert_int_equal(cmd.console, 1);
	assert_int_equal(cmd.verb, CMD_CRL);
	assert_string_equal(cmd.dir, "/d");
	assert_string_equal(cmd.operator_name, "alice");
	assert_int_equal(cmd.operator_pass.fd, 3);
	/* getopt_long's forms: NAME=VALUE, unambiguous prefixes, "--" */
	assert_ok(PARSE("--op=bob", "--da", "/e", "--passphrase-fi", "/p", "--", "crl"));
	assert_string_equal(cmd.operator_name, "bob");
	assert_string_equal(cmd.dir, "/e");
	assert_string_equal(cmd.operator_pass.file, "/p");
	assert_ok(PARSE("--data=", "crl"));
	assert_string_equal(cmd.dir, "");
	/* the last --data wins; without one, the first "--data X" anywhere */
	assert_ok(PARSE("--data", "/a", "--data", "/b", "crl"));
	assert_string_equal(cmd.dir, "/b");
	assert_ok(PARSE("setprop", "--data", "/x"));
	assert_string_equal(cmd.dir, "/x");
	assert_string_equal(cmd.prop, "--data");
	assert_ok(PARSE("crl"));
	assert_string_equal(cmd.dir, CONFIG_DATA_DIR);
	assert_null(cmd.operator_name);
}

static void test_console_globals_refused(void **state)
{
	char want[ADM_ERR_MAX];

	(void)state;
	/* no verb: refused before the CA is reached */
	assert_refused(PARSE("--data", "/d"), 4, adm_console_usage_text);
	assert_int_equal(cmd.console, 0);
	snprintf(want, sizeof(want), "caadm: unrecognized option '--bogus=1'\n%s",
		 adm_console_usage_text);
	assert_refused(PARSE("--bogus=1", "crl"), 4, want);
	snprintf(want, sizeof(want), "caadm: invalid option -- 'x'\n%s", adm_console_usage_text);
	assert_refused(PARSE("-xy", "crl"), 4, want);
	snprintf(want, sizeof(want),
		 "caadm: option '--pass' is ambiguous; possibilities: '--passphrase-fd' "
		 "'--passphrase-file'\n%s", adm_console_usage_text);
	assert_refused(PARSE("--pass", "x", "crl"), 4, want);
	snprintf(want, sizeof(want),
		 "caadm: option '--=x' is ambiguous; possibilities: '--operator' '--passphrase-fd' "
		 "'--passphrase-file' '--data'\n%s", adm_console_usage_text);
	assert_refused(PARSE("--=x", "crl"), 4, want);
	snprintf(want, sizeof(want), "caadm: option '--data' requires an argument\n%s",
		 adm_console_usage_text);
	assert_refused(PARSE("--d"), 4, want);
	snprintf(want, sizeof(want), "caadm: option '--operator' requires an argument\n%s",
		 adm_console_usage_text);
	assert_refused(PARSE("--operator"), 4, want);
	assert_refused(PARSE("--passphrase-fd", "0x1", "crl"), 1, bad_fd);
	assert_int_equal(cmd.console, 0);
	/* an unknown verb: after the CA is reached (console set) */
	assert_refused(PARSE("help-console"), 4, adm_console_usage_text);
	assert_int_equal(cmd.console, 1);
	assert_refused(PARSE("-", "crl"), 4, adm_console_usage_text);
	assert_int_equal(cmd.console, 1);
}

/* ---- console verbs ---- */

static void test_login_logout(void **state)
{
	char name[80];

	(void)state;
	assert_ok(PARSE("login", "alice"));
	assert_int_equal(cmd.verb, CMD_LOGIN);
	assert_string_equal(cmd.name, "alice");
	assert_ok(PARSE("logout"));
	assert_int_equal(cmd.verb, CMD_LOGOUT);
	assert_refused(PARSE("login"), 4, adm_console_usage_text);
	assert_refused(PARSE("login", "a", "b"), 4, adm_console_usage_text);
	assert_refused(PARSE("logout", "a"), 4, adm_console_usage_text);
	memset(name, 'n', 65);
	name[65] = 0;
	assert_refused(PARSE("login", name), 1,
		       "caadm: fatal: nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn: "
		       "not an operator name\n");
	name[64] = 0;
	assert_ok(PARSE("login", name));
}

static void test_operator(void **state)
{
	(void)state;
	assert_ok(PARSE("operator", "list"));
	assert_int_equal(cmd.verb, CMD_OPERATOR);
	assert_int_equal(cmd.sub, ADM_SUB_LIST);
	assert_ok(PARSE("operator", "del", "bob"));
	assert_int_equal(cmd.sub, ADM_SUB_DEL);
	assert_string_equal(cmd.name, "bob");
	assert_ok(PARSE("operator", "add", "bob", "--role", "officer,auditor",
			"--new-passphrase-fd", "6"));
	assert_int_equal(cmd.sub, ADM_SUB_ADD);
	assert_string_equal(cmd.name, "bob");
	assert_int_equal(cmd.roles, ROLE_OFFICER | ROLE_AUDITOR);
	assert_int_equal(cmd.secret.fd, 6);
	assert_ok(PARSE("operator", "passwd", "bob", "--new-passphrase-file", "/p"));
	assert_int_equal(cmd.sub, ADM_SUB_PASSWD);
	assert_string_equal(cmd.secret.file, "/p");
	/* no source: the terminal */
	assert_ok(PARSE("operator", "passwd", "bob"));
	assert_int_equal(cmd.secret.fd, -1);
	assert_null(cmd.secret.file);
	/* roles: one role, which the CA checks (a pair parses and is refused there) */
	assert_ok(PARSE("operator", "roles", "carol", "--role", "officer"));
	assert_int_equal(cmd.sub, ADM_SUB_ROLES);
	assert_string_equal(cmd.name, "carol");
	assert_int_equal(cmd.roles, ROLE_OFFICER);
}

static void test_operator_refused(void **state)
{
	static const char long_name[] =
		"caadm: ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo: "
		"not an operator name\n";
	char *name = "ooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo";

	(void)state;
	assert_refused(PARSE("operator"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "list", "x"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "del"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "del", "a", "b"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "frob", "bob"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "add", "bob"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "add", "bob", "--rol", "admin"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "add", "bob", "--role", "king"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "add", "bob", "--role", "admin", "--new-passphrase-fd"), 4,
		       adm_console_usage_text);
	assert_refused(PARSE("operator", "passwd", "bob", "--x", "y"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "passwd", "bob", "--new-passphrase-file", "/p", "x"), 4,
		       adm_console_usage_text);
	assert_refused(PARSE("operator", "add", "bob", "--role", "admin", "--new-passphrase-fd", "x"),
		       1, bad_fd);
	assert_refused(PARSE("operator", "del", name), 4, long_name);
	assert_refused(PARSE("operator", "add", name, "--role", "admin"), 4, long_name);
	assert_refused(PARSE("operator", "passwd", name), 4, long_name);
	assert_refused(PARSE("operator", "roles", "carol"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "roles", "carol", "--role"), 4, adm_console_usage_text);
	assert_refused(PARSE("operator", "roles", "carol", "--role", "king"), 4,
		       adm_console_usage_text);
	assert_refused(PARSE("operator", "roles", "carol", "--role", "admin", "x"), 4,
		       adm_console_usage_text);
	assert_refused(PARSE("operator", "roles", "carol", "--new-passphrase-fd", "3"), 4,
		       adm_console_usage_text);
	assert_refused(PARSE("operator", "roles", name, "--role", "admin"), 4, long_name);
}

static void test_view(void **state)
{
	(void)state;
	assert_ok(PARSE("view"));
	assert_int_equal(cmd.verb, CMD_VIEW);
	assert_int_equal(cmd.query.n_r, 0);
	assert_int_equal(cmd.query.limit, 1000);
	assert_int_equal(cmd.query.n_columns, 6);
	assert_int_equal(cmd.query.columns[0], COL_REQUEST_ID);
	assert_int_equal(cmd.query.columns[5], COL_MESSAGE);
	assert_int_equal(cmd.details, 0);
	assert_int_equal(cmd.json, 0);
	/* --pending restricts and shows details; --issued only restricts */
	assert_ok(PARSE("view", "--pending", "--json", "--restrict", "RequestID>5", "--out",
			"RequestID,SerialNumber"));
	assert_int_equal(cmd.query.n_r, 2);
	assert_int_equal(cmd.query.r[0].column, COL_DISPOSITION);
	assert_int_equal(cmd.query.r[1].column, COL_REQUEST_ID);
	assert_int_equal(cmd.query.r[1].op, OP_GT);
	assert_int_equal(cmd.query.r[1].num, 5);
	assert_int_equal(cmd.query.n_columns, 2);
	assert_int_equal(cmd.query.columns[1], COL_SERIAL);
	assert_int_equal(cmd.details, 1);
	assert_int_equal(cmd.json, 1);
	assert_ok(PARSE("view", "--issued", "--details"));
	assert_int_equal(cmd.query.n_r, 1);
	assert_int_equal(cmd.details, 1);
	assert_ok(PARSE("view", "--revoked"));
	assert_int_equal(cmd.details, 0);
}

static void test_view_refused(void **state)
{
	char *many[40] = {"view"};
	int n = 1;

	(void)state;
	assert_refused(PARSE("view", "--restrict", "Bogus==1"), 4,
		       "caadm: --restrict: unknown column 'Bogus'\n");
	assert_refused(PARSE("view", "--restrict", "RequestID"), 4,
		       "caadm: --restrict: RequestID: missing operator (== != < <= > >=)\n");
	assert_refused(PARSE("view", "--out", "Nope"), 4, "caadm: --out: unknown column 'Nope'\n");
	assert_refused(PARSE("view", "--restrict"), 4, adm_console_usage_text);
	assert_refused(PARSE("view", "--out"), 4, adm_console_usage_text);
	assert_refused(PARSE("view", "--pendingx"), 4, adm_console_usage_text);
	assert_refused(PARSE("view", "pending"), 4, adm_console_usage_text);
	/* at most 16 restrictions, whichever option adds the 17th */
	for (int i = 0; i < 16; i++) {
		many[n++] = "--restrict";
		many[n++] = "RequestID>1";
	}
	many[n] = "--pending";
	many[n + 1] = NULL;
	assert_refused(parse_list(many), 4, "caadm: --pending: at most 16 restrictions\n");
	many[n] = "--restrict";
	many[n + 1] = "RequestID>1";
	many[n + 2] = NULL;
	assert_refused(parse_list(many), 4, "caadm: --restrict: at most 16 restrictions\n");
	many[n] = NULL;
	assert_ok(parse_list(many));
	assert_int_equal(cmd.query.n_r, 16);
}

static void test_setextension(void **state)
{
	(void)state;
	assert_ok(PARSE("setextension", "12", "2.5.29.17", "0x3", "hex:30:03 80 01 41"));
	assert_int_equal(cmd.verb, CMD_SETEXT);
	assert_int_equal(cmd.request_id, 12);
	assert_string_equal(cmd.oid, "2.5.29.17");
	assert_int_equal(cmd.ext_flags, 3);
	assert_int_equal(cmd.value_len, 5);
	assert_memory_equal(cmd.value, "\x30\x03\x80\x01\x41", 5);
	assert_null(cmd.value_file);
	/* @FILE is read when the verb runs; an empty value is a value */
	assert_ok(PARSE("setextension", "4294967295", "1.2", "1", "@ext.der"));
	assert_int_equal(cmd.request_id, UINT32_MAX);
	assert_string_equal(cmd.value_file, "ext.der");
	assert_ok(PARSE("setextension", "1", "1.2", "", "hex:"));
	assert_int_equal(cmd.ext_flags, 0);
	assert_int_equal(cmd.value_len, 0);
}

static void test_setextension_refused(void **state)
{
	static const char value[] = "caadm: the value is @FILE (DER) or hex:HEX (DER)\n";
	char oid[140], want[200];

	(void)state;
	assert_refused(PARSE("setextension"), 4, adm_console_usage_text);
	assert_refused(PARSE("setextension", "1", "1.2", "0"), 4, adm_console_usage_text);
	assert_refused(PARSE("setextension", "1", "1.2", "0", "hex:05", "x"), 4,
		       adm_console_usage_text);
	assert_refused(PARSE("setextension", "1", "1.2", "4", "hex:05"), 4, adm_console_usage_text);
	assert_refused(PARSE("setextension", "1", "1.2", "z", "hex:05"), 4, adm_console_usage_text);
	assert_refused(PARSE("setextension", "1", "1.2", "-1", "hex:05"), 4, adm_console_usage_text);
	assert_refused(PARSE("setextension", "1", "1.2", "0", "05"), 4, value);
	assert_refused(PARSE("setextension", "1", "1.2", "0", "hex:050"), 4, value);
	assert_refused(PARSE("setextension", "1", "1.2", "0", "hex:0g"), 4, value);
	/* the value is judged before the id, the id before the OID */
	assert_refused(PARSE("setextension", "x", "1.2", "0", "bad"), 4, value);
	assert_refused(PARSE("setextension", "0", "1.2", "0", "hex:05"), 4,
		       "caadm: 0: not a request id\n");
	assert_refused(PARSE("setextension", "4294967296", "1.2", "0", "hex:05"), 4,
		       "caadm: 4294967296: not a request id\n");
	memset(oid, '1', 129);
	oid[129] = 0;
	snprintf(want, sizeof(want), "caadm: %s: not an OID\n", oid);
	assert_refused(PARSE("setextension", "1", oid, "0", "hex:05"), 4, want);
	oid[128] = 0;
	assert_ok(PARSE("setextension", "1", oid, "0", "hex:05"));
}

static void test_resubmit_deny(void **state)
{
	(void)state;
	assert_ok(PARSE("resubmit", "7"));
	assert_int_equal(cmd.verb, CMD_RESUBMIT);
	assert_int_equal(cmd.request_id, 7);
	assert_ok(PARSE("deny", "12"));
	assert_int_equal(cmd.verb, CMD_DENY);
	assert_int_equal(cmd.request_id, 12);
	assert_refused(PARSE("resubmit"), 4, adm_console_usage_text);
	assert_refused(PARSE("deny", "1", "2"), 4, adm_console_usage_text);
	assert_refused(PARSE("deny", "abc"), 4, "caadm: abc: not a request id\n");
	assert_refused(PARSE("deny", ""), 4, "caadm: : not a request id\n");
	assert_refused(PARSE("resubmit", "-1"), 4, "caadm: -1: not a request id\n");
	assert_refused(PARSE("resubmit", "7x"), 4, "caadm: 7x: not a request id\n");
}

static void test_revoke(void **state)
{
	(void)state;
	assert_ok(PARSE("revoke", "01:aB", "keycompromise", "--date", "2024-01-02", "--invalidity",
			"2024-01-01T12:00:00Z"));
	assert_int_equal(cmd.verb, CMD_REVOKE);
	assert_int_equal(cmd.serial_len, 2);
	assert_memory_equal(cmd.serial, "\x01\xab", 2);
	assert_int_equal(cmd.reason, 1);
	assert_int_equal(cmd.when, 1704153600);
	assert_int_equal(cmd.invalidity, 1704110400);
	/* a number 0..10 (7 too: the custodian judges it), unix seconds */
	assert_ok(PARSE("revoke", "00112233445566778899aabbccddeeff00112233", "6", "--date",
			"1700000000"));
	assert_int_equal(cmd.serial_len, 20);
	assert_int_equal(cmd.reason, 6);
	assert_int_equal(cmd.when, 1700000000);
	assert_ok(PARSE("revoke", "01", "7"));
	assert_int_equal(cmd.reason, 7);
	assert_ok(PARSE("revoke", "01", "aACompromise"));
	assert_int_equal(cmd.reason, 10);
	assert_int_equal(cmd.when, 0);
	assert_ok(PARSE("unrevoke", "0102"));
	assert_int_equal(cmd.verb, CMD_UNREVOKE);
	assert_int_equal(cmd.serial_len, 2);
}

static void test_revoke_refused(void **state)
{
	static const char serial[] = "caadm: the serial number is hex, 1..20 bytes\n";

	(void)state;
	assert_refused(PARSE("revoke"), 4, serial);
	assert_refused(PARSE("revoke", ""), 4, serial);
	assert_refused(PARSE("revoke", "zz"), 4, serial);
	assert_refused(PARSE("revoke", "012"), 4, serial);
	assert_refused(PARSE("revoke", "00112233445566778899aabbccddeeff0011223344"), 4, serial);
	assert_refused(PARSE("unrevoke"), 4, serial);
	assert_refused(PARSE("revoke", "01", "11"), 4,
		       "caadm: 11: not an RFC 5280 reason (a number or e.g. keyCompromise, "
		       "certificateHold)\n");
	assert_refused(PARSE("revoke", "01", "bogus"), 4,
		       "caadm: bogus: not an RFC 5280 reason (a number or e.g. keyCompromise, "
		       "certificateHold)\n");
	assert_refused(PARSE("revoke", "01", "--date", "2024-13-45"), 4,
		       "caadm: 2024-13-45: not a date\n");
	assert_refused(PARSE("revoke", "01", "--invalidity", "2024-01-02T25"), 4,
		       "caadm: 2024-01-02T25: not a date\n");
	assert_refused(PARSE("revoke", "01", "--date"), 4, adm_console_usage_text);
	assert_refused(PARSE("revoke", "01", "--reason", "1"), 4, adm_console_usage_text);
	assert_refused(PARSE("unrevoke", "01", "1"), 4, adm_console_usage_text);
}

static void test_crl(void **state)
{
	(void)state;
	assert_ok(PARSE("crl"));
	assert_int_equal(cmd.verb, CMD_CRL);
	assert_int_equal(cmd.delta, 0);
	assert_ok(PARSE("crl", "--delta"));
	assert_int_equal(cmd.delta, 1);
	assert_refused(PARSE("crl", "--full"), 4, adm_console_usage_text);
	assert_refused(PARSE("crl", "--delta", "x"), 4, adm_console_usage_text);
}

static void test_props(void **state)
{
	char name[300], want[400];

	(void)state;
	assert_ok(PARSE("getprop", "CACert"));
	assert_int_equal(cmd.verb, CMD_GETPROP);
	assert_string_equal(cmd.prop, "CACert");
	assert_null(cmd.out_file);
	assert_ok(PARSE("getprop", "BaseCRL", "--out", "crl.der"));
	assert_string_equal(cmd.out_file, "crl.der");
	assert_ok(PARSE("setprop", "CRLPeriod", "7"));
	assert_int_equal(cmd.verb, CMD_SETPROP);
	assert_string_equal(cmd.prop, "CRLPeriod");
	assert_string_equal(cmd.prop_value, "7");
	assert_refused(PARSE("getprop"), 4, adm_console_usage_text);
	assert_refused(PARSE("getprop", "a", "--out"), 4, adm_console_usage_text);
	assert_refused(PARSE("getprop", "a", "--in", "f"), 4, adm_console_usage_text);
	assert_refused(PARSE("setprop", "a"), 4, adm_console_usage_text);
	assert_refused(PARSE("setprop", "a", "b", "c"), 4, adm_console_usage_text);
	memset(name, 'p', 257);
	name[257] = 0;
	snprintf(want, sizeof(want), "caadm: %s: not a property name\n", name);
	assert_refused(PARSE("getprop", name), 4, want);
	assert_refused(PARSE("setprop", name, "v"), 4, want);
	name[256] = 0;
	assert_ok(PARSE("getprop", name));
}

static void test_setprop_value_bound(void **state)
{
	static char value[4098];

	(void)state;
	memset(value, 'v', 4097);
	assert_refused(PARSE("setprop", "a", value), 4, "caadm: the value is at most 4096 bytes\n");
	value[4096] = 0;
	assert_ok(PARSE("setprop", "a", value));
}

static void test_audit(void **state)
{
	(void)state;
	assert_ok(PARSE("audit"));
	assert_int_equal(cmd.verb, CMD_AUDIT);
	assert_int_equal(cmd.verify, 0);
	assert_null(cmd.event_type);
	assert_ok(PARSE("audit", "--verify", "--type", "cert-revoked", "--actor", "alice", "--since",
			"2024-01-02T00:00:00Z"));
	assert_int_equal(cmd.verify, 1);
	assert_string_equal(cmd.event_type, "cert-revoked");
	assert_string_equal(cmd.actor, "alice");
	assert_int_equal(cmd.since, 1704153600);
	assert_ok(PARSE("audit", "--since", "2024-01-02"));
	assert_int_equal(cmd.since, 1704153600);
	assert_refused(PARSE("audit", "--type", "nope"), 4,
		       "caadm: nope: not an event type (e.g. operator-action, cert-revoked)\n");
	/* audit's dates are calendar dates only */
	assert_refused(PARSE("audit", "--since", "1700000000"), 4, adm_console_usage_text);
	assert_refused(PARSE("audit", "--since", "2024-01-02Zx"), 4, adm_console_usage_text);
	assert_refused(PARSE("audit", "--actor"), 4, adm_console_usage_text);
	assert_refused(PARSE("audit", "--x"), 4, adm_console_usage_text);
}

static void test_template(void **state)
{
	(void)state;
	assert_ok(PARSE("template", "list"));
	assert_int_equal(cmd.verb, CMD_TEMPLATE);
	assert_int_equal(cmd.console, 1);
	assert_int_equal(cmd.sub, ADM_SUB_LIST);
	assert_int_equal(cmd.json, 0);
	assert_ok(PARSE("--operator", "alice", "template", "list", "--json"));
	assert_int_equal(cmd.json, 1);
	assert_string_equal(cmd.operator_name, "alice");
	assert_ok(PARSE("template", "show", "WebServer"));
	assert_int_equal(cmd.sub, ADM_SUB_SHOW);
	assert_string_equal(cmd.name, "WebServer");
	assert_int_equal(cmd.json, 0);
	assert_ok(PARSE("template", "show", "WebServer", "--json"));
	assert_int_equal(cmd.json, 1);
	assert_ok(PARSE("template", "add", "Web2", "--from", "web2.txt"));
	assert_int_equal(cmd.sub, ADM_SUB_ADD);
	assert_string_equal(cmd.name, "Web2");
	assert_string_equal(cmd.tmpl_file, "web2.txt");
	assert_ok(PARSE("template", "del", "Web2"));
	assert_int_equal(cmd.sub, ADM_SUB_DEL);
	assert_string_equal(cmd.name, "Web2");
}

/* set's words become "FIELD = VALUE" lines in their order; FIELD= sends an empty
 * value (the CA removes that optional key); a value keeps its blanks and '='. */
static void test_template_set(void **state)
{
	(void)state;
	assert_ok(PARSE("template", "set", "User", "validity_days=30"));
	assert_int_equal(cmd.sub, ADM_SUB_SET);
	assert_string_equal(cmd.name, "User");
	assert_string_equal(cmd.tmpl_assign, "validity_days = 30\n");
	assert_ok(PARSE("template", "set", "User", "display_name=Our users = all",
			"enroll_groups=Domain Users, Staff", "agent_policy=", "ca=no"));
	assert_string_equal(cmd.tmpl_assign, "display_name = Our users = all\n"
					     "enroll_groups = Domain Users, Staff\n"
					     "agent_policy = \n"
					     "ca = no\n");
	/* a key that is another's prefix is not a repeat */
	assert_ok(PARSE("template", "set", "User", "ca=no", "ca_x=1"));
	assert_string_equal(cmd.tmpl_assign, "ca = no\nca_x = 1\n");
}

static void test_template_refused(void **state)
{
	static char name[TEMPLATE_NAME_MAX + 2];
	static char big[TEMPLATE_TEXT_MAX];
	char want[256];

	(void)state;
	assert_refused(PARSE("template"), 4, adm_console_usage_text);
	assert_int_equal(cmd.verb, CMD_TEMPLATE); /* the CA is reached first */
	assert_refused(PARSE("template", "lst"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "list", "x"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "list", "--json", "--json"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "show"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "show", "--json"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "show", "a", "b"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "del", "a", "--json"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "add", "a"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "add", "a", "--from"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "add", "a", "--file", "f"), 4, adm_console_usage_text);
	assert_refused(PARSE("template", "add", "a", "--from", "f", "g"), 4,
		       adm_console_usage_text);
	assert_refused(PARSE("template", "set", "a"), 4, adm_console_usage_text);
	/* names: 1..TEMPLATE_NAME_MAX bytes */
	memset(name, 'n', TEMPLATE_NAME_MAX + 1);
	snprintf(want, sizeof(want), "caadm: %s: not a template name (1..64 bytes)\n", name);
	assert_refused(PARSE("template", "show", name), 4, want);
	assert_refused(PARSE("template", "del", name), 4, want);
	assert_refused(PARSE("template", "add", name, "--from", "f"), 4, want);
	assert_refused(PARSE("template", "set", name, "ca=no"), 4, want);
	assert_refused(PARSE("template", "show", ""), 4,
		       "caadm: : not a template name (1..64 bytes)\n");
	name[TEMPLATE_NAME_MAX] = 0;
	assert_ok(PARSE("template", "show", name));
	/* FIELD=VALUE words */
	assert_refused(PARSE("template", "set", "a", "validity_days"), 4,
		       "caadm: validity_days: not FIELD=VALUE (FIELD: a template key such as "
		       "validity_days)\n");
	assert_refused(PARSE("template", "set", "a", "=30"), 4,
		       "caadm: =30: not FIELD=VALUE (FIELD: a template key such as "
		       "validity_days)\n");
	assert_refused(PARSE("template", "set", "a", "Validity=30"), 4,
		       "caadm: Validity=30: not FIELD=VALUE (FIELD: a template key such as "
		       "validity_days)\n");
	assert_refused(PARSE("template", "set", "a", "a b=30"), 4,
		       "caadm: a b=30: not FIELD=VALUE (FIELD: a template key such as "
		       "validity_days)\n");
	/* a line break in a value would be a second assignment nobody wrote */
	assert_refused(PARSE("template", "set", "a", "display_name=x\nca=yes"), 4,
		       "caadm: display_name: the value holds a control character\n");
	assert_refused(PARSE("template", "set", "a", "display_name=x\ty"), 4,
		       "caadm: display_name: the value holds a control character\n");
	assert_refused(PARSE("template", "set", "a", "ca=no", "pend_all=yes", "ca=yes"), 4,
		       "caadm: ca: given twice\n");
	/* the lines together are at most TEMPLATE_TEXT_MAX bytes */
	memcpy(big, "display_name=", 13);
	memset(big + 13, 'd', sizeof(big) - 14);
	big[sizeof(big) - 1] = 0;
	assert_refused(PARSE("template", "set", "a", big), 4,
		       "caadm: the assignments exceed 32768 bytes\n");
	big[sizeof(big) - 4] = 0; /* "display_name = " + value + "\n" is 32767 bytes */
	assert_ok(PARSE("template", "set", "a", big));
	assert_int_equal(strlen(cmd.tmpl_assign), TEMPLATE_TEXT_MAX - 1);
}

/* A short error buffer is cut, never overrun. */
static void test_short_buffer(void **state)
{
	char small[8];
	char *argv[] = {"caadm", "deny", "abc", NULL};

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(adm_parse(3, argv, &cmd, small, 6), 4);
	assert_string_equal(small, "caadm");
	assert_int_equal(small[6], 'x');
}

/* ---- kerberos (issue 18) ---- */

static void test_kerberos(void **state)
{
	(void)state;
	assert_ok(PARSE("kerberos", "keytab", "add", "/tmp/host.keytab"));
	assert_int_equal(cmd.verb, CMD_KERBEROS);
	assert_int_equal(cmd.console, 0);
	assert_int_equal(cmd.sub, ADM_SUB_ADD);
	assert_string_equal(cmd.keytab_file, "/tmp/host.keytab");
	assert_string_equal(cmd.dir, CONFIG_DATA_DIR);
	/* --data before or after FILE */
	assert_ok(PARSE("kerberos", "keytab", "add", "--data", "/d", "k.kt"));
	assert_string_equal(cmd.dir, "/d");
	assert_string_equal(cmd.keytab_file, "k.kt");
	assert_ok(PARSE("kerberos", "keytab", "add", "k.kt", "--data", "/d"));
	assert_string_equal(cmd.dir, "/d");
	assert_string_equal(cmd.keytab_file, "k.kt");
	/* a FILE that starts with '-' after -- */
	assert_ok(PARSE("kerberos", "keytab", "add", "--", "-odd.kt"));
	assert_string_equal(cmd.keytab_file, "-odd.kt");
	assert_ok(PARSE("kerberos", "keytab", "del", "--data", "/d"));
	assert_int_equal(cmd.sub, ADM_SUB_DEL);
	assert_null(cmd.keytab_file);
	assert_ok(PARSE("kerberos", "keytab", "show"));
	assert_int_equal(cmd.sub, ADM_SUB_SHOW);
	assert_int_equal(cmd.json, 0);
	assert_ok(PARSE("kerberos", "keytab", "show", "--json", "--data", "/d"));
	assert_int_equal(cmd.sub, ADM_SUB_SHOW);
	assert_int_equal(cmd.json, 1);
	assert_string_equal(cmd.dir, "/d");
	/* kerberos show: the same */
	assert_ok(PARSE("kerberos", "show", "--json"));
	assert_int_equal(cmd.verb, CMD_KERBEROS);
	assert_int_equal(cmd.sub, ADM_SUB_SHOW);
	assert_int_equal(cmd.json, 1);
	/* the usage names the verb */
	assert_non_null(strstr(adm_usage_text, "caadm kerberos keytab add FILE"));
	assert_null(cmd.operator_name);
	assert_int_equal(cmd.unjournaled, 0);

	/* JOURNAL: an operator's session (add and del), or --unjournaled */
	assert_ok(PARSE("kerberos", "keytab", "add", "--operator", "admin", "--passphrase-fd", "5",
			"k.kt"));
	assert_string_equal(cmd.operator_name, "admin");
	assert_int_equal(cmd.operator_pass.fd, 5);
	assert_null(cmd.operator_pass.file);
	assert_string_equal(cmd.keytab_file, "k.kt");
	assert_int_equal(cmd.console, 0);
	assert_ok(PARSE("kerberos", "keytab", "del", "--passphrase-file", "/p", "--operator", "a"));
	assert_string_equal(cmd.operator_name, "a");
	assert_string_equal(cmd.operator_pass.file, "/p");
	assert_int_equal(cmd.operator_pass.fd, -1);
	assert_ok(PARSE("kerberos", "keytab", "del", "--operator", "a"));
	assert_ok(PARSE("kerberos", "keytab", "add", "k.kt", "--unjournaled"));
	assert_int_equal(cmd.unjournaled, 1);
	assert_null(cmd.operator_name);
	assert_ok(PARSE("kerberos", "keytab", "del", "--unjournaled", "--data", "/d"));
	assert_int_equal(cmd.unjournaled, 1);
}

static void test_kerberos_refused(void **state)
{
	(void)state;
	assert_refused(PARSE("kerberos"), 2, adm_kerberos_usage_text);
	assert_int_equal(cmd.console, 0);
	assert_refused(PARSE("kerberos", "keytab"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "list"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "add", "k.kt"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "del"), 2, adm_kerberos_usage_text);
	/* add needs exactly one FILE */
	assert_refused(PARSE("kerberos", "keytab", "add"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "add", "--data", "/d"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "add", "a.kt", "b.kt"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "add", ""), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "add", "-x.kt"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "add", "--", "a.kt", "b.kt"), 2,
		       adm_kerberos_usage_text);
	/* del and show take no FILE; --json is show's alone */
	assert_refused(PARSE("kerberos", "keytab", "del", "k.kt"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "show", "k.kt"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "add", "--json", "k.kt"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "del", "--json"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "show", "keytab"), 2, adm_kerberos_usage_text);
	/* --data without its value */
	assert_refused(PARSE("kerberos", "keytab", "show", "--data"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "add", "k.kt", "--data"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "show", "--password-fd", "0"), 2,
		       adm_kerberos_usage_text);
	/* JOURNAL's options: not for show; a passphrase needs its operator; an
	 * operator is not --unjournaled; one operator, one passphrase source */
	assert_refused(PARSE("kerberos", "keytab", "show", "--operator", "a"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "show", "--unjournaled"), 2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "del", "--passphrase-fd", "5"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "add", "--passphrase-file", "/p", "k.kt"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "del", "--operator", "a", "--unjournaled"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "del", "--operator", "a", "--operator", "b"), 2,
		       adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "del", "--operator", "a", "--passphrase-fd",
			     "5", "--passphrase-file", "/p"),
		       2, adm_kerberos_usage_text);
	assert_refused(PARSE("kerberos", "keytab", "del", "--operator"), 2, adm_kerberos_usage_text);
	/* a descriptor that is not one: the console's refusal, status 1 */
	assert_refused(PARSE("kerberos", "keytab", "del", "--operator", "a", "--passphrase-fd",
			     "x"),
		       1, bad_fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_verb),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_init_admin_default),
		cmocka_unit_test(test_init_refused),
		cmocka_unit_test(test_install_cert),
		cmocka_unit_test(test_install_cert_refused),
		cmocka_unit_test(test_check_verify),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_operator_init),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_account_refused),
		cmocka_unit_test(test_account_attributes),
		cmocka_unit_test(test_account_attributes_refused),
		cmocka_unit_test(test_account_no_password),
		cmocka_unit_test(test_account_no_password_on_files),
		cmocka_unit_test(test_console_globals),
		cmocka_unit_test(test_console_globals_refused),
		cmocka_unit_test(test_login_logout),
		cmocka_unit_test(test_operator),
		cmocka_unit_test(test_operator_refused),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_view_refused),
		cmocka_unit_test(test_setextension),
		cmocka_unit_test(test_setextension_refused),
		cmocka_unit_test(test_resubmit_deny),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_revoke_refused),
		cmocka_unit_test(test_crl),
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_setprop_value_bound),
		cmocka_unit_test(test_audit),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_template_set),
		cmocka_unit_test(test_template_refused),
		cmocka_unit_test(test_short_buffer),
		cmocka_unit_test(test_kerberos),
		cmocka_unit_test(test_kerberos_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
