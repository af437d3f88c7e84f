/* Test support: cmocka fixtures over one in-process core per program
 * (core_harness.h): the program's CA template and core, a start with given
 * ca.conf settings, the fixture of the "issue" policy and the teardown, the
 * console's fixture and login, an anonymous request refused by the worker sent
 * to the custodian. Shared by test_custodian_core and
 * test_custodian_ledger_faults. */
#ifndef TESTS_CORE_FIXTURE_H
#define TESTS_CORE_FIXTURE_H

#include <stdint.h>

#include "firmware/custodian/admin_msg.h"
#include "tests/unit/support/core_harness.h"

/* Every operator's password in these programs' CA templates. */
#define PASS "correct horse battery staple"

/* The ceremony's CA (made once in main) and the core of the running test. */
extern struct core_ca ca_template;
extern struct core core;
/* What every core_fixture_start passes besides conf (a program sets e.g.
 * ledger_proxy in main before running its tests). */
extern struct core_opts core_fixture_opts;

/* core_start with conf (NULL-terminated "key=value", may be NULL), then the
 * CA's certificate (core_get_ca): 0, or -1. */
int core_fixture_start(const char *const *conf);
/* Setup: policy=issue, subject_rule=request. */
int setup_issue(void **state);
/* Teardown: core_stop. */
int teardown(void **state);
void sleep_ms(long ms);

/* The worker's report of a request it refused with hresult (CUST_REFUSED: "too
 * big", 70000 octets, from anonymous@peer), sent: its id (core_send's). */
uint32_t send_refused(uint32_t hresult, const char *peer);
/* send_refused with E_INVALIDARG: the custodian's answer in *a, which must be a
 * CUST_RESULT. */
void refused_from(const char *peer, struct core_answer *a);

/* The console's connection of the running test. */
extern struct core_console con;
/* core_fixture_start with the console (core_opts.console), then con opened: 0,
 * or -1. */
int core_fixture_console(const char *const *conf);
/* Teardown: con closed, core_stop. */
int teardown_console(void **state);
/* A login of operator name (password PASS) on k: the session's token. */
void console_login(struct core_console *k, const char *name, uint8_t token[ADM_TOKEN_LEN]);

#endif
