/* Identity tokens; see idtoken.h. HMAC-SHA256 from wolfSSL; the layout is the
 * platform's IPC codec, so the decoder is the one every channel already trusts
 * (exact length, every byte consumed). */
#include "firmware/identity/idtoken.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "platform/ipc.h"

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

static int mac_of(const uint8_t key[IDTOKEN_KEY_LEN], const uint8_t *p, size_t len,
		  uint8_t mac[IDTOKEN_MAC_LEN])
{
	Hmac h;
	int rc;

	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -1;
	rc = wc_HmacSetKey(&h, WC_SHA256, key, IDTOKEN_KEY_LEN) == 0 &&
			     wc_HmacUpdate(&h, p, (word32)len) == 0 && wc_HmacFinal(&h, mac) == 0
		     ? 0
		     : -1;
	wc_HmacFree(&h);
	return rc;
}

void idtoken_set_attrs(struct idtoken *t, const struct id_attrs *a)
{
	memcpy(t->upn, a->upn, sizeof(t->upn));
	memcpy(t->email, a->email, sizeof(t->email));
	memcpy(t->dns, a->dns, sizeof(t->dns));
	memcpy(t->sid, a->sid, sizeof(t->sid));
	t->n_groups = a->n_groups;
	memcpy(t->groups, a->groups, sizeof(t->groups));
}

void idtoken_get_attrs(const struct idtoken *t, struct id_attrs *a)
{
	memcpy(a->upn, t->upn, sizeof(a->upn));
	memcpy(a->email, t->email, sizeof(a->email));
	memcpy(a->dns, t->dns, sizeof(a->dns));
	memcpy(a->sid, t->sid, sizeof(a->sid));
	a->n_groups = t->n_groups;
	memcpy(a->groups, t->groups, sizeof(a->groups));
}

/* The attributes by attrs.h's rules (the same for mint and verify). */
static int attrs_ok(const struct idtoken *t, char *err, size_t errlen)
{
	struct id_attrs *a;
	char why[200];
	int rc;

	if (t->n_groups > IDENTITY_MAX_GROUPS) /* before the copy reads the groups */
		return fail(err, errlen, "identity token with too many groups");
	/* On the heap: ~33 KiB at IDENTITY_MAX_GROUPS, under callers that hold a
	 * struct idtoken (as large) of their own. */
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return fail(err, errlen, "identity token: out of memory");
	idtoken_get_attrs(t, a);
	rc = id_attrs_check(a, why, sizeof(why));
	explicit_bzero(a, sizeof(*a));
	free(a);
	if (rc != 0) {
		snprintf(err, errlen, "identity token with a bad attribute: %s", why);
		return -1;
	}
	return 0;
}

/* The signed part: everything but the MAC. */
static void put_body(struct ipc_wbuf *w, const struct idtoken *t)
{
	ipc_put_u32(w, IDTOKEN_VERSION);
	ipc_put_u32(w, t->purpose);
	ipc_put_u64(w, t->logon);
	ipc_put_u64(w, (uint64_t)t->expires);
	ipc_put_str(w, t->identity);
	ipc_put_str(w, t->upn);
	ipc_put_str(w, t->email);
	ipc_put_str(w, t->dns);
	ipc_put_str(w, t->sid);
	ipc_put_u32(w, (uint32_t)t->n_groups);
	for (size_t i = 0; i < t->n_groups; i++)
		ipc_put_str(w, t->groups[i]);
}

/* The fields put_body wrote, read back into t; -1 if their framing is wrong
 * (the values' rules are checked after the MAC). */
static int get_body(struct ipc_rbuf *r, uint32_t *version, struct idtoken *t)
{
	uint32_t n;

	*version = ipc_get_u32(r);
	t->purpose = ipc_get_u32(r);
	t->logon = ipc_get_u64(r);
	t->expires = (int64_t)ipc_get_u64(r);
	ipc_get_str(r, t->identity, sizeof(t->identity));
	ipc_get_str(r, t->upn, sizeof(t->upn));
	ipc_get_str(r, t->email, sizeof(t->email));
	ipc_get_str(r, t->dns, sizeof(t->dns));
	ipc_get_str(r, t->sid, sizeof(t->sid));
	n = ipc_get_u32(r);
	if (n > IDENTITY_MAX_GROUPS)
		return -1;
	t->n_groups = n;
	for (size_t i = 0; i < n; i++)
		ipc_get_str(r, t->groups[i], sizeof(t->groups[i]));
	return 0;
}

int idtoken_mint(const uint8_t key[IDTOKEN_KEY_LEN], const struct idtoken *t, uint8_t *out,
		 size_t *outlen, char *err, size_t errlen)
{
	struct ipc_wbuf w;
	uint8_t mac[IDTOKEN_MAC_LEN];
	size_t idlen = strnlen(t->identity, sizeof(t->identity));

	if (t->purpose != IDTOKEN_LOGON && t->purpose != IDTOKEN_SUBJECT)
		return fail(err, errlen, "a token of no known purpose");
	if (idlen == 0 || idlen > IDTOKEN_IDENTITY_MAX)
		return fail(err, errlen, "identity empty or too long for a token");
	if (attrs_ok(t, err, errlen) != 0)
		return -1;
	ipc_wbuf_init(&w);
	put_body(&w, t);
	if (w.failed || mac_of(key, w.data, w.len, mac) != 0) {
		ipc_wbuf_free(&w);
		return fail(err, errlen, "cannot compute the token's MAC");
	}
	ipc_put_bytes(&w, mac, sizeof(mac));
	if (w.failed || w.len > IDTOKEN_MAX) {
		ipc_wbuf_free(&w);
		return fail(err, errlen, "cannot build the token");
	}
	memcpy(out, w.data, w.len);
	*outlen = w.len;
	ipc_wbuf_free(&w);
	return 0;
}

/* Constant time: how much of a forged MAC matched must not show in the timing. */
static int mac_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (size_t i = 0; i < IDTOKEN_MAC_LEN; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d == 0;
}

static const char *purpose_name(uint32_t p)
{
	return p == IDTOKEN_LOGON     ? "a logon"
	       : p == IDTOKEN_SUBJECT ? "a subject account"
				      : "no known purpose";
}

int idtoken_verify(const uint8_t key[IDTOKEN_KEY_LEN], const uint8_t *tok, size_t len,
		   uint32_t purpose, int64_t now, struct idtoken *t, char *err, size_t errlen)
{
	struct ipc_rbuf r;
	const uint8_t *mac;
	uint8_t want[IDTOKEN_MAC_LEN];
	size_t mac_len, body_len;
	uint32_t version;

	memset(t, 0, sizeof(*t));
	if (len > IDTOKEN_MAX)
		return fail(err, errlen, "identity token too long");
	ipc_rbuf_init_mem(&r, tok, len);
	if (get_body(&r, &version, t) != 0) {
		memset(t, 0, sizeof(*t));
		return fail(err, errlen, "malformed identity token");
	}
	body_len = len - r.left;
	ipc_get_bytes(&r, &mac, &mac_len, IDTOKEN_MAC_LEN);
	if (ipc_rbuf_done(&r) != 0 || mac_len != IDTOKEN_MAC_LEN || t->identity[0] == 0) {
		memset(t, 0, sizeof(*t));
		return fail(err, errlen, "malformed identity token");
	}
	/* The MAC first: nothing of an unauthenticated token is believed, not even
	 * its version or why it would be refused. */
	if (mac_of(key, tok, body_len, want) != 0 || !mac_equal(mac, want)) {
		memset(t, 0, sizeof(*t));
		return fail(err, errlen, "identity token not made by ca-auth (bad MAC)");
	}
	if (version != IDTOKEN_VERSION) {
		memset(t, 0, sizeof(*t));
		return fail(err, errlen, "identity token of an unknown version");
	}
	/* A subject token names an account the caller's request named, never the
	 * caller; a logon token the caller, never a subject: neither passes for
	 * the other. */
	if (t->purpose != purpose || (purpose != IDTOKEN_LOGON && purpose != IDTOKEN_SUBJECT)) {
		snprintf(err, errlen, "identity token for %s where %s was expected",
			 purpose_name(t->purpose), purpose_name(purpose));
		memset(t, 0, sizeof(*t));
		return -1;
	}
	if (now >= t->expires) {
		memset(t, 0, sizeof(*t));
		return fail(err, errlen, "identity token expired");
	}
	/* ca-auth minted it by these rules: a value that breaks them is a bug
	 * there, never believed here. */
	if (attrs_ok(t, err, errlen) != 0) {
		memset(t, 0, sizeof(*t));
		return -1;
	}
	return 0;
}
