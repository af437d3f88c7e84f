/* ca-ledger's service: answers the custodian (proto.h). Frames are checked by
 * platform/service.c against the whitelist below; a pool of threads handles them
 * so that concurrent appends reach the store together and share one commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/ledger/proto.h"
#include "firmware/ledger/serve.h"
#include "platform/log.h"
#include "platform/service.h"

enum { ST_READY = 0 };

static const struct ipc_rule rules[] = {
	{LEDGER_APPEND, 1u << ST_READY, 16, LEDGER_FRAME_MAX, 0},
	{LEDGER_APPEND_GROUP, 1u << ST_READY, 24, LEDGER_FRAME_MAX, 0},
	{LEDGER_GET_REQUEST, 1u << ST_READY, 4, 4, 0},
	{LEDGER_GET_EVENT, 1u << ST_READY, 8, 8, 0},
	{LEDGER_GET_CERT, 1u << ST_READY, 5, 4 + LEDGER_SERIAL_MAX, 0},
	{LEDGER_VIEW, 1u << ST_READY, 16, 64 * 1024, 0},
	{LEDGER_HEAD, 1u << ST_READY, 0, 0, 0},
	{LEDGER_VERIFY, 1u << ST_READY, 0, 0, 0},
	{LEDGER_REVOKED_LIST, 1u << ST_READY, 4, 4 + LEDGER_SERIAL_MAX, 0},
	{LEDGER_CRL_LATEST, 1u << ST_READY, 4, 4, 0},
	{LEDGER_GET_EXTENSIONS, 1u << ST_READY, 4, 4, 0},
	{LEDGER_GET_PROP, 1u << ST_READY, 5, 4 + LEDGER_NAME_MAX, 0},
	{LEDGER_GET_EVENTS, 1u << ST_READY, 12, 12, 0},
};

static void reply_error(struct service *s, uint32_t id, int rc, const char *msg)
{
	uint32_t code = rc == LEDGER_EINVAL     ? LEDGER_ERR_INVALID
			: rc == LEDGER_ENOTFOUND ? LEDGER_ERR_NOTFOUND
						 : LEDGER_ERR_STORAGE;

	service_reply_error(s, LEDGER_ERROR, id, code, msg);
}

/* A malformed payload is a protocol violation, as a bad frame is: the channel
 * ends (the custodian's supervisor restarts it), the ledger does not. The caller
 * returns without answering. */
static void violation(struct service *s, const char *what)
{
	service_violation(s, "malformed %s", what);
}

/* One event as the custodian sends it (type | actor kind | actor | body), decoded
 * into d. A bad header is a protocol violation; a body out of its bounds is
 * refused with the reason (-1, err) and the channel stays: the custodian relays
 * requesters' data, whose limits it may not all know. */
struct decoded {
	struct ledger_event ev;
	char actor[LEDGER_NAME_MAX + 1];
	char strbuf[LEDGER_STRBUF];
};

static int decode_append(struct service *s, struct ipc_rbuf *r, struct decoded *d, char *err,
			 size_t errlen)
{
	memset(&d->ev, 0, sizeof(d->ev));
	d->ev.type = ipc_get_u32(r);
	d->ev.actor_kind = ipc_get_u32(r);
	ipc_get_str(r, d->actor, sizeof(d->actor));
	d->ev.actor = d->actor;
	if (r->failed) {
		violation(s, "append");
		return -2;
	}
	err[0] = 0;
	if (ledger_body_decode(d->ev.type, r, &d->ev, d->strbuf, sizeof(d->strbuf), err,
			       errlen) != 0 ||
	    ipc_rbuf_done(r) != 0) {
		if (err[0] == 0)
			snprintf(err, errlen, "event body does not match its type");
		return -1;
	}
	return 0;
}

static void put_appended(struct ipc_wbuf *w, const struct ledger_event *ev,
			 const uint8_t hash[LEDGER_HASH_LEN])
{
	ipc_put_u64(w, ev->seq);
	ipc_put_u64(w, (uint64_t)ev->time);
	ipc_put_u32(w, ev->type == EV_REQUEST_RECEIVED ? ev->u.request.request_id : 0);
	ipc_put_bytes(w, hash, LEDGER_HASH_LEN);
}

/* LEDGER_APPEND (one event, the whole payload) or LEDGER_APPEND_GROUP (u32 n, then
 * n byte strings each holding one event). */
static void handle_append(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct decoded *d = calloc(LEDGER_GROUP_MAX, sizeof(*d));
	struct ledger_event *evs[LEDGER_GROUP_MAX];
	uint8_t hashes[LEDGER_GROUP_MAX][LEDGER_HASH_LEN];
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	char err[512];
	uint32_t n = 1;
	int rc = LEDGER_OK;

	if (d == NULL)
		fatalx("out of memory");
	ipc_rbuf_init(&r, m);
	if (m->hdr.type == LEDGER_APPEND_GROUP) {
		n = ipc_get_u32(&r);
		if (r.failed || n == 0 || n > LEDGER_GROUP_MAX) {
			violation(s, "append-group");
			free(d);
			return;
		}
	}
	for (uint32_t i = 0; i < n && rc == LEDGER_OK; i++) {
		struct ipc_rbuf one = r;

		if (m->hdr.type == LEDGER_APPEND_GROUP) {
			const uint8_t *p;
			size_t len;

			ipc_get_bytes(&r, &p, &len, LEDGER_FRAME_MAX);
			if (r.failed) {
				violation(s, "append-group");
				free(d);
				return;
			}
			ipc_rbuf_init_mem(&one, p, len);
		}
		int drc = decode_append(s, &one, &d[i], err, sizeof(err));
		if (drc == -2) {
			free(d);
			return;
		}
		if (drc != 0)
			rc = LEDGER_EINVAL;
		evs[i] = &d[i].ev;
	}
	if (rc == LEDGER_OK && m->hdr.type == LEDGER_APPEND_GROUP && ipc_rbuf_done(&r) != 0) {
		violation(s, "append-group");
		free(d);
		return;
	}
	if (rc == LEDGER_OK) {
		err[0] = 0;
		rc = ledger_append_group(l, evs, n, hashes, err, sizeof(err));
		if (rc == LEDGER_EIO)
			log_warnx("append refused: %s", err);
	}
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, err);
	} else if (m->hdr.type == LEDGER_APPEND) {
		ipc_wbuf_init(&w);
		put_appended(&w, evs[0], hashes[0]);
		service_reply(s, LEDGER_APPENDED, m->hdr.id, &w);
	} else {
		ipc_wbuf_init(&w);
		ipc_put_u32(&w, n);
		for (uint32_t i = 0; i < n; i++)
			put_appended(&w, evs[i], hashes[i]);
		service_reply(s, LEDGER_APPENDED_GROUP, m->hdr.id, &w);
	}
	free(d);
}

static void handle_get_request(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ledger_request_row row;
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	uint32_t id;
	int rc;

	ipc_rbuf_init(&r, m);
	id = ipc_get_u32(&r);
	if (ipc_rbuf_done(&r) != 0) {
		violation(s, "get-request");
		return;
	}
	rc = ledger_get_request(l, id, &row);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "no such request"
								     : "cannot read the request");
		return;
	}
	ipc_wbuf_init(&w);
	ledger_request_row_encode(&row, &w);
	service_reply(s, LEDGER_REQUEST, m->hdr.id, &w);
}

static void handle_get_event(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	uint8_t *rec;
	size_t len;
	uint64_t seq;
	int rc;

	ipc_rbuf_init(&r, m);
	seq = ipc_get_u64(&r);
	if (ipc_rbuf_done(&r) != 0) {
		violation(s, "get-event");
		return;
	}
	rc = ledger_get_record(l, seq, &rec, &len);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "no such event"
								     : "cannot read the event");
		return;
	}
	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, rec, len);
	free(rec);
	service_reply(s, LEDGER_EVENT, m->hdr.id, &w);
}

static void handle_get_cert(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ledger_cert_row row;
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	const uint8_t *serial;
	size_t len;
	int rc;

	ipc_rbuf_init(&r, m);
	ipc_get_bytes(&r, &serial, &len, LEDGER_SERIAL_MAX);
	if (ipc_rbuf_done(&r) != 0 || len == 0) {
		violation(s, "get-cert");
		return;
	}
	rc = ledger_get_cert(l, serial, len, &row);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "no such certificate"
								     : "cannot read the certificate");
		return;
	}
	ipc_wbuf_init(&w);
	ledger_cert_row_encode(&row, &w);
	service_reply(s, LEDGER_CERT, m->hdr.id, &w);
}

struct rows {
	struct ipc_wbuf rows;
	uint32_t n;
};

static int add_row(const struct ledger_request_row *row, void *arg)
{
	struct rows *rs = arg;
	struct ipc_wbuf one;

	ipc_wbuf_init(&one);
	ledger_request_row_encode(row, &one);
	ipc_put_bytes(&rs->rows, one.data, one.len);
	ipc_wbuf_free(&one);
	rs->n++;
	return 0;
}

static void handle_view(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct view_query *q = calloc(1, sizeof(*q));
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	struct rows rs;
	int more = 0;

	if (q == NULL)
		fatalx("out of memory");
	ipc_rbuf_init(&r, m);
	if (view_query_decode(&r, q) != 0 || ipc_rbuf_done(&r) != 0) {
		violation(s, "view");
		free(q);
		return;
	}
	ipc_wbuf_init(&rs.rows);
	rs.n = 0;
	if (ledger_view(l, q, add_row, &rs, &more) < 0) {
		ipc_wbuf_free(&rs.rows);
		free(q);
		reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read the request index");
		return;
	}
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, rs.n);
	ipc_put_raw(&w, rs.rows.data, rs.rows.len);
	ipc_put_u32(&w, more ? 1 : 0);
	ipc_wbuf_free(&rs.rows);
	free(q);
	service_reply(s, LEDGER_ROWS, m->hdr.id, &w);
}

static void handle_verify(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ipc_wbuf w;
	uint64_t n = 0;
	char err[512] = "";
	int ok = ledger_verify(l, &n, err, sizeof(err)) == 0;

	if (ok)
		snprintf(err, sizeof(err), "the chain holds and every index matches its rebuild");
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, ok ? 1 : 0);
	ipc_put_u64(&w, n);
	ipc_put_str(&w, err);
	service_reply(s, LEDGER_VERIFIED, m->hdr.id, &w);
}

static int add_revoked(const uint8_t *serial, size_t serial_len,
		       const struct ledger_revoked_row *row, void *arg)
{
	struct ipc_wbuf *w = arg;

	ipc_put_bytes(w, serial, serial_len);
	ledger_revoked_row_encode(row, w);
	return 0;
}

static void handle_revoked(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ipc_rbuf r;
	struct ipc_wbuf rows, w;
	const uint8_t *after;
	size_t after_len;
	int n, more = 0;

	ipc_rbuf_init(&r, m);
	ipc_get_bytes(&r, &after, &after_len, LEDGER_SERIAL_MAX);
	if (ipc_rbuf_done(&r) != 0) {
		violation(s, "revoked-list");
		return;
	}
	ipc_wbuf_init(&rows);
	n = ledger_revoked_page(l, after, after_len, LEDGER_REVOKED_PAGE, add_revoked, &rows,
				&more);
	if (n < 0 || rows.failed) {
		ipc_wbuf_free(&rows);
		reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read the revoked set");
		return;
	}
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, (uint32_t)n);
	ipc_put_raw(&w, rows.data, rows.len);
	ipc_put_u32(&w, more ? 1 : 0);
	ipc_wbuf_free(&rows);
	service_reply(s, LEDGER_REVOKED_ROWS, m->hdr.id, &w);
}

static void handle_crl_latest(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ledger_crl_row row;
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	uint64_t number;
	uint32_t want_base;
	int rc;

	ipc_rbuf_init(&r, m);
	want_base = ipc_get_u32(&r);
	if (ipc_rbuf_done(&r) != 0 || want_base > 1) {
		violation(s, "crl-latest");
		return;
	}
	rc = ledger_crl_latest(l, (int)want_base, &number, &row);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "no CRL published yet"
								     : "cannot read the CRLs");
		return;
	}
	ipc_wbuf_init(&w);
	ipc_put_u64(&w, number);
	ledger_crl_row_encode(&row, &w);
	service_reply(s, LEDGER_CRL_ROW, m->hdr.id, &w);
}

/* Appends record seq to w as bytes; LEDGER_OK or the store's error. */
static int put_record_bytes(struct ledger *l, uint64_t seq, struct ipc_wbuf *w, size_t *len)
{
	uint8_t *rec;
	int rc = ledger_get_record(l, seq, &rec, len);

	if (rc != LEDGER_OK)
		return rc;
	ipc_put_bytes(w, rec, *len);
	free(rec);
	return LEDGER_OK;
}

static void reply_events(struct service *s, uint32_t id, struct ipc_wbuf *recs, uint32_t n)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	ipc_put_u32(&w, n);
	ipc_put_raw(&w, recs->data, recs->len);
	ipc_wbuf_free(recs);
	service_reply(s, LEDGER_EVENTS, id, &w);
}

static void handle_extensions(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	uint64_t seqs[LEDGER_SEQS_MAX];
	struct ipc_rbuf r;
	struct ipc_wbuf recs;
	size_t n = 0, len;
	uint32_t id;

	ipc_rbuf_init(&r, m);
	id = ipc_get_u32(&r);
	if (ipc_rbuf_done(&r) != 0) {
		violation(s, "get-extensions");
		return;
	}
	if (ledger_extension_seqs(l, id, seqs, &n) != LEDGER_OK) {
		reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read the extensions");
		return;
	}
	ipc_wbuf_init(&recs);
	for (size_t i = 0; i < n; i++) {
		if (put_record_bytes(l, seqs[i], &recs, &len) != LEDGER_OK) {
			ipc_wbuf_free(&recs);
			reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read an extension event");
			return;
		}
	}
	reply_events(s, m->hdr.id, &recs, (uint32_t)n);
}

static void handle_get_prop(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	char name[LEDGER_NAME_MAX + 1];
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	uint64_t seq;
	size_t len;
	int rc;

	ipc_rbuf_init(&r, m);
	ipc_get_str(&r, name, sizeof(name));
	if (ipc_rbuf_done(&r) != 0) {
		violation(s, "get-prop");
		return;
	}
	rc = ledger_prop_seq(l, name, &seq);
	ipc_wbuf_init(&w);
	if (rc == LEDGER_OK)
		rc = put_record_bytes(l, seq, &w, &len);
	if (rc != LEDGER_OK) {
		ipc_wbuf_free(&w);
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "property not set"
								     : "cannot read the property");
		return;
	}
	service_reply(s, LEDGER_EVENT, m->hdr.id, &w);
}

static void handle_get_events(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ipc_rbuf r;
	struct ipc_wbuf recs;
	uint64_t first;
	uint32_t max, n = 0;
	size_t total = 0, len;
	int rc = LEDGER_OK;

	ipc_rbuf_init(&r, m);
	first = ipc_get_u64(&r);
	max = ipc_get_u32(&r);
	if (ipc_rbuf_done(&r) != 0) {
		violation(s, "get-events");
		return;
	}
	ipc_wbuf_init(&recs);
	/* Stop at the head (not found), at max, or before the page would pass about a
	 * megabyte. A larger record (a CRL, up to LEDGER_CRL_MAX) travels alone, so a
	 * page always fits LEDGER_FRAME_MAX. */
	while (n < max) {
		uint8_t *rec;

		if ((rc = ledger_get_record(l, first + n, &rec, &len)) != LEDGER_OK)
			break;
		if (n > 0 && total + len > LEDGER_EVENTS_BYTES) {
			free(rec);
			break;
		}
		ipc_put_bytes(&recs, rec, len);
		free(rec);
		total += len;
		n++;
	}
	if (rc == LEDGER_EIO) {
		ipc_wbuf_free(&recs);
		reply_error(s, m->hdr.id, rc, "cannot read the journal");
		return;
	}
	reply_events(s, m->hdr.id, &recs, n);
}

void ledger_handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	struct ledger *l = ctx;
	struct ipc_wbuf w;
	uint8_t hash[LEDGER_HASH_LEN];
	uint64_t seq;

	switch (m->hdr.type) {
	case LEDGER_APPEND:
	case LEDGER_APPEND_GROUP:
		handle_append(s, l, m);
		break;
	case LEDGER_GET_REQUEST:
		handle_get_request(s, l, m);
		break;
	case LEDGER_GET_EVENT:
		handle_get_event(s, l, m);
		break;
	case LEDGER_GET_CERT:
		handle_get_cert(s, l, m);
		break;
	case LEDGER_VIEW:
		handle_view(s, l, m);
		break;
	case LEDGER_HEAD:
		ledger_head(l, &seq, hash);
		ipc_wbuf_init(&w);
		ipc_put_u64(&w, seq);
		ipc_put_bytes(&w, hash, sizeof(hash));
		service_reply(s, LEDGER_HEAD_IS, m->hdr.id, &w);
		break;
	case LEDGER_VERIFY:
		handle_verify(s, l, m);
		break;
	case LEDGER_REVOKED_LIST:
		handle_revoked(s, l, m);
		break;
	case LEDGER_CRL_LATEST:
		handle_crl_latest(s, l, m);
		break;
	case LEDGER_GET_EXTENSIONS:
		handle_extensions(s, l, m);
		break;
	case LEDGER_GET_PROP:
		handle_get_prop(s, l, m);
		break;
	case LEDGER_GET_EVENTS:
		handle_get_events(s, l, m);
		break;
	default: /* the whitelist let by a type this switch does not name */
		service_violation(s, "message type %#x has no handler", m->hdr.type);
		break;
	}
}

const struct ipc_rule *ledger_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

int ledger_serve(struct ledger *l, int fd, const char *peer, unsigned nthreads)
{
	return service_run(fd, peer, LEDGER_FRAME_MAX, rules, sizeof(rules) / sizeof(rules[0]),
			   nthreads, ledger_handle, NULL, l);
}
