/* The custodian's IPC service; see serve.h and proto.h. platform/service.c reads
 * and checks the frames against the whitelist below; nthreads workers decode,
 * apply the checks, build, lint, sign and answer. */
#include "firmware/custodian/serve.h"
#include "firmware/custodian/sandbox.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/authlog.h"
#include "firmware/custodian/caprop.h"
#include "firmware/custodian/checkpoint.h"
#include "firmware/custodian/issue.h"
#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/respond.h"
#include "firmware/custodian/submit.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/custodian/verify_pool.h"
#include "platform/atomicfile.h"
#include "platform/ipc.h"
#include "platform/log.h"
#include "platform/service.h"

/* The worker channel's states. A worker starts by asking for the CA's certificate
 * and chain (GET_CA: its start-up, before its sandbox, answered once) and only
 * then enrolls; a second GET_CA, or anything before the first, is a violation.
 * GET_CA is answered on the reader thread (is_inline), which moves the channel to
 * ST_READY before it checks the next frame. */
enum { ST_START = 0, ST_READY = 1 };

/* What the worker may send, in which state, with which payload bounds. With a
 * ledger: enrollment, every step recorded. */
static const struct ipc_rule recorded_rules[] = {
	{CUST_GET_CA, 1u << ST_START, 0, 0, 0},
	{CUST_SUBMIT, 1u << ST_READY, CUST_SUBMIT_MIN, CUST_SUBMIT_MAX, 0},
	{CUST_REFUSED, 1u << ST_READY, CUST_REFUSED_MIN, CUST_REFUSED_MAX, 0},
	{CUST_RETRIEVE, 1u << ST_READY, CUST_RETRIEVE_MIN, CUST_RETRIEVE_MAX, 0},
	{CUST_RESPONSE, 1u << ST_READY, CUST_RESPONSE_MIN, CUST_RESPONSE_MAX, 0},
	{CUST_CAPROP, 1u << ST_READY, CUST_CAPROP_MIN, CUST_CAPROP_MAX, 0},
	{CUST_AUTH_EVENT, 1u << ST_READY, 16, CUST_AUTH_EVENT_MAX, 0},
};
/* Without one (the signing benchmark): bare issuance, nothing else. */
static const struct ipc_rule unrecorded_rules[] = {
	{CUST_GET_CA, 1u << ST_START, 0, 0, 0},
	{CUST_ISSUE, 1u << ST_READY, 16, CUST_ISSUE_MAX, 0},
};

#define RULES_N(r) (sizeof(r) / sizeof((r)[0]))

struct server {
	struct ca *ca;
	struct x509_buf chain;
	struct submit_ctx submit;
	struct caprop_src caprop; /* CUST_CAPROP's sources: submit, xchg.crt */
};

static void send_error(struct service *s, uint32_t id, uint32_t code, const char *msg)
{
	cust_reply_error(s, id, code, msg);
}

/* The answer to the worker's start-up: the CA's certificate and chain, and the
 * interface flags in force now (the worker enforces them first; a change ends
 * its channel: submit_restart_worker). */
static void send_ca_info(struct service *s, struct server *srv, uint32_t id)
{
	struct cust_ca_info ci = {.cert = srv->ca->cert.der.data,
				  .cert_len = srv->ca->cert.der.len,
				  .chain = srv->chain.data,
				  .chain_len = srv->chain.len};
	struct policy *p = malloc(sizeof(*p));
	struct ipc_wbuf w;

	if (p == NULL)
		fatalx("out of memory");
	submit_policy(&srv->submit, p);
	ci.flags = (p->enforce_encryption ? CUST_IF_ENFORCE_ENCRYPTION : 0) |
		   (p->allow_anonymous ? CUST_IF_ALLOW_ANONYMOUS : 0) |
		   (p->no_rpc ? CUST_IF_NO_RPC : 0);
	free(p);

	ipc_wbuf_init(&w);
	cust_ca_info_encode(&w, &ci);
	service_reply(s, CUST_CA_INFO, id, &w);
}

/* Checks what policy depends on, builds the certificate itself, signs it. */
static void handle_issue(struct service *s, struct server *srv, const struct ipc_msg *m)
{
	struct cust_issue q;
	char err[512];
	struct x509_buf name = {0}, cert = {0};
	struct x509_buf spki;
	struct x509_tbs t;
	enum x509_key_type kt;
	unsigned bits;
	uint32_t days;
	int rc;

	if (cust_issue_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed ISSUE");
		return;
	}
	days = q.validity_days;
	spki.data = (uint8_t *)q.spki;
	spki.len = q.spki_len;
	if (x509_spki_key(q.spki, q.spki_len, &kt, &bits) != 0 || !x509_key_allowed(kt, bits)) {
		send_error(s, m->hdr.id, HR_CERTSRV_E_KEY_LENGTH,
			   "public key type or size not allowed");
		return;
	}
	if (days < 1 || days > 3650) {
		send_error(s, m->hdr.id, HR_E_INVALIDARG, "validity must be 1..3650 days");
		return;
	}
	if (x509_name_parse(q.subject, &name, err, sizeof(err)) != 0) {
		send_error(s, m->hdr.id, HR_CERTSRV_E_BAD_REQUESTSUBJECT, err);
		return;
	}
	rc = profile_end_entity(srv->ca, q.profile, &name, &spki, days, NULL, &t, err, sizeof(err));
	if (rc != 0) {
		send_error(s, m->hdr.id, rc == CA_EHSM ? HR_NTE_FAIL
						       : HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE, err);
		x509_buf_free(&name);
		return;
	}
	if (issue_sign(srv->ca, &srv->ca->sign_key, &srv->ca->spki, &t, &cert, err, sizeof(err)) != 0) {
		log_warnx("issuance failed: %s", err);
		send_error(s, m->hdr.id, HR_NTE_FAIL, err);
	} else {
		struct cust_issued out = {.cert = cert.data, .cert_len = cert.len};
		struct ipc_wbuf w;

		ipc_wbuf_init(&w);
		cust_issued_encode(&w, &out);
		service_reply(s, CUST_ISSUED, m->hdr.id, &w);
	}
	profile_free(&t);
	x509_buf_free(&name);
	x509_buf_free(&cert);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch-enum"
static void handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	struct server *srv = ctx;

	/* Every message of proto.h is named (-Wswitch-enum below): a new one must
	 * be given a handler or a place among the violations. */
	switch ((enum cust_msg)m->hdr.type) {
	case CUST_GET_CA: /* once, first: the whitelist admits it in ST_START only */
		s->state = ST_READY;
		send_ca_info(s, srv, m->hdr.id);
		break;
	case CUST_SUBMIT:
		handle_submit(s, &srv->submit, m);
		break;
	case CUST_REFUSED:
		handle_refused(s, &srv->submit, m);
		break;
	case CUST_RETRIEVE:
		handle_retrieve(s, &srv->submit, m);
		break;
	case CUST_RESPONSE:
		handle_response(s, &srv->submit, m);
		break;
	case CUST_AUTH_EVENT:
		handle_auth_event(s, &srv->submit, m);
		break;
	case CUST_CAPROP:
		handle_caprop(s, &srv->caprop, m);
		break;
	case CUST_ISSUE: /* the whitelist admits it only without a ledger */
		handle_issue(s, srv, m);
		break;
	/* The custodian's answers and cad's control message are never a worker's
	 * to send: the whitelist refuses them, and so would this switch. */
	case CUST_CA_INFO:
	case CUST_ISSUED:
	case CUST_RESULT:
	case CUST_RESPONSE_IS:
	case CUST_CAPROP_IS:
	case CUST_ERROR:
	case CUST_CTL_WORKER:
	default: /* a type the whitelist let by and this switch does not name */
		service_violation(s, "message type %#x has no handler", m->hdr.type);
		break;
	}
}
#pragma GCC diagnostic pop

/* GET_CA costs nothing and changes the channel's state: answered by the reader,
 * so the next frame is checked in the new state; issuance goes to the pool. */
static int is_inline(uint32_t type)
{
	return type == CUST_GET_CA;
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

/* The exchange certificate (CA_XCHG_FILE, PEM, written by the ceremony) as
 * DER, for CUST_CAPROP: read before the sandbox, like the chain. None (no file,
 * or one that does not decode): len 0, CAXCHGCERTCOUNT 0. */
static void read_xchg(struct ca *ca, struct x509_buf *xchg)
{
	char path[PATH_MAX];
	struct x509_buf *certs = NULL;
	size_t n = 0;
	char err[PATH_MAX + 64];

	xchg->data = NULL;
	xchg->len = 0;
	if (!ca->have_xchg || ca_path(ca, CA_XCHG_FILE, path, sizeof(path)) != 0)
		return;
	if (read_certs(path, &certs, &n, err, sizeof(err)) != 0) {
		log_warnx("no exchange certificate to answer with: %s", err);
		return;
	}
	*xchg = certs[0];
	certs[0].data = NULL;
	free_certs(certs, n);
}

/* A worker broke the protocol (serve_workers' hook): journaled as the CA's own
 * refusal, with the reason only (ipc_check's and the handlers' messages name
 * types and lengths, never payload bytes), when a ledger is attached. */
static void journal_violation(struct service *s, const char *why, void *ctx)
{
	struct server *srv = ctx;
	struct ledger_event ev;
	char err[256];
	int refused;

	if (srv->submit.rec == NULL)
		return;
	record_event_init(&ev, EV_OPERATOR_ACTION, ACTOR_CA, "ca");
	ev.u.op.action = "channel-violation";
	ev.u.op.target = s->chan.peer;
	ev.u.op.allowed = 0;
	ev.u.op.detail = why;
	if (record_append(srv->submit.rec, &ev, &refused, err, sizeof(err)) != 0)
		log_warnx("the %s's violation was not journaled: %s", s->chan.peer, err);
}

/* The worker channels cad hands over on the control channel, one after the other
 * (a restarted worker gets a fresh one); 0 when cad closes the control channel,
 * 1 when it breaks. */
static int serve_workers(int control_fd, unsigned nthreads, struct custodian *c)
{
	/* The worker's channel (the descriptor) and its identity-token key. */
	static const struct ipc_rule ctl_rules[] = {
		{CUST_CTL_WORKER, IPC_STATES_ALL, IDTOKEN_KEY_LEN, IDTOKEN_KEY_LEN, 1}};
	struct ipc_chan ctl;
	char err[256];
	int status = 0;

	ipc_chan_init(&ctl, control_fd, "supervisor", 64);
	for (;;) {
		struct ipc_msg m;
		int rc = ipc_recv(&ctl, &m, err, sizeof(err));

		if (rc == 0)
			break;
		/* The control channel's only peer is cad, the custodian's parent: a bad
		 * frame there means cad itself is broken. The channel ends as any other
		 * would, and the custodian, with no way left to get a worker, returns
		 * (exit status 1: cad, if it lives, starts a fresh one). */
		if (rc > 0 && ipc_check(ctl_rules, 1, 0, &ctl, &m, err, sizeof(err)) == NULL) {
			ipc_msg_free(&m);
			rc = -1;
		}
		if (rc < 0) {
			log_warnx("channel to the supervisor ended: %s", err);
			status = 1;
			break;
		}
		log_info("serving a new worker channel");
		/* The key is taken (and m.data's copy wiped) before the channel is served. */
		custodian_serve_channel(c, m.fd, "worker", nthreads, m.data);
		ipc_msg_free(&m); /* closes the worker's channel */
	}
	ipc_chan_free(&ctl);
	return status;
}

static unsigned cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (unsigned)n;
}

/* ca.conf crl_auto: 1 (default) publishes CRLs on schedule. */
static int crl_auto(const struct ca *ca)
{
	const char *v = conf_get(&ca->conf, "crl_auto");

	return v == NULL || strcmp(v, "0") != 0;
}

/* The custodian's state between start-up and shutdown (serve.h): the policy, the
 * ledger's channel, the journal budget, the properties, the certificate
 * templates and the console. */
struct custodian {
	struct server srv;
	struct record rec;
	struct props props;
	struct tmplstore templates; /* loaded after the properties (tmplstore.h) */
	int have_templates;
	struct admin *admin;
	struct checkpointer cp; /* the ledger's checkpoints and anchor (checkpoint.h) */
	int have_cp;
	int recorded; /* with a ledger: rec, the budget and the console are started */
	struct respond_crls crl_sizes; /* respond.c's (respond.h) */
};

int custodian_open(struct custodian **out, struct ca *ca, int ledger_fd, int admin_fd,
		   int crl_auto_on, char *err, size_t errlen)
{
	struct custodian *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return CUSTODIAN_EFAIL;
	}
	c->srv.ca = ca;
	c->srv.submit.worker_fd = -1;
	read_chain(ca, &c->srv.chain);
	c->srv.submit.chain = &c->srv.chain;
	c->srv.caprop.c = &c->srv.submit;
	read_xchg(ca, &c->srv.caprop.xchg);
	respond_crls_init(&c->crl_sizes);
	c->srv.submit.crl_sizes = &c->crl_sizes;
	if (ledger_fd < 0) {
		/* Without a ledger nothing is journaled: ca.conf's policy alone. */
		if (policy_load(ca, &c->srv.submit.policy, err, errlen) != 0) {
			custodian_close(c);
			return CUSTODIAN_EREFUSED;
		}
		*out = c;
		return 0;
	}
	if (record_start(&c->rec, ledger_fd) != 0) {
		snprintf(err, errlen, "cannot start the ledger channel");
		goto failed;
	}
	c->recorded = 1;
	/* The ledger against the HSM's anchor before anything is served: a ledger
	 * restored from an older copy would hand out request ids and CRL numbers
	 * again. */
	switch (checkpoint_open(&c->cp, ca, &c->rec, err, errlen)) {
	case 0:
		break;
	case 1:
		goto refused;
	default:
		goto failed;
	}
	c->have_cp = 1;
	c->srv.submit.checkpoints = &c->cp;
	c->srv.submit.ca = ca;
	c->srv.submit.rec = &c->rec;
	/* Requests' signatures on as many threads as CPUs (verify_pool.h). */
	if (verify_pool_start(cpus()) != 0) {
		snprintf(err, errlen, "cannot start the verifier threads");
		goto failed;
	}
	/* The journal budget for refusals and failed logons (authlog.h). */
	if (bursts_start(&c->srv.submit.bursts, &ca->conf, &c->rec, err, errlen) != 0)
		goto refused;
	/* A hand edit of ca.conf is journaled first, then the settings are read:
	 * the journal's value of each wins, ca.conf's is imported when it has none
	 * (props.h). */
	if (props_conf_audit(ca, &c->rec, NULL, err, errlen) != 0)
		goto failed;
	if (props_load(&c->props, ca, &c->rec, err, errlen) != 0)
		goto refused;
	props_log_policy(&c->props);
	c->srv.submit.props = &c->props;
	/* The certificate templates, as the ledger journals them (the defaults
	 * journaled on a new CA): a template the journal holds that does not parse
	 * or check refuses the start, as a bad property does. */
	if (tmplstore_init(&c->templates) != 0) {
		snprintf(err, errlen, "out of memory");
		goto failed;
	}
	c->have_templates = 1;
	{
		char why[512];

		if (tmplstore_load(&c->templates, &c->rec, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "the certificate templates cannot be loaded: %s", why);
			goto refused;
		}
	}
	c->srv.submit.templates = &c->templates;
	if ((c->admin = calloc(1, sizeof(*c->admin))) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto failed;
	}
	if (admin_start(c->admin, ca, &c->srv.submit, &c->props, &c->srv.chain, admin_fd,
			crl_auto_on, err, errlen) != 0) {
		free(c->admin);
		c->admin = NULL;
		goto refused;
	}
	if (checkpoint_start(&c->cp) != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread");
		goto failed;
	}
	*out = c;
	return 0;
refused:
	custodian_close(c);
	return CUSTODIAN_EREFUSED;
failed:
	custodian_close(c);
	return CUSTODIAN_EFAIL;
}

int custodian_serve_channel(struct custodian *c, int fd, const char *peer, unsigned nthreads,
			    uint8_t *id_key)
{
	int rc;

	/* One copy of the key while the channel lives: the service's. */
	if (id_key != NULL) {
		memcpy(c->srv.submit.id_key, id_key, IDTOKEN_KEY_LEN);
		explicit_bzero(id_key, IDTOKEN_KEY_LEN);
		c->srv.submit.have_id_key = 1;
	}
	submit_set_worker(&c->srv.submit, fd);
	rc = service_run_hooked(fd, peer, c->recorded ? CUST_SUBMIT_MAX : CUST_ISSUE_MAX,
				c->recorded ? recorded_rules : unrecorded_rules,
				c->recorded ? RULES_N(recorded_rules) : RULES_N(unrecorded_rules),
				nthreads, handle, is_inline, &c->srv, 0, journal_violation);
	submit_set_worker(&c->srv.submit, -1);
	/* That channel's tokens die with it. */
	explicit_bzero(c->srv.submit.id_key, sizeof(c->srv.submit.id_key));
	c->srv.submit.have_id_key = 0;
	return rc;
}

struct admin *custodian_admin(struct custodian *c)
{
	return c->admin;
}

void custodian_close(struct custodian *c)
{
	if (c == NULL)
		return;
	if (c->admin != NULL) {
		admin_stop(c->admin);
		free(c->admin);
	}
	if (c->have_cp)
		checkpoint_close(&c->cp);
	/* The counts still held are journaled while the ledger is there. */
	bursts_stop(c->srv.submit.bursts);
	if (c->have_templates)
		tmplstore_free(&c->templates);
	if (c->recorded)
		record_stop(&c->rec);
	x509_buf_free(&c->srv.chain);
	x509_buf_free(&c->srv.caprop.xchg);
	respond_crls_free(&c->crl_sizes);
	free(c);
}

int serve(struct ca *ca, int fd, const char *peer, unsigned nthreads, int ledger_fd,
	  int control_fd, int admin_fd, const uint8_t *id_key)
{
	struct custodian *c;
	char err[512];
	int rc;

	if (ledger_fd < 0)
		log_warnx("no ledger: serving unrecorded issuance only (benchmark mode)");
	rc = custodian_open(&c, ca, ledger_fd, admin_fd, control_fd >= 0 && crl_auto(ca), err,
			    sizeof(err));
	if (rc == CUSTODIAN_EREFUSED)
		refuse_to_start("%s", err);
	if (rc != 0)
		fatalx("%s", err);
	/* Start-up is over: the token is logged in, the files read, the peers'
	 * channels and the console's socket open. From here on the custodian parses
	 * what peers send (request bytes included) under its own allow-list. */
	if (custodian_sandbox(conf_get(&ca->conf, "p11_kit_server_address") != NULL, err,
			      sizeof(err)) != 0)
		fatalx("refusing to serve unconfined: %s", err);
	if (control_fd >= 0)
		rc = serve_workers(control_fd, nthreads, c);
	else {
		uint8_t key[IDTOKEN_KEY_LEN];

		if (id_key != NULL)
			memcpy(key, id_key, sizeof(key));
		rc = custodian_serve_channel(c, fd, peer, nthreads, id_key != NULL ? key : NULL);
	}
	custodian_close(c);
	return rc;
}
