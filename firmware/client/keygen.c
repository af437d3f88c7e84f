/* Key pairs and PKCS#10 requests for `careq new` (client.h). wolfSSL generates
 * the key and signs; the request itself is built by firmware/x509 (the CA's own
 * encoder, so that what careq sends is what the CA's decoder was written for).
 * The private key exists in the wolfSSL key structure, in two DER buffers on the
 * stack and in the PEM the caller writes: all are wiped when done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/signature.h>

#include "firmware/asn1/der.h"
#include "firmware/client/client.h"

#define KEY_DER_MAX 4096 /* PKCS#8 of an RSA-3072 key is about 1.8 KiB */
#define SIG_MAX 512

static const struct {
	const char *name;
	enum x509_key_type type;
	unsigned bits;
	int curve; /* wolfSSL's curve id for EC */
} specs[] = {
	{"rsa:2048", X509_KEY_RSA, 2048, 0},
	{"rsa:3072", X509_KEY_RSA, 3072, 0},
	{"ec:p256", X509_KEY_EC, 256, ECC_SECP256R1},
	{"ec:p384", X509_KEY_EC, 384, ECC_SECP384R1},
};

struct key {
	enum x509_key_type type;
	int ready; /* initialised: must be freed */
	union {
		RsaKey rsa;
		ecc_key ec;
	} u;
};

int keyspec_parse(const char *s, struct keyspec *k)
{
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		if (strcasecmp(s, specs[i].name) != 0)
			continue;
		k->type = specs[i].type;
		k->bits = specs[i].bits;
		snprintf(k->name, sizeof(k->name), "%s", specs[i].name);
		return 0;
	}
	return -1;
}

static int curve_of(const struct keyspec *k)
{
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		if (specs[i].type == k->type && specs[i].bits == k->bits)
			return specs[i].curve;
	return -1;
}

static int key_generate(struct key *key, const struct keyspec *k, WC_RNG *rng)
{
	key->type = k->type;
	if (k->type == X509_KEY_RSA) {
		if (wc_InitRsaKey(&key->u.rsa, NULL) != 0)
			return -1;
		key->ready = 1;
		/* RSA blinding (WC_RSA_BLINDING) needs the RNG for private operations. */
		if (wc_RsaSetRNG(&key->u.rsa, rng) != 0)
			return -1;
		return wc_MakeRsaKey(&key->u.rsa, (int)k->bits, WC_RSA_EXPONENT, rng) == 0 ? 0 : -1;
	}
	if (wc_ecc_init(&key->u.ec) != 0)
		return -1;
	key->ready = 1;
	return wc_ecc_make_key_ex(rng, (int)(k->bits / 8), &key->u.ec, curve_of(k)) == 0 ? 0 : -1;
}

static void key_free(struct key *key)
{
	if (key->ready && key->type == X509_KEY_RSA)
		wc_FreeRsaKey(&key->u.rsa);
	else if (key->ready)
		wc_ecc_free(&key->u.ec);
	explicit_bzero(key, sizeof(*key));
}

static int buf_copy(const uint8_t *p, size_t len, struct x509_buf *out)
{
	if ((out->data = malloc(len)) == NULL)
		return -1;
	memcpy(out->data, p, len);
	out->len = len;
	return 0;
}

static int key_spki(struct key *key, struct x509_buf *out)
{
	uint8_t der[KEY_DER_MAX];
	int n;

	if (key->type == X509_KEY_RSA)
		n = wc_RsaKeyToPublicDer(&key->u.rsa, der, sizeof(der));
	else
		n = wc_EccPublicKeyToDer(&key->u.ec, der, sizeof(der), 1);
	return n > 0 ? buf_copy(der, (size_t)n, out) : -1;
}

/* PKCS#8 PrivateKeyInfo as PEM: what openssl writes by default and reads back. */
static int key_pem(struct key *key, struct x509_buf *pem)
{
	uint8_t der[KEY_DER_MAX], p8[KEY_DER_MAX + 64];
	word32 p8_len = sizeof(p8);
	int n, rc = -1;

	if (key->type == X509_KEY_RSA) {
		n = wc_RsaKeyToDer(&key->u.rsa, der, sizeof(der));
		if (n > 0)
			n = wc_CreatePKCS8Key(p8, &p8_len, der, (word32)n, RSAk, NULL, 0);
	} else {
		n = wc_EccKeyToPKCS8(&key->u.ec, p8, &p8_len);
	}
	if (n > 0 && (size_t)n <= sizeof(p8))
		rc = x509_pem_encode("PRIVATE KEY", p8, (size_t)n, pem);
	explicit_bzero(der, sizeof(der));
	explicit_bzero(p8, sizeof(p8));
	return rc;
}

/* The request: CertificationRequestInfo, signed with SHA-256 whatever the key
 * size, then assembled and checked by the CA's own verifier. */
/* The CertificationRequestInfo x509_csr_info_encode made (its attributes an
 * empty [0]) with attrs as its attributes instead. firmware/x509 writes no
 * request attributes (the CA never needs to), so the three first fields are
 * copied as they are and the [0] is written here with the DER writer. */
static int with_attrs(struct x509_buf *info, const struct x509_buf *attrs)
{
	const uint8_t *p = info->data;
	size_t hdr, clen, off, end, h, l;
	struct der d;
	uint8_t *out;
	size_t out_len;

	if (der_header(p, info->len, &hdr, &clen) != 0 || p[0] != DER_SEQUENCE)
		return -1;
	off = hdr;
	end = hdr + clen;
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	for (int i = 0; i < 3; i++) { /* version, subject, subjectPKInfo */
		if (der_header(p + off, end - off, &h, &l) != 0) {
			der_free(&d);
			return -1;
		}
		der_raw(&d, p[off], p + off, h + l);
		off += h + l;
	}
	der_begin(&d, DER_CTX(0));
	for (size_t a = 0; a < attrs->len;) { /* each Attribute as given */
		if (der_header(attrs->data + a, attrs->len - a, &h, &l) != 0) {
			der_free(&d);
			return -1;
		}
		der_raw(&d, DER_SEQUENCE, attrs->data + a, h + l);
		a += h + l;
	}
	der_end(&d);
	der_end(&d);
	if (der_finish(&d, &out, &out_len) != 0)
		return -1;
	x509_buf_free(info);
	info->data = out;
	info->len = out_len;
	return 0;
}

static int build_csr(struct key *key, WC_RNG *rng, const struct x509_buf *subject,
		     const struct x509_buf *attrs, struct x509_buf *csr, char *err, size_t errlen)
{
	struct x509_buf spki = {0}, info = {0};
	enum x509_sigalg alg =
		key->type == X509_KEY_RSA ? X509_SIG_RSA_SHA256 : X509_SIG_ECDSA_SHA256;
	enum wc_SignatureType st =
		key->type == X509_KEY_RSA ? WC_SIGNATURE_TYPE_RSA_W_ENC : WC_SIGNATURE_TYPE_ECC;
	uint8_t sig[SIG_MAX];
	word32 sig_len = sizeof(sig);
	int rc = -1;

	if (key_spki(key, &spki) != 0) {
		snprintf(err, errlen, "cannot encode the public key");
		goto out;
	}
	if (x509_csr_info_encode(subject, &spki, 0, &info, err, errlen) != 0)
		goto out;
	if (attrs != NULL && attrs->len > 0 && with_attrs(&info, attrs) != 0) {
		snprintf(err, errlen, "cannot add the request's attributes");
		goto out;
	}
	if (wc_SignatureGenerate(WC_HASH_TYPE_SHA256, st, info.data, (word32)info.len, sig,
				 &sig_len, &key->u, (word32)sizeof(key->u), rng) != 0) {
		snprintf(err, errlen, "cannot sign the request");
		goto out;
	}
	if (x509_csr_assemble(&info, alg, sig, sig_len, csr) != 0) {
		snprintf(err, errlen, "cannot assemble the request");
		goto out;
	}
	/* Our own output through the CA's verifier: a bad signature stops here. */
	if (x509_csr_verify(csr->data, csr->len, NULL, NULL, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	x509_buf_free(&spki);
	x509_buf_free(&info);
	return rc;
}

/* The key, the request for the DER name, the key as PEM. */
static int generate(const struct keyspec *k, const struct x509_buf *name,
		    const struct x509_buf *attrs, struct x509_buf *key_pem_out, struct x509_buf *csr,
		    char *err, size_t errlen)
{
	struct key key;
	WC_RNG rng;
	int rc = -1;

	memset(&key, 0, sizeof(key));
	if (wc_InitRng(&rng) != 0) {
		snprintf(err, errlen, "cannot initialise the random number generator");
		return -1;
	}
	if (key_generate(&key, k, &rng) != 0) {
		snprintf(err, errlen, "cannot generate a %s key", k->name);
	} else if (build_csr(&key, &rng, name, attrs, csr, err, errlen) != 0) {
		/* err says why */
	} else if (key_pem(&key, key_pem_out) != 0) {
		snprintf(err, errlen, "cannot encode the private key");
	} else {
		rc = 0;
	}
	if (rc != 0)
		x509_buf_free(csr);
	key_free(&key);
	wc_FreeRng(&rng);
	return rc;
}

int keygen_request(const struct keyspec *k, const char *subject, struct x509_buf *key_pem_out,
		   struct x509_buf *csr, char *err, size_t errlen)
{
	struct x509_buf name = {0};
	int rc;

	memset(csr, 0, sizeof(*csr));
	memset(key_pem_out, 0, sizeof(*key_pem_out));
	/* The name first: a typo should not cost an RSA key generation. */
	if (x509_name_parse(subject, &name, err, errlen) != 0)
		return -1;
	rc = generate(k, &name, NULL, key_pem_out, csr, err, errlen);
	x509_buf_free(&name);
	return rc;
}

int keygen_request_der(const struct keyspec *k, const struct x509_buf *subject,
		       const struct x509_buf *attrs, struct x509_buf *key_pem_out, struct x509_buf *csr,
		       char *err, size_t errlen)
{
	memset(csr, 0, sizeof(*csr));
	memset(key_pem_out, 0, sizeof(*key_pem_out));
	return generate(k, subject, attrs, key_pem_out, csr, err, errlen);
}
