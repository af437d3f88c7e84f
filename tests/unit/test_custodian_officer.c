/* The certificate manager's verbs and the CA's properties in the custodian
 * (firmware/custodian officer.c, props.c, crlpub.c), called as the console's
 * service calls them after its role check, on a core made by
 * support/core_harness.c (a real SoftHSM token, the ceremony's CA, a real ledger,
 * the custodian's own service); requests arrive as a worker sends them. Each
 * refusal is checked with its exact HRESULT and message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/ledger/event.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

static struct core_ca ca_template;
static struct core core;
static char msg[1024];

#define ALICE "EXAMPLE\\alice"
#define OFFICER "olivia"
#define EXT_OID "1.3.6.1.4.1.99999.1"

/* The default core (policy pend), the worker's start-up done. */
static int setup(void **state)
{
	static const char *const conf[] = {"csr_extensions=2.5.29.17", NULL};
	struct core_opts o = {.conf = conf};

	(void)state;
	if (core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	core_stop(&core);
	return 0;
}

/* A request of ALICE's, pending: its id. */
static uint32_t pending(void)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;
	uint32_t id;

	assert_int_equal(core_csr("CN=host1.example", "p256", "host1", "host1", &csr), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_PENDING);
	id = a.result.request_id;
	core_answer_free(&a);
	x509_buf_free(&csr);
	return id;
}

/* A verb's answer (adm_result) decoded from w, which is freed. */
static void decode_result(struct ipc_wbuf *w, struct adm_result *r)
{
	assert_false(w->failed);
	assert_int_equal(adm_result_decode(w->data, w->len, r), 0);
	/* r->cert points into w: checked by the caller before this frees it */
}

/* What the requester retrieves now. */
static void expect_retrieved(uint32_t id, uint32_t disp, uint32_t hr, const char *message)
{
	struct core_who who;
	struct core_answer a;

	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_retrieve(&core, &who, id, &a), 0);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, disp);
	assert_int_equal(a.result.hresult, hr);
	assert_string_equal(a.result.message, message);
	if (disp == DISP_ISSUED)
		assert_int_not_equal(a.result.cert_len, 0);
	core_answer_free(&a);
}

/* ---- deny --------------------------------------------------------------------- */

static void test_deny(void **state)
{
	struct adm_result r;
	struct ipc_wbuf w;
	uint32_t id = pending();

	(void)state;
	ipc_wbuf_init(&w);
	assert_int_equal(officer_deny(core_admin(&core), OFFICER, id, &w, msg, sizeof msg), 0);
	decode_result(&w, &r);
	assert_int_equal(r.request_id, id);
	assert_int_equal(r.disposition, DISP_DENIED);
	assert_int_equal(r.hresult, HR_CERTSRV_E_ADMIN_DENIED_REQUEST);
	assert_string_equal(r.message, "Denied by the certificate manager");
	ipc_wbuf_free(&w);
	expect_retrieved(id, DISP_DENIED, HR_CERTSRV_E_ADMIN_DENIED_REQUEST,
			 "Denied by the certificate manager");
	/* denied is final */
	ipc_wbuf_init(&w);
	assert_int_equal(officer_deny(core_admin(&core), OFFICER, id, &w, msg, sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "request 1 is denied, not pending");
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, id, &w, msg, sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "request 1 is denied, not pending");
	ipc_wbuf_free(&w);
}

static void test_not_found(void **state)
{
	struct ipc_wbuf w;

	(void)state;
	ipc_wbuf_init(&w);
	assert_int_equal(officer_deny(core_admin(&core), OFFICER, 77, &w, msg, sizeof msg),
			 HR_NOT_FOUND);
	assert_string_equal(msg, "no request 77");
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, 0, &w, msg, sizeof msg),
			 HR_NOT_FOUND);
	assert_string_equal(msg, "no request 0");
	assert_int_equal(officer_detail(core_admin(&core), 78, &w, msg, sizeof msg),
			 HR_NOT_FOUND);
	assert_string_equal(msg, "no request 78");
	assert_int_equal(officer_setext(core_admin(&core), OFFICER, 79, EXT_OID, 0,
					(const uint8_t *)"\x05\x00", 2, msg, sizeof msg),
			 HR_NOT_FOUND);
	assert_string_equal(msg, "no request 79");
	assert_int_equal(w.len, 0); /* no answer built */
	ipc_wbuf_free(&w);
}

/* ---- resubmit ------------------------------------------------------------------ */

static void test_resubmit_issues(void **state)
{
	struct x509_cert_info info;
	struct adm_result r;
	struct ipc_wbuf w;
	char err[256], dn[256];
	uint32_t id = pending();

	(void)state;
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, id, &w, msg, sizeof msg),
			 0);
	decode_result(&w, &r);
	assert_int_equal(r.request_id, id);
	assert_int_equal(r.disposition, DISP_ISSUED);
	assert_int_equal(r.hresult, 0);
	assert_string_equal(r.message, "Issued");
	if (x509_cert_decode(r.cert, r.cert_len, &info, err, sizeof err) != 0)
		fail_msg("the certificate does not decode: %s", err);
	x509_name_format(info.subject.data, info.subject.len, dn, sizeof dn);
	assert_string_equal(dn, "CN=host1.example"); /* derived again from the raw request */
	x509_cert_info_free(&info);
	ipc_wbuf_free(&w);
	expect_retrieved(id, DISP_ISSUED, 0, "Issued");
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, id, &w, msg, sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "request 1 is issued, not pending");
	assert_int_equal(officer_deny(core_admin(&core), OFFICER, id, &w, msg, sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "request 1 is issued, not pending");
	ipc_wbuf_free(&w);
}

/* A request failed on arrival is no officer's to approve. */
static void test_resubmit_failed(void **state)
{
	struct x509_buf csr;
	struct core_who who;
	struct core_answer a;
	struct ipc_wbuf w;

	(void)state;
	assert_int_equal(core_csr("CN=host1.example", "rsa1024", "small", "small", &csr), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.result.disposition, DISP_FAILED);
	core_answer_free(&a);
	x509_buf_free(&csr);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(core_admin(&core), OFFICER, 1, &w, msg, sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "request 1 is failed, not pending");
	ipc_wbuf_free(&w);
}

/* ---- setextension ------------------------------------------------------------ */

static void test_setext_refusals(void **state)
{
	static const uint8_t null_der[] = {0x05, 0x00};
	static const uint8_t two[] = {0x05, 0x00, 0x05, 0x00};
	struct admin *a = core_admin(&core);
	uint32_t id = pending();
	uint64_t head = core_ledger_head(&core);

	(void)state;
	assert_int_equal(officer_setext(a, OFFICER, id, "1.x", 0, null_der, 2, msg, sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "1.x: not a dotted OID");
	assert_int_equal(officer_setext(a, OFFICER, id, "2.5.29.19", 0, null_der, 2, msg,
					sizeof msg),
			 HR_E_ACCESSDENIED);
	assert_string_equal(msg, "extension 2.5.29.19 is the CA's to set, not an officer's");
	assert_int_equal(officer_setext(a, OFFICER, id, EXT_OID, 4, null_der, 2, msg, sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "flags: 0, 1 (critical) or 2 (disabled)");
	assert_int_equal(officer_setext(a, OFFICER, id, EXT_OID, 0, two, sizeof two, msg,
					sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "the value is not one DER element");
	/* An unknown extension cannot be critical: the certificate decoder (the
	 * lint's) refuses such a certificate, so the resubmission would fail the
	 * request for good. Refused here, with or without a value's fault. */
	assert_int_equal(officer_setext(a, OFFICER, id, EXT_OID, ADM_EXT_CRITICAL, null_der, 2,
					msg, sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "extension " EXT_OID " is not one the CA knows: it cannot be "
				 "critical (set it with flags 0)");
	assert_int_equal(core_ledger_head(&core), head); /* nothing recorded */
	/* still pending, and resubmitted it issues (nothing was set) */
	{
		struct ipc_wbuf w;
		struct adm_result r;

		ipc_wbuf_init(&w);
		assert_int_equal(officer_resubmit(a, OFFICER, id, &w, msg, sizeof msg), 0);
		decode_result(&w, &r);
		assert_int_equal(r.disposition, DISP_ISSUED);
		ipc_wbuf_free(&w);
	}
}

/* An extension the decoder knows may be critical: set so, it is in the
 * certificate marked critical; disabled, criticality does not matter. */
static void test_setext_critical_known(void **state)
{
	/* certificatePolicies: anyPolicy */
	static const uint8_t any_policy[] = {0x30, 0x08, 0x30, 0x06, 0x06, 0x04,
					     0x55, 0x1d, 0x20, 0x00};
	struct admin *a = core_admin(&core);
	struct x509_cert_info ci;
	struct adm_result r;
	struct ipc_wbuf w;
	char derr[256];
	uint32_t id = pending();
	int found = 0;

	(void)state;
	assert_int_equal(officer_setext(a, OFFICER, id, "2.5.29.32", ADM_EXT_CRITICAL, any_policy,
					sizeof any_policy, msg, sizeof msg),
			 0);
	assert_string_equal(msg, "request 1: extension 2.5.29.32 set (critical)");
	assert_int_equal(officer_setext(a, OFFICER, id, EXT_OID,
					ADM_EXT_CRITICAL | ADM_EXT_DISABLE, NULL, 0, msg,
					sizeof msg),
			 0);
	assert_string_equal(msg, "request 1: extension " EXT_OID " set (disabled)");
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(a, OFFICER, id, &w, msg, sizeof msg), 0);
	decode_result(&w, &r);
	assert_int_equal(r.disposition, DISP_ISSUED);
	assert_string_equal(r.message, "Issued");
	assert_int_equal(x509_cert_decode(r.cert, r.cert_len, &ci, derr, sizeof derr), 0);
	for (size_t i = 0; i < ci.n_ext; i++)
		if (strcmp(ci.ext[i].oid, "2.5.29.32") == 0) {
			found = 1;
			assert_true(ci.ext[i].critical);
			assert_int_equal(ci.ext[i].value.len, sizeof any_policy);
			assert_memory_equal(ci.ext[i].value.data, any_policy, sizeof any_policy);
		} else {
			assert_string_not_equal(ci.ext[i].oid, EXT_OID);
		}
	assert_true(found);
	x509_cert_info_free(&ci);
	ipc_wbuf_free(&w);
}

static void test_setext_then_resubmit(void **state)
{
	static const uint8_t null_der[] = {0x05, 0x00};
	struct admin *a = core_admin(&core);
	struct adm_detail_is *d = malloc(sizeof(*d));
	struct adm_result r;
	struct ipc_wbuf w;
	uint32_t id = pending();

	(void)state;
	assert_non_null(d);
	assert_int_equal(officer_setext(a, OFFICER, id, EXT_OID, 0, null_der, 2, msg, sizeof msg),
			 0);
	assert_string_equal(msg, "request 1: extension " EXT_OID " set");
	/* set again: the latest per OID counts (an unknown extension cannot be
	 * critical: refused, the set one stays) */
	assert_int_equal(officer_setext(a, OFFICER, id, EXT_OID, 1, null_der, 2, msg, sizeof msg),
			 HR_E_INVALIDARG);
	assert_int_equal(officer_setext(a, OFFICER, id, EXT_OID, 0, null_der, 2, msg, sizeof msg),
			 0);
	assert_string_equal(msg, "request 1: extension " EXT_OID " set");
	assert_int_equal(officer_setext(a, OFFICER, id, "2.5.29.37", 2, NULL, 0, msg, sizeof msg),
			 0);
	assert_string_equal(msg, "request 1: extension 2.5.29.37 set (disabled)");
	/* the details show the request as derived and the officer's extensions */
	ipc_wbuf_init(&w);
	assert_int_equal(officer_detail(a, id, &w, msg, sizeof msg), 0);
	assert_int_equal(adm_detail_decode(w.data, w.len, d), 0);
	assert_string_equal(d->subject, "CN=host1.example");
	assert_string_equal(d->requester, ALICE);
	assert_string_equal(d->attributes, "rmd:host1.example\n");
	assert_int_equal(d->exts.n, 2);
	ipc_wbuf_free(&w);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(a, OFFICER, id, &w, msg, sizeof msg), 0);
	decode_result(&w, &r);
	assert_string_equal(r.message, "Issued");
	assert_int_equal(r.disposition, DISP_ISSUED);
	assert_int_not_equal(r.cert_len, 0);
	/* the officer's extension is in the certificate, its OID's DER with it */
	assert_non_null(memmem(r.cert, r.cert_len, "\x06\x09\x2b\x06\x01\x04\x01\x86\x8d\x1f\x01",
			       11));
	ipc_wbuf_free(&w);
	/* not pending any more */
	assert_int_equal(officer_setext(a, OFFICER, id, EXT_OID, 0, null_der, 2, msg, sizeof msg),
			 HR_INVALID_STATE);
	assert_string_equal(msg, "request 1 is issued, not pending");
	free(d);
}

/* ---- revoke -------------------------------------------------------------------- */

static void test_revoke_refusals(void **state)
{
	static const uint8_t serial[] = {0x01, 0x02};
	struct admin *a = core_admin(&core);
	int64_t now = (int64_t)time(NULL);

	(void)state;
	assert_int_equal(officer_revoke(a, OFFICER, serial, sizeof serial, 7, 0, 0, msg,
					sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "reason 7: RFC 5280 reasons are 0..10 except 7 and 8");
	assert_int_equal(officer_revoke(a, OFFICER, serial, sizeof serial, 11, 0, 0, msg,
					sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "reason 11: RFC 5280 reasons are 0..10 except 7 and 8");
	assert_int_equal(officer_revoke(a, OFFICER, serial, sizeof serial, 1, now + 3600, 0, msg,
					sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "revocation and invalidity dates cannot be in the future");
	assert_int_equal(officer_revoke(a, OFFICER, serial, sizeof serial, 1, 0, now + 3600, msg,
					sizeof msg),
			 HR_E_INVALIDARG);
	assert_string_equal(msg, "revocation and invalidity dates cannot be in the future");
	/* a serial the CA never issued: the ledger refuses it on its merits */
	assert_int_equal(officer_revoke(a, OFFICER, serial, sizeof serial, 1, 0, 0, msg,
					sizeof msg),
			 HR_INVALID_STATE);
}

/* An issued certificate revoked on hold, released, and the CRLs that say so. */
static void test_revoke_unrevoke_and_crls(void **state)
{
	struct admin *a = core_admin(&core);
	struct x509_cert_info info;
	struct adm_result r;
	struct ipc_wbuf w;
	char err[256], path[PATH_MAX];
	struct stat st;
	uint8_t serial[64];
	size_t serial_len;
	uint32_t id = pending();

	(void)state;
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(a, OFFICER, id, &w, msg, sizeof msg), 0);
	decode_result(&w, &r);
	assert_int_equal(x509_cert_decode(r.cert, r.cert_len, &info, err, sizeof err), 0);
	assert_true(info.serial.len <= sizeof serial);
	serial_len = info.serial.len;
	memcpy(serial, info.serial.data, serial_len);
	x509_cert_info_free(&info);
	ipc_wbuf_free(&w);
	assert_int_equal(officer_revoke(a, OFFICER, serial, serial_len, 6, 0, 0, msg, sizeof msg),
			 0);
	assert_string_equal(msg, "revoked (reason 6); it appears in the next CRL");
	expect_retrieved(id, DISP_REVOKED, 0, "Issued");
	assert_int_equal(crl_publish(a, ACTOR_OPERATOR, OFFICER, 0, msg, sizeof msg), 0);
	snprintf(path, sizeof path, "%s/crl/ca.crl", core.dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(officer_unrevoke(a, OFFICER, serial, serial_len, msg, sizeof msg), 0);
	assert_string_equal(msg, "hold released; the next delta CRL says removeFromCRL");
	assert_int_equal(crl_publish(a, ACTOR_OPERATOR, OFFICER, 1, msg, sizeof msg), 0);
	snprintf(path, sizeof path, "%s/crl/ca-delta.crl", core.dir);
	assert_int_equal(stat(path, &st), 0);
}

/* ---- properties ---------------------------------------------------------------- */

static void test_props(void **state)
{
	struct props *p = core_admin(&core)->props;
	char err[256], value[PROPS_VALUE_MAX];

	(void)state;
	assert_int_equal(props_set(p, "NoSuch", "x", err, sizeof err), -1);
	assert_string_equal(err, "NoSuch: no such settable property");
	assert_int_equal(props_known("CDPURL"), 1);
	assert_int_equal(props_known("NoSuch"), 0);
	assert_int_equal(props_set(p, "CDPURL", "not a uri", err, sizeof err), -1);
	assert_string_equal(err, "CDPURL: not a URI (http://, https://, ldap://, ldaps:// or "
					 "file://; printable ASCII)");
	assert_int_equal(props_set(p, "CRLPeriod", "7x", err, sizeof err), -1);
	assert_string_equal(err, "CRLPeriod: not a duration (N with s, m, h or d)");
	assert_int_equal(props_set(p, "CRLPeriod", "30s", err, sizeof err), -1);
	assert_string_equal(err, "CRLPeriod: at least 60s");
	assert_int_equal(props_set(p, "CRLPublishBase", "../x.crl", err, sizeof err), -1);
	assert_string_equal(err, "CRLPublishBase: a file name under DATA/crl, without '/'");
	assert_int_equal(props_set(p, "CRLPeriod", "2d", err, sizeof err), 0);
	assert_int_equal(props_get(p, "CRLPeriod", value, sizeof value), 0);
	assert_string_equal(value, "2d");
	assert_int_equal(props_set(p, "CRLOverlap", "90m", err, sizeof err), 0);
	assert_int_equal(props_get(p, "CRLOverlap", value, sizeof value), 0);
	assert_string_equal(value, "5400s");
	assert_int_equal(props_set(p, "CDPURL", "http://pki.example/other.crl", err, sizeof err),
			 0);
	assert_int_equal(props_get(p, "CDPURL", value, sizeof value), 0);
	assert_string_equal(value, "http://pki.example/other.crl");
	assert_int_equal(props_get(p, "NoSuch", value, sizeof value), -1);
	/* each kind of value, each unit of a duration */
	assert_int_equal(props_set(p, "CRLDeltaPeriod", "0", err, sizeof err), 0);
	assert_int_equal(props_get(p, "CRLDeltaPeriod", value, sizeof value), 0);
	assert_string_equal(value, "0s");
	assert_int_equal(props_set(p, "CRLDeltaPeriod", "6h", err, sizeof err), 0);
	assert_int_equal(props_get(p, "CRLDeltaPeriod", value, sizeof value), 0);
	assert_string_equal(value, "6h");
	assert_int_equal(props_set(p, "CRLDeltaPeriod", "3651d", err, sizeof err), -1);
	assert_string_equal(err, "CRLDeltaPeriod: not a duration (N with s, m, h or d)");
	assert_int_equal(props_set(p, "CRLDeltaPeriod", "-1s", err, sizeof err), -1);
	assert_int_equal(props_set(p, "CRLDeltaPeriod", "5", err, sizeof err), -1);
	assert_int_equal(props_set(p, "CRLPublishDelta", ".hidden", err, sizeof err), -1);
	assert_string_equal(err, "CRLPublishDelta: a file name under DATA/crl, without '/'");
	assert_int_equal(props_set(p, "CRLPublishDelta", "delta.crl", err, sizeof err), 0);
	assert_int_equal(props_get(p, "CRLPublishDelta", value, sizeof value), 0);
	assert_string_equal(value, "delta.crl");
	assert_int_equal(props_set(p, "OCSPURL", "http://ocsp.example", err, sizeof err), 0);
	assert_int_equal(props_set(p, "AIAURL", "", err, sizeof err), 0);
	assert_int_equal(props_get(p, "AIAURL", value, sizeof value), 0);
	assert_string_equal(value, "");
	assert_int_equal(props_set(p, "DeltaCRLURL", "nocolon", err, sizeof err), -1);
	assert_string_equal(err, "DeltaCRLURL: not a URI (http://, https://, ldap://, ldaps:// "
					 "or file://; printable ASCII)");
	assert_int_equal(props_set(p, "DeltaCRLURL", "http://pki.example/\x01", err, sizeof err),
			 -1);
}

/* ---- the agent purposes (issue 14) ---------------------------------------------- */

/* policy pend, and the request's EKU let through to the officer. */
static int setup_eku(void **state)
{
	static const char *const conf[] = {"csr_extensions=2.5.29.37", NULL};
	struct core_opts o = {.conf = conf};

	(void)state;
	if (core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0)
		return -1;
	return 0;
}

/* A pending request of ALICE's whose extensionRequest asks for anyExtendedKeyUsage. */
static uint32_t pending_any_eku(void)
{
	static const uint8_t subject[] = {0x30, 0x10, 0x31, 0x0e, 0x30, 0x0c, 0x06, 0x03, 0x55,
					  0x04, 0x03, 0x0c, 0x05, 'a', 'g', 'e', 'n', 't'};
	/* Extensions { extKeyUsage OCTET STRING { SEQUENCE { 2.5.29.37.0 } } } */
	static const uint8_t exts[] = {0x30, 0x11, 0x30, 0x0f, 0x06, 0x03, 0x55, 0x1d, 0x25,
				       0x04, 0x08, 0x30, 0x06, 0x06, 0x04, 0x55, 0x1d, 0x25, 0x00};
	struct x509_buf name = {(uint8_t *)subject, sizeof(subject)}, csr;
	struct core_who who;
	struct core_answer a;
	uint32_t id;

	assert_int_equal(core_csr_raw(&name, exts, sizeof(exts), "p256", "agent", &csr), 0);
	core_who(&core, ALICE, NULL, &who);
	assert_int_equal(core_submit(&core, &who, FMT_PKCS10, csr.data, csr.len, &a), 0);
	assert_int_equal(a.kind, CUST_RESULT);
	assert_int_equal(a.result.disposition, DISP_PENDING);
	id = a.result.request_id;
	core_answer_free(&a);
	x509_buf_free(&csr);
	return id;
}

/* Resubmitted as asked, the request's anyExtendedKeyUsage fails (recorded, the
 * requester told why); set by the officer, the same purpose is issued. */
static void test_agent_purpose_needs_officer(void **state)
{
	static const uint8_t any_eku[] = {0x30, 0x06, 0x06, 0x04, 0x55, 0x1d, 0x25, 0x00};
	static const char why[] = "the request asks for the anyExtendedKeyUsage purpose "
				  "(2.5.29.37.0): only a certificate manager grants it "
				  "(setextension 2.5.29.37 on a pending request)";
	struct admin *a = core_admin(&core);
	uint32_t asked = pending_any_eku(), set = pending_any_eku();
	struct x509_cert_info info;
	struct adm_result r;
	struct ipc_wbuf w;
	char err[256], oids[4][128];
	size_t n = 0;

	(void)state;
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(a, OFFICER, asked, &w, msg, sizeof msg), 0);
	decode_result(&w, &r);
	assert_int_equal(r.disposition, DISP_FAILED);
	assert_int_equal(r.hresult, HR_CERT_E_WRONG_USAGE);
	assert_string_equal(r.message, why);
	assert_int_equal(r.cert_len, 0);
	ipc_wbuf_free(&w);
	expect_retrieved(asked, DISP_FAILED, HR_CERT_E_WRONG_USAGE, why);

	assert_int_equal(officer_setext(a, OFFICER, set, "2.5.29.37", 0, any_eku,
					sizeof(any_eku), msg, sizeof msg), 0);
	ipc_wbuf_init(&w);
	assert_int_equal(officer_resubmit(a, OFFICER, set, &w, msg, sizeof msg), 0);
	decode_result(&w, &r);
	assert_int_equal(r.disposition, DISP_ISSUED);
	if (x509_cert_decode(r.cert, r.cert_len, &info, err, sizeof err) != 0)
		fail_msg("the certificate does not decode: %s", err);
	for (size_t i = 0; i < info.n_ext; i++)
		if (strcmp(info.ext[i].oid, "2.5.29.37") == 0)
			assert_int_equal(x509_eku_decode(&info.ext[i].value, oids, 4, &n, err,
							 sizeof err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(oids[0], "2.5.29.37.0");
	x509_cert_info_free(&info);
	ipc_wbuf_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_deny, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_issues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resubmit_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setext_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setext_then_resubmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_agent_purpose_needs_officer, setup_eku,
						teardown),
		cmocka_unit_test_setup_teardown(test_setext_critical_known, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke_unrevoke_and_crls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_props, setup, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
