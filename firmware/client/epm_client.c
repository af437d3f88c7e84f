/* ept_map as a client calls it (client.h): the query tower names the interface,
 * NDR 2.0, connection-oriented RPC, TCP port 0 and IP 0.0.0.0, as Windows and
 * impacket send it; the answer's tower gives the port in floor 4. The address in
 * floor 5 is not used: the client connects to the address it already reached the
 * endpoint mapper at (shared/notes/icpr-wire.md). */
#include <stdio.h>
#include <string.h>

#include "firmware/client/client.h"
#include "firmware/rpc/epm.h"

#define TOWER_REFERENT 0x00000001u
#define MAX_TOWERS 1 /* what clients ask for */
#define PORT_FLOOR 4

static void put_stub(struct ndr_wr *w, const struct ndr_wr *tower)
{
	static const uint8_t no_handle[RPC_EPM_HANDLE_LEN];

	ndr_put_u32(w, 0); /* obj: NULL */
	ndr_put_u32(w, TOWER_REFERENT);
	/* twr_t is a conformant structure: the array's max_count comes first. */
	ndr_put_u32(w, (uint32_t)tower->len);
	ndr_put_u32(w, (uint32_t)tower->len);
	ndr_put_bytes(w, tower->buf, tower->len);
	ndr_put_align(w, 4);
	ndr_put_bytes(w, no_handle, sizeof(no_handle)); /* a new lookup */
	ndr_put_u32(w, MAX_TOWERS);
}

static int encode_map(const struct rpc_syntax *iface, struct ndr_wr *w)
{
	struct rpc_epm_entry query;
	struct ndr_wr tower;
	int ok;

	memset(&query, 0, sizeof(query));
	query.iface = *iface; /* port 0, address 0.0.0.0: "any" */
	ndr_wr_init(&tower, RPC_EPM_MAX_TOWER_LEN);
	rpc_epm_tower_encode(&query, &tower);
	ok = ndr_wr_ok(&tower);
	if (ok)
		put_stub(w, &tower);
	ndr_wr_free(&tower);
	return ok && ndr_wr_ok(w) ? 0 : -1;
}

/* The answer's towers: *tower is the first non-NULL one (NULL if none). */
static void read_towers(struct ndr_rd *r, uint32_t n, const uint8_t **tower, size_t *tower_len)
{
	uint32_t refs[MAX_TOWERS];

	for (uint32_t i = 0; i < n; i++)
		refs[i] = ndr_get_u32(r);
	for (uint32_t i = 0; i < n && !r->failed; i++) {
		uint32_t max_count, len;
		const uint8_t *p;

		if (refs[i] == 0)
			continue;
		max_count = ndr_get_u32(r);
		len = ndr_get_u32(r);
		if (!r->failed && (max_count != len || len > RPC_EPM_MAX_TOWER_LEN)) {
			ndr_rd_fail(r, "tower: max_count %u, tower_length %u", max_count, len);
			return;
		}
		p = ndr_get_bytes(r, len);
		if (*tower == NULL) {
			*tower = p;
			*tower_len = len;
		}
	}
}

/* Decodes the ept_map answer: entry handle, num_towers, the conformant varying
 * array of tower pointers and the towers, status. */
static int decode_map(struct rpcc *c, const struct ndr_wr *out, const uint8_t **tower,
		      size_t *tower_len, uint32_t *status)
{
	uint32_t num, max_count, offset, actual;
	struct ndr_rd r;

	*tower = NULL;
	*tower_len = 0;
	ndr_rd_init(&r, out->buf, out->len);
	ndr_get_bytes(&r, RPC_EPM_HANDLE_LEN);
	num = ndr_get_u32(&r);
	max_count = ndr_get_u32(&r);
	offset = ndr_get_u32(&r);
	actual = ndr_get_u32(&r);
	if (!r.failed && (num > MAX_TOWERS || actual != num || offset != 0 || actual > max_count))
		ndr_rd_fail(&r, "num_towers %u, array %u/%u/%u for max_towers %u", num, max_count,
			    offset, actual, MAX_TOWERS);
	if (!r.failed)
		read_towers(&r, actual, tower, tower_len);
	*status = ndr_get_u32(&r);
	if (ndr_rd_end(&r, 7) != 0) {
		snprintf(c->err, sizeof(c->err), "bad ept_map answer: %s", r.err);
		return RPCC_EPROTO;
	}
	return RPCC_OK;
}

/* One length-prefixed (u16 little-endian) field of a tower at *off. */
static int tower_field(const uint8_t *p, size_t len, size_t *off, const uint8_t **v,
		       size_t *vlen)
{
	if (len - *off < 2)
		return -1;
	*vlen = (size_t)(p[*off] | p[*off + 1] << 8);
	*off += 2;
	if (len - *off < *vlen)
		return -1;
	*v = p + *off;
	*off += *vlen;
	return 0;
}

/* The right-hand side of floor n (1-based): rpc_epm_tower_parse does not return
 * it. */
static int floor_rhs(const uint8_t *p, size_t len, unsigned n, const uint8_t **rhs,
		     size_t *rhs_len)
{
	const uint8_t *lhs;
	size_t off = 2, lhs_len;

	for (unsigned i = 1; i <= n; i++)
		if (tower_field(p, len, &off, &lhs, &lhs_len) != 0 ||
		    tower_field(p, len, &off, rhs, rhs_len) != 0)
			return -1;
	return 0;
}

static int tower_port(struct rpcc *c, const struct rpc_syntax *iface, const uint8_t *p,
		      size_t len, uint16_t *port)
{
	struct rpc_epm_tower t;
	const uint8_t *rhs;
	size_t rhs_len;
	char err[CLIENT_ERR_LEN];

	if (rpc_epm_tower_parse(p, len, &t, err, sizeof(err)) != 0) {
		snprintf(c->err, sizeof(c->err), "bad tower in the ept_map answer: %s", err);
		return RPCC_EPROTO;
	}
	if (!rpc_iface_compatible(&t.iface, iface) || t.protocol != RPC_EPM_PROT_NCACN ||
	    t.transport != RPC_EPM_PROT_TCP || t.n_floors < PORT_FLOOR ||
	    floor_rhs(p, len, PORT_FLOOR, &rhs, &rhs_len) != 0 || rhs_len != 2) {
		snprintf(c->err, sizeof(c->err), "the endpoint mapper answered a tower for "
			 "another interface or transport");
		return RPCC_EPROTO;
	}
	*port = (uint16_t)(rhs[0] << 8 | rhs[1]); /* big-endian, as in a sockaddr */
	if (*port == 0) {
		snprintf(c->err, sizeof(c->err), "the endpoint mapper answered port 0");
		return RPCC_EPROTO;
	}
	return RPCC_OK;
}

int epmc_map(struct rpcc *c, const struct rpc_syntax *iface, uint16_t *port)
{
	struct ndr_wr stub, out;
	const uint8_t *tower;
	size_t tower_len;
	uint32_t status = 0;
	int rc;

	ndr_wr_init(&stub, 4096);
	ndr_wr_init(&out, RPCC_MAX_STUB);
	if (encode_map(iface, &stub) != 0) {
		snprintf(c->err, sizeof(c->err), "cannot encode ept_map");
		rc = RPCC_EPROTO;
	} else {
		rc = rpcc_call(c, RPC_EPM_OPNUM_MAP, stub.buf, stub.len, &out);
	}
	if (rc == RPCC_OK)
		rc = decode_map(c, &out, &tower, &tower_len, &status);
	if (rc == RPCC_OK && (status != 0 || tower == NULL)) {
		snprintf(c->err, sizeof(c->err), "the endpoint mapper does not know the "
			 "interface (status 0x%08x%s)", status,
			 status == RPC_EPT_S_NOT_REGISTERED ? ", ept_s_not_registered" : "");
		rc = RPCC_EREFUSED;
	}
	if (rc == RPCC_OK)
		rc = tower_port(c, iface, tower, tower_len, port);
	ndr_wr_free(&stub);
	ndr_wr_free(&out);
	return rc;
}
