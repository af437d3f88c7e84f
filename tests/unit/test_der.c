/* firmware/asn1/der.c: the DER writer, checked byte for byte against known
 * encodings and, for whole structures, against libtasn1's strict decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/asn1/asn1.h"
#include "firmware/asn1/der.h"

static uint8_t *out;
static size_t out_len;

static int teardown(void **state)
{
	(void)state;
	free(out);
	out = NULL;
	out_len = 0;
	return 0;
}

static void expect(struct der *d, const uint8_t *want, size_t want_len)
{
	assert_int_equal(der_finish(d, &out, &out_len), 0);
	assert_int_equal(out_len, want_len);
	assert_memory_equal(out, want, want_len);
}

static void test_integers(void **state)
{
	struct der d;
	static const uint8_t mag[] = {0x00, 0x00, 0x80, 0x01};
	static const uint8_t want[] = {0x30, 0x0f, 0x02, 0x01, 0x00, 0x02, 0x01, 0x7f,
				       0x02, 0x02, 0x00, 0x80, 0x02, 0x03, 0x00, 0x80, 0x01};
	(void)state;
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	der_small_uint(&d, 0);
	der_small_uint(&d, 127);
	der_small_uint(&d, 128); /* high bit: a 0x00 keeps it positive */
	der_uint(&d, DER_INTEGER, mag, sizeof mag); /* leading zeros stripped */
	der_end(&d);
	expect(&d, want, sizeof want);
}

/* The outer length is patched at der_end: short form, then 1, 2 and 3 octets
 * of long form, with the nested value's contents moved intact. */
static void test_length_widening(void **state)
{
	static const size_t sizes[] = {0, 1, 121, 122, 250, 251, 65530, 65531};
	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		size_t inner_hl = n < 128 ? 2 : n < 256 ? 3 : n < 65536 ? 4 : 5;
		size_t clen = inner_hl + n;
		size_t outer_hl = clen < 128 ? 2 : clen < 256 ? 3 : clen < 65536 ? 4 : 5;
		static uint8_t body[65536];
		struct der d;

		for (size_t k = 0; k < n; k++)
			body[k] = (uint8_t)(k * 7);
		der_init(&d);
		der_begin(&d, DER_SEQUENCE);
		der_prim(&d, DER_OCTET_STRING, body, n);
		der_end(&d);
		assert_int_equal(der_finish(&d, &out, &out_len), 0);
		assert_int_equal(out_len, outer_hl + clen);
		assert_true(der_tlv_ok(out, out_len));
		assert_int_equal(out[outer_hl], DER_OCTET_STRING);
		if (n)
			assert_memory_equal(out + outer_hl + inner_hl, body, n);
		free(out);
		out = NULL;
	}
}

static void test_oids(void **state)
{
	struct der d;
	/* 1.2.840.113549.1.1.11 and 2.999.3 (first arc 2, second >= 40) */
	static const uint8_t want[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
				       0x01, 0x0b, 0x06, 0x03, 0x88, 0x37, 0x03};
	static const char *const bad[] = {"", "1", "1.", "3.1", "1.40", "1.2.", "1..2",
					  "1.02", "a.b", "1.2.3 ", "1.2.99999999999999999999999"};
	(void)state;
	der_init(&d);
	der_oid(&d, "1.2.840.113549.1.1.11");
	der_oid(&d, "2.999.3");
	expect(&d, want, sizeof want);
	free(out);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		der_init(&d);
		der_oid(&d, bad[i]);
		assert_int_equal(der_finish(&d, &out, &out_len), -1);
		assert_null(out);
	}
}

static void test_bits_bool_time(void **state)
{
	struct der d;
	static const uint8_t want[] = {
		0x03, 0x02, 0x01, 0x86,       /* keyCertSign|cRLSign|digitalSignature */
		0x03, 0x03, 0x07, 0x00, 0x80, /* decipherOnly (bit 8) */
		0x01, 0x01, 0xff,
		0x17, 0x0d, '4', '9', '1', '2', '3', '1', '2', '3', '5', '9', '5', '9', 'Z',
		0x18, 0x0f, '2', '0', '5', '0', '0', '1', '0', '1', '0', '0', '0', '0', '0',
		'0', 'Z'};
	(void)state;
	der_init(&d);
	der_named_bits(&d, (1u << 0) | (1u << 5) | (1u << 6));
	der_named_bits(&d, 1u << 8);
	der_bool(&d, 1);
	der_time(&d, 2524607999LL); /* 2049-12-31 23:59:59: the last UTCTime */
	der_time(&d, 2524608000LL); /* 2050-01-01: GeneralizedTime from here */
	expect(&d, want, sizeof want);
	free(out);
	der_init(&d);
	der_time(&d, -631152001LL); /* 1949-12-31 23:59:59: not representable */
	assert_int_equal(der_finish(&d, &out, &out_len), -1);
}

static void test_raw_and_misuse(void **state)
{
	struct der d;
	static const uint8_t name[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	static const uint8_t nonminimal[] = {0x30, 0x81, 0x03, 0x02, 0x01, 0x05};
	static const uint8_t trailing[] = {0x30, 0x03, 0x02, 0x01, 0x05, 0x00};
	static const uint8_t shortv[] = {0x30, 0x04, 0x02, 0x01, 0x05};
	(void)state;
	der_init(&d);
	der_raw(&d, DER_SEQUENCE, name, sizeof name);
	expect(&d, name, sizeof name);
	free(out);
	out = NULL;
	/* wrong tag, non-minimal length, trailing bytes, truncated: all refused */
	const struct {
		uint8_t tag;
		const uint8_t *p;
		size_t n;
	} bad[] = {{DER_SET, name, sizeof name},
		   {DER_SEQUENCE, nonminimal, sizeof nonminimal},
		   {DER_SEQUENCE, trailing, sizeof trailing},
		   {DER_SEQUENCE, shortv, sizeof shortv}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		der_init(&d);
		der_raw(&d, bad[i].tag, bad[i].p, bad[i].n);
		assert_int_equal(der_finish(&d, &out, &out_len), -1);
	}
	/* unbalanced: an open value, or an end without a begin */
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	assert_int_equal(der_finish(&d, &out, &out_len), -1);
	der_init(&d);
	der_end(&d);
	assert_int_equal(der_finish(&d, &out, &out_len), -1);
	/* nesting beyond DER_MAX_NEST fails instead of overflowing the stack */
	der_init(&d);
	for (int i = 0; i <= DER_MAX_NEST; i++)
		der_begin(&d, DER_SEQUENCE);
	assert_true(d.failed);
	assert_int_equal(der_finish(&d, &out, &out_len), -1);
}

/* der_init keeps the 1 MiB limit; der_init_max sets another, exactly (a value
 * that ends on the limit fits, one byte more fails as too_big), clamped to what
 * 4 length octets carry. */
static void test_limits(void **state)
{
	enum { BIG = 2u << 20 };
	uint8_t *body = calloc(1, BIG);
	static const uint8_t eight[8];
	struct der d;

	(void)state;
	assert_non_null(body);
	der_init(&d);
	assert_int_equal(d.max, DER_MAX_SIZE);
	der_prim(&d, DER_OCTET_STRING, body, BIG);
	assert_true(d.failed && d.too_big);
	assert_int_equal(der_finish(&d, &out, &out_len), -1);
	der_init_max(&d, 3u << 20);
	der_prim(&d, DER_OCTET_STRING, body, BIG);
	assert_int_equal(der_finish(&d, &out, &out_len), 0);
	assert_int_equal(out_len, 5 + (size_t)BIG); /* 04 83 20 00 00 */
	free(out);
	out = NULL;
	der_init_max(&d, 10);
	der_begin(&d, DER_SEQUENCE);
	der_prim(&d, DER_OCTET_STRING, eight, 6); /* 2 + 2 + 6 = 10: fits */
	der_end(&d);
	assert_false(d.failed);
	der_prim(&d, DER_NULL, NULL, 0);
	assert_true(d.failed && d.too_big);
	assert_int_equal(der_finish(&d, &out, &out_len), -1);
	der_init_max(&d, (size_t)-1);
	assert_int_equal(d.max, DER_MAX_LIMIT);
	der_free(&d);
	free(body);
}

/* Lengths of 4 octets (16 MiB and more), nested twice: each der_end widens its
 * header and moves the contents intact. */
static void test_four_length_octets(void **state)
{
	enum { N = (16u << 20) + 5 };
	uint8_t *body = malloc(N);
	struct der d;
	size_t in = N + 6, mid = in + 6; /* 04 84 ... N, then 30 84 ... twice */

	(void)state;
	assert_non_null(body);
	for (size_t k = 0; k < N; k++)
		body[k] = (uint8_t)(k * 13 + (k >> 16));
	der_init_max(&d, 64u << 20);
	der_begin(&d, DER_SEQUENCE);
	der_begin(&d, DER_SEQUENCE);
	der_prim(&d, DER_OCTET_STRING, body, N);
	der_end(&d);
	der_end(&d);
	assert_int_equal(der_finish(&d, &out, &out_len), 0);
	assert_int_equal(out_len, mid + 6);
	assert_true(der_tlv_ok(out, out_len));
	static const uint8_t hdr[] = {0x30, 0x84, 0x01, 0x00, 0x00, 0x11,
				      0x30, 0x84, 0x01, 0x00, 0x00, 0x0b,
				      0x04, 0x84, 0x01, 0x00, 0x00, 0x05};
	assert_int_equal(mid, 0x0100000bu + 6);
	assert_memory_equal(out, hdr, sizeof hdr);
	assert_memory_equal(out + sizeof hdr, body, N);
	free(body);
}

/* The writer's own date arithmetic agrees with gmtime_r (and strftime) on the
 * boundaries and on pseudo-random times over 1950..9999. */
static void check_time_text(long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char want[32];
	struct der d;

	assert_non_null(gmtime_r(&tt, &tm));
	strftime(want, sizeof want, "%Y%m%d%H%M%SZ", &tm);
	der_init(&d);
	der_generalized_time(&d, t);
	der_time(&d, t);
	assert_int_equal(der_finish(&d, &out, &out_len), 0);
	if (out_len < 17 || memcmp(out + 2, want, 15) != 0)
		fail_msg("%lld: %.15s, want %s", t, out + 2, want);
	if (tm.tm_year + 1900 < 2050) /* UTCTime: the last two digits of the year */
		assert_true(out[17] == DER_UTC_TIME && memcmp(out + 19, want + 2, 13) == 0);
	else
		assert_true(out[17] == DER_GENERALIZED_TIME && memcmp(out + 19, want, 15) == 0);
	free(out);
	out = NULL;
}

static void test_time_arithmetic(void **state)
{
	static const long long edges[] = {
		-631152000LL, -631151999LL, -86401LL, -86400LL, -1LL, 0LL, 1LL, 86399LL,
		951782400LL,   /* 2000-02-29 */
		2524607999LL,  /* 2049-12-31 23:59:59 */
		2524608000LL,  /* 2050-01-01 */
		4107542400LL,  /* 2100-03-01 (2100 is not leap) */
		253402300799LL /* 9999-12-31 23:59:59 */
	};
	unsigned long long x = 88172645463325252ull;
	struct der d;

	(void)state;
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		check_time_text(edges[i]);
	for (int i = 0; i < 100000; i++) { /* xorshift64 */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		check_time_text(-631152000LL + (long long)(x % (253402300800ull + 631152000ull)));
	}
	/* one second outside either end: the writer fails */
	der_init(&d);
	der_generalized_time(&d, -631152001LL);
	assert_int_equal(der_finish(&d, &out, &out_len), -1);
	der_init(&d);
	der_generalized_time(&d, 253402300800LL);
	assert_int_equal(der_finish(&d, &out, &out_len), -1);
}

/* der_header: minimal definite lengths only, contents within the input. */
static void test_header(void **state)
{
	static const struct {
		const char *hex;
		size_t n;
		int ok;
		size_t hdr, clen;
	} cases[] = {
		{"\x30\x00", 2, 1, 2, 0},
		{"\x04\x7f", 2 + 127, 1, 2, 127},
		{"\x04\x81\x80", 3 + 128, 1, 3, 128},
		{"\x04\x82\x01\x00", 4 + 256, 1, 4, 256},
		{"\x04\x84\x01\x00\x00\x00", 6 + (1u << 24), 1, 6, 1u << 24},
		{"\x04\x81\x05", 8, 0, 0, 0},             /* long form for a short value */
		{"\x04\x82\x00\x80", 4 + 128, 0, 0, 0},  /* leading zero length octet */
		{"\x30\x80", 4, 0, 0, 0},                  /* indefinite */
		{"\x04\x85\x00\x00\x00\x00\x80", 7 + 128, 0, 0, 0}, /* 5 octets */
		{"\x04\x05", 6, 0, 0, 0},                  /* contents cut */
		{"\x04\x82\x01", 3, 0, 0, 0},             /* length octets cut */
		{"\x04", 1, 0, 0, 0},
		{"\x1f\x22\x00", 3, 0, 0, 0},             /* high tag number */
	};
	uint8_t *buf = calloc(1, (1u << 24) + 16);

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t hdr = 0, clen = 0, hl = cases[i].hex[1] & 0x80 ? 2 + (cases[i].hex[1] & 7u) : 2;
		memcpy(buf, cases[i].hex, hl < cases[i].n ? hl : cases[i].n);
		int rc = der_header(buf, cases[i].n, &hdr, &clen);
		if (rc != (cases[i].ok ? 0 : -1))
			fail_msg("case %zu: %d", i, rc);
		if (cases[i].ok) {
			assert_int_equal(hdr, cases[i].hdr);
			assert_int_equal(clen, cases[i].clen);
		}
	}
	free(buf);
}

/* A structure from the PKIX module written by hand decodes with libtasn1. */
static void test_decodes_with_libtasn1(void **state)
{
	struct der d;
	asn1_node n = NULL;
	char err[256];
	(void)state;
	der_init(&d);
	der_begin(&d, DER_SEQUENCE); /* BasicConstraints cA TRUE, pathLen 300 */
	der_bool(&d, 1);
	der_small_uint(&d, 300);
	der_end(&d);
	assert_int_equal(der_finish(&d, &out, &out_len), 0);
	assert_int_equal(asn1_decode("PKIX.BasicConstraints", out, out_len, &n, err,
				     sizeof err), 0);
	asn1_delete_structure(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_integers, teardown),
		cmocka_unit_test_teardown(test_length_widening, teardown),
		cmocka_unit_test_teardown(test_oids, teardown),
		cmocka_unit_test_teardown(test_bits_bool_time, teardown),
		cmocka_unit_test_teardown(test_raw_and_misuse, teardown),
		cmocka_unit_test_teardown(test_decodes_with_libtasn1, teardown),
		cmocka_unit_test_teardown(test_limits, teardown),
		cmocka_unit_test_teardown(test_four_length_octets, teardown),
		cmocka_unit_test_teardown(test_header, teardown),
		cmocka_unit_test_teardown(test_time_arithmetic, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
