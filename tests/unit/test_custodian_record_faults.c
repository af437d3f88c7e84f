/* The custodian's administration reads of the ledger (firmware/custodian/
 * record_admin.c: record_get_prop, record_extensions, record_revoked_all) called
 * directly on the harness's core (support/core_harness.c: a real ledger, the
 * custodian's own channel to it) with the channel through the harness's relay
 * answering one chosen frame itself (core_opts.ledger_proxy), as a faulty or
 * compromised ledger could: what test_custodian_ledger_faults does not reach
 * through the verbs. A real ledger answers a property read with that property's
 * event and an extension read with that request's extensions; these answers
 * are built here to be wrong in one way each (a record that does not decode,
 * another property's event, another request's extension, a page that stops the
 * caller), and each read must fail with its message, never hand on what it was
 * given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/record.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;
static struct core core;
static struct record *rec;
static char err[512];

static int setup(void **state)
{
	(void)state;
	if (core_start(&core, &ca_template,
		       &(struct core_opts){.console = 1, .ledger_proxy = 1}) != 0)
		return -1;
	rec = core_admin(&core)->sub->rec;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	core_stop(&core);
	return 0;
}

static const uint8_t junk[] = {0x00, 0x01, 0x02};

/* The next frame of type answered with answer carrying w's bytes. */
static void forge(uint32_t type, uint32_t answer, const struct ipc_wbuf *w)
{
	core_ledger_forge(&core, type, 1, answer, w->data, w->len);
}

/* A LEDGER_EVENT frame carrying rec bytes. */
static void event_frame(struct ipc_wbuf *w, const uint8_t *r, size_t len)
{
	struct lmsg_event le = {.rec = r, .len = len};

	ipc_wbuf_init(w);
	lmsg_event_encode(w, &le);
	assert_false(w->failed);
}

/* A LEDGER_EVENTS frame of n records. */
static void events_frame(struct ipc_wbuf *w, struct ipc_wbuf *list, const uint8_t *const *r,
			 const size_t *len, uint32_t n)
{
	struct lmsg_events page;

	ipc_wbuf_init(list);
	for (uint32_t i = 0; i < n; i++)
		lmsg_events_add(list, r[i], len[i]);
	page.events = (struct lmsg_list){n, list->data, list->len};
	ipc_wbuf_init(w);
	lmsg_events_encode(w, &page);
	assert_false(w->failed);
}

/* The encoded record of ev (the caller frees w). */
static void record_of(const struct ledger_event *ev, struct ipc_wbuf *w)
{
	char e[256];

	ipc_wbuf_init(w);
	if (ledger_record_encode(ev, w, e, sizeof e) != 0)
		fail_msg("ledger_record_encode: %s", e);
}

/* ---- record_get_prop ---------------------------------------------------------------- */

static void test_prop_refused(void **state)
{
	char name[LEDGER_NAME_MAX + 8];
	struct ledger_event ev;
	struct ipc_wbuf w, r;
	uint8_t *value = NULL;
	size_t len = 0;

	(void)state;
	/* a name the channel cannot carry: refused before asking */
	memset(name, 'N', sizeof name - 1);
	name[sizeof name - 1] = 0;
	assert_int_equal(record_get_prop(rec, name, &value, &len, err, sizeof err), -1);
	assert_string_equal(err, "property name too long");
	assert_int_equal(core_ledger_forged(&core), 0);
	/* a record that does not decode */
	event_frame(&w, junk, sizeof junk);
	forge(LEDGER_GET_PROP, LEDGER_EVENT, &w);
	ipc_wbuf_free(&w);
	assert_int_equal(record_get_prop(rec, "CRLPeriod", &value, &len, err, sizeof err), -1);
	assert_string_equal(err, "property CRLPeriod: the ledger's event does not match");
	/* another property's event (well formed, journaled by an operator) */
	memset(&ev, 0, sizeof ev);
	ev.seq = 7;
	ev.time = 1796000000;
	ev.type = EV_PROPERTY_CHANGED;
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = "admin";
	ev.u.property.name = "CDPURL";
	ev.u.property.value.p = (const uint8_t *)"http://elsewhere/ca.crl";
	ev.u.property.value.len = 23;
	record_of(&ev, &r);
	event_frame(&w, r.data, r.len);
	forge(LEDGER_GET_PROP, LEDGER_EVENT, &w);
	ipc_wbuf_free(&w);
	assert_int_equal(record_get_prop(rec, "CRLPeriod", &value, &len, err, sizeof err), -1);
	assert_string_equal(err, "property CRLPeriod: the ledger's event does not match");
	assert_null(value);
	/* the same event for its own name is believed: the check is the name's */
	event_frame(&w, r.data, r.len);
	forge(LEDGER_GET_PROP, LEDGER_EVENT, &w);
	ipc_wbuf_free(&w);
	assert_int_equal(record_get_prop(rec, "CDPURL", &value, &len, err, sizeof err), 0);
	assert_int_equal(len, 23);
	assert_memory_equal(value, "http://elsewhere/ca.crl", 23);
	free(value);
	ipc_wbuf_free(&r);
	assert_int_equal(core_ledger_forged(&core), 3);
}

/* ---- record_extensions --------------------------------------------------------------- */

static int count_ext(const struct ledger_event *ev, void *arg)
{
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static int refuse_ext(const struct ledger_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
	return 1;
}

static void test_extensions_refused(void **state)
{
	struct lmsg_error e = {.code = LEDGER_ERR_STORAGE, .message = "disk on fire"};
	const uint8_t *recs[2];
	size_t lens[2];
	struct ledger_event ev;
	struct ipc_wbuf w, list, r;
	int n = 0;

	(void)state;
	ipc_wbuf_init(&w);
	lmsg_error_encode(&w, &e);
	forge(LEDGER_GET_EXTENSIONS, LEDGER_ERROR, &w);
	ipc_wbuf_free(&w);
	assert_int_equal(record_extensions(rec, 5, count_ext, &n, err, sizeof err), -1);
	assert_string_equal(err, "ledger: disk on fire");
	/* a list that does not decode */
	core_ledger_forge(&core, LEDGER_GET_EXTENSIONS, 1, LEDGER_EVENTS, junk, 1);
	assert_int_equal(record_extensions(rec, 5, count_ext, &n, err, sizeof err), -1);
	assert_string_equal(err, "malformed extension list from the ledger");
	/* a record that does not decode */
	recs[0] = junk;
	lens[0] = sizeof junk;
	events_frame(&w, &list, recs, lens, 1);
	forge(LEDGER_GET_EXTENSIONS, LEDGER_EVENTS, &w);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
	assert_int_equal(record_extensions(rec, 5, count_ext, &n, err, sizeof err), -1);
	assert_string_equal(err, "malformed extension event from the ledger");
	/* an extension of request 6 where request 5's were asked for, after one of 5's */
	memset(&ev, 0, sizeof ev);
	ev.seq = 9;
	ev.time = 1796000000;
	ev.type = EV_EXTENSION_SET;
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = "olivia";
	ev.u.extension.request_id = 5;
	ev.u.extension.oid = "2.5.29.17";
	ev.u.extension.value.p = (const uint8_t *)"\x30\x00";
	ev.u.extension.value.len = 2;
	record_of(&ev, &r);
	{
		struct ipc_wbuf r6;

		ev.u.extension.request_id = 6;
		record_of(&ev, &r6);
		recs[0] = r.data;
		lens[0] = r.len;
		recs[1] = r6.data;
		lens[1] = r6.len;
		events_frame(&w, &list, recs, lens, 2);
		forge(LEDGER_GET_EXTENSIONS, LEDGER_EVENTS, &w);
		ipc_wbuf_free(&w);
		ipc_wbuf_free(&list);
		n = 0;
		assert_int_equal(record_extensions(rec, 5, count_ext, &n, err, sizeof err), -1);
		assert_string_equal(err, "malformed extension event from the ledger");
		assert_int_equal(n, 1); /* request 5's was handed on, 6's was not */
		ipc_wbuf_free(&r6);
	}
	/* the caller's callback stops the walk */
	recs[0] = r.data;
	lens[0] = r.len;
	events_frame(&w, &list, recs, lens, 1);
	forge(LEDGER_GET_EXTENSIONS, LEDGER_EVENTS, &w);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
	assert_int_equal(record_extensions(rec, 5, refuse_ext, NULL, err, sizeof err), -1);
	ipc_wbuf_free(&r);
	assert_int_equal(core_ledger_forged(&core), 5);
}

/* ---- record_revoked_all -------------------------------------------------------------- */

static int stop_at_first(const uint8_t *serial, size_t serial_len,
			 const struct ledger_revoked_row *row, void *arg)
{
	(void)serial;
	(void)serial_len;
	(void)row;
	(*(int *)arg)++;
	return 1;
}

/* A page with one row: the caller's callback stops the walk ("stopped"); the
 * real ledger's empty set after. */
static void test_revoked_stopped(void **state)
{
	const uint8_t serial[] = {0x11, 0x22, 0x33};
	struct ledger_revoked_row row = {.reason = 1, .revoked_at = 1796000000, .seq = 4};
	struct lmsg_revoked_rows page;
	struct ipc_wbuf w, list;
	int calls = 0;

	(void)state;
	ipc_wbuf_init(&list);
	lmsg_revoked_add(&list, serial, sizeof serial, &row);
	page.rows = (struct lmsg_list){1, list.data, list.len};
	page.more = 0;
	ipc_wbuf_init(&w);
	lmsg_revoked_rows_encode(&w, &page);
	forge(LEDGER_REVOKED_LIST, LEDGER_REVOKED_ROWS, &w);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
	assert_int_equal(record_revoked_all(rec, stop_at_first, &calls, err, sizeof err), -1);
	assert_string_equal(err, "stopped");
	assert_int_equal(calls, 1);
	/* unforged: the real ledger has no revocation */
	calls = 0;
	assert_int_equal(record_revoked_all(rec, stop_at_first, &calls, err, sizeof err), 0);
	assert_int_equal(calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_prop_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extensions_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_stopped, setup, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
