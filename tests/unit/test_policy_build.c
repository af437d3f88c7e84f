/* firmware/policy/build.c: the certificate's parts built from the account and
 * the readers of a request's template extensions. The expected DER was made
 * once by independent encoders, not by the code under test:
 *   Names, CertificateTemplate, BMPString: python3-asn1crypto 1.5.1, e.g.
 *     x509.Name.build({'common_name': 'alice'}).dump().hex()
 *     class CT(core.Sequence): _fields = [('templateID', core.ObjectIdentifier),
 *       ('major', core.Integer), ('minor', core.Integer, {'optional': True})]
 *     CT({'templateID': '1.3.6.1.4.1.311.21.8.1.1', 'major': 100,
 *         'minor': 4294967295}).dump().hex()
 *     core.BMPString('User').dump().hex()
 *   GeneralNames with an otherName: openssl asn1parse -genconf F -noout -out D
 *     (asn1crypto 1.5.1 drops the [0] EXPLICIT of AnotherName's value when given
 *     a ready-made string object), F for the SID:
 *       asn1=SEQUENCE:gn
 *       [gn]
 *       sid=IMP:0,SEQUENCE:sid
 *       [sid]
 *       type=OID:1.3.6.1.4.1.311.25.2.1
 *       value=EXP:0,FORMAT:ASCII,OCTETSTRING:S-1-5-21-1004336348-1177238915-682003330-1105
 *     and for the SAN upn=IMP:0,SEQUENCE:upn (type=OID:1.3.6.1.4.1.311.20.2.3,
 *     value=EXP:0,UTF8:alice@corp.example), email=IMP:1,IA5STRING:...,
 *     dns=IMP:2,IA5STRING:... (the SID's matches what AD CS writes since
 *     KB5014754: 30 3f a0 3d 06 0a ... a0 2f 04 2d "S-1-5-21-..."). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/policy/policy.h"

/* ---- oracles ---- */
#define NAME_ALICE "3010310e300c06035504030c05616c696365"
#define NAME_HOST "301c311a301806035504030c11686f73742e636f72702e6578616d706c65"
#define NAME_JURGEN "30123110300e06035504030c076ac3bc7267656e"
#define NAME_SPECIAL "30173115301306035504030c0c612c622b633d22233c3e3b20" /* a,b+c="#<>; */
#define NAME_BLANK_HASH "300e310c300a06035504030c03202378" /* " #x" */
#define SAN_ALL                                                                             \
	"304ca022060a2b060104018237140203a0140c12616c69636540636f72702e6578616d706c6581126" \
	"16c69636540636f72702e6578616d706c658212616c6963652e636f72702e6578616d706c65"
#define SAN_DNS "30138211686f73742e636f72702e6578616d706c65"
#define SID_TEXT "S-1-5-21-1004336348-1177238915-682003330-1105"
#define SID_DER                                                                             \
	"303fa03d060a2b060104018237190201a02f042d532d312d352d32312d313030343333363334382d31" \
	"3137373233383931352d3638323030333333302d31313035"
#define EXT_V2 "3017060b2b06010401823715080101020164020500ffffffff" /* 100, 2^32-1 */
#define EXT_V2_ZERO "3013060b2b06010401823715080101020100020100"
#define EXT_V2_NOMINOR "3010060b2b06010401823715080102020101" /* .1.2, major 1 */
#define EXT_V2_BIG "3018060b2b06010401823715080101020500ffffffff02020080"
/* as Windows certreq writes it for a forest's template (a random arc under
 * 1.3.6.1.4.1.311.21.8, version 100.4) */
#define EXT_V2_WIN                                                                          \
	"302c06242b060104018237150883d29d4586d0a43cf9973481cec10183caf70c7787e9bf31e8e04502" \
	"0164020104"
#define WIN_OID "1.3.6.1.4.1.311.21.8.7638725.13898300.1985460.3383425.7519116.119.16408497.1716293"
#define V1_USER "1e080055007300650072"
#define V1_MACHINE "1e0e004d0061006300680069006e0065"
#define V1_UTF "1e0c0055007300e90072d83dde00" /* "Usér" U+1F600 */

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = strlen(h) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned v;

		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
	return n;
}

static void assert_der(const uint8_t *der, size_t len, const char *hex)
{
	uint8_t want[512];
	size_t n = unhex(hex, want);

	if (len != n || memcmp(der, want, n) != 0) {
		char got[1100] = "";

		for (size_t i = 0; i < len && i < 500; i++)
			snprintf(got + 2 * i, 3, "%02x", der[i]);
		fail_msg("DER differs:\n got  %s\n want %s", got, hex);
	}
}

static const struct template *dflt(const char *name)
{
	size_t n;
	const struct template *d = template_defaults(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(d[i].name, name) == 0)
			return &d[i];
	fail_msg("no default %s", name);
	return NULL;
}

static struct policy_account user(void)
{
	struct policy_account a;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "CORP\\alice");
	strcpy(a.upn, "alice@corp.example");
	strcpy(a.email, "alice@corp.example");
	strcpy(a.dns, "alice.corp.example");
	strcpy(a.sid, SID_TEXT);
	return a;
}

/* ---- subject ---- */

static void subject_is(const struct template *t, const struct policy_account *a,
		       const char *hex)
{
	uint8_t *der = NULL;
	size_t len = 0;
	char err[256] = "";

	if (policy_subject_der(t, a, &der, &len, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	assert_der(der, len, hex);
	free(der);
}

static void subject_refused(const struct template *t, const struct policy_account *a,
			    const char *msg)
{
	uint8_t *der = (uint8_t *)"x";
	size_t len = 7;
	char err[256] = "";

	assert_int_equal(policy_subject_der(t, a, &der, &len, err, sizeof(err)), -1);
	assert_null(der);
	assert_int_equal(len, 0);
	assert_string_equal(err, msg);
}

static void test_subject(void **state)
{
	struct policy_account a = user();

	(void)state;
	/* a user: CN = the user part; a machine: CN = its DNS name */
	subject_is(dflt("User"), &a, NAME_ALICE);
	strcpy(a.name, "CORP\\host$");
	strcpy(a.dns, "host.corp.example");
	subject_is(dflt("Machine"), &a, NAME_HOST);
	/* without a domain, the whole name; UTF-8; RFC 4514's special characters
	 * are the name's bytes, never syntax */
	a = user();
	strcpy(a.name, "alice");
	subject_is(dflt("User"), &a, NAME_ALICE);
	strcpy(a.name, "CORP\\j\xc3\xbcrgen");
	subject_is(dflt("User"), &a, NAME_JURGEN);
	/* RFC 4514's specials, a trailing and a leading blank, a leading '#':
	 * the name's bytes, never syntax */
	strcpy(a.name, "CORP\\a,b+c=\"#<>; ");
	subject_is(dflt("User"), &a, NAME_SPECIAL);
	strcpy(a.name, "CORP\\ #x");
	subject_is(dflt("User"), &a, NAME_BLANK_HASH);
	/* the user part is after the last backslash */
	strcpy(a.name, "A\\B\\alice");
	subject_is(dflt("User"), &a, NAME_ALICE);
}

static void test_subject_refused(void **state)
{
	struct policy_account a = user();
	char s[128];

	(void)state;
	strcpy(a.name, "CORP\\");
	subject_refused(dflt("User"), &a, "the account has no user name to name the certificate by");
	a = user();
	a.dns[0] = 0;
	subject_refused(dflt("Machine"), &a, "the account has no DNS name to name the certificate by");
	a = user();
	memset(s, 'a', 65);
	s[65] = 0;
	snprintf(a.name, sizeof(a.name), "CORP\\%s", s);
	subject_refused(dflt("User"), &a, "name: CN: value longer than 64 characters");
	s[64] = 0; /* 64: the bound itself */
	snprintf(a.name, sizeof(a.name), "CORP\\%s", s);
	{
		uint8_t *der = NULL;
		size_t len;

		assert_int_equal(policy_subject_der(dflt("User"), &a, &der, &len, NULL, 0), 0);
		free(der);
	}
	a = user();
	strcpy(a.name, "CORP\\al\xffice");
	subject_refused(dflt("User"), &a, "name: CN: not valid UTF-8");
}

/* ---- subjectAltName and SID ---- */

static void san_refused(unsigned which, const struct policy_account *a, const char *msg)
{
	uint8_t *der = (uint8_t *)"x";
	size_t len = 7;
	char err[256] = "";

	assert_int_equal(policy_san_der(which, a, &der, &len, err, sizeof(err)), -1);
	assert_null(der);
	assert_int_equal(len, 0);
	assert_string_equal(err, msg);
}

static void test_san(void **state)
{
	struct policy_account a = user();
	uint8_t *der = NULL;
	size_t len = 0;
	char err[256] = "";

	(void)state;
	/* UPN, rfc822Name, dNSName in that order, whatever the bits' order */
	assert_int_equal(policy_san_der(TEMPLATE_SAN_DNS | TEMPLATE_SAN_UPN | TEMPLATE_SAN_EMAIL,
					&a, &der, &len, err, sizeof(err)), 0);
	assert_der(der, len, SAN_ALL);
	free(der);
	strcpy(a.dns, "host.corp.example");
	assert_int_equal(policy_san_der(TEMPLATE_SAN_DNS, &a, &der, &len, err, sizeof(err)), 0);
	assert_der(der, len, SAN_DNS);
	free(der);

	a = user();
	san_refused(0, &a, "no account attribute, or an unknown one, asked for (0x0)");
	san_refused(8 | TEMPLATE_SAN_UPN, &a, "no account attribute, or an unknown one, asked for (0x9)");
	a.upn[0] = 0;
	san_refused(TEMPLATE_SAN_UPN | TEMPLATE_SAN_DNS, &a, "the account has no user principal name");
	a = user();
	a.email[0] = 0;
	san_refused(TEMPLATE_SAN_EMAIL, &a, "the account has no e-mail address");
	a = user();
	a.dns[0] = 0;
	san_refused(TEMPLATE_SAN_DNS, &a, "the account has no DNS name");
	/* an IA5String is ASCII; no blank or control anywhere; the UPN is UTF-8
	 * without bidi or invisible characters */
	a = user();
	strcpy(a.email, "j\xc3\xbcrgen@corp.example");
	san_refused(TEMPLATE_SAN_EMAIL, &a, "the account's e-mail address holds a character it "
					    "may not (printable ASCII only)");
	a = user();
	strcpy(a.dns, "host .corp.example");
	san_refused(TEMPLATE_SAN_DNS, &a, "the account's DNS name holds a character it may not "
					  "(printable ASCII only)");
	a = user();
	strcpy(a.upn, "alice\xe2\x80\xae@corp.example");
	san_refused(TEMPLATE_SAN_UPN, &a, "the account's user principal name holds a character "
					  "it may not (a control, blank or invisible "
					  "character, or malformed UTF-8)");
	strcpy(a.upn, "alice\x1b@corp.example");
	san_refused(TEMPLATE_SAN_UPN, &a, "the account's user principal name holds a character "
					  "it may not (a control, blank or invisible "
					  "character, or malformed UTF-8)");
	/* a UTF-8 UPN is fine */
	strcpy(a.upn, "j\xc3\xbcrgen@corp.example");
	assert_int_equal(policy_san_der(TEMPLATE_SAN_UPN, &a, &der, &len, err, sizeof(err)), 0);
	assert_non_null(memmem(der, len, "j\xc3\xbcrgen@corp.example", 19));
	free(der);
	/* not terminated within its array: refused, not read past */
	a = user();
	memset(a.email, 'a', sizeof(a.email));
	san_refused(TEMPLATE_SAN_EMAIL, &a, "the account has no e-mail address");
}

static void test_sid(void **state)
{
	uint8_t *der = NULL;
	size_t len = 0;
	char err[256] = "", s[POLICY_SID_MAX + 8];
	static const char *const bad[] = { "", "S-1-", "s-1-5-21", "X-1-5-21", "S-1-5 -21",
					   "S-1-5-21\n", "S-1-5-21-x" };

	(void)state;
	assert_int_equal(policy_sid_der(SID_TEXT, &der, &len, err, sizeof(err)), 0);
	assert_der(der, len, SID_DER);
	free(der);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		der = (uint8_t *)"x";
		assert_int_equal(policy_sid_der(bad[i], &der, &len, err, sizeof(err)), -1);
		assert_null(der);
		assert_string_equal(err, "not a SID's text (S-1-...) of at most 184 bytes");
	}
	assert_int_equal(policy_sid_der(NULL, &der, &len, err, sizeof(err)), -1);
	/* the bound: 184 bytes pass, 185 do not */
	memset(s, '1', sizeof(s));
	memcpy(s, "S-1-5-", 6);
	s[POLICY_SID_MAX] = 0;
	assert_int_equal(policy_sid_der(s, &der, &len, err, sizeof(err)), 0);
	free(der);
	s[POLICY_SID_MAX] = '1';
	s[POLICY_SID_MAX + 1] = 0;
	assert_int_equal(policy_sid_der(s, &der, &len, err, sizeof(err)), -1);
}

/* ---- the template extensions ---- */

static struct policy_request empty_req(void)
{
	struct policy_request r;

	memset(&r, 0, sizeof(r));
	return r;
}

static void ext_der_is(const char *oid, unsigned major, unsigned minor, const char *hex)
{
	struct template t = *dflt("User");
	struct policy_request r = empty_req();
	uint8_t *der = NULL;
	size_t len = 0;
	char err[256] = "";

	strcpy(t.oid, oid);
	t.major_version = major;
	t.minor_version = minor;
	if (policy_template_ext_der(&t, &der, &len, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	assert_der(der, len, hex);
	/* and it reads back as it was written */
	assert_int_equal(policy_read_template_ext_v2(der, len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.has_ext_v2, 1);
	assert_string_equal(r.ext_oid, oid);
	assert_int_equal(r.ext_major, major);
	assert_int_equal(r.ext_has_minor, 1);
	assert_int_equal(r.ext_minor, minor);
	assert_int_equal(r.has_ext_v1, 0);
	free(der);
}

static void test_template_ext(void **state)
{
	struct template t = *dflt("User");
	uint8_t *der = (uint8_t *)"x";
	size_t len = 9;
	char err[256] = "";

	(void)state;
	ext_der_is("1.3.6.1.4.1.311.21.8.1.1", 100, 4294967295u, EXT_V2);
	ext_der_is("1.3.6.1.4.1.311.21.8.1.1", 0, 0, EXT_V2_ZERO);
	ext_der_is("1.3.6.1.4.1.311.21.8.1.1", 4294967295u, 128, EXT_V2_BIG);
	ext_der_is(WIN_OID, 100, 4, EXT_V2_WIN);
	/* every default round-trips */
	{
		size_t n;
		const struct template *d = template_defaults(&n);

		for (size_t i = 0; i < n; i++) {
			struct policy_request r = empty_req();

			assert_int_equal(policy_template_ext_der(&d[i], &der, &len, err,
								 sizeof(err)), 0);
			assert_int_equal(policy_read_template_ext_v2(der, len, &r, err,
								     sizeof(err)), 0);
			assert_string_equal(r.ext_oid, d[i].oid);
			assert_int_equal(r.ext_major, d[i].major_version);
			assert_int_equal(r.ext_minor, d[i].minor_version);
			free(der);
		}
	}
	strcpy(t.oid, "1.3.6.1.4.1.311.21.8.");
	der = (uint8_t *)"x";
	assert_int_equal(policy_template_ext_der(&t, &der, &len, err, sizeof(err)), -1);
	assert_null(der);
	assert_string_equal(err, "the template's OID is not a dotted OID");
}

static void v2_refused(const char *hex, const char *msg)
{
	uint8_t in[512];
	size_t n = unhex(hex, in);
	struct policy_request r, before;
	char err[256] = "";

	memset(&r, 0x5a, sizeof(r));
	before = r;
	if (policy_read_template_ext_v2(in, n, &r, err, sizeof(err)) != -1)
		fail_msg("accepted: %s", hex);
	assert_memory_equal(&r, &before, sizeof(r));
	if (msg != NULL)
		assert_string_equal(err, msg);
	else
		assert_true(strncmp(err, "certificate template extension: ", 32) == 0);
}

static void test_read_v2(void **state)
{
	uint8_t in[512];
	size_t n;
	struct policy_request r = empty_req();
	char err[256] = "", big[600];
	static const char ver[] = "certificate template extension: a version is not a DER "
				  "INTEGER of 0 to 4294967295";

	(void)state;
	n = unhex(EXT_V2_NOMINOR, in);
	assert_int_equal(policy_read_template_ext_v2(in, n, &r, err, sizeof(err)), 0);
	assert_string_equal(r.ext_oid, "1.3.6.1.4.1.311.21.8.1.2");
	assert_int_equal(r.ext_major, 1);
	assert_int_equal(r.ext_has_minor, 0);
	assert_int_equal(r.ext_minor, 0);
	r = empty_req();
	n = unhex(EXT_V2_WIN, in);
	assert_int_equal(policy_read_template_ext_v2(in, n, &r, err, sizeof(err)), 0);
	assert_string_equal(r.ext_oid, WIN_OID);
	assert_int_equal(r.ext_major, 100);
	assert_int_equal(r.ext_minor, 4);

	v2_refused("", "certificate template extension: empty");
	/* negative, a redundant leading 00 or ff, beyond 2^32-1 */
	v2_refused("3010060b2b060104018237150801010201ff", ver);
	v2_refused("3011060b2b0601040182371508010102020001", ver);
	v2_refused("3011060b2b06010401823715080101020280ff", ver); /* -32513: negative */
	v2_refused("3011060b2b0601040182371508010102020100020100", NULL); /* lengths disagree */
	v2_refused("3014060b2b060104018237150801010205010000000002", NULL); /* trailing */
	v2_refused("3014060b2b0601040182371508010102050100000000", ver); /* 2^32 */
	/* six bytes (a leading 00 and 2^40-1), an empty INTEGER */
	v2_refused("3018060b2b060104018237150801010206" "00ffffffffff020100", ver);
	v2_refused("300f060b2b060104018237150801010200", NULL);
	/* minor out of range */
	v2_refused("3017060b2b0601040182371508010102010102050100000000", ver);
	/* trailing bytes, another type, a missing major, an extra element */
	v2_refused(EXT_V2_ZERO "00", NULL);
	v2_refused("1e080055007300650072", NULL);
	v2_refused("300d060b2b06010401823715080101", NULL);
	v2_refused("3016060b2b06010401823715080101020100020100020100", NULL);
	/* a BER length */
	v2_refused("30813013060b2b06010401823715080101020100020100", NULL);
	/* an OID longer than a template's (127 bytes) */
	{
		snprintf(big, sizeof(big), "3048""06402b0601040182371508");
		for (int i = 0; i < 11; i++)
			strcat(big, "8fffffff7f"); /* an arc of 2^32-1, 5 bytes */
		strcat(big, "020100020100");
		v2_refused(big, "certificate template extension: the template's OID is not one "
				"the CA can hold (at most 127 bytes)");
	}
}

static void v1_is(const char *hex, const char *name)
{
	uint8_t in[512];
	size_t n = unhex(hex, in);
	struct policy_request r = empty_req();
	char err[256] = "";

	if (policy_read_template_ext_v1(in, n, &r, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(r.has_ext_v1, 1);
	assert_int_equal(r.has_ext_v2, 0);
	assert_string_equal(r.ext_name, name);
}

static void v1_refused(const char *hex, const char *msg)
{
	uint8_t in[512];
	size_t n = unhex(hex, in);
	struct policy_request r, before;
	char err[256] = "";

	memset(&r, 0x5a, sizeof(r));
	before = r;
	if (policy_read_template_ext_v1(in, n, &r, err, sizeof(err)) != -1)
		fail_msg("accepted: %s", hex);
	assert_memory_equal(&r, &before, sizeof(r));
	if (msg != NULL)
		assert_string_equal(err, msg);
	else
		assert_true(strncmp(err, "certificate type extension: ", 28) == 0);
}

static void test_read_v1(void **state)
{
	static const char text[] = "certificate type extension: the name is not 1 to 64 bytes "
				   "of text (UTF-16 without control characters)";
	char h[400];

	(void)state;
	v1_is(V1_USER, "User");
	v1_is(V1_MACHINE, "Machine");
	v1_is(V1_UTF, "Us\xc3\xa9r\xf0\x9f\x98\x80"); /* a surrogate pair */
	/* 64 bytes: the bound */
	strcpy(h, "1e8180");
	for (int i = 0; i < 64; i++)
		strcat(h, "0041");
	v1_is(h, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	/* 65: refused, never cut to a name that could be another template's */
	strcpy(h, "1e8182");
	for (int i = 0; i < 65; i++)
		strcat(h, "0041");
	v1_refused(h, text);
	v1_refused("", "certificate type extension: empty");
	v1_refused("1e00", "certificate type extension: no template name");
	v1_refused("1e0300550073", NULL);          /* odd length */
	v1_refused("1e04d8000041", text);          /* a high surrogate alone */
	v1_refused("1e02d800", text);              /* cut after it */
	v1_refused("1e04dc000041", text);          /* a low surrogate alone */
	v1_refused("1e0400410007", text);          /* BEL */
	v1_refused("1e0400410000", text);          /* NUL */
	v1_refused("1e0400410085", text);          /* C1 */
	v1_refused("0c0455736572", NULL);          /* a UTF8String */
	v1_refused(V1_USER "00", NULL);            /* trailing */
	v1_refused("1e81080055007300650072", NULL); /* BER length */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject),
		cmocka_unit_test(test_subject_refused),
		cmocka_unit_test(test_san),
		cmocka_unit_test(test_sid),
		cmocka_unit_test(test_template_ext),
		cmocka_unit_test(test_read_v2),
		cmocka_unit_test(test_read_v1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
