/* See sandbox.h. */
#include "platform/sandbox.h"

#ifdef CONFIG_SECCOMP
#include "platform/log.h"

scmp_filter_ctx sandbox_filter_new(const int *allowed, size_t n)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);

	if (ctx == NULL)
		fatalx("seccomp_init failed");
	for (size_t i = 0; i < n; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) != 0)
			fatalx("seccomp: cannot allow system call %d", allowed[i]);
	return ctx;
}

void sandbox_filter_load(scmp_filter_ctx ctx)
{
	/* A foreign architecture's system call numbers mean other calls: kill. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_load(ctx) != 0)
		fatalx("cannot load the seccomp filter");
	seccomp_release(ctx);
}
#else
typedef int sandbox_unused; /* ISO C: a translation unit is not empty */
#endif
