/* Unit tests of the custodian's template store (firmware/custodian/tmplstore.c)
 * on the in-process core (support/core_harness.h): a real SoftHSM CA, a real
 * ledger served on a socketpair, the custodian as custodian_open starts it. The
 * store under test is the custodian's own (the console's a->templates, the
 * enrollment's sub->templates), journaling through its own ledger channel;
 * what the ledger holds is read back from the ledger itself, and a store loaded
 * afresh from it must hold the same templates (template_equal).
 *
 * Journal-first: every refusal (the store's, the ledger's, a ledger that fails
 * or stalls) leaves the templates and the journal as they were. */
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

#include "firmware/custodian/admin.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "firmware/ledger/serve.h"
#include "firmware/policy/template.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/ledger_temp.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;
static struct core core;
static char err[1024];

#define OP "admin"

static int setup(void **state)
{
	(void)state;
	return core_start(&core, &ca_template, &(struct core_opts){.ledger_proxy = 1});
}

static int teardown(void **state)
{
	(void)state;
	core_stop(&core);
	return 0;
}

static struct tmplstore *store(void)
{
	return core_admin(&core)->templates;
}

static struct record *rec(void)
{
	return core_admin(&core)->sub->rec;
}

static uint64_t head(void)
{
	uint64_t seq;
	uint8_t h[LEDGER_HASH_LEN];

	ledger_head(core.ledger, &seq, h);
	return seq;
}

/* The store's templates, in its order. */
static struct template *snap(size_t *n)
{
	struct template *t = NULL;

	assert_int_equal(tmplstore_snapshot(store(), &t, n), 0);
	assert_non_null(t);
	return t;
}

/* a and b hold the same templates in the same order. */
static void assert_same_set(const struct template *a, size_t na, const struct template *b,
			    size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		if (!template_equal(&a[i], &b[i]))
			fail_msg("template %zu: %s differs from %s", i, a[i].name, b[i].name);
}

/* A store loaded afresh from the ledger holds what the custodian's holds, and
 * loading journals nothing. */
static void expect_reload_same(void)
{
	struct tmplstore fresh;
	struct template *a, *b;
	size_t na, nb;
	uint64_t before = head();

	assert_int_equal(tmplstore_init(&fresh), 0);
	if (tmplstore_load(&fresh, rec(), err, sizeof(err)) != 0)
		fail_msg("reload: %s", err);
	assert_true(head() == before);
	a = snap(&na);
	assert_int_equal(tmplstore_snapshot(&fresh, &b, &nb), 0);
	assert_same_set(a, na, b, nb);
	free(a);
	free(b);
	tmplstore_free(&fresh);
}

/* The default User template renamed, with its own OID: a text to add. */
static size_t text_of(const char *name, const char *oid, char *buf)
{
	size_t nd;
	struct template t = template_defaults(&nd)[0];
	long len;

	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.display_name, sizeof(t.display_name), "%s display", name);
	snprintf(t.oid, sizeof(t.oid), "%s", oid);
	len = template_format(&t, buf, TEMPLATE_TEXT_MAX + 1, err, sizeof(err));
	assert_true(len > 0);
	return (size_t)len;
}

static void add_ok(const char *text, size_t len)
{
	if (tmplstore_add(store(), rec(), OP, text, len, err, sizeof(err)) != 0)
		fail_msg("add: %s", err);
}

static void set_ok(const char *name, const char *assignments)
{
	if (tmplstore_set(store(), rec(), OP, name, assignments, strlen(assignments), err,
			  sizeof(err)) != 0)
		fail_msg("set %s: %s", name, err);
}

/* A refusal with its code and a message holding says; the templates and the
 * journal unchanged. */
static void expect_refused(int rc, int want, const char *says, const struct template *before,
			   size_t nbefore, uint64_t head_before)
{
	struct template *now;
	size_t n;

	if (rc != want)
		fail_msg("%d, not %d: %s", rc, want, err);
	if (strstr(err, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, says);
	assert_true(head() == head_before);
	now = snap(&n);
	assert_same_set(now, n, before, nbefore);
	free(now);
}

/* The latest journal record, decoded (strbuf: LEDGER_STRBUF). */
static void last_event(struct ledger_event *ev, char *strbuf, uint8_t **recbuf)
{
	size_t len;

	assert_int_equal(ledger_get_record(core.ledger, head(), recbuf, &len), LEDGER_OK);
	assert_int_equal(ledger_record_decode(*recbuf, len, ev, strbuf, LEDGER_STRBUF, err,
					      sizeof(err)), 0);
}

/* ---- the defaults ---- */

/* A new CA starts with the defaults, journaled by the CA ("ceremony") as added
 * events with their canonical texts; an administrator who removes them all does
 * not get them back at the next load. */
static void test_defaults_first_load_only(void **state)
{
	static char sb[LEDGER_STRBUF];
	size_t nd, n;
	const struct template *d = template_defaults(&nd);
	struct template *t;
	struct tmplstore fresh;
	uint64_t seq;
	int found = 0;

	(void)state;
	t = snap(&n);
	assert_int_equal(n, nd);
	for (size_t i = 0; i < nd; i++) {
		struct template got;

		assert_int_equal(tmplstore_get(store(), d[i].name, &got), 0);
		assert_true(template_equal(&got, &d[i]));
	}
	/* sorted by name, ASCII case ignored */
	for (size_t i = 1; i < n; i++)
		assert_true(strcasecmp(t[i - 1].name, t[i].name) < 0);
	free(t);
	/* each journaled: the CA's, as added, its canonical text */
	for (seq = 2; seq <= head(); seq++) {
		struct ledger_event ev;
		uint8_t *r;
		size_t len;
		char canon[TEMPLATE_TEXT_MAX + 1];
		struct template got;

		assert_int_equal(ledger_get_record(core.ledger, seq, &r, &len), LEDGER_OK);
		assert_int_equal(ledger_record_decode(r, len, &ev, sb, sizeof(sb), err,
						      sizeof(err)), 0);
		if (ev.type == EV_TEMPLATE_CHANGED) {
			found++;
			assert_int_equal(ev.actor_kind, ACTOR_CA);
			assert_string_equal(ev.actor, "ceremony");
			assert_int_equal(ev.u.tmpl.action, LEDGER_TEMPLATE_ADDED);
			assert_int_equal(tmplstore_get(store(), ev.u.tmpl.name, &got), 0);
			assert_int_equal(template_format(&got, canon, sizeof(canon), err,
							 sizeof(err)),
					 (long)ev.u.tmpl.text.len);
			assert_memory_equal(canon, ev.u.tmpl.text.p, ev.u.tmpl.text.len);
		}
		free(r);
	}
	assert_int_equal(found, nd);
	expect_reload_same(); /* and not journaled twice */

	for (size_t i = 0; i < nd; i++)
		if (tmplstore_del(store(), rec(), OP, d[i].name, err, sizeof(err)) != 0)
			fail_msg("del %s: %s", d[i].name, err);
	t = snap(&n);
	assert_int_equal(n, 0);
	free(t);
	seq = head();
	assert_int_equal(tmplstore_init(&fresh), 0);
	assert_int_equal(tmplstore_load(&fresh, rec(), err, sizeof(err)), 0);
	assert_int_equal(fresh.n, 0);
	assert_true(head() == seq); /* the defaults are not given back */
	tmplstore_free(&fresh);
}

/* One that an administrator changed is not completed: a default removed stays
 * removed at the next load. */
static void test_defaults_not_resumed_after_a_change(void **state)
{
	size_t nd, n;
	const struct template *d = template_defaults(&nd);
	struct tmplstore fresh;
	struct template *t;
	uint64_t seq;

	(void)state;
	assert_int_equal(tmplstore_del(store(), rec(), OP, d[nd - 1].name, err, sizeof(err)), 0);
	seq = head();
	assert_int_equal(tmplstore_init(&fresh), 0);
	assert_int_equal(tmplstore_load(&fresh, rec(), err, sizeof(err)), 0);
	assert_int_equal(fresh.n, nd - 1);
	assert_true(head() == seq);
	tmplstore_free(&fresh);
	t = snap(&n);
	assert_int_equal(n, nd - 1);
	free(t);
}

/* The ceremony's template events in led. */
static size_t ceremony_events(struct ledger *led)
{
	static char sb[LEDGER_STRBUF];
	uint64_t last;
	uint8_t h[LEDGER_HASH_LEN];
	size_t k = 0;

	ledger_head(led, &last, h);
	for (uint64_t seq = 2; seq <= last; seq++) {
		struct ledger_event ev;
		uint8_t *r;
		size_t len;

		assert_int_equal(ledger_get_record(led, seq, &r, &len), LEDGER_OK);
		assert_int_equal(ledger_record_decode(r, len, &ev, sb, sizeof(sb), err,
						      sizeof(err)), 0);
		k += ev.type == EV_TEMPLATE_CHANGED && strcmp(ev.actor, "ceremony") == 0 &&
		     ev.actor_kind == ACTOR_CA && ev.u.tmpl.action == LEDGER_TEMPLATE_ADDED;
		free(r);
	}
	return k;
}

struct served {
	struct ledger *led;
	int fd;
};

static void *serve_thread(void *arg)
{
	struct served *sv = arg;

	ledger_serve(sv->led, sv->fd, "custodian", 1);
	return NULL;
}

/* An installation cut short (the ledger holds the ceremony's additions of some
 * defaults only: the start failed between them, and refused) is completed by
 * the next load, which journals only the missing ones; once complete, a load
 * journals nothing. On a ledger of its own, through the custodian's client. */
static void test_defaults_completed_after_a_cut(void **state)
{
	char dir[128], text[TEMPLATE_TEXT_MAX + 1];
	size_t nd, n;
	const struct template *d = template_defaults(&nd);
	struct ledger *led = ledger_temp_open("tmplstore", dir, sizeof(dir));
	struct served sv = {.led = led};
	struct tmplstore fresh;
	struct template *t;
	struct record r;
	pthread_t th;
	uint64_t before;
	uint8_t h[LEDGER_HASH_LEN];
	int fds[2];

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct ledger_event ev;
		long len = template_format(&d[i], text, sizeof(text), err, sizeof(err));

		assert_true(len > 0);
		ledger_event_base(&ev, EV_TEMPLATE_CHANGED);
		ev.actor = "ceremony";
		ev.u.tmpl = (struct ev_template){LEDGER_TEMPLATE_ADDED, d[i].name,
						 d[i].major_version, d[i].minor_version,
						 {(const uint8_t *)text, (size_t)len}};
		assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	}
	ledger_head(led, &before, h);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
	sv.fd = fds[1];
	assert_int_equal(pthread_create(&th, NULL, serve_thread, &sv), 0);
	assert_int_equal(record_start(&r, fds[0]), 0);

	assert_int_equal(tmplstore_init(&fresh), 0);
	if (tmplstore_load(&fresh, &r, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	assert_int_equal(ceremony_events(led), nd);
	assert_int_equal(tmplstore_snapshot(&fresh, &t, &n), 0);
	assert_int_equal(n, nd);
	for (size_t i = 0; i < nd; i++) {
		struct template got;

		assert_int_equal(tmplstore_get(&fresh, d[i].name, &got), 0);
		assert_true(template_equal(&got, &d[i]));
	}
	free(t);
	tmplstore_free(&fresh);
	{
		uint64_t after;

		ledger_head(led, &after, h);
		assert_true(after == before + nd - 2);
		assert_int_equal(tmplstore_init(&fresh), 0);
		assert_int_equal(tmplstore_load(&fresh, &r, err, sizeof(err)), 0);
		assert_int_equal(fresh.n, nd);
		ledger_head(led, &before, h);
		assert_true(before == after);
		tmplstore_free(&fresh);
	}
	record_stop(&r);
	pthread_join(th, NULL);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(ledger_temp_remove(led, dir), 0);
}

/* A ceremony's addition of a name that is not a default's is not an
 * installation cut short: nothing is added (nor on a ledger whose only
 * template was removed). */
static void test_defaults_not_resumed_over_others(void **state)
{
	char dir[128], text[TEMPLATE_TEXT_MAX + 1];
	struct ledger *led = ledger_temp_open("tmplstore", dir, sizeof(dir));
	struct served sv = {.led = led};
	struct tmplstore fresh;
	struct ledger_event ev;
	struct record r;
	pthread_t th;
	uint64_t before, after;
	uint8_t h[LEDGER_HASH_LEN];
	size_t len = text_of("NotADefault", "1.3.6.1.4.1.99999.7.8", text);
	int fds[2];

	(void)state;
	ledger_event_base(&ev, EV_TEMPLATE_CHANGED);
	ev.actor = "ceremony";
	ev.u.tmpl = (struct ev_template){LEDGER_TEMPLATE_ADDED, "NotADefault", 1, 0,
					 {(const uint8_t *)text, len}};
	assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	ledger_head(led, &before, h);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
	sv.fd = fds[1];
	assert_int_equal(pthread_create(&th, NULL, serve_thread, &sv), 0);
	assert_int_equal(record_start(&r, fds[0]), 0);
	assert_int_equal(tmplstore_init(&fresh), 0);
	if (tmplstore_load(&fresh, &r, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	assert_int_equal(fresh.n, 1);
	ledger_head(led, &after, h);
	assert_true(after == before);
	tmplstore_free(&fresh);
	/* removed: the ledger held a template, so none is given */
	ev.u.tmpl.action = LEDGER_TEMPLATE_REMOVED;
	ev.u.tmpl.text = (struct ledger_bytes){NULL, 0};
	assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	ledger_head(led, &before, h);
	assert_int_equal(tmplstore_init(&fresh), 0);
	assert_int_equal(tmplstore_load(&fresh, &r, err, sizeof(err)), 0);
	assert_int_equal(fresh.n, 0);
	ledger_head(led, &after, h);
	assert_true(after == before);
	tmplstore_free(&fresh);
	record_stop(&r);
	pthread_join(th, NULL);
	close(fds[0]);
	close(fds[1]);
	assert_int_equal(ledger_temp_remove(led, dir), 0);
}

/* A ledger below its reserve takes none of the CA's own work (the defaults
 * included): the custodian starts with no templates, and journals none. */
static void test_defaults_on_a_full_ledger(void **state)
{
	static char sb[LEDGER_STRBUF];
	struct template *t;
	size_t n;

	(void)state;
	assert_int_equal(core_start(&core, &ca_template,
				    &(struct core_opts){.reserve_mb = 1u << 30}), 0);
	t = snap(&n);
	assert_int_equal(n, 0);
	free(t);
	for (uint64_t seq = 2; seq <= head(); seq++) {
		struct ledger_event ev;
		uint8_t *r;
		size_t len;

		assert_int_equal(ledger_get_record(core.ledger, seq, &r, &len), LEDGER_OK);
		assert_int_equal(ledger_record_decode(r, len, &ev, sb, sizeof(sb), err,
						      sizeof(err)), 0);
		assert_int_not_equal(ev.type, EV_TEMPLATE_CHANGED);
		free(r);
	}
}

/* The ledger failing otherwise while the defaults are journaled: the start is
 * refused, and says why. */
static void test_defaults_ledger_fails_at_start(void **state)
{
	struct lmsg_error e = {.code = LEDGER_ERR_STORAGE};
	struct ipc_wbuf w;
	unsigned nth;
	int refused = 0;

	(void)state;
	snprintf(e.message, sizeof(e.message), "disk on fire");
	ipc_wbuf_init(&w);
	lmsg_error_encode(&w, &e);
	/* The start's first appends are ca.conf's: find the first template's. */
	for (nth = 1; nth < 20 && !refused; nth++) {
		struct core_opts o = {.ledger_proxy = 1, .forge_type = LEDGER_APPEND_GROUP,
				      .forge_nth = nth, .forge_answer = LEDGER_ERROR,
				      .forge_payload = w.data, .forge_len = w.len};

		if (core_start(&core, &ca_template, &o) == 0) {
			core_stop(&core);
			continue;
		}
		refused = strstr(core.err, "the certificate templates cannot be loaded: ") != NULL;
	}
	ipc_wbuf_free(&w);
	assert_true(refused);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
	assert_non_null(strstr(core.err, "the ledger did not record the change: "));
	assert_non_null(strstr(core.err, "disk on fire"));
}

/* The start's LEDGER_GET_TEMPLATES answered by a faulty or hostile ledger: the
 * start is refused, saying why. */
static void start_forged(uint32_t answer, const void *payload, size_t len, const char *says)
{
	struct core_opts o = {.ledger_proxy = 1, .forge_type = LEDGER_GET_TEMPLATES,
			      .forge_nth = 1, .forge_answer = answer, .forge_payload = payload,
			      .forge_len = len};

	assert_int_equal(core_start(&core, &ca_template, &o), -1);
	assert_int_equal(core.open_rc, CUSTODIAN_EREFUSED);
	if (strstr(core.err, "the certificate templates cannot be loaded: ") == NULL ||
	    strstr(core.err, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", core.err, says);
}

/* A template event's record (seq, name) as the ledger would send it. */
static void record_of(struct ipc_wbuf *list, uint64_t seq, uint32_t type, const char *name)
{
	char text[TEMPLATE_TEXT_MAX + 1];
	size_t len = text_of(name, "1.3.6.1.4.1.99999.7.10", text);
	struct ledger_event ev;
	struct ipc_wbuf w;

	memset(&ev, 0, sizeof(ev));
	ev.seq = seq;
	ev.time = 1790000000;
	ev.type = type;
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = "admin";
	if (type == EV_TEMPLATE_CHANGED)
		ev.u.tmpl = (struct ev_template){LEDGER_TEMPLATE_ADDED, name, 1, 0,
						 {(const uint8_t *)text, len}};
	else
		ev.u.op = (struct ev_operator){"login", "", 1, ""};
	ipc_wbuf_init(&w);
	assert_int_equal(ledger_record_encode(&ev, &w, err, sizeof(err)), 0);
	lmsg_events_add(list, w.data, w.len);
	ipc_wbuf_free(&w);
}

static void forge_list(int bad, const char *says)
{
	struct ipc_wbuf list, w;
	struct lmsg_events out;

	ipc_wbuf_init(&list);
	if (bad == 0) { /* out of order */
		record_of(&list, 5, EV_TEMPLATE_CHANGED, "zed");
		record_of(&list, 6, EV_TEMPLATE_CHANGED, "Alpha");
	} else if (bad == 1) { /* a name twice, in two cases */
		record_of(&list, 5, EV_TEMPLATE_CHANGED, "Web");
		record_of(&list, 6, EV_TEMPLATE_CHANGED, "WEB");
	} else { /* not a template event */
		record_of(&list, 5, EV_OPERATOR_ACTION, "x");
	}
	out.events.n = 2 - (bad == 2);
	out.events.p = list.data;
	out.events.len = list.len;
	ipc_wbuf_init(&w);
	lmsg_events_encode(&w, &out);
	start_forged(LEDGER_EVENTS, w.data, w.len, says);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
	core_stop(&core);
}

static void test_load_refuses_forged_answers(void **state)
{
	static const uint8_t garbage[] = {0x01};
	struct lmsg_error e = {.code = LEDGER_ERR_STORAGE};
	struct ipc_wbuf w;

	(void)state;
	start_forged(LEDGER_EVENTS, garbage, sizeof(garbage), "malformed template list");
	core_stop(&core);
	snprintf(e.message, sizeof(e.message), "cannot read the template index");
	ipc_wbuf_init(&w);
	lmsg_error_encode(&w, &e);
	start_forged(LEDGER_ERROR, w.data, w.len, "cannot read the template index");
	ipc_wbuf_free(&w);
	core_stop(&core);
	/* an answer of another type */
	start_forged(LEDGER_HEAD_IS, garbage, sizeof(garbage), "unexpected answer");
	core_stop(&core);
	forge_list(0, "out of order at Alpha");
	forge_list(1, "out of order at WEB");
	forge_list(2, "malformed template event");
}

/* ---- the operator's changes ---- */

static void test_add_set_del_round_trip(void **state)
{
	char text[TEMPLATE_TEXT_MAX + 1];
	static char sb[LEDGER_STRBUF];
	struct template got, canon_t;
	struct ledger_event ev;
	uint8_t *r;
	size_t len = text_of("Test-One", "1.3.6.1.4.1.99999.7.1", text), n0, n;
	struct template *t0 = snap(&n0), *t;

	(void)state;
	/* added with a comment and blanks: stored and journaled in canonical form */
	{
		char messy[TEMPLATE_TEXT_MAX + 64];
		int m = snprintf(messy, sizeof(messy), "# mine\n\n%s", text);

		add_ok(messy, (size_t)m);
	}
	assert_int_equal(tmplstore_get(store(), "test-one", &got), 0); /* case ignored */
	assert_string_equal(got.name, "Test-One");
	last_event(&ev, sb, &r);
	assert_int_equal(ev.type, EV_TEMPLATE_CHANGED);
	assert_int_equal(ev.actor_kind, ACTOR_OPERATOR);
	assert_string_equal(ev.actor, OP);
	assert_int_equal(ev.u.tmpl.action, LEDGER_TEMPLATE_ADDED);
	assert_string_equal(ev.u.tmpl.name, "Test-One");
	assert_int_equal(ev.u.tmpl.text.len, len);
	assert_memory_equal(ev.u.tmpl.text.p, text, len);
	free(r);
	t = snap(&n);
	assert_int_equal(n, n0 + 1);
	free(t);
	expect_reload_same();

	/* set: a value replaced, the minor version up by one */
	set_ok("TEST-ONE", "validity_days = 300\n");
	assert_int_equal(tmplstore_get(store(), "Test-One", &got), 0);
	assert_int_equal(got.validity_days, 300);
	assert_int_equal(got.major_version, 1);
	assert_int_equal(got.minor_version, 1);
	last_event(&ev, sb, &r);
	assert_int_equal(ev.u.tmpl.action, LEDGER_TEMPLATE_CHANGED);
	assert_int_equal(ev.u.tmpl.major, 1);
	assert_int_equal(ev.u.tmpl.minor, 1);
	assert_int_equal(template_parse((const char *)ev.u.tmpl.text.p, ev.u.tmpl.text.len,
					&canon_t, err, sizeof(err)), 0);
	assert_true(template_equal(&canon_t, &got));
	free(r);
	/* an optional key added, then removed with an empty value; comments and
	 * blanks in the assignments ignored */
	set_ok("Test-One", "# two\n  renewal_days   =  7  \n\nenroll_accounts = EXAMPLE\\bob\n");
	assert_int_equal(tmplstore_get(store(), "Test-One", &got), 0);
	assert_int_equal(got.renewal_days, 7);
	assert_int_equal(got.n_accounts, 1);
	assert_string_equal(got.accounts[0], "EXAMPLE\\bob");
	assert_int_equal(got.minor_version, 2);
	set_ok("Test-One", "enroll_accounts =");
	assert_int_equal(tmplstore_get(store(), "Test-One", &got), 0);
	assert_int_equal(got.n_accounts, 0);
	assert_int_equal(got.minor_version, 3);
	/* versions given: taken as given, no bump */
	set_ok("Test-One", "major_version = 2\nminor_version = 0\n");
	assert_int_equal(tmplstore_get(store(), "Test-One", &got), 0);
	assert_int_equal(got.major_version, 2);
	assert_int_equal(got.minor_version, 0);
	/* the name given as it is: not a change of name */
	set_ok("Test-One", "name = Test-One\ndisplay_name = Other");
	assert_int_equal(tmplstore_get(store(), "Test-One", &got), 0);
	assert_string_equal(got.display_name, "Other");
	assert_int_equal(got.minor_version, 1);
	expect_reload_same();

	/* del: gone, journaled as removed at its version with no text */
	assert_int_equal(tmplstore_del(store(), rec(), OP, "test-ONE", err, sizeof(err)), 0);
	assert_int_equal(tmplstore_get(store(), "Test-One", &got), TMPL_ENOENT);
	last_event(&ev, sb, &r);
	assert_int_equal(ev.u.tmpl.action, LEDGER_TEMPLATE_REMOVED);
	assert_string_equal(ev.u.tmpl.name, "Test-One");
	assert_int_equal(ev.u.tmpl.major, 2);
	assert_int_equal(ev.u.tmpl.minor, 1);
	assert_int_equal(ev.u.tmpl.text.len, 0);
	free(r);
	t = snap(&n);
	assert_same_set(t, n, t0, n0);
	free(t);
	expect_reload_same();
	/* and added again (a removed name is free) */
	add_ok(text, len);
	expect_reload_same();
	free(t0);
}

static void test_refusals(void **state)
{
	char text[TEMPLATE_TEXT_MAX + 1], other[TEMPLATE_TEXT_MAX + 1];
	size_t len = text_of("Refuse", "1.3.6.1.4.1.99999.7.2", text), n;
	size_t olen;
	struct template *t;
	uint64_t h;
	int rc;

	(void)state;
	add_ok(text, len);
	t = snap(&n);
	h = head();
#define REFUSED(call, want, says) \
	do { \
		err[0] = 0; \
		rc = (call); \
		expect_refused(rc, want, says, t, n, h); \
	} while (0)
	/* add: text that does not parse, one that fails a rule, empty, too long */
	REFUSED(tmplstore_add(store(), rec(), OP, "name = x\n", 9, err, sizeof(err)), TMPL_EINVAL,
		"missing key");
	REFUSED(tmplstore_add(store(), rec(), OP, "name = x\nbogus = 1\n", 19, err,
			      sizeof(err)), TMPL_EINVAL, "line 2");
	olen = text_of("Checked", "1.3.6.1.4.1.99999.7.3", other);
	{
		char bad[TEMPLATE_TEXT_MAX + 64];
		int m = snprintf(bad, sizeof(bad), "%spath_length = 1\n", other);

		REFUSED(tmplstore_add(store(), rec(), OP, bad, (size_t)m, err, sizeof(err)),
			TMPL_EINVAL, "path_length needs ca = yes");
	}
	REFUSED(tmplstore_add(store(), rec(), OP, other, 0, err, sizeof(err)), TMPL_EINVAL,
		"no template text");
	REFUSED(tmplstore_add(store(), rec(), OP, other, TEMPLATE_TEXT_MAX + 1, err, sizeof(err)),
		TMPL_EINVAL, "longer than 32768");
	REFUSED(tmplstore_add(store(), rec(), "", other, olen, err, sizeof(err)), TMPL_EINVAL,
		"no operator");
	/* add: the same name in another case; another template's OID */
	len = text_of("REFUSE", "1.3.6.1.4.1.99999.7.9", other);
	REFUSED(tmplstore_add(store(), rec(), OP, other, len, err, sizeof(err)), TMPL_EEXIST,
		"template REFUSE exists (names ignore case: Refuse)");
	len = text_of("Another", "1.3.6.1.4.1.99999.7.2", other);
	REFUSED(tmplstore_add(store(), rec(), OP, other, len, err, sizeof(err)), TMPL_EEXIST,
		"OID 1.3.6.1.4.1.99999.7.2 is template Refuse's");
	/* set and del: unknown names */
	REFUSED(tmplstore_set(store(), rec(), OP, "nope", "validity_days = 3", 17, err,
			      sizeof(err)), TMPL_ENOENT, "no template nope");
	REFUSED(tmplstore_del(store(), rec(), OP, "nope", err, sizeof(err)), TMPL_ENOENT,
		"no template nope");
	/* set: nothing changed (the same value; a value as it is written) */
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "validity_days = 365", 19, err,
			      sizeof(err)), TMPL_EINVAL, "change nothing");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "validity_days = 0365", 20, err,
			      sizeof(err)), TMPL_EINVAL, "change nothing");
	/* set: the version lowered, or given as it is */
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "major_version = 0\nvalidity_days = 99",
			      35, err, sizeof(err)), TMPL_EINVAL, "version 0.0 is not above 1.0");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "major_version = 1\nvalidity_days = 99",
			      35, err, sizeof(err)), TMPL_EINVAL, "the version must grow");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "minor_version = 0\nvalidity_days = 99",
			      35, err, sizeof(err)), TMPL_EINVAL, "the version must grow");
	/* set: the name changed (also in case only, also removed) */
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "name = Other", 12, err, sizeof(err)),
		TMPL_EINVAL, "cannot change");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "name = REFUSE", 13, err, sizeof(err)),
		TMPL_EINVAL, "cannot change");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "name =", 6, err, sizeof(err)),
		TMPL_EINVAL, "cannot change");
	/* set: another template's OID; a rule broken; a required key removed; an
	 * unknown key; a key twice; not an assignment; a NUL; an absent key removed */
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "oid = 1.3.6.1.4.1.311.21.8.1.1", 30,
			      err, sizeof(err)), TMPL_EEXIST, "is template User's");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "path_length = 2", 15, err,
			      sizeof(err)), TMPL_EINVAL, "path_length needs ca = yes");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "validity_days =", 15, err,
			      sizeof(err)), TMPL_EINVAL, "missing key");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "colour = red", 12, err,
			      sizeof(err)), TMPL_EINVAL, "colour");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "renewal_days = 1\nrenewal_days = 2",
			      33, err, sizeof(err)), TMPL_EINVAL, "assigned twice");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "renewal_days 2", 14, err,
			      sizeof(err)), TMPL_EINVAL, "not \"key = value\"");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "renewal_days = 2\0x", 18, err,
			      sizeof(err)), TMPL_EINVAL, "NUL");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "path_length =", 13, err,
			      sizeof(err)), TMPL_EINVAL, "path_length is not set");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "Validity_days = 3", 17, err,
			      sizeof(err)), TMPL_EINVAL, "lower-case");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "renewal_days = 2\r", 17, err,
			      sizeof(err)), TMPL_EINVAL, "with the assignments");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "", 0, err, sizeof(err)), TMPL_EINVAL,
		"no assignments");
	REFUSED(tmplstore_set(store(), rec(), OP, "Refuse", "# only a comment\n", 17, err,
			      sizeof(err)), TMPL_EINVAL, "no assignments");
#undef REFUSED
	/* what set would make, without journaling it */
	{
		struct template cur, out;

		assert_int_equal(tmplstore_get(store(), "Refuse", &cur), 0);
		assert_int_equal(tmplstore_apply(&cur, "validity_days = 99", 18, &out, err,
						 sizeof(err)), 0);
		assert_int_equal(out.validity_days, 99);
		assert_int_equal(out.minor_version, cur.minor_version + 1);
		assert_true(head() == h);
		assert_int_equal(tmplstore_apply(&cur, "name = x", 8, &out, err, sizeof(err)),
				 TMPL_EINVAL);
		assert_non_null(strstr(err, "cannot change"));
	}
	free(t);
	expect_reload_same();
}

/* TMPLSTORE_MAX live templates: one more is refused, a removal makes room. */
static void test_full_store(void **state)
{
	char text[TEMPLATE_TEXT_MAX + 1], name[32], oid[64];
	size_t n, len;
	struct template *t = snap(&n);
	uint64_t h;
	int i;

	(void)state;
	free(t);
	for (i = 0; n < TMPLSTORE_MAX; i++, n++) {
		snprintf(name, sizeof(name), "Fill%02d", i);
		snprintf(oid, sizeof(oid), "1.3.6.1.4.1.99999.8.%d", i);
		len = text_of(name, oid, text);
		add_ok(text, len);
	}
	t = snap(&n);
	assert_int_equal(n, TMPLSTORE_MAX);
	h = head();
	len = text_of("OneMore", "1.3.6.1.4.1.99999.9.1", text);
	err[0] = 0;
	expect_refused(tmplstore_add(store(), rec(), OP, text, len, err, sizeof(err)), TMPL_EFULL,
		       "its most", t, n, h);
	free(t);
	expect_reload_same();
	assert_int_equal(tmplstore_del(store(), rec(), OP, "Fill00", err, sizeof(err)), 0);
	add_ok(text, len);
	expect_reload_same();
}

/* ---- the ledger refusing, failing, stalling ---- */

static void forge_error(uint32_t code, const char *text)
{
	struct lmsg_error e = {.code = code};
	struct ipc_wbuf w;

	snprintf(e.message, sizeof(e.message), "%s", text);
	ipc_wbuf_init(&w);
	lmsg_error_encode(&w, &e);
	core_ledger_forge(&core, LEDGER_APPEND_GROUP, 1, LEDGER_ERROR, w.data, w.len);
	ipc_wbuf_free(&w);
}

static void test_ledger_refuses_or_fails(void **state)
{
	char text[TEMPLATE_TEXT_MAX + 1];
	size_t len = text_of("Journal", "1.3.6.1.4.1.99999.7.4", text), n;
	struct template *t = snap(&n);
	uint64_t h = head();
	unsigned forged = core_ledger_forged(&core);

	(void)state;
	/* refused on its merits: nothing changes, the ledger's reason is named */
	forge_error(LEDGER_ERR_INVALID, "template Journal: a template of that name exists");
	err[0] = 0;
	expect_refused(tmplstore_add(store(), rec(), OP, text, len, err, sizeof(err)),
		       TMPL_ERECORD, "the ledger refused the change", t, n, h);
	assert_non_null(strstr(err, "a template of that name exists"));
	/* the ledger's storage failing, for each kind of change */
	forge_error(LEDGER_ERR_STORAGE, "disk on fire");
	expect_refused(tmplstore_add(store(), rec(), OP, text, len, err, sizeof(err)),
		       TMPL_ERECORD, "did not record the change: ", t, n, h);
	forge_error(LEDGER_ERR_STORAGE, "disk on fire");
	expect_refused(tmplstore_set(store(), rec(), OP, "User", "validity_days = 100", 19, err,
				     sizeof(err)), TMPL_ERECORD, "disk on fire", t, n, h);
	forge_error(LEDGER_ERR_FULL, "no room");
	expect_refused(tmplstore_del(store(), rec(), OP, "User", err, sizeof(err)), TMPL_ERECORD,
		       "no room", t, n, h);
	assert_int_equal(core_ledger_forged(&core), forged + 4);
	free(t);
	/* and then the same changes go through */
	add_ok(text, len);
	set_ok("User", "validity_days = 100");
	assert_int_equal(tmplstore_del(store(), rec(), OP, "User", err, sizeof(err)), 0);
	expect_reload_same();
}

struct adder {
	const char *text;
	size_t len;
	int rc;
	char err[512];
};

static void *add_thread(void *arg)
{
	struct adder *a = arg;

	a->rc = tmplstore_add(store(), rec(), OP, a->text, a->len, a->err, sizeof(a->err));
	return NULL;
}

/* A ledger that stalls holds back the change (journal-first: nothing in memory
 * until it answers), never a reader. */
static void test_ledger_stalls(void **state)
{
	char text[TEMPLATE_TEXT_MAX + 1];
	struct adder a = {.text = text, .rc = 99};
	struct template got, *t;
	pthread_t th;
	size_t n, n0;

	(void)state;
	a.len = text_of("Stalled", "1.3.6.1.4.1.99999.7.5", text);
	t = snap(&n0);
	free(t);
	core_ledger_hold(&core, 1);
	assert_int_equal(pthread_create(&th, NULL, add_thread, &a), 0);
	for (int i = 0; i < 500 && core_ledger_held(&core) == 0; i++)
		usleep(10000);
	assert_true(core_ledger_held(&core) > 0);
	/* readers go on, and do not see the change */
	assert_int_equal(tmplstore_get(store(), "Stalled", &got), TMPL_ENOENT);
	assert_int_equal(tmplstore_get(store(), "User", &got), 0);
	t = snap(&n);
	assert_int_equal(n, n0);
	free(t);
	core_ledger_hold(&core, 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	if (a.rc != 0)
		fail_msg("add: %s", a.err);
	assert_int_equal(tmplstore_get(store(), "Stalled", &got), 0);
	expect_reload_same();
}

/* ---- the ledger's content is checked again at load ---- */

/* An event appended behind the custodian's back (straight to the ledger) whose
 * text the policy refuses: the load fails, naming the template and its event. */
static void append_raw(uint32_t action, const char *name, uint32_t major, uint32_t minor,
		       const char *text)
{
	struct ledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_TEMPLATE_CHANGED;
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = "mallory";
	ev.u.tmpl = (struct ev_template){action, name, major, minor,
					 {(const uint8_t *)text, text != NULL ? strlen(text) : 0}};
	if (ledger_append(core.ledger, &ev, NULL, err, sizeof(err)) != LEDGER_OK)
		fail_msg("raw append: %s", err);
}

static void expect_load_fails(const char *says)
{
	struct tmplstore fresh;

	assert_int_equal(tmplstore_init(&fresh), 0);
	err[0] = 0;
	assert_int_equal(tmplstore_load(&fresh, rec(), err, sizeof(err)), -1);
	if (strstr(err, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, says);
	tmplstore_free(&fresh);
}

static void test_load_checks_the_ledger(void **state)
{
	char text[TEMPLATE_TEXT_MAX + 64];
	size_t len;

	(void)state;
	append_raw(LEDGER_TEMPLATE_ADDED, "Junk", 1, 0, "not a template\n");
	expect_load_fails("template Junk (ledger event");
	append_raw(LEDGER_TEMPLATE_REMOVED, "Junk", 1, 0, NULL);
	expect_reload_same();

	/* parses, but breaks a rule */
	len = text_of("Bent", "1.3.6.1.4.1.99999.7.6", text);
	snprintf(text + len, sizeof(text) - len, "path_length = 1\n");
	append_raw(LEDGER_TEMPLATE_ADDED, "Bent", 1, 0, text);
	expect_load_fails("path_length needs ca = yes");
	append_raw(LEDGER_TEMPLATE_REMOVED, "Bent", 1, 0, NULL);

	/* a text that says another name or version than its event */
	len = text_of("Liar", "1.3.6.1.4.1.99999.7.7", text);
	append_raw(LEDGER_TEMPLATE_ADDED, "Liar", 1, 1, text);
	expect_load_fails("its text says Liar version 1.0, its event Liar version 1.1");
	append_raw(LEDGER_TEMPLATE_REMOVED, "Liar", 1, 1, NULL);
	append_raw(LEDGER_TEMPLATE_ADDED, "Imposter", 1, 0, text);
	expect_load_fails("says Liar");
	append_raw(LEDGER_TEMPLATE_REMOVED, "Imposter", 1, 0, NULL);

	/* two live templates with one OID */
	len = text_of("Twin", "1.3.6.1.4.1.311.21.8.1.1", text);
	append_raw(LEDGER_TEMPLATE_ADDED, "Twin", 1, 0, text);
	expect_load_fails("is another template's");
	append_raw(LEDGER_TEMPLATE_REMOVED, "Twin", 1, 0, NULL);
	expect_reload_same();

	/* more live templates than the store holds */
	{
		size_t n;
		struct template *t = snap(&n);
		char name[32], oid[64];

		free(t);
		for (int i = 0; n <= TMPLSTORE_MAX; i++, n++) {
			snprintf(name, sizeof(name), "Many%02d", i);
			snprintf(oid, sizeof(oid), "1.3.6.1.4.1.99999.6.%d", i);
			text_of(name, oid, text);
			append_raw(LEDGER_TEMPLATE_ADDED, name, 1, 0, text);
		}
		expect_load_fails("the ledger holds more than 64 live templates");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_first_load_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_not_resumed_after_a_change, setup,
						teardown),
		cmocka_unit_test(test_defaults_completed_after_a_cut),
		cmocka_unit_test(test_defaults_not_resumed_over_others),
		cmocka_unit_test_teardown(test_defaults_on_a_full_ledger, teardown),
		cmocka_unit_test(test_defaults_ledger_fails_at_start),
		cmocka_unit_test(test_load_refuses_forged_answers),
		cmocka_unit_test_setup_teardown(test_add_set_del_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_refuses_or_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_stalls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_checks_the_ledger, setup, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
