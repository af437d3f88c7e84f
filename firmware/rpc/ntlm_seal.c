/* DCE/RPC NTLM sign and seal with wolfCrypt (ntlm_seal.h). */
#include "firmware/rpc/ntlm_seal.h"

#include <string.h>

#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/md5.h>

#include "firmware/rpc/rpc_int.h"

static const char C2S_SIGN[] = "session key to client-to-server signing key magic constant";
static const char S2C_SIGN[] = "session key to server-to-client signing key magic constant";
static const char C2S_SEAL[] = "session key to client-to-server sealing key magic constant";
static const char S2C_SEAL[] = "session key to server-to-client sealing key magic constant";

/* MD5(key || magic including its NUL) */
static int derive(const uint8_t *key, size_t klen, const char *magic, uint8_t out[16])
{
	wc_Md5 md5;
	int rc;

	if (wc_InitMd5(&md5) != 0)
		return -1;
	rc = wc_Md5Update(&md5, key, (word32)klen) | wc_Md5Update(&md5, (const byte *)magic,
							       (word32)strlen(magic) + 1) |
	     wc_Md5Final(&md5, out);
	wc_Md5Free(&md5);
	return rc == 0 ? 0 : -1;
}

static int dir_init(struct ntlm_dir *d, const uint8_t *key, size_t seal_len,
		    const char *sign_magic, const char *seal_magic)
{
	uint8_t seal_key[16];
	int rc;

	memset(d, 0, sizeof(*d));
	rc = derive(key, NTLM_KEY_LEN, sign_magic, d->sign_key);
	if (rc == 0)
		rc = derive(key, seal_len, seal_magic, seal_key);
	if (rc == 0 && (wc_Arc4Init(&d->rc4, NULL, INVALID_DEVID) != 0 ||
			wc_Arc4SetKey(&d->rc4, seal_key, sizeof(seal_key)) != 0))
		rc = -1;
	explicit_bzero(seal_key, sizeof(seal_key));
	return rc;
}

int ntlm_seal_init(struct ntlm_seal *s, const uint8_t key[NTLM_KEY_LEN], uint32_t flags,
		   enum ntlm_role role, int privacy, char *err, size_t errlen)
{
	size_t seal_len;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!(flags & NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY))
		return err_set(err, errlen, "NTLM without extended session security (flags "
			       "%08x): refused", flags);
	/* MS-NLMP 3.4.5.3 would cut the sealing key to 7 or 5 octets without
	 * NEGOTIATE_128 (56 or 40 bits): refused, on both ends (issue 13; ca-auth
	 * refuses such a logon first, this is the worker's and careq's own line). */
	if (!(flags & NTLMSSP_NEGOTIATE_128))
		return err_set(err, errlen, "NTLM without 128-bit keys (flags %08x): refused",
			       flags);
	seal_len = 16;
	if (role == NTLM_SERVER)
		rc = dir_init(&s->out, key, seal_len, S2C_SIGN, S2C_SEAL) |
		     dir_init(&s->in, key, seal_len, C2S_SIGN, C2S_SEAL);
	else
		rc = dir_init(&s->out, key, seal_len, C2S_SIGN, C2S_SEAL) |
		     dir_init(&s->in, key, seal_len, S2C_SIGN, S2C_SEAL);
	if (rc != 0) {
		ntlm_seal_wipe(s);
		return err_set(err, errlen, "cannot derive the NTLM signing/sealing keys");
	}
	s->privacy = privacy;
	s->key_exch = (flags & NTLMSSP_NEGOTIATE_KEY_EXCH) != 0;
	s->ready = 1;
	return 0;
}

void ntlm_seal_wipe(struct ntlm_seal *s)
{
	wc_Arc4Free(&s->out.rc4);
	wc_Arc4Free(&s->in.rc4);
	explicit_bzero(s, sizeof(*s));
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* HMAC-MD5(sign_key, LE32(seq) || msg)[0..8] */
static int mac8(const struct ntlm_dir *d, uint32_t seq, const uint8_t *msg, size_t len,
		uint8_t out[8])
{
	uint8_t seqb[4], mac[WC_MD5_DIGEST_SIZE];
	Hmac h;
	int rc;

	put_le32(seqb, seq);
	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -1;
	rc = wc_HmacSetKey(&h, WC_MD5, d->sign_key, sizeof(d->sign_key));
	if (rc == 0)
		rc = wc_HmacUpdate(&h, seqb, 4);
	if (rc == 0)
		rc = wc_HmacUpdate(&h, msg, (word32)len);
	if (rc == 0)
		rc = wc_HmacFinal(&h, mac);
	wc_HmacFree(&h);
	memcpy(out, mac, 8);
	explicit_bzero(mac, sizeof(mac));
	return rc == 0 ? 0 : -1;
}

/* With KEY_EXCH the checksum is encrypted on the direction's stream, after the
 * body (MS-NLMP 3.4.4.2). */
static int encrypt_sum(const struct ntlm_seal *s, struct ntlm_dir *d, uint8_t sum[8])
{
	return s->key_exch && wc_Arc4Process(&d->rc4, sum, sum, 8) != 0 ? -1 : 0;
}

static int layout_ok(const struct ntlm_seal *s, size_t len, size_t body_off, size_t body_len,
		     size_t verifier_len)
{
	return s->ready && verifier_len == NTLM_VERIFIER_LEN && body_off <= len &&
	       body_len <= len - body_off && len <= UINT32_MAX;
}

int ntlm_seal_wrap(struct ntlm_seal *s, uint8_t *pdu, size_t len, size_t body_off,
		   size_t body_len, uint8_t *verifier, size_t verifier_len)
{
	uint8_t sum[8];

	if (!layout_ok(s, len, body_off, body_len, verifier_len))
		return -1;
	/* The checksum is over the plaintext; the stream encrypts the body first,
	 * then the checksum. */
	if (mac8(&s->out, s->out.seq, pdu, len, sum) != 0)
		return -1;
	if (s->privacy && body_len > 0 &&
	    wc_Arc4Process(&s->out.rc4, pdu + body_off, pdu + body_off, (word32)body_len) != 0)
		return -1;
	if (encrypt_sum(s, &s->out, sum) != 0)
		return -1;
	put_le32(verifier, 1);
	memcpy(verifier + 4, sum, 8);
	put_le32(verifier + 12, s->out.seq);
	explicit_bzero(sum, sizeof(sum));
	s->out.seq++;
	return 0;
}

int ntlm_seal_unwrap(struct ntlm_seal *s, uint8_t *pdu, size_t len, size_t body_off,
		     size_t body_len, const uint8_t *verifier, size_t verifier_len)
{
	uint8_t sum[8], diff = 0;

	if (!layout_ok(s, len, body_off, body_len, verifier_len))
		return -1;
	/* A replayed or reordered PDU carries another sequence number. */
	if (rpc_le32(verifier) != 1 || rpc_le32(verifier + 12) != s->in.seq)
		return -1;
	if (s->privacy && body_len > 0 &&
	    wc_Arc4Process(&s->in.rc4, pdu + body_off, pdu + body_off, (word32)body_len) != 0)
		return -1;
	if (mac8(&s->in, s->in.seq, pdu, len, sum) != 0 || encrypt_sum(s, &s->in, sum) != 0)
		return -1;
	for (size_t i = 0; i < 8; i++)
		diff |= (uint8_t)(sum[i] ^ verifier[4 + i]);
	explicit_bzero(sum, sizeof(sum));
	if (diff != 0)
		return -1;
	s->in.seq++;
	return 0;
}

int ntlm_seal_message(struct ntlm_seal *s, uint8_t *msg, size_t len, int seal,
		      uint8_t verifier[NTLM_VERIFIER_LEN])
{
	int privacy = s->privacy, rc;

	/* MS-NLMP signs and seals the same octets: the whole message is the body. */
	s->privacy = seal;
	rc = ntlm_seal_wrap(s, msg, len, 0, len, verifier, NTLM_VERIFIER_LEN);
	s->privacy = privacy;
	return rc;
}
