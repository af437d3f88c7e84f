/* ca-custodian's command line and verbs (firmware/custodian/start.c) in one
 * process: every option parsed into the struct the verbs run from, every
 * refusal of the command line with its exact message and exit status (usage
 * 2 with the synopsis, a bad value 1, the first of two mistakes reported),
 * serve's start-up refusals (no channel, a short identity-token key, a CA that
 * does not load: EXIT_REFUSED), and the verbs that end without serving run on
 * the ceremony's CA in a real SoftHSM token (support/core_harness.c): check,
 * anchor with no anchor on the token (3), --reanchor's forms refused and the
 * token re-anchored, the anchor read back and verified with the CA key. What
 * is said on stderr is captured (support/stderr_capture.c), stdout likewise
 * here. */
#include <errno.h>
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

#include "firmware/custodian/checkpoint.h"
#include "firmware/custodian/start.h"
#include "platform/log.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/softhsm_token.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;

#define SYNOPSIS "usage: ca-custodian serve --data DIR --fd N|--control-fd N"
#define KEYS "(rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384)"

/* ---- stdout, captured as stderr_capture does fd 2 ----------------------------- */

static char printed[16384];
static int saved_stdout = -1;

static void out_begin(void)
{
	FILE *t = tmpfile();

	assert_non_null(t);
	fflush(stdout);
	saved_stdout = dup(1);
	assert_int_equal(dup2(fileno(t), 1), 1);
	fclose(t);
}

static void out_end(void)
{
	ssize_t n;

	fflush(stdout);
	n = pread(1, printed, sizeof(printed) - 1, 0);
	printed[n > 0 ? n : 0] = 0;
	dup2(saved_stdout, 1);
	close(saved_stdout);
	saved_stdout = -1;
}

/* custodian_main on a NULL-terminated argument list (argv[0] "ca-custodian"),
 * stderr captured into logged[] and stdout into printed[]: its exit status. */
static int run(const char *arg, ...)
{
	char *argv[64];
	int argc = 0, rc;
	va_list ap;

	argv[argc++] = (char *)"ca-custodian";
	va_start(ap, arg);
	for (const char *a = arg; a != NULL; a = va_arg(ap, const char *)) {
		assert_true(argc < 63);
		argv[argc++] = (char *)a;
	}
	va_end(ap);
	argv[argc] = NULL;
	log_begin();
	out_begin();
	rc = custodian_main(argc, argv);
	out_end();
	log_end_quiet();
	return rc;
}

static void assert_printed(const char *text)
{
	if (strstr(printed, text) == NULL)
		fail_msg("no '%s' on stdout:\n%s", text, printed);
}

/* The PIN descriptor's number as text (one use each: core_pin_fd). */
static const char *pin_arg(char buf[16])
{
	int fd = core_pin_fd();

	assert_true(fd >= 0);
	snprintf(buf, 16, "%d", fd);
	return buf;
}

static void close_arg(const char *fd)
{
	close(atoi(fd));
}

/* ---- the command line ----------------------------------------------------------- */

static void test_usage(void **state)
{
	(void)state;
	assert_int_equal(run(NULL), CUST_EXIT_USAGE);
	assert_logged(SYNOPSIS);
	assert_logged("PIN: --pin-fd N | --pin-file FILE (mode 0600)");
	assert_int_equal(run("frobnicate", NULL), CUST_EXIT_USAGE);
	assert_logged(SYNOPSIS);
	/* an operand after a verb's options */
	assert_int_equal(run("check", "--data", "/nonexistent", "extra", NULL), CUST_EXIT_USAGE);
	assert_logged(SYNOPSIS);
	/* ceremony without its kind, or another kind (after valid options) */
	assert_int_equal(run("ceremony", NULL), CUST_EXIT_USAGE);
	assert_logged(SYNOPSIS);
	assert_int_equal(run("ceremony", "sideways", "--days", "5", NULL), CUST_EXIT_USAGE);
	assert_logged(SYNOPSIS);
	/* install-cert needs --cert, token-init --label */
	assert_int_equal(run("install-cert", "--data", "/nonexistent", NULL), CUST_EXIT_USAGE);
	assert_logged(SYNOPSIS);
	assert_int_equal(run("token-init", "--module", "/nonexistent.so", NULL), CUST_EXIT_USAGE);
	assert_logged(SYNOPSIS);
}

/* getopt's own messages, naming the verb, then the synopsis. */
static void test_unknown_options(void **state)
{
	(void)state;
	assert_int_equal(run("serve", "--bogus", "1", NULL), CUST_EXIT_USAGE);
	assert_logged("serve: unrecognized option '--bogus'");
	assert_logged(SYNOPSIS);
	assert_int_equal(run("check", "--data", NULL), CUST_EXIT_USAGE);
	assert_logged("check: option '--data' requires an argument");
	assert_logged(SYNOPSIS);
	assert_int_equal(run("anchor", "-x", NULL), CUST_EXIT_USAGE);
	assert_logged("anchor: invalid option -- 'x'");
	assert_int_equal(run("ceremony", "root", "--nope", NULL), CUST_EXIT_USAGE);
	assert_logged("root: unrecognized option '--nope'");
	/* a prefix of two options */
	assert_int_equal(run("check", "--d", "1", NULL), CUST_EXIT_USAGE);
	assert_logged("check: option '--d' is ambiguous");
}

/* Each numeric option's bounds: 0 and max + 1 refused, with conf_arg_uint's
 * message; exit status 1, no synopsis. */
static void test_bad_numbers(void **state)
{
	static const struct {
		const char *opt, *bad, *msg;
	} cases[] = {
		{"--days", "0", "--days must be a number from 1 to 36500"},
		{"--days", "36501", "--days must be a number from 1 to 36500"},
		{"--xchg-days", "3651", "--xchg-days must be a number from 1 to 3650"},
		{"--xchg-days", "+5", "--xchg-days must be a number from 1 to 3650"},
		{"--threads", "65", "--threads must be a number from 1 to 64"},
		{"--threads", "", "--threads must be a number from 1 to 64"},
		{"--operators-gid", "2147483648",
		 "--operators-gid must be a number from 1 to 2147483647"},
		{"--pin-fd", "-1", "a descriptor number must be a number from 1 to 1048576"},
		{"--so-pin-fd", "1048577", "a descriptor number must be a number from 1 to 1048576"},
		{"--fd", "3x", "a descriptor number must be a number from 1 to 1048576"},
		{"--ledger-fd", " 4", "a descriptor number must be a number from 1 to 1048576"},
		{"--control-fd", "0", "a descriptor number must be a number from 1 to 1048576"},
		{"--admin-fd", "fd", "a descriptor number must be a number from 1 to 1048576"},
		{"--id-key-fd", "99999999999", "a descriptor number must be a number from 1 to 1048576"},
	};
	char want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(run("serve", cases[i].opt, cases[i].bad, NULL), CUST_EXIT_FAIL);
		snprintf(want, sizeof want, "fatal: %s\n", cases[i].msg);
		assert_logged(want);
		assert_null(strstr(logged, SYNOPSIS));
	}
	assert_int_equal(run("ceremony", "root", "--key", "rsa:1024", NULL), CUST_EXIT_FAIL);
	assert_logged("fatal: unsupported key 'rsa:1024' " KEYS "\n");
	assert_int_equal(run("ceremony", "root", "--key", "ec:p521", NULL), CUST_EXIT_FAIL);
	assert_logged("fatal: unsupported key 'ec:p521' " KEYS "\n");
}

/* The first mistake is the one reported: a bad value before an unknown option
 * and an unknown verb, an unknown option before a bad value. */
static void test_first_mistake(void **state)
{
	(void)state;
	assert_int_equal(run("frobnicate", "--days", "0", "--bogus", NULL), CUST_EXIT_FAIL);
	assert_logged("--days must be a number from 1 to 36500");
	assert_null(strstr(logged, "bogus"));
	assert_null(strstr(logged, SYNOPSIS));
	assert_int_equal(run("check", "--bogus", "--days", "0", NULL), CUST_EXIT_USAGE);
	assert_logged("unrecognized option '--bogus'");
	assert_null(strstr(logged, "--days must be"));
}

static void test_keys(void **state)
{
	static const struct {
		const char *s;
		enum hsm_key_type type;
		unsigned bits;
	} good[] = {
		{"rsa:2048", HSM_KEY_RSA, 2048}, {"rsa:3072", HSM_KEY_RSA, 3072},
		{"rsa:4096", HSM_KEY_RSA, 4096}, {"ec:p256", HSM_KEY_EC, 256},
		{"ec:p384", HSM_KEY_EC, 384},
	};
	static const char *const bad[] = {"rsa:1024", "rsa:8192", "rsa:2048 ", "RSA:2048",
					  "ec:p521", "ec:256", "", "rsa"};
	struct hsm_keyspec k;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&k, 0, sizeof k);
		assert_int_equal(cust_parse_key(good[i].s, &k), 0);
		assert_int_equal(k.type, good[i].type);
		assert_int_equal(k.bits, good[i].bits);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k.type = HSM_KEY_EC;
		k.bits = 7;
		assert_int_equal(cust_parse_key(bad[i], &k), -1);
		assert_int_equal(k.bits, 7); /* left as it was */
	}
}

/* Every option lands in its field; the defaults stay where none was given;
 * parsing twice in one process starts afresh. */
static void test_every_option(void **state)
{
	char *argv[] = {
		"ceremony-opts", "--data", "D", "--module", "M", "--token", "T", "--label", "L",
		"--softhsm-conf", "S", "--subject", "CN=x", "--key", "ec:p384", "--days", "36500",
		"--xchg-days", "1", "--out", "O", "--cdp", "C", "--aia", "A", "--ocsp", "Q",
		"--pin-fd", "11", "--pin-file", "PF", "--so-pin-fd", "12", "--so-pin-file", "SF",
		"--cert", "CE", "--chain", "CH", "--fd", "13", "--threads", "64",
		"--ledger-fd", "14", "--control-fd", "15", "--id-key-fd", "16",
		"--admin-fd", "1048576", "--operators-gid", "2147483647", "--reanchor", "R", NULL,
	};
	char *again[] = {"check", "--threads=7", NULL};
	struct cust_opts o;

	(void)state;
	cust_opts_defaults(&o);
	assert_int_equal(o.fd, -1);
	assert_int_equal(o.ledger_fd, -1);
	assert_int_equal(o.control_fd, -1);
	assert_int_equal(o.admin_fd, -1);
	assert_int_equal(o.id_key_fd, -1);
	assert_int_equal(o.c.pin.fd, -1);
	assert_int_equal(o.so_pin.fd, -1);
	assert_int_equal(o.threads, 32);
	assert_true(o.operators_gid == -1);
	assert_null(o.reanchor);
	assert_int_equal(cust_opts_parse((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv, &o), 0);
	assert_string_equal(o.c.dir, "D");
	assert_string_equal(o.c.module, "M");
	assert_string_equal(o.c.token, "T");
	assert_string_equal(o.label, "L");
	assert_string_equal(o.c.softhsm2_conf, "S");
	assert_string_equal(o.c.subject, "CN=x");
	assert_int_equal(o.c.key.type, HSM_KEY_EC);
	assert_int_equal(o.c.key.bits, 384);
	assert_int_equal(o.c.days, 36500);
	assert_int_equal(o.c.xchg_days, 1);
	assert_string_equal(o.c.req_out, "O");
	assert_string_equal(o.c.cdp_url, "C");
	assert_string_equal(o.c.aia_url, "A");
	assert_string_equal(o.c.ocsp_url, "Q");
	assert_int_equal(o.c.pin.fd, 11);
	assert_string_equal(o.c.pin.file, "PF");
	assert_int_equal(o.so_pin.fd, 12);
	assert_string_equal(o.so_pin.file, "SF");
	assert_string_equal(o.cert, "CE");
	assert_string_equal(o.chain, "CH");
	assert_int_equal(o.fd, 13);
	assert_int_equal(o.threads, 64);
	assert_int_equal(o.ledger_fd, 14);
	assert_int_equal(o.control_fd, 15);
	assert_int_equal(o.id_key_fd, 16);
	assert_int_equal(o.admin_fd, 1048576);
	assert_true(o.operators_gid == 2147483647L);
	assert_string_equal(o.reanchor, "R");
	/* a second scan in the same process (getopt's state reset) */
	cust_opts_defaults(&o);
	assert_int_equal(cust_opts_parse(2, again, &o), 0);
	assert_int_equal(o.threads, 7);
	assert_null(o.label);
}

/* ---- serve's start-up ---------------------------------------------------------- */

static void test_serve_refusals(void **state)
{
	char fdarg[16], keyarg[16], pin[16];
	int p[2];

	(void)state;
	/* neither channel named */
	assert_int_equal(run("serve", "--data", ca_template.dir, "--ledger-fd", "9", NULL),
			 CUST_EXIT_FAIL);
	assert_logged("fatal: serve needs --fd N (the worker's channel) or --control-fd N "
		      "(cad's)\n");
	/* a key of 10 bytes where 32 are due: refused, its descriptor closed */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789", 10), 10);
	close(p[1]);
	snprintf(keyarg, sizeof keyarg, "%d", p[0]);
	assert_int_equal(run("serve", "--fd", "9", "--id-key-fd", keyarg, "--data",
			     ca_template.dir, NULL), CUST_EXIT_FAIL);
	assert_logged("fatal: --id-key-fd: 10 of 32 bytes\n");
	assert_int_equal(fcntl(p[0], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	/* no key at all */
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	snprintf(keyarg, sizeof keyarg, "%d", p[0]);
	assert_int_equal(run("serve", "--control-fd", "9", "--id-key-fd", keyarg, NULL),
			 CUST_EXIT_FAIL);
	assert_logged("fatal: --id-key-fd: 0 of 32 bytes\n");
	/* a data directory without a CA: refused to start (cad stops, no restart loop) */
	snprintf(fdarg, sizeof fdarg, "%d", 9);
	assert_int_equal(run("serve", "--fd", fdarg, "--data", "/nonexistent-ca", NULL),
			 EXIT_REFUSED);
	assert_logged("fatal: refusing to start: cannot open /nonexistent-ca/ca.conf: "
		      "No such file or directory\n");
	/* the wrong PIN: refused to start */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "wrong-pin-0000", 14), 14);
	close(p[1]);
	snprintf(pin, sizeof pin, "%d", p[0]);
	assert_int_equal(run("serve", "--fd", "9", "--data", ca_template.dir, "--pin-fd", pin,
			     NULL), EXIT_REFUSED);
	close(p[0]);
	assert_logged("fatal: refusing to start: cannot open token 'core-harness' with "
		      SOFTHSM_MODULE ": ");
	assert_logged("PIN_INCORRECT");
}

/* The start-up that succeeds: the key read whole, the CA loaded. */
static void test_serve_start(void **state)
{
	uint8_t key[IDTOKEN_KEY_LEN], got[IDTOKEN_KEY_LEN];
	struct cust_opts o;
	struct ca ca;
	int p[2], have = -1;

	(void)state;
	for (size_t i = 0; i < sizeof key; i++)
		key[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(pipe(p), 0);
	/* in two writes: the reader takes what comes until it has all */
	assert_int_equal(write(p[1], key, 5), 5);
	assert_int_equal(write(p[1], key + 5, sizeof key - 5), (ssize_t)(sizeof key - 5));
	cust_opts_defaults(&o);
	o.fd = 9;
	o.id_key_fd = p[0];
	o.c.dir = ca_template.dir;
	o.c.pin.fd = core_pin_fd();
	assert_int_equal(cust_serve_start(&o, &ca, got, &have), 0);
	close(o.c.pin.fd);
	close(p[1]);
	assert_int_equal(have, 1);
	assert_memory_equal(got, key, sizeof key);
	assert_int_equal(fcntl(p[0], F_GETFD), -1); /* the key's descriptor closed */
	assert_non_null(ca.hsm);
	ca_close(&ca);
	/* without --id-key-fd: no key */
	o.id_key_fd = -1;
	o.fd = -1;
	o.control_fd = 9;
	o.c.pin.fd = core_pin_fd();
	assert_int_equal(cust_serve_start(&o, &ca, got, &have), 0);
	close(o.c.pin.fd);
	assert_int_equal(have, 0);
	ca_close(&ca);
}

/* ---- check ------------------------------------------------------------------------ */

static void test_check(void **state)
{
	char pin[16];

	(void)state;
	assert_int_equal(run("check", "--data", ca_template.dir, "--pin-fd", pin_arg(pin), NULL),
			 0);
	close_arg(pin);
	assert_printed("CA 'CN=Core Harness Root CA,O=Example': the certificate carries the "
		       "HSM signing key '");
	assert_printed("  signing key '");
	assert_printed("': sensitive, always sensitive, not extractable, never extractable, "
		       "private value not readable; usage: sign\n");
	/* the exchange key: decrypt and unwrap only */
	assert_printed("  exchange key '");
	assert_printed("': sensitive, always sensitive, not extractable, never extractable, "
		       "private value not readable; usage: decrypt unwrap\n");
	assert_printed("ready.\n");
	/* a CA without an exchange key: the signing key's report alone */
	{
		char copy[PATH_MAX + 16], *out = NULL;

		snprintf(copy, sizeof copy, "%s/no-xchg", oracle_dir());
		assert_int_equal(oracle_run(&out, "rm -rf '%s' && cp -a '%s' '%s' && sed -i "
					    "'/^xchg_key_id/d' '%s/ca.conf' 2>&1", copy,
					    ca_template.dir, copy, copy), 0);
		free(out);
		assert_int_equal(run("check", "--data", copy, "--pin-fd", pin_arg(pin), NULL), 0);
		close_arg(pin);
		assert_printed("  signing key '");
		assert_null(strstr(printed, "exchange key"));
		assert_printed("ready.\n");
	}
	/* no CA there */
	assert_int_equal(run("check", "--data", "/nonexistent-ca", NULL), CUST_EXIT_FAIL);
	assert_logged("warning: cannot open /nonexistent-ca/ca.conf: No such file or "
		      "directory\n");
	assert_null(strstr(printed, "ready."));
}

/* The report's verdict from the attributes: each way a key is not protected is
 * refused with the warning; a protected key passes. The token of these tests
 * makes only protected keys, hence attributes made here. */
static void test_key_report(void **state)
{
	const struct hsm_key_attrs good = {.sensitive = 1, .always_sensitive = 1,
					   .never_extractable = 1, .sign = 1, .decrypt = 1,
					   .unwrap = 1, .derive = 1};
	struct hsm_key_attrs a;

	(void)state;
	log_begin();
	out_begin();
	assert_int_equal(cust_key_report("exchange", "k1", &good), 0);
	out_end();
	log_end_quiet();
	assert_string_equal(printed, "  exchange key 'k1': sensitive, always sensitive, not "
				     "extractable, never extractable, private value not "
				     "readable; usage: sign decrypt unwrap derive\n");
	assert_string_equal(logged, "");
	for (int defect = 0; defect < 5; defect++) {
		a = good;
		a.sign = a.decrypt = a.unwrap = a.derive = 0;
		switch (defect) {
		case 0: a.sensitive = 0; break;
		case 1: a.always_sensitive = 0; break;
		case 2: a.extractable = 1; break;
		case 3: a.never_extractable = 0; break;
		case 4: a.private_value_readable = 1; break;
		}
		log_begin();
		out_begin();
		assert_int_equal(cust_key_report("signing", "k2", &a), -1);
		out_end();
		log_end_quiet();
		assert_logged("warning: the token does not protect the signing key\n");
		assert_non_null(strstr(printed, "; usage:\n"));
	}
	a = good;
	a.sensitive = a.always_sensitive = a.never_extractable = 0;
	a.extractable = a.private_value_readable = 1;
	out_begin();
	log_begin();
	assert_int_equal(cust_key_report("signing", "k3", &a), -1);
	log_end_quiet();
	out_end();
	assert_string_equal(printed, "  signing key 'k3': NOT sensitive, NOT always sensitive, "
				     "extractable, NOT never extractable, private value "
				     "readable; usage: sign decrypt unwrap derive\n");
}

/* ---- anchor -------------------------------------------------------------------- */

/* Before any: both slots absent, status 3. */
static void test_anchor_none(void **state)
{
	char pin[16];

	(void)state;
	assert_int_equal(run("anchor", "--data", ca_template.dir, "--pin-fd", pin_arg(pin), NULL),
			 CUST_EXIT_NO_ANCHOR);
	close_arg(pin);
	assert_logged(CHECKPOINT_LABEL_A ": absent\n");
	assert_logged(CHECKPOINT_LABEL_B ": absent\n");
	assert_logged("warning: no valid ledger anchor on the token\n");
	assert_string_equal(printed, "");
	assert_int_equal(run("anchor", "--data", "/nonexistent-ca", NULL), CUST_EXIT_FAIL);
	assert_logged("warning: cannot open /nonexistent-ca/ca.conf: No such file or "
		      "directory\n");
}

/* --reanchor's forms: SEQ (from 1), 64 lower-case hex digits, CRL; nothing more. */
static void test_reanchor_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"1",
		"1,00",
		"0,0000000000000000000000000000000000000000000000000000000000000000,0",
		"1,000000000000000000000000000000000000000000000000000000000000000,0",
		"1,00000000000000000000000000000000000000000000000000000000000000000,0",
		"1,000000000000000000000000000000000000000000000000000000000000000A,0",
		"1,0000000000000000000000000000000000000000000000000000000000000000,0,",
		"1,0000000000000000000000000000000000000000000000000000000000000000,0 ",
		"1,0000000000000000000000000000000000000000000000000000000000000000",
		"x,0000000000000000000000000000000000000000000000000000000000000000,0",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* refused before the token is opened: no PIN is read */
		assert_int_equal(run("anchor", "--data", ca_template.dir, "--reanchor", bad[i],
				     NULL), CUST_EXIT_USAGE);
		assert_logged("warning: --reanchor: want SEQ,HEAD(64 hex digits),CRL\n");
	}
	assert_int_equal(run("anchor", "--data", "/nonexistent-ca", "--reanchor",
			     "1,0000000000000000000000000000000000000000000000000000000000000000,0",
			     NULL), CUST_EXIT_FAIL);
	assert_logged("warning: cannot open /nonexistent-ca/ca.conf: No such file or "
		      "directory\n");
}

/* The checkpoint in a PEM text: verified with the CA key (read from the CA's
 * certificate by ca_load) into *cp. */
static void verify_pem(const char *text, size_t len, struct x509_checkpoint *cp)
{
	struct x509_buf *der = NULL;
	struct cust_opts o;
	struct ca ca;
	char err[256];
	size_t n = 0;

	assert_int_equal(x509_pem_decode_all("LEDGER CHECKPOINT", (const uint8_t *)text, len,
					     &der, &n), 0);
	assert_int_equal(n, 1);
	cust_opts_defaults(&o);
	o.c.pin.fd = core_pin_fd();
	assert_int_equal(ca_load(&ca, ca_template.dir, &o.c.pin, 1, err, sizeof err), 0);
	close(o.c.pin.fd);
	assert_int_equal(x509_checkpoint_verify(der[0].data, der[0].len, ca.spki.data,
						ca.spki.len, cp, err, sizeof err), 0);
	ca_close(&ca);
	x509_buf_free(&der[0]);
	free(der);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	assert_non_null(f);
	assert_non_null(buf);
	*len = fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

/* Both slots written; anchor shows them and gives the checkpoint to stdout or
 * --out, which verifies with the CA key and names what was given. */
static void test_reanchor(void **state)
{
	const char *head = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char arg[128], pin[16], out[PATH_MAX], bad_out[PATH_MAX];
	struct x509_checkpoint cp;
	size_t len;
	char *text;

	(void)state;
	snprintf(arg, sizeof arg, "42,%s,7", head);
	softhsm_token_path(&ca_template.token, "anchor.pem", out, sizeof out);
	assert_int_equal(run("anchor", "--data", ca_template.dir, "--pin-fd", pin_arg(pin),
			     "--reanchor", arg, "--out", out, NULL), 0);
	close_arg(pin);
	assert_printed("the ledger is anchored as it stands: seq 42, CRL number 7 ("
		       CHECKPOINT_LABEL_A " and " CHECKPOINT_LABEL_B ")\n");
	text = slurp(out, &len);
	verify_pem(text, len, &cp);
	free(text);
	assert_int_equal(cp.seq, 42);
	assert_int_equal(cp.crl_number, 7);
	assert_memory_equal(cp.head, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd"
				     "\xee\xff", 16);
	/* anchor to stdout: the same checkpoint, both slots listed */
	assert_int_equal(run("anchor", "--data", ca_template.dir, "--pin-fd", pin_arg(pin), NULL),
			 0);
	close_arg(pin);
	assert_logged(CHECKPOINT_LABEL_A ": checkpoint of ");
	assert_logged(", seq 42, CRL number 7 (the anchor)\n");
	assert_logged(CHECKPOINT_LABEL_B ": checkpoint of ");
	assert_printed("-----BEGIN LEDGER CHECKPOINT-----\n");
	memset(&cp, 0, sizeof cp);
	verify_pem(printed, strlen(printed), &cp);
	assert_int_equal(cp.seq, 42);
	assert_int_equal(cp.crl_number, 7);
	/* --reanchor without --out: the token alone */
	snprintf(arg, sizeof arg, "44,%s,9", head);
	assert_int_equal(run("anchor", "--data", ca_template.dir, "--pin-fd", pin_arg(pin),
			     "--reanchor", arg, NULL), 0);
	close_arg(pin);
	assert_printed("seq 44, CRL number 9");
	assert_null(strstr(printed, "BEGIN"));
	/* --out where nothing can be written: a failure, named */
	snprintf(bad_out, sizeof bad_out, "%s/no-such-dir/anchor.pem", oracle_dir());
	assert_int_equal(run("anchor", "--data", ca_template.dir, "--pin-fd", pin_arg(pin),
			     "--out", bad_out, NULL), CUST_EXIT_FAIL);
	close_arg(pin);
	assert_logged("warning: cannot write ");
	assert_logged("no-such-dir/anchor.pem");
	/* --reanchor with such an --out: the token is anchored, the file is not */
	snprintf(arg, sizeof arg, "43,%s,8", head);
	assert_int_equal(run("anchor", "--data", ca_template.dir, "--pin-fd", pin_arg(pin),
			     "--reanchor", arg, "--out", bad_out, NULL), CUST_EXIT_FAIL);
	close_arg(pin);
	assert_printed("seq 43, CRL number 8");
	assert_logged("warning: cannot write ");
	unlink(out);
}

/* A second data object under anchor A's label (written with pkcs11-tool, as
 * anyone holding the PIN could): slot A is not believed, with the token's own
 * reason, and B, re-anchored above, is the anchor. */
static void test_anchor_ambiguous(void **state)
{
	char pin[16], blob[PATH_MAX + 16], *out = NULL;
	FILE *f;

	(void)state;
	snprintf(blob, sizeof blob, "%s/blob", oracle_dir());
	assert_non_null(f = fopen(blob, "w"));
	fputs("not a checkpoint", f);
	fclose(f);
	/* SOFTHSM2_CONF is the fixture's: pkcs11-tool finds the same token */
	if (oracle_run(&out, "pkcs11-tool --module %s --token-label %s --login --pin %s "
			     "--write-object '%s' --type data --label %s --private 2>&1",
		       SOFTHSM_MODULE, ca_template.token.label, SOFTHSM_USER_PIN, blob,
		       CHECKPOINT_LABEL_A) != 0)
		fail_msg("pkcs11-tool: %s", out);
	free(out);
	assert_int_equal(run("anchor", "--data", ca_template.dir, "--pin-fd", pin_arg(pin), NULL),
			 0);
	close_arg(pin);
	assert_logged(CHECKPOINT_LABEL_A ": 2 data objects labelled \"" CHECKPOINT_LABEL_A
		      "\"\n");
	assert_logged(CHECKPOINT_LABEL_B ": checkpoint of ");
	assert_logged(" (the anchor)\n");
	assert_printed("-----BEGIN LEDGER CHECKPOINT-----\n");
}

/* ---- the verbs ceremony.c runs (their own tests: test_custodian_ceremony) ------- */

/* Each reached through the command line: a failure is status 1. */
static void test_ceremony_verbs(void **state)
{
	char pin[16], conf[PATH_MAX];

	(void)state;
	softhsm_token_path(&ca_template.token, "softhsm2.conf", conf, sizeof conf);
	/* a root ceremony over an existing CA is refused */
	assert_int_equal(run("ceremony", "root", "--data", ca_template.dir, "--module",
			     SOFTHSM_MODULE, "--token", ca_template.token.label,
			     "--softhsm-conf", conf, "--pin-fd", pin_arg(pin), NULL),
			 CUST_EXIT_FAIL);
	close_arg(pin);
	assert_logged("a CA already exists in ");
	assert_int_equal(run("ceremony", "subordinate", "--data", ca_template.dir, "--module",
			     SOFTHSM_MODULE, "--token", ca_template.token.label,
			     "--softhsm-conf", conf, "--pin-fd", pin_arg(pin), NULL),
			 CUST_EXIT_FAIL);
	close_arg(pin);
	assert_logged("a CA already exists in ");
	assert_int_equal(run("install-cert", "--data", ca_template.dir, "--cert",
			     "/nonexistent.pem", "--pin-fd", pin_arg(pin), NULL), CUST_EXIT_FAIL);
	close_arg(pin);
	assert_logged("warning: install-cert failed: the CA in ");
	assert_logged(" is not waiting for a certificate\n");
	assert_int_equal(run("token-init", "--module", "/nonexistent-module.so", "--label",
			     "x", "--so-pin-file", "/nonexistent-pin", "--pin-fd", pin_arg(pin),
			     NULL), CUST_EXIT_FAIL);
	close_arg(pin);
	assert_logged("/nonexistent-pin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_unknown_options),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_first_mistake),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_serve_refusals),
		cmocka_unit_test(test_serve_start),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_key_report),
		/* anchor_none before the re-anchoring: the token is the program's */
		cmocka_unit_test(test_anchor_none),
		cmocka_unit_test(test_reanchor_refused),
		cmocka_unit_test(test_reanchor),
		cmocka_unit_test(test_anchor_ambiguous),
		cmocka_unit_test(test_ceremony_verbs),
	};
	int rc;

	log_init("ca-custodian");
	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	return rc;
}
