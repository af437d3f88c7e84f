/* DCOM's ORPC wire basics (dcom.h). Written on the project's NDR reader and
 * writer: no DCOM library exists for a server in C on this platform (Samba's
 * is not a library one can link without its whole runtime), and the
 * structures are few and fixed. */
#include "firmware/rpc/dcom.h"

#include <string.h>

/* xxxxxxxx-0000-0000-c000-000000000046 in wire order: COM's own identifiers. */
#define COM_UUID(a, b)                                                                   \
	{                                                                                \
		{ (a), (b), 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 }             \
	}

const struct rpc_uuid dcom_iid_iunknown = COM_UUID(0x00, 0x00);
const struct rpc_uuid dcom_iid_iclassfactory = COM_UUID(0x01, 0x00);
const struct rpc_uuid dcom_iid_iremunknown = COM_UUID(0x31, 0x01);
const struct rpc_uuid dcom_iid_iremunknown2 = COM_UUID(0x43, 0x01);
const struct rpc_uuid dcom_iid_iremotescmactivator = COM_UUID(0xa0, 0x01);
const struct rpc_uuid dcom_iid_iactivation = {
	{ 0xb8, 0x4a, 0x9f, 0x4d, 0x1c, 0x7d, 0xcf, 0x11, 0x86, 0x1e, 0x00, 0x20, 0xaf, 0x6e,
	  0x7c, 0x57 }
};
const struct rpc_uuid dcom_iid_iobjectexporter = {
	{ 0xc4, 0xfe, 0xfc, 0x99, 0x60, 0x52, 0x1b, 0x10, 0xbb, 0xcb, 0x00, 0xaa, 0x00, 0x21,
	  0x34, 0x7a }
};
const struct rpc_uuid dcom_clsid_ccertrequestd = {
	{ 0x74, 0x6e, 0x9e, 0xd9, 0x88, 0xfc, 0xd0, 0x11, 0xb4, 0x98, 0x00, 0xa0, 0xc9, 0x03,
	  0x12, 0xf3 }
};
const struct rpc_uuid dcom_iid_icertrequestd = {
	{ 0x70, 0x6e, 0x9e, 0xd9, 0x88, 0xfc, 0xd0, 0x11, 0xb4, 0x98, 0x00, 0xa0, 0xc9, 0x03,
	  0x12, 0xf3 }
};
const struct rpc_uuid dcom_iid_icertrequestd2 = {
	{ 0x3a, 0xfd, 0x22, 0x54, 0xb8, 0xd4, 0xef, 0x4c, 0xa1, 0x2e, 0xe8, 0x7d, 0x4c, 0xa2,
	  0x2e, 0x90 }
};

/* One ORPC_EXTENT (a conformant structure: max_count first): its data is
 * skipped, its counts checked. */
static void get_extent(struct ndr_rd *r)
{
	struct rpc_uuid id;
	uint32_t max, size;

	max = ndr_get_u32(r);
	ndr_get_uuid(r, &id);
	size = ndr_get_u32(r);
	if (r->failed)
		return;
	if (size > DCOM_MAX_EXTENT_BYTES || max != ((size + 7u) & ~7u)) {
		ndr_rd_fail(r, "ORPCTHIS: an extent of %u octets with max_count %u", size, max);
		return;
	}
	if (max > 0)
		(void)ndr_get_bytes(r, max);
}

/* The deferred ORPC_EXTENT_ARRAY of an ORPCTHIS or ORPCTHAT: its counts
 * checked, its extents skipped; *n_extents is its size. */
static void get_extent_array(struct ndr_rd *r, uint32_t *n_extents)
{
	uint32_t size, arr, max;
	uint32_t refs[DCOM_MAX_EXTENTS + 1];

	size = ndr_get_u32(r);
	(void)ndr_get_u32(r); /* reserved */
	arr = ndr_get_u32(r);
	if (r->failed)
		return;
	if (size > DCOM_MAX_EXTENTS) {
		ndr_rd_fail(r, "ORPCTHIS: %u extents (at most %d)", size, DCOM_MAX_EXTENTS);
		return;
	}
	*n_extents = size;
	if (arr == 0)
		return;
	max = ndr_get_u32(r);
	if (!r->failed && max != ((size + 1u) & ~1u)) {
		ndr_rd_fail(r, "ORPCTHIS: %u extent pointers for %u extents", max, size);
		return;
	}
	for (uint32_t i = 0; i < max && !r->failed; i++)
		refs[i] = ndr_get_u32(r);
	for (uint32_t i = 0; i < max && !r->failed; i++)
		if (refs[i] != 0)
			get_extent(r);
}

void dcom_get_orpcthis(struct ndr_rd *r, struct dcom_orpcthis *t)
{
	uint32_t ext;

	memset(t, 0, sizeof(*t));
	t->major = ndr_get_u16(r);
	t->minor = ndr_get_u16(r);
	t->flags = ndr_get_u32(r);
	(void)ndr_get_u32(r); /* reserved1 */
	ndr_get_uuid(r, &t->cid);
	ext = ndr_get_u32(r);
	if (r->failed || ext == 0)
		return;
	get_extent_array(r, &t->n_extents);
}

uint32_t dcom_get_orpcthat(struct ndr_rd *r)
{
	uint32_t flags, ext, n = 0;

	flags = ndr_get_u32(r);
	ext = ndr_get_u32(r);
	if (!r->failed && ext != 0)
		get_extent_array(r, &n);
	return flags;
}

uint32_t dcom_version_check(const struct dcom_orpcthis *t)
{
	return t->major == DCOM_COM_MAJOR && t->minor <= DCOM_COM_MINOR ? 0
								 : DCOM_RPC_E_VERSION_MISMATCH;
}

void dcom_put_orpcthat(struct ndr_wr *w)
{
	ndr_put_u32(w, 0); /* flags */
	ndr_put_u32(w, 0); /* extensions: NULL */
}

/* Appends s (printable ASCII) and a NUL as UTF-16 units; -1 if it does not fit
 * or is not printable. */
static int put_units(const char *s, uint16_t *u, size_t max, size_t *n)
{
	for (; *s != 0; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *n >= max)
			return -1;
		u[(*n)++] = (uint16_t)(unsigned char)*s;
	}
	if (*n >= max)
		return -1;
	u[(*n)++] = 0;
	return 0;
}

/* A list's terminating 0 (and, for an empty list, the 0 that stands for its
 * one empty entry: MS-DCOM 2.2.19 writes an empty list as two zeros). */
static int end_list(size_t n, uint16_t *units, size_t max, size_t *k)
{
	for (int i = n == 0 ? 2 : 1; i > 0; i--) {
		if (*k >= max)
			return -1;
		units[(*k)++] = 0;
	}
	return 0;
}

int dcom_dsa_units(const struct dcom_bindings *b, uint16_t *units, size_t max, size_t *n,
		   uint16_t *sec_off)
{
	size_t k = 0;

	if (b->n_str > DCOM_MAX_BINDINGS || b->n_sec > DCOM_MAX_BINDINGS)
		return -1;
	for (size_t i = 0; i < b->n_str; i++) {
		if (k >= max)
			return -1;
		units[k++] = b->str[i].tower_id;
		if (put_units(b->str[i].addr, units, max, &k) != 0)
			return -1;
	}
	/* The string bindings end with a 0; an empty list is two zeros. */
	if (end_list(b->n_str, units, max, &k) != 0)
		return -1;
	*sec_off = (uint16_t)k;
	for (size_t i = 0; i < b->n_sec; i++) {
		if (k + 2 > max)
			return -1;
		units[k++] = b->sec[i].authn_svc;
		units[k++] = 0xffff; /* wAuthzSvc: "SHOULD be 0xffff" (MS-DCOM 2.2.19.4) */
		if (put_units(b->sec[i].princ, units, max, &k) != 0)
			return -1;
	}
	if (end_list(b->n_sec, units, max, &k) != 0)
		return -1;
	*n = k;
	return 0;
}

/* wNumEntries, wSecurityOffset and the units; with_count puts the NDR
 * conformance count first. */
static void put_dsa(struct ndr_wr *w, const struct dcom_bindings *b, int with_count)
{
	uint16_t units[DCOM_DSA_MAX_UNITS], off = 0;
	size_t n = 0;

	if (dcom_dsa_units(b, units, DCOM_DSA_MAX_UNITS, &n, &off) != 0) {
		w->failed = 1;
		return;
	}
	if (with_count)
		ndr_put_u32(w, (uint32_t)n);
	ndr_put_u16(w, (uint16_t)n);
	ndr_put_u16(w, off);
	for (size_t i = 0; i < n; i++)
		ndr_put_u16(w, units[i]);
}

void dcom_put_dsa(struct ndr_wr *w, const struct dcom_bindings *b)
{
	put_dsa(w, b, 1);
}

void dcom_put_stdobjref(struct ndr_wr *w, const struct dcom_stdobjref *s)
{
	ndr_put_align(w, 8);
	ndr_put_u32(w, s->flags);
	ndr_put_u32(w, s->public_refs);
	ndr_put_u64(w, s->oxid);
	ndr_put_u64(w, s->oid);
	ndr_put_uuid(w, &s->ipid);
}

void dcom_objref_standard(struct ndr_wr *out, const struct rpc_uuid *iid,
			  const struct dcom_stdobjref *s, const struct dcom_bindings *resaddr)
{
	ndr_put_u32(out, DCOM_OBJREF_SIGNATURE);
	ndr_put_u32(out, DCOM_OBJREF_STANDARD);
	ndr_put_uuid(out, iid);
	dcom_put_stdobjref(out, s);
	put_dsa(out, resaddr, 0);
}

void dcom_put_objref_mip(struct ndr_wr *w, const struct rpc_uuid *iid,
			 const struct dcom_stdobjref *s, const struct dcom_bindings *resaddr)
{
	struct ndr_wr objref;

	if (resaddr == NULL) {
		w->failed = 1;
		return;
	}
	/* The OBJREF is aligned from its own start, not the stub's: written apart. */
	ndr_wr_init(&objref, DCOM_OBJREF_MAX);
	dcom_objref_standard(&objref, iid, s, resaddr);
	if (ndr_wr_ok(&objref))
		dcom_put_mip(w, objref.buf, objref.len);
	else
		w->failed = 1;
	ndr_wr_free(&objref);
}

void dcom_put_mip(struct ndr_wr *w, const uint8_t *p, size_t n)
{
	if (n > UINT32_MAX) {
		w->failed = 1;
		return;
	}
	ndr_put_u32(w, (uint32_t)n);
	ndr_put_u32(w, (uint32_t)n);
	if (n > 0)
		ndr_put_bytes(w, p, n);
}

void dcom_get_mip(struct ndr_rd *r, size_t max, const uint8_t **p, uint32_t *n)
{
	uint32_t count;

	*p = NULL;
	count = ndr_get_u32(r);
	*n = ndr_get_u32(r);
	if (r->failed)
		return;
	if (count != *n || *n > max) {
		ndr_rd_fail(r, "MInterfacePointer: %u octets, max_count %u (at most %zu)", *n,
			    count, max);
		return;
	}
	*p = ndr_get_bytes(r, *n);
}
