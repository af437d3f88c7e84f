/* One client connection: read and write under deadlines, feed the DCE/RPC state
 * machine, dispatch complete calls. Runs on its own thread.
 *
 * Deadlines (worker.h; ca.conf sets them): a whole PDU or fragmented call within
 * WORKER_READ_TIMEOUT_MS of its first byte (a client trickling a byte at a time
 * cannot hold a thread), WORKER_IDLE_TIMEOUT_MS between calls, a logon within the
 * logon deadline where one is required, the whole connection within the
 * connection deadline, and each answer written within WORKER_WRITE_TIMEOUT_MS (a
 * client that never reads cannot block the thread in write()). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "firmware/rpc/dcom.h"
#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

#define EPM_N_OPS 7
#define ICPR_N_OPS 1

struct rpc_iface worker_icpr_iface = {.n_ops = ICPR_N_OPS, .tag = IF_ICPR,
				     .name = "ICertPassage"};
struct rpc_iface worker_epm_iface = {.n_ops = EPM_N_OPS, .tag = IF_EPM, .name = "epmapper"};

/* The DCOM interfaces (version 0.0 each); n_ops counts IUnknown's three
 * methods, which are never called remotely: their opnums are refused by each
 * interface's handler (firmware/worker/dcom.c). */
struct rpc_iface worker_epm_ifaces[WORKER_EPM_N_IFACES] = {
	{.tag = IF_EPM},
	{.n_ops = 5, .tag = IF_SCM, .name = "IRemoteSCMActivator"},
	{.n_ops = 6, .tag = IF_OXID, .name = "IObjectExporter"},
};
struct rpc_iface worker_icpr_ifaces[WORKER_ICPR_N_IFACES] = {
	{.tag = IF_ICPR},
	{.n_ops = 6, .tag = IF_REMUNK, .name = "IRemUnknown"},
	{.n_ops = 7, .tag = IF_REMUNK2, .name = "IRemUnknown2"},
	{.n_ops = 6, .tag = IF_CERTREQ, .name = "ICertRequestD"},
	{.n_ops = 10, .tag = IF_CERTREQ2, .name = "ICertRequestD2"},
};

void worker_ifaces_init(void)
{
	if (rpc_uuid_parse("91ae6020-9e3c-11cf-8d7c-00aa00c091be",
			   &worker_icpr_iface.syntax.uuid) != 0 ||
	    rpc_uuid_parse("e1af8308-5d1f-11c9-91a4-08002b14a0fa",
			   &worker_epm_iface.syntax.uuid) != 0)
		fatalx("bad interface UUID");
	worker_icpr_iface.syntax.major = 0;
	worker_epm_iface.syntax.major = 3;
	worker_epm_ifaces[0] = worker_epm_iface;
	worker_epm_ifaces[1].syntax.uuid = dcom_iid_iremotescmactivator;
	worker_epm_ifaces[2].syntax.uuid = dcom_iid_iobjectexporter;
	worker_icpr_ifaces[0] = worker_icpr_iface;
	worker_icpr_ifaces[1].syntax.uuid = dcom_iid_iremunknown;
	worker_icpr_ifaces[2].syntax.uuid = dcom_iid_iremunknown2;
	worker_icpr_ifaces[3].syntax.uuid = dcom_iid_icertrequestd;
	worker_icpr_ifaces[4].syntax.uuid = dcom_iid_icertrequestd2;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection's clocks: absolute CLOCK_MONOTONIC milliseconds, 0 for none;
 * and the timeouts (worker.h's, or the struct worker's where set). */
struct deadlines {
	int64_t conn;  /* the whole connection */
	int64_t logon; /* a logon, while one is required and not made */
	int64_t pdu;   /* the PDU or call in progress, from its first byte */
	int read_ms, idle_ms, write_ms;
};

/* Milliseconds until the earliest deadline that applies (at least 0), the idle
 * timeout between calls included; why names it. */
static int remaining(const struct deadlines *d, int mid_call, int64_t now, const char **why)
{
	int64_t next = now + (mid_call ? d->read_ms : d->idle_ms);

	*why = mid_call ? "incomplete PDU" : "idle";
	if (mid_call && d->pdu != 0 && d->pdu < next) {
		next = d->pdu;
		*why = "PDU deadline";
	}
	if (d->logon != 0 && d->logon < next) {
		next = d->logon;
		*why = "no logon within the logon deadline";
	}
	if (d->conn != 0 && d->conn < next) {
		next = d->conn;
		*why = "connection deadline";
	}
	return next > now ? (int)(next - now) : 0;
}

/* Waits for input until the deadline that applies; 1 readable, 0 timed out
 * (*why says which deadline). */
static int wait_input(int fd, const struct rpc_conn *c, struct deadlines *d, const char **why)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int mid = rpc_conn_mid_call(c), rc = 0, left;
	int64_t now = now_ms();

	/* A PDU's clock starts with its first byte and runs until the call is whole. */
	if (!mid)
		d->pdu = 0;
	else if (d->pdu == 0)
		d->pdu = now + d->read_ms;
	/* A deadline that has passed ends the connection even when input is
	 * waiting: poll with a timeout of 0 would report it readable, and a client
	 * that always has the next request queued would never meet its deadline. */
	while ((left = remaining(d, mid, now, why)) > 0 &&
	       (rc = poll(&p, 1, left)) < 0 && errno == EINTR)
		now = now_ms();
	return left > 0 && rc > 0;
}

/* Writes what the state machine has to send without ever blocking past the
 * write deadline: bytes sent (> 0), or -1 (an error, or a client that does not
 * read). */
static ssize_t send_some(int fd, const uint8_t *p, size_t len, int timeout_ms)
{
	struct pollfd pf = {.fd = fd, .events = POLLOUT};

	for (;;) {
		ssize_t n = send(fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		int rc = poll(&pf, 1, timeout_ms);
		if (rc == 0)
			return -1;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* The address the client reached us on (what DCOM's bindings name: a client
 * connects back to the address it already used), "127.0.0.1" if unknown. */
static void local_address(int fd, char *out, size_t len)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0 || sa.sin_family != AF_INET ||
	    inet_ntop(AF_INET, &sa.sin_addr, out, (socklen_t)len) == NULL)
		snprintf(out, len, "127.0.0.1");
}

void worker_serve_conn(struct worker *w, int fd, enum worker_port port, const char *peer,
		       const struct slot_ref *ref)
{
	struct rpc_conn_config cfg;
	struct worker_ntlm auth;
	struct rpc_conn c;
	struct rpc_event ev;
	struct deadlines d = {0};
	const char *why;
	int marked = 0;
	char local[INET_ADDRSTRLEN];
	uint8_t buf[16384];
	int64_t start = now_ms();

	memset(&cfg, 0, sizeof(cfg));
	cfg.ifaces = port == PORT_EPM ? worker_epm_ifaces : worker_icpr_ifaces;
	cfg.n_ifaces = port == PORT_EPM ? WORKER_EPM_N_IFACES : WORKER_ICPR_N_IFACES;
	cfg.port = port == PORT_EPM ? w->epm_port : w->icpr_port;
	worker_ntlm_init(&auth, w, peer);
	/* NTLM on both ports: ept_map binds without it, DCOM's activation with it. */
	cfg.auth_ops = &worker_ntlm_ops;
	cfg.auth_arg = &auth;
	local_address(fd, local, sizeof(local));
	if (rpc_conn_init(&c, &cfg) != 0)
		fatalx("bad DCE/RPC configuration");
	d.conn = start + (int64_t)w->conn_deadline_s * 1000;
	d.read_ms = w->read_timeout_ms ? (int)w->read_timeout_ms : WORKER_READ_TIMEOUT_MS;
	d.idle_ms = w->idle_timeout_ms ? (int)w->idle_timeout_ms : WORKER_IDLE_TIMEOUT_MS;
	d.write_ms = w->write_timeout_ms ? (int)w->write_timeout_ms : WORKER_WRITE_TIMEOUT_MS;
	/* Where a call needs a logon, a connection without one is only a place
	 * held: it gets the logon deadline. */
	if (port == PORT_ICPR && (w->enforce_encryption || !w->allow_anonymous))
		d.logon = start + (int64_t)w->logon_deadline_s * 1000;
	for (;;) {
		ssize_t n;

		/* Logged on: no logon deadline, and never evicted for a newcomer. */
		if (!marked && auth.established) {
			marked = 1;
			d.logon = 0;
			slots_authenticated(&w->slots, ref);
		}
		switch (rpc_conn_next(&c, &ev)) {
		case RPC_EV_SEND:
			if ((n = send_some(fd, ev.data, ev.len, d.write_ms)) < 0) {
				log_info("%s: the answer could not be written in time: closing", peer);
				goto done;
			}
			rpc_conn_sent(&c, (size_t)n);
			break;
		case RPC_EV_NEED_INPUT:
			if (!wait_input(fd, &c, &d, &why)) {
				log_info("%s: timed out (%s)", peer, why);
				goto done;
			}
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				break;
			if (n <= 0 || rpc_conn_feed(&c, buf, (size_t)n) != 0)
				goto done;
			break;
		case RPC_EV_REQUEST:
			if (ev.req.iface->tag == IF_EPM)
				worker_epm_call(w, &c, &ev.req);
			else if (ev.req.iface->tag == IF_ICPR)
				worker_icpr_call(w, &c, &ev.req, &auth, peer);
			else
				worker_dcom_call(w, &c, &ev.req, &auth, peer, local);
			break;
		case RPC_EV_PENDING:
			/* Every call is answered before the handler returns: a call left
			 * unanswered is a bug here, and waiting would spin. */
			log_warnx("%s: a call was left unanswered: closing", peer);
			goto done;
		case RPC_EV_CLOSE:
			if (ev.close_reason != RPC_CLOSE_NONE)
				log_info("%s: closed: %s", peer, ev.msg);
			/* A refused verifier (bad signature, replay, another context id)
			 * is an attack or a broken client: journaled. */
			if (ev.close_reason == RPC_CLOSE_SECURITY)
				worker_auth_event(w, CUST_LOGON_RPC_VIOLATION, peer,
						  auth.established ? auth.identity : auth.claimed,
						  ev.msg);
			goto done;
		}
	}
done:
	rpc_conn_free(&c);
	worker_ntlm_free(&auth);
}
