/* IPC framing between the appliance's processes (imsg-like).
 *
 * A frame is a 16-byte header { type, len, id, flags } (little-endian uint32s)
 * followed by len payload bytes, over a SOCK_STREAM socketpair; an optional file
 * descriptor travels with the frame as SCM_RIGHTS (flags & IPC_F_FD).
 *
 * Receivers check every frame against a whitelist (type, the states in which it
 * is allowed, min/max payload length) and decode the payload with ipc_rbuf, which
 * demands the exact layout (every byte consumed). Any violation is fatal for the
 * channel: the caller logs it and exits or drops the peer (OpenSSH monitor style).
 */
#ifndef PLATFORM_IPC_H
#define PLATFORM_IPC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define IPC_HDR_LEN 16
/* Hard cap for any channel. Each channel sets its own, far lower, except the
 * custodian's to the ledger, whose appends carry whole CRLs (LEDGER_FRAME_MAX). */
#define IPC_MAX_PAYLOAD (160u * 1024u * 1024u)
#define IPC_F_FD 0x1u                          /* a descriptor is attached */

struct ipc_hdr {
	uint32_t type;
	uint32_t len; /* payload bytes after the header */
	uint32_t id;  /* request id, echoed in the reply */
	uint32_t flags;
};

struct ipc_msg {
	struct ipc_hdr hdr;
	uint8_t *data; /* malloc()ed payload (NULL when len is 0) */
	int fd;        /* received descriptor or -1 */
};

struct ipc_chan {
	int fd;
	const char *peer;      /* for messages: "custodian", "worker" ... */
	uint32_t max_payload;  /* per-channel cap on what is received, <= IPC_MAX_PAYLOAD */
	uint32_t max_send;     /* on what is sent: max_payload unless the channel's owner
				* raised it (a peer whose own cap is larger) */
	uint8_t *rbuf;         /* bytes received, not yet consumed */
	size_t rlen, rcap;
	int rfd;               /* descriptor received ahead of its frame, or -1 */
	pthread_mutex_t wlock; /* ipc_send is safe from several threads */
};

void ipc_chan_init(struct ipc_chan *c, int fd, const char *peer, uint32_t max_payload);
/* Frees buffers and closes a pending received fd; does not close c->fd. */
void ipc_chan_free(struct ipc_chan *c);

/* Writes one whole frame (loops over short writes, EINTR). fd = -1 for none.
 * 0 or -1 (errno set). */
int ipc_send(struct ipc_chan *c, uint32_t type, uint32_t id, const void *data, size_t len,
	     int fd);

/* Blocking: reads until one frame is complete. 1 with *m filled, 0 at a clean EOF
 * between frames (err says the peer closed the channel), -1 on an I/O error or a framing violation (len over max_payload,
 * unknown flags, IPC_F_FD without a descriptor, EOF inside a frame), with a message
 * in err. */
int ipc_recv(struct ipc_chan *c, struct ipc_msg *m, char *err, size_t errlen);

/* For poll() loops: ipc_fill() reads what is available (>0 bytes read, 0 EOF, -1
 * error, errno EAGAIN if nothing); ipc_next() extracts one buffered frame: 1 with
 * *m, 0 if more bytes are needed, -1 on a violation. */
int ipc_fill(struct ipc_chan *c);
int ipc_next(struct ipc_chan *c, struct ipc_msg *m, char *err, size_t errlen);

void ipc_msg_free(struct ipc_msg *m); /* frees data, closes fd if still >= 0 */

/* ---- whitelist ---- */

struct ipc_rule {
	uint32_t type;
	uint32_t states;  /* bit (1 << state) set for each state the type is allowed in */
	uint32_t min_len; /* payload bounds, inclusive */
	uint32_t max_len;
	int fd;           /* 1: a descriptor must be attached; 0: must not */
};
/* A channel without states (one whose every message is allowed at any time):
 * its rules say so instead of naming a state nothing sets. */
#define IPC_STATES_ALL 0xffffffffu

/* The matching rule, or NULL with a message ("unexpected message type 7 from
 * worker in state 2", "message type 3 from worker: length 9 outside [16, 64]"). */
const struct ipc_rule *ipc_check(const struct ipc_rule *rules, size_t n, uint32_t state,
				 const struct ipc_chan *c, const struct ipc_msg *m, char *err,
				 size_t errlen);

/* ---- payload codec: little-endian scalars, byte strings prefixed by a u32 length ---- */

struct ipc_wbuf {
	uint8_t *data;
	size_t len, cap;
	int failed; /* set on allocation failure; checked once at the end */
};
void ipc_wbuf_init(struct ipc_wbuf *w);
void ipc_wbuf_free(struct ipc_wbuf *w); /* wipes before freeing */
void ipc_put_u32(struct ipc_wbuf *w, uint32_t v);
void ipc_put_u64(struct ipc_wbuf *w, uint64_t v);
void ipc_put_bytes(struct ipc_wbuf *w, const void *p, size_t len);
void ipc_put_str(struct ipc_wbuf *w, const char *s); /* without the NUL */
/* Bytes already encoded with this codec (no length prefix added). */
void ipc_put_raw(struct ipc_wbuf *w, const void *p, size_t len);

struct ipc_rbuf {
	const uint8_t *p;
	size_t left;
	int failed; /* set by any read past the end or over a limit */
};
void ipc_rbuf_init(struct ipc_rbuf *r, const struct ipc_msg *m);
/* The same codec over any buffer (the ledger stores its records with it). */
void ipc_rbuf_init_mem(struct ipc_rbuf *r, const void *p, size_t len);
uint32_t ipc_get_u32(struct ipc_rbuf *r);
uint64_t ipc_get_u64(struct ipc_rbuf *r);
/* A byte string of at most max bytes; *p points into the message. */
void ipc_get_bytes(struct ipc_rbuf *r, const uint8_t **p, size_t *len, size_t max);
/* A string into out (size outsz, NUL-terminated); fails if it holds a NUL byte or
 * does not fit. */
void ipc_get_str(struct ipc_rbuf *r, char *out, size_t outsz);
/* 0 if nothing failed and every byte was consumed; -1 otherwise. */
int ipc_rbuf_done(const struct ipc_rbuf *r);

/* The two ends of every channel catalogue's decoder (firmware/custodian/msg.c,
 * admin_msg.c, firmware/ledger/msg.c, firmware/auth/msg.c): begin zeroes the
 * message struct m (size bytes) and reads p..p+len; end demands that every byte
 * was consumed and that ok holds (the decoder's own checks), else wipes m
 * (explicit_bzero: a console message may hold a passphrase)
 * and returns -1 (a violation), so a refused message never leaves half a struct. */
void ipc_decode_begin(struct ipc_rbuf *r, const uint8_t *p, size_t len, void *m, size_t size);
int ipc_decode_end(const struct ipc_rbuf *r, void *m, size_t size, int ok);

#endif
