/* bench_x509_crl: the x509 layer's share of publishing a large CRL, without the
 * HSM, the ledger or the daemons (bench_crl.sh times a whole publication).
 *
 *   build/tests/bench_x509_crl [--entries 10000,100000,1000000] [--rounds 3]
 *
 * For each size: entries shaped like the ledger's (16-byte serials, one
 * revocation a second, two in three with a reasonCode, one in ten with an
 * invalidityDate), then per round x509_crl_tbs_encode, x509_crl_tbs_decode (the
 * custodian's lint), SHA-256 of the TBS (what the token hashes to sign it),
 * x509_crl_assemble around a dummy ECDSA signature and x509_crl_decode of the
 * whole. Prints the first round (fresh memory) and the best one, and checks the
 * target: the lint of a million entries under 0.15 s. Exit status 1 if a step
 * fails or the counts read back differ from what was written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "firmware/x509/x509.h"

enum { STEPS = 5 };
static const char *const step_names[STEPS] = {"encode", "lint", "sha256", "assemble",
					      "decode"};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* xorshift64: the same entries every run. */
static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static struct x509_crl_entry *make_entries(size_t n, size_t *reasons, size_t *inval)
{
	struct x509_crl_entry *e = calloc(n, sizeof *e);
	uint64_t x = 0x9e3779b97f4a7c15ull;

	*reasons = *inval = 0;
	for (size_t i = 0; e != NULL && i < n; i++) {
		for (size_t k = 0; k < 16; k++)
			e[i].serial[k] = (uint8_t)next_rand(&x);
		e[i].serial[0] = (uint8_t)((e[i].serial[0] & 0x7f) | 0x01);
		e[i].serial_len = 16;
		e[i].revoked_at = 1700000000 + (time_t)i;
		e[i].reason = i % 3 == 0 ? X509_CRL_REASON_NONE : 1 + (int)(i % 6);
		e[i].invalidity = i % 10 == 0 ? e[i].revoked_at - 86400 : 0;
		*reasons += e[i].reason > 0;
		*inval += e[i].invalidity != 0;
	}
	return e;
}

/* One round: the five steps' times into t; 0, or -1 with a message printed. */
static int round_once(const struct x509_crl *c, size_t reasons, size_t inval, double t[STEPS],
		      size_t *tbs_len)
{
	static const uint8_t sig[72] = {0x30, 0x46, 0x02, 0x21, 0x00, 0x80, [37] = 0x02, 0x21,
					0x00, 0x80};
	struct x509_buf tbs = {0}, crl = {0};
	struct x509_crl_info ci;
	uint8_t digest[32];
	char err[256];
	double t0;
	int rc = -1;

	t0 = now();
	if (x509_crl_tbs_encode(c, &tbs, err, sizeof err) != 0) {
		fprintf(stderr, "encode: %s\n", err);
		return -1;
	}
	t[0] = now() - t0, t0 = now();
	if (x509_crl_tbs_decode(tbs.data, tbs.len, &ci, err, sizeof err) != 0) {
		fprintf(stderr, "lint: %s\n", err);
		goto out;
	}
	t[1] = now() - t0;
	if (ci.n_entries != c->n_entries || ci.n_reasons != reasons || ci.n_invalidity != inval) {
		fprintf(stderr, "lint: counts differ from what was written\n");
		x509_crl_info_free(&ci);
		goto out;
	}
	x509_crl_info_free(&ci);
	t0 = now();
	if (wc_Sha256Hash(tbs.data, (word32)tbs.len, digest) != 0)
		goto out;
	t[2] = now() - t0, t0 = now();
	if (x509_crl_assemble(&tbs, c->sigalg, sig, sizeof sig, &crl) != 0) {
		fprintf(stderr, "assemble failed\n");
		goto out;
	}
	t[3] = now() - t0, t0 = now();
	if (x509_crl_decode(crl.data, crl.len, &ci, err, sizeof err) != 0) {
		fprintf(stderr, "decode: %s\n", err);
		goto out;
	}
	t[4] = now() - t0;
	rc = ci.n_entries == c->n_entries ? 0 : -1;
	x509_crl_info_free(&ci);
	*tbs_len = tbs.len;
out:
	x509_buf_free(&crl);
	x509_buf_free(&tbs);
	return rc;
}

/* Every round at n entries; prints first and best; *lint the best lint time. */
static int bench_size(size_t n, int rounds, double *lint)
{
	static const uint8_t issuer[] = {0x30, 0x17, 0x31, 0x15, 0x30, 0x13, 0x06, 0x03, 0x55,
					 0x04, 0x03, 0x0c, 0x0c, 'B', 'e', 'n', 'c', 'h',
					 ' ', 'C', 'R', 'L', ' ', 'C', 'A'};
	struct x509_crl c;
	size_t reasons, inval, len = 0;
	double first[STEPS], best[STEPS], t[STEPS];

	memset(&c, 0, sizeof c);
	c.entries = make_entries(n, &reasons, &inval);
	if (c.entries == NULL)
		return -1;
	c.n_entries = n;
	c.sigalg = X509_SIG_ECDSA_SHA256;
	c.issuer.data = (uint8_t *)issuer;
	c.issuer.len = sizeof issuer;
	c.has_aki = 1;
	c.this_update = 1800000000;
	c.next_update = c.this_update + 7 * 86400;
	c.number = 42;
	c.idp_url = "http://crl.example.com/bench.crl";
	for (int r = 0; r < rounds; r++) {
		if (round_once(&c, reasons, inval, t, &len) != 0) {
			free((void *)c.entries);
			return -1;
		}
		for (int s = 0; s < STEPS; s++) {
			if (r == 0)
				first[s] = best[s] = t[s];
			if (t[s] < best[s])
				best[s] = t[s];
		}
	}
	printf("%9zu entries, TBS %10zu bytes  ", n, len);
	for (int s = 0; s < STEPS; s++)
		printf(" %s %.4f/%.4f", step_names[s], first[s], best[s]);
	printf("  (s, first/best)\n");
	*lint = best[1];
	free((void *)c.entries);
	return 0;
}

int main(int argc, char **argv)
{
	const char *sizes = "10000,100000,1000000";
	int rounds = 3, bad = 0;
	double lint = 0, lint_million = -1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--entries") == 0)
			sizes = argv[i + 1];
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = atoi(argv[i + 1]);
	}
	if (rounds < 1 || (argc % 2) != 1) {
		fprintf(stderr, "usage: %s [--entries N,N,...] [--rounds R]\n", argv[0]);
		return 2;
	}
	for (const char *p = sizes; *p;) {
		char *end;
		size_t n = strtoul(p, &end, 10);

		if (end == p || n == 0) {
			fprintf(stderr, "bad --entries\n");
			return 2;
		}
		if (bench_size(n, rounds, &lint) != 0)
			bad = 1;
		else if (n == 1000000)
			lint_million = lint;
		p = *end == ',' ? end + 1 : end;
	}
	if (lint_million >= 0)
		printf("target: lint of 1,000,000 entries < 0.15 s: %s (%.4f s)\n",
		       lint_million < 0.15 ? "met" : "MISSED", lint_million);
	return bad;
}
