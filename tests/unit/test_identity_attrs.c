/* Account attributes (firmware/identity/attrs.c): each value's rule at its
 * bounds, the attributes file's parser (every refusal, nothing half-read), its
 * writer (round trip to the same bytes), the loader's file checks and ca-auth's
 * look-up. The policy's limits are the identity's (the lead switches policy.h
 * to these defines; until then they must stay equal). */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
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

#include "firmware/identity/attrs.h"
#include "firmware/identity/idtoken.h"
#include "firmware/policy/policy.h"

_Static_assert(POLICY_ATTR_MAX == IDENTITY_ATTR_MAX, "policy.h: UPN/e-mail/DNS bound");
_Static_assert(POLICY_SID_MAX == IDENTITY_SID_MAX, "policy.h: SID bound");
_Static_assert(POLICY_MAX_GROUPS == IDENTITY_MAX_GROUPS, "policy.h: group count");
_Static_assert(POLICY_GROUP_MAX == IDENTITY_GROUP_MAX, "policy.h: group name bound");
_Static_assert(POLICY_ACCOUNT_NAME_MAX == IDTOKEN_IDENTITY_MAX, "policy.h: account name");

static int ok(enum id_attr a, const char *v)
{
	char err[256];

	return id_attr_check(a, v, err, sizeof(err)) == 0;
}

static char *rep(char c, size_t n)
{
	static char buf[8][1024];
	static int k;
	char *b = buf[k++ % 8];

	memset(b, c, n);
	b[n] = 0;
	return b;
}

static void test_limits_and_names(void **state)
{
	(void)state;
	assert_int_equal(IDENTITY_ATTR_MAX, 255);
	assert_int_equal(IDENTITY_SID_MAX, 184);
	assert_int_equal(IDENTITY_MAX_GROUPS, 256); /* = PAC_MAX_GROUPS (firmware/auth/pac.h) */
	assert_int_equal(IDENTITY_GROUP_MAX, 128);
	for (int i = 0; i < ID_ATTR_COUNT; i++)
		assert_int_equal(id_attr_from_name(id_attr_name((enum id_attr)i)), i);
	assert_int_equal(id_attr_from_name("UPN"), -1);
	assert_int_equal(id_attr_from_name("groups"), -1);
	assert_string_equal(id_attr_name(ID_ATTR_COUNT), "?");
}

static void test_upn(void **state)
{
	char v[300];

	(void)state;
	assert_true(ok(ID_ATTR_UPN, "alice@example.com"));
	assert_true(ok(ID_ATTR_UPN, "alice@corp"));
	assert_true(ok(ID_ATTR_UPN, "a.b+c!#$%&'*/=?^_`{|}~-@x-y.example"));
	assert_false(ok(ID_ATTR_UPN, ""));
	assert_false(ok(ID_ATTR_UPN, "alice"));
	assert_false(ok(ID_ATTR_UPN, "@example.com"));
	assert_false(ok(ID_ATTR_UPN, "alice@"));
	assert_false(ok(ID_ATTR_UPN, "al ice@example.com"));
	assert_false(ok(ID_ATTR_UPN, "alice@ex ample.com"));
	assert_false(ok(ID_ATTR_UPN, "a@b@example.com"));
	assert_false(ok(ID_ATTR_UPN, ".alice@example.com"));
	assert_false(ok(ID_ATTR_UPN, "alice.@example.com"));
	assert_false(ok(ID_ATTR_UPN, "al..ice@example.com"));
	assert_false(ok(ID_ATTR_UPN, "alice@-example.com"));
	assert_false(ok(ID_ATTR_UPN, "alice@example-.com"));
	assert_false(ok(ID_ATTR_UPN, "alice@example..com"));
	assert_false(ok(ID_ATTR_UPN, "alice@example.com."));
	assert_false(ok(ID_ATTR_UPN, "alice@exa_mple.com"));
	assert_false(ok(ID_ATTR_UPN, "al\tice@example.com"));
	assert_false(ok(ID_ATTR_UPN, "al\"ice@example.com"));
	assert_false(ok(ID_ATTR_UPN, "al\xc3\xa9@example.com"));
	/* 255 bytes, then 256 */
	snprintf(v, sizeof(v), "%s@%s.%s.%s.%s", rep('u', 1), rep('a', 63), rep('b', 63),
		 rep('c', 63), rep('d', 61));
	assert_int_equal(strlen(v), 255);
	assert_true(ok(ID_ATTR_UPN, v));
	snprintf(v, sizeof(v), "%s@%s.%s.%s.%s", rep('u', 2), rep('a', 63), rep('b', 63),
		 rep('c', 63), rep('d', 61));
	assert_false(ok(ID_ATTR_UPN, v));
	/* a label of 64 */
	snprintf(v, sizeof(v), "u@%s.com", rep('a', 64));
	assert_false(ok(ID_ATTR_UPN, v));
	snprintf(v, sizeof(v), "u@%s.com", rep('a', 63));
	assert_true(ok(ID_ATTR_UPN, v));
}

static void test_email(void **state)
{
	char v[300];

	(void)state;
	assert_true(ok(ID_ATTR_EMAIL, "alice@example.com"));
	assert_true(ok(ID_ATTR_EMAIL, "alice.smith+ca@mail.example.com"));
	assert_false(ok(ID_ATTR_EMAIL, "alice@localhost")); /* one label */
	assert_false(ok(ID_ATTR_EMAIL, "alice"));
	assert_false(ok(ID_ATTR_EMAIL, "\"alice\"@example.com"));
	assert_false(ok(ID_ATTR_EMAIL, "alice@[192.0.2.1]"));
	assert_false(ok(ID_ATTR_EMAIL, "alice smith@example.com"));
	assert_false(ok(ID_ATTR_EMAIL, "alice@example.com\n"));
	snprintf(v, sizeof(v), "%s@example.com", rep('l', 64));
	assert_true(ok(ID_ATTR_EMAIL, v));
	snprintf(v, sizeof(v), "%s@example.com", rep('l', 65));
	assert_false(ok(ID_ATTR_EMAIL, v));
	/* 254 bytes, then 255 */
	snprintf(v, sizeof(v), "a@%s.%s.%s.%s", rep('a', 63), rep('b', 63), rep('c', 63),
		 rep('d', 60));
	assert_int_equal(strlen(v), 254);
	assert_true(ok(ID_ATTR_EMAIL, v));
	snprintf(v, sizeof(v), "ab@%s.%s.%s.%s", rep('a', 63), rep('b', 63), rep('c', 63),
		 rep('d', 60));
	assert_false(ok(ID_ATTR_EMAIL, v));
}

static void test_dns(void **state)
{
	char v[300];

	(void)state;
	assert_true(ok(ID_ATTR_DNS, "host1.example.com"));
	assert_true(ok(ID_ATTR_DNS, "HOST1"));
	assert_true(ok(ID_ATTR_DNS, "1-2.x"));
	assert_false(ok(ID_ATTR_DNS, ""));
	assert_false(ok(ID_ATTR_DNS, "."));
	assert_false(ok(ID_ATTR_DNS, "host.example.com."));
	assert_false(ok(ID_ATTR_DNS, ".host"));
	assert_false(ok(ID_ATTR_DNS, "-host"));
	assert_false(ok(ID_ATTR_DNS, "host-"));
	assert_false(ok(ID_ATTR_DNS, "*.example.com"));
	assert_false(ok(ID_ATTR_DNS, "ho_st"));
	assert_false(ok(ID_ATTR_DNS, "ho st"));
	assert_false(ok(ID_ATTR_DNS, "h\xc3\xa9.example"));
	snprintf(v, sizeof(v), "%s.%s.%s.%s", rep('a', 63), rep('b', 63), rep('c', 63),
		 rep('d', 61));
	assert_int_equal(strlen(v), 253);
	assert_true(ok(ID_ATTR_DNS, v));
	snprintf(v, sizeof(v), "%s.%s.%s.%s", rep('a', 63), rep('b', 63), rep('c', 63),
		 rep('d', 62));
	assert_false(ok(ID_ATTR_DNS, v));
	assert_false(ok(ID_ATTR_DNS, rep('a', 64)));
	assert_true(ok(ID_ATTR_DNS, rep('a', 63)));
}

static void test_sid(void **state)
{
	char v[300];

	(void)state;
	assert_true(ok(ID_ATTR_SID, "S-1-5-21-3623811015-3361044348-30300820-1013"));
	assert_true(ok(ID_ATTR_SID, "S-1-5-32"));
	assert_true(ok(ID_ATTR_SID, "S-1-0-0"));
	assert_true(ok(ID_ATTR_SID, "S-1-281474976710655-4294967295"));
	assert_false(ok(ID_ATTR_SID, "S-1-281474976710656-1"));  /* 2^48 */
	assert_false(ok(ID_ATTR_SID, "S-1-5-4294967296"));       /* 2^32 */
	assert_false(ok(ID_ATTR_SID, "S-1-5-99999999999999999")); /* overflow */
	assert_false(ok(ID_ATTR_SID, "S-1-5"));                  /* no sub-authority */
	assert_false(ok(ID_ATTR_SID, "S-2-5-21"));
	assert_false(ok(ID_ATTR_SID, "s-1-5-21"));
	assert_false(ok(ID_ATTR_SID, "S-1-05-21"));
	assert_false(ok(ID_ATTR_SID, "S-1-5-021"));
	assert_false(ok(ID_ATTR_SID, "S-1-5-21-"));
	assert_false(ok(ID_ATTR_SID, "S-1-5--21"));
	assert_false(ok(ID_ATTR_SID, "S-1-5-21 "));
	assert_false(ok(ID_ATTR_SID, "S-1-5-+21"));
	assert_false(ok(ID_ATTR_SID, "S-1-0x5-21"));
	assert_false(ok(ID_ATTR_SID, ""));
	/* 15 sub-authorities (the longest text: 184), then 16 */
	snprintf(v, sizeof(v), "S-1-281474976710655");
	for (int i = 0; i < 15; i++)
		strcat(v, "-4294967295");
	assert_int_equal(strlen(v), IDENTITY_SID_MAX);
	assert_true(ok(ID_ATTR_SID, v));
	strcpy(v, "S-1-5");
	for (int i = 0; i < 16; i++)
		strcat(v, "-1");
	assert_false(ok(ID_ATTR_SID, v));
}

static void test_groups(void **state)
{
	struct id_attrs a;
	char err[256];

	(void)state;
	assert_true(ok(ID_ATTR_GROUP, "Domain Users"));
	assert_true(ok(ID_ATTR_GROUP, "Gr\xc3\xbcppe=1")); /* UTF-8, '=' */
	assert_true(ok(ID_ATTR_GROUP, rep('g', 128)));
	assert_false(ok(ID_ATTR_GROUP, rep('g', 129)));
	assert_false(ok(ID_ATTR_GROUP, ""));
	assert_false(ok(ID_ATTR_GROUP, " lead"));
	assert_false(ok(ID_ATTR_GROUP, "trail "));
	assert_false(ok(ID_ATTR_GROUP, "tab\there"));
	assert_false(ok(ID_ATTR_GROUP, "new\nline"));
	assert_false(ok(ID_ATTR_GROUP, "del\x7f"));
	assert_false(ok(ID_ATTR_GROUP, "c1\xc2\x85"));       /* U+0085 */
	assert_false(ok(ID_ATTR_GROUP, "bad\xc3"));          /* cut short */
	assert_false(ok(ID_ATTR_GROUP, "over\xc0\xaf"));     /* overlong */
	assert_false(ok(ID_ATTR_GROUP, "sur\xed\xa0\x80"));  /* surrogate */
	memset(&a, 0, sizeof(a));
	for (int i = 0; i < IDENTITY_MAX_GROUPS; i++) {
		char g[16];

		snprintf(g, sizeof(g), "group%d", i);
		assert_int_equal(id_attrs_add_group(&a, g, err, sizeof(err)), 0);
	}
	assert_int_equal(id_attrs_add_group(&a, "one more", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 256"));
	assert_int_equal(a.n_groups, 256);
	assert_int_equal(id_attrs_check(&a, err, sizeof(err)), 0);
	/* the 256th group is checked against every other one */
	strcpy(a.groups[255], "GROUP17");
	assert_int_equal(id_attrs_check(&a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	strcpy(a.groups[255], "bad\tgroup");
	assert_int_equal(id_attrs_check(&a, err, sizeof(err)), -1);
	memset(a.groups[255], 'g', sizeof(a.groups[255])); /* not terminated */
	assert_int_equal(id_attrs_check(&a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not terminated"));
	strcpy(a.groups[255], "group255");
	a.n_groups = 1;
	assert_int_equal(id_attrs_add_group(&a, "GROUP0", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(a.n_groups, 1);
	assert_int_equal(id_attrs_check(&a, err, sizeof(err)), 0);
	strcpy(a.groups[1], "Group0");
	a.n_groups = 2;
	assert_int_equal(id_attrs_check(&a, err, sizeof(err)), -1);
	a.n_groups = 257;
	assert_int_equal(id_attrs_check(&a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at most 256"));
}

static void test_account_names(void **state)
{
	(void)state;
	assert_true(id_account_name_ok("EXAMPLE\\alice"));
	assert_true(id_account_name_ok("EX AMPLE\\al ice"));
	assert_false(id_account_name_ok("alice"));
	assert_false(id_account_name_ok("\\alice"));
	assert_false(id_account_name_ok("EXAMPLE\\"));
	assert_false(id_account_name_ok("EXAMPLE\\a\\b"));
	assert_false(id_account_name_ok("EXAMPLE\\al:ice"));
	assert_false(id_account_name_ok("EXAMPLE\\al@ice"));
	assert_false(id_account_name_ok("EXAMPLE\\al\tice"));
	assert_false(id_account_name_ok("#EXAMPLE\\alice"));
	assert_false(id_account_name_ok("EXAMPLE\\alice "));
}

#define GOOD                                                                             \
	"# comment\n"                                                                    \
	"\n"                                                                             \
	"EXAMPLE\\alice\tupn=alice@example.com\temail=alice@example.com\tdns=a.example\t" \
	"sid=S-1-5-21-1-2-3-1001\tgroup=Domain Users\tgroup=Staff\n"                     \
	"EXAMPLE\\bob\tgroup=Staff\n"                                                    \
	"EXAMPLE\\host$\tdns=host.example.com\tsid=S-1-5-21-1-2-3-1002\n"

static int parses(const char *text, char *err, size_t errlen)
{
	struct id_attrs_file f;
	int rc = id_attrs_parse(text, strlen(text), &f, err, errlen);

	if (rc != 0) {
		assert_int_equal(f.n, 0);
		assert_null(f.e);
	}
	id_attrs_file_free(&f);
	return rc;
}

/* e's attributes, parsed again from its line (one struct, ~34 KiB: static). */
static const struct id_attrs *attrs(const struct id_attrs_entry *e)
{
	static struct id_attrs a;
	char err[512];

	assert_non_null(e);
	if (id_attrs_get(e, &a, err, sizeof(err)) != 0)
		fail_msg("id_attrs_get %s: %s", e->name, err);
	return &a;
}

static void test_parse(void **state)
{
	struct id_attrs_file f;
	const struct id_attrs_entry *e;
	const struct id_attrs *a;
	char err[256];

	(void)state;
	assert_int_equal(id_attrs_parse(GOOD, strlen(GOOD), &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 3);
	e = id_attrs_find(&f, "example\\ALICE");
	assert_non_null(e);
	assert_string_equal(e->name, "EXAMPLE\\alice");
	/* kept as its line, as written */
	assert_string_equal(e->line, "EXAMPLE\\alice\tupn=alice@example.com\temail=alice@example."
				     "com\tdns=a.example\tsid=S-1-5-21-1-2-3-1001\tgroup=Domain "
				     "Users\tgroup=Staff");
	assert_int_equal(e->len, strlen(e->line));
	assert_string_equal(id_attrs_entry_fields(e), e->line + strlen("EXAMPLE\\alice"));
	a = attrs(e);
	assert_string_equal(a->upn, "alice@example.com");
	assert_string_equal(a->email, "alice@example.com");
	assert_string_equal(a->dns, "a.example");
	assert_string_equal(a->sid, "S-1-5-21-1-2-3-1001");
	assert_int_equal(a->n_groups, 2);
	assert_string_equal(a->groups[0], "Domain Users");
	assert_string_equal(a->groups[1], "Staff");
	e = id_attrs_find(&f, "EXAMPLE\\bob");
	assert_string_equal(e->line, "EXAMPLE\\bob\tgroup=Staff");
	assert_string_equal(id_attrs_entry_fields(e), "\tgroup=Staff");
	a = attrs(e);
	assert_string_equal(a->upn, "");
	assert_int_equal(a->n_groups, 1);
	/* nothing of alice's second group left past bob's one */
	assert_int_equal(a->groups[1][0], 0);
	assert_null(id_attrs_find(&f, "EXAMPLE\\carol"));
	id_attrs_file_free(&f);
	assert_int_equal(id_attrs_parse("", 0, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 0);
	id_attrs_file_free(&f);
}

static void refused(const char *text, const char *why)
{
	char err[256] = "";

	assert_int_equal(parses(text, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("'%s': got '%s', wanted '%s'", text, err, why);
}

static void test_parse_refusals(void **state)
{
	(void)state;
	refused("E\\a\tupn=a@b", "no newline");
	refused("E\\a\tupn=a@b\r\n", "carriage return");
	refused("E\\a\n", "line 1: no attribute");
	refused("# c\nE\\a\t\n", "line 2: a field is not key=value");
	refused("Ea\tupn=a@b\n", "not an account name");
	refused("E\\a\tUPN=a@b\n", "unknown key");
	refused("E\\a\tgroups=x\n", "unknown key");
	refused("E\\a\tupn=a@b\tupn=c@d\n", "repeated or out of order");
	refused("E\\a\temail=a@b.c\tupn=a@b\n", "repeated or out of order");
	refused("E\\a\tgroup=x\tsid=S-1-5-1\n", "repeated or out of order");
	refused("E\\a\tupn=a@b\t\n", "not key=value");
	refused("E\\a\t\tupn=a@b\n", "not key=value");
	refused("E\\a\tupn=\n", "upn");
	refused("E\\a\tupn=a b@c\n", "upn");
	refused("E\\a\temail=a@b\n", "email");
	refused("E\\a\tdns=a_b\n", "dns");
	refused("E\\a\tsid=S-1-5\n", "sid");
	refused("E\\a\tgroup=\n", "group name is 1..");
	refused("E\\a\tgroup=x\tgroup=X\n", "twice");
	refused("E\\a\tupn=a@b\nE\\A\tupn=c@d\n", "line 2: account 'E\\A' has a second line");
	{
		/* the file follows the token's bound: 256 groups, not 257 */
		static char big[16 * 257 + 64];
		size_t n = (size_t)snprintf(big, sizeof(big), "E\\a");
		struct id_attrs_file f;
		char err[256];

		for (int i = 0; i < 256; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "\tgroup=g%d", i);
		snprintf(big + n, sizeof(big) - n, "\n");
		assert_int_equal(id_attrs_parse(big, strlen(big), &f, err, sizeof(err)), 0);
		assert_int_equal(attrs(&f.e[0])->n_groups, 256);
		assert_string_equal(attrs(&f.e[0])->groups[255], "g255");
		id_attrs_file_free(&f);
		snprintf(big + n, sizeof(big) - n, "\tgroup=g256\n");
		refused(big, "at most 256");
	}
}

/* A NUL inside the data (the text helper stops at it). */
static void test_parse_nul(void **state)
{
	struct id_attrs_file f;
	char err[256];
	static const char t[] = "E\\a\tupn=a@b\0x\n";

	(void)state;
	assert_int_equal(id_attrs_parse(t, sizeof(t) - 1, &f, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
}

/* id_attrs_get on a line neither the parser nor put made (an entry changed
 * behind the API): refused with the entry's name and the parser's reason,
 * and nothing of the line in a. */
static void test_get_refuses_a_foreign_line(void **state)
{
	static struct id_attrs a;
	struct id_attrs_entry e;
	char line[] = "EXAMPLE\\x\tupn=x@example.com\tcolour=blue", err[256];

	(void)state;
	memset(&e, 0, sizeof(e));
	strcpy(e.name, "EXAMPLE\\x");
	e.line = line;
	e.len = strlen(line);
	memset(&a, 0x41, sizeof(a));
	assert_int_equal(id_attrs_get(&e, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "EXAMPLE\\x: "));
	assert_non_null(strstr(err, "colour"));
	assert_string_equal(a.upn, "");
	assert_int_equal(a.n_groups, 0);
	/* the line itself is left as it was (id_attrs_get cuts a copy) */
	assert_string_equal(line, "EXAMPLE\\x\tupn=x@example.com\tcolour=blue");
}

static void test_format_round_trip(void **state)
{
	struct id_attrs_file f, g;
	struct id_attrs a;
	char *out, *out2, err[256];
	size_t len, len2;

	(void)state;
	assert_int_equal(id_attrs_parse(GOOD, strlen(GOOD), &f, err, sizeof(err)), 0);
	assert_int_equal(id_attrs_format(&f, &out, &len, err, sizeof(err)), 0);
	assert_int_equal(strlen(out), len);
	/* the header, then the lines as written (comments and blanks dropped) */
	assert_non_null(strstr(out, "EXAMPLE\\alice\tupn=alice@example.com\temail=alice@example."
				    "com\tdns=a.example\tsid=S-1-5-21-1-2-3-1001\tgroup=Domain "
				    "Users\tgroup=Staff\nEXAMPLE\\bob\tgroup=Staff\n"));
	assert_int_equal(out[0], '#');
	assert_int_equal(id_attrs_parse(out, len, &g, err, sizeof(err)), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(id_attrs_format(&g, &out2, &len2, err, sizeof(err)), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(out, out2, len);
	free(out2);
	id_attrs_file_free(&g);
	free(out);
	/* put: replace, add, remove */
	memset(&a, 0, sizeof(a));
	strcpy(a.upn, "bob@example.com");
	assert_int_equal(id_attrs_put(&f, "example\\BOB", &a, err, sizeof(err)), 0);
	assert_int_equal(f.n, 3);
	assert_string_equal(attrs(id_attrs_find(&f, "EXAMPLE\\bob"))->upn, "bob@example.com");
	assert_string_equal(id_attrs_find(&f, "EXAMPLE\\bob")->line,
			    "example\\BOB\tupn=bob@example.com");
	/* renamed to the name given (caadm gives the account file's) */
	assert_string_equal(id_attrs_find(&f, "EXAMPLE\\bob")->name, "example\\BOB");
	assert_int_equal(attrs(id_attrs_find(&f, "EXAMPLE\\bob"))->n_groups, 0);
	assert_int_equal(id_attrs_put(&f, "EXAMPLE\\carol", &a, err, sizeof(err)), 0);
	assert_int_equal(f.n, 4);
	memset(&a, 0, sizeof(a));
	assert_int_equal(id_attrs_put(&f, "EXAMPLE\\alice", &a, err, sizeof(err)), 0);
	assert_int_equal(f.n, 3);
	assert_null(id_attrs_find(&f, "EXAMPLE\\alice"));
	assert_string_equal(f.e[0].name, "example\\BOB");
	assert_int_equal(id_attrs_put(&f, "EXAMPLE\\nobody", &a, err, sizeof(err)), 0);
	assert_int_equal(f.n, 3);
	/* put refuses what the parser would, and changes nothing */
	assert_int_equal(id_attrs_format(&f, &out, &len, err, sizeof(err)), 0);
	strcpy(a.sid, "S-1-5-01");
	assert_int_equal(id_attrs_put(&f, "example\\BOB", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "sid"));
	assert_int_equal(id_attrs_put(&f, "EXAMPLE\\dave", &a, err, sizeof(err)), -1);
	strcpy(a.sid, "S-1-5-1");
	assert_int_equal(id_attrs_put(&f, "nobackslash", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an account name"));
	a.n_groups = 1; /* a group left "" */
	assert_int_equal(id_attrs_put(&f, "EXAMPLE\\dave", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "group"));
	assert_int_equal(f.n, 3);
	assert_int_equal(id_attrs_format(&f, &out2, &len2, err, sizeof(err)), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(out, out2, len);
	free(out);
	free(out2);
	id_attrs_file_free(&f);
	/* empty: the header alone */
	assert_int_equal(id_attrs_format(&f, &out, &len, err, sizeof(err)), 0);
	assert_int_equal(id_attrs_parse(out, len, &g, err, sizeof(err)), 0);
	assert_int_equal(g.n, 0);
	free(out);
}

/* The most accounts the file holds, then one more. */
static void test_account_limit(void **state)
{
	struct id_attrs_file f;
	struct id_attrs a;
	char err[256], name[32];

	(void)state;
	memset(&f, 0, sizeof(f));
	memset(&a, 0, sizeof(a));
	strcpy(a.sid, "S-1-5-21-1");
	for (int i = 0; i < IDENTITY_ATTRS_MAX_ACCOUNTS; i++) {
		snprintf(name, sizeof(name), "D\\u%d", i);
		assert_int_equal(id_attrs_put(&f, name, &a, err, sizeof(err)), 0);
	}
	assert_int_equal(id_attrs_put(&f, "D\\more", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than"));
	id_attrs_file_free(&f);
}

static char dir[64];

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_load_and_lookup(void **state)
{
	char path[128], link[128], err[512];
	struct id_attrs a;
	struct id_attrs_file f;

	(void)state;
	strcpy(dir, "/tmp/attrs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/attributes", dir);
	/* absent: no attributes, no error */
	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(id_attrs_lookup(path, "EXAMPLE\\alice", &a, err, sizeof(err)), 0);
	assert_true(id_attrs_empty(&a));
	write_file(path, GOOD, 0600);
	assert_int_equal(id_attrs_lookup(path, "example\\alice", &a, err, sizeof(err)), 0);
	assert_string_equal(a.sid, "S-1-5-21-1-2-3-1001");
	assert_int_equal(a.n_groups, 2);
	assert_int_equal(id_attrs_lookup(path, "EXAMPLE\\carol", &a, err, sizeof(err)), 0);
	assert_true(id_attrs_empty(&a));
	/* an account of 256 groups, looked up line by line (only the names kept) */
	{
		static char text[sizeof(GOOD) + 16 * 257 + 64];
		size_t n = (size_t)snprintf(text, sizeof(text), "EXAMPLE\\carol");

		for (int i = 0; i < 256; i++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "\tgroup=g%d", i);
		snprintf(text + n, sizeof(text) - n, "\n%s", GOOD);
		write_file(path, text, 0600);
		assert_int_equal(id_attrs_lookup(path, "example\\CAROL", &a, err, sizeof(err)), 0);
		assert_int_equal(a.n_groups, 256);
		assert_string_equal(a.groups[0], "g0");
		assert_string_equal(a.groups[255], "g255");
		/* alice's line after carol's: nothing of carol's groups past alice's 2 */
		memset(&a, 0x5a, sizeof(a));
		assert_int_equal(id_attrs_lookup(path, "EXAMPLE\\alice", &a, err, sizeof(err)), 0);
		assert_int_equal(a.n_groups, 2);
		assert_string_equal(a.groups[1], "Staff");
		for (int i = 2; i < IDENTITY_MAX_GROUPS; i++)
			assert_int_equal(a.groups[i][0], 0);
		{
			struct id_attrs_file f2;
			const struct id_attrs_entry *e;

			assert_int_equal(id_attrs_parse(text, strlen(text), &f2, err, sizeof(err)), 0);
			e = id_attrs_find(&f2, "EXAMPLE\\bob");
			assert_non_null(e);
			assert_int_equal(attrs(e)->n_groups, 1);
			assert_int_equal(attrs(e)->groups[1][0], 0);
			assert_int_equal(attrs(e)->groups[255][0], 0);
			id_attrs_file_free(&f2);
		}
		/* a second line for an account, after the one looked up: refused, nothing */
		write_file(path, GOOD "example\\ALICE\tupn=a@b\n", 0600);
		memset(&a, 0x5a, sizeof(a));
		assert_int_equal(id_attrs_lookup(path, "EXAMPLE\\alice", &a, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "second line"));
		assert_true(id_attrs_empty(&a));
	}
	/* malformed anywhere (even on another account's line): refused, nothing */
	write_file(path, GOOD "EXAMPLE\\carol\tsid=S-1-5-x\n", 0600);
	memset(&a, 0x5a, sizeof(a));
	assert_int_equal(id_attrs_lookup(path, "EXAMPLE\\alice", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 6"));
	assert_non_null(strstr(err, path));
	assert_true(id_attrs_empty(&a));
	/* readable or writable by others */
	write_file(path, GOOD, 0644);
	assert_int_equal(id_attrs_lookup(path, "EXAMPLE\\alice", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode 0600"));
	assert_int_equal(id_attrs_load(path, 0, &f, err, sizeof(err)), -1);
	write_file(path, GOOD, 0620);
	assert_int_equal(id_attrs_lookup(path, "EXAMPLE\\alice", &a, err, sizeof(err)), -1);
	/* a link in its place is not followed */
	write_file(path, GOOD, 0600);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(id_attrs_lookup(link, "EXAMPLE\\alice", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot be read"));
	/* a directory */
	assert_int_equal(id_attrs_lookup(dir, "EXAMPLE\\alice", &a, err, sizeof(err)), -1);
	/* load (caadm's) */
	assert_int_equal(id_attrs_load(path, 0, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, 3);
	id_attrs_file_free(&f);
	unlink(link);
	unlink(path);
	rmdir(dir);
}

/* ---- many accounts: caadm's memory follows the file's size ---- */

#define MANY IDENTITY_ATTRS_MAX_ACCOUNTS
/* Accounts of 256 groups (~2.8 KB a line here) that a file of at most
 * IDENTITY_ATTRS_FILE_MAX holds: ~14 MB. */
#define MANY_UNDER_LIMIT 5000

/* Heap bytes in use (glibc's count; 0 under a sanitizer's allocator, which
 * mallinfo2 does not see: the bounds below then hold trivially). */
static size_t heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();

	return m.uordblks + m.hblkhd;
}

/* Account i's line as the writer writes it, built here by hand: D\uNNNNN, its
 * upn (if any), a SID, then the groups g0..g<groups-1>. */
static size_t many_line(char *buf, size_t cap, int i, int groups, const char *upn)
{
	size_t n = (size_t)snprintf(buf, cap, "D\\u%05d", i);

	if (upn != NULL)
		n += (size_t)snprintf(buf + n, cap - n, "\tupn=%s", upn);
	n += (size_t)snprintf(buf + n, cap - n, "\tsid=S-1-5-21-%d", 1000 + i);
	for (int g = 0; g < groups; g++)
		n += (size_t)snprintf(buf + n, cap - n, "\tgroup=g%d", g);
	return n;
}

/* The writer's header: the text of a file without accounts. */
static char *header(size_t *len)
{
	struct id_attrs_file f;
	char *out, err[256];

	memset(&f, 0, sizeof(f));
	assert_int_equal(id_attrs_format(&f, &out, len, err, sizeof(err)), 0);
	return out;
}

/* A whole file of accounts 0..accounts-1, each with groups groups, account
 * changed (-1: none) with upn too; a line of extra text at the end. */
static char *many_text(int accounts, int groups, int changed, const char *upn,
		       const char *extra, size_t *len)
{
	size_t hlen, cap = (size_t)accounts * ((size_t)groups * 12 + 80) + 4096, n;
	char *h = header(&hlen), *t = malloc(cap);

	assert_non_null(t);
	memcpy(t, h, hlen);
	n = hlen;
	free(h);
	for (int i = 0; i < accounts; i++) {
		n += many_line(t + n, cap - n, i, groups, i == changed ? upn : NULL);
		t[n++] = '\n';
	}
	n += (size_t)snprintf(t + n, cap - n, "%s", extra);
	*len = n;
	return t;
}

/* The file as written after the no-op put, then after one changed account. */
static void rewrite_and_compare(struct id_attrs_file *f, int accounts, int groups, int who)
{
	static struct id_attrs a;
	char err[512], name[32], *out, *want;
	size_t len, wlen;

	snprintf(name, sizeof(name), "d\\U%05d", who); /* found whatever the case */
	assert_int_equal(id_attrs_get(id_attrs_find(f, name), &a, err, sizeof(err)), 0);
	assert_int_equal(a.n_groups, (size_t)groups);
	snprintf(name, sizeof(name), "D\\u%05d", who);
	assert_int_equal(id_attrs_put(f, name, &a, err, sizeof(err)), 0);
	assert_int_equal(id_attrs_format(f, &out, &len, err, sizeof(err)), 0);
	want = many_text(accounts, groups, -1, NULL, "", &wlen);
	assert_int_equal(len, wlen);
	assert_memory_equal(out, want, len);
	free(out);
	free(want);
	/* one account changed: its line alone, in its place */
	strcpy(a.upn, "who@example.com");
	assert_int_equal(id_attrs_put(f, name, &a, err, sizeof(err)), 0);
	assert_int_equal(f->n, (size_t)accounts);
	assert_int_equal(id_attrs_format(f, &out, &len, err, sizeof(err)), 0);
	want = many_text(accounts, groups, who, "who@example.com", "", &wlen);
	assert_int_equal(len, wlen);
	assert_memory_equal(out, want, len);
	free(out);
	free(want);
}

/* The most accounts, as large a file as the readers take (128 groups each,
 * ~14 MB): loaded, and rewritten byte for byte, in memory about the file's
 * size (kept as struct id_attrs, 10000 accounts were ~340 MB). */
static void test_many_accounts_file(void **state)
{
	struct id_attrs_file f;
	char err[512], *text;
	size_t len, base;

	(void)state;
	text = many_text(MANY, 128, -1, NULL, "", &len);
	assert_true(len <= IDENTITY_ATTRS_FILE_MAX);
	base = heap_in_use();
	assert_int_equal(id_attrs_parse(text, len, &f, err, sizeof(err)), 0);
	assert_int_equal(f.n, MANY);
	assert_true(heap_in_use() - base <= len + MANY * (sizeof(f.e[0]) + 32) + (1u << 20));
	free(text);
	rewrite_and_compare(&f, MANY, 128, 4321);
	id_attrs_file_free(&f);
}

/* 10000 accounts of 256 groups (more than the 16 MiB a reader takes, so put
 * one by one, as caadm would grow it): the entries hold about the text's
 * size, and the text is the one built here by hand. */
static void test_many_accounts_put(void **state)
{
	static struct id_attrs a;
	struct id_attrs_file f;
	char err[512], name[32], line[4096];
	size_t base, text = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	memset(&a, 0, sizeof(a));
	for (int g = 0; g < IDENTITY_MAX_GROUPS; g++)
		snprintf(a.groups[a.n_groups++], sizeof(a.groups[0]), "g%d", g);
	base = heap_in_use();
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "D\\u%05d", i);
		snprintf(a.sid, sizeof(a.sid), "S-1-5-21-%d", 1000 + i);
		assert_int_equal(id_attrs_put(&f, name, &a, err, sizeof(err)), 0);
		text += many_line(line, sizeof(line), i, IDENTITY_MAX_GROUPS, NULL) + 1;
	}
	assert_true(heap_in_use() - base <= text + MANY * (sizeof(f.e[0]) + 32) + (1u << 20));
	/* ~27 MB of text: more than either reader takes, so it is never written
	 * (caadm refuses the change that would make it) */
	assert_true(text > IDENTITY_ATTRS_FILE_MAX);
	{
		char *out = NULL, *h, want[128];
		size_t len = 0, hlen;

		h = header(&hlen);
		free(h);
		snprintf(want, sizeof(want), "the file would be %zu bytes, more than the %u it may "
			 "hold", text + hlen, IDENTITY_ATTRS_FILE_MAX);
		assert_int_equal(id_attrs_format(&f, &out, &len, err, sizeof(err)), -1);
		assert_string_equal(err, want);
		assert_null(out);
	}
	/* the accounts past the limit removed (as caadm account del would):
	 * written again, byte for byte the text of the accounts kept */
	memset(&a, 0, sizeof(a));
	for (int i = MANY_UNDER_LIMIT; i < MANY; i++) {
		snprintf(name, sizeof(name), "D\\u%05d", i);
		assert_int_equal(id_attrs_put(&f, name, &a, err, sizeof(err)), 0);
	}
	assert_int_equal(f.n, MANY_UNDER_LIMIT);
	rewrite_and_compare(&f, MANY_UNDER_LIMIT, IDENTITY_MAX_GROUPS, 7);
	id_attrs_file_free(&f);
}

/* Refused at the end of the largest file: the whole file is still read. */
static void many_refused(const char *extra, const char *why)
{
	static struct id_attrs a;
	struct id_attrs_file f;
	char err[512] = "", *text;
	size_t len;

	text = many_text(MANY, 1, -1, NULL, extra, &len);
	assert_int_equal(id_attrs_parse(text, len, &f, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("got '%s', wanted '%s'", err, why);
	assert_int_equal(f.n, 0);
	assert_null(f.e);
	/* ca-auth's look-up refuses the same file with the same words */
	err[0] = 0;
	assert_int_equal(id_attrs_lookup_data(text, len, "D\\u00001", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, why));
	free(text);
}

static void test_many_accounts_refusals(void **state)
{
	(void)state;
	/* the header's 4 lines, then the 10000 accounts */
	many_refused("D\\more\tupn=a@b\n", "line 10005: more than 10000 accounts");
	many_refused("d\\U00000\tupn=a@b\n", "line 10005: account 'd\\U00000' has a second line");
	many_refused("# fine\nD\\x\tsid=S-1-5-01\n", "line 10006: sid");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_and_names),
		cmocka_unit_test(test_upn),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_sid),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_account_names),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_nul),
		cmocka_unit_test(test_get_refuses_a_foreign_line),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_account_limit),
		cmocka_unit_test(test_load_and_lookup),
		cmocka_unit_test(test_many_accounts_file),
		cmocka_unit_test(test_many_accounts_put),
		cmocka_unit_test(test_many_accounts_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
