/* The worker's NTLM security provider for one connection (struct rpc_auth_ops,
 * firmware/rpc/auth.h): the bind / alter_context / auth3 legs are forwarded to
 * ca-auth, which checks the credential and answers with the identity and the
 * exported session key; sign and seal are firmware/rpc/ntlm_seal.c. */
#ifndef WORKER_NTLM_H
#define WORKER_NTLM_H

#include <stdint.h>

#include "firmware/auth/proto.h"
#include "firmware/custodian/proto.h"
#include "firmware/identity/idtoken.h"
#include "firmware/rpc/auth.h"
#include "firmware/rpc/krb5_seal.h"
#include "firmware/rpc/ntlm_seal.h"

struct worker;

struct worker_ntlm {
	struct worker *w;
	const char *peer;
	uint32_t ctx;     /* ca-auth's context: the logon's name in every leg */
	int have_ctx;     /* between NEGOTIATE and AUTHENTICATE */
	int logged_on;    /* AUTH_OK received: ca-auth remembers the logon under ctx
			   * (for AUTH_LOOKUP) until the connection releases it */
	int established;  /* AUTHENTICATE accepted by ca-auth */
	int anonymous;    /* an anonymous NTLM logon */
	uint8_t level;    /* the level the bind asked for */
	uint8_t type;     /* the bind's auth type: RPC_AUTHN_WINNT (10) or
			   * RPC_AUTHN_GSS_NEGOTIATE (9, SPNEGO: negotiate.c) */
	uint32_t mech;    /* the mechanism the logon used, which seals its PDUs:
			   * AUTH_MECH_NTLM (auth type 10, or NTLM inside SPNEGO)
			   * or AUTH_MECH_KRB5; for auth type 9, 0 until ca-auth
			   * names a context (its number says which: proto.h) */
	int header_sign;  /* the bind_ack agreed PFC_SUPPORT_HEADER_SIGN */
	struct ntlm_seal seal; /* at PKT_INTEGRITY and PKT_PRIVACY */
	struct krb5_seal kseal; /* the same, for a Kerberos logon (mech AUTH_MECH_KRB5) */
	char identity[AUTH_IDENTITY_MAX + 1]; /* DOMAIN\user, once established */
	char claimed[AUTH_IDENTITY_MAX + 1];  /* what the AUTHENTICATE said, for the journal */
	uint8_t id_token[IDTOKEN_MAX]; /* ca-auth's voucher for the logon, passed on */
	size_t id_token_len;
};

extern const struct rpc_auth_ops worker_ntlm_ops;

void worker_ntlm_init(struct worker_ntlm *a, struct worker *w, const char *peer);
/* Ends the connection's logon at ca-auth (half-done, or done and remembered for
 * look-ups) and wipes the keys. */
void worker_ntlm_free(struct worker_ntlm *a);
/* The level every call on the connection was verified at: RPC_AUTHN_LEVEL_*
 * once a logon is complete, 0 without one. */
uint8_t worker_ntlm_level(const struct worker_ntlm *a);

/* The SUBJECT token ca-auth makes for account ("DOMAIN\\user", as a request named
 * it) on this connection's logon (AUTH_LOOKUP): opaque here, the custodian
 * checks it. 0 with tok (IDTOKEN_MAX bytes) and *len; -1 when there is none to
 * have: no named logon, ca-auth refused (why logged: no such account, a
 * disabled one, the logon's look-ups spent) or cannot be asked. */
int worker_ntlm_lookup(const struct worker_ntlm *a, const char *account, uint8_t *tok,
		       size_t *len);

/* An RPC_AUTHN_LEVEL_* as the logs name it ("pkt_privacy", ...). */
const char *worker_level_name(uint8_t l);

/* The SPNEGO (Kerberos or NTLM) legs of a bind, alter_context or auth3 (negotiate.c):
 * the token goes to ca-auth as it came; the answer token into out (NULL for
 * auth3, which answers nothing). 0, or -1 (refused, journaled). */
int worker_gss_leg(struct worker_ntlm *a, const struct rpc_auth *in, struct ndr_wr *out);

/* Journals a refused logon or protected call (CUST_AUTH_EVENT); failures to
 * record are logged. */
void worker_auth_event(struct worker *w, enum cust_logon what, const char *peer, const char *who,
		       const char *detail);

#endif
