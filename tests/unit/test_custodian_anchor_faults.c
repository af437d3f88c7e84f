/* The custodian's start against the ledger's anchor (firmware/custodian/
 * checkpoint.c, checkpoint_open) when the ledger's answers fail or lie, in the
 * harness's core (support/core_harness.c: a real SoftHSM token, the ceremony's
 * CA, a real ledger) with the journal channel through the harness's relay,
 * which answers one chosen frame itself (core_opts.ledger_proxy and its forge
 * rule). A real ledger does not give these answers; a faulty or compromised one
 * could, and the start must then fail (CUSTODIAN_EFAIL: the ledger could not be
 * compared) or be refused (CUSTODIAN_EREFUSED: what it says contradicts the
 * token), never go on. checkpoint_open is the first reader of the ledger at
 * start, so each rule's first frame of its type is checkpoint_open's: the head
 * (LEDGER_HEAD), the search for an earlier checkpoint when the token holds no
 * anchor (LEDGER_GET_EVENTS, record_admin.c's record_first_of_type), the record
 * the anchor covers (LEDGER_GET_EVENT, record_get_record). And the checkpoint
 * after a CRL, and the schedule's, when the ledger fails or lies to them. */
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

#include "firmware/custodian/admin.h"
#include "firmware/custodian/checkpoint.h"
#include "firmware/custodian/serve.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;
static struct core core;

static int teardown(void **state)
{
	(void)state;
	log_end(); /* a failed test's capture, if any */
	core_stop(&core);
	return 0;
}

static const uint8_t garbage[] = {0x01};

/* A LEDGER_ERROR frame {code, text} in w (the caller frees it). */
static void error_frame(struct ipc_wbuf *w, uint32_t code, const char *text)
{
	struct lmsg_error e = {.code = code};

	snprintf(e.message, sizeof(e.message), "%s", text);
	ipc_wbuf_init(w);
	lmsg_error_encode(w, &e);
	assert_false(w->failed);
}

/* The start with the first frame of type answered (answer, payload): it must
 * fail with open_rc and the message want, or one starting with want when it ends
 * in "..." (a time or a code follows). */
static void start_fails(const struct core_opts *base, uint32_t type, uint32_t answer,
			const void *payload, size_t len, int open_rc, const char *want)
{
	struct core_opts o = *base;

	o.ledger_proxy = 1;
	o.forge_type = type;
	o.forge_nth = 1;
	o.forge_answer = answer;
	o.forge_payload = payload;
	o.forge_len = len;
	assert_int_equal(core_start(&core, &ca_template, &o), -1);
	assert_int_equal(core_ledger_forged(&core), 1);
	assert_int_equal(core.open_rc, open_rc);
	if (strlen(want) > 3 && strcmp(want + strlen(want) - 3, "...") == 0) {
		if (strncmp(core.err, want, strlen(want) - 3) != 0)
			fail_msg("err: '%s', not starting with '%s'", core.err, want);
	} else {
		assert_string_equal(core.err, want);
	}
	core_stop(&core);
}

/* ---- the head ---------------------------------------------------------------------- */

static void test_head_unreadable(void **state)
{
	const struct core_opts o = {0};
	struct ipc_wbuf w;

	(void)state;
	start_fails(&o, LEDGER_HEAD, LEDGER_HEAD_IS, garbage, sizeof garbage, CUSTODIAN_EFAIL,
		    "malformed answer from the ledger");
	error_frame(&w, LEDGER_ERR_STORAGE, "disk on fire");
	start_fails(&o, LEDGER_HEAD, LEDGER_ERROR, w.data, w.len, CUSTODIAN_EFAIL,
		    "ledger: disk on fire");
	ipc_wbuf_free(&w);
	/* an answer of another type */
	{
		char want[64];

		snprintf(want, sizeof want, "unexpected answer %u from the ledger",
			 (unsigned)LEDGER_CRL_ROW);
		start_fails(&o, LEDGER_HEAD, LEDGER_CRL_ROW, garbage, sizeof garbage,
			    CUSTODIAN_EFAIL, want);
	}
}

/* ---- no anchor: was the ledger anchored before? ------------------------------------ */

/* The record of the last checkpoint of a CA's run (a CRL published, then the
 * checkpoint covering it): its bytes and seq. */
static void checkpoint_record(uint8_t **rec, size_t *len, uint64_t *seq)
{
	char msg[512];

	assert_int_equal(core_start(&core, &ca_template, &(struct core_opts){.console = 1}), 0);
	assert_int_equal(crl_publish(core_admin(&core), ACTOR_CA, "CA", 0, msg, sizeof msg), 0);
	*seq = core.start_events + core_ledger_head(&core); /* the ledger's own seq */
	assert_int_equal(ledger_get_record(core.ledger, *seq, rec, len), LEDGER_OK);
	core_stop(&core);
}

static void test_search_unreadable(void **state)
{
	const struct core_opts o = {0};
	const uint8_t junk[] = {0x00, 0x01, 0x02};
	struct ipc_wbuf w, list;
	struct lmsg_events page;

	(void)state;
	start_fails(&o, LEDGER_GET_EVENTS, LEDGER_EVENTS, garbage, sizeof garbage,
		    CUSTODIAN_EFAIL, "malformed events from the ledger");
	error_frame(&w, LEDGER_ERR_STORAGE, "disk on fire");
	start_fails(&o, LEDGER_GET_EVENTS, LEDGER_ERROR, w.data, w.len, CUSTODIAN_EFAIL,
		    "ledger: disk on fire");
	ipc_wbuf_free(&w);
	/* a page whose record does not decode */
	ipc_wbuf_init(&list);
	lmsg_events_add(&list, junk, sizeof junk);
	page.events = (struct lmsg_list){1, list.data, list.len};
	ipc_wbuf_init(&w);
	lmsg_events_encode(&w, &page);
	start_fails(&o, LEDGER_GET_EVENTS, LEDGER_EVENTS, w.data, w.len, CUSTODIAN_EFAIL,
		    "record: 3 bytes, too short for its magic");
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
}

/* The token holds no anchor, and the ledger's first page names a checkpoint
 * (a genuine record of an earlier run): the anchors were removed, refused. */
static void test_search_finds_a_checkpoint(void **state)
{
	struct ipc_wbuf w, list;
	struct lmsg_events page;
	char want[512];
	uint8_t *rec;
	size_t len;
	uint64_t seq;

	(void)state;
	checkpoint_record(&rec, &len, &seq);
	ipc_wbuf_init(&list);
	lmsg_events_add(&list, rec, len);
	page.events = (struct lmsg_list){1, list.data, list.len};
	ipc_wbuf_init(&w);
	lmsg_events_encode(&w, &page);
	snprintf(want, sizeof want, "the token holds no valid ledger anchor (A absent, B absent) "
		 "but the ledger was anchored (a checkpoint at seq %llu): the anchors were "
		 "removed or damaged; if that is known, `caadm checkpoint --reanchor`",
		 (unsigned long long)seq);
	start_fails(&(struct core_opts){0}, LEDGER_GET_EVENTS, LEDGER_EVENTS, w.data, w.len,
		    CUSTODIAN_EREFUSED, want);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
	free(rec);
}

/* ---- an anchor: the record it covers ------------------------------------------------ */

static void test_covered_record_unreadable(void **state)
{
	struct ipc_wbuf w;
	struct core_opts o = {.keep_anchors = 1};
	char want[512];
	uint8_t *rec;
	size_t len;
	uint64_t seq;

	(void)state;
	/* an anchor covering seq - 1 on the token; a ledger as long (padded) */
	checkpoint_record(&rec, &len, &seq);
	free(rec);
	o.pad_events = (unsigned)seq + 2;
	start_fails(&o, LEDGER_GET_EVENT, LEDGER_EVENT, garbage, sizeof garbage, CUSTODIAN_EFAIL,
		    "malformed answer from the ledger");
	error_frame(&w, LEDGER_ERR_STORAGE, "disk on fire");
	start_fails(&o, LEDGER_GET_EVENT, LEDGER_ERROR, w.data, w.len, CUSTODIAN_EFAIL,
		    "ledger: disk on fire");
	ipc_wbuf_free(&w);
	/* "not found" for a record below the head: the ledger contradicts itself,
	 * and the anchor cannot be checked: refused */
	error_frame(&w, LEDGER_ERR_NOTFOUND, "no such event");
	snprintf(want, sizeof want, "the ledger's record %llu could not be read to compare with "
		 "the HSM's checkpoint of ...", (unsigned long long)(seq - 1));
	start_fails(&o, LEDGER_GET_EVENT, LEDGER_ERROR, w.data, w.len, CUSTODIAN_EREFUSED, want);
	ipc_wbuf_free(&w);
}

/* ---- the checkpoint after a CRL ------------------------------------------------------ */

/* The ledger fails the checkpoint's read of the latest CRL (the second
 * LEDGER_CRL_LATEST of a publication: the CRL's own is the first): the CRL is
 * published and recorded, the checkpoint not taken, logged, and no sidecar is
 * written (nothing journaled to publish). */
static void test_checkpoint_after_crl_fails(void **state)
{
	char msg[512], path[PATH_MAX + 32];
	struct ipc_wbuf w;
	struct stat st;

	(void)state;
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.console = 1, .ledger_proxy = 1}), 0);
	error_frame(&w, LEDGER_ERR_STORAGE, "disk on fire");
	core_ledger_forge(&core, LEDGER_CRL_LATEST, 2, LEDGER_ERROR, w.data, w.len);
	ipc_wbuf_free(&w);
	log_begin();
	assert_int_equal(crl_publish(core_admin(&core), ACTOR_CA, "CA", 0, msg, sizeof msg), 0);
	log_end_quiet();
	assert_int_equal(core_ledger_forged(&core), 1);
	assert_logged("warning: checkpoint after CRL 1: ledger: disk on fire\n");
	snprintf(path, sizeof path, "%s/crl/ca.crl", core.dir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof path, "%s/crl/ca.crl.checkpoint", core.dir);
	assert_int_equal(stat(path, &st), -1);
	/* the journal ends with the CRL: no checkpoint after it */
	{
		static char strbuf[LEDGER_STRBUF];
		struct ledger_event ev;
		uint8_t *rec = NULL;

		assert_int_equal(core_ledger_event(&core, core_ledger_head(&core), &ev, strbuf, &rec),
				 0);
		assert_int_equal(ev.type, EV_CRL_PUBLISHED);
		free(rec);
	}
}

/* Each read or write of the checkpoint after a CRL failed or lied to in turn:
 * its head (an error; seq 0, a ledger that says it is empty right after
 * recording the CRL) and its own append (the publication's second). The CRL
 * stands, the checkpoint is not taken, the log says why, no sidecar. */
static void test_checkpoint_after_crl_faults(void **state)
{
	struct lmsg_head_is empty = {.seq = 0};
	char msg[512], path[PATH_MAX + 32], want[128];
	struct ipc_wbuf w, h;
	struct stat st;
	static const struct {
		uint32_t type;
		unsigned nth;
		int empty_head;
		const char *logged;
	} cases[] = {
		{LEDGER_HEAD, 1, 0, "ledger: disk on fire"},
		{LEDGER_APPEND_GROUP, 2, 0, "ledger: disk on fire"},
		{LEDGER_HEAD, 1, 1, "the ledger says it holds no events"},
	};

	(void)state;
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.console = 1, .ledger_proxy = 1}), 0);
	error_frame(&w, LEDGER_ERR_STORAGE, "disk on fire");
	ipc_wbuf_init(&h);
	lmsg_head_is_encode(&h, &empty);
	snprintf(path, sizeof path, "%s/crl/ca.crl.checkpoint", core.dir);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t head = core_ledger_head(&core);

		if (cases[i].empty_head)
			core_ledger_forge(&core, cases[i].type, cases[i].nth, LEDGER_HEAD_IS, h.data,
					  h.len);
		else
			core_ledger_forge(&core, cases[i].type, cases[i].nth, LEDGER_ERROR, w.data,
					  w.len);
		log_begin();
		assert_int_equal(crl_publish(core_admin(&core), ACTOR_CA, "CA", 0, msg, sizeof msg),
				 0);
		log_end_quiet();
		assert_int_equal(core_ledger_forged(&core), i + 1);
		snprintf(want, sizeof want, "warning: checkpoint after CRL %u: %s\n", i + 1,
			 cases[i].logged);
		assert_logged(want);
		assert_null(strstr(logged, "not published"));
		assert_int_equal(stat(path, &st), -1); /* no sidecar */
		assert_int_equal(core_ledger_head(&core), head + 1); /* the CRL alone */
	}
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&h);
}

/* The schedule's thread (checkpoint_interval = 1) when the ledger fails: a tick
 * whose head cannot be read takes nothing and says why; a checkpoint that cannot
 * be taken is logged; the next tick takes it. */
static void test_schedule_faults(void **state)
{
	static const char *const conf[] = {"checkpoint_interval=1", NULL};
	static char strbuf[LEDGER_STRBUF];
	struct ledger_event ev;
	struct ipc_wbuf w;
	uint8_t *rec = NULL;
	uint64_t op_seq;
	char err[256];
	int refused = 0;

	(void)state;
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.console = 1, .ledger_proxy = 1,
							.conf = conf}), 0);
	error_frame(&w, LEDGER_ERR_STORAGE, "disk on fire");
	log_begin();
	core_ledger_forge(&core, LEDGER_HEAD, 1, LEDGER_ERROR, w.data, w.len);
	for (int i = 0; i < 50 && core_ledger_forged(&core) < 1; i++)
		usleep(100 * 1000);
	usleep(200 * 1000);
	log_end_quiet();
	assert_int_equal(core_ledger_forged(&core), 1);
	assert_logged("warning: checkpoint schedule: the ledger's head: ledger: disk on fire\n");
	/* an event to cover; the checkpoint's first read (the latest CRL) fails */
	core_ledger_forge(&core, LEDGER_CRL_LATEST, 1, LEDGER_ERROR, w.data, w.len);
	log_begin();
	record_event_init(&ev, EV_OPERATOR_ACTION, ACTOR_OPERATOR, "admin");
	ev.u.op.action = "test-action";
	ev.u.op.target = "test";
	ev.u.op.allowed = 1;
	ev.u.op.detail = "";
	if (record_append(core_admin(&core)->sub->rec, &ev, &refused, err, sizeof err) != 0)
		fail_msg("record_append: %s", err);
	op_seq = core_ledger_head(&core);
	for (int i = 0; i < 50 && core_ledger_forged(&core) < 2; i++)
		usleep(100 * 1000);
	usleep(200 * 1000);
	log_end_quiet();
	assert_int_equal(core_ledger_forged(&core), 2);
	assert_logged("warning: checkpoint not taken: ledger: disk on fire\n");
	/* the next tick takes it */
	for (int i = 0; i < 50 && core_ledger_head(&core) == op_seq; i++)
		usleep(100 * 1000);
	assert_int_equal(core_ledger_head(&core), op_seq + 1);
	assert_int_equal(core_ledger_event(&core, op_seq + 1, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_CHECKPOINT);
	free(rec);
	ipc_wbuf_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_head_unreadable, teardown),
		cmocka_unit_test_teardown(test_search_unreadable, teardown),
		cmocka_unit_test_teardown(test_search_finds_a_checkpoint, teardown),
		cmocka_unit_test_teardown(test_covered_record_unreadable, teardown),
		cmocka_unit_test_teardown(test_checkpoint_after_crl_fails, teardown),
		cmocka_unit_test_teardown(test_checkpoint_after_crl_faults, teardown),
		cmocka_unit_test_teardown(test_schedule_faults, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
