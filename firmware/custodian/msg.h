/* The enrollment channel's messages (ca-worker <-> ca-custodian, proto.h): one
 * struct per message and one encode/decode pair, compiled into both sides (the
 * worker encodes requests and decodes answers; the custodian the reverse), as
 * OpenSSH pairs monitor_wrap.c's mm_* with monitor.c's mm_answer_*. A decoder
 * demands the exact layout (every byte consumed) and the bounds of proto.h; what
 * it fills points into the message (valid while the message is). The meaning of
 * the fields (who may be named, which format a request really has) is the
 * custodian's to check: the decoders check only shape. */
#ifndef CUSTODIAN_MSG_H
#define CUSTODIAN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/proto.h"
#include "platform/ipc.h"

/* proto.h's "who": the identity token ca-auth minted, or none and a name. */
struct cust_who {
	const uint8_t *token;
	size_t token_len; /* 0..IDTOKEN_MAX */
	char requester[CUST_REQUESTER_MAX + 1];
};

struct cust_submit {
	uint32_t format; /* ledger FMT_PKCS10..FMT_CMC */
	struct cust_who who;
	uint32_t flags;  /* dwFlags (firmware/icpr/icpr.h ICPR_CR_IN_*) */
	char attributes[CUST_ATTRIBUTES_MAX + 1];
	const uint8_t *request;
	size_t request_len; /* 0..CUST_REQUEST_MAX */
	const uint8_t *subject_token; /* proto.h: on behalf of another account */
	size_t subject_token_len;     /* 0..IDTOKEN_MAX */
};

struct cust_refused {
	uint32_t hresult; /* a failure: the severity bit set */
	struct cust_who who;
	char message[CUST_MESSAGE_MAX + 1];
	uint32_t size;
	const uint8_t *sha256; /* CUST_SHA256_LEN bytes */
	char peer[CUST_AUTH_NAME_MAX + 1]; /* the address it came from (1..) */
};

struct cust_retrieve {
	uint32_t request_id;
	struct cust_who who;
	const uint8_t *serial; /* a status inspection by serial number (0..20 bytes) */
	size_t serial_len;
};

/* CUST_RESPONSE: flags holds ICPR_CR_IN_FULLRESPONSE and/or ICPR_CR_IN_CRLS
 * (CUST_RESPONSE_FLAGS), no other bit. */
#define CUST_RESPONSE_FLAGS (0x40000u | 0x80000u)
struct cust_response {
	uint32_t request_id;
	uint32_t flags;
	struct cust_who who;
};

struct cust_response_is {
	const uint8_t *pkcs7;
	size_t pkcs7_len;       /* 1..CUST_PKCS7_MAX */
	uint32_t crls_left_out; /* 0 or 1 */
};

/* CUST_CAPROP: a CA property (prop_id: CR_PROP_*, firmware/icpr/caprop.h) at
 * index; whether either names a value is the custodian's to say. */
struct cust_caprop {
	uint32_t prop_id;
	uint32_t index;
	struct cust_who who;
};

/* CUST_CAPROP_IS: type CAPROP_TYPE_LONG (long_value; value empty), _BINARY
 * (value: DER, 1..CUST_CAPROP_VALUE_MAX) or _STRING (value: UTF-8 without NUL,
 * 0..CUST_CAPROP_VALUE_MAX; long_value 0 for both). */
struct cust_caprop_is {
	uint32_t type;
	uint32_t long_value;
	const uint8_t *value;
	size_t value_len;
	uint32_t indexed_count; /* an indexed property's indexes; 0: not indexed */
};

struct cust_auth_event {
	uint32_t what; /* enum cust_logon */
	char peer[CUST_AUTH_NAME_MAX + 1];
	char claimed[CUST_AUTH_NAME_MAX + 1];
	char detail[CUST_MESSAGE_MAX + 1];
};

struct cust_result {
	uint32_t request_id, disposition, hresult;
	char message[CUST_MESSAGE_MAX + 1];
	const uint8_t *cert;
	size_t cert_len; /* 0..CUST_CERT_MAX */
};

/* CUST_ERROR: the request was not decided (the custodian could not record it, or
 * refused the message); the worker answers the client with hresult. */
struct cust_error {
	uint32_t hresult; /* a failure: the severity bit set */
	char message[CUST_MESSAGE_MAX + 1];
};

#define CUST_CERT_MAX (64u * 1024u)
#define CUST_CHAIN_MAX (1u << 20) /* the CA's chain file, PEM */

/* The interface flags in CUST_CA_INFO: the CA properties icpr_enforce_encryption,
 * icpr_allow_anonymous, icpr_no_rpc as they are when the worker starts (the
 * custodian ends the worker's channel when one changes, so that cad starts a
 * worker that asks again). */
#define CUST_IF_ENFORCE_ENCRYPTION 1u
#define CUST_IF_ALLOW_ANONYMOUS 2u
#define CUST_IF_NO_RPC 4u
#define CUST_IF_ALL 7u

/* CUST_GET_CA's answer: the CA's certificate (DER), its chain file (PEM, may
 * be empty) and the interface flags (CUST_IF_*, no other bit). */
struct cust_ca_info {
	const uint8_t *cert;
	size_t cert_len; /* 1..CUST_CERT_MAX */
	const uint8_t *chain;
	size_t chain_len; /* 0..CUST_CHAIN_MAX */
	uint32_t flags;
};

/* CUST_ISSUE (the unrecorded path of the signing benchmark) and its answer. */
struct cust_issue {
	uint32_t profile; /* enum cust_profile, checked by the custodian */
	char subject[CUST_SUBJECT_MAX + 1]; /* RFC 4514 text */
	const uint8_t *spki;
	size_t spki_len; /* 0..CUST_SPKI_MAX */
	uint32_t validity_days;
};
struct cust_issued {
	const uint8_t *cert;
	size_t cert_len; /* 1..CUST_CERT_MAX */
};

/* Encoders append to w (its failed flag says if memory ran out). */
void cust_submit_encode(struct ipc_wbuf *w, const struct cust_submit *m);
void cust_refused_encode(struct ipc_wbuf *w, const struct cust_refused *m);
void cust_retrieve_encode(struct ipc_wbuf *w, const struct cust_retrieve *m);
void cust_response_encode(struct ipc_wbuf *w, const struct cust_response *m);
void cust_response_is_encode(struct ipc_wbuf *w, const struct cust_response_is *m);
void cust_caprop_encode(struct ipc_wbuf *w, const struct cust_caprop *m);
void cust_caprop_is_encode(struct ipc_wbuf *w, const struct cust_caprop_is *m);
void cust_auth_event_encode(struct ipc_wbuf *w, const struct cust_auth_event *m);
void cust_result_encode(struct ipc_wbuf *w, const struct cust_result *m);
void cust_ca_info_encode(struct ipc_wbuf *w, const struct cust_ca_info *m);
void cust_issue_encode(struct ipc_wbuf *w, const struct cust_issue *m);
void cust_issued_encode(struct ipc_wbuf *w, const struct cust_issued *m);
void cust_error_encode(struct ipc_wbuf *w, const struct cust_error *m);

/* Decoders: 0 with *m filled, or -1 (a violation: the channel should end). */
int cust_submit_decode(const uint8_t *p, size_t len, struct cust_submit *m);
int cust_refused_decode(const uint8_t *p, size_t len, struct cust_refused *m);
int cust_retrieve_decode(const uint8_t *p, size_t len, struct cust_retrieve *m);
int cust_response_decode(const uint8_t *p, size_t len, struct cust_response *m);
int cust_response_is_decode(const uint8_t *p, size_t len, struct cust_response_is *m);
int cust_caprop_decode(const uint8_t *p, size_t len, struct cust_caprop *m);
int cust_caprop_is_decode(const uint8_t *p, size_t len, struct cust_caprop_is *m);
int cust_auth_event_decode(const uint8_t *p, size_t len, struct cust_auth_event *m);
int cust_result_decode(const uint8_t *p, size_t len, struct cust_result *m);
int cust_ca_info_decode(const uint8_t *p, size_t len, struct cust_ca_info *m);
int cust_issue_decode(const uint8_t *p, size_t len, struct cust_issue *m);
int cust_issued_decode(const uint8_t *p, size_t len, struct cust_issued *m);
int cust_error_decode(const uint8_t *p, size_t len, struct cust_error *m);

#endif
