/* firmware/policy/decide.c: the policy algorithm (policy.h, README.md "The
 * policy algorithm"). Every step's refusal with its HRESULT (the winerror.h
 * numbers written out here, not taken from hresult.h) and message, every
 * outcome, the order of the steps, and the five default templates against
 * realistic accounts: a user with UPN, e-mail and SID; a machine; an anonymous
 * requester; a domain administrator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/policy/policy.h"
#include "firmware/x509/x509.h"

/* winerror.h */
#define BAD_REQUESTSUBJECT 0x80094001u
#define TEMPLATE_DENIED 0x80094012u
#define UNSUPPORTED_CERT_TYPE 0x80094800u
#define NO_CERT_TYPE 0x80094801u
#define TEMPLATE_CONFLICT 0x80094802u
#define SAN_REQUIRED 0x80094803u
#define BAD_TEMPLATE_VERSION 0x80094807u
#define UPN_REQUIRED 0x8009480du
#define DNS_REQUIRED 0x8009480fu
#define KEY_LENGTH 0x80094811u
#define EMAIL_REQUIRED 0x80094812u
#define INVALIDARG 0x80070057u

#define SID "S-1-5-21-1004336348-1177238915-682003330-1105"

static const struct template *set;
static size_t n_set;
static struct policy_settings settings;

static int setup(void **state)
{
	(void)state;
	set = template_defaults(&n_set);
	memset(&settings, 0, sizeof(settings));
	settings.no_template = POLICY_NO_TEMPLATE_REFUSE;
	return 0;
}

static struct policy_account alice(void)
{
	struct policy_account a;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "CORP\\alice");
	strcpy(a.upn, "alice@corp.example");
	strcpy(a.email, "alice@corp.example");
	strcpy(a.sid, SID);
	a.n_groups = 1;
	strcpy(a.groups[0], "Domain Users");
	return a;
}

static struct policy_account host(void)
{
	struct policy_account a;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "CORP\\HOST01$");
	strcpy(a.dns, "host01.corp.example");
	strcpy(a.sid, "S-1-5-21-1004336348-1177238915-682003330-2201");
	a.n_groups = 1;
	strcpy(a.groups[0], "Domain Computers");
	return a;
}

static struct policy_account anonymous(void)
{
	struct policy_account a;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "anonymous@192.0.2.7");
	a.anonymous = 1;
	return a;
}

static struct policy_account admin(void)
{
	struct policy_account a = alice();

	strcpy(a.name, "CORP\\root");
	strcpy(a.upn, "root@corp.example");
	a.email[0] = 0;
	a.n_groups = 2;
	strcpy(a.groups[1], "domain admins"); /* case ignored */
	return a;
}

static struct policy_request req(const char *tmpl)
{
	struct policy_request r;

	memset(&r, 0, sizeof(r));
	strcpy(r.attr_template, tmpl);
	r.key_type = POLICY_KEY_RSA;
	r.key_bits = 3072;
	r.has_subject = 1;
	r.has_san = 1;
	return r;
}

/* A decision to issue or pend can be carried out: every part it says comes
 * from the account builds (build.c), and the template extension too. */
static void carried_out(const struct policy_decision *d, const struct policy_account *a)
{
	uint8_t *der = NULL;
	size_t len;
	char err[256] = "";

	assert_non_null(d->tmpl);
	if (d->subject_from_account) {
		if (policy_subject_der(d->tmpl, a, &der, &len, err, sizeof(err)) != 0)
			fail_msg("subject: %s", err);
		free(der);
	}
	if (d->san_from_account) {
		if (policy_san_der(d->san_from_account, a, &der, &len, err, sizeof(err)) != 0)
			fail_msg("san: %s", err);
		free(der);
	}
	if (d->sid_extension) {
		if (policy_sid_der(a->sid, &der, &len, err, sizeof(err)) != 0)
			fail_msg("sid: %s", err);
		free(der);
	}
	if (policy_template_ext_der(d->tmpl, &der, &len, err, sizeof(err)) != 0)
		fail_msg("template extension: %s", err);
	free(der);
}

static struct policy_decision decide(const struct policy_account *a,
				     const struct policy_request *r)
{
	struct policy_decision d;
	uint32_t hr;

	memset(&d, 0x5a, sizeof(d));
	hr = policy_decide(set, n_set, &settings, a, r, &d);
	assert_int_equal(hr, d.hresult);
	if (d.outcome == POLICY_ISSUE || d.outcome == POLICY_PEND)
		carried_out(&d, a);
	return d;
}

static void refused(const struct policy_account *a, const struct policy_request *r,
		    uint32_t hr, const char *msg)
{
	struct policy_decision d = decide(a, r);

	assert_int_equal(d.outcome, POLICY_REFUSE);
	if (d.hresult != hr)
		fail_msg("hresult 0x%08x, wanted 0x%08x (%s)", d.hresult, hr, d.message);
	if (msg != NULL)
		assert_string_equal(d.message, msg);
	assert_int_equal(d.subject_from_account, 0);
	assert_int_equal(d.san_from_account, 0);
	assert_int_equal(d.san_from_request, 0);
	assert_int_equal(d.sid_extension, 0);
}

/* refused, with msg somewhere in the message (NULL: any) */
static void refused_with(const struct policy_account *a, const struct policy_request *r,
			 uint32_t hr, const char *msg)
{
	struct policy_decision d = decide(a, r);

	refused(a, r, hr, NULL);
	if (msg != NULL && strstr(d.message, msg) == NULL)
		fail_msg("\"%s\" not in \"%s\"", msg, d.message);
}

/* ---- the defaults against realistic accounts ---- */

static void test_user(void **state)
{
	struct policy_account a = alice();
	struct policy_request r = req("User");
	struct policy_decision d;

	(void)state;
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_ISSUE);
	assert_int_equal(d.hresult, 0);
	assert_string_equal(d.tmpl->name, "User");
	assert_ptr_equal(d.tmpl, &set[0]);
	assert_int_equal(d.subject_from_account, 1);
	assert_int_equal(d.san_from_account, TEMPLATE_SAN_UPN | TEMPLATE_SAN_EMAIL);
	/* the request's SAN (has_san) is dropped without a word: ESC6 */
	assert_int_equal(d.san_from_request, 0);
	assert_int_equal(d.sid_extension, 1);
	assert_int_equal(d.key_usage, X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_ENCIPHERMENT);
	assert_string_equal(d.message, "Issued from the certificate template \"User\".");
	/* an EC key: no keyEncipherment (RFC 5480 3) */
	r.key_type = POLICY_KEY_EC;
	r.key_bits = 256;
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_ISSUE);
	assert_int_equal(d.key_usage, X509_KU_DIGITAL_SIGNATURE);
	/* without a SID: no SID extension, still issued */
	a.sid[0] = 0;
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_ISSUE);
	assert_int_equal(d.sid_extension, 0);
	/* without the UPN, or the e-mail, the template cannot be filled */
	a = alice();
	a.upn[0] = 0;
	refused(&a, &r, UPN_REQUIRED,
		"The certificate template \"User\" puts the account's user principal name "
		"(UPN) in the certificate, and the account CORP\\alice has none.");
	a = alice();
	a.email[0] = 0;
	refused(&a, &r, EMAIL_REQUIRED,
		"The certificate template \"User\" puts the account's e-mail address in the "
		"certificate, and the account CORP\\alice has none.");
	/* attributes a certificate cannot carry: refused here, so that an issued
	 * decision is one policy_san_der can build */
	a = alice();
	strcpy(a.upn, "alice\xe2\x80\xae@corp.example");
	refused(&a, &r, UPN_REQUIRED,
		"The certificate template \"User\" puts the account's user principal name "
		"(UPN) in the certificate, and that of CORP\\alice holds a character a "
		"certificate may not carry.");
	a = alice();
	strcpy(a.email, "j\xc3\xbcrgen@corp.example");
	refused(&a, &r, EMAIL_REQUIRED, NULL);
	a = alice();
	strcpy(a.upn, "j\xc3\xbcrgen@corp.example"); /* a UTF-8 UPN is fine */
	assert_int_equal(decide(&a, &r).outcome, POLICY_ISSUE);
	/* a SID that cannot be encoded refuses rather than go missing (ESC9) */
	a = alice();
	strcpy(a.sid, "S-1-5-21-x");
	refused(&a, &r, INVALIDARG,
		"The account CORP\\alice has a SID that is not a SID's text, and the "
		"certificate template \"User\" puts the SID in the certificate.");
	/* a request without a subject or SAN: they come from the account anyway */
	a = alice();
	r.has_subject = 0;
	r.has_san = 0;
	assert_int_equal(decide(&a, &r).outcome, POLICY_ISSUE);
}

static void test_machine(void **state)
{
	struct policy_account a = host();
	struct policy_request r = req("machine"); /* ASCII case ignored */
	struct policy_decision d;

	(void)state;
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_ISSUE);
	assert_string_equal(d.tmpl->name, "Machine");
	assert_int_equal(d.subject_from_account, 1);
	assert_int_equal(d.san_from_account, TEMPLATE_SAN_DNS);
	assert_int_equal(d.san_from_request, 0);
	assert_int_equal(d.sid_extension, 1);
	/* no DNS name: the subject cannot be built */
	a.dns[0] = 0;
	refused(&a, &r, DNS_REQUIRED,
		"The certificate template \"Machine\" names the certificate by the account's "
		"DNS name, and the account CORP\\HOST01$ has none.");
	/* a DNS name with a blank */
	a = host();
	strcpy(a.dns, "host01 .corp.example");
	refused(&a, &r, DNS_REQUIRED,
		"The certificate template \"Machine\" puts the account's DNS name in the "
		"certificate, and that of CORP\\HOST01$ holds a character a certificate may "
		"not carry.");
	/* a DNS name longer than a CN */
	a = host();
	memset(a.dns, 'h', 65);
	a.dns[65] = 0;
	refused(&a, &r, BAD_REQUESTSUBJECT, NULL);
	/* a user is no computer */
	a = alice();
	refused(&a, &r, TEMPLATE_DENIED,
		"The account CORP\\alice may not enroll for the certificate template "
		"\"Machine\": neither it nor any of its groups is allowed to.");
	/* a computer may enroll for User too (Authenticated Users), and fails on
	 * its missing UPN: the names step after the enrollment step */
	a = host();
	r = req("User");
	refused(&a, &r, UPN_REQUIRED, NULL);
}

static void test_anonymous(void **state)
{
	struct policy_account a = anonymous();
	struct policy_request r;
	static const char *const names[] = { "User", "Machine", "WebServer", "EnrollmentAgent",
					     "SubCA" };
	char msg[256];

	(void)state;
	/* no template, not even Authenticated Users' */
	for (size_t i = 0; i < 5; i++) {
		r = req(names[i]);
		snprintf(msg, sizeof(msg),
			 "An anonymous requester may not enroll for the certificate template "
			 "\"%s\": log on with an account first.",
			 names[i]);
		refused(&a, &r, TEMPLATE_DENIED, msg);
	}
	/* even when the template lists its name or a group it claims */
	strcpy(a.groups[0], "Domain Admins");
	a.n_groups = 1;
	r = req("SubCA");
	refused(&a, &r, TEMPLATE_DENIED, NULL);
}

/* A Kerberos principal without an account (ca-auth's group mark, ca.conf
 * kerberos_unknown_principals = domain-users): not one of Authenticated Users,
 * so the default templates refuse it; a template that names the group takes
 * it. */
static void test_unknown_kerberos_principal(void **state)
{
	static struct template mine[16];
	const struct template *saved = set;
	struct policy_account a;
	struct policy_request r;
	struct policy_decision d;
	size_t w = n_set;

	(void)state;
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "CA.TEST\\bob");
	strcpy(a.groups[0], POLICY_GROUP_UNKNOWN_PRINCIPALS);
	a.n_groups = 1;
	r = req("User");
	refused(&a, &r, TEMPLATE_DENIED,
		"The Kerberos principal CA.TEST\\bob has no account on this CA: the certificate "
		"template \"User\" does not name the group \"Unknown Kerberos Principals\".");
	r = req("WebServer");
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	/* WebServer naming the group (its subject comes from the request) */
	assert_true(n_set <= sizeof(mine) / sizeof(mine[0]));
	memcpy(mine, set, n_set * sizeof(mine[0]));
	for (size_t i = 0; i < n_set; i++)
		if (strcmp(mine[i].name, "WebServer") == 0)
			w = i;
	assert_true(w < n_set);
	strcpy(mine[w].groups[mine[w].n_groups++], "unknown kerberos principals");
	set = mine;
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_PEND);
	/* the same account holding a real group too is still not an
	 * Authenticated User: User stays refused */
	strcpy(a.groups[1], "Domain Users");
	a.n_groups = 2;
	r = req("User");
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	set = saved;
}

static void test_admin(void **state)
{
	struct policy_account a = admin();
	struct policy_request r;
	struct policy_decision d;

	(void)state;
	/* WebServer: names from the request, pends */
	r = req("WebServer");
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_PEND);
	assert_int_equal(d.hresult, 0);
	assert_int_equal(d.subject_from_account, 0);
	assert_int_equal(d.san_from_account, 0);
	assert_int_equal(d.san_from_request, 1);
	assert_int_equal(d.sid_extension, 0); /* the subject is the requester's */
	strcpy(a.sid, "not a SID"); /* not read where no SID goes in */
	assert_int_equal(decide(&a, &r).outcome, POLICY_PEND);
	a = admin();
	assert_string_equal(d.message, "The certificate template \"WebServer\" has every "
				       "request approved by an officer: the request waits for one.");
	r.has_san = 0;
	refused(&a, &r, SAN_REQUIRED,
		"The certificate template \"WebServer\" takes the subject alternative name from "
		"the request, and the request has none.");
	r = req("WebServer");
	r.has_subject = 0;
	refused(&a, &r, BAD_REQUESTSUBJECT,
		"The certificate template \"WebServer\" takes the subject from the request, and "
		"the request's subject is empty.");
	/* EnrollmentAgent: from the account, UPN only, pends */
	r = req("EnrollmentAgent");
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_PEND);
	assert_int_equal(d.subject_from_account, 1);
	assert_int_equal(d.san_from_account, TEMPLATE_SAN_UPN);
	assert_int_equal(d.sid_extension, 1);
	assert_int_equal(d.key_usage, X509_KU_DIGITAL_SIGNATURE);
	/* SubCA: RSA 3072 or P-384, pends; no SAN */
	r = req("SubCA");
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_PEND);
	assert_int_equal(d.san_from_request, 0);
	assert_int_equal(d.san_from_account, 0);
	assert_int_equal(d.key_usage,
			 X509_KU_DIGITAL_SIGNATURE | X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN);
	r.key_bits = 2048;
	refused(&a, &r, KEY_LENGTH,
		"The certificate template \"SubCA\" takes RSA keys of 3072 bits or more, and the "
		"request's key has 2048.");
	r.key_type = POLICY_KEY_EC;
	r.key_bits = 256;
	refused(&a, &r, KEY_LENGTH,
		"The certificate template \"SubCA\" takes EC keys of 384 bits or more, and the "
		"request's key has 256.");
	r.key_bits = 384;
	assert_int_equal(decide(&a, &r).outcome, POLICY_PEND);
	/* a plain user may not ask for these */
	a = alice();
	r = req("SubCA");
	refused(&a, &r, TEMPLATE_DENIED, NULL);
}

/* ---- step 1: which template ---- */

static void test_which(void **state)
{
	struct policy_account a = alice();
	struct policy_request r;
	struct policy_decision d;

	(void)state;
	/* by OID */
	r = req("1.3.6.1.4.1.311.21.8.1.1");
	assert_string_equal(decide(&a, &r).tmpl->name, "User");
	/* unknown name, OID; a hostile name is quoted, escaped */
	r = req("Nope");
	refused(&a, &r, UNSUPPORTED_CERT_TYPE,
		"The request asks for the certificate template \"Nope\", which this CA does "
		"not have.");
	assert_null(decide(&a, &r).tmpl);
	r = req("1.3.6.1.4.1.311.21.8.1.9");
	refused(&a, &r, UNSUPPORTED_CERT_TYPE, NULL);
	r = req("Us\x1b[2Jer\"\\");
	refused(&a, &r, UNSUPPORTED_CERT_TYPE,
		"The request asks for the certificate template \"Us\\x1b[2Jer\\x22\\x5c\", "
		"which this CA does not have.");
	/* a long name is cut for the message, and says so */
	{
		char want[256];

		r = req("");
		memset(r.attr_template, 'A', 100);
		snprintf(want, sizeof(want),
			 "The request asks for the certificate template \"%.80s...\", which "
			 "this CA does not have.",
			 r.attr_template);
		refused(&a, &r, UNSUPPORTED_CERT_TYPE, want);
	}
	/* the v2 extension alone, the v1 extension alone */
	r = req("");
	r.has_ext_v2 = 1;
	strcpy(r.ext_oid, "1.3.6.1.4.1.311.21.8.1.1");
	r.ext_major = 1;
	assert_string_equal(decide(&a, &r).tmpl->name, "User");
	strcpy(r.ext_oid, "1.3.6.1.4.1.311.21.8.1.77");
	refused(&a, &r, UNSUPPORTED_CERT_TYPE,
		"The request's certificate template extension names the template with OID "
		"1.3.6.1.4.1.311.21.8.1.77, which this CA does not have.");
	r = req("");
	r.has_ext_v1 = 1;
	strcpy(r.ext_name, "USER");
	assert_string_equal(decide(&a, &r).tmpl->name, "User");
	strcpy(r.ext_name, "Administrator");
	refused(&a, &r, UNSUPPORTED_CERT_TYPE,
		"The request's certificate type extension names the template "
		"\"Administrator\", which this CA does not have.");
	r.ext_name[0] = 0; /* an empty name is no name */
	refused(&a, &r, UNSUPPORTED_CERT_TYPE, NULL);
	/* all three agreeing; two disagreeing */
	r = req("User");
	r.has_ext_v2 = 1;
	strcpy(r.ext_oid, "1.3.6.1.4.1.311.21.8.1.1");
	r.ext_major = 1;
	r.has_ext_v1 = 1;
	strcpy(r.ext_name, "user");
	assert_int_equal(decide(&a, &r).outcome, POLICY_ISSUE);
	strcpy(r.ext_name, "Machine");
	refused(&a, &r, TEMPLATE_CONFLICT,
		"The request names two certificate templates: \"User\" by its "
		"CertificateTemplate attribute and \"Machine\" by its certificate type "
		"extension.");
	r.has_ext_v1 = 0;
	strcpy(r.ext_oid, "1.3.6.1.4.1.311.21.8.1.5");
	refused(&a, &r, TEMPLATE_CONFLICT,
		"The request names two certificate templates: \"User\" by its "
		"CertificateTemplate attribute and \"SubCA\" by its certificate template "
		"extension.");
	/* an unknown one before a conflict */
	strcpy(r.attr_template, "Nope");
	refused(&a, &r, UNSUPPORTED_CERT_TYPE, NULL);
	d = decide(&a, &r);
	assert_null(d.tmpl);
}

static void test_no_template(void **state)
{
	struct policy_account a = alice();
	struct policy_request r = req("");
	struct policy_decision d;

	(void)state;
	refused(&a, &r, NO_CERT_TYPE,
		"The request names no certificate template, and this CA issues only from a "
		"template.");
	settings.no_template = POLICY_NO_TEMPLATE_PEND;
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_STANDALONE);
	assert_int_equal(d.hresult, 0);
	assert_null(d.tmpl);
	/* anonymous too: the standalone policy has an officer read it */
	a = anonymous();
	assert_int_equal(decide(&a, &r).outcome, POLICY_STANDALONE);
	a = alice();
	settings.no_template = POLICY_NO_TEMPLATE_USE;
	strcpy(settings.default_template, "user");
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_ISSUE);
	assert_string_equal(d.tmpl->name, "User");
	/* the default template's own steps apply */
	a = anonymous();
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	a = alice();
	strcpy(settings.default_template, "Gone");
	refused(&a, &r, UNSUPPORTED_CERT_TYPE,
		"The request names no certificate template, and the CA's default template "
		"\"Gone\" is not one it has.");
	settings.no_template = 0;
	refused(&a, &r, INVALIDARG, NULL);
	settings.no_template = POLICY_NO_TEMPLATE_REFUSE;
}

/* ---- step 2: versions ---- */

static void test_version(void **state)
{
	struct policy_account a = alice();
	struct policy_request r = req("");
	struct template mine[1];
	const struct template *saved = set;
	size_t saved_n = n_set;

	(void)state;
	mine[0] = set[0];
	mine[0].major_version = 100;
	mine[0].minor_version = 4;
	set = mine;
	n_set = 1;
	r.has_ext_v2 = 1;
	strcpy(r.ext_oid, mine[0].oid);
	r.ext_major = 100;
	r.ext_minor = 4;
	r.ext_has_minor = 1;
	assert_int_equal(decide(&a, &r).outcome, POLICY_ISSUE);
	r.ext_minor = 3; /* an older minor: fine */
	assert_int_equal(decide(&a, &r).outcome, POLICY_ISSUE);
	r.ext_has_minor = 0;
	r.ext_minor = 99; /* ignored without has_minor */
	assert_int_equal(decide(&a, &r).outcome, POLICY_ISSUE);
	r.ext_has_minor = 1;
	r.ext_minor = 5;
	refused(&a, &r, BAD_TEMPLATE_VERSION,
		"The request was made for version 100.5 of the certificate template \"User\", "
		"and this CA holds version 100.4: read the template again and make a new "
		"request.");
	assert_ptr_equal(decide(&a, &r).tmpl, &mine[0]);
	r.ext_minor = 0;
	r.ext_major = 99;
	refused(&a, &r, BAD_TEMPLATE_VERSION, NULL);
	r.ext_major = 101;
	refused(&a, &r, BAD_TEMPLATE_VERSION, NULL);
	/* before who may enroll: the order of the steps */
	a = anonymous();
	refused(&a, &r, BAD_TEMPLATE_VERSION, NULL);
	set = saved;
	n_set = saved_n;
}

/* ---- step 3: who may enroll ---- */

static void test_enroll(void **state)
{
	struct policy_account a = alice();
	struct policy_request r = req("WebServer");
	struct template mine[1];
	const struct template *saved = set;
	size_t saved_n = n_set;

	(void)state;
	mine[0] = set[2]; /* WebServer: admins' groups */
	mine[0].n_accounts = 1;
	strcpy(mine[0].accounts[0], "corp\\ALICE");
	set = mine;
	n_set = 1;
	assert_int_equal(decide(&a, &r).outcome, POLICY_PEND); /* by name, case ignored */
	strcpy(a.name, "CORP\\alice2");
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	strcpy(a.name, "OTHER\\alice");
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	/* a group further down the list */
	a.n_groups = 3;
	strcpy(a.groups[1], "Staff");
	strcpy(a.groups[2], "ENTERPRISE ADMINS");
	assert_int_equal(decide(&a, &r).outcome, POLICY_PEND);
	/* a group past n_groups does not count */
	a.n_groups = 2;
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	/* the key step comes after: a denied account learns nothing of the key */
	r.key_bits = 1024;
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	set = saved;
	n_set = saved_n;
}

/* An account's groups (POLICY_MAX_GROUPS, 256: what an identity token
 * carries) against a template's enroll_groups (TEMPLATE_MAX_GROUPS, 32): two
 * bounds, each loop at its own. The template's last group is the account's
 * last: matched; one past the account's count is not. */
static void test_enroll_by_the_256th_group(void **state)
{
	static struct policy_account a;
	struct policy_request r = req("WebServer");
	static struct template mine[1];
	const struct template *saved = set;
	size_t saved_n = n_set;

	(void)state;
	assert_int_equal(POLICY_MAX_GROUPS, 256);
	assert_int_equal(TEMPLATE_MAX_GROUPS, 32);
	mine[0] = set[2]; /* WebServer */
	mine[0].n_accounts = 0;
	mine[0].n_groups = TEMPLATE_MAX_GROUPS;
	for (size_t i = 0; i < TEMPLATE_MAX_GROUPS; i++)
		snprintf(mine[0].groups[i], sizeof(mine[0].groups[i]), "Template Group %zu", i);
	set = mine;
	n_set = 1;
	a = alice();
	a.n_groups = POLICY_MAX_GROUPS;
	for (size_t i = 0; i < POLICY_MAX_GROUPS; i++)
		snprintf(a.groups[i], sizeof(a.groups[i]), "S-1-5-21-1-2-3-%zu", 5000 + i);
	strcpy(a.groups[POLICY_MAX_GROUPS - 1], "TEMPLATE GROUP 31"); /* case ignored */
	assert_int_equal(decide(&a, &r).outcome, POLICY_PEND);
	/* the 256th group past the count: denied */
	a.n_groups = POLICY_MAX_GROUPS - 1;
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	/* nor does a template group past its count */
	a.n_groups = POLICY_MAX_GROUPS;
	mine[0].n_groups = TEMPLATE_MAX_GROUPS - 1;
	refused(&a, &r, TEMPLATE_DENIED, NULL);
	/* the template's first group, as the account's 256th */
	mine[0].n_groups = TEMPLATE_MAX_GROUPS;
	strcpy(a.groups[POLICY_MAX_GROUPS - 1], "template group 0");
	assert_int_equal(decide(&a, &r).outcome, POLICY_PEND);
	/* one group more than the token carries is a malformed account */
	a.n_groups = POLICY_MAX_GROUPS + 1;
	refused(&a, &r, INVALIDARG, NULL);
	set = saved;
	n_set = saved_n;
}

/* ---- step 4: keys ---- */

static void test_keys(void **state)
{
	struct policy_account a = alice();
	struct policy_request r = req("User");
	struct template mine[1];
	const struct template *saved = set;
	size_t saved_n = n_set;

	(void)state;
	r.key_bits = 2047;
	refused(&a, &r, KEY_LENGTH,
		"The certificate template \"User\" takes RSA keys of 2048 bits or more, and the "
		"request's key has 2047.");
	r.key_bits = 2048;
	assert_int_equal(decide(&a, &r).outcome, POLICY_ISSUE);
	r.key_type = 0;
	refused(&a, &r, KEY_LENGTH,
		"The request's key is neither RSA nor EC, the only keys the certificate "
		"template \"User\" can take.");
	mine[0] = set[0];
	mine[0].key_algorithms = TEMPLATE_KEY_EC;
	mine[0].rsa_min_bits = 0;
	set = mine;
	n_set = 1;
	r.key_type = POLICY_KEY_RSA;
	refused(&a, &r, KEY_LENGTH,
		"The certificate template \"User\" takes EC keys only, and the request's key is "
		"RSA.");
	mine[0].key_algorithms = TEMPLATE_KEY_RSA;
	mine[0].rsa_min_bits = 2048;
	mine[0].ec_min_bits = 0;
	r.key_type = POLICY_KEY_EC;
	r.key_bits = 384;
	refused(&a, &r, KEY_LENGTH,
		"The certificate template \"User\" takes RSA keys only, and the request's key is "
		"EC.");
	set = saved;
	n_set = saved_n;
}

/* ---- step 5: names ---- */

static void test_names(void **state)
{
	struct policy_account a = alice();
	struct policy_request r;
	struct template mine[1];
	const struct template *saved = set;
	size_t saved_n = n_set;
	struct policy_decision d;

	(void)state;
	/* the user part must make a CN */
	r = req("User");
	strcpy(a.name, "CORP\\");
	refused(&a, &r, BAD_REQUESTSUBJECT,
		"The certificate template \"User\" names the certificate by the account's name, "
		"and CORP\\ is no name of 1 to 64 characters after its domain.");
	/* allow_request_san with a subject from the account: the request's SAN is
	 * kept (and required) */
	mine[0] = set[0];
	mine[0].san = TEMPLATE_SAN_REQUEST;
	mine[0].san_account = 0;
	mine[0].allow_request_san = 1;
	mine[0].pend_all = 1;
	set = mine;
	n_set = 1;
	a = alice();
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_PEND);
	assert_int_equal(d.subject_from_account, 1);
	assert_int_equal(d.san_from_request, 1);
	assert_int_equal(d.san_from_account, 0);
	assert_int_equal(d.sid_extension, 1);
	r.has_san = 0;
	refused(&a, &r, SAN_REQUIRED, NULL);
	/* the same without the allowance (a template template_check refuses):
	 * the request's SAN is dropped, never taken */
	mine[0].allow_request_san = 0;
	r.has_san = 1;
	d = decide(&a, &r);
	assert_int_equal(d.san_from_request, 0);
	/* a SAN of none: the request's is dropped */
	mine[0].san = TEMPLATE_SAN_NONE;
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_PEND);
	assert_int_equal(d.san_from_request, 0);
	assert_int_equal(d.san_from_account, 0);
	set = saved;
	n_set = saved_n;
}

/* Enroll on behalf of (issue 16): the template must accept agents, at least
 * one agent signs whatever agent_signatures says, each counted only with the
 * application policy; a request naming no template is refused; the account
 * decided for is the one given (the target), as its attributes build the names. */
static void test_on_behalf(void **state)
{
	struct policy_account bob = alice();
	struct policy_request r = req("User");
	struct template mine[2];
	const struct template *saved = set;
	size_t saved_n = n_set;
	struct policy_decision d;

	(void)state;
	snprintf(bob.name, sizeof(bob.name), "EXAMPLE\\bob");
	snprintf(bob.upn, sizeof(bob.upn), "bob@example.com");
	r.on_behalf = 1;
	/* no agent at all */
	refused_with(&bob, &r, 0x8009480au, "needs 1 enrollment-agent signature(s), and the "
				       "request has 0");
	/* an agent without the policy */
	r.n_agents = 1;
	r.agents[0].n_eku = 1;
	strcpy(r.agents[0].eku[0], "1.3.6.1.5.5.7.3.2");
	refused_with(&bob, &r, 0x80094809u, "1.3.6.1.4.1.311.20.2.1");
	/* a Certificate Request Agent: issued for bob, from bob's account */
	r.agents[0].n_eku = 2;
	strcpy(r.agents[0].eku[1], "1.3.6.1.4.1.311.20.2.1");
	d = decide(&bob, &r);
	assert_int_equal(d.hresult, 0);
	assert_int_equal(d.outcome, POLICY_ISSUE);
	assert_string_equal(d.tmpl->name, "User");
	assert_int_equal(d.subject_from_account, 1);
	/* a template that does not accept agents (Machine, WebServer ...), for an
	 * account that may enroll on it */
	bob.n_groups = 1;
	strcpy(bob.groups[0], "Domain Admins");
	r = req("WebServer");
	r.on_behalf = 1;
	r.n_agents = 1;
	r.agents[0].n_eku = 1;
	strcpy(r.agents[0].eku[0], "1.3.6.1.4.1.311.20.2.1");
	refused_with(&bob, &r, 0x80094012u, "does not accept requests on behalf");
	/* two signatures required, with a policy of the template's: one is short */
	mine[0] = saved[0];
	mine[0].agent_signatures = 2;
	strcpy(mine[0].agent_policy, "1.3.6.1.4.1.311.20.2.1");
	set = mine;
	n_set = 1;
	r = req("User");
	r.on_behalf = 1;
	r.n_agents = 1;
	r.agents[0].n_eku = 1;
	strcpy(r.agents[0].eku[0], "1.3.6.1.4.1.311.20.2.1");
	refused_with(&bob, &r, 0x8009480au, "needs 2 enrollment-agent signature(s), and the "
				       "request has 1");
	r.n_agents = 2;
	r.agents[1] = r.agents[0];
	assert_int_equal(decide(&bob, &r).outcome, POLICY_ISSUE);
	/* ...and the caller's own request on that template has none */
	r.on_behalf = 0;
	r.n_agents = 0;
	refused_with(&bob, &r, 0x8009480au, "and the request has none");
	/* agents without on_behalf: a malformed input */
	r.n_agents = 1;
	refused_with(&bob, &r, 0x80070057u, NULL);
	r.n_agents = POLICY_MAX_AGENTS + 1;
	r.on_behalf = 1;
	refused_with(&bob, &r, 0x80070057u, NULL);
	/* no template named: refused, not pended */
	set = saved;
	n_set = saved_n;
	settings.no_template = POLICY_NO_TEMPLATE_PEND;
	r = req("");
	r.on_behalf = 1;
	refused_with(&bob, &r, 0x80094012u, "must name a certificate template");
	r.on_behalf = 0;
	assert_int_equal(decide(&bob, &r).outcome, POLICY_STANDALONE);
}

/* Review findings: a template that needs enrollment-agent signatures is
 * refused (a PKCS#10 carries none; enroll on behalf of is issue 16), never
 * issued without them; the SID goes with names from the account, the subject's
 * or the SAN's alone. */
static void test_agents_and_sid(void **state)
{
	struct policy_account a = alice();
	struct policy_request r = req("User");
	struct template mine[1];
	const struct template *saved = set;
	size_t saved_n = n_set;
	struct policy_decision d;

	(void)state;
	mine[0] = set[0];
	mine[0].agent_signatures = 1;
	strcpy(mine[0].agent_policy, "1.3.6.1.4.1.311.20.2.1");
	set = mine;
	n_set = 1;
	refused(&a, &r, 0x8009480au, NULL);
	assert_non_null(strstr(decide(&a, &r).message, "enrollment-agent"));
	/* subject from the request, UPN from the account: the SID too */
	mine[0] = saved[0];
	mine[0].subject = TEMPLATE_SUBJECT_REQUEST;
	mine[0].pend_all = 1;
	d = decide(&a, &r);
	assert_int_equal(d.outcome, POLICY_PEND);
	assert_int_equal(d.subject_from_account, 0);
	assert_int_not_equal(d.san_from_account, 0);
	assert_int_equal(d.sid_extension, 1);
	/* neither from the account: no SID */
	mine[0].san = TEMPLATE_SAN_REQUEST;
	mine[0].san_account = 0;
	d = decide(&a, &r);
	assert_int_equal(d.sid_extension, 0);
	set = saved;
	n_set = saved_n;
}

/* policy_key_usage: what the decision carries, and what resubmission
 * recomputes: an EC key loses keyEncipherment and dataEncipherment only. */
static void test_key_usage(void **state)
{
	struct template t = set[0];
	unsigned all = X509_KU_DIGITAL_SIGNATURE | X509_KU_NON_REPUDIATION |
		       X509_KU_KEY_ENCIPHERMENT | X509_KU_DATA_ENCIPHERMENT |
		       X509_KU_KEY_AGREEMENT;

	(void)state;
	t.key_usage = all;
	assert_int_equal(policy_key_usage(&t, POLICY_KEY_RSA), all);
	assert_int_equal(policy_key_usage(&t, POLICY_KEY_EC),
			 X509_KU_DIGITAL_SIGNATURE | X509_KU_NON_REPUDIATION |
				 X509_KU_KEY_AGREEMENT);
	t.key_usage = 0;
	assert_int_equal(policy_key_usage(&t, POLICY_KEY_EC), 0);
	assert_int_equal(policy_key_usage(&set[4], POLICY_KEY_EC), set[4].key_usage);
}

/* ---- malformed input ---- */

static void test_malformed(void **state)
{
	struct policy_account a = alice();
	struct policy_request r = req("User");
	struct policy_decision d;

	(void)state;
	assert_int_equal(policy_decide(set, n_set, &settings, &a, &r, NULL), INVALIDARG);
	assert_int_equal(policy_decide(set, n_set, NULL, &a, &r, &d), INVALIDARG);
	assert_int_equal(d.outcome, POLICY_REFUSE);
	assert_int_equal(policy_decide(set, n_set, &settings, NULL, &r, &d), INVALIDARG);
	assert_int_equal(policy_decide(set, n_set, &settings, &a, NULL, &d), INVALIDARG);
	assert_int_equal(policy_decide(NULL, 1, &settings, &a, &r, &d), INVALIDARG);
	/* nothing in the set: every name is unknown */
	assert_int_equal(policy_decide(NULL, 0, &settings, &a, &r, &d), UNSUPPORTED_CERT_TYPE);
	/* strings without their end, a count past its bound */
	memset(a.upn, 'u', sizeof(a.upn));
	refused(&a, &r, INVALIDARG, "The policy was given a malformed account, request or "
				    "setting.");
	a = alice();
	a.n_groups = POLICY_MAX_GROUPS + 1;
	refused(&a, &r, INVALIDARG, NULL);
	a = alice();
	memset(a.groups[0], 'g', sizeof(a.groups[0]));
	refused(&a, &r, INVALIDARG, NULL);
	a = alice();
	memset(r.attr_template, 'x', sizeof(r.attr_template));
	refused(&a, &r, INVALIDARG, NULL);
	r = req("User");
	memset(r.ext_name, 'x', sizeof(r.ext_name));
	refused(&a, &r, INVALIDARG, NULL);
	r = req("User");
	memset(settings.default_template, 'x', sizeof(settings.default_template));
	refused(&a, &r, INVALIDARG, NULL);
	memset(settings.default_template, 0, sizeof(settings.default_template));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_user, setup),
		cmocka_unit_test_setup(test_machine, setup),
		cmocka_unit_test_setup(test_anonymous, setup),
		cmocka_unit_test_setup(test_unknown_kerberos_principal, setup),
		cmocka_unit_test_setup(test_admin, setup),
		cmocka_unit_test_setup(test_which, setup),
		cmocka_unit_test_setup(test_no_template, setup),
		cmocka_unit_test_setup(test_version, setup),
		cmocka_unit_test_setup(test_enroll, setup),
		cmocka_unit_test_setup(test_enroll_by_the_256th_group, setup),
		cmocka_unit_test_setup(test_keys, setup),
		cmocka_unit_test_setup(test_names, setup),
		cmocka_unit_test_setup(test_agents_and_sid, setup),
		cmocka_unit_test_setup(test_on_behalf, setup),
		cmocka_unit_test_setup(test_key_usage, setup),
		cmocka_unit_test_setup(test_malformed, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
