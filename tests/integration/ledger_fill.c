/* ledger_fill DATA N [THREADS]: adds N revoked certificates to the stopped ledger
 * of DATA (made by `caadm init`), for the CRL scale test and the CRL benchmark.
 *
 * Issuing a million real certificates through the appliance would take ten
 * minutes; what a CRL is built from is the ledger's revoked set, so each filler
 * goes through the ledger's own rules with the events the custodian would send: a
 * request, the intent, the certificate and the Issued disposition in one group,
 * then the revocation. The "certificate" is a placeholder (the ledger does not
 * parse it): a filler must never be served as a certificate, so use this on test
 * and benchmark CAs only. Commits are not synced (LEDGER_NOSYNC) and THREADS
 * writers (default 8) share them; nothing is counted here, the ledger's rules
 * apply to every event, and `caadm verify` checks the result.
 *
 * Serials are 16 random bytes (positive, first byte non-zero) as the custodian
 * draws them; reasons are mixed as on a real CA (a third without reasonCode, then
 * keyCompromise, superseded, cessationOfOperation); revocation dates spread over
 * the last year. Prints the number added and the time it took. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>

#include "firmware/ledger/store.h"

#define FILL_THREADS_MAX 64

struct fill {
	struct ledger *l;
	size_t next, total; /* under mu */
	pthread_mutex_t mu;
	time_t now;
	int failed;
};

static const uint8_t placeholder_cert[] = {0x30, 0x00}; /* not a certificate: see above */
static const uint8_t placeholder_req[] = {0x30, 0x00};

static size_t take(struct fill *f)
{
	size_t i;

	pthread_mutex_lock(&f->mu);
	i = f->failed || f->next == f->total ? (size_t)-1 : f->next++;
	pthread_mutex_unlock(&f->mu);
	return i;
}

static void fail(struct fill *f, const char *what, const char *err)
{
	pthread_mutex_lock(&f->mu);
	if (!f->failed)
		fprintf(stderr, "ledger_fill: %s: %s\n", what, err);
	f->failed = 1;
	pthread_mutex_unlock(&f->mu);
}

static void event(struct ledger_event *ev, uint32_t type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->actor_kind = ACTOR_CA;
	ev->actor = "CA";
}

/* One certificate: request + intent + certificate + disposition, then revoked. */
static int add_one(struct fill *f, WC_RNG *rng, size_t i)
{
	static const uint32_t reasons[] = {0, 1, 4, 5, 0, 1};
	struct ledger_event req, intent, issued, disp, rev;
	struct ledger_event *group[] = {&req, &intent, &issued, &disp};
	uint8_t serial[16];
	char err[256];
	int64_t nb = (int64_t)f->now - 400 * 86400;

	if (wc_RNG_GenerateBlock(rng, serial, sizeof(serial)) != 0)
		return fail(f, "random", "wc_RNG_GenerateBlock"), -1;
	serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40);
	event(&req, EV_REQUEST_RECEIVED);
	req.u.request.format = FMT_PKCS10;
	req.u.request.requester = "ledger_fill";
	req.u.request.raw = (struct ledger_bytes){placeholder_req, sizeof(placeholder_req)};
	req.u.request.attributes = "";
	event(&intent, EV_CERT_INTENT);
	intent.u.intent.serial = (struct ledger_bytes){serial, sizeof(serial)};
	intent.u.intent.not_before = nb;
	intent.u.intent.not_after = nb + 3 * 365 * 86400;
	event(&issued, EV_CERT_ISSUED);
	issued.u.issued.serial = intent.u.intent.serial;
	issued.u.issued.not_before = nb;
	issued.u.issued.not_after = intent.u.intent.not_after;
	issued.u.issued.cert = (struct ledger_bytes){placeholder_cert, sizeof(placeholder_cert)};
	event(&disp, EV_DISPOSITION);
	disp.u.disposition.disposition = DISP_ISSUED;
	disp.u.disposition.message = "Issued";
	if (ledger_append_group(f->l, group, 4, NULL, err, sizeof(err)) != LEDGER_OK)
		return fail(f, "issue", err), -1;
	event(&rev, EV_CERT_REVOKED);
	rev.u.revocation.serial = intent.u.intent.serial;
	rev.u.revocation.reason = reasons[i % 6];
	rev.u.revocation.revoked_at = (int64_t)f->now - (int64_t)((i * 7919u) % (365 * 86400));
	if (ledger_append(f->l, &rev, NULL, err, sizeof(err)) != LEDGER_OK)
		return fail(f, "revoke", err), -1;
	return 0;
}

static void *writer(void *arg)
{
	struct fill *f = arg;
	WC_RNG rng;
	size_t i;

	if (wc_InitRng(&rng) != 0) {
		fail(f, "random", "wc_InitRng");
		return NULL;
	}
	while ((i = take(f)) != (size_t)-1)
		if (add_one(f, &rng, i) != 0)
			break;
	wc_FreeRng(&rng);
	return NULL;
}

int main(int argc, char **argv)
{
	struct fill f = {.mu = PTHREAD_MUTEX_INITIALIZER};
	pthread_t th[FILL_THREADS_MAX];
	unsigned nthreads = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 8;
	struct timespec t0, t1;
	char err[256];

	if (argc < 3 || argc > 4 || nthreads == 0 || nthreads > FILL_THREADS_MAX) {
		fprintf(stderr, "usage: ledger_fill DATA N [THREADS 1..%d]\n", FILL_THREADS_MAX);
		return 2;
	}
	f.total = strtoull(argv[2], NULL, 10);
	f.now = time(NULL);
	if (ledger_open(argv[1], LEDGER_NOSYNC, &f.l, err, sizeof(err)) != 0) {
		fprintf(stderr, "ledger_fill: %s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, writer, &f) != 0) {
			fprintf(stderr, "ledger_fill: cannot start a thread\n");
			return 1;
		}
	for (unsigned t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!f.failed && ledger_checkpoint(f.l, err, sizeof(err)) != 0) {
		fprintf(stderr, "ledger_fill: checkpoint: %s\n", err);
		f.failed = 1;
	}
	ledger_close(f.l);
	if (f.failed)
		return 1;
	printf("ledger_fill: %zu revoked certificates added in %.1f s\n", f.total,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
