/* CertServerRequest as a client writes and reads it (client.h): the mirror of
 * firmware/rpc/icpr_stub.c, which decodes what is encoded here and encodes what
 * is decoded here. */
#include <stdio.h>
#include <string.h>

#include "firmware/client/client.h"

int icprc_encode(const struct rpc_icpr_request *q, struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0 || (q->has_authority && q->authority == NULL))
		return -1;
	ndr_put_u32(w, q->flags);
	if (q->has_authority) {
		ndr_put_u32(w, ref);
		ref += 4;
		ndr_put_wstr(w, q->authority, q->authority_units);
	} else {
		ndr_put_u32(w, 0);
	}
	ndr_put_u32(w, q->request_id);
	rpc_icpr_put_blob(w, &q->attribs, &ref);
	rpc_icpr_put_blob(w, &q->request, &ref);
	return ndr_wr_ok(w) ? 0 : -1;
}

int icprc_decode(const uint8_t *stub, size_t len, struct rpc_icpr_response *resp, char *err,
		 size_t errlen)
{
	struct ndr_rd r;

	memset(resp, 0, sizeof(*resp));
	ndr_rd_init(&r, stub, len);
	resp->request_id = ndr_get_u32(&r);
	resp->disposition = ndr_get_u32(&r);
	rpc_icpr_get_blob(&r, &resp->cert, "pctbCert");
	rpc_icpr_get_blob(&r, &resp->encoded_cert, "pctbEncodedCert");
	rpc_icpr_get_blob(&r, &resp->disposition_message, "pctbDispositionMessage");
	resp->status = ndr_get_u32(&r);
	if (ndr_rd_end(&r, 7) != 0) {
		snprintf(err, errlen, "bad CertServerRequest answer: %s", r.err);
		memset(resp, 0, sizeof(*resp));
		return -1;
	}
	return 0;
}

int icprc_call(struct rpcc *c, const struct rpc_icpr_request *q, struct ndr_wr *out,
	       struct rpc_icpr_response *resp)
{
	struct ndr_wr stub;
	int rc;

	ndr_wr_init(&stub, RPCC_MAX_STUB);
	if (icprc_encode(q, &stub) != 0) {
		snprintf(c->err, sizeof(c->err), "cannot encode CertServerRequest");
		rc = RPCC_EPROTO;
	} else {
		rc = rpcc_call(c, RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, stub.buf, stub.len, out);
	}
	ndr_wr_free(&stub);
	if (rc == RPCC_OK && icprc_decode(out->buf, out->len, resp, c->err, sizeof(c->err)) != 0)
		rc = RPCC_EPROTO;
	return rc;
}
