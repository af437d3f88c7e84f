/* Test support: files in a test's temporary data directory. write_text_file is
 * shared by test_auth_start and test_supervisor_prepare; auth_dir_remove by the
 * ca-auth tests (test_auth_start, test_auth_serve, test_auth_settings).
 * Failures fail the running cmocka test. */
#ifndef TESTS_DATA_DIR_H
#define TESTS_DATA_DIR_H

#include <sys/types.h>

/* path holding text (created or truncated), then chmod'ed to mode (whatever the
 * umask). */
void write_text_file(const char *path, const char *text, mode_t mode);

/* Removes a ca-auth data directory as the tests lay it out: dir/auth/accounts,
 * dir/auth, dir/ca.conf, then dir. What is not there is skipped; what cannot be
 * removed stays (a teardown goes on). */
void auth_dir_remove(const char *dir);

#endif
