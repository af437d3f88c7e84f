/* firmware/auth/msg.c: the logon channel's encode/decode pairs. Each message
 * encoded and decoded back; the layout checked byte by byte against one built
 * here from proto.h's description (u32 LE, u32-length-prefixed strings and
 * bytes); every bound and rule a decoder enforces broken once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/auth/msg.h"

/* The largest message the tests write is an answer (AUTH_ANSWER_MAX, with a
 * 256-group token); each writer checks the room, so a bound that grows fails
 * here rather than writing past the buffer (ASan caught it once). */
static uint8_t buf[AUTH_ANSWER_MAX + 64];
static size_t blen;

static void u32(uint32_t v)
{
	assert_true(blen + 4 <= sizeof(buf));
	for (int i = 0; i < 4; i++)
		buf[blen++] = (uint8_t)(v >> 8 * i);
}

static void u64(uint64_t v)
{
	assert_true(blen + 8 <= sizeof(buf));
	for (int i = 0; i < 8; i++)
		buf[blen++] = (uint8_t)(v >> 8 * i);
}

static void bytes(const void *p, size_t n)
{
	u32((uint32_t)n);
	assert_true(blen + n <= sizeof(buf));
	memcpy(buf + blen, p, n);
	blen += n;
}

static void same(struct ipc_wbuf *w)
{
	assert_false(w->failed);
	assert_int_equal(w->len, blen);
	assert_memory_equal(w->data, buf, blen);
	ipc_wbuf_free(w);
}

static void test_authenticate(void **state)
{
	struct auth_authenticate a = {.ctx = 0x01020304, .peer = "192.0.2.7"}, d;
	struct ipc_wbuf w;
	char longpeer[AUTH_PEER_MAX + 2];

	(void)state;
	a.token = (const uint8_t *)"NTLMSSP";
	a.token_len = 8;
	ipc_wbuf_init(&w);
	auth_authenticate_encode(&w, &a);
	blen = 0;
	u32(0x01020304);
	bytes("192.0.2.7", 9);
	bytes("NTLMSSP", 8);
	same(&w);
	assert_int_equal(auth_authenticate_decode(buf, blen, &d), 0);
	assert_int_equal(d.ctx, a.ctx);
	assert_string_equal(d.peer, "192.0.2.7");
	assert_int_equal(d.token_len, 8);
	assert_ptr_equal(d.token, buf + 4 + 4 + 9 + 4); /* a view into the message */
	/* a byte more, a byte less, an empty token, a peer too long */
	assert_int_equal(auth_authenticate_decode(buf, blen + 1, &d), -1);
	assert_int_equal(auth_authenticate_decode(buf, blen - 1, &d), -1);
	assert_int_equal(d.ctx, 0); /* nothing half-filled */
	blen = 0;
	u32(1);
	bytes("", 0);
	bytes("", 0);
	assert_int_equal(auth_authenticate_decode(buf, blen, &d), -1);
	memset(longpeer, 'a', sizeof(longpeer) - 1);
	blen = 0;
	u32(1);
	bytes(longpeer, AUTH_PEER_MAX + 1);
	bytes("x", 1);
	assert_int_equal(auth_authenticate_decode(buf, blen, &d), -1);
	blen = 0;
	u32(1);
	bytes(longpeer, AUTH_PEER_MAX);
	bytes("x", 1);
	assert_int_equal(auth_authenticate_decode(buf, blen, &d), 0);
}

static void test_ok(void **state)
{
	static const uint8_t key[AUTH_KEY_LEN] = {1, 2, 3};
	struct auth_ok o = {.identity = "EXAMPLE\\alice", .anonymous = 0, .key = key}, d;
	struct ipc_wbuf w;

	(void)state;
	o.id_token = (const uint8_t *)"tok";
	o.id_token_len = 3;
	ipc_wbuf_init(&w);
	auth_ok_encode(&w, &o);
	blen = 0;
	bytes("EXAMPLE\\alice", 13);
	u32(0);
	bytes(key, AUTH_KEY_LEN);
	bytes("tok", 3);
	same(&w);
	assert_int_equal(auth_ok_decode(buf, blen, &d), 0);
	assert_string_equal(d.identity, "EXAMPLE\\alice");
	assert_memory_equal(d.key, key, AUTH_KEY_LEN);
	/* anonymous 2, a 15-octet key, an empty identity */
	blen = 0;
	bytes("a", 1);
	u32(2);
	bytes(key, AUTH_KEY_LEN);
	bytes("", 0);
	assert_int_equal(auth_ok_decode(buf, blen, &d), -1);
	blen = 0;
	bytes("a", 1);
	u32(1);
	bytes(key, AUTH_KEY_LEN - 1);
	bytes("", 0);
	assert_int_equal(auth_ok_decode(buf, blen, &d), -1);
	blen = 0;
	bytes("", 0);
	u32(0);
	bytes(key, AUTH_KEY_LEN);
	bytes("", 0);
	assert_int_equal(auth_ok_decode(buf, blen, &d), -1);
}

static void test_fail_and_the_rest(void **state)
{
	struct auth_fail f = {.code = AUTH_E_THROTTLED, .message = "throttled"}, df;
	struct auth_challenge c = {.ctx = 9}, dc;
	struct auth_negotiate dn;
	struct auth_release dr;
	struct ipc_wbuf w;

	(void)state;
	ipc_wbuf_init(&w);
	auth_fail_encode(&w, &f);
	blen = 0;
	u32(AUTH_E_THROTTLED);
	bytes("throttled", 9);
	u32(0); /* mech: not a SPNEGO leg */
	same(&w);
	assert_int_equal(auth_fail_decode(buf, blen, &df), 0);
	assert_int_equal(df.code, AUTH_E_THROTTLED);
	assert_int_equal(df.mech, 0);
	/* a refused SPNEGO leg names the mechanism ca-auth had chosen, and only
	 * one it can choose */
	for (uint32_t mech = 0; mech <= AUTH_MECH_NTLM + 1; mech++) {
		f.mech = mech;
		ipc_wbuf_init(&w);
		auth_fail_encode(&w, &f);
		assert_false(w.failed);
		assert_int_equal(auth_fail_decode(w.data, w.len, &df),
				 mech <= AUTH_MECH_NTLM ? 0 : -1);
		if (mech <= AUTH_MECH_NTLM)
			assert_int_equal(df.mech, mech);
		assert_int_equal(auth_fail_decode(w.data, w.len - 1, &df), -1); /* cut short */
		ipc_wbuf_free(&w);
	}
	buf[0] = 0; /* code 0 and one past the last are no AUTH_E_* */
	assert_int_equal(auth_fail_decode(buf, blen, &df), -1);
	buf[0] = AUTH_E_LIMIT + 1;
	assert_int_equal(auth_fail_decode(buf, blen, &df), -1);
	/* the look-up's codes (issue 16) are the last ones */
	buf[0] = AUTH_E_NOACCOUNT;
	assert_int_equal(auth_fail_decode(buf, blen, &df), 0);
	buf[0] = AUTH_E_LIMIT;
	assert_int_equal(auth_fail_decode(buf, blen, &df), 0);
	assert_int_equal(df.code, AUTH_E_LIMIT);
	/* a string with a NUL inside */
	blen = 0;
	u32(AUTH_E_DENIED);
	bytes("a\0b", 3);
	assert_int_equal(auth_fail_decode(buf, blen, &df), -1);
	c.token = (const uint8_t *)"chal";
	c.token_len = 4;
	ipc_wbuf_init(&w);
	auth_challenge_encode(&w, &c);
	blen = 0;
	u32(9);
	bytes("chal", 4);
	same(&w);
	assert_int_equal(auth_challenge_decode(buf, blen, &dc), 0);
	assert_int_equal(auth_negotiate_decode(buf + 4, blen - 4, &dn), 0);
	assert_int_equal(dn.token_len, 4);
	blen = 0;
	bytes("", 0);
	assert_int_equal(auth_negotiate_decode(buf, blen, &dn), -1); /* empty token */
	u32(0);
	assert_int_equal(auth_challenge_decode(buf, blen, &dc), -1);
	blen = 0;
	u32(7);
	assert_int_equal(auth_release_decode(buf, blen, &dr), 0);
	assert_int_equal(dr.ctx, 7);
	assert_int_equal(auth_release_decode(buf, 3, &dr), -1);
	assert_int_equal(auth_released_decode(buf, 0), 0);
	assert_int_equal(auth_released_decode(buf, 1), -1);
}

/* AUTH_LOOKUP {u32 ctx, str account} and AUTH_ACCOUNT {bytes token}: the
 * layout, the account 1..AUTH_IDENTITY_MAX bytes without a NUL, the token
 * 1..IDTOKEN_MAX bytes, nothing after either. */
static void test_lookup_and_account(void **state)
{
	static uint8_t tok[IDTOKEN_MAX + 1];
	struct auth_lookup q = {.ctx = 0x01020304, .account = "EXAMPLE\\bob"}, dq;
	struct auth_account a, da;
	char name[AUTH_IDENTITY_MAX + 2];
	struct ipc_wbuf w;

	(void)state;
	ipc_wbuf_init(&w);
	auth_lookup_encode(&w, &q);
	blen = 0;
	u32(0x01020304);
	bytes("EXAMPLE\\bob", 11);
	same(&w);
	assert_int_equal(auth_lookup_decode(buf, blen, &dq), 0);
	assert_int_equal(dq.ctx, 0x01020304);
	assert_string_equal(dq.account, "EXAMPLE\\bob");
	assert_int_equal(auth_lookup_decode(buf, blen - 1, &dq), -1); /* cut short */
	buf[blen++] = 0;
	assert_int_equal(auth_lookup_decode(buf, blen, &dq), -1); /* a byte after */
	assert_int_equal(dq.account[0], 0);                        /* nothing half-filled */
	blen = 0;
	u32(1);
	bytes("", 0);
	assert_int_equal(auth_lookup_decode(buf, blen, &dq), -1); /* no name */
	blen = 0;
	u32(1);
	bytes("EX\0AMPLE\\bob", 12);
	assert_int_equal(auth_lookup_decode(buf, blen, &dq), -1); /* a NUL inside */
	memset(name, 'a', sizeof(name));
	blen = 0;
	u32(1);
	bytes(name, AUTH_IDENTITY_MAX);
	assert_int_equal(auth_lookup_decode(buf, blen, &dq), 0);
	assert_int_equal(strlen(dq.account), AUTH_IDENTITY_MAX);
	blen = 0;
	u32(1);
	bytes(name, AUTH_IDENTITY_MAX + 1);
	assert_int_equal(auth_lookup_decode(buf, blen, &dq), -1);

	memset(tok, 0x5a, sizeof(tok));
	a.token = tok;
	a.token_len = 40;
	ipc_wbuf_init(&w);
	auth_account_encode(&w, &a);
	blen = 0;
	bytes(tok, 40);
	same(&w);
	assert_int_equal(auth_account_decode(buf, blen, &da), 0);
	assert_int_equal(da.token_len, 40);
	assert_memory_equal(da.token, tok, 40);
	buf[blen++] = 0;
	assert_int_equal(auth_account_decode(buf, blen, &da), -1);
	assert_null(da.token);
	blen = 0;
	bytes("", 0);
	assert_int_equal(auth_account_decode(buf, blen, &da), -1); /* no token */
	blen = 0;
	bytes(tok, IDTOKEN_MAX);
	assert_int_equal(auth_account_decode(buf, blen, &da), 0);
	assert_int_equal(da.token_len, IDTOKEN_MAX);
	blen = 0;
	bytes(tok, IDTOKEN_MAX + 1);
	assert_int_equal(auth_account_decode(buf, blen, &da), -1);
}

/* Every prefix of a well-formed message is refused (a field cut anywhere). */
static void no_prefix(int (*dec)(const uint8_t *, size_t, void *), void *m)
{
	for (size_t n = 0; n < blen; n++)
		assert_int_equal(dec(buf, n, m), -1);
	assert_int_equal(dec(buf, blen, m), 0);
	buf[blen] = 0;
	assert_int_equal(dec(buf, blen + 1, m), -1); /* a byte after */
}

static int gss_accept_dec(const uint8_t *p, size_t n, void *m)
{
	return auth_gss_accept_decode(p, n, m);
}

static int gss_continue_dec(const uint8_t *p, size_t n, void *m)
{
	return auth_gss_continue_decode(p, n, m);
}

static int gss_ok_dec(const uint8_t *p, size_t n, void *m)
{
	return auth_gss_ok_decode(p, n, m);
}

/* AUTH_GSS_ACCEPT {u32 ctx, str peer, bytes token}: ctx 0 starts a logon, the
 * token is 1..AUTH_GSS_TOKEN_MAX octets (the SPNEGO token as the client sent
 * it). */
static void test_gss_accept(void **state)
{
	static uint8_t tok[AUTH_GSS_TOKEN_MAX + 1];
	struct auth_gss_accept a = {.ctx = 0, .peer = "192.0.2.9"}, d;
	struct ipc_wbuf w;

	(void)state;
	memset(tok, 0x60, sizeof(tok));
	a.token = tok;
	a.token_len = 70;
	ipc_wbuf_init(&w);
	auth_gss_accept_encode(&w, &a);
	blen = 0;
	u32(0);
	bytes("192.0.2.9", 9);
	bytes(tok, 70);
	same(&w);
	assert_int_equal(auth_gss_accept_decode(buf, blen, &d), 0);
	assert_int_equal(d.ctx, 0);
	assert_string_equal(d.peer, "192.0.2.9");
	assert_int_equal(d.token_len, 70);
	assert_ptr_equal(d.token, buf + 4 + 4 + 9 + 4); /* a view into the message */
	no_prefix(gss_accept_dec, &d);
	assert_int_equal(d.ctx, 0);
	assert_null(d.token); /* nothing half-filled */
	/* the second leg names its ctx */
	blen = 0;
	u32(0x80000001);
	bytes("192.0.2.9", 9);
	bytes(tok, 70);
	assert_int_equal(auth_gss_accept_decode(buf, blen, &d), 0);
	assert_int_equal(d.ctx, 0x80000001);
	/* an empty token; the longest token; one octet longer */
	blen = 0;
	u32(0);
	bytes("192.0.2.9", 9);
	bytes("", 0);
	assert_int_equal(auth_gss_accept_decode(buf, blen, &d), -1);
	blen = 0;
	u32(0);
	bytes("192.0.2.9", 9);
	bytes(tok, AUTH_GSS_TOKEN_MAX);
	assert_int_equal(auth_gss_accept_decode(buf, blen, &d), 0);
	assert_int_equal(d.token_len, AUTH_GSS_TOKEN_MAX);
	blen = 0;
	u32(0);
	bytes("192.0.2.9", 9);
	bytes(tok, AUTH_GSS_TOKEN_MAX + 1);
	assert_int_equal(auth_gss_accept_decode(buf, blen, &d), -1);
	/* a peer with a NUL inside */
	blen = 0;
	u32(0);
	bytes("192.0\0.2.9", 10);
	bytes(tok, 70);
	assert_int_equal(auth_gss_accept_decode(buf, blen, &d), -1);
}

/* AUTH_GSS_CONTINUE {u32 ctx, bytes token}: ctx not 0, a token of
 * 1..AUTH_GSS_TOKEN_MAX octets. */
static void test_gss_continue(void **state)
{
	static uint8_t tok[AUTH_GSS_TOKEN_MAX + 1];
	struct auth_gss_continue c = {.ctx = 0x80000007}, d;
	struct ipc_wbuf w;

	(void)state;
	memset(tok, 0xa1, sizeof(tok));
	c.token = tok;
	c.token_len = 150;
	ipc_wbuf_init(&w);
	auth_gss_continue_encode(&w, &c);
	blen = 0;
	u32(0x80000007);
	bytes(tok, 150);
	same(&w);
	assert_int_equal(auth_gss_continue_decode(buf, blen, &d), 0);
	assert_int_equal(d.ctx, 0x80000007);
	assert_int_equal(d.token_len, 150);
	assert_ptr_equal(d.token, buf + 8);
	no_prefix(gss_continue_dec, &d);
	blen = 0;
	u32(0); /* no context named */
	bytes(tok, 150);
	assert_int_equal(auth_gss_continue_decode(buf, blen, &d), -1);
	blen = 0;
	u32(1);
	bytes("", 0);
	assert_int_equal(auth_gss_continue_decode(buf, blen, &d), -1);
	blen = 0;
	u32(1);
	bytes(tok, AUTH_GSS_TOKEN_MAX);
	assert_int_equal(auth_gss_continue_decode(buf, blen, &d), 0);
	blen = 0;
	u32(1);
	bytes(tok, AUTH_GSS_TOKEN_MAX + 1);
	assert_int_equal(auth_gss_continue_decode(buf, blen, &d), -1);
}

/* The fields of an AUTH_GSS_OK, laid out as proto.h describes them; each one
 * is a parameter so that one at a time can break a rule. */
struct gss_ok_fields {
	uint32_t ctx;
	const char *token;
	const char *identity;
	const char *id_token;
	uint32_t mech, enctype;
	size_t key_len;
	uint32_t flags;
};

static const uint8_t gss_key[AUTH_GSS_KEY_MAX + 1] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
	0x30};

static void gss_ok_layout(const struct gss_ok_fields *f)
{
	blen = 0;
	u32(f->ctx);
	bytes(f->token, strlen(f->token));
	bytes(f->identity, strlen(f->identity));
	bytes(f->id_token, strlen(f->id_token));
	u32(f->mech);
	u32(f->enctype);
	bytes(gss_key, f->key_len);
	u64(0x0102030405060708u);
	u64(0xfffffffffffffffeu);
	u32(f->flags);
}

static const struct gss_ok_fields gss_ok_good = {
	.ctx = 0x80000002, .token = "\xa1\x07resp", .identity = "CA.TEST\\alice",
	.id_token = "idtok", .mech = AUTH_MECH_KRB5, .enctype = 18, .key_len = 32,
	.flags = AUTH_GSS_F_ACCEPTOR_SUBKEY};

/* AUTH_GSS_OK: the layout both ways, then every rule the decoder enforces
 * broken alone: ctx 0, no identity, another mechanism, a key whose length is
 * not its enctype's, an enctype that is not AES, an unknown flag. */
static void test_gss_ok(void **state)
{
	struct auth_gss_ok o, d;
	struct gss_ok_fields f;
	struct ipc_wbuf w;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.ctx = 0x80000002;
	o.token = (const uint8_t *)"\xa1\x07resp";
	o.token_len = 6;
	strcpy(o.identity, "CA.TEST\\alice");
	o.id_token = (const uint8_t *)"idtok";
	o.id_token_len = 5;
	o.mech = AUTH_MECH_KRB5;
	o.enctype = 18;
	o.key = gss_key;
	o.key_len = 32;
	o.send_seq = 0x0102030405060708u;
	o.recv_seq = 0xfffffffffffffffeu;
	o.flags = AUTH_GSS_F_ACCEPTOR_SUBKEY;
	ipc_wbuf_init(&w);
	auth_gss_ok_encode(&w, &o);
	gss_ok_layout(&gss_ok_good);
	same(&w);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), 0);
	assert_int_equal(d.ctx, 0x80000002);
	assert_int_equal(d.token_len, 6);
	assert_memory_equal(d.token, "\xa1\x07resp", 6);
	assert_string_equal(d.identity, "CA.TEST\\alice");
	assert_int_equal(d.id_token_len, 5);
	assert_memory_equal(d.id_token, "idtok", 5);
	assert_int_equal(d.mech, AUTH_MECH_KRB5);
	assert_int_equal(d.enctype, 18);
	assert_int_equal(d.key_len, 32);
	assert_memory_equal(d.key, gss_key, 32);
	assert_true(d.send_seq == 0x0102030405060708u);
	assert_true(d.recv_seq == 0xfffffffffffffffeu);
	assert_int_equal(d.flags, AUTH_GSS_F_ACCEPTOR_SUBKEY);
	no_prefix(gss_ok_dec, &d);
	assert_int_equal(d.identity[0], 0); /* nothing half-filled */
	assert_null(d.key);

	/* what may be empty or 0: the last token, the id token, the flags; aes128
	 * with its 16 octets */
	f = gss_ok_good;
	f.token = "";
	f.id_token = "";
	f.flags = 0;
	f.enctype = 17;
	f.key_len = 16;
	gss_ok_layout(&f);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), 0);
	assert_int_equal(d.token_len, 0);
	assert_int_equal(d.enctype, 17);
	assert_int_equal(d.key_len, 16);

	f = gss_ok_good;
	f.ctx = 0;
	gss_ok_layout(&f);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1);
	f = gss_ok_good;
	f.identity = "";
	gss_ok_layout(&f);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1);
	f = gss_ok_good;
	f.mech = AUTH_MECH_KRB5 + 1;
	gss_ok_layout(&f);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1);
	f.mech = 0;
	gss_ok_layout(&f);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1);
	/* the key's length against the enctype's, both ways */
	static const struct {
		uint32_t enctype;
		size_t key_len;
	} bad_keys[] = {
		{18, 16}, {18, 31}, {18, 0}, {17, 32}, {17, 15}, {17, 17}, {17, 0},
		{18, 33}, /* over AUTH_GSS_KEY_MAX */
		{23, 16}, /* rc4-hmac */
		{16, 24}, /* des3-cbc-sha1 */
		{3, 8},   /* des-cbc-md5 */
		{19, 16}, /* aes128-cts-hmac-sha256-128: not served */
		{20, 32}, /* aes256-cts-hmac-sha384-192 */
		{0, 0},
	};
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		f = gss_ok_good;
		f.enctype = bad_keys[i].enctype;
		f.key_len = bad_keys[i].key_len;
		gss_ok_layout(&f);
		assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1);
	}
	for (int bit = 1; bit < 32; bit++) {
		f = gss_ok_good;
		f.flags = AUTH_GSS_F_ACCEPTOR_SUBKEY | 1u << bit;
		gss_ok_layout(&f);
		assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1);
	}
	/* the token's bound */
	{
		static char big[AUTH_GSS_TOKEN_MAX + 2];

		memset(big, 'a', AUTH_GSS_TOKEN_MAX + 1);
		f = gss_ok_good;
		f.token = big;
		gss_ok_layout(&f);
		assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1);
		big[AUTH_GSS_TOKEN_MAX] = 0;
		gss_ok_layout(&f);
		assert_int_equal(auth_gss_ok_decode(buf, blen, &d), 0);
		assert_int_equal(d.token_len, AUTH_GSS_TOKEN_MAX);
	}
}

/* AUTH_GSS_OK of NTLM inside SPNEGO laid out as proto.h says: mech 2,
 * enctype 0, a 16-octet key, both sequence numbers 0, flags the
 * AUTHENTICATE's NegotiateFlags (any value). */
static void gss_ok_ntlm(uint32_t mech, uint32_t enctype, size_t key_len, uint64_t send,
			uint64_t recv, uint32_t flags)
{
	static const uint8_t key[AUTH_GSS_KEY_MAX] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
						      14, 15, 16, 17};

	blen = 0;
	u32(0x2a);
	bytes("\xa1\x03\x0a\x01\x00", 5);
	bytes("EXAMPLE\\alice", 13);
	bytes("", 0);
	u32(mech);
	u32(enctype);
	bytes(key, key_len);
	u64(send);
	u64(recv);
	u32(flags);
}

static void test_gss_ok_ntlm(void **state)
{
	static const uint8_t key[AUTH_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
						  16};
	struct auth_gss_ok ok = {.ctx = 0x2a, .token = (const uint8_t *)"\xa1\x03\x0a\x01\x00",
				 .token_len = 5, .identity = "EXAMPLE\\alice",
				 .mech = AUTH_MECH_NTLM, .key = key, .key_len = AUTH_KEY_LEN,
				 .flags = 0xe2888235u},
			  d;
	struct ipc_wbuf w;

	(void)state;
	assert_int_equal(AUTH_MECH_NTLM, 2);
	ipc_wbuf_init(&w);
	auth_gss_ok_encode(&w, &ok);
	gss_ok_ntlm(AUTH_MECH_NTLM, 0, AUTH_KEY_LEN, 0, 0, 0xe2888235u);
	same(&w);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), 0);
	assert_int_equal(d.mech, AUTH_MECH_NTLM);
	assert_int_equal(d.flags, 0xe2888235u);
	assert_int_equal(d.key_len, AUTH_KEY_LEN);
	assert_memory_equal(d.key, key, AUTH_KEY_LEN);
	assert_string_equal(d.identity, "EXAMPLE\\alice");
	/* any NegotiateFlags: ntlm_seal_init judges them */
	gss_ok_ntlm(AUTH_MECH_NTLM, 0, AUTH_KEY_LEN, 0, 0, 0xffffffffu);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), 0);
	/* what NTLM never has */
	gss_ok_ntlm(AUTH_MECH_NTLM, 17, AUTH_KEY_LEN, 0, 0, 0);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1); /* an enctype */
	gss_ok_ntlm(AUTH_MECH_NTLM, 0, 15, 0, 0, 0);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1); /* a short key */
	gss_ok_ntlm(AUTH_MECH_NTLM, 0, 17, 0, 0, 0);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1); /* a long key */
	gss_ok_ntlm(AUTH_MECH_NTLM, 0, AUTH_KEY_LEN, 1, 0, 0);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1); /* a send sequence number */
	gss_ok_ntlm(AUTH_MECH_NTLM, 0, AUTH_KEY_LEN, 0, 1, 0);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1); /* a recv sequence number */
	gss_ok_ntlm(3, 0, AUTH_KEY_LEN, 0, 0, 0);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1); /* an unknown mechanism */
	/* Kerberos keeps its rules: its flags are AUTH_GSS_F_* only */
	gss_ok_ntlm(AUTH_MECH_KRB5, 17, 16, 0, 0, AUTH_GSS_F_ACCEPTOR_SUBKEY);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), 0);
	gss_ok_ntlm(AUTH_MECH_KRB5, 17, 16, 0, 0, 0xe2888235u);
	assert_int_equal(auth_gss_ok_decode(buf, blen, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authenticate),
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_fail_and_the_rest),
		cmocka_unit_test(test_lookup_and_account),
		cmocka_unit_test(test_gss_accept),
		cmocka_unit_test(test_gss_continue),
		cmocka_unit_test(test_gss_ok),
		cmocka_unit_test(test_gss_ok_ntlm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
