/* The connection state machine (conn.h). */
#include "firmware/rpc/conn.h"
#include "platform/errbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { ST_INIT, ST_BOUND, ST_CLOSED };

/* What processing one PDU led to. */
enum step { STEP_DONE, STEP_NEED, STEP_REQUEST };

/* The reassembly buffer is given back when a call made it bigger than this. */
#define STUB_KEEP (64u * 1024u)

static enum step close_conn(struct rpc_conn *c, enum rpc_close_reason why, const char *fmt,
			    ...) __attribute__((format(printf, 3, 4)));

static enum step close_conn(struct rpc_conn *c, enum rpc_close_reason why, const char *fmt,
			    ...)
{
	va_list ap;

	if (c->state == ST_CLOSED)
		return STEP_DONE; /* the first reason is the one that counts */
	c->state = ST_CLOSED;
	c->close_reason = why;
	va_start(ap, fmt);
	err_vset(c->msg, sizeof c->msg, fmt, ap);
	va_end(ap);
	return STEP_DONE;
}

int rpc_conn_init(struct rpc_conn *c, const struct rpc_conn_config *cfg)
{
	memset(c, 0, sizeof *c);
	if (cfg->ifaces == NULL || cfg->n_ifaces == 0 || cfg->n_ifaces > RPC_MAX_IFACES)
		return -1;
	c->cfg = *cfg;
	if (c->cfg.max_frag == 0)
		c->cfg.max_frag = RPC_DEFAULT_MAX_FRAG;
	if (c->cfg.max_stub == 0)
		c->cfg.max_stub = RPC_DEFAULT_MAX_STUB;
	if (c->cfg.max_rx == 0)
		c->cfg.max_rx = RPC_DEFAULT_MAX_RX;
	if (c->cfg.assoc_group_id == 0)
		c->cfg.assoc_group_id = RPC_DEFAULT_ASSOC_GROUP;
	if (c->cfg.max_frag < RPC_FRAG_FLOOR || c->cfg.max_rx < c->cfg.max_frag)
		return -1;
	if (cfg->port != 0)
		snprintf(c->port_str, sizeof c->port_str, "%u", cfg->port);
	ndr_wr_init(&c->rx, c->cfg.max_rx);
	/* A response stub and its fragment headers, plus a few small PDUs. */
	ndr_wr_init(&c->tx, (size_t)c->cfg.max_stub * 2 + 65536);
	ndr_wr_init(&c->stub, c->cfg.max_stub);
	c->state = ST_INIT;
	return 0;
}

void rpc_conn_free(struct rpc_conn *c)
{
	ndr_wr_free(&c->rx);
	ndr_wr_free(&c->tx);
	ndr_wr_free(&c->stub);
	memset(c, 0, sizeof *c);
	c->state = ST_CLOSED;
}

int rpc_conn_feed(struct rpc_conn *c, const void *p, size_t n)
{
	size_t held = c->rx.len - c->rx_off;

	if (c->state == ST_CLOSED)
		return -1;
	if (n == 0)
		return 0;
	if (n > c->cfg.max_rx - held) {
		close_conn(c, RPC_CLOSE_LIMIT, "peer sent %zu octets ahead of processing (limit %u)",
			   held + n, c->cfg.max_rx);
		return -1;
	}
	if (c->rx_off > 0) { /* once per processed PDU at most */
		memmove(c->rx.buf, c->rx.buf + c->rx_off, held);
		c->rx.len = held;
		c->rx_off = 0;
	}
	ndr_put_bytes(&c->rx, p, n);
	if (!ndr_wr_ok(&c->rx)) {
		close_conn(c, RPC_CLOSE_NOMEM, "out of memory buffering input");
		return -1;
	}
	return 0;
}

void rpc_conn_sent(struct rpc_conn *c, size_t n)
{
	size_t left = c->tx.len - c->tx_off;

	c->tx_off += n < left ? n : left;
	if (c->tx_off == c->tx.len) {
		ndr_wr_reset(&c->tx);
		c->tx_off = 0;
	}
}

/* ---- output ---- */

/* Undoes a failed append to tx (the octets before it are intact). */
static void tx_rollback(struct rpc_conn *c, size_t len)
{
	c->tx.len = len;
	c->tx.failed = 0;
}

static void queue_fault(struct rpc_conn *c, uint32_t call_id, uint16_t ctx_id, uint32_t status)
{
	size_t len = c->tx.len;

	if (rpc_encode_fault(&c->tx, call_id, ctx_id, status, RPC_PFC_DID_NOT_EXECUTE) != 0) {
		tx_rollback(c, len);
		close_conn(c, RPC_CLOSE_NOMEM, "out of memory queueing a fault");
	}
}

static void queue_nak(struct rpc_conn *c, uint32_t call_id, uint16_t reason)
{
	size_t len = c->tx.len;

	if (rpc_encode_bind_nak(&c->tx, call_id, reason) != 0) {
		tx_rollback(c, len);
		close_conn(c, RPC_CLOSE_NOMEM, "out of memory queueing a bind_nak");
	}
}

/* A PDU broke the rules: answer it as the protocol says for its type (bind_nak
 * for a bind, nothing for the PDUs that never get an answer, a fault for the
 * rest), then close. */
static enum step violation(struct rpc_conn *c, const struct rpc_hdr *h,
			   enum rpc_close_reason why, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum step violation(struct rpc_conn *c, const struct rpc_hdr *h,
			   enum rpc_close_reason why, const char *fmt, ...)
{
	char msg[RPC_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	err_vset(msg, sizeof msg, fmt, ap);
	va_end(ap);
	switch (h->ptype) {
	case RPC_PT_BIND:
		queue_nak(c, h->call_id,
			  why == RPC_CLOSE_LIMIT ? RPC_NAK_LOCAL_LIMIT_EXCEEDED :
			  why == RPC_CLOSE_UNSUPPORTED ? RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED :
							 RPC_NAK_NOT_SPECIFIED);
		break;
	case RPC_PT_AUTH3:
	case RPC_PT_CO_CANCEL:
	case RPC_PT_ORPHANED:
		break;
	default:
		queue_fault(c, h->call_id, 0, NCA_S_PROTO_ERROR);
		break;
	}
	return close_conn(c, why, "%s (call %u): %s", rpc_ptype_name(h->ptype), h->call_id, msg);
}

/* ---- presentation contexts ---- */

static const struct rpc_iface *find_iface(const struct rpc_conn *c, const struct rpc_syntax *s)
{
	for (size_t i = 0; i < c->cfg.n_ifaces; i++)
		if (rpc_iface_compatible(&c->cfg.ifaces[i].syntax, s))
			return &c->cfg.ifaces[i];
	return NULL;
}

static const struct rpc_conn_ctx *find_ctx(const struct rpc_conn *c, uint16_t id)
{
	for (unsigned i = 0; i < c->n_ctx; i++)
		if (c->ctx[i].id == id)
			return &c->ctx[i];
	return NULL;
}

static int offers_ndr(const struct rpc_ctx_elem *e)
{
	for (unsigned i = 0; i < e->n_transfer; i++) {
		struct rpc_syntax s;

		rpc_ctx_transfer(e, i, &s);
		if (rpc_syntax_eq(&s, &rpc_syntax_ndr))
			return 1;
	}
	return 0;
}

/* Adds an accepted context: 0, or -1 with the p_provider_reason_t. A context id
 * keeps the interface it was first accepted for (MS-RPCE 3.3.1.5.6). */
static int add_ctx(struct rpc_conn *c, uint16_t id, const struct rpc_iface *iface,
		   uint16_t *reason)
{
	const struct rpc_conn_ctx *old = find_ctx(c, id);

	if (old != NULL) {
		*reason = RPC_REASON_NOT_SPECIFIED;
		return old->iface == iface ? 0 : -1;
	}
	if (c->n_ctx == RPC_MAX_CONTEXTS) {
		*reason = RPC_REASON_LOCAL_LIMIT_EXCEEDED;
		return -1;
	}
	c->ctx[c->n_ctx].id = id;
	c->ctx[c->n_ctx].iface = iface;
	c->n_ctx++;
	return 0;
}

/* The result for one p_cont_elem; counts contexts naming a served interface. */
static void negotiate_one(struct rpc_conn *c, const struct rpc_ctx_elem *e, int is_bind,
			  struct rpc_result *r, unsigned *n_known)
{
	const struct rpc_iface *iface;
	struct rpc_syntax first;
	uint8_t bits;

	memset(r, 0, sizeof *r);
	r->result = RPC_RESULT_PROVIDER_REJECTION;
	rpc_ctx_transfer(e, 0, &first);
	if (e->n_transfer == 1 && rpc_syntax_is_btfn(&first, &bits)) {
		/* MS-RPCE 3.3.1.5.3: bind only; reason carries the features both
		 * sides support, the transfer syntax stays zero. */
		if (is_bind) {
			r->result = RPC_RESULT_NEGOTIATE_ACK;
			r->reason = bits & RPC_BTFN_SUPPORTED;
			c->features = (uint8_t)r->reason;
		} else {
			r->reason = RPC_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED;
		}
		return;
	}
	iface = find_iface(c, &e->abstract);
	if (iface == NULL) {
		r->reason = RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED;
		return;
	}
	(*n_known)++;
	if (!offers_ndr(e)) {
		r->reason = RPC_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED;
		return;
	}
	if (add_ctx(c, e->ctx_id, iface, &r->reason) != 0)
		return;
	r->result = RPC_RESULT_ACCEPTANCE;
	r->reason = 0;
	r->transfer = rpc_syntax_ndr;
}

static unsigned negotiate(struct rpc_conn *c, const struct rpc_bind *b, int is_bind,
			  struct rpc_result *res)
{
	struct rpc_ctx_elem e;
	unsigned i = 0, n_known = 0;
	size_t off = 0;

	while (rpc_bind_next_ctx(b, &off, &e))
		negotiate_one(c, &e, is_bind, &res[i++], &n_known);
	return n_known;
}

/* ---- authentication legs ---- */

/* Records the sec_trailer of a bind or alter_context and runs the provider's
 * leg. 0, or -1 with the bind_nak reason the provider (or the rule of one
 * security context per connection) gives. */
static int auth_leg(struct rpc_conn *c, const struct rpc_pdu *pdu, struct ndr_wr *tok,
		    uint16_t *reason)
{
	const struct rpc_auth_ops *ops = c->cfg.auth_ops;
	int r;

	*reason = RPC_NAK_NOT_SPECIFIED;
	if (!pdu->has_auth)
		return 0;
	if (!c->auth.present) {
		c->auth.present = 1;
		c->auth.type = pdu->auth.t.auth_type;
		c->auth.level = pdu->auth.t.auth_level;
		c->auth.context_id = pdu->auth.t.auth_context_id;
	} else if (pdu->auth.t.auth_type != c->auth.type ||
		   pdu->auth.t.auth_context_id != c->auth.context_id) {
		return -1; /* one security context per connection: no multiplexing */
	}
	if (ops == NULL || ops->accept == NULL)
		return 0; /* recorded only: the caller refuses such clients */
	r = ops->accept(c->cfg.auth_arg, &pdu->auth, tok);
	if (r == 0)
		return 0;
	*reason = r > 0 && r <= 0xffff ? (uint16_t)r : RPC_NAK_NOT_SPECIFIED;
	return -1;
}

/* The verifier for an ack: the provider's token under the client's trailer. */
static void ack_auth(const struct rpc_pdu *pdu, const struct ndr_wr *tok, struct rpc_auth *a)
{
	memset(a, 0, sizeof *a);
	a->t = pdu->auth.t;
	a->t.auth_pad_len = 0;
	a->t.auth_reserved = 0;
	a->value = tok->buf;
	a->value_len = tok->len;
}

/* The auth_length of protected PDUs on this connection. */
static size_t verifier_len(const struct rpc_conn *c)
{
	const struct rpc_auth_ops *ops = c->cfg.auth_ops;

	return ops->verifier_size != NULL ? ops->verifier_size(c->cfg.auth_arg)
					  : ops->verifier_len;
}

/* Whether a request's verifier has a size the context's tokens may have. */
static int verifier_fits(const struct rpc_conn *c, size_t len)
{
	const struct rpc_auth_ops *ops = c->cfg.auth_ops;

	return ops->verifier_fits != NULL ? ops->verifier_fits(c->cfg.auth_arg, len)
					  : len == verifier_len(c);
}

static int provider(const struct rpc_conn *c)
{
	return c->cfg.auth_ops != NULL && c->cfg.auth_ops->accept != NULL;
}

/* Responses and request fragments are protected once the provider is done at
 * PKT_INTEGRITY or PKT_PRIVACY. */
static int protected_level(struct rpc_conn *c)
{
	const struct rpc_auth_ops *ops = c->cfg.auth_ops;

	if (ops == NULL || !c->auth.present || c->auth.level < RPC_AUTHN_LEVEL_PKT_INTEGRITY)
		return 0;
	if (!c->auth.established && ops->established != NULL &&
	    ops->established(c->cfg.auth_arg))
		c->auth.established = 1;
	return c->auth.established && ops->unwrap != NULL && ops->wrap != NULL;
}

/* ---- bind and alter_context ---- */

static void send_ack(struct rpc_conn *c, const struct rpc_pdu *pdu, uint8_t ptype,
		     const struct rpc_result *res, unsigned n, const struct ndr_wr *tok)
{
	struct rpc_auth a;
	struct rpc_ack ack = {
		.ptype = ptype,
		.call_id = pdu->hdr.call_id,
		.max_xmit_frag = c->max_xmit,
		.max_recv_frag = c->max_recv,
		.assoc_group_id = c->assoc_group_id,
		/* MS-RPCE 3.3.1.5.5: the port on the bind_ack; Windows leaves the
		 * alter_context_resp's empty. */
		.sec_addr = ptype == RPC_PT_BIND_ACK ? c->port_str : NULL,
		.results = res,
		.n_results = n,
	};
	size_t len = c->tx.len;

	if (pdu->has_auth && provider(c)) {
		/* An empty answer token (a last leg) goes out as no verifier at all:
		 * a sec_trailer needs auth_length > 0. */
		if (tok->len > 0) {
			ack_auth(pdu, tok, &a);
			ack.auth = &a;
		}
		if ((pdu->hdr.flags & RPC_PFC_SUPPORT_HEADER_SIGN) && c->cfg.auth_ops->header_sign) {
			ack.flags |= RPC_PFC_SUPPORT_HEADER_SIGN;
			if (c->cfg.auth_ops->header_signing != NULL)
				c->cfg.auth_ops->header_signing(c->cfg.auth_arg);
		}
	}
	if (rpc_encode_ack(&c->tx, &ack) != 0) {
		tx_rollback(c, len);
		close_conn(c, RPC_CLOSE_NOMEM, "cannot encode the %s", rpc_ptype_name(ptype));
	}
}

static uint16_t min16(uint16_t a, uint16_t b)
{
	return a < b ? a : b;
}

static void first_abstract(const struct rpc_bind *b, char out[RPC_UUID_STRLEN], unsigned *maj,
			   unsigned *min)
{
	struct rpc_ctx_elem e;
	size_t off = 0;

	out[0] = '\0';
	*maj = *min = 0;
	if (rpc_bind_next_ctx(b, &off, &e)) {
		rpc_uuid_format(&e.abstract.uuid, out);
		*maj = e.abstract.major;
		*min = e.abstract.minor;
	}
}

static enum step handle_bind(struct rpc_conn *c, const struct rpc_pdu *pdu)
{
	const struct rpc_hdr *h = &pdu->hdr;
	struct rpc_result res[RPC_MAX_BIND_CTX];
	char err[RPC_MSG_LEN], uuid[RPC_UUID_STRLEN];
	struct ndr_wr tok;
	struct rpc_bind b;
	unsigned n_known, maj, min;
	uint16_t reason;

	if (c->state != ST_INIT)
		return violation(c, h, RPC_CLOSE_PROTOCOL, "a second bind on the connection");
	if (rpc_bind_decode(pdu, &b, err, sizeof err) != 0)
		return violation(c, h, RPC_CLOSE_PROTOCOL, "%s", err);
	if (b.n_ctx > RPC_MAX_BIND_CTX)
		return violation(c, h, RPC_CLOSE_LIMIT, "%u presentation contexts (at most %u)",
				 b.n_ctx, RPC_MAX_BIND_CTX);
	if (b.max_xmit_frag < RPC_FRAG_FLOOR || b.max_recv_frag < RPC_FRAG_FLOOR)
		return violation(c, h, RPC_CLOSE_LIMIT,
				 "max_xmit_frag %u / max_recv_frag %u under %u", b.max_xmit_frag,
				 b.max_recv_frag, RPC_FRAG_FLOOR);
	/* The client's transmit size bounds what we receive and the reverse. */
	c->max_recv = min16(b.max_xmit_frag, c->cfg.max_frag);
	c->max_xmit = min16(b.max_recv_frag, c->cfg.max_frag);
	/* No state is kept per association, so joining one (a client's second
	 * connection naming its group) changes nothing: echo it. */
	c->assoc_group_id = b.assoc_group_id != 0 ? b.assoc_group_id : c->cfg.assoc_group_id;
	n_known = negotiate(c, &b, 1, res);
	if (n_known == 0) {
		first_abstract(&b, uuid, &maj, &min);
		queue_nak(c, h->call_id, RPC_NAK_NOT_SPECIFIED);
		return close_conn(c, RPC_CLOSE_REFUSED,
				  "bind (call %u): no interface served here (%s v%u.%u)", h->call_id,
				  uuid, maj, min);
	}
	ndr_wr_init(&tok, 65535 - 64);
	if (auth_leg(c, pdu, &tok, &reason) != 0) {
		ndr_wr_free(&tok);
		queue_nak(c, h->call_id, reason);
		return close_conn(c, RPC_CLOSE_SECURITY,
				  "bind (call %u): authentication type %u refused", h->call_id,
				  pdu->auth.t.auth_type);
	}
	send_ack(c, pdu, RPC_PT_BIND_ACK, res, b.n_ctx, &tok);
	ndr_wr_free(&tok);
	if (c->state != ST_CLOSED)
		c->state = ST_BOUND;
	return STEP_DONE;
}

static enum step handle_alter(struct rpc_conn *c, const struct rpc_pdu *pdu)
{
	const struct rpc_hdr *h = &pdu->hdr;
	struct rpc_result res[RPC_MAX_BIND_CTX];
	char err[RPC_MSG_LEN];
	struct ndr_wr tok;
	struct rpc_bind b;
	uint16_t reason;

	if (c->state != ST_BOUND)
		return violation(c, h, RPC_CLOSE_PROTOCOL, "alter_context before a bind");
	if (rpc_bind_decode(pdu, &b, err, sizeof err) != 0)
		return violation(c, h, RPC_CLOSE_PROTOCOL, "%s", err);
	if (b.n_ctx > RPC_MAX_BIND_CTX)
		return violation(c, h, RPC_CLOSE_LIMIT, "%u presentation contexts (at most %u)",
				 b.n_ctx, RPC_MAX_BIND_CTX);
	/* C706: max frags and assoc_group_id of an alter_context are ignored. An
	 * interface nobody serves is rejected per context: no nak exists here. */
	(void)negotiate(c, &b, 0, res);
	ndr_wr_init(&tok, 65535 - 64);
	if (auth_leg(c, pdu, &tok, &reason) != 0) {
		ndr_wr_free(&tok);
		queue_fault(c, h->call_id, 0, RPC_S_ACCESS_DENIED);
		return close_conn(c, RPC_CLOSE_SECURITY,
				  "alter_context (call %u): security leg refused", h->call_id);
	}
	send_ack(c, pdu, RPC_PT_ALTER_CONTEXT_RESP, res, b.n_ctx, &tok);
	ndr_wr_free(&tok);
	return STEP_DONE;
}

static enum step handle_auth3(struct rpc_conn *c, const struct rpc_pdu *pdu)
{
	const struct rpc_auth_ops *ops = c->cfg.auth_ops;
	char err[RPC_MSG_LEN];

	if (c->state != ST_BOUND)
		return violation(c, &pdu->hdr, RPC_CLOSE_PROTOCOL, "auth3 before a bind");
	if (rpc_auth3_check(pdu, err, sizeof err) != 0)
		return violation(c, &pdu->hdr, RPC_CLOSE_PROTOCOL, "%s", err);
	if (!c->auth.present || pdu->auth.t.auth_type != c->auth.type ||
	    pdu->auth.t.auth_context_id != c->auth.context_id)
		return violation(c, &pdu->hdr, RPC_CLOSE_PROTOCOL,
				 "auth3 for a security context the bind did not start");
	/* No answer either way (MS-RPCE 3.3.1.5.2.1). */
	if (ops != NULL && ops->auth3 != NULL && ops->auth3(c->cfg.auth_arg, &pdu->auth) != 0)
		c->auth.failed = 1;
	return STEP_DONE;
}

/* ---- requests ---- */

static void end_call(struct rpc_conn *c)
{
	memset(&c->call, 0, sizeof c->call);
	if (c->stub.cap > STUB_KEEP) {
		size_t max = c->stub.max;

		ndr_wr_free(&c->stub);
		ndr_wr_init(&c->stub, max);
	} else {
		ndr_wr_reset(&c->stub);
	}
}

/* A call that cannot run gets a fault now; its other fragments are dropped. */
static void refuse_call(struct rpc_conn *c, const struct rpc_hdr *h, uint16_t ctx_id,
			uint32_t status)
{
	if (!(h->flags & RPC_PFC_MAYBE))
		queue_fault(c, h->call_id, ctx_id, status);
	if (!(h->flags & RPC_PFC_LAST_FRAG)) {
		c->discard = 1;
		c->discard_id = h->call_id;
	}
}

static int start_call(struct rpc_conn *c, const struct rpc_pdu *pdu,
		      const struct rpc_request_pdu *r)
{
	const struct rpc_hdr *h = &pdu->hdr;
	const struct rpc_conn_ctx *ctx;

	if (!(h->flags & RPC_PFC_FIRST_FRAG)) {
		violation(c, h, RPC_CLOSE_PROTOCOL, "a fragment without PFC_FIRST_FRAG and no "
			  "call in progress");
		return -1;
	}
	ctx = find_ctx(c, r->ctx_id);
	if (ctx == NULL) {
		refuse_call(c, h, r->ctx_id, NCA_S_UNK_IF);
		return -1;
	}
	if (c->auth.failed) {
		/* MS-RPCE 3.3.1.5.2.1: the call after a refused auth3 gets access
		 * denied; the connection then ends (no second logon on it). */
		queue_fault(c, h->call_id, r->ctx_id, RPC_S_ACCESS_DENIED);
		close_conn(c, RPC_CLOSE_SECURITY, "request (call %u) after a refused logon",
			   h->call_id);
		return -1;
	}
	c->call.active = 1;
	c->call.maybe = (h->flags & RPC_PFC_MAYBE) != 0;
	c->call.call_id = h->call_id;
	c->call.ctx_id = r->ctx_id;
	c->call.opnum = r->opnum;
	c->call.iface = ctx->iface;
	c->call.has_object = r->has_object;
	c->call.object = r->object;
	if (pdu->has_auth) {
		c->call.auth_type = pdu->auth.t.auth_type;
		c->call.auth_level = pdu->auth.t.auth_level;
	}
	return 0;
}

static int continue_call(struct rpc_conn *c, const struct rpc_hdr *h,
			 const struct rpc_request_pdu *r)
{
	if (h->flags & RPC_PFC_FIRST_FRAG)
		violation(c, h, RPC_CLOSE_PROTOCOL, "a new call while call %u is incomplete",
			  c->call.call_id);
	else if (h->call_id != c->call.call_id)
		violation(c, h, RPC_CLOSE_PROTOCOL, "a fragment inside call %u",
			  c->call.call_id);
	else if (r->opnum != c->call.opnum || r->ctx_id != c->call.ctx_id)
		violation(c, h, RPC_CLOSE_PROTOCOL,
			  "opnum/context changed from %u/%u to %u/%u inside the call",
			  c->call.opnum, c->call.ctx_id, r->opnum, r->ctx_id);
	else
		return 0;
	return -1;
}

/* Checks and, at PKT_PRIVACY, decrypts a request fragment in place. */
static int unwrap_fragment(struct rpc_conn *c, uint8_t *p, const struct rpc_pdu *pdu,
			   const struct rpc_request_pdu *r)
{
	const struct rpc_auth_ops *ops = c->cfg.auth_ops;
	const struct rpc_sec_trailer *t = &pdu->auth.t;
	size_t tlen = RPC_HDR_LEN + pdu->body_len + RPC_SEC_TRAILER_LEN;

	if (!pdu->has_auth || t->auth_type != c->auth.type || t->auth_level != c->auth.level ||
	    t->auth_context_id != c->auth.context_id || !verifier_fits(c, pdu->auth.value_len)) {
		queue_fault(c, pdu->hdr.call_id, r->ctx_id, RPC_S_ACCESS_DENIED);
		close_conn(c, RPC_CLOSE_SECURITY, "request (call %u) without the negotiated "
			   "protection", pdu->hdr.call_id);
		return -1;
	}
	if (ops->unwrap(c->cfg.auth_arg, p, tlen, r->stub_off, r->stub_len + t->auth_pad_len,
			pdu->auth.value, pdu->auth.value_len) != 0) {
		queue_fault(c, pdu->hdr.call_id, r->ctx_id, RPC_S_SEC_PKG_ERROR);
		close_conn(c, RPC_CLOSE_SECURITY, "request (call %u): verifier refused",
			   pdu->hdr.call_id);
		return -1;
	}
	return 0;
}

static void deliver(struct rpc_conn *c, struct rpc_event *ev)
{
	struct rpc_request *q = &ev->req;

	c->call.delivered = 1;
	ev->kind = RPC_EV_REQUEST;
	q->call_id = c->call.call_id;
	q->ctx_id = c->call.ctx_id;
	q->opnum = c->call.opnum;
	q->iface = c->call.iface;
	q->has_object = c->call.has_object;
	q->object = c->call.object;
	q->stub = c->stub.len > 0 ? c->stub.buf : (const uint8_t *)"";
	q->stub_len = c->stub.len;
	q->auth_type = c->call.auth_type;
	q->auth_level = c->call.auth_level;
}

static enum step handle_request(struct rpc_conn *c, uint8_t *p, const struct rpc_pdu *pdu,
				struct rpc_event *ev)
{
	const struct rpc_hdr *h = &pdu->hdr;
	struct rpc_request_pdu r;
	char err[RPC_MSG_LEN];

	if (c->state != ST_BOUND) {
		violation(c, h, RPC_CLOSE_PROTOCOL, "a request before a bind");
		return STEP_DONE;
	}
	if (rpc_request_decode(pdu, &r, err, sizeof err) != 0) {
		violation(c, h, RPC_CLOSE_PROTOCOL, "%s", err);
		return STEP_DONE;
	}
	if (c->discard) {
		if (h->call_id == c->discard_id) {
			if (h->flags & RPC_PFC_LAST_FRAG)
				c->discard = 0;
			return STEP_DONE;
		}
		c->discard = 0;
	}
	if (!c->call.active ? start_call(c, pdu, &r) != 0 : continue_call(c, h, &r) != 0)
		return STEP_DONE;
	if (protected_level(c) && unwrap_fragment(c, p, pdu, &r) != 0)
		return STEP_DONE;
	if (r.stub_len > c->cfg.max_stub - c->stub.len) {
		violation(c, h, RPC_CLOSE_LIMIT, "call over %u octets of stub", c->cfg.max_stub);
		return STEP_DONE;
	}
	ndr_put_bytes(&c->stub, r.stub, r.stub_len);
	if (!ndr_wr_ok(&c->stub)) {
		close_conn(c, RPC_CLOSE_NOMEM, "out of memory reassembling call %u", h->call_id);
		return STEP_DONE;
	}
	if (!(h->flags & RPC_PFC_LAST_FRAG))
		return STEP_DONE;
	deliver(c, ev);
	return STEP_REQUEST;
}

/* orphaned: the client gave up on a call; a partly received one is dropped and
 * the connection stays (KeepConnectionOnOrphan). co_cancel is not supported:
 * C706 lets a server ignore it, the call runs to its end. */
static enum step handle_cancel(struct rpc_conn *c, const struct rpc_pdu *pdu)
{
	char err[RPC_MSG_LEN];

	if (rpc_cancel_check(pdu, err, sizeof err) != 0)
		return violation(c, &pdu->hdr, RPC_CLOSE_PROTOCOL, "%s", err);
	if (pdu->hdr.ptype == RPC_PT_ORPHANED && c->call.active && !c->call.delivered &&
	    c->call.call_id == pdu->hdr.call_id)
		end_call(c);
	if (pdu->hdr.ptype == RPC_PT_ORPHANED && c->discard && c->discard_id == pdu->hdr.call_id)
		c->discard = 0;
	return STEP_DONE;
}

/* ---- the input loop ---- */

/* Refuses a PDU whose common header is wrong, before its body is waited for. */
static void bad_header(struct rpc_conn *c, const struct rpc_hdr *h, enum rpc_hdr_status st,
		       const char *err)
{
	switch (st) {
	case RPC_HDR_VERSION:
		/* A bind can be told which version is spoken (C706 12.6.4.5). */
		if (h->ptype == RPC_PT_BIND)
			queue_nak(c, h->call_id, RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED);
		close_conn(c, RPC_CLOSE_UNSUPPORTED, "%s", err);
		break;
	case RPC_HDR_DREP:
		/* Nothing in another representation can be read back: no answer. */
		close_conn(c, RPC_CLOSE_UNSUPPORTED, "%s", err);
		break;
	default:
		violation(c, h, RPC_CLOSE_PROTOCOL, "%s", err);
		break;
	}
}

static enum step dispatch(struct rpc_conn *c, uint8_t *p, const struct rpc_pdu *pdu,
			  struct rpc_event *ev)
{
	switch (pdu->hdr.ptype) {
	case RPC_PT_REQUEST:
		return handle_request(c, p, pdu, ev);
	case RPC_PT_BIND:
		return handle_bind(c, pdu);
	case RPC_PT_ALTER_CONTEXT:
		return handle_alter(c, pdu);
	case RPC_PT_AUTH3:
		return handle_auth3(c, pdu);
	case RPC_PT_CO_CANCEL:
	case RPC_PT_ORPHANED:
		return handle_cancel(c, pdu);
	default:
		return violation(c, &pdu->hdr, RPC_CLOSE_PROTOCOL,
				 "a client does not send %s PDUs", rpc_ptype_name(pdu->hdr.ptype));
	}
}

static enum step process_one(struct rpc_conn *c, struct rpc_event *ev)
{
	size_t avail = c->rx.len - c->rx_off;
	char err[RPC_MSG_LEN];
	enum rpc_hdr_status st;
	struct rpc_pdu pdu;
	struct rpc_hdr h;
	uint16_t limit;
	uint8_t *p;

	if (avail == 0) {
		ndr_wr_reset(&c->rx);
		c->rx_off = 0;
		return STEP_NEED;
	}
	p = c->rx.buf + c->rx_off;
	st = rpc_hdr_decode(p, avail, &h, err, sizeof err);
	if (st == RPC_HDR_SHORT)
		return STEP_NEED;
	if (st != RPC_HDR_OK) {
		bad_header(c, &h, st, err);
		return STEP_DONE;
	}
	/* Refused as soon as the header says so: nothing that big is buffered. */
	limit = c->state == ST_BOUND ? c->max_recv : c->cfg.max_frag;
	if (h.frag_len > limit) {
		violation(c, &h, RPC_CLOSE_LIMIT, "frag_length %u over max_recv_frag %u",
			  h.frag_len, limit);
		return STEP_DONE;
	}
	if (avail < h.frag_len)
		return STEP_NEED;
	c->rx_off += h.frag_len;
	if (rpc_pdu_decode(p, h.frag_len, &pdu, err, sizeof err) != 0) {
		violation(c, &h, RPC_CLOSE_PROTOCOL, "%s", err);
		return STEP_DONE;
	}
	return dispatch(c, p, &pdu, ev);
}

enum rpc_ev rpc_conn_next(struct rpc_conn *c, struct rpc_event *ev)
{
	memset(ev, 0, sizeof *ev);
	for (;;) {
		if (c->tx.len > c->tx_off) {
			ev->kind = RPC_EV_SEND;
			ev->data = c->tx.buf + c->tx_off;
			ev->len = c->tx.len - c->tx_off;
			return ev->kind;
		}
		if (c->state == ST_CLOSED) {
			ev->kind = RPC_EV_CLOSE;
			ev->close_reason = c->close_reason;
			ev->msg = c->msg;
			return ev->kind;
		}
		if (c->call.delivered)
			return ev->kind = RPC_EV_PENDING;
		switch (process_one(c, ev)) {
		case STEP_NEED:
			return ev->kind = RPC_EV_NEED_INPUT;
		case STEP_REQUEST:
			return ev->kind;
		case STEP_DONE:
			break;
		}
	}
}

/* ---- answers ---- */

int rpc_conn_respond(struct rpc_conn *c, const uint8_t *stub, size_t len)
{
	const struct rpc_auth_ops *ops = c->cfg.auth_ops;
	struct rpc_wrap wrap, *wp = NULL;
	size_t before = c->tx.len;

	if (!c->call.delivered)
		return -1;
	if (c->state == ST_CLOSED || c->call.maybe) {
		end_call(c);
		return c->state == ST_CLOSED ? -1 : 0;
	}
	if (len > c->cfg.max_stub) {
		queue_fault(c, c->call.call_id, c->call.ctx_id, NCA_S_OUT_ARGS_TOO_BIG);
		end_call(c);
		return -1;
	}
	if (protected_level(c)) {
		memset(&wrap, 0, sizeof wrap);
		wrap.fn = ops->wrap;
		wrap.arg = c->cfg.auth_arg;
		wrap.t.auth_type = c->auth.type;
		wrap.t.auth_level = c->auth.level;
		wrap.t.auth_context_id = c->auth.context_id;
		wrap.verifier_len = verifier_len(c);
		wp = &wrap;
	}
	if (rpc_encode_response(&c->tx, c->call.call_id, c->call.ctx_id, stub, len, c->max_xmit,
				wp) != 0) {
		tx_rollback(c, before);
		close_conn(c, RPC_CLOSE_NOMEM, "cannot encode the response to call %u",
			   c->call.call_id);
		end_call(c);
		return -1;
	}
	end_call(c);
	return 0;
}

int rpc_conn_fault(struct rpc_conn *c, uint32_t status)
{
	if (!c->call.delivered)
		return -1;
	if (c->state != ST_CLOSED && !c->call.maybe)
		queue_fault(c, c->call.call_id, c->call.ctx_id, status);
	end_call(c);
	return 0;
}

int rpc_request_opnum_ok(const struct rpc_request *r)
{
	return r->iface != NULL && r->opnum < r->iface->n_ops;
}

const struct rpc_conn_auth *rpc_conn_auth(const struct rpc_conn *c)
{
	return &c->auth;
}

uint16_t rpc_conn_max_xmit(const struct rpc_conn *c)
{
	return c->max_xmit;
}

uint16_t rpc_conn_max_recv(const struct rpc_conn *c)
{
	return c->max_recv;
}

uint8_t rpc_conn_features(const struct rpc_conn *c)
{
	return c->features;
}

int rpc_conn_mid_call(const struct rpc_conn *c)
{
	return c->rx.len > c->rx_off || (c->call.active && !c->call.delivered);
}
