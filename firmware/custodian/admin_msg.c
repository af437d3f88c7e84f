/* The console channel's encode/decode pairs and whitelist; see admin_msg.h. The
 * layouts are admin_proto.h's; each pair is written once, here, for caadm and
 * the custodian. */
#include "firmware/custodian/admin_msg.h"

#include <stdio.h>
#include <string.h>

#define TOK (4 + ADM_TOKEN_LEN)
#define STR(n) (4 + (n))

/* What the console may send: the bounds of each request's payload. One state:
 * every request is allowed at any time (a session is the token each request
 * carries, checked by the custodian, not a state of the connection). */
static const struct ipc_rule rules[] = {
	{ADM_LOGIN, IPC_STATES_ALL, 8, STR(OPERATOR_NAME_MAX) + STR(OPERATOR_PASS_MAX), 0},
	{ADM_LOGOUT, IPC_STATES_ALL, TOK, TOK, 0},
	{ADM_OP_ADD, IPC_STATES_ALL, TOK + 12,
	 TOK + STR(OPERATOR_NAME_MAX) + 4 + STR(OPERATOR_PASS_MAX), 0},
	{ADM_OP_DEL, IPC_STATES_ALL, TOK + 4, TOK + STR(OPERATOR_NAME_MAX), 0},
	{ADM_OP_PASSWD, IPC_STATES_ALL, TOK + 8,
	 TOK + STR(OPERATOR_NAME_MAX) + STR(OPERATOR_PASS_MAX), 0},
	{ADM_OP_LIST, IPC_STATES_ALL, TOK, TOK, 0},
	{ADM_OP_ROLES, IPC_STATES_ALL, TOK + 8, TOK + STR(OPERATOR_NAME_MAX) + 4, 0},
	{ADM_VIEW, IPC_STATES_ALL, TOK + 16, ADM_REQUEST_MAX, 0},
	{ADM_DETAIL, IPC_STATES_ALL, TOK + 4, TOK + 4, 0},
	{ADM_SETEXT, IPC_STATES_ALL, TOK + 16, ADM_REQUEST_MAX, 0},
	{ADM_RESUBMIT, IPC_STATES_ALL, TOK + 4, TOK + 4, 0},
	{ADM_DENY, IPC_STATES_ALL, TOK + 4, TOK + 4, 0},
	{ADM_REVOKE, IPC_STATES_ALL, TOK + 25, TOK + STR(LEDGER_SERIAL_MAX) + 20, 0},
	{ADM_UNREVOKE, IPC_STATES_ALL, TOK + 5, TOK + STR(LEDGER_SERIAL_MAX), 0},
	{ADM_CRL, IPC_STATES_ALL, TOK + 4, TOK + 4, 0},
	{ADM_GETPROP, IPC_STATES_ALL, TOK + 5, TOK + STR(LEDGER_NAME_MAX), 0},
	{ADM_SETPROP, IPC_STATES_ALL, TOK + 9, TOK + STR(LEDGER_NAME_MAX) + STR(ADM_PROP_MAX), 0},
	{ADM_AUDIT, IPC_STATES_ALL, TOK + 12, TOK + 12, 0},
	{ADM_VERIFY, IPC_STATES_ALL, TOK, TOK, 0},
	{ADM_TMPL_LIST, IPC_STATES_ALL, TOK, TOK, 0},
	{ADM_TMPL_SHOW, IPC_STATES_ALL, TOK + 5, TOK + STR(TEMPLATE_NAME_MAX), 0},
	{ADM_TMPL_ADD, IPC_STATES_ALL, TOK + 10,
	 TOK + STR(TEMPLATE_NAME_MAX) + STR(TEMPLATE_TEXT_MAX), 0},
	{ADM_TMPL_SET, IPC_STATES_ALL, TOK + 10,
	 TOK + STR(TEMPLATE_NAME_MAX) + STR(TEMPLATE_TEXT_MAX), 0},
	{ADM_TMPL_DEL, IPC_STATES_ALL, TOK + 5, TOK + STR(TEMPLATE_NAME_MAX), 0},
	{ADM_KEYTAB, IPC_STATES_ALL, TOK + 20,
	 TOK + 4 + STR(LEDGER_NAME_MAX) + 2 * STR(ADM_KEYTAB_LIST_MAX) + STR(ADM_KEYTAB_SHA256_LEN),
	 0},
};
_Static_assert(TOK + STR(TEMPLATE_NAME_MAX) + STR(TEMPLATE_TEXT_MAX) <= ADM_REQUEST_MAX,
	       "a template's text must fit a console request");

const struct ipc_rule *adm_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

/* ---- helpers ---- */

static void put_token(struct ipc_wbuf *w, const uint8_t token[ADM_TOKEN_LEN])
{
	ipc_put_bytes(w, token, ADM_TOKEN_LEN);
}

/* Exactly n bytes into out. */
static void get_fixed(struct ipc_rbuf *r, uint8_t *out, size_t n)
{
	const uint8_t *p;
	size_t len = 0;

	ipc_get_bytes(r, &p, &len, n);
	if (r->failed || len != n) {
		r->failed = 1;
		return;
	}
	memcpy(out, p, n);
}

static void get_token(struct ipc_rbuf *r, uint8_t token[ADM_TOKEN_LEN])
{
	get_fixed(r, token, ADM_TOKEN_LEN);
}

static void put_serial(struct ipc_wbuf *w, const struct adm_revoke *m)
{
	if (m->serial_len == 0 || m->serial_len > LEDGER_SERIAL_MAX) {
		w->failed = 1;
		return;
	}
	ipc_put_bytes(w, m->serial, m->serial_len);
}

static void get_serial(struct ipc_rbuf *r, struct adm_revoke *m)
{
	const uint8_t *p;
	size_t len = 0;

	ipc_get_bytes(r, &p, &len, LEDGER_SERIAL_MAX);
	if (r->failed || len == 0) {
		r->failed = 1;
		return;
	}
	memcpy(m->serial, p, len);
	m->serial_len = len;
}

/* ---- requests ---- */

void adm_login_encode(struct ipc_wbuf *w, const struct adm_login *m)
{
	ipc_put_str(w, m->name);
	ipc_put_str(w, m->pass);
}

int adm_login_decode(const uint8_t *p, size_t len, struct adm_login *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_str(&r, m->name, sizeof(m->name));
	ipc_get_str(&r, m->pass, sizeof(m->pass));
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_bare_encode(struct ipc_wbuf *w, const struct adm_bare *m)
{
	put_token(w, m->token);
}

int adm_bare_decode(const uint8_t *p, size_t len, struct adm_bare *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_op_add_encode(struct ipc_wbuf *w, const struct adm_op_add *m)
{
	put_token(w, m->token);
	ipc_put_str(w, m->name);
	ipc_put_u32(w, m->roles);
	ipc_put_str(w, m->pass);
}

int adm_op_add_decode(const uint8_t *p, size_t len, struct adm_op_add *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	ipc_get_str(&r, m->name, sizeof(m->name));
	m->roles = ipc_get_u32(&r);
	ipc_get_str(&r, m->pass, sizeof(m->pass));
	return ipc_decode_end(&r, m, sizeof(*m), (m->roles & ~(uint32_t)ROLE_ALL) == 0);
}

void adm_op_del_encode(struct ipc_wbuf *w, const struct adm_op_del *m)
{
	put_token(w, m->token);
	ipc_put_str(w, m->name);
}

int adm_op_del_decode(const uint8_t *p, size_t len, struct adm_op_del *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	ipc_get_str(&r, m->name, sizeof(m->name));
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_op_passwd_encode(struct ipc_wbuf *w, const struct adm_op_passwd *m)
{
	put_token(w, m->token);
	ipc_put_str(w, m->name);
	ipc_put_str(w, m->pass);
}

int adm_op_passwd_decode(const uint8_t *p, size_t len, struct adm_op_passwd *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	ipc_get_str(&r, m->name, sizeof(m->name));
	ipc_get_str(&r, m->pass, sizeof(m->pass));
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_view_encode(struct ipc_wbuf *w, const struct adm_view *m)
{
	put_token(w, m->token);
	view_query_encode(&m->q, w);
}

/* The ledger's own decoder of a query (view.h): the custodian relays only what
 * the ledger accepts, so a console's bad query never reaches the ledger. */
int adm_view_decode(const uint8_t *p, size_t len, struct adm_view *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	if (!r.failed && view_query_decode(&r, &m->q) != 0)
		r.failed = 1;
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_request_id_encode(struct ipc_wbuf *w, const struct adm_request_id *m)
{
	put_token(w, m->token);
	ipc_put_u32(w, m->request_id);
}

int adm_request_id_decode(const uint8_t *p, size_t len, struct adm_request_id *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	m->request_id = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_setext_encode(struct ipc_wbuf *w, const struct adm_setext *m)
{
	put_token(w, m->token);
	ipc_put_u32(w, m->request_id);
	ipc_put_str(w, m->oid);
	ipc_put_u32(w, m->flags);
	ipc_put_bytes(w, m->value, m->value_len);
}

int adm_setext_decode(const uint8_t *p, size_t len, struct adm_setext *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	m->request_id = ipc_get_u32(&r);
	ipc_get_str(&r, m->oid, sizeof(m->oid));
	m->flags = ipc_get_u32(&r);
	ipc_get_bytes(&r, &m->value, &m->value_len, LEDGER_TEXT_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_revoke_encode(struct ipc_wbuf *w, const struct adm_revoke *m)
{
	put_token(w, m->token);
	put_serial(w, m);
	ipc_put_u32(w, m->reason);
	ipc_put_u64(w, (uint64_t)m->when);
	ipc_put_u64(w, (uint64_t)m->invalidity);
}

int adm_revoke_decode(const uint8_t *p, size_t len, struct adm_revoke *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	get_serial(&r, m);
	m->reason = ipc_get_u32(&r);
	m->when = (int64_t)ipc_get_u64(&r);
	m->invalidity = (int64_t)ipc_get_u64(&r);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_unrevoke_encode(struct ipc_wbuf *w, const struct adm_revoke *m)
{
	put_token(w, m->token);
	put_serial(w, m);
}

int adm_unrevoke_decode(const uint8_t *p, size_t len, struct adm_revoke *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	get_serial(&r, m);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_crl_encode(struct ipc_wbuf *w, const struct adm_crl *m)
{
	put_token(w, m->token);
	ipc_put_u32(w, m->delta);
}

int adm_crl_decode(const uint8_t *p, size_t len, struct adm_crl *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	m->delta = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), m->delta <= 1);
}

void adm_getprop_encode(struct ipc_wbuf *w, const struct adm_getprop *m)
{
	put_token(w, m->token);
	ipc_put_str(w, m->name);
}

int adm_getprop_decode(const uint8_t *p, size_t len, struct adm_getprop *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	ipc_get_str(&r, m->name, sizeof(m->name));
	return ipc_decode_end(&r, m, sizeof(*m), m->name[0] != 0);
}

void adm_setprop_encode(struct ipc_wbuf *w, const struct adm_setprop *m)
{
	put_token(w, m->token);
	ipc_put_str(w, m->name);
	ipc_put_bytes(w, m->value, m->value_len);
}

int adm_setprop_decode(const uint8_t *p, size_t len, struct adm_setprop *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	ipc_get_str(&r, m->name, sizeof(m->name));
	ipc_get_bytes(&r, &m->value, &m->value_len, ADM_PROP_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->name[0] != 0);
}

void adm_audit_encode(struct ipc_wbuf *w, const struct adm_audit *m)
{
	put_token(w, m->token);
	ipc_put_u64(w, m->first);
	ipc_put_u32(w, m->max);
}

int adm_audit_decode(const uint8_t *p, size_t len, struct adm_audit *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	m->first = ipc_get_u64(&r);
	m->max = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_op_roles_encode(struct ipc_wbuf *w, const struct adm_op_roles *m)
{
	put_token(w, m->token);
	ipc_put_str(w, m->name);
	ipc_put_u32(w, m->roles);
}

int adm_op_roles_decode(const uint8_t *p, size_t len, struct adm_op_roles *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	ipc_get_str(&r, m->name, sizeof(m->name));
	m->roles = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m),
			      m->roles != 0 && (m->roles & ~(uint32_t)ROLE_ALL) == 0);
}

void adm_tmpl_name_encode(struct ipc_wbuf *w, const struct adm_tmpl_name *m)
{
	put_token(w, m->token);
	ipc_put_str(w, m->name);
}

int adm_tmpl_name_decode(const uint8_t *p, size_t len, struct adm_tmpl_name *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	ipc_get_str(&r, m->name, sizeof(m->name));
	return ipc_decode_end(&r, m, sizeof(*m), m->name[0] != 0);
}

void adm_tmpl_text_encode(struct ipc_wbuf *w, const struct adm_tmpl_text *m)
{
	put_token(w, m->token);
	ipc_put_str(w, m->name);
	ipc_put_str(w, m->text);
}

int adm_tmpl_text_decode(const uint8_t *p, size_t len, struct adm_tmpl_text *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	ipc_get_str(&r, m->name, sizeof(m->name));
	ipc_get_str(&r, m->text, sizeof(m->text));
	return ipc_decode_end(&r, m, sizeof(*m), m->name[0] != 0 && m->text[0] != 0);
}

void adm_keytab_encode(struct ipc_wbuf *w, const struct adm_keytab *m)
{
	put_token(w, m->token);
	ipc_put_u32(w, m->change);
	ipc_put_str(w, m->principal);
	ipc_put_str(w, m->kvnos);
	ipc_put_str(w, m->enctypes);
	ipc_put_bytes(w, m->sha256, m->sha256_len);
}

/* Text that goes to the journal as it is: no control characters. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int adm_keytab_decode(const uint8_t *p, size_t len, struct adm_keytab *m)
{
	struct ipc_rbuf r;
	const uint8_t *sha;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	m->change = ipc_get_u32(&r);
	ipc_get_str(&r, m->principal, sizeof(m->principal));
	ipc_get_str(&r, m->kvnos, sizeof(m->kvnos));
	ipc_get_str(&r, m->enctypes, sizeof(m->enctypes));
	ipc_get_bytes(&r, &sha, &m->sha256_len, ADM_KEYTAB_SHA256_LEN);
	if (!r.failed && m->sha256_len > 0)
		memcpy(m->sha256, sha, m->sha256_len);
	return ipc_decode_end(&r, m, sizeof(*m),
			      (m->change == ADM_KEYTAB_INSTALLED || m->change == ADM_KEYTAB_REMOVED) &&
				      (m->sha256_len == 0 || m->sha256_len == ADM_KEYTAB_SHA256_LEN) &&
				      printable(m->principal) && printable(m->kvnos) &&
				      printable(m->enctypes));
}

/* ---- the dispatcher's pair ---- */

/* Every message of admin_proto.h is named (an error under -Wswitch-enum): a new
 * one must be given a decoder or a place among what a console may not send. */
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch-enum"
int adm_request_decode(uint32_t type, const uint8_t *p, size_t len, union adm_request *req)
{
	memset(req, 0, sizeof(*req));
	switch ((enum adm_msg)type) {
	case ADM_LOGIN:
		return adm_login_decode(p, len, &req->login);
	case ADM_LOGOUT:
	case ADM_OP_LIST:
	case ADM_VERIFY:
		return adm_bare_decode(p, len, &req->bare);
	case ADM_OP_ADD:
		return adm_op_add_decode(p, len, &req->op_add);
	case ADM_OP_DEL:
		return adm_op_del_decode(p, len, &req->op_del);
	case ADM_OP_PASSWD:
		return adm_op_passwd_decode(p, len, &req->op_passwd);
	case ADM_OP_ROLES:
		return adm_op_roles_decode(p, len, &req->op_roles);
	case ADM_VIEW:
		return adm_view_decode(p, len, &req->view);
	case ADM_DETAIL:
	case ADM_RESUBMIT:
	case ADM_DENY:
		return adm_request_id_decode(p, len, &req->id);
	case ADM_SETEXT:
		return adm_setext_decode(p, len, &req->setext);
	case ADM_REVOKE:
		return adm_revoke_decode(p, len, &req->revoke);
	case ADM_UNREVOKE:
		return adm_unrevoke_decode(p, len, &req->revoke);
	case ADM_CRL:
		return adm_crl_decode(p, len, &req->crl);
	case ADM_GETPROP:
		return adm_getprop_decode(p, len, &req->getprop);
	case ADM_SETPROP:
		return adm_setprop_decode(p, len, &req->setprop);
	case ADM_AUDIT:
		return adm_audit_decode(p, len, &req->audit);
	case ADM_TMPL_LIST:
		return adm_bare_decode(p, len, &req->bare);
	case ADM_TMPL_SHOW:
	case ADM_TMPL_DEL:
		return adm_tmpl_name_decode(p, len, &req->tmpl);
	case ADM_TMPL_ADD:
	case ADM_TMPL_SET:
		return adm_tmpl_text_decode(p, len, &req->tmpl_text);
	case ADM_KEYTAB:
		return adm_keytab_decode(p, len, &req->keytab);
	/* The custodian's answers are never a console's to send. */
	case ADM_SESSION:
	case ADM_ROWS:
	case ADM_DETAIL_IS:
	case ADM_RESULT:
	case ADM_PROP:
	case ADM_EVENTS:
	case ADM_TMPL_LIST_IS:
	case ADM_TMPL_TEXT:
	case ADM_OK:
	case ADM_ERROR:
	default:
		return -1;
	}
}
#pragma GCC diagnostic pop

void adm_request_encode(uint32_t type, struct ipc_wbuf *w, const union adm_request *req)
{
	switch (type) {
	case ADM_LOGIN: adm_login_encode(w, &req->login); break;
	case ADM_LOGOUT:
	case ADM_OP_LIST:
	case ADM_VERIFY: adm_bare_encode(w, &req->bare); break;
	case ADM_OP_ADD: adm_op_add_encode(w, &req->op_add); break;
	case ADM_OP_DEL: adm_op_del_encode(w, &req->op_del); break;
	case ADM_OP_PASSWD: adm_op_passwd_encode(w, &req->op_passwd); break;
	case ADM_OP_ROLES: adm_op_roles_encode(w, &req->op_roles); break;
	case ADM_VIEW: adm_view_encode(w, &req->view); break;
	case ADM_DETAIL:
	case ADM_RESUBMIT:
	case ADM_DENY: adm_request_id_encode(w, &req->id); break;
	case ADM_SETEXT: adm_setext_encode(w, &req->setext); break;
	case ADM_REVOKE: adm_revoke_encode(w, &req->revoke); break;
	case ADM_UNREVOKE: adm_unrevoke_encode(w, &req->revoke); break;
	case ADM_CRL: adm_crl_encode(w, &req->crl); break;
	case ADM_GETPROP: adm_getprop_encode(w, &req->getprop); break;
	case ADM_SETPROP: adm_setprop_encode(w, &req->setprop); break;
	case ADM_AUDIT: adm_audit_encode(w, &req->audit); break;
	case ADM_TMPL_LIST: adm_bare_encode(w, &req->bare); break;
	case ADM_TMPL_SHOW:
	case ADM_TMPL_DEL: adm_tmpl_name_encode(w, &req->tmpl); break;
	case ADM_TMPL_ADD:
	case ADM_TMPL_SET: adm_tmpl_text_encode(w, &req->tmpl_text); break;
	case ADM_KEYTAB: adm_keytab_encode(w, &req->keytab); break;
	default: w->failed = 1; break; /* not a request */
	}
}

/* ---- answers ---- */

void adm_session_encode(struct ipc_wbuf *w, const struct adm_session_is *m)
{
	put_token(w, m->token);
	ipc_put_u32(w, m->roles);
	ipc_put_u64(w, (uint64_t)m->expires);
}

int adm_session_decode(const uint8_t *p, size_t len, struct adm_session_is *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_token(&r, m->token);
	m->roles = ipc_get_u32(&r);
	m->expires = (int64_t)ipc_get_u64(&r);
	return ipc_decode_end(&r, m, sizeof(*m), (m->roles & ~(uint32_t)ROLE_ALL) == 0);
}

void adm_rows_encode(struct ipc_wbuf *w, const struct lmsg_rows *m)
{
	lmsg_rows_encode(w, m);
}

int adm_rows_decode(const uint8_t *p, size_t len, struct lmsg_rows *m)
{
	return lmsg_rows_decode(p, len, m);
}

void adm_events_encode(struct ipc_wbuf *w, const struct lmsg_events *m)
{
	lmsg_events_encode(w, m);
}

int adm_events_decode(const uint8_t *p, size_t len, struct lmsg_events *m)
{
	return lmsg_events_decode(p, len, m);
}

void adm_detail_add(struct ipc_wbuf *list, const char *oid, uint32_t flags,
		    const uint8_t *value, size_t len)
{
	if (strlen(oid) > LEDGER_OID_MAX || len > LEDGER_TEXT_MAX)
		list->failed = 1;
	ipc_put_str(list, oid);
	ipc_put_u32(list, flags);
	ipc_put_bytes(list, value, len);
}

/* One extension: OID, flags (ADM_EXT_*), value. */
static int get_ext(struct ipc_rbuf *r, char *oid, uint32_t *flags, const uint8_t **value,
		   size_t *len)
{
	ipc_get_str(r, oid, LEDGER_OID_MAX + 1);
	*flags = ipc_get_u32(r);
	ipc_get_bytes(r, value, len, LEDGER_TEXT_MAX);
	return r->failed || (*flags & ~(uint32_t)(ADM_EXT_CRITICAL | ADM_EXT_DISABLE)) != 0
		       ? -1
		       : 0;
}

static int check_ext(struct ipc_rbuf *r)
{
	char oid[LEDGER_OID_MAX + 1];
	const uint8_t *value;
	size_t len;
	uint32_t flags;

	return get_ext(r, oid, &flags, &value, &len);
}

void adm_detail_encode(struct ipc_wbuf *w, const struct adm_detail_is *m)
{
	ipc_put_str(w, m->subject);
	ipc_put_str(w, m->attributes);
	ipc_put_str(w, m->requester);
	ipc_put_u32(w, m->exts.n);
	ipc_put_raw(w, m->exts.p, m->exts.len);
}

int adm_detail_decode(const uint8_t *p, size_t len, struct adm_detail_is *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_str(&r, m->subject, sizeof(m->subject));
	ipc_get_str(&r, m->attributes, sizeof(m->attributes));
	ipc_get_str(&r, m->requester, sizeof(m->requester));
	m->exts.n = ipc_get_u32(&r);
	m->exts.p = r.p;
	if (!r.failed && m->exts.n <= LEDGER_SEQS_MAX) {
		for (uint32_t i = 0; i < m->exts.n && !r.failed; i++)
			if (check_ext(&r) != 0)
				r.failed = 1;
		m->exts.len = r.failed ? 0 : (size_t)(r.p - m->exts.p);
	} else {
		r.failed = 1;
	}
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

int adm_detail_next(struct lmsg_iter *it, char *oid, uint32_t *flags, const uint8_t **value,
		    size_t *len)
{
	if (it->left == 0 || get_ext(&it->r, oid, flags, value, len) != 0)
		return 0;
	it->left--;
	return 1;
}

void adm_result_encode(struct ipc_wbuf *w, const struct adm_result *m)
{
	ipc_put_u32(w, m->request_id);
	ipc_put_u32(w, m->disposition);
	ipc_put_u32(w, m->hresult);
	ipc_put_str(w, m->message);
	ipc_put_bytes(w, m->cert, m->cert_len);
}

int adm_result_decode(const uint8_t *p, size_t len, struct adm_result *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->request_id = ipc_get_u32(&r);
	m->disposition = ipc_get_u32(&r);
	m->hresult = ipc_get_u32(&r);
	ipc_get_str(&r, m->message, sizeof(m->message));
	ipc_get_bytes(&r, &m->cert, &m->cert_len, ADM_CERT_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_prop_encode(struct ipc_wbuf *w, const struct adm_prop *m)
{
	ipc_put_bytes(w, m->value, m->len);
}

int adm_prop_decode(const uint8_t *p, size_t len, struct adm_prop *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_bytes(&r, &m->value, &m->len, ADM_MAX_PAYLOAD);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_tmpl_list_encode(struct ipc_wbuf *w, const struct adm_tmpl_list_is *m)
{
	if (m->n > ADM_TMPL_MAX) {
		w->failed = 1;
		return;
	}
	ipc_put_u32(w, m->n);
	for (uint32_t i = 0; i < m->n; i++) {
		const struct adm_tmpl_entry *e = &m->e[i];

		ipc_put_str(w, e->name);
		ipc_put_str(w, e->display);
		ipc_put_str(w, e->oid);
		ipc_put_u32(w, e->major);
		ipc_put_u32(w, e->minor);
		ipc_put_u32(w, e->flags);
	}
}

int adm_tmpl_list_decode(const uint8_t *p, size_t len, struct adm_tmpl_list_is *m)
{
	struct ipc_rbuf r;
	int ok = 1;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->n = ipc_get_u32(&r);
	if (m->n > ADM_TMPL_MAX)
		r.failed = 1;
	for (uint32_t i = 0; i < m->n && !r.failed; i++) {
		struct adm_tmpl_entry *e = &m->e[i];

		ipc_get_str(&r, e->name, sizeof(e->name));
		ipc_get_str(&r, e->display, sizeof(e->display));
		ipc_get_str(&r, e->oid, sizeof(e->oid));
		e->major = ipc_get_u32(&r);
		e->minor = ipc_get_u32(&r);
		e->flags = ipc_get_u32(&r);
		if (e->name[0] == 0 || (e->flags & ~(uint32_t)(ADM_TMPL_PEND_ALL | ADM_TMPL_CA)))
			ok = 0;
	}
	return ipc_decode_end(&r, m, sizeof(*m), ok);
}

void adm_tmpl_text_is_encode(struct ipc_wbuf *w, const struct adm_tmpl_text_is *m)
{
	ipc_put_str(w, m->text);
}

int adm_tmpl_text_is_decode(const uint8_t *p, size_t len, struct adm_tmpl_text_is *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_str(&r, m->text, sizeof(m->text));
	return ipc_decode_end(&r, m, sizeof(*m), m->text[0] != 0);
}

void adm_ok_encode(struct ipc_wbuf *w, const struct adm_ok *m)
{
	ipc_put_str(w, m->message);
}

int adm_ok_decode(const uint8_t *p, size_t len, struct adm_ok *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_str(&r, m->message, sizeof(m->message));
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void adm_error_encode(struct ipc_wbuf *w, const struct adm_error *m)
{
	ipc_put_u32(w, m->hresult);
	ipc_put_str(w, m->message);
}

int adm_error_decode(const uint8_t *p, size_t len, struct adm_error *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->hresult = ipc_get_u32(&r);
	ipc_get_str(&r, m->message, sizeof(m->message));
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}
