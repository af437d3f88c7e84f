/* Loading the CA: state file, HSM keys, certificate; see ca.h. */
#include "firmware/custodian/ca.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "platform/atomicfile.h"
#include "platform/log.h"

int ca_path(const struct ca *ca, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s", ca->dir, name);
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int write_pem(const char *path, const char *label, const struct x509_buf *der, char *err,
	      size_t errlen)
{
	struct x509_buf pem = {0};

	if (x509_pem_encode(label, der->data, der->len, &pem) != 0) {
		snprintf(err, errlen, "cannot PEM-encode %s", path);
		return -1;
	}
	if (atomicfile_write(path, pem.data, pem.len, 0644) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		x509_buf_free(&pem);
		return -1;
	}
	x509_buf_free(&pem);
	return 0;
}

int read_certs(const char *path, struct x509_buf **certs, size_t *n, char *err, size_t errlen)
{
	unsigned char *text;
	size_t len;
	int rc;

	if (file_read_all(path, 1 << 20, &text, &len) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	rc = x509_pem_decode_all("CERTIFICATE", text, len, certs, n);
	free(text);
	if (rc != 0 || *n == 0) {
		snprintf(err, errlen, "%s holds no certificate (PEM or DER expected)", path);
		if (rc == 0)
			free(*certs);
		return -1;
	}
	return 0;
}

void free_certs(struct x509_buf *certs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x509_buf_free(&certs[i]);
	free(certs);
}

int ca_read_pin(const struct pin_source *src, const char *prompt, struct secret *pin,
		char *err, size_t errlen)
{
	if (src->fd >= 0)
		return secret_read_fd(src->fd, pin, err, errlen);
	if (src->file != NULL)
		return secret_read_file(src->file, pin, err, errlen);
	return secret_read_tty(prompt, pin, err, errlen);
}

/* hsm_config.on_recovery: the HSM's comings and goings in the log. */
static void log_recovery(void *ctx, int available, unsigned failed, const char *why)
{
	(void)ctx;
	if (!available)
		log_warnx("HSM unavailable (%u failed reconnection%s): %s; requests fail with "
			  "NTE_FAIL until it is back", failed, failed == 1 ? "" : "s", why);
	else if (failed > 0)
		log_info("HSM back after %u failed reconnection%s: sessions reopened, logged in "
			 "again", failed, failed == 1 ? "" : "s");
	else
		log_info("HSM sessions reopened and logged in again after %s", why);
}

int ca_hsm_open(struct ca *ca, const char *module, const char *token,
		const struct hsm_where *where, const struct pin_source *src, char *err,
		size_t errlen)
{
	struct hsm_config hc = {.module_path = module, .token_label = token,
				.pool_size = CONFIG_HSM_SESSION_POOL,
				.on_recovery = log_recovery};
	struct hsm_err herr;
	struct secret pin = {0};
	int rc;

	if (where != NULL && where->pool_size != 0)
		hc.pool_size = where->pool_size;
	/* SoftHSM finds its token directory through SOFTHSM2_CONF, p11-kit-client
	 * its server through P11_KIT_SERVER_ADDRESS (read at each C_Initialize, so
	 * also when the layer reconnects); other modules ignore them. They name a
	 * file and a socket, not secrets. */
	if (where != NULL && where->softhsm2_conf != NULL && *where->softhsm2_conf != 0)
		setenv("SOFTHSM2_CONF", where->softhsm2_conf, 1);
	if (where != NULL && where->p11_kit_server != NULL && *where->p11_kit_server != 0)
		setenv("P11_KIT_SERVER_ADDRESS", where->p11_kit_server, 1);
	if (ca_read_pin(src, "HSM user PIN: ", &pin, err, errlen) != 0)
		return -1;
	rc = hsm_open(&hc, &pin, &ca->hsm, &herr);
	secret_wipe(&pin);
	if (rc != HSM_OK) {
		snprintf(err, errlen, "cannot open token '%s' with %s: %s", token, module, herr.msg);
		return -1;
	}
	return 0;
}

/* Finds a key named in ca.conf by its hex CKA_ID. */
static int find_conf_key(struct ca *ca, const char *idkey, struct hsm_key *key, char *err,
			 size_t errlen)
{
	const char *hex = conf_get(&ca->conf, idkey);
	uint8_t id[HSM_ID_MAX];
	size_t idlen;
	struct hsm_err herr;

	if (hex == NULL || hex_decode(hex, id, sizeof(id), &idlen) != 0 || idlen == 0) {
		snprintf(err, errlen, "%s/%s: missing or invalid %s", ca->dir, CA_CONF, idkey);
		return -1;
	}
	if (hsm_find_key(ca->hsm, NULL, id, idlen, key, &herr) != HSM_OK) {
		snprintf(err, errlen, "the key %s=%s named in %s/%s is not on the token: %s", idkey,
			 hex, ca->dir, CA_CONF, herr.msg);
		return -1;
	}
	return 0;
}

/* ca.conf hsm_pool_size, 1..64; 0 when absent (the build's default). */
static int pool_size_of(const struct conf *c, unsigned *out, char *err, size_t errlen)
{
	if (conf_get_uint(c, "hsm_pool_size", 0, 1, 64, out) != 0) {
		snprintf(err, errlen, "ca.conf: hsm_pool_size must be 1..64, not '%s'",
			 conf_get(c, "hsm_pool_size"));
		return -1;
	}
	return 0;
}

/* The start-up check: the installed CA certificate must carry the HSM key. */
static int check_cert_matches_key(struct ca *ca, char *err, size_t errlen)
{
	struct x509_buf *certs = NULL;
	size_t n = 0;
	char path[PATH_MAX], derr[256];

	if (ca_path(ca, CA_CERT_FILE, path, sizeof(path)) != 0 ||
	    read_certs(path, &certs, &n, err, errlen) != 0)
		return -1;
	if (x509_cert_decode(certs[0].data, certs[0].len, &ca->cert, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "%s is not a valid certificate: %s", path, derr);
		free_certs(certs, n);
		return -1;
	}
	free_certs(certs, n);
	ca->have_cert = 1;
	if (ca->cert.spki.len != ca->spki.len ||
	    memcmp(ca->cert.spki.data, ca->spki.data, ca->spki.len) != 0) {
		snprintf(err, errlen, "the CA certificate %s does not match the HSM signing key "
			 "(its public key is not the token's key %s); refusing to start",
			 path, ca->sign_key.label);
		return -1;
	}
	return 0;
}

int ca_load(struct ca *ca, const char *dir, const struct pin_source *src, int want_cert,
	    char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *state;
	enum x509_key_type kt;
	unsigned bits;
	struct hsm_err herr;
	struct hsm_where where;
	uint8_t *spki;
	size_t spki_len;

	memset(ca, 0, sizeof(*ca));
	if (snprintf(ca->dir, sizeof(ca->dir), "%s", dir) >= (int)sizeof(ca->dir) ||
	    ca_path(ca, CA_CONF, path, sizeof(path)) != 0) {
		snprintf(err, errlen, "data directory path too long");
		return -1;
	}
	if (conf_load(path, &ca->conf, err, errlen) != 0)
		return -1;
	state = conf_get(&ca->conf, "state");
	if (state == NULL || conf_get(&ca->conf, "module") == NULL ||
	    conf_get(&ca->conf, "token") == NULL) {
		snprintf(err, errlen, "%s lacks state, module or token", path);
		return -1;
	}
	if (want_cert && strcmp(state, "active") != 0) {
		snprintf(err, errlen, "the CA in %s is not active (state %s): install its "
			 "certificate with `caadm install-cert` first", dir, state);
		return -1;
	}
	where.softhsm2_conf = conf_get(&ca->conf, "softhsm2_conf");
	where.p11_kit_server = conf_get(&ca->conf, "p11_kit_server_address");
	if (pool_size_of(&ca->conf, &where.pool_size, err, errlen) != 0)
		return -1;
	if (ca_hsm_open(ca, conf_get(&ca->conf, "module"), conf_get(&ca->conf, "token"), &where,
			src, err, errlen) != 0)
		return -1;
	if (find_conf_key(ca, "sign_key_id", &ca->sign_key, err, errlen) != 0)
		goto fail;
	if (conf_get(&ca->conf, "xchg_key_id") != NULL) {
		if (find_conf_key(ca, "xchg_key_id", &ca->xchg_key, err, errlen) != 0)
			goto fail;
		ca->have_xchg = 1;
	}
	if (hsm_key_spki(ca->hsm, &ca->sign_key, &spki, &spki_len, &herr) != HSM_OK) {
		snprintf(err, errlen, "cannot read the CA public key: %s", herr.msg);
		goto fail;
	}
	ca->spki.data = spki;
	ca->spki.len = spki_len;
	if (x509_spki_key(spki, spki_len, &kt, &bits) != 0 ||
	    (ca->sigalg = x509_sigalg_for_key(kt, bits)) == X509_SIG_NONE ||
	    x509_key_id(spki, spki_len, ca->key_id) != 0) {
		snprintf(err, errlen, "the CA key's type is not supported");
		goto fail;
	}
	if (strcmp(state, "active") == 0 && check_cert_matches_key(ca, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	ca_close(ca);
	return -1;
}

void ca_close(struct ca *ca)
{
	if (ca->hsm != NULL)
		hsm_close(ca->hsm);
	ca->hsm = NULL;
	x509_buf_free(&ca->spki);
	if (ca->have_cert)
		x509_cert_info_free(&ca->cert);
	ca->have_cert = 0;
}

void ca_hsm_error(int rc, const struct hsm_err *herr, const char *what, char *err,
		  size_t errlen)
{
	if (rc == HSM_EUNAVAIL)
		snprintf(err, errlen, "HSM unavailable: %s", herr->msg);
	else
		snprintf(err, errlen, "%s: %s", what, herr->msg);
}

static enum hsm_hash hash_of(enum x509_sigalg alg)
{
	switch (alg) {
	case X509_SIG_RSA_SHA384:
	case X509_SIG_ECDSA_SHA384:
		return HSM_SHA384;
	default:
		return HSM_SHA256;
	}
}

int ca_sign(struct ca *ca, const struct hsm_key *key, enum x509_sigalg alg,
	    const struct x509_buf *tbs, uint8_t *sig, size_t *sig_len, char *err, size_t errlen)
{
	uint8_t digest[64];
	size_t dlen = sizeof(digest);
	struct hsm_err herr;
	int rc;

	if (x509_sigalg_digest(alg, tbs->data, tbs->len, digest, &dlen) != 0) {
		snprintf(err, errlen, "cannot hash the data to sign");
		return -1;
	}
	rc = hsm_sign_digest(ca->hsm, key, hash_of(alg), digest, dlen, sig, sig_len, &herr);
	if (rc != HSM_OK) {
		ca_hsm_error(rc, &herr, "the HSM refused to sign", err, errlen);
		return CA_EHSM;
	}
	return 0;
}
