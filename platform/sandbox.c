/* See sandbox.h. */
#include "platform/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "platform/log.h"

int sandbox_no_new_privs(char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	return 0;
}

#ifdef CONFIG_SECCOMP

/* What happens to a call that is not allowed. CONFIG_SECCOMP_LOG exists to
 * measure a process's list (run it, read the audit log) and is never shipped. */
#ifdef CONFIG_SECCOMP_LOG
#define SANDBOX_DEFAULT SCMP_ACT_LOG
#else
#define SANDBOX_DEFAULT SCMP_ACT_KILL_PROCESS
#endif

/* The flags glibc's pthread_create passes to clone (2.36: VM, FS, FILES, SYSVSEM,
 * SIGHAND, THREAD, SETTLS, PARENT_SETTID, CHILD_CLEARTID): the first set must
 * all be there, the second may be, nothing else may (no exit signal: a thread
 * sends none). The kernel reads only the low 32 bits of clone's flags, so the
 * filter compares those alone. */
#define THREAD_REQUIRED (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define THREAD_OPTIONAL (CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
			 CLONE_CHILD_CLEARTID | CLONE_DETACHED)

#if defined(__SANITIZE_ADDRESS__)
/* AddressSanitizer's report (it reads /proc/self/maps, names the binary) and
 * LeakSanitizer's check at exit (a tracer task made with clone(CLONE_VM |
 * CLONE_FS | CLONE_FILES | CLONE_UNTRACED) that ptrace-stops the threads it
 * finds in /proc/self/task). Measured on the SANITIZE=1 build: strace for the
 * process, and for the tracer (CLONE_UNTRACED: strace cannot follow it, and
 * LeakSanitizer refuses to run under ptrace anyway) the kernel's record of each
 * kill (dmesg, audit type=1326), one call at a time: the sanitizer runtime
 * makes its own system calls, the old open and getdents among them. Only in
 * that build: the shipped filter allows none of this. */
static const int sanitizer_allowed[] = {
	SCMP_SYS(readlink), SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(ptrace),
	SCMP_SYS(wait4), SCMP_SYS(prctl), SCMP_SYS(sched_yield), SCMP_SYS(sigaltstack),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getppid),
	SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(read),
	SCMP_SYS(write), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect),
	SCMP_SYS(madvise), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(futex), SCMP_SYS(lseek),
};
#define LSAN_TRACER (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED)

/* A call the process's own list allows already is not an error. /proc/self/maps
 * and /proc/self/task are opened read-only: an open for writing is still killed,
 * which the worker's self-test checks (--selftest-open). */
static int add_sanitizer_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int rc;

	for (size_t i = 0; i < sizeof(sanitizer_allowed) / sizeof(sanitizer_allowed[0]); i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sanitizer_allowed[i], 0);

		if (rc != 0 && rc != -EEXIST) {
			snprintf(err, errlen, "seccomp: cannot allow system call %d: %s",
				 sanitizer_allowed[i], strerror(-rc));
			return -1;
		}
	}
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			      SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, LSAN_TRACER));
	if (rc == 0 || rc == -EEXIST)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				      SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC,
					      O_RDONLY));
	/* the sanitizer runtime makes its own system calls: open, not openat */
	if (rc == 0 || rc == -EEXIST)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC,
					      O_RDONLY));
	if (rc != 0 && rc != -EEXIST) {
		snprintf(err, errlen, "seccomp: cannot add the sanitizer's rules: %s",
			 strerror(-rc));
		return -1;
	}
	return 0;
}
#else
static int add_sanitizer_rules(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	(void)ctx, (void)err, (void)errlen;
	return 0;
}
#endif

int sandbox_filter_create(scmp_filter_ctx *out, const int *allowed, size_t n, char *err,
			  size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SANDBOX_DEFAULT);

	*out = NULL;
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);

		if (rc != 0) {
			snprintf(err, errlen, "seccomp: cannot allow system call %d: %s", allowed[i],
				 strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	}
	if (add_sanitizer_rules(ctx, err, errlen) != 0) {
		seccomp_release(ctx);
		return -1;
	}
	*out = ctx;
	return 0;
}

int sandbox_allow_threads(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	const scmp_datum_t mask = 0xffffffffu & ~(scmp_datum_t)THREAD_OPTIONAL;

	/* tgkill only within this process: abort() and pthread_kill signal a
	 * thread of their own, never another process of the same user. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, mask, THREAD_REQUIRED)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
			     SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid())) != 0) {
		snprintf(err, errlen, "seccomp: cannot add the thread rules");
		return -1;
	}
	return 0;
}

int sandbox_filter_install(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int rc = -1;

	if (sandbox_no_new_privs(err, errlen) != 0)
		goto out;
	/* A foreign architecture's system call numbers mean other calls: kill. TSYNC:
	 * a thread started before this (an IPC reader, a library's helper) is
	 * confined too, or the load fails. No CTL_LOG: the kernel logs a kill anyway
	 * (audit type=1326 naming the call), and logging every ERRNO would write a
	 * line for each thread made (clone3). */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0) {
		snprintf(err, errlen, "seccomp: cannot set the filter's attributes");
		goto out;
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "cannot load the seccomp filter: %s", strerror(-rc));
		rc = -1;
	}
out:
	seccomp_release(ctx);
	return rc;
}

scmp_filter_ctx sandbox_filter_new(const int *allowed, size_t n)
{
	scmp_filter_ctx ctx;
	char err[256];

	if (sandbox_filter_create(&ctx, allowed, n, err, sizeof(err)) != 0)
		fatalx("%s", err);
	return ctx;
}

void sandbox_filter_load(scmp_filter_ctx ctx)
{
	char err[256];

	if (sandbox_filter_install(ctx, err, sizeof(err)) != 0)
		fatalx("%s", err);
}
#endif
