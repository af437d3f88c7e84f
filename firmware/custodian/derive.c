/* The custodian's derivation of a request (derive.h). The worker runs the same
 * shape and limit check first (icpr_request_admit) only to fail fast; the
 * signature is verified here, once per request. */
#include "firmware/custodian/derive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/guard.h"
#include "firmware/custodian/proto.h"

_Static_assert(CUST_REQUEST_MAX <= ICPR_REQUEST_MAX, "the detector reads every request");
_Static_assert(CUST_REQ_EXT_MAX >= X509_MAX_EXTRA_EXT, "a request may ask for what fits");

static derive_verify_fn verify = x509_csr_verify;

void derive_set_verifier(derive_verify_fn fn)
{
	verify = fn != NULL ? fn : x509_csr_verify;
}

/* The CA's key rule (x509_key_allowed). */
static uint32_t check_key(const struct x509_buf *spki, char *msg, size_t msglen)
{
	enum x509_key_type kt;
	unsigned bits;

	if (x509_spki_key(spki->data, spki->len, &kt, &bits) != 0 || !x509_key_allowed(kt, bits)) {
		snprintf(msg, msglen, "public key type or size not allowed (" X509_KEY_RULE ")");
		return HR_CERTSRV_E_KEY_LENGTH;
	}
	return 0;
}

/* The subject must be a readable Name; the empty one (what Windows sends for a
 * template that builds the subject) is the policy's to refuse or fill. */
static uint32_t check_subject(const struct x509_buf *subject, int *has_subject, char *msg,
			      size_t msglen)
{
	char dn[3 * CUST_SUBJECT_MAX + 1]; /* every byte escaped at worst */

	*has_subject = !(subject->len == 2 && subject->data[0] == 0x30 && subject->data[1] == 0);
	if (!*has_subject)
		return 0;
	if (x509_name_format(subject->data, subject->len, dn, sizeof(dn)) != 0 || dn[0] == 0) {
		snprintf(msg, msglen, "the request's subject is empty or not a valid name");
		return HR_CERTSRV_E_BAD_REQUESTSUBJECT;
	}
	return 0;
}

/* Every name a requested subjectAltName holds is checked (guard_san), whether
 * csr_extensions lets it through or not: a request naming a refused character is
 * refused whole. */
static uint32_t check_sans(const struct x509_req_ext *all, size_t got, char *msg,
			   size_t msglen)
{
	uint32_t hr;

	for (size_t i = 0; i < got; i++)
		if (strcmp(all[i].oid, "2.5.29.17") == 0 &&
		    (hr = guard_san(&all[i].value, msg, msglen)) != 0)
			return hr;
	return 0;
}

/* A copy of an extension's value into dst (the first of its OID). */
static int keep_value(struct x509_buf *dst, const struct x509_buf *v)
{
	if (dst->data != NULL)
		return 0; /* the first of an OID, as for the allowed ones */
	if ((dst->data = malloc(v->len ? v->len : 1)) == NULL)
		return -1;
	memcpy(dst->data, v->data, v->len);
	dst->len = v->len;
	return 0;
}

/* What the template policy reads whatever csr_extensions allows: the requested
 * subjectAltName (a template with san = request takes it; guarded above) and
 * the two certificate-template extensions (which template the request names). */
static uint32_t keep_for_templates(const struct x509_req_ext *all, size_t got,
				   struct derived *d, char *msg, size_t msglen)
{
	int rc = 0;

	for (size_t i = 0; i < got && rc == 0; i++) {
		if (strcmp(all[i].oid, "2.5.29.17") == 0)
			rc = keep_value(&d->san, &all[i].value);
		else if (strcmp(all[i].oid, "1.3.6.1.4.1.311.21.7") == 0)
			rc = keep_value(&d->tmpl_v2, &all[i].value);
		else if (strcmp(all[i].oid, "1.3.6.1.4.1.311.20.2") == 0)
			rc = keep_value(&d->tmpl_v1, &all[i].value);
	}
	if (rc != 0) {
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	return 0;
}

/* The extensions the request asks for that the policy allows, into d. */
static uint32_t allowed_extensions(const struct policy *p, struct derived *d, char *msg,
				   size_t msglen)
{
	struct x509_req_ext all[CUST_REQ_EXT_MAX];
	size_t got = 0;
	char err[256];
	uint32_t hr;

	d->n_asked = 0;
	if (p->n_allow == 0 && d->rq.shape.n_ext == 0)
		return 0; /* nothing asked, nothing allowed: nothing to read */
	if (x509_csr_requested_extensions(d->rq.der.data, d->rq.der.len, all, CUST_REQ_EXT_MAX,
					  &got, err, sizeof(err)) != 0) {
		if (p->n_allow == 0)
			return 0; /* as before the guard: unread, every one is dropped */
		snprintf(msg, msglen, "the request's extensions cannot be read: %s", err);
		return HR_E_INVALIDARG;
	}
	if ((hr = check_sans(all, got, msg, msglen)) != 0 ||
	    (hr = keep_for_templates(all, got, d, msg, msglen)) != 0) {
		x509_req_exts_free(all, got);
		return hr;
	}
	for (size_t i = 0; i < got && p->n_allow > 0; i++) {
		int keep = 0;

		for (size_t k = 0; k < p->n_allow && !keep; k++)
			keep = strcmp(all[i].oid, p->allow[k]) == 0;
		for (size_t k = 0; k < d->n_asked && keep; k++)
			keep = strcmp(d->asked[k].oid, all[i].oid) != 0; /* first of an OID only */
		if (keep && d->n_asked < X509_MAX_EXTRA_EXT) {
			d->asked[d->n_asked++] = all[i];
			all[i].value = (struct x509_buf){0};
		}
	}
	x509_req_exts_free(all, got);
	return 0;
}

void derived_free(struct derived *d)
{
	if (d->cms != NULL)
		cms_request_free(d->cms);
	free(d->cms);
	d->cms = NULL;
	if (d->ms != NULL)
		csr_ms_attrs_free(d->ms);
	free(d->ms);
	d->ms = NULL;
	icpr_request_free(&d->rq);
	x509_buf_free(&d->subject);
	x509_buf_free(&d->spki);
	x509_buf_free(&d->san);
	x509_buf_free(&d->tmpl_v2);
	x509_buf_free(&d->tmpl_v1);
	x509_req_exts_free(d->asked, d->n_asked);
	d->n_asked = 0;
}

/* After the format is known: every PKCS#10 check. */
static uint32_t derive_pkcs10(const struct policy *p, struct derived *d, char *msg,
			      size_t msglen)
{
	struct x509_buf subject = {0}, spki = {0};
	char err[256];
	uint32_t hr;

	/* The key rule first (on the key as admit located it): no signature is
	 * checked with a key the policy refuses. */
	spki.data = d->rq.der.data + d->rq.shape.spki_off;
	spki.len = d->rq.shape.spki_len;
	if ((hr = check_key(&spki, msg, msglen)) != 0)
		return hr;
	spki = (struct x509_buf){0};
	if (verify(d->rq.der.data, d->rq.der.len, &subject, &spki, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "the request's signature does not verify (%s)%s", err,
			 d->rq.was_ber ? "; a BER request verifies only when the signed part "
					 "was DER" : "");
		return HR_NTE_BAD_SIGNATURE;
	}
	d->subject = subject;
	d->spki = spki;
	if (x509_spki_key(spki.data, spki.len, &d->key_type, &d->key_bits) != 0) {
		snprintf(msg, msglen, "public key type or size not allowed (" X509_KEY_RULE ")");
		return HR_CERTSRV_E_KEY_LENGTH;
	}
	/* The guard first: its refusal names the attribute (an unpaired surrogate
	 * makes the whole name unreadable to check_subject). */
	if ((hr = guard_subject(p, &d->subject, msg, msglen)) != 0 ||
	    (hr = check_subject(&d->subject, &d->has_subject, msg, msglen)) != 0)
		return hr;
	return allowed_extensions(p, d, msg, msglen);
}

/* A CMS or CMC request: the envelope decoded (its signatures are cmsreq.c's
 * to check), then the PKCS#10 it carries admitted with the same limits as a bare
 * one, in d->rq, and its Microsoft attributes read. */
static uint32_t open_envelope(struct derived *d, char *msg, size_t msglen)
{
	static const struct icpr_limits limits = CUST_REQUEST_LIMITS;
	const char *kind = d->rq.format == ICPR_FMT_CMC ? "CMC" : "CMS";
	char err[256];
	uint32_t hr;

	if ((d->cms = calloc(1, sizeof(*d->cms))) == NULL ||
	    (d->ms = calloc(1, sizeof(*d->ms))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return HR_E_OUTOFMEMORY;
	}
	if (cms_request_decode(d->rq.der.data, d->rq.der.len, d->cms, err, sizeof(err)) != 0) {
		free(d->cms);
		d->cms = NULL;
		/* a CMS or CMC request (its content type said so) whose content
		 * is not one PKCS#10 as MS-WCCE 3.2.1.4.2.1.4 allows: ERROR_INVALID_DATA,
		 * as AD CS answers a PKIData without exactly one PKCS#10 */
		snprintf(msg, msglen, "the %s request cannot be read: %s", kind, err);
		return HR_ERROR_INVALID_DATA;
	}
	if ((d->cms->cmc != 0) != (d->rq.format == ICPR_FMT_CMC)) {
		snprintf(msg, msglen, "the %s request's content type is not what it was "
			 "detected as", kind);
		return HR_CRYPT_E_INVALID_MSG_TYPE;
	}
	icpr_request_free(&d->rq);
	memset(&d->rq, 0, sizeof(d->rq));
	if ((hr = icpr_request_admit(d->cms->csr.data, d->cms->csr.len, &limits, &d->rq, msg,
				     msglen)) != 0)
		return hr;
	if (d->rq.format != ICPR_FMT_PKCS10 || d->rq.was_text) {
		snprintf(msg, msglen, "the %s request does not carry a DER PKCS#10 request",
			 kind);
		return HR_CRYPT_E_INVALID_MSG_TYPE;
	}
	if (x509_csr_ms_attrs(d->rq.der.data, d->rq.der.len, d->ms, err, sizeof(err)) != 0) {
		free(d->ms);
		d->ms = NULL;
		snprintf(msg, msglen, "the request's attributes cannot be read: %s", err);
		return HR_E_INVALIDARG;
	}
	return 0;
}

uint32_t derive_request(const struct policy *p, const uint8_t *raw, size_t len,
			struct derived *d, char *msg, size_t msglen)
{
	static const struct icpr_limits limits = CUST_REQUEST_LIMITS;
	uint32_t hr;

	memset(d, 0, sizeof(*d));
	if ((hr = icpr_request_admit(raw, len, &limits, &d->rq, msg, msglen)) != 0)
		return hr;
	d->format = (uint32_t)d->rq.format;
	hr = d->rq.format == ICPR_FMT_PKCS10 ? 0 : open_envelope(d, msg, msglen);
	if (hr == 0)
		hr = derive_pkcs10(p, d, msg, msglen);
	if (hr != 0) {
		uint32_t format = d->format;

		derived_free(d);
		memset(d, 0, sizeof(*d));
		d->format = format;
	}
	return hr;
}
