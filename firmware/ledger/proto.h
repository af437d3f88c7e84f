/* The ledger's IPC protocol (platform/ipc.h framing). Its only peer is the
 * custodian; requests carry an id and replies echo it, so the custodian keeps
 * several in flight and their appends share commits. The structs and
 * encode/decode pairs of the layouts below are msg.h's (lmsg_*), linked by both
 * ends.
 *
 *   LEDGER_APPEND      u32 type | u32 actor_kind | str actor | body (event.h layout,
 *                      the rest of the payload)        -> LEDGER_APPENDED | LEDGER_ERROR
 *   LEDGER_APPENDED    u64 seq | i64 time | u32 request id (0 unless a request) |
 *                      32 bytes record hash
 *   LEDGER_APPEND_GROUP u32 n (1..4) | n x bytes (an APPEND payload each, at least
 *                      LEDGER_APPEND_MIN bytes): recorded
 *                      together or not at all; later members' request id 0 means
 *                      the group's request     -> LEDGER_APPENDED_GROUP | LEDGER_ERROR
 *   LEDGER_APPENDED_GROUP u32 n | n x (u64 seq | i64 time | u32 request id | 32 hash)
 *   LEDGER_GET_REQUEST u32 request id                  -> LEDGER_REQUEST | LEDGER_ERROR
 *   LEDGER_REQUEST     request row (row.h)
 *   LEDGER_GET_EVENT   u64 seq                         -> LEDGER_EVENT | LEDGER_ERROR
 *   LEDGER_EVENT       bytes record (event.h)
 *   LEDGER_GET_CERT    bytes serial (1..20)            -> LEDGER_CERT | LEDGER_ERROR
 *   LEDGER_CERT        cert row (row.h)
 *   LEDGER_VIEW        view query (view.h)             -> LEDGER_ROWS | LEDGER_ERROR
 *   LEDGER_ROWS        u32 n | n x bytes (request row) | u32 more
 *   LEDGER_HEAD        (empty)                         -> LEDGER_HEAD_IS
 *   LEDGER_HEAD_IS     u64 seq | 32 bytes hash
 *   LEDGER_VERIFY      (empty)                         -> LEDGER_VERIFIED
 *   LEDGER_VERIFIED    u32 ok | u64 events | str message
 *   LEDGER_REVOKED_LIST bytes after (serial, 0..20 bytes: from the start)
 *                                                     -> LEDGER_REVOKED_ROWS
 *   LEDGER_REVOKED_ROWS u32 n | n x (bytes serial | revoked row (row.h)) | u32 more
 *                      (at most LEDGER_REVOKED_PAGE rows; released holds carry reason
 *                      8, removeFromCRL)
 *   LEDGER_CRL_LATEST  u32 want_base (0 or 1)          -> LEDGER_CRL_ROW | LEDGER_ERROR
 *   LEDGER_CRL_ROW     u64 number | CRL row (row.h)
 *   LEDGER_GET_EXTENSIONS u32 request id               -> LEDGER_EVENTS
 *   LEDGER_GET_PROP    str name (not empty)            -> LEDGER_EVENT | LEDGER_ERROR
 *   LEDGER_GET_TEMPLATES (empty)                      -> LEDGER_EVENTS | LEDGER_ERROR
 *                      the latest template-changed event of every template
 *                      name, removed ones included (so "never any template" and
 *                      "all removed" differ), in the order of the names in ASCII
 *                      lower case; at most LEDGER_TEMPLATES_MAX (about 8.5 MiB)
 *   LEDGER_GET_EVENTS  u64 first seq | u32 max         -> LEDGER_EVENTS
 *   LEDGER_EVENTS      u32 n | n x bytes record        (consecutive, at most max and
 *                      about LEDGER_EVENTS_BYTES in all; n = 0 past the head)
 *   LEDGER_ERROR       u32 code (enum below) | str message
 */
#ifndef LEDGER_PROTO_H
#define LEDGER_PROTO_H

#include "platform/ipc_ranges.h"

enum ledger_msg {
	LEDGER_APPEND = 0x200,
	LEDGER_APPENDED = 0x201,
	LEDGER_APPEND_GROUP = 0x202,
	LEDGER_APPENDED_GROUP = 0x203,
	LEDGER_GET_REQUEST = 0x210,
	LEDGER_REQUEST = 0x211,
	LEDGER_GET_EVENT = 0x212,
	LEDGER_EVENT = 0x213,
	LEDGER_GET_CERT = 0x214,
	LEDGER_CERT = 0x215,
	LEDGER_VIEW = 0x220,
	LEDGER_ROWS = 0x221,
	LEDGER_HEAD = 0x230,
	LEDGER_HEAD_IS = 0x231,
	LEDGER_VERIFY = 0x232,
	LEDGER_VERIFIED = 0x233,
	LEDGER_REVOKED_LIST = 0x240,
	LEDGER_REVOKED_ROWS = 0x241,
	LEDGER_CRL_LATEST = 0x242,
	LEDGER_CRL_ROW = 0x243,
	LEDGER_GET_EXTENSIONS = 0x244,
	LEDGER_EVENTS = 0x245,
	LEDGER_GET_PROP = 0x246,
	LEDGER_GET_EVENTS = 0x248,
	LEDGER_GET_TEMPLATES = 0x24a,
	LEDGER_ERROR = 0x2ff,
};
_Static_assert(IPC_IN_RANGE(LEDGER_APPEND, IPC_RANGE_LEDGER), "LEDGER_APPEND outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_APPENDED, IPC_RANGE_LEDGER), "LEDGER_APPENDED outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_APPEND_GROUP, IPC_RANGE_LEDGER), "LEDGER_APPEND_GROUP outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_APPENDED_GROUP, IPC_RANGE_LEDGER), "LEDGER_APPENDED_GROUP outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_GET_REQUEST, IPC_RANGE_LEDGER), "LEDGER_GET_REQUEST outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_REQUEST, IPC_RANGE_LEDGER), "LEDGER_REQUEST outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_GET_EVENT, IPC_RANGE_LEDGER), "LEDGER_GET_EVENT outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_EVENT, IPC_RANGE_LEDGER), "LEDGER_EVENT outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_GET_CERT, IPC_RANGE_LEDGER), "LEDGER_GET_CERT outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_CERT, IPC_RANGE_LEDGER), "LEDGER_CERT outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_VIEW, IPC_RANGE_LEDGER), "LEDGER_VIEW outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_ROWS, IPC_RANGE_LEDGER), "LEDGER_ROWS outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_HEAD, IPC_RANGE_LEDGER), "LEDGER_HEAD outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_HEAD_IS, IPC_RANGE_LEDGER), "LEDGER_HEAD_IS outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_VERIFY, IPC_RANGE_LEDGER), "LEDGER_VERIFY outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_VERIFIED, IPC_RANGE_LEDGER), "LEDGER_VERIFIED outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_REVOKED_LIST, IPC_RANGE_LEDGER), "LEDGER_REVOKED_LIST outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_REVOKED_ROWS, IPC_RANGE_LEDGER), "LEDGER_REVOKED_ROWS outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_CRL_LATEST, IPC_RANGE_LEDGER), "LEDGER_CRL_LATEST outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_CRL_ROW, IPC_RANGE_LEDGER), "LEDGER_CRL_ROW outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_GET_EXTENSIONS, IPC_RANGE_LEDGER), "LEDGER_GET_EXTENSIONS outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_EVENTS, IPC_RANGE_LEDGER), "LEDGER_EVENTS outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_GET_PROP, IPC_RANGE_LEDGER), "LEDGER_GET_PROP outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_GET_EVENTS, IPC_RANGE_LEDGER), "LEDGER_GET_EVENTS outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_GET_TEMPLATES, IPC_RANGE_LEDGER), "LEDGER_GET_TEMPLATES outside its channel's range");
_Static_assert(IPC_IN_RANGE(LEDGER_ERROR, IPC_RANGE_LEDGER), "LEDGER_ERROR outside its channel's range");


/* LEDGER_ERROR codes. */
enum {
	LEDGER_ERR_INVALID = 1,  /* the event breaks a rule: nothing recorded */
	LEDGER_ERR_NOTFOUND = 2,
	LEDGER_ERR_STORAGE = 3,  /* I/O error: nothing recorded; retry later */
	LEDGER_ERR_FULL = 4,     /* no room (disk full, or the reserve reached by ordinary
				  * work): nothing recorded until space is freed */
};

#define LEDGER_APPEND_MIN 16        /* type, actor kind, actor, the smallest body */
#define LEDGER_MESSAGE_MAX 511      /* LEDGER_ERROR's and LEDGER_VERIFIED's text */
#define LEDGER_REVOKED_PAGE 32768 /* ~1.5 MiB a page: a CRL of a million entries in 31 reads */
#define LEDGER_EVENTS_BYTES (1u << 20)
#define LEDGER_APPEND_MAX (2u * 1024u * 1024u) /* a 1 MiB blob and its fields */
/* The largest frame either way: an append or a record holding a CRL. Every other
 * message is capped by its own rule or by the event decoder's per-field limits. */
#define LEDGER_FRAME_MAX (LEDGER_CRL_MAX + (64u << 10))

#endif
