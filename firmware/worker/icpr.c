/* CertServerRequest: decode, check, hand the custodian the raw request, answer
 * from its result (MS-WCCE "Request"; shared/notes/icpr-wire.md). The worker
 * checks only shape and limits, to fail fast (what it refuses is recorded with
 * its size and hash only); the custodian parses and verifies the request itself,
 * records it, decides and builds the certificate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/icpr/icpr.h"
#include "firmware/rpc/icpr_stub.h"
#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "firmware/x509/cms.h"
#include "platform/log.h"

_Static_assert(ICPR_ATTR_TEXT_MAX <= CUST_ATTRIBUTES_MAX, "the attributes the worker parses fit");
_Static_assert(ICPR_REQUEST_MAX >= CUST_REQUEST_MAX, "the detector reads what the custodian takes");

/* What the custodian answered. */
struct result {
	uint32_t request_id, disposition, hresult;
	char message[CUST_MESSAGE_MAX + 1];
	uint8_t *cert;
	size_t cert_len;
};

static int decode_result(const struct ipc_msg *m, struct result *r)
{
	struct cust_result q;

	if (cust_result_decode(m->data, m->hdr.len, &q) != 0)
		return -1;
	r->request_id = q.request_id;
	r->disposition = q.disposition;
	r->hresult = q.hresult;
	snprintf(r->message, sizeof(r->message), "%s", q.message);
	r->cert = NULL;
	r->cert_len = q.cert_len;
	if (q.cert_len > 0 && (r->cert = malloc(q.cert_len)) == NULL)
		return -1;
	if (q.cert_len > 0)
		memcpy(r->cert, q.cert, q.cert_len);
	return 0;
}

/* Calls the custodian; 0 with *r, or -1 with *hr for the client: the custodian's
 * own (CUST_ERROR: it could not record the request, ERROR_DISK_FULL when the
 * ledger has no room), or E_UNEXPECTED when the channel failed. */
static int call_custodian(struct worker *w, uint32_t type, struct ipc_wbuf *req,
			  struct result *r, uint32_t *hr)
{
	struct cust_error e;
	struct ipc_msg m;
	char err[256];
	int rc = -1;

	*hr = HR_E_UNEXPECTED;
	if (ipc_call(&w->custodian, type, req, &m, err, sizeof(err)) != 0) {
		log_warnx("custodian: %s", err);
		return -1;
	}
	if (m.hdr.type == CUST_RESULT && decode_result(&m, r) == 0)
		rc = 0;
	else if (m.hdr.type != CUST_ERROR || cust_error_decode(m.data, m.hdr.len, &e) != 0)
		fatalx("protocol violation: answer %u from the custodian", m.hdr.type);
	else
		*hr = e.hresult;
	ipc_msg_free(&m);
	return rc;
}

/* CertServerRequest's response stub (worker_reply.encode of worker_icpr_call). */
static int icpr_encode(const struct rpc_icpr_response *r, struct ndr_wr *w, void *arg)
{
	(void)arg;
	return rpc_icpr_response_encode(r, w);
}

/* Encodes the answer with the interface's encoder and answers the call. */
static void respond(const struct worker_reply *out, const struct rpc_icpr_response *resp)
{
	struct ndr_wr wr;

	ndr_wr_init(&wr, RPC_DEFAULT_MAX_STUB);
	if (out->encode(resp, &wr, out->arg) != 0 || !ndr_wr_ok(&wr))
		rpc_conn_fault(out->c, NCA_S_FAULT_NDR);
	else
		rpc_conn_respond(out->c, wr.buf, wr.len);
	ndr_wr_free(&wr);
}

/* A call refused before any request was made: the return value says why. */
static void refuse(const struct worker_reply *out, uint32_t request_id, uint32_t status)
{
	struct rpc_icpr_response resp;

	memset(&resp, 0, sizeof(resp));
	resp.request_id = request_id;
	resp.status = status;
	respond(out, &resp);
}

/* Who asks, as the custodian wants it (proto.h "who"): the token ca-auth minted
 * for the connection's logon, passed on unopened, or, without a logon, the
 * caller's address. The worker names nobody itself. */
struct who {
	struct cust_who wire; /* token, or "anonymous@ADDRESS" */
	const char *display;  /* for the log and the journal's claims */
	const char *peer;     /* the caller's address */
};

/* The PKCS#7 the client asked for with CR_IN_FULLRESPONSE or CR_IN_CRLS
 * (dwFlags), which the custodian builds (CUST_RESPONSE: it holds the ledger's
 * CRLs and signs the CMC response with the CA key). 0 with *p7 (x509_buf_free)
 * and *left_out (the CRLs did not fit), or -1 (logged): the caller answers as
 * without the flags. */
static int custodian_response(struct worker *w, uint32_t id, uint32_t flags,
			      const struct who *who, struct x509_buf *p7, int *left_out)
{
	struct cust_response_is a;
	struct cust_error e;
	struct ipc_wbuf req;
	struct ipc_msg m;
	char err[256];
	int rc = -1;

	ipc_wbuf_init(&req);
	cust_response_encode(&req, &(struct cust_response){id, flags, who->wire});
	if (ipc_call(&w->custodian, CUST_RESPONSE, &req, &m, err, sizeof(err)) != 0) {
		log_warnx("request %u: no full response: custodian: %s", id, err);
		return -1;
	}
	if (m.hdr.type == CUST_RESPONSE_IS && cust_response_is_decode(m.data, m.hdr.len, &a) == 0) {
		if ((p7->data = malloc(a.pkcs7_len)) != NULL) {
			memcpy(p7->data, a.pkcs7, a.pkcs7_len);
			p7->len = a.pkcs7_len;
			*left_out = (int)a.crls_left_out;
			rc = 0;
		}
	} else if (m.hdr.type == CUST_ERROR && cust_error_decode(m.data, m.hdr.len, &e) == 0) {
		log_warnx("request %u: no full response (0x%08x): %s; certs-only answered", id,
			  e.hresult, e.message);
	} else {
		fatalx("protocol violation: answer %u from the custodian", m.hdr.type);
	}
	ipc_msg_free(&m);
	return rc;
}

/* Answers a result: disposition, pctbCert, the bare certificate and the
 * disposition message in UTF-16. pctbCert: what the custodian built when flags
 * (the call's dwFlags) ask for a full response or CRLs and the request is known
 * (a full response also when it is pending or failed); otherwise, or when that
 * failed, the certs-only PKCS#7 with the chain. */
static void answer(struct worker *w, const struct worker_reply *out, const struct result *r,
		   enum icpr_call call, uint32_t status, const struct who *who, uint32_t flags)
{
	struct rpc_icpr_response resp;
	struct x509_buf certs[WORKER_MAX_CHAIN + 1], p7 = {0};
	uint8_t msg16[2 * (CUST_MESSAGE_MAX + 64 + 128) + 2];
	char noted[CUST_MESSAGE_MAX + 64 + 128];
	size_t bytes = 0;
	const char *msg;
	uint32_t want = flags & CUST_RESPONSE_FLAGS;
	int from_custodian = 0, left_out = 0;

	memset(&resp, 0, sizeof(resp));
	resp.request_id = r->request_id;
	resp.status = status;
	resp.disposition = r->disposition == 0 ? r->hresult
					       : icpr_disposition(r->disposition, r->hresult, call);
	if (want != 0 && r->request_id != 0 && r->disposition != 0 &&
	    (r->cert_len > 0 || (want & ICPR_CR_IN_FULLRESPONSE)) &&
	    custodian_response(w, r->request_id, want, who, &p7, &left_out) == 0) {
		from_custodian = 1;
		resp.cert.pb = p7.data;
		resp.cert.cb = (uint32_t)p7.len;
	}
	if (r->cert_len > 0 && !from_custodian) {
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
	}
	if (r->cert_len > 0) {
		resp.encoded_cert.pb = r->cert;
		resp.encoded_cert.cb = (uint32_t)r->cert_len;
	}
	msg = r->disposition == 0 ? r->message
				  : icpr_disposition_message(r->disposition, r->hresult, r->message);
	if (left_out) {
		snprintf(noted, sizeof(noted), "%s" CUST_CRLS_LEFT_OUT_FMT, msg,
			 CUST_PKCS7_MAX / 1024);
		msg = noted;
	}
	if (icpr_utf8_to_utf16(msg, strlen(msg), msg16, sizeof(msg16), &bytes) == ICPR_OK) {
		resp.disposition_message.pb = msg16;
		resp.disposition_message.cb = (uint32_t)bytes;
	}
	respond(out, &resp);
	x509_buf_free(&p7);
}

/* A status inspection: by request id, or (MS-WCCE 3.2.1.4.2.1.3) by the serial
 * number pctbAttribs holds, which must be one (E_INVALIDARG otherwise). */
static void retrieve(struct worker *w, const struct worker_reply *out, uint32_t id, uint32_t flags,
		     const struct rpc_icpr_blob *attribs, const struct who *who)
{
	uint8_t serial[ICPR_SERIAL_MAX];
	size_t serial_len = 0;
	struct ipc_wbuf req;
	struct result r;
	uint32_t hr;

	if (attribs->cb > 0 &&
	    icpr_serial_from_blob(attribs->pb, attribs->cb, serial, &serial_len) != ICPR_OK) {
		refuse(out, id, HR_E_INVALIDARG);
		return;
	}
	ipc_wbuf_init(&req);
	cust_retrieve_encode(&req, &(struct cust_retrieve){id, who->wire, serial, serial_len});
	if (call_custodian(w, CUST_RETRIEVE, &req, &r, &hr) != 0) {
		refuse(out, id, hr);
		return;
	}
	answer(w, out, &r, ICPR_CALL_RETRIEVE, 0, who, flags);
	free(r.cert);
}

/* A request refused where its bytes entered (a call without the access it
 * needs, or beyond what the custodian accepts): recorded as a failure with the
 * size and SHA-256 of what was sent, never the payload, so no client grows the
 * append-only ledger with its bytes. Answered with the HRESULT as disposition
 * and, for an access refusal, as return value too (status). */
static void refuse_recorded(struct worker *w, const struct worker_reply *out,
			    const struct rpc_icpr_request *q, const struct who *who,
			    uint32_t hr, const char *why, uint32_t status)
{
	uint8_t sha[CUST_SHA256_LEN];
	size_t sha_len = sizeof(sha);
	struct cust_refused rq;
	struct ipc_wbuf req;
	struct result r;
	uint32_t fail;

	if (x509_sigalg_digest(X509_SIG_RSA_SHA256, q->request.pb ? q->request.pb : sha,
			       q->request.cb, sha, &sha_len) != 0 || sha_len != sizeof(sha)) {
		refuse(out, 0, HR_E_UNEXPECTED);
		return;
	}
	ipc_wbuf_init(&req);
	rq.hresult = hr;
	rq.who = who->wire;
	snprintf(rq.message, sizeof(rq.message), "%s", why);
	rq.size = q->request.cb;
	rq.sha256 = sha;
	snprintf(rq.peer, sizeof(rq.peer), "%s", who->peer);
	cust_refused_encode(&req, &rq);
	if (call_custodian(w, CUST_REFUSED, &req, &r, &fail) != 0) {
		refuse(out, 0, fail);
		return;
	}
	/* A call refused for its access gets no full response: the custodian
	 * would refuse it too, at the cost of a round trip per hostile call. */
	answer(w, out, &r, ICPR_CALL_SUBMIT, status, who, status != 0 ? 0 : q->flags);
	free(r.cert);
}

/* One name-value pair seen: a RequesterName is kept in name; 0, or -1 when it
 * is empty or differs from one seen before in any octet (the custodian's rule,
 * firmware/custodian/cmsreq.c: it refuses such a request, so nothing is worth
 * looking up). */
static int requester_pair(const struct cms_namevalue *nv, char *name, size_t namelen)
{
	if (strcasecmp(nv->name, "RequesterName") != 0)
		return 0;
	if (nv->value[0] == 0 || (name[0] != 0 && strcmp(name, nv->value) != 0))
		return -1;
	snprintf(name, namelen, "%s", nv->value);
	return 0;
}

/* The account an enrollment agent's CMS or CMC request names (MS-WCCE's
 * RequesterName: a name-value pair among a signer's signed attributes, or among
 * the CMC controls), found with the custodian's own decoder (firmware/x509/
 * cms.h) in the request's DER: 0 with name, or -1 (not CMS or CMC, it does not
 * decode, it names none, an empty one, or two that differ: why logged). The
 * worker believes none of it: the name says only which account to ask ca-auth
 * about; the custodian decodes the request again, checks the agent's
 * signatures and compares the name it finds with the token's. */
static int requester_name(const struct icpr_request *rq, const char *peer, char *name,
			  size_t namelen)
{
	struct cms_request *r;
	char err[256];
	int rc = 0;

	name[0] = 0;
	if (rq->format != ICPR_FMT_CMS && rq->format != ICPR_FMT_CMC)
		return -1;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	if (cms_request_decode(rq->der.data, rq->der.len, r, err, sizeof(err)) != 0) {
		/* the custodian refuses it with its reason */
		log_info("%s: the CMS request does not decode: %s", peer, err);
		free(r);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < r->n_signers; i++)
		for (size_t j = 0; rc == 0 && j < r->signers[i].n_nv; j++)
			rc = requester_pair(&r->signers[i].nv[j], name, namelen);
	for (size_t j = 0; rc == 0 && j < r->n_nv; j++)
		rc = requester_pair(&r->nv[j], name, namelen);
	cms_request_free(r);
	free(r);
	if (rc != 0)
		log_info("%s: RequesterName empty or named twice differently: no account looked up",
			 peer);
	return rc == 0 && name[0] != 0 ? 0 : -1;
}

/* Hands the custodian the raw request and the format detected, after the shape
 * and limit checks it makes itself (icpr_request_admit with the channel's
 * limits): a request it would refuse is refused here first, recorded without its
 * bytes. The signature is the custodian's to verify, once. */
static void submit(struct worker *w, const struct worker_reply *out, const struct rpc_icpr_request *q,
		   const char *attributes, const struct who *who, const struct worker_ntlm *a)
{
	static const struct icpr_limits limits = CUST_REQUEST_LIMITS;
	struct icpr_request rq;
	struct cust_submit *sub;
	struct ipc_wbuf req;
	struct result r;
	char msg[CUST_MESSAGE_MAX + 1] = "", account[AUTH_IDENTITY_MAX + 1];
	uint8_t *subject = NULL;
	uint32_t hr;

	hr = icpr_request_admit(q->request.pb, q->request.cb, &limits, &rq, msg, sizeof(msg));
	if (hr != 0) {
		refuse_recorded(w, out, q, who, hr, msg, 0);
		return;
	}
	if ((sub = calloc(1, sizeof(*sub))) == NULL) {
		icpr_request_free(&rq);
		refuse(out, 0, HR_E_OUTOFMEMORY);
		return;
	}
	/* An agent's request on behalf of another account (CMS or CMC naming a
	 * RequesterName, from a named logon): ca-auth's SUBJECT token for that
	 * account, or none when it refuses (the custodian then refuses the
	 * request: no such account). */
	if (who->wire.token_len > 0 && requester_name(&rq, who->peer, account, sizeof(account)) == 0 &&
	    (subject = malloc(IDTOKEN_MAX)) != NULL &&
	    worker_ntlm_lookup(a, account, subject, &sub->subject_token_len) == 0) {
		sub->subject_token = subject;
		log_info("%s: %s asks on behalf of %s", who->peer, who->display, account);
	}
	ipc_wbuf_init(&req);
	sub->format = (uint32_t)rq.format;
	sub->who = who->wire;
	sub->flags = q->flags;
	snprintf(sub->attributes, sizeof(sub->attributes), "%s", attributes);
	/* The raw bytes as received: the ledger keeps what the client sent. */
	sub->request = q->request.pb;
	sub->request_len = q->request.cb;
	cust_submit_encode(&req, sub);
	free(sub);
	free(subject);
	icpr_request_free(&rq);
	if (call_custodian(w, CUST_SUBMIT, &req, &r, &hr) != 0) {
		refuse(out, 0, hr);
		return;
	}
	answer(w, out, &r, ICPR_CALL_SUBMIT, 0, who, q->flags);
	free(r.cert);
}

static const char *level_name(uint8_t l)
{
	return l == RPC_AUTHN_LEVEL_PKT_PRIVACY ? "packet privacy"
	       : l == RPC_AUTHN_LEVEL_PKT_INTEGRITY ? "packet integrity"
	       : l >= RPC_AUTHN_LEVEL_CONNECT ? "connect" : "none (no logon)";
}

void worker_who(const struct worker_ntlm *a, const char *peer, struct cust_who *who)
{
	memset(who, 0, sizeof(*who));
	if (worker_ntlm_level(a) != 0 && !a->anonymous) {
		who->token = a->id_token;
		who->token_len = a->id_token_len; /* the token names the requester */
		return;
	}
	snprintf(who->requester, sizeof(who->requester), "anonymous@%s", peer);
}

/* MS-ICPR 3.2.4.1.1 and the appliance's rules: why this call is refused with
 * E_ACCESSDENIED, or NULL. The level is what the connection's logon verified,
 * never what a PDU claims. */
const char *worker_access_check(const struct worker *w, const struct worker_ntlm *a, char *why,
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

void worker_enroll(struct worker *w, const struct worker_reply *out,
		   const struct rpc_icpr_request *q, const struct worker_ntlm *a, const char *peer)
{
	struct icpr_attrs *attrs;
	char why[200];
	struct who who;
	const char *deny;
	int rc;

	/* IF_NORPCICERTREQUEST: the interface is off for everyone. */
	if (w->no_rpc) {
		refuse(out, q->request_id, HR_E_ACCESSDENIED);
		return;
	}
	memset(&who, 0, sizeof(who));
	worker_who(a, peer, &who.wire);
	who.display = who.wire.token_len > 0 ? a->identity : who.wire.requester;
	who.peer = peer;
	deny = worker_access_check(w, a, why, sizeof(why));
	if (deny != NULL && q->request_id != 0 && q->request.cb == 0) {
		/* A retrieval makes no request to record: the refusal is journaled. */
		log_info("%s: retrieval of request %u refused: %s", peer, q->request_id, deny);
		worker_auth_event(w, CUST_LOGON_RETRIEVE_REFUSED, peer, who.display, deny);
		refuse(out, q->request_id, HR_E_ACCESSDENIED);
		return;
	}
	if (deny != NULL) {
		/* Recorded and failed in the ledger like any refused request. */
		log_info("%s: request refused: %s", peer, deny);
		refuse_recorded(w, out, q, &who, HR_E_ACCESSDENIED, deny, HR_E_ACCESSDENIED);
		return;
	}
	if (!q->has_authority ||
	    !icpr_authority_match(q->authority, 2 * q->authority_units, w->ca_name)) {
		refuse(out, q->request_id, HR_E_INVALIDARG);
		return;
	}
	if (q->request_id != 0 && q->request.cb == 0) {
		retrieve(w, out, q->request_id, q->flags, &q->attribs, &who);
		return;
	}
	if (q->request_id != 0 || q->request.cb == 0) {
		refuse(out, q->request_id, HR_E_INVALIDARG);
		return;
	}
	if ((attrs = malloc(sizeof(*attrs))) == NULL) {
		refuse(out, 0, HR_E_OUTOFMEMORY);
		return;
	}
	rc = icpr_attrs_from_blob(q->attribs.pb, q->attribs.cb, attrs);
	if (rc == ICPR_ETOOLONG) {
		/* Beyond what the custodian accepts: a refusal, recorded. */
		snprintf(why, sizeof(why), "the attribute string is beyond the limits (%d lines, "
			 "%d bytes of UTF-8)", ICPR_ATTR_MAX_COUNT, ICPR_ATTR_TEXT_MAX);
		refuse_recorded(w, out, q, &who, HR_E_INVALIDARG, why, 0);
	} else if (rc != ICPR_OK) {
		/* Malformed (MS-ICPR 3.2.4.1.1): the call's return value, nothing made. */
		refuse(out, 0, HR_E_INVALIDARG);
	} else {
		submit(w, out, q, attrs->text, &who, a);
	}
	free(attrs);
}

void worker_icpr_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
		      const struct worker_ntlm *a, const char *peer)
{
	const struct worker_reply out = {c, icpr_encode, NULL};
	struct rpc_icpr_request q;
	char err[200];

	if (!rpc_request_opnum_ok(req)) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	if (rpc_icpr_request_decode(req->stub, req->stub_len, &q, err, sizeof(err)) != 0) {
		log_warnx("%s: CertServerRequest: %s", peer, err);
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	worker_enroll(w, &out, &q, a, peer);
}
