/* firmware/auth/account.c: the account a logon names, found in an account file
 * written here line by line, by gss-ntlmssp 1.2's rule (first match, no case,
 * an empty domain matches any), with an empty domain that matches two accounts
 * refused; and NTLM names in UTF-16LE to UTF-8. */
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

#include "firmware/auth/account.h"

#define HASH "0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:[U          ]:LCT-00000000:"

static char path[64], name[ACCOUNT_NAME_MAX + 1], err[256];

static void write_file(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/test_auth_account.XXXXXX");
	close(mkstemp(path));
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int find(const char *dom, const char *user)
{
	name[0] = err[0] = 0;
	return account_find(path, dom, user, name, sizeof(name), err, sizeof(err));
}

static void found(const char *dom, const char *user, const char *want)
{
	if (find(dom, user) != 0)
		fail_msg("%s\\%s: %s", dom, user, err);
	assert_string_equal(name, want);
}

static void refused(const char *dom, const char *user, const char *why)
{
	assert_int_equal(find(dom, user), -1);
	if (strstr(err, why) == NULL)
		fail_msg("%s\\%s refused for '%s', not '%s'", dom, user, err, why);
}

static void test_named_as_stored(void **state)
{
	(void)state;
	write_file("# Enrollee accounts\n"
		   "#EXAMPLE\\mallory:" HASH "\n"
		   "EXAMPLE\\alice:" HASH "\n"
		   "Corp\\Bob:" HASH "\r\n"
		   "HEIM:carol:a password\n"
		   "not a line\n");
	found("EXAMPLE", "alice", "EXAMPLE\\alice");
	found("example", "ALICE", "EXAMPLE\\alice");
	found("", "alice", "EXAMPLE\\alice");
	found("CORP", "bob", "Corp\\Bob");
	found("", "BOB", "Corp\\Bob");
	found("heim", "Carol", "HEIM\\carol"); /* gss-ntlmssp's DOMAIN:USER:PASSWORD */
	refused("OTHER", "alice", "no account 'OTHER\\alice'");
	refused("", "mallory", "no account 'mallory'"); /* a comment is no account */
	refused("EXAMPLE", "alic", "no account");
	refused("EXAMPLE", "alice2", "no account");
	unlink(path);
}

#define HASH_D "0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:[DU         ]:LCT-00000000:"

/* smbpasswd's D flag (caadm account disable): the account is refused with its
 * own reason, whichever flags stand beside it; D outside the flags field (a
 * name, a hash, the time) is no flag, and gss-ntlmssp's three-field form has
 * none. */
static void test_disabled_refused(void **state)
{
	(void)state;
	write_file("EXAMPLE\\alice:" HASH_D "\n"
		   "EXAMPLE\\bob:" HASH "\n"
		   "EXAMPLE\\carol:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:8846F7EAEE8FB117AD06BDD830B7586C:"
		   "[UXD        ]:LCT-00000000:\n"
		   "EXAMPLE\\Dave:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:DDDDF7EAEE8FB117AD06BDD830B7586C:"
		   "[U          ]:LCT-DDDDDDDD:\n"
		   "EXAMPLE\\erin:0:X:D:U:D\n"
		   "HEIM:D:a password D\n");
	refused("EXAMPLE", "alice", "the account 'EXAMPLE\\alice' is disabled");
	refused("", "ALICE", "the account 'EXAMPLE\\alice' is disabled");
	refused("example", "carol", "the account 'EXAMPLE\\carol' is disabled");
	found("EXAMPLE", "bob", "EXAMPLE\\bob");
	found("EXAMPLE", "dave", "EXAMPLE\\Dave");
	found("EXAMPLE", "erin", "EXAMPLE\\erin"); /* no "[...]" field: no flags */
	found("HEIM", "D", "HEIM\\D");
	unlink(path);
	/* A domain names the first line: a disabled one is not skipped for the
	 * next (gss-ntlmssp would check the first line's hash). */
	write_file("EXAMPLE\\alice:" HASH_D "\nEXAMPLE\\alice:" HASH "\n");
	refused("EXAMPLE", "alice", "is disabled");
	unlink(path);
	assert_true(account_flags_disabled("X:H:[D]:"));
	assert_false(account_flags_disabled("X:H:[U]D:"));
	assert_false(account_flags_disabled("X:H:U D:"));
	assert_false(account_flags_disabled("X:H:[DU"));
	assert_false(account_flags_disabled("X:H"));
	assert_false(account_flags_disabled("XD"));
}

static void test_empty_domain_two_accounts(void **state)
{
	(void)state;
	write_file("EXAMPLE\\alice:" HASH "\nOTHER\\ALICE:" HASH "\nnodomain:" HASH "\n");
	refused("", "alice", "names 2 accounts");
	/* a domain picks one; the first line of it */
	found("OTHER", "alice", "OTHER\\ALICE");
	found("EXAMPLE", "Alice", "EXAMPLE\\alice");
	/* a line without a domain matches any domain, as in gss-ntlmssp */
	found("ANY", "nodomain", "nodomain");
	found("", "nodomain", "nodomain");
	unlink(path);
}

static void test_unreadable_or_too_long(void **state)
{
	char small[8];

	(void)state;
	assert_int_equal(account_find("/nonexistent/accounts", "", "a", name, sizeof(name), err,
				      sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot be read"));
	assert_int_equal(account_find(NULL, "", "a", name, sizeof(name), err, sizeof(err)), -1);
	write_file("EXAMPLE\\alice:" HASH "\n");
	assert_int_equal(account_find(path, "", "alice", small, sizeof(small), err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "longer than 7"));
	unlink(path);
}

static void test_utf16_names(void **state)
{
	static const uint8_t ascii[] = {'a', 0, 'B', 0};
	static const uint8_t e_acute[] = {0xe9, 0x00};                 /* U+00E9 */
	static const uint8_t euro[] = {0xac, 0x20};                    /* U+20AC */
	static const uint8_t pair[] = {0x3d, 0xd8, 0x00, 0xde};        /* U+1F600 */
	static const uint8_t lone_hi[] = {0x3d, 0xd8, 'a', 0};
	static const uint8_t lone_lo[] = {0x00, 0xde};
	static const uint8_t nul[] = {'a', 0, 0, 0};
	char out[16];

	(void)state;
	assert_int_equal(account_name_utf8(ascii, sizeof(ascii), 1, out, sizeof(out)), 0);
	assert_string_equal(out, "aB");
	assert_int_equal(account_name_utf8(e_acute, 2, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "\xc3\xa9");
	assert_int_equal(account_name_utf8(euro, 2, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "\xe2\x82\xac");
	assert_int_equal(account_name_utf8(pair, 4, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "\xf0\x9f\x98\x80");
	assert_int_equal(account_name_utf8(lone_hi, 4, 1, out, sizeof(out)), -1);
	assert_int_equal(account_name_utf8(lone_lo, 2, 1, out, sizeof(out)), -1);
	assert_int_equal(account_name_utf8(pair, 3, 1, out, sizeof(out)), -1);
	assert_int_equal(account_name_utf8(nul, 4, 1, out, sizeof(out)), -1);
	assert_int_equal(account_name_utf8(pair, 4, 1, out, 4), -1); /* 4 octets + NUL */
	assert_int_equal(account_name_utf8((const uint8_t *)"oem", 3, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "oem");
	assert_int_equal(account_name_utf8((const uint8_t *)"a\0b", 3, 0, out, sizeof(out)), -1);
	assert_int_equal(account_name_utf8((const uint8_t *)"abcd", 4, 0, out, 4), -1);
	assert_int_equal(account_name_utf8(NULL, 0, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

/* UTF-16 past the surrogates, and the surrogates gss-ntlmssp's iconv would
 * refuse: a high one last, or before anything but a low one; no room at all. */
static void test_utf16_edges(void **state)
{
	static const uint8_t fullwidth[] = {0x21, 0xff};          /* U+FF21 */
	static const uint8_t hi_last[] = {'a', 0, 0x3d, 0xd8};
	static const uint8_t hi_then_high[] = {0x3d, 0xd8, 0x21, 0xff};
	char out[16];

	(void)state;
	assert_int_equal(account_name_utf8(fullwidth, 2, 1, out, sizeof(out)), 0);
	assert_string_equal(out, "\xef\xbc\xa1");
	assert_int_equal(account_name_utf8(hi_last, 4, 1, out, sizeof(out)), -1);
	assert_int_equal(account_name_utf8(hi_then_high, 4, 1, out, sizeof(out)), -1);
	assert_int_equal(account_name_utf8(fullwidth, 2, 1, out, 0), -1);
	assert_int_equal(account_name_utf8(fullwidth, 2, 1, out, 3), -1); /* 3 octets + NUL */
}

/* Lines gss-ntlmssp skips are skipped (one ':' or none); a caller that wants
 * no message passes no buffer. */
static void test_skipped_lines_and_no_message(void **state)
{
	(void)state;
	write_file("alice\n"
		   "EXAMPLE\\alice:0\n"
		   "EXAMPLE\\bob:" HASH "\n");
	refused("EXAMPLE", "alice", "no account 'EXAMPLE\\alice'");
	found("", "bob", "EXAMPLE\\bob");
	assert_int_equal(account_find(path, "", "alice", name, sizeof(name), NULL, 0), -1);
	assert_int_equal(account_find(path, "", "alice", name, sizeof(name), err, 0), -1);
	unlink(path);
}

/* The attributes file beside the account file, wherever NTLM_USER_FILE says
 * it is; none without one to be beside; account_attributes reads it. */
static void test_attributes_beside_the_account_file(void **state)
{
	char ap[64], big[8192], why[256], dir[] = "/tmp/test_auth_attrs.XXXXXX";
	struct id_attrs a;
	FILE *f;

	(void)state;
	setenv("NTLM_USER_FILE", "/accounts", 1);
	assert_int_equal(account_attrs_path(ap, sizeof(ap)), 0);
	assert_string_equal(ap, "/attributes");
	setenv("NTLM_USER_FILE", "/var/lib/ca/auth/accounts", 1);
	assert_int_equal(account_attrs_path(ap, sizeof(ap)), 0);
	assert_string_equal(ap, "/var/lib/ca/auth/attributes");
	assert_int_equal(account_attrs_path(ap, 20), -1); /* does not fit */
	setenv("NTLM_USER_FILE", "accounts", 1);             /* no directory */
	assert_int_equal(account_attrs_path(ap, sizeof(ap)), -1);
	memset(big, 'd', sizeof(big) - 1);
	big[sizeof(big) - 10] = '/'; /* a directory of 8181 bytes */
	big[sizeof(big) - 1] = 0;
	setenv("NTLM_USER_FILE", big, 1);
	assert_int_equal(account_attributes("E\\a", &a, why, sizeof(why)), -1);
	unsetenv("NTLM_USER_FILE");
	assert_int_equal(account_attrs_path(ap, sizeof(ap)), -1);
	assert_int_equal(account_attributes("E\\a", &a, why, sizeof(why)), -1);
	assert_string_equal(why, "no attributes file beside NTLM_USER_FILE");
	/* read through firmware/identity */
	assert_non_null(mkdtemp(dir));
	snprintf(ap, sizeof(ap), "%s/accounts", dir);
	setenv("NTLM_USER_FILE", ap, 1);
	assert_int_equal(account_attributes("E\\a", &a, why, sizeof(why)), 0); /* none */
	assert_true(id_attrs_empty(&a));
	snprintf(ap, sizeof(ap), "%s/attributes", dir);
	assert_non_null(f = fopen(ap, "w"));
	fputs("E\\a\tsid=S-1-5-21-7\n", f);
	fclose(f);
	assert_int_equal(chmod(ap, 0600), 0);
	assert_int_equal(account_attributes("e\\A", &a, why, sizeof(why)), 0);
	assert_string_equal(a.sid, "S-1-5-21-7");
	unlink(ap);
	rmdir(dir);
	unsetenv("NTLM_USER_FILE");
}

/* The line `caadm account add --no-password` writes (firmware/admin/account.c,
 * checked there by test_admin_cli): 32 'X' in the NT hash field. */
#define NOHASH "0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:[U          ]:LCT-00000000:"

/* A domain account (no NT hash): never handed to gss-ntlmssp (account_find
 * refuses it with its reason), but found by a look-up and by a Kerberos
 * requester's realm. A hash with fewer or more X, or another letter, is a
 * hash (gss-ntlmssp's business). */
static void test_no_password(void **state)
{
	(void)state;
	write_file("CA.TEST\\alice:" NOHASH "\n"
		   "CA.TEST\\bob:" HASH "\n"
		   "CA.TEST\\carol:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
		   "[U          ]:LCT-00000000:\n"
		   "CA.TEST\\dave:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:"
		   "[U          ]:LCT-00000000:\n"
		   "CA.TEST\\erin:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXx:"
		   "[U          ]:LCT-00000000:\n");
	refused("CA.TEST", "alice",
		"the account 'CA.TEST\\alice' has no password: it logs on with Kerberos only");
	refused("", "ALICE", "has no password");
	found("CA.TEST", "bob", "CA.TEST\\bob");
	found("CA.TEST", "carol", "CA.TEST\\carol"); /* 31 X */
	found("CA.TEST", "dave", "CA.TEST\\dave");   /* 33 X */
	found("CA.TEST", "erin", "CA.TEST\\erin");   /* an x */
	name[0] = 0;
	assert_int_equal(account_lookup(path, "ca.test", "Alice", name, sizeof(name), err,
					sizeof(err)),
			 0);
	assert_string_equal(name, "CA.TEST\\alice");
	setenv("NTLM_USER_FILE", path, 1);
	name[0] = 0;
	assert_int_equal(account_domain_find("CA.TEST", "alice", name, sizeof(name), err,
					     sizeof(err)),
			 0);
	assert_string_equal(name, "CA.TEST\\alice");
	unsetenv("NTLM_USER_FILE");
	unlink(path);
}

static int domain_find(const char *realm, const char *user)
{
	name[0] = err[0] = 0;
	return account_domain_find(realm, user, name, sizeof(name), err, sizeof(err));
}

/* account_domain_find: a Kerberos requester REALM\user is the line of user in
 * exactly that domain (case ignored), enabled; a line without a domain, or of
 * another domain, is no realm's user (1); a disabled one or a file that cannot
 * be read is -1 with the reason. */
static void test_domain_find(void **state)
{
	(void)state;
	write_file("CA.TEST\\alice:" NOHASH "\n"
		   "ca.test\\Bob:" HASH "\n"
		   "nodomain:" HASH "\n"
		   "CA\\carol:" HASH "\n"
		   "CA.TEST.EXTRA\\erin:" HASH "\n"
		   "CA.TEST\\dave:" HASH_D "\n"
		   "HEIM:frank:a password\n");
	setenv("NTLM_USER_FILE", path, 1);
	assert_int_equal(domain_find("CA.TEST", "alice"), 0);
	assert_string_equal(name, "CA.TEST\\alice");
	assert_int_equal(domain_find("ca.Test", "ALICE"), 0);
	assert_string_equal(name, "CA.TEST\\alice"); /* as stored */
	assert_int_equal(domain_find("CA.TEST", "bob"), 0);
	assert_string_equal(name, "ca.test\\Bob");
	/* a line without a domain matches any domain for NTLM, never a realm */
	assert_int_equal(domain_find("CA.TEST", "nodomain"), 1);
	assert_non_null(strstr(err, "no account 'CA.TEST\\nodomain'"));
	/* a domain that is a prefix of the realm, or the realm a prefix of it */
	assert_int_equal(domain_find("CA.TEST", "carol"), 1);
	assert_int_equal(domain_find("CA", "alice"), 1);
	assert_int_equal(domain_find("CA.TEST", "erin"), 1);
	assert_int_equal(domain_find("CA.TEST.EXTRA", "erin"), 0);
	assert_int_equal(domain_find("OTHER", "alice"), 1);
	assert_int_equal(domain_find("CA.TEST", "nobody"), 1);
	assert_non_null(strstr(err, "no account"));
	assert_int_equal(domain_find("CA.TEST", "dave"), -1);
	assert_non_null(strstr(err, "the account 'CA.TEST\\dave' is disabled"));
	assert_int_equal(domain_find("HEIM", "frank"), 0); /* DOMAIN:USER:PASSWORD */
	assert_string_equal(name, "HEIM\\frank");
	assert_int_equal(domain_find("", "alice"), -1); /* no realm */
	unlink(path);
	assert_int_equal(domain_find("CA.TEST", "alice"), -1); /* unreadable */
	assert_true(err[0] != 0);
	unsetenv("NTLM_USER_FILE");
	assert_int_equal(domain_find("CA.TEST", "alice"), -1);
	assert_non_null(strstr(err, "no NTLM_USER_FILE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_as_stored),
		cmocka_unit_test(test_disabled_refused),
		cmocka_unit_test(test_empty_domain_two_accounts),
		cmocka_unit_test(test_unreadable_or_too_long),
		cmocka_unit_test(test_utf16_names),
		cmocka_unit_test(test_utf16_edges),
		cmocka_unit_test(test_skipped_lines_and_no_message),
		cmocka_unit_test(test_attributes_beside_the_account_file),
		cmocka_unit_test(test_no_password),
		cmocka_unit_test(test_domain_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
