/* Identity tokens; see idtoken.h. HMAC-SHA256 from wolfSSL; the layout is the
 * platform's IPC codec, so the decoder is the one every channel already trusts
 * (exact length, every byte consumed). */
#include "firmware/identity/idtoken.h"

#include <stdio.h>
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

/* The signed part: everything but the MAC. */
static void put_body(struct ipc_wbuf *w, const struct idtoken *t)
{
	ipc_put_u32(w, IDTOKEN_VERSION);
	ipc_put_u64(w, t->logon);
	ipc_put_u64(w, (uint64_t)t->expires);
	ipc_put_str(w, t->identity);
}

int idtoken_mint(const uint8_t key[IDTOKEN_KEY_LEN], const struct idtoken *t, uint8_t *out,
		 size_t *outlen, char *err, size_t errlen)
{
	struct ipc_wbuf w;
	uint8_t mac[IDTOKEN_MAC_LEN];
	size_t idlen = strnlen(t->identity, sizeof(t->identity));

	if (idlen == 0 || idlen > IDTOKEN_IDENTITY_MAX)
		return fail(err, errlen, "identity empty or too long for a token");
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

int idtoken_verify(const uint8_t key[IDTOKEN_KEY_LEN], const uint8_t *tok, size_t len,
		   int64_t now, struct idtoken *t, char *err, size_t errlen)
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
	version = ipc_get_u32(&r);
	t->logon = ipc_get_u64(&r);
	t->expires = (int64_t)ipc_get_u64(&r);
	ipc_get_str(&r, t->identity, sizeof(t->identity));
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
	if (now >= t->expires) {
		memset(t, 0, sizeof(*t));
		return fail(err, errlen, "identity token expired");
	}
	return 0;
}
