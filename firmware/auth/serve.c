/* ca-auth's side of the worker channel (auth.h: auth_serve): the whitelist, the
 * exact layouts of proto.h, and one handler per message type. Everything the
 * worker sends passes here, so the fuzz target (tests/fuzz/fuzz_auth.c) drives
 * this with the worker's framing; main.c only sets the process up. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "firmware/auth/auth.h"
#include "platform/ipc.h"
#include "platform/log.h"
#include "platform/service.h"

enum { ST_READY = 0 };

/* What the worker may send; exact layouts are checked by the handlers. */
static const struct ipc_rule rules[] = {
	{AUTH_NEGOTIATE, 1u << ST_READY, 4 + 1, 4 + AUTH_TOKEN_MAX, 0},
	{AUTH_AUTHENTICATE, 1u << ST_READY, 4 + 4 + 1, 4 + 4 + AUTH_TOKEN_MAX, 0},
	{AUTH_RELEASE, 1u << ST_READY, 4, 4, 0},
};

static void reply_fail(struct service *s, uint32_t id, const struct leg_result *r)
{
	service_reply_error(s, AUTH_FAIL, id, r->code, r->message);
}

/* bytes token -> AUTH_CHALLENGE u32 ctx, bytes token | AUTH_FAIL */
static void on_negotiate(struct service *s, const struct ipc_msg *m)
{
	struct leg_result r;
	struct ipc_rbuf rb;
	struct ipc_wbuf w;
	const uint8_t *tok = NULL;
	size_t len = 0;

	ipc_rbuf_init(&rb, m);
	ipc_get_bytes(&rb, &tok, &len, AUTH_TOKEN_MAX);
	if (ipc_rbuf_done(&rb) != 0) {
		service_violation(s, "malformed AUTH_NEGOTIATE");
		return;
	}
	acceptor_negotiate(tok, len, &r);
	if (r.code != 0) {
		log_info("NEGOTIATE refused: %s", r.message);
		reply_fail(s, m->hdr.id, &r);
	} else {
		ipc_wbuf_init(&w);
		ipc_put_u32(&w, r.ctx);
		ipc_put_bytes(&w, r.token, r.token_len);
		service_reply(s, AUTH_CHALLENGE, m->hdr.id, &w);
	}
	leg_result_free(&r);
}

/* The identity token that vouches for a named logon (empty for an anonymous one,
 * or without a key): 0, or -1 (cannot mint: the logon is refused). */
static int vouch(struct auth_tokens *tk, const struct leg_result *r, uint8_t *tok, size_t *len)
{
	struct idtoken t;
	char err[128];

	*len = 0;
	if (tk == NULL || !tk->have_key || r->anonymous)
		return 0;
	memset(&t, 0, sizeof(t));
	t.logon = ++tk->next_logon;
	t.expires = (int64_t)time(NULL) + tk->lifetime_s;
	snprintf(t.identity, sizeof(t.identity), "%s", r->identity);
	if (idtoken_mint(tk->key, &t, tok, len, err, sizeof(err)) != 0) {
		log_warnx("no token for %s: %s", r->identity, err);
		return -1;
	}
	return 0;
}

/* u32 ctx, bytes token -> AUTH_OK str identity, u32 anonymous, bytes key,
 * bytes id_token | AUTH_FAIL */
static void on_authenticate(struct service *s, const struct ipc_msg *m)
{
	struct auth_tokens *tk = s->ctx;
	uint8_t idtok[IDTOKEN_MAX];
	size_t idtok_len = 0;
	struct leg_result r;
	struct ipc_rbuf rb;
	struct ipc_wbuf w;
	const uint8_t *tok = NULL;
	size_t len = 0;
	uint32_t cid;

	ipc_rbuf_init(&rb, m);
	cid = ipc_get_u32(&rb);
	ipc_get_bytes(&rb, &tok, &len, AUTH_TOKEN_MAX);
	if (ipc_rbuf_done(&rb) != 0) {
		service_violation(s, "malformed AUTH_AUTHENTICATE");
		return;
	}
	acceptor_authenticate(cid, tok, len, &r);
	if (r.code == 0 && vouch(tk, &r, idtok, &idtok_len) != 0) {
		r.code = AUTH_E_FAILURE;
		snprintf(r.message, sizeof(r.message), "the logon could not be vouched for");
	}
	if (r.code != 0) {
		log_info("logon refused: %s", r.message);
		reply_fail(s, m->hdr.id, &r);
	} else {
		log_info("logon of %s%s", r.identity, r.anonymous ? " (anonymous)" : "");
		ipc_wbuf_init(&w);
		ipc_put_str(&w, r.identity);
		ipc_put_u32(&w, (uint32_t)r.anonymous);
		ipc_put_bytes(&w, r.key, AUTH_KEY_LEN);
		ipc_put_bytes(&w, idtok, idtok_len);
		service_reply(s, AUTH_OK, m->hdr.id, &w); /* ipc_wbuf_free wipes the copy */
	}
	leg_result_free(&r);
}

/* u32 ctx -> AUTH_RELEASED (a context already gone is no error: the worker
 * releases on every early close, and a refused AUTHENTICATE ended it) */
static void on_release(struct service *s, const struct ipc_msg *m)
{
	struct ipc_rbuf rb;
	uint32_t cid;

	ipc_rbuf_init(&rb, m);
	cid = ipc_get_u32(&rb);
	if (ipc_rbuf_done(&rb) != 0) {
		service_violation(s, "malformed AUTH_RELEASE");
		return;
	}
	(void)acceptor_release(cid);
	service_reply(s, AUTH_RELEASED, m->hdr.id, NULL);
}

static void handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	(void)ctx; /* the tokens, s->ctx, for on_authenticate */
	switch (m->hdr.type) {
	case AUTH_NEGOTIATE: on_negotiate(s, m); break;
	case AUTH_AUTHENTICATE: on_authenticate(s, m); break;
	case AUTH_RELEASE: on_release(s, m); break;
	case AUTH_CHALLENGE:
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
