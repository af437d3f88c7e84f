/* Where a security provider plugs into a connection (MS-RPCE 3.3.1.5.2).
 *
 * In this issue there is no provider: a connection is configured with ops NULL,
 * binds are accepted without authentication, and a bind or alter_context that
 * carries a sec_trailer (NTLM, auth type 10) is only recorded in
 * struct rpc_conn_auth, which the caller reads to refuse such a client with
 * E_ACCESSDENIED semantics. Verifiers are otherwise ignored; a request's stub
 * is taken without its auth pad.
 *
 * The NTLM issue implements struct rpc_auth_ops (gss-ntlmssp for the legs, its
 * own DCE/RPC sign and seal, see shared/notes/icpr-wire.md). The connection then:
 *   - hands each bind / alter_context token to accept() and sends the token it
 *     writes back in the bind_ack / alter_context_resp verifier;
 *   - hands the auth3 token to auth3() and answers nothing;
 *   - once established() says so and the level is PKT_INTEGRITY or
 *     PKT_PRIVACY, passes every request fragment through unwrap() (a fragment
 *     without a verifier, or with another type, level or context id, is
 *     refused) and every response fragment through wrap().
 * Faults and naks are never protected (Windows and Samba do not either).
 * Security context multiplexing is not offered: one context per connection. */
#ifndef RPC_AUTH_H
#define RPC_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/ndr.h"
#include "firmware/rpc/pdu.h"

struct rpc_auth_ops {
	size_t verifier_len; /* auth_length of protected PDUs (NTLM: 16) */
	int header_sign;     /* 1: answer PFC_SUPPORT_HEADER_SIGN when the client offers it */
	/* Optional: the auth_length of protected PDUs once the context is
	 * established, when it depends on the mechanism and the level (Kerberos);
	 * verifier_len otherwise. */
	size_t (*verifier_size)(void *arg);
	/* Optional: whether a request's verifier of len octets has the size the
	 * context's tokens may have (Kerberos' wrap tokens vary with their EC);
	 * without it, exactly the size above. */
	int (*verifier_fits)(void *arg, size_t len);
	/* Optional: told that the bind_ack agreed PFC_SUPPORT_HEADER_SIGN, before
	 * the context is established (Kerberos then signs the header too). */
	void (*header_signing)(void *arg);

	/* One security leg from a bind or alter_context: the client's trailer and
	 * token in `in`; the answer token (possibly empty) into out. 0 to go on; for
	 * a bind, otherwise the bind_nak reason (RPC_NAK_AUTHENTICATION_TYPE_NOT_
	 * RECOGNIZED, RPC_NAK_INVALID_CHECKSUM ...); for an alter_context any
	 * non-zero value answers the fault RPC_S_ACCESS_DENIED and closes. */
	int (*accept)(void *arg, const struct rpc_auth *in, struct ndr_wr *out);
	/* The auth3 leg. 0, or -1: the next request is answered with the fault
	 * RPC_S_ACCESS_DENIED (MS-RPCE 3.3.1.5.2.1). */
	int (*auth3)(void *arg, const struct rpc_auth *in);
	/* 1 once the security context is complete. */
	int (*established)(void *arg);
	/* One request fragment: pdu[0..len) is the header up to the sec_trailer
	 * included; the body (stub and auth pad) is body_len octets at body_off; the
	 * verifier follows. Verify, and at PKT_PRIVACY decrypt the body in place.
	 * 0, or -1: fault RPC_S_SEC_PKG_ERROR and close. */
	int (*unwrap)(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		      const uint8_t *verifier, size_t verifier_len);
	/* One response fragment, same layout, lengths final: encrypt the body in
	 * place at PKT_PRIVACY, write verifier_len octets of verifier. 0 or -1. */
	rpc_wrap_fn wrap;
};

/* What the client asked for, as the connection recorded it. */
struct rpc_conn_auth {
	int present;         /* a bind or alter_context carried a sec_trailer */
	uint8_t type;        /* RPC_AUTHN_* of the first one (10: NTLM) */
	uint8_t level;       /* RPC_AUTHN_LEVEL_* */
	uint32_t context_id; /* auth_context_id */
	int established;     /* a provider completed the context (never without ops) */
	int failed;          /* the provider refused the auth3 leg */
};

#endif
