/* firmware/ledger store, index rules and verify, in-process against a real Berkeley
 * DB environment in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "config.h"
#include "firmware/ledger/ledger_int.h"
#include "firmware/ledger/store.h"

static char dir[] = "/tmp/test-ledger-XXXXXX";
static char err[512];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test-ledger-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	/* The ledger's region directory (store.c) goes with its data directory. */
	snprintf(cmd, sizeof(cmd), "[ -f '%s/ledger/region-id' ] && rm -rf %s/ca-ledger-$(cat "
		 "'%s/ledger/region-id')", dir, CONFIG_LEDGER_REGION_DIR, dir);
	if (system(cmd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct ledger *open_ledger(int flags)
{
	struct ledger *l;

	assert_int_equal(ledger_open(dir, flags, &l, err, sizeof(err)), 0);
	return l;
}

static void base(struct ledger_event *ev, uint32_t type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->actor_kind = ACTOR_CA;
	ev->actor = "CA";
}

static int genesis(struct ledger *l)
{
	static const uint8_t cert[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct ledger_event ev;

	base(&ev, EV_GENESIS);
	ev.u.genesis.ca_cert.p = cert;
	ev.u.genesis.ca_cert.len = sizeof(cert);
	return ledger_append(l, &ev, NULL, err, sizeof(err));
}

/* A request; returns the id the ledger assigned. */
static uint32_t request(struct ledger *l, const char *who)
{
	static const uint8_t raw[] = "not really a CSR";
	struct ledger_event ev;

	base(&ev, EV_REQUEST_RECEIVED);
	ev.actor_kind = ACTOR_REQUESTER;
	ev.actor = who;
	ev.u.request.format = FMT_PKCS10;
	ev.u.request.requester = who;
	ev.u.request.raw.p = raw;
	ev.u.request.raw.len = sizeof(raw);
	ev.u.request.attributes = "CertificateTemplate:User";
	assert_int_equal(ledger_append(l, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	return ev.u.request.request_id;
}

static int disposition(struct ledger *l, uint32_t id, uint32_t disp)
{
	struct ledger_event ev;

	base(&ev, EV_DISPOSITION);
	ev.u.disposition.request_id = id;
	ev.u.disposition.disposition = disp;
	ev.u.disposition.message = "by test";
	return ledger_append(l, &ev, NULL, err, sizeof(err));
}

static int intent(struct ledger *l, uint32_t id, const uint8_t *serial, size_t n)
{
	struct ledger_event ev;

	base(&ev, EV_CERT_INTENT);
	ev.u.intent.request_id = id;
	ev.u.intent.serial.p = serial;
	ev.u.intent.serial.len = n;
	ev.u.intent.not_before = 1000;
	ev.u.intent.not_after = 2000;
	return ledger_append(l, &ev, NULL, err, sizeof(err));
}

static int issued(struct ledger *l, uint32_t id, const uint8_t *serial, size_t n)
{
	static const uint8_t cert[] = {0x30, 0x00};
	struct ledger_event ev;

	base(&ev, EV_CERT_ISSUED);
	ev.u.issued.request_id = id;
	ev.u.issued.serial.p = serial;
	ev.u.issued.serial.len = n;
	ev.u.issued.not_before = 1000;
	ev.u.issued.not_after = 2000;
	ev.u.issued.cert.p = cert;
	ev.u.issued.cert.len = sizeof(cert);
	return ledger_append(l, &ev, NULL, err, sizeof(err));
}

static int revocation(struct ledger *l, uint32_t type, const uint8_t *serial, size_t n,
		  uint32_t reason)
{
	struct ledger_event ev;

	base(&ev, type);
	ev.u.revocation.serial.p = serial;
	ev.u.revocation.serial.len = n;
	ev.u.revocation.reason = reason;
	ev.u.revocation.revoked_at = type == EV_CERT_REVOKED ? 1500 : 0;
	return ledger_append(l, &ev, NULL, err, sizeof(err));
}

static void expect_verified(struct ledger *l, uint64_t events)
{
	uint64_t n;
	int rc = ledger_verify(l, &n, err, sizeof(err));

	if (rc != 0)
		fail_msg("verify: %s", err);
	assert_int_equal(n, events);
}

static void test_genesis_first_and_once(void **state)
{
	struct ledger *l = open_ledger(0);
	uint64_t seq;

	(void)state;
	assert_int_equal(disposition(l, 1, DISP_PENDING), LEDGER_EINVAL);
	assert_non_null(strstr(err, "genesis"));
	assert_int_equal(genesis(l), LEDGER_OK);
	assert_int_equal(genesis(l), LEDGER_EINVAL);
	ledger_head(l, &seq, NULL);
	assert_int_equal(seq, 1);
	expect_verified(l, 1);
	ledger_close(l);
}

static void test_request_lifecycle(void **state)
{
	static const uint8_t serial[] = {0x12, 0x34, 0x56};
	struct ledger_request_row row;
	struct ledger_cert_row cert;
	struct ledger *l = open_ledger(0);
	uint32_t a, b;
	uint64_t seq;

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	a = request(l, "EXAMPLE\\alice");
	b = request(l, "EXAMPLE\\bob");
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(disposition(l, a, DISP_PENDING), LEDGER_OK);
	assert_int_equal(ledger_get_request(l, a, &row), LEDGER_OK);
	assert_int_equal(row.disposition, DISP_PENDING);
	assert_string_equal(row.requester, "EXAMPLE\\alice");

	/* persist, then sign: no certificate without its intent */
	assert_int_equal(issued(l, a, serial, sizeof(serial)), LEDGER_EINVAL);
	assert_int_equal(disposition(l, a, DISP_ISSUED), LEDGER_EINVAL);
	assert_int_equal(intent(l, a, serial, sizeof(serial)), LEDGER_OK);
	/* a serial is never reused, not even by another request */
	assert_int_equal(intent(l, b, serial, sizeof(serial)), LEDGER_EINVAL);
	assert_int_equal(issued(l, b, serial, sizeof(serial)), LEDGER_EINVAL);
	assert_int_equal(issued(l, a, serial, sizeof(serial)), LEDGER_OK);
	assert_int_equal(disposition(l, a, DISP_ISSUED), LEDGER_OK);
	assert_int_equal(ledger_get_cert(l, serial, sizeof(serial), &cert), LEDGER_OK);
	assert_int_equal(cert.request_id, a);
	assert_int_equal(ledger_get_request(l, a, &row), LEDGER_OK);
	assert_int_equal(row.disposition, DISP_ISSUED);
	assert_int_equal(row.serial_len, sizeof(serial));
	assert_int_equal(row.not_after, 2000);
	assert_true(row.resolved > 0);
	/* a final disposition is final */
	assert_int_equal(disposition(l, a, DISP_DENIED), LEDGER_EINVAL);

	/* hold, release, revoke for good; then nothing more */
	assert_int_equal(revocation(l, EV_CERT_UNREVOKED, serial, sizeof(serial), 0), LEDGER_EINVAL);
	assert_int_equal(revocation(l, EV_CERT_REVOKED, serial, sizeof(serial), 6), LEDGER_OK);
	assert_int_equal(revocation(l, EV_CERT_REVOKED, serial, sizeof(serial), 6), LEDGER_EINVAL);
	if (revocation(l, EV_CERT_UNREVOKED, serial, sizeof(serial), 0) != LEDGER_OK)
		fail_msg("unrevoke: %s", err);
	assert_int_equal(ledger_get_request(l, a, &row), LEDGER_OK);
	assert_int_equal(row.disposition, DISP_ISSUED);
	assert_int_equal(revocation(l, EV_CERT_REVOKED, serial, sizeof(serial), 6), LEDGER_OK);
	assert_int_equal(revocation(l, EV_CERT_REVOKED, serial, sizeof(serial), 1), LEDGER_OK);
	assert_int_equal(revocation(l, EV_CERT_REVOKED, serial, sizeof(serial), 4), LEDGER_EINVAL);
	assert_int_equal(revocation(l, EV_CERT_UNREVOKED, serial, sizeof(serial), 0), LEDGER_EINVAL);
	assert_int_equal(ledger_get_request(l, a, &row), LEDGER_OK);
	assert_int_equal(row.disposition, DISP_REVOKED);
	assert_int_equal(row.revoked_reason, 1);

	/* refusals wrote nothing: the chain is exactly the accepted events */
	ledger_head(l, &seq, NULL);
	assert_int_equal(seq, 11);
	expect_verified(l, 11);
	ledger_close(l);

	/* and all of it is there after a reopen */
	l = open_ledger(0);
	ledger_head(l, &seq, NULL);
	assert_int_equal(seq, 11);
	assert_int_equal(request(l, "EXAMPLE\\carol"), 3);
	expect_verified(l, 12);
	ledger_close(l);
}

/* A request's link (issue 16): the CA's finding about a request that exists,
 * in its group (request id 0) or after; never a requester's, never for a
 * request that is not there; it changes nothing of the request's row. */
static void test_request_links(void **state)
{
	static const uint8_t raw[] = "a CMS request", old[] = {0x0a, 0x0b};
	struct ledger_event req, link;
	struct ledger_event *evs[2] = {&req, &link};
	struct ledger_request_row row;
	struct ledger *l = open_ledger(LEDGER_NOSYNC);
	uint64_t seq;

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	base(&req, EV_REQUEST_RECEIVED);
	req.actor_kind = ACTOR_REQUESTER;
	req.actor = "EXAMPLE\\agent";
	req.u.request.format = FMT_CMS;
	req.u.request.requester = "EXAMPLE\\agent";
	req.u.request.raw.p = raw;
	req.u.request.raw.len = sizeof(raw);
	req.u.request.attributes = "";
	base(&link, EV_REQUEST_LINK);
	link.u.link.kind = LEDGER_LINK_ON_BEHALF;
	link.u.link.serial.p = old;
	link.u.link.serial.len = sizeof(old);
	link.u.link.account = "EXAMPLE\\bob";
	if (ledger_append_group(l, evs, 2, NULL, err, sizeof(err)) != LEDGER_OK)
		fail_msg("%s", err);
	assert_int_equal(link.u.link.request_id, 1);
	assert_int_equal(ledger_get_request(l, 1, &row), LEDGER_OK);
	assert_string_equal(row.requester, "EXAMPLE\\agent");
	/* a renewal's link later, by id */
	base(&link, EV_REQUEST_LINK);
	link.u.link.request_id = 1;
	link.u.link.kind = LEDGER_LINK_RENEWAL;
	link.u.link.serial.p = old;
	link.u.link.serial.len = sizeof(old);
	link.u.link.account = "EXAMPLE\\bob";
	assert_int_equal(ledger_append(l, &link, NULL, err, sizeof(err)), LEDGER_OK);
	/* refused: a request that is not there; a requester as actor; no kind */
	link.u.link.request_id = 2;
	assert_int_equal(ledger_append(l, &link, NULL, err, sizeof(err)), LEDGER_EINVAL);
	link.u.link.request_id = 1;
	link.actor_kind = ACTOR_REQUESTER;
	assert_int_equal(ledger_append(l, &link, NULL, err, sizeof(err)), LEDGER_EINVAL);
	assert_non_null(strstr(err, "the actor must be the CA"));
	link.actor_kind = ACTOR_CA;
	link.u.link.kind = 3;
	assert_int_equal(ledger_append(l, &link, NULL, err, sizeof(err)), LEDGER_EINVAL);
	ledger_head(l, &seq, NULL);
	assert_int_equal(seq, 4);
	expect_verified(l, 4);
	ledger_close(l);
}

/* A group is recorded whole (later members' request id 0 naming the group's
 * request) or not at all: a refused member leaves no trace, not even the
 * request id it would have taken. */
static void test_groups_all_or_nothing(void **state)
{
	static const uint8_t raw[] = "a request";
	static const uint8_t s1[] = {0x11}, s2[] = {0x22};
	struct ledger_event req, in, bad;
	struct ledger_event *evs[2];
	struct ledger_request_row row;
	uint8_t hashes[2][LEDGER_HASH_LEN], head_hash[LEDGER_HASH_LEN];
	uint64_t head;
	struct ledger *l = open_ledger(LEDGER_NOSYNC);

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	base(&req, EV_REQUEST_RECEIVED);
	req.u.request.format = FMT_PKCS10;
	req.u.request.requester = "EXAMPLE\\alice";
	req.u.request.raw.p = raw;
	req.u.request.raw.len = sizeof(raw);
	req.u.request.attributes = "";
	base(&in, EV_CERT_INTENT);
	in.u.intent.serial.p = s1;
	in.u.intent.serial.len = sizeof(s1);
	in.u.intent.not_before = 1000;
	in.u.intent.not_after = 2000;
	evs[0] = &req;
	evs[1] = &in;
	assert_int_equal(ledger_append_group(l, evs, 2, hashes, err, sizeof(err)), LEDGER_OK);
	assert_int_equal(req.u.request.request_id, 1);
	assert_int_equal(in.seq, req.seq + 1);
	assert_int_equal(in.u.intent.request_id, 1); /* filled in from the group */
	assert_memory_equal(in.prev, hashes[0], LEDGER_HASH_LEN);

	/* The second member names request 99, which does not exist: nothing of the
	 * group is kept. */
	ledger_head(l, &head, head_hash);
	req.u.request.request_id = 0;
	base(&bad, EV_CERT_INTENT);
	bad.u.intent.request_id = 99;
	bad.u.intent.serial.p = s2;
	bad.u.intent.serial.len = sizeof(s2);
	bad.u.intent.not_before = 1000;
	bad.u.intent.not_after = 2000;
	evs[1] = &bad;
	assert_int_equal(ledger_append_group(l, evs, 2, NULL, err, sizeof(err)), LEDGER_EINVAL);
	{
		uint64_t head2;
		uint8_t hash2[LEDGER_HASH_LEN];

		ledger_head(l, &head2, hash2);
		assert_int_equal(head2, head);
		assert_memory_equal(hash2, head_hash, LEDGER_HASH_LEN);
	}
	assert_int_equal(ledger_get_request(l, 2, &row), LEDGER_ENOTFOUND);
	/* The next request still gets id 2, and the refused serial is free. */
	assert_int_equal(request(l, "EXAMPLE\\bob"), 2);
	assert_int_equal(intent(l, 2, s2, sizeof(s2)), LEDGER_OK);
	/* Malformed groups: a request not first, too many members. */
	evs[0] = &in;
	evs[1] = &req;
	assert_int_equal(ledger_append_group(l, evs, 2, NULL, err, sizeof(err)), LEDGER_EINVAL);
	assert_int_equal(ledger_append_group(l, evs, 5, NULL, err, sizeof(err)), LEDGER_EINVAL);
	expect_verified(l, 5);
	ledger_close(l);
}

struct page {
	uint8_t serial[4][LEDGER_SERIAL_MAX];
	uint32_t reason[4];
	size_t n;
};

static int collect_revoked(const uint8_t *serial, size_t len,
			   const struct ledger_revoked_row *row, void *arg)
{
	struct page *p = arg;

	assert_true(p->n < 4 && len == 1);
	memcpy(p->serial[p->n], serial, len);
	p->reason[p->n++] = row->reason;
	return 0;
}

/* The revoked set is read in serial order, a page at a time; a released hold
 * stays in it as removeFromCRL (8) for the next delta CRL. */
static void test_revoked_pages(void **state)
{
	static const uint8_t serials[3][1] = {{0x31}, {0x12}, {0x23}};
	struct page p = {0};
	int more = 0;
	struct ledger *l = open_ledger(LEDGER_NOSYNC);

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	for (int i = 0; i < 3; i++) {
		uint32_t id = request(l, "EXAMPLE\\carol");

		assert_int_equal(intent(l, id, serials[i], 1), LEDGER_OK);
		assert_int_equal(issued(l, id, serials[i], 1), LEDGER_OK);
		assert_int_equal(revocation(l, EV_CERT_REVOKED, serials[i], 1, i == 1 ? 6 : 1),
				 LEDGER_OK);
	}
	assert_int_equal(ledger_revoked_page(l, NULL, 0, 2, collect_revoked, &p, &more), 2);
	assert_true(more);
	assert_int_equal(p.serial[0][0], 0x12);
	assert_int_equal(p.serial[1][0], 0x23);
	assert_int_equal(ledger_revoked_page(l, p.serial[1], 1, 2, collect_revoked, &p, &more),
			 1);
	assert_false(more);
	assert_int_equal(p.serial[2][0], 0x31);
	/* Releasing the hold on 0x12: still listed, as released. */
	assert_int_equal(revocation(l, EV_CERT_UNREVOKED, serials[1], 1, 0), LEDGER_OK);
	p.n = 0;
	assert_int_equal(ledger_revoked_page(l, NULL, 0, 4, collect_revoked, &p, &more), 3);
	assert_int_equal(p.serial[0][0], 0x12);
	assert_int_equal(p.reason[0], LEDGER_REASON_RELEASED);
	/* A released hold can be revoked again; removeFromCRL is never a reason. */
	assert_int_equal(revocation(l, EV_CERT_REVOKED, serials[1], 1, 8), LEDGER_EINVAL);
	assert_int_equal(revocation(l, EV_CERT_REVOKED, serials[1], 1, 1), LEDGER_OK);
	expect_verified(l, 1 + 3 * 4 + 2);
	ledger_close(l);
}

static void test_crl_numbers(void **state)
{
	static const uint8_t der[] = {0x30, 0x00};
	struct ledger *l = open_ledger(0);
	struct ledger_event ev;
	const struct {
		uint64_t number, base;
		uint32_t delta;
		int rc;
	} steps[] = {
		{1, 0, 1, LEDGER_EINVAL}, /* a delta before any base */
		{1, 0, 0, LEDGER_OK},     {1, 0, 0, LEDGER_EINVAL}, /* not above the last */
		{2, 1, 1, LEDGER_OK},     {3, 2, 1, LEDGER_EINVAL}, /* base 2 is a delta */
		{3, 5, 1, LEDGER_EINVAL}, {3, 0, 0, LEDGER_OK},     {4, 3, 1, LEDGER_OK},
	};

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		base(&ev, EV_CRL_PUBLISHED);
		ev.u.crl.number = steps[i].number;
		ev.u.crl.base_number = steps[i].base;
		ev.u.crl.is_delta = steps[i].delta;
		ev.u.crl.this_update = 100;
		ev.u.crl.next_update = 200;
		ev.u.crl.crl.p = der;
		ev.u.crl.crl.len = sizeof(der);
		assert_int_equal(ledger_append(l, &ev, NULL, err, sizeof(err)), steps[i].rc);
	}
	expect_verified(l, 5);
	ledger_close(l);
}

/* A checkpoint event: the CA's own, of an earlier record (index.c), whose head
 * verify compares with that record's hash (verify.c). */
static int checkpoint(struct ledger *l, const char *actor, uint64_t seq,
		      const uint8_t head[LEDGER_HASH_LEN])
{
	static const uint8_t der[] = {0x30, 0x00};
	struct ledger_event ev;

	base(&ev, EV_CHECKPOINT);
	if (actor != NULL) {
		ev.actor_kind = ACTOR_OPERATOR;
		ev.actor = actor;
	}
	ev.u.checkpoint.seq = seq;
	memcpy(ev.u.checkpoint.head, head, LEDGER_HASH_LEN);
	ev.u.checkpoint.time = 100;
	ev.u.checkpoint.crl_number = 0;
	ev.u.checkpoint.signed_der.p = der;
	ev.u.checkpoint.signed_der.len = sizeof(der);
	return ledger_append(l, &ev, NULL, err, sizeof(err));
}

static void test_checkpoint_rules(void **state)
{
	struct ledger *l = open_ledger(0);
	uint8_t head[LEDGER_HASH_LEN], wrong[LEDGER_HASH_LEN];
	uint64_t seq, n;

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	(void)request(l, "alice");
	ledger_head(l, &seq, head);
	assert_int_equal(seq, 2);
	/* Refused, nothing appended: an operator's checkpoint, one of itself. */
	assert_int_equal(checkpoint(l, "ada", 2, head), LEDGER_EINVAL);
	assert_non_null(strstr(err, "checkpoint: the actor must be the CA"));
	assert_int_equal(checkpoint(l, NULL, 3, head), LEDGER_EINVAL);
	assert_non_null(strstr(err, "checkpoint: seq 3 is not an earlier record"));
	ledger_head(l, &seq, wrong);
	assert_int_equal(seq, 2);
	/* The CA's, of record 2 with its hash: verify holds. */
	assert_int_equal(checkpoint(l, NULL, 2, head), LEDGER_OK);
	expect_verified(l, 3);
	/* One whose head is not record 1's hash: appended (an append checks the
	 * seq only; the head is verify's to compare), and verify names it. */
	memcpy(wrong, head, sizeof(wrong));
	wrong[0] ^= 1;
	assert_int_equal(checkpoint(l, NULL, 1, wrong), LEDGER_OK);
	assert_int_not_equal(ledger_verify(l, &n, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "event 4: the checkpoint's head is not the hash of record 1"));
	ledger_close(l);
}

/* ---- shared commits: concurrent appenders ---- */

#define THREADS 8
#define PER_THREAD 200

struct writer {
	struct ledger *l;
	int n;
	uint32_t ids[PER_THREAD];
	int failures;
};

static void *write_requests(void *arg)
{
	static const uint8_t raw[] = "csr";
	struct writer *w = arg;
	char e[256], who[32];

	snprintf(who, sizeof(who), "EXAMPLE\\user%d", w->n);
	for (int i = 0; i < PER_THREAD; i++) {
		struct ledger_event ev;

		base(&ev, EV_REQUEST_RECEIVED);
		ev.actor_kind = ACTOR_REQUESTER;
		ev.actor = who;
		ev.u.request.format = FMT_PKCS10;
		ev.u.request.requester = who;
		ev.u.request.raw.p = raw;
		ev.u.request.raw.len = sizeof(raw);
		ev.u.request.attributes = "";
		if (ledger_append(w->l, &ev, NULL, e, sizeof(e)) != LEDGER_OK)
			w->failures++;
		w->ids[i] = ev.u.request.request_id;
	}
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void test_concurrent_appends(void **state)
{
	static uint32_t all[THREADS * PER_THREAD];
	struct writer w[THREADS];
	pthread_t t[THREADS];
	struct ledger *l = open_ledger(LEDGER_NOSYNC);

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].l = l;
		w[i].n = i;
		assert_int_equal(pthread_create(&t[i], NULL, write_requests, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
		/* each writer sees its own ids increase */
		for (int k = 1; k < PER_THREAD; k++)
			assert_true(w[i].ids[k] > w[i].ids[k - 1]);
		memcpy(all + i * PER_THREAD, w[i].ids, sizeof(w[i].ids));
	}
	/* every id from 1 to N exactly once */
	qsort(all, THREADS * PER_THREAD, sizeof(all[0]), cmp_u32);
	for (uint32_t i = 0; i < THREADS * PER_THREAD; i++)
		assert_int_equal(all[i], i + 1);
	expect_verified(l, 1 + THREADS * PER_THREAD);
	ledger_close(l);
}

/* ---- templates (EV_TEMPLATE_CHANGED, IX_TEMPLATES) ---- */

static int tmpl(struct ledger *l, uint32_t action, const char *name, uint32_t major,
		uint32_t minor)
{
	static const char text[] = "name = whatever the custodian checked\n";
	struct ledger_event ev;

	base(&ev, EV_TEMPLATE_CHANGED);
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = "EXAMPLE\\admin";
	ev.u.tmpl.action = action;
	ev.u.tmpl.name = name;
	ev.u.tmpl.major = major;
	ev.u.tmpl.minor = minor;
	if (action != LEDGER_TEMPLATE_REMOVED)
		ev.u.tmpl.text = (struct ledger_bytes){(const uint8_t *)text, sizeof(text) - 1};
	err[0] = 0;
	return ledger_append(l, &ev, NULL, err, sizeof(err));
}

/* A refusal: LEDGER_EINVAL naming why, and the head does not move. */
static void tmpl_refused(struct ledger *l, uint32_t action, const char *name, uint32_t major,
			 uint32_t minor, const char *says)
{
	uint64_t before, after;
	uint8_t h[LEDGER_HASH_LEN];

	ledger_head(l, &before, h);
	assert_int_equal(tmpl(l, action, name, major, minor), LEDGER_EINVAL);
	if (strstr(err, says) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err, says);
	ledger_head(l, &after, h);
	assert_true(after == before);
}

/* The latest event of every name, decoded: names and actions in index order. */
static void expect_templates(struct ledger *l, const char *const *names, const uint32_t *actions,
			     size_t n)
{
	uint64_t seqs[LEDGER_TEMPLATES_MAX];
	static char sb[LEDGER_STRBUF];
	size_t got = 99;

	assert_int_equal(ledger_template_seqs(l, seqs, &got), LEDGER_OK);
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		struct ledger_event ev;
		uint8_t *rec;
		size_t len;

		assert_int_equal(ledger_get_record(l, seqs[i], &rec, &len), LEDGER_OK);
		assert_int_equal(ledger_record_decode(rec, len, &ev, sb, sizeof(sb), err,
						      sizeof(err)), 0);
		assert_int_equal(ev.type, EV_TEMPLATE_CHANGED);
		assert_string_equal(ev.u.tmpl.name, names[i]);
		assert_int_equal(ev.u.tmpl.action, actions[i]);
		free(rec);
	}
}

static void test_template_rules(void **state)
{
	struct ledger *l = open_ledger(0);
	static const char *const names1[] = {"Alpha", "web"};
	static const uint32_t acts1[] = {LEDGER_TEMPLATE_ADDED, LEDGER_TEMPLATE_CHANGED};
	static const char *const names2[] = {"alpha", "WEB"}; /* as the latest spells it */
	static const uint32_t acts2[] = {LEDGER_TEMPLATE_REMOVED, LEDGER_TEMPLATE_ADDED};

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	expect_templates(l, NULL, NULL, 0);

	/* never a requester's */
	{
		struct ledger_event ev;
		uint64_t before, after;
		uint8_t hh[LEDGER_HASH_LEN];

		base(&ev, EV_TEMPLATE_CHANGED);
		ev.actor_kind = ACTOR_REQUESTER;
		ev.actor = "EXAMPLE\\alice";
		ev.u.tmpl = (struct ev_template){LEDGER_TEMPLATE_ADDED, "web", 1, 0,
						 {(const uint8_t *)"t", 1}};
		ledger_head(l, &before, hh);
		assert_int_equal(ledger_append(l, &ev, NULL, err, sizeof(err)), LEDGER_EINVAL);
		assert_non_null(strstr(err, "the actor must be an operator or the CA"));
		ledger_head(l, &after, hh);
		assert_true(after == before);
		/* (the CA's are: test_template_group's events are the CA's) */
	}
	/* changed or removed before any: no such template */
	tmpl_refused(l, LEDGER_TEMPLATE_CHANGED, "web", 1, 1, "no such template");
	tmpl_refused(l, LEDGER_TEMPLATE_REMOVED, "web", 1, 0, "no such template");

	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_ADDED, "web", 1, 0), LEDGER_OK);
	/* added again, in any case: the name is live */
	tmpl_refused(l, LEDGER_TEMPLATE_ADDED, "web", 2, 0, "exists");
	tmpl_refused(l, LEDGER_TEMPLATE_ADDED, "WeB", 2, 0, "exists");
	/* a change must grow (major, minor) strictly */
	tmpl_refused(l, LEDGER_TEMPLATE_CHANGED, "web", 1, 0, "not above 1.0");
	tmpl_refused(l, LEDGER_TEMPLATE_CHANGED, "web", 0, 9, "not above 1.0");
	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_CHANGED, "Web", 1, 1), LEDGER_OK);
	tmpl_refused(l, LEDGER_TEMPLATE_CHANGED, "web", 1, 1, "not above 1.1");
	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_CHANGED, "web", 2, 0), LEDGER_OK);
	tmpl_refused(l, LEDGER_TEMPLATE_CHANGED, "web", 1, 7, "not above 2.0");
	/* a removal names the latest version */
	tmpl_refused(l, LEDGER_TEMPLATE_REMOVED, "web", 1, 1, "not the latest 2.0");
	tmpl_refused(l, LEDGER_TEMPLATE_REMOVED, "web", 2, 1, "not the latest 2.0");

	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_ADDED, "Alpha", 100, 0), LEDGER_OK);
	expect_templates(l, names1, acts1, 2);
	expect_verified(l, 5);

	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_REMOVED, "web", 2, 0), LEDGER_OK);
	/* removed: no longer changed nor removed, but added again (any version) */
	tmpl_refused(l, LEDGER_TEMPLATE_CHANGED, "web", 3, 0, "no such template");
	tmpl_refused(l, LEDGER_TEMPLATE_REMOVED, "web", 2, 0, "no such template");
	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_ADDED, "WEB", 1, 0), LEDGER_OK);
	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_REMOVED, "alpha", 100, 0), LEDGER_OK);
	/* the latest of each, removed ones included, in lower-case name order */
	expect_templates(l, names2, acts2, 2);
	expect_verified(l, 8);

	/* The index survives a reopen (it is stored, not kept in memory). */
	ledger_close(l);
	l = open_ledger(0);
	expect_templates(l, names2, acts2, 2);
	tmpl_refused(l, LEDGER_TEMPLATE_ADDED, "web", 2, 0, "exists");
	ledger_close(l);
}

/* At most LEDGER_TEMPLATES_MAX names ever: an added event of a new name beyond
 * them is refused; an old name (removed) may still come back. */
static void test_template_names_bounded(void **state)
{
	struct ledger *l = open_ledger(LEDGER_NOSYNC);
	char name[32];

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	for (int i = 0; i < LEDGER_TEMPLATES_MAX; i++) {
		snprintf(name, sizeof(name), "t%03d", i);
		assert_int_equal(tmpl(l, LEDGER_TEMPLATE_ADDED, name, 1, 0), LEDGER_OK);
	}
	tmpl_refused(l, LEDGER_TEMPLATE_ADDED, "one-more", 1, 0, "256 template names");
	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_REMOVED, "t000", 1, 0), LEDGER_OK);
	tmpl_refused(l, LEDGER_TEMPLATE_ADDED, "one-more", 1, 0, "256 template names");
	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_ADDED, "T000", 1, 0), LEDGER_OK);
	{
		uint64_t seqs[LEDGER_TEMPLATES_MAX];
		size_t n;

		assert_int_equal(ledger_template_seqs(l, seqs, &n), LEDGER_OK);
		assert_int_equal(n, LEDGER_TEMPLATES_MAX);
		assert_true(seqs[0] == 2 + LEDGER_TEMPLATES_MAX + 1); /* t000's latest */
	}
	expect_verified(l, 1 + LEDGER_TEMPLATES_MAX + 2);
	ledger_close(l);
}

/* A group is checked member by member against what the earlier ones changed:
 * an added then a changed in one group hold; a refused member refuses all. */
static void test_template_group(void **state)
{
	struct ledger *l = open_ledger(0);
	static const char text[] = "t";
	struct ledger_event a, b;
	struct ledger_event *evs[2] = {&a, &b};

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	base(&a, EV_TEMPLATE_CHANGED);
	a.u.tmpl = (struct ev_template){LEDGER_TEMPLATE_ADDED, "g", 1, 0,
					{(const uint8_t *)text, 1}};
	b = a;
	b.u.tmpl.action = LEDGER_TEMPLATE_ADDED;
	assert_int_equal(ledger_append_group(l, evs, 2, NULL, err, sizeof(err)), LEDGER_EINVAL);
	assert_non_null(strstr(err, "exists"));
	expect_templates(l, NULL, NULL, 0);
	b.u.tmpl.action = LEDGER_TEMPLATE_CHANGED;
	b.u.tmpl.minor = 1;
	assert_int_equal(ledger_append_group(l, evs, 2, NULL, err, sizeof(err)), LEDGER_OK);
	expect_verified(l, 3);
	ledger_close(l);
}

/* ---- verify finds what was changed behind the ledger's back ---- */

/* A template's index row changed or dropped: verify's rebuild names the index. */
static void test_verify_sees_template_tampering(void **state)
{
	struct ledger *l = open_ledger(0);
	uint8_t *v;
	size_t vl;

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_ADDED, "Web", 1, 0), LEDGER_OK);
	assert_int_equal(tmpl(l, LEDGER_TEMPLATE_REMOVED, "web", 1, 0), LEDGER_OK);
	expect_verified(l, 3);
	/* make the removed template live again behind the ledger's back */
	assert_int_equal(ledger_db_get(l->ix.db[IX_TEMPLATES], NULL, "web", 3, &v, &vl), 0);
	assert_int_equal(vl, 20);
	v[11] = LEDGER_TEMPLATE_ADDED;
	assert_int_equal(ledger_db_put(l->ix.db[IX_TEMPLATES], NULL, "web", 3, v, vl), 0);
	free(v);
	assert_int_equal(ledger_verify(l, &(uint64_t){0}, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "index templates"));
	assert_non_null(strstr(err, "differs"));
	/* and a row dropped */
	assert_int_equal(ledger_db_del(l->ix.db[IX_TEMPLATES], NULL, "web", 3), 0);
	assert_int_equal(ledger_verify(l, &(uint64_t){0}, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "index templates"));
	assert_non_null(strstr(err, "missing"));
	ledger_close(l);
}

static void test_verify_sees_index_tampering(void **state)
{
	struct ledger *l = open_ledger(0);
	uint8_t k[4];

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	assert_int_equal(disposition(l, request(l, "EXAMPLE\\eve"), DISP_PENDING), LEDGER_OK);
	expect_verified(l, 3);
	/* drop request 1 from the pending set, as a faulty or hostile writer would */
	ledger_be32(1, k);
	assert_int_equal(ledger_db_del(l->ix.db[IX_PENDING], NULL, k, 4), 0);
	assert_int_equal(ledger_verify(l, &(uint64_t){0}, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pending"));
	ledger_close(l);
}

static void test_verify_sees_journal_tampering(void **state)
{
	struct ledger *l = open_ledger(0);
	uint8_t *rec;
	size_t len;
	db_recno_t recno = 2;
	DBT key, val;

	(void)state;
	assert_int_equal(genesis(l), LEDGER_OK);
	request(l, "EXAMPLE\\mallory");
	request(l, "EXAMPLE\\trent");
	expect_verified(l, 3);
	/* rewrite event 2 with one byte of its requester changed */
	assert_int_equal(ledger_get_record(l, 2, &rec, &len), LEDGER_OK);
	uint8_t *p = memmem(rec, len, "mallory", 7);
	assert_non_null(p);
	p[0] = 'M';
	memset(&key, 0, sizeof(key));
	memset(&val, 0, sizeof(val));
	key.data = &recno;
	key.size = sizeof(recno);
	val.data = rec;
	val.size = (u_int32_t)len;
	assert_int_equal(l->journal->put(l->journal, NULL, &key, &val, 0), 0);
	free(rec);
	assert_int_equal(ledger_verify(l, &(uint64_t){0}, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "event 2 was altered"));
	ledger_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_genesis_first_and_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_groups_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoked_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crl_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_appends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_sees_index_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_names_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_sees_template_tampering, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_verify_sees_journal_tampering, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
