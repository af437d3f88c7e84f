/* libFuzzer target: the one UTF-8 decoder (platform/utf8.c) on arbitrary bytes.
 *
 * The input is walked with utf8_next; where a sequence is malformed, the walk
 * skips one byte and goes on, so that every later sequence is tried too.
 *
 * Invariants that abort (libFuzzer then reports a crash): ASan/UBSan findings, a
 * decoded length outside 1..4 or past the input, a decoded value that is a
 * surrogate or beyond U+10FFFF, a value that does not re-encode (utf8_put) to
 * exactly the bytes it came from (so no overlong form is ever accepted), and
 * utf8_count disagreeing with the walk on whether the whole input is well-formed
 * and how many characters it holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long chars = 0;
	int whole = 1;

	for (size_t i = 0; i < size;) {
		uint32_t cp;
		uint8_t b[4];
		size_t k = utf8_next(data + i, size - i, &cp);

		if (k == 0) {
			whole = 0;
			i++;
			continue;
		}
		if (k > 4 || k > size - i || cp > UTF8_MAX_CP || (cp >= 0xd800 && cp <= 0xdfff))
			abort();
		if (utf8_put(cp, b) != k || memcmp(b, data + i, k) != 0)
			abort();
		chars++;
		i += k;
	}
	if (utf8_count(data, size) != (whole ? chars : -1))
		abort();
	return 0;
}
