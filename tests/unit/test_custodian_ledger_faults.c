/* The custodian facing a faulty or hostile ledger: on the in-process core
 * (support/core_harness.c) with the journal channel through a relay
 * (core_opts.ledger_proxy) that answers one chosen frame itself
 * (core_ledger_forge): an error of each kind, an answer that does not decode, an
 * answer of another type, a record of another event. For each, the custodian's
 * exact answer (the worker's HRESULT and message, the officer's, the CRL
 * publication's) and what the real ledger holds afterwards: record.c,
 * record_admin.c, and the paths of submit.c, officer.c, crlpub.c and authlog.c
 * that only a ledger's failure reaches; admin_tmpl.c's template changes the
 * ledger does not record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "hsm/hsm.h"
#include "hsm/internal.h"
#include "tests/unit/support/core_fixture.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

static char msg[1024];

#define ALICE "EXAMPLE\\alice"
#define OFFICER "olivia"
#define UNRECORDED "the CA could not record the request: "

static int setup_pend(void **state)
{
	(void)state;
	return core_fixture_start(NULL);
}

/* ---- forged answers ------------------------------------------------------------ */

/* The nth frame of type is answered LEDGER_ERROR {code, text}. */
static void forge_error(uint32_t type, unsigned nth, uint32_t code, const char *text)
{
	struct lmsg_error e = {.code = code};
	struct ipc_wbuf w;

	snprintf(e.message, sizeof(e.message), "%s", text);
	ipc_wbuf_init(&w);
	lmsg_error_encode(&w, &e);
	assert_false(w.failed);
	core_ledger_forge(&core, type, nth, LEDGER_ERROR, w.data, w.len);
	ipc_wbuf_free(&w);
}

static const uint8_t garbage[] = {0x01};

/* The nth frame of type is answered with answer and one byte that decodes as
 * nothing. */
static void forge_garbage(uint32_t type, unsigned nth, uint32_t answer)
{
	core_ledger_forge(&core, type, nth, answer, garbage, sizeof garbage);
}

/* The nth frame of type is answered LEDGER_EVENT carrying the genesis record (a
 * real record of another event). */
static void forge_genesis_event(uint32_t type, unsigned nth)
{
	struct lmsg_event le;
	struct ipc_wbuf w;
	uint8_t *rec;
	size_t len;

	assert_int_equal(ledger_get_record(core.ledger, 1, &rec, &len), LEDGER_OK);
	le.rec = rec;
	le.len = len;
	ipc_wbuf_init(&w);
	lmsg_event_encode(&w, &le);
	core_ledger_forge(&core, type, nth, LEDGER_EVENT, w.data, w.len);
	ipc_wbuf_free(&w);
	free(rec);
}

/* ---- the worker's channel -------------------------------------------------------- */

static void csr_for(const char *kind, struct x509_buf *csr)
{
	assert_int_equal(core_csr("CN=host1.example", kind, "host1", "host1", csr), 0);
}

/* A submission by ALICE of a request for a key of kind: its answer. */
static void submit(const char *kind, struct core_answer *a)
{
	struct x509_buf csr;
	struct core_who who;

	csr_for(kind, &csr);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, a), 0);
	x509_buf_free(&csr);
}

static void expect_error(struct core_answer *a, uint32_t hr, const char *message)
{
	if (a->kind != CUST_ERROR)
		fail_msg("answer %#x (disposition %u: %s), not an error", a->kind,
			 a->result.disposition, a->result.message);
	assert_int_equal(a->error.hresult, hr);
	assert_string_equal(a->error.message, message);
	core_answer_free(a);
}

/* The request and its intent refused by the ledger's rules: E_INVALIDARG with the
 * ledger's reason, nothing recorded, nothing signed. */
static void test_submit_intent_refused(void **state)
{
	uint64_t head = core_ledger_head(&core);
	struct core_answer a;

	(void)state;
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_INVALID, "rule broken");
	submit("p256", &a);
	expect_error(&a, HR_E_INVALIDARG, "ledger: rule broken");
	assert_int_equal(core_ledger_forged(&core), 1);
	assert_int_equal(core_ledger_head(&core), head);
}

/* The ledger's answer to the request and its intent does not decode, is of
 * another type or an error that does not decode: not a refusal of the request,
 * and not known to be recorded; the request is recorded failed (NTE_FAIL, the
 * reason), nothing signed. */
static void expect_failed_recorded(const char *message, uint64_t head)
{
	struct core_answer a;

	submit("p256", &a);
	if (a.kind != CUST_RESULT)
		fail_msg("answer %#x (%#x: %s), not a result", a.kind, a.error.hresult,
			 a.error.message);
	assert_int_equal(a.result.disposition, DISP_FAILED);
	assert_int_equal(a.result.hresult, HR_NTE_FAIL);
	assert_string_equal(a.result.message, message);
	assert_int_equal(a.result.cert_len, 0);
	core_answer_free(&a);
	assert_int_equal(core_ledger_head(&core), head + 2); /* request + disposition */
}

static void test_submit_answer_malformed(void **state)
{
	struct lmsg_appended_group ag = {.n = 1};
	struct ipc_wbuf w;

	(void)state;
	/* well-formed, but for one event where two were sent */
	ipc_wbuf_init(&w);
	lmsg_appended_group_encode(&w, &ag);
	core_ledger_forge(&core, LEDGER_APPEND_GROUP, 1, LEDGER_APPENDED_GROUP, w.data, w.len);
	ipc_wbuf_free(&w);
	expect_failed_recorded("malformed answer from the ledger", 1);
	forge_garbage(LEDGER_APPEND_GROUP, 1, LEDGER_APPENDED_GROUP);
	expect_failed_recorded("malformed answer from the ledger", 3);
	forge_garbage(LEDGER_APPEND_GROUP, 1, LEDGER_CRL_ROW);
	expect_failed_recorded("unexpected answer 579 from the ledger", 5);
	forge_garbage(LEDGER_APPEND_GROUP, 1, LEDGER_ERROR);
	expect_failed_recorded("ledger: malformed error", 7);
}

/* Signed, but the ledger does not take the certificate: it is never released;
 * E_UNEXPECTED (HR_DISK_FULL when the ledger has no room), and the ledger keeps
 * the request and its intent. */
static void test_submit_signed_not_recorded(void **state)
{
	uint64_t head = core_ledger_head(&core);
	struct core_answer a;

	(void)state;
	forge_error(LEDGER_APPEND_GROUP, 2, LEDGER_ERR_STORAGE, "disk on fire");
	submit("p256", &a);
	expect_error(&a, HR_E_UNEXPECTED, UNRECORDED "ledger: disk on fire");
	assert_int_equal(core_ledger_head(&core), head + 2); /* request + intent */
	forge_error(LEDGER_APPEND_GROUP, 2, LEDGER_ERR_FULL, "no room");
	submit("p256", &a);
	expect_error(&a, HR_DISK_FULL, UNRECORDED "ledger: no room");
	assert_int_equal(core_ledger_head(&core), head + 4);
	/* and then issued again as usual */
	submit("p256", &a);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_ISSUED);
	core_answer_free(&a);
}

/* A refusal (a weak key) whose record the ledger refuses: E_INVALIDARG with the
 * ledger's reason; one it cannot store: E_UNEXPECTED. */
static void test_decision_not_recorded(void **state)
{
	struct core_answer a;

	(void)state;
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_INVALID, "rule broken");
	submit("rsa1024", &a);
	expect_error(&a, HR_E_INVALIDARG, "ledger: rule broken");
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	submit("rsa1024", &a);
	expect_error(&a, HR_E_UNEXPECTED, UNRECORDED "ledger: disk on fire");
	assert_int_equal(core_ledger_head(&core), 1);
}

/* The HSM away (no serial: the request is failed with NTE_FAIL), and the
 * ledger refusing that decision, or unable to store it. */
static void test_failure_not_recorded(void **state)
{
	char dir[PATH_MAX], away[PATH_MAX];
	struct hsm_err herr;
	struct core_answer a;

	(void)state;
	softhsm_token_path(&ca_template.token, "tokens", dir, sizeof(dir));
	softhsm_token_path(&ca_template.token, "tokens.away", away, sizeof(away));
	assert_int_equal(rename(dir, away), 0);
	assert_int_equal(hsm_pool_recover(core.ca.hsm, core.ca.hsm->generation, CKR_DEVICE_ERROR,
					  &herr),
			 HSM_EUNAVAIL);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_INVALID, "rule broken");
	submit("p256", &a);
	expect_error(&a, HR_E_INVALIDARG, "ledger: rule broken");
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_FULL, "no room");
	submit("p256", &a);
	expect_error(&a, HR_DISK_FULL, UNRECORDED "ledger: no room");
	assert_int_equal(rename(away, dir), 0);
	assert_int_equal(core_ledger_head(&core), 1);
}

/* Retrieval when the ledger fails: the row or the certificate unreadable. */
static void test_retrieve_faults(void **state)
{
	struct core_answer a;
	struct core_who who;
	uint32_t id;

	(void)state;
	submit("p256", &a);
	assert_int_equal(a.kind, CUST_RESULT);
	id = a.result.request_id;
	core_answer_free(&a);
	core_who(&core, ALICE, NULL, &who);

	forge_garbage(LEDGER_GET_REQUEST, 1, LEDGER_REQUEST);
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	expect_error(&a, HR_E_UNEXPECTED, UNRECORDED "malformed request row from the ledger");
	forge_error(LEDGER_GET_REQUEST, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	expect_error(&a, HR_E_UNEXPECTED, UNRECORDED "ledger: disk on fire");
	forge_garbage(LEDGER_GET_EVENT, 1, LEDGER_EVENT);
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	expect_error(&a, HR_E_UNEXPECTED, UNRECORDED "malformed answer from the ledger");
	forge_garbage(LEDGER_GET_REQUEST, 1, LEDGER_CRL_ROW);
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	expect_error(&a, HR_E_UNEXPECTED, UNRECORDED "unexpected answer 579 from the ledger");
	{
		/* an event whose record does not decode: the decoder's reason */
		static const uint8_t junk[8] = {'L', 'E', 'V', '1'};
		struct lmsg_event le = {junk, sizeof junk};
		struct ipc_wbuf w;

		ipc_wbuf_init(&w);
		lmsg_event_encode(&w, &le);
		core_ledger_forge(&core, LEDGER_GET_EVENT, 1, LEDGER_EVENT, w.data, w.len);
		ipc_wbuf_free(&w);
		assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
		assert_int_equal(a.kind, CUST_ERROR);
		assert_int_equal(a.error.hresult, HR_E_UNEXPECTED);
		if (strncmp(a.error.message, UNRECORDED, strlen(UNRECORDED)) != 0 ||
		    strstr(a.error.message, "not a certificate") != NULL ||
		    strlen(a.error.message) == strlen(UNRECORDED))
			fail_msg("message: %s", a.error.message);
		core_answer_free(&a);
	}
	forge_genesis_event(LEDGER_GET_EVENT, 1);
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	/* the custodian names the ledger's own seq, counting the start-up's events */
	snprintf(msg, sizeof msg, UNRECORDED "event %llu is not a certificate",
		 (unsigned long long)(core_ledger_head(&core) - 1 + core.start_events));
	expect_error(&a, HR_E_UNEXPECTED, msg);
	/* and as usual again */
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_ISSUED);
	assert_int_not_equal(a.result.cert_len, 0);
	core_answer_free(&a);
}

/* A violation the ledger does not take: logged, the channel ends all the same. */
static void test_violation_not_journaled(void **state)
{
	static const uint8_t junk[40] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint64_t head = core_ledger_head(&core);

	(void)state;
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	ipc_wbuf_init(&w);
	ipc_put_raw(&w, junk, sizeof junk);
	core_send(&core, CUST_RETRIEVE, &w);
	assert_int_equal(core_recv(&core, &m), 0); /* no answer: the channel ended */
	assert_int_equal(core_end_channel(&core), 1);
	assert_int_equal(core_ledger_forged(&core), 1);
	assert_int_equal(core_ledger_head(&core), head);
}

/* ---- the officer's verbs ------------------------------------------------------- */

static uint32_t pending(void)
{
	struct core_answer a;
	uint32_t id;

	submit("p256", &a);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_PENDING);
	id = a.result.request_id;
	core_answer_free(&a);
	return id;
}

static void test_officer_faults(void **state)
{
	static const uint8_t null_der[] = {0x05, 0x00};
	struct admin *ad = core_admin(&core);
	struct adm_detail_is *d = malloc(sizeof(*d));
	struct ipc_wbuf w, list;
	struct lmsg_events evs;
	uint32_t id = pending();

	(void)state;
	assert_non_null(d);
	/* the row unreadable */
	forge_error(LEDGER_GET_REQUEST, 1, LEDGER_ERR_STORAGE, "disk on fire");
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(ad, OFFICER, id, &w, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	/* the raw request unreadable, or another event's */
	forge_garbage(LEDGER_GET_EVENT, 1, LEDGER_EVENT);
	assert_int_equal(officer_resubmit(ad, OFFICER, id, &w, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed answer from the ledger");
	forge_genesis_event(LEDGER_GET_EVENT, 1);
	assert_int_equal(officer_resubmit(ad, OFFICER, id, &w, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, "request 1: the ledger's event does not match");
	/* the details then have no subject, but the rest */
	forge_genesis_event(LEDGER_GET_EVENT, 1);
	assert_int_equal(officer_detail(ad, id, &w, msg, sizeof msg), 0);
	assert_int_equal(adm_detail_decode(w.data, w.len, d), 0);
	assert_string_equal(d->subject, "");
	assert_string_equal(d->requester, ALICE);
	ipc_wbuf_free(&w);
	/* the extensions unreadable, or not extensions */
	forge_garbage(LEDGER_GET_EXTENSIONS, 1, LEDGER_EVENTS);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_detail(ad, id, &w, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed extension list from the ledger");
	{
		uint8_t *rec;
		size_t len;

		assert_int_equal(ledger_get_record(core.ledger, 1, &rec, &len), LEDGER_OK);
		ipc_wbuf_init(&list);
		lmsg_events_add(&list, rec, len);
		evs.events.n = 1;
		evs.events.p = list.data;
		evs.events.len = list.len;
		ipc_wbuf_free(&w);
		ipc_wbuf_init(&w);
		lmsg_events_encode(&w, &evs);
		core_ledger_forge(&core, LEDGER_GET_EXTENSIONS, 1, LEDGER_EVENTS, w.data, w.len);
		ipc_wbuf_free(&w);
		ipc_wbuf_free(&list);
		free(rec);
	}
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(ad, OFFICER, id, &w, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed extension event from the ledger");
	/* an extension, a denial the ledger refuses or cannot store */
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_INVALID, "rule broken");
	assert_int_equal(officer_setext(ad, OFFICER, id, "1.2.3.4", 0, null_der, 2, msg,
					sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "ledger: rule broken");
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_FULL, "no room");
	assert_int_equal(officer_setext(ad, OFFICER, id, "1.2.3.4", 0, null_der, 2, msg,
					sizeof msg),
			 HR_DISK_FULL);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(officer_deny(ad, OFFICER, id, &w, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	ipc_wbuf_free(&w);
	/* still pending: the resubmission whose certificate the ledger does not take */
	forge_error(LEDGER_APPEND_GROUP, 2, LEDGER_ERR_FULL, "no room");
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(ad, OFFICER, id, &w, msg, sizeof msg), HR_DISK_FULL);
	assert_string_equal(msg, "ledger: no room");
	ipc_wbuf_free(&w);
	free(d);
}

/* ---- CRL publication ------------------------------------------------------------ */

static void test_crl_faults(void **state)
{
	struct admin *ad = core_admin(&core);
	struct lmsg_revoked_rows page = {.rows = {0, NULL, 0}, .more = 1};
	struct ipc_wbuf w;
	uint64_t head = core_ledger_head(&core);

	(void)state;
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 1, msg, sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "no base CRL yet: publish one first");
	forge_garbage(LEDGER_CRL_LATEST, 1, LEDGER_CRL_ROW);
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg),
			 HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed CRL row from the ledger");
	forge_garbage(LEDGER_REVOKED_LIST, 1, LEDGER_REVOKED_ROWS);
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg),
			 HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed revoked set from the ledger");
	forge_error(LEDGER_REVOKED_LIST, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg),
			 HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	/* a page that says more but gives nothing would repeat forever */
	ipc_wbuf_init(&w);
	lmsg_revoked_rows_encode(&w, &page);
	core_ledger_forge(&core, LEDGER_REVOKED_LIST, 1, LEDGER_REVOKED_ROWS, w.data, w.len);
	ipc_wbuf_free(&w);
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg),
			 HR_E_UNEXPECTED);
	assert_string_equal(msg, "the ledger's revoked set does not advance");
	/* the CRL refused by the ledger's rules, or without room */
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_INVALID, "rule broken");
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "ledger: rule broken");
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_FULL, "no room");
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg),
			 HR_DISK_FULL);
	assert_int_equal(core_ledger_head(&core), head); /* nothing recorded */
	/* a base CRL, then a delta whose base cannot be read */
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg), 0);
	forge_error(LEDGER_CRL_LATEST, 2, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(crl_publish(ad, ACTOR_OPERATOR, OFFICER, 1, msg, sizeof msg),
			 HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	/* the base CRL and the checkpoint that follows every CRL (checkpoint.c);
	 * nothing of the delta */
	assert_int_equal(core_ledger_head(&core), head + 2);
	{
		char *strbuf = malloc(LEDGER_STRBUF);
		struct ledger_event ev;
		uint8_t *rec;

		assert_non_null(strbuf);
		assert_int_equal(core_ledger_event(&core, head + 1, &ev, strbuf, &rec), 0);
		assert_int_equal(ev.type, EV_CRL_PUBLISHED);
		free(rec);
		assert_int_equal(core_ledger_event(&core, head + 2, &ev, strbuf, &rec), 0);
		assert_int_equal(ev.type, EV_CHECKPOINT);
		free(rec);
		free(strbuf);
	}
}

/* ---- the journal budget ------------------------------------------------------- */

static int setup_budget(void **state)
{
	static const char *const conf[] = {"icpr_allow_anonymous=1", "journal_burst_first=1",
					   "journal_burst_quiet=1", NULL};

	(void)state;
	return core_fixture_start(conf);
}

/* A burst's summary the ledger cannot take is kept (put back in the table) and
 * journaled later, here when the custodian stops: the count is not lost. */
static void test_budget_summary_kept(void **state)
{
	char *strbuf = malloc(LEDGER_STRBUF);
	struct ledger_event ev;
	struct core_answer a;
	uint8_t *rec;
	uint64_t head;

	(void)state;
	assert_non_null(strbuf);
	for (int i = 0; i < 3; i++) {
		refused_from("192.0.2.7", &a); /* one journaled, two counted */
		core_answer_free(&a);
		refused_from("192.0.2.8", &a); /* and from another address */
		core_answer_free(&a);
	}
	head = core_ledger_head(&core);
	assert_int_equal(head, 1 + 2 * 2);
	/* the quiet burst's summary: refused by the ledger once */
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	for (int i = 0; i < 50 && core_ledger_forged(&core) == 0; i++)
		sleep_ms(100);
	assert_int_equal(core_ledger_forged(&core), 1);
	assert_int_equal(core_ledger_head(&core), head);
	/* the other summary of that round went back untried; the stop journals both */
	core_end_channel(&core);
	custodian_close(core.cust);
	core.cust = NULL;
	assert_int_equal(core_ledger_head(&core), head + 2 * 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(core_ledger_event(&core, head + 1 + 2 * (uint64_t)i, &ev, strbuf,
						   &rec),
				 0);
		assert_int_equal(ev.type, EV_REQUEST_RECEIVED);
		assert_int_equal(ev.u.request.count, 2);
		assert_true(strcmp(ev.u.request.peer, "192.0.2.7") == 0 ||
			    strcmp(ev.u.request.peer, "192.0.2.8") == 0);
		free(rec);
	}
	free(strbuf);
}

/* ---- the properties read at start-up ---------------------------------------- */

/* The start-up's property reads, in order: ca.conf's snapshot
 * (props_conf_audit, PROPS_CONF_NAME), then the settings (props_load, CDPURL
 * first). */
#define CONF_SNAPSHOT_READ 1
#define FIRST_SETTING_READ 2

/* custodian_open with the nth property read answered (answer, payload): it does
 * not start (open_rc), with message. */
static void expect_start_fails(unsigned nth, uint32_t answer, const void *payload, size_t len,
			       int open_rc, const char *message)
{
	struct core_opts o = {.ledger_proxy = 1, .forge_type = LEDGER_GET_PROP, .forge_nth = nth,
			      .forge_answer = answer, .forge_payload = payload,
			      .forge_len = len};

	assert_int_equal(core_start(&core, &ca_template, &o), -1);
	assert_int_equal(core_ledger_forged(&core), 1);
	assert_int_equal(core.open_rc, open_rc);
	assert_string_equal(core.err, message);
}

/* custodian_open with the first setting's read answered (answer, payload): it
 * refuses to start with message. */
static void expect_start_refused(uint32_t answer, const void *payload, size_t len,
				 const char *message)
{
	expect_start_fails(FIRST_SETTING_READ, answer, payload, len, CUSTODIAN_EREFUSED, message);
}

static void test_props_unreadable_at_start(void **state)
{
	struct lmsg_error e = {.code = LEDGER_ERR_STORAGE, .message = "disk on fire"};
	struct lmsg_event le;
	struct ipc_wbuf w;

	(void)state;
	/* ca.conf's snapshot unreadable: the start fails (props_conf_audit's
	 * failure is custodian_open's CUSTODIAN_EFAIL, not a refusal) */
	expect_start_fails(CONF_SNAPSHOT_READ, LEDGER_EVENT, garbage, sizeof garbage,
			   CUSTODIAN_EFAIL, "malformed answer from the ledger");
	expect_start_refused(LEDGER_EVENT, garbage, sizeof garbage,
			     "malformed answer from the ledger");
	ipc_wbuf_init(&w);
	lmsg_error_encode(&w, &e);
	expect_start_refused(LEDGER_ERROR, w.data, w.len, "ledger: disk on fire");
	ipc_wbuf_free(&w);
	/* a record of another event: a genesis, taken from a ledger made for this */
	{
		uint8_t *r;
		size_t len;

		assert_int_equal(core_start(&core, &ca_template, NULL), 0);
		assert_int_equal(ledger_get_record(core.ledger, 1, &r, &len), LEDGER_OK);
		core_stop(&core);
		le.rec = r;
		le.len = len;
		ipc_wbuf_init(&w);
		lmsg_event_encode(&w, &le);
		expect_start_refused(LEDGER_EVENT, w.data, w.len,
				     "property CDPURL: the ledger's event does not match");
		ipc_wbuf_free(&w);
		free(r);
	}
}

/* ---- the console's reads relayed from the ledger -------------------------------- */

static int setup_console(void **state)
{
	(void)state;
	return core_fixture_console(NULL);
}

/* The console's answer to type with payload w: ADM_ERROR's HRESULT and message
 * (0 and "" for any other answer, whose type is returned in *type). */
static uint32_t console(uint32_t type, struct ipc_wbuf *w, uint32_t *answer, char *text,
			size_t textlen)
{
	struct adm_error *e = malloc(sizeof(*e));
	struct ipc_msg m;
	uint32_t hr = 0;

	assert_non_null(e);
	text[0] = 0;
	assert_int_equal(core_console_call(&con, type, w, &m), 1);
	*answer = m.hdr.type;
	if (m.hdr.type == ADM_ERROR) {
		assert_int_equal(adm_error_decode(m.data, m.hdr.len, e), 0);
		hr = e->hresult;
		snprintf(text, textlen, "%s", e->message);
	}
	ipc_msg_free(&m);
	free(e);
	return hr;
}

static uint32_t view(const uint8_t *token, uint32_t *answer)
{
	struct adm_view *q = calloc(1, sizeof(*q));
	struct ipc_wbuf w;

	assert_non_null(q);
	memcpy(q->token, token, ADM_TOKEN_LEN);
	q->q.limit = 10;
	ipc_wbuf_init(&w);
	adm_view_encode(&w, q);
	free(q);
	return console(ADM_VIEW, &w, answer, msg, sizeof msg);
}

static uint32_t audit(const uint8_t *token, uint32_t *answer)
{
	struct adm_audit q = {.first = 2, .max = 10};
	struct ipc_wbuf w;

	memcpy(q.token, token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_audit_encode(&w, &q);
	return console(ADM_AUDIT, &w, answer, msg, sizeof msg);
}

static uint32_t bare(uint32_t type, const uint8_t *token, uint32_t *answer)
{
	struct adm_bare q;
	struct ipc_wbuf w;

	memcpy(q.token, token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_bare_encode(&w, &q);
	return console(type, &w, answer, msg, sizeof msg);
}

static uint32_t prop(uint32_t type, const uint8_t *token, const char *name, const void *value,
		     size_t len, uint32_t *answer)
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
		q.value = value;
		q.value_len = len;
		adm_setprop_encode(&w, &q);
	}
	return console(type, &w, answer, msg, sizeof msg);
}

static void test_console_faults(void **state)
{
	uint8_t officer[ADM_TOKEN_LEN], auditor[ADM_TOKEN_LEN], admin[ADM_TOKEN_LEN];
	uint32_t answer;

	(void)state;
	console_login(&con, "olivia", officer);
	console_login(&con, "aude", auditor);
	console_login(&con, "ada", admin);
	/* view: the ledger's error, a page that does not decode, and as usual */
	forge_error(LEDGER_VIEW, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(view(officer, &answer), HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	forge_error(LEDGER_VIEW, 1, LEDGER_ERR_NOTFOUND, "nothing");
	assert_int_equal(view(officer, &answer), HR_NOT_FOUND);
	forge_garbage(LEDGER_VIEW, 1, LEDGER_ROWS);
	assert_int_equal(view(officer, &answer), HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed rows from the ledger");
	assert_int_equal(view(officer, &answer), 0);
	assert_int_equal(answer, ADM_ROWS);
	/* audit */
	forge_error(LEDGER_GET_EVENTS, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(audit(auditor, &answer), HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	forge_garbage(LEDGER_GET_EVENTS, 1, LEDGER_EVENTS);
	assert_int_equal(audit(auditor, &answer), HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed events from the ledger");
	assert_int_equal(audit(auditor, &answer), 0);
	assert_int_equal(answer, ADM_EVENTS);
	/* verify */
	forge_error(LEDGER_VERIFY, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(bare(ADM_VERIFY, auditor, &answer), HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	forge_garbage(LEDGER_VERIFY, 1, LEDGER_VERIFIED);
	assert_int_equal(bare(ADM_VERIFY, auditor, &answer), HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed answer from the ledger");
	/* getprop: the chain as the custodian holds it; a CRL the ledger cannot give */
	assert_int_equal(prop(ADM_GETPROP, officer, "CAChain", NULL, 0, &answer), 0);
	assert_int_equal(answer, ADM_PROP);
	assert_int_equal(crl_publish(core_admin(&core), ACTOR_OPERATOR, "olivia", 0, msg,
				     sizeof msg),
			 0);
	forge_garbage(LEDGER_GET_EVENT, 1, LEDGER_EVENT);
	assert_int_equal(prop(ADM_GETPROP, officer, "BaseCRL", NULL, 0, &answer),
			 HR_E_UNEXPECTED);
	assert_string_equal(msg, "malformed answer from the ledger");
	forge_genesis_event(LEDGER_GET_EVENT, 1);
	assert_int_equal(prop(ADM_GETPROP, officer, "BaseCRL", NULL, 0, &answer),
			 HR_E_UNEXPECTED);
	/* (its message is empty: get_prop says nothing when the record is another
	 * event's; reported, not changed here) */
	assert_int_equal(prop(ADM_GETPROP, officer, "DeltaCRL", NULL, 0, &answer), HR_NOT_FOUND);
	assert_string_equal(msg, "no delta CRL published yet");
	/* setprop: a value with a NUL, and one the ledger refuses */
	assert_int_equal(prop(ADM_SETPROP, admin, "CDPURL", "http://a\0b", 10, &answer),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "CDPURL: the value is text of at most 511 bytes");
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_INVALID, "rule broken");
	assert_int_equal(prop(ADM_SETPROP, admin, "CDPURL", "http://pki.example/x.crl", 24,
			      &answer),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "ledger: rule broken");
	assert_int_equal(prop(ADM_GETPROP, officer, "CDPURL", NULL, 0, &answer), 0);
}

/* An officer's request id verb (RESUBMIT, DENY, DETAIL) over the console. */
static uint32_t by_id(uint32_t type, const uint8_t *token, uint32_t id, uint32_t *answer)
{
	struct adm_request_id q;
	struct ipc_wbuf w;

	memcpy(q.token, token, ADM_TOKEN_LEN);
	q.request_id = id;
	ipc_wbuf_init(&w);
	adm_request_id_encode(&w, &q);
	return console(type, &w, answer, msg, sizeof msg);
}

/* The console's own journal writes refused by the ledger (issue 20): a login
 * (no session is given), a read (no answer without its record), an officer's
 * approval (the request is not issued), and refusals, which are answered all
 * the same (the log says they were not journaled); a verification that fails is
 * reported as FAILED with HR_INVALID_STATE. */
static void test_console_journal_faults(void **state)
{
	uint8_t officer[ADM_TOKEN_LEN], auditor[ADM_TOKEN_LEN], nobody[ADM_TOKEN_LEN] = {0};
	struct lmsg_verified v = {.ok = 0, .events = 12};
	struct adm_login *q = calloc(1, sizeof(*q));
	struct ipc_wbuf w;
	uint32_t answer, id;

	(void)state;
	assert_non_null(q);
	/* a login whose record the ledger refuses: no session */
	snprintf(q->name, sizeof(q->name), "olivia");
	snprintf(q->pass, sizeof(q->pass), "%s", PASS);
	ipc_wbuf_init(&w);
	adm_login_encode(&w, q);
	free(q);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(console(ADM_LOGIN, &w, &answer, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	console_login(&con, "olivia", officer);
	console_login(&con, "aude", auditor);

	/* a read is journaled before it is answered */
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(prop(ADM_GETPROP, officer, "CRLPeriod", NULL, 0, &answer),
			 HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	assert_int_equal(prop(ADM_GETPROP, officer, "CRLPeriod", NULL, 0, &answer), 0);
	assert_int_equal(answer, ADM_PROP);

	/* an approval not journaled issues nothing; the next one does */
	id = pending();
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(by_id(ADM_RESUBMIT, officer, id, &answer), HR_E_UNEXPECTED);
	assert_string_equal(msg, "ledger: disk on fire");
	assert_int_equal(by_id(ADM_RESUBMIT, officer, id, &answer), 0);
	assert_int_equal(answer, ADM_RESULT);
	assert_int_equal(by_id(ADM_RESUBMIT, officer, id, &answer), HR_INVALID_STATE);

	/* refusals answered although their record is refused */
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(prop(ADM_SETPROP, officer, "CRLPeriod", "2d", 2, &answer),
			 HR_E_ACCESSDENIED);
	assert_string_equal(msg, "operator olivia (officer) may not setprop");
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(prop(ADM_GETPROP, nobody, "CRLPeriod", NULL, 0, &answer),
			 HR_E_ACCESSDENIED);
	assert_string_equal(msg, "not logged in, or the session expired: caadm login NAME");
	forge_error(LEDGER_APPEND_GROUP, 2, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(prop(ADM_GETPROP, officer, "NoSuch", NULL, 0, &answer), HR_NOT_FOUND);
	assert_int_equal(core_ledger_forged(&core), 6); /* every forge was used */

	/* a verification that fails, as the ledger reports it */
	snprintf(v.message, sizeof(v.message), "record 7: hash mismatch");
	ipc_wbuf_init(&w);
	lmsg_verified_encode(&w, &v);
	core_ledger_forge(&core, LEDGER_VERIFY, 1, LEDGER_VERIFIED, w.data, w.len);
	ipc_wbuf_free(&w);
	assert_int_equal(bare(ADM_VERIFY, auditor, &answer), HR_INVALID_STATE);
	assert_string_equal(msg, "FAILED: 12 events: record 7: hash mismatch");
}

/* An operator change (add, roles, a passphrase reset) whose record the ledger
 * refuses is not made: journaled first, applied after (no operator appears,
 * changes role or gets a new passphrase without the journal saying so). */
/* A template change the ledger does not record is not made (TMPL_ERECORD:
 * E_UNEXPECTED with the store's message): add, set and del, each with the ledger's
 * storage error on its template-changed event; the templates are as before. */
static void test_template_change_not_journaled(void **state)
{
	static struct adm_tmpl_text q;
	static struct adm_tmpl_list_is l;
	struct adm_tmpl_name d;
	struct adm_bare bare;
	uint8_t admin[ADM_TOKEN_LEN];
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint32_t answer;

	(void)state;
	console_login(&con, "ada", admin);
	memset(&q, 0, sizeof(q));
	memcpy(q.token, admin, ADM_TOKEN_LEN);
	snprintf(q.name, sizeof(q.name), "User");
	snprintf(q.text, sizeof(q.text), "validity_days = 200\n");
	ipc_wbuf_init(&w);
	adm_tmpl_text_encode(&w, &q);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(console(ADM_TMPL_SET, &w, &answer, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_non_null(strstr(msg, "disk on fire"));
	assert_int_equal(core_ledger_forged(&core), 1);

	memcpy(d.token, admin, ADM_TOKEN_LEN);
	snprintf(d.name, sizeof(d.name), "SubCA");
	ipc_wbuf_init(&w);
	adm_tmpl_name_encode(&w, &d);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(console(ADM_TMPL_DEL, &w, &answer, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_non_null(strstr(msg, "disk on fire"));

	/* add: the text of User under another name and OID */
	memcpy(d.token, admin, ADM_TOKEN_LEN);
	snprintf(d.name, sizeof(d.name), "User");
	ipc_wbuf_init(&w);
	adm_tmpl_name_encode(&w, &d);
	assert_int_equal(core_console_call(&con, ADM_TMPL_SHOW, &w, &m), 1);
	assert_int_equal(m.hdr.type, ADM_TMPL_TEXT);
	{
		static struct adm_tmpl_text_is t;
		char *name, *oid;

		assert_int_equal(adm_tmpl_text_is_decode(m.data, m.hdr.len, &t), 0);
		/* still version 1.0 and 365 days: the refused set changed nothing */
		assert_non_null(strstr(t.text, "minor_version = 0\nvalidity_days = 365\n"));
		name = strstr(t.text, "name = User\n");
		oid = strstr(t.text, "oid = ");
		assert_non_null(name);
		assert_non_null(oid);
		snprintf(q.text, sizeof(q.text), "name = User2\ndisplay_name = User 2\n"
						 "oid = 1.3.6.1.4.1.99999.23.1\n%s",
			 strchr(oid, '\n') + 1);
	}
	ipc_msg_free(&m);
	snprintf(q.name, sizeof(q.name), "User2");
	ipc_wbuf_init(&w);
	adm_tmpl_text_encode(&w, &q);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(console(ADM_TMPL_ADD, &w, &answer, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_non_null(strstr(msg, "disk on fire"));

	/* five templates, SubCA among them, no User2 */
	memcpy(bare.token, admin, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_bare_encode(&w, &bare);
	assert_int_equal(core_console_call(&con, ADM_TMPL_LIST, &w, &m), 1);
	assert_int_equal(m.hdr.type, ADM_TMPL_LIST_IS);
	assert_int_equal(adm_tmpl_list_decode(m.data, m.hdr.len, &l), 0);
	ipc_msg_free(&m);
	assert_int_equal(l.n, 5);
	assert_string_equal(l.e[2].name, "SubCA");
	assert_string_equal(l.e[3].name, "User");
	assert_int_equal(l.e[3].minor, 0);
	/* and the same add, recorded, is made */
	ipc_wbuf_init(&w);
	adm_tmpl_text_encode(&w, &q);
	assert_int_equal(console(ADM_TMPL_ADD, &w, &answer, msg, sizeof msg), 0);
	assert_int_equal(answer, ADM_OK);
}

static void test_operator_change_not_journaled(void **state)
{
	uint8_t admin[ADM_TOKEN_LEN], token[ADM_TOKEN_LEN];
	struct adm_op_add *add = calloc(1, sizeof(*add));
	struct adm_op_passwd *pw = calloc(1, sizeof(*pw));
	struct adm_op_roles roles;
	struct ipc_wbuf w;
	uint32_t answer;
	static const char not_made[] = "not journaled, so not made: ledger: disk on fire";

	(void)state;
	assert_non_null(add);
	assert_non_null(pw);
	console_login(&con, "ada", admin);

	memcpy(add->token, admin, ADM_TOKEN_LEN);
	snprintf(add->name, sizeof(add->name), "mallory");
	add->roles = ROLE_ADMIN;
	snprintf(add->pass, sizeof(add->pass), "%s", PASS);
	ipc_wbuf_init(&w);
	adm_op_add_encode(&w, add);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(console(ADM_OP_ADD, &w, &answer, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, not_made);

	memcpy(roles.token, admin, ADM_TOKEN_LEN);
	snprintf(roles.name, sizeof(roles.name), "aude");
	roles.roles = ROLE_ADMIN;
	ipc_wbuf_init(&w);
	adm_op_roles_encode(&w, &roles);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(console(ADM_OP_ROLES, &w, &answer, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, not_made);

	memcpy(pw->token, admin, ADM_TOKEN_LEN);
	snprintf(pw->name, sizeof(pw->name), "olivia");
	snprintf(pw->pass, sizeof(pw->pass), "a passphrase ada knows");
	ipc_wbuf_init(&w);
	adm_op_passwd_encode(&w, pw);
	forge_error(LEDGER_APPEND_GROUP, 1, LEDGER_ERR_STORAGE, "disk on fire");
	assert_int_equal(console(ADM_OP_PASSWD, &w, &answer, msg, sizeof msg), HR_E_UNEXPECTED);
	assert_string_equal(msg, not_made);
	assert_int_equal(core_ledger_forged(&core), 3);

	/* nothing changed: the list, olivia's passphrase, no mallory */
	assert_int_equal(bare(ADM_OP_LIST, admin, &answer), 0);
	assert_int_equal(answer, ADM_OK);
	console_login(&con, "olivia", token);
	console_login(&con, "aude", token);
	assert_int_equal(prop(ADM_GETPROP, token, "CRLPeriod", NULL, 0, &answer), 0);
	{
		struct adm_login *q = calloc(1, sizeof(*q));

		assert_non_null(q);
		snprintf(q->name, sizeof(q->name), "mallory");
		snprintf(q->pass, sizeof(q->pass), "%s", PASS);
		ipc_wbuf_init(&w);
		adm_login_encode(&w, q);
		free(q);
		assert_int_equal(console(ADM_LOGIN, &w, &answer, msg, sizeof msg),
				 HR_LOGON_FAILURE);
	}
	/* aude is still an auditor: an administrator's verb is refused */
	assert_int_equal(prop(ADM_SETPROP, token, "CRLPeriod", "2d", 2, &answer),
			 HR_E_ACCESSDENIED);
	assert_string_equal(msg, "operator aude (auditor) may not setprop");
	free(add);
	free(pw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_submit_intent_refused, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_submit_answer_malformed, setup_issue,
						teardown),
		cmocka_unit_test_setup_teardown(test_submit_signed_not_recorded, setup_issue,
						teardown),
		cmocka_unit_test_setup_teardown(test_decision_not_recorded, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_failure_not_recorded, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_faults, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_violation_not_journaled, setup_issue, teardown),
		cmocka_unit_test_setup_teardown(test_officer_faults, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_crl_faults, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_budget_summary_kept, setup_budget, teardown),
		cmocka_unit_test_setup_teardown(test_console_faults, setup_console, teardown_console),
		cmocka_unit_test_setup_teardown(test_console_journal_faults, setup_console,
						teardown_console),
		cmocka_unit_test_setup_teardown(test_template_change_not_journaled, setup_console,
						teardown_console),
		cmocka_unit_test_setup_teardown(test_operator_change_not_journaled, setup_console,
						teardown_console),
		cmocka_unit_test(test_props_unreadable_at_start),
	};
	int rc;

	/* every core of this program answers through the relay that forges */
	core_fixture_opts.ledger_proxy = 1;
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
