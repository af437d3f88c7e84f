/* libFuzzer target: distinguished names, both ways. The input is parsed as an
 * RFC 4514 string (x509_name_parse, NUL-terminated: operators and templates
 * supply these); the DER it produces is formatted back (x509_name_format); and
 * the raw input is formatted as if it were a DER Name (names inside certificates
 * and requests come from outside).
 *
 * Oracle: a name that parses formats, and the formatted string parses again to
 * the same DER (what the CA prints is what it would encode). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct x509_buf *der)
{
	struct x509_buf again = { 0 };
	char text[4096], err[256];

	if (x509_name_format(der->data, der->len, text, sizeof(text)) != 0)
		return; /* too long for the buffer: allowed to refuse */
	if (x509_name_parse(text, &again, err, sizeof(err)) != 0)
		abort(); /* the CA printed a name it would not accept */
	if (again.len != der->len || memcmp(again.data, der->data, der->len) != 0)
		abort(); /* ... or one that means something else */
	x509_buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_buf der = { 0 };
	char err[256], out[1024];
	char *dn = malloc(size + 1);

	if (dn == NULL)
		return 0;
	memcpy(dn, data, size);
	dn[size] = 0;
	if (x509_name_parse(dn, &der, err, sizeof(err)) == 0) {
		round_trip(&der);
		x509_buf_free(&der);
	}
	free(dn);

	(void)x509_name_format(data, size, out, sizeof(out));
	(void)x509_name_format(data, size, out, 1);
	return 0;
}
