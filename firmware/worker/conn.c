/* One client connection: read with timeouts, feed the DCE/RPC state machine,
 * write what it says, dispatch complete calls. Runs on its own thread. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

#define EPM_N_OPS 7
#define ICPR_N_OPS 1

struct rpc_iface worker_icpr_iface = {.n_ops = ICPR_N_OPS, .tag = PORT_ICPR,
				     .name = "ICertPassage"};
struct rpc_iface worker_epm_iface = {.n_ops = EPM_N_OPS, .tag = PORT_EPM, .name = "epmapper"};

void worker_ifaces_init(void)
{
	if (rpc_uuid_parse("91ae6020-9e3c-11cf-8d7c-00aa00c091be",
			   &worker_icpr_iface.syntax.uuid) != 0 ||
	    rpc_uuid_parse("e1af8308-5d1f-11c9-91a4-08002b14a0fa",
			   &worker_epm_iface.syntax.uuid) != 0)
		fatalx("bad interface UUID");
	worker_icpr_iface.syntax.major = 0;
	worker_epm_iface.syntax.major = 3;
}

/* Waits for input up to the timeout that applies; 1 readable, 0 timed out. */
static int wait_input(int fd, const struct rpc_conn *c)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int ms = rpc_conn_mid_call(c) ? WORKER_READ_TIMEOUT_MS : WORKER_IDLE_TIMEOUT_MS;
	int rc;

	while ((rc = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return rc > 0;
}

void worker_serve_conn(struct worker *w, int fd, enum worker_port port, const char *peer)
{
	struct rpc_conn_config cfg;
	struct worker_ntlm auth;
	struct rpc_conn c;
	struct rpc_event ev;
	uint8_t buf[16384];

	memset(&cfg, 0, sizeof(cfg));
	cfg.ifaces = port == PORT_EPM ? &worker_epm_iface : &worker_icpr_iface;
	cfg.n_ifaces = 1;
	cfg.port = port == PORT_EPM ? w->epm_port : w->icpr_port;
	worker_ntlm_init(&auth, w, peer);
	if (port == PORT_ICPR) { /* the endpoint mapper is always unauthenticated */
		cfg.auth_ops = &worker_ntlm_ops;
		cfg.auth_arg = &auth;
	}
	if (rpc_conn_init(&c, &cfg) != 0)
		fatalx("bad DCE/RPC configuration");
	for (;;) {
		ssize_t n;

		switch (rpc_conn_next(&c, &ev)) {
		case RPC_EV_SEND:
			n = write(fd, ev.data, ev.len);
			if (n < 0 && errno == EINTR)
				n = 0;
			if (n < 0)
				goto done;
			rpc_conn_sent(&c, (size_t)n);
			break;
		case RPC_EV_NEED_INPUT:
			if (!wait_input(fd, &c)) {
				log_info("%s: timed out", peer);
				goto done;
			}
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				break;
			if (n <= 0 || rpc_conn_feed(&c, buf, (size_t)n) != 0)
				goto done;
			break;
		case RPC_EV_REQUEST:
			if (ev.req.iface->tag == PORT_EPM)
				worker_epm_call(w, &c, &ev.req);
			else
				worker_icpr_call(w, &c, &ev.req, &auth, peer);
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
			if (ev.close_reason == RPC_CLOSE_SECURITY && port == PORT_ICPR)
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
