/* caadm account: enrollee accounts for NTLM (firmware/auth).
 *
 *   caadm account add    [--data DIR] [--password-fd N] DOMAIN\user
 *   caadm account passwd [--data DIR] [--password-fd N] DOMAIN\user
 *   caadm account del    [--data DIR] DOMAIN\user
 *   caadm account disable|enable [--data DIR] DOMAIN\user
 *   caadm account list   [--data DIR]
 *
 * The password comes from descriptor N or from the terminal (asked twice, no
 * echo), never from argv. Only its NT hash is stored (MD4 of the UTF-16LE
 * password): what NTLM needs, and password-equivalent, so the file is 0600 and
 * replaced atomically. The line format is the smbpasswd form gss-ntlmssp reads:
 *     DOMAIN\user:0:<32 X>:<NT hash hex>:[U          ]:LCT-<hex time>:
 * A disabled account has D among the flags, "[DU         ]", as Samba writes it:
 * gss-ntlmssp ignores the flags, ca-auth refuses such an account's logons
 * (firmware/auth/account.c) before a password is checked.
 *
 * The command line is cli.c's (the name checked there); a failure here is
 * printed as fatal() printed it and returned as ADM_EXIT_FAILED. */
#include "firmware/admin/admin.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "firmware/identity/ntlm_hash.h"
#include "platform/atomicfile.h"
#include "platform/log.h"
#include "platform/secret.h"

#define ACCOUNTS "auth/accounts"
#define NAME_MAX_LEN 64
#define MAX_ACCOUNTS 10000
#define FILE_MAX (MAX_ACCOUNTS * 256)
#define HEADER "# Enrollee accounts for NTLM (caadm account). Each line holds an NT hash:\n" \
	       "# PASSWORD-EQUIVALENT. Keep this file mode 0600, readable by ca-auth only.\n"

struct entry {
	char name[2 * NAME_MAX_LEN + 2]; /* DOMAIN\user */
	char line[256];
};

/* The accounts table: room for MAX_ACCOUNTS (or one, for a first add). */
struct table {
	struct entry *e;
	size_t n;
};

/* Reads the account file into t (a missing file is an empty table). */
static int load(const char *path, struct table *t)
{
	unsigned char *data;
	size_t len;
	char *p, *save = NULL;
	int rc = 0;

	t->e = NULL;
	t->n = 0;
	if (file_read_all(path, FILE_MAX, &data, &len) != 0) {
		if (errno == ENOENT)
			return 0;
		log_fail("%s", path);
		return ADM_EXIT_FAILED;
	}
	if ((t->e = calloc(MAX_ACCOUNTS, sizeof(*t->e))) == NULL)
		rc = adm_failx("out of memory");
	for (p = strtok_r((char *)data, "\n", &save); rc == 0 && p != NULL;
	     p = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(p, ':');
		struct entry *e = &t->e[t->n];

		if (p[0] == '#' || p[0] == 0)
			continue;
		if (colon == NULL || t->n == MAX_ACCOUNTS || (size_t)(colon - p) >= sizeof(e->name) ||
		    strlen(p) >= sizeof(e->line)) {
			rc = adm_failx("%s: a line is not an account entry: fix or remove it", path);
			break;
		}
		memcpy(e->name, p, (size_t)(colon - p));
		snprintf(e->line, sizeof(e->line), "%s", p);
		t->n++;
	}
	explicit_bzero(data, len);
	free(data);
	return rc;
}

/* As root, cad gives DATA/auth to ca-auth's user, and ca-auth reads only a file
 * of its own: the new file goes to the directory's owner, so a running ca-auth
 * reads it at the next logon without a restart. */
static int give_to_auth_owner(const char *auth_dir, const char *path)
{
	struct stat st;

	if (geteuid() != 0 || stat(auth_dir, &st) != 0 || st.st_uid == 0)
		return 0;
	/* lchown: the directory is that user's, so what path names now is not
	 * trusted to be the file just written; a link is never followed. */
	if (lchown(path, st.st_uid, st.st_gid) != 0) {
		log_fail("cannot give %s to uid %d", path, (int)st.st_uid);
		return ADM_EXIT_FAILED;
	}
	return 0;
}

/* Writes the table (atomically, 0600) and gives the file to ca-auth's user. */
static int save(const char *dir, const char *path, const struct table *t)
{
	size_t cap = sizeof(HEADER) + t->n * (sizeof(t->e->line) + 1), len;
	char auth_dir[PATH_MAX], *buf = malloc(cap);
	int rc = 0;

	if (buf == NULL)
		return adm_failx("out of memory");
	snprintf(auth_dir, sizeof(auth_dir), "%s/auth", dir);
	if (mkdir(auth_dir, 0700) != 0 && errno != EEXIST) {
		log_fail("%s", auth_dir);
		free(buf);
		return ADM_EXIT_FAILED;
	}
	len = (size_t)snprintf(buf, cap, "%s", HEADER);
	for (size_t i = 0; i < t->n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s\n", t->e[i].line);
	if (atomicfile_write(path, buf, len, 0600) != 0) {
		log_fail("cannot write %s", path);
		rc = ADM_EXIT_FAILED;
	} else {
		rc = give_to_auth_owner(auth_dir, path);
	}
	explicit_bzero(buf, cap);
	free(buf);
	return rc;
}

static ssize_t find(const struct table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcasecmp(t->e[i].name, name) == 0) /* gss-ntlmssp matches without case */
			return (ssize_t)i;
	return -1;
}

/* The password from descriptor fd, or from the terminal twice (the same). */
static int read_password(int fd, struct secret *pw)
{
	struct secret again = {0};
	char err[256];

	if (fd >= 0) {
		if (secret_read_fd(fd, pw, err, sizeof(err)) != 0)
			return adm_failx("password: %s", err);
		return 0;
	}
	if (secret_read_tty("Password: ", pw, err, sizeof(err)) != 0 ||
	    secret_read_tty("Again: ", &again, err, sizeof(err)) != 0) {
		secret_wipe(pw);
		return adm_failx("password: %s", err);
	}
	if (again.len != pw->len || memcmp(again.buf, pw->buf, pw->len) != 0) {
		secret_wipe(&again);
		secret_wipe(pw);
		return adm_failx("the passwords differ");
	}
	secret_wipe(&again);
	return 0;
}

/* Where a line's flags are: the text after "[" of its fifth field, up to "]";
 * NULL for a line without them (gss-ntlmssp's DOMAIN:USER:PASSWORD form). */
static char *flags_of(char *line, char **end)
{
	char *p = line;

	for (int i = 0; i < 4; i++)
		if ((p = strchr(p, ':')) == NULL)
			return NULL;
		else
			p++;
	if (*p != '[' || (*end = strchr(p, ']')) == NULL || *end - p != 12)
		return NULL;
	return p + 1;
}

static int line_disabled(const struct entry *e)
{
	char copy[sizeof(e->line)], *end, *f;

	snprintf(copy, sizeof(copy), "%s", e->line);
	f = flags_of(copy, &end);
	return f != NULL && memchr(f, 'D', (size_t)(end - f)) != NULL;
}

/* Sets (disable) or clears the D flag, the other flags kept in their order,
 * D first as Samba writes it; the field keeps its 11 characters. */
static int set_disabled(struct entry *e, int disable)
{
	char *end, *f = flags_of(e->line, &end), kept[12];
	size_t n = 0;

	if (f == NULL)
		return adm_failx("%s: its line has no account flags (not written by caadm "
				 "account): set its password with caadm account passwd first",
				 e->name);
	if (disable)
		kept[n++] = 'D';
	for (char *p = f; p < end; p++)
		if (*p != 'D' && *p != ' ' && n < 11)
			kept[n++] = *p;
	memset(kept + n, ' ', 11 - n);
	memcpy(f, kept, 11);
	return 0;
}

/* The account's line: its name and the NT hash of the password read. */
static int make_line(struct entry *e, const char *name, int fd)
{
	struct secret pw = {0};
	uint8_t h[16];
	char hex[33];
	int rc;

	if ((rc = read_password(fd, &pw)) != 0)
		return rc;
	if (ntlm_nt_hash((const char *)pw.buf, pw.len, h) != 0) {
		secret_wipe(&pw);
		return adm_failx("the password must be UTF-8 of at most 256 characters");
	}
	secret_wipe(&pw);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", h[i]);
	explicit_bzero(h, sizeof(h));
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->line, sizeof(e->line), "%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]"
		 ":LCT-%08lX:", name, hex, (unsigned long)time(NULL));
	explicit_bzero(hex, sizeof(hex));
	return 0;
}

/* add, passwd or del on the loaded table (the name is one cli.c checked). */
static int change(struct table *t, const struct adm_cmd *cmd)
{
	ssize_t at = find(t, cmd->name);

	switch (cmd->sub) {
	case ADM_SUB_ADD:
		if (at >= 0)
			return adm_failx("%s exists (caadm account passwd changes its password)", cmd->name);
		if (t->e == NULL && (t->e = calloc(1, sizeof(*t->e))) == NULL)
			return adm_failx("out of memory");
		if (t->n == MAX_ACCOUNTS)
			return adm_failx("too many accounts (%d)", MAX_ACCOUNTS);
		if (make_line(&t->e[t->n], cmd->name, cmd->secret.fd) != 0)
			return ADM_EXIT_FAILED;
		t->n++;
		return 0;
	case ADM_SUB_PASSWD: {
		if (at < 0)
			return adm_failx("no account %s", cmd->name);
		/* A new password does not enable a disabled account. */
		int was_disabled = line_disabled(&t->e[at]);
		if (make_line(&t->e[at], cmd->name, cmd->secret.fd) != 0)
			return ADM_EXIT_FAILED;
		return was_disabled ? set_disabled(&t->e[at], 1) : 0;
	}
	case ADM_SUB_DISABLE:
	case ADM_SUB_ENABLE:
		if (at < 0)
			return adm_failx("no account %s", cmd->name);
		return set_disabled(&t->e[at], cmd->sub == ADM_SUB_DISABLE);
	default: /* ADM_SUB_DEL */
		if (at < 0)
			return adm_failx("no account %s", cmd->name);
		memmove(&t->e[at], &t->e[at + 1], (t->n - (size_t)at - 1) * sizeof(*t->e));
		t->n--;
		return 0;
	}
}

int adm_run_account(const struct adm_cmd *cmd)
{
	char path[PATH_MAX];
	struct table t;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", cmd->dir, ACCOUNTS);
	if ((rc = load(path, &t)) != 0) {
		free(t.e);
		return rc;
	}
	if (cmd->sub == ADM_SUB_LIST) {
		for (size_t i = 0; i < t.n; i++)
			printf("%s%s\n", t.e[i].name, line_disabled(&t.e[i]) ? " (disabled)" : "");
	} else if ((rc = change(&t, cmd)) == 0 && (rc = save(cmd->dir, path, &t)) == 0) {
		printf("%s: %s\n", cmd->name,
		       cmd->sub == ADM_SUB_DEL       ? "deleted"
		       : cmd->sub == ADM_SUB_DISABLE ? "disabled (ca-auth refuses its logons)"
		       : cmd->sub == ADM_SUB_ENABLE  ? "enabled"
						     : "stored (NT hash)");
	}
	if (t.e != NULL)
		explicit_bzero(t.e, (t.n > 0 ? t.n : 1) * sizeof(*t.e));
	free(t.e);
	return rc;
}
