/* firmware/policy: certificate templates. The text form (every refusal with its
 * exact message and nothing filled; what is accepted), the round trips both ways,
 * the writer's refusals, the rules between fields (each with its message) and the
 * five default templates. The texts are written here by hand: the oracle is the
 * format documented in firmware/policy/README.md, not the writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/policy/template.h"
#include "firmware/x509/x509.h"
#include "platform/conf.h"

/* Every key, canonical (as template_format writes it), passing template_check.
 * Line numbers matter to the messages below: name is line 1, superseded 23. */
static const char BASE[] =
	"name = Base\n"					    /* 1 */
	"display_name = Base Template\n"		    /* 2 */
	"oid = 1.3.6.1.4.1.311.21.8.9.9\n"		    /* 3 */
	"major_version = 100\n"				    /* 4 */
	"minor_version = 3\n"				    /* 5 */
	"validity_days = 365\n"				    /* 6 */
	"renewal_days = 42\n"				    /* 7 */
	"eku = 1.3.6.1.5.5.7.3.1, 1.3.6.1.5.5.7.3.2\n"	    /* 8 */
	"key_usage = digitalSignature, keyEncipherment\n"  /* 9 */
	"ca = no\n"					    /* 10 */
	"key_algorithms = rsa, ec\n"			    /* 11 */
	"rsa_min_bits = 2048\n"				    /* 12 */
	"ec_min_bits = 384\n"				    /* 13 */
	"subject = account\n"				    /* 14 */
	"san = upn, email, dns\n"			    /* 15 */
	"allow_request_san = no\n"			    /* 16 */
	"pend_all = no\n"				    /* 17 */
	"agent_signatures = 1\n"			    /* 18 */
	"agent_policy = 1.3.6.1.4.1.311.20.2.1\n"	    /* 19 */
	"renew_without_approval = yes\n"		    /* 20 */
	"enroll_accounts = CORP\\alice, CORP\\bob\n"	    /* 21 */
	"enroll_groups = Domain Users\n"		    /* 22 */
	"superseded = OldBase, Older\n";		    /* 23 */

static char text[TEMPLATE_TEXT_MAX * 2];

/* BASE with the line of KEY replaced by line (NULL: removed); a KEY that is not
 * in BASE appends line. Returns the text (static). */
static const char *with(const char *key, const char *line)
{
	const char *p = BASE;
	size_t klen = strlen(key);
	int done = 0;

	text[0] = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p) + 1;

		if (!done && strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			done = 1;
			if (line != NULL)
				strcat(strcat(text, line), "\n");
		} else {
			strncat(text, p, n);
		}
		p += n;
	}
	if (!done && line != NULL)
		strcat(strcat(text, line), "\n");
	return text;
}

/* Parses s (len bytes) expecting the refusal msg, and checks that the output was
 * not touched. */
static void refused_len(const char *s, size_t len, const char *msg)
{
	struct template t, before;
	char err[512];

	memset(&t, 0xa5, sizeof(t));
	before = t;
	err[0] = 0;
	assert_int_equal(template_parse(s, len, &t, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
	assert_memory_equal(&t, &before, sizeof(t));
}

static void refused(const char *s, const char *msg)
{
	refused_len(s, strlen(s), msg);
}

static void parse_ok(const char *s, struct template *t)
{
	char err[512] = "";

	if (template_parse(s, strlen(s), t, err, sizeof(err)) != 0)
		fail_msg("refused: %s\n%s", err, s);
}

/* on_behalf is optional (texts journaled before it existed parse to the same
 * template), a yes or no, and written back only when yes. */
static void test_on_behalf(void **state)
{
	struct template t;
	char out[TEMPLATE_TEXT_MAX + 1], err[256];

	(void)state;
	parse_ok(BASE, &t);
	assert_int_equal(t.on_behalf, 0);
	assert_true(template_format(&t, out, sizeof(out), err, sizeof(err)) > 0);
	assert_null(strstr(out, "on_behalf"));
	parse_ok(with("on_behalf", "on_behalf = no"), &t);
	assert_int_equal(t.on_behalf, 0);
	parse_ok(with("on_behalf", "on_behalf = yes"), &t);
	assert_int_equal(t.on_behalf, 1);
	assert_true(template_format(&t, out, sizeof(out), err, sizeof(err)) > 0);
	assert_non_null(strstr(out, "\non_behalf = yes\n"));
	refused(with("on_behalf", "on_behalf = 1"), "line 24: on_behalf: not yes or no");
}

static void test_base_parses(void **state)
{
	struct template t;
	char err[256] = "";

	(void)state;
	parse_ok(BASE, &t);
	assert_string_equal(t.name, "Base");
	assert_string_equal(t.display_name, "Base Template");
	assert_string_equal(t.oid, "1.3.6.1.4.1.311.21.8.9.9");
	assert_int_equal(t.major_version, 100);
	assert_int_equal(t.minor_version, 3);
	assert_int_equal(t.validity_days, 365);
	assert_int_equal(t.renewal_days, 42);
	assert_int_equal(t.n_eku, 2);
	assert_string_equal(t.eku[0], "1.3.6.1.5.5.7.3.1");
	assert_string_equal(t.eku[1], "1.3.6.1.5.5.7.3.2");
	assert_int_equal(t.key_usage, X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT);
	assert_int_equal(t.ca, 0);
	assert_int_equal(t.path_length, -1);
	assert_int_equal(t.key_algorithms, TEMPLATE_KEY_RSA | TEMPLATE_KEY_EC);
	assert_int_equal(t.rsa_min_bits, 2048);
	assert_int_equal(t.ec_min_bits, 384);
	assert_int_equal(t.subject, TEMPLATE_SUBJECT_ACCOUNT);
	assert_int_equal(t.san, TEMPLATE_SAN_ACCOUNT);
	assert_int_equal(t.san_account, TEMPLATE_SAN_UPN | TEMPLATE_SAN_EMAIL | TEMPLATE_SAN_DNS);
	assert_int_equal(t.allow_request_san, 0);
	assert_int_equal(t.pend_all, 0);
	assert_int_equal(t.agent_signatures, 1);
	assert_string_equal(t.agent_policy, "1.3.6.1.4.1.311.20.2.1");
	assert_int_equal(t.renew_without_approval, 1);
	assert_int_equal(t.n_accounts, 2);
	assert_string_equal(t.accounts[0], "CORP\\alice");
	assert_string_equal(t.accounts[1], "CORP\\bob");
	assert_int_equal(t.n_groups, 1);
	assert_string_equal(t.groups[0], "Domain Users");
	assert_int_equal(t.n_superseded, 2);
	assert_string_equal(t.superseded[0], "OldBase");
	assert_string_equal(t.superseded[1], "Older");
	assert_int_equal(template_check(&t, err, sizeof(err)), 0);
}

/* Comments, blank lines, blanks around keys and values, any order, no final
 * newline, '#' inside a value, UTF-8 text, leading zeros, the minimum keys. */
static void test_accepted_forms(void **state)
{
	static const char loose[] =
		"# a template written by hand\n"
		"\n"
		"   # indented comment: ☃\n"
		"pend_all=yes\n"
		"   name   =   Loose-1.x_y   \n"
		"display_name = Zertifikat für #1 = \"Benutzer\"\n"
		"oid = 2.999.1\n"
		"major_version = 0\n"
		"minor_version = 4294967295\n"
		"validity_days = 0365\n"
		"renewal_days = 0\n"
		"ca = no\n"
		"key_algorithms = ec\n"
		"subject = request\n"
		"san = none\n"
		"allow_request_san = no\n"
		"agent_signatures = 0\n"
		"renew_without_approval = no\n"
		"enroll_groups = Ünïcödé Group,Second  ,  third";
	struct template t;

	(void)state;
	parse_ok(loose, &t);
	assert_string_equal(t.name, "Loose-1.x_y");
	assert_string_equal(t.display_name, "Zertifikat für #1 = \"Benutzer\"");
	assert_string_equal(t.oid, "2.999.1");
	assert_int_equal(t.major_version, 0);
	assert_int_equal(t.minor_version, 4294967295u);
	assert_int_equal(t.validity_days, 365);
	assert_int_equal(t.renewal_days, 0);
	assert_int_equal(t.n_eku, 0);
	assert_int_equal(t.key_usage, 0);
	assert_int_equal(t.path_length, -1);
	assert_int_equal(t.key_algorithms, TEMPLATE_KEY_EC);
	assert_int_equal(t.rsa_min_bits, 0);
	assert_int_equal(t.subject, TEMPLATE_SUBJECT_REQUEST);
	assert_int_equal(t.san, TEMPLATE_SAN_NONE);
	assert_int_equal(t.san_account, 0);
	assert_int_equal(t.pend_all, 1);
	assert_string_equal(t.agent_policy, "");
	assert_int_equal(t.n_accounts, 0);
	assert_int_equal(t.n_groups, 3);
	assert_string_equal(t.groups[0], "Ünïcödé Group");
	assert_string_equal(t.groups[1], "Second");
	assert_string_equal(t.groups[2], "third");
	assert_int_equal(t.n_superseded, 0);

	/* the largest values of each bound */
	parse_ok(with("path_length", "path_length = 8"), &t);
	assert_int_equal(t.path_length, 8);
	parse_ok(with("validity_days", "validity_days = 36500"), &t);
	assert_int_equal(t.validity_days, 36500);
	parse_ok(with("rsa_min_bits", "rsa_min_bits = 8192"), &t);
	assert_int_equal(t.rsa_min_bits, 8192);
	parse_ok(with("agent_signatures", "agent_signatures = 8"), &t);
	assert_int_equal(t.agent_signatures, 8);
	parse_ok(with("eku", "eku = 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8"), &t);
	assert_int_equal(t.n_eku, TEMPLATE_MAX_EKU);
	parse_ok(with("key_usage", "key_usage = cRLSign, keyCertSign, keyAgreement, "
				   "dataEncipherment, keyEncipherment, nonRepudiation, "
				   "digitalSignature"),
		 &t);
	assert_int_equal(t.key_usage, 0x7f);
	parse_ok(with("san", "san = dns"), &t);
	assert_int_equal(t.san_account, TEMPLATE_SAN_DNS);
	parse_ok(with("san", "san = request"), &t);
	assert_int_equal(t.san, TEMPLATE_SAN_REQUEST);
	assert_int_equal(t.san_account, 0);
}

static void test_refused_lines(void **state)
{
	char big[TEMPLATE_LINE_MAX + 64];

	(void)state;
	refused(with("colour", "colour = blue"), "line 24: unknown key \"colour\"");
	refused(with("x", "name = Other"), "line 24: key \"name\" given twice (first on line 1)");
	refused(with("x", "superseded = A"),
		"line 24: key \"superseded\" given twice (first on line 23)");
	refused(with("x", "just words"), "line 24: expected key = value");
	refused(with("x", "Name = x"),
		"line 24: not a key (1 to 32 of a-z 0-9 _ before the '=')");
	refused(with("x", "= x"), "line 24: not a key (1 to 32 of a-z 0-9 _ before the '=')");
	refused(with("x", "a_key_that_is_far_too_long_to_be_ours = 1"),
		"line 24: not a key (1 to 32 of a-z 0-9 _ before the '=')");
	refused(with("validity_days", "validity_days ="), "line 6: validity_days: empty value");
	refused(with("eku", "eku =   "),
		"line 8: eku: empty value (leave the key out for none)");
	refused(with("pend_all", NULL), "missing key \"pend_all\"");
	refused(with("name", NULL), "missing key \"name\"");
	refused("", "missing key \"name\"");
	refused_len(NULL, 0, "missing key \"name\"");
	refused_len(NULL, 1, "no text");
	refused("# nothing but a comment\n", "missing key \"name\"");

	/* a line of 8193 bytes; a text of 32769 */
	memset(big, 'a', sizeof(big));
	memcpy(big, "display_name = ", 15);
	big[TEMPLATE_LINE_MAX + 1] = 0;
	refused(with("display_name", big), "line 2: longer than 8192 bytes");
	{
		char *huge = malloc(TEMPLATE_TEXT_MAX + 1);

		assert_non_null(huge);
		memset(huge, '\n', TEMPLATE_TEXT_MAX + 1);
		refused_len(huge, TEMPLATE_TEXT_MAX + 1, "longer than 32768 bytes");
		free(huge);
	}
}

/* Every byte is checked, comments included: C0 (tab, CR, NUL, ESC), DEL, C1,
 * malformed UTF-8. */
static void test_refused_characters(void **state)
{
	static const char nul[] = "name = Ba\0se\n";

	(void)state;
	refused(with("display_name", "display_name = Base\tTemplate"),
		"line 2: control character U+0009 at byte 20");
	refused(with("name", "name = Base\r"), "line 1: control character U+000D at byte 12");
	refused_len(nul, sizeof(nul) - 1, "line 1: control character U+0000 at byte 10");
	refused(with("x", "# \x1b[31mred"), "line 24: control character U+001B at byte 3");
	refused(with("display_name", "display_name = a\x7f"),
		"line 2: control character U+007F at byte 17");
	refused(with("display_name", "display_name = a\xc2\x85"),
		"line 2: control character U+0085 at byte 17");
	refused(with("display_name", "display_name = \xff"), "line 2: malformed UTF-8 at byte 16");
	refused(with("display_name", "display_name = \xc0\xaf"),
		"line 2: malformed UTF-8 at byte 16");
	refused(with("display_name", "display_name = \xed\xa0\x80"),
		"line 2: malformed UTF-8 at byte 16"); /* a surrogate */
	refused(with("display_name", "display_name = caf\xc3"),
		"line 2: malformed UTF-8 at byte 19"); /* cut short */
}

/* A display name is shown to people: no bidirectional control, no zero-width or
 * format character (each range's edges), and the characters next to them pass. */
static void test_refused_invisible(void **state)
{
	static const struct {
		const char *utf8;
		unsigned cp;
	} bad[] = {
		{"\xc2\xad", 0xad},     {"\xe2\x80\x8b", 0x200b}, {"\xe2\x80\x8c", 0x200c},
		{"\xe2\x80\x8d", 0x200d}, {"\xe2\x80\x8e", 0x200e}, {"\xe2\x80\x8f", 0x200f},
		{"\xe2\x80\xaa", 0x202a}, {"\xe2\x80\xae", 0x202e}, {"\xe2\x81\xa0", 0x2060},
		{"\xe2\x81\xa4", 0x2064}, {"\xe2\x81\xa6", 0x2066}, {"\xe2\x81\xa9", 0x2069},
		{"\xef\xbb\xbf", 0xfeff},
	};
	static const char *const fine[] = {
		"\xc2\xac",     /* U+00AC NOT SIGN, before the soft hyphen */
		"\xe2\x80\x8a", /* U+200A HAIR SPACE */
		"\xe2\x80\x90", /* U+2010 HYPHEN */
		"\xe2\x80\xaf", /* U+202F NARROW NO-BREAK SPACE */
		"\xe2\x81\xa5", /* U+2065, the gap */
		"\xe2\x81\xaa", /* U+206A */
		"\xef\xbb\xbe", /* U+FEFE */
		"Zertifikat f\xc3\xbcr Benutzer",
	};
	char line[128], msg[256];
	struct template t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "display_name = User%s", bad[i].utf8);
		snprintf(msg, sizeof(msg),
			 "line 2: display_name: U+%04X at byte 5 is a bidirectional control or an "
			 "invisible character, refused in a name shown to people",
			 bad[i].cp);
		refused(with("display_name", line), msg);
	}
	for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
		snprintf(line, sizeof(line), "display_name = User%s", fine[i]);
		parse_ok(with("display_name", line), &t);
	}
	/* the writer will not write one either (it parses what it wrote) */
	{
		char out[TEMPLATE_TEXT_MAX + 1], err[512];

		parse_ok(BASE, &t);
		strcpy(t.display_name, "admin\xe2\x80\xaetxt.exe");
		assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
		assert_non_null(strstr(err, "U+202E"));
	}
}

static void test_refused_values(void **state)
{
	char s[512];

	(void)state;
	/* names */
	refused(with("name", "name = Base Template"),
		"line 1: name: not a template name (1 to 64 of A-Z a-z 0-9 . _ -)");
	refused(with("name", "name = Bäse"),
		"line 1: name: not a template name (1 to 64 of A-Z a-z 0-9 . _ -)");
	snprintf(s, sizeof(s), "name = %065d", 0);
	refused(with("name", s), "line 1: name: not a template name (1 to 64 of A-Z a-z 0-9 . _ -)");
	snprintf(s, sizeof(s), "display_name = %0129d", 0);
	refused(with("display_name", s), "line 2: display_name: longer than 128 bytes");
	/* names that read as paths, hidden files or options */
	refused(with("name", "name = ."),
		"line 1: name: \".\" is not a template name: it may not start with '.' or '-'");
	refused(with("name", "name = .."),
		"line 1: name: \"..\" is not a template name: it may not start with '.' or '-'");
	refused(with("name", "name = .Base"),
		"line 1: name: \".Base\" is not a template name: it may not start with '.' or '-'");
	refused(with("name", "name = -Base"),
		"line 1: name: \"-Base\" is not a template name: it may not start with '.' or '-'");
	refused(with("name", "name = --help"),
		"line 1: name: \"--help\" is not a template name: it may not start with '.' or '-'");
	refused(with("superseded", "superseded = Old, .."),
		"line 23: superseded: \"..\" is not a template name: it may not start with '.' "
		"or '-'");
	{
		struct template t;

		parse_ok(with("name", "name = Base.v2-x_"), &t); /* inside a name: fine */
		assert_string_equal(t.name, "Base.v2-x_");
		parse_ok(with("name", "name = _Base"), &t);
	}
	refused(with("superseded", "superseded = Old Base"),
		"line 23: superseded: not a template name (1 to 64 of A-Z a-z 0-9 . _ -)");
	refused(with("superseded", "superseded = Old, old"),
		"line 23: superseded: \"old\" listed twice");

	/* numbers: digits only, in range */
	refused(with("validity_days", "validity_days = 0"),
		"line 6: validity_days: not a number from 1 to 36500");
	refused(with("validity_days", "validity_days = 36501"),
		"line 6: validity_days: not a number from 1 to 36500");
	refused(with("renewal_days", "renewal_days = -1"),
		"line 7: renewal_days: not a number from 0 to 36500");
	refused(with("renewal_days", "renewal_days = +5"),
		"line 7: renewal_days: not a number from 0 to 36500");
	refused(with("renewal_days", "renewal_days = 4 2"),
		"line 7: renewal_days: not a number from 0 to 36500");
	refused(with("renewal_days", "renewal_days = 0x2a"),
		"line 7: renewal_days: not a number from 0 to 36500");
	refused(with("major_version", "major_version = 4294967296"),
		"line 4: major_version: not a number from 0 to 4294967295");
	refused(with("minor_version", "minor_version = 99999999999999999999999"),
		"line 5: minor_version: not a number from 0 to 4294967295");
	refused(with("path_length", "path_length = 9"),
		"line 24: path_length: not a number from 0 to 8");
	refused(with("agent_signatures", "agent_signatures = 9"),
		"line 18: agent_signatures: not a number from 0 to 8");
	refused(with("rsa_min_bits", "rsa_min_bits = 1024"),
		"line 12: rsa_min_bits: not a number from 2048 to 8192");
	refused(with("rsa_min_bits", "rsa_min_bits = 8193"),
		"line 12: rsa_min_bits: not a number from 2048 to 8192");
	refused(with("ec_min_bits", "ec_min_bits = 521"),
		"line 13: ec_min_bits: not 256 or 384 (P-256, P-384)");

	/* OIDs (x509's rule) */
	refused(with("oid", "oid = 3.1"), "line 3: oid: \"3.1\" is not a dotted OID");
	refused(with("oid", "oid = 1.40"), "line 3: oid: \"1.40\" is not a dotted OID");
	refused(with("oid", "oid = 1"), "line 3: oid: \"1\" is not a dotted OID");
	refused(with("oid", "oid = 1..2"), "line 3: oid: \"1..2\" is not a dotted OID");
	refused(with("oid", "oid = 1.3.6.01"), "line 3: oid: \"1.3.6.01\" is not a dotted OID");
	refused(with("oid", "oid = 1.2.4294967296"),
		"line 3: oid: \"1.2.4294967296\" is not a dotted OID");
	refused(with("oid", "oid = 1.2."), "line 3: oid: \"1.2.\" is not a dotted OID");
	refused(with("agent_policy", "agent_policy = clientAuth"),
		"line 19: agent_policy: \"clientAuth\" is not a dotted OID");
	memset(s, 0, sizeof(s));
	strcpy(s, "oid = 1.2");
	for (size_t n = strlen(s); n < 6 + 128; n += 2)
		strcat(s, ".1");
	{
		char msg[256];

		assert_true(strlen(s + 6) > TEMPLATE_OID_MAX);
		snprintf(msg, sizeof(msg), "line 3: oid: \"%.*s\" is not a dotted OID",
			 TEMPLATE_OID_MAX, s + 6); /* quoted up to the bound */
		refused(with("oid", s), msg);
	}

	/* lists */
	refused(with("eku", "eku = 1.3.6.1.5.5.7.3.1, 1.3.x"),
		"line 8: eku: \"1.3.x\" is not a dotted OID");
	refused(with("eku", "eku = 1.3.6.1.5.5.7.3.1,, 1.3.6.1.5.5.7.3.2"),
		"line 8: eku: entry 2 is empty");
	refused(with("eku", "eku = 1.3.6.1.5.5.7.3.1,"), "line 8: eku: entry 2 is empty");
	refused(with("eku", "eku = , 1.3.6.1.5.5.7.3.1"), "line 8: eku: entry 1 is empty");
	refused(with("eku", "eku = 1.3.6.1.5.5.7.3.1, 1.3.6.1.5.5.7.3.1"),
		"line 8: eku: \"1.3.6.1.5.5.7.3.1\" listed twice");
	refused(with("eku", "eku = 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9"),
		"line 8: eku: more than 8 entries");
	refused(with("key_usage", "key_usage = digitalSignature, keyusage"),
		"line 9: key_usage: \"keyusage\" is not a key usage (digitalSignature, "
		"nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, "
		"cRLSign)");
	refused(with("key_usage", "key_usage = cRLSign, cRLSign"),
		"line 9: key_usage: \"cRLSign\" listed twice");
	refused(with("key_algorithms", "key_algorithms = rsa, dsa"),
		"line 11: key_algorithms: \"dsa\" is not a key algorithm (rsa, ec)");
	refused(with("key_algorithms", "key_algorithms = ec, ec"),
		"line 11: key_algorithms: \"ec\" listed twice");
	refused(with("san", "san = upn, request"),
		"line 15: san: \"request\" is not an account attribute (upn, email, dns; none and "
		"request stand alone)");
	refused(with("san", "san = none, upn"),
		"line 15: san: \"none\" is not an account attribute (upn, email, dns; none and "
		"request stand alone)");
	refused(with("san", "san = upn, upn"), "line 15: san: \"upn\" listed twice");
	refused(with("enroll_accounts", "enroll_accounts = alice"),
		"line 21: enroll_accounts: \"alice\" is not DOMAIN\\name of at most 128 bytes");
	refused(with("enroll_accounts", "enroll_accounts = CORP\\a\\b"),
		"line 21: enroll_accounts: \"CORP\\a\\b\" is not DOMAIN\\name of at most 128 bytes");
	refused(with("enroll_accounts", "enroll_accounts = \\alice"),
		"line 21: enroll_accounts: \"\\alice\" is not DOMAIN\\name of at most 128 bytes");
	refused(with("enroll_accounts", "enroll_accounts = CORP\\"),
		"line 21: enroll_accounts: \"CORP\\\" is not DOMAIN\\name of at most 128 bytes");
	refused(with("enroll_accounts", "enroll_accounts = CORP\\Alice, corp\\alice"),
		"line 21: enroll_accounts: \"corp\\alice\" listed twice");
	snprintf(s, sizeof(s), "enroll_groups = %0129d", 0);
	refused(with("enroll_groups", s),
		"line 22: enroll_groups: a group name is longer than 128 bytes");
	refused(with("enroll_groups", "enroll_groups = Domain Users, domain users"),
		"line 22: enroll_groups: \"domain users\" listed twice");

	/* choices */
	refused(with("ca", "ca = maybe"), "line 10: ca: not yes or no");
	refused(with("pend_all", "pend_all = Yes"), "line 17: pend_all: not yes or no");
	refused(with("pend_all", "pend_all = 1"), "line 17: pend_all: not yes or no");
	refused(with("subject", "subject = both"), "line 14: subject: not account or request");
}

/* 33 accounts, 33 groups, 17 superseded: one past each bound. */
static void test_refused_counts(void **state)
{
	static char line[8192];

	(void)state;
	strcpy(line, "enroll_accounts = ");
	for (int i = 0; i <= TEMPLATE_MAX_ACCOUNTS; i++)
		sprintf(line + strlen(line), "%sD\\u%d", i ? ", " : "", i);
	refused(with("enroll_accounts", line), "line 21: enroll_accounts: more than 32 entries");
	strcpy(line, "enroll_groups = ");
	for (int i = 0; i <= TEMPLATE_MAX_GROUPS; i++)
		sprintf(line + strlen(line), "%sg%d", i ? ", " : "", i);
	refused(with("enroll_groups", line), "line 22: enroll_groups: more than 32 entries");
	strcpy(line, "superseded = ");
	for (int i = 0; i <= TEMPLATE_MAX_SUPERSEDED; i++)
		sprintf(line + strlen(line), "%sT%d", i ? ", " : "", i);
	refused(with("superseded", line), "line 23: superseded: more than 16 entries");
}

/* format(parse(x)) == x for canonical x; parse(format(t)) == t. */
static void test_round_trip(void **state)
{
	struct template t, back;
	char out[TEMPLATE_TEXT_MAX + 1], err[256];
	long n;

	(void)state;
	parse_ok(BASE, &t);
	n = template_format(&t, out, sizeof(out), err, sizeof(err));
	assert_int_equal(n, (long)strlen(BASE));
	assert_string_equal(out, BASE);

	/* a loose text reads as its canonical form */
	parse_ok("renewal_days=007\nname=Base\n display_name = Base Template \n"
		 "oid=1.3.6.1.4.1.311.21.8.9.9\nmajor_version=0100\nminor_version=3\n"
		 "validity_days=365\neku=1.3.6.1.5.5.7.3.1,1.3.6.1.5.5.7.3.2\n"
		 "key_usage=keyEncipherment,digitalSignature\nca=no\nkey_algorithms=ec,rsa\n"
		 "rsa_min_bits=2048\nec_min_bits=384\nsubject=account\nsan=dns,email,upn\n"
		 "allow_request_san=no\npend_all=no\nagent_signatures=1\n"
		 "agent_policy=1.3.6.1.4.1.311.20.2.1\nrenew_without_approval=yes\n"
		 "enroll_accounts=CORP\\alice,CORP\\bob\nenroll_groups=Domain Users\n"
		 "superseded=OldBase,Older",
		 &t);
	t.renewal_days = 42;
	n = template_format(&t, out, sizeof(out), err, sizeof(err));
	assert_true(n > 0);
	assert_string_equal(out, BASE);

	/* the largest template: every list full, every string at its bound */
	memset(&t, 0, sizeof(t));
	parse_ok(BASE, &t);
	memset(t.name, 'N', TEMPLATE_NAME_MAX);
	memset(t.display_name, 'D', TEMPLATE_DISPLAY_MAX);
	t.n_eku = TEMPLATE_MAX_EKU;
	for (size_t i = 0; i < TEMPLATE_MAX_EKU; i++) {
		memset(t.eku[i], 0, sizeof(t.eku[i]));
		strcpy(t.eku[i], "2.999");
		while (strlen(t.eku[i]) + 9 < TEMPLATE_OID_MAX)
			strcat(t.eku[i], ".4294967"); /* 8 bytes an arc */
		t.eku[i][strlen(t.eku[i]) - 1] = (char)('0' + i);
	}
	t.n_accounts = TEMPLATE_MAX_ACCOUNTS;
	for (size_t i = 0; i < TEMPLATE_MAX_ACCOUNTS; i++) {
		memset(t.accounts[i], 'a', TEMPLATE_PRINCIPAL_MAX);
		t.accounts[i][1] = '\\';
		t.accounts[i][TEMPLATE_PRINCIPAL_MAX - 2] = (char)('0' + i / 10);
		t.accounts[i][TEMPLATE_PRINCIPAL_MAX - 1] = (char)('0' + i % 10);
	}
	t.n_groups = TEMPLATE_MAX_GROUPS;
	for (size_t i = 0; i < TEMPLATE_MAX_GROUPS; i++) {
		memset(t.groups[i], 'g', TEMPLATE_PRINCIPAL_MAX);
		t.groups[i][0] = (char)('0' + i / 10);
		t.groups[i][1] = (char)('0' + i % 10);
	}
	t.n_superseded = TEMPLATE_MAX_SUPERSEDED;
	for (size_t i = 0; i < TEMPLATE_MAX_SUPERSEDED; i++) {
		memset(t.superseded[i], 's', TEMPLATE_NAME_MAX);
		t.superseded[i][0] = (char)('0' + i / 10);
		t.superseded[i][1] = (char)('0' + i % 10);
	}
	t.path_length = 8;
	n = template_format(&t, out, sizeof(out), err, sizeof(err));
	if (n < 0)
		fail_msg("%s", err);
	assert_true(n <= TEMPLATE_TEXT_MAX);
	parse_ok(out, &back);
	assert_true(template_equal(&t, &back));
}

static void test_format_refuses(void **state)
{
	struct template t, base;
	char out[TEMPLATE_TEXT_MAX + 1], err[256];

	(void)state;
	parse_ok(BASE, &base);

	t = base;
	strcpy(t.name, "bad name");
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: line 1: name: not a template "
				 "name (1 to 64 of A-Z a-z 0-9 . _ -)");
	assert_string_equal(out, "");

	t = base;
	strcpy(t.display_name, "two\nlines");
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: line 3: expected key = value");

	t = base;
	strcpy(t.display_name, " padded");
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: it would not read back as it is "
				 "(a blank at either end of a string, a ',' in a list entry, a "
				 "string without its end)");

	t = base;
	strcpy(t.groups[0], "a, b");
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: it would not read back as it is "
				 "(a blank at either end of a string, a ',' in a list entry, a "
				 "string without its end)");

	t = base;
	memset(t.name, 'x', sizeof(t.name)); /* no terminating NUL */
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: it would not read back as it is "
				 "(a blank at either end of a string, a ',' in a list entry, a "
				 "string without its end)");

	t = base;
	strcpy(t.oid, "1.40.1");
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: line 3: oid: \"1.40.1\" is not a "
				 "dotted OID");

	t = base;
	t.validity_days = 0;
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: line 6: validity_days: not a "
				 "number from 1 to 36500");

	t = base;
	t.rsa_min_bits = 1000;
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: line 12: rsa_min_bits: not a "
				 "number from 2048 to 8192");

	static const char shape[] = "template cannot be written: a count, choice or flag is "
				    "out of range";
	t = base;
	t.n_eku = TEMPLATE_MAX_EKU + 1;
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, shape);
	t = base;
	t.n_groups = (size_t)-1;
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, shape);
	t = base;
	t.subject = 0;
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, shape);
	t = base;
	t.san = TEMPLATE_SAN_REQUEST; /* san_account still set */
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, shape);
	t = base;
	t.key_algorithms = 0;
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, shape);
	t = base;
	t.key_usage = 0x80;
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, shape);
	t = base;
	t.pend_all = 2;
	assert_int_equal(template_format(&t, out, sizeof(out), err, sizeof(err)), -1);
	assert_string_equal(err, shape);

	/* too small a buffer: one byte short of the text and its NUL */
	assert_int_equal(template_format(&base, out, strlen(BASE), err, sizeof(err)), -1);
	assert_string_equal(out, "");
	snprintf(out, sizeof(out), "template cannot be written: more than %zu bytes",
		 strlen(BASE) - 1);
	assert_string_equal(err, out);
	assert_int_equal(template_format(&base, out, 10, err, sizeof(err)), -1);
	assert_string_equal(err, "template cannot be written: more than 9 bytes");
	assert_string_equal(out, "");
	assert_int_equal(template_format(&base, out, 0, err, sizeof(err)), -1);
	assert_string_equal(err, "no buffer");
	assert_int_equal(template_format(&base, out, strlen(BASE) + 1, err, sizeof(err)),
			 (long)strlen(BASE));
}

/* template_equal sees a change to any one field, and no more than the counts
 * cover (what lies past n_eku is not the template's). */
static void test_equal(void **state)
{
	struct template a, b;

	(void)state;
	parse_ok(BASE, &a);
	b = a;
	assert_true(template_equal(&a, &b));
	strcpy(b.eku[5], "1.2.3"); /* past n_eku */
	assert_true(template_equal(&a, &b));
#define DIFFERS(change)                                                  \
	do {                                                             \
		b = a;                                                   \
		change;                                                  \
		assert_false(template_equal(&a, &b));                    \
		assert_false(template_equal(&b, &a));                    \
	} while (0)
	DIFFERS(b.name[0] = 'b');
	DIFFERS(b.display_name[4] = '_');
	DIFFERS(strcpy(b.oid, "1.3.6.1.4.1.311.21.8.9.8"));
	DIFFERS(b.major_version++);
	DIFFERS(b.minor_version++);
	DIFFERS(b.validity_days++);
	DIFFERS(b.renewal_days++);
	DIFFERS(b.n_eku--);
	DIFFERS(b.eku[1][0] = '2');
	DIFFERS(b.n_eku = TEMPLATE_MAX_EKU + 1);
	DIFFERS(b.key_usage ^= X509_KU_KEY_AGREEMENT);
	DIFFERS(b.ca = 1);
	DIFFERS(b.path_length = 0);
	DIFFERS(b.key_algorithms = TEMPLATE_KEY_EC);
	DIFFERS(b.rsa_min_bits = 3072);
	DIFFERS(b.ec_min_bits = 256);
	DIFFERS(b.subject = TEMPLATE_SUBJECT_REQUEST);
	DIFFERS(b.san = TEMPLATE_SAN_REQUEST);
	DIFFERS(b.san_account = TEMPLATE_SAN_DNS);
	DIFFERS(b.allow_request_san = 1);
	DIFFERS(b.pend_all = 1);
	DIFFERS(b.agent_signatures = 2);
	DIFFERS(b.agent_policy[0] = 0);
	DIFFERS(b.renew_without_approval = 0);
	DIFFERS(b.on_behalf = 1);
	DIFFERS(b.n_accounts = 1);
	DIFFERS(b.accounts[1][5] = 'B');
	DIFFERS(b.n_accounts = TEMPLATE_MAX_ACCOUNTS + 1);
	DIFFERS(b.n_groups = 0);
	DIFFERS(b.groups[0][0] = 'd');
	DIFFERS(b.n_groups = TEMPLATE_MAX_GROUPS + 1);
	DIFFERS(b.n_superseded = 1);
	DIFFERS(b.superseded[1][0] = 'o');
	DIFFERS(b.n_superseded = TEMPLATE_MAX_SUPERSEDED + 1);
#undef DIFFERS
}

/* template_check on BASE changed by one field: the message of each rule. */
static void check_refuses(const struct template *t, const char *msg)
{
	char err[512] = "";

	assert_int_equal(template_check(t, err, sizeof(err)), -1);
	assert_string_equal(err, msg);
}

static void test_check_rules(void **state)
{
	struct template t, base;

	(void)state;
	parse_ok(BASE, &base);

	t = base;
	t.renewal_days = 365;
	check_refuses(&t, "renewal_days (365) must be shorter than validity_days (365)");
	t.renewal_days = 364;
	assert_int_equal(template_check(&t, NULL, 0), 0);

	/* CA */
	t = base;
	t.ca = 1;
	t.key_usage |= X509_KU_KEY_CERT_SIGN;
	t.renew_without_approval = 0;
	check_refuses(&t, "ca = yes needs pend_all = yes: a CA certificate is an officer's "
			  "decision");
	t.pend_all = 1;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	t.key_usage &= ~(unsigned)X509_KU_KEY_CERT_SIGN;
	check_refuses(&t, "ca = yes needs key_usage keyCertSign");
	t.key_usage |= X509_KU_KEY_CERT_SIGN;
	t.renew_without_approval = 1;
	check_refuses(&t, "ca = yes with renew_without_approval = yes: a CA certificate is "
			  "renewed with approval only");
	t = base;
	t.key_usage |= X509_KU_CRL_SIGN;
	check_refuses(&t, "key_usage keyCertSign or cRLSign needs ca = yes");
	t = base;
	t.key_usage |= X509_KU_KEY_CERT_SIGN;
	check_refuses(&t, "key_usage keyCertSign or cRLSign needs ca = yes");
	t = base;
	t.path_length = 0;
	check_refuses(&t, "path_length needs ca = yes");

	/* an EC key with only the usages RFC 5480 denies it: no KeyUsage at all */
	t = base;
	t.key_algorithms |= TEMPLATE_KEY_EC;
	t.ec_min_bits = 256;
	t.key_usage = X509_KU_KEY_ENCIPHERMENT;
	check_refuses(&t, "key_usage of keyEncipherment or dataEncipherment alone leaves an EC "
			  "key no usage (RFC 5480): add digitalSignature or keyAgreement, or "
			  "drop ec");
	t.key_usage |= X509_KU_KEY_AGREEMENT;
	assert_int_equal(template_check(&t, NULL, 0), 0);

	/* ESC2 / ESC3 */
	t = base;
	t.n_eku = 0;
	check_refuses(&t, "no eku: a certificate without one serves any purpose; list the "
			  "purposes or set pend_all = yes (ESC2)");
	t.pend_all = 1;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	{
		static const char *const oid[] = { "2.5.29.37.0", "1.3.6.1.4.1.311.20.2.1",
						   "1.3.6.1.4.1.311.21.6" };
		static const char *const msg[] = {
			"eku 2.5.29.37.0 (anyExtendedKeyUsage) needs pend_all = yes (ESC2, ESC3)",
			"eku 1.3.6.1.4.1.311.20.2.1 (Certificate Request Agent) needs pend_all = "
			"yes (ESC2, ESC3)",
			"eku 1.3.6.1.4.1.311.21.6 (Key Recovery Agent) needs pend_all = yes (ESC2, "
			"ESC3)",
		};

		for (size_t i = 0; i < 3; i++) {
			t = base;
			strcpy(t.eku[t.n_eku++], oid[i]);
			check_refuses(&t, msg[i]);
			t.pend_all = 1;
			assert_int_equal(template_check(&t, NULL, 0), 0);
		}
	}

	/* ESC6: the request's SAN with the account's subject */
	t = base;
	t.san = TEMPLATE_SAN_REQUEST;
	t.san_account = 0;
	t.pend_all = 1; /* past ESC1 */
	check_refuses(&t, "san = request with subject = account needs allow_request_san = yes "
			  "(ESC6)");
	t.allow_request_san = 1;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	t = base;
	t.allow_request_san = 1;
	check_refuses(&t, "allow_request_san = yes applies only to san = request with subject = "
			  "account");
	t.subject = TEMPLATE_SUBJECT_REQUEST;
	t.san = TEMPLATE_SAN_REQUEST;
	t.san_account = 0;
	t.pend_all = 1;
	check_refuses(&t, "allow_request_san = yes applies only to san = request with subject = "
			  "account");

	/* ESC1: names from the request on a logon-capable template */
	t = base; /* serverAuth, clientAuth */
	t.subject = TEMPLATE_SUBJECT_REQUEST;
	check_refuses(&t, "a subject or san from the request with eku 1.3.6.1.5.5.7.3.2 (Client "
			  "Authentication) needs pend_all = yes (ESC1)");
	t.pend_all = 1;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	t = base;
	t.san = TEMPLATE_SAN_REQUEST;
	t.san_account = 0;
	t.allow_request_san = 1;
	check_refuses(&t, "a subject or san from the request with eku 1.3.6.1.5.5.7.3.2 (Client "
			  "Authentication) needs pend_all = yes (ESC1)");
	t = base;
	t.subject = TEMPLATE_SUBJECT_REQUEST;
	strcpy(t.eku[1], "1.3.6.1.4.1.311.20.2.2");
	check_refuses(&t, "a subject or san from the request with eku 1.3.6.1.4.1.311.20.2.2 "
			  "(Smart Card Logon) needs pend_all = yes (ESC1)");
	strcpy(t.eku[1], "1.3.6.1.5.2.3.4");
	check_refuses(&t, "a subject or san from the request with eku 1.3.6.1.5.2.3.4 (PKINIT "
			  "Client Authentication) needs pend_all = yes (ESC1)");
	t.n_eku = 1; /* serverAuth only: a TLS server's own names */
	assert_int_equal(template_check(&t, NULL, 0), 0);

	/* keys */
	t = base;
	t.rsa_min_bits = 0;
	check_refuses(&t, "key_algorithms rsa needs rsa_min_bits");
	t.key_algorithms = TEMPLATE_KEY_EC;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	t.rsa_min_bits = 2048;
	check_refuses(&t, "rsa_min_bits without rsa in key_algorithms");
	t = base;
	t.ec_min_bits = 0;
	check_refuses(&t, "key_algorithms ec needs ec_min_bits");
	t.key_algorithms = TEMPLATE_KEY_RSA;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	t.ec_min_bits = 256;
	check_refuses(&t, "ec_min_bits without ec in key_algorithms");

	/* enrollment agents */
	t = base;
	t.agent_policy[0] = 0;
	check_refuses(&t, "agent_signatures = 1 needs agent_policy (the eku the signers must "
			  "hold)");
	t = base;
	t.agent_signatures = 0;
	check_refuses(&t, "agent_policy needs agent_signatures of 1 or more");
	t.agent_policy[0] = 0;
	assert_int_equal(template_check(&t, NULL, 0), 0);

	/* agents whose policy is not Certificate Request Agent: an officer decides
	 * (BASE names Certificate Request Agent and issues at once) */
	t = base;
	strcpy(t.agent_policy, "1.3.6.1.5.5.7.3.2");
	check_refuses(&t, "agent_policy 1.3.6.1.5.5.7.3.2 is not Certificate Request Agent "
			  "(1.3.6.1.4.1.311.20.2.1): it needs pend_all = yes");
	t.pend_all = 1;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	t = base;
	strcpy(t.agent_policy, "1.3.6.1.4.1.311.20.2.10"); /* a prefix is not the OID */
	check_refuses(&t, "agent_policy 1.3.6.1.4.1.311.20.2.10 is not Certificate Request "
			  "Agent (1.3.6.1.4.1.311.20.2.1): it needs pend_all = yes");

	/* a delegated OCSP responder: an officer decides */
	t = base;
	strcpy(t.eku[t.n_eku++], "1.3.6.1.5.5.7.3.9");
	check_refuses(&t, "eku 1.3.6.1.5.5.7.3.9 (OCSP Signing) needs pend_all = yes: a "
			  "delegated OCSP responder is an officer's decision");
	t.pend_all = 1;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	t = base;
	strcpy(t.eku[0], "1.3.6.1.5.5.7.3.9"); /* first in the list too */
	check_refuses(&t, "eku 1.3.6.1.5.5.7.3.9 (OCSP Signing) needs pend_all = yes: a "
			  "delegated OCSP responder is an officer's decision");

	/* who may enroll */
	t = base;
	t.n_accounts = 0;
	t.n_groups = 0;
	check_refuses(&t, "nobody may enroll: name enroll_accounts or enroll_groups");
	t.n_groups = 1;
	assert_int_equal(template_check(&t, NULL, 0), 0);
	t = base;
	t.n_groups = 0;
	assert_int_equal(template_check(&t, NULL, 0), 0);

	/* superseded */
	t = base;
	strcpy(t.superseded[1], "BASE");
	check_refuses(&t, "superseded names the template itself");

	/* counts out of bounds */
	t = base;
	t.n_superseded = TEMPLATE_MAX_SUPERSEDED + 1;
	check_refuses(&t, "a list is longer than its bound");
}

/* The defaults: their names, each passing the rules, each round-tripping, and
 * what each allows (README.md's table). */
static void test_defaults(void **state)
{
	static const char *const names[] = { "User", "Machine", "WebServer", "EnrollmentAgent",
					     "SubCA" };
	const struct template *d;
	char out[TEMPLATE_TEXT_MAX + 1], out2[TEMPLATE_TEXT_MAX + 1], err[256];
	struct template back;
	size_t n;

	(void)state;
	d = template_defaults(&n);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(d[i].name, names[i]);
		if (template_check(&d[i], err, sizeof(err)) != 0)
			fail_msg("%s: %s", d[i].name, err);
		assert_true(template_format(&d[i], out, sizeof(out), err, sizeof(err)) > 0);
		parse_ok(out, &back);
		assert_true(template_equal(&back, &d[i]));
		assert_true(template_format(&back, out2, sizeof(out2), err, sizeof(err)) > 0);
		assert_string_equal(out, out2);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(d[i].oid, d[j].oid);
		assert_int_equal(d[i].agent_signatures, 0);
		/* SubCA's CA signs end entities only (pathLenConstraint 0) */
		assert_int_equal(d[i].path_length, i == 4 ? 0 : -1);
	}
	/* User and Machine: names from the account, at once, renewal without approval */
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(d[i].subject, TEMPLATE_SUBJECT_ACCOUNT);
		assert_int_equal(d[i].san, TEMPLATE_SAN_ACCOUNT);
		assert_int_equal(d[i].pend_all, 0);
		assert_int_equal(d[i].renew_without_approval, 1);
		assert_int_equal(d[i].ca, 0);
	}
	assert_int_equal(d[0].san_account, TEMPLATE_SAN_UPN | TEMPLATE_SAN_EMAIL);
	assert_string_equal(d[0].groups[0], "Authenticated Users");
	/* an enrollment agent may enroll a user, and only a user */
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(d[i].on_behalf, i == 0);
	assert_int_equal(d[1].san_account, TEMPLATE_SAN_DNS);
	assert_string_equal(d[1].groups[0], "Domain Computers");
	/* WebServer: names from the request, every request pends, TLS server only */
	assert_int_equal(d[2].subject, TEMPLATE_SUBJECT_REQUEST);
	assert_int_equal(d[2].san, TEMPLATE_SAN_REQUEST);
	assert_int_equal(d[2].n_eku, 1);
	assert_string_equal(d[2].eku[0], "1.3.6.1.5.5.7.3.1");
	/* EnrollmentAgent: Certificate Request Agent only */
	assert_int_equal(d[3].n_eku, 1);
	assert_string_equal(d[3].eku[0], "1.3.6.1.4.1.311.20.2.1");
	/* SubCA: a CA */
	assert_int_equal(d[4].ca, 1);
	assert_true(d[4].key_usage & X509_KU_KEY_CERT_SIGN);
	for (size_t i = 2; i < 5; i++) {
		assert_int_equal(d[i].pend_all, 1);
		assert_int_equal(d[i].renew_without_approval, 0);
	}
	/* Without approval, EnrollmentAgent and SubCA break a rule (ESC3, a CA): their
	 * pending is required, not a choice. WebServer's (a TLS server's names from
	 * the request) is the safe default, not a rule: serverAuth is no logon. */
	back = d[3];
	back.pend_all = 0;
	check_refuses(&back, "eku 1.3.6.1.4.1.311.20.2.1 (Certificate Request Agent) needs "
			     "pend_all = yes (ESC2, ESC3)");
	back = d[4];
	back.pend_all = 0;
	check_refuses(&back, "ca = yes needs pend_all = yes: a CA certificate is an officer's "
			     "decision");
	back = d[2];
	back.pend_all = 0;
	assert_int_equal(template_check(&back, NULL, 0), 0);
	/* with a logon EKU added, WebServer's names from the request would be ESC1 */
	strcpy(back.eku[back.n_eku++], "1.3.6.1.5.5.7.3.2");
	check_refuses(&back, "a subject or san from the request with eku 1.3.6.1.5.5.7.3.2 "
			     "(Client Authentication) needs pend_all = yes (ESC1)");
}

/* The text form of the User template, written here from the README's table. */
static void test_user_text(void **state)
{
	static const char user[] =
		"name = User\n"
		"display_name = User\n"
		"oid = 1.3.6.1.4.1.311.21.8.1.1\n"
		"major_version = 1\n"
		"minor_version = 0\n"
		"validity_days = 365\n"
		"renewal_days = 42\n"
		"eku = 1.3.6.1.4.1.311.10.3.4, 1.3.6.1.5.5.7.3.4, 1.3.6.1.5.5.7.3.2\n"
		"key_usage = digitalSignature, keyEncipherment\n"
		"ca = no\n"
		"key_algorithms = rsa, ec\n"
		"rsa_min_bits = 2048\n"
		"ec_min_bits = 256\n"
		"subject = account\n"
		"san = upn, email\n"
		"allow_request_san = no\n"
		"pend_all = no\n"
		"agent_signatures = 0\n"
		"renew_without_approval = yes\n"
		"on_behalf = yes\n"
		"enroll_groups = Authenticated Users\n";
	char out[TEMPLATE_TEXT_MAX + 1], err[256];
	size_t n;

	(void)state;
	assert_true(template_format(&template_defaults(&n)[0], out, sizeof(out), err,
				    sizeof(err)) > 0);
	assert_string_equal(out, user);
}

/* platform/conf.c's conf_parse_range, which the template numbers use. */
static void test_conf_parse_range(void **state)
{
	unsigned v = 7;

	(void)state;
	assert_int_equal(conf_parse_range("0", 0, 5, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(conf_parse_range("5", 0, 5, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(conf_parse_range("6", 0, 5, &v), -1);
	assert_int_equal(conf_parse_range("0", 1, 5, &v), -1);
	assert_int_equal(conf_parse_range("", 0, 5, &v), -1);
	assert_int_equal(conf_parse_range(" 1", 0, 5, &v), -1);
	assert_int_equal(v, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_parses),
		cmocka_unit_test(test_on_behalf),
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_refused_lines),
		cmocka_unit_test(test_refused_characters),
		cmocka_unit_test(test_refused_invisible),
		cmocka_unit_test(test_refused_values),
		cmocka_unit_test(test_refused_counts),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_check_rules),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_user_text),
		cmocka_unit_test(test_conf_parse_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
