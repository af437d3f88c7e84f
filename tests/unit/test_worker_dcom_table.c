/* The worker's DCOM object table (firmware/worker/dcom_table.c): objects and
 * their IPIDs per owner, reference counts (MS-DCOM 3.1.1.5.6), ping sets and
 * expiry (MS-DCOM 3.1.2.5.1.2/3, 3.1.2.6), the caps, and the random source:
 * a deterministic one the tests script (zeros, repeats, failures), so that
 * every re-draw and refusal path runs. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/rpc/dcom.h"
#include "firmware/worker/dcom_table.h"

#define ALICE "CONTOSO\\alice"
#define BOB "CONTOSO\\bob"
#define PERIOD 10
#define MISSES 3
#define LIFE (PERIOD * MISSES)
#define T0 1000u /* the tests' clock starts here */

/* ---- the random source ---- */

static pthread_mutex_t rnd_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rnd_state;     /* splitmix64 when nothing is scripted */
static int rnd_fail_after = -1; /* calls left before it fails; -1: never */
static const uint8_t *rnd_script;
static size_t rnd_script_len, rnd_script_off;
static unsigned rnd_calls;

static uint64_t splitmix(void)
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static int test_random(void *buf, size_t n)
{
	uint8_t *p = buf;
	int rc = 0;

	pthread_mutex_lock(&rnd_mu);
	rnd_calls++;
	if (rnd_fail_after == 0) {
		rc = -1;
		goto out;
	}
	if (rnd_fail_after > 0)
		rnd_fail_after--;
	for (size_t i = 0; i < n; i++) {
		if (rnd_script_off < rnd_script_len)
			p[i] = rnd_script[rnd_script_off++];
		else
			p[i] = (uint8_t)splitmix();
	}
out:
	pthread_mutex_unlock(&rnd_mu);
	return rc;
}

static void rnd_reset(void)
{
	rnd_state = 42;
	rnd_fail_after = -1;
	rnd_script = NULL;
	rnd_script_len = rnd_script_off = 0;
	rnd_calls = 0;
}

/* ---- helpers ---- */

static struct dcom_table tab;

static void open_table(unsigned per_owner, unsigned total, unsigned sets_per_owner,
		       unsigned sets_total)
{
	struct dcom_table_limits l = {per_owner, total, sets_per_owner, sets_total, PERIOD, MISSES};

	rnd_reset();
	assert_int_equal(dcom_table_init(&tab, &l, test_random), 0);
}

static int teardown(void **state)
{
	(void)state;
	dcom_table_free(&tab);
	return 0;
}

/* An object of owner with ICertRequestD only (5 references): its IPID. */
static struct rpc_uuid one(const char *owner, uint64_t now, uint64_t *oid)
{
	struct rpc_uuid ipid;
	uint64_t o;

	assert_int_equal(dcom_table_activate(&tab, owner, now, &dcom_iid_icertrequestd, 1, 5, &o,
					     &ipid), 0);
	if (oid != NULL)
		*oid = o;
	return ipid;
}

static int alive(const struct rpc_uuid *ipid, const char *owner, uint64_t now)
{
	return dcom_table_lookup(&tab, ipid, owner, now, NULL, NULL) == 0;
}

/* ---- init ---- */

static void test_init_limits(void **state)
{
	struct dcom_table_limits l, bad;
	struct rpc_uuid ru;

	(void)state;
	dcom_table_default_limits(&l);
	assert_int_equal(l.per_owner, 32);
	assert_int_equal(l.total, 1024);
	assert_int_equal(l.ping_period_s, 120);
	assert_int_equal(l.ping_misses, 3);
	const struct {
		size_t off;
		unsigned v;
	} cases[] = {
		{offsetof(struct dcom_table_limits, per_owner), 0},
		{offsetof(struct dcom_table_limits, per_owner), DCOM_TABLE_MAX_PER_OWNER + 1},
		{offsetof(struct dcom_table_limits, total), 8}, /* below per_owner */
		{offsetof(struct dcom_table_limits, total), DCOM_TABLE_MAX_TOTAL + 1},
		{offsetof(struct dcom_table_limits, sets_per_owner), 0},
		{offsetof(struct dcom_table_limits, sets_per_owner), 257}, /* beyond sets_total */
		{offsetof(struct dcom_table_limits, sets_total), DCOM_TABLE_MAX_SETS + 1},
		{offsetof(struct dcom_table_limits, ping_period_s), 0},
		{offsetof(struct dcom_table_limits, ping_misses), 0},
		{offsetof(struct dcom_table_limits, ping_misses), 86400 / 120 + 1}, /* > a day */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = l;
		memcpy((char *)&bad + cases[i].off, &cases[i].v, sizeof(unsigned));
		assert_int_equal(dcom_table_init(&tab, &bad, test_random), -1);
		assert_null(tab.obj); /* freed */
	}
	/* The defaults, with getrandom(2). */
	assert_int_equal(dcom_table_init(&tab, NULL, NULL), 0);
	assert_int_not_equal(dcom_table_oxid(&tab), 0);
	dcom_table_remunknown_ipid(&tab, &ru);
	assert_false(rpc_uuid_is_nil(&ru));
	assert_true(dcom_table_is_remunknown(&tab, &ru));
	assert_int_equal(ru.b[7] >> 4, 4); /* a version 4 UUID */
	assert_int_equal(ru.b[8] & 0xc0, 0x80);
	assert_int_equal(dcom_table_objects(&tab, NULL), 0);
	dcom_table_free(&tab);
	dcom_table_free(&tab); /* twice: harmless */
}

/* ---- objects ---- */

static void test_activate_and_lookup(void **state)
{
	const struct rpc_uuid iids[3] = {dcom_iid_icertrequestd, dcom_iid_icertrequestd2,
					 dcom_iid_iunknown};
	struct rpc_uuid ipids[3], iid, ru;
	uint64_t oid, got;

	(void)state;
	open_table(4, 16, 2, 8);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, iids, 3, 5, &oid, ipids), 0);
	assert_int_not_equal(oid, 0);
	assert_false(rpc_uuid_eq(&ipids[0], &ipids[1]));
	assert_false(rpc_uuid_eq(&ipids[1], &ipids[2]));
	assert_false(rpc_uuid_eq(&ipids[0], &ipids[2]));
	for (int i = 0; i < 3; i++) {
		assert_false(rpc_uuid_is_nil(&ipids[i]));
		assert_false(dcom_table_is_remunknown(&tab, &ipids[i]));
		assert_int_equal(dcom_table_lookup(&tab, &ipids[i], ALICE, T0, &iid, &got), 0);
		assert_true(rpc_uuid_eq(&iid, &iids[i]));
		assert_true(got == oid);
	}
	/* The exporter's IRemUnknown2 is not an object. */
	dcom_table_remunknown_ipid(&tab, &ru);
	assert_int_equal(dcom_table_lookup(&tab, &ru, ALICE, T0, NULL, NULL),
			 DCOM_RPC_E_INVALID_IPID);
	assert_int_equal(dcom_table_objects(&tab, NULL), 1);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 1);
	assert_int_equal(dcom_table_objects(&tab, BOB), 0);
	/* A second object: another OID, other IPIDs. */
	uint64_t oid2;
	struct rpc_uuid ip2 = one(ALICE, T0, &oid2);

	assert_true(oid2 != oid && oid2 != 0);
	for (int i = 0; i < 3; i++)
		assert_false(rpc_uuid_eq(&ip2, &ipids[i]));
	assert_int_equal(dcom_table_objects(&tab, ALICE), 2);
}

static void test_activate_bad_arguments(void **state)
{
	struct rpc_uuid iids[DCOM_TABLE_MAX_IIDS + 1], ipids[DCOM_TABLE_MAX_IIDS + 1];
	char longname[DCOM_TABLE_OWNER_MAX + 2];
	uint64_t oid;

	(void)state;
	open_table(4, 16, 2, 8);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	for (int i = 0; i <= DCOM_TABLE_MAX_IIDS; i++) {
		memset(&iids[i], 0, sizeof(iids[i]));
		iids[i].b[0] = (uint8_t)(i % 5); /* five distinct IIDs among the first five */
	}
	const struct rpc_uuid *d = &dcom_iid_icertrequestd;

	assert_int_equal(dcom_table_activate(&tab, "", T0, d, 1, 5, &oid, ipids), DCOM_E_INVALIDARG);
	assert_int_equal(dcom_table_activate(&tab, NULL, T0, d, 1, 5, &oid, ipids), DCOM_E_INVALIDARG);
	assert_int_equal(dcom_table_activate(&tab, longname, T0, d, 1, 5, &oid, ipids),
			 DCOM_E_INVALIDARG);
	longname[DCOM_TABLE_OWNER_MAX] = '\0'; /* exactly the longest */
	assert_int_equal(dcom_table_activate(&tab, longname, T0, d, 1, 5, &oid, ipids), 0);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, d, 0, 5, &oid, ipids), DCOM_E_INVALIDARG);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, d, 1, 0, &oid, ipids), DCOM_E_INVALIDARG);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, d, 1, DCOM_TABLE_MAX_REFS + 1, &oid,
					     ipids), DCOM_E_INVALIDARG);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, iids, 5, 1, &oid, ipids),
			 DCOM_E_INVALIDARG); /* 5 distinct > DCOM_TABLE_MAX_IFACES */
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, iids, 4, 1, &oid, ipids), 0);
	iids[DCOM_TABLE_MAX_IIDS].b[0] = 0; /* 65 IIDs, 4 distinct */
	for (int i = 0; i <= DCOM_TABLE_MAX_IIDS; i++)
		iids[i].b[0] = (uint8_t)(i % 4);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, iids, DCOM_TABLE_MAX_IIDS + 1, 1, &oid,
					     ipids), DCOM_E_INVALIDARG);
	assert_int_equal(dcom_table_objects(&tab, NULL), 2);
}

/* The same IID twice: one IPID, its references twice. */
static void test_repeated_iid_one_ipid(void **state)
{
	const struct rpc_uuid iids[2] = {dcom_iid_icertrequestd, dcom_iid_icertrequestd};
	struct rpc_uuid ipids[2];
	uint64_t oid;
	int freed = -1;

	(void)state;
	open_table(4, 16, 2, 8);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, iids, 2, 5, &oid, ipids), 0);
	assert_true(rpc_uuid_eq(&ipids[0], &ipids[1]));
	assert_int_equal(dcom_table_release(&tab, &ipids[0], ALICE, T0, 5, 0, &freed), 0);
	assert_int_equal(freed, 0);
	assert_true(alive(&ipids[0], ALICE, T0));
	assert_int_equal(dcom_table_release(&tab, &ipids[0], ALICE, T0, 5, 0, &freed), 0);
	assert_int_equal(freed, 1);
	assert_false(alive(&ipids[0], ALICE, T0));
}

/* Another owner's IPID is answered as an unknown one, and nothing it does
 * touches the object. The owner is compared exactly. */
static void test_foreign_ipid_like_unknown(void **state)
{
	const char *others[] = {BOB, "contoso\\alice", "CONTOSO\\alice ", "CONTOSO\\alic",
				"CONTOSO\\alicex", ""};
	struct rpc_uuid ipid, unknown, out[1];
	uint32_t hr[1];
	int freed = -1;

	(void)state;
	open_table(4, 16, 2, 8);
	ipid = one(ALICE, T0, NULL);
	unknown = ipid;
	unknown.b[0] ^= 1;
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		const char *o = others[i];

		assert_int_equal(dcom_table_lookup(&tab, &ipid, o, T0, NULL, NULL),
				 DCOM_RPC_E_INVALID_IPID);
		assert_int_equal(dcom_table_remqi(&tab, &ipid, o, T0, &dcom_iid_icertrequestd2, 1, 1,
						  out, hr, NULL), DCOM_RPC_E_INVALID_IPID);
		assert_int_equal(dcom_table_addref(&tab, &ipid, o, T0, 1, 0), DCOM_RPC_E_INVALID_IPID);
		assert_int_equal(dcom_table_release(&tab, &ipid, o, T0, 1000, 1000, &freed),
				 DCOM_RPC_E_INVALID_IPID);
		assert_int_equal(freed, 0);
	}
	/* An unknown IPID, for the owner: the same answer. */
	assert_int_equal(dcom_table_lookup(&tab, &unknown, ALICE, T0, NULL, NULL),
			 DCOM_RPC_E_INVALID_IPID);
	assert_int_equal(dcom_table_release(&tab, &unknown, ALICE, T0, 1, 0, NULL),
			 DCOM_RPC_E_INVALID_IPID);
	/* The owner's object is whole: its 5 references are still there. */
	assert_int_equal(dcom_table_objects(&tab, ALICE), 1);
	assert_int_equal(dcom_table_release(&tab, &ipid, ALICE, T0, 4, 0, &freed), 0);
	assert_int_equal(freed, 0);
	assert_int_equal(dcom_table_release(&tab, &ipid, ALICE, T0, 1, 0, &freed), 0);
	assert_int_equal(freed, 1);
}

static void test_release_to_zero_frees(void **state)
{
	struct rpc_uuid ipid;
	int freed = -1;

	(void)state;
	open_table(4, 16, 2, 8);
	ipid = one(ALICE, T0, NULL);
	assert_int_equal(dcom_table_release(&tab, &ipid, ALICE, T0, 5, 0, &freed), 0);
	assert_int_equal(freed, 1);
	assert_int_equal(dcom_table_objects(&tab, NULL), 0);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 0);
	assert_false(alive(&ipid, ALICE, T0));
	assert_int_equal(dcom_table_release(&tab, &ipid, ALICE, T0, 1, 0, &freed),
			 DCOM_RPC_E_INVALID_IPID);
	assert_int_equal(dcom_table_addref(&tab, &ipid, ALICE, T0, 1, 0), DCOM_RPC_E_INVALID_IPID);
}

static void test_addref_release_arithmetic(void **state)
{
	struct rpc_uuid ipid;
	int freed = -1;

	(void)state;
	open_table(4, 16, 2, 8);
	ipid = one(ALICE, T0, NULL);                  /* 5 public */
	assert_int_equal(dcom_table_addref(&tab, &ipid, ALICE, T0, 3, 2), 0); /* 8, 2 private */
	assert_int_equal(dcom_table_release(&tab, &ipid, ALICE, T0, 7, 0, &freed), 0);
	assert_int_equal(freed, 0); /* 1, 2 */
	assert_int_equal(dcom_table_release(&tab, &ipid, ALICE, T0, 1, 1, &freed), 0);
	assert_int_equal(freed, 0); /* 0 public, 1 private: still referenced */
	assert_true(alive(&ipid, ALICE, T0));
	/* Beyond the bound: refused, the counts unchanged. */
	assert_int_equal(dcom_table_addref(&tab, &ipid, ALICE, T0, DCOM_TABLE_MAX_REFS + 1, 0),
			 DCOM_E_OUTOFMEMORY);
	assert_int_equal(dcom_table_addref(&tab, &ipid, ALICE, T0, 0, DCOM_TABLE_MAX_REFS),
			 DCOM_E_OUTOFMEMORY); /* 1 + MAX */
	assert_int_equal(dcom_table_addref(&tab, &ipid, ALICE, T0, UINT32_MAX, UINT32_MAX),
			 DCOM_E_OUTOFMEMORY);
	assert_int_equal(dcom_table_addref(&tab, &ipid, ALICE, T0, DCOM_TABLE_MAX_REFS, 0), 0);
	assert_int_equal(dcom_table_addref(&tab, &ipid, ALICE, T0, 1, 0), DCOM_E_OUTOFMEMORY);
	assert_int_equal(dcom_table_release(&tab, &ipid, ALICE, T0, DCOM_TABLE_MAX_REFS, 1, &freed), 0);
	assert_int_equal(freed, 1);
}

/* Releasing more than held ends at 0 (MS-DCOM 3.1.1.5.6.1.3): no wrap, and
 * one IPID gone leaves the object's others. */
static void test_release_more_than_held(void **state)
{
	const struct rpc_uuid iids[2] = {dcom_iid_icertrequestd, dcom_iid_icertrequestd2};
	struct rpc_uuid ipids[2];
	uint64_t oid;
	int freed = -1;

	(void)state;
	open_table(4, 16, 2, 8);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, iids, 2, 5, &oid, ipids), 0);
	assert_int_equal(dcom_table_release(&tab, &ipids[0], ALICE, T0, UINT32_MAX, UINT32_MAX,
					    &freed), 0);
	assert_int_equal(freed, 0);
	assert_false(alive(&ipids[0], ALICE, T0)); /* 0 and 0: gone, not 2^32 - n */
	assert_true(alive(&ipids[1], ALICE, T0));
	assert_int_equal(dcom_table_objects(&tab, ALICE), 1);
	assert_int_equal(dcom_table_release(&tab, &ipids[1], ALICE, T0, 6, 0, &freed), 0);
	assert_int_equal(freed, 1);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 0);
}

static void test_remqi(void **state)
{
	const struct rpc_uuid more[2] = {dcom_iid_icertrequestd2, dcom_iid_icertrequestd};
	const struct rpc_uuid other[3] = {dcom_iid_iunknown, dcom_iid_iremunknown,
					  dcom_iid_iclassfactory};
	struct rpc_uuid ipid, got[2], g3[3], iid;
	uint64_t oid, o2;
	uint32_t hr[3];
	int freed = -1;

	(void)state;
	open_table(4, 16, 2, 8);
	ipid = one(ALICE, T0, &oid);
	assert_int_equal(dcom_table_remqi(&tab, &ipid, ALICE, T0, more, 2, 1, got, hr, &o2), 0);
	assert_true(o2 == oid);
	assert_int_equal(hr[0], 0);
	assert_int_equal(hr[1], 0);
	assert_false(rpc_uuid_eq(&got[0], &ipid));  /* a new IPID for D2 */
	assert_true(rpc_uuid_eq(&got[1], &ipid));   /* the existing one for D */
	assert_int_equal(dcom_table_lookup(&tab, &got[0], ALICE, T0, &iid, &o2), 0);
	assert_true(rpc_uuid_eq(&iid, &dcom_iid_icertrequestd2));
	assert_true(o2 == oid);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 1); /* the same object */
	/* Two more fit (4 interfaces), the fifth does not; the others are served. */
	assert_int_equal(dcom_table_remqi(&tab, &got[0], ALICE, T0, other, 3, 1, g3, hr, NULL), 0);
	assert_false(rpc_uuid_eq(&g3[0], &g3[1]));
	assert_int_equal(hr[0], 0);
	assert_int_equal(hr[1], 0);
	assert_int_equal(hr[2], DCOM_E_OUTOFMEMORY);
	/* Arguments. */
	assert_int_equal(dcom_table_remqi(&tab, &ipid, ALICE, T0, more, 0, 1, got, hr, NULL),
			 DCOM_E_INVALIDARG);
	assert_int_equal(dcom_table_remqi(&tab, &ipid, ALICE, T0, more, 2, 0, got, hr, NULL),
			 DCOM_E_INVALIDARG);
	assert_int_equal(dcom_table_remqi(&tab, &ipid, ALICE, T0, more, DCOM_TABLE_MAX_IFACES + 1, 1,
					  got, hr, NULL), DCOM_E_INVALIDARG);
	/* D holds 5 + 1: releasing it leaves D2 and the object. */
	assert_int_equal(dcom_table_release(&tab, &ipid, ALICE, T0, 6, 0, &freed), 0);
	assert_int_equal(freed, 0);
	assert_false(alive(&ipid, ALICE, T0));
	assert_int_equal(dcom_table_objects(&tab, ALICE), 1);
}

/* ---- caps ---- */

static void test_per_owner_cap(void **state)
{
	struct rpc_uuid a[3], ipid;
	uint64_t oid;
	int freed;

	(void)state;
	open_table(3, 10, 2, 8);
	for (int i = 0; i < 3; i++)
		a[i] = one(ALICE, T0, NULL);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, &dcom_iid_icertrequestd, 1, 5, &oid,
					     &ipid), DCOM_E_OUTOFMEMORY);
	/* Nothing evicted: every one of alice's objects is still there. */
	for (int i = 0; i < 3; i++)
		assert_true(alive(&a[i], ALICE, T0));
	/* Others are unaffected. */
	(void)one(BOB, T0, NULL);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 3);
	assert_int_equal(dcom_table_objects(&tab, BOB), 1);
	/* A freed place is usable again. */
	assert_int_equal(dcom_table_release(&tab, &a[1], ALICE, T0, 5, 0, &freed), 0);
	assert_int_equal(freed, 1);
	(void)one(ALICE, T0, NULL);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 3);
}

static void test_total_cap(void **state)
{
	struct rpc_uuid a[3], b[2], ipid;
	uint64_t oid;
	int freed;

	(void)state;
	open_table(3, 5, 2, 8);
	for (int i = 0; i < 3; i++)
		a[i] = one(ALICE, T0, NULL);
	for (int i = 0; i < 2; i++)
		b[i] = one(BOB, T0, NULL);
	assert_int_equal(dcom_table_activate(&tab, "CONTOSO\\carol", T0, &dcom_iid_icertrequestd, 1,
					     5, &oid, &ipid), DCOM_E_OUTOFMEMORY);
	assert_int_equal(dcom_table_activate(&tab, BOB, T0, &dcom_iid_icertrequestd, 1, 5, &oid,
					     &ipid), DCOM_E_OUTOFMEMORY);
	assert_int_equal(dcom_table_objects(&tab, NULL), 5);
	assert_int_equal(dcom_table_objects(&tab, "CONTOSO\\carol"), 0);
	for (int i = 0; i < 3; i++)
		assert_true(alive(&a[i], ALICE, T0));
	for (int i = 0; i < 2; i++)
		assert_true(alive(&b[i], BOB, T0));
	assert_int_equal(dcom_table_release(&tab, &b[0], BOB, T0, 5, 0, &freed), 0);
	(void)one("CONTOSO\\carol", T0, NULL);
	assert_int_equal(dcom_table_objects(&tab, "CONTOSO\\carol"), 1);
}

/* At the cap, live objects (never pinged, not yet expired) stay and the
 * newcomer is refused; once they are dead, they make room. */
static void test_cap_keeps_the_living_dead_make_room(void **state)
{
	struct rpc_uuid a[2], ipid;
	uint64_t oid;

	(void)state;
	open_table(2, 4, 2, 8);
	a[0] = one(ALICE, T0, NULL);
	a[1] = one(ALICE, T0 + 5, NULL);
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0 + LIFE - 1, &dcom_iid_icertrequestd, 1,
					     5, &oid, &ipid), DCOM_E_OUTOFMEMORY);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 2);
	/* At T0 + LIFE the first is dead: its place is taken, the second lives. */
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0 + LIFE, &dcom_iid_icertrequestd, 1, 5,
					     &oid, &ipid), 0);
	assert_false(alive(&a[0], ALICE, T0 + LIFE));
	assert_true(alive(&a[1], ALICE, T0 + LIFE));
	assert_int_equal(dcom_table_objects(&tab, ALICE), 2);
}

/* ---- ping sets ---- */

static void test_ping_set_create_add_delete(void **state)
{
	uint64_t o1, o2, setid = 0, same;
	struct rpc_uuid i1, i2;
	uint64_t add[2];

	(void)state;
	open_table(4, 16, 2, 8);
	i1 = one(ALICE, T0, &o1);
	i2 = one(ALICE, T0, &o2);
	add[0] = o1;
	add[1] = o2;
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &setid, 1, add, 2, NULL, 0), 0);
	assert_int_not_equal(setid, 0);
	assert_int_equal(dcom_table_sets(&tab, ALICE), 1);
	assert_int_equal(tab.set[0].n_oids + tab.set[1].n_oids, 2);
	/* Adding again (a retry) changes nothing; o1 leaves; deleting what is not
	 * there changes nothing either. */
	same = setid;
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0 + 1, &same, 2, add, 2, &o1, 1), 0);
	assert_true(same == setid); /* a nonzero SETID is never changed */
	uint64_t ghost = o1 ^ o2;

	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0 + 1, &same, 3, NULL, 0, &ghost, 1),
			 0);
	/* o1 left the set: pings keep o2 only. */
	for (uint64_t t = T0 + PERIOD; t <= T0 + 3 * LIFE; t += PERIOD)
		assert_int_equal(dcom_table_simple_ping(&tab, ALICE, setid, t), 0);
	dcom_table_expire(&tab, T0 + 3 * LIFE, NULL, NULL);
	assert_false(alive(&i1, ALICE, T0 + 3 * LIFE));
	assert_true(alive(&i2, ALICE, T0 + 3 * LIFE));
	/* An object released leaves its set (no dangling OID). */
	assert_int_equal(dcom_table_release(&tab, &i2, ALICE, T0 + 3 * LIFE, 5, 0, NULL), 0);
	assert_int_equal(tab.set[0].n_oids + tab.set[1].n_oids, 0);
	assert_int_equal(dcom_table_simple_ping(&tab, ALICE, setid, T0 + 3 * LIFE), 0);
	/* A set with no OIDs: allowed, and a new one gets another SETID. */
	uint64_t s2 = 0;

	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0 + 3 * LIFE, &s2, 1, NULL, 0, NULL,
						 0), 0);
	assert_true(s2 != 0 && s2 != setid);
}

static void test_ping_unknown_and_foreign_sets(void **state)
{
	uint64_t oa, ob, sa = 0, sb, unknown;
	struct rpc_uuid ia;

	(void)state;
	open_table(4, 16, 2, 8);
	ia = one(ALICE, T0, &oa);
	(void)one(BOB, T0, &ob);
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &sa, 1, &oa, 1, NULL, 0), 0);
	unknown = sa ^ 0x5a5a;
	assert_int_equal(dcom_table_simple_ping(&tab, ALICE, unknown, T0), DCOM_OR_INVALID_SET);
	assert_int_equal(dcom_table_simple_ping(&tab, ALICE, 0, T0), DCOM_OR_INVALID_SET);
	sb = unknown;
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &sb, 1, NULL, 0, NULL, 0),
			 DCOM_OR_INVALID_SET);
	/* Bob cannot ping, change or learn of alice's set. */
	assert_int_equal(dcom_table_simple_ping(&tab, BOB, sa, T0), DCOM_OR_INVALID_SET);
	sb = sa;
	assert_int_equal(dcom_table_complex_ping(&tab, BOB, T0, &sb, 2, NULL, 0, &oa, 1),
			 DCOM_OR_INVALID_SET);
	assert_int_equal(dcom_table_simple_ping(&tab, "", sa, T0), DCOM_OR_INVALID_SET);
	/* Bob cannot put alice's object into a set of his: nothing made. */
	sb = 0;
	uint64_t both[2] = {ob, oa};

	assert_int_equal(dcom_table_complex_ping(&tab, BOB, T0, &sb, 1, both, 2, NULL, 0),
			 DCOM_OR_INVALID_OID);
	assert_true(sb == 0);
	assert_int_equal(dcom_table_sets(&tab, BOB), 0);
	/* Nor alice an unknown OID into hers: the set is unchanged. */
	uint64_t bad[2] = {oa, oa ^ ob ^ 1};

	sb = sa;
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &sb, 2, bad, 2, NULL, 0),
			 DCOM_OR_INVALID_OID);
	assert_int_equal(dcom_table_sets(&tab, NULL), 1);
	/* Bob deleting alice's OID from his own set does nothing to hers. */
	sb = 0;
	assert_int_equal(dcom_table_complex_ping(&tab, BOB, T0, &sb, 1, &ob, 1, &oa, 1), 0);
	for (uint64_t t = T0 + PERIOD; t <= T0 + 2 * LIFE; t += PERIOD)
		assert_int_equal(dcom_table_simple_ping(&tab, ALICE, sa, t), 0);
	dcom_table_expire(&tab, T0 + 2 * LIFE, NULL, NULL);
	assert_true(alive(&ia, ALICE, T0 + 2 * LIFE));
	assert_int_equal(dcom_table_objects(&tab, BOB), 0); /* his set was not pinged */
	assert_int_equal(dcom_table_sets(&tab, BOB), 0);
}

static void test_ping_caps_and_bounds(void **state)
{
	uint64_t oids[DCOM_TABLE_MAX_PING_OIDS + 1], s[3] = {0, 0, 0}, o;

	(void)state;
	open_table(4, 16, 2, 3);
	(void)one(ALICE, T0, &o);
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &s[0], 1, &o, 1, NULL, 0), 0);
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &s[1], 1, &o, 1, NULL, 0), 0);
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &s[2], 1, NULL, 0, NULL, 0),
			 DCOM_TABLE_ERROR_OUTOFMEMORY); /* alice's two sets */
	assert_true(s[2] == 0);
	assert_int_equal(dcom_table_complex_ping(&tab, BOB, T0, &s[2], 1, NULL, 0, NULL, 0), 0);
	s[2] = 0;
	assert_int_equal(dcom_table_complex_ping(&tab, "CONTOSO\\carol", T0, &s[2], 1, NULL, 0, NULL,
						 0), DCOM_TABLE_ERROR_OUTOFMEMORY); /* three in all */
	/* Both live sets still answer. */
	assert_int_equal(dcom_table_simple_ping(&tab, ALICE, s[0], T0), 0);
	assert_int_equal(dcom_table_simple_ping(&tab, ALICE, s[1], T0), 0);
	/* Counts beyond the bound, an empty owner, NULL arrays. */
	for (int i = 0; i <= DCOM_TABLE_MAX_PING_OIDS; i++)
		oids[i] = o;
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &s[0], 1, oids,
						 DCOM_TABLE_MAX_PING_OIDS + 1, NULL, 0),
			 DCOM_TABLE_ERROR_INVALID_PARAMETER);
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &s[0], 1, NULL, 0, oids,
						 DCOM_TABLE_MAX_PING_OIDS + 1),
			 DCOM_TABLE_ERROR_INVALID_PARAMETER);
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &s[0], 1, NULL, 1, NULL, 0),
			 DCOM_TABLE_ERROR_INVALID_PARAMETER);
	assert_int_equal(dcom_table_complex_ping(&tab, "", T0, &s[0], 1, NULL, 0, NULL, 0),
			 DCOM_TABLE_ERROR_INVALID_PARAMETER);
	/* The largest add, of one OID repeated: it is in the set once. */
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &s[0], 1, oids,
						 DCOM_TABLE_MAX_PING_OIDS, NULL, 0), 0);
	for (int i = 0; i < 3; i++)
		if (tab.set[i].used && tab.set[i].setid == s[0])
			assert_int_equal(tab.set[i].n_oids, 1);
	/* A dead set's place is usable again. */
	s[2] = 0;
	assert_int_equal(dcom_table_complex_ping(&tab, "CONTOSO\\carol", T0 + LIFE, &s[2], 1, NULL, 0,
						 NULL, 0), 0);
}

/* ---- expiry ---- */

static void test_expiry_without_pings(void **state)
{
	struct rpc_uuid i1, i2;
	unsigned no = 99, ns = 99;

	(void)state;
	open_table(4, 16, 2, 8);
	i1 = one(ALICE, T0, NULL);
	i2 = one(ALICE, T0 + 10, NULL);
	dcom_table_expire(&tab, T0 + LIFE - 1, &no, &ns);
	assert_int_equal(no, 0);
	assert_int_equal(ns, 0);
	assert_int_equal(dcom_table_objects(&tab, NULL), 2);
	dcom_table_expire(&tab, T0 + LIFE, &no, &ns);
	assert_int_equal(no, 1);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 1);
	assert_false(alive(&i1, ALICE, T0 + LIFE));
	/* A call shows the client alive (MS-DCOM 3.1.1.6: the last ORPC call). */
	assert_true(alive(&i2, ALICE, T0 + 10 + LIFE - 1));
	dcom_table_expire(&tab, T0 + 10 + LIFE, &no, NULL);
	assert_int_equal(no, 0);
	/* A clock read earlier than the last sign keeps it. */
	dcom_table_expire(&tab, 5, &no, NULL);
	assert_int_equal(no, 0);
	dcom_table_expire(&tab, T0 + 10 + 2 * LIFE - 1, &no, NULL);
	assert_int_equal(no, 1);
	assert_int_equal(dcom_table_objects(&tab, NULL), 0);
}

/* An object never added to a set dies period * misses after activation even
 * when nobody calls dcom_table_expire: the call that names it finds it dead. */
static void test_never_pinged_object_expires(void **state)
{
	struct rpc_uuid ipid, got[1];
	uint64_t oid, setid = 0;
	uint32_t hr[1];

	(void)state;
	open_table(4, 16, 2, 8);
	ipid = one(ALICE, T0, &oid);
	assert_int_equal(dcom_table_lookup(&tab, &ipid, ALICE, T0 + LIFE, NULL, NULL),
			 DCOM_RPC_E_INVALID_IPID);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 0); /* freed by the lookup */
	ipid = one(ALICE, T0, &oid);
	assert_int_equal(dcom_table_remqi(&tab, &ipid, ALICE, T0 + LIFE, &dcom_iid_icertrequestd2, 1,
					  1, got, hr, NULL), DCOM_RPC_E_INVALID_IPID);
	ipid = one(ALICE, T0, &oid);
	assert_int_equal(dcom_table_addref(&tab, &ipid, ALICE, T0 + LIFE, 1, 0),
			 DCOM_RPC_E_INVALID_IPID);
	ipid = one(ALICE, T0, &oid);
	/* Too late to add it to a set: it is dead. */
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0 + LIFE, &setid, 1, &oid, 1, NULL, 0),
			 DCOM_OR_INVALID_OID);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 0);
	assert_int_equal(dcom_table_sets(&tab, ALICE), 0);
}

static void test_pings_keep_alive_then_expire(void **state)
{
	struct rpc_uuid ipid;
	uint64_t oid, setid = 0, t;
	unsigned no, ns;

	(void)state;
	open_table(4, 16, 2, 8);
	ipid = one(ALICE, T0, &oid);
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0 + 5, &setid, 1, &oid, 1, NULL, 0), 0);
	for (t = T0 + 5 + PERIOD; t < T0 + 10 * LIFE; t += PERIOD) {
		assert_int_equal(dcom_table_simple_ping(&tab, ALICE, setid, t), 0);
		dcom_table_expire(&tab, t + LIFE - 1, &no, &ns);
		assert_int_equal(no + ns, 0);
	}
	t -= PERIOD; /* the last ping */
	/* Two pings missed: still there; the third: the set and its object go. */
	dcom_table_expire(&tab, t + LIFE - 1, &no, &ns);
	assert_int_equal(no + ns, 0);
	dcom_table_expire(&tab, t + LIFE, &no, &ns);
	assert_int_equal(no, 1);
	assert_int_equal(ns, 1);
	assert_int_equal(dcom_table_simple_ping(&tab, ALICE, setid, t + LIFE),
			 DCOM_OR_INVALID_SET);
	assert_false(alive(&ipid, ALICE, t + LIFE));
	assert_int_equal(dcom_table_sets(&tab, ALICE), 0);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 0);
	/* A set pinged too late is dead for the ping that comes too late. */
	(void)one(ALICE, t, &oid);
	setid = 0;
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, t, &setid, 1, &oid, 1, NULL, 0), 0);
	assert_int_equal(dcom_table_simple_ping(&tab, ALICE, setid, t + LIFE), DCOM_OR_INVALID_SET);
	assert_int_equal(dcom_table_sets(&tab, ALICE), 0);
}

/* ---- randomness ---- */

static void test_random_failure(void **state)
{
	struct dcom_table_limits l = {4, 16, 2, 8, PERIOD, MISSES};
	struct rpc_uuid ipid, got[1];
	uint64_t oid, setid = 0;
	uint32_t hr[1];

	(void)state;
	rnd_reset();
	rnd_fail_after = 0;
	assert_int_equal(dcom_table_init(&tab, &l, test_random), -1); /* the OXID */
	rnd_reset();
	rnd_fail_after = 1;
	assert_int_equal(dcom_table_init(&tab, &l, test_random), -1); /* the IRemUnknown2 IPID */
	open_table(4, 16, 2, 8);
	rnd_fail_after = 0;
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, &dcom_iid_icertrequestd, 1, 5, &oid,
					     &ipid), DCOM_CO_E_SERVER_EXEC_FAILURE); /* the OID */
	rnd_fail_after = 1;
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, &dcom_iid_icertrequestd, 1, 5, &oid,
					     &ipid), DCOM_CO_E_SERVER_EXEC_FAILURE); /* the IPID */
	assert_int_equal(dcom_table_objects(&tab, NULL), 0); /* nothing half made */
	assert_int_equal(dcom_table_objects(&tab, ALICE), 0);
	rnd_fail_after = -1;
	ipid = one(ALICE, T0, &oid);
	rnd_fail_after = 0;
	assert_int_equal(dcom_table_remqi(&tab, &ipid, ALICE, T0, &dcom_iid_icertrequestd2, 1, 1, got,
					  hr, NULL), 0);
	assert_int_equal(hr[0], DCOM_CO_E_SERVER_EXEC_FAILURE);
	assert_int_equal(dcom_table_complex_ping(&tab, ALICE, T0, &setid, 1, &oid, 1, NULL, 0),
			 DCOM_TABLE_ERROR_OUTOFMEMORY);
	assert_true(setid == 0);
	assert_int_equal(dcom_table_sets(&tab, NULL), 0);
	/* The source back: the interface the failure left out can be had. */
	rnd_fail_after = -1;
	assert_int_equal(dcom_table_remqi(&tab, &ipid, ALICE, T0, &dcom_iid_icertrequestd2, 1, 1, got,
					  hr, NULL), 0);
	assert_int_equal(hr[0], 0);
}

/* Zero and colliding draws are drawn again; a source that only repeats
 * itself is a failure, never a duplicate identifier. */
static void test_random_redraw(void **state)
{
	static uint8_t script[16 * 8];
	struct rpc_uuid i1, i2, i3;
	uint64_t o1, o2, o3;
	unsigned before;

	(void)state;
	open_table(4, 16, 2, 8);
	/* OID: 0, then 0x0101..01; its IPID from the generator. */
	memset(script, 0, 8);
	memset(script + 8, 1, 8);
	rnd_script = script;
	rnd_script_len = 16;
	rnd_script_off = 0;
	before = rnd_calls;
	i1 = one(ALICE, T0, &o1);
	assert_true(o1 == 0x0101010101010101u);
	assert_int_equal(rnd_calls - before, 3); /* 0 drawn again */
	/* OID: the same again (taken), then 2s. */
	memset(script, 1, 8);
	memset(script + 8, 2, 8);
	rnd_script_off = 0;
	i2 = one(ALICE, T0, &o2);
	assert_true(o2 == 0x0202020202020202u);
	/* An IPID that collides with i1's: drawn again. */
	memset(script, 3, 8);       /* OID */
	memcpy(script + 8, i1.b, 16); /* IPID: taken (the version bits are i1's already) */
	rnd_script_len = 24;
	rnd_script_off = 0;
	i3 = one(ALICE, T0, &o3);
	assert_false(rpc_uuid_eq(&i3, &i1));
	assert_false(rpc_uuid_eq(&i3, &i2));
	/* Only ever the same OID: a failure after the tries, not a duplicate. */
	for (size_t i = 0; i < sizeof(script); i++)
		script[i] = 1;
	rnd_script_len = sizeof(script);
	rnd_script_off = 0;
	assert_int_equal(dcom_table_activate(&tab, ALICE, T0, &dcom_iid_icertrequestd, 1, 5, &o3,
					     &i3), DCOM_CO_E_SERVER_EXEC_FAILURE);
	assert_int_equal(dcom_table_objects(&tab, ALICE), 3);
}

/* ---- threads ---- */

#define THREADS 4
#define ROUNDS 400

struct worker_arg {
	const char *owner;
	unsigned refused, done;
};

/* Activate, call, query, ping, release, round after round, at one instant
 * (a clock that differs between threads would expire one thread's objects
 * under another's expiry). Two threads share an owner whose cap is one
 * object: they refuse each other now and then. Any other answer ends the
 * thread with NULL. */
static void *churn(void *p)
{
	struct worker_arg *a = p;
	uint64_t setid = 0;

	for (unsigned i = 0; i < ROUNDS; i++) {
		struct rpc_uuid ipid, got[1];
		uint64_t oid;
		uint32_t hr[1], st;
		int freed = 0;

		st = dcom_table_activate(&tab, a->owner, T0, &dcom_iid_icertrequestd, 1, 2, &oid,
					 &ipid);
		if (st == DCOM_E_OUTOFMEMORY) {
			a->refused++;
			continue;
		}
		if (st != 0 || dcom_table_lookup(&tab, &ipid, a->owner, T0, NULL, NULL) != 0 ||
		    dcom_table_remqi(&tab, &ipid, a->owner, T0, &dcom_iid_icertrequestd2, 1, 1, got,
				     hr, NULL) != 0 || hr[0] != 0 ||
		    dcom_table_complex_ping(&tab, a->owner, T0, &setid, 1, &oid, 1, NULL, 0) != 0 ||
		    dcom_table_simple_ping(&tab, a->owner, setid, T0) != 0 ||
		    dcom_table_release(&tab, &ipid, a->owner, T0, 2, 0, &freed) != 0 || freed ||
		    dcom_table_release(&tab, &got[0], a->owner, T0, 1, 0, &freed) != 0 || !freed ||
		    dcom_table_complex_ping(&tab, a->owner, T0, &setid, 2, NULL, 0, &oid, 1) != 0)
			return NULL;
		a->done++;
	}
	return p;
}

static void test_threads(void **state)
{
	const char *owners[THREADS] = {ALICE, BOB, ALICE, "CONTOSO\\carol"};
	struct worker_arg args[THREADS];
	pthread_t th[THREADS];
	unsigned no, ns;

	(void)state;
	open_table(1, 3, 2, 8);
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct worker_arg){owners[i], 0, 0};
		assert_int_equal(pthread_create(&th[i], NULL, churn, &args[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		void *r;

		assert_int_equal(pthread_join(th[i], &r), 0);
		assert_ptr_equal(r, &args[i]);
		assert_int_equal(args[i].done + args[i].refused, ROUNDS);
	}
	/* Only the shared owner's threads can be refused. */
	assert_int_equal(args[1].refused + args[3].refused, 0);
	assert_int_equal(dcom_table_objects(&tab, NULL), 0);
	/* One empty set per thread that got an object at least once. */
	unsigned with_set = 0;

	for (int i = 0; i < THREADS; i++)
		with_set += args[i].done > 0;
	assert_true(with_set >= 3); /* bob, carol, and one of alice's at least */
	assert_int_equal(dcom_table_sets(&tab, NULL), with_set);
	dcom_table_expire(&tab, T0 + LIFE, &no, &ns);
	assert_int_equal(no, 0);
	assert_int_equal(ns, with_set);
	for (size_t i = 0; i < tab.n_owner_slots; i++) {
		assert_int_equal(tab.owner[i].n_objects, 0);
		assert_int_equal(tab.owner[i].n_sets, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init_limits, teardown),
		cmocka_unit_test_teardown(test_activate_and_lookup, teardown),
		cmocka_unit_test_teardown(test_activate_bad_arguments, teardown),
		cmocka_unit_test_teardown(test_repeated_iid_one_ipid, teardown),
		cmocka_unit_test_teardown(test_foreign_ipid_like_unknown, teardown),
		cmocka_unit_test_teardown(test_release_to_zero_frees, teardown),
		cmocka_unit_test_teardown(test_addref_release_arithmetic, teardown),
		cmocka_unit_test_teardown(test_release_more_than_held, teardown),
		cmocka_unit_test_teardown(test_remqi, teardown),
		cmocka_unit_test_teardown(test_per_owner_cap, teardown),
		cmocka_unit_test_teardown(test_total_cap, teardown),
		cmocka_unit_test_teardown(test_cap_keeps_the_living_dead_make_room, teardown),
		cmocka_unit_test_teardown(test_ping_set_create_add_delete, teardown),
		cmocka_unit_test_teardown(test_ping_unknown_and_foreign_sets, teardown),
		cmocka_unit_test_teardown(test_ping_caps_and_bounds, teardown),
		cmocka_unit_test_teardown(test_expiry_without_pings, teardown),
		cmocka_unit_test_teardown(test_never_pinged_object_expires, teardown),
		cmocka_unit_test_teardown(test_pings_keep_alive_then_expire, teardown),
		cmocka_unit_test_teardown(test_random_failure, teardown),
		cmocka_unit_test_teardown(test_random_redraw, teardown),
		cmocka_unit_test_teardown(test_threads, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
