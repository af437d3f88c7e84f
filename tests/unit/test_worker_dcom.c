/* The worker's DCOM dispatch (firmware/worker/dcom.c) in process: worker_serve_conn
 * on a socketpair in a thread, ca-auth's auth_serve for NTLM logons (accounts made
 * here), the core (support/core_harness.c) behind the worker's custodian channel,
 * as test_worker_ntlm.c runs them. Requests are built byte by byte
 * (support/rpc_build.c); the activation request is impacket's (dcom_ref.h), the
 * OXID resolver's too (dcom_oxid_ref.h); the ICertRequestD2 stubs are packed here
 * (the authority must be this core's CA). Each answer is checked for its fault
 * status or its return value, and the CA's values against the core's own. */
#include <errno.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/msg.h"
#include "firmware/auth/throttle.h"
#include "firmware/client/ntlm_init.h"
#include "firmware/client/rpc_client.h"
#include "firmware/icpr/caprop.h"
#include "firmware/icpr/hresult.h"
#include "firmware/identity/ntlm_hash.h"
#include "firmware/rpc/dcom.h"
#include "firmware/rpc/dcom_act.h"
#include "firmware/rpc/dcom_oxid.h"
#include "firmware/rpc/dcom_remunk.h"
#include "firmware/rpc/pdu.h"
#include "firmware/rpc/wcce_stub.h"
#include "firmware/worker/dcom_table.h"
#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/dcom_oxid_ref.h"
#include "tests/unit/support/dcom_ref.h"
#include "tests/unit/support/rpc_build.h"
#include "tests/unit/support/wcce_ref.h"
#include "tests/unit/support/worker_link.h"

const char *__lsan_default_suppressions(void);

/* gss-ntlmssp loads OpenSSL's configuration once and never frees it. */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\nleak:gssntlmssp.so\n";
}

#define CA_NAME "Core Harness Root CA"
#define ALICE "EXAMPLE\\alice"
#define ALICE_PW "alice's password"
#define BOB "EXAMPLE\\bob"
#define BOB_PW "bob's password"
#define AUTH_CTX 79231

/* Presentation contexts: on the EPM port */
#define CTX_SCM 0
#define CTX_OXID 1
/* on the ICPR port */
#define CTX_REMUNK2 0
#define CTX_CERTREQ 1
#define CTX_CERTREQ2 2
#define CTX_REMUNK 3

static char dir[] = "/tmp/test_worker_dcom.XXXXXX";
static char accounts[64];
static struct core_ca ca_template;
static struct core core;
static struct worker w;
static int worker_started;
static uint8_t syn_scm[20], syn_oxid[20], syn_remunk[20], syn_remunk2[20], syn_certreq[20],
	syn_certreq2[20];

static struct {
	int fds[2];
	pthread_t thread;
	struct auth_tokens tk;
	int running;
} auth;

static void *auth_thread(void *arg)
{
	(void)arg;
	(void)auth_serve(auth.fds[1], &auth.tk);
	return NULL;
}

/* ---- fixtures ---------------------------------------------------------------------- */

/* The core (policy issue), ca-auth, the worker; packet privacy required when
 * enforce. */
static int start(int enforce)
{
	const char *conf[] = {"policy=issue", "subject_rule=request", NULL, NULL};
	struct core_opts o = {.conf = conf};

	if (!enforce)
		conf[2] = "icpr_enforce_encryption=0";
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
	w.have_auth = 1;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return start(0);
}

static int setup_enforce(void **state)
{
	(void)state;
	return start(1);
}

static int teardown(void **state)
{
	(void)state;
	if (auth.running) {
		ipc_caller_stop(&w.auth);
		pthread_join(auth.thread, NULL);
		close(auth.fds[0]);
		close(auth.fds[1]);
		auth.running = 0;
	}
	if (worker_started)
		ipc_caller_stop(&w.custodian);
	worker_started = 0;
	core_stop(&core);
	worker_free_ca(&w);
	worker_dcom_free(&w);
	pthread_mutex_destroy(&w.slots.mu);
	return 0;
}

/* ---- connections ------------------------------------------------------------------- */

struct dconn {
	struct link l;
	struct tbuf b;      /* the last answer */
	uint32_t call_id;
};

/* n octets from fd within IO_TIMEOUT_MS: 1, or 0 at EOF or timeout. (Not
 * link_recv_pdu: its buffer is static, and test_threads reads from threads.) */
static int recv_exact_ts(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pf = {fd, POLLIN, 0};
		ssize_t r;

		if (poll(&pf, 1, IO_TIMEOUT_MS) <= 0)
			return 0;
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

/* The next whole PDU from d's connection into d->b. */
static void expect_pdu(struct dconn *d)
{
	uint8_t pdu[65536];
	uint16_t frag_len;

	d->b.len = 0;
	if (!recv_exact_ts(d->l.fds[0], pdu, 16))
		fail_msg("no answer from the worker");
	frag_len = rb_le16(pdu + 8);
	assert_true(frag_len >= 16);
	if (!recv_exact_ts(d->l.fds[0], pdu + 16, frag_len - 16u))
		fail_msg("no whole answer from the worker");
	tb_put(&d->b, pdu, frag_len);
}

/* A connection to port binding the contexts of that port, logged on as user
 * (NTLM at connect level) or without a logon (user NULL). */
static void dconn_open(struct dconn *d, enum worker_port port, const char *user,
		       const char *password)
{
	struct rb_ctx icpr_ctx[4] = {{CTX_REMUNK2, syn_remunk2, rb_ndr, 1},
				     {CTX_CERTREQ, syn_certreq, rb_ndr, 1},
				     {CTX_CERTREQ2, syn_certreq2, rb_ndr, 1},
				     {CTX_REMUNK, syn_remunk, rb_ndr, 1}};
	struct rb_ctx epm_ctx[2] = {{CTX_SCM, syn_scm, rb_ndr, 1}, {CTX_OXID, syn_oxid, rb_ndr, 1}};
	const struct rb_ctx *ctx = port == PORT_EPM ? epm_ctx : icpr_ctx;
	unsigned n = port == PORT_EPM ? 2 : 4;
	struct ntlmc *nc = NULL;
	struct rpcc_auth a;
	struct ndr_wr tok;
	struct rb_auth ra;
	char err[256];

	memset(d, 0, sizeof(*d));
	d->call_id = 1;
	link_open(&d->l, &w, port);
	if (user == NULL) {
		rb_bind(&d->b, RPC_PT_BIND, d->call_id++, 5840, 5840, 0, ctx, n, NULL);
		link_send_all(d->l.fds[0], &d->b);
		expect_pdu(d);
		assert_int_equal(d->b.p[2], RPC_PT_BIND_ACK);
		return;
	}
	nc = ntlmc_new(user, password, err, sizeof(err));
	if (nc == NULL)
		fail_msg("%s", err);
	ntlmc_auth(nc, RPC_AUTHN_LEVEL_CONNECT, &a);
	ndr_wr_init(&tok, 4096);
	assert_int_equal(a.start(a.arg, &tok, err, sizeof(err)), 0);
	ra = (struct rb_auth){RPC_AUTHN_WINNT, RPC_AUTHN_LEVEL_CONNECT, 0, AUTH_CTX, tok.buf, tok.len};
	rb_bind(&d->b, RPC_PT_BIND, d->call_id++, 5840, 5840, 0, ctx, n, &ra);
	link_send_all(d->l.fds[0], &d->b);
	expect_pdu(d);
	assert_int_equal(d->b.p[2], RPC_PT_BIND_ACK);
	{
		uint16_t auth_len = rb_le16(d->b.p + 10);
		uint8_t key[NTLM_KEY_LEN];

		assert_true(auth_len > 0 && auth_len <= d->b.len);
		ndr_wr_reset(&tok);
		assert_int_equal(a.finish(a.arg, d->b.p + d->b.len - auth_len, auth_len, &tok, key,
					  err, sizeof(err)), 0);
		explicit_bzero(key, sizeof(key));
	}
	ra = (struct rb_auth){RPC_AUTHN_WINNT, RPC_AUTHN_LEVEL_CONNECT, 0, AUTH_CTX, tok.buf, tok.len};
	d->b.len = 0;
	rb_auth3(&d->b, d->call_id++, &ra);
	link_send_all(d->l.fds[0], &d->b);
	ndr_wr_free(&tok);
	ntlmc_free(nc);
}

static void dconn_close(struct dconn *d)
{
	link_close(&d->l);
	tb_free(&d->b);
}

/* One call; its answer in d->b (a PDU must come). */
static void call(struct dconn *d, uint16_t ctx, uint16_t opnum, const uint8_t *obj,
		 const uint8_t *stub, size_t n)
{
	d->b.len = 0;
	rb_request(&d->b, d->call_id++, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG, ctx, opnum, obj,
		   stub, n, NULL);
	link_send_all(d->l.fds[0], &d->b);
	expect_pdu(d);
}

static void expect_fault_at(const struct dconn *d, uint32_t status, int line)
{
	if (d->b.p[2] != RPC_PT_FAULT || rb_le32(d->b.p + 24) != status)
		fail_msg("line %d: PDU type %u (status 0x%08x), not the fault 0x%08x", line,
			 d->b.p[2], d->b.p[2] == RPC_PT_FAULT ? rb_le32(d->b.p + 24) : 0, status);
}
#define expect_fault(d, status) expect_fault_at((d), (status), __LINE__)

/* The response's stub (after the 24-octet header, before any verifier). */
static const uint8_t *resp_stub(const struct dconn *d, size_t *len)
{
	uint16_t frag = rb_le16(d->b.p + 8), auth_len = rb_le16(d->b.p + 10);
	size_t end = frag;

	assert_int_equal(d->b.p[2], RPC_PT_RESPONSE);
	assert_true(frag == d->b.len && frag >= 28);
	if (auth_len != 0) {
		assert_true((size_t)auth_len + 8 + 24 <= frag);
		end = frag - auth_len - 8;
		end -= d->b.p[end + 2]; /* auth_pad_length */
	}
	*len = end - 24;
	return d->b.p + 24;
}

/* The response's last DWORD: the method's return value. */
static uint32_t resp_hr(const struct dconn *d)
{
	size_t n;
	const uint8_t *s = resp_stub(d, &n);

	assert_true(n >= 4);
	return rb_le32(s + n - 4);
}

/* ---- stubs ------------------------------------------------------------------------- */

/* ORPCTHIS, COM version 5.7, no extensions. */
static void put_orpcthis(struct tbuf *b, uint16_t minor)
{
	static const uint8_t cid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

	tb_u16(b, 5);
	tb_u16(b, minor);
	tb_u32(b, 0);
	tb_u32(b, 0);
	tb_put(b, cid, 16);
	tb_u32(b, 0);
}

/* A [string, unique] wchar_t* (ASCII s). */
static void put_wstr(struct tbuf *b, const char *s)
{
	size_t n = strlen(s) + 1;

	tb_u32(b, 0x00020000);
	tb_u32(b, (uint32_t)n);
	tb_u32(b, 0);
	tb_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		tb_u16(b, (uint16_t)(uint8_t)s[i]);
	tb_pad(b, 0, 4, 0);
}

static void stub_getcaproperty(struct tbuf *b, const char *authority, int32_t id, int32_t index,
			       int32_t type)
{
	b->len = 0;
	put_orpcthis(b, 7);
	put_wstr(b, authority);
	tb_u32(b, (uint32_t)id);
	tb_u32(b, (uint32_t)index);
	tb_u32(b, (uint32_t)type);
}

static void stub_getcacert(struct tbuf *b, uint32_t fchain)
{
	b->len = 0;
	put_orpcthis(b, 7);
	tb_u32(b, fchain);
	put_wstr(b, CA_NAME);
}

static void stub_ping(struct tbuf *b, uint16_t minor)
{
	b->len = 0;
	put_orpcthis(b, minor);
	put_wstr(b, CA_NAME);
}

/* A CERTTRANSBLOB answer (GetCACert, GetCAProperty): its HRESULT; with 0, the
 * value in *p, *n (pointing into d->b). */
static uint32_t blob_answer(const struct dconn *d, const uint8_t **p, size_t *n)
{
	size_t len;
	const uint8_t *s = resp_stub(d, &len);
	uint32_t hr = resp_hr(d), cb;

	assert_true(len >= 20);
	cb = rb_le32(s + 8);
	if (hr != 0) {
		assert_int_equal(cb, 0);
		assert_int_equal(rb_le32(s + 12), 0);
		return hr;
	}
	assert_int_not_equal(rb_le32(s + 12), 0);
	assert_int_equal(rb_le32(s + 16), cb);
	assert_true(20 + (size_t)cb + 4 <= len);
	*p = s + 20;
	*n = cb;
	return 0;
}

/* ---- activation -------------------------------------------------------------------- */

struct ifptr {
	uint8_t ipid[16];
	uint64_t oxid, oid;
};

/* The n-th OBJREF_STANDARD ("MEOW", flags 1) in the stub: 1 with *f, or 0. */
static int find_objref(const uint8_t *s, size_t len, unsigned nth, struct ifptr *f)
{
	static const uint8_t meow[8] = {'M', 'E', 'O', 'W', 1, 0, 0, 0};

	for (size_t i = 0; i + 72 <= len; i++) {
		if (memcmp(s + i, meow, 8) != 0)
			continue;
		if (nth-- > 0)
			continue;
		f->oxid = (uint64_t)rb_le32(s + i + 32) | (uint64_t)rb_le32(s + i + 36) << 32;
		f->oid = (uint64_t)rb_le32(s + i + 40) | (uint64_t)rb_le32(s + i + 44) << 32;
		memcpy(f->ipid, s + i + 48, 16);
		return 1;
	}
	return 0;
}

/* impacket's RemoteCreateInstance (CCertRequestD, ICertRequestD2) on d: its
 * HRESULT; with 0 the interface pointer in *f. */
static uint32_t activate(struct dconn *d, struct ifptr *f)
{
	uint32_t hr;
	size_t n;
	const uint8_t *s;

	call(d, CTX_SCM, DCOM_ACT_OPNUM_CREATEINSTANCE, NULL, ref_rci_stub, sizeof(ref_rci_stub));
	hr = resp_hr(d);
	if (hr == 0) {
		s = resp_stub(d, &n);
		assert_true(find_objref(s, n, 0, f));
		assert_int_equal(f->oxid, dcom_table_oxid(w.dcom));
	}
	return hr;
}

/* An object of user's on a connection of its own, closed after. */
static void activated(const char *user, const char *password, struct ifptr *f)
{
	struct dconn d;

	dconn_open(&d, PORT_EPM, user, password);
	assert_int_equal(activate(&d, f), 0);
	dconn_close(&d);
}

/* ---- tests ------------------------------------------------------------------------- */

/* Opnums that are not a method of the interface: nca_s_op_rng_error on each,
 * the connection going on. */
static void test_opnum_out_of_range(void **state)
{
	static const struct {
		uint16_t ctx, opnum;
	} icpr[] = {{CTX_REMUNK2, 0}, {CTX_REMUNK2, 2}, {CTX_REMUNK2, 7}, {CTX_REMUNK, 6},
		    {CTX_CERTREQ, 0}, {CTX_CERTREQ, 2}, {CTX_CERTREQ, 6}, {CTX_CERTREQ2, 1},
		    {CTX_CERTREQ2, 10}, {CTX_CERTREQ2, 0xffff}},
	  epm[] = {{CTX_SCM, 0}, {CTX_SCM, 1}, {CTX_SCM, 2}, {CTX_SCM, 5},
		   {CTX_OXID, 6}, {CTX_OXID, 0x100}};
	struct ifptr f;
	struct dconn d;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	for (size_t i = 0; i < sizeof(icpr) / sizeof(icpr[0]); i++) {
		call(&d, icpr[i].ctx, icpr[i].opnum, f.ipid, NULL, 0);
		expect_fault(&d, NCA_S_OP_RNG_ERROR);
	}
	dconn_close(&d);
	dconn_open(&d, PORT_EPM, ALICE, ALICE_PW);
	for (size_t i = 0; i < sizeof(epm) / sizeof(epm[0]); i++) {
		call(&d, epm[i].ctx, epm[i].opnum, NULL, NULL, 0);
		expect_fault(&d, NCA_S_OP_RNG_ERROR);
	}
	/* still served */
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_SERVER_ALIVE2, NULL, NULL, 0);
	assert_int_equal(resp_hr(&d), 0);
	dconn_close(&d);
}

/* An IPID the table never made, a call without an object UUID, the exporter's
 * IRemUnknown IPID on ICertRequestD2, an object's IPID on IRemUnknown2: all
 * RPC_E_INVALID_IPID, the connection going on (the object's own IPID then
 * answers). */
static void test_unknown_and_wrong_ipid(void **state)
{
	static const uint8_t unknown[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4,
					    5, 6, 7, 8, 9, 10, 11, 12};
	struct rpc_uuid ru;
	struct ifptr f;
	struct dconn d;
	struct tbuf s = {0};

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	dcom_table_remunknown_ipid(w.dcom, &ru);
	stub_ping(&s, 7);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, unknown, s.p, s.len);
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, NULL, s.p, s.len);
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, (const uint8_t *)&ru, s.p, s.len);
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_RELEASE, f.ipid, ref_remrelease,
	     sizeof(ref_remrelease));
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_RELEASE, NULL, ref_remrelease,
	     sizeof(ref_remrelease));
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	/* the object's ICertRequestD2 pointer serves ICertRequestD's methods too */
	call(&d, CTX_CERTREQ, WCCE_OPNUM_PING, f.ipid, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	dconn_close(&d);
	tb_free(&s);
}

/* Another account's object is no object: the same fault as an unknown IPID,
 * and its RemRelease frees nothing. */
static void test_other_accounts_object(void **state)
{
	struct tbuf s = {0};
	struct ifptr f;
	struct dconn d;
	struct rpc_uuid iid;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	stub_ping(&s, 7);
	dconn_open(&d, PORT_ICPR, BOB, BOB_PW);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, s.p, s.len);
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CASIGCERTCOUNT, 0, CAPROP_TYPE_LONG);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	dconn_close(&d);
	assert_int_equal(dcom_table_lookup(w.dcom, (const struct rpc_uuid *)f.ipid, ALICE, 0,
					   &iid, NULL), 0);
	assert_int_not_equal(dcom_table_lookup(w.dcom, (const struct rpc_uuid *)f.ipid, BOB, 0,
					       &iid, NULL), 0);
	tb_free(&s);
}

/* Stubs that do not decode: the fault nca_s_fault_ndr, the connection goes on. */
static void test_stub_does_not_decode(void **state)
{
	struct tbuf s = {0};
	struct ifptr f;
	struct dconn d;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CASIGCERTCOUNT, 0, CAPROP_TYPE_LONG);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len - 3);
	expect_fault(&d, NCA_S_FAULT_NDR);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, 10);
	expect_fault(&d, NCA_S_FAULT_NDR);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_REQUEST2, f.ipid, s.p, s.len);
	expect_fault(&d, NCA_S_FAULT_NDR);
	/* a string whose actual count passes its maximum and the stub */
	s.p[44 + 1] = 0xff;
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	expect_fault(&d, NCA_S_FAULT_NDR);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_QI2, NULL, NULL, 0);
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	{
		struct rpc_uuid ru;

		dcom_table_remunknown_ipid(w.dcom, &ru);
		call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_QI2, (const uint8_t *)&ru, ref_remqi2, 40);
		expect_fault(&d, NCA_S_FAULT_NDR);
	}
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CASIGCERTCOUNT, 0, CAPROP_TYPE_LONG);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	dconn_close(&d);
	/* the activator's and the resolver's */
	dconn_open(&d, PORT_EPM, ALICE, ALICE_PW);
	call(&d, CTX_SCM, DCOM_ACT_OPNUM_CREATEINSTANCE, NULL, ref_rci_stub, 100);
	expect_fault(&d, NCA_S_FAULT_NDR);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_RESOLVE_OXID2, NULL, ref_resolve_oxid2, 7);
	expect_fault(&d, NCA_S_FAULT_NDR);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_SERVER_ALIVE2, NULL, NULL, 0);
	assert_int_equal(resp_hr(&d), 0);
	dconn_close(&d);
	tb_free(&s);
}

/* A COM version the server does not speak: RPC_E_VERSION_MISMATCH. */
static void test_orpcthis_version(void **state)
{
	struct tbuf s = {0};
	struct ifptr f;
	struct dconn d;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	stub_ping(&s, 0x7fff);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, s.p, s.len);
	expect_fault(&d, DCOM_RPC_E_VERSION_MISMATCH);
	stub_ping(&s, 7);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	/* IRemUnknown2's RemRelease: the fault */
	{
		struct rpc_uuid ru;

		dcom_table_remunknown_ipid(w.dcom, &ru);
		s.len = 0;
		put_orpcthis(&s, 0x7fff);
		tb_u16(&s, 1);
		tb_pad(&s, 0, 4, 0);
		tb_u32(&s, 1);
		tb_put(&s, f.ipid, 16);
		tb_u32(&s, 5);
		tb_u32(&s, 0);
		call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_RELEASE, (const uint8_t *)&ru, s.p, s.len);
		expect_fault(&d, DCOM_RPC_E_VERSION_MISMATCH);
	}
	dconn_close(&d);
	/* activation: the HRESULT */
	{
		uint8_t act[sizeof(ref_rci_stub)];

		memcpy(act, ref_rci_stub, sizeof(act));
		assert_int_equal(rb_le16(act), 5);
		act[2] = 0xff;
		act[3] = 0x7f;
		dconn_open(&d, PORT_EPM, ALICE, ALICE_PW);
		call(&d, CTX_SCM, DCOM_ACT_OPNUM_CREATEINSTANCE, NULL, act, sizeof(act));
		assert_int_equal(resp_hr(&d), DCOM_RPC_E_VERSION_MISMATCH);
		dconn_close(&d);
	}
	/* the object is alive still (the refused RemRelease released nothing) */
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, s.p, 0);
	expect_fault(&d, NCA_S_FAULT_NDR);
	stub_ping(&s, 7);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	dconn_close(&d);
	tb_free(&s);
}

/* Activation without a logon: E_ACCESSDENIED, no object made. With one: an
 * object (the OXID the table's). */
static void test_activation_needs_logon(void **state)
{
	struct ifptr f;
	struct dconn d;

	(void)state;
	dconn_open(&d, PORT_EPM, NULL, NULL);
	assert_int_equal(activate(&d, &f), DCOM_E_ACCESSDENIED);
	/* RemoteGetClassObject too */
	call(&d, CTX_SCM, DCOM_ACT_OPNUM_GETCLASSOBJECT, NULL, ref_rgco_stub,
	     sizeof(ref_rgco_stub));
	assert_int_equal(resp_hr(&d), DCOM_E_ACCESSDENIED);
	dconn_close(&d);
	dconn_open(&d, PORT_EPM, ALICE, ALICE_PW);
	assert_int_equal(activate(&d, &f), 0);
	call(&d, CTX_SCM, DCOM_ACT_OPNUM_GETCLASSOBJECT, NULL, ref_rgco_stub,
	     sizeof(ref_rgco_stub));
	assert_int_equal(resp_hr(&d), DCOM_E_NOINTERFACE);
	dconn_close(&d);
}

/* ServerAlive2 and ServerAlive without a logon: answered (status 0). Pings
 * without one: OR_INVALID_SET. */
static void test_server_alive_without_logon(void **state)
{
	struct dconn d;

	(void)state;
	dconn_open(&d, PORT_EPM, NULL, NULL);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_SERVER_ALIVE2, NULL, NULL, 0);
	assert_int_equal(resp_hr(&d), 0);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_SERVER_ALIVE, NULL, NULL, 0);
	assert_int_equal(resp_hr(&d), 0);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_SIMPLE_PING, NULL, ref_simple_ping,
	     sizeof(ref_simple_ping));
	assert_int_equal(resp_hr(&d), DCOM_OR_INVALID_SET);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_COMPLEX_PING, NULL, ref_complex_ping,
	     sizeof(ref_complex_ping));
	assert_int_equal(resp_hr(&d), DCOM_OR_INVALID_SET);
	dconn_close(&d);
}

/* ResolveOxid2 of another OXID: OR_INVALID_OXID; of the table's: 0, with the
 * IRemUnknown IPID. */
static void test_resolve_oxid2(void **state)
{
	uint8_t stub[sizeof(ref_resolve_oxid2)];
	uint64_t oxid = dcom_table_oxid(w.dcom);
	struct rpc_uuid ru;
	struct dconn d;
	const uint8_t *s;
	size_t n;

	(void)state;
	memcpy(stub, ref_resolve_oxid2, sizeof(stub));
	for (int i = 0; i < 8; i++)
		stub[i] = (uint8_t)((oxid + 1) >> (8 * i));
	dconn_open(&d, PORT_EPM, NULL, NULL);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_RESOLVE_OXID2, NULL, stub, sizeof(stub));
	assert_int_equal(resp_hr(&d), DCOM_OR_INVALID_OXID);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_RESOLVE_OXID, NULL, stub, sizeof(stub) - 4);
	if (d.b.p[2] == RPC_PT_RESPONSE)
		assert_int_equal(resp_hr(&d), DCOM_OR_INVALID_OXID);
	for (int i = 0; i < 8; i++)
		stub[i] = (uint8_t)(oxid >> (8 * i));
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_RESOLVE_OXID2, NULL, stub, sizeof(stub));
	assert_int_equal(resp_hr(&d), 0);
	s = resp_stub(&d, &n);
	dcom_table_remunknown_ipid(w.dcom, &ru);
	assert_non_null(memmem(s, n, &ru, 16));
	dconn_close(&d);
}

/* GetCAProperty and GetCACert against the core: values as the core has them,
 * E_INVALIDARG for what MS-WCCE names so. */
static void test_ca_property_paths(void **state)
{
	struct tbuf s = {0};
	struct ifptr f;
	struct dconn d;
	const uint8_t *v;
	size_t n;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	/* CASIGCERTCOUNT: answered as a CAINFO (the CA's counters; one signing
	 * certificate) */
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CASIGCERTCOUNT, 0, CAPROP_TYPE_LONG);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), 0);
	assert_int_equal(n, CAPROP_CAINFO_LEN);
	assert_int_equal(rb_le32(v), CAPROP_CAINFO_LEN);
	assert_int_equal(rb_le32(v + 8), 1);
	/* CANAME: the CA's name, UTF-16LE with its NUL */
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CANAME, 0, CAPROP_TYPE_STRING);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), 0);
	assert_int_equal(n, 2 * sizeof(CA_NAME));
	for (size_t i = 0; i < sizeof(CA_NAME); i++)
		assert_int_equal(rb_le16(v + 2 * i), (uint8_t)CA_NAME[i]);
	/* CASIGCERT[0]: the core's certificate */
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CASIGCERT, 0, CAPROP_TYPE_BINARY);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), 0);
	assert_int_equal(n, core.ca.cert.der.len);
	assert_memory_equal(v, core.ca.cert.der.data, n);
	/* the wrong type, an unknown id, an index past the count, an index on a
	 * property without one, another authority */
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CASIGCERTCOUNT, 0, CAPROP_TYPE_STRING);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_INVALIDARG);
	stub_getcaproperty(&s, CA_NAME, 9999, 0, CAPROP_TYPE_LONG);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_INVALIDARG);
	stub_getcaproperty(&s, CA_NAME, -5, 0, CAPROP_TYPE_LONG);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_INVALIDARG);
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CASIGCERT, 7, CAPROP_TYPE_BINARY);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_INVALIDARG);
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CASIGCERTCOUNT, 1, CAPROP_TYPE_LONG);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_INVALIDARG);
	stub_getcaproperty(&s, "Some Other CA", CR_PROP_CASIGCERTCOUNT, 0, CAPROP_TYPE_LONG);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_INVALIDARG);
	/* GetCACert(GETCERT_CASIGCERT) on ICertRequestD: the certificate */
	stub_getcacert(&s, GETCERT_CASIGCERT);
	call(&d, CTX_CERTREQ, WCCE_OPNUM_GETCACERT, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), 0);
	assert_int_equal(n, core.ca.cert.der.len);
	assert_memory_equal(v, core.ca.cert.der.data, n);
	/* an fchain that names nothing */
	stub_getcacert(&s, 0x7a7a7a7a);
	call(&d, CTX_CERTREQ, WCCE_OPNUM_GETCACERT, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_INVALIDARG);
	dconn_close(&d);
	tb_free(&s);
}

/* The per-owner cap (32 by default): the 33rd activation is E_OUTOFMEMORY,
 * the others' objects untouched; another account still activates; a release
 * makes room. */
static void test_table_cap(void **state)
{
	struct ifptr f, first;
	struct dconn d;
	unsigned made = 0;

	(void)state;
	dconn_open(&d, PORT_EPM, ALICE, ALICE_PW);
	for (;;) {
		uint32_t hr = activate(&d, &f);

		if (hr != 0) {
			assert_int_equal(hr, DCOM_E_OUTOFMEMORY);
			break;
		}
		if (made++ == 0)
			first = f;
		assert_true(made <= 32);
	}
	assert_int_equal(made, 32);
	dconn_close(&d);
	activated(BOB, BOB_PW, &f);
	/* alice's first object released (5 public references): room for one more */
	{
		struct tbuf s = {0};
		struct rpc_uuid ru;
		struct dconn c;

		put_orpcthis(&s, 7);
		tb_u16(&s, 1);
		tb_pad(&s, 0, 4, 0);
		tb_u32(&s, 1);
		tb_put(&s, first.ipid, 16);
		tb_u32(&s, 5);
		tb_u32(&s, 0);
		dcom_table_remunknown_ipid(w.dcom, &ru);
		dconn_open(&c, PORT_ICPR, ALICE, ALICE_PW);
		call(&c, CTX_REMUNK2, DCOM_REMUNK_OPNUM_RELEASE, (const uint8_t *)&ru, s.p, s.len);
		assert_int_equal(resp_hr(&c), 0);
		dconn_close(&c);
		tb_free(&s);
	}
	dconn_open(&d, PORT_EPM, ALICE, ALICE_PW);
	assert_int_equal(activate(&d, &f), 0);
	assert_int_equal(activate(&d, &f), DCOM_E_OUTOFMEMORY);
	dconn_close(&d);
}

/* RemQueryInterface (IRemUnknown) on the object's IPID: ICertRequestD is
 * served (a new IPID on the same object, which then answers Ping); IClassFactory
 * and IRemUnknown2 are not interfaces of a CCertRequestD: E_NOINTERFACE each,
 * and no IPID of theirs exists afterwards. RemQueryInterface2 of an unknown
 * IPID fails every IID with the call's HRESULT. */
static void test_remqi_interfaces(void **state)
{
	static const uint8_t iid_certreq[16] = {0x70, 0x6e, 0x9e, 0xd9, 0x88, 0xfc, 0xd0, 0x11,
						0xb4, 0x98, 0x00, 0xa0, 0xc9, 0x03, 0x12, 0xf3};
	static const uint8_t iid_classfactory[16] = {0x01, 0, 0, 0, 0, 0, 0, 0,
						     0xc0, 0, 0, 0, 0, 0, 0, 0x46};
	static const uint8_t iid_remunk2[16] = {0x43, 0x01, 0, 0, 0, 0, 0, 0,
						0xc0, 0, 0, 0, 0, 0, 0, 0x46};
	const uint8_t *iids[3] = {iid_certreq, iid_classfactory, iid_remunk2};
	struct rpc_uuid ru, iid;
	struct tbuf s = {0}, p = {0};
	struct ifptr f;
	struct dconn d;
	const uint8_t *r;
	size_t n;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	dcom_table_remunknown_ipid(w.dcom, &ru);
	put_orpcthis(&s, 7);
	tb_put(&s, f.ipid, 16);
	tb_u32(&s, 5);
	tb_u16(&s, 3);
	tb_pad(&s, 0, 4, 0);
	tb_u32(&s, 3);
	for (int i = 0; i < 3; i++)
		tb_put(&s, iids[i], 16);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_QI, (const uint8_t *)&ru, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	r = resp_stub(&d, &n);
	assert_int_equal(n, 16 + 3 * 48 + 4);
	assert_int_equal(rb_le32(r + 12), 3);
	assert_int_equal(rb_le32(r + 16), 0);
	assert_int_equal(rb_le32(r + 16 + 48), DCOM_E_NOINTERFACE);
	assert_int_equal(rb_le32(r + 16 + 96), DCOM_E_NOINTERFACE);
	{
		uint8_t ipid[16];

		memcpy(ipid, r + 24 + 24, 16);
		assert_int_equal(dcom_table_lookup(w.dcom, (const struct rpc_uuid *)ipid, ALICE, 0,
						   &iid, NULL), 0);
		assert_true(rpc_uuid_eq(&iid, &dcom_iid_icertrequestd));
		stub_ping(&p, 7);
		call(&d, CTX_CERTREQ, WCCE_OPNUM_PING, ipid, p.p, p.len);
		assert_int_equal(resp_hr(&d), 0);
		/* an ICertRequestD pointer is no ICertRequestD2 pointer */
		call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, ipid, p.p, p.len);
		expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
		/* what failed left no IPID behind */
		for (int k = 1; k < 3; k++) {
			memcpy(ipid, r + 16 + 48 * k + 8 + 24, 16);
			assert_int_not_equal(dcom_table_lookup(w.dcom,
							       (const struct rpc_uuid *)ipid, ALICE,
							       0, &iid, NULL), 0);
		}
	}
	/* RemQueryInterface2 of an IPID that is not alice's */
	s.len = 0;
	put_orpcthis(&s, 7);
	tb_put(&s, (const uint8_t *)&ru, 16);
	tb_u16(&s, 1);
	tb_pad(&s, 0, 4, 0);
	tb_u32(&s, 1);
	tb_put(&s, iid_certreq, 16);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_QI2, (const uint8_t *)&ru, s.p, s.len);
	assert_int_equal(resp_hr(&d), DCOM_RPC_E_INVALID_IPID);
	r = resp_stub(&d, &n);
	assert_int_equal(rb_le32(r + 8), 1);
	assert_int_equal(rb_le32(r + 12), DCOM_RPC_E_INVALID_IPID);
	dconn_close(&d);
	tb_free(&s);
	tb_free(&p);
}

/* Where packet privacy is required (IF_ENFORCEENCRYPTICERTREQUEST), an object
 * activated at connect level (activation needs a logon, any level) is the
 * caller's, but its methods answer E_ACCESSDENIED at connect level: the CA's
 * properties, Ping2 and Request alike. */
static void test_wrong_level(void **state)
{
	struct tbuf s = {0};
	struct ifptr f;
	struct dconn d;
	const uint8_t *v;
	size_t n;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CANAME, 0, CAPROP_TYPE_STRING);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_ACCESSDENIED);
	stub_getcacert(&s, GETCERT_CASIGCERT);
	call(&d, CTX_CERTREQ, WCCE_OPNUM_GETCACERT, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), HR_E_ACCESSDENIED);
	stub_ping(&s, 7);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, s.p, s.len);
	assert_int_equal(resp_hr(&d), HR_E_ACCESSDENIED);
	call(&d, CTX_CERTREQ, WCCE_OPNUM_REQUEST, f.ipid, ref_wcce_request,
	     sizeof(ref_wcce_request));
	assert_int_equal(resp_hr(&d), HR_E_ACCESSDENIED);
	dconn_close(&d);
	tb_free(&s);
}

/* RemRelease and RemAddRef games on alice's object: more references than
 * allowed are refused and change nothing; releasing more than held frees the
 * object (its IPID then unknown everywhere); releasing it again, or bob's
 * releasing alice's, answers RPC_E_INVALID_IPID and frees nothing. */
static void test_release_games(void **state)
{
	struct tbuf s = {0}, p = {0};
	struct ifptr f, g;
	struct rpc_uuid ru, iid;
	struct dconn d;
	const uint8_t *r;
	size_t n;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	activated(ALICE, ALICE_PW, &g);
	dcom_table_remunknown_ipid(w.dcom, &ru);
	stub_ping(&p, 7);
	/* bob releases alice's g: nothing happens */
	put_orpcthis(&s, 7);
	tb_u16(&s, 1);
	tb_pad(&s, 0, 4, 0);
	tb_u32(&s, 1);
	tb_put(&s, g.ipid, 16);
	tb_u32(&s, 0xffffffffu);
	tb_u32(&s, 0xffffffffu);
	dconn_open(&d, PORT_ICPR, BOB, BOB_PW);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_RELEASE, (const uint8_t *)&ru, s.p, s.len);
	assert_int_equal(resp_hr(&d), DCOM_RPC_E_INVALID_IPID);
	dconn_close(&d);
	assert_int_equal(dcom_table_lookup(w.dcom, (const struct rpc_uuid *)g.ipid, ALICE, 0,
					   &iid, NULL), 0);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	/* AddRef past the bound: refused per element, the object unchanged */
	s.len = 0;
	put_orpcthis(&s, 7);
	tb_u16(&s, 2);
	tb_pad(&s, 0, 4, 0);
	tb_u32(&s, 2);
	tb_put(&s, f.ipid, 16);
	tb_u32(&s, 0xffffffffu);
	tb_u32(&s, 0);
	tb_put(&s, f.ipid, 16);
	tb_u32(&s, 1);
	tb_u32(&s, 0);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_ADDREF, (const uint8_t *)&ru, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	r = resp_stub(&d, &n);
	assert_int_equal(n, 8 + 4 + 8 + 4);
	assert_int_equal(rb_le32(r + 8), 2);
	assert_int_equal(rb_le32(r + 12), DCOM_E_OUTOFMEMORY);
	assert_int_equal(rb_le32(r + 16), 0);
	/* release everything of f (and more): freed */
	s.len = 0;
	put_orpcthis(&s, 7);
	tb_u16(&s, 1);
	tb_pad(&s, 0, 4, 0);
	tb_u32(&s, 1);
	tb_put(&s, f.ipid, 16);
	tb_u32(&s, 0xffffffffu);
	tb_u32(&s, 0xffffffffu);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_RELEASE, (const uint8_t *)&ru, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, p.p, p.len);
	expect_fault(&d, DCOM_RPC_E_INVALID_IPID);
	call(&d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_RELEASE, (const uint8_t *)&ru, s.p, s.len);
	assert_int_equal(resp_hr(&d), DCOM_RPC_E_INVALID_IPID);
	/* g lives on */
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_PING2, g.ipid, p.p, p.len);
	assert_int_equal(resp_hr(&d), 0);
	dconn_close(&d);
	tb_free(&s);
	tb_free(&p);
}

/* Every property of the table at indexes 0, 1, 2 and -1 (the newest), and every
 * GetCACert code's low word at index 0: each answered (a value, E_INVALIDARG
 * or CERTSRV_E_PROPERTY_EMPTY), the custodian still serving afterwards (a
 * compromised worker asks it no more than this: caprop_check bounds what
 * reaches it). */
static void test_property_sweep(void **state)
{
	static const int32_t idx[] = {0, 1, 2, -1};
	struct tbuf s = {0};
	struct ifptr f;
	struct dconn d;
	const uint8_t *v;
	size_t n;
	unsigned values = 0;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	for (int32_t id = 0; id <= 64; id++) {
		const struct caprop_info *pi = caprop_find(id);

		for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++) {
			uint32_t hr;

			stub_getcaproperty(&s, CA_NAME, id, idx[k],
					   pi != NULL ? pi->type : CAPROP_TYPE_LONG);
			call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
			hr = blob_answer(&d, &v, &n);
			if (hr == 0)
				values++;
			else if (hr != HR_E_INVALIDARG && hr != HR_CERTSRV_E_PROPERTY_EMPTY)
				fail_msg("property %d[%d]: 0x%08x", id, idx[k], hr);
			if (pi == NULL)
				assert_int_equal(hr, HR_E_INVALIDARG);
		}
	}
	assert_true(values >= 30);
	for (uint32_t code = 0; code < 0x100; code++) {
		uint32_t hr;

		stub_getcacert(&s, code);
		call(&d, CTX_CERTREQ, WCCE_OPNUM_GETCACERT, f.ipid, s.p, s.len);
		hr = blob_answer(&d, &v, &n);
		if (hr != 0 && hr != HR_E_INVALIDARG && hr != HR_CERTSRV_E_PROPERTY_EMPTY)
			fail_msg("GetCACert 0x%08x: 0x%08x", code, hr);
	}
	stub_getcacert(&s, GETCERT_CASIGCERT);
	call(&d, CTX_CERTREQ, WCCE_OPNUM_GETCACERT, f.ipid, s.p, s.len);
	assert_int_equal(blob_answer(&d, &v, &n), 0);
	assert_memory_equal(v, core.ca.cert.der.data, n);
	dconn_close(&d);
	tb_free(&s);
}

/* Connections of two accounts in threads, each activating, calling and
 * releasing objects at once: every call answered as it should be, and every
 * object gone at the end (alice's whole quota free again). */
#define RACE_THREADS 4
#define RACE_ROUNDS 12

struct racer {
	const char *user, *password;
	pthread_t thread;
	int bad; /* calls answered otherwise than expected */
	char why[4][64];
};

static void release_all(struct dconn *d, const struct rpc_uuid *ru, const uint8_t ipid[16],
			uint32_t *hr)
{
	struct tbuf s = {0};

	put_orpcthis(&s, 7);
	tb_u16(&s, 1);
	tb_pad(&s, 0, 4, 0);
	tb_u32(&s, 1);
	tb_put(&s, ipid, 16);
	tb_u32(&s, 0xffffffffu);
	tb_u32(&s, 0xffffffffu);
	call(d, CTX_REMUNK2, DCOM_REMUNK_OPNUM_RELEASE, (const uint8_t *)ru, s.p, s.len);
	*hr = d->b.p[2] == RPC_PT_RESPONSE ? resp_hr(d) : 0x10000000u | rb_le32(d->b.p + 24);
	tb_free(&s);
}

static void *racer_thread(void *arg)
{
	struct racer *r = arg;
	struct dconn e, i;
	struct tbuf p = {0};
	struct rpc_uuid ru;

	dcom_table_remunknown_ipid(w.dcom, &ru);
	stub_ping(&p, 7);
	dconn_open(&e, PORT_EPM, r->user, r->password);
	dconn_open(&i, PORT_ICPR, r->user, r->password);
	for (int k = 0; k < RACE_ROUNDS; k++) {
		struct ifptr f;
		uint32_t hr;

		uint32_t ahr = activate(&e, &f);

		if (ahr != 0) {
			snprintf(r->why[r->bad++ % 4], 64, "%d activation: 0x%08x", k, ahr);
			continue;
		}
		call(&i, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, p.p, p.len);
		if (i.b.p[2] != RPC_PT_RESPONSE || resp_hr(&i) != 0)
			snprintf(r->why[r->bad++ % 4], 64, "%d ping: type %u 0x%08x", k, i.b.p[2],
				 rb_le32(i.b.p + 24));
		release_all(&i, &ru, f.ipid, &hr);
		if (hr != 0)
			snprintf(r->why[r->bad++ % 4], 64, "%d release: 0x%08x", k, hr);
		call(&i, CTX_CERTREQ2, WCCE_OPNUM_PING2, f.ipid, p.p, p.len);
		if (i.b.p[2] != RPC_PT_FAULT || rb_le32(i.b.p + 24) != DCOM_RPC_E_INVALID_IPID)
			snprintf(r->why[r->bad++ % 4], 64, "%d ping after: type %u", k, i.b.p[2]);
	}
	dconn_close(&e);
	dconn_close(&i);
	tb_free(&p);
	return NULL;
}

static void test_threads(void **state)
{
	struct racer r[RACE_THREADS];
	struct ifptr f;
	struct dconn d;
	unsigned made = 0;

	(void)state;
	for (int t = 0; t < RACE_THREADS; t++) {
		memset(&r[t], 0, sizeof(r[t]));
		r[t].user = t % 2 ? BOB : ALICE;
		r[t].password = t % 2 ? BOB_PW : ALICE_PW;
		assert_int_equal(pthread_create(&r[t].thread, NULL, racer_thread, &r[t]), 0);
	}
	for (int t = 0; t < RACE_THREADS; t++) {
		pthread_join(r[t].thread, NULL);
		for (int k = 0; k < r[t].bad && k < 4; k++)
			print_message("thread %d (%s): %s\n", t, r[t].user, r[t].why[k]);
		assert_int_equal(r[t].bad, 0);
	}
	dconn_open(&d, PORT_EPM, ALICE, ALICE_PW);
	while (activate(&d, &f) == 0)
		made++;
	assert_int_equal(made, 32);
	dconn_close(&d);
}

/* A call whose stub comes in fragments of 4,096 octets (the last flagged). */
static void call_fragmented(struct dconn *d, uint16_t ctx, uint16_t opnum, const uint8_t *obj,
			    const uint8_t *stub, size_t n)
{
	uint32_t id = d->call_id++;

	for (size_t at = 0; at < n; at += 4096) {
		size_t k = n - at < 4096 ? n - at : 4096;
		uint8_t flags = (uint8_t)((at == 0 ? RPC_PFC_FIRST_FRAG : 0) |
					  (at + k == n ? RPC_PFC_LAST_FRAG : 0));

		d->b.len = 0;
		rb_request(&d->b, id, flags, ctx, opnum, obj, stub + at, k, NULL);
		link_send_all(d->l.fds[0], &d->b);
	}
	expect_pdu(d);
}

/* Huge stubs, in fragments: a GetCAProperty followed by 256 KiB, an
 * activation of 256 KiB, a ResolveOxid2 of 256 KiB: each the fault
 * nca_s_fault_ndr (nothing after a stub's end is taken), the connection going
 * on. */
static void test_huge_stubs(void **state)
{
	const size_t big = 256 * 1024;
	uint8_t *junk = calloc(1, big + 4096);
	struct tbuf s = {0};
	struct ifptr f;
	struct dconn d;

	(void)state;
	assert_non_null(junk);
	activated(ALICE, ALICE_PW, &f);
	dconn_open(&d, PORT_ICPR, ALICE, ALICE_PW);
	stub_getcaproperty(&s, CA_NAME, CR_PROP_CANAME, 0, CAPROP_TYPE_STRING);
	memcpy(junk, s.p, s.len);
	call_fragmented(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, junk, big);
	expect_fault(&d, NCA_S_FAULT_NDR);
	call(&d, CTX_CERTREQ2, WCCE_OPNUM_GETCAPROPERTY, f.ipid, s.p, s.len);
	assert_int_equal(resp_hr(&d), 0);
	dconn_close(&d);
	dconn_open(&d, PORT_EPM, NULL, NULL);
	memset(junk, 0x41, big);
	call_fragmented(&d, CTX_SCM, DCOM_ACT_OPNUM_CREATEINSTANCE, NULL, junk, big);
	expect_fault(&d, NCA_S_FAULT_NDR);
	memcpy(junk, ref_resolve_oxid2, sizeof(ref_resolve_oxid2));
	call_fragmented(&d, CTX_OXID, DCOM_OXID_OPNUM_RESOLVE_OXID2, NULL, junk, big);
	expect_fault(&d, NCA_S_FAULT_NDR);
	call(&d, CTX_OXID, DCOM_OXID_OPNUM_SERVER_ALIVE2, NULL, NULL, 0);
	assert_int_equal(resp_hr(&d), 0);
	dconn_close(&d);
	free(junk);
	tb_free(&s);
}

/* A ComplexPing stub: setid, one OID to add (0: none), none to delete. */
static void stub_complex_ping(struct tbuf *b, uint64_t setid, uint64_t add)
{
	b->len = 0;
	tb_u32(b, (uint32_t)setid);
	tb_u32(b, (uint32_t)(setid >> 32));
	tb_u16(b, 1);
	tb_u16(b, add != 0);
	tb_u16(b, 0);
	tb_pad(b, 0, 4, 0);
	if (add != 0) {
		tb_u32(b, 0x00020000);
		tb_u32(b, 1);
		tb_u32(b, (uint32_t)add);
		tb_u32(b, (uint32_t)(add >> 32));
	} else {
		tb_u32(b, 0);
	}
	tb_u32(b, 0);
}

/* Ping sets over the wire: alice's set of her object pinged; bob can neither
 * ping her set nor add her OID to one of his; a fifth set of alice's is
 * refused (ERROR_OUTOFMEMORY) while her four live. */
static void test_ping_sets(void **state)
{
	struct tbuf s = {0};
	struct ifptr f, g;
	struct dconn a, b;
	const uint8_t *r;
	uint64_t setid;
	size_t n;

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	activated(BOB, BOB_PW, &g);
	dconn_open(&a, PORT_EPM, ALICE, ALICE_PW);
	dconn_open(&b, PORT_EPM, BOB, BOB_PW);
	stub_complex_ping(&s, 0, f.oid);
	call(&a, CTX_OXID, DCOM_OXID_OPNUM_COMPLEX_PING, NULL, s.p, s.len);
	assert_int_equal(resp_hr(&a), 0);
	r = resp_stub(&a, &n);
	setid = (uint64_t)rb_le32(r) | (uint64_t)rb_le32(r + 4) << 32;
	assert_int_not_equal(setid, 0);
	s.len = 0;
	tb_u32(&s, (uint32_t)setid);
	tb_u32(&s, (uint32_t)(setid >> 32));
	call(&a, CTX_OXID, DCOM_OXID_OPNUM_SIMPLE_PING, NULL, s.p, s.len);
	assert_int_equal(resp_hr(&a), 0);
	call(&b, CTX_OXID, DCOM_OXID_OPNUM_SIMPLE_PING, NULL, s.p, s.len);
	assert_int_equal(resp_hr(&b), DCOM_OR_INVALID_SET);
	stub_complex_ping(&s, setid, g.oid);
	call(&b, CTX_OXID, DCOM_OXID_OPNUM_COMPLEX_PING, NULL, s.p, s.len);
	assert_int_equal(resp_hr(&b), DCOM_OR_INVALID_SET);
	stub_complex_ping(&s, 0, f.oid);
	call(&b, CTX_OXID, DCOM_OXID_OPNUM_COMPLEX_PING, NULL, s.p, s.len);
	assert_int_equal(resp_hr(&b), DCOM_OR_INVALID_OID);
	for (int k = 0; k < 3; k++) {
		stub_complex_ping(&s, 0, 0);
		call(&a, CTX_OXID, DCOM_OXID_OPNUM_COMPLEX_PING, NULL, s.p, s.len);
		assert_int_equal(resp_hr(&a), 0);
	}
	call(&a, CTX_OXID, DCOM_OXID_OPNUM_COMPLEX_PING, NULL, s.p, s.len);
	assert_int_equal(resp_hr(&a), DCOM_TABLE_ERROR_OUTOFMEMORY);
	/* bob's own set still comes */
	call(&b, CTX_OXID, DCOM_OXID_OPNUM_COMPLEX_PING, NULL, s.p, s.len);
	assert_int_equal(resp_hr(&b), 0);
	dconn_close(&a);
	dconn_close(&b);
	tb_free(&s);
}

/* An interface on the other port: the ICPR port's ICertRequestD2 bound on the
 * endpoint-mapper port, the activator bound on the ICPR port: the context is
 * refused and a call on it faults, whoever calls and with a valid IPID. */
static void test_wrong_port(void **state)
{
	struct rb_ctx ctx[2] = {{0, NULL, rb_ndr, 1}, {1, NULL, rb_ndr, 1}};
	struct tbuf s = {0};
	struct ifptr f;
	struct dconn d;
	static const struct {
		enum worker_port port;
		const uint8_t *syn;
		uint16_t opnum;
	} wrong[] = {{PORT_EPM, syn_certreq2, WCCE_OPNUM_PING2},
		     {PORT_EPM, syn_remunk2, DCOM_REMUNK_OPNUM_RELEASE},
		     {PORT_ICPR, syn_scm, DCOM_ACT_OPNUM_CREATEINSTANCE},
		     {PORT_ICPR, syn_oxid, DCOM_OXID_OPNUM_SERVER_ALIVE2}};

	(void)state;
	activated(ALICE, ALICE_PW, &f);
	stub_ping(&s, 7);
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		memset(&d, 0, sizeof(d));
		d.call_id = 1;
		link_open(&d.l, &w, wrong[i].port);
		/* context 0: an interface of the port (the bind stands), 1: the other's */
		ctx[0].abstract = wrong[i].port == PORT_EPM ? syn_oxid : syn_certreq2;
		ctx[1].abstract = wrong[i].syn;
		rb_bind(&d.b, RPC_PT_BIND, d.call_id++, 5840, 5840, 0, ctx, 2, NULL);
		link_send_all(d.l.fds[0], &d.b);
		expect_pdu(&d);
		assert_int_equal(d.b.p[2], RPC_PT_BIND_ACK);
		call(&d, 1, wrong[i].opnum, f.ipid, s.p, s.len);
		expect_fault(&d, NCA_S_UNK_IF);
		/* the port's own interface still answers */
		if (wrong[i].port == PORT_EPM) {
			call(&d, 0, DCOM_OXID_OPNUM_SERVER_ALIVE2, NULL, NULL, 0);
			assert_int_equal(resp_hr(&d), 0);
		}
		dconn_close(&d);
	}
	tb_free(&s);
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
	account_line(f, BOB, BOB_PW);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_opnum_out_of_range, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_wrong_ipid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_accounts_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stub_does_not_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orpcthis_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_activation_needs_logon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_alive_without_logon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_oxid2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ca_property_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remqi_interfaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_level, setup_enforce, teardown),
		cmocka_unit_test_setup_teardown(test_release_games, setup, teardown),
		cmocka_unit_test_setup_teardown(test_property_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_stubs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_port, setup, teardown),
	};
	int rc;

	rb_init_syntaxes();
	rb_syntax(syn_scm, "000001a0-0000-0000-c000-000000000046", 0, 0);
	rb_syntax(syn_oxid, "99fcfec4-5260-101b-bbcb-00aa0021347a", 0, 0);
	rb_syntax(syn_remunk, "00000131-0000-0000-c000-000000000046", 0, 0);
	rb_syntax(syn_remunk2, "00000143-0000-0000-c000-000000000046", 0, 0);
	rb_syntax(syn_certreq, "d99e6e70-fc88-11d0-b498-00a0c90312f3", 0, 0);
	rb_syntax(syn_certreq2, "5422fd3a-d4b8-4cef-a12e-e87d4ca22e90", 0, 0);
	if (accounts_make() != 0 || core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	unlink(accounts);
	rmdir(dir);
	return rc;
}
