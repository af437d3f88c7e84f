/* platform/civil.c: the one calendar. Oracles: glibc's timegm and gmtime_r (a
 * different implementation of the same proleptic Gregorian arithmetic) on the
 * boundaries and on pseudo-random times far either side of 1970, and dates
 * whose unix time is known by heart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "platform/civil.h"

static void check_against_libc(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	struct civil_time c;

	assert_non_null(gmtime_r(&tt, &tm));
	civil_from_unix(t, &c);
	if (c.year != tm.tm_year + 1900 || c.month != tm.tm_mon + 1 || c.day != tm.tm_mday ||
	    c.hour != tm.tm_hour || c.min != tm.tm_min || c.sec != tm.tm_sec)
		fail_msg("%lld: %04d-%02d-%02d %02d:%02d:%02d, gmtime_r says %04d-%02d-%02d",
			 (long long)t, c.year, c.month, c.day, c.hour, c.min, c.sec,
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	assert_true(civil_valid(&c));
	if (civil_to_unix(&c) != t || (int64_t)timegm(&tm) != t)
		fail_msg("%lld does not come back", (long long)t);
}

static void test_matches_libc(void **state)
{
	static const int64_t edges[] = {
		INT64_C(-62135596800), /* 0001-01-01 */
		INT64_C(-12219292801), /* 1582-10-14 23:59:59 (proleptic) */
		INT64_C(-2208988800),  /* 1900-01-01 (not leap) */
		INT64_C(-631152000),   /* 1950-01-01 */
		-86401, -86400, -1, 0, 1, 86399, 86400,
		951782400,             /* 2000-02-29 */
		951868800,             /* 2000-03-01 */
		INT64_C(2524607999),   /* 2049-12-31 23:59:59 */
		INT64_C(4107542400),   /* 2100-03-01 (2100 is not leap) */
		INT64_C(253402300799), /* 9999-12-31 23:59:59 */
	};
	uint64_t x = 88172645463325252ull;

	(void)state;
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		check_against_libc(edges[i]);
	/* xorshift64 over years -9999..29999. */
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		check_against_libc((int64_t)(x % UINT64_C(1262304000000)) - INT64_C(377705116800));
	}
}

static void test_known_dates(void **state)
{
	struct civil_time c = {2026, 12, 5, 7, 40, 21};
	struct civil_time epoch = {1970, 1, 1, 0, 0, 0};

	(void)state;
	assert_int_equal(civil_to_unix(&epoch), 0);
	/* `date -u -d 2026-12-05T07:40:21Z +%s` */
	assert_int_equal(civil_to_unix(&c), INT64_C(1796456421));
	civil_from_unix(-1, &c);
	assert_int_equal(c.year, 1969);
	assert_int_equal(c.month, 12);
	assert_int_equal(c.day, 31);
	assert_int_equal(c.sec, 59);
}

static void test_validity(void **state)
{
	struct civil_time c = {2024, 2, 29, 23, 59, 59};

	(void)state;
	assert_true(civil_valid(&c));
	c.year = 2023; /* not leap */
	assert_false(civil_valid(&c));
	c.year = 2000; /* divisible by 400: leap */
	assert_true(civil_valid(&c));
	c.year = 1900; /* divisible by 100 only: not leap */
	assert_false(civil_valid(&c));
	c = (struct civil_time){2026, 4, 31, 0, 0, 0};
	assert_false(civil_valid(&c));
	c = (struct civil_time){2026, 13, 1, 0, 0, 0};
	assert_false(civil_valid(&c));
	c = (struct civil_time){2026, 0, 1, 0, 0, 0};
	assert_false(civil_valid(&c));
	c = (struct civil_time){2026, 1, 0, 0, 0, 0};
	assert_false(civil_valid(&c));
	c = (struct civil_time){2026, 1, 1, 24, 0, 0};
	assert_false(civil_valid(&c));
	c = (struct civil_time){2026, 1, 1, 0, 60, 0};
	assert_false(civil_valid(&c));
	c = (struct civil_time){2026, 12, 31, 23, 59, 60}; /* no leap second */
	assert_false(civil_valid(&c));
	c = (struct civil_time){2026, 1, 1, -1, 0, 0};
	assert_false(civil_valid(&c));
	assert_int_equal(civil_days_in_month(2026, 0), 0);
	assert_int_equal(civil_days_in_month(2026, 13), 0);
	for (int m = 1; m <= 12; m++) {
		struct tm tm = {.tm_year = 2024 - 1900, .tm_mon = m, .tm_mday = 0};
		time_t t = timegm(&tm); /* day 0 of the next month: this month's last */
		struct tm back;

		gmtime_r(&t, &back);
		assert_int_equal(civil_days_in_month(2024, m), back.tm_mday);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_libc),
		cmocka_unit_test(test_known_dates),
		cmocka_unit_test(test_validity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
