/* Unit tests of the custodian's CA properties (firmware/custodian/props.c): what
 * `caadm setprop` may set, how each value is checked, what it reads back as, and
 * what issuance and CRL publication are given. Driven in process: a struct ca
 * with only its ca.conf (props never touch the HSM), and for the ledger's
 * overrides a real ledger (firmware/ledger, Berkeley DB in a temporary
 * directory) served on a socketpair by ledger_serve, read with the custodian's
 * own client (record.c). Every refusal is checked by its exact message, and a
 * refused value must leave the property as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "firmware/custodian/props.h"
#include "firmware/custodian/record.h"
#include "firmware/ledger/serve.h"
#include "firmware/ledger/store.h"
#include "tests/unit/support/stderr_capture.h"

/* Every settable property, as props.h lists them. */
static const char *const names[] = {"CDPURL",	     "AIAURL",	       "OCSPURL",
				    "DeltaCRLURL",    "CRLPeriod",      "CRLOverlap",
				    "CRLDeltaPeriod", "CRLPublishBase", "CRLPublishDelta"};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

static const char *const url_names[] = {"CDPURL", "AIAURL", "OCSPURL", "DeltaCRLURL"};
static const char *const duration_names[] = {"CRLPeriod", "CRLOverlap", "CRLDeltaPeriod"};
static const char *const file_names[] = {"CRLPublishBase", "CRLPublishDelta"};

#define URL_REFUSED ": not a URI (http://, https://, ldap://, ldaps:// or file://; printable ASCII)"
#define DURATION_REFUSED ": not a duration (N with s, m, h or d)"
#define FILE_REFUSED ": a file name under DATA/crl, without '/'"

/* A CA whose ca.conf holds only the given "key", "value" pairs (NULL-ended). */
static void ca_with_conf(struct ca *ca, const char *const *kv)
{
	memset(ca, 0, sizeof(*ca));
	for (; kv != NULL && kv[0] != NULL; kv += 2)
		assert_int_equal(conf_set(&ca->conf, kv[0], kv[1]), 0);
}

/* Properties loaded from an empty ca.conf and no ledger: the defaults. */
static void fresh(struct props *p)
{
	struct ca ca;
	char err[256] = "";

	ca_with_conf(&ca, NULL);
	if (props_load(p, &ca, NULL, err, sizeof(err)) != 0)
		fail_msg("props_load: %s", err);
}

static void expect_get(struct props *p, const char *name, const char *want)
{
	char out[PROPS_VALUE_MAX] = "unset";

	assert_int_equal(props_get(p, name, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void expect_set(struct props *p, const char *name, const char *value)
{
	char err[256] = "";

	if (props_set(p, name, value, err, sizeof(err)) != 0)
		fail_msg("props_set(%s, '%s'): %s", name, value, err);
}

/* props_set refuses with exactly "<name><suffix>" and leaves the value as it was. */
static void expect_refused(struct props *p, const char *name, const char *value,
			   const char *suffix)
{
	char before[PROPS_VALUE_MAX], want[300], err[300] = "";

	assert_int_equal(props_get(p, name, before, sizeof(before)), 0);
	snprintf(want, sizeof(want), "%s%s", name, suffix);
	if (props_set(p, name, value, err, sizeof(err)) != -1)
		fail_msg("props_set(%s, '%s') accepted", name, value);
	assert_string_equal(err, want);
	expect_get(p, name, before);
}

/* A string of n copies of c after prefix, in a static buffer. */
static const char *long_value(const char *prefix, char c, size_t n)
{
	static char buf[1024];
	size_t k = strlen(prefix);

	assert_true(k + n < sizeof(buf));
	memcpy(buf, prefix, k);
	memset(buf + k, c, n);
	buf[k + n] = 0;
	return buf;
}

/* ---- names ---- */

static void the_settable_names_are_known_and_nothing_else(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_NAMES; i++)
		assert_int_equal(props_known(names[i]), 1);
	/* Read-only properties (answered by the admin service), ca.conf's key
	 * names, other cases and prefixes are not settable. */
	assert_int_equal(props_known("CACert"), 0);
	assert_int_equal(props_known("CAChain"), 0);
	assert_int_equal(props_known("BaseCRL"), 0);
	assert_int_equal(props_known("DeltaCRL"), 0);
	assert_int_equal(props_known("cdp_url"), 0);
	assert_int_equal(props_known("cdpurl"), 0);
	assert_int_equal(props_known("CDPURL "), 0);
	assert_int_equal(props_known("CDP"), 0);
	assert_int_equal(props_known(""), 0);
}

static void an_unknown_name_is_refused_by_set_and_get(void **state)
{
	struct props p;
	char err[256] = "", out[16] = "untouched";

	(void)state;
	fresh(&p);
	assert_int_equal(props_set(&p, "CACert", "x", err, sizeof(err)), -1);
	assert_string_equal(err, "CACert: no such settable property");
	assert_int_equal(props_set(&p, "cdp_url", "http://a/b", err, sizeof(err)), -1);
	assert_string_equal(err, "cdp_url: no such settable property");
	assert_int_equal(props_get(&p, "Nope", out, sizeof(out)), -1);
	assert_string_equal(out, "untouched");
	pthread_mutex_destroy(&p.mu);
}

/* ---- defaults ---- */

static void defaults_without_conf_or_ledger(void **state)
{
	struct props p;
	struct ca_urls u;
	struct crl_settings c;

	(void)state;
	fresh(&p);
	expect_get(&p, "CDPURL", "");
	expect_get(&p, "AIAURL", "");
	expect_get(&p, "OCSPURL", "");
	expect_get(&p, "DeltaCRLURL", "");
	expect_get(&p, "CRLPeriod", "7d");
	expect_get(&p, "CRLOverlap", "12h");
	expect_get(&p, "CRLDeltaPeriod", "1d");
	expect_get(&p, "CRLPublishBase", "ca.crl");
	expect_get(&p, "CRLPublishDelta", "ca-delta.crl");
	props_urls(&p, &u);
	assert_string_equal(u.cdp, "");
	assert_string_equal(u.aia, "");
	assert_string_equal(u.ocsp, "");
	props_crl(&p, &c);
	assert_int_equal(c.period, 7 * 86400);
	assert_int_equal(c.overlap, 12 * 3600);
	assert_int_equal(c.delta_period, 86400);
	assert_string_equal(c.delta_url, "");
	assert_string_equal(c.idp_url, "");
	assert_string_equal(c.base_file, "ca.crl");
	assert_string_equal(c.delta_file, "ca-delta.crl");
	pthread_mutex_destroy(&p.mu);
}

/* ---- good values ---- */

static void urls_round_trip_and_reach_issuance_and_crls(void **state)
{
	struct props p;
	struct ca_urls u;
	struct crl_settings c;

	(void)state;
	fresh(&p);
	expect_set(&p, "CDPURL", "http://pki.example/ca.crl");
	expect_set(&p, "AIAURL", "http://pki.example/ca.crt");
	expect_set(&p, "OCSPURL", "http://ocsp.example");
	expect_set(&p, "DeltaCRLURL", "ldap:///CN=Delta,O=Example?deltaRevocationList");
	expect_get(&p, "CDPURL", "http://pki.example/ca.crl");
	expect_get(&p, "AIAURL", "http://pki.example/ca.crt");
	expect_get(&p, "OCSPURL", "http://ocsp.example");
	expect_get(&p, "DeltaCRLURL", "ldap:///CN=Delta,O=Example?deltaRevocationList");
	props_urls(&p, &u);
	assert_string_equal(u.cdp, "http://pki.example/ca.crl");
	assert_string_equal(u.aia, "http://pki.example/ca.crt");
	assert_string_equal(u.ocsp, "http://ocsp.example");
	/* The CDP is also the base CRL's issuingDistributionPoint; the delta's URL
	 * goes into CRLs only. */
	props_crl(&p, &c);
	assert_string_equal(c.idp_url, "http://pki.example/ca.crl");
	assert_string_equal(c.delta_url, "ldap:///CN=Delta,O=Example?deltaRevocationList");

	/* Empty clears a pointer (none written). */
	expect_set(&p, "CDPURL", "");
	expect_get(&p, "CDPURL", "");
	props_urls(&p, &u);
	props_crl(&p, &c);
	assert_string_equal(u.cdp, "");
	assert_string_equal(c.idp_url, "");
	assert_string_equal(u.aia, "http://pki.example/ca.crt");
	pthread_mutex_destroy(&p.mu);
}

static void url_length_limit_is_511(void **state)
{
	struct props p;
	struct ca_urls u;

	(void)state;
	fresh(&p);
	/* 511 characters fit the 512-byte fields with their NUL. */
	expect_set(&p, "AIAURL", long_value("http://", 'a', 511 - 7));
	props_urls(&p, &u);
	assert_int_equal(strlen(u.aia), 511);
	expect_refused(&p, "AIAURL", long_value("http://", 'a', 512 - 7), URL_REFUSED);
	pthread_mutex_destroy(&p.mu);
}

/* Each duration as set, the seconds it means, and how it reads back (the
 * largest whole unit). */
static const struct {
	const char *set;
	int64_t seconds;
	const char *get;
} durations[] = {
	{"90s", 90, "90s"},	      {"60s", 60, "60s"},
	{"1m", 60, "60s"},	      {"60m", 3600, "1h"},
	{"36h", 129600, "36h"},	      {"48h", 172800, "2d"},
	{"7d", 604800, "7d"},	      {"3650d", 315360000, "3650d"},
	{"315360000s", 315360000, "3650d"}, {"0090m", 5400, "5400s"},
};

static void durations_parse_and_read_back(void **state)
{
	struct props p;
	struct crl_settings c;
	char out[64];

	(void)state;
	fresh(&p);
	for (size_t k = 0; k < sizeof(durations) / sizeof(durations[0]); k++) {
		/* The period and the delta's take every value; the overlap must stay
		 * below the period (set to the longest meanwhile). */
		expect_set(&p, "CRLOverlap", "0");
		for (size_t i = 0; i < 3; i += 2) {
			expect_set(&p, duration_names[i], durations[k].set);
			expect_get(&p, duration_names[i], durations[k].get);
		}
		props_crl(&p, &c);
		assert_int_equal(c.period, durations[k].seconds);
		assert_int_equal(c.delta_period, durations[k].seconds);
		expect_set(&p, "CRLPeriod", "3650d");
		if (durations[k].seconds == 3650LL * 86400) {
			expect_refused(&p, "CRLOverlap", durations[k].set,
				       " (3650d) must be shorter than CRLPeriod (3650d)");
			continue;
		}
		expect_set(&p, "CRLOverlap", durations[k].set);
		expect_get(&p, "CRLOverlap", durations[k].get);
		/* What reads back sets the same value again. */
		assert_int_equal(props_get(&p, "CRLOverlap", out, sizeof(out)), 0);
		expect_set(&p, "CRLOverlap", out);
		props_crl(&p, &c);
		assert_int_equal(c.overlap, durations[k].seconds);
	}
	pthread_mutex_destroy(&p.mu);
}

static void zero_is_allowed_bare_except_for_the_period(void **state)
{
	struct props p;
	struct crl_settings c;

	(void)state;
	fresh(&p);
	/* CRLDeltaPeriod 0: no automatic delta. A bare 0 needs no unit. */
	expect_set(&p, "CRLDeltaPeriod", "0");
	expect_get(&p, "CRLDeltaPeriod", "0s");
	expect_set(&p, "CRLOverlap", "0d");
	expect_get(&p, "CRLOverlap", "0s");
	props_crl(&p, &c);
	assert_int_equal(c.delta_period, 0);
	assert_int_equal(c.overlap, 0);
	/* The base period is at least a minute. */
	expect_refused(&p, "CRLPeriod", "0", ": at least 60s");
	expect_refused(&p, "CRLPeriod", "59s", ": at least 60s");
	expect_set(&p, "CRLPeriod", "1m");
	props_crl(&p, &c);
	assert_int_equal(c.period, 60);
	pthread_mutex_destroy(&p.mu);
}

static void file_names_round_trip(void **state)
{
	struct props p;
	struct crl_settings c;

	(void)state;
	fresh(&p);
	expect_set(&p, "CRLPublishBase", "issuing-ca-1.crl");
	expect_set(&p, "CRLPublishDelta", "issuing-ca-1+.crl");
	expect_get(&p, "CRLPublishBase", "issuing-ca-1.crl");
	expect_get(&p, "CRLPublishDelta", "issuing-ca-1+.crl");
	/* A dot inside is fine; 127 characters fit the 128-byte field. */
	expect_set(&p, "CRLPublishBase", "a..b");
	expect_set(&p, "CRLPublishDelta", long_value("", 'f', 127));
	props_crl(&p, &c);
	assert_string_equal(c.base_file, "a..b");
	assert_int_equal(strlen(c.delta_file), 127);
	pthread_mutex_destroy(&p.mu);
}

/* ---- refusals ---- */

static void bad_urls_are_refused(void **state)
{
	static const char *const bad[] = {
		"no-scheme",		 /* no colon at all */
		":/no-scheme",		 /* colon first: an empty scheme */
		"http://a b/crl",	 /* space */
		"http://a\tb",		 /* control character */
		"http://a/\x7f",	 /* DEL */
		"http://caf\xc3\xa9/crl", /* not ASCII */
		"http://a/crl\n",	 /* a newline (would split ca.conf) */
	};
	struct props p;

	(void)state;
	fresh(&p);
	for (size_t i = 0; i < 4; i++) {
		expect_set(&p, url_names[i], "http://before/");
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			expect_refused(&p, url_names[i], bad[k], URL_REFUSED);
		expect_refused(&p, url_names[i], long_value("http://", 'x', 600), URL_REFUSED);
	}
	pthread_mutex_destroy(&p.mu);
}

static void bad_durations_are_refused(void **state)
{
	static const char *const bad[] = {
		"",			/* empty */
		"5",			/* a number without its unit (only 0 may) */
		"1x", "1 d", "1dd", "1D", /* unknown, spaced, doubled, upper-case units */
		"d", "s",		/* a unit without its number */
		"-1s", "+1s", " 1s",	/* signs and blanks before the number */
		"1.5h", "0x10s",	/* not decimal integers */
		"3651d",		/* past ten years (3650 days) */
		"315360001s",		/* one second past it */
		"87601h", "5256001m",	/* past it in hours, minutes */
		"99999999999999999999s", /* beyond long long */
		"9223372036854775807d", /* overflows n * unit if unchecked */
	};
	struct props p;

	(void)state;
	fresh(&p);
	for (size_t i = 0; i < 3; i++)
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			expect_refused(&p, duration_names[i], bad[k], DURATION_REFUSED);
	pthread_mutex_destroy(&p.mu);
}

static void bad_file_names_are_refused(void **state)
{
	static const char *const bad[] = {
		"",		 /* empty */
		".",  "..",	 /* the directory and its parent */
		".hidden.crl",	 /* a leading dot */
		"a/b.crl",	 /* a separator */
		"/etc/passwd",	 /* absolute */
		"../ca.conf",	 /* out of DATA/crl */
		"a b.crl",	 /* space */
		"a\nb",		 /* control */
		"a\x7f",	 /* DEL */
		"\xc3\xa9.crl",	 /* not ASCII */
	};
	struct props p;

	(void)state;
	fresh(&p);
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			expect_refused(&p, file_names[i], bad[k], FILE_REFUSED);
		expect_refused(&p, file_names[i], long_value("", 'f', 128), FILE_REFUSED);
	}
	pthread_mutex_destroy(&p.mu);
}

/* ---- snapshots and threads ---- */

static void readers_get_snapshots(void **state)
{
	struct props p;
	struct ca_urls u;
	struct crl_settings c;

	(void)state;
	fresh(&p);
	expect_set(&p, "CDPURL", "http://one/ca.crl");
	props_urls(&p, &u);
	props_crl(&p, &c);
	expect_set(&p, "CDPURL", "http://two/ca.crl");
	expect_set(&p, "CRLPeriod", "1d");
	/* What was handed out before does not change under its reader. */
	assert_string_equal(u.cdp, "http://one/ca.crl");
	assert_string_equal(c.idp_url, "http://one/ca.crl");
	assert_int_equal(c.period, 7 * 86400);
	pthread_mutex_destroy(&p.mu);
}

struct flipper {
	struct props *p;
	int rounds;
};

/* Sets CDPURL to one of two values, over and over. */
static void *flip(void *arg)
{
	struct flipper *f = arg;
	char err[256];

	for (int i = 0; i < f->rounds; i++)
		if (props_set(f->p, "CDPURL", i % 2 ? "http://odd.example/crl" :
						       "http://even.example/a-longer-path/crl",
			      err, sizeof(err)) != 0)
			return (void *)1;
	return NULL;
}

static void a_snapshot_is_never_torn_by_a_writer(void **state)
{
	struct props p;
	struct flipper f = {&p, 20000};
	pthread_t th;
	void *res;

	(void)state;
	fresh(&p);
	expect_set(&p, "CDPURL", "http://odd.example/crl");
	assert_int_equal(pthread_create(&th, NULL, flip, &f), 0);
	for (int i = 0; i < 20000; i++) {
		struct ca_urls u;

		props_urls(&p, &u);
		if (strcmp(u.cdp, "http://odd.example/crl") != 0 &&
		    strcmp(u.cdp, "http://even.example/a-longer-path/crl") != 0)
			fail_msg("torn snapshot: '%s'", u.cdp);
	}
	assert_int_equal(pthread_join(th, &res), 0);
	assert_null(res);
	pthread_mutex_destroy(&p.mu);
}

/* ---- ca.conf ---- */

static void conf_values_replace_the_defaults(void **state)
{
	static const char *const kv[] = {
		"cdp_url", "http://conf/ca.crl", "aia_url", "http://conf/ca.crt",
		"ocsp_url", "http://conf/ocsp", "delta_crl_url", "http://conf/delta.crl",
		"crl_period", "2d", "crl_overlap", "6h", "crl_delta_period", "0",
		"crl_publish_base", "conf.crl", "crl_publish_delta", "conf-delta.crl",
		/* Other keys of ca.conf are not properties. */
		"state", "active", NULL};
	struct props p;
	struct ca ca;
	struct ca_urls u;
	struct crl_settings c;
	char err[256] = "";

	(void)state;
	ca_with_conf(&ca, kv);
	assert_int_equal(props_load(&p, &ca, NULL, err, sizeof(err)), 0);
	props_urls(&p, &u);
	props_crl(&p, &c);
	assert_string_equal(u.cdp, "http://conf/ca.crl");
	assert_string_equal(u.aia, "http://conf/ca.crt");
	assert_string_equal(u.ocsp, "http://conf/ocsp");
	assert_string_equal(c.idp_url, "http://conf/ca.crl");
	assert_string_equal(c.delta_url, "http://conf/delta.crl");
	assert_int_equal(c.period, 2 * 86400);
	assert_int_equal(c.overlap, 6 * 3600);
	assert_int_equal(c.delta_period, 0);
	assert_string_equal(c.base_file, "conf.crl");
	assert_string_equal(c.delta_file, "conf-delta.crl");
	pthread_mutex_destroy(&p.mu);
}

/* A bad value in ca.conf stops the load, named by its ca.conf key. */
static void conf_refused(const char *key, const char *value, const char *want)
{
	const char *kv[] = {key, value, NULL};
	struct props p;
	struct ca ca;
	char err[256] = "";

	ca_with_conf(&ca, kv);
	assert_int_equal(props_load(&p, &ca, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	pthread_mutex_destroy(&p.mu);
}

static void a_bad_conf_value_stops_the_load(void **state)
{
	(void)state;
	conf_refused("cdp_url", "crl.example/ca.crl", "ca.conf: cdp_url" URL_REFUSED);
	conf_refused("ocsp_url", "http://a b", "ca.conf: ocsp_url" URL_REFUSED);
	conf_refused("crl_period", "30s", "ca.conf: crl_period: at least 60s");
	conf_refused("crl_overlap", "12", "ca.conf: crl_overlap" DURATION_REFUSED);
	conf_refused("crl_publish_delta", "../x", "ca.conf: crl_publish_delta" FILE_REFUSED);
	conf_refused("crl_delta_period", "1s", "ca.conf: crl_delta_period: 0 (none) or at "
			 "least 60s");
	conf_refused("policy", "always", "ca.conf: policy must be 'pend' or 'issue', not "
			 "'always'");
	conf_refused("icpr_allow_anonymous", "yes", "ca.conf: icpr_allow_anonymous must be 0 "
			 "or 1, not 'yes'");
	/* The rules across properties, once every value is read. */
	conf_refused("crl_overlap", "7d", "ca.conf: CRLOverlap (7d) must be shorter than "
			 "CRLPeriod (7d)");
}


/* ---- the policy's settings ---- */

static void policy_settings_round_trip_and_reach_the_snapshot(void **state)
{
	struct props p;
	struct policy pol;

	(void)state;
	fresh(&p);
	/* The defaults: pend, a year, no extension, packet privacy, no anonymous. */
	expect_get(&p, "policy", "pend");
	expect_get(&p, "validity_days", "365");
	expect_get(&p, "csr_extensions", "");
	expect_get(&p, "icpr_enforce_encryption", "1");
	expect_get(&p, "icpr_allow_anonymous", "0");
	expect_get(&p, "icpr_no_rpc", "0");
	expect_set(&p, "policy", "issue");
	expect_set(&p, "validity_days", "3650");
	/* Blanks or commas between OIDs; read back with commas. */
	expect_set(&p, "csr_extensions", "1.2.3.4 2.5.29.32,1.3.6.1.4.1.99999.7");
	expect_get(&p, "csr_extensions", "1.2.3.4,2.5.29.32,1.3.6.1.4.1.99999.7");
	expect_set(&p, "icpr_enforce_encryption", "0");
	expect_set(&p, "icpr_allow_anonymous", "1");
	expect_set(&p, "icpr_no_rpc", "1");
	props_policy(&p, &pol);
	assert_int_equal(pol.auto_issue, 1);
	assert_int_equal(pol.days, 3650);
	assert_int_equal(pol.n_allow, 3);
	assert_string_equal(pol.allow[1], "2.5.29.32");
	assert_int_equal(pol.enforce_encryption, 0);
	assert_int_equal(pol.allow_anonymous, 1);
	assert_int_equal(pol.no_rpc, 1);
	expect_set(&p, "csr_extensions", "");
	props_policy(&p, &pol);
	assert_int_equal(pol.n_allow, 0);
	pthread_mutex_destroy(&p.mu);
}

static void bad_policy_values_are_refused(void **state)
{
	struct props p;

	(void)state;
	fresh(&p);
	expect_refused(&p, "policy", "Issue", " must be 'pend' or 'issue', not 'Issue'");
	expect_refused(&p, "validity_days", "0", " must be 1..3650");
	expect_refused(&p, "validity_days", "3651", " must be 1..3650");
	expect_refused(&p, "validity_days", "+5", " must be 1..3650");
	expect_refused(&p, "csr_extensions", "2.5.29.14", ": 2.5.29.14 is not an OID a request "
		       "may set (at most 8; never basicConstraints or key identifiers)");
	/* Nine OIDs: one past the limit; the list in force stays whole. */
	expect_set(&p, "csr_extensions", "1.2.3");
	expect_refused(&p, "csr_extensions", "1.1 1.2 1.3 1.4 1.5 1.6 1.7 1.8 1.9",
		       ": 1.9 is not an OID a request may set (at most 8; never basicConstraints "
		       "or key identifiers)");
	expect_refused(&p, "icpr_allow_anonymous", "true", " must be 0 or 1, not 'true'");
	expect_refused(&p, "icpr_enforce_encryption", "", " must be 0 or 1, not ''");
	expect_refused(&p, "icpr_no_rpc", "01", " must be 0 or 1, not '01'");
	pthread_mutex_destroy(&p.mu);
}

static void san_and_eku_only_with_pend(void **state)
{
	struct props p;
	char err[300] = "";

	(void)state;
	fresh(&p);
	expect_set(&p, "csr_extensions", "2.5.29.17,2.5.29.37");
	assert_int_equal(props_set(&p, "policy", "issue", err, sizeof(err)), -1);
	assert_string_equal(err, "csr_extensions lists 2.5.29.17 (subjectAltName), which only "
				 "policy = pend allows: an officer approves each such request");
	expect_get(&p, "policy", "pend");
	expect_set(&p, "csr_extensions", "1.2.3.4");
	expect_set(&p, "policy", "issue");
	assert_int_equal(props_set(&p, "csr_extensions", "1.2.3.4,2.5.29.37", err, sizeof(err)),
			 -1);
	assert_string_equal(err, "csr_extensions lists 2.5.29.37 (extendedKeyUsage), which only "
				 "policy = pend allows: an officer approves each such request");
	expect_get(&p, "csr_extensions", "1.2.3.4");
	/* props_try checks without applying. */
	assert_int_equal(props_try(&p, "policy", "pend", err, sizeof(err)), 0);
	expect_get(&p, "policy", "issue");
	pthread_mutex_destroy(&p.mu);
}

static void the_rules_across_properties(void **state)
{
	struct props p;
	char err[300] = "";

	(void)state;
	fresh(&p);
	/* The overlap stays shorter than the period, whichever is set. */
	assert_int_equal(props_set(&p, "CRLPeriod", "12h", err, sizeof(err)), -1);
	assert_string_equal(err, "CRLOverlap (12h) must be shorter than CRLPeriod (12h)");
	expect_refused(&p, "CRLOverlap", "8d", " (8d) must be shorter than CRLPeriod (7d)");
	expect_set(&p, "CRLOverlap", "1h");
	expect_set(&p, "CRLPeriod", "2h");
	/* The delta: none, or at least a minute. */
	expect_refused(&p, "CRLDeltaPeriod", "1s", ": 0 (none) or at least 60s");
	expect_refused(&p, "CRLDeltaPeriod", "59s", ": 0 (none) or at least 60s");
	expect_set(&p, "CRLDeltaPeriod", "60s");
	expect_set(&p, "CRLDeltaPeriod", "0");
	/* URLs: a scheme a relying party fetches with, never a path. */
	expect_refused(&p, "CDPURL", "C:\\crl", URL_REFUSED);
	expect_refused(&p, "CDPURL", "urn:x", URL_REFUSED);
	expect_refused(&p, "CDPURL", "http:/x", URL_REFUSED);
	expect_refused(&p, "CDPURL", "http://a\\b", URL_REFUSED);
	expect_set(&p, "CDPURL", "file:///srv/crl/ca.crl");
	expect_set(&p, "CDPURL", "https://pki.example/ca.crl");
	expect_set(&p, "AIAURL", "ldaps://dc.example/CN=CA?cACertificate");
	pthread_mutex_destroy(&p.mu);
}

static void a_policy_conflict_in_conf_stops_the_load(void **state)
{
	static const char *const kv[] = {"policy", "issue", "csr_extensions", "1.2,2.5.29.37",
					 NULL};
	struct props p;
	struct ca ca;
	char err[300] = "";

	(void)state;
	ca_with_conf(&ca, kv);
	assert_int_equal(props_load(&p, &ca, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "ca.conf: csr_extensions lists 2.5.29.37 (extendedKeyUsage), "
				 "which only policy = pend allows: an officer approves each such "
				 "request");
	pthread_mutex_destroy(&p.mu);
}

/* ---- the ledger's overrides ---- */

static char ledger_dir[64];

struct served {
	struct ledger *l;
	int fd;
	int rc;
};

static void *serve_ledger(void *arg)
{
	struct served *s = arg;

	s->rc = ledger_serve(s->l, s->fd, "custodian", 1);
	return NULL;
}

static void append(struct ledger *l, uint32_t type, const char *name, const void *value,
		   size_t len)
{
	static const uint8_t cert[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct ledger_event ev;
	char err[256] = "";

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = "admin";
	if (type == EV_GENESIS) {
		ev.actor_kind = ACTOR_CA;
		ev.actor = "CA";
		ev.u.genesis.ca_cert.p = cert;
		ev.u.genesis.ca_cert.len = sizeof(cert);
	} else {
		ev.u.property.name = name;
		ev.u.property.value.p = value;
		ev.u.property.value.len = len;
	}
	if (ledger_append(l, &ev, NULL, err, sizeof(err)) != 0)
		fail_msg("ledger_append: %s", err);
}

/* Run after props_load while the ledger is served (NULL: nothing), with the
 * custodian's client and the CA. */
static void (*after_load)(struct record *rec, struct ca *ca);

/* props_load against a real ledger holding the events append_events wrote: its
 * return, with err and the loaded properties. */
static int load_with_ledger(void (*append_events)(struct ledger *), const char *const *kv,
			    struct props *p, char *err, size_t errlen)
{
	struct served s = {0};
	struct record rec;
	struct ca ca;
	pthread_t th;
	int sv[2], rc;
	char cmd[256];

	snprintf(ledger_dir, sizeof(ledger_dir), "/tmp/test-props-XXXXXX");
	assert_non_null(mkdtemp(ledger_dir));
	assert_int_equal(ledger_open(ledger_dir, 0, &s.l, err, errlen), 0);
	append(s.l, EV_GENESIS, NULL, NULL, 0);
	append_events(s.l);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	s.fd = sv[0];
	assert_int_equal(pthread_create(&th, NULL, serve_ledger, &s), 0);
	assert_int_equal(record_start(&rec, sv[1]), 0);
	ca_with_conf(&ca, kv);
	snprintf(ca.dir, sizeof(ca.dir), "%s", ledger_dir);
	rc = props_load(p, &ca, &rec, err, errlen);
	if (after_load != NULL)
		after_load(&rec, &ca);
	after_load = NULL;
	record_stop(&rec); /* closes the channel: the server returns 0 */
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.rc, 0);
	close(sv[0]);
	ledger_close(s.l);
	/* The ledger's region directory (store.c) goes with its data directory. */
	snprintf(cmd, sizeof(cmd), "[ -f '%s/ledger/region-id' ] && rm -rf %s/ca-ledger-$(cat "
		 "'%s/ledger/region-id')", ledger_dir, CONFIG_LEDGER_REGION_DIR, ledger_dir);
	if (system(cmd) < 0)
		fail_msg("cannot remove the ledger's region");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ledger_dir);
	assert_int_equal(system(cmd), 0);
	return rc;
}

static void set_twice_each(struct ledger *l)
{
	append(l, EV_PROPERTY_CHANGED, "CDPURL", "http://first/ca.crl", 19);
	append(l, EV_PROPERTY_CHANGED, "CRLPeriod", "1d", 2);
	append(l, EV_PROPERTY_CHANGED, "CDPURL", "http://latest/ca.crl", 20);
	append(l, EV_PROPERTY_CHANGED, "CRLPublishBase", "ledger.crl", 10);
	append(l, EV_PROPERTY_CHANGED, "OCSPURL", "", 0);
}

static void the_ledgers_latest_value_wins_over_conf(void **state)
{
	static const char *const kv[] = {"cdp_url", "http://conf/ca.crl", "ocsp_url",
					 "http://conf/ocsp", "aia_url", "http://conf/ca.crt",
					 NULL};
	struct props p;
	struct ca_urls u;
	struct crl_settings c;
	char err[256] = "";

	(void)state;
	if (load_with_ledger(set_twice_each, kv, &p, err, sizeof(err)) != 0)
		fail_msg("props_load: %s", err);
	props_urls(&p, &u);
	props_crl(&p, &c);
	assert_string_equal(u.cdp, "http://latest/ca.crl");
	assert_string_equal(c.idp_url, "http://latest/ca.crl");
	assert_string_equal(u.ocsp, ""); /* cleared by an operator */
	assert_string_equal(u.aia, "http://conf/ca.crt"); /* never set: ca.conf's */
	assert_int_equal(c.period, 86400);
	assert_int_equal(c.overlap, 12 * 3600); /* default */
	assert_string_equal(c.base_file, "ledger.crl");
	pthread_mutex_destroy(&p.mu);
}

static void a_bad_duration_in_the_ledger(struct ledger *l)
{
	append(l, EV_PROPERTY_CHANGED, "CRLOverlap", "12", 2);
}

static void a_value_with_a_nul(struct ledger *l)
{
	append(l, EV_PROPERTY_CHANGED, "AIAURL", "http://a\0b", 10);
}

static void a_value_too_long(struct ledger *l)
{
	append(l, EV_PROPERTY_CHANGED, "DeltaCRLURL", long_value("http://", 'z', 505), 512);
}

static void a_bad_ledger_value_stops_the_load(void **state)
{
	struct props p;
	char err[256] = "";

	(void)state;
	assert_int_equal(load_with_ledger(a_bad_duration_in_the_ledger, NULL, &p, err,
					  sizeof(err)), -1);
	assert_string_equal(err, "the journal's CRLOverlap" DURATION_REFUSED);
	pthread_mutex_destroy(&p.mu);
	assert_int_equal(load_with_ledger(a_value_with_a_nul, NULL, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "property AIAURL in the ledger is not text");
	pthread_mutex_destroy(&p.mu);
	assert_int_equal(load_with_ledger(a_value_too_long, NULL, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "property DeltaCRLURL in the ledger is not text");
	pthread_mutex_destroy(&p.mu);
}


/* The journal's latest value of name, as text ("" when never set: *found 0). */
static void journal_value(struct record *rec, const char *name, char *out, size_t outlen,
			  int *found)
{
	uint8_t *v = NULL;
	size_t len = 0;
	char err[256];
	int rc = record_get_prop(rec, name, &v, &len, err, sizeof(err));

	assert_true(rc == 0 || rc == 1);
	*found = rc == 0;
	assert_true(len < outlen);
	memcpy(out, v != NULL ? (const char *)v : "", len);
	out[len] = 0;
	free(v);
}

static void policy_pend_journaled(struct ledger *l)
{
	append(l, EV_PROPERTY_CHANGED, "policy", "pend", 4);
	append(l, EV_PROPERTY_CHANGED, "validity_days", "30", 2);
}

static void after_import(struct record *rec, struct ca *ca)
{
	char v[PROPS_VALUE_MAX];
	int found;

	(void)ca;
	/* The journal's values stay; ca.conf's for what it lacked are imported. */
	journal_value(rec, "policy", v, sizeof(v), &found);
	assert_true(found);
	assert_string_equal(v, "pend");
	journal_value(rec, "icpr_allow_anonymous", v, sizeof(v), &found);
	assert_true(found);
	assert_string_equal(v, "1");
	journal_value(rec, "CDPURL", v, sizeof(v), &found);
	assert_true(found);
	assert_string_equal(v, "http://conf/ca.crl");
	journal_value(rec, "icpr_no_rpc", v, sizeof(v), &found);
	assert_false(found); /* in neither */
}

/* The journal wins over ca.conf; ca.conf's value of a property the journal never
 * held is imported once (journaled from "ca.conf"). */
static void the_journal_wins_and_conf_is_imported_once(void **state)
{
	static const char *const kv[] = {"policy", "issue", "validity_days", "90",
					 "icpr_allow_anonymous", "1", "cdp_url",
					 "http://conf/ca.crl", NULL};
	struct props p;
	struct policy pol;
	char err[256] = "";

	(void)state;
	after_load = after_import;
	if (load_with_ledger(policy_pend_journaled, kv, &p, err, sizeof(err)) != 0)
		fail_msg("props_load: %s", err);
	props_policy(&p, &pol);
	assert_int_equal(pol.auto_issue, 0);
	assert_int_equal(pol.days, 30);
	assert_int_equal(pol.allow_anonymous, 1);
	pthread_mutex_destroy(&p.mu);
}

static void policy_issue_with_san(struct ledger *l)
{
	append(l, EV_PROPERTY_CHANGED, "policy", "issue", 5);
}

static void after_refusal(struct record *rec, struct ca *ca)
{
	char v[PROPS_VALUE_MAX];
	int found;

	(void)ca;
	/* A refused start imports nothing. */
	journal_value(rec, "csr_extensions", v, sizeof(v), &found);
	assert_false(found);
}

/* The rule across settings holds over the journal's and ca.conf's together. */
static void a_conflict_between_journal_and_conf_stops_the_load(void **state)
{
	static const char *const kv[] = {"csr_extensions", "2.5.29.17", NULL};
	struct props p;
	char err[300] = "";

	(void)state;
	after_load = after_refusal;
	assert_int_equal(load_with_ledger(policy_issue_with_san, kv, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "the CA's settings (journal, then ca.conf): csr_extensions lists "
				 "2.5.29.17 (subjectAltName), which only policy = pend allows: an "
				 "officer approves each such request");
	pthread_mutex_destroy(&p.mu);
}

static void nothing_journaled(struct ledger *l)
{
	(void)l;
}

/* Writes DIR/ca.conf (dir: the CA's) with text and reloads ca's conf from it. */
static void write_conf(struct ca *ca, const char *text)
{
	char path[PATH_MAX + 16], err[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ca.conf", ca->dir);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	if (conf_load(path, &ca->conf, err, sizeof(err)) != 0)
		fail_msg("conf_load: %s", err);
}

static void after_conf_edits(struct record *rec, struct ca *ca)
{
	char v[8192], err[256];
	int found, changed = -1;

	/* First start: recorded, nothing to compare with. */
	write_conf(ca, "token = ca\npolicy = pend\ncrl_auto = 0\n");
	assert_int_equal(props_conf_audit(ca, rec, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 0);
	journal_value(rec, PROPS_CONF_NAME, v, sizeof(v), &found);
	assert_true(found);
	assert_non_null(strstr(v, "\ntoken = ca\npolicy = pend\ncrl_auto = 0\n"));
	assert_int_equal(strncmp(v, "sha256=", 7), 0);
	/* The same file again: nothing new. */
	assert_int_equal(props_conf_audit(ca, rec, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 0);
	/* A comment alone changes the hash: noticed, no key named. */
	write_conf(ca, "# hello\ntoken = ca\npolicy = pend\ncrl_auto = 0\n");
	assert_int_equal(props_conf_audit(ca, rec, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 1);
	/* A hand edit: policy changed, crl_auto removed, cdp_url added. */
	write_conf(ca, "token = ca\npolicy = issue\ncdp_url = http://x/ca.crl\n");
	assert_int_equal(props_conf_audit(ca, rec, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 1);
	journal_value(rec, PROPS_CONF_NAME, v, sizeof(v), &found);
	assert_non_null(strstr(v, "\npolicy = issue\n"));
}

/* A ca.conf edited by hand is noticed: its hash against the journal's. (The
 * operator action's detail is checked by the integration test, test_settings.py.) */
static void a_hand_edit_of_conf_is_journaled(void **state)
{
	struct props p;
	char err[256] = "";

	(void)state;
	after_load = after_conf_edits;
	if (load_with_ledger(nothing_journaled, NULL, &p, err, sizeof(err)) != 0)
		fail_msg("props_load: %s", err);
	pthread_mutex_destroy(&p.mu);
}

/* A ca.conf snapshot in the journal that the custodian did not write as it
 * writes them (a ledger restored from another CA's, or forged): no sha256= line,
 * a line without " = ", a key that only begins like a present one, a key longer
 * than ca.conf allows. The edit is still noticed, the old hash named
 * unreadable, and the keys compared line by line: no line is read into the
 * next. */
static void a_foreign_snapshot(struct ledger *l)
{
	char text[512];
	int n = snprintf(text, sizeof(text), "not a snapshot\nnoequals\ntokenx = 9\ntoken = old\n"
			 "%s = v\n", long_value("k", 'k', 70));

	append(l, EV_PROPERTY_CHANGED, PROPS_CONF_NAME, text, (size_t)n);
}

static void after_foreign_snapshot(struct record *rec, struct ca *ca)
{
	char v[8192], err[256];
	int found, changed = -1;

	write_conf(ca, "token = ca\npolicy = pend\n");
	log_begin();
	assert_int_equal(props_conf_audit(ca, rec, &changed, err, sizeof(err)), 0);
	log_end_quiet();
	assert_int_equal(changed, 1);
	assert_logged("ca.conf edited outside the CA: sha256 (unreadable) -> ");
	assert_logged("; changed: token; added: policy; removed: tokenx\n");
	journal_value(rec, PROPS_CONF_NAME, v, sizeof(v), &found);
	assert_true(found);
	assert_int_equal(strncmp(v, "sha256=", 7), 0);
	assert_non_null(strstr(v, "\ntoken = ca\npolicy = pend\n"));
}

/* A snapshot whose sha256= line is cut short and whose last line, without its
 * newline, holds a value longer than ca.conf allows. */
static void a_cut_snapshot(struct ledger *l)
{
	char text[1400];
	int n = snprintf(text, sizeof(text), "sha256=abcd\npolicy = ");

	memset(text + n, 'p', 1100); /* longer than a ca.conf value */
	n += 1100;

	append(l, EV_PROPERTY_CHANGED, PROPS_CONF_NAME, text, (size_t)n);
}

static void after_cut_snapshot(struct record *rec, struct ca *ca)
{
	char err[256];
	int changed = -1;

	write_conf(ca, "policy = pend\n");
	log_begin();
	assert_int_equal(props_conf_audit(ca, rec, &changed, err, sizeof(err)), 0);
	log_end_quiet();
	assert_int_equal(changed, 1);
	assert_logged("ca.conf edited outside the CA: sha256 (unreadable) -> ");
	assert_logged("; changed: policy; added: none; removed: none\n");
}

static void a_foreign_snapshot_is_compared_line_by_line(void **state)
{
	struct props p;
	char err[256] = "";

	(void)state;
	after_load = after_foreign_snapshot;
	if (load_with_ledger(a_foreign_snapshot, NULL, &p, err, sizeof(err)) != 0)
		fail_msg("props_load: %s", err);
	pthread_mutex_destroy(&p.mu);
	after_load = after_cut_snapshot;
	if (load_with_ledger(a_cut_snapshot, NULL, &p, err, sizeof(err)) != 0)
		fail_msg("props_load: %s", err);
	pthread_mutex_destroy(&p.mu);
}

static void cdp_journaled(struct ledger *l)
{
	append(l, EV_PROPERTY_CHANGED, "CDPURL", "http://same/ca.crl", 18);
}

/* ca.conf saying what the journal says: no warning that it is not used; saying
 * otherwise: the warning names both. */
static void conf_and_journal_agreeing_is_not_logged(void **state)
{
	static const char *const same[] = {"cdp_url", "http://same/ca.crl", NULL};
	static const char *const other[] = {"cdp_url", "http://other/ca.crl", NULL};
	struct props p;
	char err[256] = "";
	int rc;

	(void)state;
	log_begin();
	rc = load_with_ledger(cdp_journaled, same, &p, err, sizeof(err));
	log_end_quiet();
	if (rc != 0)
		fail_msg("props_load: %s", err);
	pthread_mutex_destroy(&p.mu);
	if (strstr(logged, "is not used") != NULL)
		fail_msg("warned although ca.conf agrees: %s", logged);
	log_begin();
	rc = load_with_ledger(cdp_journaled, other, &p, err, sizeof(err));
	log_end_quiet();
	assert_int_equal(rc, 0);
	pthread_mutex_destroy(&p.mu);
	assert_logged("ca.conf: cdp_url = http://other/ca.crl is not used: the journal's "
		      "CDPURL = http://same/ca.crl is (caadm setprop changes it)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_settable_names_are_known_and_nothing_else),
		cmocka_unit_test(an_unknown_name_is_refused_by_set_and_get),
		cmocka_unit_test(defaults_without_conf_or_ledger),
		cmocka_unit_test(urls_round_trip_and_reach_issuance_and_crls),
		cmocka_unit_test(url_length_limit_is_511),
		cmocka_unit_test(durations_parse_and_read_back),
		cmocka_unit_test(zero_is_allowed_bare_except_for_the_period),
		cmocka_unit_test(file_names_round_trip),
		cmocka_unit_test(bad_urls_are_refused),
		cmocka_unit_test(bad_durations_are_refused),
		cmocka_unit_test(bad_file_names_are_refused),
		cmocka_unit_test(readers_get_snapshots),
		cmocka_unit_test(a_snapshot_is_never_torn_by_a_writer),
		cmocka_unit_test(conf_values_replace_the_defaults),
		cmocka_unit_test(a_bad_conf_value_stops_the_load),
		cmocka_unit_test(the_ledgers_latest_value_wins_over_conf),
		cmocka_unit_test(a_bad_ledger_value_stops_the_load),
		cmocka_unit_test(policy_settings_round_trip_and_reach_the_snapshot),
		cmocka_unit_test(bad_policy_values_are_refused),
		cmocka_unit_test(san_and_eku_only_with_pend),
		cmocka_unit_test(the_rules_across_properties),
		cmocka_unit_test(a_foreign_snapshot_is_compared_line_by_line),
		cmocka_unit_test(conf_and_journal_agreeing_is_not_logged),
		cmocka_unit_test(a_policy_conflict_in_conf_stops_the_load),
		cmocka_unit_test(the_journal_wins_and_conf_is_imported_once),
		cmocka_unit_test(a_conflict_between_journal_and_conf_stops_the_load),
		cmocka_unit_test(a_hand_edit_of_conf_is_journaled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
