/* The custodian's checks of CMS and CMC requests (firmware/custodian/cmsreq.c,
 * issue 16) and the CMS paths of the template policy (tpolicy.c:
 * tpolicy_decide_cms, tpolicy_parts_renewal), on a core made by
 * support/core_harness.c: a real SoftHSM token, the ceremony's CA, a real ledger,
 * the custodian's own service. The certificates renewed and the agents'
 * certificates are issued by that core as a worker asks (User at once,
 * EnrollmentAgent after an officer's resubmit), revoked with the officer's verb;
 * the requests are built at test time by the independent builder
 * (tests/integration/cms_build.py through support/cmsreq_build.py: asn1crypto
 * and cryptography, run as /usr/bin/python3), another CA's certificates by the
 * openssl CLI, and derived by derive_request, the custodian's one path. Each
 * refusal is checked with its exact HRESULT and message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/common/request.h"
#include "firmware/custodian/admin.h"
#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/cmsreq.h"
#include "firmware/custodian/derive.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/submit.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/custodian/tpolicy.h"
#include "firmware/icpr/hresult.h"
#include "firmware/identity/attrs.h"
#include "firmware/ledger/row.h"
#include "firmware/policy/template.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

#define BUILD "/usr/bin/python3 tests/unit/support/cmsreq_build.py"
#define ALICE "EXAMPLE\\alice"
#define BOB "EXAMPLE\\bob"
#define CAROL "EXAMPLE\\carol"
#define OFFICER "olivia"
#define OID_USER "1.3.6.1.4.1.311.21.8.1.1"
#define OID_MACHINE "1.3.6.1.4.1.311.21.8.1.2"
#define OID_AGENT_EKU "1.3.6.1.4.1.311.20.2.1"

static struct core_ca ca_template;
static struct core core;
static char msg[1024];
/* the request under test, derived (freed by teardown: what cmsreq_check gave
 * must not point into it, ASan says so) */
static struct derived d;
static int have_d;
static struct cmsreq q;

/* ---- the core ---- */

static int setup(void **state)
{
	(void)state;
	memset(&q, 0, sizeof q);
	have_d = 0;
	if (oracle_dir() == NULL || core_start(&core, &ca_template, &(struct core_opts){0}) != 0 ||
	    core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cmsreq_free(&q);
	if (have_d)
		derived_free(&d);
	have_d = 0;
	core_stop(&core);
	return 0;
}

static struct submit_ctx *sub(void)
{
	return core_admin(&core)->sub;
}

/* ---- the oracle's files ---- */

static const char *P(const char *name)
{
	return oracle_path(name);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[8192];
	char *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (oracle_run(&out, "%s", cmd) != 0)
		fail_msg("%s\n%s", cmd, out != NULL ? out : "");
	free(out);
}

static void load(const char *name, struct x509_buf *out)
{
	assert_int_equal(oracle_read(P(name), out), 0);
}

/* A key file (PEM, P-256) made by the openssl CLI. */
static void genkey(const char *label)
{
	char name[64];

	snprintf(name, sizeof name, "%s.key", label);
	sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '%s' 2>&1",
	   P(name));
}

/* "KEY,CERT" of a certificate label (label.key, label.der), then opts. */
static const char *signer(const char *label, const char *opts)
{
	static char buf[4][2048];
	static int i;
	char k[64], c[64], *out = buf[i++ % 4];

	snprintf(k, sizeof k, "%s.key", label);
	snprintf(c, sizeof c, "%s.der", label);
	snprintf(out, 2048, "--signer '%s,%s%s%s'", P(k), P(c), opts[0] ? "," : "", opts);
	return out;
}

/* The builder's request (args) into req.der. */
static void build(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void build(const char *fmt, ...)
{
	char args[6144];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof args, fmt, ap);
	va_end(ap);
	sh("%s build --out '%s' %s 2>&1", BUILD, P("req.der"), args);
}

/* ---- accounts and certificates the core issues ---- */

static void attrs_of(const char *who, struct id_attrs *at)
{
	const char *user = strchr(who, '\\') + 1;

	memset(at, 0, sizeof *at);
	snprintf(at->upn, sizeof at->upn, "%s@example.test", user);
	snprintf(at->email, sizeof at->email, "%s@example.test", user);
	snprintf(at->sid, sizeof at->sid, "S-1-5-21-1-2-3-%d", 1100 + (int)user[0]);
	if (strcmp(who, CAROL) == 0) {
		at->n_groups = 1;
		snprintf(at->groups[0], sizeof at->groups[0], "Domain Admins");
	}
}

static void account_of(const char *who, struct policy_account *a)
{
	struct id_attrs at;
	struct idtoken t;

	attrs_of(who, &at);
	memset(&t, 0, sizeof t);
	snprintf(t.identity, sizeof t.identity, "%s", who);
	snprintf(t.upn, sizeof t.upn, "%s", at.upn);
	snprintf(t.email, sizeof t.email, "%s", at.email);
	snprintf(t.sid, sizeof t.sid, "%s", at.sid);
	t.n_groups = at.n_groups;
	for (size_t i = 0; i < at.n_groups; i++)
		snprintf(t.groups[i], sizeof t.groups[i], "%s", at.groups[i]);
	tpolicy_account(&t, NULL, a);
}

/* CUST_SUBMIT of raw as the worker sends it: by who (a token with the account's
 * attributes), the call's attributes, and for on behalf of an account the token
 * ca-auth minted for it (the same logon). */
static void submit_as(const char *who, uint32_t format, const struct x509_buf *raw,
		      const char *attributes, const char *subject_for, struct core_answer *a)
{
	struct cust_submit *cs = calloc(1, sizeof *cs);
	uint8_t tok[IDTOKEN_MAX], st[IDTOKEN_MAX];
	size_t tl = 0, sl = 0;
	struct id_attrs at;
	struct ipc_wbuf w;

	assert_non_null(cs);
	attrs_of(who, &at);
	core_token_attrs(&core, NULL, who, &at, (int64_t)time(NULL) + 3600, tok, &tl);
	cs->format = format;
	cs->who.token = tok;
	cs->who.token_len = tl;
	cs->request = raw->data;
	cs->request_len = raw->len;
	snprintf(cs->attributes, sizeof cs->attributes, "%s", attributes);
	if (subject_for != NULL) {
		attrs_of(subject_for, &at);
		core_subject_token(&core, subject_for, &at, (int64_t)time(NULL) + 3600, st,
				 &sl);
		cs->subject_token = st;
		cs->subject_token_len = sl;
	}
	ipc_wbuf_init(&w);
	cust_submit_encode(&w, cs);
	free(cs);
	assert_int_equal(core_answer(&core, core_send(&core, CUST_SUBMIT, &w), a), 0);
}

static void save_cert(const char *label, const uint8_t *der, size_t len)
{
	char name[64];

	snprintf(name, sizeof name, "%s.der", label);
	assert_int_equal(oracle_write(P(name), der, len), 0);
}

/* A User certificate for who over a new key label.key, issued at once: label.der. */
static void user_cert(const char *who, const char *label)
{
	struct x509_buf csr;
	struct core_answer a;

	assert_int_equal(core_csr("CN=ignored", "p256", label, label, &csr), 0);
	submit_as(who, FMT_PKCS10, &csr, "CertificateTemplate:User\n", NULL, &a);
	assert_int_equal(a.kind, CUST_RESULT);
	if (a.result.disposition != DISP_ISSUED)
		fail_msg("User for %s: %u %s", who, a.result.disposition, a.result.message);
	save_cert(label, a.result.cert, a.result.cert_len);
	core_answer_free(&a);
	x509_buf_free(&csr);
}

/* An EnrollmentAgent certificate for CAROL (pending, then resubmitted by an
 * officer): label.key, label.der. */
static void agent_cert(const char *label)
{
	struct x509_buf csr;
	struct core_answer a;
	struct adm_result r;
	struct ipc_wbuf w;

	assert_int_equal(core_csr("CN=ignored", "p256", label, label, &csr), 0);
	submit_as(CAROL, FMT_PKCS10, &csr, "CertificateTemplate:EnrollmentAgent\n", NULL, &a);
	assert_int_equal(a.kind, CUST_RESULT);
	if (a.result.disposition != DISP_PENDING)
		fail_msg("EnrollmentAgent: %u %s", a.result.disposition, a.result.message);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, a.result.request_id, &w,
					  msg, sizeof msg),
			 0);
	assert_int_equal(adm_result_decode(w.data, w.len, &r), 0);
	assert_int_equal(r.disposition, DISP_ISSUED);
	save_cert(label, r.cert, r.cert_len);
	ipc_wbuf_free(&w);
	core_answer_free(&a);
	x509_buf_free(&csr);
}

static void cert_of(const char *label, struct x509_cert_info *ci)
{
	struct x509_buf der;
	char name[64], err[256];

	snprintf(name, sizeof name, "%s.der", label);
	load(name, &der);
	if (x509_cert_decode(der.data, der.len, ci, err, sizeof err) != 0)
		fail_msg("%s: %s", name, err);
	x509_buf_free(&der);
}

static void revoke(const char *label)
{
	struct x509_cert_info ci;

	cert_of(label, &ci);
	assert_int_equal(officer_revoke(core_admin(&core), OFFICER, ci.serial.data, ci.serial.len,
					1, 0, 0, msg, sizeof msg),
			 0);
	x509_cert_info_free(&ci);
}

/* ---- the checks ---- */

/* req.der derived into d (the custodian's path). */
static void derive(void)
{
	struct x509_buf raw;
	struct policy pol;

	if (have_d)
		derived_free(&d);
	have_d = 0;
	load("req.der", &raw);
	policy_defaults(&pol);
	if (derive_request(&pol, raw.data, raw.len, &d, msg, sizeof msg) != 0)
		fail_msg("derive_request: %s", msg);
	have_d = 1;
	x509_buf_free(&raw);
}

/* cmsreq_check of req.der for requester, with the core's ledger (or c). */
static uint32_t check_with(struct submit_ctx *c, const char *requester)
{
	derive();
	cmsreq_free(&q);
	msg[0] = 0;
	return cmsreq_check(c, &d, requester, &q, msg, sizeof msg);
}

static uint32_t check(const char *requester)
{
	return check_with(sub(), requester);
}

static void refused(const char *requester, uint32_t hr, const char *words)
{
	uint32_t got = check(requester);

	if (got != hr || strstr(msg, words) == NULL)
		fail_msg("got 0x%08x '%s', expected 0x%08x '%s'", got, msg, hr, words);
}

/* The 1-based place among the derived request's signers of the one label's
 * certificate signs as (by_ski: named by its key identifier, else by issuer and
 * serial). SignerInfos is a DER SET OF: the builder's order is not kept. */
static size_t at_of(const char *label, int by_ski)
{
	struct x509_cert_info ci;
	size_t at = 0;

	cert_of(label, &ci);
	for (size_t i = 0; i < d.cms->n_signers && at == 0; i++) {
		const struct cms_signer *sg = &d.cms->signers[i];

		if (by_ski ? sg->key_id.len == ci.ski_len &&
				     memcmp(sg->key_id.data, ci.ski, ci.ski_len) == 0
			   : sg->serial.len == ci.serial.len &&
				     memcmp(sg->serial.data, ci.serial.data, ci.serial.len) == 0)
			at = i + 1;
	}
	x509_cert_info_free(&ci);
	if (at == 0)
		fail_msg("%s signs nowhere in the request", label);
	return at;
}

/* refused() with the words "WHAT N's REST", N the place of label's signer. */
static void refused_at(const char *requester, uint32_t hr, const char *what, const char *label,
		       int by_ski, const char *rest)
{
	uint32_t got = check(requester);
	char words[256];

	snprintf(words, sizeof words, "%s %zu's %s", what, at_of(label, by_ski), rest);
	if (got != hr || strstr(msg, words) == NULL)
		fail_msg("got 0x%08x '%s', expected 0x%08x '%s'", got, msg, hr, words);
}

static void accepted(const char *requester, enum cmsreq_kind kind)
{
	uint32_t got = check(requester);

	if (got != 0)
		fail_msg("refused 0x%08x: %s", got, msg);
	assert_int_equal(q.kind, kind);
}

/* ---- RequesterName (no core) ---- */

static void nv_set(struct cms_namevalue *nv, const char *name, const char *value)
{
	snprintf(nv->name, sizeof nv->name, "%s", name);
	snprintf(nv->value, sizeof nv->value, "%s", value);
}

static void test_requester_name(void **state)
{
	struct cms_request *r = calloc(1, sizeof *r);
	char out[CMS_NV_TEXT_MAX];

	(void)state;
	assert_non_null(r);
	r->n_signers = 2;
	/* none: another pair only */
	nv_set(&r->signers[0].nv[0], "CertificateTemplate", "User");
	r->signers[0].n_nv = 1;
	assert_int_equal(cmsreq_requester_name(r, out, sizeof out, msg, sizeof msg), 0);
	assert_string_equal(out, "");
	/* one in a signer's signed attributes (the second signer) */
	nv_set(&r->signers[1].nv[0], "RequesterName", BOB);
	r->signers[1].n_nv = 1;
	assert_int_equal(cmsreq_requester_name(r, out, sizeof out, msg, sizeof msg), 1);
	assert_string_equal(out, BOB);
	/* one among the CMC controls */
	r->signers[1].n_nv = 0;
	nv_set(&r->nv[0], "RequesterName", BOB);
	r->n_nv = 1;
	assert_int_equal(cmsreq_requester_name(r, out, sizeof out, msg, sizeof msg), 1);
	assert_string_equal(out, BOB);
	/* two equal: a signer's and a control's */
	r->signers[1].n_nv = 1;
	assert_int_equal(cmsreq_requester_name(r, out, sizeof out, msg, sizeof msg), 1);
	assert_string_equal(out, BOB);
	/* the name's case does not matter */
	nv_set(&r->nv[0], "rEQUESTERnAME", BOB);
	nv_set(&r->signers[1].nv[0], "REQUESTERNAME", BOB);
	assert_int_equal(cmsreq_requester_name(r, out, sizeof out, msg, sizeof msg), 1);
	assert_string_equal(out, BOB);
	/* two different: in a control and a signer */
	nv_set(&r->nv[0], "RequesterName", ALICE);
	msg[0] = 0;
	assert_int_equal(cmsreq_requester_name(r, out, sizeof out, msg, sizeof msg), -1);
	assert_string_equal(msg, "the request names two accounts (RequesterName)");
	/* two different in two signers */
	r->n_nv = 0;
	nv_set(&r->signers[0].nv[1], "RequesterName", ALICE);
	r->signers[0].n_nv = 2;
	msg[0] = 0;
	assert_int_equal(cmsreq_requester_name(r, out, sizeof out, msg, sizeof msg), -1);
	assert_string_equal(msg, "the request names two accounts (RequesterName)");
	/* empty */
	r->signers[0].n_nv = 1;
	nv_set(&r->signers[1].nv[0], "RequesterName", "");
	msg[0] = 0;
	assert_int_equal(cmsreq_requester_name(r, out, sizeof out, msg, sizeof msg), -1);
	assert_string_equal(msg, "the request names an empty account (RequesterName)");
	free(r);
}

/* ---- renewal ---- */

/* ALICE renews her User certificate with a new key: the kind, the owner, the
 * certificate decoded; CMS and CMC alike. */
static void test_renewal(void **state)
{
	struct x509_buf der;

	(void)state;
	user_cert(ALICE, "a1");
	load("a1.der", &der);
	build("--renewal '%s' %s", P("a1.der"), signer("a1", ""));
	accepted(ALICE, CMSREQ_RENEWAL);
	assert_true(q.have_old);
	assert_string_equal(q.owner, ALICE);
	assert_int_equal(q.n_agents, 0);
	assert_memory_equal(q.old.der.data, der.data, der.len);
	assert_int_equal(q.old.der.len, der.len);
	/* the owner's name in any case (accounts are case-insensitive) */
	accepted("example\\ALICE", CMSREQ_RENEWAL);
	/* CMC, the signer named by its key identifier */
	build("--cmc --renewal '%s' %s", P("a1.der"), signer("a1", "ski"));
	accepted(ALICE, CMSREQ_RENEWAL);
	assert_string_equal(q.owner, ALICE);
	x509_buf_free(&der);
}

static void test_renewal_attribute(void **state)
{
	(void)state;
	user_cert(ALICE, "a1");
	user_cert(ALICE, "a2");
	build("--renewal-junk %s", signer("a1", ""));
	refused(ALICE, HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE,
		"the renewal certificate attribute is not a certificate");
	/* not carried: its signer's certificate left out */
	build("--renewal '%s' %s", P("a1.der"), signer("a1", "nocert"));
	refused(ALICE, HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE,
		"the certificate to renew is not among the request's signers' certificates");
	/* carried, but signed by another of hers */
	build("--renewal '%s' --carry '%s' %s", P("a1.der"), P("a1.der"), signer("a2", ""));
	refused(ALICE, HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE,
		"the certificate to renew is not among the request's signers' certificates");
}

/* Another CA's certificate; one with this CA's name signed by another key. */
static void test_renewal_not_ours(void **state)
{
	(void)state;
	sh("%s foreign '%s' f1 2>&1", BUILD, oracle_dir());
	build("--renewal '%s' %s", P("f1.der"), signer("f1", ""));
	refused(ALICE, HR_CERT_E_UNTRUSTEDROOT, "the certificate to renew was not issued by this CA");
	assert_int_equal(oracle_write_pem(P("ca.pem"), "CERTIFICATE", &sub()->ca->cert.der), 0);
	sh("%s forge '%s' '%s' g1 2>&1", BUILD, P("ca.pem"), oracle_dir());
	build("--renewal '%s' %s", P("g1.der"), signer("g1", ""));
	refused(ALICE, HR_CERT_E_UNTRUSTEDROOT, "the certificate to renew was not issued by this CA");
	/* the CA's own certificate (its name, its key's signature): not one it
	 * issued to anyone (signed here by another key: the check comes first) */
	assert_int_equal(oracle_write(P("ca.der"), sub()->ca->cert.der.data,
				      sub()->ca->cert.der.len), 0);
	sh("cp '%s' '%s'", P("g1.key"), P("ca.key"));
	build("--renewal '%s' %s", P("ca.der"), signer("ca", ""));
	refused(ALICE, HR_CERT_E_UNTRUSTEDROOT,
		"the certificate to renew is not one this CA issued (not in its ledger)");
	build("%s", signer("ca", "nv=RequesterName=EXAMPLE\\bob"));
	refused(ALICE, HR_CERT_E_UNTRUSTEDROOT,
		"enrollment agent 1's certificate is not one this CA issued (not in its ledger)");
}

/* A certificate the CA's own key signs (on the token: ca_sign, then
 * x509_cert_assemble, as the custodian's lint does) over label's
 * TBSCertificate changed at byte at (xor 0x01): one the ledger never recorded.
 * Written as out.der. */
static void resign(const char *label, size_t at, const char *out)
{
	struct ca *ca = sub()->ca;
	struct x509_cert_info ci;
	struct x509_buf tbs, cert = {0};
	uint8_t sig[1024];
	size_t sig_len = sizeof sig;
	char err[256];

	cert_of(label, &ci);
	tbs.len = ci.tbs.len;
	tbs.data = malloc(tbs.len);
	assert_non_null(tbs.data);
	memcpy(tbs.data, ci.tbs.data, tbs.len);
	tbs.data[at] ^= 0x01;
	if (ca_sign(ca, &ca->sign_key, ca->sigalg, &tbs, sig, &sig_len, err, sizeof err) != 0)
		fail_msg("ca_sign: %s", err);
	assert_int_equal(x509_cert_assemble(&tbs, ca->sigalg, sig, sig_len, &cert), 0);
	save_cert(out, cert.data, cert.len);
	x509_buf_free(&cert);
	x509_buf_free(&tbs);
	x509_cert_info_free(&ci);
}

/* Where the last byte of label's subject is in its TBSCertificate, and where its
 * serial's last byte is. */
static size_t tbs_offset_of(const char *label, int serial)
{
	struct x509_cert_info ci;
	const struct x509_buf *f;
	const uint8_t *at;
	size_t off;

	cert_of(label, &ci);
	f = serial ? &ci.serial : &ci.subject;
	at = memmem(ci.tbs.data, ci.tbs.len, f->data, f->len);
	assert_non_null(at);
	off = (size_t)(at - ci.tbs.data) + f->len - 1;
	x509_cert_info_free(&ci);
	return off;
}

/* The CA's key signed it, its issuer is the CA's, but the ledger holds no such
 * certificate: another serial, or other bytes under a real serial. */
static void test_renewal_not_in_ledger(void **state)
{
	(void)state;
	user_cert(ALICE, "a1");
	resign("a1", tbs_offset_of("a1", 1), "s1");
	sh("cp '%s' '%s'", P("a1.key"), P("s1.key"));
	build("--renewal '%s' %s", P("s1.der"), signer("s1", ""));
	refused(ALICE, HR_CERT_E_UNTRUSTEDROOT,
		"the certificate to renew is not one this CA issued (not in its ledger)");
	resign("a1", tbs_offset_of("a1", 0), "s2");
	sh("cp '%s' '%s'", P("a1.key"), P("s2.key"));
	build("--renewal '%s' %s", P("s2.der"), signer("s2", ""));
	refused(ALICE, HR_CERT_E_UNTRUSTEDROOT,
		"the certificate to renew is not one this CA issued (not in its ledger)");
}

static void test_renewal_refusals(void **state)
{
	(void)state;
	user_cert(ALICE, "a1");
	/* a bad signature of the certificate's key */
	build("--renewal '%s' %s", P("a1.der"), signer("a1", "tamper"));
	refused(ALICE, HR_NTE_BAD_SIGNATURE, "signer 1's signature does not verify");
	/* another caller */
	build("--renewal '%s' %s", P("a1.der"), signer("a1", ""));
	refused(BOB, HR_CERTSRV_E_BAD_RENEWAL_SUBJECT,
		"the certificate to renew was issued to EXAMPLE\\alice, not to the caller");
	/* the signature is checked before the caller */
	build("--renewal '%s' %s", P("a1.der"), signer("a1", "tamper"));
	refused(BOB, HR_NTE_BAD_SIGNATURE, "signer 1's signature does not verify");
	/* every signer beside the renewed certificate's verifies too */
	sh("%s foreign '%s' f1 2>&1", BUILD, oracle_dir());
	build("--renewal '%s' %s %s", P("a1.der"), signer("a1", ""), signer("f1", "tamper"));
	refused_at(ALICE, HR_NTE_BAD_SIGNATURE, "signer", "f1", 0, "signature does not verify");
	build("--renewal '%s' %s %s", P("a1.der"), signer("a1", ""), signer("f1", "nocert"));
	refused_at(ALICE, HR_NTE_BAD_SIGNATURE, "signer", "f1", 0,
		   "certificate is not in the request");
	/* a renewal on behalf of another */
	build("--renewal '%s' %s", P("a1.der"), signer("a1", "nv=RequesterName=EXAMPLE\\bob"));
	refused(ALICE, HR_E_INVALIDARG,
		"a renewal on behalf of another account (CR_IN_ROBO) is not supported");
	build("--cmc --cmc-nv 'RequesterName=EXAMPLE\\bob' --renewal '%s' %s", P("a1.der"),
	      signer("a1", ""));
	refused(ALICE, HR_E_INVALIDARG,
		"a renewal on behalf of another account (CR_IN_ROBO) is not supported");
	/* revoked (before the signature is looked at) */
	revoke("a1");
	build("--renewal '%s' %s", P("a1.der"), signer("a1", ""));
	refused(ALICE, HR_CRYPT_E_REVOKED, "the certificate to renew is revoked");
	build("--renewal '%s' %s", P("a1.der"), signer("a1", "tamper"));
	refused(ALICE, HR_CRYPT_E_REVOKED, "the certificate to renew is revoked");
}

/* On hold is revoked; released, the certificate renews again. */
static void test_renewal_hold(void **state)
{
	struct x509_cert_info ci;

	(void)state;
	user_cert(ALICE, "a1");
	cert_of("a1", &ci);
	assert_int_equal(officer_revoke(core_admin(&core), OFFICER, ci.serial.data, ci.serial.len,
					6, 0, 0, msg, sizeof msg),
			 0);
	build("--renewal '%s' %s", P("a1.der"), signer("a1", ""));
	refused(ALICE, HR_CRYPT_E_REVOKED, "the certificate to renew is revoked");
	assert_int_equal(officer_unrevoke(core_admin(&core), OFFICER, ci.serial.data,
					  ci.serial.len, msg, sizeof msg),
			 0);
	accepted(ALICE, CMSREQ_RENEWAL);
	x509_cert_info_free(&ci);
}

/* A bare PKCS#10 is not the CMS checks' to judge. */
static void test_not_cms(void **state)
{
	(void)state;
	sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '%s' "
	   "-subj /CN=x -outform DER -out '%s' 2>&1",
	   P("p10.key"), P("req.der"));
	assert_int_equal(check(ALICE), HR_E_INVALIDARG);
	assert_string_equal(msg, "not a CMS or CMC request");
}

/* ---- on behalf of ---- */

static void test_on_behalf(void **state)
{
	struct x509_cert_info agent, user;
	size_t ua;

	(void)state;
	agent_cert("c1");
	user_cert(ALICE, "a1");
	cert_of("c1", &agent);
	cert_of("a1", &user);
	/* the agent signing twice counts once */
	build("%s %s", signer("c1", "nv=RequesterName=EXAMPLE\\bob"), signer("c1", ""));
	accepted(CAROL, CMSREQ_ON_BEHALF);
	assert_string_equal(q.account, BOB);
	assert_int_equal(q.n_agents, 1);
	assert_int_equal(q.agents[0].serial_len, agent.serial.len);
	assert_memory_equal(q.agents[0].serial, agent.serial.data, agent.serial.len);
	assert_int_equal(q.agents[0].n_eku, 1);
	assert_string_equal(q.agents[0].eku[0], OID_AGENT_EKU);
	assert_false(q.have_old);
	/* two certificates: two agents, each with its EKUs (User's: EFS, e-mail,
	 * client authentication, in the certificate's order) */
	build("%s %s", signer("c1", "nv=RequesterName=EXAMPLE\\bob"), signer("a1", ""));
	accepted(CAROL, CMSREQ_ON_BEHALF);
	assert_int_equal(q.n_agents, 2);
	/* in the order of the signers (a DER SET OF: sorted by the encoder) */
	ua = at_of("a1", 0) - 1;
	assert_memory_equal(q.agents[ua].serial, user.serial.data, user.serial.len);
	assert_memory_equal(q.agents[1 - ua].serial, agent.serial.data, agent.serial.len);
	assert_int_equal(q.agents[1 - ua].n_eku, 1);
	assert_int_equal(q.agents[ua].n_eku, 3);
	assert_string_equal(q.agents[ua].eku[0], "1.3.6.1.4.1.311.10.3.4");
	assert_string_equal(q.agents[ua].eku[1], "1.3.6.1.5.5.7.3.4");
	assert_string_equal(q.agents[ua].eku[2], "1.3.6.1.5.5.7.3.2");
	/* the request's own key by its key identifier (Microsoft's CMC): verified,
	 * not an agent */
	build("--cmc --cmc-nv 'RequesterName=EXAMPLE\\bob' %s --own-ski", signer("c1", ""));
	accepted(CAROL, CMSREQ_ON_BEHALF);
	assert_string_equal(q.account, BOB);
	assert_int_equal(q.n_agents, 1);
	/* the own key alone: on behalf, no agent (the policy counts none) */
	build("--cmc --cmc-nv 'RequesterName=EXAMPLE\\bob' --own-ski");
	accepted(CAROL, CMSREQ_ON_BEHALF);
	assert_int_equal(q.n_agents, 0);
	x509_cert_info_free(&agent);
	x509_cert_info_free(&user);
}

/* The 1-based place of the one signer whose signature does not verify with
 * c1's key (firmware/x509's cms_signer_verify, test_x509_cms's subject): two
 * signers of one certificate are told apart only so. */
static size_t bad_one(void)
{
	struct x509_cert_info ci;
	size_t bad = 0;
	char err[256];

	cert_of("c1", &ci);
	for (size_t i = 0; i < d.cms->n_signers; i++)
		if (cms_signer_verify(d.cms, i, ci.spki.data, ci.spki.len, err, sizeof err) != 0) {
			assert_int_equal(bad, 0);
			bad = i + 1;
		}
	x509_cert_info_free(&ci);
	return bad;
}

static void test_on_behalf_refusals(void **state)
{
	char words[128];

	(void)state;
	agent_cert("c1");
	agent_cert("c2");
	sh("%s foreign '%s' f1 2>&1", BUILD, oracle_dir());
	build("%s", signer("f1", "nv=RequesterName=EXAMPLE\\bob"));
	refused(CAROL, HR_CERT_E_UNTRUSTEDROOT,
		"enrollment agent 1's certificate was not issued by this CA");
	/* a good agent first, another CA's second */
	build("%s %s", signer("c1", "nv=RequesterName=EXAMPLE\\bob"), signer("f1", ""));
	refused_at(CAROL, HR_CERT_E_UNTRUSTEDROOT, "enrollment agent", "f1", 0,
		   "certificate was not issued by this CA");
	assert_int_equal(oracle_write_pem(P("ca.pem"), "CERTIFICATE", &sub()->ca->cert.der), 0);
	sh("%s forge '%s' '%s' g1 2>&1", BUILD, P("ca.pem"), oracle_dir());
	build("%s", signer("g1", "nv=RequesterName=EXAMPLE\\bob"));
	refused(CAROL, HR_CERT_E_UNTRUSTEDROOT,
		"enrollment agent 1's certificate was not issued by this CA");
	/* an agent certificate the CA's key signed that the ledger does not hold */
	resign("c1", tbs_offset_of("c1", 1), "s1");
	sh("cp '%s' '%s'", P("c1.key"), P("s1.key"));
	build("%s", signer("s1", "nv=RequesterName=EXAMPLE\\bob"));
	refused(CAROL, HR_CERT_E_UNTRUSTEDROOT,
		"enrollment agent 1's certificate is not one this CA issued (not in its ledger)");
	build("%s", signer("c1", "tamper,nv=RequesterName=EXAMPLE\\bob"));
	refused(CAROL, HR_NTE_BAD_SIGNATURE, "signer 1's signature does not verify");
	/* the agent signing twice, once badly */
	build("%s %s", signer("c1", "nv=RequesterName=EXAMPLE\\bob"), signer("c1", "tamper"));
	assert_int_equal(check(CAROL), HR_NTE_BAD_SIGNATURE);
	snprintf(words, sizeof words, "signer %zu's signature does not verify", bad_one());
	assert_non_null(strstr(msg, words));
	/* a signer without a certificate that is not the request's key */
	build("%s %s", signer("c1", "nv=RequesterName=EXAMPLE\\bob"), signer("c2", "nocert"));
	refused_at(CAROL, HR_NTE_BAD_SIGNATURE, "signer", "c2", 0,
		   "certificate is not in the request");
	build("%s %s", signer("c1", "nv=RequesterName=EXAMPLE\\bob"), signer("c2", "nocert,ski"));
	refused_at(CAROL, HR_NTE_BAD_SIGNATURE, "signer", "c2", 1,
		   "certificate is not in the request");
	revoke("c2");
	build("%s %s", signer("c1", "nv=RequesterName=EXAMPLE\\bob"), signer("c2", ""));
	refused_at(CAROL, HR_CRYPT_E_REVOKED, "enrollment agent", "c2", 0,
		   "certificate is revoked");
	/* two names */
	build("--cmc --cmc-nv 'RequesterName=EXAMPLE\\alice' %s",
	      signer("c1", "nv=RequesterName=EXAMPLE\\bob"));
	refused(CAROL, HR_E_INVALIDARG, "the request names two accounts (RequesterName)");
}

/* ---- new ---- */

static void test_new(void **state)
{
	(void)state;
	user_cert(ALICE, "a1");
	sh("%s foreign '%s' f1 2>&1", BUILD, oracle_dir());
	/* signers are not relied on, whoever issued them: each must verify */
	build("%s %s", signer("a1", ""), signer("f1", ""));
	accepted(ALICE, CMSREQ_NEW);
	assert_int_equal(q.n_agents, 0);
	assert_string_equal(q.account, "");
	build("--cmc --own-ski");
	accepted(BOB, CMSREQ_NEW);
	build("%s %s", signer("a1", ""), signer("f1", "tamper"));
	refused_at(ALICE, HR_NTE_BAD_SIGNATURE, "signer", "f1", 0,
		   "signature does not verify");
	build("%s", signer("f1", "nocert"));
	refused(ALICE, HR_NTE_BAD_SIGNATURE, "signer 1's certificate is not in the request");
	/* a revoked signer of a new request is only a signature */
	revoke("a1");
	build("%s", signer("a1", ""));
	accepted(ALICE, CMSREQ_NEW);
}

/* Without a ledger the custodian cannot say whose a certificate is. */
static void test_no_ledger(void **state)
{
	struct submit_ctx c = *sub();

	(void)state;
	c.rec = NULL;
	build("--cmc --own-ski");
	assert_int_equal(check_with(&c, ALICE), HR_CRYPT_E_INVALID_MSG_TYPE);
	assert_string_equal(msg, "CMS and CMC requests need the ledger");
}

/* The owner of a certificate an agent asked for is the account it named (the
 * request's link): that account renews it, the agent does not.
 *
 * The agent's request goes through the core's CUST_SUBMIT, so cmsreq.c's
 * signature checks run on one of the custodian's service threads, not on the
 * verifier threads (verify_pool.h) that PKCS#10 signatures use: under ASan
 * (make SANITIZE=1) this test is the one that found wolfSSL's per-thread FP_ECC
 * cache left behind there, which cmsreq_check now frees
 * (x509_verify_thread_done). */
static void test_owner_on_behalf(void **state)
{
	struct x509_cert_info ci;
	struct ledger_cert_row cr;
	struct ledger_request_row row;
	struct x509_buf raw;
	struct core_answer a;
	char owner[LEDGER_NAME_MAX + 1], err[256];

	(void)state;
	agent_cert("c1");
	genkey("b1");
	build("--key '%s' %s", P("b1.key"), signer("c1", "nv=RequesterName=EXAMPLE\\bob"));
	load("req.der", &raw);
	submit_as(CAROL, FMT_CMS, &raw, "CertificateTemplate:User\n", BOB, &a);
	assert_int_equal(a.kind, CUST_RESULT);
	if (a.result.disposition != DISP_ISSUED)
		fail_msg("on behalf: %u %s", a.result.disposition, a.result.message);
	save_cert("b1", a.result.cert, a.result.cert_len);
	core_answer_free(&a);
	x509_buf_free(&raw);

	cert_of("b1", &ci);
	assert_int_equal(record_cert_by_serial(sub()->rec, ci.serial.data, ci.serial.len, &cr, err,
					       sizeof err),
			 0);
	assert_int_equal(record_get_request(sub()->rec, cr.request_id, &row, err, sizeof err), 0);
	assert_string_equal(row.requester, CAROL);
	assert_int_equal(cmsreq_owner(sub(), &row, owner, sizeof owner, err, sizeof err), 0);
	assert_string_equal(owner, BOB);
	x509_cert_info_free(&ci);

	build("--renewal '%s' %s", P("b1.der"), signer("b1", ""));
	accepted(BOB, CMSREQ_RENEWAL);
	assert_string_equal(q.owner, BOB);
	refused(CAROL, HR_CERTSRV_E_BAD_RENEWAL_SUBJECT,
		"the certificate to renew was issued to EXAMPLE\\bob, not to the caller");

	/* a certificate of one's own: its requester */
	user_cert(ALICE, "a1");
	cert_of("a1", &ci);
	assert_int_equal(record_cert_by_serial(sub()->rec, ci.serial.data, ci.serial.len, &cr, err,
					       sizeof err),
			 0);
	assert_int_equal(record_get_request(sub()->rec, cr.request_id, &row, err, sizeof err), 0);
	assert_int_equal(cmsreq_owner(sub(), &row, owner, sizeof owner, err, sizeof err), 0);
	assert_string_equal(owner, ALICE);
	x509_cert_info_free(&ci);
}

/* ---- the template policy of a CMS request ---- */

/* A store of the defaults with User changed by change (NULL: none) or removed. */
static void store_of(struct tmplstore *s, void (*change)(struct template *), int drop_user)
{
	size_t n;
	const struct template *t = template_defaults(&n);

	assert_int_equal(tmplstore_init(s), 0);
	s->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (drop_user && strcmp(t[i].name, "User") == 0)
			continue;
		s->t[s->n] = t[i];
		if (change != NULL && strcmp(t[i].name, "User") == 0)
			change(&s->t[s->n]);
		s->n++;
	}
}

static void no_renewal(struct template *t)
{
	t->renew_without_approval = 0;
}

static void pend_all(struct template *t)
{
	t->pend_all = 1;
}

static void newer(struct template *t)
{
	t->minor_version = 3;
}

static uint32_t decide(struct tmplstore *s, const char *attributes, const char *who,
		       struct tpolicy *tp)
{
	struct policy pol;
	struct policy_account acct;

	policy_defaults(&pol);
	account_of(who, &acct);
	msg[0] = 0;
	return tpolicy_decide_cms(s, &pol, &d, attributes, &q, &acct, tp, msg, sizeof msg);
}

static const struct x509_buf *ext_of(const struct x509_cert_info *ci, const char *oid)
{
	for (size_t i = 0; i < ci->n_ext; i++)
		if (strcmp(ci->ext[i].oid, oid) == 0)
			return &ci->ext[i].value;
	return NULL;
}

static void test_decide_renewal(void **state)
{
	struct tmplstore s;
	struct tpolicy tp;

	(void)state;
	user_cert(ALICE, "a1");
	/* the request names Machine (its extension) and WebServer (the call's
	 * attribute): the old certificate's template decides */
	build("--template %s --renewal '%s' %s", OID_MACHINE, P("a1.der"), signer("a1", ""));
	accepted(ALICE, CMSREQ_RENEWAL);
	store_of(&s, NULL, 0);
	assert_int_equal(decide(&s, "CertificateTemplate:WebServer\n", ALICE, &tp), 0);
	assert_int_equal(tp.d.outcome, POLICY_ISSUE);
	assert_non_null(tp.d.tmpl);
	assert_string_equal(tp.d.tmpl->name, "User");
	tpolicy_free(&tp);
	tmplstore_free(&s);

	store_of(&s, no_renewal, 0);
	assert_int_equal(decide(&s, "", ALICE, &tp), HR_CERTSRV_E_TEMPLATE_DENIED);
	assert_string_equal(msg, "The certificate template \"User\" does not allow renewal with "
				 "the previous certificate.");
	assert_int_equal(tp.d.outcome, POLICY_REFUSE);
	assert_int_equal(tp.d.hresult, HR_CERTSRV_E_TEMPLATE_DENIED);
	tpolicy_free(&tp);
	tmplstore_free(&s);

	store_of(&s, NULL, 1);
	assert_int_equal(decide(&s, "", ALICE, &tp), HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE);
	assert_int_equal(tp.d.hresult, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE);
	/* the template named is the renewed certificate's, and the message says so */
	assert_string_equal(msg, "The certificate to renew was issued from the template with "
				 "OID " OID_USER ", which this CA no longer has.");
	tpolicy_free(&tp);
	tmplstore_free(&s);

	/* pend_all: the previous certificate stands for the approval */
	store_of(&s, pend_all, 0);
	assert_int_equal(decide(&s, "", ALICE, &tp), 0);
	assert_int_equal(tp.d.outcome, POLICY_ISSUE);
	tpolicy_free(&tp);
	tmplstore_free(&s);
}

/* A certificate of the CA's without a template (the standalone policy, an
 * officer's resubmit) renews under none: refused. */
static void test_decide_no_template(void **state)
{
	struct tmplstore s;
	struct tpolicy tp;
	struct x509_buf csr;
	struct core_answer a;
	struct adm_result r;
	struct ipc_wbuf w;

	(void)state;
	assert_int_equal(core_csr("CN=alice", "p256", "p1", "p1", &csr), 0);
	submit_as(ALICE, FMT_PKCS10, &csr, "", NULL, &a);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_PENDING);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, a.result.request_id, &w,
					  msg, sizeof msg),
			 0);
	assert_int_equal(adm_result_decode(w.data, w.len, &r), 0);
	assert_int_equal(r.disposition, DISP_ISSUED);
	save_cert("p1", r.cert, r.cert_len);
	ipc_wbuf_free(&w);
	core_answer_free(&a);
	x509_buf_free(&csr);

	build("--template %s --renewal '%s' %s", OID_USER, P("p1.der"), signer("p1", ""));
	accepted(ALICE, CMSREQ_RENEWAL);
	store_of(&s, NULL, 0);
	assert_int_equal(decide(&s, "CertificateTemplate:User\n", ALICE, &tp),
			 HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE);
	assert_string_equal(msg, "the certificate to renew names no certificate template");
	assert_int_equal(tp.d.outcome, POLICY_REFUSE);
	assert_int_equal(tp.d.hresult, HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE);
	tpolicy_free(&tp);
	tmplstore_free(&s);
}

/* The renewal's parts: the old certificate's subject, SAN and SID extension
 * byte for byte, and the template's current extension. */
static void test_parts_renewal(void **state)
{
	struct tmplstore s;
	struct tpolicy tp;
	struct x509_cert_info old;
	uint8_t *v;
	size_t len;
	char err[256];

	(void)state;
	user_cert(ALICE, "a1");
	cert_of("a1", &old);
	build("--renewal '%s' %s", P("a1.der"), signer("a1", ""));
	accepted(ALICE, CMSREQ_RENEWAL);
	store_of(&s, newer, 0);
	assert_int_equal(decide(&s, "", BOB, &tp), 0);
	assert_int_equal(tpolicy_parts_renewal(&tp, &q.old, msg, sizeof msg), 0);
	assert_int_equal(tp.subject.len, old.subject.len);
	assert_memory_equal(tp.subject.data, old.subject.data, old.subject.len);
	assert_int_equal(tp.n_ext, 3);
	assert_string_equal(tp.ext[0].oid, "2.5.29.17");
	assert_non_null(ext_of(&old, "2.5.29.17"));
	assert_int_equal(tp.ext[0].len, ext_of(&old, "2.5.29.17")->len);
	assert_memory_equal(tp.ext[0].value, ext_of(&old, "2.5.29.17")->data, tp.ext[0].len);
	assert_string_equal(tp.ext[1].oid, "1.3.6.1.4.1.311.25.2");
	assert_non_null(ext_of(&old, "1.3.6.1.4.1.311.25.2"));
	assert_int_equal(tp.ext[1].len, ext_of(&old, "1.3.6.1.4.1.311.25.2")->len);
	assert_memory_equal(tp.ext[1].value, ext_of(&old, "1.3.6.1.4.1.311.25.2")->data,
			    tp.ext[1].len);
	/* the template's current version (1.3), not the old certificate's (1.0) */
	assert_string_equal(tp.ext[2].oid, "1.3.6.1.4.1.311.21.7");
	assert_int_equal(policy_template_ext_der(tp.d.tmpl, &v, &len, err, sizeof err), 0);
	assert_int_equal(tp.ext[2].len, len);
	assert_memory_equal(tp.ext[2].value, v, len);
	assert_false(ext_of(&old, "1.3.6.1.4.1.311.21.7")->len == len &&
		     memcmp(ext_of(&old, "1.3.6.1.4.1.311.21.7")->data, v, len) == 0);
	free(v);
	tpolicy_free(&tp);
	tmplstore_free(&s);
	x509_cert_info_free(&old);
}

/* A CMC request's regInfo follows the call's attributes (UTF-8 text only). */
static void test_decide_reg_info(void **state)
{
	struct tmplstore s;
	struct tpolicy tp;

	(void)state;
	store_of(&s, NULL, 0);
	build("--cmc --own-ski --reginfo 'CertificateTemplate:User'");
	accepted(ALICE, CMSREQ_NEW);
	assert_int_equal(decide(&s, "rmd:host1.example\n", ALICE, &tp), 0);
	assert_non_null(tp.d.tmpl);
	assert_string_equal(tp.d.tmpl->name, "User");
	tpolicy_free(&tp);
	/* the call's attribute and regInfo's: the template named twice */
	assert_int_equal(decide(&s, "CertificateTemplate:Machine\n", ALICE, &tp),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "the request's attributes cannot be read");
	tpolicy_free(&tp);
	assert_int_equal(decide(&s, "CertificateTemplate:User\n", ALICE, &tp), HR_E_INVALIDARG);
	tpolicy_free(&tp);
	/* the names compared ignoring case, as the reader does */
	assert_int_equal(decide(&s, "certificatetemplate:Machine\n", ALICE, &tp),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "the request's attributes cannot be read");
	tpolicy_free(&tp);
	/* regInfo holding a NUL is ignored too */
	build("--cmc --own-ski --reginfo-hex %s",
	      "436572746966696361746554656d706c6174653a4d616368696e6500"); /* ...:Machine\0 */
	accepted(ALICE, CMSREQ_NEW);
	assert_int_equal(decide(&s, "CertificateTemplate:User\n", ALICE, &tp), 0);
	assert_string_equal(tp.d.tmpl->name, "User");
	tpolicy_free(&tp);
	/* UTF-8 regInfo beyond ASCII is kept: it names the template alone */
	build("--cmc --own-ski --reginfo 'CertificateTemplate:User\nrmd:h\xc3\xa9te'");
	accepted(ALICE, CMSREQ_NEW);
	assert_int_equal(decide(&s, "", ALICE, &tp), 0);
	assert_string_equal(tp.d.tmpl->name, "User");
	tpolicy_free(&tp);
	/* regInfo that is not UTF-8 is ignored: the call's attribute decides */
	build("--cmc --own-ski --reginfo-hex %s",
	      "436572746966696361746554656d706c6174653a4d616368696e65ff"); /* ...:Machine\xff */
	accepted(ALICE, CMSREQ_NEW);
	assert_int_equal(decide(&s, "CertificateTemplate:User\n", ALICE, &tp), 0);
	assert_string_equal(tp.d.tmpl->name, "User");
	tpolicy_free(&tp);
	tmplstore_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requester_name),
		cmocka_unit_test_setup_teardown(test_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_attribute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_not_in_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_renewal_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_cms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_behalf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_behalf_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ledger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_on_behalf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_no_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parts_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decide_reg_info, setup, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
