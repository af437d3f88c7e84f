/* The logon channel's encode/decode pairs; see msg.h. The layouts are
 * proto.h's; each pair is written once, here, for both processes. */
#include "firmware/auth/msg.h"

#include <string.h>

/* The message's bytes as a reader; the struct zeroed first, so that a failed
 * decode leaves nothing half-filled. */

/* ---- AUTH_NEGOTIATE ---- */

void auth_negotiate_encode(struct ipc_wbuf *w, const struct auth_negotiate *m)
{
	ipc_put_bytes(w, m->token, m->token_len);
}

int auth_negotiate_decode(const uint8_t *p, size_t len, struct auth_negotiate *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_bytes(&r, &m->token, &m->token_len, AUTH_TOKEN_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->token_len > 0);
}

/* ---- AUTH_CHALLENGE ---- */

void auth_challenge_encode(struct ipc_wbuf *w, const struct auth_challenge *m)
{
	ipc_put_u32(w, m->ctx);
	ipc_put_bytes(w, m->token, m->token_len);
}

int auth_challenge_decode(const uint8_t *p, size_t len, struct auth_challenge *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->ctx = ipc_get_u32(&r);
	ipc_get_bytes(&r, &m->token, &m->token_len, AUTH_TOKEN_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->token_len > 0);
}

/* ---- AUTH_AUTHENTICATE ---- */

void auth_authenticate_encode(struct ipc_wbuf *w, const struct auth_authenticate *m)
{
	ipc_put_u32(w, m->ctx);
	ipc_put_str(w, m->peer);
	ipc_put_bytes(w, m->token, m->token_len);
}

int auth_authenticate_decode(const uint8_t *p, size_t len, struct auth_authenticate *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->ctx = ipc_get_u32(&r);
	ipc_get_str(&r, m->peer, sizeof(m->peer));
	ipc_get_bytes(&r, &m->token, &m->token_len, AUTH_TOKEN_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->token_len > 0);
}

/* ---- AUTH_OK ---- */

void auth_ok_encode(struct ipc_wbuf *w, const struct auth_ok *m)
{
	ipc_put_str(w, m->identity);
	ipc_put_u32(w, m->anonymous);
	ipc_put_bytes(w, m->key, AUTH_KEY_LEN);
	ipc_put_bytes(w, m->id_token, m->id_token_len);
}

int auth_ok_decode(const uint8_t *p, size_t len, struct auth_ok *m)
{
	struct ipc_rbuf r;
	size_t key_len = 0;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_str(&r, m->identity, sizeof(m->identity));
	m->anonymous = ipc_get_u32(&r);
	ipc_get_bytes(&r, &m->key, &key_len, AUTH_KEY_LEN);
	ipc_get_bytes(&r, &m->id_token, &m->id_token_len, IDTOKEN_MAX);
	return ipc_decode_end(&r, m, sizeof(*m),
		   m->identity[0] != 0 && m->anonymous <= 1 && key_len == AUTH_KEY_LEN);
}

/* ---- AUTH_RELEASE, AUTH_RELEASED ---- */

void auth_release_encode(struct ipc_wbuf *w, const struct auth_release *m)
{
	ipc_put_u32(w, m->ctx);
}

int auth_release_decode(const uint8_t *p, size_t len, struct auth_release *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->ctx = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

int auth_released_decode(const uint8_t *p, size_t len)
{
	(void)p;
	return len == 0 ? 0 : -1;
}

/* ---- AUTH_LOOKUP, AUTH_ACCOUNT ---- */

void auth_lookup_encode(struct ipc_wbuf *w, const struct auth_lookup *m)
{
	ipc_put_u32(w, m->ctx);
	ipc_put_str(w, m->account);
}

int auth_lookup_decode(const uint8_t *p, size_t len, struct auth_lookup *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->ctx = ipc_get_u32(&r);
	ipc_get_str(&r, m->account, sizeof(m->account));
	return ipc_decode_end(&r, m, sizeof(*m), m->account[0] != 0);
}

void auth_account_encode(struct ipc_wbuf *w, const struct auth_account *m)
{
	ipc_put_bytes(w, m->token, m->token_len);
}

int auth_account_decode(const uint8_t *p, size_t len, struct auth_account *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_bytes(&r, &m->token, &m->token_len, IDTOKEN_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->token_len > 0);
}

/* ---- AUTH_GSS_ACCEPT, AUTH_GSS_CONTINUE, AUTH_GSS_OK ---- */

void auth_gss_accept_encode(struct ipc_wbuf *w, const struct auth_gss_accept *m)
{
	ipc_put_u32(w, m->ctx);
	ipc_put_str(w, m->peer);
	ipc_put_bytes(w, m->token, m->token_len);
}

int auth_gss_accept_decode(const uint8_t *p, size_t len, struct auth_gss_accept *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->ctx = ipc_get_u32(&r);
	ipc_get_str(&r, m->peer, sizeof(m->peer));
	ipc_get_bytes(&r, &m->token, &m->token_len, AUTH_GSS_TOKEN_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->token_len > 0);
}

void auth_gss_continue_encode(struct ipc_wbuf *w, const struct auth_gss_continue *m)
{
	ipc_put_u32(w, m->ctx);
	ipc_put_bytes(w, m->token, m->token_len);
}

int auth_gss_continue_decode(const uint8_t *p, size_t len, struct auth_gss_continue *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->ctx = ipc_get_u32(&r);
	ipc_get_bytes(&r, &m->token, &m->token_len, AUTH_GSS_TOKEN_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->ctx != 0 && m->token_len > 0);
}

void auth_gss_ok_encode(struct ipc_wbuf *w, const struct auth_gss_ok *m)
{
	ipc_put_u32(w, m->ctx);
	ipc_put_bytes(w, m->token, m->token_len);
	ipc_put_str(w, m->identity);
	ipc_put_bytes(w, m->id_token, m->id_token_len);
	ipc_put_u32(w, m->mech);
	ipc_put_u32(w, m->enctype);
	ipc_put_bytes(w, m->key, m->key_len);
	ipc_put_u64(w, m->send_seq);
	ipc_put_u64(w, m->recv_seq);
	ipc_put_u32(w, m->flags);
}

/* What sealing needs, as proto.h lays it out per mechanism. Kerberos: the
 * key's length is the enctype's (aes128 16, aes256 32; nothing else is
 * served: ca-auth refuses other enctypes before it answers), flags
 * AUTH_GSS_F_*. NTLM: the 16-octet session key, enctype and sequence numbers
 * 0, flags the AUTHENTICATE's NegotiateFlags (any: ntlm_seal_init judges them). */
static int gss_keys_fit(const struct auth_gss_ok *m)
{
	if (m->mech == AUTH_MECH_NTLM)
		return m->enctype == 0 && m->key_len == AUTH_KEY_LEN && m->send_seq == 0 &&
		       m->recv_seq == 0;
	return m->mech == AUTH_MECH_KRB5 &&
	       ((m->enctype == 17 && m->key_len == 16) || (m->enctype == 18 && m->key_len == 32)) &&
	       (m->flags & ~AUTH_GSS_F_ACCEPTOR_SUBKEY) == 0;
}

int auth_gss_ok_decode(const uint8_t *p, size_t len, struct auth_gss_ok *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->ctx = ipc_get_u32(&r);
	ipc_get_bytes(&r, &m->token, &m->token_len, AUTH_GSS_TOKEN_MAX);
	ipc_get_str(&r, m->identity, sizeof(m->identity));
	ipc_get_bytes(&r, &m->id_token, &m->id_token_len, IDTOKEN_MAX);
	m->mech = ipc_get_u32(&r);
	m->enctype = ipc_get_u32(&r);
	ipc_get_bytes(&r, &m->key, &m->key_len, AUTH_GSS_KEY_MAX);
	m->send_seq = ipc_get_u64(&r);
	m->recv_seq = ipc_get_u64(&r);
	m->flags = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m),
			      m->ctx != 0 && m->identity[0] != 0 && gss_keys_fit(m));
}

/* ---- AUTH_FAIL ---- */

void auth_fail_encode(struct ipc_wbuf *w, const struct auth_fail *m)
{
	ipc_put_u32(w, m->code);
	ipc_put_str(w, m->message);
	ipc_put_u32(w, m->mech);
}

int auth_fail_decode(const uint8_t *p, size_t len, struct auth_fail *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->code = ipc_get_u32(&r);
	ipc_get_str(&r, m->message, sizeof(m->message));
	m->mech = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m),
			      m->code >= AUTH_E_DENIED && m->code <= AUTH_E_LIMIT &&
				      (m->mech == 0 || m->mech == AUTH_MECH_KRB5 ||
				       m->mech == AUTH_MECH_NTLM));
}
