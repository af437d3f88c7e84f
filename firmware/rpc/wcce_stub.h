/* The NDR stubs of MS-WCCE's ICertRequestD (d99e6e70-fc88-11d0-b498-00a0c90312f3
 * v0.0: opnums 3 Request, 4 GetCACert, 5 Ping) and ICertRequestD2 (5422fd3a-
 * d4b8-4cef-a12e-e87d4ca22e90 v0.0: the same, then 6 Request2, 7 GetCAProperty,
 * 8 GetCAPropertyInfo, 9 Ping2), MS-WCCE 3.2.1.4.2 and 3.2.1.4.3. Only the wire
 * form; what the values mean is firmware/icpr's business (caprop.h for the
 * properties), who may call what is the worker's.
 *
 *	HRESULT Request([in] DWORD dwFlags,
 *		[in, string, unique, range(1, 1536)] wchar_t const *pwszAuthority,
 *		[in, out, ref] DWORD *pdwRequestId, [out] DWORD *pdwDisposition,
 *		[in, string, unique, range(1, 1536)] wchar_t const *pwszAttributes,
 *		[in, ref] CERTTRANSBLOB const *pctbRequest,
 *		[out, ref] CERTTRANSBLOB *pctbCertChain, [out, ref] CERTTRANSBLOB *pctbEncodedCert,
 *		[out, ref] CERTTRANSBLOB *pctbDispositionMessage);
 *	HRESULT GetCACert([in] DWORD fchain,
 *		[in, string, unique, range(1, 1536)] wchar_t const *pwszAuthority,
 *		[out, ref] CERTTRANSBLOB *pctbOut);
 *	HRESULT Ping([in, string, unique, range(1, 1536)] wchar_t const *pwszAuthority);
 *	HRESULT Request2([in, string, unique, range(1, 1536)] wchar_t const *pwszAuthority,
 *		[in] DWORD dwFlags,
 *		[in, string, unique, range(1, 64)] wchar_t const *pwszSerialNumber,
 *		[in, out, ref] DWORD *pdwRequestId, [out] DWORD *pdwDisposition,
 *		[in, string, unique, range(1, 1536)] wchar_t const *pwszAttributes,
 *		[in, ref] CERTTRANSBLOB const *pctbRequest,
 *		[out, ref] CERTTRANSBLOB *pctbFullResponse, [out, ref] CERTTRANSBLOB *pctbEncodedCert,
 *		[out, ref] CERTTRANSBLOB *pctbDispositionMessage);
 *	HRESULT GetCAProperty([in, string, unique, range(1, 1536)] wchar_t const *pwszAuthority,
 *		[in] long PropID, [in] long PropIndex, [in] long PropType,
 *		[out, ref] CERTTRANSBLOB *pctbPropertyValue);
 *	HRESULT GetCAPropertyInfo([in, string, unique, range(1, 1536)] wchar_t const *pwszAuthority,
 *		[out] long *pcProperty, [out, ref] CERTTRANSBLOB *pctbPropInfo);
 *	HRESULT Ping2([in, string, unique, range(1, 1536)] wchar_t const *pwszAuthority);
 *
 * Every request stub starts with ORPCTHIS (MS-DCOM's implicit first [in]
 * parameter of an ORPC call), every response stub with ORPCTHAT and ends with
 * the HRESULT. Note the order: Request has dwFlags before the authority,
 * Request2 after it. A [unique] string is its referent (0 = NULL) and, when
 * not NULL, max_count, offset, actual_count and the UTF-16LE units right after
 * it; a CERTTRANSBLOB is cb, the pb referent and, when not NULL, max_count (=
 * cb) and the octets. range(1, N) bounds the string's count, NUL included: at
 * most N - 1 characters (a longer one is an NDR fault, as Windows' /robust
 * stubs raise RPC_X_INVALID_BOUND). */
#ifndef RPC_WCCE_STUB_H
#define RPC_WCCE_STUB_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/dcom.h"
#include "firmware/rpc/icpr_stub.h"
#include "firmware/rpc/ndr.h"

#define WCCE_OPNUM_REQUEST 3
#define WCCE_OPNUM_GETCACERT 4
#define WCCE_OPNUM_PING 5
#define WCCE_OPNUM_REQUEST2 6
#define WCCE_OPNUM_GETCAPROPERTY 7
#define WCCE_OPNUM_GETCAPROPERTYINFO 8
#define WCCE_OPNUM_PING2 9
#define WCCE_D_N_OPS 6   /* ICertRequestD: 0..2 are IUnknown's (never remoted), 3..5 */
#define WCCE_D2_N_OPS 10 /* ICertRequestD2: ICertRequestD's, then 6..9 */

/* range(1, 1536) and range(1, 64): characters, NUL excluded. The attribute
 * text's own limit (ICPR_ATTR_TEXT_MAX, 4096 octets of UTF-8, firmware/icpr)
 * is above WCCE_MAX_STRING_UNITS units; firmware/icpr checks it after the
 * conversion, as for ICPR's pctbAttribs. */
#define WCCE_MAX_STRING_UNITS 1535
#define WCCE_MAX_SERIAL_UNITS 63

/* A [string, unique] wchar_t*: absent (NULL), or units UTF-16LE code units
 * (NUL excluded, no NUL inside) at p, in the stub (maybe unaligned). */
struct wcce_wstr {
	int present;
	const uint8_t *p;
	size_t units;
};

/* 1 if opnum is a method of the interface iid (ICertRequestD or
 * ICertRequestD2), else 0 (the caller faults nca_s_op_rng_error). */
int wcce_opnum_valid(const struct rpc_uuid *iid, uint16_t opnum);

/* ---- requests (the server decodes; careq and the tests encode) ---- */

/* Request (opnum 3) and Request2 (opnum 6). */
struct wcce_request {
	struct dcom_orpcthis orpc;
	uint32_t flags;               /* dwFlags */
	struct wcce_wstr authority;   /* pwszAuthority */
	struct wcce_wstr serial;      /* pwszSerialNumber (Request2; never present for Request) */
	uint32_t request_id;          /* *pdwRequestId: 0 new, N retrieve */
	struct wcce_wstr attributes;  /* pwszAttributes (text checks are firmware/icpr's) */
	struct rpc_icpr_blob request; /* pctbRequest (pb NULL with cb 0: Request2's status inspection) */
};

/* GetCACert (opnum 4). */
struct wcce_getcacert {
	struct dcom_orpcthis orpc;
	uint32_t fchain;
	struct wcce_wstr authority;
};

/* GetCAProperty (opnum 7). */
struct wcce_getcaproperty {
	struct dcom_orpcthis orpc;
	struct wcce_wstr authority;
	int32_t prop_id, prop_index, prop_type;
};

/* Ping (5), GetCAPropertyInfo (8), Ping2 (9): the authority is their only [in]. */
struct wcce_authority_call {
	struct dcom_orpcthis orpc;
	struct wcce_wstr authority;
};

/* The decoders. Each checks ORPCTHIS (dcom_get_orpcthis: its counts), every
 * string's counts (offset 0, 1 <= actual <= max <= bound + 1, NUL-terminated,
 * no other NUL), every count against the octets left, a NULL pb only with cb
 * 0, max_count == cb, and at most 7 octets (alignment) after the last
 * parameter. 0, or -1 with a message (the caller answers the fault
 * NCA_S_FAULT_NDR); on failure the output is zeroed. The COM version is not
 * judged here (dcom_version_check). opnum says which of the methods sharing a
 * structure the stub is for. */
int wcce_request_decode(uint16_t opnum, const uint8_t *stub, size_t len, struct wcce_request *q,
			char *err, size_t errlen);
int wcce_getcacert_decode(const uint8_t *stub, size_t len, struct wcce_getcacert *q, char *err,
			  size_t errlen);
int wcce_getcaproperty_decode(const uint8_t *stub, size_t len, struct wcce_getcaproperty *q,
			      char *err, size_t errlen);
int wcce_authority_decode(uint16_t opnum, const uint8_t *stub, size_t len,
			  struct wcce_authority_call *q, char *err, size_t errlen);

/* The same stubs written (a client's side: careq, the fuzz target's
 * round trip). ORPCTHIS goes out with the version, flags and cid of q->orpc
 * and no extensions; referents are numbered from RPC_REFERENT_BASE. w must be
 * empty. 0, or -1 (writer limit, a string over its bound, a non-empty blob
 * without pb, an opnum the structure is not for). */
int wcce_request_encode_in(uint16_t opnum, const struct wcce_request *q, struct ndr_wr *w);
int wcce_getcacert_encode_in(const struct wcce_getcacert *q, struct ndr_wr *w);
int wcce_getcaproperty_encode_in(const struct wcce_getcaproperty *q, struct ndr_wr *w);
int wcce_authority_encode_in(uint16_t opnum, const struct wcce_authority_call *q,
			     struct ndr_wr *w);

/* ---- responses (the server encodes) ---- */

/* Request and Request2 answer the same shape: chain is pctbCertChain
 * (Request) or pctbFullResponse (Request2). */
struct wcce_request_response {
	uint32_t request_id;                      /* *pdwRequestId */
	uint32_t disposition;                     /* *pdwDisposition */
	struct rpc_icpr_blob chain;
	struct rpc_icpr_blob encoded_cert;        /* pctbEncodedCert */
	struct rpc_icpr_blob disposition_message; /* pctbDispositionMessage */
	uint32_t hr;                              /* the return value */
};

/* The encoders write ORPCTHAT (dcom_put_orpcthat), the [out] parameters and
 * the HRESULT into w, which must be empty (NDR aligns from the stub's start).
 * A blob with cb 0 goes out with a NULL referent ([out, ref] blobs are always
 * there: with a failure HRESULT the caller passes empty ones); `present` is
 * not looked at. 0, or -1 (writer limit, a non-empty blob without pb). */
int wcce_request_encode(const struct wcce_request_response *r, struct ndr_wr *w);
/* GetCACert's pctbOut or GetCAProperty's pctbPropertyValue. */
int wcce_blob_encode(const struct rpc_icpr_blob *out, uint32_t hr, struct ndr_wr *w);
/* GetCAPropertyInfo: *pcProperty, pctbPropInfo. */
int wcce_propinfo_encode(int32_t count, const struct rpc_icpr_blob *info, uint32_t hr,
			 struct ndr_wr *w);
/* Ping and Ping2: ORPCTHAT and the HRESULT. */
int wcce_ping_encode(uint32_t hr, struct ndr_wr *w);

/* ---- responses (the client decodes: careq, the bench) ---- */

/* Request / Request2's answer: ORPCTHAT (extensions checked and skipped), the
 * [out] parameters, the HRESULT; every count checked against the octets
 * present (rpc_icpr_get_blob), at most 7 octets after the HRESULT. The blobs
 * point into stub. 0, or -1 with err (r zeroed). */
int wcce_request_decode_out(const uint8_t *stub, size_t len, struct wcce_request_response *r,
			    char *err, size_t errlen);
/* GetCACert's or GetCAProperty's answer: the blob (pointing into stub) and the
 * HRESULT. 0, or -1 with err (out zeroed, *hr 0). */
int wcce_blob_decode_out(const uint8_t *stub, size_t len, struct rpc_icpr_blob *out,
			 uint32_t *hr, char *err, size_t errlen);

#endif
