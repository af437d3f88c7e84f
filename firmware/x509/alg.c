/* Signature algorithms: the identifiers the CA writes (RFC 4055/5758 forms:
 * RSA with explicit NULL parameters, ECDSA with parameters absent) and the
 * wider set it accepts when verifying requests. */
#include "firmware/x509/x509_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t der_null[2] = {0x05, 0x00};

/* Everything this layer can verify. The enum x509_sigalg names the subset the
 * CA signs with. */
static const struct {
	const char *oid;
	struct x509i_alg alg;
	enum x509_sigalg sigalg;
} algs[] = {
	{"1.2.840.113549.1.1.5", {WC_HASH_TYPE_SHA, X509_KEY_RSA}, X509_SIG_NONE},
	{"1.2.840.113549.1.1.11", {WC_HASH_TYPE_SHA256, X509_KEY_RSA}, X509_SIG_RSA_SHA256},
	{"1.2.840.113549.1.1.12", {WC_HASH_TYPE_SHA384, X509_KEY_RSA}, X509_SIG_RSA_SHA384},
	{"1.2.840.113549.1.1.13", {WC_HASH_TYPE_SHA512, X509_KEY_RSA}, X509_SIG_NONE},
	{"1.2.840.10045.4.3.2", {WC_HASH_TYPE_SHA256, X509_KEY_EC}, X509_SIG_ECDSA_SHA256},
	{"1.2.840.10045.4.3.3", {WC_HASH_TYPE_SHA384, X509_KEY_EC}, X509_SIG_ECDSA_SHA384},
	{"1.2.840.10045.4.3.4", {WC_HASH_TYPE_SHA512, X509_KEY_EC}, X509_SIG_NONE},
};

#define N_ALGS (sizeof algs / sizeof algs[0])

const char *x509i_sigalg_oid(enum x509_sigalg alg)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (alg != X509_SIG_NONE && algs[i].sigalg == alg)
			return algs[i].oid;
	return NULL;
}

enum wc_HashType x509i_sigalg_hash(enum x509_sigalg alg)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (alg != X509_SIG_NONE && algs[i].sigalg == alg)
			return algs[i].alg.hash;
	return WC_HASH_TYPE_NONE;
}

enum x509_key_type x509i_sigalg_key(enum x509_sigalg alg)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (alg != X509_SIG_NONE && algs[i].sigalg == alg)
			return algs[i].alg.key;
	return X509_KEY_NONE;
}

enum x509_sigalg x509i_sigalg_from(const struct x509i_alg *a)
{
	for (size_t i = 0; i < N_ALGS; i++)
		if (algs[i].alg.hash == a->hash && algs[i].alg.key == a->key)
			return algs[i].sigalg;
	return X509_SIG_NONE;
}

int x509i_algid_write(asn1_node node, const char *field, enum x509_sigalg alg, char *err,
		      size_t errlen)
{
	const char *oid = x509i_sigalg_oid(alg);
	char name[96];
	int rc;

	if (oid == NULL) {
		err_set(err, errlen, "sigalg: unsupported signature algorithm %d", (int)alg);
		return -1;
	}
	snprintf(name, sizeof name, "%s%salgorithm", field, *field ? "." : "");
	rc = asn1_write_value(node, name, oid, 1);
	snprintf(name, sizeof name, "%s%sparameters", field, *field ? "." : "");
	if (rc == ASN1_SUCCESS) {
		if (x509i_sigalg_key(alg) == X509_KEY_RSA)
			rc = asn1_write_value(node, name, der_null, sizeof der_null);
		else
			rc = asn1_write_value(node, name, NULL, 0);
	}
	if (rc != ASN1_SUCCESS) {
		err_set(err, errlen, "sigalg: cannot write %s", field);
		return -1;
	}
	return 0;
}

int x509i_algid_read(asn1_node node, const char *field, struct x509i_alg *out)
{
	char name[96], oid[X509I_OID_MAX];
	uint8_t *params = NULL;
	int plen = 0, has_params;

	snprintf(name, sizeof name, "%s.algorithm", field);
	if (x509i_read_str(node, name, oid, sizeof oid) != 0)
		return -1;
	snprintf(name, sizeof name, "%s.parameters", field);
	has_params = asn1_read_alloc(node, name, &params, &plen) == 0;
	for (size_t i = 0; i < N_ALGS; i++) {
		if (strcmp(oid, algs[i].oid) != 0)
			continue;
		/* RSA: NULL (RFC 4055), tolerated absent as many encoders do;
		 * ECDSA: absent (RFC 5758). Anything else is not this algorithm. */
		int ok = algs[i].alg.key == X509_KEY_RSA
				 ? !has_params || (plen == 2 && memcmp(params, der_null, 2) == 0)
				 : !has_params;
		free(params);
		if (!ok)
			return -1;
		*out = algs[i].alg;
		return 0;
	}
	free(params);
	return -1;
}
