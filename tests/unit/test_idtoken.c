/* Identity tokens (firmware/identity/idtoken.c): what the custodian accepts as a
 * requester's identity. The oracle for the MAC is wolfSSL's HMAC recomputed here
 * over the bytes the layout in idtoken.h describes, built by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "firmware/identity/idtoken.h"

static const uint8_t key[IDTOKEN_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
					     30, 31, 32};
#define NOW 1800000000
#define LOGON 42

static void mint(const char *who, uint64_t logon, int64_t expires, uint8_t *out, size_t *len)
{
	struct idtoken t = {logon, expires, ""};
	char err[128];

	strncpy(t.identity, who, sizeof(t.identity) - 1);
	assert_int_equal(idtoken_mint(key, &t, out, len, err, sizeof(err)), 0);
}

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The layout of idtoken.h, written out byte by byte, with an independent HMAC. */
static void test_layout_matches_the_header(void **state)
{
	uint8_t tok[IDTOKEN_MAX], want[128], mac[32];
	size_t len, n = 0;
	Hmac h;

	(void)state;
	mint("EXAMPLE\\alice", LOGON, NOW + 60, tok, &len);
	le(want + n, 1, 4), n += 4;
	le(want + n, LOGON, 8), n += 8;
	le(want + n, NOW + 60, 8), n += 8;
	le(want + n, 13, 4), n += 4;
	memcpy(want + n, "EXAMPLE\\alice", 13), n += 13;
	assert_int_equal(wc_HmacInit(&h, NULL, INVALID_DEVID), 0);
	assert_int_equal(wc_HmacSetKey(&h, WC_SHA256, key, sizeof(key)), 0);
	assert_int_equal(wc_HmacUpdate(&h, want, (word32)n), 0);
	assert_int_equal(wc_HmacFinal(&h, mac), 0);
	wc_HmacFree(&h);
	le(want + n, 32, 4), n += 4;
	memcpy(want + n, mac, 32), n += 32;
	assert_int_equal(len, n);
	assert_memory_equal(tok, want, n);
}

static void test_round_trip(void **state)
{
	uint8_t tok[IDTOKEN_MAX];
	size_t len;
	struct idtoken t;
	char err[128];

	(void)state;
	mint("EXAMPLE\\alice", LOGON, NOW + 60, tok, &len);
	assert_int_equal(idtoken_verify(key, tok, len, NOW, &t, err, sizeof(err)), 0);
	assert_string_equal(t.identity, "EXAMPLE\\alice");
	assert_int_equal(t.logon, LOGON);
	assert_int_equal(t.expires, NOW + 60);
}

static void refused(const uint8_t *k, const uint8_t *tok, size_t len, int64_t now,
		    const char *why)
{
	struct idtoken t;
	char err[128] = "";

	memset(&t, 0x5a, sizeof(t));
	assert_int_equal(idtoken_verify(k, tok, len, now, &t, err, sizeof(err)), -1);
	assert_non_null(strstr(err, why));
	assert_int_equal(t.identity[0], 0); /* nothing of a refused token survives */
}

/* Every single-bit change anywhere in the token is caught by the MAC or the
 * framing; none names an identity. */
static void test_every_bit_flip_is_refused(void **state)
{
	uint8_t tok[IDTOKEN_MAX], bad[IDTOKEN_MAX];
	size_t len;
	struct idtoken t;
	char err[128];

	(void)state;
	mint("EXAMPLE\\alice", LOGON, NOW + 60, tok, &len);
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			memcpy(bad, tok, len);
			bad[i] ^= (uint8_t)(1u << b);
			assert_int_equal(idtoken_verify(key, bad, len, NOW, &t, err,
							sizeof(err)),
					 -1);
		}
}

static void test_refusals_say_why(void **state)
{
	uint8_t tok[IDTOKEN_MAX], big[IDTOKEN_MAX + 8];
	uint8_t other[IDTOKEN_KEY_LEN];
	size_t len;

	(void)state;
	mint("EXAMPLE\\alice", LOGON, NOW + 60, tok, &len);
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;
	refused(other, tok, len, NOW, "bad MAC");
	refused(key, tok, len, NOW + 60, "expired");
	refused(key, tok, len - 1, NOW, "malformed");
	memcpy(big, tok, len);
	big[len] = 0;
	refused(key, big, len + 1, NOW, "malformed");
	refused(key, tok, 0, NOW, "malformed");
	memset(big, 0, sizeof(big));
	refused(key, big, sizeof(big), NOW, "too long");
}

static void test_mint_refuses_bad_identities(void **state)
{
	struct idtoken t = {LOGON, NOW, ""};
	uint8_t tok[IDTOKEN_MAX];
	size_t len;
	char err[128];

	(void)state;
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), -1);
	memset(t.identity, 'a', IDTOKEN_IDENTITY_MAX);
	t.identity[IDTOKEN_IDENTITY_MAX] = 0;
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), 0);
	assert_int_equal(len, IDTOKEN_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_matches_the_header),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_bit_flip_is_refused),
		cmocka_unit_test(test_refusals_say_why),
		cmocka_unit_test(test_mint_refuses_bad_identities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
