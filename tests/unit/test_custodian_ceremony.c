/* The custodian's key ceremonies in one process (firmware/custodian/ceremony.c):
 * a subordinate CA's keys and request made in a real SoftHSM token, its
 * certificate signed by a parent made with openssl (the independent side), and
 * install-cert's refusals, each with its exact message (the ceremony reports on
 * stderr, which the test captures), then the installation; a root ceremony that
 * would overwrite a CA; a token initialised. */
#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/custodian/ca.h"
#include "firmware/custodian/ceremony.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/p11kit_server.h"
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
static void sign_request_of(const char *dir, const char *parent, const char *out, int as_ca)
{
	char cmd[4 * PATH_MAX], ext[PATH_MAX];
	char *log = NULL;
	const char *text = as_ca ? "basicConstraints=critical,CA:TRUE\n"
				   "keyUsage=critical,keyCertSign,cRLSign\n"
				 : "basicConstraints=critical,CA:FALSE\n";

	snprintf(ext, sizeof ext, "%s", oracle_path("ext.cnf"));
	assert_int_equal(oracle_write(ext, text, strlen(text)), 0);
	snprintf(cmd, sizeof cmd, "openssl x509 -req -in '%s/ca.req' -CA '%s.pem' -CAkey '%s.key' "
		 "-set_serial 7 -days 20 -extfile '%s' -out '%s.pem' 2>&1", dir,
		 oracle_path(parent), oracle_path(parent), ext, oracle_path(out));
	if (oracle_run(&log, "%s", cmd) != 0)
		fail_msg("%s", log);
	free(log);
}

/* The group's subordinate's request (sub_dir). */
static void sign_request(const char *parent, const char *out, int as_ca)
{
	sign_request_of(sub_dir, parent, out, as_ca);
}

/* install-cert into dir of <cert>.pem with <chain>.pem (NULL: none), the PIN read
 * from pin_fd (closed): its return; what it said in logged[]. */
static int install_into(const char *dir, const char *cert, const char *chain, int pin_fd)
{
	struct pin_source pin = {pin_fd, NULL};
	char cert_path[PATH_MAX], chain_path[PATH_MAX];
	int rc;

	snprintf(cert_path, sizeof cert_path, "%s.pem", oracle_path(cert));
	if (chain != NULL)
		snprintf(chain_path, sizeof chain_path, "%s.pem", oracle_path(chain));
	log_begin();
	rc = ceremony_install_cert(dir, cert_path, chain != NULL ? chain_path : NULL, 14, &pin);
	log_end_quiet();
	close(pin.fd);
	return rc;
}

/* install-cert into the group's subordinate with the right PIN. */
static int install(const char *cert, const char *chain)
{
	return install_into(sub_dir, cert, chain, core_pin_fd());
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

/* ---- the HSM and the files failing under the ceremony ------------------------ */

/* A descriptor that yields pin and then EOF. */
static int pin_fd(const char *pin)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], pin, strlen(pin)), (ssize_t)strlen(pin));
	close(p[1]);
	return p[0];
}

/* The ceremony (root or subordinate) with o, the PIN from pin_fd (closed): its
 * return, what it said in logged[]. */
static int run_ceremony(int root, struct ceremony_opts *o, int fd)
{
	int rc;

	o->pin.fd = fd;
	log_begin();
	rc = root ? ceremony_root(o) : ceremony_subordinate(o);
	log_end_quiet();
	close(fd);
	return rc;
}

/* Nothing recorded: no ca.conf in dir. */
static void assert_no_ca(const char *dir)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/%s", dir, CA_CONF);
	if (access(path, F_OK) == 0)
		fail_msg("%s exists after a failed ceremony", path);
}

/* root ignores file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER); the
 * custodian runs as its own user, to whom a read-only directory is read-only.
 * on = 0 takes those capabilities out of this thread's effective set (the
 * ceremony's PKCS#11 calls run on the calling thread), on = 1 puts them back
 * (they stay permitted). Nothing to do when the tests do not run as root. */
static void file_caps(int on)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	const uint32_t mask = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH |
			      1u << CAP_FOWNER;

	if (geteuid() != 0)
		return;
	assert_int_equal(syscall(SYS_capget, &hdr, d), 0);
	d[0].effective = on ? d[0].effective | mask : d[0].effective & ~mask;
	assert_int_equal(syscall(SYS_capset, &hdr, d), 0);
}

/* The directory of the group's token (<dir>/tokens/<uuid>): SoftHSM keeps each
 * object of the token in a file there. */
static void token_dir(char *buf, size_t size)
{
	char tokens[PATH_MAX];
	struct dirent *e;
	DIR *d;

	softhsm_token_path(&token, "tokens", tokens, sizeof tokens);
	assert_non_null(d = opendir(tokens));
	while ((e = readdir(d)) != NULL) {
		char conf_dir[PATH_MAX + 300], label[64] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(conf_dir, sizeof conf_dir, "%s/%s/token.object", tokens, e->d_name);
		/* the token's label is in its token.object; the group has two tokens
		 * once test_token_init ran, so pick by label */
		if ((f = fopen(conf_dir, "rb")) != NULL) {
			char blob[4096];
			size_t n = fread(blob, 1, sizeof blob, f);

			fclose(f);
			if (memmem(blob, n, token.label, strlen(token.label)) != NULL)
				snprintf(label, sizeof label, "%s", token.label);
		}
		if (*label) {
			snprintf(buf, size, "%s/%s", tokens, e->d_name);
			closedir(d);
			return;
		}
	}
	closedir(d);
	fail_msg("no directory for token '%s' under %s", token.label, tokens);
}

/* What the operator gets wrong at the token, and what the token refuses: each
 * stops the ceremony before anything is written, with the layer's reason. */
static void test_root_token_refusals(void **state)
{
	struct ceremony_opts o;
	char dir[PATH_MAX], empty[PATH_MAX], econf[PATH_MAX], want[PATH_MAX + 256];
	char text[PATH_MAX + 128];

	(void)state;
	softhsm_token_path(&token, "root-refused", dir, sizeof dir);
	opts(&o, dir);
	assert_int_equal(run_ceremony(1, &o, pin_fd("wrong-pin-0000")), -1);
	snprintf(want, sizeof want, "root ceremony failed: cannot open token '%s' with %s: "
		 "C_Login: CKR_PIN_INCORRECT (0xa0)", token.label, SOFTHSM_MODULE);
	assert_logged(want);
	assert_no_ca(dir);

	/* no token of that label (a token absent, or named wrong) */
	opts(&o, dir);
	o.token = "absent-token";
	assert_int_equal(run_ceremony(1, &o, core_pin_fd()), -1);
	snprintf(want, sizeof want, "root ceremony failed: cannot open token 'absent-token' "
		 "with %s: no token labelled \"absent-token\"", SOFTHSM_MODULE);
	assert_logged(want);

	/* a SoftHSM whose token directory is empty: only the uninitialised slot,
	 * which is never taken for the CA's token */
	softhsm_token_path(&token, "empty-tokens", empty, sizeof empty);
	assert_int_equal(mkdir(empty, 0700), 0);
	softhsm_token_path(&token, "empty.conf", econf, sizeof econf);
	snprintf(text, sizeof text, "directories.tokendir = %s\nobjectstore.backend = file\n",
		 empty);
	assert_int_equal(oracle_write(econf, text, strlen(text)), 0);
	opts(&o, dir);
	o.softhsm2_conf = econf;
	assert_int_equal(run_ceremony(1, &o, core_pin_fd()), -1);
	snprintf(want, sizeof want, "root ceremony failed: cannot open token '%s' with %s: no "
		 "token labelled \"%s\"", token.label, SOFTHSM_MODULE, token.label);
	assert_logged(want);
	setenv("SOFTHSM2_CONF", conf_path, 1);

	/* a key the layer refuses to generate */
	opts(&o, dir);
	o.key.type = HSM_KEY_RSA;
	o.key.bits = 1024;
	assert_int_equal(run_ceremony(1, &o, core_pin_fd()), -1);
	assert_logged("root ceremony failed: key generation failed: RSA-1024 not supported "
		      "(2048, 3072, 4096)");
	o.key.type = HSM_KEY_EC;
	o.key.bits = 521;
	assert_int_equal(run_ceremony(1, &o, core_pin_fd()), -1);
	assert_logged("root ceremony failed: key generation failed: EC-521 not supported "
		      "(256, 384)");
	assert_no_ca(dir);
}

/* A token that cannot hold another object: SoftHSM stores each object as a file
 * in the token's directory, made read-only here. The login passes, the key's
 * generation fails with the module's code, nothing is recorded. */
static void test_root_token_full(void **state)
{
	struct ceremony_opts o;
	char dir[PATH_MAX], tdir[PATH_MAX];
	int rc;

	(void)state;
	token_dir(tdir, sizeof tdir);
	softhsm_token_path(&token, "root-full", dir, sizeof dir);
	opts(&o, dir);
	assert_int_equal(chmod(tdir, 0500), 0);
	file_caps(0);
	rc = run_ceremony(1, &o, core_pin_fd());
	file_caps(1);
	assert_int_equal(chmod(tdir, 0700), 0);
	assert_int_equal(rc, -1);
	assert_logged("root ceremony failed: key generation failed: C_GenerateKeyPair: "
		      "CKR_GENERAL_ERROR (0x5)");
	assert_no_ca(dir);
	/* the same token takes the keys again once it can */
	softhsm_token_path(&token, "root-after-full", dir, sizeof dir);
	opts(&o, dir);
	assert_int_equal(run_ceremony(1, &o, core_pin_fd()), 0);
}

/* mkdir of dir/name (a directory where the ceremony writes a file). */
static void in_the_way(const char *dir, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
}

/* A ceremony (root or subordinate) in a fresh data directory <name> where
 * <in_way> is a directory: it fails naming <file> it could not write, and no
 * ca.conf says a CA exists. */
static void ceremony_blocked(int root, const char *name, const char *in_way, const char *file)
{
	struct ceremony_opts o;
	char dir[PATH_MAX], want[PATH_MAX + 128];

	softhsm_token_path(&token, name, dir, sizeof dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	in_the_way(dir, in_way);
	opts(&o, dir);
	assert_int_equal(run_ceremony(root, &o, core_pin_fd()), -1);
	snprintf(want, sizeof want, "%s ceremony failed: cannot write %s/%s: Is a directory",
		 root ? "root" : "subordinate", dir, file);
	assert_logged(want);
	assert_no_ca(dir);
}

/* Each file the root ceremony writes, failing in turn: the message names the
 * file and the reason, and no ca.conf says a CA exists (the keys made are left
 * on the token under their unique labels; a new ceremony makes new ones). */
static void test_root_write_failures(void **state)
{
	struct ceremony_opts o;
	char dir[PATH_MAX], want[PATH_MAX + 128], tmp[64];
	int rc;

	(void)state;
	/* the data directory read-only: the CA certificate cannot be written */
	softhsm_token_path(&token, "root-ro", dir, sizeof dir);
	assert_int_equal(mkdir(dir, 0500), 0);
	opts(&o, dir);
	file_caps(0);
	rc = run_ceremony(1, &o, core_pin_fd());
	file_caps(1);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof want, "root ceremony failed: cannot write %s/ca.crt: Permission "
		 "denied", dir);
	assert_logged(want);
	assert_no_ca(dir);

	/* the chain, the exchange certificate, ca.conf itself (its temporary file) */
	ceremony_blocked(1, "root-chain", CA_CHAIN_FILE, "ca-chain.pem");
	ceremony_blocked(1, "root-xchg", CA_XCHG_FILE, "xchg.crt");
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", CA_CONF, (long)getpid());
	ceremony_blocked(1, "root-conf", tmp, "ca.conf");
}

/* A pointer that would write a second line into ca.conf (a hostile or careless
 * operator's "http://x\nstate = active"): refused, nothing recorded. */
static void test_root_conf_injection(void **state)
{
	struct ceremony_opts o;
	char dir[PATH_MAX];

	(void)state;
	softhsm_token_path(&token, "root-inject", dir, sizeof dir);
	opts(&o, dir);
	o.cdp_url = "http://pki.example/ca.crl\nmodule = /tmp/evil.so";
	assert_int_equal(run_ceremony(1, &o, core_pin_fd()), -1);
	assert_logged("root ceremony failed: invalid value for the CA state file");
	assert_no_ca(dir);
	opts(&o, dir);
	o.ocsp_url = "http://ocsp.example/\r";
	assert_int_equal(run_ceremony(1, &o, core_pin_fd()), -1);
	assert_logged("root ceremony failed: invalid value for the CA state file");
	assert_no_ca(dir);
}

/* The subordinate ceremony's own failures: a bad subject, a refused key, a
 * wrong PIN, the request not written (its copy for the operator or ca.req). */
static void test_sub_failures(void **state)
{
	struct ceremony_opts o;
	char dir[PATH_MAX], want[PATH_MAX + 256];

	(void)state;
	softhsm_token_path(&token, "sub-refused", dir, sizeof dir);
	opts(&o, dir);
	o.subject = "no equals sign";
	assert_int_equal(run_ceremony(0, &o, core_pin_fd()), -1);
	assert_logged("subordinate ceremony failed: ");
	opts(&o, dir);
	o.key.type = HSM_KEY_RSA;
	o.key.bits = 1536;
	assert_int_equal(run_ceremony(0, &o, core_pin_fd()), -1);
	assert_logged("subordinate ceremony failed: key generation failed: RSA-1536 not "
		      "supported (2048, 3072, 4096)");
	opts(&o, dir);
	assert_int_equal(run_ceremony(0, &o, pin_fd("wrong-pin-0000")), -1);
	snprintf(want, sizeof want, "subordinate ceremony failed: cannot open token '%s' with "
		 "%s: C_Login: CKR_PIN_INCORRECT (0xa0)", token.label, SOFTHSM_MODULE);
	assert_logged(want);
	opts(&o, dir);
	o.req_out = "/nonexistent/dir/issuing.req";
	assert_int_equal(run_ceremony(0, &o, core_pin_fd()), -1);
	assert_logged("subordinate ceremony failed: cannot write /nonexistent/dir/issuing.req: "
		      "No such file or directory");
	assert_no_ca(dir);
	ceremony_blocked(0, "sub-req", CA_REQ_FILE, "ca.req");
}

/* A self-signed CA <name> (key <name>.key, cert <name>.pem) named cn. */
static void self_signed(const char *name, const char *cn)
{
	char *out = NULL;

	if (oracle_run(&out, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
			     "-nodes -keyout '%s.key' -subj '/CN=%s' -days 30 "
			     "-addext basicConstraints=critical,CA:TRUE "
			     "-addext keyUsage=critical,keyCertSign,cRLSign -out '%s.pem'",
		       oracle_path(name), cn, oracle_path(name)) != 0)
		fail_msg("%s", out);
	free(out);
}

/* A CA certificate <out>.pem for key <key>.key and name cn, issued by <issuer>. */
static void cross(const char *out, const char *key, const char *cn, const char *issuer)
{
	char *log = NULL;
	const char *ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n";

	assert_int_equal(oracle_write(oracle_path("cross.cnf"), ext, strlen(ext)), 0);
	if (oracle_run(&log, "openssl req -new -key '%s.key' -subj '/CN=%s' -out '%s.csr' && "
			     "openssl x509 -req -in '%s.csr' -CA '%s.pem' -CAkey '%s.key' "
			     "-set_serial 9 -days 20 -extfile '%s' -out '%s.pem'",
		       oracle_path(key), cn, oracle_path(out), oracle_path(out),
		       oracle_path(issuer), oracle_path(issuer), oracle_path("cross.cnf"),
		       oracle_path(out)) != 0)
		fail_msg("%s", log);
	free(log);
}

/* <out>.pem: the certificates of the named files, one after the other. */
static void concat(const char *out, const char *a, const char *b)
{
	char *log = NULL;

	if (oracle_run(&log, "cat '%s.pem' '%s.pem' > '%s.pem'", oracle_path(a), oracle_path(b),
		       oracle_path(out)) != 0)
		fail_msg("%s", log);
	free(log);
}

/* <out>.pem: <in>.pem as DER with the last octet of its signature changed. */
static void broken_signature(const char *in, const char *out)
{
	struct x509_buf der = {0};
	char *log = NULL, path[PATH_MAX + 8];

	if (oracle_run(&log, "openssl x509 -in '%s.pem' -outform DER -out '%s.der'",
		       oracle_path(in), oracle_path(out)) != 0)
		fail_msg("%s", log);
	free(log);
	snprintf(path, sizeof path, "%s.der", oracle_path(out));
	assert_int_equal(oracle_read(path, &der), 0);
	der.data[der.len - 1] ^= 0x01;
	snprintf(path, sizeof path, "%s.pem", oracle_path(out));
	assert_int_equal(oracle_write_pem(path, "CERTIFICATE", &der), 0);
	x509_buf_free(&der);
}

/* ca.conf's state in dir. */
static void assert_state(const char *dir, const char *want)
{
	char path[PATH_MAX + 16], err[256];
	struct conf conf;

	snprintf(path, sizeof path, "%s/%s", dir, CA_CONF);
	assert_int_equal(conf_load(path, &conf, err, sizeof err), 0);
	assert_string_equal(conf_get(&conf, "state"), want);
}

/* install-cert of sub2.pem (chain root2.pem) into dir where <in_way> is a
 * directory: it fails, saying "cannot write dir/<said>"; then in_way goes. */
static void install_blocked(const char *dir, const char *in_way, const char *said)
{
	char want[PATH_MAX + 256], path[PATH_MAX + 64];

	in_the_way(dir, in_way);
	assert_int_equal(install_into(dir, "sub2", "root2", core_pin_fd()), -1);
	snprintf(want, sizeof want, "install-cert failed: cannot write %s/%s", dir, said);
	assert_logged(want);
	snprintf(path, sizeof path, "%s/%s", dir, in_way);
	assert_int_equal(rmdir(path), 0);
}

/* install-cert against a second subordinate: a wrong PIN, a certificate file
 * missing or holding none, a hostile chain that loops (X issued by Y, Y by X:
 * every signature verifies, no root is ever reached), a root whose
 * self-signature is broken, and each file install-cert writes failing; the CA
 * stays awaiting its certificate through all of them, then is installed. */
static void test_install_failures(void **state)
{
	struct ceremony_opts o;
	char dir[PATH_MAX], want[PATH_MAX + 256], tmp[64];
	static const char text[] = "not a certificate\n";

	(void)state;
	softhsm_token_path(&token, "sub2", dir, sizeof dir);
	opts(&o, dir);
	o.subject = "CN=Issuing CA 2,O=Example";
	assert_int_equal(run_ceremony(0, &o, core_pin_fd()), 0);

	parent_root("root2");
	sign_request_of(dir, "root2", "sub2", 1);
	assert_int_equal(install_into(dir, "sub2", "root2", pin_fd("wrong-pin-0000")), -1);
	snprintf(want, sizeof want, "install-cert failed: cannot open token '%s' with %s: "
		 "C_Login: CKR_PIN_INCORRECT (0xa0)", token.label, SOFTHSM_MODULE);
	assert_logged(want);

	assert_int_equal(install_into(dir, "no-such-cert", "root2", core_pin_fd()), -1);
	snprintf(want, sizeof want, "install-cert failed: cannot read %s.pem: No such file or "
		 "directory", oracle_path("no-such-cert"));
	assert_logged(want);
	assert_int_equal(oracle_write(oracle_path("text.pem"), text, sizeof text - 1), 0);
	assert_int_equal(install_into(dir, "text", "root2", core_pin_fd()), -1);
	snprintf(want, sizeof want, "install-cert failed: %s.pem holds no certificate (PEM or "
		 "DER expected)", oracle_path("text"));
	assert_logged(want);
	assert_int_equal(install_into(dir, "sub2", "text", core_pin_fd()), -1);
	assert_logged(want);

	/* the loop: X0 and Y0 self-signed give the keys; X (key X, issuer Y) and Y
	 * (key Y, issuer X) form the chain; the subordinate is issued by X */
	self_signed("loopx0", "Loop X");
	self_signed("loopy0", "Loop Y");
	cross("loopx", "loopx0", "Loop X", "loopy0");
	cross("loopy", "loopy0", "Loop Y", "loopx0");
	concat("loop", "loopx", "loopy");
	sign_request_of(dir, "loopx0", "sub2-loop", 1);
	assert_int_equal(install_into(dir, "sub2-loop", "loop", core_pin_fd()), -1);
	assert_logged("install-cert failed: the chain is longer than 10 certificates");

	broken_signature("root2", "root2-broken");
	assert_int_equal(install_into(dir, "sub2", "root2-broken", core_pin_fd()), -1);
	assert_logged("install-cert failed: the root's self-signature does not verify");
	assert_state(dir, "awaiting-cert");

	/* the files: ca.crt, the chain, the exchange certificate, ca.conf */
	install_blocked(dir, CA_CERT_FILE, "ca.crt: Is a directory");
	install_blocked(dir, CA_CHAIN_FILE, "ca-chain.pem");
	install_blocked(dir, CA_XCHG_FILE, "xchg.crt: Is a directory");
	assert_state(dir, "awaiting-cert");
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", CA_CONF, (long)getpid());
	install_blocked(dir, tmp, "ca.conf: Is a directory");
	assert_state(dir, "awaiting-cert");

	assert_int_equal(install_into(dir, "sub2", "root2", core_pin_fd()), 0);
	assert_state(dir, "active");
}

/* token-init: the user PIN unreadable, a label already taken (a second token
 * of that label would make every open refuse both). */
static void test_token_init_more_refusals(void **state)
{
	struct pin_source so = {-1, NULL}, user = {-1, oracle_path("no-such-user-pin")};
	char want[128];
	int rc;

	(void)state;
	so.fd = pin_fd(SOFTHSM_SO_PIN);
	log_begin();
	rc = ceremony_token_init(SOFTHSM_MODULE, "fourth", conf_path, &so, &user);
	log_end_quiet();
	close(so.fd);
	assert_int_equal(rc, -1);
	assert_logged("token-init: ");
	assert_logged("no-such-user-pin");

	so.fd = pin_fd(SOFTHSM_SO_PIN);
	user.file = NULL;
	user.fd = core_pin_fd();
	log_begin();
	rc = ceremony_token_init(SOFTHSM_MODULE, token.label, conf_path, &so, &user);
	log_end_quiet();
	close(so.fd);
	close(user.fd);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof want, "token-init: a token labelled \"%s\" exists", token.label);
	assert_logged(want);
}

/* ---- the HSM lost in the middle of a ceremony -------------------------------- */

/* Kills the server's group when the token's first new object file appears
 * (the ceremony's first key is on the token): what follows in the ceremony
 * meets an HSM that is gone. */
struct killer {
	int fd;      /* inotify on the token's directory, watched before the start */
	pid_t pgid;  /* the server's group */
	int fired;
};

static void *kill_at_first_object(void *arg)
{
	struct killer *k = arg;
	struct pollfd p = {k->fd, POLLIN, 0};
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	while (!k->fired && poll(&p, 1, 20000) > 0) {
		ssize_t n = read(k->fd, buf, sizeof buf);

		for (char *at = buf; n > 0 && at < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)at;
			size_t len = e->len > 0 ? strlen(e->name) : 0;

			if (len > 7 && strcmp(e->name + len - 7, ".object") == 0 &&
			    strcmp(e->name, "token.object") != 0) {
				kill(-k->pgid, SIGKILL);
				k->fired = 1;
				break;
			}
			at += sizeof(*e) + e->len;
		}
	}
	return NULL;
}

/* The ceremony (root or not) through p11-kit-client.so, the server killed once
 * its first key's objects appear on the token: the ceremony fails with the
 * layer's reason and nothing says a CA exists. Which call meets the dead server
 * is timing's: in our runs the key generation itself, whose answer the kill cuts
 * ("C_GenerateKeyPair: CKR_DEVICE_ERROR (0x30); recovery failed: ..."). */
static void ceremony_hsm_lost(int root, const char *name)
{
	struct ceremony_opts o;
	struct killer k = {-1, 0, 0};
	char dir[PATH_MAX], sock[PATH_MAX], addr[PATH_MAX + 16], tdir[PATH_MAX], want[64];
	pthread_t t;
	pid_t srv;
	int rc;

	softhsm_token_path(&token, name, dir, sizeof dir);
	softhsm_token_path(&token, "p11.sock", sock, sizeof sock);
	snprintf(addr, sizeof addr, "unix:path=%s", sock);
	token_dir(tdir, sizeof tdir);
	p11kit_server_start(sock, token.label, &srv);
	setenv("P11_KIT_SERVER_ADDRESS", addr, 1);
	assert_true((k.fd = inotify_init1(IN_CLOEXEC)) >= 0);
	assert_true(inotify_add_watch(k.fd, tdir, IN_CREATE | IN_MOVED_TO) >= 0);
	k.pgid = srv;
	assert_int_equal(pthread_create(&t, NULL, kill_at_first_object, &k), 0);
	opts(&o, dir);
	o.module = P11KIT_CLIENT;
	rc = run_ceremony(root, &o, core_pin_fd());
	k.fired = 1; /* the thread stops at its next wake-up, or its poll's end */
	kill(-srv, SIGKILL);
	pthread_join(t, NULL);
	(void)waitpid(srv, NULL, 0);
	close(k.fd);
	unsetenv("P11_KIT_SERVER_ADDRESS");
	assert_int_equal(rc, -1);
	snprintf(want, sizeof want, "%s ceremony failed: ", root ? "root" : "subordinate");
	assert_logged(want);
	assert_no_ca(dir);
}

static void test_hsm_lost_mid_ceremony(void **state)
{
	(void)state;
	if (access(P11KIT_BIN, X_OK) != 0 || access(P11KIT_CLIENT, R_OK) != 0)
		skip();
	signal(SIGPIPE, SIG_IGN); /* as ca-custodian does: p11-kit-client writes to a
				   * dead server without MSG_NOSIGNAL */
	ceremony_hsm_lost(1, "root-lost");
	ceremony_hsm_lost(0, "sub-lost");
}

/* The exchange certificate is named "<CN>-Xchg": a CN of 60..64 characters (a
 * valid subject) leaves no room for it. Refused before any key is made, the
 * message saying why (before, the root ceremony failed after writing ca.crt,
 * and a subordinate's install-cert failed every time, after the parent had
 * signed). 59 characters fit: the exchange certificate says CN=<59>-Xchg. */
static void test_cn_without_room_for_xchg(void **state)
{
	char cn59[60], cn60[61], subject[128], dir[PATH_MAX], path[PATH_MAX + 16];
	char want[256];
	struct ceremony_opts o;

	(void)state;
	memset(cn59, 'r', 59);
	cn59[59] = 0;
	memset(cn60, 's', 60);
	cn60[60] = 0;
	snprintf(want, sizeof want, "the exchange certificate's name (the CA's CN and -Xchg) "
		 "cannot be made: name: CN: value longer than 64 characters; a CN of at most "
		 "59 characters leaves room for it");
	for (int root = 1; root >= 0; root--) {
		char line[300];

		softhsm_token_path(&token, root ? "root-cn60" : "sub-cn60", dir, sizeof dir);
		opts(&o, dir);
		snprintf(subject, sizeof subject, "CN=%s,O=Example", cn60);
		o.subject = subject;
		assert_int_equal(run_ceremony(root, &o, core_pin_fd()), -1);
		snprintf(line, sizeof line, "%s ceremony failed: %s", root ? "root" : "subordinate",
			 want);
		assert_logged(line);
		if (strstr(logged, "generated") != NULL)
			fail_msg("a key was made before the refusal:\n%s", logged);
		snprintf(path, sizeof path, "%s/%s", dir, root ? CA_CERT_FILE : CA_REQ_FILE);
		assert_int_not_equal(access(path, F_OK), 0);
		assert_no_ca(dir);
	}
	softhsm_token_path(&token, "root-cn59", dir, sizeof dir);
	opts(&o, dir);
	snprintf(subject, sizeof subject, "CN=%s,O=Example", cn59);
	o.subject = subject;
	if (run_ceremony(1, &o, core_pin_fd()) != 0)
		fail_msg("%s", logged);
	snprintf(want, sizeof want, "subject=CN=%s-Xchg,O=Example", cn59);
	check_xchg_subject(dir, want);
	/* a CN first in a multi-valued RDN (DER orders the set: the shorter
	 * encoding first): -Xchg goes after the CN's value, the O stays */
	softhsm_token_path(&token, "root-plus", dir, sizeof dir);
	opts(&o, dir);
	o.subject = "CN=R+O=Example Org";
	if (run_ceremony(1, &o, core_pin_fd()) != 0)
		fail_msg("%s", logged);
	check_xchg_subject(dir, "CN=R-Xchg");
	check_xchg_subject(dir, "O=Example Org");
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
		cmocka_unit_test(test_root_token_refusals),
		cmocka_unit_test(test_root_token_full),
		cmocka_unit_test(test_root_write_failures),
		cmocka_unit_test(test_root_conf_injection),
		cmocka_unit_test(test_sub_failures),
		cmocka_unit_test(test_install_failures),
		cmocka_unit_test(test_token_init_more_refusals),
		cmocka_unit_test(test_hsm_lost_mid_ceremony),
		cmocka_unit_test(test_cn_without_room_for_xchg),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
