/* Data objects on the token (CKO_DATA): small values the daemon keeps where the
 * files next to it cannot roll them back, the ledger's anchors
 * (firmware/custodian/checkpoint.c). Each is a private token object found by
 * its label; writing destroys the object of that label and creates it again
 * with the new value: SoftHSM 2.6 refuses to change a data object's CKA_VALUE
 * (C_SetAttributeValue: CKR_ATTRIBUTE_READ_ONLY), as PKCS#11 allows. No
 * atomicity is promised: between the two calls the label has no object, and
 * SoftHSM writes an object's file in place, so a power cut can leave it absent,
 * empty or short. The caller keeps two objects and writes them alternately
 * (hsm.h). */
#include "hsm/internal.h"

#include <stdlib.h>
#include <string.h>

#define DATA_APPLICATION "ca-appliance"
#define DATA_FIND_MAX 4 /* more than one is already an anomaly */

static int label_ok(const char *label)
{
	return label != NULL && *label != 0 && strlen(label) < HSM_LABEL_MAX;
}

/* The data objects labelled label (private ones: the session is logged in). */
static int find_data(struct hsm *h, CK_SESSION_HANDLE s, const char *label,
		     CK_OBJECT_HANDLE *found, CK_ULONG *count, struct hsm_err *err)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &yes, sizeof yes},
		{CKA_LABEL, (void *)label, strlen(label)},
	};
	int rc;

	if ((rc = hsm_check_logged_in(h, s, err)) != HSM_OK)
		return rc;
	return hsm_find_objects(h, s, t, sizeof t / sizeof t[0], found, DATA_FIND_MAX, count,
				err);
}

struct read_arg {
	const char *label;
	uint8_t **val;
	size_t *len;
};

static int read_op(struct hsm *h, const struct hsm_sess *s, void *arg, struct hsm_err *err)
{
	struct read_arg *a = arg;
	CK_OBJECT_HANDLE o[DATA_FIND_MAX];
	CK_ULONG n;
	int rc;

	if ((rc = find_data(h, s->h, a->label, o, &n, err)) != HSM_OK)
		return rc;
	if (n == 0)
		return hsm_err_set(err, HSM_ENOKEY, "no data object labelled \"%s\"", a->label);
	if (n > 1)
		return hsm_err_set(err, HSM_EAMBIG, "%lu data objects labelled \"%s\"",
				   (unsigned long)n, a->label);
	return hsm_get_attr(h, s->h, o[0], CKA_VALUE, a->val, a->len, err);
}

int hsm_data_read(struct hsm *h, const char *label, uint8_t **val, size_t *len,
		  struct hsm_err *err)
{
	struct read_arg a = {label, val, len};

	if (!label_ok(label) || val == NULL || len == NULL)
		return hsm_err_set(err, HSM_EARG, "hsm_data_read: bad argument");
	*val = NULL;
	*len = 0;
	return hsm_run(h, read_op, &a, err);
}

struct write_arg {
	const char *label;
	const uint8_t *val;
	size_t len;
};

static int create(struct hsm *h, CK_SESSION_HANDLE s, const struct write_arg *a,
		  struct hsm_err *err)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE o;
	CK_ATTRIBUTE t[] = {
		{CKA_CLASS, &cls, sizeof cls},
		{CKA_TOKEN, &yes, sizeof yes},
		{CKA_PRIVATE, &yes, sizeof yes},
		{CKA_MODIFIABLE, &yes, sizeof yes},
		{CKA_LABEL, (void *)a->label, strlen(a->label)},
		{CKA_APPLICATION, (void *)DATA_APPLICATION, strlen(DATA_APPLICATION)},
		{CKA_VALUE, (void *)a->val, a->len},
	};
	CK_RV rv = h->f->C_CreateObject(s, t, sizeof t / sizeof t[0], &o);

	if (rv != CKR_OK)
		return hsm_err_p11(err, "C_CreateObject", rv);
	return HSM_OK;
}

static int destroy_op(struct hsm *h, const struct hsm_sess *s, void *arg, struct hsm_err *err)
{
	const char *label = arg;
	CK_OBJECT_HANDLE o[DATA_FIND_MAX];
	CK_ULONG n;
	CK_RV rv;
	int rc;

	if ((rc = find_data(h, s->h, label, o, &n, err)) != HSM_OK)
		return rc;
	for (CK_ULONG i = 0; i < n; i++)
		if ((rv = h->f->C_DestroyObject(s->h, o[i])) != CKR_OK)
			return hsm_err_p11(err, "C_DestroyObject", rv);
	return HSM_OK;
}

static int write_op(struct hsm *h, const struct hsm_sess *s, void *arg, struct hsm_err *err)
{
	struct write_arg *a = arg;
	int rc;

	/* Every object under the label goes (several were not made by this
	 * layer: none of them is trusted), then one is made afresh. */
	if ((rc = destroy_op(h, s, (void *)a->label, err)) != HSM_OK)
		return rc;
	return create(h, s->h, a, err);
}

int hsm_data_write(struct hsm *h, const char *label, const uint8_t *val, size_t len,
		   struct hsm_err *err)
{
	struct write_arg a = {label, val, len};

	if (!label_ok(label) || val == NULL || len == 0 || len > HSM_DATA_MAX)
		return hsm_err_set(err, HSM_EARG, "hsm_data_write: bad argument");
	return hsm_run(h, write_op, &a, err);
}


int hsm_data_destroy(struct hsm *h, const char *label, struct hsm_err *err)
{
	if (!label_ok(label))
		return hsm_err_set(err, HSM_EARG, "hsm_data_destroy: bad label");
	return hsm_run(h, destroy_op, (void *)label, err);
}
