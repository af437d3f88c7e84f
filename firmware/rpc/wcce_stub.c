/* ICertRequestD / ICertRequestD2 NDR stubs (wcce_stub.h). */
#include "firmware/rpc/wcce_stub.h"

#include <stdio.h>
#include <string.h>

int wcce_opnum_valid(const struct rpc_uuid *iid, uint16_t opnum)
{
	if (opnum < WCCE_OPNUM_REQUEST)
		return 0; /* IUnknown's three are the runtime's (IRemUnknown), never here */
	if (memcmp(iid, &dcom_iid_icertrequestd, sizeof *iid) == 0)
		return opnum < WCCE_D_N_OPS;
	if (memcmp(iid, &dcom_iid_icertrequestd2, sizeof *iid) == 0)
		return opnum < WCCE_D2_N_OPS;
	return 0;
}

/* A [string, unique] wchar_t* parameter: the referent and, when not NULL, the
 * conformant varying string right after it. */
static void get_ustr(struct ndr_rd *r, size_t max_units, struct wcce_wstr *s, const char *what)
{
	struct ndr_wstr ws = { NULL, 0 };

	s->present = ndr_get_u32(r) != 0;
	s->p = NULL;
	s->units = 0;
	if (r->failed || !s->present)
		return;
	ndr_get_wstr(r, max_units, &ws, what);
	s->p = ws.p;
	s->units = ws.units;
}

/* Fails the decode if the stub holds more than alignment after its end, and
 * reports r's error with the method's name. */
static int finish(struct ndr_rd *r, const char *method, char *err, size_t errlen)
{
	if (ndr_rd_end(r, 7) == 0)
		return 0;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: %s", method, r->err);
	return -1;
}

int wcce_request_decode(uint16_t opnum, const uint8_t *stub, size_t len, struct wcce_request *q,
			char *err, size_t errlen)
{
	const char *method = opnum == WCCE_OPNUM_REQUEST2 ? "Request2" : "Request";
	struct ndr_rd r;

	memset(q, 0, sizeof *q);
	ndr_rd_init(&r, stub, len);
	if (opnum != WCCE_OPNUM_REQUEST && opnum != WCCE_OPNUM_REQUEST2)
		ndr_rd_fail(&r, "opnum %u is not Request or Request2", opnum);
	dcom_get_orpcthis(&r, &q->orpc);
	if (opnum == WCCE_OPNUM_REQUEST) {
		q->flags = ndr_get_u32(&r);
		get_ustr(&r, WCCE_MAX_STRING_UNITS, &q->authority, "pwszAuthority");
	} else {
		get_ustr(&r, WCCE_MAX_STRING_UNITS, &q->authority, "pwszAuthority");
		q->flags = ndr_get_u32(&r);
		get_ustr(&r, WCCE_MAX_SERIAL_UNITS, &q->serial, "pwszSerialNumber");
	}
	q->request_id = ndr_get_u32(&r);
	get_ustr(&r, WCCE_MAX_STRING_UNITS, &q->attributes, "pwszAttributes");
	rpc_icpr_get_blob(&r, &q->request, "pctbRequest");
	if (finish(&r, method, err, errlen) != 0) {
		memset(q, 0, sizeof *q);
		return -1;
	}
	return 0;
}

int wcce_getcacert_decode(const uint8_t *stub, size_t len, struct wcce_getcacert *q, char *err,
			  size_t errlen)
{
	struct ndr_rd r;

	memset(q, 0, sizeof *q);
	ndr_rd_init(&r, stub, len);
	dcom_get_orpcthis(&r, &q->orpc);
	q->fchain = ndr_get_u32(&r);
	get_ustr(&r, WCCE_MAX_STRING_UNITS, &q->authority, "pwszAuthority");
	if (finish(&r, "GetCACert", err, errlen) != 0) {
		memset(q, 0, sizeof *q);
		return -1;
	}
	return 0;
}

int wcce_getcaproperty_decode(const uint8_t *stub, size_t len, struct wcce_getcaproperty *q,
			      char *err, size_t errlen)
{
	struct ndr_rd r;

	memset(q, 0, sizeof *q);
	ndr_rd_init(&r, stub, len);
	dcom_get_orpcthis(&r, &q->orpc);
	get_ustr(&r, WCCE_MAX_STRING_UNITS, &q->authority, "pwszAuthority");
	q->prop_id = (int32_t)ndr_get_u32(&r);
	q->prop_index = (int32_t)ndr_get_u32(&r);
	q->prop_type = (int32_t)ndr_get_u32(&r);
	if (finish(&r, "GetCAProperty", err, errlen) != 0) {
		memset(q, 0, sizeof *q);
		return -1;
	}
	return 0;
}

static const char *authority_method(uint16_t opnum)
{
	switch (opnum) {
	case WCCE_OPNUM_PING:
		return "Ping";
	case WCCE_OPNUM_GETCAPROPERTYINFO:
		return "GetCAPropertyInfo";
	case WCCE_OPNUM_PING2:
		return "Ping2";
	default:
		return NULL;
	}
}

int wcce_authority_decode(uint16_t opnum, const uint8_t *stub, size_t len,
			  struct wcce_authority_call *q, char *err, size_t errlen)
{
	const char *method = authority_method(opnum);
	struct ndr_rd r;

	memset(q, 0, sizeof *q);
	ndr_rd_init(&r, stub, len);
	if (method == NULL) {
		ndr_rd_fail(&r, "opnum %u takes more than the authority", opnum);
		method = "?";
	}
	dcom_get_orpcthis(&r, &q->orpc);
	get_ustr(&r, WCCE_MAX_STRING_UNITS, &q->authority, "pwszAuthority");
	if (finish(&r, method, err, errlen) != 0) {
		memset(q, 0, sizeof *q);
		return -1;
	}
	return 0;
}

/* ---- request encoders ---- */

static void put_orpcthis(struct ndr_wr *w, const struct dcom_orpcthis *t)
{
	ndr_put_u16(w, t->major);
	ndr_put_u16(w, t->minor);
	ndr_put_u32(w, t->flags);
	ndr_put_u32(w, 0); /* reserved1 */
	ndr_put_uuid(w, &t->cid);
	ndr_put_u32(w, 0); /* extensions: NULL */
}

static void put_ustr(struct ndr_wr *w, const struct wcce_wstr *s, size_t max_units,
		     uint32_t *ref)
{
	if (!s->present) {
		ndr_put_u32(w, 0);
		return;
	}
	if (s->units > max_units || (s->units > 0 && s->p == NULL)) {
		w->failed = 1;
		return;
	}
	ndr_put_u32(w, *ref);
	*ref += 4;
	ndr_put_wstr(w, s->p, s->units);
}

int wcce_request_encode_in(uint16_t opnum, const struct wcce_request *q, struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0 || (opnum != WCCE_OPNUM_REQUEST && opnum != WCCE_OPNUM_REQUEST2))
		return -1;
	if (opnum == WCCE_OPNUM_REQUEST && q->serial.present)
		return -1; /* Request has no pwszSerialNumber */
	put_orpcthis(w, &q->orpc);
	if (opnum == WCCE_OPNUM_REQUEST) {
		ndr_put_u32(w, q->flags);
		put_ustr(w, &q->authority, WCCE_MAX_STRING_UNITS, &ref);
	} else {
		put_ustr(w, &q->authority, WCCE_MAX_STRING_UNITS, &ref);
		ndr_put_u32(w, q->flags);
		put_ustr(w, &q->serial, WCCE_MAX_SERIAL_UNITS, &ref);
	}
	ndr_put_u32(w, q->request_id);
	put_ustr(w, &q->attributes, WCCE_MAX_STRING_UNITS, &ref);
	rpc_icpr_put_blob(w, &q->request, &ref);
	return ndr_wr_ok(w) ? 0 : -1;
}

int wcce_getcacert_encode_in(const struct wcce_getcacert *q, struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0)
		return -1;
	put_orpcthis(w, &q->orpc);
	ndr_put_u32(w, q->fchain);
	put_ustr(w, &q->authority, WCCE_MAX_STRING_UNITS, &ref);
	return ndr_wr_ok(w) ? 0 : -1;
}

int wcce_getcaproperty_encode_in(const struct wcce_getcaproperty *q, struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0)
		return -1;
	put_orpcthis(w, &q->orpc);
	put_ustr(w, &q->authority, WCCE_MAX_STRING_UNITS, &ref);
	ndr_put_u32(w, (uint32_t)q->prop_id);
	ndr_put_u32(w, (uint32_t)q->prop_index);
	ndr_put_u32(w, (uint32_t)q->prop_type);
	return ndr_wr_ok(w) ? 0 : -1;
}

int wcce_authority_encode_in(uint16_t opnum, const struct wcce_authority_call *q,
			     struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0 || authority_method(opnum) == NULL)
		return -1;
	put_orpcthis(w, &q->orpc);
	put_ustr(w, &q->authority, WCCE_MAX_STRING_UNITS, &ref);
	return ndr_wr_ok(w) ? 0 : -1;
}

/* ---- response encoders ---- */

int wcce_request_encode(const struct wcce_request_response *r, struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0)
		return -1;
	dcom_put_orpcthat(w);
	ndr_put_u32(w, r->request_id);
	ndr_put_u32(w, r->disposition);
	rpc_icpr_put_blob(w, &r->chain, &ref);
	rpc_icpr_put_blob(w, &r->encoded_cert, &ref);
	rpc_icpr_put_blob(w, &r->disposition_message, &ref);
	ndr_put_u32(w, r->hr);
	return ndr_wr_ok(w) ? 0 : -1;
}

int wcce_blob_encode(const struct rpc_icpr_blob *out, uint32_t hr, struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0)
		return -1;
	dcom_put_orpcthat(w);
	rpc_icpr_put_blob(w, out, &ref);
	ndr_put_u32(w, hr);
	return ndr_wr_ok(w) ? 0 : -1;
}

int wcce_propinfo_encode(int32_t count, const struct rpc_icpr_blob *info, uint32_t hr,
			 struct ndr_wr *w)
{
	uint32_t ref = RPC_REFERENT_BASE;

	if (w->len != 0)
		return -1;
	dcom_put_orpcthat(w);
	ndr_put_u32(w, (uint32_t)count);
	rpc_icpr_put_blob(w, info, &ref);
	ndr_put_u32(w, hr);
	return ndr_wr_ok(w) ? 0 : -1;
}

int wcce_ping_encode(uint32_t hr, struct ndr_wr *w)
{
	if (w->len != 0)
		return -1;
	dcom_put_orpcthat(w);
	ndr_put_u32(w, hr);
	return ndr_wr_ok(w) ? 0 : -1;
}

/* ---- response decoders (the client's side) ---- */

int wcce_request_decode_out(const uint8_t *stub, size_t len, struct wcce_request_response *r,
			    char *err, size_t errlen)
{
	struct ndr_rd rd;

	memset(r, 0, sizeof *r);
	ndr_rd_init(&rd, stub, len);
	(void)dcom_get_orpcthat(&rd);
	r->request_id = ndr_get_u32(&rd);
	r->disposition = ndr_get_u32(&rd);
	rpc_icpr_get_blob(&rd, &r->chain, "pctbFullResponse");
	rpc_icpr_get_blob(&rd, &r->encoded_cert, "pctbEncodedCert");
	rpc_icpr_get_blob(&rd, &r->disposition_message, "pctbDispositionMessage");
	r->hr = ndr_get_u32(&rd);
	if (finish(&rd, "Request2 answer", err, errlen) != 0) {
		memset(r, 0, sizeof *r);
		return -1;
	}
	return 0;
}

int wcce_blob_decode_out(const uint8_t *stub, size_t len, struct rpc_icpr_blob *out,
			 uint32_t *hr, char *err, size_t errlen)
{
	struct ndr_rd rd;

	memset(out, 0, sizeof *out);
	*hr = 0;
	ndr_rd_init(&rd, stub, len);
	(void)dcom_get_orpcthat(&rd);
	rpc_icpr_get_blob(&rd, out, "pctbOut");
	*hr = ndr_get_u32(&rd);
	if (finish(&rd, "GetCACert/GetCAProperty answer", err, errlen) != 0) {
		memset(out, 0, sizeof *out);
		*hr = 0;
		return -1;
	}
	return 0;
}
