/* firmware/auth/throttle.c: failed logons counted per account and per address,
 * refused until a time that doubles with each further failure, up to a cap;
 * keys apart from each other; a throttled attempt not counted; a success
 * clearing the account only; a quiet key forgotten; the tables bounded. The
 * clock is the test's (milliseconds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/auth/throttle.h"

static char why[256];

static void rules(unsigned account, unsigned address, unsigned delay, unsigned max)
{
	struct throttle_conf c = {account, address, delay, max};

	throttle_configure(&c);
}

static int64_t wait_for(const char *account, const char *address, int64_t now)
{
	why[0] = 0;
	return throttle_check(account, address, now, why, sizeof(why));
}

static void test_account_delays_double_to_the_cap(void **state)
{
	(void)state;
	rules(3, 0, 1000, 5000);
	throttle_failed("EX\\alice", "10.0.0.1", 0);
	throttle_failed("EX\\alice", "10.0.0.1", 10);
	assert_int_equal(wait_for("EX\\alice", "10.0.0.1", 20), 0); /* two are free */
	throttle_failed("EX\\alice", "10.0.0.1", 20);                 /* the third: 1 s */
	assert_int_equal(wait_for("EX\\alice", "10.0.0.1", 20), 1000);
	assert_non_null(strstr(why, "3 failed logons of EX\\alice"));
	assert_int_equal(wait_for("EX\\alice", "10.0.0.9", 520), 500); /* any address */
	assert_int_equal(wait_for("EX\\alice", NULL, 1019), 1);
	assert_int_equal(wait_for("EX\\alice", NULL, 1020), 0);
	throttle_failed("EX\\alice", NULL, 1020); /* 2 s */
	assert_int_equal(wait_for("EX\\alice", NULL, 1020), 2000);
	throttle_failed("EX\\alice", NULL, 3020); /* 4 s */
	assert_int_equal(wait_for("EX\\alice", NULL, 3020), 4000);
	throttle_failed("EX\\alice", NULL, 7020); /* 8 s, capped at 5 */
	assert_int_equal(wait_for("EX\\alice", NULL, 7020), 5000);
	throttle_failed("EX\\alice", NULL, 12020);
	assert_int_equal(wait_for("EX\\alice", NULL, 12020), 5000);
	/* other accounts are not touched; an unknown account has no count */
	assert_int_equal(wait_for("EX\\bob", NULL, 12020), 0);
	assert_int_equal(wait_for(NULL, NULL, 12020), 0);
}

static void test_success_clears_the_account_not_the_address(void **state)
{
	(void)state;
	rules(2, 3, 1000, 1000);
	throttle_failed("EX\\alice", "10.0.0.1", 0);
	throttle_failed("EX\\alice", "10.0.0.1", 0);
	assert_int_equal(wait_for("EX\\alice", "10.0.0.2", 0), 1000);
	throttle_succeeded("EX\\alice");
	assert_int_equal(wait_for("EX\\alice", "10.0.0.2", 0), 0);
	/* the address kept its two: one more (any account, or none) locks it */
	throttle_failed(NULL, "10.0.0.1", 5);
	assert_int_equal(wait_for("EX\\bob", "10.0.0.1", 5), 1000);
	assert_non_null(strstr(why, "3 failed logons from 10.0.0.1"));
	assert_int_equal(wait_for("EX\\bob", "10.0.0.2", 5), 0);
	assert_int_equal(wait_for(NULL, "10.0.0.1", 5), 1000);
	/* the account counts anew after a success: one failure is free again */
	throttle_failed("EX\\alice", "10.0.0.3", 10);
	assert_int_equal(wait_for("EX\\alice", "10.0.0.3", 10), 0);
}

static void test_quiet_keys_are_forgotten(void **state)
{
	(void)state;
	rules(2, 2, 1000, 4000);
	throttle_failed("EX\\alice", "10.0.0.1", 0);
	/* more than twice the cap later the first failure no longer counts */
	throttle_failed("EX\\alice", "10.0.0.1", 8001);
	assert_int_equal(wait_for("EX\\alice", "10.0.0.1", 8001), 0);
	/* within it, it does */
	throttle_failed("EX\\alice", "10.0.0.1", 9000);
	assert_int_equal(wait_for("EX\\alice", "10.0.0.1", 9000), 1000);
}

static void test_zero_is_no_limit(void **state)
{
	(void)state;
	rules(0, 0, 1000, 1000);
	for (int i = 0; i < 100; i++)
		throttle_failed("EX\\alice", "10.0.0.1", i);
	assert_int_equal(wait_for("EX\\alice", "10.0.0.1", 100), 0);
	rules(0, 1, 1000, 1000);
	throttle_failed("EX\\alice", "10.0.0.1", 0);
	assert_int_equal(wait_for("EX\\alice", NULL, 0), 0);
	assert_int_equal(wait_for(NULL, "10.0.0.1", 0), 1000);
}

/* More addresses than the table holds: it stays bounded, the oldest failures
 * give way, and an account's count is not one of them. */
static void test_tables_bounded(void **state)
{
	char addr[32];

	(void)state;
	rules(1, 1, 1000, 1000);
	throttle_failed("EX\\alice", "192.0.2.1", 0);
	for (int i = 0; i < 3 * THROTTLE_KEYS; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
		throttle_failed(NULL, addr, 1 + i / 100);
	}
	assert_int_equal(wait_for("EX\\alice", NULL, 40), 960);
	assert_int_equal(wait_for(NULL, "192.0.2.1", 40), 0); /* given way */
	assert_true(wait_for(NULL, addr, 40) > 0);             /* the newest counts */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_account_delays_double_to_the_cap),
		cmocka_unit_test(test_success_clears_the_account_not_the_address),
		cmocka_unit_test(test_quiet_keys_are_forgotten),
		cmocka_unit_test(test_zero_is_no_limit),
		cmocka_unit_test(test_tables_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
