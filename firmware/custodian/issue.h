/* Certificate issuance inside the custodian: profiles fill a struct x509_tbs
 * from typed inputs, then issue_sign() encodes it, lints the encoding against
 * the intent (Boulder's "lint what you are about to sign"), signs it on the HSM
 * and checks the signature before the certificate leaves the process. */
#ifndef CUSTODIAN_ISSUE_H
#define CUSTODIAN_ISSUE_H

#include "firmware/custodian/ca.h"

/* Clock skew allowance: notBefore is backdated by this much, as AD CS does. */
#define ISSUE_CLOCK_SKEW 600

/* Self-signed root: BasicConstraints cA (critical), KeyUsage keyCertSign|cRLSign
 * (critical), SKI, AKI = SKI. -1, or CA_EHSM when the HSM failed (the serial). */
int profile_root(struct ca *ca, const struct x509_buf *subject, unsigned days,
		 struct x509_tbs *t, char *err, size_t errlen);
/* The CA exchange certificate: KeyUsage keyEncipherment, EKU 1.3.6.1.4.1.311.21.5.
 * -1, or CA_EHSM when the HSM failed (the serial). */
int profile_xchg(struct ca *ca, const struct x509_buf *subject, const struct x509_buf *spki,
		 unsigned days, struct x509_tbs *t, char *err, size_t errlen);
/* The CDP/AIA pointers issued certificates carry (the CA's properties). */
struct ca_urls {
	char cdp[512], aia[512], ocsp[512];
};
/* End entity for profile CUST_PROFILE_*; validity capped at the CA's notAfter.
 * urls: the pointers to write (they must outlive t), or NULL for ca.conf's.
 * -1 for what was asked, CA_EHSM when the HSM failed (the serial's randomness). */
int profile_end_entity(struct ca *ca, unsigned profile, const struct x509_buf *subject,
		       const struct x509_buf *spki, unsigned days, const struct ca_urls *urls,
		       struct x509_tbs *t, char *err, size_t errlen);
struct template;
/* End entity (or subordinate CA) after a certificate template (firmware/policy):
 * its validity (capped at the CA's notAfter), key_usage (the policy's, for the
 * key: policy_decision.key_usage), EKUs in its order, BasicConstraints for a CA
 * template (with its path length), the CA's pointers. The names and the SID and
 * template extensions go in t->extra (the caller's). -1, or CA_EHSM. */
int profile_template(struct ca *ca, const struct template *tp, unsigned key_usage,
		     const struct x509_buf *subject, const struct x509_buf *spki,
		     const struct ca_urls *urls, struct x509_tbs *t, char *err, size_t errlen);
/* Frees what a profile allocated in t (issuer, subject, spki copies). */
void profile_free(struct x509_tbs *t);

/* lint_tbs, issue_sign: the intent asks for what the CA grants only through a
 * certificate manager (an agent purpose from the request): a refusal of the
 * request, not an encoder bug. */
#define ISSUE_EREFUSED (-3)

/* The purposes (extKeyUsage) only a certificate manager may grant: 1 for
 * anyExtendedKeyUsage (2.5.29.37.0), the Certificate Request Agent
 * (1.3.6.1.4.1.311.20.2.1) and the key recovery agent (1.3.6.1.4.1.311.21.6). */
int lint_officer_only_eku(const char *oid);

/* Checks the encoded TBS says exactly what the intent says, and that the intent
 * is sane (validity order, serial, CA flags, key sizes), and that an
 * extKeyUsage among t->extra names none of lint_officer_only_eku's purposes
 * unless an officer set it (x509_ext_in.officer). 0, -1 with err, or
 * ISSUE_EREFUSED with err when only the agent purposes stand in the way. */
int lint_tbs(const struct x509_tbs *intent, const struct x509_buf *tbs, char *err,
	     size_t errlen);

/* Encode, lint, sign with key, assemble, verify with signer_spki. CA_EHSM when
 * the HSM failed to sign (err then starts "HSM unavailable: " if it is away),
 * ISSUE_EREFUSED when lint refused a requested agent purpose. */
int issue_sign(struct ca *ca, const struct hsm_key *key, const struct x509_buf *signer_spki,
	       const struct x509_tbs *t, struct x509_buf *cert, char *err, size_t errlen);

/* Called with the linted TBS before it goes to the HSM: records the intent (persist,
 * then sign). Non-zero stops the issuance with err. */
typedef int (*issue_record_fn)(void *ctx, const struct x509_buf *tbs, char *err,
			       size_t errlen);
/* issue_sign with record called between lint and signature. */
int issue_sign_recorded(struct ca *ca, const struct hsm_key *key,
			const struct x509_buf *signer_spki, const struct x509_tbs *t,
			issue_record_fn record, void *ctx, struct x509_buf *cert, char *err,
			size_t errlen);

#endif
