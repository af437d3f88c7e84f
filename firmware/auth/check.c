/* What ca-auth refuses before gss-ntlmssp sees a token (check.h).
 *
 * gss-ntlmssp 1.2's acceptor trusts parts of the AUTHENTICATE message it should
 * not (a review of ntlm_decode_auth_msg in src/ntlm.c, gss_accept_sec_context in
 * src/gss_sec_ctx.c and gssntlm_srv_auth in src/gss_auth.c):
 *
 *  - with KEY_EXCH negotiated it copies 16 octets from the EncryptedRandom-
 *    SessionKey whatever its length: an empty one is a NULL read (SIGSEGV), a
 *    short one a heap over-read;
 *  - an empty user name with a non-empty NT response reaches strlen(NULL);
 *  - names are converted by the negotiated flags (UNICODE or OEM), not the
 *    message's, and a name that converts to "" or holds a NUL is looked up as such;
 *  - an NTLMv1 response (24 octets) with extended session security reads 8
 *    octets of the LM response, which may be absent (only when LM/NTLMv1 are
 *    allowed; LM_COMPAT_LEVEL=5 refuses them, this refuses them again).
 *
 * And one rule of ours (issue 13): NTLM without NEGOTIATE_128 is refused, in the
 * NEGOTIATE and in the AUTHENTICATE, as Windows does with "Require 128-bit
 * encryption" (NTLMMinServerSec, on by default): a session key cut to 56 or 40
 * bits would seal every call of the connection.
 *
 * So a token reaches gss-ntlmssp only in the shape a real client sends: every
 * field inside the message and after its fixed part, names of bounded length
 * in the negotiated encoding without NUL, an NTLMv2 response whose AV_PAIR list
 * is well formed, and a 16-octet session key whenever key exchange is on. */
#include "firmware/auth/check.h"

#include <stdio.h>
#include <string.h>

#include "firmware/rpc/ntlm_msg.h"
#include "platform/errbuf.h"

/* NegotiateFlags (MS-NLMP 2.2.2.5) */
#define F_UNICODE 0x00000001u
#define F_OEM 0x00000002u
#define F_DATAGRAM 0x00000040u
#define F_128 0x20000000u
#define F_KEY_EXCH 0x40000000u

#define NEG_FIXED 32  /* NEGOTIATE without its Version field */
#define AUTH_FIXED 64 /* AUTHENTICATE up to NegotiateFlags */
#define AUTH_MIN 72   /* ... with Version: the least gss-ntlmssp decodes */
#define NAME_MAX_OCTETS 512 /* 256 UTF-16 code units: longer than any account name */
#define NTLMV1_LEN 24
#define NTLMV2_FIXED (16 + 28) /* NTProofStr, then NTLMv2_CLIENT_CHALLENGE up to AvPairs */
#define AV_FLAGS 6
#define AV_TIMESTAMP 7
#define AV_CHANNEL_BINDINGS 10

/* A refusal: the message in err (platform/errbuf.h), -1. */
#define refuse err_set

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int ntlm_check_negotiate(const uint8_t *tok, size_t len, char *err, size_t errlen)
{
	struct ntlm_msg m;

	if (ntlm_msg_decode(tok, len, &m, err, errlen) != 0)
		return -1;
	if (m.type != NTLM_NEGOTIATE)
		return refuse(err, errlen, "NTLM message type %u where a NEGOTIATE belongs", m.type);
	if (len < NEG_FIXED)
		return refuse(err, errlen, "NTLM NEGOTIATE of %zu octets (at least %d)", len,
			      NEG_FIXED);
	/* DCE/RPC over TCP is connection-oriented NTLM; gss-ntlmssp's datagram
	 * mode changes how the AUTHENTICATE is read. */
	if (m.flags & F_DATAGRAM)
		return refuse(err, errlen, "connectionless (datagram) NTLM is not offered");
	if ((m.flags & (F_UNICODE | F_OEM)) == 0)
		return refuse(err, errlen, "NTLM NEGOTIATE offers neither UNICODE nor OEM names");
	/* The worker seals with the key length the flags name: without 128 it
	 * would be 56 or 40 bits (MS-NLMP 3.4.5.3), which a client or a
	 * man-in-the-middle may ask for. Refused here, before a context exists. */
	if (!(m.flags & F_128))
		return refuse(err, errlen, "NTLM without 128-bit keys (the NEGOTIATE offers only "
			      "56- or 40-bit session keys)");
	return 0;
}

int ntlm_challenge_flags(const uint8_t *tok, size_t len, uint32_t *flags, char *err,
			 size_t errlen)
{
	struct ntlm_msg m;

	if (ntlm_msg_decode(tok, len, &m, err, errlen) != 0)
		return -1;
	if (m.type != NTLM_CHALLENGE)
		return refuse(err, errlen, "gss-ntlmssp answered with NTLM message type %u",
			      m.type);
	*flags = m.flags;
	return 0;
}

/* The payload follows the fixed part: a field that overlaps the header is a
 * crafted message (gss-ntlmssp refuses some, not all, depending on VERSION). */
static int after_header(const uint8_t *tok, const struct ntlm_field *f, const char *what,
			char *err, size_t errlen)
{
	if (f->len != 0 && (size_t)(f->p - tok) < AUTH_FIXED)
		return refuse(err, errlen, "NTLM %s field at offset %zu, inside the fixed part",
			      what, (size_t)(f->p - tok));
	return 0;
}

/* A name in the negotiated encoding: bounded, no NUL, UTF-16 with paired
 * surrogates (what iconv turns into the UTF-8 gss-ntlmssp compares). */
static int name_ok(const struct ntlm_field *f, int unicode, const char *what, char *err,
		   size_t errlen)
{
	if (f->len > NAME_MAX_OCTETS)
		return refuse(err, errlen, "NTLM %s of %zu octets (at most %d)", what, f->len,
			      NAME_MAX_OCTETS);
	if (!unicode) {
		if (memchr(f->p, 0, f->len) != NULL)
			return refuse(err, errlen, "NTLM %s holds a NUL", what);
		return 0;
	}
	if (f->len % 2 != 0)
		return refuse(err, errlen, "NTLM %s of odd length %zu in UTF-16", what, f->len);
	for (size_t i = 0; i < f->len; i += 2) {
		uint16_t c = le16(f->p + i);

		if (c == 0)
			return refuse(err, errlen, "NTLM %s holds a NUL", what);
		if (c >= 0xdc00 && c <= 0xdfff)
			return refuse(err, errlen, "NTLM %s: a lone UTF-16 surrogate", what);
		if (c >= 0xd800 && c <= 0xdbff) {
			if (i + 4 > f->len || le16(f->p + i + 2) < 0xdc00 ||
			    le16(f->p + i + 2) > 0xdfff)
				return refuse(err, errlen, "NTLM %s: a lone UTF-16 surrogate", what);
			i += 2;
		}
	}
	return 0;
}

/* One AV_PAIR of an NTLMv2 response: the ids gss-ntlmssp reads need their size. */
static int av_pair_ok(uint16_t id, size_t alen, char *err, size_t errlen)
{
	if ((id == AV_FLAGS && alen != 4) || (id == AV_TIMESTAMP && alen != 8) ||
	    (id == AV_CHANNEL_BINDINGS && alen != 16))
		return refuse(err, errlen, "NTLMv2 response: AV_PAIR %u of %zu octets", id, alen);
	return 0;
}

/* An NTLMv2 response (MS-NLMP 2.2.2.8): NTProofStr, then the client challenge
 * with RespType = HiRespType = 1 and an AV_PAIR list that ends in MsvAvEOL. */
static int ntlmv2_ok(const struct ntlm_field *nt, char *err, size_t errlen)
{
	size_t off = NTLMV2_FIXED;

	if (nt->len == NTLMV1_LEN)
		return refuse(err, errlen, "an NTLMv1 response (only NTLMv2 is accepted)");
	if (nt->len < NTLMV2_FIXED + 4)
		return refuse(err, errlen, "NTLM NT response of %zu octets (NTLMv2: at least %d)",
			      nt->len, NTLMV2_FIXED + 4);
	if (nt->p[16] != 1 || nt->p[17] != 1)
		return refuse(err, errlen, "NTLMv2 response of type %u.%u (1.1)", nt->p[16],
			      nt->p[17]);
	while (nt->len - off >= 4) {
		uint16_t id = le16(nt->p + off);
		size_t alen = le16(nt->p + off + 2);

		if (alen > nt->len - off - 4)
			return refuse(err, errlen, "NTLMv2 response: AV_PAIR %u past the end", id);
		if (id == 0)
			return alen == 0 ? 0
					 : refuse(err, errlen, "NTLMv2 response: MsvAvEOL of "
							       "length %zu", alen);
		if (av_pair_ok(id, alen, err, errlen) != 0)
			return -1;
		off += 4 + alen;
	}
	return refuse(err, errlen, "NTLMv2 response: no MsvAvEOL");
}

static int fields_ok(const uint8_t *tok, const struct ntlm_msg *m, char *err, size_t errlen)
{
	if (after_header(tok, &m->lm_response, "LM response", err, errlen) != 0 ||
	    after_header(tok, &m->nt_response, "NT response", err, errlen) != 0 ||
	    after_header(tok, &m->domain, "domain", err, errlen) != 0 ||
	    after_header(tok, &m->user, "user", err, errlen) != 0 ||
	    after_header(tok, &m->workstation, "workstation", err, errlen) != 0 ||
	    after_header(tok, &m->session_key, "session key", err, errlen) != 0)
		return -1;
	return 0;
}

int ntlm_check_authenticate(const uint8_t *tok, size_t len, uint32_t negotiated, char *err,
			    size_t errlen)
{
	struct ntlm_msg m;
	int unicode = (negotiated & F_UNICODE) != 0;

	if (ntlm_msg_decode(tok, len, &m, err, errlen) != 0)
		return -1;
	if (m.type != NTLM_AUTHENTICATE)
		return refuse(err, errlen, "NTLM message type %u where an AUTHENTICATE belongs",
			      m.type);
	if (len < AUTH_MIN)
		return refuse(err, errlen, "NTLM AUTHENTICATE of %zu octets (at least %d)", len,
			      AUTH_MIN);
	if (fields_ok(tok, &m, err, errlen) != 0)
		return -1;
	/* 128-bit keys both as negotiated (gss-ntlmssp's CHALLENGE) and as this
	 * message says: the worker derives its sealing keys from the latter. */
	if (!(negotiated & m.flags & F_128))
		return refuse(err, errlen, "NTLM without 128-bit keys (NEGOTIATE_128 %s)",
			      !(negotiated & F_128) ? "not negotiated" : "missing in the AUTHENTICATE");
	/* Key exchange is the CHALLENGE's flag (gss-ntlmssp's); the message's own
	 * flag asks for it too. Either way the key must be all there. */
	if (((negotiated | m.flags) & F_KEY_EXCH) && m.session_key.len != 16)
		return refuse(err, errlen, "NTLM KEY_EXCH with an EncryptedRandomSessionKey of "
			      "%zu octets (16)", m.session_key.len);
	if (m.user.len == 0)
		return refuse(err, errlen, "NTLM AUTHENTICATE without a user name (anonymous "
			      "NTLM is not accepted)");
	if (m.lm_response.len != 0 && m.lm_response.len != 1 && m.lm_response.len != 24)
		return refuse(err, errlen, "NTLM LM response of %zu octets", m.lm_response.len);
	if (name_ok(&m.user, unicode, "user name", err, errlen) != 0 ||
	    name_ok(&m.domain, unicode, "domain name", err, errlen) != 0 ||
	    name_ok(&m.workstation, unicode, "workstation name", err, errlen) != 0)
		return -1;
	return ntlmv2_ok(&m.nt_response, err, errlen);
}
