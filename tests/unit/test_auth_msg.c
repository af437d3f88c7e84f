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

static uint8_t buf[16384];
static size_t blen;

static void u32(uint32_t v)
{
	for (int i = 0; i < 4; i++)
		buf[blen++] = (uint8_t)(v >> 8 * i);
}

static void bytes(const void *p, size_t n)
{
	u32((uint32_t)n);
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
	same(&w);
	assert_int_equal(auth_fail_decode(buf, blen, &df), 0);
	assert_int_equal(df.code, AUTH_E_THROTTLED);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authenticate),
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_fail_and_the_rest),
		cmocka_unit_test(test_lookup_and_account),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
