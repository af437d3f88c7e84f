/* ca-ledger's sandbox: no_new_privs and a libseccomp allow-list whose default
 * action kills the process, loaded by `ca-ledger serve` once the Berkeley DB
 * environment is open (recovered if it had to be) and before it reads its first
 * frame. The ledger decodes every frame the custodian sends: the filter keeps a
 * compromised decoder from executing a program, making a socket or a
 * connection, tracing or signalling another process, forking, entering a
 * namespace or changing its credentials. It can still read and write files as
 * its user, which owns DATA/ledger and its region directory and nothing else.
 *
 * Measured (platform/seccomp-measure.sh: a CONFIG_SECCOMP_LOG build, cad and the
 * directly run ca-ledger under `strace -f`, the calls a serving ledger made
 * after its seccomp() counted per program) over test_ledger_basic,
 * test_ledger_disk_full, test_ledger_tamper, test_crl_scale, test_icpr,
 * test_admin, test_custodian_*, test_careq, test_ntlm and part of
 * test_ledger_crash (its SIGKILLs hit the strace wrapper; in full it passes
 * with this filter killing), see firmware/ledger/README.md:
 *
 *   - Berkeley DB: pread64/pwrite64/lseek/fdatasync on its databases and logs;
 *     openat (a new log file, O_RDWR|O_CREAT), fcntl (F_GETFD/F_SETFD:
 *     close-on-exec on each), newfstatat, getcwd (absolute paths), getdents64
 *     and unlink (automatic log removal at checkpoints); the reopening with
 *     recovery of a panicked environment (store.c, test_ledger_disk_full) needs
 *     nothing more;
 *   - glibc: sysinfo (qsort of a large array asks for the memory size),
 *     rt_sigaction (the set-id signal handler glibc installs for its first
 *     thread);
 *   - the custodian's channel: recvmsg, sendmsg, shutdown;
 *   - threads (sandbox_allow_threads), malloc (mmap, munmap, mprotect, madvise,
 *     brk), leaving (exit_group). */
#include "config.h"
#include "firmware/ledger/sandbox.h"
#include "platform/sandbox.h"

#ifdef CONFIG_SECCOMP
static const int allowed[] = {
	/* Berkeley DB's files */
	SCMP_SYS(openat), SCMP_SYS(close), SCMP_SYS(read), SCMP_SYS(write),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(lseek), SCMP_SYS(fdatasync),
	SCMP_SYS(newfstatat), SCMP_SYS(fcntl),
	SCMP_SYS(getcwd), SCMP_SYS(getdents64), SCMP_SYS(unlink),
	/* free space (space.c): fstatvfs on DATA/ledger's descriptor, opened
	 * before the filter; statfs on a path is not allowed */
	SCMP_SYS(fstatfs),
	/* the custodian's channel */
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(shutdown),
	/* threads, memory, leaving (gettid: abort's signal to its own thread) */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(madvise),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(brk),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(sysinfo),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

int ledger_sandbox(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;

	if (sandbox_filter_create(&ctx, allowed, sizeof(allowed) / sizeof(allowed[0]), err,
				  errlen) != 0)
		return -1;
	if (sandbox_allow_threads(ctx, err, errlen) != 0) {
		seccomp_release(ctx);
		return -1;
	}
	return sandbox_filter_install(ctx, err, errlen);
}
#else
int ledger_sandbox(char *err, size_t errlen)
{
	return sandbox_no_new_privs(err, errlen);
}
#endif
