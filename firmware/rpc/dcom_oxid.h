/* The OXID resolver's stubs: IObjectExporter (99fcfec4-5260-101b-bbcb-
 * 00aa0021347a v0.0, MS-DCOM 3.1.2.5.1), the native RPC interface (not ORPC:
 * no ORPCTHIS, no ORPCTHAT) a DCOM client calls on the endpoint-mapper port to
 * find where an OXID's objects live and to keep its objects alive. Wire only:
 * which OXIDs, sets and OIDs exist is the worker's object table.
 *
 *	error_status_t ResolveOxid([in] OXID *pOxid, [in] unsigned short cRequestedProtseqs,
 *		[in, ref, size_is(cRequestedProtseqs)] unsigned short arRequestedProtseqs[],
 *		[out, ref] DUALSTRINGARRAY **ppdsaOxidBindings,
 *		[out, ref] IPID *pipidRemUnknown, [out, ref] DWORD *pAuthnHint);   opnum 0
 *	error_status_t SimplePing([in] SETID *pSetId);                             opnum 1
 *	error_status_t ComplexPing([in, out] SETID *pSetId, [in] unsigned short SequenceNum,
 *		[in] unsigned short cAddToSet, [in] unsigned short cDelFromSet,
 *		[in, unique, size_is(cAddToSet)] OID AddToSet[],
 *		[in, unique, size_is(cDelFromSet)] OID DelFromSet[],
 *		[out] unsigned short *pPingBackoffFactor);                          opnum 2
 *	error_status_t ServerAlive(void);                                           opnum 3
 *	error_status_t ResolveOxid2(... as ResolveOxid ..., [out, ref] COMVERSION *pComVersion);
 *	                                                                            opnum 4
 *	error_status_t ServerAlive2([out, ref] COMVERSION *pComVersion,
 *		[out, ref] DUALSTRINGARRAY **ppdsaOrBindings, [out, ref] DWORD *pReserved);
 *	                                                                            opnum 5
 * OXID, OID and SETID are hypers (8-octet aligned). [ref] pointers are not on
 * the wire; ppdsa* are a referent (0 = NULL) and the conformant DUALSTRINGARRAY. */
#ifndef RPC_DCOM_OXID_H
#define RPC_DCOM_OXID_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/dcom.h"
#include "firmware/rpc/ndr.h"
#include "firmware/rpc/uuid.h"

#define DCOM_OXID_OPNUM_RESOLVE_OXID 0
#define DCOM_OXID_OPNUM_SIMPLE_PING 1
#define DCOM_OXID_OPNUM_COMPLEX_PING 2
#define DCOM_OXID_OPNUM_SERVER_ALIVE 3
#define DCOM_OXID_OPNUM_RESOLVE_OXID2 4
#define DCOM_OXID_OPNUM_SERVER_ALIVE2 5
#define DCOM_OXID_N_OPS 6

#define DCOM_PING_MAX_OIDS 256     /* each of ComplexPing's add and delete lists */
#define DCOM_OXID_MAX_PROTSEQS 16  /* ResolveOxid's requested protocol sequences */

/* A request's [in] parameters; which fields mean something depends on the
 * opnum (the others are 0). */
struct dcom_oxid_in {
	uint64_t oxid;                                 /* ResolveOxid, ResolveOxid2 */
	uint16_t protseqs[DCOM_OXID_MAX_PROTSEQS];     /* arRequestedProtseqs (7: ncacn_ip_tcp) */
	size_t n_protseqs;
	uint64_t setid;                                /* SimplePing, ComplexPing (0: a new set) */
	uint16_t sequence;                             /* ComplexPing's SequenceNum */
	uint64_t add[DCOM_PING_MAX_OIDS];              /* ComplexPing's AddToSet */
	size_t n_add;
	uint64_t del[DCOM_PING_MAX_OIDS];              /* ComplexPing's DelFromSet */
	size_t n_del;
};

/* Decodes the request stub of opnum (< DCOM_OXID_N_OPS; the caller faults
 * nca_s_op_rng_error for others). Checked: every octet present, each
 * conformance count equal to its count parameter, at most
 * DCOM_OXID_MAX_PROTSEQS protseqs and DCOM_PING_MAX_OIDS OIDs per list, a
 * NULL OID list only with a count of 0, at most 7 octets after the last
 * parameter. 0, or -1 with a message (in zeroed): the caller faults
 * NCA_S_FAULT_NDR. */
int dcom_oxid_decode(uint16_t opnum, const uint8_t *stub, size_t len, struct dcom_oxid_in *in,
		     char *err, size_t errlen);

/* A response's [out] parameters and the status. */
struct dcom_oxid_out {
	uint32_t status;                        /* error_status_t: 0, DCOM_OR_INVALID_* ... */
	/* ResolveOxid, ResolveOxid2: */
	const struct dcom_bindings *oxid_bindings; /* *ppdsaOxidBindings (NULL: a NULL pointer) */
	struct rpc_uuid ipid_remunknown;        /* *pipidRemUnknown */
	uint32_t authn_hint;                    /* *pAuthnHint (an RPC_C_AUTHN_LEVEL_*) */
	/* ResolveOxid2, ServerAlive2: */
	uint16_t com_major, com_minor;          /* *pComVersion */
	/* ServerAlive2: */
	const struct dcom_bindings *or_bindings; /* *ppdsaOrBindings (NULL: a NULL pointer) */
	/* ComplexPing: */
	uint64_t setid;                         /* *pSetId */
	uint16_t backoff;                       /* *pPingBackoffFactor */
};

/* Encodes the response stub of opnum into w, which must be empty. With a
 * status other than 0 the bindings go out as NULL pointers and the other
 * [out] values as zeros whatever out holds (MS-DCOM: a failed call's [out]
 * parameters mean nothing; nothing of the table leaks through them).
 * ServerAlive2's pReserved is 0. 0, or -1 (an unknown opnum, a binding that
 * does not encode, the writer's limit). */
int dcom_oxid_encode(uint16_t opnum, const struct dcom_oxid_out *out, struct ndr_wr *w);

#endif
