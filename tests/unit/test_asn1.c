/* firmware/asn1: the compiled PKIX module and the libtasn1 helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/asn1/asn1.h"

static char err[256];

static void test_module_loads(void **state)
{
	static const char *const types[] = {
		"PKIX.Certificate", "PKIX.TBSCertificate", "PKIX.Version",
		"PKIX.CertificateSerialNumber", "PKIX.AlgorithmIdentifier", "PKIX.Name",
		"PKIX.RDNSequence", "PKIX.RelativeDistinguishedName", "PKIX.AttributeTypeAndValue",
		"PKIX.DirectoryString", "PKIX.Validity", "PKIX.Time", "PKIX.SubjectPublicKeyInfo",
		"PKIX.Extensions", "PKIX.Extension", "PKIX.BasicConstraints", "PKIX.KeyUsage",
		"PKIX.ExtKeyUsageSyntax", "PKIX.SubjectKeyIdentifier", "PKIX.AuthorityKeyIdentifier",
		"PKIX.CRLDistributionPoints", "PKIX.DistributionPoint", "PKIX.GeneralNames",
		"PKIX.GeneralName", "PKIX.AuthorityInfoAccessSyntax", "PKIX.CertificationRequestInfo",
		"PKIX.CertificationRequest", "PKIX.Attribute", "PKIX.RSAPublicKey",
		"PKIX.ECParameters", "PKIX.ECDSA-Sig-Value", "PKIX.Dss-Sig-Value", "PKIX.DigestInfo",
		"PKIX.SignedEnvelope",
	};
	asn1_node n;

	(void)state;
	assert_non_null(asn1_pkix());
	assert_ptr_equal(asn1_pkix(), asn1_pkix());
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (asn1_new(types[i], &n) != 0)
			fail_msg("cannot create %s", types[i]);
		asn1_delete_structure(&n);
	}
	assert_int_equal(asn1_new("PKIX.NoSuchType", &n), -1);
	assert_null(n);
}

/* ECDSA-Sig-Value { r 1, s 0x80 }: s needs a leading zero. */
static const uint8_t sig_der[] = {0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80};

static void test_encode_decode(void **state)
{
	asn1_node n, d;
	uint8_t *der, *v;
	size_t len;
	int vlen;

	(void)state;
	assert_int_equal(asn1_new("PKIX.ECDSA-Sig-Value", &n), 0);
	assert_int_equal(asn1_write_value(n, "r", "1", 0), ASN1_SUCCESS);
	/* Encoding fails, naming the field, while s is missing. */
	assert_int_equal(asn1_encode(n, "", &der, &len, err, sizeof err), -1);
	assert_non_null(strstr(err, "s"));
	assert_int_equal(asn1_write_value(n, "s", "128", 0), ASN1_SUCCESS);
	assert_int_equal(asn1_encode(n, "", &der, &len, err, sizeof err), 0);
	assert_int_equal(len, sizeof sig_der);
	assert_memory_equal(der, sig_der, len);
	asn1_delete_structure(&n);

	assert_int_equal(asn1_decode("PKIX.ECDSA-Sig-Value", der, len, &d, err, sizeof err), 0);
	assert_int_equal(asn1_read_alloc(d, "s", &v, &vlen), 0);
	assert_int_equal(vlen, 2);
	assert_int_equal(v[1], 0x80);
	free(v);
	assert_int_equal(asn1_read_alloc(d, "nosuch", &v, &vlen), -1);
	assert_null(v);
	size_t s, e;
	assert_int_equal(asn1_der_slice(d, der, len, "s", &s, &e), 0);
	assert_int_equal(s, 5);
	assert_int_equal(e, len);
	assert_int_equal(asn1_der_slice(d, der, len, "", &s, &e), 0);
	assert_int_equal(s, 0);
	assert_int_equal(e, len);
	asn1_delete_structure(&d);
	free(der);
}

static void test_strict_decoding(void **state)
{
	uint8_t buf[16];
	asn1_node d;

	(void)state;
	memcpy(buf, sig_der, sizeof sig_der);
	/* Trailing byte. */
	buf[sizeof sig_der] = 0;
	assert_int_equal(asn1_decode("PKIX.ECDSA-Sig-Value", buf, sizeof sig_der + 1, &d, err,
				     sizeof err),
			 -1);
	assert_null(d);
	/* Truncated. */
	for (size_t n = 0; n < sizeof sig_der; n++)
		assert_int_equal(asn1_decode("PKIX.ECDSA-Sig-Value", buf, n, &d, err, sizeof err), -1);
	/* BER long-form length where the short form fits. */
	static const uint8_t ber[] = {0x30, 0x81, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80};
	assert_int_equal(asn1_decode("PKIX.ECDSA-Sig-Value", ber, sizeof ber, &d, err, sizeof err),
			 -1);
	/* Indefinite length. */
	static const uint8_t indef[] = {0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x02,
					0x00, 0x80, 0x00, 0x00};
	assert_int_equal(
		asn1_decode("PKIX.ECDSA-Sig-Value", indef, sizeof indef, &d, err, sizeof err), -1);
	/* Wrong tag. */
	buf[0] = 0x31;
	assert_int_equal(asn1_decode("PKIX.ECDSA-Sig-Value", buf, sizeof sig_der, &d, err,
				     sizeof err),
			 -1);
	assert_int_equal(asn1_decode("PKIX.ECDSA-Sig-Value", NULL, 0, &d, err, sizeof err), -1);
	/* A tag number below 31 in the high-tag-number form (1f 02: INTEGER written
	 * long), and a high tag number with a leading 0x80 octet: not DER, though
	 * libtasn1 reads the first as an INTEGER (found by fuzz_policy_ext). */
	static const uint8_t long_tag[] = {0x30, 0x07, 0x1f, 0x02, 0x01, 0x01,
					   0x02, 0x01, 0x01};
	assert_int_equal(
		asn1_decode("PKIX.ECDSA-Sig-Value", long_tag, sizeof long_tag, &d, err, sizeof err),
		-1);
	assert_null(d);
	static const uint8_t lead_80[] = {0x30, 0x08, 0x1f, 0x80, 0x1f, 0x01, 0x01,
					  0x02, 0x01, 0x01};
	assert_int_equal(
		asn1_decode("PKIX.ECDSA-Sig-Value", lead_80, sizeof lead_80, &d, err, sizeof err),
		-1);
	/* the same SEQUENCE with its INTEGERs in the short form decodes */
	static const uint8_t short_tag[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
	assert_int_equal(
		asn1_decode("PKIX.ECDSA-Sig-Value", short_tag, sizeof short_tag, &d, err, sizeof err),
		0);
	asn1_delete_structure(&d);
}

static void test_bit_string_length_in_bits(void **state)
{
	asn1_node n, d;
	uint8_t *der, *v;
	size_t len;
	int bits;
	static const uint8_t ku[] = {0x06}; /* keyCertSign|cRLSign: bits 5, 6 */

	(void)state;
	assert_int_equal(asn1_new("PKIX.KeyUsage", &n), 0);
	assert_int_equal(asn1_write_value(n, "", ku, 7), ASN1_SUCCESS);
	assert_int_equal(asn1_encode(n, "", &der, &len, err, sizeof err), 0);
	/* 03 02 01 06: one unused bit. */
	assert_int_equal(len, 4);
	assert_int_equal(der[2], 1);
	asn1_delete_structure(&n);
	assert_int_equal(asn1_decode("PKIX.KeyUsage", der, len, &d, err, sizeof err), 0);
	assert_int_equal(asn1_read_alloc(d, "", &v, &bits), 0);
	assert_int_equal(bits, 7);
	assert_int_equal(v[0], 0x06);
	free(v);
	asn1_delete_structure(&d);
	free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_loads),
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_strict_decoding),
		cmocka_unit_test(test_bit_string_length_in_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
