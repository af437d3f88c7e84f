/* caadm view (MS-CSRA OpenView/EnumView over the ledger's request rows, with the
 * subject, attributes and officer-set extensions of pending requests) and caadm
 * audit (the journal, filtered, and its verification). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/admin/console.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/row.h"
#include "firmware/ledger/view.h"
#include "platform/log.h"

#define AUDIT_PAGE 512

struct detail {
	char subject[1024], attrs[LEDGER_TEXT_MAX + 1], exts[1024];
};

/* The subject, attributes and officer-set extensions of pending request id. */
static int get_detail(struct console *c, uint32_t id, struct detail *d)
{
	static struct adm_detail_is det;
	struct adm_request_id q = {.request_id = id};
	struct lmsg_iter it;
	struct ipc_wbuf w;
	struct ipc_msg m;
	char oid[LEDGER_OID_MAX + 1];
	const uint8_t *v;
	size_t len, used = 0;
	uint32_t flags;
	int rc;

	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_request_id_encode(&w, &q);
	if ((rc = con_call(c, ADM_DETAIL, &w, ADM_DETAIL_IS, &m)) != 0)
		return rc;
	if (adm_detail_decode(m.data, m.hdr.len, &det) != 0) {
		ipc_msg_free(&m);
		return adm_failx("malformed answer from the CA");
	}
	snprintf(d->subject, sizeof(d->subject), "%s", det.subject);
	snprintf(d->attrs, sizeof(d->attrs), "%s", det.attributes);
	d->exts[0] = 0;
	lmsg_iter_init(&it, &det.exts);
	while (adm_detail_next(&it, oid, &flags, &v, &len)) {
		int k = snprintf(d->exts + used, sizeof(d->exts) - used, "%s%s%s", used ? " " : "",
				 oid, flags & ADM_EXT_DISABLE ? "(disabled)"
				      : flags & ADM_EXT_CRITICAL ? "(critical)" : "");

		if (k > 0 && (size_t)k < sizeof(d->exts) - used)
			used += (size_t)k;
	}
	/* Attributes are Name:Value lines: shown on one line. */
	for (char *p = d->attrs; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ';';
	ipc_msg_free(&m);
	return 0;
}

void con_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_row(const struct view_query *q, const struct ledger_request_row *row,
		      const struct detail *d, int json, int *first)
{
	char v[1100];

	if (json)
		printf("%s{", *first ? "" : ",\n");
	for (size_t i = 0; i < q->n_columns; i++) {
		view_format(q->columns[i], row, v, sizeof(v));
		if (json) {
			printf("%s", i ? "," : "");
			con_json_str(view_column_name(q->columns[i]));
			putchar(':');
			con_json_str(v);
		} else {
			printf("%s%s=%s", i ? "  " : "", view_column_name(q->columns[i]), v);
		}
	}
	if (d != NULL) {
		if (json) {
			printf(",\"Subject\":");
			con_json_str(d->subject);
			printf(",\"Attributes\":");
			con_json_str(d->attrs);
			printf(",\"Extensions\":");
			con_json_str(d->exts);
		} else {
			printf("  Subject=%s  Attributes=%s  Extensions=%s", d->subject, d->attrs,
			       d->exts);
		}
	}
	printf(json ? "}" : "\n");
	*first = 0;
}

/* One page of rows from the CA printed (with details when asked); q->after_id
 * moves past them, *more says whether the CA has more. */
static int view_page(struct console *c, struct view_query *q, struct adm_view *req, int *first,
		     uint32_t *more)
{
	struct lmsg_rows page;
	struct lmsg_iter it;
	struct ledger_request_row row;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc = 0, details = c->cmd->details;

	req->q = *q;
	ipc_wbuf_init(&w);
	adm_view_encode(&w, req);
	if ((rc = con_call(c, ADM_VIEW, &w, ADM_ROWS, &m)) != 0)
		return rc;
	if (adm_rows_decode(m.data, m.hdr.len, &page) != 0) {
		ipc_msg_free(&m);
		return adm_failx("malformed rows from the CA");
	}
	lmsg_iter_init(&it, &page.rows);
	while (rc == 0 && lmsg_rows_next(&it, &row)) {
		struct detail d;

		if (details && (rc = get_detail(c, row.request_id, &d)) != 0)
			break;
		print_row(q, &row, details ? &d : NULL, c->cmd->json, first);
		q->after_id = row.request_id;
	}
	*more = page.more;
	ipc_msg_free(&m);
	return rc;
}

/* view: the rows of the query cli.c parsed, page by page. */
int console_view(struct console *c)
{
	struct view_query *q = malloc(sizeof(*q));
	struct adm_view *req = calloc(1, sizeof(*req));
	int first = 1, rc = 0;
	uint32_t more = 1;

	if (q == NULL || req == NULL) {
		free(q);
		free(req);
		return adm_failx("out of memory");
	}
	*q = c->cmd->query;
	if ((rc = load_session(c)) == 0) {
		if (c->cmd->json)
			printf("[");
		memcpy(req->token, c->token, ADM_TOKEN_LEN);
		while (rc == 0 && more)
			rc = view_page(c, q, req, &first, &more);
		if (rc == 0 && c->cmd->json)
			printf("]\n");
	}
	explicit_bzero(req, sizeof(*req));
	free(req);
	free(q);
	return rc;
}

static int audit_verify(struct console *c)
{
	struct ipc_wbuf w;

	con_bare(c, &w);
	return con_simple(c, ADM_VERIFY, &w);
}

/* One page of the journal from event *next, printed as filtered; *next moves
 * past it, *n is how many events the page held (0: the end). */
static int audit_page(struct console *c, uint64_t *next, uint32_t *n, char *strbuf)
{
	const struct adm_cmd *cmd = c->cmd;
	struct adm_audit q = {.first = *next, .max = AUDIT_PAGE};
	struct lmsg_events page;
	struct lmsg_iter it;
	struct ipc_wbuf w;
	struct ipc_msg m;
	const uint8_t *p;
	size_t len;
	char err[256], line[2048];
	uint32_t type = cmd->event_type ? ledger_type_from_name(cmd->event_type) : 0;
	int rc;

	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_audit_encode(&w, &q);
	if ((rc = con_call(c, ADM_AUDIT, &w, ADM_EVENTS, &m)) != 0)
		return rc;
	if (adm_events_decode(m.data, m.hdr.len, &page) != 0) {
		ipc_msg_free(&m);
		return adm_failx("malformed events from the CA");
	}
	*n = page.events.n;
	lmsg_iter_init(&it, &page.events);
	while (rc == 0 && lmsg_events_next(&it, &p, &len)) {
		struct ledger_event ev;

		if (ledger_record_decode(p, len, &ev, strbuf, LEDGER_STRBUF, err, sizeof(err)) != 0) {
			rc = adm_failx("malformed event from the CA: %s", err);
			break;
		}
		*next = ev.seq + 1;
		if ((type && ev.type != type) || (cmd->actor && strcmp(ev.actor, cmd->actor) != 0) ||
		    ev.time < cmd->since)
			continue;
		ledger_event_line(&ev, line, sizeof(line));
		printf("%s\n", line);
	}
	ipc_msg_free(&m);
	return rc;
}

/* audit: the journal, filtered (or, with --verify, the CA's check of it). */
int console_audit(struct console *c)
{
	char *strbuf;
	uint64_t next = 1;
	uint32_t n = 1;
	int rc;

	if ((rc = load_session(c)) != 0)
		return rc;
	if (c->cmd->verify)
		return audit_verify(c);
	if ((strbuf = malloc(LEDGER_STRBUF)) == NULL)
		return adm_failx("out of memory");
	while (rc == 0 && n != 0)
		rc = audit_page(c, &next, &n, strbuf);
	free(strbuf);
	return rc;
}
