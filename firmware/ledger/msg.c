/* The journal channel's encode/decode pairs; see msg.h. The layouts are
 * proto.h's; each pair is written once, here, for both processes. */
#include "firmware/ledger/msg.h"

#include <stdio.h>
#include <string.h>

/* A request row's encoding is far below this (strings of LEDGER_NAME_MAX and
 * LEDGER_ROW_MESSAGE_MAX, a serial and fixed fields); a longer one is a lie. */
#define ROW_BYTES_MAX 4096u

/* The message's bytes as a reader; the struct zeroed first, so that a failed
 * decode leaves nothing half-filled. */

/* A fixed-size byte string (a hash) into out. */
static void get_fixed(struct ipc_rbuf *r, uint8_t *out, size_t want)
{
	const uint8_t *p;
	size_t len = 0;

	ipc_get_bytes(r, &p, &len, want);
	if (r->failed || len != want) {
		r->failed = 1;
		return;
	}
	memcpy(out, p, want);
}

/* A serial of min..LEDGER_SERIAL_MAX bytes into m. */
static void get_serial(struct ipc_rbuf *r, struct lmsg_serial *m, size_t min)
{
	const uint8_t *p;
	size_t len = 0;

	ipc_get_bytes(r, &p, &len, LEDGER_SERIAL_MAX);
	if (r->failed || len < min) {
		r->failed = 1;
		return;
	}
	memcpy(m->serial, p, len);
	m->len = len;
}

/* ---- lists ---- */

void lmsg_iter_init(struct lmsg_iter *it, const struct lmsg_list *l)
{
	ipc_rbuf_init_mem(&it->r, l->p, l->len);
	it->left = l->n;
}

/* A list of n entries (at most max), each read by one; its bytes are what the
 * entries took. */
static void get_list(struct ipc_rbuf *r, struct lmsg_list *l, uint32_t max,
		     int (*one)(struct ipc_rbuf *r))
{
	l->n = ipc_get_u32(r);
	l->p = r->p;
	if (r->failed || l->n > max) {
		r->failed = 1;
		return;
	}
	for (uint32_t i = 0; i < l->n && !r->failed; i++)
		if (one(r) != 0)
			r->failed = 1;
	l->len = r->failed ? 0 : (size_t)(r->p - l->p);
}

static void put_list(struct ipc_wbuf *w, const struct lmsg_list *l)
{
	ipc_put_u32(w, l->n);
	ipc_put_raw(w, l->p, l->len);
}

/* ---- LEDGER_APPEND ---- */

int lmsg_append_encode(struct ipc_wbuf *w, const struct ledger_event *ev, char *err,
		       size_t errlen)
{
	ipc_put_u32(w, ev->type);
	ipc_put_u32(w, ev->actor_kind);
	ipc_put_str(w, ev->actor);
	return ledger_body_encode(ev, w, err, errlen);
}

int lmsg_append_decode(const uint8_t *p, size_t len, struct lmsg_append *m, char *err,
		       size_t errlen)
{
	struct ipc_rbuf r;

	memset(&m->ev, 0, sizeof(m->ev));
	m->actor[0] = 0;
	ipc_rbuf_init_mem(&r, p, len);
	m->ev.type = ipc_get_u32(&r);
	m->ev.actor_kind = ipc_get_u32(&r);
	ipc_get_str(&r, m->actor, sizeof(m->actor));
	m->ev.actor = m->actor;
	if (r.failed) {
		memset(&m->ev, 0, sizeof(m->ev));
		return -1;
	}
	err[0] = 0;
	if (ledger_body_decode(m->ev.type, &r, &m->ev, m->strbuf, sizeof(m->strbuf), err,
			       errlen) != 0 ||
	    ipc_rbuf_done(&r) != 0) {
		if (err[0] == 0)
			snprintf(err, errlen, "event body does not match its type");
		return 1;
	}
	return 0;
}

/* ---- LEDGER_APPEND_GROUP ---- */

void lmsg_append_group_encode(struct ipc_wbuf *w, const struct lmsg_append_group *m)
{
	ipc_put_u32(w, m->n);
	for (uint32_t i = 0; i < m->n && i < LEDGER_GROUP_MAX; i++)
		ipc_put_bytes(w, m->member[i].p, m->member[i].len);
}

int lmsg_append_group_decode(const uint8_t *p, size_t len, struct lmsg_append_group *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->n = ipc_get_u32(&r);
	if (m->n == 0 || m->n > LEDGER_GROUP_MAX)
		return ipc_decode_end(&r, m, sizeof(*m), 0);
	for (uint32_t i = 0; i < m->n && !r.failed; i++) {
		ipc_get_bytes(&r, &m->member[i].p, &m->member[i].len, LEDGER_FRAME_MAX);
		if (m->member[i].len < LEDGER_APPEND_MIN) /* not even an append's header */
			r.failed = 1;
	}
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

int lmsg_append_group_encode_events(struct ipc_wbuf *w, struct ledger_event *const *evs,
				    size_t n, char *err, size_t errlen)
{
	if (n == 0 || n > LEDGER_GROUP_MAX) {
		snprintf(err, errlen, "a group holds 1 to %d events", LEDGER_GROUP_MAX);
		return -1;
	}
	ipc_put_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		struct ipc_wbuf one;
		int rc;

		ipc_wbuf_init(&one);
		rc = lmsg_append_encode(&one, evs[i], err, errlen);
		if (rc == 0)
			ipc_put_bytes(w, one.data, one.len);
		if (one.failed)
			w->failed = 1;
		ipc_wbuf_free(&one);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* ---- small requests ---- */

void lmsg_request_id_encode(struct ipc_wbuf *w, const struct lmsg_request_id *m)
{
	ipc_put_u32(w, m->request_id);
}

int lmsg_request_id_decode(const uint8_t *p, size_t len, struct lmsg_request_id *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->request_id = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void lmsg_get_event_encode(struct ipc_wbuf *w, const struct lmsg_get_event *m)
{
	ipc_put_u64(w, m->seq);
}

int lmsg_get_event_decode(const uint8_t *p, size_t len, struct lmsg_get_event *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->seq = ipc_get_u64(&r);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void lmsg_serial_encode(struct ipc_wbuf *w, const struct lmsg_serial *m)
{
	if (m->len > LEDGER_SERIAL_MAX) {
		w->failed = 1;
		return;
	}
	ipc_put_bytes(w, m->serial, m->len);
}

int lmsg_get_cert_decode(const uint8_t *p, size_t len, struct lmsg_serial *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_serial(&r, m, 1);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

int lmsg_revoked_list_decode(const uint8_t *p, size_t len, struct lmsg_serial *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_serial(&r, m, 0);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void lmsg_view_encode(struct ipc_wbuf *w, const struct view_query *q)
{
	view_query_encode(q, w);
}

int lmsg_view_decode(const uint8_t *p, size_t len, struct view_query *q)
{
	struct ipc_rbuf r;

	ipc_rbuf_init_mem(&r, p, len);
	if (view_query_decode(&r, q) != 0 || ipc_rbuf_done(&r) != 0) {
		memset(q, 0, sizeof(*q));
		return -1;
	}
	return 0;
}

int lmsg_empty_decode(const uint8_t *p, size_t len)
{
	(void)p;
	return len == 0 ? 0 : -1;
}

void lmsg_crl_latest_encode(struct ipc_wbuf *w, const struct lmsg_crl_latest *m)
{
	ipc_put_u32(w, m->want_base);
}

int lmsg_crl_latest_decode(const uint8_t *p, size_t len, struct lmsg_crl_latest *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->want_base = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), m->want_base <= 1);
}

void lmsg_get_prop_encode(struct ipc_wbuf *w, const struct lmsg_get_prop *m)
{
	ipc_put_str(w, m->name);
}

int lmsg_get_prop_decode(const uint8_t *p, size_t len, struct lmsg_get_prop *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_str(&r, m->name, sizeof(m->name));
	return ipc_decode_end(&r, m, sizeof(*m), m->name[0] != 0);
}

void lmsg_get_events_encode(struct ipc_wbuf *w, const struct lmsg_get_events *m)
{
	ipc_put_u64(w, m->first);
	ipc_put_u32(w, m->max);
}

int lmsg_get_events_decode(const uint8_t *p, size_t len, struct lmsg_get_events *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->first = ipc_get_u64(&r);
	m->max = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

/* ---- LEDGER_APPENDED, LEDGER_APPENDED_GROUP ---- */

static void put_appended(struct ipc_wbuf *w, const struct lmsg_appended *m)
{
	ipc_put_u64(w, m->seq);
	ipc_put_u64(w, (uint64_t)m->time);
	ipc_put_u32(w, m->request_id);
	ipc_put_bytes(w, m->hash, LEDGER_HASH_LEN);
}

static void get_appended(struct ipc_rbuf *r, struct lmsg_appended *m)
{
	m->seq = ipc_get_u64(r);
	m->time = (int64_t)ipc_get_u64(r);
	m->request_id = ipc_get_u32(r);
	get_fixed(r, m->hash, LEDGER_HASH_LEN);
}

void lmsg_appended_encode(struct ipc_wbuf *w, const struct lmsg_appended *m)
{
	put_appended(w, m);
}

int lmsg_appended_decode(const uint8_t *p, size_t len, struct lmsg_appended *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_appended(&r, m);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void lmsg_appended_group_encode(struct ipc_wbuf *w, const struct lmsg_appended_group *m)
{
	ipc_put_u32(w, m->n);
	for (uint32_t i = 0; i < m->n && i < LEDGER_GROUP_MAX; i++)
		put_appended(w, &m->a[i]);
}

int lmsg_appended_group_decode(const uint8_t *p, size_t len, struct lmsg_appended_group *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->n = ipc_get_u32(&r);
	if (m->n == 0 || m->n > LEDGER_GROUP_MAX)
		return ipc_decode_end(&r, m, sizeof(*m), 0);
	for (uint32_t i = 0; i < m->n; i++)
		get_appended(&r, &m->a[i]);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

/* ---- LEDGER_REQUEST, LEDGER_CERT: rows ---- */

void lmsg_request_encode(struct ipc_wbuf *w, const struct ledger_request_row *row)
{
	ledger_request_row_encode(row, w);
}

int lmsg_request_decode(const uint8_t *p, size_t len, struct ledger_request_row *row)
{
	return ledger_request_row_decode(p, len, row);
}

void lmsg_cert_encode(struct ipc_wbuf *w, const struct ledger_cert_row *row)
{
	ledger_cert_row_encode(row, w);
}

int lmsg_cert_decode(const uint8_t *p, size_t len, struct ledger_cert_row *row)
{
	return ledger_cert_row_decode(p, len, row);
}

/* ---- LEDGER_EVENT ---- */

void lmsg_event_encode(struct ipc_wbuf *w, const struct lmsg_event *m)
{
	ipc_put_bytes(w, m->rec, m->len);
}

int lmsg_event_decode(const uint8_t *p, size_t len, struct lmsg_event *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_bytes(&r, &m->rec, &m->len, LEDGER_FRAME_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->len > 0);
}

/* ---- LEDGER_ROWS ---- */

void lmsg_rows_add(struct ipc_wbuf *list, const struct ledger_request_row *row)
{
	struct ipc_wbuf one;

	ipc_wbuf_init(&one);
	ledger_request_row_encode(row, &one);
	if (one.failed)
		list->failed = 1;
	ipc_put_bytes(list, one.data, one.len);
	ipc_wbuf_free(&one);
}

/* One entry: the bytes of a request row that decodes. */
static int get_row(struct ipc_rbuf *r, struct ledger_request_row *row)
{
	const uint8_t *p;
	size_t len;

	ipc_get_bytes(r, &p, &len, ROW_BYTES_MAX);
	return r->failed || ledger_request_row_decode(p, len, row) != 0 ? -1 : 0;
}

static int check_row(struct ipc_rbuf *r)
{
	struct ledger_request_row row;

	return get_row(r, &row);
}

void lmsg_rows_encode(struct ipc_wbuf *w, const struct lmsg_rows *m)
{
	put_list(w, &m->rows);
	ipc_put_u32(w, m->more);
}

int lmsg_rows_decode(const uint8_t *p, size_t len, struct lmsg_rows *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_list(&r, &m->rows, VIEW_PAGE_MAX, check_row);
	m->more = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), m->more <= 1);
}

int lmsg_rows_next(struct lmsg_iter *it, struct ledger_request_row *row)
{
	if (it->left == 0 || get_row(&it->r, row) != 0)
		return 0;
	it->left--;
	return 1;
}

/* ---- LEDGER_HEAD_IS ---- */

void lmsg_head_is_encode(struct ipc_wbuf *w, const struct lmsg_head_is *m)
{
	ipc_put_u64(w, m->seq);
	ipc_put_bytes(w, m->hash, LEDGER_HASH_LEN);
}

int lmsg_head_is_decode(const uint8_t *p, size_t len, struct lmsg_head_is *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->seq = ipc_get_u64(&r);
	get_fixed(&r, m->hash, LEDGER_HASH_LEN);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

/* ---- LEDGER_VERIFIED ---- */

void lmsg_verified_encode(struct ipc_wbuf *w, const struct lmsg_verified *m)
{
	ipc_put_u32(w, m->ok);
	ipc_put_u64(w, m->events);
	ipc_put_str(w, m->message);
}

int lmsg_verified_decode(const uint8_t *p, size_t len, struct lmsg_verified *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->ok = ipc_get_u32(&r);
	m->events = ipc_get_u64(&r);
	ipc_get_str(&r, m->message, sizeof(m->message));
	return ipc_decode_end(&r, m, sizeof(*m), m->ok <= 1);
}

/* ---- LEDGER_REVOKED_ROWS ---- */

void lmsg_revoked_add(struct ipc_wbuf *list, const uint8_t *serial, size_t serial_len,
		      const struct ledger_revoked_row *row)
{
	if (serial_len == 0 || serial_len > LEDGER_SERIAL_MAX)
		list->failed = 1;
	ipc_put_bytes(list, serial, serial_len);
	ledger_revoked_row_encode(row, list);
}

static int get_revoked(struct ipc_rbuf *r, const uint8_t **serial, size_t *serial_len,
		       struct ledger_revoked_row *row)
{
	ipc_get_bytes(r, serial, serial_len, LEDGER_SERIAL_MAX);
	ledger_revoked_row_get(r, row);
	return r->failed || *serial_len == 0 ? -1 : 0;
}

static int check_revoked(struct ipc_rbuf *r)
{
	struct ledger_revoked_row row;
	const uint8_t *serial;
	size_t len;

	return get_revoked(r, &serial, &len, &row);
}

void lmsg_revoked_rows_encode(struct ipc_wbuf *w, const struct lmsg_revoked_rows *m)
{
	put_list(w, &m->rows);
	ipc_put_u32(w, m->more);
}

int lmsg_revoked_rows_decode(const uint8_t *p, size_t len, struct lmsg_revoked_rows *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_list(&r, &m->rows, LEDGER_REVOKED_PAGE, check_revoked);
	m->more = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), m->more <= 1);
}

int lmsg_revoked_next(struct lmsg_iter *it, const uint8_t **serial, size_t *serial_len,
		      struct ledger_revoked_row *row)
{
	if (it->left == 0 || get_revoked(&it->r, serial, serial_len, row) != 0)
		return 0;
	it->left--;
	return 1;
}

/* ---- LEDGER_CRL_ROW ---- */

void lmsg_crl_row_encode(struct ipc_wbuf *w, const struct lmsg_crl_row *m)
{
	ipc_put_u64(w, m->number);
	ledger_crl_row_encode(&m->row, w);
}

int lmsg_crl_row_decode(const uint8_t *p, size_t len, struct lmsg_crl_row *m)
{
	struct ipc_rbuf r;
	int ok;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->number = ipc_get_u64(&r);
	/* The row is the rest of the payload, decoded exactly by row.c. */
	ok = !r.failed && ledger_crl_row_decode(r.p, r.left, &m->row) == 0;
	if (!ok) {
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return 0;
}

/* ---- LEDGER_EVENTS ---- */

void lmsg_events_add(struct ipc_wbuf *list, const uint8_t *rec, size_t len)
{
	ipc_put_bytes(list, rec, len);
}

static int get_event(struct ipc_rbuf *r, const uint8_t **rec, size_t *len)
{
	ipc_get_bytes(r, rec, len, LEDGER_FRAME_MAX);
	return r->failed || *len == 0 ? -1 : 0;
}

static int check_event(struct ipc_rbuf *r)
{
	const uint8_t *rec;
	size_t len;

	return get_event(r, &rec, &len);
}

void lmsg_events_encode(struct ipc_wbuf *w, const struct lmsg_events *m)
{
	put_list(w, &m->events);
}

int lmsg_events_decode(const uint8_t *p, size_t len, struct lmsg_events *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	get_list(&r, &m->events, UINT32_MAX, check_event);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

int lmsg_events_next(struct lmsg_iter *it, const uint8_t **rec, size_t *len)
{
	if (it->left == 0 || get_event(&it->r, rec, len) != 0)
		return 0;
	it->left--;
	return 1;
}

/* ---- LEDGER_ERROR ---- */

void lmsg_error_encode(struct ipc_wbuf *w, const struct lmsg_error *m)
{
	ipc_put_u32(w, m->code);
	ipc_put_str(w, m->message);
}

int lmsg_error_decode(const uint8_t *p, size_t len, struct lmsg_error *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->code = ipc_get_u32(&r);
	ipc_get_str(&r, m->message, sizeof(m->message));
	return ipc_decode_end(&r, m, sizeof(*m),
		   m->code >= LEDGER_ERR_INVALID && m->code <= LEDGER_ERR_FULL);
}
