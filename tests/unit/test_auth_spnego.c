/* firmware/auth/spnego.c and replay.c. The oracle is impacket (and pyasn1):
 * support/spnego_ref.h holds the tokens it wrote (support/spnego_impacket.py),
 * among them impacket's own getKerberosType1 over a dummy ticket, and the
 * NegTokenResp octets spnego_encode_resp must reproduce byte for byte (impacket
 * parsed each of them back in the script). Then every truncation and every
 * one-octet corruption of each reference, BER forms, bounds and hand-built
 * AP-REQs with one defect each. The replay cache runs on a scripted clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "firmware/auth/proto.h"
#include "firmware/auth/replay.h"
#include "firmware/auth/spnego.h"
#include "tests/unit/support/spnego_ref.h"

static char err[256];

#define REF(a) a, sizeof(a)

/* ---- a small DER writer for hand-built tokens ---- */

struct buf {
	uint8_t b[2 * AUTH_GSS_TOKEN_MAX];
	size_t n;
};

static void put(struct buf *o, const void *p, size_t n)
{
	assert_true(o->n + n <= sizeof o->b);
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

/* tag, minimal length, body */
static void tlv(struct buf *o, uint8_t tag, const void *body, size_t n)
{
	uint8_t h[6] = {tag};
	size_t hn = 2;

	if (n < 0x80) {
		h[1] = (uint8_t)n;
	} else if (n < 0x100) {
		h[1] = 0x81;
		h[2] = (uint8_t)n;
		hn = 3;
	} else {
		h[1] = 0x82;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hn = 4;
	}
	put(o, h, hn);
	put(o, body, n);
}

static void wrap(struct buf *o, uint8_t tag)
{
	struct buf t;

	memcpy(&t, o, sizeof t);
	o->n = 0;
	tlv(o, tag, t.b, t.n);
}

static void tlvb(struct buf *o, uint8_t tag, const struct buf *body)
{
	tlv(o, tag, body->b, body->n);
}

static const uint8_t OID_SPNEGO_DER[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const uint8_t OID_MSKRB5_DER[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7,
					 0x12, 0x01, 0x02, 0x02};
static const uint8_t OID_KRB5_DER[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
				       0x12, 0x01, 0x02, 0x02};

/* A GSS-framed NegTokenInit around the NegTokenInit SEQUENCE's contents. */
static void init_token(struct buf *o, const struct buf *fields)
{
	struct buf seq = {.n = 0};

	tlvb(&seq, 0x30, fields);
	wrap(&seq, 0xa0);
	o->n = 0;
	put(o, OID_SPNEGO_DER, sizeof OID_SPNEGO_DER);
	put(o, seq.b, seq.n);
	wrap(o, 0x60);
}

static void mech_types(struct buf *f, size_t n)
{
	struct buf l = {.n = 0};

	for (size_t i = 0; i < n; i++)
		put(&l, OID_MSKRB5_DER, sizeof OID_MSKRB5_DER);
	wrap(&l, 0x30);
	tlvb(f, 0xa0, &l);
}

/* ---- NegTokenInit ---- */

static void test_impacket_type1(void **state)
{
	struct spnego_init in;
	struct krb5_apreq_info ai;
	const uint8_t *body;
	size_t body_len;
	uint16_t tok;

	(void)state;
	assert_int_equal(spnego_decode_init(REF(ref_init_type1), &in, err, sizeof err), 0);
	assert_int_equal(in.n_mechs, 1);
	assert_int_equal(in.mechs[0], SPNEGO_MECH_MSKRB5);
	/* mechTypes' SEQUENCE OF: after 60 82 xx xx, the OID, a0 82 xx xx, 30 82 xx xx, a0 0d */
	assert_ptr_equal(in.mech_list, ref_init_type1 + 22);
	assert_int_equal(in.mech_list_len, 13);
	assert_int_equal(in.mech_list[0], 0x30);
	assert_ptr_equal(in.mech_token, ref_init_type1 + REF_TYPE1_MECH_TOKEN_OFF);
	assert_int_equal(in.mech_token_len, REF_TYPE1_MECH_TOKEN_LEN);
	assert_null(in.mic);
	assert_int_equal(in.mic_len, 0);

	assert_int_equal(krb5_tok_unframe(in.mech_token, in.mech_token_len, &tok, &body, &body_len),
			 0);
	assert_int_equal(tok, KRB5_TOK_AP_REQ);
	assert_ptr_equal(body, ref_init_type1 + REF_TYPE1_APREQ_OFF);
	assert_int_equal(body_len, REF_TYPE1_APREQ_LEN);

	assert_int_equal(krb5_apreq_info(body, body_len, &ai, err, sizeof err), 0);
	assert_int_equal(ai.ticket_enctype, REF_TYPE1_TICKET_ENCTYPE);
	assert_int_equal(ai.has_kvno, 1);
	assert_int_equal(ai.kvno, REF_TYPE1_TICKET_KVNO);
	assert_string_equal(ai.realm, REF_TYPE1_REALM);
	assert_string_equal(ai.sname, REF_TYPE1_SNAME);
	assert_int_equal(ai.auth_enctype, REF_TYPE1_AUTH_ENCTYPE);
	assert_ptr_equal(ai.auth_cipher, ref_init_type1 + REF_TYPE1_AUTH_CIPHER_OFF);
	assert_int_equal(ai.auth_cipher_len, REF_TYPE1_AUTH_CIPHER_LEN);
	assert_int_equal(ai.ap_options, REF_TYPE1_AP_OPTIONS);
}

static void test_impacket_multi(void **state)
{
	static const enum spnego_mech want[] = {SPNEGO_MECH_MSKRB5, SPNEGO_MECH_KRB5,
						SPNEGO_MECH_NTLM, SPNEGO_MECH_NEGOEX,
						SPNEGO_MECH_UNKNOWN};
	struct spnego_init in;
	struct krb5_apreq_info ai;
	const uint8_t *body;
	size_t body_len;
	uint16_t tok;

	(void)state;
	assert_int_equal(spnego_decode_init(REF(ref_init_multi), &in, err, sizeof err), 0);
	assert_int_equal(in.n_mechs, 5);
	assert_memory_equal(in.mechs, want, sizeof want);
	assert_int_equal(krb5_tok_unframe(in.mech_token, in.mech_token_len, &tok, &body, &body_len),
			 0);
	assert_int_equal(tok, KRB5_TOK_AP_REQ);
	assert_int_equal(body_len, 2); /* 30 00: framing only is checked */
	assert_int_equal(krb5_apreq_info(body, body_len, &ai, err, sizeof err), -1);
	assert_non_null(strstr(err, "APPLICATION 14"));
}

static void test_impacket_ntlm_and_bare(void **state)
{
	struct spnego_init in;
	const uint8_t *body;
	size_t body_len;
	uint16_t tok;

	(void)state;
	assert_int_equal(spnego_decode_init(REF(ref_init_ntlm), &in, err, sizeof err), 0);
	assert_int_equal(in.n_mechs, 1);
	assert_int_equal(in.mechs[0], SPNEGO_MECH_NTLM);
	assert_true(in.mech_token_len > 8);
	assert_memory_equal(in.mech_token, "NTLMSSP\0\1\0\0\0", 12);
	assert_int_equal(krb5_tok_unframe(in.mech_token, in.mech_token_len, &tok, &body, &body_len),
			 -1);

	assert_int_equal(spnego_decode_init(REF(ref_init_no_token), &in, err, sizeof err), 0);
	assert_int_equal(in.n_mechs, 2);
	assert_int_equal(in.mechs[0], SPNEGO_MECH_MSKRB5);
	assert_int_equal(in.mechs[1], SPNEGO_MECH_NTLM);
	assert_null(in.mech_token);
	assert_int_equal(in.mech_token_len, 0);
	assert_null(in.mic);
}

static void test_pyasn1_flags_and_mic(void **state)
{
	struct spnego_init in;

	(void)state;
	assert_int_equal(spnego_decode_init(REF(ref_init_mic), &in, err, sizeof err), 0);
	assert_int_equal(in.n_mechs, 2);
	assert_int_equal(in.mech_list_len, sizeof ref_init_mic_list);
	assert_memory_equal(in.mech_list, ref_init_mic_list, sizeof ref_init_mic_list);
	assert_int_equal(in.mech_token_len, 2);
	assert_memory_equal(in.mech_token, "\x60\x00", 2);
	assert_int_equal(in.mic_len, sizeof ref_mic);
	assert_memory_equal(in.mic, ref_mic, sizeof ref_mic);
}

static void test_init_bounds(void **state)
{
	struct buf f = {.n = 0}, t;
	struct spnego_init in;

	(void)state;
	mech_types(&f, SPNEGO_MAX_MECHS);
	init_token(&t, &f);
	assert_int_equal(spnego_decode_init(t.b, t.n, &in, err, sizeof err), 0);
	assert_int_equal(in.n_mechs, SPNEGO_MAX_MECHS);

	f.n = 0;
	mech_types(&f, SPNEGO_MAX_MECHS + 1);
	init_token(&t, &f);
	assert_int_equal(spnego_decode_init(t.b, t.n, &in, err, sizeof err), -1);
	assert_non_null(strstr(err, "17 mechTypes"));
	assert_int_equal(in.n_mechs, 0);

	f.n = 0;
	mech_types(&f, 0);
	init_token(&t, &f);
	assert_int_equal(spnego_decode_init(t.b, t.n, &in, err, sizeof err), -1);
	assert_non_null(strstr(err, "no mechTypes"));

	/* no mechTypes at all: mechToken alone */
	f.n = 0;
	tlv(&f, 0xa2, "\x04\x01\x00", 3);
	init_token(&t, &f);
	assert_int_equal(spnego_decode_init(t.b, t.n, &in, err, sizeof err), -1);

	/* MS-SPNG's NegTokenInit2: negHints at [3] is not a mechListMIC */
	f.n = 0;
	mech_types(&f, 1);
	tlv(&f, 0xa3, "\x30\x00", 2);
	init_token(&t, &f);
	assert_int_equal(spnego_decode_init(t.b, t.n, &in, err, sizeof err), -1);

	/* longer than AUTH_GSS_TOKEN_MAX */
	f.n = 0;
	mech_types(&f, 1);
	{
		static uint8_t big[AUTH_GSS_TOKEN_MAX];
		struct buf o = {.n = 0};

		tlv(&o, 0x04, big, sizeof big);
		tlvb(&f, 0xa2, &o);
	}
	init_token(&t, &f);
	assert_true(t.n > AUTH_GSS_TOKEN_MAX);
	assert_int_equal(spnego_decode_init(t.b, t.n, &in, err, sizeof err), -1);
	assert_int_equal(spnego_decode_init(NULL, 0, &in, err, sizeof err), -1);
}

static void test_init_framing(void **state)
{
	uint8_t t[sizeof ref_init_no_token];
	struct spnego_init in;
	struct buf f = {.n = 0}, o = {.n = 0};

	(void)state;
	/* a NegTokenResp where a NegTokenInit belongs, framed or not */
	assert_int_equal(spnego_decode_init(REF(ref_resp_server), &in, err, sizeof err), -1);
	put(&o, OID_SPNEGO_DER, sizeof OID_SPNEGO_DER);
	put(&o, ref_resp_done, sizeof ref_resp_done);
	wrap(&o, 0x60);
	assert_int_equal(spnego_decode_init(o.b, o.n, &in, err, sizeof err), -1);
	/* the wrong OID (krb5's) around a NegTokenInit */
	memcpy(t, ref_init_no_token, sizeof t);
	assert_int_equal(t[2], 0x06);
	t[4] ^= 0x01;
	assert_int_equal(spnego_decode_init(t, sizeof t, &in, err, sizeof err), -1);
	assert_non_null(strstr(err, "SPNEGO mechanism"));
	/* trailing octets, inside and outside the framing */
	o.n = 0;
	put(&o, ref_init_no_token, sizeof ref_init_no_token);
	put(&o, "\x00", 1);
	assert_int_equal(spnego_decode_init(o.b, o.n, &in, err, sizeof err), -1);
	o.n = 0;
	put(&o, ref_init_no_token + 2, sizeof ref_init_no_token - 2);
	put(&o, "\x05\x00", 2);
	wrap(&o, 0x60);
	assert_int_equal(spnego_decode_init(o.b, o.n, &in, err, sizeof err), -1);
	(void)f;
}

/* ---- NegTokenResp ---- */

static void test_resp_decode(void **state)
{
	struct spnego_resp r;

	(void)state;
	assert_int_equal(spnego_decode_resp(REF(ref_resp_server), &r, err, sizeof err), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ACCEPT_INCOMPLETE);
	assert_int_equal(r.has_mech, 1);
	assert_int_equal(r.mech, SPNEGO_MECH_MSKRB5);
	assert_int_equal(r.token_len, sizeof ref_ap_rep);
	assert_memory_equal(r.token, ref_ap_rep, sizeof ref_ap_rep);
	assert_ptr_equal(r.token, ref_resp_server + sizeof ref_resp_server - sizeof ref_ap_rep);
	assert_null(r.mic);

	assert_int_equal(spnego_decode_resp(REF(ref_resp_client), &r, err, sizeof err), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ABSENT);
	assert_int_equal(r.has_mech, 0);
	assert_int_equal(r.mech, SPNEGO_MECH_UNKNOWN);
	assert_memory_equal(r.token, ref_ap_rep, sizeof ref_ap_rep);

	assert_int_equal(spnego_decode_resp(REF(ref_resp_ntlm), &r, err, sizeof err), 0);
	assert_int_equal(r.mech, SPNEGO_MECH_NTLM);

	assert_int_equal(spnego_decode_resp(REF(ref_resp_done), &r, err, sizeof err), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ACCEPT_COMPLETED);
	assert_null(r.token);
	assert_int_equal(spnego_decode_resp(REF(ref_resp_reject), &r, err, sizeof err), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_REJECT);

	assert_int_equal(spnego_decode_resp(REF(ref_resp_mic), &r, err, sizeof err), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ACCEPT_COMPLETED);
	assert_int_equal(r.mic_len, sizeof ref_mic);
	assert_memory_equal(r.mic, ref_mic, sizeof ref_mic);

	/* a NegTokenInit, framed or bare, is not a NegTokenResp */
	assert_int_equal(spnego_decode_resp(REF(ref_init_type1), &r, err, sizeof err), -1);
	assert_int_equal(spnego_decode_resp(ref_init_no_token + 10, sizeof ref_init_no_token - 10,
					    &r, err, sizeof err),
			 -1);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ABSENT);
}

static void test_resp_neg_state_and_mech(void **state)
{
	struct buf f = {.n = 0};
	struct spnego_resp r;

	(void)state;
	tlv(&f, 0xa0, "\x0a\x01\x04", 3); /* negState 4 */
	wrap(&f, 0x30);
	wrap(&f, 0xa1);
	assert_int_equal(spnego_decode_resp(f.b, f.n, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "negState 4"));

	f.n = 0;
	tlv(&f, 0xa0, "\x0a\x01\x03", 3); /* request-mic, an unknown mech */
	tlv(&f, 0xa1, "\x06\x03\x2a\x03\x04", 5);
	wrap(&f, 0x30);
	wrap(&f, 0xa1);
	assert_int_equal(spnego_decode_resp(f.b, f.n, &r, err, sizeof err), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_REQUEST_MIC);
	assert_int_equal(r.has_mech, 1);
	assert_int_equal(r.mech, SPNEGO_MECH_UNKNOWN);

	f.n = 0; /* negState as an INTEGER, not ENUMERATED */
	tlv(&f, 0xa0, "\x02\x01\x01", 3);
	wrap(&f, 0x30);
	wrap(&f, 0xa1);
	assert_int_equal(spnego_decode_resp(f.b, f.n, &r, err, sizeof err), -1);

	f.n = 0; /* fields out of order */
	tlv(&f, 0xa2, "\x04\x00", 2);
	tlv(&f, 0xa0, "\x0a\x01\x00", 3);
	wrap(&f, 0x30);
	wrap(&f, 0xa1);
	assert_int_equal(spnego_decode_resp(f.b, f.n, &r, err, sizeof err), -1);

	f.n = 0; /* empty: every field is optional */
	wrap(&f, 0x30);
	wrap(&f, 0xa1);
	assert_int_equal(spnego_decode_resp(f.b, f.n, &r, err, sizeof err), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ABSENT);
	assert_int_equal(r.has_mech, 0);
	assert_null(r.token);
}

static void check_encode(int st, enum spnego_mech m, const uint8_t *tok, size_t tl,
			 const uint8_t *mic, size_t ml, const uint8_t *want, size_t wl)
{
	uint8_t out[1024];
	size_t n = 99;

	assert_int_equal(spnego_encode_resp(st, m, tok, tl, mic, ml, out, sizeof out, &n), 0);
	assert_int_equal(n, wl);
	assert_memory_equal(out, want, wl);
	/* one octet short: refused, nothing claimed */
	assert_int_equal(spnego_encode_resp(st, m, tok, tl, mic, ml, out, wl - 1, &n), -1);
	assert_int_equal(n, 0);
}

static void test_encode_is_impackets(void **state)
{
	(void)state;
	check_encode(1, SPNEGO_MECH_MSKRB5, REF(ref_ap_rep), NULL, 0, REF(ref_resp_server));
	check_encode(1, SPNEGO_MECH_NTLM, (const uint8_t *)"NTLMSSP\0\2\0\0\0", 12, NULL, 0,
		     REF(ref_resp_ntlm));
	check_encode(SPNEGO_NEG_ABSENT, SPNEGO_MECH_UNKNOWN, REF(ref_ap_rep), NULL, 0,
		     REF(ref_resp_client));
	check_encode(0, SPNEGO_MECH_UNKNOWN, NULL, 0, NULL, 0, REF(ref_resp_done));
	check_encode(2, SPNEGO_MECH_UNKNOWN, NULL, 0, NULL, 0, REF(ref_resp_reject));
	check_encode(0, SPNEGO_MECH_UNKNOWN, NULL, 0, REF(ref_mic), REF(ref_resp_mic));
}

static void test_encode_round_trip_and_refusals(void **state)
{
	static uint8_t big[AUTH_GSS_TOKEN_MAX + 1];
	uint8_t out[2 * AUTH_GSS_TOKEN_MAX];
	struct spnego_resp r;
	size_t n;

	(void)state;
	/* an empty responseToken is present, not absent; the largest token fits */
	assert_int_equal(spnego_encode_resp(3, SPNEGO_MECH_NEGOEX, (const uint8_t *)"x", 0,
					    (const uint8_t *)"m", 1, out, sizeof out, &n),
			 0);
	assert_int_equal(spnego_decode_resp(out, n, &r, err, sizeof err), 0);
	assert_int_equal(r.neg_state, 3);
	assert_int_equal(r.mech, SPNEGO_MECH_NEGOEX);
	assert_non_null(r.token);
	assert_int_equal(r.token_len, 0);
	assert_int_equal(r.mic_len, 1);
	assert_int_equal(spnego_encode_resp(1, SPNEGO_MECH_KRB5, big, AUTH_GSS_TOKEN_MAX - 64, NULL, 0,
					    out, sizeof out, &n),
			 0);
	assert_int_equal(spnego_decode_resp(out, n, &r, err, sizeof err), 0);
	assert_int_equal(r.token_len, AUTH_GSS_TOKEN_MAX - 64);

	assert_int_equal(spnego_encode_resp(4, SPNEGO_MECH_KRB5, NULL, 0, NULL, 0, out, sizeof out,
					    &n),
			 -1);
	assert_int_equal(spnego_encode_resp(-2, SPNEGO_MECH_KRB5, NULL, 0, NULL, 0, out,
					    sizeof out, &n),
			 -1);
	assert_int_equal(spnego_encode_resp(0, (enum spnego_mech)99, NULL, 0, NULL, 0, out,
					    sizeof out, &n),
			 -1);
	assert_int_equal(spnego_encode_resp(0, SPNEGO_MECH_KRB5, big, sizeof big, NULL, 0, out,
					    sizeof out, &n),
			 -1);
	assert_int_equal(spnego_encode_resp(0, SPNEGO_MECH_KRB5, NULL, 5, NULL, 0, out, sizeof out,
					    &n),
			 -1);
	assert_int_equal(n, 0);
	assert_string_equal(spnego_mech_name(SPNEGO_MECH_MSKRB5), "ms-krb5");
	assert_string_equal(spnego_mech_name(SPNEGO_MECH_UNKNOWN), "unknown");
}

/* ---- BER and damage ---- */

static void test_ber_refused(void **state)
{
	/* ref_resp_done (a1 07 30 05 a0 03 0a 01 00) in BER's other spellings */
	static const uint8_t indefinite[] = {0xa1, 0x80, 0x30, 0x05, 0xa0, 0x03, 0x0a,
					     0x01, 0x00, 0x00, 0x00};
	static const uint8_t inner_indef[] = {0xa1, 0x09, 0x30, 0x80, 0xa0, 0x03, 0x0a,
					      0x01, 0x00, 0x00, 0x00};
	static const uint8_t long_form[] = {0xa1, 0x81, 0x07, 0x30, 0x05, 0xa0,
					    0x03, 0x0a, 0x01, 0x00};
	static const uint8_t zero_pad[] = {0xa1, 0x08, 0x30, 0x82, 0x00, 0x05, 0xa0, 0x03,
					   0x0a, 0x01, 0x00};
	static const uint8_t int_pad[] = {0xa1, 0x08, 0x30, 0x06, 0xa0, 0x04, 0x0a,
					  0x02, 0x00, 0x01};
	/* responseToken as a constructed OCTET STRING */
	static const uint8_t cons_oct[] = {0xa1, 0x0a, 0x30, 0x08, 0xa2, 0x06, 0x24,
					   0x04, 0x04, 0x02, 0x41, 0x42};
	static const uint8_t high_tag[] = {0xbf, 0x01, 0x02, 0x30, 0x00};
	/* supportedMech MS-KRB5 with a subidentifier padded by 0x80 */
	static const uint8_t oid_pad[] = {0xa1, 0x10, 0x30, 0x0e, 0xa1, 0x0c, 0x06, 0x0a, 0x2a,
					  0x86, 0x48, 0x82, 0xf7, 0x12, 0x80, 0x01, 0x02, 0x02};
	static const uint8_t oid_ok[] = {0xa1, 0x0f, 0x30, 0x0d, 0xa1, 0x0b, 0x06, 0x09,
					 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
	static const uint8_t good[] = {0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00};
	struct spnego_resp r;

	(void)state;
	assert_memory_equal(good, ref_resp_done, sizeof good);
	assert_int_equal(spnego_decode_resp(REF(good), &r, err, sizeof err), 0);
	assert_int_equal(spnego_decode_resp(REF(indefinite), &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "not DER"));
	assert_int_equal(spnego_decode_resp(REF(inner_indef), &r, err, sizeof err), -1);
	assert_int_equal(spnego_decode_resp(REF(long_form), &r, err, sizeof err), -1);
	assert_int_equal(spnego_decode_resp(REF(zero_pad), &r, err, sizeof err), -1);
	assert_int_equal(spnego_decode_resp(REF(int_pad), &r, err, sizeof err), -1);
	assert_int_equal(spnego_decode_resp(REF(cons_oct), &r, err, sizeof err), -1);
	assert_int_equal(spnego_decode_resp(REF(high_tag), &r, err, sizeof err), -1);
	assert_int_equal(spnego_decode_resp(REF(oid_ok), &r, err, sizeof err), 0);
	assert_int_equal(r.mech, SPNEGO_MECH_MSKRB5);
	assert_int_equal(spnego_decode_resp(REF(oid_pad), &r, err, sizeof err), -1);
}

static void test_ber_refused_in_apreq(void **state)
{
	const uint8_t *ap = ref_init_type1 + REF_TYPE1_APREQ_OFF;
	struct buf o = {.n = 0};
	struct krb5_apreq_info ai;

	(void)state;
	/* the AP-REQ with its outer length spelled with one octet too many */
	assert_int_equal(ap[0], 0x6e);
	assert_int_equal(ap[1], 0x82);
	o.b[0] = 0x6e;
	o.b[1] = 0x83;
	o.b[2] = 0x00;
	memcpy(o.b + 3, ap + 2, REF_TYPE1_APREQ_LEN - 2);
	o.n = REF_TYPE1_APREQ_LEN + 1;
	assert_int_equal(krb5_apreq_info(o.b, o.n, &ai, err, sizeof err), -1);
	assert_non_null(strstr(err, "not DER"));
	/* indefinite */
	o.n = 0;
	put(&o, "\x6e\x80", 2);
	put(&o, ap + 4, REF_TYPE1_APREQ_LEN - 4);
	put(&o, "\x00\x00", 2);
	assert_int_equal(krb5_apreq_info(o.b, o.n, &ai, err, sizeof err), -1);
}

struct ref {
	const char *name;
	const uint8_t *p;
	size_t n;
	int kind; /* 0 init, 1 resp, 2 AP-REQ */
};

static const struct ref refs[] = {
	{"type1", REF(ref_init_type1), 0},
	{"multi", REF(ref_init_multi), 0},
	{"ntlm", REF(ref_init_ntlm), 0},
	{"no_token", REF(ref_init_no_token), 0},
	{"mic", REF(ref_init_mic), 0},
	{"resp_server", REF(ref_resp_server), 1},
	{"resp_ntlm", REF(ref_resp_ntlm), 1},
	{"resp_client", REF(ref_resp_client), 1},
	{"resp_done", REF(ref_resp_done), 1},
	{"resp_reject", REF(ref_resp_reject), 1},
	{"resp_mic", REF(ref_resp_mic), 1},
	{"apreq", ref_init_type1 + REF_TYPE1_APREQ_OFF, REF_TYPE1_APREQ_LEN, 2},
};

static int in_range(const uint8_t *p, size_t n, const uint8_t *in, size_t len)
{
	return p == NULL ? n == 0 : (p >= in && n <= len && (size_t)(p - in) <= len - n);
}

/* Decodes in as kind; if accepted, what came out must be coherent: pointers
 * inside in, values in range, a NegTokenResp re-encoded and decoded the same. */
static int decode_consistent(int kind, const uint8_t *in, size_t len)
{
	struct spnego_init i;
	struct spnego_resp r, r2;
	struct krb5_apreq_info a;
	uint8_t out[2 * AUTH_GSS_TOKEN_MAX];
	size_t n;

	if (kind == 0) {
		if (spnego_decode_init(in, len, &i, err, sizeof err) != 0)
			return -1;
		assert_true(i.n_mechs >= 1 && i.n_mechs <= SPNEGO_MAX_MECHS);
		for (size_t k = 0; k < i.n_mechs; k++)
			assert_true(i.mechs[k] <= SPNEGO_MECH_NEGOEX);
		assert_true(in_range(i.mech_list, i.mech_list_len, in, len));
		assert_true(i.mech_list_len >= 2 && i.mech_list[0] == 0x30);
		assert_true(in_range(i.mech_token, i.mech_token_len, in, len));
		assert_true(in_range(i.mic, i.mic_len, in, len));
		return 0;
	}
	if (kind == 1) {
		if (spnego_decode_resp(in, len, &r, err, sizeof err) != 0)
			return -1;
		assert_true(r.neg_state >= -1 && r.neg_state <= 3);
		assert_true(in_range(r.token, r.token_len, in, len));
		assert_true(in_range(r.mic, r.mic_len, in, len));
		assert_int_equal(spnego_encode_resp(r.neg_state, r.mech, r.token, r.token_len, r.mic,
						    r.mic_len, out, sizeof out, &n),
				 0);
		assert_int_equal(spnego_decode_resp(out, n, &r2, err, sizeof err), 0);
		assert_int_equal(r2.neg_state, r.neg_state);
		assert_int_equal(r2.mech, r.mech);
		assert_int_equal(r2.token_len, r.token_len);
		assert_int_equal(r2.mic_len, r.mic_len);
		if (!r.has_mech || r.mech != SPNEGO_MECH_UNKNOWN) /* an unknown OID is not re-sent */
			assert_true(n <= len);
		return 0;
	}
	if (krb5_apreq_info(in, len, &a, err, sizeof err) != 0)
		return -1;
	assert_true(in_range(a.auth_cipher, a.auth_cipher_len, in, len));
	assert_true(a.auth_cipher_len > 0);
	assert_true(strlen(a.realm) > 0 && strlen(a.sname) > 0);
	return 0;
}

static void test_every_truncation_refused(void **state)
{
	static uint8_t cut[AUTH_GSS_TOKEN_MAX];

	(void)state;
	for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++) {
		assert_int_equal(decode_consistent(refs[k].kind, refs[k].p, refs[k].n), 0);
		for (size_t n = 0; n < refs[k].n; n++) {
			/* a copy of exactly n octets, so ASan sees any over-read */
			uint8_t *p = n ? malloc(n) : cut;

			assert_non_null(p);
			memcpy(p, refs[k].p, n);
			if (decode_consistent(refs[k].kind, p, n) == 0)
				fail_msg("%s cut to %zu octets accepted", refs[k].name, n);
			if (n)
				free(p);
		}
	}
}

static void test_one_octet_corruptions(void **state)
{
	static const uint8_t masks[] = {0x01, 0x02, 0x20, 0x80, 0xff};
	size_t refused = 0, accepted = 0;

	(void)state;
	for (size_t k = 0; k < sizeof refs / sizeof refs[0]; k++) {
		uint8_t *p = malloc(refs[k].n);

		assert_non_null(p);
		for (size_t at = 0; at < refs[k].n; at++)
			for (size_t m = 0; m < sizeof masks; m++) {
				memcpy(p, refs[k].p, refs[k].n);
				p[at] ^= masks[m];
				if (decode_consistent(refs[k].kind, p, refs[k].n) == 0)
					accepted++;
				else
					refused++;
			}
		/* every header octet of the outermost TLV matters */
		for (size_t m = 0; m < sizeof masks; m++) {
			memcpy(p, refs[k].p, refs[k].n);
			p[1] ^= masks[m];
			assert_int_equal(decode_consistent(refs[k].kind, p, refs[k].n), -1);
		}
		free(p);
	}
	/* ciphertext and token octets may change freely; structure may not */
	assert_true(refused > 0);
	assert_true(accepted > 0);
}

/* ---- krb5 framing and AP-REQ ---- */

static void test_krb5_unframe(void **state)
{
	struct buf o = {.n = 0};
	const uint8_t *body;
	size_t body_len;
	uint16_t tok;

	(void)state;
	put(&o, OID_MSKRB5_DER, sizeof OID_MSKRB5_DER);
	put(&o, "\x02\x00\x6f\x00", 4);
	wrap(&o, 0x60);
	assert_int_equal(krb5_tok_unframe(o.b, o.n, &tok, &body, &body_len), 0);
	assert_int_equal(tok, KRB5_TOK_AP_REP);
	assert_int_equal(body_len, 2);
	assert_ptr_equal(body, o.b + o.n - 2);
	/* one octet more or less than the framing says */
	assert_int_equal(krb5_tok_unframe(o.b, o.n - 1, &tok, &body, &body_len), -1);
	o.b[o.n] = 0;
	assert_int_equal(krb5_tok_unframe(o.b, o.n + 1, &tok, &body, &body_len), -1);
	assert_null(body);
	/* the SPNEGO OID, an OID one octet off, no message after TOK_ID */
	o.n = 0;
	put(&o, OID_SPNEGO_DER, sizeof OID_SPNEGO_DER);
	put(&o, "\x01\x00\x30\x00", 4);
	wrap(&o, 0x60);
	assert_int_equal(krb5_tok_unframe(o.b, o.n, &tok, &body, &body_len), -1);
	o.n = 0;
	put(&o, OID_KRB5_DER, sizeof OID_KRB5_DER - 1);
	put(&o, "\x03\x01\x00\x30\x00", 5);
	wrap(&o, 0x60);
	assert_int_equal(krb5_tok_unframe(o.b, o.n, &tok, &body, &body_len), -1);
	o.n = 0;
	put(&o, OID_KRB5_DER, sizeof OID_KRB5_DER);
	put(&o, "\x01\x00", 2);
	wrap(&o, 0x60);
	assert_int_equal(krb5_tok_unframe(o.b, o.n, &tok, &body, &body_len), -1);
	/* non-minimal framing length */
	o.n = 0;
	put(&o, "\x60\x81\x0f", 3);
	put(&o, OID_KRB5_DER, sizeof OID_KRB5_DER);
	put(&o, "\x01\x00\x30\x00", 4);
	assert_int_equal(krb5_tok_unframe(o.b, o.n, &tok, &body, &body_len), -1);
	o.b[1] = 0x0f;
	memmove(o.b + 2, o.b + 3, o.n - 3);
	assert_int_equal(krb5_tok_unframe(o.b, o.n - 1, &tok, &body, &body_len), 0);
	assert_int_equal(tok, KRB5_TOK_AP_REQ);
}

struct apreq_spec {
	int pvno, msg_type, tkt_vno;
	const char *realm;
	const char *parts[10];
	int nparts;
	int kvno; /* -1: absent */
	int opt_bits;
	int empty_cipher;
};

static void put_int(struct buf *o, uint8_t ctx, long v)
{
	uint8_t b[5];
	size_t n = 0;

	if (v >= -128 && v < 128) {
		b[n++] = (uint8_t)v;
	} else {
		uint8_t t[5];
		int k = 0;
		long x = v;

		do {
			t[k++] = (uint8_t)x;
			x >>= 8;
		} while (!(x == 0 && !(t[k - 1] & 0x80)) && !(x == -1 && (t[k - 1] & 0x80)));
		while (k)
			b[n++] = t[--k];
	}
	struct buf i = {.n = 0};

	tlv(&i, 0x02, b, n);
	tlvb(o, ctx, &i);
}

static void put_str(struct buf *o, uint8_t ctx, const char *s)
{
	struct buf i = {.n = 0};

	tlv(&i, 0x1b, s, strlen(s));
	tlvb(o, ctx, &i);
}

static void build_apreq(struct buf *o, const struct apreq_spec *s)
{
	struct buf t = {.n = 0}, sn = {.n = 0}, names = {.n = 0}, ed = {.n = 0}, x = {.n = 0};
	uint8_t bits[9] = {0, 0x20, 0, 0, 0, 0, 0, 0, 0};

	put_int(&t, 0xa0, s->tkt_vno);
	put_str(&t, 0xa1, s->realm);
	put_int(&sn, 0xa0, 2);
	for (int i = 0; i < s->nparts; i++)
		tlv(&names, 0x1b, s->parts[i], strlen(s->parts[i]));
	wrap(&names, 0x30);
	tlvb(&sn, 0xa1, &names);
	wrap(&sn, 0x30);
	tlvb(&t, 0xa2, &sn);
	put_int(&ed, 0xa0, 18);
	if (s->kvno != -1)
		put_int(&ed, 0xa1, s->kvno);
	tlv(&x, 0x04, "ticketcipher", 12);
	tlvb(&ed, 0xa2, &x);
	wrap(&ed, 0x30);
	tlvb(&t, 0xa3, &ed);
	wrap(&t, 0x30);
	wrap(&t, 0x61);

	o->n = 0;
	put_int(o, 0xa0, s->pvno);
	put_int(o, 0xa1, s->msg_type);
	x.n = 0;
	tlv(&x, 0x03, bits, 1 + (size_t)s->opt_bits / 8);
	tlvb(o, 0xa2, &x);
	tlvb(o, 0xa3, &t);
	ed.n = 0;
	put_int(&ed, 0xa0, 17);
	x.n = 0;
	tlv(&x, 0x04, "authcipher", s->empty_cipher ? 0 : 10);
	tlvb(&ed, 0xa2, &x);
	wrap(&ed, 0x30);
	tlvb(o, 0xa4, &ed);
	wrap(o, 0x30);
	wrap(o, 0x6e);
}

static const struct apreq_spec good_apreq = {
	5, 14, 5, "CA.TEST", {"host", "ca.example.test"}, 2, 3, 32, 0};

static int apreq(const struct apreq_spec *s, struct krb5_apreq_info *ai)
{
	struct buf o;

	build_apreq(&o, s);
	return krb5_apreq_info(o.b, o.n, ai, err, sizeof err);
}

static void test_apreq_fields(void **state)
{
	struct apreq_spec s = good_apreq;
	struct krb5_apreq_info ai;
	char longname[300];

	(void)state;
	assert_int_equal(apreq(&s, &ai), 0);
	assert_string_equal(ai.sname, "host/ca.example.test");
	assert_int_equal(ai.kvno, 3);
	assert_int_equal(ai.ap_options, 0x20000000u);
	assert_int_equal(ai.auth_enctype, 17);
	assert_int_equal(ai.auth_cipher_len, 10);
	assert_memory_equal(ai.auth_cipher, "authcipher", 10);

	s.kvno = -1;
	assert_int_equal(apreq(&s, &ai), 0);
	assert_int_equal(ai.has_kvno, 0);
	s = good_apreq;
	s.kvno = (int)0x7fffffff;
	assert_int_equal(apreq(&s, &ai), 0);
	assert_int_equal(ai.kvno, 0x7fffffffu);
	s.kvno = -5;
	assert_int_equal(apreq(&s, &ai), -1);
	assert_non_null(strstr(err, "kvno"));

	s = good_apreq;
	s.pvno = 4;
	assert_int_equal(apreq(&s, &ai), -1);
	assert_non_null(strstr(err, "pvno"));
	s = good_apreq;
	s.msg_type = 15;
	assert_int_equal(apreq(&s, &ai), -1);
	s = good_apreq;
	s.tkt_vno = 4;
	assert_int_equal(apreq(&s, &ai), -1);
	s = good_apreq;
	s.opt_bits = 24;
	assert_int_equal(apreq(&s, &ai), -1);
	assert_non_null(strstr(err, "ap-options"));
	s = good_apreq;
	s.empty_cipher = 1;
	assert_int_equal(apreq(&s, &ai), -1);

	/* names: printable, no '/', bounded, 1..8 components */
	s = good_apreq;
	s.realm = "CA.\x01TEST";
	assert_int_equal(apreq(&s, &ai), -1);
	assert_non_null(strstr(err, "realm"));
	s.realm = "";
	assert_int_equal(apreq(&s, &ai), -1);
	s = good_apreq;
	s.parts[1] = "ca/example";
	assert_int_equal(apreq(&s, &ai), -1);
	assert_non_null(strstr(err, "sname component 2"));
	s.parts[1] = "ca example";
	assert_int_equal(apreq(&s, &ai), -1);
	s.parts[1] = "caf\xc3\xa9";
	assert_int_equal(apreq(&s, &ai), -1);
	s = good_apreq;
	s.nparts = 0;
	assert_int_equal(apreq(&s, &ai), -1);
	s.nparts = KRB5_SNAME_MAX_PARTS;
	for (int i = 0; i < s.nparts; i++)
		s.parts[i] = "a";
	assert_int_equal(apreq(&s, &ai), 0);
	assert_string_equal(ai.sname, "a/a/a/a/a/a/a/a");
	s.nparts = KRB5_SNAME_MAX_PARTS + 1;
	s.parts[KRB5_SNAME_MAX_PARTS] = "a";
	assert_int_equal(apreq(&s, &ai), -1);

	memset(longname, 'x', sizeof longname);
	longname[KRB5_NAME_MAX - 1] = '\0'; /* 255 octets: fits the realm */
	s = good_apreq;
	s.realm = longname;
	assert_int_equal(apreq(&s, &ai), 0);
	assert_int_equal(strlen(ai.realm), KRB5_NAME_MAX - 1);
	longname[KRB5_NAME_MAX - 1] = 'x';
	longname[KRB5_NAME_MAX] = '\0'; /* 256: one too many */
	assert_int_equal(apreq(&s, &ai), -1);
	/* joined: host/ + 250 = 255 fits, host/ + 251 does not */
	s = good_apreq;
	longname[250] = '\0';
	s.parts[1] = longname;
	assert_int_equal(apreq(&s, &ai), 0);
	assert_int_equal(strlen(ai.sname), 255);
	longname[250] = 'x';
	longname[251] = '\0';
	assert_int_equal(apreq(&s, &ai), -1);
	assert_non_null(strstr(err, "longer"));

	/* a NegTokenInit is not an AP-REQ */
	assert_int_equal(krb5_apreq_info(REF(ref_init_type1), &ai, err, sizeof err), -1);
}

/* ---- the replay cache ---- */

static struct replay_cache rc;

static void cipher_of(uint32_t i, uint8_t c[8])
{
	memcpy(c, "auth", 4);
	c[4] = (uint8_t)(i >> 24);
	c[5] = (uint8_t)(i >> 16);
	c[6] = (uint8_t)(i >> 8);
	c[7] = (uint8_t)i;
}

static int check(uint32_t i, int64_t now, int64_t until)
{
	uint8_t c[8];

	cipher_of(i, c);
	return replay_check(&rc, c, sizeof c, now, until);
}

static void test_replay_new_replay_expiry(void **state)
{
	(void)state;
	replay_init(&rc);
	assert_int_equal(check(1, 1000, 1600), 0);
	assert_int_equal(check(1, 1000, 1600), 1);
	assert_int_equal(check(1, 1599, 2199), 1);
	assert_int_equal(check(2, 1599, 2199), 0);
	assert_int_equal(check(1, 1600, 2200), 0); /* expired: new again, renewed */
	assert_int_equal(check(1, 1601, 2201), 1);
	assert_int_equal(check(2, 2198, 2798), 1);
	assert_int_equal(rc.used, 2);
	/* refusals */
	assert_int_equal(replay_check(&rc, NULL, 8, 1, 2), -1);
	assert_int_equal(replay_check(&rc, (const uint8_t *)"x", 0, 1, 2), -1);
	assert_int_equal(check(3, 2000, 2000), -1);
	assert_int_equal(check(3, 2000, 1999), -1);
	assert_int_equal(check(3, -5, 0), -1);
	assert_int_equal(replay_check(NULL, (const uint8_t *)"x", 1, 1, 2), -1);
}

static void test_replay_full_fails_closed(void **state)
{
	/* REPLAY_SLOTS entries inserted over 64 s, each kept 600 s: all live at 699 */
	const uint32_t batch = REPLAY_SLOTS / 64;

	(void)state;
	replay_init(&rc);
	for (uint32_t i = 0; i < REPLAY_SLOTS; i++)
		assert_int_equal(check(i, 100 + i / batch, 700 + i / batch), 0);
	assert_int_equal(rc.used, REPLAY_SLOTS);
	/* full of live entries: refused, nothing evicted */
	assert_int_equal(check(REPLAY_SLOTS, 300, 900), -1);
	assert_int_equal(check(REPLAY_SLOTS + 1, 699, 1299), -1);
	for (uint32_t i = 0; i < REPLAY_SLOTS; i++)
		assert_int_equal(check(i, 699, 1299), 1);
	/* a replay is still recognised while full */
	assert_int_equal(check(0, 699, 1299), 1);
	/* at 700 the first batch has expired: that many new ones fit, one more
	 * does not */
	for (uint32_t i = 0; i < batch; i++)
		assert_int_equal(check(REPLAY_SLOTS + 10 + i, 700, 1300), 0);
	assert_int_equal(check(REPLAY_SLOTS + 10 + batch, 700, 1300), -1);
	assert_int_equal(check(batch, 700, 1300), 1);
	/* long after: everything has expired, the table works as new */
	for (uint32_t i = 0; i < REPLAY_SLOTS - 1; i++)
		assert_int_equal(check(i + 3 * REPLAY_SLOTS, 5000, 5600), 0);
	assert_int_equal(check(5, 5000, 5600), 0); /* expired: new */
	assert_int_equal(check(5 * REPLAY_SLOTS, 5000, 5600), -1);
	assert_int_equal(check(3 * REPLAY_SLOTS, 5000, 5600), 1);
}

/* Three ciphertexts whose probes start at the table's last slot. */
static void last_slot_ciphers(uint32_t found[3])
{
	uint8_t c[8], h[WC_SHA256_DIGEST_SIZE];
	int n = 0;

	for (uint32_t i = 1000000; n < 3; i++) {
		cipher_of(i, c);
		assert_int_equal(wc_Sha256Hash(c, sizeof c, h), 0);
		if (replay_home(h) == REPLAY_TABLE - 1)
			found[n++] = i;
	}
}

static void test_replay_wraps_around(void **state)
{
	uint32_t w[3];
	uint8_t c[8], h[WC_SHA256_DIGEST_SIZE];
	uint32_t filler = 0;

	(void)state;
	last_slot_ciphers(w);
	replay_init(&rc);
	assert_int_equal(check(w[0], 0, 100), 0);
	assert_int_equal(check(w[1], 0, 1000), 0);
	assert_int_equal(check(w[2], 0, 1000), 0);
	/* the chain runs off the end into slots 0 and 1 */
	assert_int_equal(rc.slot[REPLAY_TABLE - 1].until, 100);
	assert_int_equal(rc.slot[0].until, 1000);
	assert_int_equal(rc.slot[1].until, 1000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(check(w[i], 50, 650), 1);
	/* fill up with entries that expire at 100, then add one at 200: the sweep
	 * removes w[0] and the fillers, and must move w[1], w[2] back across the
	 * end so that they are still found */
	while (rc.used < REPLAY_SLOTS) {
		if (check(filler, 0, 100) != 0)
			fail_msg("filler %u", filler);
		filler++;
	}
	assert_int_equal(check(filler, 50, 650), -1);
	assert_int_equal(check(filler, 200, 800), 0);
	assert_int_equal(rc.used, 3);
	cipher_of(w[1], c);
	assert_int_equal(wc_Sha256Hash(c, sizeof c, h), 0);
	assert_memory_equal(rc.slot[REPLAY_TABLE - 1].key, h, sizeof h);
	assert_int_equal(check(w[1], 200, 800), 1);
	assert_int_equal(check(w[2], 200, 800), 1);
	assert_int_equal(check(w[0], 200, 800), 0);
	assert_int_equal(check(filler, 201, 801), 1);
	assert_int_equal(check(3, 201, 801), 0);
}

static void test_replay_expired_slot_reused(void **state)
{
	uint32_t w[3];

	(void)state;
	last_slot_ciphers(w);
	replay_init(&rc);
	assert_int_equal(check(w[0], 0, 10), 0);
	assert_int_equal(check(w[1], 0, 1000), 0);
	/* w[0] expired: w[2] takes its slot, w[1] stays reachable behind it */
	assert_int_equal(check(w[2], 20, 1000), 0);
	assert_int_equal(rc.used, 2);
	assert_int_equal(rc.slot[REPLAY_TABLE - 1].until, 1000);
	assert_int_equal(check(w[1], 20, 1000), 1);
	assert_int_equal(check(w[2], 20, 1000), 1);
	assert_int_equal(check(w[0], 20, 1000), 0);
	assert_int_equal(rc.used, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impacket_type1),
		cmocka_unit_test(test_impacket_multi),
		cmocka_unit_test(test_impacket_ntlm_and_bare),
		cmocka_unit_test(test_pyasn1_flags_and_mic),
		cmocka_unit_test(test_init_bounds),
		cmocka_unit_test(test_init_framing),
		cmocka_unit_test(test_resp_decode),
		cmocka_unit_test(test_resp_neg_state_and_mech),
		cmocka_unit_test(test_encode_is_impackets),
		cmocka_unit_test(test_encode_round_trip_and_refusals),
		cmocka_unit_test(test_ber_refused),
		cmocka_unit_test(test_ber_refused_in_apreq),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_one_octet_corruptions),
		cmocka_unit_test(test_krb5_unframe),
		cmocka_unit_test(test_apreq_fields),
		cmocka_unit_test(test_replay_new_replay_expiry),
		cmocka_unit_test(test_replay_full_fails_closed),
		cmocka_unit_test(test_replay_wraps_around),
		cmocka_unit_test(test_replay_expired_slot_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
