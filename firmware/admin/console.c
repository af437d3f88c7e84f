/* caadm's verbs that talk to the running custodian over DATA/admin.sock
 * (custodian/admin_proto.h): login/logout, operators, view, setextension,
 * resubmit, deny, revoke, unrevoke, crl, getprop/setprop, audit. Their command
 * lines are parsed by cli.c; this file runs them.
 *
 * Authentication: `caadm login NAME` keeps the session token in $CAADM_SESSION
 * (default .caadm-session in the home directory of the user caadm runs as, from
 * the password database, mode 0600) for the verbs that follow; a session file
 * owned by another user, or that others may read or write, is refused. Or a verb
 * given `--operator NAME` logs in for itself (passphrase from --passphrase-fd N,
 * --passphrase-file F, or the terminal) and logs out after, failed or not. */
#include "firmware/admin/console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "firmware/custodian/admin_msg.h"
#include "firmware/custodian/admin_proto.h"
#include "firmware/ledger/event.h"
#include "firmware/operator/operator.h"
#include "firmware/x509/x509.h"
#include "platform/atomicfile.h"
#include "platform/ipc.h"
#include "platform/log.h"
#include "platform/secret.h"

/* ---- transport ---- */

/* Connects to DATA/admin.sock. down not NULL: nothing listening there (no
 * socket, or refused) is CON_DOWN, unprinted. */
static int con_connect_to(struct console *c, int *down)
{
	struct sockaddr_un sa;
	int fd;

	if (adm_socket_address(c->cmd->dir, &sa) != 0)
		return adm_failx("%s: path too long", c->cmd->dir);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		log_fail("socket");
		return ADM_EXIT_FAILED;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (down != NULL && (errno == ENOENT || errno == ECONNREFUSED)) {
			close(fd);
			*down = 1;
			return CON_DOWN;
		}
		fprintf(stderr, "caadm: cannot reach the CA at %s: %s (is cad running?)\n",
			sa.sun_path, strerror(errno));
		close(fd);
		return ADM_EXIT_FAILED;
	}
	ipc_chan_init(&c->chan, fd, "custodian", ADM_MAX_PAYLOAD);
	c->connected = 1;
	return 0;
}

static int con_connect(struct console *c)
{
	return con_connect_to(c, NULL);
}

/* The CA's refusal, printed; 3 for access refusals, 2 otherwise. */
static int con_refused(const struct ipc_msg *m)
{
	static struct adm_error e;

	if (adm_error_decode(m->data, m->hdr.len, &e) != 0)
		return adm_failx("malformed error from the CA");
	fprintf(stderr, "caadm: refused: %s (0x%08x)\n", e.message, e.hresult);
	return e.hresult == HR_E_ACCESSDENIED || e.hresult == HR_LOGON_FAILURE ? ADM_EXIT_DENIED
									       : ADM_EXIT_REFUSED;
}

int con_call(struct console *c, uint32_t type, struct ipc_wbuf *w, uint32_t expect,
	     struct ipc_msg *m)
{
	char err[256];
	int rc = 0, sent = !w->failed &&
		 ipc_send(&c->chan, type, ++c->next_id, w->data, (uint32_t)w->len, -1) == 0;

	ipc_wbuf_free(w);
	if (!sent)
		return adm_failx("cannot send to the CA");
	if (ipc_recv(&c->chan, m, err, sizeof(err)) <= 0)
		return adm_failx("no answer from the CA: %s", err);
	if (m->hdr.type == ADM_ERROR)
		rc = con_refused(m);
	else if (m->hdr.type != expect)
		rc = adm_failx("unexpected answer %#x from the CA", m->hdr.type);
	if (rc != 0)
		ipc_msg_free(m);
	return rc;
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

/* $CAADM_SESSION, or .caadm-session in the home of the user caadm runs as: each
 * operator's own (a $HOME left from another user, as su and setpriv keep it,
 * would name that user's). */
static void session_path(char *out, size_t len)
{
	const char *p = getenv("CAADM_SESSION"), *home = NULL;
	struct passwd *pw = getpwuid(getuid());

	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		home = pw->pw_dir;
	else
		home = getenv("HOME");
	if (p != NULL && *p)
		snprintf(out, len, "%s", p);
	else
		snprintf(out, len, "%s/.caadm-session", home ? home : "/nonexistent");
}

/* A session file is its user's alone: a regular file (not a link), owned by the
 * user caadm runs as, that nobody else may read or write. Another's file would
 * be another's session (or one planted to be used). 0, or -1 with why. */
static int session_file_ok(const struct stat *st, char *why, size_t whylen)
{
	if (!S_ISREG(st->st_mode))
		snprintf(why, whylen, "not a regular file");
	else if (st->st_uid != getuid())
		snprintf(why, whylen, "owned by uid %ld, not by this user (uid %ld)",
			 (long)st->st_uid, (long)getuid());
	else if ((st->st_mode & 077) != 0)
		snprintf(why, whylen, "others may read or write it (mode %04o; 0600 expected)",
			 (unsigned)(st->st_mode & 07777));
	else
		return 0;
	return -1;
}

/* A passphrase from its source: descriptor, file, or the terminal. */
static int read_passphrase(const struct adm_secret_src *src, const char *prompt,
			   struct secret *s, char *err, size_t errlen)
{
	if (src->fd >= 0)
		return secret_read_fd(src->fd, s, err, errlen);
	if (src->file != NULL)
		return secret_read_file(src->file, s, err, errlen);
	return secret_read_tty(prompt, s, err, errlen);
}

/* The login request for name with the passphrase read, into w. */
static int login_request(struct console *c, const char *name, struct ipc_wbuf *w)
{
	struct adm_login req;
	struct secret pass;
	char err[256];
	int too_long;

	if (snprintf(req.name, sizeof(req.name), "%s", name) >= (int)sizeof(req.name))
		return adm_failx("%s: not an operator name", name);
	if (read_passphrase(&c->cmd->operator_pass, "Operator passphrase: ", &pass, err,
			    sizeof(err)) != 0)
		return adm_failx("passphrase: %s", err);
	too_long = snprintf(req.pass, sizeof(req.pass), "%s", (const char *)pass.buf) >=
		   (int)sizeof(req.pass);
	secret_wipe(&pass);
	if (too_long) {
		explicit_bzero(&req, sizeof(req));
		return adm_failx("the passphrase is longer than %d bytes", OPERATOR_PASS_MAX);
	}
	ipc_wbuf_init(w);
	adm_login_encode(w, &req);
	explicit_bzero(&req, sizeof(req));
	return 0;
}

/* Logs in as name: the session's token into c->token. */
static int login(struct console *c, const char *name)
{
	struct adm_session_is sess;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	if ((rc = login_request(c, name, &w)) != 0 ||
	    (rc = con_call(c, ADM_LOGIN, &w, ADM_SESSION, &m)) != 0)
		return rc;
	if (adm_session_decode(m.data, m.hdr.len, &sess) != 0)
		rc = adm_failx("malformed session from the CA");
	else
		memcpy(c->token, sess.token, ADM_TOKEN_LEN);
	explicit_bzero(&sess, sizeof(sess));
	ipc_msg_free(&m);
	return rc;
}

/* The token `caadm login` kept in the session file. */
static int read_session(struct console *c)
{
	char path[PATH_MAX], hex[2 * ADM_TOKEN_LEN + 2], why[128];
	struct stat st;
	FILE *f = NULL;
	int fd, rc = 0;

	session_path(path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) >= 0) {
		if (fstat(fd, &st) != 0 || session_file_ok(&st, why, sizeof(why)) != 0) {
			close(fd);
			return adm_failx("%s: refused as a session file: %s", path, why);
		}
		f = fdopen(fd, "r");
	} else if (errno == ELOOP) {
		return adm_failx("%s: refused as a session file: a symbolic link", path);
	}
	if (f == NULL || fgets(hex, sizeof(hex), f) == NULL) {
		if (f != NULL)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		fprintf(stderr, "caadm: not logged in: caadm login NAME (or --operator NAME)\n");
		return ADM_EXIT_DENIED;
	}
	fclose(f);
	for (size_t i = 0; i < ADM_TOKEN_LEN && rc == 0; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			rc = adm_failx("%s: not a session", path);
		c->token[i] = (uint8_t)v;
	}
	explicit_bzero(hex, sizeof(hex));
	return rc;
}

int load_session(struct console *c)
{
	int rc;

	if (c->cmd->operator_name == NULL)
		return read_session(c);
	if ((rc = login(c, c->cmd->operator_name)) == 0)
		c->own_session = 1;
	return rc;
}

/* A verb answered ADM_OK: its message printed. */
int con_simple(struct console *c, uint32_t type, struct ipc_wbuf *w)
{
	static struct adm_ok ok;
	struct ipc_msg m;
	const char *msg = ok.message;
	int rc;

	if ((rc = con_call(c, type, w, ADM_OK, &m)) != 0)
		return rc;
	if (adm_ok_decode(m.data, m.hdr.len, &ok) != 0)
		rc = adm_failx("malformed answer from the CA");
	else
		printf("%s%s", msg, msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
	ipc_msg_free(&m);
	return rc;
}

/* ---- verbs ---- */

/* login NAME: the session's token into the session file. */
static int v_login(struct console *c)
{
	char path[PATH_MAX], hex[2 * ADM_TOKEN_LEN + 2], why[128];
	struct stat st;
	int rc;

	/* Not over a file that is not ours (the rename would replace it): the same
	 * rule as for reading one, checked before a session is opened. */
	session_path(path, sizeof(path));
	if (lstat(path, &st) == 0 && session_file_ok(&st, why, sizeof(why)) != 0 &&
	    (!S_ISREG(st.st_mode) || st.st_uid != getuid()))
		return adm_failx("%s: refused as a session file: %s", path, why);
	if ((rc = login(c, c->cmd->name)) != 0)
		return rc;
	for (size_t i = 0; i < ADM_TOKEN_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", c->token[i]);
	hex[2 * ADM_TOKEN_LEN] = '\n';
	rc = atomicfile_write(path, hex, 2 * ADM_TOKEN_LEN + 1, 0600);
	explicit_bzero(hex, sizeof(hex));
	if (rc != 0)
		return adm_failx("%s: cannot write the session", path);
	printf("logged in as %s (session in %s)\n", c->cmd->name, path);
	return 0;
}

static int v_logout(struct console *c)
{
	char path[PATH_MAX];
	struct ipc_wbuf w;
	int rc;

	if ((rc = load_session(c)) != 0)
		return rc;
	con_bare(c, &w);
	if ((rc = con_simple(c, ADM_LOGOUT, &w)) != 0)
		return rc;
	c->own_session = 0;
	session_path(path, sizeof(path));
	(void)unlink(path);
	return 0;
}

/* The new passphrase of operator add/passwd (cli.c took its source). */
static int new_passphrase(const struct adm_cmd *cmd, struct secret *s)
{
	char err[256];
	int rc = cmd->secret.fd >= 0 ? secret_read_fd(cmd->secret.fd, s, err, sizeof(err))
		 : cmd->secret.file != NULL
			 ? secret_read_file(cmd->secret.file, s, err, sizeof(err))
			 : secret_read_tty("New passphrase for the operator: ", s, err, sizeof(err));

	return rc != 0 ? adm_failx("new passphrase: %s", err) : 0;
}

/* The passphrase into the request's field; too long is refused. */
static int copy_passphrase(const struct secret *s, char *out, size_t outlen)
{
	if (snprintf(out, outlen, "%s", (const char *)s->buf) >= (int)outlen)
		return adm_failx("the passphrase is longer than %d bytes", OPERATOR_PASS_MAX);
	return 0;
}

/* The add or passwd request into w, with the token and the new passphrase. */
static int operator_set_request(struct console *c, const struct secret *pass,
				struct ipc_wbuf *w)
{
	const struct adm_cmd *cmd = c->cmd;
	int rc;

	ipc_wbuf_init(w);
	if (cmd->sub == ADM_SUB_ADD) {
		struct adm_op_add add = {.roles = cmd->roles};

		memcpy(add.token, c->token, ADM_TOKEN_LEN);
		snprintf(add.name, sizeof(add.name), "%s", cmd->name);
		if ((rc = copy_passphrase(pass, add.pass, sizeof(add.pass))) == 0)
			adm_op_add_encode(w, &add);
		explicit_bzero(&add, sizeof(add));
	} else {
		struct adm_op_passwd pw;

		memcpy(pw.token, c->token, ADM_TOKEN_LEN);
		snprintf(pw.name, sizeof(pw.name), "%s", cmd->name);
		if ((rc = copy_passphrase(pass, pw.pass, sizeof(pw.pass))) == 0)
			adm_op_passwd_encode(w, &pw);
		explicit_bzero(&pw, sizeof(pw));
	}
	if (rc != 0)
		ipc_wbuf_free(w);
	return rc;
}

/* Whether the verb's operator is the session's own (a change to it ends every
 * session it has, this one included: nothing is left to log out). */
static int is_self(const struct console *c)
{
	return c->own_session && c->cmd->operator_name != NULL &&
	       strcmp(c->cmd->operator_name, c->cmd->name) == 0;
}

/* operator add NAME / passwd NAME: the new passphrase is read before the
 * session (a login may prompt too), as caadm always did. */
static int v_operator_set(struct console *c)
{
	struct secret pass;
	struct ipc_wbuf w;
	int rc;

	if ((rc = new_passphrase(c->cmd, &pass)) != 0)
		return rc;
	if ((rc = load_session(c)) == 0)
		rc = operator_set_request(c, &pass, &w);
	secret_wipe(&pass);
	if (rc != 0)
		return rc;
	rc = con_simple(c, c->cmd->sub == ADM_SUB_ADD ? ADM_OP_ADD : ADM_OP_PASSWD, &w);
	if (rc == 0 && c->cmd->sub == ADM_SUB_PASSWD && is_self(c))
		c->own_session = 0;
	return rc;
}

/* operator roles NAME --role ROLE */
static int v_operator_roles(struct console *c)
{
	struct adm_op_roles r = {.roles = c->cmd->roles};
	struct ipc_wbuf w;
	int rc;

	snprintf(r.name, sizeof(r.name), "%s", c->cmd->name);
	memcpy(r.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_op_roles_encode(&w, &r);
	explicit_bzero(&r, sizeof(r));
	rc = con_simple(c, ADM_OP_ROLES, &w);
	if (rc == 0 && is_self(c))
		c->own_session = 0;
	return rc;
}

static int v_operator(struct console *c)
{
	struct ipc_wbuf w;
	struct adm_op_del del;
	int rc;

	if (c->cmd->sub == ADM_SUB_ADD || c->cmd->sub == ADM_SUB_PASSWD)
		return v_operator_set(c);
	if ((rc = load_session(c)) != 0)
		return rc;
	if (c->cmd->sub == ADM_SUB_LIST) {
		con_bare(c, &w);
		return con_simple(c, ADM_OP_LIST, &w);
	}
	if (c->cmd->sub == ADM_SUB_ROLES)
		return v_operator_roles(c);
	snprintf(del.name, sizeof(del.name), "%s", c->cmd->name);
	memcpy(del.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_op_del_encode(&w, &del);
	return con_simple(c, ADM_OP_DEL, &w);
}

static int print_result(struct ipc_msg *m)
{
	static struct adm_result r;

	if (adm_result_decode(m->data, m->hdr.len, &r) != 0)
		return adm_failx("malformed answer from the CA");
	printf("request %u: %s (0x%08x) %s\n", r.request_id, ledger_disposition_name(r.disposition),
	       r.hresult, r.message);
	return 0;
}

/* resubmit ID, deny ID: the request's new disposition. */
static int v_request(struct console *c, uint32_t type)
{
	struct adm_request_id q;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	q.request_id = c->cmd->request_id;
	if ((rc = load_session(c)) != 0)
		return rc;
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_request_id_encode(&w, &q);
	if ((rc = con_call(c, type, &w, ADM_RESULT, &m)) != 0)
		return rc;
	rc = print_result(&m);
	ipc_msg_free(&m);
	return rc;
}

static int v_setext(struct console *c)
{
	static uint8_t value[LEDGER_TEXT_MAX];
	const struct adm_cmd *cmd = c->cmd;
	struct adm_setext q;
	struct ipc_wbuf w;
	unsigned char *file = NULL;
	size_t len = cmd->value_len;
	int rc;

	if (cmd->value_file != NULL) {
		if (file_read_all(cmd->value_file, LEDGER_TEXT_MAX, &file, &len) != 0)
			return adm_failx("%s: cannot read", cmd->value_file);
		memcpy(value, file, len);
		free(file);
	} else {
		memcpy(value, cmd->value, len);
	}
	q.request_id = cmd->request_id;
	snprintf(q.oid, sizeof(q.oid), "%s", cmd->oid);
	q.flags = cmd->ext_flags;
	q.value = value;
	q.value_len = len;
	if ((rc = load_session(c)) != 0)
		return rc;
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_setext_encode(&w, &q);
	return con_simple(c, ADM_SETEXT, &w);
}

static int v_revoke(struct console *c)
{
	const struct adm_cmd *cmd = c->cmd;
	struct adm_revoke q;
	struct ipc_wbuf w;
	int rc;

	memcpy(q.serial, cmd->serial, cmd->serial_len);
	q.serial_len = cmd->serial_len;
	q.reason = cmd->reason;
	q.when = cmd->when;
	q.invalidity = cmd->invalidity;
	if ((rc = load_session(c)) != 0)
		return rc;
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	if (cmd->verb == CMD_UNREVOKE)
		adm_unrevoke_encode(&w, &q);
	else
		adm_revoke_encode(&w, &q);
	return con_simple(c, cmd->verb == CMD_UNREVOKE ? ADM_UNREVOKE : ADM_REVOKE, &w);
}

static int v_crl(struct console *c)
{
	struct adm_crl q;
	struct ipc_wbuf w;
	int rc;

	if ((rc = load_session(c)) != 0)
		return rc;
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	q.delta = (uint32_t)c->cmd->delta;
	ipc_wbuf_init(&w);
	adm_crl_encode(&w, &q);
	return con_simple(c, ADM_CRL, &w);
}

/* A property's value on stdout: text as it is; a certificate or a CRL (or any
 * value with a NUL) as PEM. */
static int print_prop(const char *name, const uint8_t *v, size_t len)
{
	struct x509_buf pem = {0};
	const char *label = strcmp(name, "CACert") == 0 ? "CERTIFICATE" : "X509 CRL";

	if (memchr(v, 0, len) == NULL && strcmp(name, "CACert") != 0 &&
	    strstr(name, "CRL") != name + strlen(name) - 3) {
		printf("%.*s\n", (int)len, (const char *)v);
		return 0;
	}
	if (x509_pem_encode(label, v, len, &pem) != 0)
		return adm_failx("cannot encode");
	fwrite(pem.data, 1, pem.len, stdout);
	x509_buf_free(&pem);
	return 0;
}

static int v_getprop(struct console *c)
{
	const struct adm_cmd *cmd = c->cmd;
	struct adm_getprop q;
	struct adm_prop prop;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	snprintf(q.name, sizeof(q.name), "%s", cmd->prop);
	if ((rc = load_session(c)) != 0)
		return rc;
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_getprop_encode(&w, &q);
	if ((rc = con_call(c, ADM_GETPROP, &w, ADM_PROP, &m)) != 0)
		return rc;
	if (adm_prop_decode(m.data, m.hdr.len, &prop) != 0) {
		rc = adm_failx("malformed answer from the CA");
	} else if (cmd->out_file != NULL) {
		if (atomicfile_write(cmd->out_file, prop.value, prop.len, 0644) != 0)
			rc = adm_failx("%s: cannot write", cmd->out_file);
		else
			printf("%s: %zu bytes written to %s\n", cmd->prop, prop.len, cmd->out_file);
	} else {
		rc = print_prop(cmd->prop, prop.value, prop.len);
	}
	ipc_msg_free(&m);
	return rc;
}

static int v_setprop(struct console *c)
{
	struct adm_setprop q;
	struct ipc_wbuf w;
	int rc;

	snprintf(q.name, sizeof(q.name), "%s", c->cmd->prop);
	q.value = (const uint8_t *)c->cmd->prop_value;
	q.value_len = strlen(c->cmd->prop_value);
	if ((rc = load_session(c)) != 0)
		return rc;
	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_setprop_encode(&w, &q);
	return con_simple(c, ADM_SETPROP, &w);
}

static int run_verb(struct console *c)
{
	switch (c->cmd->verb) {
	case CMD_LOGIN: return v_login(c);
	case CMD_LOGOUT: return v_logout(c);
	case CMD_OPERATOR: return v_operator(c);
	case CMD_VIEW: return console_view(c);
	case CMD_SETEXT: return v_setext(c);
	case CMD_RESUBMIT: return v_request(c, ADM_RESUBMIT);
	case CMD_DENY: return v_request(c, ADM_DENY);
	case CMD_REVOKE:
	case CMD_UNREVOKE: return v_revoke(c);
	case CMD_CRL: return v_crl(c);
	case CMD_GETPROP: return v_getprop(c);
	case CMD_SETPROP: return v_setprop(c);
	case CMD_TEMPLATE: return console_template(c);
	default: return console_audit(c);
	}
}

/* A session this verb opened is closed once the verb is done, whether it
 * succeeded or not (a session left open after a failure was a live token for
 * fifteen minutes). After a failure the verb's own message is the one that
 * counts: the logout is tried quietly (the connection may be gone: a refused
 * frame ends it), and the verb's status is kept. */
static int own_logout(struct console *c, int quiet)
{
	struct ipc_wbuf w;
	struct ipc_msg m;
	char err[256];
	int rc;

	con_bare(c, &w);
	if (!quiet) {
		if ((rc = con_call(c, ADM_LOGOUT, &w, ADM_OK, &m)) == 0)
			ipc_msg_free(&m);
		return rc;
	}
	if (!w.failed && ipc_send(&c->chan, ADM_LOGOUT, ++c->next_id, w.data, (uint32_t)w.len,
				  -1) == 0 &&
	    ipc_recv(&c->chan, &m, err, sizeof(err)) > 0)
		ipc_msg_free(&m);
	ipc_wbuf_free(&w);
	return 0;
}

int con_open(struct console *c, const struct adm_cmd *cmd, int session)
{
	int down = 0, rc;

	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	if ((rc = con_connect_to(c, &down)) != 0)
		return down ? CON_DOWN : rc;
	if (session && (rc = load_session(c)) != 0)
		con_close(c, rc);
	return rc;
}

int con_close(struct console *c, int rc)
{
	if (!c->connected)
		return rc;
	if (c->own_session) {
		int lrc = own_logout(c, rc != 0);

		if (rc == 0)
			rc = lrc;
	}
	explicit_bzero(c->token, sizeof(c->token));
	ipc_chan_free(&c->chan);
	close(c->chan.fd);
	c->connected = 0;
	return rc;
}

int adm_run_console(const struct adm_cmd *cmd, int parse_rc, const char *err)
{
	struct console c;
	int rc;

	/* A command line that does not parse is answered without the CA: its usage
	 * (help-console included) must not depend on cad running. */
	if (parse_rc != 0) {
		fputs(err, stderr);
		return parse_rc;
	}
	memset(&c, 0, sizeof(c));
	c.cmd = cmd;
	if ((rc = con_connect(&c)) != 0)
		return rc;
	rc = run_verb(&c);
	if (c.own_session) {
		int lrc = own_logout(&c, rc != 0);

		if (rc == 0)
			rc = lrc;
	}
	explicit_bzero(c.token, sizeof(c.token));
	ipc_chan_free(&c.chan);
	close(c.chan.fd);
	return rc;
}
