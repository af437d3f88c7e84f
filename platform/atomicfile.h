/* Atomic replacement of a file: write a temporary file in the same directory,
 * fsync it, rename it over the target, fsync the directory. A crash leaves either
 * the old file or the new one, never a mix. */
#ifndef PLATFORM_ATOMICFILE_H
#define PLATFORM_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* 0 or -1 with errno set. */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode);
/* Reads a whole file (at most max bytes) into a malloc()ed, NUL-terminated buffer. */
int file_read_all(const char *path, size_t max, unsigned char **data, size_t *len);

#endif
