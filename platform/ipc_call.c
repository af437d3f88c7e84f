/* The calling side of an IPC channel; see ipc_call.h. */
#include "platform/ipc_call.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct ipc_pending_call {
	uint32_t id;
	int done;
	pthread_cond_t cv; /* signalled for this call alone */
	struct ipc_msg reply;
	struct ipc_pending_call *next;
};

static void fail_all(struct ipc_caller *c, const char *why)
{
	void (*hook)(const char *) = NULL;

	pthread_mutex_lock(&c->mu);
	if (!c->dead) {
		c->dead = 1;
		snprintf(c->why, sizeof(c->why), "%s", why);
		hook = c->stopping ? NULL : c->on_dead;
	}
	for (struct ipc_pending_call *p = c->calls; p != NULL; p = p->next)
		pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&c->mu);
	if (hook != NULL)
		hook(why);
}

void ipc_caller_on_dead(struct ipc_caller *c, void (*fn)(const char *why))
{
	pthread_mutex_lock(&c->mu);
	c->on_dead = fn;
	pthread_mutex_unlock(&c->mu);
}

static void *reader_main(void *arg)
{
	struct ipc_caller *c = arg;
	char err[200], why[256];

	for (;;) {
		struct ipc_msg m;
		struct ipc_pending_call *p;
		int rc = ipc_recv(&c->chan, &m, err, sizeof(err));

		if (rc <= 0) {
			snprintf(why, sizeof(why), "channel to the %s %s", c->chan.peer,
				 rc == 0 ? "closed" : err);
			fail_all(c, why);
			return NULL;
		}
		pthread_mutex_lock(&c->mu);
		for (p = c->calls; p != NULL && (p->id != m.hdr.id || p->done); p = p->next)
			;
		if (p != NULL) {
			p->reply = m;
			p->done = 1;
			pthread_cond_signal(&p->cv);
		}
		pthread_mutex_unlock(&c->mu);
		if (p == NULL) {
			ipc_msg_free(&m);
			snprintf(why, sizeof(why), "protocol violation: the %s answered request "
				 "%u, which nobody asked", c->chan.peer, m.hdr.id);
			fail_all(c, why);
			shutdown(c->chan.fd, SHUT_RDWR);
			return NULL;
		}
	}
}

int ipc_caller_start(struct ipc_caller *c, int fd, const char *peer, uint32_t max_payload)
{
	memset(c, 0, sizeof(*c));
	ipc_chan_init(&c->chan, fd, peer, max_payload);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->next_id = 1;
	if (pthread_create(&c->reader, NULL, reader_main, c) != 0) {
		ipc_chan_free(&c->chan);
		return -1;
	}
	return 0;
}

void ipc_caller_stop(struct ipc_caller *c)
{
	pthread_mutex_lock(&c->mu);
	c->stopping = 1; /* an orderly stop is not a death */
	pthread_mutex_unlock(&c->mu);
	shutdown(c->chan.fd, SHUT_RDWR);
	pthread_join(c->reader, NULL);
	ipc_chan_free(&c->chan);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
}

int ipc_call(struct ipc_caller *c, uint32_t type, struct ipc_wbuf *req, struct ipc_msg *reply,
	     char *err, size_t errlen)
{
	struct ipc_pending_call me, **pp;
	int rc = 0;

	memset(&me, 0, sizeof(me));
	pthread_cond_init(&me.cv, NULL);
	if (req->failed) {
		pthread_cond_destroy(&me.cv);
		ipc_wbuf_free(req);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_lock(&c->mu);
	if (c->dead) {
		snprintf(err, errlen, "%s", c->why);
		pthread_mutex_unlock(&c->mu);
		ipc_wbuf_free(req);
		pthread_cond_destroy(&me.cv);
		return -1;
	}
	me.id = c->next_id++;
	if (c->next_id == 0)
		c->next_id = 1;
	me.next = c->calls;
	c->calls = &me;
	pthread_mutex_unlock(&c->mu);

	if (ipc_send(&c->chan, type, me.id, req->data, req->len, -1) != 0) {
		/* Too large for the channel: ipc_send refused before writing a byte, so
		 * the channel is intact and only this call fails (a peer's oversized
		 * input must not cut every later caller off). Anything else may have
		 * left half a frame on the wire: the channel is over. */
		if (errno == EMSGSIZE) {
			pthread_mutex_lock(&c->mu);
			for (pp = &c->calls; *pp != &me; pp = &(*pp)->next)
				;
			*pp = me.next;
			pthread_mutex_unlock(&c->mu);
			pthread_cond_destroy(&me.cv);
			snprintf(err, errlen, "request of %zu bytes too large for the channel to "
				 "the %s", req->len, c->chan.peer);
			ipc_wbuf_free(req);
			errno = EMSGSIZE;
			return -1;
		}
		fail_all(c, "cannot write to the channel");
		shutdown(c->chan.fd, SHUT_RDWR);
	}
	ipc_wbuf_free(req);

	pthread_mutex_lock(&c->mu);
	while (!me.done && !c->dead)
		pthread_cond_wait(&me.cv, &c->mu);
	if (me.done) {
		*reply = me.reply;
	} else {
		snprintf(err, errlen, "%s", c->why);
		rc = -1;
	}
	for (pp = &c->calls; *pp != &me; pp = &(*pp)->next)
		;
	*pp = me.next;
	pthread_mutex_unlock(&c->mu);
	pthread_cond_destroy(&me.cv);
	return rc;
}

int ipc_caller_dead(struct ipc_caller *c)
{
	int dead;

	pthread_mutex_lock(&c->mu);
	dead = c->dead;
	pthread_mutex_unlock(&c->mu);
	return dead;
}
