/* ca-worker: the only network-facing process. It speaks DCE/RPC (firmware/rpc)
 * on the endpoint-mapper and MS-ICPR sockets cad hands it, turns each
 * CertServerRequest into a CUST_SUBMIT (the raw request, after fail-fast shape
 * and limit checks), CUST_REFUSED or CUST_RETRIEVE for the custodian,
 * and answers from what the custodian says. It holds no key, no credential and
 * no database, opens no file after start, and runs sandboxed (sandbox.c). */
#ifndef WORKER_WORKER_H
#define WORKER_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/conn.h"
#include "firmware/rpc/icpr_stub.h"
#include "firmware/worker/slots.h"
#include "firmware/x509/x509.h"
#include "platform/ipc_call.h"

/* Connection limits and deadlines: defaults, each settable in ca.conf (cad passes
 * them; firmware/supervisor/README.md names the keys). */
#define WORKER_MAX_CONNS 64          /* MS-ICPR pool (at most AUTH_MAX_CONTEXTS) */
#define WORKER_MAX_EPM_CONNS 32      /* endpoint-mapper pool */
#define WORKER_MAX_PER_ADDRESS 32    /* per client address, in each pool */
#define WORKER_IDLE_TIMEOUT_MS 60000 /* between calls */
#define WORKER_READ_TIMEOUT_MS 10000 /* a whole PDU or fragmented call, from its first byte */
#define WORKER_WRITE_TIMEOUT_MS 10000 /* a client that does not read its answer */
#define WORKER_LOGON_DEADLINE_S 10   /* from accept to a logon, where one is required */
#define WORKER_CONN_DEADLINE_S 300   /* a whole connection */
#define WORKER_MAX_CHAIN 8
#define WORKER_DCOM_ADDRESS_MAX 48 /* --dcom-address (ca.conf dcom_address): with "[65535]"
				    * it fits a binding (DCOM_ADDR_MAX) */

enum worker_port { PORT_EPM, PORT_ICPR };
/* The interfaces served (rpc_iface.tag): the endpoint-mapper port serves
 * epmapper and DCOM's activator and OXID resolver; the ICPR port serves
 * ICertPassage and the DCOM objects' interfaces (MS-WCCE's ICertRequestD/D2
 * and the exporter's IRemUnknown/IRemUnknown2). */
enum worker_if {
	IF_EPM = PORT_EPM,
	IF_ICPR = PORT_ICPR,
	IF_SCM,       /* IRemoteSCMActivator */
	IF_OXID,      /* IObjectExporter */
	IF_REMUNK,    /* IRemUnknown */
	IF_REMUNK2,   /* IRemUnknown2 */
	IF_CERTREQ,   /* ICertRequestD */
	IF_CERTREQ2,  /* ICertRequestD2 */
};

struct worker_ntlm;
struct dcom_table;

struct worker {
	struct ipc_caller custodian;
	struct ipc_caller auth;                /* ca-auth (NTLM), when have_auth */
	int have_auth;
	char ca_name[256];                     /* the CA certificate's common name */
	struct x509_buf chain[WORKER_MAX_CHAIN]; /* the CA certificate, then its parents */
	size_t n_chain;
	uint16_t icpr_port;
	uint16_t epm_port;                     /* for bind_ack's secondary address */
	int enforce_encryption;                /* IF_ENFORCEENCRYPTICERTREQUEST */
	int no_rpc;                            /* IF_NORPCICERTREQUEST: ICPR is off */
	int allow_anonymous;                   /* icpr_allow_anonymous: no logon needed */
	struct slots slots;                    /* connection pools (slots.h) */
	struct dcom_table *dcom;               /* DCOM objects (dcom_table.h): worker_dcom_init */
	char dcom_address[WORKER_DCOM_ADDRESS_MAX + 1]; /* announced first in OXID bindings; "" none */
	unsigned logon_deadline_s, conn_deadline_s;
	/* 0: WORKER_READ_TIMEOUT_MS, _IDLE_ and _WRITE_ (main.c leaves them so;
	 * the unit tests shorten them to test the deadlines in milliseconds). */
	unsigned read_timeout_ms, idle_timeout_ms, write_timeout_ms;
};

/* The worker's start-up (ca.c): CUST_GET_CA on w->custodian, then w->ca_name and
 * w->chain. 0; WORKER_CA_GONE with err when the channel failed (the custodian is
 * gone or refused to start: main exits through upstream_gone); -1 with err for an
 * answer that is unusable (a protocol violation or a bad CA certificate). */
#define WORKER_CA_GONE 1
int worker_load_ca(struct worker *w, char *err, size_t errlen);
/* Frees what worker_load_ca kept (the chain). */
void worker_free_ca(struct worker *w);

/* One accepted connection, served on its own thread (conn.c); ref is its slot. */
void worker_serve_conn(struct worker *w, int fd, enum worker_port port, const char *peer,
		       const struct slot_ref *ref);

/* CertServerRequest (icpr.c): answers the delivered call on c; a is the
 * connection's NTLM provider (its logon, if any). */
void worker_icpr_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
		      const struct worker_ntlm *a, const char *peer);

/* Where an enrollment call's answer goes: the connection, and the encoder of the
 * interface's response stub (CertServerRequest's, or ICertRequestD's Request and
 * Request2, which carry the same fields after an ORPCTHAT). encode returns 0, or
 * -1 (the call then gets the fault NCA_S_FAULT_NDR). */
struct worker_reply {
	struct rpc_conn *c;
	int (*encode)(const struct rpc_icpr_response *r, struct ndr_wr *w, void *arg);
	void *arg;
};
/* MS-WCCE's Request semantics for any interface (icpr.c): the access checks
 * (IF_NORPCICERTREQUEST, a logon, packet privacy), the authority, then a
 * retrieval (request id N, no request; pctbAttribs may hold a serial number) or
 * a submission, answered through out. q's pointers point into the call's stub. */
void worker_enroll(struct worker *w, const struct worker_reply *out,
		   const struct rpc_icpr_request *q, const struct worker_ntlm *a, const char *peer);
/* Who asks, as the custodian wants it (custodian/proto.h "who"): the token
 * ca-auth minted for the connection's logon, passed on unopened, or, without
 * a logon, "anonymous@ADDRESS". The worker names nobody itself. */
struct cust_who;
void worker_who(const struct worker_ntlm *a, const char *peer, struct cust_who *who);
/* MS-ICPR 3.2.4.1.1 and the appliance's rules, for every call that enrolls or
 * reads CA data: why the call is refused with E_ACCESSDENIED (written into
 * why), or NULL. The level is what the logon verified, never a PDU's claim. */
const char *worker_access_check(const struct worker *w, const struct worker_ntlm *a, char *why,
				size_t len);

/* The DCOM interfaces (dcom.c): activation and OXID resolution on the
 * endpoint-mapper port, IRemUnknown(2) and ICertRequestD/D2 on the ICPR port.
 * local is the address the client reached (what the bindings name). */
void worker_dcom_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
		      const struct worker_ntlm *a, const char *peer, const char *local);
/* 0 if s may be announced as a DCOM address (1..WORKER_DCOM_ADDRESS_MAX of
 * A-Z a-z 0-9 . - :), else -1. */
int worker_dcom_address_ok(const char *s);
/* The object table at its default limits (worker_setup calls it; a worker
 * without one faults every DCOM call). 0, or -1 with err. */
int worker_dcom_init(struct worker *w, char *err, size_t errlen);
void worker_dcom_free(struct worker *w);
/* ept_map (epm.c). */
void worker_epm_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req);

/* The interfaces served on each port; worker_ifaces_init fills their UUIDs and
 * the per-port lists. */
extern struct rpc_iface worker_icpr_iface, worker_epm_iface;
#define WORKER_EPM_N_IFACES 3
#define WORKER_ICPR_N_IFACES 5
extern struct rpc_iface worker_epm_ifaces[WORKER_EPM_N_IFACES];
extern struct rpc_iface worker_icpr_ifaces[WORKER_ICPR_N_IFACES];
void worker_ifaces_init(void);

/* Drops to user in the empty chroot dir (/var/empty when NULL; when user is
 * set), sets no_new_privs, and loads the seccomp allow-list (CONFIG_SECCOMP):
 * anything else kills (CONFIG_SECCOMP_LOG: is logged). 0, or -1 with err (main
 * ends the process with it). Irreversible: the tests call it in a child. */
int worker_sandbox(const char *user, const char *chroot_dir, char *err, size_t errlen);

#endif
