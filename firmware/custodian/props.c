/* The CA's properties; see props.h. */
#include "firmware/custodian/props.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PERIOD (7 * 86400)
#define DEFAULT_OVERLAP (12 * 3600)
#define DEFAULT_DELTA_PERIOD 86400

enum kind { K_URL, K_DURATION, K_FILE };

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

static int find(const char *name)
{
	for (size_t i = 0; i < N_KNOWN; i++)
		if (strcmp(known[i].name, name) == 0)
			return (int)i;
	return -1;
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

/* URIs as RFC 5280 GeneralName uniformResourceIdentifier: printable ASCII with a
 * scheme; x509 checks them again when it writes them. */
static int url_ok(const char *v)
{
	const char *colon = strchr(v, ':');

	if (v[0] == 0)
		return 1;
	if (colon == NULL || colon == v || strlen(v) >= 512)
		return 0;
	for (const char *c = v; *c; c++)
		if (*c <= ' ' || *c > '~')
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

/* Applies with p->mu held. */
static int apply(struct props *p, int i, const char *value, char *err, size_t errlen)
{
	int64_t d = 0;

	switch (known[i].kind) {
	case K_URL:
		if (!url_ok(value)) {
			snprintf(err, errlen, "%s: not a URI (scheme:...; printable ASCII)",
				 known[i].name);
			return -1;
		}
		break;
	case K_DURATION:
		if (parse_duration(value, &d) != 0) {
			snprintf(err, errlen, "%s: not a duration (N with s, m, h or d)",
				 known[i].name);
			return -1;
		}
		break;
	case K_FILE:
		if (!file_ok(value)) {
			snprintf(err, errlen, "%s: a file name under DATA/%s, without '/'",
				 known[i].name, PROPS_DIR);
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
		if (d < 60) {
			snprintf(err, errlen, "CRLPeriod: at least 60s");
			return -1;
		}
		p->crl.period = d;
		break;
	case 5: p->crl.overlap = d; break;
	case 6: p->crl.delta_period = d; break;
	case 7: strcpy(p->crl.base_file, value); break;
	default: strcpy(p->crl.delta_file, value); break;
	}
	return 0;
}

int props_set(struct props *p, const char *name, const char *value, char *err, size_t errlen)
{
	int i = find(name), rc;

	if (i < 0) {
		snprintf(err, errlen, "%s: no such settable property", name);
		return -1;
	}
	pthread_mutex_lock(&p->mu);
	rc = apply(p, i, value, err, errlen);
	pthread_mutex_unlock(&p->mu);
	return rc;
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

int props_get(struct props *p, const char *name, char *out, size_t outlen)
{
	int i = find(name);

	if (i < 0)
		return -1;
	pthread_mutex_lock(&p->mu);
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

/* The ledger's latest value of name into out: 1 found, 0 never set, -1 error. */
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

int props_load(struct props *p, const struct ca *ca, struct record *rec, char *err,
	       size_t errlen)
{
	char value[PROPS_VALUE_MAX];

	memset(&p->urls, 0, sizeof(p->urls));
	memset(&p->crl, 0, sizeof(p->crl));
	pthread_mutex_init(&p->mu, NULL);
	p->crl.period = DEFAULT_PERIOD;
	p->crl.overlap = DEFAULT_OVERLAP;
	p->crl.delta_period = DEFAULT_DELTA_PERIOD;
	strcpy(p->crl.base_file, "ca.crl");
	strcpy(p->crl.delta_file, "ca-delta.crl");
	for (size_t i = 0; i < N_KNOWN; i++) {
		const char *c = conf_get(&ca->conf, known[i].conf);
		int rc;

		if (c != NULL && apply(p, (int)i, c, err, errlen) != 0)
			return -1;
		if (rec == NULL)
			continue;
		rc = ledger_value(rec, known[i].name, value, sizeof(value), err, errlen);
		if (rc < 0 || (rc == 1 && apply(p, (int)i, value, err, errlen) != 0))
			return -1;
	}
	return 0;
}
