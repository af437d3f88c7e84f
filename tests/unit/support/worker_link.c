/* Test support: a connection to an in-process worker (worker_link.h). */
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/custodian/proto.h"
#include "firmware/ledger/store.h"
#include "tests/unit/support/worker_link.h"

int worker_test_start(struct worker *w, struct core *c, int enforce, int no_rpc, int *started)
{
	struct slots_config sc = {.pool = {WORKER_MAX_EPM_CONNS, WORKER_MAX_CONNS},
				  .per_address = WORKER_MAX_PER_ADDRESS};
	char err[512];

	memset(w, 0, sizeof(*w));
	worker_ifaces_init();
	w->icpr_port = ICPR_PORT;
	w->epm_port = 135;
	w->enforce_encryption = enforce;
	w->no_rpc = no_rpc;
	w->logon_deadline_s = WORKER_LOGON_DEADLINE_S;
	w->conn_deadline_s = WORKER_CONN_DEADLINE_S;
	if (slots_init(&w->slots, &sc) != 0 || worker_dcom_init(w, err, sizeof(err)) != 0 ||
	    ipc_caller_start(&w->custodian, c->worker_fds[0], "custodian", CUST_SUBMIT_MAX) != 0)
		return -1;
	*started = 1;
	if (worker_load_ca(w, err, sizeof(err)) != 0) {
		fprintf(stderr, "worker_load_ca: %s\n", err);
		return -1;
	}
	return 0;
}

void expect_row(struct core *c, uint32_t id, const char *requester, uint32_t disp,
		uint32_t hr)
{
	struct ledger_request_row row;

	assert_int_equal(ledger_get_request(c->ledger, id, &row), LEDGER_OK);
	assert_string_equal(row.requester, requester);
	assert_int_equal(row.disposition, disp);
	assert_int_equal(row.hresult, hr);
}

/* The disposition message as ASCII, cut at cap - 1 octets. */
static void message_of(const struct rpc_icpr_response *resp, char *out, size_t cap)
{
	size_t n = resp->disposition_message.cb / 2, k = 0;

	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		uint8_t ch = resp->disposition_message.pb[2 * i];

		if (ch == 0)
			break;
		out[k++] = (char)ch;
	}
	out[k] = 0;
}

void expect_message(const struct rpc_icpr_response *resp, const char *want)
{
	char msg[512];

	message_of(resp, msg, sizeof(msg));
	assert_string_equal(msg, want);
}

static void *serve_thread(void *arg)
{
	struct link *l = arg;

	worker_serve_conn(l->w, l->fds[1], l->port, PEER, &l->ref);
	/* main.c closes the connection here: the client sees its end */
	shutdown(l->fds[1], SHUT_RDWR);
	return NULL;
}

void link_open(struct link *l, struct worker *w, enum worker_port port)
{
	int evicted;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, l->fds), 0);
	l->w = w;
	l->port = port;
	assert_int_equal(slots_admit(&w->slots, port, 0x0700000c, l->fds[1], &l->ref, &evicted),
			 0);
	assert_int_equal(evicted, 0);
	assert_int_equal(pthread_create(&l->thread, NULL, serve_thread, l), 0);
}

void link_close(struct link *l)
{
	shutdown(l->fds[0], SHUT_RDWR);
	pthread_join(l->thread, NULL);
	slots_release(&l->w->slots, &l->ref);
	close(l->fds[0]);
	close(l->fds[1]);
}

void link_send_all(int fd, const struct tbuf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = write(fd, b->p + off, b->len - off);

		assert_true(n > 0);
		off += (size_t)n;
	}
}

/* n octets: 1, or 0 at the end of the stream; fails after IO_TIMEOUT_MS. */
static int recv_exact(int fd, uint8_t *p, size_t n)
{
	struct pollfd pf = {.fd = fd, .events = POLLIN};

	while (n > 0) {
		ssize_t r;

		if (poll(&pf, 1, IO_TIMEOUT_MS) != 1)
			fail_msg("no answer from the worker within %d ms", IO_TIMEOUT_MS);
		r = read(fd, p, n);
		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

int link_recv_pdu(int fd, struct tbuf *b)
{
	static uint8_t pdu[65536];
	uint16_t frag_len;

	b->len = 0;
	if (!recv_exact(fd, pdu, 16))
		return 0;
	frag_len = rb_le16(pdu + 8);
	assert_true(frag_len >= 16);
	if (!recv_exact(fd, pdu + 16, frag_len - 16u))
		return 0;
	tb_put(b, pdu, frag_len);
	return 1;
}

void link_expect_pdu(int fd, struct tbuf *b)
{
	if (!link_recv_pdu(fd, b))
		fail_msg("the worker closed the connection");
}
