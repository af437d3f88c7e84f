/* libFuzzer target: IPC framing (platform/ipc.c) as a receiver sees it.
 *
 * Input layout: byte 0 = control (bits 0-1: the channel's max_payload, 0..3 ->
 * 16, 64, 4096, IPC_MAX_PAYLOAD; bit 2: the whitelist state; bit 3: attach a
 * descriptor to the first chunk; bits 4-7: chunk size selector), the rest = the
 * bytes the peer writes into the socket. The bytes are fed through a real
 * socketpair in chunks, driven with ipc_fill/ipc_next (the poll loop), then
 * again with ipc_recv (the blocking loop). Every frame is checked against a
 * sample whitelist and decoded with ipc_rbuf; a payload that decodes is
 * re-encoded with ipc_wbuf and must give the same bytes.
 *
 * Invariants that abort (libFuzzer then reports a crash): ASan/UBSan findings,
 * a descriptor leaked by the module (the lowest free descriptor number moves),
 * ipc_next/ipc_recv returning a value outside {-1, 0, 1}, a frame longer than
 * the channel's limit, and a decode that does not re-encode identically. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int devnull = -1;  /* the descriptor the "peer" attaches */

enum { MSG_PING = 1, MSG_ISSUE = 2, MSG_FILE = 3 };

/* A sample whitelist in the custodian's style. */
static const struct ipc_rule rules[] = {
	{ .type = MSG_PING, .states = 0x3, .min_len = 0, .max_len = 0, .fd = 0 },
	{ .type = MSG_ISSUE, .states = 0x2, .min_len = 20, .max_len = 4096, .fd = 0 },
	{ .type = MSG_FILE, .states = 0x3, .min_len = 4, .max_len = 4, .fd = 1 },
};

static int lowest_free_fd(void)
{
	int fd = dup(0);

	if (fd >= 0)
		close(fd);
	return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		abort();
	return 0;
}

/* MSG_ISSUE: u32 kind, u64 serial, bytes (<= 256), str (< 64). If it decodes,
 * writing the same values must reproduce the payload exactly. */
static void decode_issue(const struct ipc_msg *m)
{
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	const uint8_t *blob;
	size_t blob_len;
	char name[64];
	uint32_t kind;
	uint64_t serial;

	ipc_rbuf_init(&r, m);
	kind = ipc_get_u32(&r);
	serial = ipc_get_u64(&r);
	ipc_get_bytes(&r, &blob, &blob_len, 256);
	ipc_get_str(&r, name, sizeof(name));
	if (ipc_rbuf_done(&r) != 0)
		return;
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, kind);
	ipc_put_u64(&w, serial);
	ipc_put_bytes(&w, blob, blob_len);
	ipc_put_str(&w, name);
	if (w.failed || w.len != m->hdr.len || memcmp(w.data, m->data, w.len) != 0)
		abort();
	ipc_wbuf_free(&w);
}

static void handle(const struct ipc_chan *c, const struct ipc_msg *m, uint32_t state)
{
	const struct ipc_rule *rule;
	struct ipc_rbuf r;
	char err[256];

	if (m->hdr.len > c->max_payload || (m->hdr.len > 0) != (m->data != NULL))
		abort();
	if (((m->hdr.flags & IPC_F_FD) != 0) != (m->fd >= 0))
		abort();
	rule = ipc_check(rules, sizeof(rules) / sizeof(rules[0]), state, c, m, err,
			 sizeof(err));
	if (rule == NULL)
		return;
	if (rule->type == MSG_ISSUE) {
		decode_issue(m);
	} else if (rule->type == MSG_FILE) {
		ipc_rbuf_init(&r, m);
		(void)ipc_get_u32(&r);
		if (ipc_rbuf_done(&r) != 0)
			abort(); /* the whitelist fixed the length at 4 */
	}
}

/* Writes the peer's bytes in chunks (the descriptor, if any, with the first),
 * then hangs up. The input is small enough for the socket buffer. */
static void peer_write(int sock, const uint8_t *p, size_t len, size_t chunk, int with_fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;

	while (len > 0) {
		size_t n = len < chunk ? len : chunk;
		struct iovec iov = { .iov_base = (void *)(uintptr_t)p, .iov_len = n };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t w;

		if (with_fd) {
			struct cmsghdr *cm;

			memset(&cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf.buf;
			mh.msg_controllen = sizeof(cbuf.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &devnull, sizeof(int));
			with_fd = 0;
		}
		w = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w <= 0)
			break; /* buffer full: the receiver sees a truncated stream */
		p += w;
		len -= (size_t)w;
	}
	close(sock);
}

static void drive_poll_loop(struct ipc_chan *c, uint32_t state)
{
	struct ipc_msg m;
	char err[256];

	for (;;) {
		int r = ipc_next(c, &m, err, sizeof(err));

		if (r == 1) {
			handle(c, &m, state);
			ipc_msg_free(&m);
			continue;
		}
		if (r != 0 && r != -1)
			abort();
		if (r < 0 || ipc_fill(c) <= 0)
			break;
	}
}

static void drive_blocking(struct ipc_chan *c, uint32_t state)
{
	struct ipc_msg m;
	char err[256];
	int r;

	while ((r = ipc_recv(c, &m, err, sizeof(err))) == 1) {
		handle(c, &m, state);
		ipc_msg_free(&m);
	}
	if (r != 0 && r != -1)
		abort();
}

static void run_once(const uint8_t *p, size_t len, uint8_t ctl, int blocking)
{
	static const uint32_t caps[4] = { 16, 64, 4096, IPC_MAX_PAYLOAD };
	static const size_t chunks[16] = { 1,  2,  3,   5,   7,   15,   16,   17,
					   31, 64, 100, 255, 512, 1024, 4096, 1 << 20 };
	struct ipc_chan c;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	/* Large enough for any input libFuzzer is run with (-max_len). */
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ 1 << 20 }, sizeof(int));
	peer_write(sv[0], p, len, chunks[ctl >> 4], (ctl & 0x8) != 0);
	ipc_chan_init(&c, sv[1], "fuzz", caps[ctl & 0x3]);
	if (blocking)
		drive_blocking(&c, (ctl >> 2) & 1);
	else
		drive_poll_loop(&c, (ctl >> 2) & 1);
	ipc_chan_free(&c);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Measured per input, not once at start: libFuzzer's merge mode holds files
	 * of its own open between inputs (its control file), which a baseline taken
	 * in LLVMFuzzerInitialize would count as leaks. */
	int lowest_fd = lowest_free_fd();

	if (size < 1)
		return 0;
	run_once(data + 1, size - 1, data[0], 0);
	run_once(data + 1, size - 1, data[0], 1);
	/* Every descriptor the module received must have been closed. */
	if (lowest_free_fd() != lowest_fd)
		abort();
	return 0;
}
