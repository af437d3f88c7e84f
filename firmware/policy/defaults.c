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

#define SIGN_AND_ENCRYPT (X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT)
#define ANY_KEY .key_algorithms = TEMPLATE_KEY_RSA | TEMPLATE_KEY_EC, \
	.rsa_min_bits = X509_RSA_MIN_BITS, .ec_min_bits = 256

static const struct template defaults[] = {
	{
		/* a user's own certificate: names from the account, issued at once */
		.name = "User",
		.display_name = "User",
		.oid = "1.3.6.1.4.1.311.21.8.1.1",
		.major_version = 1,
		.validity_days = 365,
		.renewal_days = 42,
		.n_eku = 3,
		.eku = { EKU_EFS, EKU_EMAIL, EKU_CLIENT_AUTH },
		.key_usage = SIGN_AND_ENCRYPT,
		.path_length = -1,
		ANY_KEY,
		.subject = TEMPLATE_SUBJECT_ACCOUNT,
		.san = TEMPLATE_SAN_ACCOUNT,
		.san_account = TEMPLATE_SAN_UPN | TEMPLATE_SAN_EMAIL,
		.renew_without_approval = 1,
		.n_groups = 1,
		.groups = { "Authenticated Users" },
	},
	{
		/* a computer's certificate: its DNS name from the account */
		.name = "Machine",
		.display_name = "Computer",
		.oid = "1.3.6.1.4.1.311.21.8.1.2",
		.major_version = 1,
		.validity_days = 365,
		.renewal_days = 42,
		.n_eku = 2,
		.eku = { EKU_CLIENT_AUTH, EKU_SERVER_AUTH },
		.key_usage = SIGN_AND_ENCRYPT,
		.path_length = -1,
		ANY_KEY,
		.subject = TEMPLATE_SUBJECT_ACCOUNT,
		.san = TEMPLATE_SAN_ACCOUNT,
		.san_account = TEMPLATE_SAN_DNS,
		.renew_without_approval = 1,
		.n_groups = 1,
		.groups = { "Domain Computers" },
	},
	{
		/* a TLS server: the names are the requester's, so an officer reads each */
		.name = "WebServer",
		.display_name = "Web Server",
		.oid = "1.3.6.1.4.1.311.21.8.1.3",
		.major_version = 1,
		.validity_days = 730,
		.renewal_days = 42,
		.n_eku = 1,
		.eku = { EKU_SERVER_AUTH },
		.key_usage = SIGN_AND_ENCRYPT,
		.path_length = -1,
		ANY_KEY,
		.subject = TEMPLATE_SUBJECT_REQUEST,
		.san = TEMPLATE_SAN_REQUEST,
		.pend_all = 1,
		.n_groups = 2,
		.groups = { "Domain Admins", "Enterprise Admins" },
	},
	{
		/* enrolls on behalf of others: every request pends */
		.name = "EnrollmentAgent",
		.display_name = "Enrollment Agent",
		.oid = "1.3.6.1.4.1.311.21.8.1.4",
		.major_version = 1,
		.validity_days = 730,
		.renewal_days = 42,
		.n_eku = 1,
		.eku = { EKU_REQUEST_AGENT },
		.key_usage = X509_KU_DIGITAL_SIGNATURE,
		.path_length = -1,
		ANY_KEY,
		.subject = TEMPLATE_SUBJECT_ACCOUNT,
		.san = TEMPLATE_SAN_ACCOUNT,
		.san_account = TEMPLATE_SAN_UPN,
		.pend_all = 1,
		.n_groups = 2,
		.groups = { "Domain Admins", "Enterprise Admins" },
	},
	{
		/* a subordinate CA: an operator issues it after reading the request */
		.name = "SubCA",
		.display_name = "Subordinate Certification Authority",
		.oid = "1.3.6.1.4.1.311.21.8.1.5",
		.major_version = 1,
		.validity_days = 1825,
		.renewal_days = 42,
		.key_usage = X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN,
		.ca = 1,
		.path_length = -1,
		.key_algorithms = TEMPLATE_KEY_RSA | TEMPLATE_KEY_EC,
		.rsa_min_bits = 3072,
		.ec_min_bits = 384,
		.subject = TEMPLATE_SUBJECT_REQUEST,
		.san = TEMPLATE_SAN_NONE,
		.pend_all = 1,
		.n_groups = 2,
		.groups = { "Domain Admins", "Enterprise Admins" },
	},
};

const struct template *template_defaults(size_t *n)
{
	*n = sizeof(defaults) / sizeof(defaults[0]);
	return defaults;
}
