/* The custodian's checks of CMS and CMC requests (cmsreq.h). */
#include "firmware/custodian/cmsreq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "firmware/custodian/submit.h"
#include "firmware/ledger/row.h"


void cmsreq_free(struct cmsreq *q)
{
	if (q->have_old)
		x509_cert_info_free(&q->old);
	q->have_old = 0;
}

/* ---- the name a request is for ---- */

static int take_name(const struct cms_namevalue *nv, size_t n, char *out, size_t outlen,
		     int *found, char *msg, size_t msglen)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(nv[i].name, "RequesterName") != 0)
			continue;
		if (*found && strcmp(out, nv[i].value) != 0) {
			snprintf(msg, msglen, "the request names two accounts (RequesterName)");
			return -1;
		}
		snprintf(out, outlen, "%s", nv[i].value);
		*found = 1;
	}
	return 0;
}

int cmsreq_requester_name(const struct cms_request *r, char *out, size_t outlen, char *msg,
			  size_t msglen)
{
	int found = 0;

	out[0] = 0;
	for (size_t i = 0; i < r->n_signers; i++)
		if (take_name(r->signers[i].nv, r->signers[i].n_nv, out, outlen, &found, msg,
			      msglen) != 0)
			return -1;
	if (take_name(r->nv, r->n_nv, out, outlen, &found, msg, msglen) != 0)
		return -1;
	if (found && out[0] == 0) {
		snprintf(msg, msglen, "the request names an empty account (RequesterName)");
		return -1;
	}
	return found;
}

/* ---- a certificate of this CA ---- */

/* cert (decoded) is one this CA issued and the ledger holds, unrevoked, within
 * its validity now: 0, or the HRESULT with msg naming what (the certificate's
 * role, e.g. "the certificate renewed"). row: its request's row. */
static uint32_t ours(struct submit_ctx *c, const struct x509_cert_info *cert, const char *what,
		     struct ledger_request_row *row, char *msg, size_t msglen)
{
	struct ledger_cert_row cr;
	uint8_t *held = NULL;
	size_t held_len = 0;
	char err[256];
	time_t now = time(NULL);
	int rc;

	if (!c->ca->have_cert ||
	    x509_name_match(cert->issuer.data, cert->issuer.len, c->ca->cert.subject.data,
			    c->ca->cert.subject.len) != 1 ||
	    x509_verify_signature(cert, c->ca->spki.data, c->ca->spki.len, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "%s was not issued by this CA", what);
		return HR_CERT_E_UNTRUSTEDROOT;
	}
	rc = record_cert_by_serial(c->rec, cert->serial.data, cert->serial.len, &cr, err,
				   sizeof(err));
	if (rc == 0)
		rc = record_get_cert(c->rec, cr.seq_issued, &held, &held_len, err, sizeof(err));
	if (rc == 0 && (held_len != cert->der.len || memcmp(held, cert->der.data, held_len) != 0))
		rc = 1; /* the CA's key signed other bytes under this serial: not ours */
	free(held);
	if (rc == 0)
		rc = record_get_request(c->rec, cr.request_id, row, err, sizeof(err));
	if (rc < 0) {
		snprintf(msg, msglen, "the ledger cannot say whether %s is this CA's: %s", what,
			 err);
		return HR_E_UNEXPECTED;
	}
	if (rc > 0) {
		snprintf(msg, msglen, "%s is not one this CA issued (not in its ledger)", what);
		return HR_CERT_E_UNTRUSTEDROOT;
	}
	if (row->revoked) {
		snprintf(msg, msglen, "%s is revoked", what);
		return HR_CRYPT_E_REVOKED;
	}
	if (now < cert->not_before || now > cert->not_after) {
		snprintf(msg, msglen, "%s is not within its validity", what);
		return HR_CERT_E_EXPIRED;
	}
	return 0;
}

/* Whom the certificate of request row was issued to: the requester, or the
 * account an agent asked for, which the request's link says (cmsreq records it
 * right after the request, in the same commit). */
int cmsreq_owner(struct submit_ctx *c, const struct ledger_request_row *row, char *out,
		 size_t outlen, char *err, size_t errlen)
{
	struct ledger_event ev;
	uint8_t *rec = NULL;
	size_t len = 0;
	char *strbuf = malloc(LEDGER_STRBUF);
	int rc;

	snprintf(out, outlen, "%s", row->requester);
	if (strbuf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = record_get_record(c->rec, row->seq_received + 1, &rec, &len, err, errlen);
	if (rc == 0 && ledger_record_decode(rec, len, &ev, strbuf, LEDGER_STRBUF, err, errlen) != 0)
		rc = -1;
	if (rc == 0 && ev.type == EV_REQUEST_LINK && ev.u.link.kind == LEDGER_LINK_ON_BEHALF &&
	    ev.u.link.request_id == row->request_id)
		snprintf(out, outlen, "%s", ev.u.link.account);
	free(rec);
	free(strbuf);
	return rc < 0 ? -1 : 0;
}

/* ---- signatures ---- */

/* Signer i's key: its carried certificate's (decoded into *cert, *has_cert 1),
 * or the request's own key when the signer names it by key identifier. 0, or
 * NTE_BAD_SIGNATURE with msg. */
static uint32_t signer_key(const struct derived *d, size_t i, struct x509_cert_info *cert,
			   int *has_cert, const uint8_t **spki, size_t *spki_len, char *msg,
			   size_t msglen)
{
	const struct cms_signer *s = &d->cms->signers[i];
	int k = cms_signer_cert(d->cms, i);
	uint8_t kid[20];
	char err[256];

	*has_cert = 0;
	if (k >= 0) {
		if (x509_cert_decode(d->cms->certs[k].data, d->cms->certs[k].len, cert, err,
				     sizeof(err)) != 0) {
			snprintf(msg, msglen, "signer %zu's certificate cannot be read: %s", i + 1,
				 err);
			return HR_NTE_BAD_SIGNATURE;
		}
		*has_cert = 1;
		*spki = cert->spki.data;
		*spki_len = cert->spki.len;
		return 0;
	}
	if (s->key_id.len == sizeof(kid) &&
	    x509_key_id(d->spki.data, d->spki.len, kid) == 0 &&
	    memcmp(kid, s->key_id.data, sizeof(kid)) == 0) {
		*spki = d->spki.data;
		*spki_len = d->spki.len;
		return 0;
	}
	snprintf(msg, msglen, "signer %zu's certificate is not in the request", i + 1);
	return HR_NTE_BAD_SIGNATURE;
}

static uint32_t verify_signer(const struct derived *d, size_t i, const uint8_t *spki,
			      size_t spki_len, char *msg, size_t msglen)
{
	char err[256];

	if (cms_signer_verify(d->cms, i, spki, spki_len, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "signer %zu's signature does not verify: %s", i + 1, err);
		return HR_NTE_BAD_SIGNATURE;
	}
	return 0;
}

/* The EKUs of an agent's certificate (none when it has no EKU extension: such a
 * certificate holds no application policy for the template to count). */
static void agent_of(const struct x509_cert_info *cert, struct cmsreq_agent *a)
{
	struct x509_buf v = {0};
	char err[128];

	memset(a, 0, sizeof(*a));
	a->serial_len = cert->serial.len <= sizeof(a->serial) ? cert->serial.len : 0;
	memcpy(a->serial, cert->serial.data, a->serial_len);
	for (size_t e = 0; e < cert->n_ext; e++)
		if (strcmp(cert->ext[e].oid, "2.5.29.37") == 0)
			v = cert->ext[e].value;
	if (v.data == NULL || x509_eku_decode(&v, a->eku, X509_MAX_EKU, &a->n_eku, err,
					      sizeof(err)) != 0)
		a->n_eku = 0;
}

/* 1 when the agent of cert is counted already: one agent signing twice is one
 * signature of the template's count (msPKI-RA-Signature counts signers). */
static int counted(const struct cmsreq *q, const struct x509_cert_info *cert)
{
	for (size_t i = 0; i < q->n_agents; i++)
		if (q->agents[i].serial_len == cert->serial.len &&
		    memcmp(q->agents[i].serial, cert->serial.data, cert->serial.len) == 0)
			return 1;
	return 0;
}

int cmsreq_has_agent(const struct cmsreq *q)
{
	for (size_t i = 0; i < q->n_agents; i++)
		for (size_t k = 0; k < q->agents[i].n_eku; k++)
			if (strcmp(q->agents[i].eku[k], "1.3.6.1.4.1.311.20.2.1") == 0)
				return 1;
	return 0;
}

/* ---- the three kinds ---- */

/* Every signer verifies (a new request, or what a renewal or an agent request
 * carries beside the signatures it rests on); agents (on behalf) are also held
 * to ours() and collected. */
/* RFC 5272 3.3.3.1 / MS-WCCE 3.1.1.4.3.1.3: a CMC request's signer may be the
 * "No-Signature" mechanism (id-alg-noSignature) naming the request's own key,
 * whose proof of possession is the PKCS#10's own signature (derive.c verified
 * it). Such a signer proves nothing else and is passed over; any other
 * noSignature signer fails as a signature that does not verify. */
#define OID_NO_SIGNATURE "1.3.6.1.5.5.7.6.2"
static int no_signature_of_request_key(const struct derived *d, size_t i)
{
	const struct cms_signer *s = &d->cms->signers[i];
	uint8_t kid[20];

	return d->cms->cmc && strcmp(s->sig_oid, OID_NO_SIGNATURE) == 0 &&
	       s->key_id.len == sizeof(kid) &&
	       x509_key_id(d->spki.data, d->spki.len, kid) == 0 &&
	       memcmp(kid, s->key_id.data, sizeof(kid)) == 0;
}

static uint32_t each_signer(struct submit_ctx *c, const struct derived *d, struct cmsreq *q,
			    char *msg, size_t msglen)
{
	uint32_t hr = 0;

	for (size_t i = 0; i < d->cms->n_signers && hr == 0; i++) {
		struct x509_cert_info cert;
		struct ledger_request_row row;
		const uint8_t *spki = NULL;
		size_t spki_len = 0;
		int has_cert;
		char what[64];

		if (no_signature_of_request_key(d, i))
			continue;
		if ((hr = signer_key(d, i, &cert, &has_cert, &spki, &spki_len, msg, msglen)) != 0)
			break;
		if (q->kind == CMSREQ_ON_BEHALF && has_cert) {
			snprintf(what, sizeof(what), "enrollment agent %zu's certificate", i + 1);
			hr = ours(c, &cert, what, &row, msg, msglen);
		}
		if (hr == 0)
			hr = verify_signer(d, i, spki, spki_len, msg, msglen);
		if (hr == 0 && q->kind == CMSREQ_ON_BEHALF && has_cert &&
		    q->n_agents < CMS_SIGNERS_MAX && !counted(q, &cert))
			agent_of(&cert, &q->agents[q->n_agents++]);
		if (has_cert)
			x509_cert_info_free(&cert);
	}
	return hr;
}

/* A renewal (MS-WCCE 3.2.1.4.2.1.4.2.1): the named certificate carried and
 * signing, ours, its signature good, the caller its owner. */
static uint32_t renewal(struct submit_ctx *c, const struct derived *d, const char *requester,
			struct cmsreq *q, char *msg, size_t msglen)
{
	const struct x509_buf *named = &d->ms->renewal_cert;
	struct ledger_request_row row;
	int signer = -1;
	char err[256];
	uint32_t hr;

	if (x509_cert_decode(named->data, named->len, &q->old, err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "the renewal certificate attribute is not a certificate: %s",
			 err);
		return HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE;
	}
	q->have_old = 1;
	for (size_t i = 0; i < d->cms->n_signers && signer < 0; i++) {
		int k = cms_signer_cert(d->cms, i);

		if (k >= 0 && d->cms->certs[k].len == named->len &&
		    memcmp(d->cms->certs[k].data, named->data, named->len) == 0)
			signer = (int)i;
	}
	if (signer < 0) {
		snprintf(msg, msglen, "the certificate to renew is not among the request's "
			 "signers' certificates");
		return HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE;
	}
	if ((hr = ours(c, &q->old, "the certificate to renew", &row, msg, msglen)) != 0)
		return hr;
	if ((hr = each_signer(c, d, q, msg, msglen)) != 0)
		return hr;
	if (cmsreq_owner(c, &row, q->owner, sizeof(q->owner), err, sizeof(err)) != 0) {
		snprintf(msg, msglen, "the ledger cannot say whose the certificate is: %s", err);
		return HR_E_UNEXPECTED;
	}
	if (strcasecmp(q->owner, requester) != 0) {
		snprintf(msg, msglen, "the certificate to renew was issued to %.200s, not to the "
			 "caller", q->owner);
		return HR_CERTSRV_E_BAD_RENEWAL_SUBJECT;
	}
	return 0;
}

static uint32_t classify_and_check(struct submit_ctx *c, const struct derived *d,
				   const char *requester, struct cmsreq *q, char *msg,
				   size_t msglen)
{
	int named;

	memset(q, 0, sizeof(*q));
	if (d->cms == NULL || d->ms == NULL) {
		snprintf(msg, msglen, "not a CMS or CMC request");
		return HR_E_INVALIDARG;
	}
	if (c->rec == NULL) {
		snprintf(msg, msglen, "CMS and CMC requests need the ledger");
		return HR_CRYPT_E_INVALID_MSG_TYPE;
	}
	if ((named = cmsreq_requester_name(d->cms, q->account, sizeof(q->account), msg,
					   msglen)) < 0)
		return HR_E_INVALIDARG;
	if (d->ms->renewal_cert.len > 0) {
		if (named) {
			snprintf(msg, msglen, "a renewal on behalf of another account "
				 "(CR_IN_ROBO) is not supported");
			return HR_E_INVALIDARG;
		}
		q->kind = CMSREQ_RENEWAL;
		return renewal(c, d, requester, q, msg, msglen);
	}
	q->kind = named ? CMSREQ_ON_BEHALF : CMSREQ_NEW;
	return each_signer(c, d, q, msg, msglen);
}

uint32_t cmsreq_check(struct submit_ctx *c, const struct derived *d, const char *requester,
		      struct cmsreq *q, char *msg, size_t msglen)
{
	uint32_t hr = classify_and_check(c, d, requester, q, msg, msglen);

	/* the signers were verified on this service thread (not the verifier
	 * pool's, which is for the PKCS#10s every request has) */
	x509_verify_thread_done();
	return hr;
}
