/* The custodian's paths the channel's own suite (test_custodian_submit) does not
 * reach, on the in-process core (support/core_harness.c: a real SoftHSM token, the
 * ceremony's CA, a real ledger, the custodian's service):
 * - ca.c: the HSM's sessions lost and reopened, the token away and back (the
 *   requester's answer, what the log says), and every refusal of ca_load with its
 *   exact message;
 * - authlog.c: the budget's table full, the least recently seen burst giving way
 *   with its count journaled;
 * - crlpub.c: the automatic publication thread;
 * - officer.c: requested and officer's extensions merged, too many extensions,
 *   a refused request's details, revocation's refusals;
 * - submit.c: cust_reply_error's cut of a long message at a UTF-8 boundary. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/ca.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/submit.h"
#include "firmware/ledger/event.h"
#include "hsm/hsm.h"
#include "hsm/internal.h"
#include "platform/service.h"
#include "tests/unit/support/core_fixture.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

#define ALICE "EXAMPLE\\alice"

/* ---- stderr, where the custodian logs -------------------------------------- */

struct captured {
	int saved, fd;
	char path[64];
};

static void capture_start(struct captured *c)
{
	snprintf(c->path, sizeof(c->path), "/tmp/custodian-core-log-XXXXXX");
	c->fd = mkstemp(c->path);
	assert_true(c->fd >= 0);
	fflush(stderr);
	c->saved = dup(2);
	assert_true(c->saved >= 0);
	assert_int_equal(dup2(c->fd, 2), 2);
}

/* What was logged meanwhile (the caller frees it); stderr is restored. */
static char *capture_end(struct captured *c)
{
	char *text = calloc(1, 65536);
	ssize_t n;

	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	assert_non_null(text);
	n = pread(c->fd, text, 65535, 0);
	assert_true(n >= 0);
	close(c->fd);
	unlink(c->path);
	fputs(text, stderr); /* still shown */
	return text;
}

static void expect_line(const char *log, const char *prefix)
{
	if (strstr(log, prefix) == NULL)
		fail_msg("no log line '%s' in:\n%s", prefix, log);
}

/* ---- the HSM: sessions lost, the token away and back ------------------------ */

/* A request for a client certificate, submitted by ALICE: the answer in *a. */
static void submit_one(struct core_answer *a)
{
	struct x509_buf csr;
	struct core_who who;

	assert_int_equal(core_csr("CN=host1.example", "p256", "host1", "host1", &csr), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, a), 0);
	x509_buf_free(&csr);
}

static void expect_issued(void)
{
	struct core_answer a;

	submit_one(&a);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_ISSUED);
	assert_int_equal(a.result.hresult, 0);
	assert_int_not_equal(a.result.cert_len, 0);
	core_answer_free(&a);
}

/* Every session closed behind the layer's back (a network HSM restarted): the
 * next request is issued all the same, and the log says the sessions were
 * reopened and logged in again. */
static void test_sessions_lost_are_reopened(void **state)
{
	CK_FUNCTION_LIST *f = hsm_test_functions(core.ca.hsm);
	CK_SLOT_ID slot;
	CK_SESSION_INFO info;
	struct captured cap;
	char *log;

	(void)state;
	assert_int_equal(f->C_GetSessionInfo(hsm_test_session(core.ca.hsm, 0), &info), CKR_OK);
	slot = info.slotID;
	assert_int_equal(f->C_CloseAllSessions(slot), CKR_OK);
	capture_start(&cap);
	expect_issued();
	log = capture_end(&cap);
	expect_line(log, "ca: HSM sessions reopened and logged in again after ");
	free(log);
}

/* The token's files gone and a device error seen: the recovery fails, the log
 * says the HSM is unavailable; a request meanwhile is answered at once, recorded
 * failed with NTE_FAIL ("HSM unavailable: ..."); once the token is back, the next
 * request past the back-off is issued and the log says the HSM is back. */
static void test_hsm_away_then_back(void **state)
{
	char dir[PATH_MAX], away[PATH_MAX];
	struct hsm_err herr;
	struct core_answer a;
	struct captured cap;
	char *log;

	(void)state;
	softhsm_token_path(&ca_template.token, "tokens", dir, sizeof(dir));
	softhsm_token_path(&ca_template.token, "tokens.away", away, sizeof(away));
	assert_int_equal(rename(dir, away), 0);
	capture_start(&cap);
	assert_int_equal(hsm_pool_recover(core.ca.hsm, core.ca.hsm->generation, CKR_DEVICE_ERROR,
					  &herr),
			 HSM_EUNAVAIL);
	submit_one(&a);
	assert_int_equal(rename(away, dir), 0);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_FAILED);
	assert_int_equal(a.result.hresult, HR_NTE_FAIL);
	if (strncmp(a.result.message, "HSM unavailable: ", 17) != 0)
		fail_msg("message: %s", a.result.message);
	assert_int_equal(a.result.cert_len, 0);
	core_answer_free(&a);

	sleep_ms(300); /* past the first back-off (100 ms) */
	expect_issued();
	/* (the log kept all along: another thread of the custodian may be the one
	 * that finds the HSM back) */
	log = capture_end(&cap);
	expect_line(log, "ca: warning: HSM unavailable (1 failed reconnection): ");
	expect_line(log, "; requests fail with NTE_FAIL until it is back");
	/* one failed reconnection, or two when the request came after the first
	 * back-off on a busy machine */
	{
		const char *line = strstr(log, "ca: HSM back after ");
		unsigned n = 0;
		char tail[128] = "";

		assert_non_null(line);
		assert_int_equal(sscanf(line, "ca: HSM back after %u failed %127[^\n]", &n, tail),
				 2);
		assert_true(n == 1 || n == 2);
		assert_string_equal(tail, n == 1 ? "reconnection: sessions reopened, logged in again"
						 : "reconnections: sessions reopened, logged in "
						   "again");
	}
	free(log);
}

/* ---- ca_load's refusals --------------------------------------------------- */

static char load_dir[PATH_MAX];
static char conf_text[4096];

/* A copy of the template's data directory (its files only: ca_load reads
 * ca.conf, the token through it, and ca.crt). */
static int setup_load(void **state)
{
	char cmd[2 * PATH_MAX + 32], path[PATH_MAX + 16];
	FILE *f;
	size_t n;

	(void)state;
	snprintf(load_dir, sizeof(load_dir), "/tmp/custodian-load-XXXXXX");
	if (mkdtemp(load_dir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -a '%s'/. '%s'/", ca_template.dir, load_dir);
	if (system(cmd) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/ca.conf", load_dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(conf_text, 1, sizeof(conf_text) - 1, f);
	conf_text[n] = 0;
	fclose(f);
	return 0;
}

static int teardown_load(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", load_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ca.conf as the template's, with key's line dropped, and each "key=value" of
 * add appended (NULL-terminated). */
static void write_conf(const char *drop, const char *const *add)
{
	char path[PATH_MAX + 16], line[1024];
	const char *p = conf_text;
	FILE *f;

	snprintf(path, sizeof(path), "%s/ca.conf", load_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	while (*p) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (drop == NULL || strncmp(line, drop, strlen(drop)) != 0 ||
		    strchr(" =", line[strlen(drop)]) == NULL)
			fprintf(f, "%s\n", line);
		p += n + (p[n] == '\n');
	}
	for (size_t i = 0; add != NULL && add[i] != NULL; i++)
		fprintf(f, "%s\n", add[i]);
	fclose(f);
}

/* ca_load of load_dir: rc, and its message in err. */
static int load(int want_cert, char *err, size_t errlen)
{
	struct ca ca;
	struct pin_source pin = {.fd = core_pin_fd(), .file = NULL};
	int rc;

	assert_true(pin.fd >= 0);
	err[0] = 0;
	rc = ca_load(&ca, load_dir, &pin, want_cert, err, errlen);
	close(pin.fd);
	if (rc == 0)
		ca_close(&ca);
	return rc;
}

static void expect_refused(int want_cert, const char *want)
{
	char err[1024];

	assert_int_equal(load(want_cert, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void expect_refused_prefix(int want_cert, const char *want)
{
	char err[1024];

	assert_int_equal(load(want_cert, err, sizeof(err)), -1);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("err: '%s', not starting with '%s'", err, want);
}

/* The template as it is loads; so does a pool size in range. */
static void test_load_accepts(void **state)
{
	static const char *const pool[] = {"hsm_pool_size=2", NULL};
	char err[1024];

	(void)state;
	write_conf(NULL, NULL);
	assert_int_equal(load(1, err, sizeof(err)), 0);
	write_conf("hsm_pool_size", pool);
	assert_int_equal(load(1, err, sizeof(err)), 0);
}

static void test_load_conf_refusals(void **state)
{
	static const char *const pool0[] = {"hsm_pool_size=0", NULL};
	static const char *const pool65[] = {"hsm_pool_size=65", NULL};
	static const char *const pending[] = {"state=pending", NULL};
	char want[PATH_MAX + 128], dir[PATH_MAX + 8];
	struct ca ca;
	struct pin_source nopin = {.fd = -1, .file = NULL};

	(void)state;
	/* a data directory whose path does not fit */
	memset(dir, 'd', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = 0;
	assert_int_equal(ca_load(&ca, dir, &nopin, 1, want, sizeof(want)), -1);
	assert_string_equal(want, "data directory path too long");

	snprintf(want, sizeof(want), "%s/ca.conf lacks state, module or token", load_dir);
	write_conf("state", NULL);
	expect_refused(1, want);
	write_conf("module", NULL);
	expect_refused(1, want);
	write_conf("token", NULL);
	expect_refused(1, want);

	write_conf("state", pending);
	snprintf(want, sizeof(want), "the CA in %s is not active (state pending): install its "
		 "certificate with `caadm install-cert` first", load_dir);
	expect_refused(1, want);

	write_conf("hsm_pool_size", pool0);
	expect_refused(1, "ca.conf: hsm_pool_size must be 1..64, not '0'");
	write_conf("hsm_pool_size", pool65);
	expect_refused(1, "ca.conf: hsm_pool_size must be 1..64, not '65'");
}

static void test_load_key_refusals(void **state)
{
	static const char *const bad_hex[] = {"sign_key_id=zz", NULL};
	static const char *const absent[] = {"sign_key_id=0102", NULL};
	static const char *const xchg_absent[] = {"xchg_key_id=0a0b", NULL};
	static const char *const token[] = {"token=no-such-token", NULL};
	char want[PATH_MAX + 256];

	(void)state;
	write_conf("sign_key_id", NULL);
	snprintf(want, sizeof(want), "%s/ca.conf: missing or invalid sign_key_id", load_dir);
	expect_refused(1, want);
	write_conf("sign_key_id", bad_hex);
	expect_refused(1, want);
	write_conf("sign_key_id", absent);
	snprintf(want, sizeof(want), "the key sign_key_id=0102 named in %s/ca.conf is not on "
		 "the token: ", load_dir);
	expect_refused_prefix(1, want);
	write_conf("xchg_key_id", xchg_absent);
	snprintf(want, sizeof(want), "the key xchg_key_id=0a0b named in %s/ca.conf is not on "
		 "the token: ", load_dir);
	expect_refused_prefix(1, want);
	write_conf("token", token);
	expect_refused_prefix(1, "cannot open token 'no-such-token' with ");
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/%s", load_dir, name);
	assert_int_equal(oracle_write(path, data, len), 0);
}

/* The CA certificate missing, not a certificate, or another key's. */
static void test_load_cert_refusals(void **state)
{
	static const char junk[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	char want[PATH_MAX + 256], path[PATH_MAX + 16], *out = NULL;

	(void)state;
	write_conf(NULL, NULL);
	snprintf(path, sizeof(path), "%s/ca.crt", load_dir);
	assert_int_equal(unlink(path), 0);
	snprintf(want, sizeof(want), "cannot read %s: No such file or directory", path);
	expect_refused(1, want);
	/* a CA still pending has no certificate to check */
	{
		static const char *const pending[] = {"state=pending", NULL};
		char err[1024];

		write_conf("state", pending);
		assert_int_equal(load(0, err, sizeof(err)), 0);
		write_conf(NULL, NULL);
	}
	write_file("ca.crt", "not PEM\n", 8);
	snprintf(want, sizeof(want), "%s holds no certificate (PEM or DER expected)", path);
	expect_refused(1, want);
	write_file("ca.crt", junk, sizeof(junk) - 1);
	snprintf(want, sizeof(want), "%s is not a valid certificate: PKIX.Certificate: not DER "
		 "(indefinite or non-minimal length)", path);
	expect_refused(1, want);
	/* a certificate of another key (openssl's) */
	assert_int_equal(oracle_run(&out, "openssl req -x509 -newkey ec -pkeyopt "
				    "ec_paramgen_curve:P-256 -nodes -keyout %s/other.key -out %s "
				    "-subj /CN=Other -days 1 2>&1", oracle_dir(), path), 0);
	free(out);
	expect_refused_prefix(1, "the CA certificate ");
	{
		char err[1024];

		assert_int_equal(load(1, err, sizeof(err)), -1);
		if (strstr(err, "does not match the HSM signing key (its public key is not the "
				"token's key ") == NULL ||
		    strstr(err, "); refusing to start") == NULL)
			fail_msg("err: %s", err);
	}
}

/* ---- the journal budget's table ------------------------------------------- */

static int setup_budget(void **state)
{
	/* one refusal a burst one by one, tokens for all, nothing quiet in the
	 * test's time: only eviction journals a count */
	static const char *const conf[] = {"icpr_allow_anonymous=1", "journal_burst_first=1",
					   "journal_refusal_rate=10000",
					   "journal_burst_quiet=3600", NULL};

	(void)state;
	return core_fixture_start(conf);
}

/* refused_from, answered as failed with the worker's HRESULT and message. */
static void refused_failed(const char *peer, struct core_answer *a)
{
	refused_from(peer, a);
	assert_int_equal(a->result.disposition, DISP_FAILED);
	assert_int_equal(a->result.hresult, HR_E_INVALIDARG);
	assert_string_equal(a->result.message, "too big");
}

/* The table holds 256 bursts: the 257th address takes the slot of the least
 * recently seen one, whose count (one refusal counted, not journaled) is
 * journaled then, before the custodian stops. */
static void test_budget_table_full_evicts(void **state)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	char peer[32];
	struct core_answer a;
	struct ledger_event ev;
	uint8_t *rec;
	uint64_t head, seq;
	int found = 0;

	(void)state;
	assert_non_null(strbuf);
	refused_failed("10.0.0.1", &a); /* journaled one by one */
	assert_int_not_equal(a.result.request_id, 0);
	core_answer_free(&a);
	refused_failed("10.0.0.1", &a); /* counted */
	assert_int_equal(a.result.request_id, 0);
	core_answer_free(&a);
	for (int i = 1; i < 256; i++) { /* the table full */
		snprintf(peer, sizeof(peer), "10.0.%d.%d", 1 + i / 200, i % 200);
		refused_failed(peer, &a);
		assert_int_not_equal(a.result.request_id, 0);
		core_answer_free(&a);
	}
	head = core_ledger_head(&core);
	refused_failed("10.9.9.9", &a); /* the 257th: 10.0.0.1's burst gives way */
	assert_int_not_equal(a.result.request_id, 0);
	core_answer_free(&a);
	/* its own two records and the summary's two */
	assert_int_equal(core_ledger_head(&core), head + 4);
	for (seq = head + 1; seq <= head + 4; seq++) {
		assert_int_equal(core_ledger_event(&core, seq, &ev, strbuf, &rec), 0);
		if (ev.type == EV_REQUEST_RECEIVED && strcmp(ev.u.request.peer, "10.0.0.1") == 0) {
			found = 1;
			assert_int_equal(ev.u.request.format, FMT_DIGEST);
			assert_int_equal(ev.u.request.count, 1);
			assert_string_equal(ev.u.request.requester, "anonymous@10.0.0.1");
		}
		free(rec);
	}
	assert_true(found);
	free(strbuf);
}

/* ---- the automatic CRL publication (crlpub.c's thread) ------------------------ */

static int setup_crl_auto(void **state)
{
	/* deltas every minute (the shortest period the settings allow, props.c): a
	 * round of the thread (every 5 s) a minute after the base publishes one */
	static const char *const conf[] = {"crl_delta_period=60s", NULL};
	struct core_opts o = {.conf = conf, .crl_auto = 1};

	(void)state;
	return core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0 ? -1 : 0;
}

/* The CRLs the ledger holds (EV_CRL_PUBLISHED), in order: up to max into n[],
 * delta[], base[], actor kinds; their count. */
static size_t crls_recorded(uint64_t *number, uint32_t *is_delta, uint64_t *base,
			    size_t max)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	uint64_t head = core_ledger_head(&core);
	struct ledger_event ev;
	uint8_t *rec;
	size_t n = 0;

	assert_non_null(strbuf);
	for (uint64_t seq = 1; seq <= head; seq++) {
		assert_int_equal(core_ledger_event(&core, seq, &ev, strbuf, &rec), 0);
		if (ev.type == EV_CRL_PUBLISHED && n < max) {
			assert_int_equal(ev.actor_kind, ACTOR_CA);
			assert_string_equal(ev.actor, "CA");
			number[n] = ev.u.crl.number;
			is_delta[n] = ev.u.crl.is_delta;
			base[n] = ev.u.crl.base_number;
			n++;
		}
		free(rec);
	}
	free(strbuf);
	return n;
}

/* With no CRL yet, the thread publishes a base CRL at once; a delta once the
 * delta period has passed since; both recorded by the CA and written where the
 * properties say, and openssl reads them. */
static void test_crl_auto_publishes(void **state)
{
	uint64_t number[4], base[4];
	uint32_t is_delta[4];
	size_t n = 0;
	char path[PATH_MAX + 32], *out = NULL;

	(void)state;
	/* the base at once, the delta 60 to 65 s later: 90 s at most */
	for (int i = 0; i < 900 && (n = crls_recorded(number, is_delta, base, 4)) < 2; i++)
		sleep_ms(100);
	assert_true(n >= 2);
	assert_int_equal(number[0], 1);
	assert_int_equal(is_delta[0], 0);
	assert_int_equal(base[0], 0);
	assert_int_equal(number[1], 2);
	assert_int_equal(is_delta[1], 1);
	assert_int_equal(base[1], 1);
	snprintf(path, sizeof(path), "%s/crl/ca.crl", core.dir);
	assert_int_equal(oracle_run(&out, "openssl crl -inform DER -in %s -noout -crlnumber",
				    path), 0);
	if (strstr(out, "crlNumber=0x01") == NULL)
		fail_msg("openssl: %s", out);
	free(out);
	snprintf(path, sizeof(path), "%s/crl/ca-delta.crl", core.dir);
	assert_int_equal(oracle_run(&out, "openssl crl -inform DER -in %s -noout -crlnumber",
				    path), 0);
	if (strstr(out, "crlNumber=0x02") == NULL)
		fail_msg("openssl: %s", out);
	free(out);
}

/* A CRL recorded but not written (DATA/crl is a file, not the directory): the
 * thread logs why, and the CRL stays recorded (the next round writes again). */
static void test_crl_auto_failure_logged(void **state)
{
	struct core_opts o = {.crl_auto = 1};
	uint64_t number[1], base[1];
	uint32_t is_delta[1];
	struct captured cap;
	char path[PATH_MAX + 32], want[PATH_MAX + 128], *log;
	int rc;

	(void)state;
	/* in the template only while this test's data directory is copied from it */
	snprintf(path, sizeof(path), "%s/crl", ca_template.dir);
	assert_int_equal(oracle_write(path, "", 0), 0);
	capture_start(&cap);
	rc = core_start(&core, &ca_template, &o);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rc, 0);
	for (int i = 0; i < 50; i++) {
		char buf[8192] = "";

		sleep_ms(100);
		fflush(stderr);
		if (pread(cap.fd, buf, sizeof(buf) - 1, 0) > 0 &&
		    strstr(buf, "automatic CRL publication: ") != NULL)
			break;
	}
	log = capture_end(&cap);
	snprintf(want, sizeof(want), "ca: warning: CRL 1 recorded but not written: %s/crl/ca.crl: "
		 "cannot write\n", core.dir);
	expect_line(log, want);
	snprintf(want, sizeof(want), "ca: warning: automatic CRL publication: %s/crl/ca.crl: "
		 "cannot write\n", core.dir);
	expect_line(log, want);
	free(log);
	assert_int_equal(crls_recorded(number, is_delta, base, 1), 1);
	assert_int_equal(number[0], 1);
	assert_int_equal(is_delta[0], 0);
}

/* ---- the officer's verbs: what test_custodian_officer does not reach -------- */

#define OFFICER "olivia"
#define EXT_OID "1.3.6.1.4.1.99999.1"

static int setup_pend_san(void **state)
{
	static const char *const conf[] = {"csr_extensions=2.5.29.17", NULL};

	(void)state;
	return core_fixture_start(conf);
}

/* A PKCS#10 request of ALICE's for CN=san.example asking for subjectAltName
 * DNS:asked.example (openssl's), submitted: pending, its id. */
static uint32_t pending_with_san(void)
{
	struct x509_buf spki, csr;
	struct core_who who;
	struct core_answer a;
	char *out = NULL;
	uint32_t id;

	assert_int_equal(oracle_genkey("p256", "san", &spki), 0);
	x509_buf_free(&spki);
	if (oracle_run(&out, "openssl req -new -key %s/san.key -subj /CN=san.example -addext "
			     "subjectAltName=DNS:asked.example -outform DER -out %s/san.der 2>&1",
		       oracle_dir(), oracle_dir()) != 0)
		fail_msg("%s", out);
	free(out);
	assert_int_equal(oracle_read(oracle_path("san.der"), &csr), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_PENDING);
	id = a.result.request_id;
	core_answer_free(&a);
	x509_buf_free(&csr);
	return id;
}

/* officer_resubmit of id, issued: the certificate decoded into ci. */
static void resubmit_issued(uint32_t id, struct x509_cert_info *ci)
{
	struct ipc_wbuf w;
	struct adm_result r;
	char msg[512], derr[256];

	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, id, &w, msg, sizeof msg), 0);
	assert_false(w.failed);
	assert_int_equal(adm_result_decode(w.data, w.len, &r), 0);
	assert_string_equal(r.message, "Issued");
	assert_int_equal(r.disposition, DISP_ISSUED);
	assert_int_equal(x509_cert_decode(r.cert, r.cert_len, ci, derr, sizeof derr), 0);
	ipc_wbuf_free(&w);
}

/* The extension oid of ci: its value, or NULL. */
static const struct x509_buf *ext_of(const struct x509_cert_info *ci, const char *oid,
				     int *critical)
{
	const struct x509_buf *v = NULL;

	for (size_t i = 0; i < ci->n_ext; i++)
		if (strcmp(ci->ext[i].oid, oid) == 0) {
			assert_null(v); /* once */
			v = &ci->ext[i].value;
			*critical = ci->ext[i].critical;
		}
	return v;
}

/* The request's own allowed extension is issued with it; an officer's value for
 * the same OID replaces it. */
static void test_resubmit_merges_requested_extensions(void **state)
{
	/* GeneralNames: dNSName "asked.example", "set.example" */
	static const uint8_t asked[] = {0x30, 0x0f, 0x82, 0x0d, 'a', 's', 'k', 'e', 'd', '.',
					'e', 'x', 'a', 'm', 'p', 'l', 'e'};
	static const uint8_t set[] = {0x30, 0x0d, 0x82, 0x0b, 's', 'e', 't', '.',
				      'e', 'x', 'a', 'm', 'p', 'l', 'e'};
	static const uint8_t null_der[] = {0x05, 0x00};
	struct x509_cert_info ci;
	const struct x509_buf *v;
	char msg[512];
	int critical = -1;
	uint32_t id;

	(void)state;
	/* the officer sets another OID: the request's SAN is kept beside it */
	id = pending_with_san();
	assert_int_equal(officer_setext(core_admin(&core), OFFICER, id, EXT_OID, 0, null_der, 2,
					msg, sizeof msg),
			 0);
	resubmit_issued(id, &ci);
	assert_non_null(v = ext_of(&ci, "2.5.29.17", &critical));
	assert_int_equal(v->len, sizeof asked);
	assert_memory_equal(v->data, asked, sizeof asked);
	assert_non_null(ext_of(&ci, EXT_OID, &critical));
	x509_cert_info_free(&ci);
	/* the officer sets the SAN: the officer's, once */
	id = pending_with_san();
	assert_int_equal(officer_setext(core_admin(&core), OFFICER, id, "2.5.29.17", 0, set,
					sizeof set, msg, sizeof msg),
			 0);
	resubmit_issued(id, &ci);
	assert_non_null(v = ext_of(&ci, "2.5.29.17", &critical));
	assert_int_equal(v->len, sizeof set);
	assert_memory_equal(v->data, set, sizeof set);
	assert_false(critical);
	x509_cert_info_free(&ci);
}

/* The officer's CRL distribution point and AIA replace the CA's. */
static void test_resubmit_officer_replaces_pointers(void **state)
{
	/* CRLDistributionPoints: one fullName URI "http://x/c" */
	static const uint8_t cdp[] = {0x30, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0xa0, 0x0c, 0x86, 0x0a,
				      'h', 't', 't', 'p', ':', '/', '/', 'x', '/', 'c'};
	/* AuthorityInfoAccess: caIssuers URI "http://x/a" */
	static const uint8_t aia[] = {0x30, 0x16, 0x30, 0x14, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05,
				      0x05, 0x07, 0x30, 0x02, 0x86, 0x08, 'h', 't', 't', 'p',
				      ':', '/', '/', 'x'};
	struct x509_cert_info ci;
	const struct x509_buf *v;
	char msg[512];
	int critical;
	uint32_t id = pending_with_san();

	(void)state;
	assert_int_equal(officer_setext(core_admin(&core), OFFICER, id, "2.5.29.31", 0, cdp,
					sizeof cdp, msg, sizeof msg),
			 0);
	assert_int_equal(officer_setext(core_admin(&core), OFFICER, id, "1.3.6.1.5.5.7.1.1", 0,
					aia, sizeof aia, msg, sizeof msg),
			 0);
	resubmit_issued(id, &ci);
	assert_non_null(v = ext_of(&ci, "2.5.29.31", &critical));
	assert_int_equal(v->len, sizeof cdp);
	assert_memory_equal(v->data, cdp, sizeof cdp);
	assert_non_null(v = ext_of(&ci, "1.3.6.1.5.5.7.1.1", &critical));
	assert_int_equal(v->len, sizeof aia);
	assert_memory_equal(v->data, aia, sizeof aia);
	x509_cert_info_free(&ci);
}

/* More extensions set than a certificate takes: detail and resubmit refuse with
 * HR_E_INVALIDARG and the request stays pending. */
static void test_too_many_extensions(void **state)
{
	static const uint8_t null_der[] = {0x05, 0x00};
	struct admin *a = core_admin(&core);
	struct ipc_wbuf w;
	char msg[512], oid[64];
	uint32_t id = pending_with_san();

	(void)state;
	for (int i = 1; i <= X509_MAX_EXTRA_EXT + 1; i++) {
		snprintf(oid, sizeof oid, "1.3.6.1.4.1.99999.%d", i);
		assert_int_equal(officer_setext(a, OFFICER, id, oid, 0, null_der, 2, msg, sizeof msg),
				 0);
	}
	ipc_wbuf_init(&w);
	assert_int_equal(officer_detail(a, id, &w, msg, sizeof msg), HR_E_INVALIDARG);
	assert_string_equal(msg, "request 1 has more than 8 extensions set");
	ipc_wbuf_free(&w);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(a, OFFICER, id, &w, msg, sizeof msg), HR_E_INVALIDARG);
	assert_string_equal(msg, "request 1 has more than 8 extensions set");
	ipc_wbuf_free(&w);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_deny(a, OFFICER, id, &w, msg, sizeof msg), 0); /* was pending */
	ipc_wbuf_free(&w);
}

/* The details of a request refused on arrival (only its size and hash kept):
 * no subject, the requester. */
static void test_detail_of_a_refused_request(void **state)
{
	struct adm_detail_is *d = malloc(sizeof(*d));
	struct core_answer a;
	struct ipc_wbuf w;
	char msg[512];

	(void)state;
	assert_non_null(d);
	refused_failed("192.0.2.44", &a);
	assert_int_equal(a.result.request_id, 1);
	core_answer_free(&a);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_detail(core_admin(&core), 1, &w, msg, sizeof msg), 0);
	assert_int_equal(adm_detail_decode(w.data, w.len, d), 0);
	assert_string_equal(d->subject, "");
	assert_string_equal(d->attributes, "");
	assert_string_equal(d->requester, "anonymous@192.0.2.44");
	assert_int_equal(d->exts.n, 0);
	ipc_wbuf_free(&w);
	free(d);
}

/* Revocation's refusals, each with its message; a release of a serial never
 * held is the ledger's to refuse. Nothing recorded. */
static void test_revoke_refusals_all(void **state)
{
	static const uint8_t serial[] = {0x01, 0x02};
	struct admin *a = core_admin(&core);
	int64_t now = (int64_t)time(NULL);
	uint64_t head = core_ledger_head(&core);
	char msg[512];
	static const uint32_t bad[] = {7, 8, 11, 0xffffffffu};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(officer_revoke(a, OFFICER, serial, sizeof serial, bad[i], 0, 0, msg,
						sizeof msg),
				 HR_E_INVALIDARG);
		snprintf(msg + 256, 256, "reason %u: RFC 5280 reasons are 0..10 except 7 and 8",
			 bad[i]);
		assert_string_equal(msg, msg + 256);
	}
	assert_int_equal(officer_revoke(a, OFFICER, serial, sizeof serial, 1, now + 3600, 0, msg,
					sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "revocation and invalidity dates cannot be in the future");
	assert_int_equal(officer_revoke(a, OFFICER, serial, sizeof serial, 1, now - 60, now + 3600,
					msg, sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "revocation and invalidity dates cannot be in the future");
	msg[0] = 0;
	assert_int_not_equal(officer_unrevoke(a, OFFICER, serial, sizeof serial, msg, sizeof msg),
			     0);
	assert_int_not_equal(strlen(msg), 0);
	assert_null(strstr(msg, "hold released"));
	assert_int_equal(core_ledger_head(&core), head);
}

/* ---- the worker's messages out of their bounds --------------------------------- */

/* No answer: the channel ended as a violation, journaled with why. */
static void expect_violation(const char *why)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	struct ipc_msg m;
	uint8_t *rec;

	assert_non_null(strbuf);
	assert_int_equal(core_recv(&core, &m), 0);
	assert_int_equal(core_end_channel(&core), 1);
	assert_int_equal(core_ledger_event(&core, core_ledger_head(&core), &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_OPERATOR_ACTION);
	assert_string_equal(ev.u.op.action, "channel-violation");
	assert_string_equal(ev.u.op.detail, why);
	free(rec);
	free(strbuf);
}

/* A refusal whose HRESULT is not an error, or without the client's address. */
static void test_refused_out_of_bounds(void **state)
{
	(void)state;
	send_refused(0x00000001, "192.0.2.7");
	expect_violation("malformed REFUSED");
}

static void test_refused_without_peer(void **state)
{
	(void)state;
	send_refused(HR_E_INVALIDARG, "");
	expect_violation("malformed REFUSED");
}

static void send_auth_event(uint32_t what, const char *peer)
{
	struct cust_auth_event q;
	struct ipc_wbuf w;

	memset(&q, 0, sizeof(q));
	q.what = what;
	snprintf(q.peer, sizeof(q.peer), "%s", peer);
	snprintf(q.claimed, sizeof(q.claimed), "%s", ALICE);
	snprintf(q.detail, sizeof(q.detail), "bad password");
	ipc_wbuf_init(&w);
	cust_auth_event_encode(&w, &q);
	core_send(&core, CUST_AUTH_EVENT, &w);
}

static void test_auth_event_unknown_kind(void **state)
{
	(void)state;
	send_auth_event(CUST_LOGON_KERBEROS_REFUSED + 1, "192.0.2.7");
	expect_violation("malformed AUTH_EVENT");
}

static void test_auth_event_without_peer(void **state)
{
	(void)state;
	send_auth_event(CUST_LOGON_NTLM_REFUSED, "");
	expect_violation("malformed AUTH_EVENT");
}

/* A submission in a format the catalogue does not name. */
static void test_submit_unknown_format(void **state)
{
	static const uint8_t raw[] = {0x30, 0x00};
	struct cust_submit q;
	struct ipc_wbuf w;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.format = FMT_CMC + 1;
	snprintf(q.who.requester, sizeof(q.who.requester), "anonymous@192.0.2.7");
	q.request = raw;
	q.request_len = sizeof raw;
	ipc_wbuf_init(&w);
	cust_submit_encode(&w, &q);
	core_send(&core, CUST_SUBMIT, &w);
	expect_violation("malformed SUBMIT");
}

/* ---- CUST_ISSUE (the unrecorded issuance, without a ledger) ------------------- */

static int setup_no_ledger(void **state)
{
	struct core_opts o = {.no_ledger = 1};

	(void)state;
	return core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0 ? -1 : 0;
}

static void issue_error(uint32_t profile, uint32_t hr, const char *prefix)
{
	struct x509_buf spki;
	struct cust_issue q;
	struct core_answer a;
	struct ipc_wbuf w;

	assert_int_equal(oracle_genkey("p256", "issue", &spki), 0);
	memset(&q, 0, sizeof(q));
	q.profile = profile;
	snprintf(q.subject, sizeof(q.subject), "CN=issue.example");
	q.spki = spki.data;
	q.spki_len = spki.len;
	q.validity_days = 30;
	ipc_wbuf_init(&w);
	cust_issue_encode(&w, &q);
	assert_int_equal(core_answer(&core, core_send(&core, CUST_ISSUE, &w), &a), 0);
	x509_buf_free(&spki);
	assert_int_equal(a.kind, CUST_ERROR);
	assert_int_equal(a.error.hresult, hr);
	if (strncmp(a.error.message, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s', not starting with '%s'", a.error.message, prefix);
	core_answer_free(&a);
}

/* A profile the custodian does not know; the HSM away (NTE_FAIL). */
static void test_issue_refusals(void **state)
{
	char dir[PATH_MAX], away[PATH_MAX];
	struct hsm_err herr;

	(void)state;
	issue_error(99, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE, "unknown certificate profile 99");
	softhsm_token_path(&ca_template.token, "tokens", dir, sizeof(dir));
	softhsm_token_path(&ca_template.token, "tokens.away", away, sizeof(away));
	assert_int_equal(rename(dir, away), 0);
	assert_int_equal(hsm_pool_recover(core.ca.hsm, core.ca.hsm->generation, CKR_DEVICE_ERROR,
					  &herr),
			 HSM_EUNAVAIL);
	issue_error(CUST_PROFILE_CLIENT, HR_NTE_FAIL, "HSM unavailable: ");
	assert_int_equal(rename(away, dir), 0);
}

/* ---- ca.conf's policy settings refused at start ---------------------------------- */

static void expect_start_refused(const char *setting, const char *message)
{
	const char *const conf[] = {setting, NULL};
	struct core_opts o = {.conf = conf};

	if (core_start(&core, &ca_template, &o) != -1)
		fail_msg("started with %.40s...", setting);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
	assert_string_equal(core.err, message);
}

static void test_policy_settings_refused(void **state)
{
	char setting[1200];
	size_t n;

	(void)state;
	/* (a list longer than load_allow_list's buffer cannot come from ca.conf, whose
	 * values are shorter: CONF_VAL_MAX) */
	/* more OIDs than a certificate takes */
	expect_start_refused("csr_extensions=1.2.3.1,1.2.3.2,1.2.3.3,1.2.3.4,1.2.3.5,1.2.3.6,"
			     "1.2.3.7,1.2.3.8,1.2.3.9",
			     "ca.conf: csr_extensions: 1.2.3.9 is not an OID a request may set (at "
			     "most 8; never basicConstraints or key identifiers)");
	/* one longer than an OID may be */
	{
		char want[600];

		n = (size_t)snprintf(setting, sizeof setting, "csr_extensions=1.2");
		while (n < 200)
			n += (size_t)snprintf(setting + n, sizeof setting - n, ".1");
		snprintf(want, sizeof want, "ca.conf: csr_extensions: %s is not an OID a request "
			 "may set (at most 8; never basicConstraints or key identifiers)",
			 setting + strlen("csr_extensions="));
		expect_start_refused(setting, want);
	}
	expect_start_refused("validity_days=3651", "ca.conf: validity_days must be 1..3650");
	expect_start_refused("validity_days=", "ca.conf: validity_days must be 1..3650");
}

/* ---- a CA whose key is RSA ------------------------------------------------------- */

static struct core_ca rsa_template;

/* Issued by an RSA CA: its signature checked before release (lint.c), and
 * openssl verifies the chain. */
static void test_rsa_ca_issues(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request", NULL};
	struct core_opts o = {.conf = conf};
	struct core_answer a;
	char path[PATH_MAX + 32], *out = NULL;
	struct x509_buf cert;

	(void)state;
	assert_int_equal(core_ca_make(&rsa_template, "rsa:2048"), 0);
	assert_int_equal(core_start(&core, &rsa_template, &o), 0);
	assert_int_equal(core_get_ca(&core), 0);
	submit_one(&a);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_ISSUED);
	cert.data = (uint8_t *)a.result.cert;
	cert.len = a.result.cert_len;
	snprintf(path, sizeof path, "%s", oracle_path("rsa-issued.pem"));
	assert_int_equal(oracle_write_pem(path, "CERTIFICATE", &cert), 0);
	core_answer_free(&a);
	if (oracle_run(&out, "openssl verify -x509_strict -CAfile %s/ca.crt %s 2>&1", core.dir,
		       path) != 0)
		fail_msg("%s", out);
	free(out);
	core_stop(&core);
	core_ca_free(&rsa_template);
}

/* ---- the console: its connection limit and the officer's verbs over it ------- */

static int setup_console(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request", NULL};

	(void)state;
	return core_fixture_console(conf);
}

/* A verb's answer: ADM_OK's message with 0, or ADM_ERROR's HRESULT and message. */
static uint32_t console_call(uint32_t type, struct ipc_wbuf *w, char *text, size_t textlen)
{
	struct adm_error *e = malloc(sizeof(*e));
	struct adm_ok *ok = malloc(sizeof(*ok));
	struct ipc_msg m;
	uint32_t hr = 0;

	assert_non_null(e);
	assert_non_null(ok);
	assert_int_equal(core_console_call(&con, type, w, &m), 1);
	if (m.hdr.type == ADM_ERROR) {
		assert_int_equal(adm_error_decode(m.data, m.hdr.len, e), 0);
		hr = e->hresult;
		snprintf(text, textlen, "%s", e->message);
	} else {
		assert_int_equal(m.hdr.type, ADM_OK);
		assert_int_equal(adm_ok_decode(m.data, m.hdr.len, ok), 0);
		snprintf(text, textlen, "%s", ok->message);
	}
	ipc_msg_free(&m);
	free(e);
	free(ok);
	return hr;
}

/* Four connections at most: a fifth is closed at once (and logged); once one
 * closes, another is taken. */
static void test_console_connection_limit(void **state)
{
	struct core_console more[4];
	struct captured cap;
	struct ipc_msg m;
	struct adm_bare q;
	struct ipc_wbuf w;
	uint8_t token[ADM_TOKEN_LEN];
	char *log;
	int rc;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(core_console_open(&core, &more[i]), 0);
	console_login(&more[2], "olivia", token); /* the four are served */
	capture_start(&cap);
	rc = core_console_open(&core, &more[3]);
	if (rc == 0) {
		memset(&q, 0, sizeof(q));
		ipc_wbuf_init(&w);
		adm_bare_encode(&w, &q);
		/* no answer: closed (EOF, or a reset when the request came after) */
		rc = core_console_call(&more[3], ADM_LOGOUT, &w, &m) > 0;
		if (rc)
			ipc_msg_free(&m);
	}
	log = capture_end(&cap);
	assert_int_equal(rc, 0);
	{
		/* the refusal names the peer's uid (this program's) */
		char line[128];

		snprintf(line, sizeof line,
			 "ca: warning: console: connection refused (too many connections; uid %ld)",
			 (long)geteuid());
		expect_line(log, line);
	}
	free(log);
	core_console_close(&core, &more[3]);
	core_console_close(&core, &more[0]);
	assert_int_equal(core_console_open(&core, &more[3]), 0);
	console_login(&more[3], "olivia", token);
	core_console_close(&core, &more[3]);
	core_console_close(&core, &more[1]);
	core_console_close(&core, &more[2]);
}

/* An issued certificate's serial (the request's id in *id). */
static void issued_serial(uint8_t *serial, size_t *len)
{
	struct x509_cert_info ci;
	struct core_answer a;
	char derr[256];

	submit_one(&a);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_ISSUED);
	assert_int_equal(x509_cert_decode(a.result.cert, a.result.cert_len, &ci, derr,
					  sizeof derr),
			 0);
	memcpy(serial, ci.serial.data, ci.serial.len);
	*len = ci.serial.len;
	x509_cert_info_free(&ci);
	core_answer_free(&a);
}

/* The officer's setextension, revoke, unrevoke and CRL over the console: each
 * answer's exact text; the refusal of an unknown critical extension reaches the
 * console as E_INVALIDARG with its reason. */
static void test_console_officer_verbs(void **state)
{
	static const uint8_t null_der[] = {0x05, 0x00};
	uint8_t token[ADM_TOKEN_LEN], serial[20];
	struct adm_setext se;
	struct adm_revoke rv;
	struct adm_crl crl;
	struct ipc_wbuf w;
	char text[600], want[200];
	size_t len;

	(void)state;
	console_login(&con, "olivia", token);
	issued_serial(serial, &len);
	/* setextension on an issued request: refused, the critical one first */
	memset(&se, 0, sizeof(se));
	memcpy(se.token, token, ADM_TOKEN_LEN);
	se.request_id = 1;
	snprintf(se.oid, sizeof(se.oid), "1.2.3.4");
	se.flags = ADM_EXT_CRITICAL;
	se.value = null_der;
	se.value_len = sizeof null_der;
	ipc_wbuf_init(&w);
	adm_setext_encode(&w, &se);
	assert_int_equal(console_call(ADM_SETEXT, &w, text, sizeof text), HR_E_INVALIDARG);
	assert_string_equal(text, "extension 1.2.3.4 is not one the CA knows: it cannot be "
				  "critical (set it with flags 0)");
	se.flags = 0;
	ipc_wbuf_init(&w);
	adm_setext_encode(&w, &se);
	assert_int_equal(console_call(ADM_SETEXT, &w, text, sizeof text), HR_INVALID_STATE);
	assert_string_equal(text, "request 1 is issued, not pending");
	/* on hold, released, then a delta CRL after a base */
	memset(&rv, 0, sizeof(rv));
	memcpy(rv.token, token, ADM_TOKEN_LEN);
	memcpy(rv.serial, serial, len);
	rv.serial_len = len;
	rv.reason = 6;
	ipc_wbuf_init(&w);
	adm_revoke_encode(&w, &rv);
	assert_int_equal(console_call(ADM_REVOKE, &w, text, sizeof text), 0);
	assert_string_equal(text, "revoked (reason 6); it appears in the next CRL");
	memset(&crl, 0, sizeof(crl));
	memcpy(crl.token, token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_crl_encode(&w, &crl);
	assert_int_equal(console_call(ADM_CRL, &w, text, sizeof text), 0);
	snprintf(want, sizeof want, "base CRL 1 (1 entries) published to %s/crl/ca.crl",
		 core.dir);
	assert_string_equal(text, want);
	ipc_wbuf_init(&w);
	adm_unrevoke_encode(&w, &rv);
	assert_int_equal(console_call(ADM_UNREVOKE, &w, text, sizeof text), 0);
	assert_string_equal(text, "hold released; the next delta CRL says removeFromCRL");
	crl.delta = 1;
	ipc_wbuf_init(&w);
	adm_crl_encode(&w, &crl);
	assert_int_equal(console_call(ADM_CRL, &w, text, sizeof text), 0);
	snprintf(want, sizeof want, "delta CRL 2 (1 entries) published to %s/crl/ca-delta.crl",
		 core.dir);
	assert_string_equal(text, want);
}

/* ---- CRLs: many entries, a hold released ------------------------------------------ */

/* 66 certificates revoked (one without a reason, one on hold): the base CRL
 * lists them all; the hold released, the delta lists only it (removeFromCRL) and
 * the next base leaves it out. openssl counts the entries. */
static void test_crl_entries_and_released_hold(void **state)
{
	struct admin *ad = core_admin(&core);
	uint8_t serial[66][20];
	size_t len[66];
	char msg[512], want[PATH_MAX + 128], *out = NULL;
	int n;

	(void)state;
	for (int i = 0; i < 66; i++) {
		issued_serial(serial[i], &len[i]);
		assert_int_equal(officer_revoke(ad, OFFICER, serial[i], len[i],
						i == 0 ? 0 : i == 1 ? 6 : 1, 0, 0, msg, sizeof msg),
				 0);
	}
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg), 0);
	snprintf(want, sizeof want, "base CRL 1 (66 entries) published to %s/crl/ca.crl", core.dir);
	assert_string_equal(msg, want);
	assert_int_equal(oracle_run(&out, "openssl crl -inform DER -in %s/crl/ca.crl -noout -text "
				    "| grep -c 'Serial Number'", core.dir), 0);
	assert_int_equal(sscanf(out, "%d", &n), 1);
	assert_int_equal(n, 66);
	free(out);
	assert_int_equal(officer_unrevoke(ad, OFFICER, serial[1], len[1], msg, sizeof msg), 0);
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 1, msg, sizeof msg), 0);
	snprintf(want, sizeof want, "delta CRL 2 (1 entries) published to %s/crl/ca-delta.crl",
		 core.dir);
	assert_string_equal(msg, want);
	assert_int_equal(oracle_run(&out, "openssl crl -inform DER -in %s/crl/ca-delta.crl -noout "
				    "-text", core.dir), 0);
	assert_non_null(strstr(out, "Remove From CRL"));
	free(out);
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg), 0);
	snprintf(want, sizeof want, "base CRL 3 (65 entries) published to %s/crl/ca.crl", core.dir);
	assert_string_equal(msg, want);
}

/* ---- cust_reply_error's cut ------------------------------------------------- */

/* cust_reply_error on one end of a socketpair; the CUST_ERROR read on the other
 * end, its message into out. */
static void reply_error(const char *msg, struct cust_error *out)
{
	struct service s;
	struct ipc_chan peer;
	struct ipc_msg m;
	char err[256];
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(&s, 0, sizeof(s));
	ipc_chan_init(&s.chan, sv[0], "worker", IPC_MAX_PAYLOAD);
	ipc_chan_init(&peer, sv[1], "custodian", IPC_MAX_PAYLOAD);
	pthread_mutex_init(&s.lock, NULL);
	cust_reply_error(&s, 7, HR_E_UNEXPECTED, msg);
	assert_int_equal(ipc_recv(&peer, &m, err, sizeof(err)), 1);
	assert_int_equal(m.hdr.type, CUST_ERROR);
	assert_int_equal(m.hdr.id, 7);
	assert_int_equal(cust_error_decode(m.data, m.hdr.len, out), 0);
	assert_int_equal(out->hresult, HR_E_UNEXPECTED);
	ipc_msg_free(&m);
	pthread_mutex_destroy(&s.lock);
	ipc_chan_free(&s.chan);
	ipc_chan_free(&peer);
	close(sv[0]);
	close(sv[1]);
}

static void test_reply_error_cut_at_utf8_boundary(void **state)
{
	char msg[CUST_MESSAGE_MAX + 16], want[CUST_MESSAGE_MAX + 1];
	struct cust_error e;

	(void)state;
	/* exactly the bound: whole */
	memset(msg, 'a', CUST_MESSAGE_MAX);
	msg[CUST_MESSAGE_MAX] = 0;
	reply_error(msg, &e);
	assert_string_equal(e.message, msg);
	/* one ASCII byte over: cut at the bound */
	memset(msg, 'a', CUST_MESSAGE_MAX + 1);
	msg[CUST_MESSAGE_MAX + 1] = 0;
	memset(want, 'a', CUST_MESSAGE_MAX);
	want[CUST_MESSAGE_MAX] = 0;
	reply_error(msg, &e);
	assert_string_equal(e.message, want);
	/* a two-byte character across the bound: left out whole */
	memset(msg, 'a', CUST_MESSAGE_MAX - 1);
	strcpy(msg + CUST_MESSAGE_MAX - 1, "\xc3\xa9tail");
	memset(want, 'a', CUST_MESSAGE_MAX - 1);
	want[CUST_MESSAGE_MAX - 1] = 0;
	reply_error(msg, &e);
	assert_string_equal(e.message, want);
	/* a three-byte character whose last byte is past the bound */
	memset(msg, 'a', CUST_MESSAGE_MAX - 2);
	strcpy(msg + CUST_MESSAGE_MAX - 2, "\xe2\x82\xac!");
	memset(want, 'a', CUST_MESSAGE_MAX - 2);
	want[CUST_MESSAGE_MAX - 2] = 0;
	reply_error(msg, &e);
	assert_string_equal(e.message, want);
	/* a two-byte character ending at the bound: kept */
	memset(msg, 'a', CUST_MESSAGE_MAX - 2);
	strcpy(msg + CUST_MESSAGE_MAX - 2, "\xc3\xa9zz");
	memcpy(want, msg, CUST_MESSAGE_MAX);
	want[CUST_MESSAGE_MAX] = 0;
	reply_error(msg, &e);
	assert_string_equal(e.message, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sessions_lost_are_reopened, setup_issue,
						teardown),
		cmocka_unit_test_setup_teardown(test_hsm_away_then_back, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_load_accepts, setup_load, teardown_load),
		cmocka_unit_test_setup_teardown(test_load_conf_refusals, setup_load, teardown_load),
		cmocka_unit_test_setup_teardown(test_load_key_refusals, setup_load, teardown_load),
		cmocka_unit_test_setup_teardown(test_load_cert_refusals, setup_load, teardown_load),
		cmocka_unit_test_setup_teardown(test_budget_table_full_evicts, setup_budget,
						teardown),
		cmocka_unit_test_setup_teardown(test_crl_auto_publishes, setup_crl_auto, teardown),
		cmocka_unit_test_setup_teardown(test_crl_auto_failure_logged, NULL, teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_merges_requested_extensions,
						setup_pend_san, teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_officer_replaces_pointers,
						setup_pend_san, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_extensions, setup_pend_san, teardown),
		cmocka_unit_test_setup_teardown(test_detail_of_a_refused_request, setup_budget,
						teardown),
		cmocka_unit_test_setup_teardown(test_revoke_refusals_all, setup_pend_san, teardown),
		cmocka_unit_test_setup_teardown(test_refused_out_of_bounds, setup_budget, teardown),
		cmocka_unit_test_setup_teardown(test_refused_without_peer, setup_budget, teardown),
		cmocka_unit_test_setup_teardown(test_auth_event_unknown_kind, setup_issue,
						teardown),
		cmocka_unit_test_setup_teardown(test_auth_event_without_peer, setup_issue,
						teardown),
		cmocka_unit_test_setup_teardown(test_submit_unknown_format, setup_budget, teardown),
		cmocka_unit_test_setup_teardown(test_issue_refusals, setup_no_ledger, teardown),
		cmocka_unit_test(test_policy_settings_refused),
		cmocka_unit_test(test_rsa_ca_issues),
		cmocka_unit_test_setup_teardown(test_console_connection_limit, setup_console,
						teardown_console),
		cmocka_unit_test_setup_teardown(test_console_officer_verbs, setup_console,
						teardown_console),
		cmocka_unit_test_setup_teardown(test_crl_entries_and_released_hold, setup_issue,
						teardown),
		cmocka_unit_test(test_reply_error_cut_at_utf8_boundary),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0 ||
	    core_ca_operator(&ca_template, "olivia", ROLE_OFFICER, PASS) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
