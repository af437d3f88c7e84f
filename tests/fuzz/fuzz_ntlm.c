/* The NTLM message decoder (firmware/rpc/ntlm_msg.c) on arbitrary tokens, as the
 * worker meets them in bind, alter_context and auth3 verifiers: decode, render
 * every name field, walk the target info; then the sealing layer's unwrap on
 * the same bytes as a PDU (it must refuse or accept without reading outside). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/rpc/ntlm_msg.h"
#include "firmware/rpc/ntlm_seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const uint8_t *data, size_t size, const struct ntlm_field *f)
{
	if (f->len == 0)
		return;
	/* a view must lie inside the input */
	if (f->p < data || f->len > size || (size_t)(f->p - data) > size - f->len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	struct ntlm_msg m;
	struct ntlm_field v;
	char err[128], text[64];
	uint8_t *copy;

	if (ntlm_msg_decode(data, size, &m, err, sizeof(err)) == 0) {
		const struct ntlm_field *fields[] = {&m.domain, &m.workstation, &m.target_name,
						     &m.target_info, &m.lm_response,
						     &m.nt_response, &m.user, &m.session_key};

		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			check_field(data, size, fields[i]);
			ntlm_field_text(&m, fields[i], text, sizeof(text));
		}
		for (uint16_t id = 0; id < 10; id++)
			if (ntlm_av_find(&m.target_info, id, &v) == 1)
				check_field(data, size, &v);
	}
	/* The same octets as a protected PDU: body from 24, verifier last. */
	if (size >= 24 + 8 + NTLM_VERIFIER_LEN && (copy = malloc(size)) != NULL) {
		struct ntlm_seal s;
		size_t tlen = size - NTLM_VERIFIER_LEN;

		memcpy(copy, data, size);
		if (ntlm_seal_init(&s, key, 0xe0088235u, NTLM_SERVER, data[0] & 1, err,
				   sizeof(err)) == 0) {
			(void)ntlm_seal_unwrap(&s, copy, tlen, 24, tlen - 24 - 8, copy + tlen,
					       NTLM_VERIFIER_LEN);
			ntlm_seal_wipe(&s);
		}
		free(copy);
	}
	return 0;
}
