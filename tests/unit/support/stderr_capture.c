/* Test support: stderr captured into a temporary file (stderr_capture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/support/stderr_capture.h"

char logged[16384];
static int saved_stderr = -1;

void log_begin(void)
{
	FILE *t = tmpfile();

	assert_non_null(t);
	fflush(stderr);
	saved_stderr = dup(2);
	assert_int_equal(dup2(fileno(t), 2), 2);
	fclose(t); /* fd 2 keeps the file */
}

/* logged[] from fd 2's file, fd 2 put back; echo: written there too. */
static void take(int echo)
{
	ssize_t n;

	if (saved_stderr < 0)
		return;
	fflush(stderr);
	n = pread(2, logged, sizeof(logged) - 1, 0);
	logged[n > 0 ? n : 0] = 0;
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	if (echo)
		fputs(logged, stderr);
}

void log_end(void)
{
	take(1);
}

void log_end_quiet(void)
{
	take(0);
}

void assert_logged(const char *line)
{
	if (strstr(logged, line) == NULL)
		fail_msg("no '%s' in the log:\n%s", line, logged);
}
