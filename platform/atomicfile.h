/* Atomic replacement of a file: write a temporary file in the same directory,
 * fsync it, rename it over the target, fsync the directory. A crash leaves either
 * the old file or the new one, never a mix. */
#ifndef PLATFORM_ATOMICFILE_H
#define PLATFORM_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* 0 or -1 with errno set. */
int atomicfile_write(const char *path, const void *data, size_t len, mode_t mode);
/* Reads up to size bytes of fd (what it holds, to its end or size) into a
 * malloc()ed, NUL-terminated buffer; *len says how many (fewer when the file
 * shrank). EINTR is retried. 0, or -1 with errno (out of memory). fd is left
 * open. */
int fd_read_up_to(int fd, size_t size, unsigned char **data, size_t *len);
/* Reads a whole file (at most max bytes) into a malloc()ed, NUL-terminated buffer. */
int file_read_all(const char *path, size_t max, unsigned char **data, size_t *len);

#endif
