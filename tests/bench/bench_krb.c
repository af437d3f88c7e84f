/* The benchmark's Kerberos initiator over MIT GSSAPI (bench_krb.h).
 *
 * Why the NegTokenInit by hand (a few lines of DER below) rather than MIT's SPNEGO
 * mechanism (not tried): the krb5 mechanism in DCE style writes the raw AP-REQ
 * (0x6e ..., seen with MIT 1.20), while Windows and impacket put it GSS-framed
 * (0x60, the krb5 OID, TOK_ID 01 00) in the NegTokenInit, which is what the CA
 * reads (firmware/auth/spnego.c krb5_tok_unframe): the framing has to be ours
 * anyway, and by hand the MechTypeList is exactly the krb5 OID, first and
 * alone (Kerberos optimistic and chosen: no mechListMIC, RFC 4178 5), and the
 * later legs are exactly DCE style's (NegTokenResp around raw AP-REPs).
 * The NegTokenResps, the CA's and the third leg's, are read and written by
 * firmware/auth/spnego.c (spnego_decode_resp, fuzzed; spnego_encode_resp):
 * firmware/auth has no initiator's NegTokenInit writer, hence the one here.
 *
 * Sealing: gss_wrap_iov / gss_unwrap_iov with a HEADER buffer (the verifier),
 * the DATA (the body, in place), an empty PADDING and no TRAILER: in DCE style
 * MIT then writes EC 16 and RRC 28 and folds the trailer into the header, the
 * 76-octet verifier of MS-KILE 3.4.5.4.1 (what Samba's gensec does too). No
 * SIGN_ONLY buffers: header signing is not requested, only the body is
 * protected. */
#include "tests/bench/bench_krb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>

#include "firmware/auth/proto.h"
#include "firmware/auth/spnego.h"
#include "firmware/client/ntlm_init.h"
#include "firmware/rpc/krb5_seal.h"
#include "firmware/rpc/pdu.h"

#define KRB5_OID "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" /* 1.2.840.113554.1.2.2 */
#define SPNEGO_OID "\x2b\x06\x01\x05\x05\x02"           /* 1.3.6.1.5.5.2 */
#define MAX_VERIFIER 128

static gss_OID_desc krb5_oid = {9, (void *)KRB5_OID};

struct krbc {
	gss_name_t target;
	gss_ctx_id_t ctx;
};

/* The messages say "Kerberos: ..." (firmware/client's formatter). */
static int gss_fail(const char *what, OM_uint32 major, OM_uint32 minor, char *err,
		    size_t errlen)
{
	char w[96];

	snprintf(w, sizeof(w), "Kerberos: %s", what);
	return client_gss_fail(w, &krb5_oid, major, minor, err, errlen);
}

struct krbc *krbc_new(const char *service, char *err, size_t errlen)
{
	gss_buffer_desc nb = {strlen(service), (void *)service};
	OM_uint32 major, minor;
	struct krbc *k = calloc(1, sizeof(*k));

	if (k == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->ctx = GSS_C_NO_CONTEXT;
	major = gss_import_name(&minor, &nb, GSS_KRB5_NT_PRINCIPAL_NAME, &k->target);
	if (GSS_ERROR(major)) {
		gss_fail("the service principal", major, minor, err, errlen);
		free(k);
		return NULL;
	}
	return k;
}

static void end_ctx(struct krbc *k)
{
	OM_uint32 min;

	if (k->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &k->ctx, GSS_C_NO_BUFFER);
	k->ctx = GSS_C_NO_CONTEXT;
}

void krbc_free(struct krbc *k)
{
	OM_uint32 min;

	if (k == NULL)
		return;
	end_ctx(k);
	gss_release_name(&min, &k->target);
	free(k);
}

/* ---- DER, just enough for SPNEGO ---- */

static size_t tl_len(size_t len)
{
	return len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : 5;
}

static void put_tl(struct ndr_wr *w, uint8_t tag, size_t len)
{
	uint8_t b[5];
	size_t n = 0;

	b[n++] = tag;
	if (len < 0x80) {
		b[n++] = (uint8_t)len;
	} else if (len < 0x100) {
		b[n++] = 0x81;
		b[n++] = (uint8_t)len;
	} else if (len < 0x10000) {
		b[n++] = 0x82;
		b[n++] = (uint8_t)(len >> 8);
		b[n++] = (uint8_t)len;
	} else {
		w->failed = 1; /* no token of ours is that long */
		return;
	}
	ndr_put_bytes(w, b, n);
}

/* ---- the legs ---- */

/* GSS framing of the krb5 mechanism's AP-REQ (RFC 4121 4.1), for a raw one. */
static void put_framed_apreq(struct ndr_wr *w, const uint8_t *apreq, size_t len)
{
	size_t inner = 2 + 9 + 2 + len;

	put_tl(w, 0x60, inner);
	put_tl(w, 0x06, 9);
	ndr_put_bytes(w, KRB5_OID, 9);
	ndr_put_bytes(w, "\x01\x00", 2);
	ndr_put_bytes(w, apreq, len);
}

/* 0x60 { SPNEGO OID, [0] NegTokenInit { [0] mechTypes { krb5 }, [2] mechToken } }. */
static void put_init(struct ndr_wr *w, const uint8_t *apreq, size_t len, int framed)
{
	/* Lengths from the inside out: the mechToken, the MechTypeList (one OID),
	 * [0] and [2], the SEQUENCE, [0] NegTokenInit, the whole. */
	size_t mt = framed ? len : tl_len(2 + 9 + 2 + len) + 2 + 9 + 2 + len;
	size_t types = 2 + 9, list = tl_len(types) + types;
	size_t f0 = tl_len(list) + list, octets = tl_len(mt) + mt;
	size_t body = f0 + tl_len(octets) + octets, ctx0 = tl_len(body) + body;
	size_t all = 2 + 6 + tl_len(ctx0) + ctx0;
	put_tl(w, 0x60, all);
	put_tl(w, 0x06, 6);
	ndr_put_bytes(w, SPNEGO_OID, 6);
	put_tl(w, 0xa0, ctx0);
	put_tl(w, 0x30, body);
	put_tl(w, 0xa0, list);
	put_tl(w, 0x30, types);
	put_tl(w, 0x06, 9);
	ndr_put_bytes(w, KRB5_OID, 9);
	put_tl(w, 0xa2, octets);
	put_tl(w, 0x04, mt);
	if (framed)
		ndr_put_bytes(w, apreq, len);
	else
		put_framed_apreq(w, apreq, len);
}

/* GSS_C_SEQUENCE_FLAG and GSS_C_REPLAY_FLAG as Windows and impacket ask: MIT
 * then refuses a response token out of sequence or replayed. */
#define INIT_FLAGS                                                                          \
	(GSS_C_DCE_STYLE | GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG |         \
	 GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG)

static OM_uint32 init_step(struct krbc *k, gss_buffer_t in, gss_buffer_t out, OM_uint32 *minor,
			   OM_uint32 *flags)
{
	return gss_init_sec_context(minor, GSS_C_NO_CREDENTIAL, &k->ctx, k->target, &krb5_oid,
				    INIT_FLAGS, 0, GSS_C_NO_CHANNEL_BINDINGS, in, NULL, out, flags,
				    NULL);
}

static int start(void *arg, struct ndr_wr *tok, char *err, size_t errlen)
{
	struct krbc *k = arg;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, min, flags = 0;
	const uint8_t *o;

	end_ctx(k); /* a fresh logon per bind */
	major = init_step(k, GSS_C_NO_BUFFER, &out, &minor, &flags);
	if (major != GSS_S_CONTINUE_NEEDED) {
		gss_release_buffer(&min, &out);
		if (major == GSS_S_COMPLETE)
			snprintf(err, errlen, "Kerberos: MIT did not ask for mutual authentication");
		else
			gss_fail("the AP-REQ", major, minor, err, errlen);
		return -1;
	}
	o = out.value;
	/* In DCE style MIT writes the raw AP-REQ; the CA's SPNEGO reader wants it
	 * framed (an already framed one is taken as it is). */
	put_init(tok, o, out.length, out.length > 0 && o[0] == 0x60);
	gss_release_buffer(&min, &out);
	if (!ndr_wr_ok(tok)) {
		snprintf(err, errlen, "Kerberos: the NegTokenInit does not fit");
		return -1;
	}
	return 0;
}

static int step(void *arg, const uint8_t *in, size_t len, struct ndr_wr *tok, char *err,
		size_t errlen)
{
	struct krbc *k = arg;
	gss_buffer_desc ib, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, min, flags = 0;
	struct spnego_resp r;
	uint8_t resp[AUTH_GSS_TOKEN_MAX];
	size_t resplen = 0;
	char why[160];

	/* The CA's token is read by firmware/auth's decoder (fuzzed: fuzz_spnego). */
	if (spnego_decode_resp(in, len, &r, why, sizeof(why)) != 0 || r.token == NULL ||
	    r.token_len == 0) {
		snprintf(err, errlen, "Kerberos: the bind_ack's NegTokenResp cannot be read");
		return -1;
	}
	if (r.neg_state != SPNEGO_NEG_ACCEPT_INCOMPLETE) {
		snprintf(err, errlen, "Kerberos: the bind_ack's NegTokenResp has negState %d",
			 r.neg_state);
		return -1;
	}
	ib.value = (void *)r.token;
	ib.length = r.token_len;
	major = init_step(k, &ib, &out, &minor, &flags);
	if (major != GSS_S_COMPLETE) {
		gss_release_buffer(&min, &out);
		return gss_fail("the CA's AP-REP", major, minor, err, errlen);
	}
	if ((flags & (GSS_C_DCE_STYLE | GSS_C_CONF_FLAG | GSS_C_MUTUAL_FLAG)) !=
		    (GSS_C_DCE_STYLE | GSS_C_CONF_FLAG | GSS_C_MUTUAL_FLAG) ||
	    out.length == 0) {
		gss_release_buffer(&min, &out);
		snprintf(err, errlen, "Kerberos: a context without DCE style, confidentiality or "
			 "mutual authentication");
		return -1;
	}
	/* [1] NegTokenResp { [2] responseToken }: DCE style's third leg, as impacket
	 * writes it (firmware/auth's encoder). */
	if (spnego_encode_resp(SPNEGO_NEG_ABSENT, SPNEGO_MECH_UNKNOWN, out.value, out.length,
			       NULL, 0, resp, sizeof(resp), &resplen) == 0)
		ndr_put_bytes(tok, resp, resplen);
	gss_release_buffer(&min, &out);
	if (resplen == 0 || !ndr_wr_ok(tok)) {
		snprintf(err, errlen, "Kerberos: the NegTokenResp does not fit");
		return -1;
	}
	return 0;
}

static int done(void *arg, const uint8_t *in, size_t len, char *err, size_t errlen)
{
	struct spnego_resp r;
	char why[160];

	(void)arg;
	if (spnego_decode_resp(in, len, &r, why, sizeof(why)) != 0 ||
	    r.neg_state != SPNEGO_NEG_ACCEPT_COMPLETED) {
		snprintf(err, errlen, "Kerberos: the alter_context_resp is not accept-completed");
		return -1;
	}
	return 0;
}

static int wrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		uint8_t *verifier, size_t verifier_len)
{
	struct krbc *k = arg;
	gss_iov_buffer_desc iov[3];
	OM_uint32 major, minor;
	int conf = 0;

	if (body_off > len || body_len > len - body_off)
		return -1;
	iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
	iov[0].buffer.value = verifier;
	iov[0].buffer.length = verifier_len;
	iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[1].buffer.value = pdu + body_off;
	iov[1].buffer.length = body_len;
	iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING;
	iov[2].buffer.value = NULL;
	iov[2].buffer.length = 0;
	/* The lengths MIT wants first: exactly our verifier, no padding. (It
	 * clears the buffers' pointers: they are set again after.) */
	major = gss_wrap_iov_length(&minor, k->ctx, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
	if (major != GSS_S_COMPLETE || iov[0].buffer.length != verifier_len ||
	    iov[1].buffer.length != body_len || iov[2].buffer.length != 0)
		return -1;
	iov[0].buffer.value = verifier;
	iov[1].buffer.value = pdu + body_off;
	iov[2].buffer.value = NULL;
	major = gss_wrap_iov(&minor, k->ctx, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
	return major == GSS_S_COMPLETE && conf ? 0 : -1;
}

static int unwrap(void *arg, uint8_t *pdu, size_t len, size_t body_off, size_t body_len,
		  const uint8_t *verifier, size_t verifier_len)
{
	struct krbc *k = arg;
	uint8_t hdr[MAX_VERIFIER];
	gss_iov_buffer_desc iov[2];
	OM_uint32 major, minor;
	gss_qop_t qop = 0;
	int conf = 0;

	if (body_off > len || body_len > len - body_off || verifier_len > sizeof(hdr))
		return -1;
	memcpy(hdr, verifier, verifier_len); /* MIT rotates the header in place */
	iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
	iov[0].buffer.value = hdr;
	iov[0].buffer.length = verifier_len;
	iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[1].buffer.value = pdu + body_off;
	iov[1].buffer.length = body_len;
	major = gss_unwrap_iov(&minor, k->ctx, &conf, &qop, iov, 2);
	explicit_bzero(hdr, sizeof(hdr));
	return major == GSS_S_COMPLETE && conf ? 0 : -1;
}

static const struct rpcc_sec krb_sec = {
	.type = RPC_AUTHN_GSS_NEGOTIATE,
	.verifier_len = KRB5_WRAP_LEN, /* 76: EC 16, as Windows and MIT in DCE style */
	.start = start,
	.step = step,
	.done = done,
	.wrap = wrap,
	.unwrap = unwrap,
};

void krbc_auth(struct krbc *k, struct rpcc_auth *a)
{
	memset(a, 0, sizeof(*a));
	a->level = RPC_AUTHN_LEVEL_PKT_PRIVACY;
	a->arg = k;
	a->sec = &krb_sec;
}
