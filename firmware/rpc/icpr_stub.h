/* The NDR stubs of MS-ICPR CertServerRequest (opnum 0 of 91ae6020-9e3c-11cf-
 * 8d7c-00aa00c091be v0.0): decoding the [in] parameters, encoding the [out]
 * ones. Only the wire form; what the values mean is firmware/icpr's business.
 *
 *	DWORD CertServerRequest(
 *		[in] handle_t h,
 *		[in] DWORD dwFlags,
 *		[in, string, unique] const wchar_t *pwszAuthority,
 *		[in, out, ref] DWORD *pdwRequestId,
 *		[out] DWORD *pdwDisposition,
 *		[in, ref] CERTTRANSBLOB *pctbAttribs,
 *		[in, ref] CERTTRANSBLOB *pctbRequest,
 *		[out, ref] CERTTRANSBLOB *pctbCert,
 *		[out, ref] CERTTRANSBLOB *pctbEncodedCert,
 *		[out, ref] CERTTRANSBLOB *pctbDispositionMessage);
 *	typedef struct { ULONG cb; [size_is(cb), unique] BYTE *pb; } CERTTRANSBLOB;
 *
 * Request stub: dwFlags; the authority's referent (0 = NULL) and, if not NULL,
 * max_count, offset, actual_count and the UTF-16LE units; *pdwRequestId; then
 * each CERTTRANSBLOB as cb, the pb referent and, if not NULL, max_count (= cb)
 * and cb octets, each blob's octets right after it (shared/notes/icpr-wire.md).
 * Response stub: *pdwRequestId, *pdwDisposition, the three blobs, the return
 * value. [ref] pointers are not on the wire. */
#ifndef RPC_ICPR_STUB_H
#define RPC_ICPR_STUB_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/ndr.h"

#define RPC_ICPR_OPNUM_CERT_SERVER_REQUEST 0
#define RPC_ICPR_N_OPS 1
#define RPC_ICPR_MAX_AUTHORITY 256 /* UTF-16 code units, NUL excluded */

/* A CERTTRANSBLOB. pb points into the stub (or is NULL when cb is 0). */
struct rpc_icpr_blob {
	const uint8_t *pb;
	uint32_t cb;
	int present; /* the pb referent was not NULL */
};

struct rpc_icpr_request {
	uint32_t flags;              /* dwFlags */
	int has_authority;           /* pwszAuthority was not NULL */
	const uint8_t *authority;    /* UTF-16LE units in the stub (maybe unaligned) */
	size_t authority_units;      /* NUL excluded; <= RPC_ICPR_MAX_AUTHORITY */
	uint32_t request_id;         /* *pdwRequestId: 0 new, N retrieve */
	struct rpc_icpr_blob attribs; /* pctbAttribs (text checks are firmware/icpr's) */
	struct rpc_icpr_blob request; /* pctbRequest */
};

/* Decodes a CertServerRequest request stub. Checked: the string's counts
 * (offset 0, actual <= max <= RPC_ICPR_MAX_AUTHORITY + 1, NUL-terminated, no
 * other NUL) and every count against the octets left; a NULL pb only with cb 0;
 * max_count == cb; at most 7 octets (alignment) after the last blob. 0, or -1
 * with a message: the caller answers the fault NCA_S_FAULT_NDR. */
int rpc_icpr_request_decode(const uint8_t *stub, size_t len, struct rpc_icpr_request *q,
			    char *err, size_t errlen);

struct rpc_icpr_response {
	uint32_t request_id;  /* *pdwRequestId */
	uint32_t disposition; /* *pdwDisposition: a disposition or an HRESULT */
	struct rpc_icpr_blob cert;                /* pctbCert */
	struct rpc_icpr_blob encoded_cert;        /* pctbEncodedCert */
	struct rpc_icpr_blob disposition_message; /* pctbDispositionMessage */
	uint32_t status;      /* the return value */
};

/* Encodes the response stub into w, which must be empty (NDR aligns from the
 * stub's start). A blob with cb 0 goes out with a NULL referent; `present` is
 * not looked at. 0, or -1 (writer limit). */
int rpc_icpr_response_encode(const struct rpc_icpr_response *r, struct ndr_wr *w);

/* Windows numbers unique referents from here, 4 apart; any non-zero value is valid. */
#define RPC_REFERENT_BASE 0x00020000u

/* One CERTTRANSBLOB, for both directions (careq encodes requests and decodes
 * responses with these): cb, the pb referent (NULL when cb is 0), then the
 * conformant array. get checks max_count == cb, the octets present, and a NULL
 * pb only with cb 0 (failures are the reader's sticky error); put numbers the
 * referent from *ref and sets the writer's error for a non-empty blob without pb. */
void rpc_icpr_get_blob(struct ndr_rd *r, struct rpc_icpr_blob *b, const char *what);
void rpc_icpr_put_blob(struct ndr_wr *w, const struct rpc_icpr_blob *b, uint32_t *ref);

#endif
