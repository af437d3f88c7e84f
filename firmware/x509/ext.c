/* Building the certificate extensions the CA writes (RFC 5280 4.2). Each
 * builder encodes one extnValue with the module's type and appends it to a
 * list; x509i_exts_write puts the list into a TBSCertificate or an
 * extensionRequest attribute. */
#include "firmware/x509/x509_int.h"

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
#define OID_AD_OCSP "1.3.6.1.5.5.7.48.1"
#define OID_AD_CA_ISSUERS "1.3.6.1.5.5.7.48.2"

void x509i_exts_free(struct x509i_exts *x)
{
	for (size_t i = 0; i < x->n; i++)
		x509_buf_free(&x->e[i].value);
	x->n = 0;
}

/* Encodes node as the value of a new extension and frees node. */
static int add(struct x509i_exts *x, const char *oid, int critical, asn1_node *node,
	       const char *what, char *err, size_t errlen)
{
	struct x509i_ext *e;
	int rc;

	if (x->n == X509I_MAX_EXT) {
		asn1_delete_structure(node);
		x509i_err(err, errlen, "%s: too many extensions", what);
		return -1;
	}
	e = &x->e[x->n];
	rc = asn1_encode(*node, "", &e->value.data, &e->value.len, err, errlen);
	asn1_delete_structure(node);
	if (rc != 0)
		return -1;
	e->oid = oid;
	e->critical = critical;
	x->n++;
	return 0;
}

static int new_node(const char *type, asn1_node *node, const char *what, char *err,
		    size_t errlen)
{
	if (asn1_new(type, node) == 0)
		return 0;
	x509i_err(err, errlen, "%s: ASN.1 type %s unavailable", what, type);
	return -1;
}

static int wfail(asn1_node *node, const char *what, char *err, size_t errlen)
{
	asn1_delete_structure(node);
	x509i_err(err, errlen, "%s: cannot encode", what);
	return -1;
}

int x509i_ext_basic_constraints(struct x509i_exts *x, int is_ca, int path_len, char *err,
				size_t errlen)
{
	asn1_node n = NULL;
	int rc;

	if (path_len >= 0 && !is_ca) {
		x509i_err(err, errlen, "basic_constraints: path_len requires is_ca");
		return -1;
	}
	if (new_node("PKIX.BasicConstraints", &n, "basic_constraints", err, errlen) != 0)
		return -1;
	/* Writing FALSE leaves the DEFAULT out, as DER requires. */
	rc = asn1_write_value(n, "cA", is_ca ? "TRUE" : "FALSE", 1);
	if (rc == ASN1_SUCCESS) {
		char num[16];
		snprintf(num, sizeof num, "%d", path_len);
		rc = path_len >= 0 ? asn1_write_value(n, "pathLenConstraint", num, 0)
				   : asn1_write_value(n, "pathLenConstraint", NULL, 0);
	}
	if (rc != ASN1_SUCCESS)
		return wfail(&n, "basic_constraints", err, errlen);
	/* RFC 5280 4.2.1.9: critical in CA certificates. */
	return add(x, OID_BC, is_ca, &n, "basic_constraints", err, errlen);
}

int x509i_ext_key_usage(struct x509i_exts *x, unsigned ku, char *err, size_t errlen)
{
	asn1_node n = NULL;
	uint8_t bits[1] = {0};
	int nbits = 0;

	if (ku == 0 || ku >= (1u << 7)) {
		x509i_err(err, errlen, "key_usage: no or unknown bits 0x%x", ku);
		return -1;
	}
	/* RFC 5280 bit 0 is the most significant bit of the first octet; DER
	 * drops trailing zero bits of a named bit list, so the length is that
	 * of the highest bit set. */
	for (int i = 0; i < 7; i++)
		if (ku & (1u << i)) {
			bits[0] |= (uint8_t)(0x80 >> i);
			nbits = i + 1;
		}
	if (new_node("PKIX.KeyUsage", &n, "key_usage", err, errlen) != 0)
		return -1;
	if (asn1_write_value(n, "", bits, nbits) != ASN1_SUCCESS)
		return wfail(&n, "key_usage", err, errlen);
	return add(x, OID_KU, 1, &n, "key_usage", err, errlen);
}

int x509i_ext_eku(struct x509i_exts *x, const char *const *oids, size_t n, char *err,
		  size_t errlen)
{
	asn1_node node = NULL;

	if (new_node("PKIX.ExtKeyUsageSyntax", &node, "eku", err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!x509i_oid_valid(oids[i])) {
			asn1_delete_structure(&node);
			x509i_err(err, errlen, "eku[%zu]: not a dotted OID", i);
			return -1;
		}
		if (asn1_write_value(node, "", "NEW", 1) != ASN1_SUCCESS ||
		    asn1_write_value(node, "?LAST", oids[i], 1) != ASN1_SUCCESS)
			return wfail(&node, "eku", err, errlen);
	}
	return add(x, OID_EKU, 0, &node, "eku", err, errlen);
}

int x509i_ext_ski(struct x509i_exts *x, const struct x509_buf *spki, char *err, size_t errlen)
{
	asn1_node n = NULL;
	uint8_t id[20];

	if (spki == NULL || spki->data == NULL || x509_key_id(spki->data, spki->len, id) != 0) {
		x509i_err(err, errlen, "ski: spki is not a DER SubjectPublicKeyInfo");
		return -1;
	}
	if (new_node("PKIX.SubjectKeyIdentifier", &n, "ski", err, errlen) != 0)
		return -1;
	if (asn1_write_value(n, "", id, sizeof id) != ASN1_SUCCESS)
		return wfail(&n, "ski", err, errlen);
	return add(x, OID_SKI, 0, &n, "ski", err, errlen);
}

int x509i_ext_aki(struct x509i_exts *x, const uint8_t id[20], char *err, size_t errlen)
{
	asn1_node n = NULL;

	if (new_node("PKIX.AuthorityKeyIdentifier", &n, "aki", err, errlen) != 0)
		return -1;
	/* keyIdentifier only (RFC 5280 4.2.1.1): issuer+serial would pin the
	 * issuer's certificate and break chains across CA renewal. */
	if (asn1_write_value(n, "keyIdentifier", id, 20) != ASN1_SUCCESS ||
	    asn1_write_value(n, "authorityCertIssuer", NULL, 0) != ASN1_SUCCESS ||
	    asn1_write_value(n, "authorityCertSerialNumber", NULL, 0) != ASN1_SUCCESS)
		return wfail(&n, "aki", err, errlen);
	return add(x, OID_AKI, 0, &n, "aki", err, errlen);
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

/* Writes a uniformResourceIdentifier GeneralName at path. */
static int write_uri(asn1_node n, const char *path, const char *uri)
{
	char name[128];

	snprintf(name, sizeof name, "%s.uniformResourceIdentifier", path);
	return asn1_write_value(n, path, "uniformResourceIdentifier", 1) == ASN1_SUCCESS &&
			       asn1_write_value(n, name, uri, (int)strlen(uri)) == ASN1_SUCCESS
		       ? 0
		       : -1;
}

int x509i_ext_cdp(struct x509i_exts *x, const char *uri, char *err, size_t errlen)
{
	asn1_node n = NULL;

	if (!uri_ok(uri)) {
		x509i_err(err, errlen, "cdp_url: not a URI");
		return -1;
	}
	if (new_node("PKIX.CRLDistributionPoints", &n, "cdp_url", err, errlen) != 0)
		return -1;
	if (asn1_write_value(n, "", "NEW", 1) != ASN1_SUCCESS ||
	    asn1_write_value(n, "?LAST.distributionPoint", "fullName", 1) != ASN1_SUCCESS ||
	    asn1_write_value(n, "?LAST.distributionPoint.fullName", "NEW", 1) != ASN1_SUCCESS ||
	    write_uri(n, "?LAST.distributionPoint.fullName.?LAST", uri) != 0 ||
	    asn1_write_value(n, "?LAST.reasons", NULL, 0) != ASN1_SUCCESS ||
	    asn1_write_value(n, "?LAST.cRLIssuer", NULL, 0) != ASN1_SUCCESS)
		return wfail(&n, "cdp_url", err, errlen);
	return add(x, OID_CDP, 0, &n, "cdp_url", err, errlen);
}

static int add_access(asn1_node n, const char *method, const char *uri)
{
	if (asn1_write_value(n, "", "NEW", 1) != ASN1_SUCCESS ||
	    asn1_write_value(n, "?LAST.accessMethod", method, 1) != ASN1_SUCCESS)
		return -1;
	return write_uri(n, "?LAST.accessLocation", uri);
}

int x509i_ext_aia(struct x509i_exts *x, const char *ca_issuers, const char *ocsp, char *err,
		  size_t errlen)
{
	asn1_node n = NULL;
	int has_ca = ca_issuers && *ca_issuers, has_ocsp = ocsp && *ocsp;

	if ((has_ca && !uri_ok(ca_issuers)) || (has_ocsp && !uri_ok(ocsp))) {
		x509i_err(err, errlen, "%s: not a URI",
			  has_ca && !uri_ok(ca_issuers) ? "aia_ca_issuers_url" : "aia_ocsp_url");
		return -1;
	}
	if (new_node("PKIX.AuthorityInfoAccessSyntax", &n, "aia", err, errlen) != 0)
		return -1;
	/* OCSP first, then caIssuers: the order most issuers use. */
	if ((has_ocsp && add_access(n, OID_AD_OCSP, ocsp) != 0) ||
	    (has_ca && add_access(n, OID_AD_CA_ISSUERS, ca_issuers) != 0))
		return wfail(&n, "aia", err, errlen);
	return add(x, OID_AIA, 0, &n, "aia", err, errlen);
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
			x509i_err(err, errlen, "extensions: cannot write %s", e->oid);
			return -1;
		}
	}
	return 0;
}
