/* libFuzzer target: careq -dcom's decoders of what a hostile DCOM server answers
 * (firmware/rpc/dcom_act.c dcom_act_decode_out, wcce_stub.c
 * wcce_request_decode_out and wcce_blob_decode_out). Byte 0 picks: 0/1
 * RemoteCreateInstance / RemoteGetClassObject's answer, 2 Request2's, 3
 * GetCAProperty's. A decoded activation keeps dcom_act.h's bounds (1 to 8
 * interfaces, at most DCOM_MAX_BINDINGS bindings of short printable ASCII,
 * NUL-terminated); decoded blobs lie within the input and are read to the end
 * so that ASan sees any overread. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/rpc/dcom_act.h"
#include "firmware/rpc/wcce_stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const struct rpc_icpr_blob *b, const uint8_t *data, size_t size)
{
	volatile uint8_t sink = 0;

	if (b->cb == 0)
		return;
	if (b->pb < data || b->pb + b->cb > data + size)
		abort();
	for (uint32_t i = 0; i < b->cb; i++)
		sink ^= b->pb[i];
	(void)sink;
}

static void check_bindings(const struct dcom_bindings *b)
{
	if (b->n_str > DCOM_MAX_BINDINGS || b->n_sec > DCOM_MAX_BINDINGS)
		abort();
	for (size_t i = 0; i < b->n_str; i++) {
		size_t n = strnlen(b->str[i].addr, sizeof b->str[i].addr);

		if (n > DCOM_ADDR_MAX)
			abort();
		for (size_t j = 0; j < n; j++)
			if (b->str[i].addr[j] < 0x20 || b->str[i].addr[j] > 0x7e)
				abort();
	}
	for (size_t i = 0; i < b->n_sec; i++)
		if (strnlen(b->sec[i].princ, sizeof b->sec[i].princ) > DCOM_ADDR_MAX)
			abort();
}

static void act(uint16_t opnum, const uint8_t *p, size_t n)
{
	struct dcom_act_reply r;
	char err[256];

	if (dcom_act_decode_out(opnum, p, n, &r, err, sizeof err) != 0) {
		if (r.n_ifaces != 0 || r.hr != 0)
			abort(); /* a refusal leaves nothing */
		return;
	}
	if (r.hr != 0) {
		if (r.n_ifaces != 0)
			abort();
		return;
	}
	if (r.n_ifaces == 0 || r.n_ifaces > DCOM_ACT_MAX_IIDS)
		abort();
	check_bindings(&r.oxid_bindings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wcce_request_response rr;
	struct rpc_icpr_blob b;
	uint32_t hr;
	char err[256];

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		act(DCOM_ACT_OPNUM_CREATEINSTANCE, data + 1, size - 1);
		break;
	case 1:
		act(DCOM_ACT_OPNUM_GETCLASSOBJECT, data + 1, size - 1);
		break;
	case 2:
		if (wcce_request_decode_out(data + 1, size - 1, &rr, err, sizeof err) == 0) {
			touch(&rr.chain, data + 1, size - 1);
			touch(&rr.encoded_cert, data + 1, size - 1);
			touch(&rr.disposition_message, data + 1, size - 1);
		}
		break;
	default:
		if (wcce_blob_decode_out(data + 1, size - 1, &b, &hr, err, sizeof err) == 0)
			touch(&b, data + 1, size - 1);
		break;
	}
	return 0;
}
