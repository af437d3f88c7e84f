/* PEM (RFC 7468) around wolfSSL's Base64 coder. The decoder takes every block
 * with the wanted label from a text that may hold several blocks, other
 * labels, explanatory text and CRLF line ends. */
#include "firmware/x509/x509_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/wolfcrypt/coding.h>

#define PEM_MAX_TEXT (16u << 20)
#define PEM_MAX_LABEL 64
#define PEM_MAX_BLOCKS 256

int x509_pem_encode(const char *label, const uint8_t *der, size_t len, struct x509_buf *out)
{
	size_t lab = label ? strnlen(label, PEM_MAX_LABEL + 1) : 0;
	size_t b64 = (len + 2) / 3 * 4, room = b64 + b64 / 64 + 2;
	size_t total = room + 2 * lab + 40;
	word32 blen = (word32)room;
	char *p;
	int n;

	out->data = NULL;
	out->len = 0;
	if (lab == 0 || lab > PEM_MAX_LABEL || der == NULL || len == 0 || len > X509I_MAX_DER)
		return -1;
	p = malloc(total);
	if (p == NULL)
		return -1;
	n = snprintf(p, total, "-----BEGIN %s-----\n", label);
	/* Base64_Encode writes 64-character lines, each ended by '\n'. */
	if (Base64_Encode(der, (word32)len, (byte *)p + n, &blen) != 0) {
		free(p);
		return -1;
	}
	n += (int)blen;
	n += snprintf(p + n, total - (size_t)n, "-----END %s-----\n", label);
	out->data = (uint8_t *)p;
	out->len = (size_t)n;
	return 0;
}

static const char *find(const char *h, size_t hlen, const char *needle)
{
	return memmem(h, hlen, needle, strlen(needle));
}

/* Base64 body without whitespace; headers (e.g. encrypted PEM) are refused. */
static int clean_body(const char *s, size_t len, char **out, size_t *olen)
{
	char *b = malloc(len + 1);
	size_t n = 0, pad = 0;

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '+' || c == '/';
		if (c == '=')
			pad++;
		else if (!alpha || pad > 0)
			goto bad; /* not Base64, or data after padding */
		b[n++] = c;
	}
	if (n == 0 || n % 4 != 0 || pad > 2)
		goto bad;
	b[n] = 0;
	*out = b;
	*olen = n;
	return 0;
bad:
	free(b);
	return -1;
}

static int decode_block(const char *s, size_t len, struct x509_buf *der)
{
	char *b64 = NULL;
	size_t n = 0;
	word32 dlen;

	if (clean_body(s, len, &b64, &n) != 0)
		return -1;
	dlen = (word32)(n / 4 * 3);
	der->data = malloc(dlen ? dlen : 1);
	if (der->data == NULL || Base64_Decode((const byte *)b64, (word32)n, der->data, &dlen) != 0 ||
	    dlen == 0) {
		free(b64);
		x509_buf_free(der);
		return -1;
	}
	free(b64);
	der->len = dlen;
	return 0;
}

/* Appends a block to a growing array. */
static int push(struct x509_buf **arr, size_t *n, struct x509_buf *b)
{
	struct x509_buf *na;

	if (*n == PEM_MAX_BLOCKS)
		return -1;
	na = realloc(*arr, (*n + 1) * sizeof *na);
	if (na == NULL)
		return -1;
	*arr = na;
	na[(*n)++] = *b;
	return 0;
}

static void free_all(struct x509_buf *arr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x509_buf_free(&arr[i]);
	free(arr);
}

/* Finds the next BEGIN line of label (or its "NEW " alias, as Windows writes
 * requests) at or after t; sets *body and the END marker to expect. */
static const char *next_begin(const char *t, size_t len, const char *label, const char **body,
			      char *end, size_t endsz)
{
	char begin[PEM_MAX_LABEL + 24], alt[PEM_MAX_LABEL + 32];
	const char *a, *b;

	snprintf(begin, sizeof begin, "-----BEGIN %s-----", label);
	snprintf(alt, sizeof alt, "-----BEGIN NEW %s-----", label);
	a = find(t, len, begin);
	b = strcmp(label, "CERTIFICATE REQUEST") == 0 ? find(t, len, alt) : NULL;
	if (b != NULL && (a == NULL || b < a)) {
		snprintf(end, endsz, "-----END NEW %s-----", label);
		*body = b + strlen(alt);
		return b;
	}
	if (a == NULL)
		return NULL;
	snprintf(end, endsz, "-----END %s-----", label);
	*body = a + strlen(begin);
	return a;
}

int x509_pem_decode_all(const char *label, const uint8_t *text, size_t len,
			struct x509_buf **out, size_t *n)
{
	const char *t = (const char *)text, *stop = t + len;
	char end[PEM_MAX_LABEL + 32];
	struct x509_buf b;

	*out = NULL;
	*n = 0;
	if (label == NULL || strnlen(label, PEM_MAX_LABEL + 1) > PEM_MAX_LABEL || text == NULL ||
	    len == 0 || len > PEM_MAX_TEXT)
		return -1;
	/* DER given where PEM was expected: one buffer as is. */
	if (text[0] == 0x30) {
		if (x509i_buf_set(&b, text, len) != 0 || push(out, n, &b) != 0) {
			x509_buf_free(&b);
			return -1;
		}
		return 0;
	}
	for (;;) {
		const char *body, *e;
		if (next_begin(t, (size_t)(stop - t), label, &body, end, sizeof end) == NULL)
			break;
		e = find(body, (size_t)(stop - body), end);
		if (e == NULL || decode_block(body, (size_t)(e - body), &b) != 0)
			goto fail;
		if (push(out, n, &b) != 0) {
			x509_buf_free(&b);
			goto fail;
		}
		t = e + strlen(end);
	}
	return *n > 0 ? 0 : -1;
fail:
	free_all(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}
