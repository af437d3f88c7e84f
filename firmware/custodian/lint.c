/* Pre-signing lint: decode what is about to be signed and compare it with what
 * the profile meant to sign. A mismatch is a bug in the encoder or the profile;
 * refusing to sign is the only safe answer. */
#include "firmware/custodian/issue.h"

#include <stdio.h>
#include <string.h>

static int same(const struct x509_buf *a, const uint8_t *b, size_t blen)
{
	return a->len == blen && memcmp(a->data, b, blen) == 0;
}

/* Intent-only checks: what no profile may ever ask for. */
static int lint_intent(const struct x509_tbs *t, char *err, size_t errlen)
{
	enum x509_key_type kt;
	unsigned bits;

	if (t->not_after <= t->not_before) {
		snprintf(err, errlen, "lint: notAfter is not after notBefore");
		return -1;
	}
	if (t->serial_len == 0 || t->serial_len > 20 || (t->serial[0] & 0x80) != 0) {
		snprintf(err, errlen, "lint: serial is not a positive integer of 1..20 bytes");
		return -1;
	}
	if (x509_spki_key(t->spki.data, t->spki.len, &kt, &bits) != 0) {
		snprintf(err, errlen, "lint: unsupported subject public key");
		return -1;
	}
	/* Wider than the CA's key rule (x509_key_allowed) on purpose: lint also sees
	 * the CA's own certificates, whose key is whatever the token holds (a vendor
	 * module's existing key may be larger than requesters may use), and it is a
	 * guard against encoder bugs, not the policy, which was applied where the key
	 * came in (derive.c, ISSUE, the ceremony). Below X509_RSA_MIN_BITS nothing is
	 * signed at all. */
	if ((kt == X509_KEY_RSA && (bits < X509_RSA_MIN_BITS || bits > 16384)) ||
	    (kt == X509_KEY_EC && bits != 256 && bits != 384 && bits != 521)) {
		snprintf(err, errlen, "lint: subject key size %u not allowed", bits);
		return -1;
	}
	if (t->is_ca && (!t->basic_constraints || !(t->key_usage & X509_KU_KEY_CERT_SIGN))) {
		snprintf(err, errlen, "lint: CA certificate without BasicConstraints/keyCertSign");
		return -1;
	}
	if (!t->is_ca && (t->key_usage & (X509_KU_KEY_CERT_SIGN | X509_KU_CRL_SIGN))) {
		snprintf(err, errlen, "lint: end-entity certificate with a CA key usage");
		return -1;
	}
	return 0;
}

int lint_officer_only_eku(const char *oid)
{
	return strcmp(oid, "2.5.29.37.0") == 0 || strcmp(oid, "1.3.6.1.4.1.311.20.2.1") == 0 ||
	       strcmp(oid, "1.3.6.1.4.1.311.21.6") == 0;
}

static const char *eku_name(const char *oid)
{
	return strcmp(oid, "2.5.29.37.0") == 0		  ? "anyExtendedKeyUsage"
	       : strcmp(oid, "1.3.6.1.4.1.311.20.2.1") == 0 ? "Certificate Request Agent"
							    : "Key Recovery Agent";
}

/* The purposes that let a holder act for anything, enroll on behalf of others
 * or recover their archived keys are a certificate manager's to grant: never
 * from a request (its extensionRequest, however csr_extensions is set), and
 * never from a profile (that would be a bug). */
static int lint_purposes(const struct x509_tbs *t, char *err, size_t errlen)
{
	char got[32][128];
	size_t n_eku = t->n_eku;

	if (n_eku == 0)
		while (n_eku < X509_MAX_EKU && t->eku[n_eku] != NULL)
			n_eku++;
	for (size_t i = 0; i < n_eku && i < X509_MAX_EKU && !t->eku_approved; i++)
		if (lint_officer_only_eku(t->eku[i])) {
			snprintf(err, errlen, "lint: the profile names %s", t->eku[i]);
			return -1;
		}
	for (size_t i = 0; i < t->n_extra && i < X509_MAX_EXTRA_EXT; i++) {
		const struct x509_ext_in *e = &t->extra[i];
		struct x509_buf v = {(uint8_t *)e->value, e->len};
		size_t n = 0;

		if (strcmp(e->oid, "2.5.29.37") != 0 || e->value == NULL || e->officer)
			continue;
		if (x509_eku_decode(&v, got, sizeof(got) / sizeof(got[0]), &n, NULL, 0) != 0) {
			snprintf(err, errlen, "the requested extKeyUsage cannot be read (at most "
				 "%zu purposes)", sizeof(got) / sizeof(got[0]));
			return ISSUE_EREFUSED;
		}
		for (size_t k = 0; k < n; k++)
			if (lint_officer_only_eku(got[k])) {
				snprintf(err, errlen, "the request asks for the %s purpose (%s): "
					 "only a certificate manager grants it (setextension "
					 "2.5.29.37 on a pending request)", eku_name(got[k]),
					 got[k]);
				return ISSUE_EREFUSED;
			}
	}
	return 0;
}

/* One extension the intent asks for: its OID, criticality and, for an extension
 * given whole (x509_tbs.extra), its exact value. */
struct want {
	const char *oid;
	int critical;
	const uint8_t *value;
	size_t len;
};

/* What the TBS must carry, from the intent alone (not from the encoder). */
static size_t wanted(const struct x509_tbs *t, struct want *w)
{
	size_t n = 0;

	if (t->basic_constraints)
		w[n++] = (struct want){"2.5.29.19", t->is_ca, NULL, 0};
	if (t->key_usage)
		w[n++] = (struct want){"2.5.29.15", 1, NULL, 0};
	if (t->n_eku > 0 || t->eku[0] != NULL)
		w[n++] = (struct want){"2.5.29.37", 0, NULL, 0};
	if (t->ski)
		w[n++] = (struct want){"2.5.29.14", 0, NULL, 0};
	if (t->has_aki)
		w[n++] = (struct want){"2.5.29.35", 0, NULL, 0};
	if (t->cdp_url != NULL && *t->cdp_url)
		w[n++] = (struct want){"2.5.29.31", 0, NULL, 0};
	if ((t->aia_ca_issuers_url != NULL && *t->aia_ca_issuers_url) ||
	    (t->aia_ocsp_url != NULL && *t->aia_ocsp_url))
		w[n++] = (struct want){"1.3.6.1.5.5.7.1.1", 0, NULL, 0};
	for (size_t i = 0; i < t->n_extra && i < X509_MAX_EXTRA_EXT; i++)
		w[n++] = (struct want){t->extra[i].oid, t->extra[i].critical, t->extra[i].value,
				       t->extra[i].len};
	return n;
}

/* The purposes the TBS's extKeyUsage names are the intent's, in its order. */
static int same_ekus(const struct x509_tbs *t, const struct x509_buf *value)
{
	char got[X509_MAX_EKU][128];
	size_t n = 0, want = t->n_eku;

	if (want == 0)
		while (want < X509_MAX_EKU && t->eku[want] != NULL)
			want++;
	if (x509_eku_decode(value, got, X509_MAX_EKU, &n, NULL, 0) != 0 || n != want)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(got[i], t->eku[i]) != 0)
			return 0;
	return 1;
}

/* Every extension of the encoding is one the intent asked for, with the
 * criticality it asked for, and each asked for is there: an encoder that drops,
 * adds or changes one (an EKU above all) makes the custodian refuse to sign. */
static int lint_extensions(const struct x509_tbs *t, const struct x509_cert_info *ci, char *err,
			   size_t errlen)
{
	struct want w[8 + X509_MAX_EXTRA_EXT];
	size_t n = wanted(t, w);

	if (ci->n_ext != n) {
		snprintf(err, errlen, "lint: %zu extensions encoded, %zu intended", ci->n_ext, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct x509_cert_ext *e = NULL;

		for (size_t k = 0; k < ci->n_ext && e == NULL; k++)
			if (strcmp(ci->ext[k].oid, w[i].oid) == 0)
				e = &ci->ext[k];
		if (e == NULL || e->critical != (w[i].critical != 0) ||
		    (w[i].value != NULL && !same(&e->value, w[i].value, w[i].len))) {
			snprintf(err, errlen, "lint: extension %s differs from the intent", w[i].oid);
			return -1;
		}
		/* The profile's purposes (an extKeyUsage given whole, from an officer
		 * or the request, was compared byte for byte above). */
		if (strcmp(w[i].oid, "2.5.29.37") == 0 && w[i].value == NULL &&
		    !same_ekus(t, &e->value)) {
			snprintf(err, errlen, "lint: extKeyUsage differs from the intent");
			return -1;
		}
	}
	return 0;
}

/* The SubjectKeyIdentifier is the key's (RFC 5280 method 1), recomputed here. */
static int lint_ski(const struct x509_tbs *t, const struct x509_cert_info *ci)
{
	uint8_t id[20];

	if (!t->ski)
		return 1;
	return x509_key_id(t->spki.data, t->spki.len, id) == 0 && ci->ski_len == 20 &&
	       memcmp(ci->ski, id, 20) == 0;
}

int lint_tbs(const struct x509_tbs *t, const struct x509_buf *tbs, char *err, size_t errlen)
{
	/* Decoding needs a whole Certificate: wrap the TBS with a placeholder signature. */
	static const uint8_t placeholder[1] = {0};
	struct x509_buf cert = {0};
	struct x509_cert_info ci;
	char derr[256];
	int rc = -1;

	if (lint_intent(t, err, errlen) != 0)
		return -1;
	if ((rc = lint_purposes(t, err, errlen)) != 0)
		return rc;
	rc = -1;
	if (x509_cert_assemble(tbs, t->sigalg, placeholder, sizeof(placeholder), &cert) != 0) {
		snprintf(err, errlen, "lint: cannot assemble the certificate");
		return -1;
	}
	if (x509_cert_decode(cert.data, cert.len, &ci, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "lint: the encoded certificate does not decode: %s", derr);
		x509_buf_free(&cert);
		return -1;
	}
	if (!same(&ci.serial, t->serial, t->serial_len) ||
	    !same(&ci.issuer, t->issuer.data, t->issuer.len) ||
	    !same(&ci.subject, t->subject.data, t->subject.len) ||
	    !same(&ci.spki, t->spki.data, t->spki.len))
		snprintf(err, errlen, "lint: serial, names or key differ from the intent");
	else if (ci.not_before != t->not_before || ci.not_after != t->not_after)
		snprintf(err, errlen, "lint: validity differs from the intent");
	else if (ci.version != 3 || ci.sigalg != t->sigalg)
		snprintf(err, errlen, "lint: version or signature algorithm differs");
	else if (ci.has_basic_constraints != (t->basic_constraints != 0) ||
		 (t->basic_constraints && (ci.is_ca != t->is_ca || ci.path_len != t->path_len)))
		snprintf(err, errlen, "lint: BasicConstraints differ from the intent");
	else if (ci.has_key_usage != (t->key_usage != 0) || ci.key_usage != t->key_usage)
		snprintf(err, errlen, "lint: KeyUsage differs from the intent");
	else if (ci.has_ski != (t->ski != 0) || ci.has_aki != (t->has_aki != 0) ||
		 (t->has_aki && (ci.aki_len != 20 || memcmp(ci.aki, t->aki, 20) != 0)))
		snprintf(err, errlen, "lint: key identifiers differ from the intent");
	else if (!lint_ski(t, &ci))
		snprintf(err, errlen, "lint: SubjectKeyIdentifier is not the key's");
	else if (lint_extensions(t, &ci, err, errlen) == 0)
		rc = 0;
	x509_cert_info_free(&ci);
	x509_buf_free(&cert);
	return rc;
}

int issue_sign_recorded(struct ca *ca, const struct hsm_key *key,
			const struct x509_buf *signer_spki, const struct x509_tbs *t,
			issue_record_fn record, void *ctx, struct x509_buf *cert, char *err,
			size_t errlen)
{
	struct x509_buf tbs = {0};
	struct x509_cert_info ci;
	uint8_t sig[HSM_SIG_MAX];
	size_t sig_len = sizeof(sig);
	char derr[256];
	int rc = -1;

	if (x509_tbs_encode(t, &tbs, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "cannot encode the certificate: %s", derr);
		return -1;
	}
	if ((rc = lint_tbs(t, &tbs, err, errlen)) != 0)
		goto out; /* rc: -1, or ISSUE_EREFUSED */
	rc = -1;
	if (record != NULL && record(ctx, &tbs, err, errlen) != 0)
		goto out;
	if ((rc = ca_sign(ca, key, t->sigalg, &tbs, sig, &sig_len, err, errlen)) != 0)
		goto out; /* rc: -1, or CA_EHSM when the HSM failed */
	rc = -1;  /* from here on a failure is the certificate's, not the HSM's */
	if (x509_cert_assemble(&tbs, t->sigalg, sig, sig_len, cert) != 0) {
		snprintf(err, errlen, "cannot assemble the certificate");
		goto out;
	}
	/* A faulty RSA-CRT signature leaks the key: never release one unchecked. ECDSA
	 * has no such failure, and verifying costs more than signing there. */
	if (t->sigalg == X509_SIG_RSA_SHA256 || t->sigalg == X509_SIG_RSA_SHA384) {
		if (x509_cert_decode(cert->data, cert->len, &ci, derr, sizeof(derr)) != 0) {
			snprintf(err, errlen, "the signed certificate does not decode: %s", derr);
			x509_buf_free(cert);
			goto out;
		}
		rc = x509_verify_signature(&ci, signer_spki->data, signer_spki->len, derr,
					   sizeof(derr));
		x509_cert_info_free(&ci);
		if (rc != 0) {
			snprintf(err, errlen, "the HSM's signature does not verify: %s", derr);
			x509_buf_free(cert);
			goto out;
		}
	}
	rc = 0;
out:
	explicit_bzero(sig, sizeof(sig));
	x509_buf_free(&tbs);
	return rc;
}

int issue_sign(struct ca *ca, const struct hsm_key *key, const struct x509_buf *signer_spki,
	       const struct x509_tbs *t, struct x509_buf *cert, char *err, size_t errlen)
{
	return issue_sign_recorded(ca, key, signer_spki, t, NULL, NULL, cert, err, errlen);
}
