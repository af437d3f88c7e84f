/* A SoftHSM2 token in a private temporary directory; see softhsm_token.h. */
#include "tests/unit/support/softhsm_token.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsm/hsm.h"

static int secret_from(const char *s, struct secret *out)
{
	struct secret src = { (uint8_t *)(uintptr_t)s, strlen(s) };

	return secret_dup(&src, out);
}

static int write_conf(const struct softhsm_token *t, const char *conf)
{
	FILE *fp = fopen(conf, "w");

	if (fp == NULL)
		return -1;
	fprintf(fp, "directories.tokendir = %s/tokens\n"
		    "objectstore.backend = file\n"
		    "log.level = ERROR\n", t->dir);
	return fclose(fp);
}

int softhsm_token_setup(struct softhsm_token *t, const char *label)
{
	char conf[sizeof(t->dir) + 32];
	struct hsm_err err;
	int rc;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/hsm-test-XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	snprintf(t->label, sizeof(t->label), "%s", label);
	softhsm_token_path(t, "tokens", conf, sizeof(conf));
	if (mkdir(conf, 0700) != 0) {
		fprintf(stderr, "mkdir %s: %s\n", conf, strerror(errno));
		goto fail;
	}
	softhsm_token_path(t, "softhsm2.conf", conf, sizeof(conf));
	if (write_conf(t, conf) != 0) {
		fprintf(stderr, "cannot write %s\n", conf);
		goto fail;
	}
	setenv("SOFTHSM2_CONF", conf, 1);
	if (secret_from(SOFTHSM_SO_PIN, &t->so_pin) != 0 ||
	    secret_from(SOFTHSM_USER_PIN, &t->user_pin) != 0) {
		fprintf(stderr, "cannot allocate the PINs\n");
		goto fail;
	}
	rc = hsm_token_init(SOFTHSM_MODULE, label, &t->so_pin, &t->user_pin, &err);
	if (rc != HSM_OK) {
		fprintf(stderr, "hsm_token_init: %d: %s\n", rc, err.msg);
		goto fail;
	}
	return 0;
fail:
	softhsm_token_teardown(t);
	return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void softhsm_token_teardown(struct softhsm_token *t)
{
	if (t->dir[0] != '\0')
		(void)nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("SOFTHSM2_CONF");
	secret_wipe(&t->so_pin);
	secret_wipe(&t->user_pin);
	t->dir[0] = '\0';
}

void softhsm_token_path(const struct softhsm_token *t, const char *name, char *buf,
			size_t size)
{
	snprintf(buf, size, "%s/%s", t->dir, name);
}
