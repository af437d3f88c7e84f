/* The Microsoft attributes of a PKCS#10 request (MS-WCCE 2.2.2.7): the
 * certificate being renewed, enrollment name-value pairs, client and CSP
 * information. Read with libtasn1 (pkix.asn's Microsoft section) in strict
 * DER; strings into UTF-8 under platform/utf8's one rule. The name-value
 * reader is shared with cms.c (signed attributes and CMC controls carry the
 * same pairs). Nothing here decides: the custodian's policy does. */
#include "firmware/x509/cms.h"
#include "firmware/x509/x509_int.h"
#include "platform/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OID_RENEWAL_CERT "1.3.6.1.4.1.311.13.1"
#define OID_NAME_VALUE "1.3.6.1.4.1.311.13.2.1"
#define OID_CSP_INFO "1.3.6.1.4.1.311.13.2.2"
#define OID_CLIENT_INFO "1.3.6.1.4.1.311.21.20"
/* Attributes a request may hold before it is refused: Windows sends about
 * ten (template, OS version, client info, CSP, extensions, pairs). */
#define CSR_ATTRS_MAX 64

/* Control characters (C0 with NUL, DEL, C1): no name, account or program
 * name holds one, and a line feed in a RequesterName would reach the audit
 * trail (firmware/icpr refuses them in the attribute string likewise). */
static int is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0);
}

/* A BMPString's contents (UTF-16BE) as NUL-terminated UTF-8 in out: surrogate
 * pairs joined, an unpaired surrogate, a control character (NUL included) or
 * an odd length refused, and so is a string that needs outsz bytes or more.
 * NULL, or why not. */
static const char *bmp_to_utf8(const uint8_t *s, size_t len, char *out, size_t outsz)
{
	size_t k = 0;

	if (len % 2 != 0)
		return "odd length for a BMPString";
	for (size_t i = 0; i < len;) {
		uint32_t c = (uint32_t)s[i] << 8 | s[i + 1];
		uint8_t b[4];
		size_t m;

		i += 2;
		if (c >= 0xd800 && c <= 0xdbff && len - i >= 2) {
			uint32_t lo = (uint32_t)s[i] << 8 | s[i + 1];

			if (lo >= 0xdc00 && lo <= 0xdfff) {
				c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (is_control(c))
			return c == 0 ? "a NUL in a BMPString" : "a control character";
		m = utf8_put(c, b); /* 0 for a surrogate left unpaired */
		if (m == 0)
			return "an unpaired surrogate in a BMPString";
		if (m >= outsz - k)
			return "a string too long";
		memcpy(out + k, b, m);
		k += m;
	}
	out[k] = 0;
	return NULL;
}

/* A UTF8String's contents into out: well-formed, no control character,
 * shorter than outsz. */
static const char *utf8_copy(const uint8_t *s, size_t len, char *out, size_t outsz)
{
	if (utf8_count(s, len) < 0)
		return "not valid UTF-8";
	for (size_t i = 0; i < len;) {
		uint32_t c = 0;
		size_t m = utf8_next(s + i, len - i, &c);

		if (m == 0 || is_control(c))
			return c == 0 ? "a NUL in a UTF8String" : "a control character";
		i += m;
	}
	if (len >= outsz)
		return "a string too long";
	memcpy(out, s, len);
	out[len] = 0;
	return NULL;
}

/* Reads the string field name of n (its content octets) through conv. */
static int read_text(asn1_node n, const char *name, int bmp, char *out, size_t outsz,
		     const char *what, char *err, size_t errlen)
{
	uint8_t *v = NULL;
	int vl = 0;
	const char *why;

	if (asn1_read_alloc(n, name, &v, &vl) != 0 || vl < 0) {
		err_set(err, errlen, "%s: no %s", what, name);
		return -1;
	}
	why = bmp ? bmp_to_utf8(v, (size_t)vl, out, outsz) : utf8_copy(v, (size_t)vl, out, outsz);
	free(v);
	if (why != NULL) {
		err_set(err, errlen, "%s: %s: %s", what, name, why);
		return -1;
	}
	return 0;
}

/* A non-negative INTEGER of at most 32 bits, minimal. */
static int read_u32(asn1_node n, const char *name, uint32_t *out)
{
	uint64_t v;

	if (x509i_read_u64(n, name, 1, &v) != 0 || v > 0xffffffffu)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* One EnrollmentNameValuePair at path of n, appended to nv. */
static int nv_one(asn1_node n, const char *path, struct cms_namevalue *nv, size_t max,
		  size_t *cnt, const char *what, char *err, size_t errlen)
{
	char name[96], value[96];
	struct cms_namevalue *e;

	if (*cnt >= max) {
		err_set(err, errlen, "%s: more than %zu name-value pairs", what, max);
		return -1;
	}
	e = &nv[*cnt];
	snprintf(name, sizeof name, "%s%sname", path, *path ? "." : "");
	snprintf(value, sizeof value, "%s%svalue", path, *path ? "." : "");
	if (read_text(n, name, 1, e->name, sizeof e->name, what, err, errlen) != 0 ||
	    read_text(n, value, 1, e->value, sizeof e->value, what, err, errlen) != 0)
		return -1;
	if (e->name[0] == 0) {
		err_set(err, errlen, "%s: a name-value pair with an empty name", what);
		return -1;
	}
	/* The same name twice: rather than pick one, which two readers could
	 * disagree on, refuse (as firmware/icpr's attribute string does). */
	for (size_t k = 0; k < *cnt; k++)
		if (strcasecmp(nv[k].name, e->name) == 0) {
			err_set(err, errlen, "%s: name-value pair '%s' present twice", what,
				e->name);
			return -1;
		}
	(*cnt)++;
	return 0;
}

int x509i_nv_add(const uint8_t *p, size_t len, struct cms_namevalue *nv, size_t max,
		 size_t *n, const char *what, char *err, size_t errlen)
{
	asn1_node node = NULL;
	char path[32];
	int count = 0, rc = 0;

	/* What Windows writes: one pair per value (learn.microsoft.com,
	 * "BMPString", Certificate Enrollment API); MS-WCCE 2.2.2.7.10 also
	 * names a SEQUENCE OF pairs. The two cannot be confused: a pair starts
	 * with a BMPString, the list with a SEQUENCE. */
	if (asn1_decode("PKIX.EnrollmentNameValuePair", p, len, &node, NULL, 0) == 0) {
		rc = nv_one(node, "", nv, max, n, what, err, errlen);
		asn1_delete_structure(&node);
		return rc;
	}
	if (asn1_decode("PKIX.EnrollmentNameValuePairs", p, len, &node, NULL, 0) != 0) {
		err_set(err, errlen, "%s: a name-value pair that does not decode", what);
		return -1;
	}
	if (asn1_number_of_elements(node, "", &count) != ASN1_SUCCESS)
		count = 0;
	if (count < 0 || (size_t)count > max - *n) {
		err_set(err, errlen, "%s: more than %zu name-value pairs", what, max);
		rc = -1;
	}
	for (int i = 1; i <= count && rc == 0; i++) {
		snprintf(path, sizeof path, "?%d", i);
		rc = nv_one(node, path, nv, max, n, what, err, errlen);
	}
	asn1_delete_structure(&node);
	return rc;
}

/* The only value of attribute i (path "certificationRequestInfo.attributes.?i"),
 * as a slice of der. */
static int single_value(asn1_node n, const uint8_t *der, size_t len, int i, const char *oid,
			size_t *s, size_t *e, char *err, size_t errlen)
{
	char path[96];
	int nvals = 0;

	snprintf(path, sizeof path, "certificationRequestInfo.attributes.?%d.values", i);
	if (asn1_number_of_elements(n, path, &nvals) != ASN1_SUCCESS || nvals != 1) {
		err_set(err, errlen, "csr: attribute %s must have exactly one value", oid);
		return -1;
	}
	snprintf(path, sizeof path, "certificationRequestInfo.attributes.?%d.values.?1", i);
	if (asn1_der_slice(n, der, len, path, s, e) != 0) {
		err_set(err, errlen, "csr: attribute %s: no value", oid);
		return -1;
	}
	return 0;
}

static int renewal_cert(const uint8_t *v, size_t vl, struct csr_ms_attrs *out, char *err,
			size_t errlen)
{
	asn1_node c = NULL;

	/* One DER Certificate; whether it is ours is the custodian's question. */
	if (asn1_decode("PKIX.Certificate", v, vl, &c, NULL, 0) != 0) {
		err_set(err, errlen, "csr: the renewal certificate attribute is not a DER "
				     "certificate");
		return -1;
	}
	asn1_delete_structure(&c);
	if (x509i_buf_set(&out->renewal_cert, v, vl) != 0) {
		err_set(err, errlen, "csr: out of memory");
		return -1;
	}
	return 0;
}

static int client_info(const uint8_t *v, size_t vl, struct csr_ms_attrs *out, char *err,
		       size_t errlen)
{
	const char *what = "csr: client information";
	asn1_node c = NULL;
	int rc = -1;

	if (asn1_decode("PKIX.ClientInformation", v, vl, &c, NULL, 0) != 0) {
		err_set(err, errlen, "%s does not decode", what);
		return -1;
	}
	if (read_u32(c, "clientId", &out->client_id) != 0)
		err_set(err, errlen, "%s: clientId not a 32-bit number", what);
	else if (read_text(c, "machineName", 0, out->machine, sizeof out->machine, what, err,
			   errlen) == 0 &&
		 read_text(c, "userName", 0, out->user, sizeof out->user, what, err, errlen) ==
			 0 &&
		 read_text(c, "processName", 0, out->process, sizeof out->process, what, err,
			   errlen) == 0)
		rc = 0;
	asn1_delete_structure(&c);
	out->has_client_info = rc == 0;
	return rc;
}

static int csp_info(const uint8_t *v, size_t vl, struct csr_ms_attrs *out, char *err,
		    size_t errlen)
{
	const char *what = "csr: CSP information";
	asn1_node c = NULL;
	int rc = -1;

	if (asn1_decode("PKIX.CSPProvider", v, vl, &c, NULL, 0) != 0) {
		err_set(err, errlen, "%s does not decode", what);
		return -1;
	}
	/* The signature BIT STRING (empty as Windows writes it) is not read. */
	if (read_u32(c, "keySpec", &out->key_spec) != 0)
		err_set(err, errlen, "%s: keySpec not a 32-bit number", what);
	else if (read_text(c, "cspName", 1, out->csp_name, sizeof out->csp_name, what, err,
			   errlen) == 0)
		rc = 0;
	asn1_delete_structure(&c);
	out->has_csp_info = rc == 0;
	return rc;
}

/* Attribute i of the request: one of ours, or ignored. seen: which of the
 * single-instance attributes came already (bit 0 renewal, 1 client, 2 CSP). */
static int one_attr(asn1_node n, const uint8_t *der, size_t len, int i, unsigned *seen,
		    struct csr_ms_attrs *out, char *err, size_t errlen)
{
	static const char *const once[] = {OID_RENEWAL_CERT, OID_CLIENT_INFO, OID_CSP_INFO};
	char path[96], oid[X509I_OID_MAX];
	size_t s, e;

	snprintf(path, sizeof path, "certificationRequestInfo.attributes.?%d.type", i);
	if (x509i_read_str(n, path, oid, sizeof oid) != 0) {
		err_set(err, errlen, "csr: attribute %d has no type", i);
		return -1;
	}
	if (strcmp(oid, OID_NAME_VALUE) == 0) {
		/* Windows writes each pair as its own attribute: several are
		 * normal, each with one or more values. */
		int nvals = 0;

		snprintf(path, sizeof path, "certificationRequestInfo.attributes.?%d.values", i);
		if (asn1_number_of_elements(n, path, &nvals) != ASN1_SUCCESS || nvals < 1) {
			err_set(err, errlen, "csr: a name-value pair attribute without a value");
			return -1;
		}
		for (int k = 1; k <= nvals; k++) {
			snprintf(path, sizeof path,
				 "certificationRequestInfo.attributes.?%d.values.?%d", i, k);
			if (asn1_der_slice(n, der, len, path, &s, &e) != 0 ||
			    x509i_nv_add(der + s, e - s, out->nv, CMS_NV_MAX, &out->n_nv,
					 "csr", err, errlen) != 0)
				return -1;
		}
		return 0;
	}
	for (unsigned k = 0; k < sizeof once / sizeof once[0]; k++) {
		if (strcmp(oid, once[k]) != 0)
			continue;
		if (*seen & (1u << k)) {
			err_set(err, errlen, "csr: attribute %s present twice", oid);
			return -1;
		}
		*seen |= 1u << k;
		if (single_value(n, der, len, i, oid, &s, &e, err, errlen) != 0)
			return -1;
		if (k == 0)
			return renewal_cert(der + s, e - s, out, err, errlen);
		if (k == 1)
			return client_info(der + s, e - s, out, err, errlen);
		return csp_info(der + s, e - s, out, err, errlen);
	}
	return 0; /* not one of ours: the policy reads what it needs elsewhere */
}

int x509_csr_ms_attrs(const uint8_t *der, size_t len, struct csr_ms_attrs *out, char *err,
		      size_t errlen)
{
	asn1_node n = NULL;
	size_t s, e;
	unsigned seen = 0;
	int count = 0, rc = 0;

	memset(out, 0, sizeof *out);
	if (der == NULL || len == 0 || len > X509I_MAX_DER) {
		err_set(err, errlen, "csr: empty or larger than %u bytes", X509I_MAX_DER);
		return -1;
	}
	if (asn1_decode("PKIX.CertificationRequest", der, len, &n, err, errlen) != 0)
		return -1;
	/* libtasn1 accepts a SEQUENCE with its components absent: insist on
	 * the attributes being there (RFC 2986: always, maybe empty). */
	if (asn1_der_slice(n, der, len, "certificationRequestInfo.attributes", &s, &e) != 0) {
		err_set(err, errlen, "csr: no attributes");
		rc = -1;
	} else if (asn1_number_of_elements(n, "certificationRequestInfo.attributes", &count) !=
		   ASN1_SUCCESS) {
		count = 0;
	}
	if (rc == 0 && count > CSR_ATTRS_MAX) {
		err_set(err, errlen, "csr: more than %d attributes", CSR_ATTRS_MAX);
		rc = -1;
	}
	for (int i = 1; i <= count && rc == 0; i++)
		rc = one_attr(n, der, len, i, &seen, out, err, errlen);
	asn1_delete_structure(&n);
	if (rc != 0)
		csr_ms_attrs_free(out);
	return rc;
}

void csr_ms_attrs_free(struct csr_ms_attrs *a)
{
	if (a == NULL)
		return;
	x509_buf_free(&a->renewal_cert);
	memset(a, 0, sizeof *a);
}
