/* Enrollment: record the request, decide by policy, record the decision; when the
 * decision is to issue, record the intent, sign, record the certificate, and only
 * then answer with it (Boulder's "persist, then sign"). See submit.h. */
#include "firmware/custodian/submit.h"

#include "firmware/custodian/cmsreq.h"
#include "firmware/custodian/msg.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <pthread.h>
#include <sys/socket.h>

#include "firmware/custodian/authlog.h"
#include "firmware/custodian/guard.h"
#include "firmware/custodian/issue.h"
#include "firmware/custodian/proto.h"
#include "platform/hex.h"
#include "platform/log.h"
#include "firmware/custodian/props.h"
#include "firmware/custodian/tpolicy.h"
#include "firmware/ledger/store.h"
#include "firmware/custodian/admin_proto.h"

#define DEFAULT_DAYS 365
#define MAX_DAYS 3650

int ext_reserved(const char *oid)
{
	static const char *const reserved[] = {
		"2.5.29.19", /* basicConstraints */
		"2.5.29.14", /* subjectKeyIdentifier */
		"2.5.29.35", /* authorityKeyIdentifier */
		"2.5.29.30", /* nameConstraints */
		"2.5.29.36", /* policyConstraints */
		"2.5.29.54", /* inhibitAnyPolicy */
		/* The template policy's (issue 15): the account's SID, which domain
		 * controllers map a logon to (KB5014754), and the template a
		 * certificate was issued from: never a requester's or an officer's. */
		"1.3.6.1.4.1.311.25.2",
		"1.3.6.1.4.1.311.21.7",
		"1.3.6.1.4.1.311.20.2",
	};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(oid, reserved[i]) == 0)
			return 1;
	return 0;
}

/* ---- the standalone policy's settings ----
 *
 * One row per setting: its name is both its ca.conf key and the CA property
 * `caadm setprop` changes (props.c takes every row of this table). parse checks a
 * value and sets it in p, with a message that starts with the key; format reads
 * it back as parse takes it. A new setting is a new row. */

struct policy_setting {
	const char *key;
	int (*parse)(const struct policy_setting *s, struct policy *p, const char *v, char *err,
		     size_t errlen);
	void (*format)(const struct policy_setting *s, const struct policy *p, char *out,
		       size_t outlen);
	size_t flag; /* offsetof the int of a 0/1 setting */
};

static int parse_mode(const struct policy_setting *s, struct policy *p, const char *v,
		      char *err, size_t errlen)
{
	(void)s;
	if (strcmp(v, "issue") != 0 && strcmp(v, "pend") != 0) {
		snprintf(err, errlen, "policy must be 'pend' or 'issue', not '%s'", v);
		return -1;
	}
	p->auto_issue = v[0] == 'i';
	return 0;
}

static void format_mode(const struct policy_setting *s, const struct policy *p, char *out,
			size_t outlen)
{
	(void)s;
	snprintf(out, outlen, "%s", p->auto_issue ? "issue" : "pend");
}

static int parse_days(const struct policy_setting *s, struct policy *p, const char *v,
		      char *err, size_t errlen)
{
	unsigned d;

	(void)s;
	/* conf_parse_uint: digits only, 1..MAX_DAYS. */
	if (conf_parse_uint(v, MAX_DAYS, &d) != 0) {
		snprintf(err, errlen, "validity_days must be 1..%d", MAX_DAYS);
		return -1;
	}
	p->days = d;
	return 0;
}

static void format_days(const struct policy_setting *s, const struct policy *p, char *out,
			size_t outlen)
{
	(void)s;
	snprintf(out, outlen, "%u", p->days);
}

/* csr_extensions = OID,OID... (commas or blanks between; empty: none). */
static int parse_allow_list(const struct policy_setting *s, struct policy *p, const char *list,
			    char *err, size_t errlen)
{
	char buf[1024], *save = NULL;
	size_t n = 0;
	char allow[X509_MAX_EXTRA_EXT][128];

	(void)s;
	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "csr_extensions is too long");
		return -1;
	}
	strcpy(buf, list);
	for (char *t = strtok_r(buf, ", ", &save); t != NULL; t = strtok_r(NULL, ", ", &save)) {
		if (n == X509_MAX_EXTRA_EXT || strlen(t) >= sizeof(allow[0]) ||
		    strspn(t, "0123456789.") != strlen(t) || ext_reserved(t)) {
			snprintf(err, errlen, "csr_extensions: %s is not an OID a request "
				 "may set (at most %d; never basicConstraints or key identifiers)",
				 t, X509_MAX_EXTRA_EXT);
			return -1;
		}
		strcpy(allow[n++], t);
	}
	/* Only a whole list that passed replaces the old one. */
	memcpy(p->allow, allow, n * sizeof(allow[0]));
	p->n_allow = n;
	return 0;
}

static void format_allow_list(const struct policy_setting *s, const struct policy *p,
			      char *out, size_t outlen)
{
	size_t used = 0;

	(void)s;
	out[0] = 0;
	for (size_t i = 0; i < p->n_allow && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? "," : "",
					 p->allow[i]);
}

/* A 0/1 switch: exactly "0" or "1" (a typo is refused, never read as either). */
static int parse_flag(const struct policy_setting *s, struct policy *p, const char *v,
		      char *err, size_t errlen)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
		snprintf(err, errlen, "%s must be 0 or 1, not '%s'", s->key, v);
		return -1;
	}
	*(int *)((char *)p + s->flag) = v[0] == '1';
	return 0;
}

static void format_flag(const struct policy_setting *s, const struct policy *p, char *out,
			size_t outlen)
{
	snprintf(out, outlen, "%d", *(const int *)((const char *)p + s->flag));
}

/* subject_rule = account | request (guard.h): whose subject policy = issue
 * accepts. */
static int parse_rule(const struct policy_setting *s, struct policy *p, const char *v,
		      char *err, size_t errlen)
{
	(void)s;
	if (strcmp(v, "account") != 0 && strcmp(v, "request") != 0) {
		snprintf(err, errlen, "subject_rule must be 'account' or 'request', not '%s'", v);
		return -1;
	}
	p->subject_rule = v[0] == 'r' ? SUBJECT_RULE_REQUEST : SUBJECT_RULE_ACCOUNT;
	return 0;
}

static void format_rule(const struct policy_setting *s, const struct policy *p, char *out,
			size_t outlen)
{
	(void)s;
	snprintf(out, outlen, "%s", p->subject_rule == SUBJECT_RULE_REQUEST ? "request" : "account");
}

/* no_template = standalone | refuse | default: what a request naming no
 * template gets (the standalone policy above, CERTSRV_E_NO_CERT_TYPE, or the
 * template default_template names). */
static int parse_no_template(const struct policy_setting *s, struct policy *p, const char *v,
			     char *err, size_t errlen)
{
	static const char *const names[] = {"standalone", "refuse", "default"};

	(void)s;
	for (int i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0) {
			p->no_template = i + 1;
			return 0;
		}
	snprintf(err, errlen, "no_template must be 'standalone', 'refuse' or 'default', not '%s'",
		 v);
	return -1;
}

static void format_no_template(const struct policy_setting *s, const struct policy *p,
			       char *out, size_t outlen)
{
	(void)s;
	snprintf(out, outlen, "%s",
		 p->no_template == 2 ? "refuse" : p->no_template == 3 ? "default" : "standalone");
}

/* default_template = NAME (or empty): the template no_template = default gives;
 * a name's syntax only (the store may change: an unknown one is refused per
 * request, CERTSRV_E_UNSUPPORTED_CERT_TYPE). */
static int parse_default_template(const struct policy_setting *s, struct policy *p,
				  const char *v, char *err, size_t errlen)
{
	(void)s;
	if (strlen(v) >= sizeof(p->default_template) ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
		    strlen(v)) {
		snprintf(err, errlen, "default_template: '%s' is not a template name", v);
		return -1;
	}
	snprintf(p->default_template, sizeof(p->default_template), "%s", v);
	return 0;
}

static void format_default_template(const struct policy_setting *s, const struct policy *p,
				    char *out, size_t outlen)
{
	(void)s;
	snprintf(out, outlen, "%s", p->default_template);
}

static const struct policy_setting settings[] = {
	{"policy", parse_mode, format_mode, 0},
	{"subject_rule", parse_rule, format_rule, 0},
	{"validity_days", parse_days, format_days, 0},
	{"csr_extensions", parse_allow_list, format_allow_list, 0},
	{"icpr_enforce_encryption", parse_flag, format_flag,
	 offsetof(struct policy, enforce_encryption)},
	{"icpr_allow_anonymous", parse_flag, format_flag, offsetof(struct policy, allow_anonymous)},
	{"icpr_no_rpc", parse_flag, format_flag, offsetof(struct policy, no_rpc)},
	{"no_template", parse_no_template, format_no_template, 0},
	{"default_template", parse_default_template, format_default_template, 0},
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

size_t policy_n_settings(void)
{
	return N_SETTINGS;
}

const char *policy_setting_name(size_t i)
{
	return i < N_SETTINGS ? settings[i].key : NULL;
}

int policy_setting_find(const char *key)
{
	for (size_t i = 0; i < N_SETTINGS; i++)
		if (strcmp(settings[i].key, key) == 0)
			return (int)i;
	return -1;
}

int policy_setting_iface(const char *key)
{
	return strncmp(key, "icpr_", 5) == 0 && policy_setting_find(key) >= 0;
}

void policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->days = DEFAULT_DAYS;
	p->enforce_encryption = 1;
	p->no_template = 1; /* standalone: with policy = pend, a new CA pends them */
}

int policy_set(struct policy *p, const char *key, const char *value, char *err, size_t errlen)
{
	int i = policy_setting_find(key);

	if (i < 0) {
		snprintf(err, errlen, "%s: no such policy setting", key);
		return -1;
	}
	return settings[i].parse(&settings[i], p, value, err, errlen);
}

int policy_get(const struct policy *p, const char *key, char *out, size_t outlen)
{
	int i = policy_setting_find(key);

	if (i < 0)
		return -1;
	settings[i].format(&settings[i], p, out, outlen);
	return 0;
}

int policy_check(const struct policy *p, char *err, size_t errlen)
{
	/* A requester-chosen subjectAltName (a UPN, say) or extendedKeyUsage (a
	 * certificate request agent) is an identity claim: only an officer who reads
	 * the request may let it through (ESC1). */
	for (size_t i = 0; p->auto_issue && i < p->n_allow; i++)
		if (strcmp(p->allow[i], "2.5.29.17") == 0 || strcmp(p->allow[i], "2.5.29.37") == 0 ||
		    strcmp(p->allow[i], "1.3.6.1.4.1.311.21.10") == 0) {
			/* 21.10, Microsoft's application policies, Windows reads
			 * as it reads EKUs (ESC15) */
			snprintf(err, errlen, "csr_extensions lists %s (%s), which only policy = "
				 "pend allows: an officer approves each such request", p->allow[i],
				 strcmp(p->allow[i], "2.5.29.17") == 0   ? "subjectAltName"
				 : strcmp(p->allow[i], "2.5.29.37") == 0 ? "extendedKeyUsage"
									 : "application policies");
			return -1;
		}
	if (p->no_template == 3 && p->default_template[0] == 0) {
		snprintf(err, errlen, "no_template = default needs default_template (a template's "
			 "name)");
		return -1;
	}
	return 0;
}

int policy_load(const struct ca *ca, struct policy *p, char *err, size_t errlen)
{
	char why[512];

	policy_defaults(p);
	policy_bind_ca(p, ca);
	for (size_t i = 0; i < N_SETTINGS; i++) {
		const char *v = conf_get(&ca->conf, settings[i].key);

		if (v != NULL && settings[i].parse(&settings[i], p, v, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "ca.conf: %s", why);
			return -1;
		}
	}
	if (policy_check(p, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "ca.conf: %s", why);
		return -1;
	}
	return 0;
}

static pthread_mutex_t worker_mu = PTHREAD_MUTEX_INITIALIZER;

void submit_set_worker(struct submit_ctx *c, int fd)
{
	pthread_mutex_lock(&worker_mu);
	c->worker_fd = fd;
	pthread_mutex_unlock(&worker_mu);
}

int submit_restart_worker(struct submit_ctx *c)
{
	int ended = 0;

	pthread_mutex_lock(&worker_mu);
	/* The service's reader sees the end (0) and returns; the worker sees its
	 * custodian gone and exits (EXIT_UPSTREAM). The descriptor stays the
	 * service's to close. */
	if (c->worker_fd >= 0 && shutdown(c->worker_fd, SHUT_RDWR) == 0)
		ended = 1;
	pthread_mutex_unlock(&worker_mu);
	return ended;
}

void policy_bind_ca(struct policy *p, const struct ca *ca)
{
	p->ca_name = ca != NULL && ca->have_cert ? ca->cert.subject.data : NULL;
	p->ca_name_len = ca != NULL && ca->have_cert ? ca->cert.subject.len : 0;
}

void submit_policy(const struct submit_ctx *c, struct policy *out)
{
	if (c->props != NULL) {
		props_policy(c->props, out);
		/* The CA's own name is no setting: bound to every snapshot. */
		policy_bind_ca(out, c->ca);
	} else {
		*out = c->policy;
	}
}

static void reply_result(struct service *s, uint32_t id, uint32_t request_id,
			 uint32_t disposition, uint32_t hresult, const char *message,
			 const uint8_t *cert, size_t cert_len)
{
	struct cust_result *r = calloc(1, sizeof(*r));
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	if (r == NULL) {
		w.failed = 1;
	} else {
		*r = (struct cust_result){request_id, disposition, hresult, "", cert, cert_len};
		snprintf(r->message, sizeof(r->message), "%s", message);
		cust_result_encode(&w, r);
		free(r);
	}
	service_reply(s, CUST_RESULT, id, &w);
}

void cust_reply_error(struct service *s, uint32_t id, uint32_t hresult, const char *msg)
{
	struct cust_error e = {hresult, ""};
	size_t n = strlen(msg);
	struct ipc_wbuf w;

	/* Cut to the channel's bound, never inside a UTF-8 sequence. */
	if (n > CUST_MESSAGE_MAX) {
		n = CUST_MESSAGE_MAX;
		while (n > 0 && ((unsigned char)msg[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(e.message, msg, n);
	e.message[n] = 0;
	ipc_wbuf_init(&w);
	cust_error_encode(&w, &e);
	service_reply(s, CUST_ERROR, id, &w);
}

/* A record that could not be written: nothing more is decided for this request.
 * hr: HR_DISK_FULL when the ledger had no room (the client is told to come back
 * later), else E_UNEXPECTED. */
static void reply_unrecorded_hr(struct service *s, uint32_t id, uint32_t hr, const char *why)
{
	char msg[600];

	log_warnx("not recorded, request refused: %s", why);
	snprintf(msg, sizeof(msg), "the CA could not record the request: %s", why);
	cust_reply_error(s, id, hr, msg);
}

static void reply_unrecorded(struct service *s, uint32_t id, const char *why)
{
	reply_unrecorded_hr(s, id, HR_E_UNEXPECTED, why);
}

static void ca_event(struct ledger_event *ev, uint32_t type)
{
	record_event_init(ev, type, ACTOR_CA, "CA");
}

/* A request not yet recorded and the events it carries (ev_request.with: its
 * links), into evs from index 0: how many (at most 1 + SUBMIT_WITH_MAX). */
#define SUBMIT_WITH_MAX 1
static size_t request_group(struct ledger_event *req, struct ledger_event **evs)
{
	size_t n = 0;

	evs[n++] = req;
	for (size_t i = 0; i < req->u.request.n_with && i < SUBMIT_WITH_MAX; i++)
		evs[n++] = req->u.request.with[i];
	return n;
}

/* Appends ev; with req (a request not yet recorded), req, what it carries and
 * ev together, ev's request id 0 then naming req's. *refused as record_append. */
static int append_after(struct submit_ctx *c, struct ledger_event *req, struct ledger_event *ev,
			int *refused, char *err, size_t errlen)
{
	struct ledger_event *evs[2 + SUBMIT_WITH_MAX];
	size_t n;

	if (req == NULL)
		return record_append(c->rec, ev, refused, err, errlen);
	n = request_group(req, evs);
	evs[n++] = ev;
	return record_append_group(c->rec, evs, n, refused, err, errlen);
}

static void disposition_event(struct ledger_event *ev, uint32_t request_id, uint32_t disp,
			      uint32_t hresult, const char *message)
{
	ca_event(ev, EV_DISPOSITION);
	ev->u.disposition.request_id = request_id;
	ev->u.disposition.disposition = disp;
	ev->u.disposition.hresult = hresult;
	ev->u.disposition.message = message;
}

int submit_record_disposition(struct submit_ctx *c, uint32_t request_id, uint32_t disp,
			      uint32_t hresult, const char *message, uint32_t actor_kind,
			      const char *actor, char *err, size_t errlen)
{
	struct ledger_event ev;
	int refused;

	disposition_event(&ev, request_id, disp, hresult, message);
	ev.actor_kind = actor_kind;
	ev.actor = actor;
	return record_append(c->rec, &ev, &refused, err, errlen);
}

/* The id of a request: assigned by the ledger when req was recorded. */
static uint32_t id_of(const struct ledger_event *req, uint32_t request_id)
{
	return req != NULL ? req->u.request.request_id : request_id;
}

/* Records and answers a decision that carries no certificate; with req, the
 * request and its decision in one commit. */
static void decide(struct service *s, struct submit_ctx *c, uint32_t id,
		   struct ledger_event *req, uint32_t request_id, uint32_t disp,
		   uint32_t hresult, const char *message)
{
	struct ledger_event ev;
	char err[512];
	int refused, rc;

	disposition_event(&ev, req != NULL ? 0 : request_id, disp, hresult, message);
	if ((rc = append_after(c, req, &ev, &refused, err, sizeof(err))) != 0) {
		if (refused && req != NULL)
			cust_reply_error(s, id, HR_E_INVALIDARG, err);
		else
			reply_unrecorded_hr(s, id, record_hr(rc, 0, 0), err);
		return;
	}
	reply_result(s, id, id_of(req, request_id), disp, hresult, message, NULL, 0);
}

struct intent {
	struct submit_ctx *c;
	struct ledger_event *req; /* the request, until it is recorded with the intent */
	uint32_t request_id;
	const struct x509_tbs *t;
	int refused, rc; /* of the append that failed */
};

/* issue_record_fn: the intent, with the TBS's hash, before the HSM signs it (with
 * the request itself when it is not recorded yet: one commit for both). */
static int record_intent(void *arg, const struct x509_buf *tbs, char *err, size_t errlen)
{
	struct intent *in = arg;
	struct ledger_event ev;
	size_t hl = LEDGER_HASH_LEN;

	ca_event(&ev, EV_CERT_INTENT);
	ev.u.intent.request_id = in->req != NULL ? 0 : in->request_id;
	ev.u.intent.serial.p = in->t->serial;
	ev.u.intent.serial.len = in->t->serial_len;
	ev.u.intent.not_before = in->t->not_before;
	ev.u.intent.not_after = in->t->not_after;
	if (x509_sigalg_digest(X509_SIG_RSA_SHA256, tbs->data, tbs->len, ev.u.intent.tbs_sha256,
			       &hl) != 0 || hl != LEDGER_HASH_LEN) {
		snprintf(err, errlen, "cannot hash the certificate");
		return -1;
	}
	if ((in->rc = append_after(in->c, in->req, &ev, &in->refused, err, errlen)) != 0)
		return -1;
	if (in->req != NULL) {
		in->request_id = in->req->u.request.request_id;
		in->req = NULL;
	}
	return 0;
}

/* The certificate and the Issued disposition, in one commit. */
static int record_issued(struct submit_ctx *c, uint32_t request_id, const struct x509_tbs *t,
			 const struct x509_buf *cert, const char *message, char *err,
			 size_t errlen)
{
	struct ledger_event ev, disp;
	struct ledger_event *evs[2] = {&ev, &disp};
	int refused;

	ca_event(&ev, EV_CERT_ISSUED);
	ev.u.issued.request_id = request_id;
	ev.u.issued.serial.p = t->serial;
	ev.u.issued.serial.len = t->serial_len;
	ev.u.issued.not_before = t->not_before;
	ev.u.issued.not_after = t->not_after;
	ev.u.issued.cert.p = cert->data;
	ev.u.issued.cert.len = cert->len;
	disposition_event(&disp, request_id, DISP_ISSUED, 0, message);
	return record_append_group(c->rec, evs, 2, &refused, err, errlen);
}

/* An officer's extensions: one whose OID the profile writes replaces the
 * profile's; a disabled one (value NULL) only removes it. The ones written are
 * copied to kept, which t then points to. */
static void apply_extra(struct x509_tbs *t, const struct x509_ext_in *extra, size_t n_extra,
			struct x509_ext_in kept[X509_MAX_EXTRA_EXT])
{
	size_t n = 0;

	for (size_t i = 0; i < n_extra; i++) {
		const char *oid = extra[i].oid;

		if (strcmp(oid, "2.5.29.15") == 0) {
			t->key_usage = 0;
		} else if (strcmp(oid, "2.5.29.37") == 0) {
			t->n_eku = 0;
			t->eku[0] = NULL;
		} else if (strcmp(oid, "2.5.29.31") == 0) {
			t->cdp_url = NULL;
		} else if (strcmp(oid, "1.3.6.1.5.5.7.1.1") == 0) {
			t->aia_ca_issuers_url = NULL;
			t->aia_ocsp_url = NULL;
		}
		if (extra[i].value != NULL && n < X509_MAX_EXTRA_EXT)
			kept[n++] = extra[i];
	}
	t->extra = kept;
	t->n_extra = n;
}

int submit_issue(struct submit_ctx *c, struct ledger_event *req, uint32_t request_id,
		 const struct x509_buf *subject, const struct x509_buf *spki,
		 const struct x509_ext_in *extra, size_t n_extra, const struct issue_tmpl *tt,
		 struct issue_result *out)
{
	char issued[300];
	struct x509_ext_in kept[X509_MAX_EXTRA_EXT];
	struct ledger_event ev;
	struct ca_urls urls;
	struct x509_tbs t;
	struct intent in = {c, req, request_id, NULL, 0, 0};
	char err[512];
	struct policy *pol = malloc(sizeof(*pol));
	unsigned days;
	int refused, rc;

	memset(out, 0, sizeof(*out));
	if (pol == NULL) {
		snprintf(out->message, sizeof(out->message), "out of memory");
		return -1;
	}
	submit_policy(c, pol);
	days = pol->days;
	free(pol);
	if (c->props != NULL)
		props_urls(c->props, &urls);
	/* With the HSM away this fails already (the serial comes from its RNG): the
	 * request is recorded as failed with NTE_FAIL, and nothing else. */
	if (tt != NULL)
		rc = profile_template(c->ca, tt->t, tt->key_usage, subject, spki,
				      c->props != NULL ? &urls : NULL, &t, err, sizeof(err));
	else
		rc = profile_end_entity(c->ca, CUST_PROFILE_CLIENT, subject, spki, days,
					c->props != NULL ? &urls : NULL, &t, err, sizeof(err));
	if (rc != 0) {
		out->disposition = DISP_FAILED;
		out->hresult = rc == CA_EHSM ? HR_NTE_FAIL : HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE;
		snprintf(out->message, sizeof(out->message), "%s", err);
		goto decided;
	}
	apply_extra(&t, extra, n_extra, kept);
	t.eku_approved = tt != NULL && tt->approved;
	in.t = &t;
	if ((rc = issue_sign_recorded(c->ca, &c->ca->sign_key, &c->ca->spki, &t, record_intent,
				      &in, &out->cert, err, sizeof(err))) != 0) {
		profile_free(&t);
		if (rc == ISSUE_EREFUSED) { /* lint, before the intent: the request's fault */
			out->disposition = DISP_FAILED;
			out->hresult = HR_CERT_E_WRONG_USAGE;
			snprintf(out->message, sizeof(out->message), "%s", err);
			goto decided;
		}
		if (in.req != NULL && in.refused) { /* the request itself was refused */
			out->refused = 1;
			goto unrecorded;
		}
		if (in.req != NULL && in.rc == RECORD_EFULL) { /* no room for it */
			out->full = 1;
			goto unrecorded;
		}
		/* The intent is recorded: the failure is recorded after it (below),
		 * so the request never ends at an intent. The HSM layer has
		 * already begun reconnecting when the HSM went away. */
		log_warnx("request %u: issuance failed: %s", in.request_id, err);
		out->disposition = DISP_FAILED;
		out->hresult = HR_NTE_FAIL;
		snprintf(out->message, sizeof(out->message), "%s", err);
		goto decided;
	}
	out->request_id = in.request_id;
	if (tt != NULL)
		snprintf(issued, sizeof(issued), "Issued (%s)", tt->label);
	else
		snprintf(issued, sizeof(issued), "Issued");
	if ((rc = record_issued(c, in.request_id, &t, &out->cert, issued, err, sizeof(err))) != 0) {
		out->full = rc == RECORD_EFULL;
		profile_free(&t);
		goto unrecorded;
	}
	profile_free(&t);
	out->disposition = DISP_ISSUED;
	snprintf(out->message, sizeof(out->message), "%s", issued);
	return 0;
decided:
	disposition_event(&ev, in.req != NULL ? 0 : in.request_id, out->disposition,
			  out->hresult, out->message);
	if ((rc = append_after(c, in.req, &ev, &refused, err, sizeof(err))) == 0) {
		out->request_id = id_of(in.req, in.request_id);
		return 0;
	}
	out->refused = refused && in.req != NULL;
	out->full = rc == RECORD_EFULL;
unrecorded:
	x509_buf_free(&out->cert);
	snprintf(out->message, sizeof(out->message), "%s", err);
	return -1;
}

uint32_t issue_result_hr(const struct issue_result *r)
{
	return r->full ? HR_DISK_FULL : HR_E_UNEXPECTED;
}

/* Builds, records, signs, records, answers. A certificate that could not be
 * recorded is never released. */
static void issue_answered(struct service *s, struct submit_ctx *c, uint32_t id,
			   struct ledger_event *req, const struct x509_buf *subject,
			   const struct x509_buf *spki, const struct x509_ext_in *extra,
			   size_t n_extra, const struct issue_tmpl *tt)
{
	struct issue_result r;

	if (submit_issue(c, req, 0, subject, spki, extra, n_extra, tt, &r) != 0) {
		if (r.refused)
			cust_reply_error(s, id, HR_E_INVALIDARG, r.message);
		else
			reply_unrecorded_hr(s, id, issue_result_hr(&r), r.message);
	} else {
		reply_result(s, id, r.request_id, r.disposition, r.hresult, r.message, r.cert.data,
			     r.cert.len);
	}
	x509_buf_free(&r.cert);
}

/* The standalone policy's certificate, from what derive_request gave (the
 * request's extensions csr_extensions allows). */
static void issue(struct service *s, struct submit_ctx *c, uint32_t id, struct ledger_event *req,
		  const struct derived *d)
{
	struct x509_ext_in in[X509_MAX_EXTRA_EXT];

	for (size_t i = 0; i < d->n_asked; i++)
		in[i] = (struct x509_ext_in){d->asked[i].oid, d->asked[i].critical,
					     d->asked[i].value.data, d->asked[i].value.len,
					     0 /* the request's */};
	issue_answered(s, c, id, req, &d->subject, &d->spki, in, d->n_asked, NULL);
}

/* Issues after a template: the subject and extensions tpolicy_parts built (the
 * request's own extensions are not taken: the template says what the
 * certificate holds). */
static void issue_template(struct service *s, struct submit_ctx *c, uint32_t id,
			   struct ledger_event *req, const struct derived *d,
			   const struct tpolicy *tp, const char *label)
{
	struct issue_tmpl tt = {tp->d.tmpl, tp->d.key_usage, NULL, 0};

	tt.label = label;
	issue_answered(s, c, id, req, &tp->subject, &d->spki, tp->ext, tp->n_ext, &tt);
}

/* Pends after a template: the request, its Pending disposition naming the
 * template, and the parts the policy built that an officer cannot rebuild (the
 * account's names, its SID, the template) as extensions the CA set on the
 * request (ADM_EXT_POLICY), in one commit. Resubmission builds the certificate
 * from these and the template (officer.c). */
_Static_assert(2 + SUBMIT_WITH_MAX + TPOLICY_MAX_EXT <= LEDGER_GROUP_MAX,
	       "a pended request's commit fits a group");
static void pend_template(struct service *s, struct submit_ctx *c, uint32_t id,
			  struct ledger_event *req, const struct tpolicy *tp, const char *label)
{
	struct ledger_event disp, ext[TPOLICY_MAX_EXT];
	struct ledger_event *evs[2 + SUBMIT_WITH_MAX + TPOLICY_MAX_EXT];
	char message[300], err[512];
	size_t n = request_group(req, evs);
	int refused, rc;

	evs[n++] = &disp;
	snprintf(message, sizeof(message), "Taken Under Submission (%s)", label);
	disposition_event(&disp, 0, DISP_PENDING, 0, message);
	for (size_t i = 0; i < tp->n_ext; i++) {
		ca_event(&ext[i], EV_EXTENSION_SET);
		ext[i].u.extension.request_id = 0; /* the request of this commit */
		ext[i].u.extension.oid = tp->ext[i].oid;
		ext[i].u.extension.flags = ADM_EXT_POLICY;
		ext[i].u.extension.value.p = tp->ext[i].value;
		ext[i].u.extension.value.len = tp->ext[i].len;
		evs[n++] = &ext[i];
	}
	if ((rc = record_append_group(c->rec, evs, n, &refused, err, sizeof(err))) != 0) {
		if (refused)
			cust_reply_error(s, id, HR_E_INVALIDARG, err);
		else
			reply_unrecorded_hr(s, id, record_hr(rc, 0, 0), err);
		return;
	}
	reply_result(s, id, req->u.request.request_id, DISP_PENDING, 0, message, NULL, 0);
}

/* Who is asking (DESIGN.md: the worker cannot forge identity): the identity in
 * a token ca-auth minted, verified with this worker's key, or, without a token,
 * an anonymous caller the worker names by address ("anonymous@ADDRESS"). A worker
 * that names anyone without a token, or passes a token that does not verify
 * (forged, another generation's, expired: a connection's token outlives it), is
 * broken: a violation, nothing recorded in anyone's name. 0 with out, or -1. */
int requester_of(struct service *s, struct submit_ctx *c, const uint8_t *tok,
			size_t len, const char *named, char *out, size_t outlen, int *anonymous,
			struct policy_account *acct, uint64_t *logon)
{
	struct idtoken t;
	char err[128];

	if (len == 0) {
		if (strncmp(named, "anonymous@", 10) != 0 || named[10] == 0) {
			service_violation(s, "a requester named without an identity token");
			return -1;
		}
		snprintf(out, outlen, "%s", named);
		*anonymous = 1;
		if (logon != NULL)
			*logon = 0;
		if (acct != NULL)
			tpolicy_account(NULL, named, acct);
		return 0;
	}
	if (named[0] != 0) {
		service_violation(s, "a requester named beside an identity token");
		return -1;
	}
	if (!c->have_id_key) {
		service_violation(s, "an identity token on a channel without a key");
		return -1;
	}
	if (idtoken_verify(c->id_key, tok, len, IDTOKEN_LOGON, (int64_t)time(NULL), &t, err,
			   sizeof(err)) != 0) {
		service_violation(s, "%s", err);
		return -1;
	}
	snprintf(out, outlen, "%s", t.identity);
	if (acct != NULL)
		tpolicy_account(&t, NULL, acct);
	if (logon != NULL)
		*logon = t.logon;
	explicit_bzero(&t, sizeof(t));
	*anonymous = 0;
	return 0;
}

/* The interface flags, checked here again whatever the worker did (a compromised
 * worker skips its own checks): E_ACCESSDENIED with msg, or 0. An anonymous call
 * (no identity token) is never at packet privacy: it has no session key. A call
 * with a token was made over ca-auth's logon; its DCE/RPC level is the worker's
 * to check, which the custodian cannot see (README). */
uint32_t access_refused(const struct policy *p, int anonymous, char *msg, size_t msglen)
{
	if (p->no_rpc) {
		snprintf(msg, msglen, "MS-ICPR is off (icpr_no_rpc)");
		return HR_E_ACCESSDENIED;
	}
	if (anonymous && !p->allow_anonymous) {
		snprintf(msg, msglen, "no logon, and anonymous enrollment is off "
			 "(icpr_allow_anonymous)");
		return HR_E_ACCESSDENIED;
	}
	if (anonymous && p->enforce_encryption) {
		snprintf(msg, msglen, "no logon, and packet privacy is required "
			 "(icpr_enforce_encryption)");
		return HR_E_ACCESSDENIED;
	}
	return 0;
}

/* The account a request on behalf of another names (cmsreq.h), from the token
 * ca-auth minted for it when the worker asked (proto.h, CUST_SUBMIT's
 * subject_token): bound to the caller's logon, naming that very account. No
 * token: ca-auth knows no such enabled account. A token that does not verify
 * is the worker's fault, as a forged identity is: a violation (-1). 0 with *a
 * the account's, or an HRESULT (positive) with msg. */
static long subject_account(struct service *s, struct submit_ctx *c, const struct cust_submit *q,
			    uint64_t logon, const char *named, struct policy_account *a,
			    char *msg, size_t msglen)
{
	struct idtoken t;
	char err[128];

	if (q->subject_token_len == 0) {
		snprintf(msg, msglen, "no account %.200s (RequesterName)", named);
		return HR_CERTSRV_E_BAD_REQUESTSUBJECT;
	}
	if (!c->have_id_key ||
	    idtoken_verify(c->id_key, q->subject_token, q->subject_token_len, IDTOKEN_SUBJECT,
			   (int64_t)time(NULL), &t, err, sizeof(err)) != 0) {
		service_violation(s, "a subject token: %s", c->have_id_key ? err : "no key");
		return -1;
	}
	if (logon == 0 || t.logon != logon || strcasecmp(t.identity, named) != 0) {
		explicit_bzero(&t, sizeof(t));
		service_violation(s, "a subject token for another logon or account");
		return -1;
	}
	tpolicy_account(&t, NULL, a);
	explicit_bzero(&t, sizeof(t));
	return 0;
}

/* What a CMS or CMC request is (cmsreq.h), with the account it is for; the
 * request's link to its journal record (renewal: the certificate renewed; on
 * behalf: the first agent). 0, an HRESULT with msg, or -1 after a violation. */
static long check_cms(struct service *s, struct submit_ctx *c, const struct cust_submit *q,
		      const struct derived *d, const char *requester, uint64_t logon,
		      struct cmsreq *cq, struct policy_account *acct, struct ledger_event *link,
		      char *msg, size_t msglen)
{
	uint32_t hr = cmsreq_check(c, d, requester, cq, msg, msglen);
	long rc;

	if (hr != 0)
		return hr;
	/* Whether an account exists is an enrollment agent's to learn, not any
	 * certificate holder's: without a Certificate Request Agent among the
	 * signers, no answer about the account is given (a template whose agents
	 * hold another policy still gets its own answer when the account exists). */
	if (cq->kind == CMSREQ_ON_BEHALF && q->subject_token_len == 0 && !cmsreq_has_agent(cq)) {
		snprintf(msg, msglen, "no signer of the request holds the Certificate Request "
			 "Agent policy (%s)", POLICY_EKU_REQUEST_AGENT);
		return HR_CERTSRV_E_SIGNATURE_POLICY_REQUIRED;
	}
	if (cq->kind == CMSREQ_ON_BEHALF &&
	    (rc = subject_account(s, c, q, logon, cq->account, acct, msg, msglen)) != 0)
		return rc;
	if (cq->kind == CMSREQ_NEW)
		return 0;
	ca_event(link, EV_REQUEST_LINK);
	if (cq->kind == CMSREQ_RENEWAL) {
		link->u.link.kind = LEDGER_LINK_RENEWAL;
		link->u.link.serial.p = cq->old.serial.data;
		link->u.link.serial.len = cq->old.serial.len;
		link->u.link.account = cq->owner;
	} else if (cq->n_agents > 0) {
		link->u.link.kind = LEDGER_LINK_ON_BEHALF;
		link->u.link.serial.p = cq->agents[0].serial;
		link->u.link.serial.len = cq->agents[0].serial_len;
		link->u.link.account = acct->name;
	}
	return 0;
}

/* "template User 1.0", with what the request was: "renewal of SERIAL, ...",
 * "on behalf of DOMAIN\user, ...". */
static void decision_label(const struct tpolicy *tp, const struct cmsreq *cq,
			   const struct policy_account *acct, char *out, size_t outlen)
{
	char label[128], serial[2 * LEDGER_SERIAL_MAX + 1] = "";

	tpolicy_label(tp, label, sizeof(label));
	if (cq != NULL && cq->kind == CMSREQ_RENEWAL && cq->old.serial.len <= LEDGER_SERIAL_MAX) {
		hex_encode(cq->old.serial.data, cq->old.serial.len, serial);
		snprintf(out, outlen, "renewal of %s, %s", serial, label);
	} else if (cq != NULL && cq->kind == CMSREQ_ON_BEHALF) {
		snprintf(out, outlen, "on behalf of %.200s, %s", acct->name, label);
	} else {
		snprintf(out, outlen, "%s", label);
	}
}

void handle_submit(struct service *s, struct submit_ctx *c, const struct ipc_msg *m)
{
	char requester[CUST_REQUESTER_MAX + 1], msg[CUST_MESSAGE_MAX + 1];
	struct cust_submit *q = malloc(sizeof(*q));
	struct policy *pol = malloc(sizeof(*pol));
	struct policy_account *acct = malloc(sizeof(*acct));
	struct tpolicy *tp = malloc(sizeof(*tp));
	struct cmsreq *cq = NULL;
	const uint8_t *raw;
	size_t raw_len;
	struct ledger_event ev, link = {0};
	struct ledger_event *with[1] = {&link};
	struct derived d;
	char dlabel[300];
	uint64_t logon = 0;
	uint32_t format, hr;
	long rc;
	int anonymous;

	if (tp != NULL)
		memset(tp, 0, sizeof(*tp));
	if (q == NULL || pol == NULL || acct == NULL || tp == NULL) {
		reply_unrecorded(s, m->hdr.id, "out of memory");
		goto out;
	}
	if (cust_submit_decode(m->data, m->hdr.len, q) != 0) {
		service_violation(s, "malformed SUBMIT");
		goto out;
	}
	if (requester_of(s, c, q->who.token, q->who.token_len, q->who.requester, requester,
			 sizeof(requester), &anonymous, acct, &logon) != 0)
		goto out;
	/* One snapshot of the policy decides this request, whatever setprop does
	 * meanwhile. */
	submit_policy(c, pol);
	format = q->format;
	raw = q->request;
	raw_len = q->request_len;

	/* Everything below comes from the raw bytes alone: the worker's format is
	 * only compared with what the custodian detects. */
	hr = derive_request(pol, raw, raw_len, &d, msg, sizeof(msg));
	if (hr == 0)
		hr = access_refused(pol, anonymous, msg, sizeof(msg));
	if (hr == 0 && d.format != format) {
		log_warnx("the worker called a request format %u, it is %u", format, d.format);
		snprintf(msg, sizeof(msg), "the request's format is not the one announced");
		hr = HR_CRYPT_E_INVALID_MSG_TYPE;
	}
	/* dwFlags' request type, if the client named one, is what was parsed */
	if (hr == 0)
		hr = icpr_flags_check(q->flags, (int)d.format, msg, sizeof(msg));
	/* A CMS or CMC request (issue 16): a renewal, an agent's on behalf of an
	 * account (acct becomes that account), or the caller's own. */
	if (hr == 0 && d.cms != NULL) {
		if ((cq = calloc(1, sizeof(*cq))) == NULL) {
			snprintf(msg, sizeof(msg), "out of memory");
			hr = HR_E_OUTOFMEMORY;
		} else if ((rc = check_cms(s, c, q, &d, requester, logon, cq, acct, &link, msg,
					   sizeof(msg))) < 0) {
			derived_free(&d);
			goto out;
		} else {
			hr = (uint32_t)rc;
		}
	}
	/* The template policy (issue 15): the template the request names decides;
	 * one naming none follows no_template. */
	if (hr == 0 && cq != NULL)
		hr = tpolicy_decide_cms(c->templates, pol, &d, q->attributes, cq, acct, tp, msg,
					sizeof(msg));
	else if (hr == 0)
		hr = tpolicy_decide(c->templates, pol, &d, q->attributes, acct, tp, msg,
				    sizeof(msg));
	if (hr == 0 && (tp->d.outcome == POLICY_ISSUE || tp->d.outcome == POLICY_PEND))
		hr = cq != NULL && cq->kind == CMSREQ_RENEWAL
			     ? tpolicy_parts_renewal(tp, &cq->old, msg, sizeof(msg))
			     : tpolicy_parts(tp, &d, acct, msg, sizeof(msg));
	if (hr == 0 && tp->d.outcome == POLICY_STANDALONE && !d.has_subject) {
		snprintf(msg, sizeof(msg), "the request's subject is empty or not a valid name");
		hr = HR_CERTSRV_E_BAD_REQUESTSUBJECT;
	} else if (hr == 0 && tp->d.outcome == POLICY_STANDALONE && pol->auto_issue) {
		/* policy = pend: an officer decides whose subject it is. */
		hr = guard_subject_rule(pol, &d.subject, requester, anonymous, msg, sizeof(msg));
	}
	if (hr != 0 && tp->d.tmpl != NULL) {
		char label[128];
		size_t l = strlen(msg);

		tpolicy_label(tp, label, sizeof(label));
		snprintf(msg + l, sizeof(msg) - l, " (%s)", label);
	}
	record_event_init(&ev, EV_REQUEST_RECEIVED, ACTOR_REQUESTER, requester);
	ev.u.request.format = d.format != 0 ? d.format : format;
	ev.u.request.requester = requester;
	ev.u.request.raw.p = raw;
	ev.u.request.raw.len = raw_len;
	ev.u.request.attributes = q->attributes;
	/* What a CMS request was found to be goes in its commit. */
	if (hr == 0 && link.type == EV_REQUEST_LINK) {
		ev.u.request.with = with;
		ev.u.request.n_with = 1;
	}
	decision_label(tp, cq, acct, dlabel, sizeof(dlabel));
	/* The request is recorded with its decision (or with the intent when the
	 * policy issues): one commit, so no request is ever left without its fate. */
	if (hr != 0)
		decide(s, c, m->hdr.id, &ev, 0, DISP_FAILED, hr, msg);
	else if (tp->d.outcome == POLICY_ISSUE)
		issue_template(s, c, m->hdr.id, &ev, &d, tp, dlabel);
	else if (tp->d.outcome == POLICY_PEND)
		pend_template(s, c, m->hdr.id, &ev, tp, dlabel);
	else if (!pol->auto_issue)
		decide(s, c, m->hdr.id, &ev, 0, DISP_PENDING, 0, "Taken Under Submission");
	else
		issue(s, c, m->hdr.id, &ev, &d);
	derived_free(&d);
out:
	if (cq != NULL)
		cmsreq_free(cq);
	free(cq);
	if (tp != NULL)
		tpolicy_free(tp);
	free(tp);
	if (acct != NULL)
		explicit_bzero(acct, sizeof(*acct));
	free(acct);
	free(pol);
	free(q);
}

/* A refusal the journal budget counted (authlog.h) is answered at once, with
 * request id 0: it has no record of its own, its burst's summary counts it. */
static void reply_counted(struct service *s, uint32_t id, const struct cust_refused *q)
{
	reply_result(s, id, 0, DISP_FAILED, q->hresult, q->message, NULL, 0);
}

void handle_refused(struct service *s, struct submit_ctx *c, const struct ipc_msg *m)
{
	char requester[CUST_REQUESTER_MAX + 1], err[512];
	uint8_t digest[LEDGER_DIGEST_LEN];
	struct cust_refused q;
	struct ledger_event ev, disp;
	struct burst_event be;
	uint32_t size;
	int anonymous, refused, rc;

	if (cust_refused_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed REFUSED");
		return;
	}
	if (requester_of(s, c, q.who.token, q.who.token_len, q.who.requester, requester,
			 sizeof(requester), &anonymous, NULL, NULL) != 0)
		return;
	/* An anonymous requester is named by its address: the two must agree. */
	if (anonymous && strcmp(requester + 10, q.peer) != 0) {
		service_violation(s, "an anonymous requester named by another address");
		return;
	}
	size = q.size;
	digest[0] = (uint8_t)size;
	digest[1] = (uint8_t)(size >> 8);
	digest[2] = (uint8_t)(size >> 16);
	digest[3] = (uint8_t)(size >> 24);
	memcpy(digest + 4, q.sha256, CUST_SHA256_LEN);
	be = (struct burst_event){BURST_REFUSAL, q.hresult, q.peer, requester, !anonymous,
				  q.message, digest};
	if (!bursts_note(c->bursts, &be)) {
		reply_counted(s, m->hdr.id, &q);
		return;
	}
	/* Size, hash, address and reason; never the payload (the worker never sent
	 * it). Count 1: this record stands for this refusal alone. */
	record_event_init(&ev, EV_REQUEST_RECEIVED, ACTOR_REQUESTER, requester);
	ev.u.request.format = FMT_DIGEST;
	ev.u.request.requester = requester;
	ev.u.request.raw.p = digest;
	ev.u.request.raw.len = sizeof(digest);
	ev.u.request.attributes = "";
	ev.u.request.count = 1;
	ev.u.request.since = (int64_t)time(NULL);
	ev.u.request.peer = q.peer;
	disposition_event(&disp, 0, DISP_FAILED, q.hresult, q.message);
	if ((rc = append_after(c, &ev, &disp, &refused, err, sizeof(err))) != 0) {
		/* The refusal is answered whatever the ledger can do now (low on
		 * space, say): its count waits in the budget for a later summary. */
		log_warnx("refused request not recorded now, counted: %s", err);
		if (c->bursts == NULL) {
			reply_unrecorded_hr(s, m->hdr.id, record_hr(rc, 0, 0), err);
			return;
		}
		bursts_count(c->bursts, &be);
		reply_counted(s, m->hdr.id, &q);
		return;
	}
	reply_result(s, m->hdr.id, ev.u.request.request_id, DISP_FAILED, q.hresult, q.message,
		     NULL, 0);
}

void handle_retrieve(struct service *s, struct submit_ctx *c, const struct ipc_msg *m)
{
	struct ledger_request_row row;
	struct cust_retrieve q;
	uint8_t *cert = NULL;
	size_t cert_len = 0;
	uint32_t id;
	char err[512], requester[CUST_REQUESTER_MAX + 1];
	struct policy *pol;
	uint32_t hr;
	int rc, anonymous;

	if (cust_retrieve_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed RETRIEVE");
		return;
	}
	if (requester_of(s, c, q.who.token, q.who.token_len, q.who.requester, requester,
			 sizeof(requester), &anonymous, NULL, NULL) != 0)
		return;
	if ((pol = malloc(sizeof(*pol))) == NULL) {
		reply_unrecorded(s, m->hdr.id, "out of memory");
		return;
	}
	submit_policy(c, pol);
	hr = access_refused(pol, anonymous, err, sizeof(err));
	free(pol);
	if (hr != 0) {
		reply_result(s, m->hdr.id, q.request_id, 0, hr, err, NULL, 0);
		return;
	}
	id = q.request_id;
	/* by serial number: the request that produced that certificate */
	if (q.serial_len > 0 && id != 0) {
		struct ledger_cert_row cr;

		rc = record_cert_by_serial(c->rec, q.serial, q.serial_len, &cr, err, sizeof(err));
		if (rc < 0) {
			reply_unrecorded(s, m->hdr.id, err);
			return;
		}
		id = rc == 0 ? cr.request_id : 0;
	}
	rc = id == 0 ? 1 : record_get_request(c->rec, id, &row, err, sizeof(err));
	if (rc == 1) {
		reply_result(s, m->hdr.id, id, 0, HR_CERTSRV_E_PROPERTY_EMPTY, "no such request",
			     NULL, 0);
		return;
	}
	if (rc != 0) {
		reply_unrecorded(s, m->hdr.id, err);
		return;
	}
	/* A request's outcome goes to its own requester only (officers read it at
	 * the console). */
	if (strcmp(row.requester, requester) != 0) {
		log_info("retrieval of request %u by %s refused: made by another requester", id,
			 requester);
		reply_result(s, m->hdr.id, id, 0, HR_E_ACCESSDENIED,
			     "the request was made by another requester", NULL, 0);
		return;
	}
	if (row.serial_len != 0 && row.seq_cert != 0 &&
	    (row.disposition == DISP_ISSUED || row.disposition == DISP_REVOKED) &&
	    record_get_cert(c->rec, row.seq_cert, &cert, &cert_len, err, sizeof(err)) != 0) {
		reply_unrecorded(s, m->hdr.id, err);
		return;
	}
	reply_result(s, m->hdr.id, id, row.disposition, row.hresult, row.message, cert, cert_len);
	free(cert);
}
