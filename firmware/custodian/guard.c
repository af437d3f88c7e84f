/* What a request may name (guard.h). The strings come from firmware/x509's
 * walkers as characters (UTF-8 through platform/utf8, the one decoder), so one
 * rule covers every string type a requester may pick. */
#include "firmware/custodian/guard.h"

#include <stdio.h>
#include <string.h>

#include "firmware/icpr/hresult.h"
#include "platform/utf8.h"

int guard_char_refused(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

struct check {
	const char *where; /* "subject", "subjectAltName" */
	char *msg;
	size_t msglen;
};

/* x509_text_fn: a valid string without a refused character. */
static int check_text(void *arg, const struct x509_text *t)
{
	struct check *c = arg;

	if (t->bad != NULL) {
		snprintf(c->msg, c->msglen, "the request's %s: %s is %s", c->where, t->what,
			 t->bad);
		return 1;
	}
	for (size_t i = 0; i < t->n; i++)
		if (guard_char_refused(t->cp[i])) {
			snprintf(c->msg, c->msglen,
				 "the request's %s: %s holds a %s character (U+%04X), refused in "
				 "any name",
				 c->where, t->what,
				 t->cp[i] >= 0x2000 ? "bidirectional control" : "control",
				 (unsigned)t->cp[i]);
			return 1;
		}
	return 0;
}

uint32_t guard_subject(const struct policy *p, const struct x509_buf *subject, char *msg,
		       size_t msglen)
{
	struct check c = {"subject", msg, msglen};
	struct x509_name *nm = NULL, *ca = NULL;
	uint32_t hr = HR_CERTSRV_E_BAD_REQUESTSUBJECT;
	int rc;

	/* Decoded once for both questions: libtasn1's decode is most of their cost. */
	if (x509_name_open(subject->data, subject->len, &nm) != 0) {
		snprintf(msg, msglen, "the request's subject is not a valid name");
		return hr;
	}
	if ((rc = x509_name_walk(nm, check_text, &c)) != 0)
		goto out;
	if (p->ca_name == NULL) {
		hr = 0;
		goto out;
	}
	/* -1 (not compared: the CA's name does not decode, out of memory): not
	 * accepted either. */
	rc = x509_name_open(p->ca_name, p->ca_name_len, &ca) != 0 ? -1 : x509_name_same(nm, ca);
	if (rc != 0)
		snprintf(msg, msglen, "the request's subject is the CA's own name: "
			 "a certificate's subject may never be its issuer's");
	else
		hr = 0;
out:
	x509_name_free(nm);
	x509_name_free(ca);
	return hr;
}

uint32_t guard_san(const struct x509_buf *value, char *msg, size_t msglen)
{
	struct check c = {"subjectAltName", msg, msglen};
	int rc = x509_san_texts(value->data, value->len, check_text, &c);

	if (rc < 0)
		snprintf(msg, msglen, "the request's subjectAltName is not valid GeneralNames");
	return rc != 0 ? HR_CERTSRV_E_BAD_REQUESTSUBJECT : 0;
}

/* The subject's CN when it is the whole subject (one RDN, one attribute). */
struct only_cn {
	const uint32_t *cp;
	size_t n;
	uint32_t copy[256];
	int ok;
};

static int only_cn(void *arg, const struct x509_text *t)
{
	struct only_cn *o = arg;

	o->ok = t->n_rdn == 1 && t->n_in_rdn == 1 && strcmp(t->oid, "2.5.4.3") == 0 &&
		t->bad == NULL && t->n <= sizeof(o->copy) / sizeof(o->copy[0]);
	if (o->ok) {
		memcpy(o->copy, t->cp, t->n * sizeof(*t->cp));
		o->n = t->n;
	}
	return 0;
}

static uint32_t ascii_fold(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
}

/* 1 when the characters of cn are those of the UTF-8 name, ASCII letters
 * compared without case. */
static int same_name(const uint32_t *cn, size_t n, const char *name)
{
	const uint8_t *s = (const uint8_t *)name;
	size_t len = strlen(name), i = 0;

	for (size_t k = 0; k < n; k++) {
		uint32_t c;
		size_t step = utf8_next(s + i, len - i, &c);

		if (step == 0 || ascii_fold(c) != ascii_fold(cn[k]))
			return 0;
		i += step;
	}
	return i == len;
}

uint32_t guard_subject_rule(const struct policy *p, const struct x509_buf *subject,
			    const char *requester, int anonymous, char *msg, size_t msglen)
{
	struct only_cn o = {0};
	const char *user;

	if (p->subject_rule == SUBJECT_RULE_REQUEST)
		return 0;
	if (anonymous) {
		snprintf(msg, msglen, "subject_rule = account: an anonymous requester has no "
			 "account, so no subject of its choosing is issued");
		return HR_CERTSRV_E_BAD_REQUESTSUBJECT;
	}
	user = strrchr(requester, '\\');
	user = user != NULL ? user + 1 : requester;
	if (x509_name_texts(subject->data, subject->len, only_cn, &o) != 0 || !o.ok ||
	    user[0] == 0 || !same_name(o.copy, o.n, user)) {
		snprintf(msg, msglen, "subject_rule = account: the subject must be CN=%s "
			 "(the account's name) and nothing else", user);
		return HR_CERTSRV_E_BAD_REQUESTSUBJECT;
	}
	return 0;
}
