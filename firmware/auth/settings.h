/* ca-auth's start-up settings, read and checked here rather than in main.c so
 * that every refusal is a return value a unit test can see
 * (tests/unit/test_auth_settings.c): DATA/ca.conf's NetBIOS names and
 * throttle, the account file's ownership, the identity-token key. main.c
 * turns a refusal into the process's exit (fatalx, or refuse_to_start for a
 * setting the operator must change). */
#ifndef AUTH_SETTINGS_H
#define AUTH_SETTINGS_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/throttle.h"
#include "platform/conf.h"

#define AUTH_NETBIOS_MAX 15

/* How bad a refusal is: AUTH_SET_FATAL (a broken file: exit 1, cad restarts)
 * or AUTH_SET_REFUSE (a value the operator must change: refuse_to_start,
 * which stops cad rather than restarting ca-auth in a loop). */
#define AUTH_SET_FATAL (-1)
#define AUTH_SET_REFUSE (-2)

struct auth_settings {
	char computer[AUTH_NETBIOS_MAX + 1]; /* the CHALLENGE's MsvAvNbComputerName */
	char domain[AUTH_NETBIOS_MAX + 1];   /* MsvAvNbDomainName */
	struct throttle_conf throttle;
	/* ca.conf kerberos_clock_skew (s, 1..3600, default 300 as AD's): how far
	 * a Kerberos authenticator's time may be from ca-auth's, and how long
	 * after its end a ticket is still taken (MIT's clockskew). */
	unsigned krb_skew_s;
	/* ca.conf kerberos_unknown_principals: refuse (0, the default) or
	 * domain-users (1): a principal without an account logs on as REALM\user
	 * in the group "Unknown Kerberos Principals" (policy.h) alone. */
	int krb_unknown_domain_users;
	char accounts[PATH_MAX]; /* DIR/auth/accounts */
};

/* A NetBIOS name from ca.conf's value v: 1..15 letters, digits, '-' or '_'
 * (longer values cut to 15), uppercased, into out (at least 16 octets). 0, or
 * -1 with err naming the key what. */
int auth_netbios_name(const char *v, char *out, size_t outlen, const char *what, char *err,
		      size_t errlen);

/* The throttle settings of conf (throttle.h; the defaults where absent). 0, or
 * AUTH_SET_REFUSE with err naming the key. */
int auth_throttle_settings(const struct conf *conf, struct throttle_conf *t, char *err,
			   size_t errlen);

/* dir/ca.conf's settings; host is the machine's name (the computer name's
 * default: up to its first dot). 0, or AUTH_SET_FATAL / AUTH_SET_REFUSE with
 * err. */
int auth_settings_load(const char *dir, const char *host, struct auth_settings *s, char *err,
		       size_t errlen);

/* The account file at path, which holds password-equivalent NT hashes: a
 * regular file of owner with mode 0600 (0), absent (1: every logon will be
 * refused, a warning in err), or anything else (-1 with err). */
int auth_accounts_check(const char *path, uid_t owner, char *err, size_t errlen);

/* The identity-token key read whole from fd (cad's pipe), which is closed
 * either way; tk->have_key set. 0, or -1 with err. */
int auth_token_key_read(int fd, struct auth_tokens *tk, char *err, size_t errlen);

#endif
