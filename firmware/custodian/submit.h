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

struct checkpointer;

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
	/* The ledger's checkpoints (checkpoint.h): one at every CRL. NULL: none. */
	struct checkpointer *checkpoints;
};

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
int submit_issue(struct submit_ctx *c, struct ledger_event *req, uint32_t request_id,
		 const struct x509_buf *subject, const struct x509_buf *spki,
		 const struct x509_ext_in *extra, size_t n_extra, struct issue_result *out);
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

/* Reads the policy from the CA's configuration; -1 with err on a bad value. */
int policy_load(const struct ca *ca, struct policy *p, char *err, size_t errlen);

void handle_submit(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);
void handle_refused(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);
void handle_retrieve(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);

#endif
