/* caadm account: enrollee accounts for NTLM (firmware/auth).
 *
 *   caadm account add    [--data DIR] [--password-fd N] DOMAIN\user
 *   caadm account passwd [--data DIR] [--password-fd N] DOMAIN\user
 *   caadm account del    [--data DIR] DOMAIN\user
 *   caadm account list   [--data DIR]
 *
 * The password comes from descriptor N or from the terminal (asked twice, no
 * echo), never from argv. Only its NT hash is stored (MD4 of the UTF-16LE
 * password): what NTLM needs, and password-equivalent, so the file is 0600 and
 * replaced atomically. The line format is the smbpasswd form gss-ntlmssp reads:
 *     DOMAIN\user:0:<32 X>:<NT hash hex>:[U          ]:LCT-<hex time>: */
#include "firmware/admin/account.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
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

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: caadm account add|passwd [--data DIR] [--password-fd N] DOMAIN\\user\n"
			"       caadm account del [--data DIR] DOMAIN\\user\n"
			"       caadm account list [--data DIR]\n");
	exit(2);
}

/* A domain or user name: 1..64 octets of printable ASCII or UTF-8, none of the
 * file's separators (':' '\\'), no '#' first, no blanks at the ends. */
static int name_ok(const char *s, size_t n)
{
	if (n == 0 || n > NAME_MAX_LEN || s[0] == '#' || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ':' || c == '\\' || c == '/' || c == '@')
			return 0;
	}
	return 1;
}

/* "DOMAIN\user" checked and copied; fatal on a bad name. */
static void parse_name(const char *arg, char *out, size_t outlen)
{
	const char *bs = strchr(arg, '\\');

	if (bs == NULL || !name_ok(arg, (size_t)(bs - arg)) || !name_ok(bs + 1, strlen(bs + 1)))
		fatalx("'%s': give the account as DOMAIN\\user (each part 1..%d characters, no "
		       "':', '\\\\', '/', '@' or control characters)", arg, NAME_MAX_LEN);
	snprintf(out, outlen, "%s", arg);
}

static size_t load(const char *path, struct entry **out)
{
	unsigned char *data;
	size_t len, n = 0;
	char *p, *save = NULL;
	struct entry *e;

	*out = NULL;
	if (file_read_all(path, FILE_MAX, &data, &len) != 0) {
		if (errno == ENOENT)
			return 0;
		fatal("%s", path);
	}
	if ((e = calloc(MAX_ACCOUNTS, sizeof(*e))) == NULL)
		fatalx("out of memory");
	for (p = strtok_r((char *)data, "\n", &save); p != NULL; p = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(p, ':');

		if (p[0] == '#' || p[0] == 0)
			continue;
		if (colon == NULL || (size_t)(colon - p) >= sizeof(e[n].name) ||
		    strlen(p) >= sizeof(e[n].line) || n == MAX_ACCOUNTS)
			fatalx("%s: a line is not an account entry: fix or remove it", path);
		memcpy(e[n].name, p, (size_t)(colon - p));
		snprintf(e[n].line, sizeof(e[n].line), "%s", p);
		n++;
	}
	explicit_bzero(data, len);
	free(data);
	*out = e;
	return n;
}

/* As root, cad gives DATA/auth to ca-auth's user, and ca-auth reads only a file
 * of its own: the new file goes to the directory's owner, so a running ca-auth
 * reads it at the next logon without a restart. */
static void give_to_auth_owner(const char *auth_dir, const char *path)
{
	struct stat st;

	if (geteuid() != 0 || stat(auth_dir, &st) != 0 || st.st_uid == 0)
		return;
	/* lchown: the directory is that user's, so what path names now is not
	 * trusted to be the file just written; a link is never followed. */
	if (lchown(path, st.st_uid, st.st_gid) != 0)
		fatal("cannot give %s to uid %d", path, (int)st.st_uid);
}

static void save(const char *dir, const char *path, const struct entry *e, size_t n)
{
	size_t cap = sizeof(HEADER) + n * (sizeof(e->line) + 1), len;
	char auth_dir[PATH_MAX], *buf = malloc(cap);

	if (buf == NULL)
		fatalx("out of memory");
	snprintf(auth_dir, sizeof(auth_dir), "%s/auth", dir);
	if (mkdir(auth_dir, 0700) != 0 && errno != EEXIST)
		fatal("%s", auth_dir);
	len = (size_t)snprintf(buf, cap, "%s", HEADER);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s\n", e[i].line);
	if (atomicfile_write(path, buf, len, 0600) != 0)
		fatal("cannot write %s", path);
	give_to_auth_owner(auth_dir, path);
	explicit_bzero(buf, cap);
	free(buf);
}

static ssize_t find(const struct entry *e, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(e[i].name, name) == 0) /* gss-ntlmssp matches without case */
			return (ssize_t)i;
	return -1;
}

static void read_password(int fd, struct secret *pw)
{
	struct secret again = {0};
	char err[256];

	if (fd >= 0) {
		if (secret_read_fd(fd, pw, err, sizeof(err)) != 0)
			fatalx("password: %s", err);
		return;
	}
	if (secret_read_tty("Password: ", pw, err, sizeof(err)) != 0 ||
	    secret_read_tty("Again: ", &again, err, sizeof(err)) != 0)
		fatalx("password: %s", err);
	if (again.len != pw->len || memcmp(again.buf, pw->buf, pw->len) != 0) {
		secret_wipe(&again);
		secret_wipe(pw);
		fatalx("the passwords differ");
	}
	secret_wipe(&again);
}

static void make_line(struct entry *e, const char *name, int fd)
{
	struct secret pw = {0};
	uint8_t h[16];
	char hex[33];

	read_password(fd, &pw);
	if (ntlm_nt_hash((const char *)pw.buf, pw.len, h) != 0) {
		secret_wipe(&pw);
		fatalx("the password must be UTF-8 of at most 256 characters");
	}
	secret_wipe(&pw);
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", h[i]);
	explicit_bzero(h, sizeof(h));
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->line, sizeof(e->line), "%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]"
		 ":LCT-%08lX:", name, hex, (unsigned long)time(NULL));
	explicit_bzero(hex, sizeof(hex));
}

int cmd_account(int argc, char **argv)
{
	const char *dir = CONFIG_DATA_DIR, *verb, *who = NULL;
	char path[PATH_MAX], name[2 * NAME_MAX_LEN + 2];
	struct entry *e;
	size_t n;
	ssize_t at;
	int fd = -1;

	if (argc < 2)
		usage();
	verb = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--password-fd") == 0 && i + 1 < argc)
			fd = (int)strtol(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && who == NULL)
			who = argv[i];
		else
			usage();
	}
	snprintf(path, sizeof(path), "%s/%s", dir, ACCOUNTS);
	n = load(path, &e);
	if (strcmp(verb, "list") == 0) {
		if (who != NULL)
			usage();
		for (size_t i = 0; i < n; i++)
			printf("%s\n", e[i].name);
	} else if (who == NULL) {
		usage();
	} else {
		parse_name(who, name, sizeof(name));
		at = find(e, n, name);
		if (strcmp(verb, "add") == 0) {
			if (at >= 0)
				fatalx("%s exists (caadm account passwd changes its password)", name);
			if (e == NULL && (e = calloc(1, sizeof(*e))) == NULL)
				fatalx("out of memory");
			if (n == MAX_ACCOUNTS)
				fatalx("too many accounts (%d)", MAX_ACCOUNTS);
			make_line(&e[n++], name, fd);
		} else if (strcmp(verb, "passwd") == 0) {
			if (at < 0)
				fatalx("no account %s", name);
			make_line(&e[at], name, fd);
		} else if (strcmp(verb, "del") == 0) {
			if (at < 0)
				fatalx("no account %s", name);
			memmove(&e[at], &e[at + 1], (n - (size_t)at - 1) * sizeof(*e));
			n--;
		} else {
			usage();
		}
		save(dir, path, e, n);
		printf("%s: %s\n", name, strcmp(verb, "del") == 0 ? "deleted" : "stored (NT hash)");
	}
	if (e != NULL)
		explicit_bzero(e, (n > 0 ? n : 1) * sizeof(*e));
	free(e);
	return 0;
}
