/* CUST_RESPONSE (firmware/custodian/respond.c, proto.h): the PKCS#7 a worker puts
 * in pctbCert for CR_IN_FULLRESPONSE and CR_IN_CRLS, on a core made by
 * support/core_harness.c (a real SoftHSM token, the ceremony's CA, a real ledger,
 * the custodian's own service); requests arrive as a worker sends them. The CMC
 * full responses are read by oracles independent of the builder: `openssl cms
 * -verify` against the CA certificate and support/cmc_response.py (asn1crypto).
 * Also the channel's codec for the two new messages (msg.c). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/respond.h"
#include "firmware/icpr/icpr.h"
#include "firmware/ledger/event.h"
#include "hsm/hsm.h"
#include "hsm/internal.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

#define SCRIPT "/usr/bin/python3 tests/unit/support/cmc_response.py"
#define FULL ICPR_CR_IN_FULLRESPONSE
#define CRLS ICPR_CR_IN_CRLS
#define ALICE "EXAMPLE\\alice"
#define BOB "EXAMPLE\\bob"
#define OFFICER "olivia"
#define ANON "anonymous@192.0.2.7"

static struct core_ca ca_template;
static struct core core;
static char msg[1024];

static int setup_conf(const char *const *conf)
{
	struct core_opts o = {.conf = conf};

	if (core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

/* The default core: policy pend, anonymous calls refused. */
static int setup(void **state)
{
	(void)state;
	return setup_conf(NULL);
}

/* Anonymous calls allowed (no packet privacy can be asked of them). */
static int setup_anon(void **state)
{
	static const char *const conf[] = {"icpr_allow_anonymous=1",
					   "icpr_enforce_encryption=0", NULL};

	(void)state;
	return setup_conf(conf);
}

static int teardown(void **state)
{
	(void)state;
	core_stop(&core);
	return 0;
}

static void publish(int delta);

/* ---- requests in each state ---- */

/* A request by identity (or, NULL, by ANON), signed by signer (another key than
 * the request's: a failed request). Its id; its disposition in *disp. */
static uint32_t submit(const char *identity, const char *signer, uint32_t *disp)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;
	uint32_t id;

	assert_int_equal(core_csr("CN=host1.example", "p256", "host1", signer, &csr), 0);
	core_who(&core, identity, identity == NULL ? ANON : NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.kind, CUST_RESULT);
	id = a.result.request_id;
	*disp = a.result.disposition;
	core_answer_free(&a);
	x509_buf_free(&csr);
	return id;
}

static uint32_t pending(const char *identity)
{
	uint32_t disp, id = submit(identity, "host1", &disp);

	assert_int_equal(disp, DISP_PENDING);
	return id;
}

static uint32_t failed(void)
{
	uint32_t disp, id = submit(ALICE, "other", &disp);

	assert_int_equal(disp, DISP_FAILED);
	return id;
}

/* A pending request of ALICE's issued by the officer: its id, the certificate. */
static uint32_t issued(struct x509_buf *cert)
{
	struct adm_result r;
	struct ipc_wbuf w;
	uint32_t id = pending(ALICE);

	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, id, &w, msg, sizeof msg), 0);
	assert_false(w.failed);
	assert_int_equal(adm_result_decode(w.data, w.len, &r), 0);
	assert_int_equal(r.disposition, DISP_ISSUED);
	cert->data = malloc(r.cert_len);
	assert_non_null(cert->data);
	memcpy(cert->data, r.cert, r.cert_len);
	cert->len = r.cert_len;
	ipc_wbuf_free(&w);
	return id;
}

/* ---- CUST_RESPONSE as the worker sends it ---- */

struct answer {
	uint32_t type;       /* CUST_RESPONSE_IS, CUST_ERROR, or 0: the channel ended */
	struct x509_buf p7;  /* a copy */
	uint32_t left_out;
	uint32_t hresult;
	char message[CUST_MESSAGE_MAX + 1];
};

static void ask(const char *identity, const char *anonymous, uint32_t id, uint32_t flags,
		struct answer *out)
{
	struct cust_response q;
	struct core_who who;
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint32_t mid;
	int rc;

	memset(out, 0, sizeof(*out));
	core_who(&core, identity, anonymous, &who);
	memset(&q, 0, sizeof(q));
	q.request_id = id;
	q.flags = flags;
	q.who.token = who.token;
	q.who.token_len = who.token_len;
	if (anonymous != NULL)
		snprintf(q.who.requester, sizeof(q.who.requester), "%s", anonymous);
	ipc_wbuf_init(&w);
	cust_response_encode(&w, &q);
	mid = core_send(&core, CUST_RESPONSE, &w);
	rc = core_recv(&core, &m);
	assert_true(rc >= 0);
	if (rc == 0)
		return;
	assert_int_equal(m.hdr.id, mid);
	out->type = m.hdr.type;
	if (m.hdr.type == CUST_RESPONSE_IS) {
		struct cust_response_is a;

		assert_int_equal(cust_response_is_decode(m.data, m.hdr.len, &a), 0);
		out->p7.data = malloc(a.pkcs7_len);
		assert_non_null(out->p7.data);
		memcpy(out->p7.data, a.pkcs7, a.pkcs7_len);
		out->p7.len = a.pkcs7_len;
		out->left_out = a.crls_left_out;
	} else {
		struct cust_error e;

		assert_int_equal(m.hdr.type, CUST_ERROR);
		assert_int_equal(cust_error_decode(m.data, m.hdr.len, &e), 0);
		out->hresult = e.hresult;
		snprintf(out->message, sizeof(out->message), "%s", e.message);
	}
	ipc_msg_free(&m);
}

static void expect_error(const char *identity, const char *anonymous, uint32_t id,
			 uint32_t flags, uint32_t hr, const char *message)
{
	struct answer a;

	ask(identity, anonymous, id, flags, &a);
	assert_int_equal(a.type, CUST_ERROR);
	assert_int_equal(a.hresult, hr);
	assert_string_equal(a.message, message);
}

/* ---- oracles ---- */

static void sha1_hex(const struct x509_buf *b, char hex[41])
{
	char *out = NULL;
	const char *path = oracle_path("sha1.in");

	assert_int_equal(oracle_write(path, b->data, b->len), 0);
	assert_int_equal(oracle_run(&out, "sha1sum '%s'", path), 0);
	memcpy(hex, out, 40);
	hex[40] = 0;
	free(out);
}

/* The full response verified by openssl cms with the CA certificate as the only
 * trust anchor, then read by cmc_response.py: its output (free). */
static char *read_full(const struct x509_buf *p7)
{
	const char *path = oracle_path("resp.der");
	char *out = NULL, ca[PATH_MAX];

	assert_int_equal(oracle_write(path, p7->data, p7->len), 0);
	snprintf(ca, sizeof ca, "%s/ca.crt", core.dir);
	if (oracle_run(&out, "openssl cms -verify -inform DER -in '%s' -binary -CAfile '%s' "
			     "-purpose any -out /dev/null", path, ca) != 0 ||
	    strstr(out, "Verification successful") == NULL)
		fail_msg("openssl cms -verify: %s", out);
	free(out);
	out = NULL;
	if (oracle_run(&out, SCRIPT " '%s'", path) != 0)
		fail_msg("cmc_response.py: %s", out);
	return out;
}

static void expect_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return;
	fail_msg("expected line \"%s\" in:\n%s", line, text);
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	for (const char *p = text; p != NULL && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, len) == 0)
			n++;
	return n;
}

/* statusString: the request's disposition message as recorded, then tail. */
static void expect_status_string(const char *text, uint32_t id, const char *tail)
{
	struct ledger_request_row row;
	char err[256], line[1200];

	assert_int_equal(record_get_request(core_admin(&core)->sub->rec, id, &row, err,
					    sizeof err), 0);
	assert_true(row.message[0] != 0);
	snprintf(line, sizeof line, "statusString=%s%s", row.message, tail);
	expect_line(text, line);
}

/* The CA certificate's SHA-1 as a "cert=" line. */
static void expect_ca_cert(const char *text)
{
	char hex[41], line[64];

	sha1_hex(&core.ca.cert.der, hex);
	snprintf(line, sizeof line, "cert=%s", hex);
	expect_line(text, line);
}

/* ---- full responses ---- */

static void test_full_issued(void **state)
{
	struct x509_buf cert;
	struct answer a;
	char hex[41], line[128], *text;
	uint32_t id = issued(&cert);

	(void)state;
	ask(ALICE, NULL, id, FULL, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	assert_int_equal(a.left_out, 0);
	text = read_full(&a.p7);
	expect_line(text, "eContentType=1.3.6.1.5.5.7.12.3");
	expect_line(text, "status=0");
	expect_line(text, "bodyList=1");
	expect_line(text, "otherInfo=none");
	expect_status_string(text, id, "");
	/* the issued certificate first, its hash in the CMC attributes */
	sha1_hex(&cert, hex);
	snprintf(line, sizeof line, "cert=%s", hex);
	assert_non_null(strstr(text, line));
	assert_true(strstr(text, line) < strstr(text, "cert=") + 1);
	snprintf(line, sizeof line, "attr=1.3.6.1.4.1.311.21.17 %s", hex);
	expect_line(text, line);
	expect_ca_cert(text);
	assert_int_equal(count_lines(text, "crl="), 0);
	free(text);
	x509_buf_free(&a.p7);
	x509_buf_free(&cert);
}

/* Revoked since: still the certificate, status success (as a retrieval gives
 * the certificate); the CRL that lists it is carried with CRLS. */
static void test_full_revoked(void **state)
{
	struct x509_buf cert;
	struct x509_cert_info info;
	struct answer a;
	char err[256], hex[41], line[64], *text;
	uint32_t id = issued(&cert);

	(void)state;
	assert_int_equal(x509_cert_decode(cert.data, cert.len, &info, err, sizeof err), 0);
	assert_int_equal(officer_revoke(core_admin(&core), OFFICER, info.serial.data,
					info.serial.len, 1, 0, 0, msg, sizeof msg), 0);
	x509_cert_info_free(&info);
	publish(0);
	ask(ALICE, NULL, id, FULL | CRLS, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	text = read_full(&a.p7);
	expect_line(text, "status=0");
	sha1_hex(&cert, hex);
	snprintf(line, sizeof line, "cert=%s", hex);
	expect_line(text, line);
	assert_int_equal(count_lines(text, "crl="), 1);
	free(text);
	x509_buf_free(&a.p7);
	x509_buf_free(&cert);
}

static void test_full_pending(void **state)
{
	struct answer a;
	char line[64], *text;
	uint32_t id = pending(ALICE);

	(void)state;
	ask(ALICE, NULL, id, FULL, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	text = read_full(&a.p7);
	expect_line(text, "status=3");
	/* the request id as 4 little-endian bytes */
	snprintf(line, sizeof line, "pendToken=%02x000000", id);
	expect_line(text, line);
	expect_status_string(text, id, "");
	expect_ca_cert(text);
	assert_int_equal(count_lines(text, "cert="), 1); /* the chain only */
	free(text);
	x509_buf_free(&a.p7);
}

static void test_full_failed(void **state)
{
	struct answer a;
	char *text;
	uint32_t id = failed();

	(void)state;
	ask(ALICE, NULL, id, FULL, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	text = read_full(&a.p7);
	expect_line(text, "status=2");
	expect_line(text, "otherInfo=none"); /* failInfo only for BAD_REQUESTSUBJECT */
	expect_status_string(text, id, " (0x80090006)");
	free(text);
	x509_buf_free(&a.p7);
}

/* A CMC request: its bodyPartID in bodyList, its transactionId echoed, its
 * senderNonce as our recipientNonce (RFC 5272 6.6, 6.11); the request built by
 * support/cms_build.py (asn1crypto). */
static void test_full_cmc(void **state)
{
	struct x509_buf csr, cmc;
	struct core_who who;
	struct core_answer r;
	struct answer a;
	char *out = NULL, *text, csr_path[PATH_MAX], cmc_path[PATH_MAX];

	(void)state;
	assert_int_equal(core_csr("CN=cmc.example", "p256", "cmc", "cmc", &csr), 0);
	snprintf(csr_path, sizeof csr_path, "%s", oracle_path("cmc.csr"));
	snprintf(cmc_path, sizeof cmc_path, "%s", oracle_path("cmc.der"));
	assert_int_equal(oracle_write(csr_path, csr.data, csr.len), 0);
	if (oracle_run(&out, "/usr/bin/python3 tests/unit/support/cms_build.py sign "
			     "--cmc-csr '%s' --signer '%s' --tcr-id 7 "
			     "--control 1.3.6.1.5.5.7.7.5:020203e9 "
			     "--control 1.3.6.1.5.5.7.7.6:0408a1a2a3a4a5a6a7a8 --out '%s'",
		       csr_path, oracle_path("cmc.key"), cmc_path) != 0)
		fail_msg("cms_build.py: %s", out);
	free(out);
	assert_int_equal(oracle_read(cmc_path, &cmc), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_CMC, cmc.data, cmc.len, &r), 0);
	assert_int_equal(r.kind, CUST_RESULT);
	assert_int_not_equal(r.result.request_id, 0);
	ask(ALICE, NULL, r.result.request_id, FULL, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	text = read_full(&a.p7);
	expect_line(text, "bodyList=7");
	expect_line(text, "transactionId=1001");
	expect_line(text, "nonce=1.3.6.1.5.5.7.7.7 a1a2a3a4a5a6a7a8");
	assert_int_equal(count_lines(text, "nonce=1.3.6.1.5.5.7.7.6 "), 1); /* ours */
	free(text);
	x509_buf_free(&a.p7);
	core_answer_free(&r);
	x509_buf_free(&cmc);
	x509_buf_free(&csr);
}

/* ---- CRLs ---- */

static void publish(int delta)
{
	assert_int_equal(crl_publish(core_admin(&core), ACTOR_OPERATOR, OFFICER, delta, msg,
				     sizeof msg), 0);
}

/* The published CRL file's bytes. */
static void crl_file(const char *name, struct x509_buf *out)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/crl/%s", core.dir, name);
	assert_int_equal(oracle_read(path, out), 0);
}

/* A certs-only PKCS#7's CRLs and certificates as openssl reads them. */
static char *pkcs7_print(const struct x509_buf *p7)
{
	const char *path = oracle_path("p7.der");
	char *out = NULL;

	assert_int_equal(oracle_write(path, p7->data, p7->len), 0);
	if (oracle_run(&out, "openssl pkcs7 -inform DER -in '%s' -print_certs -noout", path) != 0)
		fail_msg("openssl pkcs7: %s", out);
	return out;
}

static void test_crls_base_and_delta(void **state)
{
	struct x509_buf cert, base, delta;
	struct answer a;
	char hex[41], line[64], *text;
	uint32_t id = issued(&cert);

	(void)state;
	/* none published yet: the certificates only, nothing left out */
	ask(ALICE, NULL, id, CRLS, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	assert_int_equal(a.left_out, 0);
	text = pkcs7_print(&a.p7);
	assert_null(strstr(text, "Certificate Revocation List"));
	free(text);
	x509_buf_free(&a.p7);

	publish(0);
	/* a base alone (the newest CRL is the base): the base only */
	ask(ALICE, NULL, id, FULL | CRLS, &a);
	text = read_full(&a.p7);
	assert_int_equal(count_lines(text, "crl="), 1);
	free(text);
	x509_buf_free(&a.p7);

	publish(1);
	crl_file("ca.crl", &base);
	crl_file("ca-delta.crl", &delta);
	ask(ALICE, NULL, id, CRLS, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	assert_int_equal(a.left_out, 0);
	text = pkcs7_print(&a.p7);
	assert_int_equal(count_lines(text, "Certificate Revocation List"), 2);
	free(text);
	/* the bytes as published, base first (found in the PKCS#7 in that order) */
	assert_non_null(memmem(a.p7.data, a.p7.len, base.data, base.len));
	assert_non_null(memmem(a.p7.data, a.p7.len, delta.data, delta.len));
	assert_true((uint8_t *)memmem(a.p7.data, a.p7.len, base.data, base.len) <
		    (uint8_t *)memmem(a.p7.data, a.p7.len, delta.data, delta.len));
	x509_buf_free(&a.p7);

	ask(ALICE, NULL, id, FULL | CRLS, &a);
	text = read_full(&a.p7);
	expect_line(text, "status=0");
	sha1_hex(&base, hex);
	snprintf(line, sizeof line, "crl=%s", hex);
	expect_line(text, line);
	sha1_hex(&delta, hex);
	snprintf(line, sizeof line, "crl=%s", hex);
	expect_line(text, line);
	free(text);
	x509_buf_free(&a.p7);

	/* a new base after the delta: the delta is no longer current */
	publish(0);
	ask(ALICE, NULL, id, CRLS, &a);
	text = pkcs7_print(&a.p7);
	assert_int_equal(count_lines(text, "Certificate Revocation List"), 1);
	free(text);
	x509_buf_free(&a.p7);
	x509_buf_free(&base);
	x509_buf_free(&delta);
	x509_buf_free(&cert);
}

/* The cap: CRLs that would make the PKCS#7 larger than max are left out, the
 * certificates still returned; larger without them: not built. */
static void test_cap(void **state)
{
	struct submit_ctx *sub = core_admin(&core)->sub;
	struct ledger_request_row row;
	struct x509_buf cert, p7, plain, full;
	char err[256], want[1200], *text;
	int left;
	uint32_t id = issued(&cert);

	(void)state;
	publish(0);
	publish(1);
	assert_int_equal(record_get_request(sub->rec, id, &row, err, sizeof err), 0);

	/* certs-only: what it is without CRLs, then a cap just above that */
	assert_int_equal(respond_build(sub, &row, CRLS, CUST_PKCS7_MAX, &p7, &left, msg,
				       sizeof msg), 0);
	assert_int_equal(left, 0);
	assert_int_equal(respond_build(sub, &row, CRLS, 100, &plain, &left, msg, sizeof msg),
			 HR_E_UNEXPECTED); /* not even the certificates fit */
	assert_null(plain.data);
	/* the CRLs fit under a cap one byte below the whole, the whole does not:
	 * built, too large, built again without them */
	{
		struct x509_buf none;

		assert_int_equal(respond_build(sub, &row, CRLS, p7.len - 1, &none, &left, msg,
					       sizeof msg), 0);
		assert_int_equal(left, 1);
		assert_true(none.len < p7.len);
		text = pkcs7_print(&none);
		assert_null(strstr(text, "Certificate Revocation List"));
		assert_non_null(strstr(text, "subject="));
		free(text);
		x509_buf_free(&none);
	}
	x509_buf_free(&p7);

	/* CRLs as large together as the cap are not even tried: a pending
	 * request's certs-only PKCS#7 (the CA certificate alone) under it */
	{
		struct ledger_request_row prow;
		struct x509_buf base, delta, none;
		uint32_t pid = pending(ALICE);

		crl_file("ca.crl", &base);
		crl_file("ca-delta.crl", &delta);
		assert_int_equal(record_get_request(sub->rec, pid, &prow, err, sizeof err), 0);
		assert_int_equal(respond_build(sub, &prow, CRLS, base.len + delta.len, &none,
					       &left, msg, sizeof msg), 0);
		assert_int_equal(left, 1);
		text = pkcs7_print(&none);
		assert_null(strstr(text, "Certificate Revocation List"));
		assert_int_equal(count_lines(text, "subject="), 1);
		free(text);
		x509_buf_free(&none);
		x509_buf_free(&base);
		x509_buf_free(&delta);
	}

	/* the sizes read are kept by seq: a CRL known to be as large as the cap
	 * is not read again (a size made larger here than the CRL is shows that
	 * the kept one decides), and no delta goes without its base */
	{
		struct respond_crls *k = sub->crl_sizes;
		struct x509_buf none;
		int seen = 0;

		assert_non_null(k);
		pthread_mutex_lock(&k->mu);
		for (unsigned i = 0; i < RESPOND_CRLS_KEPT; i++)
			if (k->seq[i] != 0) {
				seen++;
				k->len[i] = CUST_PKCS7_MAX; /* as if that large */
			}
		pthread_mutex_unlock(&k->mu);
		assert_int_equal(seen, 2); /* base and delta */
		assert_int_equal(respond_build(sub, &row, CRLS, CUST_PKCS7_MAX, &none, &left, msg,
					       sizeof msg), 0);
		assert_int_equal(left, 1);
		text = pkcs7_print(&none);
		assert_null(strstr(text, "Certificate Revocation List"));
		free(text);
		x509_buf_free(&none);
		/* a new base: read (its size is not known), carried */
		publish(0);
		assert_int_equal(respond_build(sub, &row, CRLS, CUST_PKCS7_MAX, &none, &left, msg,
					       sizeof msg), 0);
		assert_int_equal(left, 0);
		text = pkcs7_print(&none);
		assert_int_equal(count_lines(text, "Certificate Revocation List"), 1);
		free(text);
		x509_buf_free(&none);
	}

	/* the full response: a cap that holds it without CRLs only; the note is in
	 * its statusString */
	assert_int_equal(respond_build(sub, &row, FULL, CUST_PKCS7_MAX, &full, &left, msg,
				       sizeof msg), 0);
	assert_int_equal(respond_build(sub, &row, FULL | CRLS, full.len + 200, &p7, &left, msg,
				       sizeof msg), 0);
	assert_int_equal(left, 1);
	text = read_full(&p7);
	assert_int_equal(count_lines(text, "crl="), 0);
	snprintf(want, sizeof want, "statusString=%s (CRLs left out: larger than %zu KiB; "
		 "fetch them from the CRL distribution point)", row.message,
		 (full.len + 200) / 1024);
	expect_line(text, want);
	free(text);
	x509_buf_free(&p7);
	x509_buf_free(&full);
	x509_buf_free(&cert);
}

/* The HSM away: a full response cannot be signed: NTE_FAIL, which the worker
 * answers as without the flag. A certs-only PKCS#7 needs no key: still built. */
static void test_hsm_away(void **state)
{
	char dir[PATH_MAX], away[PATH_MAX];
	struct hsm_err herr;
	struct x509_buf cert;
	struct answer a, a2;
	uint32_t id = issued(&cert);

	(void)state;
	softhsm_token_path(&ca_template.token, "tokens", dir, sizeof(dir));
	softhsm_token_path(&ca_template.token, "tokens.away", away, sizeof(away));
	assert_int_equal(rename(dir, away), 0);
	assert_int_equal(hsm_pool_recover(core.ca.hsm, core.ca.hsm->generation, CKR_DEVICE_ERROR,
					  &herr),
			 HSM_EUNAVAIL);
	ask(ALICE, NULL, id, FULL, &a);
	ask(ALICE, NULL, id, CRLS, &a2);
	assert_int_equal(rename(away, dir), 0);
	assert_int_equal(a.type, CUST_ERROR);
	assert_int_equal(a.hresult, HR_NTE_FAIL);
	if (strstr(a.message, "HSM unavailable") == NULL)
		fail_msg("message: %s", a.message);
	assert_int_equal(a2.type, CUST_RESPONSE_IS);
	x509_buf_free(&a2.p7);
	x509_buf_free(&cert);
}

/* A row's message cut by the ledger inside a character: statusString keeps the
 * whole characters before it (the builder refuses what is not UTF-8). */
static void test_message_cut_in_a_character(void **state)
{
	struct submit_ctx *sub = core_admin(&core)->sub;
	struct ledger_request_row row;
	struct x509_buf p7;
	char err[256], *text;
	int left;
	uint32_t id = pending(ALICE);

	(void)state;
	assert_int_equal(record_get_request(sub->rec, id, &row, err, sizeof err), 0);
	snprintf(row.message, sizeof row.message, "Pending caf\xc3\xa9 \xe2\x82");
	assert_int_equal(respond_build(sub, &row, FULL, CUST_PKCS7_MAX, &p7, &left, msg,
				       sizeof msg), 0);
	text = read_full(&p7);
	expect_line(text, "statusString=Pending caf\xc3\xa9 ");
	free(text);
	x509_buf_free(&p7);
}

/* ---- who may ask ---- */

static void test_refusals(void **state)
{
	uint32_t id = pending(ALICE);
	struct answer a;

	(void)state;
	expect_error(BOB, NULL, id, FULL, HR_E_ACCESSDENIED,
		     "the request was made by another requester");
	expect_error(ALICE, NULL, id + 100, FULL | CRLS, HR_CERTSRV_E_PROPERTY_EMPTY,
		     "no such request");
	expect_error(ALICE, NULL, 0, CRLS, HR_CERTSRV_E_PROPERTY_EMPTY, "no such request");
	/* anonymous calls are off here: refused whatever it names */
	expect_error(NULL, ANON, id, FULL, HR_E_ACCESSDENIED,
		     "no logon, and anonymous enrollment is off (icpr_allow_anonymous)");
	/* the owner still gets it: nothing above changed anything */
	ask(ALICE, NULL, id, FULL, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	x509_buf_free(&a.p7);
}

static void test_anonymous(void **state)
{
	uint32_t id = pending(NULL);
	struct answer a;
	char *text;

	(void)state;
	ask(NULL, ANON, id, FULL, &a);
	assert_int_equal(a.type, CUST_RESPONSE_IS);
	text = read_full(&a.p7);
	expect_line(text, "status=3");
	free(text);
	x509_buf_free(&a.p7);
	/* another address, or a logged-on account: not theirs */
	expect_error(NULL, "anonymous@192.0.2.8", id, FULL, HR_E_ACCESSDENIED,
		     "the request was made by another requester");
	expect_error(ALICE, NULL, id, FULL, HR_E_ACCESSDENIED,
		     "the request was made by another requester");
}

/* A compromised worker: flags that ask for nothing or for something else, a
 * name without a token. Each ends the channel (a violation). */
static void violation(uint32_t flags, const char *named, int with_token)
{
	struct cust_response q;
	struct core_who who;
	struct ipc_wbuf w;
	struct ipc_msg m;

	memset(&q, 0, sizeof(q));
	core_who(&core, ALICE, NULL, &who);
	q.request_id = 1;
	q.flags = flags;
	if (with_token) {
		q.who.token = who.token;
		q.who.token_len = who.token_len;
	}
	snprintf(q.who.requester, sizeof(q.who.requester), "%s", named);
	ipc_wbuf_init(&w);
	cust_response_encode(&w, &q);
	core_send(&core, CUST_RESPONSE, &w);
	assert_int_equal(core_recv(&core, &m), 0);
	assert_int_equal(core_end_channel(&core), 1);
}

static void test_violation_no_flag(void **state)
{
	(void)state;
	violation(0, "", 1);
}

static void test_violation_other_flag(void **state)
{
	(void)state;
	violation(FULL | 0x1, "", 1);
}

static void test_violation_named(void **state)
{
	(void)state;
	violation(FULL, ALICE, 0);
}

/* ---- the codec (msg.c) ---- */

static void test_codec(void **state)
{
	static const uint8_t tok[3] = {1, 2, 3}, p7[4] = {0x30, 2, 5, 0};
	struct cust_response q = {7, FULL | CRLS, {tok, sizeof tok, ""}}, q2;
	struct cust_response_is r = {p7, sizeof p7, 1}, r2;
	struct ipc_wbuf w;

	(void)state;
	ipc_wbuf_init(&w);
	cust_response_encode(&w, &q);
	assert_int_equal(cust_response_decode(w.data, w.len, &q2), 0);
	assert_int_equal(q2.request_id, 7);
	assert_int_equal(q2.flags, FULL | CRLS);
	assert_int_equal(q2.who.token_len, 3);
	assert_memory_equal(q2.who.token, tok, 3);
	/* one byte short, one more: refused */
	assert_int_equal(cust_response_decode(w.data, w.len - 1, &q2), -1);
	ipc_wbuf_free(&w);
	for (uint32_t f = 0; f < 3; f++) {
		static const uint32_t bad[] = {0, 0x1, CUST_RESPONSE_FLAGS | 0x100};

		q.flags = bad[f];
		ipc_wbuf_init(&w);
		cust_response_encode(&w, &q);
		assert_int_equal(cust_response_decode(w.data, w.len, &q2), -1);
		ipc_wbuf_free(&w);
	}
	q.flags = CRLS;
	ipc_wbuf_init(&w);
	cust_response_encode(&w, &q);
	ipc_put_u32(&w, 0);
	assert_int_equal(cust_response_decode(w.data, w.len, &q2), -1); /* trailing bytes */
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	cust_response_is_encode(&w, &r);
	assert_int_equal(w.len, 4 + sizeof p7 + 4);
	assert_int_equal(cust_response_is_decode(w.data, w.len, &r2), 0);
	assert_int_equal(r2.pkcs7_len, sizeof p7);
	assert_memory_equal(r2.pkcs7, p7, sizeof p7);
	assert_int_equal(r2.crls_left_out, 1);
	ipc_wbuf_free(&w);
	/* an empty PKCS#7, a left_out other than 0/1: refused */
	r.pkcs7_len = 0;
	ipc_wbuf_init(&w);
	cust_response_is_encode(&w, &r);
	assert_int_equal(cust_response_is_decode(w.data, w.len, &r2), -1);
	ipc_wbuf_free(&w);
	r.pkcs7_len = sizeof p7;
	r.crls_left_out = 2;
	ipc_wbuf_init(&w);
	cust_response_is_encode(&w, &r);
	assert_int_equal(cust_response_is_decode(w.data, w.len, &r2), -1);
	ipc_wbuf_free(&w);
	/* a PKCS#7 beyond CUST_PKCS7_MAX: refused by its length prefix */
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, CUST_PKCS7_MAX + 1);
	assert_int_equal(cust_response_is_decode(w.data, w.len, &r2), -1);
	ipc_wbuf_free(&w);
	/* the worker's receive cap admits the largest answer */
	assert_true(CUST_WORKER_RECV_MAX >= CUST_RESPONSE_IS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test_setup_teardown(test_full_issued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_cmc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crls_base_and_delta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hsm_away, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_cut_in_a_character, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous, setup_anon, teardown),
		cmocka_unit_test_setup_teardown(test_violation_no_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violation_other_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violation_named, setup, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
