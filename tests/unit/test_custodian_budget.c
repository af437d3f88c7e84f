/* The journal budget for refusals and failed logons (firmware/custodian/
 * authlog.c: bursts_start, bursts_note, bursts_count, bursts_stop) driven
 * directly, against a real ledger in a temporary directory served by
 * ledger_serve on a socketpair and reached through the custodian's record.c:
 * ca.conf's bounds refused with their messages; a burst's first events left to
 * the caller, the rest counted and journaled as one record when the burst goes
 * quiet (the fields the events did not share as "*"), or at the maximum
 * interval while it goes on; the global rate's overflow under "*", a refused
 * request's summary as a request and a failed disposition in one commit; a
 * ledger that refuses (its reserve reached: the ledger's own refusal, not a
 * forged one): the count kept and merged with what is counted after, one
 * warning a round, each loss at shutdown logged with its whole count; the
 * table full (who gives up a slot, and whose count is journaled then). The clock is the real one:
 * the flusher ticks every second. */
#include <pthread.h>
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

#include "config.h"
#include "firmware/custodian/authlog.h"
#include "firmware/custodian/record.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/serve.h"
#include "firmware/ledger/store.h"
#include "platform/conf.h"
#include "tests/unit/support/stderr_capture.h"

/* ---- a real ledger, served as the custodian reaches it ------------------------- */

static char ledger_dir[64];
static struct ledger *ledger;
static struct record rec;
static pthread_t server;
static int sv[2], served_rc;
static struct bursts *budget;
static char strbuf[LEDGER_STRBUF];

static void *serve_ledger(void *arg)
{
	(void)arg;
	served_rc = ledger_serve(ledger, sv[0], "custodian", 1);
	return NULL;
}

static int setup(void **state)
{
	static const uint8_t cert[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct ledger_event ev;
	char err[256];

	(void)state;
	budget = NULL;
	snprintf(ledger_dir, sizeof ledger_dir, "/tmp/test-budget-XXXXXX");
	if (mkdtemp(ledger_dir) == NULL || ledger_open(ledger_dir, 0, &ledger, err, sizeof err) != 0)
		return -1;
	memset(&ev, 0, sizeof ev);
	ev.type = EV_GENESIS;
	ev.actor_kind = ACTOR_CA;
	ev.actor = "CA";
	ev.u.genesis.ca_cert.p = cert;
	ev.u.genesis.ca_cert.len = sizeof cert;
	if (ledger_append(ledger, &ev, NULL, err, sizeof err) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pthread_create(&server, NULL, serve_ledger, NULL) != 0)
		return -1;
	return record_start(&rec, sv[1]);
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	log_end(); /* a failed test's capture, if any */
	bursts_stop(budget);
	budget = NULL;
	record_stop(&rec); /* the channel closed: the server returns 0 */
	pthread_join(server, NULL);
	close(sv[0]);
	ledger_close(ledger);
	/* The ledger's region directory (store.c) goes with its data directory. */
	snprintf(cmd, sizeof cmd, "[ -f '%s/ledger/region-id' ] && rm -rf %s/ca-ledger-$(cat "
		 "'%s/ledger/region-id')", ledger_dir, CONFIG_LEDGER_REGION_DIR, ledger_dir);
	if (system(cmd) < 0)
		return -1;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", ledger_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static uint64_t head(void)
{
	uint8_t hash[LEDGER_HASH_LEN];
	uint64_t seq;

	ledger_head(ledger, &seq, hash);
	return seq;
}

/* The ledger's event seq, decoded into *ev (strings in strbuf). */
static void event_at(uint64_t seq, struct ledger_event *ev)
{
	uint8_t *r = NULL;
	size_t len = 0;
	char err[256];

	assert_int_equal(ledger_get_record(ledger, seq, &r, &len), 0);
	if (ledger_record_decode(r, len, ev, strbuf, sizeof strbuf, err, sizeof err) != 0)
		fail_msg("event %llu: %s", (unsigned long long)seq, err);
	free(r);
}

/* Waits (up to 6 s: quiet or max is 1 s, the flusher ticks every second) until
 * the ledger's head passes seq: the new head. */
static uint64_t wait_past(uint64_t seq)
{
	for (int i = 0; i < 60 && head() <= seq; i++)
		usleep(100 * 1000);
	assert_true(head() > seq);
	return head();
}

/* The logon-refused events journaled after the genesis (the ledger's own
 * low-space warning, journaled when its reserve is reached, is not one). */
static unsigned logons(void)
{
	struct ledger_event ev;
	unsigned n = 0;

	for (uint64_t s = 2; s <= head(); s++) {
		event_at(s, &ev);
		n += ev.type == EV_LOGON_REFUSED;
	}
	return n;
}

/* bursts_start with ca.conf's "key", "value" pairs (NULL-terminated). */
static int start(const char *const *kv, char *err, size_t errlen)
{
	struct conf c;

	memset(&c, 0, sizeof c);
	for (size_t i = 0; kv != NULL && kv[i] != NULL; i += 2)
		assert_int_equal(conf_set(&c, kv[i], kv[i + 1]), 0);
	return bursts_start(&budget, &c, &rec, err, errlen);
}

static void started(const char *const *kv)
{
	char err[256];

	if (start(kv, err, sizeof err) != 0)
		fail_msg("bursts_start: %s", err);
}

static struct burst_event logon(const char *peer, const char *account, const char *text)
{
	return (struct burst_event){BURST_LOGON, LOGON_NTLM_REFUSED, peer, account,
				    account[0] != 0, text, NULL};
}

/* ---- ca.conf -------------------------------------------------------------------- */

static void test_conf_refused(void **state)
{
	static const struct {
		const char *key, *bad, *msg;
	} cases[] = {
		{"journal_burst_quiet", "0", "ca.conf: journal_burst_quiet must be 1..3600"},
		{"journal_burst_quiet", "3601", "ca.conf: journal_burst_quiet must be 1..3600"},
		{"journal_burst_max", "86401", "ca.conf: journal_burst_max must be 1..86400"},
		{"journal_burst_first", "0", "ca.conf: journal_burst_first must be 1..1000"},
		{"journal_burst_first", "1001", "ca.conf: journal_burst_first must be 1..1000"},
		{"journal_refusal_rate", "10001", "ca.conf: journal_refusal_rate must be 1..10000"},
		{"journal_refusal_rate", "5s", "ca.conf: journal_refusal_rate must be 1..10000"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *kv[] = {cases[i].key, cases[i].bad, NULL};

		err[0] = 0;
		assert_int_equal(start(kv, err, sizeof err), -1);
		assert_null(budget);
		assert_string_equal(err, cases[i].msg);
	}
	/* the defaults start */
	started(NULL);
	assert_non_null(budget);
}

/* Without a budget (NULL), every event is the caller's to journal. */
static void test_no_budget(void **state)
{
	struct burst_event e = logon("192.0.2.1", "", "x");

	(void)state;
	assert_int_equal(bursts_note(NULL, &e), 1);
	bursts_count(NULL, &e);
	bursts_stop(NULL);
	assert_int_equal(head(), 1); /* nothing journaled */
}

/* The first two of a burst are the caller's; the next three are counted and
 * journaled as one record when the burst goes quiet: the address they shared,
 * "*" for the accounts they did not, the last one's detail. */
static void test_quiet_burst_summary(void **state)
{
	static const char *const kv[] = {"journal_burst_first", "2", "journal_burst_quiet", "1",
					 NULL};
	static const char *const who[] = {"alice", "alice", "alice", "bob", "alice"};
	struct ledger_event ev;
	char text[32];
	uint64_t h;
	int64_t t0 = (int64_t)time(NULL);

	(void)state;
	started(kv);
	for (int i = 0; i < 5; i++) {
		struct burst_event e;

		snprintf(text, sizeof text, "attempt %d", i);
		e = logon("192.0.2.7", who[i], text);
		assert_int_equal(bursts_note(budget, &e), i < 2 ? 1 : 0);
	}
	assert_int_equal(head(), 1); /* nothing yet: the burst is on */
	h = wait_past(1);
	assert_int_equal(h, 2);
	event_at(2, &ev);
	assert_int_equal(ev.type, EV_LOGON_REFUSED);
	assert_int_equal(ev.actor_kind, ACTOR_REQUESTER);
	assert_string_equal(ev.actor, LOGON_ACTOR);
	assert_int_equal(ev.u.logon.action, LOGON_NTLM_REFUSED);
	assert_int_equal(ev.u.logon.count, 3);
	assert_string_equal(ev.u.logon.peer, "192.0.2.7");
	assert_string_equal(ev.u.logon.claimed, LEDGER_MANY);
	assert_string_equal(ev.u.logon.detail, "attempt 4");
	assert_true(ev.u.logon.since >= t0 && ev.u.logon.since <= (int64_t)time(NULL));
	/* the burst ended: the same address opens a new one, the caller's again */
	{
		struct burst_event e = logon("192.0.2.7", "alice", "again");

		assert_int_equal(bursts_note(budget, &e), 1);
	}
	bursts_stop(budget);
	budget = NULL;
	assert_int_equal(head(), 2); /* nothing was counted since */
}

/* A burst that never goes quiet has its count journaled at journal_burst_max
 * and goes on counting. */
static void test_max_interval(void **state)
{
	static const char *const kv[] = {"journal_burst_first", "1", "journal_burst_quiet",
					 "3600", "journal_burst_max", "1", NULL};
	struct burst_event e = logon("198.51.100.9", "", "flood");
	struct ledger_event ev;
	uint64_t h;

	(void)state;
	started(kv);
	assert_int_equal(bursts_note(budget, &e), 1);
	assert_int_equal(bursts_note(budget, &e), 0);
	assert_int_equal(bursts_note(budget, &e), 0);
	h = wait_past(1);
	event_at(h, &ev);
	assert_int_equal(ev.u.logon.count, 2);
	assert_string_equal(ev.u.logon.peer, "198.51.100.9");
	assert_string_equal(ev.u.logon.claimed, "");
	/* still on: counted, not the caller's */
	assert_int_equal(bursts_note(budget, &e), 0);
	h = wait_past(h);
	event_at(h, &ev);
	assert_int_equal(ev.u.logon.count, 1);
	/* at shutdown: nothing left to journal */
	bursts_stop(budget);
	budget = NULL;
	assert_int_equal(head(), h);
}

/* journal_refusal_rate 1: ten seconds' worth (10 events) are journaled one by one
 * whatever the keys; beyond, refusals of new addresses are counted under the
 * kind's overflow key whatever their code, and journaled at shutdown as one
 * refused request (FMT_DIGEST, its tail) and its failed disposition. */
static void test_rate_overflow(void **state)
{
	static const char *const kv[] = {"journal_refusal_rate", "1", "journal_burst_first", "1",
					 "journal_burst_quiet", "3600", NULL};
	uint8_t digest[LEDGER_DIGEST_LEN];
	struct ledger_event ev;
	char peer[32];
	int one_by_one = 0;

	(void)state;
	memset(digest, 0xd1, sizeof digest);
	started(kv);
	/* new addresses until the bucket is spent: ten, or one more for each second
	 * a loaded machine took meanwhile */
	for (int i = 0; i < 30; i++) {
		struct burst_event e = {BURST_REFUSAL, 0x80070057, peer, "", 0, "too big", digest};
		int r;

		snprintf(peer, sizeof peer, "203.0.113.%d", i);
		if ((r = bursts_note(budget, &e)) == 0)
			break; /* the first overflow */
		one_by_one += r;
	}
	assert_true(one_by_one >= 10 && one_by_one < 30);
	/* the next, of another code and account, right after: the same overflow */
	{
		struct burst_event e = {BURST_REFUSAL, 0x80094001u, "203.0.113.101",
					"EXAMPLE\\eve", 0, "bad format", digest};

		assert_int_equal(bursts_note(budget, &e), 0);
	}
	assert_int_equal(head(), 1);
	bursts_stop(budget); /* shutdown: every count journaled */
	budget = NULL;
	assert_int_equal(head(), 3);
	event_at(2, &ev);
	assert_int_equal(ev.type, EV_REQUEST_RECEIVED);
	assert_int_equal(ev.u.request.format, FMT_DIGEST);
	assert_int_equal(ev.u.request.count, 2);
	assert_string_equal(ev.u.request.peer, LEDGER_MANY);
	assert_string_equal(ev.u.request.requester, LEDGER_MANY); /* "" then eve */
	assert_int_equal(ev.u.request.raw.len, LEDGER_DIGEST_LEN);
	assert_memory_equal(ev.u.request.raw.p, digest, LEDGER_DIGEST_LEN);
	event_at(3, &ev);
	assert_int_equal(ev.type, EV_DISPOSITION);
	assert_int_equal(ev.u.disposition.disposition, DISP_FAILED);
	assert_int_equal(ev.u.disposition.hresult, 0x80094001u); /* the last one's */
	assert_string_equal(ev.u.disposition.message, "bad format");
}

/* The ledger refuses (ordinary work reached its reserve; ledger_space_watch
 * cannot be undone, so the ledger refuses to the end): the summary's count is
 * kept, with one warning for the round (the other burst's summary goes back
 * untried), and merged with what is counted after. */
static void test_ledger_refuses(void **state)
{
	static const char *const kv[] = {"journal_burst_first", "1", "journal_burst_quiet", "1",
					 NULL};
	struct burst_event a = logon("192.0.2.50", "", "a"), b = logon("192.0.2.51", "", "b");
	char err[256];

	(void)state;
	assert_int_equal(ledger_space_watch(ledger, 1u << 30, 0, err, sizeof err), 0);
	started(kv);
	log_begin();
	assert_int_equal(bursts_note(budget, &a), 1);
	assert_int_equal(bursts_note(budget, &a), 0);
	assert_int_equal(bursts_note(budget, &b), 1);
	assert_int_equal(bursts_note(budget, &b), 0);
	/* both bursts quiet after a second: the first summary refused, the round ends */
	sleep(3);
	log_end_quiet();
	assert_logged("journal budget: a count of 1 not journaled yet: ");
	/* one warning for the round (the retry waits 30 s) */
	assert_null(strstr(strstr(logged, "not journaled yet") + 1, "not journaled yet"));
	assert_int_equal(logons(), 0);
	/* counted while the ledger refused (handle_auth_event's path): with the count
	 * kept, they make one summary of 3 for the first address; the other's 1
	 * went back untried. At shutdown, the ledger still refusing, each is tried
	 * once and its loss logged with its whole count. */
	bursts_count(budget, &a);
	bursts_count(budget, &a);
	log_begin();
	bursts_stop(budget);
	budget = NULL;
	log_end_quiet();
	assert_logged("journal budget: a count of 3 not journaled yet: ");
	assert_logged("journal budget: a count of 1 not journaled yet: ");
	assert_int_equal(logons(), 0);
}

/* At shutdown with the ledger refusing: each count tried once, each loss logged. */
static void test_shutdown_refused(void **state)
{
	static const char *const kv[] = {"journal_burst_first", "1", "journal_burst_quiet",
					 "3600", NULL};
	struct burst_event a = logon("192.0.2.60", "", "a"), b = logon("192.0.2.61", "", "b");
	char err[256];

	(void)state;
	started(kv);
	assert_int_equal(bursts_note(budget, &a), 1);
	assert_int_equal(bursts_note(budget, &a), 0);
	assert_int_equal(bursts_note(budget, &b), 1);
	assert_int_equal(bursts_note(budget, &b), 0);
	assert_int_equal(bursts_note(budget, &b), 0);
	assert_int_equal(ledger_space_watch(ledger, 1u << 30, 0, err, sizeof err), 0);
	log_begin();
	bursts_stop(budget);
	budget = NULL;
	log_end_quiet();
	assert_logged("journal budget: a count of 1 not journaled yet: ");
	assert_logged("journal budget: a count of 2 not journaled yet: ");
	assert_int_equal(logons(), 0);
}

/* The table's 256 slots full: a new burst takes the least recently seen slot;
 * one that counted nothing goes silently, one that counted has its count
 * journaled by the caller that needed the slot (an address's and an account's
 * in one note; bursts_count's too). */
static void test_table_full(void **state)
{
	static const char *const kv[] = {"journal_refusal_rate", "10000", "journal_burst_first",
					 "1", "journal_burst_quiet", "3600", NULL};
	struct ledger_event ev;
	char peer[32];
	unsigned found = 0;

	(void)state;
	started(kv);
	for (int i = 0; i < 256; i++) {
		struct burst_event e;

		snprintf(peer, sizeof peer, "10.1.%d.%d", i / 256, i % 256);
		e = logon(peer, "", "fill");
		assert_int_equal(bursts_note(budget, &e), 1);
	}
	/* a new address while every slot counted nothing: the oldest goes silently */
	{
		struct burst_event e = logon("10.2.0.1", "", "new");

		assert_int_equal(bursts_note(budget, &e), 1);
	}
	assert_int_equal(logons(), 0);
	/* every address counts one more, 10.1.0.1 and 10.1.0.2 first: they are now the
	 * least recently seen, each with a count */
	for (int i = 1; i < 256; i++) {
		struct burst_event e;

		snprintf(peer, sizeof peer, "10.1.%d.%d", i / 256, i % 256);
		e = logon(peer, "", "counted");
		assert_int_equal(bursts_note(budget, &e), 0);
	}
	{
		struct burst_event e = logon("10.2.0.1", "", "counted");

		assert_int_equal(bursts_note(budget, &e), 0);
	}
	/* a new address with an account: two slots taken, two counts journaled */
	{
		struct burst_event e = logon("10.3.0.1", "mallory", "new");

		assert_int_equal(bursts_note(budget, &e), 1);
	}
	assert_int_equal(logons(), 2);
	/* a count of a new address (the ledger could not take it): its slot's
	 * former holder's count is journaled too */
	{
		struct burst_event e = logon("10.4.0.1", "", "counted");

		bursts_count(budget, &e);
	}
	assert_int_equal(logons(), 3);
	for (uint64_t seq = 2; seq <= head(); seq++) {
		event_at(seq, &ev);
		if (ev.type != EV_LOGON_REFUSED)
			continue;
		assert_int_equal(ev.u.logon.count, 1);
		assert_string_equal(ev.u.logon.detail, "counted");
		found += strcmp(ev.u.logon.peer, "10.1.0.1") == 0 ||
			 strcmp(ev.u.logon.peer, "10.1.0.2") == 0 ||
			 strcmp(ev.u.logon.peer, "10.1.0.3") == 0;
	}
	assert_int_equal(found, 3);
}

/* A burst still among its first events when the global bucket is spent: counted,
 * not the caller's. */
static void test_first_without_token(void **state)
{
	static const char *const kv[] = {"journal_refusal_rate", "1", "journal_burst_first",
					 "5", "journal_burst_quiet", "3600", NULL};
	struct burst_event e = logon("192.0.2.90", "", "x");
	char peer[32];
	int spent = 0;

	(void)state;
	started(kv);
	assert_int_equal(bursts_note(budget, &e), 1); /* opens the burst: seen 1 of 5 */
	/* other addresses spend the bucket */
	for (int i = 0; i < 30 && !spent; i++) {
		struct burst_event o;

		snprintf(peer, sizeof peer, "192.0.2.%d", 100 + i);
		o = logon(peer, "", "y");
		spent = bursts_note(budget, &o) == 0;
	}
	assert_true(spent);
	assert_int_equal(bursts_note(budget, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conf_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quiet_burst_summary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_interval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ledger_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_without_token, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
