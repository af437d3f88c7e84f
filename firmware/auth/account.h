/* The account a logon names (issue 13: one name per account). gss-ntlmssp
 * checks the response against the first line of the account file that its
 * rule matches, but names the logon as the client typed it: `alice` with an
 * empty domain, `EXAMPLE\ALICE` in capitals, while the account is
 * `EXAMPLE\alice`. ca-auth finds the same line by the same rule and names the
 * logon as the line is written, so that one account has one requester name. */
#ifndef AUTH_ACCOUNT_H
#define AUTH_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/identity/attrs.h"

#define ACCOUNT_NAME_MAX 256 /* = AUTH_IDENTITY_MAX */

/* The account file at path (smbpasswd lines `DOMAIN\user:...`, as caadm
 * account writes them; gss-ntlmssp's `DOMAIN:USER:PASSWORD` form is read too)
 * searched for user in domain, both UTF-8 without NUL, as gss-ntlmssp 1.2
 * does: lines starting with '#' skipped, user and domain compared without
 * case, an empty domain (or a line without one) matching any. The first match
 * counts; with an empty domain, a user name that two lines match is refused as
 * ambiguous (gss-ntlmssp would check the first one's hash and the client would
 * not know which account it logged on to). An account whose smbpasswd flags
 * hold D (`caadm account disable`) is refused ("the account 'NAME' is
 * disabled"): gss-ntlmssp ignores the flags, so ca-auth asks this before
 * gss-ntlmssp checks a password. An account without an NT hash (32 'X': a
 * domain account, Kerberos only) is refused too ("has no password"):
 * gss-ntlmssp must never read it. 0 with name ("DOMAIN\user" as the line
 * writes it), or -1 with a message. */
int account_find(const char *path, const char *domain, const char *user, char *name,
		 size_t namelen, char *err, size_t errlen);

/* account_find's search without its NTLM rule: an account without a password
 * is found too (an enrollment agent's look-up, AUTH_LOOKUP). */
int account_lookup(const char *path, const char *domain, const char *user, char *name,
		   size_t namelen, char *err, size_t errlen);
/* The account of a Kerberos requester REALM\user: the account file's line of
 * that user in exactly that domain (case ignored; a line without a domain does
 * not stand for a realm's user), enabled, with or without a password (`caadm
 * account add REALM\user --no-password` makes a domain account: attributes
 * and no NT hash). 0 with name as stored, 1 when there is no such account (err
 * says so), -1 with err (disabled, a file that cannot be read). */
int account_domain_find(const char *realm, const char *user, char *name, size_t namelen,
			char *err, size_t errlen);
/* The attributes file beside the account file (NTLM_USER_FILE's directory,
 * "attributes": DATA/auth/attributes, "/attributes" in the jail) into path;
 * 0, or -1 when there is no account file to be beside or the name is too
 * long. */
int account_attrs_path(char *path, size_t pathlen);

/* The attributes of the account name (as account_find named it) from the
 * attributes file (firmware/identity/attrs.h; owned by this process's user,
 * mode 0600; absent: none). 0 with *a filled (zeroed if it has none), or -1
 * with err: the file cannot be read or is malformed, and the logon must be
 * refused (a token never carries half the attributes). */
int account_attributes(const char *name, struct id_attrs *a, char *err, size_t errlen);

/* Whether an smbpasswd line's part after its second ':' (LM hash:NT hash:
 * [flags]:...) has D among its account flags. */
int account_flags_disabled(const char *rest);

/* An NTLM name field in the negotiated encoding to UTF-8: UTF-16LE (surrogates
 * paired, as check.c demands) when unicode, else the octets as they are. 0, or
 * -1 if it does not fit out (outlen counts the NUL) or is not well formed. */
int account_name_utf8(const uint8_t *p, size_t len, int unicode, char *out, size_t outlen);

#endif
