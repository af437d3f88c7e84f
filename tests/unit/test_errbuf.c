/* platform/errbuf.c: the one error formatter every library's refusals use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "platform/errbuf.h"

static void test_formats_and_returns(void **state)
{
	char err[64];

	(void)state;
	memset(err, 'x', sizeof err);
	assert_int_equal(err_set(err, sizeof err, "%s: %d of %zu", "name", 3, (size_t)7), -1);
	assert_string_equal(err, "name: 3 of 7");
}

/* A long message is cut to the buffer and stays terminated; nothing is written
 * past errlen. */
static void test_cut_to_buffer(void **state)
{
	char err[16];

	(void)state;
	memset(err, 'x', sizeof err);
	err_set(err, 8, "%s", "0123456789abcdef");
	assert_string_equal(err, "0123456");
	assert_int_equal(err[8], 'x');
}

/* No buffer, or an empty one: nothing is written, the result is still -1. */
static void test_no_buffer(void **state)
{
	char err[4] = "abc";

	(void)state;
	assert_int_equal(err_set(NULL, 100, "%s", "x"), -1);
	assert_int_equal(err_set(err, 0, "%s", "x"), -1);
	assert_string_equal(err, "abc");
}

/* A wrapper with a code of its own, as firmware/ledger/index.c has. */
static int refuse42(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse42(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	assert_int_equal(err_vset(err, errlen, fmt, ap), -1);
	va_end(ap);
	return 42;
}

static void test_vset(void **state)
{
	char err[32];

	(void)state;
	assert_int_equal(refuse42(err, sizeof err, "row %u: %s", 5u, "bad"), 42);
	assert_string_equal(err, "row 5: bad");
	assert_int_equal(refuse42(NULL, 0, "row %u", 5u), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats_and_returns),
		cmocka_unit_test(test_cut_to_buffer),
		cmocka_unit_test(test_no_buffer),
		cmocka_unit_test(test_vset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
