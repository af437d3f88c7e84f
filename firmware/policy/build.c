/* The certificate's parts a template builds from the account (policy.h): the
 * subject, the subjectAltName, the SID extension, the template extension; and
 * the readers of a request's template extensions. All DER goes through libtasn1
 * (firmware/asn1/pkix.asn: Name via firmware/x509's Name writer, GeneralNames,
 * CertificateTemplate, CertificateTemplateName). The one hand-written piece is
 * the BMPString (UTF-16BE) to UTF-8 conversion of a version 1 template name:
 * libtasn1 hands back the code units, and platform/utf8 has no UTF-16. */
#include "firmware/policy/policy.h"
#include "firmware/policy/policy_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/asn1/asn1.h"
#include "firmware/asn1/der.h"
#include "firmware/x509/x509.h"
#include "platform/errbuf.h"
#include "platform/utf8.h"

#define OID_UPN "1.3.6.1.4.1.311.20.2.3"       /* szOID_NT_PRINCIPAL_NAME */
#define OID_SID_URL "1.3.6.1.4.1.311.25.2.1"   /* szOID_NTDS_OBJECTSID */

/* ---- the subject ---- */

int policy_subject_der(const struct template *t, const struct policy_account *a,
		       uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	/* "CN=" and every byte as \XX: firmware/x509's Name writer (RFC 4514
	 * syntax) then takes any value as bytes, with its own checks (UTF-8, at
	 * most 64 characters, no NUL), and no character of the account's name can
	 * be read as syntax. */
	char dn[3 + 3 * POLICY_ACCOUNT_NAME_MAX + 1];
	const char *cn, *bs;
	struct x509_buf der;
	size_t n, o = 3;

	*out = NULL;
	*outlen = 0;
	if (t->san == TEMPLATE_SAN_ACCOUNT && (t->san_account & TEMPLATE_SAN_DNS)) {
		cn = a->dns;
		n = strnlen(a->dns, sizeof(a->dns));
	} else {
		bs = memrchr(a->name, '\\', strnlen(a->name, sizeof(a->name)));
		cn = bs != NULL ? bs + 1 : a->name;
		n = strnlen(cn, sizeof(a->name) - (size_t)(cn - a->name));
	}
	if (n == 0)
		return err_set(err, errlen, "the account has no %s to name the certificate by",
			       cn == a->dns ? "DNS name" : "user name");
	if (n > POLICY_ACCOUNT_NAME_MAX)
		return err_set(err, errlen, "the account's name is longer than %d bytes",
			       POLICY_ACCOUNT_NAME_MAX);
	memcpy(dn, "CN=", 3);
	for (size_t i = 0; i < n; i++) {
		snprintf(dn + o, 4, "\\%02X", (unsigned char)cn[i]);
		o += 3;
	}
	dn[o] = 0;
	if (x509_name_parse(dn, &der, err, errlen) != 0)
		return -1;
	*out = der.data;
	*outlen = der.len;
	return 0;
}

/* ---- GeneralNames ---- */

/* Appends an otherName { type-id, [0] EXPLICIT <tlv> } to a GeneralNames node;
 * tlv is a primitive of type etype holding v. */
static int add_other_name(asn1_node gn, const char *type_id, unsigned etype, const char *v,
			  size_t len)
{
	uint8_t tl[ASN1_MAX_TL_SIZE];
	unsigned tl_len = sizeof(tl);
	uint8_t *tlv;
	int ok;

	if (asn1_encode_simple_der(etype, (const unsigned char *)v, (unsigned)len, tl, &tl_len) !=
	    ASN1_SUCCESS)
		return -1;
	tlv = malloc(tl_len + len);
	if (tlv == NULL)
		return -1;
	memcpy(tlv, tl, tl_len);
	memcpy(tlv + tl_len, v, len);
	ok = asn1_write_value(gn, "", "NEW", 1) == ASN1_SUCCESS &&
	     asn1_write_value(gn, "?LAST", "otherName", 1) == ASN1_SUCCESS &&
	     asn1_write_value(gn, "?LAST.otherName.type-id", type_id, 1) == ASN1_SUCCESS &&
	     asn1_write_value(gn, "?LAST.otherName.value", tlv, (int)(tl_len + len)) ==
		     ASN1_SUCCESS;
	free(tlv);
	return ok ? 0 : -1;
}

/* Appends an rfc822Name or dNSName (IA5String). */
static int add_ia5(asn1_node gn, const char *choice, const char *v, size_t len)
{
	char path[32];

	snprintf(path, sizeof(path), "?LAST.%s", choice);
	return asn1_write_value(gn, "", "NEW", 1) == ASN1_SUCCESS &&
			       asn1_write_value(gn, "?LAST", choice, 1) == ASN1_SUCCESS &&
			       asn1_write_value(gn, path, v, (int)len) == ASN1_SUCCESS
		       ? 0
		       : -1;
}

size_t policy_attr_len(const char *v, size_t cap, int ascii, const char *what, char *err,
		      size_t errlen)
{
	size_t n = strnlen(v, cap), off = 0;

	if (n == 0 || n == cap) {
		err_set(err, errlen, "the account has no %s", what);
		return 0;
	}
	while (off < n) {
		uint32_t cp;
		size_t k = utf8_next((const uint8_t *)v + off, n - off, &cp);

		if (k == 0 || cp < 0x21 || (cp >= 0x7f && cp <= 0x9f) || (ascii && cp > 0x7e) ||
		    utf8_invisible(cp)) {
			err_set(err, errlen, "the account's %s holds a character it may not (%s)",
				what, ascii ? "printable ASCII only" : "a control, blank or "
				"invisible character, or malformed UTF-8");
			return 0;
		}
		off += k;
	}
	return n;
}

static int encode_names(asn1_node gn, uint8_t **out, size_t *outlen, char *err,
			size_t errlen)
{
	int rc = asn1_encode(gn, "", out, outlen, err, errlen);

	asn1_delete_structure(&gn);
	return rc;
}

int policy_san_der(unsigned which, const struct policy_account *a, uint8_t **out,
		   size_t *outlen, char *err, size_t errlen)
{
	asn1_node gn = NULL;
	size_t n;

	*out = NULL;
	*outlen = 0;
	if (which == 0 || (which & ~(unsigned)(TEMPLATE_SAN_UPN | TEMPLATE_SAN_EMAIL |
					       TEMPLATE_SAN_DNS)) != 0)
		return err_set(err, errlen, "no account attribute, or an unknown one, asked for "
					    "(0x%x)", which);
	if (asn1_new("PKIX.GeneralNames", &gn) != 0)
		return err_set(err, errlen, "ASN.1 definitions unavailable");
	if (which & TEMPLATE_SAN_UPN) {
		if ((n = policy_attr_len(a->upn, sizeof(a->upn), 0, "user principal name", err,
				 errlen)) == 0)
			goto fail;
		if (add_other_name(gn, OID_UPN, ASN1_ETYPE_UTF8_STRING, a->upn, n) != 0)
			goto encode_fail;
	}
	if (which & TEMPLATE_SAN_EMAIL) {
		if ((n = policy_attr_len(a->email, sizeof(a->email), 1, "e-mail address", err,
				 errlen)) == 0)
			goto fail;
		if (add_ia5(gn, "rfc822Name", a->email, n) != 0)
			goto encode_fail;
	}
	if (which & TEMPLATE_SAN_DNS) {
		if ((n = policy_attr_len(a->dns, sizeof(a->dns), 1, "DNS name", err, errlen)) == 0)
			goto fail;
		if (add_ia5(gn, "dNSName", a->dns, n) != 0)
			goto encode_fail;
	}
	return encode_names(gn, out, outlen, err, errlen);
encode_fail:
	err_set(err, errlen, "cannot encode the subjectAltName");
fail:
	asn1_delete_structure(&gn);
	return -1;
}

int policy_sid_shape_ok(const char *sid, size_t n)
{
	if (n < 5 || n > POLICY_SID_MAX || strncmp(sid, "S-1-", 4) != 0)
		return 0;
	for (size_t i = 4; i < n; i++)
		if (!((sid[i] >= '0' && sid[i] <= '9') || sid[i] == '-'))
			return 0;
	return 1;
}

int policy_sid_der(const char *sid, uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	asn1_node gn = NULL;
	size_t n;

	*out = NULL;
	*outlen = 0;
	n = sid != NULL ? strnlen(sid, POLICY_SID_MAX + 1) : 0;
	if (!policy_sid_shape_ok(sid != NULL ? sid : "", n))
		return err_set(err, errlen, "not a SID's text (S-1-...) of at most %d bytes",
			       POLICY_SID_MAX);
	if (asn1_new("PKIX.GeneralNames", &gn) != 0)
		return err_set(err, errlen, "ASN.1 definitions unavailable");
	if (add_other_name(gn, OID_SID_URL, ASN1_ETYPE_OCTET_STRING, sid, n) != 0) {
		asn1_delete_structure(&gn);
		return err_set(err, errlen, "cannot encode the SID extension");
	}
	return encode_names(gn, out, outlen, err, errlen);
}

/* ---- the template extensions ---- */

int policy_template_ext_der(const struct template *t, uint8_t **out, size_t *outlen,
			    char *err, size_t errlen)
{
	asn1_node n = NULL;
	char major[16], minor[16];
	int ok;

	*out = NULL;
	*outlen = 0;
	if (!x509_oid_valid(t->oid))
		return err_set(err, errlen, "the template's OID is not a dotted OID");
	if (asn1_new("PKIX.CertificateTemplate", &n) != 0)
		return err_set(err, errlen, "ASN.1 definitions unavailable");
	/* libtasn1 reads an INTEGER given with length 0 as decimal text */
	snprintf(major, sizeof(major), "%u", t->major_version);
	snprintf(minor, sizeof(minor), "%u", t->minor_version);
	ok = asn1_write_value(n, "templateID", t->oid, 1) == ASN1_SUCCESS &&
	     asn1_write_value(n, "templateMajorVersion", major, 0) == ASN1_SUCCESS &&
	     asn1_write_value(n, "templateMinorVersion", minor, 0) == ASN1_SUCCESS;
	if (!ok) {
		asn1_delete_structure(&n);
		return err_set(err, errlen, "cannot encode the template extension");
	}
	ok = asn1_encode(n, "", out, outlen, err, errlen) == 0;
	asn1_delete_structure(&n);
	return ok ? 0 : -1;
}

/* An INTEGER of 0..4294967295 in DER (two's complement, minimal: libtasn1's
 * strict decoding does not check the INTEGER's own bytes). 0 or -1. */
static int read_u32(asn1_node n, const char *name, unsigned *out)
{
	uint8_t b[8];
	int len = sizeof(b);
	uint64_t v = 0;

	if (asn1_read_value(n, name, b, &len) != ASN1_SUCCESS || len < 1 || len > 5)
		return -1;
	if (b[0] & 0x80)
		return -1; /* negative */
	if (len > 1 && b[0] == 0 && !(b[1] & 0x80))
		return -1; /* a redundant leading zero */
	for (int i = 0; i < len; i++)
		v = (v << 8) | b[i];
	if (v > 0xffffffffu)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* libtasn1 (4.19) cuts an OID's dotted text at 127 bytes when it decodes, and
 * says nothing: a long OID would read as its prefix, which may be another
 * template's. The text read is encoded again and compared with the bytes the
 * input holds. 1 when they are the same. */
static int oid_whole(asn1_node n, const uint8_t *value, size_t len, const char *oid)
{
	struct der d;
	uint8_t *enc = NULL;
	size_t start, end, elen = 0;
	int same;

	if (asn1_der_slice(n, value, len, "templateID", &start, &end) != 0)
		return 0;
	der_init(&d);
	der_oid(&d, oid);
	if (der_finish(&d, &enc, &elen) != 0)
		return 0;
	same = elen == end - start && memcmp(enc, value + start, elen) == 0;
	free(enc);
	return same;
}

int policy_read_template_ext_v2(const uint8_t *value, size_t len, struct policy_request *req,
				char *err, size_t errlen)
{
	asn1_node n = NULL;
	char oid[TEMPLATE_OID_MAX + 1], msg[128];
	int oid_len = sizeof(oid), minor_len = 0;
	unsigned major, minor = 0;
	int has_minor;

	if (value == NULL || len == 0)
		return err_set(err, errlen, "certificate template extension: empty");
	if (asn1_decode("PKIX.CertificateTemplate", value, len, &n, msg, sizeof(msg)) != 0)
		return err_set(err, errlen, "certificate template extension: %s", msg);
	if (asn1_read_value(n, "templateID", oid, &oid_len) != ASN1_SUCCESS ||
	    !x509_oid_valid(oid) || !oid_whole(n, value, len, oid)) {
		asn1_delete_structure(&n);
		return err_set(err, errlen, "certificate template extension: the template's "
					    "OID is not one the CA can hold (at most %d bytes)",
			       TEMPLATE_OID_MAX);
	}
	/* the optional minor version: absent is ASN1_ELEMENT_NOT_FOUND */
	has_minor = asn1_read_value(n, "templateMinorVersion", NULL, &minor_len) !=
		    ASN1_ELEMENT_NOT_FOUND;
	if (read_u32(n, "templateMajorVersion", &major) != 0 ||
	    (has_minor && read_u32(n, "templateMinorVersion", &minor) != 0)) {
		asn1_delete_structure(&n);
		return err_set(err, errlen, "certificate template extension: a version is not "
					    "a DER INTEGER of 0 to 4294967295");
	}
	asn1_delete_structure(&n);
	req->has_ext_v2 = 1;
	memcpy(req->ext_oid, oid, sizeof(req->ext_oid));
	req->ext_major = major;
	req->ext_minor = minor;
	req->ext_has_minor = has_minor;
	return 0;
}

/* UTF-16BE code units (len bytes) to UTF-8 in out (cap bytes with the NUL): no
 * unpaired surrogate, no control character, no NUL. 0 or -1. */
static int utf16be_to_utf8(const uint8_t *u, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	if (len % 2 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		uint32_t cp = (uint32_t)u[i] << 8 | u[i + 1];
		uint8_t b[4];
		size_t k;

		if (cp >= 0xd800 && cp <= 0xdbff) {
			uint32_t lo;

			if (i + 3 >= len)
				return -1;
			lo = (uint32_t)u[i + 2] << 8 | u[i + 3];
			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return -1;
		k = utf8_put(cp, b); /* 0 for a lone low surrogate */
		if (k == 0 || o + k >= cap)
			return -1;
		memcpy(out + o, b, k);
		o += k;
	}
	out[o] = 0;
	return 0;
}

int policy_read_template_ext_v1(const uint8_t *value, size_t len, struct policy_request *req,
				char *err, size_t errlen)
{
	asn1_node n = NULL;
	uint8_t *u = NULL;
	char name[TEMPLATE_NAME_MAX + 1], msg[128];
	int ulen = 0, rc;

	if (value == NULL || len == 0)
		return err_set(err, errlen, "certificate type extension: empty");
	if (asn1_decode("PKIX.CertificateTemplateName", value, len, &n, msg, sizeof(msg)) != 0)
		return err_set(err, errlen, "certificate type extension: %s", msg);
	rc = asn1_read_alloc(n, "", &u, &ulen);
	asn1_delete_structure(&n);
	if (rc != 0 || ulen <= 0) {
		free(u);
		return err_set(err, errlen, "certificate type extension: no template name");
	}
	/* A name longer than any template's is refused rather than cut: a cut
	 * name could be another template's. */
	rc = utf16be_to_utf8(u, (size_t)ulen, name, sizeof(name));
	free(u);
	if (rc != 0)
		return err_set(err, errlen, "certificate type extension: the name is not 1 to "
					    "%d bytes of text (UTF-16 without control characters)",
			       TEMPLATE_NAME_MAX);
	req->has_ext_v1 = 1;
	memcpy(req->ext_name, name, sizeof(req->ext_name));
	return 0;
}
