/* The template policy in the custodian (tpolicy.h). */
#include "firmware/custodian/tpolicy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/cmsreq.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/icpr/hresult.h"
#include "firmware/icpr/icpr.h"
#include "firmware/identity/attrs.h"
#include "platform/utf8.h"

_Static_assert(POLICY_ATTR_MAX == IDENTITY_ATTR_MAX && POLICY_SID_MAX == IDENTITY_SID_MAX &&
		       POLICY_MAX_GROUPS == IDENTITY_MAX_GROUPS &&
		       POLICY_GROUP_MAX == IDENTITY_GROUP_MAX &&
		       POLICY_ACCOUNT_NAME_MAX == IDENTITY_NAME_MAX,
	       "an account's attributes fit the policy's account as the token carries them");

void tpolicy_account(const struct idtoken *t, const char *anonymous_name,
		     struct policy_account *a)
{
	memset(a, 0, sizeof(*a));
	if (t == NULL) {
		a->anonymous = 1;
		snprintf(a->name, sizeof(a->name), "%s", anonymous_name);
		return;
	}
	snprintf(a->name, sizeof(a->name), "%s", t->identity);
	/* What ca-auth vouched for with the logon (DATA/auth/attributes, under the
	 * token's MAC): the bounds are the same numbers (asserted below). */
	snprintf(a->upn, sizeof(a->upn), "%s", t->upn);
	snprintf(a->email, sizeof(a->email), "%s", t->email);
	snprintf(a->dns, sizeof(a->dns), "%s", t->dns);
	snprintf(a->sid, sizeof(a->sid), "%s", t->sid);
	for (size_t i = 0; i < t->n_groups && i < POLICY_MAX_GROUPS; i++)
		snprintf(a->groups[a->n_groups++], sizeof(a->groups[0]), "%s", t->groups[i]);
}

/* The CertificateTemplate attribute of the client's attribute text. The text is
 * the client's (the worker checked it only to fail fast): parsed here with the
 * same reader, whose refusal of a repeated name keeps two readers from seeing
 * two templates. */
static uint32_t attr_template(const char *attributes, struct policy_request *r, char *msg,
			      size_t msglen)
{
	struct icpr_attrs *at;
	const char *v;
	uint32_t hr = 0;

	if (attributes == NULL || attributes[0] == 0)
		return 0;
	if ((at = malloc(sizeof(*at))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	if (icpr_attrs_parse(attributes, strlen(attributes), at) != ICPR_OK) {
		snprintf(msg, msglen, "the request's attributes cannot be read");
		hr = HR_E_INVALIDARG;
	} else if ((v = icpr_attrs_get(at, ICPR_ATTR_TEMPLATE)) != NULL) {
		if (strlen(v) >= sizeof(r->attr_template)) {
			snprintf(msg, msglen, "the CertificateTemplate attribute is too long");
			hr = HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE;
		} else {
			snprintf(r->attr_template, sizeof(r->attr_template), "%s", v);
		}
	}
	free(at);
	return hr;
}

enum policy_key tpolicy_key_type(enum x509_key_type kt)
{
	switch (kt) {
	case X509_KEY_RSA:
		return POLICY_KEY_RSA;
	case X509_KEY_EC:
		return POLICY_KEY_EC;
	default:
		return 0; /* neither: the policy refuses it (no template allows it) */
	}
}

/* What the policy reads of a derived request. */
static uint32_t request_of(const struct derived *d, const char *attributes,
			   struct policy_request *r, char *msg, size_t msglen)
{
	char err[256];
	uint32_t hr;

	memset(r, 0, sizeof(*r));
	if ((hr = attr_template(attributes, r, msg, msglen)) != 0)
		return hr;
	if (d->tmpl_v2.len > 0 &&
	    policy_read_template_ext_v2(d->tmpl_v2.data, d->tmpl_v2.len, r, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "the request's certificate-template extension cannot be read: "
			 "%s", err);
		return HR_E_INVALIDARG;
	}
	if (d->tmpl_v1.len > 0 &&
	    policy_read_template_ext_v1(d->tmpl_v1.data, d->tmpl_v1.len, r, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "the request's certificate-type extension cannot be read: %s",
			 err);
		return HR_E_INVALIDARG;
	}
	r->key_type = tpolicy_key_type(d->key_type);
	r->key_bits = d->key_bits;
	r->has_subject = d->has_subject;
	r->has_san = d->san.len > 0;
	return 0;
}

/* The policy on r, with one snapshot of store. */
static uint32_t decide_on(struct tmplstore *store, const struct policy *pol,
			  const struct policy_request *rq, const struct policy_account *a,
			  struct tpolicy *tp, char *msg, size_t msglen)
{
	struct policy_settings set = {0};
	struct template *all = NULL;
	size_t n = 0;
	uint32_t hr;

	if (store != NULL && tmplstore_snapshot(store, &all, &n) != 0) {
		snprintf(msg, msglen, "out of memory");
		return tp->d.hresult = HR_E_OUTOFMEMORY;
	}
	set.no_template = pol->no_template == 2   ? POLICY_NO_TEMPLATE_REFUSE
			  : pol->no_template == 3 ? POLICY_NO_TEMPLATE_USE
						  : POLICY_NO_TEMPLATE_PEND;
	snprintf(set.default_template, sizeof(set.default_template), "%s", pol->default_template);
	hr = policy_decide(all, n, &set, a, rq, &tp->d);
	/* The decision outlives the snapshot: its template is copied. */
	if (tp->d.tmpl != NULL) {
		tp->tmpl = *tp->d.tmpl;
		tp->d.tmpl = &tp->tmpl;
	}
	free(all);
	snprintf(msg, msglen, "%s", tp->d.message);
	return hr;
}

uint32_t tpolicy_decide(struct tmplstore *store, const struct policy *pol,
			const struct derived *d, const char *attributes,
			const struct policy_account *a, struct tpolicy *tp, char *msg,
			size_t msglen)
{
	struct policy_request *r = malloc(sizeof(*r));
	uint32_t hr;

	memset(tp, 0, sizeof(*tp));
	tp->d.outcome = POLICY_REFUSE;
	if (r == NULL) {
		snprintf(msg, msglen, "out of memory");
		return tp->d.hresult = HR_E_OUTOFMEMORY;
	}
	if ((hr = request_of(d, attributes, r, msg, msglen)) == 0)
		hr = decide_on(store, pol, r, a, tp, msg, msglen);
	else
		tp->d.hresult = hr;
	free(r);
	return hr;
}

/* 1 when text (len bytes) is attribute text the call's reader takes alone:
 * UTF-8 "Name:Value" lines (MS-WCCE 3.1.1.4.3.1.3 points a CMC request's regInfo
 * at the pctbAttribs format; other forms are not ours to guess at). */
static int attribute_text(const uint8_t *text, size_t len)
{
	struct icpr_attrs *at;
	int ok;

	if (len == 0 || memchr(text, 0, len) != NULL || utf8_count(text, len) < 0 ||
	    (at = malloc(sizeof(*at))) == NULL)
		return 0;
	ok = icpr_attrs_parse((const char *)text, len, at) == ICPR_OK;
	free(at);
	return ok;
}

/* The call's attributes, then a CMC request's regInfo when it is attribute text
 * (attribute_text; regInfo in another form is left unread); the reader refuses
 * a name given twice, so the two cannot name two templates. NULL when out of
 * memory. */
static char *all_attributes(const char *attributes, const struct cms_request *r)
{
	size_t a = attributes != NULL ? strlen(attributes) : 0, g = r->reg_info.len;
	char *out = malloc(a + g + 2);

	if (out == NULL)
		return NULL;
	memcpy(out, attributes != NULL ? attributes : "", a);
	out[a] = 0;
	if (attribute_text(r->reg_info.data, g)) {
		out[a] = '\n';
		memcpy(out + a + 1, r->reg_info.data, g);
		out[a + 1 + g] = 0;
	}
	return out;
}

/* A renewal's template: the one the renewed certificate names (OID; its
 * versions are checked by the policy as a request's would be). */
static uint32_t renewal_request(const struct cmsreq *q, struct policy_request *r, char *msg,
				size_t msglen)
{
	const struct x509_buf *v = NULL;
	char err[256];

	r->attr_template[0] = 0;
	r->has_ext_v1 = 0;
	r->has_ext_v2 = 0;
	for (size_t i = 0; i < q->old.n_ext; i++)
		if (strcmp(q->old.ext[i].oid, "1.3.6.1.4.1.311.21.7") == 0)
			v = &q->old.ext[i].value;
	if (v == NULL) {
		snprintf(msg, msglen, "the certificate to renew names no certificate template");
		return HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE;
	}
	if (policy_read_template_ext_v2(v->data, v->len, r, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "the certificate to renew has a template extension that "
			 "cannot be read: %s", err);
		return HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE;
	}
	/* the certificate's own minor version: a renewal takes the template as it
	 * is now, newer minor versions included */
	r->ext_has_minor = 0;
	return 0;
}

uint32_t tpolicy_decide_cms(struct tmplstore *store, const struct policy *pol,
			    const struct derived *d, const char *attributes,
			    const struct cmsreq *q, const struct policy_account *a,
			    struct tpolicy *tp, char *msg, size_t msglen)
{
	struct policy_request *r = malloc(sizeof(*r));
	char *attrs = all_attributes(attributes, d->cms);
	uint32_t hr;

	memset(tp, 0, sizeof(*tp));
	tp->d.outcome = POLICY_REFUSE;
	if (r == NULL || attrs == NULL) {
		snprintf(msg, msglen, "out of memory");
		hr = HR_E_OUTOFMEMORY;
		goto out;
	}
	if ((hr = request_of(d, attrs, r, msg, msglen)) != 0)
		goto out;
	if (q->kind == CMSREQ_RENEWAL && (hr = renewal_request(q, r, msg, msglen)) != 0)
		goto out;
	if (q->kind == CMSREQ_ON_BEHALF) {
		r->on_behalf = 1;
		for (size_t i = 0; i < q->n_agents && i < POLICY_MAX_AGENTS; i++) {
			struct policy_agent *pa = &r->agents[r->n_agents++];

			for (size_t k = 0; k < q->agents[i].n_eku && k < POLICY_AGENT_EKUS; k++)
				snprintf(pa->eku[pa->n_eku++], sizeof(pa->eku[0]), "%s",
					 q->agents[i].eku[k]);
		}
	}
	if ((hr = decide_on(store, pol, r, a, tp, msg, msglen)) != 0) {
		/* the template named is the renewed certificate's, not the request's */
		if (q->kind == CMSREQ_RENEWAL && hr == HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE)
			snprintf(msg, msglen, "The certificate to renew was issued from the "
				 "template with OID %s, which this CA no longer has.", r->ext_oid);
		goto out;
	}
	if (q->kind == CMSREQ_RENEWAL && tp->d.tmpl != NULL) {
		if (!tp->d.tmpl->renew_without_approval) {
			snprintf(msg, msglen, "The certificate template \"%s\" does not allow "
				 "renewal with the previous certificate.", tp->d.tmpl->name);
			hr = tp->d.hresult = HR_CERTSRV_E_TEMPLATE_DENIED;
			tp->d.outcome = POLICY_REFUSE;
			goto out;
		}
		tp->d.outcome = POLICY_ISSUE;
	}
out:
	if (hr != 0)
		tp->d.hresult = hr;
	free(attrs);
	free(r);
	return hr;
}

/* One part: value (malloc()ed, taken) as extension oid. */
static void add_ext(struct tpolicy *tp, const char *oid, uint8_t *v, size_t len)
{
	size_t i = tp->n_ext++;

	tp->val[i] = v;
	tp->ext[i] = (struct x509_ext_in){oid, 0, v, len, 0};
}

static uint32_t copy_buf(struct x509_buf *dst, const struct x509_buf *src, char *msg,
			 size_t msglen)
{
	if ((dst->data = malloc(src->len ? src->len : 1)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	memcpy(dst->data, src->data, src->len);
	dst->len = src->len;
	return 0;
}

uint32_t tpolicy_parts(struct tpolicy *tp, const struct derived *d,
		       const struct policy_account *a, char *msg, size_t msglen)
{
	const struct template *t = tp->d.tmpl;
	char err[256];
	uint8_t *v;
	size_t len;

	if (t == NULL) {
		snprintf(msg, msglen, "no template decided");
		return HR_E_UNEXPECTED;
	}
	if (tp->d.subject_from_account) {
		if (policy_subject_der(t, a, &tp->subject.data, &tp->subject.len, err,
				       sizeof(err)) != 0)
			goto bad;
	} else if (copy_buf(&tp->subject, &d->subject, msg, msglen) != 0) {
		return HR_E_OUTOFMEMORY;
	}
	if (tp->d.san_from_account != 0) {
		if (policy_san_der(tp->d.san_from_account, a, &v, &len, err, sizeof(err)) != 0)
			goto bad;
		add_ext(tp, "2.5.29.17", v, len);
	} else if (tp->d.san_from_request && d->san.len > 0) {
		struct x509_buf c;

		if (copy_buf(&c, &d->san, msg, msglen) != 0)
			return HR_E_OUTOFMEMORY;
		add_ext(tp, "2.5.29.17", c.data, c.len);
	}
	if (tp->d.sid_extension) {
		if (policy_sid_der(a->sid, &v, &len, err, sizeof(err)) != 0)
			goto bad;
		add_ext(tp, "1.3.6.1.4.1.311.25.2", v, len);
	}
	if (policy_template_ext_der(t, &v, &len, err, sizeof(err)) != 0)
		goto bad;
	add_ext(tp, "1.3.6.1.4.1.311.21.7", v, len);
	return 0;
bad:
	snprintf(msg, msglen, "template %s: the certificate's names cannot be built: %s", t->name,
		 err);
	return HR_CERTSRV_E_BAD_REQUESTSUBJECT;
}

uint32_t tpolicy_parts_renewal(struct tpolicy *tp, const struct x509_cert_info *old,
			       char *msg, size_t msglen)
{
	static const char *const kept[] = {"2.5.29.17", "1.3.6.1.4.1.311.25.2"};
	char err[256];
	uint8_t *v;
	size_t len;

	if (tp->d.tmpl == NULL) {
		snprintf(msg, msglen, "no template decided");
		return HR_E_UNEXPECTED;
	}
	if (copy_buf(&tp->subject, &old->subject, msg, msglen) != 0)
		return HR_E_OUTOFMEMORY;
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < old->n_ext; i++) {
			struct x509_buf c;

			if (strcmp(old->ext[i].oid, kept[k]) != 0)
				continue;
			if (copy_buf(&c, &old->ext[i].value, msg, msglen) != 0)
				return HR_E_OUTOFMEMORY;
			add_ext(tp, kept[k], c.data, c.len);
			break;
		}
	if (policy_template_ext_der(tp->d.tmpl, &v, &len, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "template %s: its extension cannot be built: %s",
			 tp->d.tmpl->name, err);
		return HR_E_UNEXPECTED;
	}
	add_ext(tp, "1.3.6.1.4.1.311.21.7", v, len);
	return 0;
}

void tpolicy_label(const struct tpolicy *tp, char *out, size_t outlen)
{
	if (tp->d.tmpl == NULL)
		snprintf(out, outlen, "no template");
	else
		snprintf(out, outlen, "template %s %u.%u", tp->d.tmpl->name,
			 tp->d.tmpl->major_version, tp->d.tmpl->minor_version);
}

void tpolicy_free(struct tpolicy *tp)
{
	x509_buf_free(&tp->subject);
	for (size_t i = 0; i < tp->n_ext; i++)
		free(tp->val[i]);
	tp->n_ext = 0;
}
