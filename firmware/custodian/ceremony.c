/* The CA key ceremony: root, subordinate, installing a subordinate's
 * certificate, token initialisation. See ceremony.h. */
#include "firmware/custodian/ceremony.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "firmware/custodian/issue.h"
#include "platform/atomicfile.h"
#include "platform/log.h"

#define MAX_CHAIN 10

static void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("  * ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

static const char *key_name(const struct hsm_keyspec *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%u", k->type == HSM_KEY_RSA ? "RSA" : "EC P", k->bits);
	return buf;
}

/* The data directory: created 0700 if missing; a CA must not exist in it yet. */
static int prepare_dir(struct ca *ca, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX];

	memset(ca, 0, sizeof(*ca));
	if (snprintf(ca->dir, sizeof(ca->dir), "%s", dir) >= (int)sizeof(ca->dir)) {
		snprintf(err, errlen, "data directory path too long");
		return -1;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (ca_path(ca, CA_CONF, path, sizeof(path)) != 0 || access(path, F_OK) == 0) {
		snprintf(err, errlen, "a CA already exists in %s (%s); refusing to overwrite it",
			 dir, path);
		return -1;
	}
	return 0;
}

/* Unique, readable labels (time, then 3 random bytes from the token): a failed
 * ceremony never blocks the next one, even within the same second, and several CAs
 * can share one token. */
static int key_label(struct ca *ca, const char *role, char *out, size_t len, char *err,
		     size_t errlen)
{
	time_t now = time(NULL);
	struct tm tm;
	struct hsm_err herr;
	uint8_t rnd[3];
	char ts[32], rh[2 * sizeof(rnd) + 1];

	if (hsm_random(ca->hsm, rnd, sizeof(rnd), &herr) != HSM_OK) {
		snprintf(err, errlen, "cannot draw random bytes for the key label: %s", herr.msg);
		return -1;
	}
	hex_encode(rnd, sizeof(rnd), rh);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, len, "ca-%s-%s-%s", role, ts, rh);
	return 0;
}

static int generate(struct ca *ca, enum hsm_key_role role, const struct hsm_keyspec *spec,
		    struct hsm_key *key, char *err, size_t errlen)
{
	char label[HSM_LABEL_MAX], idhex[2 * HSM_ID_MAX + 1], kn[32];
	struct hsm_key_attrs a;
	struct hsm_err herr;

	if (key_label(ca, role == HSM_ROLE_SIGN ? "sign" : "xchg", label, sizeof(label), err,
		      errlen) != 0)
		return -1;
	if (hsm_generate_key(ca->hsm, role, spec, label, key, &herr) != HSM_OK) {
		snprintf(err, errlen, "key generation failed: %s", herr.msg);
		return -1;
	}
	if (hsm_key_attrs(ca->hsm, key, &a, &herr) != HSM_OK) {
		snprintf(err, errlen, "cannot read the new key's attributes: %s", herr.msg);
		return -1;
	}
	if (!a.sensitive || !a.always_sensitive || a.extractable || !a.never_extractable ||
	    a.private_value_readable) {
		snprintf(err, errlen, "the token does not protect the new key (sensitive=%d "
			 "extractable=%d); refusing to use this HSM", a.sensitive, a.extractable);
		return -1;
	}
	hex_encode(key->id, key->id_len, idhex);
	step("generated %s %s key '%s' (CKA_ID %s) inside the HSM: sensitive, always "
	     "sensitive, never extractable; %s", key_name(spec, kn, sizeof(kn)),
	     role == HSM_ROLE_SIGN ? "signing" : "exchange", label, idhex,
	     role == HSM_ROLE_SIGN ? "sign only" : "decrypt/unwrap only");
	return 0;
}

static void fingerprint(const struct x509_buf *der, char *out)
{
	uint8_t d[64];
	size_t dl = sizeof(d);

	if (x509_sigalg_digest(X509_SIG_RSA_SHA256, der->data, der->len, d, &dl) != 0) {
		strcpy(out, "?");
		return;
	}
	hex_encode(d, dl, out);
}

static void describe_cert(const char *what, const char *path, const struct x509_buf *der)
{
	struct x509_cert_info ci;
	char subj[512], serial[41], fp[129], nb[32], na[32], derr[128];
	struct tm tm;

	if (x509_cert_decode(der->data, der->len, &ci, derr, sizeof(derr)) != 0)
		return;
	x509_name_format(ci.subject.data, ci.subject.len, subj, sizeof(subj));
	hex_encode(ci.serial.data, ci.serial.len < 20 ? ci.serial.len : 20, serial);
	fingerprint(der, fp);
	gmtime_r(&ci.not_before, &tm);
	strftime(nb, sizeof(nb), "%Y-%m-%d %H:%M:%SZ", &tm);
	gmtime_r(&ci.not_after, &tm);
	strftime(na, sizeof(na), "%Y-%m-%d %H:%M:%SZ", &tm);
	step("%s written to %s\n      subject  %s\n      serial   %s\n      valid    %s .. %s\n"
	     "      SHA-256  %s", what, path, subj, serial, nb, na, fp);
	x509_cert_info_free(&ci);
}

static int load_key_spki(struct ca *ca, char *err, size_t errlen)
{
	struct hsm_err herr;
	enum x509_key_type kt;
	unsigned bits;

	if (hsm_key_spki(ca->hsm, &ca->sign_key, &ca->spki.data, &ca->spki.len, &herr) !=
	    HSM_OK) {
		snprintf(err, errlen, "cannot read the CA public key: %s", herr.msg);
		return -1;
	}
	if (x509_spki_key(ca->spki.data, ca->spki.len, &kt, &bits) != 0 ||
	    (ca->sigalg = x509_sigalg_for_key(kt, bits)) == X509_SIG_NONE ||
	    x509_key_id(ca->spki.data, ca->spki.len, ca->key_id) != 0) {
		snprintf(err, errlen, "the CA key's type is not supported");
		return -1;
	}
	return 0;
}

/* "CN=Name,O=X" -> "CN=Name-Xchg,O=X": the exchange certificate's subject, named
 * as AD CS names it, from the CA's subject (DER). */
static int xchg_subject(const struct x509_buf *ca_subject, struct x509_buf *out, char *err,
			size_t errlen)
{
	char dn[1024], xdn[1100], perr[256];
	const char *p;

	if (x509_name_format(ca_subject->data, ca_subject->len, dn, sizeof(dn)) != 0) {
		snprintf(err, errlen, "cannot format the CA subject");
		return -1;
	}
	if (strncmp(dn, "CN=", 3) == 0) {
		for (p = dn + 3; *p && *p != ',' && *p != '+'; p++)
			if (*p == '\\' && p[1])
				p++;
		snprintf(xdn, sizeof(xdn), "%.*s-Xchg%s", (int)(p - dn), dn, p);
	} else {
		snprintf(xdn, sizeof(xdn), "CN=CA Exchange,%s", dn);
	}
	if (x509_name_parse(xdn, out, perr, sizeof(perr)) != 0) {
		snprintf(err, errlen, "the exchange certificate's name (the CA's CN and -Xchg) "
			 "cannot be made: %s%s", perr, strstr(perr, "CN: value longer") != NULL
			 ? "; a CN of at most 59 characters leaves room for it" : "");
		return -1;
	}
	return 0;
}

/* The exchange certificate comes last (the root's ceremony, a subordinate's
 * install-cert, after its parent signed): a subject it cannot be named from is
 * refused before any key is made. */
static int xchg_subject_fits(const struct x509_buf *subject, char *err, size_t errlen)
{
	struct x509_buf x = {0};
	int rc = xchg_subject(subject, &x, err, errlen);

	x509_buf_free(&x);
	return rc;
}

/* Issues and writes the CA exchange certificate for ca->xchg_key. */
static int issue_xchg(struct ca *ca, unsigned days, char *err, size_t errlen)
{
	struct x509_buf subject = {0}, spki = {0}, cert = {0};
	struct x509_tbs t;
	struct hsm_err herr;
	char path[PATH_MAX];
	int rc = -1;

	if (hsm_key_spki(ca->hsm, &ca->xchg_key, &spki.data, &spki.len, &herr) != HSM_OK) {
		snprintf(err, errlen, "cannot read the exchange public key: %s", herr.msg);
		return -1;
	}
	if (xchg_subject(&ca->cert.subject, &subject, err, errlen) != 0 ||
	    profile_xchg(ca, &subject, &spki, days, &t, err, errlen) != 0)
		goto out;
	rc = issue_sign(ca, &ca->sign_key, &ca->spki, &t, &cert, err, errlen);
	profile_free(&t);
	if (rc != 0)
		goto out;
	rc = -1;
	if (ca_path(ca, CA_XCHG_FILE, path, sizeof(path)) != 0 ||
	    write_pem(path, "CERTIFICATE", &cert, err, errlen) != 0)
		goto out;
	describe_cert("CA exchange certificate (EKU 1.3.6.1.4.1.311.21.5) signed by the CA key",
		      path, &cert);
	rc = 0;
out:
	x509_buf_free(&subject);
	x509_buf_free(&spki);
	x509_buf_free(&cert);
	return rc;
}

static int conf_set_key(struct conf *c, const char *prefix, const struct hsm_key *k)
{
	char idhex[2 * HSM_ID_MAX + 1], name[64];

	hex_encode(k->id, k->id_len, idhex);
	snprintf(name, sizeof(name), "%s_key_id", prefix);
	if (conf_set(c, name, idhex) != 0)
		return -1;
	snprintf(name, sizeof(name), "%s_key_label", prefix);
	return conf_set(c, name, k->label);
}

static int save_conf(struct ca *ca, const struct ceremony_opts *o, const char *type,
		     const char *state, char *err, size_t errlen)
{
	struct conf *c = &ca->conf;
	char path[PATH_MAX];

	memset(c, 0, sizeof(*c));
	if (conf_set(c, "type", type) || conf_set(c, "state", state) ||
	    conf_set(c, "module", o->module) || conf_set(c, "token", o->token) ||
	    conf_set(c, "subject", o->subject) || conf_set_key(c, "sign", &ca->sign_key) ||
	    conf_set_key(c, "xchg", &ca->xchg_key) ||
	    (o->softhsm2_conf && conf_set(c, "softhsm2_conf", o->softhsm2_conf)) ||
	    (o->cdp_url && *o->cdp_url && conf_set(c, "cdp_url", o->cdp_url)) ||
	    (o->aia_url && *o->aia_url && conf_set(c, "aia_url", o->aia_url)) ||
	    (o->ocsp_url && *o->ocsp_url && conf_set(c, "ocsp_url", o->ocsp_url))) {
		snprintf(err, errlen, "invalid value for the CA state file");
		return -1;
	}
	if (ca_path(ca, CA_CONF, path, sizeof(path)) != 0)
		return -1;
	return conf_save(c, path, "# CA state written by the ceremony; do not edit by hand.\n",
			 err, errlen);
}

static int open_for_ceremony(struct ca *ca, const struct ceremony_opts *o, char *err,
			     size_t errlen)
{
	/* A p11-kit server's address, when used, comes from the caller's
	 * P11_KIT_SERVER_ADDRESS; ca.conf's key is for the daemon. */
	struct hsm_where where = {o->softhsm2_conf, NULL, 0};

	if (prepare_dir(ca, o->dir, err, errlen) != 0 ||
	    ca_hsm_open(ca, o->module, o->token, &where, &o->pin, err, errlen) != 0)
		return -1;
	step("logged in to token '%s' through %s", o->token, o->module);
	return 0;
}

/* What tells the two ceremonies apart; the rest is ceremony()'s. */
struct ceremony_kind {
	const char *title; /* "Root": the first line */
	const char *name;  /* "root": the failure's message */
	int (*steps)(struct ca *ca, const struct ceremony_opts *o, char *err, size_t errlen);
	const char *done;  /* the last line, for the operator */
};

/* The shell both ceremonies share: the token opened and logged in to, the kind's
 * steps, the token closed whatever happened, one line for the operator at the
 * end. */
static int ceremony(const struct ceremony_opts *o, const struct ceremony_kind *k)
{
	struct ca ca;
	char err[512];
	int rc;

	printf("%s CA ceremony in %s\n", k->title, o->dir);
	rc = open_for_ceremony(&ca, o, err, sizeof(err));
	if (rc == 0)
		rc = k->steps(&ca, o, err, sizeof(err));
	ca_close(&ca);
	if (rc != 0) {
		log_warnx("%s ceremony failed: %s", k->name, err);
		return -1;
	}
	printf("%s\n", k->done);
	return 0;
}

static int root_steps(struct ca *ca, const struct ceremony_opts *o, char *err, size_t errlen)
{
	struct hsm_keyspec xspec = {HSM_KEY_RSA, CONFIG_CA_XCHG_KEY_BITS};
	struct x509_buf subject = {0}, cert = {0};
	struct x509_tbs t;
	char path[PATH_MAX], derr[256];
	int rc = -1;

	if (x509_name_parse(o->subject, &subject, err, errlen) != 0)
		return -1;
	if (xchg_subject_fits(&subject, err, errlen) != 0 ||
	    generate(ca, HSM_ROLE_SIGN, &o->key, &ca->sign_key, err, errlen) != 0 ||
	    load_key_spki(ca, err, errlen) != 0 ||
	    profile_root(ca, &subject, o->days, &t, err, errlen) != 0)
		goto out;
	rc = issue_sign(ca, &ca->sign_key, &ca->spki, &t, &cert, err, errlen);
	profile_free(&t);
	if (rc != 0)
		goto out;
	rc = -1;
	if (ca_path(ca, CA_CERT_FILE, path, sizeof(path)) != 0 ||
	    write_pem(path, "CERTIFICATE", &cert, err, errlen) != 0 ||
	    ca_path(ca, CA_CHAIN_FILE, path, sizeof(path)) != 0 ||
	    write_pem(path, "CERTIFICATE", &cert, err, errlen) != 0)
		goto out;
	ca_path(ca, CA_CERT_FILE, path, sizeof(path));
	describe_cert("self-signed root certificate, signed inside the HSM,", path, &cert);
	if (x509_cert_decode(cert.data, cert.len, &ca->cert, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "cannot decode the new certificate: %s", derr);
		goto out;
	}
	ca->have_cert = 1;
	if (generate(ca, HSM_ROLE_EXCHANGE, &xspec, &ca->xchg_key, err, errlen) != 0 ||
	    issue_xchg(ca, o->xchg_days, err, errlen) != 0 ||
	    save_conf(ca, o, "root", "active", err, errlen) != 0)
		goto out;
	step("CA state recorded in %s/%s", o->dir, CA_CONF);
	rc = 0;
out:
	x509_buf_free(&subject);
	x509_buf_free(&cert);
	return rc;
}

int ceremony_root(const struct ceremony_opts *o)
{
	static const struct ceremony_kind root = {
		"Root", "root", root_steps, "Root CA ready. No private key left the HSM."};

	return ceremony(o, &root);
}

static int sub_steps(struct ca *ca, const struct ceremony_opts *o, char *err, size_t errlen)
{
	struct hsm_keyspec xspec = {HSM_KEY_RSA, CONFIG_CA_XCHG_KEY_BITS};
	struct x509_buf subject = {0}, info = {0}, req = {0};
	uint8_t sig[HSM_SIG_MAX];
	size_t sig_len = sizeof(sig);
	char path[PATH_MAX], derr[256];
	int rc = -1;

	if (x509_name_parse(o->subject, &subject, err, errlen) != 0)
		return -1;
	if (xchg_subject_fits(&subject, err, errlen) != 0 ||
	    generate(ca, HSM_ROLE_SIGN, &o->key, &ca->sign_key, err, errlen) != 0 ||
	    load_key_spki(ca, err, errlen) != 0)
		goto out;
	if (x509_csr_info_encode(&subject, &ca->spki, 1, &info, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "cannot encode the request: %s", derr);
		goto out;
	}
	if (ca_sign(ca, &ca->sign_key, ca->sigalg, &info, sig, &sig_len, err, errlen) != 0)
		goto out;
	if (x509_csr_assemble(&info, ca->sigalg, sig, sig_len, &req) != 0 ||
	    x509_csr_verify(req.data, req.len, NULL, NULL, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "the signed request does not verify: %s", derr);
		goto out;
	}
	if (ca_path(ca, CA_REQ_FILE, path, sizeof(path)) != 0 ||
	    write_pem(path, "CERTIFICATE REQUEST", &req, err, errlen) != 0 ||
	    (o->req_out && write_pem(o->req_out, "CERTIFICATE REQUEST", &req, err, errlen) != 0))
		goto out;
	step("PKCS#10 request for '%s' signed inside the HSM, written to %s%s%s", o->subject, path,
	     o->req_out ? " and " : "", o->req_out ? o->req_out : "");
	if (generate(ca, HSM_ROLE_EXCHANGE, &xspec, &ca->xchg_key, err, errlen) != 0 ||
	    save_conf(ca, o, "subordinate", "awaiting-cert", err, errlen) != 0)
		goto out;
	step("CA state recorded in %s/%s (awaiting its certificate)", o->dir, CA_CONF);
	rc = 0;
out:
	explicit_bzero(sig, sizeof(sig));
	x509_buf_free(&subject);
	x509_buf_free(&info);
	x509_buf_free(&req);
	return rc;
}

int ceremony_subordinate(const struct ceremony_opts *o)
{
	static const struct ceremony_kind sub = {
		"Subordinate", "subordinate", sub_steps,
		"Have the parent CA sign the request, then run `caadm install-cert`."};

	return ceremony(o, &sub);
}

/* ---- install-cert ---- */

static int buf_eq(const struct x509_buf *a, const struct x509_buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static int valid_now(const struct x509_cert_info *c)
{
	time_t now = time(NULL);
	return now >= c->not_before && now <= c->not_after;
}

/* Walks from cert up through parents[] to a self-signed root, checking names,
 * CA flags, validity and every signature. order[] receives the path. */
static int check_chain(const struct x509_cert_info *cert, struct x509_cert_info *parents,
		       size_t np, size_t *order, size_t *depth, char *err, size_t errlen)
{
	const struct x509_cert_info *cur = cert;
	char name[512], derr[256];

	*depth = 0;
	for (size_t hops = 0; hops < MAX_CHAIN; hops++) {
		size_t i;

		for (i = 0; i < np; i++)
			if (buf_eq(&parents[i].subject, &cur->issuer))
				break;
		if (i == np) {
			x509_name_format(cur->issuer.data, cur->issuer.len, name, sizeof(name));
			snprintf(err, errlen, "the chain has no certificate for the issuer '%s'",
				 name);
			return -1;
		}
		if (!parents[i].is_ca || !valid_now(&parents[i])) {
			x509_name_format(parents[i].subject.data, parents[i].subject.len, name,
					 sizeof(name));
			snprintf(err, errlen, "the parent '%s' is not a valid CA certificate now",
				 name);
			return -1;
		}
		if (x509_verify_signature(cur, parents[i].spki.data, parents[i].spki.len, derr,
					  sizeof(derr)) != 0) {
			snprintf(err, errlen, "a signature in the chain does not verify: %s", derr);
			return -1;
		}
		order[(*depth)++] = i;
		if (buf_eq(&parents[i].subject, &parents[i].issuer)) {
			if (x509_verify_signature(&parents[i], parents[i].spki.data,
						  parents[i].spki.len, derr, sizeof(derr)) != 0) {
				snprintf(err, errlen, "the root's self-signature does not verify");
				return -1;
			}
			return 0;
		}
		cur = &parents[i];
	}
	snprintf(err, errlen, "the chain is longer than %d certificates", MAX_CHAIN);
	return -1;
}

/* Checks the new certificate against the HSM key and writes ca.crt/ca-chain.pem. */
static int install_steps(struct ca *ca, const struct x509_buf *certs, size_t n, char *err,
			 size_t errlen)
{
	struct x509_cert_info parents[MAX_CHAIN + 4];
	size_t np = 0, order[MAX_CHAIN], depth = 0, total = 0;
	struct x509_buf chain = {0}, pem = {0};
	char path[PATH_MAX], derr[256];
	int rc = -1;

	if (x509_cert_decode(certs[0].data, certs[0].len, &ca->cert, derr, sizeof(derr)) != 0) {
		snprintf(err, errlen, "the certificate does not decode: %s", derr);
		return -1;
	}
	ca->have_cert = 1;
	if (!buf_eq(&ca->cert.spki, &ca->spki)) {
		snprintf(err, errlen, "the certificate does not match the HSM signing key "
			 "(different public key); not installed");
		return -1;
	}
	if (!ca->cert.is_ca || !(ca->cert.key_usage & X509_KU_KEY_CERT_SIGN) ||
	    !valid_now(&ca->cert)) {
		snprintf(err, errlen, "the certificate is not a CA certificate valid now "
			 "(cA, keyCertSign and validity are required)");
		return -1;
	}
	step("certificate carries the HSM signing key and is a CA certificate");
	for (size_t i = 1; i < n && np < MAX_CHAIN + 4; i++, np++)
		if (x509_cert_decode(certs[i].data, certs[i].len, &parents[np], derr,
				     sizeof(derr)) != 0) {
			snprintf(err, errlen, "chain certificate %zu does not decode: %s", i, derr);
			goto out;
		}
	if (check_chain(&ca->cert, parents, np, order, &depth, err, errlen) != 0)
		goto out;
	step("chains to a self-signed root through %zu certificate(s); every signature verifies",
	     depth);
	/* ca-chain.pem: this CA's certificate, then its path to the root. */
	for (size_t i = 0; i <= depth; i++) {
		const struct x509_buf *d = i == 0 ? &ca->cert.der : &parents[order[i - 1]].der;
		uint8_t *grown;
		if (x509_pem_encode("CERTIFICATE", d->data, d->len, &pem) != 0 ||
		    (grown = realloc(chain.data, total + pem.len)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		chain.data = grown;
		memcpy(chain.data + total, pem.data, pem.len);
		total += pem.len;
		x509_buf_free(&pem);
	}
	chain.len = total;
	if (ca_path(ca, CA_CERT_FILE, path, sizeof(path)) != 0 ||
	    write_pem(path, "CERTIFICATE", &ca->cert.der, err, errlen) != 0)
		goto out;
	describe_cert("CA certificate", path, &ca->cert.der);
	if (ca_path(ca, CA_CHAIN_FILE, path, sizeof(path)) != 0 ||
	    atomicfile_write(path, chain.data, chain.len, 0644) != 0) {
		snprintf(err, errlen, "cannot write %s", path);
		goto out;
	}
	step("chain written to %s", path);
	rc = 0;
out:
	for (size_t i = 0; i < np; i++)
		x509_cert_info_free(&parents[i]);
	x509_buf_free(&pem);
	x509_buf_free(&chain);
	return rc;
}

int ceremony_install_cert(const char *dir, const char *cert_file, const char *chain_file,
			  unsigned xchg_days, const struct pin_source *pin)
{
	struct x509_buf *certs = NULL, *more = NULL, *all;
	size_t n = 0, nmore = 0;
	struct ca ca;
	char err[512], path[PATH_MAX];
	int rc = -1;

	printf("Installing the CA certificate in %s\n", dir);
	if (ca_load(&ca, dir, pin, 0, err, sizeof(err)) != 0)
		goto report;
	if (strcmp(conf_get(&ca.conf, "state"), "awaiting-cert") != 0) {
		snprintf(err, sizeof(err), "the CA in %s is not waiting for a certificate", dir);
		goto close;
	}
	if (read_certs(cert_file, &certs, &n, err, sizeof(err)) != 0 ||
	    (chain_file && read_certs(chain_file, &more, &nmore, err, sizeof(err)) != 0))
		goto close;
	all = realloc(certs, (n + nmore) * sizeof(*certs));
	if (all == NULL)
		goto close;
	certs = all;
	for (size_t i = 0; i < nmore; i++)
		certs[n++] = more[i];
	free(more);
	more = NULL;
	nmore = 0;
	if (install_steps(&ca, certs, n, err, sizeof(err)) != 0 ||
	    issue_xchg(&ca, xchg_days, err, sizeof(err)) != 0)
		goto close;
	if (conf_set(&ca.conf, "state", "active") != 0 ||
	    ca_path(&ca, CA_CONF, path, sizeof(path)) != 0 ||
	    conf_save(&ca.conf, path, "# CA state written by the ceremony; do not edit by hand.\n",
		      err, sizeof(err)) != 0)
		goto close;
	step("CA state recorded in %s (active)", path);
	rc = 0;
close:
	ca_close(&ca);
report:
	if (certs)
		free_certs(certs, n);
	if (more)
		free_certs(more, nmore);
	if (rc != 0)
		log_warnx("install-cert failed: %s", err);
	else
		printf("Subordinate CA ready.\n");
	return rc;
}

int ceremony_token_init(const char *module, const char *label, const char *softhsm2_conf,
			const struct pin_source *so_src, const struct pin_source *user_src)
{
	struct secret so = {0}, user = {0};
	struct hsm_err herr;
	char err[256];
	int rc = -1;

	if (softhsm2_conf != NULL)
		setenv("SOFTHSM2_CONF", softhsm2_conf, 1);
	if (ca_read_pin(so_src, "New SO PIN: ", &so, err, sizeof(err)) != 0 ||
	    ca_read_pin(user_src, "New user PIN: ", &user, err, sizeof(err)) != 0) {
		log_warnx("token-init: %s", err);
		goto out;
	}
	if (hsm_token_init(module, label, &so, &user, &herr) != HSM_OK) {
		log_warnx("token-init: %s", herr.msg);
		goto out;
	}
	step("token '%s' initialised through %s (SO and user PINs set)", label, module);
	rc = 0;
out:
	secret_wipe(&so);
	secret_wipe(&user);
	return rc;
}
