/* Messages the custodian answers over IPC (platform/ipc.h framing).
 *
 * Payload layouts (ipc_wbuf/ipc_rbuf codec: u32 little-endian, byte strings and
 * strings prefixed by a u32 length). The custodian checks each frame against a
 * per-peer whitelist and the exact layout; any violation ends the channel.
 *
 *   CUST_GET_CA      (empty)                      -> CUST_CA_INFO
 *   CUST_CA_INFO     bytes ca_cert_der, bytes chain_pem
 *   CUST_ISSUE       u32 profile, str subject (RFC 4514), bytes spki_der,
 *                    u32 validity_days            -> CUST_ISSUED | CUST_ERROR
 *   CUST_ISSUED      bytes cert_der
 *   CUST_ERROR       u32 code (an HRESULT), str message
 *
 *   CUST_SUBMIT      u32 format (ledger FMT_PKCS10..FMT_CMC: what the worker
 *                    detected), who, u32 flags (dwFlags as the client sent
 *                    them), str attributes (UTF-8 Name:Value lines), bytes
 *                    request (raw, as received), bytes subject_token
 *                    (0..IDTOKEN_MAX: for a request on behalf of another
 *                    account, the token ca-auth minted for the account the
 *                    request names, purpose IDTOKEN_SUBJECT, bound to the
 *                    caller's logon; empty otherwise)
 *                                                 -> CUST_RESULT | CUST_ERROR
 *                    The custodian parses and verifies the request itself
 *                    (derive.c; the signature is the proof of possession) and
 *                    builds a certificate only from what it derived. A format
 *                    that is not the one it detects fails the request.
 *   CUST_REFUSED     u32 hresult (a failure code), who, str message,
 *                    u32 size, bytes sha256 (32), str peer (the address it came
 *                    from, 1..CUST_AUTH_NAME_MAX): a request the worker refused
 *                    where its bytes entered (beyond CUST_REQUEST_LIMITS, of no
 *                    known format, or a call without the access it needs). It is
 *                    recorded as a failed request with its size and hash only
 *                    (ledger FMT_DIGEST) and its address, never its payload. The
 *                    answer comes at once; the journaling is aggregated per
 *                    address and account (authlog.c): a burst's later refusals
 *                    are answered with request id 0 and journaled as one record
 *                    with their count
 *                                                 -> CUST_RESULT | CUST_ERROR
 *   CUST_RETRIEVE    u32 request_id, who, bytes serial (0..CUST_SERIAL_MAX: a
 *                    status inspection by the certificate's serial number,
 *                    MS-WCCE 3.2.1.4.2.1.3, which then names the request)
 *                                                 -> CUST_RESULT | CUST_ERROR
 *                    (E_ACCESSDENIED unless who made the request)
 *   CUST_RESPONSE    u32 request_id, u32 flags (ICPR_CR_IN_FULLRESPONSE and/or
 *                    ICPR_CR_IN_CRLS, at least one, no other bit), who
 *                                                 -> CUST_RESPONSE_IS | CUST_ERROR
 *                    What the worker puts in pctbCert when the client asked
 *                    for more than the certs-only PKCS#7 (respond.c): with
 *                    FULLRESPONSE the CMC full PKI response signed with the CA
 *                    key, else a certs-only PKCS#7; the request's certificate
 *                    (if issued), the CA chain, and with CRLS the current base
 *                    and delta CRLs. CUST_ERROR: CERTSRV_E_PROPERTY_EMPTY (no
 *                    such request), E_ACCESSDENIED (who did not make it, or
 *                    the interface refuses who), or the response could not be
 *                    built (the worker then answers as without the flags).
 *   CUST_RESPONSE_IS bytes pkcs7 (1..CUST_PKCS7_MAX), u32 crls_left_out (0 or
 *                    1: CRLS was asked but the CRLs would have made the PKCS#7
 *                    larger than CUST_PKCS7_MAX, so none is carried)
 *   CUST_CAPROP      u32 prop_id (firmware/icpr/caprop.h CR_PROP_*), u32 index
 *                    (for an indexed property; 0 otherwise), who
 *                                                 -> CUST_CAPROP_IS | CUST_ERROR
 *                    A CA property as ICertRequestD2::GetCAProperty answers it
 *                    (MS-WCCE 3.2.1.4.3.2), from the custodian's own state
 *                    (caprop.c). who is checked as for CUST_RESPONSE (the
 *                    interface flags: anonymous only when they allow it).
 *                    CUST_ERROR: E_INVALIDARG (a property id the custodian does
 *                    not know, an index out of range), CERTSRV_E_PROPERTY_EMPTY
 *                    (no value now: no delta CRL published, no URL set),
 *                    E_ACCESSDENIED (the interface refuses who),
 *                    CUST_HR_TOO_LARGE (a binary value, a CRL, larger than
 *                    CUST_CAPROP_VALUE_MAX: not carried; the client fetches it
 *                    from the CRL distribution point), E_UNEXPECTED (the ledger
 *                    could not be read). The id and index are the custodian's to
 *                    judge: no value of either is a violation.
 *   CUST_CAPROP_IS   u32 type (CAPROP_TYPE_LONG, _BINARY or _STRING), u32
 *                    long_value (0 unless LONG), bytes value (empty for LONG;
 *                    BINARY: DER, 1..CUST_CAPROP_VALUE_MAX; STRING: UTF-8, no NUL,
 *                    0..CUST_CAPROP_VALUE_MAX, the worker converts), u32
 *                    indexed_count (an indexed property's number of indexes, 0 for
 *                    one that is not indexed)
 *   who              bytes id_token, str requester: the identity token ca-auth
 *                    minted for the connection's logon (firmware/identity; the
 *                    custodian verifies it with this worker's key and records
 *                    the identity inside) and an empty requester, or no token
 *                    and "anonymous@ADDRESS". Anything else is a violation: the
 *                    worker cannot name a requester.
 *   CUST_RESULT      u32 request_id, u32 disposition (ledger DISP_*), u32 hresult,
 *                    str message, bytes cert_der (empty unless issued)
 *   CUST_AUTH_EVENT  u32 what (enum cust_logon), str peer, str claimed identity
 *                    (may be empty), str detail: a refused logon or protected
 *                    call, journaled as a logon-refused event under the actor
 *                    "unauthenticated" (authlog.c); the worker cannot write any
 *                    other kind of event; under the journal budget (authlog.h)
 *                                 -> CUST_RESULT (zeros, message "recorded", or
 *                                    "counted": journaled with its burst's count)
 *                                    | CUST_ERROR
 *
 * SUBMIT and RETRIEVE need the ledger: every request is recorded (with its raw
 * bytes, attributes and requester) before the policy decides, the intent before
 * the HSM signs, the certificate before it is answered. CUST_ERROR there means
 * the ledger could not record: nothing was decided. CUST_ISSUE is the unrecorded
 * path the signing benchmark uses; it is refused when a ledger is attached.
 *
 * The custodian builds the TBSCertificate itself from these typed fields and
 * never signs bytes a peer supplied. */
#ifndef CUSTODIAN_PROTO_H
#define CUSTODIAN_PROTO_H

#include "firmware/icpr/hresult.h"
#include "firmware/identity/idtoken.h"
#include "platform/ipc_ranges.h"

enum cust_msg {
	CUST_GET_CA = 0x100,
	CUST_CA_INFO = 0x101,
	CUST_ISSUE = 0x110,
	CUST_ISSUED = 0x111,
	CUST_SUBMIT = 0x120,
	CUST_RESULT = 0x121,
	CUST_RETRIEVE = 0x122,
	CUST_REFUSED = 0x123,
	CUST_RESPONSE = 0x124,
	CUST_RESPONSE_IS = 0x125,
	CUST_CAPROP = 0x126,
	CUST_CAPROP_IS = 0x127,
	CUST_AUTH_EVENT = 0x130,
	CUST_ERROR = 0x1ff,
	CUST_CTL_WORKER = 0x180, /* cad -> custodian: a worker channel (descriptor attached),
				  * payload its identity-token key (IDTOKEN_KEY_LEN bytes) */
};
_Static_assert(IPC_IN_RANGE(CUST_GET_CA, IPC_RANGE_CUST), "CUST_GET_CA outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_CA_INFO, IPC_RANGE_CUST), "CUST_CA_INFO outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_ISSUE, IPC_RANGE_CUST), "CUST_ISSUE outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_ISSUED, IPC_RANGE_CUST), "CUST_ISSUED outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_SUBMIT, IPC_RANGE_CUST), "CUST_SUBMIT outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_RESULT, IPC_RANGE_CUST), "CUST_RESULT outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_RETRIEVE, IPC_RANGE_CUST), "CUST_RETRIEVE outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_REFUSED, IPC_RANGE_CUST), "CUST_REFUSED outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_RESPONSE, IPC_RANGE_CUST), "CUST_RESPONSE outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_RESPONSE_IS, IPC_RANGE_CUST), "CUST_RESPONSE_IS outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_CAPROP, IPC_RANGE_CUST), "CUST_CAPROP outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_CAPROP_IS, IPC_RANGE_CUST), "CUST_CAPROP_IS outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_AUTH_EVENT, IPC_RANGE_CUST), "CUST_AUTH_EVENT outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_ERROR, IPC_RANGE_CUST), "CUST_ERROR outside its channel's range");
_Static_assert(IPC_IN_RANGE(CUST_CTL_WORKER, IPC_RANGE_CUST), "CUST_CTL_WORKER outside its channel's range");


/* CUST_AUTH_EVENT's what: the only things the worker may journal about a logon. */
enum cust_logon {
	CUST_LOGON_NTLM_REFUSED = 1,     /* wrong password, unknown user, malformed */
	CUST_LOGON_RPC_VIOLATION = 2,    /* a forged or replayed verifier */
	CUST_LOGON_RETRIEVE_REFUSED = 3, /* a retrieval refused */
	CUST_LOGON_KERBEROS_REFUSED = 4, /* a SPNEGO/Kerberos logon refused */
};

enum cust_profile {
	CUST_PROFILE_CLIENT = 1, /* end entity: digitalSignature (|keyEncipherment for RSA), clientAuth */
	CUST_PROFILE_SERVER = 2, /* end entity: digitalSignature (|keyEncipherment for RSA), serverAuth */
};

/* What the custodian accepts in a request: one definition for the channel. The
 * worker refuses more with the HRESULT firmware/icpr's icpr_request_admit names
 * (the same check the custodian makes first); CUST_ISSUE's subject and key use
 * the same bounds. */
#define CUST_REQUEST_MAX (64u * 1024u) /* raw bytes as sent */
#define CUST_SUBJECT_MAX 1024          /* DER Name */
#define CUST_SPKI_MAX 2048             /* DER SubjectPublicKeyInfo (RSA 8192 is ~1.1 KiB) */
#define CUST_REQ_EXT_MAX 16            /* extensions a request asks for */
#define CUST_REQ_EXT_BYTES_MAX 8192    /* their DER */
#define CUST_ATTRIBUTES_MAX 4096       /* the attribute string as UTF-8 */
/* An initializer for firmware/icpr's struct icpr_limits. */
#define CUST_REQUEST_LIMITS                                                              \
	{                                                                                \
		.request = CUST_REQUEST_MAX, .subject = CUST_SUBJECT_MAX,                \
		.spki = CUST_SPKI_MAX, .n_ext = CUST_REQ_EXT_MAX,                        \
		.ext_bytes = CUST_REQ_EXT_BYTES_MAX,                                     \
	}

#define CUST_ISSUE_MAX (4 + 4 + CUST_SUBJECT_MAX + 4 + CUST_SPKI_MAX + 4)
#define CUST_REQUESTER_MAX 256
#define CUST_MESSAGE_MAX 512
#define CUST_SHA256_LEN 32
#define CUST_AUTH_NAME_MAX 256
#define CUST_AUTH_EVENT_MAX (4 * 4 + 2 * CUST_AUTH_NAME_MAX + CUST_MESSAGE_MAX)
/* Who asks, in SUBMIT, REFUSED and RETRIEVE: bytes id_token (0..IDTOKEN_MAX), str
 * requester (empty beside a token; "anonymous@ADDRESS" without one). */
#define CUST_WHO_MIN (4 + 4)
#define CUST_WHO_MAX (4 + IDTOKEN_MAX + 4 + CUST_REQUESTER_MAX)
#define CUST_SUBMIT_MIN (4 + CUST_WHO_MIN + 4 + 4 + 4 + 4)
#define CUST_SUBMIT_MAX                                                                  \
	(4 + CUST_WHO_MAX + 4 + 4 + CUST_ATTRIBUTES_MAX + 4 + CUST_REQUEST_MAX + 4 +    \
	 IDTOKEN_MAX)
#define CUST_REFUSED_MIN (4 + CUST_WHO_MIN + 4 + 4 + 4 + CUST_SHA256_LEN + 4 + 1)
#define CUST_REFUSED_MAX                                                                 \
	(4 + CUST_WHO_MAX + 4 + CUST_MESSAGE_MAX + 4 + 4 + CUST_SHA256_LEN + 4 +        \
	 CUST_AUTH_NAME_MAX)
#define CUST_SERIAL_MAX 20 /* a certificate's serial number, bytes */
#define CUST_RETRIEVE_MIN (4 + CUST_WHO_MIN + 4)
#define CUST_RETRIEVE_MAX (4 + CUST_WHO_MAX + 4 + CUST_SERIAL_MAX)
#define CUST_RESPONSE_MIN (4 + 4 + CUST_WHO_MIN)
#define CUST_RESPONSE_MAX (4 + 4 + CUST_WHO_MAX)
/* The PKCS#7 of CUST_RESPONSE_IS, CRLs included: the RPC response stub that
 * carries it (RPC_DEFAULT_MAX_STUB, 1 MiB) also carries the certificate (up to
 * CUST_CERT_MAX) and the disposition message. CRLs that would make it larger are
 * left out (crls_left_out); a PKCS#7 larger without them is not built. */
#define CUST_PKCS7_MAX (512u * 1024u)
/* The note the worker appends to the disposition message, and the custodian to
 * the CMC statusString, when the CRLs were left out (argument: the cap in KiB). */
#define CUST_CRLS_LEFT_OUT_FMT                                                           \
	" (CRLs left out: larger than %u KiB; fetch them from the CRL distribution point)"
#define CUST_RESPONSE_IS_MAX (4 + CUST_PKCS7_MAX + 4)
#define CUST_CAPROP_MIN (4 + 4 + CUST_WHO_MIN)
#define CUST_CAPROP_MAX (4 + 4 + CUST_WHO_MAX)
/* A CA property's value in CUST_CAPROP_IS: the cap of CUST_RESPONSE_IS's PKCS#7
 * (the RPC response stub that carries it, 1 MiB, holds it with room to spare).
 * A base CRL may be far larger: beyond the cap it is not carried
 * (CUST_HR_TOO_LARGE, which the worker answers the client as is). */
#define CUST_CAPROP_VALUE_MAX CUST_PKCS7_MAX
#define CUST_HR_TOO_LARGE 0x8007007au /* HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER) */
#define CUST_CAPROP_IS_MAX (4 + 4 + 4 + CUST_CAPROP_VALUE_MAX + 4)
/* What the worker receives from the custodian (firmware/worker/start.c): the
 * largest answer, CUST_CAPROP_IS (CUST_RESPONSE_IS is 8 bytes less). */
#define CUST_ANSWER_MAX                                                                  \
	(CUST_CAPROP_IS_MAX > CUST_RESPONSE_IS_MAX ? CUST_CAPROP_IS_MAX : CUST_RESPONSE_IS_MAX)
#define CUST_WORKER_RECV_MAX                                                             \
	(CUST_ANSWER_MAX > CUST_SUBMIT_MAX ? CUST_ANSWER_MAX : CUST_SUBMIT_MAX)
/* The custodian receives the worker's messages with CUST_SUBMIT_MAX as its cap
 * (serve.c): the others that carry an identity token (IDTOKEN_MAX, which grew
 * with the account attributes of version 2) must fit it. */
_Static_assert(CUST_REFUSED_MAX <= CUST_SUBMIT_MAX, "REFUSED fits the channel's cap");
_Static_assert(CUST_RETRIEVE_MAX <= CUST_SUBMIT_MAX, "RETRIEVE fits the channel's cap");
_Static_assert(CUST_RESPONSE_MAX <= CUST_SUBMIT_MAX, "RESPONSE fits the channel's cap");
_Static_assert(CUST_CAPROP_MAX <= CUST_SUBMIT_MAX, "CAPROP fits the channel's cap");
_Static_assert(CUST_WORKER_RECV_MAX >= CUST_CAPROP_IS_MAX, "the worker takes CAPROP_IS");
_Static_assert(CUST_WORKER_RECV_MAX >= CUST_RESPONSE_IS_MAX, "the worker takes RESPONSE_IS");

/* HRESULTs the custodian reports: firmware/icpr/hresult.h (included above). */

#endif
