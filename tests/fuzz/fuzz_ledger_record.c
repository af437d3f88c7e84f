/* libFuzzer target: the ledger's decoders (firmware/ledger event.c, row.c,
 * view.c): what a damaged or hostile database file, or a malformed IPC payload
 * from the custodian, could hand them.
 *
 * Byte 0 selects the decoder: 0 a journal record, 1 an event body of type
 * data[1], 2 a request row, 3 a view query; the rest is the input. Anything a
 * decoder accepts must re-encode to the same bytes (records, bodies and rows);
 * a crash, a sanitizer finding or a mismatch aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/ledger/row.h"
#include "firmware/ledger/view.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char strbuf[LEDGER_STRBUF];

static void same(const struct ipc_wbuf *w, const uint8_t *p, size_t n)
{
	if (w->failed || w->len != n || memcmp(w->data, p, n) != 0)
		abort();
}

static void record(const uint8_t *p, size_t n)
{
	struct ledger_event ev;
	struct ipc_wbuf w;
	char err[256];

	if (ledger_record_decode(p, n, &ev, strbuf, sizeof(strbuf), err, sizeof(err)) != 0)
		return;
	ipc_wbuf_init(&w);
	if (ledger_record_encode(&ev, &w, err, sizeof(err)) != 0)
		abort();
	same(&w, p, n);
	ipc_wbuf_free(&w);
}

static void body(uint32_t type, const uint8_t *p, size_t n)
{
	struct ledger_event ev;
	struct ipc_rbuf r;
	struct ipc_wbuf w;
	char err[256];

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.actor_kind = ACTOR_CA;
	ev.actor = "CA";
	ipc_rbuf_init_mem(&r, p, n);
	if (ledger_body_decode(type, &r, &ev, strbuf, sizeof(strbuf), err, sizeof(err)) != 0 ||
	    ipc_rbuf_done(&r) != 0)
		return;
	ipc_wbuf_init(&w);
	if (ledger_body_encode(&ev, &w, err, sizeof(err)) != 0)
		abort();
	same(&w, p, n);
	ipc_wbuf_free(&w);
}

static void row(const uint8_t *p, size_t n)
{
	struct ledger_request_row r;
	struct ipc_wbuf w;

	if (ledger_request_row_decode(p, n, &r) != 0)
		return;
	ipc_wbuf_init(&w);
	ledger_request_row_encode(&r, &w);
	same(&w, p, n);
	ipc_wbuf_free(&w);
}

static void query(const uint8_t *p, size_t n)
{
	static struct view_query q;
	static const struct ledger_request_row empty;
	struct ipc_rbuf r;

	ipc_rbuf_init_mem(&r, p, n);
	if (view_query_decode(&r, &q) != 0 || ipc_rbuf_done(&r) != 0)
		return;
	(void)view_match(&q, &empty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	switch (data[0] & 3) {
	case 0:
		record(data + 1, size - 1);
		break;
	case 1:
		body(data[1], data + 2, size - 2);
		break;
	case 2:
		row(data + 1, size - 1);
		break;
	default:
		query(data + 1, size - 1);
		break;
	}
	return 0;
}
