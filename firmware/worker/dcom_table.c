/* The worker's DCOM object table; see dcom_table.h. The tables are small (at
 * most DCOM_TABLE_MAX_TOTAL objects of DCOM_TABLE_MAX_IFACES interfaces) and
 * each call scans them under the mutex: simpler than indexes, and nothing here
 * is hot next to an NTLM-sealed DCE/RPC call (as slots.c). All memory is
 * allocated by dcom_table_init for the limits given; nothing grows later. */
#include "firmware/worker/dcom_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "firmware/rpc/dcom.h"

/* How often a random identifier is drawn again when it is 0 or taken before
 * the source is called broken (a 64-bit collision twice in a row is). */
#define DRAW_TRIES 8
#define MAX_LIFETIME_S 86400u /* ping_period_s * ping_misses at most: a day */

void dcom_table_default_limits(struct dcom_table_limits *l)
{
	l->per_owner = 32;
	l->total = 1024;
	l->sets_per_owner = 4;
	l->sets_total = 256;
	l->ping_period_s = 120;
	l->ping_misses = 3;
}

/* getrandom(2), whole or failed. */
static int system_random(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

static uint64_t lifetime(const struct dcom_table *t)
{
	return (uint64_t)t->lim.ping_period_s * t->lim.ping_misses;
}

/* Has nothing shown it alive for the lifetime by now? A clock that reads
 * earlier than the last sign (it should not) keeps it alive. */
static int stale(const struct dcom_table *t, uint64_t since, uint64_t now)
{
	return now >= since && now - since >= lifetime(t);
}

static int owner_ok(const char *owner)
{
	size_t n;

	if (owner == NULL)
		return 0;
	n = strnlen(owner, DCOM_TABLE_OWNER_MAX + 1);
	return n > 0 && n <= DCOM_TABLE_OWNER_MAX;
}

/* ---- owners ---- */

static int owner_live(const struct dcom_table_owner *o)
{
	return o->n_objects > 0 || o->n_sets > 0;
}

/* The index of owner's entry, or -1. */
static int owner_find(const struct dcom_table *t, const char *owner)
{
	for (size_t i = 0; i < t->n_owner_slots; i++)
		if (owner_live(&t->owner[i]) && strcmp(t->owner[i].name, owner) == 0)
			return (int)i;
	return -1;
}

/* owner's entry, made when there is none. The caller checked the caps first:
 * there are as many entries as objects and sets together, so a free one
 * exists whenever a new object or set may be made. -1 otherwise. */
static int owner_get(struct dcom_table *t, const char *owner)
{
	int i = owner_find(t, owner);

	if (i >= 0)
		return i;
	for (size_t j = 0; j < t->n_owner_slots; j++) {
		struct dcom_table_owner *o = &t->owner[j];

		if (!owner_live(o)) {
			memset(o->name, 0, sizeof(o->name));
			memcpy(o->name, owner, strlen(owner));
			return (int)j;
		}
	}
	return -1;
}

static int owned_by(const struct dcom_table *t, unsigned idx, const char *owner)
{
	return strcmp(t->owner[idx].name, owner) == 0;
}

/* ---- identifiers ---- */

static int oid_taken(const struct dcom_table *t, uint64_t v)
{
	for (unsigned i = 0; i < t->lim.total; i++)
		if (t->obj[i].used && t->obj[i].oid == v)
			return 1;
	return 0;
}

static int setid_taken(const struct dcom_table *t, uint64_t v)
{
	for (unsigned i = 0; i < t->lim.sets_total; i++)
		if (t->set[i].used && t->set[i].setid == v)
			return 1;
	return 0;
}

/* The object and interface ipid belongs to, of any owner, or NULL. */
static struct dcom_table_object *find_ipid(struct dcom_table *t, const struct rpc_uuid *ipid,
					   struct dcom_table_iface **ifp)
{
	for (unsigned i = 0; i < t->lim.total; i++) {
		struct dcom_table_object *o = &t->obj[i];

		if (!o->used)
			continue;
		for (int k = 0; k < DCOM_TABLE_MAX_IFACES; k++)
			if (o->iface[k].used && rpc_uuid_eq(&o->iface[k].ipid, ipid)) {
				*ifp = &o->iface[k];
				return o;
			}
	}
	return NULL;
}

/* A random 64-bit identifier, nonzero and not taken: 0, or -1. */
static int draw64(struct dcom_table *t, int (*taken)(const struct dcom_table *, uint64_t),
		  uint64_t *v)
{
	for (int i = 0; i < DRAW_TRIES; i++) {
		uint64_t x;

		if (t->rnd(&x, sizeof(x)) != 0)
			return -1;
		if (x != 0 && (taken == NULL || !taken(t, x))) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* A random IPID (a version 4 UUID in wire order: the version is the high
 * nibble of time_hi_and_version's second, little-endian, octet), not nil, not
 * the IRemUnknown2 IPID, not any live interface's (nor one of the object
 * being made: it is marked used as it is filled). 0, or -1. */
static int draw_ipid(struct dcom_table *t, struct rpc_uuid *out)
{
	for (int i = 0; i < DRAW_TRIES; i++) {
		struct dcom_table_iface *f;
		struct rpc_uuid u; /* out may be the IRemUnknown2 IPID being drawn */

		if (t->rnd(u.b, sizeof(u.b)) != 0)
			return -1;
		u.b[7] = (uint8_t)((u.b[7] & 0x0f) | 0x40);
		u.b[8] = (uint8_t)((u.b[8] & 0x3f) | 0x80);
		if (!rpc_uuid_eq(&u, &t->remunknown_ipid) && find_ipid(t, &u, &f) == NULL) {
			*out = u;
			return 0;
		}
	}
	return -1;
}

/* ---- freeing ---- */

static void set_remove_oid(struct dcom_table_set *s, uint64_t oid)
{
	for (unsigned i = 0; i < s->n_oids; i++)
		if (s->oids[i] == oid) {
			s->oids[i] = s->oids[--s->n_oids];
			return;
		}
}

static void object_free(struct dcom_table *t, struct dcom_table_object *o)
{
	/* It leaves its owner's sets: a set holds live OIDs only, hence never
	 * more than per_owner. */
	for (unsigned i = 0; i < t->lim.sets_total; i++)
		if (t->set[i].used && t->set[i].owner == o->owner)
			set_remove_oid(&t->set[i], o->oid);
	t->owner[o->owner].n_objects--;
	t->n_objects--;
	memset(o, 0, sizeof(*o));
}

static void set_free(struct dcom_table *t, struct dcom_table_set *s)
{
	uint64_t *oids = s->oids; /* the set's fixed place in set_oids */

	t->owner[s->owner].n_sets--;
	t->n_sets--;
	memset(s, 0, sizeof(*s));
	s->oids = oids;
}

static void expire_sets(struct dcom_table *t, uint64_t now, unsigned *n)
{
	for (unsigned i = 0; i < t->lim.sets_total; i++)
		if (t->set[i].used && stale(t, t->set[i].pinged_at, now)) {
			set_free(t, &t->set[i]);
			(*n)++;
		}
}

static void expire_objects(struct dcom_table *t, uint64_t now, unsigned *n)
{
	for (unsigned i = 0; i < t->lim.total; i++)
		if (t->obj[i].used && stale(t, t->obj[i].alive_at, now)) {
			object_free(t, &t->obj[i]);
			(*n)++;
		}
}

/* The live interface ipid names for owner at now, or NULL: unknown, another
 * owner's, or expired (freed here). The object is alive at now. */
static struct dcom_table_object *owned_ipid(struct dcom_table *t, const struct rpc_uuid *ipid,
					    const char *owner, uint64_t now,
					    struct dcom_table_iface **ifp)
{
	struct dcom_table_object *o;

	if (ipid == NULL || !owner_ok(owner) || (o = find_ipid(t, ipid, ifp)) == NULL ||
	    !owned_by(t, o->owner, owner))
		return NULL;
	if (stale(t, o->alive_at, now)) {
		object_free(t, o);
		return NULL;
	}
	if (now > o->alive_at)
		o->alive_at = now;
	return o;
}

/* ---- init ---- */

static int limits_ok(const struct dcom_table_limits *l)
{
	uint64_t life = (uint64_t)l->ping_period_s * l->ping_misses;

	return l->per_owner >= 1 && l->per_owner <= DCOM_TABLE_MAX_PER_OWNER &&
	       l->per_owner <= l->total && l->total <= DCOM_TABLE_MAX_TOTAL &&
	       l->sets_per_owner >= 1 && l->sets_per_owner <= l->sets_total &&
	       l->sets_total <= DCOM_TABLE_MAX_SETS && life >= 1 && life <= MAX_LIFETIME_S;
}

int dcom_table_init(struct dcom_table *t, const struct dcom_table_limits *lim,
		    dcom_table_random_fn rnd)
{
	struct dcom_table_limits def;

	memset(t, 0, sizeof(*t));
	if (lim == NULL) {
		dcom_table_default_limits(&def);
		lim = &def;
	}
	if (!limits_ok(lim))
		return -1;
	t->lim = *lim;
	t->rnd = rnd != NULL ? rnd : system_random;
	t->n_owner_slots = (size_t)lim->total + lim->sets_total;
	t->obj = calloc(lim->total, sizeof(*t->obj));
	t->set = calloc(lim->sets_total, sizeof(*t->set));
	t->set_oids = calloc((size_t)lim->sets_total * lim->per_owner, sizeof(*t->set_oids));
	t->owner = calloc(t->n_owner_slots, sizeof(*t->owner));
	if (t->obj == NULL || t->set == NULL || t->set_oids == NULL || t->owner == NULL)
		goto fail;
	for (unsigned i = 0; i < lim->sets_total; i++)
		t->set[i].oids = &t->set_oids[(size_t)i * lim->per_owner];
	if (pthread_mutex_init(&t->mu, NULL) != 0)
		goto fail;
	t->ready = 1;
	if (draw64(t, NULL, &t->oxid) != 0 || draw_ipid(t, &t->remunknown_ipid) != 0)
		goto fail;
	return 0;
fail:
	dcom_table_free(t);
	return -1;
}

void dcom_table_free(struct dcom_table *t)
{
	if (t->ready)
		pthread_mutex_destroy(&t->mu);
	free(t->obj);
	free(t->set);
	free(t->set_oids);
	free(t->owner);
	memset(t, 0, sizeof(*t));
}

uint64_t dcom_table_oxid(const struct dcom_table *t)
{
	return t->oxid;
}

void dcom_table_remunknown_ipid(const struct dcom_table *t, struct rpc_uuid *ipid)
{
	*ipid = t->remunknown_ipid;
}

int dcom_table_is_remunknown(const struct dcom_table *t, const struct rpc_uuid *ipid)
{
	return ipid != NULL && rpc_uuid_eq(ipid, &t->remunknown_ipid);
}

/* ---- objects ---- */

/* The object's interface for iid, or NULL. */
static struct dcom_table_iface *iface_of(struct dcom_table_object *o, const struct rpc_uuid *iid)
{
	for (int k = 0; k < DCOM_TABLE_MAX_IFACES; k++)
		if (o->iface[k].used && rpc_uuid_eq(&o->iface[k].iid, iid))
			return &o->iface[k];
	return NULL;
}

static int refs_ok(uint32_t n)
{
	return n >= 1 && n <= DCOM_TABLE_MAX_REFS;
}

/* How many distinct IIDs iids[0..n) holds. */
static size_t distinct(const struct rpc_uuid *iids, size_t n)
{
	size_t d = 0;

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < i && !rpc_uuid_eq(&iids[j], &iids[i]))
			j++;
		d += j == i;
	}
	return d;
}

/* The interface for iid on o, with refs more public references: an existing
 * one, or a new one in a free place. 0, DCOM_E_OUTOFMEMORY (no place, or the
 * count would pass the bound), DCOM_CO_E_SERVER_EXEC_FAILURE (no randomness). */
static uint32_t iface_add(struct dcom_table *t, struct dcom_table_object *o,
			  const struct rpc_uuid *iid, uint32_t refs, struct rpc_uuid *ipid)
{
	struct dcom_table_iface *f = iface_of(o, iid);

	if (f == NULL) {
		for (int k = 0; k < DCOM_TABLE_MAX_IFACES && f == NULL; k++)
			if (!o->iface[k].used)
				f = &o->iface[k];
		if (f == NULL)
			return DCOM_E_OUTOFMEMORY;
		if (draw_ipid(t, &f->ipid) != 0) {
			memset(f, 0, sizeof(*f));
			return DCOM_CO_E_SERVER_EXEC_FAILURE;
		}
		f->used = 1;
		f->iid = *iid;
	}
	if (f->public_refs > DCOM_TABLE_MAX_REFS - refs)
		return DCOM_E_OUTOFMEMORY;
	f->public_refs += refs;
	*ipid = f->ipid;
	return 0;
}

uint32_t dcom_table_activate(struct dcom_table *t, const char *owner, uint64_t now,
			     const struct rpc_uuid *iids, size_t n, uint32_t public_refs,
			     uint64_t *oid, struct rpc_uuid *ipids)
{
	struct dcom_table_object *o = NULL;
	unsigned freed = 0;
	uint32_t hr = 0;
	int ow;

	if (!owner_ok(owner) || iids == NULL || n == 0 || n > DCOM_TABLE_MAX_IIDS ||
	    distinct(iids, n) > DCOM_TABLE_MAX_IFACES || !refs_ok(public_refs) ||
	    (uint64_t)public_refs * n > DCOM_TABLE_MAX_REFS)
		return DCOM_E_INVALIDARG;
	pthread_mutex_lock(&t->mu);
	/* The dead make room: never the living. */
	expire_sets(t, now, &freed);
	expire_objects(t, now, &freed);
	ow = owner_find(t, owner);
	if (t->n_objects >= t->lim.total ||
	    (ow >= 0 && t->owner[ow].n_objects >= t->lim.per_owner)) {
		hr = DCOM_E_OUTOFMEMORY;
		goto out;
	}
	for (unsigned i = 0; i < t->lim.total && o == NULL; i++)
		if (!t->obj[i].used)
			o = &t->obj[i];
	if (o == NULL || (ow = owner_get(t, owner)) < 0) {
		hr = DCOM_E_OUTOFMEMORY; /* cannot happen: the counts say there is room */
		goto out;
	}
	memset(o, 0, sizeof(*o));
	o->used = 1; /* its IPIDs count as taken while the rest are drawn */
	o->owner = (unsigned)ow;
	o->alive_at = now;
	if (draw64(t, oid_taken, &o->oid) != 0)
		hr = DCOM_CO_E_SERVER_EXEC_FAILURE;
	for (size_t i = 0; i < n && hr == 0; i++)
		hr = iface_add(t, o, &iids[i], public_refs, &ipids[i]);
	if (hr != 0) {
		memset(o, 0, sizeof(*o));
		goto out;
	}
	t->owner[ow].n_objects++;
	t->n_objects++;
	*oid = o->oid;
out:
	pthread_mutex_unlock(&t->mu);
	return hr;
}

uint32_t dcom_table_lookup(struct dcom_table *t, const struct rpc_uuid *ipid, const char *owner,
			   uint64_t now, struct rpc_uuid *iid, uint64_t *oid)
{
	struct dcom_table_iface *f;
	struct dcom_table_object *o;

	pthread_mutex_lock(&t->mu);
	o = owned_ipid(t, ipid, owner, now, &f);
	if (o != NULL) {
		if (iid != NULL)
			*iid = f->iid;
		if (oid != NULL)
			*oid = o->oid;
	}
	pthread_mutex_unlock(&t->mu);
	return o != NULL ? 0 : DCOM_RPC_E_INVALID_IPID;
}

uint32_t dcom_table_remqi(struct dcom_table *t, const struct rpc_uuid *ipid, const char *owner,
			  uint64_t now, const struct rpc_uuid *iids, size_t n, uint32_t public_refs,
			  struct rpc_uuid *ipids, uint32_t *hr, uint64_t *oid)
{
	struct dcom_table_iface *f;
	struct dcom_table_object *o;

	if (iids == NULL || n == 0 || n > DCOM_TABLE_MAX_IFACES || !refs_ok(public_refs))
		return DCOM_E_INVALIDARG;
	pthread_mutex_lock(&t->mu);
	o = owned_ipid(t, ipid, owner, now, &f);
	if (o != NULL) {
		for (size_t i = 0; i < n; i++) {
			memset(&ipids[i], 0, sizeof(ipids[i]));
			hr[i] = iface_add(t, o, &iids[i], public_refs, &ipids[i]);
		}
		if (oid != NULL)
			*oid = o->oid;
	}
	pthread_mutex_unlock(&t->mu);
	return o != NULL ? 0 : DCOM_RPC_E_INVALID_IPID;
}

uint32_t dcom_table_addref(struct dcom_table *t, const struct rpc_uuid *ipid, const char *owner,
			   uint64_t now, uint32_t public_refs, uint32_t private_refs)
{
	struct dcom_table_iface *f;
	uint32_t hr = 0;

	pthread_mutex_lock(&t->mu);
	if (owned_ipid(t, ipid, owner, now, &f) == NULL)
		hr = DCOM_RPC_E_INVALID_IPID;
	else if (public_refs > DCOM_TABLE_MAX_REFS - f->public_refs ||
		 private_refs > DCOM_TABLE_MAX_REFS - f->private_refs)
		hr = DCOM_E_OUTOFMEMORY;
	else {
		f->public_refs += public_refs;
		f->private_refs += private_refs;
	}
	pthread_mutex_unlock(&t->mu);
	return hr;
}

static uint32_t less(uint32_t have, uint32_t minus)
{
	return minus >= have ? 0 : have - minus;
}

uint32_t dcom_table_release(struct dcom_table *t, const struct rpc_uuid *ipid, const char *owner,
			    uint64_t now, uint32_t public_refs, uint32_t private_refs, int *freed)
{
	struct dcom_table_iface *f;
	struct dcom_table_object *o;
	int gone = 0;

	pthread_mutex_lock(&t->mu);
	o = owned_ipid(t, ipid, owner, now, &f);
	if (o != NULL) {
		f->public_refs = less(f->public_refs, public_refs);
		f->private_refs = less(f->private_refs, private_refs);
		if (f->public_refs == 0 && f->private_refs == 0) {
			int left = 0;

			memset(f, 0, sizeof(*f));
			for (int k = 0; k < DCOM_TABLE_MAX_IFACES; k++)
				left += o->iface[k].used;
			if (left == 0) {
				object_free(t, o);
				gone = 1;
			}
		}
	}
	pthread_mutex_unlock(&t->mu);
	if (freed != NULL)
		*freed = gone;
	return o != NULL ? 0 : DCOM_RPC_E_INVALID_IPID;
}

/* ---- ping sets ---- */

/* The live object oid of owner at now, or NULL (an expired one is freed). */
static struct dcom_table_object *owned_oid(struct dcom_table *t, uint64_t oid, const char *owner,
					   uint64_t now)
{
	for (unsigned i = 0; i < t->lim.total; i++) {
		struct dcom_table_object *o = &t->obj[i];

		if (!o->used || o->oid != oid)
			continue;
		if (!owned_by(t, o->owner, owner))
			return NULL;
		if (stale(t, o->alive_at, now)) {
			object_free(t, o);
			return NULL;
		}
		return o;
	}
	return NULL;
}

/* owner's live set setid at now, or NULL (an expired one is freed). */
static struct dcom_table_set *owned_set(struct dcom_table *t, uint64_t setid, const char *owner,
					uint64_t now)
{
	for (unsigned i = 0; i < t->lim.sets_total; i++) {
		struct dcom_table_set *s = &t->set[i];

		if (!s->used || s->setid != setid)
			continue;
		if (!owned_by(t, s->owner, owner))
			return NULL;
		if (stale(t, s->pinged_at, now)) {
			set_free(t, s);
			return NULL;
		}
		return s;
	}
	return NULL;
}

/* The set and every object in it are alive at now. */
static void ping(struct dcom_table *t, struct dcom_table_set *s, uint64_t now)
{
	if (now > s->pinged_at)
		s->pinged_at = now;
	for (unsigned i = 0; i < s->n_oids; i++)
		for (unsigned j = 0; j < t->lim.total; j++)
			if (t->obj[j].used && t->obj[j].oid == s->oids[i]) {
				if (now > t->obj[j].alive_at)
					t->obj[j].alive_at = now;
				break;
			}
}

static int set_has(const struct dcom_table_set *s, uint64_t oid)
{
	for (unsigned i = 0; i < s->n_oids; i++)
		if (s->oids[i] == oid)
			return 1;
	return 0;
}

/* A new set for owner at now in *out: 0, or the resolver's status. */
static uint32_t set_new(struct dcom_table *t, const char *owner, uint64_t now,
			struct dcom_table_set **out)
{
	unsigned freed = 0;
	uint64_t setid;
	int ow;

	expire_sets(t, now, &freed);
	ow = owner_find(t, owner);
	if (t->n_sets >= t->lim.sets_total ||
	    (ow >= 0 && t->owner[ow].n_sets >= t->lim.sets_per_owner))
		return DCOM_TABLE_ERROR_OUTOFMEMORY;
	if (draw64(t, setid_taken, &setid) != 0)
		return DCOM_TABLE_ERROR_OUTOFMEMORY;
	for (unsigned i = 0; i < t->lim.sets_total; i++) {
		struct dcom_table_set *s = &t->set[i];

		if (s->used)
			continue;
		if ((ow = owner_get(t, owner)) < 0)
			break;
		s->used = 1;
		s->owner = (unsigned)ow;
		s->setid = setid;
		s->pinged_at = now;
		s->n_oids = 0;
		t->owner[ow].n_sets++;
		t->n_sets++;
		*out = s;
		return 0;
	}
	return DCOM_TABLE_ERROR_OUTOFMEMORY; /* cannot happen: the counts say there is room */
}

uint32_t dcom_table_complex_ping(struct dcom_table *t, const char *owner, uint64_t now,
				 uint64_t *setid, uint16_t seq, const uint64_t *add, size_t n_add,
				 const uint64_t *del, size_t n_del)
{
	struct dcom_table_set *s = NULL;
	uint32_t st = 0;

	if (!owner_ok(owner) || setid == NULL || n_add > DCOM_TABLE_MAX_PING_OIDS ||
	    n_del > DCOM_TABLE_MAX_PING_OIDS || (n_add > 0 && add == NULL) ||
	    (n_del > 0 && del == NULL))
		return DCOM_TABLE_ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&t->mu);
	if (*setid != 0 && (s = owned_set(t, *setid, owner, now)) == NULL) {
		st = DCOM_OR_INVALID_SET;
		goto out;
	}
	/* Every OID to add first: a refused call changes nothing. */
	for (size_t i = 0; i < n_add; i++)
		if (owned_oid(t, add[i], owner, now) == NULL) {
			st = DCOM_OR_INVALID_OID;
			goto out;
		}
	if (s == NULL && (st = set_new(t, owner, now, &s)) != 0)
		goto out;
	for (size_t i = 0; i < n_add; i++) {
		if (set_has(s, add[i]))
			continue;
		/* A set holds its owner's live objects only: at most per_owner. */
		if (s->n_oids >= t->lim.per_owner)
			break;
		s->oids[s->n_oids++] = add[i];
	}
	for (size_t i = 0; i < n_del; i++)
		set_remove_oid(s, del[i]);
	s->seq = seq;
	ping(t, s, now);
	*setid = s->setid;
out:
	pthread_mutex_unlock(&t->mu);
	return st;
}

uint32_t dcom_table_simple_ping(struct dcom_table *t, const char *owner, uint64_t setid,
				uint64_t now)
{
	struct dcom_table_set *s = NULL;

	if (!owner_ok(owner))
		return DCOM_OR_INVALID_SET;
	pthread_mutex_lock(&t->mu);
	if ((s = owned_set(t, setid, owner, now)) != NULL)
		ping(t, s, now);
	pthread_mutex_unlock(&t->mu);
	return s != NULL ? 0 : DCOM_OR_INVALID_SET;
}

void dcom_table_expire(struct dcom_table *t, uint64_t now, unsigned *objects, unsigned *sets)
{
	unsigned no = 0, ns = 0;

	pthread_mutex_lock(&t->mu);
	/* Sets first: a dead set's objects were last pinged with it, so they go
	 * now too unless a call kept them alive since. */
	expire_sets(t, now, &ns);
	expire_objects(t, now, &no);
	pthread_mutex_unlock(&t->mu);
	if (objects != NULL)
		*objects = no;
	if (sets != NULL)
		*sets = ns;
}

unsigned dcom_table_objects(struct dcom_table *t, const char *owner)
{
	unsigned n = 0;

	pthread_mutex_lock(&t->mu);
	if (owner == NULL)
		n = t->n_objects;
	else if (owner_ok(owner)) {
		int i = owner_find(t, owner);

		n = i >= 0 ? t->owner[i].n_objects : 0;
	}
	pthread_mutex_unlock(&t->mu);
	return n;
}

unsigned dcom_table_sets(struct dcom_table *t, const char *owner)
{
	unsigned n = 0;

	pthread_mutex_lock(&t->mu);
	if (owner == NULL)
		n = t->n_sets;
	else if (owner_ok(owner)) {
		int i = owner_find(t, owner);

		n = i >= 0 ? t->owner[i].n_sets : 0;
	}
	pthread_mutex_unlock(&t->mu);
	return n;
}
