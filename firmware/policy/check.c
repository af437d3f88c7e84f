/* template_check: the rules that bind a template's fields together (template.h).
 * Each refusal names the rule and, where there is one, the attack class of
 * "Certified Pre-Owned" (SpecterOps, 2021) it closes; README.md lists them. */
#include "firmware/policy/template.h"

#include <string.h>
#include <strings.h>

#include "firmware/x509/x509.h"
#include "platform/errbuf.h"

/* EKUs that let the holder act for anyone: any purpose, enroll on behalf of
 * others, recover others' archived keys. Only an officer may grant them (the
 * custodian's lint says the same of a request: firmware/custodian/lint.c). */
static const struct {
	const char *oid, *what;
} powerful[] = {
	{ "2.5.29.37.0", "anyExtendedKeyUsage" },
	{ "1.3.6.1.4.1.311.20.2.1", "Certificate Request Agent" },
	{ "1.3.6.1.4.1.311.21.6", "Key Recovery Agent" },
};

/* EKUs a domain controller accepts for a logon with the certificate: a name the
 * requester chose there is a logon as whoever it names. */
static const struct {
	const char *oid, *what;
} logon[] = {
	{ "1.3.6.1.5.5.7.3.2", "Client Authentication" },
	{ "1.3.6.1.4.1.311.20.2.2", "Smart Card Logon" },
	{ "1.3.6.1.5.2.3.4", "PKINIT Client Authentication" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define EKU_OCSP_SIGNING "1.3.6.1.5.5.7.3.9"
#define EKU_REQUEST_AGENT "1.3.6.1.4.1.311.20.2.1"

/* Enrollment agents: signers named by their policy, and a policy other than
 * the Certificate Request Agent EKU (which check_eku already keeps behind an
 * officer on the agents' own template) may name signers no officer vetted for
 * the role: such a template pends. */
static int check_agents(const struct template *t, char *err, size_t errlen)
{
	if (t->agent_signatures > 0 && t->agent_policy[0] == 0)
		return err_set(err, errlen, "agent_signatures = %u needs agent_policy (the eku "
					    "the signers must hold)",
			       t->agent_signatures);
	if (t->agent_signatures == 0 && t->agent_policy[0] != 0)
		return err_set(err, errlen, "agent_policy needs agent_signatures of 1 or more");
	if (t->agent_policy[0] != 0 && strcmp(t->agent_policy, EKU_REQUEST_AGENT) != 0 &&
	    !t->pend_all)
		return err_set(err, errlen, "agent_policy %.*s is not Certificate Request Agent "
					    "(%s): it needs pend_all = yes",
			       TEMPLATE_OID_MAX, t->agent_policy, EKU_REQUEST_AGENT);
	return 0;
}

static int check_ca(const struct template *t, char *err, size_t errlen)
{
	if (t->ca) {
		if (!t->pend_all)
			return err_set(err, errlen, "ca = yes needs pend_all = yes: a CA "
						    "certificate is an officer's decision");
		if (!(t->key_usage & X509_KU_KEY_CERT_SIGN))
			return err_set(err, errlen, "ca = yes needs key_usage keyCertSign");
		if (t->renew_without_approval)
			return err_set(err, errlen, "ca = yes with renew_without_approval = yes: "
						    "a CA certificate is renewed with approval only");
		return 0;
	}
	if (t->key_usage & (X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN))
		return err_set(err, errlen, "key_usage keyCertSign or cRLSign needs ca = yes");
	if (t->path_length >= 0)
		return err_set(err, errlen, "path_length needs ca = yes");
	return 0;
}

static int check_eku(const struct template *t, char *err, size_t errlen)
{
	if (t->pend_all)
		return 0;
	if (t->n_eku == 0)
		return err_set(err, errlen, "no eku: a certificate without one serves any "
					    "purpose; list the purposes or set pend_all = yes "
					    "(ESC2)");
	for (size_t i = 0; i < t->n_eku; i++) {
		for (size_t k = 0; k < N(powerful); k++)
			if (strcmp(t->eku[i], powerful[k].oid) == 0)
				return err_set(err, errlen,
					       "eku %s (%s) needs pend_all = yes (ESC2, ESC3)",
					       powerful[k].oid, powerful[k].what);
		/* A delegated OCSP responder answers for every certificate of the CA
		 * (RFC 6960 4.2.2.2): naming one is an officer's decision. */
		if (strcmp(t->eku[i], EKU_OCSP_SIGNING) == 0)
			return err_set(err, errlen,
				       "eku %s (OCSP Signing) needs pend_all = yes: a delegated "
				       "OCSP responder is an officer's decision",
				       EKU_OCSP_SIGNING);
	}
	return 0;
}

static int check_names(const struct template *t, char *err, size_t errlen)
{
	int from_request = t->subject == TEMPLATE_SUBJECT_REQUEST || t->san == TEMPLATE_SAN_REQUEST;

	if (t->san == TEMPLATE_SAN_REQUEST && t->subject == TEMPLATE_SUBJECT_ACCOUNT &&
	    !t->allow_request_san)
		return err_set(err, errlen, "san = request with subject = account needs "
					    "allow_request_san = yes (ESC6)");
	if (t->allow_request_san &&
	    !(t->san == TEMPLATE_SAN_REQUEST && t->subject == TEMPLATE_SUBJECT_ACCOUNT))
		return err_set(err, errlen, "allow_request_san = yes applies only to san = "
					    "request with subject = account");
	if (!from_request || t->pend_all)
		return 0;
	for (size_t i = 0; i < t->n_eku; i++)
		for (size_t k = 0; k < N(logon); k++)
			if (strcmp(t->eku[i], logon[k].oid) == 0)
				return err_set(err, errlen,
					       "a subject or san from the request with eku %s (%s) "
					       "needs pend_all = yes (ESC1)",
					       logon[k].oid, logon[k].what);
	return 0;
}

static int check_keys(const struct template *t, char *err, size_t errlen)
{
	int rsa = (t->key_algorithms & TEMPLATE_KEY_RSA) != 0;
	int ec = (t->key_algorithms & TEMPLATE_KEY_EC) != 0;

	if (rsa && t->rsa_min_bits == 0)
		return err_set(err, errlen, "key_algorithms rsa needs rsa_min_bits");
	if (!rsa && t->rsa_min_bits != 0)
		return err_set(err, errlen, "rsa_min_bits without rsa in key_algorithms");
	if (ec && t->ec_min_bits == 0)
		return err_set(err, errlen, "key_algorithms ec needs ec_min_bits");
	if (!ec && t->ec_min_bits != 0)
		return err_set(err, errlen, "ec_min_bits without ec in key_algorithms");
	/* An EC key is never given keyEncipherment or dataEncipherment (RFC 5480 3):
	 * a key usage of only those would leave its certificate without a KeyUsage,
	 * which means any usage. */
	if (ec && t->key_usage != 0 &&
	    (t->key_usage & ~(unsigned)(X509_KU_KEY_ENCIPHERMENT | X509_KU_DATA_ENCIPHERMENT)) == 0)
		return err_set(err, errlen, "key_usage of keyEncipherment or dataEncipherment alone "
					    "leaves an EC key no usage (RFC 5480): add "
					    "digitalSignature or keyAgreement, or drop ec");
	return 0;
}

int template_check(const struct template *t, char *err, size_t errlen)
{
	if (t->n_eku > TEMPLATE_MAX_EKU || t->n_superseded > TEMPLATE_MAX_SUPERSEDED ||
	    t->n_accounts > TEMPLATE_MAX_ACCOUNTS || t->n_groups > TEMPLATE_MAX_GROUPS)
		return err_set(err, errlen, "a list is longer than its bound");
	if (t->renewal_days >= t->validity_days)
		return err_set(err, errlen,
			       "renewal_days (%u) must be shorter than validity_days (%u)",
			       t->renewal_days, t->validity_days);
	if (check_ca(t, err, errlen) != 0 || check_eku(t, err, errlen) != 0 ||
	    check_names(t, err, errlen) != 0 || check_keys(t, err, errlen) != 0)
		return -1;
	if (check_agents(t, err, errlen) != 0)
		return -1;
	if (t->n_accounts == 0 && t->n_groups == 0)
		return err_set(err, errlen, "nobody may enroll: name enroll_accounts or "
					    "enroll_groups");
	for (size_t i = 0; i < t->n_superseded; i++)
		if (strncasecmp(t->superseded[i], t->name, sizeof(t->name)) == 0)
			return err_set(err, errlen, "superseded names the template itself");
	return 0;
}
