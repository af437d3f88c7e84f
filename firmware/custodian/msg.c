/* The enrollment channel's encode/decode pairs; see msg.h. The layouts are
 * proto.h's; each pair is written once, here, for both processes. */
#include "firmware/custodian/msg.h"

#include <string.h>

#include "firmware/icpr/caprop.h"
#include "firmware/icpr/icpr.h"
#include "firmware/ledger/event.h"

/* What icpr admits as an attribute string, the ledger can record. */
_Static_assert(ICPR_ATTR_TEXT_MAX <= LEDGER_TEXT_MAX, "attributes must fit the ledger");

/* ---- who asks ---- */

static void put_who(struct ipc_wbuf *w, const struct cust_who *who)
{
	ipc_put_bytes(w, who->token, who->token_len);
	ipc_put_str(w, who->requester);
}

static void get_who(struct ipc_rbuf *r, struct cust_who *who)
{
	ipc_get_bytes(r, &who->token, &who->token_len, IDTOKEN_MAX);
	ipc_get_str(r, who->requester, sizeof(who->requester));
}

/* The message's bytes as a reader; the struct zeroed first, so that a failed
 * decode leaves nothing half-filled. */

/* ---- CUST_SUBMIT ---- */

void cust_submit_encode(struct ipc_wbuf *w, const struct cust_submit *m)
{
	ipc_put_u32(w, m->format);
	put_who(w, &m->who);
	ipc_put_u32(w, m->flags);
	ipc_put_str(w, m->attributes);
	ipc_put_bytes(w, m->request, m->request_len);
	ipc_put_bytes(w, m->subject_token, m->subject_token_len);
}

int cust_submit_decode(const uint8_t *p, size_t len, struct cust_submit *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->format = ipc_get_u32(&r);
	get_who(&r, &m->who);
	m->flags = ipc_get_u32(&r);
	ipc_get_str(&r, m->attributes, sizeof(m->attributes));
	ipc_get_bytes(&r, &m->request, &m->request_len, CUST_REQUEST_MAX);
	ipc_get_bytes(&r, &m->subject_token, &m->subject_token_len, IDTOKEN_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->format >= FMT_PKCS10 && m->format <= FMT_CMC);
}

/* ---- CUST_REFUSED ---- */

void cust_refused_encode(struct ipc_wbuf *w, const struct cust_refused *m)
{
	ipc_put_u32(w, m->hresult);
	put_who(w, &m->who);
	ipc_put_str(w, m->message);
	ipc_put_u32(w, m->size);
	ipc_put_bytes(w, m->sha256, CUST_SHA256_LEN);
	ipc_put_str(w, m->peer);
}

int cust_refused_decode(const uint8_t *p, size_t len, struct cust_refused *m)
{
	struct ipc_rbuf r;
	size_t sha_len = 0;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->hresult = ipc_get_u32(&r);
	get_who(&r, &m->who);
	ipc_get_str(&r, m->message, sizeof(m->message));
	m->size = ipc_get_u32(&r);
	ipc_get_bytes(&r, &m->sha256, &sha_len, CUST_SHA256_LEN);
	ipc_get_str(&r, m->peer, sizeof(m->peer));
	/* A refusal is a failure: an HRESULT with its severity bit; it came from
	 * somewhere. */
	return ipc_decode_end(&r, m, sizeof(*m),
		   sha_len == CUST_SHA256_LEN && (m->hresult & 0x80000000u) != 0 &&
			   m->peer[0] != 0);
}

/* ---- CUST_RETRIEVE ---- */

void cust_retrieve_encode(struct ipc_wbuf *w, const struct cust_retrieve *m)
{
	ipc_put_u32(w, m->request_id);
	put_who(w, &m->who);
	ipc_put_bytes(w, m->serial, m->serial_len);
}

_Static_assert(CUST_SERIAL_MAX == ICPR_SERIAL_MAX, "a serial the worker reads fits RETRIEVE");

int cust_retrieve_decode(const uint8_t *p, size_t len, struct cust_retrieve *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->request_id = ipc_get_u32(&r);
	get_who(&r, &m->who);
	ipc_get_bytes(&r, &m->serial, &m->serial_len, CUST_SERIAL_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

/* ---- CUST_RESPONSE and its answer ---- */

_Static_assert(CUST_RESPONSE_FLAGS == (ICPR_CR_IN_FULLRESPONSE | ICPR_CR_IN_CRLS),
	       "CUST_RESPONSE's flags are icpr.h's");

void cust_response_encode(struct ipc_wbuf *w, const struct cust_response *m)
{
	ipc_put_u32(w, m->request_id);
	ipc_put_u32(w, m->flags);
	put_who(w, &m->who);
}

int cust_response_decode(const uint8_t *p, size_t len, struct cust_response *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->request_id = ipc_get_u32(&r);
	m->flags = ipc_get_u32(&r);
	get_who(&r, &m->who);
	/* Something to build, nothing else asked. */
	return ipc_decode_end(&r, m, sizeof(*m),
			      m->flags != 0 && (m->flags & ~CUST_RESPONSE_FLAGS) == 0);
}

void cust_response_is_encode(struct ipc_wbuf *w, const struct cust_response_is *m)
{
	ipc_put_bytes(w, m->pkcs7, m->pkcs7_len);
	ipc_put_u32(w, m->crls_left_out);
}

int cust_response_is_decode(const uint8_t *p, size_t len, struct cust_response_is *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_bytes(&r, &m->pkcs7, &m->pkcs7_len, CUST_PKCS7_MAX);
	m->crls_left_out = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), m->pkcs7_len > 0 && m->crls_left_out <= 1);
}

/* ---- CUST_CAPROP and its answer ---- */

_Static_assert(CAPROP_TYPE_LONG == 1 && CAPROP_TYPE_BINARY == 3 && CAPROP_TYPE_STRING == 4,
	       "CUST_CAPROP_IS's types are icpr/caprop.h's");

void cust_caprop_encode(struct ipc_wbuf *w, const struct cust_caprop *m)
{
	ipc_put_u32(w, m->prop_id);
	ipc_put_u32(w, m->index);
	put_who(w, &m->who);
}

int cust_caprop_decode(const uint8_t *p, size_t len, struct cust_caprop *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->prop_id = ipc_get_u32(&r);
	m->index = ipc_get_u32(&r);
	get_who(&r, &m->who);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void cust_caprop_is_encode(struct ipc_wbuf *w, const struct cust_caprop_is *m)
{
	ipc_put_u32(w, m->type);
	ipc_put_u32(w, m->long_value);
	ipc_put_bytes(w, m->value, m->value_len);
	ipc_put_u32(w, m->indexed_count);
}

/* The value's shape for its type: a LONG carries no bytes, a BINARY some
 * bytes and no number, a STRING no number and no NUL (the worker writes it
 * NUL-terminated as UTF-16). */
static int caprop_shape(const struct cust_caprop_is *m)
{
	switch (m->type) {
	case CAPROP_TYPE_LONG:
		return m->value_len == 0;
	case CAPROP_TYPE_BINARY:
		return m->long_value == 0 && m->value_len > 0;
	case CAPROP_TYPE_STRING:
		return m->long_value == 0 &&
		       (m->value_len == 0 || memchr(m->value, 0, m->value_len) == NULL);
	default:
		return 0;
	}
}

int cust_caprop_is_decode(const uint8_t *p, size_t len, struct cust_caprop_is *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->type = ipc_get_u32(&r);
	m->long_value = ipc_get_u32(&r);
	ipc_get_bytes(&r, &m->value, &m->value_len, CUST_CAPROP_VALUE_MAX);
	m->indexed_count = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), caprop_shape(m));
}

/* ---- CUST_AUTH_EVENT ---- */

void cust_auth_event_encode(struct ipc_wbuf *w, const struct cust_auth_event *m)
{
	ipc_put_u32(w, m->what);
	ipc_put_str(w, m->peer);
	ipc_put_str(w, m->claimed);
	ipc_put_str(w, m->detail);
}

int cust_auth_event_decode(const uint8_t *p, size_t len, struct cust_auth_event *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->what = ipc_get_u32(&r);
	ipc_get_str(&r, m->peer, sizeof(m->peer));
	ipc_get_str(&r, m->claimed, sizeof(m->claimed));
	ipc_get_str(&r, m->detail, sizeof(m->detail));
	return ipc_decode_end(&r, m, sizeof(*m),
		   m->what >= CUST_LOGON_NTLM_REFUSED && m->what <= CUST_LOGON_KERBEROS_REFUSED &&
			   m->peer[0] != 0);
}

/* ---- CUST_RESULT (the custodian's answer) ---- */

void cust_result_encode(struct ipc_wbuf *w, const struct cust_result *m)
{
	ipc_put_u32(w, m->request_id);
	ipc_put_u32(w, m->disposition);
	ipc_put_u32(w, m->hresult);
	ipc_put_str(w, m->message);
	ipc_put_bytes(w, m->cert, m->cert_len);
}

int cust_result_decode(const uint8_t *p, size_t len, struct cust_result *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->request_id = ipc_get_u32(&r);
	m->disposition = ipc_get_u32(&r);
	m->hresult = ipc_get_u32(&r);
	ipc_get_str(&r, m->message, sizeof(m->message));
	ipc_get_bytes(&r, &m->cert, &m->cert_len, CUST_CERT_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

/* ---- CUST_CA_INFO (the answer to the worker's start-up) ---- */

void cust_ca_info_encode(struct ipc_wbuf *w, const struct cust_ca_info *m)
{
	ipc_put_bytes(w, m->cert, m->cert_len);
	ipc_put_bytes(w, m->chain, m->chain_len);
	ipc_put_u32(w, m->flags);
}

int cust_ca_info_decode(const uint8_t *p, size_t len, struct cust_ca_info *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_bytes(&r, &m->cert, &m->cert_len, CUST_CERT_MAX);
	ipc_get_bytes(&r, &m->chain, &m->chain_len, CUST_CHAIN_MAX);
	m->flags = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), m->cert_len > 0 && (m->flags & ~CUST_IF_ALL) == 0);
}

/* ---- CUST_ISSUE, CUST_ISSUED (unrecorded issuance) ---- */

void cust_issue_encode(struct ipc_wbuf *w, const struct cust_issue *m)
{
	ipc_put_u32(w, m->profile);
	ipc_put_str(w, m->subject);
	ipc_put_bytes(w, m->spki, m->spki_len);
	ipc_put_u32(w, m->validity_days);
}

int cust_issue_decode(const uint8_t *p, size_t len, struct cust_issue *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->profile = ipc_get_u32(&r);
	ipc_get_str(&r, m->subject, sizeof(m->subject));
	ipc_get_bytes(&r, &m->spki, &m->spki_len, CUST_SPKI_MAX);
	m->validity_days = ipc_get_u32(&r);
	return ipc_decode_end(&r, m, sizeof(*m), 1);
}

void cust_issued_encode(struct ipc_wbuf *w, const struct cust_issued *m)
{
	ipc_put_bytes(w, m->cert, m->cert_len);
}

int cust_issued_decode(const uint8_t *p, size_t len, struct cust_issued *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	ipc_get_bytes(&r, &m->cert, &m->cert_len, CUST_CERT_MAX);
	return ipc_decode_end(&r, m, sizeof(*m), m->cert_len > 0);
}

/* ---- CUST_ERROR ---- */

void cust_error_encode(struct ipc_wbuf *w, const struct cust_error *m)
{
	ipc_put_u32(w, m->hresult);
	ipc_put_str(w, m->message);
}

int cust_error_decode(const uint8_t *p, size_t len, struct cust_error *m)
{
	struct ipc_rbuf r;

	ipc_decode_begin(&r, p, len, m, sizeof(*m));
	m->hresult = ipc_get_u32(&r);
	ipc_get_str(&r, m->message, sizeof(m->message));
	return ipc_decode_end(&r, m, sizeof(*m), (m->hresult & 0x80000000u) != 0);
}
