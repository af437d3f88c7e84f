/* CUST_RESPONSE (respond.h): the request's certificate, the CA chain, the CRLs
 * and the CMC full response, built where the ledger and the CA key are. The
 * submit path is untouched: the worker asks for this after CUST_SUBMIT or
 * CUST_RETRIEVE answered, only when the client's dwFlags ask for it. */
#include "firmware/custodian/respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>


#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/icpr/icpr.h"
#include "firmware/ledger/event.h"
#include "firmware/x509/cmcresp.h"
#include "firmware/x509/cms.h"
#include "platform/log.h"
#include "platform/utf8.h"

/* What a response carries, gathered before it is built. */
struct parts {
	struct x509_buf certs[CMC_RESP_MAX_CERTS];
	size_t n_certs;
	int have_issued;          /* certs[0] is the request's certificate (malloc()ed) */
	struct x509_buf *chain;   /* x509_pem_decode_all's array, certs[have_issued..] */
	size_t n_chain;
	struct x509_buf crls[2];  /* base, then delta (malloc()ed copies) */
	size_t n_crls;
	int crls_skipped;         /* one is known to be too large: none read */
};

static void parts_free(struct parts *p)
{
	if (p->have_issued)
		x509_buf_free(&p->certs[0]);
	for (size_t i = 0; i < p->n_chain; i++)
		x509_buf_free(&p->chain[i]);
	free(p->chain);
	for (size_t i = 0; i < p->n_crls; i++)
		x509_buf_free(&p->crls[i]);
	memset(p, 0, sizeof(*p));
}

/* The issued certificate (when the row has one) and the CA chain: the chain
 * file's certificates, or the CA certificate alone when there is no chain file
 * or it does not decode (as the worker does at its start-up). 0 or -1. */
static int gather_certs(struct submit_ctx *c, const struct ledger_request_row *row,
			struct parts *p, char *err, size_t errlen)
{
	uint8_t *der = NULL;
	size_t len = 0;

	if (row->serial_len != 0 && row->seq_cert != 0 &&
	    (row->disposition == DISP_ISSUED || row->disposition == DISP_REVOKED)) {
		if (record_get_cert(c->rec, row->seq_cert, &der, &len, err, errlen) != 0)
			return -1;
		p->certs[0].data = der;
		p->certs[0].len = len;
		p->have_issued = 1;
		p->n_certs = 1;
	}
	if (c->chain != NULL && c->chain->len > 0 &&
	    x509_pem_decode_all("CERTIFICATE", c->chain->data, c->chain->len, &p->chain,
				&p->n_chain) != 0) {
		p->chain = NULL;
		p->n_chain = 0;
	}
	if (p->n_chain > CMC_RESP_MAX_CERTS - 1) {
		snprintf(err, errlen, "the CA chain holds %zu certificates (at most %d)",
			 p->n_chain, CMC_RESP_MAX_CERTS - 1);
		return -1;
	}
	for (size_t i = 0; i < p->n_chain; i++)
		p->certs[p->n_certs++] = p->chain[i];
	if (p->n_chain == 0)
		p->certs[p->n_certs++] = c->ca->cert.der;
	return 0;
}

/* The CRL of the ledger's CRL row at seq, copied into *out. 0 or -1. */
static int read_crl(struct submit_ctx *c, uint64_t seq, struct x509_buf *out, char *err,
		    size_t errlen)
{
	struct ledger_event ev;
	uint8_t *rec = NULL;
	size_t len = 0;
	char *strbuf = malloc(LEDGER_STRBUF);
	int rc = -1;

	if (strbuf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (record_get_record(c->rec, seq, &rec, &len, err, errlen) != 0)
		goto out;
	if (ledger_record_decode(rec, len, &ev, strbuf, LEDGER_STRBUF, err, errlen) != 0)
		goto out;
	if (ev.type != EV_CRL_PUBLISHED || ev.u.crl.crl.len == 0) {
		snprintf(err, errlen, "the ledger's CRL row names event %llu, not a CRL",
			 (unsigned long long)seq);
		goto out;
	}
	if ((out->data = malloc(ev.u.crl.crl.len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(out->data, ev.u.crl.crl.p, ev.u.crl.crl.len);
	out->len = ev.u.crl.crl.len;
	rc = 0;
out:
	free(rec);
	free(strbuf);
	return rc;
}

void respond_crls_init(struct respond_crls *k)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->mu, NULL);
}

void respond_crls_free(struct respond_crls *k)
{
	pthread_mutex_destroy(&k->mu);
}

/* The size of the CRL at seq when it was read before: 1 with *len, or 0. */
static int crl_size_known(struct respond_crls *k, uint64_t seq, size_t *len)
{
	int found = 0;

	if (k == NULL)
		return 0;
	pthread_mutex_lock(&k->mu);
	for (unsigned i = 0; i < RESPOND_CRLS_KEPT && !found; i++)
		if (k->seq[i] == seq) {
			*len = k->len[i];
			found = 1;
		}
	pthread_mutex_unlock(&k->mu);
	return found;
}

static void crl_size_keep(struct respond_crls *k, uint64_t seq, size_t len)
{
	size_t known;

	if (k == NULL || crl_size_known(k, seq, &known))
		return;
	pthread_mutex_lock(&k->mu);
	k->seq[k->next] = seq;
	k->len[k->next] = len;
	k->next = (k->next + 1) % RESPOND_CRLS_KEPT;
	pthread_mutex_unlock(&k->mu);
}

/* The CRL at seq into p, unless it is known to be max bytes or more (then
 * p->crls_skipped). 0 or -1. */
static int take_crl(struct submit_ctx *c, uint64_t seq, size_t max, struct parts *p,
		    char *err, size_t errlen)
{
	size_t len;

	if (crl_size_known(c->crl_sizes, seq, &len) && len >= max) {
		p->crls_skipped = 1;
		return 0;
	}
	if (read_crl(c, seq, &p->crls[p->n_crls], err, errlen) != 0)
		return -1;
	crl_size_keep(c->crl_sizes, seq, p->crls[p->n_crls].len);
	p->n_crls++;
	return 0;
}

/* The ledger's newest base CRL: 0 with *seq, 1 none published yet, -1. */
static int current_base(struct submit_ctx *c, uint64_t *seq, char *err, size_t errlen)
{
	struct ledger_crl_row base;
	uint64_t n;
	int rc = record_crl_latest(c->rec, 1, &n, &base, err, errlen);

	if (rc == 0)
		*seq = base.seq;
	return rc;
}

/* The current delta CRL after the base at base_seq: the newest CRL when it is a
 * delta published after that base (a delta published before the newest base is
 * not current). 0 with *seq (0: none), or -1. */
static int current_delta(struct submit_ctx *c, uint64_t base_seq, uint64_t *seq, char *err,
			 size_t errlen)
{
	struct ledger_crl_row last;
	uint64_t n;

	*seq = 0;
	if (record_crl_latest(c->rec, 0, &n, &last, err, errlen) != 0)
		return -1;
	if (last.is_delta && last.seq > base_seq)
		*seq = last.seq;
	return 0;
}

/* The current CRLs: the newest base CRL, and the current delta. None published
 * yet: none. 0 or -1. */
static int gather_crls(struct submit_ctx *c, size_t max, struct parts *p, char *err,
		       size_t errlen)
{
	uint64_t base, delta;
	int rc = current_base(c, &base, err, errlen);

	if (rc == 1)
		return 0;
	if (rc != 0 || take_crl(c, base, max, p, err, errlen) != 0)
		return -1;
	if (p->crls_skipped)
		return 0; /* no delta without its base */
	if (current_delta(c, base, &delta, err, errlen) != 0)
		return -1;
	if (delta != 0 && take_crl(c, delta, max, p, err, errlen) != 0)
		return -1;
	return 0;
}

int respond_current_crl(struct submit_ctx *c, int delta, size_t max, struct x509_buf *out,
			char *err, size_t errlen)
{
	struct parts p;
	uint64_t base, seq;
	int rc;

	out->data = NULL;
	out->len = 0;
	rc = current_base(c, &base, err, errlen);
	if (rc != 0)
		return rc == 1 ? RESPOND_CRL_NONE : -1;
	seq = base;
	if (delta) {
		if (current_delta(c, base, &seq, err, errlen) != 0)
			return -1;
		if (seq == 0)
			return RESPOND_CRL_NONE;
	}
	memset(&p, 0, sizeof(p));
	if (take_crl(c, seq, max, &p, err, errlen) != 0)
		return -1;
	if (p.crls_skipped)
		return RESPOND_CRL_TOO_LARGE;
	if (p.crls[0].len > max) {
		x509_buf_free(&p.crls[0]);
		return RESPOND_CRL_TOO_LARGE;
	}
	*out = p.crls[0];
	return 0;
}

static size_t crls_size(const struct parts *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_crls; i++)
		n += p->crls[i].len;
	return n;
}

/* ---- the CMC full response ---- */

struct signer {
	struct ca *ca;
	int rc; /* ca_sign's last failure: CA_EHSM when the HSM failed */
};

static int sign_cb(void *ctx, enum x509_sigalg alg, const struct x509_buf *tbs, uint8_t *sig,
		   size_t *sig_len, char *err, size_t errlen)
{
	struct signer *sg = ctx;
	int rc = ca_sign(sg->ca, &sg->ca->sign_key, alg, tbs, sig, sig_len, err, errlen);

	if (rc != 0)
		sg->rc = rc;
	return rc == 0 ? 0 : -1;
}

/* The CMC request's bodyPartID, transactionId and senderNonce, from the
 * request as recorded. A request that is not CMC, or whose recorded bytes do
 * not decode (it failed for that): none (*cms zeroed). 0, or -1 when the ledger
 * could not be read. */
static int cmc_request_of(struct submit_ctx *c, const struct ledger_request_row *row,
			  struct cms_request *cms, char *err, size_t errlen)
{
	static const struct icpr_limits limits = CUST_REQUEST_LIMITS;
	struct icpr_request rq;
	struct ledger_event ev;
	uint8_t *rec = NULL;
	size_t len = 0;
	char *strbuf, why[256];
	int rc = -1;

	memset(cms, 0, sizeof(*cms));
	if (row->format != FMT_CMC)
		return 0;
	if ((strbuf = malloc(LEDGER_STRBUF)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (record_get_record(c->rec, row->seq_received, &rec, &len, err, errlen) != 0 ||
	    ledger_record_decode(rec, len, &ev, strbuf, LEDGER_STRBUF, err, errlen) != 0)
		goto out;
	if (ev.type != EV_REQUEST_RECEIVED || ev.u.request.request_id != row->request_id) {
		snprintf(err, errlen, "request %u: the ledger's event does not match",
			 row->request_id);
		goto out;
	}
	rc = 0;
	if (icpr_request_admit(ev.u.request.raw.p, ev.u.request.raw.len, &limits, &rq, why,
			       sizeof(why)) != 0)
		goto out;
	if (cms_request_decode(rq.der.data, rq.der.len, cms, why, sizeof(why)) != 0 ||
	    !cms->cmc) {
		cms_request_free(cms);
		memset(cms, 0, sizeof(*cms));
	}
	icpr_request_free(&rq);
out:
	free(rec);
	free(strbuf);
	return rc;
}

/* The bytes of msg that are whole UTF-8 characters from its start: the ledger's
 * row keeps a long message cut at a byte count, perhaps inside a character,
 * which the builder would refuse in statusString. */
static int utf8_whole(const char *msg)
{
	const uint8_t *m = (const uint8_t *)msg;
	size_t len = strlen(msg), at = 0, n;
	uint32_t cp;

	while (at < len && (n = utf8_next(m + at, len - at, &cp)) != 0)
		at += n;
	return (int)at;
}

/* The full response over p's certificates (and CRLs when with_crls), at most max
 * bytes. 0 with *out, or an HRESULT with msg; *too_big 1 when only the size
 * refused it. */
static uint32_t build_full(struct submit_ctx *c, const struct ledger_request_row *row,
			   const struct cms_request *cms, const struct parts *p, int with_crls,
			   const char *note, size_t max, struct x509_buf *out, int *too_big,
			   char *msg, size_t msglen)
{
	struct cmc_response_in in;
	struct signer sg = {c->ca, 0};
	uint8_t nonce[16];
	char status[LEDGER_ROW_MESSAGE_MAX + 160], err[256];
	uint32_t body_part;
	int rc, whole = utf8_whole(row->message);

	*too_big = 0;
	memset(&in, 0, sizeof(in));
	switch (row->disposition) {
	case DISP_ISSUED:
	case DISP_REVOKED:
		in.status = CMC_STATUS_SUCCESS;
		snprintf(status, sizeof(status), "%.*s%s", whole, row->message, note);
		break;
	case DISP_PENDING:
		in.status = CMC_STATUS_PENDING;
		in.request_id = row->request_id;
		in.submitted = row->submitted;
		snprintf(status, sizeof(status), "%.*s%s", whole, row->message, note);
		break;
	default: /* failed, denied */
		in.status = CMC_STATUS_FAILED;
		in.hresult = row->hresult;
		in.fail_mode = CMC_FAIL_FROM_HRESULT;
		snprintf(status, sizeof(status), "%.*s (0x%08x)%s", whole, row->message,
			 row->hresult, note);
		break;
	}
	in.status_string = status;
	body_part = cms->body_part_id != 0 ? cms->body_part_id : 1;
	in.body_parts = &body_part;
	in.n_body_parts = 1;
	in.transaction_id = cms->transaction_id;
	in.recipient_nonce = cms->sender_nonce;
	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce)) {
		snprintf(msg, msglen, "no random bytes for the sender nonce");
		return HR_E_UNEXPECTED;
	}
	in.sender_nonce.data = nonce;
	in.sender_nonce.len = sizeof(nonce);
	in.ca_cert = c->ca->cert.der.data;
	in.ca_cert_len = c->ca->cert.der.len;
	in.certs = p->certs;
	in.n_certs = p->n_certs;
	in.crls = with_crls ? p->crls : NULL;
	in.n_crls = with_crls ? p->n_crls : 0;
	in.signing_time = (int64_t)time(NULL);
	in.max_size = max;
	rc = cmc_response_build(&in, sign_cb, &sg, out, err, sizeof(err));
	/* The builder verified the signature with the CA key on this service
	 * thread (full responses are rare; x509.h says why this matters). */
	x509_verify_thread_done();
	if (rc != 0) {
		snprintf(msg, msglen, "the CMC full response: %s", err);
		if (sg.rc == CA_EHSM)
			return HR_NTE_FAIL;
		*too_big = strstr(err, "larger than") != NULL;
		return HR_E_UNEXPECTED;
	}
	return 0;
}

/* The certs-only PKCS#7 (with CRLs when with_crls), at most max bytes. */
static uint32_t build_certs_only(const struct parts *p, int with_crls, size_t max,
				 struct x509_buf *out, int *too_big, char *msg, size_t msglen)
{
	int rc = icpr_pkcs7_certs_only(p->certs, p->n_certs, with_crls ? p->crls : NULL,
				       with_crls ? p->n_crls : 0, out);

	*too_big = 0;
	if (rc == ICPR_OK && out->len <= max)
		return 0;
	if (rc == ICPR_OK) {
		x509_buf_free(out);
		*too_big = 1;
	}
	snprintf(msg, msglen, "the PKCS#7 cannot be built%s",
		 rc == ICPR_OK ? ": larger than the channel takes" : "");
	return HR_E_UNEXPECTED;
}

uint32_t respond_build(struct submit_ctx *c, const struct ledger_request_row *row,
		       uint32_t flags, size_t max, struct x509_buf *out, int *crls_left_out,
		       char *msg, size_t msglen)
{
	struct parts p;
	struct cms_request *cms = NULL;
	char err[512], note[128] = "";
	int with_crls, asked_crls, too_big = 0;
	uint32_t hr = HR_E_UNEXPECTED;

	memset(&p, 0, sizeof(p));
	out->data = NULL;
	out->len = 0;
	*crls_left_out = 0;
	if (gather_certs(c, row, &p, err, sizeof(err)) != 0 ||
	    ((flags & ICPR_CR_IN_CRLS) && gather_crls(c, max, &p, err, sizeof(err)) != 0)) {
		snprintf(msg, msglen, "%s", err);
		goto out;
	}
	/* CRLs alone beyond the cap are not even tried (a base CRL may be far
	 * larger than the channel); the rest may still push it over: tried. */
	with_crls = p.n_crls > 0 && !p.crls_skipped && crls_size(&p) < max;
	asked_crls = p.n_crls > 0 || p.crls_skipped;
	if (flags & ICPR_CR_IN_FULLRESPONSE) {
		if ((cms = calloc(1, sizeof(*cms))) == NULL) {
			snprintf(msg, msglen, "out of memory");
			goto out;
		}
		if (cmc_request_of(c, row, cms, err, sizeof(err)) != 0) {
			snprintf(msg, msglen, "%s", err);
			goto out;
		}
		if (asked_crls && !with_crls)
			snprintf(note, sizeof(note), CUST_CRLS_LEFT_OUT_FMT,
				 (unsigned)(max / 1024));
		hr = build_full(c, row, cms, &p, with_crls, note, max, out, &too_big, msg, msglen);
		if (hr != 0 && too_big && with_crls) {
			snprintf(note, sizeof(note), CUST_CRLS_LEFT_OUT_FMT,
				 (unsigned)(max / 1024));
			with_crls = 0;
			hr = build_full(c, row, cms, &p, 0, note, max, out, &too_big, msg, msglen);
		}
	} else {
		hr = build_certs_only(&p, with_crls, max, out, &too_big, msg, msglen);
		if (hr != 0 && too_big && with_crls) {
			with_crls = 0;
			hr = build_certs_only(&p, 0, max, out, &too_big, msg, msglen);
		}
	}
	if (hr == 0)
		*crls_left_out = asked_crls && !with_crls;
out:
	if (cms != NULL) {
		cms_request_free(cms);
		free(cms);
	}
	parts_free(&p);
	return hr;
}

static void reply_response(struct service *s, uint32_t id, const struct x509_buf *p7,
			   int crls_left_out)
{
	struct cust_response_is a = {p7->data, p7->len, crls_left_out ? 1u : 0u};
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	cust_response_is_encode(&w, &a);
	service_reply(s, CUST_RESPONSE_IS, id, &w);
}

int reader_admitted(struct service *s, struct submit_ctx *c, const struct cust_who *who,
		    uint32_t id, char *out, size_t outlen)
{
	struct policy *pol;
	char err[512];
	uint32_t hr;
	int anonymous;

	if (requester_of(s, c, who->token, who->token_len, who->requester, out, outlen,
			 &anonymous, NULL, NULL) != 0)
		return -1;
	if ((pol = malloc(sizeof(*pol))) == NULL) {
		cust_reply_error(s, id, HR_E_OUTOFMEMORY, "out of memory");
		return -1;
	}
	submit_policy(c, pol);
	hr = access_refused(pol, anonymous, err, sizeof(err));
	free(pol);
	if (hr != 0) {
		cust_reply_error(s, id, hr, err);
		return -1;
	}
	return 0;
}

void handle_response(struct service *s, struct submit_ctx *c, const struct ipc_msg *m)
{
	struct ledger_request_row row;
	struct cust_response q;
	struct x509_buf p7 = {0};
	char err[512], requester[CUST_REQUESTER_MAX + 1];
	uint32_t hr;
	int rc, left_out = 0;

	if (cust_response_decode(m->data, m->hdr.len, &q) != 0) {
		service_violation(s, "malformed RESPONSE");
		return;
	}
	if (reader_admitted(s, c, &q.who, m->hdr.id, requester, sizeof(requester)) != 0)
		return;
	rc = q.request_id == 0 ? 1 : record_get_request(c->rec, q.request_id, &row, err,
							  sizeof(err));
	if (rc == 1) {
		cust_reply_error(s, m->hdr.id, HR_CERTSRV_E_PROPERTY_EMPTY, "no such request");
		return;
	}
	if (rc != 0) {
		cust_reply_error(s, m->hdr.id, HR_E_UNEXPECTED, err);
		return;
	}
	/* As a retrieval: the request's own requester only. */
	if (strcmp(row.requester, requester) != 0) {
		log_info("response for request %u to %s refused: made by another requester",
			 q.request_id, requester);
		cust_reply_error(s, m->hdr.id, HR_E_ACCESSDENIED,
				 "the request was made by another requester");
		return;
	}
	hr = respond_build(c, &row, q.flags, CUST_PKCS7_MAX, &p7, &left_out, err, sizeof(err));
	if (hr != 0) {
		log_warnx("response for request %u: %s", q.request_id, err);
		cust_reply_error(s, m->hdr.id, hr, err);
		return;
	}
	reply_response(s, m->hdr.id, &p7, left_out);
	x509_buf_free(&p7);
}
