/* What careq says about the CA's answer, and its exit status (client.h). The
 * answer comes from the network: the disposition message is converted strictly
 * and stripped of control characters before it reaches a terminal, and an issued
 * certificate is decoded before it is written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/client/client.h"
#include "firmware/icpr/icpr.h"
#include "platform/atomicfile.h"

/* Issue 16's answers to CMS requests (renewal, enroll on behalf of), as
 * /work/notes/issue16-spec.md fixes them; defined here unless
 * firmware/icpr/hresult.h (the custodian's side) already names them. */
#ifndef HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE
#define HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE 0x8009400eu
#endif
#ifndef HR_CERTSRV_E_BAD_RENEWAL_SUBJECT
#define HR_CERTSRV_E_BAD_RENEWAL_SUBJECT 0x80094806u
#endif
#ifndef HR_CERTSRV_E_SIGNATURE_POLICY_REQUIRED
#define HR_CERTSRV_E_SIGNATURE_POLICY_REQUIRED 0x80094809u
#endif
#ifndef HR_CERTSRV_E_SIGNATURE_COUNT
#define HR_CERTSRV_E_SIGNATURE_COUNT 0x8009480au
#endif
#ifndef HR_CRYPT_E_REVOKED
#define HR_CRYPT_E_REVOKED 0x80092010u
#endif
#ifndef HR_CERT_E_EXPIRED
#define HR_CERT_E_EXPIRED 0x800b0101u
#endif
#ifndef HR_CERT_E_UNTRUSTEDROOT
#define HR_CERT_E_UNTRUSTEDROOT 0x800b0109u
#endif

static const struct {
	uint32_t hr;
	const char *name;
} hresults[] = {
	{HR_E_FAIL, "E_FAIL"},
	{HR_E_UNEXPECTED, "E_UNEXPECTED"},
	{HR_E_ACCESSDENIED, "E_ACCESSDENIED"},
	{HR_E_OUTOFMEMORY, "E_OUTOFMEMORY"},
	{HR_DISK_FULL, "ERROR_DISK_FULL"},
	{HR_E_INVALIDARG, "E_INVALIDARG"},
	{HR_ERROR_INVALID_DATA, "ERROR_INVALID_DATA"},
	{HR_NTE_BAD_SIGNATURE, "NTE_BAD_SIGNATURE"},
	{HR_CRYPT_E_INVALID_MSG_TYPE, "CRYPT_E_INVALID_MSG_TYPE"},
	{HR_CERTSRV_E_BAD_REQUESTSUBJECT, "CERTSRV_E_BAD_REQUESTSUBJECT"},
	{HR_CERTSRV_E_PROPERTY_EMPTY, "CERTSRV_E_PROPERTY_EMPTY"},
	{HR_CERTSRV_E_ENROLL_DENIED, "CERTSRV_E_ENROLL_DENIED"},
	{HR_CERTSRV_E_TEMPLATE_DENIED, "CERTSRV_E_TEMPLATE_DENIED"},
	{HR_CERTSRV_E_ADMIN_DENIED_REQUEST, "CERTSRV_E_ADMIN_DENIED_REQUEST"},
	{HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE, "CERTSRV_E_UNSUPPORTED_CERT_TYPE"},
	{HR_CERTSRV_E_NO_CERT_TYPE, "CERTSRV_E_NO_CERT_TYPE"},
	{HR_CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED, "CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED"},
	{HR_CERTSRV_E_BAD_TEMPLATE_VERSION, "CERTSRV_E_BAD_TEMPLATE_VERSION"},
	{HR_CERTSRV_E_KEY_LENGTH, "CERTSRV_E_KEY_LENGTH"},
	{HR_CERT_E_WRONG_USAGE, "CERT_E_WRONG_USAGE"},
	{HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE, "CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE"},
	{HR_CERTSRV_E_BAD_RENEWAL_SUBJECT, "CERTSRV_E_BAD_RENEWAL_SUBJECT"},
	{HR_CERTSRV_E_SIGNATURE_POLICY_REQUIRED, "CERTSRV_E_SIGNATURE_POLICY_REQUIRED"},
	{HR_CERTSRV_E_SIGNATURE_COUNT, "CERTSRV_E_SIGNATURE_COUNT"},
	{HR_CRYPT_E_REVOKED, "CRYPT_E_REVOKED"},
	{HR_CERT_E_EXPIRED, "CERT_E_EXPIRED"},
	{HR_CERT_E_UNTRUSTEDROOT, "CERT_E_UNTRUSTEDROOT"},
};

const char *hresult_name(uint32_t hr)
{
	for (size_t i = 0; i < sizeof(hresults) / sizeof(hresults[0]); i++)
		if (hresults[i].hr == hr)
			return hresults[i].name;
	return NULL;
}

void hresult_text(uint32_t hr, char *out, size_t len)
{
	const char *name = hresult_name(hr);

	if (name != NULL)
		snprintf(out, len, "0x%08x (%s)", hr, name);
	else
		snprintf(out, len, "0x%08x", hr);
}

const char *report_status_hint(uint32_t hr)
{
	switch (hr) {
	case HR_E_INVALIDARG:
		return ": the CA name is not this CA's, or the request or attributes are malformed";
	case HR_E_ACCESSDENIED:
		return ": the CA refuses calls without packet privacy (unauthenticated enrollment "
		       "is disabled there)";
	case HR_DISK_FULL:
		return ": the CA's journal is short of disk space and takes no new requests "
		       "until an operator frees some; nothing was recorded, try again later";
	default:
		return "";
	}
}

/* Control characters become '?': C0 and DEL, and the C1 controls U+0080..U+009F
 * (UTF-8 C2 80..C2 9F; U+009B is a CSI to terminals that honour C1), so that the
 * text of a server, which may be an impostor, cannot drive the user's terminal.
 * A C1 control's two octets become one '?'. */
static void sanitize(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f) {
			*out++ = '?';
			s++;
		} else {
			*out++ = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
	}
	*out = '\0';
}

char *report_message_text(const struct rpc_icpr_blob *b)
{
	size_t units = b->cb / 2, cap;
	char *out;

	if (b->pb != NULL && icpr_utf16_len(b->pb, b->cb & ~(size_t)1, &units) != ICPR_OK)
		units = b->cb / 2; /* not terminated: take it all */
	if (units > REPORT_MESSAGE_MAX_UNITS)
		units = REPORT_MESSAGE_MAX_UNITS;
	cap = units * 3 + 1; /* a unit is at most 3 octets of UTF-8 (a pair is 4 for 2) */
	if ((out = malloc(cap)) == NULL)
		return NULL;
	if (units == 0 || b->pb == NULL)
		out[0] = '\0';
	else if (icpr_utf16_to_utf8(b->pb, units * 2, out, cap, NULL) != ICPR_OK)
		snprintf(out, cap, "%s", cap > 24 ? "(unreadable message)" : "?");
	sanitize(out);
	return out;
}

static int write_cert(const struct rpc_icpr_blob *b, const char *certout, FILE *err)
{
	struct x509_cert_info ci;
	struct x509_buf pem = {0};
	char why[CLIENT_ERR_LEN];

	if (b->cb == 0) {
		fprintf(err, "careq: the CA says issued but sent no certificate\n");
		return CAREQ_EXIT_NET;
	}
	if (x509_cert_decode(b->pb, b->cb, &ci, why, sizeof(why)) != 0) {
		fprintf(err, "careq: the issued certificate does not decode: %s\n", why);
		return CAREQ_EXIT_NET;
	}
	x509_cert_info_free(&ci);
	if (x509_pem_encode("CERTIFICATE", b->pb, b->cb, &pem) != 0 ||
	    atomicfile_write(certout, pem.data, pem.len, 0644) != 0) {
		fprintf(err, "careq: cannot write %s: %s\n", certout,
			pem.data ? strerror(errno) : "PEM encoding failed");
		x509_buf_free(&pem);
		return CAREQ_EXIT_LOCAL;
	}
	x509_buf_free(&pem);
	return CAREQ_EXIT_OK;
}

static int say_disposition(const struct rpc_icpr_response *r, const char *msg,
			   const char *certout, FILE *out, FILE *err)
{
	const char *name;
	char hr[64];
	int rc;

	switch (r->disposition) {
	case ICPR_DISP_ISSUED:
		if ((rc = write_cert(&r->encoded_cert, certout, err)) == CAREQ_EXIT_OK)
			fprintf(out, "issued: request id %u\n", r->request_id);
		return rc;
	case ICPR_DISP_UNDER_SUBMISSION:
		fprintf(out, "pending: request id %u (%s)\n", r->request_id,
			*msg ? msg : "Taken Under Submission");
		return CAREQ_EXIT_PENDING;
	case ICPR_DISP_DENIED:
		fprintf(out, "denied: request id %u: disposition 2 (denied): %s\n", r->request_id,
			msg);
		return CAREQ_EXIT_CA;
	case ICPR_DISP_REVOKED:
		fprintf(out, "revoked: request id %u: %s\n", r->request_id, msg);
		return CAREQ_EXIT_CA;
	case ICPR_DISP_INCOMPLETE:
	case ICPR_DISP_ERROR:
	case ICPR_DISP_ISSUED_OUT_OF_BAND:
		fprintf(out, "failed: request id %u: disposition %u: %s\n", r->request_id,
			r->disposition, msg);
		return CAREQ_EXIT_CA;
	}
	if (!(r->disposition & 0x80000000u)) {
		fprintf(err, "careq: unknown disposition %u\n", r->disposition);
		return CAREQ_EXIT_NET;
	}
	/* A failure: the HRESULT in pdwDisposition (the request is still recorded). */
	name = hresult_name(r->disposition);
	hresult_text(r->disposition, hr, sizeof(hr));
	fprintf(out, "%s: request id %u: %s: %s\n",
		name != NULL && strstr(name, "DENIED") != NULL ? "denied" : "failed", r->request_id,
		hr, msg);
	return CAREQ_EXIT_CA;
}

/* A retrieval answers for the id asked; a new request that is issued or pending
 * must have been given an id. */
static int id_ok(const struct rpc_icpr_response *r, uint32_t expect_id)
{
	if (expect_id != 0)
		return r->request_id == expect_id;
	return r->request_id != 0 || (r->disposition != ICPR_DISP_ISSUED &&
				      r->disposition != ICPR_DISP_UNDER_SUBMISSION);
}

int report_outcome(const struct rpc_icpr_response *r, uint32_t expect_id, const char *certout,
		   FILE *out, FILE *err)
{
	char hr[64], *msg;
	int rc;

	if (r->status != 0) {
		hresult_text(r->status, hr, sizeof(hr));
		fprintf(err, "careq: the CA refused the call: %s%s\n", hr,
			report_status_hint(r->status));
		return CAREQ_EXIT_CA;
	}
	if (!id_ok(r, expect_id)) {
		fprintf(err, "careq: the CA answered for request id %u\n", r->request_id);
		return CAREQ_EXIT_NET;
	}
	if ((msg = report_message_text(&r->disposition_message)) == NULL) {
		fprintf(err, "careq: out of memory\n");
		return CAREQ_EXIT_LOCAL;
	}
	rc = say_disposition(r, msg, certout, out, err);
	free(msg);
	fflush(out);
	return rc;
}
