/* CertServerRequest: decode, check, hand the custodian a typed request, answer
 * from its result (MS-WCCE "Request"; shared/notes/icpr-wire.md). The worker
 * parses and verifies the request; the custodian records it, decides and builds
 * the certificate itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/proto.h"
#include "firmware/icpr/icpr.h"
#include "firmware/rpc/icpr_stub.h"
#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

/* What the custodian answered. */
struct result {
	uint32_t request_id, disposition, hresult;
	char message[CUST_MESSAGE_MAX + 1];
	uint8_t *cert;
	size_t cert_len;
};

static int decode_result(const struct ipc_msg *m, struct result *r)
{
	struct ipc_rbuf rb;
	const uint8_t *cert;
	size_t len;

	ipc_rbuf_init(&rb, m);
	r->request_id = ipc_get_u32(&rb);
	r->disposition = ipc_get_u32(&rb);
	r->hresult = ipc_get_u32(&rb);
	ipc_get_str(&rb, r->message, sizeof(r->message));
	ipc_get_bytes(&rb, &cert, &len, 64 * 1024);
	if (ipc_rbuf_done(&rb) != 0)
		return -1;
	r->cert = NULL;
	r->cert_len = len;
	if (len > 0 && (r->cert = malloc(len)) == NULL)
		return -1;
	if (len > 0)
		memcpy(r->cert, cert, len);
	return 0;
}

/* Calls the custodian; 0 with *r, or -1 (the custodian could not record, or the
 * channel failed: the caller answers E_UNEXPECTED). */
static int call_custodian(struct worker *w, uint32_t type, struct ipc_wbuf *req,
			  struct result *r)
{
	struct ipc_msg m;
	char err[256];
	int rc = -1;

	if (ipc_call(&w->custodian, type, req, &m, err, sizeof(err)) != 0) {
		log_warnx("custodian: %s", err);
		return -1;
	}
	if (m.hdr.type == CUST_RESULT && decode_result(&m, r) == 0)
		rc = 0;
	else if (m.hdr.type != CUST_ERROR)
		fatalx("protocol violation: answer %u from the custodian", m.hdr.type);
	ipc_msg_free(&m);
	return rc;
}

static void respond(struct rpc_conn *c, const struct rpc_icpr_response *resp)
{
	struct ndr_wr out;

	ndr_wr_init(&out, RPC_DEFAULT_MAX_STUB);
	if (rpc_icpr_response_encode(resp, &out) != 0 || !ndr_wr_ok(&out))
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
	else
		rpc_conn_respond(c, out.buf, out.len);
	ndr_wr_free(&out);
}

/* A call refused before any request was made: the return value says why. */
static void refuse(struct rpc_conn *c, uint32_t request_id, uint32_t status)
{
	struct rpc_icpr_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.request_id = request_id;
	resp.status = status;
	respond(c, &resp);
}

/* Answers a result: disposition, the certs-only PKCS#7 with the chain, the bare
 * certificate and the disposition message in UTF-16. */
static void answer(struct worker *w, struct rpc_conn *c, const struct result *r,
		   enum icpr_call call, uint32_t status)
{
	struct rpc_icpr_response resp;
	struct x509_buf certs[WORKER_MAX_CHAIN + 1], p7 = {0};
	uint8_t msg16[2 * (CUST_MESSAGE_MAX + 64) + 2];
	size_t bytes = 0;
	const char *msg;

	memset(&resp, 0, sizeof(resp));
	resp.request_id = r->request_id;
	resp.status = status;
	resp.disposition = r->disposition == 0 ? r->hresult
					       : icpr_disposition(r->disposition, r->hresult, call);
	if (r->cert_len > 0) {
		certs[0].data = r->cert;
		certs[0].len = r->cert_len;
		for (size_t i = 0; i < w->n_chain; i++)
			certs[1 + i] = w->chain[i];
		if (icpr_pkcs7_certs_only(certs, 1 + w->n_chain, NULL, 0, &p7) == ICPR_OK) {
			resp.cert.pb = p7.data;
			resp.cert.cb = (uint32_t)p7.len;
		} else {
			/* pctbEncodedCert still carries the certificate */
			log_warnx("request %u: cannot build the PKCS#7 chain", r->request_id);
		}
		resp.encoded_cert.pb = r->cert;
		resp.encoded_cert.cb = (uint32_t)r->cert_len;
	}
	msg = r->disposition == 0 ? r->message
				  : icpr_disposition_message(r->disposition, r->hresult, r->message);
	if (icpr_utf8_to_utf16(msg, strlen(msg), msg16, sizeof(msg16), &bytes) == ICPR_OK) {
		resp.disposition_message.pb = msg16;
		resp.disposition_message.cb = (uint32_t)bytes;
	}
	respond(c, &resp);
	x509_buf_free(&p7);
}

static void retrieve(struct worker *w, struct rpc_conn *c, uint32_t id)
{
	struct ipc_wbuf req;
	struct result r;

	ipc_wbuf_init(&req);
	ipc_put_u32(&req, id);
	if (call_custodian(w, CUST_RETRIEVE, &req, &r) != 0) {
		refuse(c, id, ICPR_E_UNEXPECTED);
		return;
	}
	answer(w, c, &r, ICPR_CALL_RETRIEVE, 0);
	free(r.cert);
}

/* Parses and verifies the request; 0 with subject and spki, or an HRESULT and a
 * message (the request is then recorded and failed with it). */
static uint32_t parse_request(const uint8_t *pb, size_t cb, struct icpr_request *rq,
			      struct x509_buf *subject, struct x509_buf *spki, char *msg,
			      size_t msglen)
{
	int rc = icpr_request_detect(pb, cb, rq);

	if (rc != ICPR_OK) {
		snprintf(msg, msglen, "the request is neither PKCS#10, CMS nor CMC");
		return icpr_status_hresult(rc);
	}
	if (rq->format != ICPR_FMT_PKCS10) {
		snprintf(msg, msglen, "%s requests are not accepted yet",
			 rq->format == ICPR_FMT_CMC ? "CMC" : "CMS");
		return ICPR_CRYPT_E_INVALID_MSG_TYPE;
	}
	if (x509_csr_verify(rq->der.data, rq->der.len, subject, spki, msg, msglen) != 0)
		return ICPR_NTE_BAD_SIGNATURE;
	return 0;
}

/* Records the request through the custodian and answers its result. A call the
 * worker refuses (deny_hr != 0: E_ACCESSDENIED below packet privacy or without a
 * logon) is recorded all the same, failed with deny_hr: nothing is parsed. */
static void submit(struct worker *w, struct rpc_conn *c, const struct rpc_icpr_request *q,
		   const char *attributes, const char *requester, uint32_t deny_hr,
		   const char *deny_msg)
{
	struct x509_buf subject = {0}, spki = {0};
	struct icpr_request rq;
	struct ipc_wbuf req;
	struct result r;
	char msg[CUST_MESSAGE_MAX + 1] = "";
	uint32_t hr;

	memset(&rq, 0, sizeof(rq));
	if (deny_hr != 0) {
		hr = deny_hr;
		snprintf(msg, sizeof(msg), "%s", deny_msg);
	} else {
		hr = parse_request(q->request.pb, q->request.cb, &rq, &subject, &spki, msg,
				   sizeof(msg));
	}
	ipc_wbuf_init(&req);
	ipc_put_u32(&req, rq.format == ICPR_FMT_UNKNOWN ? ICPR_FMT_PKCS10 : (uint32_t)rq.format);
	ipc_put_str(&req, requester);
	ipc_put_str(&req, attributes);
	/* The raw bytes as received: the ledger keeps what the client sent. */
	ipc_put_bytes(&req, q->request.pb, q->request.cb);
	ipc_put_bytes(&req, hr == 0 ? subject.data : NULL, hr == 0 ? subject.len : 0);
	ipc_put_bytes(&req, hr == 0 ? spki.data : NULL, hr == 0 ? spki.len : 0);
	ipc_put_u32(&req, hr);
	ipc_put_str(&req, hr == 0 ? "" : msg);
	x509_buf_free(&subject);
	x509_buf_free(&spki);
	if (rq.format != ICPR_FMT_UNKNOWN)
		icpr_request_free(&rq);
	if (call_custodian(w, CUST_SUBMIT, &req, &r) != 0) {
		refuse(c, 0, ICPR_E_UNEXPECTED);
		return;
	}
	/* A refused call says so in the return value too (what clients show). */
	answer(w, c, &r, ICPR_CALL_SUBMIT, deny_hr);
	free(r.cert);
}

static const char *level_name(uint8_t l)
{
	return l == RPC_AUTHN_LEVEL_PKT_PRIVACY ? "packet privacy"
	       : l == RPC_AUTHN_LEVEL_PKT_INTEGRITY ? "packet integrity"
	       : l >= RPC_AUTHN_LEVEL_CONNECT ? "connect" : "none (no logon)";
}

/* MS-ICPR 3.2.4.1.1 and the appliance's rules: why this call is refused with
 * E_ACCESSDENIED, or NULL. The level is what the connection's logon verified,
 * never what a PDU claims. */
static const char *access_check(const struct worker *w, const struct worker_ntlm *a, char *why,
				size_t len)
{
	uint8_t level = worker_ntlm_level(a);
	int logged_on = level != 0 && !a->anonymous;

	if (!logged_on && !w->allow_anonymous) {
		snprintf(why, len, "E_ACCESSDENIED: no NTLM logon (anonymous enrollment is off: "
			 "icpr_allow_anonymous)");
		return why;
	}
	if (w->enforce_encryption && level < RPC_AUTHN_LEVEL_PKT_PRIVACY) {
		snprintf(why, len, "E_ACCESSDENIED: authentication level %s; packet privacy is "
			 "required (IF_ENFORCEENCRYPTICERTREQUEST)", level_name(level));
		return why;
	}
	return NULL;
}

void worker_icpr_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
		      const struct worker_ntlm *a, const char *peer)
{
	struct rpc_icpr_request q;
	struct icpr_attrs *attrs;
	char err[200], requester[CUST_REQUESTER_MAX], why[200];
	const char *deny;

	if (!rpc_request_opnum_ok(req)) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	if (rpc_icpr_request_decode(req->stub, req->stub_len, &q, err, sizeof(err)) != 0) {
		log_warnx("%s: CertServerRequest: %s", peer, err);
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	/* IF_NORPCICERTREQUEST: the interface is off for everyone. */
	if (w->no_rpc) {
		refuse(c, q.request_id, ICPR_E_ACCESSDENIED);
		return;
	}
	/* The requester recorded is the authenticated identity; without a logon,
	 * the peer's address. */
	if (worker_ntlm_level(a) != 0 && !a->anonymous)
		snprintf(requester, sizeof(requester), "%s", a->identity);
	else
		snprintf(requester, sizeof(requester), "anonymous@%s", peer);
	deny = access_check(w, a, why, sizeof(why));
	if (deny != NULL && q.request_id != 0 && q.request.cb == 0) {
		/* A retrieval makes no request to record: the refusal is journaled. */
		log_info("%s: retrieval of request %u refused: %s", peer, q.request_id, deny);
		worker_auth_event(w, CUST_LOGON_RETRIEVE_REFUSED, peer, requester, deny);
		refuse(c, q.request_id, ICPR_E_ACCESSDENIED);
		return;
	}
	if (deny != NULL) {
		/* Recorded and failed in the ledger like any refused request. */
		log_info("%s: request refused: %s", peer, deny);
		submit(w, c, &q, "", requester, ICPR_E_ACCESSDENIED, deny);
		return;
	}
	if (!q.has_authority ||
	    !icpr_authority_match(q.authority, 2 * q.authority_units, w->ca_name)) {
		refuse(c, q.request_id, ICPR_E_INVALIDARG);
		return;
	}
	if (q.request_id != 0 && q.request.cb == 0) {
		retrieve(w, c, q.request_id);
		return;
	}
	if (q.request_id != 0 || q.request.cb == 0) {
		refuse(c, q.request_id, ICPR_E_INVALIDARG);
		return;
	}
	if ((attrs = malloc(sizeof(*attrs))) == NULL) {
		refuse(c, 0, ICPR_E_OUTOFMEMORY);
		return;
	}
	if (icpr_attrs_from_blob(q.attribs.pb, q.attribs.cb, attrs) != ICPR_OK) {
		free(attrs);
		refuse(c, 0, ICPR_E_INVALIDARG);
		return;
	}
	submit(w, c, &q, attrs->text, requester, 0, NULL);
	free(attrs);
}
