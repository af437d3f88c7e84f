/* The SubjectPublicKeyInfo of a key on the token, DER-encoded by wolfSSL from
 * the public key object's attributes. */
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/rsa.h>

#include "hsm/internal.h"

struct spki_arg {
	const struct hsm_key *key;
	uint8_t **der;
	size_t *der_len;
};

static int spki_rsa(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub,
		    struct spki_arg *a, struct hsm_err *err)
{
	uint8_t *n = NULL, *e = NULL, *der = NULL;
	size_t n_len, e_len, size;
	RsaKey rsa;
	int rc, len;

	if ((rc = hsm_get_attr(h, s, pub, CKA_MODULUS, &n, &n_len, err)) != HSM_OK)
		return rc;
	if ((rc = hsm_get_attr(h, s, pub, CKA_PUBLIC_EXPONENT, &e, &e_len, err)) != HSM_OK)
		goto out;
	if (wc_InitRsaKey(&rsa, NULL) != 0) {
		rc = hsm_err_set(err, HSM_ENOMEM, "wc_InitRsaKey failed");
		goto out;
	}
	size = n_len + e_len + 64; /* room for the SEQUENCEs, the OID and NULL */
	if ((der = malloc(size)) == NULL)
		rc = hsm_err_set(err, HSM_ENOMEM, "out of memory");
	else if (wc_RsaPublicKeyDecodeRaw(n, (word32)n_len, e, (word32)e_len, &rsa) != 0)
		rc = hsm_err_set(err, HSM_EARG, "the token's RSA public key is invalid");
	else if ((len = wc_RsaKeyToPublicDer(&rsa, der, (word32)size)) <= 0)
		rc = hsm_err_set(err, HSM_EARG, "wc_RsaKeyToPublicDer failed (%d)", len);
	else {
		*a->der = der;
		*a->der_len = (size_t)len;
		der = NULL;
	}
	wc_FreeRsaKey(&rsa);
out:
	free(der);
	free(n);
	free(e);
	return rc;
}

/* CKA_EC_POINT should be the DER OCTET STRING holding the uncompressed point
 * (PKCS#11 2.40; SoftHSM does so), but some modules give the bare point.
 * Both are told apart by length, which the curve fixes. */
static int unwrap_point(const uint8_t *v, size_t len, unsigned bits, const uint8_t **pt,
			size_t *pt_len)
{
	size_t raw = 1 + 2 * ((bits + 7) / 8);

	if (len == raw && v[0] == 0x04) {
		*pt = v;
		*pt_len = len;
		return 0;
	}
	if (raw < 0x80 && len == raw + 2 && v[0] == 0x04 && v[1] == raw && v[2] == 0x04) {
		*pt = v + 2;
		*pt_len = raw;
		return 0;
	}
	return -1;
}

static int spki_ec(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub,
		   struct spki_arg *a, struct hsm_err *err)
{
	uint8_t *params = NULL, *point = NULL, *der = NULL;
	size_t params_len, point_len, q_len, size = 256;
	const uint8_t *q;
	unsigned bits;
	ecc_key ecc;
	int rc, len;

	if ((rc = hsm_get_attr(h, s, pub, CKA_EC_PARAMS, &params, &params_len, err)) != HSM_OK)
		return rc;
	if ((rc = hsm_get_attr(h, s, pub, CKA_EC_POINT, &point, &point_len, err)) != HSM_OK)
		goto out;
	if (hsm_curve_bits(params, params_len, &bits) != 0) {
		rc = hsm_err_set(err, HSM_EARG, "key %s is on an unsupported curve",
				 a->key->label);
		goto out;
	}
	if (unwrap_point(point, point_len, bits, &q, &q_len) != 0) {
		rc = hsm_err_set(err, HSM_EARG, "key %s: CKA_EC_POINT is not an uncompressed "
				 "point", a->key->label);
		goto out;
	}
	if (wc_ecc_init(&ecc) != 0) {
		rc = hsm_err_set(err, HSM_ENOMEM, "wc_ecc_init failed");
		goto out;
	}
	if ((der = malloc(size)) == NULL)
		rc = hsm_err_set(err, HSM_ENOMEM, "out of memory");
	else if (wc_ecc_import_x963_ex(q, (word32)q_len, &ecc,
				       bits == 256 ? ECC_SECP256R1 : ECC_SECP384R1) != 0)
		rc = hsm_err_set(err, HSM_EARG, "the token's EC public key is invalid");
	else if ((len = wc_EccPublicKeyToDer(&ecc, der, (word32)size, 1)) <= 0)
		rc = hsm_err_set(err, HSM_EARG, "wc_EccPublicKeyToDer failed (%d)", len);
	else {
		*a->der = der;
		*a->der_len = (size_t)len;
		der = NULL;
	}
	wc_ecc_free(&ecc);
out:
	free(der);
	free(params);
	free(point);
	return rc;
}

static int spki_op(struct hsm *h, const struct hsm_sess *s, void *arg, struct hsm_err *err)
{
	struct spki_arg *a = arg;
	CK_OBJECT_HANDLE priv, pub;
	int rc;

	if ((rc = hsm_key_handles(h, s, a->key, &priv, &pub, err)) != HSM_OK)
		return rc;
	if (pub == CK_INVALID_HANDLE)
		return hsm_err_set(err, HSM_ENOKEY, "key %s has no public key object",
				   a->key->label);
	if (a->key->type == HSM_KEY_RSA)
		return spki_rsa(h, s->h, pub, a, err);
	return spki_ec(h, s->h, pub, a, err);
}

int hsm_key_spki(struct hsm *h, const struct hsm_key *key, uint8_t **der, size_t *der_len,
		 struct hsm_err *err)
{
	struct spki_arg a = { key, der, der_len };

	if (key == NULL || der == NULL || der_len == NULL)
		return hsm_err_set(err, HSM_EARG, "hsm_key_spki: missing argument");
	*der = NULL;
	*der_len = 0;
	if (key->type != HSM_KEY_RSA && key->type != HSM_KEY_EC)
		return hsm_err_set(err, HSM_EARG, "unknown key type %d", (int)key->type);
	return hsm_run(h, spki_op, &a, err);
}
