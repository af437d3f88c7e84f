/* careq's NTLM initiator over gss-ntlmssp (ntlm_init.h). */
#include "firmware/client/ntlm_init.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

struct ntlmc {
	gss_cred_id_t cred;
	gss_ctx_id_t ctx;
	gss_name_t target;
};

int client_gss_fail(const char *what, gss_OID mech, OM_uint32 major, OM_uint32 minor,
		    char *err, size_t errlen)
{
	OM_uint32 min, mctx = 0;
	gss_buffer_desc a = GSS_C_EMPTY_BUFFER, b = GSS_C_EMPTY_BUFFER;

	gss_display_status(&min, major, GSS_C_GSS_CODE, GSS_C_NO_OID, &mctx, &a);
	mctx = 0;
	gss_display_status(&min, minor, GSS_C_MECH_CODE, mech, &mctx, &b);
	snprintf(err, errlen, "%s: %.*s (%.*s)", what, (int)a.length, (const char *)a.value,
		 (int)b.length, (const char *)b.value);
	gss_release_buffer(&min, &a);
	gss_release_buffer(&min, &b);
	return -1;
}

static int gss_fail(const char *what, OM_uint32 major, OM_uint32 minor, char *err,
		    size_t errlen)
{
	return client_gss_fail(what, &ntlm_oid, major, minor, err, errlen);
}

struct ntlmc *ntlmc_new(const char *user, const char *password, char *err, size_t errlen)
{
	gss_OID_set_desc mechs = {1, &ntlm_oid};
	gss_buffer_desc nb = {strlen(user), (void *)user}, pw = {strlen(password),
								   (void *)password};
	gss_buffer_desc tb;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 major, minor, min;
	char host[300], target[320];
	struct ntlmc *n = calloc(1, sizeof(*n));

	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	major = gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name);
	if (GSS_ERROR(major)) {
		gss_fail("the user name", major, minor, err, errlen);
		free(n);
		return NULL;
	}
	major = gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &mechs,
					       GSS_C_INITIATE, &n->cred, NULL, NULL);
	gss_release_name(&min, &name);
	if (GSS_ERROR(major)) {
		gss_fail("cannot make an NTLM credential (is gss-ntlmssp installed?)", major, minor,
			 err, errlen);
		free(n);
		return NULL;
	}
	/* NTLM does not need the server's name; GSSAPI wants one. */
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	snprintf(target, sizeof(target), "host@%s", host);
	tb.value = target;
	tb.length = strlen(target);
	major = gss_import_name(&minor, &tb, GSS_C_NT_HOSTBASED_SERVICE, &n->target);
	if (GSS_ERROR(major)) {
		gss_fail("the target name", major, minor, err, errlen);
		ntlmc_free(n);
		return NULL;
	}
	return n;
}

void ntlmc_free(struct ntlmc *n)
{
	OM_uint32 min;

	if (n == NULL)
		return;
	if (n->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &n->ctx, GSS_C_NO_BUFFER);
	if (n->cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&min, &n->cred);
	if (n->target != GSS_C_NO_NAME)
		gss_release_name(&min, &n->target);
	free(n);
}

/* One gss_init_sec_context step; the output token into tok. */
static OM_uint32 step(struct ntlmc *n, const uint8_t *in, size_t len, struct ndr_wr *tok,
		      char *err, size_t errlen)
{
	gss_buffer_desc ib = {len, (void *)in}, ob = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, min;

	major = gss_init_sec_context(&minor, n->cred, &n->ctx, n->target, &ntlm_oid,
				     GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | GSS_C_REPLAY_FLAG |
					     GSS_C_SEQUENCE_FLAG,
				     GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
				     in != NULL ? &ib : GSS_C_NO_BUFFER, NULL, &ob, NULL, NULL);
	if (GSS_ERROR(major)) {
		gss_fail(in == NULL ? "NEGOTIATE" : "AUTHENTICATE", major, minor, err, errlen);
	} else {
		ndr_put_bytes(tok, ob.value, ob.length);
		if (!ndr_wr_ok(tok)) {
			snprintf(err, errlen, "NTLM token over %zu octets", tok->max);
			major = GSS_S_FAILURE;
		}
	}
	gss_release_buffer(&min, &ob);
	return major;
}

static int start(void *arg, struct ndr_wr *tok, char *err, size_t errlen)
{
	struct ntlmc *n = arg;
	OM_uint32 min;

	/* A new logon per bind: DCOM binds twice (the activator, then the
	 * object's port) with one credential, so a finished context goes first. */
	if (n->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &n->ctx, GSS_C_NO_BUFFER);
	return step(n, NULL, 0, tok, err, errlen) == GSS_S_CONTINUE_NEEDED ? 0 : -1;
}

static int finish(void *arg, const uint8_t *challenge, size_t len, struct ndr_wr *tok,
		  uint8_t key[NTLM_KEY_LEN], char *err, size_t errlen)
{
	struct ntlmc *n = arg;
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	OM_uint32 major, minor, min;
	int rc = -1;

	if (step(n, challenge, len, tok, err, errlen) != GSS_S_COMPLETE) {
		if (err[0] == 0)
			snprintf(err, errlen, "the NTLM exchange did not complete");
		return -1;
	}
	major = gss_inquire_sec_context_by_oid(&minor, n->ctx, GSS_C_INQ_SSPI_SESSION_KEY, &set);
	if (!GSS_ERROR(major) && set != GSS_C_NO_BUFFER_SET && set->count >= 1 &&
	    set->elements[0].length == NTLM_KEY_LEN) {
		memcpy(key, set->elements[0].value, NTLM_KEY_LEN);
		rc = 0;
	} else {
		snprintf(err, errlen, "gss-ntlmssp gave no session key");
	}
	if (set != GSS_C_NO_BUFFER_SET) {
		for (size_t i = 0; i < set->count; i++)
			explicit_bzero(set->elements[i].value, set->elements[i].length);
		gss_release_buffer_set(&min, &set);
	}
	return rc;
}

void ntlmc_auth(struct ntlmc *n, unsigned char level, struct rpcc_auth *a)
{
	memset(a, 0, sizeof(*a));
	a->level = level;
	a->start = start;
	a->finish = finish;
	a->arg = n;
}
