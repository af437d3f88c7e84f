/* ca-auth's library (libauth): the NTLM acceptor over gss-ntlmssp (gss.c), the
 * checks a token passes before gss-ntlmssp sees it (check.c), the IPC service
 * that answers the worker (serve.c), the jail and the filter (sandbox.c) and
 * the start-up around them (start.h). The program is main.c alone. Functions
 * here return errors; none exits. */
#ifndef AUTH_AUTH_H
#define AUTH_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <gssapi/gssapi.h>

#include "firmware/auth/pac.h"
#include "firmware/auth/proto.h"
#include "firmware/identity/idtoken.h"

/* Loads the NTLM mechanism and acquires the acceptor credential; the
 * environment (NTLM_USER_FILE, NETBIOS_*, LM_COMPAT_LEVEL) must be set first.
 * 0 or -1 with a message. */
int acceptor_init(char *err, size_t errlen);
/* One NEGOTIATE leg with a built-in token, released at once: what gss-ntlmssp
 * and OpenSSL load at the first logon (openssl.cnf) is loaded now, before the
 * jail hides it. 0 or -1 with a message. */
int acceptor_warm_up(char *err, size_t errlen);

/* The answer to one leg. */
struct leg_result {
	uint32_t ctx;
	uint8_t *token; /* CHALLENGE (gss_release'd by leg_result_free) */
	size_t token_len;
	char identity[AUTH_IDENTITY_MAX + 1];
	int anonymous;
	uint8_t key[AUTH_KEY_LEN];
	uint32_t code; /* 0 or AUTH_E_* */
	char message[AUTH_MESSAGE_MAX + 1];
};

/* NEGOTIATE -> a new context and its CHALLENGE. */
void acceptor_negotiate(const uint8_t *tok, size_t len, struct leg_result *r);
/* AUTHENTICATE on ctx from the client at peer (the worker's word: "" if not
 * known) -> the account's identity and the session key, or a refusal (throttled
 * logons unchecked: throttle.h); the context ends either way. */
void acceptor_authenticate(uint32_t ctx, const uint8_t *tok, size_t len, const char *peer,
			   struct leg_result *r);
/* Ends a context; 0, or -1 if there was none. */
int acceptor_release(uint32_t ctx);
/* Wipes the key and frees the token. */
void leg_result_free(struct leg_result *r);
/* A GSS-API status as text, "major (minor)", the minor code read as mech's
 * (gss.c; both acceptors' refusals say it). */
void auth_gss_status(OM_uint32 major, OM_uint32 minor, gss_OID mech, char *out, size_t outlen);

/* The answer to one SPNEGO leg (krb.c). */
struct gss_result {
	uint32_t ctx;   /* the context the next leg names (the first leg makes it) */
	int done;       /* the logon is complete: identity and keys are set */
	uint8_t token[2048]; /* the SPNEGO answer (NegTokenResp) */
	size_t token_len;
	char identity[AUTH_IDENTITY_MAX + 1]; /* REALM\user */
	int has_pac;    /* the ticket carried a PAC that verified: pac is its content */
	int unknown;    /* no account: logs on as an unknown principal (serve.c) */
	struct pac_info pac;
	uint32_t mech;  /* AUTH_MECH_KRB5 or AUTH_MECH_NTLM, once done */
	uint32_t enctype;
	uint8_t key[AUTH_GSS_KEY_MAX];
	size_t key_len;
	uint64_t send_seq, recv_seq;
	uint32_t flags; /* AUTH_GSS_F_* (Kerberos); the AUTHENTICATE's NegotiateFlags (NTLM) */
	uint32_t code;  /* 0 or AUTH_E_* */
	char message[AUTH_MESSAGE_MAX + 1];
};

/* One leg of a SPNEGO logon (Kerberos, DCE style): ctx 0 and the client's
 * NegTokenInit make a context and answer the AP-REP (or, when the client
 * prefers NTLM or offers it without Kerberos, go to spnego_ntlm_first); the
 * context and the client's NegTokenResp finish it (r->done) or refuse it,
 * and end it either way. */
void krb_accept(uint32_t ctx, const uint8_t *tok, size_t len, struct gss_result *r);
/* NTLM inside SPNEGO (gss.c, MS-SPNG), chosen by krb_accept's first leg when
 * the client prefers NTLM, or offers it and not Kerberos: init is the client's
 * NegTokenInit. Answers a NegTokenResp (accept-incomplete, supportedMech NTLM)
 * with the CHALLENGE to the optimistic NEGOTIATE, or without a token when the
 * NEGOTIATE must come in the next leg; r->ctx names the context (bit 31 clear,
 * as auth type 10's). */
struct spnego_init;
void spnego_ntlm_first(const struct spnego_init *init, struct gss_result *r);
/* A later leg of NTLM inside SPNEGO on ctx (an NTLM context spnego_ntlm_first
 * made) from the client at peer: the NEGOTIATE (answered with the CHALLENGE),
 * or the AUTHENTICATE with the mechListMIC, checked as auth type 10's
 * (check.c, account.c, throttle.c) and then the MIC: done with the identity,
 * the session key and the NegotiateFlags, and a NegTokenResp accept-completed
 * with ca-auth's own mechListMIC; or refused. The context ends with the
 * AUTHENTICATE either way. */
void spnego_ntlm_accept(uint32_t ctx, const uint8_t *tok, size_t len, const char *peer,
			struct gss_result *r);

/* 1 if ctx names a Kerberos context (made by krb_accept), whether or not it
 * still exists. */
int krb_is_ctx(uint32_t ctx);
/* Ends a Kerberos context; 0, or -1 if there was none. */
int krb_release(uint32_t ctx);
/* Wipes the key. */
void gss_result_wipe(struct gss_result *r);
/* The clock skew MIT was configured with (start.c): how long the replay
 * cache keeps an authenticator; and whether a principal without an account
 * logs on in the group of unknown principals (1) or is refused (0). */
void krb_configure(unsigned skew_s, int unknown_domain_users);
int krb_unknown_domain_users(void);

/* A named logon ca-auth vouched for (AUTH_OK with a LOGON token), remembered
 * under the context it was made on for AUTH_LOOKUP (serve.c) until the worker
 * releases the context or the token expires. */
struct auth_logon {
	int used;
	uint32_t ctx;      /* the context the legs named */
	uint64_t logon;    /* the LOGON token's serial: a SUBJECT token carries it */
	int64_t expires;   /* the LOGON token's expiry: a SUBJECT token's too */
	unsigned lookups;  /* AUTH_LOOKUPs made, found or not (AUTH_LOOKUPS_PER_LOGON) */
	char identity[AUTH_IDENTITY_MAX + 1]; /* the caller, for the log */
};

/* How logons are vouched for to the custodian (firmware/identity): the key cad
 * made for this worker generation (shared with the custodian only) and how long
 * a token lasts. Without a key (have_key 0) AUTH_OK carries no token, no logon
 * is remembered, and the custodian accepts no request as anyone's. */
struct auth_tokens {
	uint8_t key[IDTOKEN_KEY_LEN];
	int have_key;
	unsigned lifetime_s;
	uint64_t next_logon; /* serial numbers of the logons vouched for */
	/* One per connection the worker can hold (WORKER_MAX_CONNS =
	 * AUTH_MAX_CONTEXTS); when full the oldest gives way (serve.c). */
	struct auth_logon logons[AUTH_MAX_CONTEXTS];
};

/* Serves the worker on fd until it closes the channel (0) or breaks the
 * protocol (1: the channel was ended, the caller exits and cad restarts both).
 * tk may be NULL (no tokens: the fuzz target, tests). */
int auth_serve(int fd, struct auth_tokens *tk);

/* The jail and the filter (sandbox.c; start.c's auth_start calls them). */
/* As root: chroot to dir (the account file's directory), then become uid/gid
 * with no supplementary groups and no capability left. 0, or -1 with the step
 * that failed in err (the caller must not serve then). */
int auth_jail(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen);
/* no_new_privs and the seccomp allow-list; after acceptor_init and the jail.
 * 0, or -1 with the reason in err. */
int auth_sandbox(char *err, size_t errlen);

#endif
