/* caadm's verbs on the data directory, without the running CA: init,
 * install-cert, check, status, verify, operator-init; and caadm_main(), which
 * parses the command line (cli.c) and runs the verb.
 *
 *   caadm init --root | --subordinate [options]   the CA key ceremony
 *   caadm install-cert FILE [--chain FILE] [options]
 *   caadm check [--data DIR] [PIN]                the custodian's start-up check
 *   caadm status [--data DIR]                     what the data directory holds
 *   caadm verify [--data DIR] [--checkpoint FILE [--ca-cert FILE] | PIN]
 *                                                 replay and check the ledger, and
 *                                                 compare it with a checkpoint: the
 *                                                 HSM's anchor (with a PIN) or a file
 *   caadm checkpoint [--data DIR] [--out FILE] [PIN] export the HSM's anchor
 *   caadm account add|del|list|passwd ...         enrollee accounts (account.c)
 *   caadm kerberos keytab add FILE|del|show       ca-auth's keytab (kerberos.c)
 *
 * Once the CA certificate exists (root ceremony, or install-cert for a
 * subordinate), caadm starts the ledger with its genesis event naming it.
 *
 * caadm does not link the PKCS#11 layer: every verb that needs the HSM runs
 * ca-custodian (installed next to caadm), which inherits the terminal or the PIN
 * descriptor. Later verbs talk to the running custodian over its admin socket.
 *
 * Nothing here exits: a failure is printed as fatal() printed it and returned as
 * ADM_EXIT_FAILED; main.c exits with what caadm_main() returns. */
#include "firmware/admin/admin.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "firmware/x509/x509.h"
#include "platform/atomicfile.h"
#include "platform/conf.h"
#include "platform/hex.h"
#include "platform/log.h"
#include "platform/secret.h"
#include "firmware/operator/operator.h"

extern char **environ;

int adm_failx(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_failx("%s", msg);
	return ADM_EXIT_FAILED;
}

/* A program installed next to this one, into out; 0 or ADM_EXIT_FAILED. */
static int tool_path(const char *name, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		log_fail("cannot find my own path");
		return ADM_EXIT_FAILED;
	}
	self[n] = 0;
	slash = strrchr(self, '/');
	*slash = 0;
	if (snprintf(out, len, "%s/%s", self, name) >= (int)len) {
		log_failx("path too long");
		return ADM_EXIT_FAILED;
	}
	return 0;
}

/* Runs a tool with args[1..n-1] (args[0], its path, is filled in here) and
 * returns its exit status (128 + the signal that ended it). posix_spawn reports
 * a failed exec to this process, so no child is left to end itself. */
static int run_tool(const char *name, const char *const *args, size_t n)
{
	const char *argv[ADM_MAX_ARGS + 4];
	char path[PATH_MAX];
	pid_t pid;
	int st, rc;

	if ((rc = tool_path(name, path, sizeof(path))) != 0)
		return rc;
	memcpy(argv, args, n * sizeof(*argv));
	argv[0] = path;
	argv[n] = NULL;
	fflush(stdout);
	if ((rc = posix_spawn(&pid, path, NULL, NULL, (char *const *)argv, environ)) != 0) {
		errno = rc;
		log_fail("cannot run %s", path);
		return ADM_EXIT_FAILED;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			log_fail("waitpid");
			return ADM_EXIT_FAILED;
		}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Starts the ledger with its genesis naming DIR/ca.crt; then, when the ceremony
 * made the first administrator (admin not NULL), journals that. */
static int ledger_genesis(const char *dir, const char *admin)
{
	const char *args[10];
	size_t n = 6;
	char cert[PATH_MAX];

	if (snprintf(cert, sizeof(cert), "%s/ca.crt", dir) >= (int)sizeof(cert)) {
		log_failx("path too long");
		return ADM_EXIT_FAILED;
	}
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

/* A passphrase from its source: descriptor, file, or the terminal with prompt. */
static int read_secret(const struct adm_secret_src *src, const char *prompt, struct secret *s,
		       char *err, size_t errlen)
{
	if (src->fd >= 0)
		return secret_read_fd(src->fd, s, err, errlen);
	if (src->file != NULL)
		return secret_read_file(src->file, s, err, errlen);
	return secret_read_tty(prompt, s, err, errlen);
}

/* The first administrator: written directly, only while there is no operator
 * (the ceremony's trust: root at the console). Later operators are the
 * custodian's business (caadm operator add). */
static int first_admin(const char *dir, const char *name, const struct adm_secret_src *src)
{
	struct operator_db *db = calloc(1, sizeof(*db));
	struct secret pass;
	char err[256];
	int rc;

	if (db == NULL) {
		log_failx("out of memory");
		return ADM_EXIT_FAILED;
	}
	if (operator_db_load(dir, db, err, sizeof(err)) != 0) {
		free(db);
		log_failx("%s", err);
		return ADM_EXIT_FAILED;
	}
	if (db->n != 0) {
		fprintf(stderr, "caadm: %s/%s already has operators: use caadm operator add\n",
			dir, OPERATOR_FILE);
		free(db);
		return 2;
	}
	if (read_secret(src, "Passphrase for the first CA administrator: ", &pass, err,
			sizeof(err)) != 0) {
		explicit_bzero(db, sizeof(*db));
		free(db);
		log_failx("passphrase: %s", err);
		return ADM_EXIT_FAILED;
	}
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

/* The key ceremony (ca-custodian), the first administrator if one was asked
 * for, and for a root the ledger's genesis. */
static int run_init(const struct adm_cmd *cmd)
{
	int rc;

	if ((rc = run_tool("ca-custodian", cmd->args, cmd->n_args)) != 0)
		return rc;
	if (cmd->admin != NULL)
		rc = first_admin(cmd->dir, cmd->admin, &cmd->admin_pass);
	else
		printf("no operator yet: caadm operator-init NAME creates the first administrator\n");
	if (rc != 0)
		return rc;
	/* A subordinate's ledger starts at install-cert; its first administrator's
	 * creation is not journaled (see README). */
	return strcmp(cmd->kind, "root") == 0 ? ledger_genesis(cmd->dir, cmd->admin) : 0;
}

/* A subordinate's certificate (ca-custodian checks and installs it), then the
 * ledger's genesis. */
static int run_install_cert(const struct adm_cmd *cmd)
{
	int rc;

	if ((rc = run_tool("ca-custodian", cmd->args, cmd->n_args)) != 0)
		return rc;
	return ledger_genesis(cmd->dir, NULL);
}

static void print_time(const char *label, time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
	printf("  %-12s %s\n", label, buf);
}

/* The certificate's names and validity, when DIR/ca.crt holds one. */
static void print_cert(const char *dir)
{
	char path[PATH_MAX], err[512], subj[512];
	unsigned char *text;
	size_t len, n;
	struct x509_buf *certs;
	struct x509_cert_info ci;

	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	if (file_read_all(path, 1 << 20, &text, &len) != 0)
		return;
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
}

/* Reads the state file and the certificate without touching the HSM. */
static int run_status(const struct adm_cmd *cmd)
{
	char path[PATH_MAX], err[512];
	struct conf c;

	snprintf(path, sizeof(path), "%s/ca.conf", cmd->dir);
	if (conf_load(path, &c, err, sizeof(err)) != 0) {
		log_warnx("no CA in %s: %s", cmd->dir, err);
		return 1;
	}
	printf("CA in %s\n  %-12s %s\n  %-12s %s\n  %-12s %s (token '%s')\n", cmd->dir, "type",
	       conf_get(&c, "type"), "state", conf_get(&c, "state"), "signing key",
	       conf_get(&c, "sign_key_label"), conf_get(&c, "token"));
	print_cert(cmd->dir);
	return 0;
}

/* A signed checkpoint from a file (PEM "LEDGER CHECKPOINT" or DER), checked
 * with the CA certificate (cert_path: PEM or DER); *a filled. 0 or
 * ADM_EXIT_FAILED with the reason printed. */
static int load_checkpoint(const char *path, const char *cert_path, struct x509_checkpoint *a)
{
	unsigned char *text = NULL, *ctext = NULL;
	struct x509_buf *blocks = NULL, *certs = NULL;
	struct x509_cert_info ci;
	size_t len, clen, nb = 0, nc = 0;
	const uint8_t *der, *cder;
	size_t der_len, cder_len;
	char err[512];
	int rc = ADM_EXIT_FAILED;

	if (file_read_all(path, 1 << 20, &text, &len) != 0) {
		log_fail("%s", path);
		return rc;
	}
	if (file_read_all(cert_path, 1 << 20, &ctext, &clen) != 0) {
		log_fail("%s", cert_path);
		free(text);
		return rc;
	}
	der = text;
	der_len = len;
	if (x509_pem_decode_all("LEDGER CHECKPOINT", text, len, &blocks, &nb) == 0 && nb == 1) {
		der = blocks[0].data;
		der_len = blocks[0].len;
	}
	cder = ctext;
	cder_len = clen;
	if (x509_pem_decode_all("CERTIFICATE", ctext, clen, &certs, &nc) == 0 && nc >= 1) {
		cder = certs[0].data;
		cder_len = certs[0].len;
	}
	if (x509_cert_decode(cder, cder_len, &ci, err, sizeof(err)) != 0) {
		log_failx("%s: %s", cert_path, err);
	} else {
		if (x509_checkpoint_verify(der, der_len, ci.spki.data, ci.spki.len, a, err,
					   sizeof(err)) != 0)
			log_failx("%s is not a checkpoint signed by the CA of %s: %s", path,
				  cert_path, err);
		else
			rc = 0;
		x509_cert_info_free(&ci);
	}
	for (size_t i = 0; i < nb; i++)
		x509_buf_free(&blocks[i]);
	for (size_t i = 0; i < nc; i++)
		x509_buf_free(&certs[i]);
	free(blocks);
	free(certs);
	free(text);
	free(ctext);
	return rc;
}

/* The HSM's anchor into dir/anchor.pem (ca-custodian anchor): 0, 3 when the
 * token holds none, or the tool's failure. */
static int fetch_anchor(const char *data, const char *pin_opt, const char *pin_val,
			const char *out)
{
	const char *args[10] = {NULL, "anchor", "--data", data, "--out", out, pin_opt, pin_val};

	return run_tool("ca-custodian", args, 8);
}

/* verify: ca-ledger verify, given the anchor to compare with when there is one:
 * --checkpoint FILE (checked with DATA/ca.crt, or --ca-cert FILE: a copy kept
 * apart from the data directory), or the HSM's (with --pin-fd/--pin-file, read
 * by ca-custodian). Other arguments go to ca-ledger, which judges them. */
static int run_verify(const struct adm_cmd *cmd)
{
	const char *largs[ADM_MAX_ARGS + 8];
	const char *dir = CONFIG_DATA_DIR, *cpfile = NULL, *cacert = NULL;
	const char *pin_opt = NULL, *pin_val = NULL, *source = NULL;
	char certpath[PATH_MAX], tmpdir[] = "/tmp/caadm-anchor-XXXXXX", fetched[PATH_MAX];
	char anchor[160], src[PATH_MAX + 32];
	struct x509_checkpoint cp;
	size_t n = 1;
	int rc, have = 0;

	largs[n++] = "verify";
	for (size_t i = 2; i < cmd->n_args; i++) {
		const char *a = cmd->args[i];
		int has_value = i + 1 < cmd->n_args;

		if (strcmp(a, "--checkpoint") == 0 && has_value)
			cpfile = cmd->args[++i];
		else if (strcmp(a, "--ca-cert") == 0 && has_value)
			cacert = cmd->args[++i];
		else if ((strcmp(a, "--pin-file") == 0 || strcmp(a, "--pin-fd") == 0) && has_value) {
			pin_opt = a;
			pin_val = cmd->args[++i];
		} else {
			if (strcmp(a, "--data") == 0 && has_value)
				dir = cmd->args[i + 1];
			largs[n++] = a;
		}
	}
	if (cpfile != NULL && pin_opt != NULL)
		return adm_failx("verify: --checkpoint FILE or a PIN for the HSM's anchor, not both");
	if (cacert == NULL) {
		if (snprintf(certpath, sizeof(certpath), "%s/%s", dir, "ca.crt") >=
		    (int)sizeof(certpath))
			return adm_failx("path too long");
		cacert = certpath;
	}
	if (cpfile != NULL) {
		if ((rc = load_checkpoint(cpfile, cacert, &cp)) != 0)
			return rc;
		snprintf(src, sizeof(src), "the checkpoint in %s", cpfile);
		source = src;
		have = 1;
	} else if (pin_opt != NULL) {
		if (mkdtemp(tmpdir) == NULL) {
			log_fail("mkdtemp");
			return ADM_EXIT_FAILED;
		}
		snprintf(fetched, sizeof(fetched), "%s/anchor.pem", tmpdir);
		rc = fetch_anchor(dir, pin_opt, pin_val, fetched);
		if (rc == 0) {
			rc = load_checkpoint(fetched, cacert, &cp);
			have = rc == 0;
			source = "the HSM's checkpoint";
		} else if (rc == 3) {
			/* No anchor: ca-ledger refuses a ledger that holds a checkpoint
			 * (the anchors were removed), as the custodian's start does. */
			printf("no ledger anchor on the token yet: the ledger is not compared with "
			       "one\n");
			largs[n++] = "--unanchored";
			rc = 0;
		}
		unlink(fetched);
		rmdir(tmpdir);
		if (rc != 0)
			return rc;
	}
	if (have) {
		char head[2 * X509_CHECKPOINT_HASH_LEN + 1];

		hex_encode(cp.head, sizeof(cp.head), head);
		snprintf(anchor, sizeof(anchor), "%llu,%s,%lld,%llu", (unsigned long long)cp.seq,
			 head, (long long)cp.time, (unsigned long long)cp.crl_number);
		largs[n++] = "--anchor";
		largs[n++] = anchor;
		largs[n++] = "--anchor-source";
		largs[n++] = source;
	}
	rc = run_tool("ca-ledger", largs, n);
	if (rc == 0 && !have && pin_opt == NULL)
		printf("not compared with the HSM's anchor: give --pin-fd N or --pin-file FILE, "
		       "or --checkpoint FILE (caadm checkpoint exports one)\n");
	return rc;
}

/* checkpoint: the HSM's anchor exported (ca-custodian anchor); with --reanchor,
 * the ledger verified (ca-ledger verify, which hands back its head on a
 * descriptor) and then anchored as it stands (ca-custodian anchor --reanchor):
 * after the anchors were lost, or a ledger restored from a backup on purpose. */
static int run_checkpoint(const struct adm_cmd *cmd)
{
	const char *args[ADM_MAX_ARGS + 8];
	const char *dir = CONFIG_DATA_DIR;
	char tmp[] = "/tmp/caadm-head-XXXXXX", fdarg[16], head[160];
	size_t n = 0;
	ssize_t got;
	int reanchor = 0, fd, rc;

	for (size_t i = 0; i < cmd->n_args; i++) {
		if (i >= 2 && strcmp(cmd->args[i], "--reanchor") == 0) {
			reanchor = 1;
			continue;
		}
		if (i >= 2 && strcmp(cmd->args[i], "--data") == 0 && i + 1 < cmd->n_args)
			dir = cmd->args[i + 1];
		args[n++] = cmd->args[i];
	}
	if (!reanchor)
		return run_tool("ca-custodian", args, n);
	if ((fd = mkstemp(tmp)) < 0) {
		log_fail("mkstemp");
		return ADM_EXIT_FAILED;
	}
	unlink(tmp);
	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	{
		const char *largs[] = {NULL, "verify", "--data", dir, "--head-fd", fdarg};

		rc = run_tool("ca-ledger", largs, 6);
	}
	got = rc == 0 ? pread(fd, head, sizeof(head) - 1, 0) : -1;
	close(fd);
	if (rc != 0)
		return adm_failx("the ledger does not verify: it is not anchored");
	if (got <= 1 || head[got - 1] != '\n')
		return adm_failx("no head from ca-ledger verify");
	head[got - 1] = 0;
	args[n++] = "--reanchor";
	args[n++] = head;
	return run_tool("ca-custodian", args, n);
}

int adm_run_local(const struct adm_cmd *cmd)
{
	switch (cmd->verb) {
	case CMD_INIT: return run_init(cmd);
	case CMD_INSTALL_CERT: return run_install_cert(cmd);
	case CMD_CHECK: return run_tool("ca-custodian", cmd->args, cmd->n_args);
	case CMD_STATUS: return run_status(cmd);
	case CMD_VERIFY: return run_verify(cmd);
	case CMD_CHECKPOINT: return run_checkpoint(cmd);
	case CMD_OPERATOR_INIT: return first_admin(cmd->dir, cmd->name, &cmd->secret);
	case CMD_ACCOUNT: return adm_run_account(cmd);
	case CMD_KERBEROS: return adm_run_kerberos(cmd);
	default: return ADM_EXIT_FAILED; /* a console verb: adm_run_console */
	}
}

int caadm_main(int argc, char **argv)
{
	struct adm_cmd *cmd = malloc(sizeof(*cmd));
	char err[ADM_ERR_MAX];
	int rc;

	if (cmd == NULL) {
		log_failx("out of memory");
		return ADM_EXIT_FAILED;
	}
	rc = adm_parse(argc, argv, cmd, err, sizeof(err));
	if (cmd->console)
		rc = adm_run_console(cmd, rc, err);
	else if (rc != 0)
		fputs(err, stderr);
	else
		rc = adm_run_local(cmd);
	free(cmd);
	return rc;
}
