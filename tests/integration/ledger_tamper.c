/* ledger_tamper: alters a stopped ledger's Berkeley DB files the way an attacker
 * with the database library would, so that the integration tests can check that
 * `ca-ledger verify` notices. Independent of the ledger's code: it links only
 * libdb and knows the layout from firmware/ledger/store.h (journal.db is DB_RECNO,
 * record number = event seq; index.db holds DB_BTREE sub-databases, "requester"
 * and "extensions" with sorted duplicates).
 *
 *   ledger_tamper flip DIR SEQ OFFSET     xor 0x01 into byte OFFSET of record SEQ
 *   ledger_tamper drop DIR SEQ            delete record SEQ
 *   ledger_tamper swap DIR SEQ            exchange records SEQ and SEQ+1
 *   ledger_tamper index-del DIR NAME KEYHEX   delete KEY (every duplicate) from
 *                                         sub-database NAME of index.db
 *
 * DIR is the data directory (the environment is DIR/ledger). The ledger must be
 * stopped: the environment is opened with DB_RECOVER and no DB_REGISTER. Each
 * change is one transaction, checkpointed before exit. Exit 0 when done, 1 with
 * a message otherwise, 2 on a usage error. */
#include <db.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static DB_ENV *env;
static DB_TXN *cur_txn; /* aborted by die() */
static DB *cur_db;      /* closed by die() */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: ledger_tamper flip DIR SEQ OFFSET\n"
			"       ledger_tamper drop DIR SEQ\n"
			"       ledger_tamper swap DIR SEQ\n"
			"       ledger_tamper index-del DIR NAME KEYHEX\n");
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ledger_tamper: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (cur_txn != NULL)
		cur_txn->abort(cur_txn);
	if (cur_db != NULL)
		cur_db->close(cur_db, 0);
	if (env != NULL)
		env->close(env, 0);
	exit(1);
}

static unsigned long number(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != 0 || s[0] == '-' || v > max)
		die("%s: bad %s", s, what);
	return v;
}

static void open_env(const char *dir)
{
	char path[PATH_MAX];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/ledger", dir) >= sizeof(path))
		die("%s: path too long", dir);
	if ((rc = db_env_create(&env, 0)) != 0)
		die("db_env_create: %s", db_strerror(rc));
	env->set_errpfx(env, "ledger_tamper");
	env->set_errfile(env, stderr);
	rc = env->open(env, path, DB_CREATE | DB_INIT_TXN | DB_INIT_LOG | DB_INIT_LOCK |
			   DB_INIT_MPOOL | DB_RECOVER, 0600);
	if (rc != 0) {
		env = NULL;
		die("%s: %s", path, db_strerror(rc));
	}
}

static DB *open_db(DB_TXN *txn, const char *file, const char *sub, DBTYPE type, int dups)
{
	DB *db;
	int rc;

	if ((rc = db_create(&db, env, 0)) != 0)
		die("db_create: %s", db_strerror(rc));
	if (dups && (rc = db->set_flags(db, DB_DUPSORT)) != 0)
		die("%s: DB_DUPSORT: %s", sub, db_strerror(rc));
	if ((rc = db->open(db, txn, file, sub, type, 0, 0)) != 0) {
		db->close(db, 0);
		die("%s%s%s: %s", file, sub ? " " : "", sub ? sub : "", db_strerror(rc));
	}
	cur_db = db;
	return db;
}

static void recno_get(DB *db, DB_TXN *txn, db_recno_t recno, DBT *v)
{
	DBT k;
	int rc;

	memset(&k, 0, sizeof(k));
	memset(v, 0, sizeof(*v));
	k.data = &recno;
	k.size = sizeof(recno);
	v->flags = DB_DBT_MALLOC;
	if ((rc = db->get(db, txn, &k, v, DB_RMW)) != 0)
		die("journal record %lu: %s", (unsigned long)recno, db_strerror(rc));
}

static void recno_put(DB *db, DB_TXN *txn, db_recno_t recno, DBT *v)
{
	DBT k;
	int rc;

	memset(&k, 0, sizeof(k));
	k.data = &recno;
	k.size = sizeof(recno);
	if ((rc = db->put(db, txn, &k, v, 0)) != 0)
		die("writing journal record %lu: %s", (unsigned long)recno, db_strerror(rc));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* KEYHEX into a malloc()ed buffer. */
static unsigned char *unhex(const char *s, size_t *len)
{
	size_t n = strlen(s);
	unsigned char *out;

	if (n == 0 || n % 2 != 0)
		die("%s: the key must be an even number of hex digits", s);
	if ((out = malloc(n / 2)) == NULL)
		die("out of memory");
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			die("%s: not hex", s);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

static int dup_index(const char *name)
{
	return strcmp(name, "requester") == 0 || strcmp(name, "extensions") == 0;
}

int main(int argc, char **argv)
{
	const char *verb;
	DB_TXN *txn;
	DB *db;
	DBT v, v2, k;
	db_recno_t seq;
	int rc;

	if (argc < 4)
		usage();
	verb = argv[1];
	if (strcmp(verb, "flip") == 0 && argc == 5) {
		unsigned long off = number(argv[4], UINT_MAX, "offset");

		seq = (db_recno_t)number(argv[3], UINT_MAX - 1, "sequence number");
		open_env(argv[2]);
		if ((rc = env->txn_begin(env, NULL, &txn, 0)) != 0)
			die("txn_begin: %s", db_strerror(rc));
		cur_txn = txn;
		db = open_db(txn, "journal.db", NULL, DB_RECNO, 0);
		recno_get(db, txn, seq, &v);
		if (off >= v.size)
			die("offset %lu is past record %lu's %lu bytes", off, (unsigned long)seq,
			    (unsigned long)v.size);
		((unsigned char *)v.data)[off] ^= 0x01;
		recno_put(db, txn, seq, &v);
		printf("flipped bit 0 of byte %lu of journal record %lu (%lu bytes)\n", off,
		       (unsigned long)seq, (unsigned long)v.size);
		free(v.data);
	} else if (strcmp(verb, "drop") == 0 && argc == 4) {
		seq = (db_recno_t)number(argv[3], UINT_MAX - 1, "sequence number");
		open_env(argv[2]);
		if ((rc = env->txn_begin(env, NULL, &txn, 0)) != 0)
			die("txn_begin: %s", db_strerror(rc));
		cur_txn = txn;
		db = open_db(txn, "journal.db", NULL, DB_RECNO, 0);
		memset(&k, 0, sizeof(k));
		k.data = &seq;
		k.size = sizeof(seq);
		if ((rc = db->del(db, txn, &k, 0)) != 0)
			die("deleting journal record %lu: %s", (unsigned long)seq, db_strerror(rc));
		printf("deleted journal record %lu\n", (unsigned long)seq);
	} else if (strcmp(verb, "swap") == 0 && argc == 4) {
		seq = (db_recno_t)number(argv[3], UINT_MAX - 2, "sequence number");
		open_env(argv[2]);
		if ((rc = env->txn_begin(env, NULL, &txn, 0)) != 0)
			die("txn_begin: %s", db_strerror(rc));
		cur_txn = txn;
		db = open_db(txn, "journal.db", NULL, DB_RECNO, 0);
		recno_get(db, txn, seq, &v);
		recno_get(db, txn, seq + 1, &v2);
		recno_put(db, txn, seq, &v2);
		recno_put(db, txn, seq + 1, &v);
		printf("swapped journal records %lu and %lu\n", (unsigned long)seq,
		       (unsigned long)seq + 1);
		free(v.data);
		free(v2.data);
	} else if (strcmp(verb, "index-del") == 0 && argc == 5) {
		size_t klen;
		unsigned char *key = unhex(argv[4], &klen);

		open_env(argv[2]);
		if ((rc = env->txn_begin(env, NULL, &txn, 0)) != 0)
			die("txn_begin: %s", db_strerror(rc));
		cur_txn = txn;
		db = open_db(txn, "index.db", argv[3], DB_BTREE, dup_index(argv[3]));
		memset(&k, 0, sizeof(k));
		k.data = key;
		k.size = (u_int32_t)klen;
		if ((rc = db->del(db, txn, &k, 0)) != 0)
			die("index %s: deleting key %s: %s", argv[3], argv[4], db_strerror(rc));
		printf("deleted key %s from index %s\n", argv[4], argv[3]);
		free(key);
	} else {
		usage();
	}
	cur_txn = NULL;
	if ((rc = txn->commit(txn, 0)) != 0)
		die("commit: %s", db_strerror(rc));
	cur_db = NULL;
	if ((rc = db->close(db, 0)) != 0)
		die("close: %s", db_strerror(rc));
	if ((rc = env->txn_checkpoint(env, 0, 0, DB_FORCE)) != 0)
		die("checkpoint: %s", db_strerror(rc));
	rc = env->close(env, 0);
	env = NULL;
	if (rc != 0)
		die("closing the environment: %s", db_strerror(rc));
	return 0;
}
