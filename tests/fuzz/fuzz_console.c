/* libFuzzer target: the custodian from the console (caadm, or anything that can
 * reach DATA/admin.sock). Each input is one frame: byte 0 picks the message type
 * among every type of admin_proto.h (requests, answers a console must never
 * send, and one unknown), the rest is the payload. It goes where the
 * custodian's console dispatch (firmware/custodian/admin.c, handle) takes it
 * before anything touches a session, the ledger or the HSM: the whitelist
 * (adm_rules, through ipc_check as service_run does), then the request decoder
 * (adm_request_decode). Properties:
 *   - what decodes encodes back to the same bytes (one layout, both ends), and
 *     every request but LOGIN yields the token the frame starts with;
 *   - the whitelist and the decoders agree: a payload that decodes is within its
 *     rule's bounds, and no answer or unknown type ever decodes as a request.
 * For answer types the same bytes also go through caadm's decoders (what a
 * hostile custodian could send caadm), with the same round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/admin_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t types[] = {
	ADM_LOGIN,    ADM_SESSION, ADM_LOGOUT,	 ADM_OP_ADD,	ADM_OP_DEL,   ADM_OP_PASSWD,
	ADM_OP_LIST,  ADM_VIEW,	   ADM_ROWS,	 ADM_DETAIL,	ADM_DETAIL_IS, ADM_SETEXT,
	ADM_RESUBMIT, ADM_DENY,	   ADM_RESULT,	 ADM_REVOKE,	ADM_UNREVOKE, ADM_CRL,
	ADM_GETPROP,  ADM_PROP,	   ADM_SETPROP,	 ADM_AUDIT,	ADM_EVENTS,   ADM_VERIFY,
	ADM_OK,	      ADM_ERROR,   ADM_OP_ROLES, 0x3ee, /* unknown */
	/* after the unknown type, so that the seeds' selectors keep their meaning */
	ADM_TMPL_LIST, ADM_TMPL_LIST_IS, ADM_TMPL_SHOW, ADM_TMPL_TEXT, ADM_TMPL_ADD,
	ADM_TMPL_SET, ADM_TMPL_DEL,
	ADM_KEYTAB, /* issue 18: after the others, for the same reason */
};

static void same(struct ipc_wbuf *w, const uint8_t *p, size_t n)
{
	if (w->failed || w->len != n || (n > 0 && memcmp(w->data, p, n) != 0))
		abort();
	ipc_wbuf_free(w);
}

static int is_request(uint32_t type)
{
	size_t n;
	const struct ipc_rule *rules = adm_rules(&n);

	for (size_t i = 0; i < n; i++)
		if (rules[i].type == type)
			return 1;
	return 0;
}

/* caadm's side: the answer decoders. */
static void answer(uint32_t type, const uint8_t *p, size_t n)
{
	static struct adm_detail_is det;
	static struct adm_result res;
	static struct adm_ok ok;
	static struct adm_error err;
	static struct adm_tmpl_list_is tl;
	static struct adm_tmpl_text_is tt;
	struct adm_session_is sess;
	struct lmsg_rows rows;
	struct lmsg_events evs;
	struct adm_prop prop;
	struct lmsg_iter it;
	struct ipc_wbuf w;
	char oid[LEDGER_OID_MAX + 1];
	const uint8_t *v;
	size_t len;
	uint32_t flags, k = 0;

	ipc_wbuf_init(&w);
	switch (type) {
	case ADM_SESSION:
		if (adm_session_decode(p, n, &sess) == 0) {
			adm_session_encode(&w, &sess);
			same(&w, p, n);
		}
		break;
	case ADM_ROWS:
		if (adm_rows_decode(p, n, &rows) == 0) {
			adm_rows_encode(&w, &rows);
			same(&w, p, n);
		}
		break;
	case ADM_EVENTS:
		if (adm_events_decode(p, n, &evs) == 0) {
			adm_events_encode(&w, &evs);
			same(&w, p, n);
		}
		break;
	case ADM_DETAIL_IS:
		if (adm_detail_decode(p, n, &det) == 0) {
			lmsg_iter_init(&it, &det.exts);
			while (adm_detail_next(&it, oid, &flags, &v, &len))
				k++;
			if (k != det.exts.n)
				abort();
			adm_detail_encode(&w, &det);
			same(&w, p, n);
		}
		break;
	case ADM_RESULT:
		if (adm_result_decode(p, n, &res) == 0) {
			adm_result_encode(&w, &res);
			same(&w, p, n);
		}
		break;
	case ADM_PROP:
		if (adm_prop_decode(p, n, &prop) == 0) {
			adm_prop_encode(&w, &prop);
			same(&w, p, n);
		}
		break;
	case ADM_OK:
		if (adm_ok_decode(p, n, &ok) == 0) {
			adm_ok_encode(&w, &ok);
			same(&w, p, n);
		}
		break;
	case ADM_ERROR:
		if (adm_error_decode(p, n, &err) == 0) {
			adm_error_encode(&w, &err);
			same(&w, p, n);
		}
		break;
	case ADM_TMPL_LIST_IS:
		if (adm_tmpl_list_decode(p, n, &tl) == 0) {
			if (tl.n > ADM_TMPL_MAX)
				abort();
			for (uint32_t i = 0; i < tl.n; i++)
				if (tl.e[i].name[0] == 0 ||
				    (tl.e[i].flags & ~(uint32_t)(ADM_TMPL_PEND_ALL | ADM_TMPL_CA)))
					abort();
			adm_tmpl_list_encode(&w, &tl);
			same(&w, p, n);
		}
		break;
	case ADM_TMPL_TEXT:
		if (adm_tmpl_text_is_decode(p, n, &tt) == 0) {
			if (tt.text[0] == 0 || strlen(tt.text) > TEMPLATE_TEXT_MAX)
				abort();
			adm_tmpl_text_is_encode(&w, &tt);
			same(&w, p, n);
		}
		break;
	default:
		break;
	}
	ipc_wbuf_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union adm_request req;
	const struct ipc_rule *rules;
	struct ipc_chan chan;
	struct ipc_msg m;
	struct ipc_wbuf w;
	size_t n_rules;
	char err[256];
	int admitted, decoded;

	if (size < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	m.hdr.type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	m.hdr.len = (uint32_t)(size - 1);
	m.hdr.id = 1;
	m.fd = -1;
	m.data = (uint8_t *)data + 1;
	memset(&chan, 0, sizeof(chan));
	chan.peer = "console";
	chan.max_payload = ADM_REQUEST_MAX;
	rules = adm_rules(&n_rules);

	admitted = ipc_check(rules, n_rules, 0, &chan, &m, err, sizeof(err)) != NULL;
	decoded = adm_request_decode(m.hdr.type, m.data, m.hdr.len, &req) == 0;
	if (decoded && (!admitted || !is_request(m.hdr.type)))
		abort(); /* a layout the whitelist refuses, or an answer taken as a request */
	if (decoded) {
		ipc_wbuf_init(&w);
		adm_request_encode(m.hdr.type, &w, &req);
		same(&w, m.data, m.hdr.len);
		/* the token is the bytes the frame starts with, after their length */
		if (m.hdr.type != ADM_LOGIN &&
		    memcmp(req.bare.token, m.data + 4, ADM_TOKEN_LEN) != 0)
			abort();
	}
	if (!is_request(m.hdr.type))
		answer(m.hdr.type, m.data, m.hdr.len);
	return 0;
}
