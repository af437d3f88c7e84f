/* Test support: a connection to an in-process worker (worker_link.h). */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/support/worker_link.h"

static void *serve_thread(void *arg)
{
	struct link *l = arg;

	worker_serve_conn(l->w, l->fds[1], l->port, PEER, &l->ref);
	/* main.c closes the connection here: the client sees its end */
	shutdown(l->fds[1], SHUT_RDWR);
	return NULL;
}

void link_open(struct link *l, struct worker *w, enum worker_port port)
{
	int evicted;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l->fds), 0);
	l->w = w;
	l->port = port;
	assert_int_equal(slots_admit(&w->slots, port, 0x0700000c, l->fds[1], &l->ref, &evicted),
			 0);
	assert_int_equal(evicted, 0);
	assert_int_equal(pthread_create(&l->thread, NULL, serve_thread, l), 0);
}

void link_close(struct link *l)
{
	shutdown(l->fds[0], SHUT_RDWR);
	pthread_join(l->thread, NULL);
	slots_release(&l->w->slots, &l->ref);
	close(l->fds[0]);
	close(l->fds[1]);
}

void link_send_all(int fd, const struct tbuf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = write(fd, b->p + off, b->len - off);

		assert_true(n > 0);
		off += (size_t)n;
	}
}

/* n octets: 1, or 0 at the end of the stream; fails after IO_TIMEOUT_MS. */
static int recv_exact(int fd, uint8_t *p, size_t n)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};

	while (n > 0) {
		ssize_t r;

		if (poll(&pf, 1, IO_TIMEOUT_MS) != 1)
			fail_msg("no answer from the worker within %d ms", IO_TIMEOUT_MS);
		r = read(fd, p, n);
		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

int link_recv_pdu(int fd, struct tbuf *b)
{
	static uint8_t pdu[65536];
	uint16_t frag_len;

	b->len = 0;
	if (!recv_exact(fd, pdu, 16))
		return 0;
	frag_len = rb_le16(pdu + 8);
	assert_true(frag_len >= 16);
	if (!recv_exact(fd, pdu + 16, frag_len - 16u))
		return 0;
	tb_put(b, pdu, frag_len);
	return 1;
}

void link_expect_pdu(int fd, struct tbuf *b)
{
	if (!link_recv_pdu(fd, b))
		fail_msg("the worker closed the connection");
}
