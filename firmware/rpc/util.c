/* Helpers shared inside firmware/rpc (rpc_int.h). */
#include "firmware/rpc/rpc_int.h"

#include <stdarg.h>
#include <stdio.h>

int rpc_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}
