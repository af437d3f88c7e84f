/* Test support for the x509 tests: openssl CLI as an independent oracle
 * (software keys, signatures, parsing and verification) and temp files. */
#ifndef TESTS_X509_ORACLE_H
#define TESTS_X509_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/x509/x509.h"

/* A fresh private temp directory (removed by oracle_cleanup). */
const char *oracle_dir(void);
void oracle_cleanup(void);
/* "<dir>/<name>" in a static rotating buffer. */
const char *oracle_path(const char *name);

int oracle_write(const char *path, const void *data, size_t len);
/* Reads a whole file into a malloc()ed, NUL-terminated buffer. */
int oracle_read(const char *path, struct x509_buf *out);
/* Runs a shell command; stdout+stderr into *output (malloc()ed, may be NULL).
 * Returns the exit status. */
int oracle_run(char **output, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Generates a key ("rsa1024", "rsa2048", "rsa4096", "p256", "p384", "p521") into <dir>/<name>.key
 * and returns its DER SPKI. */
int oracle_genkey(const char *kind, const char *name, struct x509_buf *spki);
/* Signs data with <dir>/<name>.key: PKCS#1 v1.5 for RSA, DER ECDSA for EC. */
int oracle_sign(const char *name, enum x509_sigalg alg, const uint8_t *data, size_t len,
		struct x509_buf *sig);
/* Writes der as PEM with the label to path. */
int oracle_write_pem(const char *path, const char *label, const struct x509_buf *der);
/* A CMS SignedData (DER) made by openssl cms over "hello", signed by a fresh
 * self-signed P-256 certificate (files s.key, s.pem, msg, cms.der in the oracle's
 * directory): what a CMS request looks like to a decoder that does not take them.
 * 0, or -1 with openssl's output on stderr. */
int oracle_cms_signed(struct x509_buf *cms);

#endif
