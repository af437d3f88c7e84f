/* Test support: what the code under test writes to stderr while a test runs
 * (the worker's and the custodian's log lines), captured into a temporary file
 * and kept in logged[] for assertions. Shared by test_worker_calls,
 * test_worker_ntlm, test_supervisor_prepare, test_custodian_ceremony,
 * test_custodian_start, test_custodian_budget and test_custodian_checkpoint.
 * Failures fail the running cmocka test. */
#ifndef TESTS_STDERR_CAPTURE_H
#define TESTS_STDERR_CAPTURE_H

/* What was written between log_begin and log_end (NUL-terminated, cut at
 * sizeof(logged) - 1 octets). */
extern char logged[16384];

/* fd 2 into a fresh temporary file until log_end. */
void log_begin(void);
/* Takes what was written into logged[], puts fd 2 back and echoes it there (so a
 * failing test's log is still seen). Without a log_begin: nothing (a teardown
 * may call it unconditionally). */
void log_end(void);
/* The same without the echo (where what is said is the test's to check and the
 * output of a passing run stays clean). */
void log_end_quiet(void);
/* Fails the test unless line occurs in logged[] (which it prints). */
void assert_logged(const char *line);

#endif
