/* The custodian's IPC service loop; see serve.h and proto.h.
 *
 * One reader (this thread) checks each frame against the peer's whitelist and
 * queues issuance requests; nthreads workers decode, apply the checks, build,
 * lint, sign and answer. Replies carry the request id, so they may come back out
 * of order: a peer can keep several requests in flight. */
#include "firmware/custodian/serve.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/custodian/issue.h"
#include "firmware/custodian/proto.h"
#include "platform/atomicfile.h"
#include "platform/ipc.h"
#include "platform/log.h"

enum { ST_READY = 0 };

/* What a peer may send, in which state, with which payload bounds. */
static const struct ipc_rule peer_rules[] = {
	{CUST_GET_CA, 1u << ST_READY, 0, 0, 0},
	{CUST_ISSUE, 1u << ST_READY, 16, CUST_ISSUE_MAX, 0},
};

#define QUEUE_MAX 256

struct server {
	struct ca *ca;
	struct ipc_chan chan;
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	struct ipc_msg queue[QUEUE_MAX];
	size_t head, count;
	int closing;
};

static void send_error(struct server *s, uint32_t id, uint32_t code, const char *msg)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	ipc_put_u32(&w, code);
	ipc_put_str(&w, msg);
	if (w.failed || ipc_send(&s->chan, CUST_ERROR, id, w.data, w.len, -1) != 0)
		fatal("cannot answer the %s", s->chan.peer);
	ipc_wbuf_free(&w);
}

static void send_bytes(struct server *s, uint32_t type, uint32_t id, const struct x509_buf *a,
		       const struct x509_buf *b)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, a->data, a->len);
	if (b != NULL)
		ipc_put_bytes(&w, b->data, b->len);
	if (w.failed || ipc_send(&s->chan, type, id, w.data, w.len, -1) != 0)
		fatal("cannot answer the %s", s->chan.peer);
	ipc_wbuf_free(&w);
}

/* Checks what policy depends on, builds the certificate itself, signs it. */
static void handle_issue(struct server *s, const struct ipc_msg *m)
{
	struct ipc_rbuf r;
	char subject[CUST_SUBJECT_MAX + 1], err[512];
	const uint8_t *spki_p;
	size_t spki_len;
	uint32_t profile, days;
	struct x509_buf name = {0}, cert = {0};
	struct x509_buf spki;
	struct x509_tbs t;
	enum x509_key_type kt;
	unsigned bits;

	ipc_rbuf_init(&r, m);
	profile = ipc_get_u32(&r);
	ipc_get_str(&r, subject, sizeof(subject));
	ipc_get_bytes(&r, &spki_p, &spki_len, CUST_SPKI_MAX);
	days = ipc_get_u32(&r);
	if (ipc_rbuf_done(&r) != 0)
		fatalx("protocol violation: malformed ISSUE from the %s", s->chan.peer);

	spki.data = (uint8_t *)spki_p;
	spki.len = spki_len;
	if (x509_spki_key(spki_p, spki_len, &kt, &bits) != 0 ||
	    (kt == X509_KEY_RSA && (bits < 2048 || bits > 8192)) ||
	    (kt == X509_KEY_EC && bits != 256 && bits != 384)) {
		send_error(s, m->hdr.id, HR_CERTSRV_E_KEY_LENGTH,
			   "public key type or size not allowed");
		return;
	}
	if (days < 1 || days > 3650) {
		send_error(s, m->hdr.id, HR_E_INVALIDARG, "validity must be 1..3650 days");
		return;
	}
	if (x509_name_parse(subject, &name, err, sizeof(err)) != 0) {
		send_error(s, m->hdr.id, HR_CERTSRV_E_BAD_REQUESTSUBJECT, err);
		return;
	}
	if (profile_end_entity(s->ca, profile, &name, &spki, days, &t, err, sizeof(err)) != 0) {
		send_error(s, m->hdr.id, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE, err);
		x509_buf_free(&name);
		return;
	}
	if (issue_sign(s->ca, &s->ca->sign_key, &s->ca->spki, &t, &cert, err, sizeof(err)) != 0) {
		log_warnx("issuance failed: %s", err);
		send_error(s, m->hdr.id, HR_NTE_FAIL, err);
	} else {
		send_bytes(s, CUST_ISSUED, m->hdr.id, &cert, NULL);
	}
	profile_free(&t);
	x509_buf_free(&name);
	x509_buf_free(&cert);
}

static void *worker_main(void *arg)
{
	struct server *s = arg;

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
		s->head = (s->head + 1) % QUEUE_MAX;
		s->count--;
		pthread_cond_signal(&s->nonfull);
		pthread_mutex_unlock(&s->lock);
		handle_issue(s, &m);
		ipc_msg_free(&m);
	}
}

static void enqueue(struct server *s, struct ipc_msg *m)
{
	pthread_mutex_lock(&s->lock);
	while (s->count == QUEUE_MAX)
		pthread_cond_wait(&s->nonfull, &s->lock);
	s->queue[(s->head + s->count) % QUEUE_MAX] = *m;
	s->count++;
	pthread_cond_signal(&s->nonempty);
	pthread_mutex_unlock(&s->lock);
}

static void read_chain(struct ca *ca, struct x509_buf *chain)
{
	char path[PATH_MAX];
	unsigned char *d;
	size_t len;

	chain->data = NULL;
	chain->len = 0;
	if (ca_path(ca, CA_CHAIN_FILE, path, sizeof(path)) == 0 &&
	    file_read_all(path, 1 << 20, &d, &len) == 0) {
		chain->data = d;
		chain->len = len;
	}
}

int serve(struct ca *ca, int fd, const char *peer, unsigned nthreads)
{
	struct server s;
	pthread_t tids[64];
	struct x509_buf chain;
	char err[256];

	memset(&s, 0, sizeof(s));
	s.ca = ca;
	ipc_chan_init(&s.chan, fd, peer, CUST_ISSUE_MAX);
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.nonempty, NULL);
	pthread_cond_init(&s.nonfull, NULL);
	read_chain(ca, &chain);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > 64)
		nthreads = 64;
	for (unsigned i = 0; i < nthreads; i++)
		if (pthread_create(&tids[i], NULL, worker_main, &s) != 0)
			fatalx("cannot start signing threads");

	for (;;) {
		struct ipc_msg m;
		int rc = ipc_recv(&s.chan, &m, err, sizeof(err));

		if (rc == 0)
			break;
		if (rc < 0)
			fatalx("channel to the %s: %s", peer, err);
		if (ipc_check(peer_rules, sizeof(peer_rules) / sizeof(peer_rules[0]), ST_READY,
			      &s.chan, &m, err, sizeof(err)) == NULL)
			fatalx("protocol violation: %s", err);
		if (m.hdr.type == CUST_GET_CA) {
			send_bytes(&s, CUST_CA_INFO, m.hdr.id, &ca->cert.der, &chain);
			ipc_msg_free(&m);
		} else {
			enqueue(&s, &m);
		}
	}
	pthread_mutex_lock(&s.lock);
	s.closing = 1;
	pthread_cond_broadcast(&s.nonempty);
	pthread_mutex_unlock(&s.lock);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	x509_buf_free(&chain);
	ipc_chan_free(&s.chan);
	return 0;
}
