/* Reading the extensions of a decoded certificate: BasicConstraints,
 * KeyUsage, SKI and AKI are recorded; other known extensions are accepted
 * without being recorded; an unknown critical extension, a duplicate, or a
 * malformed recorded extension makes the certificate undecodable. */
#include "firmware/x509/x509_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXTS 64

/* Extensions we do not record but whose semantics a relying party of this
 * CA understands (RFC 5280 4.2.1.x), so they may be critical. */
static const char *const known_unrecorded[] = {
	"2.5.29.37", /* extKeyUsage */
	"2.5.29.17", /* subjectAltName */
	"2.5.29.18", /* issuerAltName */
	"2.5.29.31", /* cRLDistributionPoints */
	"2.5.29.32", /* certificatePolicies */
	"2.5.29.30", /* nameConstraints */
	"2.5.29.36", /* policyConstraints */
	"2.5.29.33", /* policyMappings */
	"2.5.29.54", /* inhibitAnyPolicy */
	"1.3.6.1.5.5.7.1.1", /* authorityInfoAccess */
};

static int read_bc(const struct x509_buf *v, struct x509_cert_info *ci)
{
	asn1_node n = NULL;
	int rc = -1, ca = 0, pl = -1;

	if (asn1_decode("PKIX.BasicConstraints", v->data, v->len, &n, NULL, 0) != 0)
		return -1;
	if (x509i_read_bool(n, "cA", &ca) != 0)
		goto out;
	if (asn1_read_value(n, "pathLenConstraint", NULL, &(int){0}) != ASN1_ELEMENT_NOT_FOUND &&
	    x509i_read_uint(n, "pathLenConstraint", &pl) != 0)
		goto out;
	ci->has_basic_constraints = 1;
	ci->is_ca = ca;
	ci->path_len = pl;
	rc = 0;
out:
	asn1_delete_structure(&n);
	return rc;
}

static int read_ku(const struct x509_buf *v, struct x509_cert_info *ci)
{
	asn1_node n = NULL;
	uint8_t *bits = NULL;
	int nbits = 0, rc = -1;

	if (asn1_decode("PKIX.KeyUsage", v->data, v->len, &n, NULL, 0) != 0)
		return -1;
	if (asn1_read_alloc(n, "", &bits, &nbits) == 0 && nbits > 0) {
		ci->key_usage = 0;
		/* Bits 7 and 8 (encipherOnly, decipherOnly) have no X509_KU_*. */
		for (int i = 0; i < 7 && i < nbits; i++)
			if (bits[i / 8] & (0x80 >> (i % 8)))
				ci->key_usage |= 1u << i;
		ci->has_key_usage = 1;
		rc = 0;
	}
	free(bits);
	asn1_delete_structure(&n);
	return rc;
}

/* Key identifiers longer than 20 bytes (not produced by method 1) are accepted
 * but not recorded. */
static int read_keyid(asn1_node n, const char *name, uint8_t out[20], size_t *len, int *has)
{
	uint8_t *id = NULL;
	int ilen = 0;

	if (asn1_read_alloc(n, name, &id, &ilen) != 0)
		return -1;
	if (ilen > 0 && ilen <= 20) {
		memcpy(out, id, (size_t)ilen);
		*len = (size_t)ilen;
		*has = 1;
	}
	free(id);
	return 0;
}

static int read_ski(const struct x509_buf *v, struct x509_cert_info *ci)
{
	asn1_node n = NULL;
	int rc;

	if (asn1_decode("PKIX.SubjectKeyIdentifier", v->data, v->len, &n, NULL, 0) != 0)
		return -1;
	rc = read_keyid(n, "", ci->ski, &ci->ski_len, &ci->has_ski);
	asn1_delete_structure(&n);
	return rc;
}

static int read_aki(const struct x509_buf *v, struct x509_cert_info *ci)
{
	asn1_node n = NULL;

	if (asn1_decode("PKIX.AuthorityKeyIdentifier", v->data, v->len, &n, NULL, 0) != 0)
		return -1;
	/* Absent keyIdentifier (issuer+serial form only) is valid: nothing
	 * recorded. */
	read_keyid(n, "keyIdentifier", ci->aki, &ci->aki_len, &ci->has_aki);
	asn1_delete_structure(&n);
	return 0;
}

static const struct {
	const char *oid;
	int (*read)(const struct x509_buf *, struct x509_cert_info *);
} recorded[] = {
	{"2.5.29.19", read_bc},
	{"2.5.29.15", read_ku},
	{"2.5.29.14", read_ski},
	{"2.5.29.35", read_aki},
};

static int is_known(const char *oid)
{
	for (size_t i = 0; i < sizeof known_unrecorded / sizeof known_unrecorded[0]; i++)
		if (strcmp(oid, known_unrecorded[i]) == 0)
			return 1;
	return 0;
}

int x509_ext_may_be_critical(const char *oid)
{
	for (size_t i = 0; i < sizeof recorded / sizeof recorded[0]; i++)
		if (strcmp(oid, recorded[i].oid) == 0)
			return 1;
	return is_known(oid);
}

/* One Extension at path; oids collects the OIDs seen for the duplicate check. */
static int walk_one(asn1_node n, const char *path, char oids[][X509I_OID_MAX], int idx,
		    x509i_ext_fn fn, void *ctx, char *err, size_t errlen)
{
	char name[128];
	struct x509_buf v = {0};
	int critical = 0, len = 0, rc;

	snprintf(name, sizeof name, "%s.extnID", path);
	if (x509i_read_str(n, name, oids[idx], X509I_OID_MAX) != 0) {
		err_set(err, errlen, "extensions: unreadable extnID");
		return -1;
	}
	for (int i = 0; i < idx; i++)
		if (strcmp(oids[i], oids[idx]) == 0) {
			err_set(err, errlen, "extensions: %s appears twice", oids[idx]);
			return -1;
		}
	snprintf(name, sizeof name, "%s.critical", path);
	if (x509i_read_bool(n, name, &critical) != 0)
		critical = 0; /* absent DEFAULT FALSE */
	snprintf(name, sizeof name, "%s.extnValue", path);
	if (asn1_read_alloc(n, name, &v.data, &len) != 0 || len <= 0) {
		free(v.data);
		err_set(err, errlen, "extensions: %s has no value", oids[idx]);
		return -1;
	}
	v.len = (size_t)len;
	rc = fn(ctx, oids[idx], critical, &v, err, errlen);
	x509_buf_free(&v);
	return rc;
}

int x509i_exts_walk(asn1_node n, const char *field, int max, x509i_ext_fn fn, void *ctx,
		    char *err, size_t errlen)
{
	char(*oids)[X509I_OID_MAX];
	char path[96];
	int count = 0, rc = 0;

	if (asn1_number_of_elements(n, field, &count) != ASN1_SUCCESS)
		return 0; /* no extensions */
	if (count < 1 || count > max) {
		err_set(err, errlen, "extensions: %d entries (1..%d allowed)", count, max);
		return -1;
	}
	oids = calloc((size_t)count, sizeof *oids);
	if (oids == NULL) {
		err_set(err, errlen, "extensions: out of memory");
		return -1;
	}
	for (int i = 0; i < count && rc == 0; i++) {
		snprintf(path, sizeof path, "%s%s?%d", field, *field ? "." : "", i + 1);
		rc = walk_one(n, path, oids, i, fn, ctx, err, errlen);
	}
	free(oids);
	return rc;
}

/* Every extension into ci's inventory (OID, criticality, value), in order. */
static int keep_ext(struct x509_cert_info *ci, const char *oid, int critical,
		    const struct x509_buf *v)
{
	struct x509_cert_ext *e;

	if (ci->n_ext == 0 && (ci->ext = calloc(MAX_EXTS, sizeof(*ci->ext))) == NULL)
		return -1;
	if (ci->n_ext >= MAX_EXTS) /* x509i_exts_walk has refused more already */
		return -1;
	e = &ci->ext[ci->n_ext];
	snprintf(e->oid, sizeof(e->oid), "%s", oid);
	e->critical = critical;
	if (x509i_buf_set(&e->value, v->data, v->len) != 0)
		return -1;
	ci->n_ext++;
	return 0;
}

/* A certificate's extension: each kept in ci's inventory, the recorded ones read
 * into ci, the known ones accepted, an unknown critical one refused. */
static int cert_ext(void *ctx, const char *oid, int critical, const struct x509_buf *v,
		    char *err, size_t errlen)
{
	struct x509_cert_info *ci = ctx;

	if (keep_ext(ci, oid, critical, v) != 0) {
		err_set(err, errlen, "extensions: out of memory");
		return -1;
	}
	for (size_t i = 0; i < sizeof recorded / sizeof recorded[0]; i++)
		if (strcmp(oid, recorded[i].oid) == 0) {
			if (recorded[i].read(v, ci) == 0)
				return 0;
			err_set(err, errlen, "extensions: %s is malformed", oid);
			return -1;
		}
	if (critical && !is_known(oid)) {
		err_set(err, errlen, "extensions: unknown critical extension %s", oid);
		return -1;
	}
	return 0;
}

int x509i_exts_read(asn1_node cert, const char *field, struct x509_cert_info *ci, char *err,
		    size_t errlen)
{
	ci->path_len = -1;
	return x509i_exts_walk(cert, field, MAX_EXTS, cert_ext, ci, err, errlen);
}

int x509_eku_decode(const struct x509_buf *value, char (*oids)[128], size_t max, size_t *n,
		    char *err, size_t errlen)
{
	asn1_node node = NULL;
	char path[32];
	int count = 0, rc = 0;

	*n = 0;
	if (asn1_decode("PKIX.ExtKeyUsageSyntax", value->data, value->len, &node, err, errlen) != 0)
		return -1;
	if (asn1_number_of_elements(node, "", &count) != ASN1_SUCCESS || count < 1 ||
	    (size_t)count > max) {
		err_set(err, errlen, "extKeyUsage: %d purposes (1..%zu allowed)", count, max);
		rc = -1;
	}
	for (int i = 1; i <= count && rc == 0; i++) {
		snprintf(path, sizeof(path), "?%d", i);
		if (x509i_read_str(node, path, oids[i - 1], 128) != 0) {
			err_set(err, errlen, "extKeyUsage: purpose %d unreadable", i);
			rc = -1;
		}
	}
	if (rc == 0)
		*n = (size_t)count;
	asn1_delete_structure(&node);
	return rc;
}
