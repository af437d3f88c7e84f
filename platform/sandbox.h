/* The part of a seccomp sandbox every sandboxed process shares (ca-worker,
 * ca-auth, ca-custodian, ca-ledger): a libseccomp filter whose default action
 * kills the process, built from the process's own allow-list, threads without
 * any other kind of clone, and its loading with no_new_privs, foreign
 * architectures killed and every thread of the process covered. Each process
 * keeps its list and its extra rules next to its code. Only with
 * CONFIG_SECCOMP; callers link -lseccomp.
 *
 * The sandbox_* functions that take err/errlen return 0 or -1 with a message;
 * sandbox_filter_new/sandbox_filter_load are the same for start-up code that
 * has nothing better to do than stop (they call fatalx). */
#ifndef PLATFORM_SANDBOX_H
#define PLATFORM_SANDBOX_H

#include <stddef.h>

#include "config.h"

/* no_new_privs: neither exec nor anything else can give this process (or a
 * child) privileges it does not have. The filter needs it as a non-root user. */
int sandbox_no_new_privs(char *err, size_t errlen);

#ifdef CONFIG_SECCOMP
#include <seccomp.h>

/* A filter that allows the n system calls of allowed and kills the process on
 * anything else (CONFIG_SECCOMP_LOG: logs instead, for measuring a list only).
 * Under AddressSanitizer the calls its reports and leak check make are allowed
 * too. Add further rules, then sandbox_filter_install. */
int sandbox_filter_create(scmp_filter_ctx *out, const int *allowed, size_t n, char *err,
			  size_t errlen);
/* Lets the process make threads and nothing else: clone with the flags
 * pthread_create uses (a fork, a vfork or a clone into new namespaces is
 * killed), and clone3, whose flags sit in memory a filter cannot read, fails
 * with ENOSYS so that glibc falls back to clone. tgkill is allowed towards this
 * process's own threads only. */
int sandbox_allow_threads(scmp_filter_ctx ctx, char *err, size_t errlen);
/* Sets no_new_privs, kills a foreign architecture's system calls too, loads the
 * filter on every thread of the process (threads already running included) and
 * frees ctx, whether it succeeds or not. */
int sandbox_filter_install(scmp_filter_ctx ctx, char *err, size_t errlen);

/* sandbox_filter_create, fatal on failure. */
scmp_filter_ctx sandbox_filter_new(const int *allowed, size_t n);
/* sandbox_filter_install, fatal on failure. */
void sandbox_filter_load(scmp_filter_ctx ctx);
#endif

#endif
