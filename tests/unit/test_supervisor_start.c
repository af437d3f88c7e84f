/* What a start is (firmware/supervisor/start.c), without processes: ca.conf's
 * settings for the children (each key's range, its exact refusal, the defaults,
 * the token lifetime derived from the connection deadline, the warning of a
 * threshold below the reserve, the operators' group name's rules), the
 * listening addresses, ca-auth's environment (nothing of cad's but the
 * sanitizers' options), each daemon's argv as the daemons' option parsers read
 * it, and the verdict of ca-auth's sandbox self-test from a real child's wait
 * status (killed by SIGSYS, by another signal, or exiting). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "firmware/custodian/proto.h"
#include "firmware/identity/idtoken.h"
#include "firmware/supervisor/start.h"
#include "platform/log.h"
#include "tests/unit/support/stderr_capture.h"

static char err[256];

/* ---- the system refusing (unit.mk: --wrap=pipe2,socket,listen,chown,getrandom)
 * fault.fn names the call that fails once with fault.err; every other call
 * passes to the real one. */
static struct {
	const char *fn;
	int err;
} fault;

static int faulty(const char *fn)
{
	if (fault.fn == NULL || strcmp(fault.fn, fn) != 0)
		return 0;
	fault.fn = NULL;
	errno = fault.err;
	return 1;
}

static void fail_next(const char *fn, int why)
{
	fault.fn = fn;
	fault.err = why;
}

int __real_pipe2(int fds[2], int flags);
int __wrap_pipe2(int fds[2], int flags);
int __wrap_pipe2(int fds[2], int flags)
{
	return faulty("pipe2") ? -1 : __real_pipe2(fds, flags);
}

int __real_socket(int domain, int type, int protocol);
int __wrap_socket(int domain, int type, int protocol);
int __wrap_socket(int domain, int type, int protocol)
{
	return faulty("socket") ? -1 : __real_socket(domain, type, protocol);
}

int __real_listen(int fd, int backlog);
int __wrap_listen(int fd, int backlog);
int __wrap_listen(int fd, int backlog)
{
	return faulty("listen") ? -1 : __real_listen(fd, backlog);
}

int __real_chown(const char *path, uid_t uid, gid_t gid);
int __wrap_chown(const char *path, uid_t uid, gid_t gid);
int __wrap_chown(const char *path, uid_t uid, gid_t gid)
{
	return faulty("chown") ? -1 : __real_chown(path, uid, gid);
}

ssize_t __real_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
	return faulty("getrandom") ? -1 : __real_getrandom(buf, len, flags);
}

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void conf_of(struct conf *c, const char *const kv[], size_t n)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i + 1 < n; i += 2)
		assert_int_equal(conf_set(c, kv[i], kv[i + 1]), 0);
}

static void assert_argv(char *const argv[], int argc, const char *const want[])
{
	int n = 0;

	while (want[n] != NULL)
		n++;
	assert_int_equal(argc, n);
	for (int i = 0; i < n; i++)
		if (argv[i] == NULL || strcmp(argv[i], want[i]) != 0)
			fail_msg("argv[%d] is '%s', not '%s'", i, argv[i] ? argv[i] : "(null)",
				 want[i]);
	assert_null(argv[n]);
}

/* An empty ca.conf: no worker limits, ca-auth's own token lifetime, the
 * ledger's defaults (16 and 64 MiB), the group ca-operators. */
static void test_settings_defaults(void **state)
{
	struct cad_settings s;
	struct conf c;

	(void)state;
	conf_of(&c, NULL, 0);
	assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n_worker_limits, 0);
	assert_string_equal(s.token_lifetime, "");
	assert_string_equal(s.ledger_reserve, "16");
	assert_string_equal(s.ledger_low, "64");
	assert_string_equal(s.ops_group, "ca-operators");
}

/* Every key set: the worker's pairs in a fixed order, the token lifetime a
 * minute past the connection deadline, the ledger's values, the group. */
static void test_settings_all(void **state)
{
	static const char *const kv[] = {
		"worker_connection_deadline", "600", "worker_max_conns_icpr", "64",
		"worker_max_conns_epm", "1", "worker_max_conns_per_address", "1024",
		"worker_logon_deadline", "3600", "ledger_reserve_mb", "1048576",
		"ledger_low_space_mb", "1048576", "operators_group", "pki_ops-2",
	};
	static const char *const want[][2] = {
		{"--max-conns-icpr", "64"},    {"--max-conns-epm", "1"},
		{"--max-conns-per-address", "1024"}, {"--logon-deadline", "3600"},
		{"--connection-deadline", "600"},
	};
	struct cad_settings s;
	struct conf c;

	(void)state;
	conf_of(&c, kv, sizeof(kv) / sizeof(kv[0]));
	assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n_worker_limits, 5);
	for (int i = 0; i < 5; i++) {
		assert_string_equal(s.worker_limits[i][0], want[i][0]);
		assert_string_equal(s.worker_limits[i][1], want[i][1]);
	}
	assert_string_equal(s.token_lifetime, "660");
	assert_string_equal(s.ledger_reserve, "1048576");
	assert_string_equal(s.ledger_low, "1048576");
	assert_string_equal(s.ops_group, "pki_ops-2");
}

/* Each key out of its range or not a number: refused with the key and the
 * range named, as cad says it before starting anything. */
static void test_settings_refused(void **state)
{
	static const struct {
		const char *key, *val, *why;
	} bad[] = {
		{"worker_max_conns_icpr", "65", "ca.conf worker_max_conns_icpr must be a number from 1 to 64"},
		{"worker_max_conns_icpr", "0", "ca.conf worker_max_conns_icpr must be a number from 1 to 64"},
		{"worker_max_conns_epm", "513", "ca.conf worker_max_conns_epm must be a number from 1 to 512"},
		{"worker_max_conns_per_address", "-1", "ca.conf worker_max_conns_per_address must be a number from 1 to 1024"},
		{"worker_logon_deadline", "1h", "ca.conf worker_logon_deadline must be a number from 1 to 3600"},
		{"worker_connection_deadline", "86401", "ca.conf worker_connection_deadline must be a number from 1 to 86400"},
		{"ledger_reserve_mb", "", "ca.conf ledger_reserve_mb must be a number from 1 to 1048576"},
		{"ledger_low_space_mb", "1048577", "ca.conf ledger_low_space_mb must be a number from 1 to 1048576"},
		{"operators_group", "Ops", "ca.conf operators_group: 'Ops' is not a group name (1..32 of a-z 0-9 _ -, not starting with -)"},
		{"operators_group", "-ops", "ca.conf operators_group: '-ops' is not a group name (1..32 of a-z 0-9 _ -, not starting with -)"},
		{"operators_group", "ops group", "ca.conf operators_group: 'ops group' is not a group name (1..32 of a-z 0-9 _ -, not starting with -)"},
		{"operators_group", "", "ca.conf operators_group: '' is not a group name (1..32 of a-z 0-9 _ -, not starting with -)"},
		{"operators_group", "abcdefghijklmnopqrstuvwxyz0123456", "ca.conf operators_group: 'abcdefghijklmnopqrstuvwxyz0123456' is not a group name (1..32 of a-z 0-9 _ -, not starting with -)"},
		{"dcom_address", "", "ca.conf dcom_address: '' is not a host name or an address (1..48 of A-Z a-z 0-9 . - :)"},
		{"dcom_address", "ca[5022]", "ca.conf dcom_address: 'ca[5022]' is not a host name or an address (1..48 of A-Z a-z 0-9 . - :)"},
		{"dcom_address", "0123456789012345678901234567890123456789012345678", "ca.conf dcom_address: '0123456789012345678901234567890123456789012345678' is not a host name or an address (1..48 of A-Z a-z 0-9 . - :)"},
	};
	struct cad_settings s;
	struct conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *kv[] = {bad[i].key, bad[i].val};

		conf_of(&c, kv, 2);
		err[0] = 0;
		assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].why);
	}
	/* 32 characters are a name */
	{
		const char *kv[] = {"operators_group", "abcdefghijklmnopqrstuvwxyz012345"};

		conf_of(&c, kv, 2);
		assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), 0);
	}
	/* 48 characters are an address, kept for the worker's --dcom-address */
	{
		const char *kv[] = {"dcom_address", "ca-1.example.test.012345678901234567890123456789"};

		conf_of(&c, kv, 2);
		assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), 0);
		assert_string_equal(s.dcom_address, kv[1]);
	}
}

/* A warning threshold below the reserve is taken, with a warning that the
 * warning comes at the reserve; at or above it, nothing is said. */
static void test_settings_low_below_reserve(void **state)
{
	static const char *const kv[] = {"ledger_reserve_mb", "100", "ledger_low_space_mb", "50"};
	static const char *const ok[] = {"ledger_reserve_mb", "100", "ledger_low_space_mb", "100"};
	struct cad_settings s;
	struct conf c;

	(void)state;
	conf_of(&c, kv, 4);
	log_begin();
	assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), 0);
	log_end();
	assert_logged("ca.conf: ledger_low_space_mb (50) is below ledger_reserve_mb (100): the "
		      "warning comes at the reserve");
	assert_string_equal(s.ledger_reserve, "100");
	assert_string_equal(s.ledger_low, "50");
	conf_of(&c, ok, 4);
	log_begin();
	assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), 0);
	log_end();
	assert_null(strstr(logged, "below"));
}

/* ADDR:PORT: an IPv4 address and a port from 1 to 65535, or 0 for the
 * kernel's choice; anything else refused with what it is not. */
static void test_parse_listen(void **state)
{
	static const struct {
		const char *spec, *why;
	} bad[] = {
		{"127.0.0.1", "127.0.0.1: not ADDR:PORT"},
		{"127.0.0.1:", "a port must be a number from 1 to 65535"},
		{"127.0.0.1:65536", "a port must be a number from 1 to 65535"},
		{"127.0.0.1:-1", "a port must be a number from 1 to 65535"},
		{"127.0.0.1:80x", "a port must be a number from 1 to 65535"},
		{"localhost:135", "localhost: not an IPv4 address"},
		{"::1:135", "::1: not an IPv4 address"},
		{":135", ": not an IPv4 address"},
		{"1234567890123456789012345678901234567890123456789012345678901234:1",
		 "1234567890123456789012345678901234567890123456789012345678901234:1: not ADDR:PORT"},
	};
	struct sockaddr_in sa;
	char a[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(cad_parse_listen("10.1.2.3:135", &sa, err, sizeof(err)), 0);
	assert_int_equal(sa.sin_family, AF_INET);
	assert_int_equal(ntohs(sa.sin_port), 135);
	assert_non_null(inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a)));
	assert_string_equal(a, "10.1.2.3");
	assert_int_equal(cad_parse_listen("0.0.0.0:0", &sa, err, sizeof(err)), 0);
	assert_int_equal(ntohs(sa.sin_port), 0);
	assert_int_equal(cad_parse_listen("127.0.0.1:65535", &sa, err, sizeof(err)), 0);
	assert_int_equal(ntohs(sa.sin_port), 65535);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(cad_parse_listen(bad[i].spec, &sa, err, sizeof(err)), -1);
		assert_string_equal(err, bad[i].why);
	}
}

/* ca-auth's environment: the first of each sanitizer option, nothing else (the
 * PIN file's path, SoftHSM's configuration, a look-alike key). */
static void test_auth_environment(void **state)
{
	char *env[] = {"SOFTHSM2_CONF=/secret/softhsm2.conf", "CA_PIN_FILE=/root/pin",
		       "UBSAN_OPTIONS=print_stacktrace=1", "XASAN_OPTIONS=no",
		       "ASAN_OPTIONS=detect_leaks=0", "ASAN_OPTIONS=second", "PATH=/usr/bin",
		       NULL};
	char *none[] = {"PATH=/usr/bin", NULL};
	char *out[CAD_AUTH_ENV_MAX + 1];

	(void)state;
	assert_int_equal(cad_auth_environment(env, out), 2);
	assert_string_equal(out[0], "ASAN_OPTIONS=detect_leaks=0");
	assert_string_equal(out[1], "UBSAN_OPTIONS=print_stacktrace=1");
	assert_null(out[2]);
	assert_int_equal(cad_auth_environment(none, out), 0);
	assert_null(out[0]);
	assert_int_equal(cad_auth_environment(NULL, out), 0);
	assert_null(out[0]);
}

/* Each daemon's argv, as cad started them before these moved out of cad.c. */
static void test_argv(void **state)
{
	static const char *const kv[] = {"worker_max_conns_icpr", "8", "worker_connection_deadline",
					 "120", "ledger_reserve_mb", "32"};
	struct cad_settings s, none;
	struct conf c;
	char *argv[CAD_ARGV_MAX];
	int n;

	(void)state;
	conf_of(&c, kv, 6);
	assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), 0);
	conf_of(&c, NULL, 0);
	assert_int_equal(cad_settings_read(&c, &none, err, sizeof(err)), 0);
	/* ca-auth: plain; jailed with a key and ca.conf's lifetime; the self-test */
	n = cad_auth_argv(&none, "/data", 0, NULL, 1, argv);
	assert_argv(argv, n, (const char *const[]){"ca-auth", "--fd", "3", "--data", "/data",
						  "--token-key-fd", "4", NULL});
	n = cad_auth_argv(&s, "/data", 1, NULL, 1, argv);
	assert_argv(argv, n, (const char *const[]){"ca-auth", "--fd", "3", "--data", "/data",
						  "--user", "ca-auth", "--token-key-fd", "4",
						  "--token-lifetime", "180", NULL});
	n = cad_auth_argv(&s, "/data", 1, "/root/pin", 0, argv);
	assert_argv(argv, n, (const char *const[]){"ca-auth", "--fd", "3", "--data", "/data",
						  "--user", "ca-auth", "--selftest-open",
						  "/root/pin", NULL});
	/* the worker: as an ordinary user; as root in the self-test with limits */
	n = cad_worker_argv(&none, "1234", "135", 0, 0, argv);
	assert_argv(argv, n, (const char *const[]){"ca-worker", "--fd", "3", "--epm-fd", "4",
						  "--icpr-fd", "5", "--icpr-port", "1234",
						  "--epm-port", "135", "--auth-fd", "6", NULL});
	n = cad_worker_argv(&s, "1234", "135", 1, 1, argv);
	assert_argv(argv, n, (const char *const[]){"ca-worker", "--fd", "3", "--epm-fd", "4",
						  "--icpr-fd", "5", "--icpr-port", "1234",
						  "--epm-port", "135", "--auth-fd", "6",
						  "--max-conns-icpr", "8", "--connection-deadline",
						  "120", "--selftest-open", "/", "--user",
						  "ca-worker", "--chroot", "/var/empty", NULL});
	/* the ledger */
	n = cad_ledger_argv(&s, "/data", argv);
	assert_argv(argv, n, (const char *const[]){"ca-ledger", "serve", "--data", "/data",
						  "--fd", "3", "--reserve-mb", "32",
						  "--low-space-mb", "64", NULL});
	/* the custodian, for each way of getting its PIN, with and without the
	 * operators' group */
	n = cad_custodian_argv("/data", CAD_PIN_FD, "/root/pin", "998", argv);
	assert_argv(argv, n, (const char *const[]){"ca-custodian", "serve", "--data", "/data",
						  "--ledger-fd", "3", "--control-fd", "4",
						  "--admin-fd", "5", "--pin-fd", "6",
						  "--operators-gid", "998", NULL});
	n = cad_custodian_argv("/data", CAD_PIN_FILE, "/etc/ca/pin", NULL, argv);
	assert_argv(argv, n, (const char *const[]){"ca-custodian", "serve", "--data", "/data",
						  "--ledger-fd", "3", "--control-fd", "4",
						  "--admin-fd", "5", "--pin-file", "/etc/ca/pin",
						  NULL});
	n = cad_custodian_argv("/data", CAD_PIN_TERMINAL, NULL, NULL, argv);
	assert_argv(argv, n, (const char *const[]){"ca-custodian", "serve", "--data", "/data",
						  "--ledger-fd", "3", "--control-fd", "4",
						  "--admin-fd", "5", NULL});
}

/* The longest worker argv (every limit, the self-test, root) fits. */
static void test_worker_argv_fits(void **state)
{
	static const char *const kv[] = {
		"worker_max_conns_icpr", "1", "worker_max_conns_epm", "1",
		"worker_max_conns_per_address", "1", "worker_logon_deadline", "1",
		"worker_connection_deadline", "1",
	};
	struct cad_settings s;
	struct conf c;
	char *argv[CAD_ARGV_MAX];

	(void)state;
	conf_of(&c, kv, 10);
	assert_int_equal(cad_settings_read(&c, &s, err, sizeof(err)), 0);
	assert_int_equal(cad_worker_argv(&s, "1", "2", 1, 1, argv), 13 + 10 + 2 + 4);
	assert_true(13 + 10 + 2 + 4 < CAD_ARGV_MAX);
}

/* A real child's wait status: killed by signal how (> 0), or exited -how. */
static int wait_status(int how)
{
	int st;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (how > 0) { /* cmocka's handlers are inherited: the default's death */
			signal(how, SIG_DFL);
			raise(how);
		}
		_exit(-how);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_selftest_verdict(void **state)
{
	char msg[256];

	(void)state;
	assert_int_equal(cad_auth_selftest_verdict(wait_status(SIGSYS), msg, sizeof(msg)), 0);
	assert_int_equal(cad_auth_selftest_verdict(wait_status(SIGKILL), msg, sizeof(msg)), -1);
	assert_string_equal(msg, "sandbox self-test of ca-auth failed: it was not killed by its "
				 "seccomp filter (signal 9): not starting");
	assert_int_equal(cad_auth_selftest_verdict(wait_status(0), msg, sizeof(msg)), -1);
	assert_string_equal(msg, "sandbox self-test of ca-auth failed: it was not killed by its "
				 "seccomp filter (status 0): not starting");
	assert_int_equal(cad_auth_selftest_verdict(wait_status(-3), msg, sizeof(msg)), -1);
	assert_string_equal(msg, "sandbox self-test of ca-auth failed: it was not killed by its "
				 "seccomp filter (status 3): not starting");
}

/* cad's command line: the defaults, each option, and what is refused. */
static void test_parse_args(void **state)
{
	char epm[32], icpr[32];
	struct cad_args a;

	(void)state;
	snprintf(epm, sizeof(epm), "127.0.0.1:%d", CONFIG_EPM_PORT);
	snprintf(icpr, sizeof(icpr), "127.0.0.1:%d", CONFIG_ICPR_PORT);
	assert_int_equal(cad_parse_args(1, (char *[]){"cad", NULL}, &a), 0);
	assert_string_equal(a.dir, CONFIG_DATA_DIR);
	assert_null(a.pin_file);
	assert_string_equal(a.epm, epm);
	assert_string_equal(a.icpr, icpr);
	assert_int_equal(a.selftest, 0);
	assert_int_equal(cad_parse_args(10,
					(char *[]){"cad", "--data", "/d", "--pin-file", "/p",
						   "--epm=0.0.0.0:1135", "--icpr", "0.0.0.0:0",
						   "--sandbox-selftest", "--data=/e", NULL},
					&a),
			 0);
	assert_string_equal(a.dir, "/e"); /* the last one given */
	assert_string_equal(a.pin_file, "/p");
	assert_string_equal(a.epm, "0.0.0.0:1135");
	assert_string_equal(a.icpr, "0.0.0.0:0");
	assert_int_equal(a.selftest, 1);
	/* an unknown option, a value missing, an operand, a short option */
	log_begin();
	assert_int_equal(cad_parse_args(2, (char *[]){"cad", "--pin", NULL}, &a), -1);
	assert_int_equal(cad_parse_args(2, (char *[]){"cad", "--daemon", NULL}, &a), -1);
	assert_int_equal(cad_parse_args(2, (char *[]){"cad", "--data", NULL}, &a), -1);
	assert_int_equal(cad_parse_args(4, (char *[]){"cad", "--data", "/d", "x", NULL}, &a), -1);
	assert_int_equal(cad_parse_args(2, (char *[]){"cad", "-d", NULL}, &a), -1);
	assert_int_equal(cad_parse_args(2, (char *[]){"cad", "--sandbox-selftest=1", NULL}, &a),
			 -1);
	log_end_quiet();
	/* getopt's own words, on stderr as before */
	assert_logged("option '--pin-file' requires an argument");
	assert_logged("unrecognized option '--daemon'");
}

/* A listening socket on the address given: the kernel's port for 0, a port
 * taken refused naming the address; a bad address refused before a socket. */
static void test_listen(void **state)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char spec[64];
	int fd, fd2, port = -1, port2 = -1;

	(void)state;
	assert_true((fd = cad_listen("127.0.0.1:0", &port)) >= 0);
	assert_true(port > 0);
	assert_int_equal(fcntl(fd, F_GETFD), FD_CLOEXEC);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(ntohs(sa.sin_port), port);
	/* it listens: a client connects */
	{
		int c = socket(AF_INET, SOCK_STREAM, 0);

		assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(c);
	}
	/* the same port again while it listens */
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	log_begin();
	assert_int_equal(fd2 = cad_listen(spec, &port2), -1);
	log_end_quiet();
	{
		char want[128];

		snprintf(want, sizeof(want), "cad: fatal: cannot listen on %s: Address already in use",
			 spec);
		assert_logged(want);
	}
	assert_int_equal(port2, -1);
	close(fd);
	log_begin();
	assert_int_equal(cad_listen("127.0.0.256:0", &port2), -1);
	assert_int_equal(cad_listen("nowhere", &port2), -1);
	log_end_quiet();
	assert_logged("cad: fatal: 127.0.0.256: not an IPv4 address");
	assert_logged("cad: fatal: nowhere: not ADDR:PORT");
	/* no socket, or one that cannot listen: refused, nothing left open */
	fd = open_fds();
	fail_next("socket", EMFILE);
	log_begin();
	assert_int_equal(cad_listen("127.0.0.1:0", &port2), -1);
	log_end_quiet();
	assert_logged("cad: fatal: cannot listen on 127.0.0.1:0: Too many open files");
	fail_next("listen", EADDRINUSE);
	log_begin();
	assert_int_equal(cad_listen("127.0.0.1:0", &port2), -1);
	log_end_quiet();
	assert_logged("cad: fatal: cannot listen on 127.0.0.1:0: Address already in use");
	assert_int_equal(open_fds(), fd);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode;
}

/* The console's socket: its owner's alone without a group, root's and the group's 0660
 * with one (as root), a stale one replaced, a data directory whose socket path
 * is too long or that is not there refused. */
static void test_listen_admin(void **state)
{
	char dir[64], path[256], want[256], longdir[200];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, c;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-cad-start-XXXXXX");
	assert_non_null(mkdtemp(dir));
	umask(022);
	assert_true((fd = cad_listen_admin(dir, 0, 0, "ca-operators", path, sizeof(path))) >= 0);
	snprintf(want, sizeof(want), "%s/admin.sock", dir);
	assert_string_equal(path, want);
	assert_true(S_ISSOCK(mode_of(path)));
	/* bound under umask 077: its owner's alone (srwx------; a socket's x bit
	 * means nothing) */
	assert_int_equal(mode_of(path) & 077, 0);
	assert_int_equal(mode_of(path) & 0600, 0600);
	assert_int_equal(umask(022), 022); /* cad's umask given back */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);
	close(fd);
	/* the stale socket is replaced; with a group (root only: chown) */
	if (geteuid() == 0) {
		assert_true((fd = cad_listen_admin(dir, 1, 4242, "ca-operators", path,
						   sizeof(path))) >= 0);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0660);
		assert_int_equal(st.st_uid, 0);
		assert_int_equal(st.st_gid, 4242);
		close(fd);
	}
	/* no socket; one that cannot listen; a group it cannot be given (root) */
	fd = open_fds();
	fail_next("socket", EMFILE);
	log_begin();
	assert_int_equal(cad_listen_admin(dir, 0, 0, "g", path, sizeof(path)), -1);
	log_end_quiet();
	assert_logged("cad: fatal: socket: Too many open files");
	fail_next("listen", EADDRINUSE);
	log_begin();
	assert_int_equal(cad_listen_admin(dir, 0, 0, "g", path, sizeof(path)), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "cad: fatal: listen %s: Address already in use", path);
	assert_logged(want);
	if (geteuid() == 0) {
		fail_next("chown", EPERM);
		log_begin();
		assert_int_equal(cad_listen_admin(dir, 1, 4242, "ca-operators", path,
						  sizeof(path)), -1);
		log_end_quiet();
		snprintf(want, sizeof(want), "cad: fatal: cannot give %s to the group "
			 "ca-operators: Operation not permitted", path);
		assert_logged(want);
		/* never opened to the group */
		assert_int_equal(mode_of(path) & 077, 0);
	}
	assert_int_equal(open_fds(), fd);
	/* a directory that is not there */
	snprintf(longdir, sizeof(longdir), "%s/none", dir);
	log_begin();
	assert_int_equal(cad_listen_admin(longdir, 0, 0, "g", path, sizeof(path)), -1);
	log_end_quiet();
	snprintf(want, sizeof(want), "cad: fatal: %s/none/admin.sock: No such file or directory",
		 dir);
	assert_logged(want);
	/* a path longer than a socket's */
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = 0;
	log_begin();
	assert_int_equal(cad_listen_admin(longdir, 0, 0, "g", path, sizeof(path)), -1);
	log_end_quiet();
	assert_logged(": path too long for a socket");
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* A worker's channel and key: the custodian gets CUST_CTL_WORKER with the key
 * and its end of the worker's channel, ca-auth's pipe holds the same key, each
 * start a new one; a custodian that is gone is logged and nothing stays open;
 * a pipe refused stops cad. */
static void test_hand_worker_key(void **state)
{
	uint8_t first[IDTOKEN_KEY_LEN], got[64];
	struct ipc_chan ctl, cust;
	struct ipc_msg m = {.fd = -1};
	char e[128], b = 0;
	int sv[2], worker = -1, key_r = -1, before;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ipc_chan_init(&ctl, sv[0], "custodian", 64);
	ipc_chan_init(&cust, sv[1], "cad", 64);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(cad_hand_worker_key(&ctl, &worker, &key_r), 0);
		assert_int_equal(ipc_recv(&cust, &m, e, sizeof(e)), 1);
		assert_int_equal(m.hdr.type, CUST_CTL_WORKER);
		assert_int_equal(m.hdr.len, IDTOKEN_KEY_LEN);
		assert_true(m.fd >= 0);
		/* the pipe holds the key the custodian got, and only it */
		assert_int_equal(read(key_r, got, sizeof(got)), IDTOKEN_KEY_LEN);
		assert_memory_equal(got, m.data, IDTOKEN_KEY_LEN);
		assert_int_equal(fcntl(key_r, F_GETFD), FD_CLOEXEC);
		if (round == 0)
			memcpy(first, m.data, IDTOKEN_KEY_LEN);
		else
			assert_memory_not_equal(first, m.data, IDTOKEN_KEY_LEN);
		/* the descriptor sent is the custodian's end of the worker's */
		assert_int_equal(write(worker, "w", 1), 1);
		assert_int_equal(read(m.fd, &b, 1), 1);
		assert_int_equal(b, 'w');
		close(worker);
		close(key_r);
		ipc_msg_free(&m);
	}
	/* the system refuses the key's pipe: cad stops (-2), nothing of it open */
	before = open_fds();
	fail_next("pipe2", EMFILE);
	log_begin();
	assert_int_equal(cad_hand_worker_key(&ctl, &worker, &key_r), -2);
	log_end_quiet();
	assert_logged("cad: fatal: pipe: Too many open files");
	assert_int_equal(ipc_recv(&cust, &m, e, sizeof(e)), 1); /* it was sent first */
	ipc_msg_free(&m);
	assert_int_equal(open_fds(), before);
	/* no randomness, no channel: cad stops, the custodian told nothing */
	fail_next("getrandom", EIO);
	log_begin();
	assert_int_equal(cad_hand_worker_key(&ctl, &worker, &key_r), -2);
	log_end_quiet();
	assert_logged("cad: fatal: getrandom: Input/output error");
	assert_int_equal(open_fds(), before);
	{
		char c;

		assert_int_equal(recv(sv[1], &c, 1, MSG_DONTWAIT), -1);
		assert_int_equal(errno, EAGAIN);
	}
	/* the custodian gone */
	ipc_chan_free(&cust);
	close(sv[1]);
	before = open_fds();
	log_begin();
	assert_int_equal(cad_hand_worker_key(&ctl, &worker, &key_r), -1);
	log_end_quiet();
	assert_logged("cad: warning: cannot hand the worker's channel to the custodian");
	assert_int_equal(open_fds(), before);
	ipc_chan_free(&ctl);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settings_defaults),
		cmocka_unit_test(test_settings_all),
		cmocka_unit_test(test_settings_refused),
		cmocka_unit_test(test_settings_low_below_reserve),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_auth_environment),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_worker_argv_fits),
		cmocka_unit_test(test_selftest_verdict),
		cmocka_unit_test(test_parse_args),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_listen_admin),
		cmocka_unit_test(test_hand_worker_key),
	};

	log_init("cad");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
