/* Test support: cmocka fixtures over one in-process core (core_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/custodian/proto.h"
#include "firmware/icpr/hresult.h"

#include "tests/unit/support/core_fixture.h"

struct core_ca ca_template;
struct core core;
struct core_opts core_fixture_opts;
struct core_console con;

int core_fixture_start(const char *const *conf)
{
	struct core_opts o = core_fixture_opts;

	o.conf = conf;
	return core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0 ? -1 : 0;
}

int setup_issue(void **state)
{
	static const char *const conf[] = {"policy=issue", "subject_rule=request", NULL};

	(void)state;
	return core_fixture_start(conf);
}

int teardown(void **state)
{
	(void)state;
	core_stop(&core);
	return 0;
}

void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

uint32_t send_refused(uint32_t hresult, const char *peer)
{
	static const uint8_t sha[CUST_SHA256_LEN] = {0xcd};
	struct cust_refused q;
	struct ipc_wbuf w;

	memset(&q, 0, sizeof(q));
	q.hresult = hresult;
	snprintf(q.who.requester, sizeof(q.who.requester), "anonymous@%s", peer);
	snprintf(q.message, sizeof(q.message), "too big");
	q.size = 70000;
	q.sha256 = sha;
	snprintf(q.peer, sizeof(q.peer), "%s", peer);
	ipc_wbuf_init(&w);
	cust_refused_encode(&w, &q);
	return core_send(&core, CUST_REFUSED, &w);
}

void refused_from(const char *peer, struct core_answer *a)
{
	assert_int_equal(core_answer(&core, send_refused(HR_E_INVALIDARG, peer), a), 0);
	assert_int_equal(a->kind, CUST_RESULT);
}

int core_fixture_console(const char *const *conf)
{
	struct core_opts o = core_fixture_opts;

	o.conf = conf;
	o.console = 1;
	return core_start(&core, &ca_template, &o) != 0 || core_get_ca(&core) != 0 ||
			       core_console_open(&core, &con) != 0
		       ? -1
		       : 0;
}

int teardown_console(void **state)
{
	(void)state;
	core_console_close(&core, &con);
	core_stop(&core);
	return 0;
}

void console_login(struct core_console *k, const char *name, uint8_t token[ADM_TOKEN_LEN])
{
	struct adm_login *q = calloc(1, sizeof(*q));
	struct adm_session_is sess;
	struct ipc_wbuf w;
	struct ipc_msg m;

	assert_non_null(q);
	snprintf(q->name, sizeof(q->name), "%s", name);
	snprintf(q->pass, sizeof(q->pass), "%s", PASS);
	ipc_wbuf_init(&w);
	adm_login_encode(&w, q);
	free(q);
	assert_int_equal(core_console_call(k, ADM_LOGIN, &w, &m), 1);
	assert_int_equal(m.hdr.type, ADM_SESSION);
	assert_int_equal(adm_session_decode(m.data, m.hdr.len, &sess), 0);
	memcpy(token, sess.token, ADM_TOKEN_LEN);
	ipc_msg_free(&m);
}
