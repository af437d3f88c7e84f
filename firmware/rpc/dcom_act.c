/* IRemoteSCMActivator's activation codec (dcom_act.h). The activation
 * properties BLOB is a series of NDR type serialization version 1 streams
 * (MS-RPCE 2.2.6): each is read with its own reader, so that alignment counts
 * from the stream's start as the serializer's did, and is bounded by the size
 * the CustomHeader gives it. */
#include "firmware/rpc/dcom_act.h"

#include <string.h>

#include "firmware/rpc/icpr_stub.h" /* RPC_REFERENT_BASE */
#include "firmware/rpc/rpc_int.h" /* err_set */

#define COM_UUID(a, b)                                                                   \
	{                                                                                \
		{ (a), (b), 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46 }             \
	}

const struct rpc_uuid dcom_clsid_activation_in = COM_UUID(0x38, 0x03);
const struct rpc_uuid dcom_clsid_activation_out = COM_UUID(0x39, 0x03);
const struct rpc_uuid dcom_iid_iactpropsout = COM_UUID(0xa3, 0x01);
const struct rpc_uuid dcom_clsid_instantiation = COM_UUID(0xab, 0x01);
const struct rpc_uuid dcom_clsid_scm_request = COM_UUID(0xaa, 0x01);
const struct rpc_uuid dcom_clsid_scm_reply = COM_UUID(0xb6, 0x01);

#define TS1_HEADER 16u           /* common header (8) + private header (8) */
#define TS1_FILLER 0xccccccccu   /* what Windows and impacket write in the fillers */
#define OBJREF_CUSTOM_HEADER 48u /* signature, flags, iid, clsid, cbExtension, reserved */
#define MSHCTX_DIFFERENTMACHINE 2u
#define ACT_PART_MAX 65536u      /* one serialized part of an answer */

/* ---- request ---- */

/* Opens the type serialization stream at p (n octets available): checks the
 * common header (version 1, little-endian, length 8) and that the private
 * header's object buffer length fits, then leaves r at the data, bounded by
 * that length. */
static int ts1_open(struct ndr_rd *r, const uint8_t *p, size_t n, const char *what, char *err,
		    size_t errlen)
{
	uint8_t version, endian;
	uint16_t hlen;
	uint32_t objlen;

	ndr_rd_init(r, p, n);
	version = ndr_get_u8(r);
	endian = ndr_get_u8(r);
	hlen = ndr_get_u16(r);
	(void)ndr_get_u32(r); /* filler */
	objlen = ndr_get_u32(r);
	(void)ndr_get_u32(r); /* filler */
	if (r->failed)
		return err_set(err, errlen, "%s: %zu octets, no serialization header", what, n);
	if (version != 1 || endian != 0x10 || hlen != 8)
		return err_set(err, errlen, "%s: serialization version %u, endianness 0x%02x, "
				 "header length %u", what, version, endian, hlen);
	if (objlen > n - TS1_HEADER)
		return err_set(err, errlen, "%s: object buffer of %u octets in %zu", what, objlen,
			       n - TS1_HEADER);
	ndr_rd_init(r, p, TS1_HEADER + (size_t)objlen);
	(void)ndr_get_bytes(r, TS1_HEADER);
	return 0;
}

/* InstantiationInfoData (MS-DCOM 2.2.22.2.1): classId, cIID IIDs, the client's
 * COMVERSION. */
static int get_instantiation(const uint8_t *p, size_t n, struct dcom_act_in *in, char *err,
			     size_t errlen)
{
	struct ndr_rd r;
	uint32_t ciid, ref, max;

	if (ts1_open(&r, p, n, "InstantiationInfoData", err, errlen) != 0)
		return -1;
	ndr_get_uuid(&r, &in->clsid);
	(void)ndr_get_u32(&r); /* classCtx */
	(void)ndr_get_u32(&r); /* actvflags */
	(void)ndr_get_u32(&r); /* fIsSurrogate */
	ciid = ndr_get_u32(&r);
	(void)ndr_get_u32(&r); /* instFlag */
	ref = ndr_get_u32(&r);
	(void)ndr_get_u32(&r); /* thisSize: impacket leaves it 0 */
	in->client_major = ndr_get_u16(&r);
	in->client_minor = ndr_get_u16(&r);
	if (r.failed)
		return err_set(err, errlen, "InstantiationInfoData: %s", r.err);
	if (ciid == 0 || ciid > DCOM_ACT_MAX_IIDS)
		return err_set(err, errlen, "InstantiationInfoData: %u IIDs (1 to %d)", ciid,
			       DCOM_ACT_MAX_IIDS);
	if (ref == 0)
		return err_set(err, errlen, "InstantiationInfoData: pIID is NULL");
	max = ndr_get_u32(&r);
	if (!r.failed && max != ciid)
		return err_set(err, errlen, "InstantiationInfoData: %u IIDs, max_count %u", ciid,
			       max);
	for (uint32_t i = 0; i < ciid; i++)
		ndr_get_uuid(&r, &in->iids[i]);
	if (r.failed)
		return err_set(err, errlen, "InstantiationInfoData: %s", r.err);
	in->n_iids = ciid;
	return 0;
}

/* ScmRequestInfoData (MS-DCOM 2.2.22.2.4): the protocol sequences the client
 * can use. */
static int get_scm_request(const uint8_t *p, size_t n, struct dcom_act_in *in, char *err,
			   size_t errlen)
{
	struct ndr_rd r;
	uint32_t reserved, req, ref, max;
	uint16_t count;

	if (ts1_open(&r, p, n, "ScmRequestInfoData", err, errlen) != 0)
		return -1;
	reserved = ndr_get_u32(&r);
	req = ndr_get_u32(&r);
	if (reserved != 0)
		(void)ndr_get_u32(&r); /* *pdwReserved: ignored */
	if (r.failed)
		return err_set(err, errlen, "ScmRequestInfoData: %s", r.err);
	if (req == 0)
		return err_set(err, errlen, "ScmRequestInfoData: remoteRequest is NULL");
	(void)ndr_get_u32(&r); /* ClientImpLevel */
	count = ndr_get_u16(&r);
	ref = ndr_get_u32(&r);
	if (r.failed)
		return err_set(err, errlen, "ScmRequestInfoData: %s", r.err);
	if (count > DCOM_ACT_MAX_PROTSEQS)
		return err_set(err, errlen, "ScmRequestInfoData: %u protseqs (at most %d)", count,
			       DCOM_ACT_MAX_PROTSEQS);
	if (ref == 0) {
		if (count != 0)
			return err_set(err, errlen, "ScmRequestInfoData: %u protseqs, NULL array",
				       count);
		return 0;
	}
	max = ndr_get_u32(&r);
	if (!r.failed && max != count)
		return err_set(err, errlen, "ScmRequestInfoData: %u protseqs, max_count %u", count,
			       max);
	for (uint16_t i = 0; i < count; i++)
		in->protseqs[i] = ndr_get_u16(&r);
	if (r.failed)
		return err_set(err, errlen, "ScmRequestInfoData: %s", r.err);
	in->n_protseqs = count;
	return 0;
}

struct act_header {
	uint32_t total, header, n;
	struct rpc_uuid clsid[DCOM_ACT_MAX_PROPS];
	uint32_t size[DCOM_ACT_MAX_PROPS];
};

/* CustomHeader (MS-DCOM 2.2.22.1) at the start of the n octets after dwSize. */
static int get_header(const uint8_t *p, size_t n, struct act_header *h, char *err,
		      size_t errlen)
{
	struct ndr_rd r;
	uint32_t rclsid, rsizes, rres, max;

	if (ts1_open(&r, p, n, "CustomHeader", err, errlen) != 0)
		return -1;
	h->total = ndr_get_u32(&r);
	h->header = ndr_get_u32(&r);
	(void)ndr_get_u32(&r); /* dwReserved */
	(void)ndr_get_u32(&r); /* destCtx */
	h->n = ndr_get_u32(&r);
	(void)ndr_get_bytes(&r, 16); /* classInfoClsid (GUID_NULL, ignored) */
	rclsid = ndr_get_u32(&r);
	rsizes = ndr_get_u32(&r);
	rres = ndr_get_u32(&r);
	if (r.failed)
		return err_set(err, errlen, "CustomHeader: %s", r.err);
	if (h->n == 0 || h->n > DCOM_ACT_MAX_PROPS)
		return err_set(err, errlen, "CustomHeader: %u properties (1 to %d)", h->n,
			       DCOM_ACT_MAX_PROPS);
	if (rclsid == 0 || rsizes == 0)
		return err_set(err, errlen, "CustomHeader: NULL pclsid or pSizes");
	max = ndr_get_u32(&r);
	if (!r.failed && max != h->n)
		return err_set(err, errlen, "CustomHeader: %u properties, %u CLSIDs", h->n, max);
	for (uint32_t i = 0; i < h->n; i++)
		ndr_get_uuid(&r, &h->clsid[i]);
	max = ndr_get_u32(&r);
	if (!r.failed && max != h->n)
		return err_set(err, errlen, "CustomHeader: %u properties, %u sizes", h->n, max);
	for (uint32_t i = 0; i < h->n; i++)
		h->size[i] = ndr_get_u32(&r);
	if (rres != 0)
		(void)ndr_get_u32(&r); /* *pdwReserved */
	if (r.failed)
		return err_set(err, errlen, "CustomHeader: %s", r.err);
	if (h->total > n || h->header > h->total || h->header < r.off)
		return err_set(err, errlen, "CustomHeader: totalSize %u, headerSize %u in %zu "
				 "octets (%zu read)", h->total, h->header, n, r.off);
	return 0;
}

/* The ActivationPropertiesBlob's properties after dwSize and dwReserved: n octets. */
static int get_properties(const uint8_t *p, size_t n, struct dcom_act_in *in, char *err,
			  size_t errlen)
{
	struct act_header h;
	size_t off;
	int seen_inst = 0, seen_scm = 0;

	if (get_header(p, n, &h, err, errlen) != 0)
		return -1;
	off = h.header;
	for (uint32_t i = 0; i < h.n; i++) {
		const uint8_t *q = p + off;
		size_t sz = h.size[i];

		if (sz > h.total - off)
			return err_set(err, errlen, "property %u: %zu octets, %zu left", i + 1, sz,
				       h.total - off);
		off += sz;
		if (rpc_uuid_eq(&h.clsid[i], &dcom_clsid_instantiation)) {
			if (seen_inst++)
				return err_set(err, errlen, "InstantiationInfoData twice");
			if (get_instantiation(q, sz, in, err, errlen) != 0)
				return -1;
		} else if (rpc_uuid_eq(&h.clsid[i], &dcom_clsid_scm_request)) {
			if (seen_scm++)
				return err_set(err, errlen, "ScmRequestInfoData twice");
			if (get_scm_request(q, sz, in, err, errlen) != 0)
				return -1;
		}
		/* Others (ActivationContextInfo, ServerLocationInfo, SecurityInfo,
		 * SpecialSystemProperties, InstanceInfo...) carry nothing this
		 * server uses: skipped by their size. */
	}
	if (!seen_inst)
		return err_set(err, errlen, "no InstantiationInfoData");
	return 0;
}

/* pActProperties' octets: an OBJREF_CUSTOM of CLSID_ActivationPropertiesIn
 * around an ActivationPropertiesBlob. */
static int get_act_properties(const uint8_t *p, size_t n, struct dcom_act_in *in, char *err,
			      size_t errlen)
{
	struct ndr_rd r;
	struct rpc_uuid iid, clsid;
	uint32_t sig, flags, dwsize;

	ndr_rd_init(&r, p, n);
	sig = ndr_get_u32(&r);
	flags = ndr_get_u32(&r);
	ndr_get_uuid(&r, &iid);
	if (r.failed)
		return err_set(err, errlen, "pActProperties: %zu octets, not an OBJREF", n);
	if (sig != DCOM_OBJREF_SIGNATURE || flags != DCOM_OBJREF_CUSTOM)
		return err_set(err, errlen, "pActProperties: signature 0x%08x, flags %u (not "
				 "OBJREF_CUSTOM)", sig, flags);
	ndr_get_uuid(&r, &clsid);
	(void)ndr_get_u32(&r); /* cbExtension: ignored on receipt */
	(void)ndr_get_u32(&r); /* reserved: ignored on receipt (impacket: size + 8) */
	dwsize = ndr_get_u32(&r);
	(void)ndr_get_u32(&r); /* dwReserved */
	if (r.failed)
		return err_set(err, errlen, "pActProperties: %zu octets, truncated OBJREF_CUSTOM",
			       n);
	if (!rpc_uuid_eq(&clsid, &dcom_clsid_activation_in))
		return err_set(err, errlen, "pActProperties: OBJREF_CUSTOM of another class");
	if (dwsize > ndr_rd_left(&r))
		return err_set(err, errlen, "ActivationPropertiesBlob: dwSize %u, %zu octets left",
			       dwsize, ndr_rd_left(&r));
	return get_properties(p + r.off, dwsize, in, err, errlen);
}

int dcom_act_decode(uint16_t opnum, const uint8_t *stub, size_t len, struct dcom_act_in *in,
		    uint32_t *hr, char *err, size_t errlen)
{
	struct ndr_rd r;
	const uint8_t *act = NULL, *outer = NULL;
	uint32_t nact = 0, nouter = 0, ref_outer = 0, ref_act;

	memset(in, 0, sizeof *in);
	*hr = 0;
	if (opnum != DCOM_ACT_OPNUM_GETCLASSOBJECT && opnum != DCOM_ACT_OPNUM_CREATEINSTANCE)
		return err_set(err, errlen, "IRemoteSCMActivator has no opnum %u here", opnum);
	ndr_rd_init(&r, stub, len);
	dcom_get_orpcthis(&r, &in->orpc);
	if (opnum == DCOM_ACT_OPNUM_CREATEINSTANCE) {
		ref_outer = ndr_get_u32(&r);
		if (ref_outer != 0)
			dcom_get_mip(&r, DCOM_ACT_MAX_BLOB, &outer, &nouter);
	}
	ref_act = ndr_get_u32(&r);
	if (ref_act != 0)
		dcom_get_mip(&r, DCOM_ACT_MAX_BLOB, &act, &nact);
	if (ndr_rd_end(&r, 7) != 0) {
		err_set(err, errlen, "IRemoteSCMActivator opnum %u: %s", opnum, r.err);
		memset(in, 0, sizeof *in);
		return -1;
	}
	if (ref_outer != 0) {
		*hr = DCOM_CLASS_E_NOAGGREGATION; /* MS-DCOM 3.1.2.5.2.3.3 */
		return err_set(err, errlen, "RemoteCreateInstance with a pUnkOuter");
	}
	if (ref_act == 0 || get_act_properties(act, nact, in, err, errlen) != 0) {
		if (ref_act == 0)
			err_set(err, errlen, "pActProperties is NULL");
		*hr = DCOM_E_INVALIDARG;
		return -1;
	}
	return 0;
}

/* ---- response ---- */

/* The common and private headers of a type serialization stream; the object
 * buffer length is patched by ts1_end. */
static void ts1_begin(struct ndr_wr *w)
{
	ndr_put_u8(w, 1);    /* version */
	ndr_put_u8(w, 0x10); /* little-endian */
	ndr_put_u16(w, 8);   /* common header length */
	ndr_put_u32(w, TS1_FILLER);
	ndr_put_u32(w, 0);   /* ObjectBufferLength, patched */
	ndr_put_u32(w, TS1_FILLER);
}

/* Pads the stream to a multiple of 8 (MS-RPCE 2.2.6.2: the object buffer's
 * length is one) and writes its length. */
static void ts1_end(struct ndr_wr *w)
{
	ndr_put_align(w, 8);
	if (ndr_wr_ok(w) && w->len >= TS1_HEADER)
		ndr_patch_u32(w, 8, (uint32_t)(w->len - TS1_HEADER));
}

/* PropsOutInfo (MS-DCOM 2.2.22.2.9): cIfs, then the IIDs, the HRESULTs and
 * the interface pointers (NULL where the HRESULT is a failure). */
static void put_props_out(struct ndr_wr *w, const struct dcom_act_out *o)
{
	uint32_t ref = RPC_REFERENT_BASE, n = (uint32_t)o->n_ifaces;

	ts1_begin(w);
	ndr_put_u32(w, n);
	ndr_put_u32(w, ref);
	ndr_put_u32(w, ref + 4);
	ndr_put_u32(w, ref + 8);
	ref += 12;
	ndr_put_u32(w, n);
	for (uint32_t i = 0; i < n; i++)
		ndr_put_uuid(w, &o->iids[i]);
	ndr_put_u32(w, n);
	for (uint32_t i = 0; i < n; i++)
		ndr_put_u32(w, o->iface_hr[i]);
	ndr_put_u32(w, n);
	for (uint32_t i = 0; i < n; i++) {
		ndr_put_u32(w, o->iface_hr[i] == 0 ? ref : 0);
		if (o->iface_hr[i] == 0)
			ref += 4;
	}
	for (uint32_t i = 0; i < n && ndr_wr_ok(w); i++)
		if (o->iface_hr[i] == 0)
			dcom_put_objref_mip(w, &o->iids[i], &o->std[i], o->resolver);
	ts1_end(w);
}

/* ScmReplyInfoData (MS-DCOM 2.2.22.2.8): pdwReserved NULL, remoteReply. */
static void put_scm_reply(struct ndr_wr *w, const struct dcom_act_out *o)
{
	ts1_begin(w);
	ndr_put_u32(w, 0);                     /* pdwReserved */
	ndr_put_u32(w, RPC_REFERENT_BASE);     /* remoteReply */
	ndr_put_u64(w, o->oxid);                   /* customREMOTE_REPLY_SCM_INFO (8-aligned) */
	ndr_put_u32(w, RPC_REFERENT_BASE + 4); /* pdsaOxidBindings */
	ndr_put_uuid(w, &o->ipid_remunknown);
	ndr_put_u32(w, o->authn_hint);
	ndr_put_u16(w, DCOM_COM_MAJOR);
	ndr_put_u16(w, DCOM_COM_MINOR);
	dcom_put_dsa(w, o->oxid_bindings);
	ts1_end(w);
}

/* CustomHeader for the two properties of the given sizes. */
static void put_header(struct ndr_wr *w, uint32_t size0, uint32_t size1)
{
	ts1_begin(w);
	ndr_put_u32(w, 0); /* totalSize, patched */
	ndr_put_u32(w, 0); /* headerSize, patched */
	ndr_put_u32(w, 0); /* dwReserved */
	ndr_put_u32(w, MSHCTX_DIFFERENTMACHINE);
	ndr_put_u32(w, 2);
	ndr_put_uuid(w, &(const struct rpc_uuid){ { 0 } }); /* classInfoClsid: GUID_NULL */
	ndr_put_u32(w, RPC_REFERENT_BASE);
	ndr_put_u32(w, RPC_REFERENT_BASE + 4);
	ndr_put_u32(w, 0); /* pdwReserved */
	ndr_put_u32(w, 2);
	ndr_put_uuid(w, &dcom_clsid_activation_out); /* = CLSID_PropsOutInfo */
	ndr_put_uuid(w, &dcom_clsid_scm_reply);
	ndr_put_u32(w, 2);
	ndr_put_u32(w, size0);
	ndr_put_u32(w, size1);
	ts1_end(w);
	if (ndr_wr_ok(w) && w->len <= ACT_PART_MAX) {
		ndr_patch_u32(w, TS1_HEADER + 4, (uint32_t)w->len);
		ndr_patch_u32(w, TS1_HEADER, (uint32_t)w->len + size0 + size1);
	}
}

/* The OBJREF_CUSTOM of CLSID_ActivationPropertiesOut into objref. */
static int put_act_properties(struct ndr_wr *objref, const struct dcom_act_out *o)
{
	struct ndr_wr props, scm, hdr;
	int rc = -1;

	ndr_wr_init(&props, ACT_PART_MAX);
	ndr_wr_init(&scm, ACT_PART_MAX);
	ndr_wr_init(&hdr, ACT_PART_MAX);
	put_props_out(&props, o);
	put_scm_reply(&scm, o);
	if (!ndr_wr_ok(&props) || !ndr_wr_ok(&scm))
		goto out;
	put_header(&hdr, (uint32_t)props.len, (uint32_t)scm.len);
	if (!ndr_wr_ok(&hdr))
		goto out;
	ndr_put_u32(objref, DCOM_OBJREF_SIGNATURE);
	ndr_put_u32(objref, DCOM_OBJREF_CUSTOM);
	ndr_put_uuid(objref, &dcom_iid_iactpropsout);
	ndr_put_uuid(objref, &dcom_clsid_activation_out);
	ndr_put_u32(objref, 0); /* cbExtension */
	ndr_put_u32(objref, (uint32_t)(8 + hdr.len + props.len + scm.len)); /* pObjectData's size */
	ndr_put_u32(objref, (uint32_t)(hdr.len + props.len + scm.len)); /* dwSize */
	ndr_put_u32(objref, 0); /* dwReserved */
	ndr_put_bytes(objref, hdr.buf, hdr.len);
	ndr_put_bytes(objref, props.buf, props.len);
	ndr_put_bytes(objref, scm.buf, scm.len);
	rc = ndr_wr_ok(objref) ? 0 : -1;
out:
	ndr_wr_free(&props);
	ndr_wr_free(&scm);
	ndr_wr_free(&hdr);
	return rc;
}

int dcom_act_encode(uint16_t opnum, const struct dcom_act_out *out, struct ndr_wr *w)
{
	struct ndr_wr objref;
	int rc;

	if (w->len != 0 ||
	    (opnum != DCOM_ACT_OPNUM_GETCLASSOBJECT && opnum != DCOM_ACT_OPNUM_CREATEINSTANCE))
		return -1;
	dcom_put_orpcthat(w);
	if (out->hr != 0) {
		ndr_put_u32(w, 0); /* ppActProperties: NULL */
		ndr_put_u32(w, out->hr);
		return ndr_wr_ok(w) ? 0 : -1;
	}
	if (out->n_ifaces == 0 || out->n_ifaces > DCOM_ACT_MAX_IIDS ||
	    out->oxid_bindings == NULL || out->resolver == NULL)
		return -1;
	ndr_wr_init(&objref, 4 * ACT_PART_MAX);
	rc = put_act_properties(&objref, out);
	if (rc == 0) {
		ndr_put_u32(w, RPC_REFERENT_BASE);
		dcom_put_mip(w, objref.buf, objref.len);
		ndr_put_u32(w, 0); /* S_OK */
	}
	ndr_wr_free(&objref);
	return rc == 0 && ndr_wr_ok(w) ? 0 : -1;
}

/* ---- client side: the request written, the answer read ---- */

static const struct rpc_uuid iid_iactpropsin = COM_UUID(0xa2, 0x01);
static const struct rpc_uuid clsid_activation_ctx = COM_UUID(0xa5, 0x01);
static const struct rpc_uuid clsid_server_location = COM_UUID(0xa4, 0x01);

#define CLSCTX_REMOTE_SERVER 0x10u
#define RPC_C_IMP_LEVEL_IDENTIFY 2u

/* Pads a property to 8 with 0xfa, as impacket does (MS-DCOM 2.2.22: each
 * property's size is a multiple of 8). */
static void pad8(struct ndr_wr *w)
{
	while (ndr_wr_ok(w) && w->len % 8 != 0)
		ndr_put_u8(w, 0xfa);
}

/* InstantiationInfoData for in's class and IIDs. */
static void put_instantiation(struct ndr_wr *w, const struct dcom_act_in *in)
{
	ts1_begin(w);
	ndr_put_uuid(w, &in->clsid);
	ndr_put_u32(w, CLSCTX_REMOTE_SERVER); /* classCtx (impacket: 0) */
	ndr_put_u32(w, 0);                    /* actvflags */
	ndr_put_u32(w, 0);                    /* fIsSurrogate */
	ndr_put_u32(w, (uint32_t)in->n_iids);
	ndr_put_u32(w, 0);                    /* instFlag */
	ndr_put_u32(w, RPC_REFERENT_BASE);    /* pIID */
	ndr_put_u32(w, 0);                    /* thisSize: patched */
	ndr_put_u16(w, in->client_major);
	ndr_put_u16(w, in->client_minor);
	ndr_put_u32(w, (uint32_t)in->n_iids);
	for (size_t i = 0; i < in->n_iids; i++)
		ndr_put_uuid(w, &in->iids[i]);
	ts1_end(w);
	if (ndr_wr_ok(w))
		ndr_patch_u32(w, TS1_HEADER + 36, (uint32_t)w->len);
}

/* ActivationContextInfoData: no client or prototype context. */
static void put_activation_ctx(struct ndr_wr *w)
{
	ts1_begin(w);
	ndr_put_u32(w, 0); /* clientOK */
	ndr_put_u32(w, 0); /* bReserved1 */
	ndr_put_u32(w, 0); /* dwReserved1 */
	ndr_put_u32(w, 0); /* dwReserved2 */
	ndr_put_u32(w, 0); /* pIFDClientCtx */
	ndr_put_u32(w, 0); /* pIFDPrototypeCtx */
	ts1_end(w);
}

/* LocationInfoData: this machine (machineName NULL). */
static void put_location(struct ndr_wr *w)
{
	ts1_begin(w);
	ndr_put_u32(w, 0); /* machineName */
	ndr_put_u32(w, 0); /* processId */
	ndr_put_u32(w, 0); /* apartmentId */
	ndr_put_u32(w, 0); /* contextId */
	ts1_end(w);
}

/* ScmRequestInfoData: the protocol sequences the client can use. */
static void put_scm_request(struct ndr_wr *w, const struct dcom_act_in *in)
{
	ts1_begin(w);
	ndr_put_u32(w, 0);                     /* pdwReserved */
	ndr_put_u32(w, RPC_REFERENT_BASE);     /* remoteRequest */
	ndr_put_u32(w, RPC_C_IMP_LEVEL_IDENTIFY); /* ClientImpLevel */
	ndr_put_u16(w, (uint16_t)in->n_protseqs);
	ndr_put_u32(w, in->n_protseqs > 0 ? RPC_REFERENT_BASE + 4 : 0);
	if (in->n_protseqs > 0) {
		ndr_put_u32(w, (uint32_t)in->n_protseqs);
		for (size_t i = 0; i < in->n_protseqs; i++)
			ndr_put_u16(w, in->protseqs[i]);
	}
	ts1_end(w);
	pad8(w);
}

/* The CustomHeader of the request's n properties of the given classes and sizes. */
static void put_header_in(struct ndr_wr *w, const struct rpc_uuid *const *clsid,
			  const uint32_t *size, uint32_t n)
{
	uint32_t sum = 0;

	ts1_begin(w);
	ndr_put_u32(w, 0); /* totalSize, patched */
	ndr_put_u32(w, 0); /* headerSize, patched */
	ndr_put_u32(w, 0); /* dwReserved */
	ndr_put_u32(w, MSHCTX_DIFFERENTMACHINE);
	ndr_put_u32(w, n);
	ndr_put_uuid(w, &(const struct rpc_uuid){ { 0 } });
	ndr_put_u32(w, RPC_REFERENT_BASE);
	ndr_put_u32(w, RPC_REFERENT_BASE + 4);
	ndr_put_u32(w, 0); /* pdwReserved */
	ndr_put_u32(w, n);
	for (uint32_t i = 0; i < n; i++)
		ndr_put_uuid(w, clsid[i]);
	ndr_put_u32(w, n);
	for (uint32_t i = 0; i < n; i++) {
		ndr_put_u32(w, size[i]);
		sum += size[i];
	}
	ts1_end(w);
	if (ndr_wr_ok(w) && w->len <= ACT_PART_MAX) {
		ndr_patch_u32(w, TS1_HEADER + 4, (uint32_t)w->len);
		ndr_patch_u32(w, TS1_HEADER, (uint32_t)w->len + sum);
	}
}

/* The OBJREF_CUSTOM of CLSID_ActivationPropertiesIn around the four properties. */
static int put_act_in(struct ndr_wr *objref, const struct dcom_act_in *in)
{
	const struct rpc_uuid *clsid[4] = { &dcom_clsid_instantiation, &clsid_activation_ctx,
					    &clsid_server_location, &dcom_clsid_scm_request };
	struct ndr_wr part[4], hdr;
	uint32_t size[4];
	size_t total = 0;
	int rc = -1;

	for (int i = 0; i < 4; i++)
		ndr_wr_init(&part[i], ACT_PART_MAX);
	ndr_wr_init(&hdr, ACT_PART_MAX);
	put_instantiation(&part[0], in);
	put_activation_ctx(&part[1]);
	put_location(&part[2]);
	put_scm_request(&part[3], in);
	for (int i = 0; i < 4; i++) {
		if (!ndr_wr_ok(&part[i]))
			goto out;
		size[i] = (uint32_t)part[i].len;
		total += part[i].len;
	}
	put_header_in(&hdr, clsid, size, 4);
	if (!ndr_wr_ok(&hdr))
		goto out;
	total += hdr.len;
	ndr_put_u32(objref, DCOM_OBJREF_SIGNATURE);
	ndr_put_u32(objref, DCOM_OBJREF_CUSTOM);
	ndr_put_uuid(objref, &iid_iactpropsin);
	ndr_put_uuid(objref, &dcom_clsid_activation_in);
	ndr_put_u32(objref, 0);                        /* cbExtension */
	ndr_put_u32(objref, (uint32_t)(total + 8 + 8)); /* size (impacket: pObjectData + 8) */
	ndr_put_u32(objref, (uint32_t)total);          /* dwSize */
	ndr_put_u32(objref, 0);                        /* dwReserved */
	ndr_put_bytes(objref, hdr.buf, hdr.len);
	for (int i = 0; i < 4; i++)
		ndr_put_bytes(objref, part[i].buf, part[i].len);
	rc = ndr_wr_ok(objref) ? 0 : -1;
out:
	for (int i = 0; i < 4; i++)
		ndr_wr_free(&part[i]);
	ndr_wr_free(&hdr);
	return rc;
}

static void put_orpcthis(struct ndr_wr *w, const struct dcom_orpcthis *t)
{
	ndr_put_u16(w, t->major);
	ndr_put_u16(w, t->minor);
	ndr_put_u32(w, t->flags);
	ndr_put_u32(w, 0); /* reserved1 */
	ndr_put_uuid(w, &t->cid);
	ndr_put_u32(w, 0); /* extensions: NULL */
}

int dcom_act_encode_in(uint16_t opnum, const struct dcom_act_in *in, struct ndr_wr *w)
{
	struct ndr_wr objref;
	int rc;

	if (w->len != 0 ||
	    (opnum != DCOM_ACT_OPNUM_GETCLASSOBJECT && opnum != DCOM_ACT_OPNUM_CREATEINSTANCE) ||
	    in->n_iids == 0 || in->n_iids > DCOM_ACT_MAX_IIDS ||
	    in->n_protseqs > DCOM_ACT_MAX_PROTSEQS)
		return -1;
	put_orpcthis(w, &in->orpc);
	if (opnum == DCOM_ACT_OPNUM_CREATEINSTANCE)
		ndr_put_u32(w, 0); /* pUnkOuter: NULL */
	ndr_wr_init(&objref, 4 * ACT_PART_MAX);
	rc = put_act_in(&objref, in);
	if (rc == 0) {
		ndr_put_u32(w, RPC_REFERENT_BASE);
		dcom_put_mip(w, objref.buf, objref.len);
	}
	ndr_wr_free(&objref);
	return rc == 0 && ndr_wr_ok(w) ? 0 : -1;
}

/* A DUALSTRINGARRAY's units (no conformance count: n units at r) into b.
 * String bindings beyond DCOM_MAX_BINDINGS are dropped; every address must be
 * printable ASCII of at most DCOM_ADDR_MAX characters; both lists must end
 * inside the array. Failures are r's. */
static void get_dsa_units(struct ndr_rd *r, uint16_t n, uint16_t sec_off,
			  struct dcom_bindings *b)
{
	uint16_t u[DCOM_DSA_MAX_UNITS];
	size_t k = 0;

	memset(b, 0, sizeof *b);
	if (n > DCOM_DSA_MAX_UNITS || sec_off > n) {
		ndr_rd_fail(r, "DUALSTRINGARRAY: %u units, security offset %u", n, sec_off);
		return;
	}
	for (uint16_t i = 0; i < n; i++)
		u[i] = ndr_get_u16(r);
	if (r->failed)
		return;
	/* String bindings: tower id, address, NUL; a 0 ends them. */
	while (k < sec_off && u[k] != 0) {
		struct dcom_strbinding sb = { .tower_id = u[k++] };
		size_t len = 0;

		while (k < sec_off && u[k] != 0) {
			if (u[k] < 0x20 || u[k] > 0x7e || len >= DCOM_ADDR_MAX) {
				ndr_rd_fail(r, "DUALSTRINGARRAY: an address that is not short "
					    "printable ASCII");
				return;
			}
			sb.addr[len++] = (char)u[k++];
		}
		if (k >= sec_off) {
			ndr_rd_fail(r, "DUALSTRINGARRAY: a string binding without its NUL");
			return;
		}
		k++; /* its NUL */
		if (b->n_str < DCOM_MAX_BINDINGS)
			b->str[b->n_str++] = sb;
	}
	/* Security bindings: service, authz, principal, NUL; a 0 ends them. */
	for (k = sec_off; k < n && u[k] != 0;) {
		struct dcom_secbinding sb = { .authn_svc = u[k] };
		size_t len = 0;

		k += 2; /* wAuthnSvc, wAuthzSvc */
		while (k < n && u[k] != 0) {
			if (u[k] >= 0x20 && u[k] <= 0x7e && len < DCOM_ADDR_MAX)
				sb.princ[len++] = (char)u[k];
			k++; /* a principal is informative here: kept when it fits */
		}
		if (k >= n) {
			ndr_rd_fail(r, "DUALSTRINGARRAY: a security binding without its NUL");
			return;
		}
		k++;
		if (b->n_sec < DCOM_MAX_BINDINGS)
			b->sec[b->n_sec++] = sb;
	}
}

/* An OBJREF_STANDARD for iid in n octets at p: its STDOBJREF into s (the
 * resolver bindings are checked, not kept). */
static int get_objref_standard(const uint8_t *p, size_t n, const struct rpc_uuid *iid,
			       struct dcom_stdobjref *s, char *err, size_t errlen)
{
	struct ndr_rd r;
	struct rpc_uuid got;
	struct dcom_bindings res;
	uint32_t sig, flags;
	uint16_t num, off;

	ndr_rd_init(&r, p, n);
	sig = ndr_get_u32(&r);
	flags = ndr_get_u32(&r);
	ndr_get_uuid(&r, &got);
	s->flags = ndr_get_u32(&r);
	s->public_refs = ndr_get_u32(&r);
	s->oxid = ndr_get_u64(&r);
	s->oid = ndr_get_u64(&r);
	ndr_get_uuid(&r, &s->ipid);
	num = ndr_get_u16(&r);
	off = ndr_get_u16(&r);
	get_dsa_units(&r, num, off, &res);
	if (r.failed)
		return err_set(err, errlen, "OBJREF_STANDARD: %s", r.err);
	if (sig != DCOM_OBJREF_SIGNATURE || flags != DCOM_OBJREF_STANDARD)
		return err_set(err, errlen, "interface pointer: signature 0x%08x, flags %u (not "
				 "OBJREF_STANDARD)", sig, flags);
	if (!rpc_uuid_eq(&got, iid))
		return err_set(err, errlen, "interface pointer for another IID");
	return 0;
}

/* PropsOutInfo: per IID its HRESULT and interface pointer. */
static int get_props_out(const uint8_t *p, size_t n, struct dcom_act_reply *o, char *err,
			 size_t errlen)
{
	struct ndr_rd r;
	uint32_t cifs, rp[3], max, ptr[DCOM_ACT_MAX_IIDS];

	if (ts1_open(&r, p, n, "PropsOutInfo", err, errlen) != 0)
		return -1;
	cifs = ndr_get_u32(&r);
	for (int i = 0; i < 3; i++)
		rp[i] = ndr_get_u32(&r);
	if (r.failed)
		return err_set(err, errlen, "PropsOutInfo: %s", r.err);
	if (cifs == 0 || cifs > DCOM_ACT_MAX_IIDS || rp[0] == 0 || rp[1] == 0 || rp[2] == 0)
		return err_set(err, errlen, "PropsOutInfo: %u interfaces (1 to %d), or a NULL "
				 "array", cifs, DCOM_ACT_MAX_IIDS);
	if ((max = ndr_get_u32(&r)) != cifs && !r.failed)
		return err_set(err, errlen, "PropsOutInfo: %u IIDs for %u", max, cifs);
	for (uint32_t i = 0; i < cifs; i++)
		ndr_get_uuid(&r, &o->iids[i]);
	if ((max = ndr_get_u32(&r)) != cifs && !r.failed)
		return err_set(err, errlen, "PropsOutInfo: %u HRESULTs for %u", max, cifs);
	for (uint32_t i = 0; i < cifs; i++)
		o->iface_hr[i] = ndr_get_u32(&r);
	if ((max = ndr_get_u32(&r)) != cifs && !r.failed)
		return err_set(err, errlen, "PropsOutInfo: %u pointers for %u", max, cifs);
	for (uint32_t i = 0; i < cifs; i++)
		ptr[i] = ndr_get_u32(&r);
	for (uint32_t i = 0; i < cifs && !r.failed; i++) {
		const uint8_t *q;
		uint32_t qn;

		if (ptr[i] == 0) {
			if (o->iface_hr[i] == 0)
				return err_set(err, errlen, "PropsOutInfo: S_OK with no pointer");
			continue;
		}
		dcom_get_mip(&r, ACT_PART_MAX, &q, &qn);
		if (r.failed)
			break;
		if (o->iface_hr[i] == 0 &&
		    get_objref_standard(q, qn, &o->iids[i], &o->std[i], err, errlen) != 0)
			return -1;
	}
	if (r.failed)
		return err_set(err, errlen, "PropsOutInfo: %s", r.err);
	o->n_ifaces = cifs;
	return 0;
}

/* ScmReplyInfoData: the OXID, its bindings, the IRemUnknown IPID. */
static int get_scm_reply(const uint8_t *p, size_t n, struct dcom_act_reply *o, char *err,
			 size_t errlen)
{
	struct ndr_rd r;
	uint32_t reserved, reply, dsa, max;
	uint16_t num, off;

	if (ts1_open(&r, p, n, "ScmReplyInfoData", err, errlen) != 0)
		return -1;
	reserved = ndr_get_u32(&r);
	reply = ndr_get_u32(&r);
	if (reserved != 0)
		(void)ndr_get_u32(&r);
	if (!r.failed && reply == 0)
		return err_set(err, errlen, "ScmReplyInfoData: remoteReply is NULL");
	o->oxid = ndr_get_u64(&r);
	dsa = ndr_get_u32(&r);
	ndr_get_uuid(&r, &o->ipid_remunknown);
	o->authn_hint = ndr_get_u32(&r);
	o->server_major = ndr_get_u16(&r);
	o->server_minor = ndr_get_u16(&r);
	if (!r.failed && dsa == 0)
		return err_set(err, errlen, "ScmReplyInfoData: no OXID bindings");
	max = ndr_get_u32(&r);
	num = ndr_get_u16(&r);
	off = ndr_get_u16(&r);
	if (!r.failed && max != num)
		return err_set(err, errlen, "ScmReplyInfoData: %u units, max_count %u", num, max);
	get_dsa_units(&r, num, off, &o->oxid_bindings);
	if (r.failed)
		return err_set(err, errlen, "ScmReplyInfoData: %s", r.err);
	return 0;
}

/* ppActProperties' octets: an OBJREF_CUSTOM of CLSID_ActivationPropertiesOut. */
static int get_act_out(const uint8_t *p, size_t n, struct dcom_act_reply *o, char *err,
		       size_t errlen)
{
	struct ndr_rd r;
	struct rpc_uuid iid, clsid;
	struct act_header h;
	uint32_t sig, flags, dwsize;
	size_t off;
	int seen_props = 0, seen_scm = 0;

	ndr_rd_init(&r, p, n);
	sig = ndr_get_u32(&r);
	flags = ndr_get_u32(&r);
	ndr_get_uuid(&r, &iid);
	ndr_get_uuid(&r, &clsid);
	(void)ndr_get_u32(&r); /* cbExtension */
	(void)ndr_get_u32(&r); /* reserved */
	dwsize = ndr_get_u32(&r);
	(void)ndr_get_u32(&r); /* dwReserved */
	if (r.failed)
		return err_set(err, errlen, "ppActProperties: %zu octets, truncated OBJREF", n);
	if (sig != DCOM_OBJREF_SIGNATURE || flags != DCOM_OBJREF_CUSTOM ||
	    !rpc_uuid_eq(&clsid, &dcom_clsid_activation_out))
		return err_set(err, errlen, "ppActProperties: not an OBJREF_CUSTOM of "
				 "CLSID_ActivationPropertiesOut");
	if (dwsize > ndr_rd_left(&r))
		return err_set(err, errlen, "ActivationPropertiesBlob: dwSize %u, %zu octets left",
			       dwsize, ndr_rd_left(&r));
	p += r.off;
	if (get_header(p, dwsize, &h, err, errlen) != 0)
		return -1;
	off = h.header;
	for (uint32_t i = 0; i < h.n; i++) {
		const uint8_t *q = p + off;
		size_t sz = h.size[i];

		if (sz > h.total - off)
			return err_set(err, errlen, "property %u: %zu octets, %zu left", i + 1, sz,
				       h.total - off);
		off += sz;
		if (rpc_uuid_eq(&h.clsid[i], &dcom_clsid_activation_out)) {
			if (seen_props++ || get_props_out(q, sz, o, err, errlen) != 0)
				return seen_props > 1 ? err_set(err, errlen, "PropsOutInfo twice")
						      : -1;
		} else if (rpc_uuid_eq(&h.clsid[i], &dcom_clsid_scm_reply)) {
			if (seen_scm++ || get_scm_reply(q, sz, o, err, errlen) != 0)
				return seen_scm > 1 ? err_set(err, errlen, "ScmReplyInfoData twice")
						    : -1;
		}
	}
	if (!seen_props || !seen_scm)
		return err_set(err, errlen, "activation answer without %s",
			       seen_props ? "ScmReplyInfoData" : "PropsOutInfo");
	return 0;
}

int dcom_act_decode_out(uint16_t opnum, const uint8_t *stub, size_t len,
			struct dcom_act_reply *out, char *err, size_t errlen)
{
	struct ndr_rd r;
	const uint8_t *act = NULL;
	uint32_t nact = 0, ref;

	memset(out, 0, sizeof *out);
	if (opnum != DCOM_ACT_OPNUM_GETCLASSOBJECT && opnum != DCOM_ACT_OPNUM_CREATEINSTANCE)
		return err_set(err, errlen, "IRemoteSCMActivator has no opnum %u here", opnum);
	ndr_rd_init(&r, stub, len);
	dcom_get_orpcthat(&r);
	ref = ndr_get_u32(&r);
	if (ref != 0)
		dcom_get_mip(&r, DCOM_ACT_MAX_BLOB, &act, &nact);
	out->hr = ndr_get_u32(&r);
	if (ndr_rd_end(&r, 7) != 0) {
		err_set(err, errlen, "activation answer: %s", r.err);
		memset(out, 0, sizeof *out);
		return -1;
	}
	if (out->hr != 0)
		return 0; /* refused: nothing else is looked at */
	if (ref == 0 || get_act_out(act, nact, out, err, errlen) != 0) {
		if (ref == 0)
			err_set(err, errlen, "activation answer: S_OK without ppActProperties");
		memset(out, 0, sizeof *out);
		return -1;
	}
	return 0;
}
