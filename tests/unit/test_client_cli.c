/* Unit tests of careq's command line (firmware/client/cli.c and careq_main in
 * careq.c), in-process (issue 20). What must hold: every verb and option
 * parses into the struct careq uses; every refusal carries its exact message
 * and its kind (a usage error prints the synopsis after it, a local one does
 * not; both exit 4), and the first of two mistakes is the one careq has always
 * reported; careq_main prints exactly that, and never exits. The expected texts
 * are written out here, not taken from the code. */
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

#include "firmware/client/careq.h"
#include "tests/unit/support/x509_oracle.h"

#define ARGS(...) ((char *const[]){"careq", __VA_ARGS__, NULL})
#define SYNOPSIS                                                                               \
	"usage: careq new [-subject DN] [-key rsa:2048|rsa:3072|ec:p256|ec:p384] KEYOUT REQOUT\n" \
	"       careq submit -config HOST[:PORT]\\CANAME [-dcom] [-attrib \"Name:Value\\n...\"] REQ " \
	"CERTOUT\n"                                                                               \
	"       careq retrieve -config HOST[:PORT]\\CANAME [-dcom] ID CERTOUT\n"                     \
	"       careq getcaprop -config HOST[:PORT]\\CANAME [-dcom] [-out FILE] PROP [INDEX]\n"     \
	"       careq renew -config HOST[:PORT]\\CANAME [-key SPEC] [-attrib ...] CERT KEY "         \
	"NEWKEYOUT CERTOUT\n"

static int argc_of(char *const *argv)
{
	int n = 0;

	while (argv[n] != NULL)
		n++;
	return n;
}

static int parse(char *const *argv, struct careq_opts *o, char *err)
{
	return careq_parse(argc_of(argv), argv, o, err, CLIENT_ERR_LEN);
}

/* A command line careq must refuse: kind and message exactly. */
static void refused(char *const *argv, int kind, const char *msg)
{
	char err[CLIENT_ERR_LEN] = "";
	struct careq_opts o;

	assert_int_equal(parse(argv, &o, err), kind);
	assert_string_equal(err, msg);
	/* nothing left allocated after a refusal */
	assert_null(o.ca16);
	assert_null(o.attrib16);
}

/* ---- what parses ---- */

static void test_new_defaults(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("new", "k.pem", "r.pem"), &o, err), CAREQ_ARGS_OK);
	assert_int_equal(o.verb, CAREQ_VERB_NEW);
	assert_null(o.subject);
	assert_string_equal(o.keyspec.name, "rsa:2048");
	assert_int_equal(o.keyspec.type, X509_KEY_RSA);
	assert_int_equal(o.keyspec.bits, 2048);
	assert_string_equal(o.arg[0], "k.pem");
	assert_string_equal(o.arg[1], "r.pem");
	assert_null(o.ca16);
	careq_opts_free(&o);
}

static void test_new_options_any_case(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("NeW", "-SUBJECT", "CN=a,O=b", "-Key", "EC:P384", "k", "r"),
			       &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.verb, CAREQ_VERB_NEW);
	assert_string_equal(o.subject, "CN=a,O=b");
	assert_string_equal(o.keyspec.name, "ec:p384"); /* the canonical spelling */
	assert_int_equal(o.keyspec.type, X509_KEY_EC);
	assert_int_equal(o.keyspec.bits, 384);
	careq_opts_free(&o);

	/* each key spec, and the last -key given wins */
	assert_int_equal(parse(ARGS("new", "-key", "ec:p256", "-key", "rsa:3072", "k", "r"), &o,
			       err),
			 CAREQ_ARGS_OK);
	assert_string_equal(o.keyspec.name, "rsa:3072");
	assert_int_equal(o.keyspec.bits, 3072);
	assert_int_equal(parse(ARGS("new", "-key", "ec:p256", "k", "r"), &o, err), CAREQ_ARGS_OK);
	assert_string_equal(o.keyspec.name, "ec:p256");
}

static void test_submit_every_option(void **state)
{
	static const uint8_t ca16[] = {'I', 0, 's', 0, 's', 0, 'u', 0, 'i', 0, 'n', 0, 'g', 0,
				       ' ', 0, 'C', 0, 'A', 0, 0,   0};
	static const uint8_t attrib16[] = {'A', 0, ':', 0, 'b', 0, '\n', 0,
					   'C', 0, ':', 0, 'd', 0, 0,    0};
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("submit", "-config", "ca.example:1135\\Issuing CA", "-attrib",
				    "A:b\\nC:d", "-timeout", "5", "-frag", "256", "-user",
				    "DOM\\u", "-password-file", "pw", "req.pem", "cert.pem"),
			       &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.verb, CAREQ_VERB_SUBMIT);
	assert_string_equal(o.target.host, "ca.example");
	assert_string_equal(o.target.port, "1135");
	assert_string_equal(o.target.ca_name, "Issuing CA");
	assert_int_equal(o.target.timeout_ms, 5000);
	assert_int_equal(o.target.max_recv, 256);
	assert_null(o.target.auth);
	assert_string_equal(o.user, "DOM\\u");
	assert_string_equal(o.password_file, "pw");
	assert_int_equal(o.ca16_bytes, sizeof(ca16));
	assert_memory_equal(o.ca16, ca16, sizeof(ca16));
	assert_int_equal(o.attrib16_bytes, sizeof(attrib16));
	assert_memory_equal(o.attrib16, attrib16, sizeof(attrib16));
	assert_string_equal(o.arg[0], "req.pem");
	assert_string_equal(o.arg[1], "cert.pem");
	careq_opts_free(&o);
	careq_opts_free(&o); /* twice is harmless */
	assert_null(o.ca16);
}

static void test_submit_defaults(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	/* no -attrib, or an empty one: no attributes at all (cb 0) */
	assert_int_equal(parse(ARGS("Submit", "-config", "h\\CA", "-attrib", "", "r", "c"), &o, err),
			 CAREQ_ARGS_OK);
	assert_string_equal(o.target.port, "135");
	assert_int_equal(o.target.timeout_ms, 30000);
	assert_int_equal(o.target.max_recv, 0);
	assert_null(o.attrib16);
	assert_int_equal(o.attrib16_bytes, 0);
	assert_int_equal(o.ca16_bytes, 6);
	careq_opts_free(&o);
	/* "--" ends the options; a lone "-" is an argument */
	assert_int_equal(parse(ARGS("submit", "-config", "h\\CA", "--", "-r", "-"), &o, err),
			 CAREQ_ARGS_OK);
	assert_string_equal(o.arg[0], "-r");
	assert_string_equal(o.arg[1], "-");
	careq_opts_free(&o);
}

static void test_retrieve(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("RETRIEVE", "-CONFIG", "10.0.0.1\\CA", "4294967295", "c"), &o,
			       err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.verb, CAREQ_VERB_RETRIEVE);
	assert_int_equal(o.request_id, 4294967295u);
	assert_string_equal(o.target.host, "10.0.0.1");
	assert_null(o.attrib16);
	careq_opts_free(&o);
	assert_int_equal(parse(ARGS("retrieve", "-config", "h\\CA", "1", "c"), &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.request_id, 1);
	careq_opts_free(&o);
}

static void test_help(void **state)
{
	char *forms[] = {"-?", "-help", "--help", "help"};
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		assert_int_equal(parse(ARGS(forms[i]), &o, err), CAREQ_ARGS_HELP);
	/* help only as the first word, and spelt exactly */
	refused(ARGS("-HELP"), CAREQ_ARGS_USAGE, "two file arguments are needed");
	refused(ARGS("new", "-help", "k", "r"), CAREQ_ARGS_USAGE, "unknown option -help");
}

/* ---- -config ---- */

static void config_ok(const char *config, const char *host, const char *port, const char *ca)
{
	char err[CLIENT_ERR_LEN] = "";
	struct enroll_target t;

	memset(&t, 0, sizeof(t));
	assert_int_equal(enroll_parse_config(config, &t, err, sizeof(err)), 0);
	assert_string_equal(t.host, host);
	assert_string_equal(t.port, port);
	assert_string_equal(t.ca_name, ca);
}

static void test_config_forms(void **state)
{
	(void)state;
	config_ok("h\\CA", "h", "135", "CA");
	config_ok("ca.example:5135\\Example CA", "ca.example", "5135", "Example CA");
	config_ok("h:0135\\CA", "h", "135", "CA"); /* the port as a number */
	config_ok("h:65535\\CA", "h", "65535", "CA");
	config_ok("h:1\\CA", "h", "1", "CA");
	config_ok("[::1]:1135\\CA", "::1", "1135", "CA");
	config_ok("[fe80::1]\\CA", "fe80::1", "135", "CA");
	config_ok("fe80::1\\CA", "fe80::1", "135", "CA"); /* bare IPv6: no port */
	config_ok("h\\a\\b", "h", "135", "a\\b");         /* the first backslash splits */
}

#define BAD_CONFIG(c, why) "-config \"" c "\": " why " (expected HOST[:PORT]\\CANAME)"

static void bad_config(char *config, const char *msg)
{
	refused(ARGS("submit", "-config", config, "r", "c"), CAREQ_ARGS_LOCAL, msg);
	refused(ARGS("retrieve", "-config", config, "1", "c"), CAREQ_ARGS_LOCAL, msg);
}

static void test_config_refusals(void **state)
{
	(void)state;
	bad_config("x", BAD_CONFIG("x", "no \\ before the CA name"));
	bad_config("h:135", BAD_CONFIG("h:135", "no \\ before the CA name"));
	bad_config("h\\", BAD_CONFIG("h\\", "bad CA name"));
	bad_config("\\CA", BAD_CONFIG("\\CA", "bad host or port"));
	bad_config("h:0\\CA", BAD_CONFIG("h:0\\CA", "bad host or port"));
	bad_config("h:65536\\CA", BAD_CONFIG("h:65536\\CA", "bad host or port"));
	bad_config("h:123456\\CA", BAD_CONFIG("h:123456\\CA", "bad host or port"));
	bad_config("h:\\CA", BAD_CONFIG("h:\\CA", "bad host or port"));
	bad_config("h:x1\\CA", BAD_CONFIG("h:x1\\CA", "bad host or port"));
	bad_config("h:-1\\CA", BAD_CONFIG("h:-1\\CA", "bad host or port"));
	bad_config("[::1\\CA", BAD_CONFIG("[::1\\CA", "bad host or port"));
	bad_config("[::1]x\\CA", BAD_CONFIG("[::1]x\\CA", "bad host or port"));
	bad_config("[::1]:99999\\CA", BAD_CONFIG("[::1]:99999\\CA", "bad host or port"));
	bad_config("[]\\CA", BAD_CONFIG("[]\\CA", "bad host or port"));
}

/* The CA name must be 1 to 256 UTF-16 units of valid UTF-8. */
static void test_ca_name_bounds(void **state)
{
	char config[2 + 257 + 1], err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	memcpy(config, "h\\", 2);
	memset(config + 2, 'c', 256);
	config[2 + 256] = '\0';
	assert_int_equal(parse(ARGS("submit", "-config", config, "r", "c"), &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.ca16_bytes, 257 * 2);
	careq_opts_free(&o);
	strcat(config, "c");
	refused(ARGS("submit", "-config", config, "r", "c"), CAREQ_ARGS_LOCAL,
		"the CA name is not UTF-8 text of 1 to 256 characters");
	refused(ARGS("retrieve", "-config", "h\\\xff", "1", "c"), CAREQ_ARGS_LOCAL,
		"the CA name is not UTF-8 text of 1 to 256 characters");
	refused(ARGS("submit", "-config", "h\\a\xc3", "r", "c"), CAREQ_ARGS_LOCAL,
		"the CA name is not UTF-8 text of 1 to 256 characters");
}

/* ---- -attrib ---- */

static void test_attrib(void **state)
{
	char *s;

	(void)state;
	assert_non_null(s = careq_unescape_attrib("CertificateTemplate:User\\nSAN:dns=h"));
	assert_string_equal(s, "CertificateTemplate:User\nSAN:dns=h");
	free(s);
	assert_non_null(s = careq_unescape_attrib("a\nb\\tc\\"));
	assert_string_equal(s, "a\nb\\tc\\"); /* real newlines stay; only \n is an escape */
	free(s);
	assert_non_null(s = careq_unescape_attrib("\\\\n"));
	assert_string_equal(s, "\\\n"); /* no escape for the backslash itself */
	free(s);
	assert_non_null(s = careq_unescape_attrib(""));
	assert_string_equal(s, "");
	free(s);
	refused(ARGS("submit", "-config", "h\\CA", "-attrib", "a:\xff", "r", "c"), CAREQ_ARGS_LOCAL,
		"-attrib is not UTF-8 text");
	refused(ARGS("retrieve", "-config", "h\\CA", "-attrib", "a:b", "1", "c"), CAREQ_ARGS_USAGE,
		"-attrib belongs to submit and renew");
}

/* ---- refusals of the words and options ---- */

static void test_word_refusals(void **state)
{
	(void)state;
	refused(ARGS(NULL), CAREQ_ARGS_USAGE, "a verb is needed: new, submit, retrieve, renew or getcaprop");
	refused(ARGS("bogus", "a", "b"), CAREQ_ARGS_USAGE, "unknown verb: new, submit, retrieve, renew or getcaprop");
	/* the words are read before the verb is looked at */
	refused(ARGS("bogus"), CAREQ_ARGS_USAGE, "two file arguments are needed");
	refused(ARGS("new"), CAREQ_ARGS_USAGE, "two file arguments are needed");
	refused(ARGS("new", "k"), CAREQ_ARGS_USAGE, "two file arguments are needed");
	refused(ARGS("submit", "-config", "h\\CA", "r"), CAREQ_ARGS_USAGE,
		"two file arguments are needed");
	refused(ARGS("new", "k", "r", "x"), CAREQ_ARGS_USAGE, "too many arguments");
	refused(ARGS("retrieve", "1", "c", "x", "-bogus"), CAREQ_ARGS_USAGE, "too many arguments");
	refused(ARGS("new", "k", "r", "-subject"), CAREQ_ARGS_USAGE, "-subject needs a value");
	refused(ARGS("submit", "r", "c", "-CONFIG"), CAREQ_ARGS_USAGE, "-CONFIG needs a value");
	refused(ARGS("new", "-bogus", "x", "k", "r"), CAREQ_ARGS_USAGE, "unknown option -bogus");
	refused(ARGS("new", "-", "k", "r"), CAREQ_ARGS_USAGE, "too many arguments");
}

static void test_option_refusals(void **state)
{
	(void)state;
	refused(ARGS("new", "k", "k"), CAREQ_ARGS_USAGE, "KEYOUT and REQOUT must be different files");
	refused(ARGS("new", "-key", "rsa:1024", "k", "r"), CAREQ_ARGS_USAGE,
		"-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	refused(ARGS("new", "-key", "rsa:4096", "k", "r"), CAREQ_ARGS_USAGE,
		"-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	refused(ARGS("new", "-key", "ec:p521", "k", "r"), CAREQ_ARGS_USAGE,
		"-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	refused(ARGS("new", "-key", "", "k", "r"), CAREQ_ARGS_USAGE,
		"-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	/* the key spec is checked before the two files */
	refused(ARGS("new", "-key", "dsa", "k", "k"), CAREQ_ARGS_USAGE,
		"-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	refused(ARGS("new", "-config", "h\\CA", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("new", "-attrib", "a:b", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("new", "-timeout", "5", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("new", "-frag", "300", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("new", "-user", "D\\u", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("new", "-password-file", "pw", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("submit", "r", "c"), CAREQ_ARGS_USAGE, "-config HOST[:PORT]\\CANAME is required");
	refused(ARGS("retrieve", "1", "c"), CAREQ_ARGS_USAGE,
		"-config HOST[:PORT]\\CANAME is required");
	refused(ARGS("submit", "-config", "h\\CA", "-subject", "CN=x", "r", "c"), CAREQ_ARGS_USAGE,
		"-subject and -key belong to new");
	refused(ARGS("retrieve", "-config", "h\\CA", "-key", "ec:p256", "1", "c"), CAREQ_ARGS_USAGE,
		"-subject and -key belong to new");
	refused(ARGS("submit", "-config", "h\\CA", "-password-file", "pw", "r", "c"),
		CAREQ_ARGS_USAGE, "-password-file needs -user");
}

static void test_number_refusals(void **state)
{
	(void)state;
	refused(ARGS("submit", "-timeout", "0", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"0\" is not a number from 1 to 3600");
	refused(ARGS("submit", "-timeout", "3601", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"3601\" is not a number from 1 to 3600");
	refused(ARGS("submit", "-timeout", "-1", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"-1\" is not a number from 1 to 3600");
	refused(ARGS("submit", "-timeout", "1x", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"1x\" is not a number from 1 to 3600");
	refused(ARGS("submit", "-timeout", "", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"\" is not a number from 1 to 3600");
	refused(ARGS("submit", "-timeout", "99999999999999999999999", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"99999999999999999999999\" is not a number from 1 to 3600");
	refused(ARGS("retrieve", "-FRAG", "255", "1", "c"), CAREQ_ARGS_USAGE,
		"-frag: \"255\" is not a number from 256 to 5840");
	refused(ARGS("retrieve", "-frag", "5841", "1", "c"), CAREQ_ARGS_USAGE,
		"-frag: \"5841\" is not a number from 256 to 5840");
	/* Digits only: strtoul alone would take a sign or blanks first. */
	refused(ARGS("submit", "-timeout", "+5", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"+5\" is not a number from 1 to 3600");
	refused(ARGS("submit", "-timeout", " 5", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \" 5\" is not a number from 1 to 3600");
	refused(ARGS("submit", "-timeout", "\t5", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"\t5\" is not a number from 1 to 3600");
	refused(ARGS("submit", "-timeout", "5 ", "r", "c"), CAREQ_ARGS_USAGE,
		"-timeout: \"5 \" is not a number from 1 to 3600");
	refused(ARGS("retrieve", "-frag", "+300", "1", "c"), CAREQ_ARGS_USAGE,
		"-frag: \"+300\" is not a number from 256 to 5840");
	refused(ARGS("retrieve", "-frag", " 300", "1", "c"), CAREQ_ARGS_USAGE,
		"-frag: \" 300\" is not a number from 256 to 5840");
	refused(ARGS("retrieve", "-config", "h\\CA", "+1", "c"), CAREQ_ARGS_USAGE,
		"ID: \"+1\" is not a number from 1 to 4294967295");
	refused(ARGS("retrieve", "-config", "h\\CA", "0", "c"), CAREQ_ARGS_USAGE,
		"ID: \"0\" is not a number from 1 to 4294967295");
	refused(ARGS("retrieve", "-config", "h\\CA", "4294967296", "c"), CAREQ_ARGS_USAGE,
		"ID: \"4294967296\" is not a number from 1 to 4294967295");
	refused(ARGS("retrieve", "-config", "h\\CA", "abc", "c"), CAREQ_ARGS_USAGE,
		"ID: \"abc\" is not a number from 1 to 4294967295");
	/* the id is checked before -config */
	refused(ARGS("retrieve", "-config", "h:0\\CA", "abc", "c"), CAREQ_ARGS_USAGE,
		"ID: \"abc\" is not a number from 1 to 4294967295");
	/* the edges are accepted */
	{
		char err[CLIENT_ERR_LEN];
		struct careq_opts o;

		assert_int_equal(parse(ARGS("retrieve", "-config", "h\\CA", "-timeout", "3600",
					    "-frag", "5840", "1", "c"),
				       &o, err),
				 CAREQ_ARGS_OK);
		assert_int_equal(o.target.timeout_ms, 3600000);
		assert_int_equal(o.target.max_recv, 5840);
		careq_opts_free(&o);
	}
}

/* Usage messages are cut at 127 octets, -config ones at 255, as they always were;
 * a small buffer cuts further. */
static void test_message_lengths(void **state)
{
	char opt[201], config[401], want[CLIENT_ERR_LEN], err[8];
	struct careq_opts o;

	(void)state;
	opt[0] = '-';
	memset(opt + 1, 'o', 199);
	opt[200] = '\0';
	snprintf(want, 128, "unknown option %s", opt);
	assert_int_equal(strlen(want), 127);
	refused(ARGS("new", opt, "x", "k", "r"), CAREQ_ARGS_USAGE, want);

	memset(config, 'h', 396);
	memcpy(config + 396, "\\CA", 4);
	snprintf(want, sizeof(want), "-config \"%s", config);
	assert_int_equal(strlen(want), 255);
	refused(ARGS("submit", "-config", config, "r", "c"), CAREQ_ARGS_LOCAL, want);

	assert_int_equal(careq_parse(argc_of(ARGS("bogus", "a", "b")), ARGS("bogus", "a", "b"), &o,
				     err, sizeof(err)),
			 CAREQ_ARGS_USAGE);
	assert_string_equal(err, "unknown");
}

/* ---- issue 16: renew, -on-behalf-of, -fullresponse, -crls ---- */

static void test_renew(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("ReNeW", "-config", "h:1135\\CA", "old.crt", "old.key",
				    "new.key", "new.crt"),
			       &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.verb, CAREQ_VERB_RENEW);
	assert_int_equal(o.nargs, 4);
	assert_string_equal(o.arg[0], "old.crt");
	assert_string_equal(o.arg[1], "old.key");
	assert_string_equal(o.arg[2], "new.key");
	assert_string_equal(o.arg[3], "new.crt");
	assert_string_equal(o.keyspec.name, "rsa:2048"); /* the default, as new's */
	assert_string_equal(o.target.port, "1135");
	assert_int_equal(o.ca16_bytes, 6);
	assert_int_equal(o.flags, 0);
	assert_null(o.attrib16);
	careq_opts_free(&o);

	assert_int_equal(parse(ARGS("renew", "-config", "h\\CA", "-key", "ec:p384", "-attrib",
				    "A:b", "-user", "D\\u", "-password-file", "pw", "-timeout", "9",
				    "-fullresponse", "full.p7", "-crls", "crls.pem", "c", "k", "n",
				    "o"),
			       &o, err),
			 CAREQ_ARGS_OK);
	assert_string_equal(o.keyspec.name, "ec:p384");
	assert_int_equal(o.attrib16_bytes, 8);
	assert_string_equal(o.fullresponse, "full.p7");
	assert_string_equal(o.crls, "crls.pem");
	assert_int_equal(o.flags, 0x00040000u | 0x00080000u); /* CR_IN_FULLRESPONSE | CR_IN_CRLS */
	assert_int_equal(o.target.timeout_ms, 9000);
	careq_opts_free(&o);
}

static void test_renew_refusals(void **state)
{
	(void)state;
	refused(ARGS("renew", "-config", "h\\CA", "c", "k", "n"), CAREQ_ARGS_USAGE,
		"renew needs CERT KEY NEWKEYOUT CERTOUT");
	refused(ARGS("renew", "c", "k"), CAREQ_ARGS_USAGE, "renew needs CERT KEY NEWKEYOUT CERTOUT");
	refused(ARGS("renew", "-config", "h\\CA", "c", "k", "n", "o", "x"), CAREQ_ARGS_USAGE,
		"too many arguments");
	refused(ARGS("renew", "c", "k", "n", "o"), CAREQ_ARGS_USAGE,
		"-config HOST[:PORT]\\CANAME is required");
	refused(ARGS("renew", "-config", "h\\CA", "-subject", "CN=x", "c", "k", "n", "o"),
		CAREQ_ARGS_USAGE, "-subject belongs to new: renew keeps CERT's subject");
	refused(ARGS("renew", "-config", "h\\CA", "-key", "rsa:1024", "c", "k", "n", "o"),
		CAREQ_ARGS_USAGE, "-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	/* the new key may land on no other file: not the old key, not the old
	 * certificate, not the new certificate */
	refused(ARGS("renew", "-config", "h\\CA", "c", "k", "k", "o"), CAREQ_ARGS_USAGE,
		"NEWKEYOUT must differ from CERT, KEY and CERTOUT");
	refused(ARGS("renew", "-config", "h\\CA", "c", "k", "c", "o"), CAREQ_ARGS_USAGE,
		"NEWKEYOUT must differ from CERT, KEY and CERTOUT");
	refused(ARGS("renew", "-config", "h\\CA", "c", "k", "o", "o"), CAREQ_ARGS_USAGE,
		"NEWKEYOUT must differ from CERT, KEY and CERTOUT");
	refused(ARGS("renew", "-config", "h\\CA", "-on-behalf-of", "D\\u", "c", "k", "n", "o"),
		CAREQ_ARGS_USAGE, "-on-behalf-of, -agent-cert and -agent-key belong to submit");
	refused(ARGS("renew", "-config", "x", "c", "k", "n", "o"), CAREQ_ARGS_LOCAL,
		"-config \"x\": no \\ before the CA name (expected HOST[:PORT]\\CANAME)");
}

static void test_on_behalf_options(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("submit", "-config", "h\\CA", "-On-Behalf-Of", "EXAMPLE\\bob",
				    "-agent-cert", "a.crt", "-AGENT-KEY", "a.key", "-attrib",
				    "CertificateTemplate:User", "r", "c"),
			       &o, err),
			 CAREQ_ARGS_OK);
	assert_string_equal(o.on_behalf, "EXAMPLE\\bob");
	assert_string_equal(o.agent_cert, "a.crt");
	assert_string_equal(o.agent_key, "a.key");
	assert_int_equal(o.flags, 0);
	careq_opts_free(&o);
	/* all three or none */
	refused(ARGS("submit", "-config", "h\\CA", "-on-behalf-of", "D\\u", "r", "c"),
		CAREQ_ARGS_USAGE, "-on-behalf-of needs -agent-cert and -agent-key");
	refused(ARGS("submit", "-config", "h\\CA", "-on-behalf-of", "D\\u", "-agent-cert", "a",
		     "r", "c"),
		CAREQ_ARGS_USAGE, "-on-behalf-of needs -agent-cert and -agent-key");
	refused(ARGS("submit", "-config", "h\\CA", "-agent-cert", "a", "-agent-key", "k", "r", "c"),
		CAREQ_ARGS_USAGE, "-on-behalf-of needs -agent-cert and -agent-key");
	refused(ARGS("submit", "-config", "h\\CA", "-on-behalf-of", "bob", "-agent-cert", "a",
		     "-agent-key", "k", "r", "c"),
		CAREQ_ARGS_USAGE, "-on-behalf-of wants DOMAIN\\user");
	refused(ARGS("retrieve", "-config", "h\\CA", "-agent-key", "k", "1", "c"), CAREQ_ARGS_USAGE,
		"-on-behalf-of, -agent-cert and -agent-key belong to submit");
	refused(ARGS("new", "-agent-key", "k", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
}

static void test_fullresponse_crls(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("submit", "-config", "h\\CA", "-fullresponse", "f", "r", "c"),
			       &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.flags, 0x00040000u);
	assert_null(o.crls);
	careq_opts_free(&o);
	assert_int_equal(parse(ARGS("retrieve", "-config", "h\\CA", "-crls", "l", "7", "c"), &o,
			       err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.flags, 0x00080000u);
	assert_int_equal(o.request_id, 7);
	careq_opts_free(&o);
	refused(ARGS("submit", "-config", "h\\CA", "-fullresponse", "f", "-crls", "f", "r", "c"),
		CAREQ_ARGS_USAGE, "-fullresponse and -crls need different files");
	refused(ARGS("renew", "-config", "h\\CA", "-fullresponse", "n", "c", "k", "n", "o"),
		CAREQ_ARGS_USAGE, "-fullresponse and -crls need files of their own");
	refused(ARGS("renew", "-config", "h\\CA", "-crls", "o", "c", "k", "n", "o"),
		CAREQ_ARGS_USAGE, "-fullresponse and -crls need files of their own");
	refused(ARGS("submit", "-config", "h\\CA", "-crls", "r", "r", "c"), CAREQ_ARGS_USAGE,
		"-fullresponse and -crls need files of their own");
	refused(ARGS("new", "-fullresponse", "f", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("new", "-crls", "f", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("submit", "-config", "h\\CA", "r", "c", "-crls"), CAREQ_ARGS_USAGE,
		"-crls needs a value");
}

static void test_check_user(void **state)
{
	char err[CLIENT_ERR_LEN] = "";
	struct careq_opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(careq_check_user(&o, err, sizeof(err)), CAREQ_ARGS_OK);
	o.user = "DOM\\u";
	assert_int_equal(careq_check_user(&o, err, sizeof(err)), CAREQ_ARGS_OK);
	o.user = "\\u"; /* an empty domain is the CA's question */
	assert_int_equal(careq_check_user(&o, err, sizeof(err)), CAREQ_ARGS_OK);
	o.user = "u@DOM";
	assert_int_equal(careq_check_user(&o, err, sizeof(err)), CAREQ_ARGS_USAGE);
	assert_string_equal(err, "-user wants DOMAIN\\user");
}

/* ---- careq_main: what reaches the terminal, and the status ---- */

struct run {
	char *out, *err;
	int rc;
};

static void run_careq(struct run *r, char *const *argv)
{
	size_t olen, elen;
	FILE *out = open_memstream(&r->out, &olen), *err = open_memstream(&r->err, &elen);

	assert_non_null(out);
	assert_non_null(err);
	r->rc = careq_main(argc_of(argv), (char **)argv, out, err);
	fclose(out);
	fclose(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static void test_main_help_and_refusals(void **state)
{
	struct run r;

	(void)state;
	run_careq(&r, ARGS("-help"));
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.err, "");
	assert_int_equal(strncmp(r.out, SYNOPSIS, strlen(SYNOPSIS)), 0);
	assert_non_null(strstr(r.out, "  4  usage or local error (arguments, files, key "
				      "generation)\n"));
	assert_int_equal(strlen(r.out), strlen(careq_synopsis) + strlen(careq_details));
	run_free(&r);

	run_careq(&r, ARGS(NULL));
	assert_int_equal(r.rc, 4);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "careq: a verb is needed: new, submit, retrieve, renew or getcaprop\n" SYNOPSIS
				   "(careq -help says more)\n");
	run_free(&r);

	/* a local refusal: no synopsis */
	run_careq(&r, ARGS("submit", "-config", "x", "r", "c"));
	assert_int_equal(r.rc, 4);
	assert_string_equal(r.err, "careq: -config \"x\": no \\ before the CA name "
				   "(expected HOST[:PORT]\\CANAME)\n");
	run_free(&r);
}

/* `new` in a temporary directory: the files, their modes, no overwrite. */
static void test_main_new(void **state)
{
	char key[256], req[256], req2[256], want[700];
	struct stat st;
	struct run r;

	(void)state;
	snprintf(key, sizeof(key), "%s", oracle_path("k.pem"));
	snprintf(req, sizeof(req), "%s", oracle_path("r.pem"));
	snprintf(req2, sizeof(req2), "%s", oracle_path("r2.pem"));
	run_careq(&r, ARGS("new", "-subject", "CN=unit,O=Example", "-key", "ec:p256", key, req));
	assert_int_equal(r.rc, 0);
	snprintf(want, sizeof(want),
		 "new: ec:p256 key in %s, request for \"CN=unit,O=Example\" in %s\n", key, req);
	assert_string_equal(r.out, want);
	assert_string_equal(r.err, "");
	run_free(&r);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(req, &st), 0);

	/* an existing key is never replaced, and no request is left behind */
	run_careq(&r, ARGS("new", "-key", "ec:p256", key, req2));
	assert_int_equal(r.rc, 4);
	snprintf(want, sizeof(want), "careq: cannot create %s: File exists\n", key);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	run_free(&r);
	assert_int_equal(stat(req2, &st), -1);
}

/* submit and retrieve up to the network: the request file, -user's form after
 * it, the password file; nothing here reaches a socket. */
static void test_main_before_the_network(void **state)
{
	char req[256], bad[256], pw[256], want[700];
	struct run r;

	(void)state;
	snprintf(req, sizeof(req), "%s", oracle_path("r.pem")); /* made by test_main_new */
	snprintf(bad, sizeof(bad), "%s", oracle_path("bad.req"));
	snprintf(pw, sizeof(pw), "%s", oracle_path("pw"));
	assert_int_equal(oracle_write(bad, "garbage", 7), 0);
	assert_int_equal(oracle_write(pw, "secret\n", 7), 0);
	assert_int_equal(chmod(pw, 0644), 0);

	run_careq(&r, ARGS("submit", "-config", "127.0.0.1:1\\CA", "/nonexistent/r", "c"));
	assert_int_equal(r.rc, 4);
	assert_string_equal(r.err, "careq: cannot read /nonexistent/r: No such file or directory\n");
	run_free(&r);

	run_careq(&r, ARGS("submit", "-config", "127.0.0.1:1\\CA", "-user", "nobackslash", bad, "c"));
	assert_int_equal(r.rc, 4);
	snprintf(want, sizeof(want),
		 "careq: %s: not a certificate request (PKCS#10, CMS or CMC; PEM or DER)\n", bad);
	assert_string_equal(r.err, want); /* the request is read before -user is looked at */
	run_free(&r);

	run_careq(&r, ARGS("submit", "-config", "127.0.0.1:1\\CA", "-user", "nobackslash", req, "c"));
	assert_int_equal(r.rc, 4);
	assert_string_equal(r.err, "careq: -user wants DOMAIN\\user\n" SYNOPSIS
				   "(careq -help says more)\n");
	run_free(&r);

	run_careq(&r, ARGS("retrieve", "-config", "127.0.0.1:1\\CA", "-user", "D\\u",
			   "-password-file", "/nonexistent/pw", "1", "c"));
	assert_int_equal(r.rc, 4);
	assert_string_equal(r.err, "careq: password: cannot open secret file /nonexistent/pw: No "
				   "such file or directory\n");
	run_free(&r);

	run_careq(&r, ARGS("submit", "-config", "127.0.0.1:1\\CA", "-user", "D\\u",
			   "-password-file", pw, req, "c"));
	assert_int_equal(r.rc, 4);
	snprintf(want, sizeof(want),
		 "careq: password: secret file %s is readable by others (mode 644); chmod 600 it\n",
		 pw);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	run_free(&r);
}

/* renew and the agent's submit up to the network: every local failure is
 * exit 4 with its message, and no new key is left behind. */
static void test_main_cms_before_the_network(void **state)
{
	char dir[256], crt[300], key[300], newkey[300], req[300], want[1200], cmd[1200];
	struct stat st;
	struct run r;

	(void)state;
	snprintf(dir, sizeof(dir), "%s", oracle_dir());
	snprintf(crt, sizeof(crt), "%s/o.crt", dir);
	snprintf(key, sizeof(key), "%s/o.key", dir);
	snprintf(newkey, sizeof(newkey), "%s/n.key", dir);
	snprintf(req, sizeof(req), "%s", oracle_path("r.pem")); /* made by test_main_new */
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
		 "-out '%s' -subj /CN=o -days 2",
		 key, crt);
	assert_int_equal(oracle_run(NULL, "%s", cmd), 0);

	run_careq(&r, ARGS("renew", "-config", "127.0.0.1:1\\CA", "/nonexistent/c", key, newkey,
			   "c"));
	assert_int_equal(r.rc, 4);
	assert_string_equal(r.err,
			    "careq: cannot read a certificate (PEM or DER) from /nonexistent/c\n");
	assert_string_equal(r.out, "");
	run_free(&r);
	assert_int_equal(stat(newkey, &st), -1);

	/* the key is not the certificate's (a PKCS#10 is not a key either) */
	run_careq(&r, ARGS("renew", "-config", "127.0.0.1:1\\CA", crt, req, newkey, "c"));
	assert_int_equal(r.rc, 4);
	snprintf(want, sizeof(want),
		 "careq: cannot read an unencrypted RSA or EC private key (PEM or DER) from %s\n", req);
	assert_string_equal(r.err, want);
	run_free(&r);
	assert_int_equal(stat(newkey, &st), -1);

	/* -user's form is checked before a key is made */
	run_careq(&r, ARGS("renew", "-config", "127.0.0.1:1\\CA", "-user", "nobackslash", crt, key,
			   newkey, "c"));
	assert_int_equal(r.rc, 4);
	assert_string_equal(r.err, "careq: -user wants DOMAIN\\user\n" SYNOPSIS
				   "(careq -help says more)\n");
	run_free(&r);
	assert_int_equal(stat(newkey, &st), -1);

	/* an existing NEWKEYOUT is never replaced */
	assert_int_equal(oracle_write(newkey, "keep", 4), 0);
	run_careq(&r, ARGS("renew", "-config", "127.0.0.1:1\\CA", crt, key, newkey, "c"));
	assert_int_equal(r.rc, 4);
	snprintf(want, sizeof(want), "careq: cannot create %s: File exists\n", newkey);
	assert_string_equal(r.err, want);
	assert_string_equal(r.out, "");
	run_free(&r);
	unlink(newkey);

	/* the agent's submit: REQ must be a PKCS#10; the agent's files must read */
	run_careq(&r, ARGS("submit", "-config", "127.0.0.1:1\\CA", "-on-behalf-of", "D\\u",
			   "-agent-cert", crt, "-agent-key", "/nonexistent/k", req, "c"));
	assert_int_equal(r.rc, 4);
	assert_string_equal(r.err, "careq: cannot read an unencrypted RSA or EC private key (PEM or DER) from "
				   "/nonexistent/k\n");
	run_free(&r);
	snprintf(cmd, sizeof(cmd),
		 "openssl cms -sign -binary -nodetach -in '%s' -signer '%s' -inkey '%s' -outform DER "
		 "-out '%s/r.cms'",
		 req, crt, key, dir);
	assert_int_equal(oracle_run(NULL, "%s", cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/r.cms", dir);
	run_careq(&r, ARGS("submit", "-config", "127.0.0.1:1\\CA", "-on-behalf-of", "D\\u",
			   "-agent-cert", crt, "-agent-key", key, cmd, "c"));
	assert_int_equal(r.rc, 4);
	snprintf(want, sizeof(want),
		 "careq: %s: -on-behalf-of wraps a PKCS#10 request, not a CMS or CMC one\n", cmd);
	assert_string_equal(r.err, want);
	run_free(&r);

	/* with everything right, both reach the network (nobody listens on port 1) */
	run_careq(&r, ARGS("submit", "-config", "127.0.0.1:1\\CA", "-on-behalf-of", "D\\u",
			   "-agent-cert", crt, "-agent-key", key, req, "c"));
	assert_int_equal(r.rc, 1);
	assert_non_null(strstr(r.err, "endpoint mapper"));
	run_free(&r);
	run_careq(&r, ARGS("renew", "-config", "127.0.0.1:1\\CA", "-key", "ec:p256", crt, key,
			   newkey, "c"));
	assert_int_equal(r.rc, 1);
	snprintf(want, sizeof(want), "renew: new ec:p256 key in %s\n", newkey);
	assert_string_equal(r.out, want);
	assert_non_null(strstr(r.err, "endpoint mapper"));
	run_free(&r);
	/* the new key stays: the CA may have taken the request */
	assert_int_equal(stat(newkey, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

/* -fullresponse and -crls on answers made here: what is saved, what is said,
 * the status. */
static void test_save_answer(void **state)
{
	char full[300], crls[300], cmd[1500], want[700], *msg = NULL;
	struct x509_buf p7 = {0}, crl = {0}, got = {0};
	struct rpc_icpr_response r;
	struct careq_opts o;
	struct stat st;
	size_t len = 0;
	FILE *errf;
	const char *d = oracle_dir();

	(void)state;
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout sa.key -out sa.crt -subj /CN=sa -days 2 && : > sa.idx && echo 01 > sa.num "
		 "&& printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=sa.idx\\ncrlnumber=sa.num\\n"
		 "default_md=sha256\\ndefault_crl_days=1\\n' > sa.cnf && openssl ca -config sa.cnf "
		 "-gencrl -keyfile sa.key -cert sa.crt -out sa.crl && openssl crl -in sa.crl -outform "
		 "DER -out sa.crl.der && openssl crl2pkcs7 -in sa.crl -certfile sa.crt -outform DER "
		 "-out sa.p7",
		 d);
	assert_int_equal(oracle_run(NULL, "%s", cmd), 0);
	assert_int_equal(oracle_read(oracle_path("sa.p7"), &p7), 0);
	assert_int_equal(oracle_read(oracle_path("sa.crl.der"), &crl), 0);
	snprintf(full, sizeof(full), "%s/sa.full", d);
	snprintf(crls, sizeof(crls), "%s/sa.crls", d);
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.fullresponse = full;
	o.crls = crls;

	/* the CA refused the call: nothing saved, nothing said */
	r.status = 0x80070005u;
	r.cert.pb = p7.data;
	r.cert.cb = (uint32_t)p7.len;
	assert_non_null(errf = open_memstream(&msg, &len));
	assert_int_equal(careq_save_answer(&o, &r, CAREQ_EXIT_CA, errf), CAREQ_EXIT_CA);
	fclose(errf);
	assert_string_equal(msg, "");
	free(msg);
	assert_int_equal(stat(full, &st), -1);

	/* an empty pctbCert: said, no file, the outcome stays */
	r.status = 0;
	r.cert.pb = NULL;
	r.cert.cb = 0;
	assert_non_null(errf = open_memstream(&msg, &len));
	assert_int_equal(careq_save_answer(&o, &r, CAREQ_EXIT_OK, errf), CAREQ_EXIT_OK);
	fclose(errf);
	snprintf(want, sizeof(want),
		 "careq: the CA sent no PKCS#7 (pctbCert is empty); %s, %s not written\n", full,
		 crls);
	assert_string_equal(msg, want);
	free(msg);
	assert_int_equal(stat(full, &st), -1);
	assert_int_equal(stat(crls, &st), -1);

	/* a PKCS#7 with a CRL: both saved; openssl reads the CRL back to the same DER */
	r.cert.pb = p7.data;
	r.cert.cb = (uint32_t)p7.len;
	assert_non_null(errf = open_memstream(&msg, &len));
	assert_int_equal(careq_save_answer(&o, &r, CAREQ_EXIT_PENDING, errf), CAREQ_EXIT_PENDING);
	fclose(errf);
	assert_string_equal(msg, "");
	free(msg);
	assert_int_equal(oracle_read(full, &got), 0);
	assert_int_equal(got.len, p7.len);
	assert_memory_equal(got.data, p7.data, p7.len);
	x509_buf_free(&got);
	snprintf(cmd, sizeof(cmd), "openssl crl -in '%s' -outform DER -out '%s/sa.back'", crls, d);
	assert_int_equal(oracle_run(NULL, "%s", cmd), 0);
	assert_int_equal(oracle_read(oracle_path("sa.back"), &got), 0);
	assert_int_equal(got.len, crl.len);
	assert_memory_equal(got.data, crl.data, crl.len);
	x509_buf_free(&got);
	unlink(full);
	unlink(crls);

	/* an answer that is no PKCS#7: saved as sent for -fullresponse, a note for -crls */
	r.cert.pb = crl.data;
	r.cert.cb = (uint32_t)crl.len;
	assert_non_null(errf = open_memstream(&msg, &len));
	assert_int_equal(careq_save_answer(&o, &r, CAREQ_EXIT_OK, errf), CAREQ_EXIT_OK);
	fclose(errf);
	assert_non_null(strstr(msg, "careq: -crls: the answer is not a PKCS#7 SignedData"));
	assert_non_null(strstr(msg, "not written\n"));
	free(msg);
	assert_int_equal(stat(full, &st), 0);
	assert_int_equal(stat(crls, &st), -1);
	unlink(full);

	/* files that cannot be written: issued becomes a local error, pending stays */
	o.fullresponse = "/nonexistent/dir/full";
	o.crls = NULL;
	r.cert.pb = p7.data;
	r.cert.cb = (uint32_t)p7.len;
	assert_non_null(errf = open_memstream(&msg, &len));
	assert_int_equal(careq_save_answer(&o, &r, CAREQ_EXIT_OK, errf), CAREQ_EXIT_LOCAL);
	assert_int_equal(careq_save_answer(&o, &r, CAREQ_EXIT_PENDING, errf), CAREQ_EXIT_PENDING);
	fclose(errf);
	assert_non_null(strstr(msg, "careq: cannot write /nonexistent/dir/full: "));
	free(msg);
	o.fullresponse = NULL;
	o.crls = "/nonexistent/dir/crls";
	assert_non_null(errf = open_memstream(&msg, &len));
	assert_int_equal(careq_save_answer(&o, &r, CAREQ_EXIT_OK, errf), CAREQ_EXIT_LOCAL);
	fclose(errf);
	assert_non_null(strstr(msg, "careq: cannot write /nonexistent/dir/crls: "));
	free(msg);
	/* neither option: nothing at all */
	o.crls = NULL;
	assert_non_null(errf = open_memstream(&msg, &len));
	assert_int_equal(careq_save_answer(&o, &r, CAREQ_EXIT_OK, errf), CAREQ_EXIT_OK);
	fclose(errf);
	assert_string_equal(msg, "");
	free(msg);
	x509_buf_free(&p7);
	x509_buf_free(&crl);
}

static int teardown(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

/* ---- DCOM: -dcom, getcaprop (issue 17) ---- */

static void test_dcom_option(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("submit", "-config", "h:13135\\CA", "-DCOM", "r", "c"), &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.verb, CAREQ_VERB_SUBMIT);
	assert_int_equal(o.dcom, 1);
	assert_string_equal(o.target.port, "13135");
	assert_string_equal(o.arg[0], "r");
	careq_opts_free(&o);
	assert_int_equal(parse(ARGS("retrieve", "-dcom", "-config", "h\\CA", "7", "c"), &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.dcom, 1);
	assert_int_equal(o.request_id, 7);
	careq_opts_free(&o);
	assert_int_equal(parse(ARGS("submit", "-config", "h\\CA", "r", "c"), &o, err), CAREQ_ARGS_OK);
	assert_int_equal(o.dcom, 0);
	careq_opts_free(&o);
	/* after "--", -dcom is a file name */
	assert_int_equal(parse(ARGS("submit", "-config", "h\\CA", "--", "-dcom", "c"), &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.dcom, 0);
	assert_string_equal(o.arg[0], "-dcom");
	careq_opts_free(&o);
	refused(ARGS("new", "-dcom", "k", "r"), CAREQ_ARGS_USAGE,
		"new takes only -subject and -key");
	refused(ARGS("renew", "-dcom", "-config", "h\\CA", "a", "b", "c", "d"), CAREQ_ARGS_USAGE,
		"-dcom belongs to submit, retrieve and getcaprop");
	refused(ARGS("submit", "-out", "x", "-config", "h\\CA", "r", "c"), CAREQ_ARGS_USAGE,
		"-out belongs to getcaprop");
}

static void test_getcaprop(void **state)
{
	char err[CLIENT_ERR_LEN];
	struct careq_opts o;

	(void)state;
	assert_int_equal(parse(ARGS("getcaprop", "-config", "h\\CA", "CANAME"), &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.verb, CAREQ_VERB_GETCAPROP);
	assert_int_equal(o.prop_id, 6);
	assert_int_equal(o.prop_index, 0);
	assert_int_equal(o.dcom, 1); /* always: MS-ICPR has no GetCAProperty */
	assert_null(o.out_file);
	assert_non_null(o.ca16);
	careq_opts_free(&o);
	assert_int_equal(parse(ARGS("getcaprop", "-config", "h\\CA", "-dcom", "-out", "c.der",
				    "casigcert", "2"), &o, err),
			 CAREQ_ARGS_OK);
	assert_int_equal(o.prop_id, 12);
	assert_int_equal(o.prop_index, 2);
	assert_string_equal(o.out_file, "c.der");
	careq_opts_free(&o);
	assert_int_equal(careq_prop_id("TEMPLATES"), 29);
	assert_int_equal(careq_prop_id("CR_PROP_BASECRL"), 17);
	assert_int_equal(careq_prop_id("deltacrl"), 18);
	assert_int_equal(careq_prop_id("CAXCHGCERT"), 15);
	assert_int_equal(careq_prop_id("CATYPE"), 10);
	assert_int_equal(careq_prop_id("10"), 10);
	assert_int_equal(careq_prop_id("0"), 0);
	assert_int_equal(careq_prop_id("46"), 0);
	assert_int_equal(careq_prop_id("12x"), 0);
	assert_int_equal(careq_prop_id(""), 0);
	assert_int_equal(careq_prop_id("NOSUCH"), 0);
	refused(ARGS("getcaprop", "-config", "h\\CA"), CAREQ_ARGS_USAGE,
		"getcaprop needs PROP [INDEX]");
	refused(ARGS("getcaprop", "-config", "h\\CA", "NOSUCH"), CAREQ_ARGS_USAGE,
		"unknown property NOSUCH");
	refused(ARGS("getcaprop", "-config", "h\\CA", "CASIGCERT"), CAREQ_ARGS_USAGE,
		"CASIGCERT is binary: -out FILE is needed");
	refused(ARGS("getcaprop", "-config", "h\\CA", "-out", "x", "CANAME"), CAREQ_ARGS_USAGE,
		"-out is for binary properties");
	refused(ARGS("getcaprop", "-config", "h\\CA", "CANAME", "-1"), CAREQ_ARGS_USAGE,
		"-1 needs a value");
	refused(ARGS("getcaprop", "-config", "h\\CA", "CANAME", "x"), CAREQ_ARGS_USAGE,
		"INDEX: \"x\" is not a number from 0 to 2147483647");
	refused(ARGS("getcaprop", "-config", "h\\CA", "-attrib", "a", "CANAME"), CAREQ_ARGS_USAGE,
		"getcaprop takes -config, -dcom, -out, -user, -password-file, -timeout and -frag");
	refused(ARGS("getcaprop", "CANAME"), CAREQ_ARGS_USAGE,
		"-config HOST[:PORT]\\CANAME is required");
	refused(ARGS("getcaprop", "-config", "h\\CA", "CANAME", "1", "2"), CAREQ_ARGS_USAGE,
		"too many arguments");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_defaults),
		cmocka_unit_test(test_dcom_option),
		cmocka_unit_test(test_getcaprop),
		cmocka_unit_test(test_new_options_any_case),
		cmocka_unit_test(test_submit_every_option),
		cmocka_unit_test(test_submit_defaults),
		cmocka_unit_test(test_retrieve),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_config_forms),
		cmocka_unit_test(test_config_refusals),
		cmocka_unit_test(test_ca_name_bounds),
		cmocka_unit_test(test_attrib),
		cmocka_unit_test(test_word_refusals),
		cmocka_unit_test(test_option_refusals),
		cmocka_unit_test(test_number_refusals),
		cmocka_unit_test(test_message_lengths),
		cmocka_unit_test(test_check_user),
		cmocka_unit_test(test_renew),
		cmocka_unit_test(test_renew_refusals),
		cmocka_unit_test(test_on_behalf_options),
		cmocka_unit_test(test_fullresponse_crls),
		cmocka_unit_test(test_main_help_and_refusals),
		cmocka_unit_test(test_main_new),
		cmocka_unit_test(test_main_before_the_network),
		cmocka_unit_test(test_main_cms_before_the_network),
		cmocka_unit_test(test_save_answer),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
