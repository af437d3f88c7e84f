/* libFuzzer target: DCOM's request decoders (firmware/rpc/dcom.c,
 * dcom_act.c), i.e. what a client sends to the activator. Byte 0 picks:
 *	0: dcom_act_decode for opnum 4 (RemoteCreateInstance)
 *	1: dcom_act_decode for opnum 3 (RemoteGetClassObject)
 *	2: dcom_get_orpcthis, then ndr_rd_end
 *	3: dcom_get_mip (at most 4096 octets)
 * the rest is the stub. A decoded request keeps dcom_act.h's bounds and its
 * values re-encode into an answer without error; a refusal names an HRESULT
 * the caller can send, or none (a fault). Seeds: tests/unit/support/
 * dcom_impacket.py seeds DIR (impacket's requests, Windows-like ones). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/rpc/dcom.h"
#include "firmware/rpc/dcom_act.h"
#include "firmware/rpc/ndr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void answer(uint16_t opnum, const struct dcom_act_in *in)
{
	struct dcom_bindings b;
	struct dcom_act_out o;
	struct ndr_wr w;

	memset(&b, 0, sizeof b);
	b.str[0].tower_id = 7;
	strcpy(b.str[0].addr, "127.0.0.1[5022]");
	b.n_str = 1;
	b.sec[0].authn_svc = 10;
	b.n_sec = 1;
	memset(&o, 0, sizeof o);
	o.oxid = 1;
	o.authn_hint = DCOM_RPC_C_AUTHN_LEVEL_PKT_PRIVACY;
	o.oxid_bindings = &b;
	o.resolver = &b;
	o.n_ifaces = in->n_iids;
	for (size_t i = 0; i < in->n_iids; i++) {
		o.iids[i] = in->iids[i];
		o.iface_hr[i] = i % 2 ? DCOM_E_NOINTERFACE : 0;
		o.std[i].oid = i;
		o.std[i].public_refs = 5;
	}
	ndr_wr_init(&w, 1u << 20);
	if (dcom_act_encode(opnum, &o, &w) != 0)
		abort();
	ndr_wr_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dcom_act_in in;
	struct dcom_orpcthis t;
	struct ndr_rd r;
	const uint8_t *p;
	uint32_t hr, n;
	uint16_t opnum;
	char err[256];

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
	case 1:
		opnum = (data[0] & 3) == 0 ? 4 : 3;
		if (dcom_act_decode(opnum, data + 1, size - 1, &in, &hr, err, sizeof err) != 0) {
			if (hr != 0 && hr != DCOM_E_INVALIDARG && hr != DCOM_CLASS_E_NOAGGREGATION)
				abort();
			return 0;
		}
		if (in.n_iids < 1 || in.n_iids > DCOM_ACT_MAX_IIDS ||
		    in.n_protseqs > DCOM_ACT_MAX_PROTSEQS || in.orpc.n_extents > DCOM_MAX_EXTENTS)
			abort();
		answer(opnum, &in);
		break;
	case 2:
		ndr_rd_init(&r, data + 1, size - 1);
		dcom_get_orpcthis(&r, &t);
		if (!r.failed && t.n_extents > DCOM_MAX_EXTENTS)
			abort();
		(void)ndr_rd_end(&r, 0);
		break;
	default:
		ndr_rd_init(&r, data + 1, size - 1);
		dcom_get_mip(&r, 4096, &p, &n);
		if (!r.failed) {
			volatile uint8_t sink = 0;

			if (n > 4096 || (n > 0 && (p < data + 1 || p + n > data + size)))
				abort();
			for (uint32_t i = 0; i < n; i++)
				sink ^= p[i];
			(void)sink;
		}
		break;
	}
	return 0;
}
