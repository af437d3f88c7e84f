/* libFuzzer target: firmware/rpc as the network sees it.
 *
 * Input layout: byte 0 = control (bits 0-3: chunk size selector; bit 4: the
 * endpoint-mapper port (epm + ICPR served) instead of the ICPR port; bit 5:
 * small limits (max_frag 1024, max_stub 8192, max_rx 4096); bit 6: a stand-in
 * security provider (rpc/auth.h hooks); bit 7: answer calls with a fault), the
 * rest = the octets a client sends on one connection, fed in chunks.
 *
 * Every call the connection delivers goes through the CertServerRequest and
 * ept_map stub decoders and is answered (a CertServerRequest or ept_map reply,
 * an echo of the stub, or a fault), so the response path, its fragmentation
 * and the provider's wrap run too. The raw input
 * also goes straight into the stub decoders and the tower parser.
 *
 * Invariants that abort (libFuzzer then reports a crash): ASan/UBSan findings,
 * leaks, an event outside the enum or a SEND of 0 octets, output that does not
 * decode as whole server PDUs (bind_ack, bind_nak, alter_context_resp,
 * response, fault) or a response fragment over the negotiated max_xmit_frag,
 * more events after CLOSE, and a stub that decodes but does not decode the
 * same way after being re-encoded. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/rpc/conn.h"
#include "firmware/rpc/epm.h"
#include "firmware/rpc/icpr_stub.h"
#include "firmware/rpc/ndr.h"
#include "firmware/rpc/pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rpc_iface ifaces[2]; /* [0] epm, [1] ICPR */
static struct rpc_epm_entry icpr_entry;

static void init_once(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	ifaces[0] = (struct rpc_iface){ rpc_iface_epm, RPC_EPM_N_OPS, 1, "EPM" };
	ifaces[1] = (struct rpc_iface){ rpc_iface_icpr, RPC_ICPR_N_OPS, 2, "ICPR" };
	icpr_entry.iface = rpc_iface_icpr;
	icpr_entry.port = 5022;
}

/* ---- a stand-in provider: accepts any token, XOR "seal", no real check ---- */

static int fz_accept(void *arg, const struct rpc_auth *in, struct ndr_wr *out)
{
	(void)arg;
	if (in->value_len > 0 && in->value[0] == 0xff)
		return RPC_NAK_INVALID_CHECKSUM;
	ndr_put_bytes(out, "challenge", 9);
	return 0;
}

static int fz_auth3(void *arg, const struct rpc_auth *in)
{
	*(int *)arg = in->value_len > 0 && in->value[0] != 0xff;
	return *(int *)arg ? 0 : -1;
}

static int fz_established(void *arg)
{
	return *(int *)arg;
}

static int fz_unwrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		     const uint8_t *verifier, size_t vlen)
{
	(void)arg;
	if (body_off > len || body_len > len - body_off)
		abort(); /* the connection promised a body inside the PDU */
	for (size_t i = 0; i < body_len; i++)
		pdu[body_off + i] ^= 0x5a;
	return vlen > 0 && verifier[0] == 0xee ? -1 : 0;
}

static int fz_wrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		   uint8_t *verifier, size_t vlen)
{
	(void)arg;
	if (body_off > len || body_len > len - body_off)
		abort();
	for (size_t i = 0; i < body_len; i++)
		pdu[body_off + i] ^= 0x5a;
	memset(verifier, 0x11, vlen);
	return 0;
}

static const struct rpc_auth_ops fz_ops = {
	.verifier_len = 16,
	.header_sign = 1,
	.accept = fz_accept,
	.auth3 = fz_auth3,
	.established = fz_established,
	.unwrap = fz_unwrap,
	.wrap = fz_wrap,
};

/* ---- stub round trips: decode, re-encode by hand, decode again: same ---- */

static void put_blob(struct ndr_wr *w, const struct rpc_icpr_blob *b, uint32_t ref)
{
	ndr_put_u32(w, b->cb);
	ndr_put_u32(w, b->present ? ref : 0);
	if (b->present)
		ndr_put_conf_bytes(w, b->pb, b->cb);
}

static void same_blob(const struct rpc_icpr_blob *a, const struct rpc_icpr_blob *b)
{
	if (a->cb != b->cb || a->present != b->present ||
	    (a->cb > 0 && memcmp(a->pb, b->pb, a->cb) != 0))
		abort();
}

static void icpr_round_trip(const uint8_t *p, size_t len)
{
	struct rpc_icpr_request q, q2;
	char err[256];
	struct ndr_wr w;

	if (rpc_icpr_request_decode(p, len, &q, err, sizeof err) != 0)
		return;
	if (q.authority_units > RPC_ICPR_MAX_AUTHORITY || (q.has_authority && !q.authority) ||
	    (q.attribs.cb > 0 && q.attribs.pb == NULL) || (q.request.cb > 0 && !q.request.pb))
		abort();
	ndr_wr_init(&w, len + 64);
	ndr_put_u32(&w, q.flags);
	ndr_put_u32(&w, q.has_authority ? 0x20000 : 0);
	if (q.has_authority)
		ndr_put_wstr(&w, q.authority, q.authority_units);
	ndr_put_u32(&w, q.request_id);
	put_blob(&w, &q.attribs, 0x20004);
	put_blob(&w, &q.request, 0x20008);
	if (!ndr_wr_ok(&w) || rpc_icpr_request_decode(w.buf, w.len, &q2, err, sizeof err) != 0)
		abort();
	if (q.flags != q2.flags || q.request_id != q2.request_id ||
	    q.has_authority != q2.has_authority || q.authority_units != q2.authority_units ||
	    (q.authority_units && memcmp(q.authority, q2.authority, 2 * q.authority_units)))
		abort();
	same_blob(&q.attribs, &q2.attribs);
	same_blob(&q.request, &q2.request);
	ndr_wr_free(&w);
}

static void epm_round_trip(const uint8_t *p, size_t len)
{
	struct rpc_epm_map_request q, q2;
	struct rpc_epm_tower t;
	char err[256];
	struct ndr_wr w;

	if (rpc_epm_map_decode(p, len, &q, err, sizeof err) != 0)
		return;
	if (q.has_tower)
		(void)rpc_epm_tower_parse(q.tower, q.tower_len, &t, err, sizeof err);
	ndr_wr_init(&w, len + 64);
	ndr_put_u32(&w, q.has_object ? 1 : 0);
	if (q.has_object)
		ndr_put_uuid(&w, &q.object);
	ndr_put_u32(&w, q.has_tower ? 2 : 0);
	if (q.has_tower) {
		ndr_put_u32(&w, (uint32_t)q.tower_len);
		ndr_put_conf_bytes(&w, q.tower, q.tower_len);
	}
	ndr_put_align(&w, 4);
	ndr_put_bytes(&w, q.entry_handle, sizeof q.entry_handle);
	ndr_put_u32(&w, q.max_towers);
	if (!ndr_wr_ok(&w) || rpc_epm_map_decode(w.buf, w.len, &q2, err, sizeof err) != 0)
		abort();
	if (q.has_object != q2.has_object || q.has_tower != q2.has_tower ||
	    q.tower_len != q2.tower_len || q.max_towers != q2.max_towers ||
	    memcmp(q.entry_handle, q2.entry_handle, sizeof q.entry_handle) != 0 ||
	    (q.has_object && !rpc_uuid_eq(&q.object, &q2.object)) ||
	    (q.tower_len > 0 && memcmp(q.tower, q2.tower, q.tower_len) != 0))
		abort();
	ndr_wr_free(&w);
}

/* ---- the connection ---- */

/* Everything the server sends must decode as whole server PDUs. */
static void check_output(const struct rpc_conn *c, const uint8_t *p, size_t len)
{
	char err[256];

	while (len > 0) {
		struct rpc_pdu pdu;
		struct rpc_hdr h;

		if (rpc_hdr_decode(p, len, &h, err, sizeof err) != RPC_HDR_OK || h.frag_len > len ||
		    rpc_pdu_decode(p, h.frag_len, &pdu, err, sizeof err) != 0)
			abort();
		switch (h.ptype) {
		case RPC_PT_RESPONSE:
			if (h.frag_len > rpc_conn_max_xmit(c))
				abort();
			break;
		case RPC_PT_BIND_ACK:
		case RPC_PT_BIND_NAK:
		case RPC_PT_ALTER_CONTEXT_RESP:
		case RPC_PT_FAULT:
			break;
		default:
			abort();
		}
		p += h.frag_len;
		len -= h.frag_len;
	}
}

static void answer(struct rpc_conn *c, const struct rpc_request *r, int fault)
{
	const struct rpc_epm_entry *match;
	struct rpc_epm_map_request mq;
	struct rpc_icpr_request q;
	struct rpc_icpr_response resp;
	char err[256];
	struct ndr_wr w;

	icpr_round_trip(r->stub, r->stub_len);
	epm_round_trip(r->stub, r->stub_len);
	if (fault || !rpc_request_opnum_ok(r)) {
		rpc_conn_fault(c, fault ? RPC_S_ACCESS_DENIED : NCA_S_OP_RNG_ERROR);
		return;
	}
	ndr_wr_init(&w, 1 << 20);
	if (r->iface->tag == 2 &&
	    rpc_icpr_request_decode(r->stub, r->stub_len, &q, err, sizeof err) == 0) {
		memset(&resp, 0, sizeof resp);
		resp.request_id = q.request_id + 1;
		resp.disposition = 5;
		resp.cert = q.request;
		resp.encoded_cert = q.attribs;
		if (rpc_icpr_response_encode(&resp, &w) == 0)
			(void)rpc_conn_respond(c, w.buf, w.len);
		else
			rpc_conn_fault(c, NCA_S_OUT_ARGS_TOO_BIG);
	} else if (r->iface->tag == 1 && r->opnum == RPC_EPM_OPNUM_MAP &&
		   rpc_epm_map_decode(r->stub, r->stub_len, &mq, err, sizeof err) == 0) {
		match = rpc_epm_lookup(&mq, &icpr_entry, 1, err, sizeof err);
		if (rpc_epm_map_reply(&mq, match, &w) != 0)
			abort();
		(void)rpc_conn_respond(c, w.buf, w.len);
	} else if (r->stub_len % 2 == 0) {
		(void)rpc_conn_respond(c, r->stub, r->stub_len); /* an echo: more responses */
	} else {
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
	}
	ndr_wr_free(&w);
}

static void run_conn(const uint8_t *p, size_t len, uint8_t ctl)
{
	static const size_t chunks[16] = { 1,  2,  3,   5,   7,   13,   16,   17,
					   24, 64, 100, 255, 512, 1024, 4096, 1 << 20 };
	struct rpc_conn_config cfg = { .port = 5022 };
	size_t off = 0, chunk = chunks[ctl & 0x0f];
	int established = 0, closed = 0;
	struct rpc_event ev;
	struct rpc_conn c;

	cfg.ifaces = (ctl & 0x10) ? &ifaces[0] : &ifaces[1];
	cfg.n_ifaces = (ctl & 0x10) ? 2 : 1;
	if (ctl & 0x20) {
		cfg.max_frag = 1024;
		cfg.max_stub = 8192;
		cfg.max_rx = 4096;
	}
	if (ctl & 0x40) {
		cfg.auth_ops = &fz_ops;
		cfg.auth_arg = &established;
	}
	if (rpc_conn_init(&c, &cfg) != 0)
		abort();
	for (int steps = 0; steps < 100000; steps++) {
		enum rpc_ev k = rpc_conn_next(&c, &ev);

		if (k != ev.kind || (closed && k != RPC_EV_CLOSE))
			abort();
		if (k == RPC_EV_SEND) {
			if (ev.len == 0)
				abort();
			check_output(&c, ev.data, ev.len);
			rpc_conn_sent(&c, ev.len);
		} else if (k == RPC_EV_REQUEST) {
			if (ev.req.iface == NULL || (ev.req.stub_len > 0 && ev.req.stub == NULL))
				abort();
			if (rpc_conn_mid_call(&c) && rpc_conn_max_recv(&c) == 0)
				abort();
			if (rpc_conn_auth(&c)->established && !(ctl & 0x40))
				abort(); /* no provider, nothing can be established */
			if (rpc_conn_features(&c) & ~RPC_BTFN_SUPPORTED)
				abort();
			answer(&c, &ev.req, (ctl & 0x80) != 0);
		} else if (k == RPC_EV_CLOSE) {
			if (ev.msg == NULL || ev.close_reason == RPC_CLOSE_NONE)
				abort();
			if (closed++)
				break; /* asked twice: it stays closed */
		} else if (k == RPC_EV_NEED_INPUT || k == RPC_EV_PENDING) {
			size_t n = len - off < chunk ? len - off : chunk;

			if (k == RPC_EV_PENDING)
				abort(); /* every call is answered at once here */
			if (n == 0)
				break;
			(void)rpc_conn_feed(&c, p + off, n);
			off += n;
		} else {
			abort();
		}
	}
	rpc_conn_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_epm_tower t;
	char err[256];

	init_once();
	if (size < 1)
		return 0;
	run_conn(data + 1, size - 1, data[0]);
	/* the decoders on the raw octets as well */
	icpr_round_trip(data + 1, size - 1);
	epm_round_trip(data + 1, size - 1);
	(void)rpc_epm_tower_parse(data + 1, size - 1, &t, err, sizeof err);
	return 0;
}
