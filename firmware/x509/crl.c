/* TBSCertList v2 (RFC 5280 5.1), built field by field with the project's DER
 * writer like tbs.c (a base CRL of a busy CA holds tens of thousands of entries:
 * libtasn1's node tree would cost a malloc per field per entry). The result is
 * decoded again with libtasn1 (x509_crl_tbs_decode) before it is signed, so
 * writer and checker stay two implementations. */
#include "firmware/x509/x509_int.h"
#include "firmware/asn1/der.h"

#include <stdio.h>
#include <string.h>

#define DER_ENUMERATED 0x0a

/* Entry extension OIDs as DER contents: der_oid would parse the dotted text
 * again for each of a million entries. */
static const uint8_t oid_reason[] = {0x55, 0x1d, 0x15};     /* 2.5.29.21 */
static const uint8_t oid_invalidity[] = {0x55, 0x1d, 0x18}; /* 2.5.29.24 */

/* RFC 5280 5.1.2.3: the issuer is a non-empty distinguished name. */
static int check_issuer(const struct x509_buf *issuer, char *err, size_t errlen)
{
	if (issuer->data == NULL || !der_tlv_ok(issuer->data, issuer->len) ||
	    issuer->data[0] != DER_SEQUENCE) {
		err_set(err, errlen, "issuer: not a DER Name");
		return -1;
	}
	if (issuer->len <= 2) {
		err_set(err, errlen, "issuer: empty Name");
		return -1;
	}
	return 0;
}

/* 7 is unassigned; removeFromCRL (8) only makes sense in a delta CRL
 * (RFC 5280 5.3.1): in a base CRL it would revoke the certificate. */
static int check_reason(int reason, int is_delta, size_t i, char *err, size_t errlen)
{
	if (reason < -1 || reason > 10 || reason == 7) {
		err_set(err, errlen, "entries[%zu].reason: %d is not a CRLReason", i, reason);
		return -1;
	}
	if (reason == X509_CRL_REASON_REMOVE_FROM_CRL && !is_delta) {
		err_set(err, errlen, "entries[%zu].reason: removeFromCRL in a base CRL", i);
		return -1;
	}
	return 0;
}

/* The serial rules, checked without a message first: naming the field costs a
 * snprintf, too much for each of a million entries. */
static int check_entry_serial(const struct x509_crl_entry *e, size_t i, char *err,
			      size_t errlen)
{
	char field[48];

	if (x509i_check_serial(e->serial, e->serial_len, "", NULL, 0) == 0)
		return 0;
	snprintf(field, sizeof field, "entries[%zu].serial", i);
	return x509i_check_serial(e->serial, e->serial_len, field, err, errlen);
}

static int check_entries(const struct x509_crl *c, char *err, size_t errlen)
{
	if (c->n_entries > 0 && c->entries == NULL) {
		err_set(err, errlen, "entries: %zu announced, none given", c->n_entries);
		return -1;
	}
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct x509_crl_entry *e = &c->entries[i];
		if (check_entry_serial(e, i, err, errlen) != 0 ||
		    check_reason(e->reason, c->is_delta, i, err, errlen) != 0)
			return -1;
		if (e->invalidity < 0) {
			err_set(err, errlen, "entries[%zu].invalidity: negative", i);
			return -1;
		}
	}
	return 0;
}

static int check_crl(const struct x509_crl *c, char *err, size_t errlen)
{
	if (x509i_sigalg_oid(c->sigalg) == NULL) {
		err_set(err, errlen, "sigalg: unsupported signature algorithm %d", (int)c->sigalg);
		return -1;
	}
	if (check_issuer(&c->issuer, err, errlen) != 0)
		return -1;
	if (c->next_update <= c->this_update) {
		err_set(err, errlen, "next_update: must be later than this_update");
		return -1;
	}
	/* A delta refers to an earlier base CRL of the same number sequence. */
	if (c->is_delta && c->base_number >= c->number) {
		err_set(err, errlen, "base_number: must be below number in a delta CRL");
		return -1;
	}
	/* RFC 5280 5.2.6: freshestCRL MUST NOT appear in delta CRLs. */
	if (c->is_delta && c->freshest_url != NULL && *c->freshest_url) {
		err_set(err, errlen, "freshest_url: not allowed in a delta CRL");
		return -1;
	}
	return check_entries(c, err, errlen);
}

/* crlExtensions in a fixed order: AKI, cRLNumber, deltaCRLIndicator, IDP,
 * freshestCRL. RFC 5280 5.2 requires AKI and cRLNumber in conforming CRLs;
 * has_aki stays a choice so a test CA without an SKI can still publish. */
static int build_exts(const struct x509_crl *c, struct x509i_exts *x, char *err, size_t errlen)
{
	if (c->has_aki && x509i_ext_aki(x, c->aki, err, errlen) != 0)
		return -1;
	if (x509i_ext_crl_number(x, c->number, 0, err, errlen) != 0)
		return -1;
	if (c->is_delta && x509i_ext_crl_number(x, c->base_number, 1, err, errlen) != 0)
		return -1;
	if (c->idp_url && *c->idp_url && x509i_ext_idp(x, c->idp_url, err, errlen) != 0)
		return -1;
	if (c->freshest_url && *c->freshest_url &&
	    x509i_ext_freshest(x, c->freshest_url, err, errlen) != 0)
		return -1;
	return 0;
}

/* Extension { extnID, extnValue } (never critical here) with the value written
 * straight into the OCTET STRING: no allocation per entry. */
static void entry_ext_begin(struct der *d, const uint8_t *oid, size_t oid_len)
{
	der_begin(d, DER_SEQUENCE);
	der_prim(d, DER_OID, oid, oid_len);
	der_begin(d, DER_OCTET_STRING);
}

static void entry_ext_end(struct der *d)
{
	der_end(d);
	der_end(d);
}

/* reasonCode is written for 1..10 only: RFC 5280 5.3.1 says to leave the
 * extension out rather than write unspecified (0). */
static void write_entry(struct der *d, const struct x509_crl_entry *e)
{
	int has_reason = e->reason > 0, has_inval = e->invalidity != 0;

	der_begin(d, DER_SEQUENCE);
	der_uint(d, DER_INTEGER, e->serial, e->serial_len);
	der_time(d, (long long)e->revoked_at);
	if (has_reason || has_inval) {
		der_begin(d, DER_SEQUENCE); /* crlEntryExtensions */
		if (has_reason) {
			uint8_t r = (uint8_t)e->reason;
			entry_ext_begin(d, oid_reason, sizeof oid_reason);
			der_prim(d, DER_ENUMERATED, &r, 1);
			entry_ext_end(d);
		}
		if (has_inval) { /* RFC 5280 5.3.2: always GeneralizedTime */
			entry_ext_begin(d, oid_invalidity, sizeof oid_invalidity);
			der_generalized_time(d, (long long)e->invalidity);
			entry_ext_end(d);
		}
		der_end(d);
	}
	der_end(d);
}

static void size_err(const struct der *d, char *err, size_t errlen)
{
	err_set(err, errlen, "crl: larger than %zu bytes (X509_CRL_MAX_SIZE%s)", d->max,
		d->max < X509_CRL_MAX_SIZE ? ", lowered by max_size" : "");
}

/* The entries; the writer's sticky error is mapped to the size limit or to the
 * entry that caused it (a date outside 1950..9999). */
static int write_entries(struct der *d, const struct x509_crl *c, char *err, size_t errlen)
{
	if (c->n_entries == 0) /* RFC 5280 5.1.2.6: absent, not an empty SEQUENCE */
		return 0;
	der_begin(d, DER_SEQUENCE);
	for (size_t i = 0; i < c->n_entries && !d->failed; i++) {
		write_entry(d, &c->entries[i]);
		if (d->too_big) {
			size_err(d, err, errlen);
			return -1;
		}
		if (d->failed) {
			err_set(err, errlen,
				"entries[%zu]: revoked_at/invalidity outside 1950..9999", i);
			return -1;
		}
	}
	der_end(d);
	return 0;
}

static void write_sigalg(struct der *d, enum x509_sigalg alg)
{
	static const uint8_t null[] = {DER_NULL, 0};

	der_begin(d, DER_SEQUENCE); /* NULL parameters for RSA only */
	der_oid(d, x509i_sigalg_oid(alg));
	if (x509i_sigalg_key(alg) == X509_KEY_RSA)
		der_raw(d, DER_NULL, null, sizeof null);
	der_end(d);
}

/* The fields in RFC 5280 5.1 order. */
static int write_fields(struct der *d, const struct x509_crl *c, const struct x509i_exts *x,
			char *err, size_t errlen)
{
	static const uint8_t v2[] = {1};

	der_begin(d, DER_SEQUENCE);
	der_prim(d, DER_INTEGER, v2, sizeof v2); /* Version v2: extensions are used */
	write_sigalg(d, c->sigalg);
	der_raw(d, DER_SEQUENCE, c->issuer.data, c->issuer.len);
	der_time(d, (long long)c->this_update);
	der_time(d, (long long)c->next_update);
	if (d->too_big) {
		size_err(d, err, errlen);
		return -1;
	}
	if (d->failed) {
		err_set(err, errlen, "this_update/next_update: outside 1950..9999");
		return -1;
	}
	if (write_entries(d, c, err, errlen) != 0)
		return -1;
	der_begin(d, DER_CTX(0)); /* crlExtensions [0] EXPLICIT: cRLNumber is always there */
	x509i_exts_der(d, x);
	der_end(d);
	der_end(d);
	if (d->too_big) { /* the limit can be reached after the last entry too */
		size_err(d, err, errlen);
		return -1;
	}
	return 0;
}

/* X509_CRL_MAX_SIZE, or the lower limit a test asked for. */
static size_t crl_max(const struct x509_crl *c)
{
	return c->max_size > 0 && c->max_size < X509_CRL_MAX_SIZE ? c->max_size
								  : X509_CRL_MAX_SIZE;
}

int x509_crl_tbs_encode(const struct x509_crl *c, struct x509_buf *out, char *err,
			size_t errlen)
{
	struct x509i_exts x;
	struct der d;
	int rc = -1;

	memset(&x, 0, sizeof x);
	der_init_max(&d, c != NULL ? crl_max(c) : DER_MAX_SIZE);
	out->data = NULL;
	out->len = 0;
	if (c == NULL) {
		err_set(err, errlen, "crl: missing");
		return -1;
	}
	if (check_crl(c, err, errlen) != 0)
		return -1;
	if (build_exts(c, &x, err, errlen) != 0 || write_fields(&d, c, &x, err, errlen) != 0)
		goto out;
	if (der_finish(&d, &out->data, &out->len) != 0) {
		err_set(err, errlen, "crl: cannot encode (out of memory?)");
		goto out;
	}
	rc = 0;
out:
	der_free(&d);
	x509i_exts_free(&x);
	return rc;
}

int x509_crl_assemble(const struct x509_buf *tbs, enum x509_sigalg alg, const uint8_t *sig,
		      size_t sig_len, struct x509_buf *out)
{
	return x509i_envelope(tbs, X509_CRL_MAX_SIZE, alg, sig, sig_len, out);
}
