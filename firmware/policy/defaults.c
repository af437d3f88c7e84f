/* The default templates the ceremony installs (template_defaults, template.h),
 * named as AD CS names its own, with safe defaults; README.md lists what each
 * allows. Data only: each must pass template_check (tests/unit/test_policy_template.c).
 *
 * Their OIDs are fixed placeholders under AD CS's template arc
 * (1.3.6.1.4.1.311.21.8): AD gives each forest random arcs there, which no
 * default of ours can collide with (1.3.6.1.4.1.311.21.8.1.N). */
#include "firmware/policy/template.h"

#include "firmware/x509/x509.h"

#define EKU_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define EKU_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define EKU_EMAIL "1.3.6.1.5.5.7.3.4"
#define EKU_EFS "1.3.6.1.4.1.311.10.3.4"
#define EKU_REQUEST_AGENT "1.3.6.1.4.1.311.20.2.1"

/* A list's entries and their count, the count taken from the list (so the two
 * cannot disagree). */
#define N_OF(...) (sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *))
#define EKUS(...) .n_eku = N_OF(__VA_ARGS__), .eku = {__VA_ARGS__}
#define GROUPS(...) .n_groups = N_OF(__VA_ARGS__), .groups = {__VA_ARGS__}

/* What every default is: version 1.0, renewal offered 42 days before expiry
 * (README.md, "The default templates"). */
#define EVERY_DEFAULT .major_version = 1, .renewal_days = 42
/* An end entity's: no pathLenConstraint (there are no BasicConstraints). */
#define END_ENTITY .path_length = -1
/* Those whose every request an officer reads: administrators enroll. */
#define ADMINS GROUPS("Domain Admins", "Enterprise Admins")

#define SIGN_AND_ENCRYPT (X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT)
#define ANY_KEY .key_algorithms = TEMPLATE_KEY_RSA | TEMPLATE_KEY_EC, \
	.rsa_min_bits = X509_RSA_MIN_BITS, .ec_min_bits = 256

static const struct template defaults[] = {
	{
		/* a user's own certificate: names from the account, issued at once */
		.name = "User",
		.display_name = "User",
		.oid = "1.3.6.1.4.1.311.21.8.1.1",
		EVERY_DEFAULT,
		END_ENTITY,
		.validity_days = 365,
		EKUS(EKU_EFS, EKU_EMAIL, EKU_CLIENT_AUTH),
		.key_usage = SIGN_AND_ENCRYPT,
		ANY_KEY,
		.subject = TEMPLATE_SUBJECT_ACCOUNT,
		.san = TEMPLATE_SAN_ACCOUNT,
		.san_account = TEMPLATE_SAN_UPN | TEMPLATE_SAN_EMAIL,
		.renew_without_approval = 1,
		/* an enrollment agent (EnrollmentAgent, which an officer approves)
		 * may enroll a user, as at a smart-card station (MS-CERSOD
		 * Example 6) */
		.on_behalf = 1,
		GROUPS("Authenticated Users"),
	},
	{
		/* a computer's certificate: its DNS name from the account */
		.name = "Machine",
		.display_name = "Computer",
		.oid = "1.3.6.1.4.1.311.21.8.1.2",
		EVERY_DEFAULT,
		END_ENTITY,
		.validity_days = 365,
		EKUS(EKU_CLIENT_AUTH, EKU_SERVER_AUTH),
		.key_usage = SIGN_AND_ENCRYPT,
		ANY_KEY,
		.subject = TEMPLATE_SUBJECT_ACCOUNT,
		.san = TEMPLATE_SAN_ACCOUNT,
		.san_account = TEMPLATE_SAN_DNS,
		.renew_without_approval = 1,
		GROUPS("Domain Computers"),
	},
	{
		/* a TLS server: the names are the requester's, so an officer reads each */
		.name = "WebServer",
		.display_name = "Web Server",
		.oid = "1.3.6.1.4.1.311.21.8.1.3",
		EVERY_DEFAULT,
		END_ENTITY,
		.validity_days = 730,
		EKUS(EKU_SERVER_AUTH),
		.key_usage = SIGN_AND_ENCRYPT,
		ANY_KEY,
		.subject = TEMPLATE_SUBJECT_REQUEST,
		.san = TEMPLATE_SAN_REQUEST,
		.pend_all = 1,
		ADMINS,
	},
	{
		/* enrolls on behalf of others: every request pends */
		.name = "EnrollmentAgent",
		.display_name = "Enrollment Agent",
		.oid = "1.3.6.1.4.1.311.21.8.1.4",
		EVERY_DEFAULT,
		END_ENTITY,
		.validity_days = 730,
		EKUS(EKU_REQUEST_AGENT),
		.key_usage = X509_KU_DIGITAL_SIGNATURE,
		ANY_KEY,
		.subject = TEMPLATE_SUBJECT_ACCOUNT,
		.san = TEMPLATE_SAN_ACCOUNT,
		.san_account = TEMPLATE_SAN_UPN,
		.pend_all = 1,
		ADMINS,
	},
	{
		/* a subordinate CA: an operator issues it after reading the request */
		.name = "SubCA",
		.display_name = "Subordinate Certification Authority",
		.oid = "1.3.6.1.4.1.311.21.8.1.5",
		EVERY_DEFAULT,
		/* signs end entities only: a CA below it would escape the officer
		 * who read this request */
		.path_length = 0,
		.validity_days = 1825,
		.key_usage = X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN,
		.ca = 1,
		.key_algorithms = TEMPLATE_KEY_RSA | TEMPLATE_KEY_EC,
		.rsa_min_bits = 3072,
		.ec_min_bits = 384,
		.subject = TEMPLATE_SUBJECT_REQUEST,
		.san = TEMPLATE_SAN_NONE,
		.pend_all = 1,
		ADMINS,
	},
};

const struct template *template_defaults(size_t *n)
{
	*n = sizeof(defaults) / sizeof(defaults[0]);
	return defaults;
}
