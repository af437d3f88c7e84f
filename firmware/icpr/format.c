/* Request format detection by parsing (MS-WCCE: clients send dwFlags 0 for
 * every format). Text input (PEM or bare base64) is decoded to DER first: it is
 * what ICertRequest::Submit's CR_IN_BASE64* formats would have sent, and
 * accepting it costs nothing.
 *
 * Structure is decoded with libtasn1 and the PKIX module (CMS section), always
 * under strict DER rules; input that fails them is converted from BER (ber.c)
 * and tried once more, so that a request from a streaming CMS encoder
 * (indefinite lengths) is still classified, with was_ber telling the caller. */
#include "firmware/icpr/icpr_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/asn1/asn1.h"

#define OID_SIGNED_DATA "1.2.840.113549.1.7.2"
#define OID_PKI_DATA "1.3.6.1.5.5.7.12.2"

/* ---- dwFlags ---- */

uint32_t icpr_flags_check(uint32_t flags, int detected, char *msg, size_t msglen)
{
	static const struct {
		uint32_t type;
		int format;
		const char *name;
	} types[] = {
		{ICPR_CR_IN_PKCS10, ICPR_FMT_PKCS10, "PKCS#10"},
		{ICPR_CR_IN_KEYGEN, -1, "KEYGEN"},
		{ICPR_CR_IN_PKCS7, ICPR_FMT_CMS, "PKCS#7 (CMS)"},
		{ICPR_CR_IN_CMC, ICPR_FMT_CMC, "CMC"},
	};
	uint32_t type = flags & ICPR_CR_IN_TYPE_MASK;

	if (flags & ICPR_CR_IN_ROBO) {
		snprintf(msg, msglen, "renewal on behalf of another (CR_IN_ROBO) is not supported");
		return HR_E_INVALIDARG;
	}
	if (type == ICPR_CR_IN_FORMATANY)
		return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type) {
			if (types[i].format == detected)
				return 0;
			snprintf(msg, msglen, "dwFlags names a %s request, and the request is not "
				 "one", types[i].name);
			return HR_CRYPT_E_INVALID_MSG_TYPE;
		}
	snprintf(msg, msglen, "dwFlags names an unknown request type 0x%x", type >> 8);
	return HR_CRYPT_E_INVALID_MSG_TYPE;
}

/* ---- base64 and PEM ---- */

static int b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Strict base64 (RFC 4648 alphabet, '=' padding only at the end, whole quanta)
 * with whitespace anywhere ignored, into a malloc()ed buffer. */
static int b64_decode(const uint8_t *s, size_t len, struct x509_buf *out)
{
	uint32_t acc = 0;
	size_t nq = 0, pad = 0, o = 0;
	uint8_t *buf = malloc(len / 4 * 3 + 3);

	out->data = NULL;
	out->len = 0;
	if (buf == NULL)
		return ICPR_ENOMEM;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(s[i]);

		if (is_space(s[i]))
			continue;
		if (s[i] == '=') {
			pad++;
			v = 0;
		} else if (v < 0 || pad > 0) {
			goto bad; /* not base64, or data after padding */
		}
		acc = (acc << 6) | (uint32_t)v;
		if (++nq % 4 == 0) {
			buf[o++] = (uint8_t)(acc >> 16);
			buf[o++] = (uint8_t)(acc >> 8);
			buf[o++] = (uint8_t)acc;
			acc = 0;
		}
	}
	if (nq == 0 || nq % 4 != 0 || pad > 2 || o == pad)
		goto bad;
	out->data = buf;
	out->len = o - pad;
	return ICPR_OK;
bad:
	free(buf);
	return ICPR_EFORMAT;
}

static const char *const pem_labels[] = {
	"NEW CERTIFICATE REQUEST", "CERTIFICATE REQUEST", "PKCS7", "CMS",
};

static const uint8_t *find(const uint8_t *h, size_t hlen, const char *needle)
{
	return memmem(h, hlen, needle, strlen(needle));
}

/* The one PEM block of t: its label must be one of pem_labels, its END line must
 * match, and no second BEGIN may follow (which block would be the request?). */
static int pem_decode(const uint8_t *t, size_t len, struct x509_buf *out)
{
	static const char begin[] = "-----BEGIN ";
	const uint8_t *stop = t + len, *b = find(t, len, begin), *body, *e;
	char end[64];

	if (b == NULL)
		return ICPR_EFORMAT;
	b += strlen(begin);
	for (size_t i = 0; i < sizeof pem_labels / sizeof pem_labels[0]; i++) {
		size_t l = strlen(pem_labels[i]);

		if ((size_t)(stop - b) < l + 5 || memcmp(b, pem_labels[i], l) != 0 ||
		    memcmp(b + l, "-----", 5) != 0)
			continue;
		body = b + l + 5;
		snprintf(end, sizeof end, "-----END %s-----", pem_labels[i]);
		e = find(body, (size_t)(stop - body), end);
		if (e == NULL)
			return ICPR_EFORMAT;
		if (find(e, (size_t)(stop - e), begin) != NULL)
			return ICPR_EFORMAT;
		return b64_decode(body, (size_t)(e - body), out);
	}
	return ICPR_EFORMAT;
}

/* Text to DER: trailing NUL bytes (a C string sent with its terminator) are
 * dropped; anything that is not printable ASCII or whitespace is not text. */
static int text_decode(const uint8_t *t, size_t len, struct x509_buf *out)
{
	while (len > 0 && t[len - 1] == 0)
		len--;
	for (size_t i = 0; i < len; i++)
		if (!is_space(t[i]) && (t[i] < 0x20 || t[i] >= 0x7f))
			return ICPR_EFORMAT;
	if (find(t, len, "-----BEGIN ") != NULL)
		return pem_decode(t, len, out);
	return b64_decode(t, len, out);
}

/* ---- classification ---- */

/* 1 if the named element was present in the input (libtasn1 does not insist on
 * mandatory components everywhere: "30 00" decodes as any SEQUENCE type). */
static int present(asn1_node n, const struct x509_buf *der, const char *name)
{
	size_t s, e;

	return asn1_der_slice(n, der->data, der->len, name, &s, &e) == 0;
}

static int read_oid(asn1_node n, const char *name, char *buf, size_t bufsz)
{
	int len = (int)bufsz;

	if (asn1_read_value(n, name, buf, &len) != ASN1_SUCCESS || len <= 0 ||
	    (size_t)len >= bufsz)
		return -1;
	buf[len] = 0;
	return 0;
}

/* A CertificationRequest with the fields that make one (x509_csr_shape, whose
 * measures the limit check reads: one decode for both). */
static int is_pkcs10(const struct x509_buf *der, struct icpr_request *r)
{
	return x509_csr_shape(der->data, der->len, &r->shape, NULL, 0) == 0;
}

/* A ContentInfo signedData: its eContentType into r->content_type. */
static int is_signed_data(const struct x509_buf *der, struct icpr_request *r)
{
	static const char *const need[] = {
		"content.version", "content.digestAlgorithms", "content.encapContentInfo",
		"content.signerInfos",
	};
	char oid[128];
	asn1_node n;
	int ok;

	if (asn1_decode("PKIX.SignedContentInfo", der->data, der->len, &n, NULL, 0) != 0)
		return 0;
	ok = read_oid(n, "contentType", oid, sizeof oid) == 0 &&
	     strcmp(oid, OID_SIGNED_DATA) == 0 &&
	     read_oid(n, "content.encapContentInfo.eContentType", r->content_type,
		      sizeof r->content_type) == 0;
	for (size_t i = 0; ok && i < sizeof need / sizeof need[0]; i++)
		ok = present(n, der, need[i]);
	asn1_delete_structure(&n);
	if (!ok)
		r->content_type[0] = 0;
	return ok;
}

static enum icpr_format classify(const struct x509_buf *der, struct icpr_request *r)
{
	if (is_pkcs10(der, r))
		return ICPR_FMT_PKCS10;
	if (is_signed_data(der, r))
		return strcmp(r->content_type, OID_PKI_DATA) == 0 ? ICPR_FMT_CMC : ICPR_FMT_CMS;
	return ICPR_FMT_UNKNOWN;
}

/* Not DER as it stands: converted from BER, then classified again. */
static enum icpr_format classify_ber(struct icpr_request *r)
{
	struct x509_buf conv;
	enum icpr_format f;

	if (icpri_ber_to_der(r->der.data, r->der.len, &conv) != ICPR_OK)
		return ICPR_FMT_UNKNOWN;
	if (conv.len == r->der.len && memcmp(conv.data, r->der.data, conv.len) == 0) {
		x509_buf_free(&conv); /* already DER framing: nothing new to try */
		return ICPR_FMT_UNKNOWN;
	}
	f = classify(&conv, r);
	if (f == ICPR_FMT_UNKNOWN) {
		x509_buf_free(&conv);
		return f;
	}
	x509_buf_free(&r->der);
	r->der = conv;
	r->was_ber = 1;
	return f;
}

void icpr_request_free(struct icpr_request *r)
{
	if (r == NULL)
		return;
	x509_buf_free(&r->der);
	memset(r, 0, sizeof *r);
}

int icpr_request_detect(const uint8_t *blob, size_t len, struct icpr_request *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (blob == NULL || len == 0)
		return ICPR_EINVAL;
	if (len > ICPR_REQUEST_MAX)
		return ICPR_ETOOLONG;
	if (blob[0] == 0x30) {
		out->der.data = malloc(len);
		if (out->der.data == NULL)
			return ICPR_ENOMEM;
		memcpy(out->der.data, blob, len);
		out->der.len = len;
	} else {
		if ((rc = text_decode(blob, len, &out->der)) != ICPR_OK)
			return rc;
		out->was_text = 1;
	}
	if (out->der.data[0] == 0x30) {
		out->format = classify(&out->der, out);
		if (out->format == ICPR_FMT_UNKNOWN)
			out->format = classify_ber(out);
	}
	if (out->format == ICPR_FMT_UNKNOWN) {
		icpr_request_free(out);
		return ICPR_EFORMAT;
	}
	return ICPR_OK;
}
