/* Signature verification with wolfSSL over bytes exactly as received. The
 * key comes from a DER SubjectPublicKeyInfo, whose algorithm must match the
 * signature algorithm's key type. */
#include "firmware/x509/x509_int.h"

#include <string.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/signature.h>

static int verify_rsa(const struct x509i_alg *alg, const uint8_t *data, size_t data_len,
		      const uint8_t *sig, size_t sig_len, const uint8_t *spki, size_t spki_len,
		      char *err, size_t errlen)
{
	RsaKey key;
	word32 idx = 0;
	int rc = -1;

	if (wc_InitRsaKey(&key, NULL) != 0) {
		err_set(err, errlen, "signature: cannot initialise an RSA key");
		return -1;
	}
	if (wc_RsaPublicKeyDecode(spki, &idx, &key, (word32)spki_len) != 0 || idx != spki_len) {
		err_set(err, errlen, "spki: wolfSSL cannot load the RSA key");
		goto out;
	}
	/* PKCS#1 v1.5: the signature is exactly as long as the modulus. */
	if (sig_len != (size_t)wc_RsaEncryptSize(&key)) {
		err_set(err, errlen, "signature: length %zu does not match the key", sig_len);
		goto out;
	}
	/* RSA_W_ENC hashes data and compares the DigestInfo (NULL parameters). */
	if (wc_SignatureVerify(alg->hash, WC_SIGNATURE_TYPE_RSA_W_ENC, data, (word32)data_len,
			       sig, (word32)sig_len, &key, sizeof key) != 0) {
		err_set(err, errlen, "signature: RSA verification failed");
		goto out;
	}
	rc = 0;
out:
	wc_FreeRsaKey(&key);
	return rc;
}

static int verify_ecdsa(const struct x509i_alg *alg, const uint8_t *data, size_t data_len,
			const uint8_t *sig, size_t sig_len, const uint8_t *spki, size_t spki_len,
			char *err, size_t errlen)
{
	asn1_node sv = NULL;
	ecc_key key;
	word32 idx = 0;
	int rc = -1;

	/* wolfSSL tolerates some BER in ECDSA-Sig-Value; insist on DER first so
	 * one signature has one encoding. */
	if (asn1_decode("PKIX.ECDSA-Sig-Value", sig, sig_len, &sv, NULL, 0) != 0) {
		err_set(err, errlen, "signature: not a DER ECDSA-Sig-Value");
		return -1;
	}
	asn1_delete_structure(&sv);
	if (wc_ecc_init(&key) != 0) {
		err_set(err, errlen, "signature: cannot initialise an EC key");
		return -1;
	}
	if (wc_EccPublicKeyDecode(spki, &idx, &key, (word32)spki_len) != 0 || idx != spki_len) {
		err_set(err, errlen, "spki: wolfSSL cannot load the EC key");
		goto out;
	}
	if (wc_SignatureVerify(alg->hash, WC_SIGNATURE_TYPE_ECC, data, (word32)data_len, sig,
			       (word32)sig_len, &key, sizeof key) != 0) {
		err_set(err, errlen, "signature: ECDSA verification failed");
		goto out;
	}
	rc = 0;
out:
	wc_ecc_free(&key);
	return rc;
}

int x509i_verify(const struct x509i_alg *alg, const uint8_t *data, size_t data_len,
		 size_t data_max, const uint8_t *sig, size_t sig_len, const uint8_t *spki,
		 size_t spki_len, char *err, size_t errlen)
{
	enum x509_key_type type;
	unsigned bits;

	if (data == NULL || sig == NULL || spki == NULL || data_len > data_max ||
	    sig_len == 0 || sig_len > 4096 || spki_len > X509I_MAX_DER) {
		err_set(err, errlen, "signature: missing or oversized input");
		return -1;
	}
	if (x509_spki_key(spki, spki_len, &type, &bits) != 0) {
		err_set(err, errlen, "spki: unsupported or malformed public key");
		return -1;
	}
	if (type != alg->key) {
		err_set(err, errlen, "signature: algorithm does not match the key type");
		return -1;
	}
	if (type == X509_KEY_RSA)
		return verify_rsa(alg, data, data_len, sig, sig_len, spki, spki_len, err, errlen);
	return verify_ecdsa(alg, data, data_len, sig, sig_len, spki, spki_len, err, errlen);
}

int x509_verify_signature(const struct x509_cert_info *cert, const uint8_t *issuer_spki,
			  size_t issuer_spki_len, char *err, size_t errlen)
{
	struct x509i_alg alg;

	if (cert == NULL || cert->tbs.data == NULL || cert->sig.data == NULL) {
		err_set(err, errlen, "certificate: not decoded");
		return -1;
	}
	alg.hash = x509i_sigalg_hash(cert->sigalg);
	alg.key = x509i_sigalg_key(cert->sigalg);
	if (alg.hash == WC_HASH_TYPE_NONE) {
		err_set(err, errlen, "signatureAlgorithm: not supported");
		return -1;
	}
	return x509i_verify(&alg, cert->tbs.data, cert->tbs.len, X509I_MAX_DER, cert->sig.data,
			    cert->sig.len, issuer_spki, issuer_spki_len, err, errlen);
}

void x509_verify_thread_done(void)
{
	wc_ecc_fp_free();
}
