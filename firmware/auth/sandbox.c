/* ca-auth's sandbox: no_new_privs and a libseccomp allow-list whose default
 * action kills the process. ca-auth hands network bytes (NTLM tokens) to
 * gss-ntlmssp, a C parser, while it can read the account file: the filter keeps
 * a compromised parser from executing programs, opening files for writing,
 * making sockets or signalling other processes. What stays allowed is what a
 * logon needs, as measured with strace: IPC on the descriptor it has, threads,
 * memory (gconv and OpenSSL modules are mapped at the first logon), and opening
 * files read-only (the account file on every logon, openssl.cnf and gconv
 * modules once). gss-ntlmssp looks for winbindd for a user it does not know; a
 * socket() there fails with EACCES instead of killing the process. */
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>

#include "config.h"
#include "firmware/auth/auth.h"
#include "platform/log.h"

#ifdef CONFIG_SECCOMP
#include "platform/sandbox.h"

static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(close), SCMP_SYS(shutdown),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(pread64),
	SCMP_SYS(getdents64), SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(uname),
	SCMP_SYS(futex), SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq), SCMP_SYS(madvise), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mprotect), SCMP_SYS(brk), SCMP_SYS(mremap), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigaction), SCMP_SYS(sched_yield),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(getrandom), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(tgkill),
	/* new threads under ASan, and glibc's CPU count */
	SCMP_SYS(sched_getaffinity), SCMP_SYS(sigaltstack),
};

void auth_sandbox(void)
{
	scmp_filter_ctx ctx;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal("no_new_privs");
	ctx = sandbox_filter_new(allowed, sizeof(allowed) / sizeof(allowed[0]));
	/* openat and open only read-only: the access mode bits must be O_RDONLY. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
			     SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
			     SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 0) != 0)
		fatalx("seccomp: cannot add the open/socket rules");
	sandbox_filter_load(ctx);
}
#else
void auth_sandbox(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		fatal("no_new_privs");
}
#endif
