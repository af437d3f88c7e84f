/* ca-custodian's seccomp allow-list (firmware/custodian/sandbox.c) against
 * SoftHSM2: a child opens the token, logs in, enters the custodian's sandbox, and
 * then signs, survives its sessions closing behind it, a logout, and the
 * device-error recovery (C_Finalize, C_Initialize, find the slot, log in again,
 * which the integration suites never cause), signs from a new thread, and
 * closes the module as the serving custodian does at exit. Any call off the list
 * would kill it with SIGSYS. Then what the list forbids: exec, a socket, a fork. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "firmware/custodian/sandbox.h"
#include "hsm/hsm.h"
#include "hsm/internal.h" /* only to drive the device-error recovery path */
#include "tests/unit/support/softhsm_token.h"

#define LABEL "sandbox-ca"
#define KEY "sandbox-ec"

static struct softhsm_token tok;

static const struct hsm_config *config(void)
{
	static struct hsm_config cfg;

	cfg.module_path = SOFTHSM_MODULE;
	cfg.token_label = LABEL;
	cfg.pool_size = 2;
	return &cfg;
}

static int group_setup(void **state)
{
	const struct hsm_keyspec ec = { HSM_KEY_EC, 256 };
	struct hsm_key k;
	struct hsm_err err;
	struct hsm *h = NULL;

	(void)state;
	if (softhsm_token_setup(&tok, LABEL) != 0)
		return -1;
	if (hsm_open(config(), &tok.user_pin, &h, &err) != HSM_OK ||
	    hsm_generate_key(h, HSM_ROLE_SIGN, &ec, KEY, &k, &err) != HSM_OK) {
		fprintf(stderr, "group setup: %s\n", err.msg);
		hsm_close(h);
		softhsm_token_teardown(&tok);
		return -1;
	}
	hsm_close(h);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	softhsm_token_teardown(&tok);
	return 0;
}

struct child {
	struct hsm *h;
	struct hsm_key key;
};

/* 0 when a signature comes back (its checking is test_hsm.c's business). */
static int sign(struct child *c)
{
	uint8_t digest[32], sig[HSM_SIG_MAX];
	size_t sig_len = sizeof(sig);
	struct hsm_err err;

	memset(digest, 0x5a, sizeof(digest));
	if (hsm_sign_digest(c->h, &c->key, HSM_SHA256, digest, sizeof(digest), sig, &sig_len,
			    &err) != HSM_OK) {
		fprintf(stderr, "sign: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void *sign_thread(void *arg)
{
	return sign(arg) == 0 ? arg : NULL;
}

/* The HSM's life under the filter; the child's exit status (0: all went well). */
static int hsm_life(struct child *c)
{
	CK_FUNCTION_LIST *f = hsm_test_functions(c->h);
	struct hsm_err err;
	pthread_t t;
	void *res = NULL;

	if (sign(c) != 0)
		return 10;
	(void)f->C_CloseSession(hsm_test_session(c->h, 0));
	(void)f->C_CloseSession(hsm_test_session(c->h, 1));
	if (sign(c) != 0)
		return 11;
	(void)f->C_Logout(hsm_test_session(c->h, 0));
	if (sign(c) != 0)
		return 12;
	if (hsm_pool_recover(c->h, c->h->generation, CKR_DEVICE_ERROR, &err) != HSM_OK) {
		fprintf(stderr, "recover: %s\n", err.msg);
		return 13;
	}
	if (sign(c) != 0)
		return 14;
	if (pthread_create(&t, NULL, sign_thread, c) != 0 || pthread_join(t, &res) != 0 ||
	    res == NULL)
		return 15;
	hsm_close(c->h);
	return 0;
}

enum after { HSM_LIFE, EXEC, SOCKET, FORK };

/* Forks; the child opens the token, enters the custodian's sandbox, does what
 * `after` says; returns its wait status. */
static int run_child(enum after what)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct child c;
		struct hsm_err err;
		char msg[256];

		if (hsm_open(config(), &tok.user_pin, &c.h, &err) != HSM_OK ||
		    hsm_find_key(c.h, KEY, NULL, 0, &c.key, &err) != HSM_OK)
			_exit(2);
		if (custodian_sandbox(0, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "%s\n", msg);
			_exit(3);
		}
		switch (what) {
		case HSM_LIFE:
			_exit(hsm_life(&c));
		case EXEC:
			execl("/bin/true", "true", (char *)NULL);
			_exit(1);
		case SOCKET:
			(void)socket(AF_INET, SOCK_STREAM, 0);
			_exit(1);
		case FORK:
			if (fork() == 0)
				_exit(0);
			_exit(1);
		}
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void test_hsm_recovery_under_the_filter(void **state)
{
	int st;

	(void)state;
	st = run_child(HSM_LIFE);
	if (WIFSIGNALED(st))
		fail_msg("the child died of signal %d (31: a call off the custodian's list; "
			 "dmesg names it)", WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

#ifdef CONFIG_SECCOMP
static void killed(enum after what)
{
#ifdef CONFIG_SECCOMP_LOG
	/* The coverage build's filters log instead of killing (make coverage:
	 * gcov writes at exit): nothing to show there. */
	skip();
#endif
	int st = run_child(what);

	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void test_exec_is_killed(void **state)
{
	(void)state;
	killed(EXEC);
}

static void test_socket_is_killed(void **state)
{
	(void)state;
	killed(SOCKET);
}

static void test_fork_is_killed(void **state)
{
	(void)state;
	killed(FORK);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hsm_recovery_under_the_filter),
#ifdef CONFIG_SECCOMP
		cmocka_unit_test(test_exec_is_killed),
		cmocka_unit_test(test_socket_is_killed),
		cmocka_unit_test(test_fork_is_killed),
#endif
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
