/* The client side of connection-oriented DCE/RPC over TCP (ncacn_ip_tcp), as
 * careq needs it: connect with a timeout, bind one interface with NDR 2.0 and no
 * authentication, call an operation (request cut into fragments the server
 * accepts, response fragments reassembled), close.
 *
 * firmware/rpc is the server's library: its constants, its NDR writer and its
 * header decoder are reused here; the PDUs a client sends (bind, request) and
 * reads (bind_ack, bind_nak, response, fault) are encoded and decoded in this
 * module. Everything the server sends is checked before use: frag_length against
 * what we offered to receive, call ids, flags, fragment order, every count
 * against the octets present, the total response against a cap. Each exchange
 * (connect, bind, call) has one deadline, so that a server that trickles octets
 * or sends endless empty fragments cannot hold the client past it. */
#ifndef CLIENT_RPC_CLIENT_H
#define CLIENT_RPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "firmware/rpc/ndr.h"
#include "firmware/rpc/ntlm_seal.h"
#include "firmware/rpc/uuid.h"

#define RPCC_ERR_LEN 256
#define RPCC_MAX_FRAG 5840         /* what we offer to send and receive (Windows' value) */
#define RPCC_MAX_STUB (1u << 20)   /* a reassembled response stub */

enum rpcc_status {
	RPCC_OK = 0,
	RPCC_ENET = -1,     /* connect, read or write failed, timed out, or EOF */
	RPCC_EPROTO = -2,   /* the server broke the protocol; or out of memory */
	RPCC_EREFUSED = -3, /* bind_nak, or the presentation context was rejected */
	RPCC_EFAULT = -4,   /* the call was answered with a fault (c->fault) */
};

/* Another kind of authentication than NTLM, whose provider makes every token
 * and protects every fragment itself (Kerberos inside SPNEGO, DCE style:
 * tests/bench/bench_krb.c). The legs: start()'s token in the bind; step()
 * takes the bind_ack's token and writes the next one, sent in an alter_context
 * (DCE style's third leg); done() takes the alter_context_resp's token and
 * says whether the context is complete. wrap/unwrap protect one fragment with
 * firmware/rpc/auth.h's layout (pdu[0..len) up to and including the
 * sec_trailer, the body at body_off, the verifier apart): wrap writes exactly
 * verifier_len octets; unwrap checks an incoming verifier of any length. Each
 * returns 0, or -1 (and writes err for the legs). */
struct rpcc_sec {
	uint8_t type;        /* the auth_type: RPC_AUTHN_GSS_NEGOTIATE ... */
	size_t verifier_len; /* of the protected fragments we send */
	int (*start)(void *arg, struct ndr_wr *tok, char *err, size_t errlen);
	int (*step)(void *arg, const uint8_t *in, size_t len, struct ndr_wr *tok, char *err,
		    size_t errlen);
	int (*done)(void *arg, const uint8_t *in, size_t len, char *err, size_t errlen);
	int (*wrap)(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		    uint8_t *verifier, size_t verifier_len);
	int (*unwrap)(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		      const uint8_t *verifier, size_t verifier_len);
};

/* An initiator for rpcc_bind_auth. NTLM (careq's is ntlm_init.c, on
 * gss-ntlmssp), when sec is NULL: start() writes the NEGOTIATE; finish() takes
 * the CHALLENGE, writes the AUTHENTICATE and gives the exported session key.
 * 0 or -1 with err. Otherwise sec's legs and protection, with arg. */
struct rpcc_auth {
	uint8_t level; /* RPC_AUTHN_LEVEL_CONNECT, _PKT_INTEGRITY or _PKT_PRIVACY */
	int (*start)(void *arg, struct ndr_wr *tok, char *err, size_t errlen);
	int (*finish)(void *arg, const uint8_t *challenge, size_t len, struct ndr_wr *tok,
		      uint8_t key[NTLM_KEY_LEN], char *err, size_t errlen);
	void *arg;
	const struct rpcc_sec *sec; /* NULL: NTLM (auth type 10) */
};

struct rpcc {
	int fd;
	int sealed;          /* requests and responses carry verifiers */
	uint8_t auth_level;  /* of the bind (0: none) */
	uint8_t auth_type;   /* of the bind: RPC_AUTHN_WINNT, or sec->type */
	uint32_t auth_ctx_id;
	struct ntlm_seal seal;       /* NTLM's */
	const struct rpcc_sec *sec;  /* or another provider's, with sec_arg */
	void *sec_arg;
	int timeout_ms;     /* for each exchange */
	uint16_t max_recv;  /* the max_recv_frag we offered: longer fragments are refused */
	uint16_t max_xmit;  /* request fragments we may send (after the bind) */
	uint32_t call_id;
	uint32_t fault;     /* status of the last fault (RPCC_EFAULT) */
	int has_object;     /* requests carry PFC_OBJECT_UUID and object (rpcc_set_object) */
	struct rpc_uuid object;
	char err[RPCC_ERR_LEN]; /* what went wrong, for the user */
};

/* Opens a TCP connection to sa within timeout_ms. max_recv is the max_recv_frag
 * to offer (RPC_FRAG_FLOOR .. RPCC_MAX_FRAG; 0: RPCC_MAX_FRAG). RPCC_OK or
 * RPCC_ENET (c->err says why; c->fd is then -1). */
int rpcc_connect(struct rpcc *c, const struct sockaddr *sa, socklen_t salen, int timeout_ms,
		 uint16_t max_recv);
/* Binds presentation context 0 to iface with NDR 2.0, unauthenticated. */
int rpcc_bind(struct rpcc *c, const struct rpc_syntax *iface);
/* The same with NTLM (auth type 10): NEGOTIATE in the bind, CHALLENGE in the
 * bind_ack, AUTHENTICATE in an auth3; then, at PKT_INTEGRITY and PKT_PRIVACY,
 * every request fragment is signed (and sealed) and every response fragment
 * verified (and unsealed) with firmware/rpc/ntlm_seal.c. RPCC_EREFUSED when
 * the server refuses the bind; a refused logon shows on the first call (fault
 * rpc_s_access_denied). With a->sec: auth type sec->type, its first token in
 * the bind, its second in an alter_context answered by an alter_context_resp
 * (a refused logon is then a fault there: RPCC_EFAULT), its wrap and unwrap
 * for every fragment at PKT_INTEGRITY and PKT_PRIVACY. */
int rpcc_bind_auth(struct rpcc *c, const struct rpc_syntax *iface, const struct rpcc_auth *a);
/* Calls opnum on context 0 with the request stub; the response stub goes into
 * out (reset first; at most RPCC_MAX_STUB octets). */
int rpcc_call(struct rpcc *c, uint16_t opnum, const uint8_t *stub, size_t len,
	      struct ndr_wr *out);
/* ORPC (DCOM): every later request carries PFC_OBJECT_UUID with object (the
 * IPID of the interface called); NULL goes back to plain requests. */
void rpcc_set_object(struct rpcc *c, const struct rpc_uuid *object);
void rpcc_close(struct rpcc *c);

/* "nca_s_op_rng_error" ... for a fault status, or NULL when it has no name here. */
const char *rpcc_fault_name(uint32_t status);

#endif
