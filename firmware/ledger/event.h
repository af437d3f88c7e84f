/* The ledger's journal events: the typed model, the binary record format and the
 * hash chain.
 *
 * A record is the event's header then its typed body, encoded with platform's
 * payload codec (little-endian scalars, byte strings prefixed by a u32 length):
 *
 *   u32 magic 'LEV1' | u64 seq | i64 time | u32 type | u32 actor_kind | str actor |
 *   32 bytes prev (SHA-256 of the previous record; zeros before genesis) | body
 *
 * and decoding demands that exact layout (every byte consumed, every enum known,
 * every length within its limit). The hash of a record is SHA-256 over its bytes;
 * the next record carries it as prev. The body layout of each type is documented
 * at its struct below, fields in the order they are encoded.
 *
 * MS-WCCE / MS-CSRA keep a Request, Certificate, Extension, Attribute and CRL
 * table; each row of theirs is derived here from events (see index.h). */
#ifndef LEDGER_EVENT_H
#define LEDGER_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/common/request.h"
#include "platform/ipc.h"

#define LEDGER_MAGIC 0x3156454cu /* "LEV1" little-endian */
#define LEDGER_HASH_LEN 32
#define LEDGER_NAME_MAX 256       /* actor, requester, operator, property names */
#define LEDGER_TEXT_MAX 4096      /* messages, attribute strings, property values */
#define LEDGER_BLOB_MAX (1u << 20) /* raw requests, certificates, key blobs */
/* A CRL: 128 MiB holds about three million entries (44 bytes each). The ledger
 * keeps every CRL it was asked to record, as AD CS keeps them in its CRL table. */
#define LEDGER_CRL_MAX (128u << 20)
#define LEDGER_SERIAL_MAX 20
#define LEDGER_OID_MAX 128

enum ledger_type {
	EV_GENESIS = 1,          /* the first event: names the CA certificate */
	EV_REQUEST_RECEIVED = 2, /* a request arrived; the ledger assigns its id */
	EV_DISPOSITION = 3,      /* a request's disposition changed */
	EV_EXTENSION_SET = 4,    /* an officer set an extension on a pending request */
	EV_CERT_INTENT = 5,      /* about to sign: serial and TBS hash (persist, then sign) */
	EV_CERT_ISSUED = 6,      /* the signed certificate */
	EV_CERT_REVOKED = 7,
	EV_CERT_UNREVOKED = 8,   /* a certificateHold released */
	EV_CRL_PUBLISHED = 9,
	EV_KEY_ARCHIVED = 10,
	EV_PROPERTY_CHANGED = 11,
	EV_OPERATOR_ACTION = 12, /* logins, role changes, refused actions ... */
	EV_LOGON_REFUSED = 13,   /* a network peer's refused logon or protected call */
	EV_CHECKPOINT = 14,      /* the custodian's signed checkpoint of an earlier record */
	EV_TEMPLATE_CHANGED = 15, /* a certificate template added, changed or removed */
	EV_REQUEST_LINK = 16,    /* a request's tie to a certificate (renewal, agent) */
	EV_TYPE_MAX = 16,
};

enum ledger_actor {
	ACTOR_CA = 1,        /* the CA itself (policy, automatic CRLs) */
	ACTOR_OPERATOR = 2,  /* an authenticated operator at the console */
	ACTOR_REQUESTER = 3, /* an enrollee, as authenticated by the worker's peer */
};

/* enum ledger_disposition (DISP_*) and enum ledger_format (FMT_*; FMT_DIGEST's raw
 * is LEDGER_DIGEST_LEN bytes): firmware/common/request.h. */
#define LEDGER_DIGEST_LEN (4 + LEDGER_HASH_LEN)

/* RFC 5280 CRLReason values 0..10 except 7. unspecified (0) is written to CRLs
 * without a reasonCode extension, as RFC 5280 5.3.1 recommends. */
#define LEDGER_REASON_MAX 10
/* In the revoked set only: a released hold (certificateHold undone), which delta
 * CRLs list as removeFromCRL (RFC 5280 5.3.1); never a reason to revoke with. */
#define LEDGER_REASON_RELEASED 8

/* Byte strings point into the decoded record (or the caller's memory when
 * encoding); nothing is copied. */
struct ledger_bytes {
	const uint8_t *p;
	size_t len;
};

/* genesis: bytes ca_cert (DER, 1..BLOB_MAX) */
struct ev_genesis {
	struct ledger_bytes ca_cert;
};

/* request received: u32 request_id (0 when appending: the ledger assigns it) |
 * u32 format | str requester (1..NAME_MAX) | bytes raw (1..BLOB_MAX) |
 * str attributes (0..TEXT_MAX) [| u32 count (1..) | i64 since | str peer
 * (0..NAME_MAX)]
 *
 * The bracketed tail is optional (LEDGER_TAIL below), and only a refused
 * request's record (FMT_DIGEST) has it: peer is the address it came from, count
 * how many refusals this record stands for (the custodian journals the first of
 * a burst at once and the rest as one record with their count, firmware/
 * custodian/authlog.c), since the custodian's time of the first one counted;
 * raw and the disposition then describe the last one. */
struct ev_request {
	uint32_t request_id;
	uint32_t format;
	const char *requester;
	struct ledger_bytes raw;
	const char *attributes;
	uint32_t count; /* 0: no tail (a record from before the tail, or not a refusal) */
	int64_t since;
	const char *peer;
	/* Not part of the record (never encoded, never decoded): the events the
	 * custodian commits right after the request, in the same group, whatever
	 * decides it next (its links, cmsreq.h). NULL / 0 for none. */
	struct ledger_event *const *with;
	size_t n_with;
};

/* disposition: u32 request_id | u32 disposition | u32 hresult | str message
 * (0..TEXT_MAX) */
struct ev_disposition {
	uint32_t request_id;
	uint32_t disposition;
	uint32_t hresult;
	const char *message;
};

/* extension set: u32 request_id | str oid (dotted, 3..OID_MAX) | u32 flags |
 * bytes value (DER extnValue contents, 0..TEXT_MAX) */
struct ev_extension {
	uint32_t request_id;
	const char *oid;
	uint32_t flags;
	struct ledger_bytes value;
};

/* certificate intent: u32 request_id | bytes serial (1..SERIAL_MAX) |
 * 32 bytes tbs_sha256 | i64 not_before | i64 not_after */
struct ev_intent {
	uint32_t request_id;
	struct ledger_bytes serial;
	uint8_t tbs_sha256[LEDGER_HASH_LEN];
	int64_t not_before, not_after;
};

/* certificate issued: u32 request_id | bytes serial (1..SERIAL_MAX) |
 * i64 not_before | i64 not_after | bytes cert (DER, 1..BLOB_MAX) */
struct ev_issued {
	uint32_t request_id;
	struct ledger_bytes serial;
	int64_t not_before, not_after;
	struct ledger_bytes cert;
};

/* revoked: bytes serial | u32 reason (0..REASON_MAX, not 7) | i64 revoked_at |
 * i64 invalidity (0: none) ; unrevoked: bytes serial, the other fields zero and
 * not encoded */
struct ev_revocation {
	struct ledger_bytes serial;
	uint32_t reason;
	int64_t revoked_at;
	int64_t invalidity;
};

/* CRL published: u64 number | u32 is_delta | u64 base_number (0 for a base CRL) |
 * i64 this_update | i64 next_update | bytes crl (DER, 1..CRL_MAX) */
struct ev_crl {
	uint64_t number;
	uint32_t is_delta;
	uint64_t base_number;
	int64_t this_update, next_update;
	struct ledger_bytes crl;
};

/* key archived: u32 request_id | bytes blob (1..BLOB_MAX, the encrypted key) */
struct ev_archive {
	uint32_t request_id;
	struct ledger_bytes blob;
};

/* property changed: str name (1..NAME_MAX) | bytes value (0..BLOB_MAX) */
struct ev_property {
	const char *name;
	struct ledger_bytes value;
};

/* operator action: str action (1..NAME_MAX) | str target (0..NAME_MAX) |
 * u32 allowed (0/1) | str detail (0..TEXT_MAX). The operator is the actor. */
struct ev_operator {
	const char *action;
	const char *target;
	uint32_t allowed;
	const char *detail;
};

/* A refused logon or protected call, as the worker saw it: the fixed set of
 * what happened. Its actor is always ACTOR_REQUESTER "unauthenticated": the name
 * the client claimed is a claim, kept in its own field, so that an audit by
 * actor never files a stranger's attempt under a real account. */
enum logon_action {
	LOGON_NTLM_REFUSED = 1,     /* wrong password, unknown user, malformed logon */
	LOGON_RPC_VIOLATION = 2,    /* a forged or replayed verifier, another context */
	LOGON_RETRIEVE_REFUSED = 3, /* a retrieval of someone else's request */
	LOGON_KERBEROS_REFUSED = 4, /* a Kerberos (SPNEGO) logon refused: a bad or
				     * replayed ticket, no keytab, unknown user */
	LOGON_ACTION_MAX = 4,
};
#define LOGON_ACTOR "unauthenticated"

/* logon refused: u32 action (enum logon_action) | str peer (1..NAME_MAX, the
 * client's address) | str claimed (0..NAME_MAX) | str detail (0..TEXT_MAX)
 * [| u32 count (1..) | i64 since]: the optional tail (LEDGER_TAIL) says how many
 * refusals of this kind the record stands for, from since on (the custodian's
 * aggregation: a burst's first at once, the rest as one record). A summary
 * whose burst mixed several addresses or accounts names "*" for that field. */
struct ev_logon {
	uint32_t action;
	const char *peer;
	const char *claimed;
	const char *detail;
	uint32_t count; /* 0: no tail (a record from before the tail: one refusal) */
	int64_t since;
};

/* checkpoint: u64 seq (1.., below this event's own) | 32 bytes head (the SHA-256
 * of record seq) | i64 time | u64 crl_number (0: no CRL yet) | bytes signed (the
 * DER SignedLedgerCheckpoint of these four, 1..CHECKPOINT_MAX). The custodian
 * signs it with the CA key in the HSM and keeps the newest on the token as the
 * ledger's anchor (firmware/custodian/checkpoint.c). The ledger does not parse
 * the signed form (it never links X.509); index.c demands an earlier seq and
 * the CA as actor, verify.c that head is record seq's hash. */
#define LEDGER_CHECKPOINT_MAX 4096
struct ev_checkpoint {
	uint64_t seq;
	uint8_t head[LEDGER_HASH_LEN];
	int64_t time;
	uint64_t crl_number;
	struct ledger_bytes signed_der;
};

/* A certificate template's change (issue 15; the custodian's template store,
 * firmware/custodian/tmplstore.c, journals them and the ledger indexes the latest
 * of each name, IX_TEMPLATES). The bounds are defined here once: the ledger never
 * links firmware/policy, whose TEMPLATE_NAME_MAX and TEMPLATE_TEXT_MAX the
 * custodian static-asserts equal to these. */
#define LEDGER_TEMPLATE_NAME_MAX 64     /* bytes of a name, [A-Za-z0-9._-] */
#define LEDGER_TEMPLATE_TEXT_MAX 32768  /* bytes of a template's canonical text */
#define LEDGER_TEMPLATES_MAX 256        /* names ever indexed (removed ones count) */

enum ledger_template_action {
	LEDGER_TEMPLATE_ADDED = 1,   /* no live template of that name before */
	LEDGER_TEMPLATE_CHANGED = 2, /* a live one, its (major, minor) strictly grown */
	LEDGER_TEMPLATE_REMOVED = 3, /* a live one, no text, the latest's version */
	LEDGER_TEMPLATE_ACTION_MAX = 3,
};

/* template changed: u32 action (enum ledger_template_action) | str name
 * (1..TEMPLATE_NAME_MAX bytes of [A-Za-z0-9._-]) | u32 major | u32 minor |
 * bytes text (the canonical template text: 1..TEMPLATE_TEXT_MAX bytes when
 * added or changed, 0 when removed). The ledger does not parse the text (it
 * never links firmware/policy); index.c holds the names' rules: ASCII case is
 * ignored when names are compared, an added name is not live, a changed or
 * removed one is, a change grows the version, a removal keeps it. */
struct ev_template {
	uint32_t action;
	const char *name;
	uint32_t major, minor;
	struct ledger_bytes text;
};

/* What a request is, beside its own bytes (issue 16), recorded by the custodian
 * in the request's commit once it has checked it:
 *   renewal: the certificate renewed (its serial; the request was signed with
 *     its key), account = whom it was issued to;
 *   on behalf: an enrollment agent's certificate that signed (its serial; one
 *     event per agent), account = the account the request is for (the agent is
 *     the request's requester, the logon that sent it).
 * So the journal links an old serial to the new certificate of the same request,
 * and a certificate made for one account to the agent who asked. */
enum ledger_link_kind {
	LEDGER_LINK_RENEWAL = 1,
	LEDGER_LINK_ON_BEHALF = 2,
	LEDGER_LINK_KIND_MAX = 2,
};

/* request link: u32 request_id (0 in a group: the group's request) | u32 kind
 * (enum ledger_link_kind) | bytes serial (1..SERIAL_MAX) | str account
 * (1..NAME_MAX) */
struct ev_link {
	uint32_t request_id;
	uint32_t kind;
	struct ledger_bytes serial;
	const char *account;
};

/* Human names of enum ledger_link_kind ("renewal", "on-behalf"); NULL when unknown. */
const char *ledger_link_kind_name(uint32_t kind);

/* Human names of enum ledger_template_action ("added", ...); NULL when unknown. */
const char *ledger_template_action_name(uint32_t action);

/* LEDGER_TAIL. Fields added to a body after its type was first defined are an
 * optional tail: present in a record exactly when its first field, a count, is
 * not 0. A record written before the tail existed ends before it and decodes
 * with count 0 (one event); one that has it decodes with count >= 1. Each
 * re-encodes to its own bytes, so old and new records replay alike. A summary
 * marker for fields a burst did not share: */
#define LEDGER_MANY "*"

/* Human names of enum logon_action ("ntlm-refused", ...) and back; NULL / 0. */
const char *ledger_logon_action_name(uint32_t action);
uint32_t ledger_logon_action_from_name(const char *name);

struct ledger_event {
	uint64_t seq;  /* 1 for genesis, then +1 per event */
	int64_t time;  /* unix seconds, set by the ledger at append */
	uint32_t type; /* enum ledger_type */
	uint32_t actor_kind;
	const char *actor; /* 1..NAME_MAX bytes, no NUL */
	uint8_t prev[LEDGER_HASH_LEN];
	union {
		struct ev_genesis genesis;
		struct ev_request request;
		struct ev_disposition disposition;
		struct ev_extension extension;
		struct ev_intent intent;
		struct ev_issued issued;
		struct ev_revocation revocation; /* EV_CERT_REVOKED and EV_CERT_UNREVOKED */
		struct ev_crl crl;
		struct ev_archive archive;
		struct ev_property property;
		struct ev_operator op;
		struct ev_logon logon;
		struct ev_checkpoint checkpoint;
		struct ev_template tmpl;
		struct ev_link link;
	} u;
};

/* The events a record stands for: its count, or 1 for a record without one. */
uint32_t ledger_event_count(const struct ledger_event *ev);

/* Human names ("request-received", ...) and back; NULL / 0 when unknown. */
const char *ledger_type_name(uint32_t type);
uint32_t ledger_type_from_name(const char *name);
const char *ledger_disposition_name(uint32_t disposition);

/* The typed body alone (what the custodian sends with an append). 0, or -1 when a
 * field is out of its range (err says which). */
int ledger_body_encode(const struct ledger_event *ev, struct ipc_wbuf *w, char *err,
		       size_t errlen);
/* Decodes a body of the given type from r into ev->u; the caller checks
 * ipc_rbuf_done. Strings are decoded into storage the caller provides: they are
 * copied into strbuf (NUL-terminated, strbuf_size bytes in all), and ev's
 * pointers point there; byte strings point into r's buffer. 0 or -1. */
int ledger_body_decode(uint32_t type, struct ipc_rbuf *r, struct ledger_event *ev,
		       char *strbuf, size_t strbuf_size, char *err, size_t errlen);

/* The whole record: header and body. */
int ledger_record_encode(const struct ledger_event *ev, struct ipc_wbuf *w, char *err,
			 size_t errlen);
/* Decodes a whole record (exact layout, every byte consumed). strbuf as above;
 * LEDGER_STRBUF is always enough. */
#define LEDGER_STRBUF (4 * LEDGER_NAME_MAX + 2 * LEDGER_TEXT_MAX + LEDGER_OID_MAX + 64)
int ledger_record_decode(const uint8_t *rec, size_t len, struct ledger_event *ev,
			 char *strbuf, size_t strbuf_size, char *err, size_t errlen);

/* One line describing ev for people (the audit view): seq, time, type, actor and
 * the fields that matter for its type (describe.c). */
void ledger_event_line(const struct ledger_event *ev, char *out, size_t outlen);

/* SHA-256 of a record's bytes: the next record's prev. */
void ledger_record_hash(const uint8_t *rec, size_t len, uint8_t out[LEDGER_HASH_LEN]);

#endif
