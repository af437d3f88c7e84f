/* ca-ledger: the appliance's CA database (store.h), the only program that opens
 * the Berkeley DB environment.
 *
 *   serve     answer the custodian over the descriptor --fd (proto.h)
 *   genesis   start an empty ledger with the genesis event naming the CA certificate
 *   verify    replay the journal, check the chain, rebuild and compare the indexes
 *   show      print the journal's events, one line each (the audit view)
 *
 * Options: --data DIR (the appliance's data directory; the environment lives in
 * DIR/ledger), --fd N, --threads N, --nosync (commits reach the OS but are not
 * forced to disk: survives a process crash, not a power cut), --cert FILE (PEM or
 * DER). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include "config.h"
#include "firmware/ledger/anchor.h"
#include "firmware/ledger/sandbox.h"
#include "firmware/ledger/serve.h"
#include "platform/atomicfile.h"
#include "platform/conf.h"
#include "platform/hex.h"
#include "platform/log.h"

struct opts {
	const char *dir, *cert, *first_admin;
	int fd, flags;
	unsigned threads;
	unsigned reserve_mb, low_mb; /* serve: free space watched (space.c); 0: not */
	const char *anchor, *anchor_source; /* verify: SEQ,HEAD,TIME,CRL (anchor.h) */
	int head_fd; /* verify: where "SEQ,HEAD,CRL" of a verified ledger goes (-1: no) */
	int unanchored; /* verify: the HSM holds no anchor (the ledger must hold no
			 * checkpoint either, as the custodian's start requires) */
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: ca-ledger serve --data DIR --fd N [--threads N] [--nosync]\n"
		"                       [--reserve-mb N] [--low-space-mb N]\n"
		"       ca-ledger genesis --data DIR --cert FILE [--first-admin NAME]\n"
		"       ca-ledger verify --data DIR [--anchor SEQ,HEAD,TIME,CRL [--anchor-source TEXT]]\n"
		"                        [--unanchored]\n"
		"                        [--head-fd N]\n"
		"       ca-ledger show --data DIR\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"data", required_argument, NULL, 'd'},  {"fd", required_argument, NULL, 'f'},
		{"threads", required_argument, NULL, 't'}, {"nosync", no_argument, NULL, 'n'},
		{"cert", required_argument, NULL, 'c'},  {"first-admin", required_argument, NULL, 'a'},
		{"reserve-mb", required_argument, NULL, 'r'},
		{"low-space-mb", required_argument, NULL, 'l'},
		{"anchor", required_argument, NULL, 'A'},
		{"anchor-source", required_argument, NULL, 'S'},
		{"head-fd", required_argument, NULL, 'H'},
		{"unanchored", no_argument, NULL, 'U'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->dir = CONFIG_DATA_DIR;
	o->fd = -1;
	o->head_fd = -1;
	o->threads = 16;
#ifdef CONFIG_LEDGER_SYNC_NOSYNC
	o->flags = LEDGER_NOSYNC;
#endif
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': o->dir = optarg; break;
		case 'f': o->fd = conf_arg_fd(optarg); break;
		case 't': o->threads = conf_arg_uint(optarg, 64, "--threads"); break;
		case 'n': o->flags |= LEDGER_NOSYNC; break;
		case 'c': o->cert = optarg; break;
		case 'a': o->first_admin = optarg; break;
		case 'r': o->reserve_mb = conf_arg_uint(optarg, 1u << 20, "--reserve-mb"); break;
		case 'l': o->low_mb = conf_arg_uint(optarg, 1u << 20, "--low-space-mb"); break;
		case 'A': o->anchor = optarg; break;
		case 'S': o->anchor_source = optarg; break;
		case 'H': o->head_fd = conf_arg_fd(optarg); break;
		case 'U': o->unanchored = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
}

static struct ledger *open_or_die(const struct opts *o)
{
	struct ledger *l;
	char err[512];

	if (ledger_open(o->dir, o->flags, &l, err, sizeof(err)) != 0)
		fatalx("%s", err);
	return l;
}

/* The certificate as the ledger keeps it: DER. PEM input (ca.crt) is converted
 * with wolfSSL's decoder; the ledger itself never parses X.509. */
static void pem_to_der(const char *path, unsigned char **buf, size_t *len)
{
	unsigned char *der = malloc(*len);
	int n;

	if (der == NULL)
		fatalx("out of memory");
	n = wc_CertPemToDer(*buf, (int)*len, der, (int)*len, CERT_TYPE);
	if (n <= 0)
		fatalx("%s: not a PEM certificate", path);
	free(*buf);
	*buf = der;
	*len = (size_t)n;
}

/* The ceremony made the first administrator before the ledger existed: its
 * creation is the journal's first operator action, right after the genesis. */
static int journal_first_admin(struct ledger *l, const char *name, char *err, size_t errlen)
{
	struct ledger_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = EV_OPERATOR_ACTION;
	ev.actor_kind = ACTOR_OPERATOR;
	ev.actor = name;
	ev.u.op.action = "operator-init";
	ev.u.op.target = name;
	ev.u.op.allowed = 1;
	ev.u.op.detail = "the first administrator (role admin), made at the key ceremony";
	return ledger_append(l, &ev, NULL, err, errlen);
}

static int cmd_genesis(const struct opts *o)
{
	struct ledger_event ev;
	struct ledger *l;
	unsigned char *der;
	size_t len;
	char err[512];
	int rc;

	if (o->cert == NULL)
		usage();
	if (file_read_all(o->cert, 2 * LEDGER_BLOB_MAX, &der, &len) != 0)
		fatal("%s", o->cert);
	if (len > 10 && memcmp(der, "-----BEGIN", 10) == 0)
		pem_to_der(o->cert, &der, &len);
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_GENESIS;
	ev.actor_kind = ACTOR_CA;
	ev.actor = "CA";
	ev.u.genesis.ca_cert.p = der;
	ev.u.genesis.ca_cert.len = len;
	l = open_or_die(o);
	rc = ledger_append(l, &ev, NULL, err, sizeof(err));
	if (rc == LEDGER_OK && o->first_admin != NULL)
		rc = journal_first_admin(l, o->first_admin, err, sizeof(err));
	ledger_close(l);
	free(der);
	if (rc != LEDGER_OK) {
		log_warnx("genesis%s refused: %s", o->first_admin ? " or the first administrator's event" : "",
			  err);
		return 1;
	}
	printf("ledger started in %s/%s: event 1 (genesis) names the CA certificate %s\n",
	       o->dir, LEDGER_DIR, o->cert);
	return 0;
}

/* --anchor SEQ,HEAD,TIME,CRL: decimal seq, 64 hex digits, unix time, decimal CRL
 * number (caadm writes it from a checkpoint whose signature it checked). */
static void parse_anchor(const char *s, struct ledger_anchor *a)
{
	char head[2 * LEDGER_HASH_LEN + 1];
	unsigned long long seq, crl;
	long long t;
	size_t n;
	int used = 0;

	if (sscanf(s, "%llu,%64[0-9a-fA-F],%lld,%llu%n", &seq, head, &t, &crl, &used) != 4 ||
	    s[used] != 0 || seq == 0 || hex_decode(head, a->head, LEDGER_HASH_LEN, &n) != 0 ||
	    n != LEDGER_HASH_LEN)
		fatalx("--anchor: want SEQ,HEAD(64 hex digits),TIME,CRL");
	a->seq = seq;
	a->time = t;
	a->crl_number = crl;
}

/* The ledger against an anchor: 0 or -1 with msg (anchor.h). */
static int compare_anchor(struct ledger *l, const struct ledger_anchor *a, const char *source,
			  char *msg, size_t msglen)
{
	uint8_t head[LEDGER_HASH_LEN], at[LEDGER_HASH_LEN];
	uint64_t seq;
	uint8_t *rec = NULL;
	size_t len;
	int have = 0;

	ledger_head(l, &seq, head);
	if (seq >= a->seq && ledger_get_record(l, a->seq, &rec, &len) == LEDGER_OK) {
		ledger_record_hash(rec, len, at);
		have = 1;
	}
	free(rec);
	return ledger_anchor_compare(a, source, seq, have ? at : NULL, msg, msglen);
}

/* A verified ledger's head for `caadm checkpoint --reanchor`: "SEQ,HEAD,CRL\n"
 * (the latest CRL's number, 0 for none) on fd. 0 or -1. */
static int write_head(struct ledger *l, int fd)
{
	uint8_t head[LEDGER_HASH_LEN];
	char hex[2 * LEDGER_HASH_LEN + 1], line[160];
	struct ledger_crl_row row;
	uint64_t seq, number = 0;
	int n, rc;

	ledger_head(l, &seq, head);
	rc = ledger_crl_latest(l, 0, &number, &row);
	if (rc == LEDGER_ENOTFOUND)
		number = 0;
	else if (rc != LEDGER_OK)
		return -1;
	hex_encode(head, LEDGER_HASH_LEN, hex);
	n = snprintf(line, sizeof(line), "%llu,%s,%llu\n", (unsigned long long)seq, hex,
		     (unsigned long long)number);
	return write(fd, line, (size_t)n) == n ? 0 : -1;
}

/* The newest checkpoint event's seq into *seq (0: the ledger holds none),
 * searched from the head back; 0, or -1 with err. */
static int newest_checkpoint(struct ledger *l, uint64_t *seq, char *err, size_t errlen)
{
	static char strbuf[LEDGER_STRBUF];
	uint8_t hash[LEDGER_HASH_LEN];
	uint64_t head;

	*seq = 0;
	ledger_head(l, &head, hash);
	for (uint64_t s = head; s >= 1; s--) {
		struct ledger_event ev;
		uint8_t *rec;
		size_t len;
		int bad;

		if (ledger_get_record(l, s, &rec, &len) != LEDGER_OK) {
			snprintf(err, errlen, "record %llu cannot be read", (unsigned long long)s);
			return -1;
		}
		bad = ledger_record_decode(rec, len, &ev, strbuf, sizeof(strbuf), err, errlen);
		free(rec);
		if (bad != 0)
			return -1;
		if (ev.type == EV_CHECKPOINT) {
			*seq = s;
			return 0;
		}
	}
	return 0;
}

/* --unanchored: the token holds no valid anchor. A ledger that was anchored
 * (it holds a checkpoint) is refused, as the custodian refuses to start with
 * it: otherwise deleting two token objects would undo the comparison. */
static int check_unanchored(struct ledger *l, char *err, size_t errlen)
{
	uint64_t seq;

	if (newest_checkpoint(l, &seq, err, errlen) != 0)
		return -1;
	if (seq == 0)
		return 0;
	snprintf(err, errlen, "the HSM holds no valid ledger anchor but the ledger was anchored "
		 "(a checkpoint at seq %llu): the anchors were removed or damaged; if that is "
		 "known, `caadm checkpoint --reanchor`", (unsigned long long)seq);
	return -1;
}

static int cmd_verify(struct opts *o)
{
	struct ledger_anchor a;
	struct ledger *l;
	uint64_t n;
	char err[512], when[32];
	int rc;

	if (o->anchor != NULL)
		parse_anchor(o->anchor, &a);
	o->flags |= LEDGER_AUDIT;
	l = open_or_die(o);
	rc = ledger_verify(l, &n, err, sizeof(err));
	if (rc == 0 && o->anchor != NULL)
		rc = compare_anchor(l, &a, o->anchor_source ? o->anchor_source : "the checkpoint",
				    err, sizeof(err));
	if (rc == 0 && o->unanchored)
		rc = check_unanchored(l, err, sizeof(err));
	if (rc == 0 && o->head_fd >= 0 && write_head(l, o->head_fd) != 0)
		fatal("--head-fd");
	ledger_close(l);
	if (rc != 0) {
		printf("ledger verification FAILED: %s\n", err);
		return 1;
	}
	printf("ledger verified: %llu events, the hash chain holds from genesis, every index "
	       "matches its rebuild\n", (unsigned long long)n);
	if (o->anchor != NULL) {
		ledger_time_text(a.time, when, sizeof(when));
		printf("ledger matches %s of %s: record %llu, CRL number %llu\n",
		       o->anchor_source ? o->anchor_source : "the checkpoint", when,
		       (unsigned long long)a.seq, (unsigned long long)a.crl_number);
	}
	return 0;
}

static void show_event(const struct ledger_event *ev)
{
	char line[1024];

	ledger_event_line(ev, line, sizeof(line));
	printf("%s\n", line);
}

static int cmd_show(const struct opts *o)
{
	static char strbuf[LEDGER_STRBUF];
	struct ledger *l = open_or_die(o);
	uint64_t head;
	char err[256];

	ledger_head(l, &head, NULL);
	for (uint64_t seq = 1; seq <= head; seq++) {
		struct ledger_event ev;
		uint8_t *rec;
		size_t len;

		if (ledger_get_record(l, seq, &rec, &len) != LEDGER_OK) {
			printf("%llu (missing)\n", (unsigned long long)seq);
			continue;
		}
		if (ledger_record_decode(rec, len, &ev, strbuf, sizeof(strbuf), err,
					 sizeof(err)) != 0)
			printf("%llu (does not decode: %s)\n", (unsigned long long)seq, err);
		else
			show_event(&ev);
		free(rec);
	}
	ledger_close(l);
	return 0;
}

/* One server per ledger: two would each keep their own head and shared commits
 * and break the chain. The lock lives as long as the process (and dies with it). */
static void lock_or_die(const struct opts *o)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", o->dir, LEDGER_DIR);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		fatal("%s", path);
	snprintf(path, sizeof(path), "%s/%s/serve.lock", o->dir, LEDGER_DIR);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		fatal("%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		refuse_to_start("another ca-ledger is serving %s", o->dir);
}

/* Run by root (cad on the appliance, caadm or an operator on the console) on a
 * ledger that belongs to a service user (cad gives DATA/ledger to ca-ledger), the
 * ledger becomes that user before it opens anything: files it creates stay the
 * owner's, so the service can always open them again. Its region home is handed
 * over too: an earlier run as root (the ceremony's genesis) leaves it root's, and
 * make_home() refuses a home that is not the caller's. */
static void become_ledger_owner(const char *dir)
{
	char path[PATH_MAX], id[17] = "";
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, LEDGER_DIR);
	if (geteuid() != 0 || lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid == 0)
		return;
	snprintf(path, sizeof(path), "%s/%s/region-id", dir, LEDGER_DIR);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		n = read(fd, id, 16);
		close(fd);
		id[n == 16 ? 16 : 0] = 0;
	}
	if (id[0] != 0 && strspn(id, "0123456789abcdef") == 16) {
		DIR *d;
		struct dirent *e;

		snprintf(path, sizeof(path), "%s/ca-ledger-%s", CONFIG_LEDGER_REGION_DIR, id);
		if ((d = opendir(path)) != NULL) {
			/* The home and its region files, never following a link. */
			while ((e = readdir(d)) != NULL)
				if (strcmp(e->d_name, "..") != 0 &&
				    fchownat(dirfd(d), e->d_name, st.st_uid, st.st_gid,
					     AT_SYMLINK_NOFOLLOW) != 0)
					fatal("%s/%s", path, e->d_name);
			closedir(d);
		}
	}
	if (setgroups(0, NULL) != 0 || setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0 ||
	    setuid(0) == 0)
		fatalx("cannot become the ledger's owner (uid %d)", (int)st.st_uid);
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *verb;
	struct ledger *l;
	char err[256];
	int rc;

	log_init("ca-ledger");
	if (argc < 2)
		usage();
	verb = argv[1];
	parse(argc - 1, argv + 1, &o);
	become_ledger_owner(o.dir);
	if (strcmp(verb, "genesis") == 0)
		return cmd_genesis(&o);
	if (strcmp(verb, "verify") == 0)
		return cmd_verify(&o);
	if (strcmp(verb, "show") == 0)
		return cmd_show(&o);
	if (strcmp(verb, "serve") != 0)
		usage();
	if (o.fd < 0)
		fatalx("serve needs --fd N (the IPC descriptor)");
	lock_or_die(&o);
	l = open_or_die(&o);
	/* cad passes ca.conf's ledger_reserve_mb and ledger_low_space_mb. */
	if (ledger_space_watch(l, o.reserve_mb, o.low_mb, err, sizeof(err)) != 0)
		fatalx("%s", err);
	/* The environment is open (recovered if it had to be): what follows answers
	 * the custodian under the ledger's own allow-list. */
	if (ledger_sandbox(err, sizeof(err)) != 0)
		fatalx("refusing to serve unconfined: %s", err);
	rc = ledger_serve(l, o.fd, "custodian", o.threads);
	ledger_close(l);
	return rc == 0 ? 0 : 1;
}
