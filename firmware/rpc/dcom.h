/* DCOM's ORPC wire basics (MS-DCOM 2.2), shared by every DCOM interface the
 * worker serves: the identifiers, ORPCTHIS (the first [in] parameter of every
 * ORPC call) and ORPCTHAT (the first [out] one), the string and security
 * bindings of a DUALSTRINGARRAY, STDOBJREF, the OBJREF_STANDARD a client
 * unmarshals an interface pointer from, and MInterfacePointer. Pure codec: no
 * object table, no clock (the worker keeps the objects, firmware/worker/dcom*.c).
 *
 * Wire facts (MS-DCOM 2.2.13, 2.2.18, 2.2.19, 2.2.21):
 *	typedef struct { unsigned short MajorVersion, MinorVersion; } COMVERSION;
 *	typedef struct { COMVERSION version; unsigned long flags, reserved1; CID cid;
 *	                 [unique] ORPC_EXTENT_ARRAY *extensions; } ORPCTHIS;
 *	typedef struct { unsigned long flags; [unique] ORPC_EXTENT_ARRAY *extensions; } ORPCTHAT;
 *	typedef struct { unsigned long size, reserved;
 *	                 [size_is((size + 1) & ~1), unique] ORPC_EXTENT **extent; } ORPC_EXTENT_ARRAY;
 *	typedef struct { GUID id; unsigned long size;
 *	                 [size_is((size + 7) & ~7)] byte data[]; } ORPC_EXTENT;
 *	typedef struct { unsigned short wNumEntries, wSecurityOffset;
 *	                 [size_is(wNumEntries)] unsigned short aStringArray[]; } DUALSTRINGARRAY;
 *	typedef struct { unsigned long flags, cPublicRefs; OXID oxid; OID oid; IPID ipid; } STDOBJREF;
 *	typedef struct { unsigned long ulCntData; [size_is(ulCntData)] byte abData[]; } MInterfacePointer;
 * An OBJREF is not NDR: the octets of an MInterfacePointer, little-endian,
 * signature 'MEOW', flags (1: standard), iid, then for OBJREF_STANDARD a
 * STDOBJREF and the DUALSTRINGARRAY without its conformance count. */
#ifndef RPC_DCOM_H
#define RPC_DCOM_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/ndr.h"
#include "firmware/rpc/uuid.h"

#define DCOM_COM_MAJOR 5
#define DCOM_COM_MINOR 7 /* the COMVERSION this server answers (Windows Server 2008 on) */
#define DCOM_OBJREF_SIGNATURE 0x574f454du /* "MEOW" */
#define DCOM_OBJREF_STANDARD 1u
#define DCOM_OBJREF_CUSTOM 4u
#define DCOM_SORF_NOPING 0x1000u /* STDOBJREF flags: the object needs no pinging */

/* Limits on what a client may send (an ORPCTHIS's extensions are ignored, but
 * decoded to find where the next parameter starts). */
#define DCOM_MAX_EXTENTS 8
#define DCOM_MAX_EXTENT_BYTES 65536

/* Limits on what this server writes into a DUALSTRINGARRAY. */
#define DCOM_MAX_BINDINGS 4
#define DCOM_ADDR_MAX 64 /* "127.0.0.1[5022]": ASCII, NUL excluded */
#define DCOM_DSA_MAX_UNITS 512

/* HRESULTs of the DCOM runtime (winerror.h). */
#define DCOM_E_NOINTERFACE 0x80004002u
#define DCOM_E_INVALIDARG 0x80070057u
#define DCOM_E_OUTOFMEMORY 0x8007000eu
#define DCOM_E_ACCESSDENIED 0x80070005u
#define DCOM_RPC_E_VERSION_MISMATCH 0x80010110u
#define DCOM_RPC_E_INVALID_IPID 0x80010113u /* an unknown, released or foreign IPID */
#define DCOM_RPC_E_DISCONNECTED 0x80010108u
#define DCOM_REGDB_E_CLASSNOTREG 0x80040154u
#define DCOM_CO_E_SERVER_EXEC_FAILURE 0x80080005u
#define DCOM_E_SERVER_BUSY 0x8001011au /* RPC_E_SERVERCALL_RETRYLATER */
/* The OXID resolver's own status codes (MS-DCOM 3.1.2.5.1, winerror.h). */
#define DCOM_OR_INVALID_OXID 0x00000776u /* 1910 */
#define DCOM_OR_INVALID_OID 0x00000777u  /* 1911 */
#define DCOM_OR_INVALID_SET 0x00000778u  /* 1912 */

/* The identifiers (wire order; test_rpc_dcom checks them against the text). */
extern const struct rpc_uuid dcom_iid_iunknown;          /* 00000000-0000-0000-c000-000000000046 */
extern const struct rpc_uuid dcom_iid_iclassfactory;     /* 00000001-0000-0000-c000-000000000046 */
extern const struct rpc_uuid dcom_iid_iremunknown;       /* 00000131-0000-0000-c000-000000000046 */
extern const struct rpc_uuid dcom_iid_iremunknown2;      /* 00000143-0000-0000-c000-000000000046 */
extern const struct rpc_uuid dcom_iid_iremotescmactivator; /* 000001a0-0000-0000-c000-000000000046 */
extern const struct rpc_uuid dcom_iid_iactivation;       /* 4d9f4ab8-7d1c-11cf-861e-0020af6e7c57 */
extern const struct rpc_uuid dcom_iid_iobjectexporter;   /* 99fcfec4-5260-101b-bbcb-00aa0021347a */
extern const struct rpc_uuid dcom_clsid_ccertrequestd;   /* d99e6e74-fc88-11d0-b498-00a0c90312f3 */
extern const struct rpc_uuid dcom_iid_icertrequestd;     /* d99e6e70-fc88-11d0-b498-00a0c90312f3 */
extern const struct rpc_uuid dcom_iid_icertrequestd2;    /* 5422fd3a-d4b8-4cef-a12e-e87d4ca22e90 */

/* ---- ORPCTHIS / ORPCTHAT ---- */

struct dcom_orpcthis {
	uint16_t major, minor; /* COMVERSION */
	uint32_t flags;
	struct rpc_uuid cid;   /* the causality id */
	uint32_t n_extents;    /* ORPC_EXTENT_ARRAY.size (0: no array); their data is skipped */
};

/* Reads an ORPCTHIS and its deferred extensions from r (a call's first
 * parameter: r is at the stub's start). Checked: the extent counts
 * ((size + 1) & ~1 pointers, at most DCOM_MAX_EXTENTS extents, each's
 * max_count (size + 7) & ~7, at most DCOM_MAX_EXTENT_BYTES), every octet present.
 * Failures are r's sticky error. */
void dcom_get_orpcthis(struct ndr_rd *r, struct dcom_orpcthis *t);
/* 0 when the client's COM version is one this server speaks, else
 * DCOM_RPC_E_VERSION_MISMATCH: another major version, or a minor version
 * higher than DCOM_COM_MINOR (MS-DCOM 3.1.1.5.4). */
uint32_t dcom_version_check(const struct dcom_orpcthis *t);
/* Reads an ORPCTHAT (a response's first parameter; a client's side): flags,
 * and the extensions, checked as dcom_get_orpcthis's and skipped. Returns the
 * flags; failures are r's. */
uint32_t dcom_get_orpcthat(struct ndr_rd *r);
/* Writes an ORPCTHAT with flags 0 and no extensions. */
void dcom_put_orpcthat(struct ndr_wr *w);

/* ---- bindings ---- */

struct dcom_strbinding {
	uint16_t tower_id;            /* 0x07: ncacn_ip_tcp */
	char addr[DCOM_ADDR_MAX + 1]; /* "127.0.0.1[5022]", printable ASCII */
};
struct dcom_secbinding {
	uint16_t authn_svc;           /* 10: NTLM (RPC_C_AUTHN_WINNT), 9: Negotiate */
	char princ[DCOM_ADDR_MAX + 1]; /* principal name, may be empty */
};
struct dcom_bindings {
	struct dcom_strbinding str[DCOM_MAX_BINDINGS];
	size_t n_str;
	struct dcom_secbinding sec[DCOM_MAX_BINDINGS];
	size_t n_sec;
};

/* The aStringArray units of b: the string bindings (tower id, address,
 * NUL) and a terminating 0, then the security bindings (service, 0xffff,
 * principal, NUL) and a terminating 0 (MS-DCOM 2.2.19). 0 with *n units and
 * *sec_off, or -1 (more than max units, an address that is not printable
 * ASCII). */
int dcom_dsa_units(const struct dcom_bindings *b, uint16_t *units, size_t max, size_t *n,
		   uint16_t *sec_off);
/* A DUALSTRINGARRAY as an NDR conformant structure (max_count first), e.g.
 * the pointee of ResolveOxid2's ppdsaOxidBindings; errors are w's. */
void dcom_put_dsa(struct ndr_wr *w, const struct dcom_bindings *b);

/* ---- object references ---- */

struct dcom_stdobjref {
	uint32_t flags;       /* DCOM_SORF_* */
	uint32_t public_refs; /* references handed out with this one */
	uint64_t oxid, oid;
	struct rpc_uuid ipid;
};

/* STDOBJREF as NDR (aligned to 8); errors are w's. */
void dcom_put_stdobjref(struct ndr_wr *w, const struct dcom_stdobjref *s);
/* The octets of an OBJREF_STANDARD for interface iid, with the resolver
 * bindings resaddr (what an MInterfacePointer carries), appended to out
 * (which should be empty: the structure is aligned from its start). */
void dcom_objref_standard(struct ndr_wr *out, const struct rpc_uuid *iid,
			  const struct dcom_stdobjref *s, const struct dcom_bindings *resaddr);
/* An MInterfacePointer's pointee holding that OBJREF_STANDARD (w's error when
 * resaddr is NULL or the OBJREF would pass DCOM_OBJREF_MAX). */
#define DCOM_OBJREF_MAX 4096
void dcom_put_objref_mip(struct ndr_wr *w, const struct rpc_uuid *iid,
			 const struct dcom_stdobjref *s, const struct dcom_bindings *resaddr);
/* An MInterfacePointer's pointee as NDR: max_count, ulCntData, the octets. */
void dcom_put_mip(struct ndr_wr *w, const uint8_t *p, size_t n);
/* Reads an MInterfacePointer's pointee: at most max octets; *p points into
 * r's buffer. Failures are r's. */
void dcom_get_mip(struct ndr_rd *r, size_t max, const uint8_t **p, uint32_t *n);

#endif
