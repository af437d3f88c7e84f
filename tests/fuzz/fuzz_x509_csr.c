/* libFuzzer target: PKCS#10 requests (x509_csr_verify), the worker's first
 * parser of what a client sends and the custodian's re-check. Called with and
 * without the output buffers; the subject that comes back is then formatted as
 * the policy code would. Also the custodian's reading of the extensions a request
 * asks for (x509_csr_requested_extensions), with a small and a large limit, and
 * the sizes of its parts (x509_csr_shape) that the limits are checked on. */
#include <stdint.h>
#include <string.h>

#include "firmware/x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_buf subject = { 0 }, spki = { 0 };
	enum x509_key_type type;
	unsigned bits;
	char err[256], name[1024];

	if (x509_csr_verify(data, size, &subject, &spki, err, sizeof(err)) == 0) {
		(void)x509_name_format(subject.data, subject.len, name, sizeof(name));
		(void)x509_spki_key(spki.data, spki.len, &type, &bits);
		x509_buf_free(&subject);
		x509_buf_free(&spki);
	}
	(void)x509_csr_verify(data, size, NULL, NULL, err, sizeof(err));
	{
		struct x509_csr_shape sh;

		/* the worker's size check: the parts it measures are inside the input */
		if (x509_csr_shape(data, size, &sh, err, sizeof(err)) == 0 &&
		    (sh.subject_off + sh.subject_len > size || sh.spki_off + sh.spki_len > size))
			__builtin_trap();
	}
	for (size_t max = 1; max <= 16; max += 15) {
		struct x509_req_ext ext[16];
		size_t n = 0;

		if (x509_csr_requested_extensions(data, size, ext, max, &n, err, sizeof(err)) == 0)
			x509_req_exts_free(ext, n);
	}
	return 0;
}
