/* MS-ICPR CertServerRequest semantics (MS-WCCE "Request") that do not involve
 * the network framing: UTF-16LE strings, the authority check, the attribute
 * string and its SAN: attribute, request format detection, the certs-only
 * PKCS#7 for pctbCert, and the mapping of a stored request state to
 * pdwDisposition and pctbDispositionMessage. A pure library: no I/O, no global
 * state, no allocation except where an output says malloc(). The wire facts are
 * in shared/notes/icpr-wire.md; the decisions are in README.md next to this file.
 *
 * Every input here comes from the network (through firmware/rpc's NDR decoder):
 * every length is checked, nothing is trusted to be terminated, and every parser
 * is bounded (limits below) and fuzzed (tests/fuzz/fuzz_icpr.c). */
#ifndef ICPR_ICPR_H
#define ICPR_ICPR_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/common/request.h"
#include "firmware/icpr/hresult.h"
#include "firmware/x509/x509.h"

/* ---- status codes and the HRESULTs they become ---- */

enum {
	ICPR_OK = 0,
	ICPR_EINVAL = -1,   /* malformed input (bad UTF-16/UTF-8, cb mismatch, syntax) */
	ICPR_ETOOLONG = -2, /* a limit below, or the caller's buffer, is exceeded */
	ICPR_ENOMEM = -3,
	ICPR_EFORMAT = -4,  /* a request that is neither PKCS#10, CMS nor CMC */
};

/* The HRESULT a status becomes on the wire: ICPR_OK -> S_OK, EINVAL and
 * ETOOLONG -> E_INVALIDARG, ENOMEM -> E_OUTOFMEMORY, EFORMAT ->
 * CRYPT_E_INVALID_MSG_TYPE, anything else -> E_UNEXPECTED. */
uint32_t icpr_status_hresult(int status);

/* dwFlags bits the CA looks at (the low byte and the request type byte are
 * ignored on the wire: the format is detected by parsing). */
#define ICPR_CR_IN_FULLRESPONSE 0x00040000u
#define ICPR_CR_IN_CRLS 0x00080000u
#define ICPR_CR_IN_ROBO 0x00200000u
/* The request type byte (MS-WCCE 3.2.1.4.3.1.1): what the client says it sent.
 * Real clients send 0 (any); a value is checked against what was parsed. */
#define ICPR_CR_IN_TYPE_MASK 0x0000ff00u
#define ICPR_CR_IN_FORMATANY 0x00000000u
#define ICPR_CR_IN_PKCS10 0x00000100u
#define ICPR_CR_IN_KEYGEN 0x00000200u
#define ICPR_CR_IN_PKCS7 0x00000300u
#define ICPR_CR_IN_CMC 0x00000400u

/* dwFlags against the format detected: 0, or the HRESULT with msg.
 *   a request type other than any that is not the one parsed (KEYGEN, which
 *     the CA does not take, included), or an unknown type  CRYPT_E_INVALID_MSG_TYPE
 *   CR_IN_ROBO (renewal on behalf of), not supported       E_INVALIDARG */
uint32_t icpr_flags_check(uint32_t flags, int detected_format, char *msg, size_t msglen);

/* ---- UTF-16LE ---- */
/* UTF-16 arguments are little-endian bytes as they come off the wire, with their
 * length in bytes. */

/* 1 if p..p+nbytes is well-formed UTF-16LE: nbytes even, every high surrogate
 * followed by a low one, no lone low surrogate. NUL units are allowed (where a
 * string ends is the caller's question: icpr_utf16_len). */
int icpr_utf16_valid(const uint8_t *p, size_t nbytes);

/* Code units before the first NUL unit into *units: ICPR_OK; ICPR_EINVAL when
 * nbytes is odd or there is no NUL unit (an unterminated string). */
int icpr_utf16_len(const uint8_t *p, size_t nbytes, size_t *units);

/* Converts exactly nbytes of UTF-16LE (no terminator: a NUL unit inside is
 * ICPR_EINVAL, as is any malformed input) to UTF-8 in out, NUL-terminated.
 * outsz is the cap, terminator included: ICPR_ETOOLONG when the text does not
 * fit (never cut silently). *outlen (may be NULL) gets strlen(out). */
int icpr_utf16_to_utf8(const uint8_t *p, size_t nbytes, char *out, size_t outsz,
		       size_t *outlen);

/* Converts len bytes of UTF-8 (strict: no overlong forms, no surrogates, at most
 * U+10FFFF, no NUL) to UTF-16LE followed by a NUL unit, as pctbDispositionMessage
 * carries it. *outlen gets the byte count including the NUL unit. With out NULL
 * only *outlen is computed; otherwise ICPR_ETOOLONG when it exceeds outsz. */
int icpr_utf8_to_utf16(const char *s, size_t len, uint8_t *out, size_t outsz,
		       size_t *outlen);

/* ---- the authority (pwszAuthority) ---- */

#define ICPR_CA_NAME_MAX 256  /* code units of a CA common name */
#define ICPR_SANITIZED_MAX (ICPR_CA_NAME_MAX * 5 + 1) /* every unit escaped, + NUL */
#define ICPR_SHORT_NAME_MAX 57 /* MS-WCCE: 51 + '-' + 5 digits */

/* MS-WCCE 3.1.1.4.1.1.2: the CA name (UTF-8) with every disallowed character
 * (below 0x20, 0x7f and above, and ! " # % & ' ( ) * + , / : ; < = > ? [ \ ]
 * ^ ` { | }) replaced by '!' and its UTF-16 code unit as four lowercase hex
 * digits. The result is ASCII. ICPR_EINVAL for a bad or empty name, longer than
 * ICPR_CA_NAME_MAX units; ICPR_ETOOLONG when outsz is too small. */
int icpr_sanitize_name(const char *ca_name, char *out, size_t outsz);

/* MS-WCCE 3.1.1.4.1.1 and 3.1.1.4.1.1.1: the sanitized short name (at most 57
 * characters): a sanitized name longer than 51 characters is cut to 51 (an
 * escape cut in the middle is dropped whole), and '-' plus the 5-digit decimal
 * hash of the characters cut off is appended. */
int icpr_sanitize_short_name(const char *ca_name, char *out, size_t outsz);

/* 1 if pwszAuthority names this CA, 0 otherwise (the caller answers
 * E_INVALIDARG). wsz holds nbytes of UTF-16LE as NDR delivered it: one trailing
 * NUL unit is allowed, an embedded NUL or malformed UTF-16 never matches, NULL
 * never matches. Matches, case-insensitively, the CA's common name (UTF-8), its
 * sanitized name and its sanitized short name. Case folding: ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic capitals; other characters compare
 * exactly. No trimming: " CA" is not "CA". */
int icpr_authority_match(const uint8_t *wsz, size_t nbytes, const char *ca_name);

/* ---- the attribute string (pctbAttribs) ---- */

#define ICPR_ATTR_MAX_COUNT 32    /* Name:Value lines */
#define ICPR_ATTR_NAME_MAX 64     /* bytes of a name */
#define ICPR_ATTR_VALUE_MAX 2048  /* bytes of a value (UTF-8) */
#define ICPR_ATTR_TEXT_MAX 4096   /* the whole string as UTF-8 (= LEDGER_TEXT_MAX) */

/* A parsed attribute string. Self-contained (no pointers inside: it may be
 * copied); read it with the accessors below. */
struct icpr_attrs {
	size_t n;
	struct {
		uint16_t name, value; /* offsets into store */
	} a[ICPR_ATTR_MAX_COUNT];
	size_t text_len;
	char text[ICPR_ATTR_TEXT_MAX + 1];   /* the string as received, in UTF-8 */
	char store[ICPR_ATTR_TEXT_MAX + 1];  /* trimmed names and values, NUL-separated */
};

/* pctbAttribs: pb/cb as received. cb 0 (pb may be NULL) is no attributes.
 * Otherwise cb must be even and equal to the byte length of the UTF-16 string
 * including its NUL unit: the first NUL unit must be the last unit (MS-ICPR
 * 3.2.4.1.1: any mismatch is E_INVALIDARG); the UTF-16 must be well formed.
 * Then the text is parsed as icpr_attrs_parse does. ICPR_OK, ICPR_EINVAL
 * (cb mismatch, malformed), ICPR_ETOOLONG (a limit). On error *out is empty. */
int icpr_attrs_from_blob(const uint8_t *pb, size_t cb, struct icpr_attrs *out);

/* A status inspection by serial number (MS-WCCE 3.2.1.4.2.1.3: a retrieval whose
 * pctbAttribs holds the certificate's serial number, as ICertRequest2::
 * GetIssuedCertificate sends it with request id -1): the blob's UTF-16LE text,
 * NUL-terminated as pctbAttribs is, an even number of hexadecimal digits
 * (either case; blanks between byte pairs allowed, as certutil prints serials)
 * of 1..ICPR_SERIAL_MAX bytes, into serial. ICPR_OK with *len, or ICPR_EINVAL. */
#define ICPR_SERIAL_MAX 20
int icpr_serial_from_blob(const uint8_t *pb, size_t cb, uint8_t serial[ICPR_SERIAL_MAX],
			  size_t *len);

/* Parses UTF-8 text (len bytes, no NUL inside): lines separated by "\n" or
 * "\r\n"; spaces and tabs around names and values are trimmed; lines that are
 * empty after trimming are skipped; every other line is Name:Value split at the
 * first ':' (the value may hold ':' and may be empty). Refused (ICPR_EINVAL): a
 * line without ':', an empty name, a name outside [A-Za-z0-9._-], a control
 * character in a value, a lone '\r', invalid UTF-8, and the same name twice
 * (case-insensitive: two CertificateTemplate lines must not let two readers see
 * two templates). ICPR_ETOOLONG past a limit above. */
int icpr_attrs_parse(const char *text, size_t len, struct icpr_attrs *out);

/* The i-th name / value (NUL-terminated, in the attrs' storage), i < n. */
const char *icpr_attrs_name(const struct icpr_attrs *at, size_t i);
const char *icpr_attrs_value(const struct icpr_attrs *at, size_t i);
/* The value of the attribute with that name (case-insensitive), or NULL. */
const char *icpr_attrs_get(const struct icpr_attrs *at, const char *name);

#define ICPR_ATTR_TEMPLATE "CertificateTemplate"
#define ICPR_ATTR_SAN "SAN"

/* ---- the SAN: attribute ---- */

enum icpr_san_type {
	ICPR_SAN_DNS = 1, /* dns=     dNSName */
	ICPR_SAN_EMAIL,   /* email=   rfc822Name */
	ICPR_SAN_UPN,     /* upn=     otherName 1.3.6.1.4.1.311.20.2.3 */
	ICPR_SAN_IP,      /* ipaddress= iPAddress (bin: 4 or 16 bytes) */
	ICPR_SAN_URL,     /* url=     uniformResourceIdentifier */
	ICPR_SAN_GUID,    /* guid=    otherName 1.3.6.1.4.1.311.25.1 (bin: 16 bytes) */
	ICPR_SAN_DN,      /* dn=      directoryName, as RFC 4514 text */
};

#define ICPR_SAN_MAX 32       /* entries */
#define ICPR_SAN_VALUE_MAX 512 /* bytes of one value */

struct icpr_san_entry {
	enum icpr_san_type type;
	uint16_t off, len;   /* value text in store */
	uint8_t bin[16];     /* ICPR_SAN_IP: the address; ICPR_SAN_GUID: the GUID in
			      * Windows' binary layout (first 3 fields little-endian) */
	uint8_t bin_len;
};

struct icpr_san {
	size_t n;
	struct icpr_san_entry e[ICPR_SAN_MAX];
	char store[ICPR_ATTR_VALUE_MAX + 1];
};

/* Parses a SAN attribute value ("dns=a&upn=b@c&email=d@e&ipaddress=10.0.0.1"):
 * '&'-separated type=value pairs, types case-insensitive, values taken as
 * written (no percent-decoding, no trimming). Refused (ICPR_EINVAL): an unknown
 * type, an empty pair or value, dns not made of [A-Za-z0-9_-] labels of 1..63
 * (a leading "*." allowed), email (ASCII) or upn (UTF-8) without a local part
 * and a domain around one '@' or with spaces, ipaddress not IPv4 dotted-quad or
 * IPv6 text, guid not 32 hex digits (dashes and braces optional), control
 * characters; url must be printable ASCII without spaces; dn may be any UTF-8
 * text. ICPR_ETOOLONG past the limits.
 * Only parsing: whether the SAN is honoured is the policy's decision. */
int icpr_san_parse(const char *value, size_t len, struct icpr_san *out);
/* The i-th entry's value text, NUL-terminated. */
const char *icpr_san_value(const struct icpr_san *s, size_t i);
/* "dns", "email", ... */
const char *icpr_san_type_name(enum icpr_san_type type);

/* ---- request format detection ---- */

/* The ledger's values (firmware/common/request.h), and 0 for none of them. */
enum icpr_format {
	ICPR_FMT_UNKNOWN = 0,
	ICPR_FMT_PKCS10 = FMT_PKCS10,
	ICPR_FMT_CMS = FMT_CMS,
	ICPR_FMT_CMC = FMT_CMC,
};

#define ICPR_REQUEST_MAX (64u * 1024u) /* pctbRequest bytes (custodian's cap) */

struct icpr_request {
	enum icpr_format format;
	struct x509_buf der; /* the request as DER (a malloc()ed copy; decoded first
			      * if it came as base64 or PEM, converted if BER) */
	int was_text;        /* 1 when the input was base64 or PEM */
	int was_ber;         /* 1 when it was not DER and der is its conversion (a
			      * streaming CMS encoder's indefinite lengths); a
			      * PKCS#10 signature covers the bytes as sent, so it
			      * will not verify over a converted request */
	char content_type[128]; /* CMS/CMC: eContentType, dotted */
	struct x509_csr_shape shape; /* PKCS#10: its parts in der, measured when it
				      * was classified (x509_csr_shape) */
};

/* Classifies pctbRequest by parsing (real clients send dwFlags 0 for every
 * format): a CertificationRequest is PKCS#10 (structure only: the signature is
 * checked later, so a request with a broken signature is still PKCS#10); a
 * ContentInfo signedData (1.2.840.113549.1.7.2) whose eContentType is
 * id-cct-PKIData (1.3.6.1.5.5.7.12.2) is CMC; any other signedData is CMS.
 * Input that does not start with a DER SEQUENCE is taken as text: one PEM block
 * labelled NEW CERTIFICATE REQUEST, CERTIFICATE REQUEST, PKCS7 or CMS, or bare
 * base64 (whitespace and trailing NUL bytes ignored), decoded first. Decoding
 * is strict DER (libtasn1 + the PKIX module) with the fields that identify each
 * format required present; input that is BER is converted to DER first.
 * ICPR_OK with out filled (free with icpr_request_free); ICPR_EINVAL for an
 * empty input; ICPR_ETOOLONG beyond ICPR_REQUEST_MAX; ICPR_EFORMAT for anything
 * else (out->format ICPR_FMT_UNKNOWN, nothing allocated). */
int icpr_request_detect(const uint8_t *blob, size_t len, struct icpr_request *out);
void icpr_request_free(struct icpr_request *r);

/* What a receiver accepts in a request (the custodian's channel defines them:
 * CUST_REQUEST_LIMITS in firmware/custodian/proto.h). */
struct icpr_limits {
	size_t request;   /* raw bytes as sent (at most ICPR_REQUEST_MAX) */
	size_t subject;   /* PKCS#10: DER Name */
	size_t spki;      /* PKCS#10: DER SubjectPublicKeyInfo */
	size_t n_ext;     /* PKCS#10: extensions asked for (extensionRequest) */
	size_t ext_bytes; /* PKCS#10: their DER */
};

/* The shape and limit checks on a request, in the order below and with no
 * signature checked (the PKCS#10 sizes come from the decode that detected it): the worker's fail-fast refusal and the first step of the
 * custodian's own derivation are this one function. 0 with *out detected and
 * normalised to DER (icpr_request_free), or the HRESULT with msg (nothing
 * allocated):
 *   empty, or more than l->request bytes       E_INVALIDARG
 *   neither PKCS#10, CMS nor CMC               CRYPT_E_INVALID_MSG_TYPE
 *   PKCS#10 subject over l->subject bytes      CERTSRV_E_BAD_REQUESTSUBJECT
 *   PKCS#10 public key over l->spki bytes      CERTSRV_E_KEY_LENGTH
 *   PKCS#10 whose extensionRequest is not
 *     Extensions, or asks for more than
 *     l->n_ext extensions or l->ext_bytes      E_INVALIDARG
 * CMS and CMC are only detected here: what they carry is the receiver's to
 * check when it accepts them. */
uint32_t icpr_request_admit(const uint8_t *blob, size_t len, const struct icpr_limits *l,
			    struct icpr_request *out, char *msg, size_t msglen);

/* ---- pctbCert: the certs-only PKCS#7 ---- */

/* ContentInfo { signedData, SignedData { version 1, digestAlgorithms {},
 * encapContentInfo { id-data, no content }, certificates [0] certs[0..n) in the
 * order given, crls [1] crls[0..n_crls) when n_crls > 0, signerInfos {} } }.
 * certs[0] is the issued certificate, then its chain up to the root; 1..16
 * certificates, 0..16 CRLs, each one DER TLV (a SEQUENCE). The SET OF is kept
 * in the order given, leaf first, as Windows writes it (not sorted by encoding
 * as strict DER would have it: clients take the first certificate as the leaf,
 * and nothing is signed over it). ICPR_OK with *out malloc()ed, ICPR_EINVAL, or
 * ICPR_ETOOLONG. */
int icpr_pkcs7_certs_only(const struct x509_buf *certs, size_t n, const struct x509_buf *crls,
			  size_t n_crls, struct x509_buf *out);

/* ---- the stored state as ICPR output ---- */

/* pdwDisposition values (MS-WCCE CR_DISP_*). */
#define ICPR_DISP_INCOMPLETE 0u
#define ICPR_DISP_ERROR 1u
#define ICPR_DISP_DENIED 2u
#define ICPR_DISP_ISSUED 3u
#define ICPR_DISP_ISSUED_OUT_OF_BAND 4u
#define ICPR_DISP_UNDER_SUBMISSION 5u
#define ICPR_DISP_REVOKED 6u

enum icpr_call {
	ICPR_CALL_SUBMIT = 0,   /* a new request (pdwRequestId 0 on input) */
	ICPR_CALL_RETRIEVE = 1, /* retrieval of request N */
};

/* pdwDisposition for a request whose ledger disposition (DISP_* of
 * firmware/ledger/event.h) and status code are these:
 *   DISP_ISSUED 3; DISP_PENDING 5; DISP_REVOKED 6;
 *   DISP_FAILED the hresult (E_FAIL when it is not a failure code);
 *   DISP_DENIED 2 on retrieval; on a new request (where only 3, 5 or an
 *     HRESULT may be returned) the hresult, or CERTSRV_E_ADMIN_DENIED_REQUEST
 *     when it is not a failure code;
 *   anything else E_UNEXPECTED. */
uint32_t icpr_disposition(uint32_t ledger_disp, uint32_t hresult, enum icpr_call call);

/* The disposition message: stored (the policy's or officer's text) when it is
 * non-empty, else the default: "Issued", "Taken Under Submission", "Denied by
 * Policy Module", "Revoked", and for failures "Error Parsing Request" (request
 * content errors: E_INVALIDARG, NTE_BAD_SIGNATURE, CRYPT_E_INVALID_MSG_TYPE,
 * CERTSRV_E_BAD_REQUESTSUBJECT) or "Error Constructing or Publishing
 * Certificate"; "Error" for an unknown disposition. Never NULL. */
const char *icpr_disposition_message(uint32_t ledger_disp, uint32_t hresult, const char *stored);

#endif
