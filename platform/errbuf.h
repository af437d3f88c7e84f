/* The error message of a refusal: one formatter for every library that reports
 * through a caller's (char *err, size_t errlen) buffer. */
#ifndef PLATFORM_ERRBUF_H
#define PLATFORM_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* Formats the message into err, cut to errlen bytes (always NUL-terminated); does
 * nothing when err is NULL or errlen is 0, so callers that want no message pass
 * NULL. Returns -1, so that a refusal reads `return err_set(err, errlen, ...)`. */
int err_set(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* err_set with a va_list, for wrappers that return a code of their own. */
int err_vset(char *err, size_t errlen, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif
