/* Building the certificate extensions the CA writes (RFC 5280 4.2). Each
 * builder encodes one extnValue with the DER writer (asn1/der.h: the issuance
 * hot path) and appends it to a list; x509i_exts_der puts the list into a
 * TBSCertificate, x509i_exts_write (libtasn1) into an extensionRequest attribute.
 * Every value is decoded again with the PKIX module by the custodian's lint. */
#include "firmware/x509/x509_int.h"
#include "firmware/asn1/der.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OID_BC "2.5.29.19"
#define OID_KU "2.5.29.15"
#define OID_EKU "2.5.29.37"
#define OID_SKI "2.5.29.14"
#define OID_AKI "2.5.29.35"
#define OID_CDP "2.5.29.31"
#define OID_AIA "1.3.6.1.5.5.7.1.1"
#define OID_CRL_NUMBER "2.5.29.20"
#define OID_DELTA "2.5.29.27"
#define OID_IDP "2.5.29.28"
#define OID_FRESHEST "2.5.29.46"
#define OID_AD_OCSP "1.3.6.1.5.5.7.48.1"
#define OID_AD_CA_ISSUERS "1.3.6.1.5.5.7.48.2"

void x509i_exts_free(struct x509i_exts *x)
{
	for (size_t i = 0; i < x->n; i++)
		x509_buf_free(&x->e[i].value);
	x->n = 0;
}

/* Appends the value the writer holds as a new extension; frees the writer. */
static int add(struct x509i_exts *x, const char *oid, int critical, struct der *d,
	       const char *what, char *err, size_t errlen)
{
	struct x509i_ext *e;

	if (x->n == X509I_MAX_EXT) {
		der_free(d);
		err_set(err, errlen, "%s: too many extensions", what);
		return -1;
	}
	e = &x->e[x->n];
	if (der_finish(d, &e->value.data, &e->value.len) != 0) {
		err_set(err, errlen, "%s: cannot encode", what);
		return -1;
	}
	e->oid = oid;
	e->critical = critical;
	x->n++;
	return 0;
}

int x509i_ext_basic_constraints(struct x509i_exts *x, int is_ca, int path_len, char *err,
				size_t errlen)
{
	struct der d;

	if (path_len >= 0 && !is_ca) {
		err_set(err, errlen, "basic_constraints: path_len requires is_ca");
		return -1;
	}
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	if (is_ca) /* cA FALSE is the DEFAULT, which DER leaves out */
		der_bool(&d, 1);
	if (path_len >= 0)
		der_small_uint(&d, (unsigned long)path_len);
	der_end(&d);
	/* RFC 5280 4.2.1.9: critical in CA certificates. */
	return add(x, OID_BC, is_ca, &d, "basic_constraints", err, errlen);
}

int x509i_ext_key_usage(struct x509i_exts *x, unsigned ku, char *err, size_t errlen)
{
	struct der d;

	if (ku == 0 || ku >= (1u << 7)) {
		err_set(err, errlen, "key_usage: no or unknown bits 0x%x", ku);
		return -1;
	}
	der_init(&d);
	der_named_bits(&d, ku);
	return add(x, OID_KU, 1, &d, "key_usage", err, errlen);
}

int x509i_ext_eku(struct x509i_exts *x, const char *const *oids, size_t n, char *err,
		  size_t errlen)
{
	struct der d;

	for (size_t i = 0; i < n; i++)
		if (!x509i_oid_valid(oids[i])) {
			err_set(err, errlen, "eku[%zu]: not a dotted OID", i);
			return -1;
		}
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	for (size_t i = 0; i < n; i++)
		der_oid(&d, oids[i]);
	der_end(&d);
	return add(x, OID_EKU, 0, &d, "eku", err, errlen);
}

int x509i_ext_ski(struct x509i_exts *x, const struct x509_buf *spki, char *err, size_t errlen)
{
	struct der d;
	uint8_t id[20];

	if (spki == NULL || spki->data == NULL || x509_key_id(spki->data, spki->len, id) != 0) {
		err_set(err, errlen, "ski: spki is not a DER SubjectPublicKeyInfo");
		return -1;
	}
	der_init(&d);
	der_prim(&d, DER_OCTET_STRING, id, sizeof id);
	return add(x, OID_SKI, 0, &d, "ski", err, errlen);
}

int x509i_ext_aki(struct x509i_exts *x, const uint8_t id[20], char *err, size_t errlen)
{
	struct der d;

	/* keyIdentifier [0] only (RFC 5280 4.2.1.1): issuer+serial would pin the
	 * issuer's certificate and break chains across CA renewal. */
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	der_prim(&d, DER_CTX_PRIM(0), id, 20);
	der_end(&d);
	return add(x, OID_AKI, 0, &d, "aki", err, errlen);
}

/* A URI for an IA5String GeneralName: printable ASCII, no spaces, a scheme. */
static int uri_ok(const char *u)
{
	size_t len = strnlen(u, X509I_URI_MAX + 1);

	if (len == 0 || len > X509I_URI_MAX || strchr(u, ':') == NULL)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)u[i] <= 0x20 || (unsigned char)u[i] >= 0x7f)
			return 0;
	return 1;
}

/* GeneralName uniformResourceIdentifier: [6] IMPLICIT IA5String. */
static void uri_name(struct der *d, const char *uri)
{
	der_prim(d, DER_CTX_PRIM(6), uri, strlen(uri));
}

/* DistributionPointName fullName with one URI, as the [0] field of a
 * DistributionPoint or IssuingDistributionPoint. */
static void dp_full_name(struct der *d, const char *uri)
{
	der_begin(d, DER_CTX(0));          /* distributionPoint (a CHOICE: explicit) */
	der_begin(d, DER_CTX(0));          /* fullName [0] IMPLICIT GeneralNames */
	uri_name(d, uri);
	der_end(d);
	der_end(d);
}

/* CRLDistributionPoints syntax, shared by CDP and freshestCRL. */
static int add_dps(struct x509i_exts *x, const char *oid, const char *uri, const char *what,
		   char *err, size_t errlen)
{
	struct der d;

	if (!uri_ok(uri)) {
		err_set(err, errlen, "%s: not a URI", what);
		return -1;
	}
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);       /* CRLDistributionPoints */
	der_begin(&d, DER_SEQUENCE);       /* DistributionPoint */
	dp_full_name(&d, uri);
	der_end(&d);
	der_end(&d);
	return add(x, oid, 0, &d, what, err, errlen);
}

int x509i_ext_cdp(struct x509i_exts *x, const char *uri, char *err, size_t errlen)
{
	return add_dps(x, OID_CDP, uri, "cdp_url", err, errlen);
}

int x509i_ext_freshest(struct x509i_exts *x, const char *uri, char *err, size_t errlen)
{
	/* RFC 5280 5.2.6: non-critical. */
	return add_dps(x, OID_FRESHEST, uri, "freshest_url", err, errlen);
}

int x509i_ext_idp(struct x509i_exts *x, const char *uri, char *err, size_t errlen)
{
	struct der d;

	if (!uri_ok(uri)) {
		err_set(err, errlen, "idp_url: not a URI");
		return -1;
	}
	/* Only distributionPoint: the CRL covers every certificate of this issuer
	 * whose CDP names this URI (no onlySome... scoping). */
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	dp_full_name(&d, uri);
	der_end(&d);
	/* RFC 5280 5.2.5: critical, so a relying party that cannot match the
	 * scope rejects the CRL rather than treating it as complete. */
	return add(x, OID_IDP, 1, &d, "idp_url", err, errlen);
}

int x509i_ext_crl_number(struct x509i_exts *x, uint64_t number, int delta_indicator,
			 char *err, size_t errlen)
{
	struct der d;
	uint8_t be[8];

	for (size_t i = 0; i < sizeof be; i++)
		be[i] = (uint8_t)(number >> (8 * (sizeof be - 1 - i)));
	der_init(&d);
	der_uint(&d, DER_INTEGER, be, sizeof be);
	/* RFC 5280 5.2.3: cRLNumber non-critical; 5.2.4: deltaCRLIndicator critical. */
	if (delta_indicator)
		return add(x, OID_DELTA, 1, &d, "base_number", err, errlen);
	return add(x, OID_CRL_NUMBER, 0, &d, "number", err, errlen);
}

static void access_description(struct der *d, const char *method, const char *uri)
{
	der_begin(d, DER_SEQUENCE);
	der_oid(d, method);
	uri_name(d, uri);
	der_end(d);
}

int x509i_ext_aia(struct x509i_exts *x, const char *ca_issuers, const char *ocsp, char *err,
		  size_t errlen)
{
	struct der d;
	int has_ca = ca_issuers && *ca_issuers, has_ocsp = ocsp && *ocsp;

	if ((has_ca && !uri_ok(ca_issuers)) || (has_ocsp && !uri_ok(ocsp))) {
		err_set(err, errlen, "%s: not a URI",
			has_ca && !uri_ok(ca_issuers) ? "aia_ca_issuers_url" : "aia_ocsp_url");
		return -1;
	}
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	/* OCSP first, then caIssuers: the order most issuers use. */
	if (has_ocsp)
		access_description(&d, OID_AD_OCSP, ocsp);
	if (has_ca)
		access_description(&d, OID_AD_CA_ISSUERS, ca_issuers);
	der_end(&d);
	return add(x, OID_AIA, 0, &d, "aia", err, errlen);
}

void x509i_exts_der(struct der *d, const struct x509i_exts *x)
{
	der_begin(d, DER_SEQUENCE);
	for (size_t i = 0; i < x->n; i++) {
		const struct x509i_ext *e = &x->e[i];
		der_begin(d, DER_SEQUENCE);
		der_oid(d, e->oid);
		if (e->critical) /* FALSE is the DEFAULT, which DER leaves out */
			der_bool(d, 1);
		der_prim(d, DER_OCTET_STRING, e->value.data, e->value.len);
		der_end(d);
	}
	der_end(d);
}

int x509i_exts_write(asn1_node node, const char *field, const struct x509i_exts *x,
		     char *err, size_t errlen)
{
	char name[96];
	const char *dot = *field ? "." : "";

	for (size_t i = 0; i < x->n; i++) {
		const struct x509i_ext *e = &x->e[i];
		int ok = asn1_write_value(node, field, "NEW", 1) == ASN1_SUCCESS;
		snprintf(name, sizeof name, "%s%s?LAST.extnID", field, dot);
		ok = ok && asn1_write_value(node, name, e->oid, 1) == ASN1_SUCCESS;
		snprintf(name, sizeof name, "%s%s?LAST.critical", field, dot);
		ok = ok && asn1_write_value(node, name, e->critical ? "TRUE" : "FALSE", 1) ==
				   ASN1_SUCCESS;
		snprintf(name, sizeof name, "%s%s?LAST.extnValue", field, dot);
		ok = ok && asn1_write_value(node, name, e->value.data, (int)e->value.len) ==
				   ASN1_SUCCESS;
		if (!ok) {
			err_set(err, errlen, "extensions: cannot write %s", e->oid);
			return -1;
		}
	}
	return 0;
}

int x509_der_one_element(const uint8_t *p, size_t len)
{
	size_t n, hdr = 2, body;

	if (len < 2 || (p[0] & 0x1f) == 0x1f)
		return 0;
	if (p[1] < 0x80) {
		body = p[1];
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || len < 2 + n)
			return 0;
		body = 0;
		for (size_t i = 0; i < n; i++)
			body = body << 8 | p[2 + i];
		hdr += n;
	}
	return body == len - hdr;
}

int x509_oid_valid(const char *oid)
{
	return oid != NULL && x509i_oid_valid(oid);
}

int x509i_ext_given(struct x509i_exts *x, const struct x509_ext_in *in, char *err,
		    size_t errlen)
{
	struct x509i_ext *e;

	if (in->oid == NULL || !x509i_oid_valid(in->oid)) {
		err_set(err, errlen, "extension: not a dotted OID");
		return -1;
	}
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->e[i].oid, in->oid) == 0) {
			err_set(err, errlen, "extension %s: appears twice", in->oid);
			return -1;
		}
	if (!x509_der_one_element(in->value, in->len)) {
		err_set(err, errlen, "extension %s: value is not one DER element", in->oid);
		return -1;
	}
	if (x->n == X509I_MAX_EXT) {
		err_set(err, errlen, "extension %s: too many extensions", in->oid);
		return -1;
	}
	e = &x->e[x->n];
	if (x509i_buf_set(&e->value, in->value, in->len) != 0) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	e->oid = in->oid;
	e->critical = in->critical;
	x->n++;
	return 0;
}
