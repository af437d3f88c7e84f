/* The worker's part in enroll-on-behalf-of (firmware/worker/icpr.c, issue 16):
 * for a CMS or CMC request that names an account (RequesterName among a signer's
 * signed attributes or the CMC controls) from a named logon, the worker asks
 * ca-auth (AUTH_LOOKUP) and passes the SUBJECT token on in CUST_SUBMIT's
 * subject_token; otherwise it sends none. Everything real but the custodian:
 * worker_serve_conn on a socketpair (support/worker_link.c), careq's own
 * client and NTLM initiator, ca-auth's auth_serve with gss-ntlmssp behind it
 * against an account file made here; the custodian is played by the test (a
 * thread that answers the start-up and keeps each CUST_SUBMIT), so what the
 * worker sends is checked as it arrives: the subject token verified with the
 * key as a SUBJECT token naming the account as the file spells it, with its
 * attributes, bound to the caller's LOGON token (the same logon serial), or
 * absent; and ca-auth's count of look-ups says when none was asked for.
 * Requests are built by support/cms_build.py (asn1crypto), keys and
 * certificates by the openssl CLI. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/msg.h"
#include "firmware/auth/throttle.h"
#include "firmware/client/client.h"
#include "firmware/client/ntlm_init.h"
#include "firmware/client/rpc_client.h"
#include "firmware/common/request.h"
#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/icpr/icpr.h"
#include "firmware/identity/ntlm_hash.h"
#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "tests/unit/support/worker_link.h"
#include "tests/unit/support/x509_oracle.h"

const char *__lsan_default_suppressions(void);

/* gss-ntlmssp loads OpenSSL's configuration once and never frees it
 * (test_auth_serve.c). */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\nleak:gssntlmssp.so\n";
}

#define CA_NAME "Subject Test CA"
#define AGENT "EXAMPLE\\agent"
#define AGENT_PW "the agent's password"
#define BUILD "/usr/bin/python3 tests/unit/support/cms_build.py"

static char dir[] = "/tmp/test_worker_subject.XXXXXX";
static const uint8_t id_key[IDTOKEN_KEY_LEN] = "subject-test-key-subject-test-k";
static struct worker w;

/* ca-auth on the worker's logon channel. */
static struct {
	int fds[2]; /* [0] the worker's end, [1] ca-auth's */
	pthread_t thread;
	struct auth_tokens tk;
} auth;

/* The custodian, played: the CA certificate it answers the start-up with, the
 * interface flags, and what each CUST_SUBMIT carried. */
#define MAX_SUBMITS 32
struct got {
	uint32_t format;
	char requester[CUST_REQUESTER_MAX + 1];
	uint8_t token[IDTOKEN_MAX];
	size_t token_len;
	uint8_t subject[IDTOKEN_MAX];
	size_t subject_len;
};
static struct {
	int fds[2]; /* [0] the worker's, [1] the custodian's */
	pthread_t thread;
	struct x509_buf cert;
	uint32_t flags;
	pthread_mutex_t mu;
	struct got got[MAX_SUBMITS];
	size_t n;
} cust;

static void *auth_thread(void *arg)
{
	(void)arg;
	(void)auth_serve(auth.fds[1], &auth.tk);
	return NULL;
}

/* One answer to the worker: the start-up's CA_INFO, a pending result for a
 * submission (its fields kept), an error for anything else (a journaled
 * event: the worker only checks its type). */
static void answer(struct ipc_chan *ch, const struct ipc_msg *m)
{
	struct ipc_wbuf b;
	struct cust_submit s;

	ipc_wbuf_init(&b);
	if (m->hdr.type == CUST_GET_CA) {
		cust_ca_info_encode(&b, &(struct cust_ca_info){cust.cert.data, cust.cert.len,
							       (const uint8_t *)"", 0, cust.flags});
		ipc_send(ch, CUST_CA_INFO, m->hdr.id, b.data, b.len, -1);
	} else if (m->hdr.type == CUST_SUBMIT && cust_submit_decode(m->data, m->hdr.len, &s) == 0) {
		struct got *g;
		uint32_t id;

		pthread_mutex_lock(&cust.mu);
		id = (uint32_t)cust.n + 1;
		if (cust.n < MAX_SUBMITS) {
			g = &cust.got[cust.n++];
			g->format = s.format;
			snprintf(g->requester, sizeof(g->requester), "%s", s.who.requester);
			memcpy(g->token, s.who.token, s.who.token_len);
			g->token_len = s.who.token_len;
			memcpy(g->subject, s.subject_token, s.subject_token_len);
			g->subject_len = s.subject_token_len;
		}
		pthread_mutex_unlock(&cust.mu);
		cust_result_encode(&b, &(struct cust_result){.request_id = id,
							     .disposition = DISP_PENDING,
							     .message = "Taken Under Submission"});
		ipc_send(ch, CUST_RESULT, m->hdr.id, b.data, b.len, -1);
	} else {
		cust_error_encode(&b, &(struct cust_error){.hresult = 0x8000ffffu});
		ipc_send(ch, CUST_ERROR, m->hdr.id, b.data, b.len, -1);
	}
	ipc_wbuf_free(&b);
}

static void *custodian_thread(void *arg)
{
	struct ipc_chan ch;
	struct ipc_msg m;
	char err[256];

	(void)arg;
	ipc_chan_init(&ch, cust.fds[1], "worker", CUST_SUBMIT_MAX);
	while (ipc_recv(&ch, &m, err, sizeof(err)) == 1) {
		answer(&ch, &m);
		ipc_msg_free(&m);
	}
	ipc_chan_free(&ch);
	return NULL;
}

/* ---- fixtures ---------------------------------------------------------------------- */

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	char *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (oracle_run(&out, "%s", cmd) != 0)
		fail_msg("%s\n%s", cmd, out != NULL ? out : "");
	free(out);
}

static const char *P(const char *name)
{
	return oracle_path(name);
}

/* An smbpasswd line as caadm account writes it. */
static void account_line(FILE *f, const char *name, const char *password, const char *flags)
{
	uint8_t h[16];

	assert_int_equal(ntlm_nt_hash(password, strlen(password), h), 0);
	fprintf(f, "%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:", name);
	for (int i = 0; i < 16; i++)
		fprintf(f, "%02X", h[i]);
	fprintf(f, ":%s:LCT-00000000:\n", flags);
}

/* The accounts (the agent, bob with attributes, carol, dave disabled), the
 * acceptor, the CA certificate, the agent's key and certificate and the inner
 * PKCS#10 every CMS and CMC request here carries. */
static int setup_all(void **state)
{
	char path[128], err[512];
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/accounts", dir);
	if ((f = fopen(path, "w")) == NULL || fchmod(fileno(f), 0600) != 0)
		return -1;
	account_line(f, AGENT, AGENT_PW, "[U          ]");
	account_line(f, "EXAMPLE\\bob", "bob's password", "[U          ]");
	account_line(f, "EXAMPLE\\carol", "carol's password", "[U          ]");
	account_line(f, "EXAMPLE\\dave", "dave's password", "[DU         ]");
	fclose(f);
	setenv("NTLM_USER_FILE", path, 1);
	snprintf(path, sizeof(path), "%s/attributes", dir);
	if ((f = fopen(path, "w")) == NULL || fchmod(fileno(f), 0600) != 0)
		return -1;
	fprintf(f, "EXAMPLE\\bob\tupn=bob@example.com\tsid=S-1-5-21-1-2-3-1105\t"
		   "group=Domain Users\n");
	fclose(f);
	setenv("NETBIOS_COMPUTER_NAME", "CA", 1);
	setenv("NETBIOS_DOMAIN_NAME", "EXAMPLE", 1);
	setenv("LM_COMPAT_LEVEL", "5", 1);
	if (acceptor_init(err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
	   "-subj '/CN=" CA_NAME "' -days 2 -outform DER -out '%s' 2>&1",
	   P("ca.key"), P("ca.der"));
	if (oracle_read(P("ca.der"), &cust.cert) != 0)
		return -1;
	sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
	   "-subj '/CN=agent' -days 2 -out '%s' 2>&1", P("agent.key"), P("agent.crt"));
	sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
	   "-subj '/CN=bob' -outform DER -out '%s' 2>&1", P("user.key"), P("user.csr"));
	return 0;
}

static int teardown_all(void **state)
{
	char cmd[128];
	char *out = NULL;

	(void)state;
	x509_buf_free(&cust.cert);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)oracle_run(&out, "%s", cmd);
	free(out);
	return 0;
}

/* The worker as main() sets it up, its custodian played here (flags: the
 * interface flags it answers with), and ca-auth with the token key. */
static int start(uint32_t flags)
{
	struct slots_config sc = {.pool = {WORKER_MAX_EPM_CONNS, WORKER_MAX_CONNS},
				  .per_address = WORKER_MAX_PER_ADDRESS};
	char err[512];

	memset(&w, 0, sizeof(w));
	cust.flags = flags;
	cust.n = 0;
	pthread_mutex_init(&cust.mu, NULL);
	worker_ifaces_init();
	w.icpr_port = ICPR_PORT;
	w.epm_port = 135;
	w.logon_deadline_s = WORKER_LOGON_DEADLINE_S;
	w.conn_deadline_s = WORKER_CONN_DEADLINE_S;
	throttle_configure(&(struct throttle_conf){100, 100, 60000, 60000});
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cust.fds) != 0 ||
	    pthread_create(&cust.thread, NULL, custodian_thread, NULL) != 0 ||
	    slots_init(&w.slots, &sc) != 0 ||
	    ipc_caller_start(&w.custodian, cust.fds[0], "custodian", CUST_SUBMIT_MAX) != 0)
		return -1;
	if (worker_load_ca(&w, err, sizeof(err)) != 0) {
		fprintf(stderr, "worker_load_ca: %s\n", err);
		return -1;
	}
	memset(&auth, 0, sizeof(auth));
	memcpy(auth.tk.key, id_key, sizeof(auth.tk.key));
	auth.tk.have_key = 1;
	auth.tk.lifetime_s = 60;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, auth.fds) != 0 ||
	    pthread_create(&auth.thread, NULL, auth_thread, NULL) != 0 ||
	    ipc_caller_start(&w.auth, auth.fds[0], "ca-auth", AUTH_ANSWER_MAX) != 0)
		return -1;
	w.have_auth = 1;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return start(0);
}

static int setup_anonymous(void **state)
{
	(void)state;
	return start(CUST_IF_ALLOW_ANONYMOUS);
}

static int teardown(void **state)
{
	(void)state;
	ipc_caller_stop(&w.auth);
	pthread_join(auth.thread, NULL);
	close(auth.fds[0]);
	close(auth.fds[1]);
	ipc_caller_stop(&w.custodian);
	pthread_join(cust.thread, NULL);
	close(cust.fds[0]);
	close(cust.fds[1]);
	worker_free_ca(&w);
	worker_dcom_free(&w);
	pthread_mutex_destroy(&w.slots.mu);
	pthread_mutex_destroy(&cust.mu);
	return 0;
}

/* ---- requests ---------------------------------------------------------------------- */

/* cms_build.py with args, into out (paths through P()). */
static void build(struct x509_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void build(struct x509_buf *out, const char *fmt, ...)
{
	char args[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	sh("%s %s --out '%s' 2>&1", BUILD, args, P("built.der"));
	assert_int_equal(oracle_read(P("built.der"), out), 0);
}

/* A CMS request (the PKCS#10 signed by the agent) with these signed
 * name-value pairs (N=V, separated by spaces as --signed-nv options). */
static void cms(struct x509_buf *out, const char *nv_opts)
{
	build(out, "sign --content '%s' --signer '%s:%s' %s", P("user.csr"), P("agent.key"),
	      P("agent.crt"), nv_opts);
}

/* A CMC request with these options (--nv-control, --signed-nv). */
static void cmc(struct x509_buf *out, const char *opts)
{
	build(out, "sign --cmc-csr '%s' --signer '%s:%s' %s", P("user.csr"), P("agent.key"),
	      P("agent.crt"), opts);
}

/* ---- the client -------------------------------------------------------------------- */

struct session {
	struct link l;
	struct rpcc c;
	struct ntlmc *n;
};

/* A connection, logged on as user (NULL: none) at packet privacy. */
static void connect_as(struct session *s, const char *user, const char *password)
{
	struct rpcc_auth a;
	char err[256];

	memset(s, 0, sizeof(*s));
	link_open(&s->l, &w, PORT_ICPR);
	s->c.fd = s->l.fds[0];
	s->c.timeout_ms = IO_TIMEOUT_MS;
	s->c.max_recv = RPCC_MAX_FRAG;
	if (user == NULL) {
		assert_int_equal(rpcc_bind(&s->c, &worker_icpr_iface.syntax), RPCC_OK);
		return;
	}
	s->n = ntlmc_new(user, password, err, sizeof(err));
	if (s->n == NULL)
		fail_msg("%s", err);
	ntlmc_auth(s->n, RPC_AUTHN_LEVEL_PKT_PRIVACY, &a);
	assert_int_equal(rpcc_bind_auth(&s->c, &worker_icpr_iface.syntax, &a), RPCC_OK);
}

static void disconnect(struct session *s)
{
	ntlm_seal_wipe(&s->c.seal);
	link_close(&s->l);
	if (s->n != NULL)
		ntlmc_free(s->n);
}

static size_t widen(const char *s, uint8_t *out)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return n;
}

/* CertServerRequest with the request's bytes; the custodian's answer must
 * come back (pending), and the custodian must have got it: its record. */
static const struct got *submit(struct session *s, const struct x509_buf *req)
{
	struct rpc_icpr_request q;
	struct rpc_icpr_response resp;
	uint8_t authority[128], attribs[4] = {0};
	struct ndr_wr stub, out;
	char err[256];
	size_t before = cust.n;

	memset(&q, 0, sizeof(q));
	q.has_authority = 1;
	q.authority = authority;
	q.authority_units = widen(CA_NAME, authority);
	q.attribs.cb = 2;
	q.attribs.pb = attribs;
	q.request.pb = req->data;
	q.request.cb = (uint32_t)req->len;
	ndr_wr_init(&stub, 1 << 17);
	assert_int_equal(icprc_encode(&q, &stub), 0);
	ndr_wr_init(&out, RPCC_MAX_STUB);
	assert_int_equal(rpcc_call(&s->c, RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, stub.buf, stub.len,
				   &out),
			 RPCC_OK);
	if (icprc_decode(out.buf, out.len, &resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(resp.disposition, ICPR_DISP_UNDER_SUBMISSION);
	ndr_wr_free(&stub);
	ndr_wr_free(&out);
	assert_int_equal(cust.n, before + 1);
	return &cust.got[before];
}

/* The caller's LOGON token in g, verified: its serial. */
static uint64_t caller_logon(const struct got *g, const char *who)
{
	struct idtoken t;
	char err[160];

	assert_true(g->token_len > 0);
	assert_int_equal(idtoken_verify(id_key, g->token, g->token_len, IDTOKEN_LOGON,
					(int64_t)time(NULL), &t, err, sizeof(err)),
			 0);
	assert_string_equal(t.identity, who);
	return t.logon;
}

/* g carries a SUBJECT token naming identity, bound to the caller's logon. */
static void expect_subject(const struct got *g, const char *identity, struct idtoken *t)
{
	char err[160];

	if (g->subject_len == 0)
		fail_msg("no subject token for %s", identity);
	assert_int_equal(idtoken_verify(id_key, g->subject, g->subject_len, IDTOKEN_SUBJECT,
					(int64_t)time(NULL), t, err, sizeof(err)),
			 0);
	assert_string_equal(t->identity, identity);
	assert_int_equal(t->logon, caller_logon(g, AGENT));
}

/* The look-ups ca-auth counted for the only logon it remembers. */
static unsigned lookups(void)
{
	unsigned n = 0, held = 0;

	for (size_t i = 0; i < AUTH_MAX_CONTEXTS; i++)
		if (auth.tk.logons[i].used) {
			n = auth.tk.logons[i].lookups;
			held++;
		}
	assert_int_equal(held, 1);
	return n;
}

/* ---- tests ------------------------------------------------------------------------- */

/* An agent's CMS naming bob (in another case than the file's), its CMC naming
 * him among the controls, or among the signer's signed attributes: each
 * CUST_SUBMIT carries a SUBJECT token for EXAMPLE\bob with his attributes,
 * bound to the agent's logon, beside the agent's own LOGON token. */
static void test_agent_request_carries_the_subject_token(void **state)
{
	struct x509_buf req;
	struct session s;
	struct idtoken t;
	const struct got *g;

	(void)state;
	connect_as(&s, AGENT, AGENT_PW);
	cms(&req, "--signed-nv 'RequesterName=example\\BOB'");
	g = submit(&s, &req);
	assert_int_equal(g->format, FMT_CMS);
	assert_string_equal(g->requester, ""); /* the token names the requester */
	expect_subject(g, "EXAMPLE\\bob", &t);
	assert_string_equal(t.upn, "bob@example.com");
	assert_string_equal(t.sid, "S-1-5-21-1-2-3-1105");
	assert_int_equal(t.n_groups, 1);
	x509_buf_free(&req);
	/* the name's name in any case, beside another pair */
	cms(&req, "--signed-nv 'CertificateTemplate=User' --signed-nv 'requestername=EXAMPLE\\carol'");
	expect_subject(submit(&s, &req), "EXAMPLE\\carol", &t);
	assert_string_equal(t.upn, "");
	x509_buf_free(&req);
	cmc(&req, "--nv-control 'RequesterName=EXAMPLE\\bob'");
	g = submit(&s, &req);
	assert_int_equal(g->format, FMT_CMC);
	expect_subject(g, "EXAMPLE\\bob", &t);
	x509_buf_free(&req);
	cmc(&req, "--signed-nv 'RequesterName=EXAMPLE\\bob'");
	expect_subject(submit(&s, &req), "EXAMPLE\\bob", &t);
	x509_buf_free(&req);
	/* the same name in both places: one account, asked once */
	cmc(&req, "--signed-nv 'RequesterName=EXAMPLE\\bob' --nv-control 'RequesterName=EXAMPLE\\bob'");
	expect_subject(submit(&s, &req), "EXAMPLE\\bob", &t);
	x509_buf_free(&req);
	assert_int_equal(lookups(), 5);
	disconnect(&s);
}

/* Requests that name no account: a CMS without RequesterName, a PKCS#10
 * carrying one among its own attributes (not an agent's request: the worker
 * reads only CMS and CMC), a CMS whose RequesterName is empty, a CMC naming two
 * different accounts (or one in two spellings), a CMS that does not decode: no subject token and no
 * look-up at all. */
static void test_no_name_no_lookup(void **state)
{
	struct x509_buf req;
	struct session s;
	const struct got *g;

	(void)state;
	connect_as(&s, AGENT, AGENT_PW);
	cms(&req, "--signed-nv 'CertificateTemplate=User'");
	g = submit(&s, &req);
	assert_int_equal(g->subject_len, 0);
	(void)caller_logon(g, AGENT);
	x509_buf_free(&req);
	cms(&req, "");
	assert_int_equal(submit(&s, &req)->subject_len, 0);
	x509_buf_free(&req);
	build(&req, "csr --key '%s' --nv 'RequesterName=EXAMPLE\\bob'", P("user.key"));
	g = submit(&s, &req);
	assert_int_equal(g->format, FMT_PKCS10);
	assert_int_equal(g->subject_len, 0);
	x509_buf_free(&req);
	cms(&req, "--signed-nv 'RequesterName='");
	assert_int_equal(submit(&s, &req)->subject_len, 0);
	x509_buf_free(&req);
	cmc(&req, "--signed-nv 'RequesterName=EXAMPLE\\bob' --nv-control 'RequesterName=EXAMPLE\\carol'");
	assert_int_equal(submit(&s, &req)->subject_len, 0);
	x509_buf_free(&req);
	/* two spellings of one account: the custodian refuses them as two names
	 * (cmsreq.c compares octets), so nothing is looked up */
	cmc(&req, "--signed-nv 'RequesterName=EXAMPLE\\bob' --nv-control 'RequesterName=example\\bob'");
	assert_int_equal(submit(&s, &req)->subject_len, 0);
	x509_buf_free(&req);
	/* a CMS the decoder refuses (detached: no content), naming bob all the
	 * same: passed on for the custodian to refuse, nothing looked up */
	cms(&req, "--detached --signed-nv 'RequesterName=EXAMPLE\\bob'");
	g = submit(&s, &req);
	assert_int_equal(g->format, FMT_CMS);
	assert_int_equal(g->subject_len, 0);
	x509_buf_free(&req);
	assert_int_equal(lookups(), 0);
	disconnect(&s);
}

/* Names ca-auth refuses (no such account, a disabled one, no domain): the
 * request goes on without a subject token (the custodian refuses it: no
 * account), each look-up counted. */
static void test_refused_names_carry_none(void **state)
{
	static const char *const names[] = {"EXAMPLE\\mallory", "EXAMPLE\\dave", "bob",
					    "OTHER\\bob"};
	struct x509_buf req;
	struct session s;
	char opt[128];

	(void)state;
	connect_as(&s, AGENT, AGENT_PW);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(opt, sizeof(opt), "--signed-nv 'RequesterName=%s'", names[i]);
		cms(&req, opt);
		assert_int_equal(submit(&s, &req)->subject_len, 0);
		x509_buf_free(&req);
	}
	assert_int_equal(lookups(), 4);
	disconnect(&s);
}

/* An anonymous caller (anonymous enrollment on) naming an account: nothing is
 * looked up (no logon to look up on), no subject token. */
static void test_anonymous_caller_looks_nothing_up(void **state)
{
	struct x509_buf req;
	struct session s;
	const struct got *g;

	(void)state;
	connect_as(&s, NULL, NULL);
	cms(&req, "--signed-nv 'RequesterName=EXAMPLE\\bob'");
	g = submit(&s, &req);
	assert_int_equal(g->token_len, 0);
	assert_int_equal(strncmp(g->requester, "anonymous@", 10), 0);
	assert_int_equal(g->subject_len, 0);
	x509_buf_free(&req);
	disconnect(&s);
	for (size_t i = 0; i < AUTH_MAX_CONTEXTS; i++)
		assert_int_equal(auth.tk.logons[i].used, 0);
}

/* One connection's logon gets AUTH_LOOKUPS_PER_LOGON (16) tokens; the 17th
 * request goes on without one. A new connection (a new logon) has its own. */
static void test_lookups_bounded_per_connection(void **state)
{
	struct x509_buf req;
	struct session s;
	struct idtoken t;

	(void)state;
	cms(&req, "--signed-nv 'RequesterName=EXAMPLE\\bob'");
	connect_as(&s, AGENT, AGENT_PW);
	for (int i = 0; i < AUTH_LOOKUPS_PER_LOGON; i++)
		expect_subject(submit(&s, &req), "EXAMPLE\\bob", &t);
	assert_int_equal(submit(&s, &req)->subject_len, 0);
	disconnect(&s);
	connect_as(&s, AGENT, AGENT_PW);
	expect_subject(submit(&s, &req), "EXAMPLE\\bob", &t);
	assert_int_equal(lookups(), 1);
	disconnect(&s);
	x509_buf_free(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_agent_request_carries_the_subject_token, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_name_no_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_names_carry_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_caller_looks_nothing_up,
						setup_anonymous, teardown),
		cmocka_unit_test_setup_teardown(test_lookups_bounded_per_connection, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
