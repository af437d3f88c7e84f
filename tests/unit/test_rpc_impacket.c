/* firmware/rpc against an independent DCE/RPC stack: impacket's client
 * (tests/unit/support/rpc_impacket.py client) talks over loopback TCP to a small
 * server built here on rpc_conn, with an endpoint-mapper port (ept_map) and an
 * ICPR port (a CertServerRequest that echoes its input). The script checks what
 * impacket decodes: the ept_map tower and status, bind_ack result lists,
 * bind_nak, fragmented requests and responses (max_recv_frag 4280 and 1024),
 * alter_context, and the faults nca_s_op_rng_error, rpc_x_bad_stub_data and
 * nca_s_unk_if. It exits 0 only if every check passed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/rpc/conn.h"
#include "firmware/rpc/epm.h"
#include "firmware/rpc/icpr_stub.h"

#define SCRIPT "tests/unit/support/rpc_impacket.py"
#define PYTHON "/usr/bin/python3"
#define MAX_CONNS 8
#define TIMEOUT_S 120

enum { TAG_EPM = 1, TAG_ICPR = 2 };

static struct rpc_iface epm_if, icpr_if;
static struct rpc_epm_entry icpr_entry;

struct peer {
	int fd;
	struct rpc_conn c;
};

static int listen_local(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the client went away: its checks say so */
		p += w;
		n -= (size_t)w;
	}
}

/* CertServerRequest that echoes: id+1 (7 for a new request), ISSUED, the request
 * as pctbCert, its first 100 octets as pctbEncodedCert when it is longer, the
 * authority (with its NUL) as pctbDispositionMessage. */
static void serve_icpr(struct rpc_conn *c, const struct rpc_request *r)
{
	struct rpc_icpr_request q;
	struct rpc_icpr_response resp;
	char err[256];
	struct ndr_wr w;

	if (r->opnum != RPC_ICPR_OPNUM_CERT_SERVER_REQUEST) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	if (rpc_icpr_request_decode(r->stub, r->stub_len, &q, err, sizeof err) != 0) {
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	memset(&resp, 0, sizeof resp);
	resp.request_id = q.request_id ? q.request_id + 1 : 7;
	resp.disposition = 3;
	resp.cert = q.request;
	if (q.request.cb > 100) {
		resp.encoded_cert.pb = q.request.pb;
		resp.encoded_cert.cb = 100;
	}
	resp.disposition_message.pb = q.authority;
	resp.disposition_message.cb = q.has_authority ? (uint32_t)(q.authority_units + 1) * 2 : 0;
	ndr_wr_init(&w, 1 << 20);
	assert_int_equal(rpc_icpr_response_encode(&resp, &w), 0);
	assert_int_equal(rpc_conn_respond(c, w.buf, w.len), 0);
	ndr_wr_free(&w);
}

static void serve_epm(struct rpc_conn *c, const struct rpc_request *r)
{
	const struct rpc_epm_entry *match;
	struct rpc_epm_map_request q;
	char err[256];
	struct ndr_wr w;

	if (r->opnum != RPC_EPM_OPNUM_MAP) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	if (rpc_epm_map_decode(r->stub, r->stub_len, &q, err, sizeof err) != 0) {
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	match = rpc_epm_lookup(&q, &icpr_entry, 1, err, sizeof err);
	ndr_wr_init(&w, 4096);
	assert_int_equal(rpc_epm_map_reply(&q, match, &w), 0);
	assert_int_equal(rpc_conn_respond(c, w.buf, w.len), 0);
	ndr_wr_free(&w);
}

/* Runs the connection's events after new input; 0 to keep it, -1 to close it. */
static int drive(struct peer *p)
{
	struct rpc_event ev;

	for (;;) {
		switch (rpc_conn_next(&p->c, &ev)) {
		case RPC_EV_SEND:
			write_all(p->fd, ev.data, ev.len);
			rpc_conn_sent(&p->c, ev.len);
			break;
		case RPC_EV_REQUEST:
			if (ev.req.iface->tag == TAG_ICPR)
				serve_icpr(&p->c, &ev.req);
			else
				serve_epm(&p->c, &ev.req);
			break;
		case RPC_EV_CLOSE:
			printf("   server: closing: %s\n", ev.msg);
			fflush(stdout);
			return -1;
		case RPC_EV_NEED_INPUT:
		case RPC_EV_PENDING:
			return 0;
		}
	}
}

static void peer_close(struct peer *p)
{
	rpc_conn_free(&p->c);
	close(p->fd);
	p->fd = -1;
}

static void accept_peer(struct peer *peers, int lfd, uint16_t port, const struct rpc_iface *iface)
{
	struct rpc_conn_config cfg = { .ifaces = iface, .n_ifaces = 1, .port = port };
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	assert_true(fd >= 0);
	for (int i = 0; i < MAX_CONNS; i++) {
		if (peers[i].fd < 0) {
			peers[i].fd = fd;
			assert_int_equal(rpc_conn_init(&peers[i].c, &cfg), 0);
			return;
		}
	}
	fail_msg("more than %d connections at once", MAX_CONNS);
}

static pid_t start_client(uint16_t epm_port, uint16_t icpr_port)
{
	char a[8], b[8];
	pid_t pid;

	snprintf(a, sizeof a, "%u", epm_port);
	snprintf(b, sizeof b, "%u", icpr_port);
	fflush(stdout);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(PYTHON, PYTHON, SCRIPT, "client", a, b, (char *)NULL);
		perror(PYTHON);
		_exit(127);
	}
	return pid;
}

static void test_impacket_client(void **state)
{
	uint16_t epm_port, icpr_port;
	int epm_fd, icpr_fd, status = -1;
	struct peer peers[MAX_CONNS];
	time_t deadline = time(NULL) + TIMEOUT_S;
	pid_t pid;

	(void)state;
	if (access(SCRIPT, R_OK) != 0)
		fail_msg("%s not found: run from the repository's top directory", SCRIPT);
	epm_if = (struct rpc_iface){ rpc_iface_epm, RPC_EPM_N_OPS, TAG_EPM, "EPM" };
	icpr_if = (struct rpc_iface){ rpc_iface_icpr, RPC_ICPR_N_OPS, TAG_ICPR, "ICPR" };
	epm_fd = listen_local(&epm_port);
	icpr_fd = listen_local(&icpr_port);
	icpr_entry.iface = rpc_iface_icpr;
	icpr_entry.port = icpr_port;
	memcpy(icpr_entry.ipv4, "\x7f\x00\x00\x01", 4);
	for (int i = 0; i < MAX_CONNS; i++)
		peers[i].fd = -1;
	pid = start_client(epm_port, icpr_port);

	while (waitpid(pid, &status, WNOHANG) == 0) {
		struct pollfd pfd[2 + MAX_CONNS];
		int n = 2;

		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("the impacket client did not finish in %d s", TIMEOUT_S);
		}
		pfd[0] = (struct pollfd){ .fd = epm_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = icpr_fd, .events = POLLIN };
		for (int i = 0; i < MAX_CONNS; i++)
			pfd[n++] = (struct pollfd){ .fd = peers[i].fd, .events = POLLIN };
		if (poll(pfd, (nfds_t)n, 100) <= 0)
			continue;
		if (pfd[0].revents & POLLIN)
			accept_peer(peers, epm_fd, epm_port, &epm_if);
		if (pfd[1].revents & POLLIN)
			accept_peer(peers, icpr_fd, icpr_port, &icpr_if);
		for (int i = 0; i < MAX_CONNS; i++) {
			uint8_t buf[4096];
			ssize_t r;

			if (peers[i].fd < 0 || !(pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = read(peers[i].fd, buf, sizeof buf);
			if (r <= 0) {
				peer_close(&peers[i]);
				continue;
			}
			/* a refused feed closes the connection: drive says so */
			(void)rpc_conn_feed(&peers[i].c, buf, (size_t)r);
			if (drive(&peers[i]) != 0)
				peer_close(&peers[i]);
		}
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (peers[i].fd >= 0)
			peer_close(&peers[i]);
	close(epm_fd);
	close(icpr_fd);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impacket_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
