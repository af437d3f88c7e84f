/* firmware/rpc: UUIDs, the PDU codec and the NDR reader/writer. Inputs are
 * impacket's own PDUs (support/rpc_ref.h) and PDUs built byte by byte
 * (support/rpc_build.c); encoders are checked byte for byte and by decoding
 * their output again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "firmware/rpc/ndr.h"
#include "firmware/rpc/pdu.h"
#include "firmware/rpc/uuid.h"
#include "tests/unit/support/rpc_build.h"
#include "tests/unit/support/rpc_ref.h"
#include "tests/unit/support/spnego_ref.h"

static char err[256];

static int setup(void **state)
{
	(void)state;
	rb_init_syntaxes();
	return 0;
}

/* ---- UUIDs ---- */

static void test_uuid_constants(void **state)
{
	static const struct {
		const char *text;
		const struct rpc_syntax *s;
	} known[] = {
		{ "8a885d04-1ceb-11c9-9fe8-08002b104860", &rpc_syntax_ndr },
		{ "71710533-BEBA-4937-8319-B5DBEF9CCC36", &rpc_syntax_ndr64 },
		{ "91ae6020-9e3c-11cf-8d7c-00aa00c091be", &rpc_iface_icpr },
		{ "e1af8308-5d1f-11c9-91a4-08002b14a0fa", &rpc_iface_epm },
	};
	char text[RPC_UUID_STRLEN];
	struct rpc_uuid u;

	(void)state;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		assert_int_equal(rpc_uuid_parse(known[i].text, &u), 0);
		assert_true(rpc_uuid_eq(&u, &known[i].s->uuid));
		rpc_uuid_format(&u, text);
		assert_int_equal(strcasecmp(text, known[i].text), 0);
	}
	/* the builders' independent encoding agrees */
	assert_memory_equal(rb_icpr, rpc_iface_icpr.uuid.b, 16);
	assert_memory_equal(rb_ndr, rpc_syntax_ndr.uuid.b, 16);
	assert_memory_equal(rb_epm, rpc_iface_epm.uuid.b, 16);
	assert_int_equal(rpc_iface_epm.major, 3);
	assert_int_equal(rpc_syntax_ndr.major, 2);
	assert_false(rpc_uuid_is_nil(&u));
	memset(&u, 0, sizeof u);
	assert_true(rpc_uuid_is_nil(&u));
}

static void test_uuid_bad_text(void **state)
{
	static const char *const bad[] = {
		"",
		"8a885d04-1ceb-11c9-9fe8-08002b10486",
		"8a885d04-1ceb-11c9-9fe8-08002b1048600",
		"8a885d041-ceb-11c9-9fe8-08002b104860",
		"8a885d04-1ceb-11c9-9fe8-08002b10486g",
		" a885d04-1ceb-11c9-9fe8-08002b104860",
		"8a885d04-1ceb-11c9-9fe8_08002b104860",
	};
	struct rpc_uuid u;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(rpc_uuid_parse(bad[i], &u), -1);
	assert_int_equal(rpc_uuid_parse(NULL, &u), -1);
}

static void test_syntax_rules(void **state)
{
	struct rpc_syntax s, server = rpc_iface_epm;
	uint8_t b[20], back[20], bits = 0;

	(void)state;
	rb_btfn(b, 0x03);
	rpc_syntax_read(b, &s);
	assert_true(rpc_syntax_is_btfn(&s, &bits));
	assert_int_equal(bits, 3);
	rpc_syntax_write(&s, back);
	assert_memory_equal(b, back, 20);
	s.minor = 1; /* version 1.0 only */
	assert_false(rpc_syntax_is_btfn(&s, NULL));
	rpc_syntax_read(rb_ndr64, &s);
	assert_false(rpc_syntax_is_btfn(&s, NULL));
	assert_true(rpc_syntax_eq(&s, &rpc_syntax_ndr64));
	/* C706 compatibility: same major, a client minor not above the server's */
	s = server;
	assert_true(rpc_iface_compatible(&server, &s));
	s.minor = 1;
	assert_false(rpc_iface_compatible(&server, &s));
	server.minor = 2;
	assert_true(rpc_iface_compatible(&server, &s));
	s.major = 4;
	assert_false(rpc_iface_compatible(&server, &s));
}

/* ---- header and PDU framing ---- */

static uint8_t *copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	assert_non_null(c);
	memcpy(c, p, n);
	return c;
}

/* Every proper prefix of a PDU is refused; the header needs 16 octets. */
static void test_truncated_everywhere(void **state)
{
	static const struct {
		const uint8_t *p;
		size_t len;
	} pdus[] = {
		{ ref_bind_icpr, sizeof ref_bind_icpr },
		{ ref_bind_multi, sizeof ref_bind_multi },
		{ ref_bind_ntlm, sizeof ref_bind_ntlm },
		{ ref_csr_pdu, sizeof ref_csr_pdu },
	};
	struct rpc_pdu pdu;
	struct rpc_hdr h;

	(void)state;
	for (size_t k = 0; k < sizeof pdus / sizeof pdus[0]; k++) {
		for (size_t n = 0; n < pdus[k].len; n++) {
			uint8_t *c = copy(pdus[k].p, n); /* exact size: ASan sees overreads */

			assert_int_equal(rpc_hdr_decode(c, n, &h, err, sizeof err),
					 n < RPC_HDR_LEN ? RPC_HDR_SHORT : RPC_HDR_OK);
			assert_int_equal(rpc_pdu_decode(c, n, &pdu, err, sizeof err), -1);
			free(c);
		}
		assert_int_equal(rpc_pdu_decode(pdus[k].p, pdus[k].len, &pdu, err, sizeof err), 0);
	}
}

static void test_version_and_drep(void **state)
{
	uint8_t p[sizeof ref_bind_icpr];
	struct rpc_hdr h;

	(void)state;
	memcpy(p, ref_bind_icpr, sizeof p);
	p[1] = 1; /* 5.1 */
	assert_int_equal(rpc_hdr_decode(p, sizeof p, &h, err, sizeof err), RPC_HDR_VERSION);
	assert_non_null(strstr(err, "5.1"));
	assert_int_equal(h.ptype, RPC_PT_BIND);
	p[0] = 4;
	p[1] = 0;
	assert_int_equal(rpc_hdr_decode(p, sizeof p, &h, err, sizeof err), RPC_HDR_VERSION);

	memcpy(p, ref_bind_icpr, sizeof p);
	p[4] = 0x00; /* big-endian */
	assert_int_equal(rpc_hdr_decode(p, sizeof p, &h, err, sizeof err), RPC_HDR_DREP);
	assert_non_null(strstr(err, "big-endian"));
	p[4] = 0x11; /* EBCDIC */
	assert_int_equal(rpc_hdr_decode(p, sizeof p, &h, err, sizeof err), RPC_HDR_DREP);
	assert_non_null(strstr(err, "EBCDIC"));
	p[4] = 0x10;
	p[5] = 1; /* VAX floats */
	assert_int_equal(rpc_hdr_decode(p, sizeof p, &h, err, sizeof err), RPC_HDR_DREP);
	assert_non_null(strstr(err, "VAX"));
	p[5] = 0;
	p[6] = 0xff; /* reserved octets are ignored */
	p[7] = 0xff;
	assert_int_equal(rpc_hdr_decode(p, sizeof p, &h, err, sizeof err), RPC_HDR_OK);
}

static void test_lengths(void **state)
{
	uint8_t p[sizeof ref_bind_ntlm];
	struct rpc_pdu pdu;
	struct rpc_hdr h;

	(void)state;
	memcpy(p, ref_bind_icpr, sizeof ref_bind_icpr);
	p[8] = 15; /* frag_length below the header */
	p[9] = 0;
	assert_int_equal(rpc_hdr_decode(p, 72, &h, err, sizeof err), RPC_HDR_LENGTH);
	p[8] = 0xff; /* frag_length beyond the octets: never a whole PDU */
	assert_int_equal(rpc_hdr_decode(p, 72, &h, err, sizeof err), RPC_HDR_OK);
	assert_int_equal(rpc_pdu_decode(p, 72, &pdu, err, sizeof err), -1);
	p[8] = 72;
	assert_int_equal(rpc_pdu_decode(p, 72, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_pdu_decode(p, 73, &pdu, err, sizeof err), -1); /* not frag_length */

	/* auth_length: larger than the PDU, overlapping the fixed fields, misaligned */
	memcpy(p, ref_bind_ntlm, sizeof p);
	p[10] = 0x60; /* 96 + 8 + 16 > 112 */
	assert_int_equal(rpc_hdr_decode(p, sizeof p, &h, err, sizeof err), RPC_HDR_LENGTH);
	assert_non_null(strstr(err, "auth_length"));
	p[10] = 112 - 16 - 8; /* the sec_trailer right after the common header */
	assert_int_equal(rpc_pdu_decode(p, sizeof p, &pdu, err, sizeof err), -1);
	assert_non_null(strstr(err, "overlaps"));
	p[10] = 0x22; /* sec_trailer at 82 */
	assert_int_equal(rpc_pdu_decode(p, sizeof p, &pdu, err, sizeof err), -1);
	assert_non_null(strstr(err, "aligned"));
	memcpy(p, ref_bind_ntlm, sizeof p);
	p[72 + 2] = 200; /* auth_pad_length beyond the body */
	assert_int_equal(rpc_pdu_decode(p, sizeof p, &pdu, err, sizeof err), -1);
	assert_non_null(strstr(err, "auth_pad_length"));
}

static void test_ntlm_bind_trailer(void **state)
{
	struct rpc_pdu pdu;
	struct rpc_bind b;

	(void)state;
	assert_int_equal(rpc_pdu_decode(ref_bind_ntlm, sizeof ref_bind_ntlm, &pdu, err,
					sizeof err), 0);
	assert_true(pdu.has_auth);
	assert_int_equal(pdu.auth.t.auth_type, RPC_AUTHN_WINNT);
	assert_int_equal(pdu.auth.t.auth_level, RPC_AUTHN_LEVEL_PKT_PRIVACY);
	assert_int_equal(pdu.auth.t.auth_context_id, 79231); /* impacket's ctx + 79231 */
	assert_int_equal(pdu.auth.value_len, 32);
	assert_memory_equal(pdu.auth.value, "NTLMSSP\0\1\0\0\0", 12);
	assert_int_equal(pdu.body_len, 72 - 16);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), 0);
	assert_int_equal(b.n_ctx, 1);
}

/* ---- bind / alter_context ---- */

static void test_bind_impacket(void **state)
{
	struct rpc_ctx_elem e;
	struct rpc_syntax ts;
	struct rpc_pdu pdu;
	struct rpc_bind b;
	size_t off = 0;

	(void)state;
	assert_int_equal(rpc_pdu_decode(ref_bind_icpr, sizeof ref_bind_icpr, &pdu, err,
					sizeof err), 0);
	assert_int_equal(pdu.hdr.ptype, RPC_PT_BIND);
	assert_int_equal(pdu.hdr.flags, RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG);
	assert_int_equal(pdu.hdr.call_id, 1);
	assert_false(pdu.has_auth);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), 0);
	assert_int_equal(b.max_xmit_frag, 4280);
	assert_int_equal(b.max_recv_frag, 4280);
	assert_int_equal(b.assoc_group_id, 0);
	assert_int_equal(b.n_ctx, 1);
	assert_int_equal(rpc_bind_next_ctx(&b, &off, &e), 1);
	assert_int_equal(e.ctx_id, 0);
	assert_int_equal(e.n_transfer, 1);
	assert_true(rpc_syntax_eq(&e.abstract, &rpc_iface_icpr));
	rpc_ctx_transfer(&e, 0, &ts);
	assert_true(rpc_syntax_eq(&ts, &rpc_syntax_ndr));
	assert_int_equal(rpc_bind_next_ctx(&b, &off, &e), 0);
}

static void test_bind_multi(void **state)
{
	struct rpc_ctx_elem e;
	struct rpc_syntax ts;
	struct rpc_pdu pdu;
	struct rpc_bind b;
	size_t off = 0;
	uint8_t bits;

	(void)state;
	assert_int_equal(rpc_pdu_decode(ref_bind_multi, sizeof ref_bind_multi, &pdu, err,
					sizeof err), 0);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), 0);
	assert_int_equal(b.n_ctx, 3);
	for (uint16_t i = 0; i < 3; i++) {
		assert_int_equal(rpc_bind_next_ctx(&b, &off, &e), 1);
		assert_int_equal(e.ctx_id, i);
		assert_true(rpc_syntax_eq(&e.abstract, &rpc_iface_icpr));
		rpc_ctx_transfer(&e, 0, &ts);
		if (i == 0)
			assert_true(rpc_syntax_eq(&ts, &rpc_syntax_ndr));
		if (i == 1)
			assert_true(rpc_syntax_eq(&ts, &rpc_syntax_ndr64));
		if (i == 2) {
			assert_true(rpc_syntax_is_btfn(&ts, &bits));
			assert_int_equal(bits, 3);
		}
	}
}

static void test_bind_malformed(void **state)
{
	struct rb_ctx ctx = { 0, rb_icpr, rb_ndr, 1 };
	struct tbuf t = { 0 };
	struct rpc_pdu pdu;
	struct rpc_bind b;

	(void)state;
	/* no context at all */
	rb_bind(&t, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 0, NULL);
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), -1);
	tb_free(&t);
	/* a context proposing no transfer syntax */
	ctx.n_transfer = 0;
	rb_bind(&t, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, NULL);
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), -1);
	assert_non_null(strstr(err, "no transfer syntax"));
	tb_free(&t);
	/* n_context_elem says 2, one is there; n_transfer_syn says 2, one is there */
	ctx.n_transfer = 1;
	rb_bind(&t, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, NULL);
	t.p[24] = 2;
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), -1);
	t.p[24] = 1;
	t.p[30] = 2;
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), -1);
	t.p[30] = 1;
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), 0);
	tb_free(&t);
	/* 8 stray octets after the list */
	rb_bind(&t, RPC_PT_BIND, 1, 4280, 4280, 0, &ctx, 1, NULL);
	tb_u32(&t, 0);
	tb_u32(&t, 0);
	t.p[8] = (uint8_t)t.len;
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), -1);
	tb_free(&t);
	/* not a bind */
	assert_int_equal(rpc_pdu_decode(ref_csr_pdu, sizeof ref_csr_pdu, &pdu, err, sizeof err),
			 0);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), -1);
}

/* impacket's Kerberos alter_context (tests/unit/support/spnego_impacket.py:
 * ref_alter_doubled) laid out again with its parts changed: the header's 16
 * octets, the 12 fixed octets of the body, the list, copies octets after it,
 * pad octets of auth pad (declared in the sec_trailer), then impacket's
 * sec_trailer and verifier (trailer 0: none, auth_length 0). */
#define ALTER_LIST_OFF (RPC_HDR_LEN + 12)
#define ALTER_TRAILER_OFF (ALTER_LIST_OFF + 2 * REF_ALTER_LIST_LEN)

static void alter_build(struct tbuf *t, uint8_t ptype, const uint8_t *after, size_t after_len,
			uint8_t pad, int trailer)
{
	size_t auth_len = sizeof ref_alter_doubled - ALTER_TRAILER_OFF - 8;

	memset(t, 0, sizeof *t);
	tb_put(t, ref_alter_doubled, ALTER_LIST_OFF + REF_ALTER_LIST_LEN);
	t->p[2] = ptype;
	tb_put(t, after, after_len);
	for (unsigned i = 0; i < pad; i++)
		tb_u8(t, 0xff);
	if (trailer) {
		tb_put(t, ref_alter_doubled + ALTER_TRAILER_OFF, 8 + auth_len);
		t->p[t->len - auth_len - 8 + 2] = pad; /* auth_pad_length */
	} else {
		auth_len = 0;
	}
	t->p[8] = (uint8_t)t->len;
	t->p[9] = (uint8_t)(t->len >> 8);
	t->p[10] = (uint8_t)auth_len;
	t->p[11] = (uint8_t)(auth_len >> 8);
}

/* rpc_bind_decode of t: 0 or -1 (with err). */
static int alter_decode(const struct tbuf *t, struct rpc_bind *b)
{
	struct rpc_pdu pdu;

	assert_int_equal(rpc_pdu_decode(t->p, t->len, &pdu, err, sizeof err), 0);
	return rpc_bind_decode(&pdu, b, err, sizeof err);
}

/* impacket 0.10 finishes a Kerberos bind with an alter_context whose
 * presentation-context list is serialized twice (p_context_elem 1): taken as
 * the one context it names, exactly that and nothing near it. */
static void test_alter_context_doubled_list(void **state)
{
	const uint8_t *list = ref_alter_doubled + ALTER_LIST_OFF;
	uint8_t twice[2 * REF_ALTER_LIST_LEN], changed[REF_ALTER_LIST_LEN];
	struct rpc_ctx_elem e;
	struct rpc_syntax ts;
	struct rpc_pdu pdu;
	struct rpc_bind b;
	struct tbuf t;
	size_t off = 0;

	(void)state;
	/* the layout the generator asserted, seen from here: one copy after the other */
	assert_int_equal(sizeof ref_alter_doubled,
			 ALTER_TRAILER_OFF + 8 + (ref_alter_doubled[10] | ref_alter_doubled[11] << 8));
	assert_memory_equal(list, list + REF_ALTER_LIST_LEN, REF_ALTER_LIST_LEN);
	assert_int_equal(rpc_pdu_decode(ref_alter_doubled, sizeof ref_alter_doubled, &pdu, err,
					sizeof err), 0);
	assert_int_equal(pdu.hdr.ptype, RPC_PT_ALTER_CONTEXT);
	assert_true(pdu.has_auth);
	assert_int_equal(pdu.auth.t.auth_type, RPC_AUTHN_GSS_NEGOTIATE);
	assert_int_equal(pdu.auth.t.auth_level, RPC_AUTHN_LEVEL_PKT_PRIVACY);
	assert_int_equal(pdu.auth.t.auth_pad_len, 0);
	assert_int_equal(pdu.auth.value_len, sizeof ref_resp_client);
	assert_memory_equal(pdu.auth.value, ref_resp_client, sizeof ref_resp_client);
	assert_int_equal(rpc_bind_decode(&pdu, &b, err, sizeof err), 0);
	assert_int_equal(b.n_ctx, 1);
	assert_int_equal(b.ctx_len, REF_ALTER_LIST_LEN);
	assert_int_equal(rpc_bind_next_ctx(&b, &off, &e), 1);
	assert_int_equal(e.ctx_id, 0);
	assert_true(rpc_syntax_eq(&e.abstract, &rpc_iface_icpr));
	rpc_ctx_transfer(&e, 0, &ts);
	assert_true(rpc_syntax_eq(&ts, &rpc_syntax_ndr));
	assert_int_equal(rpc_bind_next_ctx(&b, &off, &e), 0); /* the copy is no context */

	/* rebuilt as it was: the builder is faithful */
	alter_build(&t, RPC_PT_ALTER_CONTEXT, list, REF_ALTER_LIST_LEN, 0, 1);
	assert_int_equal(t.len, sizeof ref_alter_doubled);
	assert_memory_equal(t.p, ref_alter_doubled, t.len);
	assert_int_equal(alter_decode(&t, &b), 0);
	tb_free(&t);
	/* the copy, then the auth pad the sec_trailer declares */
	alter_build(&t, RPC_PT_ALTER_CONTEXT, list, REF_ALTER_LIST_LEN, 4, 1);
	assert_int_equal(alter_decode(&t, &b), 0);
	assert_int_equal(b.ctx_len, REF_ALTER_LIST_LEN);
	tb_free(&t);

	/* the same octets in a bind */
	alter_build(&t, RPC_PT_BIND, list, REF_ALTER_LIST_LEN, 0, 1);
	assert_int_equal(alter_decode(&t, &b), -1);
	assert_string_equal(err, "44 unexpected octets after the presentation contexts");
	tb_free(&t);
	/* the copy with any one octet changed */
	for (size_t i = 0; i < REF_ALTER_LIST_LEN; i++) {
		memcpy(changed, list, REF_ALTER_LIST_LEN);
		changed[i] ^= 0x01;
		alter_build(&t, RPC_PT_ALTER_CONTEXT, changed, REF_ALTER_LIST_LEN, 0, 1);
		assert_int_equal(alter_decode(&t, &b), -1);
		tb_free(&t);
	}
	/* the list three times (repeated twice) */
	memcpy(twice, list, REF_ALTER_LIST_LEN);
	memcpy(twice + REF_ALTER_LIST_LEN, list, REF_ALTER_LIST_LEN);
	alter_build(&t, RPC_PT_ALTER_CONTEXT, twice, sizeof twice, 0, 1);
	assert_int_equal(alter_decode(&t, &b), -1);
	assert_string_equal(err, "88 unexpected octets after the presentation contexts");
	tb_free(&t);
	/* a partial copy (4-aligned, so the sec_trailer stays aligned), alone or
	 * with the rest declared as auth pad */
	alter_build(&t, RPC_PT_ALTER_CONTEXT, list, REF_ALTER_LIST_LEN - 4, 0, 1);
	assert_int_equal(alter_decode(&t, &b), -1);
	tb_free(&t);
	alter_build(&t, RPC_PT_ALTER_CONTEXT, list, REF_ALTER_LIST_LEN - 4, 4, 1);
	assert_int_equal(alter_decode(&t, &b), -1);
	tb_free(&t);
	alter_build(&t, RPC_PT_ALTER_CONTEXT, list + 4, REF_ALTER_LIST_LEN - 4, 0, 1);
	assert_int_equal(alter_decode(&t, &b), -1);
	tb_free(&t);
	/* the copy without a sec_trailer */
	alter_build(&t, RPC_PT_ALTER_CONTEXT, list, REF_ALTER_LIST_LEN, 0, 0);
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_false(pdu.has_auth);
	assert_int_equal(alter_decode(&t, &b), -1);
	assert_string_equal(err, "44 unexpected octets after the presentation contexts");
	tb_free(&t);
}

/* ---- request ---- */

static void test_request_impacket(void **state)
{
	struct rpc_request_pdu r;
	struct rpc_pdu pdu;

	(void)state;
	assert_int_equal(rpc_pdu_decode(ref_csr_pdu, sizeof ref_csr_pdu, &pdu, err, sizeof err),
			 0);
	assert_int_equal(rpc_request_decode(&pdu, &r, err, sizeof err), 0);
	assert_int_equal(pdu.hdr.call_id, 2);
	assert_int_equal(r.alloc_hint, sizeof ref_csr_stub);
	assert_int_equal(r.ctx_id, 0);
	assert_int_equal(r.opnum, 0);
	assert_false(r.has_object);
	assert_int_equal(r.stub_off, 24);
	assert_int_equal(r.stub_len, sizeof ref_csr_stub);
	assert_memory_equal(r.stub, ref_csr_stub, sizeof ref_csr_stub);
}

static void test_request_object_and_auth(void **state)
{
	static const uint8_t obj[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t tok[16] = { 0 };
	struct rb_auth a = { RPC_AUTHN_WINNT, 6, 0, 77, tok, sizeof tok };
	struct rpc_request_pdu r;
	struct tbuf t = { 0 };
	struct rpc_pdu pdu;

	(void)state;
	rb_request(&t, 9, 3, 1, 0, obj, (const uint8_t *)"abcde", 5, &a);
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_request_decode(&pdu, &r, err, sizeof err), 0);
	assert_true(r.has_object);
	assert_memory_equal(r.object.b, obj, 16);
	assert_int_equal(r.stub_off, 40);
	assert_int_equal(r.stub_len, 5); /* the 3 pad octets are not stub */
	assert_memory_equal(r.stub, "abcde", 5);
	assert_int_equal(pdu.auth.t.auth_pad_len, 3);
	assert_int_equal(pdu.auth.t.auth_context_id, 77);
	tb_free(&t);

	/* a request shorter than its header (object UUID promised, not there) */
	rb_request(&t, 9, 3, 1, 0, NULL, (const uint8_t *)"abcdefgh", 8, NULL);
	t.p[3] |= RPC_PFC_OBJECT_UUID;
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_request_decode(&pdu, &r, err, sizeof err), -1);
	tb_free(&t);
}

static void test_auth3_and_cancel(void **state)
{
	static const uint8_t tok[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct rb_auth a = { RPC_AUTHN_WINNT, 6, 0, 5, tok, sizeof tok };
	struct tbuf t = { 0 };
	struct rpc_pdu pdu;

	(void)state;
	rb_auth3(&t, 1, &a);
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_auth3_check(&pdu, err, sizeof err), 0);
	assert_int_equal(rpc_cancel_check(&pdu, err, sizeof err), -1);
	tb_free(&t);
	rb_header_only(&t, RPC_PT_AUTH3, 3, 1); /* no verifier */
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_auth3_check(&pdu, err, sizeof err), -1);
	tb_free(&t);
	rb_header_only(&t, RPC_PT_ORPHANED, 3, 1);
	assert_int_equal(rpc_pdu_decode(t.p, t.len, &pdu, err, sizeof err), 0);
	assert_int_equal(rpc_cancel_check(&pdu, err, sizeof err), 0);
	tb_free(&t);
}

/* ---- encoders ---- */

static void test_encode_bind_ack(void **state)
{
	static const uint8_t want[] = {
		0x05, 0x00, 0x0c, 0x03, 0x10, 0x00, 0x00, 0x00, 0x6c, 0x00, 0x00, 0x00,
		0x07, 0x00, 0x00, 0x00, /* header: frag_length 108, call_id 7 */
		0xb8, 0x10, 0x00, 0x04, 0xf0, 0x53, 0x00, 0x00, /* 4280, 1024, assoc */
		0x04, 0x00, '1', '3', '5', 0x00, 0x00, 0x00,    /* "135", 2 pad octets */
		0x03, 0x00, 0x00, 0x00,                         /* 3 results */
		0x00, 0x00, 0x00, 0x00, 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
		0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 0x02, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x03, 0x00, 0x02, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct rpc_result res[3] = {
		{ .result = RPC_RESULT_ACCEPTANCE, .transfer = rpc_syntax_ndr },
		{ .result = RPC_RESULT_PROVIDER_REJECTION,
		  .reason = RPC_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED },
		{ .result = RPC_RESULT_NEGOTIATE_ACK, .reason = RPC_BTFN_KEEP_CONNECTION_ON_ORPHAN },
	};
	struct rpc_ack a = { .ptype = RPC_PT_BIND_ACK, .call_id = 7, .max_xmit_frag = 4280,
			     .max_recv_frag = 1024, .assoc_group_id = 0x53f0, .sec_addr = "135",
			     .results = res, .n_results = 3 };
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 65536);
	assert_int_equal(rpc_encode_ack(&w, &a), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.buf, want, sizeof want);

	/* the alter_context_resp form: no address (length 0), padded to 28 */
	ndr_wr_reset(&w);
	a.ptype = RPC_PT_ALTER_CONTEXT_RESP;
	a.sec_addr = NULL;
	a.n_results = 1;
	assert_int_equal(rpc_encode_ack(&w, &a), 0);
	assert_int_equal(w.len, 28 + 4 + 24);
	assert_int_equal(w.buf[2], RPC_PT_ALTER_CONTEXT_RESP);
	assert_int_equal(rb_le16(w.buf + 24), 0);
	assert_int_equal(w.buf[28], 1);

	/* five-digit port: 16 + 8 + 2 + 6 = 32, no pad */
	ndr_wr_reset(&w);
	a.ptype = RPC_PT_BIND_ACK;
	a.sec_addr = "49667";
	assert_int_equal(rpc_encode_ack(&w, &a), 0);
	assert_int_equal(rb_le16(w.buf + 24), 6);
	assert_memory_equal(w.buf + 26, "49667", 6);
	assert_int_equal(w.buf[32], 1);

	/* an unencodable one leaves the writer failed */
	ndr_wr_reset(&w);
	a.ptype = RPC_PT_RESPONSE;
	assert_int_equal(rpc_encode_ack(&w, &a), -1);
	ndr_wr_free(&w);
}

static void test_encode_nak_and_fault(void **state)
{
	static const uint8_t nak[] = {
		0x05, 0x00, 0x0d, 0x03, 0x10, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t fault[] = {
		0x05, 0x00, 0x03, 0x23, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
		0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x01, 0x1c, 0x00, 0x00, 0x00, 0x00,
	};
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 65536);
	assert_int_equal(rpc_encode_bind_nak(&w, 2, RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED), 0);
	assert_int_equal(w.len, sizeof nak);
	assert_memory_equal(w.buf, nak, sizeof nak);
	ndr_wr_reset(&w);
	/* faults are 4-aligned whatever precedes them in the writer */
	ndr_put_u8(&w, 0xee);
	assert_int_equal(rpc_encode_fault(&w, 9, 1, NCA_S_OP_RNG_ERROR,
					  RPC_PFC_DID_NOT_EXECUTE), 0);
	assert_int_equal(w.len, 1 + sizeof fault);
	assert_memory_equal(w.buf + 1, fault, sizeof fault);
	ndr_wr_free(&w);
}

/* Decodes a stream of response fragments and checks their flags, sizes and
 * alloc_hints; returns the reassembled stub (malloc()ed). */
static uint8_t *reassemble(const uint8_t *p, size_t len, size_t max_frag, size_t *out_len,
			   size_t *n_frags)
{
	const uint8_t *pdus[512];
	size_t lens[512], n = rb_split(p, len, pdus, lens, 512), total = 0;
	uint8_t *out = malloc(len + 1);

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		struct rpc_pdu pdu;
		size_t stub_len;

		assert_int_equal(rpc_pdu_decode(pdus[i], lens[i], &pdu, err, sizeof err), 0);
		assert_int_equal(pdu.hdr.ptype, RPC_PT_RESPONSE);
		assert_true(lens[i] <= max_frag);
		assert_int_equal((pdu.hdr.flags & RPC_PFC_FIRST_FRAG) != 0, i == 0);
		assert_int_equal((pdu.hdr.flags & RPC_PFC_LAST_FRAG) != 0, i == n - 1);
		stub_len = lens[i] - RPC_RESP_HDR_LEN;
		if (i + 1 < n)
			assert_int_equal(stub_len % 8, 0);
		memcpy(out + total, pdus[i] + RPC_RESP_HDR_LEN, stub_len);
		total += stub_len;
		(void)pdu;
	}
	/* alloc_hint: what is left from each fragment on */
	for (size_t i = 0, done = 0; i < n; i++) {
		assert_int_equal(rb_le32(pdus[i] + 16), total - done);
		assert_int_equal(rb_le32(pdus[i] + 12), 5); /* call_id */
		assert_int_equal(rb_le16(pdus[i] + 20), 3); /* p_cont_id */
		done += lens[i] - RPC_RESP_HDR_LEN;
	}
	*out_len = total;
	*n_frags = n;
	return out;
}

static void test_response_fragments(void **state)
{
	size_t len = 10 * 1024, got_len, n;
	uint8_t *stub = malloc(len), *got;
	struct ndr_wr w;

	(void)state;
	assert_non_null(stub);
	for (size_t i = 0; i < len; i++)
		stub[i] = (uint8_t)(i * 31 + 7);
	ndr_wr_init(&w, 1 << 20);
	assert_int_equal(rpc_encode_response(&w, 5, 3, stub, len, 1024, NULL), 0);
	got = reassemble(w.buf, w.len, 1024, &got_len, &n);
	assert_int_equal(n, 11); /* 10 x 1000 + 240 */
	assert_int_equal(got_len, len);
	assert_memory_equal(got, stub, len);
	free(got);

	/* an empty stub is one fragment with both flags */
	ndr_wr_reset(&w);
	assert_int_equal(rpc_encode_response(&w, 5, 3, NULL, 0, 1024, NULL), 0);
	assert_int_equal(w.len, RPC_RESP_HDR_LEN);
	assert_int_equal(w.buf[3], RPC_PFC_FIRST_FRAG | RPC_PFC_LAST_FRAG);

	/* exact multiples, odd max_xmit_frag values */
	for (size_t max = 32; max < 300; max += 13) {
		ndr_wr_reset(&w);
		assert_int_equal(rpc_encode_response(&w, 5, 3, stub, 800, (uint16_t)max, NULL), 0);
		got = reassemble(w.buf, w.len, max, &got_len, &n);
		assert_int_equal(got_len, 800);
		assert_memory_equal(got, stub, 800);
		free(got);
	}
	ndr_wr_reset(&w);
	assert_int_equal(rpc_encode_response(&w, 5, 3, stub, 10, 31, NULL), -1); /* no room */
	ndr_wr_free(&w);
	free(stub);
}

struct wrap_seen {
	int calls;
	size_t body_off, body_len, len;
};

/* A stand-in provider: XOR the body, checksum into the verifier. */
static int toy_wrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		    uint8_t *verifier, size_t vlen)
{
	struct wrap_seen *s = arg;
	uint32_t sum = 0;

	s->calls++;
	s->body_off = body_off;
	s->body_len = body_len;
	s->len = len;
	for (size_t i = 0; i < len; i++)
		sum = sum * 31 + pdu[i];
	for (size_t i = 0; i < body_len; i++)
		pdu[body_off + i] ^= 0x5a;
	memset(verifier, 0, vlen);
	memcpy(verifier, &sum, sizeof sum);
	return 0;
}

static void test_response_wrapped(void **state)
{
	struct wrap_seen seen = { 0 };
	struct rpc_wrap wrap = { toy_wrap, &seen, { RPC_AUTHN_WINNT, 6, 0, 0, 99 }, 16 };
	const uint8_t *pdus[64];
	size_t lens[64], n;
	uint8_t stub[1000];
	struct ndr_wr w;

	(void)state;
	for (size_t i = 0; i < sizeof stub; i++)
		stub[i] = (uint8_t)i;
	ndr_wr_init(&w, 1 << 20);
	assert_int_equal(rpc_encode_response(&w, 5, 3, stub, sizeof stub, 300, &wrap), 0);
	n = rb_split(w.buf, w.len, pdus, lens, 64);
	assert_int_equal(seen.calls, (int)n);
	for (size_t i = 0, off = 0; i < n; i++) {
		struct rpc_pdu pdu;
		size_t body;

		assert_true(lens[i] <= 300);
		assert_int_equal(rpc_pdu_decode(pdus[i], lens[i], &pdu, err, sizeof err), 0);
		assert_true(pdu.has_auth);
		assert_int_equal(pdu.auth.value_len, 16);
		assert_int_equal(pdu.auth.t.auth_context_id, 99);
		assert_int_equal(pdu.body_len % 16, 8); /* 8 octets of header + 16k */
		body = pdu.body_len - 8 - pdu.auth.t.auth_pad_len;
		for (size_t k = 0; k < body; k++)
			assert_int_equal(pdus[i][24 + k] ^ 0x5a, stub[off + k]);
		off += body;
		if (i == n - 1)
			assert_int_equal(off, sizeof stub);
	}
	assert_int_equal(seen.body_off, 24);
	ndr_wr_free(&w);
}

/* ---- NDR ---- */

static void test_ndr_reader_scalars(void **state)
{
	static const uint8_t p[] = { 0x01, 0xee, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09 };
	struct ndr_rd r;

	(void)state;
	ndr_rd_init(&r, p, sizeof p);
	assert_int_equal(ndr_get_u8(&r), 1);
	assert_int_equal(ndr_get_u16(&r), 0x0302); /* one pad octet skipped, not checked */
	assert_int_equal(ndr_get_u32(&r), 0x07060504);
	assert_int_equal(ndr_rd_left(&r), 2);
	assert_int_equal(ndr_rd_end(&r, 1), -1);
	assert_non_null(strstr(r.err, "2 unexpected"));
	ndr_rd_init(&r, p, sizeof p);
	(void)ndr_get_u8(&r);
	assert_int_equal(ndr_get_u32(&r), 0x07060504); /* aligned from the start */
	assert_int_equal(ndr_get_u32(&r), 0); /* 2 left: fails, sticky */
	assert_true(r.failed);
	assert_null(ndr_get_bytes(&r, 0));
	assert_int_equal(ndr_rd_end(&r, 8), -1);
	ndr_rd_init(&r, NULL, 5);
	assert_int_equal(ndr_rd_left(&r), 0);
	assert_int_equal(ndr_get_u8(&r), 0);
	assert_true(r.failed);
}

/* Builds a [string] wchar_t pointee: max, offset, actual, then units. */
static void wstr(struct tbuf *t, uint32_t max, uint32_t off, uint32_t actual, const char *ascii,
		 size_t units)
{
	tb_u32(t, max);
	tb_u32(t, off);
	tb_u32(t, actual);
	for (size_t i = 0; i < units; i++)
		tb_u16(t, (uint8_t)ascii[i]);
}

static int read_wstr(const struct tbuf *t, size_t max_units, struct ndr_wstr *s)
{
	struct ndr_rd r;

	ndr_rd_init(&r, t->p, t->len);
	ndr_get_wstr(&r, max_units, s, "s");
	snprintf(err, sizeof err, "%s", r.err);
	return r.failed ? -1 : 0;
}

static void test_ndr_wstr(void **state)
{
	struct ndr_wstr s;
	struct tbuf t = { 0 };

	(void)state;
	wstr(&t, 4, 0, 4, "abc", 4);
	assert_int_equal(read_wstr(&t, 3, &s), 0);
	assert_int_equal(s.units, 3);
	assert_memory_equal(s.p, "a\0b\0c\0", 6);
	assert_int_equal(read_wstr(&t, 2, &s), -1); /* over the limit */
	tb_free(&t);
	wstr(&t, 9, 0, 4, "abc", 4); /* max_count above actual is allowed (within the limit) */
	assert_int_equal(read_wstr(&t, 8, &s), 0);
	assert_int_equal(read_wstr(&t, 7, &s), -1);
	tb_free(&t);
	wstr(&t, 4, 1, 4, "abc", 4);
	assert_int_equal(read_wstr(&t, 8, &s), -1);
	assert_non_null(strstr(err, "offset"));
	tb_free(&t);
	wstr(&t, 3, 0, 4, "abc", 4); /* actual_count > max_count */
	assert_int_equal(read_wstr(&t, 8, &s), -1);
	assert_non_null(strstr(err, "actual_count"));
	tb_free(&t);
	wstr(&t, 0, 0, 0, "", 0); /* empty: not even the NUL */
	assert_int_equal(read_wstr(&t, 8, &s), -1);
	tb_free(&t);
	wstr(&t, 3, 0, 3, "abc", 3); /* no NUL */
	assert_int_equal(read_wstr(&t, 8, &s), -1);
	assert_non_null(strstr(err, "NUL-terminated"));
	tb_free(&t);
	wstr(&t, 4, 0, 4, "a\0c", 4); /* NUL inside */
	assert_int_equal(read_wstr(&t, 8, &s), -1);
	tb_free(&t);
	wstr(&t, 0x80000001u, 0, 0x80000001u, "abc", 4); /* counts beyond the stub */
	assert_int_equal(read_wstr(&t, UINT32_MAX, &s), -1);
	assert_non_null(strstr(err, "octets left"));
	tb_free(&t);
	/* an odd number of octets for the characters */
	wstr(&t, 4, 0, 4, "abc", 3);
	tb_u8(&t, 0);
	assert_int_equal(read_wstr(&t, 8, &s), -1);
	tb_free(&t);
}

static void test_ndr_conf_bytes(void **state)
{
	struct tbuf t = { 0 };
	struct ndr_rd r;

	(void)state;
	tb_u32(&t, 3);
	tb_put(&t, "xyz", 3);
	ndr_rd_init(&r, t.p, t.len);
	assert_memory_equal(ndr_get_conf_bytes(&r, 3, "b"), "xyz", 3);
	assert_int_equal(ndr_rd_end(&r, 0), 0);
	ndr_rd_init(&r, t.p, t.len);
	assert_null(ndr_get_conf_bytes(&r, 2, "b")); /* max_count != cb */
	assert_non_null(strstr(r.err, "max_count 3 but cb 2"));
	t.p[0] = 4;
	ndr_rd_init(&r, t.p, t.len);
	assert_null(ndr_get_conf_bytes(&r, 4, "b")); /* beyond the stub */
	tb_free(&t);
}

static void test_ndr_writer(void **state)
{
	static const uint8_t want[] = { 0x07, 0x00, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0x09 };
	struct rpc_uuid u;
	struct ndr_wr w;

	(void)state;
	ndr_wr_init(&w, 9);
	ndr_put_u8(&w, 7);
	ndr_put_u16(&w, 0x1234);
	ndr_put_u32(&w, 0x12345678);
	ndr_put_u8(&w, 9);
	assert_true(ndr_wr_ok(&w));
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(w.buf, want, sizeof want);
	ndr_put_u8(&w, 1); /* over the limit: sticky */
	assert_false(ndr_wr_ok(&w));
	ndr_put_align(&w, 4);
	assert_int_equal(w.len, 9);
	ndr_wr_reset(&w);
	assert_true(ndr_wr_ok(&w));
	ndr_put_u32(&w, 0);
	ndr_patch_u16(&w, 2, 0xabcd);
	assert_int_equal(rb_le32(w.buf), 0xabcd0000);
	ndr_patch_u32(&w, 2, 1); /* past the end */
	assert_false(ndr_wr_ok(&w));
	ndr_wr_free(&w);

	ndr_wr_init(&w, 1024);
	ndr_put_u8(&w, 1);
	memcpy(u.b, rb_icpr, 16);
	ndr_put_uuid(&w, &u); /* aligned to 4 */
	assert_int_equal(w.len, 20);
	assert_memory_equal(w.buf + 4, rb_icpr, 16);
	ndr_put_wstr(&w, (const uint8_t *)"a\0b\0", 2);
	assert_int_equal(w.len, 20 + 12 + 6);
	assert_int_equal(rb_le32(w.buf + 20), 3);
	assert_int_equal(rb_le32(w.buf + 28), 3);
	ndr_put_conf_bytes(&w, "q", 1);
	assert_int_equal(w.len, 40 + 4 + 1);
	assert_true(ndr_wr_ok(&w));
	ndr_wr_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_constants),
		cmocka_unit_test(test_uuid_bad_text),
		cmocka_unit_test(test_syntax_rules),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_version_and_drep),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_ntlm_bind_trailer),
		cmocka_unit_test(test_bind_impacket),
		cmocka_unit_test(test_bind_multi),
		cmocka_unit_test(test_bind_malformed),
		cmocka_unit_test(test_alter_context_doubled_list),
		cmocka_unit_test(test_request_impacket),
		cmocka_unit_test(test_request_object_and_auth),
		cmocka_unit_test(test_auth3_and_cancel),
		cmocka_unit_test(test_encode_bind_ack),
		cmocka_unit_test(test_encode_nak_and_fault),
		cmocka_unit_test(test_response_fragments),
		cmocka_unit_test(test_response_wrapped),
		cmocka_unit_test(test_ndr_reader_scalars),
		cmocka_unit_test(test_ndr_wstr),
		cmocka_unit_test(test_ndr_conf_bytes),
		cmocka_unit_test(test_ndr_writer),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
