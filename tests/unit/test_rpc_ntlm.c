/* firmware/rpc NTLM: the one-way functions and sign/seal against MS-NLMP 4.2
 * test vectors, request PDUs sealed and signed by impacket
 * (support/ntlm_ref.h, made by support/ntlm_vector.py), replay and tampering,
 * our responses read back by the client side, and the NTLM message decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/rpc/ndr.h"
#include "firmware/identity/ntlm_hash.h"
#include "firmware/rpc/ntlm_msg.h"
#include "firmware/rpc/ntlm_seal.h"
#include "firmware/rpc/pdu.h"
#include "tests/unit/support/ntlm_ref.h"

static char err[256];

/* MS-NLMP 4.2.4: NTLMv2 with RandomSessionKey 0x55 x 16 and these flags */
#define NLMP_FLAGS 0xe28a8233u

static void test_nt_hash_and_ntowfv2(void **state)
{
	/* MS-NLMP 4.2.2.1.2 (NTOWFv1) and 4.2.4.1.1 (NTOWFv2) */
	static const uint8_t nt[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
				       0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
	static const uint8_t v2[16] = {0x0c, 0x86, 0x8a, 0x40, 0x3b, 0xfd, 0x7a, 0x93,
				       0xa3, 0x00, 0x1e, 0xf2, 0x2e, 0xf0, 0x2e, 0x3f};
	uint8_t out[16];

	(void)state;
	assert_int_equal(ntlm_nt_hash("Password", 8, out), 0);
	assert_memory_equal(out, nt, 16);
	assert_int_equal(ntlm_ntowfv2(nt, "User", "Domain", out), 0);
	assert_memory_equal(out, v2, 16);
	/* "user" is uppercased; the domain is not */
	assert_int_equal(ntlm_ntowfv2(nt, "user", "Domain", out), 0);
	assert_memory_equal(out, v2, 16);
	assert_int_equal(ntlm_ntowfv2(nt, "User", "DOMAIN", out), 0);
	assert_memory_not_equal(out, v2, 16);
	/* not UTF-8 */
	assert_int_equal(ntlm_nt_hash("\xff", 1, out), -1);
	assert_int_equal(ntlm_nt_hash("\xc3", 1, out), -1);
}

static void test_nlmp_seal_vector(void **state)
{
	/* MS-NLMP 4.2.4.4: "Plaintext" in UTF-16LE, sealed by the client, seq 0 */
	static const uint8_t sealed[18] = {0x54, 0xe5, 0x01, 0x65, 0xbf, 0x19, 0x36, 0xdc, 0x99,
					   0x60, 0x20, 0xc1, 0x81, 0x1b, 0x0f, 0x06, 0xfb, 0x5f};
	static const uint8_t sig[16] = {0x01, 0x00, 0x00, 0x00, 0x7f, 0xb3, 0x8e, 0xc5,
					0xc5, 0x5d, 0x49, 0x76, 0x00, 0x00, 0x00, 0x00};
	uint8_t key[16], msg[18], v[16];
	struct ntlm_seal s;
	const char *t = "Plaintext";

	(void)state;
	memset(key, 0x55, sizeof(key));
	for (int i = 0; i < 9; i++) {
		msg[2 * i] = (uint8_t)t[i];
		msg[2 * i + 1] = 0;
	}
	assert_int_equal(ntlm_seal_init(&s, key, NLMP_FLAGS, NTLM_CLIENT, 1, err, sizeof(err)), 0);
	assert_int_equal(ntlm_seal_message(&s, msg, sizeof(msg), 1, v), 0);
	assert_memory_equal(msg, sealed, sizeof(sealed));
	assert_memory_equal(v, sig, sizeof(sig));
	ntlm_seal_wipe(&s);
	/* without extended session security: refused */
	assert_int_equal(ntlm_seal_init(&s, key, NLMP_FLAGS & ~NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
					NTLM_SERVER, 1, err, sizeof(err)), -1);
	/* 56- or 40-bit keys (issue 13): refused on either end */
	assert_int_equal(ntlm_seal_init(&s, key, NLMP_FLAGS & ~NTLMSSP_NEGOTIATE_128, NTLM_SERVER,
					1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without 128-bit keys"));
	assert_int_equal(ntlm_seal_init(&s, key,
					NLMP_FLAGS & ~(NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56),
					NTLM_CLIENT, 0, err, sizeof(err)), -1);
}

/* Unwraps one of impacket's request PDUs on the server side, as rpc_conn does;
 * returns the rc and copies the stub (auth pad removed) into stub. */
static int server_unwrap(struct ntlm_seal *s, const uint8_t *ref, size_t len, uint8_t *stub,
			 size_t *stub_len)
{
	uint8_t buf[256];
	struct rpc_pdu pdu;
	struct rpc_request_pdu r;
	size_t tlen;
	int rc;

	assert_true(len <= sizeof(buf));
	memcpy(buf, ref, len);
	assert_int_equal(rpc_pdu_decode(buf, len, &pdu, err, sizeof(err)), 0);
	assert_true(pdu.has_auth);
	assert_int_equal(rpc_request_decode(&pdu, &r, err, sizeof(err)), 0);
	tlen = RPC_HDR_LEN + pdu.body_len + RPC_SEC_TRAILER_LEN;
	rc = ntlm_seal_unwrap(s, buf, tlen, r.stub_off, r.stub_len + pdu.auth.t.auth_pad_len,
			      pdu.auth.value, pdu.auth.value_len);
	memcpy(stub, buf + r.stub_off, r.stub_len);
	*stub_len = r.stub_len;
	return rc;
}

static void test_impacket_privacy(void **state)
{
	struct ntlm_seal s;
	uint8_t stub[256];
	size_t n;

	(void)state;
	assert_int_equal(ntlm_seal_init(&s, ntlm_ref_key, NTLM_REF_FLAGS, NTLM_SERVER, 1, err,
					sizeof(err)), 0);
	/* the first has 3 octets of auth pad (impacket pads to 4) */
	assert_int_equal(ntlm_ref_privacy_1[sizeof(ntlm_ref_privacy_1) - 16 - 6], 3);
	assert_int_equal(server_unwrap(&s, ntlm_ref_privacy_1, sizeof(ntlm_ref_privacy_1), stub, &n),
			 0);
	assert_int_equal(n, sizeof(ntlm_ref_stub1));
	assert_memory_equal(stub, ntlm_ref_stub1, n);
	assert_int_equal(server_unwrap(&s, ntlm_ref_privacy_2, sizeof(ntlm_ref_privacy_2), stub, &n),
			 0);
	assert_int_equal(n, sizeof(ntlm_ref_stub2));
	assert_memory_equal(stub, ntlm_ref_stub2, n);
	/* the second again: a replay (sequence 1, 2 expected) */
	assert_int_equal(server_unwrap(&s, ntlm_ref_privacy_2, sizeof(ntlm_ref_privacy_2), stub, &n),
			 -1);
	ntlm_seal_wipe(&s);
}

static void test_impacket_tampered_and_reordered(void **state)
{
	uint8_t bad[sizeof(ntlm_ref_privacy_1)], stub[256];
	struct ntlm_seal s;
	size_t n;

	(void)state;
	/* one bit of the sealed stub */
	memcpy(bad, ntlm_ref_privacy_1, sizeof(bad));
	bad[30] ^= 1;
	assert_int_equal(ntlm_seal_init(&s, ntlm_ref_key, NTLM_REF_FLAGS, NTLM_SERVER, 1, err,
					sizeof(err)), 0);
	assert_int_equal(server_unwrap(&s, bad, sizeof(bad), stub, &n), -1);
	ntlm_seal_wipe(&s);
	/* the header (call id) is signed too */
	memcpy(bad, ntlm_ref_privacy_1, sizeof(bad));
	bad[12] ^= 1;
	assert_int_equal(ntlm_seal_init(&s, ntlm_ref_key, NTLM_REF_FLAGS, NTLM_SERVER, 1, err,
					sizeof(err)), 0);
	assert_int_equal(server_unwrap(&s, bad, sizeof(bad), stub, &n), -1);
	ntlm_seal_wipe(&s);
	/* the second before the first: wrong sequence number */
	assert_int_equal(ntlm_seal_init(&s, ntlm_ref_key, NTLM_REF_FLAGS, NTLM_SERVER, 1, err,
					sizeof(err)), 0);
	assert_int_equal(server_unwrap(&s, ntlm_ref_privacy_2, sizeof(ntlm_ref_privacy_2), stub, &n),
			 -1);
	ntlm_seal_wipe(&s);
	/* another session key */
	{
		uint8_t key[16];

		memcpy(key, ntlm_ref_key, 16);
		key[0] ^= 0x80;
		assert_int_equal(ntlm_seal_init(&s, key, NTLM_REF_FLAGS, NTLM_SERVER, 1, err,
						sizeof(err)), 0);
		assert_int_equal(server_unwrap(&s, ntlm_ref_privacy_1, sizeof(ntlm_ref_privacy_1),
					       stub, &n), -1);
		ntlm_seal_wipe(&s);
	}
}

static void test_impacket_integrity(void **state)
{
	struct ntlm_seal s;
	uint8_t stub[256], bad[sizeof(ntlm_ref_integrity_2)];
	size_t n;

	(void)state;
	assert_int_equal(ntlm_seal_init(&s, ntlm_ref_key, NTLM_REF_FLAGS, NTLM_SERVER, 0, err,
					sizeof(err)), 0);
	assert_int_equal(server_unwrap(&s, ntlm_ref_integrity_1, sizeof(ntlm_ref_integrity_1), stub,
				       &n), 0);
	assert_memory_equal(stub, ntlm_ref_stub1, sizeof(ntlm_ref_stub1));
	/* integrity only: the stub travels in clear */
	assert_memory_equal(ntlm_ref_integrity_1 + 24, ntlm_ref_stub1, sizeof(ntlm_ref_stub1));
	memcpy(bad, ntlm_ref_integrity_2, sizeof(bad));
	bad[40] ^= 0x20;
	assert_int_equal(server_unwrap(&s, bad, sizeof(bad), stub, &n), -1);
	ntlm_seal_wipe(&s);
}

static int wrap_hook(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		     uint8_t *verifier, size_t verifier_len)
{
	return ntlm_seal_wrap(arg, pdu, len, body_off, body_len, verifier, verifier_len);
}

/* Our responses (fragmented, 16-octet auth pad) read back by a client object. */
static void test_response_round_trip(void **state)
{
	struct ntlm_seal srv, cli;
	struct rpc_wrap wrap;
	struct ndr_wr w;
	uint8_t stub[1000], got[1000];
	size_t off = 0, total = 0;
	int frags = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (uint8_t)(i * 7);
	assert_int_equal(ntlm_seal_init(&srv, ntlm_ref_key, NTLM_REF_FLAGS, NTLM_SERVER, 1, err,
					sizeof(err)), 0);
	assert_int_equal(ntlm_seal_init(&cli, ntlm_ref_key, NTLM_REF_FLAGS, NTLM_CLIENT, 1, err,
					sizeof(err)), 0);
	memset(&wrap, 0, sizeof(wrap));
	wrap.fn = wrap_hook;
	wrap.arg = &srv;
	wrap.t.auth_type = RPC_AUTHN_WINNT;
	wrap.t.auth_level = RPC_AUTHN_LEVEL_PKT_PRIVACY;
	wrap.t.auth_context_id = 79231;
	wrap.verifier_len = NTLM_VERIFIER_LEN;
	ndr_wr_init(&w, 1 << 20);
	assert_int_equal(rpc_encode_response(&w, 5, 0, stub, sizeof(stub), 300, &wrap), 0);
	while (off < w.len) {
		struct rpc_pdu pdu;
		size_t flen = (size_t)(w.buf[off + 8] | w.buf[off + 9] << 8), tlen, body;

		assert_int_equal(rpc_pdu_decode(w.buf + off, flen, &pdu, err, sizeof(err)), 0);
		tlen = RPC_HDR_LEN + pdu.body_len + RPC_SEC_TRAILER_LEN;
		body = pdu.body_len - 8; /* after alloc_hint, ctx, cancel count */
		assert_int_equal(ntlm_seal_unwrap(&cli, w.buf + off, tlen, RPC_RESP_HDR_LEN, body,
						  pdu.auth.value, pdu.auth.value_len), 0);
		memcpy(got + total, w.buf + off + RPC_RESP_HDR_LEN, body - pdu.auth.t.auth_pad_len);
		total += body - pdu.auth.t.auth_pad_len;
		off += flen;
		frags++;
	}
	assert_true(frags >= 4);
	assert_int_equal(total, sizeof(stub));
	assert_memory_equal(got, stub, sizeof(stub));
	ndr_wr_free(&w);
	ntlm_seal_wipe(&srv);
	ntlm_seal_wipe(&cli);
}

/* ---- the message decoder ---- */

static size_t put_field(uint8_t *m, size_t at, size_t off, const void *p, size_t len)
{
	m[at] = (uint8_t)len;
	m[at + 1] = 0;
	m[at + 2] = (uint8_t)len;
	m[at + 3] = 0;
	m[at + 4] = (uint8_t)off;
	m[at + 5] = (uint8_t)(off >> 8);
	m[at + 6] = m[at + 7] = 0;
	if (len > 0)
		memcpy(m + off, p, len);
	return off + len;
}

static size_t make_authenticate(uint8_t *m)
{
	static const uint8_t dom[] = {'D', 0, 'o', 0, 'm', 0};
	static const uint8_t usr[] = {'u', 0, 0xe9, 0, 'r', 0};
	uint8_t nt[48], key[16];
	size_t off = 88;

	memset(m, 0, 512);
	memcpy(m, "NTLMSSP", 8);
	m[8] = 3;
	memset(nt, 0xaa, sizeof(nt));
	memset(key, 0xbb, sizeof(key));
	off = put_field(m, 12, off, NULL, 0);
	off = put_field(m, 20, off, nt, sizeof(nt));
	off = put_field(m, 28, off, dom, sizeof(dom));
	off = put_field(m, 36, off, usr, sizeof(usr));
	off = put_field(m, 44, off, NULL, 0);
	off = put_field(m, 52, off, key, sizeof(key));
	m[60] = 0x35;
	m[61] = 0x82;
	m[62] = 0x08;
	m[63] = 0xe0;
	return off;
}

static void test_msg_authenticate(void **state)
{
	uint8_t m[512];
	size_t len = make_authenticate(m);
	struct ntlm_msg msg;
	char text[16];

	(void)state;
	assert_int_equal(ntlm_msg_decode(m, len, &msg, err, sizeof(err)), 0);
	assert_int_equal(msg.type, NTLM_AUTHENTICATE);
	assert_int_equal(msg.flags, 0xe0088235u);
	assert_int_equal(msg.nt_response.len, 48);
	assert_int_equal(msg.session_key.len, 16);
	ntlm_field_text(&msg, &msg.domain, text, sizeof(text));
	assert_string_equal(text, "Dom");
	ntlm_field_text(&msg, &msg.user, text, sizeof(text));
	assert_string_equal(text, "u?r"); /* not ASCII: shown as '?' */
	ntlm_field_text(&msg, &msg.user, text, 2);
	assert_string_equal(text, "u");
	/* every truncation fails cleanly */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(ntlm_msg_decode(m, n, &msg, err, sizeof(err)), -1);
	/* a field past the end */
	m[36] = 200;
	assert_int_equal(ntlm_msg_decode(m, len, &msg, err, sizeof(err)), -1);
	m[36] = 5; /* odd length in UTF-16 */
	assert_int_equal(ntlm_msg_decode(m, len, &msg, err, sizeof(err)), -1);
	m[36] = 6;
	m[40] = 0xff; /* offset far away */
	m[41] = 0xff;
	assert_int_equal(ntlm_msg_decode(m, len, &msg, err, sizeof(err)), -1);
}

static void test_msg_negotiate_challenge(void **state)
{
	uint8_t neg[40] = "NTLMSSP", ch[120], ti[] = {1, 0, 4, 0, 'C', 0, 'A', 0,
						      2, 0, 2, 0, 'D', 0, 0, 0, 0, 0};
	struct ntlm_msg msg;
	struct ntlm_field v;

	(void)state;
	neg[8] = 1;
	neg[12] = 0x97;
	neg[13] = 0x82;
	neg[14] = 0x08;
	neg[15] = 0xe2;
	assert_int_equal(ntlm_msg_decode(neg, 40, &msg, err, sizeof(err)), 0);
	assert_int_equal(msg.type, NTLM_NEGOTIATE);
	assert_int_equal(msg.flags, 0xe2088297u);
	assert_int_equal(ntlm_msg_decode(neg, 16, &msg, err, sizeof(err)), 0);
	assert_int_equal(ntlm_msg_decode(neg, 15, &msg, err, sizeof(err)), -1);
	neg[8] = 4;
	assert_int_equal(ntlm_msg_decode(neg, 40, &msg, err, sizeof(err)), -1);
	neg[0] = 'X';
	assert_int_equal(ntlm_msg_decode(neg, 40, &msg, err, sizeof(err)), -1);

	memset(ch, 0, sizeof(ch));
	memcpy(ch, "NTLMSSP", 8);
	ch[8] = 2;
	ch[20] = 0x01;
	memset(ch + 24, 0x42, 8);
	put_field(ch, 40, 56, ti, sizeof(ti));
	assert_int_equal(ntlm_msg_decode(ch, 56 + sizeof(ti), &msg, err, sizeof(err)), 0);
	assert_int_equal(msg.challenge[7], 0x42);
	assert_int_equal(ntlm_av_find(&msg.target_info, NTLM_AV_NB_COMPUTER, &v), 1);
	assert_int_equal(v.len, 4);
	assert_int_equal(ntlm_av_find(&msg.target_info, NTLM_AV_NB_DOMAIN, &v), 1);
	assert_int_equal(ntlm_av_find(&msg.target_info, NTLM_AV_TIMESTAMP, &v), 0);
	/* a pair that runs past the list */
	msg.target_info.len = 10;
	assert_int_equal(ntlm_av_find(&msg.target_info, NTLM_AV_TIMESTAMP, &v), -1);
	/* over the cap */
	assert_int_equal(ntlm_msg_decode(ch, NTLM_MSG_MAX + 1, &msg, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash_and_ntowfv2),
		cmocka_unit_test(test_nlmp_seal_vector),
		cmocka_unit_test(test_impacket_privacy),
		cmocka_unit_test(test_impacket_tampered_and_reordered),
		cmocka_unit_test(test_impacket_integrity),
		cmocka_unit_test(test_response_round_trip),
		cmocka_unit_test(test_msg_authenticate),
		cmocka_unit_test(test_msg_negotiate_challenge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
