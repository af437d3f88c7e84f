/* PEM: encoding checked by openssl, decoding of several blocks, other labels,
 * CRLF line ends, Windows' "NEW CERTIFICATE REQUEST", DER pass-through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/x509/x509.h"
#include "tests/unit/support/x509_oracle.h"

static void test_encode_matches_openssl(void **state)
{
	struct x509_buf spki, pem, back;
	char *out = NULL;

	(void)state;
	assert_int_equal(oracle_genkey("rsa2048", "pem", &spki), 0);
	assert_int_equal(x509_pem_encode("PUBLIC KEY", spki.data, spki.len, &pem), 0);
	assert_int_equal(oracle_write(oracle_path("pub.pem"), pem.data, pem.len), 0);
	/* openssl writes the same PEM for the same key. */
	assert_int_equal(oracle_run(&out, "openssl pkey -pubin -in '%s'", oracle_path("pub.pem")), 0);
	assert_int_equal(strlen(out), pem.len);
	assert_memory_equal(out, pem.data, pem.len);
	free(out);
	assert_int_equal(oracle_read(oracle_path("pub.pem"), &back), 0);
	for (char *line = (char *)pem.data; (line = strchr(line, '\n')) != NULL; line++)
		if (line[1] != '-' && line[1] != 0)
			assert_true(strchr(line + 1, '\n') - (line + 1) <= 64);
	x509_buf_free(&back);
	x509_buf_free(&pem);
	x509_buf_free(&spki);
}

/* Converts "\n" to "\r\n". */
static char *crlf(const char *s)
{
	char *o = malloc(strlen(s) * 2 + 1), *p = o;

	for (; *s; s++) {
		if (*s == '\n')
			*p++ = '\r';
		*p++ = *s;
	}
	*p = 0;
	return o;
}

static void test_decode_multiple(void **state)
{
	static const uint8_t a[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	static const uint8_t b[] = {0x30, 0x04, 0x04, 0x02, 0xff, 0xfe};
	struct x509_buf pa, pb, *out;
	size_t n;
	char text[1024];

	(void)state;
	assert_int_equal(x509_pem_encode("CERTIFICATE", a, sizeof a, &pa), 0);
	assert_int_equal(x509_pem_encode("CERTIFICATE", b, sizeof b, &pb), 0);
	snprintf(text, sizeof text,
		 "subject=CN = x\nissuer=CN = y\n%s"
		 "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n%s\n",
		 (char *)pa.data, (char *)pb.data);
	char *t2 = crlf(text);
	const char *texts[] = {text, t2};
	for (int k = 0; k < 2; k++) {
		assert_int_equal(x509_pem_decode_all("CERTIFICATE", (const uint8_t *)texts[k],
						     strlen(texts[k]), &out, &n),
				 0);
		assert_int_equal(n, 2);
		assert_int_equal(out[0].len, sizeof a);
		assert_memory_equal(out[0].data, a, sizeof a);
		assert_int_equal(out[1].len, sizeof b);
		assert_memory_equal(out[1].data, b, sizeof b);
		for (size_t i = 0; i < n; i++)
			x509_buf_free(&out[i]);
		free(out);
	}
	/* Only the CRL block for its label. */
	assert_int_equal(x509_pem_decode_all("X509 CRL", (const uint8_t *)t2, strlen(t2), &out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].len, 2);
	x509_buf_free(&out[0]);
	free(out);
	/* No block of that label. */
	assert_int_equal(x509_pem_decode_all("PRIVATE KEY", (const uint8_t *)text, strlen(text), &out,
					     &n),
			 -1);
	assert_int_equal(n, 0);
	assert_null(out);
	free(t2);
	x509_buf_free(&pa);
	x509_buf_free(&pb);
}

static void test_decode_windows_request_and_der(void **state)
{
	static const char req[] = "-----BEGIN NEW CERTIFICATE REQUEST-----\r\n"
				  "MAMCAQE=\r\n"
				  "-----END NEW CERTIFICATE REQUEST-----\r\n";
	static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct x509_buf *out;
	size_t n;

	(void)state;
	assert_int_equal(x509_pem_decode_all("CERTIFICATE REQUEST", (const uint8_t *)req,
					     sizeof req - 1, &out, &n),
			 0);
	assert_int_equal(n, 1);
	assert_memory_equal(out[0].data, der, sizeof der);
	x509_buf_free(&out[0]);
	free(out);
	assert_int_equal(x509_pem_decode_all("CERTIFICATE", der, sizeof der, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(out[0].data, der, sizeof der);
	x509_buf_free(&out[0]);
	free(out);
}

static void test_decode_rejects(void **state)
{
	static const char *const bad[] = {
		"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n", /* no END */
		"-----BEGIN CERTIFICATE-----\nMA*CAQE=\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMAMCAQE\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nMA=MCAQE\n-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nMAMCAQE=\n"
		"-----END CERTIFICATE-----\n",
		"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
		"hello",
	};
	struct x509_buf *out;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (x509_pem_decode_all("CERTIFICATE", (const uint8_t *)bad[i], strlen(bad[i]), &out,
					&n) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_null(out);
		assert_int_equal(n, 0);
	}
	assert_int_equal(x509_pem_encode("", (const uint8_t *)"x", 1, &(struct x509_buf){0}), -1);
}

static int teardown(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_matches_openssl),
		cmocka_unit_test(test_decode_multiple),
		cmocka_unit_test(test_decode_windows_request_and_der),
		cmocka_unit_test(test_decode_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
