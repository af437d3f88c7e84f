/* The worker's side of SPNEGO logons (DCE/RPC auth type 9, Kerberos inside;
 * ntlm.h). The worker does not read the tokens: each goes to ca-auth as it
 * came (AUTH_GSS_ACCEPT), which parses SPNEGO, has MIT check the ticket and
 * answers with the next token, or with the identity and the keys sealing
 * needs (AUTH_GSS_OK). The worker then protects PDUs with
 * firmware/rpc/krb5_seal.c; it never links Kerberos.
 *
 * The legs, as DCE/RPC's Kerberos (DCE style) runs them: the bind carries the
 * NegTokenInit with the AP-REQ, the bind_ack the acceptor's AP-REP; the
 * client's own AP-REP comes in an alter_context (impacket, Windows) or an auth3,
 * and completes the logon. */
#include "firmware/worker/ntlm.h"

#include <stdio.h>
#include <string.h>

#include "firmware/auth/msg.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

static const char *level_text(uint8_t l)
{
	return l == RPC_AUTHN_LEVEL_PKT_PRIVACY	  ? "pkt_privacy"
	       : l == RPC_AUTHN_LEVEL_PKT_INTEGRITY ? "pkt_integrity"
						    : "connect";
}

static int refused(struct worker_ntlm *a, const char *why)
{
	log_info("%s: Kerberos logon refused: %s", a->peer, why);
	worker_auth_event(a->w, CUST_LOGON_KERBEROS_REFUSED, a->peer, a->claimed, why);
	return -1;
}

/* ca-auth's AUTH_GSS_OK: the logon is made; the keys go into the sealing
 * state at once and are wiped from the message. */
static int logged_on(struct worker_ntlm *a, const struct auth_gss_ok *ok, struct ndr_wr *out)
{
	char why[256];

	a->logged_on = 1; /* ca-auth keeps it under ctx: released when the connection ends */
	a->have_ctx = 0;
	snprintf(a->identity, sizeof(a->identity), "%s", ok->identity);
	memcpy(a->id_token, ok->id_token, ok->id_token_len);
	a->id_token_len = ok->id_token_len;
	if (a->level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY &&
	    krb5_seal_init(&a->kseal, (int)ok->enctype, ok->key, ok->key_len, ok->send_seq,
			   ok->recv_seq, (ok->flags & AUTH_GSS_F_ACCEPTOR_SUBKEY) != 0,
			   KRB5_ACCEPTOR, a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY, a->header_sign,
			   why, sizeof(why)) != 0) {
		a->identity[0] = 0;
		explicit_bzero(a->id_token, sizeof(a->id_token));
		a->id_token_len = 0;
		return refused(a, why);
	}
	if (out != NULL && ok->token_len > 0)
		ndr_put_bytes(out, ok->token, ok->token_len);
	a->established = 1;
	log_info("%s: Kerberos logon of %s at %s", a->peer, a->identity, level_text(a->level));
	return out == NULL || ndr_wr_ok(out) ? 0 : -1;
}

int worker_gss_leg(struct worker_ntlm *a, const struct rpc_auth *in, struct ndr_wr *out)
{
	struct auth_gss_accept q = {0};
	struct auth_gss_continue c;
	struct auth_gss_ok ok;
	struct auth_fail f;
	struct ipc_wbuf req;
	struct ipc_msg m;
	char err[256];
	int rc = -1;

	if (a->established || a->logged_on)
		return -1; /* one logon per connection */
	if (!a->have_ctx) {
		a->level = in->t.auth_level;
		snprintf(a->claimed, sizeof(a->claimed), "(Kerberos)");
	} else if (in->t.auth_level != a->level) {
		return refused(a, "the authentication level changed between legs");
	}
	q.ctx = a->have_ctx ? a->ctx : 0;
	snprintf(q.peer, sizeof(q.peer), "%s", a->peer);
	q.token = in->value;
	q.token_len = in->value_len;
	if (q.token_len == 0 || q.token_len > AUTH_GSS_TOKEN_MAX)
		return refused(a, "a SPNEGO token of no or too many octets");
	ipc_wbuf_init(&req);
	auth_gss_accept_encode(&req, &q);
	if (ipc_call(&a->w->auth, AUTH_GSS_ACCEPT, &req, &m, err, sizeof(err)) != 0) {
		log_warnx("%s: ca-auth: %s", a->peer, err);
		return refused(a, "the credential process is not available");
	}
	switch ((enum auth_msg)m.hdr.type) {
	case AUTH_GSS_CONTINUE:
		if (auth_gss_continue_decode(m.data, m.hdr.len, &c) != 0 || a->have_ctx)
			fatalx("protocol violation: AUTH_GSS_CONTINUE from ca-auth");
		if (out == NULL) { /* auth3 answers nothing: a logon cannot go on */
			a->ctx = c.ctx;
			a->have_ctx = 1;
			rc = refused(a, "a SPNEGO leg that needs an answer came in an auth3");
			break;
		}
		a->ctx = c.ctx;
		a->have_ctx = 1;
		ndr_put_bytes(out, c.token, c.token_len);
		rc = ndr_wr_ok(out) ? 0 : -1;
		break;
	case AUTH_GSS_OK:
		if (auth_gss_ok_decode(m.data, m.hdr.len, &ok) != 0 || !a->have_ctx ||
		    ok.ctx != a->ctx)
			fatalx("protocol violation: AUTH_GSS_OK from ca-auth");
		rc = logged_on(a, &ok, out);
		explicit_bzero((void *)ok.key, ok.key_len);
		break;
	case AUTH_FAIL:
		if (auth_fail_decode(m.data, m.hdr.len, &f) != 0)
			fatalx("protocol violation: AUTH_FAIL from ca-auth");
		a->have_ctx = 0; /* ca-auth ended the context */
		rc = refused(a, f.message);
		break;
	default:
		fatalx("protocol violation: answer %#x from ca-auth to AUTH_GSS_ACCEPT", m.hdr.type);
	}
	ipc_msg_free(&m);
	return rc;
}
