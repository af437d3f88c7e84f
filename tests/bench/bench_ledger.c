/* Benchmark: durable ledger appends through ca-ledger's IPC against raw
 * write + fdatasync on the same file system, measured alternately in one run.
 *
 *   bench_ledger --ledger PATH [--dir DIR] [--seconds S] [--rounds R]
 *                [--windows W1,W2,...] [--server-threads T] [--raw-threads N]
 *                [--detail BYTES] [--keep]
 *
 * DIR (default: a new /tmp/ca-bench-ledger.XXXXXX, removed at the end unless
 * --keep or verification fails) must be on a real disk, not tmpfs, or fdatasync
 * costs nothing; the bench says which file system it is on.
 *
 * raw-1:      one thread: write(1 KiB) + fdatasync() on DIR/raw.dat (O_APPEND).
 * raw-N:      N threads (--raw-threads, default 16; 0: skip), each write(1 KiB) +
 *             fdatasync() on one shared O_APPEND file DIR/raw-shared.dat.
 * sync-wW:    ca-ledger serve --data DIR/sync --fd 3 --threads T on a socketpair;
 *             this process keeps W LEDGER_APPEND requests in flight (one
 *             connection, like the custodian) and counts LEDGER_APPENDED replies.
 *             Each is an EV_OPERATOR_ACTION (actor "bench", action "bench", target
 *             "", allowed 1, --detail bytes of text: a ~1 KiB record), acknowledged
 *             only after its commit reached the disk.
 * nosync-wW:  the same on DIR/nosync with --nosync (commits reach the OS only).
 *
 * Each ledger was started with `ca-ledger genesis --cert DIR/ca.der` (500 random
 * bytes: the ledger takes any blob as the CA certificate). A fresh server is
 * started for every measurement, timed from its first answer; with its rate come
 * the p50/p99 append latency and the server's CPU time per event (user + system
 * over its whole life, from wait4). Each round runs every configuration once, in
 * turn; the summary gives medians and the median per-round ratios of sync-wW to
 * raw-1. At the end both ledgers are checked with `ca-ledger verify`; the exit
 * status of the bench is 1 if either fails. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "firmware/ledger/event.h"
#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "platform/ipc.h"
#include "platform/log.h"

#define MAX_WINDOWS 8
#define MAX_WINDOW 1024
#define SENT_RING 65536 /* send times by request id; far more than in flight */
#define MAX_RAW_THREADS 64
#define MAX_ROUNDS 32
#define MAX_CONFIGS (2 + 2 * MAX_WINDOWS)
#define RAW_BYTES 1024

struct bench {
	const char *ledger;
	char dir[4096];
	char sync_dir[4200], nosync_dir[4200], cert[4200];
	double seconds;
	unsigned rounds, server_threads, raw_threads, detail;
	unsigned windows[MAX_WINDOWS], n_windows;
	int keep;
	struct ipc_wbuf append; /* the LEDGER_APPEND payload, built once */
	size_t record_len;       /* as stored, read back with LEDGER_GET_EVENT ... */
	uint64_t record_seq;     /* ... of this event */
};

/* One configuration's results over the rounds. */
struct config {
	char name[32];
	int kind; /* K_RAW1, K_RAWN, K_SYNC, K_NOSYNC */
	unsigned window;
	double rate[MAX_ROUNDS];
	double p50[MAX_ROUNDS], p99[MAX_ROUNDS]; /* latency, ms (ledger only) */
	double cpu[MAX_ROUNDS]; /* ca-ledger's CPU time (user + sys) per event, us */
};

enum { K_RAW1, K_RAWN, K_SYNC, K_NOSYNC };

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, unsigned n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	return s[n / 2];
}

/* ---- raw write + fdatasync ---- */

struct raw_arg {
	int fd;
	double until;
	unsigned long count;
};

static void *raw_thread(void *p)
{
	struct raw_arg *a = p;
	char buf[RAW_BYTES];

	memset(buf, 'r', sizeof(buf));
	while (now_s() < a->until) {
		if (write(a->fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			fatal("raw write");
		if (fdatasync(a->fd) != 0)
			fatal("raw fdatasync");
		a->count++;
	}
	return NULL;
}

/* nthreads threads on one O_APPEND file, created empty for the measurement. */
static double run_raw(const struct bench *b, const char *name, unsigned nthreads)
{
	pthread_t tid[MAX_RAW_THREADS];
	struct raw_arg args[MAX_RAW_THREADS];
	char path[4200];
	double start, total = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", b->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || fsync(fd) != 0)
		fatal("%s", path);
	start = now_s();
	for (unsigned t = 0; t < nthreads; t++) {
		args[t] = (struct raw_arg){fd, start + b->seconds, 0};
		if (pthread_create(&tid[t], NULL, raw_thread, &args[t]) != 0)
			fatalx("pthread_create");
	}
	for (unsigned t = 0; t < nthreads; t++) {
		pthread_join(tid[t], NULL);
		total += (double)args[t].count;
	}
	total /= now_s() - start;
	close(fd);
	unlink(path);
	return total;
}

/* ---- the ledger through its IPC ---- */

static void build_append(struct bench *b)
{
	struct ledger_event ev;
	char err[256], *detail = malloc(b->detail + 1);
	static const char words[] = "bench operator action detail text ";

	if (detail == NULL)
		fatalx("out of memory");
	for (unsigned i = 0; i < b->detail; i++)
		detail[i] = words[i % (sizeof(words) - 1)];
	detail[b->detail] = 0;
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_OPERATOR_ACTION;
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = "bench";
	ev.u.op.action = "bench";
	ev.u.op.target = "";
	ev.u.op.allowed = 1;
	ev.u.op.detail = detail;
	ipc_wbuf_init(&b->append);
	if (lmsg_append_encode(&b->append, &ev, err, sizeof(err)) != 0)
		fatalx("cannot encode the event: %s", err);
	if (b->append.failed)
		fatalx("out of memory");
	free(detail);
}

/* Runs `ledger args...` and returns its exit status (stdout and stderr shared). */
static int run_tool(const struct bench *b, const char *const *args)
{
	const char *argv[16];
	pid_t pid;
	int st, n = 0;

	argv[n++] = "ca-ledger";
	while (*args != NULL && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	fflush(stdout);
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid == 0) {
		execv(b->ledger, (char *const *)argv);
		fprintf(stderr, "bench_ledger: cannot run %s: %s\n", b->ledger, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct server {
	pid_t pid;
	int fd;
	struct ipc_chan c;
};

static void server_start(const struct bench *b, const char *dir, int nosync,
			 struct server *s)
{
	int sv[2];
	char threads[16];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		fatal("socketpair");
	snprintf(threads, sizeof(threads), "%u", b->server_threads);
	fflush(stdout);
	s->pid = fork();
	if (s->pid < 0)
		fatal("fork");
	if (s->pid == 0) {
		dup2(sv[1], 3); /* dup2 clears FD_CLOEXEC on 3 */
		execl(b->ledger, "ca-ledger", "serve", "--data", dir, "--fd", "3", "--threads",
		      threads, nosync ? "--nosync" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	s->fd = sv[0];
	ipc_chan_init(&s->c, sv[0], "ledger", IPC_MAX_PAYLOAD);
}

/* Closes the channel, waits for the server; its CPU seconds (user + sys). */
static double server_stop(struct server *s)
{
	struct rusage ru;
	int st;

	ipc_chan_free(&s->c);
	close(s->fd);
	while (wait4(s->pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			fatal("wait4");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fatalx("ca-ledger serve ended with status %#x", st);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void recv_reply(struct server *s, struct ipc_msg *m)
{
	char err[256];

	if (ipc_recv(&s->c, m, err, sizeof(err)) != 1)
		fatalx("ledger: %s", err[0] ? err : "closed the channel");
	if (m->hdr.type == LEDGER_ERROR) {
		struct ipc_rbuf r;
		char msg[512] = "";
		uint32_t code;

		ipc_rbuf_init(&r, m);
		code = ipc_get_u32(&r);
		ipc_get_str(&r, msg, sizeof(msg));
		fatalx("ledger refused request %u: code %u: %s", m->hdr.id, code, msg);
	}
}

/* The stored size of record seq. */
static size_t record_len(struct server *s, uint64_t seq)
{
	struct lmsg_get_event q = {.seq = seq};
	struct lmsg_event e;
	struct ipc_wbuf w;
	struct ipc_msg m;
	size_t len;

	ipc_wbuf_init(&w);
	lmsg_get_event_encode(&w, &q);
	if (w.failed || ipc_send(&s->c, LEDGER_GET_EVENT, 1, w.data, w.len, -1) != 0)
		fatal("send");
	ipc_wbuf_free(&w);
	recv_reply(s, &m);
	if (m.hdr.type != LEDGER_EVENT)
		fatalx("ledger answered type %#x to get-event", m.hdr.type);
	if (lmsg_event_decode(m.data, m.hdr.len, &e) != 0)
		fatalx("malformed LEDGER_EVENT");
	len = e.len;
	ipc_msg_free(&m);
	return len;
}

struct lat {
	double *v;
	size_t n, cap;
};

static void lat_add(struct lat *l, double x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 65536;
		l->v = realloc(l->v, l->cap * sizeof(double));
		if (l->v == NULL)
			fatalx("out of memory");
	}
	l->v[l->n++] = x;
}

/* Keeps window appends in flight for b->seconds; events/s, latency p50/p99 in ms,
 * the server's CPU per event in us (its whole life: open and recovery, the appends,
 * the checkpoint at close). */
static double run_ledger(struct bench *b, int nosync, unsigned window, double *p50,
			 double *p99, double *cpu_us)
{
	static double sent_at[SENT_RING];
	struct server s;
	struct ipc_msg m;
	struct lat lat = {0};
	unsigned long done = 0;
	uint32_t next = 1;
	unsigned inflight = 0;
	double start, until, rate;
	uint64_t last_seq = 0;

	server_start(b, nosync ? b->nosync_dir : b->sync_dir, nosync, &s);
	/* Start timing once the ledger has opened (and recovered) its environment. */
	if (ipc_send(&s.c, LEDGER_HEAD, next++, NULL, 0, -1) != 0)
		fatal("send");
	recv_reply(&s, &m);
	if (m.hdr.type != LEDGER_HEAD_IS)
		fatalx("ca-ledger did not start (answered type %#x)", m.hdr.type);
	ipc_msg_free(&m);
	start = now_s();
	until = start + b->seconds;
	for (;;) {
		struct ipc_rbuf r;
		double t;

		while (inflight < window && now_s() < until) {
			sent_at[next % SENT_RING] = now_s();
			if (ipc_send(&s.c, LEDGER_APPEND, next++, b->append.data, b->append.len,
				     -1) != 0)
				fatal("send");
			inflight++;
		}
		if (inflight == 0)
			break;
		recv_reply(&s, &m);
		t = now_s();
		if (m.hdr.type != LEDGER_APPENDED)
			fatalx("ledger answered type %#x to an append", m.hdr.type);
		lat_add(&lat, t - sent_at[m.hdr.id % SENT_RING]);
		ipc_rbuf_init(&r, &m);
		uint64_t seq = ipc_get_u64(&r);
		if (seq > last_seq)
			last_seq = seq;
		ipc_msg_free(&m);
		inflight--;
		done++;
	}
	rate = (double)done / (now_s() - start);
	if (b->record_len == 0 && last_seq > 1) {
		b->record_seq = last_seq;
		b->record_len = record_len(&s, last_seq);
	}
	*cpu_us = done ? 1e6 * server_stop(&s) / (double)done : 0;
	qsort(lat.v, lat.n, sizeof(double), cmp_double);
	*p50 = lat.n ? 1e3 * lat.v[lat.n / 2] : 0;
	*p99 = lat.n ? 1e3 * lat.v[(size_t)((double)lat.n * 0.99)] : 0;
	free(lat.v);
	return rate;
}

/* ---- setup, verification, clean-up ---- */

static void make_ledger(struct bench *b, const char *dir)
{
	const char *args[] = {"genesis", "--data", dir, "--cert", b->cert, NULL};

	if (mkdir(dir, 0700) != 0)
		fatal("%s", dir);
	if (run_tool(b, args) != 0)
		fatalx("ca-ledger genesis failed in %s", dir);
}

static void make_cert(const struct bench *b)
{
	uint8_t buf[500];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), out;

	if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		fatal("/dev/urandom");
	close(fd);
	buf[0] = 0x30; /* looks like a DER SEQUENCE; the ledger does not care */
	out = open(b->cert, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0 || write(out, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || close(out) != 0)
		fatal("%s", b->cert);
}

static const char *fs_name(const char *dir)
{
	static char other[32];
	struct statfs st;

	if (statfs(dir, &st) != 0)
		fatal("statfs %s", dir);
	switch ((unsigned long)st.f_type) {
	case TMPFS_MAGIC: return "tmpfs (fdatasync is free here: figures are meaningless)";
	case RAMFS_MAGIC: return "ramfs (fdatasync is free here: figures are meaningless)";
	case EXT4_SUPER_MAGIC: return "ext2/3/4";
	case XFS_SUPER_MAGIC: return "xfs";
	case BTRFS_SUPER_MAGIC: return "btrfs";
	case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
	default:
		snprintf(other, sizeof(other), "f_type %#lx", (unsigned long)st.f_type);
		return other;
	}
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void parse_windows(struct bench *b, const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;

	if (copy == NULL)
		fatalx("out of memory");
	b->n_windows = 0;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		int w = atoi(tok);
		if (w < 1 || w > MAX_WINDOW || b->n_windows == MAX_WINDOWS)
			fatalx("--windows: 1..%d in flight, at most %d values", MAX_WINDOW,
			       MAX_WINDOWS);
		b->windows[b->n_windows++] = (unsigned)w;
	}
	free(copy);
}

static _Noreturn void usage(void)
{
	fatalx("usage: bench_ledger --ledger PATH [--dir DIR] [--seconds S] [--rounds R] "
	       "[--windows W1,W2,...] [--server-threads T] [--raw-threads N] [--detail BYTES] "
	       "[--keep]");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"ledger", 1, 0, 'l'},      {"dir", 1, 0, 'd'},
		{"seconds", 1, 0, 's'},     {"rounds", 1, 0, 'r'},
		{"windows", 1, 0, 'w'},     {"server-threads", 1, 0, 't'},
		{"raw-threads", 1, 0, 'R'}, {"detail", 1, 0, 'D'},
		{"keep", 0, 0, 'k'},        {0, 0, 0, 0}};
	static struct bench b = {.seconds = 3, .rounds = 3, .server_threads = 16,
				 .raw_threads = 16, .detail = 934,
				 .windows = {1, 16}, .n_windows = 2};
	static struct config cfg[MAX_CONFIGS];
	const char *dir = NULL;
	unsigned n_cfg = 0, ci;
	int ch, failed = 0;

	log_init("bench_ledger");
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'l': b.ledger = optarg; break;
		case 'd': dir = optarg; break;
		case 's': b.seconds = atof(optarg); break;
		case 'r': b.rounds = (unsigned)atoi(optarg); break;
		case 'w': parse_windows(&b, optarg); break;
		case 't': b.server_threads = (unsigned)atoi(optarg); break;
		case 'R': b.raw_threads = (unsigned)atoi(optarg); break;
		case 'D': b.detail = (unsigned)atoi(optarg); break;
		case 'k': b.keep = 1; break;
		default: usage();
		}
	}
	if (optind != argc || b.ledger == NULL || b.rounds < 1 || b.rounds > MAX_ROUNDS ||
	    b.seconds <= 0 || b.server_threads < 1 || b.server_threads > 64 ||
	    b.raw_threads > MAX_RAW_THREADS || b.detail > LEDGER_TEXT_MAX)
		usage();
	if (access(b.ledger, X_OK) != 0)
		fatal("%s", b.ledger);

	/* The throw-away directory: given (must not exist yet) or made under /tmp. */
	if (dir != NULL) {
		if (mkdir(dir, 0700) != 0)
			fatal("%s (give a directory that does not exist yet)", dir);
		snprintf(b.dir, sizeof(b.dir), "%s", dir);
	} else {
		snprintf(b.dir, sizeof(b.dir), "/tmp/ca-bench-ledger.XXXXXX");
		if (mkdtemp(b.dir) == NULL)
			fatal("mkdtemp");
	}
	snprintf(b.sync_dir, sizeof(b.sync_dir), "%s/sync", b.dir);
	snprintf(b.nosync_dir, sizeof(b.nosync_dir), "%s/nosync", b.dir);
	snprintf(b.cert, sizeof(b.cert), "%s/ca.der", b.dir);
	printf("directory %s (%s)\n", b.dir, fs_name(b.dir));
	make_cert(&b);
	make_ledger(&b, b.sync_dir);
	make_ledger(&b, b.nosync_dir);
	build_append(&b);

	snprintf(cfg[n_cfg].name, sizeof(cfg[0].name), "raw-1");
	cfg[n_cfg++].kind = K_RAW1;
	if (b.raw_threads > 0) {
		snprintf(cfg[n_cfg].name, sizeof(cfg[0].name), "raw-%u", b.raw_threads);
		cfg[n_cfg++].kind = K_RAWN;
	}
	for (int ns = 0; ns < 2; ns++)
		for (unsigned i = 0; i < b.n_windows; i++) {
			snprintf(cfg[n_cfg].name, sizeof(cfg[0].name), "%s-w%u",
				 ns ? "nosync" : "sync", b.windows[i]);
			cfg[n_cfg].kind = ns ? K_NOSYNC : K_SYNC;
			cfg[n_cfg++].window = b.windows[i];
		}

	printf("%s serve --threads %u; %u round(s) of %.1f s per configuration\n", b.ledger,
	       b.server_threads, b.rounds, b.seconds);
	printf("raw: write(%d) + fdatasync; sync/nosync-wN: N LEDGER_APPEND in flight, "
	       "EV_OPERATOR_ACTION with %u bytes of detail\n", RAW_BYTES, b.detail);
	for (unsigned r = 0; r < b.rounds; r++) {
		for (ci = 0; ci < n_cfg; ci++) {
			struct config *c = &cfg[ci];

			switch (c->kind) {
			case K_RAW1: c->rate[r] = run_raw(&b, "raw.dat", 1); break;
			case K_RAWN: c->rate[r] = run_raw(&b, "raw-shared.dat", b.raw_threads); break;
			default:
				c->rate[r] = run_ledger(&b, c->kind == K_NOSYNC, c->window,
							&c->p50[r], &c->p99[r], &c->cpu[r]);
			}
			if (c->kind == K_SYNC || c->kind == K_NOSYNC)
				printf("round %u: %-10s %8.0f events/s  latency p50 %.2f ms, "
				       "p99 %.2f ms; server CPU %.0f us/event\n", r + 1, c->name,
				       c->rate[r], c->p50[r], c->p99[r], c->cpu[r]);
			else
				printf("round %u: %-10s %8.0f write+fdatasync/s\n", r + 1, c->name,
				       c->rate[r]);
		}
		if (r == 0)
			printf("ledger record size: %zu bytes (LEDGER_GET_EVENT of seq %llu)\n",
			       b.record_len, (unsigned long long)b.record_seq);
	}

	printf("\nmedian over %u round(s):\n", b.rounds);
	for (ci = 0; ci < n_cfg; ci++) {
		const struct config *c = &cfg[ci];

		if (c->kind == K_SYNC || c->kind == K_NOSYNC)
			printf("  %-10s %8.0f events/s  latency p50 %.2f ms, p99 %.2f ms; server CPU "
			       "%.0f us/event\n", c->name, median(c->rate, b.rounds),
			       median(c->p50, b.rounds), median(c->p99, b.rounds),
			       median(c->cpu, b.rounds));
		else
			printf("  %-10s %8.0f write+fdatasync/s\n", c->name, median(c->rate, b.rounds));
	}
	/* Ratios per round against raw-1 (same round), then their median. */
	for (ci = 0; ci < n_cfg; ci++) {
		const struct config *c = &cfg[ci];
		double ratio[MAX_ROUNDS];

		if (c->kind != K_SYNC)
			continue;
		for (unsigned r = 0; r < b.rounds; r++)
			ratio[r] = c->rate[r] / cfg[0].rate[r];
		printf("median ratio %s / raw-1 (durable %s / raw fdatasync): %.3f\n", c->name,
		       c->window == 1 ? "single" : "concurrent", median(ratio, b.rounds));
	}
	/* The target is for concurrent writers: 16 in flight, else the most measured. */
	{
		const struct config *t = NULL;

		for (ci = 0; ci < n_cfg; ci++)
			if (cfg[ci].kind == K_SYNC && cfg[ci].window > 1 &&
			    (t == NULL || t->window != 16))
				t = &cfg[ci];
		if (t != NULL) {
			double m = median(t->rate, b.rounds);
			printf("target: >= 10000 durable events/s with %u in flight: %.0f (%s)\n",
			       t->window, m, m >= 10000 ? "met" : "NOT met");
		}
	}

	/* A bench that corrupts the ledger must not go unnoticed. */
	for (int ns = 0; ns < 2; ns++) {
		const char *d = ns ? b.nosync_dir : b.sync_dir;
		const char *args[] = {"verify", "--data", d, NULL};
		int rc = run_tool(&b, args);

		printf("ca-ledger verify --data %s: exit %d (%s)\n", d, rc, rc == 0 ? "OK" : "FAILED");
		if (rc != 0)
			failed = 1;
	}
	ipc_wbuf_free(&b.append);
	if (failed || b.keep)
		printf("kept %s\n", b.dir);
	else if (nftw(b.dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		log_warn("cannot remove %s", b.dir);
	return failed;
}
