/* DCE/RPC Kerberos (RFC 4121, AES) per-message protection with wolfCrypt
 * (krb5_seal.h). */
#include "firmware/rpc/krb5_seal.h"

#include <string.h>
#include <sys/random.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "firmware/rpc/rpc_int.h"

#define BLK 16
#define NFOLD_MAX_IN 64
#define NFOLD_MAX_OUT 32
#define IOV_MAX_SEGS 8

/* ---- RFC 3961 5.1 n-fold ------------------------------------------------
 * wolfCrypt has no Kerberos key derivation, hence this. The input is repeated
 * lcm(inlen, outlen) / inlen times, copy i rotated right by 13 * i bits; the
 * result is cut into outlen-octet pieces, added with one's-complement
 * (end-around carry) addition. */

static size_t gcd(size_t a, size_t b)
{
	while (b != 0) {
		size_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Bit `bit` (0 = most significant of in[0]) of in rotated right by rot bits. */
static unsigned rot_bit(const uint8_t *in, size_t nbits, size_t rot, size_t bit)
{
	size_t src = (bit + nbits - rot % nbits) % nbits;

	return (in[src / 8] >> (7 - src % 8)) & 1u;
}

int krb5_seal_nfold(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
{
	unsigned sum[NFOLD_MAX_OUT];
	size_t lcm, nbits;

	if (inlen == 0 || inlen > NFOLD_MAX_IN || outlen == 0 || outlen > NFOLD_MAX_OUT)
		return -1;
	lcm = inlen / gcd(inlen, outlen) * outlen;
	nbits = inlen * 8;
	memset(sum, 0, sizeof(sum));
	/* Octet k of the long string is octet k % inlen of copy k / inlen; it is
	 * added into column k % outlen. Columns hold at most lcm/outlen octets
	 * (<= 64 * 255): no overflow before the carries are folded. */
	for (size_t k = 0; k < lcm; k++) {
		size_t copy = k / inlen, rot = 13 * copy, base = (k % inlen) * 8;
		unsigned octet = 0;

		for (size_t b = 0; b < 8; b++)
			octet = octet << 1 | rot_bit(in, nbits, rot, base + b);
		sum[k % outlen] += octet;
	}
	/* Propagate the carries from the least significant octet up, the carry out
	 * of the top going back in at the bottom, until none is left. */
	for (;;) {
		unsigned carry = 0;

		for (size_t i = outlen; i-- > 0;) {
			sum[i] += carry;
			carry = sum[i] >> 8;
			sum[i] &= 0xff;
		}
		if (carry == 0)
			break;
		sum[outlen - 1] += carry;
	}
	for (size_t i = 0; i < outlen; i++)
		out[i] = (uint8_t)sum[i];
	explicit_bzero(sum, sizeof(sum));
	return 0;
}

/* ---- AES blocks ---------------------------------------------------------- */

static int aes_key(Aes *aes, const uint8_t *key, size_t keylen, int dir)
{
	if (keylen != 16 && keylen != 32)
		return -1;
	if (wc_AesInit(aes, NULL, INVALID_DEVID) != 0)
		return -1;
	if (wc_AesSetKey(aes, key, (word32)keylen, NULL, dir) != 0) {
		wc_AesFree(aes);
		return -1;
	}
	return 0;
}

/* RFC 3961 5.1 DK: DR = E(K, n-fold(constant)) chained (for AES the
 * "encryption" of one block under CTS with a zero IV is plain AES), cut to the
 * key length; AES's random-to-key is the identity. */
int krb5_seal_dk(const uint8_t *key, size_t keylen, const uint8_t *constant, size_t clen,
		 uint8_t *out)
{
	uint8_t blk[BLK];
	Aes aes;
	int rc = 0;

	if (krb5_seal_nfold(constant, clen, blk, BLK) != 0 ||
	    aes_key(&aes, key, keylen, AES_ENCRYPTION) != 0)
		return -1;
	for (size_t done = 0; done < keylen && rc == 0; done += BLK) {
		rc = wc_AesEcbEncrypt(&aes, blk, blk, BLK);
		memcpy(out + done, blk, keylen - done < BLK ? keylen - done : BLK);
	}
	wc_AesFree(&aes);
	explicit_bzero(blk, sizeof(blk));
	return rc == 0 ? 0 : -1;
}

static int derive_usage(const uint8_t *key, size_t keylen, int usage, uint8_t kind,
			uint8_t *out)
{
	uint8_t c[5] = {(uint8_t)(usage >> 24), (uint8_t)(usage >> 16), (uint8_t)(usage >> 8),
			(uint8_t)usage, kind};

	return krb5_seal_dk(key, keylen, c, sizeof(c), out);
}

/* ---- Scattered buffers ---------------------------------------------------
 * The body stays in the PDU and the other parts of the token in the verifier,
 * so the cipher runs over a list of segments rather than one buffer. */

struct seglist {
	uint8_t *p[IOV_MAX_SEGS];
	size_t len[IOV_MAX_SEGS];
	size_t n, total;
};

static void seg_add(struct seglist *l, uint8_t *p, size_t len)
{
	l->p[l->n] = p;
	l->len[l->n] = len;
	l->n++;
	l->total += len;
}

/* Copies len octets at offset off of the list out (dir 0) or in (dir 1). */
static void seg_io(const struct seglist *l, size_t off, uint8_t *buf, size_t len, int in)
{
	for (size_t i = 0; i < l->n && len > 0; i++) {
		size_t take;

		if (off >= l->len[i]) {
			off -= l->len[i];
			continue;
		}
		take = l->len[i] - off < len ? l->len[i] - off : len;
		if (in)
			memcpy(l->p[i] + off, buf, take);
		else
			memcpy(buf, l->p[i] + off, take);
		buf += take;
		len -= take;
		off = 0;
	}
}

static void xor16(uint8_t *a, const uint8_t *b)
{
	for (int i = 0; i < BLK; i++)
		a[i] ^= b[i];
}

/* RFC 3962 2: CBC with a zero IV, the last two cipher blocks swapped and the
 * (now last) one cut to the length of the last plaintext block. wolfCrypt 5.5.4
 * has no CTS mode: it is built here on single AES blocks. n >= 16. */
static int cts_encrypt(Aes *aes, const struct seglist *l)
{
	uint8_t prev[BLK] = {0}, x[BLK], last[BLK];
	size_t n = l->total, nb = (n + BLK - 1) / BLK, m;
	int rc = 0;

	if (n < BLK)
		return -1;
	if (nb == 1) {
		seg_io(l, 0, x, BLK, 0);
		rc = wc_AesEcbEncrypt(aes, x, x, BLK);
		seg_io(l, 0, x, BLK, 1);
		explicit_bzero(x, sizeof(x));
		return rc == 0 ? 0 : -1;
	}
	for (size_t i = 0; i + 2 < nb && rc == 0; i++) {
		seg_io(l, i * BLK, x, BLK, 0);
		xor16(x, prev);
		rc = wc_AesEcbEncrypt(aes, prev, x, BLK);
		seg_io(l, i * BLK, prev, BLK, 1);
	}
	m = n - (nb - 1) * BLK;
	seg_io(l, (nb - 2) * BLK, x, BLK, 0);
	memset(last, 0, sizeof(last));
	seg_io(l, (nb - 1) * BLK, last, m, 0);
	xor16(x, prev);
	if (rc == 0)
		rc = wc_AesEcbEncrypt(aes, x, x, BLK); /* C(n-1) */
	xor16(last, x);
	if (rc == 0)
		rc = wc_AesEcbEncrypt(aes, last, last, BLK); /* C(n) */
	seg_io(l, (nb - 2) * BLK, last, BLK, 1);
	seg_io(l, (nb - 1) * BLK, x, m, 1);
	explicit_bzero(x, sizeof(x));
	explicit_bzero(last, sizeof(last));
	explicit_bzero(prev, sizeof(prev));
	return rc == 0 ? 0 : -1;
}

static int cts_decrypt(Aes *aes, const struct seglist *l)
{
	uint8_t prev[BLK] = {0}, c[BLK], p[BLK], d[BLK], x[BLK];
	size_t n = l->total, nb = (n + BLK - 1) / BLK, m;
	int rc = 0;

	if (n < BLK)
		return -1;
	if (nb == 1) {
		seg_io(l, 0, c, BLK, 0);
		rc = wc_AesEcbDecrypt(aes, p, c, BLK);
		seg_io(l, 0, p, BLK, 1);
		explicit_bzero(p, sizeof(p));
		return rc == 0 ? 0 : -1;
	}
	for (size_t i = 0; i + 2 < nb && rc == 0; i++) {
		seg_io(l, i * BLK, c, BLK, 0);
		rc = wc_AesEcbDecrypt(aes, p, c, BLK);
		xor16(p, prev);
		seg_io(l, i * BLK, p, BLK, 1);
		memcpy(prev, c, BLK);
	}
	m = n - (nb - 1) * BLK;
	seg_io(l, (nb - 2) * BLK, c, BLK, 0); /* C(n): the real last CBC block */
	memset(x, 0, sizeof(x));
	seg_io(l, (nb - 1) * BLK, x, m, 0); /* C(n-1) cut to m */
	if (rc == 0)
		rc = wc_AesEcbDecrypt(aes, d, c, BLK); /* P(n) padded with zeros ^ C(n-1) */
	/* C(n-1)'s missing octets are D's: P(n) was padded with zeros there. */
	memcpy(x + m, d + m, BLK - m);
	for (size_t i = 0; i < m; i++)
		d[i] ^= x[i];
	if (rc == 0)
		rc = wc_AesEcbDecrypt(aes, p, x, BLK);
	xor16(p, prev);
	seg_io(l, (nb - 2) * BLK, p, BLK, 1);
	seg_io(l, (nb - 1) * BLK, d, m, 1);
	explicit_bzero(p, sizeof(p));
	explicit_bzero(d, sizeof(d));
	explicit_bzero(x, sizeof(x));
	return rc == 0 ? 0 : -1;
}

static int cts_run(const uint8_t *key, size_t keylen, const struct seglist *l, int enc)
{
	Aes aes;
	int rc;

	if (aes_key(&aes, key, keylen, enc ? AES_ENCRYPTION : AES_DECRYPTION) != 0)
		return -1;
	rc = enc ? cts_encrypt(&aes, l) : cts_decrypt(&aes, l);
	wc_AesFree(&aes);
	return rc;
}

int krb5_seal_cts_encrypt(const uint8_t *key, size_t keylen, uint8_t *buf, size_t len)
{
	struct seglist l = {0};

	seg_add(&l, buf, len);
	return cts_run(key, keylen, &l, 1);
}

int krb5_seal_cts_decrypt(const uint8_t *key, size_t keylen, uint8_t *buf, size_t len)
{
	struct seglist l = {0};

	seg_add(&l, buf, len);
	return cts_run(key, keylen, &l, 0);
}

/* ---- HMAC-SHA1-96 -------------------------------------------------------- */

static int hmac96(const uint8_t *key, size_t keylen, const struct seglist *l,
		  uint8_t out[KRB5_HMAC_LEN])
{
	uint8_t mac[WC_SHA_DIGEST_SIZE];
	Hmac h;
	int rc;

	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -1;
	rc = wc_HmacSetKey(&h, WC_SHA, key, (word32)keylen);
	for (size_t i = 0; i < l->n && rc == 0; i++)
		if (l->len[i] > 0)
			rc = wc_HmacUpdate(&h, l->p[i], (word32)l->len[i]);
	if (rc == 0)
		rc = wc_HmacFinal(&h, mac);
	wc_HmacFree(&h);
	memcpy(out, mac, KRB5_HMAC_LEN);
	explicit_bzero(mac, sizeof(mac));
	return rc == 0 ? 0 : -1;
}

static int ct_differ(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= (uint8_t)(a[i] ^ b[i]);
	return d != 0;
}

/* ---- RFC 3961 simplified profile over iovs (MIT's krb5_c_*_iov) ---------- */

/* Splits iov into what is encrypted (HEADER, DATA) and what is signed
 * (HEADER, DATA, SIGN_ONLY), in array order; finds the one 12-octet TRAILER
 * and the one 16-octet HEADER. */
static int iov_split(struct krb5_iov *iov, size_t n, struct seglist *enc, struct seglist *sig,
		     uint8_t **trailer)
{
	int headers = 0;

	memset(enc, 0, sizeof(*enc));
	memset(sig, 0, sizeof(*sig));
	*trailer = NULL;
	if (n > IOV_MAX_SEGS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		switch (iov[i].type) {
		case KRB5_IOV_HEADER:
			if (iov[i].len != KRB5_CONF_LEN || headers++ > 0)
				return -1;
			/* fall through */
		case KRB5_IOV_DATA:
			seg_add(enc, iov[i].data, iov[i].len);
			seg_add(sig, iov[i].data, iov[i].len);
			break;
		case KRB5_IOV_SIGN_ONLY:
			seg_add(sig, iov[i].data, iov[i].len);
			break;
		case KRB5_IOV_TRAILER:
			if (iov[i].len != KRB5_HMAC_LEN || *trailer != NULL)
				return -1;
			*trailer = iov[i].data;
			break;
		default:
			return -1;
		}
	}
	return headers == 1 && *trailer != NULL ? 0 : -1;
}

/* Ke/Ki given: the seal object's precomputed keys. */
static int encrypt_iov_k(const uint8_t *ke, const uint8_t *ki, size_t keylen,
			 struct krb5_iov *iov, size_t n)
{
	struct seglist enc, sig;
	uint8_t *trailer;

	if (iov_split(iov, n, &enc, &sig, &trailer) != 0)
		return -1;
	/* H = HMAC(Ki, conf | plaintext) over the plaintext, then encryption. */
	if (hmac96(ki, keylen, &sig, trailer) != 0)
		return -1;
	return cts_run(ke, keylen, &enc, 1);
}

static void wipe_segs(const struct seglist *l)
{
	for (size_t i = 0; i < l->n; i++)
		explicit_bzero(l->p[i], l->len[i]);
}

static int decrypt_iov_k(const uint8_t *ke, const uint8_t *ki, size_t keylen,
			 struct krb5_iov *iov, size_t n)
{
	struct seglist enc, sig;
	uint8_t *trailer, mac[KRB5_HMAC_LEN];
	int bad;

	if (iov_split(iov, n, &enc, &sig, &trailer) != 0)
		return -1;
	if (cts_run(ke, keylen, &enc, 0) != 0) {
		wipe_segs(&enc);
		return -1;
	}
	bad = hmac96(ki, keylen, &sig, mac) != 0 || ct_differ(mac, trailer, KRB5_HMAC_LEN);
	explicit_bzero(mac, sizeof(mac));
	if (bad) {
		wipe_segs(&enc);
		return -1;
	}
	return 0;
}

static int usage_seal_keys(const uint8_t *key, size_t keylen, int usage, uint8_t *ke,
			   uint8_t *ki)
{
	return derive_usage(key, keylen, usage, 0xAA, ke) | derive_usage(key, keylen, usage, 0x55, ki);
}

int krb5_seal_encrypt_iov(const uint8_t *key, size_t keylen, int usage, struct krb5_iov *iov,
			  size_t n)
{
	uint8_t ke[KRB5_MAX_KEY], ki[KRB5_MAX_KEY];
	int rc = -1;

	if ((keylen == 16 || keylen == 32) && usage_seal_keys(key, keylen, usage, ke, ki) == 0)
		rc = encrypt_iov_k(ke, ki, keylen, iov, n);
	explicit_bzero(ke, sizeof(ke));
	explicit_bzero(ki, sizeof(ki));
	return rc;
}

int krb5_seal_decrypt_iov(const uint8_t *key, size_t keylen, int usage, struct krb5_iov *iov,
			  size_t n)
{
	uint8_t ke[KRB5_MAX_KEY], ki[KRB5_MAX_KEY];
	int rc = -1;

	if ((keylen == 16 || keylen == 32) && usage_seal_keys(key, keylen, usage, ke, ki) == 0)
		rc = decrypt_iov_k(ke, ki, keylen, iov, n);
	explicit_bzero(ke, sizeof(ke));
	explicit_bzero(ki, sizeof(ki));
	return rc;
}

int krb5_seal_checksum(const uint8_t *key, size_t keylen, int usage, const uint8_t *msg,
		       size_t len, uint8_t out[KRB5_HMAC_LEN])
{
	uint8_t kc[KRB5_MAX_KEY];
	struct seglist l = {0};
	int rc = -1;

	seg_add(&l, (uint8_t *)(uintptr_t)msg, len); /* only read */
	if ((keylen == 16 || keylen == 32) && derive_usage(key, keylen, usage, 0x99, kc) == 0)
		rc = hmac96(kc, keylen, &l, out);
	explicit_bzero(kc, sizeof(kc));
	return rc;
}

/* ---- The seal object ----------------------------------------------------- */

static int default_random(void *arg, uint8_t *buf, size_t len)
{
	(void)arg;
	while (len > 0) {
		ssize_t got = getrandom(buf, len, 0);

		if (got <= 0)
			return -1;
		buf += got;
		len -= (size_t)got;
	}
	return 0;
}

static int usage_keys(const uint8_t *key, size_t keylen, int seal, int sign,
		      struct krb5_usage_keys *k)
{
	return usage_seal_keys(key, keylen, seal, k->ke, k->ki) |
	       derive_usage(key, keylen, sign, 0x99, k->kc);
}

int krb5_seal_init(struct krb5_seal *s, int enctype, const uint8_t *key, size_t keylen,
		   uint64_t send_seq, uint64_t recv_seq, int acceptor_subkey, enum krb5_role role,
		   int privacy, int header_sign, char *err, size_t errlen)
{
	int acc = role == KRB5_ACCEPTOR, rc;

	memset(s, 0, sizeof(*s));
	if (enctype != KRB5_ENCTYPE_AES128 && enctype != KRB5_ENCTYPE_AES256)
		return err_set(err, errlen, "Kerberos enctype %d: only 17 and 18 (AES) are "
			       "accepted", enctype);
	if (keylen != (enctype == KRB5_ENCTYPE_AES128 ? 16u : 32u))
		return err_set(err, errlen, "Kerberos enctype %d with a %zu-octet key", enctype,
			       keylen);
	if (role != KRB5_INITIATOR && role != KRB5_ACCEPTOR)
		return err_set(err, errlen, "Kerberos sealing: no such role");
	s->keylen = keylen;
	rc = usage_keys(key, keylen, acc ? KRB5_USAGE_ACCEPTOR_SEAL : KRB5_USAGE_INITIATOR_SEAL,
			acc ? KRB5_USAGE_ACCEPTOR_SIGN : KRB5_USAGE_INITIATOR_SIGN, &s->out) |
	     usage_keys(key, keylen, acc ? KRB5_USAGE_INITIATOR_SEAL : KRB5_USAGE_ACCEPTOR_SEAL,
			acc ? KRB5_USAGE_INITIATOR_SIGN : KRB5_USAGE_ACCEPTOR_SIGN, &s->in);
	if (rc != 0) {
		krb5_seal_wipe(s);
		return err_set(err, errlen, "cannot derive the Kerberos per-message keys");
	}
	s->out_flags = (uint8_t)((acc ? KRB5_FLAG_SENT_BY_ACCEPTOR : 0) |
				 (acceptor_subkey ? KRB5_FLAG_ACCEPTOR_SUBKEY : 0));
	s->in_flags = (uint8_t)((acc ? 0 : KRB5_FLAG_SENT_BY_ACCEPTOR) |
				(acceptor_subkey ? KRB5_FLAG_ACCEPTOR_SUBKEY : 0));
	s->send_seq = send_seq;
	s->recv_seq = recv_seq;
	s->privacy = privacy != 0;
	s->header_sign = header_sign != 0;
	s->random = default_random;
	s->ready = 1;
	return 0;
}

void krb5_seal_wipe(struct krb5_seal *s)
{
	explicit_bzero(s, sizeof(*s));
}

size_t krb5_seal_verifier_len(int privacy)
{
	return privacy ? KRB5_WRAP_LEN : KRB5_MIC_LEN;
}

int krb5_seal_verifier_ok(int privacy, size_t len)
{
	if (!privacy)
		return len == KRB5_MIC_LEN;
	return len >= KRB5_WRAP_MIN && len <= KRB5_WRAP_MIN + KRB5_EC_MAX;
}

void krb5_seal_set_random(struct krb5_seal *s, krb5_random_fn fn, void *arg)
{
	s->random = fn != NULL ? fn : default_random;
	s->random_arg = arg;
}

static void put_be16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int layout_ok(const struct krb5_seal *s, size_t len, size_t body_off, size_t body_len)
{
	return s->ready && body_off <= len && body_len <= len - body_off;
}

/* The wrap token's encryption/signature buffers, DCE style, for a verifier
 * tail v (after the 16-octet header) with filler ec: v = E(filler) |
 * E(header copy) | HMAC | E(confounder); the body in place. With header
 * signing the PDU before the body and the sec_trailer after it are SIGN_ONLY,
 * in PDU order (what MIT's gss_wrap_iov passes to krb5_k_encrypt_iov). */
static size_t wrap_iov(const struct krb5_seal *s, struct krb5_iov *iov, uint8_t *pdu,
		       size_t len, size_t body_off, size_t body_len, uint8_t *v, size_t ec)
{
	size_t n = 0;

	iov[n++] = (struct krb5_iov){KRB5_IOV_HEADER, v + ec + KRB5_RRC, KRB5_CONF_LEN};
	if (s->header_sign)
		iov[n++] = (struct krb5_iov){KRB5_IOV_SIGN_ONLY, pdu, body_off};
	iov[n++] = (struct krb5_iov){KRB5_IOV_DATA, pdu + body_off, body_len};
	if (s->header_sign)
		iov[n++] = (struct krb5_iov){KRB5_IOV_SIGN_ONLY, pdu + body_off + body_len,
					     len - body_off - body_len};
	iov[n++] = (struct krb5_iov){KRB5_IOV_DATA, v, ec + KRB5_TOKEN_HDR};
	iov[n++] = (struct krb5_iov){KRB5_IOV_TRAILER, v + ec + KRB5_TOKEN_HDR, KRB5_HMAC_LEN};
	return n;
}

static void token_header(uint8_t *h, unsigned tok_id, uint8_t flags, unsigned ec, unsigned rrc,
			 uint64_t seq)
{
	put_be16(h, tok_id);
	h[2] = flags;
	h[3] = 0xFF;
	put_be16(h + 4, ec);
	put_be16(h + 6, rrc);
	put_be64(h + 8, seq);
}

static int wrap_privacy(struct krb5_seal *s, uint8_t *pdu, size_t len, size_t body_off,
			size_t body_len, uint8_t *verifier)
{
	struct krb5_iov iov[6];
	uint8_t *v = verifier + KRB5_TOKEN_HDR;
	uint8_t flags = (uint8_t)(s->out_flags | KRB5_FLAG_SEALED);
	size_t n;

	/* The encrypted copy of the header has RRC 0 (RFC 4121 4.2.4); the filler
	 * is 0xFF octets (any value does, impacket writes 0xFF). */
	memset(v, 0xFF, KRB5_EC_OUT);
	token_header(v + KRB5_EC_OUT, 0x0504, flags, KRB5_EC_OUT, 0, s->send_seq);
	if (s->random(s->random_arg, v + KRB5_EC_OUT + KRB5_RRC, KRB5_CONF_LEN) != 0)
		return -1;
	n = wrap_iov(s, iov, pdu, len, body_off, body_len, v, KRB5_EC_OUT);
	if (encrypt_iov_k(s->out.ke, s->out.ki, s->keylen, iov, n) != 0) {
		explicit_bzero(pdu + body_off, body_len);
		return -1;
	}
	token_header(verifier, 0x0504, flags, KRB5_EC_OUT, KRB5_RRC, s->send_seq);
	return 0;
}

/* The MIC token: checksum over the signed octets then the token header. */
static int mic(const struct krb5_seal *s, const uint8_t *kc, const uint8_t *pdu, size_t len,
	       size_t body_off, size_t body_len, const uint8_t *hdr, uint8_t out[KRB5_HMAC_LEN])
{
	struct seglist l = {0};

	if (s->header_sign)
		seg_add(&l, (uint8_t *)(uintptr_t)pdu, len); /* only read */
	else
		seg_add(&l, (uint8_t *)(uintptr_t)pdu + body_off, body_len);
	seg_add(&l, (uint8_t *)(uintptr_t)hdr, KRB5_TOKEN_HDR);
	return hmac96(kc, s->keylen, &l, out);
}

int krb5_seal_wrap(struct krb5_seal *s, uint8_t *pdu, size_t len, size_t body_off,
		   size_t body_len, uint8_t *verifier, size_t verifier_len)
{
	if (!layout_ok(s, len, body_off, body_len) ||
	    verifier_len != krb5_seal_verifier_len(s->privacy))
		return -1;
	if (s->privacy) {
		if (wrap_privacy(s, pdu, len, body_off, body_len, verifier) != 0)
			return -1;
	} else {
		/* MIC: EC and RRC are 0xFFFF (RFC 4121 4.2.6.1: filler). */
		token_header(verifier, 0x0404, s->out_flags, 0xFFFF, 0xFFFF, s->send_seq);
		if (mic(s, s->out.kc, pdu, len, body_off, body_len, verifier,
			verifier + KRB5_TOKEN_HDR) != 0)
			return -1;
	}
	s->send_seq++;
	return 0;
}

static int unwrap_privacy(struct krb5_seal *s, uint8_t *pdu, size_t len, size_t body_off,
			  size_t body_len, const uint8_t *verifier, size_t verifier_len)
{
	uint8_t v[KRB5_WRAP_MIN + KRB5_EC_MAX - KRB5_TOKEN_HDR], expect[KRB5_TOKEN_HDR];
	struct krb5_iov iov[6];
	size_t ec, n;
	int bad;

	if (verifier_len < KRB5_WRAP_MIN)
		return -1;
	ec = be16(verifier + 4);
	/* RRC: DCE rotates by RRC + EC and only 28 leaves the body in place (MIT
	 * accepts only 28 too); EC is bounded and must account for the length. */
	if (be16(verifier) != 0x0504 || verifier[2] != (s->in_flags | KRB5_FLAG_SEALED) ||
	    verifier[3] != 0xFF || be16(verifier + 6) != KRB5_RRC || ec > KRB5_EC_MAX ||
	    verifier_len != KRB5_WRAP_MIN + ec)
		return -1;
	/* Replays and reordering: exactly the next number. */
	if (be64(verifier + 8) != s->recv_seq)
		return -1;
	/* The verifier is const: its encrypted parts are decrypted in a copy. */
	memcpy(v, verifier + KRB5_TOKEN_HDR, verifier_len - KRB5_TOKEN_HDR);
	n = wrap_iov(s, iov, pdu, len, body_off, body_len, v, ec);
	bad = decrypt_iov_k(s->in.ke, s->in.ki, s->keylen, iov, n) != 0;
	/* The encrypted copy is the header with RRC 0 (RFC 4121 4.2.4; Heimdal
	 * compares the same way). */
	memcpy(expect, verifier, KRB5_TOKEN_HDR);
	put_be16(expect + 6, 0);
	bad |= ct_differ(expect, v + ec, KRB5_TOKEN_HDR);
	explicit_bzero(v, sizeof(v));
	return bad ? -1 : 0;
}

int krb5_seal_unwrap(struct krb5_seal *s, uint8_t *pdu, size_t len, size_t body_off,
		     size_t body_len, const uint8_t *verifier, size_t verifier_len)
{
	uint8_t sum[KRB5_HMAC_LEN];
	int bad;

	if (!layout_ok(s, len, body_off, body_len))
		return -1;
	if (s->privacy) {
		if (unwrap_privacy(s, pdu, len, body_off, body_len, verifier, verifier_len) != 0) {
			/* Nothing of a refused PDU stays readable. */
			explicit_bzero(pdu + body_off, body_len);
			return -1;
		}
	} else {
		static const uint8_t ff[5] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

		if (verifier_len != KRB5_MIC_LEN || be16(verifier) != 0x0404 ||
		    verifier[2] != s->in_flags || memcmp(verifier + 3, ff, 5) != 0 ||
		    be64(verifier + 8) != s->recv_seq)
			return -1;
		bad = mic(s, s->in.kc, pdu, len, body_off, body_len, verifier, sum) != 0 ||
		      ct_differ(sum, verifier + KRB5_TOKEN_HDR, KRB5_HMAC_LEN);
		explicit_bzero(sum, sizeof(sum));
		if (bad)
			return -1;
	}
	s->recv_seq++;
	return 0;
}
