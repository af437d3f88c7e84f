/* The CA's properties; see props.h. */
#include "firmware/custodian/props.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/submit.h"
#include "platform/atomicfile.h"
#include "platform/log.h"

#define DEFAULT_PERIOD (7 * 86400)
#define DEFAULT_OVERLAP (12 * 3600)
#define DEFAULT_DELTA_PERIOD 86400

enum kind { K_URL, K_DURATION, K_FILE };

/* The CRL and URL properties; the policy's come from submit.c's table, after
 * these (index N_KNOWN + its own). */
static const struct {
	const char *name, *conf;
	enum kind kind;
} known[] = {
	{"CDPURL", "cdp_url", K_URL},
	{"AIAURL", "aia_url", K_URL},
	{"OCSPURL", "ocsp_url", K_URL},
	{"DeltaCRLURL", "delta_crl_url", K_URL},
	{"CRLPeriod", "crl_period", K_DURATION},
	{"CRLOverlap", "crl_overlap", K_DURATION},
	{"CRLDeltaPeriod", "crl_delta_period", K_DURATION},
	{"CRLPublishBase", "crl_publish_base", K_FILE},
	{"CRLPublishDelta", "crl_publish_delta", K_FILE},
};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

/* Index of a settable property: 0..N_KNOWN-1 the table above, N_KNOWN + i the
 * policy's setting i; -1 none. */
static int find(const char *name)
{
	int k;

	for (size_t i = 0; i < N_KNOWN; i++)
		if (strcmp(known[i].name, name) == 0)
			return (int)i;
	k = policy_setting_find(name);
	return k < 0 ? -1 : (int)N_KNOWN + k;
}

static size_t n_all(void)
{
	return N_KNOWN + policy_n_settings();
}

static const char *name_of(int i)
{
	return (size_t)i < N_KNOWN ? known[i].name : policy_setting_name((size_t)i - N_KNOWN);
}

/* The ca.conf key of property i (the policy's are their own names). */
static const char *conf_key_of(int i)
{
	return (size_t)i < N_KNOWN ? known[i].conf : policy_setting_name((size_t)i - N_KNOWN);
}

int props_known(const char *name)
{
	return find(name) >= 0;
}

static int parse_duration(const char *v, int64_t *out)
{
	char *end;
	long long n = strtoll(v, &end, 10);
	int64_t unit;

	if (v[0] < '0' || v[0] > '9' || n < 0 || n > 3650LL * 86400)
		return -1;
	if (*end == 0 && n == 0)
		unit = 1;
	else if (strcmp(end, "s") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else
		return -1;
	*out = (int64_t)n * unit;
	return *out <= 3650LL * 86400 ? 0 : -1;
}

/* URIs as RFC 5280 GeneralName uniformResourceIdentifier, with a scheme a relying
 * party fetches CRLs and certificates by ("C:\crl" has a "scheme" C otherwise):
 * printable ASCII without blanks or backslashes; x509 checks them again when it
 * writes them. */
static int url_ok(const char *v)
{
	static const char *const schemes[] = {"http://", "https://", "ldap://", "ldaps://",
					      "file://"};
	int scheme = 0;

	if (v[0] == 0)
		return 1;
	if (strlen(v) >= 512)
		return 0;
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(v, schemes[i], strlen(schemes[i])) == 0)
			scheme = 1;
	if (!scheme)
		return 0;
	for (const char *c = v; *c; c++)
		if (*c <= ' ' || *c > '~' || *c == '\\')
			return 0;
	return 1;
}

/* A file name in DATA/crl: publication never writes elsewhere, whoever sets it. */
static int file_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= 128 || v[0] == '.' || strchr(v, '/') != NULL)
		return 0;
	for (const char *c = v; *c; c++)
		if (*c <= ' ' || *c > '~')
			return 0;
	return 1;
}

static void format_duration(int64_t d, char *out, size_t outlen)
{
	if (d != 0 && d % 86400 == 0)
		snprintf(out, outlen, "%lldd", (long long)(d / 86400));
	else if (d != 0 && d % 3600 == 0)
		snprintf(out, outlen, "%lldh", (long long)(d / 3600));
	else
		snprintf(out, outlen, "%llds", (long long)d);
}

/* Checks value for property i and sets it in p (the caller holds p->mu or owns
 * p). Messages are prefix, then the name the value was given under (the
 * property's, or for ca.conf its key): "ca.conf: crl_period: ...". The rules
 * across properties are check_all's. */
static int apply(struct props *p, int i, const char *prefix, const char *value, char *err,
		 size_t errlen)
{
	int64_t d = 0;
	char why[512], label[128];

	if ((size_t)i >= N_KNOWN) {
		/* policy_set's message starts with the key, which is the name. */
		if (policy_set(&p->policy, name_of(i), value, why, sizeof(why)) == 0)
			return 0;
		snprintf(err, errlen, "%s%s", prefix, why);
		return -1;
	}
	snprintf(label, sizeof(label), "%s%s", prefix,
		 strncmp(prefix, "ca.conf", 7) == 0 ? known[i].conf : known[i].name);
	switch (known[i].kind) {
	case K_URL:
		if (!url_ok(value)) {
			snprintf(err, errlen, "%s: not a URI (http://, https://, ldap://, "
				 "ldaps:// or file://; printable ASCII)", label);
			return -1;
		}
		break;
	case K_DURATION:
		if (parse_duration(value, &d) != 0) {
			snprintf(err, errlen, "%s: not a duration (N with s, m, h or d)", label);
			return -1;
		}
		break;
	case K_FILE:
		if (!file_ok(value)) {
			snprintf(err, errlen, "%s: a file name under DATA/%s, without '/'", label,
				 PROPS_DIR);
			return -1;
		}
		break;
	}
	switch (i) {
	case 0: strcpy(p->urls.cdp, value); strcpy(p->crl.idp_url, value); break;
	case 1: strcpy(p->urls.aia, value); break;
	case 2: strcpy(p->urls.ocsp, value); break;
	case 3: strcpy(p->crl.delta_url, value); break;
	case 4:
		if (d < PROPS_MIN_PERIOD) {
			snprintf(err, errlen, "%s: at least %ds", label, PROPS_MIN_PERIOD);
			return -1;
		}
		p->crl.period = d;
		break;
	case 5: p->crl.overlap = d; break;
	case 6:
		/* A delta every second would be a CRL signed and journaled every second. */
		if (d != 0 && d < PROPS_MIN_PERIOD) {
			snprintf(err, errlen, "%s: 0 (none) or at least %ds", label,
				 PROPS_MIN_PERIOD);
			return -1;
		}
		p->crl.delta_period = d;
		break;
	case 7: strcpy(p->crl.base_file, value); break;
	default: strcpy(p->crl.delta_file, value); break;
	}
	return 0;
}

/* The rules across properties: 0, or -1 with err after prefix. */
static int check_all(const struct props *p, const char *prefix, char *err, size_t errlen)
{
	char why[512], a[32], b[32];

	/* A base CRL is published at nextUpdate minus the overlap: an overlap as long
	 * as the period would publish without pause. */
	if (p->crl.overlap >= p->crl.period) {
		format_duration(p->crl.overlap, a, sizeof(a));
		format_duration(p->crl.period, b, sizeof(b));
		snprintf(err, errlen, "%sCRLOverlap (%s) must be shorter than CRLPeriod (%s)",
			 prefix, a, b);
		return -1;
	}
	if (policy_check(&p->policy, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s%s", prefix, why);
		return -1;
	}
	return 0;
}

/* On a copy of p's state: value applied to property i, and every rule. 0 with
 * *trial, or -1 with err. Caller holds p->mu. */
static int trial_set(struct props *p, int i, const char *value, struct props *trial, char *err,
		     size_t errlen)
{
	trial->urls = p->urls;
	trial->crl = p->crl;
	trial->policy = p->policy;
	if (apply(trial, i, "", value, err, errlen) != 0)
		return -1;
	return check_all(trial, "", err, errlen);
}

static int set_or_try(struct props *p, const char *name, const char *value, int commit,
		      char *err, size_t errlen)
{
	int i = find(name), rc;
	struct props *trial;

	if (i < 0) {
		snprintf(err, errlen, "%s: no such settable property", name);
		return -1;
	}
	if ((trial = malloc(sizeof(*trial))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_lock(&p->mu);
	rc = trial_set(p, i, value, trial, err, errlen);
	if (rc == 0 && commit) {
		p->urls = trial->urls;
		p->crl = trial->crl;
		p->policy = trial->policy;
	}
	pthread_mutex_unlock(&p->mu);
	free(trial);
	return rc;
}

int props_set(struct props *p, const char *name, const char *value, char *err, size_t errlen)
{
	return set_or_try(p, name, value, 1, err, errlen);
}

int props_try(struct props *p, const char *name, const char *value, char *err, size_t errlen)
{
	return set_or_try(p, name, value, 0, err, errlen);
}

/* Property i's value; the caller holds p->mu or owns p. */
static void get_locked(struct props *p, int i, char *out, size_t outlen)
{
	if ((size_t)i >= N_KNOWN) {
		policy_get(&p->policy, name_of(i), out, outlen);
		return;
	}
	switch (i) {
	case 0: snprintf(out, outlen, "%s", p->urls.cdp); break;
	case 1: snprintf(out, outlen, "%s", p->urls.aia); break;
	case 2: snprintf(out, outlen, "%s", p->urls.ocsp); break;
	case 3: snprintf(out, outlen, "%s", p->crl.delta_url); break;
	case 4: format_duration(p->crl.period, out, outlen); break;
	case 5: format_duration(p->crl.overlap, out, outlen); break;
	case 6: format_duration(p->crl.delta_period, out, outlen); break;
	case 7: snprintf(out, outlen, "%s", p->crl.base_file); break;
	default: snprintf(out, outlen, "%s", p->crl.delta_file); break;
	}
}

int props_get(struct props *p, const char *name, char *out, size_t outlen)
{
	int i = find(name);

	if (i < 0)
		return -1;
	pthread_mutex_lock(&p->mu);
	get_locked(p, i, out, outlen);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

void props_urls(struct props *p, struct ca_urls *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->urls;
	pthread_mutex_unlock(&p->mu);
}

void props_crl(struct props *p, struct crl_settings *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->crl;
	pthread_mutex_unlock(&p->mu);
}

void props_policy(struct props *p, struct policy *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->policy;
	pthread_mutex_unlock(&p->mu);
}

/* The ledger's latest value of name into out (outlen bytes): 1 found, 0 never
 * set, -1 error. */
static int ledger_value(struct record *rec, const char *name, char *out, size_t outlen,
			char *err, size_t errlen)
{
	uint8_t *v;
	size_t len;
	int rc = record_get_prop(rec, name, &v, &len, err, errlen);

	if (rc != 0)
		return rc == 1 ? 0 : -1;
	if (len >= outlen || memchr(v, 0, len) != NULL) {
		free(v);
		snprintf(err, errlen, "property %s in the ledger is not text", name);
		return -1;
	}
	memcpy(out, v, len);
	out[len] = 0;
	free(v);
	return 1;
}

/* A property-changed event by the CA itself, as actor (ca.conf's import): 0,
 * RECORD_EFULL or -1, as record_append. */
static int journal_prop(struct record *rec, const char *actor, const char *name,
			const char *value, char *err, size_t errlen)
{
	struct ledger_event ev;
	int refused;

	record_event_init(&ev, EV_PROPERTY_CHANGED, ACTOR_CA, actor);
	ev.u.property.name = name;
	ev.u.property.value.p = (const uint8_t *)value;
	ev.u.property.value.len = strlen(value);
	return record_append(rec, &ev, &refused, err, errlen);
}

/* Property i from ca.conf (c, may be NULL) and the journal; *import set when
 * ca.conf's value is to be journaled (the journal has none). */
static int load_one(struct props *p, int i, const char *c, struct record *rec, int *import,
		    char *err, size_t errlen)
{
	char value[PROPS_VALUE_MAX];
	int rc;

	*import = 0;
	/* ca.conf's value is checked even when the journal's wins: a bad one is a
	 * mistake worth refusing. */
	if (c != NULL && apply(p, i, "ca.conf: ", c, err, errlen) != 0)
		return -1;
	if (rec == NULL)
		return 0;
	rc = ledger_value(rec, name_of(i), value, sizeof(value), err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (apply(p, i, "the journal's ", value, err, errlen) != 0)
			return -1;
		if (c != NULL && strcmp(c, value) != 0)
			log_warnx("ca.conf: %s = %s is not used: the journal's %s = %s is "
				  "(caadm setprop changes it)", conf_key_of(i), c, name_of(i), value);
		return 0;
	}
	if (c == NULL)
		return 0;
	if (strlen(c) >= PROPS_VALUE_MAX) {
		snprintf(err, errlen, "ca.conf: %s: longer than %d bytes", conf_key_of(i),
			 PROPS_VALUE_MAX - 1);
		return -1;
	}
	*import = 1;
	return 0;
}

/* ca.conf's values the journal lacked, journaled once the whole is accepted:
 * from now on the journal holds them. */
static int import_all(const struct ca *ca, struct record *rec, const int *import, char *err,
		      size_t errlen)
{
	char why[512];

	for (size_t i = 0; i < n_all(); i++) {
		const char *c = conf_get(&ca->conf, conf_key_of((int)i));

		int rc;

		if (!import[i])
			continue;
		/* Below the ledger's reserve the CA still starts (with ca.conf's value,
		 * in force now): the import is tried again at the next start. */
		if ((rc = journal_prop(rec, "ca.conf", name_of((int)i), c, why, sizeof(why))) ==
		    RECORD_EFULL) {
			log_warnx("ca.conf: %s not imported into the journal now: %s",
				  conf_key_of((int)i), why);
			continue;
		}
		if (rc != 0) {
			snprintf(err, errlen, "ca.conf: %s not journaled: %s", conf_key_of((int)i),
				 why);
			return -1;
		}
		log_info("ca.conf: %s = %s imported into the journal as property %s",
			 conf_key_of((int)i), c, name_of((int)i));
	}
	return 0;
}

int props_load(struct props *p, const struct ca *ca, struct record *rec, char *err,
	       size_t errlen)
{
	memset(&p->urls, 0, sizeof(p->urls));
	memset(&p->crl, 0, sizeof(p->crl));
	policy_defaults(&p->policy);
	pthread_mutex_init(&p->mu, NULL);
	p->crl.period = DEFAULT_PERIOD;
	p->crl.overlap = DEFAULT_OVERLAP;
	p->crl.delta_period = DEFAULT_DELTA_PERIOD;
	strcpy(p->crl.base_file, "ca.crl");
	strcpy(p->crl.delta_file, "ca-delta.crl");
	int *import = calloc(n_all(), sizeof(int));

	if (import == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n_all(); i++)
		if (load_one(p, (int)i, conf_get(&ca->conf, conf_key_of((int)i)), rec, &import[i],
			     err, errlen) != 0)
			goto fail;
	if (check_all(p, rec == NULL ? "ca.conf: " : "the CA's settings (journal, then ca.conf): ",
		      err, errlen) != 0)
		goto fail;
	if (rec != NULL && import_all(ca, rec, import, err, errlen) != 0)
		goto fail;
	free(import);
	return 0;
fail:
	free(import);
	return -1;
}

/* ---- ca.conf as last seen ---- */

/* The file's bytes' SHA-256 in hex, and the record "sha256=HEX\n" + "key = value\n"
 * lines (malloc()ed). 0 or -1 with err. */
static int conf_snapshot(const struct ca *ca, char hex[65], char **text, char *err,
			 size_t errlen)
{
	char path[PATH_MAX] = "DATA/ca.conf";
	unsigned char *d;
	uint8_t h[32];
	size_t len, hl = sizeof(h), cap, used;

	if (ca_path(ca, CA_CONF, path, sizeof(path)) != 0 ||
	    file_read_all(path, 1 << 20, &d, &len) != 0) {
		snprintf(err, errlen, "cannot read %s", path);
		return -1;
	}
	if (x509_sigalg_digest(X509_SIG_RSA_SHA256, d, len, h, &hl) != 0 || hl != 32) {
		free(d);
		snprintf(err, errlen, "cannot hash ca.conf");
		return -1;
	}
	free(d);
	hex_encode(h, 32, hex);
	cap = 80;
	for (size_t i = 0; i < ca->conf.n; i++)
		cap += strlen(ca->conf.e[i].key) + strlen(ca->conf.e[i].val) + 4;
	if ((*text = malloc(cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	used = (size_t)snprintf(*text, cap, "sha256=%s\n", hex);
	for (size_t i = 0; i < ca->conf.n; i++)
		used += (size_t)snprintf(*text + used, cap - used, "%s = %s\n", ca->conf.e[i].key,
					 ca->conf.e[i].val);
	return 0;
}

/* In a snapshot's text: the value of key (into out), 1; or 0 when absent. */
static int snap_get(const char *text, const char *key, char *out, size_t outlen)
{
	size_t k = strlen(key);

	for (const char *l = strchr(text, '\n'); l != NULL && l[1] != 0; l = strchr(l + 1, '\n')) {
		const char *line = l + 1, *nl = strchr(line, '\n');

		if (strncmp(line, key, k) == 0 && strncmp(line + k, " = ", 3) == 0) {
			size_t n = (size_t)((nl != NULL ? nl : line + strlen(line)) - (line + k + 3));

			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, line + k + 3, n);
			out[n] = 0;
			return 1;
		}
	}
	return 0;
}

/* Appends " key" to out when it has room. */
static void add_key(char *out, size_t outlen, const char *key)
{
	size_t used = strlen(out);

	if (used + strlen(key) + 2 < outlen)
		snprintf(out + used, outlen - used, " %s", key);
}

/* The keys that differ between the old snapshot and ca's conf, as "changed: a b;
 * added: c; removed: d"; a key ends at its own line's " = ", never the next's. */
static void conf_diff(const char *old, const struct ca *ca, char *out, size_t outlen)
{
	char changed[1024] = "", added[1024] = "", removed[1024] = "";
	char *v = malloc(CONF_VAL_MAX + 1);

	if (v == NULL) {
		snprintf(out, outlen, "(out of memory)");
		return;
	}
	for (size_t i = 0; i < ca->conf.n; i++) {
		if (!snap_get(old, ca->conf.e[i].key, v, CONF_VAL_MAX + 1))
			add_key(added, sizeof(added), ca->conf.e[i].key);
		else if (strcmp(v, ca->conf.e[i].val) != 0)
			add_key(changed, sizeof(changed), ca->conf.e[i].key);
	}
	for (const char *l = strchr(old, '\n'); l != NULL && l[1] != 0; l = strchr(l + 1, '\n')) {
		const char *eq = strstr(l + 1, " = "), *nl = strchr(l + 1, '\n');
		size_t n = eq != NULL && (nl == NULL || eq < nl) ? (size_t)(eq - (l + 1)) : 0;

		if (n == 0 || n >= CONF_KEY_MAX)
			continue;
		memcpy(v, l + 1, n);
		v[n] = 0;
		if (conf_get(&ca->conf, v) == NULL)
			add_key(removed, sizeof(removed), v);
	}
	free(v);
	snprintf(out, outlen, "changed:%s; added:%s; removed:%s", changed[0] ? changed : " none",
		 added[0] ? added : " none", removed[0] ? removed : " none");
}

int props_conf_audit(const struct ca *ca, struct record *rec, int *changed, char *err,
		     size_t errlen)
{
	char hex[65], old_hex[65] = "", detail[3400], diff[3200];
	char *text = NULL;
	uint8_t *old = NULL;
	size_t old_len = 0;
	struct ledger_event ev, op;
	struct ledger_event *evs[2] = {&ev, &op};
	int rc, refused;

	if (changed != NULL)
		*changed = 0;
	if (conf_snapshot(ca, hex, &text, err, errlen) != 0)
		return -1;
	rc = record_get_prop(rec, PROPS_CONF_NAME, &old, &old_len, err, errlen);
	if (rc < 0) {
		free(text);
		return -1;
	}
	if (rc == 0) {
		/* The record is text the custodian wrote: NUL-terminate a copy. */
		char *o = realloc(old, old_len + 1);

		if (o == NULL) {
			free(old);
			free(text);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		old = (uint8_t *)o;
		old[old_len] = 0;
		if (strncmp(o, "sha256=", 7) == 0 && strspn(o + 7, "0123456789abcdef") == 64)
			memcpy(old_hex, o + 7, 64); /* 64 hex digits, or unreadable */
		if (strcmp(old_hex, hex) == 0) {
			free(old);
			free(text);
			return 0;
		}
	}
	record_event_init(&ev, EV_PROPERTY_CHANGED, ACTOR_CA, "ca.conf");
	ev.u.property.name = PROPS_CONF_NAME;
	ev.u.property.value.p = (const uint8_t *)text;
	ev.u.property.value.len = strlen(text);
	if (rc == 0) {
		conf_diff((const char *)old, ca, diff, sizeof(diff));
		snprintf(detail, sizeof(detail), "edited outside the CA: sha256 %s -> %s; %s",
			 old_hex[0] ? old_hex : "(unreadable)", hex, diff);
		log_warnx("ca.conf %s", detail);
		record_event_init(&op, EV_OPERATOR_ACTION, ACTOR_CA, "ca");
		op.u.op.action = "ca.conf-changed";
		op.u.op.target = "ca.conf";
		op.u.op.allowed = 1;
		op.u.op.detail = detail;
		if (changed != NULL)
			*changed = 1;
	}
	rc = record_append_group(rec, evs, rc == 0 ? 2 : 1, &refused, err, errlen);
	free(old);
	free(text);
	if (rc == RECORD_EFULL) {
		/* The CA starts below the ledger's reserve: compared again next start. */
		log_warnx("ca.conf's hash not journaled now: %s", err);
		return 0;
	}
	return rc == 0 ? 0 : -1;
}

void props_log_policy(struct props *p)
{
	struct policy *pol = malloc(sizeof(*pol));
	char exts[1100];

	if (pol == NULL)
		return;
	props_policy(p, pol);
	policy_get(pol, "csr_extensions", exts, sizeof(exts));
	log_info("policy %s, validity %u days, csr_extensions %s", pol->auto_issue ? "issue" : "pend",
		 pol->days, exts[0] ? exts : "(none)");
	if (!pol->enforce_encryption)
		log_warnx("IF_ENFORCEENCRYPTICERTREQUEST is off: calls below packet privacy are "
			  "accepted (icpr_enforce_encryption = 0)");
	if (pol->allow_anonymous)
		log_warnx("anonymous enrollment is allowed (icpr_allow_anonymous = 1)");
	if (pol->no_rpc)
		log_warnx("MS-ICPR is off (icpr_no_rpc = 1)");
	if (pol->auto_issue && pol->subject_rule == SUBJECT_RULE_REQUEST)
		log_warnx("policy = issue with subject_rule = request: every admitted requester "
			  "is issued the subject it asks for (labs, or when every requester is "
			  "trusted)");
	free(pol);
}
