/* The template policy's glue in the custodian (firmware/custodian/tpolicy.c):
 * what it reads of a derived request (the CertificateTemplate attribute, the
 * template extensions, the key, the names), the account from an identity token,
 * the certificate's parts, and every refusal of its own. Requests are made by
 * the openssl CLI (support/x509_oracle) and derived by derive_request, the
 * custodian's one path; the template store is filled with the defaults by hand
 * (no ledger: tmplstore's own tests journal them). The parts are read back with
 * firmware/x509's decoders and compared with DER written by hand from the specs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/custodian/derive.h"
#include "firmware/identity/attrs.h"
#include "firmware/policy/policy.h"
#include "firmware/custodian/submit.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/custodian/tpolicy.h"
#include "firmware/icpr/hresult.h"
#include "tests/unit/support/x509_oracle.h"

static char msg[512];
static struct tmplstore store;
static struct policy pol;

static int setup(void **state)
{
	size_t n;
	const struct template *d = template_defaults(&n);

	(void)state;
	if (oracle_dir() == NULL || tmplstore_init(&store) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		store.t[i] = d[i];
	store.n = n;
	policy_defaults(&pol);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tmplstore_free(&store);
	oracle_cleanup();
	return 0;
}

/* A request by openssl req with a P-256 key (or the key options in keyopt), the
 * subject subj and the extra options. */
static void csr(const char *keyopt, const char *subj, const char *extra, struct derived *d)
{
	struct x509_buf der;
	char *out = NULL;

	if (oracle_run(&out, "openssl req -new -newkey %s -nodes -keyout '%s' -subj '%s' %s "
			     "-outform DER -out '%s' 2>&1",
		       keyopt != NULL ? keyopt : "ec -pkeyopt ec_paramgen_curve:P-256",
		       oracle_path("tp.key"), subj, extra, oracle_path("tp.csr")) != 0)
		fail_msg("openssl req: %s", out);
	free(out);
	assert_int_equal(oracle_read(oracle_path("tp.csr"), &der), 0);
	if (derive_request(&pol, der.data, der.len, d, msg, sizeof msg) != 0)
		fail_msg("derive: %s", msg);
	x509_buf_free(&der);
}

static void alice(struct policy_account *a)
{
	struct idtoken t;

	memset(&t, 0, sizeof t);
	snprintf(t.identity, sizeof t.identity, "EXAMPLE\\alice");
	snprintf(t.upn, sizeof t.upn, "alice@example.test");
	snprintf(t.email, sizeof t.email, "alice@example.test");
	snprintf(t.sid, sizeof t.sid, "S-1-5-21-1-2-3-1104");
	t.n_groups = 1;
	snprintf(t.groups[0], sizeof t.groups[0], "Staff");
	tpolicy_account(&t, NULL, a);
}

/* The token's attributes reach the policy's account; an anonymous caller has
 * none and is marked. */
static void test_account_from_token(void **state)
{
	struct policy_account a;

	(void)state;
	alice(&a);
	assert_string_equal(a.name, "EXAMPLE\\alice");
	assert_string_equal(a.upn, "alice@example.test");
	assert_string_equal(a.sid, "S-1-5-21-1-2-3-1104");
	assert_int_equal(a.n_groups, 1);
	assert_string_equal(a.groups[0], "Staff");
	assert_int_equal(a.anonymous, 0);
	tpolicy_account(NULL, "anonymous@192.0.2.1", &a);
	assert_int_equal(a.anonymous, 1);
	assert_string_equal(a.name, "anonymous@192.0.2.1");
	assert_string_equal(a.upn, "");
}

/* User: decided by the attribute; the parts are the account's names, the SID
 * and the template extension, whatever the request named. */
static void test_user_parts(void **state)
{
	/* GeneralNames { [0] otherName { 1.3.6.1.4.1.311.20.2.3, [0] UTF8String },
	 * [1] rfc822Name }, written from RFC 5280 and MS-WCCE by hand */
	static const char upn[] = "alice@example.test";
	struct policy_account a;
	struct tpolicy tp;
	struct derived d;
	char label[128];

	(void)state;
	alice(&a);
	csr(NULL, "/CN=Administrator", "-addext subjectAltName=DNS:dc.example.test", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, "CertificateTemplate:User\n", &a, &tp,
					msg, sizeof msg),
			 0);
	assert_int_equal(tp.d.outcome, POLICY_ISSUE);
	assert_ptr_equal(tp.d.tmpl, &tp.tmpl);
	tpolicy_label(&tp, label, sizeof label);
	assert_string_equal(label, "template User 1.0");
	assert_int_equal(tpolicy_parts(&tp, &d, &a, msg, sizeof msg), 0);
	{
		char dn[256];

		x509_name_format(tp.subject.data, tp.subject.len, dn, sizeof dn);
		assert_string_equal(dn, "CN=alice");
	}
	assert_int_equal(tp.n_ext, 3);
	assert_string_equal(tp.ext[0].oid, "2.5.29.17");
	assert_non_null(memmem(tp.ext[0].value, tp.ext[0].len, upn, sizeof upn - 1));
	assert_null(memmem(tp.ext[0].value, tp.ext[0].len, "dc.example", 10));
	assert_string_equal(tp.ext[1].oid, "1.3.6.1.4.1.311.25.2");
	assert_non_null(memmem(tp.ext[1].value, tp.ext[1].len, "S-1-5-21-1-2-3-1104", 19));
	assert_string_equal(tp.ext[2].oid, "1.3.6.1.4.1.311.21.7");
	assert_int_equal(tp.d.key_usage, X509_KU_DIGITAL_SIGNATURE); /* EC: no keyEncipherment */
	tpolicy_free(&tp);
	derived_free(&d);
}

/* WebServer from the request's names: the subject and SAN copied as sent. */
static void test_request_names_kept(void **state)
{
	struct policy_account a;
	struct tpolicy tp;
	struct derived d;

	(void)state;
	alice(&a);
	snprintf(a.groups[a.n_groups++], sizeof a.groups[0], "Domain Admins");
	csr(NULL, "/CN=www.example.test", "-addext subjectAltName=DNS:www.example.test", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, "CertificateTemplate:WebServer", &a,
					&tp, msg, sizeof msg),
			 0);
	assert_int_equal(tp.d.outcome, POLICY_PEND);
	assert_int_equal(tpolicy_parts(&tp, &d, &a, msg, sizeof msg), 0);
	assert_int_equal(tp.subject.len, d.subject.len);
	assert_memory_equal(tp.subject.data, d.subject.data, d.subject.len);
	assert_int_equal(tp.n_ext, 2); /* the request's SAN, the template; no SID */
	assert_int_equal(tp.ext[0].len, d.san.len);
	assert_memory_equal(tp.ext[0].value, d.san.data, d.san.len);
	assert_string_equal(tp.ext[1].oid, "1.3.6.1.4.1.311.21.7");
	tpolicy_free(&tp);
	derived_free(&d);
}

/* The extensions name the template (v2 by OID and version, v1 by name); a
 * request naming none follows no_template. */
static void test_named_by_extension_and_no_template(void **state)
{
	struct policy_account a;
	struct tpolicy tp;
	struct derived d;

	(void)state;
	alice(&a);
	/* SEQUENCE { OID 1.3.6.1.4.1.311.21.8.1.1, INTEGER 1, INTEGER 0 } (asn1crypto's) */
	csr(NULL, "/", "-addext 1.3.6.1.4.1.311.21.7=DER:3013060b2b06010401823715080101020101"
		       "020100", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, "", &a, &tp, msg, sizeof msg), 0);
	assert_string_equal(tp.tmpl.name, "User");
	tpolicy_free(&tp);
	derived_free(&d);
	/* v1: BMPString "User" */
	csr(NULL, "/", "-addext 1.3.6.1.4.1.311.20.2=DER:1e080055007300650072", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, NULL, &a, &tp, msg, sizeof msg), 0);
	assert_string_equal(tp.tmpl.name, "User");
	tpolicy_free(&tp);
	derived_free(&d);
	/* none: standalone by default; refused or the default template as set */
	csr(NULL, "/CN=alice", "", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, "rmd:host1", &a, &tp, msg, sizeof msg),
			 0);
	assert_int_equal(tp.d.outcome, POLICY_STANDALONE);
	assert_null(tp.d.tmpl);
	tpolicy_free(&tp);
	assert_int_equal(policy_set(&pol, "no_template", "refuse", msg, sizeof msg), 0);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, NULL, &a, &tp, msg, sizeof msg),
			 HR_CERTSRV_E_NO_CERT_TYPE);
	tpolicy_free(&tp);
	assert_int_equal(policy_set(&pol, "default_template", "User", msg, sizeof msg), 0);
	assert_int_equal(policy_set(&pol, "no_template", "default", msg, sizeof msg), 0);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, NULL, &a, &tp, msg, sizeof msg), 0);
	assert_string_equal(tp.tmpl.name, "User");
	tpolicy_free(&tp);
	/* no store: no template is known */
	assert_int_equal(tpolicy_decide(NULL, &pol, &d, NULL, &a, &tp, msg, sizeof msg),
			 HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE);
	tpolicy_free(&tp);
	policy_defaults(&pol);
	derived_free(&d);
}

/* The settings' own rules: values, names, the default needs a name. */
static void test_settings(void **state)
{
	/* ca-auth's mark and the policy's rule name one group (attrs.h, policy.h) */
	assert_string_equal(IDENTITY_GROUP_UNKNOWN_PRINCIPALS, POLICY_GROUP_UNKNOWN_PRINCIPALS);
	struct policy p;
	char out[128];

	(void)state;
	policy_defaults(&p);
	assert_int_equal(policy_get(&p, "no_template", out, sizeof out), 0);
	assert_string_equal(out, "standalone");
	assert_int_equal(policy_set(&p, "no_template", "issue", msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "no_template must be"));
	assert_int_equal(policy_set(&p, "default_template", "../User", msg, sizeof msg), -1);
	assert_int_equal(policy_set(&p, "no_template", "default", msg, sizeof msg), 0);
	assert_int_equal(policy_check(&p, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "needs default_template"));
	assert_int_equal(policy_set(&p, "default_template", "Machine", msg, sizeof msg), 0);
	assert_int_equal(policy_check(&p, msg, sizeof msg), 0);
	assert_int_equal(policy_get(&p, "default_template", out, sizeof out), 0);
	assert_string_equal(out, "Machine");
	assert_int_equal(policy_get(&p, "no_template", out, sizeof out), 0);
	assert_string_equal(out, "default");
	assert_int_equal(policy_set(&p, "no_template", "refuse", msg, sizeof msg), 0);
	assert_int_equal(policy_get(&p, "no_template", out, sizeof out), 0);
	assert_string_equal(out, "refuse");
	/* Microsoft's application policies (1.3.6.1.4.1.311.21.10), which Windows
	 * reads as EKUs (ESC15): from a request only where an officer reads it */
	assert_int_equal(policy_set(&p, "csr_extensions", "1.3.6.1.4.1.311.21.10", msg, sizeof msg),
			 0);
	assert_int_equal(policy_check(&p, msg, sizeof msg), 0);
	assert_int_equal(policy_set(&p, "policy", "issue", msg, sizeof msg), 0);
	assert_int_equal(policy_check(&p, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "application policies"));
	assert_int_equal(policy_set(&p, "policy", "pend", msg, sizeof msg), 0);
	assert_int_equal(policy_set(&p, "csr_extensions", "", msg, sizeof msg), 0);
	/* the SID and template extensions are the CA's: never a request's */
	assert_int_equal(policy_set(&p, "csr_extensions", "1.3.6.1.4.1.311.25.2", msg, sizeof msg),
			 -1);
	assert_int_equal(policy_set(&p, "csr_extensions", "1.3.6.1.4.1.311.21.7", msg, sizeof msg),
			 -1);
}

/* Refusals of the glue itself: attributes that do not read, a template
 * attribute too long, extensions that do not decode. Each says why. */
static void test_refusals(void **state)
{
	char longname[300];
	struct policy_account a;
	struct tpolicy tp;
	struct derived d;

	(void)state;
	alice(&a);
	csr(NULL, "/CN=alice", "", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, "no colon here", &a, &tp, msg,
					sizeof msg),
			 HR_E_INVALIDARG);
	assert_non_null(strstr(msg, "attributes cannot be read"));
	tpolicy_free(&tp);
	assert_int_equal(tpolicy_decide(&store, &pol, &d,
					"CertificateTemplate:User\ncertificatetemplate:Machine", &a,
					&tp, msg, sizeof msg),
			 HR_E_INVALIDARG);
	tpolicy_free(&tp);
	memset(longname, 'A', sizeof longname);
	memcpy(longname, "CertificateTemplate:", 20);
	longname[sizeof longname - 1] = 0;
	assert_int_equal(tpolicy_decide(&store, &pol, &d, longname, &a, &tp, msg, sizeof msg),
			 HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE);
	assert_non_null(strstr(msg, "too long"));
	tpolicy_free(&tp);
	derived_free(&d);
	/* a v2 value that is not the template SEQUENCE; a v1 one not a BMPString */
	csr(NULL, "/CN=alice", "-addext 1.3.6.1.4.1.311.21.7=DER:0500", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, NULL, &a, &tp, msg, sizeof msg),
			 HR_E_INVALIDARG);
	assert_non_null(strstr(msg, "certificate-template extension cannot be read"));
	tpolicy_free(&tp);
	derived_free(&d);
	csr(NULL, "/CN=alice", "-addext 1.3.6.1.4.1.311.20.2=DER:0500", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, NULL, &a, &tp, msg, sizeof msg),
			 HR_E_INVALIDARG);
	assert_non_null(strstr(msg, "certificate-type extension cannot be read"));
	tpolicy_free(&tp);
	derived_free(&d);
	/* parts without a template decided */
	memset(&tp, 0, sizeof tp);
	csr(NULL, "/CN=alice", "", &d);
	assert_int_equal(tpolicy_parts(&tp, &d, &a, msg, sizeof msg), HR_E_UNEXPECTED);
	tpolicy_label(&tp, msg, sizeof msg);
	assert_string_equal(msg, "no template");
	derived_free(&d);
}

/* The key: RSA keeps keyEncipherment for the User template; the SubCA template
 * refuses a P-256 key. */
static void test_key(void **state)
{
	struct policy_account a;
	struct tpolicy tp;
	struct derived d;

	(void)state;
	alice(&a);
	csr("rsa:2048", "/", "", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, "CertificateTemplate:User", &a, &tp,
					msg, sizeof msg),
			 0);
	assert_int_equal(tp.d.key_usage, X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT);
	tpolicy_free(&tp);
	derived_free(&d);
	snprintf(a.groups[a.n_groups++], sizeof a.groups[0], "Domain Admins");
	csr(NULL, "/CN=Sub", "", &d);
	assert_int_equal(tpolicy_decide(&store, &pol, &d, "CertificateTemplate:SubCA", &a, &tp,
					msg, sizeof msg),
			 HR_CERTSRV_E_KEY_LENGTH);
	assert_non_null(tp.d.tmpl); /* refused by a template: named in the message */
	tpolicy_free(&tp);
	derived_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_from_token),
		cmocka_unit_test(test_user_parts),
		cmocka_unit_test(test_request_names_kept),
		cmocka_unit_test(test_named_by_extension_and_no_template),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
