/* ca-auth's side of the worker channel (auth.h: auth_serve): the whitelist, the
 * decoders of msg.c (proto.h's exact layouts), and one handler per message type. Everything the
 * worker sends passes here, so the fuzz target (tests/fuzz/fuzz_auth.c) drives
 * this with the worker's framing; main.c only sets the process up. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "firmware/auth/account.h"
#include "firmware/auth/auth.h"
#include "firmware/auth/msg.h"
#include "platform/ipc.h"
#include "platform/log.h"
#include "platform/service.h"

/* What the worker may send; exact layouts are msg.c's decoders'. No states: the
 * channel has no start-up, and a logon is a context named in each message. */
static const struct ipc_rule rules[] = {
	{AUTH_NEGOTIATE, IPC_STATES_ALL, 4 + 1, 4 + AUTH_TOKEN_MAX, 0},
	{AUTH_AUTHENTICATE, IPC_STATES_ALL, 4 + 4 + 4 + 1, 4 + 4 + AUTH_PEER_MAX + 4 + AUTH_TOKEN_MAX,
	 0},
	{AUTH_RELEASE, IPC_STATES_ALL, 4, 4, 0},
	{AUTH_LOOKUP, IPC_STATES_ALL, 4 + 4 + 1, 4 + 4 + AUTH_IDENTITY_MAX, 0},
	{AUTH_GSS_ACCEPT, IPC_STATES_ALL, 4 + 4 + 4 + 1, AUTH_MAX_PAYLOAD, 0},
};

/* mech: the mechanism a refused SPNEGO leg had chosen (AUTH_MECH_*), for the
 * worker's journal; 0 elsewhere. */
static void reply_fail(struct service *s, uint32_t id, const struct leg_result *r, uint32_t mech)
{
	struct auth_fail f = {.code = r->code, .mech = mech};
	struct ipc_wbuf w;

	snprintf(f.message, sizeof(f.message), "%s", r->message);
	ipc_wbuf_init(&w);
	auth_fail_encode(&w, &f);
	service_reply(s, AUTH_FAIL, id, &w);
}

/* AUTH_NEGOTIATE -> AUTH_CHALLENGE | AUTH_FAIL */
static void on_negotiate(struct service *s, const struct ipc_msg *m)
{
	struct auth_negotiate q;
	struct leg_result r;
	struct ipc_wbuf w;

	if (auth_negotiate_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed AUTH_NEGOTIATE");
		return;
	}
	acceptor_negotiate(q.token, q.token_len, &r);
	if (r.code != 0) {
		log_info("NEGOTIATE refused: %s", r.message);
		reply_fail(s, m->hdr.id, &r, 0);
	} else {
		ipc_wbuf_init(&w);
		auth_challenge_encode(&w, &(struct auth_challenge){r.ctx, r.token, r.token_len});
		service_reply(s, AUTH_CHALLENGE, m->hdr.id, &w);
	}
	leg_result_free(&r);
}

/* A token of purpose for the account name (as the account file spells it),
 * with the account's attributes read now from DATA/auth/attributes (caadm
 * account set takes effect at the next logon or look-up): the one path by
 * which LOGON and SUBJECT tokens are made. what names the act for the log
 * ("logon", "look-up"). 0, or -1 with why for the worker (the reason logged). */
/* A token of purpose for name with the attributes a (mint_for's second half). */
static int mint_with(struct auth_tokens *tk, uint32_t purpose, const char *what,
		     const char *name, uint64_t logon, int64_t expires, const struct id_attrs *a,
		     uint8_t *tok, size_t *len, char *why, size_t whylen)
{
	/* On the heap, as the attributes are (~33 KiB each at 256 groups). */
	struct idtoken *t = calloc(1, sizeof(*t));
	char err[512];
	int rc = 0;

	*len = 0;
	if (t == NULL) {
		log_warnx("no token for %s: out of memory", name);
		snprintf(why, whylen, "the %s could not be vouched for", what);
		return -1;
	}
	t->purpose = purpose;
	t->logon = logon;
	t->expires = expires;
	snprintf(t->identity, sizeof(t->identity), "%s", name);
	idtoken_set_attrs(t, a);
	if (idtoken_mint(tk->key, t, tok, len, err, sizeof(err)) != 0) {
		log_warnx("no token for %s: %s", name, err);
		snprintf(why, whylen, "the %s could not be vouched for", what);
		rc = -1;
	}
	explicit_bzero(t, sizeof(*t));
	free(t);
	return rc;
}

/* The account's attributes as the attributes file has them; 0, or -1 with why
 * (the reason logged). Never a token with some of the attributes: a missing
 * group or SID could change what the policy decides. */
static int attributes_of(const char *what, const char *name, struct id_attrs *a, char *why,
			 size_t whylen)
{
	char err[512];

	if (account_attributes(name, a, err, sizeof(err)) != 0) {
		log_warnx("%s of %s refused: the account attributes: %s", what, name, err);
		snprintf(why, whylen, "the account attributes cannot be read (ca-auth's log says why)");
		return -1;
	}
	return 0;
}

static int mint_for(struct auth_tokens *tk, uint32_t purpose, const char *what,
		    const char *name, uint64_t logon, int64_t expires, uint8_t *tok,
		    size_t *len, char *why, size_t whylen)
{
	struct id_attrs *a = calloc(1, sizeof(*a)); /* ~33 KiB: not on the stack */
	int rc = -1;

	*len = 0;
	if (a == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (attributes_of(what, name, a, why, whylen) == 0)
		rc = mint_with(tk, purpose, what, name, logon, expires, a, tok, len, why,
			       whylen);
	explicit_bzero(a, sizeof(*a));
	free(a);
	return rc;
}

/* The identity token that vouches for a named logon (empty for an anonymous one,
 * or without a key): a LOGON token with a new serial, expiring after the
 * lifetime. 0 with *serial and *expires, or -1 (cannot read the attributes or
 * mint: the logon is refused, why in r->message). */
static int vouch(struct auth_tokens *tk, struct leg_result *r, uint8_t *tok, size_t *len,
		 uint64_t *serial, int64_t *expires)
{
	*len = 0;
	if (tk == NULL || !tk->have_key || r->anonymous)
		return 0;
	*serial = ++tk->next_logon;
	*expires = (int64_t)time(NULL) + tk->lifetime_s;
	return mint_for(tk, IDTOKEN_LOGON, "logon", r->identity, *serial, *expires, tok, len,
			r->message, sizeof(r->message));
}

/* The logon remembered under ctx, or NULL. */
static struct auth_logon *logon_of(struct auth_tokens *tk, uint32_t ctx)
{
	for (size_t i = 0; tk != NULL && i < AUTH_MAX_CONTEXTS; i++)
		if (tk->logons[i].used && tk->logons[i].ctx == ctx)
			return &tk->logons[i];
	return NULL;
}

static void forget(struct auth_logon *l)
{
	explicit_bzero(l, sizeof(*l));
}

/* Remembers a vouched logon under its context, for AUTH_LOOKUP. An honest
 * worker releases each context when its connection ends and holds at most
 * AUTH_MAX_CONTEXTS; a worker that does not release pushes out its own oldest
 * logons (a free place first, then an expired one, then the lowest serial),
 * which then look nothing up: bounded memory, no one else's loss. */
static void remember(struct auth_tokens *tk, uint32_t ctx, const char *identity,
		     uint64_t serial, int64_t expires)
{
	struct auth_logon *l = logon_of(tk, ctx), *oldest = &tk->logons[0];
	int64_t now = (int64_t)time(NULL);

	for (size_t i = 0; l == NULL && i < AUTH_MAX_CONTEXTS; i++)
		if (!tk->logons[i].used)
			l = &tk->logons[i];
	for (size_t i = 0; l == NULL && i < AUTH_MAX_CONTEXTS; i++)
		if (now >= tk->logons[i].expires)
			l = &tk->logons[i];
	if (l == NULL) {
		for (size_t i = 1; i < AUTH_MAX_CONTEXTS; i++)
			if (tk->logons[i].logon < oldest->logon)
				oldest = &tk->logons[i];
		log_warnx("%d logons remembered: the oldest (%s) no longer looks accounts up",
			  AUTH_MAX_CONTEXTS, oldest->identity);
		l = oldest;
	}
	forget(l);
	l->used = 1;
	l->ctx = ctx;
	l->logon = serial;
	l->expires = expires;
	snprintf(l->identity, sizeof(l->identity), "%s", identity);
}

/* AUTH_AUTHENTICATE -> AUTH_OK | AUTH_FAIL */
static void on_authenticate(struct service *s, const struct ipc_msg *m)
{
	struct auth_tokens *tk = s->ctx;
	uint8_t idtok[IDTOKEN_MAX];
	size_t idtok_len = 0;
	struct auth_authenticate q;
	struct leg_result r;
	struct ipc_wbuf w;
	struct auth_ok ok;
	uint64_t serial = 0;
	int64_t expires = 0;

	if (auth_authenticate_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed AUTH_AUTHENTICATE");
		return;
	}
	acceptor_authenticate(q.ctx, q.token, q.token_len, q.peer, &r);
	if (r.code == 0 && vouch(tk, &r, idtok, &idtok_len, &serial, &expires) != 0) {
		r.code = AUTH_E_FAILURE;
		explicit_bzero(r.key, sizeof(r.key));
	}
	if (r.code != 0) {
		log_info("logon refused: %s", r.message);
		reply_fail(s, m->hdr.id, &r, 0);
	} else {
		log_info("logon of %s%s", r.identity, r.anonymous ? " (anonymous)" : "");
		if (idtok_len > 0)
			remember(tk, q.ctx, r.identity, serial, expires);
		memset(&ok, 0, sizeof(ok));
		snprintf(ok.identity, sizeof(ok.identity), "%s", r.identity);
		ok.anonymous = (uint32_t)r.anonymous;
		ok.key = r.key;
		ok.id_token = idtok;
		ok.id_token_len = idtok_len;
		ipc_wbuf_init(&w);
		auth_ok_encode(&w, &ok);
		service_reply(s, AUTH_OK, m->hdr.id, &w); /* ipc_wbuf_free wipes the copy */
	}
	leg_result_free(&r);
}

/* The account a Kerberos logon (REALM\user) is: account.c's rule. Unknown
 * principals are refused: the realm vouches for who they are, not for what
 * they may enroll for, and the attributes templates need come from the
 * account. 0 with r->identity as the account is stored, or -1 with the
 * refusal in r. */
static int kerberos_account(struct gss_result *r)
{
	char realm[AUTH_IDENTITY_MAX + 1], name[AUTH_IDENTITY_MAX + 1], err[AUTH_MESSAGE_MAX + 1];
	char *bs;
	int rc;

	snprintf(realm, sizeof(realm), "%s", r->identity);
	bs = strchr(realm, '\\');
	if (bs == NULL) {
		r->code = AUTH_E_FAILURE;
		snprintf(r->message, sizeof(r->message), "no realm in '%s'", r->identity);
		return -1;
	}
	*bs = 0;
	rc = account_domain_find(realm, bs + 1, name, sizeof(name), err, sizeof(err));
	if (rc > 0 && krb_unknown_domain_users()) {
		/* ca.conf kerberos_unknown_principals = domain-users: the realm's
		 * word for who it is, and nothing more (vouch_kerberos). */
		r->unknown = 1;
		return 0;
	}
	if (rc != 0) {
		r->code = rc > 0 ? AUTH_E_NOACCOUNT : AUTH_E_DENIED;
		snprintf(r->message, sizeof(r->message), "Kerberos logon of %s: %s", r->identity,
			 err);
		return -1;
	}
	snprintf(r->identity, sizeof(r->identity), "%s", name);
	return 0;
}

/* What a verified PAC with LOGON_INFO (AD's KDC) says about the user replaces
 * the account record's word: its user SID, and its group SIDs added to the
 * account's groups. A value the token cannot carry (a SID of another form,
 * more groups than IDENTITY_MAX_GROUPS, 256, the PAC decoder's own bound: so
 * only the account record's groups beside a PAC's can make too many) refuses
 * the logon: a token with part of the groups could change what the policy
 * decides. 0, or -1 with why. */
static int pac_attributes(const struct pac_info *pac, struct id_attrs *a, char *why,
			  size_t whylen)
{
	size_t own = a->n_groups;
	char err[256];

	if (id_attr_check(ID_ATTR_SID, pac->user_sid, err, sizeof(err)) != 0) {
		snprintf(why, whylen, "the PAC's user SID %s: %s", pac->user_sid, err);
		return -1;
	}
	if (a->sid[0] != 0 && strcmp(a->sid, pac->user_sid) != 0)
		log_warnx("the account record's SID %s differs from the PAC's %s: the PAC's is used",
			  a->sid, pac->user_sid);
	snprintf(a->sid, sizeof(a->sid), "%s", pac->user_sid);
	for (size_t i = 0; i < pac->n_groups; i++) {
		int dup = 0;

		for (size_t j = 0; j < a->n_groups && !dup; j++)
			dup = strcasecmp(a->groups[j], pac->groups[i]) == 0;
		if (dup)
			continue;
		if (a->n_groups >= IDENTITY_MAX_GROUPS) {
			snprintf(why, whylen, "the PAC's %zu groups and the account record's %zu "
				 "make more than the %d an identity token carries", pac->n_groups,
				 own, IDENTITY_MAX_GROUPS);
			return -1;
		}
		if (id_attrs_add_group(a, pac->groups[i], err, sizeof(err)) != 0) {
			snprintf(why, whylen, "the PAC's group %s: %s", pac->groups[i], err);
			return -1;
		}
	}
	return 0;
}

/* The LOGON token of a Kerberos logon: the account's attributes, with what a
 * verified PAC says (pac_attributes). As vouch(): 0, or -1 with r->message. */
static int vouch_kerberos(struct auth_tokens *tk, struct gss_result *r, uint8_t *tok,
			  size_t *len, uint64_t *serial, int64_t *expires)
{
	struct id_attrs *a;
	int rc = -1;

	*len = 0;
	if (tk == NULL || !tk->have_key)
		return 0;
	/* On the heap: ~33 KiB at IDENTITY_MAX_GROUPS, and mint_with holds a
	 * token as large below it. */
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(r->message, sizeof(r->message), "out of memory");
		return -1;
	}
	if (r->unknown) {
		/* No account: no attributes but the mark the policy reads. */
		snprintf(a->groups[0], sizeof(a->groups[0]), "%s", IDENTITY_GROUP_UNKNOWN_PRINCIPALS);
		a->n_groups = 1;
	} else if (attributes_of("logon", r->identity, a, r->message, sizeof(r->message)) != 0) {
		goto out;
	}
	if (r->has_pac && r->pac.has_logon_info &&
	    pac_attributes(&r->pac, a, r->message, sizeof(r->message)) != 0)
		goto out;
	*serial = ++tk->next_logon;
	*expires = (int64_t)time(NULL) + tk->lifetime_s;
	rc = mint_with(tk, IDTOKEN_LOGON, "logon", r->identity, *serial, *expires, a, tok, len,
		       r->message, sizeof(r->message));
out:
	explicit_bzero(a, sizeof(*a));
	free(a);
	return rc;
}

/* AUTH_GSS_ACCEPT -> AUTH_GSS_CONTINUE | AUTH_GSS_OK | AUTH_FAIL */
static void on_gss_accept(struct service *s, const struct ipc_msg *m)
{
	struct auth_tokens *tk = s->ctx;
	uint8_t idtok[IDTOKEN_MAX];
	size_t idtok_len = 0;
	struct auth_gss_accept q;
	struct auth_gss_ok ok;
	struct gss_result *r;
	struct leg_result lr;
	struct ipc_wbuf w;
	uint64_t serial = 0;
	int64_t expires = 0;

	if (auth_gss_accept_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed AUTH_GSS_ACCEPT");
		return;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		lr.code = AUTH_E_FAILURE;
		snprintf(lr.message, sizeof(lr.message), "out of memory");
		reply_fail(s, m->hdr.id, &lr, 0);
		return;
	}
	/* A later leg of an NTLM logon inside SPNEGO names an NTLM context (bit
	 * 31 clear); the first leg's NegTokenInit chooses (krb.c). */
	if (q.ctx != 0 && !krb_is_ctx(q.ctx))
		spnego_ntlm_accept(q.ctx, q.token, q.token_len, q.peer, r);
	else
		krb_accept(q.ctx, q.token, q.token_len, r);
	/* NTLM named the account already (account.c); its LOGON token is made as
	 * a Kerberos one without a PAC: the account's attributes. */
	if (r->code == 0 && r->done &&
	    (r->mech == AUTH_MECH_NTLM || kerberos_account(r) == 0) &&
	    vouch_kerberos(tk, r, idtok, &idtok_len, &serial, &expires) != 0)
		r->code = AUTH_E_DENIED;
	if (r->code != 0) {
		log_info("%s logon refused: %s",
			 r->mech == AUTH_MECH_NTLM ? "NTLM (SPNEGO)" : "Kerberos", r->message);
		memset(&lr, 0, sizeof(lr));
		lr.code = r->code;
		snprintf(lr.message, sizeof(lr.message), "%s", r->message);
		reply_fail(s, m->hdr.id, &lr, r->mech);
	} else if (!r->done) {
		ipc_wbuf_init(&w);
		auth_gss_continue_encode(&w, &(struct auth_gss_continue){r->ctx, r->token,
									 r->token_len});
		service_reply(s, AUTH_GSS_CONTINUE, m->hdr.id, &w);
	} else {
		if (r->unknown)
			log_info("Kerberos logon of %s: no account, logged on as an unknown "
				 "principal (kerberos_unknown_principals = domain-users)", r->identity);
		if (r->mech == AUTH_MECH_NTLM)
			log_info("NTLM logon (SPNEGO) of %s", r->identity);
		else if (r->has_pac && r->pac.has_logon_info)
			log_info("Kerberos logon of %s (PAC: %s, %zu groups)", r->identity,
				 r->pac.user_sid, r->pac.n_groups);
		else
			log_info("Kerberos logon of %s%s", r->identity,
				 r->has_pac ? " (PAC verified, without logon information)" : "");
		if (idtok_len > 0)
			remember(tk, q.ctx, r->identity, serial, expires);
		memset(&ok, 0, sizeof(ok));
		ok.ctx = q.ctx;
		ok.token = r->token;
		ok.token_len = r->token_len;
		snprintf(ok.identity, sizeof(ok.identity), "%s", r->identity);
		ok.id_token = idtok;
		ok.id_token_len = idtok_len;
		ok.mech = r->mech;
		ok.enctype = r->enctype; /* 0 for NTLM */
		ok.key = r->key;
		ok.key_len = r->key_len;
		ok.send_seq = r->send_seq;
		ok.recv_seq = r->recv_seq;
		ok.flags = r->flags;
		ipc_wbuf_init(&w);
		auth_gss_ok_encode(&w, &ok);
		service_reply(s, AUTH_GSS_OK, m->hdr.id, &w); /* ipc_wbuf_free wipes the copy */
	}
	explicit_bzero(idtok, sizeof(idtok));
	gss_result_wipe(r);
	free(r);
}

static void lookup_fail(struct service *s, uint32_t id, uint32_t code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void lookup_fail(struct service *s, uint32_t id, uint32_t code, const char *fmt, ...)
{
	struct leg_result r;
	va_list ap;

	memset(&r, 0, sizeof(r));
	r.code = code;
	va_start(ap, fmt);
	vsnprintf(r.message, sizeof(r.message), fmt, ap);
	va_end(ap);
	log_info("account look-up refused: %s", r.message);
	reply_fail(s, id, &r, 0);
}

/* AUTH_LOOKUP -> AUTH_ACCOUNT | AUTH_FAIL: a SUBJECT token for the account an
 * enrollment agent's request names (README.md, "Account look-ups"). Only for a
 * logon ca-auth vouched for on this context (named, not anonymous, not
 * released, not expired), at most AUTH_LOOKUPS_PER_LOGON times, found or not;
 * the account must be in the account file and enabled, found by the logon's
 * own rule (account.c) with the domain given. The token names the account as
 * the file spells it, with its attributes read as at a logon (mint_for), the
 * caller's logon serial (the custodian binds the two) and the caller's
 * expiry (it never outlives the logon it was found for). */
static void on_lookup(struct service *s, const struct ipc_msg *m)
{
	struct auth_tokens *tk = s->ctx;
	char name[AUTH_IDENTITY_MAX + 1], err[AUTH_MESSAGE_MAX + 1], *bs;
	uint8_t tok[IDTOKEN_MAX];
	size_t tok_len = 0;
	struct auth_logon *l;
	struct auth_lookup q;
	struct ipc_wbuf w;

	if (auth_lookup_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed AUTH_LOOKUP");
		return;
	}
	if ((l = logon_of(tk, q.ctx)) == NULL) {
		lookup_fail(s, m->hdr.id, AUTH_E_NOCTX, "no logon vouched for on this connection");
		return;
	}
	if ((int64_t)time(NULL) >= l->expires) {
		lookup_fail(s, m->hdr.id, AUTH_E_NOCTX, "the logon of %s has expired", l->identity);
		forget(l);
		return;
	}
	/* Counted before anything is looked up: a miss costs as much as a hit. */
	if (l->lookups >= AUTH_LOOKUPS_PER_LOGON) {
		lookup_fail(s, m->hdr.id, AUTH_E_LIMIT, "the logon of %s has made its %d account "
			    "look-ups", l->identity, AUTH_LOOKUPS_PER_LOGON);
		return;
	}
	l->lookups++;
	/* DOMAIN\user, both parts given: without a domain account.c would match
	 * any, and the custodian compares the name it reads itself. */
	bs = strchr(q.account, '\\');
	if (bs == NULL || bs == q.account || bs[1] == 0 || strchr(bs + 1, '\\') != NULL) {
		lookup_fail(s, m->hdr.id, AUTH_E_NOACCOUNT, "'%s' is not an account name "
			    "(DOMAIN\\user)", q.account);
		return;
	}
	*bs = 0;
	if (account_lookup(getenv("NTLM_USER_FILE"), q.account, bs + 1, name, sizeof(name), err,
			 sizeof(err)) != 0) {
		lookup_fail(s, m->hdr.id, AUTH_E_NOACCOUNT, "%s", err);
		return;
	}
	if (mint_for(tk, IDTOKEN_SUBJECT, "look-up", name, l->logon, l->expires, tok, &tok_len, err,
		     sizeof(err)) != 0) {
		lookup_fail(s, m->hdr.id, AUTH_E_FAILURE, "%s", err);
		return;
	}
	log_info("%s looked up %s (%u of %d)", l->identity, name, l->lookups,
		 AUTH_LOOKUPS_PER_LOGON);
	ipc_wbuf_init(&w);
	auth_account_encode(&w, &(struct auth_account){tok, tok_len});
	service_reply(s, AUTH_ACCOUNT, m->hdr.id, &w);
	explicit_bzero(tok, sizeof(tok));
}

/* AUTH_RELEASE -> AUTH_RELEASED (a context already gone is no error: the worker
 * releases on every close, and a refused AUTHENTICATE ended it); the logon
 * remembered under it is forgotten. */
static void on_release(struct service *s, const struct ipc_msg *m)
{
	struct auth_release q;
	struct auth_logon *l;

	if (auth_release_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed AUTH_RELEASE");
		return;
	}
	(void)acceptor_release(q.ctx);
	l = logon_of(s->ctx, q.ctx); /* a connection with a vouched logon ends */
	if (l != NULL)
		forget(l);
	service_reply(s, AUTH_RELEASED, m->hdr.id, NULL);
}

static void handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	(void)ctx; /* the tokens, s->ctx, for on_authenticate and on_lookup */
	switch ((enum auth_msg)m->hdr.type) {
	case AUTH_NEGOTIATE: on_negotiate(s, m); break;
	case AUTH_AUTHENTICATE: on_authenticate(s, m); break;
	case AUTH_RELEASE: on_release(s, m); break;
	case AUTH_LOOKUP: on_lookup(s, m); break;
	case AUTH_GSS_ACCEPT: on_gss_accept(s, m); break;
	case AUTH_CHALLENGE: /* ca-auth's answers, never the worker's */
	case AUTH_OK:
	case AUTH_RELEASED:
	case AUTH_ACCOUNT:
	case AUTH_GSS_CONTINUE:
	case AUTH_GSS_OK:
	case AUTH_FAIL:
	default: /* the whitelist lets none of these through: a violation all the same */
		service_violation(s, "message type %#x from the worker", m->hdr.type);
		break;
	}
}

int auth_serve(int fd, struct auth_tokens *tk)
{
	/* One thread: the context table and the logon serial are not shared, and
	 * NTLM's work is a few HMACs per logon. */
	/* Replies carry identity tokens (IDTOKEN_MAX, 256 groups), larger than
	 * what the worker may send: the worker's own cap is AUTH_ANSWER_MAX. */
	return service_run_flags(fd, "worker", AUTH_MAX_PAYLOAD, rules,
				 sizeof(rules) / sizeof(rules[0]), 1, handle, NULL, tk,
				 SERVICE_LARGE_REPLIES);
}
