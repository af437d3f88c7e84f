/* The IPC service loop shared by the custodian and the ledger; see service.h. */
#include "platform/service.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "platform/log.h"

static void service_end(struct service *s, const char *why);

void service_reply(struct service *s, uint32_t type, uint32_t id, struct ipc_wbuf *w)
{
	int rc;

	if (w != NULL && w->failed)
		fatalx("out of memory answering the %s", s->chan.peer);
	rc = ipc_send(&s->chan, type, id, w != NULL ? w->data : NULL, w != NULL ? w->len : 0,
		      -1);
	if (w != NULL)
		ipc_wbuf_free(w);
	/* The peer went away (a worker killed mid-request): its channel ends, the
	 * process does not. The reader sees the shutdown and service_run returns. */
	if (rc != 0 && !s->peer_gone) {
		s->peer_gone = 1;
		log_warn("cannot answer the %s: closing its channel", s->chan.peer);
		shutdown(s->chan.fd, SHUT_RDWR);
	}
}

void service_violation(struct service *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	service_end(s, msg);
}

/* Logs why, tells the owner (its journal), and shuts the channel down: the reader
 * returns from service_run, the process goes on. Once per channel. */
static void service_end(struct service *s, const char *why)
{
	pthread_mutex_lock(&s->lock);
	int first = !s->peer_gone;
	s->peer_gone = 1;
	s->violated = 1;
	pthread_mutex_unlock(&s->lock);
	if (!first)
		return;
	log_warnx("protocol violation by the %s, channel closed: %s", s->chan.peer, why);
	if (s->on_violation != NULL)
		s->on_violation(s, why, s->ctx);
	shutdown(s->chan.fd, SHUT_RDWR);
}

void service_reply_error(struct service *s, uint32_t type, uint32_t id, uint32_t code,
			 const char *msg)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	ipc_put_u32(&w, code);
	ipc_put_str(&w, msg);
	service_reply(s, type, id, &w);
}

static void *worker_main(void *arg)
{
	struct service *s = arg;

	for (;;) {
		struct ipc_msg m;

		pthread_mutex_lock(&s->lock);
		while (s->count == 0 && !s->closing)
			pthread_cond_wait(&s->nonempty, &s->lock);
		if (s->count == 0) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		m = s->queue[s->head];
		s->head = (s->head + 1) % SERVICE_QUEUE_MAX;
		s->count--;
		pthread_cond_signal(&s->nonfull);
		pthread_mutex_unlock(&s->lock);
		s->handle(s, &m, s->ctx);
		ipc_msg_free(&m);
	}
}

static void enqueue(struct service *s, struct ipc_msg *m)
{
	pthread_mutex_lock(&s->lock);
	while (s->count == SERVICE_QUEUE_MAX)
		pthread_cond_wait(&s->nonfull, &s->lock);
	s->queue[(s->head + s->count) % SERVICE_QUEUE_MAX] = *m;
	s->count++;
	pthread_cond_signal(&s->nonempty);
	pthread_mutex_unlock(&s->lock);
}

int service_run(int fd, const char *peer, uint32_t max_payload, const struct ipc_rule *rules,
		size_t n_rules, unsigned nthreads, service_handler handle,
		int (*is_inline)(uint32_t type), void *ctx)
{
	return service_run_flags(fd, peer, max_payload, rules, n_rules, nthreads, handle,
				 is_inline, ctx, 0);
}

int service_run_flags(int fd, const char *peer, uint32_t max_payload,
		      const struct ipc_rule *rules, size_t n_rules, unsigned nthreads,
		      service_handler handle, int (*is_inline)(uint32_t type), void *ctx,
		      int flags)
{
	return service_run_hooked(fd, peer, max_payload, rules, n_rules, nthreads, handle,
				  is_inline, ctx, flags, NULL);
}

int service_run_hooked(int fd, const char *peer, uint32_t max_payload,
		       const struct ipc_rule *rules, size_t n_rules, unsigned nthreads,
		       service_handler handle, int (*is_inline)(uint32_t type), void *ctx,
		       int flags, service_violation_hook on_violation)
{
	static struct service zero;
	struct service *s = malloc(sizeof(*s));
	pthread_t tids[SERVICE_THREADS_MAX];
	char err[256];

	if (s == NULL)
		fatal("cannot serve the %s", peer);
	*s = zero;
	ipc_chan_init(&s->chan, fd, peer, max_payload);
	if (flags & SERVICE_LARGE_REPLIES)
		s->chan.max_send = IPC_MAX_PAYLOAD;
	s->rules = rules;
	s->n_rules = n_rules;
	s->handle = handle;
	s->is_inline = is_inline;
	s->ctx = ctx;
	s->on_violation = on_violation;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->nonempty, NULL);
	pthread_cond_init(&s->nonfull, NULL);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > SERVICE_THREADS_MAX)
		nthreads = SERVICE_THREADS_MAX;
	for (unsigned i = 0; i < nthreads; i++)
		if (pthread_create(&tids[i], NULL, worker_main, s) != 0)
			fatalx("cannot start the threads serving the %s", peer);

	for (;;) {
		struct ipc_msg m;
		int rc = ipc_recv(&s->chan, &m, err, sizeof(err));

		if (rc == 0 || (rc < 0 && s->peer_gone))
			break;
		/* A violation is the peer's failure: its channel ends, never this
		 * process (the peer's supervisor restarts it). */
		if (rc < 0) {
			service_end(s, err);
			break;
		}
		if (ipc_check(rules, n_rules, s->state, &s->chan, &m, err, sizeof(err)) == NULL) {
			ipc_msg_free(&m);
			service_end(s, err);
			break;
		}
		if (is_inline != NULL && is_inline(m.hdr.type)) {
			handle(s, &m, ctx);
			ipc_msg_free(&m);
		} else {
			enqueue(s, &m);
		}
	}
	pthread_mutex_lock(&s->lock);
	s->closing = 1;
	pthread_cond_broadcast(&s->nonempty);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	ipc_chan_free(&s->chan);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->nonempty);
	pthread_cond_destroy(&s->nonfull);
	int violated = s->violated;
	free(s);
	return violated ? 1 : 0;
}
