/* The console channel's messages (caadm <-> ca-custodian over DATA/admin.sock,
 * admin_proto.h): one struct per message and one encode/decode pair, compiled
 * into both sides (caadm encodes requests and decodes answers, the custodian the
 * reverse), and the channel's whitelist (the payload bounds of each request),
 * kept next to the layouts it bounds. A decoder demands the exact layout (every
 * byte consumed) and admin_proto.h's bounds; what it fills may point into the
 * message. Decoders check shape only: whether the token is a live session, the
 * operator may use the verb, the name is an operator's, the request exists, is
 * the custodian's to decide.
 *
 * Every request but LOGIN starts with the session token: each request struct
 * has it as its first member, so that the dispatcher reads it from any of them.
 *
 * Decoders return 0 with *m filled, or -1 (a violation: the connection should
 * end), leaving *m zeroed. Encoders append to w (its failed flag says if memory
 * ran out, or if a field was out of its bounds). */
#ifndef CUSTODIAN_ADMIN_MSG_H
#define CUSTODIAN_ADMIN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/admin_proto.h"
#include "firmware/ledger/msg.h"
#include "firmware/operator/operator.h"
#include "firmware/policy/template.h"
#include "platform/ipc.h"

#define ADM_MESSAGE_MAX 4095 /* ADM_OK's, ADM_ERROR's and ADM_RESULT's text */
#define ADM_SUBJECT_MAX 1023 /* ADM_DETAIL_IS' subject, as text */
#define ADM_CERT_MAX LEDGER_BLOB_MAX

/* ---- requests (caadm -> custodian) ---- */

struct adm_login {
	char name[OPERATOR_NAME_MAX + 1];
	char pass[OPERATOR_PASS_MAX + 1]; /* the receiver wipes it */
};
/* LOGOUT, OP_LIST, VERIFY: the token alone. */
struct adm_bare {
	uint8_t token[ADM_TOKEN_LEN];
};
struct adm_op_add {
	uint8_t token[ADM_TOKEN_LEN];
	char name[OPERATOR_NAME_MAX + 1];
	uint32_t roles;
	char pass[OPERATOR_PASS_MAX + 1];
};
struct adm_op_del {
	uint8_t token[ADM_TOKEN_LEN];
	char name[OPERATOR_NAME_MAX + 1];
};
/* OP_ROLES: name and its one new role. */
struct adm_op_roles {
	uint8_t token[ADM_TOKEN_LEN];
	char name[OPERATOR_NAME_MAX + 1];
	uint32_t roles;
};
struct adm_op_passwd {
	uint8_t token[ADM_TOKEN_LEN];
	char name[OPERATOR_NAME_MAX + 1];
	char pass[OPERATOR_PASS_MAX + 1];
};
/* VIEW: a view query (ledger view.h), relayed to the ledger re-encoded. */
struct adm_view {
	uint8_t token[ADM_TOKEN_LEN];
	struct view_query q;
};
/* DETAIL, RESUBMIT, DENY: a request id. */
struct adm_request_id {
	uint8_t token[ADM_TOKEN_LEN];
	uint32_t request_id;
};
struct adm_setext {
	uint8_t token[ADM_TOKEN_LEN];
	uint32_t request_id;
	char oid[LEDGER_OID_MAX + 1];
	uint32_t flags; /* ADM_EXT_CRITICAL | ADM_EXT_DISABLE */
	const uint8_t *value;
	size_t value_len; /* 0..LEDGER_TEXT_MAX */
};
/* REVOKE (reason, when and invalidity too) and UNREVOKE (the serial alone). */
struct adm_revoke {
	uint8_t token[ADM_TOKEN_LEN];
	uint8_t serial[LEDGER_SERIAL_MAX];
	size_t serial_len; /* 1..LEDGER_SERIAL_MAX */
	uint32_t reason;
	int64_t when, invalidity; /* 0: now / none */
};
struct adm_crl {
	uint8_t token[ADM_TOKEN_LEN];
	uint32_t delta; /* 0 or 1 */
};
struct adm_getprop {
	uint8_t token[ADM_TOKEN_LEN];
	char name[LEDGER_NAME_MAX + 1]; /* not empty */
};
struct adm_setprop {
	uint8_t token[ADM_TOKEN_LEN];
	char name[LEDGER_NAME_MAX + 1]; /* not empty */
	const uint8_t *value;
	size_t value_len; /* 0..ADM_PROP_MAX */
};
/* AUDIT: a page of the journal, relayed to the ledger re-encoded. */
struct adm_audit {
	uint8_t token[ADM_TOKEN_LEN];
	uint64_t first;
	uint32_t max;
};

void adm_login_encode(struct ipc_wbuf *w, const struct adm_login *m);
int adm_login_decode(const uint8_t *p, size_t len, struct adm_login *m);
void adm_bare_encode(struct ipc_wbuf *w, const struct adm_bare *m);
int adm_bare_decode(const uint8_t *p, size_t len, struct adm_bare *m);
/* TMPL_SHOW, TMPL_DEL: a template's name (not empty; whether it names a
 * template, and is a name at all, is the store's to say). */
struct adm_tmpl_name {
	uint8_t token[ADM_TOKEN_LEN];
	char name[TEMPLATE_NAME_MAX + 1];
};
/* TMPL_ADD (text: a whole template) and TMPL_SET (text: "key = value" lines):
 * a name and a text, neither empty. */
struct adm_tmpl_text {
	uint8_t token[ADM_TOKEN_LEN];
	char name[TEMPLATE_NAME_MAX + 1];
	char text[TEMPLATE_TEXT_MAX + 1];
};

/* KEYTAB: a change of ca-auth's keytab, journaled (the principal may be empty,
 * and sha256 absent, for the removal of a file that could not be read). */
struct adm_keytab {
	uint8_t token[ADM_TOKEN_LEN];
	uint32_t change; /* ADM_KEYTAB_INSTALLED or ADM_KEYTAB_REMOVED */
	char principal[LEDGER_NAME_MAX + 1];
	char kvnos[ADM_KEYTAB_LIST_MAX + 1];
	char enctypes[ADM_KEYTAB_LIST_MAX + 1];
	uint8_t sha256[ADM_KEYTAB_SHA256_LEN];
	size_t sha256_len; /* 0 or ADM_KEYTAB_SHA256_LEN */
};

void adm_op_add_encode(struct ipc_wbuf *w, const struct adm_op_add *m);
int adm_op_add_decode(const uint8_t *p, size_t len, struct adm_op_add *m);
void adm_op_del_encode(struct ipc_wbuf *w, const struct adm_op_del *m);
int adm_op_del_decode(const uint8_t *p, size_t len, struct adm_op_del *m);
void adm_op_passwd_encode(struct ipc_wbuf *w, const struct adm_op_passwd *m);
int adm_op_passwd_decode(const uint8_t *p, size_t len, struct adm_op_passwd *m);
void adm_op_roles_encode(struct ipc_wbuf *w, const struct adm_op_roles *m);
int adm_op_roles_decode(const uint8_t *p, size_t len, struct adm_op_roles *m);
void adm_view_encode(struct ipc_wbuf *w, const struct adm_view *m);
int adm_view_decode(const uint8_t *p, size_t len, struct adm_view *m);
void adm_request_id_encode(struct ipc_wbuf *w, const struct adm_request_id *m);
int adm_request_id_decode(const uint8_t *p, size_t len, struct adm_request_id *m);
void adm_setext_encode(struct ipc_wbuf *w, const struct adm_setext *m);
int adm_setext_decode(const uint8_t *p, size_t len, struct adm_setext *m);
void adm_revoke_encode(struct ipc_wbuf *w, const struct adm_revoke *m);
int adm_revoke_decode(const uint8_t *p, size_t len, struct adm_revoke *m);
void adm_unrevoke_encode(struct ipc_wbuf *w, const struct adm_revoke *m);
int adm_unrevoke_decode(const uint8_t *p, size_t len, struct adm_revoke *m);
void adm_crl_encode(struct ipc_wbuf *w, const struct adm_crl *m);
int adm_crl_decode(const uint8_t *p, size_t len, struct adm_crl *m);
void adm_getprop_encode(struct ipc_wbuf *w, const struct adm_getprop *m);
int adm_getprop_decode(const uint8_t *p, size_t len, struct adm_getprop *m);
void adm_setprop_encode(struct ipc_wbuf *w, const struct adm_setprop *m);
int adm_setprop_decode(const uint8_t *p, size_t len, struct adm_setprop *m);
void adm_audit_encode(struct ipc_wbuf *w, const struct adm_audit *m);
int adm_audit_decode(const uint8_t *p, size_t len, struct adm_audit *m);
void adm_tmpl_name_encode(struct ipc_wbuf *w, const struct adm_tmpl_name *m);
int adm_tmpl_name_decode(const uint8_t *p, size_t len, struct adm_tmpl_name *m);
void adm_tmpl_text_encode(struct ipc_wbuf *w, const struct adm_tmpl_text *m);
int adm_tmpl_text_decode(const uint8_t *p, size_t len, struct adm_tmpl_text *m);
void adm_keytab_encode(struct ipc_wbuf *w, const struct adm_keytab *m);
int adm_keytab_decode(const uint8_t *p, size_t len, struct adm_keytab *m);

/* Any request, as the custodian's dispatcher holds it. */
union adm_request {
	struct adm_bare bare; /* the token every member but login starts with */
	struct adm_login login;
	struct adm_op_add op_add;
	struct adm_op_del op_del;
	struct adm_op_passwd op_passwd;
	struct adm_op_roles op_roles;
	struct adm_view view;
	struct adm_request_id id;
	struct adm_setext setext;
	struct adm_revoke revoke;
	struct adm_crl crl;
	struct adm_getprop getprop;
	struct adm_setprop setprop;
	struct adm_audit audit;
	struct adm_tmpl_name tmpl;
	struct adm_tmpl_text tmpl_text;
	struct adm_keytab keytab;
};
/* The request of type decoded into the union's member for it: 0, or -1 (a
 * malformed payload, or a type that is not a request: an answer or unknown). */
int adm_request_decode(uint32_t type, const uint8_t *p, size_t len, union adm_request *req);
/* Encodes it back (for a request adm_request_decode accepted). */
void adm_request_encode(uint32_t type, struct ipc_wbuf *w, const union adm_request *req);

/* The custodian's whitelist for the console (n rules): every request, its payload
 * bounds, in every state (the channel has none: a session is a token, not a
 * connection's). */
const struct ipc_rule *adm_rules(size_t *n);

/* ---- answers (custodian -> caadm) ---- */

struct adm_session_is {
	uint8_t token[ADM_TOKEN_LEN];
	uint32_t roles; /* ROLE_* */
	int64_t expires;
};
void adm_session_encode(struct ipc_wbuf *w, const struct adm_session_is *m);
int adm_session_decode(const uint8_t *p, size_t len, struct adm_session_is *m);

/* ADM_ROWS and ADM_EVENTS carry the ledger's LEDGER_ROWS and LEDGER_EVENTS pages
 * as they are (firmware/ledger/msg.h), decoded by the custodian before it relays
 * them. */
void adm_rows_encode(struct ipc_wbuf *w, const struct lmsg_rows *m);
int adm_rows_decode(const uint8_t *p, size_t len, struct lmsg_rows *m);
void adm_events_encode(struct ipc_wbuf *w, const struct lmsg_events *m);
int adm_events_decode(const uint8_t *p, size_t len, struct lmsg_events *m);

/* ADM_DETAIL_IS: a request's subject, attributes, requester and the extensions
 * officers set (at most LEDGER_SEQS_MAX; each an OID, flags, a value). */
struct adm_detail_is {
	char subject[ADM_SUBJECT_MAX + 1];
	char attributes[LEDGER_TEXT_MAX + 1];
	char requester[LEDGER_NAME_MAX + 1];
	struct lmsg_list exts;
};
void adm_detail_add(struct ipc_wbuf *list, const char *oid, uint32_t flags,
		    const uint8_t *value, size_t len);
void adm_detail_encode(struct ipc_wbuf *w, const struct adm_detail_is *m);
int adm_detail_decode(const uint8_t *p, size_t len, struct adm_detail_is *m);
/* 1 with the next extension (oid copied into oid[LEDGER_OID_MAX + 1]), 0 at the end. */
int adm_detail_next(struct lmsg_iter *it, char *oid, uint32_t *flags, const uint8_t **value,
		    size_t *len);

struct adm_result {
	uint32_t request_id, disposition, hresult;
	char message[ADM_MESSAGE_MAX + 1];
	const uint8_t *cert;
	size_t cert_len; /* 0..ADM_CERT_MAX */
};
void adm_result_encode(struct ipc_wbuf *w, const struct adm_result *m);
int adm_result_decode(const uint8_t *p, size_t len, struct adm_result *m);

/* ADM_PROP: a property's value (text, a certificate, a chain or a CRL). */
struct adm_prop {
	const uint8_t *value;
	size_t len;
};
void adm_prop_encode(struct ipc_wbuf *w, const struct adm_prop *m);
int adm_prop_decode(const uint8_t *p, size_t len, struct adm_prop *m);

/* ADM_TMPL_LIST_IS: what `caadm template list` shows of each template, sorted
 * by name as the store keeps them (at most ADM_TMPL_MAX). */
struct adm_tmpl_entry {
	char name[TEMPLATE_NAME_MAX + 1];
	char display[TEMPLATE_DISPLAY_MAX + 1];
	char oid[TEMPLATE_OID_MAX + 1];
	uint32_t major, minor;
	uint32_t flags; /* ADM_TMPL_PEND_ALL | ADM_TMPL_CA */
};
struct adm_tmpl_list_is {
	uint32_t n;
	struct adm_tmpl_entry e[ADM_TMPL_MAX];
};
void adm_tmpl_list_encode(struct ipc_wbuf *w, const struct adm_tmpl_list_is *m);
int adm_tmpl_list_decode(const uint8_t *p, size_t len, struct adm_tmpl_list_is *m);

/* ADM_TMPL_TEXT: one template's canonical text (not empty). */
struct adm_tmpl_text_is {
	char text[TEMPLATE_TEXT_MAX + 1];
};
void adm_tmpl_text_is_encode(struct ipc_wbuf *w, const struct adm_tmpl_text_is *m);
int adm_tmpl_text_is_decode(const uint8_t *p, size_t len, struct adm_tmpl_text_is *m);

struct adm_ok {
	char message[ADM_MESSAGE_MAX + 1];
};
void adm_ok_encode(struct ipc_wbuf *w, const struct adm_ok *m);
int adm_ok_decode(const uint8_t *p, size_t len, struct adm_ok *m);

struct adm_error {
	uint32_t hresult;
	char message[ADM_MESSAGE_MAX + 1];
};
void adm_error_encode(struct ipc_wbuf *w, const struct adm_error *m);
int adm_error_decode(const uint8_t *p, size_t len, struct adm_error *m);

#endif
