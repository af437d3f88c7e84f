/* The remote unknown's stubs: IRemUnknown (00000131-0000-0000-c000-
 * 000000000046 v0.0) and IRemUnknown2 (00000143-... v0.0), MS-DCOM 3.1.1.5.6
 * and 3.1.1.5.7: the ORPC interface through which a client asks an object
 * exporter for more interfaces and manages its references. Every request stub
 * starts with ORPCTHIS, every response stub with ORPCTHAT; the return value
 * is an HRESULT. Opnums 0..2 (IUnknown's) are never on the wire. Wire only:
 * which IPIDs exist is the worker's object table.
 *
 *	HRESULT RemQueryInterface([in] REFIPID ripid, [in] unsigned long cRefs,
 *		[in] unsigned short cIids, [in, size_is(cIids)] IID *iids,
 *		[out, size_is(, cIids)] REMQIRESULT **ppQIResults);                 opnum 3
 *	HRESULT RemAddRef([in] unsigned short cInterfaceRefs,
 *		[in, size_is(cInterfaceRefs)] REMINTERFACEREF InterfaceRefs[],
 *		[out, size_is(cInterfaceRefs)] HRESULT *pResults);                  opnum 4
 *	HRESULT RemRelease([in] unsigned short cInterfaceRefs,
 *		[in, size_is(cInterfaceRefs)] REMINTERFACEREF InterfaceRefs[]);    opnum 5
 *	HRESULT RemQueryInterface2([in] REFIPID ripid, [in] unsigned short cIids,
 *		[in, size_is(cIids)] IID *iids, [out, size_is(cIids)] HRESULT *phr,
 *		[out, size_is(cIids)] PMInterfacePointerInternal *ppMIF);           opnum 6
 *	typedef struct { HRESULT hResult; STDOBJREF std; } REMQIRESULT;
 *	typedef struct { IPID ipid; unsigned long cPublicRefs, cPrivateRefs; } REMINTERFACEREF;
 *
 * ppQIResults is a referent and a conformant array of REMQIRESULT (8-octet
 * aligned elements); ppMIF a conformant array of [unique] pointers followed
 * by the MInterfacePointers they point at. */
#ifndef RPC_DCOM_REMUNK_H
#define RPC_DCOM_REMUNK_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/dcom.h"
#include "firmware/rpc/ndr.h"
#include "firmware/rpc/uuid.h"

#define DCOM_REMUNK_OPNUM_QI 3
#define DCOM_REMUNK_OPNUM_ADDREF 4
#define DCOM_REMUNK_OPNUM_RELEASE 5
#define DCOM_REMUNK_OPNUM_QI2 6 /* IRemUnknown2 only */
#define DCOM_REMUNK_N_OPS 7     /* IRemUnknown2's; IRemUnknown's is 6 */

#define DCOM_REM_MAX 64 /* IIDs per query, references per AddRef/Release */

struct dcom_remref {
	struct rpc_uuid ipid;
	uint32_t public_refs, private_refs;
};

struct dcom_remunk_in {
	struct dcom_orpcthis orpc;
	struct rpc_uuid ipid;                  /* ripid: QI, QI2 */
	uint32_t refs;                         /* cRefs: QI */
	struct rpc_uuid iids[DCOM_REM_MAX];    /* QI, QI2 */
	size_t n_iids;
	struct dcom_remref irefs[DCOM_REM_MAX]; /* InterfaceRefs: AddRef, Release */
	size_t n_irefs;
};

/* Decodes the request stub of opnum 3..6 (others: -1; the caller faults
 * nca_s_op_rng_error before, and opnum 6 only on IRemUnknown2). Checked: the
 * ORPCTHIS (dcom_get_orpcthis; its version is the caller's to check with
 * dcom_version_check), each conformance count equal to its count parameter,
 * at most DCOM_REM_MAX IIDs or references, every octet present, at most 7
 * after the last parameter. A count of 0 is valid NDR and decodes (the
 * caller answers E_INVALIDARG). 0, or -1 with a message (in zeroed): the
 * caller faults NCA_S_FAULT_NDR. */
int dcom_remunk_decode(uint16_t opnum, const uint8_t *stub, size_t len,
		       struct dcom_remunk_in *in, char *err, size_t errlen);

struct dcom_remunk_out {
	uint32_t hr;                           /* the return value */
	size_t n;                              /* the request's n_iids (QI, QI2) or n_irefs (AddRef) */
	uint32_t results[DCOM_REM_MAX];        /* per IID or reference: 0 or an HRESULT */
	/* QI: results[i] == 0 -> std[i] is the new reference (else zeros go out).
	 * QI2: results[i] == 0 -> an OBJREF_STANDARD for iids[i] with std[i]
	 * and the resolver bindings `resolver`; else a NULL pointer. */
	struct dcom_stdobjref std[DCOM_REM_MAX];
	struct rpc_uuid iids[DCOM_REM_MAX];    /* QI2 */
	const struct dcom_bindings *resolver;  /* QI2: saResAddr of each OBJREF */
};

/* Encodes the response stub of opnum into w, which must be empty: ORPCTHAT,
 * the [out] parameters, hr. QI with hr != 0 sends a NULL ppQIResults; AddRef
 * and QI2 always send n entries (their arrays are [ref]: the count is the
 * request's; QI2's failed entries are NULL pointers). RemRelease has no
 * [out] parameter. 0, or -1 (an unknown opnum, n over DCOM_REM_MAX, a
 * missing resolver for a QI2 success, the writer's limit). */
int dcom_remunk_encode(uint16_t opnum, const struct dcom_remunk_out *out, struct ndr_wr *w);

#endif
