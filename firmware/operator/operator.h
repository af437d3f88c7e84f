/* Operators of the CA and their roles (DESIGN.md, "Operator roles are separate").
 *
 * Roles follow the Common Criteria CA protection profile: the CA administrator
 * (configuration, operators, CRL settings), the certificate manager or officer
 * (approve, deny, set an extension, revoke) and the auditor (read and verify the
 * journal). The roles are exclusive: an operator holds exactly one of them.
 *
 * Migration: a database written before the roles were exclusive may hold an
 * operator with admin,officer (the only combination ever accepted). It still
 * loads, marked OPERATOR_SPLIT_NEEDED: such an operator logs in only to manage
 * operators (custodian/admin.c) until an administrator gives it one role
 * (`caadm operator roles NAME --role admin|officer`). Any other combination is
 * refused at load, as it always was.
 *
 * The operator file (DATA/operators/db, mode 0600, in a 0700 directory the
 * custodian owns) holds one
 * line per operator:
 *
 *   NAME ROLES ITERATIONS SALT_HEX HASH_HEX [FLAGS]
 *
 * with ROLES a comma list (admin,officer,auditor), FLAGS (optional, written only
 * when set) a comma list of `must-change` (the passphrase was reset by an
 * administrator: the operator changes it before anything else), and HASH = PBKDF2-HMAC-SHA256
 * (wolfSSL) of the passphrase, ITERATIONS rounds, 16 bytes of salt, 32 bytes out.
 * The passphrase itself is never stored. caadm init writes the first
 * administrator; after that only the custodian changes the file (atomically). */
#ifndef OPERATOR_H
#define OPERATOR_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/common/datadir.h"

enum operator_role {
	ROLE_ADMIN = 1u << 0,
	ROLE_OFFICER = 1u << 1,
	ROLE_AUDITOR = 1u << 2,
	ROLE_ALL = ROLE_ADMIN | ROLE_OFFICER | ROLE_AUDITOR,
};

/* OPERATOR_DIR, DATA/operators/ (the custodian's, 0700): firmware/common/datadir.h. */
#define OPERATOR_FILE "operators/db"
#define OPERATOR_NAME_MAX 64
#define OPERATOR_MAX 64
#define OPERATOR_PASS_MIN 8
#define OPERATOR_PASS_MAX 256
#define OPERATOR_SALT_LEN 16
#define OPERATOR_HASH_LEN 32
/* 0.17 s per login on the 2-core VM (tests/bench/bench_login.c): slow to guess,
 * quick enough for a console. */
#define OPERATOR_ITERATIONS 200000u

/* operator_entry.flags: kept in the file. */
#define OPERATOR_MUST_CHANGE (1u << 0)
/* Not in the file: set at load for a legacy admin,officer entry. */
#define OPERATOR_SPLIT_NEEDED (1u << 16)

struct operator_entry {
	char name[OPERATOR_NAME_MAX + 1];
	uint32_t roles;
	uint32_t flags;
	uint32_t iterations;
	uint8_t salt[OPERATOR_SALT_LEN];
	uint8_t hash[OPERATOR_HASH_LEN];
};

struct operator_db {
	struct operator_entry e[OPERATOR_MAX];
	size_t n;
};

/* A name is 1..64 of [A-Za-z0-9._-]. */
int operator_name_ok(const char *name);
/* Roles: exactly one known role (admin, officer or auditor). 0, or -1 with why. */
int operator_roles_ok(uint32_t roles, char *err, size_t errlen);
/* "admin,officer" <-> bits; parse returns 0 or -1. */
int operator_roles_parse(const char *text, uint32_t *roles);
void operator_roles_format(uint32_t roles, char *out, size_t outlen);

/* Loads DATA/operators (a missing file is an empty database). 0 or -1 with err. */
int operator_db_load(const char *dir, struct operator_db *db, char *err, size_t errlen);
/* Writes it atomically, mode 0600. 0 or -1 with err. */
int operator_db_save(const char *dir, const struct operator_db *db, char *err,
		     size_t errlen);

struct operator_entry *operator_find(struct operator_db *db, const char *name);
/* Sets (adds or replaces) name's passphrase hash with a fresh salt; roles are set
 * for a new entry and kept for an existing one when roles is 0 (a legacy
 * admin,officer entry keeps them too: it may change its passphrase). A new
 * passphrase clears OPERATOR_MUST_CHANGE: a reset by someone else sets it again
 * with operator_mark_reset. 0 or -1 with err (bad name, bad roles, passphrase too
 * short or long, database full). */
int operator_set(struct operator_db *db, const char *name, uint32_t roles,
		 const char *passphrase, char *err, size_t errlen);
/* Marks name's passphrase as reset by someone else (OPERATOR_MUST_CHANGE). 0 or -1
 * (no such operator). */
int operator_mark_reset(struct operator_db *db, const char *name);
/* Gives name exactly one role (roles_ok), keeping its passphrase and flags; this
 * is how a legacy admin,officer entry is split. 0, or -1 with err (no such
 * operator, bad roles). */
int operator_set_roles(struct operator_db *db, const char *name, uint32_t roles, char *err,
		       size_t errlen);
int operator_del(struct operator_db *db, const char *name);
/* 1 when passphrase is name's (constant-time compare), 0 otherwise (unknown
 * names cost the same work). On success *roles is the entry's (its flags:
 * operator_find). */
int operator_check(const struct operator_db *db, const char *name, const char *passphrase,
		   uint32_t *roles);

#endif
