/* firmware/rpc Kerberos sealing (krb5_seal.c): RFC 3961 n-fold and RFC 3962
 * AES-CTS / key vectors typed from the RFCs; request PDUs wrapped and signed by
 * impacket's client (support/krb5_seal_ref.h, made by
 * support/krb5_seal_impacket.py gen) unwrapped by our acceptor; our acceptor's
 * responses read back by impacket's own DCERPC_v5.recv (the script's unwrap,
 * run with /usr/bin/python3); header signing against MIT's
 * krb5_c_encrypt_iov / krb5_c_decrypt_iov / krb5_c_make_checksum (linked by
 * this test only); every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <krb5/krb5.h>

#include "firmware/rpc/krb5_seal.h"
#include "tests/unit/support/krb5_seal_ref.h"

#define SCRIPT "tests/unit/support/krb5_seal_impacket.py"
#define PYTHON "/usr/bin/python3"
#define HDR 24     /* request / response header */
#define TRAILER 8  /* sec_trailer */
#define MAXPDU 6000

static char err[256];

static uint8_t hexval(char c)
{
	return (uint8_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = strlen(h) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
	return n;
}

/* A fixed confounder source: a counter, so that two runs write the same octets. */
static int fixed_random(void *arg, uint8_t *buf, size_t len)
{
	unsigned *n = arg;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(*n * 13 + i);
	(*n)++;
	return 0;
}

static const uint8_t *ref_key(int enctype, size_t *len)
{
	*len = enctype == 17 ? sizeof(krb5_ref_key128) : sizeof(krb5_ref_key256);
	return enctype == 17 ? krb5_ref_key128 : krb5_ref_key256;
}

static void init(struct krb5_seal *s, int enctype, enum krb5_role role, int privacy, int hs)
{
	size_t kl;
	const uint8_t *k = ref_key(enctype, &kl);

	assert_int_equal(krb5_seal_init(s, enctype, k, kl, 0, 0, 1, role, privacy, hs, err,
					sizeof(err)), 0);
}

/* A PDU's parts: the verifier is its last auth_length octets, the sec_trailer
 * the 8 before, the body between the 24-octet header and the sec_trailer. */
struct parts {
	size_t len, body_off, body_len, vlen, pad;
};

static struct parts split(const uint8_t *pdu, size_t n)
{
	struct parts p;
	size_t frag = (size_t)(pdu[8] | pdu[9] << 8);

	assert_int_equal(frag, n);
	p.vlen = (size_t)(pdu[10] | pdu[11] << 8);
	assert_true(n >= HDR + TRAILER + p.vlen);
	p.len = n - p.vlen;
	p.body_off = HDR;
	p.body_len = p.len - HDR - TRAILER;
	p.pad = pdu[p.len - TRAILER + 2];
	return p;
}

/* A response PDU: header, stub padded to 16, sec_trailer, room for the verifier. */
static struct parts build(uint8_t *pdu, const uint8_t *stub, size_t n, size_t vlen, int level)
{
	struct parts p;
	size_t pad = (16 - n % 16) % 16, frag = HDR + n + pad + TRAILER + vlen;

	memset(pdu, 0, frag);
	pdu[0] = 5;
	pdu[2] = 2; /* response */
	pdu[3] = 3;
	pdu[4] = 0x10;
	pdu[8] = (uint8_t)frag;
	pdu[9] = (uint8_t)(frag >> 8);
	pdu[10] = (uint8_t)vlen;
	pdu[11] = (uint8_t)(vlen >> 8);
	pdu[12] = 7; /* call id */
	pdu[16] = (uint8_t)n;
	pdu[17] = (uint8_t)(n >> 8);
	if (n > 0)
		memcpy(pdu + HDR, stub, n);
	memset(pdu + HDR + n, 0xBB, pad);
	pdu[HDR + n + pad] = 9; /* RPC_C_AUTHN_GSS_NEGOTIATE */
	pdu[HDR + n + pad + 1] = (uint8_t)level;
	pdu[HDR + n + pad + 2] = (uint8_t)pad;
	pdu[HDR + n + pad + 4] = 0x7f; /* auth_context_id 79231 */
	pdu[HDR + n + pad + 5] = 0x35;
	pdu[HDR + n + pad + 6] = 0x01;
	p.vlen = vlen;
	p.len = frag - vlen;
	p.body_off = HDR;
	p.body_len = n + pad;
	p.pad = pad;
	return p;
}

/* ---- RFC vectors ---- */

static void test_nfold_rfc3961(void **state)
{
	/* RFC 3961 A.1 */
	static const struct {
		size_t bits;
		const char *in, *out;
	} v[] = {
		{64, "012345", "be072631276b1955"},
		{56, "password", "78a07b6caf85fa"},
		{64, "Rough Consensus, and Running Code", "bb6ed30870b7f0e0"},
		{168, "password", "59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e"},
		{192, "MASSACHVSETTS INSTITVTE OF TECHNOLOGY",
		 "db3b0d8f0b061e603282b308a50841229ad798fab9540c1b"},
		{168, "Q", "518a54a215a8452a518a54a215a8452a518a54a215"},
		{168, "ba", "fb25d531ae8974499f52fd92ea9857c4ba24cf297e"},
		{64, "kerberos", "6b65726265726f73"},
		{128, "kerberos", "6b65726265726f737b9b5b2b93132b93"},
		{168, "kerberos", "8372c236344e5f1550cd0747e15d62ca7a5a3bcea4"},
		{256, "kerberos", "6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4"},
	};
	uint8_t want[32], got[32];

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = unhex(v[i].out, want, sizeof(want));

		assert_int_equal(n, v[i].bits / 8);
		assert_int_equal(krb5_seal_nfold((const uint8_t *)v[i].in, strlen(v[i].in), got, n),
				 0);
		assert_memory_equal(got, want, n);
	}
	/* bounds */
	assert_int_equal(krb5_seal_nfold((const uint8_t *)"a", 0, got, 16), -1);
	assert_int_equal(krb5_seal_nfold((const uint8_t *)"a", 1, got, 0), -1);
	assert_int_equal(krb5_seal_nfold((const uint8_t *)"a", 1, got, 33), -1);
}

static void test_cts_rfc3962(void **state)
{
	/* RFC 3962 appendix B: AES 128, key "chicken teriyaki", IV 0 */
	static const char *in =
		"4920776f756c64206c696b65207468652047656e6572616c20476175277320436869636b656e"
		"2c20706c656173652c20616e6420776f6e746f6e20736f75702e";
	static const struct {
		size_t len;
		const char *out;
	} v[] = {
		{17, "c6353568f2bf8cb4d8a580362da7ff7f97"},
		{31, "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5"},
		{32, "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584"},
		{47, "97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e"
		     "39312523a78662d5be7fcbcc98ebf5"},
		{48, "97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd8"
		     "39312523a78662d5be7fcbcc98ebf5a8"},
		{64, "97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a8"
		     "4807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8"},
	};
	const uint8_t *key = (const uint8_t *)"chicken teriyaki";
	uint8_t plain[64], buf[64], want[64];

	(void)state;
	assert_int_equal(unhex(in, plain, sizeof(plain)), 64);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(unhex(v[i].out, want, sizeof(want)), v[i].len);
		memcpy(buf, plain, v[i].len);
		assert_int_equal(krb5_seal_cts_encrypt(key, 16, buf, v[i].len), 0);
		assert_memory_equal(buf, want, v[i].len);
		assert_int_equal(krb5_seal_cts_decrypt(key, 16, buf, v[i].len), 0);
		assert_memory_equal(buf, plain, v[i].len);
	}
	/* one block is plain AES; less than a block is refused */
	memcpy(buf, plain, 16);
	assert_int_equal(krb5_seal_cts_encrypt(key, 16, buf, 16), 0);
	assert_int_equal(krb5_seal_cts_decrypt(key, 16, buf, 16), 0);
	assert_memory_equal(buf, plain, 16);
	assert_int_equal(krb5_seal_cts_encrypt(key, 16, buf, 15), -1);
	assert_int_equal(krb5_seal_cts_encrypt(key, 24, buf, 32), -1);
}

static void test_dk_rfc3962_and_impacket(void **state)
{
	/* RFC 3962 appendix B, iteration count 1, "password" / "ATHENA.MIT.EDUraeburn":
	 * the PBKDF2 output and the key DK(tkey, "kerberos") */
	static const char *tk128 = "cdedb5281bb2f801565a1122b2563515";
	static const char *k128 = "42263c6e89f4fc28b8df68ee09799f15";
	static const char *tk256 = "cdedb5281bb2f801565a1122b25635150ad1f7a04bb9f3a333ecc0e2e1f70837";
	static const char *k256 = "fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161";
	uint8_t tk[32], want[32], got[32];
	const uint8_t *kerberos = (const uint8_t *)"kerberos";

	(void)state;
	unhex(tk128, tk, 32);
	unhex(k128, want, 32);
	assert_int_equal(krb5_seal_dk(tk, 16, kerberos, 8, got), 0);
	assert_memory_equal(got, want, 16);
	unhex(tk256, tk, 32);
	unhex(k256, want, 32);
	assert_int_equal(krb5_seal_dk(tk, 32, kerberos, 8, got), 0);
	assert_memory_equal(got, want, 32);
	assert_int_equal(krb5_seal_dk(tk, 24, kerberos, 8, got), -1);

	/* impacket's usage keys (RFC 4121 2 usages, kinds AA/55/99) */
	static const struct {
		int enctype, usage, kind;
		const uint8_t *k;
	} u[] = {
#define DK(e, us, kd) {e == 128 ? 17 : 18, us, 0x##kd, krb5_ref_dk##e##_##us##_##kd}
		DK(128, 22, aa), DK(128, 22, 55), DK(128, 22, 99), DK(128, 23, aa),
		DK(128, 23, 55), DK(128, 23, 99), DK(128, 24, aa), DK(128, 24, 55),
		DK(128, 24, 99), DK(128, 25, aa), DK(128, 25, 55), DK(128, 25, 99),
		DK(256, 22, aa), DK(256, 22, 55), DK(256, 22, 99), DK(256, 23, aa),
		DK(256, 23, 55), DK(256, 23, 99), DK(256, 24, aa), DK(256, 24, 55),
		DK(256, 24, 99), DK(256, 25, aa), DK(256, 25, 55), DK(256, 25, 99),
#undef DK
	};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		size_t kl;
		const uint8_t *key = ref_key(u[i].enctype, &kl);
		uint8_t c[5] = {0, 0, 0, (uint8_t)u[i].usage, (uint8_t)u[i].kind};

		assert_int_equal(krb5_seal_dk(key, kl, c, 5, got), 0);
		assert_memory_equal(got, u[i].k, kl);
	}
}

/* ---- impacket's requests ---- */

static void check_stub(const uint8_t *pdu, struct parts p, size_t i)
{
	size_t n = krb5_ref_stub_len[i];

	assert_int_equal(p.body_len, n + p.pad);
	if (n > 0)
		assert_memory_equal(pdu + p.body_off, krb5_ref_stub_all, n);
}

static void impacket_requests(int enctype, int privacy)
{
	const uint8_t *const *pdus = enctype == 17 ?
		(privacy ? krb5_ref_privacy128 : krb5_ref_integrity128) :
		(privacy ? krb5_ref_privacy256 : krb5_ref_integrity256);
	const size_t *lens = enctype == 17 ?
		(privacy ? krb5_ref_privacy128_len : krb5_ref_integrity128_len) :
		(privacy ? krb5_ref_privacy256_len : krb5_ref_integrity256_len);
	struct krb5_seal s, other;
	uint8_t pdu[MAXPDU], copy[MAXPDU];

	init(&s, enctype, KRB5_ACCEPTOR, privacy, 0);
	for (size_t i = 0; i < KRB5_REF_NSTUBS; i++) {
		struct parts p;

		memcpy(pdu, pdus[i], lens[i]);
		p = split(pdu, lens[i]);
		/* impacket's wrap: 60 + EC octets, EC = the body's padding to 16 */
		if (privacy)
			assert_int_equal(p.vlen, 60 + (16 - p.body_len % 16) % 16);
		else
			assert_int_equal(p.vlen, KRB5_MIC_LEN);
		assert_true(krb5_seal_verifier_ok(privacy, p.vlen));
		/* a replay of the previous one, a PDU from the future: refused */
		if (i > 0) {
			memcpy(copy, pdus[i - 1], lens[i - 1]);
			struct parts q = split(copy, lens[i - 1]);
			assert_int_equal(krb5_seal_unwrap(&s, copy, q.len, q.body_off, q.body_len,
							  copy + q.len, q.vlen), -1);
		}
		if (i + 1 < KRB5_REF_NSTUBS) {
			memcpy(copy, pdus[i + 1], lens[i + 1]);
			struct parts q = split(copy, lens[i + 1]);
			assert_int_equal(krb5_seal_unwrap(&s, copy, q.len, q.body_off, q.body_len,
							  copy + q.len, q.vlen), -1);
			if (privacy) /* nothing readable left */
				for (size_t k = 0; k < q.body_len; k++)
					assert_int_equal(copy[q.body_off + k], 0);
		}
		assert_int_equal(krb5_seal_unwrap(&s, pdu, p.len, p.body_off, p.body_len,
						  pdu + p.len, p.vlen), 0);
		check_stub(pdu, p, i);
	}
	assert_int_equal(s.recv_seq, KRB5_REF_NSTUBS);

	/* Another role (an initiator expects the acceptor's direction bit and
	 * usages), the wrong level, or no acceptor-subkey flag: refused. */
	for (int variant = 0; variant < 3; variant++) {
		size_t kl;
		const uint8_t *k = ref_key(enctype, &kl);
		struct parts p;

		assert_int_equal(krb5_seal_init(&other, enctype, k, kl, 0, 0, variant != 2,
						variant == 0 ? KRB5_INITIATOR : KRB5_ACCEPTOR,
						variant == 1 ? !privacy : privacy, 0, err,
						sizeof(err)), 0);
		memcpy(pdu, pdus[0], lens[0]);
		p = split(pdu, lens[0]);
		assert_int_equal(krb5_seal_unwrap(&other, pdu, p.len, p.body_off, p.body_len,
						  pdu + p.len, p.vlen), -1);
		krb5_seal_wipe(&other);
	}
	krb5_seal_wipe(&s);
}

static void test_impacket_wrap_aes128(void **state)
{
	(void)state;
	impacket_requests(17, 1);
}

static void test_impacket_wrap_aes256(void **state)
{
	(void)state;
	impacket_requests(18, 1);
}

static void test_impacket_mic_aes128(void **state)
{
	(void)state;
	impacket_requests(17, 0);
}

static void test_impacket_mic_aes256(void **state)
{
	(void)state;
	impacket_requests(18, 0);
}

/* Every single-bit flip of one impacket PDU's verifier and body is refused and
 * leaves the body wiped (privacy); the header and sec_trailer are not
 * protected without header signing (impacket's choice) and still pass. */
static void flips(int enctype, int privacy, size_t idx)
{
	const uint8_t *src = enctype == 17 ?
		(privacy ? krb5_ref_privacy128[idx] : krb5_ref_integrity128[idx]) :
		(privacy ? krb5_ref_privacy256[idx] : krb5_ref_integrity256[idx]);
	size_t n = enctype == 17 ?
		(privacy ? krb5_ref_privacy128_len[idx] : krb5_ref_integrity128_len[idx]) :
		(privacy ? krb5_ref_privacy256_len[idx] : krb5_ref_integrity256_len[idx]);
	struct krb5_seal s;
	uint8_t pdu[MAXPDU];
	struct parts p;

	init(&s, enctype, KRB5_ACCEPTOR, privacy, 0);
	memcpy(pdu, src, n);
	p = split(pdu, n);
	for (size_t bit = p.body_off * 8; bit < n * 8; bit++) {
		if (bit / 8 >= p.len - TRAILER && bit / 8 < p.len)
			continue; /* the sec_trailer: below */
		s.recv_seq = idx;
		memcpy(pdu, src, n);
		pdu[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(krb5_seal_unwrap(&s, pdu, p.len, p.body_off, p.body_len,
						  pdu + p.len, p.vlen), -1);
		if (privacy)
			for (size_t k = 0; k < p.body_len; k++)
				assert_int_equal(pdu[p.body_off + k], 0);
	}
	for (size_t byte = 0; byte < p.len; byte++) {
		if (byte >= p.body_off && byte < p.body_off + p.body_len)
			continue;
		s.recv_seq = idx;
		memcpy(pdu, src, n);
		pdu[byte] ^= 0x40;
		assert_int_equal(krb5_seal_unwrap(&s, pdu, p.len, p.body_off, p.body_len,
						  pdu + p.len, p.vlen), 0);
	}
	krb5_seal_wipe(&s);
}

static void test_bit_flips(void **state)
{
	(void)state;
	flips(17, 1, 5);
	flips(18, 1, 9);
	flips(17, 0, 4);
	flips(18, 0, 10);
}

/* ---- our acceptor's responses, read by impacket's client ---- */

static void impacket_reads(int enctype)
{
	static const size_t sizes[] = {0, 1, 4, 15, 16, 17, 33, 100, 1000};
	char path[] = "/tmp/test_rpc_krb5_XXXXXX", cmd[512], line[2 * MAXPDU + 2];
	struct krb5_seal s;
	uint8_t pdu[MAXPDU], stub[1000];
	unsigned ctr = 0;
	size_t kl;
	const uint8_t *k = ref_key(enctype, &kl);
	int fd = mkstemp(path);
	FILE *f, *pipe;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (uint8_t)(i * 11 + 3);
	init(&s, enctype, KRB5_ACCEPTOR, 1, 0);
	krb5_seal_set_random(&s, fixed_random, &ctr);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct parts p = build(pdu, stub, sizes[i], KRB5_WRAP_LEN, 6);

		assert_int_equal(krb5_seal_wrap(&s, pdu, p.len, p.body_off, p.body_len,
						pdu + p.len, p.vlen), 0);
		if (sizes[i] >= 16)
			assert_memory_not_equal(pdu + p.body_off, stub, 16);
		for (size_t b = 0; b < p.len + p.vlen; b++)
			fprintf(f, "%02x", pdu[b]);
		fputc('\n', f);
	}
	fclose(f);
	krb5_seal_wipe(&s);
	snprintf(cmd, sizeof(cmd), PYTHON " " SCRIPT " unwrap %d ", enctype);
	for (size_t i = 0; i < kl; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%02x", k[i]);
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " < %s", path);
	pipe = popen(cmd, "r");
	assert_non_null(pipe);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t got[1000];
		size_t n;

		assert_non_null(fgets(line, sizeof(line), pipe));
		line[strcspn(line, "\n")] = 0;
		n = unhex(line, got, sizeof(got));
		assert_int_equal(n, sizes[i]); /* impacket removed the auth pad */
		if (n > 0)
			assert_memory_equal(got, stub, n);
	}
	assert_int_equal(pclose(pipe), 0);
	unlink(path);
}

static void test_impacket_reads_ours(void **state)
{
	(void)state;
	impacket_reads(17);
	impacket_reads(18);
}

/* ---- round trips ---- */

static void round_trip(int enctype, int privacy, int hs)
{
	static const size_t sizes[] = {0, 1, 2, 3, 5, 8, 15, 16, 17, 31, 32, 33, 47, 48, 49,
				       64, 100, 255, 256, 1000, 4096, 5000};
	struct krb5_seal ini, acc;
	uint8_t pdu[MAXPDU], stub[5000];
	size_t vlen = krb5_seal_verifier_len(privacy);

	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (uint8_t)(i * 7 + 1);
	init(&ini, enctype, KRB5_INITIATOR, privacy, hs);
	init(&acc, enctype, KRB5_ACCEPTOR, privacy, hs);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int dir = 0; dir < 2; dir++) {
			struct krb5_seal *tx = dir ? &acc : &ini, *rx = dir ? &ini : &acc;
			struct parts p = build(pdu, stub, sizes[i], vlen, privacy ? 6 : 5);

			assert_int_equal(krb5_seal_wrap(tx, pdu, p.len, p.body_off, p.body_len,
							pdu + p.len, p.vlen), 0);
			if (privacy && sizes[i] >= 8)
				assert_memory_not_equal(pdu + p.body_off, stub, 8);
			/* a wrap is not unwrapped by its own sender (direction bit) */
			assert_int_equal(krb5_seal_unwrap(tx, pdu, p.len, p.body_off, p.body_len,
							  pdu + p.len, p.vlen), -1);
			if (privacy) { /* the failed unwrap wiped it: wrap again */
				tx->send_seq--;
				p = build(pdu, stub, sizes[i], vlen, 6);
				assert_int_equal(krb5_seal_wrap(tx, pdu, p.len, p.body_off,
								p.body_len, pdu + p.len, p.vlen),
						 0);
			}
			/* every bit of the header and the sec_trailer: protected with
			 * header signing, not without */
			if (sizes[i] == 17 && dir == 0) {
				uint8_t save[MAXPDU];

				memcpy(save, pdu, p.len + p.vlen);
				for (size_t bit = 0; bit < p.len * 8; bit++) {
					if (bit == p.body_off * 8)
						bit += p.body_len * 8;
					pdu[bit / 8] ^= (uint8_t)(1u << (bit % 8));
					assert_int_equal(krb5_seal_unwrap(rx, pdu, p.len, p.body_off,
									  p.body_len, pdu + p.len,
									  p.vlen),
							 hs ? -1 : 0);
					if (!hs)
						rx->recv_seq--;
					memcpy(pdu, save, p.len + p.vlen);
				}
			}
			assert_int_equal(krb5_seal_unwrap(rx, pdu, p.len, p.body_off, p.body_len,
							  pdu + p.len, p.vlen), 0);
			if (sizes[i] > 0)
				assert_memory_equal(pdu + p.body_off, stub, sizes[i]);
			/* the same PDU again: a replay */
			assert_int_equal(krb5_seal_unwrap(rx, pdu, p.len, p.body_off, p.body_len,
							  pdu + p.len, p.vlen), -1);
		}
	}
	krb5_seal_wipe(&ini);
	krb5_seal_wipe(&acc);
}

static void test_round_trips(void **state)
{
	(void)state;
	for (int e = 17; e <= 18; e++)
		for (int privacy = 0; privacy < 2; privacy++)
			for (int hs = 0; hs < 2; hs++)
				round_trip(e, privacy, hs);
}

/* ---- refusals ---- */

/* Re-encrypting is not needed to test the checks made before decryption: the
 * header fields are edited in a copy of a good verifier. */
static void test_header_field_refusals(void **state)
{
	struct krb5_seal ini, acc;
	uint8_t pdu[MAXPDU], v[128], stub[40], cbody[64];
	struct parts p;

	(void)state;
	memset(stub, 0x5a, sizeof(stub));
	init(&ini, 18, KRB5_INITIATOR, 1, 0);
	init(&acc, 18, KRB5_ACCEPTOR, 1, 0);
	p = build(pdu, stub, sizeof(stub), KRB5_WRAP_LEN, 6);
	assert_int_equal(krb5_seal_wrap(&ini, pdu, p.len, p.body_off, p.body_len, pdu + p.len,
					p.vlen), 0);
	/* what we write: 05 04, flags Sealed|AcceptorSubkey, FF, EC 16, RRC 28, seq 0 */
	static const uint8_t hdr[16] = {5, 4, 6, 0xff, 0, 16, 0, 28, 0, 0, 0, 0, 0, 0, 0, 0};
	assert_memory_equal(pdu + p.len, hdr, 16);
	memcpy(v, pdu + p.len, p.vlen);
	memcpy(cbody, pdu + p.body_off, p.body_len);

	/* each refusal wipes the body: the ciphertext is put back after it */
#define REFUSED_V(vv, vl) do { \
		assert_int_equal(krb5_seal_unwrap(&acc, pdu, p.len, p.body_off, p.body_len, vv, \
						  (vl)), -1); \
		for (size_t k_ = 0; k_ < p.body_len; k_++) \
			assert_int_equal(pdu[p.body_off + k_], 0); \
		memcpy(pdu + p.body_off, cbody, p.body_len); \
		memcpy(v, pdu + p.len, p.vlen); \
	} while (0)
#define REFUSED(vl) REFUSED_V(v, vl)
	v[0] = 4; REFUSED(p.vlen);           /* TOK_ID 04 04 (a MIC) */
	v[1] = 5; REFUSED(p.vlen);           /* TOK_ID 05 05 */
	v[2] = 7; REFUSED(p.vlen);           /* sent by the acceptor */
	v[2] = 4; REFUSED(p.vlen);           /* not sealed */
	v[2] = 2; REFUSED(p.vlen);           /* no acceptor subkey */
	v[2] = 0x0e; REFUSED(p.vlen);        /* a reserved flag */
	v[3] = 0; REFUSED(p.vlen);           /* filler */
	v[5] = 17; REFUSED(p.vlen + 1);      /* EC over 16, even with the length */
	v[5] = 15; REFUSED(p.vlen);          /* EC inconsistent with the length */
	v[7] = 27; REFUSED(p.vlen);          /* RRC 27 */
	v[7] = 12; REFUSED(p.vlen);          /* RRC of an unsealed wrap */
	v[6] = 1; REFUSED(p.vlen);           /* RRC 284 */
	v[15] = 1; REFUSED(p.vlen);          /* sequence number 1: skipped */
	v[8] = 0x80; REFUSED(p.vlen);        /* a far sequence number */
	for (size_t n = 0; n < p.vlen; n++)  /* truncated */
		REFUSED(n);
	REFUSED(p.vlen + 1);                 /* one too many */
	{
		/* EC 15 with a consistent length (a verifier one octet shorter):
		 * the checks pass, the HMAC does not */
		uint8_t shorter[KRB5_WRAP_LEN];

		memcpy(shorter, v, p.vlen);
		shorter[5] = 15;
		REFUSED_V(shorter, p.vlen - 1);
	}
#undef REFUSED
#undef REFUSED_V
	/* no state was consumed: the good one passes */
	assert_int_equal(krb5_seal_unwrap(&acc, pdu, p.len, p.body_off, p.body_len, v, p.vlen),
			 0);
	assert_memory_equal(pdu + p.body_off, stub, sizeof(stub));
	krb5_seal_wipe(&ini);
	krb5_seal_wipe(&acc);
	init(&ini, 18, KRB5_INITIATOR, 1, 0);
	init(&acc, 18, KRB5_ACCEPTOR, 1, 0);
	p = build(pdu, stub, sizeof(stub), KRB5_WRAP_LEN, 6);
	ini.send_seq = 0;
	assert_int_equal(krb5_seal_wrap(&ini, pdu, p.len, p.body_off, p.body_len, pdu + p.len,
					p.vlen), 0);
	assert_int_equal(krb5_seal_unwrap(&acc, pdu, p.len, p.body_off, p.body_len, pdu + p.len,
					  p.vlen), 0);
	assert_memory_equal(pdu + p.body_off, stub, sizeof(stub));

	/* MIC header fields */
	krb5_seal_wipe(&ini);
	krb5_seal_wipe(&acc);
	init(&ini, 17, KRB5_INITIATOR, 0, 0);
	init(&acc, 17, KRB5_ACCEPTOR, 0, 0);
	p = build(pdu, stub, sizeof(stub), KRB5_MIC_LEN, 5);
	assert_int_equal(krb5_seal_wrap(&ini, pdu, p.len, p.body_off, p.body_len, pdu + p.len,
					p.vlen), 0);
	static const uint8_t mic_hdr[16] = {4, 4, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0,
					    0, 0, 0};
	assert_memory_equal(pdu + p.len, mic_hdr, 16);
	for (size_t byte = 0; byte < 16; byte++) {
		memcpy(v, pdu + p.len, p.vlen);
		v[byte] ^= 1;
		assert_int_equal(krb5_seal_unwrap(&acc, pdu, p.len, p.body_off, p.body_len, v,
						  p.vlen), -1);
	}
	for (size_t n = 0; n < p.vlen; n++)
		assert_int_equal(krb5_seal_unwrap(&acc, pdu, p.len, p.body_off, p.body_len,
						  pdu + p.len, n), -1);
	assert_int_equal(krb5_seal_unwrap(&acc, pdu, p.len, p.body_off, p.body_len, pdu + p.len,
					  p.vlen), 0);
	/* layout out of range, wrong verifier length on wrap */
	assert_int_equal(krb5_seal_unwrap(&acc, pdu, p.len, p.len, 1, pdu + p.len, p.vlen), -1);
	assert_int_equal(krb5_seal_wrap(&ini, pdu, p.len, p.body_off, p.len, pdu + p.len,
					p.vlen), -1);
	assert_int_equal(krb5_seal_wrap(&ini, pdu, p.len, p.body_off, p.body_len, pdu + p.len,
					KRB5_WRAP_LEN), -1);
	krb5_seal_wipe(&ini);
	krb5_seal_wipe(&acc);
	/* a wiped object refuses everything */
	assert_int_equal(krb5_seal_wrap(&ini, pdu, p.len, p.body_off, p.body_len, pdu + p.len,
					p.vlen), -1);
}

static void test_init_refusals(void **state)
{
	struct krb5_seal s;
	uint8_t key[32] = {0};

	(void)state;
	static const struct {
		int enctype;
		size_t len;
	} bad[] = {{23, 16}, {1, 8}, {3, 8}, {16, 24}, {17, 32}, {18, 16}, {17, 15}, {18, 0},
		   {0, 16}, {19, 16}, {20, 32}, {-1, 16}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(krb5_seal_init(&s, bad[i].enctype, key, bad[i].len, 0, 0, 1,
						KRB5_ACCEPTOR, 1, 0, err, sizeof(err)), -1);
		assert_true(err[0] != 0);
		assert_int_equal(s.ready, 0);
	}
	assert_int_equal(krb5_seal_init(&s, 17, key, 16, 0, 0, 1, (enum krb5_role)7, 1, 0, err,
					sizeof(err)), -1);
	assert_int_equal(krb5_seal_init(&s, 17, key, 16, 5, 9, 1, KRB5_ACCEPTOR, 1, 0, err,
					sizeof(err)), 0);
	assert_int_equal(s.send_seq, 5);
	assert_int_equal(s.recv_seq, 9);
	krb5_seal_wipe(&s);
	for (size_t i = 0; i < sizeof(s); i++)
		assert_int_equal(((const uint8_t *)&s)[i], 0);
	assert_int_equal(krb5_seal_verifier_len(1), 76);
	assert_int_equal(krb5_seal_verifier_len(0), 28);
	for (size_t n = 0; n < 100; n++) {
		assert_int_equal(krb5_seal_verifier_ok(1, n), n >= 60 && n <= 76);
		assert_int_equal(krb5_seal_verifier_ok(0, n), n == 28);
	}
}

/* ---- MIT as the oracle of header signing ---- */

static krb5_crypto_iov kiov(krb5_cryptotype t, uint8_t *p, size_t n)
{
	krb5_crypto_iov v;

	v.flags = t;
	v.data.magic = 0;
	v.data.length = (unsigned)n;
	v.data.data = (char *)p;
	return v;
}

/* The wrap token's buffers in MIT's terms, DCE style with EC ec. */
static size_t mit_iov(krb5_crypto_iov *iov, uint8_t *pdu, struct parts p, uint8_t *v,
		      size_t ec, int hs)
{
	size_t n = 0;
	uint8_t *t = v + 16;

	iov[n++] = kiov(KRB5_CRYPTO_TYPE_HEADER, t + ec + 28, 16);
	if (hs)
		iov[n++] = kiov(KRB5_CRYPTO_TYPE_SIGN_ONLY, pdu, p.body_off);
	iov[n++] = kiov(KRB5_CRYPTO_TYPE_DATA, pdu + p.body_off, p.body_len);
	if (hs)
		iov[n++] = kiov(KRB5_CRYPTO_TYPE_SIGN_ONLY, pdu + p.body_off + p.body_len,
				p.len - p.body_off - p.body_len);
	iov[n++] = kiov(KRB5_CRYPTO_TYPE_DATA, t, ec + 16);
	iov[n++] = kiov(KRB5_CRYPTO_TYPE_TRAILER, t + ec + 16, 12);
	return n;
}

static void mit_wrap(krb5_context ctx, int enctype, int hs)
{
	static const size_t sizes[] = {0, 1, 16, 17, 100, 1000};
	size_t kl;
	const uint8_t *k = ref_key(enctype, &kl);
	krb5_keyblock kb = {0, enctype, (unsigned)kl, (krb5_octet *)(uintptr_t)k};
	struct krb5_seal ini, acc;
	uint8_t pdu[MAXPDU], stub[1000], hdr[16];
	krb5_crypto_iov iov[6];

	for (size_t i = 0; i < sizeof(stub); i++)
		stub[i] = (uint8_t)(i ^ 0x3c);
	init(&ini, enctype, KRB5_INITIATOR, 1, hs);
	init(&acc, enctype, KRB5_ACCEPTOR, 1, hs);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct parts p = build(pdu, stub, sizes[i], KRB5_WRAP_LEN, 6);
		uint8_t *v = pdu + p.len;
		size_t n;

		/* ours -> MIT (usage 24, initiator seal) */
		assert_int_equal(krb5_seal_wrap(&ini, pdu, p.len, p.body_off, p.body_len, v,
						p.vlen), 0);
		memcpy(hdr, v, 16);
		n = mit_iov(iov, pdu, p, v, 16, hs);
		assert_int_equal(krb5_c_decrypt_iov(ctx, &kb, 24, NULL, iov, n), 0);
		if (sizes[i] > 0)
			assert_memory_equal(pdu + p.body_off, stub, sizes[i]);
		hdr[6] = hdr[7] = 0; /* the encrypted copy has RRC 0 */
		assert_memory_equal(v + 16 + 16, hdr, 16);
		/* MIT's reading of it without (or with) the sign-only buffers fails
		 * when ours had them (or not): they are in the checksum */
		p = build(pdu, stub, sizes[i], KRB5_WRAP_LEN, 6);
		ini.send_seq--;
		assert_int_equal(krb5_seal_wrap(&ini, pdu, p.len, p.body_off, p.body_len, v,
						p.vlen), 0);
		n = mit_iov(iov, pdu, p, v, 16, !hs);
		assert_int_not_equal(krb5_c_decrypt_iov(ctx, &kb, 24, NULL, iov, n), 0);

		/* MIT -> ours (usage 22: MIT plays the acceptor, ours the initiator) */
		p = build(pdu, stub, sizes[i], KRB5_WRAP_LEN, 6);
		v = pdu + p.len;
		static const uint8_t h0[16] = {5, 4, 7, 0xff, 0, 16, 0, 0};
		memcpy(v, h0, 16);
		v[15] = (uint8_t)ini.recv_seq;
		memset(v + 16, 0xff, 16);       /* filler */
		memcpy(v + 32, v, 16);          /* the header copy, RRC 0 */
		v[7] = 28;
		n = mit_iov(iov, pdu, p, v, 16, hs);
		if (i == 1) {
			/* an encrypted header copy other than the header with RRC 0
			 * (here RRC 28), checksum right: refused */
			v[32 + 7] = 28;
			assert_int_equal(krb5_c_encrypt_iov(ctx, &kb, 22, NULL, iov, n), 0);
			assert_int_equal(krb5_seal_unwrap(&ini, pdu, p.len, p.body_off,
							  p.body_len, v, p.vlen), -1);
			p = build(pdu, stub, sizes[i], KRB5_WRAP_LEN, 6);
			memcpy(v, h0, 16);
			v[15] = (uint8_t)ini.recv_seq;
			memset(v + 16, 0xff, 16);
			memcpy(v + 32, v, 16);
			v[7] = 28;
		}
		assert_int_equal(krb5_c_encrypt_iov(ctx, &kb, 22, NULL, iov, n), 0);
		/* with header signing every bit of the header and sec_trailer counts */
		if (hs && i == 2) {
			for (size_t bit = 0; bit < p.len * 8; bit++) {
				uint8_t save[MAXPDU];

				if (bit == p.body_off * 8)
					bit += p.body_len * 8;
				memcpy(save, pdu, p.len + p.vlen);
				pdu[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				assert_int_equal(krb5_seal_unwrap(&ini, pdu, p.len, p.body_off,
								  p.body_len, v, p.vlen), -1);
				memcpy(pdu, save, p.len + p.vlen);
			}
		}
		assert_int_equal(krb5_seal_unwrap(&ini, pdu, p.len, p.body_off, p.body_len, v,
						  p.vlen), 0);
		if (sizes[i] > 0)
			assert_memory_equal(pdu + p.body_off, stub, sizes[i]);
	}
	(void)acc;
	krb5_seal_wipe(&ini);
	krb5_seal_wipe(&acc);
}

/* The MIC: checksum type hmac-sha1-96-aes over the body (or, with header
 * signing, the PDU to the sec_trailer) followed by the token header. */
static void mit_mic(krb5_context ctx, int enctype, int hs)
{
	size_t kl;
	const uint8_t *k = ref_key(enctype, &kl);
	krb5_keyblock kb = {0, enctype, (unsigned)kl, (krb5_octet *)(uintptr_t)k};
	struct krb5_seal acc;
	uint8_t pdu[MAXPDU], stub[77], msg[MAXPDU];
	krb5_checksum ck;
	krb5_data in;

	memset(stub, 0x77, sizeof(stub));
	init(&acc, enctype, KRB5_ACCEPTOR, 0, hs);
	struct parts p = build(pdu, stub, sizeof(stub), KRB5_MIC_LEN, 5);
	assert_int_equal(krb5_seal_wrap(&acc, pdu, p.len, p.body_off, p.body_len, pdu + p.len,
					p.vlen), 0);
	static const uint8_t h[16] = {4, 4, 5, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_memory_equal(pdu + p.len, h, 16);
	size_t m = hs ? p.len : p.body_len;
	memcpy(msg, hs ? pdu : pdu + p.body_off, m);
	memcpy(msg + m, pdu + p.len, 16);
	in.magic = 0;
	in.length = (unsigned)(m + 16);
	in.data = (char *)msg;
	assert_int_equal(krb5_c_make_checksum(ctx, enctype == 17 ? CKSUMTYPE_HMAC_SHA1_96_AES128 :
					      CKSUMTYPE_HMAC_SHA1_96_AES256, &kb, 23, &in, &ck), 0);
	assert_int_equal(ck.length, 12);
	assert_memory_equal(ck.contents, pdu + p.len + 16, 12);
	krb5_free_checksum_contents(ctx, &ck);
	/* and the checksum of this file's lower layer agrees */
	uint8_t sum[12];
	assert_int_equal(krb5_seal_checksum(k, kl, 23, msg, m + 16, sum), 0);
	assert_memory_equal(sum, pdu + p.len + 16, 12);
	krb5_seal_wipe(&acc);
}

static void test_mit_header_signing(void **state)
{
	krb5_context ctx;

	(void)state;
	assert_int_equal(krb5_init_context(&ctx), 0);
	for (int e = 17; e <= 18; e++)
		for (int hs = 0; hs < 2; hs++) {
			mit_wrap(ctx, e, hs);
			mit_mic(ctx, e, hs);
		}
	krb5_free_context(ctx);
}

/* The iov layer against MIT on odd layouts: several DATA and SIGN_ONLY buffers. */
static void test_mit_iov(void **state)
{
	krb5_context ctx;
	uint8_t conf[16], a[5], b[33], c[7], d[19], mac[12], a0[5], b0[33], c0[7], d0[19];
	struct krb5_iov ours[6];
	krb5_crypto_iov theirs[6];

	(void)state;
	assert_int_equal(krb5_init_context(&ctx), 0);
	for (int e = 17; e <= 18; e++) {
		size_t kl;
		const uint8_t *k = ref_key(e, &kl);
		krb5_keyblock kb = {0, e, (unsigned)kl, (krb5_octet *)(uintptr_t)k};

		for (size_t i = 0; i < sizeof(b); i++)
			b0[i] = (uint8_t)(i + e);
		memset(a0, 1, sizeof(a0));
		memset(c0, 2, sizeof(c0));
		memset(d0, 3, sizeof(d0));
		memcpy(a, a0, 5), memcpy(b, b0, 33), memcpy(c, c0, 7), memcpy(d, d0, 19);
		memset(conf, 0x42, sizeof(conf));
		ours[0] = (struct krb5_iov){KRB5_IOV_SIGN_ONLY, a, sizeof(a)};
		ours[1] = (struct krb5_iov){KRB5_IOV_HEADER, conf, sizeof(conf)};
		ours[2] = (struct krb5_iov){KRB5_IOV_DATA, b, sizeof(b)};
		ours[3] = (struct krb5_iov){KRB5_IOV_SIGN_ONLY, c, sizeof(c)};
		ours[4] = (struct krb5_iov){KRB5_IOV_DATA, d, sizeof(d)};
		ours[5] = (struct krb5_iov){KRB5_IOV_TRAILER, mac, sizeof(mac)};
		assert_int_equal(krb5_seal_encrypt_iov(k, kl, 24, ours, 6), 0);
		theirs[0] = kiov(KRB5_CRYPTO_TYPE_SIGN_ONLY, a, sizeof(a));
		theirs[1] = kiov(KRB5_CRYPTO_TYPE_HEADER, conf, sizeof(conf));
		theirs[2] = kiov(KRB5_CRYPTO_TYPE_DATA, b, sizeof(b));
		theirs[3] = kiov(KRB5_CRYPTO_TYPE_SIGN_ONLY, c, sizeof(c));
		theirs[4] = kiov(KRB5_CRYPTO_TYPE_DATA, d, sizeof(d));
		theirs[5] = kiov(KRB5_CRYPTO_TYPE_TRAILER, mac, sizeof(mac));
		assert_int_equal(krb5_c_decrypt_iov(ctx, &kb, 24, NULL, theirs, 6), 0);
		assert_memory_equal(b, b0, sizeof(b));
		assert_memory_equal(d, d0, sizeof(d));
		assert_int_equal(krb5_c_encrypt_iov(ctx, &kb, 25, NULL, theirs, 6), 0);
		assert_int_equal(krb5_seal_decrypt_iov(k, kl, 25, ours, 6), 0);
		assert_memory_equal(b, b0, sizeof(b));
		assert_memory_equal(d, d0, sizeof(d));
		/* a wrong usage fails and wipes what was decrypted */
		assert_int_equal(krb5_c_encrypt_iov(ctx, &kb, 25, NULL, theirs, 6), 0);
		assert_int_equal(krb5_seal_decrypt_iov(k, kl, 24, ours, 6), -1);
		for (size_t i = 0; i < sizeof(b); i++)
			assert_int_equal(b[i], 0);
		/* malformed lists */
		ours[5].len = 11;
		assert_int_equal(krb5_seal_encrypt_iov(k, kl, 24, ours, 6), -1);
		ours[5].len = 12;
		ours[1].type = KRB5_IOV_DATA;
		assert_int_equal(krb5_seal_encrypt_iov(k, kl, 24, ours, 6), -1);
		ours[1].type = (enum krb5_iov_type)4;
		assert_int_equal(krb5_seal_encrypt_iov(k, kl, 24, ours, 6), -1);
	}
	krb5_free_context(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfold_rfc3961),
		cmocka_unit_test(test_cts_rfc3962),
		cmocka_unit_test(test_dk_rfc3962_and_impacket),
		cmocka_unit_test(test_impacket_wrap_aes128),
		cmocka_unit_test(test_impacket_wrap_aes256),
		cmocka_unit_test(test_impacket_mic_aes128),
		cmocka_unit_test(test_impacket_mic_aes256),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_impacket_reads_ours),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_header_field_refusals),
		cmocka_unit_test(test_init_refusals),
		cmocka_unit_test(test_mit_header_signing),
		cmocka_unit_test(test_mit_iov),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
