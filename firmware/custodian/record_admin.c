/* The custodian's reads of the ledger for administration; see record.h. Requests
 * are encoded and answers decoded with the journal channel's pairs
 * (firmware/ledger/msg.c), the same the ledger uses. */
#include "firmware/custodian/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"

/* A LEDGER_EVENT answer: its record copied out (m is freed). */
static int event_bytes(struct ipc_msg *m, uint8_t **out, size_t *len, char *err,
		       size_t errlen)
{
	struct lmsg_event e;

	if (lmsg_event_decode(m->data, m->hdr.len, &e) != 0 ||
	    (*out = malloc(e.len)) == NULL) {
		snprintf(err, errlen, "malformed answer from the ledger");
		ipc_msg_free(m);
		return -1;
	}
	memcpy(*out, e.rec, e.len);
	*len = e.len;
	ipc_msg_free(m);
	return 0;
}

int record_get_record(struct record *r, uint64_t seq, uint8_t **rec, size_t *len, char *err,
		      size_t errlen)
{
	struct lmsg_get_event q = {.seq = seq};
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	ipc_wbuf_init(&w);
	lmsg_get_event_encode(&w, &q);
	if ((rc = record_call(r, LEDGER_GET_EVENT, &w, LEDGER_EVENT, &m, err, errlen)) != 0)
		return rc;
	return event_bytes(&m, rec, len, err, errlen);
}

int record_first_of_type(struct record *r, uint32_t type, uint64_t *seq, char *err,
			 size_t errlen)
{
	struct lmsg_get_events q = {.first = 1, .max = 4096};
	char *strbuf = malloc(LEDGER_STRBUF);
	int rc = 1;

	if (strbuf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (rc == 1) {
		struct lmsg_events page;
		struct lmsg_iter it;
		struct ledger_event ev;
		struct ipc_wbuf w;
		struct ipc_msg m;
		const uint8_t *p;
		size_t len;
		uint32_t n = 0;

		ipc_wbuf_init(&w);
		lmsg_get_events_encode(&w, &q);
		if (record_call(r, LEDGER_GET_EVENTS, &w, LEDGER_EVENTS, &m, err, errlen) != 0) {
			rc = -1;
			break;
		}
		if (lmsg_events_decode(m.data, m.hdr.len, &page) != 0) {
			snprintf(err, errlen, "malformed events from the ledger");
			ipc_msg_free(&m);
			rc = -1;
			break;
		}
		lmsg_iter_init(&it, &page.events);
		while (rc == 1 && lmsg_events_next(&it, &p, &len)) {
			if (ledger_record_decode(p, len, &ev, strbuf, LEDGER_STRBUF, err, errlen) != 0) {
				rc = -1;
				break;
			}
			n++;
			if (ev.type == type) {
				*seq = ev.seq;
				rc = 0;
			}
		}
		ipc_msg_free(&m);
		if (n == 0) /* past the head */
			break;
		q.first += n;
	}
	free(strbuf);
	return rc;
}

int record_head(struct record *r, uint64_t *seq, uint8_t hash[LEDGER_HASH_LEN], char *err,
		size_t errlen)
{
	struct lmsg_head_is h;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	ipc_wbuf_init(&w);
	if ((rc = record_call(r, LEDGER_HEAD, &w, LEDGER_HEAD_IS, &m, err, errlen)) != 0)
		return -1;
	rc = lmsg_head_is_decode(m.data, m.hdr.len, &h);
	ipc_msg_free(&m);
	if (rc != 0) {
		snprintf(err, errlen, "malformed answer from the ledger");
		return -1;
	}
	*seq = h.seq;
	memcpy(hash, h.hash, LEDGER_HASH_LEN);
	return 0;
}

int record_get_prop(struct record *r, const char *name, uint8_t **value, size_t *len,
		    char *err, size_t errlen)
{
	static const size_t strbuf_size = LEDGER_STRBUF;
	struct lmsg_get_prop q;
	struct ledger_event ev;
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint8_t *rec;
	size_t rl;
	char *strbuf;
	int rc;

	if (snprintf(q.name, sizeof(q.name), "%s", name) >= (int)sizeof(q.name)) {
		snprintf(err, errlen, "property name too long");
		return -1;
	}
	ipc_wbuf_init(&w);
	lmsg_get_prop_encode(&w, &q);
	if ((rc = record_call(r, LEDGER_GET_PROP, &w, LEDGER_EVENT, &m, err, errlen)) != 0)
		return rc;
	if (event_bytes(&m, &rec, &rl, err, errlen) != 0)
		return -1;
	rc = -1;
	if ((strbuf = malloc(strbuf_size)) != NULL &&
	    ledger_record_decode(rec, rl, &ev, strbuf, strbuf_size, err, errlen) == 0 &&
	    ev.type == EV_PROPERTY_CHANGED && strcmp(ev.u.property.name, name) == 0 &&
	    (*value = malloc(ev.u.property.value.len + 1)) != NULL) {
		memcpy(*value, ev.u.property.value.p, ev.u.property.value.len);
		*len = ev.u.property.value.len;
		rc = 0;
	} else if (rc != 0) {
		snprintf(err, errlen, "property %s: the ledger's event does not match", name);
	}
	free(strbuf);
	free(rec);
	return rc;
}

int record_crl_latest(struct record *r, int want_base, uint64_t *number,
		      struct ledger_crl_row *row, char *err, size_t errlen)
{
	struct lmsg_crl_latest q = {.want_base = want_base ? 1 : 0};
	struct lmsg_crl_row a;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	ipc_wbuf_init(&w);
	lmsg_crl_latest_encode(&w, &q);
	if ((rc = record_call(r, LEDGER_CRL_LATEST, &w, LEDGER_CRL_ROW, &m, err, errlen)) != 0)
		return rc;
	rc = lmsg_crl_row_decode(m.data, m.hdr.len, &a);
	if (rc == 0) {
		*number = a.number;
		*row = a.row;
	} else {
		snprintf(err, errlen, "malformed CRL row from the ledger");
	}
	ipc_msg_free(&m);
	return rc;
}

int record_revoked_all(struct record *r,
		       int (*cb)(const uint8_t *serial, size_t serial_len,
				 const struct ledger_revoked_row *row, void *arg),
		       void *arg, char *err, size_t errlen)
{
	struct lmsg_serial after = {.len = 0};
	uint32_t more = 1;

	while (more) {
		struct lmsg_revoked_rows page;
		struct lmsg_iter it;
		struct ledger_revoked_row row;
		const uint8_t *serial;
		size_t sl;
		struct ipc_wbuf w;
		struct ipc_msg m;

		ipc_wbuf_init(&w);
		lmsg_serial_encode(&w, &after);
		if (record_call(r, LEDGER_REVOKED_LIST, &w, LEDGER_REVOKED_ROWS, &m, err, errlen) != 0)
			return -1;
		if (lmsg_revoked_rows_decode(m.data, m.hdr.len, &page) != 0) {
			snprintf(err, errlen, "malformed revoked set from the ledger");
			ipc_msg_free(&m);
			return -1;
		}
		lmsg_iter_init(&it, &page.rows);
		while (lmsg_revoked_next(&it, &serial, &sl, &row)) {
			memcpy(after.serial, serial, sl);
			after.len = sl;
			if (cb(serial, sl, &row, arg) != 0) {
				ipc_msg_free(&m);
				snprintf(err, errlen, "stopped");
				return -1;
			}
		}
		/* A page that says more but gives nothing would repeat forever. */
		if (page.more && page.rows.n == 0) {
			snprintf(err, errlen, "the ledger's revoked set does not advance");
			ipc_msg_free(&m);
			return -1;
		}
		more = page.more;
		ipc_msg_free(&m);
	}
	return 0;
}

int record_extensions(struct record *r, uint32_t id,
		      int (*cb)(const struct ledger_event *ev, void *arg), void *arg, char *err,
		      size_t errlen)
{
	static const size_t strbuf_size = LEDGER_STRBUF;
	struct lmsg_request_id q = {.request_id = id};
	struct lmsg_events page;
	struct lmsg_iter it;
	struct ipc_wbuf w;
	struct ipc_msg m;
	const uint8_t *rec;
	size_t rl;
	char *strbuf;
	int rc = 0;

	ipc_wbuf_init(&w);
	lmsg_request_id_encode(&w, &q);
	if (record_call(r, LEDGER_GET_EXTENSIONS, &w, LEDGER_EVENTS, &m, err, errlen) != 0)
		return -1;
	if (lmsg_events_decode(m.data, m.hdr.len, &page) != 0) {
		snprintf(err, errlen, "malformed extension list from the ledger");
		ipc_msg_free(&m);
		return -1;
	}
	if ((strbuf = malloc(strbuf_size)) == NULL) {
		ipc_msg_free(&m);
		return -1;
	}
	lmsg_iter_init(&it, &page.events);
	while (rc == 0 && lmsg_events_next(&it, &rec, &rl)) {
		struct ledger_event ev;

		if (ledger_record_decode(rec, rl, &ev, strbuf, strbuf_size, err, errlen) != 0 ||
		    ev.type != EV_EXTENSION_SET || ev.u.extension.request_id != id) {
			snprintf(err, errlen, "malformed extension event from the ledger");
			rc = -1;
		} else if (cb(&ev, arg) != 0) {
			rc = -1;
		}
	}
	free(strbuf);
	ipc_msg_free(&m);
	return rc;
}

/* A template name's ledger key (firmware/ledger/index.c): ASCII lower case. */
static void lower_key(const char *name, char out[LEDGER_TEMPLATE_NAME_MAX + 1])
{
	size_t i;

	for (i = 0; i < LEDGER_TEMPLATE_NAME_MAX && name[i] != 0; i++)
		out[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
	out[i] = 0;
}

int record_templates(struct record *r, int (*cb)(const struct ledger_event *ev, void *arg),
		     void *arg, size_t *n, char *err, size_t errlen)
{
	static const size_t strbuf_size = LEDGER_STRBUF;
	char prev[LEDGER_TEMPLATE_NAME_MAX + 1] = "", key[LEDGER_TEMPLATE_NAME_MAX + 1];
	struct lmsg_events page;
	struct lmsg_iter it;
	struct ipc_wbuf w;
	struct ipc_msg m;
	const uint8_t *rec;
	size_t rl;
	char *strbuf;
	int rc = 0;

	*n = 0;
	ipc_wbuf_init(&w);
	if (record_call(r, LEDGER_GET_TEMPLATES, &w, LEDGER_EVENTS, &m, err, errlen) != 0)
		return -1;
	if (lmsg_events_decode(m.data, m.hdr.len, &page) != 0 ||
	    page.events.n > LEDGER_TEMPLATES_MAX) {
		snprintf(err, errlen, "malformed template list from the ledger");
		ipc_msg_free(&m);
		return -1;
	}
	if ((strbuf = malloc(strbuf_size)) == NULL) {
		snprintf(err, errlen, "out of memory");
		ipc_msg_free(&m);
		return -1;
	}
	lmsg_iter_init(&it, &page.events);
	while (rc == 0 && lmsg_events_next(&it, &rec, &rl)) {
		struct ledger_event ev;
		char derr[256];

		/* The ledger's index gives each name once, in key order: a list that
		 * repeats or reorders names is not the ledger's answer. */
		if (ledger_record_decode(rec, rl, &ev, strbuf, strbuf_size, derr,
					 sizeof(derr)) != 0 ||
		    ev.type != EV_TEMPLATE_CHANGED) {
			snprintf(err, errlen, "malformed template event from the ledger");
			rc = -1;
			break;
		}
		lower_key(ev.u.tmpl.name, key);
		if (*n > 0 && strcmp(key, prev) <= 0) {
			snprintf(err, errlen, "the ledger's template list is out of order at %s",
				 ev.u.tmpl.name);
			rc = -1;
			break;
		}
		memcpy(prev, key, sizeof(prev));
		(*n)++;
		if (cb(&ev, arg) != 0)
			rc = -1;
	}
	free(strbuf);
	ipc_msg_free(&m);
	return rc;
}
