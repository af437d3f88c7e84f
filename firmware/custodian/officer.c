/* The certificate manager's verbs: a pending request's details, setextension,
 * resubmit (approve and issue), deny, revoke and unrevoke. The custodian
 * re-derives what it signs: a resubmitted request's subject, key and extensions
 * come from the raw request in the ledger through derive_request, the function
 * submission uses, never from what the console or the worker said. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/cmsreq.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/submit.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/custodian/tpolicy.h"
#include "firmware/policy/policy.h"
#include "platform/log.h"

/* The request row, or an HRESULT with msg. */
static uint32_t get_row(struct admin *a, uint32_t id, struct ledger_request_row *row,
			char *msg, size_t msglen)
{
	int rc = id == 0 ? 1 : record_get_request(a->sub->rec, id, row, msg, msglen);

	if (rc == 1) {
		snprintf(msg, msglen, "no request %u", id);
		return HR_NOT_FOUND;
	}
	return rc == 0 ? 0 : HR_E_UNEXPECTED;
}

static uint32_t need_pending(struct admin *a, uint32_t id, struct ledger_request_row *row,
			     char *msg, size_t msglen)
{
	uint32_t hr = get_row(a, id, row, msg, msglen);

	if (hr == 0 && row->disposition != DISP_PENDING) {
		snprintf(msg, msglen, "request %u is %s, not pending", id,
			 ledger_disposition_name(row->disposition));
		return HR_INVALID_STATE;
	}
	return hr;
}

/* The raw request of a row, derived again by derive_request, the function
 * submission uses (so a request that could pend can be approved, whatever
 * format it came in), into d (derived_free), with its attributes when attrs. */
static uint32_t request_parts(struct admin *a, const struct ledger_request_row *row,
			      struct derived *d, char *attrs, size_t attrs_len, char *requester,
			      size_t requester_len, char *msg, size_t msglen)
{
	struct ledger_event ev;
	uint8_t *rec;
	size_t len;
	char *strbuf = malloc(LEDGER_STRBUF);
	uint32_t hr = HR_E_UNEXPECTED;

	memset(d, 0, sizeof(*d));
	if (strbuf == NULL)
		fatalx("out of memory");
	if (record_get_record(a->sub->rec, row->seq_received, &rec, &len, msg, msglen) != 0) {
		free(strbuf);
		return HR_E_UNEXPECTED;
	}
	if (ledger_record_decode(rec, len, &ev, strbuf, LEDGER_STRBUF, msg, msglen) != 0 ||
	    ev.type != EV_REQUEST_RECEIVED || ev.u.request.request_id != row->request_id) {
		snprintf(msg, msglen, "request %u: the ledger's event does not match",
			 row->request_id);
	} else if (ev.u.request.format == FMT_DIGEST) {
		snprintf(msg, msglen, "request %u was refused on arrival: only its size and hash "
			 "were kept", row->request_id);
		hr = HR_E_INVALIDARG;
	} else {
		struct policy *pol = malloc(sizeof(*pol));

		if (pol == NULL)
			fatalx("out of memory");
		/* The policy in force now (csr_extensions as set when it is read). */
		submit_policy(a->sub, pol);
		hr = derive_request(pol, ev.u.request.raw.p, ev.u.request.raw.len, d, msg, msglen);
		free(pol);
		if (hr == 0 && attrs != NULL)
			snprintf(attrs, attrs_len, "%s", ev.u.request.attributes);
		if (hr == 0 && requester != NULL)
			snprintf(requester, requester_len, "%s", ev.u.request.requester);
	}
	free(rec);
	free(strbuf);
	return hr;
}

/* The extensions officers set on a request, the latest per OID. */
struct ext_set {
	size_t n;
	char oid[X509_MAX_EXTRA_EXT][LEDGER_OID_MAX + 1];
	uint32_t flags[X509_MAX_EXTRA_EXT];
	uint8_t *value[X509_MAX_EXTRA_EXT];
	size_t len[X509_MAX_EXTRA_EXT];
	int overflow;
};

static int collect_ext(const struct ledger_event *ev, void *arg)
{
	struct ext_set *x = arg;
	size_t i;

	for (i = 0; i < x->n; i++)
		if (strcmp(x->oid[i], ev->u.extension.oid) == 0)
			break;
	if (i == x->n) {
		if (x->n == X509_MAX_EXTRA_EXT) {
			x->overflow = 1;
			return 1;
		}
		x->n++;
	} else {
		free(x->value[i]);
	}
	snprintf(x->oid[i], sizeof(x->oid[i]), "%s", ev->u.extension.oid);
	x->flags[i] = ev->u.extension.flags;
	x->len[i] = ev->u.extension.value.len;
	if ((x->value[i] = malloc(x->len[i] ? x->len[i] : 1)) == NULL)
		fatalx("out of memory");
	memcpy(x->value[i], ev->u.extension.value.p, x->len[i]);
	return 0;
}

static void ext_set_free(struct ext_set *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->value[i]);
	x->n = 0;
}

static uint32_t load_exts(struct admin *a, uint32_t id, struct ext_set *x, char *msg,
			  size_t msglen)
{
	memset(x, 0, sizeof(*x));
	if (record_extensions(a->sub->rec, id, collect_ext, x, msg, msglen) != 0 && !x->overflow) {
		ext_set_free(x);
		return HR_E_UNEXPECTED;
	}
	if (x->overflow) {
		ext_set_free(x);
		snprintf(msg, msglen, "request %u has more than %d extensions set", id,
			 X509_MAX_EXTRA_EXT);
		return HR_E_INVALIDARG;
	}
	return 0;
}

uint32_t officer_detail(struct admin *a, uint32_t id, struct ipc_wbuf *w, char *msg,
			size_t msglen)
{
	struct ledger_request_row row;
	struct derived d;
	char dn[1024] = "", attrs[LEDGER_TEXT_MAX + 1] = "";
	uint32_t hr = get_row(a, id, &row, msg, msglen);
	struct adm_detail_is *out;
	struct ipc_wbuf list;
	struct ext_set x;

	if (hr != 0)
		return hr;
	if (request_parts(a, &row, &d, attrs, sizeof(attrs), NULL, 0, msg, msglen) == 0 &&
	    x509_name_format(d.subject.data, d.subject.len, dn, sizeof(dn)) != 0)
		dn[0] = 0;
	derived_free(&d);
	if ((hr = load_exts(a, id, &x, msg, msglen)) != 0)
		return hr;
	if ((out = calloc(1, sizeof(*out))) == NULL) {
		ext_set_free(&x);
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	snprintf(out->subject, sizeof(out->subject), "%s", dn);
	snprintf(out->attributes, sizeof(out->attributes), "%s", attrs);
	snprintf(out->requester, sizeof(out->requester), "%s", row.requester);
	ipc_wbuf_init(&list);
	for (size_t i = 0; i < x.n; i++)
		adm_detail_add(&list, x.oid[i], x.flags[i], x.value[i], x.len[i]);
	out->exts.n = (uint32_t)x.n;
	out->exts.p = list.data;
	out->exts.len = list.len;
	adm_detail_encode(w, out);
	if (list.failed)
		w->failed = 1;
	ipc_wbuf_free(&list);
	free(out);
	ext_set_free(&x);
	return 0;
}

/* On a request a template pended (the policy's extensions recorded with it,
 * ADM_EXT_POLICY), the names and purposes are the template's: an officer
 * approves or denies them, and cannot rewrite them (the SAN an account's
 * subject is rebuilt from, the EKUs and application policies lint would grant
 * as an officer's, the key usage). E_ACCESSDENIED with msg, or 0. */
static uint32_t template_decides(struct admin *a, uint32_t id, const char *oid, char *msg,
				 size_t msglen)
{
	static const char *const own[] = {"2.5.29.17", "2.5.29.37", "2.5.29.15",
					  "1.3.6.1.4.1.311.21.10"};
	struct ext_set x;
	uint32_t hr;
	int policy = 0, named = 0;

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		named |= strcmp(oid, own[i]) == 0;
	if (!named)
		return 0;
	if ((hr = load_exts(a, id, &x, msg, msglen)) != 0)
		return hr;
	for (size_t i = 0; i < x.n; i++)
		policy |= (x.flags[i] & ADM_EXT_POLICY) != 0;
	ext_set_free(&x);
	if (!policy)
		return 0;
	snprintf(msg, msglen, "request %u was pended by a certificate template, which decides "
		 "extension %s: approve or deny the request", id, oid);
	return HR_E_ACCESSDENIED;
}

uint32_t officer_setext(struct admin *a, const char *op, uint32_t id, const char *oid,
			uint32_t flags, const uint8_t *value, size_t len, char *msg,
			size_t msglen)
{
	struct ledger_request_row row;
	struct ledger_event ev;
	uint32_t hr;
	int refused, rc;

	if (!x509_oid_valid(oid)) {
		snprintf(msg, msglen, "%s: not a dotted OID", oid);
		return HR_E_INVALIDARG;
	}
	if (ext_reserved(oid)) {
		snprintf(msg, msglen, "extension %s is the CA's to set, not an officer's", oid);
		return HR_E_ACCESSDENIED;
	}
	if ((flags & ~(uint32_t)(ADM_EXT_CRITICAL | ADM_EXT_DISABLE)) != 0) {
		snprintf(msg, msglen, "flags: 0, 1 (critical) or 2 (disabled)");
		return HR_E_INVALIDARG;
	}
	/* The certificate decoder (the lint's, and relying parties') refuses an
	 * unknown critical extension: set, it would only make the resubmission fail
	 * and end the request Failed, beyond correction. */
	if ((flags & ADM_EXT_CRITICAL) && !(flags & ADM_EXT_DISABLE) &&
	    !x509_ext_may_be_critical(oid)) {
		snprintf(msg, msglen, "extension %s is not one the CA knows: it cannot be "
			 "critical (set it with flags 0)", oid);
		return HR_E_INVALIDARG;
	}
	/* Checked before it is recorded; the TBS builder checks it again. */
	if (!(flags & ADM_EXT_DISABLE) && !x509_der_one_element(value, len)) {
		snprintf(msg, msglen, "the value is not one DER element");
		return HR_E_INVALIDARG;
	}
	if ((hr = need_pending(a, id, &row, msg, msglen)) != 0)
		return hr;
	if ((hr = template_decides(a, id, oid, msg, msglen)) != 0)
		return hr;
	record_event_init(&ev, EV_EXTENSION_SET, ACTOR_OPERATOR, op);
	ev.u.extension.request_id = id;
	ev.u.extension.oid = oid;
	ev.u.extension.flags = flags;
	ev.u.extension.value.p = (flags & ADM_EXT_DISABLE) ? NULL : value;
	ev.u.extension.value.len = (flags & ADM_EXT_DISABLE) ? 0 : len;
	if ((rc = record_append(a->sub->rec, &ev, &refused, msg, msglen)) != 0)
		return record_hr(rc, refused, HR_INVALID_STATE);
	snprintf(msg, msglen, "request %u: extension %s set%s", id, oid,
		 (flags & ADM_EXT_DISABLE) ? " (disabled)" : (flags & 1) ? " (critical)" : "");
	return 0;
}

static void put_result(struct ipc_wbuf *w, uint32_t id, uint32_t disp, uint32_t hr,
		       const char *message, const struct x509_buf *cert)
{
	struct adm_result r = {.request_id = id, .disposition = disp, .hresult = hr};

	snprintf(r.message, sizeof(r.message), "%s", message);
	r.cert = cert ? cert->data : NULL;
	r.cert_len = cert ? cert->len : 0;
	adm_result_encode(w, &r);
}

/* The dNSName of a subjectAltName the policy recorded (a machine's subject is
 * built from it), into ctx (a policy_account's dns). */
static int san_dns(void *ctx, const struct x509_text *t)
{
	struct policy_account *a = ctx;
	size_t i;

	if (strcmp(t->what, "SAN dNSName") != 0 || t->cp == NULL || a->dns[0] != 0)
		return 0;
	for (i = 0; i < t->n && i < sizeof(a->dns) - 1; i++)
		a->dns[i] = t->cp[i] < 0x80 ? (char)t->cp[i] : '?';
	a->dns[i] = 0;
	return 0;
}

/* The template a pended request was decided by: the template extension the
 * policy recorded on it (ADM_EXT_POLICY), found in the store by OID, at the
 * same version (a template changed or removed while the request waited is not
 * applied behind the decision: deny it and let the requester ask again). 0 with
 * *t, 1 when the request pended without a template, else an HRESULT. */
static uint32_t pended_template(struct admin *a, const struct ext_set *x, struct template *t,
				char *msg, size_t msglen)
{
	struct policy_request r = {0};
	struct template *all = NULL;
	size_t n = 0, i, k;
	char err[256];
	uint32_t hr;

	for (i = 0; i < x->n; i++)
		if ((x->flags[i] & ADM_EXT_POLICY) && strcmp(x->oid[i], "1.3.6.1.4.1.311.21.7") == 0)
			break;
	if (i == x->n)
		return 1;
	if (policy_read_template_ext_v2(x->value[i], x->len[i], &r, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "the template recorded with the request cannot be read: %s",
			 err);
		return HR_E_UNEXPECTED;
	}
	if (a->sub->templates == NULL || tmplstore_snapshot(a->sub->templates, &all, &n) != 0) {
		snprintf(msg, msglen, "the template store is not available");
		return HR_E_UNEXPECTED;
	}
	for (k = 0; k < n && strcmp(all[k].oid, r.ext_oid) != 0; k++)
		;
	if (k == n) {
		snprintf(msg, msglen, "the template %s the request pended under is no longer "
			 "on the CA: deny the request", r.ext_oid);
		hr = HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE;
	} else if (all[k].major_version != r.ext_major || all[k].minor_version != r.ext_minor) {
		snprintf(msg, msglen, "template %s changed from %u.%u to %u.%u while the request "
			 "waited: deny it and let the requester ask again", all[k].name,
			 r.ext_major, r.ext_minor, all[k].major_version, all[k].minor_version);
		hr = HR_CERTSRV_E_BAD_TEMPLATE_VERSION;
	} else {
		*t = all[k];
		hr = 0;
	}
	free(all);
	return hr;
}

/* Resubmission of a request a template pended: the certificate the template
 * describes, with the names and extensions the policy recorded at submission
 * and the officer's, approved (the template's agent purposes granted). */
static uint32_t resubmit_template(struct admin *a, uint32_t id, const char *requester,
				  const struct template *t, const struct derived *d,
				  const struct x509_ext_in *in, size_t n_in,
				  struct issue_result *res, char *msg, size_t msglen)
{
	struct issue_tmpl tt = {t, policy_key_usage(t, tpolicy_key_type(d->key_type)), NULL, 1};
	struct policy_account *acct = calloc(1, sizeof(*acct));
	struct x509_buf subject = {0};
	char label[128], err[256];
	uint32_t hr = 0;

	if (acct == NULL)
		fatalx("out of memory");
	snprintf(label, sizeof(label), "template %s %u.%u", t->name, t->major_version,
		 t->minor_version);
	tt.label = label;
	memset(res, 0, sizeof(*res));
	if (t->subject == TEMPLATE_SUBJECT_ACCOUNT) {
		snprintf(acct->name, sizeof(acct->name), "%s", requester);
		/* The SAN is the policy's (officer_setext refuses another on a
		 * template's request): a machine's CN is its dNSName. */
		for (size_t i = 0; i < n_in && hr == 0; i++)
			if (strcmp(in[i].oid, "2.5.29.17") == 0 && in[i].value != NULL &&
			    x509_san_texts(in[i].value, in[i].len, san_dns, acct) != 0) {
				snprintf(msg, msglen, "the subjectAltName recorded with the request "
					 "cannot be read");
				hr = HR_E_UNEXPECTED;
			}
		if (hr == 0 &&
		    policy_subject_der(t, acct, &subject.data, &subject.len, err, sizeof(err)) != 0) {
			snprintf(msg, msglen, "template %s: the subject cannot be built: %s", t->name,
				 err);
			hr = HR_CERTSRV_E_BAD_REQUESTSUBJECT;
		}
	}
	if (hr == 0 && submit_issue(a->sub, NULL, id,
				    t->subject == TEMPLATE_SUBJECT_ACCOUNT ? &subject : &d->subject,
				    &d->spki, in, n_in, &tt, res) != 0) {
		snprintf(msg, msglen, "%s", res->message);
		hr = issue_result_hr(res);
	}
	x509_buf_free(&subject);
	free(acct);
	return hr;
}

uint32_t officer_resubmit(struct admin *a, const char *op, uint32_t id, struct ipc_wbuf *w,
			  char *msg, size_t msglen)
{
	char requester[LEDGER_NAME_MAX + 1];
	struct template *tmpl = NULL;
	struct ledger_request_row row;
	struct x509_ext_in in[X509_MAX_EXTRA_EXT];
	struct issue_result res = {0};
	struct derived d;
	struct ext_set x;
	size_t n_in;
	uint32_t hr;

	if ((hr = need_pending(a, id, &row, msg, msglen)) != 0)
		return hr;
	if ((hr = request_parts(a, &row, &d, NULL, 0, requester, sizeof(requester), msg, msglen)) != 0)
		return hr;
	/* An agent's request is for the account it named: that account's names
	 * are rebuilt (cmsreq.h). */
	if (d.cms != NULL) {
		char err[256];

		if (cmsreq_owner(a->sub, &row, requester, sizeof(requester), err, sizeof(err)) != 0) {
			derived_free(&d);
			snprintf(msg, msglen, "the ledger cannot say whom request %u is for: %s",
				 id, err);
			return HR_E_UNEXPECTED;
		}
	}
	if ((hr = load_exts(a, id, &x, msg, msglen)) != 0) {
		derived_free(&d);
		return hr;
	}
	if ((tmpl = malloc(sizeof(*tmpl))) == NULL)
		fatalx("out of memory");
	if ((hr = pended_template(a, &x, tmpl, msg, msglen)) > 1)
		goto done;
	/* The officer's extensions (and the policy's) first; the request's allowed
	 * ones for other OIDs, unless a template decides what the certificate holds. */
	for (size_t i = 0; i < x.n; i++) {
		in[i].oid = x.oid[i];
		in[i].critical = (x.flags[i] & ADM_EXT_CRITICAL) != 0;
		in[i].value = (x.flags[i] & ADM_EXT_DISABLE) ? NULL : x.value[i];
		in[i].len = x.len[i];
		in[i].officer = 1; /* lint grants the agent purposes to these alone */
	}
	n_in = x.n;
	if (hr == 0) {
		hr = resubmit_template(a, id, requester, tmpl, &d, in, n_in, &res, msg, msglen);
		if (hr == 0) {
			put_result(w, id, res.disposition, res.hresult, res.message, &res.cert);
			log_info("request %u resubmitted by %s: %s", id, op, res.message);
		}
		x509_buf_free(&res.cert);
		goto done;
	}
	hr = 0;
	if (!d.has_subject) {
		snprintf(msg, msglen, "the request's subject is empty or not a valid name");
		hr = HR_CERTSRV_E_BAD_REQUESTSUBJECT;
		goto done;
	}
	for (size_t i = 0; i < d.n_asked && n_in < X509_MAX_EXTRA_EXT; i++) {
		int dup = 0;

		for (size_t k = 0; k < x.n; k++)
			dup |= strcmp(x.oid[k], d.asked[i].oid) == 0;
		if (!dup)
			in[n_in++] = (struct x509_ext_in){d.asked[i].oid, d.asked[i].critical,
							  d.asked[i].value.data,
							  d.asked[i].value.len, 0};
	}
	if (submit_issue(a->sub, NULL, id, &d.subject, &d.spki, in, n_in, NULL, &res) != 0) {
		snprintf(msg, msglen, "%s", res.message);
		hr = issue_result_hr(&res);
	} else {
		put_result(w, id, res.disposition, res.hresult, res.message, &res.cert);
		log_info("request %u resubmitted by %s: %s", id, op, res.message);
	}
	x509_buf_free(&res.cert);
done:
	free(tmpl);
	ext_set_free(&x);
	derived_free(&d);
	return hr;
}

uint32_t officer_deny(struct admin *a, const char *op, uint32_t id, struct ipc_wbuf *w,
		      char *msg, size_t msglen)
{
	static const char denied[] = "Denied by the certificate manager";
	struct ledger_request_row row;
	uint32_t hr;

	if ((hr = need_pending(a, id, &row, msg, msglen)) != 0)
		return hr;
	if (submit_record_disposition(a->sub, id, DISP_DENIED, HR_CERTSRV_E_ADMIN_DENIED_REQUEST,
				      denied, ACTOR_OPERATOR, op, msg, msglen) != 0)
		return HR_E_UNEXPECTED;
	put_result(w, id, DISP_DENIED, HR_CERTSRV_E_ADMIN_DENIED_REQUEST, denied, NULL);
	return 0;
}

static uint32_t revocation(struct admin *a, const char *op, uint32_t type,
			   const uint8_t *serial, size_t len, uint32_t reason, int64_t when,
			   int64_t invalidity, char *msg, size_t msglen)
{
	struct ledger_event ev;
	int refused, rc;

	record_event_init(&ev, type, ACTOR_OPERATOR, op);
	ev.u.revocation.serial.p = serial;
	ev.u.revocation.serial.len = len;
	ev.u.revocation.reason = reason;
	ev.u.revocation.revoked_at = when;
	ev.u.revocation.invalidity = invalidity;
	/* Not while a CRL is being built: its walk over the revoked set takes several
	 * reads, and a revocation recorded between two of them with a serial already
	 * passed would come before the CRL's event, so neither that base CRL nor the
	 * deltas after it (which list revocations recorded after the base) would
	 * carry it. */
	pthread_mutex_lock(&a->crl_mu);
	rc = record_append(a->sub->rec, &ev, &refused, msg, msglen);
	pthread_mutex_unlock(&a->crl_mu);
	if (rc != 0)
		return record_hr(rc, refused, HR_INVALID_STATE);
	return 0;
}

uint32_t officer_revoke(struct admin *a, const char *op, const uint8_t *serial, size_t len,
			uint32_t reason, int64_t when, int64_t invalidity, char *msg,
			size_t msglen)
{
	int64_t now = (int64_t)time(NULL);
	uint32_t hr;

	if (reason > LEDGER_REASON_MAX || reason == 7 || reason == 8) {
		snprintf(msg, msglen, "reason %u: RFC 5280 reasons are 0..10 except 7 and 8", reason);
		return HR_E_INVALIDARG;
	}
	if (when == 0)
		when = now;
	if (when > now + 300 || (invalidity != 0 && invalidity > now + 300)) {
		snprintf(msg, msglen, "revocation and invalidity dates cannot be in the future");
		return HR_E_INVALIDARG;
	}
	hr = revocation(a, op, EV_CERT_REVOKED, serial, len, reason, when, invalidity, msg, msglen);
	if (hr == 0)
		snprintf(msg, msglen, "revoked (reason %u); it appears in the next CRL", reason);
	return hr;
}

uint32_t officer_unrevoke(struct admin *a, const char *op, const uint8_t *serial, size_t len,
			  char *msg, size_t msglen)
{
	uint32_t hr = revocation(a, op, EV_CERT_UNREVOKED, serial, len, 0, 0, 0, msg, msglen);

	if (hr == 0)
		snprintf(msg, msglen, "hold released; the next delta CRL says removeFromCRL");
	return hr;
}
