/* libFuzzer target: the template store's set verb (firmware/custodian/
 * tmplstore.c, tmplstore_apply): an operator's "key = value" assignments applied
 * over a template's canonical text, what the console passes on from caadm.
 *
 * Byte 0 picks the present template (one of the defaults); the rest is the
 * assignments. Invariants that abort (libFuzzer then reports a crash), besides
 * ASan/UBSan findings:
 *  - a refusal has a message and leaves the output as it was;
 *  - an accepted result keeps the name, passes template_check, differs from
 *    the present template, has a strictly greater (major, minor), formats, and
 *    what is written parses back to the same template. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/tmplstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct template out, back, sentinel;
static char text[TEMPLATE_TEXT_MAX + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nd;
	const struct template *d = template_defaults(&nd), *cur;
	char err[512];
	long n;

	if (size < 1)
		return 0;
	cur = &d[data[0] % nd];
	memset(&out, 0x5a, sizeof(out));
	sentinel = out;
	err[0] = 0;
	if (tmplstore_apply(cur, (const char *)data + 1, size - 1, &out, err, sizeof(err)) != 0) {
		if (err[0] == 0 || memcmp(&out, &sentinel, sizeof(out)) != 0)
			abort();
		return 0;
	}
	if (strcmp(out.name, cur->name) != 0 || template_check(&out, err, sizeof(err)) != 0 ||
	    template_equal(&out, cur))
		abort();
	if (out.major_version < cur->major_version ||
	    (out.major_version == cur->major_version && out.minor_version <= cur->minor_version))
		abort();
	n = template_format(&out, text, sizeof(text), err, sizeof(err));
	if (n <= 0 || template_parse(text, (size_t)n, &back, err, sizeof(err)) != 0 ||
	    !template_equal(&back, &out))
		abort();
	return 0;
}
