/* MS-WCCE over DCOM, the client's side (client.h): activation on the endpoint
 * mapper's port, then ORPC calls on ICertRequestD2 at the OXID's binding. The
 * codecs are firmware/rpc's (dcom_act.c, wcce_stub.c); every answer is read by
 * their bounded decoders. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "firmware/client/client.h"
#include "firmware/rpc/dcom.h"
#include "firmware/rpc/dcom_act.h"
#include "firmware/rpc/dcom_remunk.h"
#include "firmware/rpc/wcce_stub.h"

#define TOWER_NCACN_IP_TCP 7

static const struct rpc_syntax iface_scm = { .uuid = { { 0xa0, 0x01, 0, 0, 0, 0, 0, 0, 0xc0,
							 0, 0, 0, 0, 0, 0, 0x46 } } };
static const struct rpc_syntax iface_remunknown2 = { .uuid = { { 0x43, 0x01, 0, 0, 0, 0, 0, 0,
								 0xc0, 0, 0, 0, 0, 0, 0,
								 0x46 } } };

static const struct rpc_syntax *iface_d2(void)
{
	static struct rpc_syntax s;

	s.uuid = dcom_iid_icertrequestd2;
	return &s;
}

/* ORPCTHIS for a call: COM 5.7, a fresh causality id. */
static void orpcthis(struct dcom_orpcthis *t)
{
	memset(t, 0, sizeof *t);
	t->major = DCOM_COM_MAJOR;
	t->minor = DCOM_COM_MINOR;
	if (getrandom(&t->cid, sizeof t->cid, 0) != (ssize_t)sizeof t->cid)
		memset(&t->cid, 0x5a, sizeof t->cid); /* a causality id need not be secret */
}

static int bind_as(struct rpcc *c, const struct rpc_syntax *s, const struct enroll_target *t)
{
	return t->auth != NULL ? rpcc_bind_auth(c, s, t->auth) : rpcc_bind(c, s);
}

/* "host[port]" -> host (in h) and port; -1 when it is not that form. */
static int split_binding(const char *addr, char *h, size_t hlen, uint16_t *port)
{
	const char *lb = strrchr(addr, '['), *p;
	unsigned long v = 0;

	if (lb == NULL || (size_t)(lb - addr) >= hlen || lb == addr)
		return -1;
	for (p = lb + 1; *p >= '0' && *p <= '9' && v <= 65535; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == lb + 1 || *p != ']' || p[1] != 0 || v == 0 || v > 65535)
		return -1;
	memcpy(h, addr, (size_t)(lb - addr));
	h[lb - addr] = 0;
	*port = (uint16_t)v;
	return 0;
}

/* The port of the binding to use (see client.h). */
static int pick_port(const struct dcom_bindings *b, const struct sockaddr_storage *ss,
		     socklen_t sslen, const char *given, uint16_t *port)
{
	char reached[NI_MAXHOST] = "", h[DCOM_ADDR_MAX + 1];
	uint16_t p, first = 0;

	(void)getnameinfo((const struct sockaddr *)ss, sslen, reached, sizeof reached, NULL, 0,
			  NI_NUMERICHOST);
	for (size_t i = 0; i < b->n_str; i++) {
		if (b->str[i].tower_id != TOWER_NCACN_IP_TCP ||
		    split_binding(b->str[i].addr, h, sizeof h, &p) != 0)
			continue;
		if (strcmp(h, reached) == 0 || strcasecmp(h, given) == 0) {
			*port = p;
			return 0;
		}
		if (first == 0)
			first = p;
	}
	if (first == 0)
		return -1;
	*port = first;
	return 0;
}

/* RemoteCreateInstance for ICertRequestD2 on c (bound to the activator). */
static int activate(struct rpcc *c, struct dcom_act_reply *r, char *err, size_t errlen)
{
	struct dcom_act_in in;
	struct ndr_wr stub, out;
	int rc;

	memset(&in, 0, sizeof in);
	orpcthis(&in.orpc);
	in.clsid = dcom_clsid_ccertrequestd;
	in.iids[0] = dcom_iid_icertrequestd2;
	in.n_iids = 1;
	in.protseqs[0] = TOWER_NCACN_IP_TCP;
	in.n_protseqs = 1;
	in.client_major = DCOM_COM_MAJOR;
	in.client_minor = DCOM_COM_MINOR;
	ndr_wr_init(&stub, RPCC_MAX_STUB);
	ndr_wr_init(&out, RPCC_MAX_STUB);
	if (dcom_act_encode_in(DCOM_ACT_OPNUM_CREATEINSTANCE, &in, &stub) != 0) {
		snprintf(err, errlen, "cannot encode RemoteCreateInstance");
		rc = RPCC_EPROTO;
	} else if ((rc = rpcc_call(c, DCOM_ACT_OPNUM_CREATEINSTANCE, stub.buf, stub.len,
				   &out)) != RPCC_OK) {
		snprintf(err, errlen, "RemoteCreateInstance: %s", c->err);
	} else if (dcom_act_decode_out(DCOM_ACT_OPNUM_CREATEINSTANCE, out.buf, out.len, r, err,
				       errlen) != 0) {
		rc = RPCC_EPROTO;
	} else if (r->hr != 0) {
		snprintf(err, errlen, "RemoteCreateInstance refused: HRESULT 0x%08x", r->hr);
		c->fault = r->hr;
		rc = RPCC_EFAULT;
	} else if (r->n_ifaces != 1 || !rpc_uuid_eq(&r->iids[0], &dcom_iid_icertrequestd2)) {
		snprintf(err, errlen, "RemoteCreateInstance: an answer for other interfaces");
		rc = RPCC_EPROTO;
	} else if (r->iface_hr[0] != 0) {
		snprintf(err, errlen, "RemoteCreateInstance: ICertRequestD2 refused, HRESULT 0x%08x",
			 r->iface_hr[0]);
		c->fault = r->iface_hr[0];
		rc = RPCC_EFAULT;
	}
	ndr_wr_free(&stub);
	ndr_wr_free(&out);
	return rc;
}

int dcomc_open(const struct enroll_target *t, struct dcomc *d, char *err, size_t errlen)
{
	struct dcom_act_reply r;
	struct rpcc act;
	int rc;

	memset(d, 0, sizeof *d);
	d->c.fd = -1;
	if ((rc = enroll_connect_epm(t, &act, &d->ss, &d->sslen, err, errlen)) != RPCC_OK)
		return rc;
	rc = bind_as(&act, &iface_scm, t);
	if (rc != RPCC_OK)
		snprintf(err, errlen, "activation at %s port %s: %s", t->host, t->port, act.err);
	else
		rc = activate(&act, &r, err, errlen);
	rpcc_close(&act);
	if (rc != RPCC_OK)
		return rc;
	if (pick_port(&r.oxid_bindings, &d->ss, d->sslen, t->host, &d->port) != 0) {
		snprintf(err, errlen, "activation: no ncacn_ip_tcp binding in the OXID's bindings");
		return RPCC_EPROTO;
	}
	d->ipid = r.std[0].ipid;
	d->oxid = r.std[0].oxid;
	d->oid = r.std[0].oid;
	d->public_refs = r.std[0].public_refs;
	d->ipid_remunknown = r.ipid_remunknown;
	enroll_set_port(&d->ss, d->port);
	rc = rpcc_connect(&d->c, (struct sockaddr *)&d->ss, d->sslen, t->timeout_ms, t->max_recv);
	if (rc == RPCC_OK)
		rc = bind_as(&d->c, iface_d2(), t);
	if (rc != RPCC_OK) {
		snprintf(err, errlen, "ICertRequestD2 at %s port %u: %s", t->host, d->port,
			 d->c.err);
		rpcc_close(&d->c);
		return rc;
	}
	rpcc_set_object(&d->c, &d->ipid);
	if (errlen > 0)
		err[0] = 0; /* enroll_connect_epm leaves a note even when it connects */
	return RPCC_OK;
}

int dcomc_request2(struct dcomc *d, const struct rpc_icpr_request *q, struct ndr_wr *out,
		   struct rpc_icpr_response *resp)
{
	struct wcce_request w;
	struct wcce_request_response a;
	struct ndr_wr stub;
	int rc;

	memset(&w, 0, sizeof w);
	memset(resp, 0, sizeof *resp);
	orpcthis(&w.orpc);
	w.flags = q->flags;
	w.authority.present = q->has_authority;
	w.authority.p = q->authority;
	w.authority.units = q->authority_units;
	w.request_id = q->request_id;
	if (q->attribs.cb >= 2) {
		/* ICPR's pctbAttribs is UTF-16LE with its NUL; here it is a string */
		size_t units = q->attribs.cb / 2;

		if (q->attribs.pb[2 * units - 2] == 0 && q->attribs.pb[2 * units - 1] == 0)
			units--;
		w.attributes.present = units > 0;
		w.attributes.p = q->attribs.pb;
		w.attributes.units = units;
	}
	w.request = q->request;
	ndr_wr_init(&stub, RPCC_MAX_STUB);
	if (wcce_request_encode_in(WCCE_OPNUM_REQUEST2, &w, &stub) != 0) {
		snprintf(d->c.err, sizeof d->c.err, "cannot encode Request2");
		rc = RPCC_EPROTO;
	} else {
		rc = rpcc_call(&d->c, WCCE_OPNUM_REQUEST2, stub.buf, stub.len, out);
	}
	ndr_wr_free(&stub);
	if (rc == RPCC_OK &&
	    wcce_request_decode_out(out->buf, out->len, &a, d->c.err, sizeof d->c.err) != 0)
		rc = RPCC_EPROTO;
	if (rc != RPCC_OK)
		return rc;
	resp->request_id = a.request_id;
	resp->disposition = a.disposition;
	resp->cert = a.chain;
	resp->encoded_cert = a.encoded_cert;
	resp->disposition_message = a.disposition_message;
	resp->status = a.hr;
	return RPCC_OK;
}

int dcomc_getcaprop(struct dcomc *d, const uint8_t *authority, size_t units, int32_t prop_id,
		    int32_t prop_index, int32_t prop_type, struct ndr_wr *out,
		    struct rpc_icpr_blob *val, uint32_t *hr)
{
	struct wcce_getcaproperty q;
	struct ndr_wr stub;
	int rc;

	memset(&q, 0, sizeof q);
	orpcthis(&q.orpc);
	q.authority.present = authority != NULL;
	q.authority.p = authority;
	q.authority.units = units;
	q.prop_id = prop_id;
	q.prop_index = prop_index;
	q.prop_type = prop_type;
	ndr_wr_init(&stub, 65536);
	if (wcce_getcaproperty_encode_in(&q, &stub) != 0) {
		snprintf(d->c.err, sizeof d->c.err, "cannot encode GetCAProperty");
		rc = RPCC_EPROTO;
	} else {
		rc = rpcc_call(&d->c, WCCE_OPNUM_GETCAPROPERTY, stub.buf, stub.len, out);
	}
	ndr_wr_free(&stub);
	if (rc == RPCC_OK &&
	    wcce_blob_decode_out(out->buf, out->len, val, hr, d->c.err, sizeof d->c.err) != 0)
		rc = RPCC_EPROTO;
	return rc;
}

/* IRemUnknown2::RemRelease of the object's references (hand-written: the
 * stub is ORPCTHIS, cInterfaceRefs, the conformant REMINTERFACEREF array). */
static void release(struct dcomc *d, const struct enroll_target *t)
{
	struct dcom_orpcthis o;
	struct rpcc c;
	struct ndr_wr stub, out;

	if (rpcc_connect(&c, (struct sockaddr *)&d->ss, d->sslen, t->timeout_ms, t->max_recv) !=
	    RPCC_OK)
		return;
	ndr_wr_init(&stub, 4096);
	ndr_wr_init(&out, 4096);
	orpcthis(&o);
	ndr_put_u16(&stub, o.major);
	ndr_put_u16(&stub, o.minor);
	ndr_put_u32(&stub, 0);
	ndr_put_u32(&stub, 0);
	ndr_put_uuid(&stub, &o.cid);
	ndr_put_u32(&stub, 0);
	ndr_put_u16(&stub, 1);
	ndr_put_u32(&stub, 1);
	ndr_put_uuid(&stub, &d->ipid);
	ndr_put_u32(&stub, d->public_refs);
	ndr_put_u32(&stub, 0);
	if (ndr_wr_ok(&stub) && bind_as(&c, &iface_remunknown2, t) == RPCC_OK) {
		rpcc_set_object(&c, &d->ipid_remunknown);
		(void)rpcc_call(&c, DCOM_REMUNK_OPNUM_RELEASE, stub.buf, stub.len, &out);
	}
	ndr_wr_free(&stub);
	ndr_wr_free(&out);
	rpcc_close(&c);
}

void dcomc_close(struct dcomc *d, const struct enroll_target *t, int release_it)
{
	rpcc_close(&d->c);
	if (release_it && t != NULL && d->public_refs > 0)
		release(d, t);
	d->public_refs = 0;
}

int dcom_enroll_call(const struct enroll_target *t, const struct rpc_icpr_request *q,
		     struct ndr_wr *out, struct rpc_icpr_response *resp, char *err,
		     size_t errlen)
{
	struct dcomc d;
	int rc;

	if ((rc = dcomc_open(t, &d, err, errlen)) != RPCC_OK)
		return rc;
	rc = dcomc_request2(&d, q, out, resp);
	if (rc != RPCC_OK)
		snprintf(err, errlen, "ICertRequestD2 at %s port %u: %s", t->host, d.port, d.c.err);
	dcomc_close(&d, t, 1);
	return rc;
}
