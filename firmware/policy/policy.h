/* The policy algorithm (issue 15; DESIGN.md "Policy"; MS-CERSOD's enterprise
 * policy with the templates held on the appliance): template set x account x
 * what the custodian derived from the raw request -> issue, pend or refuse with
 * an HRESULT, and what the certificate says. Pure code: no I/O, no clock, no
 * daemon headers. The custodian (firmware/custodian/submit.c) calls it on what it
 * parsed and verified itself, never on a peer's fields. */
#ifndef POLICY_POLICY_H
#define POLICY_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/policy/template.h"

/* ---- the account: what AD would supply (caadm account --upn ...; carried from
 * ca-auth to the custodian in the identity token) ---- */
#define POLICY_ACCOUNT_NAME_MAX 256 /* DOMAIN\user (= IDTOKEN_IDENTITY_MAX) */
#define POLICY_ATTR_MAX 255         /* bytes of a UPN, an e-mail address, a DNS name */
#define POLICY_SID_MAX 184          /* "S-1-5-21-..." text: S-1-<auth>-<up to 15 sub-authorities> */
#define POLICY_MAX_GROUPS 256       /* an account's groups (= IDENTITY_MAX_GROUPS) */
#define POLICY_GROUP_MAX 128        /* = TEMPLATE_PRINCIPAL_MAX */

/* Groups every authenticated (not anonymous) account is in, as in AD. */
#define POLICY_GROUP_AUTHENTICATED "Authenticated Users"
/* The group ca-auth gives a Kerberos principal the realm vouched for but that
 * has no account here (ca.conf kerberos_unknown_principals = domain-users):
 * such a requester is not in Authenticated Users, and enrolls only on a
 * template that names this group (or its name) in enroll_groups. */
#define POLICY_GROUP_UNKNOWN_PRINCIPALS "Unknown Kerberos Principals" /* = IDENTITY_GROUP_UNKNOWN_PRINCIPALS */

struct policy_account {
	char name[POLICY_ACCOUNT_NAME_MAX + 1]; /* DOMAIN\user as authenticated */
	int anonymous;                          /* 1: no logon ("anonymous@ADDRESS") */
	char upn[POLICY_ATTR_MAX + 1];          /* "" when the account has none */
	char email[POLICY_ATTR_MAX + 1];
	char dns[POLICY_ATTR_MAX + 1];          /* machine accounts */
	char sid[POLICY_SID_MAX + 1];
	size_t n_groups;
	char groups[POLICY_MAX_GROUPS][POLICY_GROUP_MAX + 1];
};

/* ---- the request, as the custodian derived it ---- */
#define POLICY_MAX_AGENTS 4  /* agent signatures counted (= CMS_SIGNERS_MAX) */
#define POLICY_AGENT_EKUS 8  /* EKUs read from an agent's certificate (= X509_MAX_EKU) */
#define POLICY_EKU_REQUEST_AGENT "1.3.6.1.4.1.311.20.2.1" /* Certificate Request Agent */
enum policy_key {
	POLICY_KEY_RSA = 1,
	POLICY_KEY_EC = 2,
};

struct policy_request {
	/* The CertificateTemplate: request attribute (its value; "" none). */
	char attr_template[TEMPLATE_OID_MAX + 1];
	/* The request's certificate-template extension, when it has one:
	 * 1.3.6.1.4.1.311.21.7 (v2: an OID and versions) or 1.3.6.1.4.1.311.20.2
	 * (v1: a name, BMPString). */
	int has_ext_v2;
	char ext_oid[TEMPLATE_OID_MAX + 1];
	unsigned ext_major, ext_minor;
	int ext_has_minor;
	int has_ext_v1;
	char ext_name[TEMPLATE_NAME_MAX + 1];
	/* the key */
	enum policy_key key_type;
	unsigned key_bits; /* RSA modulus bits, or the EC curve's (256, 384) */
	/* 1: the request's subject is not empty; 1: it asks for a subjectAltName */
	int has_subject, has_san;
	/* Enroll on behalf of (issue 16): 1 when an enrollment agent asks for the
	 * account given to policy_decide (not the caller), and for each agent
	 * signature the custodian verified (a certificate this CA issued, valid,
	 * unrevoked, the signature good) the extended key usages of the agent's
	 * certificate. Counting them against the template is the policy's. */
	int on_behalf;
	size_t n_agents;
	struct policy_agent {
		size_t n_eku;
		char eku[POLICY_AGENT_EKUS][TEMPLATE_OID_MAX + 1];
	} agents[POLICY_MAX_AGENTS];
};

/* ---- the CA property for requests that name no template ---- */
enum policy_no_template {
	POLICY_NO_TEMPLATE_REFUSE = 1, /* CERTSRV_E_NO_CERT_TYPE */
	POLICY_NO_TEMPLATE_PEND = 2,   /* the standalone policy: pend (a new CA's default) */
	POLICY_NO_TEMPLATE_USE = 3,    /* given the template named in default_template */
};

struct policy_settings {
	enum policy_no_template no_template;
	char default_template[TEMPLATE_NAME_MAX + 1]; /* with POLICY_NO_TEMPLATE_USE */
};

/* ---- the decision ---- */
enum policy_outcome {
	POLICY_REFUSE = 1,     /* hresult says why; message for the requester */
	POLICY_PEND = 2,       /* an officer decides */
	POLICY_ISSUE = 3,
	POLICY_STANDALONE = 4, /* no template, pended by the standalone policy */
};

struct policy_decision {
	enum policy_outcome outcome;
	uint32_t hresult; /* 0 unless POLICY_REFUSE */
	char message[256];
	/* The template that decided (NULL for POLICY_STANDALONE, and for a refusal
	 * before one was found): a pointer into the caller's set. */
	const struct template *tmpl;
	/* What the certificate takes from where (meaningful with tmpl): */
	int subject_from_account;   /* 1: the subject is built from the account */
	unsigned san_from_account;  /* TEMPLATE_SAN_* bits built from the account */
	int san_from_request;       /* 1: the request's subjectAltName is kept */
	int sid_extension;          /* 1: the certificate carries the account's SID */
	/* The template's key_usage for this key: keyEncipherment and
	 * dataEncipherment dropped for an EC key (RFC 5480 3). */
	unsigned key_usage;
};

/* The algorithm, in this order (firmware/policy/README.md "The policy algorithm"):
 *  1. which template: the attribute's name (or OID), the v2 extension's OID, the
 *     v1 extension's name; two that name different templates
 *     -> CERTSRV_E_TEMPLATE_CONFLICT; none -> the settings (refused with
 *     CERTSRV_E_NO_CERT_TYPE, POLICY_STANDALONE, or the default template);
 *     a name or OID not in set -> CERTSRV_E_UNSUPPORTED_CERT_TYPE;
 *  2. the v2 extension's version against the template's: another major version,
 *     or a newer minor -> CERTSRV_E_BAD_TEMPLATE_VERSION;
 *  3. who may enroll: the account by name, or one of its groups (with
 *     POLICY_GROUP_AUTHENTICATED for every logon), ASCII case ignored; an
 *     anonymous requester never -> CERTSRV_E_TEMPLATE_DENIED;
 *  3b. enrollment agents: a request on behalf of another account needs a
 *     template with on_behalf (else CERTSRV_E_TEMPLATE_DENIED) and at least
 *     max(1, agent_signatures) agents whose certificates hold agent_policy
 *     (Certificate Request Agent when it names none): fewer, with an agent
 *     lacking it -> CERTSRV_E_SIGNATURE_POLICY_REQUIRED, else
 *     CERTSRV_E_SIGNATURE_COUNT; a template needing agents refuses a request
 *     without them (CERTSRV_E_SIGNATURE_COUNT);
 *  4. the key against key_algorithms and the minimum sizes
 *     -> CERTSRV_E_KEY_LENGTH;
 *  5. names: a subject from the account needs what it is built from (a DNS
 *     name for a machine's, CERTSRV_E_SUBJECT_DNS_REQUIRED); each SAN attribute
 *     the template takes from the account must be set (CERTSRV_E_SUBJECT_UPN_,
 *     _EMAIL_, _DNS_REQUIRED); a template whose subject or SAN comes from the
 *     request needs the request to give one (CERTSRV_E_BAD_REQUESTSUBJECT,
 *     CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED); the request's SAN is kept only
 *     where the template says so (san = request), dropped otherwise;
 *  6. pend_all -> POLICY_PEND, else POLICY_ISSUE.
 * n_set templates in set (latest versions). Returns d->hresult (0 unless
 * refused). */
uint32_t policy_decide(const struct template *set, size_t n_set,
		       const struct policy_settings *settings, const struct policy_account *acct,
		       const struct policy_request *req, struct policy_decision *d);

/* The template's key_usage for a key of that type: keyEncipherment and
 * dataEncipherment dropped for an EC key (RFC 5480 3); what policy_decide puts
 * in the decision, and what resubmission recomputes. */
unsigned policy_key_usage(const struct template *t, enum policy_key key);

/* ---- the certificate's parts the template builds (DER, malloc()ed into *out,
 * *outlen; 0 or -1 with err). Encoded with libtasn1 (firmware/asn1/pkix.asn). */

/* The subject from the account: CN = the DNS name for a template whose SAN
 * takes the DNS name (a machine), else CN = the user part of DOMAIN\user. */
int policy_subject_der(const struct template *t, const struct policy_account *a,
		       uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* The subjectAltName extension's value (GeneralNames) from the account:
 * otherName UPN (1.3.6.1.4.1.311.20.2.3, UTF8String), rfc822Name, dNSName, in
 * that order, for the TEMPLATE_SAN_* bits in which. */
int policy_san_der(unsigned which, const struct policy_account *a, uint8_t **out,
		   size_t *outlen, char *err, size_t errlen);

/* The SID extension's value (1.3.6.1.4.1.311.25.2, szOID_NTDS_CA_SECURITY_EXT):
 * SEQUENCE { otherName { 1.3.6.1.4.1.311.25.2.1, [0] OCTET STRING sid-text } },
 * as AD CS writes it since KB5014754. */
int policy_sid_der(const char *sid, uint8_t **out, size_t *outlen, char *err, size_t errlen);

/* The certificate-template extension's value (1.3.6.1.4.1.311.21.7):
 * SEQUENCE { templateID OID, templateMajorVersion INTEGER,
 * templateMinorVersion INTEGER }. */
int policy_template_ext_der(const struct template *t, uint8_t **out, size_t *outlen,
			    char *err, size_t errlen);

/* Reads a request's template extensions into req (has_ext_v2 / has_ext_v1 and
 * their fields): value is the extnValue's contents. 0, or -1 with err for a
 * value that does not decode (the custodian refuses such a request with
 * E_INVALIDARG). */
int policy_read_template_ext_v2(const uint8_t *value, size_t len, struct policy_request *req,
				char *err, size_t errlen);
int policy_read_template_ext_v1(const uint8_t *value, size_t len, struct policy_request *req,
				char *err, size_t errlen);

#endif
