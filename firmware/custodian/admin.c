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

enum { ST_READY = 0 };

#define TOK (4 + ADM_TOKEN_LEN)
#define STR(n) (4 + (n))

/* What the console may send: bounds on each payload (exact layouts are checked by
 * the handlers, which answer ADM_ERROR rather than end the connection). */
static const struct ipc_rule rules[] = {
	{ADM_LOGIN, 1u << ST_READY, 8, STR(OPERATOR_NAME_MAX) + STR(OPERATOR_PASS_MAX), 0},
	{ADM_LOGOUT, 1u << ST_READY, TOK, TOK, 0},
	{ADM_OP_ADD, 1u << ST_READY, TOK + 12,
	 TOK + STR(OPERATOR_NAME_MAX) + 4 + STR(OPERATOR_PASS_MAX), 0},
	{ADM_OP_DEL, 1u << ST_READY, TOK + 4, TOK + STR(OPERATOR_NAME_MAX), 0},
	{ADM_OP_PASSWD, 1u << ST_READY, TOK + 8,
	 TOK + STR(OPERATOR_NAME_MAX) + STR(OPERATOR_PASS_MAX), 0},
	{ADM_OP_LIST, 1u << ST_READY, TOK, TOK, 0},
	{ADM_VIEW, 1u << ST_READY, TOK + 16, ADM_REQUEST_MAX, 0},
	{ADM_DETAIL, 1u << ST_READY, TOK + 4, TOK + 4, 0},
	{ADM_SETEXT, 1u << ST_READY, TOK + 16, ADM_REQUEST_MAX, 0},
	{ADM_RESUBMIT, 1u << ST_READY, TOK + 4, TOK + 4, 0},
	{ADM_DENY, 1u << ST_READY, TOK + 4, TOK + 4, 0},
	{ADM_REVOKE, 1u << ST_READY, TOK + 25, TOK + STR(LEDGER_SERIAL_MAX) + 20, 0},
	{ADM_UNREVOKE, 1u << ST_READY, TOK + 5, TOK + STR(LEDGER_SERIAL_MAX), 0},
	{ADM_CRL, 1u << ST_READY, TOK + 4, TOK + 4, 0},
	{ADM_GETPROP, 1u << ST_READY, TOK + 5, TOK + STR(LEDGER_NAME_MAX), 0},
	{ADM_SETPROP, 1u << ST_READY, TOK + 9, TOK + STR(LEDGER_NAME_MAX) + STR(ADM_PROP_MAX),
	 0},
	{ADM_AUDIT, 1u << ST_READY, TOK + 12, TOK + 12, 0},
	{ADM_VERIFY, 1u << ST_READY, TOK, TOK, 0},
};

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
	service_reply_error(s, ADM_ERROR, id, hr, msg);
}

static void reply_ok(struct service *s, uint32_t id, const char *msg)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	ipc_put_str(&w, msg);
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

static int session_new(struct admin *a, const char *name, uint32_t roles,
		       struct adm_session *out)
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

static void handle_login(struct service *s, struct admin *a, const struct ipc_msg *m)
{
	char name[OPERATOR_NAME_MAX + 1], pass[OPERATOR_PASS_MAX + 1], err[256];
	struct adm_session sess;
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	struct operator_db *snapshot;
	uint32_t roles = 0;
	int ok;

	ipc_rbuf_init(&r, m);
	ipc_get_str(&r, name, sizeof(name));
	ipc_get_str(&r, pass, sizeof(pass));
	if (ipc_rbuf_done(&r) != 0 || !operator_name_ok(name)) {
		explicit_bzero(pass, sizeof(pass));
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
	ok = operator_check(snapshot, name, pass, &roles);
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(snapshot, sizeof(*snapshot));
	free(snapshot);
	if (admin_journal(a, name, "login", name, ok, ok ? "" : "wrong passphrase or no such "
					"operator", err, sizeof(err)) != 0) {
		reply_error(s, m->hdr.id, HR_E_UNEXPECTED, err);
		return;
	}
	if (!ok) {
		log_warnx("console: login refused for %s", name);
		reply_error(s, m->hdr.id, HR_LOGON_FAILURE, "login refused: wrong passphrase or "
							   "no such operator");
		return;
	}
	if (session_new(a, name, roles, &sess) != 0) {
		reply_error(s, m->hdr.id, HR_E_UNEXPECTED, "too many open sessions");
		return;
	}
	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, sess.token, ADM_TOKEN_LEN);
	ipc_put_u32(&w, sess.roles);
	ipc_put_u64(&w, (uint64_t)sess.expires);
	explicit_bzero(&sess, sizeof(sess));
	service_reply(s, ADM_SESSION, m->hdr.id, &w);
}

/* ---- operators ---- */

static uint32_t op_change(struct admin *a, uint32_t type, const struct adm_session *who,
			  struct ipc_rbuf *r, char *target, size_t target_len, char *msg,
			  size_t msglen)
{
	char name[OPERATOR_NAME_MAX + 1], pass[OPERATOR_PASS_MAX + 1] = "";
	uint32_t roles = 0, hr = 0;
	struct operator_db *next;

	ipc_get_str(r, name, sizeof(name));
	if (type == ADM_OP_ADD)
		roles = ipc_get_u32(r);
	if (type != ADM_OP_DEL)
		ipc_get_str(r, pass, sizeof(pass));
	snprintf(target, target_len, "%s", name);
	if (ipc_rbuf_done(r) != 0) {
		explicit_bzero(pass, sizeof(pass));
		snprintf(msg, msglen, "malformed request");
		return HR_E_INVALIDARG;
	}
	if (type == ADM_OP_PASSWD && strcmp(name, who->name) != 0 && !(who->roles & ROLE_ADMIN)) {
		explicit_bzero(pass, sizeof(pass));
		snprintf(msg, msglen, "only an administrator changes another operator's "
				      "passphrase");
		return HR_E_ACCESSDENIED;
	}
	if ((next = malloc(sizeof(*next))) == NULL)
		fatalx("out of memory");
	pthread_mutex_lock(&a->mu);
	*next = a->ops;
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
	}
	if (hr == 0 && operator_db_save(a->ca->dir, next, msg, msglen) != 0)
		hr = HR_E_UNEXPECTED;
	if (hr == 0) {
		a->ops = *next;
		if (type != ADM_OP_ADD)
			sessions_drop(a, name);
		snprintf(msg, msglen, "operator %s %s", name,
			 type == ADM_OP_ADD ? "added" : type == ADM_OP_DEL ? "deleted"
									   : "passphrase changed");
	}
	pthread_mutex_unlock(&a->mu);
	explicit_bzero(next, sizeof(*next));
	free(next);
	explicit_bzero(pass, sizeof(pass));
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
		n = snprintf(out + used, outlen - used, "%s %s\n", a->ops.e[i].name, roles);
		if (n > 0)
			used += (size_t)n;
	}
	pthread_mutex_unlock(&a->mu);
}

/* ---- relays to the ledger ---- */

/* Forwards the rest of r to the ledger as type and relays the answer of type
 * expect as the console's reply type. */
static uint32_t relay(struct service *s, struct admin *a, uint32_t id, struct ipc_rbuf *r,
		      uint32_t type, uint32_t expect, uint32_t reply_type, char *msg,
		      size_t msglen)
{
	struct ipc_wbuf w, out;
	struct ipc_msg m;
	int rc;

	ipc_wbuf_init(&w);
	ipc_put_raw(&w, r->p, r->left);
	rc = record_call(a->sub->rec, type, &w, expect, &m, msg, msglen);
	if (rc != 0)
		return rc == 1 ? HR_NOT_FOUND : HR_E_UNEXPECTED;
	ipc_wbuf_init(&out);
	ipc_put_raw(&out, m.data, m.hdr.len);
	ipc_msg_free(&m);
	service_reply(s, reply_type, id, &out);
	return 0;
}

/* A view query (ledger view.h) that decodes exactly; r is not consumed. */
static int view_query_ok(const struct ipc_rbuf *r)
{
	struct view_query *q = calloc(1, sizeof(*q));
	struct ipc_rbuf peek = *r;
	int ok;

	if (q == NULL)
		return 0;
	ok = view_query_decode(&peek, q) == 0 && ipc_rbuf_done(&peek) == 0;
	free(q);
	return ok;
}

/* LEDGER_GET_EVENTS' query: u64 first sequence number, u32 how many; r is not
 * consumed. */
static int events_query_ok(const struct ipc_rbuf *r)
{
	struct ipc_rbuf peek = *r;

	(void)ipc_get_u64(&peek);
	(void)ipc_get_u32(&peek);
	return ipc_rbuf_done(&peek) == 0;
}

static uint32_t do_verify(struct admin *a, char *msg, size_t msglen)
{
	struct ipc_wbuf w;
	struct ipc_msg m;
	struct ipc_rbuf r;
	char text[512];
	uint32_t ok;
	uint64_t n;

	ipc_wbuf_init(&w);
	if (record_call(a->sub->rec, LEDGER_VERIFY, &w, LEDGER_VERIFIED, &m, msg, msglen) != 0)
		return HR_E_UNEXPECTED;
	ipc_rbuf_init(&r, &m);
	ok = ipc_get_u32(&r);
	n = ipc_get_u64(&r);
	ipc_get_str(&r, text, sizeof(text));
	if (ipc_rbuf_done(&r) != 0)
		snprintf(text, sizeof(text), "malformed answer from the ledger");
	ipc_msg_free(&m);
	snprintf(msg, msglen, "%s: %llu events: %s", ok ? "verified" : "FAILED",
		 (unsigned long long)n, text);
	return ok ? 0 : HR_INVALID_STATE;
}

/* ---- properties ---- */

static pthread_mutex_t getprop_mu = PTHREAD_MUTEX_INITIALIZER;

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
		ipc_put_bytes(w, a->ca->cert.der.data, a->ca->cert.der.len);
		return 0;
	}
	if (strcmp(name, "CAChain") == 0) {
		ipc_put_bytes(w, a->chain->data, a->chain->len);
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
				ipc_put_bytes(w, ev.u.crl.crl.p, ev.u.crl.crl.len);
			else
				rc = -1;
			free(strbuf);
			free(v);
		}
		if (rc == 1)
			snprintf(msg, msglen, "no %s CRL published yet", base ? "base" : "delta");
		return rc == 0 ? 0 : rc == 1 ? HR_NOT_FOUND : HR_E_UNEXPECTED;
	}
	if (props_get(a->props, name, value, sizeof(value)) != 0) {
		snprintf(msg, msglen, "%s: no such property (CACert, CAChain, BaseCRL, DeltaCRL, "
				      "CDPURL, AIAURL, OCSPURL, DeltaCRLURL, CRLPeriod, CRLOverlap, "
				      "CRLDeltaPeriod, CRLPublishBase, CRLPublishDelta)", name);
		return HR_NOT_FOUND;
	}
	ipc_put_bytes(w, value, strlen(value));
	return 0;
}

static uint32_t set_prop(struct admin *a, const char *op, const char *name,
			 const uint8_t *value, size_t len, char *msg, size_t msglen)
{
	char text[PROPS_VALUE_MAX];
	struct props trial;
	struct ledger_event ev;
	int refused;

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
	/* Checked on a copy first: nothing is recorded that would not apply. */
	props_crl(a->props, &trial.crl);
	props_urls(a->props, &trial.urls);
	pthread_mutex_init(&trial.mu, NULL);
	if (props_set(&trial, name, text, msg, msglen) != 0) {
		pthread_mutex_destroy(&trial.mu);
		return HR_E_INVALIDARG;
	}
	pthread_mutex_destroy(&trial.mu);
	record_event_init(&ev, EV_PROPERTY_CHANGED, ACTOR_OPERATOR, op);
	ev.u.property.name = name;
	ev.u.property.value.p = value;
	ev.u.property.value.len = len;
	if (record_append(a->sub->rec, &ev, &refused, msg, msglen) != 0)
		return refused ? HR_E_INVALIDARG : HR_E_UNEXPECTED;
	/* The trial above passed: this cannot fail unless the two disagree. */
	if (props_set(a->props, name, text, msg, msglen) != 0)
		fatalx("property %s recorded but not applied: %s", name, msg);
	snprintf(msg, msglen, "%s = %s", name, text);
	return 0;
}

/* ---- dispatch ---- */

static int find_grant(uint32_t type)
{
	for (size_t i = 0; i < sizeof(grants) / sizeof(grants[0]); i++)
		if (grants[i].type == type)
			return (int)i;
	return -1;
}

/* Runs one verb for a checked session. Answers itself when it returns 0 with
 * *answered set; otherwise the caller answers ADM_OK (msg) or ADM_ERROR. */
static uint32_t run_verb(struct service *s, struct admin *a, const struct ipc_msg *m,
			 const struct adm_session *who, struct ipc_rbuf *r, char *target,
			 size_t target_len, int *answered, char *msg, size_t msglen)
{
	char name[LEDGER_NAME_MAX + 1], oid[LEDGER_OID_MAX + 1];
	const uint8_t *p;
	size_t len;
	uint32_t id, flags, reason, hr;
	int64_t when, inval;
	struct ipc_wbuf w;
	uint32_t type = m->hdr.type;

	*answered = 0;
	switch (type) {
	case ADM_OP_ADD:
	case ADM_OP_DEL:
	case ADM_OP_PASSWD:
		return op_change(a, type, who, r, target, target_len, msg, msglen);
	case ADM_OP_LIST:
		if (ipc_rbuf_done(r) != 0)
			break;
		op_list(a, msg, msglen);
		return 0;
	case ADM_VIEW:
		/* Decoded here first with the ledger's own decoder: the custodian
		 * relays only what the ledger accepts, so a console's bad query is
		 * refused to that console and never reaches the ledger's channel. */
		if (!view_query_ok(r))
			break;
		*answered = 1;
		return relay(s, a, m->hdr.id, r, LEDGER_VIEW, LEDGER_ROWS, ADM_ROWS, msg, msglen);
	case ADM_AUDIT:
		if (!events_query_ok(r))
			break;
		*answered = 1;
		return relay(s, a, m->hdr.id, r, LEDGER_GET_EVENTS, LEDGER_EVENTS, ADM_EVENTS, msg,
			     msglen);
	case ADM_VERIFY:
		if (ipc_rbuf_done(r) != 0)
			break;
		return do_verify(a, msg, msglen);
	case ADM_DETAIL:
	case ADM_RESUBMIT:
	case ADM_DENY:
		id = ipc_get_u32(r);
		if (ipc_rbuf_done(r) != 0)
			break;
		snprintf(target, target_len, "request %u", id);
		ipc_wbuf_init(&w);
		hr = type == ADM_DETAIL	    ? officer_detail(a, id, &w, msg, msglen)
		     : type == ADM_RESUBMIT ? officer_resubmit(a, who->name, id, &w, msg, msglen)
					    : officer_deny(a, who->name, id, &w, msg, msglen);
		if (hr != 0) {
			ipc_wbuf_free(&w);
			return hr;
		}
		*answered = 1;
		service_reply(s, type == ADM_DETAIL ? ADM_DETAIL_IS : ADM_RESULT, m->hdr.id, &w);
		return 0;
	case ADM_SETEXT:
		id = ipc_get_u32(r);
		ipc_get_str(r, oid, sizeof(oid));
		flags = ipc_get_u32(r);
		ipc_get_bytes(r, &p, &len, LEDGER_TEXT_MAX);
		if (ipc_rbuf_done(r) != 0)
			break;
		snprintf(target, target_len, "request %u", id);
		return officer_setext(a, who->name, id, oid, flags, p, len, msg, msglen);
	case ADM_REVOKE:
	case ADM_UNREVOKE:
		ipc_get_bytes(r, &p, &len, LEDGER_SERIAL_MAX);
		reason = type == ADM_REVOKE ? ipc_get_u32(r) : 0;
		when = type == ADM_REVOKE ? (int64_t)ipc_get_u64(r) : 0;
		inval = type == ADM_REVOKE ? (int64_t)ipc_get_u64(r) : 0;
		if (ipc_rbuf_done(r) != 0 || len == 0)
			break;
		hex_encode(p, len, target); /* len <= 20: fits the target */
		return type == ADM_REVOKE
			       ? officer_revoke(a, who->name, p, len, reason, when, inval, msg, msglen)
			       : officer_unrevoke(a, who->name, p, len, msg, msglen);
	case ADM_CRL:
		flags = ipc_get_u32(r);
		if (ipc_rbuf_done(r) != 0 || flags > 1)
			break;
		snprintf(target, target_len, "%s CRL", flags ? "delta" : "base");
		return crl_publish(a, ACTOR_OPERATOR, who->name, (int)flags, msg, msglen);
	case ADM_GETPROP:
		ipc_get_str(r, name, sizeof(name));
		if (ipc_rbuf_done(r) != 0)
			break;
		snprintf(target, target_len, "%s", name);
		/* One at a time, answer included: BaseCRL may be a 128 MiB CRL, held
		 * two or three times over while it is read and sent; four consoles
		 * asking at once would hold a gigabyte. */
		pthread_mutex_lock(&getprop_mu);
		ipc_wbuf_init(&w);
		if ((hr = get_prop(a, name, &w, msg, msglen)) != 0) {
			pthread_mutex_unlock(&getprop_mu);
			ipc_wbuf_free(&w);
			return hr;
		}
		*answered = 1;
		service_reply(s, ADM_PROP, m->hdr.id, &w);
		pthread_mutex_unlock(&getprop_mu);
		return 0;
	case ADM_SETPROP:
		ipc_get_str(r, name, sizeof(name));
		ipc_get_bytes(r, &p, &len, ADM_PROP_MAX);
		if (ipc_rbuf_done(r) != 0)
			break;
		snprintf(target, target_len, "%s", name);
		return set_prop(a, who->name, name, p, len, msg, msglen);
	case ADM_LOGOUT:
		if (ipc_rbuf_done(r) != 0)
			break;
		snprintf(msg, msglen, "logged out");
		return 0;
	}
	snprintf(msg, msglen, "malformed request");
	return HR_E_INVALIDARG;
}

/* Verbs whose success the state events they append already journal. */
static int journaled_by_state(uint32_t type)
{
	return type == ADM_SETEXT || type == ADM_DENY || type == ADM_REVOKE ||
	       type == ADM_UNREVOKE || type == ADM_CRL || type == ADM_SETPROP;
}

static int audit_first_page(const struct ipc_rbuf *r)
{
	struct ipc_rbuf peek = *r;

	return ipc_get_u64(&peek) <= 1;
}

static void handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	struct admin *a = ctx;
	struct adm_session who;
	struct ipc_rbuf r;
	const uint8_t *token;
	size_t tl;
	char msg[4096] = "", target[LEDGER_NAME_MAX + 1] = "", err[256], roles[64];
	int g = find_grant(m->hdr.type), answered = 0;
	uint32_t hr;

	if (m->hdr.type == ADM_LOGIN) {
		handle_login(s, a, m);
		return;
	}
	ipc_rbuf_init(&r, m);
	ipc_get_bytes(&r, &token, &tl, ADM_TOKEN_LEN);
	if (r.failed || tl != ADM_TOKEN_LEN || g < 0 || session_find(a, token, &who) != 0) {
		if (admin_journal(a, "(no session)", g >= 0 ? grants[g].action : "unknown", "", 0,
				  "no valid session", err, sizeof(err)) != 0)
			log_warnx("console: refusal not journaled: %s", err);
		reply_error(s, m->hdr.id, HR_E_ACCESSDENIED, "not logged in, or the session "
							    "expired: caadm login NAME");
		return;
	}
	if (!(who.roles & grants[g].roles)) {
		operator_roles_format(who.roles, roles, sizeof(roles));
		snprintf(msg, sizeof(msg), "operator %s (%s) may not %s", who.name, roles,
			 grants[g].action);
		if (admin_journal(a, who.name, grants[g].action, "", 0, msg, err, sizeof(err)) != 0)
			log_warnx("console: refusal not journaled: %s", err);
		reply_error(s, m->hdr.id, HR_E_ACCESSDENIED, msg);
		return;
	}
	/* Reads are journaled before they are answered: no record, no answer. An audit
	 * is journaled once, at its first page (each page's own record would otherwise
	 * be the next page). */
	if (!journaled_by_state(m->hdr.type) && m->hdr.type != ADM_RESUBMIT &&
	    !(m->hdr.type == ADM_AUDIT && !audit_first_page(&r)) &&
	    m->hdr.type != ADM_OP_ADD && m->hdr.type != ADM_OP_DEL &&
	    m->hdr.type != ADM_OP_PASSWD &&
	    admin_journal(a, who.name, grants[g].action, "", 1, "", err, sizeof(err)) != 0) {
		reply_error(s, m->hdr.id, HR_E_UNEXPECTED, err);
		return;
	}
	if (m->hdr.type == ADM_RESUBMIT) {
		/* Who approved is journaled before the certificate is issued. */
		uint32_t id;
		struct ipc_rbuf peek = r;

		id = ipc_get_u32(&peek);
		snprintf(target, sizeof(target), "request %u", id);
		if (admin_journal(a, who.name, "resubmit", target, 1, "approved", err,
				  sizeof(err)) != 0) {
			reply_error(s, m->hdr.id, HR_E_UNEXPECTED, err);
			return;
		}
	}
	hr = run_verb(s, a, m, &who, &r, target, sizeof(target), &answered, msg, sizeof(msg));
	if (m->hdr.type == ADM_LOGOUT && hr == 0)
		session_end(a, token);
	/* Operator changes are journaled with their outcome; refusals of every verb too. */
	if ((hr != 0 || m->hdr.type == ADM_OP_ADD || m->hdr.type == ADM_OP_DEL ||
	     m->hdr.type == ADM_OP_PASSWD) &&
	    admin_journal(a, who.name, grants[g].action, target, hr == 0, msg, err,
			  sizeof(err)) != 0)
		log_warnx("console: action not journaled: %s", err);
	if (hr != 0)
		reply_error(s, m->hdr.id, hr, msg);
	else if (!answered)
		reply_ok(s, m->hdr.id, msg);
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

	service_run_flags(c->fd, "console", ADM_REQUEST_MAX, rules,
			  sizeof(rules) / sizeof(rules[0]), 1, handle, NULL, a,
			  SERVICE_LARGE_REPLIES);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&a->mu);
	a->connections--;
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* Only root (the console) or our own uid may talk to the custodian. */
static int peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return 0;
	return cred.uid == 0 || cred.uid == getuid();
}

static void *accept_main(void *arg)
{
	struct admin *a = arg;

	while (!a->stopping) {
		int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		struct conn *c;
		pthread_t t;
		int full;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (!a->stopping)
				log_warn("console: accept");
			break;
		}
		pthread_mutex_lock(&a->mu);
		full = a->connections >= ADM_CONNECTIONS;
		if (!full)
			a->connections++;
		pthread_mutex_unlock(&a->mu);
		if (full || !peer_allowed(fd)) {
			log_warnx("console: connection refused (%s)",
				  full ? "too many connections" : "peer uid not allowed");
			if (!full) {
				pthread_mutex_lock(&a->mu);
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
	a->listen_fd = listen_fd;
	a->crl_auto = crl_auto;
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->crl_mu, NULL);
	if (operator_db_load(ca->dir, &a->ops, err, errlen) != 0)
		return -1;
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
	if (a->have_crl_thread)
		pthread_join(a->crl_thread, NULL); /* it looks at stopping every second */
	explicit_bzero(&a->ops, sizeof(a->ops));
	explicit_bzero(a->sessions, sizeof(a->sessions));
}
