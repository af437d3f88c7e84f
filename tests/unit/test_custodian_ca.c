/* The CA's loading (firmware/custodian/ca.c) on the ceremony's CA in a real
 * SoftHSM token (support/core_harness.c), each test on its own copy of the data
 * directory with ca.conf or ca.crt changed as an operator or an attacker could.
 * What test_custodian_core's load tests do not reach: each refusal with its exact
 * message (a ca.conf path that does not fit, hsm_pool_size that is no number, a
 * module that does not load, each PIN file the secret reader refuses, the
 * exchange key's id malformed or not on the token, the exchange key named as
 * the signing key: the certificate does not carry it), what loads (the
 * certificate as DER, no exchange key, a PIN file, a p11-kit server address
 * handed on in the environment), and write_pem, ca_sign and ca_hsm_error's
 * refusals. */
#include <errno.h>
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

#include "firmware/custodian/ca.h"
#include "platform/conf.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/softhsm_token.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;
/* The running test's copy of the data directory. */
static char dir[PATH_MAX];

static int setup_copy(void **state)
{
	char *out = NULL;
	int rc;

	(void)state;
	snprintf(dir, sizeof dir, "/tmp/ca-load-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	rc = oracle_run(&out, "cp -a '%s'/. '%s'/ 2>&1", ca_template.dir, dir);
	if (rc != 0)
		fprintf(stderr, "%s", out);
	free(out);
	return rc;
}

static int teardown_copy(void **state)
{
	char *out = NULL;

	(void)state;
	oracle_run(&out, "rm -rf '%s'", dir);
	free(out);
	return 0;
}

/* ca.conf's key set to value (NULL: the line removed), the other lines kept. */
static void cfg_set(const char *key, const char *value)
{
	char path[PATH_MAX + 16], line[1024], *text = calloc(1, 65536);
	size_t klen = strlen(key), used = 0;
	FILE *f;

	assert_non_null(text);
	snprintf(path, sizeof path, "%s/ca.conf", dir);
	assert_non_null(f = fopen(path, "r"));
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, klen) == 0 && (line[klen] == ' ' || line[klen] == '='))
			continue;
		used += (size_t)snprintf(text + used, 65536 - used, "%s", line);
	}
	fclose(f);
	if (value != NULL)
		used += (size_t)snprintf(text + used, 65536 - used, "%s = %s\n", key, value);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, used, f), used);
	fclose(f);
	free(text);
}

static const char *cfg_value(const char *key, char *buf, size_t len)
{
	char path[PATH_MAX + 16], err[256];
	struct conf c;
	const char *v;

	snprintf(path, sizeof path, "%s/ca.conf", dir);
	assert_int_equal(conf_load(path, &c, err, sizeof err), 0);
	assert_non_null(v = conf_get(&c, key));
	snprintf(buf, len, "%s", v);
	return buf;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* ca_load of the copy with the token's PIN on a descriptor: its return; err. */
static int load(struct ca *ca, int want_cert, char *err, size_t errlen)
{
	struct pin_source pin = {core_pin_fd(), NULL};
	int rc;

	assert_true(pin.fd >= 0);
	err[0] = 0;
	rc = ca_load(ca, dir, &pin, want_cert, err, errlen);
	close(pin.fd);
	if (rc == 0)
		assert_non_null(ca->hsm);
	else
		assert_null(ca->hsm); /* nothing held after a refusal */
	return rc;
}

/* A refusal of the copy as it now is, with exactly the message want. */
static void refused(int want_cert, const char *want)
{
	char err[1024];
	struct ca ca;

	assert_int_equal(load(&ca, want_cert, err, sizeof err), -1);
	assert_string_equal(err, want);
}

static void loads(int want_cert, struct ca *ca)
{
	char err[1024];

	if (load(ca, want_cert, err, sizeof err) != 0)
		fail_msg("ca_load: %s", err);
}

/* ---- what loads ------------------------------------------------------------------ */

static void test_loads(void **state)
{
	struct ca ca;
	char *out = NULL, path[PATH_MAX + 16];

	(void)state;
	loads(1, &ca);
	assert_true(ca.have_cert);
	assert_true(ca.have_xchg);
	assert_int_equal(ca.sigalg, X509_SIG_ECDSA_SHA256);
	ca_close(&ca);
	ca_close(&ca); /* twice: nothing left to free */
	/* the certificate as DER (openssl's conversion) */
	snprintf(path, sizeof path, "%s/ca.crt", dir);
	assert_int_equal(oracle_run(&out, "openssl x509 -in '%s' -outform DER -out '%s.der' && "
				    "mv '%s.der' '%s' 2>&1", path, path, path, path), 0);
	free(out);
	loads(1, &ca);
	assert_true(ca.have_cert);
	ca_close(&ca);
	/* no exchange key named: none loaded */
	cfg_set("xchg_key_id", NULL);
	loads(1, &ca);
	assert_false(ca.have_xchg);
	ca_close(&ca);
}

/* ---- ca.conf ---------------------------------------------------------------------- */

/* What test_custodian_core's load tests leave: a directory that fits but whose
 * ca.conf does not, and no ca.conf at all. */
static void test_conf_refused(void **state)
{
	char long_dir[PATH_MAX + 8], err[256];
	struct pin_source pin = {-1, NULL};
	struct ca ca;

	(void)state;
	memset(long_dir, 'a', sizeof long_dir - 1);
	long_dir[0] = '/';
	long_dir[PATH_MAX - 4] = 0; /* fits in ca->dir, "/ca.conf" after it does not */
	assert_int_equal(ca_load(&ca, long_dir, &pin, 1, err, sizeof err), -1);
	assert_string_equal(err, "data directory path too long");
	assert_int_equal(ca_load(&ca, "/nonexistent-ca", &pin, 1, err, sizeof err), -1);
	assert_string_equal(err, "cannot open /nonexistent-ca/ca.conf: No such file or directory");
}

static void test_pool_size(void **state)
{
	static const char *const bad[] = {"x", "-1", "1x", "100", ""};
	char want[256];
	struct ca ca;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg_set("hsm_pool_size", bad[i]);
		snprintf(want, sizeof want, "ca.conf: hsm_pool_size must be 1..64, not '%s'", bad[i]);
		refused(1, want);
	}
	cfg_set("hsm_pool_size", "1");
	loads(1, &ca);
	ca_close(&ca);
	cfg_set("hsm_pool_size", "64");
	loads(1, &ca);
	ca_close(&ca);
}

/* The module is pointed at its token by ca.conf; a p11-kit server address is
 * handed on in the environment (SoftHSM ignores it). A wrong configuration file
 * or module does not open. */
static void test_where(void **state)
{
	char want[PATH_MAX + 256];
	struct ca ca;

	(void)state;
	cfg_set("p11_kit_server_address", "unix:path=/nonexistent/p11-kit.sock");
	unsetenv("P11_KIT_SERVER_ADDRESS");
	loads(1, &ca);
	ca_close(&ca);
	assert_string_equal(getenv("P11_KIT_SERVER_ADDRESS"), "unix:path=/nonexistent/p11-kit.sock");
	unsetenv("P11_KIT_SERVER_ADDRESS");
	/* empty values name nothing: the environment is left as it is */
	cfg_set("p11_kit_server_address", "");
	cfg_set("softhsm2_conf", "");
	setenv("P11_KIT_SERVER_ADDRESS", "unix:path=/kept", 1);
	loads(1, &ca);
	ca_close(&ca);
	assert_string_equal(getenv("P11_KIT_SERVER_ADDRESS"), "unix:path=/kept");
	unsetenv("P11_KIT_SERVER_ADDRESS");
	cfg_set("module", "/nonexistent/module.so");
	snprintf(want, sizeof want, "cannot open token 'core-harness' with /nonexistent/module.so: ");
	{
		char err[1024];

		assert_int_equal(load(&ca, 1, err, sizeof err), -1);
		assert_memory_equal(err, want, strlen(want));
	}
}

/* The PIN from a file: the secret reader's refusals reach the caller. */
static void test_pin_file(void **state)
{
	char path[PATH_MAX + 16], want[PATH_MAX + 256], err[1024];
	struct pin_source pin = {-1, NULL};
	struct ca ca;

	(void)state;
	snprintf(path, sizeof path, "%s/pin", dir);
	pin.file = path;
	assert_int_equal(ca_load(&ca, dir, &pin, 1, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot open secret file %s: No such file or directory", path);
	assert_string_equal(err, want);
	write_file("pin", SOFTHSM_USER_PIN "\n", 0644);
	assert_int_equal(ca_load(&ca, dir, &pin, 1, err, sizeof err), -1);
	snprintf(want, sizeof want, "secret file %s is readable by others (mode 644); chmod 600 it",
		 path);
	assert_string_equal(err, want);
	assert_null(ca.hsm);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(ca_load(&ca, dir, &pin, 1, err, sizeof err), 0);
	ca_close(&ca);
	/* a directory is no secret file */
	snprintf(path, sizeof path, "%s", dir);
	assert_int_equal(ca_load(&ca, dir, &pin, 1, err, sizeof err), -1);
	snprintf(want, sizeof want, "secret file %s is not a regular file", dir);
	assert_string_equal(err, want);
}

/* ---- the keys ---------------------------------------------------------------------- */

/* The exchange key's id (the signing key's: test_custodian_core): malformed or
 * odd-length hex, or no such key on the token. */
static void test_xchg_key_id(void **state)
{
	static const char *const bad[] = {"zz", "0", "abc", "0g", ""};
	char want[PATH_MAX + 512], err[1024];
	struct ca ca;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cfg_set("xchg_key_id", bad[i]);
		snprintf(want, sizeof want, "%s/ca.conf: missing or invalid xchg_key_id", dir);
		refused(1, want);
	}
	cfg_set("xchg_key_id", "00112233445566778899");
	snprintf(want, sizeof want, "the key xchg_key_id=00112233445566778899 named in "
		 "%s/ca.conf is not on the token: ", dir);
	assert_int_equal(load(&ca, 1, err, sizeof err), -1);
	assert_memory_equal(err, want, strlen(want));
}

/* The signing key named as the exchange key's: the certificate does not carry
 * it, so the start is refused. */
static void test_cert_other_key(void **state)
{
	char want[PATH_MAX + 512], xchg[256], label[256], err[1024];
	struct ca ca;

	(void)state;
	cfg_value("xchg_key_id", xchg, sizeof xchg);
	cfg_value("xchg_key_label", label, sizeof label);
	cfg_set("sign_key_id", xchg);
	snprintf(want, sizeof want, "the CA certificate %s/ca.crt does not match the HSM signing "
		 "key (its public key is not the token's key %s); refusing to start", dir, label);
	assert_int_equal(load(&ca, 1, err, sizeof err), -1);
	assert_string_equal(err, want);
}

/* ---- write_pem, ca_sign, ca_hsm_error --------------------------------------------- */

static void test_helpers(void **state)
{
	const uint8_t data[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct x509_buf der = {(uint8_t *)data, sizeof data};
	struct hsm_err herr;
	uint8_t sig[512];
	size_t sig_len = sizeof sig;
	char path[PATH_MAX + 32], want[PATH_MAX + 64], err[512];
	struct ca ca;

	(void)state;
	snprintf(path, sizeof path, "%s/no-such-dir/x.pem", dir);
	assert_int_equal(write_pem(path, "X", &der, err, sizeof err), -1);
	snprintf(want, sizeof want, "cannot write %s: No such file or directory", path);
	assert_string_equal(err, want);
	/* nothing to encode */
	{
		struct x509_buf none = {0};

		assert_int_equal(write_pem(path, "X", &none, err, sizeof err), -1);
		snprintf(want, sizeof want, "cannot PEM-encode %s", path);
		assert_string_equal(err, want);
	}
	/* read_certs: a PEM block whose base64 does not decode, a text without one */
	{
		struct x509_buf *certs = NULL;
		size_t n = 0;

		write_file("bad.pem", "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
			   0644);
		snprintf(path, sizeof path, "%s/bad.pem", dir);
		assert_int_equal(read_certs(path, &certs, &n, err, sizeof err), -1);
		snprintf(want, sizeof want, "%s holds no certificate (PEM or DER expected)", path);
		assert_string_equal(err, want);
		write_file("bad.pem", "no certificate here\n", 0644);
		assert_int_equal(read_certs(path, &certs, &n, err, sizeof err), -1);
		assert_string_equal(err, want);
	}
	/* ca_hsm_open without a location (the module's own configuration: the
	 * fixture's SOFTHSM2_CONF), as the ceremony opens a token */
	{
		struct pin_source pin = {core_pin_fd(), NULL};

		memset(&ca, 0, sizeof ca);
		assert_int_equal(ca_hsm_open(&ca, SOFTHSM_MODULE, ca_template.token.label, NULL,
					     &pin, err, sizeof err), 0);
		close(pin.fd);
		assert_non_null(ca.hsm);
		hsm_close(ca.hsm);
		ca.hsm = NULL;
	}
	snprintf(herr.msg, sizeof herr.msg, "gone");
	ca_hsm_error(HSM_EUNAVAIL, &herr, "the HSM refused to sign", err, sizeof err);
	assert_string_equal(err, "HSM unavailable: gone");
	ca_hsm_error(HSM_EARG, &herr, "the HSM refused to sign", err, sizeof err);
	assert_string_equal(err, "the HSM refused to sign: gone");
	loads(1, &ca);
	assert_int_equal(ca_sign(&ca, &ca.sign_key, X509_SIG_NONE, &der, sig, &sig_len, err,
				 sizeof err), -1);
	assert_string_equal(err, "cannot hash the data to sign");
	/* the exchange key may not sign (its template): the token refuses */
	sig_len = sizeof sig;
	assert_int_equal(ca_sign(&ca, &ca.xchg_key, X509_SIG_RSA_SHA256, &der, sig, &sig_len, err,
				 sizeof err), CA_EHSM);
	assert_memory_equal(err, "the HSM refused to sign: ", 25);
	sig_len = sizeof sig;
	assert_int_equal(ca_sign(&ca, &ca.sign_key, X509_SIG_ECDSA_SHA384, &der, sig, &sig_len,
				 err, sizeof err), 0);
	assert_true(sig_len > 8);
	ca_close(&ca);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_loads, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_conf_refused, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_pool_size, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_where, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_pin_file, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_xchg_key_id, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_cert_other_key, setup_copy, teardown_copy),
		cmocka_unit_test_setup_teardown(test_helpers, setup_copy, teardown_copy),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	return rc;
}
