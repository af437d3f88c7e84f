/* firmware/auth/check.c: what ca-auth refuses before gss-ntlmssp sees a token.
 * Tokens are built field by field here (MS-NLMP 2.2.1), a well-formed one first,
 * then each with one defect: every defect must be refused, the well-formed ones
 * (UNICODE and OEM, with and without key exchange) accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/auth/check.h"

#define F_UNICODE 0x00000001u
#define F_OEM 0x00000002u
#define F_DATAGRAM 0x00000040u
#define F_VERSION 0x02000000u
#define F_128 0x20000000u
#define F_KEY_EXCH 0x40000000u
#define F_56 0x80000000u
#define CLIENT_FLAGS 0xe2088235u /* UNICODE, SIGN, SEAL, ESS, VERSION, 128, KEY_EXCH, 56 */

static char err[256];

struct field {
	const uint8_t *p;
	size_t len;
};

/* An AUTHENTICATE: the 72-octet fixed part, then the fields in this order. */
struct auth {
	uint32_t flags;
	struct field lm, nt, domain, user, ws, key;
};

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static size_t put_field(uint8_t *msg, size_t desc, size_t off, const struct field *f)
{
	put16(msg + desc, f->len);
	put16(msg + desc + 2, f->len);
	put32(msg + desc + 4, (uint32_t)off);
	if (f->len > 0)
		memcpy(msg + off, f->p, f->len);
	return off + f->len;
}

static size_t build(const struct auth *a, uint8_t *msg)
{
	size_t off = 72;

	memset(msg, 0, 72);
	memcpy(msg, "NTLMSSP\0\3\0\0\0", 12);
	off = put_field(msg, 12, off, &a->lm);
	off = put_field(msg, 20, off, &a->nt);
	off = put_field(msg, 28, off, &a->domain);
	off = put_field(msg, 36, off, &a->user);
	off = put_field(msg, 44, off, &a->ws);
	off = put_field(msg, 52, off, &a->key);
	put32(msg + 60, a->flags);
	return off;
}

/* NTProofStr, the client challenge (RespType 1.1) and AV pairs: NbComputerName
 * "CA", a timestamp, EOL. */
static uint8_t nt_v2[] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, /* NTProofStr */
	1, 1, 0, 0, 0, 0, 0, 0,                                /* RespType, reserved */
	1, 2, 3, 4, 5, 6, 7, 8,                                /* timestamp */
	8, 7, 6, 5, 4, 3, 2, 1,                                /* client challenge */
	0, 0, 0, 0,                                            /* reserved */
	1, 0, 4, 0, 'C', 0, 'A', 0,                            /* MsvAvNbComputerName */
	7, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8,                    /* MsvAvTimestamp */
	0, 0, 0, 0,                                            /* MsvAvEOL */
};
static const uint8_t lm24[24], key16[16] = {0x55};
static const uint8_t dom_u[] = {'E', 0, 'X', 0, 'A', 0, 'M', 0, 'P', 0, 'L', 0, 'E', 0};
static const uint8_t user_u[] = {'a', 0, 'l', 0, 'i', 0, 'c', 0, 'e', 0};
static const uint8_t ws_u[] = {'W', 0, 'S', 0};

static struct auth good(void)
{
	struct auth a = {CLIENT_FLAGS,        {lm24, 24},         {nt_v2, sizeof(nt_v2)},
			 {dom_u, sizeof(dom_u)}, {user_u, sizeof(user_u)}, {ws_u, sizeof(ws_u)},
			 {key16, 16}};
	return a;
}

/* The same with OEM names (8-bit, as the negotiated flags say). */
static struct auth oem(void)
{
	struct auth a = good();

	a.flags = (a.flags & ~F_UNICODE) | F_OEM;
	a.domain = (struct field){(const uint8_t *)"EXAMPLE", 7};
	a.user = (struct field){(const uint8_t *)"alice", 5};
	a.ws = (struct field){(const uint8_t *)"WS", 2};
	return a;
}

static int check(const struct auth *a, uint32_t negotiated)
{
	uint8_t msg[1024];
	size_t len = build(a, msg);

	err[0] = 0;
	return ntlm_check_authenticate(msg, len, negotiated, err, sizeof(err));
}

static void refused(const struct auth *a, uint32_t negotiated, const char *why)
{
	assert_int_equal(check(a, negotiated), -1);
	if (strstr(err, why) == NULL)
		fail_msg("refused for '%s', not '%s'", err, why);
}

static void test_well_formed_accepted(void **state)
{
	struct auth a = good();
	static const uint8_t oem_user[] = {'b', 'o', 'b'};

	(void)state;
	assert_int_equal(check(&a, CLIENT_FLAGS), 0);
	/* no key exchange anywhere: the key may be absent */
	a.flags &= ~F_KEY_EXCH;
	a.key.len = 0;
	assert_int_equal(check(&a, CLIENT_FLAGS & ~F_KEY_EXCH), 0);
	/* OEM names: odd lengths are fine */
	a = oem();
	a.user.p = oem_user;
	a.user.len = sizeof(oem_user);
	assert_int_equal(check(&a, F_OEM | F_128), 0);
}

static void test_key_exch_needs_16_octets(void **state)
{
	struct auth a = good();

	(void)state;
	a.key.len = 0;
	refused(&a, CLIENT_FLAGS, "KEY_EXCH with an EncryptedRandomSessionKey of 0 octets");
	/* negotiated by the CHALLENGE though the message does not say so */
	a.flags &= ~F_KEY_EXCH;
	refused(&a, CLIENT_FLAGS, "KEY_EXCH");
	/* asked for by the message only */
	a = good();
	a.key.len = 0;
	refused(&a, CLIENT_FLAGS & ~F_KEY_EXCH, "KEY_EXCH");
	a.key.len = 8;
	refused(&a, CLIENT_FLAGS, "session key of 8 octets");
}

static void test_fields_inside_and_after_the_header(void **state)
{
	struct auth a = good();
	uint8_t msg[1024];
	size_t len = build(&a, msg);

	(void)state;
	/* the user name pointed into the fixed part */
	put32(msg + 40, 40);
	assert_int_equal(ntlm_check_authenticate(msg, len, CLIENT_FLAGS, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "inside the fixed part"));
	/* ... and past the end */
	put32(msg + 40, (uint32_t)len - 2);
	assert_int_equal(ntlm_check_authenticate(msg, len, CLIENT_FLAGS, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "outside"));
	/* shorter than the fixed part with its Version */
	assert_int_equal(ntlm_check_authenticate(msg, 70, CLIENT_FLAGS, err, sizeof(err)), -1);
	/* a NEGOTIATE where the AUTHENTICATE belongs */
	msg[8] = 1;
	assert_int_equal(ntlm_check_authenticate(msg, len, CLIENT_FLAGS, err, sizeof(err)), -1);
}

static void test_names(void **state)
{
	static const uint8_t nul[] = {'a', 0, 0, 0, 'b', 0};
	static const uint8_t lone[] = {'a', 0, 0x00, 0xd8, 'b', 0};
	static const uint8_t low[] = {0x00, 0xdc, 'b', 0};
	static const uint8_t pair[] = {'a', 0, 0x3d, 0xd8, 0x00, 0xde};
	static const uint8_t odd[] = {'a', 0, 'b'};
	static const uint8_t oem_nul[] = {'a', 0, 'b'};
	static uint8_t longname[514];
	struct auth a = good();

	(void)state;
	a.user.len = 0;
	refused(&a, CLIENT_FLAGS, "without a user name");
	a.user = (struct field){nul, sizeof(nul)};
	refused(&a, CLIENT_FLAGS, "user name holds a NUL");
	a.user = (struct field){lone, sizeof(lone)};
	refused(&a, CLIENT_FLAGS, "lone UTF-16 surrogate");
	a.user = (struct field){low, sizeof(low)};
	refused(&a, CLIENT_FLAGS, "lone UTF-16 surrogate");
	a.user = (struct field){pair, sizeof(pair)};
	assert_int_equal(check(&a, CLIENT_FLAGS), 0);
	/* the negotiated encoding counts, not the message's flag */
	a = good();
	a.flags &= ~F_UNICODE;
	a.domain = (struct field){odd, sizeof(odd)};
	refused(&a, CLIENT_FLAGS, "domain name of odd length");
	a = oem();
	a.ws = (struct field){oem_nul, sizeof(oem_nul)};
	refused(&a, F_OEM | F_128, "workstation name holds a NUL");
	a = good();
	memset(longname, 'a', sizeof(longname));
	a.user = (struct field){longname, sizeof(longname)};
	refused(&a, CLIENT_FLAGS, "user name of 514 octets");
}

static void test_responses(void **state)
{
	uint8_t nt[sizeof(nt_v2)];
	struct auth a = good();

	(void)state;
	a.nt.len = 24;
	refused(&a, CLIENT_FLAGS, "NTLMv1");
	a.nt.len = 40;
	refused(&a, CLIENT_FLAGS, "NT response of 40 octets");
	a.nt.len = 0;
	refused(&a, CLIENT_FLAGS, "NT response of 0 octets");
	a = good();
	a.nt.len = sizeof(nt_v2) - 4; /* no EOL */
	refused(&a, CLIENT_FLAGS, "no MsvAvEOL");
	memcpy(nt, nt_v2, sizeof(nt));
	a.nt.p = nt;
	a.nt.len = sizeof(nt);
	nt[16] = 2;
	refused(&a, CLIENT_FLAGS, "type 2.1");
	memcpy(nt, nt_v2, sizeof(nt));
	nt[46] = 200; /* NbComputerName's length past the end */
	refused(&a, CLIENT_FLAGS, "past the end");
	memcpy(nt, nt_v2, sizeof(nt));
	nt[52] = 6; /* the timestamp pair as MsvAvFlags of 8 octets */
	refused(&a, CLIENT_FLAGS, "AV_PAIR 6 of 8 octets");
	memcpy(nt, nt_v2, sizeof(nt));
	nt[sizeof(nt) - 2] = 1; /* EOL with a length */
	refused(&a, CLIENT_FLAGS, "past the end");
	a = good();
	a.lm.len = 8;
	refused(&a, CLIENT_FLAGS, "LM response of 8 octets");
	a.lm.len = 1;
	assert_int_equal(check(&a, CLIENT_FLAGS), 0);
}

static void test_negotiate(void **state)
{
	uint8_t neg[40] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0};

	(void)state;
	put32(neg + 12, CLIENT_FLAGS);
	assert_int_equal(ntlm_check_negotiate(neg, 40, err, sizeof(err)), 0);
	put32(neg + 12, CLIENT_FLAGS & ~F_VERSION);
	assert_int_equal(ntlm_check_negotiate(neg, 32, err, sizeof(err)), 0);
	assert_int_equal(ntlm_check_negotiate(neg, 16, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "at least 32"));
	put32(neg + 12, CLIENT_FLAGS | F_DATAGRAM);
	assert_int_equal(ntlm_check_negotiate(neg, 40, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "datagram"));
	put32(neg + 12, CLIENT_FLAGS & ~F_UNICODE);
	assert_int_equal(ntlm_check_negotiate(neg, 40, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "neither UNICODE nor OEM"));
	/* a domain field outside the message */
	put32(neg + 12, CLIENT_FLAGS);
	put16(neg + 16, 8);
	put32(neg + 20, 36);
	assert_int_equal(ntlm_check_negotiate(neg, 40, err, sizeof(err)), -1);
	neg[8] = 3;
	put16(neg + 16, 0);
	assert_int_equal(ntlm_check_negotiate(neg, 40, err, sizeof(err)), -1);
}

/* Issue 13: 56- and 40-bit session keys are refused in either leg, whatever the
 * other says. */
static void test_128_bit_keys_required(void **state)
{
	uint8_t neg[40] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0};
	struct auth a = good();

	(void)state;
	put32(neg + 12, CLIENT_FLAGS & ~F_128); /* 56 only */
	assert_int_equal(ntlm_check_negotiate(neg, 40, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without 128-bit keys"));
	put32(neg + 12, CLIENT_FLAGS & ~(F_128 | F_56)); /* 40 */
	assert_int_equal(ntlm_check_negotiate(neg, 40, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without 128-bit keys"));
	put32(neg + 12, (CLIENT_FLAGS & ~F_56) | F_128); /* 128 alone is enough */
	assert_int_equal(ntlm_check_negotiate(neg, 40, err, sizeof(err)), 0);
	/* the CHALLENGE did not negotiate it */
	refused(&a, CLIENT_FLAGS & ~F_128, "not negotiated");
	/* the AUTHENTICATE drops it (the worker seals by its flags) */
	a.flags &= ~F_128;
	refused(&a, CLIENT_FLAGS, "missing in the AUTHENTICATE");
	a.flags &= ~F_56;
	refused(&a, CLIENT_FLAGS, "without 128-bit keys");
}

static void test_challenge_flags(void **state)
{
	uint8_t chal[48] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 2, 0, 0, 0};
	uint32_t flags = 0;

	(void)state;
	put32(chal + 20, CLIENT_FLAGS);
	assert_int_equal(ntlm_challenge_flags(chal, sizeof(chal), &flags, err, sizeof(err)), 0);
	assert_int_equal(flags, CLIENT_FLAGS);
	chal[8] = 1;
	assert_int_equal(ntlm_challenge_flags(chal, sizeof(chal), &flags, err, sizeof(err)), -1);
}

/* The same refusals, each with its exact words (what the worker journals). */
static void refused_exactly(const struct auth *a, uint32_t negotiated, const char *why)
{
	assert_int_equal(check(a, negotiated), -1);
	assert_string_equal(err, why);
}

/* Each field of the AUTHENTICATE pointed into the fixed part, in the order
 * they are checked. */
static void test_every_field_inside_the_header(void **state)
{
	static const struct {
		size_t desc;
		const char *why;
	} cases[] = {
		{12, "NTLM LM response field at offset 40, inside the fixed part"},
		{20, "NTLM NT response field at offset 40, inside the fixed part"},
		{28, "NTLM domain field at offset 40, inside the fixed part"},
		{36, "NTLM user field at offset 40, inside the fixed part"},
		{44, "NTLM workstation field at offset 40, inside the fixed part"},
		{52, "NTLM session key field at offset 40, inside the fixed part"},
	};
	struct auth a = good();
	uint8_t msg[1024];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = build(&a, msg);
		put32(msg + cases[i].desc + 4, 40);
		assert_int_equal(ntlm_check_authenticate(msg, len, CLIENT_FLAGS, err, sizeof(err)),
				 -1);
		assert_string_equal(err, cases[i].why);
	}
	/* an empty field may point anywhere: nothing is read there */
	a.ws.len = 0;
	len = build(&a, msg);
	put32(msg + 44 + 4, 8);
	assert_int_equal(ntlm_check_authenticate(msg, len, CLIENT_FLAGS, err, sizeof(err)), 0);
}

/* An AUTHENTICATE that decodes (64 octets, every field empty) but lacks the
 * Version gss-ntlmssp reads. */
static void test_authenticate_without_version(void **state)
{
	uint8_t msg[72];

	(void)state;
	memset(msg, 0, sizeof(msg));
	memcpy(msg, "NTLMSSP\0\3\0\0\0", 12);
	put32(msg + 60, CLIENT_FLAGS);
	for (size_t desc = 12; desc <= 52; desc += 8)
		put32(msg + desc + 4, 64);
	assert_int_equal(ntlm_check_authenticate(msg, 64, CLIENT_FLAGS, err, sizeof(err)), -1);
	assert_string_equal(err, "NTLM AUTHENTICATE of 64 octets (at least 72)");
	assert_int_equal(ntlm_check_authenticate(msg, 71, CLIENT_FLAGS, err, sizeof(err)), -1);
	assert_string_equal(err, "NTLM AUTHENTICATE of 71 octets (at least 72)");
}

/* UTF-16 names: characters past the surrogates pass, a high surrogate at the
 * end or before anything but a low one does not. */
static void test_names_surrogates(void **state)
{
	static const uint8_t fullwidth[] = {0x21, 0xff, 'b', 0};   /* U+FF21 */
	static const uint8_t hi_last[] = {'a', 0, 0x00, 0xd8};      /* nothing after it */
	static const uint8_t hi_high[] = {0x00, 0xd8, 0x21, 0xff};  /* then U+FF21 */
	struct auth a = good();

	(void)state;
	a.user = (struct field){fullwidth, sizeof(fullwidth)};
	assert_int_equal(check(&a, CLIENT_FLAGS), 0);
	a.user = (struct field){hi_last, sizeof(hi_last)};
	refused_exactly(&a, CLIENT_FLAGS, "NTLM user name: a lone UTF-16 surrogate");
	a = good();
	a.domain = (struct field){hi_high, sizeof(hi_high)};
	refused_exactly(&a, CLIENT_FLAGS, "NTLM domain name: a lone UTF-16 surrogate");
}

/* An NTLMv2 response: NTProofStr and the client challenge (44 octets), then
 * the AV pairs given. */
static size_t nt_with(uint8_t *nt, const uint8_t *pairs, size_t n)
{
	memcpy(nt, nt_v2, 44);
	memcpy(nt + 44, pairs, n);
	return 44 + n;
}

/* The AV pairs gss-ntlmssp reads by size, with their sizes checked; RespType
 * and HiRespType; MsvAvEOL with a length. */
static void test_av_pairs(void **state)
{
	static const uint8_t flags_and_bindings[] = {
		6, 0, 4, 0, 2, 0, 0, 0,                     /* MsvAvFlags: 4 */
		10, 0, 16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		0, 0, 0, 0,
	};
	static const uint8_t short_time[] = {7, 0, 4, 0, 1, 2, 3, 4, 0, 0, 0, 0};
	static const uint8_t short_bindings[] = {10, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0};
	static const uint8_t long_flags[] = {6, 0, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0};
	static const uint8_t eol_len[] = {0, 0, 4, 0, 1, 2, 3, 4};
	uint8_t nt[128];
	struct auth a = good();

	(void)state;
	a.nt.p = nt;
	a.nt.len = nt_with(nt, flags_and_bindings, sizeof(flags_and_bindings));
	assert_int_equal(check(&a, CLIENT_FLAGS), 0);
	a.nt.len = nt_with(nt, short_time, sizeof(short_time));
	refused_exactly(&a, CLIENT_FLAGS, "NTLMv2 response: AV_PAIR 7 of 4 octets");
	a.nt.len = nt_with(nt, short_bindings, sizeof(short_bindings));
	refused_exactly(&a, CLIENT_FLAGS, "NTLMv2 response: AV_PAIR 10 of 8 octets");
	a.nt.len = nt_with(nt, long_flags, sizeof(long_flags));
	refused_exactly(&a, CLIENT_FLAGS, "NTLMv2 response: AV_PAIR 6 of 8 octets");
	a.nt.len = nt_with(nt, eol_len, sizeof(eol_len));
	refused_exactly(&a, CLIENT_FLAGS, "NTLMv2 response: MsvAvEOL of length 4");
	a.nt.len = nt_with(nt, flags_and_bindings, sizeof(flags_and_bindings));
	nt[17] = 2;
	refused_exactly(&a, CLIENT_FLAGS, "NTLMv2 response of type 1.2 (1.1)");
}

/* A CHALLENGE gss-ntlmssp could not have made: too short to decode. */
static void test_challenge_truncated(void **state)
{
	uint8_t chal[48] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 2, 0, 0, 0};
	uint32_t flags = 7;

	(void)state;
	assert_int_equal(ntlm_challenge_flags(chal, 20, &flags, err, sizeof(err)), -1);
	assert_string_equal(err, "NTLM CHALLENGE of 20 octets is truncated");
	assert_int_equal(flags, 7); /* untouched */
	chal[8] = 3;
	assert_int_equal(ntlm_challenge_flags(chal, 48, &flags, err, sizeof(err)), -1);
	assert_int_equal(flags, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed_accepted),
		cmocka_unit_test(test_key_exch_needs_16_octets),
		cmocka_unit_test(test_fields_inside_and_after_the_header),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_128_bit_keys_required),
		cmocka_unit_test(test_challenge_flags),
		cmocka_unit_test(test_every_field_inside_the_header),
		cmocka_unit_test(test_authenticate_without_version),
		cmocka_unit_test(test_names_surrogates),
		cmocka_unit_test(test_av_pairs),
		cmocka_unit_test(test_challenge_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
