/* CUST_AUTH_EVENT: an authentication failure (wrong password, unknown user), a
 * refused verifier (bad signature, replay, another auth_context_id) or a refused
 * retrieval, as the worker saw it. Journaled so that an auditor finds failed
 * and forged logons next to the requests (DESIGN.md: a failure leaves an event
 * in the journal). The worker names one of a fixed set of happenings; the event
 * is EV_LOGON_REFUSED under the actor "unauthenticated", with the name the client
 * claimed in a field of its own: the worker can write nothing else (no operator
 * action, no actor of its choosing). */
#include "firmware/custodian/authlog.h"

#include <stdio.h>
#include <string.h>

#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "platform/log.h"

/* The channel's value to the ledger's: one explicit map, 0 for anything else. */
static uint32_t logon_action(uint32_t what)
{
	switch (what) {
	case CUST_LOGON_NTLM_REFUSED:
		return LOGON_NTLM_REFUSED;
	case CUST_LOGON_RPC_VIOLATION:
		return LOGON_RPC_VIOLATION;
	case CUST_LOGON_RETRIEVE_REFUSED:
		return LOGON_RETRIEVE_REFUSED;
	default:
		return 0;
	}
}

void handle_auth_event(struct service *s, struct submit_ctx *c, const struct ipc_msg *m)
{
	struct cust_auth_event q;
	struct ledger_event ev;
	struct ipc_wbuf w;
	char err[512];
	uint32_t action;
	int refused;

	if (cust_auth_event_decode(m->data, m->hdr.len, &q) != 0 ||
	    (action = logon_action(q.what)) == 0) {
		service_violation(s, "malformed AUTH_EVENT");
		return;
	}
	record_event_init(&ev, EV_LOGON_REFUSED, ACTOR_REQUESTER, LOGON_ACTOR);
	ev.u.logon.action = action;
	ev.u.logon.peer = q.peer;
	ev.u.logon.claimed = q.claimed;
	ev.u.logon.detail = q.detail;
	if (record_append(c->rec, &ev, &refused, err, sizeof(err)) != 0) {
		log_warnx("authentication event not recorded: %s", err);
		service_reply_error(s, CUST_ERROR, m->hdr.id, HR_E_UNEXPECTED, err);
		return;
	}
	ipc_wbuf_init(&w);
	cust_result_encode(&w, &(struct cust_result){.message = "recorded"});
	service_reply(s, CUST_RESULT, m->hdr.id, &w);
}
