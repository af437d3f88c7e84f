/* The template policy in the custodian (issue 15): firmware/policy's algorithm
 * run on what derive_request gave and on the account the identity token names,
 * with one snapshot of the template store, and the certificate's parts it
 * builds (subject, subjectAltName, SID and template extensions). The glue
 * between the pure policy library and submit/resubmit. */
#ifndef CUSTODIAN_TPOLICY_H
#define CUSTODIAN_TPOLICY_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/derive.h"
#include "firmware/identity/idtoken.h"
#include "firmware/policy/policy.h"
#include "firmware/x509/x509.h"

struct tmplstore;

#define TPOLICY_MAX_EXT 3 /* subjectAltName, SID, template */

struct tpolicy {
	struct policy_decision d; /* d.tmpl points at tmpl when a template decided */
	struct template tmpl;
	/* With POLICY_ISSUE or POLICY_PEND (tpolicy_parts): */
	struct x509_buf subject;  /* the certificate's subject (DER Name) */
	size_t n_ext;
	struct x509_ext_in ext[TPOLICY_MAX_EXT]; /* values in val[] */
	uint8_t *val[TPOLICY_MAX_EXT];
};

/* The account an identity token names (attributes included), or an anonymous
 * caller's (name = "anonymous@ADDRESS"). */
void tpolicy_account(const struct idtoken *t, const char *anonymous_name,
		     struct policy_account *a);

/* Decides: the request attributes' text (the client's, as recorded; NULL or ""
 * none) is parsed here, the request's template extensions read, the policy
 * run against a snapshot of store (NULL: no templates). Returns tp->d.hresult
 * (0 unless refused) with msg; a template decision copies its template into
 * tp->tmpl. tpolicy_free after, whatever it returned. */
uint32_t tpolicy_decide(struct tmplstore *store, const struct policy *pol,
			const struct derived *d, const char *attributes,
			const struct policy_account *a, struct tpolicy *tp, char *msg,
			size_t msglen);

/* The parts of a certificate a template decided (ISSUE or PEND): the subject
 * (the account's, or a copy of the request's), the subjectAltName (the
 * account's, or the request's where the template takes it), the SID extension
 * (when d.sid_extension) and the template extension (always). 0, or an HRESULT
 * with msg. */
uint32_t tpolicy_parts(struct tpolicy *tp, const struct derived *d,
		       const struct policy_account *a, char *msg, size_t msglen);

/* The same for a CMS or CMC request (cmsreq.h checked it): on behalf of an
 * account, a is that account's and the agents whose signatures held are
 * counted by the template; a renewal is decided by the template the renewed
 * certificate names (its 1.3.6.1.4.1.311.21.7 extension, not the request's):
 * one removed is CERTSRV_E_UNSUPPORTED_CERT_TYPE, one without
 * renew_without_approval CERTSRV_E_TEMPLATE_DENIED; otherwise it is issued
 * (approval is what the previous certificate stands for). A CMC request's
 * regInfo attributes (UTF-8 text) follow the call's. */
struct cmsreq;
uint32_t tpolicy_decide_cms(struct tmplstore *store, const struct policy *pol,
			    const struct derived *d, const char *attributes,
			    const struct cmsreq *q, const struct policy_account *a,
			    struct tpolicy *tp, char *msg, size_t msglen);

/* A renewal's parts: the renewed certificate's subject, subjectAltName and SID
 * extension as they are (never the request's, nor the account's today), and
 * the template extension of the template's current version. */
uint32_t tpolicy_parts_renewal(struct tpolicy *tp, const struct x509_cert_info *old,
			       char *msg, size_t msglen);

/* The policy's name of a key type (0 for one it knows not). */
enum policy_key tpolicy_key_type(enum x509_key_type kt);

/* "NAME MAJOR.MINOR" of the deciding template, for messages and the journal. */
void tpolicy_label(const struct tpolicy *tp, char *out, size_t outlen);

void tpolicy_free(struct tpolicy *tp);

#endif
