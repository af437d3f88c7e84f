/* Connection-oriented DCE/RPC PDUs (C706 chapter 12, with MS-RPCE 2.2.2).
 *
 * Decoding works on one whole PDU held in memory (frag_length octets, found by
 * rpc_hdr_decode on a stream) and produces views: pointers into that memory,
 * valid while it is. Every length is checked against the octets present before
 * it is used. Only little-endian / ASCII / IEEE data representations and
 * version 5.0 are accepted.
 *
 * Encoding appends whole PDUs to an ndr_wr (rpc/ndr.h); a response stub is cut
 * into as many fragments as the negotiated max_xmit_frag needs.
 *
 * Layout of a PDU with an authentication verifier (C706 13.2.6, MS-RPCE 2.2.2.11):
 *
 *   header | body (incl. auth_pad_length pad octets) | sec_trailer (8) | auth_value
 *                                                    ^ frag_length - auth_length - 8
 */
#ifndef RPC_PDU_H
#define RPC_PDU_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/ndr.h"
#include "firmware/rpc/uuid.h"

#define RPC_HDR_LEN 16      /* the common header */
#define RPC_REQ_HDR_LEN 24  /* request header without the object UUID */
#define RPC_RESP_HDR_LEN 24 /* response / fault header */
#define RPC_FAULT_LEN 32
#define RPC_SEC_TRAILER_LEN 8
#define RPC_MIN_FRAG 1432 /* C706 MustRecvFragSize: every peer takes fragments this big */

/* Packet types (C706 12.6.4, MS-RPCE 2.2.2). */
enum rpc_ptype {
	RPC_PT_REQUEST = 0,
	RPC_PT_RESPONSE = 2,
	RPC_PT_FAULT = 3,
	RPC_PT_BIND = 11,
	RPC_PT_BIND_ACK = 12,
	RPC_PT_BIND_NAK = 13,
	RPC_PT_ALTER_CONTEXT = 14,
	RPC_PT_ALTER_CONTEXT_RESP = 15,
	RPC_PT_AUTH3 = 16,
	RPC_PT_SHUTDOWN = 17,
	RPC_PT_CO_CANCEL = 18,
	RPC_PT_ORPHANED = 19,
};

/* pfc_flags */
#define RPC_PFC_FIRST_FRAG 0x01
#define RPC_PFC_LAST_FRAG 0x02
#define RPC_PFC_PENDING_CANCEL 0x04      /* requests and responses */
#define RPC_PFC_SUPPORT_HEADER_SIGN 0x04 /* bind, bind_ack, alter_context(_resp) */
#define RPC_PFC_CONC_MPX 0x10
#define RPC_PFC_DID_NOT_EXECUTE 0x20
#define RPC_PFC_MAYBE 0x40
#define RPC_PFC_OBJECT_UUID 0x80

/* p_cont_def_result_t (C706 12.6.3.1 + MS-RPCE 2.2.2.4) */
#define RPC_RESULT_ACCEPTANCE 0
#define RPC_RESULT_USER_REJECTION 1
#define RPC_RESULT_PROVIDER_REJECTION 2
#define RPC_RESULT_NEGOTIATE_ACK 3

/* p_provider_reason_t: why a presentation context was rejected in a bind_ack */
#define RPC_REASON_NOT_SPECIFIED 0
#define RPC_REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED 1
#define RPC_REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED 2
#define RPC_REASON_LOCAL_LIMIT_EXCEEDED 3

/* p_reject_reason_t: why a whole bind was refused with a bind_nak (C706 12.6.3.1,
 * MS-RPCE 2.2.2.5). Note that 1 here is temporary_congestion, which MS-RPCE
 * clients treat as "local limit exceeded, retry": not a way to say "unknown
 * interface". */
#define RPC_NAK_NOT_SPECIFIED 0
#define RPC_NAK_TEMPORARY_CONGESTION 1
#define RPC_NAK_LOCAL_LIMIT_EXCEEDED 2
#define RPC_NAK_PROTOCOL_VERSION_NOT_SUPPORTED 4
#define RPC_NAK_AUTHENTICATION_TYPE_NOT_RECOGNIZED 8
#define RPC_NAK_INVALID_CHECKSUM 9

/* BindTimeFeatureNegotiationBitmask bits (MS-RPCE 2.2.2.14) */
#define RPC_BTFN_SECURITY_CONTEXT_MULTIPLEXING 0x01
#define RPC_BTFN_KEEP_CONNECTION_ON_ORPHAN 0x02

/* Fault statuses (C706 appendix E, MS-RPCE 2.2.2.8 / MS-ERREF) */
#define RPC_S_ACCESS_DENIED 0x00000005u
#define RPC_S_SEC_PKG_ERROR 0x00000721u
#define NCA_S_FAULT_NDR 0x000006f7u /* rpc_x_bad_stub_data: the stub does not decode */
#define NCA_S_OP_RNG_ERROR 0x1c010002u
#define NCA_S_UNK_IF 0x1c010003u
#define NCA_S_PROTO_ERROR 0x1c01000bu
#define NCA_S_SERVER_TOO_BUSY 0x1c010014u

/* Authentication types and levels (MS-RPCE 2.2.1.1.7 and 2.2.1.1.8) */
#define RPC_AUTHN_NONE 0
#define RPC_AUTHN_GSS_NEGOTIATE 9
#define RPC_AUTHN_WINNT 10 /* NTLM */
#define RPC_AUTHN_GSS_KERBEROS 16
#define RPC_AUTHN_LEVEL_NONE 1
#define RPC_AUTHN_LEVEL_CONNECT 2
#define RPC_AUTHN_LEVEL_CALL 3
#define RPC_AUTHN_LEVEL_PKT 4
#define RPC_AUTHN_LEVEL_PKT_INTEGRITY 5
#define RPC_AUTHN_LEVEL_PKT_PRIVACY 6

/* ---- decoding ---- */

struct rpc_hdr {
	uint8_t vers, vers_minor, ptype, flags;
	uint8_t drep[4];
	uint16_t frag_len, auth_len;
	uint32_t call_id;
};

enum rpc_hdr_status {
	RPC_HDR_OK = 0,
	RPC_HDR_SHORT,   /* fewer than RPC_HDR_LEN octets: read more */
	RPC_HDR_VERSION, /* not 5.0 */
	RPC_HDR_DREP,    /* not little-endian / ASCII / IEEE */
	RPC_HDR_LENGTH,  /* frag_length below the header, or auth_length does not fit */
};

/* The common header at the start of a stream. With RPC_HDR_OK, frag_length is
 * at least RPC_HDR_LEN and leaves room for a sec_trailer and auth_length octets
 * when auth_length is not 0; the PDU may still be incomplete in the stream.
 * Other statuses come with a message in err (except RPC_HDR_SHORT); h is filled
 * as far as it could be read (ptype, call_id little-endian). */
enum rpc_hdr_status rpc_hdr_decode(const uint8_t *p, size_t len, struct rpc_hdr *h, char *err,
				   size_t errlen);

/* The sec_trailer and the auth_value after it. */
struct rpc_sec_trailer {
	uint8_t auth_type, auth_level, auth_pad_len, auth_reserved;
	uint32_t auth_context_id;
};

struct rpc_auth {
	struct rpc_sec_trailer t;
	const uint8_t *value; /* auth_length octets */
	size_t value_len;
};

/* One whole PDU split into header, body and optional authentication. */
struct rpc_pdu {
	struct rpc_hdr hdr;
	const uint8_t *pdu;   /* the PDU itself (hdr.frag_len octets) */
	const uint8_t *body;  /* after the 16-octet header: pad octets included, */
	size_t body_len;      /* sec_trailer and auth_value excluded */
	int has_auth;         /* auth_length > 0 */
	struct rpc_auth auth; /* when has_auth */
};

/* p must hold exactly one PDU (len == frag_length, as rpc_hdr_decode found).
 * Checks the header again and, with auth_length > 0, that the sec_trailer is
 * 4-aligned, follows at least the type's fixed fields, and that auth_pad_length
 * fits in the body. 0, or -1 with a message. */
int rpc_pdu_decode(const uint8_t *p, size_t len, struct rpc_pdu *pdu, char *err, size_t errlen);

/* bind and alter_context bodies. */
struct rpc_bind {
	uint16_t max_xmit_frag, max_recv_frag;
	uint32_t assoc_group_id;
	unsigned n_ctx;       /* p_cont_elem entries */
	const uint8_t *ctx;   /* the validated p_cont_elem array */
	size_t ctx_len;
};

struct rpc_ctx_elem {
	uint16_t ctx_id;
	unsigned n_transfer; /* at least 1 */
	struct rpc_syntax abstract;
	const uint8_t *transfer; /* n_transfer wire syntaxes of RPC_SYNTAX_LEN octets */
};

/* A bind or alter_context PDU's body: every p_cont_elem with n_transfer_syn >= 1
 * and all its syntaxes present. 0, or -1 with a message. */
int rpc_bind_decode(const struct rpc_pdu *pdu, struct rpc_bind *b, char *err, size_t errlen);
/* Walks the validated list: *off starts at 0. 1 with *e, 0 after the last. */
int rpc_bind_next_ctx(const struct rpc_bind *b, size_t *off, struct rpc_ctx_elem *e);
void rpc_ctx_transfer(const struct rpc_ctx_elem *e, unsigned i, struct rpc_syntax *s);

/* A request PDU's fixed fields and stub (auth pad removed). */
struct rpc_request_pdu {
	uint32_t alloc_hint;
	uint16_t ctx_id, opnum;
	int has_object;
	struct rpc_uuid object;
	const uint8_t *stub;
	size_t stub_len;
	size_t stub_off; /* offset of the stub in the PDU (for sign/seal hooks) */
};

int rpc_request_decode(const struct rpc_pdu *pdu, struct rpc_request_pdu *r, char *err,
		       size_t errlen);

/* auth3 (MS-RPCE 2.2.2.10): 4 pad octets and a mandatory verifier. co_cancel and
 * orphaned: nothing but the header (and an optional verifier). 0 or -1. */
int rpc_auth3_check(const struct rpc_pdu *pdu, char *err, size_t errlen);
int rpc_cancel_check(const struct rpc_pdu *pdu, char *err, size_t errlen);

/* ---- encoding ---- */

/* One p_result_t. */
struct rpc_result {
	uint16_t result, reason; /* for RPC_RESULT_NEGOTIATE_ACK, reason is the feature bitmask */
	struct rpc_syntax transfer; /* zeros unless accepted */
};

struct rpc_ack {
	uint8_t ptype; /* RPC_PT_BIND_ACK or RPC_PT_ALTER_CONTEXT_RESP */
	uint8_t flags; /* added to FIRST|LAST (e.g. RPC_PFC_SUPPORT_HEADER_SIGN) */
	uint32_t call_id;
	uint16_t max_xmit_frag, max_recv_frag;
	uint32_t assoc_group_id;
	const char *sec_addr; /* port_spec, e.g. "135"; NULL or "" for none (length 0) */
	const struct rpc_result *results;
	unsigned n_results; /* <= 255 */
	const struct rpc_auth *auth; /* NULL: no verifier; else trailer (pad set here) + token */
};

/* Appends a bind_ack or alter_context_resp. 0, or -1 (writer limit, or a field
 * that cannot be encoded: sec_addr over 255 octets, too many results, a PDU over
 * 65535 octets). */
int rpc_encode_ack(struct ndr_wr *w, const struct rpc_ack *a);
/* Appends a bind_nak naming 5.0 as the supported version. */
int rpc_encode_bind_nak(struct ndr_wr *w, uint32_t call_id, uint16_t reason);
/* Appends a fault; flags are added to FIRST|LAST (RPC_PFC_DID_NOT_EXECUTE). */
int rpc_encode_fault(struct ndr_wr *w, uint32_t call_id, uint16_t ctx_id, uint32_t status,
		     uint8_t flags);

/* How response fragments are protected (NULL = not at all). The hook sees the
 * whole fragment with final lengths, header to sec_trailer, and must fill the
 * verifier (and may encrypt the body in place): see rpc/auth.h. */
typedef int (*rpc_wrap_fn)(void *arg, uint8_t *pdu, size_t len, size_t body_off,
			   size_t body_len, uint8_t *verifier, size_t verifier_len);
struct rpc_wrap {
	rpc_wrap_fn fn;
	void *arg;
	struct rpc_sec_trailer t; /* type, level, context id (pad is set per fragment) */
	size_t verifier_len;
};

/* Appends the response PDUs for stub: fragments of at most max_xmit_frag octets
 * (>= RPC_RESP_HDR_LEN + 8 + protection overhead), FIRST on the first, LAST on
 * the last, alloc_hint = the stub octets from this fragment on. Fragment stubs
 * are multiples of 8 octets (16 when protected) except the last, so that NDR
 * alignment and the 16-octet auth padding never straddle a fragment. An empty
 * stub gives one fragment. 0, or -1 (writer limit, hook failure). */
int rpc_encode_response(struct ndr_wr *w, uint32_t call_id, uint16_t ctx_id,
			const uint8_t *stub, size_t len, uint16_t max_xmit_frag,
			const struct rpc_wrap *wrap);

const char *rpc_ptype_name(uint8_t ptype);

#endif
