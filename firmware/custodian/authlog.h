/* CUST_AUTH_EVENT (proto.h): the worker's account of a refused logon or a
 * refused protected call, journaled as an operator-action-style event. */
#ifndef CUSTODIAN_AUTHLOG_H
#define CUSTODIAN_AUTHLOG_H

#include "firmware/custodian/submit.h"

void handle_auth_event(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);

#endif
