/* Strict decoding of a CRL (CertificateList) or of a bare TBSCertList: the
 * custodian's lint of what crl.c wrote before it is signed, and the tests' own
 * reading of signed CRLs. The shell (everything but revokedCertificates) is
 * decoded with libtasn1 and the PKIX module; the entries, which can number a
 * million, with the hand-written strict reader of crlent.c (it says why).
 * split_tbs cuts one from the other. */
#include "firmware/x509/x509_int.h"
#include "firmware/asn1/der.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXTS 32
#define OID_AKI "2.5.29.35"
#define OID_CRL_NUMBER "2.5.29.20"
#define OID_DELTA "2.5.29.27"
#define OID_IDP "2.5.29.28"
#define OID_FRESHEST "2.5.29.46"

void x509_crl_info_free(struct x509_crl_info *ci)
{
	if (ci == NULL)
		return;
	x509_buf_free(&ci->tbs);
	x509_buf_free(&ci->issuer);
	x509_buf_free(&ci->sig);
	memset(ci, 0, sizeof *ci);
}

/* ---- extensions: crlExtensions, walked by x509i_exts_walk (extdec.c) ---- */

/* Decodes v as the PKIX type (strictly); the caller owns *out. */
static int decode_value(const struct x509_buf *v, const char *type, asn1_node *out)
{
	return asn1_decode(type, v->data, v->len, out, NULL, 0);
}

/* A non-negative INTEGER that fits 64 bits (cRLNumber may be 20 octets by
 * RFC 5280 5.2.3; this CA counts in 64 bits and refuses more). */
static int read_u64(const struct x509_buf *v, const char *type, uint64_t *out)
{
	asn1_node n = NULL;
	int rc;

	if (decode_value(v, type, &n) != 0)
		return -1;
	rc = x509i_read_u64(n, "", 0, out);
	asn1_delete_structure(&n);
	return rc;
}

static int check_value(const struct x509_buf *v, const char *type)
{
	asn1_node n = NULL;

	if (decode_value(v, type, &n) != 0)
		return -1;
	asn1_delete_structure(&n);
	return 0;
}

static int read_aki(const struct x509_buf *v, struct x509_crl_info *ci)
{
	asn1_node n = NULL;
	uint8_t *id = NULL;
	int len = 0;

	if (decode_value(v, "PKIX.AuthorityKeyIdentifier", &n) != 0)
		return -1;
	/* Only a 20-byte keyIdentifier (what this CA writes) is recorded. */
	if (asn1_read_alloc(n, "keyIdentifier", &id, &len) == 0 && len == 20) {
		memcpy(ci->aki, id, 20);
		ci->has_aki = 1;
	}
	free(id);
	asn1_delete_structure(&n);
	return 0;
}

/* CRL extensions: recorded, checked, or (when non-critical) ignored. Issuer
 * alternative names and AIA are understood, so they may be critical. */
static int crl_ext(void *ctx, const char *oid, int critical, const struct x509_buf *v,
		   char *err, size_t errlen)
{
	struct x509_crl_info *ci = ctx;
	int rc = 0;

	if (strcmp(oid, OID_AKI) == 0)
		rc = read_aki(v, ci);
	else if (strcmp(oid, OID_CRL_NUMBER) == 0)
		rc = read_u64(v, "PKIX.CRLNumber", &ci->number), ci->has_number = rc == 0;
	else if (strcmp(oid, OID_DELTA) == 0)
		rc = read_u64(v, "PKIX.BaseCRLNumber", &ci->base_number), ci->is_delta = rc == 0;
	else if (strcmp(oid, OID_IDP) == 0)
		rc = check_value(v, "PKIX.IssuingDistributionPoint"), ci->has_idp = rc == 0;
	else if (strcmp(oid, OID_FRESHEST) == 0)
		rc = check_value(v, "PKIX.CRLDistributionPoints"), ci->has_freshest = rc == 0;
	else if (critical && strcmp(oid, "2.5.29.18") != 0 && strcmp(oid, "1.3.6.1.5.5.7.1.1") != 0) {
		err_set(err, errlen, "crlExtensions: unknown critical extension %s", oid);
		return -1;
	}
	if (rc != 0)
		err_set(err, errlen, "crlExtensions: %s is malformed", oid);
	/* RFC 5280 5.2.4: deltaCRLIndicator is always critical. */
	if (rc == 0 && strcmp(oid, OID_DELTA) == 0 && !critical) {
		err_set(err, errlen, "crlExtensions: deltaCRLIndicator not critical");
		rc = -1;
	}
	return rc;
}

/* ---- the TBSCertList ---- */

/* The TLV at the start of [p, p + len) with a DER header (der_header): its
 * whole size, or 0. */
static size_t tlv_size(const uint8_t *p, size_t len)
{
	size_t hdr, clen;

	return der_header(p, len, &hdr, &clen) == 0 ? hdr + clen : 0;
}

/* libtasn1 appends each decoded SEQUENCE OF element by walking the list from its
 * start: a whole TBSCertList of 10,000 entries takes 0.7 s, 20,000 about 4 s. So
 * the TBS is decoded as a shell without revokedCertificates, and the entries by
 * crlent.c. In a TBSCertList the only SEQUENCE that follows a Time and is
 * followed by nothing or by crlExtensions [0] is revokedCertificates; anything
 * else stays in the shell for libtasn1 to judge. The top level is framed here
 * with DER's rules; the shell's elements are checked again by der_raw and
 * asn1_decode, the entries by crlent.c, so no byte of the TBS escapes a strict
 * framing check. Fills [*rs, *re) (equal: none). */
static int split_tbs(const uint8_t *tbs, size_t len, struct x509_buf *shell, size_t *rs,
		     size_t *re)
{
	struct der d;
	size_t hdr, clen, off, one;
	uint8_t prev = 0;

	*rs = *re = 0;
	if (len < 2 || tbs[0] != 0x30 || der_header(tbs, len, &hdr, &clen) != 0 ||
	    hdr + clen != len)
		return -1;
	der_init(&d); /* the shell is small whatever the number of entries */
	der_begin(&d, DER_SEQUENCE);
	for (off = hdr; off < len; prev = tbs[off], off += one) {
		one = tlv_size(tbs + off, len - off);
		if (one == 0) {
			der_free(&d);
			return -1;
		}
		if (tbs[off] == 0x30 && (prev == DER_UTC_TIME || prev == DER_GENERALIZED_TIME) &&
		    (off + one == len || tbs[off + one] == DER_CTX(0)) && *rs == *re) {
			*rs = off;
			*re = off + one;
			continue;
		}
		der_raw(&d, tbs[off], tbs + off, one);
	}
	der_end(&d);
	return der_finish(&d, &shell->data, &shell->len);
}

static int read_version(asn1_node n, struct x509_crl_info *ci)
{
	int v = 0;

	if (asn1_read_value(n, "version", NULL, &(int){0}) == ASN1_ELEMENT_NOT_FOUND) {
		ci->version = 1;
		return 0;
	}
	/* RFC 5280 5.1.2.1: when present, it is v2. */
	if (x509i_read_uint(n, "version", &v) != 0 || v != 1)
		return -1;
	ci->version = 2;
	return 0;
}

static int read_next_update(asn1_node n, struct x509_crl_info *ci)
{
	if (asn1_read_value(n, "nextUpdate", NULL, &(int){0}) == ASN1_ELEMENT_NOT_FOUND) {
		ci->next_update = 0;
		return 0;
	}
	return x509i_time_read(n, "nextUpdate", &ci->next_update);
}

static void read_sigalg(asn1_node n, struct x509_crl_info *ci)
{
	struct x509i_alg alg;

	/* An algorithm the CA does not sign with still decodes, as X509_SIG_NONE. */
	ci->sigalg = x509i_algid_read(n, "signature", &alg) == 0 ? x509i_sigalg_from(&alg)
								 : X509_SIG_NONE;
}

/* The shell's fields (shell: the TBS without its entries). */
static int read_shell(asn1_node n, const struct x509_buf *shell, struct x509_crl_info *ci,
		      char *err, size_t errlen)
{
	const char *bad = NULL;

	read_sigalg(n, ci);
	if (read_version(n, ci) != 0)
		bad = "version";
	else if (x509i_slice_copy(n, shell->data, shell->len, "issuer", &ci->issuer) != 0 ||
		 ci->issuer.len <= 2)
		bad = "issuer";
	else if (x509i_time_read(n, "thisUpdate", &ci->this_update) != 0)
		bad = "thisUpdate";
	else if (read_next_update(n, ci) != 0 ||
		 (ci->next_update != 0 && ci->next_update <= ci->this_update))
		bad = "nextUpdate";
	if (bad != NULL) {
		err_set(err, errlen, "crl: bad %s", bad);
		return -1;
	}
	if (ci->version < 2 &&
	    asn1_number_of_elements(n, "crlExtensions", &(int){0}) == ASN1_SUCCESS) {
		err_set(err, errlen, "crl: extensions in a v1 CRL");
		return -1;
	}
	return x509i_exts_walk(n, "crlExtensions", MAX_EXTS, crl_ext, ci, err, errlen);
}

/* RFC 5280 5.2.4: a delta names its base by number and carries its own. */
static int check_delta(const struct x509_crl_info *ci, char *err, size_t errlen)
{
	if (ci->is_delta && (!ci->has_number || ci->base_number >= ci->number)) {
		err_set(err, errlen, "crl: deltaCRLIndicator without a larger cRLNumber");
		return -1;
	}
	return 0;
}

/* Decodes the TBSCertList bytes (ci->tbs); alg, when not NULL, is the outer
 * signatureAlgorithm, which must equal the TBS's (RFC 5280 5.1.1.2). */
static int decode_tbs(const struct x509_buf *alg, struct x509_crl_info *ci, char *err,
		      size_t errlen)
{
	struct x509_buf shell = {0};
	asn1_node n = NULL;
	size_t rs, re, s, e;
	int rc = -1;

	if (split_tbs(ci->tbs.data, ci->tbs.len, &shell, &rs, &re) != 0) {
		err_set(err, errlen, "crl: tbsCertList is not a DER SEQUENCE");
		return -1;
	}
	if (asn1_decode("PKIX.TBSCertList", shell.data, shell.len, &n, err, errlen) != 0)
		goto out;
	if (alg != NULL && (asn1_der_slice(n, shell.data, shell.len, "signature", &s, &e) != 0 ||
			    e - s != alg->len || memcmp(shell.data + s, alg->data, alg->len) != 0)) {
		err_set(err, errlen, "crl: signatureAlgorithm differs from tbsCertList.signature");
		goto out;
	}
	if (read_shell(n, &shell, ci, err, errlen) == 0 &&
	    (rs == re || x509i_crl_entries_read(ci->tbs.data + rs, re - rs, ci, err, errlen) == 0) &&
	    check_delta(ci, err, errlen) == 0)
		rc = 0;
out:
	asn1_delete_structure(&n);
	x509_buf_free(&shell);
	return rc;
}

/* CertificateList through SignedEnvelope: its toBeSigned ANY is not expanded. */
static int decode_whole(const uint8_t *der, size_t len, struct x509_crl_info *ci, char *err,
			size_t errlen)
{
	struct x509_buf alg = {0};
	asn1_node n = NULL;
	int rc = -1;

	if (asn1_decode("PKIX.SignedEnvelope", der, len, &n, err, errlen) != 0)
		return -1;
	if (x509i_slice_copy(n, der, len, "toBeSigned", &ci->tbs) != 0 ||
	    x509i_slice_copy(n, der, len, "signatureAlgorithm", &alg) != 0 ||
	    x509i_read_octet_bits(n, "signature", &ci->sig) != 0)
		err_set(err, errlen, "crl: bad tbsCertList, signatureAlgorithm or signature");
	else if (ci->tbs.len > X509_CRL_MAX_SIZE)
		err_set(err, errlen, "crl: tbsCertList larger than %zu bytes", X509_CRL_MAX_SIZE);
	else
		rc = decode_tbs(&alg, ci, err, errlen);
	x509_buf_free(&alg);
	asn1_delete_structure(&n);
	return rc;
}

/* A TBSCertList may be X509_CRL_MAX_SIZE bytes, a whole CRL that plus its
 * envelope (signature algorithm and value). */
static int check_size(const uint8_t *der, size_t len, size_t max, char *err, size_t errlen)
{
	if (der == NULL || len == 0 || len > max) {
		err_set(err, errlen, "crl: empty or larger than %zu bytes", max);
		return -1;
	}
	return 0;
}

int x509_crl_decode(const uint8_t *der, size_t len, struct x509_crl_info *out, char *err,
		    size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (check_size(der, len, X509_CRL_MAX_SIZE + X509_CRL_ENVELOPE_MAX, err, errlen) != 0)
		return -1;
	if (decode_whole(der, len, out, err, errlen) != 0) {
		x509_crl_info_free(out);
		return -1;
	}
	return 0;
}

int x509_crl_tbs_decode(const uint8_t *der, size_t len, struct x509_crl_info *out, char *err,
			size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (check_size(der, len, X509_CRL_MAX_SIZE, err, errlen) != 0)
		return -1;
	/* No der_framing_ok over the whole input first: it would walk a million
	 * entries that crlent.c frames strictly anyway (split_tbs says how every
	 * byte is covered). */
	if (x509i_buf_set(&out->tbs, der, len) != 0) {
		err_set(err, errlen, "crl: out of memory");
		return -1;
	}
	if (decode_tbs(NULL, out, err, errlen) != 0) {
		x509_crl_info_free(out);
		return -1;
	}
	return 0;
}

int x509_crl_verify_signature(const struct x509_crl_info *crl, const uint8_t *issuer_spki,
			      size_t issuer_spki_len, char *err, size_t errlen)
{
	struct x509i_alg alg;

	if (crl == NULL || crl->tbs.data == NULL || crl->sig.data == NULL) {
		err_set(err, errlen, "crl: not decoded, or a bare TBSCertList");
		return -1;
	}
	alg.hash = x509i_sigalg_hash(crl->sigalg);
	alg.key = x509i_sigalg_key(crl->sigalg);
	if (alg.hash == WC_HASH_TYPE_NONE) {
		err_set(err, errlen, "crl: signatureAlgorithm not supported");
		return -1;
	}
	return x509i_verify(&alg, crl->tbs.data, crl->tbs.len, X509_CRL_MAX_SIZE, crl->sig.data,
			    crl->sig.len, issuer_spki, issuer_spki_len, err, errlen);
}
