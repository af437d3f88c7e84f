/* Small helpers shared by the x509 files: buffers, errors, OID syntax and typed
 * reads over libtasn1 that check every length. */
#include "firmware/x509/x509_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void x509_buf_free(struct x509_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

int x509i_buf_set(struct x509_buf *b, const uint8_t *d, size_t len)
{
	b->data = malloc(len ? len : 1);
	b->len = 0;
	if (b->data == NULL)
		return -1;
	if (len)
		memcpy(b->data, d, len);
	b->len = len;
	return 0;
}

/* One arc: decimal digits, no leading zero, at most 4294967295 so that every
 * encoder (libtasn1 included) handles it. */
static int oid_arc(const char **p, unsigned long *val)
{
	const char *s = *p;
	unsigned long v = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return -1;
	while (isdigit((unsigned char)*s)) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 0xffffffffUL)
			return -1;
		s++;
	}
	*p = s;
	*val = v;
	return 0;
}

int x509i_oid_valid(const char *s)
{
	unsigned long first = 0, arc = 0;
	size_t arcs = 0;

	if (s == NULL || strlen(s) >= X509I_OID_MAX)
		return 0;
	for (;;) {
		if (oid_arc(&s, &arc) != 0)
			return 0;
		if (arcs == 0)
			first = arc;
		else if (arcs == 1 && first < 2 && arc >= 40)
			return 0;
		arcs++;
		if (*s == 0)
			break;
		if (*s != '.')
			return 0;
		s++;
	}
	return arcs >= 2 && first <= 2;
}

int x509i_read_str(asn1_node node, const char *name, char *buf, size_t bufsz)
{
	int len;

	if (bufsz < 2 || bufsz > INT_MAX)
		return -1;
	len = (int)bufsz - 1;
	if (asn1_read_value(node, name, buf, &len) != ASN1_SUCCESS)
		return -1;
	if (len < 0 || (size_t)len >= bufsz)
		return -1;
	buf[len] = 0;
	/* Strings read this way are never expected to hold a NUL. */
	if (strlen(buf) != (size_t)len && !(len > 0 && buf[len - 1] == 0))
		return -1;
	return 0;
}

int x509i_read_bool(asn1_node node, const char *name, int *out)
{
	char v[8];
	int len = sizeof v - 1, rc;

	rc = asn1_read_value(node, name, v, &len);
	/* A decoded DEFAULT FALSE that was absent (as DER requires) has no
	 * value node; libtasn1 does not synthesise the default. */
	if (rc == ASN1_ELEMENT_NOT_FOUND || rc == ASN1_VALUE_NOT_FOUND) {
		*out = 0;
		return 0;
	}
	if (rc != ASN1_SUCCESS || len < 0 || len >= (int)sizeof v)
		return -1;
	v[len] = 0;
	if (strcmp(v, "TRUE") == 0)
		*out = 1;
	else if (strcmp(v, "FALSE") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

int x509i_read_u64(asn1_node node, const char *name, int minimal, uint64_t *out)
{
	uint8_t b[10];
	int len = sizeof b;

	if (asn1_read_value(node, name, b, &len) != ASN1_SUCCESS || len < 1 || len > 9 ||
	    (b[0] & 0x80) || (len == 9 && b[0] != 0) ||
	    (minimal && len > 1 && b[0] == 0 && !(b[1] & 0x80)))
		return -1;
	*out = 0;
	for (int k = 0; k < len; k++)
		*out = (*out << 8) | b[k];
	return 0;
}

int x509i_read_uint(asn1_node node, const char *name, int *out)
{
	uint8_t v[8];
	int len = sizeof v;
	unsigned long val = 0;

	if (asn1_read_value(node, name, v, &len) != ASN1_SUCCESS)
		return -1;
	if (len < 1 || len > 5 || (v[0] & 0x80))
		return -1;
	for (int i = 0; i < len; i++)
		val = (val << 8) | v[i];
	if (val > INT_MAX)
		return -1;
	*out = (int)val;
	return 0;
}

int x509i_read_octet_bits(asn1_node node, const char *name, struct x509_buf *out)
{
	uint8_t *v = NULL;
	int bits = 0;

	out->data = NULL;
	out->len = 0;
	if (asn1_read_alloc(node, name, &v, &bits) != 0)
		return -1;
	if (bits <= 0 || bits % 8 != 0) {
		free(v);
		return -1;
	}
	out->data = v;
	out->len = (size_t)bits / 8;
	return 0;
}

int x509i_slice_copy(asn1_node node, const uint8_t *der, size_t len, const char *name,
		     struct x509_buf *out)
{
	size_t s, e;

	out->data = NULL;
	out->len = 0;
	if (asn1_der_slice(node, der, len, name, &s, &e) != 0)
		return -1;
	return x509i_buf_set(out, der + s, e - s);
}

int x509i_copy_der(asn1_node node, const char *field, const char *type,
		   const struct x509_buf *der, const char *what, char *err, size_t errlen)
{
	asn1_node tmp = NULL;
	uint8_t *re = NULL;
	size_t re_len = 0;
	int ok;

	if (der == NULL || der->data == NULL || der->len == 0) {
		err_set(err, errlen, "%s: missing", what);
		return -1;
	}
	if (asn1_decode(type, der->data, der->len, &tmp, NULL, 0) != 0) {
		err_set(err, errlen, "%s: not a DER %s", what, type);
		return -1;
	}
	/* asn1_copy_node re-encodes; refusing input that would not come back
	 * byte for byte keeps e.g. an issuer identical to the CA's subject. */
	ok = asn1_encode(tmp, "", &re, &re_len, NULL, 0) == 0 && re_len == der->len &&
	     memcmp(re, der->data, re_len) == 0;
	free(re);
	if (!ok) {
		asn1_delete_structure(&tmp);
		err_set(err, errlen, "%s: not in canonical DER", what);
		return -1;
	}
	ok = asn1_copy_node(node, field, tmp, "") == ASN1_SUCCESS;
	asn1_delete_structure(&tmp);
	if (!ok) {
		err_set(err, errlen, "%s: cannot be copied into the structure", what);
		return -1;
	}
	return 0;
}

/* RFC 5280 4.1.2.2 (certificates) and 5.1.2.6 (CRL entries): positive, at most
 * 20 octets, minimal encoding, and not zero. */
int x509i_check_serial(const uint8_t *serial, size_t len, const char *field, char *err,
		       size_t errlen)
{
	int nonzero = 0;

	if (len < 1 || len > 20) {
		err_set(err, errlen, "%s: length must be 1..20", field);
		return -1;
	}
	if (serial[0] & 0x80) {
		err_set(err, errlen, "%s: must be positive (first byte < 0x80)", field);
		return -1;
	}
	if (len > 1 && serial[0] == 0 && !(serial[1] & 0x80)) {
		err_set(err, errlen, "%s: redundant leading zero byte", field);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		nonzero |= serial[i];
	if (!nonzero) {
		err_set(err, errlen, "%s: must not be zero", field);
		return -1;
	}
	return 0;
}
