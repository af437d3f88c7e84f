/* libFuzzer target: the CertServerRequest inputs firmware/icpr parses, all fed
 * the same bytes: pctbAttribs (UTF-16 blob with the cb rule), the attribute text
 * and its SAN: value, the SAN parser directly, request format detection (DER,
 * BER conversion, PEM, base64), pwszAuthority, and the UTF-16/UTF-8
 * converters. Invariants are checked, not just crashes: limits hold, a UTF-16
 * string converts back to itself, a detected request's DER detects again as
 * the same format without conversion. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/icpr/icpr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct icpr_attrs attrs;
static struct icpr_san san;

static void check(int ok)
{
	if (!ok)
		__builtin_trap();
}

static void use_san(const char *v, size_t len)
{
	if (v == NULL || icpr_san_parse(v, len, &san) != ICPR_OK)
		return;
	check(san.n >= 1 && san.n <= ICPR_SAN_MAX);
	for (size_t i = 0; i < san.n; i++) {
		check(strlen(icpr_san_value(&san, i)) == san.e[i].len);
		check(san.e[i].len <= ICPR_SAN_VALUE_MAX);
		check(icpr_san_type_name(san.e[i].type) != NULL);
	}
}

static void use_attrs(void)
{
	check(attrs.n <= ICPR_ATTR_MAX_COUNT && attrs.text_len <= ICPR_ATTR_TEXT_MAX);
	check(strlen(attrs.text) == attrs.text_len);
	for (size_t i = 0; i < attrs.n; i++) {
		const char *name = icpr_attrs_name(&attrs, i);
		size_t nl = strlen(name);
		check(nl >= 1 && nl <= ICPR_ATTR_NAME_MAX);
		check(strlen(icpr_attrs_value(&attrs, i)) <= ICPR_ATTR_VALUE_MAX);
		check(icpr_attrs_get(&attrs, name) == icpr_attrs_value(&attrs, i)); /* unique */
	}
	const char *v = icpr_attrs_get(&attrs, ICPR_ATTR_SAN);
	if (v != NULL)
		use_san(v, strlen(v));
}

static void utf16_round_trip(const uint8_t *data, size_t size)
{
	static char u8[3 * 8192 + 1];
	static uint8_t back[2 * 8192 + 2];
	size_t n8, n16;

	if (size > 8192 || icpr_utf16_to_utf8(data, size, u8, sizeof u8, &n8) != ICPR_OK)
		return;
	check(icpr_utf8_to_utf16(u8, n8, back, sizeof back, &n16) == ICPR_OK);
	check(n16 == size + 2 && memcmp(back, data, size) == 0 && back[size] == 0 &&
	      back[size + 1] == 0);
}

static void detect(const uint8_t *data, size_t size)
{
	struct icpr_request r, again;

	if (icpr_request_detect(data, size, &r) != ICPR_OK)
		return;
	check(r.format != ICPR_FMT_UNKNOWN && r.der.len > 0);
	check(r.format == ICPR_FMT_PKCS10 || r.content_type[0] != 0);
	check(icpr_request_detect(r.der.data, r.der.len, &again) == ICPR_OK);
	check(again.format == r.format && again.was_ber == 0 && again.was_text == 0);
	check(again.der.len == r.der.len && memcmp(again.der.data, r.der.data, r.der.len) == 0);
	icpr_request_free(&again);
	icpr_request_free(&r);
}

/* The fail-fast check the worker and the custodian share: with small limits
 * (so that they bite) and the channel's; an admitted PKCS#10's parts are inside
 * its DER and within the limits, a refusal leaves nothing allocated. */
static void admit(const uint8_t *data, size_t size)
{
	static const struct icpr_limits small = {4096, 64, 128, 2, 64},
					 wide = {65536, 1024, 2048, 16, 8192};
	const struct icpr_limits *ls[2] = {&small, &wide};
	struct icpr_request r;
	char msg[256];

	for (int i = 0; i < 2; i++) {
		const struct icpr_limits *l = ls[i];

		if (icpr_request_admit(data, size, l, &r, msg, sizeof msg) != 0) {
			check(r.der.data == NULL && msg[0] != 0);
			continue;
		}
		check(size <= l->request && r.format != ICPR_FMT_UNKNOWN);
		if (r.format == ICPR_FMT_PKCS10) {
			const struct x509_csr_shape *s = &r.shape;

			check(s->subject_len <= l->subject && s->spki_len <= l->spki &&
			      s->n_ext <= l->n_ext && s->ext_len <= l->ext_bytes);
			check(s->subject_off + s->subject_len <= r.der.len &&
			      s->spki_off + s->spki_len <= r.der.len);
		}
		icpr_request_free(&r);
	}
}

static void as_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char out[ICPR_SANITIZED_MAX], shortname[ICPR_SHORT_NAME_MAX + 1];

	if (s == NULL)
		return;
	memcpy(s, data, size);
	s[size] = 0;
	if (icpr_sanitize_name(s, out, sizeof out) == ICPR_OK) {
		check(icpr_sanitize_short_name(s, shortname, sizeof shortname) == ICPR_OK);
		check(strlen(shortname) <= ICPR_SHORT_NAME_MAX);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (icpr_attrs_from_blob(data, size, &attrs) == ICPR_OK)
		use_attrs();
	if (icpr_attrs_parse((const char *)data, size, &attrs) == ICPR_OK)
		use_attrs();
	use_san((const char *)data, size);
	detect(data, size);
	admit(data, size);
	(void)icpr_authority_match(data, size, "Test CA #1 (Lab)");
	utf16_round_trip(data, size);
	as_string(data, size);
	return 0;
}
