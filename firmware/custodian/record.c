/* The custodian's ledger client; see record.h. */
#include "firmware/custodian/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/icpr/hresult.h"
#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "platform/log.h"

/* The ledger is gone (it found a violation in what we sent, or it died): a
 * custodian without its ledger could decide nothing and would answer every
 * request E_UNEXPECTED forever. Exit, so cad restarts the two together. */
static void ledger_gone(const char *why)
{
	upstream_gone("%s: exiting so that cad restarts the custodian and the ledger", why);
}

int record_start(struct record *r, int fd)
{
	if (ipc_caller_start(&r->call, fd, "ledger", LEDGER_FRAME_MAX) != 0)
		return -1;
	ipc_caller_on_dead(&r->call, ledger_gone);
	return 0;
}

void record_event_init(struct ledger_event *ev, uint32_t type, uint32_t actor_kind,
		       const char *actor)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->actor_kind = actor_kind;
	ev->actor = actor;
}

void record_stop(struct record *r)
{
	ipc_caller_stop(&r->call);
}

/* A LEDGER_ERROR reply into err; returns its code (0 when it does not decode). */
static uint32_t ledger_error(const struct ipc_msg *m, char *err, size_t errlen)
{
	struct lmsg_error e;

	if (lmsg_error_decode(m->data, m->hdr.len, &e) != 0) {
		snprintf(err, errlen, "ledger: malformed error");
		return 0;
	}
	snprintf(err, errlen, "ledger: %s", e.message);
	return e.code;
}

uint32_t record_hr(int rc, int refused, uint32_t if_refused)
{
	return refused ? if_refused : rc == RECORD_EFULL ? HR_DISK_FULL : HR_E_UNEXPECTED;
}

/* One event is a group of one: a single code path for every append. */
int record_append(struct record *r, struct ledger_event *ev, int *refused, char *err,
		  size_t errlen)
{
	return record_append_group(r, &ev, 1, refused, err, errlen);
}

int record_call(struct record *r, uint32_t type, struct ipc_wbuf *w, uint32_t expect,
		struct ipc_msg *m, char *err, size_t errlen)
{
	uint32_t code;

	if (ipc_call(&r->call, type, w, m, err, errlen) != 0)
		return -1;
	if (m->hdr.type == expect)
		return 0;
	if (m->hdr.type == LEDGER_ERROR) {
		code = ledger_error(m, err, errlen);
		ipc_msg_free(m);
		return code == LEDGER_ERR_NOTFOUND ? 1 : -1;
	}
	snprintf(err, errlen, "unexpected answer %u from the ledger", m->hdr.type);
	ipc_msg_free(m);
	return -1;
}

int record_get_request(struct record *r, uint32_t id, struct ledger_request_row *row,
		       char *err, size_t errlen)
{
	struct lmsg_request_id q = {.request_id = id};
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	ipc_wbuf_init(&w);
	lmsg_request_id_encode(&w, &q);
	if ((rc = record_call(r, LEDGER_GET_REQUEST, &w, LEDGER_REQUEST, &m, err, errlen)) != 0)
		return rc;
	rc = lmsg_request_decode(m.data, m.hdr.len, row) == 0 ? 0 : -1;
	if (rc != 0)
		snprintf(err, errlen, "malformed request row from the ledger");
	ipc_msg_free(&m);
	return rc;
}

int record_cert_by_serial(struct record *r, const uint8_t *serial, size_t len,
			  struct ledger_cert_row *row, char *err, size_t errlen)
{
	struct lmsg_serial q;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	if (len == 0 || len > sizeof(q.serial)) {
		snprintf(err, errlen, "a serial of %zu bytes", len);
		return 1; /* no certificate of ours has one */
	}
	memcpy(q.serial, serial, len);
	q.len = len;
	ipc_wbuf_init(&w);
	lmsg_serial_encode(&w, &q);
	if ((rc = record_call(r, LEDGER_GET_CERT, &w, LEDGER_CERT, &m, err, errlen)) != 0)
		return rc;
	rc = lmsg_cert_decode(m.data, m.hdr.len, row) == 0 ? 0 : -1;
	if (rc != 0)
		snprintf(err, errlen, "malformed certificate row from the ledger");
	ipc_msg_free(&m);
	return rc;
}

int record_get_cert(struct record *r, uint64_t seq, uint8_t **der, size_t *len, char *err,
		    size_t errlen)
{
	struct ledger_event ev;
	uint8_t *rec;
	size_t rl;
	char *strbuf;
	int rc = -1;

	err[0] = 0;
	if (record_get_record(r, seq, &rec, &rl, err, errlen) != 0)
		return -1;
	if ((strbuf = malloc(LEDGER_STRBUF)) != NULL &&
	    ledger_record_decode(rec, rl, &ev, strbuf, LEDGER_STRBUF, err, errlen) == 0 &&
	    ev.type == EV_CERT_ISSUED && (*der = malloc(ev.u.issued.cert.len)) != NULL) {
		memcpy(*der, ev.u.issued.cert.p, ev.u.issued.cert.len);
		*len = ev.u.issued.cert.len;
		rc = 0;
	} else if (err[0] == 0) {
		snprintf(err, errlen, "event %llu is not a certificate", (unsigned long long)seq);
	}
	free(strbuf);
	free(rec);
	return rc;
}

int record_append_group(struct record *r, struct ledger_event **evs, size_t n, int *refused,
			char *err, size_t errlen)
{
	struct lmsg_appended_group ag;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc = -1;

	*refused = 0;
	ipc_wbuf_init(&w);
	if (lmsg_append_group_encode_events(&w, evs, n, err, errlen) != 0) {
		ipc_wbuf_free(&w);
		*refused = 1;
		return -1;
	}
	if (ipc_call(&r->call, LEDGER_APPEND_GROUP, &w, &m, err, errlen) != 0)
		return -1;
	if (m.hdr.type == LEDGER_APPENDED_GROUP) {
		if (lmsg_appended_group_decode(m.data, m.hdr.len, &ag) == 0 && ag.n == n) {
			for (size_t i = 0; i < n; i++) {
				evs[i]->seq = ag.a[i].seq;
				evs[i]->time = ag.a[i].time;
				if (evs[i]->type == EV_REQUEST_RECEIVED)
					evs[i]->u.request.request_id = ag.a[i].request_id;
			}
			rc = 0;
		} else {
			snprintf(err, errlen, "malformed answer from the ledger");
		}
	} else if (m.hdr.type == LEDGER_ERROR) {
		uint32_t code = ledger_error(&m, err, errlen);

		*refused = code == LEDGER_ERR_INVALID;
		if (code == LEDGER_ERR_FULL)
			rc = RECORD_EFULL;
	} else {
		snprintf(err, errlen, "unexpected answer %u from the ledger", m.hdr.type);
	}
	ipc_msg_free(&m);
	return rc;
}
