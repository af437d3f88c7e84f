/* platform/utf8.c: the one UTF-8 rule (shortest form, no surrogate, nothing past
 * U+10FFFF). Oracles: Markus Kuhn's UTF-8 decoder capability and stress test
 * (UTF-8-test.txt, sections 1 to 5), the counts RFC 3629's table implies when
 * every 2-, 3- and 4-byte sequence is tried, and an encoder written here from
 * that table. The last test checks that the three consumers (firmware/icpr,
 * firmware/x509, firmware/identity's NT hash) refuse and accept the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/icpr/icpr.h"
#include "firmware/identity/ntlm_hash.h"
#include "firmware/x509/x509.h"
#include "platform/utf8.h"

struct seq {
	const char *what;
	const char *bytes;
};

/* Well-formed (Kuhn 1, 2.1 without the 5- and 6-byte forms, 2.2, 2.3, 5.3). */
static const struct seq good[] = {
	{"1 kosme", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"},
	{"2.1.2 U+0080", "\xc2\x80"},
	{"2.1.3 U+0800", "\xe0\xa0\x80"},
	{"2.1.4 U+10000", "\xf0\x90\x80\x80"},
	{"2.2.1 U+007F", "\x7f"},
	{"2.2.2 U+07FF", "\xdf\xbf"},
	{"2.2.3 U+FFFF", "\xef\xbf\xbf"},
	{"2.3.1 U+D7FF", "\xed\x9f\xbf"},
	{"2.3.2 U+E000", "\xee\x80\x80"},
	{"2.3.3 U+FFFD", "\xef\xbf\xbd"},
	{"2.3.4 U+10FFFF", "\xf4\x8f\xbf\xbf"},
	{"5.3.1 U+FFFE", "\xef\xbf\xbe"},
	{"5.3.4 U+10FFFE", "\xf4\x8f\xbf\xbe"},
};

/* Malformed (Kuhn 2.1.5-6, 2.2.4-6, 2.3.5, 3, 4, 5.1, 5.2). */
static const struct seq bad[] = {
	{"2.1.5 5-byte U+200000", "\xf8\x88\x80\x80\x80"},
	{"2.1.6 6-byte U+4000000", "\xfc\x84\x80\x80\x80\x80"},
	{"2.2.4 U+1FFFFF", "\xf7\xbf\xbf\xbf"},
	{"2.2.5 5-byte U+3FFFFFF", "\xfb\xbf\xbf\xbf\xbf"},
	{"2.2.6 6-byte U+7FFFFFFF", "\xfd\xbf\xbf\xbf\xbf\xbf"},
	{"2.3.5 U+110000", "\xf4\x90\x80\x80"},
	{"3.1.1 first continuation byte", "\x80"},
	{"3.1.2 last continuation byte", "\xbf"},
	{"3.1.3 2 continuation bytes", "\x80\xbf"},
	{"3.1.9 64 continuation bytes",
	 "\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f"
	 "\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\x9a\x9b\x9c\x9d\x9e\x9f"
	 "\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf"
	 "\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb\xbc\xbd\xbe\xbf"},
	{"3.2.1 lonely 2-byte start", "\xc0 "},
	{"3.2.1 lonely 2-byte start", "\xdf "},
	{"3.2.2 lonely 3-byte start", "\xe0 "},
	{"3.2.3 lonely 4-byte start", "\xf0 "},
	{"3.2.4 lonely 5-byte start", "\xf8 "},
	{"3.2.5 lonely 6-byte start", "\xfc "},
	{"3.3.1 2-byte, last byte missing (U+0000)", "\xc0"},
	{"3.3.2 3-byte, last byte missing (U+0000)", "\xe0\x80"},
	{"3.3.3 4-byte, last byte missing (U+0000)", "\xf0\x80\x80"},
	{"3.3.6 2-byte, last byte missing (U+07FF)", "\xdf"},
	{"3.3.7 3-byte, last byte missing (U+FFFF)", "\xef\xbf"},
	{"3.3.8 4-byte, last byte missing (U+1FFFFF)", "\xf7\xbf\xbf"},
	{"3.4 concatenation of 3.3", "\xc0\xe0\x80\xf0\x80\x80\xdf\xef\xbf\xf7\xbf\xbf"},
	{"3.5.1 fe", "\xfe"},
	{"3.5.2 ff", "\xff"},
	{"3.5.3 fe fe ff ff", "\xfe\xfe\xff\xff"},
	{"4.1.1 overlong '/' in 2", "\xc0\xaf"},
	{"4.1.2 overlong '/' in 3", "\xe0\x80\xaf"},
	{"4.1.3 overlong '/' in 4", "\xf0\x80\x80\xaf"},
	{"4.1.4 overlong '/' in 5", "\xf8\x80\x80\x80\xaf"},
	{"4.1.5 overlong '/' in 6", "\xfc\x80\x80\x80\x80\xaf"},
	{"4.2.1 max overlong U+007F", "\xc1\xbf"},
	{"4.2.2 max overlong U+07FF", "\xe0\x9f\xbf"},
	{"4.2.3 max overlong U+FFFF", "\xf0\x8f\xbf\xbf"},
	{"4.3.1 overlong NUL in 2", "\xc0\x80"},
	{"4.3.2 overlong NUL in 3", "\xe0\x80\x80"},
	{"4.3.3 overlong NUL in 4", "\xf0\x80\x80\x80"},
	{"5.1.1 U+D800", "\xed\xa0\x80"},
	{"5.1.2 U+DB7F", "\xed\xad\xbf"},
	{"5.1.3 U+DB80", "\xed\xae\x80"},
	{"5.1.4 U+DBFF", "\xed\xaf\xbf"},
	{"5.1.5 U+DC00", "\xed\xb0\x80"},
	{"5.1.6 U+DF80", "\xed\xbe\x80"},
	{"5.1.7 U+DFFF", "\xed\xbf\xbf"},
	{"5.2.1 U+D800 U+DC00", "\xed\xa0\x80\xed\xb0\x80"},
	{"5.2.8 U+DBFF U+DFFF", "\xed\xaf\xbf\xed\xbf\xbf"},
	{"a good character then a bad one", "a\xce\xba\xc0\xaf"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_kuhn_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(good); i++) {
		const uint8_t *s = (const uint8_t *)good[i].bytes;
		size_t len = strlen(good[i].bytes);

		if (utf8_count(s, len) < 1)
			fail_msg("refused: %s", good[i].what);
	}
	/* Kuhn 1: five Greek characters in eleven bytes. */
	assert_int_equal(utf8_count((const uint8_t *)good[0].bytes, strlen(good[0].bytes)), 5);
	/* 2.1.1: U+0000 is a character to the decoder (its callers refuse NUL). */
	assert_int_equal(utf8_count((const uint8_t *)"\0", 1), 1);
}

static void test_kuhn_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(bad); i++) {
		const uint8_t *s = (const uint8_t *)bad[i].bytes;
		size_t len = strlen(bad[i].bytes);

		if (utf8_count(s, len) != -1)
			fail_msg("accepted: %s", bad[i].what);
	}
}

/* Values utf8_next returns, one sequence at a time. */
static void test_next_values(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(utf8_next((const uint8_t *)"", 0, &cp), 0);
	assert_int_equal(utf8_next((const uint8_t *)"A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_next((const uint8_t *)"\xc2\x80", 2, &cp), 2);
	assert_int_equal(cp, 0x80);
	assert_int_equal(utf8_next((const uint8_t *)"\xef\xbf\xbd", 3, &cp), 3);
	assert_int_equal(cp, 0xfffd);
	assert_int_equal(utf8_next((const uint8_t *)"\xf4\x8f\xbf\xbfZ", 5, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	/* Only len bytes are read: a sequence cut by len is malformed. */
	assert_int_equal(utf8_next((const uint8_t *)"\xf0\x90\x80\x80", 3, &cp), 0);
}

/* RFC 3629's table, written out independently of utf8.c. */
static size_t table_encode(uint32_t cp, uint8_t b[4])
{
	if (cp <= 0x7f) {
		b[0] = (uint8_t)cp;
		return 1;
	}
	if (cp <= 0x7ff) {
		b[0] = (uint8_t)(0xc0 + cp / 64);
		b[1] = (uint8_t)(0x80 + cp % 64);
		return 2;
	}
	if (cp <= 0xffff) {
		b[0] = (uint8_t)(0xe0 + cp / 4096);
		b[1] = (uint8_t)(0x80 + cp / 64 % 64);
		b[2] = (uint8_t)(0x80 + cp % 64);
		return 3;
	}
	b[0] = (uint8_t)(0xf0 + cp / 262144);
	b[1] = (uint8_t)(0x80 + cp / 4096 % 64);
	b[2] = (uint8_t)(0x80 + cp / 64 % 64);
	b[3] = (uint8_t)(0x80 + cp % 64);
	return 4;
}

/* Every scalar value encodes as the table says and decodes back; no surrogate
 * and nothing past U+10FFFF encodes at all. */
static void test_every_code_point(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x110000; cp++) {
		uint8_t b[4], want[4];
		uint32_t back = 0xffffffffu;
		size_t k = utf8_put(cp, b);

		if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
			if (k != 0)
				fail_msg("U+%04X encoded", cp);
			continue;
		}
		if (k != table_encode(cp, want) || memcmp(b, want, k) != 0)
			fail_msg("U+%04X: wrong encoding", cp);
		if (utf8_next(b, k, &back) != k || back != cp)
			fail_msg("U+%04X: does not decode back", cp);
	}
}

/* Every 2-, 3- and 4-byte sequence: exactly as many decode as there are scalar
 * values of that length, which the shortest-form, surrogate and range rules
 * leave (0x780, 0xf800 - 0x800 surrogates, 0x100000). */
static void test_every_sequence(void **state)
{
	unsigned long n2 = 0, n3 = 0, n4 = 0;
	uint8_t b[4];
	uint32_t cp;

	(void)state;
	for (unsigned a = 0; a < 256; a++) {
		b[0] = (uint8_t)a;
		for (unsigned c = 0; c < 256; c++) {
			b[1] = (uint8_t)c;
			n2 += utf8_next(b, 2, &cp) == 2;
			if (a < 0xe0 || a > 0xf4)
				continue;
			for (unsigned d = 0; d < 256; d++) {
				b[2] = (uint8_t)d;
				n3 += utf8_next(b, 3, &cp) == 3;
				if (a < 0xf0 || (c & 0xc0) != 0x80 || (d & 0xc0) != 0x80)
					continue;
				for (unsigned e = 0; e < 256; e++) {
					b[3] = (uint8_t)e;
					n4 += utf8_next(b, 4, &cp) == 4;
				}
			}
		}
	}
	assert_int_equal(n2, 0x800 - 0x80);
	assert_int_equal(n3, 0x10000 - 0x800 - 0x800);
	assert_int_equal(n4, 0x110000 - 0x10000);
}

/* The consumers agree with the rule: NUL aside, icpr's UTF-8 to UTF-16, an X.509
 * name's UTF8String value and the NT hash of a password accept exactly the
 * well-formed sequences. */
static void test_consumers_agree(void **state)
{
	uint8_t u16[64], h[16];
	char dn[256], err[128];
	size_t n;
	struct x509_buf der = {0};

	(void)state;
	for (size_t i = 0; i < N(good) + N(bad); i++) {
		const struct seq *t = i < N(good) ? &good[i] : &bad[i - N(good)];
		size_t len = strlen(t->bytes);
		int ok = i < N(good);

		if ((icpr_utf8_to_utf16(t->bytes, len, u16, sizeof u16, &n) == ICPR_OK) != ok)
			fail_msg("icpr disagrees: %s", t->what);
		if ((ntlm_nt_hash(t->bytes, len, h) == 0) != ok)
			fail_msg("NT hash disagrees: %s", t->what);
		/* A value of the O attribute (UTF8String): the escaping of ',', '+'
		 * and the like does not arise, the bytes are >= 0x7f or plain. */
		snprintf(dn, sizeof dn, "O=x%sx", t->bytes);
		if ((x509_name_parse(dn, &der, err, sizeof err) == 0) != ok)
			fail_msg("x509 name disagrees: %s", t->what);
		x509_buf_free(&der);
	}
}

/* utf8_invisible: exactly the listed ranges, checked over every scalar value
 * against the list written out here (the edges of each range, and nothing
 * outside them). */
static void test_invisible(void **state)
{
	static const uint32_t ranges[][2] = {
		{0xad, 0xad},     {0x200b, 0x200f}, {0x202a, 0x202e},
		{0x2060, 0x2064}, {0x2066, 0x2069}, {0xfeff, 0xfeff},
	};
	size_t count = 0;

	(void)state;
	for (uint32_t cp = 0; cp <= UTF8_MAX_CP; cp++) {
		int in = 0;

		for (size_t r = 0; r < N(ranges); r++)
			in |= cp >= ranges[r][0] && cp <= ranges[r][1];
		if (utf8_invisible(cp) != in)
			fail_msg("U+%04X: utf8_invisible says %d", (unsigned)cp, !in);
		count += (size_t)in;
	}
	assert_int_equal(count, 1 + 5 + 5 + 5 + 4 + 1);
	/* not in it: the U+2065 gap, a plain space, the C0/C1 controls (refused by
	 * every caller under their own message) */
	assert_false(utf8_invisible(0x2065));
	assert_false(utf8_invisible(' '));
	assert_false(utf8_invisible(0x1b));
	assert_false(utf8_invisible(0x85));
}

/* UTF-16LE names from the wire: every scalar value round-trips against the
 * encoder above (utf8_put) as the oracle; malformed input and what does not
 * fit are refused and leave "". */
static void test_from_utf16le(void **state)
{
	uint8_t in[8];
	char out[16], want[5];
	uint8_t b[4];

	(void)state;
	for (uint32_t cp = 1; cp <= UTF8_MAX_CP; cp++) {
		size_t n, k;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x10000) {
			in[0] = (uint8_t)cp;
			in[1] = (uint8_t)(cp >> 8);
			n = 2;
		} else {
			uint32_t v = cp - 0x10000, hi = 0xd800 + (v >> 10), lo = 0xdc00 + (v & 0x3ff);

			in[0] = (uint8_t)hi;
			in[1] = (uint8_t)(hi >> 8);
			in[2] = (uint8_t)lo;
			in[3] = (uint8_t)(lo >> 8);
			n = 4;
		}
		k = utf8_put(cp, b);
		memcpy(want, b, k);
		want[k] = 0;
		assert_int_equal(utf8_from_utf16le(in, n, out, sizeof(out)), 0);
		assert_string_equal(out, want);
	}
	/* refused: a NUL unit, a lone or reversed surrogate, an odd length, a pair
	 * cut short, no room for the NUL */
	static const struct {
		const char *in;
		size_t n;
	} refused[] = {
		{"a\0\0\0", 4}, {"\x00\xd8", 2}, {"\x00\xdc\x00\xd8", 4},
		{"a\0b", 3},      {"\x00\xd8\x00", 3}, {"\x00\xd8" "a\0", 4},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		strcpy(out, "x");
		assert_int_equal(utf8_from_utf16le((const uint8_t *)refused[i].in, refused[i].n, out,
						   sizeof(out)),
				 -1);
		assert_string_equal(out, "");
	}
	assert_int_equal(utf8_from_utf16le((const uint8_t *)"a\0b\0", 4, out, 3), 0);
	assert_string_equal(out, "ab");
	assert_int_equal(utf8_from_utf16le((const uint8_t *)"a\0b\0", 4, out, 2), -1);
	assert_string_equal(out, "");
	assert_int_equal(utf8_from_utf16le((const uint8_t *)"", 0, out, 1), 0);
	assert_int_equal(utf8_from_utf16le((const uint8_t *)"", 0, out, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kuhn_good),
		cmocka_unit_test(test_kuhn_bad),
		cmocka_unit_test(test_next_values),
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_every_sequence),
		cmocka_unit_test(test_consumers_agree),
		cmocka_unit_test(test_invisible),
		cmocka_unit_test(test_from_utf16le),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
