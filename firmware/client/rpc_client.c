/* DCE/RPC client over TCP (rpc_client.h). */
#include "firmware/client/rpc_client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "firmware/rpc/conn.h"
#include "firmware/rpc/ntlm_msg.h"
#include "firmware/rpc/pdu.h"

#define BIND_LEN 72          /* header, 12 octets of fields, one context with one syntax */
#define RESP_FIXED 8         /* alloc_hint, p_cont_id, cancel_count, reserved */
#define FAULT_STATUS_OFF 24  /* in a fault PDU, after the response-like fields */
#define AUTH_CTX_ID 1        /* our auth_context_id: any value, echoed by the server */
#define SEAL_PAD 16          /* stub + pad of a protected fragment, as Windows */

static int fail(struct rpcc *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int take_fault(struct rpcc *c, const struct rpc_pdu *pdu);

static int fail(struct rpcc *c, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return status;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *rpcc_fault_name(uint32_t status)
{
	switch (status) {
	case RPC_S_ACCESS_DENIED: return "rpc_s_access_denied";
	case RPC_S_SEC_PKG_ERROR: return "rpc_s_sec_pkg_error";
	case NCA_S_FAULT_NDR: return "rpc_x_bad_stub_data";
	case NCA_S_OP_RNG_ERROR: return "nca_s_op_rng_error";
	case NCA_S_UNK_IF: return "nca_s_unk_if";
	case NCA_S_PROTO_ERROR: return "nca_s_proto_error";
	case NCA_S_SERVER_TOO_BUSY: return "nca_s_server_too_busy";
	case NCA_S_OUT_ARGS_TOO_BIG: return "nca_s_out_args_too_big";
	default: return NULL;
	}
}

static const char *nak_reason(uint16_t r)
{
	switch (r) {
	case RPC_NAK_TEMPORARY_CONGESTION: return "temporary congestion";
	case RPC_NAK_LOCAL_LIMIT_EXCEEDED: return "local limit exceeded";
	case RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED: return "protocol version not supported";
	case RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED:
		return "authentication type not recognized";
	case RPC_NAK_INVALID_CHECKSUM: return "invalid checksum";
	default: return "reason not specified";
	}
}

/* ---- transport ---- */

/* Waits until fd is ready for events or the deadline passes. */
static int wait_fd(struct rpcc *c, short events, int64_t deadline)
{
	struct pollfd p = {.fd = c->fd, .events = events};

	for (;;) {
		int64_t left = deadline - now_ms();
		int rc;

		if (left <= 0)
			return fail(c, RPCC_ENET, "no answer within %d s", c->timeout_ms / 1000);
		rc = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		/* Errors and hang-ups are left to the send/recv that follows. */
		if (rc > 0)
			return RPCC_OK;
		if (rc < 0 && errno != EINTR)
			return fail(c, RPCC_ENET, "poll: %s", strerror(errno));
	}
}

static int send_all(struct rpcc *c, const uint8_t *p, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n;

		if (wait_fd(c, POLLOUT, deadline) != RPCC_OK)
			return RPCC_ENET;
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return fail(c, RPCC_ENET, "send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return RPCC_OK;
}

static int recv_all(struct rpcc *c, uint8_t *p, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n;

		if (wait_fd(c, POLLIN, deadline) != RPCC_OK)
			return RPCC_ENET;
		n = recv(c->fd, p, len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return fail(c, RPCC_ENET, "recv: %s", strerror(errno));
		if (n == 0)
			return fail(c, RPCC_ENET, "the server closed the connection");
		p += n;
		len -= (size_t)n;
	}
	return RPCC_OK;
}

static void describe(const struct sockaddr *sa, socklen_t salen, char *out, size_t len)
{
	char host[NI_MAXHOST], port[NI_MAXSERV];

	if (getnameinfo(sa, salen, host, sizeof(host), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(out, len, "the server");
	else
		snprintf(out, len, "%s port %s", host, port);
}

int rpcc_connect(struct rpcc *c, const struct sockaddr *sa, socklen_t salen, int timeout_ms,
		 uint16_t max_recv)
{
	int64_t deadline = now_ms() + timeout_ms;
	socklen_t elen = sizeof(int);
	char who[NI_MAXHOST + NI_MAXSERV + 8];
	int e = 0;

	memset(c, 0, sizeof(*c));
	c->timeout_ms = timeout_ms;
	c->max_recv = max_recv ? max_recv : RPCC_MAX_FRAG;
	describe(sa, salen, who, sizeof(who));
	c->fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return fail(c, RPCC_ENET, "socket: %s", strerror(errno));
	/* An NTLM bind ends with an auth3 that gets no answer, followed at once by
	 * the first request: with Nagle that request waits for the server's delayed
	 * ACK (~40 ms per logon). Each PDU is written whole anyway. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
	if (connect(c->fd, sa, salen) != 0 && errno != EINPROGRESS) {
		e = errno;
	} else if (wait_fd(c, POLLOUT, deadline) != RPCC_OK) {
		rpcc_close(c);
		return fail(c, RPCC_ENET, "cannot connect to %s: no answer within %d s", who,
			    timeout_ms / 1000);
	} else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0) {
		e = errno;
	}
	if (e != 0) {
		rpcc_close(c);
		return fail(c, RPCC_ENET, "cannot connect to %s: %s", who, strerror(e));
	}
	return RPCC_OK;
}

void rpcc_set_object(struct rpcc *c, const struct rpc_uuid *object)
{
	c->has_object = object != NULL;
	if (object != NULL)
		c->object = *object;
	else
		memset(&c->object, 0, sizeof(c->object));
}

void rpcc_close(struct rpcc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	ntlm_seal_wipe(&c->seal);
	c->sealed = 0;
	c->sec = NULL; /* the provider's state is its owner's */
	c->sec_arg = NULL;
}

/* ---- PDUs ---- */

/* The common header with frag_length left 0 for finish(). The writer holds one
 * PDU from its start, so the NDR writer's alignment is the PDU's. */
static void put_hdr(struct ndr_wr *w, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
	static const uint8_t drep[4] = {0x10, 0, 0, 0}; /* little-endian, ASCII, IEEE */

	ndr_put_u8(w, 5);
	ndr_put_u8(w, 0);
	ndr_put_u8(w, ptype);
	ndr_put_u8(w, flags);
	ndr_put_bytes(w, drep, sizeof(drep));
	ndr_put_u16(w, 0);
	ndr_put_u16(w, 0); /* auth_length: patched by put_auth */
	ndr_put_u32(w, call_id);
}

/* Appends the sec_trailer and the auth value (the PDU is 4-aligned there) and
 * patches auth_length. */
static void put_auth(struct rpcc *c, struct ndr_wr *w, uint8_t pad, const uint8_t *value,
		     size_t len)
{
	ndr_put_u8(w, c->auth_type);
	ndr_put_u8(w, c->auth_level);
	ndr_put_u8(w, pad);
	ndr_put_u8(w, 0);
	ndr_put_u32(w, c->auth_ctx_id);
	if (value != NULL)
		ndr_put_bytes(w, value, len);
	else
		ndr_put_space(w, len);
	if (len <= UINT16_MAX)
		ndr_patch_u16(w, 10, (uint16_t)len);
	else
		w->failed = 1;
}

static int send_pdu(struct rpcc *c, struct ndr_wr *w, int64_t deadline)
{
	if (!ndr_wr_ok(w) || w->len > UINT16_MAX)
		return fail(c, RPCC_EPROTO, "cannot encode the PDU");
	ndr_patch_u16(w, 8, (uint16_t)w->len);
	return send_all(c, w->buf, w->len, deadline);
}

/* One fragment's protection, by NTLM or by the provider (rpcc_sec). */
static int unwrap(struct rpcc *c, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		  const uint8_t *verifier, size_t verifier_len)
{
	if (c->sec != NULL)
		return c->sec->unwrap(c->sec_arg, pdu, len, body_off, body_len, verifier,
				      verifier_len);
	return ntlm_seal_unwrap(&c->seal, pdu, len, body_off, body_len, verifier, verifier_len);
}

static int wrap(struct rpcc *c, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		uint8_t *verifier, size_t verifier_len)
{
	if (c->sec != NULL)
		return c->sec->wrap(c->sec_arg, pdu, len, body_off, body_len, verifier,
				    verifier_len);
	return ntlm_seal_wrap(&c->seal, pdu, len, body_off, body_len, verifier, verifier_len);
}

static size_t verifier_len(const struct rpcc *c)
{
	return c->sec != NULL ? c->sec->verifier_len : NTLM_VERIFIER_LEN;
}

/* Reads one PDU of the current call into c's buffer and decodes it. */
static int read_pdu(struct rpcc *c, uint8_t *buf, struct rpc_pdu *pdu, int64_t deadline)
{
	struct rpc_hdr h;
	char err[RPCC_ERR_LEN];
	int rc;

	if ((rc = recv_all(c, buf, RPC_HDR_LEN, deadline)) != RPCC_OK)
		return rc;
	if (rpc_hdr_decode(buf, RPC_HDR_LEN, &h, err, sizeof(err)) != RPC_HDR_OK)
		return fail(c, RPCC_EPROTO, "bad PDU from the server: %s", err);
	if (h.frag_len > c->max_recv)
		return fail(c, RPCC_EPROTO, "%s fragment of %u octets (max_recv_frag is %u)",
			    rpc_ptype_name(h.ptype), h.frag_len, c->max_recv);
	if ((rc = recv_all(c, buf + RPC_HDR_LEN, h.frag_len - RPC_HDR_LEN, deadline)) != RPCC_OK)
		return rc;
	if (rpc_pdu_decode(buf, h.frag_len, pdu, err, sizeof(err)) != 0)
		return fail(c, RPCC_EPROTO, "bad PDU from the server: %s", err);
	if (h.call_id != c->call_id)
		return fail(c, RPCC_EPROTO, "%s for call %u while call %u is waiting",
			    rpc_ptype_name(h.ptype), h.call_id, c->call_id);
	if (pdu->has_auth &&
	    (c->auth_level == 0 || pdu->auth.t.auth_type != c->auth_type ||
	     pdu->auth.t.auth_level != c->auth_level ||
	     pdu->auth.t.auth_context_id != c->auth_ctx_id))
		return fail(c, RPCC_EPROTO, "%s with a verifier for another security context",
			    rpc_ptype_name(h.ptype));
	if (c->sealed && h.ptype == RPC_PT_RESPONSE) {
		/* Every response fragment is protected on its own. */
		size_t body = pdu->body_len;

		if (!pdu->has_auth || body < (size_t)RESP_FIXED + pdu->auth.t.auth_pad_len ||
		    unwrap(c, buf, RPC_HDR_LEN + body + RPC_SEC_TRAILER_LEN, RPC_RESP_HDR_LEN,
			   body - RESP_FIXED, pdu->auth.value, pdu->auth.value_len) != 0)
			return fail(c, RPCC_EPROTO, "a response fragment whose %sverifier does "
				    "not check (tampered, replayed or another session key)",
				    c->sec != NULL ? "" : "NTLM ");
	}
	return RPCC_OK;
}

/* ---- bind ---- */

static int parse_bind_ack(struct rpcc *c, const struct rpc_pdu *pdu)
{
	struct rpc_syntax xfer;
	const uint8_t *syn;
	uint16_t recv_frag, result, reason;
	struct ndr_rd r;

	/* Offsets in a bind_ack are aligned from the PDU's start. */
	ndr_rd_init(&r, pdu->pdu, pdu->hdr.frag_len);
	ndr_get_bytes(&r, RPC_HDR_LEN);
	ndr_get_u16(&r); /* max_xmit_frag: every fragment is checked against max_recv */
	recv_frag = ndr_get_u16(&r);
	ndr_get_u32(&r); /* assoc_group_id */
	ndr_get_bytes(&r, ndr_get_u16(&r)); /* secondary address */
	ndr_rd_align(&r, 4);
	if (ndr_get_u8(&r) != 1 && !r.failed)
		ndr_rd_fail(&r, "results for other than our one presentation context");
	ndr_get_bytes(&r, 3);
	result = ndr_get_u16(&r);
	reason = ndr_get_u16(&r);
	syn = ndr_get_bytes(&r, RPC_SYNTAX_LEN);
	if (r.failed)
		return fail(c, RPCC_EPROTO, "bad bind_ack: %s", r.err);
	if (result != RPC_RESULT_ACCEPTANCE)
		return fail(c, RPCC_EREFUSED, "the server rejected the interface (result %u, "
			    "reason %u)", result, reason);
	rpc_syntax_read(syn, &xfer);
	if (!rpc_syntax_eq(&xfer, &rpc_syntax_ndr))
		return fail(c, RPCC_EPROTO, "bind_ack accepts a transfer syntax we did not offer");
	if (recv_frag < RPC_FRAG_FLOOR)
		return fail(c, RPCC_EPROTO, "bind_ack: max_recv_frag %u", recv_frag);
	c->max_xmit = recv_frag < c->max_recv ? recv_frag : c->max_recv;
	return RPCC_OK;
}

static int parse_bind_nak(struct rpcc *c, const struct rpc_pdu *pdu)
{
	uint16_t reason;

	if (pdu->body_len < 2)
		return fail(c, RPCC_EPROTO, "bind_nak without a reason");
	reason = (uint16_t)(pdu->body[0] | pdu->body[1] << 8);
	return fail(c, RPCC_EREFUSED, "the server refused the bind: %s (%u)", nak_reason(reason),
		    reason);
}

/* A bind (or alter_context: the same body) with our one presentation context;
 * token: the first security token (NEGOTIATE, ...), or NULL. */
static int send_bind(struct rpcc *c, uint8_t ptype, const struct rpc_syntax *iface,
		     const struct ndr_wr *tok, int64_t deadline)
{
	struct ndr_wr w;
	uint8_t *syn;
	int rc;

	ndr_wr_init(&w, BIND_LEN + RPC_SEC_TRAILER_LEN + NTLM_MSG_MAX);
	put_hdr(&w, ptype, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, ++c->call_id);
	/* The same size both ways, as impacket does: -frag then cuts requests too. */
	ndr_put_u16(&w, c->max_recv); /* max_xmit_frag */
	ndr_put_u16(&w, c->max_recv);
	ndr_put_u32(&w, 0);      /* a new association group */
	ndr_put_u8(&w, 1);       /* one presentation context ... */
	ndr_put_bytes(&w, "\0\0\0", 3);
	ndr_put_u16(&w, 0);      /* ... id 0 ... */
	ndr_put_u8(&w, 1);       /* ... with one transfer syntax: NDR 2.0 */
	ndr_put_u8(&w, 0);
	if ((syn = ndr_put_space(&w, 2 * RPC_SYNTAX_LEN)) != NULL) {
		rpc_syntax_write(iface, syn);
		rpc_syntax_write(&rpc_syntax_ndr, syn + RPC_SYNTAX_LEN);
	}
	if (tok != NULL) /* BIND_LEN is 4-aligned: no auth pad */
		put_auth(c, &w, 0, tok->buf, tok->len);
	rc = send_pdu(c, &w, deadline);
	ndr_wr_free(&w);
	return rc;
}

static int bind_answer(struct rpcc *c, uint8_t *buf, struct rpc_pdu *pdu, int64_t deadline)
{
	int rc = read_pdu(c, buf, pdu, deadline);

	if (rc != RPCC_OK)
		return rc;
	if (pdu->hdr.ptype == RPC_PT_BIND_ACK)
		return parse_bind_ack(c, pdu);
	if (pdu->hdr.ptype == RPC_PT_BIND_NAK)
		return parse_bind_nak(c, pdu);
	return fail(c, RPCC_EPROTO, "%s in answer to a bind", rpc_ptype_name(pdu->hdr.ptype));
}

/* An alter_context_resp has a bind_ack's layout; a refused leg is a fault. */
static int alter_answer(struct rpcc *c, uint8_t *buf, struct rpc_pdu *pdu, int64_t deadline)
{
	int rc = read_pdu(c, buf, pdu, deadline);

	if (rc != RPCC_OK)
		return rc;
	if (pdu->hdr.ptype == RPC_PT_ALTER_CONTEXT_RESP)
		return parse_bind_ack(c, pdu);
	if (pdu->hdr.ptype == RPC_PT_FAULT)
		return take_fault(c, pdu);
	return fail(c, RPCC_EPROTO, "%s in answer to an alter_context",
		    rpc_ptype_name(pdu->hdr.ptype));
}

int rpcc_bind(struct rpcc *c, const struct rpc_syntax *iface)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	uint8_t buf[RPCC_MAX_FRAG];
	struct rpc_pdu pdu;
	int rc = send_bind(c, RPC_PT_BIND, iface, NULL, deadline);

	return rc != RPCC_OK ? rc : bind_answer(c, buf, &pdu, deadline);
}

/* auth3 (MS-RPCE 2.2.2.10): 4 pad octets, then the AUTHENTICATE. No answer. */
static int send_auth3(struct rpcc *c, const struct ndr_wr *tok, int64_t deadline)
{
	struct ndr_wr w;
	int rc;

	ndr_wr_init(&w, RPC_HDR_LEN + 4 + RPC_SEC_TRAILER_LEN + NTLM_MSG_MAX);
	put_hdr(&w, RPC_PT_AUTH3, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, c->call_id);
	ndr_put_u32(&w, 0);
	put_auth(c, &w, 0, tok->buf, tok->len);
	rc = send_pdu(c, &w, deadline);
	ndr_wr_free(&w);
	return rc;
}

/* rpcc_bind_auth with a provider: bind, bind_ack, alter_context,
 * alter_context_resp. */
static int bind_sec(struct rpcc *c, const struct rpc_syntax *iface, const struct rpcc_auth *a,
		    int64_t deadline)
{
	const struct rpcc_sec *s = a->sec;
	uint8_t buf[RPCC_MAX_FRAG];
	char err[RPCC_ERR_LEN];
	struct rpc_pdu pdu;
	struct ndr_wr tok;
	int rc = RPCC_OK;

	ndr_wr_init(&tok, NTLM_MSG_MAX);
	if (s->start(a->arg, &tok, err, sizeof(err)) != 0)
		rc = fail(c, RPCC_EREFUSED, "%s", err);
	if (rc == RPCC_OK)
		rc = send_bind(c, RPC_PT_BIND, iface, &tok, deadline);
	if (rc == RPCC_OK)
		rc = bind_answer(c, buf, &pdu, deadline);
	if (rc == RPCC_OK && !pdu.has_auth)
		rc = fail(c, RPCC_EPROTO, "bind_ack without a security token");
	ndr_wr_reset(&tok);
	if (rc == RPCC_OK &&
	    s->step(a->arg, pdu.auth.value, pdu.auth.value_len, &tok, err, sizeof(err)) != 0)
		rc = fail(c, RPCC_EREFUSED, "%s", err);
	if (rc == RPCC_OK)
		rc = send_bind(c, RPC_PT_ALTER_CONTEXT, iface, &tok, deadline);
	if (rc == RPCC_OK)
		rc = alter_answer(c, buf, &pdu, deadline);
	if (rc == RPCC_OK && !pdu.has_auth)
		rc = fail(c, RPCC_EPROTO, "alter_context_resp without a security token");
	if (rc == RPCC_OK && s->done(a->arg, pdu.auth.value, pdu.auth.value_len, err,
				     sizeof(err)) != 0)
		rc = fail(c, RPCC_EREFUSED, "%s", err);
	if (rc == RPCC_OK && a->level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY) {
		c->sec = s;
		c->sec_arg = a->arg;
		c->sealed = 1;
	}
	ndr_wr_free(&tok);
	return rc;
}

int rpcc_bind_auth(struct rpcc *c, const struct rpc_syntax *iface, const struct rpcc_auth *a)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	uint8_t buf[RPCC_MAX_FRAG], key[NTLM_KEY_LEN];
	char err[RPCC_ERR_LEN];
	struct rpc_pdu pdu;
	struct ntlm_msg msg;
	struct ndr_wr tok;
	int rc;

	c->auth_level = a->level;
	c->auth_ctx_id = AUTH_CTX_ID;
	c->auth_type = a->sec != NULL ? a->sec->type : RPC_AUTHN_WINNT;
	if (a->sec != NULL)
		return bind_sec(c, iface, a, deadline);
	ndr_wr_init(&tok, NTLM_MSG_MAX);
	if (a->start(a->arg, &tok, err, sizeof(err)) != 0) {
		ndr_wr_free(&tok);
		return fail(c, RPCC_EREFUSED, "NTLM: %s", err);
	}
	rc = send_bind(c, RPC_PT_BIND, iface, &tok, deadline);
	if (rc == RPCC_OK)
		rc = bind_answer(c, buf, &pdu, deadline);
	if (rc == RPCC_OK && !pdu.has_auth)
		rc = fail(c, RPCC_EPROTO, "bind_ack without the NTLM CHALLENGE");
	ndr_wr_reset(&tok);
	if (rc == RPCC_OK && a->finish(a->arg, pdu.auth.value, pdu.auth.value_len, &tok, key, err,
				       sizeof(err)) != 0)
		rc = fail(c, RPCC_EREFUSED, "NTLM: %s", err);
	/* The flags both sides use are the AUTHENTICATE's. */
	if (rc == RPCC_OK && ntlm_msg_decode(tok.buf, tok.len, &msg, err, sizeof(err)) != 0)
		rc = fail(c, RPCC_EPROTO, "NTLM: our AUTHENTICATE: %s", err);
	if (rc == RPCC_OK)
		rc = send_auth3(c, &tok, deadline);
	if (rc == RPCC_OK && a->level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY) {
		if (ntlm_seal_init(&c->seal, key, msg.flags, NTLM_CLIENT,
				   a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY, err, sizeof(err)) != 0)
			rc = fail(c, RPCC_EPROTO, "NTLM: %s", err);
		else
			c->sealed = 1;
	}
	explicit_bzero(key, sizeof(key));
	ndr_wr_free(&tok);
	return rc;
}

/* ---- calls ---- */

/* Sends the request in fragments of at most max_xmit octets; each fragment's stub
 * is a multiple of 8 octets except the last, so NDR alignment never straddles. */
/* Sends the request in fragments of at most max_xmit octets; each fragment's stub
 * is a multiple of 8 octets (16 when protected) except the last, so NDR alignment
 * never straddles. Protected fragments are padded to 16, signed and sealed one
 * by one (their own sequence numbers). */
static int send_request(struct rpcc *c, uint16_t opnum, const uint8_t *stub, size_t len,
			int64_t deadline)
{
	/* An ORPC call names its object (the IPID) after the opnum
	 * (PFC_OBJECT_UUID): 16 more header octets in every fragment. */
	size_t hdr = RPC_REQ_HDR_LEN + (c->has_object ? 16 : 0);
	size_t over = hdr, align = 8, chunk, off = 0;
	struct ndr_wr w;
	int rc = RPCC_OK;

	size_t vlen = verifier_len(c);

	if (c->sealed) {
		over += SEAL_PAD + RPC_SEC_TRAILER_LEN + vlen;
		align = SEAL_PAD;
	}
	chunk = ((size_t)c->max_xmit - over) & ~(align - 1);
	if (len > UINT32_MAX)
		return fail(c, RPCC_EPROTO, "request of %zu octets", len);
	ndr_wr_init(&w, c->max_xmit);
	do {
		size_t n = len - off < chunk ? len - off : chunk, pad, tlen;
		uint8_t flags = (off == 0 ? RPC_PFC_FIRST_FRAG : 0) |
				(off + n == len ? RPC_PFC_LAST_FRAG : 0) |
				(c->has_object ? RPC_PFC_OBJECT_UUID : 0);

		ndr_wr_reset(&w);
		put_hdr(&w, RPC_PT_REQUEST, flags, c->call_id);
		ndr_put_u32(&w, (uint32_t)(len - off)); /* alloc_hint: what is left */
		ndr_put_u16(&w, 0);                     /* p_cont_id */
		ndr_put_u16(&w, opnum);
		if (c->has_object)
			ndr_put_uuid(&w, &c->object);
		ndr_put_bytes(&w, stub + off, n);
		if (c->sealed) {
			static const uint8_t zeros[SEAL_PAD];

			pad = (SEAL_PAD - n % SEAL_PAD) % SEAL_PAD;
			ndr_put_bytes(&w, zeros, pad);
			put_auth(c, &w, (uint8_t)pad, NULL, vlen);
			tlen = w.len - vlen;
			if (ndr_wr_ok(&w) && w.len <= UINT16_MAX)
				ndr_patch_u16(&w, 8, (uint16_t)w.len);
			if (!ndr_wr_ok(&w) ||
			    wrap(c, w.buf, tlen, hdr, n + pad, w.buf + tlen, vlen) != 0) {
				rc = fail(c, RPCC_EPROTO, "cannot sign the request");
				break;
			}
		}
		rc = send_pdu(c, &w, deadline);
		off += n;
	} while (rc == RPCC_OK && off < len);
	ndr_wr_free(&w);
	return rc;
}

static int take_fault(struct rpcc *c, const struct rpc_pdu *pdu)
{
	const uint8_t *p = pdu->pdu + FAULT_STATUS_OFF;
	const char *name;

	if (pdu->hdr.frag_len < FAULT_STATUS_OFF + 4)
		return fail(c, RPCC_EPROTO, "fault without a status");
	c->fault = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		   (uint32_t)p[3] << 24;
	if ((name = rpcc_fault_name(c->fault)) != NULL)
		return fail(c, RPCC_EFAULT, "the server answered the fault %s (0x%08x)", name,
			    c->fault);
	return fail(c, RPCC_EFAULT, "the server answered the fault 0x%08x", c->fault);
}

/* Appends one response fragment's stub; *done once the last one is in. */
static int take_response(struct rpcc *c, const struct rpc_pdu *pdu, int first,
			 struct ndr_wr *out, int *done)
{
	uint8_t flags = pdu->hdr.flags;

	if (!!(flags & RPC_PFC_FIRST_FRAG) != first)
		return fail(c, RPCC_EPROTO, "response fragment %s PFC_FIRST_FRAG out of order",
			    first ? "without" : "with");
	if (pdu->body_len < RESP_FIXED)
		return fail(c, RPCC_EPROTO, "response of %u octets", pdu->hdr.frag_len);
	if ((pdu->body[4] | pdu->body[5] << 8) != 0)
		return fail(c, RPCC_EPROTO, "response on another presentation context");
	/* read_pdu checked the pad fits (protected responses only carry one). */
	ndr_put_bytes(out, pdu->body + RESP_FIXED,
		      pdu->body_len - RESP_FIXED - (pdu->has_auth ? pdu->auth.t.auth_pad_len : 0));
	if (!ndr_wr_ok(out))
		return fail(c, RPCC_EPROTO, "response over %u octets", RPCC_MAX_STUB);
	*done = (flags & RPC_PFC_LAST_FRAG) != 0;
	return RPCC_OK;
}

int rpcc_call(struct rpcc *c, uint16_t opnum, const uint8_t *stub, size_t len,
	      struct ndr_wr *out)
{
	int64_t deadline = now_ms() + c->timeout_ms;
	uint8_t buf[RPCC_MAX_FRAG];
	struct rpc_pdu pdu;
	int rc, done = 0;

	ndr_wr_reset(out);
	if (c->max_xmit == 0)
		return fail(c, RPCC_EPROTO, "call before bind");
	c->call_id++;
	if ((rc = send_request(c, opnum, stub, len, deadline)) != RPCC_OK)
		return rc;
	for (int first = 1; !done; first = 0) {
		if ((rc = read_pdu(c, buf, &pdu, deadline)) != RPCC_OK)
			return rc;
		if (pdu.hdr.ptype == RPC_PT_FAULT)
			return take_fault(c, &pdu);
		if (pdu.hdr.ptype != RPC_PT_RESPONSE)
			return fail(c, RPCC_EPROTO, "%s in answer to a request",
				    rpc_ptype_name(pdu.hdr.ptype));
		if ((rc = take_response(c, &pdu, first, out, &done)) != RPCC_OK)
			return rc;
	}
	return RPCC_OK;
}
