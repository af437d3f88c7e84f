/* Unit tests of platform/service.c and platform/ipc_call.c: the two ends of every
 * request/reply channel, over real AF_UNIX socketpairs and threads. What they
 * must hold (DESIGN.md): a violation ends the channel, never the process; the
 * owner is told once (to journal it); a request too large for the channel fails
 * that call only; a caller whose channel dies learns it once (the worker exits
 * then, so cad restarts it), an orderly stop is not a death. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "platform/ipc.h"
#include "platform/ipc_call.h"
#include "platform/service.h"

enum { T_ECHO = 0x10, T_ECHOED = 0x11, T_STRICT = 0x12, T_GONE = 0x13 };

static const struct ipc_rule rules[] = {
	{T_ECHO, 1u << 0, 0, 64, 0},
	{T_STRICT, 1u << 0, 4, 4, 0},
	{T_GONE, 1u << 0, 0, 0, 0},
};

/* T_ECHO: answered with the same bytes. T_STRICT: a u32 that must be 7, else the
 * handler finds a violation. T_GONE: a type the whitelist admits and the switch
 * does not name (a mistake the default case must turn into a violation). */
static void handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	struct ipc_wbuf w;
	struct ipc_rbuf r;

	(void)ctx;
	switch (m->hdr.type) {
	case T_ECHO:
		ipc_wbuf_init(&w);
		ipc_put_raw(&w, m->data, m->hdr.len);
		service_reply(s, T_ECHOED, m->hdr.id, &w);
		break;
	case T_STRICT:
		ipc_rbuf_init(&r, m);
		if (ipc_get_u32(&r) != 7 || ipc_rbuf_done(&r) != 0) {
			service_violation(s, "malformed STRICT");
			return;
		}
		service_reply(s, T_ECHOED, m->hdr.id, NULL);
		break;
	default:
		service_violation(s, "message type %#x has no handler", m->hdr.type);
		break;
	}
}

struct server {
	int fd;
	pthread_t tid;
	int rc;
	int hooked;       /* how often the violation hook ran */
	char why[256];    /* what it was told */
};

static void hook(struct service *s, const char *why, void *ctx)
{
	struct server *srv = ctx;

	(void)s;
	srv->hooked++;
	snprintf(srv->why, sizeof(srv->why), "%s", why);
}

static void handle_srv(struct service *s, const struct ipc_msg *m, void *ctx)
{
	(void)ctx;
	handle(s, m, NULL);
}

static void *server_main(void *arg)
{
	struct server *srv = arg;

	srv->rc = service_run_hooked(srv->fd, "peer", 64, rules, sizeof(rules) / sizeof(rules[0]),
				     2, handle_srv, NULL, srv, 0, hook);
	return NULL;
}

/* A server on one end of a socketpair; returns the client's end. */
static int serve(struct server *srv)
{
	int sv[2];

	memset(srv, 0, sizeof(*srv));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	srv->fd = sv[1];
	assert_int_equal(pthread_create(&srv->tid, NULL, server_main, srv), 0);
	return sv[0];
}

static int finish(struct server *srv)
{
	pthread_join(srv->tid, NULL);
	close(srv->fd);
	return srv->rc;
}

static void send_raw(int fd, uint32_t type, uint32_t id, const void *p, uint32_t len)
{
	uint32_t hdr[4] = {type, len, id, 0};

	assert_int_equal(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	if (len > 0)
		assert_int_equal(write(fd, p, len), (ssize_t)len);
}

/* The client's end reaches EOF: the server closed the channel. */
static void assert_closed(int fd)
{
	char buf[256];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	assert_int_equal(n, 0);
}

static void test_clean_close_returns_0(void **state)
{
	struct server srv;
	int fd = serve(&srv);
	struct ipc_chan c;
	struct ipc_msg m;
	char err[128];

	(void)state;
	ipc_chan_init(&c, fd, "server", 64);
	assert_int_equal(ipc_send(&c, T_ECHO, 5, "abc", 3, -1), 0);
	assert_int_equal(ipc_recv(&c, &m, err, sizeof(err)), 1);
	assert_int_equal(m.hdr.type, T_ECHOED);
	assert_int_equal(m.hdr.id, 5);
	assert_memory_equal(m.data, "abc", 3);
	ipc_msg_free(&m);
	ipc_chan_free(&c);
	close(fd);
	assert_int_equal(finish(&srv), 0);
	assert_int_equal(srv.hooked, 0);
}

/* Each way a peer can break the protocol: the channel ends, service_run returns
 * 1 (it does not exit: this test process is still here), the hook is told once
 * with the reason. */
static void violation_case(uint32_t type, const void *p, uint32_t len, const char *why)
{
	struct server srv;
	int fd = serve(&srv);

	send_raw(fd, type, 1, p, len);
	assert_closed(fd);
	close(fd);
	assert_int_equal(finish(&srv), 1);
	assert_int_equal(srv.hooked, 1);
	assert_non_null(strstr(srv.why, why));
}

static void test_violations_end_the_channel_not_the_process(void **state)
{
	static const uint8_t five[5] = {7, 0, 0, 0, 0};
	static const uint8_t eight[4] = {8, 0, 0, 0};

	(void)state;
	violation_case(0x99, NULL, 0, "unexpected message type");  /* not whitelisted */
	violation_case(T_STRICT, five, 5, "length");               /* outside [4, 4] */
	violation_case(T_STRICT, eight, 4, "malformed STRICT");    /* the handler's */
	violation_case(T_GONE, NULL, 0, "has no handler");         /* the default case */
}

static void test_over_the_cap_is_a_violation(void **state)
{
	struct server srv;
	int fd = serve(&srv);
	uint32_t hdr[4] = {T_ECHO, 65, 1, 0};

	(void)state;
	assert_int_equal(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	assert_closed(fd);
	close(fd);
	assert_int_equal(finish(&srv), 1);
	assert_int_equal(srv.hooked, 1);
}

/* ---- the calling side ---- */

static volatile int deaths; /* written by the reader thread */
static char death_why[256];

static void on_dead(const char *why)
{
	deaths++;
	snprintf(death_why, sizeof(death_why), "%s", why);
}

struct caller_fixture {
	struct server srv;
	struct ipc_caller c;
	int fd;
};

static void caller_open(struct caller_fixture *f, uint32_t max)
{
	f->fd = serve(&f->srv);
	assert_int_equal(ipc_caller_start(&f->c, f->fd, "server", max), 0);
	deaths = 0;
	death_why[0] = 0;
	ipc_caller_on_dead(&f->c, on_dead);
}

static int echo(struct ipc_caller *c, const void *p, size_t len, char *err, size_t errlen)
{
	struct ipc_wbuf w;
	struct ipc_msg m;

	ipc_wbuf_init(&w);
	ipc_put_raw(&w, p, len);
	if (ipc_call(c, T_ECHO, &w, &m, err, errlen) != 0)
		return -1;
	int ok = m.hdr.type == T_ECHOED && m.hdr.len == len && memcmp(m.data, p, len) == 0;
	ipc_msg_free(&m);
	return ok ? 0 : -2;
}

static void test_too_large_fails_that_call_only(void **state)
{
	struct caller_fixture f;
	uint8_t big[200] = {0};
	char err[256];

	(void)state;
	caller_open(&f, 64);
	assert_int_equal(echo(&f.c, "hi", 2, err, sizeof(err)), 0);
	errno = 0;
	assert_int_equal(echo(&f.c, big, sizeof(big), err, sizeof(err)), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_non_null(strstr(err, "too large"));
	/* The channel lives on: nothing was written, nobody died. */
	assert_int_equal(ipc_caller_dead(&f.c), 0);
	assert_int_equal(echo(&f.c, "again", 5, err, sizeof(err)), 0);
	assert_int_equal(deaths, 0);
	ipc_caller_stop(&f.c);
	assert_int_equal(finish(&f.srv), 0);
	assert_int_equal(deaths, 0); /* an orderly stop is not a death */
}

static void test_peer_violation_kills_the_channel_once(void **state)
{
	struct caller_fixture f;
	struct ipc_wbuf w;
	struct ipc_msg m;
	char err[256];

	(void)state;
	caller_open(&f, 64);
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 8); /* STRICT wants 7: the server ends the channel */
	assert_int_equal(ipc_call(&f.c, T_STRICT, &w, &m, err, sizeof(err)), -1);
	assert_int_equal(ipc_caller_dead(&f.c), 1);
	/* The hook runs on the reader after the waiting calls are woken. */
	for (int i = 0; i < 200 && deaths == 0; i++)
		usleep(5000);
	assert_int_equal(deaths, 1);
	assert_non_null(strstr(death_why, "closed"));
	/* Later calls fail at once with the same reason; no second death. */
	assert_int_equal(echo(&f.c, "x", 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "closed"));
	assert_int_equal(deaths, 1);
	ipc_caller_stop(&f.c);
	assert_int_equal(finish(&f.srv), 1);
}

/* A reply nobody asked for: the caller ends the channel. */
static void test_unasked_reply_kills_the_channel(void **state)
{
	int sv[2];
	struct ipc_caller c;
	uint32_t hdr[4] = {T_ECHOED, 0, 999, 0};
	char buf[16];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(ipc_caller_start(&c, sv[0], "server", 64), 0);
	deaths = 0;
	ipc_caller_on_dead(&c, on_dead);
	assert_int_equal(write(sv[1], hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 0); /* shut down by the caller */
	for (int i = 0; i < 200 && deaths == 0; i++)
		usleep(5000);
	assert_int_equal(deaths, 1);
	assert_non_null(strstr(death_why, "which nobody asked"));
	ipc_caller_stop(&c);
	close(sv[0]);
	close(sv[1]);
}

struct many {
	struct ipc_caller *c;
	int ok;
	int n;
};

static void *many_main(void *arg)
{
	struct many *m = arg;
	char err[128], msg[32];

	for (int i = 0; i < 200; i++) {
		int len = snprintf(msg, sizeof(msg), "t%d-%d", m->n, i);
		if (echo(m->c, msg, (size_t)len, err, sizeof(err)) == 0)
			m->ok++;
	}
	return NULL;
}

/* Several threads at once: each gets its own answer (the ids pair them). */
static void test_concurrent_calls_get_their_own_replies(void **state)
{
	struct caller_fixture f;
	pthread_t t[4];
	struct many m[4];

	(void)state;
	caller_open(&f, 64);
	for (int i = 0; i < 4; i++) {
		m[i] = (struct many){&f.c, 0, i};
		assert_int_equal(pthread_create(&t[i], NULL, many_main, &m[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(m[i].ok, 200);
	}
	ipc_caller_stop(&f.c);
	assert_int_equal(finish(&f.srv), 0);
	assert_int_equal(deaths, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_close_returns_0),
		cmocka_unit_test(test_violations_end_the_channel_not_the_process),
		cmocka_unit_test(test_over_the_cap_is_a_violation),
		cmocka_unit_test(test_too_large_fails_that_call_only),
		cmocka_unit_test(test_peer_violation_kills_the_channel_once),
		cmocka_unit_test(test_unasked_reply_kills_the_channel),
		cmocka_unit_test(test_concurrent_calls_get_their_own_replies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
