/* ca-auth's jail and sandbox. ca-auth hands network bytes (NTLM tokens) to
 * gss-ntlmssp, a C parser, while it can read the account file: whoever takes
 * over that parser must find nothing else to read and nothing to do.
 *
 * The jail (auth_jail, as root, after everything is loaded): chroot to DATA/auth,
 * where the account file is the only file, then an empty capability bounding
 * set, setgroups/setgid/setuid to ca-auth's user, and a check that no
 * capability is left. gss-ntlmssp opens the account file by path at every logon
 * (fopen(NTLM_USER_FILE)), so an open() has to stay allowed; the chroot is what
 * makes the account file the only one it can reach: the PIN file, the token
 * directory, /proc and /etc/shadow are not in its file system.
 *
 * The filter (auth_sandbox): no_new_privs and a libseccomp allow-list whose
 * default action kills the process, as measured with strace over logons (good,
 * refused, unknown user): IPC on the descriptor it has, threads, memory, and
 * openat read-only by path (the account file at each logon). No exec, no
 * write-open, no socket (gss-ntlmssp's winbind probe for an unknown user gets
 * EACCES rather than a kill), no pread64 or getdents64, and signals only to
 * itself (tgkill with its own pid: abort()). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "firmware/auth/auth.h"
#include "platform/errbuf.h"

/* Every capability set empty: effective, permitted, inheritable (both words). */
static int no_capability(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) != 0)
		return 0;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective != 0 || d[i].permitted != 0 || d[i].inheritable != 0)
			return 0;
	return 1;
}

int auth_jail(const char *dir, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (chroot(dir) != 0 || chdir("/") != 0)
		return err_set(err, errlen, "cannot chroot to %s: %s", dir, strerror(errno));
	/* The bounding set too (while root may still drop it): nothing could ever
	 * be regained, even by an exec the filter forbids anyway. */
	for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
			return err_set(err, errlen, "cannot drop capability %d from the bounding "
				       "set: %s", cap, strerror(errno));
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
		return err_set(err, errlen, "cannot become uid %d: %s", (int)uid, strerror(errno));
	/* root must be gone for good, and with it every capability */
	if (setuid(0) == 0 || getuid() != uid || geteuid() != uid || getgid() != gid)
		return err_set(err, errlen, "still able to become root after dropping to uid %d",
			       (int)uid);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
		return err_set(err, errlen, "cannot clear the ambient capabilities: %s",
			       strerror(errno));
	if (!no_capability())
		return err_set(err, errlen, "capabilities left after dropping to uid %d", (int)uid);
	return 0;
}

#ifdef CONFIG_SECCOMP
#include "platform/sandbox.h"

static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendto),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(close), SCMP_SYS(shutdown),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(access),
	SCMP_SYS(faccessat), SCMP_SYS(uname),
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), /* threads: sandbox_allow_threads */
	SCMP_SYS(rseq), SCMP_SYS(madvise), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mprotect), SCMP_SYS(brk), SCMP_SYS(mremap), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigaction), SCMP_SYS(sched_yield),
	SCMP_SYS(clock_gettime),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep), SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(getrandom), SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* the attributes file must be this user's own (firmware/identity/attrs.c) */
	SCMP_SYS(geteuid),
	/* new threads under ASan, and glibc's CPU count */
	SCMP_SYS(sched_getaffinity), SCMP_SYS(sigaltstack),
};

int auth_sandbox(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;

	if (sandbox_filter_create(&ctx, allowed, sizeof(allowed) / sizeof(allowed[0]), err,
				  errlen) != 0)
		return -1;
	/* Threads only (clone with pthread_create's flags, clone3 ENOSYS), and
	 * tgkill towards this process alone: the shared rule of every daemon. */
	if (sandbox_allow_threads(ctx, err, errlen) != 0) {
		seccomp_release(ctx);
		return -1;
	}
	/* openat and open only read-only: the access mode bits must be O_RDONLY
	 * (in the jail only the account file is there to open), and openat only by
	 * path (AT_FDCWD, the 32 bits of an int), never relative to a descriptor. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 2,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint32_t)AT_FDCWD),
			     SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
			     SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 0) != 0) {
		seccomp_release(ctx);
		return err_set(err, errlen, "seccomp: cannot add the open/socket rules");
	}
	/* MIT's keytab reader (Kerberos logons, krb.c) marks the keytab's
	 * descriptor close-on-exec and takes a shared lock on it while reading
	 * (strace: F_SETFD, then F_OFD_SETLKW F_RDLCK / F_UNLCK). Those commands
	 * only; a lock touches nothing but the file the jail lets it read. */
	static const int fcntl_cmds[] = {F_SETFD, F_GETFD, F_GETFL, F_OFD_SETLKW, F_OFD_SETLK,
					 F_SETLKW, F_SETLK};
	for (size_t i = 0; i < sizeof(fcntl_cmds) / sizeof(fcntl_cmds[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				     SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i])) != 0) {
			seccomp_release(ctx);
			return err_set(err, errlen, "seccomp: cannot add the fcntl rules");
		}
	return sandbox_filter_install(ctx, err, errlen); /* no_new_privs, then the load */
}
#else
int auth_sandbox(char *err, size_t errlen)
{
	return sandbox_no_new_privs(err, errlen);
}
#endif
