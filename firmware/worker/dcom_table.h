/* The worker's DCOM object table (issue 17): the one object exporter (OXID)
 * the worker is, the CCertRequestD objects clients activated, their interface
 * pointers (IPIDs) with reference counts (MS-DCOM 3.1.1.5.6: RemQueryInterface,
 * RemAddRef, RemRelease), and the ping sets that keep them alive (MS-DCOM
 * 3.1.2.5.1.2/3: SimplePing, ComplexPing; 3.1.2.6: reclamation).
 *
 * Pure bookkeeping under one mutex: no clock (every operation that can expire
 * something is given `now`, seconds on a monotonic clock), no network, no
 * logging. Identifiers (OXID, OIDs, IPIDs, SETIDs) are random from getrandom(2)
 * (or the source the table is given), never 0 or nil, re-drawn when they
 * collide with a live one; a source that fails is an error returned.
 *
 * Decisions:
 * - An owner is the logon identity of the caller ("DOMAIN\user", what
 *   ca-auth answered), compared exactly (octet for octet, no case folding).
 *   An empty owner is refused (E_INVALIDARG): the wiring decides what an
 *   anonymous caller is called, if it may call at all.
 * - Another owner's IPID is answered exactly like an unknown, released or
 *   expired one: DCOM_RPC_E_INVALID_IPID. Another owner's SETID is
 *   OR_INVALID_SET, another owner's OID in AddToSet OR_INVALID_OID. Nothing
 *   tells a caller that an identifier exists for someone else.
 * - Caps are refusals, never evictions: the owner's cap or the appliance's
 *   (objects, ping sets, interfaces per object, references per interface) is
 *   E_OUTOFMEMORY (DCOM_TABLE_ERROR_OUTOFMEMORY for the resolver's ping
 *   calls); a live object is never freed to make room.
 * - Lifetime (MS-DCOM 3.1.2.2: a ping set not pinged for three ping periods of
 *   two minutes is dead): an object is freed when nothing showed its client
 *   alive for ping_period_s * ping_misses: its activation, an ORPC call on it
 *   (lookup, remqi, addref: MS-DCOM 3.1.1.6's "last ORPC invocation time"), a
 *   ping of a set that holds it. So an object never added to a set expires
 *   that long after its activation (or last call). A ping set not pinged for
 *   that long is freed too. Expiry happens in dcom_table_expire and, for the
 *   object or set a call names, in that call: an expired one is never found.
 * - An IPID whose public and private references both reached 0 is removed;
 *   an object without IPIDs is freed (and leaves its owner's sets).
 *   RemRelease of more references than held sets the count to 0 (MS-DCOM
 *   3.1.1.5.6.1.3): the count never wraps. RemAddRef beyond
 *   DCOM_TABLE_MAX_REFS is refused and changes nothing.
 * - ComplexPing's AddToSet is checked whole before anything changes: one OID
 *   that is not a live object of the caller refuses the call (OR_INVALID_OID;
 *   with SETID 0 no set is made). DelFromSet ignores OIDs not in the set
 *   (the client deletes OIDs of objects it released, which are gone). Adding
 *   an OID already in the set, deleting one not there: no-ops, so a call
 *   retried (the method is idempotent) does nothing twice. The sequence
 *   number is recorded, not enforced: impacket sends 0 on every call.
 */
#ifndef WORKER_DCOM_TABLE_H
#define WORKER_DCOM_TABLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/uuid.h"

/* Hard bounds, whatever the limits say (they size the allocations). */
#define DCOM_TABLE_MAX_TOTAL 4096      /* objects in the table */
#define DCOM_TABLE_MAX_PER_OWNER 256   /* objects per owner (a ping touches each) */
#define DCOM_TABLE_MAX_SETS 4096       /* ping sets in the table */
#define DCOM_TABLE_MAX_IFACES 4        /* distinct interfaces (IPIDs) per object */
#define DCOM_TABLE_MAX_IIDS 64         /* IIDs one activation names (repeats included) */
#define DCOM_TABLE_MAX_REFS 65536u     /* public, and private, references per IPID */
#define DCOM_TABLE_MAX_PING_OIDS 256   /* OIDs to add, and to delete, per ComplexPing */
#define DCOM_TABLE_OWNER_MAX 256       /* octets of an owner (auth/proto.h AUTH_IDENTITY_MAX) */

/* The resolver's status for a ping-set cap or a failed random source (Win32
 * ERROR_OUTOFMEMORY: IObjectExporter answers error_status_t, not HRESULTs),
 * and for counts beyond DCOM_TABLE_MAX_PING_OIDS or an empty owner
 * (ERROR_INVALID_PARAMETER). */
#define DCOM_TABLE_ERROR_OUTOFMEMORY 14u
#define DCOM_TABLE_ERROR_INVALID_PARAMETER 87u

struct dcom_table_limits {
	unsigned per_owner;      /* objects per owner (also the OIDs one set can hold) */
	unsigned total;          /* objects in all, <= DCOM_TABLE_MAX_TOTAL */
	unsigned sets_per_owner; /* ping sets per owner */
	unsigned sets_total;     /* ping sets in all, <= DCOM_TABLE_MAX_SETS */
	unsigned ping_period_s;  /* MS-DCOM: 120 */
	unsigned ping_misses;    /* MS-DCOM: 3 */
};

/* 32 objects per owner, 1024 in all, 4 ping sets per owner, 256 in all, 120 s,
 * 3 periods. */
void dcom_table_default_limits(struct dcom_table_limits *l);

/* Fills buf with n random octets: 0, or -1 when it cannot. */
typedef int (*dcom_table_random_fn)(void *buf, size_t n);

struct dcom_table_iface {
	int used;
	struct rpc_uuid iid, ipid;
	uint32_t public_refs, private_refs;
};

struct dcom_table_object {
	int used;
	unsigned owner;    /* index into owners */
	uint64_t oid;
	uint64_t alive_at; /* the last sign its client lives: activation, a call, a ping */
	struct dcom_table_iface iface[DCOM_TABLE_MAX_IFACES];
};

struct dcom_table_set {
	int used;
	unsigned owner;
	uint64_t setid;
	uint16_t seq;       /* the last ComplexPing's SequenceNum, for the logs */
	uint64_t pinged_at;
	unsigned n_oids;
	uint64_t *oids;     /* per_owner entries: only the owner's live OIDs go in */
};

struct dcom_table_owner {
	unsigned n_objects, n_sets; /* the entry is free when both are 0 */
	char name[DCOM_TABLE_OWNER_MAX + 1];
};

struct dcom_table {
	pthread_mutex_t mu;
	int ready; /* init succeeded: mu exists */
	struct dcom_table_limits lim;
	dcom_table_random_fn rnd;
	uint64_t oxid;
	struct rpc_uuid remunknown_ipid; /* the OXID's IRemUnknown2 */
	struct dcom_table_object *obj;   /* lim.total */
	struct dcom_table_set *set;      /* lim.sets_total */
	uint64_t *set_oids;              /* lim.sets_total * lim.per_owner */
	struct dcom_table_owner *owner;  /* lim.total + lim.sets_total */
	size_t n_owner_slots;
	unsigned n_objects, n_sets;
};

/* Allocates the table for lim (NULL: the defaults) and draws the OXID and the
 * IRemUnknown2 IPID from rnd (NULL: getrandom(2)). 0, or -1 (limits of 0 or
 * beyond the hard bounds, a ping period * misses of 0 or beyond a day, no
 * memory, no randomness); t is then freed. per_owner is at most
 * DCOM_TABLE_MAX_PER_OWNER and total; sets_per_owner at most sets_total. */
int dcom_table_init(struct dcom_table *t, const struct dcom_table_limits *lim,
		    dcom_table_random_fn rnd);
/* Frees everything (t may have failed init or be zeroed). */
void dcom_table_free(struct dcom_table *t);

/* The exporter's identifiers, fixed at init (no lock needed). */
uint64_t dcom_table_oxid(const struct dcom_table *t);
void dcom_table_remunknown_ipid(const struct dcom_table *t, struct rpc_uuid *ipid);
int dcom_table_is_remunknown(const struct dcom_table *t, const struct rpc_uuid *ipid);

/* A new object for owner at now, with one IPID per distinct IID of iids[0..n)
 * (a repeated IID gets the same IPID and its references again), each given
 * public_refs references (the cPublicRefs of the STDOBJREF the caller hands
 * out). 0 with *oid and ipids[i] for iids[i]; DCOM_E_OUTOFMEMORY (the
 * owner's or the table's cap: nothing evicted), DCOM_E_INVALIDARG (empty or
 * too long owner, n of 0 or beyond DCOM_TABLE_MAX_IIDS, more than
 * DCOM_TABLE_MAX_IFACES distinct IIDs, public_refs 0 or, times n, beyond
 * DCOM_TABLE_MAX_REFS), DCOM_CO_E_SERVER_EXEC_FAILURE
 * (no randomness). Expired objects are freed first, so their room is usable. */
uint32_t dcom_table_activate(struct dcom_table *t, const char *owner, uint64_t now,
			     const struct rpc_uuid *iids, size_t n, uint32_t public_refs,
			     uint64_t *oid, struct rpc_uuid *ipids);

/* The interface ipid is of, for owner: 0 with *iid and *oid (either may be
 * NULL), or DCOM_RPC_E_INVALID_IPID (unknown, released, expired or another
 * owner's). A call on it: the object is alive at now. The IRemUnknown2
 * IPID is no object (DCOM_RPC_E_INVALID_IPID here): dcom_table_is_remunknown
 * recognises it. firmware/worker/dcom.c passes this code on unchanged, for
 * RemQueryInterface and each RemAddRef element too (MS-DCOM may name other
 * codes there, RPC_E_INVALID_OBJECT and CO_E_OBJNOTREG, which could not be
 * confirmed): one code for every reason, so nothing tells a caller why. */
uint32_t dcom_table_lookup(struct dcom_table *t, const struct rpc_uuid *ipid, const char *owner,
			   uint64_t now, struct rpc_uuid *iid, uint64_t *oid);

/* RemQueryInterface: for each iids[i], the object's IPID for it (existing,
 * or new) with public_refs more references: hr[i] 0 and ipids[i], or
 * DCOM_E_OUTOFMEMORY (the object has DCOM_TABLE_MAX_IFACES interfaces, or
 * the count would pass DCOM_TABLE_MAX_REFS), DCOM_CO_E_SERVER_EXEC_FAILURE
 * (no randomness). Which IIDs the object supports is the caller's decision
 * (E_NOINTERFACE): pass only those. Returns 0 (see hr[]),
 * DCOM_RPC_E_INVALID_IPID as lookup, or DCOM_E_INVALIDARG (n of 0 or beyond
 * DCOM_TABLE_MAX_IFACES, public_refs 0 or beyond DCOM_TABLE_MAX_REFS). *oid
 * may be NULL. */
uint32_t dcom_table_remqi(struct dcom_table *t, const struct rpc_uuid *ipid, const char *owner,
			  uint64_t now, const struct rpc_uuid *iids, size_t n, uint32_t public_refs,
			  struct rpc_uuid *ipids, uint32_t *hr, uint64_t *oid);

/* RemAddRef of one REMINTERFACEREF: 0, DCOM_RPC_E_INVALID_IPID as lookup, or
 * DCOM_E_OUTOFMEMORY (a count would pass DCOM_TABLE_MAX_REFS; unchanged). */
uint32_t dcom_table_addref(struct dcom_table *t, const struct rpc_uuid *ipid, const char *owner,
			   uint64_t now, uint32_t public_refs, uint32_t private_refs);

/* RemRelease of one REMINTERFACEREF: each count less the given one, 0 at
 * least; at 0 and 0 the IPID is gone, and the object with its last IPID.
 * 0, or DCOM_RPC_E_INVALID_IPID as lookup. *freed (may be NULL) says the
 * object was freed. */
uint32_t dcom_table_release(struct dcom_table *t, const struct rpc_uuid *ipid, const char *owner,
			    uint64_t now, uint32_t public_refs, uint32_t private_refs, int *freed);

/* ComplexPing for owner at now: *setid 0 makes a set (its SETID written
 * back), else the owner's set *setid; add[0..n_add) joins it, del[0..n_del)
 * leaves it, then the set is pinged. 0, DCOM_OR_INVALID_SET (unknown,
 * expired or another owner's), DCOM_OR_INVALID_OID (an OID to add that is not
 * a live object of owner: nothing changed), DCOM_TABLE_ERROR_OUTOFMEMORY (the
 * owner's or the table's set cap; no randomness),
 * DCOM_TABLE_ERROR_INVALID_PARAMETER (more than DCOM_TABLE_MAX_PING_OIDS
 * either way, an empty owner). */
uint32_t dcom_table_complex_ping(struct dcom_table *t, const char *owner, uint64_t now,
				 uint64_t *setid, uint16_t seq, const uint64_t *add, size_t n_add,
				 const uint64_t *del, size_t n_del);

/* SimplePing: 0, or DCOM_OR_INVALID_SET (unknown, expired or another
 * owner's). Every object in the set is alive at now. */
uint32_t dcom_table_simple_ping(struct dcom_table *t, const char *owner, uint64_t setid,
				uint64_t now);

/* Frees the sets and objects not shown alive for ping_period_s * ping_misses
 * by now. *objects, *sets (may be NULL): how many. */
void dcom_table_expire(struct dcom_table *t, uint64_t now, unsigned *objects, unsigned *sets);

/* For the tests and the logs: objects (sets) of owner, or of the table when
 * owner is NULL, as they stand (the dead are counted until something frees
 * them: dcom_table_expire first for a fresh count). */
unsigned dcom_table_objects(struct dcom_table *t, const char *owner);
unsigned dcom_table_sets(struct dcom_table *t, const char *owner);

#endif
