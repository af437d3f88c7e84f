/* caadm view (MS-CSRA OpenView/EnumView over the ledger's request rows, with the
 * subject, attributes and officer-set extensions of pending requests) and caadm
 * audit (the journal, filtered, and its verification). */
#include <getopt.h>
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

static void get_detail(struct console *c, uint32_t id, struct detail *d)
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

	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_request_id_encode(&w, &q);
	con_call(c, ADM_DETAIL, &w, ADM_DETAIL_IS, &m);
	if (adm_detail_decode(m.data, m.hdr.len, &det) != 0)
		fatalx("malformed answer from the CA");
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
}

static void json_str(const char *s)
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
			json_str(view_column_name(q->columns[i]));
			putchar(':');
			json_str(v);
		} else {
			printf("%s%s=%s", i ? "  " : "", view_column_name(q->columns[i]), v);
		}
	}
	if (d != NULL) {
		if (json) {
			printf(",\"Subject\":");
			json_str(d->subject);
			printf(",\"Attributes\":");
			json_str(d->attrs);
			printf(",\"Extensions\":");
			json_str(d->exts);
		} else {
			printf("  Subject=%s  Attributes=%s  Extensions=%s", d->subject, d->attrs,
			       d->exts);
		}
	}
	printf(json ? "}" : "\n");
	*first = 0;
}

int console_view(struct console *c, int argc, char **argv)
{
	static const char *const dispositions[] = {"pending", "issued", "denied", "failed",
						   "revoked"};
	struct view_query *q = calloc(1, sizeof(*q));
	struct adm_view *req = calloc(1, sizeof(*req));
	char err[256], text[64];
	int json = 0, details = 0, first = 1;
	uint32_t more = 1;

	if (q == NULL || req == NULL)
		fatalx("out of memory");
	for (int i = 1; i < argc; i++) {
		int matched = 0;

		for (size_t k = 0; k < sizeof(dispositions) / sizeof(dispositions[0]); k++)
			if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, dispositions[k]) == 0) {
				snprintf(text, sizeof(text), "Disposition==%s", dispositions[k]);
				if (q->n_r == VIEW_MAX_RESTRICTIONS ||
				    view_parse_restriction(text, &q->r[q->n_r++], err, sizeof(err)) != 0)
					fatalx("%s", err);
				details |= k == 0;
				matched = 1;
			}
		if (matched)
			continue;
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--details") == 0) {
			details = 1;
		} else if (strcmp(argv[i], "--restrict") == 0 && i + 1 < argc) {
			if (q->n_r == VIEW_MAX_RESTRICTIONS ||
			    view_parse_restriction(argv[++i], &q->r[q->n_r++], err, sizeof(err)) != 0) {
				fprintf(stderr, "caadm: --restrict: %s\n", err);
				return 4;
			}
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			if (view_parse_columns(argv[++i], q, err, sizeof(err)) != 0) {
				fprintf(stderr, "caadm: --out: %s\n", err);
				return 4;
			}
		} else {
			con_usage();
		}
	}
	if (q->n_columns == 0) {
		static const uint32_t def[] = {COL_REQUEST_ID, COL_DISPOSITION, COL_REQUESTER,
					       COL_SUBMITTED, COL_SERIAL, COL_MESSAGE};

		memcpy(q->columns, def, sizeof(def));
		q->n_columns = sizeof(def) / sizeof(def[0]);
	}
	q->limit = 1000;
	load_session(c);
	if (json)
		printf("[");
	memcpy(req->token, c->token, ADM_TOKEN_LEN);
	while (more) {
		struct lmsg_rows page;
		struct lmsg_iter it;
		struct ledger_request_row row;
		struct ipc_wbuf w;
		struct ipc_msg m;

		req->q = *q;
		ipc_wbuf_init(&w);
		adm_view_encode(&w, req);
		con_call(c, ADM_VIEW, &w, ADM_ROWS, &m);
		if (adm_rows_decode(m.data, m.hdr.len, &page) != 0)
			fatalx("malformed rows from the CA");
		lmsg_iter_init(&it, &page.rows);
		while (lmsg_rows_next(&it, &row)) {
			struct detail d;

			if (details)
				get_detail(c, row.request_id, &d);
			print_row(q, &row, details ? &d : NULL, json, &first);
			q->after_id = row.request_id;
		}
		more = page.more;
		ipc_msg_free(&m);
	}
	free(req);
	if (json)
		printf("]\n");
	free(q);
	return 0;
}

static int audit_verify(struct console *c)
{
	struct ipc_wbuf w;

	con_bare(c, &w);
	con_simple(c, ADM_VERIFY, &w);
	return 0;
}

int console_audit(struct console *c, int argc, char **argv)
{
	const char *type = NULL, *actor = NULL;
	int64_t since = 0;
	uint64_t next = 1;
	char *strbuf = malloc(LEDGER_STRBUF), err[256], line[2048];
	int verify = 0;

	if (strbuf == NULL)
		fatalx("out of memory");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--verify") == 0)
			verify = 1;
		else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
			type = argv[++i];
		else if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc)
			actor = argv[++i];
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			struct tm tm;
			const char *end;

			memset(&tm, 0, sizeof(tm));
			end = strptime(argv[++i], "%Y-%m-%d", &tm);
			if (end != NULL && *end == 'T')
				end = strptime(end + 1, "%H:%M:%S", &tm);
			if (end == NULL || (*end != 0 && strcmp(end, "Z") != 0))
				con_usage();
			since = (int64_t)timegm(&tm);
		} else
			con_usage();
	}
	if (type != NULL && ledger_type_from_name(type) == 0) {
		fprintf(stderr, "caadm: %s: not an event type (e.g. operator-action, "
				"cert-revoked)\n", type);
		return 4;
	}
	load_session(c);
	if (verify) {
		free(strbuf);
		return audit_verify(c);
	}
	for (;;) {
		struct adm_audit q = {.first = next, .max = AUDIT_PAGE};
		struct lmsg_events page;
		struct lmsg_iter it;
		struct ipc_wbuf w;
		struct ipc_msg m;
		const uint8_t *p;
		size_t len;
		uint32_t n;

		memcpy(q.token, c->token, ADM_TOKEN_LEN);
		ipc_wbuf_init(&w);
		adm_audit_encode(&w, &q);
		con_call(c, ADM_AUDIT, &w, ADM_EVENTS, &m);
		if (adm_events_decode(m.data, m.hdr.len, &page) != 0)
			fatalx("malformed events from the CA");
		n = page.events.n;
		lmsg_iter_init(&it, &page.events);
		while (lmsg_events_next(&it, &p, &len)) {
			struct ledger_event ev;

			if (ledger_record_decode(p, len, &ev, strbuf, LEDGER_STRBUF, err, sizeof(err)) != 0)
				fatalx("malformed event from the CA: %s", err);
			next = ev.seq + 1;
			if ((type && ev.type != ledger_type_from_name(type)) ||
			    (actor && strcmp(ev.actor, actor) != 0) || ev.time < since)
				continue;
			ledger_event_line(&ev, line, sizeof(line));
			printf("%s\n", line);
		}
		ipc_msg_free(&m);
		if (n == 0)
			break;
	}
	free(strbuf);
	return 0;
}
