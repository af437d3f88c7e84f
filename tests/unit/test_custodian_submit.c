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

#include "firmware/custodian/admin.h"
#include "firmware/custodian/admin_msg.h"
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

static void csr_for(const char *dn, const char *kind, const char *key, const char *signer,
		    struct x509_buf *csr)
{
	if (core_csr(dn, kind, key, signer, csr) != 0)
		fail_msg("cannot make a request for %s", dn);
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
	static const char *const conf[] = {"policy=issue", "subject_rule=request", NULL};

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
	if (a->result.disposition != disp)
		fail_msg("disposition %#x hresult %#x: %s", a->result.disposition, a->result.hresult,
			 a->result.message);
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
	assert_int_equal(core_ledger_event(&core, core_ledger_relative(&core, row.seq_received), &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_REQUEST_RECEIVED);
	assert_int_equal(ev.u.request.format, format);
	/* the attributes as sent; a refusal's record keeps none */
	assert_string_equal(ev.u.request.attributes,
			    format == FMT_DIGEST ? "" : "rmd:host1.example\n");
	free(rec);
	free(strbuf);
}

/* Nothing recorded of the work done on a full ledger: the genesis, then the
 * ledger's own low-space warning (ledger_low_space_mb, raised to the reserve). */
static void expect_nothing_recorded(void)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	uint8_t *rec;

	assert_non_null(strbuf);
	assert_int_equal(core_ledger_head(&core), 2);
	assert_int_equal(core_ledger_event(&core, 2, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_OPERATOR_ACTION);
	assert_string_equal(ev.actor, "ledger");
	assert_string_equal(ev.u.op.action, "low-disk-space");
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
	x509_cert_info_free(&info);
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

/* A CMS whose content is not a PKCS#10: refused as an unreadable CMS request,
 * recorded with its bytes. */
static void test_cms_not_accepted(void **state)
{
	struct x509_buf cms;

	(void)state;
	assert_int_equal(oracle_cms_signed(&cms), 0);
	expect_refused(cms.data, cms.len, FMT_CMS, HR_ERROR_INVALID_DATA,
		       "the CMS request cannot be read: cms: the content is not a PKCS#10 "
		       "CertificationRequest", 0);
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

/* ---- who asks: the identity token or an anonymous address ----------------- */

/* Submits a good request with who; the answer (nothing when the channel ends). */
static void submit_as(const struct core_who *who, struct core_answer *a)
{
	struct x509_buf csr;

	good_csr(&csr);
	assert_int_equal(core_submit(&core, who, FMT_PKCS10, csr.data, csr.len, a), 0);
	x509_buf_free(&csr);
}

static void test_anonymous_refused_when_off(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, NULL, ANON, &who);
	submit_as(&who, &a);
	expect_result(&a, DISP_FAILED, HR_E_ACCESSDENIED,
		      "no logon, and anonymous enrollment is off (icpr_allow_anonymous)");
	expect_recorded(a.result.request_id, ANON, FMT_PKCS10, DISP_FAILED, HR_E_ACCESSDENIED);
	core_answer_free(&a);
}

static int setup_anonymous(void **state)
{
	static const char *const conf[] = {"icpr_allow_anonymous=1", "icpr_enforce_encryption=0",
					   NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static void test_anonymous_allowed(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, NULL, ANON, &who);
	submit_as(&who, &a);
	expect_result(&a, DISP_PENDING, 0, "Taken Under Submission");
	expect_recorded(a.result.request_id, ANON, FMT_PKCS10, DISP_PENDING, 0);
	core_answer_free(&a);
}

/* Anonymous enrollment on, packet privacy still required (the default): the
 * custodian refuses a call without a logon itself, whatever the worker let by
 * (an anonymous call has no session key, so no packet privacy). */
static int setup_anonymous_enforced(void **state)
{
	static const char *const conf[] = {"icpr_allow_anonymous=1", NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static void test_anonymous_refused_when_privacy_required(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, NULL, ANON, &who);
	submit_as(&who, &a);
	expect_result(&a, DISP_FAILED, HR_E_ACCESSDENIED,
		      "no logon, and packet privacy is required (icpr_enforce_encryption)");
	expect_recorded(a.result.request_id, ANON, FMT_PKCS10, DISP_FAILED, HR_E_ACCESSDENIED);
	core_answer_free(&a);
	core_retrieve(&core, &who, 1, &a);
	expect_result(&a, 0, HR_E_ACCESSDENIED,
		      "no logon, and packet privacy is required (icpr_enforce_encryption)");
	core_answer_free(&a);
}

/* IF_NORPCICERTREQUEST at the custodian: a worker that skips its own check still
 * gets every submission and retrieval refused. */
static int setup_no_rpc(void **state)
{
	static const char *const conf[] = {"policy=issue", "icpr_no_rpc=1", NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static void test_no_rpc_refused_by_custodian(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, NULL, &who);
	submit_as(&who, &a);
	expect_result(&a, DISP_FAILED, HR_E_ACCESSDENIED, "MS-ICPR is off (icpr_no_rpc)");
	assert_int_equal(a.result.cert_len, 0);
	core_answer_free(&a);
	core_retrieve(&core, &who, 1, &a);
	expect_result(&a, 0, HR_E_ACCESSDENIED, "MS-ICPR is off (icpr_no_rpc)");
	core_answer_free(&a);
}

/* A token minted with another key than this channel's: a forgery. */
static void test_token_from_another_key(void **state)
{
	static const uint8_t other[IDTOKEN_KEY_LEN] = {1, 2, 3};
	struct core_who who;
	struct core_answer a;

	(void)state;
	memset(&who, 0, sizeof(who));
	core_token(&core, other, ALICE, (int64_t)time(NULL) + 600, who.token, &who.token_len);
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("identity token not made by ca-auth (bad MAC)");
	assert_int_equal(core_ledger_head(&core), 2); /* nothing in anyone's name */
}

static void test_token_tampered(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, NULL, &who);
	/* inside the identity ("mlice"): before the MAC field (36) and the empty
	 * attributes (4 x 4 + 4) */
	who.token[who.token_len - 36 - 20 - 5] ^= 'a' ^ 'm';
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("identity token not made by ca-auth (bad MAC)");
}

/* A subject token (what ca-auth mints for the account an agent's request names,
 * AUTH_LOOKUP) under this worker's key is never a requester: passed as the
 * caller's token it is a violation, nothing recorded in anyone's name. */
static void test_subject_token_is_no_requester(void **state)
{
	struct idtoken t = {.purpose = IDTOKEN_SUBJECT, .logon = 7};
	struct core_who who;
	struct core_answer a;
	char why[128];

	(void)state;
	memset(&who, 0, sizeof(who));
	t.expires = (int64_t)time(NULL) + 600;
	snprintf(t.identity, sizeof(t.identity), "%s", ALICE);
	assert_int_equal(idtoken_mint(core.id_key, &t, who.token, &who.token_len, why,
				      sizeof(why)),
			 0);
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("identity token for a subject account where a logon was expected");
	assert_int_equal(core_ledger_head(&core), 2); /* nothing in anyone's name */
}

/* A version 3 token with every attribute (as ca-auth mints it from
 * DATA/auth/attributes), its groups at their bound (256 of 128 bytes: an AD
 * user's PAC), names its requester as before through CUST_SUBMIT's and
 * CUST_RETRIEVE's whitelist bounds: the custodian records the identity; what it
 * does with the attributes is the policy's. */
static void test_token_with_attributes_accepted(void **state)
{
	struct core_who who;
	struct core_answer a;
	static struct id_attrs at;
	char why[256];
	uint32_t id;

	(void)state;
	memset(&who, 0, sizeof(who));
	memset(&at, 0, sizeof(at));
	strcpy(at.upn, "alice@example.com");
	strcpy(at.email, "alice@example.com");
	strcpy(at.dns, "alice-pc.example.com");
	strcpy(at.sid, "S-1-5-21-1-2-3-1001");
	assert_int_equal(IDENTITY_MAX_GROUPS, 256);
	for (int i = 0; i < IDENTITY_MAX_GROUPS; i++) {
		char g[IDENTITY_GROUP_MAX + 1];

		memset(g, 'g', IDENTITY_GROUP_MAX);
		g[IDENTITY_GROUP_MAX] = 0;
		snprintf(g, 16, "group %03d", i);
		g[strlen(g)] = 'g'; /* snprintf's NUL: the name goes on to 128 bytes */
		assert_int_equal(id_attrs_add_group(&at, g, why, sizeof(why)), 0);
	}
	assert_int_equal(id_attrs_add_group(&at, "one more", why, sizeof(why)), -1);
	core_token_attrs(&core, NULL, ALICE, &at, (int64_t)time(NULL) + 60, who.token,
			 &who.token_len);
	/* every attribute is in it (and the purpose): the fixed fields, five
	 * strings, the count, 256 groups of 4 + 128 bytes, the MAC */
	assert_int_equal(who.token_len, 4 + 4 + 8 + 8 + (4 + strlen(ALICE)) + (4 + 17) + (4 + 17) +
						(4 + 20) + (4 + 19) + 4 + 256 * (4 + 128) + 4 + 32);
	assert_true(who.token_len > 32 * 1024);
	submit_as(&who, &a);
	expect_result(&a, DISP_PENDING, 0, "Taken Under Submission");
	id = a.result.request_id;
	expect_recorded(id, ALICE, FMT_PKCS10, DISP_PENDING, 0);
	core_answer_free(&a);
	/* the same token retrieves it (CUST_RETRIEVE's bound) */
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	expect_result(&a, DISP_PENDING, 0, "Taken Under Submission");
	core_answer_free(&a);
}

static void test_token_expired(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	memset(&who, 0, sizeof(who));
	core_token(&core, NULL, ALICE, (int64_t)time(NULL) - 1, who.token, &who.token_len);
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("identity token expired");
}

static void test_token_truncated(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, NULL, &who);
	who.token_len -= 1;
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("malformed identity token");
}

static void test_named_beside_token(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, BOB, &who);
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("a requester named beside an identity token");
}

static void test_named_without_token(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, NULL, BOB, &who); /* a worker naming an account */
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("a requester named without an identity token");
}

static void test_anonymous_without_address(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, NULL, "anonymous@", &who);
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("a requester named without an identity token");
}

static int setup_no_id_key(void **state)
{
	struct core_opts o = {.no_id_key = 1};

	(void)state;
	if (core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static void test_token_on_channel_without_key(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, NULL, &who);
	submit_as(&who, &a);
	assert_int_equal(a.kind, 0);
	expect_violation("an identity token on a channel without a key");
}

/* ---- retrieval ------------------------------------------------------------------- */

/* A pending request of ALICE's: its id. */
static uint32_t pending_of_alice(void)
{
	struct core_who who;
	struct core_answer a;
	uint32_t id;

	core_who(&core, ALICE, NULL, &who);
	submit_as(&who, &a);
	expect_result(&a, DISP_PENDING, 0, "Taken Under Submission");
	id = a.result.request_id;
	core_answer_free(&a);
	return id;
}

static void test_retrieve_nonexistent(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_retrieve(&core, &who, 4242, &a), 0);
	expect_result(&a, 0, HR_CERTSRV_E_PROPERTY_EMPTY, "no such request");
	assert_int_equal(a.result.request_id, 4242);
	core_answer_free(&a);
	assert_int_equal(core_retrieve(&core, &who, 0, &a), 0);
	expect_result(&a, 0, HR_CERTSRV_E_PROPERTY_EMPTY, "no such request");
	core_answer_free(&a);
}

static void test_retrieve_by_another_requester(void **state)
{
	struct core_who bob, anon;
	struct core_answer a;
	uint32_t id = pending_of_alice();

	(void)state;
	core_who(&core, BOB, NULL, &bob);
	assert_int_equal(core_retrieve(&core, &bob, id, &a), 0);
	expect_result(&a, 0, HR_E_ACCESSDENIED, "the request was made by another requester");
	assert_int_equal(a.result.cert_len, 0);
	core_answer_free(&a);
	/* Anonymous calls are off (setup_pend): the custodian's own access check
	 * refuses before it looks at the request. */
	core_who(&core, NULL, ANON, &anon);
	assert_int_equal(core_retrieve(&core, &anon, id, &a), 0);
	expect_result(&a, 0, HR_E_ACCESSDENIED,
		      "no logon, and anonymous enrollment is off (icpr_allow_anonymous)");
	core_answer_free(&a);
}

static void test_retrieve_failed(void **state)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;
	uint32_t id;

	(void)state;
	csr_for("CN=host1.example", "rsa1024", "small", "small", &csr);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	id = a.result.request_id;
	core_answer_free(&a);
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	expect_result(&a, DISP_FAILED, HR_CERTSRV_E_KEY_LENGTH,
		      "public key type or size not allowed (" X509_KEY_RULE ")");
	core_answer_free(&a);
	x509_buf_free(&csr);
}

/* ---- the ledger with no room ----------------------------------------------------- */

/* A reserve larger than any disk: ordinary work finds the ledger full. */
static int setup_full(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request", NULL};

	(void)state;
	if (start(conf, 1u << 30) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static void test_full_ledger_submit(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, NULL, &who);
	submit_as(&who, &a);
	assert_int_equal(a.kind, CUST_ERROR);
	assert_int_equal(a.error.hresult, HR_DISK_FULL);
	assert_int_equal(a.error.hresult, 0x80070070u);
	expect_prefix(a.error.message, "the CA could not record the request: ledger: the "
				       "ledger's disk is nearly full: ");
	core_answer_free(&a);
	expect_nothing_recorded();
}

static void test_full_ledger_refusal(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, NULL, &who);
	{
		struct x509_buf csr;

		csr_for("CN=host1.example", "rsa1024", "small", "small", &csr);
		assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
		x509_buf_free(&csr);
	}
	/* a refusal decided by the custodian is recorded first: no room, no decision */
	assert_int_equal(a.kind, CUST_ERROR);
	assert_int_equal(a.error.hresult, HR_DISK_FULL);
	core_answer_free(&a);
	expect_nothing_recorded();
}

/* ---- CUST_REFUSED and the journal budget ---------------------------------------- */

/* The worker's refusal of a request by who from peer. */
static void refused(const struct core_who *who, const char *peer, struct core_answer *a)
{
	static const uint8_t sha[CUST_SHA256_LEN] = {0xab};
	struct cust_refused q;
	struct ipc_wbuf w;

	memset(&q, 0, sizeof(q));
	q.hresult = HR_E_INVALIDARG;
	q.who.token = who->token;
	q.who.token_len = who->token_len;
	if (who->anonymous != NULL)
		snprintf(q.who.requester, sizeof(q.who.requester), "%s", who->anonymous);
	snprintf(q.message, sizeof(q.message), "the request is 70000 bytes; at most 65536 are "
					       "accepted");
	q.size = 70000;
	q.sha256 = sha;
	snprintf(q.peer, sizeof(q.peer), "%s", peer);
	ipc_wbuf_init(&w);
	cust_refused_encode(&w, &q);
	assert_int_equal(core_answer(&core, core_send(&core, CUST_REFUSED, &w), a), 0);
}

/* A burst from one address: its first three refusals journaled one by one, the
 * rest counted and journaled as one record when the custodian stops. */
static void test_refusal_burst_summarised(void **state)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	struct core_who who;
	struct core_answer a;
	uint8_t *rec;

	(void)state;
	assert_non_null(strbuf);
	core_who(&core, NULL, ANON, &who);
	for (int i = 0; i < 7; i++) {
		refused(&who, "192.0.2.7", &a);
		expect_result(&a, DISP_FAILED, HR_E_INVALIDARG,
			      "the request is 70000 bytes; at most 65536 are accepted");
		if (i < 3)
			assert_int_equal(a.result.request_id, (uint32_t)i + 1);
		else
			assert_int_equal(a.result.request_id, 0); /* counted */
		core_answer_free(&a);
	}
	assert_int_equal(core_ledger_head(&core), 1 + 3 * 2);
	/* the custodian's stop journals the burst's count */
	core_end_channel(&core);
	custodian_close(core.cust);
	core.cust = NULL;
	assert_int_equal(core_ledger_head(&core), 1 + 4 * 2);
	assert_int_equal(core_ledger_event(&core, 8, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_REQUEST_RECEIVED);
	assert_int_equal(ev.u.request.format, FMT_DIGEST);
	assert_int_equal(ev.u.request.count, 4);
	assert_string_equal(ev.u.request.peer, "192.0.2.7");
	assert_string_equal(ev.u.request.requester, ANON);
	assert_int_equal(ev.u.request.raw.len, LEDGER_DIGEST_LEN);
	assert_int_equal(ev.u.request.raw.p[0], 70000 & 0xff); /* u32 size, then the hash */
	assert_int_equal(ev.u.request.raw.p[4], 0xab);
	free(rec);
	free(strbuf);
}

static void test_refusal_by_account(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, ALICE, NULL, &who);
	refused(&who, "198.51.100.1", &a);
	expect_result(&a, DISP_FAILED, HR_E_INVALIDARG,
		      "the request is 70000 bytes; at most 65536 are accepted");
	expect_recorded(a.result.request_id, ALICE, FMT_DIGEST, DISP_FAILED, HR_E_INVALIDARG);
	core_answer_free(&a);
}

static void test_refusal_anonymous_elsewhere(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, NULL, ANON, &who);
	refused(&who, "192.0.2.8", &a);
	assert_int_equal(a.kind, 0);
	expect_violation("an anonymous requester named by another address");
}

/* With no room, a refusal is still answered (request id 0), counted for later. */
static void test_refusal_with_full_ledger(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, NULL, ANON, &who);
	refused(&who, "192.0.2.7", &a);
	expect_result(&a, DISP_FAILED, HR_E_INVALIDARG,
		      "the request is 70000 bytes; at most 65536 are accepted");
	assert_int_equal(a.result.request_id, 0);
	core_answer_free(&a);
	expect_nothing_recorded();
}

/* ---- CUST_AUTH_EVENT ----------------------------------------------------------- */

static void auth_event(uint32_t what, const char *peer, const char *claimed,
		       struct core_answer *a)
{
	struct cust_auth_event q;
	struct ipc_wbuf w;

	memset(&q, 0, sizeof(q));
	q.what = what;
	snprintf(q.peer, sizeof(q.peer), "%s", peer);
	snprintf(q.claimed, sizeof(q.claimed), "%s", claimed);
	snprintf(q.detail, sizeof(q.detail), "wrong password");
	ipc_wbuf_init(&w);
	cust_auth_event_encode(&w, &q);
	assert_int_equal(core_answer(&core, core_send(&core, CUST_AUTH_EVENT, &w), a), 0);
}

static void test_auth_events(void **state)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	struct core_answer a;
	uint8_t *rec;

	(void)state;
	assert_non_null(strbuf);
	for (int i = 0; i < 4; i++) {
		auth_event(CUST_LOGON_NTLM_REFUSED, "192.0.2.9", BOB, &a);
		expect_result(&a, 0, 0, i < 3 ? "recorded" : "counted");
		core_answer_free(&a);
	}
	assert_int_equal(core_ledger_head(&core), 4);
	assert_int_equal(core_ledger_event(&core, 2, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_LOGON_REFUSED);
	assert_string_equal(ev.actor, LOGON_ACTOR);
	assert_int_equal(ev.u.logon.action, LOGON_NTLM_REFUSED);
	assert_string_equal(ev.u.logon.peer, "192.0.2.9");
	assert_string_equal(ev.u.logon.claimed, BOB);
	assert_string_equal(ev.u.logon.detail, "wrong password");
	free(rec);
	free(strbuf);
	auth_event(CUST_LOGON_RPC_VIOLATION, "203.0.113.1", "", &a);
	expect_result(&a, 0, 0, "recorded");
	core_answer_free(&a);
	auth_event(CUST_LOGON_RETRIEVE_REFUSED, "203.0.113.2", ALICE, &a);
	expect_result(&a, 0, 0, "recorded");
	core_answer_free(&a);
}

static void test_auth_event_with_full_ledger(void **state)
{
	struct core_answer a;

	(void)state;
	auth_event(CUST_LOGON_NTLM_REFUSED, "192.0.2.9", BOB, &a);
	expect_result(&a, 0, 0, "counted");
	core_answer_free(&a);
	expect_nothing_recorded();
}

/* ---- without a ledger: the signing benchmark's unrecorded issuance --------- */

static int setup_unrecorded(void **state)
{
	struct core_opts o = {.no_ledger = 1};

	(void)state;
	if (core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

/* CUST_ISSUE of subject over <oracle>/<key>.key's key (kind), for days; the
 * answer's frame. */
static void issue(const char *subject, const char *kind, const char *key, uint32_t profile,
		  uint32_t days, struct ipc_msg *m)
{
	struct cust_issue q;
	struct x509_buf spki;
	struct ipc_wbuf w;
	uint32_t id;

	assert_int_equal(oracle_genkey(kind, key, &spki), 0);
	memset(&q, 0, sizeof(q));
	q.profile = profile;
	snprintf(q.subject, sizeof(q.subject), "%s", subject);
	q.spki = spki.data;
	q.spki_len = spki.len;
	q.validity_days = days;
	ipc_wbuf_init(&w);
	cust_issue_encode(&w, &q);
	id = core_send(&core, CUST_ISSUE, &w);
	assert_int_equal(core_recv(&core, m), 1);
	assert_int_equal(m->hdr.id, id);
	x509_buf_free(&spki);
}

static void expect_issue_error(struct ipc_msg *m, uint32_t hr, const char *message)
{
	struct cust_error e;

	assert_int_equal(m->hdr.type, CUST_ERROR);
	assert_int_equal(cust_error_decode(m->data, m->hdr.len, &e), 0);
	assert_int_equal(e.hresult, hr);
	assert_string_equal(e.message, message);
	ipc_msg_free(m);
}

static void test_unrecorded_issue(void **state)
{
	struct x509_cert_info info;
	struct cust_issued out;
	struct ipc_msg m;
	char dn[256];

	(void)state;
	issue("CN=bench.example", "p256", "bench", CUST_PROFILE_SERVER, 30, &m);
	assert_int_equal(m.hdr.type, CUST_ISSUED);
	assert_int_equal(cust_issued_decode(m.data, m.hdr.len, &out), 0);
	if (x509_cert_decode(out.cert, out.cert_len, &info, err, sizeof err) != 0)
		fail_msg("the certificate does not decode: %s", err);
	x509_name_format(info.subject.data, info.subject.len, dn, sizeof dn);
	assert_string_equal(dn, "CN=bench.example");
	assert_int_equal(info.not_after - info.not_before >= 30 * 86400, 1);
	x509_cert_info_free(&info);
	ipc_msg_free(&m);
}

static void test_unrecorded_refusals(void **state)
{
	struct ipc_msg m;

	(void)state;
	issue("CN=bench.example", "rsa1024", "small", CUST_PROFILE_CLIENT, 30, &m);
	expect_issue_error(&m, HR_CERTSRV_E_KEY_LENGTH, "public key type or size not allowed");
	issue("CN=bench.example", "p256", "k", CUST_PROFILE_CLIENT, 0, &m);
	expect_issue_error(&m, HR_E_INVALIDARG, "validity must be 1..3650 days");
	issue("CN=bench.example", "p256", "k", CUST_PROFILE_CLIENT, 3651, &m);
	expect_issue_error(&m, HR_E_INVALIDARG, "validity must be 1..3650 days");
	issue("CN=bench.example", "p256", "k", 9, 30, &m);
	assert_int_equal(m.hdr.type, CUST_ERROR);
	{
		struct cust_error e;

		assert_int_equal(cust_error_decode(m.data, m.hdr.len, &e), 0);
		assert_int_equal(e.hresult, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE);
	}
	ipc_msg_free(&m);
}

static void test_unrecorded_bad_subject(void **state)
{
	struct ipc_msg m;
	struct cust_error e;

	(void)state;
	issue("no equals sign", "p256", "k", CUST_PROFILE_CLIENT, 30, &m);
	assert_int_equal(m.hdr.type, CUST_ERROR);
	assert_int_equal(cust_error_decode(m.data, m.hdr.len, &e), 0);
	assert_int_equal(e.hresult, HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_true(strlen(e.message) > 0);
	ipc_msg_free(&m);
}

/* Without a ledger nothing is recorded, so enrollment is not admitted at all. */
static void test_unrecorded_refuses_submit(void **state)
{
	struct core_who who;
	struct core_answer a;
	struct x509_buf csr;

	(void)state;
	good_csr(&csr);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.kind, 0);
	assert_int_equal(core_end_channel(&core), 1);
	x509_buf_free(&csr);
}

static void test_recorded_refuses_issue(void **state)
{
	(void)state;
	send_garbage(CUST_ISSUE, 16);
	expect_violation("unexpected message type 272 from worker in state 1");
}

/* ---- start-up: the configuration the custodian refuses ------------------- */

/* core_start with one ca.conf setting fails in custodian_open with message. */
static void expect_start_refused(const char *setting, const char *message)
{
	const char *const conf[] = {setting, NULL};
	struct core_opts o = {.conf = conf};

	assert_int_equal(core_start(&core, &ca_template, &o), -1);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
	assert_string_equal(core.err, message);
}

/* CUST_CA_INFO's interface flags: the three known bits round-trip, any other is a
 * custodian that is not ours (the worker's decoder refuses it). */
static void test_ca_info_flags(void **state)
{
	static const uint8_t cert[] = {0x30, 0x00};
	struct cust_ca_info in = {cert, sizeof(cert), NULL, 0, CUST_IF_ALL}, out;
	struct ipc_wbuf w;

	(void)state;
	ipc_wbuf_init(&w);
	cust_ca_info_encode(&w, &in);
	assert_int_equal(cust_ca_info_decode(w.data, w.len, &out), 0);
	assert_int_equal(out.flags, CUST_IF_ENFORCE_ENCRYPTION | CUST_IF_ALLOW_ANONYMOUS |
					    CUST_IF_NO_RPC);
	ipc_wbuf_free(&w);
	in.flags = 8;
	ipc_wbuf_init(&w);
	cust_ca_info_encode(&w, &in);
	assert_int_equal(cust_ca_info_decode(w.data, w.len, &out), -1);
	/* Without the flags (an older custodian's answer): refused too. */
	assert_int_equal(cust_ca_info_decode(w.data, w.len - 4, &out), -1);
	ipc_wbuf_free(&w);
}

/* SAN or EKU among csr_extensions with policy = issue: refused at start, and
 * nothing of ca.conf imported into the journal. */
static void test_san_needs_pend(void **state)
{
	static const char *const san[] = {"policy=issue", "csr_extensions=2.5.29.17", NULL};
	static const char *const eku[] = {"csr_extensions=1.2.3,2.5.29.37", "policy=issue", NULL};
	struct core_opts o = {.conf = san};

	(void)state;
	assert_int_equal(core_start(&core, &ca_template, &o), -1);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
	assert_string_equal(core.err, "the CA's settings (journal, then ca.conf): csr_extensions "
				      "lists 2.5.29.17 (subjectAltName), which only policy = pend "
				      "allows: an officer approves each such request");
	o.conf = eku;
	assert_int_equal(core_start(&core, &ca_template, &o), -1);
	assert_string_equal(core.err, "the CA's settings (journal, then ca.conf): csr_extensions "
				      "lists 2.5.29.37 (extendedKeyUsage), which only policy = pend "
				      "allows: an officer approves each such request");
}

static void test_configuration_refused(void **state)
{
	(void)state;
	expect_start_refused("icpr_allow_anonymous=yes", "ca.conf: icpr_allow_anonymous must be "
							 "0 or 1, not 'yes'");
	expect_start_refused("crl_delta_period=1s", "ca.conf: crl_delta_period: 0 (none) or at "
						    "least 60s");
	expect_start_refused("policy=sometimes", "ca.conf: policy must be 'pend' or 'issue', "
						 "not 'sometimes'");
	expect_start_refused("subject_rule=anyone", "ca.conf: subject_rule must be 'account' "
						    "or 'request', not 'anyone'");
	expect_start_refused("validity_days=0", "ca.conf: validity_days must be 1..3650");
	expect_start_refused("validity_days=12x", "ca.conf: validity_days must be 1..3650");
	expect_start_refused("csr_extensions=2.5.29.17,2.5.29.19",
			     "ca.conf: csr_extensions: 2.5.29.19 is not an OID a request may set "
			     "(at most 8; never basicConstraints or key identifiers)");
	expect_start_refused("csr_extensions=subjectAltName",
			     "ca.conf: csr_extensions: subjectAltName is not an OID a request may "
			     "set (at most 8; never basicConstraints or key identifiers)");
	expect_start_refused("journal_burst_quiet=0", "ca.conf: journal_burst_quiet must be "
						      "1..3600");
	expect_start_refused("journal_refusal_rate=-1", "ca.conf: journal_refusal_rate must be "
							"1..10000");
	expect_start_refused("journal_burst_first=1001", "ca.conf: journal_burst_first must be "
							 "1..1000");
	expect_start_refused("crl_period=weekly", "ca.conf: crl_period: not a duration (N with "
						  "s, m, h or d)");
	expect_start_refused("cdp_url=not a url", "ca.conf: cdp_url: not a URI (http://, "
						  "https://, ldap://, ldaps:// or file://; printable "
						  "ASCII)");
}

/* A request may ask for the extensions csr_extensions lists: they are issued,
 * the others dropped. (With policy = issue, SAN and EKU may not be listed:
 * test_san_needs_pend.) */
static int setup_san(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request",
					   "csr_extensions=2.5.29.32", "validity_days=7", NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static void test_allowed_extension_issued(void **state)
{
	static const uint8_t san_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x11};
	static const uint8_t cp_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x20};
	static const uint8_t policy_oid[] = {0x06, 0x03, 0x2a, 0x03, 0x04}; /* 1.2.3.4 */
	static const uint8_t eku_oid[] = {0x06, 0x03, 0x55, 0x1d, 0x25, 0x04};
	struct x509_cert_info info;
	struct core_who who;
	struct core_answer a;
	struct x509_buf csr;
	char *out = NULL;

	(void)state;
	if (oracle_run(&out, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
			     "-out '%s' && openssl req -new -key '%s' -subj /CN=host1.example "
			     "-addext subjectAltName=DNS:host1.example "
			     "-addext extendedKeyUsage=codeSigning "
			     "-addext certificatePolicies=1.2.3.4 -outform DER -out '%s'",
		       oracle_path("san.key"), oracle_path("san.key"), oracle_path("san.csr")) != 0)
		fail_msg("openssl req: %s", out);
	free(out);
	assert_int_equal(oracle_read(oracle_path("san.csr"), &csr), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	expect_result(&a, DISP_ISSUED, 0, "Issued");
	assert_non_null(memmem(a.result.cert, a.result.cert_len, cp_oid, sizeof cp_oid));
	assert_non_null(memmem(a.result.cert, a.result.cert_len, policy_oid, sizeof policy_oid));
	/* The SAN it asked for is not listed: dropped. */
	assert_null(memmem(a.result.cert, a.result.cert_len, san_oid, sizeof san_oid));
	(void)eku_oid; /* the profile's EKU (clientAuth), never the request's codeSigning: */
	assert_null(memmem(a.result.cert, a.result.cert_len,
			   "\x2b\x06\x01\x05\x05\x07\x03\x03", 8));
	assert_int_equal(x509_cert_decode(a.result.cert, a.result.cert_len, &info, err,
					  sizeof err), 0);
	assert_true(info.not_after - info.not_before <= 7 * 86400 + 3600);
	x509_cert_info_free(&info);
	core_answer_free(&a);
	x509_buf_free(&csr);
}

/* ---- the journal budget's clock and rate ------------------------------------- */

static int setup_quick_budget(void **state)
{
	static const char *const conf[] = {"journal_burst_first=1", "journal_burst_quiet=1",
					   "journal_refusal_rate=1", NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

/* The head once it stops moving (the budget's thread journals within seconds). */
static uint64_t settled_head(uint64_t want)
{
	for (int i = 0; i < 100 && core_ledger_head(&core) < want; i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	return core_ledger_head(&core);
}

/* A burst that goes quiet is journaled by the budget's thread, not at shutdown. */
static void test_burst_quiet_journaled(void **state)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	struct core_who who;
	struct core_answer a;
	uint8_t *rec;

	(void)state;
	assert_non_null(strbuf);
	core_who(&core, ALICE, NULL, &who);
	for (int i = 0; i < 3; i++) {
		refused(&who, "192.0.2.7", &a);
		assert_int_equal(a.result.request_id, i == 0 ? 1 : 0);
		core_answer_free(&a);
	}
	/* quiet for a second: the count of the two counted ones, one record */
	assert_int_equal(settled_head(1 + 2 * 2), 1 + 2 * 2);
	assert_int_equal(core_ledger_event(&core, 4, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_REQUEST_RECEIVED);
	assert_int_equal(ev.u.request.count, 2);
	assert_string_equal(ev.u.request.requester, ALICE);
	free(rec);
	free(strbuf);
}

/* Beyond the global rate, events from ever new addresses count under "*". */
static void test_rate_counts_under_star(void **state)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	struct core_answer a;
	char peer[32];
	int journaled = 0;

	(void)state;
	assert_non_null(strbuf);
	for (int i = 0; i < 30; i++) {
		snprintf(peer, sizeof peer, "198.51.100.%d", i + 1);
		auth_event(CUST_LOGON_NTLM_REFUSED, peer, "", &a);
		journaled += strcmp(a.result.message, "recorded") == 0;
		core_answer_free(&a);
	}
	/* ten seconds' worth banked at one a second: ten one by one, and one more for
	 * each second the loop took (a slow machine), never all of them */
	assert_true(journaled >= 10 && journaled <= 20);
	core_end_channel(&core);
	custodian_close(core.cust);
	core.cust = NULL;
	/* the rest in one summary under the overflow key */
	assert_int_equal(core_ledger_head(&core), 1 + (uint64_t)journaled + 1);
	{
		uint8_t *rec;

		assert_int_equal(core_ledger_event(&core, core_ledger_head(&core), &ev, strbuf,
						   &rec), 0);
		assert_int_equal(ev.type, EV_LOGON_REFUSED);
		assert_string_equal(ev.u.logon.peer, "*");
		assert_int_equal(ev.u.logon.count, 30 - journaled);
		free(rec);
	}
	free(strbuf);
}

/* ---- guard rails of automatic issuance (issue 14) ------------------------------ */

#define BAD_SUBJECT HR_CERTSRV_E_BAD_REQUESTSUBJECT
#define CA_DN "CN=Core Harness Root CA,O=Example" /* core_harness.c's ceremony */

/* policy = issue with the default subject rule (account). */
static int setup_issue_account(void **state)
{
	static const char *const conf[] = {"policy=issue", NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static int setup_issue_account_anonymous(void **state)
{
	/* Anonymous calls need enforcement off too (policy_check). */
	static const char *const conf[] = {"policy=issue", "icpr_allow_anonymous=1",
					   "icpr_enforce_encryption=0", NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

/* Submits a request for dn (RFC 4514) as identity (NULL: anonymous ANON). */
static void submit_dn(const char *identity, const char *dn, struct core_answer *a)
{
	struct core_who who;
	struct x509_buf csr;

	csr_for(dn, "p256", "guard", "guard", &csr);
	core_who(&core, identity, identity == NULL ? ANON : NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, a), 0);
	x509_buf_free(&csr);
}

/* Submits a request with a subject given as DER bytes and, when exts is not NULL,
 * an extensionRequest of exts (DER Extensions), as alice. */
static void submit_raw(const uint8_t *subject, size_t len, const uint8_t *exts,
		       size_t exts_len, struct core_answer *a)
{
	struct x509_buf name = {(uint8_t *)subject, len}, csr;
	struct core_who who;

	if (core_csr_raw(&name, exts, exts_len, "p256", "guard", &csr) != 0)
		fail_msg("cannot make a raw request");
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, a), 0);
	x509_buf_free(&csr);
}

/* A refusal of the request's names: Failed, CERTSRV_E_BAD_REQUESTSUBJECT, message,
 * recorded with its decision and nothing issued. */
static void expect_bad_subject(struct core_answer *a, const char *requester, const char *msg)
{
	expect_result(a, DISP_FAILED, BAD_SUBJECT, msg);
	assert_int_equal(a->result.cert_len, 0);
	expect_recorded(a->result.request_id, requester, FMT_PKCS10, DISP_FAILED, BAD_SUBJECT);
	core_answer_free(a);
}

static const char account_alice[] = "subject_rule = account: the subject must be CN=alice "
				    "(the account's name) and nothing else";

/* alice asks for CN=Administrator, for her name with more beside it, or in a
 * multi-valued RDN: refused, recorded as refused. */
static void test_account_rule_refuses_other_subjects(void **state)
{
	static const char *const dns[] = {"CN=Administrator", "CN=alice,O=Example",
					  "CN=alice+O=Example", "CN=alicex", "O=alice",
					  "CN=alice\\20x"};
	struct core_answer a;

	(void)state;
	for (size_t i = 0; i < sizeof(dns) / sizeof(dns[0]); i++) {
		submit_dn(ALICE, dns[i], &a);
		expect_bad_subject(&a, ALICE, account_alice);
	}
}

/* CN=alice from alice is issued, in any ASCII case; the certificate's subject is
 * the request's. */
static void test_account_rule_issues_own_name(void **state)
{
	struct x509_cert_info info;
	struct x509_buf want;
	struct core_answer a;

	(void)state;
	submit_dn(ALICE, "CN=ALICE", &a);
	expect_result(&a, DISP_ISSUED, 0, "Issued");
	assert_int_equal(x509_cert_decode(a.result.cert, a.result.cert_len, &info, err,
					  sizeof err), 0);
	assert_int_equal(x509_name_parse("CN=ALICE", &want, err, sizeof err), 0);
	assert_int_equal(info.subject.len, want.len);
	assert_memory_equal(info.subject.data, want.data, want.len);
	x509_cert_info_free(&info);
	x509_buf_free(&want);
	core_answer_free(&a);
	/* bob is not alice */
	submit_dn(BOB, "CN=alice", &a);
	expect_bad_subject(&a, BOB, "subject_rule = account: the subject must be CN=bob "
				    "(the account's name) and nothing else");
}

/* An anonymous requester has no account: nothing of its choosing is issued. */
static void test_account_rule_refuses_anonymous(void **state)
{
	struct core_answer a;

	(void)state;
	submit_dn(NULL, "CN=anonymous", &a);
	expect_bad_subject(&a, ANON, "subject_rule = account: an anonymous requester has no "
				     "account, so no subject of its choosing is issued");
}

/* Under policy = pend the rule does not apply: an officer decides. */
static void test_pend_keeps_any_subject(void **state)
{
	struct core_answer a;

	(void)state;
	submit_dn(ALICE, "CN=Administrator", &a);
	expect_result(&a, DISP_PENDING, 0, "Taken Under Submission");
	core_answer_free(&a);
}

static const char ca_name_msg[] = "the request's subject is the CA's own name: a "
				  "certificate's subject may never be its issuer's";

/* The CA's own name, however written, under every policy and rule. */
static void test_ca_name_refused(void **state)
{
	static const char *const dns[] = {CA_DN, "cn=core harness root ca,o=EXAMPLE",
					  "CN=  Core   Harness Root CA ,O=Example",
					  "CN=Core\\C2\\A0Harness Root CA,O=Example"};
	struct core_answer a;

	(void)state;
	for (size_t i = 0; i < sizeof(dns) / sizeof(dns[0]); i++) {
		submit_dn(ALICE, dns[i], &a);
		expect_bad_subject(&a, ALICE, ca_name_msg);
	}
	/* Another name of the same words is not the CA's. */
	submit_dn(ALICE, "CN=Core Harness Root CA", &a);
	assert_int_not_equal(a.result.hresult, BAD_SUBJECT);
	core_answer_free(&a);
}

/* Control and bidi characters in the subject, under every policy. */
static void test_subject_characters_refused(void **state)
{
	static const struct {
		const char *dn, *msg;
	} cases[] = {
		{"CN=a\\1Bb", "the request's subject: CN holds a control character (U+001B), "
			      "refused in any name"},
		{"CN=a\\7Fb", "the request's subject: CN holds a control character (U+007F), "
			      "refused in any name"},
		{"CN=a\\C2\\85b", "the request's subject: CN holds a control character (U+0085), "
				  "refused in any name"},
		{"CN=x,O=\\E2\\80\\AEevil", "the request's subject: O holds a bidirectional "
					    "control character (U+202E), refused in any name"},
		{"CN=\\E2\\81\\A6x", "the request's subject: CN holds a bidirectional control "
				     "character (U+2066), refused in any name"},
		{"CN=a\\09b", "the request's subject: CN holds a control character (U+0009), "
			      "refused in any name"},
	};
	struct core_answer a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		submit_dn(ALICE, cases[i].dn, &a);
		expect_bad_subject(&a, ALICE, cases[i].msg);
	}
}

/* Strings the name parser would never write: NUL, invalid UTF-8, an unpaired
 * BMP surrogate, a PrintableString out of its repertoire. */
static void test_subject_invalid_strings_refused(void **state)
{
	static const struct {
		uint8_t der[16];
		size_t len;
		const char *msg;
	} cases[] = {
		/* CN UTF8String "a\0b" */
		{{0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03,
		  'a', 0x00, 'b'}, 16,
		 "the request's subject: CN holds a control character (U+0000), refused in any "
		 "name"},
		/* CN UTF8String C0 AF (overlong "/") */
		{{0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02,
		  0xc0, 0xaf}, 15,
		 "the request's subject: CN is not valid UTF-8"},
		/* CN UTF8String ED A0 80 (a surrogate) */
		{{0x30, 0x0e, 0x31, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x03,
		  0xed, 0xa0, 0x80}, 16,
		 "the request's subject: CN is not valid UTF-8"},
		/* CN BMPString D8 00 (a lone high surrogate) */
		{{0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x1e, 0x02,
		  0xd8, 0x00}, 15,
		 "the request's subject: CN is not a valid BMPString (unpaired surrogate)"},
		/* O PrintableString "a\x1b" */
		{{0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x02,
		  'a', 0x1b}, 15,
		 "the request's subject: O is not a PrintableString"},
		/* CN TeletexString "a\x9b" (C1 CSI, read as Latin-1) */
		{{0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x14, 0x02,
		  'a', 0x9b}, 15,
		 "the request's subject: CN holds a control character (U+009B), refused in any "
		 "name"},
	};
	struct core_answer a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		submit_raw(cases[i].der, cases[i].len, NULL, 0, &a);
		expect_bad_subject(&a, ALICE, cases[i].msg);
	}
}

/* Extensions ::= SEQUENCE { Extension { extnID, extnValue OCTET STRING { v } } }
 * with one extension; v up to 100 bytes. */
static size_t one_ext(uint8_t *out, const uint8_t *oid, size_t oid_len, const uint8_t *v,
		      size_t vlen)
{
	size_t ext = 2 + oid_len + 2 + vlen, n = 0;

	assert_true(vlen < 100);
	out[n++] = 0x30;
	out[n++] = (uint8_t)(2 + ext);
	out[n++] = 0x30;
	out[n++] = (uint8_t)ext;
	out[n++] = 0x06;
	out[n++] = (uint8_t)oid_len;
	memcpy(out + n, oid, oid_len);
	n += oid_len;
	out[n++] = 0x04;
	out[n++] = (uint8_t)vlen;
	memcpy(out + n, v, vlen);
	return n + vlen;
}

static const uint8_t SAN_OID[] = {0x55, 0x1d, 0x11};
static const uint8_t EKU_OID[] = {0x55, 0x1d, 0x25};
static const uint8_t HOST_SUBJECT[] = {0x30, 0x18, 0x31, 0x16, 0x30, 0x14, 0x06, 0x03, 0x55,
				       0x04, 0x03, 0x0c, 0x0d, 'h', 'o', 's', 't', '1', '.',
				       'e', 'x', 'a', 'm', 'p', 'l', 'e'};

/* A subjectAltName's names are checked whether csr_extensions lets it through
 * (setup_san) or not (setup_pend): the request is refused whole. */
static void test_san_characters_refused(void **state)
{
	static const struct {
		uint8_t san[40];
		size_t len;
		const char *msg;
	} cases[] = {
		/* dNSName "host\x1b" */
		{{0x30, 0x07, 0x82, 0x05, 'h', 'o', 's', 't', 0x1b}, 9,
		 "the request's subjectAltName: SAN dNSName holds a control character (U+001B), "
		 "refused in any name"},
		/* dNSName "ho\0st" */
		{{0x30, 0x07, 0x82, 0x05, 'h', 'o', 0x00, 's', 't'}, 9,
		 "the request's subjectAltName: SAN dNSName holds a control character (U+0000), "
		 "refused in any name"},
		/* UPN "adm" RLO "in" */
		{{0x30, 0x1c, 0xa0, 0x1a, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37,
		  0x14, 0x02, 0x03, 0xa0, 0x0c, 0x0c, 0x0a, 'a', 'd', 'm', 0xe2, 0x80, 0xae, 'i',
		  'n', '@', 'c'}, 30,
		 "the request's subjectAltName: SAN otherName UPN holds a bidirectional control "
		 "character (U+202E), refused in any name"},
		/* UPN with invalid UTF-8 */
		{{0x30, 0x17, 0xa0, 0x15, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37,
		  0x14, 0x02, 0x03, 0xa0, 0x07, 0x0c, 0x05, 'a', 0xff, 'm', '@', 'c'}, 25,
		 "the request's subjectAltName: SAN otherName UPN is not valid UTF-8"},
		/* rfc822Name with C1 in an IA5String: not ASCII */
		{{0x30, 0x06, 0x81, 0x04, 'a', 0xc2, 0x85, 'b'}, 8,
		 "the request's subjectAltName: SAN rfc822Name is not an IA5String (ASCII)"},
	};
	uint8_t exts[128];
	struct core_answer a;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = one_ext(exts, SAN_OID, sizeof(SAN_OID), cases[i].san, cases[i].len);

		submit_raw(HOST_SUBJECT, sizeof(HOST_SUBJECT), exts, n, &a);
		expect_bad_subject(&a, ALICE, cases[i].msg);
	}
	/* A clean SAN passes (pending or issued, by the policy). */
	{
		static const uint8_t ok[] = {0x30, 0x07, 0x82, 0x05, 'h', 'o', 's', 't', '1'};
		size_t n = one_ext(exts, SAN_OID, sizeof(SAN_OID), ok, sizeof(ok));

		submit_raw(HOST_SUBJECT, sizeof(HOST_SUBJECT), exts, n, &a);
		assert_int_equal(a.kind, CUST_RESULT);
		assert_int_equal(a.result.hresult, 0);
		core_answer_free(&a);
	}
}

/* policy = issue, any subject, and the requested EKU let through (what the
 * settings branch will forbid unless policy = pend): lint still refuses the
 * agent purposes. */
static int setup_eku(void **state)
{
	/* EKU in csr_extensions needs policy = pend (policy_check): the lint's
	 * refusal is met when the officer resubmits the request as asked. */
	static const char *const conf[] = {"csr_extensions=2.5.29.37", NULL};

	(void)state;
	if (start(conf, 0) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

/* The request's id pending; resubmitted as asked by an officer, *r its result
 * (r->message and r->cert point into *w, freed by the caller). */
static void resubmit_as_asked(const uint8_t *exts, size_t n, struct ipc_wbuf *w,
			      struct adm_result *r, uint32_t *id)
{
	struct core_answer a;
	char msg[512];

	submit_raw(HOST_SUBJECT, sizeof(HOST_SUBJECT), exts, n, &a);
	expect_result(&a, DISP_PENDING, 0, "Taken Under Submission");
	*id = a.result.request_id;
	core_answer_free(&a);
	ipc_wbuf_init(w);
	assert_int_equal(officer_resubmit(core_admin(&core), "olivia", *id, w, msg, sizeof msg),
			 0);
	assert_false(w->failed);
	assert_int_equal(adm_result_decode(w->data, w->len, r), 0);
}

static void test_agent_ekus_from_request_refused(void **state)
{
	static const struct {
		uint8_t eku[24];
		size_t len;
		const char *msg;
	} cases[] = {
		{{0x30, 0x06, 0x06, 0x04, 0x55, 0x1d, 0x25, 0x00}, 8,
		 "the request asks for the anyExtendedKeyUsage purpose (2.5.29.37.0): only a "
		 "certificate manager grants it (setextension 2.5.29.37 on a pending request)"},
		/* codeSigning, then the Certificate Request Agent */
		{{0x30, 0x16, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03, 0x06,
		  0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x01}, 24,
		 "the request asks for the Certificate Request Agent purpose "
		 "(1.3.6.1.4.1.311.20.2.1): only a certificate manager grants it (setextension "
		 "2.5.29.37 on a pending request)"},
		{{0x30, 0x0b, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x15, 0x06},
		 13,
		 "the request asks for the Key Recovery Agent purpose (1.3.6.1.4.1.311.21.6): "
		 "only a certificate manager grants it (setextension 2.5.29.37 on a pending "
		 "request)"},
	};
	uint8_t exts[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = one_ext(exts, EKU_OID, sizeof(EKU_OID), cases[i].eku, cases[i].len);

		struct adm_result r;
		struct ipc_wbuf w;
		uint32_t id;

		resubmit_as_asked(exts, n, &w, &r, &id);
		assert_int_equal(r.disposition, DISP_FAILED);
		assert_int_equal(r.hresult, HR_CERT_E_WRONG_USAGE);
		assert_string_equal(r.message, cases[i].msg);
		assert_int_equal(r.cert_len, 0);
		ipc_wbuf_free(&w);
		expect_recorded(id, ALICE, FMT_PKCS10, DISP_FAILED, HR_CERT_E_WRONG_USAGE);
	}
	/* codeSigning alone is the request's to ask for here. */
	{
		static const uint8_t cs[] = {0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05,
					     0x05, 0x07, 0x03, 0x03};
		size_t n = one_ext(exts, EKU_OID, sizeof(EKU_OID), cs, sizeof(cs));

		struct adm_result r;
		struct ipc_wbuf w;
		uint32_t id;

		resubmit_as_asked(exts, n, &w, &r, &id);
		assert_int_equal(r.disposition, DISP_ISSUED);
		assert_non_null(memmem(r.cert, r.cert_len, cs + 4, 8));
		ipc_wbuf_free(&w);
	}
}

/* ---- a compromised worker's other messages in someone's name (issue 20) ---- */

/* A retrieval and a refusal carrying a token the worker forged (another key):
 * violations, the channel ends, nothing answered or journaled in anyone's name
 * but the violation. */
static void test_forged_token_on_retrieve_and_refused(void **state)
{
	static const uint8_t other[IDTOKEN_KEY_LEN] = {9, 8, 7};
	struct core_who who;
	struct core_answer a;
	uint32_t id = pending_of_alice();
	uint64_t head = core_ledger_head(&core);

	(void)state;
	memset(&who, 0, sizeof(who));
	core_token(&core, other, ALICE, (int64_t)time(NULL) + 600, who.token, &who.token_len);
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	assert_int_equal(a.kind, 0);
	expect_violation("identity token not made by ca-auth (bad MAC)");
	assert_int_equal(core_ledger_head(&core), head + 1); /* the violation alone */
}

static void test_forged_token_on_refused(void **state)
{
	static const uint8_t other[IDTOKEN_KEY_LEN] = {9, 8, 7};
	struct core_who who;
	struct core_answer a;

	(void)state;
	memset(&who, 0, sizeof(who));
	core_token(&core, other, ALICE, (int64_t)time(NULL) + 600, who.token, &who.token_len);
	refused(&who, "192.0.2.7", &a);
	assert_int_equal(a.kind, 0);
	expect_violation("identity token not made by ca-auth (bad MAC)");
	assert_int_equal(core_ledger_head(&core), 2); /* genesis and the violation */
}

/* An expired token on a retrieval, and a refusal naming an account without a
 * token: the same rule as for submissions. */
static void test_expired_token_on_retrieve(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	memset(&who, 0, sizeof(who));
	core_token(&core, NULL, ALICE, (int64_t)time(NULL) - 1, who.token, &who.token_len);
	assert_int_equal(core_retrieve(&core, &who, 1, &a), 0);
	assert_int_equal(a.kind, 0);
	expect_violation("identity token expired");
}

static void test_refused_named_without_token(void **state)
{
	struct core_who who;
	struct core_answer a;

	(void)state;
	core_who(&core, NULL, BOB, &who);
	refused(&who, "192.0.2.7", &a);
	assert_int_equal(a.kind, 0);
	expect_violation("a requester named without an identity token");
}

/* Without a ledger: an ISSUE that does not decode ends the channel; a key that
 * is no SubjectPublicKeyInfo is refused like a weak one. */
static void test_unrecorded_malformed_issue(void **state)
{
	struct ipc_msg m;

	(void)state;
	send_garbage(CUST_ISSUE, 16);
	assert_int_equal(core_recv(&core, &m), 0);
	assert_int_equal(core_end_channel(&core), 1);
}

static void test_unrecorded_key_not_spki(void **state)
{
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	struct cust_issue q;
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint32_t id;

	(void)state;
	memset(&q, 0, sizeof(q));
	q.profile = CUST_PROFILE_CLIENT;
	snprintf(q.subject, sizeof(q.subject), "CN=bench.example");
	q.spki = junk;
	q.spki_len = sizeof(junk);
	q.validity_days = 30;
	ipc_wbuf_init(&w);
	cust_issue_encode(&w, &q);
	id = core_send(&core, CUST_ISSUE, &w);
	assert_int_equal(core_recv(&core, &m), 1);
	assert_int_equal(m.hdr.id, id);
	expect_issue_error(&m, HR_CERTSRV_E_KEY_LENGTH, "public key type or size not allowed");
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
		cmocka_unit_test_setup_teardown(test_anonymous_refused_when_off, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_allowed, setup_anonymous, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_refused_when_privacy_required,
						setup_anonymous_enforced, teardown),
		cmocka_unit_test_setup_teardown(test_no_rpc_refused_by_custodian, setup_no_rpc,
						teardown),
		cmocka_unit_test_setup_teardown(test_token_from_another_key, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_token_tampered, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_subject_token_is_no_requester, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_token_with_attributes_accepted, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_token_expired, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_token_truncated, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_named_beside_token, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_named_without_token, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_without_address, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_token_on_channel_without_key, setup_no_id_key,
						teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_nonexistent, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_by_another_requester, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_failed, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_full_ledger_submit, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_full_ledger_refusal, setup_full, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_burst_summarised, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusal_by_account, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_anonymous_elsewhere, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusal_with_full_ledger, setup_full,
						teardown),
		cmocka_unit_test_setup_teardown(test_auth_events, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_auth_event_with_full_ledger, setup_full,
						teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded_issue, setup_unrecorded, teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded_refusals, setup_unrecorded,
						teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded_bad_subject, setup_unrecorded,
						teardown),
		cmocka_unit_test_setup_teardown(test_forged_token_on_retrieve_and_refused,
						setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_forged_token_on_refused, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_expired_token_on_retrieve, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_refused_named_without_token, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded_malformed_issue, setup_unrecorded,
						teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded_key_not_spki, setup_unrecorded,
						teardown),
		cmocka_unit_test_setup_teardown(test_unrecorded_refuses_submit, setup_unrecorded,
						teardown),
		cmocka_unit_test_setup_teardown(test_recorded_refuses_issue, setup_pend, teardown),
		cmocka_unit_test_teardown(test_configuration_refused, teardown),
		cmocka_unit_test_teardown(test_san_needs_pend, teardown),
		cmocka_unit_test(test_ca_info_flags),
		cmocka_unit_test_setup_teardown(test_allowed_extension_issued, setup_san, teardown),
		cmocka_unit_test_setup_teardown(test_burst_quiet_journaled, setup_quick_budget,
						teardown),
		cmocka_unit_test_setup_teardown(test_rate_counts_under_star, setup_quick_budget,
						teardown),
		cmocka_unit_test_setup_teardown(test_account_rule_refuses_other_subjects,
						setup_issue_account, teardown),
		cmocka_unit_test_setup_teardown(test_account_rule_issues_own_name,
						setup_issue_account, teardown),
		cmocka_unit_test_setup_teardown(test_account_rule_refuses_anonymous,
						setup_issue_account_anonymous, teardown),
		cmocka_unit_test_setup_teardown(test_pend_keeps_any_subject, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_ca_name_refused, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_ca_name_refused, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_subject_characters_refused, setup_issue,
						teardown),
		cmocka_unit_test_setup_teardown(test_subject_characters_refused, setup_pend,
						teardown),
		cmocka_unit_test_setup_teardown(test_subject_invalid_strings_refused, setup_issue,
						teardown),
		cmocka_unit_test_setup_teardown(test_san_characters_refused, setup_san, teardown),
		cmocka_unit_test_setup_teardown(test_san_characters_refused, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_agent_ekus_from_request_refused, setup_eku,
						teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
