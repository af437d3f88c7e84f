/* DCE/RPC NTLM sign and seal (MS-NLMP 3.4.4 with extended session security, as
 * MS-RPCE 2.2.2.11 applies it to connection-oriented PDUs; the facts are in
 * shared/notes/icpr-wire.md "NTLM and packet privacy").
 *
 * gss-ntlmssp has no gss_wrap_iov, so the DCE/RPC layout is ours: the checksum
 * covers the whole PDU (header with its final lengths, stub, auth pad and the
 * 8-octet sec_trailer) while only stub + pad are encrypted. Each direction has
 * its own signing key, its own RC4 stream and its own sequence counter (from 0,
 * +1 per PDU fragment). The verifier is 16 octets:
 *     u32 version = 1 | 8 octets checksum | u32 seq
 * The checksum is HMAC-MD5(SignKey, LE32(seq) || PDU)[0..8], RC4-encrypted on
 * the direction's stream after the body when KEY_EXCH was negotiated.
 *
 * Only extended session security (NTLMv2 / NTLM2 session keys) with 128-bit keys
 * is implemented: a context without either is refused by ntlm_seal_init. Uses wolfCrypt (MD5,
 * HMAC-MD5, RC4); no global state; not thread-safe per object (one connection
 * drives one object). */
#ifndef RPC_NTLM_SEAL_H
#define RPC_NTLM_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/arc4.h>

#define NTLM_KEY_LEN 16
#define NTLM_VERIFIER_LEN 16

/* NegotiateFlags that matter here (MS-NLMP 2.2.2.5) */
#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_REQUEST_TARGET 0x00000004u
#define NTLMSSP_NEGOTIATE_SIGN 0x00000010u
#define NTLMSSP_NEGOTIATE_SEAL 0x00000020u
#define NTLMSSP_NEGOTIATE_NTLM 0x00000200u
#define NTLMSSP_NEGOTIATE_ANONYMOUS 0x00000800u
#define NTLMSSP_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u
#define NTLMSSP_NEGOTIATE_128 0x20000000u
#define NTLMSSP_NEGOTIATE_KEY_EXCH 0x40000000u
#define NTLMSSP_NEGOTIATE_56 0x80000000u

enum ntlm_role { NTLM_CLIENT, NTLM_SERVER };

struct ntlm_dir {
	uint8_t sign_key[NTLM_KEY_LEN];
	Arc4 rc4;     /* the sealing key's stream, continued PDU after PDU */
	uint32_t seq; /* the next sequence number */
};

struct ntlm_seal {
	struct ntlm_dir out, in; /* what we send, what we receive */
	int privacy;             /* 1: PKT_PRIVACY (seal the body), 0: PKT_INTEGRITY */
	int key_exch;            /* NTLMSSP_NEGOTIATE_KEY_EXCH: checksums are encrypted */
	int ready;
};

/* Derives both directions' keys from the exported session key (MS-NLMP 3.4.5.2
 * SIGNKEY, 3.4.5.3 SEALKEY with 128/56/40-bit truncation) for our role and
 * starts both streams and counters at 0. flags: the NegotiateFlags of the
 * AUTHENTICATE message. 0, or -1 with a message (no extended session security,
 * or a wolfCrypt failure). */
int ntlm_seal_init(struct ntlm_seal *s, const uint8_t key[NTLM_KEY_LEN], uint32_t flags,
		   enum ntlm_role role, int privacy, char *err, size_t errlen);
/* Wipes every key and stream state (explicit_bzero). */
void ntlm_seal_wipe(struct ntlm_seal *s);

/* One outgoing fragment: pdu[0..len) is the header up to and including the
 * sec_trailer with final frag_length/auth_length; body_len octets at body_off
 * (stub and auth pad) are encrypted in place at PKT_PRIVACY; the 16-octet
 * verifier is written. 0 or -1 (verifier_len is not 16, body out of range). */
int ntlm_seal_wrap(struct ntlm_seal *s, uint8_t *pdu, size_t len, size_t body_off,
		   size_t body_len, uint8_t *verifier, size_t verifier_len);
/* One incoming fragment, same layout: decrypted in place at PKT_PRIVACY, then the
 * verifier is checked (version 1, the expected sequence number, the checksum in
 * constant time). 0, or -1: the caller drops the connection (the stream state
 * is no longer in step with the peer's). */
int ntlm_seal_unwrap(struct ntlm_seal *s, uint8_t *pdu, size_t len, size_t body_off,
		     size_t body_len, const uint8_t *verifier, size_t verifier_len);

/* MS-NLMP's own message form (3.4.4.2), for test vectors: signs msg (and seals
 * it in place when seal) on the outgoing direction. */
int ntlm_seal_message(struct ntlm_seal *s, uint8_t *msg, size_t len, int seal,
		      uint8_t verifier[NTLM_VERIFIER_LEN]);

#endif
