/* Logging to stderr; see log.h. */
#include "platform/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

static const char *log_prog = "ca";

void log_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');
	log_prog = slash ? slash + 1 : progname;
	/* The process's name too (ps, pgrep, the kernel's messages): cad starts its
	 * children with execveat(AT_EMPTY_PATH), which kernels before 6.14 name after
	 * the descriptor ("3"). Names are cut to 15 bytes by the kernel. */
	(void)prctl(PR_SET_NAME, log_prog, 0, 0, 0);
}

__attribute__((format(printf, 2, 0)))
static void vlog(const char *level, const char *fmt, va_list ap, int err)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		fprintf(stderr, "%s: %s%s: %s\n", log_prog, level, msg, strerror(err));
	else
		fprintf(stderr, "%s: %s%s\n", log_prog, level, msg);
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap, err);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap, 0);
	va_end(ap);
}

void log_fail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, err);
	va_end(ap);
}

void log_failx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, 0);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, err);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal: ", fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void refuse_to_start(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("fatal: refusing to start: ", fmt, ap, 0);
	va_end(ap);
	exit(EXIT_REFUSED);
}

void upstream_gone(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("", fmt, ap, 0);
	va_end(ap);
	exit(EXIT_UPSTREAM);
}
