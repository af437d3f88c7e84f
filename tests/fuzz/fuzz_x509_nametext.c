/* libFuzzer target: the strings of names as characters and name matching
 * (firmware/x509/nametext.c), what the custodian's guard rails read from every
 * request's subject and subjectAltName (firmware/custodian/guard.c). Byte 0
 * picks: 0 the rest as a DER Name (x509_name_texts), 1 as a subjectAltName value
 * (x509_san_texts), 2 two Names (byte 1: where the first ends) for
 * x509_name_match.
 *
 * Oracles: a string handed over is either bad (no characters) or Unicode scalar
 * values only (no surrogate, nothing past U+10FFFF); a Name that walks matches
 * itself; matching is symmetric. */
#include <stdint.h>
#include <stdlib.h>

#include "firmware/x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *ctx, const struct x509_text *t)
{
	(void)ctx;
	if (t->what == NULL || t->oid == NULL)
		abort();
	if (t->bad != NULL) {
		if (t->cp != NULL)
			abort(); /* a bad string must not also offer characters */
		return 0;
	}
	for (size_t i = 0; i < t->n; i++)
		if (t->cp[i] > 0x10ffff || (t->cp[i] >= 0xd800 && t->cp[i] <= 0xdfff))
			abort(); /* not a character */
	if (t->n_rdn != 0 && (t->rdn >= t->n_rdn || t->n_in_rdn == 0))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (x509_name_texts(data + 1, size - 1, check, NULL) == 0 &&
		    x509_name_match(data + 1, size - 1, data + 1, size - 1) != 1)
			abort(); /* a Name that decodes is itself */
		break;
	case 1:
		(void)x509_san_texts(data + 1, size - 1, check, NULL);
		break;
	default: {
		size_t cut = 2 + (size > 2 ? data[1] % (size - 1) : 0);
		const uint8_t *a = data + 2, *b = data + cut;
		size_t alen = cut - 2, blen = size - cut;

		if (x509_name_match(a, alen, b, blen) != x509_name_match(b, blen, a, alen))
			abort(); /* matching is symmetric */
	}
	}
	return 0;
}
