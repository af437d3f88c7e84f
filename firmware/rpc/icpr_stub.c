/* CertServerRequest NDR stubs (icpr_stub.h). */
#include "firmware/rpc/icpr_stub.h"

#include <stdio.h>
#include <string.h>


void rpc_icpr_get_blob(struct ndr_rd *r, struct rpc_icpr_blob *b, const char *what)
{
	uint32_t ref;

	b->cb = ndr_get_u32(r);
	ref = ndr_get_u32(r);
	b->pb = NULL;
	b->present = ref != 0;
	if (r->failed)
		return;
	if (ref == 0) {
		if (b->cb != 0)
			ndr_rd_fail(r, "%s: cb %u with a NULL pb", what, b->cb);
		return;
	}
	b->pb = ndr_get_conf_bytes(r, b->cb, what);
}

int rpc_icpr_request_decode(const uint8_t *stub, size_t len, struct rpc_icpr_request *q,
			    char *err, size_t errlen)
{
	struct ndr_wstr ws = { NULL, 0 };
	struct ndr_rd r;

	memset(q, 0, sizeof *q);
	ndr_rd_init(&r, stub, len);
	q->flags = ndr_get_u32(&r);
	q->has_authority = ndr_get_u32(&r) != 0;
	if (q->has_authority)
		ndr_get_wstr(&r, RPC_ICPR_MAX_AUTHORITY, &ws, "pwszAuthority");
	q->authority = ws.p;
	q->authority_units = ws.units;
	q->request_id = ndr_get_u32(&r);
	rpc_icpr_get_blob(&r, &q->attribs, "pctbAttribs");
	rpc_icpr_get_blob(&r, &q->request, "pctbRequest");
	if (ndr_rd_end(&r, 7) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "CertServerRequest: %s", r.err);
		memset(q, 0, sizeof *q);
		return -1;
	}
	return 0;
}

void rpc_icpr_put_blob(struct ndr_wr *w, const struct rpc_icpr_blob *b, uint32_t *ref)
{
	ndr_put_u32(w, b->cb);
	if (b->cb == 0) {
		ndr_put_u32(w, 0);
		return;
	}
	if (b->pb == NULL) {
		w->failed = 1;
		return;
	}
	ndr_put_u32(w, *ref);
	*ref += 4;
	ndr_put_conf_bytes(w, b->pb, b->cb);
}

int rpc_icpr_response_encode(const struct rpc_icpr_response *r, struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0)
		return -1;
	ndr_put_u32(w, r->request_id);
	ndr_put_u32(w, r->disposition);
	rpc_icpr_put_blob(w, &r->cert, &ref);
	rpc_icpr_put_blob(w, &r->encoded_cert, &ref);
	rpc_icpr_put_blob(w, &r->disposition_message, &ref);
	ndr_put_u32(w, r->status);
	return ndr_wr_ok(w) ? 0 : -1;
}
