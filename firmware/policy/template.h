/* Certificate templates: what a certificate of each kind may say and who may ask
 * for one (after MS-CRTD's template attributes, named plainly). Pure code: a
 * template as data, its text form (parse and format, the format is documented in
 * firmware/policy/README.md) and the rules that bind its fields together. */
#ifndef POLICY_TEMPLATE_H
#define POLICY_TEMPLATE_H

#include <stddef.h>

/* ---- bounds, defined once: the parser, the formatter, the validator and the
 * tests use these and no other number ---- */

#define TEMPLATE_NAME_MAX 64          /* bytes of a name: [A-Za-z0-9._-] */
#define TEMPLATE_DISPLAY_MAX 128      /* bytes of the display name (UTF-8) */
#define TEMPLATE_OID_MAX 127          /* bytes of a dotted OID (x509's limit) */
#define TEMPLATE_PRINCIPAL_MAX 128    /* bytes of an account or group name (UTF-8) */
#define TEMPLATE_MAX_EKU 8            /* = X509_MAX_EKU: what the certificate can carry */
#define TEMPLATE_MAX_ACCOUNTS 32      /* enroll_accounts */
#define TEMPLATE_MAX_GROUPS 32        /* enroll_groups */
#define TEMPLATE_MAX_SUPERSEDED 16    /* superseded */
#define TEMPLATE_VERSION_MAX 4294967295u /* major/minor: the template extension's INTEGER */
#define TEMPLATE_DAYS_MAX 36500u      /* validity and renewal periods, in days */
#define TEMPLATE_AGENT_SIGNATURES_MAX 8u
#define TEMPLATE_PATH_LENGTH_MAX 8u
#define TEMPLATE_LINE_MAX 8192        /* bytes of one line, its newline excluded */
#define TEMPLATE_TEXT_MAX 32768       /* bytes of a whole file; format never writes more */

/* Where the subject comes from. */
enum template_subject {
	TEMPLATE_SUBJECT_ACCOUNT = 1, /* built from the enrolling account */
	TEMPLATE_SUBJECT_REQUEST = 2, /* as the request gives it */
};

/* Where the subjectAltName comes from. */
enum template_san {
	TEMPLATE_SAN_NONE = 1,    /* no subjectAltName */
	TEMPLATE_SAN_ACCOUNT = 2, /* the account's attributes named by san_account */
	TEMPLATE_SAN_REQUEST = 3, /* as the request gives it */
};

/* The account attributes a SAN from the account holds (san_account). */
enum {
	TEMPLATE_SAN_UPN = 1 << 0,   /* otherName UPN (1.3.6.1.4.1.311.20.2.3) */
	TEMPLATE_SAN_EMAIL = 1 << 1, /* rfc822Name */
	TEMPLATE_SAN_DNS = 1 << 2,   /* dNSName (machine accounts) */
};

/* Key algorithms (key_algorithms). */
enum {
	TEMPLATE_KEY_RSA = 1 << 0,
	TEMPLATE_KEY_EC = 1 << 1,
};

struct template {
	char name[TEMPLATE_NAME_MAX + 1];            /* the CN AD CS would give it */
	char display_name[TEMPLATE_DISPLAY_MAX + 1];
	char oid[TEMPLATE_OID_MAX + 1];              /* msPKI-Cert-Template-OID */
	unsigned major_version, minor_version;       /* revision, minor revision */
	unsigned validity_days;                      /* 1..TEMPLATE_DAYS_MAX */
	unsigned renewal_days;                       /* 0..TEMPLATE_DAYS_MAX */

	/* extended key usages / application policies, dotted, in order, each once */
	size_t n_eku;
	char eku[TEMPLATE_MAX_EKU][TEMPLATE_OID_MAX + 1];
	unsigned key_usage; /* X509_KU_* bits (firmware/x509/x509.h); 0: no KeyUsage */
	int ca;             /* 1: BasicConstraints cA */
	int path_length;    /* -1: no pathLenConstraint; else 0..TEMPLATE_PATH_LENGTH_MAX */

	unsigned key_algorithms; /* TEMPLATE_KEY_* */
	unsigned rsa_min_bits;   /* 0 when RSA is not allowed */
	unsigned ec_min_bits;    /* 256 or 384; 0 when EC is not allowed */

	enum template_subject subject;
	enum template_san san;
	unsigned san_account;  /* TEMPLATE_SAN_* when san is TEMPLATE_SAN_ACCOUNT, else 0 */
	int allow_request_san; /* 1: the request's SAN with a subject from the account */

	int pend_all;                  /* 1: every request waits for an officer */
	unsigned agent_signatures;     /* enrollment-agent signatures required */
	char agent_policy[TEMPLATE_OID_MAX + 1]; /* the EKU the signers must hold; "" none */
	int renew_without_approval;    /* re-enrollment with a valid certificate of this
					* template issues without approval */
	int on_behalf;                 /* 1: an enrollment agent may request for another
					* account (at least one agent signature, with
					* agent_policy or Certificate Request Agent) */

	/* who may enroll: accounts (DOMAIN\name) and groups, each once (ASCII case
	 * ignored, as AD compares them) */
	size_t n_accounts;
	char accounts[TEMPLATE_MAX_ACCOUNTS][TEMPLATE_PRINCIPAL_MAX + 1];
	size_t n_groups;
	char groups[TEMPLATE_MAX_GROUPS][TEMPLATE_PRINCIPAL_MAX + 1];

	/* templates this one replaces (names) */
	size_t n_superseded;
	char superseded[TEMPLATE_MAX_SUPERSEDED][TEMPLATE_NAME_MAX + 1];
};

/* Parses a template's text (len bytes, no NUL needed). 0 with *out filled, or -1
 * with a message ("line N: ..." for a line's fault, "missing key K" for a key
 * that is not there) and *out untouched. Strict: unknown or repeated keys, bad or
 * out-of-range values, invalid OIDs, control characters and malformed UTF-8 are
 * refused. It does not apply the cross-field rules: template_check does. */
int template_parse(const char *text, size_t len, struct template *out, char *err,
		   size_t errlen);

/* Writes t in the canonical text form (fixed key order, lists ", "-separated,
 * optional keys only when set) into buf (cap bytes, NUL-terminated). Returns the
 * length, or -1 when t holds something the parser would refuse (it is checked
 * field by field) or buf is too small; TEMPLATE_TEXT_MAX + 1 bytes always suffice. */
long template_format(const struct template *t, char *buf, size_t cap, char *err,
		     size_t errlen);

/* The rules that bind fields together (what a PKI engineer checks before a
 * template goes live; listed in firmware/policy/README.md): 0, or -1 with the
 * first rule broken. */
int template_check(const struct template *t, char *err, size_t errlen);

/* 1 when a and b hold the same template (field by field). */
int template_equal(const struct template *a, const struct template *b);

/* The default templates the ceremony installs (README.md lists what each
 * allows): n of them, each passing template_check. */
const struct template *template_defaults(size_t *n);

#endif
