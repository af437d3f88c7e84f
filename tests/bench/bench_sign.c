/* Benchmark: certificates signed through the custodian's IPC against raw C_Sign
 * on the same token and key, measured alternately in one run.
 *
 *   bench_sign --data DIR --pin-file FILE --custodian PATH [--seconds S]
 *              [--threads T] [--rounds R] [--window W]
 *
 * raw:       T threads, each with its own session, loop C_SignInit + C_Sign over a
 *            digest with the mechanism the HSM layer uses (CKM_RSA_PKCS over a
 *            SHA-256/384 DigestInfo, or CKM_ECDSA).
 * custodian: ca-custodian serve --threads T on a socketpair; this process keeps W
 *            ISSUE requests in flight and counts certificates returned. Each one
 *            is a full issuance: typed request checked, HSM serial, TBS built with
 *            libtasn1, linted, hashed, signed on the token, assembled (and, for
 *            RSA, verified before release).
 * The summary line gives both rates and their ratio per round and the median. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firmware/custodian/proto.h"
#include "platform/conf.h"
#include "platform/ipc.h"
#include "platform/log.h"
#include "tests/bench/bench_p11.h"

#define MAX_THREADS BENCH_P11_MAX_SESSIONS

struct bench {
	const char *dir, *pin_file, *custodian;
	double seconds;
	unsigned threads, rounds, window;
	struct conf conf;
	struct bench_p11 p11;
};

/* A fixed test key for the requests: any valid SPKI will do; this is P-256. */
static const uint8_t req_spki[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
	0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6b,
	0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
	0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8,
	0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
	0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb,
	0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5};

static void send_issue(struct ipc_chan *c, uint32_t id)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	ipc_put_u32(&w, CUST_PROFILE_CLIENT);
	ipc_put_str(&w, "CN=bench client,O=Bench");
	ipc_put_bytes(&w, req_spki, sizeof(req_spki));
	ipc_put_u32(&w, 30);
	if (w.failed || ipc_send(c, CUST_ISSUE, id, w.data, w.len, -1) != 0)
		fatal("send");
	ipc_wbuf_free(&w);
}

static double run_custodian(struct bench *b)
{
	int sv[2], status;
	pid_t pid;
	struct ipc_chan c;
	struct ipc_msg m;
	char err[256], threads[16];
	unsigned long done = 0;
	uint32_t next = 1;
	unsigned inflight = 0;
	double start, until;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		fatal("socketpair");
	snprintf(threads, sizeof(threads), "%u", b->threads);
	pid = fork();
	if (pid == 0) {
		dup2(sv[1], 3);
		execl(b->custodian, "ca-custodian", "serve", "--data", b->dir, "--fd", "3",
		      "--pin-file", b->pin_file, "--threads", threads, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	ipc_chan_init(&c, sv[0], "custodian", IPC_MAX_PAYLOAD);
	/* Start timing once the custodian has loaded the CA and answers. */
	if (ipc_send(&c, CUST_GET_CA, next++, NULL, 0, -1) != 0 ||
	    ipc_recv(&c, &m, err, sizeof(err)) != 1 || m.hdr.type != CUST_CA_INFO)
		fatalx("custodian did not start");
	ipc_msg_free(&m);
	start = bench_now();
	until = start + b->seconds;
	for (;;) {
		while (inflight < b->window && bench_now() < until) {
			send_issue(&c, next++);
			inflight++;
		}
		if (inflight == 0)
			break;
		if (ipc_recv(&c, &m, err, sizeof(err)) != 1)
			fatalx("custodian: %s", err);
		if (m.hdr.type != CUST_ISSUED)
			fatalx("custodian answered type %#x", m.hdr.type);
		ipc_msg_free(&m);
		inflight--;
		done++;
	}
	double rate = (double)done / (bench_now() - start);
	ipc_chan_free(&c);
	close(sv[0]);
	waitpid(pid, &status, 0);
	return rate;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"data", 1, 0, 'd'}, {"pin-file", 1, 0, 'p'}, {"custodian", 1, 0, 'c'},
		{"seconds", 1, 0, 's'}, {"threads", 1, 0, 't'}, {"rounds", 1, 0, 'r'},
		{"window", 1, 0, 'w'}, {0, 0, 0, 0}};
	struct bench b = {.seconds = 3, .threads = 1, .rounds = 3, .window = 0};
	double ratios[32];
	char path[4096], err[256];
	int ch;

	log_init("bench_sign");
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': b.dir = optarg; break;
		case 'p': b.pin_file = optarg; break;
		case 'c': b.custodian = optarg; break;
		case 's': b.seconds = atof(optarg); break;
		case 't': b.threads = (unsigned)atoi(optarg); break;
		case 'r': b.rounds = (unsigned)atoi(optarg); break;
		case 'w': b.window = (unsigned)atoi(optarg); break;
		default: fatalx("bad option");
		}
	}
	if (!b.dir || !b.pin_file || !b.custodian || b.threads < 1 || b.threads > MAX_THREADS ||
	    b.rounds < 1 || b.rounds > 32)
		fatalx("usage: bench_sign --data DIR --pin-file F --custodian PATH [--seconds S] "
		       "[--threads T] [--rounds R] [--window W]");
	if (b.window == 0)
		b.window = 4 * b.threads;
	snprintf(path, sizeof(path), "%s/ca.conf", b.dir);
	if (conf_load(path, &b.conf, err, sizeof(err)) != 0)
		fatalx("%s", err);
	bench_p11_open(&b.p11, &b.conf, b.pin_file, b.threads);
	printf("key %s, %u thread(s), %u round(s) of %.1f s each side\n",
	       b.p11.key_type == CKK_RSA ? "RSA" : "EC", b.threads, b.rounds, b.seconds);
	for (unsigned r = 0; r < b.rounds; r++) {
		double raw = bench_p11_raw(&b.p11, b.threads, b.seconds);
		double cust = run_custodian(&b);
		ratios[r] = cust / raw;
		printf("round %u: raw C_Sign %.0f/s, custodian issuance %.0f/s, ratio %.3f\n", r + 1,
		       raw, cust, ratios[r]);
		fflush(stdout);
	}
	printf("median ratio custodian/raw: %.3f\n", bench_median(ratios, b.rounds));
	return 0;
}
