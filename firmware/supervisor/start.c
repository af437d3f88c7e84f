/* What a start is (start.h): the settings, addresses, argv and environment cad
 * gives each daemon, out of cad.c so that unit tests reach them. Everything
 * here returns errors; cad.c turns them into its fatal messages. */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "firmware/common/datadir.h"
#include "firmware/custodian/proto.h" /* the control channel (CUST_CTL_WORKER), cad's end */
#include "firmware/identity/idtoken.h"
#include "firmware/supervisor/prepare.h"
#include "firmware/supervisor/start.h"
#include "platform/log.h"

/* ca.conf's connection limits and deadlines for the worker: each is checked
 * here, so that a bad value stops cad at start with the key named rather than
 * the worker in a loop. */
static int read_worker_limits(const struct conf *conf, struct cad_settings *s, char *err,
			      size_t errlen)
{
	static const struct {
		const char *key, *opt;
		unsigned max;
	} keys[CAD_WORKER_LIMITS] = {
		{"worker_max_conns_icpr", "--max-conns-icpr", 64},
		{"worker_max_conns_epm", "--max-conns-epm", 512},
		{"worker_max_conns_per_address", "--max-conns-per-address", 1024},
		{"worker_logon_deadline", "--logon-deadline", 3600},
		{"worker_connection_deadline", "--connection-deadline", 86400},
	};

	for (size_t i = 0; i < CAD_WORKER_LIMITS; i++) {
		const char *v = conf_get(conf, keys[i].key);
		unsigned u;

		if (v == NULL)
			continue;
		if (conf_parse_uint(v, keys[i].max, &u) != 0) {
			snprintf(err, errlen, "ca.conf %s must be a number from 1 to %u",
				 keys[i].key, keys[i].max);
			return -1;
		}
		snprintf(s->worker_limits[s->n_worker_limits][0], sizeof(s->worker_limits[0][0]),
			 "%s", keys[i].opt);
		snprintf(s->worker_limits[s->n_worker_limits][1], sizeof(s->worker_limits[0][1]),
			 "%u", u);
		s->n_worker_limits++;
		/* A logon's token outlives its connection by a minute, no more. */
		if (strcmp(keys[i].key, "worker_connection_deadline") == 0)
			snprintf(s->token_lifetime, sizeof(s->token_lifetime), "%u", u + 60);
	}
	return 0;
}

/* ca.conf's free-space settings for the ledger (firmware/ledger/space.c): below
 * ledger_low_space_mb MiB free it warns, below ledger_reserve_mb MiB it records
 * only CRLs and operator actions. The defaults suit the image's 256 MiB data
 * disk; an appliance with a larger one sets more. */
static int read_ledger_space(const struct conf *conf, struct cad_settings *s, char *err,
			     size_t errlen)
{
	static const char *const keys[2] = {"ledger_reserve_mb", "ledger_low_space_mb"};
	unsigned v[2] = {CAD_LEDGER_RESERVE_MB, CAD_LEDGER_LOW_SPACE_MB};

	for (int i = 0; i < 2; i++) {
		const char *t = conf_get(conf, keys[i]);

		if (t != NULL && conf_parse_uint(t, 1u << 20, &v[i]) != 0) {
			snprintf(err, errlen, "ca.conf %s must be a number from 1 to %u", keys[i],
				 1u << 20);
			return -1;
		}
	}
	if (v[1] < v[0])
		log_warnx("ca.conf: ledger_low_space_mb (%u) is below ledger_reserve_mb (%u): "
			  "the warning comes at the reserve", v[1], v[0]);
	snprintf(s->ledger_reserve, sizeof(s->ledger_reserve), "%u", v[0]);
	snprintf(s->ledger_low, sizeof(s->ledger_low), "%u", v[1]);
	return 0;
}

/* ca.conf operators_group (default ca-operators): the group whose members may
 * use the console. A name as useradd and groupadd take them. */
static int read_operators_group(const struct conf *conf, struct cad_settings *s, char *err,
				size_t errlen)
{
	const char *v = conf_get(conf, "operators_group");
	size_t n;

	if (v == NULL)
		v = CAD_OPERATORS_GROUP;
	n = strlen(v);
	if (n == 0 || n > CAD_GROUP_NAME_MAX || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n) {
		snprintf(err, errlen, "ca.conf operators_group: '%s' is not a group name (1..%d "
			 "of a-z 0-9 _ -, not starting with -)", v, CAD_GROUP_NAME_MAX);
		return -1;
	}
	snprintf(s->ops_group, sizeof(s->ops_group), "%s", v);
	return 0;
}

/* ca.conf's dcom_address: the name (or address) DCOM clients are told to
 * connect back to, first among the OXID bindings (firmware/worker/dcom.c): an
 * appliance behind NAT or port forwarding (the QEMU image) is not reached at
 * the address its socket sees. The worker checks it again. */
static int read_dcom_address(const struct conf *conf, struct cad_settings *s, char *err,
			     size_t errlen)
{
	const char *v = conf_get(conf, "dcom_address");
	size_t n;

	if (v == NULL)
		return 0;
	n = strlen(v);
	if (n == 0 || n > CAD_DCOM_ADDRESS_MAX || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789.-:") != n) {
		snprintf(err, errlen, "ca.conf dcom_address: '%s' is not a host name or an "
			 "address (1..%d of A-Z a-z 0-9 . - :)", v, CAD_DCOM_ADDRESS_MAX);
		return -1;
	}
	snprintf(s->dcom_address, sizeof(s->dcom_address), "%s", v);
	return 0;
}

int cad_settings_read(const struct conf *conf, struct cad_settings *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (read_worker_limits(conf, s, err, errlen) != 0 ||
	    read_ledger_space(conf, s, err, errlen) != 0 ||
	    read_operators_group(conf, s, err, errlen) != 0 ||
	    read_dcom_address(conf, s, err, errlen) != 0)
		return -1;
	return 0;
}

int cad_parse_args(int argc, char **argv, struct cad_args *a)
{
	static const struct option lo[] = {
		{"data", 1, 0, 'd'}, {"pin-file", 1, 0, 'p'}, {"epm", 1, 0, 'e'},
		{"icpr", 1, 0, 'i'}, {"sandbox-selftest", 0, 0, 's'}, {0, 0, 0, 0},
	};
	int ch;

	memset(a, 0, sizeof(*a));
	snprintf(a->epm_default, sizeof(a->epm_default), "127.0.0.1:%d", CONFIG_EPM_PORT);
	snprintf(a->icpr_default, sizeof(a->icpr_default), "127.0.0.1:%d", CONFIG_ICPR_PORT);
	a->dir = CONFIG_DATA_DIR;
	a->epm = a->epm_default;
	a->icpr = a->icpr_default;
	optind = 0; /* glibc: a full reset, so that a second call parses afresh */
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': a->dir = optarg; break;
		case 'p': a->pin_file = optarg; break;
		case 'e': a->epm = optarg; break;
		case 'i': a->icpr = optarg; break;
		case 's': a->selftest = 1; break;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int cad_parse_listen(const char *spec, struct sockaddr_in *sa, char *err, size_t errlen)
{
	const char *colon = strrchr(spec, ':');
	char addr[64];
	unsigned port = 0;

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(addr)) {
		snprintf(err, errlen, "%s: not ADDR:PORT", spec);
		return -1;
	}
	memcpy(addr, spec, (size_t)(colon - spec));
	addr[colon - spec] = 0;
	/* Port 0: the kernel chooses (the tests run several appliances at once). */
	if (strcmp(colon + 1, "0") != 0 && conf_parse_uint(colon + 1, 65535, &port) != 0) {
		snprintf(err, errlen, "a port must be a number from 1 to 65535");
		return -1;
	}
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa->sin_addr) != 1) {
		snprintf(err, errlen, "%s: not an IPv4 address", addr);
		return -1;
	}
	return 0;
}

int cad_listen(const char *spec, int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char err[160];
	int fd, one = 1;

	if (cad_parse_listen(spec, &sa, err, sizeof(err)) != 0) {
		log_failx("%s", err);
		return -1;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		log_fail("cannot listen on %s", spec);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
		log_fail("cannot listen on %s", spec);
		close(fd);
		return -1;
	}
	/* Port 0 lets the kernel choose (tests): report the one it chose. */
	*port = ntohs(sa.sin_port);
	return fd;
}

int cad_listen_admin(const char *dir, int have_gid, gid_t gid, const char *group, char *path,
		     size_t pathlen)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd;

	if (adm_socket_address(dir, &sa) != 0) {
		log_failx("%s/%s: path too long for a socket", dir, ADM_SOCKET);
		return -1;
	}
	snprintf(path, pathlen, "%s", sa.sun_path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		log_fail("socket");
		return -1;
	}
	(void)unlink(sa.sun_path);
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		log_fail("%s", sa.sun_path);
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	if (have_gid && (chown(sa.sun_path, 0, gid) != 0 || chmod(sa.sun_path, 0660) != 0)) {
		log_fail("cannot give %s to the group %s", sa.sun_path, group);
		close(fd);
		return -1;
	}
	if (listen(fd, 8) != 0) {
		log_fail("listen %s", sa.sun_path);
		close(fd);
		return -1;
	}
	return fd;
}

size_t cad_auth_environment(char *const *env, char *out[CAD_AUTH_ENV_MAX + 1])
{
	static const char *const keep[CAD_AUTH_ENV_MAX] = {"ASAN_OPTIONS=", "LSAN_OPTIONS=",
							   "UBSAN_OPTIONS="};
	size_t n = 0;

	for (size_t k = 0; k < CAD_AUTH_ENV_MAX; k++)
		for (char *const *e = env; e != NULL && *e != NULL; e++)
			if (strncmp(*e, keep[k], strlen(keep[k])) == 0) {
				out[n++] = *e;
				break;
			}
	out[n] = NULL;
	return n;
}

int cad_auth_argv(const struct cad_settings *s, const char *dir, int jailed,
		  const char *selftest_open, int with_key, char *argv[CAD_ARGV_MAX])
{
	int n = 0;

	argv[n++] = "ca-auth";
	argv[n++] = "--fd";
	argv[n++] = "3";
	argv[n++] = "--data";
	argv[n++] = (char *)dir;
	if (jailed) {
		argv[n++] = "--user";
		argv[n++] = SUP_AUTH_USER;
	}
	if (selftest_open != NULL) {
		argv[n++] = "--selftest-open";
		argv[n++] = (char *)selftest_open;
	}
	if (with_key) { /* the identity-token key, on descriptor 4 */
		argv[n++] = "--token-key-fd";
		argv[n++] = "4";
		if (s->token_lifetime[0] != 0) {
			argv[n++] = "--token-lifetime";
			argv[n++] = (char *)s->token_lifetime;
		}
	}
	argv[n] = NULL;
	return n;
}

int cad_worker_argv(const struct cad_settings *s, const char *icpr_port, const char *epm_port,
		    int selftest, int as_root, char *argv[CAD_ARGV_MAX])
{
	int n = 0;

	argv[n++] = "ca-worker";
	argv[n++] = "--fd";
	argv[n++] = "3";
	argv[n++] = "--epm-fd";
	argv[n++] = "4";
	argv[n++] = "--icpr-fd";
	argv[n++] = "5";
	argv[n++] = "--icpr-port";
	argv[n++] = (char *)icpr_port;
	argv[n++] = "--epm-port";
	argv[n++] = (char *)epm_port;
	argv[n++] = "--auth-fd";
	argv[n++] = "6";
	/* The interface flags (icpr_*) are CA properties: the worker gets them from
	 * the custodian at its start (CUST_CA_INFO). At most CAD_WORKER_LIMITS
	 * pairs: the whole argv stays within CAD_ARGV_MAX. */
	for (int i = 0; i < s->n_worker_limits; i++) {
		argv[n++] = (char *)s->worker_limits[i][0];
		argv[n++] = (char *)s->worker_limits[i][1];
	}
	if (s->dcom_address[0] != 0) {
		argv[n++] = "--dcom-address";
		argv[n++] = (char *)s->dcom_address;
	}
	if (selftest) {
		argv[n++] = "--selftest-open";
		argv[n++] = "/";
	}
	if (as_root) {
		argv[n++] = "--user";
		argv[n++] = SUP_WORKER_USER;
		argv[n++] = "--chroot";
		argv[n++] = SUP_WORKER_CHROOT;
	}
	argv[n] = NULL;
	return n;
}

int cad_ledger_argv(const struct cad_settings *s, const char *dir, char *argv[CAD_ARGV_MAX])
{
	int n = 0;

	argv[n++] = "ca-ledger";
	argv[n++] = "serve";
	argv[n++] = "--data";
	argv[n++] = (char *)dir;
	argv[n++] = "--fd";
	argv[n++] = "3";
	argv[n++] = "--reserve-mb";
	argv[n++] = (char *)s->ledger_reserve;
	argv[n++] = "--low-space-mb";
	argv[n++] = (char *)s->ledger_low;
	argv[n] = NULL;
	return n;
}

int cad_custodian_argv(const char *dir, enum cad_pin pin, const char *pin_file,
		       const char *ops_gid, char *argv[CAD_ARGV_MAX])
{
	int n = 0;

	argv[n++] = "ca-custodian";
	argv[n++] = "serve";
	argv[n++] = "--data";
	argv[n++] = (char *)dir;
	argv[n++] = "--ledger-fd";
	argv[n++] = "3";
	argv[n++] = "--control-fd";
	argv[n++] = "4";
	argv[n++] = "--admin-fd";
	argv[n++] = "5";
	if (pin == CAD_PIN_FD) { /* as root: the descriptor cad opened */
		argv[n++] = "--pin-fd";
		argv[n++] = "6";
	} else if (pin == CAD_PIN_FILE) {
		argv[n++] = "--pin-file";
		argv[n++] = (char *)pin_file;
	} /* else the PIN from the terminal cad runs on */
	if (ops_gid != NULL) {
		argv[n++] = "--operators-gid";
		argv[n++] = (char *)ops_gid;
	}
	argv[n] = NULL;
	return n;
}

int cad_hand_worker_key(struct ipc_chan *control, int *worker, int *key_r)
{
	uint8_t key[IDTOKEN_KEY_LEN];
	int pair[2], kpipe[2], rc = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
		log_fail("socketpair");
		return -2;
	}
	/* The custodian's end first: it serves the worker from its first frame. With
	 * it goes the key of this worker's identity tokens (firmware/identity), new
	 * for each start: tokens a worker saw die with it. */
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		log_fail("getrandom");
		rc = -2;
	} else if (ipc_send(control, CUST_CTL_WORKER, 0, key, sizeof(key), pair[1]) != 0) {
		log_warn("cannot hand the worker's channel to the custodian");
		rc = -1;
	} else if (pipe2(kpipe, O_CLOEXEC) != 0) {
		log_fail("pipe");
		rc = -2;
	} else if (write(kpipe[1], key, sizeof(key)) != (ssize_t)sizeof(key)) {
		/* The pipe holds the key until ca-auth reads it. */
		log_fail("cannot hand ca-auth its key");
		close(kpipe[0]);
		close(kpipe[1]);
		rc = -2;
	}
	explicit_bzero(key, sizeof(key));
	close(pair[1]);
	if (rc != 0) {
		close(pair[0]);
		return rc;
	}
	close(kpipe[1]);
	*worker = pair[0];
	*key_r = kpipe[0];
	return 0;
}

int cad_auth_selftest_verdict(int st, char *msg, size_t msglen)
{
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		return 0;
	snprintf(msg, msglen, "sandbox self-test of ca-auth failed: it was not killed by its "
		 "seccomp filter (%s %d): not starting", WIFSIGNALED(st) ? "signal" : "status",
		 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return -1;
}
