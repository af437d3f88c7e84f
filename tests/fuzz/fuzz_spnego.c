/* ca-auth's SPNEGO and Kerberos decoders (firmware/auth/spnego.c) on arbitrary
 * tokens, as the worker forwards them from bind and alter_context verifiers:
 * the same octets as a NegTokenInit, a NegTokenResp, a krb5 mechanism token and
 * a bare AP-REQ. What decodes must point inside the input and keep spnego.h's
 * bounds; a NegTokenInit's mechToken goes on through the krb5 framing and the
 * AP-REQ reader, as ca-auth will pass it on; a NegTokenResp re-encodes
 * (spnego_encode_resp) and decodes back to the same fields; an AP-REQ's
 * authenticator is new to a fresh replay cache (replay.c), then a replay. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/auth/proto.h"
#include "firmware/auth/replay.h"
#include "firmware/auth/spnego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct replay_cache cache;

static void inside(const uint8_t *p, size_t n, const uint8_t *in, size_t len)
{
	if (p == NULL) {
		if (n != 0)
			abort();
		return;
	}
	if (p < in || n > len || (size_t)(p - in) > len - n)
		abort();
}

static void name_ok(const char *s)
{
	size_t n = strnlen(s, KRB5_NAME_MAX);

	if (n == 0 || n >= KRB5_NAME_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			abort();
}

static void apreq(const uint8_t *p, size_t n, const uint8_t *in, size_t len)
{
	struct krb5_apreq_info ai;
	char err[128];

	if (krb5_apreq_info(p, n, &ai, err, sizeof err) != 0)
		return;
	inside(ai.auth_cipher, ai.auth_cipher_len, in, len);
	if (ai.auth_cipher_len == 0 || strchr(ai.realm, '/') != NULL)
		abort();
	name_ok(ai.realm);
	name_ok(ai.sname);
	replay_init(&cache);
	if (replay_check(&cache, ai.auth_cipher, ai.auth_cipher_len, 100, 700) != 0 ||
	    replay_check(&cache, ai.auth_cipher, ai.auth_cipher_len, 699, 1299) != 1 ||
	    replay_check(&cache, ai.auth_cipher, ai.auth_cipher_len, 700, 1300) != 0)
		abort();
}

static void krb5_token(const uint8_t *p, size_t n, const uint8_t *in, size_t len)
{
	const uint8_t *body;
	size_t body_len;
	uint16_t tok;

	if (krb5_tok_unframe(p, n, &tok, &body, &body_len) != 0)
		return;
	inside(body, body_len, in, len);
	if (body_len == 0 || body + body_len != p + n)
		abort();
	if (tok == KRB5_TOK_AP_REQ)
		apreq(body, body_len, in, len);
}

static void init(const uint8_t *data, size_t size)
{
	struct spnego_init in;
	char err[128];

	if (spnego_decode_init(data, size, &in, err, sizeof err) != 0)
		return;
	if (in.n_mechs < 1 || in.n_mechs > SPNEGO_MAX_MECHS)
		abort();
	for (size_t i = 0; i < in.n_mechs; i++)
		if ((unsigned)in.mechs[i] > SPNEGO_MECH_NEGOEX)
			abort();
	inside(in.mech_list, in.mech_list_len, data, size);
	if (in.mech_list_len < 2 || in.mech_list[0] != 0x30)
		abort();
	inside(in.mech_token, in.mech_token_len, data, size);
	inside(in.mic, in.mic_len, data, size);
	if (in.mech_token != NULL)
		krb5_token(in.mech_token, in.mech_token_len, data, size);
}

static void resp(const uint8_t *data, size_t size)
{
	static uint8_t out[2 * AUTH_TOKEN_MAX + 64];
	struct spnego_resp r, r2;
	char err[128];
	size_t n;

	if (spnego_decode_resp(data, size, &r, err, sizeof err) != 0)
		return;
	if (r.neg_state < SPNEGO_NEG_ABSENT || r.neg_state > SPNEGO_NEG_REQUEST_MIC ||
	    (!r.has_mech && r.mech != SPNEGO_MECH_UNKNOWN))
		abort();
	inside(r.token, r.token_len, data, size);
	inside(r.mic, r.mic_len, data, size);
	if (spnego_encode_resp(r.neg_state, r.mech, r.token, r.token_len, r.mic, r.mic_len, out,
			       sizeof out, &n) != 0 ||
	    spnego_decode_resp(out, n, &r2, err, sizeof err) != 0)
		abort();
	if (r2.neg_state != r.neg_state || r2.mech != r.mech || r2.token_len != r.token_len ||
	    r2.mic_len != r.mic_len || (r.token_len && memcmp(r2.token, r.token, r.token_len)) ||
	    (r.mic_len && memcmp(r2.mic, r.mic, r.mic_len)))
		abort();
	/* the same fields, minus an unknown supportedMech: never longer */
	if (n > size)
		abort();
	if (r.token != NULL)
		krb5_token(r.token, r.token_len, data, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init(data, size);
	resp(data, size);
	krb5_token(data, size, data, size);
	apreq(data, size, data, size);
	return 0;
}
