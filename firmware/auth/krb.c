/* The Kerberos acceptor behind SPNEGO (DCE/RPC auth type 9), through MIT
 * GSSAPI's krb5 mechanism with the CA's keytab (KRB5_KTNAME, read at each
 * logon, so `caadm kerberos keytab add` needs no restart).
 *
 * Why SPNEGO is parsed here (spnego.c) rather than by MIT's SPNEGO mechanism:
 * the mechanism is chosen by ca-auth's rules (Kerberos with AES only), the
 * AP-REQ is looked at before MIT decrypts it (its enctypes, the authenticator
 * the replay cache keeps), and DCE/RPC's three-leg Kerberos (DCE style: the
 * client answers the acceptor's AP-REP with one of its own) needs the raw
 * AP-REQ that MIT's krb5 mechanism insists on for DCE style, which clients
 * send GSS-framed inside SPNEGO.
 *
 * Replays: MIT's replay cache is a file written at each logon, which the
 * sandbox forbids (no write-open); MIT runs with KRB5RCACHETYPE=none and
 * ca-auth keeps its own cache of authenticators (replay.c), filled only with
 * authenticators MIT decrypted (garbage cannot fill it).
 *
 * What leaves: the identity (REALM\user), the acceptor subkey with its enctype
 * and the first sequence numbers (gss_krb5_export_lucid_sec_context), which
 * is all the worker's sealing (firmware/rpc/krb5_seal.c) needs; the context
 * itself ends here. One thread; contexts in a fixed table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/replay.h"
#include "firmware/auth/spnego.h"

/* Contexts between the AP-REQ and the client's AP-REP. Their numbers have bit
 * 31 set, NTLM's never (gss.c), so one AUTH_RELEASE or AUTH_LOOKUP names one
 * logon whichever mechanism made it. */
#define KRB_CTX_BIT 0x80000000u

struct kslot {
	int used;
	uint32_t gen;
	gss_ctx_id_t ctx;
};

static struct kslot kslots[AUTH_MAX_CONTEXTS];
static uint32_t kgeneration;
static struct replay_cache replays;
static int replays_ready;

/* The clock skew MIT allows (ca.conf kerberos_clock_skew, written into
 * ca-auth's krb5.conf): an authenticator further than that from now is
 * refused by MIT, so one is remembered for twice that. */
static unsigned krb_skew_s = 300;
static int krb_unknown_users;

void krb_configure(unsigned skew_s, int unknown_domain_users)
{
	krb_skew_s = skew_s;
	krb_unknown_users = unknown_domain_users;
}

int krb_unknown_domain_users(void)
{
	return krb_unknown_users;
}

static const gss_OID_desc krb5_mech = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};

static void kfail(struct gss_result *r, uint32_t code, const char *what, OM_uint32 major,
		  OM_uint32 minor)
{
	char s[300];

	r->code = code;
	if (major != 0) {
		auth_gss_status(major, minor, (gss_OID)&krb5_mech, s, sizeof(s));
		snprintf(r->message, sizeof(r->message), "%s: %s", what, s);
	} else {
		snprintf(r->message, sizeof(r->message), "%s", what);
	}
}

static struct kslot *kfind(uint32_t id)
{
	uint32_t i = id & 0xff;

	if (!(id & KRB_CTX_BIT) || i >= AUTH_MAX_CONTEXTS || !kslots[i].used ||
	    kslots[i].gen != ((id & ~KRB_CTX_BIT) >> 8))
		return NULL;
	return &kslots[i];
}

static void kdrop(struct kslot *s)
{
	OM_uint32 min;

	if (s->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &s->ctx, GSS_C_NO_BUFFER);
	s->ctx = GSS_C_NO_CONTEXT;
	s->used = 0;
}

int krb_is_ctx(uint32_t ctx)
{
	return (ctx & KRB_CTX_BIT) != 0;
}

int krb_release(uint32_t ctx)
{
	struct kslot *s = kfind(ctx);

	if (s == NULL)
		return -1;
	kdrop(s);
	return 0;
}

/* The answer token: a NegTokenResp with state (and the mechanism the client
 * named first, on the first answer), carrying tok if any. */
static int answer(struct gss_result *r, int state, enum spnego_mech mech, const uint8_t *tok,
		  size_t len)
{
	if (spnego_encode_resp(state, mech, tok, len, NULL, 0, r->token, sizeof(r->token),
			       &r->token_len) != 0) {
		kfail(r, AUTH_E_FAILURE, "the SPNEGO answer does not fit", 0, 0);
		return -1;
	}
	return 0;
}

static int aes(int enctype)
{
	return enctype == 17 || enctype == 18;
}

/* The keytab named by KRB5_KTNAME ("FILE:/krb5.keytab" in the jail). */
static int keytab_present(void)
{
	const char *kt = getenv("KRB5_KTNAME");

	if (kt == NULL)
		return 0;
	if (strncmp(kt, "FILE:", 5) == 0)
		kt += 5;
	return access(kt, R_OK) == 0;
}

static int offered(const struct spnego_init *init, enum spnego_mech m)
{
	for (size_t i = 0; i < init->n_mechs; i++)
		if (init->mechs[i] == m)
			return 1;
	return 0;
}

/* The first leg: the client's NegTokenInit with its AP-REQ. */
static void first_leg(const uint8_t *tok, size_t len, struct gss_result *r)
{
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
	struct krb5_apreq_info info;
	struct spnego_init init;
	OM_uint32 major, minor, min, flags = 0;
	struct kslot *s = NULL;
	const uint8_t *apreq;
	size_t apreq_len;
	uint16_t tok_id;
	char why[200];
	unsigned i;
	int seen;

	if (spnego_decode_init(tok, len, &init, why, sizeof(why)) != 0) {
		kfail(r, AUTH_E_DENIED, why, 0, 0);
		return;
	}
	/* NTLM when the client prefers it, or offers it and not Kerberos (a
	 * Windows client without a ticket): gss.c, MS-SPNG. */
	if (init.n_mechs > 0 && (init.mechs[0] == SPNEGO_MECH_NTLM ||
				 (offered(&init, SPNEGO_MECH_NTLM) &&
				  !offered(&init, SPNEGO_MECH_KRB5) &&
				  !offered(&init, SPNEGO_MECH_MSKRB5)))) {
		spnego_ntlm_first(&init, r);
		return;
	}
	if (init.n_mechs == 0 ||
	    (init.mechs[0] != SPNEGO_MECH_KRB5 && init.mechs[0] != SPNEGO_MECH_MSKRB5)) {
		kfail(r, AUTH_E_DENIED, "SPNEGO without Kerberos or NTLM as the preferred mechanism",
		      0, 0);
		return;
	}
	r->mech = AUTH_MECH_KRB5; /* chosen: a refusal from here is Kerberos's (AUTH_FAIL) */
	if (init.mech_token == NULL || init.mech_token_len == 0) {
		kfail(r, AUTH_E_DENIED, "SPNEGO without an initial Kerberos token", 0, 0);
		return;
	}
	if (krb5_tok_unframe(init.mech_token, init.mech_token_len, &tok_id, &apreq, &apreq_len) !=
		    0 ||
	    tok_id != 0x0100) {
		kfail(r, AUTH_E_DENIED, "the Kerberos token is not an AP-REQ", 0, 0);
		return;
	}
	if (krb5_apreq_info(apreq, apreq_len, &info, why, sizeof(why)) != 0) {
		kfail(r, AUTH_E_DENIED, why, 0, 0);
		return;
	}
	if (!aes(info.ticket_enctype) || !aes(info.auth_enctype)) {
		snprintf(why, sizeof(why), "Kerberos with enctype %d: only AES "
			 "(aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96) is served",
			 aes(info.ticket_enctype) ? info.auth_enctype : info.ticket_enctype);
		kfail(r, AUTH_E_DENIED, why, 0, 0);
		return;
	}
	if (!keytab_present()) {
		kfail(r, AUTH_E_FAILURE, "no Kerberos keytab is installed (caadm kerberos keytab add)",
		      0, 0);
		return;
	}
	for (i = 0; i < AUTH_MAX_CONTEXTS && s == NULL; i++)
		if (!kslots[i].used)
			s = &kslots[i];
	if (s == NULL) {
		kfail(r, AUTH_E_BUSY, "too many Kerberos logons in progress", 0, 0);
		return;
	}
	i = (unsigned)(s - kslots);
	s->used = 1;
	s->gen = ++kgeneration & 0x7fffff;
	s->ctx = GSS_C_NO_CONTEXT;
	/* DCE style: MIT's krb5 mechanism takes the AP-REQ without its framing
	 * (and refuses a framed one that asks for DCE style). */
	in.value = (void *)apreq;
	in.length = apreq_len;
	major = gss_accept_sec_context(&minor, &s->ctx, GSS_C_NO_CREDENTIAL, &in,
				       GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &out, &flags, NULL, NULL);
	if (major != GSS_S_CONTINUE_NEEDED || out.length == 0) {
		if (major == GSS_S_COMPLETE || major == GSS_S_DEFECTIVE_TOKEN)
			kfail(r, AUTH_E_DENIED, "Kerberos without DCE style (DCE/RPC needs it)", 0, 0);
		else
			kfail(r, AUTH_E_DENIED, "Kerberos AP-REQ refused", major, minor);
		gss_release_buffer(&min, &out);
		kdrop(s);
		return;
	}
	/* MIT decrypted the authenticator: a genuine one, so remembering it
	 * costs a real client's logon, never a forger's. */
	if (!replays_ready) {
		replay_init(&replays);
		replays_ready = 1;
	}
	seen = replay_check(&replays, info.auth_cipher, info.auth_cipher_len, (int64_t)time(NULL),
			    (int64_t)time(NULL) + 2 * (int64_t)krb_skew_s);
	if (seen != 0) {
		kfail(r, AUTH_E_DENIED, seen > 0 ? "a replayed Kerberos authenticator"
						 : "too many Kerberos logons within the clock skew "
						   "(the replay cache is full)",
		      0, 0);
		gss_release_buffer(&min, &out);
		kdrop(s);
		return;
	}
	if (answer(r, SPNEGO_NEG_ACCEPT_INCOMPLETE, init.mechs[0], out.value, out.length) != 0) {
		gss_release_buffer(&min, &out);
		kdrop(s);
		return;
	}
	gss_release_buffer(&min, &out);
	r->ctx = KRB_CTX_BIT | s->gen << 8 | i;
}

/* user@REALM -> REALM\user. A principal of more than one component
 * (host/..., alice/admin) or with a backslash names no enrollee. */
static int requester_name(const gss_buffer_desc *nb, char *out, size_t outlen, char *why,
			  size_t whylen)
{
	const char *p = nb->value, *at;
	size_t n = nb->length;

	if (n > 0 && p[n - 1] == 0)
		n--;
	at = n > 0 ? memrchr(p, '@', n) : NULL;
	if (n == 0 || n > AUTH_IDENTITY_MAX || memchr(p, 0, n) != NULL || at == NULL || at == p ||
	    at == p + n - 1) {
		snprintf(why, whylen, "the ticket's client name cannot be read");
		return -1;
	}
	if (memchr(p, '/', (size_t)(at - p)) != NULL || memchr(p, '\\', n) != NULL) {
		snprintf(why, whylen, "'%.*s' is not a user principal", (int)n, p);
		return -1;
	}
	if ((size_t)snprintf(out, outlen, "%.*s\\%.*s", (int)(p + n - at - 1), at + 1,
			     (int)(at - p), p) >= outlen) {
		snprintf(why, whylen, "the ticket's client name is too long");
		return -1;
	}
	return 0;
}

/* Whether the name lists PAC attributes (urn:mspac:...). MIT 1.20 hides a PAC
 * whose server signature or client info does not verify: asking for it then
 * answers "unavailable", as for a ticket without one, but gss_inquire_name
 * still lists its attributes (tests/integration/test_kerberos_pac.py pins
 * this down against the installed MIT). 1 listed, 0 not, -1 cannot tell. */
static int pac_listed(gss_name_t src)
{
	gss_buffer_set_t names = GSS_C_NO_BUFFER_SET;
	OM_uint32 minor, min;
	int mn = 0, listed = 0;

	/* Fail closed: a name whose attributes cannot be listed might hide a PAC
	 * that did not verify (-1, refused). An empty list is no PAC. */
	if (GSS_ERROR(gss_inquire_name(&minor, src, &mn, NULL, &names)))
		return -1;
	if (names == NULL)
		return 0;
	for (size_t i = 0; i < names->count; i++)
		if (names->elements[i].length >= 10 &&
		    memcmp(names->elements[i].value, "urn:mspac:", 10) == 0)
			listed = 1;
	gss_release_buffer_set(&min, &names);
	return listed;
}

/* The PAC, when the ticket has one (AD's KDC and MIT's since 1.20 add it): MIT
 * checks its server signature with the service key and its client info
 * against the ticket; one that does not verify refuses the logon (MIT would
 * only hide it, and the account record would speak instead: a tampered PAC
 * must not pass for none). */
static int pac_of(gss_name_t src, struct gss_result *r)
{
	gss_buffer_desc attr = {10, (void *)"urn:mspac:"}, val = GSS_C_EMPTY_BUFFER,
			disp = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, min;
	int authenticated = 0, complete = 0, more = -1;
	char why[256], msg[AUTH_MESSAGE_MAX + 1];

	major = gss_get_name_attribute(&minor, src, &attr, &authenticated, &complete, &val, &disp,
				       &more);
	if (major == GSS_S_UNAVAILABLE || major == GSS_S_UNAUTHORIZED) {
		int listed = pac_listed(src);

		if (listed < 0) {
			kfail(r, AUTH_E_FAILURE, "cannot tell whether the ticket carries a PAC", 0, 0);
			return -1;
		}
		if (listed) {
			kfail(r, AUTH_E_DENIED, "the ticket's PAC does not verify with the service key",
			      0, 0);
			return -1;
		}
		return 0; /* no PAC */
	}
	if (GSS_ERROR(major)) {
		kfail(r, AUTH_E_FAILURE, "the ticket's PAC cannot be read", major, minor);
		return -1;
	}
	if (!authenticated) {
		gss_release_buffer(&min, &val);
		gss_release_buffer(&min, &disp);
		kfail(r, AUTH_E_DENIED, "the ticket's PAC does not verify with the service key", 0, 0);
		return -1;
	}
	/* Verified by MIT: what it says about the user is the realm's word. */
	if (pac_decode(val.value, val.length, &r->pac, why, sizeof(why)) != 0) {
		snprintf(msg, sizeof(msg), "the ticket's PAC cannot be read: %s", why);
		kfail(r, AUTH_E_DENIED, msg, 0, 0);
		gss_release_buffer(&min, &val);
		gss_release_buffer(&min, &disp);
		return -1;
	}
	r->has_pac = 1;
	gss_release_buffer(&min, &val);
	gss_release_buffer(&min, &disp);
	return 0;
}

/* What sealing needs, out of the context (which the export ends). */
static int sealing_keys(gss_ctx_id_t *ctx, struct gss_result *r)
{
	gss_krb5_lucid_context_v1_t *l;
	const gss_krb5_lucid_key_t *k;
	OM_uint32 major, minor, min;
	void *lucid = NULL;
	int rc = -1;

	major = gss_krb5_export_lucid_sec_context(&minor, ctx, 1, &lucid);
	if (GSS_ERROR(major)) {
		kfail(r, AUTH_E_FAILURE, "the Kerberos context cannot be exported", major, minor);
		return -1;
	}
	l = lucid;
	k = l->cfx_kd.have_acceptor_subkey ? &l->cfx_kd.acceptor_subkey : &l->cfx_kd.ctx_key;
	if (l->version != 1 || l->protocol != 1 || !aes((int)k->type) ||
	    k->length != (k->type == 17 ? 16u : 32u)) {
		kfail(r, AUTH_E_DENIED, "the Kerberos context is not an AES one (RFC 4121)", 0, 0);
	} else {
		memcpy(r->key, k->data, k->length);
		r->key_len = k->length;
		r->enctype = k->type;
		r->send_seq = l->send_seq;
		r->recv_seq = l->recv_seq;
		r->flags = l->cfx_kd.have_acceptor_subkey ? AUTH_GSS_F_ACCEPTOR_SUBKEY : 0;
		r->mech = AUTH_MECH_KRB5;
		rc = 0;
	}
	if (l->cfx_kd.have_acceptor_subkey)
		explicit_bzero(l->cfx_kd.acceptor_subkey.data, l->cfx_kd.acceptor_subkey.length);
	explicit_bzero(l->cfx_kd.ctx_key.data, l->cfx_kd.ctx_key.length);
	gss_krb5_free_lucid_sec_context(&min, lucid);
	return rc;
}

/* The second leg: the client's NegTokenResp with its own AP-REP (DCE style). */
static void second_leg(struct kslot *s, const uint8_t *tok, size_t len, struct gss_result *r)
{
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER, nb = GSS_C_EMPTY_BUFFER;
	gss_name_t src = GSS_C_NO_NAME;
	OM_uint32 major, minor, min, flags = 0;
	struct spnego_resp resp;
	char why[200];

	if (spnego_decode_resp(tok, len, &resp, why, sizeof(why)) != 0) {
		kfail(r, AUTH_E_DENIED, why, 0, 0);
		return;
	}
	if (resp.token == NULL || resp.token_len == 0) {
		kfail(r, AUTH_E_DENIED, "SPNEGO without the client's AP-REP", 0, 0);
		return;
	}
	in.value = (void *)resp.token;
	in.length = resp.token_len;
	major = gss_accept_sec_context(&minor, &s->ctx, GSS_C_NO_CREDENTIAL, &in,
				       GSS_C_NO_CHANNEL_BINDINGS, &src, NULL, &out, &flags, NULL, NULL);
	gss_release_buffer(&min, &out);
	if (major != GSS_S_COMPLETE) {
		kfail(r, AUTH_E_DENIED, "the client's AP-REP was refused", major, minor);
	} else if (!(flags & GSS_C_DCE_STYLE) || !(flags & GSS_C_INTEG_FLAG)) {
		kfail(r, AUTH_E_DENIED, "a Kerberos context without DCE style and integrity", 0, 0);
	} else if (GSS_ERROR(major = gss_display_name(&minor, src, &nb, NULL))) {
		kfail(r, AUTH_E_FAILURE, "the ticket's client name cannot be shown", major, minor);
	} else if (requester_name(&nb, r->identity, sizeof(r->identity), why, sizeof(why)) != 0) {
		kfail(r, AUTH_E_DENIED, why, 0, 0);
	} else if (pac_of(src, r) == 0 && sealing_keys(&s->ctx, r) == 0 &&
		   answer(r, SPNEGO_NEG_ACCEPT_COMPLETED, SPNEGO_MECH_UNKNOWN, NULL, 0) == 0) {
		r->done = 1;
	}
	if (r->code != 0) {
		explicit_bzero(r->key, sizeof(r->key));
		r->identity[0] = 0;
	}
	gss_release_buffer(&min, &nb);
	gss_release_name(&min, &src);
}

void krb_accept(uint32_t ctx, const uint8_t *tok, size_t len, struct gss_result *r)
{
	struct kslot *s;

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	if (ctx == 0) {
		first_leg(tok, len, r);
		return;
	}
	r->mech = AUTH_MECH_KRB5; /* a Kerberos context is named */
	if ((s = kfind(ctx)) == NULL) {
		kfail(r, AUTH_E_NOCTX, "no Kerberos logon in progress for this connection", 0, 0);
		return;
	}
	second_leg(s, tok, len, r);
	kdrop(s); /* done or refused, the context ends */
}

void gss_result_wipe(struct gss_result *r)
{
	explicit_bzero(r, sizeof(*r));
}
