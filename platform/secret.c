/* Secrets in locked, non-dumpable memory; see secret.h. */
#include "platform/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

static int secret_alloc(struct secret *s)
{
	/* One page, locked so it never reaches swap, and excluded from core dumps. */
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	(void)mlock(p, pg); /* best effort: RLIMIT_MEMLOCK may be 0 for a user */
	(void)madvise(p, pg, MADV_DONTDUMP);
	s->buf = p;
	s->len = 0;
	return 0;
}

void secret_wipe(struct secret *s)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	if (s->buf == NULL)
		return;
	explicit_bzero(s->buf, pg);
	munlock(s->buf, pg);
	munmap(s->buf, pg);
	s->buf = NULL;
	s->len = 0;
}

int secret_dup(const struct secret *src, struct secret *dst)
{
	if (secret_alloc(dst) != 0)
		return -1;
	memcpy(dst->buf, src->buf, src->len);
	dst->buf[src->len] = 0;
	dst->len = src->len;
	return 0;
}

/* Validates and trims what a reader put into s->buf[0..n). */
static int secret_finish(struct secret *s, size_t n, int truncated, char *err, size_t errlen)
{
	if (truncated) {
		snprintf(err, errlen, "secret longer than %d bytes", SECRET_MAX);
		goto bad;
	}
	if (n > 0 && s->buf[n - 1] == '\n')
		n--;
	if (n > 0 && s->buf[n - 1] == '\r')
		n--;
	if (n == 0) {
		snprintf(err, errlen, "secret is empty");
		goto bad;
	}
	if (memchr(s->buf, 0, n) != NULL || memchr(s->buf, '\n', n) != NULL) {
		snprintf(err, errlen, "secret contains a NUL or newline byte");
		goto bad;
	}
	s->buf[n] = 0;
	s->len = n;
	return 0;
bad:
	secret_wipe(s);
	return -1;
}

int secret_read_fd(int fd, struct secret *s, char *err, size_t errlen)
{
	size_t n = 0;
	int truncated = 0;

	if (secret_alloc(s) != 0) {
		snprintf(err, errlen, "cannot allocate secret memory: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, s->buf + n, SECRET_MAX + 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot read secret from fd %d: %s", fd, strerror(errno));
			secret_wipe(s);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == SECRET_MAX + 1) {
			/* Full: accept only if the extra byte is the final newline. */
			char c;
			if (s->buf[SECRET_MAX] != '\n' || read(fd, &c, 1) > 0)
				truncated = 1;
			break;
		}
	}
	return secret_finish(s, n, truncated, err, errlen);
}

int secret_read_file(const char *path, struct secret *s, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open secret file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "secret file %s is not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "secret file %s is owned by uid %u, not root", path,
			 (unsigned)st.st_uid);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "secret file %s is readable by others (mode %03o); "
			 "chmod 600 it", path, (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	rc = secret_read_fd(fd, s, err, errlen);
	close(fd);
	return rc;
}

int secret_read_tty(const char *prompt, struct secret *s, char *err, size_t errlen)
{
	struct termios old, quiet;
	int fd, rc;
	size_t n = 0;
	int truncated = 0;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen, "no terminal to read the secret from "
			 "(use a PIN file or descriptor): %s", strerror(errno));
		return -1;
	}
	if (secret_alloc(s) != 0) {
		snprintf(err, errlen, "cannot allocate secret memory");
		close(fd);
		return -1;
	}
	(void)!write(fd, prompt, strlen(prompt));
	if (tcgetattr(fd, &old) != 0) {
		snprintf(err, errlen, "cannot read terminal settings: %s", strerror(errno));
		secret_wipe(s);
		close(fd);
		return -1;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	while (n < SECRET_MAX + 1) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		s->buf[n++] = (uint8_t)c;
	}
	if (n == SECRET_MAX + 1)
		truncated = 1;
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	close(fd);
	rc = secret_finish(s, n, truncated, err, errlen);
	return rc;
}
