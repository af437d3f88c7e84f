/* CUST_RESPONSE (proto.h): the PKCS#7 a worker puts in pctbCert when the client
 * asked for a CMC full response (CR_IN_FULLRESPONSE) or for the CA's CRLs
 * (CR_IN_CRLS), MS-WCCE 3.2.1.4.3.1.1. */
#ifndef CUSTODIAN_RESPOND_H
#define CUSTODIAN_RESPOND_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/submit.h"
#include "firmware/ledger/row.h"
#include "firmware/x509/x509.h"

/* The sizes of the CRLs respond.c last read, by journal seq (a record never
 * changes): a CRL larger than the cap is read once, not at every request (a
 * base CRL may be hundreds of MiB; every service thread reading it at once
 * would be a client's way to exhaust the custodian's memory). One per
 * custodian (serve.c), named by submit_ctx.crl_sizes. */
#define RESPOND_CRLS_KEPT 4
struct respond_crls {
	pthread_mutex_t mu;
	uint64_t seq[RESPOND_CRLS_KEPT]; /* 0: free */
	size_t len[RESPOND_CRLS_KEPT];
	unsigned next;
};
void respond_crls_init(struct respond_crls *k);
void respond_crls_free(struct respond_crls *k);

/* Builds for request row (its owner already checked) the PKCS#7 flags ask for
 * (ICPR_CR_IN_FULLRESPONSE and/or ICPR_CR_IN_CRLS), at most max bytes:
 *   certificates: the request's certificate when issued (or since revoked),
 *     then the CA chain (c->chain, or the CA certificate alone);
 *   with CRLS: the newest base CRL and, when the newest CRL is a delta, it;
 *     when they would make the PKCS#7 larger than max (or one is known, from
 *     c->crl_sizes, to be as large as max alone: not read), none is carried and
 *     *crls_left_out is 1;
 *   with FULLRESPONSE: cmc_response_build's response, signed with the CA key in
 *     the HSM, its status from the row (issued or revoked: success; pending:
 *     pendInfo; failed or denied: failed, statusString "MESSAGE (0xHRESULT)"),
 *     bodyPartID, transactionId and senderNonce (as recipientNonce) from the
 *     recorded request when it is CMC, else bodyPartID 1;
 *   else a certs-only PKCS#7 (icpr_pkcs7_certs_only).
 * 0 with *out (x509_buf_free), or an HRESULT with msg: HR_NTE_FAIL when the HSM
 * failed, E_UNEXPECTED when the ledger could not be read or the PKCS#7 cannot
 * be built (larger than max without CRLs too). */
uint32_t respond_build(struct submit_ctx *c, const struct ledger_request_row *row,
		       uint32_t flags, size_t max, struct x509_buf *out, int *crls_left_out,
		       char *msg, size_t msglen);

/* One current CRL, as CR_IN_CRLS carries it (the same reader, the same size
 * cache): delta 0, the newest base CRL; delta 1, the newest CRL when it is a
 * delta published after that base. 0 with *out (x509_buf_free),
 * RESPOND_CRL_NONE (none published, or no current delta), RESPOND_CRL_TOO_LARGE
 * (more than max bytes: known from c->crl_sizes, then not read), or -1 with err
 * (the ledger could not be read). */
#define RESPOND_CRL_NONE 1
#define RESPOND_CRL_TOO_LARGE 2
int respond_current_crl(struct submit_ctx *c, int delta, size_t max, struct x509_buf *out,
			char *err, size_t errlen);

/* CUST_RESPONSE: who is checked as for CUST_RETRIEVE (the interface flags, then
 * the request's own requester only), then respond_build with CUST_PKCS7_MAX. */
void handle_response(struct service *s, struct submit_ctx *c, const struct ipc_msg *m);

#endif
