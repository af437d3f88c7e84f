/* The endpoint mapper: ept_map for the ICPR interface answers the ICPR port. */
#include <stdio.h>

#include "firmware/rpc/epm.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

void worker_epm_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req)
{
	struct rpc_epm_map_request q;
	struct rpc_epm_entry e = {.iface = worker_icpr_iface.syntax, .port = w->icpr_port};
	const struct rpc_epm_entry *match;
	struct ndr_wr out;
	char err[200];

	if (req->opnum != RPC_EPM_OPNUM_MAP) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	if (rpc_epm_map_decode(req->stub, req->stub_len, &q, err, sizeof(err)) != 0) {
		log_warnx("ept_map: %s", err);
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	match = rpc_epm_lookup(&q, &e, 1, err, sizeof(err));
	ndr_wr_init(&out, 4096);
	if (rpc_epm_map_reply(&q, match, &out) != 0 || !ndr_wr_ok(&out))
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
	else
		rpc_conn_respond(c, out.buf, out.len);
	ndr_wr_free(&out);
}
