/* DCE/RPC Kerberos per-message protection: RFC 4121 wrap and MIC tokens with
 * the AES enctypes of RFC 3962 (17 aes128-cts-hmac-sha1-96, 18
 * aes256-cts-hmac-sha1-96), as MS-KILE 3.4.5.4 and MS-RPCE apply them to
 * connection-oriented PDUs. The counterpart of ntlm_seal.h: it plugs into
 * rpc_auth_ops wrap/unwrap with the same layout (pdu[0..len) is the PDU up to
 * and including the 8-octet sec_trailer, the body — stub and auth pad — is
 * body_len octets at body_off, the verifier follows).
 *
 * The key is the one ca-auth exports (normally the acceptor subkey); this file
 * never sees a ticket. RFC 3961 key derivation and RFC 3962 AES-CTS are written
 * here on top of wolfCrypt's AES-ECB and HMAC-SHA1: wolfCrypt 5.5.4 (the
 * worker's crypto library) has neither n-fold/DK nor CBC with ciphertext
 * stealing, and the worker must not link MIT's libk5crypto.
 *
 * PKT_PRIVACY, the wrap token (TOK_ID 05 04, Sealed), DCE style: the body is
 * encrypted in place (same length); the verifier holds the 16-octet token
 * header and the rotated rest of the token (RRC 28, rotation RRC + EC):
 *     header(16) | E(filler)(EC) | E(header copy)(16) | HMAC(12) | E(confounder)(16)
 * We write EC 16 (MS-KILE 3.4.5.4.1: "the sender should set EC to 1 block";
 * Windows' verifier is 76 octets); we accept 0..16 (impacket writes the
 * padding to 16 of the body, 0..15), so incoming verifiers are 60 + EC octets.
 * PKT_INTEGRITY, the MIC token (TOK_ID 04 04): 28 octets.
 * Header signing (PFC_SUPPORT_HEADER_SIGN): the PDU header before the body and
 * the sec_trailer enter the checksum as SIGN_ONLY buffers, in PDU order (MIT's
 * krb5_c_encrypt_iov order: confounder, header, body, sec_trailer, filler,
 * token header copy); without it only the body is protected (impacket).
 *
 * No global state; not thread-safe per object (one connection drives one). */
#ifndef RPC_KRB5_SEAL_H
#define RPC_KRB5_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define KRB5_ENCTYPE_AES128 17
#define KRB5_ENCTYPE_AES256 18
#define KRB5_MAX_KEY 32

/* RFC 4121 2 key usages */
#define KRB5_USAGE_ACCEPTOR_SEAL 22
#define KRB5_USAGE_ACCEPTOR_SIGN 23
#define KRB5_USAGE_INITIATOR_SEAL 24
#define KRB5_USAGE_INITIATOR_SIGN 25

/* RFC 4121 4.2.2 token flags */
#define KRB5_FLAG_SENT_BY_ACCEPTOR 0x01
#define KRB5_FLAG_SEALED 0x02
#define KRB5_FLAG_ACCEPTOR_SUBKEY 0x04

#define KRB5_TOKEN_HDR 16 /* the token header */
#define KRB5_CONF_LEN 16  /* confounder: one AES block */
#define KRB5_HMAC_LEN 12  /* HMAC-SHA1-96 */
#define KRB5_RRC 28       /* E(header copy) + HMAC: what DCE rotates */
#define KRB5_EC_OUT 16    /* the filler we write (MS-KILE) */
#define KRB5_EC_MAX 16    /* the most we accept */
#define KRB5_WRAP_MIN (KRB5_TOKEN_HDR + KRB5_CONF_LEN + KRB5_RRC) /* 60: EC 0 */
#define KRB5_WRAP_LEN (KRB5_WRAP_MIN + KRB5_EC_OUT)               /* 76 */
#define KRB5_MIC_LEN (KRB5_TOKEN_HDR + KRB5_HMAC_LEN)             /* 28 */

enum krb5_role { KRB5_INITIATOR, KRB5_ACCEPTOR };

/* The confounder's source: fills buf with len random octets, 0 or -1.
 * Default getrandom(2); tests install a fixed one. */
typedef int (*krb5_random_fn)(void *arg, uint8_t *buf, size_t len);

/* The keys of one (direction, purpose): Ke and Ki for sealing, Kc for signing. */
struct krb5_usage_keys {
	uint8_t ke[KRB5_MAX_KEY], ki[KRB5_MAX_KEY], kc[KRB5_MAX_KEY];
};

struct krb5_seal {
	size_t keylen;               /* 16 or 32 */
	struct krb5_usage_keys out;  /* our seal/sign usages */
	struct krb5_usage_keys in;   /* the peer's */
	uint64_t send_seq, recv_seq; /* the next sequence numbers */
	uint8_t out_flags, in_flags; /* token flags without SEALED */
	int privacy, header_sign, ready;
	krb5_random_fn random;
	void *random_arg;
};

/* Derives the four usages' keys (RFC 3961 DK) from key for our role.
 * enctype 17 with a 16-octet key or 18 with 32; anything else is refused.
 * send_seq/recv_seq: the first sequence numbers (from the AP exchange);
 * acceptor_subkey: the key is the acceptor's subkey (flag 0x04 in every token,
 * both ways); privacy: PKT_PRIVACY (wrap tokens) else PKT_INTEGRITY (MIC);
 * header_sign: PFC_SUPPORT_HEADER_SIGN was negotiated. 0, or -1 with a message. */
int krb5_seal_init(struct krb5_seal *s, int enctype, const uint8_t *key, size_t keylen,
		   uint64_t send_seq, uint64_t recv_seq, int acceptor_subkey, enum krb5_role role,
		   int privacy, int header_sign, char *err, size_t errlen);
/* Wipes every key (explicit_bzero). */
void krb5_seal_wipe(struct krb5_seal *s);
/* The auth_length of the PDUs we send: 76 (privacy) or 28. */
size_t krb5_seal_verifier_len(int privacy);
/* 1 if an incoming PDU's auth_length may be a verifier at this level: 60..76
 * at privacy (60 + EC, EC 0..16: impacket writes 60..75, Windows and we 76),
 * 28 at integrity; else 0. For the connection's check of a request's
 * auth_length (krb5_seal_unwrap checks the exact length against EC itself). */
int krb5_seal_verifier_ok(int privacy, size_t len);
/* Replaces the confounder source (tests). */
void krb5_seal_set_random(struct krb5_seal *s, krb5_random_fn fn, void *arg);

/* One outgoing fragment (rpc_auth_ops.wrap): at PKT_PRIVACY the body is
 * encrypted in place; verifier_len (76 or 28) octets of verifier are written.
 * 0 or -1. */
int krb5_seal_wrap(struct krb5_seal *s, uint8_t *pdu, size_t len, size_t body_off,
		   size_t body_len, uint8_t *verifier, size_t verifier_len);
/* One incoming fragment (rpc_auth_ops.unwrap), same layout: token id, flags
 * (direction, Sealed, AcceptorSubkey), filler, EC/RRC, the exact expected
 * sequence number and the checksum (constant time) are checked and the body is
 * decrypted in place. 0, or -1 (the body is then wiped at PKT_PRIVACY; the
 * caller drops the connection). */
int krb5_seal_unwrap(struct krb5_seal *s, uint8_t *pdu, size_t len, size_t body_off,
		     size_t body_len, const uint8_t *verifier, size_t verifier_len);

/* ---- The layers below, for the tests (RFC 3961/3962 vectors, MIT as oracle). */

/* RFC 3961 5.1 n-fold of in (inlen octets, 1..64) to outlen octets (1..32). 0 or -1. */
int krb5_seal_nfold(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen);
/* RFC 3961 5.1 DK(key, constant) for AES (random-to-key is the identity):
 * out gets keylen octets. 0 or -1. */
int krb5_seal_dk(const uint8_t *key, size_t keylen, const uint8_t *constant, size_t clen,
		 uint8_t *out);
/* RFC 3962 AES-CTS with a zero IV, in place, len >= 16. 0 or -1. */
int krb5_seal_cts_encrypt(const uint8_t *key, size_t keylen, uint8_t *buf, size_t len);
int krb5_seal_cts_decrypt(const uint8_t *key, size_t keylen, uint8_t *buf, size_t len);

/* RFC 3961 simplified profile over scattered buffers, as MIT's
 * krb5_c_encrypt_iov defines them (same type values): HEADER (the confounder,
 * 16 octets, filled by the caller before encryption), DATA (encrypted and
 * signed), SIGN_ONLY (signed only), TRAILER (the 12-octet HMAC). The checksum
 * covers HEADER, DATA and SIGN_ONLY in array order; the encryption HEADER and
 * DATA in array order. usage: the key usage (Ke = DK(usage|AA), Ki = DK(usage|55)). */
enum krb5_iov_type {
	KRB5_IOV_HEADER = 1,
	KRB5_IOV_DATA = 2,
	KRB5_IOV_SIGN_ONLY = 3,
	KRB5_IOV_TRAILER = 5,
};
struct krb5_iov {
	enum krb5_iov_type type;
	uint8_t *data; /* SIGN_ONLY buffers are only read */
	size_t len;
};
int krb5_seal_encrypt_iov(const uint8_t *key, size_t keylen, int usage, struct krb5_iov *iov,
			  size_t n);
/* Decrypts in place and checks the HMAC (constant time). 0, or -1 (the DATA
 * and HEADER buffers are then wiped). */
int krb5_seal_decrypt_iov(const uint8_t *key, size_t keylen, int usage, struct krb5_iov *iov,
			  size_t n);
/* RFC 3961 get_mic for hmac-sha1-96-aes: HMAC-SHA1(DK(usage|99), msg)[0..12]. */
int krb5_seal_checksum(const uint8_t *key, size_t keylen, int usage, const uint8_t *msg,
		       size_t len, uint8_t out[KRB5_HMAC_LEN]);

#endif
