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
#include "firmware/ledger/audit.h"
#include "firmware/ledger/sandbox.h"
#include "firmware/ledger/serve.h"
#include "platform/atomicfile.h"
#include "platform/conf.h"
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
		rc = ledger_journal_first_admin(l, o->first_admin, err, sizeof(err));
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

/* `verify --head-fd N`: the head line (audit.h) on N. 0 or -1. */
static int write_head(struct ledger *l, int fd)
{
	char line[160];
	int n = ledger_head_line(l, line, sizeof(line));

	return n > 0 && write(fd, line, (size_t)n) == n ? 0 : -1;
}

static int cmd_verify(struct opts *o)
{
	struct ledger_anchor a;
	struct ledger *l;
	uint64_t n;
	char err[512], when[32];
	int rc;

	if (o->anchor != NULL && ledger_anchor_parse(o->anchor, &a) != 0)
		fatalx("--anchor: want SEQ,HEAD(64 hex digits),TIME,CRL");
	o->flags |= LEDGER_AUDIT;
	l = open_or_die(o);
	rc = ledger_verify(l, &n, err, sizeof(err));
	if (rc == 0 && o->anchor != NULL)
		rc = ledger_anchor_check(l, &a, o->anchor_source ? o->anchor_source : "the checkpoint",
				    err, sizeof(err));
	if (rc == 0 && o->unanchored)
		rc = ledger_check_unanchored(l, err, sizeof(err));
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

static int cmd_show(const struct opts *o)
{
	struct ledger *l = open_or_die(o);

	ledger_show(l, stdout);
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
