/* libFuzzer target: the enrollment channel's decoders (firmware/custodian/msg.c),
 * the custodian's side of what a compromised worker can send (SUBMIT, REFUSED,
 * RETRIEVE, RESPONSE, CAPROP, AUTH_EVENT; ISSUE on the benchmark's unrecorded
 * path) and the worker's side of what the custodian answers (RESULT,
 * RESPONSE_IS, CAPROP_IS, CA_INFO; ISSUED). Byte 0
 * picks the message, the rest is the payload. What a decoder
 * accepts must encode back to the same bytes: one layout, both sides. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/msg.h"
#include "firmware/icpr/caprop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(struct ipc_wbuf *w, const uint8_t *p, size_t n)
{
	if (w->failed || w->len != n || (n > 0 && memcmp(w->data, p, n) != 0))
		abort();
	ipc_wbuf_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cust_submit sub;
	struct cust_refused ref;
	struct cust_retrieve ret;
	struct cust_auth_event ev;
	struct cust_result res;
	struct cust_ca_info info;
	static struct cust_issue iss;
	struct cust_issued issued;
	struct cust_error error;
	struct cust_response resp;
	struct cust_response_is resp_is;
	struct cust_caprop caprop;
	struct cust_caprop_is caprop_is;
	struct ipc_wbuf w;
	const uint8_t *p = data + 1;
	size_t n = size - 1;

	if (size < 1)
		return 0;
	ipc_wbuf_init(&w);
	switch (data[0] % 13) {
	case 0:
		if (cust_submit_decode(p, n, &sub) == 0) {
			cust_submit_encode(&w, &sub);
			same(&w, p, n);
		}
		break;
	case 1:
		if (cust_refused_decode(p, n, &ref) == 0) {
			cust_refused_encode(&w, &ref);
			same(&w, p, n);
		}
		break;
	case 2:
		if (cust_retrieve_decode(p, n, &ret) == 0) {
			cust_retrieve_encode(&w, &ret);
			same(&w, p, n);
		}
		break;
	case 3:
		if (cust_auth_event_decode(p, n, &ev) == 0) {
			cust_auth_event_encode(&w, &ev);
			same(&w, p, n);
		}
		break;
	case 4:
		if (cust_result_decode(p, n, &res) == 0) {
			cust_result_encode(&w, &res);
			same(&w, p, n);
		}
		break;
	case 5:
		if (cust_ca_info_decode(p, n, &info) == 0) {
			cust_ca_info_encode(&w, &info);
			same(&w, p, n);
		}
		break;
	case 6:
		if (cust_issue_decode(p, n, &iss) == 0) {
			cust_issue_encode(&w, &iss);
			same(&w, p, n);
		}
		break;
	case 7:
		if (cust_error_decode(p, n, &error) == 0) {
			cust_error_encode(&w, &error);
			same(&w, p, n);
		}
		break;
	case 8:
		if (cust_issued_decode(p, n, &issued) == 0) {
			cust_issued_encode(&w, &issued);
			same(&w, p, n);
		}
		break;
	case 9:
		if (cust_response_decode(p, n, &resp) == 0) {
			cust_response_encode(&w, &resp);
			same(&w, p, n);
		}
		break;
	case 11:
		if (cust_caprop_decode(p, n, &caprop) == 0) {
			cust_caprop_encode(&w, &caprop);
			same(&w, p, n);
		}
		break;
	case 12:
		/* a value that decodes has its type's shape (msg.h) */
		if (cust_caprop_is_decode(p, n, &caprop_is) == 0) {
			if (caprop_is.value_len > CUST_CAPROP_VALUE_MAX ||
			    (caprop_is.type != CAPROP_TYPE_LONG && caprop_is.type != CAPROP_TYPE_BINARY &&
			     caprop_is.type != CAPROP_TYPE_STRING) ||
			    (caprop_is.type == CAPROP_TYPE_LONG && caprop_is.value_len != 0) ||
			    (caprop_is.type == CAPROP_TYPE_BINARY && caprop_is.value_len == 0) ||
			    (caprop_is.type != CAPROP_TYPE_LONG && caprop_is.long_value != 0))
				abort();
			cust_caprop_is_encode(&w, &caprop_is);
			same(&w, p, n);
		}
		break;
	default:
		if (cust_response_is_decode(p, n, &resp_is) == 0) {
			cust_response_is_encode(&w, &resp_is);
			same(&w, p, n);
		}
		break;
	}
	ipc_wbuf_free(&w);
	return 0;
}
