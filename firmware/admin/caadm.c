/* caadm: the operator's console tool.
 *
 *   caadm init --root | --subordinate [options]   the CA key ceremony
 *   caadm install-cert FILE [--chain FILE] [options]
 *   caadm check [--data DIR] [PIN]                the custodian's start-up check
 *   caadm status [--data DIR]                     what the data directory holds
 *   caadm verify [--data DIR]                     replay and check the ledger
 *   caadm account add|del|list|passwd ...         enrollee accounts (account.c)
 *
 * Once the CA certificate exists (root ceremony, or install-cert for a
 * subordinate), caadm starts the ledger with its genesis event naming it.
 *
 * caadm does not link the PKCS#11 layer: every verb that needs the HSM runs
 * ca-custodian (installed next to caadm), which inherits the terminal or the PIN
 * descriptor. Later verbs talk to the running custodian over its admin socket. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "firmware/admin/account.h"
#include "firmware/x509/x509.h"
#include "platform/atomicfile.h"
#include "platform/conf.h"
#include "platform/log.h"
#include "platform/secret.h"
#include "firmware/admin/console.h"
#include "firmware/operator/operator.h"

#define MAX_ARGS 64

static void usage(void)
{
	fprintf(stderr,
		"usage: caadm init --root|--subordinate [--data DIR] [--subject DN]\n"
		"                  [--key rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384] [--days N]\n"
		"                  [--xchg-days N] [--out REQ.pem] [--module SO] [--token LABEL]\n"
		"                  [--softhsm-conf FILE] [--cdp URL] [--aia URL] [--ocsp URL]\n"
		"                  [--pin-fd N | --pin-file FILE] [--admin NAME\n"
		"                  --admin-passphrase-fd N | --admin-passphrase-file F]\n"
		"       caadm install-cert FILE [--chain PARENTS.pem] [--data DIR] [PIN]\n"
		"       caadm check [--data DIR] [--pin-fd N | --pin-file FILE]\n"
		"       caadm status [--data DIR]\n"
		"       caadm verify [--data DIR]\n"
		"       caadm operator-init NAME [--data DIR] [--passphrase-fd N|--passphrase-file F]\n"
		"       caadm [--data DIR] [--operator NAME ...] login|logout|operator|view|\n"
		"             setextension|resubmit|deny|revoke|unrevoke|crl|getprop|setprop|audit\n"
		"             (caadm [--data DIR] help-console for their options)\n"
		"       caadm account add|del|list|passwd [--data DIR] ... (caadm account)\n"
		"defaults: --data %s, key and subject from the build configuration\n",
		CONFIG_DATA_DIR);
	exit(2);
}

/* A program installed next to this one. */
static void tool_path(const char *name, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		fatal("cannot find my own path");
	self[n] = 0;
	slash = strrchr(self, '/');
	*slash = 0;
	if (snprintf(out, len, "%s/%s", self, name) >= (int)len)
		fatalx("path too long");
}

/* Runs a tool with args (args[0] is filled in) and returns its exit status. */
static int run_tool(const char *name, const char **args, size_t n)
{
	char path[PATH_MAX];
	pid_t pid;
	int st;

	tool_path(name, path, sizeof(path));
	args[0] = path;
	args[n] = NULL;
	fflush(stdout);
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid == 0) {
		execv(path, (char *const *)args);
		fatal("cannot run %s", path);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			fatal("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The value of --data among args, or the default. */
static const char *data_dir(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--data") == 0)
			return argv[i + 1];
	return CONFIG_DATA_DIR;
}

/* Starts the ledger with its genesis naming DIR/ca.crt; then, when the ceremony
 * made the first administrator (admin not NULL), journals that. */
static int ledger_genesis(const char *dir, const char *admin)
{
	const char *args[10];
	size_t n = 6;
	char cert[PATH_MAX];

	if (snprintf(cert, sizeof(cert), "%s/ca.crt", dir) >= (int)sizeof(cert))
		fatalx("path too long");
	args[1] = "genesis";
	args[2] = "--data";
	args[3] = dir;
	args[4] = "--cert";
	args[5] = cert;
	if (admin != NULL) {
		args[n++] = "--first-admin";
		args[n++] = admin;
	}
	return run_tool("ca-ledger", args, n);
}

static int first_admin(const char *dir, const char *name, int fd, const char *file);

static int cmd_init(int argc, char **argv)
{
	const char *args[MAX_ARGS + 4];
	size_t n = 1;
	const char *kind = NULL, *admin = NULL, *admin_file = NULL;
	int rc, admin_fd = -1;

	args[n++] = "ceremony";
	args[n++] = NULL; /* root or subordinate, filled below */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 || strcmp(argv[i], "--subordinate") == 0) {
			if (kind != NULL)
				usage();
			kind = argv[i] + 2;
		} else if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc) {
			admin = argv[++i];
		} else if (strcmp(argv[i], "--admin-passphrase-fd") == 0 && i + 1 < argc) {
			admin_fd = conf_arg_fd(argv[++i]);
		} else if (strcmp(argv[i], "--admin-passphrase-file") == 0 && i + 1 < argc) {
			admin_file = argv[++i];
		} else if (n < MAX_ARGS) {
			args[n++] = argv[i];
		} else {
			usage();
		}
	}
	if (kind == NULL)
		usage();
	args[2] = kind;
	if ((rc = run_tool("ca-custodian", args, n)) != 0)
		return rc;
	if (admin != NULL || admin_fd >= 0 || admin_file != NULL) {
		admin = admin ? admin : "admin";
		rc = first_admin(data_dir(argc, argv), admin, admin_fd, admin_file);
	} else {
		printf("no operator yet: caadm operator-init NAME creates the first administrator\n");
	}
	if (rc != 0)
		return rc;
	/* A subordinate's ledger starts at install-cert; its first administrator's
	 * creation is not journaled (see README). */
	return strcmp(kind, "root") == 0 ? ledger_genesis(data_dir(argc, argv), admin) : 0;
}

static int cmd_install_cert(int argc, char **argv)
{
	const char *args[MAX_ARGS + 4];
	size_t n = 1;
	const char *file = NULL;
	int rc;

	args[n++] = "install-cert";
	/* Every option takes a value: copy option and value, keep the one operand. */
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			if (file != NULL)
				usage();
			file = argv[i];
		} else if (i + 1 < argc && n + 2 < MAX_ARGS) {
			args[n++] = argv[i];
			args[n++] = argv[++i];
		} else {
			usage();
		}
	}
	if (file == NULL || n + 2 > MAX_ARGS)
		usage();
	args[n++] = "--cert";
	args[n++] = file;
	if ((rc = run_tool("ca-custodian", args, n)) != 0)
		return rc;
	return ledger_genesis(data_dir(argc, argv), NULL);
}

static int cmd_check(int argc, char **argv)
{
	const char *args[MAX_ARGS + 4];
	size_t n = 1;

	args[n++] = "check";
	for (int i = 1; i < argc && n < MAX_ARGS; i++)
		args[n++] = argv[i];
	return run_tool("ca-custodian", args, n);
}

static int cmd_verify(int argc, char **argv)
{
	const char *args[MAX_ARGS + 4];
	size_t n = 1;

	args[n++] = "verify";
	for (int i = 1; i < argc && n < MAX_ARGS; i++)
		args[n++] = argv[i];
	return run_tool("ca-ledger", args, n);
}

static void print_time(const char *label, time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
	printf("  %-12s %s\n", label, buf);
}

/* Reads the state file and the certificate without touching the HSM. */
static int cmd_status(int argc, char **argv)
{
	const char *dir = CONFIG_DATA_DIR;
	char path[PATH_MAX], err[512], subj[512];
	struct conf c;
	unsigned char *text;
	size_t len, n;
	struct x509_buf *certs;
	struct x509_cert_info ci;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			dir = argv[++i];
		else
			usage();
	}
	snprintf(path, sizeof(path), "%s/ca.conf", dir);
	if (conf_load(path, &c, err, sizeof(err)) != 0) {
		log_warnx("no CA in %s: %s", dir, err);
		return 1;
	}
	printf("CA in %s\n  %-12s %s\n  %-12s %s\n  %-12s %s (token '%s')\n", dir, "type",
	       conf_get(&c, "type"), "state", conf_get(&c, "state"), "signing key",
	       conf_get(&c, "sign_key_label"), conf_get(&c, "token"));
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	if (file_read_all(path, 1 << 20, &text, &len) != 0)
		return 0;
	if (x509_pem_decode_all("CERTIFICATE", text, len, &certs, &n) == 0 && n > 0) {
		if (x509_cert_decode(certs[0].data, certs[0].len, &ci, err, sizeof(err)) == 0) {
			x509_name_format(ci.subject.data, ci.subject.len, subj, sizeof(subj));
			printf("  %-12s %s\n", "subject", subj);
			x509_name_format(ci.issuer.data, ci.issuer.len, subj, sizeof(subj));
			printf("  %-12s %s\n", "issuer", subj);
			print_time("not before", ci.not_before);
			print_time("not after", ci.not_after);
			x509_cert_info_free(&ci);
		}
		for (size_t i = 0; i < n; i++)
			x509_buf_free(&certs[i]);
		free(certs);
	}
	free(text);
	return 0;
}

/* The first administrator: written directly, only while there is no operator
 * (the ceremony's trust: root at the console). Later operators are the
 * custodian's business (caadm operator add). */
static int first_admin(const char *dir, const char *name, int fd, const char *file)
{
	struct operator_db *db = calloc(1, sizeof(*db));
	struct secret pass;
	char err[256];
	int rc;

	if (db == NULL)
		fatalx("out of memory");
	if (operator_db_load(dir, db, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (db->n != 0) {
		fprintf(stderr, "caadm: %s/%s already has operators: use caadm operator add\n",
			dir, OPERATOR_FILE);
		free(db);
		return 2;
	}
	rc = fd >= 0	       ? secret_read_fd(fd, &pass, err, sizeof(err))
	     : file != NULL ? secret_read_file(file, &pass, err, sizeof(err))
			    : secret_read_tty("Passphrase for the first CA administrator: ", &pass,
					      err, sizeof(err));
	if (rc != 0)
		fatalx("passphrase: %s", err);
	rc = operator_set(db, name, ROLE_ADMIN, (const char *)pass.buf, err, sizeof(err));
	secret_wipe(&pass);
	if (rc == 0)
		rc = operator_db_save(dir, db, err, sizeof(err));
	explicit_bzero(db, sizeof(*db));
	free(db);
	if (rc != 0) {
		fprintf(stderr, "caadm: %s\n", err);
		return 2;
	}
	printf("first CA administrator: %s\n", name);
	return 0;
}

/* caadm operator-init NAME [--data DIR] [--passphrase-fd N | --passphrase-file F] */
static int cmd_operator_init(int argc, char **argv)
{
	const char *dir = data_dir(argc, argv), *name = NULL, *file = NULL;
	int fd = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			i++;
		else if (strcmp(argv[i], "--passphrase-fd") == 0 && i + 1 < argc)
			fd = conf_arg_fd(argv[++i]);
		else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (argv[i][0] != '-' && name == NULL)
			name = argv[i];
		else
			usage();
	}
	if (name == NULL)
		usage();
	return first_admin(dir, name, fd, file);
}

int main(int argc, char **argv)
{
	log_init("caadm");
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "init") == 0)
		return cmd_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "install-cert") == 0)
		return cmd_install_cert(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0)
		return cmd_status(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "operator-init") == 0)
		return cmd_operator_init(argc - 1, argv + 1);
	if (strcmp(argv[1], "account") == 0)
		return cmd_account(argc - 1, argv + 1);
	/* Everything else is a console verb for the running CA. */
	return console_main(data_dir(argc, argv), argc, argv);
}
