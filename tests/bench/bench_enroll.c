/* Benchmark: certificates issued end to end over MS-ICPR by a running appliance
 * (cad with ledger, custodian and worker, durable ledger), against raw C_Sign on
 * the same token and CA key, measured alternately in one run.
 *
 *   bench_enroll --data DIR --pin-file FILE --bin BINDIR [--seconds S] [--rounds R]
 *                [--conns 1,4,16] [--csrs N] [--sessions K] [--ca-name NAME]
 *                [--reconnect] [--arena-max N] [--ntlm DOMAIN\user --password-file F]
 *                [--client-key ec:p256|rsa:2048|...] [--dcom] [--krb SERVICE]
 *
 * DIR is a CA made by `caadm init` whose ca.conf says `policy = issue`,
 * `subject_rule = request` (its requesters choose their subjects) and
 * `icpr_enforce_encryption = 0`. The bench makes N PKCS#10 requests (P-256 client
 * keys, careq's keygen) before anything is timed (N: 1024 for EC client keys, 64
 * for RSA). Connection k sends requests k, k+C, k+2C ...: with EC keys each
 * connection must see more distinct keys than wolfSSL's fixed-point cache holds
 * (FP_ECC, 15 entries per thread), or whatever verifies on a per-connection
 * thread is timed with a cache real clients, a new key per request, never hit
 * (64 requests at C=16 made the worker's checks of a624cb6 look 40% cheaper), starts BINDIR/cad on
 * kernel-chosen loopback ports (its log in DIR/bench-cad.log) and then, R rounds:
 *
 * raw:    K threads, each on its own session of the bench's own (K = the custodian's
 *         HSM pool, CONFIG_HSM_SESSION_POOL), loop C_SignInit + C_Sign (bench_p11.c).
 * enroll: for each C of --conns, C threads each resolve the ICPR port through the
 *         endpoint mapper, connect and bind once (not timed), then loop
 *         CertServerRequest with the requests in turn for S seconds; an answer
 *         counts when it is disposition 3 (issued) with a certificate and a
 *         PKCS#7, and the first certificate of each connection is decoded and its
 *         signature checked against the CA certificate. --reconnect: every call
 *         after the first on a new connection (endpoint mapper, connect, bind:
 *         timed), as certreq and careq do.
 *
 * Each enroll line gives issued certificates/s, the ratio to the round's raw
 * rate, p50/p99 latency of a call, CPU time per certificate of each daemon and of
 * this client, and how busy the machine's CPUs were. The summary gives medians
 * per C and the target (RSA: issued/raw >= 0.75; EC: >= 1,500/s); then the RSS of
 * the daemons, cad stopped with SIGTERM, and `caadm verify --data DIR`. Exit
 * status 1 when a call failed, an answer was not an issued certificate, the
 * worker restarted, cad did not stop cleanly or the ledger does not verify.
 *
 * --ntlm: every measurement is made twice, one after the other in the same round:
 * unauthenticated, then with an NTLM bind at packet privacy per connection (a new
 * logon through ca-auth for each connection, every request and response fragment
 * signed and sealed); the summary gives both and their ratio. The CA must then
 * accept both (icpr_enforce_encryption = 0 and icpr_allow_anonymous = 1: sealed
 * calls cost the same either way) and hold the account (caadm account add).
 *
 * --krb SERVICE (host/ca.example.test@CA.TEST): in the same rounds, after the
 * unauthenticated (and NTLM) measurement, the same again with Kerberos at packet
 * privacy: auth type 9 (SPNEGO, the krb5 mechanism in DCE style) with a new
 * security context per connection (a new AP-REQ through ca-auth: a fresh
 * logon; the service ticket comes from the ccache, as Windows caches it),
 * every fragment sealed with RFC 4121 wrap tokens by MIT (bench_krb.c). The
 * credentials are the default ccache's (KRB5CCNAME, KRB5_CONFIG: run.sh's
 * BENCH_KRB=1 makes a realm); the CA holds the service's keytab and the
 * domain account. The summary gives it beside the others and its ratio to
 * the unauthenticated figure.
 *
 * --dcom (needs --ntlm: activation wants a logon): after the NTLM measurement,
 * the same load over MS-WCCE/DCOM, as careq -dcom and certreq: each thread
 * activates CCertRequestD (IRemoteSCMActivator on the endpoint mapper's port,
 * NTLM at packet privacy), connects to the OXID binding's port, binds
 * ICertRequestD2 (NTLM, privacy) once (not timed), then loops Request2 with
 * the object's IPID; the object is released at the end. With --reconnect, a
 * new activation, connection and logon per certificate, and a RemRelease of
 * the old object (timed), as certreq does. The summary compares DCOM with
 * MS-ICPR at the same authentication (medians, certificates/s, ratio).
 *
 * --arena-max N puts GLIBC_TUNABLES=glibc.malloc.arena_max=N in cad's environment
 * (and so its children's): a workaround for a worker that the sandbox kills when
 * glibc's malloc opens /sys/devices/system/cpu/online, which it does the first time
 * more than 8 threads want an arena (tests/bench/README.md). */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/client/client.h"
#include "firmware/client/ntlm_init.h"
#include "firmware/rpc/pdu.h"
#include "firmware/icpr/icpr.h"
#include "tests/bench/bench_krb.h"
#include "platform/atomicfile.h"
#include "platform/conf.h"
#include "platform/log.h"
#include "platform/secret.h"
#include "tests/bench/bench_p11.h"

#define MAX_CONNS 64
#define MAX_CONFIGS 8
#define MAX_ROUNDS 32
#define MAX_CSRS 4096
#define CALL_TIMEOUT_MS 60000
#define START_TIMEOUT_S 60
#define DISP_ISSUED 3

/* The daemons, as cad's children are named (cad itself first). */
enum { P_CAD, P_LEDGER, P_CUSTODIAN, P_WORKER, NPROC };
static const char *const proc_names[NPROC] = {"cad", "ca-ledger", "ca-custodian", "ca-worker"};

struct bench {
	const char *dir, *pin_file, *bin;
	double seconds;
	unsigned rounds, nconfigs, sessions, ncsrs, arena_max;
	int reconnect; /* a new connection (through the endpoint mapper) per call */
	const char *ntlm_user; /* --ntlm: also measured with NTLM at packet privacy */
	const char *client_key; /* --client-key: the requests' keys (careq's -key syntax) */
	struct secret password;
	int use_ntlm;  /* this measurement binds with NTLM */
	int dcom;      /* --dcom: also measured over MS-WCCE/DCOM (ICertRequestD2) */
	int use_dcom;  /* this measurement goes over DCOM */
	const char *krb_service; /* --krb: also measured with Kerberos at packet privacy */
	int use_krb;   /* this measurement binds with Kerberos */
	unsigned conns[MAX_CONFIGS];
	struct conf conf;
	char ca_name[256], log_path[4096];
	struct bench_p11 p11;
	struct x509_buf *csrs;
	struct x509_buf ca_spki;
	uint8_t *authority16, *attribs16;
	size_t authority_units, attribs_bytes;
	pid_t cad;
	uint16_t epm_port;
	/* One measurement. */
	unsigned nconns;
	double until;
	pthread_barrier_t ready, go;
};

/* What one connection did in one measurement. */
struct conn {
	struct bench *b;
	struct ntlmc *cred; /* with NTLM: this connection's credential and logon */
	struct krbc *krb;   /* with Kerberos: this connection's security context */
	unsigned idx;
	int connected;
	unsigned long issued, bad, failed;
	double *lat; /* seconds, one per issued certificate */
	size_t nlat, cap;
	char err[RPCC_ERR_LEN + 64];
};

/* One measurement's results. */
struct meas {
	double rate, p50, p99, busy;
	double cpu_us[NPROC + 1]; /* per certificate; [NPROC] is this client */
	unsigned long issued, bad, failed;
};

static pid_t cad_pid = -1;

/* A fatal error anywhere must not leave an appliance running. */
static void stop_cad_at_exit(void)
{
	if (cad_pid > 0) {
		kill(cad_pid, SIGTERM);
		waitpid(cad_pid, NULL, 0);
		cad_pid = -1;
	}
}

/* ---- /proc ---- */

/* ppid, comm and utime + stime (clock ticks) of pid; 0 or -1. */
static int proc_stat(pid_t pid, pid_t *ppid, char comm[64], unsigned long long *ticks)
{
	char path[64], buf[1024], *lp, *rp;
	unsigned long ut = 0, st = 0;
	int pp = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if ((lp = strchr(buf, '(')) == NULL || (rp = strrchr(buf, ')')) == NULL || rp < lp ||
	    sscanf(rp + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &pp, &ut,
		   &st) != 3)
		return -1;
	if (comm != NULL) {
		n = (size_t)(rp - lp - 1) < 63 ? (size_t)(rp - lp - 1) : 63;
		memcpy(comm, lp + 1, n);
		comm[n] = 0;
	}
	if (ppid != NULL)
		*ppid = pp;
	if (ticks != NULL)
		*ticks = (unsigned long long)ut + st;
	return 0;
}

/* cad and its children ledger, custodian and worker (0 where not found). */
static void find_procs(pid_t cad, pid_t pids[NPROC])
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	memset(pids, 0, sizeof(pid_t) * NPROC);
	pids[P_CAD] = cad;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char comm[64];
		pid_t pid, pp;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (pid_t)atoi(e->d_name);
		if (proc_stat(pid, &pp, comm, NULL) != 0 || pp != cad)
			continue;
		for (int i = 1; i < NPROC; i++)
			if (strcmp(comm, proc_names[i]) == 0)
				pids[i] = pid;
	}
	closedir(d);
}

/* VmRSS and VmHWM of pid in KiB (0 when unknown), and its threads. */
static void proc_rss(pid_t pid, unsigned long *rss, unsigned long *hwm, unsigned long *threads)
{
	char path[64], line[256];
	FILE *f;

	*rss = *hwm = *threads = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (pid <= 0 || (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = strtoul(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm = strtoul(line + 6, NULL, 10);
		else if (strncmp(line, "Threads:", 8) == 0)
			*threads = strtoul(line + 8, NULL, 10);
	}
	fclose(f);
}

/* Busy and total jiffies of all CPUs (/proc/stat: busy is all but idle and iowait). */
static void cpu_jiffies(unsigned long long *busy, unsigned long long *total)
{
	unsigned long long v[10] = {0};
	FILE *f = fopen("/proc/stat", "r");

	*busy = *total = 0;
	if (f == NULL)
		return;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]) >= 8) {
		for (int i = 0; i < 8; i++) /* guest time is already in user */
			*total += v[i];
		*busy = *total - v[3] - v[4];
	}
	fclose(f);
}

static double self_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- preparation ---- */

/* What the ledger's directory is on: durable appends mean nothing on tmpfs. */
static const char *fs_type(const char *dir)
{
	static char other[64];
	struct statfs st;

	if (statfs(dir, &st) != 0)
		return "an unknown file system";
	switch ((unsigned long)st.f_type) {
	case TMPFS_MAGIC: return "tmpfs (fdatasync is free here: figures are meaningless)";
	case RAMFS_MAGIC: return "ramfs (fdatasync is free here: figures are meaningless)";
	case EXT4_SUPER_MAGIC: return "ext2/3/4";
	case XFS_SUPER_MAGIC: return "xfs";
	case BTRFS_SUPER_MAGIC: return "btrfs";
	default:
		snprintf(other, sizeof(other), "f_type %#lx", (unsigned long)st.f_type);
		return other;
	}
}

/* The CN of an RFC 4514 subject as written in ca.conf ("CN=Bench rsa:3072"). */
static int common_name(const char *dn, char *out, size_t outsz)
{
	const char *p = dn;
	size_t o = 0;

	while (*p != 0) {
		while (*p == ' ')
			p++;
		if ((p[0] == 'C' || p[0] == 'c') && (p[1] == 'N' || p[1] == 'n') && p[2] == '=') {
			for (p += 3; *p != 0 && *p != ',' && o + 1 < outsz; p++) {
				if (*p == '\\' && p[1] != 0)
					p++;
				out[o++] = *p;
			}
			out[o] = 0;
			return o > 0 ? 0 : -1;
		}
		while (*p != 0 && *p != ',')
			p += (*p == '\\' && p[1] != 0) ? 2 : 1;
		if (*p == ',')
			p++;
	}
	return -1;
}

static uint8_t *utf16(const char *s, size_t *bytes)
{
	size_t need = 0;
	uint8_t *out;

	if (icpr_utf8_to_utf16(s, strlen(s), NULL, 0, &need) != ICPR_OK ||
	    (out = malloc(need)) == NULL ||
	    icpr_utf8_to_utf16(s, strlen(s), out, need, bytes) != ICPR_OK)
		fatalx("cannot convert '%s' to UTF-16", s);
	return out;
}

/* ca.conf checked, the CA name, the CA's SPKI, the request's text fields. */
static void load_ca(struct bench *b, const char *ca_name)
{
	const char *v;
	char path[4096], err[256];
	unsigned char *pem;
	struct x509_buf *certs = NULL;
	struct x509_cert_info ci;
	size_t len, n = 0, bytes = 0;

	snprintf(path, sizeof(path), "%s/ca.conf", b->dir);
	if (conf_load(path, &b->conf, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if ((v = conf_get(&b->conf, "policy")) == NULL || strcmp(v, "issue") != 0 ||
	    (v = conf_get(&b->conf, "subject_rule")) == NULL || strcmp(v, "request") != 0 ||
	    (v = conf_get(&b->conf, "icpr_enforce_encryption")) == NULL || strcmp(v, "0") != 0)
		fatalx("%s: needs 'policy = issue', 'subject_rule = request' and "
		       "'icpr_enforce_encryption = 0'", path);
	if (ca_name != NULL)
		snprintf(b->ca_name, sizeof(b->ca_name), "%s", ca_name);
	else if ((v = conf_get(&b->conf, "subject")) == NULL ||
		 common_name(v, b->ca_name, sizeof(b->ca_name)) != 0)
		fatalx("%s: no subject with a CN (give --ca-name)", path);
	snprintf(path, sizeof(path), "%s/ca.crt", b->dir);
	if (file_read_all(path, 1 << 20, &pem, &len) != 0 ||
	    x509_pem_decode_all("CERTIFICATE", pem, len, &certs, &n) != 0 || n < 1 ||
	    x509_cert_decode(certs[0].data, certs[0].len, &ci, err, sizeof(err)) != 0)
		fatalx("%s: cannot read the CA certificate", path);
	b->ca_spki.len = ci.spki.len;
	if ((b->ca_spki.data = malloc(ci.spki.len)) == NULL)
		fatalx("out of memory");
	memcpy(b->ca_spki.data, ci.spki.data, ci.spki.len);
	x509_cert_info_free(&ci);
	for (size_t i = 0; i < n; i++)
		x509_buf_free(&certs[i]);
	free(certs);
	free(pem);
	b->authority16 = utf16(b->ca_name, &bytes);
	b->authority_units = bytes / 2 - 1; /* without the NUL, which the encoder adds */
	/* pctbAttribs: the UTF-16 octets with the NUL (MS-ICPR 3.2.4.1.1), as Windows. */
	b->attribs16 = utf16("rmd:bench.example", &b->attribs_bytes);
}

static void make_csrs(struct bench *b)
{
	struct keyspec ks;
	char subject[128], err[CLIENT_ERR_LEN];
	double t0 = bench_now();

	if (keyspec_parse(b->client_key, &ks) != 0)
		fatalx("--client-key %s: not a key careq makes", b->client_key);
	if ((b->csrs = calloc(b->ncsrs, sizeof(*b->csrs))) == NULL)
		fatalx("out of memory");
	for (unsigned i = 0; i < b->ncsrs; i++) {
		struct x509_buf key = {0};

		snprintf(subject, sizeof(subject), "CN=bench-client-%u.example,O=Bench", i + 1);
		if (keygen_request(&ks, subject, &key, &b->csrs[i], err, sizeof(err)) != 0)
			fatalx("request %u: %s", i + 1, err);
		explicit_bzero(key.data, key.len);
		x509_buf_free(&key);
	}
	printf("%u PKCS#10 requests (%s client keys) made in %.2f s, before timing\n", b->ncsrs,
	       b->client_key, bench_now() - t0);
}

/* ---- the appliance ---- */

static void start_cad(struct bench *b)
{
	char path[4096 + 16];
	unsigned char *text = NULL;
	size_t len;
	int fd, epm = 0, icpr = 0;
	double deadline = bench_now() + START_TIMEOUT_S;

	snprintf(b->log_path, sizeof(b->log_path), "%s/bench-cad.log", b->dir);
	snprintf(path, sizeof(path), "%s/cad", b->bin);
	if ((fd = open(b->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC,
		       0600)) < 0)
		fatal("%s", b->log_path);
	fflush(NULL);
	if ((b->cad = fork()) < 0)
		fatal("fork");
	if (b->cad == 0) {
		/* Should this process die, cad is told to stop. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (b->arena_max > 0) {
			char tun[64];

			snprintf(tun, sizeof(tun), "glibc.malloc.arena_max=%u", b->arena_max);
			setenv("GLIBC_TUNABLES", tun, 1);
		}
		dup2(fd, 1);
		dup2(fd, 2);
		execl(path, "cad", "--data", b->dir, "--pin-file", b->pin_file, "--epm",
		      "127.0.0.1:0", "--icpr", "127.0.0.1:0", (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(fd);
	cad_pid = b->cad;
	for (;;) {
		const char *p;

		free(text);
		text = NULL;
		if (file_read_all(b->log_path, 1 << 24, &text, &len) == 0 &&
		    (p = strstr((char *)text, "endpoint mapper on port ")) != NULL &&
		    sscanf(p, "endpoint mapper on port %d, MS-ICPR on port %d", &epm, &icpr) == 2 &&
		    strstr((char *)text, "serving CA") != NULL)
			break;
		if (waitpid(b->cad, NULL, WNOHANG) == b->cad) {
			cad_pid = -1;
			fatalx("cad stopped at start:\n%s", text != NULL ? (char *)text : "");
		}
		if (bench_now() > deadline)
			fatalx("cad did not come up within %d s:\n%s", START_TIMEOUT_S,
			       text != NULL ? (char *)text : "");
		usleep(50 * 1000);
	}
	free(text);
	if (epm < 1 || epm > 65535 || icpr < 1 || icpr > 65535)
		fatalx("cad reported bad ports");
	b->epm_port = (uint16_t)epm;
	printf("cad (pid %d) up: endpoint mapper on port %d, MS-ICPR on port %d; CA '%s'; "
	       "log %s\n", (int)b->cad, epm, icpr, b->ca_name, b->log_path);
}

/* "worker started" lines of cad's log: 1 unless the worker was restarted. */
static unsigned worker_starts(const struct bench *b)
{
	unsigned char *text;
	size_t len;
	unsigned n = 0;

	if (file_read_all(b->log_path, 1 << 26, &text, &len) != 0)
		return 0;
	for (const char *p = (char *)text; (p = strstr(p, "worker started")) != NULL; p++)
		n++;
	free(text);
	return n;
}

/* cad's warnings and errors (worker deaths and the like), for a failed run. */
static void print_log_problems(const struct bench *b)
{
	char line[1024];
	unsigned n = 0;
	FILE *f = fopen(b->log_path, "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL && n < 20)
		if ((strstr(line, "warning: ") != NULL || strstr(line, "fatal: ") != NULL) &&
		    strstr(line, "IF_ENFORCEENCRYPTICERTREQUEST") == NULL) {
			if (n++ == 0)
				printf("from %s:\n", b->log_path);
			printf("  %s", line);
		}
	fclose(f);
}

/* ---- the load ---- */

/* Through the endpoint mapper to a bound ICPR connection, as careq does. */
static int open_icpr(struct bench *b, struct conn *k, struct rpcc *c, char *err,
		     size_t errlen)
{
	struct rpcc_auth auth = {0};
	struct sockaddr_in sa;
	struct rpcc e;
	uint16_t port = 0;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(b->epm_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = -1;
	if ((rc = rpcc_connect(&e, (struct sockaddr *)&sa, sizeof(sa), CALL_TIMEOUT_MS, 0)) !=
	    RPCC_OK) {
		snprintf(err, errlen, "endpoint mapper: %s", e.err);
		return rc;
	}
	if ((rc = rpcc_bind(&e, &rpc_iface_epm)) == RPCC_OK)
		rc = epmc_map(&e, &rpc_iface_icpr, &port);
	if (rc != RPCC_OK)
		snprintf(err, errlen, "endpoint mapper: %s", e.err);
	rpcc_close(&e);
	if (rc != RPCC_OK)
		return rc;
	sa.sin_port = htons(port);
	if (b->use_ntlm) { /* a fresh logon per connection */
		ntlmc_free(k->cred);
		if ((k->cred = ntlmc_new(b->ntlm_user, (const char *)b->password.buf, err,
					 errlen)) == NULL)
			return RPCC_EREFUSED;
		ntlmc_auth(k->cred, RPC_AUTHN_LEVEL_PKT_PRIVACY, &auth);
	} else if (b->use_krb) { /* each bind starts a new context: a fresh AP-REQ */
		if (k->krb == NULL &&
		    (k->krb = krbc_new(b->krb_service, err, errlen)) == NULL)
			return RPCC_EREFUSED;
		krbc_auth(k->krb, &auth);
	}
	if ((rc = rpcc_connect(c, (struct sockaddr *)&sa, sizeof(sa), CALL_TIMEOUT_MS, 0)) ==
		    RPCC_OK &&
	    (rc = b->use_ntlm || b->use_krb ? rpcc_bind_auth(c, &rpc_iface_icpr, &auth)
					    : rpcc_bind(c, &rpc_iface_icpr)) != RPCC_OK)
		rpcc_close(c);
	if (rc != RPCC_OK)
		snprintf(err, errlen, "MS-ICPR port %u: %s", port, c->err);
	return rc;
}

static void push_latency(struct conn *k, double s)
{
	if (k->nlat == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 4096;
		double *p = realloc(k->lat, cap * sizeof(double));

		if (p == NULL)
			fatalx("out of memory");
		k->lat = p;
		k->cap = cap;
	}
	k->lat[k->nlat++] = s;
}

/* The certificate decodes and the CA key's signature on it verifies. */
static int check_cert(const struct bench *b, const struct rpc_icpr_response *r, char *err,
		      size_t errlen)
{
	struct x509_cert_info ci;
	int rc;

	if (x509_cert_decode(r->encoded_cert.pb, r->encoded_cert.cb, &ci, err, errlen) != 0)
		return -1;
	rc = x509_verify_signature(&ci, b->ca_spki.data, b->ca_spki.len, err, errlen);
	x509_cert_info_free(&ci);
	return rc;
}

/* A fresh logon and an activated ICertRequestD2 object (client.h's dcomc). */
static int open_dcom(struct bench *b, struct conn *k, struct dcomc *d, struct rpcc_auth *auth,
		     char *err, size_t errlen)
{
	struct enroll_target t;

	memset(&t, 0, sizeof(t));
	strcpy(t.host, "127.0.0.1");
	snprintf(t.port, sizeof(t.port), "%u", b->epm_port);
	t.timeout_ms = CALL_TIMEOUT_MS;
	ntlmc_free(k->cred);
	if ((k->cred = ntlmc_new(b->ntlm_user, (const char *)b->password.buf, err, errlen)) ==
	    NULL)
		return RPCC_EREFUSED;
	ntlmc_auth(k->cred, RPC_AUTHN_LEVEL_PKT_PRIVACY, auth);
	t.auth = auth;
	return dcomc_open(&t, d, err, errlen);
}

static void dcom_close(struct bench *b, struct dcomc *d, const struct rpcc_auth *auth)
{
	struct enroll_target t;

	memset(&t, 0, sizeof(t));
	strcpy(t.host, "127.0.0.1");
	t.timeout_ms = CALL_TIMEOUT_MS;
	t.auth = auth;
	(void)b;
	dcomc_close(d, &t, 1);
}

/* conn_main over DCOM: Request2 on the activated object. */
static void *conn_main_dcom(void *arg)
{
	struct conn *k = arg;
	struct bench *b = k->b;
	struct rpc_icpr_request q;
	struct rpc_icpr_response resp;
	struct rpcc_auth auth;
	struct ndr_wr out;
	struct dcomc d;
	char err[256];

	k->connected = open_dcom(b, k, &d, &auth, k->err, sizeof(k->err)) == RPCC_OK;
	pthread_barrier_wait(&b->ready);
	pthread_barrier_wait(&b->go);
	if (!k->connected) {
		k->failed++;
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.has_authority = 1;
	q.authority = b->authority16;
	q.authority_units = b->authority_units;
	q.attribs.pb = b->attribs16;
	q.attribs.cb = (uint32_t)b->attribs_bytes;
	ndr_wr_init(&out, RPCC_MAX_STUB);
	for (unsigned long i = 0;; i++) {
		const struct x509_buf *csr = &b->csrs[(k->idx + i * b->nconns) % b->ncsrs];
		double t0 = bench_now(), t1;
		int rc;

		if (t0 >= b->until)
			break;
		if (b->reconnect && i > 0) {
			dcom_close(b, &d, &auth);
			if (open_dcom(b, k, &d, &auth, k->err, sizeof(k->err)) != RPCC_OK) {
				k->connected = 0;
				k->failed++;
				break;
			}
		}
		q.request.pb = csr->data;
		q.request.cb = (uint32_t)csr->len;
		rc = dcomc_request2(&d, &q, &out, &resp);
		t1 = bench_now();
		if (rc != RPCC_OK) {
			snprintf(k->err, sizeof(k->err), "Request2: %s", d.c.err);
			k->failed++;
			break;
		}
		if (resp.status != 0 || resp.disposition != DISP_ISSUED ||
		    resp.encoded_cert.cb == 0 || resp.cert.cb == 0) {
			if (k->bad++ == 0)
				snprintf(k->err, sizeof(k->err),
					 "answer: status %#x, disposition %#x, certificate %u "
					 "octets", resp.status, resp.disposition,
					 resp.encoded_cert.cb);
			continue;
		}
		if (k->issued == 0 && check_cert(b, &resp, err, sizeof(err)) != 0) {
			snprintf(k->err, sizeof(k->err), "issued certificate: %s", err);
			k->bad++;
			continue;
		}
		if (t1 > b->until)
			break;
		k->issued++;
		push_latency(k, t1 - t0);
	}
	ndr_wr_free(&out);
	if (k->connected)
		dcom_close(b, &d, &auth);
out:
	ntlmc_free(k->cred);
	k->cred = NULL;
	return NULL;
}

static void *conn_main(void *arg)
{
	struct conn *k = arg;
	struct bench *b = k->b;
	struct rpc_icpr_request q;
	struct rpc_icpr_response resp;
	struct ndr_wr out;
	struct rpcc c;
	char err[256];

	k->connected = open_icpr(b, k, &c, k->err, sizeof(k->err)) == RPCC_OK;
	pthread_barrier_wait(&b->ready);
	pthread_barrier_wait(&b->go); /* b->until is set */
	if (!k->connected) {
		k->failed++;
		ntlmc_free(k->cred);
		k->cred = NULL;
		krbc_free(k->krb);
		k->krb = NULL;
		return NULL;
	}
	memset(&q, 0, sizeof(q));
	q.has_authority = 1;
	q.authority = b->authority16;
	q.authority_units = b->authority_units;
	q.attribs.pb = b->attribs16;
	q.attribs.cb = (uint32_t)b->attribs_bytes;
	ndr_wr_init(&out, RPCC_MAX_STUB);
	for (unsigned long i = 0;; i++) {
		const struct x509_buf *csr = &b->csrs[(k->idx + i * b->nconns) % b->ncsrs];
		double t0 = bench_now(), t1;
		int rc;

		if (t0 >= b->until)
			break;
		if (b->reconnect && i > 0) {
			rpcc_close(&c);
			if (open_icpr(b, k, &c, k->err, sizeof(k->err)) != RPCC_OK) {
				k->failed++;
				break;
			}
		}
		q.request.pb = csr->data;
		q.request.cb = (uint32_t)csr->len;
		rc = icprc_call(&c, &q, &out, &resp);
		t1 = bench_now();
		if (rc != RPCC_OK) {
			snprintf(k->err, sizeof(k->err), "CertServerRequest: %s", c.err);
			k->failed++;
			break;
		}
		if (resp.status != 0 || resp.disposition != DISP_ISSUED ||
		    resp.encoded_cert.cb == 0 || resp.cert.cb == 0) {
			if (k->bad++ == 0)
				snprintf(k->err, sizeof(k->err),
					 "answer: status %#x, disposition %#x, certificate %u "
					 "octets", resp.status, resp.disposition,
					 resp.encoded_cert.cb);
			continue;
		}
		if (k->issued == 0 && check_cert(b, &resp, err, sizeof(err)) != 0) {
			snprintf(k->err, sizeof(k->err), "issued certificate: %s", err);
			k->bad++;
			continue;
		}
		if (t1 > b->until)
			break; /* finished after the end: not counted */
		k->issued++;
		push_latency(k, t1 - t0);
	}
	ndr_wr_free(&out);
	rpcc_close(&c);
	ntlmc_free(k->cred);
	k->cred = NULL;
	krbc_free(k->krb);
	k->krb = NULL;
	return NULL;
}

static double percentile(const double *sorted, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return sorted[i < n ? i : n - 1];
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct meas run_enroll(struct bench *b, unsigned nconns)
{
	pthread_t tid[MAX_CONNS];
	struct conn *k = calloc(nconns, sizeof(*k));
	struct meas m;
	pid_t pids[NPROC];
	unsigned long long t0[NPROC], t1[NPROC], busy0, busy1, tot0, tot1;
	double start, self0, *all;
	size_t nall = 0;
	long hz = sysconf(_SC_CLK_TCK);

	memset(&m, 0, sizeof(m));
	if (k == NULL)
		fatalx("out of memory");
	b->nconns = nconns;
	find_procs(b->cad, pids);
	if (pthread_barrier_init(&b->ready, NULL, nconns + 1) != 0 ||
	    pthread_barrier_init(&b->go, NULL, nconns + 1) != 0)
		fatalx("pthread_barrier_init");
	for (unsigned i = 0; i < nconns; i++) {
		k[i].b = b;
		k[i].idx = i;
		if (pthread_create(&tid[i], NULL, b->use_dcom ? conn_main_dcom : conn_main,
				   &k[i]) != 0)
			fatalx("pthread_create");
	}
	pthread_barrier_wait(&b->ready); /* every connection bound (or failed) */
	for (int i = 0; i < NPROC; i++)
		if (pids[i] <= 0 || proc_stat(pids[i], NULL, NULL, &t0[i]) != 0)
			t0[i] = 0;
	cpu_jiffies(&busy0, &tot0);
	self0 = self_cpu_s();
	start = bench_now();
	b->until = start + b->seconds;
	pthread_barrier_wait(&b->go);
	for (unsigned i = 0; i < nconns; i++)
		pthread_join(tid[i], NULL);
	/* The threads stop at b->until, less the call each had in flight. */
	m.busy = 0;
	cpu_jiffies(&busy1, &tot1);
	for (int i = 0; i < NPROC; i++)
		if (pids[i] <= 0 || proc_stat(pids[i], NULL, NULL, &t1[i]) != 0)
			t1[i] = t0[i];
	for (unsigned i = 0; i < nconns; i++) {
		m.issued += k[i].issued;
		m.bad += k[i].bad;
		m.failed += k[i].failed;
		if (k[i].err[0] != 0)
			fprintf(stderr, "connection %u: %s\n", i + 1, k[i].err);
	}
	m.rate = (double)m.issued / b->seconds;
	if (tot1 > tot0)
		m.busy = (double)(busy1 - busy0) / (double)(tot1 - tot0);
	for (int i = 0; i < NPROC; i++)
		m.cpu_us[i] = m.issued ? (double)(t1[i] - t0[i]) / (double)hz * 1e6 /
						 (double)m.issued
				       : 0;
	m.cpu_us[NPROC] = m.issued ? (self_cpu_s() - self0) * 1e6 / (double)m.issued : 0;
	if ((all = malloc((m.issued + 1) * sizeof(double))) == NULL)
		fatalx("out of memory");
	for (unsigned i = 0; i < nconns; i++) {
		memcpy(all + nall, k[i].lat, k[i].nlat * sizeof(double));
		nall += k[i].nlat;
		free(k[i].lat);
	}
	qsort(all, nall, sizeof(double), cmp_double);
	m.p50 = percentile(all, nall, 0.50);
	m.p99 = percentile(all, nall, 0.99);
	free(all);
	free(k);
	pthread_barrier_destroy(&b->ready);
	pthread_barrier_destroy(&b->go);
	return m;
}

/* ---- the report ---- */

static void print_meas(unsigned round, unsigned nconns, const struct meas *m, double raw,
		       const char *mode)
{
	printf("round %u: %s C=%-2u issued %6.0f/s  ratio %.3f  p50 %6.2f ms  p99 %6.2f ms  "
	       "CPU/cert µs: worker %4.0f custodian %4.0f ledger %4.0f client %4.0f  "
	       "CPUs busy %3.0f%%%s\n",
	       round, mode, nconns, m->rate, m->rate / raw, m->p50 * 1e3, m->p99 * 1e3,
	       m->cpu_us[P_WORKER], m->cpu_us[P_CUSTODIAN], m->cpu_us[P_LEDGER],
	       m->cpu_us[NPROC], m->busy * 100, m->bad + m->failed ? "  ERRORS" : "");
}

/* Medians per C over the rounds, and the target. */
static void summarize(const struct bench *b, struct meas ms[][MAX_CONFIGS], const double *raw,
		      int is_rsa)
{
	double best = 0, v[MAX_ROUNDS];
	unsigned best_c = 0;

	printf("summary (medians over %u round(s)):\n", b->rounds);
	memcpy(v, raw, sizeof(double) * b->rounds);
	printf("  raw C_Sign, %u sessions: %.0f/s\n", b->sessions, bench_median(v, b->rounds));
	printf("  %-4s %9s %7s %8s %8s %7s %10s %7s %7s %6s\n", "C", "issued/s", "ratio",
	       "p50 ms", "p99 ms", "worker", "custodian", "ledger", "client", "busy");
	for (unsigned j = 0; j < b->nconfigs; j++) {
		double col[9][MAX_ROUNDS], med[9];
		unsigned long errors = 0;

		for (unsigned r = 0; r < b->rounds; r++) {
			const struct meas *m = &ms[r][j];

			errors += m->bad + m->failed;

			col[0][r] = m->rate;
			col[1][r] = m->rate / raw[r];
			col[2][r] = m->p50 * 1e3;
			col[3][r] = m->p99 * 1e3;
			col[4][r] = m->cpu_us[P_WORKER];
			col[5][r] = m->cpu_us[P_CUSTODIAN];
			col[6][r] = m->cpu_us[P_LEDGER];
			col[7][r] = m->cpu_us[NPROC];
			col[8][r] = m->busy * 100;
		}
		for (int c = 0; c < 9; c++)
			med[c] = bench_median(col[c], b->rounds);
		printf("  %-4u %9.0f %7.3f %8.2f %8.2f %7.0f %10.0f %7.0f %7.0f %5.0f%%%s\n",
		       b->conns[j], med[0], med[1], med[2], med[3], med[4], med[5], med[6], med[7],
		       med[8], errors ? "  ERRORS: not a measurement" : "");
		if (errors == 0 && (is_rsa ? med[1] : med[0]) > best) {
			best = is_rsa ? med[1] : med[0];
			best_c = b->conns[j];
		}
	}
	printf("  (worker .. client: µs of CPU per issued certificate; busy: all the CPUs)\n");
	if (is_rsa)
		printf("target RSA: issued/raw >= 0.75 with %u HSM sessions: %s (best %.3f at "
		       "C=%u)\n", b->sessions, best >= 0.75 ? "met" : "MISSED", best, best_c);
	else
		printf("target EC: >= 1500 certificates/s: %s (best %.0f/s at C=%u)\n",
		       best >= 1500 ? "met" : "MISSED", best, best_c);
}

/* Certificates/s of two kinds of measurement (what, a's name, n's name),
 * medians per C, and the ratio of the medians (n / a). */
static void compare(const struct bench *b, struct meas a[][MAX_CONFIGS],
		    struct meas n[][MAX_CONFIGS], const char *what, const char *an,
		    const char *nn)
{
	printf("%s (medians, certificates/s):\n", what);
	printf("  %-4s %10s %10s %7s\n", "C", an, nn, "ratio");
	for (unsigned j = 0; j < b->nconfigs; j++) {
		double va[MAX_ROUNDS], vn[MAX_ROUNDS], ma, mn;

		for (unsigned r = 0; r < b->rounds; r++) {
			va[r] = a[r][j].rate;
			vn[r] = n[r][j].rate;
		}
		ma = bench_median(va, b->rounds);
		mn = bench_median(vn, b->rounds);
		printf("  %-4u %10.0f %10.0f %7.3f\n", b->conns[j], ma, mn, ma > 0 ? mn / ma : 0);
	}
}

/* ---- the end ---- */

static void report_rss(const struct bench *b)
{
	pid_t pids[NPROC];

	find_procs(b->cad, pids);
	printf("RSS at the end of the run (VmRSS, peak VmHWM):\n");
	for (int i = 0; i < NPROC; i++) {
		unsigned long rss, hwm, threads;

		proc_rss(pids[i], &rss, &hwm, &threads);
		if (pids[i] <= 0)
			printf("  %-13s not found\n", proc_names[i]);
		else
			printf("  %-13s pid %-7d %7.1f MiB  (peak %.1f MiB), %lu thread(s)\n",
			       proc_names[i], (int)pids[i], (double)rss / 1024, (double)hwm / 1024,
			       threads);
	}
}

/* SIGTERM; 0 when cad stopped with status 0 within a minute. */
static int stop_cad(struct bench *b)
{
	double t0 = bench_now();
	int st = 0;
	pid_t r;

	kill(b->cad, SIGTERM);
	while ((r = waitpid(b->cad, &st, WNOHANG)) == 0 && bench_now() - t0 < 60)
		usleep(20 * 1000);
	if (r == 0) {
		printf("cad did not stop within 60 s of SIGTERM: killed\n");
		kill(b->cad, SIGKILL);
		waitpid(b->cad, &st, 0);
		cad_pid = -1;
		return -1;
	}
	cad_pid = -1;
	printf("cad stopped (SIGTERM) in %.2f s, %s %d\n", bench_now() - t0,
	       WIFEXITED(st) ? "exit status" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int verify_ledger(const struct bench *b)
{
	char path[4096 + 16];
	double t0 = bench_now();
	pid_t pid;
	int st;

	snprintf(path, sizeof(path), "%s/caadm", b->bin);
	printf("%s verify --data %s:\n", path, b->dir);
	fflush(NULL);
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid == 0) {
		dup2(1, 2);
		execl(path, "caadm", "verify", "--data", b->dir, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		fatal("waitpid");
	printf("caadm verify: %s %d (%.1f s)\n", WIFEXITED(st) ? "exit status" : "signal",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), bench_now() - t0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void parse_conns(struct bench *b, const char *s)
{
	char *copy = strdup(s), *save = NULL;

	if (copy == NULL)
		fatalx("out of memory");
	b->nconfigs = 0;
	for (char *t = strtok_r(copy, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (b->nconfigs == MAX_CONFIGS)
			fatalx("--conns: at most %d values", MAX_CONFIGS);
		b->conns[b->nconfigs++] = conf_arg_uint(t, MAX_CONNS, "--conns");
	}
	free(copy);
	if (b->nconfigs == 0)
		fatalx("--conns: no value");
}

static void usage(void)
{
	fatalx("usage: bench_enroll --data DIR --pin-file F --bin BINDIR [--seconds S] "
	       "[--rounds R] [--conns 1,4,16] [--csrs N] [--sessions K] [--ca-name NAME] "
	       "[--arena-max N] [--reconnect] [--ntlm DOMAIN\\user --password-file F] "
	       "[--client-key ec:p256|rsa:2048|...] [--dcom (with --ntlm)] "
	       "[--krb host/NAME@REALM]");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"data", 1, 0, 'd'},    {"pin-file", 1, 0, 'p'}, {"bin", 1, 0, 'b'},
		{"seconds", 1, 0, 's'}, {"rounds", 1, 0, 'r'},   {"conns", 1, 0, 'c'},
		{"csrs", 1, 0, 'n'},    {"sessions", 1, 0, 'k'}, {"ca-name", 1, 0, 'a'},
		{"arena-max", 1, 0, 'm'}, {"reconnect", 0, 0, 'R'}, {"ntlm", 1, 0, 'N'},
		{"password-file", 1, 0, 'P'}, {"client-key", 1, 0, 'K'}, {"dcom", 0, 0, 'D'},
		{"krb", 1, 0, 'B'}, {0, 0, 0, 0}};
	static struct bench b;
	static struct meas ms[MAX_ROUNDS][MAX_CONFIGS], mn[MAX_ROUNDS][MAX_CONFIGS],
		md[MAX_ROUNDS][MAX_CONFIGS], mk[MAX_ROUNDS][MAX_CONFIGS];
	const char *password_file = NULL;
	char err[256];
	double raw[MAX_ROUNDS];
	const char *ca_name = NULL;
	unsigned long bad = 0;
	unsigned starts;
	int ch, rc = 0, is_rsa;

	log_init("bench_enroll");
	b.seconds = 3;
	b.rounds = 3;
	b.ncsrs = 0; /* by key type, below */
	b.client_key = "ec:p256";
	b.sessions = CONFIG_HSM_SESSION_POOL;
	parse_conns(&b, "1,4,16");
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': b.dir = optarg; break;
		case 'p': b.pin_file = optarg; break;
		case 'b': b.bin = optarg; break;
		case 's': b.seconds = atof(optarg); break;
		case 'r': b.rounds = conf_arg_uint(optarg, MAX_ROUNDS, "--rounds"); break;
		case 'c': parse_conns(&b, optarg); break;
		case 'n': b.ncsrs = conf_arg_uint(optarg, MAX_CSRS, "--csrs"); break;
		case 'k':
			b.sessions = conf_arg_uint(optarg, BENCH_P11_MAX_SESSIONS, "--sessions");
			break;
		case 'a': ca_name = optarg; break;
		case 'R': b.reconnect = 1; break;
		case 'm': b.arena_max = conf_arg_uint(optarg, 1024, "--arena-max"); break;
		case 'N': b.ntlm_user = optarg; break;
		case 'P': password_file = optarg; break;
		case 'K': b.client_key = optarg; break;
		case 'D': b.dcom = 1; break;
		case 'B': b.krb_service = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || b.dir == NULL || b.pin_file == NULL || b.bin == NULL ||
	    !(b.seconds > 0 && b.seconds <= 3600) || (b.ntlm_user == NULL) != (password_file == NULL) ||
	    (b.dcom && b.ntlm_user == NULL))
		usage();
	if (password_file != NULL &&
	    secret_read_file(password_file, &b.password, err, sizeof(err)) != 0)
		fatalx("--password-file: %s", err);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	atexit(stop_cad_at_exit);

	load_ca(&b, ca_name);
	if (b.ncsrs == 0)
		b.ncsrs = strncmp(b.client_key, "ec", 2) == 0 ? 1024 : 64;
	make_csrs(&b);
	start_cad(&b); /* first: cad inherits none of the module's descriptors */
	bench_p11_open(&b.p11, &b.conf, b.pin_file, b.sessions);
	is_rsa = b.p11.key_type == CKK_RSA;
	printf("CA key %s; raw C_Sign with %u session(s)/thread(s) (the custodian's HSM pool); "
	       "%u round(s) of %.1f s per measurement; durable ledger on %s\n",
	       is_rsa ? "RSA" : "EC", b.sessions, b.rounds, b.seconds, fs_type(b.dir));

	for (unsigned r = 0; r < b.rounds; r++) {
		raw[r] = bench_p11_raw(&b.p11, b.sessions, b.seconds);
		printf("round %u: raw C_Sign %.0f/s\n", r + 1, raw[r]);
		for (unsigned j = 0; j < b.nconfigs; j++) {
			b.use_ntlm = 0;
			ms[r][j] = run_enroll(&b, b.conns[j]);
			bad += ms[r][j].bad + ms[r][j].failed;
			print_meas(r + 1, b.conns[j], &ms[r][j], raw[r],
				   b.ntlm_user || b.krb_service ? "anon" : "");
			if (b.ntlm_user != NULL) {
				b.use_ntlm = 1;
				mn[r][j] = run_enroll(&b, b.conns[j]);
				b.use_ntlm = 0;
				bad += mn[r][j].bad + mn[r][j].failed;
				print_meas(r + 1, b.conns[j], &mn[r][j], raw[r], "ntlm");
			}
			if (b.dcom) {
				b.use_ntlm = 1;
				b.use_dcom = 1;
				md[r][j] = run_enroll(&b, b.conns[j]);
				b.use_dcom = 0;
				b.use_ntlm = 0;
				bad += md[r][j].bad + md[r][j].failed;
				print_meas(r + 1, b.conns[j], &md[r][j], raw[r], "dcom");
			}
			if (b.krb_service != NULL) {
				b.use_krb = 1;
				mk[r][j] = run_enroll(&b, b.conns[j]);
				b.use_krb = 0;
				bad += mk[r][j].bad + mk[r][j].failed;
				print_meas(r + 1, b.conns[j], &mk[r][j], raw[r], "krb ");
			}
		}
	}
	if (b.ntlm_user != NULL || b.krb_service != NULL)
		printf("== unauthenticated\n");
	summarize(&b, ms, raw, is_rsa);
	if (b.ntlm_user != NULL) {
		printf("== NTLM at packet privacy (%s, a logon per connection%s)\n", b.ntlm_user,
		       b.reconnect ? ", a connection per call" : "");
		summarize(&b, mn, raw, is_rsa);
		compare(&b, ms, mn, "NTLM + packet privacy vs unauthenticated", "anon", "ntlm");
	}
	if (b.krb_service != NULL) {
		printf("== Kerberos (SPNEGO, DCE style) at packet privacy (%s, a logon per "
		       "connection%s)\n", b.krb_service,
		       b.reconnect ? ", a connection per call" : "");
		summarize(&b, mk, raw, is_rsa);
		compare(&b, ms, mk, "Kerberos + packet privacy vs unauthenticated", "anon", "krb");
		if (b.ntlm_user != NULL)
			compare(&b, mn, mk, "Kerberos vs NTLM, both + packet privacy", "ntlm",
				"krb");
	}
	if (b.dcom) {
		printf("== MS-WCCE over DCOM, NTLM at packet privacy (%s, %s)\n", b.ntlm_user,
		       b.reconnect ? "an activation, connection and logon per certificate"
				   : "an activation per connection");
		summarize(&b, md, raw, is_rsa);
		compare(&b, mn, md, "DCOM (ICertRequestD2::Request2) vs MS-ICPR, both NTLM + privacy",
			"icpr", "dcom");
	}
	secret_wipe(&b.password);

	report_rss(&b);
	if ((starts = worker_starts(&b)) != 1) {
		printf("the worker was started %u times (restarts): see %s\n", starts, b.log_path);
		rc = 1;
	}
	if (bad != 0) {
		printf("%lu call(s) failed or were not answered with an issued certificate\n", bad);
		rc = 1;
	}
	if (stop_cad(&b) != 0)
		rc = 1;
	if (rc != 0)
		print_log_problems(&b);
	if (verify_ledger(&b) != 0)
		rc = 1;
	return rc;
}
