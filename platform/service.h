/* A request/reply IPC service for one peer: this thread reads frames and checks
 * each against the peer's whitelist; any violation (a bad frame, a type not
 * allowed, a payload a handler cannot decode) ends the channel, never the
 * process (DESIGN.md: the sending peer is the broken one); frames are answered inline or queued to a pool of worker threads.
 * Replies carry the request id, so they may go out of order and a peer can keep
 * several requests in flight (which is what lets the ledger share commits). */
#ifndef PLATFORM_SERVICE_H
#define PLATFORM_SERVICE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/ipc.h"

#define SERVICE_QUEUE_MAX 256
#define SERVICE_THREADS_MAX 64

struct service;

/* Handles one checked frame; runs on a worker thread, or on the reader thread
 * for types the inline predicate selects. It must answer (service_reply*). */
typedef void (*service_handler)(struct service *s, const struct ipc_msg *m, void *ctx);

/* Called once when a violation ends the channel (to journal it), before the
 * channel is shut down; why says what the peer did. */
typedef void (*service_violation_hook)(struct service *s, const char *why, void *ctx);

struct service {
	struct ipc_chan chan;
	const struct ipc_rule *rules;
	size_t n_rules;
	uint32_t state; /* the whitelist's state, 0 at the start; changed only by a
			 * handler run inline (on the reader thread), so the next
			 * frame is checked in the new state (the custodian's once-only
			 * GET_CA) */
	service_handler handle;
	int (*is_inline)(uint32_t type); /* NULL: every type goes to the pool */
	void *ctx;
	service_violation_hook on_violation; /* NULL: logged only */
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	struct ipc_msg queue[SERVICE_QUEUE_MAX];
	size_t head, count;
	int closing;
	volatile int peer_gone; /* a reply could not be written: the channel is ending */
	int violated;           /* ... because the peer broke the protocol */
};

/* Serves fd until the peer closes it (0) or breaks the protocol (1: the channel
 * was ended). nthreads is clamped to 1..64. */
int service_run(int fd, const char *peer, uint32_t max_payload, const struct ipc_rule *rules,
		size_t n_rules, unsigned nthreads, service_handler handle,
		int (*is_inline)(uint32_t type), void *ctx);

/* The same with flags. (Bit 1 was SERVICE_VIOLATION_ENDS_CHANNEL, which every
 * channel now does.) */
/* Replies may be larger than what the peer may send, up to IPC_MAX_PAYLOAD (the
 * console's getprop BaseCRL: requests are small, a CRL is not; the peer checks
 * its own cap). */
#define SERVICE_LARGE_REPLIES 2
int service_run_flags(int fd, const char *peer, uint32_t max_payload,
		      const struct ipc_rule *rules, size_t n_rules, unsigned nthreads,
		      service_handler handle, int (*is_inline)(uint32_t type), void *ctx,
		      int flags);

/* The same with a hook told of a violation (the custodian journals them). */
int service_run_hooked(int fd, const char *peer, uint32_t max_payload,
		       const struct ipc_rule *rules, size_t n_rules, unsigned nthreads,
		       service_handler handle, int (*is_inline)(uint32_t type), void *ctx,
		       int flags, service_violation_hook on_violation);

/* A handler that cannot decode what the peer sent calls this instead of
 * answering: logged (and hooked), the channel ends, the process goes on. */
void service_violation(struct service *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sends a reply built in w (or an empty one when w is NULL) and frees w. A peer
 * that cannot be answered (gone) ends the channel, not the process. */
void service_reply(struct service *s, uint32_t type, uint32_t id, struct ipc_wbuf *w);
/* An error reply: u32 code | str message. */
void service_reply_error(struct service *s, uint32_t type, uint32_t id, uint32_t code,
			 const char *msg);

#endif
