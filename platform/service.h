/* A request/reply IPC service for one peer: this thread reads frames and checks
 * each against the peer's whitelist (fatal on any violation, OpenSSH monitor
 * style); frames are answered inline or queued to a pool of worker threads.
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

struct service {
	struct ipc_chan chan;
	const struct ipc_rule *rules;
	size_t n_rules;
	uint32_t state;
	service_handler handle;
	int (*is_inline)(uint32_t type); /* NULL: every type goes to the pool */
	void *ctx;
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	struct ipc_msg queue[SERVICE_QUEUE_MAX];
	size_t head, count;
	int closing;
	volatile int peer_gone; /* a reply could not be written: the channel is ending */
};

/* Serves fd until the peer closes it (0). nthreads is clamped to 1..64. */
int service_run(int fd, const char *peer, uint32_t max_payload, const struct ipc_rule *rules,
		size_t n_rules, unsigned nthreads, service_handler handle,
		int (*is_inline)(uint32_t type), void *ctx);

/* The same with flags: SERVICE_VIOLATION_ENDS_CHANNEL makes a bad frame end this
 * channel instead of the process (for the console's socket, whose peer is a
 * local tool, not one of the appliance's own processes). */
#define SERVICE_VIOLATION_ENDS_CHANNEL 1
/* Replies may be larger than what the peer may send, up to IPC_MAX_PAYLOAD (the
 * console's getprop BaseCRL: requests are small, a CRL is not; the peer checks
 * its own cap). */
#define SERVICE_LARGE_REPLIES 2
int service_run_flags(int fd, const char *peer, uint32_t max_payload,
		      const struct ipc_rule *rules, size_t n_rules, unsigned nthreads,
		      service_handler handle, int (*is_inline)(uint32_t type), void *ctx,
		      int flags);

/* Sends a reply built in w (or an empty one when w is NULL) and frees w. A peer
 * that cannot be answered (gone) ends the channel, not the process. */
void service_reply(struct service *s, uint32_t type, uint32_t id, struct ipc_wbuf *w);
/* An error reply: u32 code | str message. */
void service_reply_error(struct service *s, uint32_t type, uint32_t id, uint32_t code,
			 const char *msg);

#endif
