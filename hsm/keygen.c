/* Key pair generation on the token. The templates say everything explicitly
 * rather than trusting the module's defaults (pkcs11-tool, for one, leaves
 * DECRYPT and UNWRAP on a signing key): a CA signing key can sign and do
 * nothing else, and never leaves the token. */
#include <string.h>

#include "hsm/internal.h"

#define ID_LEN 20 /* like a SHA-1 key identifier */

struct gen_arg {
	enum hsm_key_role role;
	const struct hsm_keyspec *spec;
	const char *label;
	struct hsm_key *out;
};

static int check_spec(enum hsm_key_role role, const struct hsm_keyspec *spec,
		      struct hsm_err *err)
{
	if (role != HSM_ROLE_SIGN && role != HSM_ROLE_EXCHANGE)
		return hsm_err_set(err, HSM_EARG, "unknown key role %d", (int)role);
	if (spec->type == HSM_KEY_RSA) {
		if (spec->bits == 2048 || spec->bits == 3072 || spec->bits == 4096)
			return HSM_OK;
		return hsm_err_set(err, HSM_EARG, "RSA-%u not supported (2048, 3072, 4096)",
				   spec->bits);
	}
	if (spec->type == HSM_KEY_EC) {
		if (role == HSM_ROLE_EXCHANGE)
			return hsm_err_set(err, HSM_EARG, "the exchange key must be RSA");
		if (spec->bits == 256 || spec->bits == 384)
			return HSM_OK;
		return hsm_err_set(err, HSM_EARG, "EC-%u not supported (256, 384)", spec->bits);
	}
	return hsm_err_set(err, HSM_EARG, "unknown key type %d", (int)spec->type);
}

static int label_taken(struct hsm *h, const struct hsm_sess *s, const char *label,
		       struct hsm_err *err)
{
	struct hsm_key k;
	int rc = hsm_find_key_on(h, s, label, NULL, 0, &k, err);

	if (rc == HSM_ENOKEY)
		return HSM_OK;
	if (rc == HSM_OK || rc == HSM_EAMBIG || rc == HSM_EARG)
		return hsm_err_set(err, HSM_EEXIST, "a key labelled \"%s\" exists", label);
	return rc;
}

static int generate(struct hsm *h, const struct hsm_sess *s, const struct gen_arg *a,
		    const uint8_t *id, struct hsm_err *err)
{
	static const CK_BYTE e65537[] = { 0x01, 0x00, 0x01 };
	const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	const int sign = a->role == HSM_ROLE_SIGN;
	const CK_BBOOL *sign_ = sign ? &yes : &no, *xchg = sign ? &no : &yes;
	CK_ULONG bits = a->spec->bits;
	const uint8_t *params = NULL;
	size_t params_len = 0;
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub[] = {
		{ CKA_TOKEN, (void *)&yes, 1 },
		{ CKA_PRIVATE, (void *)&no, 1 },
		{ CKA_VERIFY, (void *)sign_, 1 },
		{ CKA_ENCRYPT, (void *)xchg, 1 },
		{ CKA_WRAP, (void *)xchg, 1 },
		{ CKA_DERIVE, (void *)&no, 1 },
		{ CKA_LABEL, (void *)a->label, strlen(a->label) },
		{ CKA_ID, (void *)id, ID_LEN },
		/* The last one is the key type's: modulus size or curve. */
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_PUBLIC_EXPONENT, (void *)e65537, sizeof(e65537) },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, (void *)&yes, 1 },
		{ CKA_PRIVATE, (void *)&yes, 1 },
		{ CKA_SENSITIVE, (void *)&yes, 1 },
		{ CKA_EXTRACTABLE, (void *)&no, 1 },
		{ CKA_SIGN, (void *)sign_, 1 },
		{ CKA_SIGN_RECOVER, (void *)&no, 1 },
		{ CKA_DECRYPT, (void *)xchg, 1 },
		{ CKA_UNWRAP, (void *)xchg, 1 },
		{ CKA_DERIVE, (void *)&no, 1 },
		{ CKA_LABEL, (void *)a->label, strlen(a->label) },
		{ CKA_ID, (void *)id, ID_LEN },
	};
	CK_ULONG npub = sizeof(pub) / sizeof(pub[0]);
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv;

	if (a->spec->type == HSM_KEY_EC) {
		(void)hsm_curve_params(a->spec->bits, &params, &params_len);
		mech.mechanism = CKM_EC_KEY_PAIR_GEN;
		pub[npub - 2].type = CKA_EC_PARAMS;
		pub[npub - 2].pValue = (void *)params;
		pub[npub - 2].ulValueLen = params_len;
		npub--;
	}
	rv = h->f->C_GenerateKeyPair(s->h, &mech, pub, npub, priv, sizeof(priv) / sizeof(priv[0]),
				     &hpub, &hpriv);
	if (rv != CKR_OK)
		return hsm_err_p11(err, "C_GenerateKeyPair", rv);
	a->out->pub = hpub;
	a->out->priv = hpriv;
	return HSM_OK;
}

static int gen_op(struct hsm *h, const struct hsm_sess *s, void *arg, struct hsm_err *err)
{
	struct gen_arg *a = arg;
	struct hsm_key *out = a->out;
	uint8_t id[ID_LEN];
	CK_RV rv;
	int rc;

	if ((rv = h->f->C_GenerateRandom(s->h, id, sizeof(id))) != CKR_OK)
		return hsm_err_p11(err, "C_GenerateRandom", rv);
	/* The check and the generation must not interleave with another thread's:
	 * two keys with one label would make the label useless. (Another process
	 * on the same token is not covered; the custodian is the only one.) */
	pthread_mutex_lock(&h->genmu);
	rc = label_taken(h, s, a->label, err);
	if (rc == HSM_OK)
		rc = generate(h, s, a, id, err);
	pthread_mutex_unlock(&h->genmu);
	if (rc != HSM_OK)
		return rc;
	out->type = a->spec->type;
	out->bits = a->spec->bits;
	memcpy(out->id, id, sizeof(id));
	out->id_len = sizeof(id);
	strcpy(out->label, a->label); /* length checked by hsm_generate_key */
	out->generation = s->generation;
	return HSM_OK;
}

int hsm_generate_key(struct hsm *h, enum hsm_key_role role, const struct hsm_keyspec *spec,
		     const char *label, struct hsm_key *out, struct hsm_err *err)
{
	struct gen_arg a = { role, spec, label, out };
	int rc;

	if (spec == NULL || label == NULL || out == NULL)
		return hsm_err_set(err, HSM_EARG, "hsm_generate_key: missing argument");
	if (*label == '\0' || strlen(label) >= HSM_LABEL_MAX)
		return hsm_err_set(err, HSM_EARG, "key label must be 1 to %d bytes",
				   HSM_LABEL_MAX - 1);
	if ((rc = check_spec(role, spec, err)) != HSM_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	return hsm_run(h, gen_op, &a, err);
}
