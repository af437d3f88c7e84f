/* Ledger checkpoints (pkix.asn LedgerCheckpoint / SignedLedgerCheckpoint): the
 * to-be-signed body written with the DER writer (as every TBS the CA signs),
 * the signed form assembled around it verbatim (x509i_envelope), and a strict
 * decoder (libtasn1, the whole input, DER) with the signature checked by
 * wolfSSL against the CA certificate's key. The body is small and fixed, so
 * every field is checked here: version 1, seq >= 1, a 32-byte hash, a
 * GeneralizedTime, crlNumber within 64 bits. */
#include "firmware/x509/x509_int.h"

#include <string.h>

#include "firmware/asn1/der.h"

#define CHECKPOINT_VERSION 1

static void be64(uint64_t v, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (8 * (7 - i)));
}

int x509_checkpoint_tbs_encode(const struct x509_checkpoint *c, struct x509_buf *out,
			       char *err, size_t errlen)
{
	struct der d;
	uint8_t b[8];

	out->data = NULL;
	out->len = 0;
	if (c->seq == 0)
		return err_set(err, errlen, "checkpoint: seq must be at least 1");
	/* GeneralizedTime is written for 1950..9999 only (der.h). */
	if (c->time < -631152000LL || c->time > 253402300799LL)
		return err_set(err, errlen, "checkpoint: time out of range");
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	der_small_uint(&d, CHECKPOINT_VERSION);
	be64(c->seq, b);
	der_uint(&d, DER_INTEGER, b, sizeof b);
	der_prim(&d, DER_OCTET_STRING, c->head, X509_CHECKPOINT_HASH_LEN);
	der_generalized_time(&d, (long long)c->time);
	be64(c->crl_number, b);
	der_uint(&d, DER_INTEGER, b, sizeof b);
	der_end(&d);
	if (der_finish(&d, &out->data, &out->len) != 0)
		return err_set(err, errlen, "checkpoint: cannot encode");
	return 0;
}

int x509_checkpoint_assemble(const struct x509_buf *tbs, enum x509_sigalg alg,
			     const uint8_t *sig, size_t sig_len, struct x509_buf *out)
{
	return x509i_envelope(tbs, X509I_MAX_DER, alg, sig, sig_len, out);
}

static int read_fields(asn1_node n, struct x509_checkpoint *c, char *err, size_t errlen)
{
	uint64_t version;
	char t[32];
	int len = X509_CHECKPOINT_HASH_LEN;
	struct civil_time ct;

	if (x509i_read_u64(n, "checkpoint.version", 1, &version) != 0 || version != CHECKPOINT_VERSION)
		return err_set(err, errlen, "checkpoint: version is not 1");
	if (x509i_read_u64(n, "checkpoint.seq", 1, &c->seq) != 0 || c->seq == 0)
		return err_set(err, errlen, "checkpoint: bad seq");
	/* Exactly 32 bytes: asn1_read_value refuses a longer value (buffer too
	 * small) and a shorter one is caught by len. */
	if (asn1_read_value(n, "checkpoint.headHash", c->head, &len) != ASN1_SUCCESS ||
	    len != X509_CHECKPOINT_HASH_LEN)
		return err_set(err, errlen, "checkpoint: headHash is not 32 bytes");
	if (x509i_read_str(n, "checkpoint.time", t, sizeof t) != 0 ||
	    x509i_time_check((const uint8_t *)t, strlen(t), 1, &ct) != 0)
		return err_set(err, errlen, "checkpoint: bad time");
	c->time = civil_to_unix(&ct);
	if (x509i_read_u64(n, "checkpoint.crlNumber", 1, &c->crl_number) != 0)
		return err_set(err, errlen, "checkpoint: bad crlNumber");
	return 0;
}

/* Decodes der strictly into c; with spki, verifies the signature too. */
static int decode(const uint8_t *der, size_t len, const uint8_t *spki, size_t spki_len,
		  struct x509_checkpoint *c, char *err, size_t errlen)
{
	asn1_node n = NULL;
	struct x509i_alg alg;
	struct x509_buf tbs = {0}, sig = {0};
	int rc = -1;

	memset(c, 0, sizeof *c);
	if (der == NULL || len == 0 || len > X509_CHECKPOINT_MAX)
		return err_set(err, errlen, "checkpoint: empty or larger than %u bytes",
			       (unsigned)X509_CHECKPOINT_MAX);
	if (asn1_decode("PKIX.SignedLedgerCheckpoint", der, len, &n, err, errlen) != 0)
		return -1;
	if (read_fields(n, c, err, errlen) != 0)
		goto out;
	if (x509i_algid_read(n, "signatureAlgorithm", &alg) != 0 ||
	    x509i_sigalg_from(&alg) == X509_SIG_NONE) {
		err_set(err, errlen, "checkpoint: signatureAlgorithm not one the CA signs with");
		goto out;
	}
	if (x509i_read_octet_bits(n, "signature", &sig) != 0) {
		err_set(err, errlen, "checkpoint: bad signature field");
		goto out;
	}
	c->sigalg = x509i_sigalg_from(&alg);
	if (spki != NULL) {
		if (x509i_slice_copy(n, der, len, "checkpoint", &tbs) != 0) {
			err_set(err, errlen, "checkpoint: cannot find its body");
			goto out;
		}
		if (x509i_verify(&alg, tbs.data, tbs.len, X509I_MAX_DER, sig.data, sig.len, spki,
				 spki_len, err, errlen) != 0)
			goto out;
	}
	rc = 0;
out:
	x509_buf_free(&tbs);
	x509_buf_free(&sig);
	asn1_delete_structure(&n);
	if (rc != 0)
		memset(c, 0, sizeof *c);
	return rc;
}

int x509_checkpoint_decode(const uint8_t *der, size_t len, struct x509_checkpoint *c,
			   char *err, size_t errlen)
{
	return decode(der, len, NULL, 0, c, err, errlen);
}

int x509_checkpoint_verify(const uint8_t *der, size_t len, const uint8_t *spki,
			   size_t spki_len, struct x509_checkpoint *c, char *err, size_t errlen)
{
	if (spki == NULL || spki_len == 0)
		return err_set(err, errlen, "checkpoint: no key to verify it with");
	return decode(der, len, spki, spki_len, c, err, errlen);
}
