/* The Kerberos sealing layer's unwrap (firmware/rpc/krb5_seal.c) on arbitrary
 * request PDUs with a fixed key, as the worker meets them once a context is
 * established. Byte 0 picks: bit 0 PKT_PRIVACY (else PKT_INTEGRITY), bit 1
 * header signing, bit 2 AES256 (else AES128), bit 3 our role is the initiator
 * (else the acceptor), bit 4 the expected sequence number is the token's own
 * (so that mutations reach the checksum and the decryption). The rest is a PDU:
 * the verifier is its last auth_length octets (bytes 10..11), the sec_trailer
 * the 8 before, the body from octet 24 to the sec_trailer.
 * Properties: nothing is read outside; a refusal leaves the sequence number as
 * it was and, at PKT_PRIVACY, the body all zeros; an acceptance advances it by
 * one, and then the plaintext wrapped again by the peer's role unwraps to the
 * same octets. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/rpc/krb5_seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HDR 24
#define TRAILER 8

/* The keys of tests/unit/support/krb5_seal_ref.h, so that its PDUs (the seeds)
 * are good ones. */
static void fixed_key(uint8_t *k, size_t len, uint8_t first)
{
	for (size_t i = 0; i < len; i++)
		k[i] = (uint8_t)(first + i);
}

static void rewrap(int enctype, const uint8_t *key, size_t kl, const struct krb5_seal *rx,
		   const uint8_t *pdu, size_t len)
{
	struct krb5_seal tx, back;
	size_t vlen = krb5_seal_verifier_len(rx->privacy);
	uint8_t *copy = malloc(len + vlen);
	char err[128];
	enum krb5_role peer = rx->in_flags & KRB5_FLAG_SENT_BY_ACCEPTOR ? KRB5_ACCEPTOR :
									   KRB5_INITIATOR;

	if (copy == NULL)
		abort();
	memcpy(copy, pdu, len);
	if (krb5_seal_init(&tx, enctype, key, kl, 0, 0, 1, peer, rx->privacy, rx->header_sign,
			   err, sizeof(err)) != 0 ||
	    krb5_seal_init(&back, enctype, key, kl, 0, 0, 1,
			   peer == KRB5_ACCEPTOR ? KRB5_INITIATOR : KRB5_ACCEPTOR, rx->privacy,
			   rx->header_sign, err, sizeof(err)) != 0)
		abort();
	if (krb5_seal_wrap(&tx, copy, len, HDR, len - HDR - TRAILER, copy + len, vlen) != 0 ||
	    krb5_seal_unwrap(&back, copy, len, HDR, len - HDR - TRAILER, copy + len, vlen) != 0 ||
	    memcmp(copy, pdu, len) != 0)
		abort();
	krb5_seal_wipe(&tx);
	krb5_seal_wipe(&back);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[32], *pdu;
	struct krb5_seal s;
	size_t n, vlen, len, body_len, kl;
	int mode, enctype, rc;
	uint64_t seq;
	char err[128];

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	if (size < HDR + TRAILER)
		return 0;
	vlen = (size_t)(data[10] | data[11] << 8);
	if (vlen > size - HDR - TRAILER)
		return 0;
	n = size;
	len = n - vlen;
	body_len = len - HDR - TRAILER;
	enctype = mode & 4 ? KRB5_ENCTYPE_AES256 : KRB5_ENCTYPE_AES128;
	kl = mode & 4 ? 32 : 16;
	fixed_key(key, kl, mode & 4 ? 0x40 : 0x20);
	if (krb5_seal_init(&s, enctype, key, kl, 0, 0, 1, mode & 8 ? KRB5_INITIATOR : KRB5_ACCEPTOR,
			   mode & 1, mode & 2, err, sizeof(err)) != 0)
		abort();
	if ((mode & 16) && vlen >= 16) {
		seq = 0;
		for (int i = 0; i < 8; i++)
			seq = seq << 8 | data[len + 8 + i];
		s.recv_seq = seq;
	}
	seq = s.recv_seq;
	/* the verifier in a buffer of its own size: ASan sees any overread */
	pdu = malloc(n);
	if (pdu == NULL)
		abort();
	memcpy(pdu, data, n);
	rc = krb5_seal_unwrap(&s, pdu, len, HDR, body_len, pdu + len, vlen);
	if (rc != 0) {
		if (s.recv_seq != seq)
			abort();
		if (mode & 1)
			for (size_t i = 0; i < body_len; i++)
				if (pdu[HDR + i] != 0)
					abort();
	} else {
		if (s.recv_seq != seq + 1)
			abort();
		rewrap(enctype, key, kl, &s, pdu, len);
	}
	krb5_seal_wipe(&s);
	explicit_bzero(key, sizeof(key));
	free(pdu);
	return 0;
}
