/* Unit tests of platform/ipc: framing over real AF_UNIX stream socketpairs,
 * descriptor passing, malformed frames, the whitelist and the payload codec. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "platform/ipc.h"

struct pair {
	int a, b; /* a: the sender's end, b: the receiver's */
	struct ipc_chan tx, rx;
};

static void pair_open(struct pair *p, uint32_t max_payload)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	p->a = sv[0];
	p->b = sv[1];
	ipc_chan_init(&p->tx, p->a, "tx", max_payload);
	ipc_chan_init(&p->rx, p->b, "worker", max_payload);
}

static void pair_close(struct pair *p)
{
	ipc_chan_free(&p->tx);
	ipc_chan_free(&p->rx);
	if (p->a >= 0)
		close(p->a);
	close(p->b);
}

/* The sender hangs up (the receiver sees EOF after what was written). */
static void pair_hangup(struct pair *p)
{
	close(p->a);
	p->a = -1;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A raw header, for frames ipc_send would refuse to produce. */
static void raw_hdr(uint8_t h[IPC_HDR_LEN], uint32_t type, uint32_t len, uint32_t id,
		    uint32_t flags)
{
	put32(h, type);
	put32(h + 4, len);
	put32(h + 8, id);
	put32(h + 12, flags);
}

static void write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* Sends len bytes with the given descriptors attached (nfds 0..2). */
static void send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)len);
}

/* True if no write end of the pipe is open anywhere: read() sees EOF. This is
 * how the tests prove that a rejected descriptor was closed, not leaked. */
static int pipe_has_no_writer(int rfd)
{
	char c;
	int fl = fcntl(rfd, F_GETFL);

	fcntl(rfd, F_SETFL, fl | O_NONBLOCK);
	return read(rfd, &c, 1) == 0;
}

static void expect_error(struct pair *p, const char *what)
{
	struct ipc_msg m;
	char err[256] = "";

	assert_int_equal(ipc_recv(&p->rx, &m, err, sizeof(err)), -1);
	if (strstr(err, what) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", err, what);
	assert_null(m.data);
	assert_int_equal(m.fd, -1);
}

/* ---- round trips ---- */

static void test_empty_frame(void **state)
{
	struct pair p;
	struct ipc_msg m;
	char err[256];

	(void)state;
	pair_open(&p, 1024);
	assert_int_equal(ipc_send(&p.tx, 7, 42, NULL, 0, -1), 0);
	assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 1);
	assert_int_equal(m.hdr.type, 7);
	assert_int_equal(m.hdr.id, 42);
	assert_int_equal(m.hdr.len, 0);
	assert_int_equal(m.hdr.flags, 0);
	assert_null(m.data);
	assert_int_equal(m.fd, -1);
	ipc_msg_free(&m);
	pair_close(&p);
}

static void test_one_byte_frame(void **state)
{
	struct pair p;
	struct ipc_msg m;
	char err[256];
	uint8_t b = 0xa5;

	(void)state;
	pair_open(&p, 1024);
	assert_int_equal(ipc_send(&p.tx, 0xffffffffu, 0, &b, 1, -1), 0);
	assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 1);
	assert_int_equal(m.hdr.type, 0xffffffffu);
	assert_int_equal(m.hdr.len, 1);
	assert_int_equal(m.data[0], 0xa5);
	ipc_msg_free(&m);
	/* then a clean EOF between frames, named in err: caadm printed an unwritten
	 * buffer here once (CI of stop 27) */
	pair_hangup(&p);
	memset(err, 0x93, sizeof(err));
	assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 0);
	assert_string_equal(err, "worker closed the channel");
	pair_close(&p);
}

struct bulk {
	struct ipc_chan *c;
	uint32_t type;
	const uint8_t *data;
	size_t len;
	int frames;
	int rc;
};

static void *bulk_sender(void *arg)
{
	struct bulk *b = arg;
	int i;

	b->rc = 0;
	for (i = 0; i < b->frames && b->rc == 0; i++)
		b->rc = ipc_send(b->c, b->type, (uint32_t)i, b->data, b->len, -1);
	return NULL;
}

static void test_large_frame(void **state)
{
	const size_t len = 1024 * 1024;
	struct pair p;
	struct ipc_msg m;
	char err[256];
	uint8_t *buf = malloc(len);
	struct bulk b;
	pthread_t t;
	size_t i;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 13));
	pair_open(&p, 2 * 1024 * 1024);
	/* 1 MiB exceeds the socket buffer: the writer blocks while we read. */
	b = (struct bulk){ .c = &p.tx, .type = 3, .data = buf, .len = len, .frames = 2 };
	assert_int_equal(pthread_create(&t, NULL, bulk_sender, &b), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 1);
		assert_int_equal(m.hdr.len, len);
		assert_int_equal(m.hdr.id, i);
		assert_memory_equal(m.data, buf, len);
		ipc_msg_free(&m);
	}
	pthread_join(t, NULL);
	assert_int_equal(b.rc, 0);
	free(buf);
	pair_close(&p);
}

static void test_back_to_back(void **state)
{
	enum { N = 100 };
	uint8_t *wire = malloc(N * (IPC_HDR_LEN + N));
	size_t off = 0;
	struct pair p;
	struct ipc_msg m;
	char err[256];
	int i;

	(void)state;
	assert_non_null(wire);
	for (i = 0; i < N; i++) {
		raw_hdr(wire + off, 100 + (uint32_t)i, (uint32_t)i, (uint32_t)i, 0);
		off += IPC_HDR_LEN;
		memset(wire + off, i, (size_t)i);
		off += (size_t)i;
	}
	pair_open(&p, 1024);
	write_all(p.a, wire, off); /* one write, ~6 KB: fits the socket buffer */
	pair_hangup(&p);
	for (i = 0; i < N; i++) {
		uint8_t want[N];

		assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 1);
		assert_int_equal(m.hdr.type, 100 + i);
		assert_int_equal(m.hdr.len, i);
		memset(want, i, sizeof(want));
		if (i > 0)
			assert_memory_equal(m.data, want, (size_t)i);
		ipc_msg_free(&m);
	}
	assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 0);
	free(wire);
	pair_close(&p);
}

/* Feeds one frame a byte at a time through a poll()-style loop (non-blocking
 * receiver, ipc_fill + ipc_next); the descriptor, if any, with the first byte. */
static void feed_bytewise(struct pair *p, const uint8_t *frame, size_t len, int fd,
			  struct ipc_msg *m)
{
	char err[256];
	size_t i;

	for (i = 0; i < len; i++) {
		int r;

		if (i == 0 && fd >= 0)
			send_with_fds(p->a, frame, 1, &fd, 1);
		else
			write_all(p->a, frame + i, 1);
		assert_true(ipc_fill(&p->rx) > 0);
		r = ipc_next(&p->rx, m, err, sizeof(err));
		if (i + 1 < len) {
			assert_int_equal(r, 0);
			/* nothing more to read: EAGAIN, not EOF */
			assert_int_equal(ipc_fill(&p->rx), -1);
			assert_int_equal(errno, EAGAIN);
		} else {
			assert_int_equal(r, 1);
		}
	}
}

static void test_byte_by_byte(void **state)
{
	uint8_t frame[IPC_HDR_LEN + 5];
	struct pair p;
	struct ipc_msg m;
	char err[256];
	int pfd[2];

	(void)state;
	pair_open(&p, 1024);
	fcntl(p.b, F_SETFL, O_NONBLOCK);
	raw_hdr(frame, 9, 5, 77, 0);
	memcpy(frame + IPC_HDR_LEN, "hello", 5);
	feed_bytewise(&p, frame, sizeof(frame), -1, &m);
	assert_int_equal(m.hdr.type, 9);
	assert_int_equal(m.hdr.id, 77);
	assert_memory_equal(m.data, "hello", 5);
	ipc_msg_free(&m);

	/* again with a descriptor */
	assert_int_equal(pipe(pfd), 0);
	raw_hdr(frame, 10, 5, 78, IPC_F_FD);
	feed_bytewise(&p, frame, sizeof(frame), pfd[1], &m);
	close(pfd[1]);
	assert_int_equal(m.hdr.flags, IPC_F_FD);
	assert_true(m.fd >= 0);
	write_all(m.fd, "x", 1);
	ipc_msg_free(&m);
	assert_int_equal(read(pfd[0], err, 1), 1);
	assert_true(pipe_has_no_writer(pfd[0]));
	close(pfd[0]);

	/* EOF: fill says 0, and no frame is pending */
	pair_hangup(&p);
	assert_int_equal(ipc_fill(&p.rx), 0);
	assert_int_equal(ipc_next(&p.rx, &m, err, sizeof(err)), 0);
	assert_int_equal(p.rx.rlen, 0);
	pair_close(&p);
}

static void test_fd_passing(void **state)
{
	struct pair p;
	struct ipc_msg m;
	char err[256], buf[8];
	int pfd[2];

	(void)state;
	pair_open(&p, 1024);
	assert_int_equal(pipe(pfd), 0);
	/* a frame without a descriptor first, then one with: each gets its own */
	assert_int_equal(ipc_send(&p.tx, 1, 1, "a", 1, -1), 0);
	assert_int_equal(ipc_send(&p.tx, 2, 2, "bb", 2, pfd[0]), 0);
	assert_int_equal(ipc_send(&p.tx, 3, 3, NULL, 0, -1), 0);
	close(pfd[0]);
	write_all(pfd[1], "pipe!", 5);
	close(pfd[1]);

	assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 1);
	assert_int_equal(m.fd, -1);
	ipc_msg_free(&m);

	assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 1);
	assert_int_equal(m.hdr.type, 2);
	assert_int_equal(m.hdr.flags, IPC_F_FD);
	assert_true(m.fd >= 0);
	assert_true(fcntl(m.fd, F_GETFD) & FD_CLOEXEC); /* MSG_CMSG_CLOEXEC */
	assert_int_equal(read(m.fd, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "pipe!", 5);
	ipc_msg_free(&m);
	assert_int_equal(m.fd, -1);

	assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 1);
	assert_int_equal(m.hdr.type, 3);
	assert_int_equal(m.fd, -1);
	ipc_msg_free(&m);
	pair_close(&p);
}

static void test_send_limits(void **state)
{
	struct pair p;
	uint8_t buf[65] = { 0 };

	(void)state;
	pair_open(&p, 64);
	errno = 0;
	assert_int_equal(ipc_send(&p.tx, 1, 1, buf, sizeof(buf), -1), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(ipc_send(&p.tx, 1, 1, NULL, 1, -1), -1);
	assert_int_equal(ipc_send(&p.tx, 1, 1, buf, 64, -1), 0);
	/* a hard cap applies whatever the channel asked for */
	ipc_chan_free(&p.rx);
	ipc_chan_init(&p.rx, p.b, "worker", 0xffffffffu);
	assert_int_equal(p.rx.max_payload, IPC_MAX_PAYLOAD);
	pair_close(&p);
}

/* ---- malformed frames ---- */

static void test_len_over_max(void **state)
{
	uint8_t h[IPC_HDR_LEN];
	struct pair p;

	(void)state;
	pair_open(&p, 64);
	raw_hdr(h, 1, 65, 0, 0);
	write_all(p.a, h, sizeof(h)); /* no payload: rejected on the header alone */
	expect_error(&p, "length 65 over the limit 64");
	pair_close(&p);

	/* 0xFFFFFFFF: refused before any allocation, even at the hard cap */
	pair_open(&p, IPC_MAX_PAYLOAD);
	raw_hdr(h, 1, 0xffffffffu, 0, 0);
	write_all(p.a, h, sizeof(h));
	expect_error(&p, "over the limit");
	assert_true(p.rx.rcap < 1024 * 1024);
	pair_close(&p);
}

static void test_unknown_flags(void **state)
{
	uint8_t h[IPC_HDR_LEN];
	struct pair p;

	(void)state;
	pair_open(&p, 64);
	raw_hdr(h, 1, 0, 0, 0x2);
	write_all(p.a, h, sizeof(h));
	expect_error(&p, "unknown flags 0x2");
	pair_close(&p);
}

static void test_fd_flag_without_fd(void **state)
{
	uint8_t h[IPC_HDR_LEN + 1];
	struct pair p;

	(void)state;
	pair_open(&p, 64);
	raw_hdr(h, 4, 1, 0, IPC_F_FD);
	h[IPC_HDR_LEN] = 0;
	write_all(p.a, h, sizeof(h));
	expect_error(&p, "IPC_F_FD without a descriptor");
	pair_close(&p);
}

static void test_fd_without_flag(void **state)
{
	uint8_t h[IPC_HDR_LEN];
	struct pair p;
	int pfd[2];

	(void)state;
	pair_open(&p, 64);
	assert_int_equal(pipe(pfd), 0);
	raw_hdr(h, 5, 0, 0, 0);
	send_with_fds(p.a, h, sizeof(h), &pfd[1], 1);
	close(pfd[1]);
	expect_error(&p, "descriptor attached without IPC_F_FD");
	assert_int_equal(p.rx.rfd, -1);
	assert_true(pipe_has_no_writer(pfd[0])); /* closed, not leaked */
	close(pfd[0]);
	pair_close(&p);
}

static void test_two_fds(void **state)
{
	uint8_t h[IPC_HDR_LEN];
	struct pair p;
	int p1[2], p2[2], fds[2];

	(void)state;
	pair_open(&p, 64);
	assert_int_equal(pipe(p1), 0);
	assert_int_equal(pipe(p2), 0);
	raw_hdr(h, 5, 0, 0, IPC_F_FD);
	fds[0] = p1[1];
	fds[1] = p2[1];
	send_with_fds(p.a, h, sizeof(h), fds, 2);
	close(p1[1]);
	close(p2[1]);
	expect_error(&p, "more than one descriptor");
	ipc_chan_free(&p.rx); /* the channel is dead; freeing closes the first */
	ipc_chan_init(&p.rx, p.b, "worker", 64);
	assert_true(pipe_has_no_writer(p1[0]));
	assert_true(pipe_has_no_writer(p2[0]));
	close(p1[0]);
	close(p2[0]);
	pair_close(&p);
}

static void test_eof_in_header(void **state)
{
	uint8_t h[IPC_HDR_LEN];
	struct pair p;

	(void)state;
	pair_open(&p, 64);
	raw_hdr(h, 1, 0, 0, 0);
	write_all(p.a, h, 5);
	pair_hangup(&p);
	expect_error(&p, "EOF from worker inside a frame header (5 of 16 bytes)");
	pair_close(&p);
}

static void test_eof_in_payload(void **state)
{
	uint8_t h[IPC_HDR_LEN + 3];
	struct pair p;

	(void)state;
	pair_open(&p, 64);
	raw_hdr(h, 1, 10, 0, 0);
	memset(h + IPC_HDR_LEN, 'x', 3);
	write_all(p.a, h, sizeof(h));
	pair_hangup(&p);
	expect_error(&p, "inside a frame payload (3 of 10 bytes)");
	pair_close(&p);
}

/* ---- concurrent senders ---- */

static void *tagged_sender(void *arg)
{
	struct bulk *b = arg;
	uint8_t *buf = malloc(b->len);
	int i;

	b->rc = buf != NULL ? 0 : -1;
	for (i = 0; i < b->frames && b->rc == 0; i++) {
		/* sizes vary up to more than the socket buffer: short writes happen */
		size_t len = (size_t)(i * 7919) % b->len + 1;

		memset(buf, (int)(b->type * 16 + (uint32_t)i % 16), len);
		b->rc = ipc_send(b->c, b->type, (uint32_t)i, buf, len, -1);
	}
	free(buf);
	return NULL;
}

static void test_concurrent_send(void **state)
{
	enum { FRAMES = 200 };
	struct pair p;
	struct bulk b[2];
	pthread_t t[2];
	int next[2] = { 0, 0 };
	int i, k;

	(void)state;
	pair_open(&p, 1024 * 1024);
	for (k = 0; k < 2; k++) {
		b[k] = (struct bulk){ .c = &p.tx, .type = (uint32_t)k + 1, .len = 300000,
				      .frames = FRAMES };
		assert_int_equal(pthread_create(&t[k], NULL, tagged_sender, &b[k]), 0);
	}
	for (i = 0; i < 2 * FRAMES; i++) {
		struct ipc_msg m;
		char err[256];
		uint32_t j;
		uint8_t tag;

		assert_int_equal(ipc_recv(&p.rx, &m, err, sizeof(err)), 1);
		assert_true(m.hdr.type == 1 || m.hdr.type == 2);
		k = (int)m.hdr.type - 1;
		assert_int_equal(m.hdr.id, next[k]); /* each sender's frames in order */
		next[k]++;
		tag = (uint8_t)(m.hdr.type * 16 + m.hdr.id % 16);
		assert_int_equal(m.hdr.len, (size_t)(m.hdr.id * 7919) % 300000 + 1);
		for (j = 0; j < m.hdr.len; j++)
			if (m.data[j] != tag)
				fail_msg("frame %u of sender %u interleaved at byte %u", m.hdr.id,
					 m.hdr.type, j);
		ipc_msg_free(&m);
	}
	for (k = 0; k < 2; k++) {
		pthread_join(t[k], NULL);
		assert_int_equal(b[k].rc, 0);
	}
	pair_close(&p);
}

/* ---- whitelist ---- */

enum { ST_INIT, ST_READY };

static const struct ipc_rule rules[] = {
	{ .type = 3, .states = 1u << ST_READY, .min_len = 16, .max_len = 64, .fd = 0 },
	{ .type = 4, .states = 1u << ST_INIT | 1u << ST_READY, .min_len = 0, .max_len = 8,
	  .fd = 1 },
	{ .type = 5, .states = 1u << ST_INIT, .min_len = 0, .max_len = 0, .fd = 0 },
	/* the same type with other bounds in another state */
	{ .type = 5, .states = 1u << ST_READY, .min_len = 4, .max_len = 4, .fd = 0 },
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static const struct ipc_rule *check(uint32_t state, uint32_t type, uint32_t len, int fd,
				    char *err, size_t errlen)
{
	struct ipc_chan c;
	struct ipc_msg m = { .hdr = { .type = type, .len = len }, .fd = fd };
	const struct ipc_rule *r;

	ipc_chan_init(&c, -1, "worker", 1024);
	r = ipc_check(rules, NRULES, state, &c, &m, err, errlen);
	ipc_chan_free(&c);
	return r;
}

static void test_whitelist(void **state)
{
	char err[256];

	(void)state;
	assert_ptr_equal(check(ST_READY, 3, 16, -1, err, sizeof(err)), &rules[0]);
	assert_ptr_equal(check(ST_READY, 3, 64, -1, err, sizeof(err)), &rules[0]);
	assert_ptr_equal(check(ST_INIT, 4, 0, 9, err, sizeof(err)), &rules[1]);
	assert_ptr_equal(check(ST_INIT, 5, 0, -1, err, sizeof(err)), &rules[2]);
	assert_ptr_equal(check(ST_READY, 5, 4, -1, err, sizeof(err)), &rules[3]);

	assert_null(check(ST_READY, 7, 0, -1, err, sizeof(err)));
	assert_string_equal(err, "unexpected message type 7 from worker in state 1");
	assert_null(check(ST_INIT, 3, 16, -1, err, sizeof(err)));
	assert_string_equal(err, "unexpected message type 3 from worker in state 0");
	assert_null(check(40, 3, 16, -1, err, sizeof(err))); /* no shift overflow */
	assert_null(check(ST_READY, 3, 9, -1, err, sizeof(err)));
	assert_string_equal(err, "message type 3 from worker: length 9 outside [16, 64]");
	assert_null(check(ST_READY, 3, 65, -1, err, sizeof(err)));
	assert_string_equal(err, "message type 3 from worker: length 65 outside [16, 64]");
	assert_null(check(ST_READY, 5, 0, -1, err, sizeof(err)));
	assert_null(check(ST_INIT, 4, 0, -1, err, sizeof(err)));
	assert_string_equal(err, "message type 4 from worker: descriptor required");
	assert_null(check(ST_READY, 3, 16, 9, err, sizeof(err)));
	assert_string_equal(err, "message type 3 from worker: unexpected descriptor");
}

/* ---- codec ---- */

/* A message holding the writer's bytes, as ipc_next would deliver it. */
static struct ipc_msg msg_of(const struct ipc_wbuf *w)
{
	struct ipc_msg m = { .hdr = { .len = (uint32_t)w->len }, .fd = -1 };

	m.data = w->data;
	return m;
}

static void test_codec_round_trip(void **state)
{
	struct ipc_wbuf w;
	struct ipc_rbuf r;
	struct ipc_msg m;
	const uint8_t *p;
	size_t len;
	char s[16];
	static const uint8_t blob[3] = { 0, 0xff, 7 };

	(void)state;
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 0xdeadbeef);
	ipc_put_u64(&w, 0x0123456789abcdefULL);
	ipc_put_bytes(&w, blob, sizeof(blob));
	ipc_put_bytes(&w, NULL, 0);
	ipc_put_str(&w, "hello");
	ipc_put_str(&w, "");
	assert_int_equal(w.failed, 0);
	assert_int_equal(w.len, 4 + 8 + 4 + 3 + 4 + 4 + 5 + 4);
	assert_int_equal(w.data[0], 0xef); /* little-endian */

	m = msg_of(&w);
	ipc_rbuf_init(&r, &m);
	assert_int_equal(ipc_get_u32(&r), 0xdeadbeef);
	assert_true(ipc_get_u64(&r) == 0x0123456789abcdefULL);
	ipc_get_bytes(&r, &p, &len, 3);
	assert_int_equal(len, 3);
	assert_memory_equal(p, blob, 3);
	ipc_get_bytes(&r, &p, &len, 0);
	assert_int_equal(len, 0);
	ipc_get_str(&r, s, sizeof(s));
	assert_string_equal(s, "hello");
	ipc_get_str(&r, s, sizeof(s));
	assert_string_equal(s, "");
	assert_int_equal(ipc_rbuf_done(&r), 0);
	ipc_wbuf_free(&w);
	assert_null(w.data);
}

static void test_codec_short_reads(void **state)
{
	uint8_t three[3] = { 1, 2, 3 };
	struct ipc_msg m = { .hdr = { .len = 3 }, .data = three, .fd = -1 };
	struct ipc_msg empty = { .fd = -1 };
	struct ipc_rbuf r;
	const uint8_t *p;
	size_t len;

	(void)state;
	ipc_rbuf_init(&r, &m);
	assert_int_equal(ipc_get_u32(&r), 0);
	assert_int_equal(ipc_rbuf_done(&r), -1);

	ipc_rbuf_init(&r, &empty);
	assert_int_equal(ipc_rbuf_done(&r), 0);
	assert_true(ipc_get_u64(&r) == 0);
	assert_int_equal(r.failed, 1);
	ipc_get_bytes(&r, &p, &len, 10); /* failure is sticky */
	assert_null(p);
	assert_int_equal(ipc_rbuf_done(&r), -1);
}

static void test_codec_trailing(void **state)
{
	struct ipc_wbuf w;
	struct ipc_rbuf r;
	struct ipc_msg m;

	(void)state;
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 1);
	ipc_put_u32(&w, 2);
	m = msg_of(&w);
	ipc_rbuf_init(&r, &m);
	assert_int_equal(ipc_get_u32(&r), 1);
	assert_int_equal(r.failed, 0);
	assert_int_equal(ipc_rbuf_done(&r), -1); /* 4 bytes left over */
	ipc_wbuf_free(&w);
}

static void test_codec_bad_strings(void **state)
{
	uint8_t nul[4 + 3] = { 3, 0, 0, 0, 'a', 0, 'b' };
	struct ipc_msg m = { .hdr = { .len = sizeof(nul) }, .data = nul, .fd = -1 };
	struct ipc_wbuf w;
	struct ipc_rbuf r;
	const uint8_t *p;
	size_t len;
	char s[4];

	(void)state;
	ipc_rbuf_init(&r, &m);
	ipc_get_str(&r, s, sizeof(s));
	assert_int_equal(r.failed, 1); /* a NUL inside */
	assert_string_equal(s, "");

	ipc_wbuf_init(&w);
	ipc_put_str(&w, "abcd");
	m = msg_of(&w);
	ipc_rbuf_init(&r, &m);
	ipc_get_str(&r, s, sizeof(s)); /* 4 bytes + NUL do not fit in 4 */
	assert_int_equal(r.failed, 1);
	ipc_rbuf_init(&r, &m);
	ipc_get_bytes(&r, &p, &len, 3); /* over max */
	assert_int_equal(r.failed, 1);
	assert_null(p);
	assert_int_equal(len, 0);
	ipc_rbuf_init(&r, &m);
	ipc_get_bytes(&r, &p, &len, 4);
	assert_int_equal(ipc_rbuf_done(&r), 0);
	ipc_wbuf_free(&w);
}

static void test_codec_huge_prefix(void **state)
{
	uint8_t huge[4 + 2] = { 0xff, 0xff, 0xff, 0xff, 'x', 'y' };
	struct ipc_msg m = { .hdr = { .len = sizeof(huge) }, .data = huge, .fd = -1 };
	struct ipc_rbuf r;
	const uint8_t *p;
	size_t len;
	char s[8];

	(void)state;
	ipc_rbuf_init(&r, &m);
	ipc_get_bytes(&r, &p, &len, SIZE_MAX); /* no max: still bounded by what is left */
	assert_int_equal(r.failed, 1);
	assert_null(p);
	ipc_rbuf_init(&r, &m);
	ipc_get_str(&r, s, sizeof(s));
	assert_int_equal(r.failed, 1);
	/* a prefix just one over what is left */
	huge[0] = 3;
	huge[1] = huge[2] = huge[3] = 0;
	ipc_rbuf_init(&r, &m);
	ipc_get_bytes(&r, &p, &len, 100);
	assert_int_equal(r.failed, 1);
}

static void test_wbuf_limits(void **state)
{
	struct ipc_wbuf w;
	uint8_t b = 0;

	(void)state;
	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, &b, (size_t)IPC_MAX_PAYLOAD + 1); /* never sendable */
	assert_int_equal(w.failed, 1);
	ipc_put_u32(&w, 1); /* nothing written after a failure */
	assert_int_equal(w.len, 0);
	ipc_wbuf_free(&w);
	ipc_wbuf_init(&w);
	ipc_put_str(&w, NULL);
	assert_int_equal(w.failed, 1);
	ipc_wbuf_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_frame),
		cmocka_unit_test(test_one_byte_frame),
		cmocka_unit_test(test_large_frame),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_fd_passing),
		cmocka_unit_test(test_send_limits),
		cmocka_unit_test(test_len_over_max),
		cmocka_unit_test(test_unknown_flags),
		cmocka_unit_test(test_fd_flag_without_fd),
		cmocka_unit_test(test_fd_without_flag),
		cmocka_unit_test(test_two_fds),
		cmocka_unit_test(test_eof_in_header),
		cmocka_unit_test(test_eof_in_payload),
		cmocka_unit_test(test_concurrent_send),
		cmocka_unit_test(test_whitelist),
		cmocka_unit_test(test_codec_round_trip),
		cmocka_unit_test(test_codec_short_reads),
		cmocka_unit_test(test_codec_trailing),
		cmocka_unit_test(test_codec_bad_strings),
		cmocka_unit_test(test_codec_huge_prefix),
		cmocka_unit_test(test_wbuf_limits),
	};

	return cmocka_run_group_tests_name("ipc", tests, NULL, NULL);
}
