/* Enrollment in the custodian: CUST_SUBMIT and CUST_RETRIEVE (proto.h), the
 * standalone CA's policy, and the ledger records around each decision. */
#ifndef CUSTODIAN_SUBMIT_H
#define CUSTODIAN_SUBMIT_H

#include "firmware/custodian/ca.h"
#include "firmware/custodian/derive.h"
#include "firmware/custodian/record.h"
#include "firmware/identity/idtoken.h"
#include "platform/service.h"

/* 1 for the extensions that are the CA's alone to write (basicConstraints, key
 * identifiers, name and policy constraints): neither a request nor an officer
 * sets them. */
int ext_reserved(const char *oid);

struct props;
struct bursts;
struct policy_account;
struct respond_crls;

struct checkpointer;
struct tmplstore; /* tmplstore.h */

struct submit_ctx {
	struct ca *ca;
	struct record *rec;
	struct policy policy;
	struct props *props; /* the CA's properties (CDP/AIA); NULL: ca.conf's */
	/* The journal budget for refusals and failed logons (authlog.h); NULL:
	 * each journaled by itself. */
	struct bursts *bursts;
	/* The identity-token key of the worker being served (firmware/identity):
	 * cad makes one for each worker start and sends it with the worker's
	 * channel; wiped when that channel ends. */
	uint8_t id_key[IDTOKEN_KEY_LEN];
	int have_id_key;
	/* The worker channel being served (-1: none), which a change of an
	 * interface flag ends (submit_restart_worker). */
	int worker_fd;
	/* The ledger's checkpoints (checkpoint.h): one at every CRL. NULL: none. */
	struct checkpointer *checkpoints;
	/* The certificate templates (tmplstore.h): snapshots decide requests.
	 * NULL without a ledger (nothing journaled, no templates). */
	struct tmplstore *templates;
	/* The CA's chain file (PEM: the CA certificate, then its parents; empty
	 * when there is none), read at start-up (serve.c); respond.c carries it.
	 * NULL: the CA certificate alone. */
	const struct x509_buf *chain;
	/* respond.c's sizes of the CRLs it read (respond.h); NULL: none kept. */
	struct respond_crls *crl_sizes;
};

/* The worker channel served now (-1 when it ends). */
void submit_set_worker(struct submit_ctx *c, int fd);
/* Ends the worker channel being served, so that its worker exits and cad starts
 * one that asks for the CA's settings again (CUST_GET_CA): how a worker learns a
 * changed interface flag. 1 when a channel was ended, 0 when none was served. */
int submit_restart_worker(struct submit_ctx *c);

/* What an issuance decided: the disposition recorded, and the certificate when
 * issued (the caller frees cert). */
struct issue_result {
	uint32_t request_id; /* the request's id (assigned when req was recorded) */
	int refused;         /* the ledger refused the request itself (bad bounds) */
	int full;            /* the ledger had no room (RECORD_EFULL): nothing more recorded */
	uint32_t disposition, hresult;
	char message[512];
	struct x509_buf cert;
};

/* Builds the end-entity certificate for a request from the subject and key
 * derive_request gave (plus an officer's extensions: disabled ones, value NULL,
 * only remove the profile's), records the intent, signs, records the certificate with the Issued
 * disposition. req is the request-received event when it is not recorded yet (it
 * is then recorded with the intent, or with a Failed disposition), else NULL and
 * request_id names the recorded request. 0 with the decision in out (issued or
 * failed, recorded), or -1 when the ledger could not record (out->message says
 * why; nothing released). */
/* A certificate after a template (tpolicy.h): the template, the key usage the
 * policy decided for the key, the label journaled with the disposition ("template
 * User 1.0"), and whether an officer approved it (resubmit: the template's agent
 * purposes are then granted). NULL in submit_issue: the standalone profile. */
struct template;
struct issue_tmpl {
	const struct template *t;
	unsigned key_usage;
	const char *label;
	int approved;
};
int submit_issue(struct submit_ctx *c, struct ledger_event *req, uint32_t request_id,
		 const struct x509_buf *subject, const struct x509_buf *spki,
		 const struct x509_ext_in *extra, size_t n_extra, const struct issue_tmpl *tt,
		 struct issue_result *out);
/* CUST_ERROR to the worker: hresult (a failure) and msg, cut to the channel's
 * CUST_MESSAGE_MAX at a character boundary. */
void cust_reply_error(struct service *s, uint32_t id, uint32_t hresult, const char *msg);

/* The HRESULT of a submit_issue that failed without a refusal: HR_DISK_FULL when
 * the ledger had no room, else E_UNEXPECTED. */
uint32_t issue_result_hr(const struct issue_result *r);

/* Records a disposition by an actor (the CA, or an operator). 0 or -1 with err. */
int submit_record_disposition(struct submit_ctx *c, uint32_t request_id, uint32_t disp,
			      uint32_t hresult, const char *message, uint32_t actor_kind,
			      const char *actor, char *err, size_t errlen);

/* The policy's settings (one table in submit.c): each is a ca.conf key and the
 * CA property of the same name (props.c). */
size_t policy_n_settings(void);
const char *policy_setting_name(size_t i); /* NULL past the end */
int policy_setting_find(const char *key);  /* its index, or -1 */
/* 1 for the interface flags (icpr_*), which the worker enforces too. */
int policy_setting_iface(const char *key);
/* The defaults: pend, 365 days, no extension, packet privacy required, no
 * anonymous call, MS-ICPR on. */
void policy_defaults(struct policy *p);
/* Checks value and sets key in p: 0, or -1 with err (starting with the key);
 * p unchanged then. */
int policy_set(struct policy *p, const char *key, const char *value, char *err, size_t errlen);
/* key's value as policy_set takes it: 0, or -1 (no such key). */
int policy_get(const struct policy *p, const char *key, char *out, size_t outlen);
/* The rules across settings: SAN (2.5.29.17) and EKU (2.5.29.37) in
 * csr_extensions only with policy = pend. 0, or -1 with err. */
int policy_check(const struct policy *p, char *err, size_t errlen);
/* The defaults, then ca.conf's value of each setting, checked ("ca.conf: ..."
 * errors). 0 or -1 with err. */
int policy_load(const struct ca *ca, struct policy *p, char *err, size_t errlen);
/* The policy in force now: a snapshot of the properties' (props_policy), or
 * c->policy without them. */
void submit_policy(const struct submit_ctx *c, struct policy *out);
/* Binds the CA's own subject (no request may name it: guard.h) to p. */
void policy_bind_ca(struct policy *p, const struct ca *ca);

/* Who is asking, from a message's "who" (proto.h): the identity in a token
 * minted with the channel's key (acct and logon filled when not NULL), or
 * "anonymous@ADDRESS" without one (*anonymous = 1), into out. A worker that
 * names anyone without a token or passes a token that does not verify broke the
 * protocol: service_violation, -1. */
int requester_of(struct service *s, struct submit_ctx *c, const uint8_t *tok, size_t len,
		 const char *named, char *out, size_t outlen, int *anonymous,
		 struct policy_account *acct, uint64_t *logon);
/* The interface flags as the custodian checks them again (icpr_no_rpc,
 * icpr_allow_anonymous): E_ACCESSDENIED with msg, or 0. */
uint32_t access_refused(const struct policy *p, int anonymous, char *msg, size_t msglen);
struct cust_who;
/* A reader's call (CUST_RESPONSE, CUST_CAPROP): who, then the interface flags
 * (access_refused). 0 with the requester in out; -1 when the call is done with
 * (a violation, or CUST_ERROR sent to request id). */
int reader_admitted(struct service *s, struct submit_ctx *c, const struct cust_who *who,
		    uint32_t id, char *out, size_t outlen);

void handle_submit(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);
void handle_refused(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);
void handle_retrieve(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);

#endif
