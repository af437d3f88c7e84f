/* firmware/rpc/conn.c: the connection state machine fed with impacket's PDUs
 * and with hand-built ones (in one piece, byte by byte, in odd chunks): binds and
 * their result lists, fragment reassembly and every wrong fragment sequence, the
 * limits, faults, alter_context, orphaned, auth recording and the provider hooks
 * (with a stand-in provider). Everything the connection sends is decoded again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/rpc/conn.h"
#include "firmware/rpc/pdu.h"
#include "tests/unit/support/rpc_build.h"
#include "tests/unit/support/rpc_ref.h"

static struct rpc_iface ifaces[2];
static char err[256];

static int setup(void **state)
{
	(void)state;
	rb_init_syntaxes();
	ifaces[0] = (struct rpc_iface){ rpc_iface_icpr, 1, 11, "ICPR" };
	ifaces[1] = (struct rpc_iface){ rpc_iface_epm, 7, 22, "EPM" };
	return 0;
}

static struct rpc_conn_config config(void)
{
	struct rpc_conn_config cfg = { .ifaces = ifaces, .n_ifaces = 1, .port = 5022 };

	return cfg;
}

/* Drives a connection over a prepared input. */
struct run {
	struct rpc_conn c;
	struct tbuf in, out; /* what the peer sends / what the connection sent */
	size_t off, chunk;
	struct rpc_event ev;
};

static void run_init(struct run *r, const struct rpc_conn_config *cfg, size_t chunk)
{
	memset(r, 0, sizeof *r);
	assert_int_equal(rpc_conn_init(&r->c, cfg), 0);
	r->chunk = chunk;
}

static void run_free(struct run *r)
{
	rpc_conn_free(&r->c);
	tb_free(&r->in);
	tb_free(&r->out);
}

/* Pumps until a request, a pending call, a close, or the input is used up
 * (RPC_EV_NEED_INPUT). SEND events are collected into r->out. */
static enum rpc_ev pump(struct run *r)
{
	for (;;) {
		enum rpc_ev k = rpc_conn_next(&r->c, &r->ev);

		assert_int_equal(k, r->ev.kind);
		if (k == RPC_EV_SEND) {
			assert_true(r->ev.len > 0);
			tb_put(&r->out, r->ev.data, r->ev.len);
			rpc_conn_sent(&r->c, r->ev.len);
			continue;
		}
		if (k != RPC_EV_NEED_INPUT || r->off == r->in.len)
			return k;
		{
			size_t n = r->in.len - r->off < r->chunk ? r->in.len - r->off : r->chunk;

			if (rpc_conn_feed(&r->c, r->in.p + r->off, n) != 0)
				continue; /* closing: the next event says so */
			r->off += n;
		}
	}
}

/* The i-th PDU the connection sent (aborts if there are fewer). */
static const uint8_t *out_pdu(const struct run *r, size_t i, size_t *len)
{
	const uint8_t *pdus[256];
	size_t lens[256], n = rb_split(r->out.p, r->out.len, pdus, lens, 256);

	assert_true(i < n);
	*len = lens[i];
	return pdus[i];
}

static size_t out_count(const struct run *r)
{
	const uint8_t *pdus[256];
	size_t lens[256];

	return r->out.len ? rb_split(r->out.p, r->out.len, pdus, lens, 256) : 0;
}

static void expect_fault(const struct run *r, size_t i, uint32_t call_id, uint32_t status)
{
	size_t len;
	const uint8_t *p = out_pdu(r, i, &len);

	assert_int_equal(len, RPC_FAULT_LEN);
	assert_int_equal(p[2], RPC_PT_FAULT);
	assert_int_equal(p[3], RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG | RPC_PFC_DID_NOT_EXECUTE);
	assert_int_equal(rb_le32(p + 12), call_id);
	assert_int_equal(rb_le32(p + 24), status);
}

static void expect_nak(const struct run *r, size_t i, uint32_t call_id, uint16_t reason)
{
	size_t len;
	const uint8_t *p = out_pdu(r, i, &len);

	assert_int_equal(p[2], RPC_PT_BIND_NAK);
	assert_int_equal(rb_le32(p + 12), call_id);
	assert_int_equal(rb_le16(p + 16), reason);
	assert_int_equal(p[18], 1); /* one version supported: 5.0 */
	assert_int_equal(p[19], 5);
	assert_int_equal(p[20], 0);
}

struct ack {
	uint8_t ptype, flags;
	uint32_t call_id, assoc;
	uint16_t max_xmit, max_recv;
	char addr[16];
	unsigned n;
	uint16_t result[32], reason[32];
	uint8_t transfer[32][20];
	size_t auth_len;
	const uint8_t *auth;
};

/* Decodes a bind_ack / alter_context_resp independently of the encoder. */
static void parse_ack(const struct run *r, size_t i, struct ack *a)
{
	size_t len, off, alen;
	const uint8_t *p = out_pdu(r, i, &len);

	memset(a, 0, sizeof *a);
	a->ptype = p[2];
	a->flags = p[3];
	assert_int_equal(rb_le16(p + 8), len);
	a->auth_len = rb_le16(p + 10);
	a->call_id = rb_le32(p + 12);
	a->max_xmit = rb_le16(p + 16);
	a->max_recv = rb_le16(p + 18);
	a->assoc = rb_le32(p + 20);
	alen = rb_le16(p + 24);
	assert_true(alen < sizeof a->addr);
	memcpy(a->addr, p + 26, alen);
	if (alen > 0)
		assert_int_equal(p[26 + alen - 1], 0);
	off = 26 + alen;
	off = (off + 3) & ~(size_t)3;
	a->n = p[off];
	off += 4;
	for (unsigned k = 0; k < a->n; k++, off += 24) {
		a->result[k] = rb_le16(p + off);
		a->reason[k] = rb_le16(p + off + 2);
		memcpy(a->transfer[k], p + off + 4, 20);
	}
	if (a->auth_len > 0) {
		assert_int_equal(off + 8 + a->auth_len, len);
		a->auth = p + off + 8;
	} else {
		assert_int_equal(off, len);
	}
}

static void bind_icpr(struct run *r, uint16_t max_xmit, uint16_t max_recv)
{
	struct rb_ctx ctx = { 0, rb_icpr, rb_ndr, 1 };

	rb_bind(&r->in, RPC_PT_BIND, 1, max_xmit, max_recv, 0, &ctx, 1, NULL);
}

static const uint8_t zeros20[20];

/* ---- binds ---- */

static void test_bind_impacket(void **state)
{
	struct rpc_conn_config cfg = config();
	struct run r;
	struct ack a;

	(void)state;
	run_init(&r, &cfg, 1 << 16);
	tb_put(&r.in, ref_bind_icpr, sizeof ref_bind_icpr);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	assert_int_equal(out_count(&r), 1);
	parse_ack(&r, 0, &a);
	assert_int_equal(a.ptype, RPC_PT_BIND_ACK);
	assert_int_equal(a.flags, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG);
	assert_int_equal(a.call_id, 1);
	assert_int_equal(a.max_xmit, 4280);
	assert_int_equal(a.max_recv, 4280);
	assert_int_equal(a.assoc, RPC_DEFAULT_ASSOC_GROUP);
	assert_string_equal(a.addr, "5022");
	assert_int_equal(a.n, 1);
	assert_int_equal(a.result[0], RPC_RESULT_ACCEPTANCE);
	assert_memory_equal(a.transfer[0], rb_ndr, 20);
	assert_int_equal(rpc_conn_max_xmit(&r.c), 4280);
	assert_false(rpc_conn_auth(&r.c)->present);
	run_free(&r);
}

static void test_bind_ndr64_btfn(void **state)
{
	struct rpc_conn_config cfg = config();
	struct run r;
	struct ack a;

	(void)state;
	run_init(&r, &cfg, 7);
	tb_put(&r.in, ref_bind_multi, sizeof ref_bind_multi);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	parse_ack(&r, 0, &a);
	assert_int_equal(a.n, 3);
	assert_int_equal(a.result[0], RPC_RESULT_ACCEPTANCE);
	assert_memory_equal(a.transfer[0], rb_ndr, 20);
	assert_int_equal(a.result[1], RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(a.reason[1], RPC_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED);
	assert_memory_equal(a.transfer[1], zeros20, 20);
	/* client bits 0x03; only keep-connection-on-orphan is supported */
	assert_int_equal(a.result[2], RPC_RESULT_NEGOTIATE_ACK);
	assert_int_equal(a.reason[2], RPC_BTFN_KEEP_CONNECTION_ON_ORPHAN);
	assert_memory_equal(a.transfer[2], zeros20, 20);
	assert_int_equal(rpc_conn_features(&r.c), RPC_BTFN_KEEP_CONNECTION_ON_ORPHAN);
	run_free(&r);
}

static void test_bind_choices(void **state)
{
	uint8_t two[40], btfn[20];
	struct rb_ctx ctx[4] = {
		{ 0, rb_unknown, rb_ndr, 1 }, /* not served: abstract syntax rejected */
		{ 1, rb_icpr, two, 2 },       /* NDR64 then NDR: NDR accepted */
		{ 2, rb_icpr, rb_ndr, 1 },    /* a second context for the same interface */
		{ 3, rb_icpr, btfn, 1 },      /* feature negotiation with no bits */
	};
	struct rpc_conn_config cfg = config();
	struct run r;
	struct ack a;

	(void)state;
	memcpy(two, rb_ndr64, 20);
	memcpy(two + 20, rb_ndr, 20);
	rb_btfn(btfn, 0);
	run_init(&r, &cfg, 3);
	rb_bind(&r.in, RPC_PT_BIND, 4, 8000, 2000, 0x1234, ctx, 4, NULL);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	parse_ack(&r, 0, &a);
	assert_int_equal(a.call_id, 4);
	assert_int_equal(a.max_recv, 5840); /* the client's 8000, cut to ours */
	assert_int_equal(a.max_xmit, 2000);
	assert_int_equal(a.assoc, 0x1234); /* joining an association: echoed */
	assert_int_equal(a.n, 4);
	assert_int_equal(a.result[0], RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(a.reason[0], RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	assert_int_equal(a.result[1], RPC_RESULT_ACCEPTANCE);
	assert_memory_equal(a.transfer[1], rb_ndr, 20);
	assert_int_equal(a.result[2], RPC_RESULT_ACCEPTANCE);
	assert_int_equal(a.result[3], RPC_RESULT_NEGOTIATE_ACK);
	assert_int_equal(a.reason[3], 0);
	run_free(&r);
}

static void test_bind_unknown_interface(void **state)
{
	struct rb_ctx ctx[2] = { { 0, rb_unknown, rb_ndr, 1 }, { 1, rb_epm, rb_ndr, 1 } };
	struct rpc_conn_config cfg = config(); /* ICPR only: epm is unknown here */
	struct run r;

	(void)state;
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_BIND, 3, 4280, 4280, 0, ctx, 2, NULL);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_REFUSED);
	assert_non_null(strstr(r.ev.msg, "12345678-1234-abcd-ef00-0123456789ab v1.0"));
	assert_int_equal(out_count(&r), 1);
	expect_nak(&r, 0, 3, RPC_NAK_NOT_SPECIFIED);
	assert_int_equal(rpc_conn_feed(&r.c, "x", 1), -1); /* closed */
	assert_int_equal(rpc_conn_next(&r.c, &r.ev), RPC_EV_CLOSE);
	run_free(&r);
}

static void test_bind_epm_port(void **state)
{
	struct rb_ctx ctx = { 0, rb_epm, rb_ndr, 1 };
	struct rpc_conn_config cfg = config();
	struct run r;
	struct ack a;

	(void)state;
	cfg.ifaces = &ifaces[1];
	cfg.port = 135;
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, NULL);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	parse_ack(&r, 0, &a);
	assert_string_equal(a.addr, "135");
	assert_int_equal(a.result[0], RPC_RESULT_ACCEPTANCE);
	run_free(&r);
}

static void test_bind_refusals(void **state)
{
	struct rb_ctx ctx = { 0, rb_icpr, rb_ndr, 1 }, many[40];
	struct rpc_conn_config cfg = config();
	struct run r;

	(void)state;
	/* a second bind */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	bind_icpr(&r, 4280, 4280);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_PROTOCOL);
	assert_int_equal(out_count(&r), 2);
	expect_nak(&r, 1, 1, RPC_NAK_NOT_SPECIFIED);
	run_free(&r);

	/* fragments under the floor */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 100);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_LIMIT);
	expect_nak(&r, 0, 1, RPC_NAK_LOCAL_LIMIT_EXCEEDED);
	run_free(&r);

	/* too many contexts */
	for (unsigned i = 0; i < 40; i++)
		many[i] = (struct rb_ctx){ (uint16_t)i, rb_icpr, rb_ndr, 1 };
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_BIND, 1, 4280, 4280, 0, many, 40, NULL);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	expect_nak(&r, 0, 1, RPC_NAK_LOCAL_LIMIT_EXCEEDED);
	run_free(&r);

	/* version 5.1: told 5.0 is spoken */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	r.in.p[1] = 1;
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_UNSUPPORTED);
	expect_nak(&r, 0, 1, RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
	run_free(&r);

	/* big-endian: nothing can be answered */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	r.in.p[4] = 0;
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_UNSUPPORTED);
	assert_non_null(strstr(r.ev.msg, "big-endian"));
	assert_int_equal(out_count(&r), 0);
	run_free(&r);

	/* a malformed bind (a context with no transfer syntax) */
	ctx.n_transfer = 0;
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_BIND, 6, 4280, 4280, 0, &ctx, 1, NULL);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	expect_nak(&r, 0, 6, RPC_NAK_NOT_SPECIFIED);
	run_free(&r);
}

/* A bind whose first fragment is over the server's max_recv_frag is refused on
 * its header alone, before its body has arrived. */
static void test_oversized_fragments(void **state)
{
	struct rpc_conn_config cfg = config();
	uint8_t hdr[16];
	struct run r;

	(void)state;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	memcpy(hdr, r.in.p, 16);
	hdr[8] = (uint8_t)5841;
	hdr[9] = (uint8_t)(5841 >> 8);
	tb_free(&r.in);
	tb_put(&r.in, hdr, 16);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_LIMIT);
	expect_nak(&r, 0, 1, RPC_NAK_LOCAL_LIMIT_EXCEEDED);
	run_free(&r);

	/* after a bind for 2000 octets, a 2001-octet request */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 2000, 4280);
	{
		uint8_t stub[2001 - 24] = { 0 };

		rb_request(&r.in, 2, 3, 0, 0, NULL, stub, sizeof stub, NULL);
	}
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_LIMIT);
	assert_non_null(strstr(r.ev.msg, "max_recv_frag 2000"));
	expect_fault(&r, 1, 2, NCA_S_PROTO_ERROR);
	run_free(&r);

	/* auth_length larger than the PDU */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	rb_request(&r.in, 2, 3, 0, 0, NULL, (const uint8_t *)"abcd", 4, NULL);
	r.in.p[r.in.len - 28 + 10] = 200;
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_PROTOCOL);
	expect_fault(&r, 1, 2, NCA_S_PROTO_ERROR);
	run_free(&r);
}

/* ---- requests ---- */

static void test_request_impacket(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 16, 17, 100, 1 << 16 };
	struct rpc_conn_config cfg = config();

	(void)state;
	for (size_t k = 0; k < sizeof chunks / sizeof chunks[0]; k++) {
		struct run r;
		size_t len;
		const uint8_t *p;

		run_init(&r, &cfg, chunks[k]);
		tb_put(&r.in, ref_bind_icpr, sizeof ref_bind_icpr);
		tb_put(&r.in, ref_csr_pdu, sizeof ref_csr_pdu);
		assert_int_equal(pump(&r), RPC_EV_REQUEST);
		assert_int_equal(r.ev.req.call_id, 2);
		assert_int_equal(r.ev.req.opnum, 0);
		assert_int_equal(r.ev.req.ctx_id, 0);
		assert_ptr_equal(r.ev.req.iface, &ifaces[0]);
		assert_int_equal(r.ev.req.iface->tag, 11);
		assert_true(rpc_request_opnum_ok(&r.ev.req));
		assert_int_equal(r.ev.req.stub_len, sizeof ref_csr_stub);
		assert_memory_equal(r.ev.req.stub, ref_csr_stub, sizeof ref_csr_stub);
		assert_int_equal(r.ev.req.auth_level, 0);
		/* not answered yet */
		assert_int_equal(rpc_conn_next(&r.c, &r.ev), RPC_EV_PENDING);
		assert_int_equal(rpc_conn_respond(&r.c, (const uint8_t *)"\1\2\3\4", 4), 0);
		assert_int_equal(rpc_conn_respond(&r.c, (const uint8_t *)"\1\2\3\4", 4), -1);
		assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
		assert_int_equal(out_count(&r), 2);
		p = out_pdu(&r, 1, &len);
		assert_int_equal(len, 28);
		assert_int_equal(p[2], RPC_PT_RESPONSE);
		assert_int_equal(rb_le32(p + 12), 2);
		assert_memory_equal(p + 24, "\1\2\3\4", 4);
		run_free(&r);
	}
}

/* The stub split into fragments of n octets. */
static void fragments(struct tbuf *t, uint32_t call_id, const uint8_t *stub, size_t len,
		      size_t n)
{
	for (size_t off = 0; off < len; off += n) {
		size_t k = len - off < n ? len - off : n;
		uint8_t flags = (off == 0 ? RPC_PFC_FIRST_FRAG : 0) |
				(off + k == len ? RPC_PFC_LAST_FRAG : 0);

		rb_request(t, call_id, flags, 0, 0, NULL, stub + off, k, NULL);
	}
}

static void test_reassembly(void **state)
{
	struct rpc_conn_config cfg = config();
	uint8_t stub[5000];
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof stub; i++)
		stub[i] = (uint8_t)(i * 13);
	run_init(&r, &cfg, 333);
	bind_icpr(&r, 1024, 1024);
	fragments(&r.in, 2, stub, sizeof stub, 1000);
	fragments(&r.in, 3, stub, 10, 1000); /* the next call, one fragment */
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.stub_len, sizeof stub);
	assert_memory_equal(r.ev.req.stub, stub, sizeof stub);
	assert_int_equal(rpc_conn_respond(&r.c, stub, sizeof stub), 0);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.call_id, 3);
	assert_int_equal(r.ev.req.stub_len, 10);
	assert_int_equal(rpc_conn_fault(&r.c, NCA_S_FAULT_NDR), 0);
	assert_int_equal(rpc_conn_fault(&r.c, NCA_S_FAULT_NDR), -1);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	assert_false(rpc_conn_mid_call(&r.c));
	/* bind_ack, 5 response fragments of <= 1024 octets, a fault */
	assert_int_equal(out_count(&r), 7);
	for (size_t i = 1; i < 6; i++) {
		size_t len;
		const uint8_t *p = out_pdu(&r, i, &len);

		assert_true(len <= 1024);
		assert_int_equal(p[3], (i == 1 ? RPC_PFC_FIRST_FRAG : 0) |
					       (i == 5 ? RPC_PFC_LAST_FRAG : 0));
		assert_memory_equal(p + 24, stub + (i - 1) * 1000, len - 24);
	}
	expect_fault(&r, 6, 3, NCA_S_FAULT_NDR);
	run_free(&r);
}

/* Each case: a bound connection, then fragments that break the sequence. */
static void wrong_sequence(void (*build)(struct tbuf *), uint32_t fault_call, const char *why)
{
	struct rpc_conn_config cfg = config();
	struct run r;

	cfg.max_stub = 4096;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	build(&r.in);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_non_null(strstr(r.ev.msg, why));
	assert_int_equal(out_count(&r), 2);
	expect_fault(&r, 1, fault_call, NCA_S_PROTO_ERROR);
	run_free(&r);
}

static const uint8_t frag[2000];

static void middle_without_first(struct tbuf *t)
{
	rb_request(t, 5, 0, 0, 0, NULL, frag, 8, NULL);
}

static void last_without_first(struct tbuf *t)
{
	rb_request(t, 5, RPC_PFC_LAST_FRAG, 0, 0, NULL, frag, 8, NULL);
}

static void other_call_id(struct tbuf *t)
{
	rb_request(t, 5, RPC_PFC_FIRST_FRAG, 0, 0, NULL, frag, 8, NULL);
	rb_request(t, 6, RPC_PFC_LAST_FRAG, 0, 0, NULL, frag, 8, NULL);
}

static void opnum_change(struct tbuf *t)
{
	rb_request(t, 5, RPC_PFC_FIRST_FRAG, 0, 0, NULL, frag, 8, NULL);
	rb_request(t, 5, 0, 0, 1, NULL, frag, 8, NULL);
}

static void context_change(struct tbuf *t)
{
	rb_request(t, 5, RPC_PFC_FIRST_FRAG, 0, 0, NULL, frag, 8, NULL);
	rb_request(t, 5, RPC_PFC_LAST_FRAG, 1, 0, NULL, frag, 8, NULL);
}

static void new_call_inside(struct tbuf *t)
{
	rb_request(t, 5, RPC_PFC_FIRST_FRAG, 0, 0, NULL, frag, 8, NULL);
	rb_request(t, 6, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0, 0, NULL, frag, 8, NULL);
}

static void over_cap(struct tbuf *t)
{
	rb_request(t, 5, RPC_PFC_FIRST_FRAG, 0, 0, NULL, frag, 2000, NULL);
	rb_request(t, 5, 0, 0, 0, NULL, frag, 2000, NULL);
	rb_request(t, 5, RPC_PFC_LAST_FRAG, 0, 0, NULL, frag, 2000, NULL); /* 6000 > 4096 */
}

static void test_wrong_sequences(void **state)
{
	(void)state;
	wrong_sequence(middle_without_first, 5, "without PFC_FIRST_FRAG");
	wrong_sequence(last_without_first, 5, "without PFC_FIRST_FRAG");
	wrong_sequence(other_call_id, 6, "inside call 5");
	wrong_sequence(opnum_change, 5, "opnum/context changed from 0/0 to 1/0");
	wrong_sequence(context_change, 5, "opnum/context changed from 0/0 to 0/1");
	wrong_sequence(new_call_inside, 6, "while call 5 is incomplete");
	wrong_sequence(over_cap, 5, "over 4096 octets");
}

/* A call bigger than the buffer the connection keeps between calls. */
static void test_big_call(void **state)
{
	struct rpc_conn_config cfg = config();
	size_t len = 100 * 1024;
	uint8_t *stub = malloc(len);
	struct run r;

	(void)state;
	assert_non_null(stub);
	for (size_t i = 0; i < len; i++)
		stub[i] = (uint8_t)(i >> 3);
	run_init(&r, &cfg, 4000);
	bind_icpr(&r, 5840, 5840);
	fragments(&r.in, 2, stub, len, 5800);
	rb_request(&r.in, 3, 3, 0, 0, NULL, frag, 8, NULL);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.stub_len, len);
	assert_memory_equal(r.ev.req.stub, stub, len);
	assert_int_equal(rpc_conn_respond(&r.c, stub, len), 0);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.call_id, 3);
	assert_int_equal(r.ev.req.stub_len, 8);
	assert_int_equal(rpc_conn_max_recv(&r.c), 5840);
	run_free(&r);
	free(stub);
}

/* A refused call's fragments are dropped until a new call starts. */
static void test_discard_then_new_call(void **state)
{
	struct rpc_conn_config cfg = config();
	struct run r;

	(void)state;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	rb_request(&r.in, 2, RPC_PFC_FIRST_FRAG, 7, 0, NULL, frag, 16, NULL);
	rb_request(&r.in, 2, 0, 7, 0, NULL, frag, 16, NULL);
	rb_header_only(&r.in, RPC_PT_ORPHANED, 3, 2); /* ends the dropping as well */
	rb_request(&r.in, 3, 3, 0, 0, NULL, frag, 16, NULL);
	rb_request(&r.in, 4, RPC_PFC_FIRST_FRAG, 7, 0, NULL, frag, 16, NULL);
	rb_request(&r.in, 5, 3, 0, 0, NULL, frag, 4, NULL); /* a new call: dropping ends */
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.call_id, 3);
	assert_int_equal(rpc_conn_fault(&r.c, NCA_S_FAULT_NDR), 0);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.call_id, 5);
	assert_int_equal(r.ev.req.stub_len, 4);
	expect_fault(&r, 1, 2, NCA_S_UNK_IF);
	expect_fault(&r, 3, 4, NCA_S_UNK_IF);
	run_free(&r);
}

static void test_out_of_state(void **state)
{
	struct rb_ctx ctx = { 1, rb_icpr, rb_ndr, 1 };
	struct rpc_conn_config cfg = config();
	struct run r;

	(void)state;
	/* a request before any bind */
	run_init(&r, &cfg, 1 << 16);
	tb_put(&r.in, ref_csr_pdu, sizeof ref_csr_pdu);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	expect_fault(&r, 0, 2, NCA_S_PROTO_ERROR);
	run_free(&r);
	/* alter_context before any bind */
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_ALTER_CONTEXT, 4, 4280, 4280, 0, &ctx, 1, NULL);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	expect_fault(&r, 0, 4, NCA_S_PROTO_ERROR);
	run_free(&r);
	/* a PDU type clients do not send, after a bind */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	rb_header_only(&r.in, RPC_PT_RESPONSE, 3, 8);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_non_null(strstr(r.ev.msg, "does not send response"));
	expect_fault(&r, 1, 8, NCA_S_PROTO_ERROR);
	run_free(&r);
	/* auth3 before any bind: closed, nothing answered */
	run_init(&r, &cfg, 1 << 16);
	{
		struct rb_auth a = { RPC_AUTHN_WINNT, 6, 0, 1, (const uint8_t *)"tok", 3 };

		rb_auth3(&r.in, 1, &a);
	}
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(out_count(&r), 0);
	run_free(&r);
	/* a malformed alter_context */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	rb_bind(&r.in, RPC_PT_ALTER_CONTEXT, 4, 4280, 4280, 0, &ctx, 0, NULL);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	expect_fault(&r, 1, 4, NCA_S_PROTO_ERROR);
	run_free(&r);
	/* auth3 without a security context: closed, nothing answered */
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	{
		struct rb_auth a = { RPC_AUTHN_WINNT, 6, 0, 1, (const uint8_t *)"tok", 3 };

		rb_auth3(&r.in, 1, &a);
	}
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(out_count(&r), 1);
	run_free(&r);
}

static void test_unknown_context_kept_open(void **state)
{
	struct rpc_conn_config cfg = config();
	struct run r;

	(void)state;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	/* a three-fragment call on context 7: one fault, the rest dropped */
	rb_request(&r.in, 2, RPC_PFC_FIRST_FRAG, 7, 0, NULL, frag, 16, NULL);
	rb_request(&r.in, 2, 0, 7, 0, NULL, frag, 16, NULL);
	rb_request(&r.in, 2, RPC_PFC_LAST_FRAG, 7, 0, NULL, frag, 16, NULL);
	rb_request(&r.in, 3, 3, 0, 0, NULL, frag, 16, NULL);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.call_id, 3);
	expect_fault(&r, 1, 2, NCA_S_UNK_IF);
	assert_int_equal(out_count(&r), 2);
	run_free(&r);
}

static void test_opnum_helper(void **state)
{
	struct rpc_conn_config cfg = config();
	struct run r;

	(void)state;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	rb_request(&r.in, 2, 3, 0, 255, NULL, frag, 8, NULL);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_false(rpc_request_opnum_ok(&r.ev.req));
	assert_int_equal(rpc_conn_fault(&r.c, NCA_S_OP_RNG_ERROR), 0);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	expect_fault(&r, 1, 2, NCA_S_OP_RNG_ERROR);
	run_free(&r);
}

static void test_alter_context(void **state)
{
	struct rb_ctx ctx[2] = { { 1, rb_icpr, rb_ndr, 1 }, { 2, rb_unknown, rb_ndr, 1 } };
	struct rb_ctx clash = { 1, rb_epm, rb_ndr, 1 };
	struct rpc_conn_config cfg = config();
	struct run r;
	struct ack a;

	(void)state;
	cfg.n_ifaces = 2;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	rb_bind(&r.in, RPC_PT_ALTER_CONTEXT, 2, 100, 100, 0, ctx, 2, NULL);
	rb_bind(&r.in, RPC_PT_ALTER_CONTEXT, 3, 100, 100, 0, &clash, 1, NULL);
	rb_request(&r.in, 4, 3, 1, 0, NULL, frag, 8, NULL);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.ctx_id, 1);
	parse_ack(&r, 1, &a);
	assert_int_equal(a.ptype, RPC_PT_ALTER_CONTEXT_RESP);
	assert_int_equal(a.call_id, 2);
	assert_string_equal(a.addr, "");
	assert_int_equal(a.max_xmit, 4280); /* the alter_context's values are ignored */
	assert_int_equal(a.n, 2);
	assert_int_equal(a.result[0], RPC_RESULT_ACCEPTANCE);
	assert_int_equal(a.result[1], RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(a.reason[1], RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	/* context 1 is ICPR's: it cannot become epm's */
	parse_ack(&r, 2, &a);
	assert_int_equal(a.result[0], RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(a.reason[0], RPC_REASON_NOT_SPECIFIED);
	run_free(&r);
}

static void test_context_limit(void **state)
{
	struct rb_ctx ctx[RPC_MAX_CONTEXTS + 1];
	struct rpc_conn_config cfg = config();
	struct run r;
	struct ack a;

	(void)state;
	for (unsigned i = 0; i <= RPC_MAX_CONTEXTS; i++)
		ctx[i] = (struct rb_ctx){ (uint16_t)(100 + i), rb_icpr, rb_ndr, 1 };
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_BIND, 1, 4280, 4280, 0, ctx, RPC_MAX_CONTEXTS + 1, NULL);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	parse_ack(&r, 0, &a);
	assert_int_equal(a.result[RPC_MAX_CONTEXTS - 1], RPC_RESULT_ACCEPTANCE);
	assert_int_equal(a.result[RPC_MAX_CONTEXTS], RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(a.reason[RPC_MAX_CONTEXTS], RPC_REASON_LOCAL_LIMIT_EXCEEDED);
	run_free(&r);
}

static void test_orphaned_and_cancel(void **state)
{
	struct rpc_conn_config cfg = config();
	struct run r;

	(void)state;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	rb_request(&r.in, 7, RPC_PFC_FIRST_FRAG, 0, 0, NULL, frag, 16, NULL);
	rb_header_only(&r.in, RPC_PT_ORPHANED, 3, 7);
	rb_header_only(&r.in, RPC_PT_CO_CANCEL, 3, 8); /* ignored */
	rb_request(&r.in, 8, 3, 0, 0, NULL, (const uint8_t *)"new", 3, NULL);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.call_id, 8);
	assert_int_equal(r.ev.req.stub_len, 3);
	assert_int_equal(out_count(&r), 1);
	run_free(&r);
}

static void test_maybe_and_big_answers(void **state)
{
	struct rpc_conn_config cfg = config();
	static uint8_t big[8192];
	struct run r;

	(void)state;
	cfg.max_stub = 4096;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4280, 4280);
	rb_request(&r.in, 2, 3 | RPC_PFC_MAYBE, 0, 0, NULL, frag, 8, NULL);
	rb_request(&r.in, 3, 3, 0, 0, NULL, frag, 8, NULL);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(rpc_conn_respond(&r.c, frag, 8), 0); /* [maybe]: nothing sent */
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(rpc_conn_respond(&r.c, big, sizeof big), -1); /* over max_stub */
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	assert_int_equal(out_count(&r), 2);
	expect_fault(&r, 1, 3, NCA_S_OUT_ARGS_TOO_BIG);
	run_free(&r);
}

static void test_buffering_and_partial_writes(void **state)
{
	struct rpc_conn_config cfg = config();
	uint8_t junk[4096] = { 0 };
	struct rpc_event ev;
	struct run r;
	size_t total;

	(void)state;
	cfg.max_frag = 4096;
	cfg.max_rx = 8192;
	run_init(&r, &cfg, 1 << 16);
	bind_icpr(&r, 4096, 4096);
	rb_request(&r.in, 2, 3, 0, 0, NULL, frag, 8, NULL);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_false(rpc_conn_mid_call(&r.c));
	/* the call is not answered: input piles up to max_rx, then the connection closes */
	assert_int_equal(rpc_conn_feed(&r.c, junk, 4000), 0);
	assert_true(rpc_conn_mid_call(&r.c));
	assert_int_equal(rpc_conn_next(&r.c, &ev), RPC_EV_PENDING);
	assert_int_equal(rpc_conn_feed(&r.c, junk, 4000), 0);
	assert_int_equal(rpc_conn_feed(&r.c, junk, 4000), -1);
	assert_int_equal(rpc_conn_next(&r.c, &ev), RPC_EV_CLOSE);
	assert_int_equal(ev.close_reason, RPC_CLOSE_LIMIT);
	run_free(&r);

	/* output taken a few octets at a time */
	run_init(&r, &cfg, 1 << 16);
	tb_put(&r.in, ref_bind_icpr, sizeof ref_bind_icpr);
	assert_int_equal(rpc_conn_feed(&r.c, r.in.p, r.in.len), 0);
	total = 0;
	for (;;) {
		enum rpc_ev k = rpc_conn_next(&r.c, &ev);

		if (k != RPC_EV_SEND)
			break;
		tb_put(&r.out, ev.data, ev.len < 5 ? ev.len : 5);
		rpc_conn_sent(&r.c, 5);
		total += 5;
	}
	assert_int_equal(out_count(&r), 1);
	assert_true(total >= r.out.len);
	run_free(&r);
}

static void test_bad_config(void **state)
{
	struct rpc_conn_config cfg = config();
	struct rpc_conn c;

	(void)state;
	cfg.n_ifaces = 0;
	assert_int_equal(rpc_conn_init(&c, &cfg), -1);
	cfg = config();
	cfg.n_ifaces = RPC_MAX_IFACES + 1;
	assert_int_equal(rpc_conn_init(&c, &cfg), -1);
	cfg = config();
	cfg.max_frag = 100;
	assert_int_equal(rpc_conn_init(&c, &cfg), -1);
	cfg = config();
	cfg.max_rx = 1000; /* smaller than a fragment */
	assert_int_equal(rpc_conn_init(&c, &cfg), -1);
}

/* ---- authentication ---- */

static void test_ntlm_bind_recorded(void **state)
{
	struct rpc_conn_config cfg = config();
	const struct rpc_conn_auth *au;
	struct run r;
	struct ack a;

	(void)state;
	run_init(&r, &cfg, 1 << 16);
	tb_put(&r.in, ref_bind_ntlm, sizeof ref_bind_ntlm);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	parse_ack(&r, 0, &a);
	assert_int_equal(a.result[0], RPC_RESULT_ACCEPTANCE);
	assert_int_equal(a.auth_len, 0); /* no provider: no token back */
	au = rpc_conn_auth(&r.c);
	assert_true(au->present);
	assert_int_equal(au->type, RPC_AUTHN_WINNT);
	assert_int_equal(au->level, RPC_AUTHN_LEVEL_PKT_PRIVACY);
	assert_int_equal(au->context_id, 79231);
	assert_false(au->established);
	/* a request with a verifier: the stub comes without its pad, the level is told */
	{
		static const uint8_t v[16];
		struct rb_auth t = { RPC_AUTHN_WINNT, 6, 0, 79231, v, 16 };

		rb_request(&r.in, 2, 3, 0, 0, NULL, (const uint8_t *)"abcdef", 6, &t);
	}
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(r.ev.req.stub_len, 6);
	assert_int_equal(r.ev.req.auth_type, RPC_AUTHN_WINNT);
	assert_int_equal(r.ev.req.auth_level, RPC_AUTHN_LEVEL_PKT_PRIVACY);
	run_free(&r);
}

/* A stand-in security provider: token legs by name, "sealing" by XOR with 0x5a,
 * a verifier that is a checksum of the plain PDU. */
struct toy {
	int accepted, auth3s, done, fail_auth3;
};

static uint32_t toy_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 7;

	for (size_t i = 0; i < len; i++)
		s = s * 31 + p[i];
	return s;
}

static int toy_accept(void *arg, const struct rpc_auth *in, struct ndr_wr *out)
{
	struct toy *t = arg;

	if (in->value_len == 7 && memcmp(in->value, "LASTLEG", 7) == 0)
		return 0; /* accepted, nothing to say back */
	if (in->value_len != 9 || memcmp(in->value, "NEGOTIATE", 9) != 0)
		return RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED;
	t->accepted++;
	ndr_put_bytes(out, "CHALLENGE", 9);
	return 0;
}

static int toy_auth3(void *arg, const struct rpc_auth *in)
{
	struct toy *t = arg;

	t->auth3s++;
	if (t->fail_auth3 || in->value_len != 12 || memcmp(in->value, "AUTHENTICATE", 12) != 0)
		return -1;
	t->done = 1;
	return 0;
}

static int toy_established(void *arg)
{
	return ((struct toy *)arg)->done;
}

static int toy_unwrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		      const uint8_t *verifier, size_t vlen)
{
	uint32_t want;

	(void)arg;
	(void)len;
	for (size_t i = 0; i < body_len; i++)
		pdu[body_off + i] ^= 0x5a;
	want = toy_sum(pdu + body_off, body_len);
	return vlen == 16 && memcmp(verifier, &want, 4) == 0 ? 0 : -1;
}

static int toy_wrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		    uint8_t *verifier, size_t vlen)
{
	uint32_t sum = toy_sum(pdu + body_off, body_len);

	(void)arg;
	(void)len;
	for (size_t i = 0; i < body_len; i++)
		pdu[body_off + i] ^= 0x5a;
	memset(verifier, 0, vlen);
	memcpy(verifier, &sum, 4);
	return 0;
}

static const struct rpc_auth_ops toy_ops = {
	.verifier_len = 16,
	.header_sign = 1,
	.accept = toy_accept,
	.auth3 = toy_auth3,
	.established = toy_established,
	.unwrap = toy_unwrap,
	.wrap = toy_wrap,
};

/* A protected request: stub padded to 4 with 0xbb, body "sealed", checksum. */
static void toy_request(struct tbuf *t, uint32_t call_id, const uint8_t *stub, size_t n,
			int corrupt)
{
	uint8_t v[16] = { 0 }, body[64];
	size_t pad = (4 - n % 4) % 4;
	struct rb_auth a = { RPC_AUTHN_WINNT, RPC_AUTHN_LEVEL_PKT_PRIVACY, (uint8_t)pad, 42, v,
			     16 };
	uint32_t sum;

	assert_true(n + pad <= sizeof body);
	memcpy(body, stub, n);
	memset(body + n, 0xbb, pad);
	sum = toy_sum(body, n + pad) + (corrupt ? 1 : 0);
	memcpy(v, &sum, 4);
	for (size_t i = 0; i < n + pad; i++)
		body[i] ^= 0x5a;
	/* rb_request writes clear 0xbb pad octets: put the sealed ones in their place */
	rb_request(t, call_id, 3, 0, 0, NULL, body, n, &a);
	memcpy(t->p + t->len - 16 - 8 - pad, body + n, pad);
}

static void test_provider_hooks(void **state)
{
	struct rpc_conn_config cfg = config();
	struct rb_ctx ctx = { 0, rb_icpr, rb_ndr, 1 };
	struct rb_auth neg = { RPC_AUTHN_WINNT, RPC_AUTHN_LEVEL_PKT_PRIVACY, 0, 42,
			       (const uint8_t *)"NEGOTIATE", 9 };
	struct rb_auth fin = { RPC_AUTHN_WINNT, RPC_AUTHN_LEVEL_PKT_PRIVACY, 0, 42,
			       (const uint8_t *)"AUTHENTICATE", 12 };
	struct toy toy = { 0 };
	struct rpc_pdu pdu;
	struct run r;
	struct ack a;
	size_t len;
	const uint8_t *p;

	(void)state;
	cfg.auth_ops = &toy_ops;
	cfg.auth_arg = &toy;
	run_init(&r, &cfg, 5);
	rb_bind(&r.in, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, &neg);
	r.in.p[3] |= RPC_PFC_SUPPORT_HEADER_SIGN;
	rb_auth3(&r.in, 1, &fin);
	toy_request(&r.in, 2, (const uint8_t *)"secret stub", 11, 0);
	assert_int_equal(pump(&r), RPC_EV_REQUEST);
	assert_int_equal(toy.accepted, 1);
	assert_int_equal(toy.auth3s, 1);
	parse_ack(&r, 0, &a);
	assert_true(a.flags & RPC_PFC_SUPPORT_HEADER_SIGN);
	assert_int_equal(a.auth_len, 9);
	assert_memory_equal(a.auth, "CHALLENGE", 9);
	assert_memory_equal(a.auth - 8, "\x0a\x06\x00\x00\x2a\x00\x00\x00", 8);
	assert_true(rpc_conn_auth(&r.c)->established);
	assert_int_equal(r.ev.req.stub_len, 11);
	assert_memory_equal(r.ev.req.stub, "secret stub", 11);
	/* the response is wrapped */
	assert_int_equal(rpc_conn_respond(&r.c, (const uint8_t *)"answer", 6), 0);
	assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
	p = out_pdu(&r, 1, &len);
	assert_int_equal(rpc_pdu_decode(p, len, &pdu, err, sizeof err), 0);
	assert_true(pdu.has_auth);
	assert_int_equal(pdu.auth.t.auth_pad_len, 10);
	assert_int_equal(pdu.auth.t.auth_context_id, 42);
	{
		uint8_t body[16];
		uint32_t sum;

		for (size_t i = 0; i < 16; i++)
			body[i] = p[24 + i] ^ 0x5a;
		assert_memory_equal(body, "answer", 6);
		sum = toy_sum(body, 16);
		assert_memory_equal(pdu.auth.value, &sum, 4);
	}
	/* a leg answered with an empty token: the alter_context_resp has no verifier */
	{
		struct rb_auth last = neg;

		last.token = (const uint8_t *)"LASTLEG";
		last.len = 7;
		rb_bind(&r.in, RPC_PT_ALTER_CONTEXT, 9, 4280, 4280, 0, &ctx, 1, &last);
		assert_int_equal(pump(&r), RPC_EV_NEED_INPUT);
		parse_ack(&r, 2, &a);
		assert_int_equal(a.ptype, RPC_PT_ALTER_CONTEXT_RESP);
		assert_int_equal(a.auth_len, 0);
		assert_int_equal(a.result[0], RPC_RESULT_ACCEPTANCE);
	}
	/* a bad verifier: fault and close */
	toy_request(&r.in, 3, (const uint8_t *)"abcd", 4, 1);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_SECURITY);
	expect_fault(&r, 3, 3, RPC_S_SEC_PKG_ERROR);
	run_free(&r);

	/* a request without protection once protection is on */
	memset(&toy, 0, sizeof toy);
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, &neg);
	rb_auth3(&r.in, 1, &fin);
	rb_request(&r.in, 2, 3, 0, 0, NULL, frag, 8, NULL);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	expect_fault(&r, 1, 2, RPC_S_ACCESS_DENIED);
	run_free(&r);

	/* the provider refuses the bind's token: bind_nak with its reason */
	neg.token = (const uint8_t *)"NEGOTIATX";
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, &neg);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_SECURITY);
	expect_nak(&r, 0, 1, RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED);
	run_free(&r);

	/* an alter_context leg the provider refuses, one for another security context */
	neg.token = (const uint8_t *)"NEGOTIATE";
	for (int k = 0; k < 2; k++) {
		struct rb_auth bad = neg;

		if (k == 0)
			bad.token = (const uint8_t *)"NEGOTIATX";
		else
			bad.ctx_id = 43;
		memset(&toy, 0, sizeof toy);
		run_init(&r, &cfg, 1 << 16);
		rb_bind(&r.in, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, &neg);
		rb_bind(&r.in, RPC_PT_ALTER_CONTEXT, 2, 4280, 4280, 0, &ctx, 1, &bad);
		assert_int_equal(pump(&r), RPC_EV_CLOSE);
		assert_int_equal(r.ev.close_reason, RPC_CLOSE_SECURITY);
		expect_fault(&r, 1, 2, RPC_S_ACCESS_DENIED);
		run_free(&r);
	}

	/* auth3 refused: the next request gets access denied, the connection ends */
	neg.token = (const uint8_t *)"NEGOTIATE";
	memset(&toy, 0, sizeof toy);
	toy.fail_auth3 = 1;
	run_init(&r, &cfg, 1 << 16);
	rb_bind(&r.in, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, &neg);
	rb_auth3(&r.in, 1, &fin);
	rb_request(&r.in, 2, 3, 0, 0, NULL, frag, 8, NULL);
	assert_int_equal(pump(&r), RPC_EV_CLOSE);
	assert_int_equal(r.ev.close_reason, RPC_CLOSE_SECURITY);
	expect_fault(&r, 1, 2, RPC_S_ACCESS_DENIED);
	assert_true(rpc_conn_auth(&r.c)->failed);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_impacket),
		cmocka_unit_test(test_bind_ndr64_btfn),
		cmocka_unit_test(test_bind_choices),
		cmocka_unit_test(test_bind_unknown_interface),
		cmocka_unit_test(test_bind_epm_port),
		cmocka_unit_test(test_bind_refusals),
		cmocka_unit_test(test_oversized_fragments),
		cmocka_unit_test(test_request_impacket),
		cmocka_unit_test(test_reassembly),
		cmocka_unit_test(test_wrong_sequences),
		cmocka_unit_test(test_big_call),
		cmocka_unit_test(test_discard_then_new_call),
		cmocka_unit_test(test_out_of_state),
		cmocka_unit_test(test_unknown_context_kept_open),
		cmocka_unit_test(test_opnum_helper),
		cmocka_unit_test(test_alter_context),
		cmocka_unit_test(test_context_limit),
		cmocka_unit_test(test_orphaned_and_cancel),
		cmocka_unit_test(test_maybe_and_big_answers),
		cmocka_unit_test(test_buffering_and_partial_writes),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_ntlm_bind_recorded),
		cmocka_unit_test(test_provider_hooks),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
