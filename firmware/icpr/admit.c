/* The shape and limit checks every request passes before anything costly is
 * done with it (icpr.h: icpr_request_admit). One function, so that the worker's
 * fail-fast refusal and the custodian's own check cannot disagree about what a
 * limit means. */
#include "firmware/icpr/icpr_int.h"

#include <stdio.h>
#include <string.h>

/* The PKCS#10 parts, measured when it was detected, against the limits: 0 or an
 * HRESULT with msg. */
static uint32_t pkcs10_limits(const struct icpr_request *rq, const struct icpr_limits *l,
			      char *msg, size_t msglen)
{
	const struct x509_csr_shape *s = &rq->shape;

	if (s->subject_len > l->subject) {
		snprintf(msg, msglen, "the request's subject is %zu bytes; at most %zu are accepted",
			 s->subject_len, l->subject);
		return HR_CERTSRV_E_BAD_REQUESTSUBJECT;
	}
	if (s->spki_len > l->spki) {
		snprintf(msg, msglen, "the request's public key is %zu bytes; at most %zu are "
			 "accepted", s->spki_len, l->spki);
		return HR_CERTSRV_E_KEY_LENGTH;
	}
	if (s->ext_unreadable) {
		snprintf(msg, msglen, "the request's extensionRequest is not a list of extensions");
		return HR_E_INVALIDARG;
	}
	if (s->n_ext > l->n_ext || s->ext_len > l->ext_bytes) {
		snprintf(msg, msglen, "the request asks for %zu extensions (%zu bytes); at most %zu "
			 "(%zu bytes) are accepted", s->n_ext, s->ext_len, l->n_ext, l->ext_bytes);
		return HR_E_INVALIDARG;
	}
	return 0;
}

uint32_t icpr_request_admit(const uint8_t *blob, size_t len, const struct icpr_limits *l,
			    struct icpr_request *out, char *msg, size_t msglen)
{
	uint32_t hr;
	int rc;

	memset(out, 0, sizeof(*out));
	if (blob == NULL || len == 0) {
		snprintf(msg, msglen, "the request is empty");
		return HR_E_INVALIDARG;
	}
	if (len > l->request || len > ICPR_REQUEST_MAX) {
		snprintf(msg, msglen, "the request is %zu bytes; at most %zu are accepted", len,
			 l->request < ICPR_REQUEST_MAX ? l->request : (size_t)ICPR_REQUEST_MAX);
		return HR_E_INVALIDARG;
	}
	rc = icpr_request_detect(blob, len, out);
	if (rc == ICPR_EFORMAT) {
		snprintf(msg, msglen, "the request is neither PKCS#10, CMS nor CMC");
		return HR_CRYPT_E_INVALID_MSG_TYPE;
	}
	if (rc != ICPR_OK) {
		snprintf(msg, msglen, "the request cannot be read");
		return icpr_status_hresult(rc);
	}
	if (out->format == ICPR_FMT_PKCS10 && (hr = pkcs10_limits(out, l, msg, msglen)) != 0) {
		icpr_request_free(out);
		return hr;
	}
	return 0;
}
