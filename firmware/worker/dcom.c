/* DCOM (MS-DCOM) and MS-WCCE's ICertRequestD/D2: the calls of the interfaces
 * worker_ifaces_init lists next to epmapper and ICertPassage.
 *
 * On the endpoint-mapper port: IRemoteSCMActivator (activation of
 * CLSID_CCertRequestD) and IObjectExporter (OXID resolution, pings, server
 * aliveness). On the ICPR port: the exporter's IRemUnknown/IRemUnknown2 and
 * the objects' ICertRequestD/D2, each call naming its interface pointer (IPID)
 * in the request PDU's object UUID. The objects are the worker's
 * (firmware/worker/dcom_table.c): one OXID, objects owned by the logon that
 * activated them, bounded per owner and in all, freed when released or no
 * longer pinged. The wire forms are firmware/rpc's (dcom*.c, wcce_stub.c);
 * what the custodian answers (enrollment, CA properties) is the custodian's.
 *
 * Who may do what:
 *   - activation, pings, IRemUnknown: an NTLM logon (any level: the objects are
 *     the logon's; Windows' activation also runs at connect level);
 *   - ServerAlive, ServerAlive2, ResolveOxid(2): anyone (MS-DCOM: "MUST NOT
 *     specify security" on ServerAlive2); they name the bindings and the
 *     IRemUnknown IPID only, which are useless without objects of one's own;
 *   - ICertRequestD/D2: the object's owner, and what ICPR asks (packet privacy
 *     under IF_ENFORCEENCRYPTICERTREQUEST, IF_NORPCICERTREQUEST off):
 *     worker_access_check, worker_enroll.
 * An IPID that is unknown, released, expired or another logon's gets the same
 * fault (RPC_E_INVALID_IPID): nothing tells a caller that it exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/custodian/msg.h"
#include "firmware/custodian/proto.h"
#include "firmware/icpr/caprop.h"
#include "firmware/icpr/icpr.h"
#include "firmware/rpc/dcom.h"
#include "firmware/rpc/dcom_act.h"
#include "firmware/rpc/dcom_oxid.h"
#include "firmware/rpc/dcom_remunk.h"
#include "firmware/rpc/wcce_stub.h"
#include "firmware/worker/dcom_table.h"
#include "firmware/worker/ntlm.h"
#include "firmware/worker/worker.h"
#include "platform/log.h"

_Static_assert(WORKER_DCOM_ADDRESS_MAX + 7 <= DCOM_ADDR_MAX, "a configured address and its port fit a binding");

#define TOWER_TCP 7          /* ncacn_ip_tcp (MS-DCOM 2.2.19.3) */
#define AUTHN_NEGOTIATE 9    /* RPC_C_AUTHN_GSS_NEGOTIATE: SPNEGO, Kerberos or NTLM */
#define AUTHN_WINNT 10       /* RPC_C_AUTHN_WINNT: bare NTLM */
#define CAPROP_MAX_STATES 16 /* signing certificates whose states one answer lists */
#define PUBLIC_REFS 5        /* references handed out with each interface pointer,
			      * as Windows does */

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* The logon that owns objects: its identity, or NULL without a named logon. */
static const char *owner_of(const struct worker_ntlm *a)
{
	return a->established && !a->anonymous && a->identity[0] != 0 ? a->identity : NULL;
}

int worker_dcom_address_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= WORKER_DCOM_ADDRESS_MAX &&
			       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					 "0123456789.-:") == n
		       ? 0
		       : -1;
}

/* One string binding of address (with the port when given). */
static void add_binding(struct dcom_bindings *b, const char *address, uint16_t port)
{
	struct dcom_strbinding *s = &b->str[b->n_str++];

	s->tower_id = TOWER_TCP;
	if (port != 0)
		snprintf(s->addr, sizeof(s->addr), "%s[%u]", address, port);
	else
		snprintf(s->addr, sizeof(s->addr), "%s", address);
}

/* The string bindings (the configured address first, when there is one, then
 * the address the client reached: a client takes the first it can use) and
 * the security bindings: Negotiate first, then bare NTLM. A Windows client
 * asking for the default service takes the first it supports, so Negotiate
 * first is what lets a domain client use Kerberos on the objects, as against
 * AD CS; without a keytab SPNEGO still carries NTLM (firmware/auth). */
static void bindings(const struct worker *w, struct dcom_bindings *b, const char *local,
		     uint16_t port)
{
	memset(b, 0, sizeof(*b));
	if (w->dcom_address[0] != 0)
		add_binding(b, w->dcom_address, port);
	add_binding(b, local, port);
	b->n_sec = 2;
	b->sec[0].authn_svc = AUTHN_NEGOTIATE;
	b->sec[1].authn_svc = AUTHN_WINNT;
}

/* Where the objects are (the OXID's bindings: the ICPR port) and where the
 * resolver is (the endpoint mapper's port; none named when it is 135, the
 * well-known one). */
static void oxid_bindings(const struct worker *w, const char *local, struct dcom_bindings *b)
{
	bindings(w, b, local, w->icpr_port);
}

static void resolver_bindings(const struct worker *w, const char *local, struct dcom_bindings *b)
{
	bindings(w, b, local, w->epm_port == 135 ? 0 : w->epm_port);
}

/* The level hint a client should use on the objects. */
static uint32_t authn_hint(const struct worker *w)
{
	return w->enforce_encryption ? RPC_AUTHN_LEVEL_PKT_PRIVACY : RPC_AUTHN_LEVEL_CONNECT;
}

/* Sends what an encoder wrote, or faults the call when it failed. */
static void send_stub(struct rpc_conn *c, struct ndr_wr *wr, int rc)
{
	if (rc != 0 || !ndr_wr_ok(wr))
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
	else
		rpc_conn_respond(c, wr->buf, wr->len);
	ndr_wr_free(wr);
}

/* ---- IRemoteSCMActivator ---- */

/* The interfaces a CCertRequestD object has. */
static int served_iid(const struct rpc_uuid *iid)
{
	return rpc_uuid_eq(iid, &dcom_iid_iunknown) || rpc_uuid_eq(iid, &dcom_iid_icertrequestd) ||
	       rpc_uuid_eq(iid, &dcom_iid_icertrequestd2);
}

/* Creates the object and fills out's interface pointers: 0, or the HRESULT. */
static uint32_t activate(struct worker *w, const char *owner, const struct dcom_act_in *in,
			 struct dcom_act_out *out)
{
	struct rpc_uuid iids[DCOM_ACT_MAX_IIDS], ipids[DCOM_ACT_MAX_IIDS];
	size_t n = 0, k = 0;
	uint64_t oid = 0;
	uint32_t hr;

	if (!rpc_uuid_eq(&in->clsid, &dcom_clsid_ccertrequestd))
		return DCOM_REGDB_E_CLASSNOTREG;
	for (size_t i = 0; i < in->n_iids; i++)
		if (served_iid(&in->iids[i]))
			iids[n++] = in->iids[i];
	if (n == 0)
		return DCOM_E_NOINTERFACE;
	hr = dcom_table_activate(w->dcom, owner, now_s(), iids, n, PUBLIC_REFS, &oid, ipids);
	if (hr != 0)
		return hr;
	out->oxid = dcom_table_oxid(w->dcom);
	dcom_table_remunknown_ipid(w->dcom, &out->ipid_remunknown);
	out->n_ifaces = in->n_iids;
	for (size_t i = 0; i < in->n_iids; i++) {
		out->iids[i] = in->iids[i];
		if (!served_iid(&in->iids[i])) {
			out->iface_hr[i] = DCOM_E_NOINTERFACE;
			continue;
		}
		out->std[i] = (struct dcom_stdobjref){.flags = 0, .public_refs = PUBLIC_REFS,
						      .oxid = out->oxid, .oid = oid,
						      .ipid = ipids[k++]};
	}
	return 0;
}

static void scm_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
		     const struct worker_ntlm *a, const char *peer, const char *local)
{
	struct dcom_bindings ob, rb;
	struct dcom_act_out out;
	struct dcom_act_in *in;
	struct ndr_wr wr;
	const char *owner = owner_of(a);
	uint32_t hr = 0;
	char err[200];

	if (req->opnum != DCOM_ACT_OPNUM_CREATEINSTANCE &&
	    req->opnum != DCOM_ACT_OPNUM_GETCLASSOBJECT) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	if ((in = malloc(sizeof(*in))) == NULL) {
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	memset(&out, 0, sizeof(out));
	if (dcom_act_decode(req->opnum, req->stub, req->stub_len, in, &hr, err, sizeof(err)) != 0 &&
	    hr == 0) {
		log_warnx("%s: activation: %s", peer, err);
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		free(in);
		return;
	}
	if (hr != 0)
		log_info("%s: activation refused (0x%08x): %s", peer, hr, err);
	else if (owner == NULL)
		hr = DCOM_E_ACCESSDENIED; /* the objects are a logon's */
	else if ((hr = dcom_version_check(&in->orpc)) != 0)
		;
	else if (req->opnum == DCOM_ACT_OPNUM_GETCLASSOBJECT)
		/* The class object is not exported: certreq and CertEnroll activate
		 * with RemoteCreateInstance. */
		hr = DCOM_E_NOINTERFACE;
	else if ((hr = activate(w, owner, in, &out)) == 0)
		log_info("%s: %s activated a CCertRequestD object", peer, owner);
	else
		log_info("%s: activation for %s refused (0x%08x)", peer, owner, hr);
	oxid_bindings(w, local, &ob);
	resolver_bindings(w, local, &rb);
	out.hr = hr;
	out.authn_hint = authn_hint(w);
	out.oxid_bindings = &ob;
	out.resolver = &rb;
	ndr_wr_init(&wr, RPC_DEFAULT_MAX_STUB);
	send_stub(c, &wr, dcom_act_encode(req->opnum, &out, &wr));
	free(in);
}

/* ---- IObjectExporter ---- */

static void oxid_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
		      const struct worker_ntlm *a, const char *peer, const char *local)
{
	struct dcom_bindings ob, rb;
	struct dcom_oxid_out out;
	struct dcom_oxid_in *in;
	struct ndr_wr wr;
	const char *owner = owner_of(a);
	char err[200];

	if (req->opnum >= DCOM_OXID_N_OPS) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	if ((in = malloc(sizeof(*in))) == NULL) {
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	if (dcom_oxid_decode(req->opnum, req->stub, req->stub_len, in, err, sizeof(err)) != 0) {
		log_warnx("%s: IObjectExporter: %s", peer, err);
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		free(in);
		return;
	}
	memset(&out, 0, sizeof(out));
	oxid_bindings(w, local, &ob);
	resolver_bindings(w, local, &rb);
	out.com_major = DCOM_COM_MAJOR;
	out.com_minor = DCOM_COM_MINOR;
	switch (req->opnum) {
	case DCOM_OXID_OPNUM_RESOLVE_OXID:
	case DCOM_OXID_OPNUM_RESOLVE_OXID2:
		if (in->oxid != dcom_table_oxid(w->dcom)) {
			out.status = DCOM_OR_INVALID_OXID;
			break;
		}
		out.oxid_bindings = &ob;
		dcom_table_remunknown_ipid(w->dcom, &out.ipid_remunknown);
		out.authn_hint = authn_hint(w);
		break;
	case DCOM_OXID_OPNUM_SIMPLE_PING:
		out.status = owner == NULL ? DCOM_OR_INVALID_SET
					   : dcom_table_simple_ping(w->dcom, owner, in->setid, now_s());
		break;
	case DCOM_OXID_OPNUM_COMPLEX_PING:
		out.setid = in->setid;
		out.status = owner == NULL ? DCOM_OR_INVALID_SET
					   : dcom_table_complex_ping(w->dcom, owner, now_s(), &out.setid,
								     in->sequence, in->add, in->n_add,
								     in->del, in->n_del);
		break;
	case DCOM_OXID_OPNUM_SERVER_ALIVE2:
		out.or_bindings = &rb;
		break;
	default: /* ServerAlive */
		break;
	}
	ndr_wr_init(&wr, RPC_DEFAULT_MAX_STUB);
	send_stub(c, &wr, dcom_oxid_encode(req->opnum, &out, &wr));
	free(in);
}

/* ---- IRemUnknown, IRemUnknown2 ---- */

/* RemQueryInterface(2): an IPID on ripid's object for each IID the object
 * serves, E_NOINTERFACE for the others (which the table never sees: an
 * object holds IPIDs of its own interfaces only). */
static uint32_t remqi(struct worker *w, const char *owner, uint64_t now,
		      const struct dcom_remunk_in *in, struct dcom_remunk_out *out)
{
	struct rpc_uuid want[DCOM_REM_MAX], ipids[DCOM_REM_MAX], iid;
	uint32_t res[DCOM_REM_MAX], hr;
	size_t at[DCOM_REM_MAX], k = 0;
	uint64_t oid = 0;

	if (in->n_iids == 0 || in->n_iids > DCOM_REM_MAX)
		return DCOM_E_INVALIDARG;
	out->n = in->n_iids;
	for (size_t i = 0; i < in->n_iids; i++) {
		out->iids[i] = in->iids[i];
		out->results[i] = DCOM_E_NOINTERFACE;
		if (served_iid(&in->iids[i])) {
			at[k] = i;
			want[k++] = in->iids[i];
		}
	}
	/* ripid must be the caller's even when nothing asked for is served. */
	hr = k > 0 ? dcom_table_remqi(w->dcom, &in->ipid, owner, now, want, k, PUBLIC_REFS, ipids,
				      res, &oid)
		   : dcom_table_lookup(w->dcom, &in->ipid, owner, now, &iid, NULL);
	if (hr != 0)
		return hr;
	for (size_t j = 0; j < k; j++) {
		size_t i = at[j];

		out->results[i] = res[j];
		if (res[j] == 0)
			out->std[i] = (struct dcom_stdobjref){
				.public_refs = PUBLIC_REFS, .oxid = dcom_table_oxid(w->dcom),
				.oid = oid, .ipid = ipids[j]};
	}
	return 0;
}

static uint32_t remunk(struct worker *w, const char *owner, const struct rpc_request *req,
		       const struct dcom_remunk_in *in, struct dcom_remunk_out *out)
{
	uint64_t now = now_s();
	uint32_t hr;
	int freed;

	switch (req->opnum) {
	case DCOM_REMUNK_OPNUM_QI:
	case DCOM_REMUNK_OPNUM_QI2:
		return remqi(w, owner, now, in, out);
	case DCOM_REMUNK_OPNUM_ADDREF:
		if (in->n_irefs == 0)
			return DCOM_E_INVALIDARG;
		out->n = in->n_irefs;
		for (size_t i = 0; i < in->n_irefs; i++)
			out->results[i] = dcom_table_addref(w->dcom, &in->irefs[i].ipid, owner, now,
							    in->irefs[i].public_refs,
							    in->irefs[i].private_refs);
		return 0;
	default: /* RemRelease: every reference released that can be */
		hr = 0;
		for (size_t i = 0; i < in->n_irefs; i++) {
			uint32_t r = dcom_table_release(w->dcom, &in->irefs[i].ipid, owner, now,
							in->irefs[i].public_refs,
							in->irefs[i].private_refs, &freed);

			if (r != 0)
				hr = r;
		}
		return hr;
	}
}

static void remunk_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
			const struct worker_ntlm *a, const char *peer, const char *local)
{
	struct dcom_remunk_out *out;
	struct dcom_remunk_in *in;
	struct dcom_bindings rb;
	struct ndr_wr wr;
	const char *owner = owner_of(a);
	char err[200];

	if (req->opnum < DCOM_REMUNK_OPNUM_QI || !rpc_request_opnum_ok(req)) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	/* The exporter's own IPID, called by a logon (the objects are its). */
	if (!req->has_object || owner == NULL ||
	    !dcom_table_is_remunknown(w->dcom, &req->object)) {
		rpc_conn_fault(c, DCOM_RPC_E_INVALID_IPID);
		return;
	}
	in = malloc(sizeof(*in));
	out = calloc(1, sizeof(*out));
	if (in == NULL || out == NULL) {
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		goto done;
	}
	if (dcom_remunk_decode(req->opnum, req->stub, req->stub_len, in, err, sizeof(err)) != 0) {
		log_warnx("%s: IRemUnknown: %s", peer, err);
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		goto done;
	}
	if (dcom_version_check(&in->orpc) != 0) {
		rpc_conn_fault(c, DCOM_RPC_E_VERSION_MISMATCH);
		goto done;
	}
	resolver_bindings(w, local, &rb);
	out->resolver = &rb;
	out->hr = remunk(w, owner, req, in, out);
	/* RemQueryInterface2's phr has one entry per IID even when the call
	 * failed: each the call's HRESULT, never an S_OK without a pointer. */
	if (out->hr != 0 && req->opnum == DCOM_REMUNK_OPNUM_QI2)
		for (size_t i = 0; i < out->n; i++)
			out->results[i] = out->hr;
	ndr_wr_init(&wr, RPC_DEFAULT_MAX_STUB);
	send_stub(c, &wr, dcom_remunk_encode(req->opnum, out, &wr));
done:
	free(in);
	free(out);
}

/* ---- ICertRequestD, ICertRequestD2 ---- */

/* Request's and Request2's answer: CertServerRequest's fields after an
 * ORPCTHAT (worker_reply.encode). */
static int request_encode(const struct rpc_icpr_response *r, struct ndr_wr *w, void *arg)
{
	struct wcce_request_response q = {
		.request_id = r->request_id,
		.disposition = r->disposition,
		.chain = r->cert,
		.encoded_cert = r->encoded_cert,
		.disposition_message = r->disposition_message,
		.hr = r->status,
	};

	(void)arg;
	return wcce_request_encode(&q, w);
}

/* A [string] argument as the UTF-16 blob (NUL included) firmware/icpr reads. */
static struct rpc_icpr_blob string_blob(const struct wcce_wstr *s)
{
	struct rpc_icpr_blob b = {0};

	if (s->present) {
		b.pb = s->p;
		b.cb = (uint32_t)(2 * s->units + 2);
		b.present = 1;
	}
	return b;
}

/* Request and Request2: MS-WCCE's Request semantics, as CertServerRequest's
 * (worker_enroll). Request2's status inspection by serial number passes the
 * serial where CertServerRequest carries it (pctbAttribs of a retrieval with
 * request id -1, MS-WCCE 3.2.1.4.2.1.3). */
static void request_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
			 const struct worker_ntlm *a, const char *peer)
{
	const struct worker_reply out = {c, request_encode, NULL};
	struct rpc_icpr_request q;
	struct wcce_request in;
	char err[200];

	if (wcce_request_decode(req->opnum, req->stub, req->stub_len, &in, err, sizeof(err)) != 0) {
		log_warnx("%s: ICertRequestD Request: %s", peer, err);
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	if (dcom_version_check(&in.orpc) != 0) {
		rpc_conn_fault(c, DCOM_RPC_E_VERSION_MISMATCH);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.flags = in.flags;
	q.has_authority = in.authority.present;
	q.authority = in.authority.p;
	q.authority_units = in.authority.units;
	q.request_id = in.request_id;
	q.request = in.request;
	if (in.request.cb > 0) {
		q.attribs = string_blob(&in.attributes);
	} else if (in.serial.present) {
		q.attribs = string_blob(&in.serial);
		if (q.request_id == 0)
			q.request_id = 0xffffffffu;
	}
	worker_enroll(w, &out, &q, a, peer);
}

/* Asks the custodian for a CA property: 0 with *v (its value points into m,
 * which the caller frees), or the HRESULT for the client. */
static uint32_t custodian_caprop(struct worker *w, const struct worker_ntlm *a, const char *peer,
				 uint32_t id, uint32_t index, struct ipc_msg *m,
				 struct cust_caprop_is *v)
{
	struct cust_caprop q = {.prop_id = id, .index = index};
	struct cust_error e;
	struct ipc_wbuf req;
	char err[256];

	worker_who(a, peer, &q.who);
	ipc_wbuf_init(&req);
	cust_caprop_encode(&req, &q);
	if (ipc_call(&w->custodian, CUST_CAPROP, &req, m, err, sizeof(err)) != 0) {
		log_warnx("custodian: %s", err);
		return HR_E_UNEXPECTED;
	}
	if (m->hdr.type == CUST_CAPROP_IS && cust_caprop_is_decode(m->data, m->hdr.len, v) == 0)
		return 0;
	if (m->hdr.type != CUST_ERROR || cust_error_decode(m->data, m->hdr.len, &e) != 0)
		fatalx("protocol violation: answer %u from the custodian", m->hdr.type);
	ipc_msg_free(m);
	return e.hresult != 0 ? e.hresult : HR_E_UNEXPECTED;
}

/* A value in its wire form (caprop.h), malloc'd. */
struct wire_value {
	uint8_t *data;
	size_t len;
};

/* The custodian's value of (id, index) as the wire form `wire` wants it
 * (LONG, STRING, BINARY): 0, or the HRESULT. PropIndex -1 (the newest) asks
 * first how many there are. */
static uint32_t one_value(struct worker *w, const struct worker_ntlm *a, const char *peer,
			  uint32_t id, uint32_t index, uint8_t wire, struct wire_value *out)
{
	struct cust_caprop_is v;
	struct ipc_msg m;
	uint32_t hr;
	size_t cap;

	hr = custodian_caprop(w, a, peer, id, index == CAPROP_INDEX_LATEST ? 0 : index, &m, &v);
	if (hr == 0 && index == CAPROP_INDEX_LATEST && v.indexed_count > 1) {
		index = v.indexed_count - 1;
		ipc_msg_free(&m);
		hr = custodian_caprop(w, a, peer, id, index, &m, &v);
	}
	if (hr != 0)
		return hr;
	/* The custodian's type must be the wire form's (a LONG for a LONG ...). */
	if ((wire == CAPROP_WIRE_LONG && v.type != CAPROP_TYPE_LONG) ||
	    (wire == CAPROP_WIRE_STRING && v.type != CAPROP_TYPE_STRING) ||
	    (wire == CAPROP_WIRE_BINARY && v.type != CAPROP_TYPE_BINARY)) {
		ipc_msg_free(&m);
		log_warnx("property %u: the custodian answered type %u", id, v.type);
		return HR_E_UNEXPECTED;
	}
	cap = v.type == CAPROP_TYPE_STRING ? 2 * v.value_len + 2 : v.value_len + 4;
	out->len = 0;
	if ((out->data = malloc(cap)) == NULL)
		hr = HR_E_OUTOFMEMORY;
	else if (caprop_value_blob(v.type, v.long_value, v.value, v.value_len, out->data, cap,
				   &out->len) != ICPR_OK)
		hr = HR_E_UNEXPECTED;
	ipc_msg_free(&m);
	return hr;
}

/* A LONG property's value: 0 with *v, or the HRESULT. */
static uint32_t long_value(struct worker *w, const struct worker_ntlm *a, const char *peer,
			   uint32_t id, uint32_t index, uint32_t *v)
{
	struct cust_caprop_is p;
	struct ipc_msg m;
	uint32_t hr = custodian_caprop(w, a, peer, id, index, &m, &p);

	if (hr != 0)
		return hr;
	if (p.type != CAPROP_TYPE_LONG)
		hr = HR_E_UNEXPECTED;
	*v = p.long_value;
	ipc_msg_free(&m);
	return hr;
}

/* A CAINFO (what Windows answers for the CA's counters and type): each field
 * is a property of the custodian's. */
static uint32_t cainfo_value(struct worker *w, const struct worker_ntlm *a, const char *peer,
			     struct wire_value *out)
{
	struct caprop_cainfo ci;
	uint32_t v[9], hr = 0;
	static const uint32_t ids[9] = {
		CR_PROP_CATYPE, CR_PROP_CASIGCERTCOUNT, CR_PROP_CAXCHGCERTCOUNT, CR_PROP_EXITCOUNT,
		CR_PROP_CAPROPIDMAX, CR_PROP_ROLESEPARATIONENABLED, CR_PROP_KRACERTUSEDCOUNT,
		CR_PROP_KRACERTCOUNT, CR_PROP_ADVANCEDSERVER,
	};

	for (size_t i = 0; hr == 0 && i < 9; i++)
		hr = long_value(w, a, peer, ids[i], 0, &v[i]);
	if (hr != 0)
		return hr;
	ci = (struct caprop_cainfo){(int32_t)v[0], v[1], v[2], v[3], (int32_t)v[4],
				    (int32_t)v[5], v[6], v[7], v[8]};
	if ((out->data = malloc(CAPROP_CAINFO_LEN)) == NULL)
		return HR_E_OUTOFMEMORY;
	caprop_cainfo_blob(&ci, out->data);
	out->len = CAPROP_CAINFO_LEN;
	return 0;
}

/* One octet per index of a state property (CACERTSTATE, CRLSTATE ...): how many
 * the custodian's first answer says. */
static uint32_t states_value(struct worker *w, const struct worker_ntlm *a, const char *peer,
			     uint32_t id, struct wire_value *out)
{
	uint32_t states[CAPROP_MAX_STATES], hr;
	struct cust_caprop_is p;
	struct ipc_msg m;
	size_t n;

	if ((hr = custodian_caprop(w, a, peer, id, 0, &m, &p)) != 0)
		return hr;
	n = p.indexed_count;
	states[0] = p.long_value;
	ipc_msg_free(&m);
	if (p.type != CAPROP_TYPE_LONG || n == 0 || n > CAPROP_MAX_STATES)
		return HR_E_UNEXPECTED;
	for (size_t i = 1; hr == 0 && i < n; i++)
		hr = long_value(w, a, peer, id, (uint32_t)i, &states[i]);
	if (hr != 0)
		return hr;
	if ((out->data = malloc(n)) == NULL)
		return HR_E_OUTOFMEMORY;
	if (caprop_states_blob(states, n, out->data, n, &out->len) != ICPR_OK)
		return HR_E_UNEXPECTED;
	return 0;
}

/* GetCACert and GetCAProperty: property id at index in wire form `wire`. */
static uint32_t property_value(struct worker *w, const struct worker_ntlm *a, const char *peer,
			       uint32_t id, uint32_t index, uint8_t wire, struct wire_value *out)
{
	switch (wire) {
	case CAPROP_WIRE_CAINFO:
		return cainfo_value(w, a, peer, out);
	case CAPROP_WIRE_STATES:
		return states_value(w, a, peer, id, out);
	default:
		return one_value(w, a, peer, id, index, wire, out);
	}
}

/* The methods that read CA data: GetCACert, GetCAProperty, GetCAPropertyInfo,
 * Ping, Ping2. The authority and the access rules first, as for Request. */
static void read_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
		      const struct worker_ntlm *a, const char *peer)
{
	struct wire_value val = {0};
	struct rpc_icpr_blob blob = {0};
	struct wcce_getcaproperty gp;
	struct wcce_authority_call ac;
	struct wcce_getcacert gc;
	const struct dcom_orpcthis *orpc;
	const struct wcce_wstr *auth;
	struct ndr_wr wr;
	char err[200], why[200];
	uint32_t hr = 0;
	int rc;

	switch (req->opnum) {
	case WCCE_OPNUM_GETCACERT:
		rc = wcce_getcacert_decode(req->stub, req->stub_len, &gc, err, sizeof(err));
		orpc = &gc.orpc;
		auth = &gc.authority;
		break;
	case WCCE_OPNUM_GETCAPROPERTY:
		rc = wcce_getcaproperty_decode(req->stub, req->stub_len, &gp, err, sizeof(err));
		orpc = &gp.orpc;
		auth = &gp.authority;
		break;
	default:
		rc = wcce_authority_decode(req->opnum, req->stub, req->stub_len, &ac, err,
					   sizeof(err));
		orpc = &ac.orpc;
		auth = &ac.authority;
		break;
	}
	if (rc != 0) {
		log_warnx("%s: ICertRequestD opnum %u: %s", peer, req->opnum, err);
		rpc_conn_fault(c, NCA_S_FAULT_NDR);
		return;
	}
	if (dcom_version_check(orpc) != 0) {
		rpc_conn_fault(c, DCOM_RPC_E_VERSION_MISMATCH);
		return;
	}
	if (w->no_rpc) {
		hr = HR_E_ACCESSDENIED;
	} else if (worker_access_check(w, a, why, sizeof(why)) != NULL) {
		log_info("%s: ICertRequestD opnum %u refused: %s", peer, req->opnum, why);
		hr = HR_E_ACCESSDENIED;
	} else if (!auth->present ||
		   !icpr_authority_match(auth->p, 2 * auth->units, w->ca_name)) {
		hr = HR_E_INVALIDARG;
	}
	ndr_wr_init(&wr, RPC_DEFAULT_MAX_STUB);
	switch (req->opnum) {
	case WCCE_OPNUM_GETCACERT: {
		struct caprop_getcert map;

		if (hr == 0 && (hr = caprop_getcert_map(gc.fchain, &map)) == 0)
			hr = property_value(w, a, peer, (uint32_t)map.prop_id, map.index, map.wire,
					    &val);
		if (hr == 0) {
			blob.pb = val.data;
			blob.cb = (uint32_t)val.len;
		}
		rc = wcce_blob_encode(&blob, hr, &wr);
		break;
	}
	case WCCE_OPNUM_GETCAPROPERTY:
		if (hr == 0 &&
		    (hr = caprop_check(gp.prop_id, gp.prop_index, gp.prop_type)) == 0)
			hr = property_value(w, a, peer, (uint32_t)gp.prop_id,
					    (uint32_t)gp.prop_index, caprop_find(gp.prop_id)->wire,
					    &val);
		if (hr == 0) {
			blob.pb = val.data;
			blob.cb = (uint32_t)val.len;
		}
		rc = wcce_blob_encode(&blob, hr, &wr);
		break;
	case WCCE_OPNUM_GETCAPROPERTYINFO: {
		int32_t count = 0;

		if (hr == 0 && (val.data = malloc(CAPROP_INFO_BLOB_MAX)) == NULL)
			hr = HR_E_OUTOFMEMORY;
		if (hr == 0 && caprop_info_write(val.data, CAPROP_INFO_BLOB_MAX, &val.len, &count) !=
				       ICPR_OK)
			hr = HR_E_UNEXPECTED;
		if (hr == 0) {
			blob.pb = val.data;
			blob.cb = (uint32_t)val.len;
		}
		rc = wcce_propinfo_encode(hr == 0 ? count : 0, &blob, hr, &wr);
		break;
	}
	default: /* Ping, Ping2 */
		rc = wcce_ping_encode(hr, &wr);
		break;
	}
	send_stub(c, &wr, rc);
	free(val.data);
}

static void certreq_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
			 const struct worker_ntlm *a, const char *peer)
{
	const char *owner = owner_of(a);
	struct rpc_uuid iid;

	if (!wcce_opnum_valid(&req->iface->syntax.uuid, req->opnum)) {
		rpc_conn_fault(c, NCA_S_OP_RNG_ERROR);
		return;
	}
	/* The object: the caller's own interface pointer, of this interface (an
	 * ICertRequestD2 pointer also serves ICertRequestD's methods). */
	if (!req->has_object || owner == NULL ||
	    dcom_table_lookup(w->dcom, &req->object, owner, now_s(), &iid, NULL) != 0 ||
	    !(rpc_uuid_eq(&iid, &req->iface->syntax.uuid) ||
	      (rpc_uuid_eq(&iid, &dcom_iid_icertrequestd2) &&
	       rpc_uuid_eq(&req->iface->syntax.uuid, &dcom_iid_icertrequestd)))) {
		rpc_conn_fault(c, DCOM_RPC_E_INVALID_IPID);
		return;
	}
	if (req->opnum == WCCE_OPNUM_REQUEST || req->opnum == WCCE_OPNUM_REQUEST2)
		request_call(w, c, req, a, peer);
	else
		read_call(w, c, req, a, peer);
}

int worker_dcom_init(struct worker *w, char *err, size_t errlen)
{
	struct dcom_table_limits lim;

	dcom_table_default_limits(&lim);
	if ((w->dcom = calloc(1, sizeof(*w->dcom))) == NULL ||
	    dcom_table_init(w->dcom, &lim, NULL) != 0) {
		free(w->dcom);
		w->dcom = NULL;
		snprintf(err, errlen, "cannot make the DCOM object table");
		return -1;
	}
	return 0;
}

void worker_dcom_free(struct worker *w)
{
	if (w->dcom != NULL)
		dcom_table_free(w->dcom);
	free(w->dcom);
	w->dcom = NULL;
}

void worker_dcom_call(struct worker *w, struct rpc_conn *c, const struct rpc_request *req,
		      const struct worker_ntlm *a, const char *peer, const char *local)
{
	if (w->dcom == NULL) {
		rpc_conn_fault(c, NCA_S_UNK_IF);
		return;
	}
	switch (req->iface->tag) {
	case IF_SCM:
		scm_call(w, c, req, a, peer, local);
		break;
	case IF_OXID:
		oxid_call(w, c, req, a, peer, local);
		break;
	case IF_REMUNK:
	case IF_REMUNK2:
		remunk_call(w, c, req, a, peer, local);
		break;
	case IF_CERTREQ:
	case IF_CERTREQ2:
		certreq_call(w, c, req, a, peer);
		break;
	default:
		rpc_conn_fault(c, NCA_S_UNK_IF);
		break;
	}
}
