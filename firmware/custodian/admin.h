/* The console's service in the custodian (admin_proto.h): operators log in with a
 * passphrase, get a session token, and each verb is checked against their roles
 * and journaled with their name, refusals included.
 *
 * cad binds DATA/admin.sock (group operators_group, default ca-operators, mode
 * 0660) and hands the listening socket to the custodian (--admin-fd,
 * --operators-gid); connections are accepted on a thread of their own, from uid
 * 0, the custodian's own uid, or a member of that group only (SO_PEERCRED and
 * SO_PEERGROUPS: the check the socket's mode already makes, made again here), at
 * most ADM_CONNECTIONS at once, each served by one thread. The peer's uid is
 * journaled with each login, and a session is good from that uid only.
 *
 * Separation of duties: an operator holds one role (operator.h). A passphrase
 * reset by an administrator must be changed by its operator before any other
 * verb (OPERATOR_MUST_CHANGE); a legacy admin,officer operator may only manage
 * operators until it is split (OPERATOR_SPLIT_NEEDED). A malformed frame from the console ends that
 * connection, never the custodian. */
#ifndef CUSTODIAN_ADMIN_H
#define CUSTODIAN_ADMIN_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/admin_proto.h"
#include "firmware/custodian/ca.h"
#include "firmware/custodian/props.h"
#include "firmware/custodian/submit.h"
#include "firmware/operator/operator.h"
#include "platform/service.h"

#define ADM_CONNECTIONS 4
#define ADM_SESSIONS_MAX 32
#define ADM_SESSION_IDLE (15 * 60)     /* seconds without a verb */
#define ADM_SESSION_LIFETIME (8 * 3600) /* seconds at most */

struct adm_session {
	int used;
	uint8_t token[ADM_TOKEN_LEN];
	char name[OPERATOR_NAME_MAX + 1];
	uint32_t roles;
	uint32_t flags; /* the operator's at login: OPERATOR_MUST_CHANGE, _SPLIT_NEEDED */
	long uid;       /* the console's uid at login: the token is good from it only */
	time_t expires, idle_until;
};

struct admin {
	struct ca *ca;
	struct submit_ctx *sub;
	struct props *props;
	const struct x509_buf *chain;
	/* The certificate templates (tmplstore.h; sub->templates): the console's
	 * template verbs change them. */
	struct tmplstore *templates;

	pthread_mutex_t mu; /* operators and sessions */
	struct operator_db ops;
	struct adm_session sessions[ADM_SESSIONS_MAX];
	int connections;
	int conn_fd[ADM_CONNECTIONS]; /* the open connections (-1: free), for admin_stop */
	pthread_cond_t idle;          /* connections fell to 0 */

	pthread_mutex_t crl_mu; /* one CRL at a time (numbers are taken in order), and no
				 * revocation while one is built (officer.c) */
	int crl_auto;
	int listen_fd;
	pthread_t accept_thread, crl_thread;
	int have_crl_thread;
	volatile int stopping;
};

/* Lets members of gid (primary or supplementary) connect to the console, besides
 * root and the custodian's own user. Called once, before admin_start. */
void admin_allow_group(gid_t gid);

/* Loads the operators and the properties, starts accepting on listen_fd (-1: no
 * console) and, when crl_auto, the automatic CRL publication. 0 or -1 with err. */
int admin_start(struct admin *a, struct ca *ca, struct submit_ctx *sub, struct props *props,
		const struct x509_buf *chain, int listen_fd, int crl_auto, char *err,
		size_t errlen);
void admin_stop(struct admin *a);

/* Journals an operator action (EV_OPERATOR_ACTION, the operator as actor). 0 or
 * -1 with err. */
int admin_journal(struct admin *a, const char *operator_name, const char *action,
		  const char *target, int allowed, const char *detail, char *err,
		  size_t errlen);

/* ---- verbs (officer.c, crlpub.c) ----
 * Each returns 0 with its answer built in w (type in *type), or an HRESULT with
 * msg; the state events they append carry the operator as actor. */
uint32_t officer_detail(struct admin *a, uint32_t id, struct ipc_wbuf *w, char *msg,
			size_t msglen);
uint32_t officer_setext(struct admin *a, const char *op, uint32_t id, const char *oid,
			uint32_t flags, const uint8_t *value, size_t len, char *msg,
			size_t msglen);
uint32_t officer_resubmit(struct admin *a, const char *op, uint32_t id, struct ipc_wbuf *w,
			  char *msg, size_t msglen);
uint32_t officer_deny(struct admin *a, const char *op, uint32_t id, struct ipc_wbuf *w,
		      char *msg, size_t msglen);
uint32_t officer_revoke(struct admin *a, const char *op, const uint8_t *serial, size_t len,
			uint32_t reason, int64_t when, int64_t invalidity, char *msg,
			size_t msglen);
uint32_t officer_unrevoke(struct admin *a, const char *op, const uint8_t *serial, size_t len,
			  char *msg, size_t msglen);

/* The template verbs (ADM_TMPL_*, admin_tmpl.c) for the session's operator op:
 * 0 with the answer sent (*answered) or msg for ADM_OK, or an HRESULT with msg
 * (the store's TMPL_* codes mapped: EINVAL E_INVALIDARG, EEXIST
 * ERROR_ALREADY_EXISTS, ENOENT ERROR_NOT_FOUND, EFULL ERROR_NOT_ENOUGH_QUOTA,
 * ERECORD E_UNEXPECTED). target gets the template's name. */
uint32_t admin_template(struct service *s, struct admin *a, const struct ipc_msg *m,
			const char *op, const union adm_request *req, char *target,
			size_t target_len, int *answered, char *msg, size_t msglen);

/* Builds, signs, records and publishes a base or delta CRL (crlpub.c); msg says
 * which number went where. 0 or an HRESULT with msg. */
uint32_t crl_publish(struct admin *a, int actor_kind, const char *actor, int delta, char *msg,
		     size_t msglen);
/* The automatic publication thread's body. */
void *crl_auto_main(void *arg);

#endif
