/* The worker's start-up (firmware/worker/ca.c, worker_load_ca) against a
 * custodian played by the test: a thread on the other end of the channel reads
 * the CUST_GET_CA and answers what a test gives it, so that every answer the
 * real custodian never sends can be tried: a channel that ends, another message
 * type, a CA_INFO that does not decode, a certificate that does not, a subject
 * without a common name, escaped names, chains of PEM certificates (more than
 * the worker keeps, or none that decode). Certificates are made by the openssl
 * CLI (support/x509_oracle.c). Each outcome is checked by worker_load_ca's
 * return, its exact message, and w->ca_name and w->chain. */
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

#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/worker/worker.h"
#include "platform/ipc.h"
#include "tests/unit/support/x509_oracle.h"

/* The custodian's side: what it answers the one request it reads. */
struct fake {
	int fds[2]; /* [0] the worker's, [1] the custodian's */
	pthread_t thread;
	uint32_t type;        /* the answer's type; 0: end the channel instead */
	struct ipc_wbuf body; /* its payload */
	uint32_t got_type;    /* what the worker sent */
	uint32_t got_len;
};

static struct worker w;
static struct fake f;

static void *custodian_thread(void *arg)
{
	struct fake *k = arg;
	struct ipc_chan ch;
	struct ipc_msg m;
	char err[256];

	ipc_chan_init(&ch, k->fds[1], "worker", CUST_SUBMIT_MAX);
	if (ipc_recv(&ch, &m, err, sizeof(err)) == 1) {
		k->got_type = m.hdr.type;
		k->got_len = m.hdr.len;
		if (k->type != 0)
			ipc_send(&ch, k->type, m.hdr.id, k->body.data, k->body.len, -1);
		ipc_msg_free(&m);
	}
	ipc_chan_free(&ch);
	shutdown(k->fds[1], SHUT_RDWR);
	return NULL;
}

/* worker_load_ca against an answer of type with f.body: its return, err. */
static int load(uint32_t type, char *err, size_t errlen)
{
	int rc;

	memset(&w, 0, sizeof(w));
	f.type = type;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f.fds), 0);
	assert_int_equal(ipc_caller_start(&w.custodian, f.fds[0], "custodian", CUST_SUBMIT_MAX),
			 0);
	assert_int_equal(pthread_create(&f.thread, NULL, custodian_thread, &f), 0);
	err[0] = 0;
	rc = worker_load_ca(&w, err, errlen);
	pthread_join(f.thread, NULL);
	ipc_caller_stop(&w.custodian);
	close(f.fds[0]);
	close(f.fds[1]);
	ipc_wbuf_free(&f.body);
	assert_int_equal(f.got_type, CUST_GET_CA);
	assert_int_equal(f.got_len, 0);
	return rc;
}

/* A self-signed certificate for subj (openssl -subj syntax), DER in *der. */
static void make_cert(const char *name, const char *subj, struct x509_buf *der)
{
	char *out = NULL;
	const char *key = oracle_path("k.key");
	char path[512];

	snprintf(path, sizeof(path), "%s", oracle_path(name));
	if (oracle_run(&out, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
			     "-nodes -keyout '%s' -subj '%s' -days 2 -outform DER -out '%s'",
		       key, subj, path) != 0)
		fail_msg("openssl req: %s", out != NULL ? out : "");
	free(out);
	assert_int_equal(oracle_read(path, der), 0);
}

/* f.body: a CA_INFO with cert and the chain text. */
static void ca_info(const struct x509_buf *cert, const char *chain, size_t chain_len)
{
	struct cust_ca_info info = {cert->data, cert->len, (const uint8_t *)chain, chain_len, 0};

	ipc_wbuf_init(&f.body);
	cust_ca_info_encode(&f.body, &info);
}

/* PEM text of n copies of cert (malloc()ed). */
static char *pem_chain(const struct x509_buf *cert, const char *name, int n, size_t *len)
{
	struct x509_buf one;
	char *text;
	size_t off = 0;

	assert_int_equal(oracle_write_pem(oracle_path(name), "CERTIFICATE", cert), 0);
	assert_int_equal(oracle_read(oracle_path(name), &one), 0);
	text = malloc(one.len * (size_t)n + 1);
	assert_non_null(text);
	for (int i = 0; i < n; i++) {
		memcpy(text + off, one.data, one.len);
		off += one.len;
	}
	text[off] = 0;
	*len = off;
	x509_buf_free(&one);
	return text;
}

/* The custodian ends the channel instead of answering: WORKER_CA_GONE. */
static void test_channel_ends(void **state)
{
	char err[512];

	(void)state;
	ipc_wbuf_init(&f.body);
	assert_int_equal(load(0, err, sizeof(err)), WORKER_CA_GONE);
	if (strncmp(err, "custodian: ", 11) != 0)
		fail_msg("'%s'", err);
	assert_int_equal(w.n_chain, 0);
}

/* Another message type, and a CA_INFO that does not decode: violations. */
static void test_bad_answers(void **state)
{
	struct cust_error e = {.hresult = 0x8000ffffu};
	char err[512];

	(void)state;
	ipc_wbuf_init(&f.body);
	cust_error_encode(&f.body, &e);
	assert_int_equal(load(CUST_ERROR, err, sizeof(err)), -1);
	assert_string_equal(err, "protocol violation: bad CA_INFO from the custodian");
	ipc_wbuf_init(&f.body);
	ipc_put_u32(&f.body, 5); /* a certificate of 5 octets, then nothing */
	assert_int_equal(load(CUST_CA_INFO, err, sizeof(err)), -1);
	assert_string_equal(err, "protocol violation: bad CA_INFO from the custodian");
	assert_int_equal(w.n_chain, 0);
}

/* A certificate that does not decode, and a subject without a common name. */
static void test_bad_certificates(void **state)
{
	static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct x509_buf bad = {(uint8_t *)junk, sizeof(junk)}, cert;
	char err[512];

	(void)state;
	ca_info(&bad, "", 0);
	assert_int_equal(load(CUST_CA_INFO, err, sizeof(err)), -1);
	if (strncmp(err, "the CA certificate does not decode: ", 36) != 0)
		fail_msg("'%s'", err);
	make_cert("nocn.der", "/O=Example/OU=Issuing", &cert);
	ca_info(&cert, "", 0);
	assert_int_equal(load(CUST_CA_INFO, err, sizeof(err)), -1);
	assert_string_equal(err, "the CA certificate's subject has no common name: "
				 "'OU=Issuing,O=Example'");
	assert_int_equal(w.n_chain, 0);
	x509_buf_free(&cert);
}

/* The common name unescaped, wherever it is in the subject; no chain: the CA
 * certificate alone. */
static void test_names(void **state)
{
	struct x509_buf cert;
	char err[512];

	(void)state;
	make_cert("esc.der", "/O=Ex\\,ample/CN=Issuing\\, CA 1/OU=Unit", &cert);
	ca_info(&cert, "", 0);
	assert_int_equal(load(CUST_CA_INFO, err, sizeof(err)), 0);
	assert_string_equal(w.ca_name, "Issuing, CA 1");
	assert_int_equal(w.n_chain, 1);
	assert_int_equal(w.chain[0].len, cert.len);
	assert_memory_equal(w.chain[0].data, cert.data, cert.len);
	worker_free_ca(&w);
	assert_int_equal(w.n_chain, 0);
	assert_string_equal(w.ca_name, "");
	x509_buf_free(&cert);
	/* An escaped comma in an RDN before the CN ("OU=x\,CN=Fake,CN=Real CA"):
	 * skipped whole, so that text inside a value is never taken for a CN. */
	make_cert("esc2.der", "/CN=Real CA/OU=x\\,CN=Fake", &cert);
	ca_info(&cert, "", 0);
	assert_int_equal(load(CUST_CA_INFO, err, sizeof(err)), 0);
	assert_string_equal(w.ca_name, "Real CA");
	worker_free_ca(&w);
	x509_buf_free(&cert);
}

/* A chain of PEM certificates: kept in order up to WORKER_MAX_CHAIN; a chain
 * that does not decode: the CA certificate alone. */
static void test_chains(void **state)
{
	struct x509_buf cert;
	char err[512], *text;
	size_t len;

	(void)state;
	make_cert("ca.der", "/CN=Chain CA", &cert);
	text = pem_chain(&cert, "two.pem", 2, &len);
	ca_info(&cert, text, len);
	assert_int_equal(load(CUST_CA_INFO, err, sizeof(err)), 0);
	assert_int_equal(w.n_chain, 2);
	assert_memory_equal(w.chain[1].data, cert.data, cert.len);
	worker_free_ca(&w);
	free(text);
	text = pem_chain(&cert, "many.pem", WORKER_MAX_CHAIN + 3, &len);
	ca_info(&cert, text, len);
	assert_int_equal(load(CUST_CA_INFO, err, sizeof(err)), 0);
	assert_int_equal(w.n_chain, WORKER_MAX_CHAIN);
	worker_free_ca(&w);
	free(text);
	ca_info(&cert, "-----BEGIN CERTIFICATE-----\nnot base64\n", 40);
	assert_int_equal(load(CUST_CA_INFO, err, sizeof(err)), 0);
	assert_int_equal(w.n_chain, 1);
	assert_memory_equal(w.chain[0].data, cert.data, cert.len);
	assert_string_equal(w.ca_name, "Chain CA");
	worker_free_ca(&w);
	x509_buf_free(&cert);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_channel_ends),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_bad_certificates),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_chains),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	oracle_cleanup();
	return rc;
}
