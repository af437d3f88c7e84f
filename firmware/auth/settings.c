/* ca-auth's start-up settings (settings.h): what main.c used to check and exit
 * on, returning refusals instead, so that each is tested. */
#include "firmware/auth/settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/errbuf.h"

#define ACCOUNTS_DIR "auth"
#define ACCOUNTS_NAME "accounts"

int auth_netbios_name(const char *v, char *out, size_t outlen, const char *what, char *err,
		      size_t errlen)
{
	size_t n = 0;

	for (; *v != 0 && n + 1 < outlen && n < AUTH_NETBIOS_MAX; v++) {
		if (!isalnum((unsigned char)*v) && *v != '-' && *v != '_')
			return err_set(err, errlen, "ca.conf: %s '%s': letters, digits, '-' and "
				       "'_' only", what, v);
		out[n++] = (char)toupper((unsigned char)*v);
	}
	out[n] = 0;
	if (n == 0)
		return err_set(err, errlen, "ca.conf: %s is empty", what);
	return 0;
}

/* One throttle setting: a whole number from min to max, or def when absent. A
 * bad value is the operator's to fix (AUTH_SET_REFUSE), so cad stops rather
 * than restarting ca-auth in a loop. */
static int conf_number(const struct conf *conf, const char *key, unsigned def, unsigned min,
		       unsigned max, unsigned *out, char *err, size_t errlen)
{
	if (conf_get_uint(conf, key, def, min, max, out) != 0) {
		err_set(err, errlen, "ca.conf: %s must be a number from %u to %u", key, min, max);
		return AUTH_SET_REFUSE;
	}
	return 0;
}

int auth_throttle_settings(const struct conf *conf, struct throttle_conf *t, char *err,
			   size_t errlen)
{
	unsigned delay, max;

	if (conf_number(conf, "auth_throttle_account", THROTTLE_ACCOUNT_FAILURES, 0, 1000000,
			&t->account_failures, err, errlen) != 0 ||
	    conf_number(conf, "auth_throttle_address", THROTTLE_ADDRESS_FAILURES, 0, 1000000,
			&t->address_failures, err, errlen) != 0 ||
	    conf_number(conf, "auth_throttle_delay", THROTTLE_DELAY_S, 1, 3600, &delay, err,
			errlen) != 0 ||
	    conf_number(conf, "auth_throttle_max_delay", THROTTLE_MAX_DELAY_S, 1, 86400, &max, err,
			errlen) != 0)
		return AUTH_SET_REFUSE;
	if (max < delay) {
		err_set(err, errlen, "ca.conf: auth_throttle_max_delay is less than "
			"auth_throttle_delay");
		return AUTH_SET_REFUSE;
	}
	t->delay_ms = 1000 * delay;
	t->max_delay_ms = 1000 * max;
	return 0;
}

int auth_settings_load(const char *dir, const char *host, struct auth_settings *s, char *err,
		       size_t errlen)
{
	char path[PATH_MAX], name[256];
	const char *v;
	struct conf conf;
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/ca.conf", dir);
	if (conf_load(path, &conf, err, errlen) != 0)
		return AUTH_SET_FATAL;
	if ((v = conf_get(&conf, "netbios_computer_name")) == NULL) {
		snprintf(name, sizeof(name), "%s", host);
		name[strcspn(name, ".")] = 0;
		v = name;
	}
	if (auth_netbios_name(v, s->computer, sizeof(s->computer), "netbios_computer_name", err,
			      errlen) != 0)
		return AUTH_SET_FATAL;
	v = conf_get(&conf, "netbios_domain_name");
	if (auth_netbios_name(v != NULL ? v : "WORKGROUP", s->domain, sizeof(s->domain),
			      "netbios_domain_name", err, errlen) != 0)
		return AUTH_SET_FATAL;
	if ((rc = auth_throttle_settings(&conf, &s->throttle, err, errlen)) != 0)
		return rc;
	if (conf_number(&conf, "kerberos_clock_skew", 300, 1, 3600, &s->krb_skew_s, err, errlen) !=
	    0)
		return AUTH_SET_REFUSE;
	v = conf_get(&conf, "kerberos_unknown_principals");
	if (v != NULL && strcmp(v, "refuse") != 0 && strcmp(v, "domain-users") != 0) {
		err_set(err, errlen, "ca.conf: kerberos_unknown_principals must be refuse or "
			"domain-users");
		return AUTH_SET_REFUSE;
	}
	s->krb_unknown_domain_users = v != NULL && strcmp(v, "domain-users") == 0;
	snprintf(s->accounts, sizeof(s->accounts), "%s/%s/%s", dir, ACCOUNTS_DIR, ACCOUNTS_NAME);
	return 0;
}

int auth_accounts_check(const char *path, uid_t owner, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		err_set(err, errlen, "%s: no account file: every NTLM logon is refused (caadm "
			"account add)", path);
		return 1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_uid != owner)
		return err_set(err, errlen, "%s must be a regular file of uid %d with mode 0600 (it "
			       "holds NT hashes, which are password-equivalent)", path, (int)owner);
	return 0;
}

int auth_token_key_read(int fd, struct auth_tokens *tk, char *err, size_t errlen)
{
	size_t got = 0;

	while (got < sizeof(tk->key)) {
		ssize_t n = read(fd, tk->key + got, sizeof(tk->key) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			explicit_bzero(tk->key, sizeof(tk->key));
			return err_set(err, errlen, "the identity-token key: %zu of %zu bytes", got,
				       sizeof(tk->key));
		}
		got += (size_t)n;
	}
	close(fd);
	tk->have_key = 1;
	return 0;
}
