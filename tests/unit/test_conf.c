/* platform/conf.c's conf_get_uint: the one reader of numeric ca.conf settings
 * (ca-auth's throttle, the custodian's journal budget and HSM pool). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "platform/conf.h"

/* conf_get_uint of "k" set to v, in min..max (default 7). */
static int get(const char *v, unsigned min, unsigned max, unsigned *out)
{
	struct conf c;

	memset(&c, 0, sizeof(c));
	if (v != NULL)
		assert_int_equal(conf_set(&c, "k", v), 0);
	return conf_get_uint(&c, "k", 7, min, max, out);
}

static void test_absent_is_the_default(void **state)
{
	unsigned n = 0;

	(void)state;
	assert_int_equal(get(NULL, 1, 10, &n), 0);
	assert_int_equal(n, 7);
}

static void test_in_range(void **state)
{
	unsigned n = 0;

	(void)state;
	assert_int_equal(get("0", 0, 10, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(get("10", 0, 10, &n), 0);
	assert_int_equal(n, 10);
	assert_int_equal(get("007", 1, 10, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(get("4294967295", 0, 4294967295u, &n), 0);
	assert_int_equal(n, 4294967295u);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {"", " 5", "+5", "-1", "5 ", "5x", "0x5", "1e3",
					  "99999999999999999999999"};
	unsigned n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 42;
		assert_int_equal(get(bad[i], 0, 100, &n), -1);
		assert_int_equal(n, 7); /* the default, never a partial parse */
	}
	assert_int_equal(get("0", 1, 10, &n), -1);
	assert_int_equal(get("11", 1, 10, &n), -1);
	assert_int_equal(get("4294967296", 0, 4294967295u, &n), -1);
}

/* conf_parse_uint, the command line's reader (1..max), by the same rule. */
static void test_parse_uint_digits_only(void **state)
{
	static const char *const bad[] = {"", " 5", "\t5", "+5", "-1", "5 ", "5x", "0x5", "0",
					  "11", "99999999999999999999999"};
	unsigned n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 42;
		assert_int_equal(conf_parse_uint(bad[i], 10, &n), -1);
		assert_int_equal(n, 42); /* untouched */
	}
	assert_int_equal(conf_parse_uint("007", 10, &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(conf_parse_uint("4294967295", 4294967295u, &n), 0);
	assert_int_equal(n, 4294967295u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent_is_the_default),
		cmocka_unit_test(test_in_range),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_parse_uint_digits_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
