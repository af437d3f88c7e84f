/* caadm kerberos: the keytab ca-auth accepts Kerberos logons with (issue 18).
 *
 *   caadm kerberos keytab add  [--data DIR] FILE
 *   caadm kerberos keytab del  [--data DIR]
 *   caadm kerberos keytab show [--data DIR] [--json]     (also: kerberos show)
 *
 * The keytab is DATA/auth/krb5.keytab (ca-auth, chrooted in DATA/auth, reads it
 * as /krb5.keytab): mode 0600, given to the owner of DATA/auth (ca-auth's user)
 * when caadm runs as root, replaced atomically, never through a symbolic link.
 *
 * add reads FILE with MIT libkrb5 (caadm's alone: the network-facing ca-worker
 * never links Kerberos) and refuses, changing nothing: a FILE that cannot be
 * read, is not a keytab or holds no entry; entries of more than one principal
 * (one keytab, one service: ca-auth's acceptor takes what it holds); a principal
 * that is not SERVICE/HOST@REALM; no AES key (17, 18 of RFC 3962, 19, 20 of RFC
 * 8009). Other keys (RC4, DES) are left out of the installed file, each said on
 * a line: ca-auth accepts AES only. Every kvno is kept, so that tickets issued
 * before a key rollover still open. A service other than host is accepted with
 * a warning: Windows asks for host/NAME (RPCSS/NAME maps to it in AD).
 *
 * The new file is written by krb5_kt_add_entry into a private directory made
 * in DATA (0700, mkdtemp: not in DATA/auth, whose owner could swap names under
 * us), chmod 0600, given to ca-auth's user, fsynced and hashed through one
 * descriptor opened without following links, then renamed over
 * DATA/auth/krb5.keytab (rename replaces a link there, never follows it) and
 * the directory fsynced. The SHA-256 of the installed bytes is printed, for
 * the operator's record and the journal (README: "Journaling").
 *
 * Failures are printed as fatal() printed them and returned as
 * ADM_EXIT_FAILED, as account.c does; usage is cli.c's. */
#include "firmware/admin/admin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <krb5/krb5.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "firmware/admin/console.h"
#include "platform/atomicfile.h"
#include "platform/log.h"

#define KEYTAB "auth/krb5.keytab"
/* A service's keytab holds a few keys a kvno (a handful of kvnos across
 * rollovers): these bounds only stop a file that is not one. */
#define KT_ENTRIES_MAX 256
#define KT_FILE_MAX (1u << 20)

struct kt_list {
	krb5_keytab_entry e[KT_ENTRIES_MAX];
	size_t n;
};

static int is_aes(krb5_enctype t)
{
	return t == ENCTYPE_AES128_CTS_HMAC_SHA1_96 || t == ENCTYPE_AES256_CTS_HMAC_SHA1_96 ||
	       t == ENCTYPE_AES128_CTS_HMAC_SHA256_128 || t == ENCTYPE_AES256_CTS_HMAC_SHA384_192;
}

/* MIT's name of an enctype, as klist -e prints it. */
static void enctype_name(krb5_enctype t, char *buf, size_t len)
{
	if (krb5_enctype_to_name(t, FALSE, buf, len) != 0)
		snprintf(buf, len, "enctype-%d", (int)t);
}

/* A libkrb5 failure, its message and what was being done. */
static int krb_failx(krb5_context ctx, krb5_error_code code, const char *what)
{
	const char *m = krb5_get_error_message(ctx, code);
	int rc = adm_failx("%s: %s", what, m);

	krb5_free_error_message(ctx, m);
	return rc;
}

static void kt_free(krb5_context ctx, struct kt_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		krb5_free_keytab_entry_contents(ctx, &l->e[i]);
	l->n = 0;
}

/* Every entry of the keytab file at path into l (keys included: wiped by
 * kt_free's krb5_free_keytab_entry_contents). */
static int kt_read(krb5_context ctx, const char *path, struct kt_list *l)
{
	char name[PATH_MAX + 8];
	krb5_keytab kt;
	krb5_kt_cursor cur;
	krb5_error_code c;
	int rc = 0;

	l->n = 0;
	if (snprintf(name, sizeof(name), "FILE:%s", path) >= (int)sizeof(name))
		return adm_failx("%s: path too long", path);
	if ((c = krb5_kt_resolve(ctx, name, &kt)) != 0)
		return krb_failx(ctx, c, path);
	if ((c = krb5_kt_start_seq_get(ctx, kt, &cur)) != 0) {
		rc = c == KRB5_KEYTAB_BADVNO ? adm_failx("%s: not a keytab", path)
					     : krb_failx(ctx, c, path);
		krb5_kt_close(ctx, kt);
		return rc;
	}
	while ((c = krb5_kt_next_entry(ctx, kt, &l->e[l->n], &cur)) == 0)
		if (++l->n == KT_ENTRIES_MAX) {
			rc = adm_failx("%s: %d entries or more: not a service's keytab", path,
				       KT_ENTRIES_MAX);
			break;
		}
	if (rc == 0 && c != KRB5_KT_END)
		rc = c == KRB5_KEYTAB_BADVNO ? adm_failx("%s: not a keytab", path)
					     : krb_failx(ctx, c, path);
	krb5_kt_end_seq_get(ctx, kt, &cur);
	krb5_kt_close(ctx, kt);
	if (rc != 0)
		kt_free(ctx, l);
	return rc;
}

/* The entry's principal as text (into buf), or a failure. */
static int principal_name(krb5_context ctx, krb5_const_principal p, char *buf, size_t len)
{
	char *s;
	krb5_error_code c = krb5_unparse_name(ctx, p, &s);

	if (c != 0)
		return krb_failx(ctx, c, "principal");
	snprintf(buf, len, "%s", s);
	krb5_free_unparsed_name(ctx, s);
	return 0;
}

/* One principal, SERVICE/HOST@REALM (a warning for a service other than host). */
static int check_principal(krb5_context ctx, const char *file, const struct kt_list *l)
{
	krb5_const_principal p = l->e[0].principal;
	char a[1024], b[1024];

	if (principal_name(ctx, p, a, sizeof(a)) != 0)
		return ADM_EXIT_FAILED;
	for (size_t i = 1; i < l->n; i++)
		if (!krb5_principal_compare(ctx, p, l->e[i].principal)) {
			if (principal_name(ctx, l->e[i].principal, b, sizeof(b)) != 0)
				return ADM_EXIT_FAILED;
			return adm_failx("%s: entries for more than one principal (%s, %s): give "
					 "a keytab of the CA's service principal alone (ktutil "
					 "rkt, delent, wkt)", file, a, b);
		}
	if (p->length != 2 || p->realm.length == 0 || p->data[0].length == 0 ||
	    p->data[1].length == 0)
		return adm_failx("%s: the principal %s is not a service principal: "
				 "host/NAME@REALM is expected", file, a);
	if (p->data[0].length != 4 || memcmp(p->data[0].data, "host", 4) != 0)
		fprintf(stderr, "caadm: warning: %s: the service is not host (host/NAME@REALM "
				"is what Windows clients ask for): installed as given\n", a);
	return 0;
}

/* Leaves out (with a line each) the entries that are not AES; refuses a keytab
 * left empty. */
static int keep_aes(krb5_context ctx, const char *file, struct kt_list *l)
{
	size_t kept = 0;
	char et[64];

	for (size_t i = 0; i < l->n; i++) {
		if (is_aes(l->e[i].key.enctype)) {
			l->e[kept++] = l->e[i];
			continue;
		}
		enctype_name(l->e[i].key.enctype, et, sizeof(et));
		printf("left out: kvno %u %s (not AES: ca-auth accepts AES keys only)\n",
		       (unsigned)l->e[i].vno, et);
		krb5_free_keytab_entry_contents(ctx, &l->e[i]);
	}
	l->n = kept;
	if (kept == 0)
		return adm_failx("%s: no AES key (aes256-cts-hmac-sha1-96, "
				 "aes128-cts-hmac-sha1-96 or the aes-sha2 ones): ca-auth "
				 "accepts AES only (ktpass /crypto AES256-SHA1, or ktadd -e)", file);
	return 0;
}

static void hex32(const unsigned char *h, char *out)
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* SHA-256 of what fd holds (at most KT_FILE_MAX bytes): raw and as hex. */
static int hash_fd(int fd, unsigned char raw[32], char hex[65])
{
	unsigned char *data;
	size_t len;
	int rc = 0;

	if (lseek(fd, 0, SEEK_SET) != 0 || fd_read_up_to(fd, KT_FILE_MAX, &data, &len) != 0) {
		log_fail("read");
		return ADM_EXIT_FAILED;
	}
	if (wc_Sha256Hash(data, (word32)len, raw) != 0)
		rc = adm_failx("SHA-256 failed");
	else
		hex32(raw, hex);
	explicit_bzero(data, len); /* the keys */
	free(data);
	return rc;
}

/* What open_installed finds besides a file: nothing, or a symbolic link
 * (the caller says what that means for it). */
#define KT_NONE (-1)
#define KT_LINK (-2)

/* The installed keytab's path; a regular file (not a link) opened read-only in
 * *fd (0), KT_NONE, KT_LINK, or a failure printed. */
static int open_installed(const char *dir, char *path, size_t len, int *fd)
{
	struct stat st;

	if (snprintf(path, len, "%s/%s", dir, KEYTAB) >= (int)len)
		return adm_failx("%s: path too long", dir);
	if ((*fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return KT_NONE;
		if (errno == ELOOP)
			return KT_LINK;
		log_fail("%s", path);
		return ADM_EXIT_FAILED;
	}
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		return adm_failx("%s is not a regular file", path);
	}
	return 0;
}

/* The kvnos and enctype names of l, each listed once in their first order. */
static void summary(const struct kt_list *l, char *kvnos, size_t kl, char *types, size_t tl)
{
	size_t ko = 0, to = 0;
	char et[64], tok[80];

	kvnos[0] = types[0] = 0;
	for (size_t i = 0; i < l->n; i++) {
		int seen_k = 0, seen_t = 0;

		for (size_t j = 0; j < i; j++) {
			seen_k |= l->e[j].vno == l->e[i].vno;
			seen_t |= l->e[j].key.enctype == l->e[i].key.enctype;
		}
		if (!seen_k && ko < kl)
			ko += (size_t)snprintf(kvnos + ko, kl - ko, "%s%u", ko ? " " : "",
					       (unsigned)l->e[i].vno);
		enctype_name(l->e[i].key.enctype, et, sizeof(et));
		snprintf(tok, sizeof(tok), "%s%s", to ? " " : "", et);
		if (!seen_t && to < tl)
			to += (size_t)snprintf(types + to, tl - to, "%s", tok);
	}
}

static void iso_time(krb5_timestamp t, char *buf, size_t len)
{
	time_t tt = (time_t)(uint32_t)t; /* krb5_timestamp is unsigned on the wire (y2038) */
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)tt);
}

/* ---- show ---- */

static int show_entries(krb5_context ctx, const struct kt_list *l, const char *path,
			const char *sha, int json)
{
	char first[1024], name[1024], et[64], ts[32];

	if (principal_name(ctx, l->e[0].principal, first, sizeof(first)) != 0)
		return ADM_EXIT_FAILED;
	if (json) {
		printf("{\"file\":");
		con_json_str(path);
		printf(",\"principal\":");
		con_json_str(first);
		printf(",\"sha256\":\"%s\",\"entries\":[", sha);
	} else {
		printf("file: %s\nprincipal: %s\nsha256: %s\n", path, first, sha);
	}
	for (size_t i = 0; i < l->n; i++) {
		const krb5_keytab_entry *e = &l->e[i];

		if (principal_name(ctx, e->principal, name, sizeof(name)) != 0)
			return ADM_EXIT_FAILED;
		enctype_name(e->key.enctype, et, sizeof(et));
		iso_time(e->timestamp, ts, sizeof(ts));
		if (json) {
			printf("%s{\"principal\":", i ? "," : "");
			con_json_str(name);
			printf(",\"kvno\":%u,\"enctype\":", (unsigned)e->vno);
			con_json_str(et);
			printf(",\"etype\":%d,\"timestamp\":\"%s\"}", (int)e->key.enctype, ts);
		} else {
			/* a hand-placed file of several principals: each line says which */
			printf("kvno %u %s %s%s%s\n", (unsigned)e->vno, et, ts,
			       strcmp(name, first) != 0 ? " " : "",
			       strcmp(name, first) != 0 ? name : "");
		}
	}
	if (json)
		printf("]}\n");
	return 0;
}

static int run_show(krb5_context ctx, const struct adm_cmd *cmd, struct kt_list *l)
{
	char path[PATH_MAX], sha[65];
	unsigned char raw[32];
	int fd, rc = open_installed(cmd->dir, path, sizeof(path), &fd);

	if (rc == KT_NONE)
		return adm_failx("no keytab (%s): caadm kerberos keytab add FILE installs one",
				 path);
	if (rc == KT_LINK)
		return adm_failx("%s is a symbolic link: not read (caadm kerberos keytab del "
				 "removes it)", path);
	if (rc != 0)
		return rc;
	/* libkrb5 reads by name: what it read is what fd holds only if the name
	 * still leads there afterwards (ca-auth's user owns the directory). */
	rc = hash_fd(fd, raw, sha);
	if (rc == 0 && (rc = kt_read(ctx, path, l)) == 0) {
		struct stat a, b;

		if (fstat(fd, &a) != 0 || lstat(path, &b) != 0 || a.st_ino != b.st_ino ||
		    a.st_dev != b.st_dev)
			rc = adm_failx("%s changed while it was read: try again", path);
		else if (l->n == 0)
			rc = adm_failx("%s: a keytab without entries", path);
		else
			rc = show_entries(ctx, l, path, sha, cmd->json);
	}
	close(fd);
	return rc;
}

/* ---- the journal ---- */

/* Journals the change through the running CA before it is made (the console's
 * rule: not journaled, not made): ADM_KEYTAB in the session of --operator (an
 * administrator) or of caadm login; the custodian records an operator-action
 * event with the peer's uid. The CA not running: refused, unless
 * --unjournaled, which makes the change and says it was not recorded. */
static int journal(const struct adm_cmd *cmd, uint32_t change, const char *principal,
		   const char *kvnos, const char *types, const unsigned char *sha)
{
	struct adm_keytab *k = calloc(1, sizeof(*k));
	struct console c;
	struct ipc_wbuf w;
	int rc;

	if (k == NULL)
		return adm_failx("out of memory");
	if ((rc = con_open(&c, cmd, !cmd->unjournaled)) == CON_DOWN) {
		free(k);
		if (cmd->unjournaled) {
			fprintf(stderr, "caadm: warning: the CA is not running: this change is not "
					"in its journal (--unjournaled)\n");
			return 0;
		}
		return adm_failx("the CA is not running (%s/%s): its journal cannot record "
				 "this change, so it is not made. Start the CA and run this "
				 "again as an administrator, or give --unjournaled", cmd->dir,
				 ADM_SOCKET);
	}
	if (rc != 0) {
		free(k);
		return rc;
	}
	if (cmd->unjournaled) {
		free(k);
		return con_close(&c, adm_failx("the CA is running: the change is journaled, "
					       "--unjournaled is refused"));
	}
	memcpy(k->token, c.token, ADM_TOKEN_LEN);
	k->change = change;
	snprintf(k->principal, sizeof(k->principal), "%s", principal);
	snprintf(k->kvnos, sizeof(k->kvnos), "%s", kvnos);
	snprintf(k->enctypes, sizeof(k->enctypes), "%s", types);
	if (sha != NULL) {
		memcpy(k->sha256, sha, ADM_KEYTAB_SHA256_LEN);
		k->sha256_len = ADM_KEYTAB_SHA256_LEN;
	}
	ipc_wbuf_init(&w);
	adm_keytab_encode(&w, k);
	explicit_bzero(k->token, sizeof(k->token));
	free(k);
	return con_close(&c, con_simple(&c, ADM_KEYTAB, &w));
}

/* ---- del ---- */

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

static int run_del(krb5_context ctx, const struct adm_cmd *cmd, struct kt_list *l)
{
	char path[PATH_MAX], auth_dir[PATH_MAX], sha[65] = "", kvnos[256] = "", types[256] = "";
	char name[1024] = "";
	unsigned char raw[32];
	int fd, hashed = 0, rc = open_installed(cmd->dir, path, sizeof(path), &fd);

	if (rc == KT_NONE)
		return adm_failx("no keytab to delete (%s)", path);
	/* A link or a damaged file is removed too (unlink never follows): what it
	 * held is said when it can be read. */
	if (rc == ADM_EXIT_FAILED)
		fprintf(stderr, "caadm: removing it all the same\n");
	if (rc == KT_LINK)
		printf("%s is a symbolic link: the link alone is removed\n", path);
	if (rc == 0) {
		hashed = hash_fd(fd, raw, sha) == 0;
		if (hashed && kt_read(ctx, path, l) == 0 && l->n > 0) {
			principal_name(ctx, l->e[0].principal, name, sizeof(name));
			summary(l, kvnos, sizeof(kvnos), types, sizeof(types));
		}
		close(fd);
	}
	if ((rc = journal(cmd, ADM_KEYTAB_REMOVED, name, kvnos, types, hashed ? raw : NULL)) != 0)
		return rc;
	snprintf(auth_dir, sizeof(auth_dir), "%s/auth", cmd->dir);
	if (unlink(path) != 0) {
		log_fail("cannot remove %s", path);
		return ADM_EXIT_FAILED;
	}
	if (fsync_dir(auth_dir) != 0) {
		log_fail("%s", auth_dir);
		return ADM_EXIT_FAILED;
	}
	printf("removed %s: %s, kvno %s, %s\nsha256: %s\n", path, name[0] ? name : "(unreadable)",
	       kvnos[0] ? kvnos : "-",
	       types[0] ? types : "-", sha[0] ? sha : "-");
	printf("ca-auth refuses Kerberos logons until a keytab is installed\n");
	return 0;
}

/* ---- add ---- */

/* The input keytab: a readable regular file of 1..KT_FILE_MAX bytes (its own
 * message for each), then its entries. */
static int read_input(krb5_context ctx, const char *file, struct kt_list *l)
{
	struct stat st;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		log_fail("%s", file);
		return ADM_EXIT_FAILED;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return adm_failx("%s: not a regular file", file);
	}
	close(fd);
	if (st.st_size == 0)
		return adm_failx("%s: empty: not a keytab", file);
	if (st.st_size > (off_t)KT_FILE_MAX)
		return adm_failx("%s: larger than %u bytes: not a service's keytab", file,
				 KT_FILE_MAX);
	if (kt_read(ctx, file, l) != 0)
		return ADM_EXIT_FAILED;
	if (l->n == 0)
		return adm_failx("%s: a keytab without entries", file);
	return 0;
}

/* Writes l with libkrb5 into tmp (a new file in caadm's private directory). */
static int write_keytab(krb5_context ctx, const char *tmp, struct kt_list *l)
{
	char name[PATH_MAX + 8];
	krb5_keytab kt;
	krb5_error_code c;

	snprintf(name, sizeof(name), "WRFILE:%s", tmp);
	if ((c = krb5_kt_resolve(ctx, name, &kt)) != 0)
		return krb_failx(ctx, c, tmp);
	for (size_t i = 0; i < l->n && c == 0; i++)
		c = krb5_kt_add_entry(ctx, kt, &l->e[i]);
	if (c != 0) {
		krb5_kt_close(ctx, kt);
		return krb_failx(ctx, c, tmp);
	}
	if ((c = krb5_kt_close(ctx, kt)) != 0)
		return krb_failx(ctx, c, tmp);
	return 0;
}

/* The new file's mode and owner (DATA/auth's, when caadm runs as root: ca-auth
 * reads only a file of its own), on disk, and its hash. */
static int seal_file(const char *tmp, const char *auth_dir, unsigned char raw[32], char sha[65])
{
	struct stat st;
	int fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		log_fail("%s", tmp);
		return ADM_EXIT_FAILED;
	}
	if (fchmod(fd, 0600) != 0) {
		log_fail("chmod %s", tmp);
		rc = ADM_EXIT_FAILED;
	} else if (geteuid() == 0 && stat(auth_dir, &st) == 0 && st.st_uid != 0 &&
		   fchown(fd, st.st_uid, st.st_gid) != 0) {
		log_fail("cannot give %s to uid %d", tmp, (int)st.st_uid);
		rc = ADM_EXIT_FAILED;
	} else if (fsync(fd) != 0) {
		log_fail("fsync %s", tmp);
		rc = ADM_EXIT_FAILED;
	} else {
		rc = hash_fd(fd, raw, sha);
	}
	close(fd);
	return rc;
}

/* Writes l into a new file in a private directory of DATA, journals the change
 * (its hash known), then renames it over DATA/auth/krb5.keytab. */
static int install(krb5_context ctx, const struct adm_cmd *cmd, struct kt_list *l,
		   const char *name, char *path, size_t plen)
{
	char auth_dir[PATH_MAX], priv[PATH_MAX], tmp[PATH_MAX + 16], sha[65], kvnos[256],
		types[256];
	unsigned char raw[32];
	const char *dir = cmd->dir;
	int rc;

	if (snprintf(path, plen, "%s/%s", dir, KEYTAB) >= (int)plen ||
	    snprintf(priv, sizeof(priv), "%s/.krb5.keytab.XXXXXX", dir) >= (int)sizeof(priv))
		return adm_failx("%s: path too long", dir);
	snprintf(auth_dir, sizeof(auth_dir), "%s/auth", dir);
	if (mkdir(auth_dir, 0700) != 0 && errno != EEXIST) {
		log_fail("%s", auth_dir);
		return ADM_EXIT_FAILED;
	}
	if (mkdtemp(priv) == NULL) {
		log_fail("cannot make a directory in %s", dir);
		return ADM_EXIT_FAILED;
	}
	snprintf(tmp, sizeof(tmp), "%s/krb5.keytab", priv);
	summary(l, kvnos, sizeof(kvnos), types, sizeof(types));
	rc = write_keytab(ctx, tmp, l);
	if (rc == 0)
		rc = seal_file(tmp, auth_dir, raw, sha);
	if (rc == 0)
		rc = journal(cmd, ADM_KEYTAB_INSTALLED, name, kvnos, types, raw);
	if (rc == 0 && rename(tmp, path) != 0) {
		log_fail("journaled, but cannot install %s", path);
		rc = ADM_EXIT_FAILED;
	}
	if (rc == 0 && fsync_dir(auth_dir) != 0) {
		log_fail("%s", auth_dir);
		rc = ADM_EXIT_FAILED;
	}
	if (rc != 0)
		unlink(tmp);
	rmdir(priv);
	if (rc == 0)
		printf("installed %s: %s, kvno %s, %s\nsha256: %s\n", path, name, kvnos, types,
		       sha);
	return rc;
}

static int run_add(krb5_context ctx, const struct adm_cmd *cmd, struct kt_list *l)
{
	char path[PATH_MAX], name[1024];
	int rc;

	if ((rc = read_input(ctx, cmd->keytab_file, l)) != 0 ||
	    (rc = check_principal(ctx, cmd->keytab_file, l)) != 0 ||
	    (rc = keep_aes(ctx, cmd->keytab_file, l)) != 0 ||
	    (rc = principal_name(ctx, l->e[0].principal, name, sizeof(name))) != 0)
		return rc;
	return install(ctx, cmd, l, name, path, sizeof(path));
}

int adm_run_kerberos(const struct adm_cmd *cmd)
{
	struct kt_list *l = calloc(1, sizeof(*l));
	krb5_context ctx;
	krb5_error_code c;
	int rc;

	if (l == NULL)
		return adm_failx("out of memory");
	/* A secure context: KRB5_CONFIG and the like are not taken from the
	 * environment of a caadm run by root (nothing here needs a realm's
	 * configuration: keytabs are files). */
	if ((c = krb5_init_secure_context(&ctx)) != 0) {
		free(l);
		return adm_failx("libkrb5: cannot start (error %ld)", (long)c);
	}
	rc = cmd->sub == ADM_SUB_ADD   ? run_add(ctx, cmd, l)
	     : cmd->sub == ADM_SUB_DEL ? run_del(ctx, cmd, l)
				       : run_show(ctx, cmd, l);
	kt_free(ctx, l);
	free(l);
	krb5_free_context(ctx);
	return rc;
}
