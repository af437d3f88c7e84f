/* Unit tests of hsm/ against SoftHSM2: opening, key generation and attributes,
 * SubjectPublicKeyInfo, signatures checked by wolfSSL and by the openssl CLI,
 * random bytes, recovery after sessions or the login vanish behind the layer's
 * back, and concurrent use of a small pool. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/rsa.h>
#include <wolfssl/wolfcrypt/signature.h>

#include "hsm/hsm.h"
#include "hsm/internal.h" /* only to drive the device-error recovery path */
#include "tests/unit/support/p11kit_server.h"
#include "tests/unit/support/softhsm_token.h"

#define LABEL "unit-ca"
#define SHARED_RSA "shared-rsa"
#define SHARED_EC "shared-ec"

static struct softhsm_token tok;

static const struct hsm_config *config(unsigned pool)
{
	static struct hsm_config cfg;

	cfg.module_path = SOFTHSM_MODULE;
	cfg.token_label = LABEL;
	cfg.pool_size = pool;
	return &cfg;
}

static struct hsm *open_ok(unsigned pool)
{
	struct hsm *h = NULL;
	struct hsm_err err;
	int rc = hsm_open(config(pool), &tok.user_pin, &h, &err);

	if (rc != HSM_OK)
		fail_msg("hsm_open: %d %s", rc, err.msg);
	return h;
}

/* ---- group fixture: one token, two keys shared by the recovery tests ---- */

static int group_setup(void **state)
{
	const struct hsm_keyspec rsa = { HSM_KEY_RSA, 2048 }, ec = { HSM_KEY_EC, 256 };
	struct hsm_key k;
	struct hsm_err err;
	struct hsm *h = NULL;

	(void)state;
	if (softhsm_token_setup(&tok, LABEL) != 0)
		return -1;
	if (hsm_open(config(1), &tok.user_pin, &h, &err) != HSM_OK ||
	    hsm_generate_key(h, HSM_ROLE_SIGN, &rsa, SHARED_RSA, &k, &err) != HSM_OK ||
	    hsm_generate_key(h, HSM_ROLE_SIGN, &ec, SHARED_EC, &k, &err) != HSM_OK) {
		fprintf(stderr, "group setup: %s\n", err.msg);
		hsm_close(h);
		softhsm_token_teardown(&tok);
		return -1;
	}
	hsm_close(h);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	softhsm_token_teardown(&tok);
	return 0;
}

/* ---- verification helpers (wolfSSL and openssl, never the layer) ---------- */

static enum wc_HashType wc_hash(enum hsm_hash hash)
{
	return hash == HSM_SHA256 ? WC_HASH_TYPE_SHA256
	       : hash == HSM_SHA384 ? WC_HASH_TYPE_SHA384 : WC_HASH_TYPE_SHA512;
}

static size_t make_digest(enum hsm_hash hash, const char *msg, uint8_t *out)
{
	enum wc_HashType t = wc_hash(hash);

	assert_int_equal(wc_Hash(t, (const byte *)msg, (word32)strlen(msg), out,
				 (word32)wc_HashGetDigestSize(t)), 0);
	return (size_t)wc_HashGetDigestSize(t);
}

/* The DER DigestInfo before the digest, from RFC 8017 section 9.2, note 1:
 * written out here so that the test does not share the layer's encoder. */
#define DIGEST_INFO_PREFIX 19
static const uint8_t di_sha256[DIGEST_INFO_PREFIX] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
static const uint8_t di_sha384[DIGEST_INFO_PREFIX] = {
	0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30 };
static const uint8_t di_sha512[DIGEST_INFO_PREFIX] = {
	0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40 };

static const uint8_t *digest_info_prefix(enum hsm_hash hash)
{
	return hash == HSM_SHA256 ? di_sha256 : hash == HSM_SHA384 ? di_sha384 : di_sha512;
}

/* Verifies sig over digest with the public key in spki, which must be of the
 * given type and size; returns 1 if all is good. It asserts nothing, so that
 * the worker threads can use it. */
static int wolf_verify(enum hsm_key_type type, unsigned bits, const uint8_t *spki,
		       size_t spki_len, enum hsm_hash hash, const uint8_t *digest,
		       size_t digest_len, const uint8_t *sig, size_t sig_len)
{
	word32 idx = 0;
	int ok = 0;

	if (type == HSM_KEY_RSA) {
		RsaKey rsa;

		if (wc_InitRsaKey(&rsa, NULL) != 0)
			return 0;
		uint8_t plain[512];
		const uint8_t *prefix = digest_info_prefix(hash);
		int n;

		ok = wc_RsaPublicKeyDecode(spki, &idx, &rsa, (word32)spki_len) == 0 &&
		     idx == spki_len && wc_RsaEncryptSize(&rsa) * 8 == (int)bits;
		/* PKCS#1 v1.5: what the signature opens to is the DigestInfo. */
		n = ok ? wc_RsaSSL_Verify(sig, (word32)sig_len, plain, sizeof(plain), &rsa) : -1;
		ok = n == DIGEST_INFO_PREFIX + (int)digest_len &&
		     memcmp(plain, prefix, DIGEST_INFO_PREFIX) == 0 &&
		     memcmp(plain + DIGEST_INFO_PREFIX, digest, digest_len) == 0;
		wc_FreeRsaKey(&rsa);
	} else {
		ecc_key ecc;

		if (wc_ecc_init(&ecc) != 0)
			return 0;
		ok = wc_EccPublicKeyDecode(spki, &idx, &ecc, (word32)spki_len) == 0 &&
		     idx == spki_len && wc_ecc_size(&ecc) * 8 == (int)bits &&
		     wc_SignatureVerifyHash(wc_hash(hash), WC_SIGNATURE_TYPE_ECC, digest,
					    (word32)digest_len, sig, (word32)sig_len, &ecc,
					    sizeof(ecc)) == 0;
		wc_ecc_free(&ecc);
	}
	return ok;
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* openssl hashes msg itself and checks sig with the DER public key spki. */
static int openssl_verify(const char *name, const char *md, const uint8_t *spki,
			  size_t spki_len, const char *msg, const uint8_t *sig, size_t sig_len)
{
	char pub[128], data[128], sigf[128], cmd[640], base[64];

	snprintf(base, sizeof(base), "%s.pub.der", name);
	softhsm_token_path(&tok, base, pub, sizeof(pub));
	snprintf(base, sizeof(base), "%s.data", name);
	softhsm_token_path(&tok, base, data, sizeof(data));
	snprintf(base, sizeof(base), "%s.sig", name);
	softhsm_token_path(&tok, base, sigf, sizeof(sigf));
	write_file(pub, spki, spki_len);
	write_file(data, msg, strlen(msg));
	write_file(sigf, sig, sig_len);
	snprintf(cmd, sizeof(cmd),
		 "openssl dgst -%s -verify %s -keyform DER -signature %s %s >/dev/null 2>&1", md,
		 pub, sigf, data);
	return system(cmd) == 0;
}

static const uint8_t rsa_alg[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
				   0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
static const uint8_t ec_alg[] = { 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const uint8_t p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
				    0x07 };
static const uint8_t p384_oid[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	return memmem(hay, n, needle, m) != NULL;
}

/* The SPKI names the algorithm as X.509 wants it: rsaEncryption with NULL
 * parameters, or id-ecPublicKey with the named curve. */
static void check_spki_alg(enum hsm_key_type type, unsigned bits, const uint8_t *spki,
			   size_t len)
{
	if (type == HSM_KEY_RSA) {
		assert_true(contains(spki, len, rsa_alg, sizeof(rsa_alg)));
	} else {
		assert_true(contains(spki, len, ec_alg, sizeof(ec_alg)));
		if (bits == 256)
			assert_true(contains(spki, len, p256_oid, sizeof(p256_oid)));
		else
			assert_true(contains(spki, len, p384_oid, sizeof(p384_oid)));
	}
}

/* ---- opening --------------------------------------------------------------- */

static void test_open_right_pin(void **state)
{
	struct hsm *h;
	struct hsm_err err;

	(void)state;
	assert_int_equal(hsm_open(config(2), &tok.user_pin, &h, &err), HSM_OK);
	assert_non_null(h);
	assert_int_not_equal(hsm_test_session(h, 0), CK_INVALID_HANDLE);
	assert_int_not_equal(hsm_test_session(h, 1), CK_INVALID_HANDLE);
	hsm_close(h);
}

static void test_open_wrong_pin(void **state)
{
	struct secret src = { (uint8_t *)"not-the-pin", 11 }, pin;
	struct hsm *h = (struct hsm *)1;
	struct hsm_err err;

	(void)state;
	assert_int_equal(secret_dup(&src, &pin), 0);
	assert_int_equal(hsm_open(config(2), &pin, &h, &err), HSM_EP11);
	assert_null(h);
	assert_int_equal(err.rv, CKR_PIN_INCORRECT);
	assert_non_null(strstr(err.msg, "CKR_PIN_INCORRECT"));
	assert_non_null(strstr(err.msg, "C_Login"));
	/* The error struct is optional. */
	assert_int_equal(hsm_open(config(1), &pin, &h, NULL), HSM_EP11);
	secret_wipe(&pin);
}

static void test_open_unknown_label(void **state)
{
	struct hsm_config cfg = *config(1);
	struct hsm *h;
	struct hsm_err err;

	(void)state;
	cfg.token_label = "no-such-token";
	assert_int_equal(hsm_open(&cfg, &tok.user_pin, &h, &err), HSM_ENOTOKEN);
	assert_non_null(strstr(err.msg, "no-such-token"));
	/* A prefix of the label is not the label. */
	cfg.token_label = "unit";
	assert_int_equal(hsm_open(&cfg, &tok.user_pin, &h, NULL), HSM_ENOTOKEN);
}

static void test_open_bad_module(void **state)
{
	struct hsm_config cfg = *config(1);
	struct hsm *h;
	struct hsm_err err;

	(void)state;
	cfg.module_path = "/nonexistent/libpkcs11.so";
	assert_int_equal(hsm_open(&cfg, &tok.user_pin, &h, &err), HSM_EMODULE);
	assert_non_null(strstr(err.msg, "/nonexistent/libpkcs11.so"));
	cfg.module_path = "/etc/passwd"; /* exists, but is no module */
	assert_int_equal(hsm_open(&cfg, &tok.user_pin, &h, NULL), HSM_EMODULE);
}

static void test_open_bad_pool(void **state)
{
	struct hsm *h;

	(void)state;
	assert_int_equal(hsm_open(config(0), &tok.user_pin, &h, NULL), HSM_EARG);
}

static void test_token_init_existing_label(void **state)
{
	struct hsm_err err;

	(void)state;
	assert_int_equal(hsm_token_init(SOFTHSM_MODULE, LABEL, &tok.so_pin, &tok.user_pin,
					&err), HSM_EEXIST);
}

/* ---- key types: generate, SPKI, sign, verify -------------------------------- */

/* Generates a signing key, checks its SPKI and a signature over a digest made
 * with hash, verified by wolfSSL; a changed digest must not verify. */
static void check_key_type(enum hsm_key_type type, unsigned bits, enum hsm_hash hash,
			   const char *label)
{
	const struct hsm_keyspec spec = { type, bits };
	struct hsm *h = open_ok(2);
	struct hsm_key k;
	struct hsm_err err;
	uint8_t digest[64], sig[HSM_SIG_MAX], *spki;
	size_t dlen, sig_len = sizeof(sig), spki_len;

	assert_int_equal(hsm_generate_key(h, HSM_ROLE_SIGN, &spec, label, &k, &err), HSM_OK);
	assert_int_equal(k.type, type);
	assert_int_equal(k.bits, bits);
	assert_int_equal(k.id_len, 20);
	assert_string_equal(k.label, label);
	assert_int_equal(hsm_key_spki(h, &k, &spki, &spki_len, &err), HSM_OK);
	check_spki_alg(type, bits, spki, spki_len);

	dlen = make_digest(hash, label, digest);
	assert_int_equal(hsm_sign_digest(h, &k, hash, digest, dlen, sig, &sig_len, &err),
			 HSM_OK);
	if (type == HSM_KEY_RSA)
		assert_int_equal(sig_len, bits / 8);
	else
		assert_int_equal(sig[0], 0x30); /* DER SEQUENCE, not raw r||s */
	assert_true(wolf_verify(type, bits, spki, spki_len, hash, digest, dlen, sig, sig_len));
	digest[0] ^= 1;
	assert_false(wolf_verify(type, bits, spki, spki_len, hash, digest, dlen, sig, sig_len));
	free(spki);
	hsm_close(h);
}

static void test_rsa2048_sha256(void **state)
{
	(void)state;
	check_key_type(HSM_KEY_RSA, 2048, HSM_SHA256, "rsa-2048");
}

static void test_rsa3072_sha384(void **state)
{
	(void)state;
	check_key_type(HSM_KEY_RSA, 3072, HSM_SHA384, "rsa-3072");
}

static void test_rsa4096_sha512(void **state)
{
	(void)state;
	check_key_type(HSM_KEY_RSA, 4096, HSM_SHA512, "rsa-4096");
}

static void test_ec256_sha256(void **state)
{
	(void)state;
	check_key_type(HSM_KEY_EC, 256, HSM_SHA256, "ec-256");
}

static void test_ec384_sha384(void **state)
{
	(void)state;
	check_key_type(HSM_KEY_EC, 384, HSM_SHA384, "ec-384");
}

/* The same signature check by an independent implementation, which also
 * parses the SPKI and hashes the message itself. */
static void check_openssl(const char *label, const char *md, enum hsm_hash hash)
{
	static const char msg[] = "to be signed: a TBSCertificate, say";
	struct hsm *h = open_ok(1);
	struct hsm_key k;
	struct hsm_err err;
	uint8_t digest[64], sig[HSM_SIG_MAX], *spki;
	size_t dlen, sig_len = sizeof(sig), spki_len;

	assert_int_equal(hsm_find_key(h, label, NULL, 0, &k, &err), HSM_OK);
	assert_int_equal(hsm_key_spki(h, &k, &spki, &spki_len, &err), HSM_OK);
	dlen = make_digest(hash, msg, digest);
	assert_int_equal(hsm_sign_digest(h, &k, hash, digest, dlen, sig, &sig_len, &err),
			 HSM_OK);
	assert_true(openssl_verify(label, md, spki, spki_len, msg, sig, sig_len));
	/* openssl must be able to say no. */
	assert_false(openssl_verify(label, md, spki, spki_len, "to be signed: something else",
				    sig, sig_len));
	free(spki);
	hsm_close(h);
}

static void test_openssl_verify_rsa(void **state)
{
	(void)state;
	check_openssl(SHARED_RSA, "sha256", HSM_SHA256);
}

static void test_openssl_verify_ec(void **state)
{
	(void)state;
	check_openssl(SHARED_EC, "sha384", HSM_SHA384);
}

/* DER INTEGER at p (within end): minimal, positive; returns the next byte. */
static const uint8_t *check_der_int(const uint8_t *p, const uint8_t *end)
{
	size_t len;

	assert_true(end - p >= 3);
	assert_int_equal(p[0], 0x02);
	len = p[1];
	assert_true(len >= 1 && len <= 49 && (size_t)(end - p) >= 2 + len);
	assert_int_equal(p[2] & 0x80, 0); /* not negative */
	if (len > 1 && p[2] == 0)
		assert_true(p[3] & 0x80); /* a leading zero only before a high bit */
	return p + 2 + len;
}

/* Many P-256 signatures: about half have r or s with the high bit set, some
 * have leading zero bytes; each must be strict DER and verify. */
static void test_ecdsa_der_encoding(void **state)
{
	struct hsm *h = open_ok(1);
	struct hsm_key k;
	struct hsm_err err;
	uint8_t digest[32], sig[HSM_SIG_MAX], *spki;
	size_t sig_len, spki_len;
	int i, padded = 0;

	(void)state;
	assert_int_equal(hsm_find_key(h, SHARED_EC, NULL, 0, &k, &err), HSM_OK);
	assert_int_equal(hsm_key_spki(h, &k, &spki, &spki_len, &err), HSM_OK);
	for (i = 0; i < 300; i++) {
		const uint8_t *p;

		memset(digest, 0, sizeof(digest));
		memcpy(digest, &i, sizeof(i));
		sig_len = sizeof(sig);
		assert_int_equal(hsm_sign_digest(h, &k, HSM_SHA256, digest, sizeof(digest), sig,
						 &sig_len, &err), HSM_OK);
		assert_int_equal(sig[0], 0x30);
		assert_int_equal(sig[1], sig_len - 2);
		padded += sig[4] == 0;
		p = check_der_int(sig + 2, sig + sig_len);
		assert_ptr_equal(check_der_int(p, sig + sig_len), sig + sig_len);
		assert_true(wolf_verify(HSM_KEY_EC, 256, spki, spki_len, HSM_SHA256, digest,
					sizeof(digest), sig, sig_len));
	}
	assert_true(padded > 0); /* r had its high bit set in ~half of them */
	free(spki);
	hsm_close(h);
}

static void test_sign_bad_args(void **state)
{
	struct hsm *h = open_ok(1);
	struct hsm_key k;
	struct hsm_err err;
	uint8_t digest[48] = { 0 }, sig[HSM_SIG_MAX];
	size_t sig_len = sizeof(sig);

	(void)state;
	assert_int_equal(hsm_find_key(h, SHARED_RSA, NULL, 0, &k, &err), HSM_OK);
	/* A SHA-384-sized digest announced as SHA-256. */
	assert_int_equal(hsm_sign_digest(h, &k, HSM_SHA256, digest, sizeof(digest), sig,
					 &sig_len, &err), HSM_EARG);
	sig_len = 100; /* an RSA-2048 signature needs 256 */
	assert_int_equal(hsm_sign_digest(h, &k, HSM_SHA384, digest, sizeof(digest), sig,
					 &sig_len, &err), HSM_EARG);
	/* The session is still usable afterwards. */
	sig_len = sizeof(sig);
	assert_int_equal(hsm_sign_digest(h, &k, HSM_SHA384, digest, sizeof(digest), sig,
					 &sig_len, &err), HSM_OK);
	hsm_close(h);
}

/* ---- key attributes ---------------------------------------------------------- */

/* The public halves: VERIFY for the signing key, ENCRYPT+WRAP for the
 * exchange key, neither private. Read straight from the token. */
static void check_pub(struct hsm *h, const struct hsm_key *k, CK_BBOOL verify,
		      CK_BBOOL encrypt, CK_BBOOL wrap)
{
	CK_BBOOL v[4];
	CK_ATTRIBUTE t[] = {
		{ CKA_VERIFY, &v[0], 1 },
		{ CKA_ENCRYPT, &v[1], 1 },
		{ CKA_WRAP, &v[2], 1 },
		{ CKA_PRIVATE, &v[3], 1 },
	};
	CK_FUNCTION_LIST *f = hsm_test_functions(h);

	assert_int_equal(f->C_GetAttributeValue(hsm_test_session(h, 0), k->pub, t, 4), CKR_OK);
	assert_int_equal(v[0], verify);
	assert_int_equal(v[1], encrypt);
	assert_int_equal(v[2], wrap);
	assert_int_equal(v[3], CK_FALSE);
}

static void test_sign_key_attrs(void **state)
{
	struct hsm *h = open_ok(1);
	struct hsm_key k;
	struct hsm_key_attrs a;
	struct hsm_err err;

	(void)state;
	assert_int_equal(hsm_find_key(h, SHARED_RSA, NULL, 0, &k, &err), HSM_OK);
	assert_int_equal(hsm_key_attrs(h, &k, &a, &err), HSM_OK);
	assert_int_equal(a.sensitive, 1);
	assert_int_equal(a.always_sensitive, 1);
	assert_int_equal(a.extractable, 0);
	assert_int_equal(a.never_extractable, 1);
	assert_int_equal(a.private_, 1);
	assert_int_equal(a.local, 1);
	assert_int_equal(a.private_value_readable, 0);
	assert_int_equal(a.sign, 1);
	assert_int_equal(a.decrypt, 0);
	assert_int_equal(a.unwrap, 0);
	assert_int_equal(a.derive, 0);
	check_pub(h, &k, CK_TRUE, CK_FALSE, CK_FALSE);

	assert_int_equal(hsm_find_key(h, SHARED_EC, NULL, 0, &k, &err), HSM_OK);
	assert_int_equal(hsm_key_attrs(h, &k, &a, &err), HSM_OK);
	assert_int_equal(a.sensitive, 1);
	assert_int_equal(a.never_extractable, 1);
	assert_int_equal(a.extractable, 0);
	assert_int_equal(a.private_value_readable, 0);
	assert_int_equal(a.sign, 1);
	assert_int_equal(a.derive, 0);
	hsm_close(h);
}

static void test_exchange_key_attrs(void **state)
{
	const struct hsm_keyspec spec = { HSM_KEY_RSA, 2048 };
	struct hsm *h = open_ok(1);
	struct hsm_key k;
	struct hsm_key_attrs a;
	struct hsm_err err;
	uint8_t digest[32] = { 0 }, sig[HSM_SIG_MAX];
	size_t sig_len = sizeof(sig);

	(void)state;
	assert_int_equal(hsm_generate_key(h, HSM_ROLE_EXCHANGE, &spec, "xchg", &k, &err),
			 HSM_OK);
	assert_int_equal(hsm_key_attrs(h, &k, &a, &err), HSM_OK);
	assert_int_equal(a.sensitive, 1);
	assert_int_equal(a.always_sensitive, 1);
	assert_int_equal(a.extractable, 0);
	assert_int_equal(a.never_extractable, 1);
	assert_int_equal(a.private_, 1);
	assert_int_equal(a.private_value_readable, 0);
	assert_int_equal(a.sign, 0);
	assert_int_equal(a.decrypt, 1);
	assert_int_equal(a.unwrap, 1);
	assert_int_equal(a.derive, 0);
	check_pub(h, &k, CK_FALSE, CK_TRUE, CK_TRUE);
	/* The token itself refuses to sign with it, and the error names the code. */
	assert_int_equal(hsm_sign_digest(h, &k, HSM_SHA256, digest, sizeof(digest), sig,
					 &sig_len, &err), HSM_EP11);
	assert_int_equal(err.rv, CKR_KEY_FUNCTION_NOT_PERMITTED);
	assert_string_equal(err.msg, "C_SignInit: CKR_KEY_FUNCTION_NOT_PERMITTED (0x68)");
	hsm_close(h);
}

static void test_generate_existing_label(void **state)
{
	const struct hsm_keyspec spec = { HSM_KEY_EC, 256 };
	struct hsm *h = open_ok(1);
	struct hsm_key k;
	struct hsm_err err;

	(void)state;
	assert_int_equal(hsm_generate_key(h, HSM_ROLE_SIGN, &spec, SHARED_EC, &k, &err),
			 HSM_EEXIST);
	assert_non_null(strstr(err.msg, SHARED_EC));
	/* Still exactly one such key. */
	assert_int_equal(hsm_find_key(h, SHARED_EC, NULL, 0, &k, &err), HSM_OK);
	hsm_close(h);
}

static void test_generate_bad_spec(void **state)
{
	const struct hsm_keyspec rsa1024 = { HSM_KEY_RSA, 1024 }, p521 = { HSM_KEY_EC, 521 },
				 p256 = { HSM_KEY_EC, 256 };
	struct hsm *h = open_ok(1);
	struct hsm_key k;

	(void)state;
	assert_int_equal(hsm_generate_key(h, HSM_ROLE_SIGN, &rsa1024, "k", &k, NULL), HSM_EARG);
	assert_int_equal(hsm_generate_key(h, HSM_ROLE_SIGN, &p521, "k", &k, NULL), HSM_EARG);
	assert_int_equal(hsm_generate_key(h, HSM_ROLE_EXCHANGE, &p256, "k", &k, NULL), HSM_EARG);
	hsm_close(h);
}

/* ---- finding keys -------------------------------------------------------------- */

static void test_find_key(void **state)
{
	static const uint8_t nobody[20] = { 1, 2, 3 };
	struct hsm *h = open_ok(1);
	struct hsm_key byl, byid, both;
	struct hsm_err err;

	(void)state;
	assert_int_equal(hsm_find_key(h, SHARED_RSA, NULL, 0, &byl, &err), HSM_OK);
	assert_int_equal(byl.type, HSM_KEY_RSA);
	assert_int_equal(byl.bits, 2048);
	assert_int_equal(byl.id_len, 20);
	assert_int_not_equal(byl.pub, CK_INVALID_HANDLE);
	assert_int_equal(hsm_find_key(h, NULL, byl.id, byl.id_len, &byid, &err), HSM_OK);
	assert_string_equal(byid.label, SHARED_RSA);
	assert_int_equal(byid.priv, byl.priv);
	assert_int_equal(hsm_find_key(h, SHARED_RSA, byl.id, byl.id_len, &both, &err), HSM_OK);
	assert_int_equal(both.priv, byl.priv);

	assert_int_equal(hsm_find_key(h, SHARED_EC, NULL, 0, &byl, &err), HSM_OK);
	assert_int_equal(byl.type, HSM_KEY_EC);
	assert_int_equal(byl.bits, 256);

	assert_int_equal(hsm_find_key(h, "no-such-key", NULL, 0, &byl, &err), HSM_ENOKEY);
	assert_non_null(strstr(err.msg, "no-such-key"));
	assert_int_equal(hsm_find_key(h, NULL, nobody, sizeof(nobody), &byl, &err), HSM_ENOKEY);
	/* Label of one key, id of another. */
	assert_int_equal(hsm_find_key(h, SHARED_RSA, both.id, both.id_len, &byl, NULL), HSM_OK);
	assert_int_equal(hsm_find_key(h, SHARED_EC, both.id, both.id_len, &byl, NULL),
			 HSM_ENOKEY);
	assert_int_equal(hsm_find_key(h, NULL, NULL, 0, &byl, NULL), HSM_EARG);
	hsm_close(h);
}

static void test_random(void **state)
{
	struct hsm *h = open_ok(1);
	uint8_t a[32], b[32], zero[32] = { 0 };
	struct hsm_err err;

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_int_equal(hsm_random(h, a, sizeof(a), &err), HSM_OK);
	assert_int_equal(hsm_random(h, b, sizeof(b), &err), HSM_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, zero, sizeof(a));
	hsm_close(h);
}

static void test_rv_name(void **state)
{
	(void)state;
	assert_string_equal(hsm_rv_name(CKR_OK), "CKR_OK");
	assert_string_equal(hsm_rv_name(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
	assert_string_equal(hsm_rv_name(CKR_USER_NOT_LOGGED_IN), "CKR_USER_NOT_LOGGED_IN");
	assert_string_equal(hsm_rv_name(0x8000abcdUL), "CKR_0x8000abcd");
}

/* ---- recovery -------------------------------------------------------------------- */

/* Signs with k and checks the signature with wolfSSL. */
static void sign_and_verify(struct hsm *h, const struct hsm_key *k, const uint8_t *spki,
			    size_t spki_len)
{
	uint8_t digest[32], sig[HSM_SIG_MAX];
	size_t sig_len = sizeof(sig);
	struct hsm_err err;
	int rc;

	make_digest(HSM_SHA256, "recovery", digest);
	rc = hsm_sign_digest(h, k, HSM_SHA256, digest, sizeof(digest), sig, &sig_len, &err);
	if (rc != HSM_OK)
		fail_msg("hsm_sign_digest: %d %s", rc, err.msg);
	assert_true(wolf_verify(k->type, k->bits, spki, spki_len, HSM_SHA256, digest,
				sizeof(digest), sig, sig_len));
}

struct recov {
	struct hsm *h;
	struct hsm_key rsa, ec;
	uint8_t *rsa_spki, *ec_spki;
	size_t rsa_spki_len, ec_spki_len;
};

static void recov_open(struct recov *r, unsigned pool)
{
	struct hsm_err err;

	r->h = open_ok(pool);
	assert_int_equal(hsm_find_key(r->h, SHARED_RSA, NULL, 0, &r->rsa, &err), HSM_OK);
	assert_int_equal(hsm_find_key(r->h, SHARED_EC, NULL, 0, &r->ec, &err), HSM_OK);
	assert_int_equal(hsm_key_spki(r->h, &r->rsa, &r->rsa_spki, &r->rsa_spki_len, &err),
			 HSM_OK);
	assert_int_equal(hsm_key_spki(r->h, &r->ec, &r->ec_spki, &r->ec_spki_len, &err),
			 HSM_OK);
	sign_and_verify(r->h, &r->rsa, r->rsa_spki, r->rsa_spki_len);
}

static void recov_close(struct recov *r)
{
	free(r->rsa_spki);
	free(r->ec_spki);
	hsm_close(r->h);
}

static void test_recover_closed_sessions(void **state)
{
	struct recov r;
	CK_SESSION_HANDLE old[3];
	unsigned i;

	(void)state;
	recov_open(&r, 3);
	for (i = 0; i < 3; i++) {
		old[i] = hsm_test_session(r.h, i);
		assert_int_equal(hsm_test_functions(r.h)->C_CloseSession(old[i]), CKR_OK);
	}
	sign_and_verify(r.h, &r.rsa, r.rsa_spki, r.rsa_spki_len);
	sign_and_verify(r.h, &r.ec, r.ec_spki, r.ec_spki_len);
	for (i = 0; i < 3; i++)
		assert_int_not_equal(hsm_test_session(r.h, i), old[i]);
	recov_close(&r);
}

static void test_recover_logout(void **state)
{
	CK_FUNCTION_LIST *f;
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	struct hsm_key k;
	struct hsm_key_attrs a;
	struct recov r;

	(void)state;
	recov_open(&r, 2);
	f = hsm_test_functions(r.h);
	assert_int_equal(f->C_Logout(hsm_test_session(r.h, 1)), CKR_OK);
	/* What SoftHSM says to a logged-out signer: not CKR_USER_NOT_LOGGED_IN
	 * but CKR_OBJECT_HANDLE_INVALID, as it drops private objects' handles at
	 * logout. This is what the layer must recover from. */
	assert_int_equal(f->C_SignInit(hsm_test_session(r.h, 0), &mech, r.ec.priv),
			 CKR_OBJECT_HANDLE_INVALID);
	sign_and_verify(r.h, &r.ec, r.ec_spki, r.ec_spki_len);
	sign_and_verify(r.h, &r.rsa, r.rsa_spki, r.rsa_spki_len);

	/* A logged-out search finds no private key; that too is recovered from
	 * rather than reported as "no such key". */
	assert_int_equal(f->C_Logout(hsm_test_session(r.h, 0)), CKR_OK);
	assert_int_equal(hsm_find_key(r.h, SHARED_RSA, NULL, 0, &k, NULL), HSM_OK);
	assert_int_equal(f->C_Logout(hsm_test_session(r.h, 0)), CKR_OK);
	assert_int_equal(hsm_key_attrs(r.h, &r.rsa, &a, NULL), HSM_OK);
	assert_int_equal(a.sign, 1);
	recov_close(&r);
}

static void test_recover_close_all(void **state)
{
	CK_SESSION_INFO si;
	CK_FUNCTION_LIST *f;
	struct recov r;

	(void)state;
	recov_open(&r, 2);
	f = hsm_test_functions(r.h);
	assert_int_equal(f->C_GetSessionInfo(hsm_test_session(r.h, 0), &si), CKR_OK);
	assert_int_equal(f->C_CloseAllSessions(si.slotID), CKR_OK);
	sign_and_verify(r.h, &r.rsa, r.rsa_spki, r.rsa_spki_len);
	sign_and_verify(r.h, &r.ec, r.ec_spki, r.ec_spki_len);
	recov_close(&r);
}

/* SoftHSM cannot be made to fail with CKR_DEVICE_ERROR, so the recovery it
 * causes (finalize, initialise, find the slot, log in) is driven directly. */
static void test_recover_device_error(void **state)
{
	struct hsm_err err;
	struct recov r;
	unsigned gen;

	(void)state;
	recov_open(&r, 2);
	gen = r.h->generation;
	assert_int_equal(hsm_pool_recover(r.h, gen, CKR_DEVICE_ERROR, &err), HSM_OK);
	assert_int_equal(r.h->generation, gen + 1);
	/* The same generation seen again: someone else recovered already. */
	assert_int_equal(hsm_pool_recover(r.h, gen, CKR_DEVICE_ERROR, &err), HSM_OK);
	assert_int_equal(r.h->generation, gen + 1);
	sign_and_verify(r.h, &r.rsa, r.rsa_spki, r.rsa_spki_len);
	sign_and_verify(r.h, &r.ec, r.ec_spki, r.ec_spki_len);
	recov_close(&r);
}

/* ---- concurrency ----------------------------------------------------------------- */

#define THREADS 4
#define ROUNDS 60

static _Atomic int progress; /* signatures made by all workers */

struct worker {
	struct recov *r;
	int n;
	int failures;
	char msg[256];
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct hsm_err err;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		const struct hsm_key *k = i % 8 == 0 ? &w->r->rsa : &w->r->ec;
		const uint8_t *spki = k == &w->r->rsa ? w->r->rsa_spki : w->r->ec_spki;
		size_t spki_len = k == &w->r->rsa ? w->r->rsa_spki_len : w->r->ec_spki_len;
		uint8_t digest[32] = { 0 }, sig[HSM_SIG_MAX];
		size_t sig_len = sizeof(sig);
		int rc;

		digest[0] = (uint8_t)w->n;
		digest[1] = (uint8_t)i;
		rc = hsm_sign_digest(w->r->h, k, HSM_SHA256, digest, sizeof(digest), sig,
				     &sig_len, &err);
		progress++;
		if (rc != HSM_OK) {
			w->failures++;
			snprintf(w->msg, sizeof(w->msg), "%s", err.msg);
			continue;
		}
		/* cmocka's asserts are not for other threads: count failures. */
		if (!wolf_verify(k->type, k->bits, spki, spki_len, HSM_SHA256, digest,
				 sizeof(digest), sig, sig_len)) {
			w->failures++;
			snprintf(w->msg, sizeof(w->msg), "bad signature");
		}
	}
	/* This wolfSSL is built with FP_ECC: each thread that verified an ECDSA
	 * signature has a fixed-point cache to free before it ends. */
	wc_ecc_fp_free();
	return NULL;
}

static void run_workers(struct recov *r, int logout_midway)
{
	pthread_t t[THREADS];
	struct worker w[THREADS];
	int i;

	progress = 0;
	for (i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].r = r;
		w[i].n = i;
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	if (logout_midway) {
		/* On a session of the test's own: the pooled ones are busy. The
		 * login is the token's, so every pooled session loses it. */
		CK_FUNCTION_LIST *f = hsm_test_functions(r->h);
		CK_SESSION_HANDLE s;
		CK_SESSION_INFO si;

		while (progress < THREADS * 2)
			sched_yield(); /* let them get going */
		assert_int_equal(f->C_GetSessionInfo(hsm_test_session(r->h, 0), &si), CKR_OK);
		assert_int_equal(f->C_OpenSession(si.slotID, CKF_SERIAL_SESSION, NULL, NULL, &s),
				 CKR_OK);
		assert_int_equal(f->C_Logout(s), CKR_OK);
		(void)f->C_CloseSession(s);
	}
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (i = 0; i < THREADS; i++)
		if (w[i].failures != 0)
			fail_msg("thread %d: %d failures, last: %s", i, w[i].failures, w[i].msg);
}

static void test_concurrent_sign(void **state)
{
	struct recov r;

	(void)state;
	recov_open(&r, 2);
	run_workers(&r, 0);
	recov_close(&r);
}

static void test_concurrent_recovery(void **state)
{
	struct recov r;
	unsigned gen;

	(void)state;
	recov_open(&r, 2);
	gen = r.h->generation;
	run_workers(&r, 1);
	/* Should the workers have finished before the logout, this notices it. */
	sign_and_verify(r.h, &r.ec, r.ec_spki, r.ec_spki_len);
	/* One logout, one recovery, however many threads noticed it. */
	assert_int_equal(r.h->generation, gen + 1);
	recov_close(&r);
}

/* ---- the HSM away and back: back-off, bounded waits, reconnection ---------------- */

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* What on_recovery was told. */
static struct {
	int down, up;
	unsigned failed_at_up;
	char why[256];
} told;

static void on_recovery(void *ctx, int available, unsigned failed, const char *why)
{
	(void)ctx;
	if (available) {
		told.up++;
		told.failed_at_up = failed;
	} else {
		told.down++;
	}
	snprintf(told.why, sizeof(told.why), "%s", why);
}

static struct hsm *open_bounded(const char *module, unsigned pool, unsigned wait_ms)
{
	struct hsm_config cfg = { .module_path = module, .token_label = LABEL,
				  .pool_size = pool, .retry_min_ms = 50,
				  .retry_max_ms = 200, .wait_ms = wait_ms,
				  .on_recovery = on_recovery };
	struct hsm *h = NULL;
	struct hsm_err err;
	int rc = hsm_open(&cfg, &tok.user_pin, &h, &err);

	if (rc != HSM_OK)
		fail_msg("hsm_open(%s): %d %s", module, rc, err.msg);
	return h;
}

static void recov_keys(struct recov *r)
{
	struct hsm_err err;

	assert_int_equal(hsm_find_key(r->h, SHARED_RSA, NULL, 0, &r->rsa, &err), HSM_OK);
	assert_int_equal(hsm_find_key(r->h, SHARED_EC, NULL, 0, &r->ec, &err), HSM_OK);
	assert_int_equal(hsm_key_spki(r->h, &r->rsa, &r->rsa_spki, &r->rsa_spki_len, &err),
			 HSM_OK);
	assert_int_equal(hsm_key_spki(r->h, &r->ec, &r->ec_spki, &r->ec_spki_len, &err),
			 HSM_OK);
}

static int sign_once(struct hsm *h, const struct hsm_key *k, struct hsm_err *err)
{
	uint8_t digest[32] = { 7 }, sig[HSM_SIG_MAX];
	size_t sig_len = sizeof(sig);

	return hsm_sign_digest(h, k, HSM_SHA256, digest, sizeof(digest), sig, &sig_len, err);
}

static void test_rv_recoverable(void **state)
{
	(void)state;
	/* What p11-kit-client says when its server is gone, and a module finalized
	 * behind the layer's back: reconnect. */
	assert_true(hsm_rv_recoverable(CKR_GENERAL_ERROR));
	assert_true(hsm_rv_needs_reinit(CKR_GENERAL_ERROR));
	assert_true(hsm_rv_recoverable(CKR_CRYPTOKI_NOT_INITIALIZED));
	assert_true(hsm_rv_needs_reinit(CKR_CRYPTOKI_NOT_INITIALIZED));
	assert_true(hsm_rv_recoverable(CKR_DEVICE_REMOVED));
	assert_false(hsm_rv_needs_reinit(CKR_SESSION_CLOSED));
	/* A caller's mistake is not the HSM going away. */
	assert_false(hsm_rv_recoverable(CKR_PIN_INCORRECT));
	assert_false(hsm_rv_recoverable(CKR_KEY_FUNCTION_NOT_PERMITTED));
	assert_false(hsm_rv_recoverable(CKR_ARGUMENTS_BAD));
}

/* Teardown: the token's directory back where it belongs, whatever failed. */
static int tokens_back(void **state)
{
	char dir[128], away[128];

	(void)state;
	softhsm_token_path(&tok, "tokens", dir, sizeof(dir));
	softhsm_token_path(&tok, "tokens.away", away, sizeof(away));
	if (access(away, F_OK) == 0)
		(void)rename(away, dir);
	return 0;
}

/* The token's files vanish (a removed token, an unreachable HSM): SoftHSM,
 * initialised again, offers no such token. The layer answers HSM_EUNAVAIL at
 * once while backing off, retries no more often than the back-off allows, and
 * comes back by itself, logged in, once the token is there again. */
static void test_token_away_and_back(void **state)
{
	char dir[128], away[128];
	struct hsm_err err;
	struct recov r;
	unsigned gen, failed;
	double t0;

	(void)state;
	softhsm_token_path(&tok, "tokens", dir, sizeof(dir));
	softhsm_token_path(&tok, "tokens.away", away, sizeof(away));
	r.h = open_bounded(SOFTHSM_MODULE, 2, 2000);
	recov_keys(&r);
	sign_and_verify(r.h, &r.rsa, r.rsa_spki, r.rsa_spki_len);
	gen = r.h->generation;
	memset(&told, 0, sizeof(told));

	assert_int_equal(rename(dir, away), 0);
	/* SoftHSM without its token directory fails C_Initialize itself. */
	assert_int_equal(hsm_pool_recover(r.h, gen, CKR_DEVICE_ERROR, &err), HSM_EUNAVAIL);
	assert_non_null(strstr(err.msg, "C_Initialize"));
	assert_true(r.h->broken);
	assert_int_equal(r.h->backoff_ms, 50);
	failed = (unsigned)r.h->failed_recoveries;

	/* Within the back-off: a clear error at once, the module left alone. */
	t0 = now_s();
	assert_int_equal(sign_once(r.h, &r.rsa, &err), HSM_EUNAVAIL);
	assert_true(now_s() - t0 < 0.04);
	assert_non_null(strstr(err.msg, "next attempt in"));
	assert_int_equal(r.h->failed_recoveries, failed);

	/* Past it: one more attempt, which fails, and the back-off doubles up to
	 * its cap. */
	usleep(60 * 1000);
	assert_int_equal(hsm_random(r.h, (uint8_t[8]){0}, 8, &err), HSM_EUNAVAIL);
	assert_int_equal(r.h->failed_recoveries, failed + 1);
	assert_int_equal(r.h->backoff_ms, 100);
	for (int i = 0; i < 3; i++) {
		usleep((r.h->backoff_ms + 10) * 1000);
		assert_int_equal(sign_once(r.h, &r.ec, &err), HSM_EUNAVAIL);
	}
	assert_int_equal(r.h->backoff_ms, 200);

	/* The token is back: the next call past the back-off reconnects, logs in,
	 * re-finds the key by CKA_ID and signs. */
	assert_int_equal(rename(away, dir), 0);
	usleep(210 * 1000);
	sign_and_verify(r.h, &r.rsa, r.rsa_spki, r.rsa_spki_len);
	sign_and_verify(r.h, &r.ec, r.ec_spki, r.ec_spki_len);
	assert_false(r.h->broken);
	assert_int_equal(r.h->backoff_ms, 0);
	assert_true(r.h->generation > gen);
	/* Told once that it went (the first failure of five), once that it is back. */
	assert_int_equal(told.down, 1);
	assert_int_equal(told.up, 1);
	assert_int_equal(told.failed_at_up, 5);
	assert_non_null(strstr(told.why, "C_Initialize"));
	recov_close(&r);
}

/* Every session lent out and none coming back: a caller waits wait_ms, not
 * forever, and is told the HSM is busy. */
static void test_wait_for_session_bounded(void **state)
{
	struct hsm_sess held;
	struct hsm_err err;
	struct hsm *h;
	double t0, dt;

	(void)state;
	h = open_bounded(SOFTHSM_MODULE, 1, 300);
	assert_int_equal(hsm_pool_get(h, &held, &err), HSM_OK);
	t0 = now_s();
	assert_int_equal(hsm_random(h, (uint8_t[8]){0}, 8, &err), HSM_EUNAVAIL);
	dt = now_s() - t0;
	assert_true(dt >= 0.29 && dt < 2.0);
	assert_non_null(strstr(err.msg, "no session free within 300 ms"));
	hsm_pool_put(h, &held);
	assert_int_equal(hsm_random(h, (uint8_t[8]){0}, 8, &err), HSM_OK);
	hsm_close(h);
}

/* A recovery waits for the lent sessions (nothing may run inside the module
 * while it is re-initialised), but only wait_ms: then it is postponed, the
 * pool untouched, and the next failure tries again. */
static void test_recovery_postponed_while_lent(void **state)
{
	struct hsm_sess held;
	struct hsm_err err;
	struct recov r;
	unsigned gen;

	(void)state;
	r.h = open_bounded(SOFTHSM_MODULE, 2, 200);
	recov_keys(&r);
	gen = r.h->generation;
	assert_int_equal(hsm_pool_get(r.h, &held, &err), HSM_OK);
	assert_int_equal(hsm_pool_recover(r.h, gen, CKR_DEVICE_ERROR, &err), HSM_EUNAVAIL);
	assert_non_null(strstr(err.msg, "still in use"));
	assert_int_equal(r.h->generation, gen);
	assert_false(r.h->broken);
	assert_false(r.h->recovering);
	hsm_pool_put(r.h, &held);
	assert_int_equal(hsm_pool_recover(r.h, gen, CKR_DEVICE_ERROR, &err), HSM_OK);
	assert_int_equal(r.h->generation, gen + 1);
	sign_and_verify(r.h, &r.ec, r.ec_spki, r.ec_spki_len);
	recov_close(&r);
}

/* C_SetPIN on a session of the test's own, opened through the layer's module
 * (the token's login is shared: the session is logged in already, or logs in
 * with from first when login is set). */
static void set_user_pin(struct hsm *h, const char *from, const char *to, int login)
{
	CK_FUNCTION_LIST *f = hsm_test_functions(h);
	CK_SESSION_HANDLE s;

	assert_int_equal(f->C_OpenSession(h->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
					  NULL, &s), CKR_OK);
	if (login)
		assert_int_equal(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)from, strlen(from)),
				 CKR_OK);
	assert_int_equal(f->C_SetPIN(s, (CK_UTF8CHAR_PTR)from, strlen(from),
				     (CK_UTF8CHAR_PTR)to, strlen(to)), CKR_OK);
	(void)f->C_CloseSession(s);
}

/* The PIN changed on the token while the layer was logged in: logging in
 * again is refused, and the layer does not try again (each wrong PIN brings a
 * real token closer to locking), whatever the back-off says. */
static void test_relogin_pin_refused_not_retried(void **state)
{
	struct hsm_err err;
	struct recov r;
	unsigned long failed;
	unsigned gen;

	(void)state;
	r.h = open_bounded(SOFTHSM_MODULE, 2, 2000);
	recov_keys(&r);
	gen = r.h->generation;
	memset(&told, 0, sizeof(told));
	set_user_pin(r.h, SOFTHSM_USER_PIN, "changed-pin-2468", 0);

	assert_int_equal(hsm_pool_recover(r.h, gen, CKR_SESSION_CLOSED, &err), HSM_EUNAVAIL);
	assert_int_equal(err.rv, CKR_PIN_INCORRECT);
	assert_true(r.h->pin_refused);
	assert_int_equal(told.down, 1);
	failed = r.h->failed_recoveries;
	usleep(300 * 1000); /* past the longest back-off */
	assert_int_equal(sign_once(r.h, &r.rsa, &err), HSM_EUNAVAIL);
	assert_non_null(strstr(err.msg, "refused the PIN"));
	assert_int_equal(hsm_pool_recover(r.h, r.h->generation, CKR_DEVICE_ERROR, &err),
			 HSM_EUNAVAIL);
	assert_int_equal(r.h->failed_recoveries, failed);

	/* The shared token gets its PIN back for the other tests. */
	set_user_pin(r.h, "changed-pin-2468", SOFTHSM_USER_PIN, 1);
	recov_close(&r);
}

/* ---- the token behind `p11-kit server`, the layer on p11-kit-client.so -------- */

static pid_t server_pid; /* for the teardown, should the test fail midway */

/* `p11-kit server` on the test token (its own process group: killing the HSM
 * is killing the group), server_pid set from the fork on. */
static pid_t server_start(const char *sock)
{
	p11kit_server_start(sock, LABEL, &server_pid);
	return server_pid;
}

static void server_kill(pid_t pid)
{
	kill(-pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
	server_pid = 0;
}

static int server_gone(void **state)
{
	(void)state;
	if (server_pid > 0)
		server_kill(server_pid);
	unsetenv("P11_KIT_SERVER_ADDRESS");
	return 0;
}

/* What the integration test does under load, at the layer: the server dies
 * (mid-session, the client's socket then broken), calls fail fast with
 * HSM_EUNAVAIL, the process survives the writes to the dead socket, and when
 * the server is back the layer reconnects, logs in again and signs, on the
 * same struct hsm. */
static void test_p11kit_server_away_and_back(void **state)
{
	char sock[128], addr[160];
	struct hsm_err err;
	struct recov r;
	pid_t srv;
	double t0;
	int rc = HSM_EUNAVAIL;

	(void)state;
	if (access(P11KIT_BIN, X_OK) != 0 || access(P11KIT_CLIENT, R_OK) != 0)
		skip();
	signal(SIGPIPE, SIG_IGN); /* as ca-custodian does: see hsm.h */
	softhsm_token_path(&tok, "p11.sock", sock, sizeof(sock));
	snprintf(addr, sizeof(addr), "unix:path=%s", sock);
	setenv("P11_KIT_SERVER_ADDRESS", addr, 1);
	srv = server_start(sock);
	r.h = open_bounded(P11KIT_CLIENT, 2, 2000);
	recov_keys(&r);
	sign_and_verify(r.h, &r.rsa, r.rsa_spki, r.rsa_spki_len);

	server_kill(srv);
	t0 = now_s();
	for (int i = 0; i < 20; i++)
		assert_int_equal(sign_once(r.h, &r.rsa, &err), HSM_EUNAVAIL);
	assert_true(now_s() - t0 < 1.0);
	assert_true(r.h->broken);

	srv = server_start(sock);
	for (int i = 0; i < 100 && rc != HSM_OK; i++) {
		usleep(50 * 1000);
		rc = sign_once(r.h, &r.ec, &err);
	}
	if (rc != HSM_OK)
		fail_msg("no reconnection: %s", err.msg);
	sign_and_verify(r.h, &r.rsa, r.rsa_spki, r.rsa_spki_len);
	sign_and_verify(r.h, &r.ec, r.ec_spki, r.ec_spki_len);
	assert_true(r.h->recoveries >= 1);
	recov_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rv_name),
		cmocka_unit_test(test_open_right_pin),
		cmocka_unit_test(test_open_wrong_pin),
		cmocka_unit_test(test_open_unknown_label),
		cmocka_unit_test(test_open_bad_module),
		cmocka_unit_test(test_open_bad_pool),
		cmocka_unit_test(test_token_init_existing_label),
		cmocka_unit_test(test_rsa2048_sha256),
		cmocka_unit_test(test_rsa3072_sha384),
		cmocka_unit_test(test_rsa4096_sha512),
		cmocka_unit_test(test_ec256_sha256),
		cmocka_unit_test(test_ec384_sha384),
		cmocka_unit_test(test_openssl_verify_rsa),
		cmocka_unit_test(test_openssl_verify_ec),
		cmocka_unit_test(test_ecdsa_der_encoding),
		cmocka_unit_test(test_sign_bad_args),
		cmocka_unit_test(test_sign_key_attrs),
		cmocka_unit_test(test_exchange_key_attrs),
		cmocka_unit_test(test_generate_existing_label),
		cmocka_unit_test(test_generate_bad_spec),
		cmocka_unit_test(test_find_key),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_recover_closed_sessions),
		cmocka_unit_test(test_recover_logout),
		cmocka_unit_test(test_recover_close_all),
		cmocka_unit_test(test_recover_device_error),
		cmocka_unit_test(test_concurrent_sign),
		cmocka_unit_test(test_concurrent_recovery),
		cmocka_unit_test(test_rv_recoverable),
		cmocka_unit_test_teardown(test_token_away_and_back, tokens_back),
		cmocka_unit_test(test_wait_for_session_bounded),
		cmocka_unit_test(test_recovery_postponed_while_lent),
		cmocka_unit_test_teardown(test_p11kit_server_away_and_back, server_gone),
		cmocka_unit_test(test_relogin_pin_refused_not_retried),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
