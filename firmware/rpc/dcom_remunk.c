/* IRemUnknown / IRemUnknown2 stubs (dcom_remunk.h). */
#include "firmware/rpc/dcom_remunk.h"

#include "firmware/rpc/icpr_stub.h" /* RPC_REFERENT_BASE */

#include <stdio.h>
#include <string.h>

/* The most octets one OBJREF_STANDARD takes: header, STDOBJREF and the
 * largest DUALSTRINGARRAY dcom.c writes. */

/* The [size_is(count)] array's conformance, which must be count, and the
 * bound. */
static int get_count(struct ndr_rd *r, uint16_t count, const char *what)
{
	uint32_t max = ndr_get_u32(r);

	if (r->failed)
		return -1;
	if (max != count)
		return ndr_rd_fail(r, "%s: max_count %u for a count of %u", what, max, count);
	if (count > DCOM_REM_MAX)
		return ndr_rd_fail(r, "%s: %u entries (at most %d)", what, count, DCOM_REM_MAX);
	return 0;
}

static void get_iids(struct ndr_rd *r, uint16_t count, struct dcom_remunk_in *in)
{
	if (get_count(r, count, "iids") != 0)
		return;
	for (uint16_t i = 0; i < count; i++)
		ndr_get_uuid(r, &in->iids[i]);
	in->n_iids = count;
}

/* RemAddRef / RemRelease: cInterfaceRefs and the REMINTERFACEREF array. */
static void get_irefs(struct ndr_rd *r, struct dcom_remunk_in *in)
{
	uint16_t count = ndr_get_u16(r);

	if (get_count(r, count, "InterfaceRefs") != 0)
		return;
	for (uint16_t i = 0; i < count; i++) {
		ndr_get_uuid(r, &in->irefs[i].ipid);
		in->irefs[i].public_refs = ndr_get_u32(r);
		in->irefs[i].private_refs = ndr_get_u32(r);
	}
	in->n_irefs = count;
}

int dcom_remunk_decode(uint16_t opnum, const uint8_t *stub, size_t len,
		       struct dcom_remunk_in *in, char *err, size_t errlen)
{
	static const char *const names[DCOM_REMUNK_N_OPS] = {
		NULL, NULL, NULL, "RemQueryInterface", "RemAddRef", "RemRelease",
		"RemQueryInterface2"};
	struct ndr_rd r;

	memset(in, 0, sizeof *in);
	if (opnum < DCOM_REMUNK_OPNUM_QI || opnum >= DCOM_REMUNK_N_OPS) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "IRemUnknown2: no opnum %u", opnum);
		return -1;
	}
	ndr_rd_init(&r, stub, len);
	dcom_get_orpcthis(&r, &in->orpc);
	switch (opnum) {
	case DCOM_REMUNK_OPNUM_QI:
		ndr_get_uuid(&r, &in->ipid);
		in->refs = ndr_get_u32(&r);
		get_iids(&r, ndr_get_u16(&r), in);
		break;
	case DCOM_REMUNK_OPNUM_QI2:
		ndr_get_uuid(&r, &in->ipid);
		get_iids(&r, ndr_get_u16(&r), in);
		break;
	default: /* RemAddRef, RemRelease */
		get_irefs(&r, in);
		break;
	}
	if (ndr_rd_end(&r, 7) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", names[opnum], r.err);
		memset(in, 0, sizeof *in);
		return -1;
	}
	return 0;
}

/* RemQueryInterface's ppQIResults: a referent, then n REMQIRESULTs as a
 * conformant array (each aligned to 8: STDOBJREF holds hypers). */
static void put_qi(struct ndr_wr *w, const struct dcom_remunk_out *o)
{
	static const struct dcom_stdobjref none;

	if (o->hr != 0) {
		ndr_put_u32(w, 0);
		return;
	}
	ndr_put_u32(w, RPC_REFERENT_BASE);
	ndr_put_u32(w, (uint32_t)o->n);
	for (size_t i = 0; i < o->n; i++) {
		ndr_put_align(w, 8);
		ndr_put_u32(w, o->results[i]);
		dcom_put_stdobjref(w, o->results[i] == 0 ? &o->std[i] : &none);
	}
}

/* RemQueryInterface2's phr and ppMIF: n HRESULTs, n [unique] pointers, then
 * each MInterfacePointer holding an OBJREF_STANDARD. */
static void put_qi2(struct ndr_wr *w, const struct dcom_remunk_out *o)
{
	uint32_t ref = RPC_REFERENT_BASE;

	ndr_put_u32(w, (uint32_t)o->n);
	for (size_t i = 0; i < o->n; i++)
		ndr_put_u32(w, o->results[i]);
	ndr_put_u32(w, (uint32_t)o->n);
	for (size_t i = 0; i < o->n; i++) {
		if (o->hr != 0 || o->results[i] != 0) {
			ndr_put_u32(w, 0);
			continue;
		}
		ndr_put_u32(w, ref);
		ref += 4;
	}
	if (o->hr != 0)
		return;
	for (size_t i = 0; i < o->n && ndr_wr_ok(w); i++)
		if (o->results[i] == 0)
			dcom_put_objref_mip(w, &o->iids[i], &o->std[i], o->resolver);
}

int dcom_remunk_encode(uint16_t opnum, const struct dcom_remunk_out *out, struct ndr_wr *w)
{
	if (w->len != 0 || out->n > DCOM_REM_MAX)
		return -1;
	switch (opnum) {
	case DCOM_REMUNK_OPNUM_QI:
		dcom_put_orpcthat(w);
		put_qi(w, out);
		break;
	case DCOM_REMUNK_OPNUM_ADDREF:
		dcom_put_orpcthat(w);
		ndr_put_u32(w, (uint32_t)out->n); /* pResults' conformance */
		for (size_t i = 0; i < out->n; i++)
			ndr_put_u32(w, out->results[i]);
		break;
	case DCOM_REMUNK_OPNUM_RELEASE:
		dcom_put_orpcthat(w);
		break;
	case DCOM_REMUNK_OPNUM_QI2:
		dcom_put_orpcthat(w);
		put_qi2(w, out);
		break;
	default:
		return -1;
	}
	ndr_put_u32(w, out->hr);
	return ndr_wr_ok(w) ? 0 : -1;
}
