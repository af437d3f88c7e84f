/* Unit tests of the journal channel's catalogue (firmware/ledger/msg.c): every
 * message round-trips through its encode/decode pair with its fields intact; a
 * truncated or extended payload, and each bound of proto.h broken, is refused
 * (a violation) and leaves the struct zeroed; lists give back exactly their
 * entries; an append with a sound header but a bad body is refused on its merits
 * (1), not as a violation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/ledger/msg.h"

typedef int (*decoder)(const uint8_t *p, size_t len, void *m);

/* w's bytes decode with dec; every shorter prefix and one extra byte do not. */
static void exact(struct ipc_wbuf *w, decoder dec, void *m, size_t size)
{
	uint8_t *more = malloc(w->len + 1);

	assert_false(w->failed);
	for (size_t n = 0; n < w->len; n++)
		if (dec(w->data, n, m) == 0)
			fail_msg("a prefix of %zu of %zu bytes decoded", n, w->len);
	memcpy(more, w->data, w->len);
	more[w->len] = 0;
	assert_int_equal(dec(more, w->len + 1, m), -1);
	/* a refused decode leaves nothing behind */
	for (size_t i = 0; i < size; i++)
		assert_int_equal(((uint8_t *)m)[i], 0);
	free(more);
	assert_int_equal(dec(w->data, w->len, m), 0);
}

#define DEC(f) ((decoder)(void (*)(void))(f))

static void test_requests_round_trip(void **state)
{
	struct ipc_wbuf w;
	struct lmsg_request_id id = {.request_id = 77}, id2;
	struct lmsg_get_event ge = {.seq = 1ull << 40}, ge2;
	struct lmsg_serial s = {.serial = {1, 2, 3}, .len = 3}, s2;
	struct lmsg_crl_latest cl = {.want_base = 1}, cl2;
	struct lmsg_get_prop gp = {.name = "CRLPeriod"}, gp2;
	struct lmsg_get_events gev = {.first = 9, .max = 512}, gev2;

	(void)state;
	ipc_wbuf_init(&w);
	lmsg_request_id_encode(&w, &id);
	exact(&w, DEC(lmsg_request_id_decode), &id2, sizeof(id2));
	assert_int_equal(id2.request_id, 77);
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_get_event_encode(&w, &ge);
	exact(&w, DEC(lmsg_get_event_decode), &ge2, sizeof(ge2));
	assert_true(ge2.seq == 1ull << 40);
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &s);
	exact(&w, DEC(lmsg_get_cert_decode), &s2, sizeof(s2));
	assert_int_equal(s2.len, 3);
	assert_memory_equal(s2.serial, s.serial, 3);
	assert_int_equal(lmsg_revoked_list_decode(w.data, w.len, &s2), 0);
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_crl_latest_encode(&w, &cl);
	exact(&w, DEC(lmsg_crl_latest_decode), &cl2, sizeof(cl2));
	assert_int_equal(cl2.want_base, 1);
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_get_prop_encode(&w, &gp);
	exact(&w, DEC(lmsg_get_prop_decode), &gp2, sizeof(gp2));
	assert_string_equal(gp2.name, "CRLPeriod");
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &gev);
	exact(&w, DEC(lmsg_get_events_decode), &gev2, sizeof(gev2));
	assert_true(gev2.first == 9 && gev2.max == 512);
	ipc_wbuf_free(&w);

	assert_int_equal(lmsg_empty_decode(NULL, 0), 0);
	assert_int_equal(lmsg_empty_decode((const uint8_t *)"x", 1), -1);
}

static void test_request_bounds(void **state)
{
	struct ipc_wbuf w;
	struct lmsg_serial s = {.len = 0}, s2;
	struct lmsg_crl_latest cl = {.want_base = 2}, cl2;

	(void)state;
	/* GET_CERT needs a serial; REVOKED_LIST may start from none */
	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &s);
	assert_int_equal(lmsg_get_cert_decode(w.data, w.len, &s2), -1);
	assert_int_equal(lmsg_revoked_list_decode(w.data, w.len, &s2), 0);
	ipc_wbuf_free(&w);
	/* 21 bytes: over LEDGER_SERIAL_MAX */
	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, "012345678901234567890", 21);
	assert_int_equal(lmsg_get_cert_decode(w.data, w.len, &s2), -1);
	assert_int_equal(lmsg_revoked_list_decode(w.data, w.len, &s2), -1);
	ipc_wbuf_free(&w);
	s.len = 21;
	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &s);
	assert_true(w.failed); /* the encoder refuses what the decoder would */
	ipc_wbuf_free(&w);
	/* want_base is 0 or 1 */
	ipc_wbuf_init(&w);
	lmsg_crl_latest_encode(&w, &cl);
	assert_int_equal(lmsg_crl_latest_decode(w.data, w.len, &cl2), -1);
	ipc_wbuf_free(&w);
	/* a property name with a NUL in it */
	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, "a\0b", 3);
	assert_int_equal(lmsg_get_prop_decode(w.data, w.len, &(struct lmsg_get_prop){{0}}), -1);
	ipc_wbuf_free(&w);
}

static void op_event(struct ledger_event *ev, const char *action)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = EV_OPERATOR_ACTION;
	ev->actor_kind = ACTOR_OPERATOR;
	ev->actor = "admin";
	ev->u.op.action = action;
	ev->u.op.target = "officer";
	ev->u.op.allowed = 1;
	ev->u.op.detail = "";
}

static void test_append_and_group(void **state)
{
	static struct lmsg_append a;
	struct lmsg_append_group g;
	struct ledger_event ev1, ev2, *evs[LEDGER_GROUP_MAX + 1];
	struct ipc_wbuf w;
	char err[256];

	(void)state;
	op_event(&ev1, "operator-add");
	op_event(&ev2, "operator-del");
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_encode(&w, &ev1, err, sizeof(err)), 0);
	assert_int_equal(lmsg_append_decode(w.data, w.len, &a, err, sizeof(err)), 0);
	assert_int_equal(a.ev.type, EV_OPERATOR_ACTION);
	assert_string_equal(a.ev.actor, "admin");
	assert_string_equal(a.ev.u.op.action, "operator-add");
	/* the header cut short: a violation */
	assert_int_equal(lmsg_append_decode(w.data, 7, &a, err, sizeof(err)), -1);
	/* a sound header, the body cut short or extended: refused on its merits */
	assert_int_equal(lmsg_append_decode(w.data, w.len - 1, &a, err, sizeof(err)), 1);
	assert_true(err[0] != 0);
	ipc_wbuf_free(&w);

	evs[0] = &ev1;
	evs[1] = &ev2;
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_group_encode_events(&w, evs, 2, err, sizeof(err)), 0);
	exact(&w, DEC(lmsg_append_group_decode), &g, sizeof(g));
	assert_int_equal(g.n, 2);
	assert_int_equal(lmsg_append_decode(g.member[1].p, g.member[1].len, &a, err,
					    sizeof(err)), 0);
	assert_string_equal(a.ev.u.op.action, "operator-del");
	ipc_wbuf_free(&w);

	/* none, or one more than LEDGER_GROUP_MAX */
	for (size_t n = 0; n <= LEDGER_GROUP_MAX + 1; n += LEDGER_GROUP_MAX + 1) {
		ipc_wbuf_init(&w);
		ipc_put_u32(&w, (uint32_t)n);
		for (size_t i = 0; i < n; i++)
			ipc_put_bytes(&w, "x", 1);
		assert_int_equal(lmsg_append_group_decode(w.data, w.len, &g), -1);
		ipc_wbuf_free(&w);
		for (size_t i = 0; i < LEDGER_GROUP_MAX + 1; i++)
			evs[i] = &ev1;
		ipc_wbuf_init(&w);
		assert_int_equal(lmsg_append_group_encode_events(&w, evs, n, err, sizeof(err)), -1);
		ipc_wbuf_free(&w);
	}
}

static void test_answers_round_trip(void **state)
{
	struct ipc_wbuf w;
	struct lmsg_appended a = {.seq = 5, .time = -3, .request_id = 9}, a2;
	struct lmsg_appended_group ag = {.n = 2}, ag2;
	struct lmsg_head_is h = {.seq = 11}, h2;
	struct lmsg_verified v = {.ok = 1, .events = 12, .message = "holds"}, v2;
	struct lmsg_crl_row c = {.number = 4, .row = {.is_delta = 1, .base_number = 3,
						      .this_update = 100, .next_update = 200,
						      .seq = 8}},
			    c2;
	struct lmsg_error e = {.code = LEDGER_ERR_NOTFOUND, .message = "no such request"}, e2;
	struct lmsg_event ev = {.rec = (const uint8_t *)"record", .len = 6}, ev2;

	(void)state;
	memset(a.hash, 0xab, sizeof(a.hash));
	ipc_wbuf_init(&w);
	lmsg_appended_encode(&w, &a);
	exact(&w, DEC(lmsg_appended_decode), &a2, sizeof(a2));
	assert_true(a2.seq == 5 && a2.time == -3 && a2.request_id == 9);
	assert_memory_equal(a.hash, a2.hash, sizeof(a.hash));
	ipc_wbuf_free(&w);

	ag.a[0] = a;
	ag.a[1] = a;
	ag.a[1].seq = 6;
	ipc_wbuf_init(&w);
	lmsg_appended_group_encode(&w, &ag);
	exact(&w, DEC(lmsg_appended_group_decode), &ag2, sizeof(ag2));
	assert_int_equal(ag2.n, 2);
	assert_true(ag2.a[1].seq == 6);
	ipc_wbuf_free(&w);

	memset(h.hash, 7, sizeof(h.hash));
	ipc_wbuf_init(&w);
	lmsg_head_is_encode(&w, &h);
	exact(&w, DEC(lmsg_head_is_decode), &h2, sizeof(h2));
	assert_true(h2.seq == 11);
	assert_memory_equal(h.hash, h2.hash, sizeof(h.hash));
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_verified_encode(&w, &v);
	exact(&w, DEC(lmsg_verified_decode), &v2, sizeof(v2));
	assert_string_equal(v2.message, "holds");
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_crl_row_encode(&w, &c);
	exact(&w, DEC(lmsg_crl_row_decode), &c2, sizeof(c2));
	assert_true(c2.number == 4 && c2.row.is_delta == 1 && c2.row.base_number == 3 &&
		    c2.row.this_update == 100 && c2.row.next_update == 200 && c2.row.seq == 8);
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_error_encode(&w, &e);
	exact(&w, DEC(lmsg_error_decode), &e2, sizeof(e2));
	assert_string_equal(e2.message, "no such request");
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	lmsg_event_encode(&w, &ev);
	exact(&w, DEC(lmsg_event_decode), &ev2, sizeof(ev2));
	assert_memory_equal(ev2.rec, "record", 6);
	ipc_wbuf_free(&w);
}

static void test_answer_bounds(void **state)
{
	struct ipc_wbuf w;
	struct lmsg_appended a2;
	struct lmsg_appended_group ag = {.n = 0}, ag2;
	struct lmsg_verified v = {.ok = 2}, v2;
	struct lmsg_error e = {.code = 0}, e2;
	struct lmsg_event ev = {.len = 0}, ev2;

	(void)state;
	/* a 31-byte hash */
	ipc_wbuf_init(&w);
	ipc_put_u64(&w, 1);
	ipc_put_u64(&w, 1);
	ipc_put_u32(&w, 0);
	ipc_put_bytes(&w, "0123456789012345678901234567890", 31);
	assert_int_equal(lmsg_appended_decode(w.data, w.len, &a2), -1);
	ipc_wbuf_free(&w);
	/* a group of none, of one more than LEDGER_GROUP_MAX */
	for (uint32_t n = 0; n <= LEDGER_GROUP_MAX + 1; n += LEDGER_GROUP_MAX + 1) {
		ag.n = n;
		ipc_wbuf_init(&w);
		ipc_put_u32(&w, n);
		for (uint32_t i = 0; i < n; i++)
			lmsg_appended_encode(&w, &ag.a[0]);
		assert_int_equal(lmsg_appended_group_decode(w.data, w.len, &ag2), -1);
		ipc_wbuf_free(&w);
	}
	ipc_wbuf_init(&w);
	lmsg_verified_encode(&w, &v);
	assert_int_equal(lmsg_verified_decode(w.data, w.len, &v2), -1);
	ipc_wbuf_free(&w);
	for (uint32_t code = 0; code <= LEDGER_ERR_FULL + 1; code += LEDGER_ERR_FULL + 1) {
		e.code = code;
		ipc_wbuf_init(&w);
		lmsg_error_encode(&w, &e);
		assert_int_equal(lmsg_error_decode(w.data, w.len, &e2), -1);
		ipc_wbuf_free(&w);
	}
	ipc_wbuf_init(&w);
	lmsg_event_encode(&w, &ev);
	assert_int_equal(lmsg_event_decode(w.data, w.len, &ev2), -1);
	ipc_wbuf_free(&w);
}

static void row_of(struct ledger_request_row *row, uint32_t id)
{
	memset(row, 0, sizeof(*row));
	row->request_id = id;
	row->disposition = DISP_ISSUED;
	snprintf(row->requester, sizeof(row->requester), "EXAMPLE\\user%u", id);
	snprintf(row->message, sizeof(row->message), "Issued");
	row->serial[0] = (uint8_t)id;
	row->serial_len = 1;
}

static void test_rows(void **state)
{
	struct ledger_request_row row, got;
	struct ipc_wbuf list, w;
	struct lmsg_rows m = {.more = 1}, m2;
	struct lmsg_iter it;
	uint32_t k = 0;

	(void)state;
	ipc_wbuf_init(&list);
	for (uint32_t id = 1; id <= 3; id++) {
		row_of(&row, id);
		lmsg_rows_add(&list, &row);
	}
	m.rows.n = 3;
	m.rows.p = list.data;
	m.rows.len = list.len;
	ipc_wbuf_init(&w);
	lmsg_rows_encode(&w, &m);
	exact(&w, DEC(lmsg_rows_decode), &m2, sizeof(m2));
	assert_int_equal(m2.more, 1);
	lmsg_iter_init(&it, &m2.rows);
	while (lmsg_rows_next(&it, &got)) {
		k++;
		assert_int_equal(got.request_id, k);
		assert_int_equal(got.serial[0], k);
	}
	assert_int_equal(k, 3);
	ipc_wbuf_free(&w);

	/* a count above the entries, more = 2, an entry that is no row */
	m.rows.n = 4;
	ipc_wbuf_init(&w);
	lmsg_rows_encode(&w, &m);
	assert_int_equal(lmsg_rows_decode(w.data, w.len, &m2), -1);
	ipc_wbuf_free(&w);
	m.rows.n = 3;
	m.more = 2;
	ipc_wbuf_init(&w);
	lmsg_rows_encode(&w, &m);
	assert_int_equal(lmsg_rows_decode(w.data, w.len, &m2), -1);
	ipc_wbuf_free(&w);
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 1);
	ipc_put_bytes(&w, "not a row", 9);
	ipc_put_u32(&w, 0);
	assert_int_equal(lmsg_rows_decode(w.data, w.len, &m2), -1);
	ipc_wbuf_free(&w);
	/* more rows than a page holds */
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, VIEW_PAGE_MAX + 1);
	assert_int_equal(lmsg_rows_decode(w.data, w.len, &m2), -1);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
}

static void test_revoked_and_events(void **state)
{
	struct ledger_revoked_row row = {.reason = 1, .revoked_at = 100, .seq = 7}, got;
	struct lmsg_revoked_rows m = {.more = 0}, m2;
	struct lmsg_events e, e2;
	struct lmsg_iter it;
	struct ipc_wbuf list, w;
	const uint8_t *p;
	size_t len;
	uint32_t k = 0;

	(void)state;
	ipc_wbuf_init(&list);
	lmsg_revoked_add(&list, (const uint8_t *)"\x01\x02", 2, &row);
	row.seq = 8;
	lmsg_revoked_add(&list, (const uint8_t *)"\x03", 1, &row);
	m.rows.n = 2;
	m.rows.p = list.data;
	m.rows.len = list.len;
	ipc_wbuf_init(&w);
	lmsg_revoked_rows_encode(&w, &m);
	exact(&w, DEC(lmsg_revoked_rows_decode), &m2, sizeof(m2));
	lmsg_iter_init(&it, &m2.rows);
	while (lmsg_revoked_next(&it, &p, &len, &got))
		k++;
	assert_int_equal(k, 2);
	assert_true(len == 1 && p[0] == 3 && got.seq == 8);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
	/* an empty serial in the list; the adder refuses it too */
	ipc_wbuf_init(&list);
	lmsg_revoked_add(&list, NULL, 0, &row);
	assert_true(list.failed);
	list.failed = 0;
	m.rows.n = 1;
	m.rows.p = list.data;
	m.rows.len = list.len;
	ipc_wbuf_init(&w);
	lmsg_revoked_rows_encode(&w, &m);
	assert_int_equal(lmsg_revoked_rows_decode(w.data, w.len, &m2), -1);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);

	ipc_wbuf_init(&list);
	lmsg_events_add(&list, (const uint8_t *)"one", 3);
	lmsg_events_add(&list, (const uint8_t *)"three", 5);
	e.events.n = 2;
	e.events.p = list.data;
	e.events.len = list.len;
	ipc_wbuf_init(&w);
	lmsg_events_encode(&w, &e);
	exact(&w, DEC(lmsg_events_decode), &e2, sizeof(e2));
	lmsg_iter_init(&it, &e2.events);
	assert_true(lmsg_events_next(&it, &p, &len) && len == 3);
	assert_true(lmsg_events_next(&it, &p, &len) && len == 5 && memcmp(p, "three", 5) == 0);
	assert_false(lmsg_events_next(&it, &p, &len));
	ipc_wbuf_free(&w);
	/* an empty record */
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 1);
	ipc_put_bytes(&w, "", 0);
	assert_int_equal(lmsg_events_decode(w.data, w.len, &e2), -1);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_round_trip),
		cmocka_unit_test(test_request_bounds),
		cmocka_unit_test(test_append_and_group),
		cmocka_unit_test(test_answers_round_trip),
		cmocka_unit_test(test_answer_bounds),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_revoked_and_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
