/* Ledger checkpoints (firmware/x509/checkpoint.c) and the ledger's comparison
 * with its anchor (firmware/ledger/anchor.c): the body encoded, signed with a
 * software key (the openssl CLI, as the oracle signs), assembled, decoded and
 * verified; openssl's asn1parse reads what was written and openssl dgst checks
 * the signature; every field's corruption and a foreign key are refused; and the
 * comparison's three outcomes with their messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/ledger/anchor.h"
#include "firmware/x509/x509.h"
#include "tests/unit/support/x509_oracle.h"

static char err[256];

/* A signed checkpoint of c with key `name` (made with oracle_genkey). */
static void make(const char *name, enum x509_sigalg alg, const struct x509_checkpoint *c,
		 struct x509_buf *out)
{
	struct x509_buf tbs = {0}, sig = {0};

	assert_int_equal(x509_checkpoint_tbs_encode(c, &tbs, err, sizeof err), 0);
	assert_int_equal(oracle_sign(name, alg, tbs.data, tbs.len, &sig), 0);
	assert_int_equal(x509_checkpoint_assemble(&tbs, alg, sig.data, sig.len, out), 0);
	x509_buf_free(&tbs);
	x509_buf_free(&sig);
}

static struct x509_checkpoint sample(void)
{
	struct x509_checkpoint c;

	memset(&c, 0, sizeof c);
	c.seq = 180;
	for (int i = 0; i < X509_CHECKPOINT_HASH_LEN; i++)
		c.head[i] = (uint8_t)(0xa0 + i);
	c.time = 1796000000; /* 2026-11-30T00:53:20Z */
	c.crl_number = 0x0102030405060708ull;
	return c;
}

static void test_round_trip_and_oracle(void **state)
{
	struct x509_buf spki = {0}, der = {0}, parsed = {0};
	struct x509_checkpoint c = sample(), got;
	char *out = NULL;
	const char *f = oracle_path("cp.der");

	(void)state;
	assert_int_equal(oracle_genkey("p256", "ca", &spki), 0);
	make("ca", X509_SIG_ECDSA_SHA256, &c, &der);
	assert_int_equal(x509_checkpoint_verify(der.data, der.len, spki.data, spki.len, &got, err,
						sizeof err), 0);
	assert_true(got.seq == c.seq && got.time == c.time && got.crl_number == c.crl_number);
	assert_memory_equal(got.head, c.head, sizeof c.head);
	assert_int_equal(got.sigalg, X509_SIG_ECDSA_SHA256);
	/* openssl reads the fields as written */
	assert_int_equal(oracle_write(f, der.data, der.len), 0);
	assert_int_equal(oracle_run(&out, "openssl asn1parse -inform DER -in %s", f), 0);
	assert_non_null(strstr(out, "INTEGER           :01"));    /* version */
	assert_non_null(strstr(out, "INTEGER           :B4"));    /* seq 180 */
	assert_non_null(strstr(out, "GENERALIZEDTIME   :20261130005320Z"));
	assert_non_null(strstr(out, "INTEGER           :0102030405060708"));
	assert_non_null(strstr(out, "ecdsa-with-SHA256"));
	free(out);
	/* the signed body is the encoded one, verbatim (openssl cuts it out) */
	assert_int_equal(oracle_run(&out, "openssl asn1parse -inform DER -in %s -strparse 3 -noout "
				    "-out %s", f, oracle_path("body.der")), 0);
	free(out);
	assert_int_equal(oracle_read(oracle_path("body.der"), &parsed), 0);
	{
		struct x509_buf tbs = {0};

		assert_int_equal(x509_checkpoint_tbs_encode(&c, &tbs, err, sizeof err), 0);
		assert_int_equal(parsed.len, tbs.len);
		assert_memory_equal(parsed.data, tbs.data, tbs.len);
		x509_buf_free(&tbs);
	}
	x509_buf_free(&parsed);
	x509_buf_free(&der);
	x509_buf_free(&spki);
}

static void test_rsa_and_zero_crl(void **state)
{
	struct x509_buf spki = {0}, der = {0};
	struct x509_checkpoint c = sample(), got;

	(void)state;
	c.crl_number = 0;
	c.seq = UINT64_MAX;
	assert_int_equal(oracle_genkey("rsa2048", "rsa", &spki), 0);
	make("rsa", X509_SIG_RSA_SHA256, &c, &der);
	assert_int_equal(x509_checkpoint_verify(der.data, der.len, spki.data, spki.len, &got, err,
						sizeof err), 0);
	assert_true(got.seq == UINT64_MAX && got.crl_number == 0);
	x509_buf_free(&der);
	x509_buf_free(&spki);
}

/* A forged or damaged checkpoint is not believed. */
static void test_refusals(void **state)
{
	struct x509_buf spki = {0}, other = {0}, der = {0};
	struct x509_checkpoint c = sample(), got;

	(void)state;
	assert_int_equal(oracle_genkey("p256", "ca2", &spki), 0);
	assert_int_equal(oracle_genkey("p256", "intruder", &other), 0);
	make("intruder", X509_SIG_ECDSA_SHA256, &c, &der);
	/* another key's signature */
	assert_int_equal(x509_checkpoint_verify(der.data, der.len, spki.data, spki.len, &got, err,
						sizeof err), -1);
	assert_true(got.seq == 0);
	/* decodes (display), but is not verified */
	assert_int_equal(x509_checkpoint_decode(der.data, der.len, &got, err, sizeof err), 0);
	x509_buf_free(&der);
	make("ca2", X509_SIG_ECDSA_SHA256, &c, &der);
	/* every single byte flipped: refused (framing, fields or signature) */
	for (size_t i = 0; i < der.len; i++) {
		der.data[i] ^= 0x01;
		assert_int_equal(x509_checkpoint_verify(der.data, der.len, spki.data, spki.len, &got,
							err, sizeof err), -1);
		der.data[i] ^= 0x01;
	}
	/* every truncation, and a byte after the end */
	for (size_t n = 0; n < der.len; n++)
		assert_int_equal(x509_checkpoint_verify(der.data, n, spki.data, spki.len, &got, err,
							sizeof err), -1);
	{
		uint8_t *longer = malloc(der.len + 1);

		memcpy(longer, der.data, der.len);
		longer[der.len] = 0;
		assert_int_equal(x509_checkpoint_verify(longer, der.len + 1, spki.data, spki.len,
							&got, err, sizeof err), -1);
		free(longer);
	}
	/* no key */
	assert_int_equal(x509_checkpoint_verify(der.data, der.len, NULL, 0, &got, err, sizeof err),
			 -1);
	x509_buf_free(&der);
	/* bodies that are not written */
	c.seq = 0;
	assert_int_equal(x509_checkpoint_tbs_encode(&c, &der, err, sizeof err), -1);
	assert_string_equal(err, "checkpoint: seq must be at least 1");
	c = sample();
	c.time = 253402300800LL; /* year 10000 */
	assert_int_equal(x509_checkpoint_tbs_encode(&c, &der, err, sizeof err), -1);
	x509_buf_free(&spki);
	x509_buf_free(&other);
}

/* Hand-made bodies with a field out of its rule, signed by the right key. */
static void test_field_rules(void **state)
{
	static const struct {
		const char *hex; /* the LedgerCheckpoint body */
		const char *want;
	} cases[] = {
		/* version 2 */
		{"303c02010202010104200000000000000000000000000000000000000000000000000000000000000000180f32303236313132393030303030305a020100", "version"},
		/* seq 0, seq negative */
		{"303c02010102010004200000000000000000000000000000000000000000000000000000000000000000180f32303236313132393030303030305a020100", "seq"},
		{"303c0201010201ff04200000000000000000000000000000000000000000000000000000000000000000180f32303236313132393030303030305a020100", "seq"},
		/* a 31-byte hash */
		{"303b020101020101041f00000000000000000000000000000000000000000000000000000000000000180f32303236313132393030303030305a020100", "headHash"},
		/* a time that is no date (month 13) */
		{"303c02010102010104200000000000000000000000000000000000000000000000000000000000000000180f32303236313333303030303030305a020100", "time"},
		/* a CRL number beyond 64 bits */
		{"304402010102010104200000000000000000000000000000000000000000000000000000000000000000180f32303236313132393030303030305a0209010000000000000000", "crlNumber"},
		/* a CRL number not in its minimal form (DER) */
		{"303d02010102010104200000000000000000000000000000000000000000000000000000000000000000180f32303236313132393030303030305a02020001", "crlNumber"},
	};
	struct x509_buf spki = {0};

	(void)state;
	assert_int_equal(oracle_genkey("p256", "rules", &spki), 0);
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct x509_buf tbs = {0}, sig = {0}, der = {0};
		struct x509_checkpoint got;
		size_t n = strlen(cases[k].hex) / 2;

		tbs.data = malloc(n);
		tbs.len = n;
		for (size_t i = 0; i < n; i++)
			sscanf(cases[k].hex + 2 * i, "%2hhx", &tbs.data[i]);
		assert_int_equal(oracle_sign("rules", X509_SIG_ECDSA_SHA256, tbs.data, tbs.len, &sig),
				 0);
		if (x509_checkpoint_assemble(&tbs, X509_SIG_ECDSA_SHA256, sig.data, sig.len,
					     &der) != 0)
			fail_msg("case %zu: not assembled", k);
		if (x509_checkpoint_verify(der.data, der.len, spki.data, spki.len, &got, err,
					   sizeof err) != -1)
			fail_msg("case %zu: accepted", k);
		if (strstr(err, cases[k].want) == NULL)
			fail_msg("case %zu: %s", k, err);
		x509_buf_free(&tbs);
		x509_buf_free(&sig);
		x509_buf_free(&der);
	}
	x509_buf_free(&spki);
}

/* ---- the comparison (anchor.c) ---- */

static struct ledger_anchor anchor(void)
{
	struct ledger_anchor a;

	memset(&a, 0, sizeof a);
	a.seq = 180;
	memset(a.head, 0x42, sizeof a.head);
	a.time = 1796000000;
	a.crl_number = 7;
	return a;
}

static void test_compare(void **state)
{
	struct ledger_anchor a = anchor();
	uint8_t same[LEDGER_HASH_LEN], other[LEDGER_HASH_LEN];
	char msg[512];

	(void)state;
	memset(same, 0x42, sizeof same);
	memset(other, 0x43, sizeof other);
	/* the ledger holds the anchor's record: at its end, or further on */
	assert_int_equal(ledger_anchor_compare(&a, "the HSM's checkpoint", 180, same, msg,
					       sizeof msg), 0);
	assert_int_equal(ledger_anchor_compare(&a, "the HSM's checkpoint", 5000, same, msg,
					       sizeof msg), 0);
	/* restored from an older copy */
	assert_int_equal(ledger_anchor_compare(&a, "the HSM's checkpoint", 120, NULL, msg,
					       sizeof msg), -1);
	assert_string_equal(msg, "the ledger ends at seq 120 but the HSM's checkpoint of "
			    "2026-11-30T00:53:20Z covers seq 180 (CRL number 7): 60 records are "
			    "missing; the ledger was restored from an older copy or cut short");
	assert_int_equal(ledger_anchor_compare(&a, "the checkpoint in f.pem", 179, NULL, msg,
					       sizeof msg), -1);
	assert_non_null(strstr(msg, ": 1 record is missing;"));
	/* an empty ledger */
	assert_int_equal(ledger_anchor_compare(&a, "x", 0, NULL, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "ends at seq 0"));
	/* another record at that seq: rewritten */
	assert_int_equal(ledger_anchor_compare(&a, "the HSM's checkpoint", 200, other, msg,
					       sizeof msg), -1);
	assert_string_equal(msg, "the ledger's record 180 is not the one the HSM's checkpoint of "
			    "2026-11-30T00:53:20Z covers (its SHA-256 is 4343434343434343..., the "
			    "checkpoint's 4242424242424242...): the ledger up to seq 180 was "
			    "rewritten or restored from another copy");
	/* long enough, but the record could not be read: never taken as a match */
	assert_int_equal(ledger_anchor_compare(&a, "x", 200, NULL, msg, sizeof msg), -1);
	assert_non_null(strstr(msg, "could not be read"));
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
		cmocka_unit_test(test_round_trip_and_oracle),
		cmocka_unit_test(test_rsa_and_zero_crl),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_field_rules),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
