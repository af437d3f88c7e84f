/* The custodian's key ceremonies in one process (firmware/custodian/ceremony.c):
 * a subordinate CA's keys and request made in a real SoftHSM token, its
 * certificate signed by a parent made with openssl (the independent side), and
 * install-cert's refusals, each with its exact message (the ceremony reports on
 * stderr, which the test captures), then the installation; a root ceremony that
 * would overwrite a CA; a token initialised. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/custodian/ca.h"
#include "firmware/custodian/ceremony.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/softhsm_token.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/x509_oracle.h"

static struct softhsm_token token;
static char sub_dir[PATH_MAX], conf_path[PATH_MAX];

/* ---- the parent (openssl) ------------------------------------------------------- */

/* A self-signed root named CN=Parent Root (key <name>.key, cert <name>.pem). */
static void parent_root(const char *name)
{
	char key[PATH_MAX], pem[PATH_MAX + 8];
	char *out = NULL;

	snprintf(key, sizeof key, "%s", oracle_path(name));
	snprintf(pem, sizeof pem, "%s.pem", key);
	strcat(key, ".key");

	if (oracle_run(&out, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
			     "-nodes -keyout '%s' -subj '/CN=Parent Root' -days 30 "
			     "-addext basicConstraints=critical,CA:TRUE "
			     "-addext keyUsage=critical,keyCertSign,cRLSign -out '%s' 2>&1",
		       key, pem) != 0)
		fail_msg("%s", out);
	free(out);
}

/* The subordinate's request signed by root <parent> into <out>.pem, as a CA
 * certificate or not. */
static void sign_request(const char *parent, const char *out, int as_ca)
{
	char cmd[4 * PATH_MAX], ext[PATH_MAX];
	char *log = NULL;
	const char *text = as_ca ? "basicConstraints=critical,CA:TRUE\n"
				   "keyUsage=critical,keyCertSign,cRLSign\n"
				 : "basicConstraints=critical,CA:FALSE\n";

	snprintf(ext, sizeof ext, "%s", oracle_path("ext.cnf"));
	assert_int_equal(oracle_write(ext, text, strlen(text)), 0);
	snprintf(cmd, sizeof cmd, "openssl x509 -req -in '%s/ca.req' -CA '%s.pem' -CAkey '%s.key' "
		 "-set_serial 7 -days 20 -extfile '%s' -out '%s.pem' 2>&1", sub_dir,
		 oracle_path(parent), oracle_path(parent), ext, oracle_path(out));
	if (oracle_run(&log, "%s", cmd) != 0)
		fail_msg("%s", log);
	free(log);
}

/* install-cert of <cert>.pem with <chain>.pem (NULL: none): its return; what it
 * said in logged[]. */
static int install(const char *cert, const char *chain)
{
	struct pin_source pin = {core_pin_fd(), NULL};
	char cert_path[PATH_MAX], chain_path[PATH_MAX];
	int rc;

	snprintf(cert_path, sizeof cert_path, "%s.pem", oracle_path(cert));
	if (chain != NULL)
		snprintf(chain_path, sizeof chain_path, "%s.pem", oracle_path(chain));
	log_begin();
	rc = ceremony_install_cert(sub_dir, cert_path, chain != NULL ? chain_path : NULL, 14, &pin);
	log_end_quiet();
	close(pin.fd);
	return rc;
}

/* ---- fixtures ------------------------------------------------------------------ */

static void opts(struct ceremony_opts *o, const char *dir)
{
	memset(o, 0, sizeof(*o));
	o->dir = dir;
	o->module = SOFTHSM_MODULE;
	o->token = token.label;
	o->softhsm2_conf = conf_path;
	o->subject = "CN=Issuing CA 1,O=Example";
	o->key.type = HSM_KEY_EC;
	o->key.bits = 256;
	o->days = 365;
	o->xchg_days = 14;
	o->cdp_url = o->aia_url = o->ocsp_url = "";
}

static int group_setup(void **state)
{
	struct ceremony_opts o;
	int rc;

	(void)state;
	if (softhsm_token_setup(&token, "ceremony") != 0)
		return -1;
	softhsm_token_path(&token, "softhsm2.conf", conf_path, sizeof conf_path);
	softhsm_token_path(&token, "sub", sub_dir, sizeof sub_dir);
	opts(&o, sub_dir);
	o.req_out = oracle_path("issuing.req");
	o.pin.fd = core_pin_fd();
	rc = ceremony_subordinate(&o);
	close(o.pin.fd);
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	softhsm_token_teardown(&token);
	oracle_cleanup();
	return 0;
}

/* ---- install-cert -------------------------------------------------------------- */

static void test_refusals_then_install(void **state)
{
	char path[PATH_MAX + 16];
	struct conf conf;
	char err[256];

	(void)state;
	parent_root("root");
	parent_root("impostor"); /* the same name, another key */
	/* the parent's own certificate: another key than the HSM's */
	assert_int_equal(install("root", NULL), -1);
	assert_logged("install-cert failed: the certificate does not match the HSM signing "
			  "key (different public key); not installed");
	sign_request("root", "leaf", 0);
	assert_int_equal(install("leaf", "root"), -1);
	assert_logged("install-cert failed: the certificate is not a CA certificate valid now "
			  "(cA, keyCertSign and validity are required)");
	sign_request("root", "sub", 1);
	assert_int_equal(install("sub", NULL), -1);
	assert_logged("install-cert failed: the chain has no certificate for the issuer "
			  "'CN=Parent Root'");
	assert_int_equal(install("sub", "impostor"), -1);
	assert_logged("install-cert failed: a signature in the chain does not verify: ");
	/* the real parent: installed, the CA active */
	assert_int_equal(install("sub", "root"), 0);
	snprintf(path, sizeof path, "%s/%s", sub_dir, CA_CONF);
	assert_int_equal(conf_load(path, &conf, err, sizeof err), 0);
	assert_string_equal(conf_get(&conf, "state"), "active");
	assert_string_equal(conf_get(&conf, "type"), "subordinate");
	/* and only once */
	assert_int_equal(install("sub", "root"), -1);
	assert_logged("is not waiting for a certificate");
}

/* A certificate named CN=Parent Root on root's key but not a CA (<name>.pem). */
static void parent_not_ca(const char *name)
{
	char *out = NULL;

	if (oracle_run(&out, "openssl req -x509 -new -key '%s.key' -subj '/CN=Parent Root' "
			     "-days 30 -addext basicConstraints=critical,CA:FALSE -out '%s.pem' 2>&1",
		       oracle_path("root"), oracle_path(name)) != 0)
		fail_msg("%s", out);
	free(out);
}

/* install-cert's refusals of the chain file: missing, not a certificate, a
 * parent that is no CA; nothing installed (runs before the installation). */
static void test_install_chain_refusals(void **state)
{
	static const char junk[] = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
	char want[PATH_MAX + 64];

	(void)state;
	parent_root("root");
	sign_request("root", "sub", 1);
	assert_int_equal(install("sub", "no-such-chain"), -1);
	snprintf(want, sizeof want, "install-cert failed: cannot read %s.pem: No such file or "
		 "directory", oracle_path("no-such-chain"));
	assert_logged(want);
	assert_int_equal(oracle_write(oracle_path("junk.pem"), junk, sizeof junk - 1), 0);
	assert_int_equal(install("sub", "junk"), -1);
	assert_logged("install-cert failed: chain certificate 1 does not decode: ");
	parent_not_ca("notca");
	assert_int_equal(install("sub", "notca"), -1);
	assert_logged("install-cert failed: the parent 'CN=Parent Root' is not a valid CA "
			  "certificate now");
}

/* ---- the serving custodian's start-up check (ca_load) ------------------------ */

/* ca_load of dir with the PIN pin: its return, and err. */
static int load(const char *dir, const char *pin, int want_cert, char *err, size_t errlen)
{
	struct pin_source src = {-1, NULL};
	struct ca ca;
	int p[2], rc;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], pin, strlen(pin)), (ssize_t)strlen(pin));
	close(p[1]);
	src.fd = p[0];
	rc = ca_load(&ca, dir, &src, want_cert, err, errlen);
	close(p[0]);
	if (rc == 0)
		ca_close(&ca);
	return rc;
}

/* Before its certificate is installed (this test runs first). */
static void test_ca_load_refusals(void **state)
{
	char err[512], want[PATH_MAX + 128];

	(void)state;
	assert_int_not_equal(load(sub_dir, SOFTHSM_USER_PIN, 1, err, sizeof err), 0);
	snprintf(want, sizeof want, "the CA in %s is not active (state awaiting-cert): install "
		 "its certificate with `caadm install-cert` first", sub_dir);
	assert_string_equal(err, want);
	/* a subordinate waiting for its certificate loads for install-cert */
	assert_int_equal(load(sub_dir, SOFTHSM_USER_PIN, 0, err, sizeof err), 0);
	assert_int_not_equal(load(sub_dir, "wrong-pin-0000", 0, err, sizeof err), 0);
	snprintf(want, sizeof want, "cannot open token '%s' with %s: ", token.label,
		 SOFTHSM_MODULE);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("'%s' does not start with '%s'", err, want);
	assert_int_not_equal(load("/nonexistent/ca", SOFTHSM_USER_PIN, 0, err, sizeof err), 0);
	assert_non_null(strstr(err, "/nonexistent/ca/ca.conf"));
}

/* ---- the root ceremony and the token ----------------------------------------- */

static void test_root_refuses_to_overwrite(void **state)
{
	struct ceremony_opts o;
	int rc;

	(void)state;
	opts(&o, sub_dir);
	o.pin.fd = core_pin_fd();
	log_begin();
	rc = ceremony_root(&o);
	log_end_quiet();
	close(o.pin.fd);
	assert_int_equal(rc, -1);
	assert_logged("root ceremony failed: a CA already exists in ");
	assert_logged("; refusing to overwrite it");
}

static void test_root_bad_subject(void **state)
{
	struct ceremony_opts o;
	char dir[PATH_MAX];
	int rc;

	(void)state;
	softhsm_token_path(&token, "root2", dir, sizeof dir);
	opts(&o, dir);
	o.subject = "no equals sign";
	o.pin.fd = core_pin_fd();
	log_begin();
	rc = ceremony_root(&o);
	log_end_quiet();
	close(o.pin.fd);
	assert_int_equal(rc, -1);
	assert_logged("root ceremony failed: ");
}

/* The data directory: a path too long, or one that cannot be created. */
static void test_root_dir_refusals(void **state)
{
	struct ceremony_opts o;
	char dir[PATH_MAX + 8];
	int rc;

	(void)state;
	memset(dir, 'd', sizeof dir - 1);
	dir[0] = '/';
	dir[sizeof dir - 1] = 0;
	opts(&o, dir);
	log_begin();
	rc = ceremony_root(&o);
	log_end_quiet();
	assert_int_equal(rc, -1);
	assert_logged("root ceremony failed: data directory path too long");
	opts(&o, "/nonexistent/parent/ca");
	log_begin();
	rc = ceremony_root(&o);
	log_end_quiet();
	assert_int_equal(rc, -1);
	assert_logged("root ceremony failed: cannot create /nonexistent/parent/ca: No such "
			  "file or directory");
}

/* A root whose subject does not start with CN: the exchange certificate is
 * "CN=CA Exchange,<subject>"; one whose CN holds an escaped comma keeps it whole
 * ("<CN>-Xchg"). The pointers given are in ca.conf. */
static void check_xchg_subject(const char *dir, const char *want)
{
	char *out = NULL;

	if (oracle_run(&out, "openssl x509 -in '%s/xchg.crt' -noout -subject -nameopt RFC2253 "
			     "2>&1", dir) != 0)
		fail_msg("%s", out);
	if (strstr(out, want) == NULL)
		fail_msg("subject '%s' not in: %s", want, out);
	free(out);
}

static void test_root_xchg_names_and_pointers(void **state)
{
	struct ceremony_opts o;
	struct conf conf;
	char dir[PATH_MAX], path[PATH_MAX + 16], err[256];
	int rc;

	(void)state;
	softhsm_token_path(&token, "root3", dir, sizeof dir);
	opts(&o, dir);
	o.subject = "O=Example,CN=Odd Root";
	o.aia_url = "http://pki.example/ca.crt";
	o.ocsp_url = "http://ocsp.example/";
	o.pin.fd = core_pin_fd();
	log_begin();
	rc = ceremony_root(&o);
	log_end_quiet();
	close(o.pin.fd);
	if (rc != 0)
		fail_msg("%s", logged);
	check_xchg_subject(dir, "subject=CN=CA Exchange,O=Example,CN=Odd Root");
	snprintf(path, sizeof path, "%s/%s", dir, CA_CONF);
	assert_int_equal(conf_load(path, &conf, err, sizeof err), 0);
	assert_string_equal(conf_get(&conf, "aia_url"), "http://pki.example/ca.crt");
	assert_string_equal(conf_get(&conf, "ocsp_url"), "http://ocsp.example/");
	assert_null(conf_get(&conf, "cdp_url")); /* empty: not written */

	softhsm_token_path(&token, "root4", dir, sizeof dir);
	opts(&o, dir);
	o.subject = "CN=Root\\, Escaped,O=Example";
	o.pin.fd = core_pin_fd();
	log_begin();
	rc = ceremony_root(&o);
	log_end_quiet();
	close(o.pin.fd);
	if (rc != 0)
		fail_msg("%s", logged);
	check_xchg_subject(dir, "subject=CN=Root\\, Escaped-Xchg,O=Example");
}

/* token-init: no SO PIN to read, or a module that cannot be loaded: the log
 * says why, and it fails. */
static void test_token_init_refusals(void **state)
{
	struct pin_source so = {-1, oracle_path("no-such-pin-file")}, user = {core_pin_fd(), NULL};
	int rc;

	(void)state;
	log_begin();
	rc = ceremony_token_init(SOFTHSM_MODULE, "third", conf_path, &so, &user);
	log_end_quiet();
	close(user.fd);
	assert_int_equal(rc, -1);
	assert_logged("token-init: ");
	assert_logged("no-such-pin-file");

	so.file = NULL;
	so.fd = core_pin_fd();
	user.fd = core_pin_fd();
	log_begin();
	rc = ceremony_token_init("/nonexistent/module.so", "third", NULL, &so, &user);
	log_end_quiet();
	close(so.fd);
	close(user.fd);
	assert_int_equal(rc, -1);
	assert_logged("token-init: ");
	assert_logged("/nonexistent/module.so");
}

static void test_token_init(void **state)
{
	struct pin_source so = {-1, NULL}, user = {core_pin_fd(), NULL};
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], SOFTHSM_SO_PIN, strlen(SOFTHSM_SO_PIN)),
			 (ssize_t)strlen(SOFTHSM_SO_PIN));
	close(p[1]);
	so.fd = p[0];
	assert_int_equal(ceremony_token_init(SOFTHSM_MODULE, "second", conf_path, &so, &user), 0);
	close(so.fd);
	close(user.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_load_refusals), /* first: before the installation */
		cmocka_unit_test(test_install_chain_refusals), /* before the installation */
		cmocka_unit_test(test_refusals_then_install),
		cmocka_unit_test(test_root_refuses_to_overwrite),
		cmocka_unit_test(test_root_bad_subject),
		cmocka_unit_test(test_root_dir_refusals),
		cmocka_unit_test(test_root_xchg_names_and_pointers),
		cmocka_unit_test(test_token_init_refusals),
		cmocka_unit_test(test_token_init),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
