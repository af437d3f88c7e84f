/* CUST_CAPROP (firmware/custodian/caprop.c, proto.h): the CA's properties as
 * ICertRequestD2::GetCAProperty answers them, on a core made by
 * support/core_harness.c (a real SoftHSM token, the ceremony's root CA with its
 * exchange certificate, a real ledger, the custodian's own service); requests
 * arrive as a worker sends them. Values are checked against oracles independent
 * of caprop.c: the ceremony's files read by the openssl CLI (ca.crt, xchg.crt,
 * the published CRLs, `openssl crl -CAfile` for their signatures, `openssl
 * pkcs7 -print_certs` for the chains), the template defaults of
 * firmware/policy, and support/wcce_sanitize.py (MS-WCCE 3.1.1.4.1.1, with the
 * specification's own example) for the sanitized names. Also the channel's
 * codec for the two new messages (msg.c) and the violations. */
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
#include "firmware/custodian/caprop.h"
#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/custodian/respond.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/icpr/caprop.h"
#include "firmware/ledger/event.h"
#include "firmware/policy/template.h"
#include "platform/utf8.h"
#include "tests/unit/support/core_harness.h"
#include "tests/unit/support/x509_oracle.h"

#define ALICE "EXAMPLE\\alice"
#define OFFICER "olivia"
#define ANON "anonymous@192.0.2.7"
#define SANITIZE "/usr/bin/python3 tests/unit/support/wcce_sanitize.py"

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

/* The default core: anonymous calls refused, no dns_name. */
static int setup(void **state)
{
	(void)state;
	return setup_conf(NULL);
}

static int setup_anon(void **state)
{
	static const char *const conf[] = {"icpr_allow_anonymous=1",
					   "icpr_enforce_encryption=0", NULL};

	(void)state;
	return setup_conf(conf);
}

static int setup_dns(void **state)
{
	static const char *const conf[] = {"dns_name=ca.example.test", NULL};

	(void)state;
	return setup_conf(conf);
}

static int teardown(void **state)
{
	(void)state;
	core_stop(&core);
	return 0;
}

/* ---- CUST_CAPROP as the worker sends it ---- */

struct answer {
	uint32_t type; /* CUST_CAPROP_IS, CUST_ERROR, or 0: the channel ended */
	uint32_t vtype, long_value, indexed_count;
	struct x509_buf value; /* a copy, NUL-terminated (not counted in len) */
	uint32_t hresult;
	char message[CUST_MESSAGE_MAX + 1];
};

static void answer_free(struct answer *a)
{
	x509_buf_free(&a->value);
}

static void ask_as(const char *identity, const char *anonymous, uint32_t id, uint32_t index,
		   struct answer *out)
{
	struct cust_caprop q;
	struct core_who who;
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint32_t mid;
	int rc;

	memset(out, 0, sizeof(*out));
	core_who(&core, identity, anonymous, &who);
	memset(&q, 0, sizeof(q));
	q.prop_id = id;
	q.index = index;
	q.who.token = who.token;
	q.who.token_len = who.token_len;
	if (anonymous != NULL)
		snprintf(q.who.requester, sizeof(q.who.requester), "%s", anonymous);
	ipc_wbuf_init(&w);
	cust_caprop_encode(&w, &q);
	mid = core_send(&core, CUST_CAPROP, &w);
	rc = core_recv(&core, &m);
	assert_true(rc >= 0);
	if (rc == 0)
		return;
	assert_int_equal(m.hdr.id, mid);
	out->type = m.hdr.type;
	if (m.hdr.type == CUST_CAPROP_IS) {
		struct cust_caprop_is a;

		assert_int_equal(cust_caprop_is_decode(m.data, m.hdr.len, &a), 0);
		out->vtype = a.type;
		out->long_value = a.long_value;
		out->indexed_count = a.indexed_count;
		out->value.data = malloc(a.value_len + 1);
		assert_non_null(out->value.data);
		if (a.value_len > 0)
			memcpy(out->value.data, a.value, a.value_len);
		out->value.data[a.value_len] = 0;
		out->value.len = a.value_len;
	} else {
		struct cust_error e;

		assert_int_equal(m.hdr.type, CUST_ERROR);
		assert_int_equal(cust_error_decode(m.data, m.hdr.len, &e), 0);
		out->hresult = e.hresult;
		snprintf(out->message, sizeof(out->message), "%s", e.message);
	}
	ipc_msg_free(&m);
}

static void ask(uint32_t id, uint32_t index, struct answer *out)
{
	ask_as(ALICE, NULL, id, index, out);
}

static uint32_t ask_long(uint32_t id, uint32_t index)
{
	struct answer a;

	ask(id, index, &a);
	if (a.type != CUST_CAPROP_IS)
		fail_msg("property %u[%u]: 0x%08x %s", id, index, a.hresult, a.message);
	assert_int_equal(a.vtype, CAPROP_TYPE_LONG);
	assert_int_equal(a.value.len, 0);
	answer_free(&a);
	return a.long_value;
}

/* A STRING property's value (free it). */
static char *ask_string(uint32_t id, uint32_t index)
{
	struct answer a;

	ask(id, index, &a);
	if (a.type != CUST_CAPROP_IS)
		fail_msg("property %u[%u]: 0x%08x %s", id, index, a.hresult, a.message);
	assert_int_equal(a.vtype, CAPROP_TYPE_STRING);
	return (char *)a.value.data;
}

static void ask_binary(uint32_t id, uint32_t index, struct x509_buf *out)
{
	struct answer a;

	ask(id, index, &a);
	if (a.type != CUST_CAPROP_IS)
		fail_msg("property %u[%u]: 0x%08x %s", id, index, a.hresult, a.message);
	assert_int_equal(a.vtype, CAPROP_TYPE_BINARY);
	assert_int_equal(a.long_value, 0);
	assert_int_equal(a.indexed_count, 1);
	*out = a.value;
}

static void expect_error(uint32_t id, uint32_t index, uint32_t hr)
{
	struct answer a;

	ask(id, index, &a);
	if (a.type != CUST_ERROR)
		fail_msg("property %u[%u]: an answer, 0x%08x expected", id, index, hr);
	assert_int_equal(a.hresult, hr);
	assert_true(a.message[0] != 0);
}

/* ---- oracles ---- */

/* A PEM file of the data directory as DER, by openssl. */
static void pem_der(const char *file, struct x509_buf *out)
{
	char in[PATH_MAX], *text = NULL;
	const char *path = oracle_path("pem.der");

	snprintf(in, sizeof in, "%s/%s", core.dir, file);
	if (oracle_run(&text, "openssl x509 -in '%s' -outform DER -out '%s'", in, path) != 0)
		fail_msg("openssl x509: %s", text);
	free(text);
	assert_int_equal(oracle_read(path, out), 0);
}

/* A certs-only PKCS#7's certificates (subject lines) and CRLs, by openssl. */
static char *pkcs7_print(const struct x509_buf *p7)
{
	const char *path = oracle_path("p7.der");
	char *out = NULL;

	assert_int_equal(oracle_write(path, p7->data, p7->len), 0);
	if (oracle_run(&out, "openssl pkcs7 -inform DER -in '%s' -print_certs -noout", path) !=
	    0)
		fail_msg("openssl pkcs7: %s", out);
	return out;
}

/* The PKCS#7's certificates in order, as DER, by openssl (the i-th: index i). */
static void pkcs7_cert(const struct x509_buf *p7, int i, struct x509_buf *out)
{
	const char *path = oracle_path("p7.der"), *pem = oracle_path("p7.pem"),
		   *der = oracle_path("p7c.der");
	char *text = NULL;

	assert_int_equal(oracle_write(path, p7->data, p7->len), 0);
	/* the i-th PEM block of -print_certs */
	if (oracle_run(&text, "openssl pkcs7 -inform DER -in '%s' -print_certs | awk "
			      "'/BEGIN CERT/{n++} n==%d' | sed -n '/BEGIN/,/END/p' > '%s' && "
			      "openssl x509 -in '%s' -outform DER -out '%s'",
		       path, i + 1, pem, pem, der) != 0)
		fail_msg("openssl pkcs7 (certificate %d): %s", i, text);
	free(text);
	assert_int_equal(oracle_read(der, out), 0);
}

static size_t count(const char *text, const char *what)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static void publish(int delta)
{
	assert_int_equal(crl_publish(core_admin(&core), ACTOR_OPERATOR, OFFICER, delta, msg,
				     sizeof msg), 0);
}

/* A published CRL's bytes, checked by openssl against the CA certificate. */
static void crl_file(const char *name, struct x509_buf *out)
{
	char path[PATH_MAX], ca[PATH_MAX], *text = NULL;

	snprintf(path, sizeof path, "%s/crl/%s", core.dir, name);
	snprintf(ca, sizeof ca, "%s/ca.crt", core.dir);
	assert_int_equal(oracle_read(path, out), 0);
	if (oracle_run(&text, "openssl crl -inform DER -in '%s' -CAfile '%s' -noout", path, ca) !=
		    0 ||
	    strstr(text, "verify OK") == NULL)
		fail_msg("openssl crl: %s", text);
	free(text);
}

/* The answered CRL, checked by openssl against the CA certificate. */
static void crl_verifies(const struct x509_buf *crl, int want_delta)
{
	const char *path = oracle_path("crl.der");
	char ca[PATH_MAX], *text = NULL;

	snprintf(ca, sizeof ca, "%s/ca.crt", core.dir);
	assert_int_equal(oracle_write(path, crl->data, crl->len), 0);
	if (oracle_run(&text, "openssl crl -inform DER -in '%s' -CAfile '%s' -noout -text",
		       path, ca) != 0 ||
	    strstr(text, "verify OK") == NULL)
		fail_msg("openssl crl: %s", text);
	assert_int_equal(strstr(text, "Delta CRL Indicator") != NULL, want_delta);
	free(text);
}

/* ---- the numbers ---- */

static void test_longs(void **state)
{
	char *text = NULL, cmd[PATH_MAX + 128];

	(void)state;
	/* a root: openssl finds the certificate self-issued and self-signed */
	snprintf(cmd, sizeof cmd, "openssl verify -CAfile '%s/ca.crt' '%s/ca.crt'", core.dir,
		 core.dir);
	assert_int_equal(oracle_run(&text, "%s", cmd), 0);
	assert_non_null(strstr(text, ": OK"));
	free(text);
	assert_int_equal(ask_long(CR_PROP_CATYPE, 0), CAPROP_CATYPE_STANDALONE_ROOT);
	assert_int_equal(ask_long(CR_PROP_CASIGCERTCOUNT, 0), 1);
	assert_int_equal(ask_long(CR_PROP_CAXCHGCERTCOUNT, 0), 1); /* the ceremony's xchg.crt */
	assert_int_equal(ask_long(CR_PROP_EXITCOUNT, 0), 0);
	assert_int_equal(ask_long(CR_PROP_KRACERTCOUNT, 0), 0);
	assert_int_equal(ask_long(CR_PROP_KRACERTUSEDCOUNT, 0), 0);
	assert_int_equal(ask_long(CR_PROP_ADVANCEDSERVER, 0), 1);
	assert_int_equal(ask_long(CR_PROP_ROLESEPARATIONENABLED, 0), 1);
	assert_int_equal(ask_long(CR_PROP_CAPROPIDMAX, 0), CR_PROP_SUBJECTTEMPLATE_OIDS);
	assert_int_equal(ask_long(CR_PROP_CACERTSTATE, 0), CAPROP_DISP_VALID);
	assert_int_equal(ask_long(CR_PROP_CACERTSTATUSCODE, 0), 0);
	assert_int_equal(ask_long(CR_PROP_CACERTVERSION, 0), 0);
	/* a property that is not indexed ignores the index; the count says so */
	{
		struct answer a;

		ask(CR_PROP_CATYPE, 7, &a);
		assert_int_equal(a.type, CUST_CAPROP_IS);
		assert_int_equal(a.long_value, CAPROP_CATYPE_STANDALONE_ROOT);
		assert_int_equal(a.indexed_count, 0);
		answer_free(&a);
		ask(CR_PROP_CACERTSTATE, 0, &a);
		assert_int_equal(a.indexed_count, 1);
		answer_free(&a);
	}
}

/* ---- the certificates ---- */

static void test_certs(void **state)
{
	struct x509_buf ca, xchg, v, c0, c1;
	char *text;

	(void)state;
	pem_der("ca.crt", &ca);
	pem_der("xchg.crt", &xchg);
	ask_binary(CR_PROP_CASIGCERT, 0, &v);
	assert_int_equal(v.len, ca.len);
	assert_memory_equal(v.data, ca.data, ca.len);
	x509_buf_free(&v);
	ask_binary(CR_PROP_CAXCHGCERT, 0, &v);
	assert_int_equal(v.len, xchg.len);
	assert_memory_equal(v.data, xchg.data, xchg.len);
	x509_buf_free(&v);

	/* the chain: the CA certificate alone (a root) */
	ask_binary(CR_PROP_CASIGCERTCHAIN, 0, &v);
	text = pkcs7_print(&v);
	assert_int_equal(count(text, "subject="), 1);
	assert_int_equal(count(text, "Certificate Revocation List"), 0);
	free(text);
	pkcs7_cert(&v, 0, &c0);
	assert_int_equal(c0.len, ca.len);
	assert_memory_equal(c0.data, ca.data, ca.len);
	x509_buf_free(&c0);
	x509_buf_free(&v);

	/* the exchange chain: the exchange certificate, then the CA's */
	ask_binary(CR_PROP_CAXCHGCERTCHAIN, 0, &v);
	text = pkcs7_print(&v);
	assert_int_equal(count(text, "subject="), 2);
	free(text);
	pkcs7_cert(&v, 0, &c0);
	pkcs7_cert(&v, 1, &c1);
	assert_int_equal(c0.len, xchg.len);
	assert_memory_equal(c0.data, xchg.data, xchg.len);
	assert_int_equal(c1.len, ca.len);
	assert_memory_equal(c1.data, ca.data, ca.len);
	x509_buf_free(&c0);
	x509_buf_free(&c1);
	x509_buf_free(&v);

	/* one certificate each: index 1 is out of range */
	expect_error(CR_PROP_CASIGCERT, 1, HR_E_INVALIDARG);
	expect_error(CR_PROP_CAXCHGCERT, 1, HR_E_INVALIDARG);
	expect_error(CR_PROP_CASIGCERTCHAIN, 1, HR_E_INVALIDARG);
	expect_error(CR_PROP_CACERTSTATE, 1, HR_E_INVALIDARG);
	expect_error(CR_PROP_BASECRL, 0xffffffffu, HR_E_INVALIDARG);
	/* no key recovery agent, no exit module: no index at all */
	expect_error(CR_PROP_KRACERT, 0, HR_E_INVALIDARG);
	expect_error(CR_PROP_EXITDESCRIPTION, 0, HR_E_INVALIDARG);
	x509_buf_free(&ca);
	x509_buf_free(&xchg);
}

/* ---- the CRLs ---- */

static void test_crls(void **state)
{
	struct x509_buf v, base, delta;
	char *text;

	(void)state;
	/* none published yet */
	expect_error(CR_PROP_BASECRL, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
	expect_error(CR_PROP_DELTACRL, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
	assert_int_equal(ask_long(CR_PROP_CRLSTATE, 0), CAPROP_DISP_INCOMPLETE);
	ask_binary(CR_PROP_CASIGCERTCRLCHAIN, 0, &v);
	text = pkcs7_print(&v);
	assert_int_equal(count(text, "Certificate Revocation List"), 0);
	free(text);
	x509_buf_free(&v);

	/* a base CRL: the published bytes; still no delta */
	publish(0);
	crl_file("ca.crl", &base);
	ask_binary(CR_PROP_BASECRL, 0, &v);
	assert_int_equal(v.len, base.len);
	assert_memory_equal(v.data, base.data, base.len);
	crl_verifies(&v, 0);
	x509_buf_free(&v);
	expect_error(CR_PROP_DELTACRL, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
	assert_int_equal(ask_long(CR_PROP_CRLSTATE, 0), CAPROP_DISP_VALID);

	/* a delta: answered; the base is the same */
	publish(1);
	crl_file("ca-delta.crl", &delta);
	ask_binary(CR_PROP_DELTACRL, 0, &v);
	assert_int_equal(v.len, delta.len);
	assert_memory_equal(v.data, delta.data, delta.len);
	crl_verifies(&v, 1);
	x509_buf_free(&v);
	ask_binary(CR_PROP_BASECRL, 0, &v);
	assert_int_equal(v.len, base.len);
	assert_memory_equal(v.data, base.data, base.len);
	x509_buf_free(&v);
	/* the CRL chain: the CA certificate and both CRLs */
	ask_binary(CR_PROP_CASIGCERTCRLCHAIN, 0, &v);
	text = pkcs7_print(&v);
	assert_int_equal(count(text, "subject="), 1);
	assert_int_equal(count(text, "Certificate Revocation List"), 2);
	free(text);
	x509_buf_free(&v);
	ask_binary(CR_PROP_CAXCHGCERTCRLCHAIN, 0, &v);
	text = pkcs7_print(&v);
	assert_int_equal(count(text, "subject="), 2);
	assert_int_equal(count(text, "Certificate Revocation List"), 2);
	free(text);
	x509_buf_free(&v);
	x509_buf_free(&base);
	x509_buf_free(&delta);

	/* a newer base: the delta before it is not current */
	publish(0);
	crl_file("ca.crl", &base);
	ask_binary(CR_PROP_BASECRL, 0, &v);
	assert_int_equal(v.len, base.len);
	assert_memory_equal(v.data, base.data, base.len);
	x509_buf_free(&v);
	x509_buf_free(&base);
	expect_error(CR_PROP_DELTACRL, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
}

/* A CRL beyond CUST_CAPROP_VALUE_MAX is not carried: CUST_HR_TOO_LARGE. The
 * size cache respond.c keeps decides, as for CR_IN_CRLS (a size made larger
 * than the CRL is shows it): the CRL is not read again. */
static void test_crl_too_large(void **state)
{
	struct submit_ctx *sub = core_admin(&core)->sub;
	struct respond_crls *k = sub->crl_sizes;
	struct x509_buf v;
	int seen = 0;

	(void)state;
	publish(0);
	ask_binary(CR_PROP_BASECRL, 0, &v); /* read once: its size is kept */
	x509_buf_free(&v);
	pthread_mutex_lock(&k->mu);
	for (unsigned i = 0; i < RESPOND_CRLS_KEPT; i++)
		if (k->seq[i] != 0) {
			seen++;
			k->len[i] = CUST_CAPROP_VALUE_MAX + 1;
		}
	pthread_mutex_unlock(&k->mu);
	assert_int_equal(seen, 1);
	expect_error(CR_PROP_BASECRL, 0, CUST_HR_TOO_LARGE);
	/* the CRL chain goes without it */
	{
		char *text;

		ask_binary(CR_PROP_CASIGCERTCRLCHAIN, 0, &v);
		text = pkcs7_print(&v);
		assert_int_equal(count(text, "Certificate Revocation List"), 0);
		free(text);
		x509_buf_free(&v);
	}
	/* a new base: read, answered */
	publish(0);
	ask_binary(CR_PROP_BASECRL, 0, &v);
	crl_verifies(&v, 0);
	x509_buf_free(&v);
}

/* ---- the names and texts ---- */

/* The CA certificate's CN, by openssl. */
static void ca_cn(char *out, size_t outlen)
{
	char *text = NULL, *p, *e;

	assert_int_equal(oracle_run(&text, "openssl x509 -in '%s/ca.crt' -noout -subject "
					   "-nameopt RFC2253,-esc_msb", core.dir), 0);
	p = strstr(text, "CN=");
	assert_non_null(p);
	p += 3;
	e = strpbrk(p, ",\n");
	assert_non_null(e);
	snprintf(out, outlen, "%.*s", (int)(e - p), p);
	free(text);
}

/* wcce_sanitize.py's "full=" or "short=" line for name. */
static void sanitized(const char *name, const char *which, char *out, size_t outlen)
{
	char *text = NULL, *p, *e, key[16];

	assert_int_equal(oracle_run(&text, SANITIZE " '%s'", name), 0);
	snprintf(key, sizeof key, "%s=", which);
	p = strstr(text, key);
	assert_non_null(p);
	p += strlen(key);
	e = strchr(p, '\n');
	snprintf(out, outlen, "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
	free(text);
}

static void test_names(void **state)
{
	char cn[256], want[1024], *s;

	(void)state;
	ca_cn(cn, sizeof cn);
	assert_string_equal(cn, "Core Harness Root CA"); /* the harness's ceremony */
	s = ask_string(CR_PROP_CANAME, 0);
	assert_string_equal(s, cn);
	free(s);
	sanitized(cn, "full", want, sizeof want);
	s = ask_string(CR_PROP_SANITIZEDCANAME, 0);
	assert_string_equal(s, want);
	free(s);
	sanitized(cn, "short", want, sizeof want);
	s = ask_string(CR_PROP_SANITIZEDCASHORTNAME, 0);
	assert_string_equal(s, want);
	free(s);
	/* a root has no parent */
	s = ask_string(CR_PROP_PARENTCA, 0);
	assert_string_equal(s, "");
	free(s);
	/* no dns_name in ca.conf: no value */
	expect_error(CR_PROP_DNSNAME, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
	s = ask_string(CR_PROP_FILEVERSION, 0);
	assert_true(s[0] != 0);
	free(s);
	s = ask_string(CR_PROP_POLICYDESCRIPTION, 0);
	assert_non_null(strstr(s, "Standalone policy"));
	free(s);
	/* known, without a value here */
	expect_error(CR_PROP_SHAREDFOLDER, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
	expect_error(CR_PROP_CAFORWARDCROSSCERT, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
}

static void test_dns_name(void **state)
{
	char *s;

	(void)state;
	s = ask_string(CR_PROP_DNSNAME, 0);
	assert_string_equal(s, "ca.example.test");
	free(s);
}

/* The sanitizers against the specification's example (MS-WCCE 1.3.2.5) and
 * wcce_sanitize.py: names with escapes, beyond the BMP, and long ones whose cut
 * falls inside an escape. */
static void sanitize_utf8(const char *name, uint32_t *cp, size_t *n)
{
	size_t at = 0, len = strlen(name), k;
	uint32_t c;

	*n = 0;
	while (at < len && (k = utf8_next((const uint8_t *)name + at, len - at, &c)) != 0) {
		cp[(*n)++] = c;
		at += k;
	}
	assert_int_equal(at, len);
}

static void test_sanitize(void **state)
{
	static const char *const names[] = {
		"LongCAName(WithSpeci@#$%^Characters",
		"Plain CA",
		"Caf\xc3\xa9 \xf0\x9f\x94\x92 CA!",
		"An Issuing Certification Authority With A Very Long Name 2026",
		"0123456789012345678901234567890123456789012345678#abcdefgh",
		"012345678901234567890123456789012345678901234567#abcdefgh",
		"01234567890123456789012345678901234567890123456789",
		"012345678901234567890123456789012345678901234567890",
		"0123456789012345678901234567890123456789012345678901",
	};
	uint32_t cp[128];
	char got[1024], want[1024];
	size_t n;

	(void)state;
	sanitize_utf8(names[0], cp, &n);
	assert_int_equal(caprop_sanitize(cp, n, got, sizeof got), 0);
	assert_string_equal(got, "LongCAName!0028WithSpeci@!0023$!0025!005eCharacters");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sanitize_utf8(names[i], cp, &n);
		assert_int_equal(caprop_sanitize(cp, n, got, sizeof got), 0);
		sanitized(names[i], "full", want, sizeof want);
		assert_string_equal(got, want);
		assert_int_equal(caprop_sanitize_short(cp, n, got, sizeof got), 0);
		sanitized(names[i], "short", want, sizeof want);
		assert_string_equal(got, want);
		assert_true(strlen(got) <= 57);
	}
	/* too small a buffer: refused, never cut */
	sanitize_utf8(names[0], cp, &n);
	assert_int_equal(caprop_sanitize(cp, n, got, 10), -1);
	assert_int_equal(caprop_sanitize_short(cp, n, got, 10), -1);
}

/* ---- templates and URLs ---- */

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct template *)a)->name, ((const struct template *)b)->name);
}

/* "name\nOID\n" for the templates the new CA journaled: firmware/policy's
 * defaults, sorted by name (the store's order), less skip (NULL: none). */
static void templates_oracle(const char *skip, char *out, size_t outlen)
{
	size_t n, at = 0;
	const struct template *d = template_defaults(&n);
	struct template *t = malloc(n * sizeof(*t));

	assert_non_null(t);
	memcpy(t, d, n * sizeof(*t));
	qsort(t, n, sizeof(*t), by_name);
	out[0] = 0;
	for (size_t i = 0; i < n; i++)
		if (skip == NULL || strcmp(t[i].name, skip) != 0)
			at += (size_t)snprintf(out + at, outlen - at, "%s\n%s\n", t[i].name,
					       t[i].oid);
	assert_true(at < outlen);
	free(t);
}

static void test_templates(void **state)
{
	struct submit_ctx *sub = core_admin(&core)->sub;
	char *want = malloc(65536), *s, err[256];
	size_t n;
	const struct template *d = template_defaults(&n);

	(void)state;
	assert_non_null(want);
	assert_true(n > 0);
	templates_oracle(NULL, want, 65536);
	s = ask_string(CR_PROP_TEMPLATES, 0);
	assert_string_equal(s, want);
	free(s);
	/* one removed by the administrator: gone from the answer */
	assert_int_equal(tmplstore_del(sub->templates, sub->rec, "admin", d[0].name, err,
				       sizeof err), 0);
	templates_oracle(d[0].name, want, 65536);
	s = ask_string(CR_PROP_TEMPLATES, 0);
	assert_string_equal(s, want);
	free(s);
	free(want);
}

static void test_urls(void **state)
{
	char *s;

	(void)state;
	/* the harness's ceremony: a CDP, no AIA, no OCSP */
	s = ask_string(CR_PROP_CERTCDPURLS, 0);
	assert_string_equal(s, "http://pki.example/ca.crl");
	free(s);
	expect_error(CR_PROP_CERTAIAURLS, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
	expect_error(CR_PROP_CERTAIAOCSPURLS, 0, HR_CERTSRV_E_PROPERTY_EMPTY);
	expect_error(CR_PROP_CERTCDPURLS, 1, HR_E_INVALIDARG);
}

/* ---- refusals ---- */

static void test_unknown(void **state)
{
	static const uint32_t bad[] = {0, CAPROP_ID_MAX + 1, 0x1000, 0xffffffffu};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(bad[i], 0, HR_E_INVALIDARG);
	/* the channel goes on */
	assert_int_equal(ask_long(CR_PROP_CASIGCERTCOUNT, 0), 1);
}

static void test_anonymous_refused(void **state)
{
	struct answer a;

	(void)state;
	ask_as(NULL, ANON, CR_PROP_CANAME, 0, &a);
	assert_int_equal(a.type, CUST_ERROR);
	assert_int_equal(a.hresult, HR_E_ACCESSDENIED);
}

static void test_anonymous_allowed(void **state)
{
	struct answer a;

	(void)state;
	ask_as(NULL, ANON, CR_PROP_CANAME, 0, &a);
	assert_int_equal(a.type, CUST_CAPROP_IS);
	assert_string_equal((char *)a.value.data, "Core Harness Root CA");
	answer_free(&a);
}

/* A compromised worker: a frame cut short, one with a byte more, a name without
 * a token, the custodian's own answer type. Each ends the channel. */
static void violation(int how)
{
	struct cust_caprop q;
	struct core_who who;
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint32_t type = CUST_CAPROP;

	memset(&q, 0, sizeof(q));
	core_who(&core, ALICE, NULL, &who);
	q.prop_id = CR_PROP_CANAME;
	q.who.token = who.token;
	q.who.token_len = who.token_len;
	if (how == 2) {
		q.who.token = NULL;
		q.who.token_len = 0;
		snprintf(q.who.requester, sizeof(q.who.requester), "%s", ALICE);
	}
	ipc_wbuf_init(&w);
	cust_caprop_encode(&w, &q);
	if (how == 0)
		w.len--;
	if (how == 1)
		ipc_put_u32(&w, 0);
	if (how == 3)
		type = CUST_CAPROP_IS;
	core_send(&core, type, &w);
	assert_int_equal(core_recv(&core, &m), 0);
	assert_int_equal(core_end_channel(&core), 1);
}

static void test_violation_short(void **state)
{
	(void)state;
	violation(0);
}

static void test_violation_trailing(void **state)
{
	(void)state;
	violation(1);
}

static void test_violation_named(void **state)
{
	(void)state;
	violation(2);
}

static void test_violation_answer_type(void **state)
{
	(void)state;
	violation(3);
}

/* Before GET_CA: the whitelist admits CAPROP in ST_READY only. */
static void test_violation_before_start(void **state)
{
	struct core_opts o;
	struct cust_caprop q;
	struct core_who who;
	struct ipc_wbuf w;
	struct ipc_msg m;

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(core_start(&core, &ca_template, &o), 0);
	memset(&q, 0, sizeof(q));
	core_who(&core, ALICE, NULL, &who);
	q.prop_id = CR_PROP_CANAME;
	q.who.token = who.token;
	q.who.token_len = who.token_len;
	ipc_wbuf_init(&w);
	cust_caprop_encode(&w, &q);
	core_send(&core, CUST_CAPROP, &w);
	assert_int_equal(core_recv(&core, &m), 0);
	assert_int_equal(core_end_channel(&core), 1);
}

/* ---- the codec (msg.c) ---- */

static void test_codec(void **state)
{
	static const uint8_t tok[3] = {1, 2, 3}, der[4] = {0x30, 2, 5, 0};
	struct cust_caprop q = {CR_PROP_BASECRL, 2, {tok, sizeof tok, ""}}, q2;
	struct cust_caprop_is r = {CAPROP_TYPE_BINARY, 0, der, sizeof der, 1}, r2;
	struct ipc_wbuf w;

	(void)state;
	ipc_wbuf_init(&w);
	cust_caprop_encode(&w, &q);
	assert_int_equal(w.len, 4 + 4 + 4 + sizeof tok + 4);
	assert_int_equal(cust_caprop_decode(w.data, w.len, &q2), 0);
	assert_int_equal(q2.prop_id, CR_PROP_BASECRL);
	assert_int_equal(q2.index, 2);
	assert_int_equal(q2.who.token_len, 3);
	assert_memory_equal(q2.who.token, tok, 3);
	assert_int_equal(cust_caprop_decode(w.data, w.len - 1, &q2), -1);
	ipc_put_u32(&w, 0);
	assert_int_equal(cust_caprop_decode(w.data, w.len, &q2), -1);
	ipc_wbuf_free(&w);
	/* the bounds the whitelist checks hold the encoder's extremes */
	assert_true(CUST_CAPROP_MIN == 4 + 4 + CUST_WHO_MIN);
	assert_true(CUST_CAPROP_MAX <= CUST_SUBMIT_MAX);

	ipc_wbuf_init(&w);
	cust_caprop_is_encode(&w, &r);
	assert_int_equal(w.len, 4 + 4 + 4 + sizeof der + 4);
	assert_int_equal(cust_caprop_is_decode(w.data, w.len, &r2), 0);
	assert_int_equal(r2.type, CAPROP_TYPE_BINARY);
	assert_int_equal(r2.value_len, sizeof der);
	assert_memory_equal(r2.value, der, sizeof der);
	assert_int_equal(r2.indexed_count, 1);
	ipc_wbuf_free(&w);
	/* each type's shape */
	{
		static const uint8_t nul[3] = {'a', 0, 'b'};
		const struct cust_caprop_is bad[] = {
			{CAPROP_TYPE_LONG, 5, der, sizeof der, 0},  /* a LONG with bytes */
			{CAPROP_TYPE_BINARY, 0, NULL, 0, 1},        /* an empty BINARY */
			{CAPROP_TYPE_BINARY, 1, der, sizeof der, 1}, /* a BINARY with a number */
			{CAPROP_TYPE_STRING, 0, nul, sizeof nul, 0}, /* a NUL in a STRING */
			{CAPROP_TYPE_STRING, 9, NULL, 0, 0},        /* a STRING with a number */
			{CAPROP_TYPE_DATE, 0, NULL, 0, 0},          /* not a type answered */
			{0, 0, NULL, 0, 0},
		};
		const struct cust_caprop_is good[] = {
			{CAPROP_TYPE_LONG, 0xffffffffu, NULL, 0, 0},
			{CAPROP_TYPE_STRING, 0, NULL, 0, 0}, /* an empty STRING (PARENTCA) */
			{CAPROP_TYPE_STRING, 0, nul, 1, 3},
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			ipc_wbuf_init(&w);
			cust_caprop_is_encode(&w, &bad[i]);
			assert_int_equal(cust_caprop_is_decode(w.data, w.len, &r2), -1);
			ipc_wbuf_free(&w);
		}
		for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			ipc_wbuf_init(&w);
			cust_caprop_is_encode(&w, &good[i]);
			assert_int_equal(cust_caprop_is_decode(w.data, w.len, &r2), 0);
			assert_int_equal(r2.type, good[i].type);
			assert_int_equal(r2.long_value, good[i].long_value);
			assert_int_equal(r2.indexed_count, good[i].indexed_count);
			ipc_wbuf_free(&w);
		}
	}
	/* a value beyond CUST_CAPROP_VALUE_MAX: refused by its length prefix */
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, CAPROP_TYPE_BINARY);
	ipc_put_u32(&w, 0);
	ipc_put_u32(&w, CUST_CAPROP_VALUE_MAX + 1);
	assert_int_equal(cust_caprop_is_decode(w.data, w.len, &r2), -1);
	ipc_wbuf_free(&w);
	/* the worker's receive cap admits the largest answer */
	assert_true(CUST_WORKER_RECV_MAX >= CUST_CAPROP_IS_MAX);
	assert_true(CUST_CAPROP_IS_MAX == 4 + 4 + 4 + CUST_CAPROP_VALUE_MAX + 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test_setup_teardown(test_longs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_certs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crl_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dns_name, setup_dns, teardown),
		cmocka_unit_test_setup_teardown(test_templates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_allowed, setup_anon, teardown),
		cmocka_unit_test_setup_teardown(test_violation_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violation_trailing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violation_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_violation_answer_type, setup, teardown),
		cmocka_unit_test_teardown(test_violation_before_start, teardown),
	};
	int rc;

	if (core_ca_make(&ca_template, "ec:p256") != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	core_ca_free(&ca_template);
	oracle_cleanup();
	return rc;
}
