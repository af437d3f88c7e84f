/* The worker's sandbox: its own user in an empty chroot, no_new_privs, and a
 * libseccomp allow-list whose default action kills the process. Everything the
 * worker needs (the custodian's channel, the listening sockets, the CA chain) is
 * in hand before this runs; after it, the worker can accept, read, write, poll,
 * make threads and allocate memory, and nothing else: no open, no exec, no
 * socket, no connect, no fork, no clone into new namespaces (clone only with
 * pthread_create's flags, clone3 fails with ENOSYS: platform/sandbox.h). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "firmware/worker/worker.h"
#include "platform/errbuf.h"
#include "platform/sandbox.h"

#ifdef CONFIG_SECCOMP

/* The system calls a worker thread makes serving DCE/RPC: socket I/O on
 * descriptors it already has, threads (sandbox_allow_threads), malloc, time,
 * and leaving. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(accept), SCMP_SYS(accept4),
	SCMP_SYS(close), SCMP_SYS(shutdown), SCMP_SYS(getpeername), SCMP_SYS(getsockname),
	SCMP_SYS(futex), SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq), SCMP_SYS(madvise), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mprotect), SCMP_SYS(brk), SCMP_SYS(mremap), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(sched_yield), SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(getrandom), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek),
	/* new threads under ASan, and glibc's CPU count */
	SCMP_SYS(sched_getaffinity), SCMP_SYS(sigaltstack),
};

/* The allow-list, then the threads' rule, loaded: 0, or -1 with err. */
static int load_filter(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;

	if (sandbox_filter_create(&ctx, allowed, sizeof(allowed) / sizeof(allowed[0]), err,
				  errlen) != 0)
		return -1;
	if (sandbox_allow_threads(ctx, err, errlen) != 0)
		return -1;
	return sandbox_filter_install(ctx, err, errlen);
}
#endif

/* user's uid and gid, its group alone, in the chroot dir: 0, or -1 with the
 * message ca-worker has always ended with (fatal's strerror included). */
static int drop_to(const char *user, const char *dir, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL)
		return err_set(err, errlen, "no user %s: create it (cad does so when run as root)",
			       user);
	if (chroot(dir) != 0 || chdir("/") != 0)
		return err_set(err, errlen, "chroot %s: %s", dir, strerror(errno));
	if (setgroups(1, &pw->pw_gid) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
		return err_set(err, errlen, "cannot drop privileges to %s: %s", user,
			       strerror(errno));
	if (setuid(0) == 0)
		return err_set(err, errlen, "privileges could be regained after dropping them");
	return 0;
}

int worker_sandbox(const char *user, const char *chroot_dir, char *err, size_t errlen)
{
	if (user != NULL &&
	    drop_to(user, chroot_dir != NULL ? chroot_dir : "/var/empty", err, errlen) != 0)
		return -1;
	if (sandbox_no_new_privs(err, errlen) != 0)
		return -1;
#ifdef CONFIG_SECCOMP
	if (load_filter(err, errlen) != 0)
		return -1;
#endif
	return 0;
}
