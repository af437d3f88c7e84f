/* The logon channel's messages (ca-worker <-> ca-auth, proto.h): one struct per
 * message and one encode/decode pair, compiled into both sides (the worker
 * encodes requests and decodes answers; ca-auth the reverse), as
 * firmware/custodian/msg.h does for the enrollment channel. A decoder demands
 * the exact layout (every byte consumed) and the bounds of proto.h; what it
 * fills points into the message (valid while the message is). What a token
 * means is ca-auth's to check (check.c): the decoders check only shape. */
#ifndef AUTH_MSG_H
#define AUTH_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/auth/proto.h"
#include "firmware/identity/idtoken.h"
#include "platform/ipc.h"

struct auth_negotiate {
	const uint8_t *token;
	size_t token_len; /* 1..AUTH_TOKEN_MAX */
};

struct auth_challenge {
	uint32_t ctx;
	const uint8_t *token;
	size_t token_len; /* 1..AUTH_TOKEN_MAX */
};

struct auth_authenticate {
	uint32_t ctx;
	char peer[AUTH_PEER_MAX + 1]; /* the client's address as the worker saw it */
	const uint8_t *token;
	size_t token_len; /* 1..AUTH_TOKEN_MAX */
};

struct auth_ok {
	char identity[AUTH_IDENTITY_MAX + 1]; /* not empty */
	uint32_t anonymous;                   /* 0 or 1 */
	const uint8_t *key;                   /* AUTH_KEY_LEN octets */
	const uint8_t *id_token;
	size_t id_token_len; /* 0..IDTOKEN_MAX */
};

/* The largest AUTH_OK (an identity token of version 2 carries the account's
 * attributes, up to IDENTITY_MAX_GROUPS groups): the worker receives ca-auth's
 * answers with AUTH_ANSWER_MAX as its cap (firmware/worker/start.c), so the
 * largest must fit. */
#define AUTH_OK_MAX (4 + AUTH_IDENTITY_MAX + 4 + 4 + AUTH_KEY_LEN + 4 + IDTOKEN_MAX)
_Static_assert(AUTH_IDENTITY_MAX == IDTOKEN_IDENTITY_MAX, "a logon's name fits its token");

struct auth_release {
	uint32_t ctx;
};

struct auth_lookup {
	uint32_t ctx;
	char account[AUTH_IDENTITY_MAX + 1]; /* not empty */
};

struct auth_account {
	const uint8_t *token;
	size_t token_len; /* 1..IDTOKEN_MAX */
};
#define AUTH_ACCOUNT_MAX (4 + IDTOKEN_MAX)

struct auth_gss_accept {
	uint32_t ctx;                 /* 0: a new logon */
	char peer[AUTH_PEER_MAX + 1];
	const uint8_t *token;
	size_t token_len; /* 1..AUTH_GSS_TOKEN_MAX */
};

struct auth_gss_continue {
	uint32_t ctx; /* not 0 */
	const uint8_t *token;
	size_t token_len; /* 1..AUTH_GSS_TOKEN_MAX */
};

struct auth_gss_ok {
	uint32_t ctx;
	const uint8_t *token;
	size_t token_len; /* 0..AUTH_GSS_TOKEN_MAX */
	char identity[AUTH_IDENTITY_MAX + 1]; /* not empty */
	const uint8_t *id_token;
	size_t id_token_len; /* 0..IDTOKEN_MAX */
	uint32_t mech;       /* AUTH_MECH_KRB5 or AUTH_MECH_NTLM (proto.h's layouts) */
	uint32_t enctype;    /* 17: 16-octet key; 18: 32-octet key; NTLM: 0, 16-octet key */
	const uint8_t *key;
	size_t key_len;
	uint64_t send_seq, recv_seq;
	uint32_t flags; /* AUTH_GSS_F_*; NTLM: the AUTHENTICATE's NegotiateFlags */
};
#define AUTH_GSS_OK_MAX                                                                    \
	(4 + 4 + AUTH_GSS_TOKEN_MAX + 4 + AUTH_IDENTITY_MAX + 4 + IDTOKEN_MAX + 4 + 4 + 4 +     \
	 AUTH_GSS_KEY_MAX + 8 + 8 + 4)
#define AUTH_MAX2_(a, b) ((a) > (b) ? (a) : (b))
/* What the worker receives from ca-auth (firmware/worker/start.c): the largest
 * answer. Since issue 18's 256 groups an identity token (IDTOKEN_MAX, ~34 KiB)
 * is larger than anything the worker sends (AUTH_MAX_PAYLOAD, ca-auth's
 * receive cap), so ca-auth's replies are not bounded by it (serve.c raises its
 * send cap; this cap is the worker's check). */
#define AUTH_ANSWER_MAX                                                                    \
	AUTH_MAX2_(AUTH_MAX_PAYLOAD, AUTH_MAX2_(AUTH_OK_MAX, AUTH_MAX2_(AUTH_ACCOUNT_MAX,     \
									AUTH_GSS_OK_MAX)))
_Static_assert(AUTH_OK_MAX <= AUTH_ANSWER_MAX, "AUTH_OK must fit the worker's receive cap");
_Static_assert(AUTH_ACCOUNT_MAX <= AUTH_ANSWER_MAX, "AUTH_ACCOUNT must fit the worker's receive cap");
_Static_assert(AUTH_GSS_OK_MAX <= AUTH_ANSWER_MAX, "AUTH_GSS_OK must fit the worker's receive cap");
_Static_assert(AUTH_ANSWER_MAX <= IPC_MAX_PAYLOAD, "the worker's cap is a channel's");

struct auth_fail {
	uint32_t code; /* AUTH_E_* */
	char message[AUTH_MESSAGE_MAX + 1];
	uint32_t mech; /* AUTH_MECH_* a refused SPNEGO leg had chosen, or 0 */
};

/* Encoders append to w (its failed flag says if memory ran out). AUTH_RELEASED
 * has no payload: nothing to encode. */
void auth_negotiate_encode(struct ipc_wbuf *w, const struct auth_negotiate *m);
void auth_challenge_encode(struct ipc_wbuf *w, const struct auth_challenge *m);
void auth_authenticate_encode(struct ipc_wbuf *w, const struct auth_authenticate *m);
void auth_ok_encode(struct ipc_wbuf *w, const struct auth_ok *m);
void auth_release_encode(struct ipc_wbuf *w, const struct auth_release *m);
void auth_lookup_encode(struct ipc_wbuf *w, const struct auth_lookup *m);
void auth_account_encode(struct ipc_wbuf *w, const struct auth_account *m);
void auth_gss_accept_encode(struct ipc_wbuf *w, const struct auth_gss_accept *m);
void auth_gss_continue_encode(struct ipc_wbuf *w, const struct auth_gss_continue *m);
void auth_gss_ok_encode(struct ipc_wbuf *w, const struct auth_gss_ok *m);
void auth_fail_encode(struct ipc_wbuf *w, const struct auth_fail *m);

/* Decoders: 0 with *m filled, or -1 (a violation: the channel should end). */
int auth_negotiate_decode(const uint8_t *p, size_t len, struct auth_negotiate *m);
int auth_challenge_decode(const uint8_t *p, size_t len, struct auth_challenge *m);
int auth_authenticate_decode(const uint8_t *p, size_t len, struct auth_authenticate *m);
int auth_ok_decode(const uint8_t *p, size_t len, struct auth_ok *m);
int auth_release_decode(const uint8_t *p, size_t len, struct auth_release *m);
int auth_released_decode(const uint8_t *p, size_t len);
int auth_lookup_decode(const uint8_t *p, size_t len, struct auth_lookup *m);
int auth_account_decode(const uint8_t *p, size_t len, struct auth_account *m);
int auth_gss_accept_decode(const uint8_t *p, size_t len, struct auth_gss_accept *m);
int auth_gss_continue_decode(const uint8_t *p, size_t len, struct auth_gss_continue *m);
int auth_gss_ok_decode(const uint8_t *p, size_t len, struct auth_gss_ok *m);
int auth_fail_decode(const uint8_t *p, size_t len, struct auth_fail *m);

#endif
