/* The worker's NTLM logons (firmware/worker/ntlm.c, conn.c) driven without
 * processes, with everything real behind them: worker_serve_conn on a
 * socketpair in a thread, ca-auth's auth_serve (firmware/auth, gss-ntlmssp's
 * acceptor against an account file made here) on the worker's logon channel in
 * another, and the core (support/core_harness.c: the custodian, the ledger, a
 * SoftHSM token) on its custodian channel. The client is careq's own: rpc_client.c
 * with ntlm_init.c (gss-ntlmssp's initiator), or PDUs built byte by byte
 * (support/rpc_build.c) carrying the initiator's tokens where a hostile client
 * would break the order of the legs or forge a verifier. Each outcome is checked
 * exactly: the call's HRESULT and disposition, the fault status or the bind_nak
 * reason, the ledger's row (its requester: the account ca-auth vouched for) or
 * its logon-refused event (action, peer, claimed name, detail), and the
 * worker's log line. */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/msg.h"
#include "firmware/auth/spnego.h"
#include "firmware/auth/throttle.h"
#include "firmware/client/client.h"
#include "firmware/client/ntlm_init.h"
#include "firmware/client/rpc_client.h"
#include "firmware/custodian/proto.h"
#include "firmware/icpr/hresult.h"
#include "firmware/icpr/icpr.h"
#include "firmware/identity/ntlm_hash.h"
#include "firmware/ledger/event.h"
#include "firmware/rpc/ntlm_msg.h"
#include "firmware/rpc/ntlm_seal.h"
#include "firmware/rpc/pdu.h"
#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/rpc_build.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/worker_link.h"
#include "tests/unit/support/x509_oracle.h"

const char *__lsan_default_suppressions(void);

/* gss-ntlmssp loads OpenSSL's configuration once and never frees it
 * (test_auth_serve.c). */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\nleak:gssntlmssp.so\n";
}

#define CA_NAME "Core Harness Root CA"
#define ALICE "EXAMPLE\\alice"
#define ALICE_PW "alice's password"
#define AUTH_CTX 79231 /* the client's auth_context_id in hand-built PDUs */

static char dir[] = "/tmp/test_worker_ntlm.XXXXXX";
static char accounts[64];
static struct core_ca ca_template;
static struct core core;
static struct worker w;
static int worker_started;

/* ca-auth on the worker's logon channel. */
static struct {
	int fds[2]; /* [0] the worker's end, [1] ca-auth's */
	pthread_t thread;
	struct auth_tokens tk;
	int running, served;
} auth;

static void *auth_thread(void *arg)
{
	(void)arg;
	auth.served = auth_serve(auth.fds[1], &auth.tk);
	return NULL;
}

/* ---- fixtures ---------------------------------------------------------------------- */

/* The core (policy issue), ca-auth with the custodian's token key, and the
 * worker: anonymous enrollment off, packet privacy required when enforce. */
static int start(int enforce, int have_auth, int anonymous)
{
	/* every refusal journaled one by one (authlog.h's bursts: 3 by default) */
	/* The interface flags are the custodian's properties: the worker takes them
	 * from its start-up answer (worker_load_ca), so they go in the core's conf. */
	const char *conf[] = {"policy=issue", "subject_rule=request", "journal_burst_first=100",
			      NULL, NULL, NULL};
	size_t n = 3;
	struct core_opts o = {.conf = conf};

	if (!enforce)
		conf[n++] = "icpr_enforce_encryption=0";
	if (anonymous)
		conf[n++] = "icpr_allow_anonymous=1";
	throttle_configure(&(struct throttle_conf){100, 100, 60000, 60000});
	if (core_start(&core, &ca_template, &o) != 0)
		return -1;
	if (worker_test_start(&w, &core, enforce, 0, &worker_started) != 0)
		return -1;
	memset(&auth, 0, sizeof(auth));
	memcpy(auth.tk.key, core.id_key, sizeof(auth.tk.key));
	auth.tk.have_key = 1;
	auth.tk.lifetime_s = 60;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, auth.fds) != 0 ||
	    pthread_create(&auth.thread, NULL, auth_thread, NULL) != 0)
		return -1;
	auth.running = 1;
	if (ipc_caller_start(&w.auth, auth.fds[0], "ca-auth", AUTH_ANSWER_MAX) != 0)
		return -1;
	w.have_auth = have_auth;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return start(0, 1, 0);
}

static int setup_enforce(void **state)
{
	(void)state;
	return start(1, 1, 0);
}

/* Anonymous enrollment allowed at the custodian (the worker's flag is the
 * test's to set). */
static int setup_anonymous(void **state)
{
	(void)state;
	return start(0, 1, 1);
}

static int setup_no_auth(void **state)
{
	(void)state;
	return start(0, 0, 0);
}

/* ca-auth's end: the worker's channel closed first, as at the worker's exit. */
static void auth_stop(void)
{
	if (!auth.running)
		return;
	ipc_caller_stop(&w.auth);
	pthread_join(auth.thread, NULL);
	close(auth.fds[0]);
	close(auth.fds[1]);
	auth.running = 0;
}

/* ca-auth ends on its own (its side of the channel shut), its thread joined. */
static void auth_gone(void)
{
	shutdown(auth.fds[1], SHUT_RDWR);
	pthread_join(auth.thread, NULL);
}

/* After auth_gone: the worker's channel to it stopped, both ends closed. */
static void auth_reap(void)
{
	ipc_caller_stop(&w.auth);
	close(auth.fds[0]);
	close(auth.fds[1]);
	auth.running = 0;
}

static int teardown(void **state)
{
	(void)state;
	log_end();
	auth_stop();
	if (worker_started)
		ipc_caller_stop(&w.custodian);
	worker_started = 0;
	core_stop(&core);
	worker_free_ca(&w);
	worker_dcom_free(&w);
	pthread_mutex_destroy(&w.slots.mu);
	return 0;
}

/* test_ca_auth_violations forks a worker: nothing of the core runs then. A child
 * of a process with other threads inherits whatever locks they held at the fork
 * (malloc's, the logger's), and the worker's threads and allocations in the child
 * could then wait forever: the test hung or its child ended oddly about one run
 * in four with the core's threads alive. The child needs no core: ca-auth is the
 * test's script, and the custodian's end is a bare socketpair. */
static int setup_threadless(void **state)
{
	(void)state;
	return 0;
}

static int teardown_threadless(void **state)
{
	(void)state;
	log_end();
	return 0;
}

/* ---- one connection ---------------------------------------------------------------- */

/* careq's client on the link's end (rpcc_connect without the TCP connect). */
static void client_on(struct rpcc *c, struct link *l)
{
	memset(c, 0, sizeof(*c));
	c->fd = l->fds[0];
	c->timeout_ms = IO_TIMEOUT_MS;
	c->max_recv = RPCC_MAX_FRAG;
}

/* ---- CertServerRequest ------------------------------------------------------------- */

static size_t widen(const char *s, uint8_t *out)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return n;
}

/* The stub of a CertServerRequest for a fresh key's request to this CA. */
static void csr_stub(struct ndr_wr *stub, struct x509_buf *csr)
{
	struct rpc_icpr_request q;
	uint8_t authority[128], attribs[4] = {0};

	if (core_csr("CN=host1.example", "p256", "host1", "host1", csr) != 0)
		fail_msg("cannot make a request");
	memset(&q, 0, sizeof(q));
	q.has_authority = 1;
	q.authority = authority;
	q.authority_units = widen(CA_NAME, authority);
	q.attribs.cb = 2;
	q.attribs.pb = attribs;
	q.request.pb = csr->data;
	q.request.cb = (uint32_t)csr->len;
	ndr_wr_init(stub, 1 << 17);
	assert_int_equal(icprc_encode(&q, stub), 0);
}

/* CertServerRequest through careq's client: rpcc_call's return, the decoded
 * answer in *resp (its blobs in *out: free it). */
static int enroll(struct rpcc *c, struct ndr_wr *out, struct rpc_icpr_response *resp)
{
	struct x509_buf csr;
	struct ndr_wr stub;
	char err[256];
	int rc;

	csr_stub(&stub, &csr);
	ndr_wr_init(out, RPCC_MAX_STUB);
	rc = rpcc_call(c, RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, stub.buf, stub.len, out);
	memset(resp, 0, sizeof(*resp));
	if (rc == RPCC_OK && icprc_decode(out->buf, out->len, resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	ndr_wr_free(&stub);
	x509_buf_free(&csr);
	return rc;
}

/* On a failure: what the journal holds (for the reader of the test's output). */
static void dump_journal(void)
{
	uint64_t head = core_ledger_head(&core);
	char *strbuf = malloc(LEDGER_STRBUF);

	assert_non_null(strbuf);
	for (uint64_t s = 1; s <= head; s++) {
		struct ledger_event ev;
		uint8_t *rec;

		if (core_ledger_event(&core, s, &ev, strbuf, &rec) != 0)
			continue;
		fprintf(stderr, "journal %llu: %s", (unsigned long long)s,
			ledger_type_name(ev.type));
		if (ev.type == EV_LOGON_REFUSED)
			fprintf(stderr, " %s peer '%s' claimed '%s' detail '%s'",
				ledger_logon_action_name(ev.u.logon.action), ev.u.logon.peer,
				ev.u.logon.claimed, ev.u.logon.detail);
		fputc('\n', stderr);
		free(rec);
	}
	free(strbuf);
}

static void expect_head(uint64_t n)
{
	if (core_ledger_head(&core) != n) {
		dump_journal();
		fail_msg("%llu events in the journal, not %llu",
			 (unsigned long long)core_ledger_head(&core), (unsigned long long)n);
	}
}

static void expect_logon_event_exact(uint64_t seq, uint32_t action, const char *claimed,
				     const char *detail);

/* The journal's event seq is a logon refusal: action, peer, claimed, detail
 * (detail_prefix: the detail starts with it). */
static void expect_logon_event(uint64_t seq, uint32_t action, const char *claimed,
			       const char *detail_prefix)
{
	struct ledger_event ev;
	char *strbuf = malloc(LEDGER_STRBUF);
	uint8_t *rec;

	assert_non_null(strbuf);
	assert_int_equal(core_ledger_event(&core, seq, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_LOGON_REFUSED);
	assert_int_equal(ev.u.logon.action, action);
	assert_string_equal(ev.u.logon.peer, PEER);
	assert_string_equal(ev.u.logon.claimed, claimed);
	if (strncmp(ev.u.logon.detail, detail_prefix, strlen(detail_prefix)) != 0)
		fail_msg("detail '%s' does not start with '%s'", ev.u.logon.detail, detail_prefix);
	free(rec);
	free(strbuf);
}

static void expect_logon_event_exact(uint64_t seq, uint32_t action, const char *claimed,
				     const char *detail)
{
	struct ledger_event ev;
	char *strbuf = malloc(LEDGER_STRBUF);
	uint8_t *rec;

	assert_non_null(strbuf);
	expect_logon_event(seq, action, claimed, detail);
	assert_int_equal(core_ledger_event(&core, seq, &ev, strbuf, &rec), 0);
	assert_string_equal(ev.u.logon.detail, detail);
	free(rec);
	free(strbuf);
}

/* One logon refusal the journal must hold: its action, the claimed name, and
 * its detail (exact, or its start when prefix). */
struct want {
	uint32_t action;
	const char *claimed;
	const char *detail;
	int prefix;
};

/* The journal after the genesis (and after `skip` more events) is exactly
 * these refusals, in order. */
static void expect_journal(uint64_t skip, const struct want *want, size_t n)
{
	expect_head(1 + skip + n);
	for (size_t i = 0; i < n; i++) {
		if (want[i].prefix)
			expect_logon_event(2 + skip + i, want[i].action, want[i].claimed,
					   want[i].detail);
		else
			expect_logon_event_exact(2 + skip + i, want[i].action, want[i].claimed,
						 want[i].detail);
	}
}

/* The journal holds one event after the genesis: the connection closed for an
 * RPC violation, before any name was claimed, with detail. */
static void expect_violation(const char *detail)
{
	expect_journal(0, (const struct want[]){{LOGON_RPC_VIOLATION, "", detail, 0}}, 1);
}

/* ---- careq's client ---------------------------------------------------------------- */

/* A logon of user at level with careq's client, then one CertServerRequest:
 * rpcc_bind_auth's and rpcc_call's returns (capture: what the worker says
 * meanwhile in logged[]). */
static void logon_and_enroll(const char *user, const char *password, uint8_t level, int capture,
			     int *bind_rc, int *call_rc, struct rpcc *c, struct ndr_wr *out,
			     struct rpc_icpr_response *resp)
{
	struct rpcc_auth a;
	struct ntlmc *n;
	char err[256];
	struct link l;

	if (capture)
		log_begin();
	n = ntlmc_new(user, password, err, sizeof(err));
	if (n == NULL)
		fail_msg("%s", err);
	ntlmc_auth(n, level, &a);
	link_open(&l, &w, PORT_ICPR);
	client_on(c, &l);
	*bind_rc = rpcc_bind_auth(c, &worker_icpr_iface.syntax, &a);
	*call_rc = *bind_rc == RPCC_OK ? enroll(c, out, resp) : RPCC_ENET;
	if (*bind_rc != RPCC_OK)
		ndr_wr_init(out, 16);
	ntlm_seal_wipe(&c->seal);
	link_close(&l);
	ntlmc_free(n);
	if (capture)
		log_end();
}

/* logon_and_enroll whose bind must return bind_want and whose call call_want. */
static void logon_and_enroll_expect(const char *user, const char *password, uint8_t level,
				    int capture, int bind_want, int call_want, struct rpcc *c,
				    struct ndr_wr *out, struct rpc_icpr_response *resp)
{
	int bind_rc, call_rc;

	logon_and_enroll(user, password, level, capture, &bind_rc, &call_rc, c, out, resp);
	assert_int_equal(bind_rc, bind_want);
	assert_int_equal(call_rc, call_want);
}

/* A logon at packet privacy that ca-auth refuses, then the call (capture:
 * what the worker says meanwhile in logged[]): the bind stands, the call gets
 * the fault access_denied. */
static void refused_logon(const char *user, const char *password, int capture, struct rpcc *c,
			  struct ndr_wr *out, struct rpc_icpr_response *resp)
{
	logon_and_enroll_expect(user, password, RPC_AUTHN_LEVEL_PKT_PRIVACY, capture, RPCC_OK,
				RPCC_EFAULT, c, out, resp);
	assert_int_equal(c->fault, RPC_S_ACCESS_DENIED);
}

/* ALICE's logon at packet privacy whose bind is refused (capture: what the
 * worker says meanwhile in logged[]): careq's error is err. */
static void refused_bind(int capture, const char *err, struct rpcc *c, struct ndr_wr *out,
			 struct rpc_icpr_response *resp)
{
	int bind_rc, call_rc;

	logon_and_enroll(ALICE, ALICE_PW, RPC_AUTHN_LEVEL_PKT_PRIVACY, capture, &bind_rc, &call_rc,
			 c, out, resp);
	assert_int_equal(bind_rc, RPCC_EREFUSED);
	assert_string_equal(c->err, err);
}

/* A logon at packet privacy, then CertServerRequest: issued, recorded under the
 * account ca-auth vouched for (its identity token, checked by the custodian),
 * the response's verifier checked by the client; the worker logs the logon. */
static void test_privacy_logon_enrolls_as_the_account(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	logon_and_enroll_expect(ALICE, ALICE_PW, RPC_AUTHN_LEVEL_PKT_PRIVACY, 1, RPCC_OK, RPCC_OK,
				&c, &out, &resp);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.disposition, ICPR_DISP_ISSUED);
	assert_int_equal(resp.request_id, 1);
	expect_message(&resp, "Issued");
	expect_row(&core, 1, ALICE, DISP_ISSUED, 0);
	assert_logged(PEER ": NTLM logon of " ALICE " at pkt_privacy\n");
	ndr_wr_free(&out);
}

/* ca-auth remembers a vouched logon for account look-ups while its connection
 * lives: the worker releases it when the connection ends, so none is left after
 * each of 70 logged-on connections (more than the 64 ca-auth keeps). */
static void test_logons_released_at_close(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;
	size_t held;

	(void)state;
	for (int k = 0; k < 70; k++) {
		logon_and_enroll_expect(ALICE, ALICE_PW, RPC_AUTHN_LEVEL_PKT_PRIVACY, 0, RPCC_OK,
					RPCC_OK, &c, &out, &resp);
		ndr_wr_free(&out);
		held = 0;
		for (size_t i = 0; i < AUTH_MAX_CONTEXTS; i++)
			held += auth.tk.logons[i].used != 0;
		assert_int_equal(held, 0);
	}
	assert_int_equal(auth.tk.next_logon, 70);
}

/* The same where packet privacy is required (IF_ENFORCEENCRYPTICERTREQUEST): a
 * sealed call passes the worker's check and is issued. */
static void test_privacy_logon_where_required(void **state)
{
	assert_int_equal(w.enforce_encryption, 1);
	test_privacy_logon_enrolls_as_the_account(state);
}

/* Packet integrity (signed, not sealed) where privacy is required: the logon
 * stands, the call is refused E_ACCESSDENIED naming the level, recorded as
 * failed under the account. */
static void test_integrity_refused_where_privacy_required(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	logon_and_enroll_expect(ALICE, ALICE_PW, RPC_AUTHN_LEVEL_PKT_INTEGRITY, 0, RPCC_OK, RPCC_OK,
				&c, &out, &resp);
	assert_int_equal(resp.status, HR_E_ACCESSDENIED);
	assert_int_equal(resp.disposition, HR_E_ACCESSDENIED);
	assert_int_equal(resp.request_id, 1);
	expect_message(&resp, "E_ACCESSDENIED: authentication level packet integrity; packet "
			      "privacy is required (IF_ENFORCEENCRYPTICERTREQUEST)");
	expect_row(&core, 1, ALICE, DISP_FAILED, HR_E_ACCESSDENIED);
	ndr_wr_free(&out);
}

/* Connect level (no verifier on calls) where privacy is not required: issued
 * under the account. */
static void test_connect_level_enrolls(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	logon_and_enroll_expect(ALICE, ALICE_PW, RPC_AUTHN_LEVEL_CONNECT, 0, RPCC_OK, RPCC_OK, &c,
				&out, &resp);
	assert_int_equal(resp.disposition, ICPR_DISP_ISSUED);
	expect_row(&core, 1, ALICE, DISP_ISSUED, 0);
	ndr_wr_free(&out);
}

/* A wrong password: the auth3 gets no answer (MS-RPCE), the first call the
 * fault rpc_s_access_denied, and the refusal is journaled with the name the
 * client claimed and ca-auth's reason; no request is recorded. */
static void test_wrong_password(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	refused_logon(ALICE, "not alice's password", 1, &c, &out, &resp);
	/* the refused logon, then the call after it (conn.c's close for security) */
	expect_journal(0, (const struct want[]){
		{LOGON_NTLM_REFUSED, ALICE, "logon refused: ", 1},
		{LOGON_RPC_VIOLATION, ALICE, "request (call 2) after a refused logon", 0}}, 2);
	assert_logged(PEER ": NTLM logon of '" ALICE "' refused: logon refused: ");
	assert_logged(PEER ": closed: request (call 2) after a refused logon\n");
	ndr_wr_free(&out);
}

/* An account that does not exist: the same, with ca-auth's message. */
static void test_unknown_account(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	refused_logon("EXAMPLE\\mallory", "x", 0, &c, &out, &resp);
	expect_journal(0, (const struct want[]){
		{LOGON_NTLM_REFUSED, "EXAMPLE\\mallory", "no account 'EXAMPLE\\mallory'", 0},
		{LOGON_RPC_VIOLATION, "EXAMPLE\\mallory", "request (call 2) after a refused logon",
		 0}}, 2);
	ndr_wr_free(&out);
}

/* Without ca-auth (the worker started without it): NTLM binds are refused with
 * bind_nak "authentication type not recognized". */
static void test_no_credential_process(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	refused_bind(0, "the server refused the bind: authentication type not recognized (8)", &c,
		     &out, &resp);
	/* conn.c journals every close for security, a refused bind included */
	expect_violation("bind (call 1): authentication type 10 refused");
	ndr_wr_free(&out);
}

/* ca-auth gone (its channel ended): the NEGOTIATE cannot be answered, the bind
 * is refused, and the worker says why. */
static void test_credential_process_gone(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	auth_gone();
	assert_int_equal(auth.served, 0);
	refused_bind(1, "the server refused the bind: reason not specified (0)", &c, &out, &resp);
	assert_logged(PEER ": ca-auth: ");
	assert_logged(PEER ": closed: bind (call 1): authentication type 10 refused\n");
	expect_violation("bind (call 1): authentication type 10 refused");
	auth_reap();
	ndr_wr_free(&out);
}

/* ---- hand-built PDUs with the initiator's tokens ----------------------------------- */

/* gss-ntlmssp's initiator for a hand-built logon. */
struct initiator {
	struct ntlmc *n;
	struct rpcc_auth a;
	struct ndr_wr tok;
};

static void initiator_new(struct initiator *i, const char *user, const char *password)
{
	char err[256];

	i->n = ntlmc_new(user, password, err, sizeof(err));
	if (i->n == NULL)
		fail_msg("%s", err);
	ntlmc_auth(i->n, RPC_AUTHN_LEVEL_CONNECT, &i->a);
	ndr_wr_init(&i->tok, 4096);
	assert_int_equal(i->a.start(i->a.arg, &i->tok, err, sizeof(err)), 0);
}

/* The AUTHENTICATE answering the CHALLENGE in the ack b (its auth value: the
 * last auth_length octets), into i->tok. */
static void initiator_finish(struct initiator *i, const struct tbuf *b)
{
	uint16_t auth_len = rb_le16(b->p + 10);
	uint8_t key[NTLM_KEY_LEN];
	char err[256];

	assert_true(auth_len > 0 && auth_len <= b->len);
	ndr_wr_reset(&i->tok);
	assert_int_equal(i->a.finish(i->a.arg, b->p + b->len - auth_len, auth_len, &i->tok, key,
				     err, sizeof(err)), 0);
	explicit_bzero(key, sizeof(key));
}

static void initiator_free(struct initiator *i)
{
	ndr_wr_free(&i->tok);
	ntlmc_free(i->n);
}

static struct rb_auth ntlm_auth(uint8_t level, const uint8_t *tok, size_t len)
{
	return (struct rb_auth){RPC_AUTHN_WINNT, level, 0, AUTH_CTX, tok, len};
}

/* A bind (or alter_context) of ICPR on context 0 carrying auth. */
static void send_bind(struct link *l, uint8_t ptype, uint32_t call_id, const struct rb_auth *a)
{
	struct rb_ctx ctx = {0, rb_icpr, rb_ndr, 1};
	struct tbuf b = {0};

	rb_bind(&b, ptype, call_id, 5840, 5840, 0, &ctx, 1, a);
	link_send_all(l->fds[0], &b);
	tb_free(&b);
}

/* An unauthenticated CertServerRequest as call call_id: its answer in *b. */
static void send_csr(struct link *l, uint32_t call_id, struct tbuf *b)
{
	struct x509_buf csr;
	struct ndr_wr stub;

	csr_stub(&stub, &csr);
	b->len = 0;
	rb_request(b, call_id, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0,
		   RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, NULL, stub.buf, stub.len, NULL);
	link_send_all(l->fds[0], b);
	ndr_wr_free(&stub);
	x509_buf_free(&csr);
	assert_int_equal(link_recv_pdu(l->fds[0], b), 1);
}

/* A bind or alter_context leg carrying a as call call_id: its answer (a PDU
 * must come) in *b. */
static void leg(struct link *l, uint8_t ptype, uint32_t call_id, const struct rb_auth *a,
		struct tbuf *b)
{
	send_bind(l, ptype, call_id, a);
	assert_int_equal(link_recv_pdu(l->fds[0], b), 1);
}

/* A new connection whose first PDU is the bind (call 1) carrying a: the answer
 * in *b. */
static void first_leg(struct link *l, const struct rb_auth *a, struct tbuf *b)
{
	link_open(l, &w, PORT_ICPR);
	leg(l, RPC_PT_BIND, 1, a, b);
}

/* first_leg with i's NEGOTIATE at level, which *a holds afterwards. */
static void negotiate(struct link *l, const struct initiator *i, uint8_t level,
		      struct rb_auth *a, struct tbuf *b)
{
	*a = ntlm_auth(level, i->tok.buf, i->tok.len);
	first_leg(l, a, b);
}

/* A new initiator *i for ALICE whose NEGOTIATE, bound at level, the worker
 * accepts (a bind_ack carrying the CHALLENGE, in *b). i->tok still holds the
 * NEGOTIATE until initiator_finish. */
static void alice_bound(struct link *l, struct initiator *i, uint8_t level, struct rb_auth *a,
			struct tbuf *b)
{
	initiator_new(i, ALICE, ALICE_PW);
	negotiate(l, i, level, a, b);
	assert_int_equal(b->p[2], RPC_PT_BIND_ACK);
}

/* An auth3 carrying a as call call_id (no answer comes to an auth3). */
static void send_auth3(struct link *l, uint32_t call_id, const struct rb_auth *a,
		       struct tbuf *b)
{
	b->len = 0;
	rb_auth3(b, call_id, a);
	link_send_all(l->fds[0], b);
}

/* b is a fault with this status. */
static void expect_fault(const struct tbuf *b, uint32_t status)
{
	assert_int_equal(b->p[2], RPC_PT_FAULT);
	assert_int_equal(rb_le32(b->p + 24), status);
}

/* b is a bind_nak with this reason. */
static void expect_nak(const struct tbuf *b, uint16_t reason)
{
	assert_int_equal(b->p[2], RPC_PT_BIND_NAK);
	assert_int_equal(rb_le16(b->p + 16), reason);
}

/* A CertServerRequest as call call_id after a refused or broken logon: the
 * fault access_denied. */
static void csr_refused(struct link *l, uint32_t call_id, struct tbuf *b)
{
	send_csr(l, call_id, b);
	expect_fault(b, RPC_S_ACCESS_DENIED);
}

/* An auth3 carrying a (call 2) that does not log on: the CertServerRequest
 * after it (call 3) is refused; the connection is then closed. */
static void auth3_refused(struct link *l, const struct rb_auth *a, struct tbuf *b)
{
	send_auth3(l, 2, a, b);
	csr_refused(l, 3, b);
	link_close(l);
}

/* Some clients finish the logon with a third leg in an alter_context instead
 * of an auth3: accepted (an alter_context_resp), the call then runs as the
 * account. A NEGOTIATE after the logon (a second logon on the connection) is
 * refused: the fault access_denied, the connection closed. */
static void test_alter_context_logon(void **state)
{
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;
	char neg[4096];
	size_t neg_len;

	(void)state;
	alice_bound(&l, &i, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
	neg_len = i.tok.len;
	memcpy(neg, i.tok.buf, neg_len);
	initiator_finish(&i, &b);
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i.tok.buf, i.tok.len);
	leg(&l, RPC_PT_ALTER_CONTEXT, 2, &a, &b);
	assert_int_equal(b.p[2], RPC_PT_ALTER_CONTEXT_RESP);
	send_csr(&l, 3, &b);
	assert_int_equal(b.p[2], RPC_PT_RESPONSE);
	expect_row(&core, 1, ALICE, DISP_ISSUED, 0);
	log_begin();
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, (const uint8_t *)neg, neg_len);
	leg(&l, RPC_PT_ALTER_CONTEXT, 4, &a, &b);
	expect_fault(&b, RPC_S_ACCESS_DENIED);
	assert_int_equal(link_recv_pdu(l.fds[0], &b), 0);
	link_close(&l);
	log_end();
	assert_logged(PEER ": closed: alter_context (call 4): security leg refused\n");
	expect_logon_event_exact(core_ledger_head(&core), LOGON_RPC_VIOLATION, ALICE,
				 "alter_context (call 4): security leg refused");
	tb_free(&b);
	initiator_free(&i);
}

/* An AUTHENTICATE in an alter_context with no NEGOTIATE before it (the bind
 * carried none): refused, journaled with the name the token claims. */
static void test_authenticate_without_negotiate(void **state)
{
	struct initiator other;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	/* an AUTHENTICATE made for another connection's CHALLENGE */
	initiator_new(&other, ALICE, ALICE_PW);
	{
		struct link l0;

		negotiate(&l0, &other, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
		initiator_finish(&other, &b);
		link_close(&l0);
	}
	link_open(&l, &w, PORT_ICPR);
	{
		struct rb_ctx ctx = {0, rb_icpr, rb_ndr, 1};

		b.len = 0;
		rb_bind(&b, RPC_PT_BIND, 1, 5840, 5840, 0, &ctx, 1, NULL);
		link_send_all(l.fds[0], &b);
		b.len = 0;
	}
	assert_int_equal(link_recv_pdu(l.fds[0], &b), 1);
	assert_int_equal(b.p[2], RPC_PT_BIND_ACK);
	log_begin();
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, other.tok.buf, other.tok.len);
	leg(&l, RPC_PT_ALTER_CONTEXT, 2, &a, &b);
	expect_fault(&b, RPC_S_ACCESS_DENIED);
	link_close(&l);
	log_end();
	assert_logged(PEER ": NTLM logon of '" ALICE "' refused: AUTHENTICATE without a "
		      "NEGOTIATE\n");
	expect_journal(0, (const struct want[]){
		{LOGON_NTLM_REFUSED, ALICE, "AUTHENTICATE without a NEGOTIATE", 0},
		{LOGON_RPC_VIOLATION, ALICE, "alter_context (call 2): security leg refused", 0}}, 2);
	tb_free(&b);
	initiator_free(&other);
}

/* Legs that do not decode or come at the wrong level: a bind whose token is not
 * NTLM (logged, bind_nak), an authentication level beyond privacy (bind_nak),
 * another auth type (bind_nak "authentication type not recognized"), and an
 * auth3 that carries a NEGOTIATE (journaled as a malformed AUTHENTICATE; the
 * next call gets access_denied). */
static void test_malformed_legs(void **state)
{
	static const uint8_t junk[] = "NTLMSSP\0\x07\0\0\0 not a message";
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	initiator_new(&i, ALICE, ALICE_PW);
	log_begin();
	/* not an NTLM message */
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, junk, sizeof(junk));
	first_leg(&l, &a, &b);
	expect_nak(&b, 0); /* reason not specified */
	link_close(&l);
	/* level 7 */
	negotiate(&l, &i, 7, &a, &b);
	expect_nak(&b, 0);
	link_close(&l);
	/* Kerberos (auth type 16) */
	link_open(&l, &w, PORT_ICPR);
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i.tok.buf, i.tok.len);
	a.type = 16;
	leg(&l, RPC_PT_BIND, 1, &a, &b);
	expect_nak(&b, RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED);
	link_close(&l);
	/* an auth3 carrying the NEGOTIATE again */
	negotiate(&l, &i, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
	assert_int_equal(b.p[2], RPC_PT_BIND_ACK);
	auth3_refused(&l, &a, &b);
	log_end();
	assert_logged(PEER ": bind: ");
	assert_logged(PEER ": auth3: not an AUTHENTICATE\n");
	expect_journal(0, (const struct want[]){
		{LOGON_RPC_VIOLATION, "", "bind (call 1): authentication type 10 refused", 0},
		{LOGON_RPC_VIOLATION, "", "bind (call 1): authentication type 10 refused", 0},
		{LOGON_RPC_VIOLATION, "", "bind (call 1): authentication type 16 refused", 0},
		{LOGON_NTLM_REFUSED, "", "malformed AUTHENTICATE", 0},
		{LOGON_RPC_VIOLATION, "", "request (call 3) after a refused logon", 0}}, 5);
	tb_free(&b);
	initiator_free(&i);
}

/* An NTLM bind below the connect level (level 1, "none", which asks for no
 * authentication while carrying a token): refused with a bind_nak, ca-auth never
 * asked, the refusal journaled as the level-7 one is. */
static void test_level_none_refused(void **state)
{
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	initiator_new(&i, ALICE, ALICE_PW);
	negotiate(&l, &i, RPC_AUTHN_LEVEL_NONE, &a, &b);
	expect_nak(&b, 0);
	link_close(&l);
	expect_violation("bind (call 1): authentication type 10 refused");
	tb_free(&b);
	initiator_free(&i);
}

/* Tokens a hostile client crafts from real ones: the server's own CHALLENGE sent
 * back as a bind's token (neither leg a client may start with: bind_nak), and an
 * AUTHENTICATE whose domain field was emptied (the claimed name is the bare
 * user, journaled as such, no "\\" before it). */
static void test_hostile_tokens(void **state)
{
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;
	uint8_t chal[1024], auth_tok[4096];
	size_t chal_len, auth_len;
	uint16_t n;

	(void)state;
	alice_bound(&l, &i, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
	n = rb_le16(b.p + 10);
	assert_true(n > 0 && n <= sizeof(chal));
	chal_len = n;
	memcpy(chal, b.p + b.len - n, chal_len);
	assert_int_equal(rb_le32(chal + 8), 2); /* NTLM CHALLENGE */
	initiator_finish(&i, &b);
	auth_len = i.tok.len;
	memcpy(auth_tok, i.tok.buf, auth_len);
	link_close(&l);
	/* the CHALLENGE as a client's first leg */
	log_begin();
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, chal, chal_len);
	first_leg(&l, &a, &b);
	expect_nak(&b, 0);
	link_close(&l);
	/* the AUTHENTICATE with DomainNameFields' length and maximum zeroed */
	assert_int_equal(rb_le32(auth_tok + 8), 3);
	memset(auth_tok + 28, 0, 4);
	link_open(&l, &w, PORT_ICPR);
	{
		struct rb_ctx ctx = {0, rb_icpr, rb_ndr, 1};

		b.len = 0;
		rb_bind(&b, RPC_PT_BIND, 1, 5840, 5840, 0, &ctx, 1, NULL);
		link_send_all(l.fds[0], &b);
	}
	assert_int_equal(link_recv_pdu(l.fds[0], &b), 1);
	assert_int_equal(b.p[2], RPC_PT_BIND_ACK);
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, auth_tok, auth_len);
	leg(&l, RPC_PT_ALTER_CONTEXT, 2, &a, &b);
	expect_fault(&b, RPC_S_ACCESS_DENIED);
	link_close(&l);
	log_end();
	assert_logged(PEER ": NTLM logon of 'alice' refused: AUTHENTICATE without a NEGOTIATE\n");
	expect_journal(0, (const struct want[]){
		{LOGON_RPC_VIOLATION, "", "bind (call 1): authentication type 10 refused", 0},
		{LOGON_NTLM_REFUSED, "alice", "AUTHENTICATE without a NEGOTIATE", 0},
		{LOGON_RPC_VIOLATION, "alice", "alter_context (call 2): security leg refused", 0}},
		3);
	tb_free(&b);
	initiator_free(&i);
}

/* A signed logon, then a request whose verifier is forged (zeros): the fault
 * rpc_s_sec_pkg_error, the connection closed, and the violation journaled under
 * the account that logged on. */
static void test_forged_verifier(void **state)
{
	static const uint8_t zeros[NTLM_VERIFIER_LEN];
	struct rpc_icpr_response resp;
	struct rpcc_auth ra;
	struct ntlmc *n;
	struct rb_auth a = {RPC_AUTHN_WINNT, RPC_AUTHN_LEVEL_PKT_INTEGRITY, 0, 1, zeros,
			    sizeof(zeros)};
	struct tbuf b = {0};
	struct ndr_wr out;
	struct rpcc c;
	struct link l;
	char err[256];

	(void)state;
	n = ntlmc_new(ALICE, ALICE_PW, err, sizeof(err));
	assert_non_null(n);
	ntlmc_auth(n, RPC_AUTHN_LEVEL_PKT_INTEGRITY, &ra);
	link_open(&l, &w, PORT_ICPR);
	client_on(&c, &l);
	assert_int_equal(rpcc_bind_auth(&c, &worker_icpr_iface.syntax, &ra), RPCC_OK);
	/* one good signed call first: the logon holds */
	assert_int_equal(enroll(&c, &out, &resp), RPCC_OK);
	assert_int_equal(resp.disposition, ICPR_DISP_ISSUED);
	ndr_wr_free(&out);
	a.ctx_id = c.auth_ctx_id;
	log_begin();
	rb_request(&b, 9, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0, 0,
		   NULL, (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, &a);
	link_send_all(l.fds[0], &b);
	assert_int_equal(link_recv_pdu(l.fds[0], &b), 1);
	expect_fault(&b, RPC_S_SEC_PKG_ERROR);
	assert_int_equal(link_recv_pdu(l.fds[0], &b), 0);
	link_close(&l);
	log_end();
	assert_logged(PEER ": closed: request (call 9): verifier refused\n");
	/* genesis, request 1's events, then the violation */
	expect_logon_event_exact(core_ledger_head(&core), LOGON_RPC_VIOLATION, ALICE,
				 "request (call 9): verifier refused");
	ntlm_seal_wipe(&c.seal);
	ntlmc_free(n);
	tb_free(&b);
}

/* A NEGOTIATE whose connection ends before its AUTHENTICATE: the worker
 * releases ca-auth's context. ca-auth holds at most 64 at once, so after 70
 * such connections a logon still succeeds only if each was released. */
static void test_contexts_released(void **state)
{
	struct rpc_icpr_response resp;
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct ndr_wr out;
	struct rpcc c;
	struct link l;

	(void)state;
	initiator_new(&i, ALICE, ALICE_PW);
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i.tok.buf, i.tok.len);
	for (int k = 0; k < 70; k++) {
		link_open(&l, &w, PORT_ICPR);
		leg(&l, RPC_PT_BIND, 1, &a, &b);
		assert_int_equal(b.p[2], RPC_PT_BIND_ACK);
		assert_true(rb_le16(b.p + 10) > 0); /* a CHALLENGE: ca-auth took a context */
		link_close(&l);
	}
	logon_and_enroll_expect(ALICE, ALICE_PW, RPC_AUTHN_LEVEL_PKT_PRIVACY, 0, RPCC_OK, RPCC_OK,
				&c, &out, &resp);
	assert_int_equal(resp.disposition, ICPR_DISP_ISSUED);
	ndr_wr_free(&out);
	tb_free(&b);
	initiator_free(&i);
}

/* A NEGOTIATE without NEGOTIATE_128: ca-auth refuses the first leg, the bind is
 * refused, and the refusal is journaled naming no one, with ca-auth's reason. */
static void test_negotiate_refused_by_ca_auth(void **state)
{
	static const char why[] = "NTLM without 128-bit keys (the NEGOTIATE offers only 56- "
				  "or 40-bit session keys)";
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	initiator_new(&i, ALICE, ALICE_PW);
	i.tok.buf[15] &= (uint8_t)~0x20; /* NegotiateFlags' NEGOTIATE_128 */
	log_begin();
	negotiate(&l, &i, RPC_AUTHN_LEVEL_PKT_PRIVACY, &a, &b);
	expect_nak(&b, 0);
	link_close(&l);
	log_end();
	assert_logged(PEER ": NTLM NEGOTIATE refused: NTLM without 128-bit keys");
	expect_journal(0, (const struct want[]){
		{LOGON_NTLM_REFUSED, "", why, 0},
		{LOGON_RPC_VIOLATION, "", "bind (call 1): authentication type 10 refused", 0}}, 2);
	tb_free(&b);
	initiator_free(&i);
}

/* A second NEGOTIATE while the first's context is open (in an alter_context):
 * one logon per connection, refused; the first context is still released when
 * the connection ends. */
static void test_second_negotiate(void **state)
{
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	alice_bound(&l, &i, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
	leg(&l, RPC_PT_ALTER_CONTEXT, 2, &a, &b);
	expect_fault(&b, RPC_S_ACCESS_DENIED);
	link_close(&l);
	expect_violation("alter_context (call 2): security leg refused");
	tb_free(&b);
	initiator_free(&i);
}

/* After a logon: another auth3 (a replayed AUTHENTICATE) marks the logon
 * refused, and the next call gets access_denied; an AUTHENTICATE in an
 * alter_context is refused outright. */
static void test_legs_after_logon(void **state)
{
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;
	uint8_t auth_tok[4096];
	size_t auth_len;

	(void)state;
	/* the logon: bind with the NEGOTIATE, auth3 with the AUTHENTICATE */
	initiator_new(&i, ALICE, ALICE_PW);
	negotiate(&l, &i, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
	initiator_finish(&i, &b);
	auth_len = i.tok.len;
	memcpy(auth_tok, i.tok.buf, auth_len);
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, auth_tok, auth_len);
	send_auth3(&l, 2, &a, &b);
	send_csr(&l, 3, &b);
	assert_int_equal(b.p[2], RPC_PT_RESPONSE);
	expect_row(&core, 1, ALICE, DISP_ISSUED, 0);
	/* the AUTHENTICATE again in an alter_context: refused */
	leg(&l, RPC_PT_ALTER_CONTEXT, 4, &a, &b);
	expect_fault(&b, RPC_S_ACCESS_DENIED);
	link_close(&l);
	expect_logon_event_exact(core_ledger_head(&core), LOGON_RPC_VIOLATION, ALICE,
				 "alter_context (call 4): security leg refused");
	initiator_free(&i);
	/* again, with a second auth3 instead: the next call is refused */
	initiator_new(&i, ALICE, ALICE_PW);
	negotiate(&l, &i, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
	initiator_finish(&i, &b);
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i.tok.buf, i.tok.len);
	send_auth3(&l, 2, &a, &b);
	send_auth3(&l, 3, &a, &b);
	csr_refused(&l, 4, &b);
	link_close(&l);
	expect_logon_event_exact(core_ledger_head(&core), LOGON_RPC_VIOLATION, ALICE,
				 "request (call 4) after a refused logon");
	tb_free(&b);
	initiator_free(&i);
}

/* An auth3 whose token is not an NTLM message: logged with the decoder's
 * reason, journaled as a malformed AUTHENTICATE. */
static void test_auth3_not_ntlm(void **state)
{
	static const uint8_t junk[] = "not NTLM at all";
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	initiator_new(&i, ALICE, ALICE_PW);
	negotiate(&l, &i, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
	log_begin();
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, junk, sizeof(junk));
	auth3_refused(&l, &a, &b);
	log_end();
	assert_logged(PEER ": auth3: not an NTLMSSP message\n");
	expect_journal(0, (const struct want[]){
		{LOGON_NTLM_REFUSED, "", "malformed AUTHENTICATE", 0},
		{LOGON_RPC_VIOLATION, "", "request (call 3) after a refused logon", 0}}, 2);
	tb_free(&b);
	initiator_free(&i);
}

/* ca-auth gone between the legs: the AUTHENTICATE cannot be checked (journaled:
 * "the credential process is not available"), the call is refused; and a
 * context left open when ca-auth is gone cannot be released: logged, the
 * connection still ends. */
static void test_credential_process_gone_between_legs(void **state)
{
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l, l2;

	(void)state;
	initiator_new(&i, ALICE, ALICE_PW);
	negotiate(&l, &i, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
	initiator_finish(&i, &b);
	/* a second connection holds a context too */
	{
		struct initiator j;

		initiator_new(&j, ALICE, ALICE_PW);
		negotiate(&l2, &j, RPC_AUTHN_LEVEL_CONNECT, &a, &b);
		assert_int_equal(b.p[2], RPC_PT_BIND_ACK);
		initiator_free(&j);
	}
	auth_gone();
	log_begin();
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i.tok.buf, i.tok.len);
	auth3_refused(&l, &a, &b);
	link_close(&l2);
	log_end();
	assert_logged(PEER ": NTLM logon of '" ALICE "' refused: the credential process is not "
		      "available\n");
	assert_logged(PEER ": ca-auth: channel to the ca-auth closed\n");
	expect_journal(0, (const struct want[]){
		{LOGON_NTLM_REFUSED, ALICE, "the credential process is not available", 0},
		{LOGON_RPC_VIOLATION, ALICE, "request (call 3) after a refused logon", 0}}, 2);
	auth_reap();
	tb_free(&b);
	initiator_free(&i);
}

/* Connect level where privacy is required: E_ACCESSDENIED naming the level. */
static void test_connect_refused_where_privacy_required(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	logon_and_enroll_expect(ALICE, ALICE_PW, RPC_AUTHN_LEVEL_CONNECT, 0, RPCC_OK, RPCC_OK, &c,
				&out, &resp);
	assert_int_equal(resp.status, HR_E_ACCESSDENIED);
	expect_message(&resp, "E_ACCESSDENIED: authentication level connect; packet privacy "
			      "is required (IF_ENFORCEENCRYPTICERTREQUEST)");
	expect_row(&core, 1, ALICE, DISP_FAILED, HR_E_ACCESSDENIED);
	ndr_wr_free(&out);
}

/* A refused logon the custodian cannot journal (its channel gone): the worker
 * says so in its log, and the client's answer is the same as ever. (A full
 * ledger is no such case: the custodian counts the event for later.) */
static void test_refusal_not_journaled(void **state)
{
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;

	(void)state;
	assert_int_equal(core_end_channel(&core), 0);
	refused_logon(ALICE, "not alice's password", 1, &c, &out, &resp);
	assert_logged("custodian: channel to the custodian closed\n");
	assert_logged(PEER ": closed: request (call 2) after a refused logon\n");
	ndr_wr_free(&out);
}

/* ---- a ca-auth that breaks its side of the channel --------------------------------- */

/* How the scripted ca-auth answers a leg: the real acceptor's answer, an
 * anonymous AUTH_OK, a payload that does not decode under the right type, an
 * answer of another type, or an AUTH_FAIL (whole or not decoding), or the
 * worker's own request type sent back (S_ECHO: a request is never an answer). */
enum script { S_REAL, S_OK_ANON, S_BAD_PAYLOAD, S_WRONG_TYPE, S_FAIL, S_FAIL_BAD, S_ECHO };

struct fake_auth {
	int fd;
	enum script neg, au, rel;
	pthread_t th;
};

static void fake_reply(struct ipc_chan *ch, uint32_t id, enum script s, uint32_t type,
		       struct ipc_wbuf *ans)
{
	static const uint8_t x = 'x';

	switch (s) {
	case S_BAD_PAYLOAD:
		ipc_wbuf_free(ans);
		ipc_send(ch, type, id, &x, 1, -1);
		return;
	case S_WRONG_TYPE:
		ipc_wbuf_free(ans);
		ipc_send(ch, AUTH_OK, id, NULL, 0, -1);
		return;
	case S_FAIL_BAD:
		ipc_wbuf_free(ans);
		ipc_send(ch, AUTH_FAIL, id, &x, 1, -1);
		return;
	case S_ECHO:
		ipc_wbuf_free(ans);
		ipc_send(ch, AUTH_NEGOTIATE, id, NULL, 0, -1);
		return;
	case S_FAIL:
		ipc_wbuf_free(ans);
		ipc_wbuf_init(ans);
		auth_fail_encode(ans, &(struct auth_fail){.code = AUTH_E_DENIED, .message = "scripted refusal"});
		type = AUTH_FAIL;
		break;
	case S_REAL:
	case S_OK_ANON:
		break;
	}
	ipc_send(ch, type, id, ans->data, ans->len, -1);
	ipc_wbuf_free(ans);
}

static void *fake_auth_thread(void *arg)
{
	static const uint8_t key[AUTH_KEY_LEN];
	struct fake_auth *f = arg;
	struct ipc_chan ch;
	char e[256];

	ipc_chan_init(&ch, f->fd, "worker", AUTH_MAX_PAYLOAD + 1024);
	for (;;) {
		struct auth_negotiate q;
		struct auth_authenticate au;
		struct auth_release rq;
		struct leg_result r;
		struct ipc_wbuf ans;
		struct ipc_msg m;

		if (ipc_recv(&ch, &m, e, sizeof(e)) != 1)
			break;
		ipc_wbuf_init(&ans);
		switch (m.hdr.type) {
		case AUTH_NEGOTIATE: /* the real acceptor's CHALLENGE */
			if (auth_negotiate_decode(m.data, m.hdr.len, &q) != 0)
				break;
			acceptor_negotiate(q.token, q.token_len, &r);
			auth_challenge_encode(&ans, &(struct auth_challenge){r.ctx, r.token,
									   r.token_len});
			if (f->neg != S_REAL) /* the worker will never end this one */
				acceptor_release(r.ctx);
			leg_result_free(&r);
			fake_reply(&ch, m.hdr.id, f->neg, AUTH_CHALLENGE, &ans);
			break;
		case AUTH_AUTHENTICATE: /* whatever the token says */
			if (auth_authenticate_decode(m.data, m.hdr.len, &au) != 0)
				break;
			acceptor_release(au.ctx);
			if (f->au == S_OK_ANON)
				auth_ok_encode(&ans, &(struct auth_ok){"NT AUTHORITY\\ANONYMOUS LOGON",
								   1, key, NULL, 0});
			else
				auth_ok_encode(&ans, &(struct auth_ok){ALICE, 0, key, NULL, 0});
			fake_reply(&ch, m.hdr.id, f->au, AUTH_OK, &ans);
			break;
		case AUTH_RELEASE:
			if (auth_release_decode(m.data, m.hdr.len, &rq) == 0)
				acceptor_release(rq.ctx);
			fake_reply(&ch, m.hdr.id, f->rel, AUTH_RELEASED, &ans);
			break;
		default:
			ipc_wbuf_free(&ans);
			break;
		}
		ipc_msg_free(&m);
	}
	ipc_chan_free(&ch);
	return NULL;
}

/* The worker's logon channel to a scripted ca-auth instead of auth_serve. */
static void fake_auth_start(struct fake_auth *f, enum script neg, enum script au,
			    enum script rel)
{
	auth_stop();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, auth.fds), 0);
	*f = (struct fake_auth){auth.fds[1], neg, au, rel, 0};
	assert_int_equal(pthread_create(&f->th, NULL, fake_auth_thread, f), 0);
	assert_int_equal(ipc_caller_start(&w.auth, auth.fds[0], "ca-auth", AUTH_ANSWER_MAX), 0);
	w.have_auth = 1;
}

static void fake_auth_stop(struct fake_auth *f)
{
	ipc_caller_stop(&w.auth);
	pthread_join(f->th, NULL);
	close(auth.fds[0]);
	close(auth.fds[1]);
}

/* bind (NEGOTIATE), then auth3 (AUTHENTICATE) on l at connect level. */
static void logon_raw(struct link *l, struct initiator *i, struct tbuf *b)
{
	struct rb_auth a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i->tok.buf, i->tok.len);

	leg(l, RPC_PT_BIND, 1, &a, b);
	assert_int_equal(b->p[2], RPC_PT_BIND_ACK);
	initiator_finish(i, b);
	a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i->tok.buf, i->tok.len);
	send_auth3(l, 2, &a, b);
}

/* ca-auth says the logon was anonymous while the worker does not allow
 * anonymous enrollment: refused with that reason, journaled with the name the
 * token claimed. */
static void test_anonymous_logon_refused(void **state)
{
	struct fake_auth f;
	struct initiator i;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	fake_auth_start(&f, S_REAL, S_OK_ANON, S_REAL);
	initiator_new(&i, ALICE, ALICE_PW);
	link_open(&l, &w, PORT_ICPR);
	logon_raw(&l, &i, &b);
	csr_refused(&l, 3, &b);
	link_close(&l);
	fake_auth_stop(&f);
	expect_journal(0, (const struct want[]){
		{LOGON_NTLM_REFUSED, ALICE, "anonymous NTLM logon (icpr_allow_anonymous is off)", 0},
		{LOGON_RPC_VIOLATION, ALICE, "request (call 3) after a refused logon", 0}}, 2);
	tb_free(&b);
	initiator_free(&i);
}

/* Where anonymous enrollment is allowed, an anonymous NTLM logon stands, and
 * its request is recorded under the caller's address (no one is vouched for). */
static void test_anonymous_logon_allowed(void **state)
{
	struct fake_auth f;
	struct initiator i;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	w.allow_anonymous = 1;
	fake_auth_start(&f, S_REAL, S_OK_ANON, S_REAL);
	initiator_new(&i, ALICE, ALICE_PW);
	log_begin();
	link_open(&l, &w, PORT_ICPR);
	logon_raw(&l, &i, &b);
	send_csr(&l, 3, &b);
	assert_int_equal(b.p[2], RPC_PT_RESPONSE);
	link_close(&l);
	log_end();
	fake_auth_stop(&f);
	assert_logged(PEER ": NTLM logon of NT AUTHORITY\\ANONYMOUS LOGON at connect\n");
	expect_row(&core, 1, "anonymous@" PEER, DISP_ISSUED, 0);
	tb_free(&b);
	initiator_free(&i);
}

/* A logon at packet integrity whose AUTHENTICATE does not negotiate extended
 * session security (ca-auth, scripted, accepts it): the worker cannot sign
 * with it, refuses the logon with the reason, and the call is refused. */
static void test_logon_without_ess(void **state)
{
	struct fake_auth f;
	struct initiator i;
	struct rb_auth a;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	fake_auth_start(&f, S_REAL, S_REAL, S_REAL);
	alice_bound(&l, &i, RPC_AUTHN_LEVEL_PKT_INTEGRITY, &a, &b);
	initiator_finish(&i, &b);
	assert_true(i.tok.len > 64);
	i.tok.buf[62] &= (uint8_t)~0x08; /* NegotiateFlags: EXTENDED_SESSIONSECURITY */
	a = ntlm_auth(RPC_AUTHN_LEVEL_PKT_INTEGRITY, i.tok.buf, i.tok.len);
	auth3_refused(&l, &a, &b);
	fake_auth_stop(&f);
	expect_journal(0, (const struct want[]){
		{LOGON_NTLM_REFUSED, ALICE, "NTLM without extended session security", 1},
		{LOGON_RPC_VIOLATION, ALICE, "request (call 3) after a refused logon", 0}}, 2);
	tb_free(&b);
	initiator_free(&i);
}

/* The worker served in a child process against a scripted ca-auth: the
 * child's exit status and what it logged. what: 0 the bind alone, 1 the bind
 * and the auth3 and a call, 2 the bind then the client hangs up. */
static int child_run(enum script neg, enum script au, enum script rel, int what)
{
	int conn[2], cust[2], status;
	struct fake_auth f;
	struct initiator i;
	struct tbuf b = {0};
	pid_t pid;

	initiator_new(&i, ALICE, ALICE_PW);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, conn), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cust), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, auth.fds), 0);
	log_begin();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) { /* the worker, as ca-worker's accept path serves a connection */
		struct slots_config sc = {.pool = {4, 4}, .per_address = 4};
		static struct worker cw;
		struct slot_ref ref = {0, 0};

		worker_ifaces_init();
		cw.icpr_port = 5022;
		cw.logon_deadline_s = WORKER_LOGON_DEADLINE_S;
		cw.conn_deadline_s = WORKER_CONN_DEADLINE_S;
		cw.have_auth = 1;
		if (slots_init(&cw.slots, &sc) != 0 ||
		    ipc_caller_start(&cw.custodian, cust[0], "custodian", CUST_SUBMIT_MAX) != 0 ||
		    ipc_caller_start(&cw.auth, auth.fds[0], "ca-auth", AUTH_ANSWER_MAX) != 0)
			_exit(99);
		worker_serve_conn(&cw, conn[1], PORT_ICPR, PEER, &ref);
		fflush(NULL);
		_exit(0);
	}
	close(conn[1]);
	close(auth.fds[0]);
	close(cust[0]);
	f = (struct fake_auth){auth.fds[1], neg, au, rel, 0};
	assert_int_equal(pthread_create(&f.th, NULL, fake_auth_thread, &f), 0);
	{
		struct link l = {.fds = {conn[0], -1}};
		struct rb_auth a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i.tok.buf, i.tok.len);

		send_bind(&l, RPC_PT_BIND, 1, &a);
		if (link_recv_pdu(l.fds[0], &b) == 1 && what == 1) {
			initiator_finish(&i, &b);
			a = ntlm_auth(RPC_AUTHN_LEVEL_CONNECT, i.tok.buf, i.tok.len);
			send_auth3(&l, 2, &a, &b);
			b.len = 0;
			rb_request(&b, 3, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0,
				   RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, NULL, (const uint8_t *)"x", 1,
				   NULL);
			link_send_all(l.fds[0], &b);
			(void)link_recv_pdu(l.fds[0], &b);
		}
	}
	shutdown(conn[0], SHUT_RDWR);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	log_end();
	shutdown(auth.fds[1], SHUT_RDWR);
	pthread_join(f.th, NULL);
	close(conn[0]);
	close(auth.fds[1]);
	close(cust[1]);
	tb_free(&b);
	initiator_free(&i);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Each answer a broken or compromised ca-auth could give is a protocol
 * violation: the worker exits at once (cad restarts it with ca-auth), saying
 * which. A whole AUTH_FAIL to a release is one too; an ordinary run exits 0. */
static void test_ca_auth_violations(void **state)
{
	static const struct {
		enum script neg, au, rel;
		int what;
		const char *line;
	} cases[] = {
		{S_WRONG_TYPE, S_REAL, S_REAL, 0,
		 "fatal: protocol violation: answer 0x403 from ca-auth to 0x400\n"},
		{S_ECHO, S_REAL, S_REAL, 0,
		 "fatal: protocol violation: answer 0x400 from ca-auth to 0x400\n"},
		{S_BAD_PAYLOAD, S_REAL, S_REAL, 0,
		 "fatal: protocol violation: malformed AUTH_CHALLENGE from ca-auth\n"},
		{S_FAIL_BAD, S_REAL, S_REAL, 0,
		 "fatal: protocol violation: AUTH_FAIL from ca-auth to 0x400\n"},
		{S_REAL, S_BAD_PAYLOAD, S_REAL, 1,
		 "fatal: protocol violation: malformed AUTH_OK from ca-auth\n"},
		{S_REAL, S_REAL, S_FAIL, 2,
		 "fatal: protocol violation: AUTH_FAIL from ca-auth to 0x404\n"},
		{S_REAL, S_REAL, S_BAD_PAYLOAD, 2,
		 "fatal: protocol violation: malformed AUTH_RELEASED from ca-auth\n"},
	};

	(void)state;
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer's check at the child's exit takes what the parent's other
	 * threads hold (the core's) for leaks and changes the exit status: the
	 * normal and coverage builds run this test. */
	skip();
#endif
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		assert_int_equal(child_run(cases[k].neg, cases[k].au, cases[k].rel, cases[k].what),
				 1);
		assert_logged(cases[k].line);
	}
	/* the same hang-up with an honest release: a clean end */
	assert_int_equal(child_run(S_REAL, S_REAL, S_REAL, 2), 0);
	assert_null(strstr(logged, "fatal"));
}

/* ---- fixtures of the program ------------------------------------------------------- */

static void account_line(FILE *f, const char *name, const char *password)
{
	uint8_t h[16];

	assert_int_equal(ntlm_nt_hash(password, strlen(password), h), 0);
	fprintf(f, "%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:", name);
	for (int i = 0; i < 16; i++)
		fprintf(f, "%02X", h[i]);
	fprintf(f, ":[U          ]:LCT-00000000:\n");
}

static int accounts_make(void)
{
	char err[512];
	FILE *f;

	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(accounts, sizeof(accounts), "%s/accounts", dir);
	if ((f = fopen(accounts, "w")) == NULL)
		return -1;
	account_line(f, ALICE, ALICE_PW);
	fclose(f);
	setenv("NTLM_USER_FILE", accounts, 1);
	setenv("NETBIOS_COMPUTER_NAME", "CA", 1);
	setenv("NETBIOS_DOMAIN_NAME", "EXAMPLE", 1);
	setenv("LM_COMPAT_LEVEL", "5", 1);
	if (acceptor_init(err, sizeof(err)) != 0 || acceptor_warm_up(err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* ---- NTLM inside SPNEGO (auth type 9) through the worker ---------------------------
 * MIT's SPNEGO initiator restricted to gss-ntlmssp is the client: the bind
 * carries its NegTokenInit (with the NEGOTIATE), the alter_context its
 * AUTHENTICATE with the mechListMIC; the alter_context_resp carries ca-auth's
 * MIC, which the initiator checks. The calls are then sealed as auth type 10's
 * (ntlm_seal, the client's role) with auth type 9 in their trailers. */

static gss_OID_desc spnego_mech = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
static gss_OID_desc ntlmssp_mech = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

struct spnego_client {
	gss_cred_id_t cred;
	gss_ctx_id_t ctx;
	gss_name_t target;
	OM_uint32 major;
	gss_buffer_desc out;
};

static void spnego_client_new(struct spnego_client *c, const char *user, const char *password)
{
	gss_OID_set_desc spnego = {1, &spnego_mech}, ntlm = {1, &ntlmssp_mech};
	gss_buffer_desc nb = {strlen(user), (void *)user};
	gss_buffer_desc pw = {strlen(password), (void *)password};
	gss_buffer_desc tb = {strlen("host@ca.example.test"), (void *)"host@ca.example.test"};
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 minor;

	memset(c, 0, sizeof(*c));
	assert_false(GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name)));
	assert_false(GSS_ERROR(gss_acquire_cred_with_password(
		&minor, name, &pw, GSS_C_INDEFINITE, &spnego, GSS_C_INITIATE, &c->cred, NULL, NULL)));
	assert_false(GSS_ERROR(gss_set_neg_mechs(&minor, c->cred, &ntlm)));
	assert_false(GSS_ERROR(gss_import_name(&minor, &tb, GSS_C_NT_HOSTBASED_SERVICE,
					       &c->target)));
	gss_release_name(&minor, &name);
}

/* One initiator step on the token in (NULL: the first); its token in c->out. */
static void spnego_client_step(struct spnego_client *c, const uint8_t *in, size_t len)
{
	gss_buffer_desc ib = {len, (void *)in};
	OM_uint32 minor;

	gss_release_buffer(&minor, &c->out);
	c->major = gss_init_sec_context(&minor, c->cred, &c->ctx, c->target, &spnego_mech,
					GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
					GSS_C_NO_CHANNEL_BINDINGS, in != NULL ? &ib : GSS_C_NO_BUFFER,
					NULL, &c->out, NULL, NULL);
}

static void spnego_client_free(struct spnego_client *c)
{
	OM_uint32 min;

	gss_release_buffer(&min, &c->out);
	if (c->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &c->ctx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &c->cred);
	gss_release_name(&min, &c->target);
}

static struct rb_auth spnego_auth(uint8_t level, const gss_buffer_desc *tok)
{
	return (struct rb_auth){RPC_AUTHN_GSS_NEGOTIATE, level, 0, AUTH_CTX, tok->value,
				tok->length};
}

/* The auth value of the answer b (its last auth_length octets). */
static const uint8_t *auth_value(const struct tbuf *b, size_t *len)
{
	*len = rb_le16(b->p + 10);
	assert_true(*len > 0 && *len <= b->len);
	return b->p + b->len - *len;
}

/* The client's sealing state: the session key its context holds, the flags
 * of the AUTHENTICATE it sent (in the NegTokenResp tok). */
static void spnego_client_seal(struct spnego_client *c, const uint8_t *tok, size_t len,
			       struct ntlm_seal *s)
{
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	struct spnego_resp r;
	struct ntlm_msg m;
	OM_uint32 minor;
	char err[160];

	assert_int_equal(spnego_decode_resp(tok, len, &r, err, sizeof(err)), 0);
	assert_non_null(r.mic); /* the initiator sends its mechListMIC */
	assert_int_equal(ntlm_msg_decode(r.token, r.token_len, &m, err, sizeof(err)), 0);
	assert_int_equal(m.type, NTLM_AUTHENTICATE);
	assert_false(GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, c->ctx,
							      GSS_C_INQ_SSPI_SESSION_KEY, &set)));
	assert_int_equal(set->elements[0].length, NTLM_KEY_LEN);
	assert_int_equal(ntlm_seal_init(s, set->elements[0].value, m.flags, NTLM_CLIENT, 1, err,
					sizeof(err)), 0);
	gss_release_buffer_set(&minor, &set);
}

/* A CertServerRequest sealed with s as call call_id (auth type 9, privacy);
 * each fragment of the answer unsealed in place into *b, which holds the
 * last one. */
static void sealed_csr(struct link *l, struct ntlm_seal *s, uint32_t call_id, struct tbuf *b)
{
	static const uint8_t zeros[NTLM_VERIFIER_LEN];
	struct rb_auth a = {RPC_AUTHN_GSS_NEGOTIATE, RPC_AUTHN_LEVEL_PKT_PRIVACY, 0, AUTH_CTX,
			    zeros, sizeof(zeros)};
	struct x509_buf csr;
	struct ndr_wr stub;
	size_t tlen;
	char err[160];

	csr_stub(&stub, &csr);
	a.pad = (uint8_t)((16 - stub.len % 16) % 16);
	b->len = 0;
	rb_request(b, call_id, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0,
		   RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, NULL, stub.buf, stub.len, &a);
	tlen = b->len - NTLM_VERIFIER_LEN;
	assert_int_equal(ntlm_seal_wrap(s, b->p, tlen, RPC_REQ_HDR_LEN, stub.len + a.pad,
					b->p + tlen, NTLM_VERIFIER_LEN), 0);
	link_send_all(l->fds[0], b);
	ndr_wr_free(&stub);
	x509_buf_free(&csr);
	do {
		struct rpc_pdu pdu;
		size_t body;

		assert_int_equal(link_recv_pdu(l->fds[0], b), 1);
		assert_int_equal(b->p[2], RPC_PT_RESPONSE);
		assert_int_equal(rpc_pdu_decode(b->p, b->len, &pdu, err, sizeof(err)), 0);
		assert_int_equal(pdu.auth.t.auth_type, RPC_AUTHN_GSS_NEGOTIATE);
		tlen = RPC_HDR_LEN + pdu.body_len + RPC_SEC_TRAILER_LEN;
		body = pdu.body_len - 8;
		assert_int_equal(ntlm_seal_unwrap(s, b->p, tlen, RPC_RESP_HDR_LEN, body,
						  pdu.auth.value, pdu.auth.value_len), 0);
	} while (!(b->p[3] & RPC_PFC_LAST_FRAG));
}

/* The SPNEGO legs of alice's logon at privacy: *s seals as the client. The
 * answer to the alter_context is in *b; mic_flip alters the client's
 * mechListMIC on the way. */
static void spnego_logon(struct link *l, struct spnego_client *c, int mic_flip,
			 struct ntlm_seal *s, struct tbuf *b)
{
	const uint8_t *v;
	struct rb_auth a;
	uint8_t tok[4096];
	size_t len;

	spnego_client_new(c, ALICE, ALICE_PW);
	spnego_client_step(c, NULL, 0);
	assert_int_equal(c->major, GSS_S_CONTINUE_NEEDED);
	a = spnego_auth(RPC_AUTHN_LEVEL_PKT_PRIVACY, &c->out);
	first_leg(l, &a, b);
	assert_int_equal(b->p[2], RPC_PT_BIND_ACK);
	v = auth_value(b, &len);
	spnego_client_step(c, v, len);
	assert_int_equal(c->major, GSS_S_CONTINUE_NEEDED);
	assert_true(c->out.length <= sizeof(tok));
	memcpy(tok, c->out.value, c->out.length);
	spnego_client_seal(c, tok, c->out.length, s);
	if (mic_flip) {
		struct spnego_resp r;
		char err[160];

		assert_int_equal(spnego_decode_resp(tok, c->out.length, &r, err, sizeof(err)), 0);
		tok[(size_t)(r.mic - tok) + r.mic_len - 1] ^= 1;
	}
	a = (struct rb_auth){RPC_AUTHN_GSS_NEGOTIATE, RPC_AUTHN_LEVEL_PKT_PRIVACY, 0, AUTH_CTX,
			     tok, c->out.length};
	leg(l, RPC_PT_ALTER_CONTEXT, 2, &a, b);
}

static void test_spnego_ntlm_sealed_call(void **state)
{
	struct spnego_client c;
	struct ntlm_seal s;
	struct tbuf b = {0};
	struct link l;
	const uint8_t *v;
	size_t len;

	(void)state;
	log_begin();
	spnego_logon(&l, &c, 0, &s, &b);
	assert_int_equal(b.p[2], RPC_PT_ALTER_CONTEXT_RESP);
	/* ca-auth's mechListMIC, checked by MIT's initiator */
	v = auth_value(&b, &len);
	spnego_client_step(&c, v, len);
	assert_int_equal(c.major, GSS_S_COMPLETE);
	sealed_csr(&l, &s, 3, &b);
	link_close(&l);
	log_end();
	expect_row(&core, 1, ALICE, DISP_ISSUED, 0);
	assert_logged(PEER ": NTLM (SPNEGO) logon of " ALICE " at pkt_privacy\n");
	ntlm_seal_wipe(&s);
	spnego_client_free(&c);
	tb_free(&b);
}

/* An altered mechListMIC: the alter_context refused, the logon journaled as
 * an NTLM one refused, no call runs. */
static void test_spnego_ntlm_bad_mic(void **state)
{
	struct spnego_client c;
	struct ntlm_seal s;
	struct tbuf b = {0};
	struct link l;

	(void)state;
	log_begin();
	spnego_logon(&l, &c, 1, &s, &b);
	expect_fault(&b, RPC_S_ACCESS_DENIED);
	link_close(&l);
	log_end();
	assert_logged(PEER ": NTLM (SPNEGO) logon refused: the SPNEGO mechListMIC does not "
			   "verify (the mechanism list was altered)\n");
	expect_logon_event(core_ledger_head(&core) - 1, LOGON_NTLM_REFUSED, "(NTLM)",
			   "the SPNEGO mechListMIC does not verify");
	ntlm_seal_wipe(&s);
	spnego_client_free(&c);
	tb_free(&b);
}

/* A first leg bound with tok (auth type 9, privacy) that ca-auth refuses:
 * the bind_nak, and the journal's refusal, then the bind's violation, both
 * under the mechanism's claimed name. */
static void spnego_first_leg_refused(const uint8_t *tok, size_t len, uint32_t action,
				     const char *claimed, const char *why)
{
	struct rb_auth a = {RPC_AUTHN_GSS_NEGOTIATE, RPC_AUTHN_LEVEL_PKT_PRIVACY, 0, AUTH_CTX,
			    tok, len};
	struct tbuf b = {0};
	struct link l;

	log_begin();
	first_leg(&l, &a, &b);
	expect_nak(&b, 0);
	link_close(&l);
	log_end();
	expect_journal(0, (const struct want[]){
		{action, claimed, why, 0},
		{LOGON_RPC_VIOLATION, claimed, "bind (call 1): authentication type 9 refused", 0}},
		       2);
	tb_free(&b);
}

/* A first leg refused after ca-auth chose NTLM (MIT's NegTokenInit, whose
 * optimistic NEGOTIATE has lost NEGOTIATE_128): no context names the
 * mechanism yet, so AUTH_FAIL says it, and the journal calls it an NTLM
 * refusal, not a Kerberos one. */
static void test_spnego_ntlm_first_leg_refused(void **state)
{
	struct spnego_client c;
	struct spnego_init init;
	uint8_t tok[4096];
	char err[160];
	size_t off;

	(void)state;
	spnego_client_new(&c, ALICE, ALICE_PW);
	spnego_client_step(&c, NULL, 0);
	assert_int_equal(c.major, GSS_S_CONTINUE_NEEDED);
	assert_true(c.out.length <= sizeof(tok));
	memcpy(tok, c.out.value, c.out.length);
	assert_int_equal(spnego_decode_init(tok, c.out.length, &init, err, sizeof(err)), 0);
	assert_int_equal(init.mechs[0], SPNEGO_MECH_NTLM);
	assert_true(init.mech_token_len >= 16);
	off = (size_t)(init.mech_token - tok);
	tok[off + 15] &= (uint8_t)~0x20; /* NegotiateFlags' NEGOTIATE_128 */
	spnego_first_leg_refused(tok, c.out.length, LOGON_NTLM_REFUSED, "(NTLM)",
				 "NTLM without 128-bit keys (the NEGOTIATE offers only 56- or "
				 "40-bit session keys)");
	assert_logged(PEER ": NTLM (SPNEGO) logon refused: NTLM without 128-bit keys");
	spnego_client_free(&c);
}

/* A first leg ca-auth cannot read as SPNEGO: no mechanism was chosen, and it
 * is journaled as Kerberos's, the mechanism auth type 9 is served for first. */
static void test_spnego_unreadable_first_leg_refused(void **state)
{
	static const uint8_t junk[] = {0x60, 0x03, 0x06, 0x01, 0x00};

	(void)state;
	spnego_first_leg_refused(junk, sizeof(junk), LOGON_KERBEROS_REFUSED, "(Kerberos)",
				 "SPNEGO: not a GSS token of the SPNEGO mechanism");
	assert_logged(PEER ": Kerberos logon refused: SPNEGO: not a GSS token");
}

/* ---- rpc_client's security provider (rpcc_sec), driven by NTLM inside SPNEGO ----
 * careq's client with a provider instead of its NTLM legs: the bind, the
 * bind_ack's token, the alter_context and its answer, then sealed calls
 * through the provider's wrap and unwrap. The provider is MIT's SPNEGO
 * initiator restricted to gss-ntlmssp (as above) and ntlm_seal in the client's
 * role; the benchmark's Kerberos provider uses the same path. */

struct prov {
	struct spnego_client c;
	struct ntlm_seal s;
	int flip_mic;  /* alter the mechListMIC of the third leg */
	int flip_resp; /* alter each response body before it is unsealed */
};

static int prov_start(void *arg, struct ndr_wr *tok, char *err, size_t errlen)
{
	struct prov *p = arg;

	spnego_client_new(&p->c, ALICE, ALICE_PW);
	spnego_client_step(&p->c, NULL, 0);
	if (p->c.major != GSS_S_CONTINUE_NEEDED)
		return snprintf(err, errlen, "first leg"), -1;
	ndr_put_bytes(tok, p->c.out.value, p->c.out.length);
	return 0;
}

static int prov_step(void *arg, const uint8_t *in, size_t len, struct ndr_wr *tok, char *err,
		     size_t errlen)
{
	struct prov *p = arg;
	struct spnego_resp r;
	uint8_t *t;

	spnego_client_step(&p->c, in, len);
	if (p->c.major != GSS_S_CONTINUE_NEEDED)
		return snprintf(err, errlen, "second leg"), -1;
	spnego_client_seal(&p->c, p->c.out.value, p->c.out.length, &p->s);
	t = p->c.out.value;
	if (p->flip_mic) {
		assert_int_equal(spnego_decode_resp(t, p->c.out.length, &r, err, errlen), 0);
		t[(size_t)(r.mic - t) + r.mic_len - 1] ^= 1;
	}
	ndr_put_bytes(tok, t, p->c.out.length);
	return 0;
}

static int prov_done(void *arg, const uint8_t *in, size_t len, char *err, size_t errlen)
{
	struct prov *p = arg;

	spnego_client_step(&p->c, in, len); /* ca-auth's mechListMIC */
	return p->c.major == GSS_S_COMPLETE ? 0 : (snprintf(err, errlen, "last leg"), -1);
}

static int prov_wrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		     uint8_t *verifier, size_t verifier_len)
{
	struct prov *p = arg;

	return ntlm_seal_wrap(&p->s, pdu, len, body_off, body_len, verifier, verifier_len);
}

static int prov_unwrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		       const uint8_t *verifier, size_t verifier_len)
{
	struct prov *p = arg;

	if (p->flip_resp)
		pdu[body_off] ^= 1;
	return ntlm_seal_unwrap(&p->s, pdu, len, body_off, body_len, verifier, verifier_len);
}

static const struct rpcc_sec prov_sec = {RPC_AUTHN_GSS_NEGOTIATE, NTLM_VERIFIER_LEN, prov_start,
					 prov_step, prov_done, prov_wrap, prov_unwrap};

static int prov_bind(struct rpcc *c, struct link *l, struct prov *p)
{
	struct rpcc_auth a = {RPC_AUTHN_LEVEL_PKT_PRIVACY, NULL, NULL, p, &prov_sec};

	link_open(l, &w, PORT_ICPR);
	client_on(c, l);
	return rpcc_bind_auth(c, &worker_icpr_iface.syntax, &a);
}

static void prov_free(struct prov *p)
{
	ntlm_seal_wipe(&p->s);
	spnego_client_free(&p->c);
}

/* The good path: two sealed enrollments on one logon, issued to alice. */
static void test_rpcc_provider_enrolls(void **state)
{
	struct rpc_icpr_response resp;
	struct prov p = {0};
	struct ndr_wr out;
	struct rpcc c;
	struct link l;

	(void)state;
	log_begin();
	assert_int_equal(prov_bind(&c, &l, &p), RPCC_OK);
	assert_int_equal(c.auth_type, RPC_AUTHN_GSS_NEGOTIATE);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(enroll(&c, &out, &resp), RPCC_OK);
		assert_int_equal(resp.disposition, ICPR_DISP_ISSUED);
		ndr_wr_free(&out);
	}
	link_close(&l);
	log_end();
	expect_row(&core, 1, ALICE, DISP_ISSUED, 0);
	expect_row(&core, 2, ALICE, DISP_ISSUED, 0);
	assert_logged(PEER ": NTLM (SPNEGO) logon of " ALICE " at pkt_privacy\n");
	prov_free(&p);
}

/* The alter_context refused (a bad mechListMIC): rpcc_bind_auth returns the
 * fault, and nothing is sealed with the provider. */
static void test_rpcc_provider_alter_context_fault(void **state)
{
	struct prov p = {.flip_mic = 1};
	struct rpcc c;
	struct link l;

	(void)state;
	log_begin();
	assert_int_equal(prov_bind(&c, &l, &p), RPCC_EFAULT);
	assert_int_equal(c.fault, RPC_S_ACCESS_DENIED);
	assert_int_equal(c.sealed, 0);
	link_close(&l);
	log_end();
	expect_logon_event(core_ledger_head(&core) - 1, LOGON_NTLM_REFUSED, "(NTLM)",
			   "the SPNEGO mechListMIC does not verify");
	prov_free(&p);
}

/* A response whose body changed on the way: the provider's unwrap refuses it
 * and the call fails as a protocol error, naming the verifier. */
static void test_rpcc_provider_tampered_response(void **state)
{
	struct rpc_icpr_response resp;
	struct prov p = {0};
	struct ndr_wr out;
	struct rpcc c;
	struct link l;

	(void)state;
	log_begin();
	assert_int_equal(prov_bind(&c, &l, &p), RPCC_OK);
	p.flip_resp = 1;
	assert_int_equal(enroll(&c, &out, &resp), RPCC_EPROTO);
	assert_non_null(strstr(c.err, "verifier does not check"));
	ndr_wr_free(&out);
	link_close(&l);
	log_end();
	prov_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_privacy_logon_enrolls_as_the_account, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_integrity_refused_where_privacy_required,
						setup_enforce, teardown),
		cmocka_unit_test_setup_teardown(test_connect_level_enrolls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_account, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_credential_process, setup_no_auth,
						teardown),
		cmocka_unit_test_setup_teardown(test_credential_process_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alter_context_logon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authenticate_without_negotiate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_legs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_none_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_privacy_logon_where_required, setup_enforce,
						teardown),
		cmocka_unit_test_setup_teardown(test_forged_verifier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contexts_released, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logons_released_at_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negotiate_refused_by_ca_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_negotiate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legs_after_logon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth3_not_ntlm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_credential_process_gone_between_legs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused_where_privacy_required,
						setup_enforce, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_logon_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpcc_provider_enrolls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rpcc_provider_alter_context_fault, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rpcc_provider_tampered_response, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_logon_allowed, setup_anonymous,
						teardown),
		cmocka_unit_test_setup_teardown(test_ca_auth_violations, setup_threadless,
						teardown_threadless),
		cmocka_unit_test_setup_teardown(test_logon_without_ess, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_not_journaled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spnego_ntlm_sealed_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spnego_ntlm_first_leg_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spnego_unreadable_first_leg_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_spnego_ntlm_bad_mic, setup, teardown),
	};
	int rc;

	rb_init_syntaxes();
	if (accounts_make() != 0 || core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	unlink(accounts);
	rmdir(dir);
	return rc;
}
