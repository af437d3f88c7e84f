/* CUST_CAPROP (caprop.h): the CA's properties from the custodian's own state. */
#include "firmware/custodian/caprop.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/custodian/msg.h"
#include "firmware/custodian/props.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/respond.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/icpr/caprop.h"
#include "firmware/icpr/icpr.h"
#include "platform/log.h"
#include "platform/utf8.h"

/* FILEVERSION and PRODUCTVERSION: the firmware names no release of its own
 * yet; this is the CA service's interface version (the lead may wire a build
 * version here). */
#define CAPROP_VERSION "1.0"
#define CAPROP_LOCALE "en-US"
/* CN values longer than this are not the CA's (ceremony subjects are short). */
#define CAPROP_NAME_MAX 256

void caprop_value_free(struct caprop_value *v)
{
	x509_buf_free(&v->value);
	memset(v, 0, sizeof(*v));
}

/* ---- the names ---- */

/* 1 for a UTF-16 unit MS-WCCE 3.1.1.4.1.1.2 replaces with "!xxxx". */
static int disallowed(uint32_t u)
{
	return u < 0x20 || u > 0x7e || strchr("!\"#%&'()*+,/:;<=>?[\\]^`{|}", (int)u) != NULL;
}

int caprop_sanitize(const uint32_t *name, size_t n, char *out, size_t outlen)
{
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t u[2];
		size_t nu = 1;

		/* The spec counts 16-bit characters: a code point beyond the BMP is
		 * two units, each replaced. */
		if (name[i] > 0xffff) {
			u[0] = 0xd800 + ((name[i] - 0x10000) >> 10);
			u[1] = 0xdc00 + ((name[i] - 0x10000) & 0x3ff);
			nu = 2;
		} else
			u[0] = name[i];
		for (size_t k = 0; k < nu; k++) {
			if (!disallowed(u[k])) {
				if (at + 1 >= outlen)
					return -1;
				out[at++] = (char)u[k];
				continue;
			}
			if (at + 5 >= outlen)
				return -1;
			snprintf(out + at, 6, "!%04x", (unsigned)u[k]);
			at += 5;
		}
	}
	if (at >= outlen)
		return -1;
	out[at] = 0;
	return 0;
}

#define SHORT_BASE 51 /* 3.1.1.4.1.1: at most 51 characters before "-HHHHH" */

int caprop_sanitize_short(const uint32_t *name, size_t n, char *out, size_t outlen)
{
	char *s;
	size_t len, base;
	uint16_t hash = 0;
	int rc = -1;

	/* Every unit may grow to five characters, a code point to ten. */
	if (n > CAPROP_NAME_MAX || (s = malloc(n * 10 + 1)) == NULL)
		return -1;
	if (caprop_sanitize(name, n, s, n * 10 + 1) != 0)
		goto out;
	len = strlen(s);
	if (len <= SHORT_BASE) {
		if (len < outlen) {
			memcpy(out, s, len + 1);
			rc = 0;
		}
		goto out;
	}
	/* An escape that the cut would split goes whole ('!' itself is always
	 * escaped, so a '!' starts one). */
	base = SHORT_BASE;
	for (size_t i = base >= 4 ? base - 4 : 0; i < base; i++)
		if (s[i] == '!') {
			base = i;
			break;
		}
	/* 3.1.1.4.1.1.1: rotate left by one bit, add the character, in 16 bits. */
	for (size_t i = base; i < len; i++)
		hash = (uint16_t)((uint16_t)((hash << 1) | ((hash & 0x8000) ? 1 : 0)) +
				  (uint8_t)s[i]);
	if (base + 1 + 5 < outlen) {
		memcpy(out, s, base);
		snprintf(out + base, outlen - base, "-%05u", (unsigned)hash);
		rc = 0;
	}
out:
	free(s);
	return rc;
}

/* The most specific CN of a Name (the last in DER order) as code points. */
struct cn_walk {
	uint32_t cp[CAPROP_NAME_MAX];
	size_t n;
	int found;
};

static int take_cn(void *ctx, const struct x509_text *t)
{
	struct cn_walk *w = ctx;

	if (strcmp(t->oid, "2.5.4.3") != 0 || t->cp == NULL || t->n > CAPROP_NAME_MAX)
		return 0;
	memcpy(w->cp, t->cp, t->n * sizeof(*t->cp));
	w->n = t->n;
	w->found = 1;
	return 0;
}

/* The name's CN as UTF-8 (or, without one, the whole name as RFC 4514 text).
 * 0 or -1. */
static int name_text(const struct x509_buf *der, struct cn_walk *w, char *out, size_t outlen)
{
	size_t at = 0;

	memset(w, 0, sizeof(*w));
	if (x509_name_texts(der->data, der->len, take_cn, w) != 0)
		return -1;
	if (!w->found)
		return x509_name_format(der->data, der->len, out, outlen);
	for (size_t i = 0; i < w->n; i++) {
		uint8_t b[4];
		size_t k = utf8_put(w->cp[i], b);

		if (k == 0 || at + k >= outlen)
			return -1;
		memcpy(out + at, b, k);
		at += k;
	}
	out[at] = 0;
	return 0;
}

/* ---- values ---- */

static uint32_t set_long(struct caprop_value *v, uint32_t x)
{
	v->type = CAPROP_TYPE_LONG;
	v->long_value = x;
	return 0;
}

static uint32_t set_bytes(struct caprop_value *v, uint32_t type, const void *p, size_t len,
			  char *msg, size_t msglen)
{
	v->type = type;
	if (len > CUST_CAPROP_VALUE_MAX) {
		snprintf(msg, msglen, "the value is larger than %u KiB",
			 (unsigned)(CUST_CAPROP_VALUE_MAX / 1024));
		return CUST_HR_TOO_LARGE;
	}
	if (len == 0)
		return 0;
	if ((v->value.data = malloc(len)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	memcpy(v->value.data, p, len);
	v->value.len = len;
	return 0;
}

static uint32_t set_string(struct caprop_value *v, const char *s, char *msg, size_t msglen)
{
	return set_bytes(v, CAPROP_TYPE_STRING, s, strlen(s), msg, msglen);
}

static uint32_t empty(char *msg, size_t msglen, const char *what)
{
	snprintf(msg, msglen, "%s", what);
	return HR_CERTSRV_E_PROPERTY_EMPTY;
}

/* 1 when the CA certificate is self-issued (a root). */
static int is_root(const struct ca *ca)
{
	return x509_name_match(ca->cert.subject.data, ca->cert.subject.len,
			       ca->cert.issuer.data, ca->cert.issuer.len) == 1;
}

/* A certs-only PKCS#7 of first (may be NULL), the CA chain (the chain file's
 * certificates, or the CA certificate alone: as respond.c carries it) and,
 * with_crls, the current CRLs (each that fits the cap). */
static uint32_t chain_pkcs7(const struct caprop_src *src, const struct x509_buf *first,
			    int with_crls, struct caprop_value *v, char *msg, size_t msglen)
{
	struct submit_ctx *c = src->c;
	struct x509_buf *chain = NULL, *certs = NULL, crls[2], p7 = {0};
	size_t n_chain = 0, n = 0, n_crls = 0;
	uint32_t hr = HR_E_UNEXPECTED;

	memset(crls, 0, sizeof(crls));
	if (c->chain != NULL && c->chain->len > 0 &&
	    x509_pem_decode_all("CERTIFICATE", c->chain->data, c->chain->len, &chain,
				&n_chain) != 0) {
		chain = NULL;
		n_chain = 0;
	}
	if ((certs = calloc(n_chain + 2, sizeof(*certs))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	if (first != NULL)
		certs[n++] = *first;
	for (size_t i = 0; i < n_chain; i++)
		certs[n++] = chain[i];
	if (n_chain == 0)
		certs[n++] = c->ca->cert.der;
	for (int delta = 0; with_crls && delta < 2; delta++) {
		char err[256];
		int rc = respond_current_crl(c, delta, CUST_CAPROP_VALUE_MAX, &crls[n_crls], err,
					     sizeof(err));

		if (rc < 0) {
			snprintf(msg, msglen, "%s", err);
			goto out;
		}
		if (rc == 0)
			n_crls++;
		else if (delta == 0)
			break; /* no delta without its base */
	}
	if (icpr_pkcs7_certs_only(certs, n, crls, n_crls, &p7) != ICPR_OK) {
		snprintf(msg, msglen, "the PKCS#7 cannot be built");
		goto out;
	}
	hr = set_bytes(v, CAPROP_TYPE_BINARY, p7.data, p7.len, msg, msglen);
out:
	x509_buf_free(&p7);
	for (size_t i = 0; i < n_crls; i++)
		x509_buf_free(&crls[i]);
	for (size_t i = 0; i < n_chain; i++)
		x509_buf_free(&chain[i]);
	free(chain);
	free(certs);
	return hr;
}

static uint32_t crl_value(const struct caprop_src *src, int delta, struct caprop_value *v,
			  char *msg, size_t msglen)
{
	struct x509_buf crl = {0};
	char err[256];
	uint32_t hr;
	int rc = respond_current_crl(src->c, delta, CUST_CAPROP_VALUE_MAX, &crl, err, sizeof(err));

	if (rc == RESPOND_CRL_NONE)
		return empty(msg, msglen, delta ? "no delta CRL after the newest base CRL"
						: "no CRL published yet");
	if (rc == RESPOND_CRL_TOO_LARGE) {
		snprintf(msg, msglen, "the CRL is larger than %u KiB: fetch it from the CRL "
				      "distribution point",
			 (unsigned)(CUST_CAPROP_VALUE_MAX / 1024));
		return CUST_HR_TOO_LARGE;
	}
	if (rc != 0) {
		snprintf(msg, msglen, "%s", err);
		return HR_E_UNEXPECTED;
	}
	hr = set_bytes(v, CAPROP_TYPE_BINARY, crl.data, crl.len, msg, msglen);
	x509_buf_free(&crl);
	return hr;
}

/* CR_PROP_TEMPLATES: "name\nOID\n" for each template in the store
 * (3.2.1.4.3.2.29), sorted by name as the store keeps them. */
static uint32_t templates_value(const struct caprop_src *src, struct caprop_value *v,
				char *msg, size_t msglen)
{
	struct template *t = NULL;
	size_t n = 0, len = 0;
	char *s;
	uint32_t hr;

	if (src->c->templates != NULL && tmplstore_snapshot(src->c->templates, &t, &n) != 0) {
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	for (size_t i = 0; i < n; i++)
		len += strlen(t[i].name) + strlen(t[i].oid) + 2;
	if ((s = malloc(len + 1)) == NULL) {
		free(t);
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, "%s\n%s\n", t[i].name, t[i].oid);
	s[len] = 0;
	free(t);
	hr = set_string(v, s, msg, msglen);
	free(s);
	return hr;
}

/* ca.conf's CDP, AIA or OCSP URL, as the properties hold it now (or ca.conf's
 * without them); "" or unset: none. */
static uint32_t url_value(const struct caprop_src *src, uint32_t id, struct caprop_value *v,
			  char *msg, size_t msglen)
{
	struct ca_urls u;
	const char *url;

	memset(&u, 0, sizeof(u));
	if (src->c->props != NULL) {
		props_urls(src->c->props, &u);
		url = id == CR_PROP_CERTCDPURLS ? u.cdp : id == CR_PROP_CERTAIAURLS ? u.aia : u.ocsp;
	} else {
		url = conf_get(&src->c->ca->conf, id == CR_PROP_CERTCDPURLS ? "cdp_url"
						  : id == CR_PROP_CERTAIAURLS ? "aia_url"
									      : "ocsp_url");
	}
	if (url == NULL || url[0] == 0)
		return empty(msg, msglen, "no such URL is set");
	return set_string(v, url, msg, msglen);
}

/* ---- the table ---- */

/* Each property's type and whether it is indexed (MS-WCCE 3.2.1.4.3.2), and the
 * number of indexes the custodian has for the indexed ones. */
struct prop {
	uint8_t type;
	uint8_t indexed;
};

static const struct prop props_tab[CAPROP_ID_MAX + 1] = {
	[CR_PROP_FILEVERSION] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_PRODUCTVERSION] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_EXITCOUNT] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_EXITDESCRIPTION] = {CAPROP_TYPE_STRING, 1},
	[CR_PROP_POLICYDESCRIPTION] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_CANAME] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_SANITIZEDCANAME] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_SHAREDFOLDER] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_PARENTCA] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_CATYPE] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_CASIGCERTCOUNT] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_CASIGCERT] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_CASIGCERTCHAIN] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_CAXCHGCERTCOUNT] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_CAXCHGCERT] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_CAXCHGCERTCHAIN] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_BASECRL] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_DELTACRL] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_CACERTSTATE] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_CRLSTATE] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_CAPROPIDMAX] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_DNSNAME] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_ROLESEPARATIONENABLED] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_KRACERTUSEDCOUNT] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_KRACERTCOUNT] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_KRACERT] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_KRACERTSTATE] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_ADVANCEDSERVER] = {CAPROP_TYPE_LONG, 0},
	[CR_PROP_TEMPLATES] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_BASECRLPUBLISHSTATUS] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_DELTACRLPUBLISHSTATUS] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_CASIGCERTCRLCHAIN] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_CAXCHGCERTCRLCHAIN] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_CACERTSTATUSCODE] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_CAFORWARDCROSSCERT] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_CABACKWARDCROSSCERT] = {CAPROP_TYPE_BINARY, 1},
	[CR_PROP_CAFORWARDCROSSCERTSTATE] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_CABACKWARDCROSSCERTSTATE] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_CACERTVERSION] = {CAPROP_TYPE_LONG, 1},
	[CR_PROP_SANITIZEDCASHORTNAME] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_CERTCDPURLS] = {CAPROP_TYPE_STRING, 1},
	[CR_PROP_CERTAIAURLS] = {CAPROP_TYPE_STRING, 1},
	[CR_PROP_CERTAIAOCSPURLS] = {CAPROP_TYPE_STRING, 1},
	[CR_PROP_LOCALENAME] = {CAPROP_TYPE_STRING, 0},
	[CR_PROP_SUBJECTTEMPLATE_OIDS] = {CAPROP_TYPE_STRING, 0},
};

/* The indexes an indexed property has: one CA certificate (the appliance never
 * renews its key in place), one exchange certificate when the CA has one, no
 * exit module, no key recovery agent. */
static uint32_t index_count(const struct caprop_src *src, uint32_t id)
{
	switch (id) {
	case CR_PROP_EXITDESCRIPTION:
	case CR_PROP_KRACERT:
	case CR_PROP_KRACERTSTATE:
		return 0;
	case CR_PROP_CAXCHGCERT:
	case CR_PROP_CAXCHGCERTCHAIN:
	case CR_PROP_CAXCHGCERTCRLCHAIN:
		return src->xchg.len > 0 ? 1 : 0;
	default:
		return 1;
	}
}

/* The values that depend on nothing but the id. */
static uint32_t fixed_long(uint32_t id, uint32_t *x)
{
	switch (id) {
	case CR_PROP_EXITCOUNT:
	case CR_PROP_KRACERTUSEDCOUNT:
	case CR_PROP_KRACERTCOUNT:
	case CR_PROP_CACERTVERSION:    /* the CA Version extension of the first key: 0 */
	case CR_PROP_CACERTSTATUSCODE: /* the CA certificate verified at start: S_OK */
		*x = 0;
		return 1;
	case CR_PROP_CASIGCERTCOUNT:
	case CR_PROP_ADVANCEDSERVER:
	case CR_PROP_ROLESEPARATIONENABLED: /* operators hold one role each (operator.h) */
		*x = 1;
		return 1;
	case CR_PROP_CAPROPIDMAX:
		*x = CAPROP_ID_MAX;
		return 1;
	default:
		return 0;
	}
}

static uint32_t name_value(const struct caprop_src *src, uint32_t id, struct caprop_value *v,
			   char *msg, size_t msglen)
{
	const struct ca *ca = src->c->ca;
	struct cn_walk *w = malloc(sizeof(*w));
	char *text = malloc(4 * CAPROP_NAME_MAX + 1), *san = malloc(10 * CAPROP_NAME_MAX + 1);
	uint32_t hr = HR_E_UNEXPECTED;
	int rc;

	if (w == NULL || text == NULL || san == NULL) {
		snprintf(msg, msglen, "out of memory");
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	if (id == CR_PROP_PARENTCA) {
		/* A root has no parent; a subordinate's parent is named by its
		 * issuer's CN (there is no "server\CA" to give without a directory). */
		if (is_root(ca)) {
			hr = set_string(v, "", msg, msglen);
			goto out;
		}
		rc = name_text(&ca->cert.issuer, w, text, 4 * CAPROP_NAME_MAX + 1);
	} else
		rc = name_text(&ca->cert.subject, w, text, 4 * CAPROP_NAME_MAX + 1);
	if (rc != 0) {
		snprintf(msg, msglen, "the CA certificate's name cannot be read");
		goto out;
	}
	if (id == CR_PROP_CANAME || id == CR_PROP_PARENTCA) {
		hr = set_string(v, text, msg, msglen);
		goto out;
	}
	/* The sanitized forms are made from the CN's characters (or, without a CN,
	 * from the name's text). */
	if (!w->found) {
		size_t at = 0, len = strlen(text);
		uint32_t cp, k;

		while (at < len && w->n < CAPROP_NAME_MAX &&
		       (k = (uint32_t)utf8_next((const uint8_t *)text + at, len - at, &cp)) != 0) {
			w->cp[w->n++] = cp;
			at += k;
		}
	}
	rc = id == CR_PROP_SANITIZEDCANAME
		     ? caprop_sanitize(w->cp, w->n, san, 10 * CAPROP_NAME_MAX + 1)
		     : caprop_sanitize_short(w->cp, w->n, san, 10 * CAPROP_NAME_MAX + 1);
	if (rc != 0) {
		snprintf(msg, msglen, "the CA name cannot be sanitized");
		goto out;
	}
	hr = set_string(v, san, msg, msglen);
out:
	free(w);
	free(text);
	free(san);
	return hr;
}

static uint32_t policy_value(const struct caprop_src *src, struct caprop_value *v, char *msg,
			     size_t msglen)
{
	struct policy *p = malloc(sizeof(*p));
	char text[160];

	if (p == NULL) {
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	submit_policy(src->c, p);
	snprintf(text, sizeof(text), "Standalone policy: %s; certificate templates %s",
		 p->auto_issue ? "requests are issued" : "requests are pended for an officer",
		 p->no_template == 1 ? "optional" : "required");
	free(p);
	return set_string(v, text, msg, msglen);
}

/* The states of index 0: the CA certificate within its validity (VALID) or
 * not (INVALID); the CRL of its key published (VALID) or not yet (INCOMPLETE). */
static uint32_t state_value(const struct caprop_src *src, uint32_t id, struct caprop_value *v,
			    char *msg, size_t msglen)
{
	struct ledger_crl_row row;
	uint64_t n;
	time_t now = time(NULL);
	int rc;

	if (id == CR_PROP_CACERTSTATE)
		return set_long(v, now >= src->c->ca->cert.not_before &&
					   now <= src->c->ca->cert.not_after
				       ? CAPROP_DISP_VALID
				       : CAPROP_DISP_INVALID);
	rc = record_crl_latest(src->c->rec, 1, &n, &row, msg, msglen);
	if (rc < 0)
		return HR_E_UNEXPECTED;
	return set_long(v, rc == 0 ? CAPROP_DISP_VALID : CAPROP_DISP_INCOMPLETE);
}

static uint32_t value_of(const struct caprop_src *src, uint32_t id, struct caprop_value *v,
			 char *msg, size_t msglen)
{
	const struct ca *ca = src->c->ca;
	const char *dns;
	uint32_t x;

	if (fixed_long(id, &x))
		return set_long(v, x);
	switch (id) {
	case CR_PROP_FILEVERSION:
	case CR_PROP_PRODUCTVERSION:
		return set_string(v, CAPROP_VERSION, msg, msglen);
	case CR_PROP_LOCALENAME:
		return set_string(v, CAPROP_LOCALE, msg, msglen);
	case CR_PROP_POLICYDESCRIPTION:
		return policy_value(src, v, msg, msglen);
	case CR_PROP_CANAME:
	case CR_PROP_SANITIZEDCANAME:
	case CR_PROP_SANITIZEDCASHORTNAME:
	case CR_PROP_PARENTCA:
		return name_value(src, id, v, msg, msglen);
	case CR_PROP_DNSNAME:
		/* No directory to learn the host's name from: ca.conf dns_name. */
		dns = conf_get(&ca->conf, "dns_name");
		if (dns == NULL || dns[0] == 0)
			return empty(msg, msglen, "ca.conf sets no dns_name");
		return set_string(v, dns, msg, msglen);
	case CR_PROP_CATYPE:
		/* Standalone: no directory holds the CA's enrollment objects, even
		 * with templates in use (README.md). */
		return set_long(v, is_root(ca) ? CAPROP_CATYPE_STANDALONE_ROOT
					       : CAPROP_CATYPE_STANDALONE_SUB);
	case CR_PROP_CAXCHGCERTCOUNT:
		return set_long(v, src->xchg.len > 0 ? 1 : 0);
	case CR_PROP_CASIGCERT:
		return set_bytes(v, CAPROP_TYPE_BINARY, ca->cert.der.data, ca->cert.der.len, msg,
				 msglen);
	case CR_PROP_CAXCHGCERT:
		return set_bytes(v, CAPROP_TYPE_BINARY, src->xchg.data, src->xchg.len, msg, msglen);
	case CR_PROP_CASIGCERTCHAIN:
		return chain_pkcs7(src, NULL, 0, v, msg, msglen);
	case CR_PROP_CAXCHGCERTCHAIN:
		return chain_pkcs7(src, &src->xchg, 0, v, msg, msglen);
	case CR_PROP_CASIGCERTCRLCHAIN:
		return chain_pkcs7(src, NULL, 1, v, msg, msglen);
	case CR_PROP_CAXCHGCERTCRLCHAIN:
		return chain_pkcs7(src, &src->xchg, 1, v, msg, msglen);
	case CR_PROP_BASECRL:
		return crl_value(src, 0, v, msg, msglen);
	case CR_PROP_DELTACRL:
		return crl_value(src, 1, v, msg, msglen);
	case CR_PROP_CACERTSTATE:
	case CR_PROP_CRLSTATE:
		return state_value(src, id, v, msg, msglen);
	case CR_PROP_TEMPLATES:
		return templates_value(src, v, msg, msglen);
	case CR_PROP_CERTCDPURLS:
	case CR_PROP_CERTAIAURLS:
	case CR_PROP_CERTAIAOCSPURLS:
		return url_value(src, id, v, msg, msglen);
	default:
		/* Known, with no value on this CA: the shared folder, the publication
		 * status, cross certificates, subject template OIDs. */
		return empty(msg, msglen, "the CA has no such value");
	}
}

uint32_t caprop_get(const struct caprop_src *src, uint32_t id, uint32_t index,
		    struct caprop_value *v, char *msg, size_t msglen)
{
	uint32_t hr, count = 0;

	memset(v, 0, sizeof(*v));
	if (id == 0 || id > CAPROP_ID_MAX || props_tab[id].type == 0) {
		snprintf(msg, msglen, "unknown CA property %u", id);
		return HR_E_INVALIDARG;
	}
	if (props_tab[id].indexed) {
		count = index_count(src, id);
		if (index >= count) {
			snprintf(msg, msglen, "CA property %u has %u index(es), not %u", id, count,
				 index);
			return HR_E_INVALIDARG;
		}
	}
	hr = value_of(src, id, v, msg, msglen);
	if (hr != 0) {
		caprop_value_free(v);
		return hr;
	}
	/* The table's type is the one answered, whatever the branch did. */
	if (v->type != props_tab[id].type) {
		caprop_value_free(v);
		snprintf(msg, msglen, "CA property %u: internal type mismatch", id);
		return HR_E_UNEXPECTED;
	}
	v->indexed_count = count;
	return 0;
}

/* ---- CUST_CAPROP ---- */

void handle_caprop(struct service *s, const struct caprop_src *src, const struct ipc_msg *m)
{
	struct submit_ctx *c = src->c;
	struct cust_caprop q;
	struct caprop_value v;
	char err[512], requester[CUST_REQUESTER_MAX + 1];
	uint32_t hr;

	if (cust_caprop_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed CAPROP");
		return;
	}
	if (reader_admitted(s, c, &q.who, m->hdr.id, requester, sizeof(requester)) != 0)
		return;
	hr = caprop_get(src, q.prop_id, q.index, &v, err, sizeof(err));
	if (hr != 0) {
		if (hr != HR_E_INVALIDARG && hr != HR_CERTSRV_E_PROPERTY_EMPTY)
			log_warnx("CA property %u[%u] for %s: %s", q.prop_id, q.index, requester,
				  err);
		cust_reply_error(s, m->hdr.id, hr, err);
		return;
	}
	{
		struct cust_caprop_is a = {v.type, v.long_value, v.value.data, v.value.len,
					   v.indexed_count};
		struct ipc_wbuf w;

		ipc_wbuf_init(&w);
		cust_caprop_is_encode(&w, &a);
		service_reply(s, CUST_CAPROP_IS, m->hdr.id, &w);
	}
	caprop_value_free(&v);
}
