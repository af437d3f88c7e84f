/* Signing a digest on the token, and random bytes from it.
 *
 * The signature comes back in the form X.509 wants in signatureValue: RSA
 * PKCS#1 v1.5 as is; ECDSA converted from PKCS#11's raw r||s to the DER
 * ECDSA-Sig-Value. wolfSSL builds the DigestInfo and the DER integers (minimal
 * length, a 0x00 in front of a high bit), so no encoding is hand-made here. */
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "hsm/internal.h"

/* A DigestInfo is a 19-byte header and the digest: 83 bytes for SHA-512. */
#define DIGESTINFO_MAX 128

struct sign_arg {
	const struct hsm_key *key;
	enum wc_HashType hash;
	const uint8_t *digest;
	size_t digest_len;
	uint8_t *sig;
	size_t *sig_len;
};

static int hash_type(enum hsm_hash hash, enum wc_HashType *type)
{
	switch (hash) {
	case HSM_SHA256:
		*type = WC_HASH_TYPE_SHA256;
		return 0;
	case HSM_SHA384:
		*type = WC_HASH_TYPE_SHA384;
		return 0;
	case HSM_SHA512:
		*type = WC_HASH_TYPE_SHA512;
		return 0;
	}
	return -1;
}

/* C_Sign ends the operation whatever it returns except CKR_BUFFER_TOO_SMALL
 * (a key larger than this layer supports): sign into a big enough buffer and
 * drop the result, so that the pooled session is not left mid-operation. */
static void finish_sign(struct hsm *h, CK_SESSION_HANDLE s, const uint8_t *in,
			size_t in_len, CK_ULONG need)
{
	uint8_t *tmp = malloc(need);
	CK_ULONG len = need;

	if (tmp == NULL)
		return;
	(void)h->f->C_Sign(s, (CK_BYTE_PTR)in, in_len, tmp, &len);
	free(tmp);
}

static int p11_sign(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
		    CK_MECHANISM_TYPE mt, const uint8_t *in, size_t in_len, uint8_t *out,
		    CK_ULONG *out_len, struct hsm_err *err)
{
	CK_MECHANISM mech = { mt, NULL, 0 };
	CK_RV rv;

	if ((rv = h->f->C_SignInit(s, &mech, priv)) != CKR_OK)
		return hsm_err_key_p11(h, s, err, "C_SignInit", rv);
	rv = h->f->C_Sign(s, (CK_BYTE_PTR)in, in_len, out, out_len);
	if (rv == CKR_BUFFER_TOO_SMALL)
		finish_sign(h, s, in, in_len, *out_len);
	if (rv != CKR_OK)
		return hsm_err_key_p11(h, s, err, "C_Sign", rv);
	return HSM_OK;
}

static int sign_rsa(struct hsm *h, const struct hsm_sess *s, CK_OBJECT_HANDLE priv,
		    const struct sign_arg *a, struct hsm_err *err)
{
	uint8_t info[DIGESTINFO_MAX];
	uint8_t out[HSM_SIG_MAX];
	CK_ULONG out_len = sizeof(out);
	word32 info_len;
	int rc;

	info_len = wc_EncodeSignature(info, a->digest, (word32)a->digest_len,
				      wc_GetCTC_HashOID(a->hash));
	if (info_len == 0)
		return hsm_err_set(err, HSM_EARG, "cannot encode the DigestInfo");
	rc = p11_sign(h, s->h, priv, CKM_RSA_PKCS, info, info_len, out, &out_len, err);
	if (rc != HSM_OK)
		return rc;
	if (out_len > *a->sig_len)
		return hsm_err_set(err, HSM_EARG, "signature buffer too small (%zu < %lu)",
				   *a->sig_len, (unsigned long)out_len);
	memcpy(a->sig, out, out_len);
	*a->sig_len = out_len;
	return HSM_OK;
}

static int sign_ecdsa(struct hsm *h, const struct hsm_sess *s, CK_OBJECT_HANDLE priv,
		      const struct sign_arg *a, struct hsm_err *err)
{
	uint8_t rs[2 * 66]; /* r||s, each as long as the curve order (P-521 at most) */
	uint8_t der[HSM_SIG_MAX];
	CK_ULONG rs_len = sizeof(rs);
	word32 der_len = sizeof(der), half;
	int rc;

	/* CKM_ECDSA signs the digest as given; the token truncates it to the order's
	 * length as X9.62 says, so SHA-384 with P-256 is still well defined. */
	rc = p11_sign(h, s->h, priv, CKM_ECDSA, a->digest, a->digest_len, rs, &rs_len, err);
	if (rc != HSM_OK)
		return rc;
	if (rs_len == 0 || rs_len % 2 != 0)
		return hsm_err_set(err, HSM_EP11, "C_Sign: odd ECDSA signature length %lu",
				   (unsigned long)rs_len);
	half = (word32)(rs_len / 2);
	if (wc_ecc_rs_raw_to_sig(rs, half, rs + half, half, der, &der_len) != 0)
		return hsm_err_set(err, HSM_EP11, "cannot DER-encode the ECDSA signature");
	if (der_len > *a->sig_len)
		return hsm_err_set(err, HSM_EARG, "signature buffer too small (%zu < %u)",
				   *a->sig_len, (unsigned)der_len);
	memcpy(a->sig, der, der_len);
	*a->sig_len = der_len;
	return HSM_OK;
}

static int sign_op(struct hsm *h, const struct hsm_sess *s, void *arg, struct hsm_err *err)
{
	struct sign_arg *a = arg;
	CK_OBJECT_HANDLE priv, pub;
	int rc;

	if ((rc = hsm_key_handles(h, s, a->key, &priv, &pub, err)) != HSM_OK)
		return rc;
	if (a->key->type == HSM_KEY_RSA)
		return sign_rsa(h, s, priv, a, err);
	return sign_ecdsa(h, s, priv, a, err);
}

int hsm_sign_digest(struct hsm *h, const struct hsm_key *key, enum hsm_hash hash,
		    const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t *sig_len,
		    struct hsm_err *err)
{
	struct sign_arg a = { key, WC_HASH_TYPE_NONE, digest, digest_len, sig, sig_len };

	if (key == NULL || digest == NULL || sig == NULL || sig_len == NULL)
		return hsm_err_set(err, HSM_EARG, "hsm_sign_digest: missing argument");
	if (hash_type(hash, &a.hash) != 0)
		return hsm_err_set(err, HSM_EARG, "unknown hash %d", (int)hash);
	/* A digest of the wrong length is a caller's bug that would otherwise be
	 * signed silently (ECDSA truncates, PKCS#1 would encode it). */
	if (digest_len != (size_t)wc_HashGetDigestSize(a.hash))
		return hsm_err_set(err, HSM_EARG, "digest is %zu bytes, hash wants %d",
				   digest_len, wc_HashGetDigestSize(a.hash));
	if (key->type != HSM_KEY_RSA && key->type != HSM_KEY_EC)
		return hsm_err_set(err, HSM_EARG, "unknown key type %d", (int)key->type);
	return hsm_run(h, sign_op, &a, err);
}

struct random_arg {
	uint8_t *buf;
	size_t len;
};

static int random_op(struct hsm *h, const struct hsm_sess *s, void *arg,
		     struct hsm_err *err)
{
	struct random_arg *a = arg;
	CK_RV rv = h->f->C_GenerateRandom(s->h, a->buf, a->len);

	if (rv != CKR_OK)
		return hsm_err_p11(err, "C_GenerateRandom", rv);
	return HSM_OK;
}

int hsm_random(struct hsm *h, uint8_t *buf, size_t len, struct hsm_err *err)
{
	struct random_arg a = { buf, len };

	if (len == 0)
		return HSM_OK;
	if (buf == NULL)
		return hsm_err_set(err, HSM_EARG, "hsm_random: no buffer");
	return hsm_run(h, random_op, &a, err);
}
