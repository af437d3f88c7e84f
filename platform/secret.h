/* Secrets (PINs, passphrases) in locked memory that is excluded from core dumps
 * and wiped with explicit_bzero when released. A secret is read from a file
 * descriptor, from a root-only file, or from the terminal without echo; never
 * from argv or the environment (DESIGN.md, security rules). */
#ifndef PLATFORM_SECRET_H
#define PLATFORM_SECRET_H

#include <stddef.h>
#include <stdint.h>

#define SECRET_MAX 256 /* longest secret accepted, in bytes */

struct secret {
	uint8_t *buf; /* mlock()ed, MADV_DONTDUMP, SECRET_MAX + 1 bytes, NUL-terminated */
	size_t len;
};

/* Each reader strips one trailing "\n" or "\r\n", refuses an empty or over-long
 * secret and a NUL byte inside it, and returns 0 or -1 with a message in err. */
int secret_read_fd(int fd, struct secret *s, char *err, size_t errlen);
/* The file must be a regular file owned by root or by the effective user, with no
 * group or other permission bits (0400/0600). */
int secret_read_file(const char *path, struct secret *s, char *err, size_t errlen);
/* Prompts on /dev/tty with echo off. */
int secret_read_tty(const char *prompt, struct secret *s, char *err, size_t errlen);
/* Copies src into a new secret. */
int secret_dup(const struct secret *src, struct secret *dst);
/* Wipes and releases; safe on a zeroed or already wiped struct. */
void secret_wipe(struct secret *s);

#endif
