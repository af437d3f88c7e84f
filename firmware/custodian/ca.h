/* The CA as the custodian holds it: its state file (DATA/ca.conf), its
 * certificates, and its keys on the HSM. */
#ifndef CUSTODIAN_CA_H
#define CUSTODIAN_CA_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/x509/x509.h"
#include "hsm/hsm.h"
#include "platform/conf.h"
#include "platform/hex.h"

#define CA_CONF "ca.conf"
#define CA_CERT_FILE "ca.crt"        /* the CA certificate, PEM */
#define CA_CHAIN_FILE "ca-chain.pem" /* the CA certificate then its parents, PEM */
#define CA_XCHG_FILE "xchg.crt"      /* the CA exchange certificate, PEM */
#define CA_REQ_FILE "ca.req"         /* a subordinate CA's request, PEM */

/* Where the user PIN comes from: a descriptor, a root-only file, or the terminal. */
struct pin_source {
	int fd;           /* -1: none */
	const char *file; /* NULL: none */
};

struct ca {
	char dir[PATH_MAX];
	struct conf conf;
	struct hsm *hsm;
	struct hsm_key sign_key;
	struct hsm_key xchg_key;
	int have_xchg;
	struct x509_buf spki;          /* the HSM signing key's SPKI */
	enum x509_sigalg sigalg;       /* the CA's signature algorithm */
	uint8_t key_id[20];            /* SKI of the CA key */
	struct x509_cert_info cert;    /* decoded ca.crt, when installed */
	int have_cert;
};

/* "DIR/name" into out; -1 if too long. */
int ca_path(const struct ca *ca, const char *name, char *out, size_t outlen);

/* Reads the PIN from the source, or the terminal when neither fd nor file is set. */
int ca_read_pin(const struct pin_source *src, const char *prompt, struct secret *pin,
		char *err, size_t errlen);

/* Where the module finds its token, from ca.conf: softhsm2_conf (SOFTHSM2_CONF,
 * SoftHSM's configuration file) and p11_kit_server_address
 * (P11_KIT_SERVER_ADDRESS, the socket of a `p11-kit server` for
 * p11-kit-client.so). NULL or empty: not set. Neither is a secret. */
struct hsm_where {
	const char *softhsm2_conf;
	const char *p11_kit_server;
	/* ca.conf hsm_pool_size: sessions (so calls in flight) on the module; 0
	 * for CONFIG_HSM_SESSION_POOL. 1 with p11-kit-client.so: see README. */
	unsigned pool_size;
};

/* Opens the HSM named by module/token (pointing the module at its token as
 * where says), logging in with the PIN from src. */
int ca_hsm_open(struct ca *ca, const char *module, const char *token,
		const struct hsm_where *where, const struct pin_source *src, char *err,
		size_t errlen);

/* Loads DATA/ca.conf, opens the HSM it names, finds the CA keys and the CA
 * certificate, and checks that the certificate's public key is the HSM key.
 * want_cert = 0 allows a subordinate CA still waiting for its certificate. */
int ca_load(struct ca *ca, const char *dir, const struct pin_source *src, int want_cert,
	    char *err, size_t errlen);

void ca_close(struct ca *ca);

/* What the custodian's functions return when the HSM, not the input, failed:
 * callers answer HR_NTE_FAIL and the request can be tried again later. */
#define CA_EHSM (-2)

/* err = "HSM unavailable: <why>" when rc is HSM_EUNAVAIL (the HSM is away and
 * the layer is reconnecting), else "<what>: <why>". */
void ca_hsm_error(int rc, const struct hsm_err *herr, const char *what, char *err,
		  size_t errlen);

/* Hashes tbs with alg, signs the digest with key on the HSM: 0, -1 (cannot
 * hash) or CA_EHSM. */
int ca_sign(struct ca *ca, const struct hsm_key *key, enum x509_sigalg alg,
	    const struct x509_buf *tbs, uint8_t *sig, size_t *sig_len, char *err, size_t errlen);


/* Writes DER as PEM atomically (mode 0644). */
int write_pem(const char *path, const char *label, const struct x509_buf *der, char *err,
	      size_t errlen);
/* Reads every certificate of a PEM (or single DER) file. */
int read_certs(const char *path, struct x509_buf **certs, size_t *n, char *err, size_t errlen);
void free_certs(struct x509_buf *certs, size_t n);

#endif
