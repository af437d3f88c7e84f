/* The operator database; see operator.h. */
#include "firmware/operator/operator.h"

#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/pwdbased.h>

#include "platform/atomicfile.h"
#include "platform/hex.h"

#define LINE_MAX_LEN 512

static const struct {
	const char *name;
	uint32_t bit;
} role_names[] = {
	{"admin", ROLE_ADMIN},
	{"officer", ROLE_OFFICER},
	{"auditor", ROLE_AUDITOR},
};

int operator_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > OPERATOR_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '.' && name[i] != '_' &&
		    name[i] != '-')
			return 0;
	return 1;
}

int operator_roles_ok(uint32_t roles, char *err, size_t errlen)
{
	if (roles == 0 || (roles & ~(uint32_t)ROLE_ALL) != 0) {
		snprintf(err, errlen, "roles must be some of admin, officer, auditor");
		return -1;
	}
	if ((roles & ROLE_AUDITOR) && roles != ROLE_AUDITOR) {
		snprintf(err, errlen, "the auditor role cannot be held with another role");
		return -1;
	}
	/* Separation of duties binds administrators too: one who could also approve
	 * could make the operator that approves. */
	if (roles != ROLE_ADMIN && roles != ROLE_OFFICER && roles != ROLE_AUDITOR) {
		snprintf(err, errlen, "the admin and officer roles cannot be held together");
		return -1;
	}
	return 0;
}

/* The one combination a database written before the roles were exclusive may
 * hold (operator.h, "Migration"). */
static int roles_legacy(uint32_t roles)
{
	return roles == (ROLE_ADMIN | ROLE_OFFICER);
}

int operator_roles_parse(const char *text, uint32_t *roles)
{
	char buf[64], *save = NULL, *tok;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	*roles = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
			if (strcmp(tok, role_names[i].name) == 0)
				break;
		if (i == sizeof(role_names) / sizeof(role_names[0]))
			return -1;
		*roles |= role_names[i].bit;
	}
	return *roles != 0 ? 0 : -1;
}

void operator_roles_format(uint32_t roles, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = 0;
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (roles & role_names[i].bit) {
			int n = snprintf(out + used, outlen - used, "%s%s", used ? "," : "",
					 role_names[i].name);
			if (n < 0 || (size_t)n >= outlen - used)
				return;
			used += (size_t)n;
		}
}

/* Exactly len bytes of hex. */
static int hex_exact(const char *hex, uint8_t *out, size_t len)
{
	size_t n;

	return hex_decode(hex, out, len, &n) == 0 && n == len ? 0 : -1;
}

/* The optional sixth field: the one flag there is, must-change. */
static int parse_flags(const char *text, uint32_t *flags)
{
	if (strcmp(text, "must-change") != 0)
		return -1;
	*flags = OPERATOR_MUST_CHANGE;
	return 0;
}

static int parse_line(char *line, struct operator_entry *e)
{
	char *f[7], *save = NULL;
	size_t n = 0;
	unsigned long it;
	char *end;

	for (char *t = strtok_r(line, " \t", &save); t != NULL && n < 7;
	     t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if ((n != 5 && n != 6) || !operator_name_ok(f[0]) || strlen(f[0]) > OPERATOR_NAME_MAX)
		return -1;
	e->flags = 0;
	if (n == 6 && parse_flags(f[5], &e->flags) != 0)
		return -1;
	strcpy(e->name, f[0]);
	if (operator_roles_parse(f[1], &e->roles) != 0)
		return -1;
	it = strtoul(f[2], &end, 10);
	if (*end != 0 || it < 1000 || it > 100000000)
		return -1;
	e->iterations = (uint32_t)it;
	if (hex_exact(f[3], e->salt, OPERATOR_SALT_LEN) != 0 ||
	    hex_exact(f[4], e->hash, OPERATOR_HASH_LEN) != 0)
		return -1;
	return 0;
}

/* Whether an entry before the last (the one being loaded) has name. */
static int operator_name_taken(const struct operator_db *db, const char *name)
{
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->e[i].name, name) == 0)
			return 1;
	return 0;
}

int operator_db_load(const char *dir, struct operator_db *db, char *err, size_t errlen)
{
	char path[4096], *line, *save = NULL;
	unsigned char *data;
	size_t len, lineno = 0;
	FILE *probe;

	memset(db, 0, sizeof(*db));
	if (snprintf(path, sizeof(path), "%s/%s", dir, OPERATOR_FILE) >= (int)sizeof(path)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	if ((probe = fopen(path, "r")) == NULL)
		return 0; /* no operators yet */
	fclose(probe);
	if (file_read_all(path, OPERATOR_MAX * LINE_MAX_LEN, &data, &len) != 0) {
		snprintf(err, errlen, "%s: cannot read", path);
		return -1;
	}
	for (line = strtok_r((char *)data, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == '#' || line[0] == 0)
			continue;
		if (db->n == OPERATOR_MAX || parse_line(line, &db->e[db->n]) != 0 ||
		    operator_name_taken(db, db->e[db->n].name) ||
		    (operator_roles_ok(db->e[db->n].roles, err, errlen) != 0 &&
		     !roles_legacy(db->e[db->n].roles))) {
			snprintf(err, errlen, "%s:%zu: not an operator line", path, lineno);
			explicit_bzero(data, len);
			free(data);
			explicit_bzero(db, sizeof(*db));
			return -1;
		}
		if (roles_legacy(db->e[db->n].roles))
			db->e[db->n].flags |= OPERATOR_SPLIT_NEEDED;
		db->n++;
	}
	explicit_bzero(data, len);
	free(data);
	return 0;
}

int operator_db_save(const char *dir, const struct operator_db *db, char *err, size_t errlen)
{
	char path[4096], *text, roles[64];
	size_t used = 0, cap = (db->n + 1) * LINE_MAX_LEN;
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, OPERATOR_DIR) >= (int)sizeof(path) ||
	    (mkdir(path, 0700) != 0 && errno != EEXIST) ||
	    snprintf(path, sizeof(path), "%s/%s", dir, OPERATOR_FILE) >= (int)sizeof(path) ||
	    (text = malloc(cap)) == NULL) {
		snprintf(err, errlen, "%s: cannot save the operators", path);
		return -1;
	}
	used = (size_t)snprintf(text, cap, "# CA operators: name roles iterations salt hash "
					   "(PBKDF2-HMAC-SHA256)\n");
	for (size_t i = 0; i < db->n; i++) {
		char salt[2 * OPERATOR_SALT_LEN + 1], hash[2 * OPERATOR_HASH_LEN + 1];

		operator_roles_format(db->e[i].roles, roles, sizeof(roles));
		hex_encode(db->e[i].salt, OPERATOR_SALT_LEN, salt);
		hex_encode(db->e[i].hash, OPERATOR_HASH_LEN, hash);
		used += (size_t)snprintf(text + used, cap - used, "%s %s %u %s %s%s\n",
					 db->e[i].name, roles, db->e[i].iterations, salt, hash,
					 (db->e[i].flags & OPERATOR_MUST_CHANGE) ? " must-change"
										  : "");
	}
	rc = atomicfile_write(path, text, used, 0600);
	explicit_bzero(text, cap);
	free(text);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		return rc;
	}
	/* Root at the console writing into the custodian's directory (cad gives it to
	 * ca-custodian): the file is the directory owner's, or the custodian could
	 * not read it. */
	{
		char d[4096];
		struct stat st;

		snprintf(d, sizeof(d), "%s/%s", dir, OPERATOR_DIR);
		if (geteuid() == 0 && stat(d, &st) == 0 && st.st_uid != 0 &&
		    chown(path, st.st_uid, st.st_gid) != 0) {
			snprintf(err, errlen, "%s: cannot give it to the directory's owner", path);
			return -1;
		}
	}
	return 0;
}

struct operator_entry *operator_find(struct operator_db *db, const char *name)
{
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->e[i].name, name) == 0)
			return &db->e[i];
	return NULL;
}

static int derive(const char *passphrase, const uint8_t salt[OPERATOR_SALT_LEN],
		  uint32_t iterations, uint8_t out[OPERATOR_HASH_LEN])
{
	return wc_PBKDF2(out, (const byte *)passphrase, (int)strlen(passphrase), salt,
			 OPERATOR_SALT_LEN, (int)iterations, OPERATOR_HASH_LEN, WC_SHA256) == 0
		       ? 0
		       : -1;
}

int operator_set(struct operator_db *db, const char *name, uint32_t roles,
		 const char *passphrase, char *err, size_t errlen)
{
	struct operator_entry *e = operator_find(db, name), fresh;
	size_t plen = strlen(passphrase);

	if (!operator_name_ok(name)) {
		snprintf(err, errlen, "operator names are 1..%d of A-Z a-z 0-9 . _ -",
			 OPERATOR_NAME_MAX);
		return -1;
	}
	if (plen < OPERATOR_PASS_MIN || plen > OPERATOR_PASS_MAX) {
		snprintf(err, errlen, "a passphrase has %d..%d characters", OPERATOR_PASS_MIN,
			 OPERATOR_PASS_MAX);
		return -1;
	}
	if (e == NULL && db->n == OPERATOR_MAX) {
		snprintf(err, errlen, "at most %d operators", OPERATOR_MAX);
		return -1;
	}
	memset(&fresh, 0, sizeof(fresh));
	strcpy(fresh.name, name);
	fresh.roles = roles != 0 ? roles : (e != NULL ? e->roles : 0);
	/* An existing entry keeps its roles as they are, a legacy pair included (it
	 * may change its passphrase before it is split); new roles are checked. */
	if ((roles != 0 || e == NULL) && operator_roles_ok(fresh.roles, err, errlen) != 0)
		return -1;
	/* A new passphrase: no change pending; a legacy pair stays marked. */
	if (e != NULL && roles == 0)
		fresh.flags = e->flags & OPERATOR_SPLIT_NEEDED;
	fresh.iterations = OPERATOR_ITERATIONS;
	if (getrandom(fresh.salt, sizeof(fresh.salt), 0) != (ssize_t)sizeof(fresh.salt) ||
	    derive(passphrase, fresh.salt, fresh.iterations, fresh.hash) != 0) {
		snprintf(err, errlen, "cannot hash the passphrase");
		return -1;
	}
	if (e == NULL)
		e = &db->e[db->n++];
	*e = fresh;
	explicit_bzero(&fresh, sizeof(fresh));
	return 0;
}

int operator_mark_reset(struct operator_db *db, const char *name)
{
	struct operator_entry *e = operator_find(db, name);

	if (e == NULL)
		return -1;
	e->flags |= OPERATOR_MUST_CHANGE;
	return 0;
}

int operator_set_roles(struct operator_db *db, const char *name, uint32_t roles, char *err,
		       size_t errlen)
{
	struct operator_entry *e = operator_find(db, name);

	if (e == NULL) {
		snprintf(err, errlen, "no operator %s", name);
		return -1;
	}
	if (operator_roles_ok(roles, err, errlen) != 0)
		return -1;
	e->roles = roles;
	e->flags &= ~OPERATOR_SPLIT_NEEDED;
	return 0;
}

int operator_del(struct operator_db *db, const char *name)
{
	struct operator_entry *e = operator_find(db, name);

	if (e == NULL)
		return -1;
	*e = db->e[db->n - 1];
	explicit_bzero(&db->e[db->n - 1], sizeof(db->e[0]));
	db->n--;
	return 0;
}

int operator_check(const struct operator_db *db, const char *name, const char *passphrase,
		   uint32_t *roles)
{
	static const uint8_t dummy_salt[OPERATOR_SALT_LEN];
	const struct operator_entry *e = NULL;
	uint8_t got[OPERATOR_HASH_LEN];
	unsigned diff = 0;

	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->e[i].name, name) == 0)
			e = &db->e[i];
	/* Unknown names do the same work, so timing does not tell names apart. */
	if (derive(passphrase, e ? e->salt : dummy_salt, e ? e->iterations : OPERATOR_ITERATIONS,
		   got) != 0)
		return 0;
	for (size_t i = 0; i < OPERATOR_HASH_LEN; i++)
		diff |= (unsigned)(got[i] ^ (e ? e->hash[i] : (uint8_t)~got[i]));
	explicit_bzero(got, sizeof(got));
	if (e == NULL || diff != 0)
		return 0;
	*roles = e->roles;
	return 1;
}
