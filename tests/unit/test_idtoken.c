/* Identity tokens (firmware/identity/idtoken.c), version 3: a purpose (the
 * caller's logon, or the subject account a request names) and the account's
 * attributes: what the custodian accepts as a requester's identity. The oracle
 * for the MAC is wolfSSL's HMAC recomputed here over the bytes the layout in
 * idtoken.h describes, built by hand. */
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
	struct idtoken t = {.purpose = IDTOKEN_LOGON, .logon = logon, .expires = expires};
	char err[128];

	strncpy(t.identity, who, sizeof(t.identity) - 1);
	assert_int_equal(idtoken_mint(key, &t, out, len, err, sizeof(err)), 0);
}

static void le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static size_t put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	le(p, n, 4);
	memcpy(p + 4, s, n);
	return 4 + n;
}

/* An account with every attribute, the groups at their limit. */
static void full_token(struct idtoken *t)
{
	memset(t, 0, sizeof(*t));
	t->purpose = IDTOKEN_LOGON;
	t->logon = LOGON;
	t->expires = NOW + 60;
	strcpy(t->identity, "EXAMPLE\\alice");
	strcpy(t->upn, "alice@example.com");
	strcpy(t->email, "alice.smith@mail.example.com");
	strcpy(t->dns, "host1.example.com");
	strcpy(t->sid, "S-1-5-21-3623811015-3361044348-30300820-1013");
	t->n_groups = IDENTITY_MAX_GROUPS;
	for (size_t i = 0; i < IDENTITY_MAX_GROUPS; i++)
		snprintf(t->groups[i], sizeof(t->groups[i]), "Group %zu", i);
}

/* The layout of idtoken.h (version 3), written out byte by byte, with an
 * independent HMAC. */
static void test_layout_matches_the_header(void **state)
{
	uint8_t tok[IDTOKEN_MAX], want[IDTOKEN_MAX], mac[32];
	size_t len, n = 0;
	struct idtoken t;
	char err[128];
	Hmac h;

	(void)state;
	full_token(&t);
	t.n_groups = 2;
	strcpy(t.groups[1], "Domain Users");
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), 0);
	le(want + n, 3, 4), n += 4;
	le(want + n, IDTOKEN_LOGON, 4), n += 4;
	le(want + n, LOGON, 8), n += 8;
	le(want + n, NOW + 60, 8), n += 8;
	n += put_str(want + n, "EXAMPLE\\alice");
	n += put_str(want + n, "alice@example.com");
	n += put_str(want + n, "alice.smith@mail.example.com");
	n += put_str(want + n, "host1.example.com");
	n += put_str(want + n, "S-1-5-21-3623811015-3361044348-30300820-1013");
	le(want + n, 2, 4), n += 4;
	n += put_str(want + n, "Group 0");
	n += put_str(want + n, "Domain Users");
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

/* Without attributes: four empty strings and no group. */
static void test_layout_without_attributes(void **state)
{
	uint8_t tok[IDTOKEN_MAX];
	size_t len;

	(void)state;
	mint("EXAMPLE\\alice", LOGON, NOW + 60, tok, &len);
	assert_int_equal(len, 4 + 4 + 8 + 8 + 4 + 13 + 4 * 4 + 4 + 4 + 32);
	assert_memory_equal(tok + 41, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
}

static void test_round_trip(void **state)
{
	uint8_t tok[IDTOKEN_MAX];
	size_t len;
	struct idtoken t;
	char err[128];

	(void)state;
	mint("EXAMPLE\\alice", LOGON, NOW + 60, tok, &len);
	assert_int_equal(idtoken_verify(key, tok, len, IDTOKEN_LOGON, NOW, &t, err, sizeof(err)), 0);
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
	assert_int_equal(idtoken_verify(k, tok, len, IDTOKEN_LOGON, now, &t, err, sizeof(err)), -1);
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
			assert_int_equal(idtoken_verify(key, bad, len, IDTOKEN_LOGON, NOW, &t, err,
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
	struct idtoken t = {.purpose = IDTOKEN_LOGON, .logon = LOGON, .expires = NOW};
	uint8_t tok[IDTOKEN_MAX];
	size_t len;
	char err[128];

	(void)state;
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), -1);
	memset(t.identity, 'a', IDTOKEN_IDENTITY_MAX);
	t.identity[IDTOKEN_IDENTITY_MAX] = 0;
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 4 + 4 + 8 + 8 + 4 + IDTOKEN_IDENTITY_MAX + 4 * 4 + 4 + 4 + 32);
}

/* HMAC over the bytes given, appended as the token's MAC field. */
static size_t seal(uint8_t *tok, size_t n)
{
	Hmac h;

	assert_int_equal(wc_HmacInit(&h, NULL, INVALID_DEVID), 0);
	assert_int_equal(wc_HmacSetKey(&h, WC_SHA256, key, sizeof(key)), 0);
	assert_int_equal(wc_HmacUpdate(&h, tok, (word32)n), 0);
	le(tok + n, 32, 4);
	assert_int_equal(wc_HmacFinal(&h, tok + n + 4), 0);
	wc_HmacFree(&h);
	return n + 36;
}

/* Every attribute comes back as minted; the largest token is IDTOKEN_MAX. */
static void test_round_trip_with_attributes(void **state)
{
	uint8_t tok[IDTOKEN_MAX];
	size_t len;
	struct idtoken t, got;
	struct id_attrs a;
	char err[128];

	(void)state;
	full_token(&t);
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), 0);
	assert_int_equal(idtoken_verify(key, tok, len, IDTOKEN_LOGON, NOW, &got, err, sizeof(err)), 0);
	assert_memory_equal(&got, &t, sizeof(t));
	/* the largest of each field */
	memset(t.identity, 'a', IDTOKEN_IDENTITY_MAX);
	t.identity[IDTOKEN_IDENTITY_MAX] = 0;
	memset(t.upn, 'u', IDENTITY_ATTR_MAX - 4);
	strcpy(t.upn + IDENTITY_ATTR_MAX - 4, "@x.y");
	assert_int_equal(strlen(t.upn), IDENTITY_ATTR_MAX);
	memset(t.email, 0, sizeof(t.email));
	memset(t.email, 'e', 64);
	t.email[64] = '@';
	for (size_t i = 65; i < IDENTITY_EMAIL_MAX; i++)
		t.email[i] = (i - 65) % 2 == 0 ? 'd' : '.';
	t.email[IDENTITY_EMAIL_MAX - 1] = 'z';
	assert_int_equal(id_attr_check(ID_ATTR_EMAIL, t.email, err, sizeof(err)), 0);
	memset(t.dns, 0, sizeof(t.dns));
	for (size_t i = 0; i < IDENTITY_DNS_MAX; i++)
		t.dns[i] = i % 2 == 0 ? 'h' : '.';
	strcpy(t.sid, "S-1-281474976710655");
	for (int i = 0; i < 15; i++)
		strcat(t.sid, "-4294967295");
	assert_int_equal(strlen(t.sid), IDENTITY_SID_MAX);
	for (size_t i = 0; i < IDENTITY_MAX_GROUPS; i++) {
		memset(t.groups[i], 'g', IDENTITY_GROUP_MAX);
		t.groups[i][0] = (char)('A' + i % 26);
		t.groups[i][1] = (char)('A' + i / 26);
	}
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), 0);
	/* 256 groups of 128 bytes: the figure firmware/identity/README.md gives */
	assert_int_equal(IDENTITY_MAX_GROUPS, 256);
	assert_int_equal(IDTOKEN_MAX, 35081);
	assert_int_equal(len, IDTOKEN_MAX - (IDENTITY_ATTR_MAX - IDENTITY_DNS_MAX) -
				      (IDENTITY_ATTR_MAX - IDENTITY_EMAIL_MAX));
	assert_int_equal(idtoken_verify(key, tok, len, IDTOKEN_LOGON, NOW, &got, err, sizeof(err)), 0);
	assert_memory_equal(&got, &t, sizeof(t));
	idtoken_get_attrs(&got, &a);
	assert_string_equal(a.sid, t.sid);
	assert_int_equal(a.n_groups, IDENTITY_MAX_GROUPS);
}

/* Each field one beyond its bound, or against its rule, is not minted. */
static void test_mint_refuses_bad_attributes(void **state)
{
	struct idtoken t;
	uint8_t tok[IDTOKEN_MAX];
	size_t len;
	char err[128];

	(void)state;
#define BAD(field, value, why)                                                      \
	do {                                                                        \
		full_token(&t);                                                     \
		snprintf(t.field, sizeof(t.field), "%s", value);                   \
		err[0] = 0;                                                         \
		assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), -1); \
		assert_non_null(strstr(err, why));                                  \
	} while (0)
	BAD(upn, "alice", "upn");
	BAD(upn, "al ice@example.com", "upn");
	BAD(email, "alice@localhost", "email");
	BAD(dns, "-host.example.com", "dns");
	BAD(sid, "S-1-5-021", "sid");
	BAD(sid, "S-1-5", "sid");
	BAD(groups[3], "", "group");
	BAD(groups[3], "Group 4", "twice");
	BAD(groups[3], "GROUP 4", "twice");
	BAD(groups[3], "tab\there", "group");
#undef BAD
	full_token(&t);
	t.n_groups = IDENTITY_MAX_GROUPS + 1;
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), -1);
	/* an unterminated field never reaches the wire */
	full_token(&t);
	memset(t.dns, 'h', sizeof(t.dns));
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), -1);
}

/* Changing any byte of any attribute (or the group count) fails the MAC:
 * the worker cannot add a group, change a SID or drop an attribute. */
static void test_tampered_attributes_fail_the_mac(void **state)
{
	uint8_t tok[IDTOKEN_MAX], bad[IDTOKEN_MAX];
	size_t len, body;
	struct idtoken t;
	char err[128];

	(void)state;
	full_token(&t);
	t.n_groups = 3;
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), 0);
	body = len - 36;
	for (size_t i = 4 + 4 + 8 + 8 + 4 + 13; i < body; i++) {
		memcpy(bad, tok, len);
		bad[i] ^= 0x01;
		refused(key, bad, len, NOW, "");
		memcpy(bad, tok, len);
		bad[i] = (uint8_t)(bad[i] == 'A' ? 'B' : 'A');
		refused(key, bad, len, NOW, "");
	}
	/* a group dropped, with the count kept right: the MAC still fails */
	memcpy(bad, tok, len);
	le(bad + body - (4 + strlen(t.groups[2])) - (4 + strlen(t.groups[1])) -
		   (4 + strlen(t.groups[0])) - 4, 2, 4);
	memmove(bad + body - (4 + strlen(t.groups[2])), tok + body, 36);
	refused(key, bad, len - (4 + strlen(t.groups[2])), NOW, "bad MAC");
}

/* A version 2 body (no purpose) from byte n = 0: version, logon, expires, the
 * identity, four empty attributes and no group. */
static size_t v2_body(uint8_t *tok, uint32_t version)
{
	size_t n = 0;

	le(tok + n, version, 4), n += 4;
	le(tok + n, LOGON, 8), n += 8;
	le(tok + n, NOW + 60, 8), n += 8;
	n += put_str(tok + n, "EXAMPLE\\alice");
	memset(tok + n, 0, 20), n += 20;
	return n;
}

/* Versions 1 (identity only) and 2 (no purpose) are refused, laid out as they
 * were or carrying their number in version 3's layout under a good MAC; the
 * same bytes with 3 verify. */
static void test_versions_1_and_2_are_refused(void **state)
{
	uint8_t tok[IDTOKEN_MAX];
	size_t n = 0;

	(void)state;
	le(tok + n, 1, 4), n += 4;
	le(tok + n, LOGON, 8), n += 8;
	le(tok + n, NOW + 60, 8), n += 8;
	n += put_str(tok + n, "EXAMPLE\\alice");
	n = seal(tok, n);
	refused(key, tok, n, NOW, "malformed");
	/* version 2's own layout: shorter by the purpose, so not a version 3
	 * token whatever its fields say */
	n = seal(tok, v2_body(tok, 2));
	refused(key, tok, n, NOW, "");
	/* version 3's layout, version 1 or 2 in it */
	for (uint32_t v = 1; v <= 3; v++) {
		struct idtoken t;
		char err[128];

		n = 0;
		le(tok + n, v, 4), n += 4;
		le(tok + n, IDTOKEN_LOGON, 4), n += 4;
		le(tok + n, LOGON, 8), n += 8;
		le(tok + n, NOW + 60, 8), n += 8;
		n += put_str(tok + n, "EXAMPLE\\alice");
		memset(tok + n, 0, 20), n += 20;
		n = seal(tok, n);
		if (v < 3)
			refused(key, tok, n, NOW, "unknown version");
		else
			assert_int_equal(idtoken_verify(key, tok, n, IDTOKEN_LOGON, NOW, &t, err,
							sizeof(err)),
					 0);
	}
}

/* A version 3 token's head, written by hand: version, purpose p, the logon,
 * an expiry a minute after NOW, the identity. Its length. */
static size_t v3_head(uint8_t *tok, uint32_t p, const char *identity)
{
	size_t n = 0;

	le(tok + n, 3, 4), n += 4;
	le(tok + n, p, 4), n += 4;
	le(tok + n, LOGON, 8), n += 8;
	le(tok + n, NOW + 60, 8), n += 8;
	return n + put_str(tok + n, identity);
}

/* A version 3 body with purpose p, sealed. */
static size_t v3_token(uint8_t *tok, uint32_t p)
{
	size_t n = v3_head(tok, p, "EXAMPLE\\bob");

	memset(tok + n, 0, 20), n += 20; /* four empty attributes, no group */
	return seal(tok, n);
}

/* A subject token (the account an agent's request names) never passes as a
 * caller's identity, nor a logon token as a subject; a purpose neither of the
 * two is never believed, under a good MAC too, and never minted. */
static void test_purposes_are_kept_apart(void **state)
{
	uint8_t tok[IDTOKEN_MAX];
	struct idtoken t, got;
	size_t len;
	char err[160];

	(void)state;
	full_token(&t);
	t.purpose = IDTOKEN_SUBJECT;
	assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), 0);
	assert_int_equal(tok[4], IDTOKEN_SUBJECT);
	assert_int_equal(idtoken_verify(key, tok, len, IDTOKEN_SUBJECT, NOW, &got, err,
					sizeof(err)),
			 0);
	assert_memory_equal(&got, &t, sizeof(t));
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(idtoken_verify(key, tok, len, IDTOKEN_LOGON, NOW, &got, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "identity token for a subject account where a logon was expected");
	assert_int_equal(got.identity[0], 0);
	assert_int_equal(got.purpose, 0);
	/* and the other way */
	mint("EXAMPLE\\alice", LOGON, NOW + 60, tok, &len);
	assert_int_equal(tok[4], IDTOKEN_LOGON);
	assert_int_equal(idtoken_verify(key, tok, len, IDTOKEN_SUBJECT, NOW, &got, err,
					sizeof(err)),
			 -1);
	assert_string_equal(err, "identity token for a logon where a subject account was expected");
	assert_int_equal(got.identity[0], 0);
	/* the purpose is under the MAC: turning a logon token into a subject
	 * token (or back) breaks it */
	tok[4] = IDTOKEN_SUBJECT;
	refused(key, tok, len, NOW, "bad MAC");
	assert_int_equal(idtoken_verify(key, tok, len, IDTOKEN_SUBJECT, NOW, &got, err,
					sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "bad MAC"));
	/* purposes 0 and 3, MACed: refused whatever is expected */
	len = v3_token(tok, 0);
	refused(key, tok, len, NOW, "no known purpose");
	len = v3_token(tok, 3);
	refused(key, tok, len, NOW, "no known purpose");
	assert_int_equal(idtoken_verify(key, tok, len, 3, NOW, &got, err, sizeof(err)), -1);
	len = v3_token(tok, IDTOKEN_SUBJECT);
	assert_int_equal(idtoken_verify(key, tok, len, IDTOKEN_SUBJECT, NOW, &got, err,
					sizeof(err)),
			 0);
	assert_string_equal(got.identity, "EXAMPLE\\bob");
	assert_int_equal(got.purpose, IDTOKEN_SUBJECT);
	/* nor minted */
	for (uint32_t p = 0; p <= 3; p += 3) {
		full_token(&t);
		t.purpose = p;
		err[0] = 0;
		assert_int_equal(idtoken_mint(key, &t, tok, &len, err, sizeof(err)), -1);
		assert_string_equal(err, "a token of no known purpose");
	}
}

/* A token of n groups "g0".."g<n-1>" and nothing else, with a valid MAC. */
static size_t sealed_with_groups(uint8_t *tok, unsigned n_groups)
{
	size_t n = v3_head(tok, IDTOKEN_LOGON, "EXAMPLE\\alice");

	memset(tok + n, 0, 16), n += 16; /* four empty attributes */
	le(tok + n, n_groups, 4), n += 4;
	for (unsigned i = 0; i < n_groups; i++) {
		char g[16];

		snprintf(g, sizeof(g), "g%u", i);
		n += put_str(tok + n, g);
	}
	return seal(tok, n);
}

/* A token with a valid MAC whose attributes break the rules (ca-auth's bug or
 * a key in the wrong hands) is not believed; nor a group count above
 * IDENTITY_MAX_GROUPS (256: the PAC decoder's bound), which one at it is. */
static void test_verify_checks_the_attributes(void **state)
{
	uint8_t tok[IDTOKEN_MAX];
	size_t n = 0;

	(void)state;
	le(tok + n, 3, 4), n += 4;
	le(tok + n, IDTOKEN_LOGON, 4), n += 4;
	le(tok + n, LOGON, 8), n += 8;
	le(tok + n, NOW + 60, 8), n += 8;
	n += put_str(tok + n, "EXAMPLE\\alice");
	n += put_str(tok + n, "");
	n += put_str(tok + n, "");
	n += put_str(tok + n, "");
	n += put_str(tok + n, "S-1-5-00");
	le(tok + n, 0, 4), n += 4;
	n = seal(tok, n);
	refused(key, tok, n, NOW, "bad attribute");
	n = 0;
	le(tok + n, 3, 4), n += 4;
	le(tok + n, IDTOKEN_LOGON, 4), n += 4;
	le(tok + n, LOGON, 8), n += 8;
	le(tok + n, NOW + 60, 8), n += 8;
	n += put_str(tok + n, "EXAMPLE\\alice");
	memset(tok + n, 0, 16), n += 16;
	le(tok + n, 2, 4), n += 4;
	n += put_str(tok + n, "Admins");
	n += put_str(tok + n, "ADMINS");
	n = seal(tok, n);
	refused(key, tok, n, NOW, "bad attribute");
	assert_int_equal(IDENTITY_MAX_GROUPS, 256);
	n = sealed_with_groups(tok, IDENTITY_MAX_GROUPS);
	{
		struct idtoken got;
		char err[128];

		assert_int_equal(idtoken_verify(key, tok, n, IDTOKEN_LOGON, NOW, &got, err,
						sizeof(err)), 0);
		assert_int_equal(got.n_groups, 256);
		assert_string_equal(got.groups[255], "g255");
	}
	n = sealed_with_groups(tok, IDENTITY_MAX_GROUPS + 1);
	refused(key, tok, n, NOW, "malformed");
	/* the old bound is no bound any more */
	n = sealed_with_groups(tok, 33);
	{
		struct idtoken got;
		char err[128];

		assert_int_equal(idtoken_verify(key, tok, n, IDTOKEN_LOGON, NOW, &got, err,
						sizeof(err)), 0);
		assert_int_equal(got.n_groups, 33);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_matches_the_header),
		cmocka_unit_test(test_layout_without_attributes),
		cmocka_unit_test(test_round_trip_with_attributes),
		cmocka_unit_test(test_mint_refuses_bad_attributes),
		cmocka_unit_test(test_tampered_attributes_fail_the_mac),
		cmocka_unit_test(test_versions_1_and_2_are_refused),
		cmocka_unit_test(test_purposes_are_kept_apart),
		cmocka_unit_test(test_verify_checks_the_attributes),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_bit_flip_is_refused),
		cmocka_unit_test(test_refusals_say_why),
		cmocka_unit_test(test_mint_refuses_bad_identities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
