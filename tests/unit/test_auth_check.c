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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
