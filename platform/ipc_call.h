/* The calling side of a request/reply IPC channel (the peer runs service.h): any
 * number of threads call at once; one reader thread hands each reply to the call
 * whose request id it echoes. A reply nobody waits for, or a broken channel, is
 * fatal for the channel: every waiting call then fails with the reason. */
#ifndef PLATFORM_IPC_CALL_H
#define PLATFORM_IPC_CALL_H

#include <pthread.h>
#include <stdint.h>

#include "platform/ipc.h"

struct ipc_pending_call;

struct ipc_caller {
	struct ipc_chan chan;
	pthread_t reader;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint32_t next_id;
	struct ipc_pending_call *calls;
	int dead;
	char why[256];
	void (*on_dead)(const char *why); /* called once by the reader, if set */
	int stopping;                      /* ipc_caller_stop() was called */
};

/* Starts the reader on fd (not closed by stop). 0 or -1. */
int ipc_caller_start(struct ipc_caller *c, int fd, const char *peer, uint32_t max_payload);
/* Has the reader call fn(why) once when the channel dies for good: a process
 * whose upstream is gone exits, so its supervisor restarts it (the worker). Set
 * it right after start. */
void ipc_caller_on_dead(struct ipc_caller *c, void (*fn)(const char *why));
/* Shuts the channel down for reading and writing and joins the reader. */
void ipc_caller_stop(struct ipc_caller *c);

/* Sends one request built in req (freed) and waits for its reply. 0 with *reply
 * (the caller frees it with ipc_msg_free), or -1 with err: errno EMSGSIZE when the
 * request exceeds the channel's cap (nothing was sent, the channel lives on);
 * otherwise the channel is dead (ipc_caller_dead()). */
int ipc_call(struct ipc_caller *c, uint32_t type, struct ipc_wbuf *req, struct ipc_msg *reply,
	     char *err, size_t errlen);

/* 1 once the channel has failed for good (closed, broken, or a violation). */
int ipc_caller_dead(struct ipc_caller *c);

#endif
