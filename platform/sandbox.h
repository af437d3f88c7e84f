/* The part of a seccomp sandbox every sandboxed process shares (ca-worker,
 * ca-auth): a libseccomp filter whose default action kills the process, built
 * from the process's own allow-list, and its loading. Each process keeps its
 * list and its extra rules next to its code. Only with CONFIG_SECCOMP; callers
 * link -lseccomp. */
#ifndef PLATFORM_SANDBOX_H
#define PLATFORM_SANDBOX_H

#include "config.h"

#ifdef CONFIG_SECCOMP
#include <stddef.h>
#include <seccomp.h>

/* A filter that allows the n system calls of allowed and kills on anything else;
 * fatal if libseccomp refuses. Add further rules, then sandbox_filter_load. */
scmp_filter_ctx sandbox_filter_new(const int *allowed, size_t n);
/* Kills on a foreign architecture's system calls too, loads the filter and frees
 * ctx; fatal if the kernel refuses. */
void sandbox_filter_load(scmp_filter_ctx ctx);
#endif

#endif
