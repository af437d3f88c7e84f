/* ca-auth's side of the worker channel (auth.h: auth_serve): the whitelist, the
 * decoders of msg.c (proto.h's exact layouts), and one handler per message type. Everything the
 * worker sends passes here, so the fuzz target (tests/fuzz/fuzz_auth.c) drives
 * this with the worker's framing; main.c only sets the process up. */
#include <stdio.h>
#include <string.h>
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
	{AUTH_AUTHENTICATE, IPC_STATES_ALL, 4 + 4 + 4 + 1, AUTH_MAX_PAYLOAD, 0},
	{AUTH_RELEASE, IPC_STATES_ALL, 4, 4, 0},
};

static void reply_fail(struct service *s, uint32_t id, const struct leg_result *r)
{
	struct auth_fail f = {.code = r->code};
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
		reply_fail(s, m->hdr.id, &r);
	} else {
		ipc_wbuf_init(&w);
		auth_challenge_encode(&w, &(struct auth_challenge){r.ctx, r.token, r.token_len});
		service_reply(s, AUTH_CHALLENGE, m->hdr.id, &w);
	}
	leg_result_free(&r);
}

/* The identity token that vouches for a named logon (empty for an anonymous one,
 * or without a key), with the account's attributes (DATA/auth/attributes, read
 * now: caadm account set takes effect at the next logon). 0, or -1 (cannot
 * read the attributes or mint: the logon is refused, why in r->message). */
static int vouch(struct auth_tokens *tk, struct leg_result *r, uint8_t *tok, size_t *len)
{
	struct idtoken t;
	struct id_attrs a;
	char err[512];

	*len = 0;
	if (tk == NULL || !tk->have_key || r->anonymous)
		return 0;
	if (account_attributes(r->identity, &a, err, sizeof(err)) != 0) {
		/* Never a token with some of the attributes: a missing group or
		 * SID could change what the policy decides. */
		log_warnx("logon of %s refused: the account attributes: %s", r->identity, err);
		snprintf(r->message, sizeof(r->message),
			 "the account attributes cannot be read (ca-auth's log says why)");
		return -1;
	}
	memset(&t, 0, sizeof(t));
	t.logon = ++tk->next_logon;
	t.expires = (int64_t)time(NULL) + tk->lifetime_s;
	snprintf(t.identity, sizeof(t.identity), "%s", r->identity);
	idtoken_set_attrs(&t, &a);
	if (idtoken_mint(tk->key, &t, tok, len, err, sizeof(err)) != 0) {
		log_warnx("no token for %s: %s", r->identity, err);
		snprintf(r->message, sizeof(r->message), "the logon could not be vouched for");
		return -1;
	}
	return 0;
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

	if (auth_authenticate_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed AUTH_AUTHENTICATE");
		return;
	}
	acceptor_authenticate(q.ctx, q.token, q.token_len, q.peer, &r);
	if (r.code == 0 && vouch(tk, &r, idtok, &idtok_len) != 0) {
		r.code = AUTH_E_FAILURE;
		explicit_bzero(r.key, sizeof(r.key));
	}
	if (r.code != 0) {
		log_info("logon refused: %s", r.message);
		reply_fail(s, m->hdr.id, &r);
	} else {
		log_info("logon of %s%s", r.identity, r.anonymous ? " (anonymous)" : "");
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

/* AUTH_RELEASE -> AUTH_RELEASED (a context already gone is no error: the worker
 * releases on every early close, and a refused AUTHENTICATE ended it) */
static void on_release(struct service *s, const struct ipc_msg *m)
{
	struct auth_release q;

	if (auth_release_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed AUTH_RELEASE");
		return;
	}
	(void)acceptor_release(q.ctx);
	service_reply(s, AUTH_RELEASED, m->hdr.id, NULL);
}

static void handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	(void)ctx; /* the tokens, s->ctx, for on_authenticate */
	switch ((enum auth_msg)m->hdr.type) {
	case AUTH_NEGOTIATE: on_negotiate(s, m); break;
	case AUTH_AUTHENTICATE: on_authenticate(s, m); break;
	case AUTH_RELEASE: on_release(s, m); break;
	case AUTH_CHALLENGE: /* ca-auth's answers, never the worker's */
	case AUTH_OK:
	case AUTH_RELEASED:
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
	return service_run(fd, "worker", AUTH_MAX_PAYLOAD, rules, sizeof(rules) / sizeof(rules[0]),
			   1, handle, NULL, tk);
}
