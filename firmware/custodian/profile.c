/* Certificate profiles: what the CA puts in each kind of certificate. */
#include "firmware/custodian/issue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "firmware/custodian/proto.h"
#include "firmware/policy/template.h"

#define OID_EKU_CLIENT_AUTH "1.3.6.1.5.5.7.3.2"
#define OID_EKU_SERVER_AUTH "1.3.6.1.5.5.7.3.1"
#define OID_EKU_CA_EXCHANGE "1.3.6.1.4.1.311.21.5"

static int buf_copy(struct x509_buf *dst, const struct x509_buf *src)
{
	dst->data = malloc(src->len ? src->len : 1);
	if (dst->data == NULL)
		return -1;
	memcpy(dst->data, src->data, src->len);
	dst->len = src->len;
	return 0;
}

void profile_free(struct x509_tbs *t)
{
	x509_buf_free(&t->issuer);
	x509_buf_free(&t->subject);
	x509_buf_free(&t->spki);
}

/* Serial: 16 bytes from the HSM's RNG, made positive (x509_serial_from_random).
 * Uniqueness across the CA's life is checked by the ledger. */
static int new_serial(struct ca *ca, struct x509_tbs *t, char *err, size_t errlen)
{
	struct hsm_err herr;

	int rc = hsm_random(ca->hsm, t->serial, X509_SERIAL_LEN, &herr);

	if (rc != HSM_OK) {
		ca_hsm_error(rc, &herr, "no random serial from the HSM", err, errlen);
		return CA_EHSM; /* the HSM failed, not the request */
	}
	x509_serial_from_random(t->serial);
	t->serial_len = X509_SERIAL_LEN;
	return 0;
}

static void set_validity(struct x509_tbs *t, unsigned days)
{
	time_t now = time(NULL);

	t->not_before = now - ISSUE_CLOCK_SKEW;
	t->not_after = now + (time_t)days * 86400;
}

/* Common part of every profile: serial, algorithm, names, key, validity. */
static int profile_base(struct ca *ca, const struct x509_buf *issuer,
			const struct x509_buf *subject, const struct x509_buf *spki, unsigned days,
			struct x509_tbs *t, char *err, size_t errlen)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->path_len = -1;
	t->sigalg = ca->sigalg;
	set_validity(t, days);
	if (buf_copy(&t->issuer, issuer) != 0 || buf_copy(&t->subject, subject) != 0 ||
	    buf_copy(&t->spki, spki) != 0) {
		profile_free(t);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((rc = new_serial(ca, t, err, errlen)) != 0) {
		profile_free(t);
		return rc;
	}
	return 0;
}

int profile_root(struct ca *ca, const struct x509_buf *subject, unsigned days,
		 struct x509_tbs *t, char *err, size_t errlen)
{
	int rc = profile_base(ca, subject, subject, &ca->spki, days, t, err, errlen);

	if (rc != 0)
		return rc; /* -1, or CA_EHSM: the caller tells the HSM's failure apart */
	t->basic_constraints = 1;
	t->is_ca = 1;
	t->key_usage = X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN;
	t->ski = 1;
	memcpy(t->aki, ca->key_id, 20);
	t->has_aki = 1;
	return 0;
}

/* Issued certificates carry the CA's CDP/AIA pointers: its properties when given,
 * ca.conf's otherwise. */
static void set_pointers(struct ca *ca, const struct ca_urls *urls, struct x509_tbs *t)
{
	t->cdp_url = urls ? urls->cdp : conf_get(&ca->conf, "cdp_url");
	t->aia_ca_issuers_url = urls ? urls->aia : conf_get(&ca->conf, "aia_url");
	t->aia_ocsp_url = urls ? urls->ocsp : conf_get(&ca->conf, "ocsp_url");
	memcpy(t->aki, ca->key_id, 20);
	t->has_aki = 1;
	t->ski = 1;
}

/* Never beyond the CA's own certificate. */
static void cap_validity(struct ca *ca, struct x509_tbs *t)
{
	if (ca->have_cert && t->not_after > ca->cert.not_after)
		t->not_after = ca->cert.not_after;
}

int profile_xchg(struct ca *ca, const struct x509_buf *subject, const struct x509_buf *spki,
		 unsigned days, struct x509_tbs *t, char *err, size_t errlen)
{
	int rc = profile_base(ca, &ca->cert.subject, subject, spki, days, t, err, errlen);

	if (rc != 0)
		return rc; /* -1, or CA_EHSM */
	cap_validity(ca, t);
	set_pointers(ca, NULL, t);
	t->key_usage = X509_KU_KEY_ENCIPHERMENT;
	t->eku[0] = OID_EKU_CA_EXCHANGE;
	t->n_eku = 1;
	return 0;
}

int profile_end_entity(struct ca *ca, unsigned profile, const struct x509_buf *subject,
		       const struct x509_buf *spki, unsigned days, const struct ca_urls *urls,
		       struct x509_tbs *t, char *err, size_t errlen)
{
	enum x509_key_type kt;
	unsigned bits;
	int rc;

	if (profile != CUST_PROFILE_CLIENT && profile != CUST_PROFILE_SERVER) {
		snprintf(err, errlen, "unknown certificate profile %u", profile);
		return -1;
	}
	if ((rc = profile_base(ca, &ca->cert.subject, subject, spki, days, t, err, errlen)) != 0)
		return rc;
	cap_validity(ca, t);
	set_pointers(ca, urls, t);
	/* An EC key cannot encipher keys: keyEncipherment only for RSA. */
	t->key_usage = X509_KU_DIGITAL_SIGNATURE;
	if (x509_spki_key(spki->data, spki->len, &kt, &bits) == 0 && kt == X509_KEY_RSA)
		t->key_usage |= X509_KU_KEY_ENCIPHERMENT;
	t->eku[0] = profile == CUST_PROFILE_CLIENT ? OID_EKU_CLIENT_AUTH : OID_EKU_SERVER_AUTH;
	t->n_eku = 1;
	return 0;
}

int profile_template(struct ca *ca, const struct template *tp, unsigned key_usage,
		     const struct x509_buf *subject, const struct x509_buf *spki,
		     const struct ca_urls *urls, struct x509_tbs *t, char *err, size_t errlen)
{
	int rc = profile_base(ca, &ca->cert.subject, subject, spki, tp->validity_days, t, err,
			      errlen);

	if (rc != 0)
		return rc; /* -1, or CA_EHSM */
	cap_validity(ca, t);
	set_pointers(ca, urls, t);
	t->key_usage = key_usage;
	/* The EKUs point into the template: the caller keeps it until t is signed. */
	for (size_t i = 0; i < tp->n_eku && i < X509_MAX_EKU; i++)
		t->eku[i] = tp->eku[i];
	t->n_eku = tp->n_eku;
	if (tp->ca) {
		t->basic_constraints = 1;
		t->is_ca = 1;
		t->path_len = tp->path_length;
	}
	return 0;
}
