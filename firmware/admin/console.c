/* caadm's verbs that talk to the running custodian over DATA/admin.sock
 * (custodian/admin_proto.h): login/logout, operators, view, setextension,
 * resubmit, deny, revoke, unrevoke, crl, getprop/setprop, audit.
 *
 * Authentication: `caadm login NAME` keeps the session token in $CAADM_SESSION
 * (default ~/.caadm-session, mode 0600) for the verbs that follow; or a verb
 * given `--operator NAME` logs in for itself (passphrase from --passphrase-fd N,
 * --passphrase-file F, or the terminal) and logs out after. */
#include "firmware/admin/console.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/admin_proto.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/row.h"
#include "firmware/ledger/view.h"
#include "firmware/operator/operator.h"
#include "firmware/x509/x509.h"
#include "platform/atomicfile.h"
#include "platform/conf.h"
#include "platform/hex.h"
#include "platform/ipc.h"
#include "platform/log.h"
#include "platform/secret.h"

void con_usage(void)
{
	fprintf(stderr,
		"usage: caadm [--data DIR] [--operator NAME [--passphrase-fd N | --passphrase-file F]] VERB\n"
		"  login NAME | logout\n"
		"  operator add NAME --role admin|officer|auditor[,..] [NEWPASS] | del NAME |\n"
		"           passwd NAME [NEWPASS] | list\n"
		"     NEWPASS: --new-passphrase-fd N | --new-passphrase-file F (default: prompt)\n"
		"  view [--pending|--issued|--denied|--failed|--revoked] [--restrict COL<op>VAL]...\n"
		"       [--out COL,COL..] [--json]\n"
		"  setextension ID OID FLAGS @DERFILE|hex:HEX   resubmit ID   deny ID\n"
		"  revoke SERIAL [REASON] [--date YYYY-MM-DD[THH:MM:SS]] [--invalidity DATE]\n"
		"  unrevoke SERIAL   crl [--delta]   getprop NAME [--out FILE]   setprop NAME VALUE\n"
		"  audit [--verify] [--type TYPE] [--actor NAME] [--since DATE]\n");
	exit(4);
}

/* ---- transport ---- */

static void con_connect(struct console *c)
{
	struct sockaddr_un sa;
	int fd;

	if (adm_socket_address(c->dir, &sa) != 0)
		fatalx("%s: path too long", c->dir);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		fatal("socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "caadm: cannot reach the CA at %s: %s (is cad running?)\n",
			sa.sun_path, strerror(errno));
		exit(1);
	}
	ipc_chan_init(&c->chan, fd, "custodian", ADM_MAX_PAYLOAD);
}

/* Sends type with payload w (freed) and returns the reply (caller frees), which
 * must be of type expect. An ADM_ERROR is printed and exits (3 for access
 * refusals, 2 otherwise). */
void con_call(struct console *c, uint32_t type, struct ipc_wbuf *w, uint32_t expect,
	      struct ipc_msg *m)
{
	char err[256];

	if (w->failed || ipc_send(&c->chan, type, ++c->next_id, w->data, (uint32_t)w->len, -1) != 0)
		fatalx("cannot send to the CA");
	ipc_wbuf_free(w);
	if (ipc_recv(&c->chan, m, err, sizeof(err)) <= 0)
		fatalx("no answer from the CA: %s", err);
	if (m->hdr.type == ADM_ERROR) {
		static struct adm_error e;

		if (adm_error_decode(m->data, m->hdr.len, &e) != 0)
			fatalx("malformed error from the CA");
		fprintf(stderr, "caadm: refused: %s (0x%08x)\n", e.message, e.hresult);
		exit(e.hresult == HR_E_ACCESSDENIED || e.hresult == HR_LOGON_FAILURE ? 3 : 2);
	}
	if (m->hdr.type != expect)
		fatalx("unexpected answer %#x from the CA", m->hdr.type);
}

/* A request of the token alone (logout, operator list, verify). */
void con_bare(struct console *c, struct ipc_wbuf *w)
{
	struct adm_bare b;

	memcpy(b.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(w);
	adm_bare_encode(w, &b);
	explicit_bzero(&b, sizeof(b));
}

/* ---- sessions ---- */

static void session_path(char *out, size_t len)
{
	const char *p = getenv("CAADM_SESSION"), *home = getenv("HOME");

	if (p != NULL && *p)
		snprintf(out, len, "%s", p);
	else
		snprintf(out, len, "%s/.caadm-session", home ? home : "/root");
}

static void read_passphrase(struct console *c, const char *prompt, struct secret *s)
{
	char err[256];
	int rc = c->pass_fd >= 0	    ? secret_read_fd(c->pass_fd, s, err, sizeof(err))
		 : c->pass_file != NULL ? secret_read_file(c->pass_file, s, err, sizeof(err))
					: secret_read_tty(prompt, s, err, sizeof(err));

	if (rc != 0)
		fatalx("passphrase: %s", err);
}

static void login(struct console *c, const char *name)
{
	struct adm_login req;
	struct adm_session_is sess;
	struct secret pass;
	struct ipc_wbuf w;
	struct ipc_msg m;

	if (snprintf(req.name, sizeof(req.name), "%s", name) >= (int)sizeof(req.name))
		fatalx("%s: not an operator name", name);
	read_passphrase(c, "Operator passphrase: ", &pass);
	if (snprintf(req.pass, sizeof(req.pass), "%s", (const char *)pass.buf) >=
	    (int)sizeof(req.pass))
		fatalx("the passphrase is longer than %d bytes", OPERATOR_PASS_MAX);
	secret_wipe(&pass);
	ipc_wbuf_init(&w);
	adm_login_encode(&w, &req);
	explicit_bzero(&req, sizeof(req));
	con_call(c, ADM_LOGIN, &w, ADM_SESSION, &m);
	if (adm_session_decode(m.data, m.hdr.len, &sess) != 0)
		fatalx("malformed session from the CA");
	memcpy(c->token, sess.token, ADM_TOKEN_LEN);
	explicit_bzero(&sess, sizeof(sess));
	ipc_msg_free(&m);
}

void load_session(struct console *c)
{
	char path[PATH_MAX], hex[2 * ADM_TOKEN_LEN + 2];
	FILE *f;

	if (c->operator_name != NULL) {
		login(c, c->operator_name);
		c->own_session = 1;
		return;
	}
	session_path(path, sizeof(path));
	if ((f = fopen(path, "r")) == NULL || fgets(hex, sizeof(hex), f) == NULL) {
		fprintf(stderr, "caadm: not logged in: caadm login NAME (or --operator NAME)\n");
		exit(3);
	}
	fclose(f);
	for (size_t i = 0; i < ADM_TOKEN_LEN; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			fatalx("%s: not a session", path);
		c->token[i] = (uint8_t)v;
	}
	explicit_bzero(hex, sizeof(hex));
}

/* A verb answered ADM_OK: its message printed. */
void con_simple(struct console *c, uint32_t type, struct ipc_wbuf *w)
{
	static struct adm_ok ok;
	struct ipc_msg m;
	const char *msg = ok.message;

	con_call(c, type, w, ADM_OK, &m);
	if (adm_ok_decode(m.data, m.hdr.len, &ok) != 0)
		fatalx("malformed answer from the CA");
	printf("%s%s", msg, msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
	ipc_msg_free(&m);
}

/* ---- verbs ---- */

static int v_login(struct console *c, int argc, char **argv)
{
	char path[PATH_MAX], hex[2 * ADM_TOKEN_LEN + 2];

	if (argc != 2)
		con_usage();
	login(c, argv[1]);
	for (size_t i = 0; i < ADM_TOKEN_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", c->token[i]);
	hex[2 * ADM_TOKEN_LEN] = '\n';
	session_path(path, sizeof(path));
	if (atomicfile_write(path, hex, 2 * ADM_TOKEN_LEN + 1, 0600) != 0)
		fatalx("%s: cannot write the session", path);
	explicit_bzero(hex, sizeof(hex));
	printf("logged in as %s (session in %s)\n", argv[1], path);
	return 0;
}

static int v_logout(struct console *c, int argc, char **argv)
{
	char path[PATH_MAX];
	struct ipc_wbuf w;

	(void)argv;
	if (argc != 1)
		con_usage();
	load_session(c);
	con_bare(c, &w);
	con_simple(c, ADM_LOGOUT, &w);
	c->own_session = 0;
	session_path(path, sizeof(path));
	(void)unlink(path);
	return 0;
}

/* The new passphrase of operator add/passwd: --new-passphrase-fd N,
 * --new-passphrase-file F, or the terminal (never argv). */
static void new_passphrase(int argc, char **argv, int from, struct secret *s)
{
	char err[256];
	int rc;

	if (from == argc)
		rc = secret_read_tty("New passphrase for the operator: ", s, err, sizeof(err));
	else if (from + 2 == argc && strcmp(argv[from], "--new-passphrase-fd") == 0)
		rc = secret_read_fd(conf_arg_fd(argv[from + 1]), s, err, sizeof(err));
	else if (from + 2 == argc && strcmp(argv[from], "--new-passphrase-file") == 0)
		rc = secret_read_file(argv[from + 1], s, err, sizeof(err));
	else
		con_usage();
	if (rc != 0)
		fatalx("new passphrase: %s", err);
}

/* An operator's name into out (OPERATOR_NAME_MAX + 1 bytes), or usage. */
static void op_name(const char *name, char *out)
{
	if (snprintf(out, OPERATOR_NAME_MAX + 1, "%s", name) > OPERATOR_NAME_MAX) {
		fprintf(stderr, "caadm: %s: not an operator name\n", name);
		exit(4);
	}
}

static int v_operator(struct console *c, int argc, char **argv)
{
	struct ipc_wbuf w;
	struct secret pass;
	uint32_t roles = 0;
	int is_add;

	if (argc < 2)
		con_usage();
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		load_session(c);
		con_bare(c, &w);
		con_simple(c, ADM_OP_LIST, &w);
		return 0;
	}
	if (argc < 3)
		con_usage();
	if (strcmp(argv[1], "del") == 0 && argc == 3) {
		struct adm_op_del del;

		op_name(argv[2], del.name);
		load_session(c);
		memcpy(del.token, c->token, ADM_TOKEN_LEN);
		ipc_wbuf_init(&w);
		adm_op_del_encode(&w, &del);
		con_simple(c, ADM_OP_DEL, &w);
		return 0;
	}
	is_add = strcmp(argv[1], "add") == 0;
	if (is_add) {
		if (argc < 5 || strcmp(argv[3], "--role") != 0 ||
		    operator_roles_parse(argv[4], &roles) != 0)
			con_usage();
	} else if (strcmp(argv[1], "passwd") != 0) {
		con_usage();
	}
	new_passphrase(argc, argv, is_add ? 5 : 3, &pass);
	load_session(c);
	ipc_wbuf_init(&w);
	if (is_add) {
		struct adm_op_add add = {.roles = roles};

		memcpy(add.token, c->token, ADM_TOKEN_LEN);
		op_name(argv[2], add.name);
		if (snprintf(add.pass, sizeof(add.pass), "%s", (const char *)pass.buf) >=
		    (int)sizeof(add.pass))
			fatalx("the passphrase is longer than %d bytes", OPERATOR_PASS_MAX);
		adm_op_add_encode(&w, &add);
		explicit_bzero(&add, sizeof(add));
	} else {
		struct adm_op_passwd pw;

		memcpy(pw.token, c->token, ADM_TOKEN_LEN);
		op_name(argv[2], pw.name);
		if (snprintf(pw.pass, sizeof(pw.pass), "%s", (const char *)pass.buf) >=
		    (int)sizeof(pw.pass))
			fatalx("the passphrase is longer than %d bytes", OPERATOR_PASS_MAX);
		adm_op_passwd_encode(&w, &pw);
		explicit_bzero(&pw, sizeof(pw));
	}
	secret_wipe(&pass);
	con_simple(c, is_add ? ADM_OP_ADD : ADM_OP_PASSWD, &w);
	return 0;
}

static uint32_t parse_id(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == 0 || *end != 0 || v == 0 || v > UINT32_MAX) {
		fprintf(stderr, "caadm: %s: not a request id\n", s);
		exit(4);
	}
	return (uint32_t)v;
}

static void print_result(struct ipc_msg *m)
{
	static struct adm_result r;

	if (adm_result_decode(m->data, m->hdr.len, &r) != 0)
		fatalx("malformed answer from the CA");
	printf("request %u: %s (0x%08x) %s\n", r.request_id, ledger_disposition_name(r.disposition),
	       r.hresult, r.message);
}

static int v_request(struct console *c, uint32_t type, int argc, char **argv)
{
	struct adm_request_id q;
	struct ipc_wbuf w;
	struct ipc_msg m;

	if (argc != 2)
		con_usage();
	q.request_id = parse_id(argv[1]);
	load_session(c);
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_request_id_encode(&w, &q);
	con_call(c, type, &w, ADM_RESULT, &m);
	print_result(&m);
	ipc_msg_free(&m);
	return 0;
}

/* Hex (':' and spaces ignored) into out; the byte count, or -1. */
static long parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ':' || *s == ' ')
			continue;
		if ((v = hex_value((unsigned char)*s)) < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

static int v_setext(struct console *c, int argc, char **argv)
{
	static uint8_t value[LEDGER_TEXT_MAX];
	struct adm_setext q;
	struct ipc_wbuf w;
	unsigned char *file = NULL;
	size_t len = 0;
	long n;
	char *end;
	unsigned long flags;

	if (argc != 5)
		con_usage();
	flags = strtoul(argv[3], &end, 0);
	if (*end != 0 || flags > 3)
		con_usage();
	if (argv[4][0] == '@') {
		if (file_read_all(argv[4] + 1, LEDGER_TEXT_MAX, &file, &len) != 0)
			fatalx("%s: cannot read", argv[4] + 1);
		memcpy(value, file, len);
		free(file);
	} else if (strncmp(argv[4], "hex:", 4) == 0 &&
		   (n = parse_hex(argv[4] + 4, value, sizeof(value))) >= 0) {
		len = (size_t)n;
	} else {
		fprintf(stderr, "caadm: the value is @FILE (DER) or hex:HEX (DER)\n");
		return 4;
	}
	q.request_id = parse_id(argv[1]);
	if (snprintf(q.oid, sizeof(q.oid), "%s", argv[2]) >= (int)sizeof(q.oid)) {
		fprintf(stderr, "caadm: %s: not an OID\n", argv[2]);
		return 4;
	}
	q.flags = (uint32_t)flags;
	q.value = value;
	q.value_len = len;
	load_session(c);
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_setext_encode(&w, &q);
	con_simple(c, ADM_SETEXT, &w);
	return 0;
}

/* YYYY-MM-DD[THH:MM:SS[Z]] (UTC) or unix seconds. */
static int64_t parse_date(const char *s)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v = strtoll(s, &e, 10);

	if (*e == 0 && *s != 0)
		return v;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && *end == 'T')
		end = strptime(end + 1, "%H:%M:%S", &tm);
	if (end != NULL && *end == 'Z')
		end++;
	if (end == NULL || *end != 0) {
		fprintf(stderr, "caadm: %s: not a date\n", s);
		exit(4);
	}
	return (int64_t)timegm(&tm);
}

static const char *const reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
	"aACompromise",
};

static uint32_t parse_reason(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s != 0 && *end == 0 && v <= 10)
		return (uint32_t)v;
	for (size_t i = 0; i < sizeof(reason_names) / sizeof(reason_names[0]); i++)
		if (reason_names[i] != NULL && strcasecmp(s, reason_names[i]) == 0)
			return (uint32_t)i;
	fprintf(stderr, "caadm: %s: not an RFC 5280 reason (a number or e.g. keyCompromise, "
			"certificateHold)\n", s);
	exit(4);
}

static int v_revoke(struct console *c, int argc, char **argv, int unrevoke)
{
	struct adm_revoke q;
	struct ipc_wbuf w;
	int64_t when = 0, inval = 0;
	uint32_t reason = 0;
	long n;
	int i;

	if (argc < 2 || (n = parse_hex(argv[1], q.serial, sizeof(q.serial))) <= 0) {
		fprintf(stderr, "caadm: the serial number is hex, 1..20 bytes\n");
		return 4;
	}
	for (i = 2; i < argc; i++) {
		if (unrevoke)
			con_usage();
		if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
			when = parse_date(argv[++i]);
		else if (strcmp(argv[i], "--invalidity") == 0 && i + 1 < argc)
			inval = parse_date(argv[++i]);
		else if (argv[i][0] != '-')
			reason = parse_reason(argv[i]);
		else
			con_usage();
	}
	q.serial_len = (size_t)n;
	q.reason = reason;
	q.when = when;
	q.invalidity = inval;
	load_session(c);
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	if (unrevoke)
		adm_unrevoke_encode(&w, &q);
	else
		adm_revoke_encode(&w, &q);
	con_simple(c, unrevoke ? ADM_UNREVOKE : ADM_REVOKE, &w);
	return 0;
}

static int v_crl(struct console *c, int argc, char **argv)
{
	struct adm_crl q;
	struct ipc_wbuf w;
	int delta = argc == 2 && strcmp(argv[1], "--delta") == 0;

	if (argc > 2 || (argc == 2 && !delta))
		con_usage();
	load_session(c);
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	q.delta = (uint32_t)delta;
	ipc_wbuf_init(&w);
	adm_crl_encode(&w, &q);
	con_simple(c, ADM_CRL, &w);
	return 0;
}

/* A property's name into out (LEDGER_NAME_MAX + 1 bytes), or usage. */
static void prop_name(const char *name, char *out)
{
	if (snprintf(out, LEDGER_NAME_MAX + 1, "%s", name) > LEDGER_NAME_MAX) {
		fprintf(stderr, "caadm: %s: not a property name\n", name);
		exit(4);
	}
}

static int v_getprop(struct console *c, int argc, char **argv)
{
	struct adm_getprop q;
	struct adm_prop prop;
	struct ipc_wbuf w;
	struct ipc_msg m;
	const uint8_t *v;
	size_t len;

	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--out") == 0))
		con_usage();
	prop_name(argv[1], q.name);
	load_session(c);
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_getprop_encode(&w, &q);
	con_call(c, ADM_GETPROP, &w, ADM_PROP, &m);
	if (adm_prop_decode(m.data, m.hdr.len, &prop) != 0)
		fatalx("malformed answer from the CA");
	v = prop.value;
	len = prop.len;
	if (argc == 4) {
		if (atomicfile_write(argv[3], v, len, 0644) != 0)
			fatalx("%s: cannot write", argv[3]);
		printf("%s: %zu bytes written to %s\n", argv[1], len, argv[3]);
	} else if (memchr(v, 0, len) == NULL && strcmp(argv[1], "CACert") != 0 &&
		   strstr(argv[1], "CRL") != argv[1] + strlen(argv[1]) - 3) {
		printf("%.*s\n", (int)len, (const char *)v);
	} else {
		struct x509_buf pem = {0};
		const char *label = strcmp(argv[1], "CACert") == 0 ? "CERTIFICATE" : "X509 CRL";

		if (x509_pem_encode(label, v, len, &pem) != 0)
			fatalx("cannot encode");
		fwrite(pem.data, 1, pem.len, stdout);
		x509_buf_free(&pem);
	}
	ipc_msg_free(&m);
	return 0;
}

static int v_setprop(struct console *c, int argc, char **argv)
{
	struct adm_setprop q;
	struct ipc_wbuf w;

	if (argc != 3)
		con_usage();
	prop_name(argv[1], q.name);
	q.value = (const uint8_t *)argv[2];
	q.value_len = strlen(argv[2]);
	if (q.value_len > ADM_PROP_MAX) {
		fprintf(stderr, "caadm: the value is at most %d bytes\n", ADM_PROP_MAX);
		return 4;
	}
	load_session(c);
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_setprop_encode(&w, &q);
	con_simple(c, ADM_SETPROP, &w);
	return 0;
}

int console_main(const char *dir, int argc, char **argv)
{
	static const struct option lo[] = {
		{"operator", 1, 0, 'o'}, {"passphrase-fd", 1, 0, 'f'},
		{"passphrase-file", 1, 0, 'F'}, {"data", 1, 0, 'd'}, {0, 0, 0, 0},
	};
	struct console c;
	const char *verb;
	int ch, rc;

	memset(&c, 0, sizeof(c));
	c.dir = dir;
	c.pass_fd = -1;
	optind = 1;
	/* Global options come before the verb; the verb's own after it. */
	while ((ch = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': c.operator_name = optarg; break;
		case 'f': c.pass_fd = conf_arg_fd(optarg); break;
		case 'F': c.pass_file = optarg; break;
		case 'd': c.dir = optarg; break;
		default: con_usage();
		}
	}
	if (optind >= argc)
		con_usage();
	argc -= optind;
	argv += optind;
	verb = argv[0];
	con_connect(&c);
	if (strcmp(verb, "login") == 0)
		rc = v_login(&c, argc, argv);
	else if (strcmp(verb, "logout") == 0)
		rc = v_logout(&c, argc, argv);
	else if (strcmp(verb, "operator") == 0)
		rc = v_operator(&c, argc, argv);
	else if (strcmp(verb, "view") == 0)
		rc = console_view(&c, argc, argv);
	else if (strcmp(verb, "setextension") == 0)
		rc = v_setext(&c, argc, argv);
	else if (strcmp(verb, "resubmit") == 0)
		rc = v_request(&c, ADM_RESUBMIT, argc, argv);
	else if (strcmp(verb, "deny") == 0)
		rc = v_request(&c, ADM_DENY, argc, argv);
	else if (strcmp(verb, "revoke") == 0)
		rc = v_revoke(&c, argc, argv, 0);
	else if (strcmp(verb, "unrevoke") == 0)
		rc = v_revoke(&c, argc, argv, 1);
	else if (strcmp(verb, "crl") == 0)
		rc = v_crl(&c, argc, argv);
	else if (strcmp(verb, "getprop") == 0)
		rc = v_getprop(&c, argc, argv);
	else if (strcmp(verb, "setprop") == 0)
		rc = v_setprop(&c, argc, argv);
	else if (strcmp(verb, "audit") == 0)
		rc = console_audit(&c, argc, argv);
	else
		con_usage();
	if (c.own_session) {
		struct ipc_wbuf w;
		struct ipc_msg m;

		con_bare(&c, &w);
		con_call(&c, ADM_LOGOUT, &w, ADM_OK, &m);
		ipc_msg_free(&m);
	}
	explicit_bzero(c.token, sizeof(c.token));
	ipc_chan_free(&c.chan);
	return rc;
}
