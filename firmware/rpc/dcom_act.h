/* IRemoteSCMActivator (MS-DCOM 3.1.2.5.2; 000001a0-0000-0000-c000-000000000046
 * v0.0): the activation codec. Opnum 3 RemoteGetClassObject and opnum 4
 * RemoteCreateInstance carry their request in an activation properties BLOB
 * (MS-DCOM 2.2.22) inside an OBJREF_CUSTOM of CLSID_ActivationPropertiesIn,
 * and their answer in one of CLSID_ActivationPropertiesOut. Opnums 0..2 do not
 * exist (the caller faults nca_s_op_rng_error).
 *
 * Request (after ORPCTHIS and, for opnum 4, pUnkOuter):
 *	[in, unique] MInterfacePointer *pActProperties
 *	  -> OBJREF_CUSTOM { clsid, cbExtension, reserved, pObjectData }
 *	  -> ActivationPropertiesBlob { dwSize, dwReserved, CustomHeader, properties }
 * CustomHeader and every property are NDR type serialization version 1
 * streams (MS-RPCE 2.2.6: an 8-octet common header, an 8-octet private header
 * with the object buffer length, then the NDR data aligned from the stream's
 * start); the header's pSizes give each property's length. Read here:
 * InstantiationInfoData (classId, pIID, clientCOMVersion) and
 * ScmRequestInfoData (remoteRequest's protseqs); every other property is
 * skipped by its size.
 *
 * Response: ORPCTHAT, [out] MInterfacePointer **ppActProperties (a unique
 * pointer: NULL when the call fails), the HRESULT. The BLOB holds
 * PropsOutInfo (per IID: HRESULT and an OBJREF_STANDARD) and ScmReplyInfoData
 * (the OXID, its bindings, the IRemUnknown IPID, the authentication level
 * hint, the server's COMVERSION), in that order (impacket reads them by
 * position). */
#ifndef RPC_DCOM_ACT_H
#define RPC_DCOM_ACT_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/dcom.h"
#include "firmware/rpc/ndr.h"
#include "firmware/rpc/uuid.h"

#define DCOM_ACT_OPNUM_GETCLASSOBJECT 3
#define DCOM_ACT_OPNUM_CREATEINSTANCE 4

#define DCOM_ACT_MAX_IIDS 8
#define DCOM_ACT_MAX_PROTSEQS 16
#define DCOM_ACT_MAX_PROPS 10        /* MAX_ACTPROP_LIMIT (MS-DCOM 2.2.28.1) */
#define DCOM_ACT_MAX_BLOB 32768      /* octets of pActProperties accepted */

#define DCOM_CLASS_E_NOAGGREGATION 0x80040110u
#define DCOM_RPC_C_AUTHN_LEVEL_PKT_PRIVACY 6u

/* The identifiers of the activation properties (wire order). */
extern const struct rpc_uuid dcom_clsid_activation_in;   /* 00000338-0000-0000-c000-000000000046 */
extern const struct rpc_uuid dcom_clsid_activation_out;  /* 00000339-...: also CLSID_PropsOutInfo */
extern const struct rpc_uuid dcom_iid_iactpropsout;      /* 000001a3-0000-0000-c000-000000000046 */
extern const struct rpc_uuid dcom_clsid_instantiation;   /* 000001ab-... InstantiationInfoData */
extern const struct rpc_uuid dcom_clsid_scm_request;     /* 000001aa-... ScmRequestInfoData */
extern const struct rpc_uuid dcom_clsid_scm_reply;       /* 000001b6-... ScmReplyInfoData */

struct dcom_act_in {
	struct dcom_orpcthis orpc;
	struct rpc_uuid clsid;                      /* InstantiationInfoData.classId */
	struct rpc_uuid iids[DCOM_ACT_MAX_IIDS];    /* pIID */
	size_t n_iids;                              /* 1..DCOM_ACT_MAX_IIDS */
	uint16_t protseqs[DCOM_ACT_MAX_PROTSEQS];   /* ScmRequestInfoData.remoteRequest */
	size_t n_protseqs;                          /* 0 when no ScmRequestInfoData came */
	uint16_t client_major, client_minor;        /* InstantiationInfoData.clientCOMVersion */
};

/* Decodes an opnum 3 or 4 request stub into in. 0, or -1 with err and *hr:
 * *hr == 0 when the stub is not valid NDR (the caller faults
 * nca_s_fault_ndr), else the HRESULT to answer with: pUnkOuter not NULL ->
 * DCOM_CLASS_E_NOAGGREGATION; pActProperties NULL, not an OBJREF_CUSTOM of
 * CLSID_ActivationPropertiesIn, a BLOB whose counts or sizes do not fit, no
 * InstantiationInfoData, a property twice, no IID or more than
 * DCOM_ACT_MAX_IIDS, more than DCOM_ACT_MAX_PROTSEQS -> DCOM_E_INVALIDARG.
 * COM versions are not judged here (dcom_version_check, client_major/minor). */
int dcom_act_decode(uint16_t opnum, const uint8_t *stub, size_t len, struct dcom_act_in *in,
		    uint32_t *hr, char *err, size_t errlen);

struct dcom_act_out {
	uint32_t hr;                             /* the call's return value; 0 => the rest is used */
	uint64_t oxid;
	struct rpc_uuid ipid_remunknown;         /* the OXID's IRemUnknown2 IPID */
	uint32_t authn_hint;                     /* DCOM_RPC_C_AUTHN_LEVEL_PKT_PRIVACY */
	const struct dcom_bindings *oxid_bindings; /* ScmReplyInfoData.pdsaOxidBindings */
	size_t n_ifaces;                         /* = in.n_iids, 1..DCOM_ACT_MAX_IIDS */
	struct rpc_uuid iids[DCOM_ACT_MAX_IIDS];
	uint32_t iface_hr[DCOM_ACT_MAX_IIDS];    /* per IID: 0, or e.g. DCOM_E_NOINTERFACE */
	struct dcom_stdobjref std[DCOM_ACT_MAX_IIDS]; /* used where iface_hr is 0 */
	const struct dcom_bindings *resolver;    /* saResAddr inside each OBJREF_STANDARD */
};

/* The response stub for opnum 3 or 4: ORPCTHAT, ppActProperties (NULL when
 * out->hr != 0), out->hr. w must be empty. 0, or -1 (bad opnum, counts or
 * bindings, w's limit). */
int dcom_act_encode(uint16_t opnum, const struct dcom_act_out *out, struct ndr_wr *w);

/* ---- the client's side (careq, the bench) ---- */

/* Writes an opnum 3 or 4 request stub as Windows and impacket build it:
 * ORPCTHIS (in->orpc's version, flags and cid, no extensions), for opnum 4 a
 * NULL pUnkOuter, then pActProperties: an OBJREF_CUSTOM of
 * CLSID_ActivationPropertiesIn whose BLOB holds InstantiationInfoData
 * (in->clsid, in->iids, in->client_major/minor, CLSCTX_REMOTE_SERVER),
 * ActivationContextInfoData (no contexts), LocationInfoData (machineName NULL)
 * and ScmRequestInfoData (in->protseqs; 7 is ncacn_ip_tcp). w must be empty.
 * 0, or -1 (no IID or too many, too many protseqs, w's limit). */
int dcom_act_encode_in(uint16_t opnum, const struct dcom_act_in *in, struct ndr_wr *w);

/* An activation answer as a client reads it (everything copied out: nothing
 * points into the stub). */
struct dcom_act_reply {
	uint32_t hr;                    /* the return value; when not 0 nothing else is set */
	uint64_t oxid;
	struct rpc_uuid ipid_remunknown;
	uint32_t authn_hint;
	uint16_t server_major, server_minor; /* ScmReplyInfoData's serverVersion */
	struct dcom_bindings oxid_bindings;  /* the first DCOM_MAX_BINDINGS of each list */
	size_t n_ifaces;
	struct rpc_uuid iids[DCOM_ACT_MAX_IIDS];
	uint32_t iface_hr[DCOM_ACT_MAX_IIDS];
	struct dcom_stdobjref std[DCOM_ACT_MAX_IIDS]; /* set where iface_hr is 0 */
};

/* Reads the answer stub of opnum 3 or 4 (what a possibly hostile server
 * wrote): ORPCTHAT (extensions checked and skipped), ppActProperties, the
 * HRESULT. With a failure HRESULT only out->hr is set. Checked: every count
 * against the octets present and against DCOM_ACT_MAX_*, the OBJREF_CUSTOM's
 * class, the CustomHeader's sizes, both PropsOutInfo and ScmReplyInfoData
 * present once, each S_OK interface with an OBJREF_STANDARD of its IID,
 * bindings that are printable ASCII of at most DCOM_ADDR_MAX characters and
 * NUL-terminated inside the array. 0, or -1 with err (out zeroed). The caller
 * matches out->iids against what it asked for. */
int dcom_act_decode_out(uint16_t opnum, const uint8_t *stub, size_t len,
			struct dcom_act_reply *out, char *err, size_t errlen);

#endif
