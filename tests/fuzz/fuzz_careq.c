/* libFuzzer target: careq's decoder of CertServerRequest answers
 * (firmware/client/icpr_call.c), i.e. what a hostile or broken CA sends back.
 * A decoded answer must lie within the input; its blobs are read to the end so
 * that ASan sees any overread. */
#include <stdint.h>
#include <stdlib.h>

#include "firmware/client/client.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_icpr_response r;
	char err[256];

	if (icprc_decode(data, size, &r, err, sizeof(err)) != 0)
		return 0;
	touch(&r.cert, data, size);
	touch(&r.encoded_cert, data, size);
	touch(&r.disposition_message, data, size);
	return 0;
}
