/* ca-custodian's sandbox: no_new_privs and a libseccomp allow-list whose default
 * action kills the process, loaded by serve() once start-up is over (the
 * PKCS#11 module loaded and logged in, ca.conf, the policy and the chain read,
 * the ledger's and the console's channels open), before it reads a single
 * request. The custodian parses request bytes (libtasn1, wolfSSL) while it holds
 * the token's login: the filter keeps a compromised parser from executing a
 * program, making a socket or a connection, tracing or signalling another
 * process, forking, entering a namespace or changing its credentials.
 *
 * Measured (platform/seccomp-measure.sh: a CONFIG_SECCOMP_LOG build, cad and the
 * directly run ca-custodian under `strace -f`, the calls a serving custodian
 * made after its seccomp() counted per program) over test_icpr, test_admin,
 * test_crl_scale, test_custodian_*, test_careq, test_ntlm, test_ledger_* (method:
 * firmware/custodian/README.md):
 *
 *   - SoftHSM opens, reads, locks (fcntl F_SETLKW/F_SETLK) and stats
 *     (newfstatat) its token files on every operation, and writes one back
 *     (fsync, fchmod) when an object changes;
 *   - p11-kit asks getpid() on every call (fork detection);
 *   - publishing a CRL and saving the operator database (platform/atomicfile):
 *     mkdir, openat, write, fsync, rename, fsync of the directory; unlink of the
 *     temporary file on failure;
 *   - the console: accept4, getsockopt(SO_PEERCRED), geteuid, shutdown;
 *     sessions' tokens from getrandom;
 *   - the channels: recvmsg, sendmsg; the automatic CRL thread's sleeps
 *     (clock_nanosleep);
 *   - threads (sandbox_allow_threads; rt_sigaction: the set-id signal handler
 *     glibc installs for its first thread), malloc (mmap, munmap, mprotect,
 *     madvise, mremap, brk), leaving (munlock of the PIN's page, exit_group).
 *
 * Recovery from a lost HSM (hsm/pool.c: sessions reopened, login redone, and
 * after a device error C_Finalize, C_Initialize and the slot found again), which
 * the suites never cause, is driven under this filter by
 * tests/unit/test_custodian_sandbox.c: it needs getdents64 and lseek (SoftHSM
 * reads its token directory) and ftruncate (a token file rewritten at login)
 * besides the above; without any of the three the test's child is killed. */
#include "config.h"
#include "firmware/custodian/sandbox.h"

#include <stdio.h>
#include <sys/socket.h>

#include "platform/sandbox.h"

#ifdef CONFIG_SECCOMP
static const int allowed[] = {
	/* files: the token, CRLs, the operator database */
	SCMP_SYS(openat), SCMP_SYS(close), SCMP_SYS(read), SCMP_SYS(write),
	SCMP_SYS(lseek), SCMP_SYS(newfstatat), SCMP_SYS(fcntl), SCMP_SYS(fsync),
	SCMP_SYS(ftruncate), SCMP_SYS(fchmod), SCMP_SYS(mkdir), SCMP_SYS(rename),
	SCMP_SYS(unlink), SCMP_SYS(getdents64),
	/* channels and the console's socket */
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(accept4), SCMP_SYS(getsockopt),
	SCMP_SYS(shutdown),
	/* threads, memory, time, identity, leaving (gettid: abort's own signal) */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(madvise),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
	SCMP_SYS(brk), SCMP_SYS(munlock), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(geteuid),
	SCMP_SYS(getrandom), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* The HSM behind a p11-kit server: p11-kit-client reconnects with
 * socket(AF_UNIX, SOCK_STREAM, 0) and connect (measured with strace while the
 * server was killed and restarted; hsm/README.md). Any other socket stays
 * killed: the masked type ignores SOCK_CLOEXEC and SOCK_NONBLOCK only. */
static int allow_hsm_socket(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
			     SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
			     SCMP_A1(SCMP_CMP_MASKED_EQ, ~(uint64_t)(SOCK_CLOEXEC | SOCK_NONBLOCK),
				     SOCK_STREAM)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(connect), 0) != 0) {
		snprintf(err, errlen, "seccomp: cannot add the HSM socket rules");
		return -1;
	}
	return 0;
}

int custodian_sandbox(int hsm_over_socket, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;

	if (sandbox_filter_create(&ctx, allowed, sizeof(allowed) / sizeof(allowed[0]), err,
				  errlen) != 0)
		return -1;
	if (sandbox_allow_threads(ctx, err, errlen) != 0 ||
	    (hsm_over_socket && allow_hsm_socket(ctx, err, errlen) != 0)) {
		seccomp_release(ctx);
		return -1;
	}
	return sandbox_filter_install(ctx, err, errlen);
}
#else
int custodian_sandbox(int hsm_over_socket, char *err, size_t errlen)
{
	(void)hsm_over_socket;
	return sandbox_no_new_privs(err, errlen);
}
#endif
