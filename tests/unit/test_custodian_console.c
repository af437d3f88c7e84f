/* The console's service in the custodian (firmware/custodian/admin.c): login,
 * sessions, the role check per verb, the journal of every operator action and
 * the verbs' answers, over DATA/admin.sock as caadm talks to it, on a core made
 * by support/core_harness.c (a real SoftHSM token, the ceremony's CA, a real
 * ledger, the custodian's own service). Each refusal is checked with its exact
 * HRESULT and message, and what the journal says of it. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/msg.h"
#include "firmware/operator/operator.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/policy/template.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;
static struct core core;
static struct core_console con;

#define PASS "correct horse battery staple"
#define ALICE "EXAMPLE\\alice"

static int setup(void **state)
{
	struct core_opts o = {.console = 1};

	(void)state;
	if (core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0 ||
	    core_console_open(&core, &con) != 0)
		return -1;
	return 0;
}

static int stopped; /* the test stopped the custodian itself */

static int teardown(void **state)
{
	(void)state;
	if (!stopped) {
		core_console_close(&core, &con);
		core_stop(&core);
	}
	stopped = 0;
	return 0;
}

/* ---- calls -------------------------------------------------------------------- */

/* LOGIN: 0 with the session's token, or the ADM_ERROR's HRESULT and message. */
static uint32_t login(const char *name, const char *pass, uint8_t token[ADM_TOKEN_LEN],
		      char *msg, size_t msglen)
{
	struct adm_login *q = calloc(1, sizeof(*q));
	struct adm_session_is sess;
	struct adm_error e;
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint32_t hr = 0;

	assert_non_null(q);
	snprintf(q->name, sizeof(q->name), "%s", name);
	snprintf(q->pass, sizeof(q->pass), "%s", pass);
	ipc_wbuf_init(&w);
	adm_login_encode(&w, q);
	free(q);
	assert_int_equal(core_console_call(&con, ADM_LOGIN, &w, &m), 1);
	if (m.hdr.type == ADM_SESSION) {
		assert_int_equal(adm_session_decode(m.data, m.hdr.len, &sess), 0);
		memcpy(token, sess.token, ADM_TOKEN_LEN);
	} else {
		assert_int_equal(m.hdr.type, ADM_ERROR);
		assert_int_equal(adm_error_decode(m.data, m.hdr.len, &e), 0);
		snprintf(msg, msglen, "%s", e.message);
		hr = e.hresult;
	}
	ipc_msg_free(&m);
	return hr;
}

static void login_ok(const char *name, uint8_t token[ADM_TOKEN_LEN])
{
	char msg[256];

	if (login(name, PASS, token, msg, sizeof msg) != 0)
		fail_msg("login %s: %s", name, msg);
}

/* A verb's answer: its type, and for ADM_OK / ADM_ERROR the HRESULT (0 for OK)
 * and message; other answers stay in *m for the caller (freed by it). */
struct answer {
	uint32_t type, hresult;
	char message[ADM_MESSAGE_MAX + 1];
	struct ipc_msg m;
};

static void call(uint32_t type, struct ipc_wbuf *w, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(core_console_call(&con, type, w, &a->m), 1);
	a->type = a->m.hdr.type;
	if (a->type == ADM_OK) {
		struct adm_ok *ok = malloc(sizeof(*ok));

		assert_non_null(ok);
		assert_int_equal(adm_ok_decode(a->m.data, a->m.hdr.len, ok), 0);
		snprintf(a->message, sizeof(a->message), "%s", ok->message);
		free(ok);
	} else if (a->type == ADM_ERROR) {
		struct adm_error *e = malloc(sizeof(*e));

		assert_non_null(e);
		assert_int_equal(adm_error_decode(a->m.data, a->m.hdr.len, e), 0);
		a->hresult = e->hresult;
		snprintf(a->message, sizeof(a->message), "%s", e->message);
		free(e);
	}
}

static void expect_error(struct answer *a, uint32_t hr, const char *message)
{
	if (a->type != ADM_ERROR)
		fail_msg("answer %#x, not an error (%s)", a->type, a->message);
	assert_int_equal(a->hresult, hr);
	assert_string_equal(a->message, message);
	ipc_msg_free(&a->m);
}

static void expect_ok(struct answer *a, const char *message)
{
	if (a->type != ADM_OK)
		fail_msg("answer %#x, not OK: %#x %s", a->type, a->hresult, a->message);
	assert_string_equal(a->message, message);
	ipc_msg_free(&a->m);
}

/* A verb that carries a request id (DETAIL, RESUBMIT, DENY). */
static void call_id(uint32_t type, const uint8_t *token, uint32_t id, struct answer *a)
{
	struct adm_request_id q;
	struct ipc_wbuf w;

	memcpy(q.token, token, ADM_TOKEN_LEN);
	q.request_id = id;
	ipc_wbuf_init(&w);
	adm_request_id_encode(&w, &q);
	call(type, &w, a);
}

static void call_bare(uint32_t type, const uint8_t *token, struct answer *a)
{
	struct adm_bare q;
	struct ipc_wbuf w;

	memcpy(q.token, token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_bare_encode(&w, &q);
	call(type, &w, a);
}

static void call_prop(uint32_t type, const uint8_t *token, const char *name, const char *value,
		      struct answer *a)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	if (type == ADM_GETPROP) {
		struct adm_getprop q;

		memcpy(q.token, token, ADM_TOKEN_LEN);
		snprintf(q.name, sizeof(q.name), "%s", name);
		adm_getprop_encode(&w, &q);
	} else {
		struct adm_setprop q;

		memcpy(q.token, token, ADM_TOKEN_LEN);
		snprintf(q.name, sizeof(q.name), "%s", name);
		q.value = (const uint8_t *)value;
		q.value_len = strlen(value);
		adm_setprop_encode(&w, &q);
	}
	call(type, &w, a);
}

/* The journal's latest event: an operator action by actor, allowed or not. */
static void expect_journaled(const char *actor, const char *action, int allowed,
			     const char *detail)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	uint8_t *rec;

	assert_non_null(strbuf);
	assert_int_equal(core_ledger_event(&core, core_ledger_head(&core), &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_OPERATOR_ACTION);
	assert_string_equal(ev.actor, actor);
	assert_string_equal(ev.u.op.action, action);
	assert_int_equal(ev.u.op.allowed, allowed);
	assert_string_equal(ev.u.op.detail, detail);
	free(rec);
	free(strbuf);
}

/* A pending request of ALICE's, sent as the worker would: its id. */
static uint32_t pending(void)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;
	uint32_t id;

	assert_int_equal(core_csr("CN=host1.example", "p256", "host1", "host1", &csr), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.result.disposition, DISP_PENDING);
	id = a.result.request_id;
	core_answer_free(&a);
	x509_buf_free(&csr);
	return id;
}

/* ---- login and sessions ------------------------------------------------------ */

static void test_login_refused(void **state)
{
	uint8_t token[ADM_TOKEN_LEN];
	char msg[256];

	(void)state;
	assert_int_equal(login("olivia", "wrong passphrase", token, msg, sizeof msg),
			 HR_LOGON_FAILURE);
	assert_string_equal(msg, "login refused: wrong passphrase or no such operator");
	/* The console's uid is journaled with each logon (this test's own). */
	snprintf(msg, sizeof msg, "wrong passphrase or no such operator; peer uid %ld",
		 (long)getuid());
	expect_journaled("olivia", "login", 0, msg);
	assert_int_equal(login("nobody", PASS, token, msg, sizeof msg), HR_LOGON_FAILURE);
	assert_int_equal(login("bad name!", PASS, token, msg, sizeof msg), HR_E_INVALIDARG);
	assert_string_equal(msg, "malformed login");
}

static void test_no_session(void **state)
{
	static const uint8_t forged[ADM_TOKEN_LEN] = {0x42};
	struct answer a;

	(void)state;
	call_id(ADM_DENY, forged, 1, &a);
	expect_error(&a, HR_E_ACCESSDENIED, "not logged in, or the session expired: caadm login "
					    "NAME");
	expect_journaled("(no session)", "deny", 0, "no valid session");
}

static void test_logout_ends_session(void **state)
{
	uint8_t token[ADM_TOKEN_LEN];
	struct answer a;

	(void)state;
	login_ok("olivia", token);
	call_bare(ADM_LOGOUT, token, &a);
	expect_ok(&a, "logged out");
	call_bare(ADM_OP_LIST, token, &a);
	expect_error(&a, HR_E_ACCESSDENIED, "not logged in, or the session expired: caadm login "
					    "NAME");
}

/* ---- roles ------------------------------------------------------------------ */

static void test_roles_refused(void **state)
{
	uint8_t auditor[ADM_TOKEN_LEN], officer[ADM_TOKEN_LEN];
	struct answer a;

	(void)state;
	login_ok("aude", auditor);
	call_id(ADM_DENY, auditor, 1, &a);
	expect_error(&a, HR_E_ACCESSDENIED, "operator aude (auditor) may not deny");
	expect_journaled("aude", "deny", 0, "operator aude (auditor) may not deny");
	login_ok("olivia", officer);
	call_prop(ADM_SETPROP, officer, "CRLPeriod", "2d", &a);
	expect_error(&a, HR_E_ACCESSDENIED, "operator olivia (officer) may not setprop");
	call_bare(ADM_VERIFY, officer, &a);
	expect_error(&a, HR_E_ACCESSDENIED, "operator olivia (officer) may not verify");
}

/* ---- the officer's verbs through the console ------------------------------------ */

static void test_officer_verbs(void **state)
{
	uint8_t token[ADM_TOKEN_LEN];
	struct adm_detail_is *d = malloc(sizeof(*d));
	struct adm_result r;
	struct answer a;
	uint32_t first = pending(), second = pending();

	(void)state;
	assert_non_null(d);
	login_ok("olivia", token);
	call_id(ADM_DETAIL, token, first, &a);
	assert_int_equal(a.type, ADM_DETAIL_IS);
	assert_int_equal(adm_detail_decode(a.m.data, a.m.hdr.len, d), 0);
	assert_string_equal(d->subject, "CN=host1.example");
	assert_string_equal(d->requester, ALICE);
	ipc_msg_free(&a.m);
	call_id(ADM_RESUBMIT, token, first, &a);
	assert_int_equal(a.type, ADM_RESULT);
	assert_int_equal(adm_result_decode(a.m.data, a.m.hdr.len, &r), 0);
	assert_int_equal(r.disposition, DISP_ISSUED);
	assert_string_equal(r.message, "Issued");
	ipc_msg_free(&a.m);
	call_id(ADM_DENY, token, second, &a);
	assert_int_equal(a.type, ADM_RESULT);
	assert_int_equal(adm_result_decode(a.m.data, a.m.hdr.len, &r), 0);
	assert_int_equal(r.disposition, DISP_DENIED);
	ipc_msg_free(&a.m);
	/* a refusal is journaled with the officer's name and the reason */
	call_id(ADM_DENY, token, second, &a);
	expect_error(&a, HR_INVALID_STATE, "request 2 is denied, not pending");
	expect_journaled("olivia", "deny", 0, "request 2 is denied, not pending");
	call_id(ADM_RESUBMIT, token, 99, &a);
	expect_error(&a, HR_NOT_FOUND, "no request 99");
	free(d);
}

static void test_crl_and_properties(void **state)
{
	uint8_t officer[ADM_TOKEN_LEN], admin[ADM_TOKEN_LEN];
	struct adm_crl q;
	struct adm_prop p;
	struct ipc_wbuf w;
	struct answer a;

	(void)state;
	login_ok("olivia", officer);
	login_ok("ada", admin);
	call_prop(ADM_GETPROP, officer, "BaseCRL", "", &a);
	expect_error(&a, HR_NOT_FOUND, "no base CRL published yet");
	call_prop(ADM_GETPROP, officer, "NoSuch", "", &a);
	expect_error(&a, HR_NOT_FOUND, "NoSuch: no such property (CACert, CAChain, BaseCRL, "
				       "DeltaCRL, ca.conf, CDPURL, AIAURL, OCSPURL, DeltaCRLURL, "
				       "CRLPeriod, CRLOverlap, CRLDeltaPeriod, CRLPublishBase, "
				       "CRLPublishDelta, policy, validity_days, csr_extensions, "
				       "icpr_enforce_encryption, icpr_allow_anonymous, icpr_no_rpc)");
	call_prop(ADM_GETPROP, officer, "CACert", "", &a);
	assert_int_equal(a.type, ADM_PROP);
	assert_int_equal(adm_prop_decode(a.m.data, a.m.hdr.len, &p), 0);
	assert_int_equal(p.len, core.ca.cert.der.len);
	assert_memory_equal(p.value, core.ca.cert.der.data, p.len);
	ipc_msg_free(&a.m);
	memcpy(q.token, officer, ADM_TOKEN_LEN);
	q.delta = 0;
	ipc_wbuf_init(&w);
	adm_crl_encode(&w, &q);
	call(ADM_CRL, &w, &a);
	assert_int_equal(a.type, ADM_OK);
	ipc_msg_free(&a.m);
	call_prop(ADM_GETPROP, officer, "BaseCRL", "", &a);
	assert_int_equal(a.type, ADM_PROP);
	ipc_msg_free(&a.m);
	call_prop(ADM_GETPROP, officer, "DeltaCRL", "", &a);
	expect_error(&a, HR_NOT_FOUND, "no delta CRL published yet");
	/* properties: the administrator's */
	call_prop(ADM_SETPROP, admin, "CACert", "x", &a);
	expect_error(&a, HR_NOT_FOUND, "CACert: not a settable property");
	call_prop(ADM_SETPROP, admin, "CRLPeriod", "30s", &a);
	expect_error(&a, HR_E_INVALIDARG, "CRLPeriod: at least 60s");
	expect_journaled("ada", "setprop", 0, "CRLPeriod: at least 60s");
	call_prop(ADM_SETPROP, admin, "CRLPeriod", "2d", &a);
	expect_ok(&a, "CRLPeriod = 2d");
	call_prop(ADM_GETPROP, officer, "CRLPeriod", "", &a);
	assert_int_equal(a.type, ADM_PROP);
	assert_int_equal(adm_prop_decode(a.m.data, a.m.hdr.len, &p), 0);
	assert_int_equal(p.len, 2);
	assert_memory_equal(p.value, "2d", 2);
	ipc_msg_free(&a.m);
}

/* ---- operators ------------------------------------------------------------------ */

static void op_call(uint32_t type, const uint8_t *token, const char *name, uint32_t roles,
		    const char *pass, struct answer *a)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	if (type == ADM_OP_ADD) {
		struct adm_op_add *q = calloc(1, sizeof(*q));

		assert_non_null(q);
		memcpy(q->token, token, ADM_TOKEN_LEN);
		snprintf(q->name, sizeof(q->name), "%s", name);
		q->roles = roles;
		snprintf(q->pass, sizeof(q->pass), "%s", pass);
		adm_op_add_encode(&w, q);
		free(q);
	} else if (type == ADM_OP_DEL) {
		struct adm_op_del q;

		memcpy(q.token, token, ADM_TOKEN_LEN);
		snprintf(q.name, sizeof(q.name), "%s", name);
		adm_op_del_encode(&w, &q);
	} else if (type == ADM_OP_ROLES) {
		struct adm_op_roles q;

		memcpy(q.token, token, ADM_TOKEN_LEN);
		snprintf(q.name, sizeof(q.name), "%s", name);
		q.roles = roles;
		adm_op_roles_encode(&w, &q);
	} else {
		struct adm_op_passwd *q = calloc(1, sizeof(*q));

		assert_non_null(q);
		memcpy(q->token, token, ADM_TOKEN_LEN);
		snprintf(q->name, sizeof(q->name), "%s", name);
		snprintf(q->pass, sizeof(q->pass), "%s", pass);
		adm_op_passwd_encode(&w, q);
		free(q);
	}
	call(type, &w, a);
}

static void test_operators(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN], officer[ADM_TOKEN_LEN];
	struct answer a;

	(void)state;
	login_ok("ada", admin);
	login_ok("olivia", officer);
	call_bare(ADM_OP_LIST, admin, &a);
	expect_ok(&a, "ada admin\nolivia officer\naude auditor\n");
	op_call(ADM_OP_ADD, admin, "olivia", ROLE_OFFICER, PASS, &a);
	expect_error(&a, HR_E_INVALIDARG, "operator olivia exists");
	expect_journaled("ada", "operator-add", 0, "operator olivia exists");
	op_call(ADM_OP_DEL, admin, "nobody", 0, "", &a);
	expect_error(&a, HR_NOT_FOUND, "no operator nobody");
	op_call(ADM_OP_DEL, admin, "ada", 0, "", &a);
	expect_error(&a, HR_E_INVALIDARG, "an operator cannot delete itself");
	op_call(ADM_OP_PASSWD, officer, "ada", 0, "another passphrase", &a);
	expect_error(&a, HR_E_ACCESSDENIED, "only an administrator changes another operator's "
					    "passphrase");
	op_call(ADM_OP_DEL, admin, "aude", 0, "", &a);
	expect_ok(&a, "operator aude deleted");
	expect_journaled("ada", "operator-del", 1, "operator aude deleted");
}

/* The console through the harness's ledger relay, which can hold the journal's
 * frames (a ledger that stalls: core_ledger_hold). */
static int setup_relay(void **state)
{
	struct core_opts o = {.console = 1, .ledger_proxy = 1};

	(void)state;
	if (core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0 ||
	    core_console_open(&core, &con) != 0)
		return -1;
	return 0;
}

/* An OP_ADD sent from a thread of its own (no cmocka assertion there: the main
 * thread checks what it got). */
struct pending_add {
	uint8_t token[ADM_TOKEN_LEN];
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;
};

static void *add_in_thread(void *arg)
{
	struct pending_add *p = arg;

	p->rc = core_console_call(&con, ADM_OP_ADD, &p->w, &p->m);
	return NULL;
}

/* A ledger that stalls while an operator change waits for its record holds that
 * change back, and nothing else: the console's lock, which logins, every
 * session's lookup and the accept thread take, stays free meanwhile (the change
 * is ordered by a lock of its own). Once the ledger answers, the change is made. */
static void test_operator_change_waits_alone(void **state)
{
	struct adm_op_add *q = calloc(1, sizeof(*q));
	struct pending_add p = {0};
	struct answer a = {0};
	struct adm_ok *ok = malloc(sizeof(*ok));
	struct admin *adm = core_admin(&core);
	pthread_t t;
	int free_lock = 0;

	(void)state;
	assert_non_null(q);
	assert_non_null(ok);
	login_ok("ada", p.token);
	memcpy(q->token, p.token, ADM_TOKEN_LEN);
	snprintf(q->name, sizeof(q->name), "owen");
	q->roles = ROLE_OFFICER;
	snprintf(q->pass, sizeof(q->pass), "%s", PASS);
	ipc_wbuf_init(&p.w);
	adm_op_add_encode(&p.w, q);
	free(q);
	core_ledger_hold(&core, 1);
	assert_int_equal(pthread_create(&t, NULL, add_in_thread, &p), 0);
	/* the change's record (after the session's lookup) reaches the relay */
	for (int i = 0; i < 1000 && core_ledger_held(&core) == 0; i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	assert_int_not_equal(core_ledger_held(&core), 0);
	/* a while for the change to hold whatever it holds, then the console's lock */
	nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	if (pthread_mutex_trylock(&adm->mu) == 0) {
		free_lock = 1;
		pthread_mutex_unlock(&adm->mu);
	}
	core_ledger_hold(&core, 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(free_lock);
	assert_int_equal(p.rc, 1);
	assert_int_equal(p.m.hdr.type, ADM_OK);
	assert_int_equal(adm_ok_decode(p.m.data, p.m.hdr.len, ok), 0);
	assert_string_equal(ok->message, "operator owen added");
	free(ok);
	ipc_msg_free(&p.m);
	call_bare(ADM_OP_LIST, p.token, &a);
	expect_ok(&a, "ada admin\nolivia officer\naude auditor\nowen officer\n");
}

/* Separation of duties binds the administrator: no operator gets admin and officer,
 * none changes its own roles, the last administrator stays one. */
static void test_roles_exclusive(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN], officer[ADM_TOKEN_LEN];
	struct answer a;

	(void)state;
	login_ok("ada", admin);
	op_call(ADM_OP_ADD, admin, "both", ROLE_ADMIN | ROLE_OFFICER, PASS, &a);
	expect_error(&a, HR_E_INVALIDARG, "the admin and officer roles cannot be held together");
	expect_journaled("ada", "operator-add", 0,
			 "the admin and officer roles cannot be held together");
	op_call(ADM_OP_ROLES, admin, "olivia", ROLE_ADMIN | ROLE_OFFICER, "", &a);
	expect_error(&a, HR_E_INVALIDARG, "the admin and officer roles cannot be held together");
	op_call(ADM_OP_ROLES, admin, "ada", ROLE_OFFICER, "", &a);
	expect_error(&a, HR_E_ACCESSDENIED, "an operator cannot change its own roles (except to "
					    "split admin,officer into one of them)");
	expect_journaled("ada", "operator-roles", 0, "an operator cannot change its own roles "
						     "(except to split admin,officer into one "
						     "of them)");
	op_call(ADM_OP_ROLES, admin, "nobody", ROLE_OFFICER, "", &a);
	expect_error(&a, HR_NOT_FOUND, "no operator nobody");
	/* An officer may not hand out roles. */
	login_ok("olivia", officer);
	op_call(ADM_OP_ROLES, officer, "olivia", ROLE_ADMIN, "", &a);
	expect_error(&a, HR_E_ACCESSDENIED, "operator olivia (officer) may not operator-roles");
	/* An administrator moves another operator to one other role: its sessions end. */
	op_call(ADM_OP_ROLES, admin, "aude", ROLE_OFFICER, "", &a);
	expect_ok(&a, "operator aude now holds the role officer");
	expect_journaled("ada", "operator-roles", 1, "operator aude now holds the role officer");
	call_bare(ADM_OP_LIST, admin, &a);
	expect_ok(&a, "ada admin\nolivia officer\naude officer\n");
}

/* A passphrase an administrator set for someone else is the administrator's
 * knowledge: that operator must replace it before any other verb, and the reset
 * is journaled with both names. */
static void test_reset_must_change(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN], officer[ADM_TOKEN_LEN];
	uint32_t id = pending();
	char msg[256];
	struct answer a;

	(void)state;
	login_ok("ada", admin);
	login_ok("olivia", officer);
	op_call(ADM_OP_PASSWD, admin, "olivia", 0, "the admin knows this", &a);
	expect_ok(&a, "operator olivia passphrase reset by ada: olivia must change it at the next "
		      "login");
	expect_journaled("ada", "operator-passwd", 1, "operator olivia passphrase reset by ada: "
						      "olivia must change it at the next login");
	/* Her open session ended with the reset. */
	call_id(ADM_RESUBMIT, officer, id, &a);
	expect_error(&a, HR_E_ACCESSDENIED, "not logged in, or the session expired: caadm login "
					    "NAME");
	call_bare(ADM_OP_LIST, admin, &a);
	expect_ok(&a, "ada admin\nolivia officer (passphrase reset)\naude auditor\n");
	/* Whoever logs in with the reset passphrase can do nothing but change it. */
	assert_int_equal(login("olivia", "the admin knows this", officer, msg, sizeof msg), 0);
	snprintf(msg, sizeof msg, "peer uid %ld; passphrase reset: must be changed",
		 (long)getuid());
	expect_journaled("olivia", "login", 1, msg);
	call_id(ADM_RESUBMIT, officer, id, &a);
	expect_error(&a, HR_E_ACCESSDENIED, "the passphrase of olivia was reset by an "
					    "administrator: change it first (caadm operator "
					    "passwd olivia)");
	expect_journaled("olivia", "resubmit", 0, "the passphrase of olivia was reset by an "
						  "administrator: change it first (caadm operator "
						  "passwd olivia)");
	call_id(ADM_DETAIL, officer, id, &a);
	assert_int_equal(a.type, ADM_ERROR);
	ipc_msg_free(&a.m);
	op_call(ADM_OP_PASSWD, officer, "ada", 0, "not hers to set", &a);
	assert_int_equal(a.type, ADM_ERROR);
	assert_int_equal(a.hresult, HR_E_ACCESSDENIED);
	ipc_msg_free(&a.m);
	op_call(ADM_OP_PASSWD, officer, "olivia", 0, PASS " again", &a);
	expect_ok(&a, "operator olivia passphrase changed");
	expect_journaled("olivia", "operator-passwd", 1, "operator olivia passphrase changed");
	/* With her own passphrase, she approves. */
	assert_int_equal(login("olivia", "the admin knows this", officer, msg, sizeof msg),
			 HR_LOGON_FAILURE);
	assert_int_equal(login("olivia", PASS " again", officer, msg, sizeof msg), 0);
	call_id(ADM_RESUBMIT, officer, id, &a);
	assert_int_equal(a.type, ADM_RESULT);
	ipc_msg_free(&a.m);
}

/* ---- the auditor ------------------------------------------------------------------ */

static void test_audit_and_verify(void **state)
{
	uint8_t token[ADM_TOKEN_LEN];
	struct adm_audit q;
	struct lmsg_events *page = malloc(sizeof(*page));
	struct ipc_wbuf w;
	struct answer a;

	(void)state;
	assert_non_null(page);
	login_ok("aude", token);
	memcpy(q.token, token, ADM_TOKEN_LEN);
	q.first = 1;
	q.max = 10;
	ipc_wbuf_init(&w);
	adm_audit_encode(&w, &q);
	call(ADM_AUDIT, &w, &a);
	assert_int_equal(a.type, ADM_EVENTS);
	assert_int_equal(adm_events_decode(a.m.data, a.m.hdr.len, page), 0);
	ipc_msg_free(&a.m);
	call_bare(ADM_VERIFY, token, &a);
	assert_int_equal(a.type, ADM_OK);
	if (strncmp(a.message, "verified: ", 10) != 0)
		fail_msg("verify: %s", a.message);
	ipc_msg_free(&a.m);
	free(page);
}

/* ---- a console that breaks the protocol ----------------------------------------- */

static void test_malformed_ends_connection(void **state)
{
	struct ipc_wbuf w;
	struct ipc_msg m;
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	uint8_t *rec;

	(void)state;
	assert_non_null(strbuf);
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 7); /* a DENY's token cut short */
	assert_int_equal(core_console_call(&con, ADM_DENY, &w, &m), 0);
	core_console_close(&core, &con);
	assert_int_equal(core_ledger_event(&core, core_ledger_head(&core), &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_OPERATOR_ACTION);
	assert_string_equal(ev.u.op.action, "channel-violation");
	assert_string_equal(ev.u.op.target, "console");
	free(rec);
	free(strbuf);
}

/* The custodian stops with console connections still open (caadm sessions at a
 * shutdown): admin_stop shuts them and waits for their detached threads before
 * the state they use is freed (ASan's use-after-free before; the threads used to
 * outlive it). Every client then reads the end. */
static void test_stop_with_connections_open(void **state)
{
	struct core_console more[ADM_CONNECTIONS - 1];
	uint8_t token[ADM_TOKEN_LEN], byte;

	(void)state;
	for (int i = 0; i < ADM_CONNECTIONS - 1; i++)
		assert_int_equal(core_console_open(&core, &more[i]), 0);
	login_ok("olivia", token);
	core_stop(&core);
	stopped = 1;
	assert_int_equal(read(con.fd, &byte, 1), 0);
	ipc_chan_free(&con.chan);
	close(con.fd);
	for (int i = 0; i < ADM_CONNECTIONS - 1; i++) {
		assert_int_equal(read(more[i].fd, &byte, 1), 0);
		ipc_chan_free(&more[i].chan);
		close(more[i].fd);
	}
}


/* ---- the policy's settings as CA properties ------------------------------------ */

/* A request of ALICE's for dn: its disposition (the answer's). */
static uint32_t submit_disposition(const char *dn, uint32_t *hr, char *msg, size_t msglen)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;
	uint32_t disp;

	assert_int_equal(core_csr(dn, "p256", "live", "live", &csr), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.kind, CUST_RESULT);
	disp = a.result.disposition;
	if (hr != NULL)
		*hr = a.result.hresult;
	if (msg != NULL)
		snprintf(msg, msglen, "%s", a.result.message);
	core_answer_free(&a);
	x509_buf_free(&csr);
	return disp;
}

/* The event before the journal's latest: the property-changed event recorded
 * with a setprop's operator action (one commit). */
static void expect_property_recorded(const char *actor, const char *name, const char *value)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	uint8_t *rec;

	assert_non_null(strbuf);
	assert_int_equal(core_ledger_event(&core, core_ledger_head(&core) - 1, &ev, strbuf, &rec),
			 0);
	assert_int_equal(ev.type, EV_PROPERTY_CHANGED);
	assert_int_equal(ev.actor_kind, ACTOR_OPERATOR);
	assert_string_equal(ev.actor, actor);
	assert_string_equal(ev.u.property.name, name);
	assert_int_equal(ev.u.property.value.len, strlen(value));
	assert_memory_equal(ev.u.property.value.p, value, strlen(value));
	free(rec);
	free(strbuf);
}

/* setprop policy: applied to the next request without a restart, journaled with
 * the old and the new value and the operator; an officer may not. */
static void test_policy_set_live(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN], officer[ADM_TOKEN_LEN];
	struct answer a;
	uint64_t head;

	(void)state;
	login_ok("ada", admin);
	login_ok("olivia", officer);
	assert_int_equal(submit_disposition("CN=one.example", NULL, NULL, 0), DISP_PENDING);
	call_prop(ADM_SETPROP, admin, "policy", "issue", &a);
	expect_ok(&a, "policy = issue");
	expect_journaled("ada", "setprop", 1, "old 'pend', new 'issue'");
	expect_property_recorded("ada", "policy", "issue");
	/* subject_rule = account (the default): CN=two.example is no account's. */
	assert_int_equal(submit_disposition("CN=two.example", NULL, NULL, 0), DISP_FAILED);
	call_prop(ADM_SETPROP, admin, "subject_rule", "request", &a);
	expect_ok(&a, "subject_rule = request");
	expect_journaled("ada", "setprop", 1, "old 'account', new 'request'");
	expect_property_recorded("ada", "subject_rule", "request");
	assert_int_equal(submit_disposition("CN=two.example", NULL, NULL, 0), DISP_ISSUED);
	call_prop(ADM_SETPROP, admin, "validity_days", "30", &a);
	expect_ok(&a, "validity_days = 30");
	expect_journaled("ada", "setprop", 1, "old '365', new '30'");
	call_prop(ADM_SETPROP, admin, "policy", "pend", &a);
	expect_ok(&a, "policy = pend");
	expect_journaled("ada", "setprop", 1, "old 'issue', new 'pend'");
	assert_int_equal(submit_disposition("CN=three.example", NULL, NULL, 0), DISP_PENDING);
	call_prop(ADM_GETPROP, officer, "policy", "", &a);
	assert_int_equal(a.type, ADM_PROP);
	ipc_msg_free(&a.m);
	/* An officer is refused, and nothing changes. */
	head = core_ledger_head(&core);
	call_prop(ADM_SETPROP, officer, "policy", "issue", &a);
	expect_error(&a, HR_E_ACCESSDENIED, "operator olivia (officer) may not setprop");
	expect_journaled("olivia", "setprop", 0, "operator olivia (officer) may not setprop");
	assert_int_equal(core_ledger_head(&core), head + 1);
	assert_int_equal(submit_disposition("CN=four.example", NULL, NULL, 0), DISP_PENDING);
}

/* Each bad value refused with its message, journaled as refused, nothing set. */
static void test_policy_bad_values(void **state)
{
	static const struct {
		const char *name, *value, *message;
	} bad[] = {
		{"policy", "always", "policy must be 'pend' or 'issue', not 'always'"},
		{"policy", "", "policy must be 'pend' or 'issue', not ''"},
		{"validity_days", "0", "validity_days must be 1..3650"},
		{"validity_days", "3651", "validity_days must be 1..3650"},
		{"validity_days", "-1", "validity_days must be 1..3650"},
		{"validity_days", "30d", "validity_days must be 1..3650"},
		{"csr_extensions", "2.5.29.19", "csr_extensions: 2.5.29.19 is not an OID a request "
		 "may set (at most 8; never basicConstraints or key identifiers)"},
		{"csr_extensions", "subjectAltName", "csr_extensions: subjectAltName is not an OID "
		 "a request may set (at most 8; never basicConstraints or key identifiers)"},
		{"icpr_enforce_encryption", "off", "icpr_enforce_encryption must be 0 or 1, not "
		 "'off'"},
		{"icpr_allow_anonymous", "2", "icpr_allow_anonymous must be 0 or 1, not '2'"},
		{"icpr_no_rpc", " 1", "icpr_no_rpc must be 0 or 1, not ' 1'"},
		{"CRLDeltaPeriod", "1s", "CRLDeltaPeriod: 0 (none) or at least 60s"},
		{"CRLOverlap", "7d", "CRLOverlap (7d) must be shorter than CRLPeriod (7d)"},
		{"CRLPeriod", "12h", "CRLOverlap (12h) must be shorter than CRLPeriod (12h)"},
		{"CDPURL", "C:\\crl", "CDPURL: not a URI (http://, https://, ldap://, ldaps:// or "
		 "file://; printable ASCII)"},
	};
	uint8_t admin[ADM_TOKEN_LEN];
	struct answer a;
	char before[64];

	(void)state;
	login_ok("ada", admin);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		props_get(core_admin(&core)->props, bad[i].name, before, sizeof(before));
		call_prop(ADM_SETPROP, admin, bad[i].name, bad[i].value, &a);
		expect_error(&a, HR_E_INVALIDARG, bad[i].message);
		expect_journaled("ada", "setprop", 0, bad[i].message);
		call_prop(ADM_GETPROP, admin, bad[i].name, "", &a);
		assert_int_equal(a.type, ADM_PROP);
		{
			struct adm_prop p;

			assert_int_equal(adm_prop_decode(a.m.data, a.m.hdr.len, &p), 0);
			assert_int_equal(p.len, strlen(before));
			assert_memory_equal(p.value, before, p.len);
		}
		ipc_msg_free(&a.m);
	}
}

/* SAN and EKU in csr_extensions only with policy = pend: setprop refuses the
 * list under issue, and issue while they are listed. */
static void test_csr_extensions_guard(void **state)
{
	static const char *const san_msg =
		"csr_extensions lists 2.5.29.17 (subjectAltName), which only policy = pend "
		"allows: an officer approves each such request";
	static const char *const eku_msg =
		"csr_extensions lists 2.5.29.37 (extendedKeyUsage), which only policy = pend "
		"allows: an officer approves each such request";
	uint8_t admin[ADM_TOKEN_LEN];
	struct answer a;

	(void)state;
	login_ok("ada", admin);
	call_prop(ADM_SETPROP, admin, "csr_extensions", "1.2.3.4,2.5.29.17", &a);
	expect_ok(&a, "csr_extensions = 1.2.3.4,2.5.29.17"); /* pend: an officer reads it */
	call_prop(ADM_SETPROP, admin, "policy", "issue", &a);
	expect_error(&a, HR_E_INVALIDARG, san_msg);
	expect_journaled("ada", "setprop", 0, san_msg);
	call_prop(ADM_SETPROP, admin, "csr_extensions", "2.5.29.37", &a);
	expect_ok(&a, "csr_extensions = 2.5.29.37");
	call_prop(ADM_SETPROP, admin, "policy", "issue", &a);
	expect_error(&a, HR_E_INVALIDARG, eku_msg);
	call_prop(ADM_SETPROP, admin, "csr_extensions", "", &a);
	expect_ok(&a, "csr_extensions = ");
	call_prop(ADM_SETPROP, admin, "policy", "issue", &a);
	expect_ok(&a, "policy = issue");
	call_prop(ADM_SETPROP, admin, "csr_extensions", "2.5.29.17", &a);
	expect_error(&a, HR_E_INVALIDARG, san_msg);
	call_prop(ADM_SETPROP, admin, "csr_extensions", "1.2.3.4 2.5.29.37", &a);
	expect_error(&a, HR_E_INVALIDARG, eku_msg);
	call_prop(ADM_SETPROP, admin, "subject_rule", "request", &a);
	expect_ok(&a, "subject_rule = request");
	assert_int_equal(submit_disposition("CN=five.example", NULL, NULL, 0), DISP_ISSUED);
}

/* An interface flag: the custodian applies it to the next call itself, and ends
 * the worker's channel so that a new worker asks for the flags again. */
static void test_interface_flag_ends_worker(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN];
	struct answer a;

	(void)state;
	login_ok("ada", admin);
	call_prop(ADM_SETPROP, admin, "icpr_no_rpc", "1", &a);
	expect_ok(&a, "icpr_no_rpc = 1");
	expect_journaled("ada", "setprop", 1, "old '0', new '1'");
	/* The worker's channel was ended by the custodian (not a violation). */
	assert_int_equal(core_end_channel(&core), 0);
}

/* The custodian's own check of an interface flag, with a worker that skips its
 * own (a compromised one): no_rpc set, a submission refused. */
static void test_interface_flag_checked_by_custodian(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN];
	struct answer a;
	uint32_t hr;
	char msg[256];

	(void)state;
	login_ok("ada", admin);
	/* Set while no worker channel is served: nothing to end. */
	submit_set_worker(core_admin(&core)->sub, -1);
	call_prop(ADM_SETPROP, admin, "icpr_no_rpc", "1", &a);
	expect_ok(&a, "icpr_no_rpc = 1");
	assert_int_equal(submit_disposition("CN=six.example", &hr, msg, sizeof(msg)), DISP_FAILED);
	assert_int_equal(hr, HR_E_ACCESSDENIED);
	assert_string_equal(msg, "MS-ICPR is off (icpr_no_rpc)");
}

/* ---- what a hostile or careless operator tries next (issue 20) ----------------- */

/* An operator's own passphrase: changed, every session of it ended (the token in
 * hand is refused), the new one logs in and the old one does not. */
static void test_own_passphrase_change(void **state)
{
	uint8_t officer[ADM_TOKEN_LEN], again[ADM_TOKEN_LEN];
	char msg[256];
	struct answer a;

	(void)state;
	login_ok("olivia", officer);
	op_call(ADM_OP_PASSWD, officer, "olivia", 0, "short", &a);
	expect_error(&a, HR_E_INVALIDARG, "a passphrase has 8..256 characters");
	op_call(ADM_OP_PASSWD, officer, "olivia", 0, "a new passphrase of olivia", &a);
	expect_ok(&a, "operator olivia passphrase changed");
	expect_journaled("olivia", "operator-passwd", 1, "operator olivia passphrase changed");
	call_prop(ADM_GETPROP, officer, "CRLPeriod", "", &a);
	expect_error(&a, HR_E_ACCESSDENIED, "not logged in, or the session expired: caadm login "
					    "NAME");
	assert_int_equal(login("olivia", PASS, again, msg, sizeof msg), HR_LOGON_FAILURE);
	assert_int_equal(login("olivia", "a new passphrase of olivia", again, msg, sizeof msg),
			 0);
}

/* The operators' file cannot be written (a directory where its temporary file
 * goes): the change is refused with HR_E_UNEXPECTED and nothing changes, in
 * memory or on disk. */
static void test_operator_file_unwritable(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN], token[ADM_TOKEN_LEN];
	char tmp[PATH_MAX + 64], want[PATH_MAX + 64], msg[256];
	struct answer a;

	(void)state;
	login_ok("ada", admin);
	snprintf(tmp, sizeof tmp, "%s/%s.tmp.%ld", core.dir, OPERATOR_FILE, (long)getpid());
	assert_int_equal(mkdir(tmp, 0700), 0);
	snprintf(want, sizeof want, "%s/%s: cannot write", core.dir, OPERATOR_FILE);
	op_call(ADM_OP_ADD, admin, "mallory", ROLE_OFFICER, PASS, &a);
	expect_error(&a, HR_E_UNEXPECTED, want);
	expect_journaled("ada", "operator-add", 0, want);
	op_call(ADM_OP_ROLES, admin, "aude", ROLE_OFFICER, "", &a);
	expect_error(&a, HR_E_UNEXPECTED, want);
	op_call(ADM_OP_DEL, admin, "aude", 0, "", &a);
	expect_error(&a, HR_E_UNEXPECTED, want);
	call_bare(ADM_OP_LIST, admin, &a);
	expect_ok(&a, "ada admin\nolivia officer\naude auditor\n");
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(login("mallory", PASS, token, msg, sizeof msg), HR_LOGON_FAILURE);
	/* aude's account survived the refused changes */
	login_ok("aude", token);
	call_prop(ADM_GETPROP, token, "CRLPeriod", "", &a);
	assert_int_equal(a.type, ADM_PROP);
	ipc_msg_free(&a.m);
}

/* Sessions are bounded (ADM_SESSIONS_MAX): the next login is refused with
 * HR_E_UNEXPECTED and journaled as refused (no session), a logout makes room.
 * Any one operator can fill the table. */
static void test_sessions_bounded(void **state)
{
	uint8_t tokens[ADM_SESSIONS_MAX][ADM_TOKEN_LEN], extra[ADM_TOKEN_LEN];
	char msg[256];
	struct answer a;

	(void)state;
	for (int i = 0; i < ADM_SESSIONS_MAX; i++)
		login_ok("aude", tokens[i]);
	assert_int_equal(login("ada", PASS, extra, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, "too many open sessions");
	/* the journal says no session opened, not a login that did not happen */
	snprintf(msg, sizeof msg, "peer uid %ld; no session opened: too many open sessions",
		 (long)getuid());
	expect_journaled("ada", "login", 0, msg);
	call_bare(ADM_LOGOUT, tokens[0], &a);
	expect_ok(&a, "logged out");
	login_ok("ada", extra);
	call_bare(ADM_LOGOUT, tokens[0], &a); /* the ended session's token */
	expect_error(&a, HR_E_ACCESSDENIED, "not logged in, or the session expired: caadm login "
					    "NAME");
}

/* setprop of an interface flag to the value it has: journaled, and the worker's
 * channel is not ended; the chain is the CA's own file. */
static void test_same_flag_keeps_worker(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN];
	struct answer a;
	struct adm_prop p;

	(void)state;
	login_ok("ada", admin);
	call_prop(ADM_SETPROP, admin, "icpr_no_rpc", "0", &a);
	expect_ok(&a, "icpr_no_rpc = 0");
	expect_journaled("ada", "setprop", 1, "old '0', new '0'");
	assert_int_equal(submit_disposition("CN=still.example", NULL, NULL, 0), DISP_PENDING);
	call_prop(ADM_GETPROP, admin, "CAChain", "", &a);
	assert_int_equal(a.type, ADM_PROP);
	assert_int_equal(adm_prop_decode(a.m.data, a.m.hdr.len, &p), 0);
	assert_true(p.len > 0);
	assert_non_null(memmem(p.value, p.len, "-----BEGIN CERTIFICATE-----", 27));
	ipc_msg_free(&a.m);
	/* a value of 512 bytes is refused before anything is checked */
	{
		char big[PROPS_VALUE_MAX + 1];

		memset(big, 'a', PROPS_VALUE_MAX);
		big[PROPS_VALUE_MAX] = 0;
		call_prop(ADM_SETPROP, admin, "CDPURL", big, &a);
		expect_error(&a, HR_E_INVALIDARG, "CDPURL: the value is text of at most 511 bytes");
	}
}

/* ---- other operator databases: a legacy pair, none at all ----------------- */

static struct core_ca other_template;

/* other_template: ca_template's CA and token with its own data directory, whose
 * operators file edit() changes. */
static void make_other_template(void (*edit)(struct operator_db *db))
{
	struct operator_db *db = calloc(1, sizeof(*db));
	char *out = NULL, err[256];

	assert_non_null(db);
	other_template = ca_template;
	snprintf(other_template.dir, sizeof other_template.dir, "%s", oracle_path("other-ca"));
	if (oracle_run(&out, "rm -rf '%s' && cp -a '%s' '%s'", other_template.dir, ca_template.dir,
		       other_template.dir) != 0)
		fail_msg("%s", out);
	free(out);
	assert_int_equal(operator_db_load(other_template.dir, db, err, sizeof err), 0);
	edit(db);
	assert_int_equal(operator_db_save(other_template.dir, db, err, sizeof err), 0);
	explicit_bzero(db, sizeof(*db));
	free(db);
}

/* The core on make_other_template(edit)'s copy, with the console open; what its
 * start logs stays in logged[] for the test. A setup's result (-1 failed). */
static int start_other(void (*edit)(struct operator_db *db))
{
	struct core_opts o = {.console = 1};
	int rc;

	make_other_template(edit);
	log_begin();
	rc = core_start(&core, &other_template, &o);
	log_end_quiet();
	if (rc != 0 || core_get_ca(&core) != 0 || core_console_open(&core, &con) != 0)
		return -1;
	return 0;
}

/* carol holds admin,officer (a database from before the roles were exclusive)
 * and is the only one holding admin. */
static void legacy_carol(struct operator_db *db)
{
	char err[256];

	assert_int_equal(operator_del(db, "ada"), 0);
	assert_int_equal(operator_set(db, "carol", ROLE_ADMIN, PASS, err, sizeof err), 0);
	operator_find(db, "carol")->roles = ROLE_ADMIN | ROLE_OFFICER;
}

static int setup_legacy(void **state)
{
	(void)state;
	return start_other(legacy_carol);
}

/* The CA names carol at start; she logs in (journaled as holding the pair),
 * may only manage operators, cannot split herself away from admin while she is
 * the last administrator nor take a role she does not hold; once another
 * administrator exists she keeps officer. */
static void test_legacy_pair_last_administrator(void **state)
{
	uint8_t carol[ADM_TOKEN_LEN];
	char msg[256];
	struct answer a;

	(void)state;
	assert_logged("operator carol holds admin,officer, which may no longer be held "
		      "together: it may only manage operators until an administrator gives it "
		      "one role (caadm operator roles carol --role admin|officer)");
	log_begin();
	login_ok("carol", carol);
	log_end_quiet();
	assert_logged("console: carol logged in holding admin,officer");
	expect_journaled("carol", "login", 1, "peer uid 0; holds admin,officer: must be split");
	call_bare(ADM_OP_LIST, carol, &a);
	expect_ok(&a, "aude auditor\nolivia officer\ncarol admin,officer (roles must be split)\n");
	call_prop(ADM_GETPROP, carol, "CRLPeriod", "", &a);
	expect_error(&a, HR_E_ACCESSDENIED, "operator carol holds admin,officer, which may no "
					    "longer be held together: an administrator must give "
					    "it one role first (caadm operator roles carol --role "
					    "admin|officer)");
	op_call(ADM_OP_ROLES, carol, "carol", ROLE_OFFICER, "", &a);
	expect_error(&a, HR_E_INVALIDARG, "carol is the last administrator");
	expect_journaled("carol", "operator-roles", 0, "carol is the last administrator");
	op_call(ADM_OP_ROLES, carol, "carol", ROLE_AUDITOR, "", &a);
	expect_error(&a, HR_E_ACCESSDENIED, "an operator cannot change its own roles (except to "
					    "split admin,officer into one of them)");
	op_call(ADM_OP_ADD, carol, "ada", ROLE_ADMIN, PASS, &a);
	expect_ok(&a, "operator ada added");
	/* her own passphrase and removing another are operator management too */
	op_call(ADM_OP_PASSWD, carol, "carol", 0, "carol's new passphrase", &a);
	expect_ok(&a, "operator carol passphrase changed");
	login_ok("ada", carol); /* carol's session ended with her passphrase */
	op_call(ADM_OP_DEL, carol, "aude", 0, "", &a);
	expect_ok(&a, "operator aude deleted");
	assert_int_equal(login("carol", "carol's new passphrase", carol, msg, sizeof msg), 0);
	op_call(ADM_OP_ROLES, carol, "carol", ROLE_OFFICER, "", &a);
	expect_ok(&a, "operator carol now holds the role officer");
	call_bare(ADM_OP_LIST, carol, &a); /* her session held the pair: ended */
	expect_error(&a, HR_E_ACCESSDENIED, "not logged in, or the session expired: caadm login "
					    "NAME");
}

static void no_operators(struct operator_db *db)
{
	while (db->n > 0)
		assert_int_equal(operator_del(db, db->e[0].name), 0);
}

static int setup_no_operators(void **state)
{
	(void)state;
	return start_other(no_operators);
}

/* A CA started without operators: the console is locked (logged), every login
 * refused; the first administrator written afterwards (caadm init's way) logs in
 * without a restart. */
static void test_first_administrator_after_start(void **state)
{
	struct operator_db *db = calloc(1, sizeof(*db));
	uint8_t token[ADM_TOKEN_LEN];
	char msg[256], err[256];
	struct answer a;

	(void)state;
	assert_non_null(db);
	assert_logged("the console is locked (caadm init creates the first administrator)");
	assert_int_equal(login("ada", PASS, token, msg, sizeof msg), HR_LOGON_FAILURE);
	/* a file that does not load (half-written, say) leaves the console locked */
	{
		char path[PATH_MAX + 32];
		FILE *f;

		snprintf(path, sizeof path, "%s/%s", core.dir, OPERATOR_FILE);
		assert_non_null(f = fopen(path, "w"));
		fputs("ada admin 200000 00\n", f);
		assert_int_equal(fclose(f), 0);
		assert_int_equal(login("ada", PASS, token, msg, sizeof msg), HR_LOGON_FAILURE);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(operator_db_load(core.dir, db, err, sizeof err), 0);
	assert_int_equal(operator_set(db, "ada", ROLE_ADMIN, PASS, err, sizeof err), 0);
	assert_int_equal(operator_db_save(core.dir, db, err, sizeof err), 0);
	free(db);
	login_ok("ada", token);
	call_bare(ADM_OP_LIST, token, &a);
	expect_ok(&a, "ada admin\n");
}

/* ---- certificate templates (admin_tmpl.c) --------------------------------------- */

static void call_tmpl(uint32_t type, const uint8_t *token, const char *name, const char *text,
		      struct answer *a)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	if (text == NULL) {
		struct adm_tmpl_name q;

		memcpy(q.token, token, ADM_TOKEN_LEN);
		snprintf(q.name, sizeof(q.name), "%s", name);
		adm_tmpl_name_encode(&w, &q);
	} else {
		struct adm_tmpl_text *q = calloc(1, sizeof(*q));

		assert_non_null(q);
		memcpy(q->token, token, ADM_TOKEN_LEN);
		snprintf(q->name, sizeof(q->name), "%s", name);
		snprintf(q->text, sizeof(q->text), "%s", text);
		adm_tmpl_text_encode(&w, q);
		free(q);
	}
	call(type, &w, a);
}

/* A template's text as SHOW answers it (the test fails otherwise). */
static char *show_text(const uint8_t *token, const char *name)
{
	struct adm_tmpl_text_is *t = malloc(sizeof(*t));
	struct answer a;
	char *out;

	assert_non_null(t);
	call_tmpl(ADM_TMPL_SHOW, token, name, NULL, &a);
	assert_int_equal(a.type, ADM_TMPL_TEXT);
	assert_int_equal(adm_tmpl_text_is_decode(a.m.data, a.m.hdr.len, t), 0);
	ipc_msg_free(&a.m);
	out = strdup(t->text);
	free(t);
	return out;
}

/* The default named name, as firmware/policy gives it, in its canonical text. */
static char *default_text(const char *name, const char *new_name, const char *new_oid)
{
	const struct template *d;
	struct template t;
	char *buf = malloc(TEMPLATE_TEXT_MAX + 1), err[256];
	size_t n;

	assert_non_null(buf);
	d = template_defaults(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(d[i].name, name) == 0) {
			t = d[i];
			if (new_name != NULL)
				snprintf(t.name, sizeof(t.name), "%s", new_name);
			if (new_oid != NULL)
				snprintf(t.oid, sizeof(t.oid), "%s", new_oid);
			assert_true(template_format(&t, buf, TEMPLATE_TEXT_MAX + 1, err,
						    sizeof err) > 0);
			return buf;
		}
	fail_msg("no default %s", name);
	return NULL;
}

/* The journal's latest event: a template change of name by actor. */
static void expect_template_event(const char *actor, uint32_t action, const char *name,
				  unsigned major, unsigned minor)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	uint8_t *rec;

	assert_non_null(strbuf);
	assert_int_equal(core_ledger_event(&core, core_ledger_head(&core), &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_TEMPLATE_CHANGED);
	assert_string_equal(ev.actor, actor);
	assert_int_equal(ev.u.tmpl.action, action);
	assert_string_equal(ev.u.tmpl.name, name);
	assert_int_equal(ev.u.tmpl.major, major);
	assert_int_equal(ev.u.tmpl.minor, minor);
	free(rec);
	free(strbuf);
}

static void test_templates_read(void **state)
{
	static const char *const names[] = {"EnrollmentAgent", "Machine", "SubCA", "User",
					    "WebServer"};
	struct adm_tmpl_list_is *l = malloc(sizeof(*l));
	uint8_t token[ADM_TOKEN_LEN];
	struct answer a;
	char *text, *want;

	(void)state;
	assert_non_null(l);
	/* every role reads */
	login_ok("aude", token);
	call_bare(ADM_TMPL_LIST, token, &a);
	assert_int_equal(a.type, ADM_TMPL_LIST_IS);
	assert_int_equal(adm_tmpl_list_decode(a.m.data, a.m.hdr.len, l), 0);
	ipc_msg_free(&a.m);
	expect_journaled("aude", "template-list", 1, "");
	assert_int_equal(l->n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(l->e[i].name, names[i]);
		assert_int_equal(l->e[i].major, 1);
		assert_int_equal(l->e[i].minor, 0);
	}
	assert_int_equal(l->e[2].flags, ADM_TMPL_PEND_ALL | ADM_TMPL_CA); /* SubCA */
	assert_int_equal(l->e[3].flags, 0);                               /* User */
	assert_int_equal(l->e[4].flags, ADM_TMPL_PEND_ALL);               /* WebServer */
	assert_string_equal(l->e[1].display, "Computer");
	login_ok("olivia", token);
	text = show_text(token, "User");
	want = default_text("User", NULL, NULL);
	assert_string_equal(text, want);
	free(text);
	free(want);
	/* the name as the store looks it up: ASCII case ignored */
	text = show_text(token, "webserver");
	assert_non_null(strstr(text, "name = WebServer\n"));
	free(text);
	call_tmpl(ADM_TMPL_SHOW, token, "Nope", NULL, &a);
	expect_error(&a, HR_NOT_FOUND, "Nope: no such template");
	expect_journaled("olivia", "template-show", 0, "Nope: no such template");
	/* a console without a store (a custodian started without one) refuses the
	 * verbs, saying so, rather than reading through nothing */
	{
		struct admin *adm = core_admin(&core);
		struct tmplstore *store = adm->templates;

		adm->templates = NULL;
		call_bare(ADM_TMPL_LIST, token, &a);
		adm->templates = store;
		expect_error(&a, HR_INVALID_STATE, "this CA has no template store");
		expect_journaled("olivia", "template-list", 0, "this CA has no template store");
	}
	free(l);
}

static void test_templates_change(void **state)
{
	uint8_t token[ADM_TOKEN_LEN];
	struct answer a;
	char *text = default_text("WebServer", "Web2", "1.3.6.1.4.1.99999.21.1"), *back;
	char msg[512];
	uint64_t head;

	(void)state;
	login_ok("ada", token);
	call_tmpl(ADM_TMPL_ADD, token, "Web2", text, &a);
	expect_ok(&a, "template Web2 added, version 1.0");
	expect_template_event("ada", LEDGER_TEMPLATE_ADDED, "Web2", 1, 0);
	back = show_text(token, "Web2");
	assert_string_equal(back, text);
	free(back);
	/* the same name (any case), or the same OID, again */
	call_tmpl(ADM_TMPL_ADD, token, "Web2", text, &a);
	assert_int_equal(a.type, ADM_ERROR);
	assert_int_equal(a.hresult, HR_ALREADY_EXISTS);
	snprintf(msg, sizeof msg, "%s", a.message);
	ipc_msg_free(&a.m);
	expect_journaled("ada", "template-add", 0, msg);
	/* the name given is not the text's */
	head = core_ledger_head(&core);
	call_tmpl(ADM_TMPL_ADD, token, "Web3", text, &a);
	expect_error(&a, HR_E_INVALIDARG, "the file's name = line says Web2, not Web3: the name "
					  "given and the file's must be the same");
	expect_journaled("ada", "template-add", 0, "the file's name = line says Web2, not Web3: "
						   "the name given and the file's must be the same");
	assert_int_equal(core_ledger_head(&core), head + 1); /* the refusal alone */
	/* a text that does not parse: its line */
	call_tmpl(ADM_TMPL_ADD, token, "Web2", "name = Web2\nvalidity_days = many\n", &a);
	assert_int_equal(a.type, ADM_ERROR);
	assert_int_equal(a.hresult, HR_E_INVALIDARG);
	assert_true(strncmp(a.message, "line 2: validity_days", 21) == 0);
	ipc_msg_free(&a.m);
	free(text);
	/* ESC1 through set: a logon EKU with names from the request, issued at once */
	call_tmpl(ADM_TMPL_SET, token, "Web2", "eku = 1.3.6.1.5.5.7.3.2\npend_all = no\n", &a);
	assert_int_equal(a.type, ADM_ERROR);
	assert_int_equal(a.hresult, HR_E_INVALIDARG);
	assert_non_null(strstr(a.message, "(ESC1)"));
	ipc_msg_free(&a.m);

	call_tmpl(ADM_TMPL_SET, token, "Web2", "validity_days = 90\n", &a);
	expect_ok(&a, "template Web2 changed: now version 1.1");
	expect_template_event("ada", LEDGER_TEMPLATE_CHANGED, "Web2", 1, 1);
	call_tmpl(ADM_TMPL_SET, token, "Nope", "validity_days = 30\n", &a);
	assert_int_equal(a.type, ADM_ERROR);
	assert_int_equal(a.hresult, HR_NOT_FOUND);
	ipc_msg_free(&a.m);
	call_tmpl(ADM_TMPL_DEL, token, "Web2", NULL, &a);
	expect_ok(&a, "template Web2 removed");
	expect_template_event("ada", LEDGER_TEMPLATE_REMOVED, "Web2", 1, 1);
	call_tmpl(ADM_TMPL_SHOW, token, "Web2", NULL, &a);
	expect_error(&a, HR_NOT_FOUND, "Web2: no such template");
	call_tmpl(ADM_TMPL_DEL, token, "Web2", NULL, &a);
	assert_int_equal(a.type, ADM_ERROR);
	assert_int_equal(a.hresult, HR_NOT_FOUND);
	ipc_msg_free(&a.m);
}

/* Officers and auditors read only; their attempts are journaled, nothing changes. */
static void test_templates_roles(void **state)
{
	static const char *const who[] = {"olivia", "aude"};
	static const char *const roles[] = {"officer", "auditor"};
	uint8_t token[ADM_TOKEN_LEN];
	struct answer a;
	char *text = default_text("User", "Mine", "1.3.6.1.4.1.99999.21.3"), msg[128];
	uint64_t head;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		login_ok(who[i], token);
		head = core_ledger_head(&core);
		call_tmpl(ADM_TMPL_ADD, token, "Mine", text, &a);
		snprintf(msg, sizeof msg, "operator %s (%s) may not template-add", who[i],
			 roles[i]);
		expect_error(&a, HR_E_ACCESSDENIED, msg);
		expect_journaled(who[i], "template-add", 0, msg);
		call_tmpl(ADM_TMPL_SET, token, "User", "validity_days = 1\n", &a);
		snprintf(msg, sizeof msg, "operator %s (%s) may not template-set", who[i],
			 roles[i]);
		expect_error(&a, HR_E_ACCESSDENIED, msg);
		expect_journaled(who[i], "template-set", 0, msg);
		call_tmpl(ADM_TMPL_DEL, token, "User", NULL, &a);
		snprintf(msg, sizeof msg, "operator %s (%s) may not template-del", who[i],
			 roles[i]);
		expect_error(&a, HR_E_ACCESSDENIED, msg);
		expect_journaled(who[i], "template-del", 0, msg);
		assert_int_equal(core_ledger_head(&core), head + 3); /* the refusals alone */
	}
	free(text);
}

/* TMPLSTORE_MAX live templates: one more is ERROR_NOT_ENOUGH_QUOTA. */
static void test_templates_full(void **state)
{
	uint8_t token[ADM_TOKEN_LEN];
	struct answer a;
	char name[32], oid[64], *text;
	size_t n;

	(void)state;
	login_ok("ada", token);
	(void)template_defaults(&n);
	for (size_t i = n; i <= TMPLSTORE_MAX; i++) {
		snprintf(name, sizeof name, "T%zu", i);
		snprintf(oid, sizeof oid, "1.3.6.1.4.1.99999.22.%zu", i);
		text = default_text("WebServer", name, oid);
		call_tmpl(ADM_TMPL_ADD, token, name, text, &a);
		free(text);
		if (i < TMPLSTORE_MAX) {
			if (a.type != ADM_OK)
				fail_msg("template %zu: %#x %s", i, a.hresult, a.message);
			ipc_msg_free(&a.m);
		} else {
			assert_int_equal(a.type, ADM_ERROR);
			assert_int_equal(a.hresult, HR_NOT_ENOUGH_QUOTA);
			ipc_msg_free(&a.m);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_login_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logout_ends_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_officer_verbs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crl_and_properties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_change_waits_alone, setup_relay,
						teardown),
		cmocka_unit_test_setup_teardown(test_roles_exclusive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_must_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_ends_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_with_connections_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_set_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_bad_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csr_extensions_guard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interface_flag_ends_worker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interface_flag_checked_by_custodian, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_own_passphrase_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_file_unwritable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_flag_keeps_worker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legacy_pair_last_administrator, setup_legacy,
						teardown),
		cmocka_unit_test_setup_teardown(test_first_administrator_after_start,
						setup_no_operators, teardown),
		cmocka_unit_test_setup_teardown(test_templates_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates_full, setup, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0 ||
	    core_ca_operator(&ca_template, "ada", ROLE_ADMIN, PASS) != 0 ||
	    core_ca_operator(&ca_template, "olivia", ROLE_OFFICER, PASS) != 0 ||
	    core_ca_operator(&ca_template, "aude", ROLE_AUDITOR, PASS) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
