/* The account a logon names (account.h). The file is read at each logon, as
 * gss-ntlmssp reads it: `caadm account` replaces it while ca-auth runs. */
#include "firmware/auth/account.h"

#include "platform/utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_LEN 1024 /* gss-ntlmssp's fgets buffer */

static int refuse(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Whether smbpasswd's account flags (the field after the NT hash, "[U   ]")
 * hold D, the disabled flag (Samba's ACB_DISABLED). rest is the line after its
 * second ':' (LM hash:NT hash:[flags]:...). gss-ntlmssp does not read the flags:
 * ca-auth honours them before gss-ntlmssp checks a password. */
int account_flags_disabled(const char *rest)
{
	const char *p = strchr(rest, ':'), *end;

	if (p == NULL || (p = strchr(p + 1, ':')) == NULL || *++p != '[' ||
	    (end = strchr(p, ']')) == NULL)
		return 0;
	return memchr(p, 'D', (size_t)(end - p)) != NULL;
}

/* Whether an smbpasswd line's part after its second ':' has no NT hash: 32
 * 'X' (caadm account add --no-password: a domain account, Kerberos only). */
static int no_nt_hash(const char *rest)
{
	const char *p = strchr(rest, ':');

	if (p == NULL)
		return 0;
	for (int i = 1; i <= 32; i++)
		if (p[i] != 'X')
			return 0;
	return p[33] == ':';
}

/* One line's domain (NULL: none) and user, cut in place as gss-ntlmssp 1.2's
 * get_user_file_creds cuts them: three ':'-separated fields are DOMAIN:USER:
 * PASSWORD, four or more are smbpasswd with NAME = [DOMAIN\]USER first; for
 * those, *disabled tells smbpasswd's D flag and *nohash an account without
 * an NT hash. 0, or -1 for a line it skips. */
static int split(char *line, char **dom, char **usr, int *disabled, int *nohash)
{
	char *f2, *f3, *p;

	*disabled = 0;
	*nohash = 0;
	if (line[0] == '#' || (p = strchr(line, ':')) == NULL)
		return -1;
	*p = 0;
	f2 = p + 1;
	if ((p = strchr(f2, ':')) == NULL)
		return -1;
	*p = 0;
	f3 = p + 1;
	if (strchr(f3, ':') == NULL) { /* DOMAIN:USER:PASSWORD */
		*dom = line;
		*usr = f2;
		return 0;
	}
	*disabled = account_flags_disabled(f3);
	*nohash = no_nt_hash(f3);
	*dom = NULL;
	*usr = line;
	if ((p = strchr(line, '\\')) != NULL) {
		*p = 0;
		*dom = line;
		*usr = p + 1;
	}
	return 0;
}

/* account_find's search; *absent tells "no line matched" from the other
 * refusals. */
static int find_line(const char *path, const char *domain, const char *user, int ntlm,
		     char *name, size_t namelen, int *absent, char *err, size_t errlen)
{
	char line[LINE_MAX_LEN], *dom, *usr;
	int found = 0, any_domain = domain[0] == 0, disabled, first_disabled = 0, nohash = 0;
	int first_nohash = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "re")) == NULL)
		return refuse(err, errlen, "the account file cannot be read: %s",
			      path == NULL ? "no NTLM_USER_FILE" : strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = 0;
		if (split(line, &dom, &usr, &disabled, &nohash) != 0)
			continue;
		if (strcasecmp(usr, user) != 0 ||
		    (!any_domain && dom != NULL && strcasecmp(dom, domain) != 0))
			continue;
		if (found++ == 0) {
			first_disabled = disabled;
			first_nohash = nohash;
			if ((size_t)snprintf(name, namelen, "%s%s%s", dom != NULL ? dom : "",
					     dom != NULL ? "\\" : "", usr) >= namelen)
				found = -1000; /* too long to name: refused below */
		}
		/* A domain named picks the first line; without one, keep looking
		 * for a second account of that user name. */
		if (!any_domain)
			break;
	}
	explicit_bzero(line, sizeof(line)); /* it held an NT hash */
	fclose(f);
	if (found < 0)
		return refuse(err, errlen, "the account's name is longer than %zu octets",
			      namelen - 1);
	if (found == 0) {
		*absent = 1;
		return refuse(err, errlen, "no account '%s%s%s'", domain, domain[0] ? "\\" : "",
			      user);
	}
	if (found > 1)
		return refuse(err, errlen, "'%s' without a domain names %d accounts: give the "
			      "domain", user, found);
	if (first_disabled)
		return refuse(err, errlen, "the account '%s' is disabled", name);
	/* gss-ntlmssp would try to read 'X's as a hash: never let it. */
	if (ntlm && first_nohash)
		return refuse(err, errlen, "the account '%s' has no password: it logs on with "
			      "Kerberos only", name);
	return 0;
}

int account_find(const char *path, const char *domain, const char *user, char *name,
		 size_t namelen, char *err, size_t errlen)
{
	int absent = 0;

	return find_line(path, domain, user, 1, name, namelen, &absent, err, errlen);
}

int account_lookup(const char *path, const char *domain, const char *user, char *name,
		   size_t namelen, char *err, size_t errlen)
{
	int absent = 0;

	return find_line(path, domain, user, 0, name, namelen, &absent, err, errlen);
}

int account_domain_find(const char *realm, const char *user, char *name, size_t namelen,
			char *err, size_t errlen)
{
	const char *bs;
	int absent = 0;

	if (realm[0] == 0)
		return refuse(err, errlen, "no realm");
	if (find_line(getenv("NTLM_USER_FILE"), realm, user, 0, name, namelen, &absent, err,
		      errlen) != 0)
		return absent ? 1 : -1; /* disabled, unreadable: err says which */
	/* A line without a domain matches any: a realm names its own users. */
	bs = strchr(name, '\\');
	if (bs == NULL || (size_t)(bs - name) != strlen(realm) ||
	    strncasecmp(name, realm, strlen(realm)) != 0) {
		refuse(err, errlen, "no account '%s\\%s'", realm, user);
		return 1;
	}
	return 0;
}

int account_attrs_path(char *path, size_t pathlen)
{
	const char *file = getenv("NTLM_USER_FILE"), *slash;
	int n;

	if (file == NULL || (slash = strrchr(file, '/')) == NULL)
		return -1;
	n = snprintf(path, pathlen, "%.*s/attributes", (int)(slash - file), file);
	return n < 0 || (size_t)n >= pathlen ? -1 : 0;
}

int account_attributes(const char *name, struct id_attrs *a, char *err, size_t errlen)
{
	char path[4096];

	memset(a, 0, sizeof(*a));
	if (account_attrs_path(path, sizeof(path)) != 0)
		return refuse(err, errlen, "no attributes file beside NTLM_USER_FILE");
	return id_attrs_lookup(path, name, a, err, errlen);
}

int account_name_utf8(const uint8_t *p, size_t len, int unicode, char *out, size_t outlen)
{
	if (outlen == 0)
		return -1;
	out[0] = 0;
	if (!unicode) {
		if (len >= outlen || memchr(p, 0, len) != NULL)
			return -1;
		memcpy(out, p, len);
		out[len] = 0;
		return 0;
	}
	return utf8_from_utf16le(p, len, out, outlen);
}
