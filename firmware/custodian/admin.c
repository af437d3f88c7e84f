/* The console's service: login and sessions, the role check for each verb, the
 * journal of every operator action, and dispatch to the verbs; see admin.h. */
#include "firmware/custodian/admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "firmware/custodian/proto.h"
#include "firmware/ledger/proto.h"
#include "firmware/ledger/view.h"
#include "platform/log.h"

/* Which roles may use each verb, and its name in the journal. */
static const struct {
	uint32_t type, roles;
	const char *action;
} grants[] = {
	{ADM_LOGOUT, ROLE_ALL, "logout"},
	{ADM_OP_ADD, ROLE_ADMIN, "operator-add"},
	{ADM_OP_DEL, ROLE_ADMIN, "operator-del"},
	{ADM_OP_PASSWD, ROLE_ALL, "operator-passwd"}, /* oneself; others: admin (below) */
	{ADM_OP_LIST, ROLE_ADMIN, "operator-list"},
	{ADM_OP_ROLES, ROLE_ADMIN, "operator-roles"},
	{ADM_VIEW, ROLE_ALL, "view"},
	{ADM_DETAIL, ROLE_ALL, "view-detail"},
	{ADM_SETEXT, ROLE_OFFICER, "setextension"},
	{ADM_RESUBMIT, ROLE_OFFICER, "resubmit"},
	{ADM_DENY, ROLE_OFFICER, "deny"},
	{ADM_REVOKE, ROLE_OFFICER, "revoke"},
	{ADM_UNREVOKE, ROLE_OFFICER, "unrevoke"},
	{ADM_CRL, ROLE_ADMIN | ROLE_OFFICER, "crl"},
	{ADM_GETPROP, ROLE_ALL, "getprop"},
	{ADM_SETPROP, ROLE_ADMIN, "setprop"},
	{ADM_AUDIT, ROLE_AUDITOR, "audit"},
	{ADM_VERIFY, ROLE_AUDITOR, "verify"},
	{ADM_TMPL_LIST, ROLE_ALL, "template-list"},
	{ADM_TMPL_SHOW, ROLE_ALL, "template-show"},
	{ADM_TMPL_ADD, ROLE_ADMIN, "template-add"},
	{ADM_TMPL_SET, ROLE_ADMIN, "template-set"},
	{ADM_TMPL_DEL, ROLE_ADMIN, "template-del"},
	{ADM_KEYTAB, ROLE_ADMIN, "keytab"},
};

int admin_journal(struct admin *a, const char *operator_name, const char *action,
		  const char *target, int allowed, const char *detail, char *err, size_t errlen)
{
	struct ledger_event ev;
	int refused;

	record_event_init(&ev, EV_OPERATOR_ACTION, ACTOR_OPERATOR, operator_name);
	ev.u.op.action = action;
	ev.u.op.target = target;
	ev.u.op.allowed = allowed ? 1 : 0;
	ev.u.op.detail = detail;
	return record_append(a->sub->rec, &ev, &refused, err, errlen);
}

static void reply_error(struct service *s, uint32_t id, uint32_t hr, const char *msg)
{
	struct adm_error e = {.hresult = hr};
	struct ipc_wbuf w;

	snprintf(e.message, sizeof(e.message), "%s", msg);
	ipc_wbuf_init(&w);
	adm_error_encode(&w, &e);
	service_reply(s, ADM_ERROR, id, &w);
}

static void reply_ok(struct service *s, uint32_t id, const char *msg)
{
	struct adm_ok *ok = malloc(sizeof(*ok));
	struct ipc_wbuf w;

	if (ok == NULL)
		fatalx("out of memory");
	snprintf(ok->message, sizeof(ok->message), "%s", msg);
	ipc_wbuf_init(&w);
	adm_ok_encode(&w, ok);
	free(ok);
	service_reply(s, ADM_OK, id, &w);
}

/* ---- sessions ---- */

static int token_eq(const uint8_t *x, const uint8_t *y)
{
	unsigned d = 0;

	for (size_t i = 0; i < ADM_TOKEN_LEN; i++)
		d |= (unsigned)(x[i] ^ y[i]);
	return d == 0;
}

/* The live session for token, copied into out; 0 or -1 (none, or expired). */
static int session_find(struct admin *a, const uint8_t *token, struct adm_session *out)
{
	time_t now = time(NULL);
	int rc = -1;

	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < ADM_SESSIONS_MAX; i++) {
		struct adm_session *s = &a->sessions[i];

		if (!s->used || !token_eq(s->token, token))
			continue;
		if (now > s->expires || now > s->idle_until) {
			explicit_bzero(s, sizeof(*s));
			break;
		}
		s->idle_until = now + ADM_SESSION_IDLE;
		*out = *s;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

static int session_new(struct admin *a, const char *name, uint32_t roles, uint32_t flags,
		       long uid, struct adm_session *out)
{
	time_t now = time(NULL);
	struct adm_session *slot = NULL;

	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < ADM_SESSIONS_MAX; i++) {
		struct adm_session *s = &a->sessions[i];

		if (s->used && (now > s->expires || now > s->idle_until))
			explicit_bzero(s, sizeof(*s));
		if (!s->used && slot == NULL)
			slot = s;
	}
	if (slot != NULL && getrandom(slot->token, ADM_TOKEN_LEN, 0) == ADM_TOKEN_LEN) {
		slot->used = 1;
		snprintf(slot->name, sizeof(slot->name), "%s", name);
		slot->roles = roles;
		slot->flags = flags;
		slot->uid = uid;
		slot->expires = now + ADM_SESSION_LIFETIME;
		slot->idle_until = now + ADM_SESSION_IDLE;
		*out = *slot;
	} else {
		slot = NULL;
	}
	pthread_mutex_unlock(&a->mu);
	return slot != NULL ? 0 : -1;
}

static void session_end(struct admin *a, const uint8_t *token)
{
	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < ADM_SESSIONS_MAX; i++)
		if (a->sessions[i].used && token_eq(a->sessions[i].token, token))
			explicit_bzero(&a->sessions[i], sizeof(a->sessions[i]));
	pthread_mutex_unlock(&a->mu);
}

/* Ends every session of name (deleted operator, changed roles or passphrase). */
static void sessions_drop(struct admin *a, const char *name)
{
	for (size_t i = 0; i < ADM_SESSIONS_MAX; i++)
		if (a->sessions[i].used && strcmp(a->sessions[i].name, name) == 0)
			explicit_bzero(&a->sessions[i], sizeof(a->sessions[i]));
}

/* ---- login ---- */

/* The connected console's uid (SO_PEERCRED), for the journal; -1 if unknown. */
static long peer_uid(const struct service *s)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(s->chan.fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return -1;
	return (long)cred.uid;
}

/* The login's journal detail: the peer's uid, and what the operator must do
 * before it may act. */
static void login_detail(int ok, long uid, uint32_t flags, char *out, size_t outlen)
{
	snprintf(out, outlen, "%speer uid %ld%s%s", ok ? "" : "wrong passphrase or no such "
							       "operator; ",
		 uid, (flags & OPERATOR_MUST_CHANGE) ? "; passphrase reset: must be changed" : "",
		 (flags & OPERATOR_SPLIT_NEEDED) ? "; holds admin,officer: must be split" : "");
}

/* LOGIN (decoded by the dispatcher; the passphrase is wiped here). */
static void handle_login(struct service *s, struct admin *a, const struct ipc_msg *m,
			 struct adm_login *req)
{
	struct adm_session_is out;
	char err[256];
	struct adm_session sess;
	struct ipc_wbuf w;
	struct operator_db *snapshot;
	uint32_t roles = 0, flags = 0;
	char detail[192];
	long uid;
	int ok, opened;

	if (!operator_name_ok(req->name)) {
		explicit_bzero(req->pass, sizeof(req->pass));
		reply_error(s, m->hdr.id, HR_E_INVALIDARG, "malformed login");
		return;
	}
	/* The slow hash runs outside the lock, on a copy of the database. */
	if ((snapshot = malloc(sizeof(*snapshot))) == NULL)
		fatalx("out of memory");
	pthread_mutex_lock(&a->mu);
	/* caadm operator-init may have written the first administrator since start. */
	if (a->ops.n == 0 && operator_db_load(a->ca->dir, snapshot, err, sizeof(err)) == 0)
		a->ops = *snapshot;
	*snapshot = a->ops;
	pthread_mutex_unlock(&a->mu);
	ok = operator_check(snapshot, req->name, req->pass, &roles);
	if (ok)
		flags = operator_find(snapshot, req->name)->flags;
	explicit_bzero(req->pass, sizeof(req->pass));
	explicit_bzero(snapshot, sizeof(*snapshot));
	free(snapshot);
	uid = peer_uid(s);
	/* A session is bound to its uid: without one (SO_PEERCRED failed) none opens,
	 * since -1 would match any other peer whose uid cannot be read either. It is
	 * opened before the journal, which says whether it was (its token is sent
	 * only after). */
	opened = ok && uid >= 0 && session_new(a, req->name, roles, flags, uid, &sess) == 0;
	login_detail(ok, uid, flags, detail, sizeof(detail));
	if (ok && !opened)
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "; no session opened: %s", uid < 0 ? "the peer's uid is unknown"
							    : "too many open sessions");
	if (admin_journal(a, req->name, "login", req->name, opened, detail, err, sizeof(err)) !=
	    0) {
		if (opened)
			session_end(a, sess.token);
		explicit_bzero(&sess, sizeof(sess));
		reply_error(s, m->hdr.id, HR_E_UNEXPECTED, err);
		return;
	}
	if (!ok) {
		log_warnx("console: login refused for %s", req->name);
		reply_error(s, m->hdr.id, HR_LOGON_FAILURE, "login refused: wrong passphrase or "
							   "no such operator");
		return;
	}
	if (!opened) {
		log_warnx("console: login of %s refused: too many open sessions", req->name);
		reply_error(s, m->hdr.id, HR_E_UNEXPECTED, "too many open sessions");
		return;
	}
	if (flags & (OPERATOR_MUST_CHANGE | OPERATOR_SPLIT_NEEDED))
		log_warnx("console: %s logged in %s", req->name,
			  (flags & OPERATOR_MUST_CHANGE) ? "with a reset passphrase"
							 : "holding admin,officer");
	memcpy(out.token, sess.token, ADM_TOKEN_LEN);
	out.roles = sess.roles;
	out.expires = (int64_t)sess.expires;
	ipc_wbuf_init(&w);
	adm_session_encode(&w, &out);
	explicit_bzero(&sess, sizeof(sess));
	explicit_bzero(&out, sizeof(out));
	service_reply(s, ADM_SESSION, m->hdr.id, &w);
}

/* ---- operators ---- */

/* The journal's name for a verb (grants[]). */
static const char *action_of(uint32_t type)
{
	for (size_t i = 0; i < sizeof(grants) / sizeof(grants[0]); i++)
		if (grants[i].type == type)
			return grants[i].action;
	return "unknown";
}

/* An operator change that passed its checks, journaled before it takes effect
 * (under opchange_mu, so changes are journaled in the order they are made): one the
 * ledger does not record is not made. 0, or HR_E_UNEXPECTED with msg (which
 * held the change's description) saying why. handle() journals only refusals of
 * these verbs. */
static uint32_t journal_change(struct admin *a, uint32_t type, const char *op,
			       const char *target, char *msg, size_t msglen)
{
	char err[256];

	if (admin_journal(a, op, action_of(type), target, 1, msg, err, sizeof(err)) == 0)
		return 0;
	snprintf(msg, msglen, "not journaled, so not made: %s", err);
	return HR_E_UNEXPECTED;
}

/* Operator changes one at a time, in the journal's order. The ledger's answer to
 * a change's record is awaited under this lock, not under a->mu: a ledger that
 * stalls holds back the next operator change, never a login, a session's lookup
 * or the console's accept thread. a->mu is taken only to copy the table and to
 * publish the change. */
static pthread_mutex_t opchange_mu = PTHREAD_MUTEX_INITIALIZER;

/* Publishes next as the operators' table (its file saved), and ends name's
 * sessions when they held what changed. */
static void ops_publish(struct admin *a, const struct operator_db *next, const char *name,
			int drop_sessions)
{
	pthread_mutex_lock(&a->mu);
	a->ops = *next;
	if (drop_sessions)
		sessions_drop(a, name);
	pthread_mutex_unlock(&a->mu);
}

/* OP_ADD, OP_DEL, OP_PASSWD: name, its roles (add) and passphrase (add, passwd;
 * wiped here). */
static uint32_t op_change(struct admin *a, uint32_t type, const struct adm_session *who,
			  const char *name, uint32_t roles, char *pass, size_t pass_size,
			  char *target, size_t target_len, char *msg, size_t msglen)
{
	uint32_t hr = 0;
	struct operator_db *next;

	snprintf(target, target_len, "%s", name);
	if (type == ADM_OP_PASSWD && strcmp(name, who->name) != 0 && !(who->roles & ROLE_ADMIN)) {
		explicit_bzero(pass, pass_size);
		snprintf(msg, msglen, "only an administrator changes another operator's "
				      "passphrase");
		return HR_E_ACCESSDENIED;
	}
	if ((next = malloc(sizeof(*next))) == NULL)
		fatalx("out of memory");
	pthread_mutex_lock(&opchange_mu);
	pthread_mutex_lock(&a->mu);
	*next = a->ops;
	pthread_mutex_unlock(&a->mu);
	if (type == ADM_OP_ADD && operator_find(next, name) != NULL) {
		snprintf(msg, msglen, "operator %s exists", name);
		hr = HR_E_INVALIDARG;
	} else if (type != ADM_OP_ADD && operator_find(next, name) == NULL) {
		snprintf(msg, msglen, "no operator %s", name);
		hr = HR_NOT_FOUND;
	} else if (type == ADM_OP_DEL && strcmp(name, who->name) == 0) {
		snprintf(msg, msglen, "an operator cannot delete itself");
		hr = HR_E_INVALIDARG;
	} else if (type == ADM_OP_DEL) {
		operator_del(next, name);
	} else if (operator_set(next, name, roles, pass, msg, msglen) != 0) {
		hr = HR_E_INVALIDARG;
	} else if (type == ADM_OP_PASSWD && strcmp(name, who->name) != 0) {
		/* A reset: whoever set it knows it, so its operator must replace it
		 * before doing anything else (handle()). */
		operator_mark_reset(next, name);
	}
	if (hr == 0) {
		if (type == ADM_OP_PASSWD && strcmp(name, who->name) != 0)
			snprintf(msg, msglen, "operator %s passphrase reset by %s: %s must change "
					      "it at the next login", name, who->name, name);
		else
			snprintf(msg, msglen, "operator %s %s", name,
				 type == ADM_OP_ADD ? "added" : type == ADM_OP_DEL ? "deleted"
										   : "passphrase changed");
		hr = journal_change(a, type, who->name, target, msg, msglen);
	}
	/* Recorded but not saved: the refusal's record (handle()) follows it. */
	if (hr == 0 && operator_db_save(a->ca->dir, next, msg, msglen) != 0)
		hr = HR_E_UNEXPECTED;
	if (hr == 0)
		ops_publish(a, next, name, type != ADM_OP_ADD);
	pthread_mutex_unlock(&opchange_mu);
	explicit_bzero(next, sizeof(*next));
	free(next);
	explicit_bzero(pass, pass_size);
	return hr;
}

/* Whether an operator other than name holds the admin role (the last one may not
 * give it up: nobody could manage the operators after), in a change's copy of
 * the table. */
static int other_admin(const struct operator_db *db, const char *name)
{
	for (size_t i = 0; i < db->n; i++)
		if ((db->e[i].roles & ROLE_ADMIN) && strcmp(db->e[i].name, name) != 0)
			return 1;
	return 0;
}

/* OP_ROLES: name gets exactly one role. An administrator may not change its own
 * roles except to split a legacy pair (keeping one of the two): otherwise one
 * could leave the admin role for the officer's, having made the operators first. */
static uint32_t op_roles(struct admin *a, const struct adm_session *who, const char *name,
			 uint32_t roles, char *target, size_t target_len, char *msg,
			 size_t msglen)
{
	struct operator_db *next;
	struct operator_entry *e;
	uint32_t hr = 0;
	char text[64];

	snprintf(target, target_len, "%s", name);
	if ((next = malloc(sizeof(*next))) == NULL)
		fatalx("out of memory");
	pthread_mutex_lock(&opchange_mu);
	pthread_mutex_lock(&a->mu);
	*next = a->ops;
	pthread_mutex_unlock(&a->mu);
	if ((e = operator_find(next, name)) == NULL) {
		snprintf(msg, msglen, "no operator %s", name);
		hr = HR_NOT_FOUND;
	} else if (strcmp(name, who->name) == 0 &&
		   (!(e->flags & OPERATOR_SPLIT_NEEDED) || (roles & ~e->roles) != 0)) {
		snprintf(msg, msglen, "an operator cannot change its own roles (except to split "
				      "admin,officer into one of them)");
		hr = HR_E_ACCESSDENIED;
	} else if ((e->roles & ROLE_ADMIN) && !(roles & ROLE_ADMIN) && !other_admin(next, name)) {
		snprintf(msg, msglen, "%s is the last administrator", name);
		hr = HR_E_INVALIDARG;
	} else if (operator_set_roles(next, name, roles, msg, msglen) != 0) {
		hr = HR_E_INVALIDARG;
	} else {
		operator_roles_format(roles, text, sizeof(text));
		snprintf(msg, msglen, "operator %s now holds the role %s", name, text);
		hr = journal_change(a, ADM_OP_ROLES, who->name, target, msg, msglen);
	}
	/* Recorded but not saved: the refusal's record (handle()) follows it. */
	if (hr == 0 && operator_db_save(a->ca->dir, next, msg, msglen) != 0)
		hr = HR_E_UNEXPECTED;
	if (hr == 0)
		ops_publish(a, next, name, 1); /* its sessions held the old roles */
	pthread_mutex_unlock(&opchange_mu);
	explicit_bzero(next, sizeof(*next));
	free(next);
	return hr;
}

static void op_list(struct admin *a, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = 0;
	pthread_mutex_lock(&a->mu);
	for (size_t i = 0; i < a->ops.n && used < outlen; i++) {
		char roles[64];
		int n;

		operator_roles_format(a->ops.e[i].roles, roles, sizeof(roles));
		n = snprintf(out + used, outlen - used, "%s %s%s%s\n", a->ops.e[i].name, roles,
			     (a->ops.e[i].flags & OPERATOR_MUST_CHANGE) ? " (passphrase reset)" : "",
			     (a->ops.e[i].flags & OPERATOR_SPLIT_NEEDED) ? " (roles must be split)"
									 : "");
		if (n > 0)
			used += (size_t)n;
	}
	pthread_mutex_unlock(&a->mu);
}

/* ---- relays to the ledger ---- */

/* VIEW: the console's query (decoded by the ledger's own decoder) re-encoded for
 * the ledger, and the ledger's page decoded before it is relayed: neither side's
 * bytes pass through unchecked. */
static uint32_t relay_view(struct service *s, struct admin *a, uint32_t id,
			   const struct view_query *q, char *msg, size_t msglen)
{
	struct lmsg_rows page;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	ipc_wbuf_init(&w);
	lmsg_view_encode(&w, q);
	rc = record_call(a->sub->rec, LEDGER_VIEW, &w, LEDGER_ROWS, &m, msg, msglen);
	if (rc != 0)
		return rc == 1 ? HR_NOT_FOUND : HR_E_UNEXPECTED;
	if (lmsg_rows_decode(m.data, m.hdr.len, &page) != 0) {
		ipc_msg_free(&m);
		snprintf(msg, msglen, "malformed rows from the ledger");
		return HR_E_UNEXPECTED;
	}
	ipc_wbuf_init(&w);
	adm_rows_encode(&w, &page);
	ipc_msg_free(&m);
	service_reply(s, ADM_ROWS, id, &w);
	return 0;
}

/* AUDIT: a page of the journal, the same way. */
static uint32_t relay_audit(struct service *s, struct admin *a, uint32_t id,
			    const struct adm_audit *q, char *msg, size_t msglen)
{
	struct lmsg_get_events ge = {.first = q->first, .max = q->max};
	struct lmsg_events page;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	ipc_wbuf_init(&w);
	lmsg_get_events_encode(&w, &ge);
	rc = record_call(a->sub->rec, LEDGER_GET_EVENTS, &w, LEDGER_EVENTS, &m, msg, msglen);
	if (rc != 0)
		return rc == 1 ? HR_NOT_FOUND : HR_E_UNEXPECTED;
	if (lmsg_events_decode(m.data, m.hdr.len, &page) != 0) {
		ipc_msg_free(&m);
		snprintf(msg, msglen, "malformed events from the ledger");
		return HR_E_UNEXPECTED;
	}
	ipc_wbuf_init(&w);
	adm_events_encode(&w, &page);
	ipc_msg_free(&m);
	service_reply(s, ADM_EVENTS, id, &w);
	return 0;
}

static uint32_t do_verify(struct admin *a, char *msg, size_t msglen)
{
	struct lmsg_verified *v = malloc(sizeof(*v));
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint32_t hr;

	if (v == NULL)
		fatalx("out of memory");
	ipc_wbuf_init(&w);
	if (record_call(a->sub->rec, LEDGER_VERIFY, &w, LEDGER_VERIFIED, &m, msg, msglen) != 0) {
		free(v);
		return HR_E_UNEXPECTED;
	}
	if (lmsg_verified_decode(m.data, m.hdr.len, v) != 0) {
		snprintf(msg, msglen, "malformed answer from the ledger");
		hr = HR_E_UNEXPECTED;
	} else {
		snprintf(msg, msglen, "%s: %llu events: %s", v->ok ? "verified" : "FAILED",
			 (unsigned long long)v->events, v->message);
		hr = v->ok ? 0 : HR_INVALID_STATE;
	}
	ipc_msg_free(&m);
	free(v);
	return hr;
}

/* ---- properties ---- */

static pthread_mutex_t getprop_mu = PTHREAD_MUTEX_INITIALIZER;

/* ADM_PROP's payload: the value. */
static void put_prop(struct ipc_wbuf *w, const uint8_t *value, size_t len)
{
	struct adm_prop p = {.value = value, .len = len};

	adm_prop_encode(w, &p);
}

static uint32_t get_prop(struct admin *a, const char *name, struct ipc_wbuf *w, char *msg,
			 size_t msglen)
{
	char value[PROPS_VALUE_MAX];
	uint64_t number;
	struct ledger_crl_row row;
	uint8_t *v;
	size_t len;
	int rc;

	if (strcmp(name, "CACert") == 0) {
		put_prop(w, a->ca->cert.der.data, a->ca->cert.der.len);
		return 0;
	}
	if (strcmp(name, "CAChain") == 0) {
		put_prop(w, a->chain->data, a->chain->len);
		return 0;
	}
	if (strcmp(name, "BaseCRL") == 0 || strcmp(name, "DeltaCRL") == 0) {
		int base = name[0] == 'B';

		rc = record_crl_latest(a->sub->rec, base, &number, &row, msg, msglen);
		if (rc == 0 && !base && !row.is_delta)
			rc = 1;
		if (rc == 0 && (rc = record_get_record(a->sub->rec, row.seq, &v, &len, msg,
						       msglen)) == 0) {
			struct ledger_event ev;
			char *strbuf = malloc(LEDGER_STRBUF);

			if (strbuf != NULL &&
			    ledger_record_decode(v, len, &ev, strbuf, LEDGER_STRBUF, msg, msglen) == 0 &&
			    ev.type == EV_CRL_PUBLISHED)
				put_prop(w, ev.u.crl.crl.p, ev.u.crl.crl.len);
			else
				rc = -1;
			free(strbuf);
			free(v);
		}
		if (rc == 1)
			snprintf(msg, msglen, "no %s CRL published yet", base ? "base" : "delta");
		return rc == 0 ? 0 : rc == 1 ? HR_NOT_FOUND : HR_E_UNEXPECTED;
	}
	if (strcmp(name, PROPS_CONF_NAME) == 0) {
		/* ca.conf as last journaled: its SHA-256, then its settings. */
		rc = record_get_prop(a->sub->rec, name, &v, &len, msg, msglen);
		if (rc == 0) {
			put_prop(w, v, len);
			free(v);
			return 0;
		}
		if (rc == 1)
			snprintf(msg, msglen, "ca.conf is not journaled yet");
		return rc == 1 ? HR_NOT_FOUND : HR_E_UNEXPECTED;
	}
	if (props_get(a->props, name, value, sizeof(value)) != 0) {
		snprintf(msg, msglen, "%s: no such property (CACert, CAChain, BaseCRL, DeltaCRL, "
				      "ca.conf, CDPURL, AIAURL, OCSPURL, DeltaCRLURL, CRLPeriod, "
				      "CRLOverlap, CRLDeltaPeriod, CRLPublishBase, CRLPublishDelta, "
				      "policy, validity_days, csr_extensions, icpr_enforce_encryption, "
				      "icpr_allow_anonymous, icpr_no_rpc)", name);
		return HR_NOT_FOUND;
	}
	put_prop(w, (const uint8_t *)value, strlen(value));
	return 0;
}

/* One setprop at a time: its check, record and application see the same state. */
static pthread_mutex_t setprop_mu = PTHREAD_MUTEX_INITIALIZER;

/* Records name = value (checked first: nothing is recorded that would not apply)
 * with the operator's action carrying the old and the new value, in one commit,
 * then applies it at once. A changed interface flag also ends the worker's
 * channel: cad starts a worker that asks for the flags again. */
static uint32_t set_prop(struct admin *a, const char *op, const char *name,
			 const uint8_t *value, size_t len, char *msg, size_t msglen)
{
	char text[PROPS_VALUE_MAX], old[PROPS_VALUE_MAX], detail[2 * PROPS_VALUE_MAX + 64];
	struct ledger_event ev, act;
	struct ledger_event *evs[2] = {&ev, &act};
	int refused, rc;

	if (!props_known(name)) {
		snprintf(msg, msglen, "%s: not a settable property", name);
		return HR_NOT_FOUND;
	}
	if (len >= sizeof(text) || memchr(value, 0, len) != NULL) {
		snprintf(msg, msglen, "%s: the value is text of at most %d bytes", name,
			 PROPS_VALUE_MAX - 1);
		return HR_E_INVALIDARG;
	}
	memcpy(text, value, len);
	text[len] = 0;
	pthread_mutex_lock(&setprop_mu);
	if (props_try(a->props, name, text, msg, msglen) != 0) {
		pthread_mutex_unlock(&setprop_mu);
		return HR_E_INVALIDARG;
	}
	props_get(a->props, name, old, sizeof(old));
	snprintf(detail, sizeof(detail), "old '%s', new '%s'", old, text);
	record_event_init(&ev, EV_PROPERTY_CHANGED, ACTOR_OPERATOR, op);
	ev.u.property.name = name;
	ev.u.property.value.p = value;
	ev.u.property.value.len = len;
	record_event_init(&act, EV_OPERATOR_ACTION, ACTOR_OPERATOR, op);
	act.u.op.action = "setprop";
	act.u.op.target = name;
	act.u.op.allowed = 1;
	act.u.op.detail = detail;
	if ((rc = record_append_group(a->sub->rec, evs, 2, &refused, msg, msglen)) != 0) {
		pthread_mutex_unlock(&setprop_mu);
		return record_hr(rc, refused, HR_E_INVALIDARG);
	}
	/* The trial above passed under the same lock: this cannot fail unless the two
	 * disagree. */
	if (props_set(a->props, name, text, msg, msglen) != 0)
		fatalx("property %s recorded but not applied: %s", name, msg);
	pthread_mutex_unlock(&setprop_mu);
	log_info("%s set %s: %s", op, name, detail);
	if (policy_setting_find(name) >= 0)
		props_log_policy(a->props);
	if (policy_setting_iface(name) && strcmp(old, text) != 0 &&
	    submit_restart_worker(a->sub))
		log_info("%s changed: the worker's channel is ended, so that cad starts a worker "
			 "with the new setting", name);
	snprintf(msg, msglen, "%s = %s", name, text);
	return 0;
}

/* ---- dispatch ---- */

/* KEYTAB: caadm is about to install or remove ca-auth's keytab (it does so as
 * root, on the file; the custodian only journals). The record is the change
 * itself: keytab-installed or keytab-removed, the principal as target, the
 * kvnos, enctypes and SHA-256 caadm computed, and the uid of the process that
 * sent it, which the custodian sees itself (SO_PEERCRED). */
static uint32_t note_keytab(struct service *s, struct admin *a, const char *op,
			    const struct adm_keytab *k, char *target, size_t target_len,
			    char *msg, size_t msglen)
{
	char sha[2 * ADM_KEYTAB_SHA256_LEN + 1] = "-", detail[LEDGER_TEXT_MAX], err[256];
	const char *action = k->change == ADM_KEYTAB_INSTALLED ? "keytab-installed"
							       : "keytab-removed";

	if (k->sha256_len == ADM_KEYTAB_SHA256_LEN)
		hex_encode(k->sha256, k->sha256_len, sha);
	snprintf(target, target_len, "%s", k->principal);
	snprintf(detail, sizeof(detail), "kvno %s; %s; sha256 %s; peer uid %ld",
		 k->kvnos[0] ? k->kvnos : "-", k->enctypes[0] ? k->enctypes : "-", sha,
		 peer_uid(s));
	if (admin_journal(a, op, action, target, 1, detail, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "not journaled, so not made: %s", err);
		return HR_E_UNEXPECTED;
	}
	snprintf(msg, msglen, "journaled: %s %s", action, target);
	return 0;
}

static int find_grant(uint32_t type)
{
	for (size_t i = 0; i < sizeof(grants) / sizeof(grants[0]); i++)
		if (grants[i].type == type)
			return (int)i;
	return -1;
}

/* Runs one verb, decoded into req, for a checked session. Answers itself when it
 * returns 0 with *answered set; otherwise the caller answers ADM_OK (msg) or
 * ADM_ERROR. Every message of admin_proto.h is named (-Wswitch-enum): LOGIN is
 * the caller's, answers never get here (the whitelist and the decoder refuse
 * them), and would end the connection if they did. */
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch-enum"
static uint32_t run_verb(struct service *s, struct admin *a, const struct ipc_msg *m,
			 const struct adm_session *who, union adm_request *req, char *target,
			 size_t target_len, int *answered, char *msg, size_t msglen)
{
	char none[1] = "";
	uint32_t hr, type = m->hdr.type;
	struct ipc_wbuf w;

	*answered = 0;
	switch ((enum adm_msg)type) {
	case ADM_OP_ADD:
		return op_change(a, type, who, req->op_add.name, req->op_add.roles,
				 req->op_add.pass, sizeof(req->op_add.pass), target, target_len,
				 msg, msglen);
	case ADM_OP_DEL:
		return op_change(a, type, who, req->op_del.name, 0, none, sizeof(none), target,
				 target_len, msg, msglen);
	case ADM_OP_PASSWD:
		return op_change(a, type, who, req->op_passwd.name, 0, req->op_passwd.pass,
				 sizeof(req->op_passwd.pass), target, target_len, msg, msglen);
	case ADM_OP_LIST:
		op_list(a, msg, msglen);
		return 0;
	case ADM_OP_ROLES:
		return op_roles(a, who, req->op_roles.name, req->op_roles.roles, target, target_len,
				msg, msglen);
	case ADM_VIEW:
		*answered = 1;
		return relay_view(s, a, m->hdr.id, &req->view.q, msg, msglen);
	case ADM_AUDIT:
		*answered = 1;
		return relay_audit(s, a, m->hdr.id, &req->audit, msg, msglen);
	case ADM_VERIFY:
		return do_verify(a, msg, msglen);
	case ADM_DETAIL:
	case ADM_RESUBMIT:
	case ADM_DENY:
		snprintf(target, target_len, "request %u", req->id.request_id);
		ipc_wbuf_init(&w);
		hr = type == ADM_DETAIL
			     ? officer_detail(a, req->id.request_id, &w, msg, msglen)
		     : type == ADM_RESUBMIT
			     ? officer_resubmit(a, who->name, req->id.request_id, &w, msg, msglen)
			     : officer_deny(a, who->name, req->id.request_id, &w, msg, msglen);
		if (hr != 0) {
			ipc_wbuf_free(&w);
			return hr;
		}
		*answered = 1;
		service_reply(s, type == ADM_DETAIL ? ADM_DETAIL_IS : ADM_RESULT, m->hdr.id, &w);
		return 0;
	case ADM_SETEXT:
		snprintf(target, target_len, "request %u", req->setext.request_id);
		return officer_setext(a, who->name, req->setext.request_id, req->setext.oid,
				      req->setext.flags, req->setext.value, req->setext.value_len,
				      msg, msglen);
	case ADM_REVOKE:
	case ADM_UNREVOKE:
		/* serial_len <= LEDGER_SERIAL_MAX: its hex fits the target */
		hex_encode(req->revoke.serial, req->revoke.serial_len, target);
		return type == ADM_REVOKE
			       ? officer_revoke(a, who->name, req->revoke.serial,
						req->revoke.serial_len, req->revoke.reason,
						req->revoke.when, req->revoke.invalidity, msg, msglen)
			       : officer_unrevoke(a, who->name, req->revoke.serial,
						  req->revoke.serial_len, msg, msglen);
	case ADM_CRL:
		snprintf(target, target_len, "%s CRL", req->crl.delta ? "delta" : "base");
		return crl_publish(a, ACTOR_OPERATOR, who->name, (int)req->crl.delta, msg, msglen);
	case ADM_GETPROP:
		snprintf(target, target_len, "%s", req->getprop.name);
		/* One at a time, answer included: BaseCRL may be a 128 MiB CRL, held
		 * two or three times over while it is read and sent; four consoles
		 * asking at once would hold a gigabyte. */
		pthread_mutex_lock(&getprop_mu);
		ipc_wbuf_init(&w);
		if ((hr = get_prop(a, req->getprop.name, &w, msg, msglen)) != 0) {
			pthread_mutex_unlock(&getprop_mu);
			ipc_wbuf_free(&w);
			return hr;
		}
		*answered = 1;
		service_reply(s, ADM_PROP, m->hdr.id, &w);
		pthread_mutex_unlock(&getprop_mu);
		return 0;
	case ADM_SETPROP:
		snprintf(target, target_len, "%s", req->setprop.name);
		return set_prop(a, who->name, req->setprop.name, req->setprop.value,
				req->setprop.value_len, msg, msglen);
	case ADM_LOGOUT:
		snprintf(msg, msglen, "logged out");
		return 0;
	case ADM_KEYTAB:
		return note_keytab(s, a, who->name, &req->keytab, target, target_len, msg, msglen);
	case ADM_LOGIN:
	case ADM_SESSION:
	case ADM_ROWS:
	case ADM_DETAIL_IS:
	case ADM_RESULT:
	case ADM_PROP:
	case ADM_TMPL_LIST:
	case ADM_TMPL_SHOW:
	case ADM_TMPL_ADD:
	case ADM_TMPL_SET:
	case ADM_TMPL_DEL:
		return admin_template(s, a, m, who->name, req, target, target_len, answered, msg,
				      msglen);
	case ADM_EVENTS:
	case ADM_TMPL_LIST_IS:
	case ADM_TMPL_TEXT:
	case ADM_OK:
	case ADM_ERROR:
	default:
		break;
	}
	*answered = 1;
	service_violation(s, "console message type %#x has no verb", type);
	return 0;
}
#pragma GCC diagnostic pop

/* Verbs whose success the state events they append already journal. */
static int journaled_by_state(uint32_t type)
{
	return type == ADM_SETEXT || type == ADM_DENY || type == ADM_REVOKE ||
	       type == ADM_UNREVOKE || type == ADM_CRL || type == ADM_SETPROP ||
	       type == ADM_TMPL_ADD || type == ADM_TMPL_SET || type == ADM_TMPL_DEL ||
	       type == ADM_KEYTAB;
}

/* Operator changes: journaled once, before they take effect (journal_change) or
 * as a refusal, not as a read beforehand. */
static int is_operator_change(uint32_t type)
{
	return type == ADM_OP_ADD || type == ADM_OP_DEL || type == ADM_OP_PASSWD ||
	       type == ADM_OP_ROLES;
}

/* What a session may do before its operator has put things right: after a reset,
 * change its own passphrase (or log out); holding a legacy admin,officer pair,
 * manage operators (split itself or be split). 0 when the verb may go on to the
 * role check, or -1 with why. */
static int session_restricted(const struct adm_session *who, uint32_t type,
			      const union adm_request *req, char *msg, size_t msglen)
{
	char roles[64];

	if (type == ADM_LOGOUT)
		return 0;
	if (who->flags & OPERATOR_MUST_CHANGE) {
		if (type == ADM_OP_PASSWD && strcmp(req->op_passwd.name, who->name) == 0)
			return 0;
		snprintf(msg, msglen, "the passphrase of %s was reset by an administrator: "
				      "change it first (caadm operator passwd %s)", who->name,
			 who->name);
		return -1;
	}
	if (who->flags & OPERATOR_SPLIT_NEEDED) {
		if (type == ADM_OP_ADD || type == ADM_OP_DEL || type == ADM_OP_LIST ||
		    type == ADM_OP_ROLES || type == ADM_OP_PASSWD)
			return 0;
		operator_roles_format(who->roles, roles, sizeof(roles));
		snprintf(msg, msglen, "operator %s holds %s, which may no longer be held "
				      "together: an administrator must give it one role first "
				      "(caadm operator roles %s --role admin|officer)", who->name,
			 roles, who->name);
		return -1;
	}
	return 0;
}

/* One checked frame from a console: decoded whole first (a payload that does not
 * decode is a violation: the connection ends and it is journaled), then the
 * session, the operator's roles for the verb, the journal, the verb. */
static void handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	struct admin *a = ctx;
	struct adm_session who;
	long uid;
	union adm_request *req = malloc(sizeof(*req));
	char msg[4096] = "", target[LEDGER_NAME_MAX + 1] = "", err[256], roles[64];
	int g = find_grant(m->hdr.type), answered = 0;
	uint32_t hr;

	if (req == NULL)
		fatalx("out of memory");
	if (adm_request_decode(m->hdr.type, m->data, m->hdr.len, req) != 0) {
		service_violation(s, "malformed console message type %#x (%u bytes)",
				  m->hdr.type, m->hdr.len);
		free(req);
		return;
	}
	if (m->hdr.type == ADM_LOGIN) {
		handle_login(s, a, m, &req->login);
		goto out;
	}
	if (g < 0 || session_find(a, req->bare.token, &who) != 0) {
		if (admin_journal(a, "(no session)", g >= 0 ? grants[g].action : "unknown", "", 0,
				  "no valid session", err, sizeof(err)) != 0)
			log_warnx("console: refusal not journaled: %s", err);
		reply_error(s, m->hdr.id, HR_E_ACCESSDENIED, "not logged in, or the session "
							    "expired: caadm login NAME");
		goto out;
	}
	/* A token is good only from the user that logged in: one read from another's
	 * session file (or memory) is refused, and the attempt journaled. */
	if ((uid = peer_uid(s)) < 0 || who.uid != uid) {
		snprintf(msg, sizeof(msg), "the session of %s was opened by uid %ld, not by "
					   "uid %ld", who.name, who.uid, uid);
		if (admin_journal(a, who.name, grants[g].action, "", 0, msg, err, sizeof(err)) != 0)
			log_warnx("console: refusal not journaled: %s", err);
		reply_error(s, m->hdr.id, HR_E_ACCESSDENIED, msg);
		goto out;
	}
	if (session_restricted(&who, m->hdr.type, req, msg, sizeof(msg)) != 0) {
		if (admin_journal(a, who.name, grants[g].action, "", 0, msg, err, sizeof(err)) != 0)
			log_warnx("console: refusal not journaled: %s", err);
		reply_error(s, m->hdr.id, HR_E_ACCESSDENIED, msg);
		goto out;
	}
	if (!(who.roles & grants[g].roles)) {
		operator_roles_format(who.roles, roles, sizeof(roles));
		snprintf(msg, sizeof(msg), "operator %s (%s) may not %s", who.name, roles,
			 grants[g].action);
		if (admin_journal(a, who.name, grants[g].action, "", 0, msg, err, sizeof(err)) != 0)
			log_warnx("console: refusal not journaled: %s", err);
		reply_error(s, m->hdr.id, HR_E_ACCESSDENIED, msg);
		goto out;
	}
	/* Reads are journaled before they are answered: no record, no answer. An audit
	 * is journaled once, at its first page (each page's own record would otherwise
	 * be the next page). */
	if (!journaled_by_state(m->hdr.type) && m->hdr.type != ADM_RESUBMIT &&
	    !(m->hdr.type == ADM_AUDIT && req->audit.first > 1) &&
	    !is_operator_change(m->hdr.type) &&
	    admin_journal(a, who.name, grants[g].action, "", 1, "", err, sizeof(err)) != 0) {
		reply_error(s, m->hdr.id, HR_E_UNEXPECTED, err);
		goto out;
	}
	if (m->hdr.type == ADM_RESUBMIT) {
		/* Who approved is journaled before the certificate is issued. */
		snprintf(target, sizeof(target), "request %u", req->id.request_id);
		if (admin_journal(a, who.name, "resubmit", target, 1, "approved", err,
				  sizeof(err)) != 0) {
			reply_error(s, m->hdr.id, HR_E_UNEXPECTED, err);
			goto out;
		}
	}
	hr = run_verb(s, a, m, &who, req, target, sizeof(target), &answered, msg, sizeof(msg));
	if (m->hdr.type == ADM_LOGOUT && hr == 0)
		session_end(a, req->bare.token);
	/* Refusals of every verb are journaled with their reason (an operator change
	 * that was made journaled itself before it took effect: journal_change). */
	if (hr != 0 && admin_journal(a, who.name, grants[g].action, target, 0, msg, err,
				     sizeof(err)) != 0)
		log_warnx("console: action not journaled: %s", err);
	if (hr != 0)
		reply_error(s, m->hdr.id, hr, msg);
	else if (!answered)
		reply_ok(s, m->hdr.id, msg);
out:
	explicit_bzero(req, sizeof(*req));
	free(req);
}

/* A console broke the protocol: journaled as the CA's own refusal, with the
 * reason only (the whitelist's and the decoders' messages name types and
 * lengths, never payload bytes: a passphrase never reaches the journal). */
static void journal_violation(struct service *s, const char *why, void *ctx)
{
	struct admin *a = ctx;
	struct ledger_event ev;
	char err[256];
	int refused;

	record_event_init(&ev, EV_OPERATOR_ACTION, ACTOR_CA, "ca");
	ev.u.op.action = "channel-violation";
	ev.u.op.target = s->chan.peer;
	ev.u.op.allowed = 0;
	ev.u.op.detail = why;
	if (record_append(a->sub->rec, &ev, &refused, err, sizeof(err)) != 0)
		log_warnx("the %s's violation was not journaled: %s", s->chan.peer, err);
}

/* ---- connections ---- */

struct conn {
	struct admin *a;
	int fd;
};

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct admin *a = c->a;

	const struct ipc_rule *rules;
	size_t n_rules;

	rules = adm_rules(&n_rules);
	service_run_hooked(c->fd, "console", ADM_REQUEST_MAX, rules, n_rules, 1, handle, NULL, a,
			   SERVICE_LARGE_REPLIES, journal_violation);
	pthread_mutex_lock(&a->mu);
	/* Forgotten before it is closed: admin_stop never shuts a reused number. */
	for (int i = 0; i < ADM_CONNECTIONS; i++)
		if (a->conn_fd[i] == c->fd)
			a->conn_fd[i] = -1;
	close(c->fd);
	if (--a->connections == 0)
		pthread_cond_broadcast(&a->idle);
	pthread_mutex_unlock(&a->mu);
	free(c);
	return NULL;
}

/* The operators' group (admin_allow_group), or -1: none. Set before the accept
 * thread starts, read only after. */
static long operators_gid = -1;

void admin_allow_group(gid_t gid)
{
	operators_gid = (long)gid;
}

/* Whether the peer is in the operators' group: its primary group, or one of its
 * supplementary groups as they were when it connected (SO_PEERGROUPS). */
static int peer_in_group(int fd, gid_t primary)
{
	gid_t groups[256];
	socklen_t len = sizeof(groups);

	if (operators_gid < 0)
		return 0;
	if ((long)primary == operators_gid)
		return 1;
	/* More groups than fit (ERANGE) is refused: the group is not searched. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
		return 0;
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if ((long)groups[i] == operators_gid)
			return 1;
	return 0;
}

/* Who may talk to the custodian: root, our own uid, or a member of the
 * operators' group. The socket's group and mode (cad) already say so; this is
 * the same check made again, by the process that holds the keys. */
static int peer_allowed(int fd, long *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	*uid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return 0;
	*uid = (long)cred.uid;
	/* geteuid: the sandbox allows it, not getuid (a non-root peer reached the
	 * call and the filter killed the custodian) */
	return cred.uid == 0 || cred.uid == geteuid() || peer_in_group(fd, cred.gid);
}

static void *accept_main(void *arg)
{
	struct admin *a = arg;

	while (!a->stopping) {
		int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;
		pthread_t t;
		long uid = -1;
		int full, allowed;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (!a->stopping)
				log_warn("console: accept");
			break;
		}
		pthread_mutex_lock(&a->mu);
		full = a->connections >= ADM_CONNECTIONS;
		if (!full) {
			a->connections++;
			for (int i = 0; i < ADM_CONNECTIONS; i++)
				if (a->conn_fd[i] < 0) {
					a->conn_fd[i] = fd;
					break;
				}
		}
		pthread_mutex_unlock(&a->mu);
		/* The peer's uid read first: the refusal names it when full too. */
		allowed = peer_allowed(fd, &uid);
		if (full || !allowed) {
			log_warnx("console: connection refused (%s %ld)",
				  full ? "too many connections; uid" : "peer not allowed: uid",
				  uid);
			if (!full) {
				pthread_mutex_lock(&a->mu);
				for (int i = 0; i < ADM_CONNECTIONS; i++)
					if (a->conn_fd[i] == fd)
						a->conn_fd[i] = -1;
				a->connections--;
				pthread_mutex_unlock(&a->mu);
			}
			close(fd);
			continue;
		}
		if ((c = malloc(sizeof(*c))) == NULL)
			fatalx("out of memory");
		c->a = a;
		c->fd = fd;
		if (pthread_create(&t, NULL, conn_main, c) != 0)
			fatalx("cannot start a console thread");
		pthread_detach(t);
	}
	return NULL;
}

int admin_start(struct admin *a, struct ca *ca, struct submit_ctx *sub, struct props *props,
		const struct x509_buf *chain, int listen_fd, int crl_auto, char *err,
		size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->ca = ca;
	a->sub = sub;
	a->props = props;
	a->chain = chain;
	a->templates = sub->templates;
	a->listen_fd = listen_fd;
	a->crl_auto = crl_auto;
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->crl_mu, NULL);
	pthread_cond_init(&a->idle, NULL);
	for (int i = 0; i < ADM_CONNECTIONS; i++)
		a->conn_fd[i] = -1;
	if (operator_db_load(ca->dir, &a->ops, err, errlen) != 0)
		return -1;
	/* The migration (operator.h): named at every start until they are split. */
	for (size_t i = 0; i < a->ops.n; i++)
		if (a->ops.e[i].flags & OPERATOR_SPLIT_NEEDED)
			log_warnx("operator %s holds admin,officer, which may no longer be held "
				  "together: it may only manage operators until an administrator "
				  "gives it one role (caadm operator roles %s --role admin|officer)",
				  a->ops.e[i].name, a->ops.e[i].name);
	if (a->ops.n == 0 && listen_fd >= 0)
		log_warnx("no operators in %s/%s: the console is locked (caadm init creates the "
			  "first administrator)", ca->dir, OPERATOR_FILE);
	if (listen_fd >= 0 && pthread_create(&a->accept_thread, NULL, accept_main, a) != 0) {
		snprintf(err, errlen, "cannot start the console thread");
		return -1;
	}
	if (crl_auto) {
		if (pthread_create(&a->crl_thread, NULL, crl_auto_main, a) != 0) {
			snprintf(err, errlen, "cannot start the CRL thread");
			return -1;
		}
		a->have_crl_thread = 1;
	}
	return 0;
}

void admin_stop(struct admin *a)
{
	a->stopping = 1;
	if (a->listen_fd >= 0) {
		shutdown(a->listen_fd, SHUT_RDWR);
		pthread_join(a->accept_thread, NULL);
	}
	/* The console's threads are detached: each open connection is shut (its
	 * thread finishes the request it is in, then sees the end), and the state
	 * they use is kept until the last has left. */
	pthread_mutex_lock(&a->mu);
	for (int i = 0; i < ADM_CONNECTIONS; i++)
		if (a->conn_fd[i] >= 0)
			shutdown(a->conn_fd[i], SHUT_RDWR);
	while (a->connections > 0)
		pthread_cond_wait(&a->idle, &a->mu);
	pthread_mutex_unlock(&a->mu);
	if (a->have_crl_thread)
		pthread_join(a->crl_thread, NULL); /* it looks at stopping every second */
	explicit_bzero(&a->ops, sizeof(a->ops));
	explicit_bzero(a->sessions, sizeof(a->sessions));
}
