/* The worker's NTLM provider (ntlm.h). The worker reads the tokens (decoder:
 * firmware/rpc/ntlm_msg.c) only to know which leg it is, the negotiated flags
 * and the name a client claims; whether the logon is good is ca-auth's answer. */
#include "firmware/custodian/msg.h"
#include "firmware/worker/ntlm.h"

#include <stdio.h>
#include <string.h>

#include "firmware/custodian/proto.h"
#include "firmware/rpc/ntlm_msg.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

/* What accept returns for a refused leg: a bind_nak "reason not specified" (or,
 * on alter_context, the fault access_denied). Not RPC_NAK_NOT_SPECIFIED, which
 * is 0 and so would be taken for success (firmware/rpc/auth.h: 0 accepts the
 * leg): a refused NEGOTIATE got a bind_ack without a token, and a refused
 * AUTHENTICATE on a third alter_context an alter_context_resp. */
#define NTLM_REFUSED (-1)

static const char *level_name(uint8_t l)
{
	static const char *const n[] = {"none", "none", "connect", "call", "pkt", "pkt_integrity",
					"pkt_privacy"};

	return l < 7 ? n[l] : "unknown";
}

void worker_auth_event(struct worker *w, enum cust_logon what, const char *peer, const char *who,
		       const char *detail)
{
	struct cust_auth_event ev = {.what = what};
	struct ipc_wbuf req;
	struct ipc_msg m;
	char err[256];

	snprintf(ev.peer, sizeof(ev.peer), "%s", peer);
	snprintf(ev.claimed, sizeof(ev.claimed), "%s", who);
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	ipc_wbuf_init(&req);
	cust_auth_event_encode(&req, &ev);
	if (ipc_call(&w->custodian, CUST_AUTH_EVENT, &req, &m, err, sizeof(err)) != 0) {
		log_warnx("custodian: %s", err);
		return;
	}
	if (m.hdr.type != CUST_RESULT && m.hdr.type != CUST_ERROR)
		fatalx("protocol violation: answer %u from the custodian", m.hdr.type);
	if (m.hdr.type == CUST_ERROR)
		log_warnx("%s: the authentication event could not be journaled", peer);
	ipc_msg_free(&m);
}

/* One call to ca-auth; the reply's type is checked against what may answer it. */
static int call_auth(struct worker_ntlm *a, uint32_t type, struct ipc_wbuf *req,
		     uint32_t ok_type, struct ipc_msg *m)
{
	char err[256];

	if (ipc_call(&a->w->auth, type, req, m, err, sizeof(err)) != 0) {
		log_warnx("%s: ca-auth: %s", a->peer, err);
		return -1;
	}
	if (m->hdr.type != ok_type && m->hdr.type != AUTH_FAIL)
		fatalx("protocol violation: answer %#x from ca-auth to %#x", m->hdr.type, type);
	return 0;
}

/* The AUTH_FAIL message, for the log and the journal. */
static void fail_text(const struct ipc_msg *m, char *out, size_t outlen)
{
	struct ipc_rbuf r;
	char msg[AUTH_MESSAGE_MAX + 1];

	ipc_rbuf_init(&r, m);
	(void)ipc_get_u32(&r);
	ipc_get_str(&r, msg, sizeof(msg));
	if (ipc_rbuf_done(&r) != 0)
		fatalx("protocol violation: malformed AUTH_FAIL from ca-auth");
	snprintf(out, outlen, "%s", msg);
}

static int negotiate(struct worker_ntlm *a, const struct rpc_auth *in, struct ndr_wr *out)
{
	struct ipc_wbuf req;
	struct ipc_msg m;
	struct ipc_rbuf r;
	const uint8_t *tok;
	size_t len;
	char why[AUTH_MESSAGE_MAX + 1];

	if (a->have_ctx || a->established)
		return NTLM_REFUSED; /* one logon per connection */
	ipc_wbuf_init(&req);
	ipc_put_bytes(&req, in->value, in->value_len);
	if (call_auth(a, AUTH_NEGOTIATE, &req, AUTH_CHALLENGE, &m) != 0)
		return NTLM_REFUSED;
	if (m.hdr.type == AUTH_FAIL) {
		/* A logon refused at its first leg (ca-auth's rules for a NEGOTIATE,
		 * e.g. no 128-bit keys) is journaled like one refused at the last;
		 * a NEGOTIATE names no one. */
		fail_text(&m, why, sizeof(why));
		log_info("%s: NTLM NEGOTIATE refused: %s", a->peer, why);
		ipc_msg_free(&m);
		worker_auth_event(a->w, CUST_LOGON_NTLM_REFUSED, a->peer, "", why);
		return NTLM_REFUSED;
	}
	ipc_rbuf_init(&r, &m);
	a->ctx = ipc_get_u32(&r);
	ipc_get_bytes(&r, &tok, &len, AUTH_TOKEN_MAX);
	if (ipc_rbuf_done(&r) != 0 || len == 0)
		fatalx("protocol violation: malformed AUTH_CHALLENGE from ca-auth");
	a->have_ctx = 1;
	a->level = in->t.auth_level;
	ndr_put_bytes(out, tok, len);
	ipc_msg_free(&m);
	return ndr_wr_ok(out) ? 0 : NTLM_REFUSED;
}

/* The AUTHENTICATE leg (auth3, or a third alter_context): 0 or -1. */
static int authenticate(struct worker_ntlm *a, const struct rpc_auth *in,
			const struct ntlm_msg *msg)
{
	char user[128], dom[128], why[AUTH_MESSAGE_MAX + 64];
	struct ipc_wbuf req;
	struct ipc_msg m;
	struct ipc_rbuf r;
	const uint8_t *key, *idtok;
	size_t klen, idtok_len;
	uint32_t anon;
	int rc = -1;

	ntlm_field_text(msg, &msg->user, user, sizeof(user));
	ntlm_field_text(msg, &msg->domain, dom, sizeof(dom));
	snprintf(a->claimed, sizeof(a->claimed), "%s%s%s", dom, dom[0] ? "\\" : "", user);
	if (!a->have_ctx) {
		snprintf(why, sizeof(why), "AUTHENTICATE without a NEGOTIATE");
		goto refused;
	}
	a->have_ctx = 0; /* ca-auth ends the context either way */
	ipc_wbuf_init(&req);
	ipc_put_u32(&req, a->ctx);
	ipc_put_bytes(&req, in->value, in->value_len);
	if (call_auth(a, AUTH_AUTHENTICATE, &req, AUTH_OK, &m) != 0) {
		snprintf(why, sizeof(why), "the credential process is not available");
		goto refused;
	}
	if (m.hdr.type == AUTH_FAIL) {
		fail_text(&m, why, sizeof(why));
		ipc_msg_free(&m);
		goto refused;
	}
	ipc_rbuf_init(&r, &m);
	ipc_get_str(&r, a->identity, sizeof(a->identity));
	anon = ipc_get_u32(&r);
	ipc_get_bytes(&r, &key, &klen, AUTH_KEY_LEN);
	ipc_get_bytes(&r, &idtok, &idtok_len, IDTOKEN_MAX);
	if (ipc_rbuf_done(&r) != 0 || klen != AUTH_KEY_LEN || a->identity[0] == 0 || anon > 1)
		fatalx("protocol violation: malformed AUTH_OK from ca-auth");
	/* Opaque here: only the custodian can check it. */
	memcpy(a->id_token, idtok, idtok_len);
	a->id_token_len = idtok_len;
	a->anonymous = (int)anon;
	if (a->anonymous && !a->w->allow_anonymous) {
		snprintf(why, sizeof(why), "anonymous NTLM logon (icpr_allow_anonymous is off)");
	} else if (a->level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY &&
		   ntlm_seal_init(&a->seal, key, msg->flags, NTLM_SERVER,
				  a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY, why, sizeof(why)) != 0) {
		/* why is set */
	} else {
		rc = 0;
	}
	explicit_bzero((void *)key, klen); /* the copy in the message, wiped before free */
	ipc_msg_free(&m);
	if (rc != 0) {
		a->identity[0] = 0;
		explicit_bzero(a->id_token, sizeof(a->id_token));
		a->id_token_len = 0;
		goto refused;
	}
	a->established = 1;
	log_info("%s: NTLM logon of %s at %s", a->peer, a->identity, level_name(a->level));
	return 0;
refused:
	log_info("%s: NTLM logon of '%s' refused: %s", a->peer, a->claimed, why);
	worker_auth_event(a->w, CUST_LOGON_NTLM_REFUSED, a->peer, a->claimed, why);
	return -1;
}

static int op_accept(void *arg, const struct rpc_auth *in, struct ndr_wr *out)
{
	struct worker_ntlm *a = arg;
	struct ntlm_msg msg;
	char err[160];

	if (in->t.auth_type != RPC_AUTHN_WINNT || !a->w->have_auth)
		return RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED;
	if (in->t.auth_level < RPC_AUTHN_LEVEL_CONNECT ||
	    in->t.auth_level > RPC_AUTHN_LEVEL_PKT_PRIVACY)
		return NTLM_REFUSED;
	if (ntlm_msg_decode(in->value, in->value_len, &msg, err, sizeof(err)) != 0) {
		log_info("%s: bind: %s", a->peer, err);
		return NTLM_REFUSED;
	}
	if (msg.type == NTLM_NEGOTIATE)
		return negotiate(a, in, out);
	/* Some clients finish with a third alter_context instead of auth3. */
	if (msg.type == NTLM_AUTHENTICATE && !a->established)
		return authenticate(a, in, &msg) == 0 ? 0 : NTLM_REFUSED;
	return NTLM_REFUSED;
}

static int op_auth3(void *arg, const struct rpc_auth *in)
{
	struct worker_ntlm *a = arg;
	struct ntlm_msg msg;
	char err[160];

	if (a->established)
		return -1;
	if (ntlm_msg_decode(in->value, in->value_len, &msg, err, sizeof(err)) != 0 ||
	    msg.type != NTLM_AUTHENTICATE) {
		log_info("%s: auth3: %s", a->peer, msg.type != NTLM_AUTHENTICATE ? "not an "
			 "AUTHENTICATE" : err);
		worker_auth_event(a->w, CUST_LOGON_NTLM_REFUSED, a->peer, "", "malformed AUTHENTICATE");
		return -1;
	}
	return authenticate(a, in, &msg);
}

static int op_established(void *arg)
{
	return ((struct worker_ntlm *)arg)->established;
}

static int op_unwrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		     const uint8_t *verifier, size_t verifier_len)
{
	struct worker_ntlm *a = arg;

	return ntlm_seal_unwrap(&a->seal, pdu, len, body_off, body_len, verifier, verifier_len);
}

static int op_wrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		   uint8_t *verifier, size_t verifier_len)
{
	struct worker_ntlm *a = arg;

	return ntlm_seal_wrap(&a->seal, pdu, len, body_off, body_len, verifier, verifier_len);
}

const struct rpc_auth_ops worker_ntlm_ops = {
	.verifier_len = NTLM_VERIFIER_LEN,
	/* The NTLM checksum always covers the header (extended session security). */
	.header_sign = 1,
	.accept = op_accept,
	.auth3 = op_auth3,
	.established = op_established,
	.unwrap = op_unwrap,
	.wrap = op_wrap,
};

void worker_ntlm_init(struct worker_ntlm *a, struct worker *w, const char *peer)
{
	memset(a, 0, sizeof(*a));
	a->w = w;
	a->peer = peer;
}

void worker_ntlm_free(struct worker_ntlm *a)
{
	if (a->have_ctx) {
		struct ipc_wbuf req;
		struct ipc_msg m;

		ipc_wbuf_init(&req);
		ipc_put_u32(&req, a->ctx);
		if (call_auth(a, AUTH_RELEASE, &req, AUTH_RELEASED, &m) == 0)
			ipc_msg_free(&m);
	}
	ntlm_seal_wipe(&a->seal);
	explicit_bzero(a, sizeof(*a));
}

uint8_t worker_ntlm_level(const struct worker_ntlm *a)
{
	return a->established ? a->level : 0;
}
