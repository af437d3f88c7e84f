/* ca-ledger's service (firmware/ledger/serve.c) driven as the custodian drives
 * it, without processes: a real ledger (store.c, in a temporary directory) served
 * by ledger_serve on one end of a socketpair in a thread, the test at the other
 * end with the catalogue's encoders and decoders (msg.c). Every request type is
 * answered on an empty ledger (each "not found" with its code and message) and
 * after appends (what comes back is what the store holds, compared with the
 * store's own reads); appends refused on their merits (LEDGER_ERR_INVALID, the
 * group all or nothing) and for room (LEDGER_ERR_FULL) leave the journal as it
 * was; and each payload the whitelist admits but the decoder refuses is a
 * violation: no answer, the channel ended, ledger_serve returning 1, the log
 * line naming it. The store's failures (a read or a commit the disk refuses,
 * a replay that finds a divergence) are injected at the store's interface
 * (the linker's --wrap, unit.mk): each answers LEDGER_ERR_STORAGE with its
 * message and records nothing. Payloads only a hand-made frame can carry (the
 * whitelist bounds their lengths) go to ledger_handle directly. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "firmware/ledger/serve.h"
#include "firmware/ledger/store.h"
#include "firmware/ledger/view.h"
#include "platform/ipc.h"
#include "platform/service.h"
#include "tests/unit/support/ledger_temp.h"

static char dir[64];
static char err[512];
static struct ledger *led;

/* ---- the store failing (unit.mk links this test with --wrap=ledger_...) ----
 * fault.fn names the store function that fails, after `after` calls that go
 * through, with fault.rc (and fault.msg where the function has a message).
 * Set by the test before it sends the request, read by the serving thread. */
static struct {
	const char *fn;
	int rc, after;
	const char *msg;
} fault;

static int faulty(const char *fn)
{
	if (fault.fn == NULL || strcmp(fault.fn, fn) != 0 || fault.after-- > 0)
		return 0;
	fault.fn = NULL;
	return 1;
}

static void fail_next(const char *fn, int rc, int after, const char *msg)
{
	fault.fn = fn;
	fault.rc = rc;
	fault.after = after;
	fault.msg = msg;
}

int __real_ledger_get_record(struct ledger *l, uint64_t seq, uint8_t **rec, size_t *len);
int __wrap_ledger_get_record(struct ledger *l, uint64_t seq, uint8_t **rec, size_t *len);
int __wrap_ledger_get_record(struct ledger *l, uint64_t seq, uint8_t **rec, size_t *len)
{
	return faulty("ledger_get_record") ? fault.rc : __real_ledger_get_record(l, seq, rec, len);
}

int __real_ledger_get_request(struct ledger *l, uint32_t id, struct ledger_request_row *row);
int __wrap_ledger_get_request(struct ledger *l, uint32_t id, struct ledger_request_row *row);
int __wrap_ledger_get_request(struct ledger *l, uint32_t id, struct ledger_request_row *row)
{
	return faulty("ledger_get_request") ? fault.rc : __real_ledger_get_request(l, id, row);
}

int __real_ledger_get_cert(struct ledger *l, const uint8_t *serial, size_t serial_len,
			   struct ledger_cert_row *row);
int __wrap_ledger_get_cert(struct ledger *l, const uint8_t *serial, size_t serial_len,
			   struct ledger_cert_row *row);
int __wrap_ledger_get_cert(struct ledger *l, const uint8_t *serial, size_t serial_len,
			   struct ledger_cert_row *row)
{
	return faulty("ledger_get_cert") ? fault.rc
					 : __real_ledger_get_cert(l, serial, serial_len, row);
}

typedef int (*revoked_cb)(const uint8_t *, size_t, const struct ledger_revoked_row *, void *);
int __real_ledger_revoked_page(struct ledger *l, const uint8_t *after, size_t after_len,
			       unsigned limit, revoked_cb cb, void *arg, int *more);
int __wrap_ledger_revoked_page(struct ledger *l, const uint8_t *after, size_t after_len,
			       unsigned limit, revoked_cb cb, void *arg, int *more);
int __wrap_ledger_revoked_page(struct ledger *l, const uint8_t *after, size_t after_len,
			       unsigned limit, revoked_cb cb, void *arg, int *more)
{
	if (faulty("ledger_revoked_page"))
		return fault.rc;
	return __real_ledger_revoked_page(l, after, after_len, limit, cb, arg, more);
}

int __real_ledger_crl_latest(struct ledger *l, int want_base, uint64_t *number,
			     struct ledger_crl_row *row);
int __wrap_ledger_crl_latest(struct ledger *l, int want_base, uint64_t *number,
			     struct ledger_crl_row *row);
int __wrap_ledger_crl_latest(struct ledger *l, int want_base, uint64_t *number,
			     struct ledger_crl_row *row)
{
	return faulty("ledger_crl_latest") ? fault.rc
					   : __real_ledger_crl_latest(l, want_base, number, row);
}

int __real_ledger_extension_seqs(struct ledger *l, uint32_t request_id,
				 uint64_t seqs[LEDGER_SEQS_MAX], size_t *n);
int __wrap_ledger_extension_seqs(struct ledger *l, uint32_t request_id,
				 uint64_t seqs[LEDGER_SEQS_MAX], size_t *n);
int __wrap_ledger_extension_seqs(struct ledger *l, uint32_t request_id,
				 uint64_t seqs[LEDGER_SEQS_MAX], size_t *n)
{
	return faulty("ledger_extension_seqs") ? fault.rc
					       : __real_ledger_extension_seqs(l, request_id, seqs, n);
}

int __real_ledger_template_seqs(struct ledger *l, uint64_t seqs[LEDGER_TEMPLATES_MAX],
				size_t *n);
int __wrap_ledger_template_seqs(struct ledger *l, uint64_t seqs[LEDGER_TEMPLATES_MAX],
				size_t *n);
int __wrap_ledger_template_seqs(struct ledger *l, uint64_t seqs[LEDGER_TEMPLATES_MAX],
				size_t *n)
{
	return faulty("ledger_template_seqs") ? fault.rc : __real_ledger_template_seqs(l, seqs, n);
}

int __real_ledger_prop_seq(struct ledger *l, const char *name, uint64_t *seq);
int __wrap_ledger_prop_seq(struct ledger *l, const char *name, uint64_t *seq);
int __wrap_ledger_prop_seq(struct ledger *l, const char *name, uint64_t *seq)
{
	return faulty("ledger_prop_seq") ? fault.rc : __real_ledger_prop_seq(l, name, seq);
}

typedef int (*row_cb)(const struct ledger_request_row *, void *);
int __real_ledger_view(struct ledger *l, const struct view_query *q, row_cb cb, void *arg,
		       int *more);
int __wrap_ledger_view(struct ledger *l, const struct view_query *q, row_cb cb, void *arg,
		       int *more);
int __wrap_ledger_view(struct ledger *l, const struct view_query *q, row_cb cb, void *arg,
		       int *more)
{
	return faulty("ledger_view") ? fault.rc : __real_ledger_view(l, q, cb, arg, more);
}

int __real_ledger_verify(struct ledger *l, uint64_t *n_events, char *e, size_t elen);
int __wrap_ledger_verify(struct ledger *l, uint64_t *n_events, char *e, size_t elen);
int __wrap_ledger_verify(struct ledger *l, uint64_t *n_events, char *e, size_t elen)
{
	if (faulty("ledger_verify")) {
		*n_events = 3;
		snprintf(e, elen, "%s", fault.msg);
		return fault.rc;
	}
	return __real_ledger_verify(l, n_events, e, elen);
}

int __real_ledger_append_group(struct ledger *l, struct ledger_event **evs, size_t n,
			       uint8_t (*hashes)[LEDGER_HASH_LEN], char *e, size_t elen);
int __wrap_ledger_append_group(struct ledger *l, struct ledger_event **evs, size_t n,
			       uint8_t (*hashes)[LEDGER_HASH_LEN], char *e, size_t elen);
int __wrap_ledger_append_group(struct ledger *l, struct ledger_event **evs, size_t n,
			       uint8_t (*hashes)[LEDGER_HASH_LEN], char *e, size_t elen)
{
	if (faulty("ledger_append_group")) {
		snprintf(e, elen, "%s", fault.msg);
		return fault.rc;
	}
	return __real_ledger_append_group(l, evs, n, hashes, e, elen);
}

/* The channel: [0] the custodian's (the test's) end, [1] the ledger's. */
static struct {
	int fds[2];
	pthread_t thread;
	int served; /* ledger_serve's return */
	struct ipc_chan ipc;
	uint32_t id;
	struct ipc_msg m; /* the last answer */
} ch;

static void *serve_thread(void *arg)
{
	(void)arg;
	ch.served = ledger_serve(led, ch.fds[1], "custodian", 2);
	return NULL;
}

static void chan_open(void)
{
	memset(&ch, 0, sizeof(ch));
	ch.m.fd = -1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ch.fds), 0);
	ipc_chan_init(&ch.ipc, ch.fds[0], "ca-ledger", LEDGER_FRAME_MAX);
	assert_int_equal(pthread_create(&ch.thread, NULL, serve_thread, NULL), 0);
}

/* The custodian closes its end: ledger_serve's return. */
static int chan_close(void)
{
	shutdown(ch.fds[0], SHUT_RDWR);
	pthread_join(ch.thread, NULL);
	ipc_msg_free(&ch.m);
	ipc_chan_free(&ch.ipc);
	close(ch.fds[0]);
	close(ch.fds[1]);
	return ch.served;
}

static int setup(void **state)
{
	(void)state;
	memset(&fault, 0, sizeof(fault));
	led = ledger_temp_open("ledger-serve", dir, sizeof(dir));
	chan_open();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (ch.thread != 0)
		assert_int_equal(chan_close(), 0);
	return ledger_temp_remove(led, dir);
}

/* Sends type with w's payload (freed; NULL: empty) and reads the answer into
 * ch.m: 1, or 0 when the ledger ended the channel instead. */
static int ask(uint32_t type, struct ipc_wbuf *w)
{
	char e[256];
	int rc;

	ipc_msg_free(&ch.m);
	rc = ipc_send(&ch.ipc, type, ++ch.id, w != NULL ? w->data : NULL, w != NULL ? w->len : 0,
		      -1);
	if (w != NULL)
		ipc_wbuf_free(w);
	if (rc != 0)
		return 0;
	if (ipc_recv(&ch.ipc, &ch.m, e, sizeof(e)) <= 0)
		return 0;
	assert_int_equal(ch.m.hdr.id, ch.id);
	return 1;
}

static void expect_error(uint32_t code, const char *message)
{
	struct lmsg_error e;

	assert_int_equal(ch.m.hdr.type, LEDGER_ERROR);
	assert_int_equal(lmsg_error_decode(ch.m.data, ch.m.hdr.len, &e), 0);
	assert_string_equal(e.message, message);
	assert_int_equal(e.code, code);
}

/* ---- what was logged ---- */

static char logged[8192];
static int saved = -1;

static void log_begin(void)
{
	FILE *t = tmpfile();

	assert_non_null(t);
	fflush(stderr);
	saved = dup(2);
	assert_int_equal(dup2(fileno(t), 2), 2);
	fclose(t);
}

static void log_end(void)
{
	ssize_t n;

	fflush(stderr);
	n = pread(2, logged, sizeof(logged) - 1, 0);
	logged[n > 0 ? n : 0] = 0;
	dup2(saved, 2);
	close(saved);
	fputs(logged, stderr);
}

static void assert_logged(const char *line)
{
	if (strstr(logged, line) == NULL)
		fail_msg("no '%s' in the log:\n%s", line, logged);
}

/* type with payload p (n octets) ends the channel unanswered, logged with why;
 * the channel is opened again for the test's next step. */
static void expect_violation(uint32_t type, const void *p, size_t n, const char *why)
{
	struct ipc_wbuf w;
	char line[600];
	uint64_t seq, seq2;
	uint8_t h[LEDGER_HASH_LEN];

	ledger_head(led, &seq, h);
	ipc_wbuf_init(&w);
	ipc_put_raw(&w, p, n);
	log_begin();
	assert_int_equal(ask(type, &w), 0);
	pthread_join(ch.thread, NULL);
	log_end();
	assert_int_equal(ch.served, 1);
	snprintf(line, sizeof(line), "protocol violation by the custodian, channel closed: %s\n",
		 why);
	assert_logged(line);
	ipc_msg_free(&ch.m);
	ipc_chan_free(&ch.ipc);
	close(ch.fds[0]);
	close(ch.fds[1]);
	ledger_head(led, &seq2, h);
	assert_int_equal(seq2, seq); /* nothing recorded */
	chan_open();
}

/* ---- answers on an empty ledger ---- */

static void put_u32(uint32_t type, uint32_t v)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	ipc_put_u32(&w, v);
	assert_int_equal(ask(type, &w), 1);
}

static void test_empty_ledger(void **state)
{
	struct lmsg_head_is head;
	struct lmsg_verified v;
	struct lmsg_events evs;
	struct lmsg_rows rows;
	struct lmsg_revoked_rows rev;
	struct lmsg_iter it;
	struct view_query q = {.limit = 10};
	struct ipc_wbuf w;
	uint8_t h[LEDGER_HASH_LEN], *rec;
	const uint8_t *p;
	size_t len, rlen;
	uint64_t seq;

	(void)state;
	/* the head: the genesis */
	assert_int_equal(ask(LEDGER_HEAD, NULL), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_HEAD_IS);
	assert_int_equal(lmsg_head_is_decode(ch.m.data, ch.m.hdr.len, &head), 0);
	ledger_head(led, &seq, h);
	assert_int_equal(head.seq, 1);
	assert_memory_equal(head.hash, h, LEDGER_HASH_LEN);
	/* the replay */
	assert_int_equal(ask(LEDGER_VERIFY, NULL), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_VERIFIED);
	assert_int_equal(lmsg_verified_decode(ch.m.data, ch.m.hdr.len, &v), 0);
	assert_int_equal(v.ok, 1);
	assert_int_equal(v.events, 1);
	assert_string_equal(v.message, "the chain holds and every index matches its rebuild");
	/* the journal from 1: the genesis's record; from 2: nothing */
	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &(struct lmsg_get_events){1, 10});
	assert_int_equal(ask(LEDGER_GET_EVENTS, &w), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_EVENTS);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &evs), 0);
	assert_int_equal(evs.events.n, 1);
	lmsg_iter_init(&it, &evs.events);
	assert_int_equal(lmsg_events_next(&it, &p, &len), 1);
	assert_int_equal(ledger_get_record(led, 1, &rec, &rlen), LEDGER_OK);
	assert_int_equal(len, rlen);
	assert_memory_equal(p, rec, rlen);
	free(rec);
	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &(struct lmsg_get_events){2, 10});
	assert_int_equal(ask(LEDGER_GET_EVENTS, &w), 1);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &evs), 0);
	assert_int_equal(evs.events.n, 0);
	/* each lookup of what is not there */
	put_u32(LEDGER_GET_REQUEST, 7);
	expect_error(LEDGER_ERR_NOTFOUND, "no such request");
	ipc_wbuf_init(&w);
	lmsg_get_event_encode(&w, &(struct lmsg_get_event){9});
	assert_int_equal(ask(LEDGER_GET_EVENT, &w), 1);
	expect_error(LEDGER_ERR_NOTFOUND, "no such event");
	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &(struct lmsg_serial){{0x01, 0x02}, 2});
	assert_int_equal(ask(LEDGER_GET_CERT, &w), 1);
	expect_error(LEDGER_ERR_NOTFOUND, "no such certificate");
	put_u32(LEDGER_CRL_LATEST, 0);
	expect_error(LEDGER_ERR_NOTFOUND, "no CRL published yet");
	ipc_wbuf_init(&w);
	lmsg_get_prop_encode(&w, &(struct lmsg_get_prop){"crl_period"});
	assert_int_equal(ask(LEDGER_GET_PROP, &w), 1);
	expect_error(LEDGER_ERR_NOTFOUND, "property not set");
	/* lists that are empty */
	put_u32(LEDGER_GET_EXTENSIONS, 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_EVENTS);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &evs), 0);
	assert_int_equal(evs.events.n, 0);
	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &(struct lmsg_serial){{0}, 0});
	assert_int_equal(ask(LEDGER_REVOKED_LIST, &w), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_REVOKED_ROWS);
	assert_int_equal(lmsg_revoked_rows_decode(ch.m.data, ch.m.hdr.len, &rev), 0);
	assert_int_equal(rev.rows.n, 0);
	assert_int_equal(rev.more, 0);
	ipc_wbuf_init(&w);
	lmsg_view_encode(&w, &q);
	assert_int_equal(ask(LEDGER_VIEW, &w), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_ROWS);
	assert_int_equal(lmsg_rows_decode(ch.m.data, ch.m.hdr.len, &rows), 0);
	assert_int_equal(rows.rows.n, 0);
	assert_int_equal(rows.more, 0);
}

/* ---- appends ---- */

static void append(struct ledger_event *ev, struct lmsg_appended *a)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_encode(&w, ev, err, sizeof(err)), 0);
	assert_int_equal(ask(LEDGER_APPEND, &w), 1);
	if (ch.m.hdr.type == LEDGER_ERROR) {
		struct lmsg_error why;

		assert_int_equal(lmsg_error_decode(ch.m.data, ch.m.hdr.len, &why), 0);
		fail_msg("append of a type %u event refused: %u %s", ev->type, why.code,
			 why.message);
	}
	assert_int_equal(ch.m.hdr.type, LEDGER_APPENDED);
	assert_int_equal(lmsg_appended_decode(ch.m.data, ch.m.hdr.len, a), 0);
}

static void request_event(struct ledger_event *ev, const char *who)
{
	static const uint8_t raw[] = "not really a CSR";

	ledger_event_base(ev, EV_REQUEST_RECEIVED);
	ev->actor_kind = ACTOR_REQUESTER;
	ev->actor = who;
	ev->u.request.format = FMT_PKCS10;
	ev->u.request.requester = who;
	ev->u.request.raw.p = raw;
	ev->u.request.raw.len = sizeof(raw);
	ev->u.request.attributes = "";
}

/* Requests, their rows and events, a group, a certificate, its revocation, a
 * CRL, an extension and a property: each answer is what the store holds. */
static void test_appends_read_back(void **state)
{
	static const uint8_t serial[] = {0x4a, 0x01}, der[] = {0x30, 0x00}, crl[] = {0x30, 0x00};
	struct ledger_event ev, ev2, *evs[2];
	struct lmsg_appended a;
	struct lmsg_appended_group ag;
	struct ledger_request_row row;
	struct ledger_cert_row cert;
	struct lmsg_crl_row cr;
	struct lmsg_event e;
	struct lmsg_events list;
	struct lmsg_rows rows;
	struct lmsg_revoked_rows rev;
	struct lmsg_iter it;
	struct view_query q = {.limit = 1};
	struct ipc_wbuf w;
	uint8_t h[LEDGER_HASH_LEN], *rec;
	const uint8_t *sp;
	size_t rlen, slen;
	uint64_t seq;

	(void)state;
	request_event(&ev, "alice");
	append(&ev, &a);
	ledger_head(led, &seq, h);
	assert_int_equal(a.seq, 2);
	assert_int_equal(a.request_id, 1);
	assert_memory_equal(a.hash, h, LEDGER_HASH_LEN);
	put_u32(LEDGER_GET_REQUEST, 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_REQUEST);
	assert_int_equal(lmsg_request_decode(ch.m.data, ch.m.hdr.len, &row), 0);
	assert_string_equal(row.requester, "alice");
	assert_int_equal(row.seq_received, 2);
	ipc_wbuf_init(&w);
	lmsg_get_event_encode(&w, &(struct lmsg_get_event){2});
	assert_int_equal(ask(LEDGER_GET_EVENT, &w), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_EVENT);
	assert_int_equal(lmsg_event_decode(ch.m.data, ch.m.hdr.len, &e), 0);
	assert_int_equal(ledger_get_record(led, 2, &rec, &rlen), LEDGER_OK);
	assert_int_equal(e.len, rlen);
	assert_memory_equal(e.rec, rec, rlen);
	free(rec);
	/* a group (a request, then request 1's disposition): two answers, in order */
	request_event(&ev, "bob");
	ledger_event_base(&ev2, EV_DISPOSITION);
	ev2.u.disposition.request_id = 1;
	ev2.u.disposition.disposition = DISP_PENDING;
	ev2.u.disposition.message = "by test";
	evs[0] = &ev;
	evs[1] = &ev2;
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_group_encode_events(&w, evs, 2, err, sizeof(err)), 0);
	assert_int_equal(ask(LEDGER_APPEND_GROUP, &w), 1);
	if (ch.m.hdr.type == LEDGER_ERROR) {
		struct lmsg_error why;

		assert_int_equal(lmsg_error_decode(ch.m.data, ch.m.hdr.len, &why), 0);
		fail_msg("group refused: %u %s", why.code, why.message);
	}
	assert_int_equal(ch.m.hdr.type, LEDGER_APPENDED_GROUP);
	assert_int_equal(lmsg_appended_group_decode(ch.m.data, ch.m.hdr.len, &ag), 0);
	assert_int_equal(ag.n, 2);
	assert_int_equal(ag.a[0].seq, 3);
	assert_int_equal(ag.a[0].request_id, 2);
	assert_int_equal(ag.a[1].seq, 4);
	assert_int_equal(ag.a[1].request_id, 0);
	/* the view pages one row at a time */
	ipc_wbuf_init(&w);
	lmsg_view_encode(&w, &q);
	assert_int_equal(ask(LEDGER_VIEW, &w), 1);
	assert_int_equal(lmsg_rows_decode(ch.m.data, ch.m.hdr.len, &rows), 0);
	assert_int_equal(rows.rows.n, 1);
	assert_int_equal(rows.more, 1);
	lmsg_iter_init(&it, &rows.rows);
	assert_int_equal(lmsg_rows_next(&it, &row), 1);
	assert_int_equal(row.request_id, 1);
	/* an extension set on request 1 while it is pending */
	ledger_event_base(&ev, EV_EXTENSION_SET);
	ev.u.extension.request_id = 1; /* pending since the group */
	ev.u.extension.oid = "2.5.29.17";
	ev.u.extension.value.p = der;
	ev.u.extension.value.len = sizeof(der);
	append(&ev, &a);
	put_u32(LEDGER_GET_EXTENSIONS, 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_EVENTS);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &list), 0);
	assert_int_equal(list.events.n, 1);
	/* a certificate for request 1, revoked; a CRL; a property */
	ledger_event_base(&ev, EV_CERT_INTENT);
	ev.u.intent.request_id = 1;
	ev.u.intent.serial.p = serial;
	ev.u.intent.serial.len = sizeof(serial);
	ev.u.intent.not_before = 1000;
	ev.u.intent.not_after = 2000;
	append(&ev, &a);
	ledger_event_base(&ev, EV_CERT_ISSUED);
	ev.u.issued.request_id = 1;
	ev.u.issued.serial.p = serial;
	ev.u.issued.serial.len = sizeof(serial);
	ev.u.issued.not_before = 1000;
	ev.u.issued.not_after = 2000;
	ev.u.issued.cert.p = der;
	ev.u.issued.cert.len = sizeof(der);
	append(&ev, &a);
	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &(struct lmsg_serial){{0x4a, 0x01}, 2});
	assert_int_equal(ask(LEDGER_GET_CERT, &w), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_CERT);
	assert_int_equal(lmsg_cert_decode(ch.m.data, ch.m.hdr.len, &cert), 0);
	assert_int_equal(cert.request_id, 1);
	ledger_event_base(&ev, EV_CERT_REVOKED);
	ev.u.revocation.serial.p = serial;
	ev.u.revocation.serial.len = sizeof(serial);
	ev.u.revocation.reason = 1;
	ev.u.revocation.revoked_at = 1500;
	append(&ev, &a);
	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &(struct lmsg_serial){{0}, 0});
	assert_int_equal(ask(LEDGER_REVOKED_LIST, &w), 1);
	assert_int_equal(lmsg_revoked_rows_decode(ch.m.data, ch.m.hdr.len, &rev), 0);
	assert_int_equal(rev.rows.n, 1);
	lmsg_iter_init(&it, &rev.rows);
	{
		struct ledger_revoked_row rr;

		assert_int_equal(lmsg_revoked_next(&it, &sp, &slen, &rr), 1);
		assert_int_equal(slen, sizeof(serial));
		assert_memory_equal(sp, serial, slen);
		assert_int_equal(rr.reason, 1);
		assert_int_equal(rr.revoked_at, 1500);
		assert_int_equal(rr.seq, a.seq);
	}
	ledger_event_base(&ev, EV_CRL_PUBLISHED);
	ev.u.crl.number = 1;
	ev.u.crl.this_update = 1000;
	ev.u.crl.next_update = 2000;
	ev.u.crl.crl.p = crl;
	ev.u.crl.crl.len = sizeof(crl);
	append(&ev, &a);
	put_u32(LEDGER_CRL_LATEST, 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_CRL_ROW);
	assert_int_equal(lmsg_crl_row_decode(ch.m.data, ch.m.hdr.len, &cr), 0);
	assert_int_equal(cr.number, 1);
	assert_int_equal(cr.row.is_delta, 0);
	ledger_event_base(&ev, EV_PROPERTY_CHANGED);
	ev.u.property.name = "crl_period";
	ev.u.property.value.p = (const uint8_t *)"1 week";
	ev.u.property.value.len = 6;
	append(&ev, &a);
	ipc_wbuf_init(&w);
	lmsg_get_prop_encode(&w, &(struct lmsg_get_prop){"crl_period"});
	assert_int_equal(ask(LEDGER_GET_PROP, &w), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_EVENT);
	assert_int_equal(lmsg_event_decode(ch.m.data, ch.m.hdr.len, &e), 0);
	assert_int_equal(ledger_get_record(led, a.seq, &rec, &rlen), LEDGER_OK);
	assert_int_equal(e.len, rlen);
	assert_memory_equal(e.rec, rec, rlen);
	free(rec);
	/* the whole journal in pages of at most 3 */
	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &(struct lmsg_get_events){1, 3});
	assert_int_equal(ask(LEDGER_GET_EVENTS, &w), 1);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &list), 0);
	assert_int_equal(list.events.n, 3);
}

/* An append whose body breaks its event's rules (a disposition of a request that
 * does not exist; a body cut short), alone or in a group: LEDGER_ERR_INVALID
 * with the store's or the decoder's reason, nothing recorded, the channel
 * stays. */
static void test_appends_refused(void **state)
{
	struct ledger_event ev, ev2, *evs[2];
	struct ipc_wbuf w, one;
	struct lmsg_error e;
	uint8_t h[LEDGER_HASH_LEN];
	uint64_t seq;

	(void)state;
	ledger_event_base(&ev, EV_DISPOSITION);
	ev.u.disposition.request_id = 42;
	ev.u.disposition.disposition = DISP_ISSUED;
	ev.u.disposition.message = "by test";
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_encode(&w, &ev, err, sizeof(err)), 0);
	assert_int_equal(ask(LEDGER_APPEND, &w), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_ERROR);
	assert_int_equal(lmsg_error_decode(ch.m.data, ch.m.hdr.len, &e), 0);
	assert_int_equal(e.code, LEDGER_ERR_INVALID);
	assert_true(e.message[0] != 0);
	/* the same rule broken by the second of a group: neither is recorded */
	request_event(&ev2, "alice");
	evs[0] = &ev2;
	evs[1] = &ev;
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_group_encode_events(&w, evs, 2, err, sizeof(err)), 0);
	assert_int_equal(ask(LEDGER_APPEND_GROUP, &w), 1);
	expect_error(LEDGER_ERR_INVALID, e.message);
	/* a body cut short: the decoder's reason */
	ipc_wbuf_init(&one);
	assert_int_equal(lmsg_append_encode(&one, &ev2, err, sizeof(err)), 0);
	ipc_wbuf_init(&w);
	ipc_put_raw(&w, one.data, one.len - 1);
	ipc_wbuf_free(&one);
	assert_int_equal(ask(LEDGER_APPEND, &w), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_ERROR);
	assert_int_equal(lmsg_error_decode(ch.m.data, ch.m.hdr.len, &e), 0);
	assert_int_equal(e.code, LEDGER_ERR_INVALID);
	assert_true(e.message[0] != 0);
	/* a group whose first member is cut short: the second is not looked at,
	 * the group refused with the decoder's reason */
	{
		struct ipc_wbuf a, b;

		ipc_wbuf_init(&a);
		assert_int_equal(lmsg_append_encode(&a, &ev2, err, sizeof(err)), 0);
		ipc_wbuf_init(&b);
		request_event(&ev, "bob");
		assert_int_equal(lmsg_append_encode(&b, &ev, err, sizeof(err)), 0);
		ipc_wbuf_init(&w);
		ipc_put_u32(&w, 2);
		ipc_put_bytes(&w, a.data, a.len - 1);
		ipc_put_bytes(&w, b.data, b.len);
		ipc_wbuf_free(&a);
		ipc_wbuf_free(&b);
		assert_int_equal(ask(LEDGER_APPEND_GROUP, &w), 1);
		expect_error(LEDGER_ERR_INVALID, e.message);
	}
	ledger_head(led, &seq, h);
	assert_int_equal(seq, 1);
	/* the channel still answers */
	assert_int_equal(ask(LEDGER_HEAD, NULL), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_HEAD_IS);
}

/* A reserve larger than the disk: an ordinary append is refused for room
 * (LEDGER_ERR_FULL), logged, nothing recorded. */
static void test_append_full(void **state)
{
	struct ledger_event ev;
	struct ipc_wbuf w;
	struct lmsg_error e;
	uint8_t h[LEDGER_HASH_LEN];
	uint64_t seq;

	(void)state;
	assert_int_equal(ledger_space_watch(led, 1u << 30, 0, err, sizeof(err)), 0);
	request_event(&ev, "alice");
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_encode(&w, &ev, err, sizeof(err)), 0);
	log_begin();
	assert_int_equal(ask(LEDGER_APPEND, &w), 1);
	log_end();
	assert_int_equal(ch.m.hdr.type, LEDGER_ERROR);
	assert_int_equal(lmsg_error_decode(ch.m.data, ch.m.hdr.len, &e), 0);
	assert_int_equal(e.code, LEDGER_ERR_FULL);
	{
		char line[600];

		snprintf(line, sizeof(line), "append refused: %s\n", e.message);
		assert_logged(line);
	}
	/* the genesis, then the watch's own low-disk-space warning; no request */
	ledger_head(led, &seq, h);
	assert_int_equal(seq, 2);
	{
		struct ledger_request_row row;

		assert_int_equal(ledger_get_request(led, 1, &row), LEDGER_ENOTFOUND);
	}
}

/* Payloads the whitelist admits by length but the decoders refuse: each a
 * violation named by its message; and frames the whitelist refuses. */
static void test_violations(void **state)
{
	static const uint8_t zero4[4], two[4] = {2, 0, 0, 0}, len9[5] = {9, 0, 0, 0, 1};
	uint8_t group[8 + LEDGER_APPEND_MIN] = {0}, app[LEDGER_APPEND_MIN];
	uint8_t view[16];
	char why[128];

	(void)state;
	/* a group of 0 members */
	expect_violation(LEDGER_APPEND_GROUP, group, sizeof(group), "malformed append-group");
	/* an append whose header (type, actor kind, actor) does not decode: the actor's
	 * length beyond the payload */
	memset(app, 0xff, sizeof(app));
	expect_violation(LEDGER_APPEND, app, sizeof(app), "malformed append");
	/* a serial whose length says 9 where 1 octet follows */
	expect_violation(LEDGER_GET_CERT, len9, sizeof(len9), "malformed get-cert");
	expect_violation(LEDGER_REVOKED_LIST, len9, sizeof(len9), "malformed revoked-list");
	/* want_base beyond 1 */
	expect_violation(LEDGER_CRL_LATEST, two, sizeof(two), "malformed crl-latest");
	/* an empty property name */
	{
		uint8_t empty[5] = {0, 0, 0, 0, 'x'};

		expect_violation(LEDGER_GET_PROP, empty, sizeof(empty), "malformed get-prop");
	}
	/* a view query of zeros: a limit of 0 */
	memset(view, 0, sizeof(view));
	expect_violation(LEDGER_VIEW, view, sizeof(view), "malformed view");
	/* the whitelist: an answer type from the custodian, a payload too short */
	snprintf(why, sizeof(why), "unexpected message type %u from custodian in state 0",
		 (unsigned)LEDGER_APPENDED);
	expect_violation(LEDGER_APPENDED, zero4, sizeof(zero4), why);
	snprintf(why, sizeof(why), "message type %u from custodian: length 3 outside [4, 4]",
		 (unsigned)LEDGER_GET_REQUEST);
	expect_violation(LEDGER_GET_REQUEST, zero4, 3, why);
}

/* ---- the store failing ---- */

/* A request with an empty payload or a u32 one, answered. */
static void ask_u32(uint32_t type, uint32_t v)
{
	put_u32(type, v);
}

static void ask_serial(uint32_t type, const uint8_t *serial, size_t len)
{
	struct lmsg_serial q = {{0}, len};
	struct ipc_wbuf w;

	memcpy(q.serial, serial, len);
	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &q);
	assert_int_equal(ask(type, &w), 1);
}

/* Every read the store cannot do is answered LEDGER_ERR_STORAGE with what could
 * not be read (never "not found", never a partial list); a replay that finds a
 * divergence is answered "not ok" with the store's message; an append whose
 * commit the disk refuses (EIO, or ENOSPC) is refused with the store's message
 * and logged. Nothing is recorded and the channel keeps answering. */
static void test_store_failures(void **state)
{
	static const uint8_t serial[] = {0x4a, 0x01}, der[] = {0x30, 0x00};
	struct ledger_event ev, ev2, *evs[2];
	struct lmsg_verified v;
	struct lmsg_head_is head;
	struct view_query q = {.limit = 10};
	struct ipc_wbuf w;
	uint8_t h[LEDGER_HASH_LEN];
	uint64_t seq, seq2;

	(void)state;
	/* a request, pending, with an extension, and a property: each read has
	 * something to find */
	request_event(&ev, "alice");
	assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	ledger_event_base(&ev, EV_DISPOSITION);
	ev.u.disposition.request_id = 1;
	ev.u.disposition.disposition = DISP_PENDING;
	ev.u.disposition.message = "by test";
	assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	ledger_event_base(&ev, EV_EXTENSION_SET);
	ev.u.extension.request_id = 1;
	ev.u.extension.oid = "2.5.29.17";
	ev.u.extension.value.p = der;
	ev.u.extension.value.len = sizeof(der);
	assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	ledger_event_base(&ev, EV_PROPERTY_CHANGED);
	ev.u.property.name = "crl_period";
	ev.u.property.value.p = (const uint8_t *)"1 week";
	ev.u.property.value.len = 6;
	assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	ledger_head(led, &seq, h);

	fail_next("ledger_get_request", LEDGER_EIO, 0, NULL);
	ask_u32(LEDGER_GET_REQUEST, 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the request");
	fail_next("ledger_get_record", LEDGER_EIO, 0, NULL);
	ipc_wbuf_init(&w);
	lmsg_get_event_encode(&w, &(struct lmsg_get_event){2});
	assert_int_equal(ask(LEDGER_GET_EVENT, &w), 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the event");
	fail_next("ledger_get_cert", LEDGER_EIO, 0, NULL);
	ask_serial(LEDGER_GET_CERT, serial, sizeof(serial));
	expect_error(LEDGER_ERR_STORAGE, "cannot read the certificate");
	fail_next("ledger_crl_latest", LEDGER_EIO, 0, NULL);
	ask_u32(LEDGER_CRL_LATEST, 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the CRLs");
	fail_next("ledger_revoked_page", LEDGER_EIO, 0, NULL);
	ask_serial(LEDGER_REVOKED_LIST, serial, 0);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the revoked set");
	fail_next("ledger_view", -1, 0, NULL);
	ipc_wbuf_init(&w);
	lmsg_view_encode(&w, &q);
	assert_int_equal(ask(LEDGER_VIEW, &w), 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the request index");
	/* the property: its index, then its record */
	fail_next("ledger_prop_seq", LEDGER_EIO, 0, NULL);
	ipc_wbuf_init(&w);
	lmsg_get_prop_encode(&w, &(struct lmsg_get_prop){"crl_period"});
	assert_int_equal(ask(LEDGER_GET_PROP, &w), 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the property");
	fail_next("ledger_get_record", LEDGER_EIO, 0, NULL);
	ipc_wbuf_init(&w);
	lmsg_get_prop_encode(&w, &(struct lmsg_get_prop){"crl_period"});
	assert_int_equal(ask(LEDGER_GET_PROP, &w), 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the property");
	/* the extensions: their index, then a record it names */
	fail_next("ledger_extension_seqs", LEDGER_EIO, 0, NULL);
	ask_u32(LEDGER_GET_EXTENSIONS, 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the extensions");
	fail_next("ledger_get_record", LEDGER_EIO, 0, NULL);
	ask_u32(LEDGER_GET_EXTENSIONS, 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read an extension event");
	/* the journal: the second record of the page fails, no partial page */
	fail_next("ledger_get_record", LEDGER_EIO, 1, NULL);
	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &(struct lmsg_get_events){1, 10});
	assert_int_equal(ask(LEDGER_GET_EVENTS, &w), 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the journal");
	/* a replay that finds a divergence: not ok, the store's message */
	fail_next("ledger_verify", -1, 0, "seq 3: the chain breaks");
	assert_int_equal(ask(LEDGER_VERIFY, NULL), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_VERIFIED);
	assert_int_equal(lmsg_verified_decode(ch.m.data, ch.m.hdr.len, &v), 0);
	assert_int_equal(v.ok, 0);
	assert_int_equal(v.events, 3);
	assert_string_equal(v.message, "seq 3: the chain breaks");
	/* appends the disk refuses: one (EIO), a group (ENOSPC); logged */
	request_event(&ev, "bob");
	fail_next("ledger_append_group", LEDGER_EIO, 0, "the disk refused the commit");
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_encode(&w, &ev, err, sizeof(err)), 0);
	log_begin();
	assert_int_equal(ask(LEDGER_APPEND, &w), 1);
	log_end();
	expect_error(LEDGER_ERR_STORAGE, "the disk refused the commit");
	assert_logged("append refused: the disk refused the commit\n");
	ledger_event_base(&ev2, EV_DISPOSITION);
	ev2.u.disposition.request_id = 0; /* the group's request */
	ev2.u.disposition.disposition = DISP_PENDING;
	ev2.u.disposition.message = "by test";
	evs[0] = &ev;
	evs[1] = &ev2;
	fail_next("ledger_append_group", LEDGER_EFULL, 0, "the disk is full");
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_group_encode_events(&w, evs, 2, err, sizeof(err)), 0);
	log_begin();
	assert_int_equal(ask(LEDGER_APPEND_GROUP, &w), 1);
	log_end();
	expect_error(LEDGER_ERR_FULL, "the disk is full");
	assert_logged("append refused: the disk is full\n");
	/* a rule broken is refused but not logged as the disk's */
	fail_next("ledger_append_group", LEDGER_EINVAL, 0, "request 9 does not exist");
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_encode(&w, &ev, err, sizeof(err)), 0);
	log_begin();
	assert_int_equal(ask(LEDGER_APPEND, &w), 1);
	log_end();
	expect_error(LEDGER_ERR_INVALID, "request 9 does not exist");
	assert_null(strstr(logged, "append refused"));
	/* nothing recorded; the channel answers, with the same head */
	ledger_head(led, &seq2, h);
	assert_int_equal(seq2, seq);
	assert_int_equal(ask(LEDGER_HEAD, NULL), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_HEAD_IS);
	assert_int_equal(lmsg_head_is_decode(ch.m.data, ch.m.hdr.len, &head), 0);
	assert_int_equal(head.seq, seq);
	assert_memory_equal(head.hash, h, LEDGER_HASH_LEN);
}

/* A page of the journal stops before it would pass LEDGER_EVENTS_BYTES, but a
 * record larger than that travels alone: two requests of 600 KiB each come one
 * per page, after the genesis. */
static void test_events_page_bytes(void **state)
{
	size_t big = 600 * 1024;
	uint8_t *raw = malloc(big);
	struct ledger_event ev;
	struct lmsg_events list;
	struct lmsg_iter it;
	struct ipc_wbuf w;
	const uint8_t *p;
	size_t len;

	(void)state;
	assert_non_null(raw);
	memset(raw, 'r', big);
	for (int i = 0; i < 2; i++) {
		request_event(&ev, "alice");
		ev.u.request.raw.p = raw;
		ev.u.request.raw.len = big;
		assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	}
	free(raw);
	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &(struct lmsg_get_events){1, 10});
	assert_int_equal(ask(LEDGER_GET_EVENTS, &w), 1);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &list), 0);
	assert_int_equal(list.events.n, 2); /* the genesis and the first request */
	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &(struct lmsg_get_events){3, 10});
	assert_int_equal(ask(LEDGER_GET_EVENTS, &w), 1);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &list), 0);
	assert_int_equal(list.events.n, 1);
	lmsg_iter_init(&it, &list.events);
	assert_int_equal(lmsg_events_next(&it, &p, &len), 1);
	assert_true(len > big);
	/* max 0: an empty page, not the head's error */
	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &(struct lmsg_get_events){1, 0});
	assert_int_equal(ask(LEDGER_GET_EVENTS, &w), 1);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &list), 0);
	assert_int_equal(list.events.n, 0);
}

/* ledger_handle given frames the whitelist would not pass (the lengths it
 * bounds, the types it refuses): a second line of defence. Each is a violation
 * logged with what it was, the channel shut, no answer, nothing recorded. */
static void handle_direct(uint32_t type, const void *p, uint32_t n, const char *why)
{
	struct service s;
	struct ipc_msg m;
	char line[600], buf[64];
	uint64_t seq, seq2;
	uint8_t h[LEDGER_HASH_LEN];
	int sv[2];

	ledger_head(led, &seq, h);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(&s, 0, sizeof(s));
	ipc_chan_init(&s.chan, sv[0], "custodian", LEDGER_FRAME_MAX);
	pthread_mutex_init(&s.lock, NULL);
	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = n;
	m.hdr.id = 5;
	m.fd = -1;
	m.data = n > 0 ? malloc(n) : NULL;
	if (n > 0)
		memcpy(m.data, p, n);
	log_begin();
	ledger_handle(&s, &m, led);
	log_end();
	ipc_msg_free(&m);
	assert_int_equal(s.violated, 1);
	snprintf(line, sizeof(line), "protocol violation by the custodian, channel closed: %s\n",
		 why);
	assert_logged(line);
	/* no answer: the channel reads as closed */
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 0);
	ipc_chan_free(&s.chan);
	pthread_mutex_destroy(&s.lock);
	close(sv[0]);
	close(sv[1]);
	ledger_head(led, &seq2, h);
	assert_int_equal(seq2, seq);
}

/* ---- templates ---- */

static void template_event(struct ledger_event *ev, uint32_t action, const char *name,
			   uint32_t major, uint32_t minor)
{
	static const char text[] = "name = x\n";

	ledger_event_base(ev, EV_TEMPLATE_CHANGED);
	ev->actor_kind = ACTOR_OPERATOR;
	ev->actor = "admin";
	ev->u.tmpl.action = action;
	ev->u.tmpl.name = name;
	ev->u.tmpl.major = major;
	ev->u.tmpl.minor = minor;
	if (action != LEDGER_TEMPLATE_REMOVED)
		ev->u.tmpl.text = (struct ledger_bytes){(const uint8_t *)text, sizeof(text) - 1};
}

/* LEDGER_GET_TEMPLATES: none on a new ledger; then the latest event of every
 * name, removed ones included, in lower-case name order, byte for byte the
 * store's records. A change the index rules refuse is LEDGER_ERR_INVALID
 * (the channel stays); a payload is a violation; the store failing (its index,
 * then a record it names) is LEDGER_ERR_STORAGE, never a partial list. */
static void test_templates(void **state)
{
	static const uint8_t one[1];
	struct ledger_event ev;
	struct lmsg_appended a;
	struct lmsg_events evs;
	struct lmsg_iter it;
	struct ipc_wbuf w;
	uint64_t want[3];
	const uint8_t *p;
	size_t len;

	(void)state;
	assert_int_equal(ask(LEDGER_GET_TEMPLATES, NULL), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_EVENTS);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &evs), 0);
	assert_int_equal(evs.events.n, 0);

	template_event(&ev, LEDGER_TEMPLATE_ADDED, "User", 1, 0);
	append(&ev, &a);
	template_event(&ev, LEDGER_TEMPLATE_ADDED, "beta", 2, 0);
	append(&ev, &a);
	want[0] = a.seq;
	template_event(&ev, LEDGER_TEMPLATE_CHANGED, "user", 1, 1);
	append(&ev, &a);
	template_event(&ev, LEDGER_TEMPLATE_ADDED, "Zed", 1, 0);
	append(&ev, &a);
	template_event(&ev, LEDGER_TEMPLATE_REMOVED, "Zed", 1, 0);
	append(&ev, &a);
	want[2] = a.seq;
	want[1] = a.seq - 2;
	/* refused on the index's rules: the channel stays */
	template_event(&ev, LEDGER_TEMPLATE_ADDED, "USER", 9, 0);
	ipc_wbuf_init(&w);
	assert_int_equal(lmsg_append_encode(&w, &ev, err, sizeof(err)), 0);
	assert_int_equal(ask(LEDGER_APPEND, &w), 1);
	expect_error(LEDGER_ERR_INVALID, "template USER: a template of that name exists (names "
		     "ignore ASCII case)");

	assert_int_equal(ask(LEDGER_GET_TEMPLATES, NULL), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_EVENTS);
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &evs), 0);
	assert_int_equal(evs.events.n, 3); /* beta, user, zed */
	lmsg_iter_init(&it, &evs.events);
	for (int i = 0; i < 3; i++) {
		uint8_t *rec;
		size_t rlen;

		assert_int_equal(lmsg_events_next(&it, &p, &len), 1);
		assert_int_equal(ledger_get_record(led, want[i], &rec, &rlen), LEDGER_OK);
		assert_int_equal(len, rlen);
		assert_memory_equal(p, rec, rlen);
		free(rec);
	}
	assert_int_equal(lmsg_events_next(&it, &p, &len), 0);

	fail_next("ledger_template_seqs", LEDGER_EIO, 0, NULL);
	assert_int_equal(ask(LEDGER_GET_TEMPLATES, NULL), 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read the template index");
	fail_next("ledger_get_record", LEDGER_EIO, 2, NULL);
	assert_int_equal(ask(LEDGER_GET_TEMPLATES, NULL), 1);
	expect_error(LEDGER_ERR_STORAGE, "cannot read a template event");
	/* a payload: the whitelist's bound (0..0) ends the channel */
	{
		char why[128];

		snprintf(why, sizeof(why), "message type %u from custodian: length 1 outside "
			 "[0, 0]", (unsigned)LEDGER_GET_TEMPLATES);
		expect_violation(LEDGER_GET_TEMPLATES, one, sizeof(one), why);
	}
}

/* The largest list: LEDGER_TEMPLATES_MAX names, each text LEDGER_TEMPLATE_TEXT_MAX
 * bytes (about 8.5 MiB): answered whole, in one frame, in name order. */
static void test_templates_largest_list(void **state)
{
	static uint8_t text[LEDGER_TEMPLATE_TEXT_MAX];
	struct ledger_event ev;
	struct lmsg_events evs;
	struct lmsg_iter it;
	static char sb[LEDGER_STRBUF];
	const uint8_t *p;
	size_t len;
	char name[16];

	(void)state;
	memset(text, 'x', sizeof(text));
	for (int i = 0; i < LEDGER_TEMPLATES_MAX; i++) {
		snprintf(name, sizeof(name), "t%03d", LEDGER_TEMPLATES_MAX - 1 - i);
		template_event(&ev, LEDGER_TEMPLATE_ADDED, name, 1, 0);
		ev.u.tmpl.text = (struct ledger_bytes){text, sizeof(text)};
		assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	}
	assert_int_equal(ask(LEDGER_GET_TEMPLATES, NULL), 1);
	assert_int_equal(ch.m.hdr.type, LEDGER_EVENTS);
	assert_true(ch.m.hdr.len > LEDGER_TEMPLATES_MAX * sizeof(text));
	assert_int_equal(lmsg_events_decode(ch.m.data, ch.m.hdr.len, &evs), 0);
	assert_int_equal(evs.events.n, LEDGER_TEMPLATES_MAX);
	lmsg_iter_init(&it, &evs.events);
	for (int i = 0; i < LEDGER_TEMPLATES_MAX; i++) {
		assert_int_equal(lmsg_events_next(&it, &p, &len), 1);
		assert_int_equal(ledger_record_decode(p, len, &ev, sb, sizeof(sb), err,
						      sizeof(err)), 0);
		snprintf(name, sizeof(name), "t%03d", i);
		assert_string_equal(ev.u.tmpl.name, name);
		assert_int_equal(ev.u.tmpl.text.len, sizeof(text));
	}
}

static void test_handler_refuses_what_the_whitelist_bounds(void **state)
{
	static const uint8_t z[16];
	char why[128];

	(void)state;
	handle_direct(LEDGER_GET_REQUEST, z, 3, "malformed get-request");
	handle_direct(LEDGER_GET_REQUEST, z, 5, "malformed get-request");
	handle_direct(LEDGER_GET_EVENT, z, 7, "malformed get-event");
	handle_direct(LEDGER_HEAD, z, 1, "malformed head");
	handle_direct(LEDGER_VERIFY, z, 4, "malformed verify");
	handle_direct(LEDGER_GET_EXTENSIONS, z, 2, "malformed get-extensions");
	handle_direct(LEDGER_GET_EVENTS, z, 11, "malformed get-events");
	handle_direct(LEDGER_GET_TEMPLATES, z, 1, "malformed get-templates");
	handle_direct(LEDGER_APPEND_GROUP, z, 0, "malformed append-group");
	/* the ledger's own answers and a type proto.h does not name */
	snprintf(why, sizeof(why), "message type %#x has no handler", (unsigned)LEDGER_APPENDED);
	handle_direct(LEDGER_APPENDED, z, 0, why);
	snprintf(why, sizeof(why), "message type %#x has no handler", (unsigned)LEDGER_ERROR);
	handle_direct(LEDGER_ERROR, z, 4, why);
	handle_direct(0x2fe, z, 0, "message type 0x2fe has no handler");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_appends_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_appends_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_page_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_templates_largest_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_refuses_what_the_whitelist_bounds,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
