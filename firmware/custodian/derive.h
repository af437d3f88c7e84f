/* What the custodian derives from a request's raw bytes: the one function that
 * submit, resubmit (and every later path: renewal, on behalf of) use, so that a
 * certificate is built only from what the custodian parsed and verified itself,
 * never from fields a peer extracted. Pure code: no HSM, no ledger, no I/O. */
#ifndef CUSTODIAN_DERIVE_H
#define CUSTODIAN_DERIVE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/icpr/icpr.h"
#include "firmware/x509/cms.h"
#include "firmware/x509/x509.h"

/* subject_rule: whose subject policy = issue accepts (guard.h). */
enum subject_rule {
	SUBJECT_RULE_ACCOUNT = 0, /* the default: CN = the account's name, alone */
	SUBJECT_RULE_REQUEST,     /* the requester's, whatever it is (labs) */
};

/* The standalone policy: CA properties (caadm setprop; ca.conf's value imported
 * once), the table of firmware/custodian/submit.c. policy = pend (every request
 * waits for a certificate manager: the default, as for an offline CA) or issue;
 * subject_rule; validity_days; the interface flags, which the worker enforces
 * first and the custodian again. */
struct policy {
	int auto_issue;
	enum subject_rule subject_rule;
	/* The CA's own subject (DER Name, the CA's: it outlives the policy), which
	 * no request may name; NULL: none known. Not a setting: submit_policy binds
	 * it to every snapshot. */
	const uint8_t *ca_name;
	size_t ca_name_len;
	int allow_anonymous;    /* icpr_allow_anonymous = 1: requests without a logon */
	int enforce_encryption; /* icpr_enforce_encryption (default 1): packet privacy */
	int no_rpc;             /* icpr_no_rpc = 1: IF_NORPCICERTREQUEST, MS-ICPR off */
	unsigned days;
	/* csr_extensions = OID,OID...: the extensions a request may ask for and get
	 * (its extensionRequest); all others are dropped. Empty by default. */
	char allow[X509_MAX_EXTRA_EXT][128];
	size_t n_allow;
	/* The template policy (firmware/policy/policy.h): what a request naming no
	 * template gets, enum policy_no_template's values (no_template =
	 * standalone 1, refuse 2, default 3), and the default's name. */
	int no_template;
	char default_template[65];
};

/* A request as the custodian derived it. */
struct derived {
	uint32_t format;         /* ledger FMT_* it detected (0 when none) */
	struct icpr_request rq;  /* the PKCS#10 normalised to DER (PEM, base64, BER):
				  * the request itself, or the one a CMS or CMC
				  * request carries */
	/* CMS and CMC (issue 16): the envelope as decoded (signers, certificates,
	 * controls: their signatures are checked by cmsreq.c, which needs the
	 * ledger), and the Microsoft attributes of the PKCS#10 inside (the
	 * certificate a renewal names). NULL for a bare PKCS#10. */
	struct cms_request *cms;
	struct csr_ms_attrs *ms;
	struct x509_buf subject; /* DER Name, from the request whose signature verified */
	struct x509_buf spki;    /* DER SubjectPublicKeyInfo, ditto */
	/* The extensions it asks for that the policy allows, the first of each OID
	 * (values malloc()ed). */
	struct x509_req_ext asked[X509_MAX_EXTRA_EXT];
	size_t n_asked;
	/* For the template policy (firmware/policy/policy.h), whatever
	 * csr_extensions says: */
	int has_subject;         /* 0: the request's subject is the empty Name (a
				  * template with subject = account fills it) */
	enum x509_key_type key_type;
	unsigned key_bits;
	struct x509_buf san;     /* the requested subjectAltName's value (guarded), or empty */
	struct x509_buf tmpl_v2; /* the certificate-template extension's value
				  * (1.3.6.1.4.1.311.21.7), or empty */
	struct x509_buf tmpl_v1; /* the certificate-type extension's value
				  * (1.3.6.1.4.1.311.20.2), or empty */
};

/* Parses raw (len bytes as the requester sent them: DER, BER, PEM or base64) and
 * checks it, in this order:
 *   the channel's limits and shape (icpr_request_admit with CUST_REQUEST_LIMITS)
 *                                          E_INVALIDARG, CRYPT_E_INVALID_MSG_TYPE,
 *                                          CERTSRV_E_BAD_REQUESTSUBJECT,
 *                                          CERTSRV_E_KEY_LENGTH
 *   CMS or CMC whose envelope does not
 *     decode (firmware/x509/cms.h)          ERROR_INVALID_DATA (0x8007000D), and for
 *     the PKCS#10 it carries, everything below, the same way; its
 *     Microsoft attributes unreadable       E_INVALIDARG
 *   a key other than RSA 2048..8192 or
 *     EC P-256/P-384                       CERTSRV_E_KEY_LENGTH
 *   the signature (proof of possession)    NTE_BAD_SIGNATURE
 *   an unreadable subject                  CERTSRV_E_BAD_REQUESTSUBJECT
 *     (an empty one is derived, has_subject 0: the policy decides, a
 *     template may build the subject; submit refuses it otherwise)
 *   a subject attribute that is not a valid string, or holds a control or
 *     bidi character; the CA's own name     CERTSRV_E_BAD_REQUESTSUBJECT (guard.h)
 *   an unreadable extensionRequest (when
 *     csr_extensions allows any)           E_INVALIDARG
 *   a requested subjectAltName with such
 *     a name, allowed or not               CERTSRV_E_BAD_REQUESTSUBJECT (guard.h)
 * 0 with *d filled (derived_free), or that HRESULT with msg; d->format is set as
 * soon as the format is known, and nothing else is left to free. */
/* The signature check derive_request uses: x509_csr_verify unless a process
 * routes it elsewhere (the custodian: its verifier threads, verify_pool.h). */
typedef int (*derive_verify_fn)(const uint8_t *der, size_t len, struct x509_buf *subject,
				struct x509_buf *spki, char *err, size_t errlen);
void derive_set_verifier(derive_verify_fn fn);

uint32_t derive_request(const struct policy *p, const uint8_t *raw, size_t len,
			struct derived *d, char *msg, size_t msglen);
void derived_free(struct derived *d);

#endif
