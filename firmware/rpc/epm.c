/* The endpoint mapper's ept_map (epm.h). */
#include "firmware/rpc/rpc_int.h"
#include "firmware/rpc/epm.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TOWER_REFERENT 0x00000003u /* what Windows answers; any non-zero value does */
#define UUID_FLOOR_LHS 19          /* protocol id, UUID, major version */

/* ---- towers ---- */

struct floor {
	const uint8_t *lhs, *rhs;
	size_t lhs_len, rhs_len;
};

/* The floor at *off (advanced past it), or -1 if it overruns len. */
static int next_floor(const uint8_t *p, size_t len, size_t *off, struct floor *f)
{
	if (len - *off < 2)
		return -1;
	f->lhs_len = rpc_le16(p + *off);
	*off += 2;
	if (len - *off < f->lhs_len + 2)
		return -1;
	f->lhs = p + *off;
	*off += f->lhs_len;
	f->rhs_len = rpc_le16(p + *off);
	*off += 2;
	if (len - *off < f->rhs_len)
		return -1;
	f->rhs = p + *off;
	*off += f->rhs_len;
	return 0;
}

/* Floors 1 and 2: protocol id 0x0d, UUID, major version; the minor on the right. */
static int uuid_floor(const struct floor *f, struct rpc_syntax *s)
{
	if (f->lhs_len != UUID_FLOOR_LHS || f->lhs[0] != RPC_EPM_PROT_UUID || f->rhs_len != 2)
		return -1;
	memcpy(s->uuid.b, f->lhs + 1, 16);
	s->major = rpc_le16(f->lhs + 17);
	s->minor = rpc_le16(f->rhs);
	return 0;
}

int rpc_epm_tower_parse(const uint8_t *p, size_t len, struct rpc_epm_tower *t, char *err,
			size_t errlen)
{
	struct floor f;
	size_t off = 2;

	memset(t, 0, sizeof *t);
	if (len < 2)
		return err_set(err, errlen, "tower of %zu octets", len);
	t->n_floors = rpc_le16(p);
	if (t->n_floors < 3 || t->n_floors > RPC_EPM_MAX_FLOORS)
		return err_set(err, errlen, "tower with %u floors", t->n_floors);
	for (unsigned i = 0; i < t->n_floors; i++) {
		if (next_floor(p, len, &off, &f) != 0)
			return err_set(err, errlen, "tower floor %u overruns the tower", i + 1);
		if (i == 0 && uuid_floor(&f, &t->iface) != 0)
			return err_set(err, errlen, "tower floor 1 is not an interface identifier");
		if (i == 1 && uuid_floor(&f, &t->xfer) != 0)
			return err_set(err, errlen, "tower floor 2 is not a transfer syntax");
		if ((i == 2 || i == 3) && f.lhs_len != 1)
			return err_set(err, errlen, "tower floor %u: protocol id of %zu octets", i + 1,
				    f.lhs_len);
		if (i == 2)
			t->protocol = f.lhs[0];
		if (i == 3)
			t->transport = f.lhs[0];
	}
	return 0;
}

static void put_floor(struct ndr_wr *w, const uint8_t *lhs, size_t lhs_len, const uint8_t *rhs,
		      size_t rhs_len)
{
	uint8_t n[2];

	n[0] = (uint8_t)lhs_len;
	n[1] = (uint8_t)(lhs_len >> 8);
	ndr_put_bytes(w, n, 2);
	ndr_put_bytes(w, lhs, lhs_len);
	n[0] = (uint8_t)rhs_len;
	n[1] = (uint8_t)(rhs_len >> 8);
	ndr_put_bytes(w, n, 2);
	ndr_put_bytes(w, rhs, rhs_len);
}

static void put_uuid_floor(struct ndr_wr *w, const struct rpc_syntax *s)
{
	uint8_t lhs[UUID_FLOOR_LHS], rhs[2];

	lhs[0] = RPC_EPM_PROT_UUID;
	memcpy(lhs + 1, s->uuid.b, 16);
	lhs[17] = (uint8_t)s->major;
	lhs[18] = (uint8_t)(s->major >> 8);
	rhs[0] = (uint8_t)s->minor;
	rhs[1] = (uint8_t)(s->minor >> 8);
	put_floor(w, lhs, sizeof lhs, rhs, sizeof rhs);
}

void rpc_epm_tower_encode(const struct rpc_epm_entry *e, struct ndr_wr *w)
{
	static const uint8_t ncacn = RPC_EPM_PROT_NCACN, tcp = RPC_EPM_PROT_TCP,
			     ip = RPC_EPM_PROT_IP, zero[2] = { 0, 0 };
	const uint8_t floors[2] = { 5, 0 };
	const uint8_t port[2] = { (uint8_t)(e->port >> 8), (uint8_t)e->port }; /* big-endian */

	ndr_put_bytes(w, floors, 2);
	put_uuid_floor(w, &e->iface);
	put_uuid_floor(w, &rpc_syntax_ndr);
	put_floor(w, &ncacn, 1, zero, 2);
	put_floor(w, &tcp, 1, port, 2);
	put_floor(w, &ip, 1, e->ipv4, 4);
}

/* ---- ept_map ---- */

int rpc_epm_map_decode(const uint8_t *stub, size_t len, struct rpc_epm_map_request *q, char *err,
		       size_t errlen)
{
	const uint8_t *h;
	struct ndr_rd r;

	memset(q, 0, sizeof *q);
	ndr_rd_init(&r, stub, len);
	q->has_object = ndr_get_u32(&r) != 0; /* [ptr] UUID *: referent, then the UUID */
	if (q->has_object)
		ndr_get_uuid(&r, &q->object);
	q->has_tower = ndr_get_u32(&r) != 0;
	if (q->has_tower) {
		/* twr_t is a conformant structure: its max_count comes first. */
		uint32_t max_count = ndr_get_u32(&r), tower_len = ndr_get_u32(&r);

		if (!r.failed && max_count != tower_len)
			ndr_rd_fail(&r, "map_tower: max_count %u but tower_length %u", max_count,
				    tower_len);
		if (!r.failed && tower_len > RPC_EPM_MAX_TOWER_LEN)
			ndr_rd_fail(&r, "map_tower: tower_length %u (at most %u)", tower_len,
				    RPC_EPM_MAX_TOWER_LEN);
		q->tower = ndr_get_bytes(&r, r.failed ? 0 : tower_len);
		q->tower_len = tower_len;
	}
	ndr_rd_align(&r, 4);
	h = ndr_get_bytes(&r, RPC_EPM_HANDLE_LEN);
	if (h != NULL)
		memcpy(q->entry_handle, h, RPC_EPM_HANDLE_LEN);
	q->max_towers = ndr_get_u32(&r);
	if (!r.failed && q->max_towers > RPC_EPM_MAX_TOWERS)
		ndr_rd_fail(&r, "max_towers %u (at most %u)", q->max_towers, RPC_EPM_MAX_TOWERS);
	if (ndr_rd_end(&r, 7) != 0) {
		err_set(err, errlen, "ept_map: %s", r.err);
		memset(q, 0, sizeof *q);
		return -1;
	}
	return 0;
}

const struct rpc_epm_entry *rpc_epm_lookup(const struct rpc_epm_map_request *q,
					   const struct rpc_epm_entry *entries, size_t n,
					   char *err, size_t errlen)
{
	char uuid[RPC_UUID_STRLEN];
	struct rpc_epm_tower t;

	if (!q->has_tower) {
		err_set(err, errlen, "ept_map without a tower");
		return NULL;
	}
	if (rpc_epm_tower_parse(q->tower, q->tower_len, &t, err, errlen) != 0)
		return NULL;
	rpc_uuid_format(&t.iface.uuid, uuid);
	if (!rpc_syntax_eq(&t.xfer, &rpc_syntax_ndr) || t.protocol != RPC_EPM_PROT_NCACN ||
	    (t.transport != 0 && t.transport != RPC_EPM_PROT_TCP)) {
		err_set(err, errlen, "%s v%u.%u: only NDR 2.0 over ncacn_ip_tcp is served", uuid,
		     t.iface.major, t.iface.minor);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (rpc_iface_compatible(&entries[i].iface, &t.iface))
			return &entries[i];
	err_set(err, errlen, "%s v%u.%u is not registered", uuid, t.iface.major, t.iface.minor);
	return NULL;
}

int rpc_epm_map_reply(const struct rpc_epm_map_request *q, const struct rpc_epm_entry *match,
		      struct ndr_wr *w)
{
	static const uint8_t no_handle[RPC_EPM_HANDLE_LEN];
	uint32_t n = match != NULL && q->max_towers > 0 ? 1 : 0;
	size_t len_at;

	if (w->len != 0)
		return -1;
	ndr_put_bytes(w, no_handle, sizeof no_handle); /* no lookup continues */
	ndr_put_u32(w, n);
	/* ITowers: conformant varying array of unique pointers. */
	ndr_put_u32(w, q->max_towers);
	ndr_put_u32(w, 0);
	ndr_put_u32(w, n);
	if (n == 1) {
		ndr_put_u32(w, TOWER_REFERENT);
		ndr_put_u32(w, 0); /* max_count and tower_length, patched below */
		len_at = w->len;
		ndr_put_u32(w, 0);
		rpc_epm_tower_encode(match, w);
		if (!ndr_wr_ok(w))
			return -1;
		ndr_patch_u32(w, len_at - 4, (uint32_t)(w->len - len_at - 4));
		ndr_patch_u32(w, len_at, (uint32_t)(w->len - len_at - 4));
	}
	ndr_put_u32(w, match != NULL ? 0 : RPC_EPT_S_NOT_REGISTERED);
	return ndr_wr_ok(w) ? 0 : -1;
}
