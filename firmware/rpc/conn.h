/* One server-side DCE/RPC connection (ncacn_ip_tcp) as a state machine without
 * I/O: the caller feeds it the octets it reads and acts on the events it returns.
 * No sockets, no threads, no clock: the worker owns those (and the timeouts).
 *
 *	struct rpc_conn c;
 *	struct rpc_event ev;
 *
 *	rpc_conn_init(&c, &cfg);
 *	for (;;) {
 *		switch (rpc_conn_next(&c, &ev)) {
 *		case RPC_EV_SEND:       // write ev.data/ev.len, then say how much went
 *			n = write(fd, ev.data, ev.len); rpc_conn_sent(&c, n); break;
 *		case RPC_EV_NEED_INPUT: // read, then feed (EOF: just stop)
 *			n = read(fd, buf, sizeof buf); rpc_conn_feed(&c, buf, n); break;
 *		case RPC_EV_REQUEST:    // a whole call: answer it, now or later
 *			rpc_conn_respond(&c, out, out_len) or rpc_conn_fault(&c, status); break;
 *		case RPC_EV_PENDING:    // (asynchronous callers) the call is not answered yet
 *			break;
 *		case RPC_EV_CLOSE:      // ev.close_reason, ev.msg: log, close
 *			goto done;
 *		}
 *	}
 *	done: rpc_conn_free(&c);
 *
 * What it does (C706 chapter 11/12, MS-RPCE 3.3): bind / alter_context with
 * presentation context negotiation (NDR 2.0 accepted; NDR64 and everything else
 * rejected with proposed_transfer_syntaxes_not_supported; bind-time feature
 * negotiation answered negotiate_ack), max_xmit/max_recv_frag negotiated down
 * to the configured limit, requests reassembled from fragments (one call at a
 * time: PFC_CONC_MPX is not offered, so a client waits for each answer),
 * responses cut into fragments, faults, auth3, orphaned and co_cancel.
 *
 * Misbehaviour and what the peer gets before the connection closes:
 *   - bind to no interface served here: bind_nak (reason_not_specified)
 *   - a second bind, a malformed bind, a bind over a limit: bind_nak
 *   - version other than 5.0 on a bind: bind_nak protocol_version_not_supported
 *   - other data representations, other versions on other PDUs: nothing
 *   - malformed or out-of-order requests and fragments (a middle fragment with
 *     no call, another call_id, opnum or context changing inside a call, a
 *     fragment over max_recv_frag, a call over max_stub), alter_context before
 *     bind, PDU types a client does not send: fault nca_s_proto_error
 *   - auth3 / orphaned / co_cancel that do not decode: nothing
 * Kept open: a request on a context that was not accepted gets the fault
 * nca_s_unk_if (DID_NOT_EXECUTE) and the connection goes on. An unknown opnum is
 * the caller's to refuse: rpc_request_opnum_ok() then rpc_conn_fault(&c,
 * NCA_S_OP_RNG_ERROR).
 *
 * Authentication: see rpc/auth.h (no provider in this issue; what the client
 * asked for is in rpc_conn_auth()). */
#ifndef RPC_CONN_H
#define RPC_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/auth.h"
#include "firmware/rpc/ndr.h"
#include "firmware/rpc/pdu.h"
#include "firmware/rpc/uuid.h"

#define RPC_MAX_IFACES 6      /* interfaces one connection serves */
#define RPC_MAX_CONTEXTS 16   /* presentation contexts accepted per connection */
#define RPC_MAX_BIND_CTX 32   /* p_cont_elem entries in one bind/alter_context */
#define RPC_FRAG_FLOOR 256    /* smallest max_xmit/max_recv_frag a client may offer */
#define RPC_DEFAULT_MAX_FRAG 5840        /* Windows' ncacn_ip_tcp value */
#define RPC_DEFAULT_MAX_STUB (1u << 20)  /* a reassembled request, a response */
#define RPC_DEFAULT_MAX_RX (64u * 1024u) /* input buffered ahead of processing */
#define RPC_DEFAULT_ASSOC_GROUP 0x000053f0u
#define RPC_MSG_LEN 192
/* What the bind-time feature negotiation answers: a connection survives an
 * orphaned PDU (the partial call is dropped); no security context multiplexing. */
#define RPC_BTFN_SUPPORTED RPC_BTFN_KEEP_CONNECTION_ON_ORPHAN
#define NCA_S_OUT_ARGS_TOO_BIG 0x1c010013u

/* An interface served on the connection's port. */
struct rpc_iface {
	struct rpc_syntax syntax; /* UUID and version: binds need the same major, a minor <= */
	uint16_t n_ops;           /* opnums 0 .. n_ops - 1 exist */
	int tag;                  /* the caller's own identifier, handed back in requests */
	const char *name;         /* for messages */
};

struct rpc_conn_config {
	const struct rpc_iface *ifaces; /* not copied: must outlive the connection */
	size_t n_ifaces;                /* 1 .. RPC_MAX_IFACES */
	uint16_t port;            /* local port: the bind_ack secondary address ("135"); 0: none */
	uint32_t assoc_group_id;  /* given to binds that ask for a new association; 0: default */
	uint16_t max_frag;        /* our max_xmit/max_recv_frag; 0: RPC_DEFAULT_MAX_FRAG */
	uint32_t max_stub;        /* request and response stub cap; 0: RPC_DEFAULT_MAX_STUB */
	uint32_t max_rx;          /* buffered input cap (>= max_frag); 0: RPC_DEFAULT_MAX_RX */
	const struct rpc_auth_ops *auth_ops; /* NULL in this issue (rpc/auth.h) */
	void *auth_arg;
};

enum rpc_ev {
	RPC_EV_NEED_INPUT, /* nothing to do until more octets are fed */
	RPC_EV_SEND,       /* write ev.data (ev.len octets), then rpc_conn_sent() */
	RPC_EV_REQUEST,    /* ev.req is a whole call: answer it with respond or fault */
	RPC_EV_PENDING,    /* the call delivered is not answered yet (input is buffered) */
	RPC_EV_CLOSE,      /* close the connection: all output has been handed out */
};

enum rpc_close_reason {
	RPC_CLOSE_NONE = 0,
	RPC_CLOSE_PROTOCOL,    /* a PDU broke the protocol (malformed, out of order) */
	RPC_CLOSE_UNSUPPORTED, /* a version or data representation not spoken here */
	RPC_CLOSE_REFUSED,     /* a bind refused with a bind_nak */
	RPC_CLOSE_LIMIT,       /* a fragment, call, bind or buffering limit */
	RPC_CLOSE_SECURITY,    /* an auth leg or a verifier was refused */
	RPC_CLOSE_NOMEM,
};

/* A complete call. */
struct rpc_request {
	uint32_t call_id;
	uint16_t ctx_id, opnum;
	const struct rpc_iface *iface; /* the interface bound to ctx_id (in cfg.ifaces) */
	int has_object;                /* PFC_OBJECT_UUID */
	struct rpc_uuid object;
	const uint8_t *stub;           /* valid until the call is answered or c freed */
	size_t stub_len;
	/* What the call's first sec_trailer says (0, 0 without one). A claim, not a
	 * proof: only with a provider that is established (rpc_conn_auth()) was every
	 * fragment verified at that level. */
	uint8_t auth_type, auth_level;
};

struct rpc_event {
	enum rpc_ev kind;
	const uint8_t *data; /* RPC_EV_SEND: valid until the next call on the conn */
	size_t len;
	struct rpc_request req; /* RPC_EV_REQUEST */
	enum rpc_close_reason close_reason; /* RPC_EV_CLOSE */
	const char *msg;     /* RPC_EV_CLOSE: why, for the log */
};

/* The connection. Allocate it anywhere; its fields are private. */
struct rpc_conn_ctx {
	uint16_t id;
	const struct rpc_iface *iface;
};

struct rpc_conn {
	struct rpc_conn_config cfg;
	int state;
	uint16_t max_xmit, max_recv; /* negotiated: what we send, what we take */
	uint32_t assoc_group_id;
	uint8_t features;            /* negotiated BindTimeFeatureNegotiation bits */
	char port_str[8];
	struct rpc_conn_ctx ctx[RPC_MAX_CONTEXTS];
	unsigned n_ctx;
	struct rpc_conn_auth auth;
	struct ndr_wr rx, tx; /* input not yet processed (from rx_off), output not yet sent */
	size_t rx_off, tx_off;
	struct ndr_wr stub;   /* the call being reassembled */
	struct {
		int active;      /* a first fragment was taken */
		int delivered;   /* handed out as RPC_EV_REQUEST, not answered yet */
		int maybe;       /* PFC_MAYBE: no answer is sent */
		uint32_t call_id;
		uint16_t ctx_id, opnum;
		const struct rpc_iface *iface;
		int has_object;
		struct rpc_uuid object;
		uint8_t auth_type, auth_level;
	} call;
	int discard;          /* dropping the rest of a refused call: */
	uint32_t discard_id;  /* its call_id */
	enum rpc_close_reason close_reason;
	char msg[RPC_MSG_LEN];
};

/* 0, or -1 if the configuration is unusable (no interface, too many, limits
 * out of range: max_frag < RPC_FRAG_FLOOR, max_rx < max_frag). */
int rpc_conn_init(struct rpc_conn *c, const struct rpc_conn_config *cfg);
void rpc_conn_free(struct rpc_conn *c);

/* Octets read from the peer. 0, or -1 if the connection is closing or the
 * octets would exceed max_rx (the connection then closes, RPC_CLOSE_LIMIT). */
int rpc_conn_feed(struct rpc_conn *c, const void *p, size_t n);
/* The next thing to do. SEND comes first whenever output is waiting (so a
 * bind_nak or fault goes out before the CLOSE that follows it). */
enum rpc_ev rpc_conn_next(struct rpc_conn *c, struct rpc_event *ev);
/* n octets of the last SEND were written (n <= ev.len). */
void rpc_conn_sent(struct rpc_conn *c, size_t n);

/* Answers the delivered call with its response stub (fragmented to the
 * negotiated max_xmit_frag). 0; -1 if no call is waiting or the stub is over
 * max_stub (the call then gets the fault nca_s_out_args_too_big) or memory ran
 * out (the connection closes). */
int rpc_conn_respond(struct rpc_conn *c, const uint8_t *stub, size_t len);
/* Answers the delivered call with a fault (PFC_DID_NOT_EXECUTE): e.g.
 * NCA_S_OP_RNG_ERROR, NCA_S_FAULT_NDR, RPC_S_ACCESS_DENIED. 0, or -1 if no call
 * is waiting. */
int rpc_conn_fault(struct rpc_conn *c, uint32_t status);

/* 1 if the request's opnum exists in its interface (n_ops). */
int rpc_request_opnum_ok(const struct rpc_request *r);

/* What the client asked for in its binds (auth type 10 = NTLM ...). */
const struct rpc_conn_auth *rpc_conn_auth(const struct rpc_conn *c);
/* Negotiated fragment sizes and features (0 before a bind). */
uint16_t rpc_conn_max_xmit(const struct rpc_conn *c);
uint16_t rpc_conn_max_recv(const struct rpc_conn *c);
uint8_t rpc_conn_features(const struct rpc_conn *c);
/* 1 while a PDU or a fragmented call is partly received: the worker's read
 * timeout applies then, its idle timeout otherwise. */
int rpc_conn_mid_call(const struct rpc_conn *c);

#endif
