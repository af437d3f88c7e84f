/* Enrollment in the custodian: CUST_SUBMIT and CUST_RETRIEVE (proto.h), the
 * standalone CA's policy, and the ledger records around each decision. */
#ifndef CUSTODIAN_SUBMIT_H
#define CUSTODIAN_SUBMIT_H

#include "firmware/custodian/ca.h"
#include "firmware/custodian/record.h"
#include "platform/service.h"

/* The standalone policy (DATA/ca.conf): policy = pend (every request waits for a
 * certificate manager: the default, as for an offline CA) or issue; validity_days. */
struct policy {
	int auto_issue;
	unsigned days;
};

struct submit_ctx {
	struct ca *ca;
	struct record *rec;
	struct policy policy;
};

/* Reads the policy from the CA's configuration; -1 with err on a bad value. */
int policy_load(const struct ca *ca, struct policy *p, char *err, size_t errlen);

void handle_submit(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);
void handle_retrieve(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);

#endif
