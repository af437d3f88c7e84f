/* policy_decide: the policy algorithm (policy.h; README.md "The policy
 * algorithm"). Six steps in a fixed order, the first that refuses is the answer;
 * every message is a sentence naming the template and what is wrong, since it
 * reaches the requester (careq, certreq) and the journal. Strings that came from
 * the request are quoted with anything but printable ASCII escaped. */
#include "firmware/policy/policy.h"
#include "firmware/policy/policy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "firmware/icpr/hresult.h"
#include "firmware/x509/x509.h"
#include "platform/utf8.h"

/* An account's groups (POLICY_MAX_GROUPS, what its token carries) and a
 * template's enroll_groups (TEMPLATE_MAX_GROUPS) are two bounds of two arrays:
 * each loop below stops at its own array's. */
_Static_assert(POLICY_MAX_GROUPS >= TEMPLATE_MAX_GROUPS, "an account may be in every group a template names");
_Static_assert(POLICY_GROUP_MAX == TEMPLATE_PRINCIPAL_MAX, "a group name as a template's");

/* The bound of a CN (RFC 5280 ub-common-name; firmware/x509's Name writer
 * enforces it): a subject from the account longer than this cannot be built. */
#define CN_MAX_CHARS 64

#define QUOTE_MAX 80 /* characters of a requester's string shown in a message */

static uint32_t refuse(struct policy_decision *d, uint32_t hr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static uint32_t refuse(struct policy_decision *d, uint32_t hr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
	d->outcome = POLICY_REFUSE;
	d->hresult = hr;
	return hr;
}

/* A string the requester chose, for a message: printable ASCII as it is, any
 * other byte as \xHH, at most QUOTE_MAX bytes of it ("..." after). */
static const char *quote(const char *s, size_t cap, char out[QUOTE_MAX * 4 + 4])
{
	size_t o = 0, i;

	for (i = 0; i < cap && s[i] != 0 && i < QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < cap && s[i] != 0) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
	return out;
}

/* 1 when s is NUL-terminated within its cap bytes. */
static int terminated(const char *s, size_t cap)
{
	return memchr(s, 0, cap) != NULL;
}

/* The caller's structures hold C strings within their arrays and counts within
 * their bounds; anything else is a caller's bug, refused rather than read. */
static int inputs_ok(const struct policy_settings *st, const struct policy_account *a,
		     const struct policy_request *r)
{
	if (!terminated(st->default_template, sizeof(st->default_template)) ||
	    !terminated(a->name, sizeof(a->name)) || !terminated(a->upn, sizeof(a->upn)) ||
	    !terminated(a->email, sizeof(a->email)) || !terminated(a->dns, sizeof(a->dns)) ||
	    !terminated(a->sid, sizeof(a->sid)) || a->n_groups > POLICY_MAX_GROUPS ||
	    !terminated(r->attr_template, sizeof(r->attr_template)) ||
	    !terminated(r->ext_oid, sizeof(r->ext_oid)) ||
	    !terminated(r->ext_name, sizeof(r->ext_name)))
		return 0;
	for (size_t i = 0; i < a->n_groups; i++)
		if (!terminated(a->groups[i], sizeof(a->groups[i])))
			return 0;
	if (r->n_agents > POLICY_MAX_AGENTS || (r->n_agents > 0 && !r->on_behalf))
		return 0;
	for (size_t i = 0; i < r->n_agents; i++) {
		if (r->agents[i].n_eku > POLICY_AGENT_EKUS)
			return 0;
		for (size_t k = 0; k < r->agents[i].n_eku; k++)
			if (!terminated(r->agents[i].eku[k], sizeof(r->agents[i].eku[k])))
				return 0;
	}
	return 1;
}

/* ---- step 1: which template ---- */

static const struct template *by_name(const struct template *set, size_t n, const char *name)
{
	if (name[0] == 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncasecmp(set[i].name, name, sizeof(set[i].name)) == 0)
			return &set[i];
	return NULL;
}

static const struct template *by_oid(const struct template *set, size_t n, const char *oid)
{
	if (oid[0] == 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(set[i].oid, oid, sizeof(set[i].oid)) == 0)
			return &set[i];
	return NULL;
}

/* One way the request names a template (the attribute, the v2 extension, the
 * v1 extension), for the conflict message. */
struct named {
	const struct template *t;
	const char *how;
};

/* Resolves what the request names, in the contract's order; 0 with *chosen
 * (NULL when nothing is named), or the refusal. */
static uint32_t which_named(const struct template *set, size_t n,
			    const struct policy_request *r, struct policy_decision *d,
			    const struct template **chosen)
{
	struct named seen[3];
	size_t k = 0;
	char q[QUOTE_MAX * 4 + 4];

	if (r->attr_template[0] != 0) {
		/* AD CS takes a name or an OID here; a name first (a template's name
		 * may be all digits and dots) */
		const struct template *t = by_name(set, n, r->attr_template);

		if (t == NULL)
			t = by_oid(set, n, r->attr_template);
		if (t == NULL)
			return refuse(d, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE,
				      "The request asks for the certificate template \"%s\", "
				      "which this CA does not have.",
				      quote(r->attr_template, sizeof(r->attr_template), q));
		seen[k++] = (struct named){ t, "its CertificateTemplate attribute" };
	}
	if (r->has_ext_v2) {
		const struct template *t = by_oid(set, n, r->ext_oid);

		if (t == NULL)
			return refuse(d, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE,
				      "The request's certificate template extension names the "
				      "template with OID %s, which this CA does not have.",
				      quote(r->ext_oid, sizeof(r->ext_oid), q));
		seen[k++] = (struct named){ t, "its certificate template extension" };
	}
	if (r->has_ext_v1) {
		const struct template *t = by_name(set, n, r->ext_name);

		if (t == NULL)
			return refuse(d, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE,
				      "The request's certificate type extension names the "
				      "template \"%s\", which this CA does not have.",
				      quote(r->ext_name, sizeof(r->ext_name), q));
		seen[k++] = (struct named){ t, "its certificate type extension" };
	}
	for (size_t i = 1; i < k; i++)
		if (seen[i].t != seen[0].t)
			return refuse(d, HR_CERTSRV_E_TEMPLATE_CONFLICT,
				      "The request names two certificate templates: \"%s\" by %s "
				      "and \"%s\" by %s.",
				      seen[0].t->name, seen[0].how, seen[i].t->name, seen[i].how);
	*chosen = k > 0 ? seen[0].t : NULL;
	return 0;
}

/* Nothing named: the CA's setting. 0 with *chosen (NULL: the standalone
 * policy pends), or the refusal. */
static uint32_t which_unnamed(const struct template *set, size_t n,
			      const struct policy_settings *st, struct policy_decision *d,
			      const struct template **chosen)
{
	char q[QUOTE_MAX * 4 + 4];

	*chosen = NULL;
	switch (st->no_template) {
	case POLICY_NO_TEMPLATE_REFUSE:
		return refuse(d, HR_CERTSRV_E_NO_CERT_TYPE,
			      "The request names no certificate template, and this CA issues "
			      "only from a template.");
	case POLICY_NO_TEMPLATE_PEND:
		return 0;
	case POLICY_NO_TEMPLATE_USE:
		*chosen = by_name(set, n, st->default_template);
		if (*chosen == NULL)
			return refuse(d, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE,
				      "The request names no certificate template, and the CA's "
				      "default template \"%s\" is not one it has.",
				      quote(st->default_template, sizeof(st->default_template), q));
		return 0;
	}
	return refuse(d, HR_E_INVALIDARG, "The CA's setting for requests that name no "
					  "template is not refuse, pend or a template.");
}

/* ---- step 2: the version the requester read ---- */

static uint32_t check_version(const struct template *t, const struct policy_request *r,
			      struct policy_decision *d)
{
	if (!r->has_ext_v2)
		return 0;
	if (r->ext_major != t->major_version ||
	    (r->ext_has_minor && r->ext_minor > t->minor_version))
		return refuse(d, HR_CERTSRV_E_BAD_TEMPLATE_VERSION,
			      "The request was made for version %u.%u of the certificate "
			      "template \"%s\", and this CA holds version %u.%u: read the "
			      "template again and make a new request.",
			      r->ext_major, r->ext_has_minor ? r->ext_minor : 0, t->name,
			      t->major_version, t->minor_version);
	return 0;
}

/* ---- step 3: who may enroll ---- */

static int in_groups(const struct template *t, const char *g)
{
	for (size_t i = 0; i < t->n_groups && i < TEMPLATE_MAX_GROUPS; i++)
		if (strncasecmp(t->groups[i], g, sizeof(t->groups[i])) == 0)
			return 1;
	return 0;
}

/* ca-auth's mark of a Kerberos principal without an account (policy.h). */
static int unknown_principal(const struct policy_account *a)
{
	for (size_t i = 0; i < a->n_groups && i < POLICY_MAX_GROUPS; i++)
		if (strcasecmp(a->groups[i], POLICY_GROUP_UNKNOWN_PRINCIPALS) == 0)
			return 1;
	return 0;
}

static uint32_t check_enroll(const struct template *t, const struct policy_account *a,
			     struct policy_decision *d)
{
	if (a->anonymous)
		return refuse(d, HR_CERTSRV_E_TEMPLATE_DENIED,
			      "An anonymous requester may not enroll for the certificate template "
			      "\"%s\": log on with an account first.",
			      t->name);
	for (size_t i = 0; i < t->n_accounts && i < TEMPLATE_MAX_ACCOUNTS; i++)
		if (strncasecmp(t->accounts[i], a->name, sizeof(t->accounts[i])) == 0)
			return 0;
	/* A realm's principal without an account here is not one of this CA's
	 * Authenticated Users: only a template naming its group takes it. */
	if (!unknown_principal(a) && in_groups(t, POLICY_GROUP_AUTHENTICATED))
		return 0;
	for (size_t i = 0; i < a->n_groups && i < POLICY_MAX_GROUPS; i++)
		if (in_groups(t, a->groups[i]))
			return 0;
	if (unknown_principal(a))
		return refuse(d, HR_CERTSRV_E_TEMPLATE_DENIED,
			      "The Kerberos principal %.120s has no account on this CA: the "
			      "certificate template \"%s\" does not name the group \"%s\".",
			      a->name, t->name, POLICY_GROUP_UNKNOWN_PRINCIPALS);
	return refuse(d, HR_CERTSRV_E_TEMPLATE_DENIED,
		      "The account %.120s may not enroll for the certificate template \"%s\": "
		      "neither it nor any of its groups is allowed to.",
		      a->name, t->name);
}

/* ---- step 4: the key ---- */

static uint32_t check_key(const struct template *t, const struct policy_request *r,
			  struct policy_decision *d)
{
	const char *alg, *other;
	unsigned min;

	if (r->key_type == POLICY_KEY_RSA) {
		alg = "RSA";
		other = "EC";
		min = (t->key_algorithms & TEMPLATE_KEY_RSA) ? t->rsa_min_bits : 0;
	} else if (r->key_type == POLICY_KEY_EC) {
		alg = "EC";
		other = "RSA";
		min = (t->key_algorithms & TEMPLATE_KEY_EC) ? t->ec_min_bits : 0;
	} else {
		return refuse(d, HR_CERTSRV_E_KEY_LENGTH,
			      "The request's key is neither RSA nor EC, the only keys the "
			      "certificate template \"%s\" can take.",
			      t->name);
	}
	if (min == 0)
		return refuse(d, HR_CERTSRV_E_KEY_LENGTH,
			      "The certificate template \"%s\" takes %s keys only, and the "
			      "request's key is %s.",
			      t->name, other, alg);
	if (r->key_bits < min)
		return refuse(d, HR_CERTSRV_E_KEY_LENGTH,
			      "The certificate template \"%s\" takes %s keys of %u bits or more, "
			      "and the request's key has %u.",
			      t->name, alg, min, r->key_bits);
	return 0;
}

/* ---- step 5: names ---- */

/* The user part of DOMAIN\user (all of it without a backslash). */
static const char *user_part(const char *name)
{
	const char *bs = strrchr(name, '\\');

	return bs != NULL ? bs + 1 : name;
}

/* A CN value the Name writer will take: 1..CN_MAX_CHARS characters of UTF-8. */
static int cn_ok(const char *s)
{
	long n = utf8_count((const uint8_t *)s, strlen(s));

	return n >= 1 && n <= CN_MAX_CHARS;
}

/* A template's subject from the account is the DNS name when its SAN takes the
 * DNS name (a machine), else the user part of the account's name
 * (policy_subject_der builds the same). */
static uint32_t check_subject_from_account(const struct template *t,
					   const struct policy_account *a,
					   struct policy_decision *d)
{
	if (t->san == TEMPLATE_SAN_ACCOUNT && (t->san_account & TEMPLATE_SAN_DNS)) {
		if (a->dns[0] == 0)
			return refuse(d, HR_CERTSRV_E_SUBJECT_DNS_REQUIRED,
				      "The certificate template \"%s\" names the certificate by "
				      "the account's DNS name, and the account %.120s has none.",
				      t->name, a->name);
		if (!cn_ok(a->dns))
			return refuse(d, HR_CERTSRV_E_BAD_REQUESTSUBJECT,
				      "The certificate template \"%s\" names the certificate by "
				      "the account's DNS name, and that of %.120s is longer than "
				      "a common name may be (%d characters).",
				      t->name, a->name, CN_MAX_CHARS);
		return 0;
	}
	if (!cn_ok(user_part(a->name)))
		return refuse(d, HR_CERTSRV_E_BAD_REQUESTSUBJECT,
			      "The certificate template \"%s\" names the certificate by the "
			      "account's name, and %.120s is no name of 1 to %d characters "
			      "after its domain.",
			      t->name, a->name, CN_MAX_CHARS);
	return 0;
}

static uint32_t check_san_from_account(const struct template *t,
				       const struct policy_account *a,
				       struct policy_decision *d)
{
	static const struct {
		unsigned bit;
		size_t off;
		uint32_t hr;
		const char *what;
	} attrs[] = {
		{ TEMPLATE_SAN_UPN, offsetof(struct policy_account, upn),
		  HR_CERTSRV_E_SUBJECT_UPN_REQUIRED, "user principal name (UPN)" },
		{ TEMPLATE_SAN_EMAIL, offsetof(struct policy_account, email),
		  HR_CERTSRV_E_SUBJECT_EMAIL_REQUIRED, "e-mail address" },
		{ TEMPLATE_SAN_DNS, offsetof(struct policy_account, dns),
		  HR_CERTSRV_E_SUBJECT_DNS_REQUIRED, "DNS name" },
	};

	if (t->san != TEMPLATE_SAN_ACCOUNT)
		return 0;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		const char *v = (const char *)a + attrs[i].off;

		if (!(t->san_account & attrs[i].bit))
			continue;
		if (v[0] == 0)
			return refuse(d, attrs[i].hr,
				      "The certificate template \"%s\" puts the account's %s in "
				      "the certificate, and the account %.120s has none.",
				      t->name, attrs[i].what, a->name);
		/* what policy_san_der will encode, or the decision could not be
		 * carried out (the attribute sizes: POLICY_ATTR_MAX + 1 each) */
		if (policy_attr_len(v, POLICY_ATTR_MAX + 1, attrs[i].bit != TEMPLATE_SAN_UPN,
				    attrs[i].what, NULL, 0) == 0)
			return refuse(d, attrs[i].hr,
				      "The certificate template \"%s\" puts the account's %s in "
				      "the certificate, and that of %.120s holds a character a "
				      "certificate may not carry.",
				      t->name, attrs[i].what, a->name);
	}
	d->san_from_account = t->san_account;
	return 0;
}

/* 1 when one of the agent's EKUs is oid. */
static int agent_holds(const struct policy_agent *a, const char *oid)
{
	for (size_t i = 0; i < a->n_eku; i++)
		if (strcmp(a->eku[i], oid) == 0)
			return 1;
	return 0;
}

/* Enrollment-agent signatures (MS-WCCE 3.2.1.4.2.1.4.3, msPKI-RA-Signature and
 * msPKI-RA-Application-Policies). A request of the caller's own needs none
 * unless the template asks for them; a request on behalf of another account
 * needs a template that accepts agents and at least one agent whatever
 * agent_signatures says (an unsigned "on behalf" would let anyone name anyone). */
static uint32_t check_agents(const struct template *t, const struct policy_request *r,
			     struct policy_decision *d)
{
	const char *policy = t->agent_policy[0] != 0 ? t->agent_policy : POLICY_EKU_REQUEST_AGENT;
	unsigned need = t->agent_signatures, good = 0;

	if (!r->on_behalf) {
		if (need == 0)
			return 0;
		return refuse(d, HR_CERTSRV_E_SIGNATURE_COUNT,
			      "The certificate template \"%s\" needs %u enrollment-agent "
			      "signature(s), and the request has none.",
			      t->name, need);
	}
	if (!t->on_behalf)
		return refuse(d, HR_CERTSRV_E_TEMPLATE_DENIED,
			      "The certificate template \"%s\" does not accept requests on "
			      "behalf of another account.",
			      t->name);
	if (need == 0)
		need = 1;
	for (size_t i = 0; i < r->n_agents; i++)
		good += agent_holds(&r->agents[i], policy) ? 1u : 0u;
	if (good >= need)
		return 0;
	if (good < r->n_agents)
		return refuse(d, HR_CERTSRV_E_SIGNATURE_POLICY_REQUIRED,
			      "The certificate template \"%s\" needs enrollment agents whose "
			      "certificates hold the application policy %s; a signer's does "
			      "not.",
			      t->name, policy);
	return refuse(d, HR_CERTSRV_E_SIGNATURE_COUNT,
		      "The certificate template \"%s\" needs %u enrollment-agent "
		      "signature(s), and the request has %u.",
		      t->name, need, good);
}

static uint32_t check_names(const struct template *t, const struct policy_account *a,
			    const struct policy_request *r, struct policy_decision *d)
{
	uint32_t hr;

	if (t->subject == TEMPLATE_SUBJECT_ACCOUNT) {
		if ((hr = check_subject_from_account(t, a, d)) != 0)
			return hr;
		d->subject_from_account = 1;
	} else if (!r->has_subject) {
		return refuse(d, HR_CERTSRV_E_BAD_REQUESTSUBJECT,
			      "The certificate template \"%s\" takes the subject from the "
			      "request, and the request's subject is empty.",
			      t->name);
	}
	if ((hr = check_san_from_account(t, a, d)) != 0)
		return hr;
	/* The request's SAN: kept only where the template takes it (with a subject
	 * from the account, only where it says so: ESC6); elsewhere dropped without
	 * a word, as AD CS does, the certificate's names coming from the account. */
	if (t->san == TEMPLATE_SAN_REQUEST &&
	    (t->subject == TEMPLATE_SUBJECT_REQUEST || t->allow_request_san)) {
		if (!r->has_san)
			return refuse(d, HR_CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED,
				      "The certificate template \"%s\" takes the subject "
				      "alternative name from the request, and the request has "
				      "none.",
				      t->name);
		d->san_from_request = 1;
	}
	/* Where the account has a SID, the certificate carries it (ESC9, ESC10):
	 * one that cannot be encoded refuses the request rather than leave it out. */
	if ((d->subject_from_account || d->san_from_account != 0) && a->sid[0] != 0) {
		if (!policy_sid_shape_ok(a->sid, strlen(a->sid)))
			return refuse(d, HR_E_INVALIDARG,
				      "The account %.120s has a SID that is not a SID's text, and "
				      "the certificate template \"%s\" puts the SID in the "
				      "certificate.",
				      a->name, t->name);
		d->sid_extension = 1;
	}
	return 0;
}

unsigned policy_key_usage(const struct template *t, enum policy_key key)
{
	/* an EC key neither enciphers keys nor data (RFC 5480 3) */
	if (key == POLICY_KEY_EC)
		return t->key_usage &
		       ~(unsigned)(X509_KU_KEY_ENCIPHERMENT | X509_KU_DATA_ENCIPHERMENT);
	return t->key_usage;
}

uint32_t policy_decide(const struct template *set, size_t n_set,
		       const struct policy_settings *settings, const struct policy_account *acct,
		       const struct policy_request *req, struct policy_decision *d)
{
	const struct template *t = NULL;
	uint32_t hr;

	if (d == NULL)
		return HR_E_INVALIDARG;
	memset(d, 0, sizeof(*d));
	if ((set == NULL && n_set != 0) || settings == NULL || acct == NULL || req == NULL ||
	    !inputs_ok(settings, acct, req))
		return refuse(d, HR_E_INVALIDARG, "The policy was given a malformed account, "
						  "request or setting.");
	/* 1 */
	if ((hr = which_named(set, n_set, req, d, &t)) != 0)
		return hr;
	if (t == NULL) {
		if ((hr = which_unnamed(set, n_set, settings, d, &t)) != 0)
			return hr;
		if (t == NULL && req->on_behalf)
			return refuse(d, HR_CERTSRV_E_TEMPLATE_DENIED,
				      "A request on behalf of another account must name a "
				      "certificate template that accepts it.");
		if (t == NULL) {
			d->outcome = POLICY_STANDALONE;
			snprintf(d->message, sizeof(d->message),
				 "The request names no certificate template: it waits for an "
				 "officer (the standalone policy).");
			return 0;
		}
	}
	d->tmpl = t;
	/* 2 to 5 */
	if ((hr = check_version(t, req, d)) != 0 || (hr = check_enroll(t, acct, d)) != 0 ||
	    (hr = check_agents(t, req, d)) != 0 || (hr = check_key(t, req, d)) != 0 ||
	    (hr = check_names(t, acct, req, d)) != 0) {
		d->subject_from_account = 0;
		d->san_from_account = 0;
		d->san_from_request = 0;
		d->sid_extension = 0;
		return hr;
	}
	d->key_usage = policy_key_usage(t, req->key_type);
	/* 6 */
	if (t->pend_all) {
		d->outcome = POLICY_PEND;
		snprintf(d->message, sizeof(d->message),
			 "The certificate template \"%s\" has every request approved by an "
			 "officer: the request waits for one.",
			 t->name);
	} else {
		d->outcome = POLICY_ISSUE;
		snprintf(d->message, sizeof(d->message),
			 "Issued from the certificate template \"%s\".", t->name);
	}
	return 0;
}
