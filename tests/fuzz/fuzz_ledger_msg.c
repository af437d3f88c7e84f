/* libFuzzer target: the journal channel's decoders (firmware/ledger/msg.c), both
 * ends: the ledger's side of what a compromised custodian can send (every
 * request; fuzz_ledger_serve drives the same through the ledger's handlers) and
 * the custodian's side of what the ledger answers (every answer). Byte 0 picks
 * the message, the rest is the payload. What a decoder accepts must encode back
 * to the same bytes (one layout, both sides), and a list's iterator must give
 * exactly the entries its decoder counted. A request that decodes must be within
 * the ledger's whitelist (serve.c's rules): whitelist and layouts agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/ledger/msg.h"
#include "firmware/ledger/serve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(struct ipc_wbuf *w, const uint8_t *p, size_t n)
{
	if (w->failed || w->len != n || (n > 0 && memcmp(w->data, p, n) != 0))
		abort();
	ipc_wbuf_free(w);
}

/* The ledger's whitelist admits a request of type with n payload bytes (a layout
 * its decoder accepts must be within the rule's bounds). */
static void admitted(uint32_t type, const uint8_t *p, size_t n)
{
	struct ipc_chan chan;
	struct ipc_msg m;
	const struct ipc_rule *rules;
	size_t n_rules;
	char err[256];

	memset(&chan, 0, sizeof(chan));
	chan.peer = "custodian";
	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = (uint32_t)n;
	m.data = (uint8_t *)p;
	m.fd = -1;
	rules = ledger_rules(&n_rules);
	if (ipc_check(rules, n_rules, 0, &chan, &m, err, sizeof(err)) == NULL)
		abort();
}

static void rows(const uint8_t *p, size_t n)
{
	struct lmsg_rows m;
	struct lmsg_iter it;
	struct ledger_request_row row;
	struct ipc_wbuf w;
	uint32_t k = 0;

	if (lmsg_rows_decode(p, n, &m) != 0)
		return;
	lmsg_iter_init(&it, &m.rows);
	while (lmsg_rows_next(&it, &row))
		k++;
	if (k != m.rows.n || it.r.left != 0)
		abort();
	ipc_wbuf_init(&w);
	lmsg_rows_encode(&w, &m);
	same(&w, p, n);
}

static void revoked(const uint8_t *p, size_t n)
{
	struct lmsg_revoked_rows m;
	struct lmsg_iter it;
	struct ledger_revoked_row row;
	const uint8_t *serial;
	size_t sl;
	struct ipc_wbuf w;
	uint32_t k = 0;

	if (lmsg_revoked_rows_decode(p, n, &m) != 0)
		return;
	lmsg_iter_init(&it, &m.rows);
	while (lmsg_revoked_next(&it, &serial, &sl, &row))
		if (sl == 0 || sl > LEDGER_SERIAL_MAX || ++k > m.rows.n)
			abort();
	if (k != m.rows.n || it.r.left != 0)
		abort();
	ipc_wbuf_init(&w);
	lmsg_revoked_rows_encode(&w, &m);
	same(&w, p, n);
}

static void events(const uint8_t *p, size_t n)
{
	struct lmsg_events m;
	struct lmsg_iter it;
	const uint8_t *rec;
	size_t len;
	struct ipc_wbuf w;
	uint32_t k = 0;

	if (lmsg_events_decode(p, n, &m) != 0)
		return;
	lmsg_iter_init(&it, &m.events);
	while (lmsg_events_next(&it, &rec, &len))
		if (rec < p || rec + len > p + n || ++k > m.events.n)
			abort();
	if (k != m.events.n || it.r.left != 0)
		abort();
	ipc_wbuf_init(&w);
	lmsg_events_encode(&w, &m);
	same(&w, p, n);
}

/* An append: a decoded event must encode back (its body through event.c). */
static void append(const uint8_t *p, size_t n)
{
	static struct lmsg_append m;
	struct ipc_wbuf w;
	char err[256];

	if (lmsg_append_decode(p, n, &m, err, sizeof(err)) != 0)
		return;
	admitted(LEDGER_APPEND, p, n);
	ipc_wbuf_init(&w);
	if (lmsg_append_encode(&w, &m.ev, err, sizeof(err)) != 0)
		abort();
	same(&w, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct view_query q;
	union {
		struct lmsg_append_group group;
		struct lmsg_request_id id;
		struct lmsg_get_event ge;
		struct lmsg_serial serial;
		struct lmsg_crl_latest cl;
		struct lmsg_get_prop gp;
		struct lmsg_get_events gev;
		struct lmsg_appended a;
		struct lmsg_appended_group ag;
		struct ledger_request_row rr;
		struct ledger_cert_row cr;
		struct lmsg_event ev;
		struct lmsg_head_is head;
		struct lmsg_verified ver;
		struct lmsg_crl_row crl;
		struct lmsg_error err;
	} u;
	struct ipc_wbuf w;
	const uint8_t *p = data + 1;
	size_t n = size - 1;

	if (size < 1)
		return 0;
	ipc_wbuf_init(&w);
#define ROUND(dec, enc, m)                                                               \
	do {                                                                             \
		if (dec(p, n, m) == 0) {                                                 \
			enc(&w, m);                                                      \
			same(&w, p, n);                                                  \
		}                                                                        \
	} while (0)
#define REQ(type, dec, enc, m)                                                           \
	do {                                                                             \
		if (dec(p, n, m) == 0) {                                                 \
			admitted(type, p, n);                                            \
			enc(&w, m);                                                      \
			same(&w, p, n);                                                  \
		}                                                                        \
	} while (0)
	switch (data[0] % 24) {
	/* requests: the ledger's side */
	case 0: append(p, n); break;
	case 1: REQ(LEDGER_APPEND_GROUP, lmsg_append_group_decode, lmsg_append_group_encode,
		    &u.group); break;
	case 2:
		REQ(LEDGER_GET_REQUEST, lmsg_request_id_decode, lmsg_request_id_encode, &u.id);
		REQ(LEDGER_GET_EXTENSIONS, lmsg_request_id_decode, lmsg_request_id_encode, &u.id);
		break;
	case 3: REQ(LEDGER_GET_EVENT, lmsg_get_event_decode, lmsg_get_event_encode, &u.ge); break;
	case 4: REQ(LEDGER_GET_CERT, lmsg_get_cert_decode, lmsg_serial_encode, &u.serial); break;
	case 5: REQ(LEDGER_REVOKED_LIST, lmsg_revoked_list_decode, lmsg_serial_encode, &u.serial);
		break;
	case 6: REQ(LEDGER_VIEW, lmsg_view_decode, lmsg_view_encode, &q); break;
	case 7:
		if (lmsg_empty_decode(p, n) == 0 && n != 0)
			abort();
		break;
	case 8: REQ(LEDGER_CRL_LATEST, lmsg_crl_latest_decode, lmsg_crl_latest_encode, &u.cl);
		break;
	case 9: REQ(LEDGER_GET_PROP, lmsg_get_prop_decode, lmsg_get_prop_encode, &u.gp); break;
	case 10: REQ(LEDGER_GET_EVENTS, lmsg_get_events_decode, lmsg_get_events_encode, &u.gev);
		break;
	/* answers: the custodian's side */
	case 11: ROUND(lmsg_appended_decode, lmsg_appended_encode, &u.a); break;
	case 12: ROUND(lmsg_appended_group_decode, lmsg_appended_group_encode, &u.ag); break;
	case 13: ROUND(lmsg_request_decode, lmsg_request_encode, &u.rr); break;
	case 14: ROUND(lmsg_cert_decode, lmsg_cert_encode, &u.cr); break;
	case 15: ROUND(lmsg_event_decode, lmsg_event_encode, &u.ev); break;
	case 16: rows(p, n); break;
	case 17: ROUND(lmsg_head_is_decode, lmsg_head_is_encode, &u.head); break;
	case 18: ROUND(lmsg_verified_decode, lmsg_verified_encode, &u.ver); break;
	case 19: revoked(p, n); break;
	case 20: ROUND(lmsg_crl_row_decode, lmsg_crl_row_encode, &u.crl); break;
	case 21: events(p, n); break;
	case 22: ROUND(lmsg_error_decode, lmsg_error_encode, &u.err); break;
	default:
		/* an append group's members, each as the ledger decodes it */
		if (lmsg_append_group_decode(p, n, &u.group) == 0)
			for (uint32_t i = 0; i < u.group.n; i++)
				append(u.group.member[i].p, u.group.member[i].len);
		break;
	}
#undef ROUND
#undef REQ
	ipc_wbuf_free(&w);
	return 0;
}
