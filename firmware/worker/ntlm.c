/* The worker's NTLM provider (ntlm.h). The worker reads the tokens (decoder:
 * firmware/rpc/ntlm_msg.c) only to know which leg it is, the negotiated flags
 * and the name a client claims; whether the logon is good is ca-auth's answer. */
#include "firmware/custodian/msg.h"
#include "firmware/worker/ntlm.h"

#include "firmware/auth/msg.h"

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

const char *worker_level_name(uint8_t l)
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

/* One call to ca-auth: 0 with the answer in *m (the type ok_type or AUTH_FAIL,
 * the latter decoded into *f), or -1 if ca-auth could not be asked. Any other
 * answer is a violation: the worker exits and cad restarts it with ca-auth. */
static int call_auth(const struct worker_ntlm *a, uint32_t type, struct ipc_wbuf *req,
		     uint32_t ok_type, struct ipc_msg *m, struct auth_fail *f)
{
	char err[256];

	if (ipc_call(&a->w->auth, type, req, m, err, sizeof(err)) != 0) {
		log_warnx("%s: ca-auth: %s", a->peer, err);
		return -1;
	}
	switch ((enum auth_msg)m->hdr.type) {
	case AUTH_FAIL:
		if (type == AUTH_RELEASE || auth_fail_decode(m->data, m->hdr.len, f) != 0)
			fatalx("protocol violation: AUTH_FAIL from ca-auth to %#x", type);
		return 0;
	case AUTH_CHALLENGE: /* the answer expected, decoded by the caller */
	case AUTH_OK:
	case AUTH_RELEASED:
	case AUTH_ACCOUNT:
		if (m->hdr.type == ok_type)
			return 0;
		break;
	case AUTH_NEGOTIATE: /* the worker's requests, never an answer */
	case AUTH_AUTHENTICATE:
	case AUTH_RELEASE:
	case AUTH_LOOKUP:
	default:
		break;
	}
	fatalx("protocol violation: answer %#x from ca-auth to %#x", m->hdr.type, type);
}

static int negotiate(struct worker_ntlm *a, const struct rpc_auth *in, struct ndr_wr *out)
{
	struct auth_challenge c;
	struct auth_fail f;
	struct ipc_wbuf req;
	struct ipc_msg m;

	if (a->have_ctx || a->logged_on || a->established)
		return NTLM_REFUSED; /* one logon per connection */
	ipc_wbuf_init(&req);
	auth_negotiate_encode(&req, &(struct auth_negotiate){in->value, in->value_len});
	if (call_auth(a, AUTH_NEGOTIATE, &req, AUTH_CHALLENGE, &m, &f) != 0)
		return NTLM_REFUSED;
	if (m.hdr.type == AUTH_FAIL) {
		/* A logon refused at its first leg (ca-auth's rules for a NEGOTIATE,
		 * e.g. no 128-bit keys) is journaled like one refused at the last;
		 * a NEGOTIATE names no one. */
		ipc_msg_free(&m);
		log_info("%s: NTLM NEGOTIATE refused: %s", a->peer, f.message);
		worker_auth_event(a->w, CUST_LOGON_NTLM_REFUSED, a->peer, "", f.message);
		return NTLM_REFUSED;
	}
	if (auth_challenge_decode(m.data, m.hdr.len, &c) != 0)
		fatalx("protocol violation: malformed AUTH_CHALLENGE from ca-auth");
	a->ctx = c.ctx;
	a->have_ctx = 1;
	a->level = in->t.auth_level;
	ndr_put_bytes(out, c.token, c.token_len);
	ipc_msg_free(&m);
	return ndr_wr_ok(out) ? 0 : NTLM_REFUSED;
}

/* The AUTHENTICATE leg (auth3, or a third alter_context): 0 or -1. */
static int authenticate(struct worker_ntlm *a, const struct rpc_auth *in,
			const struct ntlm_msg *msg)
{
	char user[128], dom[128], why[AUTH_MESSAGE_MAX + 64];
	struct auth_authenticate q = {0};
	struct auth_fail f;
	struct auth_ok ok;
	struct ipc_wbuf req;
	struct ipc_msg m;
	int rc = -1;

	ntlm_field_text(msg, &msg->user, user, sizeof(user));
	ntlm_field_text(msg, &msg->domain, dom, sizeof(dom));
	snprintf(a->claimed, sizeof(a->claimed), "%s%s%s", dom, dom[0] ? "\\" : "", user);
	if (!a->have_ctx) {
		snprintf(why, sizeof(why), "AUTHENTICATE without a NEGOTIATE");
		goto refused;
	}
	a->have_ctx = 0; /* ca-auth ends the context either way */
	q.ctx = a->ctx;
	snprintf(q.peer, sizeof(q.peer), "%s", a->peer); /* for ca-auth's per-address count */
	q.token = in->value;
	q.token_len = in->value_len;
	ipc_wbuf_init(&req);
	auth_authenticate_encode(&req, &q);
	if (call_auth(a, AUTH_AUTHENTICATE, &req, AUTH_OK, &m, &f) != 0) {
		snprintf(why, sizeof(why), "the credential process is not available");
		goto refused;
	}
	if (m.hdr.type == AUTH_FAIL) {
		ipc_msg_free(&m);
		snprintf(why, sizeof(why), "%s", f.message);
		goto refused;
	}
	if (auth_ok_decode(m.data, m.hdr.len, &ok) != 0)
		fatalx("protocol violation: malformed AUTH_OK from ca-auth");
	a->logged_on = 1; /* ca-auth keeps it under ctx: released when the connection ends */
	snprintf(a->identity, sizeof(a->identity), "%s", ok.identity);
	/* Opaque here: only the custodian can check it. */
	memcpy(a->id_token, ok.id_token, ok.id_token_len);
	a->id_token_len = ok.id_token_len;
	a->anonymous = (int)ok.anonymous;
	if (a->anonymous && !a->w->allow_anonymous) {
		snprintf(why, sizeof(why), "anonymous NTLM logon (icpr_allow_anonymous is off)");
	} else if (a->level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY &&
		   ntlm_seal_init(&a->seal, ok.key, msg->flags, NTLM_SERVER,
				  a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY, why, sizeof(why)) != 0) {
		/* why is set */
	} else {
		rc = 0;
	}
	explicit_bzero((void *)ok.key, AUTH_KEY_LEN); /* the copy in the message, wiped before free */
	ipc_msg_free(&m);
	if (rc != 0) {
		a->identity[0] = 0;
		explicit_bzero(a->id_token, sizeof(a->id_token));
		a->id_token_len = 0;
		goto refused;
	}
	a->established = 1;
	log_info("%s: NTLM logon of %s at %s", a->peer, a->identity, worker_level_name(a->level));
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

	if ((in->t.auth_type != RPC_AUTHN_WINNT && in->t.auth_type != RPC_AUTHN_GSS_NEGOTIATE) ||
	    !a->w->have_auth)
		return RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED;
	if (in->t.auth_level < RPC_AUTHN_LEVEL_CONNECT ||
	    in->t.auth_level > RPC_AUTHN_LEVEL_PKT_PRIVACY)
		return NTLM_REFUSED;
	/* The connection keeps the first leg's type (firmware/rpc/conn.c): one
	 * security context per connection. */
	a->type = in->t.auth_type;
	if (a->type == RPC_AUTHN_GSS_NEGOTIATE)
		return worker_gss_leg(a, in, out) == 0 ? 0 : NTLM_REFUSED;
	a->mech = AUTH_MECH_NTLM;
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
	int bad;

	if (a->established)
		return -1;
	if (a->type == RPC_AUTHN_GSS_NEGOTIATE)
		return worker_gss_leg(a, in, NULL);
	bad = ntlm_msg_decode(in->value, in->value_len, &msg, err, sizeof(err)) != 0;
	if (bad || msg.type != NTLM_AUTHENTICATE) {
		/* The decoder's reason first: a token it refused has no type. */
		log_info("%s: auth3: %s", a->peer, bad ? err : "not an AUTHENTICATE");
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

	if (a->mech == AUTH_MECH_KRB5)
		return krb5_seal_unwrap(&a->kseal, pdu, len, body_off, body_len, verifier,
					verifier_len);
	return ntlm_seal_unwrap(&a->seal, pdu, len, body_off, body_len, verifier, verifier_len);
}

static int op_wrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		   uint8_t *verifier, size_t verifier_len)
{
	struct worker_ntlm *a = arg;

	if (a->mech == AUTH_MECH_KRB5)
		return krb5_seal_wrap(&a->kseal, pdu, len, body_off, body_len, verifier,
				      verifier_len);
	return ntlm_seal_wrap(&a->seal, pdu, len, body_off, body_len, verifier, verifier_len);
}

/* NTLM's verifier is 16 octets at either level (inside SPNEGO too);
 * Kerberos' depends on the level (a wrap token at privacy, a MIC at
 * integrity). The mechanism is the logon's (a->mech), not the bind's type. */
static size_t op_verifier_size(void *arg)
{
	struct worker_ntlm *a = arg;

	if (a->mech == AUTH_MECH_KRB5)
		return krb5_seal_verifier_len(a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY);
	return NTLM_VERIFIER_LEN;
}

/* A request's verifier: Kerberos' wrap tokens carry EC filler octets (0..16),
 * so 60 to 76, a MIC 28 (krb5_seal_verifier_ok); NTLM's always 16.
 * krb5_seal_unwrap checks the EC the token states against the length. */
static int op_verifier_fits(void *arg, size_t len)
{
	struct worker_ntlm *a = arg;

	if (a->mech != AUTH_MECH_KRB5)
		return len == NTLM_VERIFIER_LEN;
	return krb5_seal_verifier_ok(a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY, len);
}

static void op_header_signing(void *arg)
{
	((struct worker_ntlm *)arg)->header_sign = 1;
}

const struct rpc_auth_ops worker_ntlm_ops = {
	.verifier_len = NTLM_VERIFIER_LEN,
	/* The NTLM checksum always covers the header (extended session security);
	 * Kerberos signs it when the client offers (krb5_seal.c). */
	.header_sign = 1,
	.verifier_size = op_verifier_size,
	.verifier_fits = op_verifier_fits,
	.header_signing = op_header_signing,
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

int worker_ntlm_lookup(const struct worker_ntlm *a, const char *account, uint8_t *tok,
		       size_t *len)
{
	struct auth_lookup q = {0};
	struct auth_account acc;
	struct auth_fail f;
	struct ipc_wbuf req;
	struct ipc_msg m;

	*len = 0;
	if (!a->established || !a->logged_on || a->anonymous || a->id_token_len == 0)
		return -1;
	q.ctx = a->ctx;
	if ((size_t)snprintf(q.account, sizeof(q.account), "%s", account) >= sizeof(q.account) ||
	    q.account[0] == 0) {
		log_info("%s: no account look-up for a name of %zu bytes", a->peer, strlen(account));
		return -1;
	}
	ipc_wbuf_init(&req);
	auth_lookup_encode(&req, &q);
	if (call_auth(a, AUTH_LOOKUP, &req, AUTH_ACCOUNT, &m, &f) != 0)
		return -1;
	if (m.hdr.type == AUTH_FAIL) {
		ipc_msg_free(&m);
		log_info("%s: %s asked for the account '%s': %s", a->peer, a->identity, q.account,
			 f.message);
		return -1;
	}
	if (auth_account_decode(m.data, m.hdr.len, &acc) != 0)
		fatalx("protocol violation: malformed AUTH_ACCOUNT from ca-auth");
	memcpy(tok, acc.token, acc.token_len);
	*len = acc.token_len;
	ipc_msg_free(&m);
	return 0;
}

void worker_ntlm_free(struct worker_ntlm *a)
{
	if (a->have_ctx || a->logged_on) {
		struct auth_fail f;
		struct ipc_wbuf req;
		struct ipc_msg m;

		ipc_wbuf_init(&req);
		auth_release_encode(&req, &(struct auth_release){a->ctx});
		if (call_auth(a, AUTH_RELEASE, &req, AUTH_RELEASED, &m, &f) == 0) {
			if (auth_released_decode(m.data, m.hdr.len) != 0)
				fatalx("protocol violation: malformed AUTH_RELEASED from ca-auth");
			ipc_msg_free(&m);
		}
	}
	ntlm_seal_wipe(&a->seal);
	krb5_seal_wipe(&a->kseal);
	explicit_bzero(a, sizeof(*a));
}

uint8_t worker_ntlm_level(const struct worker_ntlm *a)
{
	return a->established ? a->level : 0;
}
