/* libFuzzer target: a certificate template's text form (firmware/policy/
 * template.c), what an administrator's file becomes through caadm.
 *
 * The input is parsed with template_parse. Invariants that abort (libFuzzer then
 * reports a crash), besides ASan/UBSan findings:
 *  - a refusal has a message and leaves the output as it was (nothing partially
 *    filled);
 *  - every template the parser accepts can be written (template_format), and what
 *    is written parses again to the same template (template_equal) and formats
 *    again to the same bytes (the canonical form is a fixed point);
 *  - its counts are within their bounds, and template_check answers without
 *    reading past them (its verdict is not an invariant: the parser does not
 *    apply the rules between fields). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/policy/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct template t, back, sentinel;
static char out[TEMPLATE_TEXT_MAX + 1], out2[TEMPLATE_TEXT_MAX + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	long n, n2;

	memset(&t, 0x5a, sizeof(t));
	sentinel = t;
	err[0] = 0;
	if (template_parse((const char *)data, size, &t, err, sizeof(err)) != 0) {
		if (err[0] == 0 || memcmp(&t, &sentinel, sizeof(t)) != 0)
			abort();
		return 0;
	}
	if (t.n_eku > TEMPLATE_MAX_EKU || t.n_accounts > TEMPLATE_MAX_ACCOUNTS ||
	    t.n_groups > TEMPLATE_MAX_GROUPS || t.n_superseded > TEMPLATE_MAX_SUPERSEDED)
		abort();
	(void)template_check(&t, err, sizeof(err));
	n = template_format(&t, out, sizeof(out), err, sizeof(err));
	if (n < 0 || (size_t)n != strlen(out) || n > TEMPLATE_TEXT_MAX)
		abort();
	if (template_parse(out, (size_t)n, &back, err, sizeof(err)) != 0 ||
	    !template_equal(&t, &back))
		abort();
	n2 = template_format(&back, out2, sizeof(out2), err, sizeof(err));
	if (n2 != n || memcmp(out, out2, (size_t)n) != 0)
		abort();
	return 0;
}
