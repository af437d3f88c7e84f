/* openssl CLI oracle for the x509 tests. */
#include "tests/unit/support/x509_oracle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char dir[64];

const char *oracle_dir(void)
{
	if (dir[0] == 0) {
		snprintf(dir, sizeof dir, "/tmp/x509test.XXXXXX");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return dir;
}

void oracle_cleanup(void)
{
	char cmd[128];

	if (dir[0] == 0 || getenv("X509_KEEP_TMP") != NULL)
		return;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	dir[0] = 0;
}

const char *oracle_path(const char *name)
{
	static char bufs[8][256];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, 256, "%s/%s", oracle_dir(), name);
	return b;
}

int oracle_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	int rc;

	if (f == NULL)
		return -1;
	rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int oracle_read(const char *path, struct x509_buf *out)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, r;
	uint8_t *p;

	out->data = NULL;
	out->len = 0;
	if (f == NULL)
		return -1;
	p = malloc(cap + 1);
	while (p != NULL && (r = fread(p + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			uint8_t *q = realloc(p, cap * 2 + 1);
			if (q == NULL) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
			cap *= 2;
		}
	}
	fclose(f);
	if (p == NULL)
		return -1;
	p[n] = 0;
	out->data = p;
	out->len = n;
	return 0;
}

int oracle_run(char **output, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	FILE *f;
	size_t cap = 4096, n = 0, r;
	char *buf;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd - 8, fmt, ap);
	va_end(ap);
	strcat(cmd, " 2>&1");
	f = popen(cmd, "r");
	if (f == NULL)
		return -1;
	buf = malloc(cap + 1);
	while (buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *q = realloc(buf, cap * 2 + 1);
			if (q == NULL)
				break;
			buf = q;
			cap *= 2;
		}
	}
	st = pclose(f);
	if (buf != NULL)
		buf[n] = 0;
	if (output != NULL)
		*output = buf;
	else
		free(buf);
	if (getenv("X509_ORACLE_VERBOSE") != NULL)
		fprintf(stderr, "$ %s\n%s", cmd, buf ? buf : "");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int oracle_genkey(const char *kind, const char *name, struct x509_buf *spki)
{
	char keyf[256], spkif[256];
	const char *args;

	snprintf(keyf, sizeof keyf, "%s/%s.key", oracle_dir(), name);
	snprintf(spkif, sizeof spkif, "%s/%s.spki", oracle_dir(), name);
	if (strcmp(kind, "rsa1024") == 0) /* too small for the CA's policy */
		args = "-algorithm RSA -pkeyopt rsa_keygen_bits:1024";
	else if (strcmp(kind, "rsa2048") == 0)
		args = "-algorithm RSA -pkeyopt rsa_keygen_bits:2048";
	else if (strcmp(kind, "rsa4096") == 0)
		args = "-algorithm RSA -pkeyopt rsa_keygen_bits:4096";
	else if (strcmp(kind, "p256") == 0)
		args = "-algorithm EC -pkeyopt ec_paramgen_curve:P-256";
	else if (strcmp(kind, "p384") == 0)
		args = "-algorithm EC -pkeyopt ec_paramgen_curve:P-384";
	else if (strcmp(kind, "p521") == 0) /* beyond requesters' keys, within lint's */
		args = "-algorithm EC -pkeyopt ec_paramgen_curve:P-521";
	else
		return -1;
	if (oracle_run(NULL, "openssl genpkey %s -out '%s'", args, keyf) != 0 ||
	    oracle_run(NULL, "openssl pkey -in '%s' -pubout -outform DER -out '%s'", keyf, spkif) != 0)
		return -1;
	return oracle_read(spkif, spki);
}

int oracle_sign(const char *name, enum x509_sigalg alg, const uint8_t *data, size_t len,
		struct x509_buf *sig)
{
	char in[256], out[256];
	const char *md;

	md = (alg == X509_SIG_RSA_SHA384 || alg == X509_SIG_ECDSA_SHA384) ? "sha384" : "sha256";
	snprintf(in, sizeof in, "%s/%s.tbs", oracle_dir(), name);
	snprintf(out, sizeof out, "%s/%s.sig", oracle_dir(), name);
	if (oracle_write(in, data, len) != 0 ||
	    oracle_run(NULL, "openssl dgst -%s -sign '%s/%s.key' -out '%s' '%s'", md, oracle_dir(),
		       name, out, in) != 0)
		return -1;
	return oracle_read(out, sig);
}

int oracle_write_pem(const char *path, const char *label, const struct x509_buf *der)
{
	struct x509_buf pem;
	int rc;

	if (x509_pem_encode(label, der->data, der->len, &pem) != 0)
		return -1;
	rc = oracle_write(path, pem.data, pem.len);
	x509_buf_free(&pem);
	return rc;
}

int oracle_cms_signed(struct x509_buf *cms)
{
	char *out = NULL;
	int rc;

	rc = oracle_run(&out, "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
			      "-nodes -keyout '%s' -subj /CN=signer -days 1 -out '%s' && "
			      "echo hello > '%s' && openssl cms -sign -binary -nodetach -in '%s' "
			      "-signer '%s' -inkey '%s' -outform DER -out '%s'",
			oracle_path("s.key"), oracle_path("s.pem"), oracle_path("msg"),
			oracle_path("msg"), oracle_path("s.pem"), oracle_path("s.key"),
			oracle_path("cms.der"));
	if (rc != 0) {
		fprintf(stderr, "openssl cms: %s\n", out != NULL ? out : "");
		free(out);
		return -1;
	}
	free(out);
	return oracle_read(oracle_path("cms.der"), cms);
}
