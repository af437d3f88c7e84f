/* The custodian's derivation of a request (firmware/custodian/derive.c): every
 * refusal with its exact HRESULT, the formats the submit path accepts (DER, PEM,
 * bare base64, BER framing) giving the same subject and key, and the policy's
 * filter on requested extensions, and the verifier threads. Requests are made by openssl or assembled here
 * and signed by openssl (tests/unit/support/x509_oracle.c). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/custodian/derive.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/verify_pool.h"
#include "firmware/ledger/event.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

static char err[512];
static const struct policy no_exts; /* pend, nothing a request may add */

/* A request for subject over spki, signed with <oracle>/<key>.key (whose key
 * need not be spki's: a mismatch is a bad signature). */
static void assemble(const char *dn_or_null, const struct x509_buf *subject_der,
		     const struct x509_buf *spki, const char *key, enum x509_sigalg alg,
		     struct x509_buf *csr)
{
	struct x509_buf subject = {0}, info, sig;

	if (dn_or_null != NULL && x509_name_parse(dn_or_null, &subject, err, sizeof err) != 0)
		fail_msg("name: %s", err);
	if (x509_csr_info_encode(dn_or_null != NULL ? &subject : subject_der, spki, 0, &info,
				 err, sizeof err) != 0)
		fail_msg("info: %s", err);
	assert_int_equal(oracle_sign(key, alg, info.data, info.len, &sig), 0);
	assert_int_equal(x509_csr_assemble(&info, alg, sig.data, sig.len, csr), 0);
	x509_buf_free(&subject);
	x509_buf_free(&info);
	x509_buf_free(&sig);
}

/* A request by openssl req with a P-256 key and the extra options. */
static void openssl_csr(const char *extra, struct x509_buf *der)
{
	char *out = NULL;

	if (oracle_run(&out, "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
			     "-out '%s' && openssl req -new -key '%s' -subj /CN=host1.example %s "
			     "-outform DER -out '%s'",
		       oracle_path("osl.key"), oracle_path("osl.key"), extra,
		       oracle_path("osl.csr")) != 0)
		fail_msg("openssl req: %s", out);
	free(out);
	assert_int_equal(oracle_read(oracle_path("osl.csr"), der), 0);
}

static uint32_t derive(const struct policy *p, const uint8_t *raw, size_t len,
		       struct derived *d)
{
	uint32_t hr = derive_request(p, raw, len, d, err, sizeof err);

	if (hr != 0)
		assert_true(strlen(err) > 0); /* every refusal says why */
	return hr;
}

static void expect_refused(const uint8_t *raw, size_t len, uint32_t hr)
{
	struct derived d;

	assert_int_equal(derive(&no_exts, raw, len, &d), hr);
	/* nothing is left to free after a refusal */
	assert_null(d.rq.der.data);
	assert_null(d.subject.data);
	assert_null(d.spki.data);
	assert_int_equal(d.n_asked, 0);
}

static void test_empty_and_oversized(void **state)
{
	uint8_t *big = malloc(100 * 1024);

	(void)state;
	assert_non_null(big);
	expect_refused(NULL, 0, HR_E_INVALIDARG);
	/* a 70,000-byte and a 100 KiB blob: beyond the channel's limit, whatever
	 * they hold */
	memset(big, 'A', 100 * 1024);
	expect_refused(big, 70000, HR_E_INVALIDARG);
	expect_refused(big, 100 * 1024, HR_E_INVALIDARG);
	expect_refused(big, CUST_REQUEST_MAX + 1, HR_E_INVALIDARG);
	assert_non_null(strstr(err, "at most 65536"));
	free(big);
}

static void test_no_known_format(void **state)
{
	static const uint8_t int0[] = {0x30, 0x03, 0x02, 0x01, 0x00};
	static const uint8_t text[] = "not a request at all";

	(void)state;
	expect_refused(int0, sizeof int0, HR_CRYPT_E_INVALID_MSG_TYPE);
	expect_refused(text, sizeof text - 1, HR_CRYPT_E_INVALID_MSG_TYPE);
}

/* A CMS whose content is not a PKCS#10: ERROR_INVALID_DATA, the format known. */
static void test_cms_without_a_request(void **state)
{
	struct x509_buf cms;
	struct derived d;

	(void)state;
	assert_int_equal(oracle_cms_signed(&cms), 0);
	assert_int_equal(derive(&no_exts, cms.data, cms.len, &d), HR_ERROR_INVALID_DATA);
	assert_int_equal(d.format, FMT_CMS); /* known, recorded as what it is */
	assert_null(d.rq.der.data);
	x509_buf_free(&cms);
}

/* Twenty OUs of 60 characters: a subject over CUST_SUBJECT_MAX bytes. */
static void test_subject_too_long(void **state)
{
	char dn[2048] = "CN=host1.example";
	struct x509_buf spki, csr;

	(void)state;
	for (int i = 0; i < 20; i++) {
		size_t n = strlen(dn);

		snprintf(dn + n, sizeof dn - n, ",OU=%02d%058d", i, 0);
	}
	assert_int_equal(oracle_genkey("p256", "k", &spki), 0);
	assemble(dn, NULL, &spki, "k", X509_SIG_ECDSA_SHA256, &csr);
	expect_refused(csr.data, csr.len, HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_non_null(strstr(err, "subject"));
	x509_buf_free(&spki);
	x509_buf_free(&csr);
}

static size_t der_len(uint8_t *p, size_t len)
{
	p[0] = 0x82;
	p[1] = (uint8_t)(len >> 8);
	p[2] = (uint8_t)len;
	return 3;
}

/* An RSA-16384 SubjectPublicKeyInfo (2,086 bytes): the modulus is not a real
 * one, as nothing before the limit looks at it. */
static void rsa16384_spki(struct x509_buf *out)
{
	static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
				      0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
	static const uint8_t e[] = {0x02, 0x03, 0x01, 0x00, 0x01};
	const size_t mod = 2049, rsakey = 4 + mod + sizeof e, bits = 1 + 4 + rsakey,
		     total = sizeof alg + 4 + bits;
	uint8_t *p = malloc(4 + total), *q = p;

	assert_non_null(p);
	*q++ = 0x30;
	q += der_len(q, total);
	memcpy(q, alg, sizeof alg);
	q += sizeof alg;
	*q++ = 0x03;
	q += der_len(q, bits);
	*q++ = 0x00;
	*q++ = 0x30;
	q += der_len(q, rsakey);
	*q++ = 0x02;
	q += der_len(q, mod);
	*q++ = 0x00;
	memset(q, 0xa5, mod - 1);
	q[0] = 0xc3;
	q += mod - 1;
	memcpy(q, e, sizeof e);
	q += sizeof e;
	out->data = p;
	out->len = (size_t)(q - p);
	assert_int_equal(out->len, 4 + total);
}

static void test_key_too_long(void **state)
{
	struct x509_buf spki, k, csr;

	(void)state;
	rsa16384_spki(&spki);
	assert_true(spki.len > CUST_SPKI_MAX);
	assert_int_equal(oracle_genkey("p256", "k", &k), 0);
	assemble("CN=host1.example", NULL, &spki, "k", X509_SIG_ECDSA_SHA256, &csr);
	expect_refused(csr.data, csr.len, HR_CERTSRV_E_KEY_LENGTH);
	assert_non_null(strstr(err, "public key is 2086 bytes"));
	x509_buf_free(&spki);
	x509_buf_free(&k);
	x509_buf_free(&csr);
}

static void test_key_policy(void **state)
{
	struct x509_buf spki, csr;

	(void)state;
	assert_int_equal(oracle_genkey("rsa1024", "small", &spki), 0);
	assemble("CN=host1.example", NULL, &spki, "small", X509_SIG_RSA_SHA256, &csr);
	expect_refused(csr.data, csr.len, HR_CERTSRV_E_KEY_LENGTH);
	x509_buf_free(&spki);
	x509_buf_free(&csr);
}

static void test_bad_signature(void **state)
{
	struct x509_buf csr, spki, other;

	(void)state;
	openssl_csr("", &csr);
	csr.data[csr.len - 3] ^= 0x01; /* inside the signature */
	expect_refused(csr.data, csr.len, HR_NTE_BAD_SIGNATURE);
	x509_buf_free(&csr);
	/* signed by another key than the one it names: no proof of possession */
	assert_int_equal(oracle_genkey("p256", "named", &spki), 0);
	assert_int_equal(oracle_genkey("p256", "signer", &other), 0);
	assemble("CN=host1.example", NULL, &spki, "signer", X509_SIG_ECDSA_SHA256, &csr);
	expect_refused(csr.data, csr.len, HR_NTE_BAD_SIGNATURE);
	x509_buf_free(&csr);
	x509_buf_free(&spki);
	x509_buf_free(&other);
}

static void test_empty_subject(void **state)
{
	static uint8_t empty_name[] = {0x30, 0x00};
	struct x509_buf spki, csr, subject = {empty_name, sizeof empty_name};

	(void)state;
	assert_int_equal(oracle_genkey("p256", "k", &spki), 0);
	assemble(NULL, &subject, &spki, "k", X509_SIG_ECDSA_SHA256, &csr);
	/* The empty Name is what Windows sends for a template that builds the
	 * subject: derived, marked, for the policy to fill or refuse (submit.c
	 * refuses it without a template). */
	{
		struct derived d;

		assert_int_equal(derive(&no_exts, csr.data, csr.len, &d), 0);
		assert_int_equal(d.has_subject, 0);
		assert_int_equal(d.subject.len, 2);
		assert_int_equal(d.key_type, X509_KEY_EC);
		assert_int_equal(d.key_bits, 256);
		assert_int_equal(d.san.len, 0);
		derived_free(&d);
	}
	x509_buf_free(&spki);
	x509_buf_free(&csr);
}

static void test_extension_set_limits(void **state)
{
	char extra[32 * 40] = "", *big = malloc(2 * 9000 + 64);
	struct x509_buf csr;

	(void)state;
	assert_non_null(big);
	for (int i = 1; i <= CUST_REQ_EXT_MAX + 1; i++) {
		size_t n = strlen(extra);

		snprintf(extra + n, sizeof extra - n, " -addext 1.2.3.%d=DER:0500", i);
	}
	openssl_csr(extra, &csr);
	expect_refused(csr.data, csr.len, HR_E_INVALIDARG);
	assert_non_null(strstr(err, "17 extensions"));
	x509_buf_free(&csr);
	/* one extension of 9,000 bytes: over CUST_REQ_EXT_BYTES_MAX */
	strcpy(big, "-addext 1.2.3.4=DER:04822328");
	for (char *q = big + strlen(big), *end = q + 2 * 9000; q < end; q += 2)
		memcpy(q, "61", 3);
	openssl_csr(big, &csr);
	expect_refused(csr.data, csr.len, HR_E_INVALIDARG);
	x509_buf_free(&csr);
	free(big);
}

/* DER TLV of tag over body into p (short or two-byte lengths); its length. */
static size_t tlv(uint8_t *p, uint8_t tag, const uint8_t *body, size_t len)
{
	size_t h = 2;

	p[0] = tag;
	if (len < 0x80) {
		p[1] = (uint8_t)len;
	} else if (len < 0x100) {
		p[1] = 0x81;
		p[2] = (uint8_t)len;
		h = 3;
	} else {
		h = 1 + der_len(p + 1, len);
	}
	memmove(p + h, body, len);
	return h + len;
}

/* An extensionRequest attribute whose value is an INTEGER, not Extensions: the
 * request cannot say what it asks for. */
static void test_extension_request_unreadable(void **state)
{
	static const uint8_t ext_req_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
					      0x0d, 0x01, 0x09, 0x0e};
	static const uint8_t int5[] = {0x02, 0x01, 0x05};
	uint8_t attr[64], set[16], attrs[80], cri[1024], body[1024];
	struct x509_buf spki, subject, info, sig, csr;
	size_t n, a, b;

	(void)state;
	assert_int_equal(oracle_genkey("p256", "k", &spki), 0);
	assert_int_equal(x509_name_parse("CN=host1.example", &subject, err, sizeof err), 0);
	n = tlv(set, 0x31, int5, sizeof int5);
	memcpy(body, ext_req_oid, sizeof ext_req_oid);
	memcpy(body + sizeof ext_req_oid, set, n);
	a = tlv(attr, 0x30, body, sizeof ext_req_oid + n);
	a = tlv(attrs, 0xa0, attr, a);
	b = 0;
	body[b++] = 0x02, body[b++] = 0x01, body[b++] = 0x00; /* version v1 */
	memcpy(body + b, subject.data, subject.len), b += subject.len;
	memcpy(body + b, spki.data, spki.len), b += spki.len;
	memcpy(body + b, attrs, a), b += a;
	info.len = tlv(cri, 0x30, body, b);
	info.data = cri;
	assert_int_equal(oracle_sign("k", X509_SIG_ECDSA_SHA256, info.data, info.len, &sig), 0);
	assert_int_equal(x509_csr_assemble(&info, X509_SIG_ECDSA_SHA256, sig.data, sig.len, &csr),
			 0);
	/* the signature is good: only the extension set is wrong */
	if (x509_csr_verify(csr.data, csr.len, NULL, NULL, err, sizeof err) != 0)
		fail_msg("verify: %s", err);
	expect_refused(csr.data, csr.len, HR_E_INVALIDARG);
	assert_non_null(strstr(err, "extensionRequest"));
	x509_buf_free(&spki);
	x509_buf_free(&subject);
	x509_buf_free(&sig);
	x509_buf_free(&csr);
}

/* The formats the submit path accepts all derive to the same subject and key,
 * so that a request that pends in any of them can be approved. */
static void test_formats_accepted(void **state)
{
	struct x509_buf der, pem, ber;
	struct derived d, ref;
	size_t hdr;
	char *b64;

	(void)state;
	openssl_csr("", &der);
	assert_int_equal(derive(&no_exts, der.data, der.len, &ref), 0);
	assert_int_equal(ref.format, FMT_PKCS10);
	assert_false(ref.rq.was_text || ref.rq.was_ber);

	assert_int_equal(x509_pem_encode("NEW CERTIFICATE REQUEST", der.data, der.len, &pem), 0);
	assert_int_equal(derive(&no_exts, pem.data, pem.len, &d), 0);
	assert_true(d.rq.was_text);
	assert_memory_equal(d.subject.data, ref.subject.data, ref.subject.len);
	assert_memory_equal(d.spki.data, ref.spki.data, ref.spki.len);
	derived_free(&d);

	/* bare base64: the PEM body without its armour lines */
	b64 = strchr((char *)pem.data, '\n') + 1;
	*strstr(b64, "-----END") = 0;
	assert_int_equal(derive(&no_exts, (uint8_t *)b64, strlen(b64), &d), 0);
	assert_true(d.rq.was_text);
	assert_memory_equal(d.spki.data, ref.spki.data, ref.spki.len);
	derived_free(&d);

	/* BER framing: the outer SEQUENCE with an indefinite length (the signed
	 * CertificationRequestInfo is DER, so the signature still verifies) */
	hdr = der.data[1] < 0x80 ? 2 : 2 + (der.data[1] & 0x7f);
	ber.len = der.len - hdr + 2 + 2;
	ber.data = malloc(ber.len);
	assert_non_null(ber.data);
	ber.data[0] = 0x30;
	ber.data[1] = 0x80;
	memcpy(ber.data + 2, der.data + hdr, der.len - hdr);
	ber.data[ber.len - 2] = ber.data[ber.len - 1] = 0;
	assert_int_equal(derive(&no_exts, ber.data, ber.len, &d), 0);
	assert_true(d.rq.was_ber);
	assert_memory_equal(d.rq.der.data, der.data, der.len);
	assert_memory_equal(d.subject.data, ref.subject.data, ref.subject.len);
	derived_free(&d);

	derived_free(&ref);
	x509_buf_free(&der);
	x509_buf_free(&pem);
	x509_buf_free(&ber);
}

/* Only the extensions the policy names reach the derived request, the first of
 * each OID. */
static void test_policy_filters_extensions(void **state)
{
	struct policy p = {.n_allow = 1};
	struct x509_buf csr;
	struct derived d;

	(void)state;
	strcpy(p.allow[0], "2.5.29.17");
	openssl_csr("-addext subjectAltName=DNS:a.example -addext 1.2.3.4=DER:0500", &csr);
	assert_int_equal(derive(&p, csr.data, csr.len, &d), 0);
	assert_int_equal(d.n_asked, 1);
	assert_string_equal(d.asked[0].oid, "2.5.29.17");
	derived_free(&d);
	assert_int_equal(derive(&no_exts, csr.data, csr.len, &d), 0);
	assert_int_equal(d.n_asked, 0);
	derived_free(&d);
	x509_buf_free(&csr);
}

struct par {
	const struct x509_buf *good, *bad;
	int failures;
};

static void *derive_many(void *arg)
{
	struct par *p = arg;
	char msg[512];

	for (int i = 0; i < 20; i++) {
		struct derived d;

		if (derive_request(&no_exts, p->good->data, p->good->len, &d, msg, sizeof msg) != 0)
			p->failures++;
		derived_free(&d);
		if (derive_request(&no_exts, p->bad->data, p->bad->len, &d, msg, sizeof msg) !=
		    HR_NTE_BAD_SIGNATURE)
			p->failures++;
	}
	return NULL;
}

/* The custodian's verifier threads: many callers at once each get their own
 * answer (the good request verifies, the tampered one does not). */
static void test_verify_pool(void **state)
{
	struct x509_buf good, bad;
	struct par p[4];
	pthread_t t[4];

	(void)state;
	openssl_csr("", &good);
	bad.len = good.len;
	bad.data = malloc(bad.len);
	assert_non_null(bad.data);
	memcpy(bad.data, good.data, good.len);
	bad.data[bad.len - 3] ^= 0x01;
	assert_int_equal(verify_pool_start(2), 0);
	for (int i = 0; i < 4; i++) {
		p[i] = (struct par){&good, &bad, 0};
		assert_int_equal(pthread_create(&t[i], NULL, derive_many, &p[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(p[i].failures, 0);
	}
	x509_buf_free(&good);
	x509_buf_free(&bad);
}

/* A CMC request (a CMS SignedData whose content is PKIData, 1.3.6.1.5.5.7.12.2,
 * made by openssl cms): named, and refused like CMS. */
/* A CMC envelope whose PKIData is not one (an empty SEQUENCE): refused as an
 * unreadable request of that format, nothing left allocated; a CMS around an
 * openssl request: the request inside is derived as a bare one would be, the
 * envelope kept for cmsreq.c (issue 16). */
static void test_cms_envelopes(void **state)
{
	struct x509_buf cmc, csr, cms;
	struct derived d;
	char *out = NULL;

	(void)state;
	if (oracle_run(&out, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
			     "-nodes -keyout '%s' -subj /CN=signer -days 1 -out '%s' && "
			     "printf '\\060\\000' > '%s' && openssl cms -sign -binary -nodetach "
			     "-econtent_type 1.3.6.1.5.5.7.12.2 -in '%s' -signer '%s' -inkey '%s' "
			     "-outform DER -out '%s'",
		       oracle_path("cmc.key"), oracle_path("cmc.pem"), oracle_path("pkidata"),
		       oracle_path("pkidata"), oracle_path("cmc.pem"), oracle_path("cmc.key"),
		       oracle_path("cmc.der")) != 0)
		fail_msg("openssl cms: %s", out);
	free(out);
	assert_int_equal(oracle_read(oracle_path("cmc.der"), &cmc), 0);
	expect_refused(cmc.data, cmc.len, HR_ERROR_INVALID_DATA);
	assert_string_equal(err, "the CMC request cannot be read: cms: an incomplete PKIData");
	assert_int_equal(derive(&no_exts, cmc.data, cmc.len, &d), HR_ERROR_INVALID_DATA);
	assert_int_equal(d.format, FMT_CMC);
	assert_null(d.cms);
	x509_buf_free(&cmc);

	openssl_csr("", &csr);
	if (oracle_run(&out, "openssl cms -sign -binary -nodetach -md sha256 -in '%s' "
			     "-signer '%s' -inkey '%s' -outform DER -out '%s'",
		       oracle_path("osl.csr"), oracle_path("cmc.pem"), oracle_path("cmc.key"),
		       oracle_path("osl.cms")) != 0)
		fail_msg("openssl cms: %s", out);
	free(out);
	assert_int_equal(oracle_read(oracle_path("osl.cms"), &cms), 0);
	assert_int_equal(derive(&no_exts, cms.data, cms.len, &d), 0);
	assert_int_equal(d.format, FMT_CMS);
	assert_non_null(d.cms);
	assert_non_null(d.ms);
	assert_int_equal(d.cms->n_signers, 1);
	assert_int_equal(d.rq.der.len, csr.len);
	assert_memory_equal(d.rq.der.data, csr.data, csr.len);
	assert_null(d.ms->renewal_cert.data);
	derived_free(&d);
	assert_null(d.cms);
	x509_buf_free(&cms);
	x509_buf_free(&csr);
}

/* A BER-framed request whose signature does not verify: the message says why
 * BER may be the cause. */
static void test_ber_bad_signature(void **state)
{
	struct x509_buf der, ber;
	size_t hdr;

	(void)state;
	openssl_csr("", &der);
	der.data[der.len - 3] ^= 0x01; /* inside the signature */
	hdr = der.data[1] < 0x80 ? 2 : 2 + (der.data[1] & 0x7f);
	ber.len = der.len - hdr + 2 + 2;
	ber.data = malloc(ber.len);
	assert_non_null(ber.data);
	ber.data[0] = 0x30;
	ber.data[1] = 0x80;
	memcpy(ber.data + 2, der.data + hdr, der.len - hdr);
	ber.data[ber.len - 2] = ber.data[ber.len - 1] = 0;
	expect_refused(ber.data, ber.len, HR_NTE_BAD_SIGNATURE);
	if (strstr(err, "the request's signature does not verify (") != err ||
	    strstr(err, "); a BER request verifies only when the signed part was DER") == NULL)
		fail_msg("'%s'", err);
	x509_buf_free(&der);
	x509_buf_free(&ber);
}

/* Extensions (DER) holding a SAN of one dNSName each: a.example, then
 * evil.example, and 1.2.3.4 (NULL). */
static const uint8_t two_sans[] = {
	0x30, 0x3e,
	0x30, 0x16, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x0f,
	0x30, 0x0d, 0x82, 0x0b, 'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'x',
	0x30, 0x19, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x12,
	0x30, 0x10, 0x82, 0x0e, 'e', 'v', 'i', 'l', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'x',
	0x30, 0x09, 0x06, 0x03, 0x2a, 0x03, 0x04, 0x04, 0x02, 0x05, 0x00,
};

/* A request naming one OID twice (a second subjectAltName after the first): the
 * first is the one kept, never the second (each is checked by the guard, both
 * clean here); an allow list that names neither keeps none. */
static void test_an_oid_twice_keeps_the_first(void **state)
{
	struct policy p = {.n_allow = 1}, other = {.n_allow = 2};
	struct x509_buf subject, csr;
	struct derived d;

	(void)state;
	assert_int_equal(x509_name_parse("CN=host1.example", &subject, err, sizeof err), 0);
	assert_int_equal(core_csr_raw(&subject, two_sans, sizeof two_sans, "p256", "twice", &csr),
			 0);
	strcpy(p.allow[0], "2.5.29.17");
	assert_int_equal(derive(&p, csr.data, csr.len, &d), 0);
	assert_int_equal(d.n_asked, 1);
	assert_string_equal(d.asked[0].oid, "2.5.29.17");
	assert_int_equal(d.asked[0].value.len, 15);
	assert_memory_equal(d.asked[0].value.data, two_sans + 11, 15);
	derived_free(&d);
	strcpy(other.allow[0], "2.5.29.37");
	strcpy(other.allow[1], "1.2.3.5");
	assert_int_equal(derive(&other, csr.data, csr.len, &d), 0);
	assert_int_equal(d.n_asked, 0);
	derived_free(&d);
	x509_buf_free(&subject);
	x509_buf_free(&csr);
}

/* After the verifier threads: derive_set_verifier(NULL) puts the direct check
 * back; requests still derive and a bad one is still refused. */
static void test_direct_verifier_back(void **state)
{
	struct x509_buf csr;
	struct derived d;

	(void)state;
	derive_set_verifier(NULL);
	openssl_csr("", &csr);
	assert_int_equal(derive(&no_exts, csr.data, csr.len, &d), 0);
	derived_free(&d);
	csr.data[csr.len - 3] ^= 0x01;
	expect_refused(csr.data, csr.len, HR_NTE_BAD_SIGNATURE);
	x509_buf_free(&csr);
}

static int teardown(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

/* What the template policy reads is kept whatever csr_extensions allows (none
 * here): the requested SAN, the template extensions (v2 and v1), the key. The
 * DER of the v2 value is openssl's (SEQUENCE { OID 1.2.3, INTEGER 1, INTEGER 2 }). */
static void test_kept_for_templates(void **state)
{
	static const uint8_t v2[] = {0x30, 0x0a, 0x06, 0x02, 0x2a, 0x03, 0x02, 0x01, 0x01,
				     0x02, 0x01, 0x02};
	struct x509_buf csr;
	struct derived d;

	(void)state;
	openssl_csr("-addext subjectAltName=DNS:a.example "
		    "-addext 1.3.6.1.4.1.311.21.7=DER:300a06022a03020101020102 "
		    "-addext 1.3.6.1.4.1.311.20.2=DER:1e080055007300650072",
		    &csr);
	assert_int_equal(derive(&no_exts, csr.data, csr.len, &d), 0);
	assert_int_equal(d.n_asked, 0); /* none allowed: none asked for */
	assert_int_equal(d.has_subject, 1);
	assert_true(d.san.len > 0);
	assert_int_equal(d.tmpl_v2.len, sizeof(v2));
	assert_memory_equal(d.tmpl_v2.data, v2, sizeof(v2));
	assert_int_equal(d.tmpl_v1.len, 10);
	derived_free(&d);
	assert_null(d.san.data);
	x509_buf_free(&csr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_oversized),
		cmocka_unit_test(test_no_known_format),
		cmocka_unit_test(test_cms_without_a_request),
		cmocka_unit_test(test_subject_too_long),
		cmocka_unit_test(test_key_too_long),
		cmocka_unit_test(test_key_policy),
		cmocka_unit_test(test_bad_signature),
		cmocka_unit_test(test_empty_subject),
		cmocka_unit_test(test_extension_set_limits),
		cmocka_unit_test(test_extension_request_unreadable),
		cmocka_unit_test(test_formats_accepted),
		cmocka_unit_test(test_policy_filters_extensions),
		cmocka_unit_test(test_cms_envelopes),
		cmocka_unit_test(test_ber_bad_signature),
		cmocka_unit_test(test_an_oid_twice_keeps_the_first),
		cmocka_unit_test(test_kept_for_templates),
		cmocka_unit_test(test_verify_pool), /* the verifier stays on ... */
		cmocka_unit_test(test_direct_verifier_back), /* ... until this one */
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
