/* Public keys and the algorithms a CA key implies: SPKI inspection with
 * libtasn1, hashing and key identifiers with wolfSSL, serial numbers. */
#include "firmware/x509/x509_int.h"

#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/sha.h>

#define OID_RSA "1.2.840.113549.1.1.1"
#define OID_EC "1.2.840.10045.2.1"

static const struct {
	const char *oid;
	unsigned bits;
} curves[] = {
	{"1.2.840.10045.3.1.7", 256}, /* prime256v1 */
	{"1.3.132.0.34", 384},        /* secp384r1 */
	{"1.3.132.0.35", 521},        /* secp521r1 */
};

/* Bits of a positive big-endian INTEGER content. */
static unsigned int_bits(const uint8_t *v, size_t len)
{
	size_t i = 0;
	unsigned bits;
	uint8_t top;

	while (i < len && v[i] == 0)
		i++;
	if (i == len)
		return 0;
	top = v[i];
	bits = (unsigned)(len - i - 1) * 8;
	while (top) {
		bits++;
		top >>= 1;
	}
	return bits;
}

static int rsa_bits(const struct x509_buf *key, unsigned *bits)
{
	asn1_node node = NULL;
	uint8_t *mod = NULL;
	int mlen = 0, rc = -1;

	if (asn1_decode("PKIX.RSAPublicKey", key->data, key->len, &node, NULL, 0) != 0)
		return -1;
	/* A negative modulus is not a key. */
	if (asn1_read_alloc(node, "modulus", &mod, &mlen) == 0 && mlen > 0 && !(mod[0] & 0x80)) {
		*bits = int_bits(mod, (size_t)mlen);
		rc = *bits >= 512 && *bits <= 16384 ? 0 : -1;
	}
	free(mod);
	asn1_delete_structure(&node);
	return rc;
}

static int ec_bits(asn1_node spki, const struct x509_buf *point, unsigned *bits)
{
	asn1_node params = NULL;
	uint8_t *p = NULL;
	int plen = 0, rc = -1;
	char oid[X509I_OID_MAX];

	if (asn1_read_alloc(spki, "algorithm.parameters", &p, &plen) != 0)
		return -1;
	if (asn1_decode("PKIX.ECParameters", p, (size_t)plen, &params, NULL, 0) == 0 &&
	    x509i_read_str(params, "namedCurve", oid, sizeof oid) == 0) {
		for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
			size_t coord = (curves[i].bits + 7) / 8;
			if (strcmp(oid, curves[i].oid) != 0)
				continue;
			/* Uncompressed (04 X Y) or compressed (02/03 X) point. */
			if ((point->data[0] == 4 && point->len == 1 + 2 * coord) ||
			    ((point->data[0] == 2 || point->data[0] == 3) && point->len == 1 + coord)) {
				*bits = curves[i].bits;
				rc = 0;
			}
		}
	}
	free(p);
	asn1_delete_structure(&params);
	return rc;
}

int x509_spki_key(const uint8_t *spki, size_t len, enum x509_key_type *type, unsigned *bits)
{
	asn1_node node = NULL;
	struct x509_buf key = {0};
	char oid[X509I_OID_MAX];
	int rc = -1;

	*type = X509_KEY_NONE;
	*bits = 0;
	if (spki == NULL || len > X509I_MAX_DER ||
	    asn1_decode("PKIX.SubjectPublicKeyInfo", spki, len, &node, NULL, 0) != 0)
		return -1;
	if (x509i_read_str(node, "algorithm.algorithm", oid, sizeof oid) == 0 &&
	    x509i_read_octet_bits(node, "subjectPublicKey", &key) == 0) {
		if (strcmp(oid, OID_RSA) == 0 && rsa_bits(&key, bits) == 0) {
			*type = X509_KEY_RSA;
			rc = 0;
		} else if (strcmp(oid, OID_EC) == 0 && ec_bits(node, &key, bits) == 0) {
			*type = X509_KEY_EC;
			rc = 0;
		}
	}
	x509_buf_free(&key);
	asn1_delete_structure(&node);
	return rc;
}

int x509_key_allowed(enum x509_key_type type, unsigned bits)
{
	if (type == X509_KEY_RSA)
		return bits >= X509_RSA_MIN_BITS && bits <= X509_RSA_MAX_BITS;
	if (type == X509_KEY_EC)
		return bits == 256 || bits == 384;
	return 0;
}

enum x509_sigalg x509_sigalg_for_key(enum x509_key_type type, unsigned bits)
{
	if (type == X509_KEY_RSA && bits > 0)
		return bits <= 3072 ? X509_SIG_RSA_SHA256 : X509_SIG_RSA_SHA384;
	if (type == X509_KEY_EC && bits == 256)
		return X509_SIG_ECDSA_SHA256;
	if (type == X509_KEY_EC && bits == 384)
		return X509_SIG_ECDSA_SHA384;
	/* P-521 would need ecdsa-with-SHA512, which the CA does not sign with. */
	return X509_SIG_NONE;
}

int x509_sigalg_digest(enum x509_sigalg alg, const uint8_t *data, size_t len, uint8_t *digest,
		       size_t *digest_len)
{
	enum wc_HashType h = x509i_sigalg_hash(alg);
	int size = wc_HashGetDigestSize(h);

	if (h == WC_HASH_TYPE_NONE || size <= 0 || size > 64 || len > UINT32_MAX ||
	    (data == NULL && len != 0))
		return -1;
	if (wc_Hash(h, data, (word32)len, digest, (word32)size) != 0)
		return -1;
	*digest_len = (size_t)size;
	return 0;
}

int x509_key_id(const uint8_t *spki, size_t len, uint8_t out[20])
{
	asn1_node node = NULL;
	struct x509_buf key = {0};
	int rc = -1;

	if (spki == NULL || len > X509I_MAX_DER ||
	    asn1_decode("PKIX.SubjectPublicKeyInfo", spki, len, &node, NULL, 0) != 0)
		return -1;
	/* RFC 5280 4.2.1.2 (1): the BIT STRING's value, without tag, length and
	 * unused-bits octet. */
	if (x509i_read_octet_bits(node, "subjectPublicKey", &key) == 0 &&
	    wc_ShaHash(key.data, (word32)key.len, out) == 0)
		rc = 0;
	x509_buf_free(&key);
	asn1_delete_structure(&node);
	return rc;
}

void x509_serial_from_random(uint8_t serial[X509_SERIAL_LEN])
{
	serial[0] &= 0x7f; /* positive */
	serial[0] |= 0x40; /* never a leading zero byte: always 16 content bytes */
}
