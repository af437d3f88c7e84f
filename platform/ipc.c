/* IPC framing (imsg-like); see ipc.h.
 *
 * Descriptor association. On Linux a descriptor sent with SCM_RIGHTS over a
 * SOCK_STREAM socket is delivered by the first recvmsg() that reads any byte of
 * the sendmsg() that carried it, and that recvmsg() stops at the end of that
 * buffer. ipc_send() attaches the descriptor to the call that writes the frame's
 * first byte. The receiver therefore never reads past the end of the frame in
 * progress (first the 16-byte header, then exactly the payload): any descriptor
 * that arrives then belongs to that frame, and one slot (c->rfd) is enough. This
 * costs two reads per frame (as OpenSSH's monitor does) and makes a descriptor
 * on a frame without IPC_F_FD, or a second one, an exact violation rather than a
 * guess.
 *
 * Nothing here aborts on bad input: violations return -1 with a message and the
 * caller decides (normally fatal for the channel).
 */
#include "platform/ipc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define IPC_RBUF_MIN 4096         /* first allocation: most frames fit */
#define IPC_RBUF_KEEP (64u * 1024) /* larger buffers are released after use */
#define IPC_CMSG_FDS 4            /* room to receive (and close) stray fds */

/* ---- little-endian helpers ---- */

static void le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void hdr_encode(uint8_t out[IPC_HDR_LEN], const struct ipc_hdr *h)
{
	le32_put(out, h->type);
	le32_put(out + 4, h->len);
	le32_put(out + 8, h->id);
	le32_put(out + 12, h->flags);
}

static void hdr_decode(struct ipc_hdr *h, const uint8_t in[IPC_HDR_LEN])
{
	h->type = le32_get(in);
	h->len = le32_get(in + 4);
	h->id = le32_get(in + 8);
	h->flags = le32_get(in + 12);
}

static const char *peer_name(const struct ipc_chan *c)
{
	return c->peer != NULL ? c->peer : "peer";
}

/* ---- channel ---- */

void ipc_chan_init(struct ipc_chan *c, int fd, const char *peer, uint32_t max_payload)
{
	c->fd = fd;
	c->peer = peer;
	/* 0 means "the hard cap"; nothing may exceed the hard cap. */
	if (max_payload == 0 || max_payload > IPC_MAX_PAYLOAD)
		max_payload = IPC_MAX_PAYLOAD;
	c->max_payload = max_payload;
	c->max_send = max_payload;
	c->rbuf = NULL;
	c->rlen = 0;
	c->rcap = 0;
	c->rfd = -1;
	pthread_mutex_init(&c->wlock, NULL);
}

static void rbuf_release(struct ipc_chan *c)
{
	if (c->rbuf != NULL) {
		explicit_bzero(c->rbuf, c->rcap); /* payloads may carry secrets */
		free(c->rbuf);
	}
	c->rbuf = NULL;
	c->rlen = 0;
	c->rcap = 0;
}

void ipc_chan_free(struct ipc_chan *c)
{
	rbuf_release(c);
	if (c->rfd >= 0)
		close(c->rfd);
	c->rfd = -1;
	pthread_mutex_destroy(&c->wlock);
}

void ipc_msg_free(struct ipc_msg *m)
{
	if (m->data != NULL) {
		explicit_bzero(m->data, m->hdr.len);
		free(m->data);
	}
	m->data = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

/* ---- sending ---- */

/* Waits until fd is ready for events; for callers that made the socket
 * non-blocking but still use the blocking calls. */
static int wait_fd(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, -1);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -1 : 0;
}

/* Skips n written bytes in the iovec array. */
static void iov_advance(struct iovec **iov, int *cnt, size_t n)
{
	while (n > 0 && *cnt > 0) {
		if (n < (*iov)->iov_len) {
			(*iov)->iov_base = (uint8_t *)(*iov)->iov_base + n;
			(*iov)->iov_len -= n;
			return;
		}
		n -= (*iov)->iov_len;
		(*iov)++;
		(*cnt)--;
	}
	while (*cnt > 0 && (*iov)->iov_len == 0) {
		(*iov)++;
		(*cnt)--;
	}
}

/* Writes the whole iovec; the descriptor goes with the first byte written. */
static int send_all(int sock, struct iovec *iov, int cnt, int fd)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	int fd_pending = fd >= 0;

	while (cnt > 0) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)cnt };
		ssize_t n;

		if (fd_pending) {
			struct cmsghdr *cm;

			memset(&cbuf, 0, sizeof(cbuf));
			mh.msg_control = cbuf.buf;
			mh.msg_controllen = sizeof(cbuf.buf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		}
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (wait_fd(sock, POLLOUT) < 0)
					return -1;
				continue;
			}
			return -1;
		}
		if (n > 0)
			fd_pending = 0;
		iov_advance(&iov, &cnt, (size_t)n);
	}
	return 0;
}

int ipc_send(struct ipc_chan *c, uint32_t type, uint32_t id, const void *data, size_t len,
	     int fd)
{
	struct ipc_hdr h = { .type = type, .id = id, .flags = fd >= 0 ? IPC_F_FD : 0 };
	uint8_t hb[IPC_HDR_LEN];
	struct iovec iov[2];
	int r;

	/* The peer would reject it anyway; refusing here also keeps len in 32 bits. */
	if (len > c->max_send) {
		errno = EMSGSIZE;
		return -1;
	}
	if (len > 0 && data == NULL) {
		errno = EINVAL;
		return -1;
	}
	h.len = (uint32_t)len;
	hdr_encode(hb, &h);
	iov[0].iov_base = hb;
	iov[0].iov_len = sizeof(hb);
	iov[1].iov_base = (void *)(uintptr_t)data;
	iov[1].iov_len = len;

	/* One frame per lock hold: concurrent senders never interleave. */
	pthread_mutex_lock(&c->wlock);
	r = send_all(c->fd, iov, len > 0 ? 2 : 1, fd);
	pthread_mutex_unlock(&c->wlock);
	return r;
}

/* ---- receiving ---- */

/* The header of the frame in progress is complete: checks what can be checked
 * before the payload arrives (len before any allocation). 0 or -1. */
static int hdr_check(const struct ipc_chan *c, const struct ipc_hdr *h, char *err,
		     size_t errlen)
{
	if (h->len > c->max_payload) {
		snprintf(err, errlen, "frame type %u from %s: length %u over the limit %u",
			 h->type, peer_name(c), h->len, c->max_payload);
		return -1;
	}
	if ((h->flags & ~IPC_F_FD) != 0) {
		snprintf(err, errlen, "frame type %u from %s: unknown flags 0x%x", h->type,
			 peer_name(c), h->flags);
		return -1;
	}
	return 0;
}

/* Bytes still missing from the frame in progress; 0 when it is complete or
 * its header is invalid (ipc_next reports that). */
static size_t frame_need(const struct ipc_chan *c)
{
	struct ipc_hdr h;
	char err[8];
	size_t total;

	if (c->rlen < IPC_HDR_LEN)
		return IPC_HDR_LEN - c->rlen;
	hdr_decode(&h, c->rbuf);
	if (hdr_check(c, &h, err, sizeof(err)) != 0)
		return 0;
	total = IPC_HDR_LEN + (size_t)h.len; /* len <= IPC_MAX_PAYLOAD: no overflow */
	return c->rlen < total ? total - c->rlen : 0;
}

/* Makes room for need more bytes. A new buffer is allocated and the old one
 * wiped, rather than realloc(), which could leave payload bytes behind. */
static int rbuf_reserve(struct ipc_chan *c, size_t need)
{
	size_t want = c->rlen + need;
	uint8_t *nb;

	if (want <= c->rcap)
		return 0;
	if (want < IPC_RBUF_MIN)
		want = IPC_RBUF_MIN;
	nb = malloc(want);
	if (nb == NULL)
		return -1;
	if (c->rlen > 0)
		memcpy(nb, c->rbuf, c->rlen);
	if (c->rbuf != NULL) {
		explicit_bzero(c->rbuf, c->rcap);
		free(c->rbuf);
	}
	c->rbuf = nb;
	c->rcap = want;
	return 0;
}

/* Takes the descriptors of one recvmsg(): the first goes to c->rfd if it is
 * free; any other is closed. 0, or -1 if any had to be closed. */
static int take_fds(struct ipc_chan *c, struct msghdr *mh)
{
	struct cmsghdr *cm;
	int bad = (mh->msg_flags & MSG_CTRUNC) != 0;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		size_t i, nfds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0))
			continue;
		nfds = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (c->rfd < 0 && !bad) {
				c->rfd = fd;
			} else {
				close(fd);
				bad = 1;
			}
		}
	}
	return bad ? -1 : 0;
}

/* One recvmsg() of at most the rest of the frame in progress. >0, 0 at EOF, -1
 * with errno (EBADMSG and *why for a descriptor violation). */
static ssize_t chan_read(struct ipc_chan *c, const char **why)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * IPC_CMSG_FDS)];
	} cbuf;
	size_t need = frame_need(c);
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;

	*why = NULL;
	if (need == 0) {
		/* A whole frame or a bad header is buffered: ipc_next's turn. */
		errno = EAGAIN;
		return -1;
	}
	if (rbuf_reserve(c, need) != 0) {
		errno = ENOMEM;
		return -1;
	}
	iov.iov_base = c->rbuf + c->rlen;
	iov.iov_len = need;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	do
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	c->rlen += (size_t)n;
	if (take_fds(c, &mh) != 0) {
		*why = c->rfd >= 0 ? "more than one descriptor for a frame"
				   : "descriptor list truncated";
		errno = EBADMSG;
		return -1;
	}
	return n;
}

int ipc_fill(struct ipc_chan *c)
{
	const char *why;
	/* n is at most one frame (<= IPC_MAX_PAYLOAD + 16): it fits an int. The
	 * reason for EBADMSG is lost here; the caller drops the channel anyway. */
	return (int)chan_read(c, &why);
}

/* Removes the first total bytes (one frame) from the buffer, wiping them. */
static void rbuf_consume(struct ipc_chan *c, size_t total)
{
	size_t rest = c->rlen - total;

	if (rest > 0)
		memmove(c->rbuf, c->rbuf + total, rest);
	explicit_bzero(c->rbuf + rest, total);
	c->rlen = rest;
	if (rest == 0 && c->rcap > IPC_RBUF_KEEP)
		rbuf_release(c); /* do not keep a 16 MiB buffer for 16-byte frames */
}

/* The frame is complete: its flag and the descriptor received must agree. */
static int fd_check(struct ipc_chan *c, const struct ipc_hdr *h, char *err, size_t errlen)
{
	if ((h->flags & IPC_F_FD) != 0 && c->rfd < 0) {
		snprintf(err, errlen, "frame type %u from %s: IPC_F_FD without a descriptor",
			 h->type, peer_name(c));
		return -1;
	}
	if ((h->flags & IPC_F_FD) == 0 && c->rfd >= 0) {
		close(c->rfd);
		c->rfd = -1;
		snprintf(err, errlen,
			 "frame type %u from %s: descriptor attached without IPC_F_FD", h->type,
			 peer_name(c));
		return -1;
	}
	return 0;
}

int ipc_next(struct ipc_chan *c, struct ipc_msg *m, char *err, size_t errlen)
{
	struct ipc_hdr h;
	size_t total;

	m->data = NULL;
	m->fd = -1;
	memset(&m->hdr, 0, sizeof(m->hdr));
	if (c->rlen < IPC_HDR_LEN)
		return 0;
	hdr_decode(&h, c->rbuf);
	if (hdr_check(c, &h, err, errlen) != 0)
		return -1;
	total = IPC_HDR_LEN + (size_t)h.len;
	if (c->rlen < total)
		return 0;
	if (fd_check(c, &h, err, errlen) != 0)
		return -1;
	if (h.len > 0) {
		m->data = malloc(h.len);
		if (m->data == NULL) {
			snprintf(err, errlen, "frame type %u from %s: out of memory (%u bytes)",
				 h.type, peer_name(c), h.len);
			return -1;
		}
		memcpy(m->data, c->rbuf + IPC_HDR_LEN, h.len);
	}
	m->hdr = h;
	m->fd = c->rfd;
	c->rfd = -1;
	rbuf_consume(c, total);
	return 1;
}

/* The read failed or hit EOF while a frame was incomplete: says why. */
static void recv_error(const struct ipc_chan *c, ssize_t n, const char *why, char *err,
		       size_t errlen)
{
	if (n < 0 && why != NULL) {
		snprintf(err, errlen, "from %s: %s", peer_name(c), why);
	} else if (n < 0) {
		snprintf(err, errlen, "read from %s: %s", peer_name(c), strerror(errno));
	} else if (c->rlen < IPC_HDR_LEN) {
		snprintf(err, errlen, "EOF from %s inside a frame header (%zu of %d bytes)",
			 peer_name(c), c->rlen, IPC_HDR_LEN);
	} else {
		snprintf(err, errlen, "EOF from %s inside a frame payload (%zu of %u bytes)",
			 peer_name(c), c->rlen - IPC_HDR_LEN, le32_get(c->rbuf + 4));
	}
}

int ipc_recv(struct ipc_chan *c, struct ipc_msg *m, char *err, size_t errlen)
{
	for (;;) {
		const char *why;
		ssize_t n;
		int r = ipc_next(c, m, err, errlen);

		if (r != 0)
			return r;
		n = chan_read(c, &why);
		if (n > 0)
			continue;
		if (n < 0 && why == NULL && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* A non-blocking socket: this call still blocks. */
			if (wait_fd(c->fd, POLLIN) == 0)
				continue;
		}
		/* A peer that died with our frames unread resets the connection: between
		 * frames that is an end like any other (a worker killed under load). The
		 * end is named in err too, so a caller that prints it on any result
		 * below 1 never prints an unwritten buffer. */
		if (c->rlen == 0 &&
		    (n == 0 || (n < 0 && why == NULL && errno == ECONNRESET))) {
			if (errlen > 0)
				snprintf(err, errlen, "%s closed the channel", peer_name(c));
			return 0;
		}
		recv_error(c, n, why, err, errlen);
		return -1;
	}
}

/* ---- whitelist ---- */

const struct ipc_rule *ipc_check(const struct ipc_rule *rules, size_t n, uint32_t state,
				 const struct ipc_chan *c, const struct ipc_msg *m, char *err,
				 size_t errlen)
{
	const struct ipc_rule *r = NULL;
	uint32_t bit = state < 32 ? 1u << state : 0; /* no shift past the width */
	size_t i;

	/* Several rules may share a type with different states (and bounds). */
	for (i = 0; i < n && r == NULL; i++)
		if (rules[i].type == m->hdr.type && (rules[i].states & bit) != 0)
			r = &rules[i];
	if (r == NULL) {
		snprintf(err, errlen, "unexpected message type %u from %s in state %u",
			 m->hdr.type, peer_name(c), state);
		return NULL;
	}
	if (m->hdr.len < r->min_len || m->hdr.len > r->max_len) {
		snprintf(err, errlen, "message type %u from %s: length %u outside [%u, %u]",
			 m->hdr.type, peer_name(c), m->hdr.len, r->min_len, r->max_len);
		return NULL;
	}
	if (r->fd && m->fd < 0) {
		snprintf(err, errlen, "message type %u from %s: descriptor required",
			 m->hdr.type, peer_name(c));
		return NULL;
	}
	if (!r->fd && m->fd >= 0) {
		snprintf(err, errlen, "message type %u from %s: unexpected descriptor",
			 m->hdr.type, peer_name(c));
		return NULL;
	}
	return r;
}

/* ---- payload codec: writing ---- */

void ipc_wbuf_init(struct ipc_wbuf *w)
{
	w->data = NULL;
	w->len = 0;
	w->cap = 0;
	w->failed = 0;
}

void ipc_wbuf_free(struct ipc_wbuf *w)
{
	if (w->data != NULL) {
		explicit_bzero(w->data, w->cap);
		free(w->data);
	}
	ipc_wbuf_init(w);
}

/* Room for n more bytes; sets failed (and the writers then do nothing) on
 * overflow or allocation failure. Grows by copy-and-wipe, not realloc. */
static int wbuf_reserve(struct ipc_wbuf *w, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (w->failed)
		return -1;
	if (n <= w->cap - w->len)
		return 0;
	if (n > IPC_MAX_PAYLOAD - w->len || w->len > IPC_MAX_PAYLOAD) {
		w->failed = 1; /* could never be sent: a frame is at most the hard cap */
		return -1;
	}
	cap = w->cap ? w->cap : 256;
	while (cap - w->len < n)
		cap *= 2; /* cap stays below 2 * IPC_MAX_PAYLOAD: no overflow */
	nb = malloc(cap);
	if (nb == NULL) {
		w->failed = 1;
		return -1;
	}
	if (w->len > 0)
		memcpy(nb, w->data, w->len);
	if (w->data != NULL) {
		explicit_bzero(w->data, w->cap);
		free(w->data);
	}
	w->data = nb;
	w->cap = cap;
	return 0;
}

void ipc_put_u32(struct ipc_wbuf *w, uint32_t v)
{
	if (wbuf_reserve(w, 4) != 0)
		return;
	le32_put(w->data + w->len, v);
	w->len += 4;
}

void ipc_put_u64(struct ipc_wbuf *w, uint64_t v)
{
	if (wbuf_reserve(w, 8) != 0)
		return;
	le32_put(w->data + w->len, (uint32_t)v);
	le32_put(w->data + w->len + 4, (uint32_t)(v >> 32));
	w->len += 8;
}

void ipc_put_raw(struct ipc_wbuf *w, const void *p, size_t len)
{
	if (len > IPC_MAX_PAYLOAD || (len > 0 && p == NULL)) {
		w->failed = 1;
		return;
	}
	if (len == 0 || wbuf_reserve(w, len) != 0)
		return;
	memcpy(w->data + w->len, p, len);
	w->len += len;
}

void ipc_put_bytes(struct ipc_wbuf *w, const void *p, size_t len)
{
	if (len > IPC_MAX_PAYLOAD || (len > 0 && p == NULL)) {
		w->failed = 1;
		return;
	}
	if (wbuf_reserve(w, 4 + len) != 0)
		return;
	le32_put(w->data + w->len, (uint32_t)len);
	if (len > 0)
		memcpy(w->data + w->len + 4, p, len);
	w->len += 4 + len;
}

void ipc_put_str(struct ipc_wbuf *w, const char *s)
{
	if (s == NULL) {
		w->failed = 1;
		return;
	}
	ipc_put_bytes(w, s, strlen(s));
}

/* ---- payload codec: reading ---- */

void ipc_rbuf_init(struct ipc_rbuf *r, const struct ipc_msg *m)
{
	ipc_rbuf_init_mem(r, m->data, m->data != NULL ? m->hdr.len : 0);
}

void ipc_rbuf_init_mem(struct ipc_rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->left = p != NULL ? len : 0;
	r->failed = 0;
}

/* The next n bytes, or NULL (and failed set) if fewer remain. */
static const uint8_t *rbuf_take(struct ipc_rbuf *r, size_t n)
{
	const uint8_t *p;

	if (r->failed || n > r->left) {
		r->failed = 1;
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

uint32_t ipc_get_u32(struct ipc_rbuf *r)
{
	const uint8_t *p = rbuf_take(r, 4);

	return p != NULL ? le32_get(p) : 0;
}

uint64_t ipc_get_u64(struct ipc_rbuf *r)
{
	const uint8_t *p = rbuf_take(r, 8);

	return p != NULL ? (uint64_t)le32_get(p) | (uint64_t)le32_get(p + 4) << 32 : 0;
}

void ipc_get_bytes(struct ipc_rbuf *r, const uint8_t **p, size_t *len, size_t max)
{
	uint32_t n = ipc_get_u32(r);

	*p = NULL;
	*len = 0;
	if (r->failed)
		return;
	/* Compared against what remains, never added to a pointer first. */
	if (n > max) {
		r->failed = 1;
		return;
	}
	*p = rbuf_take(r, n);
	if (*p != NULL)
		*len = n;
}

void ipc_get_str(struct ipc_rbuf *r, char *out, size_t outsz)
{
	const uint8_t *p;
	size_t len;

	if (outsz == 0) {
		r->failed = 1;
		return;
	}
	out[0] = 0;
	ipc_get_bytes(r, &p, &len, outsz - 1);
	if (r->failed)
		return;
	if (len > 0 && memchr(p, 0, len) != NULL) {
		r->failed = 1;
		return;
	}
	if (len > 0)
		memcpy(out, p, len);
	out[len] = 0;
}

int ipc_rbuf_done(const struct ipc_rbuf *r)
{
	return !r->failed && r->left == 0 ? 0 : -1;
}

void ipc_decode_begin(struct ipc_rbuf *r, const uint8_t *p, size_t len, void *m, size_t size)
{
	memset(m, 0, size);
	ipc_rbuf_init_mem(r, p, len);
}

int ipc_decode_end(const struct ipc_rbuf *r, void *m, size_t size, int ok)
{
	if (ipc_rbuf_done(r) != 0 || !ok) {
		explicit_bzero(m, size); /* a console message may hold a passphrase */
		return -1;
	}
	return 0;
}
