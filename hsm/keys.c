/* Objects on the token: reading attributes, finding key pairs by label or
 * CKA_ID, re-finding cached handles after a recovery, and reporting a key's
 * protection attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsm/internal.h"

/* The DER of the named curves' OIDs, as CKA_EC_PARAMS holds them. */
static const uint8_t p256_params[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				       0x3d, 0x03, 0x01, 0x07 };
static const uint8_t p384_params[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

int hsm_curve_params(unsigned bits, const uint8_t **params, size_t *len)
{
	if (bits == 256) {
		*params = p256_params;
		*len = sizeof(p256_params);
	} else if (bits == 384) {
		*params = p384_params;
		*len = sizeof(p384_params);
	} else
		return -1;
	return 0;
}

int hsm_curve_bits(const uint8_t *params, size_t len, unsigned *bits)
{
	if (len == sizeof(p256_params) && memcmp(params, p256_params, len) == 0)
		*bits = 256;
	else if (len == sizeof(p384_params) && memcmp(params, p384_params, len) == 0)
		*bits = 384;
	else
		return -1;
	return 0;
}

/* Reads one variable-length attribute into a malloc()ed buffer. */
int hsm_get_attr(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		 CK_ATTRIBUTE_TYPE type, uint8_t **val, size_t *len, struct hsm_err *err)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	*val = NULL;
	*len = 0;
	rv = h->f->C_GetAttributeValue(s, o, &a, 1);
	if (rv != CKR_OK)
		return hsm_err_key_p11(h, s, err, "C_GetAttributeValue", rv);
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return hsm_err_p11(err, "C_GetAttributeValue", CKR_ATTRIBUTE_TYPE_INVALID);
	if ((a.pValue = malloc(a.ulValueLen + 1)) == NULL)
		return hsm_err_set(err, HSM_ENOMEM, "out of memory");
	rv = h->f->C_GetAttributeValue(s, o, &a, 1);
	if (rv != CKR_OK) {
		free(a.pValue);
		return hsm_err_p11(err, "C_GetAttributeValue", rv);
	}
	*val = a.pValue;
	*len = a.ulValueLen;
	return HSM_OK;
}

int hsm_find_objects(struct hsm *h, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl, CK_ULONG n,
		     CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *count,
		     struct hsm_err *err)
{
	CK_RV rv;

	*count = 0;
	if ((rv = h->f->C_FindObjectsInit(s, tmpl, n)) != CKR_OK)
		return hsm_err_p11(err, "C_FindObjectsInit", rv);
	rv = h->f->C_FindObjects(s, found, max, count);
	(void)h->f->C_FindObjectsFinal(s);
	if (rv != CKR_OK)
		return hsm_err_p11(err, "C_FindObjects", rv);
	return HSM_OK;
}

static int logged_in(struct hsm *h, CK_SESSION_HANDLE s, CK_RV *rv)
{
	CK_SESSION_INFO si;

	if ((*rv = h->f->C_GetSessionInfo(s, &si)) != CKR_OK)
		return 0;
	return si.state == CKS_RW_USER_FUNCTIONS || si.state == CKS_RO_USER_FUNCTIONS;
}

/* A session that is not logged in sees no private object, so an empty search
 * may mean "logged out behind our back" rather than "no such key": report it
 * as CKR_USER_NOT_LOGGED_IN so that the caller recovers. */
static int check_logged_in(struct hsm *h, CK_SESSION_HANDLE s, struct hsm_err *err)
{
	CK_RV rv;

	if (logged_in(h, s, &rv))
		return HSM_OK;
	if (rv != CKR_OK)
		return hsm_err_p11(err, "C_GetSessionInfo", rv);
	return hsm_err_p11(err, "C_FindObjects (session not logged in)",
			   CKR_USER_NOT_LOGGED_IN);
}

int hsm_check_logged_in(struct hsm *h, CK_SESSION_HANDLE s, struct hsm_err *err)
{
	return check_logged_in(h, s, err);
}

/* SoftHSM drops the handles of private objects at logout: a call on a cached
 * key handle then fails with CKR_OBJECT_HANDLE_INVALID, not with
 * CKR_USER_NOT_LOGGED_IN; and a C_SignInit racing with the logout (another
 * process logging the token out mid-operation) fails with CKR_GENERAL_ERROR,
 * the module no longer able to unwrap the key. A handle or general error on a
 * session that is no longer logged in is therefore reported as the lost login it is (err->rv), so that
 * hsm_run recovers, and the message keeps the code the module gave. */
int hsm_err_key_p11(struct hsm *h, CK_SESSION_HANDLE s, struct hsm_err *err,
		    const char *fn, CK_RV rv)
{
	CK_RV info_rv;
	size_t n;

	hsm_err_p11(err, fn, rv);
	if ((rv != CKR_OBJECT_HANDLE_INVALID && rv != CKR_KEY_HANDLE_INVALID &&
	     rv != CKR_GENERAL_ERROR) ||
	    logged_in(h, s, &info_rv) || err == NULL)
		return HSM_EP11;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ", session %s",
		 info_rv == CKR_OK ? "not logged in" : hsm_rv_name(info_rv));
	err->rv = info_rv == CKR_OK ? CKR_USER_NOT_LOGGED_IN : info_rv;
	return HSM_EP11;
}

static void describe(char *buf, size_t size, const char *label, const uint8_t *id,
		     size_t id_len)
{
	size_t i, off;

	if (label != NULL) {
		snprintf(buf, size, "label \"%.64s\"", label);
		return;
	}
	off = (size_t)snprintf(buf, size, "id ");
	for (i = 0; i < id_len && off + 3 < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%02x", id[i]);
}

/* The bits of an RSA modulus, leading zero bytes ignored. */
static unsigned modulus_bits(const uint8_t *n, size_t len)
{
	unsigned bits;
	uint8_t top;

	while (len > 0 && *n == 0) {
		n++;
		len--;
	}
	if (len == 0)
		return 0;
	bits = (unsigned)(len - 1) * 8;
	for (top = n[0]; top != 0; top >>= 1)
		bits++;
	return bits;
}

static int key_size(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
		    struct hsm_key *out, struct hsm_err *err)
{
	uint8_t *v;
	size_t len;
	int rc;

	if (out->type == HSM_KEY_RSA) {
		if ((rc = hsm_get_attr(h, s, priv, CKA_MODULUS, &v, &len, err)) != HSM_OK)
			return rc;
		out->bits = modulus_bits(v, len);
	} else {
		if ((rc = hsm_get_attr(h, s, priv, CKA_EC_PARAMS, &v, &len, err)) != HSM_OK)
			return rc;
		if (hsm_curve_bits(v, len, &out->bits) != 0)
			rc = hsm_err_set(err, HSM_EARG, "key %s is on an unsupported curve",
					 out->label);
	}
	free(v);
	return rc;
}

/* Fills out from the private key object: type, size, id and label. */
static int describe_key(struct hsm *h, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv,
			struct hsm_key *out, struct hsm_err *err)
{
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	uint8_t *v;
	size_t len;
	CK_RV rv;
	int rc;

	if ((rv = h->f->C_GetAttributeValue(s, priv, &a, 1)) != CKR_OK)
		return hsm_err_key_p11(h, s, err, "C_GetAttributeValue", rv);
	if (kt == CKK_RSA)
		out->type = HSM_KEY_RSA;
	else if (kt == CKK_EC)
		out->type = HSM_KEY_EC;
	else
		return hsm_err_set(err, HSM_EARG, "key type 0x%lx not supported",
				   (unsigned long)kt);
	if ((rc = hsm_get_attr(h, s, priv, CKA_ID, &v, &len, err)) != HSM_OK)
		return rc;
	if (len > HSM_ID_MAX) {
		free(v);
		return hsm_err_set(err, HSM_EARG, "CKA_ID longer than %d bytes", HSM_ID_MAX);
	}
	memcpy(out->id, v, len);
	out->id_len = len;
	free(v);
	/* The label is informative here (the key is known by its id): a longer
	 * one is cut. */
	if (hsm_get_attr(h, s, priv, CKA_LABEL, &v, &len, NULL) == HSM_OK) {
		if (len >= HSM_LABEL_MAX)
			len = HSM_LABEL_MAX - 1;
		memcpy(out->label, v, len);
		out->label[len] = '\0';
		free(v);
	}
	return key_size(h, s, priv, out, err);
}

/* The public half carries the same CKA_ID. A key pair without one (imported
 * private key) is still usable for signing; hsm_key_spki will refuse it. */
static int find_public(struct hsm *h, CK_SESSION_HANDLE s, struct hsm_key *out,
		       struct hsm_err *err)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_ID, out->id, out->id_len },
	};
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n;
	int rc;

	if ((rc = hsm_find_objects(h, s, t, 2, found, 2, &n, err)) != HSM_OK)
		return rc;
	if (n > 1)
		return hsm_err_set(err, HSM_EAMBIG, "several public keys with the id of %s",
				   out->label);
	out->pub = n == 1 ? found[0] : CK_INVALID_HANDLE;
	return HSM_OK;
}

int hsm_find_key_on(struct hsm *h, const struct hsm_sess *s, const char *label,
		    const uint8_t *id, size_t id_len, struct hsm_key *out,
		    struct hsm_err *err)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[3] = { { CKA_CLASS, &cls, sizeof(cls) } };
	CK_ULONG nt = 1, n;
	CK_OBJECT_HANDLE found[2];
	char what[80];
	int rc;

	if (label != NULL) {
		t[nt].type = CKA_LABEL;
		t[nt].pValue = (void *)label;
		t[nt++].ulValueLen = strlen(label);
	}
	if (id != NULL && id_len > 0) {
		t[nt].type = CKA_ID;
		t[nt].pValue = (void *)id;
		t[nt++].ulValueLen = id_len;
	}
	if ((rc = hsm_find_objects(h, s->h, t, nt, found, 2, &n, err)) != HSM_OK)
		return rc;
	describe(what, sizeof(what), label, id, id_len);
	if (n == 0) {
		if ((rc = check_logged_in(h, s->h, err)) != HSM_OK)
			return rc;
		return hsm_err_set(err, HSM_ENOKEY, "no private key with %s", what);
	}
	if (n > 1)
		return hsm_err_set(err, HSM_EAMBIG, "several private keys with %s", what);
	memset(out, 0, sizeof(*out));
	out->priv = found[0];
	if ((rc = describe_key(h, s->h, out->priv, out, err)) != HSM_OK)
		return rc;
	if ((rc = find_public(h, s->h, out, err)) != HSM_OK)
		return rc;
	out->generation = s->generation;
	return HSM_OK;
}

/* The handles cached in key are valid only in the pool generation that found
 * them; otherwise the key is looked up again by CKA_ID. */
int hsm_key_handles(struct hsm *h, const struct hsm_sess *s, const struct hsm_key *key,
		    CK_OBJECT_HANDLE *priv, CK_OBJECT_HANDLE *pub, struct hsm_err *err)
{
	struct hsm_key k;
	int rc;

	if (key->generation == s->generation && key->priv != CK_INVALID_HANDLE) {
		*priv = key->priv;
		*pub = key->pub;
		return HSM_OK;
	}
	if (key->id_len == 0 || key->id_len > HSM_ID_MAX)
		return hsm_err_set(err, HSM_EARG, "key %s has no usable CKA_ID", key->label);
	/* The caller's struct is const (shared by its threads): the handles found
	 * after a recovery are kept in the layer's cache for this generation. */
	if (hsm_keycache_get(h, key, s->generation, priv, pub))
		return HSM_OK;
	if ((rc = hsm_find_key_on(h, s, NULL, key->id, key->id_len, &k, err)) != HSM_OK)
		return rc;
	*priv = k.priv;
	*pub = k.pub;
	hsm_keycache_put(h, key, s->generation, k.priv, k.pub);
	return HSM_OK;
}

struct find_arg {
	const char *label;
	const uint8_t *id;
	size_t id_len;
	struct hsm_key *out;
};

static int find_op(struct hsm *h, const struct hsm_sess *s, void *arg, struct hsm_err *err)
{
	struct find_arg *a = arg;

	return hsm_find_key_on(h, s, a->label, a->id, a->id_len, a->out, err);
}

int hsm_find_key(struct hsm *h, const char *label, const uint8_t *id, size_t id_len,
		 struct hsm_key *out, struct hsm_err *err)
{
	struct find_arg a = { label, id, id_len, out };

	if (label == NULL && (id == NULL || id_len == 0))
		return hsm_err_set(err, HSM_EARG, "hsm_find_key: neither label nor id");
	if (label != NULL && strlen(label) >= HSM_LABEL_MAX)
		return hsm_err_set(err, HSM_EARG, "key label longer than %d bytes",
				   HSM_LABEL_MAX - 1);
	return hsm_run(h, find_op, &a, err);
}

/* ---- protection attributes ---------------------------------------------- */

struct attrs_arg {
	const struct hsm_key *key;
	struct hsm_key_attrs *out;
};

/* -1 when the token does not have the attribute. */
static int bool_of(const CK_ATTRIBUTE *a)
{
	if (a->ulValueLen != sizeof(CK_BBOOL))
		return -1;
	return *(CK_BBOOL *)a->pValue == CK_TRUE;
}

/* Asks for the private value and reports whether the token handed it out; what
 * it handed out is wiped at once. */
static int private_value_readable(struct hsm *h, CK_SESSION_HANDLE s,
				  CK_OBJECT_HANDLE priv, enum hsm_key_type type)
{
	uint8_t buf[1024];
	CK_ATTRIBUTE a = { type == HSM_KEY_RSA ? CKA_PRIVATE_EXPONENT : CKA_VALUE, buf,
			   sizeof(buf) };
	CK_RV rv = h->f->C_GetAttributeValue(s, priv, &a, 1);
	int readable = rv == CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION;

	explicit_bzero(buf, sizeof(buf));
	return readable;
}

static int attrs_op(struct hsm *h, const struct hsm_sess *s, void *arg, struct hsm_err *err)
{
	struct attrs_arg *a = arg;
	struct hsm_key_attrs *o = a->out;
	CK_BBOOL v[10];
	CK_ATTRIBUTE t[] = {
		{ CKA_SENSITIVE, &v[0], 1 },	     { CKA_ALWAYS_SENSITIVE, &v[1], 1 },
		{ CKA_EXTRACTABLE, &v[2], 1 },	     { CKA_NEVER_EXTRACTABLE, &v[3], 1 },
		{ CKA_PRIVATE, &v[4], 1 },	     { CKA_SIGN, &v[5], 1 },
		{ CKA_DECRYPT, &v[6], 1 },	     { CKA_UNWRAP, &v[7], 1 },
		{ CKA_DERIVE, &v[8], 1 },	     { CKA_LOCAL, &v[9], 1 },
	};
	CK_OBJECT_HANDLE priv, pub;
	CK_RV rv;
	int rc;

	if ((rc = hsm_key_handles(h, s, a->key, &priv, &pub, err)) != HSM_OK)
		return rc;
	rv = h->f->C_GetAttributeValue(s->h, priv, t, sizeof(t) / sizeof(t[0]));
	/* These two only mean that some attribute is missing: bool_of says -1. */
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_TYPE_INVALID && rv != CKR_ATTRIBUTE_SENSITIVE)
		return hsm_err_key_p11(h, s->h, err, "C_GetAttributeValue", rv);
	o->sensitive = bool_of(&t[0]);
	o->always_sensitive = bool_of(&t[1]);
	o->extractable = bool_of(&t[2]);
	o->never_extractable = bool_of(&t[3]);
	o->private_ = bool_of(&t[4]);
	o->sign = bool_of(&t[5]);
	o->decrypt = bool_of(&t[6]);
	o->unwrap = bool_of(&t[7]);
	o->derive = bool_of(&t[8]);
	o->local = bool_of(&t[9]);
	o->private_value_readable = private_value_readable(h, s->h, priv, a->key->type);
	return HSM_OK;
}

int hsm_key_attrs(struct hsm *h, const struct hsm_key *key, struct hsm_key_attrs *out,
		  struct hsm_err *err)
{
	struct attrs_arg a = { key, out };

	return hsm_run(h, attrs_op, &a, err);
}
