/* The journal channel's messages (ca-custodian -> ca-ledger, proto.h): one struct
 * per message and one encode/decode pair, compiled into both sides (libledger,
 * which both link: the custodian encodes requests and decodes answers, the ledger
 * the reverse), as OpenSSH pairs monitor_wrap.c's mm_* with monitor.c's
 * mm_answer_*. A decoder demands the exact layout (every byte consumed) and the
 * bounds of proto.h; what it fills may point into the message (valid while the
 * message is). Decoders check shape only: whether a request exists, an event
 * may be appended, a page is the right one is the receiver's to decide.
 *
 * Decoders return 0 with *m filled, or -1 (a violation: the channel should end),
 * leaving *m zeroed. Encoders append to w (its failed flag says if memory ran
 * out). */
#ifndef LEDGER_MSG_H
#define LEDGER_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/ledger/event.h"
#include "firmware/ledger/proto.h"
#include "firmware/ledger/row.h"
#include "firmware/ledger/store.h"
#include "firmware/ledger/view.h"
#include "platform/ipc.h"

/* ---- lists: the entries of ROWS, REVOKED_ROWS and EVENTS ----
 * The decoder has walked every entry; the iterators below walk them again and
 * cannot fail (they return 0 at the end). The sender adds entries to a list of
 * its own (lmsg_*_add), then encodes the message with it. */
struct lmsg_list {
	uint32_t n;
	const uint8_t *p; /* the n entries' bytes */
	size_t len;
};
struct lmsg_iter {
	struct ipc_rbuf r;
	uint32_t left;
};
void lmsg_iter_init(struct lmsg_iter *it, const struct lmsg_list *l);

/* ---- requests (custodian -> ledger) ---- */

/* LEDGER_APPEND: one event, its header and typed body. ev's strings point into
 * this struct, its byte strings into the message. */
struct lmsg_append {
	struct ledger_event ev;
	char actor[LEDGER_NAME_MAX + 1];
	char strbuf[LEDGER_STRBUF];
};
/* -1 with err when ev breaks a field's bound (nothing is appended to w's use:
 * the caller drops w). */
int lmsg_append_encode(struct ipc_wbuf *w, const struct ledger_event *ev, char *err,
		       size_t errlen);
/* 0; -1 when the header (type, actor kind, actor) is malformed: a violation; 1
 * when the body does not decode as its type says (err): the event is refused on
 * its merits and the channel stays (the custodian relays requesters' data, whose
 * limits it may not all know). m->ev.seq and time are 0. */
int lmsg_append_decode(const uint8_t *p, size_t len, struct lmsg_append *m, char *err,
		       size_t errlen);

/* LEDGER_APPEND_GROUP: 1..LEDGER_GROUP_MAX APPEND payloads (each at least
 * LEDGER_APPEND_MIN bytes), each decoded with lmsg_append_decode by the receiver. */
struct lmsg_append_group {
	uint32_t n;
	struct {
		const uint8_t *p;
		size_t len;
	} member[LEDGER_GROUP_MAX];
};
void lmsg_append_group_encode(struct ipc_wbuf *w, const struct lmsg_append_group *m);
int lmsg_append_group_decode(const uint8_t *p, size_t len, struct lmsg_append_group *m);
/* The group of evs (1..LEDGER_GROUP_MAX events): -1 with err as lmsg_append_encode. */
int lmsg_append_group_encode_events(struct ipc_wbuf *w, struct ledger_event *const *evs,
				    size_t n, char *err, size_t errlen);

/* LEDGER_GET_REQUEST and LEDGER_GET_EXTENSIONS: a request id. */
struct lmsg_request_id {
	uint32_t request_id;
};
void lmsg_request_id_encode(struct ipc_wbuf *w, const struct lmsg_request_id *m);
int lmsg_request_id_decode(const uint8_t *p, size_t len, struct lmsg_request_id *m);

/* LEDGER_GET_EVENT: a sequence number. */
struct lmsg_get_event {
	uint64_t seq;
};
void lmsg_get_event_encode(struct ipc_wbuf *w, const struct lmsg_get_event *m);
int lmsg_get_event_decode(const uint8_t *p, size_t len, struct lmsg_get_event *m);

/* LEDGER_GET_CERT (1..LEDGER_SERIAL_MAX bytes) and LEDGER_REVOKED_LIST (the
 * serial after which the page starts, 0..LEDGER_SERIAL_MAX: empty from the
 * start): a serial number. */
struct lmsg_serial {
	uint8_t serial[LEDGER_SERIAL_MAX];
	size_t len;
};
void lmsg_serial_encode(struct ipc_wbuf *w, const struct lmsg_serial *m);
int lmsg_get_cert_decode(const uint8_t *p, size_t len, struct lmsg_serial *m);
int lmsg_revoked_list_decode(const uint8_t *p, size_t len, struct lmsg_serial *m);

/* LEDGER_VIEW: a view query (view.h, which checks its bounds). */
void lmsg_view_encode(struct ipc_wbuf *w, const struct view_query *q);
int lmsg_view_decode(const uint8_t *p, size_t len, struct view_query *q);

/* LEDGER_HEAD, LEDGER_VERIFY, LEDGER_GET_TEMPLATES: no payload (nothing to
 * encode). */
int lmsg_empty_decode(const uint8_t *p, size_t len);

/* LEDGER_CRL_LATEST: 1 for the latest base CRL, 0 for the latest of either. */
struct lmsg_crl_latest {
	uint32_t want_base;
};
void lmsg_crl_latest_encode(struct ipc_wbuf *w, const struct lmsg_crl_latest *m);
int lmsg_crl_latest_decode(const uint8_t *p, size_t len, struct lmsg_crl_latest *m);

/* LEDGER_GET_PROP: a property name (not empty). */
struct lmsg_get_prop {
	char name[LEDGER_NAME_MAX + 1];
};
void lmsg_get_prop_encode(struct ipc_wbuf *w, const struct lmsg_get_prop *m);
int lmsg_get_prop_decode(const uint8_t *p, size_t len, struct lmsg_get_prop *m);

/* LEDGER_GET_EVENTS: up to max consecutive events from first. */
struct lmsg_get_events {
	uint64_t first;
	uint32_t max;
};
void lmsg_get_events_encode(struct ipc_wbuf *w, const struct lmsg_get_events *m);
int lmsg_get_events_decode(const uint8_t *p, size_t len, struct lmsg_get_events *m);

/* ---- answers (ledger -> custodian) ---- */

/* LEDGER_APPENDED, and each member of LEDGER_APPENDED_GROUP. */
struct lmsg_appended {
	uint64_t seq;
	int64_t time;
	uint32_t request_id; /* 0 unless the event was a request */
	uint8_t hash[LEDGER_HASH_LEN];
};
void lmsg_appended_encode(struct ipc_wbuf *w, const struct lmsg_appended *m);
int lmsg_appended_decode(const uint8_t *p, size_t len, struct lmsg_appended *m);

struct lmsg_appended_group {
	uint32_t n; /* 1..LEDGER_GROUP_MAX */
	struct lmsg_appended a[LEDGER_GROUP_MAX];
};
void lmsg_appended_group_encode(struct ipc_wbuf *w, const struct lmsg_appended_group *m);
int lmsg_appended_group_decode(const uint8_t *p, size_t len, struct lmsg_appended_group *m);

/* LEDGER_REQUEST and LEDGER_CERT: a row (row.h's codec). */
void lmsg_request_encode(struct ipc_wbuf *w, const struct ledger_request_row *row);
int lmsg_request_decode(const uint8_t *p, size_t len, struct ledger_request_row *row);
void lmsg_cert_encode(struct ipc_wbuf *w, const struct ledger_cert_row *row);
int lmsg_cert_decode(const uint8_t *p, size_t len, struct ledger_cert_row *row);

/* LEDGER_EVENT: one journal record (event.h's layout, decoded by the caller). */
struct lmsg_event {
	const uint8_t *rec;
	size_t len; /* 1..LEDGER_FRAME_MAX */
};
void lmsg_event_encode(struct ipc_wbuf *w, const struct lmsg_event *m);
int lmsg_event_decode(const uint8_t *p, size_t len, struct lmsg_event *m);

/* LEDGER_ROWS: a view's page of request rows (at most VIEW_PAGE_MAX). */
struct lmsg_rows {
	struct lmsg_list rows;
	uint32_t more; /* 0 or 1 */
};
void lmsg_rows_add(struct ipc_wbuf *list, const struct ledger_request_row *row);
void lmsg_rows_encode(struct ipc_wbuf *w, const struct lmsg_rows *m);
int lmsg_rows_decode(const uint8_t *p, size_t len, struct lmsg_rows *m);
int lmsg_rows_next(struct lmsg_iter *it, struct ledger_request_row *row);

/* LEDGER_HEAD_IS: the chain's head. */
struct lmsg_head_is {
	uint64_t seq;
	uint8_t hash[LEDGER_HASH_LEN];
};
void lmsg_head_is_encode(struct ipc_wbuf *w, const struct lmsg_head_is *m);
int lmsg_head_is_decode(const uint8_t *p, size_t len, struct lmsg_head_is *m);

/* LEDGER_VERIFIED: the replay's outcome. */
struct lmsg_verified {
	uint32_t ok; /* 0 or 1 */
	uint64_t events;
	char message[LEDGER_MESSAGE_MAX + 1];
};
void lmsg_verified_encode(struct ipc_wbuf *w, const struct lmsg_verified *m);
int lmsg_verified_decode(const uint8_t *p, size_t len, struct lmsg_verified *m);

/* LEDGER_REVOKED_ROWS: a page of the revoked set (at most LEDGER_REVOKED_PAGE
 * entries, each a serial of 1..LEDGER_SERIAL_MAX bytes and its row). */
struct lmsg_revoked_rows {
	struct lmsg_list rows;
	uint32_t more; /* 0 or 1 */
};
void lmsg_revoked_add(struct ipc_wbuf *list, const uint8_t *serial, size_t serial_len,
		      const struct ledger_revoked_row *row);
void lmsg_revoked_rows_encode(struct ipc_wbuf *w, const struct lmsg_revoked_rows *m);
int lmsg_revoked_rows_decode(const uint8_t *p, size_t len, struct lmsg_revoked_rows *m);
int lmsg_revoked_next(struct lmsg_iter *it, const uint8_t **serial, size_t *serial_len,
		      struct ledger_revoked_row *row);

/* LEDGER_CRL_ROW: the latest CRL's number and row. */
struct lmsg_crl_row {
	uint64_t number;
	struct ledger_crl_row row;
};
void lmsg_crl_row_encode(struct ipc_wbuf *w, const struct lmsg_crl_row *m);
int lmsg_crl_row_decode(const uint8_t *p, size_t len, struct lmsg_crl_row *m);

/* LEDGER_EVENTS: consecutive journal records (GET_EVENTS), a request's
 * extension-set events (GET_EXTENSIONS) or the latest event of every template
 * (GET_TEMPLATES), each 1..LEDGER_FRAME_MAX bytes. */
struct lmsg_events {
	struct lmsg_list events;
};
void lmsg_events_add(struct ipc_wbuf *list, const uint8_t *rec, size_t len);
void lmsg_events_encode(struct ipc_wbuf *w, const struct lmsg_events *m);
int lmsg_events_decode(const uint8_t *p, size_t len, struct lmsg_events *m);
int lmsg_events_next(struct lmsg_iter *it, const uint8_t **rec, size_t *len);

/* LEDGER_ERROR: a LEDGER_ERR_* code and why. */
struct lmsg_error {
	uint32_t code;
	char message[LEDGER_MESSAGE_MAX + 1];
};
void lmsg_error_encode(struct ipc_wbuf *w, const struct lmsg_error *m);
int lmsg_error_decode(const uint8_t *p, size_t len, struct lmsg_error *m);

#endif
