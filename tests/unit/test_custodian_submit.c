/* The custodian's request handling on the worker's channel (firmware/custodian
 * serve.c, submit.c, authlog.c), driven in one process by
 * support/core_harness.c: a real SoftHSM token, the ceremony's CA, a real ledger
 * and the custodian's own service. Each test sends the catalogue's messages as a
 * worker would and checks the answer's exact HRESULT and message, and what the
 * ledger holds afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/ledger/event.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;
static struct core core;
static char err[512];

#define ALICE "EXAMPLE\\alice"
#define BOB "EXAMPLE\\bob"
#define ANON "anonymous@192.0.2.7"

/* ---- requests ---------------------------------------------------------------- */

/* A PKCS#10 request for dn over <oracle>/<key>.key's public key (made with kind
 * when new), signed with <oracle>/<signer>.key: another key than the one it
 * names is no proof of possession. */
static void csr_for(const char *dn, const char *kind, const char *key, const char *signer,
		    struct x509_buf *csr)
{
	struct x509_buf subject = {0}, spki, info, sig, unused;
	enum x509_sigalg alg = strncmp(kind, "rsa", 3) == 0 ? X509_SIG_RSA_SHA256
							    : X509_SIG_ECDSA_SHA256;

	assert_int_equal(oracle_genkey(kind, key, &spki), 0);
	if (strcmp(signer, key) != 0) {
		assert_int_equal(oracle_genkey(kind, signer, &unused), 0);
		x509_buf_free(&unused);
	}
	if (x509_name_parse(dn, &subject, err, sizeof err) != 0)
		fail_msg("name: %s", err);
	if (x509_csr_info_encode(&subject, &spki, 0, &info, err, sizeof err) != 0)
		fail_msg("info: %s", err);
	assert_int_equal(oracle_sign(signer, alg, info.data, info.len, &sig), 0);
	assert_int_equal(x509_csr_assemble(&info, alg, sig.data, sig.len, csr), 0);
	x509_buf_free(&subject);
	x509_buf_free(&spki);
	x509_buf_free(&info);
	x509_buf_free(&sig);
}

static void good_csr(struct x509_buf *csr)
{
	csr_for("CN=host1.example", "p256", "host1", "host1", csr);
}

/* ---- fixtures -------------------------------------------------------------------- */

static int start(const char *const *conf, unsigned reserve_mb)
{
	struct core_opts o = {.conf = conf, .reserve_mb = reserve_mb};

	return core_start(&core, &ca_template, &o);
}

/* The default core: policy pend (ca.conf's default), a ledger with room, the
 * worker's start-up done. */
static int setup_pend(void **state)
{
	(void)state;
	if (start(NULL, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static int setup_issue(void **state)
{
	static const char *const conf[] = {"policy=issue", NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

/* Without the start-up: the whitelist's first state. */
static int setup_fresh(void **state)
{
	(void)state;
	return start(NULL, 0);
}

static int teardown(void **state)
{
	(void)state;
	core_stop(&core);
	return 0;
}

/* ---- checks -------------------------------------------------------------------- */

/* A decided request: CUST_RESULT with its disposition, HRESULT and message. */
static void expect_result(const struct core_answer *a, uint32_t disp, uint32_t hr,
			  const char *message)
{
	if (a->kind != CUST_RESULT)
		fail_msg("answer %#x (error %#x: %s), not a result", a->kind, a->error.hresult,
			 a->error.message);
	assert_int_equal(a->result.disposition, disp);
	assert_int_equal(a->result.hresult, hr);
	assert_string_equal(a->result.message, message);
}

/* A message that starts with prefix (messages that carry a library's detail). */
static void expect_prefix(const char *message, const char *prefix)
{
	if (strncmp(message, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", message, prefix);
}

/* The channel ended by the custodian for a violation, journaled with why. */
static void expect_violation(const char *why)
{
	struct ledger_event ev;
	char *strbuf = malloc(LEDGER_STRBUF);
	uint8_t *rec;
	struct ipc_msg m;

	assert_non_null(strbuf);
	assert_int_equal(core_recv(&core, &m), 0); /* no answer: the channel ended */
	assert_int_equal(core_end_channel(&core), 1);
	assert_int_equal(core_ledger_event(&core, core_ledger_head(&core), &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_OPERATOR_ACTION);
	assert_string_equal(ev.actor, "ca");
	assert_string_equal(ev.u.op.action, "channel-violation");
	assert_string_equal(ev.u.op.target, "worker");
	assert_int_equal(ev.u.op.allowed, 0);
	assert_string_equal(ev.u.op.detail, why);
	free(rec);
	free(strbuf);
}

/* The latest request-received and disposition events: requester, format and the
 * decision the answer gave. */
static void expect_recorded(uint32_t request_id, const char *requester, uint32_t format,
			    uint32_t disp, uint32_t hr)
{
	struct ledger_request_row row;
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	uint8_t *rec;

	assert_non_null(strbuf);
	assert_int_equal(ledger_get_request(core.ledger, request_id, &row), LEDGER_OK);
	assert_string_equal(row.requester, requester);
	assert_int_equal(row.disposition, disp);
	assert_int_equal(row.hresult, hr);
	assert_int_equal(core_ledger_event(&core, row.seq_received, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_REQUEST_RECEIVED);
	assert_int_equal(ev.u.request.format, format);
	assert_string_equal(ev.u.request.attributes, "CertificateTemplate:User\n");
	free(rec);
	free(strbuf);
}

/* ---- the start-up whitelist --------------------------------------------------- */

static void test_work_before_get_ca_ends_channel(void **state)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;

	(void)state;
	good_csr(&csr);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.kind, 0); /* no answer: the channel ended */
	expect_violation("unexpected message type 288 from worker in state 0");
	/* journaled; nothing else recorded (the genesis, then the violation) */
	assert_int_equal(core_ledger_head(&core), 2);
	x509_buf_free(&csr);
}

static void test_second_get_ca_ends_channel(void **state)
{
	(void)state;
	assert_int_equal(core_get_ca(&core), 0);
	core_send(&core, CUST_GET_CA, NULL);
	expect_violation("unexpected message type 256 from worker in state 1");
}

static void test_answers_are_not_the_workers_to_send(void **state)
{
	struct ipc_wbuf w;
	struct cust_result r = {0};

	(void)state;
	ipc_wbuf_init(&w);
	cust_result_encode(&w, &r);
	core_send(&core, CUST_RESULT, &w);
	expect_violation("unexpected message type 289 from worker in state 1");
}

/* ---- malformed messages --------------------------------------------------------- */

/* A payload within the whitelist's bounds that does not decode. */
static void send_garbage(uint32_t type, size_t len)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	for (size_t i = 0; i < len; i++)
		ipc_put_raw(&w, "\xff", 1);
	core_send(&core, type, &w);
}

static void test_malformed_submit(void **state)
{
	(void)state;
	send_garbage(CUST_SUBMIT, CUST_SUBMIT_MIN);
	expect_violation("malformed SUBMIT");
}

static void test_malformed_refused(void **state)
{
	(void)state;
	send_garbage(CUST_REFUSED, CUST_REFUSED_MIN);
	expect_violation("malformed REFUSED");
}

static void test_malformed_retrieve(void **state)
{
	(void)state;
	send_garbage(CUST_RETRIEVE, CUST_RETRIEVE_MIN);
	expect_violation("malformed RETRIEVE");
}

static void test_malformed_auth_event(void **state)
{
	struct cust_auth_event q = {.what = 99, .peer = "192.0.2.7"};
	struct ipc_wbuf w;

	(void)state;
	ipc_wbuf_init(&w);
	cust_auth_event_encode(&w, &q); /* decodes, but names no logon action */
	core_send(&core, CUST_AUTH_EVENT, &w);
	expect_violation("malformed AUTH_EVENT");
}

/* ---- enrollment decided -------------------------------------------------------- */

static void test_issued_and_retrieved(void **state)
{
	struct x509_cert_info info;
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a, b;
	char dn[256];
	uint32_t id;

	(void)state;
	good_csr(&csr);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	expect_result(&a, DISP_ISSUED, 0, "Issued");
	id = a.result.request_id;
	assert_int_not_equal(id, 0);
	if (x509_cert_decode(a.result.cert, a.result.cert_len, &info, err, sizeof err) != 0)
		fail_msg("the certificate does not decode: %s", err);
	x509_name_format(info.subject.data, info.subject.len, dn, sizeof dn);
	assert_string_equal(dn, "CN=host1.example");
	expect_recorded(id, ALICE, FMT_PKCS10, DISP_ISSUED, 0);
	/* request, intent, certificate and disposition after the genesis */
	assert_int_equal(core_ledger_head(&core), 5);
	/* the requester gets the same certificate back */
	assert_int_equal(core_retrieve(&core, &who, id, &b), 0);
	expect_result(&b, DISP_ISSUED, 0, "Issued");
	assert_int_equal(b.result.request_id, id);
	assert_int_equal(b.result.cert_len, a.result.cert_len);
	assert_memory_equal(b.result.cert, a.result.cert, a.result.cert_len);
	core_answer_free(&a);
	core_answer_free(&b);
	x509_buf_free(&csr);
}

static void test_pending_and_retrieved(void **state)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;
	uint32_t id;

	(void)state;
	good_csr(&csr);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	expect_result(&a, DISP_PENDING, 0, "Taken Under Submission");
	assert_int_equal(a.result.cert_len, 0);
	id = a.result.request_id;
	core_answer_free(&a);
	expect_recorded(id, ALICE, FMT_PKCS10, DISP_PENDING, 0);
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	expect_result(&a, DISP_PENDING, 0, "Taken Under Submission");
	assert_int_equal(a.result.cert_len, 0);
	core_answer_free(&a);
	x509_buf_free(&csr);
}

/* ---- refusals, each recorded as failed with its HRESULT ----------------------- */

/* Submits raw as format by ALICE; the refusal's answer and record. */
static void expect_refused(const uint8_t *raw, size_t len, uint32_t format, uint32_t hr,
			   const char *message, int prefix_only)
{
	struct core_who who;
	struct core_answer a;

	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, format, raw, len, &a), 0);
	if (a.kind != CUST_RESULT)
		fail_msg("answer %#x, not a result", a.kind);
	assert_int_equal(a.result.disposition, DISP_FAILED);
	assert_int_equal(a.result.hresult, hr);
	if (prefix_only)
		expect_prefix(a.result.message, message);
	else
		assert_string_equal(a.result.message, message);
	assert_int_equal(a.result.cert_len, 0);
	assert_int_not_equal(a.result.request_id, 0);
	/* recorded with its raw bytes and fate, one commit: no intent */
	expect_recorded(a.result.request_id, ALICE, format, DISP_FAILED, hr);
	assert_int_equal(core_ledger_head(&core), 3);
	core_answer_free(&a);
}

static void test_no_proof_of_possession(void **state)
{
	struct x509_buf csr;

	(void)state;
	csr_for("CN=host1.example", "p256", "named", "signer", &csr);
	expect_refused(csr.data, csr.len, FMT_PKCS10, HR_NTE_BAD_SIGNATURE,
		       "the request's signature does not verify (", 1);
	x509_buf_free(&csr);
}

static void test_weak_key(void **state)
{
	struct x509_buf csr;

	(void)state;
	csr_for("CN=host1.example", "rsa1024", "small", "small", &csr);
	expect_refused(csr.data, csr.len, FMT_PKCS10, HR_CERTSRV_E_KEY_LENGTH,
		       "public key type or size not allowed (" X509_KEY_RULE ")", 0);
	x509_buf_free(&csr);
}

static void test_empty_subject(void **state)
{
	static uint8_t empty_name[] = {0x30, 0x00};
	struct x509_buf subject = {empty_name, sizeof empty_name};
	struct x509_buf spki, info, sig, csr;

	(void)state;
	assert_int_equal(oracle_genkey("p256", "k", &spki), 0);
	assert_int_equal(x509_csr_info_encode(&subject, &spki, 0, &info, err, sizeof err), 0);
	assert_int_equal(oracle_sign("k", X509_SIG_ECDSA_SHA256, info.data, info.len, &sig), 0);
	assert_int_equal(x509_csr_assemble(&info, X509_SIG_ECDSA_SHA256, sig.data, sig.len, &csr),
			 0);
	expect_refused(csr.data, csr.len, FMT_PKCS10, HR_CERTSRV_E_BAD_REQUESTSUBJECT,
		       "the request's subject is empty or not a valid name", 0);
	x509_buf_free(&spki);
	x509_buf_free(&info);
	x509_buf_free(&sig);
	x509_buf_free(&csr);
}

static void test_cms_not_accepted(void **state)
{
	struct x509_buf cms;
	char *out = NULL;

	(void)state;
	if (oracle_run(&out, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
			     "-nodes -keyout '%s' -subj /CN=signer -days 1 -out '%s' && "
			     "echo hello > '%s' && openssl cms -sign -binary -nodetach -in '%s' "
			     "-signer '%s' -inkey '%s' -outform DER -out '%s'",
		       oracle_path("s.key"), oracle_path("s.pem"), oracle_path("msg"),
		       oracle_path("msg"), oracle_path("s.pem"), oracle_path("s.key"),
		       oracle_path("cms.der")) != 0)
		fail_msg("openssl cms: %s", out);
	free(out);
	assert_int_equal(oracle_read(oracle_path("cms.der"), &cms), 0);
	expect_refused(cms.data, cms.len, FMT_CMS, HR_CRYPT_E_INVALID_MSG_TYPE,
		       "CMS requests are not accepted yet", 0);
	x509_buf_free(&cms);
}

/* A PKCS#10 request the worker called CMS: recorded as what it is, refused for
 * the worker's word. */
static void test_format_not_announced(void **state)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;

	(void)state;
	good_csr(&csr);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_CMS, csr.data, csr.len, &a), 0);
	expect_result(&a, DISP_FAILED, HR_CRYPT_E_INVALID_MSG_TYPE,
		      "the request's format is not the one announced");
	expect_recorded(a.result.request_id, ALICE, FMT_PKCS10, DISP_FAILED,
			HR_CRYPT_E_INVALID_MSG_TYPE);
	core_answer_free(&a);
	x509_buf_free(&csr);
}

static void test_unknown_bytes(void **state)
{
	static const uint8_t text[] = "hello, CA";

	(void)state;
	expect_refused(text, sizeof text - 1, FMT_PKCS10, HR_CRYPT_E_INVALID_MSG_TYPE,
		       "the request is neither PKCS#10, CMS nor CMC", 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_work_before_get_ca_ends_channel, setup_fresh,
						teardown),
		cmocka_unit_test_setup_teardown(test_second_get_ca_ends_channel, setup_fresh,
						teardown),
		cmocka_unit_test_setup_teardown(test_answers_are_not_the_workers_to_send,
						setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_submit, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_refused, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_retrieve, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_auth_event, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_issued_and_retrieved, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_pending_and_retrieved, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_no_proof_of_possession, setup_issue,
						teardown),
		cmocka_unit_test_setup_teardown(test_weak_key, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_empty_subject, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_cms_not_accepted, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_bytes, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_format_not_announced, setup_issue, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
