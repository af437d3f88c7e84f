/* Files in a test's temporary data directory (data_dir.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/support/data_dir.h"

void write_text_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

void auth_dir_remove(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/auth/accounts", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/auth", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/ca.conf", dir);
	unlink(path);
	rmdir(dir);
}
