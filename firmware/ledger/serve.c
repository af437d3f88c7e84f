/* ca-ledger's service: answers the custodian (proto.h). Frames are checked by
 * platform/service.c against the whitelist below; a pool of threads handles them
 * so that concurrent appends reach the store together and share one commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "firmware/ledger/serve.h"
#include "platform/log.h"
#include "platform/service.h"

/* One state: the custodian may send any request at any time (the channel has no
 * start-up; cad starts the two together). */
static const struct ipc_rule rules[] = {
	{LEDGER_APPEND, IPC_STATES_ALL, LEDGER_APPEND_MIN, LEDGER_FRAME_MAX, 0},
	{LEDGER_APPEND_GROUP, IPC_STATES_ALL, 4 + 4 + LEDGER_APPEND_MIN, LEDGER_FRAME_MAX, 0},
	{LEDGER_GET_REQUEST, IPC_STATES_ALL, 4, 4, 0},
	{LEDGER_GET_EVENT, IPC_STATES_ALL, 8, 8, 0},
	{LEDGER_GET_CERT, IPC_STATES_ALL, 5, 4 + LEDGER_SERIAL_MAX, 0},
	{LEDGER_VIEW, IPC_STATES_ALL, 16, 64 * 1024, 0},
	{LEDGER_HEAD, IPC_STATES_ALL, 0, 0, 0},
	{LEDGER_VERIFY, IPC_STATES_ALL, 0, 0, 0},
	{LEDGER_REVOKED_LIST, IPC_STATES_ALL, 4, 4 + LEDGER_SERIAL_MAX, 0},
	{LEDGER_CRL_LATEST, IPC_STATES_ALL, 4, 4, 0},
	{LEDGER_GET_EXTENSIONS, IPC_STATES_ALL, 4, 4, 0},
	{LEDGER_GET_PROP, IPC_STATES_ALL, 5, 4 + LEDGER_NAME_MAX, 0},
	{LEDGER_GET_EVENTS, IPC_STATES_ALL, 12, 12, 0},
	{LEDGER_GET_TEMPLATES, IPC_STATES_ALL, 0, 0, 0},
};

static void reply_error(struct service *s, uint32_t id, int rc, const char *msg)
{
	struct lmsg_error e;
	struct ipc_wbuf w;

	e.code = rc == LEDGER_EINVAL	  ? LEDGER_ERR_INVALID
		 : rc == LEDGER_ENOTFOUND ? LEDGER_ERR_NOTFOUND
		 : rc == LEDGER_EFULL	  ? LEDGER_ERR_FULL
					  : LEDGER_ERR_STORAGE;
	snprintf(e.message, sizeof(e.message), "%s", msg);
	ipc_wbuf_init(&w);
	lmsg_error_encode(&w, &e);
	service_reply(s, LEDGER_ERROR, id, &w);
}

/* A payload that does not decode (msg.c) is a protocol violation, as a bad frame
 * is: the channel ends (the custodian's supervisor restarts it), the ledger does
 * not. The caller returns without answering. */
static void violation(struct service *s, const char *what)
{
	service_violation(s, "malformed %s", what);
}

static void appended_of(const struct ledger_event *ev, const uint8_t hash[LEDGER_HASH_LEN],
			struct lmsg_appended *a)
{
	a->seq = ev->seq;
	a->time = ev->time;
	a->request_id = ev->type == EV_REQUEST_RECEIVED ? ev->u.request.request_id : 0;
	memcpy(a->hash, hash, LEDGER_HASH_LEN);
}

/* LEDGER_APPEND (one event, the whole payload) or LEDGER_APPEND_GROUP (1..LEDGER_GROUP_MAX APPEND
 * payloads): a malformed frame or header is a violation; a body that breaks its
 * event's rules refuses the whole group (LEDGER_ERR_INVALID), the channel stays. */
static void handle_append(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct lmsg_append *d = calloc(LEDGER_GROUP_MAX, sizeof(*d));
	struct ledger_event *evs[LEDGER_GROUP_MAX];
	uint8_t hashes[LEDGER_GROUP_MAX][LEDGER_HASH_LEN];
	struct lmsg_append_group g;
	struct ipc_wbuf w;
	char err[LEDGER_MESSAGE_MAX + 1];
	int rc = LEDGER_OK;

	if (d == NULL)
		fatalx("out of memory");
	if (m->hdr.type == LEDGER_APPEND) {
		g.n = 1;
		g.member[0].p = m->data;
		g.member[0].len = m->hdr.len;
	} else if (lmsg_append_group_decode(m->data, m->hdr.len, &g) != 0) {
		violation(s, "append-group");
		free(d);
		return;
	}
	for (uint32_t i = 0; i < g.n && rc == LEDGER_OK; i++) {
		int drc = lmsg_append_decode(g.member[i].p, g.member[i].len, &d[i], err,
					     sizeof(err));

		if (drc < 0) {
			violation(s, "append");
			free(d);
			return;
		}
		if (drc != 0)
			rc = LEDGER_EINVAL;
		evs[i] = &d[i].ev;
	}
	if (rc == LEDGER_OK) {
		err[0] = 0;
		rc = ledger_append_group(l, evs, g.n, hashes, err, sizeof(err));
		if (rc == LEDGER_EIO || rc == LEDGER_EFULL)
			log_warnx("append refused: %s", err);
	}
	ipc_wbuf_init(&w);
	if (rc != LEDGER_OK) {
		ipc_wbuf_free(&w);
		reply_error(s, m->hdr.id, rc, err);
	} else if (m->hdr.type == LEDGER_APPEND) {
		struct lmsg_appended a;

		appended_of(evs[0], hashes[0], &a);
		lmsg_appended_encode(&w, &a);
		service_reply(s, LEDGER_APPENDED, m->hdr.id, &w);
	} else {
		struct lmsg_appended_group ag = {.n = g.n};

		for (uint32_t i = 0; i < g.n; i++)
			appended_of(evs[i], hashes[i], &ag.a[i]);
		lmsg_appended_group_encode(&w, &ag);
		service_reply(s, LEDGER_APPENDED_GROUP, m->hdr.id, &w);
	}
	free(d);
}

static void handle_get_request(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ledger_request_row row;
	struct lmsg_request_id q;
	struct ipc_wbuf w;
	int rc;

	if (lmsg_request_id_decode(m->data, m->hdr.len, &q) != 0) {
		violation(s, "get-request");
		return;
	}
	rc = ledger_get_request(l, q.request_id, &row);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "no such request"
								     : "cannot read the request");
		return;
	}
	ipc_wbuf_init(&w);
	lmsg_request_encode(&w, &row);
	service_reply(s, LEDGER_REQUEST, m->hdr.id, &w);
}

static void handle_get_event(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct lmsg_get_event q;
	struct lmsg_event e;
	struct ipc_wbuf w;
	uint8_t *rec;
	int rc;

	if (lmsg_get_event_decode(m->data, m->hdr.len, &q) != 0) {
		violation(s, "get-event");
		return;
	}
	rc = ledger_get_record(l, q.seq, &rec, &e.len);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "no such event"
								     : "cannot read the event");
		return;
	}
	e.rec = rec;
	ipc_wbuf_init(&w);
	lmsg_event_encode(&w, &e);
	free(rec);
	service_reply(s, LEDGER_EVENT, m->hdr.id, &w);
}

static void handle_get_cert(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct ledger_cert_row row;
	struct lmsg_serial q;
	struct ipc_wbuf w;
	int rc;

	if (lmsg_get_cert_decode(m->data, m->hdr.len, &q) != 0) {
		violation(s, "get-cert");
		return;
	}
	rc = ledger_get_cert(l, q.serial, q.len, &row);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "no such certificate"
								     : "cannot read the certificate");
		return;
	}
	ipc_wbuf_init(&w);
	lmsg_cert_encode(&w, &row);
	service_reply(s, LEDGER_CERT, m->hdr.id, &w);
}

struct rows {
	struct ipc_wbuf list;
	uint32_t n;
};

static int add_row(const struct ledger_request_row *row, void *arg)
{
	struct rows *rs = arg;

	lmsg_rows_add(&rs->list, row);
	rs->n++;
	return 0;
}

static void handle_view(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct view_query *q = calloc(1, sizeof(*q));
	struct lmsg_rows out;
	struct ipc_wbuf w;
	struct rows rs;
	int more = 0;

	if (q == NULL)
		fatalx("out of memory");
	if (lmsg_view_decode(m->data, m->hdr.len, q) != 0) {
		violation(s, "view");
		free(q);
		return;
	}
	ipc_wbuf_init(&rs.list);
	rs.n = 0;
	if (ledger_view(l, q, add_row, &rs, &more) < 0 || rs.list.failed) {
		ipc_wbuf_free(&rs.list);
		free(q);
		reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read the request index");
		return;
	}
	out.rows.n = rs.n;
	out.rows.p = rs.list.data;
	out.rows.len = rs.list.len;
	out.more = more ? 1 : 0;
	ipc_wbuf_init(&w);
	lmsg_rows_encode(&w, &out);
	ipc_wbuf_free(&rs.list);
	free(q);
	service_reply(s, LEDGER_ROWS, m->hdr.id, &w);
}

static void handle_head(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct lmsg_head_is h;
	struct ipc_wbuf w;

	if (lmsg_empty_decode(m->data, m->hdr.len) != 0) {
		violation(s, "head");
		return;
	}
	ledger_head(l, &h.seq, h.hash);
	ipc_wbuf_init(&w);
	lmsg_head_is_encode(&w, &h);
	service_reply(s, LEDGER_HEAD_IS, m->hdr.id, &w);
}

static void handle_verify(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct lmsg_verified v = {0};
	struct ipc_wbuf w;

	if (lmsg_empty_decode(m->data, m->hdr.len) != 0) {
		violation(s, "verify");
		return;
	}
	v.ok = ledger_verify(l, &v.events, v.message, sizeof(v.message)) == 0;
	if (v.ok)
		snprintf(v.message, sizeof(v.message),
			 "the chain holds and every index matches its rebuild");
	ipc_wbuf_init(&w);
	lmsg_verified_encode(&w, &v);
	service_reply(s, LEDGER_VERIFIED, m->hdr.id, &w);
}

static int add_revoked(const uint8_t *serial, size_t serial_len,
		       const struct ledger_revoked_row *row, void *arg)
{
	lmsg_revoked_add(arg, serial, serial_len, row);
	return 0;
}

static void handle_revoked(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct lmsg_serial q;
	struct lmsg_revoked_rows out;
	struct ipc_wbuf list, w;
	int n, more = 0;

	if (lmsg_revoked_list_decode(m->data, m->hdr.len, &q) != 0) {
		violation(s, "revoked-list");
		return;
	}
	ipc_wbuf_init(&list);
	n = ledger_revoked_page(l, q.serial, q.len, LEDGER_REVOKED_PAGE, add_revoked, &list,
				&more);
	if (n < 0 || list.failed) {
		ipc_wbuf_free(&list);
		reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read the revoked set");
		return;
	}
	out.rows.n = (uint32_t)n;
	out.rows.p = list.data;
	out.rows.len = list.len;
	out.more = more ? 1 : 0;
	ipc_wbuf_init(&w);
	lmsg_revoked_rows_encode(&w, &out);
	ipc_wbuf_free(&list);
	service_reply(s, LEDGER_REVOKED_ROWS, m->hdr.id, &w);
}

static void handle_crl_latest(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct lmsg_crl_latest q;
	struct lmsg_crl_row out;
	struct ipc_wbuf w;
	int rc;

	if (lmsg_crl_latest_decode(m->data, m->hdr.len, &q) != 0) {
		violation(s, "crl-latest");
		return;
	}
	rc = ledger_crl_latest(l, (int)q.want_base, &out.number, &out.row);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "no CRL published yet"
								     : "cannot read the CRLs");
		return;
	}
	ipc_wbuf_init(&w);
	lmsg_crl_row_encode(&w, &out);
	service_reply(s, LEDGER_CRL_ROW, m->hdr.id, &w);
}

/* Adds record seq to list; LEDGER_OK or the store's error. */
static int add_record(struct ledger *l, uint64_t seq, struct ipc_wbuf *list, size_t *len)
{
	uint8_t *rec;
	int rc = ledger_get_record(l, seq, &rec, len);

	if (rc != LEDGER_OK)
		return rc;
	lmsg_events_add(list, rec, *len);
	free(rec);
	return LEDGER_OK;
}

static void reply_events(struct service *s, uint32_t id, struct ipc_wbuf *list, uint32_t n)
{
	struct lmsg_events out;
	struct ipc_wbuf w;

	out.events.n = n;
	out.events.p = list->data;
	out.events.len = list->len;
	ipc_wbuf_init(&w);
	lmsg_events_encode(&w, &out);
	ipc_wbuf_free(list);
	service_reply(s, LEDGER_EVENTS, id, &w);
}

static void handle_extensions(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	uint64_t seqs[LEDGER_SEQS_MAX];
	struct lmsg_request_id q;
	struct ipc_wbuf list;
	size_t n = 0, len;

	if (lmsg_request_id_decode(m->data, m->hdr.len, &q) != 0) {
		violation(s, "get-extensions");
		return;
	}
	if (ledger_extension_seqs(l, q.request_id, seqs, &n) != LEDGER_OK) {
		reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read the extensions");
		return;
	}
	ipc_wbuf_init(&list);
	for (size_t i = 0; i < n; i++) {
		if (add_record(l, seqs[i], &list, &len) != LEDGER_OK) {
			ipc_wbuf_free(&list);
			reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read an extension event");
			return;
		}
	}
	reply_events(s, m->hdr.id, &list, (uint32_t)n);
}

static void handle_get_prop(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct lmsg_get_prop q;
	struct lmsg_event e;
	struct ipc_wbuf w;
	uint8_t *rec = NULL;
	uint64_t seq;
	int rc;

	if (lmsg_get_prop_decode(m->data, m->hdr.len, &q) != 0) {
		violation(s, "get-prop");
		return;
	}
	rc = ledger_prop_seq(l, q.name, &seq);
	if (rc == LEDGER_OK)
		rc = ledger_get_record(l, seq, &rec, &e.len);
	if (rc != LEDGER_OK) {
		reply_error(s, m->hdr.id, rc, rc == LEDGER_ENOTFOUND ? "property not set"
								     : "cannot read the property");
		return;
	}
	e.rec = rec;
	ipc_wbuf_init(&w);
	lmsg_event_encode(&w, &e);
	free(rec);
	service_reply(s, LEDGER_EVENT, m->hdr.id, &w);
}

static void handle_get_events(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	struct lmsg_get_events q;
	struct ipc_wbuf list;
	uint32_t n = 0;
	size_t total = 0, len;
	int rc = LEDGER_OK;

	if (lmsg_get_events_decode(m->data, m->hdr.len, &q) != 0) {
		violation(s, "get-events");
		return;
	}
	ipc_wbuf_init(&list);
	/* Stop at the head (not found), at max, or before the page would pass about a
	 * megabyte. A larger record (a CRL, up to LEDGER_CRL_MAX) travels alone, so a
	 * page always fits LEDGER_FRAME_MAX. */
	while (n < q.max) {
		uint8_t *rec;

		if ((rc = ledger_get_record(l, q.first + n, &rec, &len)) != LEDGER_OK)
			break;
		if (n > 0 && total + len > LEDGER_EVENTS_BYTES) {
			free(rec);
			break;
		}
		lmsg_events_add(&list, rec, len);
		free(rec);
		total += len;
		n++;
	}
	if (rc == LEDGER_EIO) {
		ipc_wbuf_free(&list);
		reply_error(s, m->hdr.id, rc, "cannot read the journal");
		return;
	}
	reply_events(s, m->hdr.id, &list, n);
}

/* The latest event of every template name (store.h), removed ones included:
 * the custodian's template store loads from it. At most LEDGER_TEMPLATES_MAX
 * records of at most ~33 KiB each: well within LEDGER_FRAME_MAX. */
static void handle_get_templates(struct service *s, struct ledger *l, const struct ipc_msg *m)
{
	uint64_t *seqs = calloc(LEDGER_TEMPLATES_MAX, sizeof(*seqs));
	struct ipc_wbuf list;
	size_t n = 0, len;

	if (seqs == NULL)
		fatalx("out of memory");
	if (lmsg_empty_decode(m->data, m->hdr.len) != 0) {
		violation(s, "get-templates");
		free(seqs);
		return;
	}
	if (ledger_template_seqs(l, seqs, &n) != LEDGER_OK) {
		free(seqs);
		reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read the template index");
		return;
	}
	ipc_wbuf_init(&list);
	for (size_t i = 0; i < n; i++) {
		if (add_record(l, seqs[i], &list, &len) != LEDGER_OK) {
			ipc_wbuf_free(&list);
			free(seqs);
			reply_error(s, m->hdr.id, LEDGER_EIO, "cannot read a template event");
			return;
		}
	}
	free(seqs);
	reply_events(s, m->hdr.id, &list, (uint32_t)n);
}

/* Every message of proto.h is named (an error under -Wswitch-enum): a new one
 * must be given a handler or a place among the violations. */
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch-enum"
void ledger_handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	struct ledger *l = ctx;

	switch ((enum ledger_msg)m->hdr.type) {
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
		handle_head(s, l, m);
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
	case LEDGER_GET_TEMPLATES:
		handle_get_templates(s, l, m);
		break;
	/* The ledger's own answers are never the custodian's to send. */
	case LEDGER_APPENDED:
	case LEDGER_APPENDED_GROUP:
	case LEDGER_REQUEST:
	case LEDGER_EVENT:
	case LEDGER_CERT:
	case LEDGER_ROWS:
	case LEDGER_HEAD_IS:
	case LEDGER_VERIFIED:
	case LEDGER_REVOKED_ROWS:
	case LEDGER_CRL_ROW:
	case LEDGER_EVENTS:
	case LEDGER_ERROR:
	default: /* the whitelist let by a type this switch does not name */
		service_violation(s, "message type %#x has no handler", m->hdr.type);
		break;
	}
}
#pragma GCC diagnostic pop

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
