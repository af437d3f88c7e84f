/* CUST_AUTH_EVENT: an authentication failure (wrong password, unknown user), a
 * refused verifier (bad signature, replay, another auth_context_id) or a refused
 * retrieval, as the worker saw it. Journaled so that an auditor finds failed
 * and forged logons next to the requests (DESIGN.md: a failure leaves an event
 * in the journal). The event is EV_OPERATOR_ACTION's shape with the requester
 * as actor: action, target (the peer's address), allowed = 0, detail. The
 * worker's claims are only claims: the actor is what the client said, not an
 * authenticated identity. */
#include "firmware/custodian/authlog.h"

#include <stdio.h>
#include <string.h>

#include "firmware/custodian/proto.h"
#include "platform/log.h"

void handle_auth_event(struct service *s, struct submit_ctx *c, const struct ipc_msg *m)
{
	char action[CUST_AUTH_NAME_MAX + 1], peer[CUST_AUTH_NAME_MAX + 1];
	char who[CUST_AUTH_NAME_MAX + 1], detail[CUST_MESSAGE_MAX + 1], err[512];
	char actor[CUST_AUTH_NAME_MAX + 1];
	struct ledger_event ev;
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	int refused;

	ipc_rbuf_init(&r, m);
	ipc_get_str(&r, action, sizeof(action));
	ipc_get_str(&r, peer, sizeof(peer));
	ipc_get_str(&r, who, sizeof(who));
	ipc_get_str(&r, detail, sizeof(detail));
	if (ipc_rbuf_done(&r) != 0 || action[0] == 0 || peer[0] == 0) {
		service_violation(s, "malformed AUTH_EVENT");
		return;
	}
	snprintf(actor, sizeof(actor), "%s", who[0] != 0 ? who : "anonymous");
	record_event_init(&ev, EV_OPERATOR_ACTION, ACTOR_REQUESTER, actor);
	ev.u.op.action = action;
	ev.u.op.target = peer;
	ev.u.op.allowed = 0;
	ev.u.op.detail = detail;
	if (record_append(c->rec, &ev, &refused, err, sizeof(err)) != 0) {
		log_warnx("authentication event not recorded: %s", err);
		service_reply_error(s, CUST_ERROR, m->hdr.id, HR_E_UNEXPECTED, err);
		return;
	}
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 0);
	ipc_put_u32(&w, 0);
	ipc_put_u32(&w, 0);
	ipc_put_str(&w, "recorded");
	ipc_put_bytes(&w, NULL, 0);
	service_reply(s, CUST_RESULT, m->hdr.id, &w);
}
