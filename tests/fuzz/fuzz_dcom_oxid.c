/* libFuzzer target: the OXID resolver's and the remote unknown's request
 * decoders (firmware/rpc/dcom_oxid.c, dcom_remunk.c), what any client on the
 * endpoint-mapper and ICPR ports sends. Octet 0 selects: bit 4 clear ->
 * IObjectExporter, set -> IRemUnknown2; the low 4 bits are the opnum (those
 * that do not exist must be refused). The rest is the request stub.
 *
 * What decodes must keep the bounds (DCOM_OXID_MAX_PROTSEQS,
 * DCOM_PING_MAX_OIDS, DCOM_REM_MAX), must re-encode (with this target's own
 * writer of the [in] parameters: zero pads, Windows' referents, no ORPC
 * extensions) to a stub that decodes to the same values and is as long as
 * the input less at most 7 trailing octets (when the input had no
 * extensions), and the response encoders must take answers built from it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/rpc/dcom.h"
#include "firmware/rpc/dcom_oxid.h"
#include "firmware/rpc/dcom_remunk.h"
#include "firmware/rpc/ndr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dcom_oxid_in oin, oin2;
static struct dcom_remunk_in rin, rin2;
static struct dcom_remunk_out rout;

static const struct dcom_bindings bindings = {
	.str = {{7, "127.0.0.1[5022]"}}, .n_str = 1, .sec = {{10, ""}}, .n_sec = 1};

static void put_u64(struct ndr_wr *w, uint64_t v)
{
	ndr_put_align(w, 8);
	ndr_put_u32(w, (uint32_t)v);
	ndr_put_u32(w, (uint32_t)(v >> 32));
}

/* A top-level [unique, size_is(n)] OID array. Every non-empty list gets a
 * referent; an empty one NULL (the input may have had an empty array: the
 * length check allows for that below). */
static void put_oids(struct ndr_wr *w, const uint64_t *oids, size_t n, uint32_t ref)
{
	if (n == 0) {
		ndr_put_u32(w, 0);
		return;
	}
	ndr_put_u32(w, ref);
	ndr_put_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		put_u64(w, oids[i]);
}

static void oxid_reencode(uint16_t opnum, const struct dcom_oxid_in *in, struct ndr_wr *w)
{
	switch (opnum) {
	case DCOM_OXID_OPNUM_RESOLVE_OXID:
	case DCOM_OXID_OPNUM_RESOLVE_OXID2:
		put_u64(w, in->oxid);
		ndr_put_u16(w, (uint16_t)in->n_protseqs);
		ndr_put_u32(w, (uint32_t)in->n_protseqs);
		for (size_t i = 0; i < in->n_protseqs; i++)
			ndr_put_u16(w, in->protseqs[i]);
		break;
	case DCOM_OXID_OPNUM_SIMPLE_PING:
		put_u64(w, in->setid);
		break;
	case DCOM_OXID_OPNUM_COMPLEX_PING:
		put_u64(w, in->setid);
		ndr_put_u16(w, in->sequence);
		ndr_put_u16(w, (uint16_t)in->n_add);
		ndr_put_u16(w, (uint16_t)in->n_del);
		put_oids(w, in->add, in->n_add, 0x20000);
		put_oids(w, in->del, in->n_del, 0x20004);
		break;
	default:
		break;
	}
}

/* The input may be longer than the re-encoding by up to 7 trailing octets
 * and by 4 for each non-NULL empty OID array (referent and max_count 0; it
 * goes back as NULL). */
static void check_len(size_t in_len, size_t out_len)
{
	if (out_len > in_len || in_len - out_len > 7 + 8)
		abort();
}

static void fuzz_oxid(uint16_t opnum, const uint8_t *p, size_t n)
{
	struct dcom_oxid_out out;
	struct ndr_wr w;
	char err[256];

	if (dcom_oxid_decode(opnum, p, n, &oin, err, sizeof err) != 0) {
		if (err[0] == 0)
			abort();
		return;
	}
	if (opnum >= DCOM_OXID_N_OPS || oin.n_protseqs > DCOM_OXID_MAX_PROTSEQS ||
	    oin.n_add > DCOM_PING_MAX_OIDS || oin.n_del > DCOM_PING_MAX_OIDS)
		abort();
	ndr_wr_init(&w, 65536);
	oxid_reencode(opnum, &oin, &w);
	if (!ndr_wr_ok(&w))
		abort();
	check_len(n, w.len);
	if (dcom_oxid_decode(opnum, w.buf, w.len, &oin2, err, sizeof err) != 0 ||
	    memcmp(&oin, &oin2, sizeof oin) != 0)
		abort();
	/* an answer made of what was asked */
	memset(&out, 0, sizeof out);
	out.oxid_bindings = out.or_bindings = &bindings;
	out.ipid_remunknown.b[0] = (uint8_t)oin.oxid;
	out.authn_hint = 6;
	out.com_major = DCOM_COM_MAJOR;
	out.com_minor = DCOM_COM_MINOR;
	out.setid = oin.setid;
	out.backoff = oin.sequence;
	out.status = oin.n_add > 0 ? 0 : DCOM_OR_INVALID_SET;
	ndr_wr_reset(&w);
	if (dcom_oxid_encode(opnum, &out, &w) != 0)
		abort();
	ndr_wr_free(&w);
}

static void remunk_reencode(uint16_t opnum, const struct dcom_remunk_in *in, struct ndr_wr *w)
{
	ndr_put_u16(w, in->orpc.major);
	ndr_put_u16(w, in->orpc.minor);
	ndr_put_u32(w, in->orpc.flags);
	ndr_put_u32(w, 0); /* reserved1 */
	ndr_put_uuid(w, &in->orpc.cid);
	ndr_put_u32(w, 0); /* extensions: NULL */
	if (opnum == DCOM_REMUNK_OPNUM_QI || opnum == DCOM_REMUNK_OPNUM_QI2) {
		ndr_put_uuid(w, &in->ipid);
		if (opnum == DCOM_REMUNK_OPNUM_QI)
			ndr_put_u32(w, in->refs);
		ndr_put_u16(w, (uint16_t)in->n_iids);
		ndr_put_u32(w, (uint32_t)in->n_iids);
		for (size_t i = 0; i < in->n_iids; i++)
			ndr_put_uuid(w, &in->iids[i]);
		return;
	}
	ndr_put_u16(w, (uint16_t)in->n_irefs);
	ndr_put_u32(w, (uint32_t)in->n_irefs);
	for (size_t i = 0; i < in->n_irefs; i++) {
		ndr_put_uuid(w, &in->irefs[i].ipid);
		ndr_put_u32(w, in->irefs[i].public_refs);
		ndr_put_u32(w, in->irefs[i].private_refs);
	}
}

static void fuzz_remunk(uint16_t opnum, const uint8_t *p, size_t n)
{
	struct ndr_wr w;
	char err[256];
	size_t count;

	if (dcom_remunk_decode(opnum, p, n, &rin, err, sizeof err) != 0) {
		if (err[0] == 0)
			abort();
		return;
	}
	if (opnum < DCOM_REMUNK_OPNUM_QI || opnum >= DCOM_REMUNK_N_OPS ||
	    rin.n_iids > DCOM_REM_MAX || rin.n_irefs > DCOM_REM_MAX ||
	    rin.orpc.n_extents > DCOM_MAX_EXTENTS)
		abort();
	(void)dcom_version_check(&rin.orpc);
	ndr_wr_init(&w, 65536);
	remunk_reencode(opnum, &rin, &w);
	if (!ndr_wr_ok(&w))
		abort();
	/* With a NULL extensions pointer (ORPCTHIS octets 28..31) the
	 * re-encoding is as long as the input less trailing octets; with
	 * extensions it is shorter. */
	if (w.len > n || (n >= 32 && memcmp(p + 28, "\0\0\0\0", 4) == 0 && n - w.len > 7))
		abort();
	if (dcom_remunk_decode(opnum, w.buf, w.len, &rin2, err, sizeof err) != 0)
		abort();
	rin2.orpc.n_extents = rin.orpc.n_extents;
	if (memcmp(&rin, &rin2, sizeof rin) != 0)
		abort();
	/* an answer per IID or reference: every other one refused */
	memset(&rout, 0, sizeof rout);
	count = opnum == DCOM_REMUNK_OPNUM_QI || opnum == DCOM_REMUNK_OPNUM_QI2 ? rin.n_iids
										  : rin.n_irefs;
	rout.n = count;
	rout.resolver = &bindings;
	for (size_t i = 0; i < count; i++) {
		rout.results[i] = i % 2 ? DCOM_E_NOINTERFACE : 0;
		rout.iids[i] = rin.iids[i];
		rout.std[i].public_refs = rin.refs;
		rout.std[i].ipid = rin.ipid;
	}
	ndr_wr_reset(&w);
	if (dcom_remunk_encode(opnum, &rout, &w) != 0)
		abort();
	ndr_wr_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t opnum;

	if (size < 1)
		return 0;
	opnum = data[0] & 0x0f;
	if (data[0] & 0x10)
		fuzz_remunk(opnum, data + 1, size - 1);
	else
		fuzz_oxid(opnum, data + 1, size - 1);
	return 0;
}
