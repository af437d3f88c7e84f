/* The custodian's reads of the ledger for administration; see record.h. */
#include "firmware/custodian/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/ledger/proto.h"

/* A reply holding exactly one byte string: copied out. */
static int one_bytes(struct ipc_msg *m, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	struct ipc_rbuf rb;
	const uint8_t *p;
	size_t n;

	ipc_rbuf_init(&rb, m);
	ipc_get_bytes(&rb, &p, &n, LEDGER_FRAME_MAX);
	if (ipc_rbuf_done(&rb) != 0 || (*out = malloc(n ? n : 1)) == NULL) {
		snprintf(err, errlen, "malformed answer from the ledger");
		ipc_msg_free(m);
		return -1;
	}
	memcpy(*out, p, n);
	*len = n;
	ipc_msg_free(m);
	return 0;
}

int record_get_record(struct record *r, uint64_t seq, uint8_t **rec, size_t *len, char *err,
		      size_t errlen)
{
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	ipc_wbuf_init(&w);
	ipc_put_u64(&w, seq);
	if ((rc = record_call(r, LEDGER_GET_EVENT, &w, LEDGER_EVENT, &m, err, errlen)) != 0)
		return rc;
	return one_bytes(&m, rec, len, err, errlen);
}

int record_get_prop(struct record *r, const char *name, uint8_t **value, size_t *len,
		    char *err, size_t errlen)
{
	static const size_t strbuf_size = LEDGER_STRBUF;
	struct ledger_event ev;
	struct ipc_wbuf w;
	struct ipc_msg m;
	uint8_t *rec;
	size_t rl;
	char *strbuf;
	int rc;

	ipc_wbuf_init(&w);
	ipc_put_str(&w, name);
	if ((rc = record_call(r, LEDGER_GET_PROP, &w, LEDGER_EVENT, &m, err, errlen)) != 0)
		return rc;
	if (one_bytes(&m, &rec, &rl, err, errlen) != 0)
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
	struct ipc_wbuf w;
	struct ipc_msg m;
	struct ipc_rbuf rb;
	int rc;

	ipc_wbuf_init(&w);
	ipc_put_u32(&w, want_base ? 1 : 0);
	if ((rc = record_call(r, LEDGER_CRL_LATEST, &w, LEDGER_CRL_ROW, &m, err, errlen)) != 0)
		return rc;
	ipc_rbuf_init(&rb, &m);
	*number = ipc_get_u64(&rb);
	rc = rb.failed || ledger_crl_row_decode(rb.p, rb.left, row) != 0 ? -1 : 0;
	if (rc != 0)
		snprintf(err, errlen, "malformed CRL row from the ledger");
	ipc_msg_free(&m);
	return rc;
}

int record_revoked_all(struct record *r,
		       int (*cb)(const uint8_t *serial, size_t serial_len,
				 const struct ledger_revoked_row *row, void *arg),
		       void *arg, char *err, size_t errlen)
{
	uint8_t after[LEDGER_SERIAL_MAX];
	size_t after_len = 0;
	uint32_t more = 1;

	while (more) {
		struct ipc_wbuf w;
		struct ipc_msg m;
		struct ipc_rbuf rb;
		uint32_t n;

		ipc_wbuf_init(&w);
		ipc_put_bytes(&w, after, after_len);
		if (record_call(r, LEDGER_REVOKED_LIST, &w, LEDGER_REVOKED_ROWS, &m, err, errlen) != 0)
			return -1;
		ipc_rbuf_init(&rb, &m);
		n = ipc_get_u32(&rb);
		for (uint32_t i = 0; i < n && !rb.failed; i++) {
			struct ledger_revoked_row row;
			const uint8_t *serial;
			size_t sl;

			ipc_get_bytes(&rb, &serial, &sl, LEDGER_SERIAL_MAX);
			row.reason = ipc_get_u32(&rb);
			row.revoked_at = (int64_t)ipc_get_u64(&rb);
			row.invalidity = (int64_t)ipc_get_u64(&rb);
			row.seq = ipc_get_u64(&rb);
			if (rb.failed || sl == 0)
				break;
			memcpy(after, serial, sl);
			after_len = sl;
			if (cb(serial, sl, &row, arg) != 0) {
				ipc_msg_free(&m);
				snprintf(err, errlen, "stopped");
				return -1;
			}
		}
		more = ipc_get_u32(&rb);
		if (ipc_rbuf_done(&rb) != 0) {
			snprintf(err, errlen, "malformed revoked set from the ledger");
			ipc_msg_free(&m);
			return -1;
		}
		ipc_msg_free(&m);
	}
	return 0;
}

int record_extensions(struct record *r, uint32_t id,
		      int (*cb)(const struct ledger_event *ev, void *arg), void *arg, char *err,
		      size_t errlen)
{
	static const size_t strbuf_size = LEDGER_STRBUF;
	struct ipc_wbuf w;
	struct ipc_msg m;
	struct ipc_rbuf rb;
	char *strbuf;
	uint32_t n;
	int rc = 0;

	ipc_wbuf_init(&w);
	ipc_put_u32(&w, id);
	if (record_call(r, LEDGER_GET_EXTENSIONS, &w, LEDGER_EVENTS, &m, err, errlen) != 0)
		return -1;
	if ((strbuf = malloc(strbuf_size)) == NULL) {
		ipc_msg_free(&m);
		return -1;
	}
	ipc_rbuf_init(&rb, &m);
	n = ipc_get_u32(&rb);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		struct ledger_event ev;
		const uint8_t *rec;
		size_t rl;

		ipc_get_bytes(&rb, &rec, &rl, LEDGER_APPEND_MAX);
		if (rb.failed ||
		    ledger_record_decode(rec, rl, &ev, strbuf, strbuf_size, err, errlen) != 0 ||
		    ev.type != EV_EXTENSION_SET || ev.u.extension.request_id != id) {
			snprintf(err, errlen, "malformed extension event from the ledger");
			rc = -1;
		} else if (cb(&ev, arg) != 0) {
			rc = -1;
		}
	}
	if (rc == 0 && ipc_rbuf_done(&rb) != 0) {
		snprintf(err, errlen, "malformed extension list from the ledger");
		rc = -1;
	}
	free(strbuf);
	ipc_msg_free(&m);
	return rc;
}
