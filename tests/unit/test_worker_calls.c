/* The worker's call handling (firmware/worker: conn.c, icpr.c, epm.c, ca.c)
 * driven without processes: a real custodian with a real ledger and a SoftHSM
 * token (support/core_harness.c) on the worker's custodian channel, the
 * worker's own start-up (worker_load_ca), and worker_serve_conn on one end of a
 * socketpair in a thread, as main.c's accept path runs it. The test is the
 * client: PDUs built byte by byte by support/rpc_build.c, the CertServerRequest
 * stub by careq's encoder (firmware/client), and each answer checked by its exact
 * return value, disposition and request id, or its fault, and by what the
 * ledger recorded. Where the custodian must answer what the real one never does
 * (a broken or compromised one), the test plays it on the worker's channel
 * (fake_cust), and a worker that must exit is served in a forked child. */
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/client/client.h"
#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/icpr/hresult.h"
#include "firmware/icpr/icpr.h"
#include "firmware/ledger/event.h"
#include "firmware/rpc/epm.h"
#include "firmware/rpc/pdu.h"
#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/rpc_build.h"
#include "tests/unit/support/rpc_ref.h"
#include "tests/unit/support/stderr_capture.h"
#include "tests/unit/support/worker_link.h"
#include "tests/unit/support/x509_oracle.h"

#define ANON "anonymous@" PEER
#define CA_NAME "Core Harness Root CA" /* core_harness.c's ceremony subject's CN */

static struct core_ca ca_template;
static struct core core;
static struct worker w;
static int worker_started;

/* ---- the worker, started against the harness's custodian -------------------------- */

/* The core with conf (NULL-terminated settings) and reserve_mb, and a worker on
 * its channel after its own start-up, which gives it the interface flags the
 * custodian holds (icpr_* in conf: CUST_CA_INFO). */
static int start(const char *const *conf, unsigned reserve_mb)
{
	struct core_opts o = {.conf = conf, .reserve_mb = reserve_mb};

	if (core_start(&core, &ca_template, &o) != 0)
		return -1;
	/* What main() sets before the custodian answers: the strictest. */
	return worker_test_start(&w, &core, 1, 1, &worker_started);
}

/* Policy issue; anonymous callers allowed, packet privacy not required (at the
 * custodian and so the worker): the harness's enrollment without ca-auth. */
static int setup_open(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request",
					   "icpr_allow_anonymous=1", "icpr_enforce_encryption=0",
					   NULL};

	(void)state;
	return start(conf, 0);
}

/* The same with policy pend (the default). */
static int setup_pend(void **state)
{
	static const char *const conf[] = {"icpr_allow_anonymous=1", "icpr_enforce_encryption=0",
					   NULL};

	(void)state;
	return start(conf, 0);
}

/* IF_ENFORCEENCRYPTICERTREQUEST on (the default). */
static int setup_enforce(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request",
					   "icpr_allow_anonymous=1", NULL};

	(void)state;
	if (start(conf, 0) != 0)
		return -1;
	assert_int_equal(w.enforce_encryption, 1);
	return 0;
}

/* Anonymous enrollment off (the default), enforcement off. */
static int setup_no_anonymous(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request",
					   "icpr_enforce_encryption=0", NULL};

	(void)state;
	if (start(conf, 0) != 0)
		return -1;
	assert_int_equal(w.allow_anonymous, 0);
	return 0;
}

/* A reserve larger than any disk: the ledger is full for the custodian. */
static int setup_full(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request",
					   "icpr_allow_anonymous=1", "icpr_enforce_encryption=0",
					   NULL};

	(void)state;
	return start(conf, 1u << 30);
}


static int teardown(void **state)
{
	(void)state;
	log_end();
	if (worker_started)
		ipc_caller_stop(&w.custodian); /* before the harness closes its descriptor */
	worker_started = 0;
	core_stop(&core);
	worker_free_ca(&w);
	worker_dcom_free(&w);
	return 0;
}

/* ---- one connection --------------------------------------------------------------- */

/* Binds context 0 to the interface served on l's port, unauthenticated: the
 * bind_ack must accept it. */
static void bind_plain(struct link *l)
{
	struct rb_ctx ctx = {0, l->port == PORT_EPM ? rb_epm : rb_icpr, rb_ndr, 1};
	struct tbuf b = {0};

	rb_bind(&b, RPC_PT_BIND, 1, 5840, 5840, 0, &ctx, 1, NULL);
	link_send_all(l->fds[0], &b);
	link_expect_pdu(l->fds[0], &b);
	assert_int_equal(b.p[2], RPC_PT_BIND_ACK);
	assert_int_equal(rb_le32(b.p + 12), 1);
	tb_free(&b);
}

/* What a call got: the response stub (every fragment's, in order), or a fault. */
struct reply {
	int fault;       /* 1: a fault PDU came */
	uint32_t status; /* the fault's status */
	struct tbuf stub;
};

/* Sends opnum with stub as call call_id on context 0 and reads the answer. */
static void call(struct link *l, uint32_t call_id, uint16_t opnum, const uint8_t *stub,
		 size_t len, struct reply *r)
{
	struct tbuf b = {0};

	memset(r, 0, sizeof(*r));
	rb_request(&b, call_id, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0, opnum, NULL, stub,
		   len, NULL);
	link_send_all(l->fds[0], &b);
	for (;;) {
		link_expect_pdu(l->fds[0], &b);
		assert_int_equal(rb_le32(b.p + 12), call_id);
		if (b.p[2] == RPC_PT_FAULT) {
			r->fault = 1;
			r->status = rb_le32(b.p + 24);
			break;
		}
		assert_int_equal(b.p[2], RPC_PT_RESPONSE);
		assert_int_equal(rb_le16(b.p + 10), 0); /* no verifier: unauthenticated */
		tb_put(&r->stub, b.p + 24, b.len - 24);
		if (b.p[3] & RPC_PFC_LAST_FRAG)
			break;
	}
	tb_free(&b);
}

/* ---- CertServerRequest ------------------------------------------------------------ */

/* A CertServerRequest for the CA (authority = its CN, as careq sends it). */
struct csr_call {
	uint32_t request_id;
	const uint8_t *request;
	size_t request_len;
	const char *attributes; /* ASCII: widened to UTF-16LE, NUL unit included */
	int unterminated;       /* the attributes without their NUL unit (malformed) */
	const char *authority;  /* NULL: no authority */
	uint32_t flags;         /* dwFlags */
};

static size_t widen(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);

	assert_true(2 * n <= cap);
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)s[i];
		out[2 * i + 1] = 0;
	}
	return n;
}

/* Calls CertServerRequest on l; the decoded answer into *resp (its blobs point
 * into r->stub: free with tb_free(&r->stub)), or a fault in r. */
static void cert_server_request(struct link *l, uint32_t call_id, const struct csr_call *in,
				struct reply *r, struct rpc_icpr_response *resp)
{
	uint8_t authority[512], attribs[512];
	struct rpc_icpr_request q;
	struct ndr_wr stub;
	char err[256];

	memset(&q, 0, sizeof(q));
	if (in->authority != NULL) {
		q.has_authority = 1;
		q.authority = authority;
		q.authority_units = widen(in->authority, authority, sizeof(authority));
	}
	q.request_id = in->request_id;
	q.flags = in->flags;
	if (in->attributes != NULL) {
		size_t units = widen(in->attributes, attribs, sizeof(attribs) - 2);

		attribs[2 * units] = attribs[2 * units + 1] = 0; /* the NUL unit */
		q.attribs.cb = (uint32_t)(2 * (units + (in->unterminated ? 0 : 1)));
		q.attribs.pb = attribs;
	}
	q.request.pb = in->request;
	q.request.cb = (uint32_t)in->request_len;
	ndr_wr_init(&stub, 1 << 17);
	assert_int_equal(icprc_encode(&q, &stub), 0);
	call(l, call_id, RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, stub.buf, stub.len, r);
	ndr_wr_free(&stub);
	memset(resp, 0, sizeof(*resp));
	if (!r->fault && icprc_decode(r->stub.p, r->stub.len, resp, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

/* One call on a fresh ICPR connection: bind, call, hang up. */
static void one_call(const struct csr_call *in, struct reply *r, struct rpc_icpr_response *resp)
{
	struct link l;

	link_open(&l, &w, PORT_ICPR);
	bind_plain(&l);
	cert_server_request(&l, 2, in, r, resp);
	link_close(&l);
}

static void good_csr(struct x509_buf *csr)
{
	if (core_csr("CN=host1.example", "p256", "host1", "host1", csr) != 0)
		fail_msg("cannot make a request");
}

/* good_csr into *csr, and in submitting it (the caller frees csr). */
static void good_request(struct csr_call *in, struct x509_buf *csr)
{
	good_csr(csr);
	in->request = csr->data;
	in->request_len = csr->len;
}

/* The journal's event that received request id (into ev, its strings in
 * strbuf, the record in *rec for the caller to free). */
static void received_event(uint32_t id, struct ledger_event *ev, char *strbuf, uint8_t **rec)
{
	struct ledger_request_row row;

	assert_int_equal(ledger_get_request(core.ledger, id, &row), LEDGER_OK);
	assert_int_equal(core_ledger_event(&core, core_ledger_relative(&core, row.seq_received),
					   ev, strbuf, rec), 0);
}

/* A request submitted anonymously without packet privacy, issued: disposition
 * 3 with the certificate bare and in a certs-only PKCS#7, the message "Issued",
 * recorded in the ledger under the caller's address. */
static void test_issued(void **state)
{
	struct x509_buf csr;
	struct csr_call in = {.attributes = "rmd:host1.example\n", .authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct reply r;

	(void)state;
	good_request(&in, &csr);
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.disposition, ICPR_DISP_ISSUED);
	assert_int_equal(resp.request_id, 1);
	assert_true(resp.encoded_cert.cb > 0);
	assert_true(resp.cert.cb > resp.encoded_cert.cb); /* the chain beside it */
	expect_message(&resp, "Issued");
	expect_row(&core, 1, ANON, DISP_ISSUED, 0);
	tb_free(&r.stub);
	x509_buf_free(&csr);
}

/* The same certificate retrieved by its request id on the same connection:
 * disposition 3 again, the id echoed, the same certificate. */
static void test_issued_then_retrieved(void **state)
{
	struct x509_buf csr;
	struct csr_call in = {.attributes = "", .authority = CA_NAME};
	struct rpc_icpr_response resp, again;
	struct reply r, r2;
	struct link l;

	(void)state;
	good_request(&in, &csr);
	link_open(&l, &w, PORT_ICPR);
	bind_plain(&l);
	cert_server_request(&l, 2, &in, &r, &resp);
	assert_int_equal(resp.disposition, ICPR_DISP_ISSUED);
	assert_int_equal(resp.request_id, 1);
	in = (struct csr_call){.request_id = 1, .authority = CA_NAME};
	cert_server_request(&l, 3, &in, &r2, &again);
	link_close(&l);
	assert_false(r2.fault);
	assert_int_equal(again.status, 0);
	assert_int_equal(again.request_id, 1);
	assert_int_equal(again.disposition, ICPR_DISP_ISSUED);
	assert_int_equal(again.encoded_cert.cb, resp.encoded_cert.cb);
	assert_memory_equal(again.encoded_cert.pb, resp.encoded_cert.pb, resp.encoded_cert.cb);
	tb_free(&r.stub);
	tb_free(&r2.stub);
	x509_buf_free(&csr);
}

/* Policy pend: the submission is taken under submission (5), and so is its
 * retrieval, with no certificate. */
static void test_pending_then_retrieved(void **state)
{
	struct x509_buf csr;
	struct csr_call in = {.authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct reply r;

	(void)state;
	good_request(&in, &csr);
	one_call(&in, &r, &resp);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.disposition, ICPR_DISP_UNDER_SUBMISSION);
	assert_int_equal(resp.request_id, 1);
	tb_free(&r.stub);
	in = (struct csr_call){.request_id = 1, .authority = CA_NAME};
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.request_id, 1);
	assert_int_equal(resp.disposition, ICPR_DISP_UNDER_SUBMISSION);
	assert_int_equal(resp.encoded_cert.cb, 0);
	assert_int_equal(resp.cert.cb, 0);
	expect_message(&resp, "Taken Under Submission");
	expect_row(&core, 1, ANON, DISP_PENDING, 0);
	tb_free(&r.stub);
	x509_buf_free(&csr);
}

/* A call refused before the custodian is asked: the return value is hr, the
 * request id is echoed, nothing is disposed and nothing is recorded. */
static void expect_unrecorded_refusal(const struct csr_call *in, uint32_t hr)
{
	struct rpc_icpr_response resp;
	struct reply r;

	one_call(in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, hr);
	assert_int_equal(resp.request_id, in->request_id);
	assert_int_equal(resp.disposition, 0);
	assert_int_equal(resp.cert.cb, 0);
	assert_int_equal(resp.encoded_cert.cb, 0);
	assert_int_equal(resp.disposition_message.cb, 0);
	assert_int_equal(core_ledger_head(&core), 1); /* the genesis only */
	tb_free(&r.stub);
}

/* A request id beside a request, an empty request, and an authority that is
 * not this CA (or none): E_INVALIDARG (MS-ICPR 3.2.4.1.1). */
static void test_invalid_args(void **state)
{
	struct x509_buf csr;
	struct csr_call in = {.request_id = 5, .authority = CA_NAME};

	(void)state;
	good_request(&in, &csr);
	expect_unrecorded_refusal(&in, HR_E_INVALIDARG);
	assert_int_equal(HR_E_INVALIDARG, 0x80070057u);
	expect_unrecorded_refusal(&(struct csr_call){.authority = CA_NAME}, HR_E_INVALIDARG);
	in.request_id = 0;
	in.authority = "Another CA";
	expect_unrecorded_refusal(&in, HR_E_INVALIDARG);
	in.authority = NULL;
	expect_unrecorded_refusal(&in, HR_E_INVALIDARG);
	/* an attribute string without its NUL unit breaks the cb rule: malformed,
	 * the call's return value, nothing recorded */
	in.authority = CA_NAME;
	in.attributes = "rmd:host1.example\n";
	in.unterminated = 1;
	expect_unrecorded_refusal(&in, HR_E_INVALIDARG);
	x509_buf_free(&csr);
}

/* A request refused for access: E_ACCESSDENIED as return value and
 * disposition, request id 1, recorded as failed by its size and hash only
 * (FMT_DIGEST: the size as u32, then SHA-256 of the bytes sent). */
static void expect_access_refusal(const char *message)
{
	struct csr_call in = {.authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct x509_buf csr;
	struct ledger_event ev;
	uint8_t sha[CUST_SHA256_LEN], *rec;
	size_t sha_len = sizeof(sha);
	char *strbuf = malloc(LEDGER_STRBUF);
	struct reply r;

	assert_non_null(strbuf);
	good_request(&in, &csr);
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, HR_E_ACCESSDENIED);
	assert_int_equal(resp.disposition, HR_E_ACCESSDENIED);
	assert_int_equal(HR_E_ACCESSDENIED, 0x80070005u);
	assert_int_equal(resp.request_id, 1);
	assert_int_equal(resp.encoded_cert.cb, 0);
	expect_message(&resp, message);
	expect_row(&core, 1, ANON, DISP_FAILED, HR_E_ACCESSDENIED);
	received_event(1, &ev, strbuf, &rec);
	assert_int_equal(ev.type, EV_REQUEST_RECEIVED);
	assert_int_equal(ev.u.request.format, FMT_DIGEST);
	assert_string_equal(ev.u.request.peer, PEER);
	assert_int_equal(ev.u.request.raw.len, LEDGER_DIGEST_LEN);
	assert_int_equal(rb_le32(ev.u.request.raw.p), (uint32_t)csr.len);
	assert_int_equal(x509_sigalg_digest(X509_SIG_RSA_SHA256, csr.data, csr.len, sha, &sha_len),
			 0);
	assert_memory_equal(ev.u.request.raw.p + 4, sha, sizeof(sha));
	free(rec);
	free(strbuf);
	tb_free(&r.stub);
	x509_buf_free(&csr);
}

/* IF_ENFORCEENCRYPTICERTREQUEST and an unauthenticated call. */
static void test_below_packet_privacy(void **state)
{
	(void)state;
	expect_access_refusal("E_ACCESSDENIED: authentication level none (no logon); packet "
			      "privacy is required (IF_ENFORCEENCRYPTICERTREQUEST)");
}

/* Anonymous enrollment off in the worker. */
static void test_anonymous_not_allowed(void **state)
{
	(void)state;
	expect_access_refusal("E_ACCESSDENIED: no NTLM logon (anonymous enrollment is off: "
			      "icpr_allow_anonymous)");
}

/* A retrieval refused for access makes no request: E_ACCESSDENIED as return
 * value, the id echoed, and the refusal journaled (CUST_AUTH_EVENT). */
static void test_retrieval_below_packet_privacy(void **state)
{
	struct csr_call in = {.request_id = 7, .authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct ledger_event ev;
	char *strbuf = malloc(LEDGER_STRBUF);
	uint8_t *rec;
	struct reply r;

	(void)state;
	assert_non_null(strbuf);
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, HR_E_ACCESSDENIED);
	assert_int_equal(resp.request_id, 7);
	assert_int_equal(resp.disposition, 0);
	assert_int_equal(core_ledger_head(&core), 2);
	assert_int_equal(core_ledger_event(&core, 2, &ev, strbuf, &rec), 0);
	assert_int_equal(ev.type, EV_LOGON_REFUSED);
	assert_int_equal(ev.u.logon.action, LOGON_RETRIEVE_REFUSED);
	assert_string_equal(ev.u.logon.peer, PEER);
	free(rec);
	free(strbuf);
	tb_free(&r.stub);
}

/* IF_NORPCICERTREQUEST: every call E_ACCESSDENIED, nothing recorded. */
static void test_no_rpc(void **state)
{
	struct csr_call in = {.request_id = 3, .authority = CA_NAME};

	(void)state;
	assert_int_equal(w.no_rpc, 1); /* from the custodian's CA_INFO */
	expect_unrecorded_refusal(&in, HR_E_ACCESSDENIED);
}

/* icpr_no_rpc = 1 with everything else open. */
static int setup_no_rpc(void **state)
{
	static const char *const conf[] = {"policy=issue", "icpr_allow_anonymous=1",
					   "icpr_enforce_encryption=0", "icpr_no_rpc=1", NULL};

	(void)state;
	return start(conf, 0);
}

/* The custodian's CUST_ERROR is the call's return value: a full ledger's
 * ERROR_DISK_FULL, request id 0, nothing recorded. */
static void test_disk_full_passed_through(void **state)
{
	struct csr_call in = {.authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct x509_buf csr;
	struct reply r;

	(void)state;
	good_request(&in, &csr);
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, 0x80070070u); /* HR_DISK_FULL */
	assert_int_equal(resp.status, HR_DISK_FULL);
	assert_int_equal(resp.request_id, 0);
	assert_int_equal(resp.disposition, 0);
	assert_int_equal(resp.encoded_cert.cb, 0);
	assert_int_equal(core_ledger_head(&core), 2); /* genesis, low-disk-space warning */
	tb_free(&r.stub);
	x509_buf_free(&csr);
}

/* The custodian's channel gone: E_UNEXPECTED for the call, the connection
 * still answered. */
static void test_custodian_gone(void **state)
{
	struct csr_call in = {.authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct x509_buf csr;
	struct reply r;

	(void)state;
	good_request(&in, &csr);
	assert_int_equal(core_end_channel(&core), 0);
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, HR_E_UNEXPECTED);
	assert_int_equal(resp.status, 0x8000ffffu);
	assert_int_equal(resp.request_id, 0);
	assert_int_equal(resp.disposition, 0);
	tb_free(&r.stub);
	x509_buf_free(&csr);
}

/* A stub that does not decode: the fault nca_s_fault_ndr; an opnum ICPR does
 * not have: nca_s_op_rng_error. */
static void test_faults(void **state)
{
	static const uint8_t junk[] = {1, 2, 3};
	struct reply r;
	struct link l;

	(void)state;
	link_open(&l, &w, PORT_ICPR);
	bind_plain(&l);
	call(&l, 2, RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, junk, sizeof(junk), &r);
	assert_true(r.fault);
	assert_int_equal(r.status, NCA_S_FAULT_NDR);
	call(&l, 3, 1, junk, sizeof(junk), &r);
	assert_true(r.fault);
	assert_int_equal(r.status, NCA_S_OP_RNG_ERROR);
	link_close(&l);
	assert_int_equal(core_ledger_head(&core), 1);
}

/* A request the worker's shape check refuses (neither PKCS#10, CMS nor CMC):
 * refused where it entered, recorded as failed by its size and hash only, the
 * HRESULT as disposition; the call itself succeeded. */
static void test_not_a_request(void **state)
{
	static const uint8_t junk[] = "this is not a certificate request";
	struct csr_call in = {.authority = CA_NAME, .request = junk, .request_len = sizeof(junk)};
	struct rpc_icpr_response resp;
	struct ledger_event ev;
	char *strbuf = malloc(LEDGER_STRBUF);
	uint8_t *rec;
	struct reply r;

	(void)state;
	assert_non_null(strbuf);
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.disposition, HR_CRYPT_E_INVALID_MSG_TYPE);
	assert_int_equal(resp.request_id, 1);
	assert_int_equal(resp.encoded_cert.cb, 0);
	expect_message(&resp, "the request is neither PKCS#10, CMS nor CMC");
	expect_row(&core, 1, ANON, DISP_FAILED, HR_CRYPT_E_INVALID_MSG_TYPE);
	received_event(1, &ev, strbuf, &rec);
	assert_int_equal(ev.u.request.format, FMT_DIGEST);
	assert_int_equal(rb_le32(ev.u.request.raw.p), (uint32_t)sizeof(junk));
	free(rec);
	free(strbuf);
	tb_free(&r.stub);
}

/* An attribute string beyond the limits (33 lines, one more than the
 * custodian takes): E_INVALIDARG as
 * disposition, recorded as failed with the reason. */
static void test_attributes_beyond_the_limits(void **state)
{
	struct csr_call in = {.authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct x509_buf csr;
	char attrs[250] = "";
	struct reply r;

	(void)state;
	for (int i = 0; i < ICPR_ATTR_MAX_COUNT + 1; i++) /* distinct names: n00 ... n32 */
		snprintf(attrs + strlen(attrs), sizeof(attrs) - strlen(attrs), "n%02d:v\n", i);
	good_request(&in, &csr);
	in.attributes = attrs;
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.disposition, HR_E_INVALIDARG);
	assert_int_equal(resp.request_id, 1);
	expect_message(&resp, "the attribute string is beyond the limits (32 lines, 4096 "
			      "bytes of UTF-8)");
	expect_row(&core, 1, ANON, DISP_FAILED, HR_E_INVALIDARG);
	tb_free(&r.stub);
	x509_buf_free(&csr);
}

/* The custodian's channel gone: a retrieval gets E_UNEXPECTED with its id
 * echoed; a refusal that cannot be recorded, E_UNEXPECTED with id 0. */
static void test_custodian_gone_retrieval_and_refusal(void **state)
{
	struct csr_call in = {.request_id = 4, .authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct x509_buf csr;
	struct reply r;

	(void)state;
	assert_int_equal(core_end_channel(&core), 0);
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, HR_E_UNEXPECTED);
	assert_int_equal(resp.request_id, 4);
	tb_free(&r.stub);
	w.enforce_encryption = 1; /* an unauthenticated request is refused, recorded */
	good_csr(&csr);
	in = (struct csr_call){.authority = CA_NAME, .request = csr.data, .request_len = csr.len};
	one_call(&in, &r, &resp);
	assert_false(r.fault);
	assert_int_equal(resp.status, HR_E_UNEXPECTED);
	assert_int_equal(resp.request_id, 0);
	assert_int_equal(resp.disposition, 0);
	tb_free(&r.stub);
	x509_buf_free(&csr);
}

/* ---- the endpoint mapper ---------------------------------------------------------- */

/* ept_map's answer (MS-RPCE 2.2.1.2.5 ept_map [out]): the handle (20), num_towers,
 * the towers' conformant varying array of pointers, each tower, then status. */
struct map_answer {
	uint32_t num_towers, status;
	const uint8_t *tower;
	uint32_t tower_len;
};

static void parse_map(const struct tbuf *s, struct map_answer *a)
{
	size_t off = 20;

	memset(a, 0, sizeof(*a));
	assert_true(s->len >= 20 + 4 + 12 + 4);
	a->num_towers = rb_le32(s->p + off);
	off += 4 + 12; /* max_count, offset, actual_count */
	if (a->num_towers == 1) {
		assert_int_not_equal(rb_le32(s->p + off), 0); /* the referent */
		off += 4;
		a->tower_len = rb_le32(s->p + off);
		assert_int_equal(rb_le32(s->p + off + 4), a->tower_len); /* max_count */
		a->tower = s->p + off + 8;
		off += 8 + a->tower_len;
		off = (off + 3) & ~(size_t)3;
	} else {
		off += 4 * (size_t)rb_le32(s->p + 20 + 4 + 8); /* no referents */
	}
	assert_int_equal(s->len, off + 4);
	a->status = rb_le32(s->p + off);
}

/* ept_map for ICPR (impacket's query): one tower, the ICPR port in its TCP
 * floor; for an interface not served: no tower, ept_s_not_registered. */
static void test_epm_map(void **state)
{
	static const uint8_t tcp_floor[] = {0x01, 0x00, 0x07, 0x02, 0x00,
					    ICPR_PORT >> 8, ICPR_PORT & 0xff};
	struct map_answer a;
	struct reply r;
	struct link l;
	int found = 0;

	(void)state;
	link_open(&l, &w, PORT_EPM);
	bind_plain(&l);
	call(&l, 2, RPC_EPM_OPNUM_MAP, ref_eptmap_icpr, sizeof ref_eptmap_icpr, &r);
	assert_false(r.fault);
	parse_map(&r.stub, &a);
	assert_int_equal(a.status, 0);
	assert_int_equal(a.num_towers, 1);
	for (size_t i = 0; a.tower_len >= sizeof(tcp_floor) &&
			   i + sizeof(tcp_floor) <= a.tower_len; i++)
		found |= memcmp(a.tower + i, tcp_floor, sizeof(tcp_floor)) == 0;
	assert_true(found);
	tb_free(&r.stub);
	call(&l, 3, RPC_EPM_OPNUM_MAP, ref_eptmap_unknown, sizeof ref_eptmap_unknown, &r);
	assert_false(r.fault);
	parse_map(&r.stub, &a);
	assert_int_equal(a.num_towers, 0);
	assert_int_equal(a.status, RPC_EPT_S_NOT_REGISTERED);
	tb_free(&r.stub);
	/* ept_lookup (opnum 2) is not served: op_rng_error */
	call(&l, 4, 2, ref_eptmap_icpr, sizeof ref_eptmap_icpr, &r);
	assert_true(r.fault);
	assert_int_equal(r.status, NCA_S_OP_RNG_ERROR);
	link_close(&l);
}

/* ---- deadlines ---------------------------------------------------------------------- */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads (and drops) what the worker sends until it closes the connection;
 * fails after IO_TIMEOUT_MS of silence. The time of the end. */
static int64_t wait_closed(struct link *l)
{
	struct pollfd pf = {.fd = l->fds[0], .events = POLLIN};
	uint8_t buf[4096];

	for (;;) {
		if (poll(&pf, 1, IO_TIMEOUT_MS) != 1)
			fail_msg("the worker did not close within %d ms", IO_TIMEOUT_MS);
		if (read(l->fds[0], buf, sizeof(buf)) <= 0)
			return mono_ms();
	}
}

/* An ept_map request PDU (call call_id) into *b. */
static void map_request(struct tbuf *b, uint32_t call_id)
{
	b->len = 0;
	rb_request(b, call_id, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0, RPC_EPM_OPNUM_MAP, NULL,
		   ref_eptmap_icpr, sizeof ref_eptmap_icpr, NULL);
}

/* Nothing between calls for longer than the idle timeout: the connection ends. */
static void test_idle_timeout(void **state)
{
	struct link l;
	int64_t t0, t;

	(void)state;
	w.idle_timeout_ms = 300;
	link_open(&l, &w, PORT_EPM);
	bind_plain(&l);
	t0 = mono_ms();
	log_begin();
	t = wait_closed(&l);
	link_close(&l);
	log_end();
	assert_true(t - t0 >= 250);
	assert_logged(PEER ": timed out (idle)\n");
}

/* A PDU begun and not finished within the read timeout: the connection ends. */
static void test_incomplete_pdu(void **state)
{
	struct tbuf b = {0};
	struct link l;
	int64_t t0, t;

	(void)state;
	w.read_timeout_ms = 300;
	link_open(&l, &w, PORT_EPM);
	bind_plain(&l);
	map_request(&b, 2);
	assert_int_equal(write(l.fds[0], b.p, 20), 20);
	t0 = mono_ms();
	log_begin();
	t = wait_closed(&l);
	link_close(&l);
	log_end();
	assert_true(t - t0 >= 250);
	assert_logged(PEER ": timed out (incomplete PDU)\n");
	tb_free(&b);
}

/* A client trickling a PDU a byte at a time, each byte within the read timeout:
 * the PDU's own deadline (from its first byte) still ends the connection. */
static void test_trickled_pdu(void **state)
{
	struct pollfd pf;
	struct tbuf b = {0};
	struct link l;
	size_t sent = 0;
	int64_t t0, t;

	(void)state;
	w.read_timeout_ms = 500;
	link_open(&l, &w, PORT_EPM);
	bind_plain(&l);
	map_request(&b, 2);
	log_begin();
	t0 = mono_ms();
	pf = (struct pollfd){.fd = l.fds[0], .events = POLLIN};
	while (sent < b.len && poll(&pf, 1, 100) == 0) /* a byte every 100 ms */
		if (send(l.fds[0], b.p + sent, 1, MSG_NOSIGNAL) == 1)
			sent++;
	t = wait_closed(&l);
	link_close(&l);
	log_end();
	assert_true(sent < b.len);
	assert_true(t - t0 >= 450 && t - t0 < 5000);
	assert_logged(PEER ": timed out (PDU deadline)\n");
	tb_free(&b);
}

/* Where a call needs a logon, a connection that makes none within the logon
 * deadline ends, bound or not. */
static void test_logon_deadline(void **state)
{
	struct link l;
	int64_t t0, t;

	(void)state;
	w.logon_deadline_s = 1;
	t0 = mono_ms();
	link_open(&l, &w, PORT_ICPR);
	bind_plain(&l);
	log_begin();
	t = wait_closed(&l);
	link_close(&l);
	log_end();
	assert_true(t - t0 >= 900 && t - t0 < 5000);
	assert_logged(PEER ": timed out (no logon within the logon deadline)\n");
}

/* The client's side of test_connection_deadline: requests sent back to back,
 * as long as the worker takes them (at most 6 s). */
struct flood {
	struct link *l;
	int64_t until;
	unsigned sent;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;
	struct tbuf b = {0};

	/* a batch of 64 requests per write: the worker never finds the socket
	 * empty (a client that pipelines keeps it so) */
	for (uint32_t i = 0; i < 64; i++) {
		struct tbuf one = {0};

		map_request(&one, 2 + i);
		tb_put(&b, one.p, one.len);
		tb_free(&one);
	}
	while (mono_ms() < f->until) {
		size_t off = 0;

		while (off < b.len) {
			ssize_t n = send(f->l->fds[0], b.p + off, b.len - off, MSG_NOSIGNAL);

			if (n <= 0)
				goto out;
			off += (size_t)n;
		}
		f->sent += 64;
	}
out:
	tb_free(&b);
	return NULL;
}

/* The connection deadline holds against a client that always has its next
 * request queued: the worker must not keep serving it because input is
 * waiting each time it looks. (Before the fix, poll with the deadline's
 * remaining 0 ms reported the socket readable, and the connection lived as
 * long as the flood: 6 s here, for a deadline of 1 s.) */
static void test_connection_deadline(void **state)
{
	struct flood f;
	pthread_t th;
	struct link l;
	int64_t t0, t;

	(void)state;
	w.conn_deadline_s = 1;
	t0 = mono_ms();
	link_open(&l, &w, PORT_EPM);
	bind_plain(&l);
	f = (struct flood){&l, t0 + 6000, 0};
	log_begin();
	assert_int_equal(pthread_create(&th, NULL, flood_thread, &f), 0);
	t = wait_closed(&l);
	pthread_join(th, NULL);
	link_close(&l);
	log_end();
	assert_true(f.sent > 10); /* the worker did serve calls meanwhile */
	assert_true(t - t0 >= 900);
	if (t - t0 > 3000)
		fail_msg("the connection lived %lld ms past a deadline of 1 s",
			 (long long)(t - t0));
	assert_logged(PEER ": timed out (connection deadline)\n");
}

/* A client that sends requests and never reads the answers: once the socket's
 * buffer is full, the worker waits at most the write timeout, then closes. */
static void test_answers_not_read(void **state)
{
	struct flood f;
	pthread_t th;
	struct link l;
	int small = 4096;
	int64_t t0;

	(void)state;
	w.write_timeout_ms = 300;
	link_open(&l, &w, PORT_EPM);
	bind_plain(&l);
	assert_int_equal(setsockopt(l.fds[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(l.fds[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	t0 = mono_ms();
	f = (struct flood){&l, t0 + 10000, 0};
	log_begin();
	assert_int_equal(pthread_create(&th, NULL, flood_thread, &f), 0);
	pthread_join(th, NULL); /* ends when the worker shuts the connection down */
	link_close(&l);
	log_end();
	assert_true(mono_ms() - t0 < 9000);
	assert_logged(PEER ": the answer could not be written in time: closing\n");
}

/* The worker's answer to call 2 is the fault nca_s_proto_error, then it closes
 * the connection (closed here too). */
static void proto_error_closed(struct link *l, struct tbuf *b)
{
	link_expect_pdu(l->fds[0], b);
	assert_int_equal(b->p[2], RPC_PT_FAULT);
	assert_int_equal(rb_le32(b->p + 12), 2);
	assert_int_equal(rb_le32(b->p + 24), NCA_S_PROTO_ERROR);
	wait_closed(l);
	link_close(l);
}

/* A fragment longer than the max_recv_frag the bind settled (5840): the fault
 * nca_s_proto_error for its call, the connection closed, the reason logged. */
static void test_fragment_over_max_recv(void **state)
{
	static uint8_t stub[6000];
	struct tbuf b = {0};
	struct link l;

	(void)state;
	link_open(&l, &w, PORT_ICPR);
	bind_plain(&l);
	log_begin();
	rb_request(&b, 2, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0,
		   RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, NULL, stub, sizeof(stub), NULL);
	link_send_all(l.fds[0], &b);
	proto_error_closed(&l, &b);
	log_end();
	assert_logged(PEER ": closed: request (call 2): frag_length 6024 over max_recv_frag "
		      "5840\n");
	assert_int_equal(core_ledger_head(&core), 1);
	tb_free(&b);
}

/* A call whose fragments add up to more than the stub cap (1 MiB): the fault
 * nca_s_proto_error, the connection closed, the reason logged; nothing reaches
 * the custodian. */
static void test_call_over_max_stub(void **state)
{
	static uint8_t stub[5800];
	struct tbuf b = {0};
	struct link l;
	size_t sent = 0;

	(void)state;
	link_open(&l, &w, PORT_ICPR);
	bind_plain(&l);
	log_begin();
	for (uint8_t flags = RPC_PFC_FIRST_FRAG; sent <= (1u << 20); flags = 0) {
		b.len = 0;
		rb_request(&b, 2, flags, 0, RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, NULL, stub,
			   sizeof(stub), NULL);
		link_send_all(l.fds[0], &b);
		sent += sizeof(stub);
	}
	proto_error_closed(&l, &b);
	log_end();
	assert_logged(PEER ": closed: request (call 2): call over 1048576 octets of stub\n");
	assert_int_equal(core_ledger_head(&core), 1);
	tb_free(&b);
}

/* The result of presentation context i in an alter_context_resp (no secondary
 * address): result and reason. */
static void alter_result(const struct tbuf *b, unsigned i, uint16_t *result, uint16_t *reason)
{
	assert_int_equal(b->p[2], RPC_PT_ALTER_CONTEXT_RESP);
	assert_int_equal(rb_le16(b->p + 24), 0); /* no secondary address */
	assert_true(i < b->p[28]);
	*result = rb_le16(b->p + 32 + 24 * i);
	*reason = rb_le16(b->p + 32 + 24 * i + 2);
}

/* alter_context on the ICPR port: the endpoint mapper's interface is rejected
 * (abstract syntax not supported) and a call on that context gets
 * nca_s_unk_if; ICPR on a new context is accepted and answers there. */
static void test_alter_context(void **state)
{
	static const uint8_t junk[] = {1, 2, 3};
	struct rb_ctx epm = {1, rb_epm, rb_ndr, 1}, icpr = {2, rb_icpr, rb_ndr, 1};
	struct tbuf b = {0};
	struct link l;
	uint16_t result, reason;

	(void)state;
	link_open(&l, &w, PORT_ICPR);
	bind_plain(&l);
	rb_bind(&b, RPC_PT_ALTER_CONTEXT, 2, 5840, 5840, 0, &epm, 1, NULL);
	link_send_all(l.fds[0], &b);
	link_expect_pdu(l.fds[0], &b);
	alter_result(&b, 0, &result, &reason);
	assert_int_equal(result, RPC_RESULT_PROVIDER_REJECTION);
	assert_int_equal(reason, RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED);
	b.len = 0;
	rb_request(&b, 3, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 1, RPC_EPM_OPNUM_MAP, NULL,
		   ref_eptmap_icpr, sizeof ref_eptmap_icpr, NULL);
	link_send_all(l.fds[0], &b);
	link_expect_pdu(l.fds[0], &b);
	assert_int_equal(b.p[2], RPC_PT_FAULT);
	assert_int_equal(rb_le32(b.p + 24), NCA_S_UNK_IF);
	b.len = 0;
	rb_bind(&b, RPC_PT_ALTER_CONTEXT, 4, 5840, 5840, 0, &icpr, 1, NULL);
	link_send_all(l.fds[0], &b);
	link_expect_pdu(l.fds[0], &b);
	alter_result(&b, 0, &result, &reason);
	assert_int_equal(result, RPC_RESULT_ACCEPTANCE);
	b.len = 0;
	rb_request(&b, 5, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 2,
		   RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, NULL, junk, sizeof(junk), NULL);
	link_send_all(l.fds[0], &b);
	link_expect_pdu(l.fds[0], &b);
	assert_int_equal(b.p[2], RPC_PT_FAULT); /* answered by ICPR: the stub does not decode */
	assert_int_equal(rb_le32(b.p + 12), 5);
	assert_int_equal(rb_le32(b.p + 24), NCA_S_FAULT_NDR);
	link_close(&l);
	tb_free(&b);
}

/* ept_map with a stub that does not decode: the fault nca_s_fault_ndr, the
 * decoder's reason logged, the connection still answering. */
static void test_epm_bad_stub(void **state)
{
	static const uint8_t junk[] = {1, 2, 3};
	struct reply r;
	struct link l;

	(void)state;
	link_open(&l, &w, PORT_EPM);
	bind_plain(&l);
	log_begin();
	call(&l, 2, RPC_EPM_OPNUM_MAP, junk, sizeof(junk), &r);
	log_end();
	assert_true(r.fault);
	assert_int_equal(r.status, NCA_S_FAULT_NDR);
	/* (the decoder names ept_map itself, and the line no peer: as logged) */
	assert_logged("ept_map: ept_map: stub truncated at offset 0: 4 octets needed, 3 left\n");
	call(&l, 3, RPC_EPM_OPNUM_MAP, ref_eptmap_icpr, sizeof ref_eptmap_icpr, &r);
	assert_false(r.fault);
	tb_free(&r.stub);
	link_close(&l);
}

/* ---- hostile clients ---------------------------------------------------------------- */

/* A submission with no request bytes from a caller without the access it needs:
 * recorded like any refused request, by its size (0) and the SHA-256 of nothing,
 * E_ACCESSDENIED as return value and disposition. */
static void test_empty_submission_refused_for_access(void **state)
{
	static const uint8_t empty_sha[CUST_SHA256_LEN] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
		0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
		0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
	struct csr_call in = {.authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct ledger_event ev;
	char *strbuf = malloc(LEDGER_STRBUF);
	uint8_t *rec;
	struct reply r;

	(void)state;
	assert_non_null(strbuf);
	log_begin();
	one_call(&in, &r, &resp);
	log_end();
	assert_false(r.fault);
	assert_int_equal(resp.status, HR_E_ACCESSDENIED);
	assert_int_equal(resp.disposition, HR_E_ACCESSDENIED);
	assert_int_equal(resp.request_id, 1);
	expect_message(&resp, "E_ACCESSDENIED: no NTLM logon (anonymous enrollment is off: "
			      "icpr_allow_anonymous)");
	assert_logged(PEER ": request refused: E_ACCESSDENIED: no NTLM logon");
	expect_row(&core, 1, ANON, DISP_FAILED, HR_E_ACCESSDENIED);
	received_event(1, &ev, strbuf, &rec);
	assert_int_equal(ev.u.request.format, FMT_DIGEST);
	assert_int_equal(rb_le32(ev.u.request.raw.p), 0);
	assert_memory_equal(ev.u.request.raw.p + 4, empty_sha, sizeof(empty_sha));
	free(rec);
	free(strbuf);
	tb_free(&r.stub);
}

/* A request id and request bytes together, without access: not a retrieval to
 * journal but a submission to record (refused, its bytes' size and hash). */
static void test_retrieval_with_bytes_refused_for_access(void **state)
{
	struct csr_call in = {.request_id = 9, .authority = CA_NAME};
	struct rpc_icpr_response resp;
	struct x509_buf csr;
	struct reply r;

	(void)state;
	good_request(&in, &csr);
	log_begin();
	one_call(&in, &r, &resp);
	log_end();
	assert_false(r.fault);
	assert_int_equal(resp.status, HR_E_ACCESSDENIED);
	assert_int_equal(resp.disposition, HR_E_ACCESSDENIED);
	assert_int_equal(resp.request_id, 1);
	assert_logged(PEER ": request refused: E_ACCESSDENIED: no NTLM logon");
	assert_null(strstr(logged, "retrieval of request 9"));
	expect_row(&core, 1, ANON, DISP_FAILED, HR_E_ACCESSDENIED);
	tb_free(&r.stub);
	x509_buf_free(&csr);
}

/* Where a logon is required, the idle timeout still ends a silent connection
 * before a longer logon deadline does, and says which. */
static void test_idle_before_the_logon_deadline(void **state)
{
	struct link l;
	int64_t t;

	(void)state;
	w.idle_timeout_ms = 150;
	assert_int_equal(w.logon_deadline_s, WORKER_LOGON_DEADLINE_S);
	log_begin();
	t = mono_ms();
	link_open(&l, &w, PORT_ICPR);
	t = wait_closed(&l) - t;
	link_close(&l);
	log_end();
	assert_true(t < 5000);
	assert_logged(PEER ": timed out (idle)\n");
}

/* A client that shut its reading side: the answer cannot be written, and the
 * worker ends the connection at once instead of waiting for the deadline. */
static void test_client_stops_reading(void **state)
{
	struct rb_ctx ctx = {0, rb_icpr, rb_ndr, 1};
	struct tbuf b = {0};
	struct link l;

	(void)state;
	log_begin();
	link_open(&l, &w, PORT_ICPR);
	assert_int_equal(shutdown(l.fds[0], SHUT_RD), 0);
	rb_bind(&b, RPC_PT_BIND, 1, 5840, 5840, 0, &ctx, 1, NULL);
	link_send_all(l.fds[0], &b);
	pthread_join(l.thread, NULL);
	log_end();
	assert_logged(PEER ": the answer could not be written in time: closing\n");
	slots_release(&w.slots, &l.ref);
	close(l.fds[0]);
	close(l.fds[1]);
	tb_free(&b);
}

/* An endpoint-mapper bind that carries an NTLM auth trailer goes to the NTLM
 * provider, as on the ICPR port: DCOM's activation authenticates on this port
 * (issue 17). This worker has no ca-auth, so the bind is refused with a
 * bind_nak; an unauthenticated bind on the same port is still answered, and
 * ept_map with it. */
static void test_epm_auth_trailer(void **state)
{
	static const uint8_t token[] = "NTLMSSP";
	struct rb_auth a = {RPC_AUTHN_WINNT, RPC_AUTHN_LEVEL_PKT_INTEGRITY, 0, 0, token,
			    sizeof(token)};
	struct rb_ctx ctx = {0, rb_epm, rb_ndr, 1};
	struct tbuf b = {0};
	struct link l;

	(void)state;
	log_begin();
	link_open(&l, &w, PORT_EPM);
	rb_bind(&b, RPC_PT_BIND, 1, 5840, 5840, 0, &ctx, 1, &a);
	link_send_all(l.fds[0], &b);
	link_expect_pdu(l.fds[0], &b);
	assert_int_equal(b.p[2], RPC_PT_BIND_NAK);
	link_close(&l);
	log_end_quiet();
	b.len = 0;
	link_open(&l, &w, PORT_EPM);
	rb_bind(&b, RPC_PT_BIND, 1, 5840, 5840, 0, &ctx, 1, NULL);
	link_send_all(l.fds[0], &b);
	link_expect_pdu(l.fds[0], &b);
	assert_int_equal(b.p[2], RPC_PT_BIND_ACK);
	map_request(&b, 2);
	link_send_all(l.fds[0], &b);
	link_expect_pdu(l.fds[0], &b);
	assert_int_equal(b.p[2], RPC_PT_RESPONSE);
	link_close(&l);
	tb_free(&b);
}

/* ---- a custodian that answers badly (broken or compromised) -------------------------- */

/* The custodian's end of the worker's channel, played by the test: every request
 * is answered with type and body; the types it got are kept. */
struct fake_cust {
	int fds[2]; /* [0] the worker's, [1] the fake's */
	pthread_t thread;
	uint32_t type;
	struct ipc_wbuf body;
	/* the answer to CUST_RESPONSE when type2 is set (else type and body) */
	uint32_t type2;
	struct ipc_wbuf body2;
	uint32_t response_flags; /* the last CUST_RESPONSE's (~0u: it did not decode) */
	uint32_t response_id;
	uint32_t got[8];
	unsigned n_got;
};

static struct fake_cust fc;

static void *fake_cust_thread(void *arg)
{
	struct fake_cust *f = arg;
	struct ipc_chan ch;
	struct ipc_msg m;
	char err[256];

	ipc_chan_init(&ch, f->fds[1], "worker", CUST_SUBMIT_MAX);
	while (ipc_recv(&ch, &m, err, sizeof(err)) == 1) {
		if (f->n_got < 8)
			f->got[f->n_got++] = m.hdr.type;
		if (m.hdr.type == CUST_RESPONSE) {
			struct cust_response q;

			f->response_flags = cust_response_decode(m.data, m.hdr.len, &q) == 0
						    ? q.flags : ~0u;
			f->response_id = q.request_id;
		}
		if (m.hdr.type == CUST_RESPONSE && f->type2 != 0)
			ipc_send(&ch, f->type2, m.hdr.id, f->body2.data, f->body2.len, -1);
		else
			ipc_send(&ch, f->type, m.hdr.id, f->body.data, f->body.len, -1);
		ipc_msg_free(&m);
	}
	ipc_chan_free(&ch);
	return NULL;
}

/* fc's answer: a CUST_RESULT. */
static void fake_result(uint32_t id, uint32_t disp, uint32_t hr, const char *message,
			const void *cert, size_t cert_len)
{
	struct cust_result q = {.request_id = id, .disposition = disp, .hresult = hr,
				.cert = cert, .cert_len = cert_len};

	snprintf(q.message, sizeof(q.message), "%s", message);
	fc.type = CUST_RESULT;
	ipc_wbuf_init(&fc.body);
	cust_result_encode(&fc.body, &q);
}

/* fc's answer: a type with raw bytes. */
static void fake_raw(uint32_t type, const void *p, size_t n)
{
	fc.type = type;
	ipc_wbuf_init(&fc.body);
	ipc_put_raw(&fc.body, p, n);
}

/* The worker w on fc's channel, set as the custodian's start-up would have left
 * it (CA name CA_NAME, no chain), MS-ICPR open to anonymous calls. */
static void fake_worker(struct worker *fw, int allow_anonymous)
{
	struct slots_config sc = {.pool = {4, 4}, .per_address = 4};

	memset(fw, 0, sizeof(*fw));
	worker_ifaces_init();
	fw->icpr_port = ICPR_PORT;
	fw->epm_port = 135;
	fw->allow_anonymous = allow_anonymous;
	fw->logon_deadline_s = WORKER_LOGON_DEADLINE_S;
	fw->conn_deadline_s = WORKER_CONN_DEADLINE_S;
	snprintf(fw->ca_name, sizeof(fw->ca_name), "%s", CA_NAME);
	assert_int_equal(slots_init(&fw->slots, &sc), 0);
}

static int setup_fake(void **state)
{
	(void)state;
	memset(&fc, 0, sizeof(fc));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fc.fds), 0);
	fake_worker(&w, 1);
	assert_int_equal(ipc_caller_start(&w.custodian, fc.fds[0], "custodian",
					  CUST_SUBMIT_MAX), 0);
	assert_int_equal(pthread_create(&fc.thread, NULL, fake_cust_thread, &fc), 0);
	return 0;
}

static int teardown_fake(void **state)
{
	(void)state;
	log_end();
	ipc_caller_stop(&w.custodian);
	pthread_join(fc.thread, NULL);
	close(fc.fds[0]);
	close(fc.fds[1]);
	ipc_wbuf_free(&fc.body);
	ipc_wbuf_free(&fc.body2);
	memset(&w, 0, sizeof(w));
	return 0;
}

/* A retrieval of request 7 on a fresh connection, answered from fc. */
static void fake_retrieval(struct reply *r, struct rpc_icpr_response *resp)
{
	struct csr_call in = {.request_id = 7, .authority = CA_NAME};

	one_call(&in, r, resp);
	assert_false(r->fault);
	assert_int_equal(fc.got[0], CUST_RETRIEVE);
}

/* ---- CR_IN_FULLRESPONSE / CR_IN_CRLS: the custodian's pctbCert ---- */

/* A retrieval of request 7 with dwFlags flags on a fresh connection. */
static void fake_retrieval_flags(uint32_t flags, struct reply *r,
				 struct rpc_icpr_response *resp)
{
	struct csr_call in = {.request_id = 7, .authority = CA_NAME, .flags = flags};

	one_call(&in, r, resp);
	assert_false(r->fault);
	assert_int_equal(fc.got[0], CUST_RETRIEVE);
}

/* A pending request with CR_IN_FULLRESPONSE (and bits the worker does not pass
 * on): pctbCert is the custodian's PKCS#7 as it came; its "CRLs left out" note
 * is appended to the disposition message; only the two flags are asked for. */
static void test_full_response_passed_through(void **state)
{
	static const uint8_t p7[] = {0x30, 0x03, 0x02, 0x01, 0x07};
	struct cust_response_is a = {p7, sizeof p7, 1};
	struct rpc_icpr_response resp;
	struct reply r;
	char want[256];

	(void)state;
	fake_result(7, DISP_PENDING, 0, "", NULL, 0);
	fc.type2 = CUST_RESPONSE_IS;
	ipc_wbuf_init(&fc.body2);
	cust_response_is_encode(&fc.body2, &a);
	fake_retrieval_flags(ICPR_CR_IN_FULLRESPONSE | ICPR_CR_IN_CRLS | 0x100, &r, &resp);
	assert_int_equal(fc.n_got, 2);
	assert_int_equal(fc.got[1], CUST_RESPONSE);
	assert_int_equal(fc.response_flags, ICPR_CR_IN_FULLRESPONSE | ICPR_CR_IN_CRLS);
	assert_int_equal(fc.response_id, 7);
	assert_int_equal(resp.disposition, ICPR_DISP_UNDER_SUBMISSION);
	assert_int_equal(resp.cert.cb, sizeof p7);
	assert_memory_equal(resp.cert.pb, p7, sizeof p7);
	assert_int_equal(resp.encoded_cert.cb, 0);
	snprintf(want, sizeof want, "Taken Under Submission" CUST_CRLS_LEFT_OUT_FMT,
		 CUST_PKCS7_MAX / 1024);
	expect_message(&resp, want);
	tb_free(&r.stub);
}

/* The custodian cannot build it: logged, answered as without the flags. */
static void test_full_response_refused_falls_back(void **state)
{
	struct cust_error e = {.hresult = HR_E_ACCESSDENIED, .message = "not yours"};
	struct rpc_icpr_response resp;
	struct reply r;

	(void)state;
	fake_result(7, DISP_PENDING, 0, "", NULL, 0);
	fc.type2 = CUST_ERROR;
	ipc_wbuf_init(&fc.body2);
	cust_error_encode(&fc.body2, &e);
	log_begin();
	fake_retrieval_flags(ICPR_CR_IN_FULLRESPONSE, &r, &resp);
	log_end();
	assert_logged("request 7: no full response (0x80070005): not yours; certs-only "
		      "answered\n");
	assert_int_equal(fc.n_got, 2);
	assert_int_equal(resp.disposition, ICPR_DISP_UNDER_SUBMISSION);
	assert_int_equal(resp.cert.cb, 0);
	expect_message(&resp, "Taken Under Submission");
	tb_free(&r.stub);
}

/* Nothing is asked when there is nothing to carry: CR_IN_CRLS for a request
 * without a certificate, either flag for an answer without a disposition (an
 * unknown or another's request). */
static void test_full_response_not_asked(void **state)
{
	struct rpc_icpr_response resp;
	struct reply r;

	(void)state;
	fake_result(7, DISP_PENDING, 0, "", NULL, 0);
	fake_retrieval_flags(ICPR_CR_IN_CRLS, &r, &resp);
	assert_int_equal(fc.n_got, 1);
	assert_int_equal(resp.cert.cb, 0);
	tb_free(&r.stub);
	fc.n_got = 0;
	ipc_wbuf_free(&fc.body);
	fake_result(7, 0, HR_E_ACCESSDENIED, "another's", NULL, 0);
	fake_retrieval_flags(ICPR_CR_IN_FULLRESPONSE | ICPR_CR_IN_CRLS, &r, &resp);
	assert_int_equal(fc.n_got, 1);
	assert_int_equal(resp.disposition, HR_E_ACCESSDENIED);
	assert_int_equal(resp.cert.cb, 0);
	tb_free(&r.stub);
}

/* A result without a ledger disposition: the HRESULT is the disposition and the
 * custodian's message goes out as it is. */
static void test_custodian_result_without_disposition(void **state)
{
	struct rpc_icpr_response resp;
	struct reply r;

	(void)state;
	fake_result(7, 0, 0x80094004u, "as the custodian said", NULL, 0);
	fake_retrieval(&r, &resp);
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.request_id, 7);
	assert_int_equal(resp.disposition, 0x80094004u);
	expect_message(&resp, "as the custodian said");
	assert_int_equal(resp.encoded_cert.cb, 0);
	tb_free(&r.stub);
}

/* A "certificate" that is no DER: no PKCS#7 is built (logged), the bytes still
 * go out as the bare certificate. */
static void test_custodian_cert_not_der(void **state)
{
	static const char junk[] = "not a certificate";
	struct rpc_icpr_response resp;
	struct reply r;

	(void)state;
	fake_result(7, DISP_ISSUED, 0, "", junk, sizeof(junk) - 1);
	log_begin();
	fake_retrieval(&r, &resp);
	log_end();
	assert_logged("request 7: cannot build the PKCS#7 chain\n");
	assert_int_equal(resp.status, 0);
	assert_int_equal(resp.disposition, ICPR_DISP_ISSUED);
	assert_int_equal(resp.cert.cb, 0);
	assert_int_equal(resp.encoded_cert.cb, sizeof(junk) - 1);
	assert_memory_equal(resp.encoded_cert.pb, junk, sizeof(junk) - 1);
	tb_free(&r.stub);
}

/* A message that is not UTF-8: the answer goes without a message rather than
 * with bytes the client would misread. */
static void test_custodian_message_not_utf8(void **state)
{
	struct rpc_icpr_response resp;
	struct reply r;

	(void)state;
	fake_result(7, 0, 0x80094004u, "bad \xff\xfe text", NULL, 0);
	fake_retrieval(&r, &resp);
	assert_int_equal(resp.disposition, 0x80094004u);
	assert_int_equal(resp.disposition_message.cb, 0);
	tb_free(&r.stub);
}

/* The custodian refuses to journal a refused retrieval: logged, and the caller
 * still gets E_ACCESSDENIED. */
static void test_auth_event_not_journaled(void **state)
{
	struct cust_error e = {.hresult = HR_E_UNEXPECTED};
	struct csr_call in = {.request_id = 7, .authority = CA_NAME};
	struct ipc_wbuf b;
	struct rpc_icpr_response resp;
	struct reply r;

	(void)state;
	w.allow_anonymous = 0;
	snprintf(e.message, sizeof(e.message), "journal unavailable");
	ipc_wbuf_init(&b);
	cust_error_encode(&b, &e);
	fake_raw(CUST_ERROR, b.data, b.len);
	ipc_wbuf_free(&b);
	log_begin();
	one_call(&in, &r, &resp);
	log_end();
	assert_false(r.fault);
	assert_int_equal(fc.got[0], CUST_AUTH_EVENT);
	assert_int_equal(resp.status, HR_E_ACCESSDENIED);
	assert_int_equal(resp.request_id, 7);
	assert_logged(PEER ": the authentication event could not be journaled\n");
	tb_free(&r.stub);
}

/* Forks a worker serving one connection on fc's channel (allow_anonymous as
 * given), sends a retrieval of request 7 as the client, and returns the child's
 * exit status; the worker must close the connection without answering. */
static int violation_child(int allow_anonymous)
{
	struct csr_call in = {.request_id = 7, .authority = CA_NAME};
	struct rpc_icpr_request q;
	uint8_t authority[128];
	struct ndr_wr stub;
	struct tbuf b = {0};
	struct link l;
	int conn[2], st;
	pid_t pid;

	fc.n_got = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, conn), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fc.fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) { /* the worker, as ca-worker's accept path serves a connection */
		static struct worker cw;
		struct slot_ref ref = {0, 0};

		close(conn[0]);
		close(fc.fds[1]);
		fake_worker(&cw, allow_anonymous);
		if (ipc_caller_start(&cw.custodian, fc.fds[0], "custodian", CUST_SUBMIT_MAX) != 0)
			_exit(99);
		worker_serve_conn(&cw, conn[1], PORT_ICPR, PEER, &ref);
		fflush(NULL);
		_exit(0);
	}
	close(conn[1]);
	close(fc.fds[0]);
	fc.fds[0] = -1;
	assert_int_equal(pthread_create(&fc.thread, NULL, fake_cust_thread, &fc), 0);
	l = (struct link){.fds = {conn[0], -1}, .port = PORT_ICPR};
	bind_plain(&l);
	memset(&q, 0, sizeof(q));
	q.has_authority = 1;
	q.authority = authority;
	q.authority_units = widen(in.authority, authority, sizeof(authority));
	q.request_id = in.request_id;
	ndr_wr_init(&stub, 4096);
	assert_int_equal(icprc_encode(&q, &stub), 0);
	rb_request(&b, 2, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, 0,
		   RPC_ICPR_OPNUM_CERT_SERVER_REQUEST, NULL, stub.buf, stub.len, NULL);
	ndr_wr_free(&stub);
	link_send_all(conn[0], &b);
	assert_int_equal(link_recv_pdu(conn[0], &b), 0); /* closed, unanswered */
	assert_int_equal(waitpid(pid, &st, 0), pid);
	pthread_join(fc.thread, NULL);
	close(conn[0]);
	close(fc.fds[1]);
	ipc_wbuf_free(&fc.body);
	tb_free(&b);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Every answer the custodian's protocol does not allow is a violation: the
 * worker exits at once saying which (cad restarts it with the custodian), for a
 * call's answer (icpr.c) and for an authentication event's (ntlm.c). */
static void test_custodian_violations(void **state)
{
	static const uint8_t one = 1;
	static const struct {
		uint32_t type;
		int allow_anonymous;
		uint32_t asked;
		const char *line;
	} cases[] = {
		{CUST_CA_INFO, 1, CUST_RETRIEVE,
		 "fatal: protocol violation: answer 257 from the custodian\n"},
		{CUST_RESULT, 1, CUST_RETRIEVE,
		 "fatal: protocol violation: answer 289 from the custodian\n"},
		{CUST_ERROR, 1, CUST_RETRIEVE,
		 "fatal: protocol violation: answer 511 from the custodian\n"},
		{CUST_CA_INFO, 0, CUST_AUTH_EVENT,
		 "fatal: protocol violation: answer 257 from the custodian\n"},
	};

	(void)state;
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer's check at the child's exit (fatalx: exit) takes the
	 * worker's live allocations for leaks and changes the exit status. */
	skip();
#endif
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		memset(&fc, 0, sizeof(fc));
		fake_raw(cases[k].type, &one, 1);
		log_begin();
		assert_int_equal(violation_child(cases[k].allow_anonymous), 1);
		log_end();
		assert_int_equal(fc.got[0], cases[k].asked);
		assert_logged(cases[k].line);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_issued, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_issued_then_retrieved, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_pending_then_retrieved, setup_pend, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_args, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_below_packet_privacy, setup_enforce,
						teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_not_allowed, setup_no_anonymous,
						teardown),
		cmocka_unit_test_setup_teardown(test_retrieval_below_packet_privacy, setup_enforce,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_rpc, setup_no_rpc, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full_passed_through, setup_full,
						teardown),
		cmocka_unit_test_setup_teardown(test_custodian_gone, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_faults, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_epm_map, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_request, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_attributes_beyond_the_limits, setup_open,
						teardown),
		cmocka_unit_test_setup_teardown(test_custodian_gone_retrieval_and_refusal,
						setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_fragment_over_max_recv, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_call_over_max_stub, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_alter_context, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_epm_bad_stub, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_pdu, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_trickled_pdu, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_logon_deadline, setup_enforce, teardown),
		cmocka_unit_test_setup_teardown(test_connection_deadline, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_answers_not_read, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_empty_submission_refused_for_access,
						setup_no_anonymous, teardown),
		cmocka_unit_test_setup_teardown(test_retrieval_with_bytes_refused_for_access,
						setup_no_anonymous, teardown),
		cmocka_unit_test_setup_teardown(test_idle_before_the_logon_deadline, setup_enforce,
						teardown),
		cmocka_unit_test_setup_teardown(test_client_stops_reading, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_epm_auth_trailer, setup_open, teardown),
		cmocka_unit_test_setup_teardown(test_custodian_result_without_disposition,
						setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_custodian_cert_not_der, setup_fake,
						teardown_fake),
		cmocka_unit_test_setup_teardown(test_custodian_message_not_utf8, setup_fake,
						teardown_fake),
		cmocka_unit_test_setup_teardown(test_auth_event_not_journaled, setup_fake,
						teardown_fake),
		cmocka_unit_test_setup_teardown(test_full_response_passed_through, setup_fake,
						teardown_fake),
		cmocka_unit_test_setup_teardown(test_full_response_refused_falls_back,
						setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_full_response_not_asked, setup_fake,
						teardown_fake),
		cmocka_unit_test(test_custodian_violations),
	};
	int rc;

	rb_init_syntaxes();
	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
