/* IObjectExporter stubs (dcom_oxid.h). */
#include "firmware/rpc/dcom_oxid.h"

#include "firmware/rpc/icpr_stub.h" /* RPC_REFERENT_BASE */

#include <stdio.h>
#include <string.h>

/* ResolveOxid / ResolveOxid2: the OXID and the requested protseqs. */
static void get_resolve(struct ndr_rd *r, struct dcom_oxid_in *in)
{
	uint16_t n;
	uint32_t max;

	in->oxid = ndr_get_u64(r);
	n = ndr_get_u16(r);
	max = ndr_get_u32(r); /* arRequestedProtseqs' conformance */
	if (r->failed)
		return;
	if (max != n) {
		ndr_rd_fail(r, "arRequestedProtseqs: max_count %u for %u protseqs", max, n);
		return;
	}
	if (n > DCOM_OXID_MAX_PROTSEQS) {
		ndr_rd_fail(r, "cRequestedProtseqs %u (at most %d)", n, DCOM_OXID_MAX_PROTSEQS);
		return;
	}
	for (uint16_t i = 0; i < n; i++)
		in->protseqs[i] = ndr_get_u16(r);
	in->n_protseqs = n;
}

/* One [in, unique, size_is(count)] OID array: the referent and, as a
 * top-level pointer's pointee follows it at once (not deferred: NDR defers
 * only embedded pointers), max_count and the OIDs. count is within the bound. */
static void get_oids(struct ndr_rd *r, uint16_t count, uint64_t *oids, size_t *n,
		     const char *what)
{
	uint32_t ref, max;

	ref = ndr_get_u32(r);
	if (r->failed)
		return;
	if (ref == 0) {
		if (count != 0)
			ndr_rd_fail(r, "%s: %u OIDs behind a NULL pointer", what, count);
		return;
	}
	max = ndr_get_u32(r);
	if (r->failed)
		return;
	if (max != count) {
		ndr_rd_fail(r, "%s: max_count %u for %u OIDs", what, max, count);
		return;
	}
	for (uint16_t i = 0; i < count; i++)
		oids[i] = ndr_get_u64(r);
	*n = count;
}

static void get_complex_ping(struct ndr_rd *r, struct dcom_oxid_in *in)
{
	uint16_t n_add, n_del;

	in->setid = ndr_get_u64(r);
	in->sequence = ndr_get_u16(r);
	n_add = ndr_get_u16(r);
	n_del = ndr_get_u16(r);
	if (r->failed)
		return;
	if (n_add > DCOM_PING_MAX_OIDS || n_del > DCOM_PING_MAX_OIDS) {
		ndr_rd_fail(r, "ComplexPing: %u OIDs to add, %u to delete (at most %d each)",
			    n_add, n_del, DCOM_PING_MAX_OIDS);
		return;
	}
	get_oids(r, n_add, in->add, &in->n_add, "AddToSet");
	get_oids(r, n_del, in->del, &in->n_del, "DelFromSet");
}

int dcom_oxid_decode(uint16_t opnum, const uint8_t *stub, size_t len, struct dcom_oxid_in *in,
		     char *err, size_t errlen)
{
	static const char *const names[DCOM_OXID_N_OPS] = {
		"ResolveOxid", "SimplePing", "ComplexPing", "ServerAlive", "ResolveOxid2",
		"ServerAlive2"};
	struct ndr_rd r;

	memset(in, 0, sizeof *in);
	ndr_rd_init(&r, stub, len);
	switch (opnum) {
	case DCOM_OXID_OPNUM_RESOLVE_OXID:
	case DCOM_OXID_OPNUM_RESOLVE_OXID2:
		get_resolve(&r, in);
		break;
	case DCOM_OXID_OPNUM_SIMPLE_PING:
		in->setid = ndr_get_u64(&r);
		break;
	case DCOM_OXID_OPNUM_COMPLEX_PING:
		get_complex_ping(&r, in);
		break;
	case DCOM_OXID_OPNUM_SERVER_ALIVE:
	case DCOM_OXID_OPNUM_SERVER_ALIVE2:
		break; /* no [in] parameters */
	default:
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "IObjectExporter: no opnum %u", opnum);
		return -1;
	}
	if (ndr_rd_end(&r, 7) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", names[opnum], r.err);
		memset(in, 0, sizeof *in);
		return -1;
	}
	return 0;
}

/* A [unique] DUALSTRINGARRAY* as an [out] value: the referent, then the
 * conformant structure (NULL b: referent 0). */
static void put_dsa_ptr(struct ndr_wr *w, const struct dcom_bindings *b, uint32_t *ref)
{
	if (b == NULL) {
		ndr_put_u32(w, 0);
		return;
	}
	ndr_put_u32(w, *ref);
	*ref += 4;
	dcom_put_dsa(w, b);
}

static void put_resolve(struct ndr_wr *w, const struct dcom_oxid_out *o, int v2)
{
	static const struct rpc_uuid nil;
	uint32_t ref = RPC_REFERENT_BASE;
	int ok = o->status == 0;

	put_dsa_ptr(w, ok ? o->oxid_bindings : NULL, &ref);
	ndr_put_uuid(w, ok ? &o->ipid_remunknown : &nil);
	ndr_put_u32(w, ok ? o->authn_hint : 0);
	if (v2) {
		ndr_put_u16(w, ok ? o->com_major : 0);
		ndr_put_u16(w, ok ? o->com_minor : 0);
	}
}

int dcom_oxid_encode(uint16_t opnum, const struct dcom_oxid_out *out, struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;
	int ok = out->status == 0;

	if (w->len != 0)
		return -1;
	switch (opnum) {
	case DCOM_OXID_OPNUM_RESOLVE_OXID:
	case DCOM_OXID_OPNUM_RESOLVE_OXID2:
		put_resolve(w, out, opnum == DCOM_OXID_OPNUM_RESOLVE_OXID2);
		break;
	case DCOM_OXID_OPNUM_COMPLEX_PING:
		ndr_put_u64(w, ok ? out->setid : 0);
		ndr_put_u16(w, ok ? out->backoff : 0);
		break;
	case DCOM_OXID_OPNUM_SERVER_ALIVE2:
		ndr_put_u16(w, ok ? out->com_major : 0);
		ndr_put_u16(w, ok ? out->com_minor : 0);
		put_dsa_ptr(w, ok ? out->or_bindings : NULL, &ref);
		ndr_put_u32(w, 0); /* *pReserved */
		break;
	case DCOM_OXID_OPNUM_SIMPLE_PING:
	case DCOM_OXID_OPNUM_SERVER_ALIVE:
		break; /* the status only */
	default:
		return -1;
	}
	ndr_put_u32(w, out->status);
	return ndr_wr_ok(w) ? 0 : -1;
}
