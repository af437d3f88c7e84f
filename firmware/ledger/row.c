/* Index rows and their encoding; see row.h.
 *
 * Rows are written by the ledger itself, but they are read back from files, so the
 * decoders trust nothing: exact layout, every byte consumed, strings that fit their
 * arrays. The encoders cannot return an error; a row that breaks its own bounds (a
 * string without its NUL, serial_len over LEDGER_SERIAL_MAX) fails the wbuf
 * instead, which the caller checks once before storing. */
#include "firmware/ledger/row.h"

#include <string.h>

static void put_i64(struct ipc_wbuf *w, int64_t v)
{
	ipc_put_u64(w, (uint64_t)v);
}

static int64_t get_i64(struct ipc_rbuf *r)
{
	return (int64_t)ipc_get_u64(r);
}

/* A string held in a char array of size bytes, which must hold its NUL. */
static void put_array_str(struct ipc_wbuf *w, const char *s, size_t size)
{
	if (memchr(s, 0, size) == NULL) {
		w->failed = 1;
		return;
	}
	ipc_put_str(w, s);
}

void ledger_request_row_encode(const struct ledger_request_row *row, struct ipc_wbuf *w)
{
	ipc_put_u32(w, row->request_id);
	ipc_put_u32(w, row->disposition);
	ipc_put_u32(w, row->hresult);
	ipc_put_u32(w, row->format);
	put_i64(w, row->submitted);
	put_i64(w, row->resolved);
	ipc_put_u64(w, row->seq_received);
	ipc_put_u64(w, row->seq_last);
	put_array_str(w, row->requester, sizeof(row->requester));
	put_array_str(w, row->message, sizeof(row->message));
	if (row->serial_len > LEDGER_SERIAL_MAX)
		w->failed = 1;
	else
		ipc_put_bytes(w, row->serial, row->serial_len);
	put_i64(w, row->not_before);
	put_i64(w, row->not_after);
	ipc_put_u64(w, row->seq_cert);
	ipc_put_u32(w, row->revoked);
	ipc_put_u32(w, row->revoked_reason);
	put_i64(w, row->revoked_at);
}

int ledger_request_row_decode(const uint8_t *p, size_t len, struct ledger_request_row *row)
{
	struct ipc_rbuf r;
	const uint8_t *serial;
	size_t serial_len;

	memset(row, 0, sizeof(*row));
	ipc_rbuf_init_mem(&r, p, len);
	row->request_id = ipc_get_u32(&r);
	row->disposition = ipc_get_u32(&r);
	row->hresult = ipc_get_u32(&r);
	row->format = ipc_get_u32(&r);
	row->submitted = get_i64(&r);
	row->resolved = get_i64(&r);
	row->seq_received = ipc_get_u64(&r);
	row->seq_last = ipc_get_u64(&r);
	ipc_get_str(&r, row->requester, sizeof(row->requester));
	ipc_get_str(&r, row->message, sizeof(row->message));
	ipc_get_bytes(&r, &serial, &serial_len, LEDGER_SERIAL_MAX);
	if (!r.failed && serial_len > 0) {
		memcpy(row->serial, serial, serial_len);
		row->serial_len = serial_len;
	}
	row->not_before = get_i64(&r);
	row->not_after = get_i64(&r);
	row->seq_cert = ipc_get_u64(&r);
	row->revoked = ipc_get_u32(&r);
	row->revoked_reason = ipc_get_u32(&r);
	row->revoked_at = get_i64(&r);
	if (ipc_rbuf_done(&r) != 0) {
		memset(row, 0, sizeof(*row));
		return -1;
	}
	return 0;
}

void ledger_cert_row_encode(const struct ledger_cert_row *row, struct ipc_wbuf *w)
{
	ipc_put_u32(w, row->request_id);
	ipc_put_u64(w, row->seq_issued);
}

int ledger_cert_row_decode(const uint8_t *p, size_t len, struct ledger_cert_row *row)
{
	struct ipc_rbuf r;

	ipc_rbuf_init_mem(&r, p, len);
	row->request_id = ipc_get_u32(&r);
	row->seq_issued = ipc_get_u64(&r);
	if (ipc_rbuf_done(&r) != 0) {
		memset(row, 0, sizeof(*row));
		return -1;
	}
	return 0;
}

void ledger_revoked_row_encode(const struct ledger_revoked_row *row, struct ipc_wbuf *w)
{
	ipc_put_u32(w, row->reason);
	put_i64(w, row->revoked_at);
	put_i64(w, row->invalidity);
	ipc_put_u64(w, row->seq);
}

void ledger_revoked_row_get(struct ipc_rbuf *r, struct ledger_revoked_row *row)
{
	row->reason = ipc_get_u32(r);
	row->revoked_at = get_i64(r);
	row->invalidity = get_i64(r);
	row->seq = ipc_get_u64(r);
}

int ledger_revoked_row_decode(const uint8_t *p, size_t len, struct ledger_revoked_row *row)
{
	struct ipc_rbuf r;

	ipc_rbuf_init_mem(&r, p, len);
	ledger_revoked_row_get(&r, row);
	if (ipc_rbuf_done(&r) != 0) {
		memset(row, 0, sizeof(*row));
		return -1;
	}
	return 0;
}

void ledger_crl_row_encode(const struct ledger_crl_row *row, struct ipc_wbuf *w)
{
	ipc_put_u32(w, row->is_delta);
	ipc_put_u64(w, row->base_number);
	put_i64(w, row->this_update);
	put_i64(w, row->next_update);
	ipc_put_u64(w, row->seq);
}

int ledger_crl_row_decode(const uint8_t *p, size_t len, struct ledger_crl_row *row)
{
	struct ipc_rbuf r;

	ipc_rbuf_init_mem(&r, p, len);
	row->is_delta = ipc_get_u32(&r);
	row->base_number = ipc_get_u64(&r);
	row->this_update = get_i64(&r);
	row->next_update = get_i64(&r);
	row->seq = ipc_get_u64(&r);
	if (ipc_rbuf_done(&r) != 0) {
		memset(row, 0, sizeof(*row));
		return -1;
	}
	return 0;
}
