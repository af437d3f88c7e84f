/* Logging for every process: messages to stderr prefixed with the program name.
 * fatal()/fatalx() end the process (the bgpd/ntpd convention: fatal appends
 * strerror(errno), fatalx does not). */
#ifndef PLATFORM_LOG_H
#define PLATFORM_LOG_H

#include <stdarg.h>

/* Names the program in every message, and the process (prctl PR_SET_NAME). */
void log_init(const char *progname);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* What fatal()/fatalx() print, without ending the process: for library code that
 * returns its failure to a main() that chooses the exit status, while the
 * message stays the one the program always printed. */
void log_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_failx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A daemon that cannot start with what the operator configured (ca.conf, the
 * token's PIN, the CA's files) exits with EXIT_REFUSED (sysexits' EX_CONFIG):
 * cad stops the appliance with the reason instead of restarting it in a loop (a
 * wrong PIN retried would lock the token). */
#define EXIT_REFUSED 78
_Noreturn void refuse_to_start(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A process whose upstream channel died (the worker's custodian or ca-auth, the
 * custodian's ledger) exits with EXIT_UPSTREAM (sysexits' EX_TEMPFAIL), so that
 * cad restarts it without counting its end against its restart budget: the
 * peer's own end is what counts. Without this, a custodian killed ten times in
 * a minute would also put the worker into back-off, and the front would stay
 * down for as long as the core had been. */
#define EXIT_UPSTREAM 75
_Noreturn void upstream_gone(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
