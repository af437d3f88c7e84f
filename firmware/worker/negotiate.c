/* The worker's side of SPNEGO logons (DCE/RPC auth type 9, Kerberos or NTLM
 * inside; ntlm.h). The worker does not read the tokens: each goes to ca-auth
 * as it came (AUTH_GSS_ACCEPT), which parses SPNEGO, chooses the mechanism,
 * has MIT check the ticket or gss-ntlmssp the NTLM legs and answers with the
 * next token, or with the identity and the keys sealing needs (AUTH_GSS_OK).
 * The worker then protects PDUs with the mechanism's code:
 * firmware/rpc/krb5_seal.c for Kerberos, firmware/rpc/ntlm_seal.c for NTLM
 * (as auth type 10: SPNEGO resets NTLM's sealing state after the
 * mechListMIC, so the first PDU is numbered 0); it never links Kerberos.
 *
 * The legs, as DCE/RPC's Kerberos (DCE style) runs them: the bind carries the
 * NegTokenInit with the AP-REQ, the bind_ack the acceptor's AP-REP; the
 * client's own AP-REP comes in an alter_context (impacket, Windows) or an auth3,
 * and completes the logon. NTLM: the bind carries the NEGOTIATE (or only the
 * offer, and ca-auth asks for it: one more leg), the bind_ack the CHALLENGE,
 * the alter_context the AUTHENTICATE with the mechListMIC, whose answer
 * carries ca-auth's own. */
#include "firmware/worker/ntlm.h"

#include <stdio.h>
#include <string.h>

#include "firmware/auth/msg.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

/* ca-auth numbers a SPNEGO context by the mechanism it chose (proto.h): bit
 * 31 set for Kerberos; the worker keeps it in a->mech from the first
 * AUTH_GSS_CONTINUE, for the journal. A first leg refused names no context:
 * its AUTH_FAIL says the mechanism ca-auth had chosen, and when it had chosen
 * none (SPNEGO it could not read) the worker journals Kerberos, the mechanism
 * auth type 9 is served for first. The worker never reads SPNEGO itself. */
#define KRB_CTX_BIT 0x80000000u

/* The logon's mechanism (AUTH_MECH_*); the claimed name journaled with a
 * refusal says it (the worker never reads the NTLM AUTHENTICATE inside
 * SPNEGO). */
static void mech_is(struct worker_ntlm *a, uint32_t mech)
{
	a->mech = mech;
	snprintf(a->claimed, sizeof(a->claimed), "%s",
		 mech == AUTH_MECH_NTLM ? "(NTLM)" : "(Kerberos)");
}

/* The mechanism ca-auth chose, from the context it named. */
static void chosen(struct worker_ntlm *a, uint32_t ctx)
{
	a->ctx = ctx;
	a->have_ctx = 1;
	mech_is(a, ctx & KRB_CTX_BIT ? AUTH_MECH_KRB5 : AUTH_MECH_NTLM);
}

static int refused(struct worker_ntlm *a, const char *why)
{
	int ntlm = a->mech == AUTH_MECH_NTLM;

	log_info("%s: %s logon refused: %s", a->peer, ntlm ? "NTLM (SPNEGO)" : "Kerberos", why);
	worker_auth_event(a->w, ntlm ? CUST_LOGON_NTLM_REFUSED : CUST_LOGON_KERBEROS_REFUSED,
			  a->peer, a->claimed, why);
	return -1;
}

/* The sealing state for the logon's mechanism, from AUTH_GSS_OK. */
static int seal_init(struct worker_ntlm *a, const struct auth_gss_ok *ok, char *why,
		     size_t whylen)
{
	int privacy = a->level == RPC_AUTHN_LEVEL_PKT_PRIVACY;

	if (ok->mech == AUTH_MECH_NTLM)
		return ntlm_seal_init(&a->seal, ok->key, ok->flags, NTLM_SERVER, privacy, why,
				      whylen);
	return krb5_seal_init(&a->kseal, (int)ok->enctype, ok->key, ok->key_len, ok->send_seq,
			      ok->recv_seq, (ok->flags & AUTH_GSS_F_ACCEPTOR_SUBKEY) != 0,
			      KRB5_ACCEPTOR, privacy, a->header_sign, why, whylen);
}

/* ca-auth's AUTH_GSS_OK: the logon is made; the keys go into the sealing
 * state at once and are wiped from the message. */
static int logged_on(struct worker_ntlm *a, const struct auth_gss_ok *ok, struct ndr_wr *out)
{
	char why[256];

	a->logged_on = 1; /* ca-auth keeps it under ctx: released when the connection ends */
	a->have_ctx = 0;
	a->mech = ok->mech; /* what wraps and unwraps from now (ntlm.c) */
	snprintf(a->identity, sizeof(a->identity), "%s", ok->identity);
	memcpy(a->id_token, ok->id_token, ok->id_token_len);
	a->id_token_len = ok->id_token_len;
	if (a->level >= RPC_AUTHN_LEVEL_PKT_INTEGRITY && seal_init(a, ok, why, sizeof(why)) != 0) {
		a->identity[0] = 0;
		explicit_bzero(a->id_token, sizeof(a->id_token));
		a->id_token_len = 0;
		return refused(a, why);
	}
	if (out != NULL && ok->token_len > 0)
		ndr_put_bytes(out, ok->token, ok->token_len);
	a->established = 1;
	log_info("%s: %s logon of %s at %s", a->peer,
		 a->mech == AUTH_MECH_NTLM ? "NTLM (SPNEGO)" : "Kerberos", a->identity,
		 worker_level_name(a->level));
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
		mech_is(a, AUTH_MECH_KRB5); /* until ca-auth says otherwise */
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
		/* Kerberos continues once; NTLM twice when ca-auth asked for the
		 * NEGOTIATE, on the same context. */
		if (auth_gss_continue_decode(m.data, m.hdr.len, &c) != 0 ||
		    (a->have_ctx && (c.ctx != a->ctx || (c.ctx & KRB_CTX_BIT))))
			fatalx("protocol violation: AUTH_GSS_CONTINUE from ca-auth");
		if (out == NULL) { /* auth3 answers nothing: a logon cannot go on */
			chosen(a, c.ctx);
			rc = refused(a, "a SPNEGO leg that needs an answer came in an auth3");
			break;
		}
		chosen(a, c.ctx);
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
		if (!a->have_ctx && f.mech != 0)
			mech_is(a, f.mech); /* a first leg: no context said it */
		a->have_ctx = 0; /* ca-auth ended the context */
		rc = refused(a, f.message);
		break;
	default:
		fatalx("protocol violation: answer %#x from ca-auth to AUTH_GSS_ACCEPT", m.hdr.type);
	}
	ipc_msg_free(&m);
	return rc;
}
