/* caadm account: enrollee accounts for NTLM (firmware/auth) and their
 * attributes (firmware/identity/attrs.h).
 *
 *   caadm account add    [--data DIR] [--password-fd N] [ATTRS] DOMAIN\user
 *   caadm account set    [--data DIR] [ATTRS] [--clear A]... DOMAIN\user
 *   caadm account show   [--data DIR] [--json] DOMAIN\user
 *   caadm account passwd [--data DIR] [--password-fd N] DOMAIN\user
 *   caadm account del    [--data DIR] DOMAIN\user
 *   caadm account disable|enable [--data DIR] DOMAIN\user
 *   caadm account list   [--data DIR]
 *   ATTRS: [--upn U] [--email E] [--dns D] [--sid S] [--group G]...
 *
 * The attributes live in DATA/auth/attributes (firmware/identity's one parser
 * and writer; the account file's mode, owner and atomic replacement), never in
 * the account file, which gss-ntlmssp reads. add writes them before the
 * account (replacing a stale entry of a deleted account of that name, so a new
 * account never inherits another's SID or groups); del removes the account
 * first, then its attributes. A malformed attributes file refuses every verb
 * that reads it (add, set, show, list, del) and nothing changes.
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

#include "firmware/identity/attrs.h"
#include "firmware/identity/ntlm_hash.h"
#include "platform/atomicfile.h"
#include "platform/log.h"
#include "platform/secret.h"

#define ACCOUNTS "auth/accounts"
#define ATTRIBUTES "auth/attributes"
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

/* The NT hash field of an account without a password (a domain account:
 * Kerberos only). ca-auth refuses such an account's NTLM logons before
 * gss-ntlmssp sees them (firmware/auth/account.c). */
#define NO_NT_HASH "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
#define ADM_NO_PASSWORD (-2) /* make_line's fd for --no-password */

/* The account's line: its name and the NT hash of the password read (fd), or
 * none (fd ADM_NO_PASSWORD). */
static int make_line(struct entry *e, const char *name, int fd)
{
	struct secret pw = {0};
	uint8_t h[16];
	char hex[33];
	int rc;

	if (fd == ADM_NO_PASSWORD) {
		snprintf(e->name, sizeof(e->name), "%s", name);
		snprintf(e->line, sizeof(e->line), "%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:" NO_NT_HASH
			 ":[U          ]:LCT-%08lX:", name, (unsigned long)time(NULL));
		return 0;
	}
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
		if (make_line(&t->e[t->n], cmd->name,
			      cmd->no_password ? ADM_NO_PASSWORD : cmd->secret.fd) != 0)
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

/* The attributes file: read (absent: empty), or the failure printed. */
static int attrs_read(const struct adm_cmd *cmd, struct id_attrs_file *f)
{
	char path[PATH_MAX], err[PATH_MAX + 512];

	snprintf(path, sizeof(path), "%s/%s", cmd->dir, ATTRIBUTES);
	if (id_attrs_load(path, 0, f, err, sizeof(err)) != 0)
		return adm_failx("%s (fix or remove the file: nothing was changed)", err);
	return 0;
}

/* Writes the attributes file (atomically, 0600) and gives it to ca-auth's user,
 * as save() does the account file. */
static int attrs_write(const struct adm_cmd *cmd, const struct id_attrs_file *f)
{
	char path[PATH_MAX], auth_dir[PATH_MAX], err[512], *buf;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", cmd->dir, ATTRIBUTES);
	snprintf(auth_dir, sizeof(auth_dir), "%s/auth", cmd->dir);
	if (mkdir(auth_dir, 0700) != 0 && errno != EEXIST) {
		log_fail("%s", auth_dir);
		return ADM_EXIT_FAILED;
	}
	if (id_attrs_format(f, &buf, &len, err, sizeof(err)) != 0)
		return adm_failx("the attributes: %s", err);
	if (atomicfile_write(path, buf, len, 0600) != 0) {
		log_fail("cannot write %s", path);
		rc = ADM_EXIT_FAILED;
	} else {
		rc = give_to_auth_owner(auth_dir, path);
	}
	free(buf);
	return rc;
}

/* The account's attributes after add or set: cmd's --clear first, then what
 * cmd gives (--group replacing the list). */
static void apply_attrs(struct id_attrs *a, const struct adm_cmd *cmd)
{
	unsigned clear = cmd->attr_clear, set = cmd->attr_set;

	if (clear & (1u << ID_ATTR_UPN))
		a->upn[0] = 0;
	if (clear & (1u << ID_ATTR_EMAIL))
		a->email[0] = 0;
	if (clear & (1u << ID_ATTR_DNS))
		a->dns[0] = 0;
	if (clear & (1u << ID_ATTR_SID))
		a->sid[0] = 0;
	if (clear & (1u << ID_ATTR_GROUP)) {
		memset(a->groups, 0, sizeof(a->groups));
		a->n_groups = 0;
	}
	if (set & (1u << ID_ATTR_UPN))
		memcpy(a->upn, cmd->attrs.upn, sizeof(a->upn));
	if (set & (1u << ID_ATTR_EMAIL))
		memcpy(a->email, cmd->attrs.email, sizeof(a->email));
	if (set & (1u << ID_ATTR_DNS))
		memcpy(a->dns, cmd->attrs.dns, sizeof(a->dns));
	if (set & (1u << ID_ATTR_SID))
		memcpy(a->sid, cmd->attrs.sid, sizeof(a->sid));
	if (set & (1u << ID_ATTR_GROUP)) {
		memcpy(a->groups, cmd->attrs.groups, sizeof(a->groups));
		a->n_groups = cmd->attrs.n_groups;
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void json_field(const char *key, const char *v)
{
	printf(",\"%s\":", key);
	if (v[0] == 0)
		printf("null");
	else
		json_str(v);
}

/* account show: the account's name as stored, its state and attributes. */
static void show(const struct entry *e, const struct id_attrs *a, int json)
{
	if (json) {
		printf("{\"name\":");
		json_str(e->name);
		printf(",\"disabled\":%s", line_disabled(e) ? "true" : "false");
		json_field("upn", a->upn);
		json_field("email", a->email);
		json_field("dns", a->dns);
		json_field("sid", a->sid);
		printf(",\"groups\":[");
		for (size_t i = 0; i < a->n_groups; i++) {
			if (i > 0)
				putchar(',');
			json_str(a->groups[i]);
		}
		printf("]}\n");
		return;
	}
	printf("name: %s\nstatus: %s\n", e->name, line_disabled(e) ? "disabled" : "enabled");
	if (a->upn[0])
		printf("upn: %s\n", a->upn);
	if (a->email[0])
		printf("email: %s\n", a->email);
	if (a->dns[0])
		printf("dns: %s\n", a->dns);
	if (a->sid[0])
		printf("sid: %s\n", a->sid);
	for (size_t i = 0; i < a->n_groups; i++)
		printf("group: %s\n", a->groups[i]);
}

/* account list: one line an account, its attributes after it, each after a
 * TAB as the attributes file writes them: the entry's stored line after its
 * name, printed as it is (no account parsed again). */
static void list(const struct table *t, const struct id_attrs_file *f)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct id_attrs_entry *ae = id_attrs_find(f, t->e[i].name);

		printf("%s%s%s\n", t->e[i].name, line_disabled(&t->e[i]) ? " (disabled)" : "",
		       ae != NULL ? id_attrs_entry_fields(ae) : "");
	}
}

/* The attributes stored for ae (none: a zeroed) into a, or the failure
 * printed. */
static int attrs_of(const struct id_attrs_entry *ae, struct id_attrs *a)
{
	char err[512];

	if (ae == NULL) {
		memset(a, 0, sizeof(*a));
		return 0;
	}
	if (id_attrs_get(ae, a, err, sizeof(err)) != 0)
		return adm_failx("the attributes: %s", err);
	return 0;
}

/* The verbs that read the attributes: list, show, set, and add and del, which
 * also change the account file. f keeps each account as its line; the one
 * account shown or changed is parsed into *a (on the heap: ~34 KiB). */
static int run_with_attrs(const struct adm_cmd *cmd, const char *path, struct table *t,
			  struct id_attrs *a)
{
	struct id_attrs_file f;
	const struct id_attrs_entry *ae;
	ssize_t at = cmd->name != NULL ? find(t, cmd->name) : -1;
	char err[512];
	int rc = 0, had;

	if (attrs_read(cmd, &f) != 0)
		return ADM_EXIT_FAILED;
	ae = cmd->name != NULL ? id_attrs_find(&f, cmd->name) : NULL;
	had = ae != NULL;
	memset(a, 0, sizeof(*a));
	switch (cmd->sub) {
	case ADM_SUB_LIST:
		list(t, &f);
		break;
	case ADM_SUB_SHOW:
		if (at < 0)
			rc = adm_failx("no account %s", cmd->name);
		else if ((rc = attrs_of(ae, a)) == 0)
			show(&t->e[at], a, cmd->json);
		break;
	case ADM_SUB_SET:
		if (at < 0) {
			rc = adm_failx("no account %s", cmd->name);
			break;
		}
		if ((rc = attrs_of(ae, a)) != 0)
			break;
		apply_attrs(a, cmd);
		/* Stored under the account's name as the account file writes it. */
		if (id_attrs_put(&f, t->e[at].name, a, err, sizeof(err)) != 0)
			rc = adm_failx("%s", err);
		else if ((rc = attrs_write(cmd, &f)) == 0)
			printf("%s: attributes stored (ca-auth uses them from the next logon)\n",
			       t->e[at].name);
		break;
	case ADM_SUB_ADD:
		/* The password first (change() reads it), then the attributes
		 * (replacing a stale entry of that name), then the account: a
		 * failure in between leaves an entry without an account, which
		 * the next add replaces. */
		if ((rc = change(t, cmd)) != 0)
			break;
		apply_attrs(a, cmd);
		if (id_attrs_put(&f, cmd->name, a, err, sizeof(err)) != 0) {
			rc = adm_failx("%s", err);
			break;
		}
		if ((had || !id_attrs_empty(a)) && (rc = attrs_write(cmd, &f)) != 0)
			break;
		if ((rc = save(cmd->dir, path, t)) == 0)
			printf("%s: stored (%s)%s\n", cmd->name,
			       cmd->no_password ? "no password: Kerberos only" : "NT hash",
			       id_attrs_empty(a) ? "" : ", with its attributes");
		break;
	default: /* ADM_SUB_DEL: the account first, then its attributes */
		if ((rc = change(t, cmd)) != 0 || (rc = save(cmd->dir, path, t)) != 0)
			break;
		if (had && (id_attrs_put(&f, cmd->name, a, err, sizeof(err)) != 0 ||
			    attrs_write(cmd, &f) != 0)) {
			rc = adm_failx("%s: deleted, but its attributes could not be removed from "
				       "%s/%s: run caadm account del again after fixing it", cmd->name,
				       cmd->dir, ATTRIBUTES);
			break;
		}
		printf("%s: deleted\n", cmd->name);
		break;
	}
	id_attrs_file_free(&f);
	return rc;
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
	if (cmd->sub == ADM_SUB_LIST || cmd->sub == ADM_SUB_SHOW || cmd->sub == ADM_SUB_SET ||
	    cmd->sub == ADM_SUB_ADD || cmd->sub == ADM_SUB_DEL) {
		struct id_attrs *a = malloc(sizeof(*a));

		rc = a != NULL ? run_with_attrs(cmd, path, &t, a) : adm_failx("out of memory");
		free(a);
	} else if ((rc = change(&t, cmd)) == 0 && (rc = save(cmd->dir, path, &t)) == 0) {
		printf("%s: %s\n", cmd->name,
		       cmd->sub == ADM_SUB_DISABLE  ? "disabled (ca-auth refuses its logons)"
		       : cmd->sub == ADM_SUB_ENABLE ? "enabled"
						    : "stored (NT hash)");
	}
	if (t.e != NULL)
		explicit_bzero(t.e, (t.n > 0 ? t.n : 1) * sizeof(*t.e));
	free(t.e);
	return rc;
}
