/* The CA key ceremony, run by `caadm init` / `caadm install-cert` through the
 * custodian (the only program that links the PKCS#11 layer). Every step prints
 * what it did. */
#ifndef CUSTODIAN_CEREMONY_H
#define CUSTODIAN_CEREMONY_H

#include "firmware/custodian/ca.h"

struct ceremony_opts {
	const char *dir;           /* data directory (created if missing) */
	const char *module;        /* PKCS#11 module */
	const char *token;         /* token label */
	const char *softhsm2_conf; /* SoftHSM configuration, or NULL */
	const char *subject;       /* RFC 4514 */
	struct hsm_keyspec key;
	unsigned days;             /* CA validity (root) */
	unsigned xchg_days;        /* exchange certificate validity */
	const char *req_out;       /* subordinate: also write the request here */
	const char *cdp_url, *aia_url, *ocsp_url;
	struct pin_source pin;
};

int ceremony_root(const struct ceremony_opts *o);
int ceremony_subordinate(const struct ceremony_opts *o);
/* Installs the parent's certificate for a subordinate CA: it must carry the HSM
 * key, be a CA certificate, and chain through chain_file (parents, up to a
 * self-signed root) with valid signatures. */
int ceremony_install_cert(const char *dir, const char *cert_file, const char *chain_file,
			  unsigned xchg_days, const struct pin_source *pin);
/* Initialises a token: reads the SO PIN and the user PIN. */
int ceremony_token_init(const char *module, const char *label, const char *softhsm2_conf,
			const struct pin_source *so_pin, const struct pin_source *user_pin);

#endif
