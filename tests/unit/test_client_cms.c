/* Unit tests of careq's CMS requests (firmware/client/cmsreq.c, issue 16), with
 * keys and certificates made by the openssl CLI at test time and the result
 * read by two independent oracles: `openssl cms -verify -noverify` (the
 * signature holds and the content is the PKCS#10) and Debian's asn1crypto
 * (tests/unit/support/cms_check.py: eContentType, certificates, sid, the signed
 * attributes, the name-value pair's BMPStrings, the renewal attribute). What
 * must hold: renewal = a PKCS#10 for the old subject carrying the old
 * certificate's DER, signed by the new key, in a SignedData signed by the old
 * key; on behalf = the given PKCS#10 byte for byte in a SignedData signed by
 * the agent with RequesterName; a key that is not the certificate's is refused;
 * the CRLs of a PKCS#7 answer are extracted exactly, and a hostile answer is
 * refused with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/client/client.h"
#include "tests/unit/support/x509_oracle.h"

/* cms_check.py by its absolute path (some commands run in the oracle's
 * directory); set by main from the working directory, the repository's root. */
static char check[1200];

/* A shell command that must succeed. */
static void sh(const char *cmd)
{
	char *out = NULL;
	int rc = oracle_run(&out, "%s", cmd);

	if (rc != 0)
		fprintf(stderr, "failed: %s\n%s\n", cmd, out ? out : "");
	free(out);
	assert_int_equal(rc, 0);
}

/* A command's output, which must succeed, with a newline in front (so that
 * "\nline\n" finds whole lines). */
static char *output(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *output(const char *fmt, ...)
{
	char cmd[2048], *out = NULL, *lines;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = oracle_run(&out, "%s", cmd);
	if (rc != 0)
		fprintf(stderr, "failed: %s\n%s\n", cmd, out ? out : "");
	assert_int_equal(rc, 0);
	assert_non_null(lines = malloc(strlen(out) + 2));
	lines[0] = '\n';
	strcpy(lines + 1, out);
	free(out);
	return lines;
}

static void has_line(const char *lines, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void has_line(const char *lines, const char *fmt, ...)
{
	char want[1024];
	va_list ap;

	want[0] = '\n';
	va_start(ap, fmt);
	vsnprintf(want + 1, sizeof(want) - 2, fmt, ap);
	va_end(ap);
	strcat(want, "\n");
	if (strstr(lines, want) == NULL)
		fprintf(stderr, "missing line %s in:%s\n", want, lines);
	assert_non_null(strstr(lines, want));
}

/* SHA-256 of a file (or of a command's output) in hex, by openssl dgst. */
static void sha_hex(const char *cmd, char out[65])
{
	char *o = output("%s | openssl dgst -sha256 -r", cmd);

	assert_true(strlen(o) > 65);
	memcpy(out, o + 1, 64);
	out[64] = '\0';
	free(o);
}

/* The serial of a certificate as openssl prints it, lower case without
 * leading zeros (as cms_check.py prints it). */
static void serial_hex(const char *cert, char out[64])
{
	char *o = output("openssl x509 -in '%s' -noout -serial", cert), *p;

	assert_non_null(p = strstr(o, "serial="));
	p += 7;
	while (*p == '0' && p[1] != '\n')
		p++;
	snprintf(out, 64, "%.*s", (int)strcspn(p, "\n"), p);
	for (char *c = out; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'F' ? *c + 32 : *c);
	free(o);
}

/* A self-signed certificate and key: "rsa" (PKCS#8 PEM) or "ec" (traditional
 * EC PRIVATE KEY, as openssl ecparam writes it). */
static void make_pair(const char *name, const char *kind, const char *subj)
{
	char cmd[1024];
	const char *d = oracle_dir();

	if (strcmp(kind, "rsa") == 0)
		snprintf(cmd, sizeof(cmd),
			 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/%s.key -out %s/%s.crt "
			 "-subj '%s' -days 2",
			 d, name, d, name, subj);
	else
		snprintf(cmd, sizeof(cmd),
			 "openssl ecparam -name prime256v1 -genkey -noout -out %s/%s.key && "
			 "openssl req -x509 -new -key %s/%s.key -out %s/%s.crt -subj '%s' -days 2",
			 d, name, d, name, d, name, subj);
	sh(cmd);
}

static void load(const char *name, struct cmsreq_signer *s)
{
	char cert[256], key[256], err[CLIENT_ERR_LEN] = "";

	snprintf(cert, sizeof(cert), "%s/%s.crt", oracle_dir(), name);
	snprintf(key, sizeof(key), "%s/%s.key", oracle_dir(), name);
	if (cmsreq_load_signer(cert, key, s, err, sizeof(err)) != 0)
		fprintf(stderr, "%s\n", err);
	assert_string_equal(err, "");
}

/* What every careq CMS request holds, by both oracles; content.der gets the
 * eContent as openssl extracted it. Returns cms_check.py's lines. */
static char *check_common(const char *signer, const struct x509_buf *cms)
{
	char cms_path[256], content[256], cert[256], cert_sha[65], content_sha[65], serial[64],
		issuer_sha[65], cmd[768];
	char *lines;

	snprintf(cms_path, sizeof(cms_path), "%s", oracle_path("cms.der"));
	snprintf(content, sizeof(content), "%s", oracle_path("content.der"));
	snprintf(cert, sizeof(cert), "%s/%s.crt", oracle_dir(), signer);
	assert_int_equal(oracle_write(cms_path, cms->data, cms->len), 0);
	/* oracle 1: openssl verifies the signature and gives back the content */
	snprintf(cmd, sizeof(cmd),
		 "openssl cms -verify -noverify -inform DER -binary -in '%s' -out '%s'", cms_path,
		 content);
	sh(cmd);
	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -outform DER", cert);
	sha_hex(cmd, cert_sha);
	snprintf(cmd, sizeof(cmd), "cat '%s'", content);
	sha_hex(cmd, content_sha);
	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -outform DER -out '%s'", cert,
		 oracle_path("signer.der"));
	sh(cmd);
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c \"import sys;from asn1crypto import x509;"
		 "sys.stdout.buffer.write(x509.Certificate.load(open('%s','rb').read())"
		 "['tbs_certificate']['issuer'].dump())\"",
		 oracle_path("signer.der"));
	sha_hex(cmd, issuer_sha);
	serial_hex(cert, serial);

	/* oracle 2: asn1crypto reads the structure */
	lines = output("%s '%s'", check, cms_path);
	has_line(lines, "content_type=1.2.840.113549.1.7.2");
	has_line(lines, "econtent_type=1.2.840.113549.1.7.1");
	has_line(lines, "econtent_sha256=%s", content_sha);
	has_line(lines, "certs=1");
	has_line(lines, "cert0_sha256=%s", cert_sha);
	has_line(lines, "digest_algs=sha256");
	has_line(lines, "sid=issuer_and_serial_number serial=%s issuer_sha256=%s", serial,
		 issuer_sha);
	assert_non_null(strstr(lines, "\nsigner_digest=sha256 "));
	has_line(lines, "attr_content_type=1.2.840.113549.1.7.1");
	has_line(lines, "attr_message_digest=%s", content_sha);
	has_line(lines, "attr_signing_time=present");
	has_line(lines, "signed_attrs_der_order=True");
	return lines;
}

/* ---- renewal ---- */

static void renew_and_check(const char *old_name, const char *newspec)
{
	char cmd[1024], cert_sha[65], *lines, *subj_old, *subj_new, *pub_key, *pub_req;
	struct x509_buf key = {0}, cms = {0};
	char err[CLIENT_ERR_LEN] = "";
	struct cmsreq_signer old;
	struct keyspec k;

	assert_int_equal(keyspec_parse(newspec, &k), 0);
	load(old_name, &old);
	if (cmsreq_renewal(&k, &old, &key, &cms, err, sizeof(err)) != 0)
		fprintf(stderr, "%s\n", err);
	assert_string_equal(err, "");
	lines = check_common(old_name, &cms);
	/* the PKCS#10 inside: the renewal attribute is the old certificate, once */
	snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s/%s.crt' -outform DER", oracle_dir(),
		 old_name);
	sha_hex(cmd, cert_sha);
	has_line(lines, "csr_attr=1.3.6.1.4.1.311.13.1");
	has_line(lines, "csr_renewal_values=1");
	has_line(lines, "csr_renewal_cert_sha256=%s", cert_sha);
	assert_null(strstr(lines, "\nnv="));
	/* its own signature (proof of possession of the new key), its subject the
	 * old one, its key the new one */
	assert_int_equal(oracle_write(oracle_path("new.key"), key.data, key.len), 0);
	subj_new = output("openssl req -inform DER -in '%s' -verify -noout -subject -nameopt RFC2253",
			  oracle_path("content.der"));
	subj_old = output("openssl x509 -in '%s/%s.crt' -noout -subject -nameopt RFC2253",
			  oracle_dir(), old_name);
	assert_non_null(strstr(subj_new, "verify OK"));
	assert_non_null(strstr(subj_new, strstr(subj_old, "subject=")));
	pub_key = output("openssl pkey -in '%s' -pubout", oracle_path("new.key"));
	pub_req = output("openssl req -inform DER -in '%s' -noout -pubkey", oracle_path("content.der"));
	assert_string_equal(pub_key, pub_req);
	/* ... and not the old key */
	free(pub_req);
	pub_req = output("openssl x509 -in '%s/%s.crt' -noout -pubkey", oracle_dir(), old_name);
	assert_string_not_equal(pub_key, pub_req);
	free(pub_key);
	free(pub_req);
	free(subj_new);
	free(subj_old);
	free(lines);
	explicit_bzero(key.data, key.len);
	x509_buf_free(&key);
	x509_buf_free(&cms);
	cmsreq_signer_free(&old);
}

static void test_renewal_rsa_old_ec_new(void **state)
{
	(void)state;
	make_pair("alice", "rsa", "/CN=alice/O=Example");
	renew_and_check("alice", "ec:p256");
}

static void test_renewal_ec_old_rsa_new(void **state)
{
	(void)state;
	make_pair("host", "ec", "/CN=host.example/O=Example");
	renew_and_check("host", "rsa:2048");
}

/* A key that is not the certificate's: refused before anything is sent, and
 * nothing returned. */
static void test_renewal_wrong_key(void **state)
{
	char cert[256], key[256], err[CLIENT_ERR_LEN] = "";
	struct x509_buf k = {0}, cms = {0};
	struct cmsreq_signer s;
	struct keyspec spec;

	(void)state;
	make_pair("w1", "rsa", "/CN=w1");
	make_pair("w2", "rsa", "/CN=w2");
	make_pair("w3", "ec", "/CN=w3");
	assert_int_equal(keyspec_parse("ec:p256", &spec), 0);
	snprintf(cert, sizeof(cert), "%s/w1.crt", oracle_dir());
	snprintf(key, sizeof(key), "%s/w2.key", oracle_dir());
	assert_int_equal(cmsreq_load_signer(cert, key, &s, err, sizeof(err)), 0);
	assert_int_equal(cmsreq_renewal(&spec, &s, &k, &cms, err, sizeof(err)), -1);
	assert_string_equal(err, "the CMS signature does not verify: is the key the certificate's?");
	assert_null(k.data);
	assert_null(cms.data);
	cmsreq_signer_free(&s);

	/* an EC key for an RSA certificate */
	snprintf(key, sizeof(key), "%s/w3.key", oracle_dir());
	assert_int_equal(cmsreq_load_signer(cert, key, &s, err, sizeof(err)), 0);
	assert_int_equal(s.type, X509_KEY_EC);
	assert_int_equal(cmsreq_renewal(&spec, &s, &k, &cms, err, sizeof(err)), -1);
	assert_null(k.data);
	assert_null(cms.data);
	cmsreq_signer_free(&s);
}

static void test_load_signer_refusals(void **state)
{
	char cert[256], key[256], err[CLIENT_ERR_LEN], want[600];
	struct cmsreq_signer s;

	(void)state;
	make_pair("l1", "rsa", "/CN=l1");
	snprintf(cert, sizeof(cert), "%s/l1.crt", oracle_dir());
	snprintf(key, sizeof(key), "%s/l1.key", oracle_dir());
	assert_int_equal(cmsreq_load_signer("/nonexistent/c", key, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "cannot read a certificate (PEM or DER) from /nonexistent/c");
	assert_null(s.cert.data);
	/* a certificate where the key should be, a key where the certificate should be */
	assert_int_equal(cmsreq_load_signer(cert, cert, &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot read an unencrypted RSA or EC private key (PEM or DER) from %s",
		 cert);
	assert_string_equal(err, want);
	assert_null(s.key.data);
	assert_null(s.cert.data);
	assert_int_equal(cmsreq_load_signer(key, key, &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "cannot read a certificate (PEM or DER) from %s", key);
	assert_string_equal(err, want);
	/* DER certificate and DER PKCS#8 key work as well as PEM */
	{
		char cmd[768];

		snprintf(cmd, sizeof(cmd),
			 "openssl x509 -in '%s' -outform DER -out '%s' && "
			 "openssl pkey -in '%s' -outform DER -out '%s'",
			 cert, oracle_path("l1.crt.der"), key, oracle_path("l1.key.der"));
		sh(cmd);
	}
	snprintf(cert, sizeof(cert), "%s", oracle_path("l1.crt.der"));
	snprintf(key, sizeof(key), "%s", oracle_path("l1.key.der"));
	assert_int_equal(cmsreq_load_signer(cert, key, &s, err, sizeof(err)), 0);
	assert_int_equal(s.type, X509_KEY_RSA);
	cmsreq_signer_free(&s);
	/* PKCS#1 "RSA PRIVATE KEY" too; an encrypted key is refused */
	{
		char cmd[768];

		snprintf(cmd, sizeof(cmd),
			 "openssl rsa -in '%s/l1.key' -traditional -out '%s' && "
			 "openssl pkey -in '%s/l1.key' -aes128 -passout pass:x -out '%s'",
			 oracle_dir(), oracle_path("l1.trad"), oracle_dir(), oracle_path("l1.enc"));
		sh(cmd);
	}
	snprintf(key, sizeof(key), "%s", oracle_path("l1.trad"));
	assert_int_equal(cmsreq_load_signer(cert, key, &s, err, sizeof(err)), 0);
	assert_int_equal(s.type, X509_KEY_RSA);
	cmsreq_signer_free(&s);
	snprintf(key, sizeof(key), "%s", oracle_path("l1.enc"));
	assert_int_equal(cmsreq_load_signer(cert, key, &s, err, sizeof(err)), -1);
	assert_null(s.key.data);
}

/* ---- on behalf of ---- */

static void test_on_behalf(void **state)
{
	char cmd[1024], csr_path[256], *lines;
	struct x509_buf csr = {0}, cms = {0}, got = {0};
	char err[CLIENT_ERR_LEN] = "";
	struct cmsreq_signer agent;

	(void)state;
	make_pair("agent", "ec", "/CN=Enrollment Agent/O=Example");
	/* the user's request, made by openssl */
	snprintf(csr_path, sizeof(csr_path), "%s", oracle_path("bob.csr"));
	snprintf(cmd, sizeof(cmd),
		 "openssl req -new -newkey rsa:2048 -nodes -keyout '%s' -subj /CN=bob -outform DER "
		 "-out '%s'",
		 oracle_path("bob.key"), csr_path);
	sh(cmd);
	assert_int_equal(oracle_read(csr_path, &csr), 0);
	load("agent", &agent);
	assert_int_equal(cmsreq_sign(&agent, csr.data, csr.len, "EXAMPLE\\bob", &cms, err,
				     sizeof(err)),
			 0);
	lines = check_common("agent", &cms);
	/* the content is the caller's request, byte for byte */
	assert_int_equal(oracle_read(oracle_path("content.der"), &got), 0);
	assert_int_equal(got.len, csr.len);
	assert_memory_equal(got.data, csr.data, csr.len);
	/* RequesterName as BMPStrings (asn1crypto decodes them as BMPString) */
	has_line(lines, "attr=1.3.6.1.4.1.311.13.2.1");
	has_line(lines, "nv=RequesterName|EXAMPLE\\bob");
	has_line(lines, "signer_digest=sha256 signer_sig=sha256_ecdsa");
	assert_null(strstr(lines, "csr_attr=1.3.6.1.4.1.311.13.1"));
	free(lines);
	x509_buf_free(&cms);

	/* a name beyond the BMP cannot be a BMPString: refused, nothing made */
	assert_int_equal(cmsreq_sign(&agent, csr.data, csr.len, "EXAMPLE\\\xf0\x9f\x98\x80", &cms,
				     err, sizeof(err)),
			 -1);
	assert_string_equal(err, "-on-behalf-of \"EXAMPLE\\\xf0\x9f\x98\x80\" cannot be a BMPString");
	assert_null(cms.data);
	cmsreq_signer_free(&agent);
	x509_buf_free(&csr);
	x509_buf_free(&got);
}

/* The name-value pair and renewal attribute encodings, octet for octet
 * (MS-WCCE 2.2.2.7.10 and 2.2.2.7.3; written out here, not computed). */
static void test_encodings(void **state)
{
	static const uint8_t nv[] = {0x30, 0x08, 0x1e, 0x02, 0x00, 0x41,
				     0x1e, 0x02, 0x00, 0xe9}; /* "A", "é" */
	static const uint8_t cert[] = {0x30, 0x03, 0x02, 0x01, 0x05}; /* a stand-in TLV */
	static const uint8_t renewal[] = {0x30, 0x12, 0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01,
					  0x82, 0x37, 0x0d, 0x01, 0x31, 0x05, 0x30, 0x03, 0x02,
					  0x01, 0x05};
	struct x509_buf out = {0}, c = {(uint8_t *)(uintptr_t)cert, sizeof(cert)};

	(void)state;
	assert_int_equal(cmsreq_name_value("A", "\xc3\xa9", &out), 0);
	assert_int_equal(out.len, sizeof(nv));
	assert_memory_equal(out.data, nv, sizeof(nv));
	x509_buf_free(&out);
	assert_int_equal(cmsreq_name_value("A", "\xff", &out), -1);       /* not UTF-8 */
	assert_int_equal(cmsreq_name_value("A", "\xc0\xae", &out), -1);   /* overlong */
	assert_int_equal(cmsreq_name_value("\xf0\x9f\x98\x80", "v", &out), -1); /* beyond the BMP */
	assert_null(out.data);
	assert_int_equal(cmsreq_renewal_attr(&c, &out), 0);
	assert_int_equal(out.len, sizeof(renewal));
	assert_memory_equal(out.data, renewal, sizeof(renewal));
	x509_buf_free(&out);
}

/* ---- the CRLs of an answer ---- */

static void make_crl(const char *name, const char *ca)
{
	char cmd[1536];
	const char *d = oracle_dir();

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && : > %s.idx && echo 01 > %s.num && "
		 "printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=%s.idx\\ncrlnumber=%s.num\\n"
		 "default_md=sha256\\ndefault_crl_days=1\\n' > %s.cnf && "
		 "openssl ca -config %s.cnf -gencrl -keyfile %s.key -cert %s.crt -out %s.pem && "
		 "openssl crl -in %s.pem -outform DER -out %s.der",
		 d, name, name, name, name, name, name, ca, ca, name, name, name);
	sh(cmd);
}

static int same(const struct x509_buf *a, const struct x509_buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void test_crls(void **state)
{
	char cmd[1024], err[CLIENT_ERR_LEN];
	struct x509_buf p7 = {0}, one = {0}, two = {0}, *crls = NULL;
	const char *d = oracle_dir();
	size_t n = 99;

	(void)state;
	make_pair("ca1", "rsa", "/CN=CA one");
	make_pair("ca2", "ec", "/CN=CA two");
	make_crl("crl1", "ca1");
	make_crl("crl2", "ca2");
	assert_int_equal(oracle_read(oracle_path("crl1.der"), &one), 0);
	assert_int_equal(oracle_read(oracle_path("crl2.der"), &two), 0);

	/* two CRLs and a certificate in a certs-only PKCS#7 (what CR_IN_CRLS asks) */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && openssl crl2pkcs7 -in crl1.pem -certfile ca1.crt -outform DER "
		 "-out p7one.der && %s --add-crl p7one.der crl2.der p7.der",
		 d, check);
	sh(cmd);
	assert_int_equal(oracle_read(oracle_path("p7.der"), &p7), 0);
	assert_int_equal(cmsreq_crls(p7.data, p7.len, &crls, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	/* a DER SET OF is sorted by encoding: either order, each once */
	assert_true(same(&crls[0], &one) ? same(&crls[1], &two)
					 : same(&crls[0], &two) && same(&crls[1], &one));
	cmsreq_crls_free(crls, n);

	/* a truncated answer, one octet changed in the framing: refused */
	assert_int_equal(cmsreq_crls(p7.data, p7.len - 1, &crls, &n, err, sizeof(err)), -1);
	assert_null(crls);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err, "the answer is not a PKCS#7 SignedData"));
	x509_buf_free(&p7);

	/* a RevocationInfoChoice that is no CertificateList (other [1]): not a
	 * CRL to write, none returned (the fuzzer's find) */
	{
		struct x509_buf p1 = {0};
		uint8_t *at;

		assert_int_equal(oracle_read(oracle_path("p7one.der"), &p1), 0);
		assert_non_null(at = memmem(p1.data, p1.len, one.data, one.len));
		*at = 0xa1;
		assert_int_equal(cmsreq_crls(p1.data, p1.len, &crls, &n, err, sizeof(err)), 0);
		assert_int_equal(n, 0);
		assert_null(crls);
		x509_buf_free(&p1);
	}

	/* certs-only without CRLs (today's answer): none, no error */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && openssl crl2pkcs7 -nocrl -certfile ca1.crt -outform DER -out p7n.der", d);
	sh(cmd);
	assert_int_equal(oracle_read(oracle_path("p7n.der"), &p7), 0);
	assert_int_equal(cmsreq_crls(p7.data, p7.len, &crls, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_null(crls);
	x509_buf_free(&p7);

	/* a CRL on its own, not in a PKCS#7; a ContentInfo of another type */
	assert_int_equal(cmsreq_crls(one.data, one.len, &crls, &n, err, sizeof(err)), -1);
	{
		static const uint8_t data_ci[] = {0x30, 0x0f, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
						  0x0d, 0x01, 0x07, 0x01, 0xa0, 0x02, 0x04, 0x00};

		assert_int_equal(cmsreq_crls(data_ci, sizeof(data_ci), &crls, &n, err, sizeof(err)),
				 -1);
	}
	assert_int_equal(cmsreq_crls((const uint8_t *)"", 0, &crls, &n, err, sizeof(err)), -1);
	x509_buf_free(&one);
	x509_buf_free(&two);
}

static int teardown(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

int main(void)
{
	char cwd[1024];

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return 1;
	snprintf(check, sizeof(check), "/usr/bin/python3 '%s/tests/unit/support/cms_check.py'", cwd);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_renewal_rsa_old_ec_new),
		cmocka_unit_test(test_renewal_ec_old_rsa_new),
		cmocka_unit_test(test_renewal_wrong_key),
		cmocka_unit_test(test_load_signer_refusals),
		cmocka_unit_test(test_on_behalf),
		cmocka_unit_test(test_crls),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
