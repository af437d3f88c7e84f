/* A few threads that check requests' signatures for the custodian's pool.
 *
 * Why: Debian's wolfSSL keeps a fixed-point ECC cache per thread (FP_ECC, up to
 * ~12 MiB each, built lazily and costly to build). Checked by whichever of the
 * custodian's 32 service threads took the request, a P-256 signature warms 32
 * caches: ~400 MiB and about three times the CPU per request of the worker,
 * which checked them on a few connection threads before (tests/bench/README.md).
 * Handed to a pool of as many threads as CPUs, the caches stay few and warm. */
#ifndef CUSTODIAN_VERIFY_POOL_H
#define CUSTODIAN_VERIFY_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/x509/x509.h"

/* Starts n (1..8) verifier threads and makes derive_request use them. 0 or -1.
 * Once per process: later calls find them running and return 0. */
int verify_pool_start(unsigned n);

/* x509_csr_verify, run on a verifier thread (directly when the pool is not
 * started); the caller waits for its own answer. */
int verify_pool_csr(const uint8_t *der, size_t len, struct x509_buf *subject,
		    struct x509_buf *spki, char *err, size_t errlen);

#endif
