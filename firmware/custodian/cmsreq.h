/* What a CMS or CMC request is (issue 16; MS-WCCE 3.2.1.4.2.1.4.2 and .3), and
 * whether the signatures it rests on hold: the custodian's own checks on the
 * envelope derive.c decoded, with the ledger's word on the certificates named.
 *
 *   renewal: the PKCS#10 inside names a certificate (1.3.6.1.4.1.311.13.1);
 *     that certificate is carried and a signer names it; it is this CA's (its
 *     issuer and signature, and the ledger holds those very bytes under its
 *     serial), not revoked, within its validity; that signer's signature
 *     verifies with its key; the caller is whom it was issued to.
 *   on behalf of: a signer's signed attributes (CMS) or the CMC controls name
 *     an account (RequesterName); every signer with a certificate is an
 *     enrollment agent, each checked as a renewal's certificate is (this CA's,
 *     unrevoked, valid, its signature good), its EKUs kept for the policy,
 *     which counts them against the template.
 *   new: neither; the request is the caller's own, and every signer must
 *     still verify (a CMS whose signatures fail is refused, not ignored).
 * A signer without a carried certificate may be the request's own key (its
 * subject key identifier), as in Microsoft's CMC requests; any other is
 * refused.
 *
 * Refusals carry the HRESULT AD CS gives and a message; cmsreq.c says which. */
#ifndef CUSTODIAN_CMSREQ_H
#define CUSTODIAN_CMSREQ_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/derive.h"
#include "firmware/ledger/event.h"
#include "firmware/x509/cms.h"

struct submit_ctx;

enum cmsreq_kind {
	CMSREQ_NEW = 0,
	CMSREQ_RENEWAL = 1,
	CMSREQ_ON_BEHALF = 2,
};

struct cmsreq_agent {
	uint8_t serial[LEDGER_SERIAL_MAX];
	size_t serial_len;
	size_t n_eku;
	char eku[X509_MAX_EKU][128];
};

struct cmsreq {
	enum cmsreq_kind kind;
	/* renewal: the certificate renewed, decoded, and whom it was issued to */
	struct x509_cert_info old;
	int have_old;
	char owner[LEDGER_NAME_MAX + 1];
	/* on behalf: the account named, and the agents whose signatures held */
	char account[CMS_NV_TEXT_MAX];
	size_t n_agents;
	struct cmsreq_agent agents[CMS_SIGNERS_MAX];
};

/* Checks d (a CMS or CMC request derive_request accepted) for the caller
 * (requester: the identity recorded). 0 with *q filled (cmsreq_free), or the
 * HRESULT with msg; *q then needs cmsreq_free too. */
uint32_t cmsreq_check(struct submit_ctx *c, const struct derived *d, const char *requester,
		      struct cmsreq *q, char *msg, size_t msglen);
void cmsreq_free(struct cmsreq *q);

/* 1 when one of the agents whose signatures held has Certificate Request Agent
 * (1.3.6.1.4.1.311.20.2.1) among its EKUs. */
int cmsreq_has_agent(const struct cmsreq *q);

/* Whom the certificate of request row is for: its requester, or the account
 * an enrollment agent asked for (the request's on-behalf link, recorded right
 * after it). 0 with out, or -1 with err. */
struct ledger_request_row;
int cmsreq_owner(struct submit_ctx *c, const struct ledger_request_row *row, char *out,
		 size_t outlen, char *err, size_t errlen);

/* The RequesterName a request names (a signer's signed name-value pair or a CMC
 * control, "RequesterName" compared ignoring ASCII case): 1 with out, 0 when
 * none, -1 when two differ (msg). */
int cmsreq_requester_name(const struct cms_request *r, char *out, size_t outlen, char *msg,
			  size_t msglen);

#endif
