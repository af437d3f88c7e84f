/* The NTLM acceptor: gss-ntlmssp through MIT GSSAPI's gss_accept_sec_context.
 * gss-ntlmssp checks the AUTHENTICATE against the account file (NTLM_USER_FILE,
 * smbpasswd lines with the NT hash) and gives the exported session key through
 * GSS_C_INQ_SSPI_SESSION_KEY; DCE/RPC signing and sealing with it are the
 * worker's (firmware/rpc/ntlm_seal.c). Contexts live in a fixed table, so the
 * number in flight is bounded whatever the worker sends. One thread only.
 * The same legs also run inside SPNEGO (DCE/RPC auth type 9: the end of this
 * file), with the mechListMIC that SPNEGO adds. */
#include <stdio.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "firmware/auth/account.h"
#include "firmware/auth/auth.h"
#include "firmware/auth/check.h"
#include "firmware/auth/spnego.h"
#include "firmware/auth/throttle.h"
#include "firmware/rpc/ntlm_msg.h"

/* 1.3.6.1.4.1.311.2.2.10, the NTLMSSP mechanism gss-ntlmssp registers */
static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

/* The DER of a client's MechTypeList kept for the mechListMIC (NTLM inside
 * SPNEGO): 16 mechanisms (SPNEGO_MAX_MECHS) of OIDs as long as Windows' take
 * under 256 octets; a longer list is refused. */
#define MECH_LIST_MAX 512

/* Where an NTLM logon inside SPNEGO stands. */
enum spnego_state {
	SPNEGO_NONE = 0,        /* auth type 10: no SPNEGO */
	SPNEGO_WANT_NEGOTIATE,  /* NTLM chosen without an optimistic token */
	SPNEGO_WANT_AUTHENTICATE,
};

struct slot {
	int used;
	uint32_t gen;
	uint32_t flags; /* the CHALLENGE's NegotiateFlags: how gss-ntlmssp reads the answer */
	gss_ctx_id_t ctx;
	enum spnego_state spnego;
	uint8_t mech_list[MECH_LIST_MAX]; /* what both mechListMICs cover */
	size_t mech_list_len;
};

static struct slot slots[AUTH_MAX_CONTEXTS];
static uint32_t generation;
static gss_cred_id_t acceptor = GSS_C_NO_CREDENTIAL;

void auth_gss_status(OM_uint32 major, OM_uint32 minor, gss_OID mech, char *out, size_t outlen)
{
	OM_uint32 min, ctx = 0;
	gss_buffer_desc b = GSS_C_EMPTY_BUFFER, m = GSS_C_EMPTY_BUFFER;

	gss_display_status(&min, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx, &b);
	ctx = 0;
	gss_display_status(&min, minor, GSS_C_MECH_CODE, mech, &ctx, &m);
	snprintf(out, outlen, "%.*s (%.*s)", (int)b.length, (const char *)b.value,
		 (int)m.length, (const char *)m.value);
	gss_release_buffer(&min, &b);
	gss_release_buffer(&min, &m);
}

int acceptor_init(char *err, size_t errlen)
{
	gss_OID_set_desc mechs = {1, &ntlm_oid};
	OM_uint32 major, minor;

	major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT,
				 &acceptor, NULL, NULL);
	if (GSS_ERROR(major)) {
		char s[256];

		auth_gss_status(major, minor, &ntlm_oid, s, sizeof(s));
		snprintf(err, errlen, "cannot acquire the NTLM acceptor credential (is gss-ntlmssp "
			 "installed?): %s", s);
		return -1;
	}
	return 0;
}

static struct slot *find(uint32_t id)
{
	uint32_t i = id & 0xff;

	if (i >= AUTH_MAX_CONTEXTS || !slots[i].used || slots[i].gen != id >> 8)
		return NULL;
	return &slots[i];
}

static void drop(struct slot *s)
{
	OM_uint32 min;

	if (s->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &s->ctx, GSS_C_NO_BUFFER);
	s->ctx = GSS_C_NO_CONTEXT;
	s->used = 0;
}

static void fail(struct leg_result *r, uint32_t code, const char *what, OM_uint32 major,
		 OM_uint32 minor)
{
	char s[300];

	r->code = code;
	if (major != 0) {
		auth_gss_status(major, minor, &ntlm_oid, s, sizeof(s));
		snprintf(r->message, sizeof(r->message), "%s: %s", what, s);
	} else {
		snprintf(r->message, sizeof(r->message), "%s", what);
	}
}

/* gss-ntlmssp 1.2 refuses a NEGOTIATE shorter than 40 octets, but a client that
 * does not set NEGOTIATE_VERSION may omit the 8-octet version field (MS-NLMP
 * 2.2.1.1; impacket does). Appending it zeroed changes no field: names are
 * found by offset, and the version is ignored without the flag. (A client that
 * also sent a MIC over its short NEGOTIATE would then fail the MIC: none does.) */
#define NEG_FULL 40
#define NEG_SHORT 32

/* A free slot, in use from now with a new number (bit 31 clear: Kerberos's
 * have it, krb.c), or NULL (the table is full). */
static struct slot *take(void)
{
	struct slot *s = NULL;

	for (unsigned i = 0; i < AUTH_MAX_CONTEXTS && s == NULL; i++)
		if (!slots[i].used)
			s = &slots[i];
	if (s == NULL)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->used = 1;
	/* Never 0: slot 0's number would then be 0, which AUTH_GSS_ACCEPT reads
	 * as a new logon (after 2^23 logons). */
	do
		s->gen = ++generation & 0x7fffff;
	while (s->gen == 0);
	s->ctx = GSS_C_NO_CONTEXT;
	return s;
}

static uint32_t id_of(const struct slot *s)
{
	return s->gen << 8 | (uint32_t)(s - slots);
}

/* gss-ntlmssp's CHALLENGE to a NEGOTIATE check.c passed, on s; the slot is
 * dropped on a refusal. */
static void run_negotiate(struct slot *s, const uint8_t *tok, size_t len, struct leg_result *r)
{
	uint8_t padded[NEG_FULL];
	gss_buffer_desc in = {len, (void *)tok}, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, min;
	char why[200];

	if (len >= NEG_SHORT && len < NEG_FULL && !(tok[15] & 0x02)) { /* 0x02000000 */
		memset(padded, 0, sizeof(padded));
		memcpy(padded, tok, len);
		in.value = padded;
		in.length = sizeof(padded);
	}
	major = gss_accept_sec_context(&minor, &s->ctx, acceptor, &in,
				       GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &out, NULL, NULL,
				       NULL);
	if (major != GSS_S_CONTINUE_NEEDED || out.length == 0) {
		fail(r, AUTH_E_DENIED, "NEGOTIATE refused", major, minor);
		gss_release_buffer(&min, &out);
		drop(s);
		return;
	}
	if (ntlm_challenge_flags(out.value, out.length, &s->flags, why, sizeof(why)) != 0) {
		fail(r, AUTH_E_FAILURE, why, 0, 0);
		gss_release_buffer(&min, &out);
		drop(s);
		return;
	}
	r->ctx = id_of(s);
	r->token = out.value;
	r->token_len = out.length;
}

void acceptor_negotiate(const uint8_t *tok, size_t len, struct leg_result *r)
{
	struct slot *s;
	char why[200];

	memset(r, 0, sizeof(*r));
	if (ntlm_check_negotiate(tok, len, why, sizeof(why)) != 0) {
		fail(r, AUTH_E_DENIED, why, 0, 0);
		return;
	}
	if ((s = take()) == NULL) {
		fail(r, AUTH_E_BUSY, "too many NTLM logons in progress", 0, 0);
		return;
	}
	run_negotiate(s, tok, len, r);
}

/* A client's NEGOTIATE (UNICODE, REQUEST_TARGET, SIGN, SEAL, NTLM, ALWAYS_SIGN,
 * extended session security, VERSION, 128, KEY_EXCH, 56; no names). */
static const uint8_t warm_negotiate[40] = {
	'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x35, 0x82, 0x08, 0xe2,
	0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0, 10, 0, 0x63, 0x45, 0, 0, 0, 15,
};

int acceptor_warm_up(char *err, size_t errlen)
{
	struct leg_result r;
	int rc = 0;

	acceptor_negotiate(warm_negotiate, sizeof(warm_negotiate), &r);
	if (r.code != 0) {
		snprintf(err, errlen, "gss-ntlmssp cannot answer a NEGOTIATE: %s", r.message);
		rc = -1;
	} else {
		(void)acceptor_release(r.ctx);
	}
	leg_result_free(&r);
	return rc;
}

static int session_key(gss_ctx_id_t ctx, uint8_t key[AUTH_KEY_LEN])
{
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	OM_uint32 major, minor, min;
	int rc = -1;

	major = gss_inquire_sec_context_by_oid(&minor, ctx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
	if (!GSS_ERROR(major) && set != GSS_C_NO_BUFFER_SET && set->count >= 1 &&
	    set->elements[0].length == AUTH_KEY_LEN) {
		memcpy(key, set->elements[0].value, AUTH_KEY_LEN);
		rc = 0;
	}
	if (set != GSS_C_NO_BUFFER_SET) {
		for (size_t i = 0; i < set->count; i++)
			explicit_bzero(set->elements[i].value, set->elements[i].length);
		gss_release_buffer_set(&min, &set);
	}
	return rc;
}

/* gss-ntlmssp counts the name's terminating NUL in the buffer's length. */
static size_t name_len(const gss_buffer_desc *b)
{
	size_t n = b->length;

	if (n > 0 && ((const char *)b->value)[n - 1] == 0)
		n--;
	return n;
}

/* A name field as UTF-8: 512 octets of UTF-16 (check.c's bound) at most. */
#define NAME_UTF8_MAX (512 / 2 * 3 + 1)

/* The account an AUTHENTICATE (already checked) names, found in the account
 * file by gss-ntlmssp's rule (account.c): its name as stored into name, and the
 * user name the client gave into user. 0, or -1 with why. */
static int named_account(const uint8_t *tok, size_t len, uint32_t negotiated, char *name,
			 size_t namelen, char *user, size_t userlen, char *why, size_t whylen)
{
	char dom[NAME_UTF8_MAX];
	struct ntlm_msg m;
	int unicode = (negotiated & 0x00000001u) != 0; /* NTLMSSP_NEGOTIATE_UNICODE */

	if (ntlm_msg_decode(tok, len, &m, why, whylen) != 0)
		return -1;
	if (account_name_utf8(m.user.p, m.user.len, unicode, user, userlen) != 0 ||
	    account_name_utf8(m.domain.p, m.domain.len, unicode, dom, sizeof(dom)) != 0) {
		snprintf(why, whylen, "the AUTHENTICATE's names cannot be read");
		return -1;
	}
	return account_find(getenv("NTLM_USER_FILE"), dom, user, name, namelen, why, whylen);
}

/* gss-ntlmssp names the logon as the client typed it: DOMAIN\user, or user
 * alone; its user part must be the one the account was found by. */
static int same_user(const gss_buffer_desc *nb, size_t n, const char *user)
{
	const char *p = nb->value, *bs = memchr(p, '\\', n);
	size_t off = bs != NULL ? (size_t)(bs - p) + 1 : 0;

	return strlen(user) == n - off && strncasecmp(p + off, user, n - off) == 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The AUTHENTICATE on s, as every NTLM logon runs it: the throttle, check.c,
 * the account (account.c), then gss-ntlmssp; the identity and the session key
 * into r, or a refusal. The context stays (a SPNEGO logon still needs it for
 * the mechListMIC): the caller drops it. */
static void run_authenticate(struct slot *s, const uint8_t *tok, size_t len, const char *peer,
			     struct leg_result *r)
{
	gss_buffer_desc in = {len, (void *)tok}, out = GSS_C_EMPTY_BUFFER, nb = GSS_C_EMPTY_BUFFER;
	gss_name_t src = GSS_C_NO_NAME;
	OM_uint32 major, minor, min, flags = 0;
	size_t n = 0;
	char why[200], account[AUTH_IDENTITY_MAX + 1], again[AUTH_IDENTITY_MAX + 1];
	char user[NAME_UTF8_MAX];

	/* Throttled (the address, then the account once known): refused without
	 * a check and without counting (no password was tried), so guessing costs
	 * nothing and the delay ends on time. */
	if (throttle_check(NULL, peer, now_ms(), why, sizeof(why)) != 0) {
		fail(r, AUTH_E_THROTTLED, why, 0, 0);
		return;
	}
	/* What gss-ntlmssp mishandles never reaches it (check.c), nor a name that
	 * is no single account (account.c); the context ends as with any refused
	 * logon. */
	if (ntlm_check_authenticate(tok, len, s->flags, why, sizeof(why)) != 0 ||
	    named_account(tok, len, s->flags, account, sizeof(account), user, sizeof(user), why,
			  sizeof(why)) != 0) {
		/* No account to count against, but the address tried. */
		throttle_failed(NULL, peer, now_ms());
		fail(r, AUTH_E_DENIED, why, 0, 0);
		return;
	}
	if (throttle_check(account, peer, now_ms(), why, sizeof(why)) != 0) {
		fail(r, AUTH_E_THROTTLED, why, 0, 0);
		return;
	}
	major = gss_accept_sec_context(&minor, &s->ctx, acceptor, &in,
				       GSS_C_NO_CHANNEL_BINDINGS, &src, NULL, &out, &flags, NULL,
				       NULL);
	gss_release_buffer(&min, &out);
	if (major != GSS_S_COMPLETE) {
		throttle_failed(account, peer, now_ms());
		fail(r, AUTH_E_DENIED, "logon refused", major, minor);
	} else if (session_key(s->ctx, r->key) != 0) {
		fail(r, AUTH_E_FAILURE, "gss-ntlmssp gave no session key", 0, 0);
	} else if (GSS_ERROR(major = gss_display_name(&minor, src, &nb, NULL)) ||
		   (n = name_len(&nb)) == 0 || n > AUTH_IDENTITY_MAX ||
		   memchr(nb.value, 0, n) != NULL) {
		fail(r, AUTH_E_FAILURE, "the logon's name cannot be shown", major, minor);
	} else if (!same_user(&nb, n, user)) {
		fail(r, AUTH_E_FAILURE, "gss-ntlmssp named another user than the message", 0, 0);
	} else if (named_account(tok, len, s->flags, again, sizeof(again), user, sizeof(user), why,
				 sizeof(why)) != 0 || strcmp(again, account) != 0) {
		/* The file changed between the look-ups (caadm account): the hash
		 * checked may not be the named account's. */
		fail(r, AUTH_E_FAILURE, "the account file changed during the logon", 0, 0);
	} else {
		/* The account's name as stored, not as the client typed it. */
		snprintf(r->identity, sizeof(r->identity), "%s", account);
		r->anonymous = (flags & GSS_C_ANON_FLAG) != 0;
		throttle_succeeded(account);
	}
	if (r->code != 0)
		explicit_bzero(r->key, sizeof(r->key));
	gss_release_buffer(&min, &nb);
	gss_release_name(&min, &src);
}

void acceptor_authenticate(uint32_t ctx, const uint8_t *tok, size_t len, const char *peer,
			   struct leg_result *r)
{
	struct slot *s = find(ctx);

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	/* A SPNEGO context is finished by spnego_ntlm_accept alone: it must not
	 * escape the mechListMIC by being named here. */
	if (s == NULL || s->spnego != SPNEGO_NONE) {
		fail(r, AUTH_E_NOCTX, "no NTLM logon in progress for this connection", 0, 0);
		return;
	}
	run_authenticate(s, tok, len, peer, r);
	drop(s);
}

/* ---- NTLM inside SPNEGO (DCE/RPC auth type 9; MS-SPNG, RFC 4178) ----
 *
 * What a Windows client falls back to without a Kerberos ticket. The NTLM
 * tokens are auth type 10's, checked the same way (check.c before
 * gss-ntlmssp, account.c, the throttle), wrapped in NegTokenResp. What SPNEGO
 * adds is the mechListMIC: both sides sign the client's MechTypeList with
 * the NTLM context, so a man in the middle who struck Kerberos from the list
 * (a downgrade to NTLM) is caught. A missing or bad MIC refuses the logon. */

static void sfail(struct gss_result *r, uint32_t code, const char *why)
{
	r->code = code;
	snprintf(r->message, sizeof(r->message), "%s", why);
}

/* A NegTokenResp: state, supportedMech NTLM on the first answer only. */
static int sanswer(struct gss_result *r, int state, int first, const uint8_t *tok, size_t len,
		   const uint8_t *mic, size_t mic_len)
{
	if (spnego_encode_resp(state, first ? SPNEGO_MECH_NTLM : SPNEGO_MECH_UNKNOWN, tok, len,
			       mic, mic_len, r->token, sizeof(r->token), &r->token_len) != 0) {
		sfail(r, AUTH_E_FAILURE, "the SPNEGO answer does not fit");
		return -1;
	}
	return 0;
}

/* The NEGOTIATE's leg on s: check.c, gss-ntlmssp's CHALLENGE into a
 * NegTokenResp; s is dropped on a refusal. */
static void spnego_negotiate(struct slot *s, const uint8_t *tok, size_t len, int first,
			     struct gss_result *r)
{
	struct leg_result lr;
	char why[200];

	memset(&lr, 0, sizeof(lr));
	if (ntlm_check_negotiate(tok, len, why, sizeof(why)) != 0) {
		sfail(r, AUTH_E_DENIED, why);
		drop(s);
		return;
	}
	run_negotiate(s, tok, len, &lr); /* drops s on a refusal */
	if (lr.code != 0) {
		sfail(r, lr.code, lr.message);
	} else if (sanswer(r, SPNEGO_NEG_ACCEPT_INCOMPLETE, first, lr.token, lr.token_len, NULL,
			   0) != 0) {
		drop(s);
	} else {
		s->spnego = SPNEGO_WANT_AUTHENTICATE;
		r->ctx = id_of(s);
	}
	leg_result_free(&lr);
}

static int mech_offered(const struct spnego_init *init, enum spnego_mech m)
{
	for (size_t i = 0; i < init->n_mechs; i++)
		if (init->mechs[i] == m)
			return 1;
	return 0;
}

void spnego_ntlm_first(const struct spnego_init *init, struct gss_result *r)
{
	struct slot *s;

	r->mech = AUTH_MECH_NTLM; /* chosen, whatever follows (serve.c's log) */
	if (init->mech_list_len == 0 || init->mech_list_len > MECH_LIST_MAX) {
		sfail(r, AUTH_E_DENIED, "a SPNEGO mechanism list of too many octets");
		return;
	}
	if ((s = take()) == NULL) {
		sfail(r, AUTH_E_BUSY, "too many NTLM logons in progress");
		return;
	}
	memcpy(s->mech_list, init->mech_list, init->mech_list_len);
	s->mech_list_len = init->mech_list_len;
	/* The optimistic token is NTLM's only when NTLM is the first mechanism
	 * (RFC 4178 3.2): otherwise it is discarded and NTLM asked for. */
	if (init->mechs[0] == SPNEGO_MECH_NTLM && init->mech_token != NULL &&
	    init->mech_token_len > 0) {
		spnego_negotiate(s, init->mech_token, init->mech_token_len, 1, r);
		return;
	}
	if (!mech_offered(init, SPNEGO_MECH_NTLM) || sanswer(r, SPNEGO_NEG_ACCEPT_INCOMPLETE, 1,
							      NULL, 0, NULL, 0) != 0) {
		if (r->code == 0)
			sfail(r, AUTH_E_DENIED, "SPNEGO without NTLM");
		drop(s);
		return;
	}
	s->spnego = SPNEGO_WANT_NEGOTIATE;
	r->ctx = id_of(s);
}

/* The client's mechListMIC over its MechTypeList, then ours over the same
 * octets (RFC 4178 5, MS-SPNG 3.3.5.1) into out; 0, or -1 with r refused. */
static int mech_list_mics(struct slot *s, const uint8_t *mic, size_t mic_len,
			  gss_buffer_desc *out, struct gss_result *r)
{
	gss_buffer_desc list = {s->mech_list_len, s->mech_list}, theirs = {mic_len, (void *)mic};
	OM_uint32 major, minor;

	if (mic == NULL || mic_len == 0) {
		sfail(r, AUTH_E_DENIED, "NTLM inside SPNEGO without a mechListMIC");
		return -1;
	}
	major = gss_verify_mic(&minor, s->ctx, &list, &theirs, NULL);
	if (major != GSS_S_COMPLETE) {
		sfail(r, AUTH_E_DENIED, "the SPNEGO mechListMIC does not verify (the mechanism "
					"list was altered)");
		return -1;
	}
	major = gss_get_mic(&minor, s->ctx, GSS_C_QOP_DEFAULT, &list, out);
	if (major != GSS_S_COMPLETE) {
		sfail(r, AUTH_E_FAILURE, "gss-ntlmssp cannot sign the mechanism list");
		return -1;
	}
	return 0;
}

/* The AUTHENTICATE's leg on s: auth type 10's checks and gss-ntlmssp
 * (run_authenticate), then the mechListMICs. A good password with a bad MIC
 * has cleared the account's throttle count (run_authenticate): it was no
 * guess, and the logon is refused all the same. */
static void spnego_authenticate(struct slot *s, const struct spnego_resp *resp,
				const char *peer, struct gss_result *r)
{
	gss_buffer_desc mic = GSS_C_EMPTY_BUFFER;
	struct leg_result lr;
	struct ntlm_msg m;
	OM_uint32 min;
	char why[200];

	memset(&lr, 0, sizeof(lr));
	run_authenticate(s, resp->token, resp->token_len, peer, &lr);
	if (lr.code != 0) {
		sfail(r, lr.code, lr.message);
	} else if (lr.anonymous) {
		sfail(r, AUTH_E_DENIED, "an anonymous NTLM logon inside SPNEGO");
	} else if (ntlm_msg_decode(resp->token, resp->token_len, &m, why, sizeof(why)) != 0) {
		sfail(r, AUTH_E_FAILURE, why); /* check.c decoded it: cannot happen */
	} else if (mech_list_mics(s, resp->mic, resp->mic_len, &mic, r) == 0 &&
		   sanswer(r, SPNEGO_NEG_ACCEPT_COMPLETED, 0, NULL, 0, mic.value, mic.length) == 0) {
		snprintf(r->identity, sizeof(r->identity), "%s", lr.identity);
		memcpy(r->key, lr.key, AUTH_KEY_LEN);
		r->key_len = AUTH_KEY_LEN;
		r->mech = AUTH_MECH_NTLM;
		r->flags = m.flags;
		r->done = 1;
	}
	gss_release_buffer(&min, &mic);
	leg_result_free(&lr);
}

void spnego_ntlm_accept(uint32_t ctx, const uint8_t *tok, size_t len, const char *peer,
			struct gss_result *r)
{
	struct slot *s = find(ctx);
	struct spnego_resp resp;
	char why[200];

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->mech = AUTH_MECH_NTLM;
	/* Only a context spnego_ntlm_first made: an auth type 10 one would skip
	 * the mechListMIC's reason to exist. */
	if (s == NULL || s->spnego == SPNEGO_NONE) {
		sfail(r, AUTH_E_NOCTX, "no NTLM logon in progress for this connection");
		return;
	}
	if (spnego_decode_resp(tok, len, &resp, why, sizeof(why)) != 0) {
		sfail(r, AUTH_E_DENIED, why);
		drop(s);
		return;
	}
	if (resp.token == NULL || resp.token_len == 0) {
		sfail(r, AUTH_E_DENIED, "SPNEGO without the NTLM token");
		drop(s);
		return;
	}
	if (s->spnego == SPNEGO_WANT_NEGOTIATE) {
		spnego_negotiate(s, resp.token, resp.token_len, 0, r);
		return;
	}
	spnego_authenticate(s, &resp, peer, r);
	if (r->code != 0) {
		explicit_bzero(r->key, sizeof(r->key));
		r->identity[0] = 0;
	}
	drop(s); /* done or refused, the context ends */
}

int acceptor_release(uint32_t ctx)
{
	struct slot *s;

	if (krb_is_ctx(ctx))
		return krb_release(ctx);
	s = find(ctx);

	if (s == NULL)
		return -1;
	drop(s);
	return 0;
}

void leg_result_free(struct leg_result *r)
{
	OM_uint32 min;
	gss_buffer_desc b = {r->token_len, r->token};

	if (r->token != NULL)
		gss_release_buffer(&min, &b);
	r->token = NULL;
	explicit_bzero(r->key, sizeof(r->key));
}
