/* firmware/operator: roles, passphrase hashes and the operator file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/operator/operator.h"

static char dir[] = "/tmp/test_operator.XXXXXX";

static void test_roles(void **state)
{
	char err[128], text[64];
	uint32_t r;

	(void)state;
	/* Separation of duties binds administrators: admin and officer are exclusive. */
	assert_int_equal(operator_roles_ok(ROLE_ADMIN | ROLE_OFFICER, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "admin and officer"));
	assert_int_equal(operator_roles_ok(ROLE_ADMIN, err, sizeof(err)), 0);
	assert_int_equal(operator_roles_ok(ROLE_OFFICER, err, sizeof(err)), 0);
	assert_int_equal(operator_roles_ok(ROLE_AUDITOR, err, sizeof(err)), 0);
	assert_int_equal(operator_roles_ok(ROLE_ALL, err, sizeof(err)), -1);
	assert_int_equal(operator_roles_ok(ROLE_AUDITOR | ROLE_ADMIN, err, sizeof(err)), -1);
	assert_int_equal(operator_roles_ok(ROLE_AUDITOR | ROLE_OFFICER, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "auditor"));
	assert_int_equal(operator_roles_ok(0, err, sizeof(err)), -1);
	assert_int_equal(operator_roles_ok(8, err, sizeof(err)), -1);
	assert_int_equal(operator_roles_parse("officer,admin", &r), 0);
	assert_int_equal(r, ROLE_ADMIN | ROLE_OFFICER);
	operator_roles_format(r, text, sizeof(text));
	assert_string_equal(text, "admin,officer");
	assert_int_equal(operator_roles_parse("root", &r), -1);
	assert_int_equal(operator_roles_parse("", &r), -1);
	assert_true(operator_name_ok("bob.smith-2"));
	assert_false(operator_name_ok("bob smith"));
	assert_false(operator_name_ok(""));
	assert_false(operator_name_ok("a/b"));
}

static void test_set_check_save_load(void **state)
{
	static struct operator_db db, back;
	char err[128];
	uint32_t roles = 0;

	(void)state;
	memset(&db, 0, sizeof(db));
	assert_int_equal(operator_set(&db, "alice", ROLE_ADMIN, "correct horse", err,
				      sizeof(err)), 0);
	assert_int_equal(operator_set(&db, "bob", ROLE_OFFICER, "battery staple", err,
				      sizeof(err)), 0);
	assert_int_equal(operator_set(&db, "eve", ROLE_ADMIN, "short", err, sizeof(err)), -1);
	assert_int_equal(operator_set(&db, "mallory", ROLE_AUDITOR | ROLE_ADMIN, "long enough",
				      err, sizeof(err)), -1);
	assert_int_equal(operator_set(&db, "mallory", ROLE_ADMIN | ROLE_OFFICER, "long enough",
				      err, sizeof(err)), -1);
	assert_null(operator_find(&db, "mallory"));
	assert_int_equal(db.n, 2);
	assert_int_equal(operator_check(&db, "alice", "correct horse", &roles), 1);
	assert_int_equal(roles, ROLE_ADMIN);
	assert_int_equal(operator_check(&db, "alice", "correct horsE", &roles), 0);
	assert_int_equal(operator_check(&db, "nobody", "correct horse", &roles), 0);
	/* Two operators with one passphrase get different hashes (salted). */
	assert_int_equal(operator_set(&db, "carol", ROLE_OFFICER, "battery staple", err,
				      sizeof(err)), 0);
	assert_memory_not_equal(operator_find(&db, "bob")->hash, operator_find(&db, "carol")->hash,
				OPERATOR_HASH_LEN);
	assert_int_equal(operator_db_save(dir, &db, err, sizeof(err)), 0);
	assert_int_equal(operator_db_load(dir, &back, err, sizeof(err)), 0);
	assert_int_equal(back.n, 3);
	assert_int_equal(operator_check(&back, "bob", "battery staple", &roles), 1);
	assert_int_equal(roles, ROLE_OFFICER);
	/* A passphrase change keeps the roles; deletion removes the entry. */
	assert_int_equal(operator_set(&back, "bob", 0, "new passphrase", err, sizeof(err)), 0);
	assert_int_equal(operator_check(&back, "bob", "battery staple", &roles), 0);
	assert_int_equal(operator_check(&back, "bob", "new passphrase", &roles), 1);
	assert_int_equal(roles, ROLE_OFFICER);
	assert_int_equal(operator_del(&back, "bob"), 0);
	assert_int_equal(operator_del(&back, "bob"), -1);
	assert_null(operator_find(&back, "bob"));
}

static void write_file(const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, OPERATOR_DIR);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s", dir, OPERATOR_FILE);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_bad_files(void **state)
{
	static struct operator_db db;
	static const char *const bad[] = {
		"alice admin 200000 00\n",                                   /* fields missing */
		"alice root 200000 000102030405060708090a0b0c0d0e0f "
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		"alice auditor,admin 200000 000102030405060708090a0b0c0d0e0f "
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		"alice admin 10 000102030405060708090a0b0c0d0e0f "
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		"alice admin 200000 zz0102030405060708090a0b0c0d0e0f "
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
		"al ice admin 200000 000102030405060708090a0b0c0d0e0f "
		"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f\n",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i]);
		assert_int_equal(operator_db_load(dir, &db, err, sizeof(err)), -1);
		assert_int_equal(db.n, 0);
	}
	write_file("# comment\n\n");
	assert_int_equal(operator_db_load(dir, &db, err, sizeof(err)), 0);
	assert_int_equal(db.n, 0);
}

#define SALT_HASH "000102030405060708090a0b0c0d0e0f " \
	"000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f"

/* A database from before the roles were exclusive: its admin,officer operator
 * loads, marked to be split, keeps its pair through a passphrase change, and
 * is split by operator_set_roles into exactly one role (which is saved). */
static void test_legacy_pair_migrates(void **state)
{
	static struct operator_db db, back;
	char err[256];
	uint32_t roles = 0;

	(void)state;
	write_file("carol admin,officer 200000 " SALT_HASH "\n"
		   "dave officer 200000 " SALT_HASH "\n");
	assert_int_equal(operator_db_load(dir, &db, err, sizeof(err)), 0);
	assert_int_equal(db.n, 2);
	assert_int_equal(operator_find(&db, "carol")->flags, OPERATOR_SPLIT_NEEDED);
	assert_int_equal(operator_find(&db, "dave")->flags, 0);
	/* Its own passphrase may change; the pair stays, still marked. */
	assert_int_equal(operator_set(&db, "carol", 0, "carol passphrase", err, sizeof(err)), 0);
	assert_int_equal(operator_check(&db, "carol", "carol passphrase", &roles), 1);
	assert_int_equal(roles, ROLE_ADMIN | ROLE_OFFICER);
	assert_int_equal(operator_find(&db, "carol")->flags, OPERATOR_SPLIT_NEEDED);
	/* Splitting refuses another pair or no role, then takes one role. */
	assert_int_equal(operator_set_roles(&db, "carol", ROLE_ADMIN | ROLE_OFFICER, err,
					    sizeof(err)), -1);
	assert_int_equal(operator_set_roles(&db, "carol", 0, err, sizeof(err)), -1);
	assert_int_equal(operator_set_roles(&db, "nobody", ROLE_ADMIN, err, sizeof(err)), -1);
	assert_int_equal(operator_find(&db, "carol")->roles, ROLE_ADMIN | ROLE_OFFICER);
	assert_int_equal(operator_set_roles(&db, "carol", ROLE_ADMIN, err, sizeof(err)), 0);
	assert_int_equal(operator_find(&db, "carol")->flags, 0);
	assert_int_equal(operator_db_save(dir, &db, err, sizeof(err)), 0);
	assert_int_equal(operator_db_load(dir, &back, err, sizeof(err)), 0);
	assert_int_equal(operator_check(&back, "carol", "carol passphrase", &roles), 1);
	assert_int_equal(roles, ROLE_ADMIN);
	assert_int_equal(operator_find(&back, "carol")->flags, 0);
}

/* A reset is kept in the file until its operator sets a passphrase of its own. */
static void test_reset_must_change(void **state)
{
	static struct operator_db db, back;
	char err[256];

	(void)state;
	memset(&db, 0, sizeof(db));
	assert_int_equal(operator_set(&db, "erin", ROLE_OFFICER, "first passphrase", err,
				      sizeof(err)), 0);
	assert_int_equal(operator_mark_reset(&db, "erin"), 0);
	assert_int_equal(operator_mark_reset(&db, "nobody"), -1);
	assert_int_equal(operator_db_save(dir, &db, err, sizeof(err)), 0);
	assert_int_equal(operator_db_load(dir, &back, err, sizeof(err)), 0);
	assert_int_equal(operator_find(&back, "erin")->flags, OPERATOR_MUST_CHANGE);
	assert_int_equal(operator_set(&back, "erin", 0, "her own passphrase", err, sizeof(err)),
			 0);
	assert_int_equal(operator_find(&back, "erin")->flags, 0);
	assert_int_equal(operator_db_save(dir, &back, err, sizeof(err)), 0);
	assert_int_equal(operator_db_load(dir, &db, err, sizeof(err)), 0);
	assert_int_equal(operator_find(&db, "erin")->flags, 0);
}

/* Lines a hostile or broken file may hold: an unknown flag, seven fields, a
 * name twice (the login and the editor would each see another entry). */
static void test_bad_flags_and_duplicates(void **state)
{
	static struct operator_db db;
	static const char *const bad[] = {
		"alice admin 200000 " SALT_HASH " admin\n",
		"alice admin 200000 " SALT_HASH " must-change extra\n",
		"alice admin 200000 " SALT_HASH " must-change,\n",
		"alice admin 200000 " SALT_HASH "\nalice officer 200000 " SALT_HASH "\n",
		"alice officer,auditor 200000 " SALT_HASH "\n",
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i]);
		assert_int_equal(operator_db_load(dir, &db, err, sizeof(err)), -1);
		assert_int_equal(db.n, 0);
		assert_non_null(strstr(err, "not an operator line"));
	}
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_set_check_save_load),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_legacy_pair_migrates),
		cmocka_unit_test(test_reset_must_change),
		cmocka_unit_test(test_bad_flags_and_duplicates),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
