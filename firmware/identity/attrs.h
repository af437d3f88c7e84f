/* Account attributes: what Active Directory would supply about an enrollee
 * account (issue 15: the certificate templates take subject, SAN, SID and the
 * enrollment permission from them). `caadm account add|set` keeps them in
 * DATA/auth/attributes; ca-auth reads the logon's account there and carries them
 * in the identity token (idtoken.h), so the custodian believes only what
 * ca-auth vouched for, never the worker.
 *
 * The limits are defined here once; firmware/policy's account struct uses
 * the same numbers (tests/unit/test_identity_attrs.c asserts they are equal).
 *
 * Values (each checked by id_attr_check, the one rule caadm, ca-auth and the
 * token's decoder apply):
 *   upn    local@domain: local a dot-atom of ASCII atext (RFC 5322 3.2.3: letters,
 *          digits, !#$%&'*+/=?^_`{|}~- and dots, not first, last or doubled),
 *          domain LDH labels (below); 3..255 bytes.
 *   email  the same addr-spec, conservatively: local part 1..64 bytes, the
 *          domain at least two labels; 6..254 bytes (RFC 5321's path limit).
 *   dns    LDH labels: 1..63 letters, digits and '-', not '-' first or last,
 *          joined by '.', no trailing dot; 1..253 bytes.
 *   sid    S-1-<authority>-<sub-authority>... in decimal, no leading zeros:
 *          authority < 2^48, 1..15 sub-authorities each < 2^32 (MS-DTYP 2.4.2.1,
 *          revision 1 only); at most 184 bytes (the longest such text).
 *   group  1..128 bytes of UTF-8 (platform/utf8.h: shortest form only), no
 *          control character (C0, DEL, C1), no space first or last; at most
 *          32 per account, no two equal ignoring ASCII case.
 *
 * The file (DATA/auth/attributes, mode 0600, replaced atomically, the owner of
 * DATA/auth's; written by caadm only): UTF-8 text, lines ended by LF (no CR),
 * the last one too. A line starting with '#' is a comment; an empty line is
 * skipped. Every other line is one account:
 *     DOMAIN\user<TAB>key=value[<TAB>key=value]...
 * keys upn, email, dns, sid (each at most once, in that order) and then group
 * (0..IDENTITY_MAX_GROUPS times), at least one attribute; the name is an account name as caadm
 * account takes it (id_account_name_ok), each account at most once (ASCII case
 * ignored, as account names are). Anything else refuses the whole file: caadm
 * changes nothing, and ca-auth refuses every logon until it is fixed. */
#ifndef FIRMWARE_IDENTITY_ATTRS_H
#define FIRMWARE_IDENTITY_ATTRS_H

#include <stddef.h>
#include <stdint.h>

#define IDENTITY_NAME_MAX 256  /* DOMAIN\user as the token carries it */
#define IDENTITY_PART_MAX 64   /* the domain and the user of an account name */
#define IDENTITY_ATTR_MAX 255  /* bytes of a UPN, an e-mail address, a DNS name */
#define IDENTITY_EMAIL_MAX 254 /* RFC 5321 4.5.3.1.3 */
#define IDENTITY_DNS_MAX 253   /* RFC 1035, without the trailing dot */
#define IDENTITY_SID_MAX 184   /* "S-1-" 15 digits, then 15 x ("-" 10 digits) */
/* An account's groups: the Microsoft PAC decoder's own bound (firmware/auth/pac.h
 * PAC_MAX_GROUPS), since a Kerberos logon adds the PAC's group SIDs to the
 * account's (issue 18) and AD users are often in more than 32 groups. */
#define IDENTITY_MAX_GROUPS 256
/* The one group of a Kerberos principal the realm vouched for that has no
 * account here (ca-auth, kerberos_unknown_principals = domain-users);
 * firmware/policy/policy.h's POLICY_GROUP_UNKNOWN_PRINCIPALS is the same
 * text (test_custodian_tpolicy checks it), which the policy keeps out of
 * Authenticated Users. */
#define IDENTITY_GROUP_UNKNOWN_PRINCIPALS "Unknown Kerberos Principals"
#define IDENTITY_GROUP_MAX 128
/* The largest attributes file either reader accepts. */
#define IDENTITY_ATTRS_FILE_MAX (16u << 20)
#define IDENTITY_ATTRS_MAX_ACCOUNTS 10000

enum id_attr {
	ID_ATTR_UPN = 0,
	ID_ATTR_EMAIL,
	ID_ATTR_DNS,
	ID_ATTR_SID,
	ID_ATTR_GROUP,
	ID_ATTR_COUNT,
};

/* One account's attributes; "" (and n_groups 0) for what it has not. */
struct id_attrs {
	char upn[IDENTITY_ATTR_MAX + 1];
	char email[IDENTITY_ATTR_MAX + 1];
	char dns[IDENTITY_ATTR_MAX + 1];
	char sid[IDENTITY_SID_MAX + 1];
	size_t n_groups;
	char groups[IDENTITY_MAX_GROUPS][IDENTITY_GROUP_MAX + 1];
};

/* "upn", "email", "dns", "sid", "group" (the file's keys, caadm's options). */
const char *id_attr_name(enum id_attr a);
/* The attribute a key names, or -1. */
int id_attr_from_name(const char *name);

/* Whether v is a valid value of a (the rules above). 0, or -1 with err saying
 * what is wrong (without repeating v). */
int id_attr_check(enum id_attr a, const char *v, char *err, size_t errlen);

/* Adds group g to a: checked, at most IDENTITY_MAX_GROUPS, no duplicate
 * (ASCII case ignored). 0, or -1 with err (a unchanged). */
int id_attrs_add_group(struct id_attrs *a, const char *g, char *err, size_t errlen);

/* Every field of a valid (each value, the group count, no duplicate group). */
int id_attrs_check(const struct id_attrs *a, char *err, size_t errlen);

/* 1 if a holds no attribute at all. */
int id_attrs_empty(const struct id_attrs *a);

/* An account name as caadm account takes it: DOMAIN\user, each part 1..64
 * bytes, none of ':' '\\' '/' '@' or a control character, not '#' first, no
 * blank at either end. 1 or 0. */
int id_account_name_ok(const char *name);

/* ---- the file ----
 * caadm reads and rewrites the whole file; kept as struct id_attrs it would
 * be ~34 KiB an account at IDENTITY_MAX_GROUPS groups (340 MB for the most
 * accounts, as much again to format it), on an appliance that may have 512 MB.
 * So each account is kept as its canonical line, as long as it is (the file
 * is at most IDENTITY_ATTRS_FILE_MAX bytes), and parsed again into a caller's
 * struct id_attrs only when its attributes are wanted (id_attrs_get). */
struct id_attrs_entry {
	char name[IDENTITY_NAME_MAX + 1];
	/* The account's line as id_attrs_format writes it, without its LF: the
	 * name, then "\tkey=value" for each attribute (upn, email, dns, sid, then
	 * the groups). malloc'd, len bytes, NUL after; never empty of attributes. */
	char *line;
	size_t len;
};

struct id_attrs_file {
	struct id_attrs_entry *e; /* n entries, in the file's order */
	size_t n, cap;
};

/* Parses data (len bytes, the whole file) into f (empty on entry: zeroed).
 * Every line is checked, each account's attributes kept as its canonical
 * line. 0, or -1 with err naming the line and what is wrong; f is then empty. */
int id_attrs_parse(const char *data, size_t len, struct id_attrs_file *f, char *err,
		   size_t errlen);
/* The file's text for f (a header comment, then each entry's line and a LF,
 * in f's order), malloc'd into *out (*len bytes, NUL after), sized exactly.
 * 0, or -1 with err (more than IDENTITY_ATTRS_FILE_MAX bytes, which neither
 * reader would take; out of memory; nothing allocated). */
int id_attrs_format(const struct id_attrs_file *f, char **out, size_t *len, char *err,
		    size_t errlen);
/* The entry named name (ASCII case ignored), or NULL. */
struct id_attrs_entry *id_attrs_find(const struct id_attrs_file *f, const char *name);
/* e's attributes parsed from its line into *a (all of it written: what e
 * lacks is "" or zero). 0, or -1 with err (a line id_attrs_parse or
 * id_attrs_put did not make; a zeroed). */
int id_attrs_get(const struct id_attrs_entry *e, struct id_attrs *a, char *err, size_t errlen);
/* e's attributes as the file writes them: its line after the name, each
 * "\tkey=value" ("" never: an entry has at least one). */
const char *id_attrs_entry_fields(const struct id_attrs_entry *e);
/* Sets name's attributes to a (its line made from a; an entry added at the
 * end if there was none, renamed to name if it differed in case, removed if
 * a is empty). The name and a are checked as the parser checks a line, so
 * what is stored always formats to a file that parses back the same. 0, or
 * -1 with err (name or a invalid, too many accounts, out of memory; f
 * unchanged). */
int id_attrs_put(struct id_attrs_file *f, const char *name, const struct id_attrs *a,
		 char *err, size_t errlen);
void id_attrs_file_free(struct id_attrs_file *f);

/* Reads and parses the file at path: a missing file is an empty one (0). It
 * must be a regular file (not followed if a link), at most
 * IDENTITY_ATTRS_FILE_MAX bytes, that neither group nor others may read or
 * write; with check_owner, also the effective user's own (ca-auth). 0, or -1
 * with err naming the file. */
int id_attrs_load(const char *path, int check_owner, struct id_attrs_file *f, char *err,
		  size_t errlen);

/* ca-auth's look-up: the attributes of account name in the file at path (as
 * id_attrs_load reads it, the owner checked): 0 with *a filled, or zeroed when
 * the file or the account has none; -1 with err when the file cannot be read or
 * is malformed anywhere (never half the attributes). */
int id_attrs_lookup(const char *path, const char *name, struct id_attrs *a, char *err,
		    size_t errlen);
/* The same on the file's bytes (data, len), read already: what id_attrs_lookup
 * does after reading, apart so that fuzz_identity_attrs can hold it to
 * id_attrs_parse + id_attrs_find + id_attrs_get. 0 or -1 with err (the line), as above. */
int id_attrs_lookup_data(const char *data, size_t len, const char *name, struct id_attrs *a,
			 char *err, size_t errlen);

#endif
