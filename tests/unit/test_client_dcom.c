/* careq -dcom's transport piece (firmware/client/rpc_client.c rpcc_set_object
 * and dcom_call.c's wiring): an ORPC request carries PFC_OBJECT_UUID and the
 * IPID in every fragment, read back by the server's own request decoder
 * (firmware/rpc/pdu.c) from a loopback socket; without an object, requests
 * stay as they were. The codecs themselves are tested in test_rpc_dcom and
 * test_rpc_wcce; careq against the appliance in
 * tests/integration/test_careq_dcom.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/client/client.h"
#include "firmware/rpc/pdu.h"

/* A loopback listener and a client connected to it; *srv the accepted end. */
static void pair(struct rpcc *c, int *srv, int *lfd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*lfd >= 0);
	assert_int_equal(bind(*lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(*lfd, 1), 0);
	assert_int_equal(getsockname(*lfd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(rpcc_connect(c, (struct sockaddr *)&sa, sizeof sa, 300, 0), RPCC_OK);
	*srv = accept(*lfd, NULL, NULL);
	assert_true(*srv >= 0);
}

static void read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);

		assert_true(k > 0);
		p += k;
		n -= (size_t)k;
	}
}

/* Reads one request PDU from fd and decodes it with the server's decoder. */
static void next_request(int fd, uint8_t *buf, size_t cap, struct rpc_request_pdu *r,
			 uint8_t *flags)
{
	struct rpc_pdu pdu;
	char err[256];
	size_t flen;

	read_all(fd, buf, 16);
	flen = (size_t)buf[8] | (size_t)buf[9] << 8;
	assert_true(flen >= 16 && flen <= cap);
	read_all(fd, buf + 16, flen - 16);
	assert_int_equal(rpc_pdu_decode(buf, flen, &pdu, err, sizeof err), 0);
	assert_int_equal(pdu.hdr.ptype, RPC_PT_REQUEST);
	assert_int_equal(rpc_request_decode(&pdu, r, err, sizeof err), 0);
	*flags = pdu.hdr.flags;
}

static void test_object_in_every_fragment(void **state)
{
	static uint8_t stub[3000], buf[8192];
	struct rpc_uuid ipid;
	struct rpc_request_pdu r;
	struct ndr_wr out;
	struct rpcc c;
	size_t got = 0;
	uint8_t flags;
	int srv, lfd, n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof stub; i++)
		stub[i] = (uint8_t)(i * 7);
	for (int i = 0; i < 16; i++)
		ipid.b[i] = (uint8_t)(0xa0 + i);
	pair(&c, &srv, &lfd);
	c.max_xmit = 1024; /* as a bind_ack would set it: three fragments */
	rpcc_set_object(&c, &ipid);
	ndr_wr_init(&out, 4096);
	/* No answer comes: the call times out after writing every fragment. */
	assert_int_not_equal(rpcc_call(&c, 6, stub, sizeof stub, &out), RPCC_OK);
	do {
		next_request(srv, buf, sizeof buf, &r, &flags);
		assert_true(flags & RPC_PFC_OBJECT_UUID);
		assert_int_equal(r.has_object, 1);
		assert_memory_equal(&r.object, &ipid, sizeof ipid);
		assert_int_equal(r.opnum, 6);
		assert_true(got + r.stub_len <= sizeof stub);
		assert_memory_equal(r.stub, stub + got, r.stub_len);
		got += r.stub_len;
		n++;
	} while (!(flags & RPC_PFC_LAST_FRAG));
	assert_int_equal(got, sizeof stub);
	assert_true(n >= 3);
	rpcc_close(&c);
	close(srv);
	close(lfd);

	/* Cleared: plain requests again. */
	pair(&c, &srv, &lfd);
	c.max_xmit = 1024;
	rpcc_set_object(&c, &ipid);
	rpcc_set_object(&c, NULL);
	assert_int_not_equal(rpcc_call(&c, 0, stub, 100, &out), RPCC_OK);
	next_request(srv, buf, sizeof buf, &r, &flags);
	assert_false(flags & RPC_PFC_OBJECT_UUID);
	assert_int_equal(r.has_object, 0);
	assert_int_equal(r.stub_len, 100);
	ndr_wr_free(&out);
	rpcc_close(&c);
	close(srv);
	close(lfd);
}

/* A fresh rpcc carries no object (rpcc_connect zeroes it). */
static void test_connect_clears_object(void **state)
{
	struct rpcc c;
	int srv, lfd;

	(void)state;
	memset(&c, 0xff, sizeof c);
	pair(&c, &srv, &lfd);
	assert_int_equal(c.has_object, 0);
	rpcc_close(&c);
	close(srv);
	close(lfd);
}

/* Nothing to reach: dcomc_open fails cleanly and leaves nothing open. */
static void test_open_unreachable(void **state)
{
	struct enroll_target t;
	struct dcomc d;
	char err[256] = "";
	int lfd;
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;

	(void)state;
	/* a port that was just free */
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	close(lfd);
	memset(&t, 0, sizeof t);
	strcpy(t.host, "127.0.0.1");
	snprintf(t.port, sizeof t.port, "%u", ntohs(sa.sin_port));
	t.timeout_ms = 500;
	assert_int_equal(dcomc_open(&t, &d, err, sizeof err), RPCC_ENET);
	assert_true(err[0] != 0);
	assert_int_equal(d.c.fd, -1);
	dcomc_close(&d, &t, 1); /* nothing to release: no references */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_in_every_fragment),
		cmocka_unit_test(test_connect_clears_object),
		cmocka_unit_test(test_open_unreachable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
