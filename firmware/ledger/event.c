/* The ledger's journal events: validation, the record codec and the hash chain; see
 * event.h.
 *
 * Each event type's body is described once, by a table of fields in encoding order
 * with each field's kind and bounds. Encoding, decoding and validation all walk the
 * same table, and decoding validates each field with the very function encoding
 * uses, so that a decoder can never accept what an encoder would refuse: any record
 * that decodes re-encodes to the same bytes.
 *
 * The two 32-byte hashes (prev, tbs_sha256) are written as 32 raw bytes, not as a
 * length-prefixed byte string: their length is fixed by the format. */
#include "firmware/ledger/event.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "platform/errbuf.h"
#include "platform/log.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- names ---- */

static const char *const type_names[EV_TYPE_MAX + 1] = {
	[EV_GENESIS] = "genesis",
	[EV_REQUEST_RECEIVED] = "request-received",
	[EV_DISPOSITION] = "disposition",
	[EV_EXTENSION_SET] = "extension-set",
	[EV_CERT_INTENT] = "cert-intent",
	[EV_CERT_ISSUED] = "cert-issued",
	[EV_CERT_REVOKED] = "cert-revoked",
	[EV_CERT_UNREVOKED] = "cert-unrevoked",
	[EV_CRL_PUBLISHED] = "crl-published",
	[EV_KEY_ARCHIVED] = "key-archived",
	[EV_PROPERTY_CHANGED] = "property-changed",
	[EV_OPERATOR_ACTION] = "operator-action",
	[EV_LOGON_REFUSED] = "logon-refused",
	[EV_CHECKPOINT] = "checkpoint",
	[EV_TEMPLATE_CHANGED] = "template-changed",
	[EV_REQUEST_LINK] = "request-link",
};

static const char *const link_kind_names[LEDGER_LINK_KIND_MAX + 1] = {
	[LEDGER_LINK_RENEWAL] = "renewal",
	[LEDGER_LINK_ON_BEHALF] = "on-behalf",
};

const char *ledger_link_kind_name(uint32_t kind)
{
	return kind >= 1 && kind <= LEDGER_LINK_KIND_MAX ? link_kind_names[kind] : NULL;
}

static const char *const template_action_names[LEDGER_TEMPLATE_ACTION_MAX + 1] = {
	[LEDGER_TEMPLATE_ADDED] = "added",
	[LEDGER_TEMPLATE_CHANGED] = "changed",
	[LEDGER_TEMPLATE_REMOVED] = "removed",
};

const char *ledger_template_action_name(uint32_t action)
{
	return action >= 1 && action <= LEDGER_TEMPLATE_ACTION_MAX ? template_action_names[action]
								   : NULL;
}

static const char *const logon_action_names[LOGON_ACTION_MAX + 1] = {
	[LOGON_NTLM_REFUSED] = "ntlm-refused",
	[LOGON_RPC_VIOLATION] = "rpc-violation",
	[LOGON_RETRIEVE_REFUSED] = "retrieve-refused",
	[LOGON_KERBEROS_REFUSED] = "kerberos-refused",
};

const char *ledger_logon_action_name(uint32_t action)
{
	return action >= 1 && action <= LOGON_ACTION_MAX ? logon_action_names[action] : NULL;
}

uint32_t ledger_logon_action_from_name(const char *name)
{
	for (uint32_t a = 1; a <= LOGON_ACTION_MAX; a++)
		if (strcmp(logon_action_names[a], name) == 0)
			return a;
	return 0;
}

const char *ledger_type_name(uint32_t type)
{
	return type >= EV_GENESIS && type <= EV_TYPE_MAX ? type_names[type] : NULL;
}

uint32_t ledger_type_from_name(const char *name)
{
	if (name == NULL)
		return 0;
	for (uint32_t t = EV_GENESIS; t <= EV_TYPE_MAX; t++)
		if (strcmp(type_names[t], name) == 0)
			return t;
	return 0;
}

const char *ledger_disposition_name(uint32_t disposition)
{
	switch (disposition) {
	case DISP_PENDING:
		return "pending";
	case DISP_ISSUED:
		return "issued";
	case DISP_REVOKED:
		return "revoked";
	case DISP_FAILED:
		return "failed";
	case DISP_DENIED:
		return "denied";
	}
	return NULL;
}

/* ---- the layout tables ---- */

enum fkind {
	F_SEQ,    /* u64, 1 or more */
	F_TYPE,   /* u32, enum ledger_type */
	F_ACTOR,  /* u32, enum ledger_actor */
	F_U32,    /* u32, any value */
	F_BOOL,   /* u32, 0 or 1 */
	F_FORMAT, /* u32, enum ledger_format */
	F_DISP,   /* u32, enum ledger_disposition */
	F_REASON, /* u32, CRLReason 0..10 except 7 */
	F_U64,    /* u64, any value */
	F_I64,    /* i64, any value */
	F_STR,    /* str of min..max bytes, no NUL */
	F_OID,    /* str, dotted decimal, min..max bytes */
	F_BYTES,  /* bytes of min..max bytes */
	F_HASH,   /* 32 raw bytes */
	F_TACT,   /* u32, enum ledger_template_action */
	F_TNAME,  /* str, min..max bytes of [A-Za-z0-9._-] (a template's name) */
	F_LINK,   /* u32, enum ledger_link_kind */
};

struct field {
	const char *name;
	enum fkind kind;
	size_t off;      /* in struct ledger_event */
	size_t min, max; /* lengths, for strings and byte strings */
};

#define HDR(name, kind, member) {name, kind, offsetof(struct ledger_event, member), 0, 0}
#define FLD(name, kind, member) {name, kind, offsetof(struct ledger_event, u.member), 0, 0}
#define LEN(name, kind, member, min, max) \
	{name, kind, offsetof(struct ledger_event, u.member), min, max}

/* After the magic. */
static const struct field header_fields[] = {
	HDR("seq", F_SEQ, seq),
	HDR("time", F_I64, time),
	HDR("type", F_TYPE, type),
	HDR("actor_kind", F_ACTOR, actor_kind),
	{"actor", F_STR, offsetof(struct ledger_event, actor), 1, LEDGER_NAME_MAX},
	HDR("prev", F_HASH, prev),
};

static const struct field genesis_fields[] = {
	LEN("ca_cert", F_BYTES, genesis.ca_cert, 1, LEDGER_BLOB_MAX),
};

static const struct field request_fields[] = {
	FLD("request_id", F_U32, request.request_id),
	FLD("format", F_FORMAT, request.format),
	LEN("requester", F_STR, request.requester, 1, LEDGER_NAME_MAX),
	LEN("raw", F_BYTES, request.raw, 1, LEDGER_BLOB_MAX),
	LEN("attributes", F_STR, request.attributes, 0, LEDGER_TEXT_MAX),
};

static const struct field disposition_fields[] = {
	FLD("request_id", F_U32, disposition.request_id),
	FLD("disposition", F_DISP, disposition.disposition),
	FLD("hresult", F_U32, disposition.hresult),
	LEN("message", F_STR, disposition.message, 0, LEDGER_TEXT_MAX),
};

static const struct field extension_fields[] = {
	FLD("request_id", F_U32, extension.request_id),
	LEN("oid", F_OID, extension.oid, 3, LEDGER_OID_MAX),
	FLD("flags", F_U32, extension.flags),
	LEN("value", F_BYTES, extension.value, 0, LEDGER_TEXT_MAX),
};

static const struct field intent_fields[] = {
	FLD("request_id", F_U32, intent.request_id),
	LEN("serial", F_BYTES, intent.serial, 1, LEDGER_SERIAL_MAX),
	FLD("tbs_sha256", F_HASH, intent.tbs_sha256),
	FLD("not_before", F_I64, intent.not_before),
	FLD("not_after", F_I64, intent.not_after),
};

static const struct field issued_fields[] = {
	FLD("request_id", F_U32, issued.request_id),
	LEN("serial", F_BYTES, issued.serial, 1, LEDGER_SERIAL_MAX),
	FLD("not_before", F_I64, issued.not_before),
	FLD("not_after", F_I64, issued.not_after),
	LEN("cert", F_BYTES, issued.cert, 1, LEDGER_BLOB_MAX),
};

static const struct field revoked_fields[] = {
	LEN("serial", F_BYTES, revocation.serial, 1, LEDGER_SERIAL_MAX),
	FLD("reason", F_REASON, revocation.reason),
	FLD("revoked_at", F_I64, revocation.revoked_at),
	FLD("invalidity", F_I64, revocation.invalidity),
};

/* The other revocation fields are zero; check_body_rules insists on it. */
static const struct field unrevoked_fields[] = {
	LEN("serial", F_BYTES, revocation.serial, 1, LEDGER_SERIAL_MAX),
};

static const struct field crl_fields[] = {
	FLD("number", F_U64, crl.number),
	FLD("is_delta", F_BOOL, crl.is_delta),
	FLD("base_number", F_U64, crl.base_number),
	FLD("this_update", F_I64, crl.this_update),
	FLD("next_update", F_I64, crl.next_update),
	LEN("crl", F_BYTES, crl.crl, 1, LEDGER_CRL_MAX),
};

static const struct field archive_fields[] = {
	FLD("request_id", F_U32, archive.request_id),
	LEN("blob", F_BYTES, archive.blob, 1, LEDGER_BLOB_MAX),
};

static const struct field property_fields[] = {
	LEN("name", F_STR, property.name, 1, LEDGER_NAME_MAX),
	LEN("value", F_BYTES, property.value, 0, LEDGER_BLOB_MAX),
};

static const struct field operator_fields[] = {
	LEN("action", F_STR, op.action, 1, LEDGER_NAME_MAX),
	LEN("target", F_STR, op.target, 0, LEDGER_NAME_MAX),
	FLD("allowed", F_BOOL, op.allowed),
	LEN("detail", F_STR, op.detail, 0, LEDGER_TEXT_MAX),
};

static const struct field logon_fields[] = {
	FLD("action", F_U32, logon.action),
	LEN("peer", F_STR, logon.peer, 1, LEDGER_NAME_MAX),
	LEN("claimed", F_STR, logon.claimed, 0, LEDGER_NAME_MAX),
	LEN("detail", F_STR, logon.detail, 0, LEDGER_TEXT_MAX),
};

static const struct field checkpoint_fields[] = {
	FLD("seq", F_SEQ, checkpoint.seq),
	FLD("head", F_HASH, checkpoint.head),
	FLD("time", F_I64, checkpoint.time),
	FLD("crl_number", F_U64, checkpoint.crl_number),
	LEN("signed", F_BYTES, checkpoint.signed_der, 1, LEDGER_CHECKPOINT_MAX),
};

static const struct field template_fields[] = {
	FLD("action", F_TACT, tmpl.action),
	LEN("name", F_TNAME, tmpl.name, 1, LEDGER_TEMPLATE_NAME_MAX),
	FLD("major", F_U32, tmpl.major),
	FLD("minor", F_U32, tmpl.minor),
	/* 0 here: a removal has no text; check_body_rules ties the length to the action */
	LEN("text", F_BYTES, tmpl.text, 0, LEDGER_TEMPLATE_TEXT_MAX),
};

static const struct field link_fields[] = {
	FLD("request_id", F_U32, link.request_id),
	FLD("kind", F_LINK, link.kind),
	LEN("serial", F_BYTES, link.serial, 1, LEDGER_SERIAL_MAX),
	LEN("account", F_STR, link.account, 1, LEDGER_NAME_MAX),
};

/* The optional tails (event.h, LEDGER_TAIL): the first field is the count that
 * says whether the tail is there. */
static const struct field request_tail[] = {
	FLD("count", F_U32, request.count),
	FLD("since", F_I64, request.since),
	LEN("peer", F_STR, request.peer, 0, LEDGER_NAME_MAX),
};

static const struct field logon_tail[] = {
	FLD("count", F_U32, logon.count),
	FLD("since", F_I64, logon.since),
};

struct layout {
	const struct field *f;
	size_t n;
	const struct field *tail; /* NULL, or n_tail fields led by a u32 count */
	size_t n_tail;
};

#define LAYOUT(t, a) [t] = {a, NITEMS(a), NULL, 0}
#define LAYOUT_TAIL(t, a, b) [t] = {a, NITEMS(a), b, NITEMS(b)}
static const struct layout layouts[EV_TYPE_MAX + 1] = {
	LAYOUT(EV_GENESIS, genesis_fields),
	LAYOUT_TAIL(EV_REQUEST_RECEIVED, request_fields, request_tail),
	LAYOUT(EV_DISPOSITION, disposition_fields),
	LAYOUT(EV_EXTENSION_SET, extension_fields),
	LAYOUT(EV_CERT_INTENT, intent_fields),
	LAYOUT(EV_CERT_ISSUED, issued_fields),
	LAYOUT(EV_CERT_REVOKED, revoked_fields),
	LAYOUT(EV_CERT_UNREVOKED, unrevoked_fields),
	LAYOUT(EV_CRL_PUBLISHED, crl_fields),
	LAYOUT(EV_KEY_ARCHIVED, archive_fields),
	LAYOUT(EV_PROPERTY_CHANGED, property_fields),
	LAYOUT(EV_OPERATOR_ACTION, operator_fields),
	LAYOUT_TAIL(EV_LOGON_REFUSED, logon_fields, logon_tail),
	LAYOUT(EV_CHECKPOINT, checkpoint_fields),
	LAYOUT(EV_TEMPLATE_CHANGED, template_fields),
	LAYOUT(EV_REQUEST_LINK, link_fields),
};

static const struct layout *layout_of(uint32_t type)
{
	return ledger_type_name(type) != NULL ? &layouts[type] : NULL;
}

/* A field's storage inside an event. */
#define AT(ev, f, T) ((T *)(void *)((char *)(ev) + (f)->off))
#define CAT(ev, f, T) ((const T *)(const void *)((const char *)(ev) + (f)->off))

/* A string field's value (CAT would spell its type "const const char *"). */
static const char *str_at(const struct ledger_event *ev, const struct field *f)
{
	return *(const char *const *)(const void *)((const char *)ev + f->off);
}

/* ---- validation (shared by encoding and decoding) ---- */

/* The platform's formatter (platform/errbuf.h, -1) under the name this file's
 * refusals have always used. */
#define fail err_set

/* Dotted decimal as X.660 writes it: two arcs or more, the first 0..2, the second
 * below 40 under 0 and 1, no empty arc and no leading zero: an OID has exactly one
 * spelling, so two events cannot name one extension differently. */
static int oid_dotted(const char *s)
{
	const char *p = s;
	size_t arcs = 0;
	char first = 0;

	for (;;) {
		const char *start = p;
		size_t n;

		while (*p >= '0' && *p <= '9')
			p++;
		n = (size_t)(p - start);
		if (n == 0 || (n > 1 && *start == '0'))
			return 0;
		if (arcs == 0) {
			if (n != 1 || *start > '2')
				return 0;
			first = *start;
		} else if (arcs == 1 && first < '2' &&
			   (n > 2 || (n == 2 && (start[0] - '0') * 10 + (start[1] - '0') >= 40))) {
			return 0;
		}
		arcs++;
		if (*p == 0)
			return arcs >= 2;
		if (*p++ != '.')
			return 0;
	}
}

/* A template's name: the characters firmware/policy allows (letters, digits,
 * '.', '_', '-'), so that an audit line or a console listing never carries a
 * control character or a separator from a name. */
static int template_name_ok(const char *s)
{
	for (; *s != 0; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* A missing optional string (NULL) is the empty string: it encodes as "" and
 * decodes as "". */
static int check_str(const char *ctx, const struct field *f, const char *s, char *err,
		     size_t errlen)
{
	size_t len;

	if (s == NULL) {
		if (f->min > 0)
			return fail(err, errlen, "%s: %s is missing", ctx, f->name);
		return 0;
	}
	len = strnlen(s, f->max + 1);
	if (len > f->max)
		return fail(err, errlen, "%s: %s is longer than %zu bytes", ctx, f->name, f->max);
	if (len < f->min)
		return f->min == 1 ? fail(err, errlen, "%s: %s is empty", ctx, f->name)
				   : fail(err, errlen, "%s: %s is shorter than %zu bytes", ctx,
					  f->name, f->min);
	if (f->kind == F_OID && !oid_dotted(s))
		/* Not quoted: it may be a requester's bytes, and errors reach the log. */
		return fail(err, errlen, "%s: %s is not a dotted OID", ctx, f->name);
	if (f->kind == F_TNAME && !template_name_ok(s))
		return fail(err, errlen, "%s: %s holds a character other than A-Z a-z 0-9 . _ -",
			    ctx, f->name);
	return 0;
}

static int check_bytes(const char *ctx, const struct field *f, const struct ledger_bytes *b,
		       char *err, size_t errlen)
{
	if (b->len > 0 && b->p == NULL)
		return fail(err, errlen, "%s: %s has a length but no data", ctx, f->name);
	if (b->len > f->max)
		return fail(err, errlen, "%s: %s of %zu bytes is over %zu", ctx, f->name, b->len,
			    f->max);
	if (b->len < f->min)
		return f->min == 1 ? fail(err, errlen, "%s: %s is empty", ctx, f->name)
				   : fail(err, errlen, "%s: %s is shorter than %zu bytes", ctx,
					  f->name, f->min);
	return 0;
}

static int check_u32(const char *ctx, const struct field *f, uint32_t v, char *err,
		     size_t errlen)
{
	switch (f->kind) {
	case F_TYPE:
		if (ledger_type_name(v) == NULL)
			return fail(err, errlen, "%s: %s %u is not a known event type", ctx,
				    f->name, v);
		break;
	case F_ACTOR:
		if (v < ACTOR_CA || v > ACTOR_REQUESTER)
			return fail(err, errlen, "%s: %s %u is not a known actor kind", ctx,
				    f->name, v);
		break;
	case F_BOOL:
		if (v > 1)
			return fail(err, errlen, "%s: %s is %u, not 0 or 1", ctx, f->name, v);
		break;
	case F_FORMAT:
		if (v < FMT_PKCS10 || v > FMT_DIGEST)
			return fail(err, errlen, "%s: %s %u is not a known request format", ctx,
				    f->name, v);
		break;
	case F_DISP:
		if (ledger_disposition_name(v) == NULL)
			return fail(err, errlen, "%s: %s %u is not a known disposition", ctx,
				    f->name, v);
		break;
	case F_REASON:
		if (v > LEDGER_REASON_MAX || v == 7)
			return fail(err, errlen, "%s: %s %u is not a CRL reason (0..%u, not 7)",
				    ctx, f->name, v, LEDGER_REASON_MAX);
		break;
	case F_TACT:
		if (ledger_template_action_name(v) == NULL)
			return fail(err, errlen, "%s: %s %u is not one of 1..%u", ctx, f->name, v,
				    LEDGER_TEMPLATE_ACTION_MAX);
		break;
	case F_LINK:
		if (ledger_link_kind_name(v) == NULL)
			return fail(err, errlen, "%s: %s %u is not one of 1..%u", ctx, f->name, v,
				    LEDGER_LINK_KIND_MAX);
		break;
	default:
		break;
	}
	return 0;
}

static int check_field(const char *ctx, const struct field *f, const struct ledger_event *ev,
		       char *err, size_t errlen)
{
	switch (f->kind) {
	case F_SEQ:
		if (*CAT(ev, f, uint64_t) == 0)
			return fail(err, errlen, "%s: %s is 0 (events count from 1)", ctx,
				    f->name);
		return 0;
	case F_STR:
	case F_OID:
	case F_TNAME:
		return check_str(ctx, f, str_at(ev, f), err, errlen);
	case F_BYTES:
		return check_bytes(ctx, f, CAT(ev, f, struct ledger_bytes), err, errlen);
	case F_U64:
	case F_I64:
	case F_HASH:
		return 0;
	default:
		return check_u32(ctx, f, *CAT(ev, f, uint32_t), err, errlen);
	}
}

static int check_fields(const char *ctx, const struct field *f, size_t n,
			const struct ledger_event *ev, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		if (check_field(ctx, &f[i], ev, err, errlen) != 0)
			return -1;
	return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* What one field alone cannot say. */
static int check_body_rules(uint32_t type, const struct ledger_event *ev, char *err,
			    size_t errlen)
{
	const struct ev_revocation *rv = &ev->u.revocation;
	const struct ev_crl *crl = &ev->u.crl;

	/* Not encoded, so they must be zero for decode(encode(ev)) to give ev back. */
	if (type == EV_CERT_UNREVOKED && (rv->reason != 0 || rv->revoked_at != 0 ||
					   rv->invalidity != 0))
		return fail(err, errlen, "cert-unrevoked: reason, revoked_at and invalidity "
			    "must be zero");
	if (type == EV_REQUEST_RECEIVED && ev->u.request.format == FMT_DIGEST &&
	    ev->u.request.raw.len != LEDGER_DIGEST_LEN)
		return fail(err, errlen, "request-received: a digest is %d bytes, not %zu",
			    LEDGER_DIGEST_LEN, ev->u.request.raw.len);
	if (type == EV_CRL_PUBLISHED && !crl->is_delta && crl->base_number != 0)
		return fail(err, errlen, "crl-published: base_number must be 0 for a base CRL");
	/* A count stands for refusals: only a refused request's record has one. */
	if (type == EV_REQUEST_RECEIVED && ev->u.request.count != 0 &&
	    ev->u.request.format != FMT_DIGEST)
		return fail(err, errlen, "request-received: a count on a request that was not "
			    "refused where it entered");
	if (type == EV_LOGON_REFUSED && ledger_logon_action_name(ev->u.logon.action) == NULL)
		return fail(err, errlen, "logon-refused: action %u is not one of 1..%u",
			    ev->u.logon.action, LOGON_ACTION_MAX);
	/* A removal carries no text; an addition or a change carries the whole one. */
	if (type == EV_TEMPLATE_CHANGED && ev->u.tmpl.action == LEDGER_TEMPLATE_REMOVED &&
	    ev->u.tmpl.text.len != 0)
		return fail(err, errlen, "template-changed: a removal carries no text");
	if (type == EV_TEMPLATE_CHANGED && ev->u.tmpl.action != LEDGER_TEMPLATE_REMOVED &&
	    ev->u.tmpl.text.len == 0)
		return fail(err, errlen, "template-changed: text is empty");
	return 0;
}

/* The genesis record is record 1, the only one, and has no predecessor. */
static int check_chain_position(const struct ledger_event *ev, char *err, size_t errlen)
{
	if (ev->type == EV_GENESIS && ev->seq != 1)
		return fail(err, errlen, "record: genesis must be event 1, not %llu",
			    (unsigned long long)ev->seq);
	if (ev->type != EV_GENESIS && ev->seq == 1)
		return fail(err, errlen, "record: event 1 must be the genesis, not %s",
			    ledger_type_name(ev->type));
	if (ev->type == EV_GENESIS && !all_zero(ev->prev, LEDGER_HASH_LEN))
		return fail(err, errlen, "record: genesis prev must be zeros");
	return 0;
}

static int check_header(const struct ledger_event *ev, char *err, size_t errlen)
{
	if (check_fields("record", header_fields, NITEMS(header_fields), ev, err, errlen) != 0)
		return -1;
	return check_chain_position(ev, err, errlen);
}

/* Whether ev carries its type's optional tail (event.h, LEDGER_TAIL): its count
 * is not 0. */
static int has_tail(const struct layout *l, const struct ledger_event *ev)
{
	return l->tail != NULL && *CAT(ev, &l->tail[0], uint32_t) != 0;
}

static int field_is_zero(const struct ledger_event *ev, const struct field *f)
{
	const char *s;

	switch (f->kind) {
	case F_STR:
	case F_OID:
	case F_TNAME:
		s = str_at(ev, f);
		return s == NULL || s[0] == 0;
	case F_U64:
	case F_I64:
		return *CAT(ev, f, uint64_t) == 0;
	default:
		return *CAT(ev, f, uint32_t) == 0;
	}
}

/* A tail's fields are checked when it is there; when it is not, they must all
 * be zero, since they are not encoded and decode(encode(ev)) must give ev back. */
static int check_tail(const char *ctx, const struct layout *l, const struct ledger_event *ev,
		      char *err, size_t errlen)
{
	if (l->tail == NULL)
		return 0;
	if (has_tail(l, ev))
		return check_fields(ctx, l->tail, l->n_tail, ev, err, errlen);
	for (size_t i = 1; i < l->n_tail; i++)
		if (!field_is_zero(ev, &l->tail[i]))
			return fail(err, errlen, "%s: %s without a count", ctx, l->tail[i].name);
	return 0;
}

uint32_t ledger_event_count(const struct ledger_event *ev)
{
	uint32_t n = ev->type == EV_REQUEST_RECEIVED ? ev->u.request.count
		     : ev->type == EV_LOGON_REFUSED  ? ev->u.logon.count
						     : 0;

	return n != 0 ? n : 1;
}

static int check_body(uint32_t type, const struct ledger_event *ev, char *err, size_t errlen)
{
	const struct layout *l = layout_of(type);

	if (l == NULL)
		return fail(err, errlen, "event type %u is not known", type);
	if (check_fields(ledger_type_name(type), l->f, l->n, ev, err, errlen) != 0 ||
	    check_tail(ledger_type_name(type), l, ev, err, errlen) != 0)
		return -1;
	return check_body_rules(type, ev, err, errlen);
}

/* ---- encoding ---- */

static void put_hash(struct ipc_wbuf *w, const uint8_t *p)
{
	/* Four little-endian bytes at a time: the codec then writes them unchanged. */
	for (size_t i = 0; i < LEDGER_HASH_LEN; i += 4)
		ipc_put_u32(w, (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
				       (uint32_t)p[i + 2] << 16 | (uint32_t)p[i + 3] << 24);
}

static void put_field(struct ipc_wbuf *w, const struct field *f, const struct ledger_event *ev)
{
	const char *s;
	const struct ledger_bytes *b;

	switch (f->kind) {
	case F_SEQ:
	case F_U64:
		ipc_put_u64(w, *CAT(ev, f, uint64_t));
		break;
	case F_I64:
		ipc_put_u64(w, (uint64_t)*CAT(ev, f, int64_t));
		break;
	case F_STR:
	case F_OID:
	case F_TNAME:
		s = str_at(ev, f);
		ipc_put_str(w, s != NULL ? s : "");
		break;
	case F_BYTES:
		b = CAT(ev, f, struct ledger_bytes);
		ipc_put_bytes(w, b->p, b->len);
		break;
	case F_HASH:
		put_hash(w, CAT(ev, f, uint8_t));
		break;
	default:
		ipc_put_u32(w, *CAT(ev, f, uint32_t));
		break;
	}
}

static void put_fields(struct ipc_wbuf *w, const struct field *f, size_t n,
		       const struct ledger_event *ev)
{
	for (size_t i = 0; i < n; i++)
		put_field(w, &f[i], ev);
}

static int put_done(const struct ipc_wbuf *w, char *err, size_t errlen)
{
	if (w->failed)
		return fail(err, errlen, "cannot encode the event: out of memory or over %u bytes",
			    IPC_MAX_PAYLOAD);
	return 0;
}

/* Everything is checked before the first byte is written: a refused event leaves
 * w as it was. */
int ledger_body_encode(const struct ledger_event *ev, struct ipc_wbuf *w, char *err,
		       size_t errlen)
{
	const struct layout *l;

	if (check_body(ev->type, ev, err, errlen) != 0)
		return -1;
	l = layout_of(ev->type);
	put_fields(w, l->f, l->n, ev);
	if (has_tail(l, ev))
		put_fields(w, l->tail, l->n_tail, ev);
	return put_done(w, err, errlen);
}

int ledger_record_encode(const struct ledger_event *ev, struct ipc_wbuf *w, char *err,
			 size_t errlen)
{
	const struct layout *l;

	if (check_header(ev, err, errlen) != 0 || check_body(ev->type, ev, err, errlen) != 0)
		return -1;
	l = layout_of(ev->type);
	ipc_put_u32(w, LEDGER_MAGIC);
	put_fields(w, header_fields, NITEMS(header_fields), ev);
	put_fields(w, l->f, l->n, ev);
	if (has_tail(l, ev))
		put_fields(w, l->tail, l->n_tail, ev);
	return put_done(w, err, errlen);
}

/* ---- decoding ---- */

struct dec {
	struct ipc_rbuf *r;
	char *next;  /* the unused part of the caller's string buffer */
	size_t left;
	char *err;
	size_t errlen;
};

static int get_str(struct dec *d, const char *ctx, const struct field *f, const char **out)
{
	const uint8_t *p;
	size_t len;

	/* No limit here: the length is compared below, for a message that says which. */
	ipc_get_bytes(d->r, &p, &len, SIZE_MAX);
	if (d->r->failed)
		return fail(d->err, d->errlen, "%s: record ends inside %s", ctx, f->name);
	if (len > f->max)
		return fail(d->err, d->errlen, "%s: %s is longer than %zu bytes", ctx, f->name,
			    f->max);
	if (len > 0 && memchr(p, 0, len) != NULL)
		return fail(d->err, d->errlen, "%s: %s contains a NUL byte", ctx, f->name);
	if (len >= d->left)
		return fail(d->err, d->errlen, "%s: no room for %s in the string buffer", ctx,
			    f->name);
	if (len > 0)
		memcpy(d->next, p, len);
	d->next[len] = 0;
	*out = d->next;
	d->next += len + 1;
	d->left -= len + 1;
	return 0;
}

static void get_hash(struct ipc_rbuf *r, uint8_t *out)
{
	for (size_t i = 0; i < LEDGER_HASH_LEN; i += 4) {
		uint32_t v = ipc_get_u32(r);

		out[i] = (uint8_t)v;
		out[i + 1] = (uint8_t)(v >> 8);
		out[i + 2] = (uint8_t)(v >> 16);
		out[i + 3] = (uint8_t)(v >> 24);
	}
}

/* Reads one field, then holds it to the same check as encoding. */
static int get_field(struct dec *d, const char *ctx, const struct field *f,
		     struct ledger_event *ev)
{
	struct ledger_bytes *b;

	switch (f->kind) {
	case F_SEQ:
	case F_U64:
		*AT(ev, f, uint64_t) = ipc_get_u64(d->r);
		break;
	case F_I64:
		*AT(ev, f, int64_t) = (int64_t)ipc_get_u64(d->r);
		break;
	case F_STR:
	case F_OID:
	case F_TNAME:
		if (get_str(d, ctx, f, AT(ev, f, const char *)) != 0)
			return -1;
		break;
	case F_BYTES:
		b = AT(ev, f, struct ledger_bytes);
		ipc_get_bytes(d->r, &b->p, &b->len, SIZE_MAX);
		break;
	case F_HASH:
		get_hash(d->r, AT(ev, f, uint8_t));
		break;
	default:
		*AT(ev, f, uint32_t) = ipc_get_u32(d->r);
		break;
	}
	if (d->r->failed)
		return fail(d->err, d->errlen, "%s: record ends inside %s", ctx, f->name);
	return check_field(ctx, f, ev, d->err, d->errlen);
}

static int get_fields(struct dec *d, const char *ctx, const struct field *f, size_t n,
		      struct ledger_event *ev)
{
	for (size_t i = 0; i < n; i++)
		if (get_field(d, ctx, &f[i], ev) != 0)
			return -1;
	return 0;
}

static int get_body(struct dec *d, uint32_t type, struct ledger_event *ev)
{
	const struct layout *l = layout_of(type);

	memset(&ev->u, 0, sizeof(ev->u));
	if (l == NULL)
		return fail(d->err, d->errlen, "event type %u is not known", type);
	if (get_fields(d, ledger_type_name(type), l->f, l->n, ev) != 0)
		return -1;
	/* The body is the last thing in a record (and in an append's event): bytes
	 * after it are the optional tail, whose count may not be 0 (that would be a
	 * second spelling of a record without one). */
	if (l->tail != NULL && d->r->left > 0) {
		if (get_fields(d, ledger_type_name(type), l->tail, l->n_tail, ev) != 0)
			return -1;
		if (!has_tail(l, ev))
			return fail(d->err, d->errlen, "%s: a tail with a count of 0",
				    ledger_type_name(type));
	}
	return check_body_rules(type, ev, d->err, d->errlen);
}

int ledger_body_decode(uint32_t type, struct ipc_rbuf *r, struct ledger_event *ev,
		       char *strbuf, size_t strbuf_size, char *err, size_t errlen)
{
	struct dec d = {r, strbuf, strbuf != NULL ? strbuf_size : 0, err, errlen};

	return get_body(&d, type, ev);
}

int ledger_record_decode(const uint8_t *rec, size_t len, struct ledger_event *ev,
			 char *strbuf, size_t strbuf_size, char *err, size_t errlen)
{
	struct ipc_rbuf r;
	struct dec d = {&r, strbuf, strbuf != NULL ? strbuf_size : 0, err, errlen};
	uint32_t magic;

	memset(ev, 0, sizeof(*ev));
	ipc_rbuf_init_mem(&r, rec, len);
	magic = ipc_get_u32(&r);
	if (r.failed)
		return fail(err, errlen, "record: %zu bytes, too short for its magic", len);
	if (magic != LEDGER_MAGIC)
		return fail(err, errlen, "record: bad magic 0x%08x", magic);
	if (get_fields(&d, "record", header_fields, NITEMS(header_fields), ev) != 0 ||
	    check_chain_position(ev, err, errlen) != 0 || get_body(&d, ev->type, ev) != 0)
		goto bad;
	if (ipc_rbuf_done(&r) != 0) {
		fail(err, errlen, "%s: %zu bytes after the body", ledger_type_name(ev->type),
		     r.left);
		goto bad;
	}
	return 0;
bad:
	/* No half-decoded event for a careless caller. */
	memset(ev, 0, sizeof(*ev));
	return -1;
}

/* ---- the hash chain ---- */

void ledger_record_hash(const uint8_t *rec, size_t len, uint8_t out[LEDGER_HASH_LEN])
{
	wc_Sha256 sha;
	int rc;

	/* Only argument errors can fail a software SHA-256; a wrong hash would break
	 * the chain silently, so failing is fatal rather than reported. */
	if (wc_InitSha256(&sha) != 0)
		fatalx("SHA-256: cannot initialise");
	rc = 0;
	while (rc == 0 && len > 0) {
		word32 n = len > 0x40000000u ? 0x40000000u : (word32)len;

		rc = wc_Sha256Update(&sha, rec, n);
		rec += n;
		len -= n;
	}
	if (rc != 0 || wc_Sha256Final(&sha, out) != 0)
		fatalx("SHA-256: cannot hash a record");
	wc_Sha256Free(&sha);
}
