/* The CA's core in one process: a SoftHSM token, the ceremony's CA, a ledger and
 * the custodian's service on socketpairs; see core_harness.h. */
#include "tests/unit/support/core_harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/custodian/admin.h"
#include "firmware/custodian/ceremony.h"
#include "firmware/custodian/checkpoint.h"
#include "firmware/ledger/serve.h"
#include "platform/secret.h"
#include "tests/unit/support/x509_oracle.h"

#define CORE_THREADS 4

int core_pin_fd(void)
{
	int p[2];
	ssize_t n;

	if (pipe(p) != 0)
		return -1;
	n = write(p[1], SOFTHSM_USER_PIN, strlen(SOFTHSM_USER_PIN));
	close(p[1]);
	if (n != (ssize_t)strlen(SOFTHSM_USER_PIN)) {
		close(p[0]);
		return -1;
	}
	return p[0];
}

int core_ca_make(struct core_ca *t, const char *key)
{
	struct ceremony_opts o;
	char conf[PATH_MAX];
	int rc;

	memset(t, 0, sizeof(*t));
	if (softhsm_token_setup(&t->token, "core-harness") != 0)
		return -1;
	softhsm_token_path(&t->token, "ca", t->dir, sizeof(t->dir));
	softhsm_token_path(&t->token, "softhsm2.conf", conf, sizeof(conf));
	memset(&o, 0, sizeof(o));
	o.dir = t->dir;
	o.module = SOFTHSM_MODULE;
	o.token = t->token.label;
	o.softhsm2_conf = conf;
	o.subject = "CN=Core Harness Root CA,O=Example";
	o.key.type = strncmp(key, "ec:", 3) == 0 ? HSM_KEY_EC : HSM_KEY_RSA;
	/* "rsa:2048" or "ec:p256": the bits after the colon (and the p) */
	o.key.bits = (unsigned)atoi(strchr(key, ':') + (o.key.type == HSM_KEY_EC ? 2 : 1));
	o.days = 3650;
	o.xchg_days = 14;
	o.cdp_url = "http://pki.example/ca.crl";
	o.aia_url = "";
	o.ocsp_url = "";
	o.pin.fd = core_pin_fd();
	o.pin.file = NULL;
	if (o.pin.fd < 0) {
		fprintf(stderr, "core_ca_make: no PIN descriptor\n");
		core_ca_free(t);
		return -1;
	}
	rc = ceremony_root(&o);
	close(o.pin.fd);
	if (rc != 0) {
		fprintf(stderr, "core_ca_make: the root ceremony failed\n");
		core_ca_free(t);
		return -1;
	}
	return 0;
}

void core_ca_free(struct core_ca *t)
{
	softhsm_token_teardown(&t->token);
}

/* The ledger's region directory (firmware/ledger/store.c) and the data directory. */
static void remove_dir(const char *dir)
{
	char cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "[ -f '%s/ledger/region-id' ] && rm -rf %s/ca-ledger-$(cat "
		 "'%s/ledger/region-id')", dir, CONFIG_LEDGER_REGION_DIR, dir);
	if (system(cmd) < 0)
		fprintf(stderr, "cannot remove the region of %s\n", dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* This test's data directory: the ceremony's files (ca.conf, certificates), no
 * ledger, no operators yet. */
static int copy_ca(struct core *c, const struct core_ca *t)
{
	char cmd[3 * PATH_MAX];

	snprintf(c->dir, sizeof(c->dir), "/tmp/core-harness-XXXXXX");
	if (mkdtemp(c->dir) == NULL) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		c->dir[0] = 0;
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "cp -a '%s'/. '%s'/", t->dir, c->dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Loads the CA from c->dir as the serving custodian does (ca_load), then the
 * test's settings. */
static int load_ca(struct core *c, const struct core_opts *o)
{
	struct pin_source pin = {core_pin_fd(), NULL};
	char err[512];
	int rc;

	if (pin.fd < 0)
		return -1;
	rc = ca_load(&c->ca, c->dir, &pin, 1, err, sizeof(err));
	close(pin.fd);
	if (rc != 0) {
		fprintf(stderr, "ca_load: %s\n", err);
		return -1;
	}
	c->ca_loaded = 1;
	/* Each test gets a fresh ledger on the template's one token: the anchors a
	 * previous test's checkpoints left there would (rightly) refuse it. */
	if (!o->keep_anchors &&
	    (hsm_data_destroy(c->ca.hsm, CHECKPOINT_LABEL_A, NULL) != HSM_OK ||
	     hsm_data_destroy(c->ca.hsm, CHECKPOINT_LABEL_B, NULL) != HSM_OK)) {
		fprintf(stderr, "cannot remove the ledger anchors from the token\n");
		return -1;
	}
	for (size_t i = 0; o->conf != NULL && o->conf[i] != NULL; i++) {
		char key[CONF_KEY_MAX];
		const char *eq = strchr(o->conf[i], '=');

		if (eq == NULL || (size_t)(eq - o->conf[i]) >= sizeof(key))
			return -1;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - o->conf[i]), o->conf[i]);
		if (conf_set(&c->ca.conf, key, eq + 1) != 0)
			return -1;
	}
	return 0;
}

static void *ledger_main(void *arg)
{
	struct core *c = arg;

	ledger_serve(c->ledger, c->ledger_fds[0], "custodian", CORE_THREADS);
	return NULL;
}

static void *proxy_main(void *arg);

/* The ledger as `ca-ledger genesis` then `ca-ledger serve` make it: the genesis
 * naming the CA certificate, the free space watched, served on a socketpair. */
static int start_ledger(struct core *c, const struct core_opts *o)
{
	struct ledger_event ev;
	char err[512];

	if (ledger_open(c->dir, LEDGER_NOSYNC, &c->ledger, err, sizeof(err)) != 0) {
		fprintf(stderr, "ledger_open: %s\n", err);
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_GENESIS;
	ev.actor_kind = ACTOR_CA;
	ev.actor = "CA";
	ev.u.genesis.ca_cert.p = c->ca.cert.der.data;
	ev.u.genesis.ca_cert.len = c->ca.cert.der.len;
	if (ledger_append(c->ledger, &ev, NULL, err, sizeof(err)) != LEDGER_OK ||
	    ledger_space_watch(c->ledger, o->reserve_mb, 0, err, sizeof(err)) != 0) {
		fprintf(stderr, "ledger: %s\n", err);
		return -1;
	}
	/* A ledger of another history (the test's pad_events operator actions). */
	for (unsigned i = 0; i < o->pad_events; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = EV_OPERATOR_ACTION;
		ev.actor_kind = ACTOR_OPERATOR;
		ev.actor = "mallory";
		ev.u.op.action = "pad";
		ev.u.op.target = "";
		ev.u.op.allowed = 1;
		ev.u.op.detail = "";
		if (ledger_append(c->ledger, &ev, NULL, err, sizeof(err)) != LEDGER_OK) {
			fprintf(stderr, "ledger: %s\n", err);
			return -1;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->ledger_fds) != 0 ||
	    pthread_create(&c->ledger_thread, NULL, ledger_main, c) != 0)
		return -1;
	c->ledger_running = 1;
	if (o->ledger_proxy) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->proxy_fds) != 0 ||
		    pthread_create(&c->proxy_thread, NULL, proxy_main, c) != 0)
			return -1;
		c->proxy_running = 1;
		if (o->forge_type != 0)
			core_ledger_forge(c, o->forge_type, o->forge_nth, o->forge_answer,
					  o->forge_payload, o->forge_len);
	}
	return 0;
}

/* The relay between the custodian and its ledger (core_opts.ledger_proxy): each
 * frame the custodian sends goes to the ledger and its answer back, one at a
 * time, unless the forge rule matches it. It ends when the custodian's end
 * closes (custodian_close); a relay that ended first would make the custodian
 * exit (record.c: the ledger gone). */
static void *proxy_main(void *arg)
{
	struct core *c = arg;
	struct ipc_chan up, down;
	char err[256];

	ipc_chan_init(&up, c->proxy_fds[0], "custodian", LEDGER_FRAME_MAX);
	ipc_chan_init(&down, c->ledger_fds[1], "ledger", LEDGER_FRAME_MAX);
	for (;;) {
		struct ipc_msg m, a;
		int forge;

		if (ipc_recv(&up, &m, err, sizeof(err)) != 1)
			break;
		pthread_mutex_lock(&c->forge_mu);
		if (c->hold) {
			c->held++;
			while (c->hold)
				pthread_cond_wait(&c->hold_cv, &c->forge_mu);
		}
		forge = c->forge.active && m.hdr.type == c->forge.type &&
			++c->forge.seen == c->forge.nth;
		if (forge) {
			c->forge.active = 0;
			c->forged++;
			ipc_send(&up, c->forge.answer_type, m.hdr.id, c->forge.payload,
				 c->forge.len, -1);
		}
		pthread_mutex_unlock(&c->forge_mu);
		if (!forge && (ipc_send(&down, m.hdr.type, m.hdr.id, m.data, m.hdr.len, -1) != 0 ||
			       ipc_recv(&down, &a, err, sizeof(err)) != 1)) {
			ipc_msg_free(&m);
			break;
		}
		ipc_msg_free(&m);
		if (!forge) {
			ipc_send(&up, a.hdr.type, a.hdr.id, a.data, a.hdr.len, -1);
			ipc_msg_free(&a);
		}
	}
	ipc_chan_free(&up);
	ipc_chan_free(&down);
	return NULL;
}

void core_ledger_forge(struct core *c, uint32_t type, unsigned nth, uint32_t answer_type,
		       const void *payload, size_t len)
{
	pthread_mutex_lock(&c->forge_mu);
	free(c->forge.payload);
	c->forge.payload = malloc(len ? len : 1);
	if (c->forge.payload != NULL && len)
		memcpy(c->forge.payload, payload, len);
	c->forge.len = payload != NULL ? len : 0;
	c->forge.type = type;
	c->forge.nth = nth;
	c->forge.seen = 0;
	c->forge.answer_type = answer_type;
	c->forge.active = c->forge.payload != NULL;
	pthread_mutex_unlock(&c->forge_mu);
}

void core_ledger_hold(struct core *c, int on)
{
	pthread_mutex_lock(&c->forge_mu);
	c->hold = on;
	pthread_cond_broadcast(&c->hold_cv);
	pthread_mutex_unlock(&c->forge_mu);
}

unsigned core_ledger_held(struct core *c)
{
	unsigned n;

	pthread_mutex_lock(&c->forge_mu);
	n = c->held;
	pthread_mutex_unlock(&c->forge_mu);
	return n;
}

unsigned core_ledger_forged(struct core *c)
{
	unsigned n;

	pthread_mutex_lock(&c->forge_mu);
	n = c->forged;
	pthread_mutex_unlock(&c->forge_mu);
	return n;
}

static void *custodian_main(void *arg)
{
	struct core *c = arg;
	uint8_t key[IDTOKEN_KEY_LEN]; /* the service wipes what it is given */

	memcpy(key, c->id_key, sizeof(key));
	c->cust_rc = custodian_serve_channel(c->cust, c->worker_fds[1], "worker", CORE_THREADS,
					     c->no_id_key ? NULL : key);
	return NULL;
}

/* DATA/admin.sock's path into sa. */
static socklen_t console_addr(const struct core *c, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/admin.sock", c->dir);
	return (socklen_t)sizeof(*sa);
}

/* The console's listening socket, as cad binds it for the custodian. */
static int listen_console(struct core *c)
{
	struct sockaddr_un sa;
	socklen_t len = console_addr(c, &sa);

	c->admin_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->admin_fd < 0 || bind(c->admin_fd, (struct sockaddr *)&sa, len) != 0 ||
	    listen(c->admin_fd, 8) != 0) {
		fprintf(stderr, "console socket: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* The events custodian_open journaled from ca.conf (its snapshot, the settings
 * it imported: actor "ca.conf") and the default certificate templates it
 * installed (actor "ceremony", tmplstore.h), right after the genesis. A ledger
 * below its reserve takes none of ca.conf's (its own low-space warning may be
 * there). */
static uint64_t count_start_events(struct core *c, const struct core_opts *o)
{
	char *strbuf = malloc(LEDGER_STRBUF), err[256];
	struct ledger_event ev;
	uint64_t head = 0, n = 0;

	if (o->no_ledger || strbuf == NULL) {
		free(strbuf);
		return 0;
	}
	ledger_head(c->ledger, &head, NULL);
	for (uint64_t seq = 2; seq <= head; seq++) {
		uint8_t *rec = NULL;
		size_t len;
		int ours = 0;

		if (ledger_get_record(c->ledger, seq, &rec, &len) == LEDGER_OK &&
		    ledger_record_decode(rec, len, &ev, strbuf, LEDGER_STRBUF, err,
					 sizeof(err)) == 0)
			ours = strcmp(ev.actor, "ca.conf") == 0 ||
			       (ev.type == EV_TEMPLATE_CHANGED && strcmp(ev.actor, "ceremony") == 0);
		free(rec);
		if (!ours)
			break;
		n++;
	}
	free(strbuf);
	return n;
}

/* The custodian's service as serve() starts it, minus the sandbox. */
static int start_custodian(struct core *c, const struct core_opts *o)
{
	if (o->console && listen_console(c) != 0)
		return -1;
	c->open_rc = custodian_open(&c->cust, &c->ca,
				    o->no_ledger	 ? -1
				    : o->ledger_proxy ? c->proxy_fds[1]
						      : c->ledger_fds[1],
				    c->admin_fd, o->crl_auto, c->err, sizeof(c->err));
	if (c->open_rc != 0) {
		fprintf(stderr, "custodian_open: %s\n", c->err);
		return -1;
	}
	c->start_events = count_start_events(c, o);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->worker_fds) != 0)
		return -1;
	ipc_chan_init(&c->chan, c->worker_fds[0], "custodian", 0);
	/* The channel's identity-token key, as cad makes one per worker start. */
	c->no_id_key = o->no_id_key;
	for (size_t i = 0; i < sizeof(c->id_key); i++)
		c->id_key[i] = (uint8_t)(0xa5 ^ i);
	if (pthread_create(&c->cust_thread, NULL, custodian_main, c) != 0)
		return -1;
	c->cust_running = 1;
	return 0;
}

int core_start(struct core *c, const struct core_ca *t, const struct core_opts *o)
{
	static const struct core_opts none;

	memset(c, 0, sizeof(*c));
	c->ledger_fds[0] = c->ledger_fds[1] = c->worker_fds[0] = c->worker_fds[1] = -1;
	c->proxy_fds[0] = c->proxy_fds[1] = -1;
	pthread_mutex_init(&c->forge_mu, NULL);
	pthread_cond_init(&c->hold_cv, NULL);
	c->admin_fd = -1;
	c->next_id = 1;
	if (o == NULL)
		o = &none;
	if (copy_ca(c, t) != 0 || load_ca(c, o) != 0 ||
	    (!o->no_ledger && start_ledger(c, o) != 0) || start_custodian(c, o) != 0) {
		core_stop(c);
		return -1;
	}
	return 0;
}

int core_end_channel(struct core *c)
{
	if (c->cust_running) {
		shutdown(c->worker_fds[0], SHUT_RDWR);
		pthread_join(c->cust_thread, NULL);
		c->cust_running = 0;
	}
	return c->cust_rc;
}

void core_stop(struct core *c)
{
	if (c->proxy_running)
		core_ledger_hold(c, 0); /* a test that stopped with the ledger held */
	core_end_channel(c);
	if (c->worker_fds[0] >= 0) {
		ipc_chan_free(&c->chan);
		close(c->worker_fds[0]);
		close(c->worker_fds[1]);
	}
	c->worker_fds[0] = c->worker_fds[1] = -1;
	custodian_close(c->cust); /* shuts the journal channel down: the ledger returns */
	c->cust = NULL;
	if (c->admin_fd >= 0)
		close(c->admin_fd);
	c->admin_fd = -1;
	if (c->proxy_running) {
		shutdown(c->proxy_fds[1], SHUT_RDWR); /* when the custodian never opened */
		pthread_join(c->proxy_thread, NULL);
		c->proxy_running = 0;
	}
	if (c->proxy_fds[0] >= 0) {
		close(c->proxy_fds[0]);
		close(c->proxy_fds[1]);
	}
	c->proxy_fds[0] = c->proxy_fds[1] = -1;
	free(c->forge.payload);
	c->forge.payload = NULL;
	c->forge.active = 0;
	if (c->ledger_running) {
		shutdown(c->ledger_fds[1], SHUT_RDWR);
		pthread_join(c->ledger_thread, NULL);
		close(c->ledger_fds[0]);
		close(c->ledger_fds[1]);
		c->ledger_running = 0;
	}
	c->ledger_fds[0] = c->ledger_fds[1] = -1;
	if (c->ledger != NULL)
		ledger_close(c->ledger);
	c->ledger = NULL;
	if (c->ca_loaded)
		ca_close(&c->ca);
	c->ca_loaded = 0;
	if (c->dir[0] != 0)
		remove_dir(c->dir);
	c->dir[0] = 0;
}

uint32_t core_send(struct core *c, uint32_t type, struct ipc_wbuf *w)
{
	uint32_t id = c->next_id++;

	if (ipc_send(&c->chan, type, id, w != NULL ? w->data : NULL, w != NULL ? w->len : 0,
		     -1) != 0)
		fprintf(stderr, "core_send: %s\n", strerror(errno));
	if (w != NULL)
		ipc_wbuf_free(w);
	return id;
}

int core_recv(struct core *c, struct ipc_msg *m)
{
	char err[256];
	int rc = ipc_recv(&c->chan, m, err, sizeof(err));

	if (rc < 0)
		fprintf(stderr, "core_recv: %s\n", err);
	return rc;
}

int core_get_ca(struct core *c)
{
	struct cust_ca_info ci;
	struct ipc_msg m;
	uint32_t id = core_send(c, CUST_GET_CA, NULL);
	int ok;

	if (core_recv(c, &m) != 1)
		return -1;
	ok = m.hdr.type == CUST_CA_INFO && m.hdr.id == id &&
	     cust_ca_info_decode(m.data, m.hdr.len, &ci) == 0 &&
	     ci.cert_len == c->ca.cert.der.len &&
	     memcmp(ci.cert, c->ca.cert.der.data, ci.cert_len) == 0 && ci.chain_len > 0;
	ipc_msg_free(&m);
	return ok ? 0 : -1;
}

void core_token(const struct core *c, const uint8_t *key, const char *identity,
		int64_t expires, uint8_t out[IDTOKEN_MAX], size_t *len)
{
	core_token_attrs(c, key, identity, NULL, expires, out, len);
}

static void token_for(const struct core *c, const uint8_t *key, uint32_t purpose,
		      const char *identity, const struct id_attrs *attrs, int64_t expires,
		      uint8_t out[IDTOKEN_MAX], size_t *len)
{
	struct idtoken t;
	char err[256];

	memset(&t, 0, sizeof(t));
	t.purpose = purpose;
	t.logon = 7;
	t.expires = expires;
	snprintf(t.identity, sizeof(t.identity), "%s", identity);
	if (attrs != NULL)
		idtoken_set_attrs(&t, attrs);
	if (idtoken_mint(key != NULL ? key : c->id_key, &t, out, len, err, sizeof(err)) != 0) {
		fprintf(stderr, "idtoken_mint: %s\n", err);
		*len = 0;
	}
}

void core_token_attrs(const struct core *c, const uint8_t *key, const char *identity,
		      const struct id_attrs *attrs, int64_t expires, uint8_t out[IDTOKEN_MAX],
		      size_t *len)
{
	token_for(c, key, IDTOKEN_LOGON, identity, attrs, expires, out, len);
}

void core_subject_token(const struct core *c, const char *identity, const struct id_attrs *attrs,
			int64_t expires, uint8_t out[IDTOKEN_MAX], size_t *len)
{
	token_for(c, NULL, IDTOKEN_SUBJECT, identity, attrs, expires, out, len);
}

void core_who(const struct core *c, const char *identity, const char *anonymous,
	      struct core_who *w)
{
	memset(w, 0, sizeof(*w));
	w->anonymous = anonymous;
	if (identity != NULL)
		core_token(c, NULL, identity, (int64_t)time(NULL) + 600, w->token, &w->token_len);
}

/* proto.h's who, as the worker fills it. */
static void fill_who(struct cust_who *out, const struct core_who *who)
{
	memset(out, 0, sizeof(*out));
	out->token = who->token;
	out->token_len = who->token_len;
	if (who->anonymous != NULL)
		snprintf(out->requester, sizeof(out->requester), "%s", who->anonymous);
}

int core_answer(struct core *c, uint32_t id, struct core_answer *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->raw.fd = -1;
	rc = core_recv(c, &a->raw);
	if (rc == 0)
		return 0; /* kind 0: the custodian ended the channel */
	if (rc < 0 || a->raw.hdr.id != id)
		return -1;
	a->kind = a->raw.hdr.type;
	if (a->kind == CUST_RESULT)
		return cust_result_decode(a->raw.data, a->raw.hdr.len, &a->result);
	if (a->kind == CUST_ERROR)
		return cust_error_decode(a->raw.data, a->raw.hdr.len, &a->error);
	return -1;
}

void core_answer_free(struct core_answer *a)
{
	ipc_msg_free(&a->raw);
	memset(a, 0, sizeof(*a));
	a->raw.fd = -1;
}

int core_submit(struct core *c, const struct core_who *who, uint32_t format,
		const uint8_t *raw, size_t len, struct core_answer *a)
{
	struct cust_submit *q = calloc(1, sizeof(*q));
	struct ipc_wbuf w;
	uint32_t id;

	if (q == NULL)
		return -1;
	q->format = format;
	fill_who(&q->who, who);
	q->request = raw;
	q->request_len = len;
	snprintf(q->attributes, sizeof(q->attributes), "rmd:host1.example\n");
	ipc_wbuf_init(&w);
	cust_submit_encode(&w, q);
	free(q);
	id = core_send(c, CUST_SUBMIT, &w);
	return core_answer(c, id, a);
}

int core_retrieve(struct core *c, const struct core_who *who, uint32_t request_id,
		  struct core_answer *a)
{
	struct cust_retrieve q;
	struct ipc_wbuf w;

	memset(&q, 0, sizeof(q));
	q.request_id = request_id;
	fill_who(&q.who, who);
	ipc_wbuf_init(&w);
	cust_retrieve_encode(&w, &q);
	return core_answer(c, core_send(c, CUST_RETRIEVE, &w), a);
}

uint64_t core_ledger_head(struct core *c)
{
	uint64_t seq = 0;

	ledger_head(c->ledger, &seq, NULL);
	return seq > c->start_events ? seq - c->start_events : seq;
}

uint64_t core_ledger_relative(const struct core *c, uint64_t seq)
{
	return seq > 1 + c->start_events ? seq - c->start_events : seq;
}

int core_ledger_event(struct core *c, uint64_t seq, struct ledger_event *ev, char *strbuf,
		      uint8_t **rec)
{
	char err[256];
	size_t len;

	*rec = NULL;
	if (seq > 1)
		seq += c->start_events;
	if (ledger_get_record(c->ledger, seq, rec, &len) != LEDGER_OK)
		return -1;
	if (ledger_record_decode(*rec, len, ev, strbuf, LEDGER_STRBUF, err, sizeof(err)) != 0) {
		fprintf(stderr, "event %llu: %s\n", (unsigned long long)seq, err);
		return -1;
	}
	return 0;
}

struct admin *core_admin(struct core *c)
{
	return custodian_admin(c->cust);
}

int core_csr(const char *dn, const char *kind, const char *key, const char *signer,
	     struct x509_buf *csr)
{
	struct x509_buf subject = {0}, spki = {0}, info = {0}, sig = {0}, unused = {0};
	enum x509_sigalg alg = strncmp(kind, "rsa", 3) == 0 ? X509_SIG_RSA_SHA256
							    : X509_SIG_ECDSA_SHA256;
	char err[256];
	int rc = -1;

	if (oracle_genkey(kind, key, &spki) != 0 ||
	    (strcmp(signer, key) != 0 && oracle_genkey(kind, signer, &unused) != 0))
		goto out;
	if (x509_name_parse(dn, &subject, err, sizeof(err)) != 0 ||
	    x509_csr_info_encode(&subject, &spki, 0, &info, err, sizeof(err)) != 0) {
		fprintf(stderr, "core_csr: %s\n", err);
		goto out;
	}
	if (oracle_sign(signer, alg, info.data, info.len, &sig) != 0 ||
	    x509_csr_assemble(&info, alg, sig.data, sig.len, csr) != 0)
		goto out;
	rc = 0;
out:
	x509_buf_free(&subject);
	x509_buf_free(&spki);
	x509_buf_free(&unused);
	x509_buf_free(&info);
	x509_buf_free(&sig);
	return rc;
}

/* Appends len bytes to a growing buffer. */
static int buf_cat(struct x509_buf *b, const uint8_t *c, size_t len)
{
	uint8_t *p = realloc(b->data, b->len + len + 1);

	if (p == NULL)
		return -1;
	b->data = p;
	if (len > 0)
		memcpy(p + b->len, c, len);
	b->len += len;
	return 0;
}

/* Appends a DER TLV (tag, definite length, content) to a growing buffer. */
static int put_tlv(struct x509_buf *b, uint8_t tag, const uint8_t *c, size_t len)
{
	uint8_t hdr[6];
	size_t h = 0;
	uint8_t *p;

	hdr[h++] = tag;
	if (len < 0x80) {
		hdr[h++] = (uint8_t)len;
	} else if (len < 0x100) {
		hdr[h++] = 0x81;
		hdr[h++] = (uint8_t)len;
	} else if (len < 0x10000) {
		hdr[h++] = 0x82;
		hdr[h++] = (uint8_t)(len >> 8);
		hdr[h++] = (uint8_t)len;
	} else {
		return -1;
	}
	if ((p = realloc(b->data, b->len + h + len + 1)) == NULL)
		return -1;
	b->data = p;
	memcpy(p + b->len, hdr, h);
	if (len > 0)
		memcpy(p + b->len + h, c, len);
	b->len += h + len;
	return 0;
}

int core_csr_raw(const struct x509_buf *subject, const uint8_t *exts, size_t exts_len,
		 const char *kind, const char *key, struct x509_buf *csr)
{
	static const uint8_t version[] = {0x02, 0x01, 0x00};
	static const uint8_t ext_req[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
					  0x0d, 0x01, 0x09, 0x0e}; /* 1.2.840.113549.1.9.14 */
	enum x509_sigalg alg = strncmp(kind, "rsa", 3) == 0 ? X509_SIG_RSA_SHA256
							    : X509_SIG_ECDSA_SHA256;
	struct x509_buf spki = {0}, set = {0}, attr = {0}, attrs = {0}, body = {0}, info = {0},
			sig = {0};
	int rc = -1;

	if (oracle_genkey(kind, key, &spki) != 0)
		goto out;
	if (exts != NULL &&
	    (put_tlv(&set, 0x31, exts, exts_len) != 0 ||
	     buf_cat(&attr, ext_req, sizeof(ext_req)) != 0 ||
	     buf_cat(&attr, set.data, set.len) != 0 ||
	     put_tlv(&attrs, 0x30, attr.data, attr.len) != 0))
		goto out;
	if (buf_cat(&body, version, sizeof(version)) != 0 ||
	    buf_cat(&body, subject->data, subject->len) != 0 ||
	    buf_cat(&body, spki.data, spki.len) != 0 ||
	    put_tlv(&body, 0xa0, attrs.data, attrs.len) != 0 ||
	    put_tlv(&info, 0x30, body.data, body.len) != 0)
		goto out;
	if (oracle_sign(key, alg, info.data, info.len, &sig) != 0 ||
	    x509_csr_assemble(&info, alg, sig.data, sig.len, csr) != 0)
		goto out;
	rc = 0;
out:
	x509_buf_free(&spki);
	x509_buf_free(&set);
	x509_buf_free(&attr);
	x509_buf_free(&attrs);
	x509_buf_free(&body);
	x509_buf_free(&info);
	x509_buf_free(&sig);
	return rc;
}

int core_ca_operator(struct core_ca *t, const char *name, uint32_t roles, const char *pass)
{
	struct operator_db *db = calloc(1, sizeof(*db));
	char err[256];
	int rc = -1;

	if (db == NULL)
		return -1;
	if (operator_db_load(t->dir, db, err, sizeof(err)) != 0 ||
	    operator_set(db, name, roles, pass, err, sizeof(err)) != 0 ||
	    operator_db_save(t->dir, db, err, sizeof(err)) != 0)
		fprintf(stderr, "core_ca_operator: %s\n", err);
	else
		rc = 0;
	explicit_bzero(db, sizeof(*db));
	free(db);
	return rc;
}

int core_console_open(struct core *c, struct core_console *k)
{
	struct sockaddr_un sa;
	socklen_t len = console_addr(c, &sa);

	memset(k, 0, sizeof(*k));
	k->next_id = 1;
	k->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (k->fd < 0 || connect(k->fd, (struct sockaddr *)&sa, len) != 0) {
		fprintf(stderr, "console connect: %s\n", strerror(errno));
		if (k->fd >= 0)
			close(k->fd);
		k->fd = -1;
		return -1;
	}
	ipc_chan_init(&k->chan, k->fd, "custodian", 0);
	return 0;
}

int core_console_call(struct core_console *k, uint32_t type, struct ipc_wbuf *w,
		      struct ipc_msg *reply)
{
	uint32_t id = k->next_id++;
	char err[256];
	int rc;

	rc = ipc_send(&k->chan, type, id, w != NULL ? w->data : NULL, w != NULL ? w->len : 0,
		      -1);
	if (w != NULL)
		ipc_wbuf_free(w);
	if (rc != 0)
		return -1;
	rc = ipc_recv(&k->chan, reply, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "console: %s\n", err);
	if (rc == 1 && reply->hdr.id != id) {
		ipc_msg_free(reply);
		return -1;
	}
	return rc;
}

void core_console_close(struct core *c, struct core_console *k)
{
	struct admin *a = core_admin(c);
	int left = 1;

	if (k->fd < 0)
		return;
	ipc_chan_free(&k->chan);
	close(k->fd);
	k->fd = -1;
	/* The connection's thread ends when it reads the close. */
	for (int i = 0; i < 5000 && left; i++) {
		pthread_mutex_lock(&a->mu);
		left = a->connections;
		pthread_mutex_unlock(&a->mu);
		if (left)
			usleep(1000);
	}
}
