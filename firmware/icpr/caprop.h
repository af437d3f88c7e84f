/* CA properties as MS-WCCE names them (3.2.1.4.3.2, ICertRequestD2::
 * GetCAProperty; 3.2.1.4.2.2, ICertRequestD::GetCACert): the identifiers and
 * types both ends of the worker <-> custodian CUST_CAPROP call use. The
 * custodian answers a property's typed value (firmware/custodian/caprop.c); the
 * worker checks the client's PropType and index against the table here and
 * writes the wire form (firmware/icpr/caprop.c). */
#ifndef ICPR_CAPROP_H
#define ICPR_CAPROP_H

#include <stddef.h>
#include <stdint.h>

/* PropType (CATRANSPROP.propType). */
#define CAPROP_TYPE_LONG 1
#define CAPROP_TYPE_DATE 2
#define CAPROP_TYPE_BINARY 3
#define CAPROP_TYPE_STRING 4
#define CAPROP_FLAG_INDEXED 0x0001 /* CATRANSPROP.propFlags: an array of values */

/* PropID. */
enum caprop_id {
	CR_PROP_FILEVERSION = 1,
	CR_PROP_PRODUCTVERSION = 2,
	CR_PROP_EXITCOUNT = 3,
	CR_PROP_EXITDESCRIPTION = 4,
	CR_PROP_POLICYDESCRIPTION = 5,
	CR_PROP_CANAME = 6,
	CR_PROP_SANITIZEDCANAME = 7,
	CR_PROP_SHAREDFOLDER = 8,
	CR_PROP_PARENTCA = 9,
	CR_PROP_CATYPE = 10,
	CR_PROP_CASIGCERTCOUNT = 11,
	CR_PROP_CASIGCERT = 12,
	CR_PROP_CASIGCERTCHAIN = 13,
	CR_PROP_CAXCHGCERTCOUNT = 14,
	CR_PROP_CAXCHGCERT = 15,
	CR_PROP_CAXCHGCERTCHAIN = 16,
	CR_PROP_BASECRL = 17,
	CR_PROP_DELTACRL = 18,
	CR_PROP_CACERTSTATE = 19,
	CR_PROP_CRLSTATE = 20,
	CR_PROP_CAPROPIDMAX = 21,
	CR_PROP_DNSNAME = 22,
	CR_PROP_ROLESEPARATIONENABLED = 23,
	CR_PROP_KRACERTUSEDCOUNT = 24,
	CR_PROP_KRACERTCOUNT = 25,
	CR_PROP_KRACERT = 26,
	CR_PROP_KRACERTSTATE = 27,
	CR_PROP_ADVANCEDSERVER = 28,
	CR_PROP_TEMPLATES = 29,
	CR_PROP_BASECRLPUBLISHSTATUS = 30,
	CR_PROP_DELTACRLPUBLISHSTATUS = 31,
	CR_PROP_CASIGCERTCRLCHAIN = 32,
	CR_PROP_CAXCHGCERTCRLCHAIN = 33,
	CR_PROP_CACERTSTATUSCODE = 34,
	CR_PROP_CAFORWARDCROSSCERT = 35,
	CR_PROP_CABACKWARDCROSSCERT = 36,
	CR_PROP_CAFORWARDCROSSCERTSTATE = 37,
	CR_PROP_CABACKWARDCROSSCERTSTATE = 38,
	CR_PROP_CACERTVERSION = 39,
	CR_PROP_SANITIZEDCASHORTNAME = 40,
	CR_PROP_CERTCDPURLS = 41,
	CR_PROP_CERTAIAURLS = 42,
	CR_PROP_CERTAIAOCSPURLS = 43,
	CR_PROP_LOCALENAME = 44,
	CR_PROP_SUBJECTTEMPLATE_OIDS = 45,
};

/* CR_PROP_CATYPE values (ENUM_CATYPES). */
#define CAPROP_CATYPE_ENTERPRISE_ROOT 0
#define CAPROP_CATYPE_ENTERPRISE_SUB 1
#define CAPROP_CATYPE_STANDALONE_ROOT 3
#define CAPROP_CATYPE_STANDALONE_SUB 4

/* CR_PROP_CACERTSTATE and CR_PROP_CRLSTATE values (CA_DISP_*). */
#define CAPROP_DISP_INCOMPLETE 0
#define CAPROP_DISP_ERROR 1
#define CAPROP_DISP_REVOKED 2
#define CAPROP_DISP_VALID 3
#define CAPROP_DISP_INVALID 4

/* ---- the wire forms (firmware/icpr/caprop.c) ----
 * What the worker writes into a CERTTRANSBLOB for GetCAProperty,
 * GetCAPropertyInfo and GetCACert: octets, not NDR (firmware/rpc/wcce_stub.h
 * puts them in a blob). */

/* How a property's value travels (MS-WCCE 3.2.1.4.3.2.x). Windows answers the
 * "Long" counters of the CA with a whole CAINFO (3.2.1.4.3.2.3, .10, .11,
 * .14: "through the ... field of a CAINFO structure"), the two state
 * properties with one octet per signing certificate (.19, .20: "a byte array
 * that contains the ... status of all"), the other Long ones as 4 octets. */
enum caprop_wire_form {
	CAPROP_WIRE_LONG = 1,   /* 4 octets, little-endian */
	CAPROP_WIRE_CAINFO = 2, /* a CAINFO (caprop_cainfo_blob) */
	CAPROP_WIRE_STATES = 3, /* one octet per signing certificate (caprop_states_blob) */
	CAPROP_WIRE_STRING = 4, /* UTF-16LE with its NUL */
	CAPROP_WIRE_BINARY = 5, /* the octets (DER) as they are */
};

struct caprop_info {
	int32_t id;           /* CR_PROP_* */
	uint8_t type;         /* CAPROP_TYPE_*: what PropType must be */
	uint8_t indexed;      /* 1: PropIndex selects one of several values */
	uint8_t wire;         /* enum caprop_wire_form */
	const char *name;     /* the display name (ASCII; MS-WCCE's section titles) */
};

#define CAPROP_INDEX_LATEST 0xffffffffu /* PropIndex -1: the newest signing certificate's */

/* The properties this CA knows (1..45: firmware/custodian/caprop.c's
 * CAPROP_ID_MAX), in id order (GetCAPropertyInfo lists them). */
size_t caprop_count(void);
const struct caprop_info *caprop_at(size_t i); /* NULL past the end */
const struct caprop_info *caprop_find(int32_t id); /* NULL: unknown */
/* The highest id in the table (CR_PROP_CAPROPIDMAX's value). */
int32_t caprop_id_max(void);

/* GetCAProperty's argument check (as Windows' ValidatePropertyParameters):
 * 0, or HR_E_INVALIDARG for an id not in the table, a PropType other than the
 * table's, or a non-zero PropIndex on a property that is not indexed. The
 * index's upper bound is the custodian's (it knows the counts). */
uint32_t caprop_check(int32_t id, int32_t index, int32_t type);

/* GetCAPropertyInfo's pctbPropInfo (MS-WCCE 2.2.2.3.1): caprop_count()
 * CATRANSPROP records of 12 octets (lPropID, propType, 0, propFlags,
 * obwszDisplayName), then each display name as UTF-16LE with its NUL, each
 * starting at a multiple of 4 from the blob's start (obwszDisplayName is
 * that offset; the gap is zero octets). ICPR_OK with *outlen and *count, or
 * ICPR_ETOOLONG when outsz is too small (CAPROP_INFO_BLOB_MAX always does). */
#define CAPROP_INFO_BLOB_MAX 4096
int caprop_info_write(uint8_t *out, size_t outsz, size_t *outlen, int32_t *count);

/* A typed value (the custodian's CUST_CAPROP_IS) as the wire wants it for
 * wire forms LONG, STRING and BINARY: LONG -> long_value as 4 octets
 * little-endian; STRING -> value is UTF-8 (len octets, no NUL) and goes out
 * as UTF-16LE with a NUL unit (an empty string is the NUL unit alone);
 * BINARY -> value as is (len may be 0). ICPR_OK with *outlen, ICPR_EINVAL (a
 * type that is none of these, malformed UTF-8, value NULL with len > 0),
 * ICPR_ETOOLONG (outsz). */
int caprop_value_blob(uint32_t type, uint32_t long_value, const uint8_t *value, size_t len,
		      uint8_t *out, size_t outsz, size_t *outlen);

/* CACERTSTATE / CRLSTATE (and GetCACert's *STATEBYINDEX): states[i] (each a
 * CAPROP_DISP_*, at most 255) as n octets. ICPR_OK, ICPR_EINVAL (a state over
 * 255), ICPR_ETOOLONG (outsz). */
int caprop_states_blob(const uint32_t *states, size_t n, uint8_t *out, size_t outsz,
		       size_t *outlen);

/* CAINFO (MS-WCCE 2.2.2.4): ten 32-bit little-endian fields, cbSize first. */
#define CAPROP_CAINFO_LEN 40
struct caprop_cainfo {
	int32_t ca_type;          /* CAPROP_CATYPE_* */
	uint32_t sig_certs;       /* cCASignatureCerts */
	uint32_t xchg_certs;      /* cCAExchangeCerts */
	uint32_t exit_count;      /* cExitAlgorithms */
	int32_t propid_max;       /* lPropIDMax */
	int32_t role_separation;  /* lRoleSeparationEnabled */
	uint32_t kra_used;        /* cKRACertUsedCount */
	uint32_t kra_count;       /* cKRACertCount */
	uint32_t advanced_server; /* fAdvancedServer */
};
void caprop_cainfo_blob(const struct caprop_cainfo *ci, uint8_t out[CAPROP_CAINFO_LEN]);

/* GetCACert's fchain (MS-WCCE 3.2.1.4.2.2). */
#define GETCERT_CASIGCERT 0x00000000u
#define GETCERT_CAXCHGCERT 0x00000001u
#define GETCERT_CURRENTCRL 0x6363726cu      /* "ccrl" */
#define GETCERT_FILEVERSION 0x66696c65u     /* "file" */
#define GETCERT_CAINFO 0x696e666fu          /* "info" */
#define GETCERT_CANAME 0x6e616d65u          /* "name" */
#define GETCERT_PARENTCONFIG 0x70617265u    /* "pare" */
#define GETCERT_POLICYVERSION 0x706f6c69u   /* "poli" */
#define GETCERT_PRODUCTVERSION 0x70726f64u  /* "prod" */
#define GETCERT_SANITIZEDCANAME 0x73616e69u /* "sani" */
#define GETCERT_SHAREDFOLDER 0x73686172u    /* "shar" */
#define GETCERT_CATYPE 0x74797065u          /* "type" */
/* Indexed: the code in the high 16 bits, the index in the low 16. */
#define GETCERT_CRLBYINDEX 0x636c0000u         /* "cl" */
#define GETCERT_CACERTBYINDEX 0x63740000u      /* "ct" */
#define GETCERT_EXITVERSIONBYINDEX 0x65780000u /* "ex" */
#define GETCERT_CRLSTATEBYINDEX 0x736c0000u    /* "sl" */
#define GETCERT_CACERTSTATEBYINDEX 0x73740000u /* "st" */
#define GETCERT_BYINDEXMASK 0xffff0000u
/* Not in MS-WCCE: bits Windows' own client (certcli) sets on GETCERT_CASIGCERT,
 * GETCERT_CAXCHGCERT and GETCERT_CACERTBYINDEX to ask for the chain as PKCS#7,
 * with the CRLs too (certsrv.h: "internal use only"). */
#define GETCERT_CHAIN 0x80000000u
#define GETCERT_CRLS 0x00800000u

struct caprop_getcert {
	int32_t prop_id;  /* the property to answer (CR_PROP_*) */
	uint32_t index;   /* its PropIndex (CAPROP_INDEX_LATEST: the newest) */
	uint8_t wire;     /* enum caprop_wire_form the answer takes (GETCERT_CAINFO: CAINFO,
			   * GETCERT_CATYPE: LONG although CR_PROP_CATYPE's is CAINFO) */
};

/* fchain -> what to answer: 0, or HR_E_INVALIDARG for a value MS-WCCE does not
 * list, or the chain bits on anything but a certificate (GETCERT_CASIGCERT,
 * GETCERT_CAXCHGCERT, GETCERT_CACERTBYINDEX). Whether the property has a value
 * is the custodian's answer. */
uint32_t caprop_getcert_map(uint32_t fchain, struct caprop_getcert *m);

#endif
