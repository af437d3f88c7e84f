/* Unit tests of firmware/ledger/event and row: the record layout (checked against an
 * encoder written here from event.h's description, not from the codec), round
 * trips of every event type, every bound refused by the encoder and the decoder
 * alike, truncations and bit flips, the hash chain against an independent SHA-256,
 * and the index rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "firmware/ledger/event.h"
#include "firmware/ledger/row.h"

/* ---- an independent encoder: plain bytes, laid out as event.h describes ---- */

struct tbuf {
	uint8_t *p;
	size_t len, cap;
};

static void t_raw(struct tbuf *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 64;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
	if (n > 0)
		memcpy(t->p + t->len, p, n);
	t->len += n;
}

static void t_u32(struct tbuf *t, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	t_raw(t, b, 4);
}

static void t_u64(struct tbuf *t, uint64_t v)
{
	t_u32(t, (uint32_t)v);
	t_u32(t, (uint32_t)(v >> 32));
}

static void t_bytes(struct tbuf *t, const void *p, size_t n)
{
	t_u32(t, (uint32_t)n);
	t_raw(t, p, n);
}

static void t_str(struct tbuf *t, const char *s)
{
	if (s == NULL)
		s = "";
	t_bytes(t, s, strlen(s));
}

static void t_lb(struct tbuf *t, const struct ledger_bytes *b)
{
	t_bytes(t, b->p, b->len);
}

static void t_free(struct tbuf *t)
{
	free(t->p);
	memset(t, 0, sizeof(*t));
}

/* The body of ev as event.h documents it, with no check at all. */
static void t_body(struct tbuf *t, const struct ledger_event *ev)
{
	const struct ev_request *rq = &ev->u.request;
	const struct ev_disposition *d = &ev->u.disposition;
	const struct ev_extension *x = &ev->u.extension;
	const struct ev_intent *in = &ev->u.intent;
	const struct ev_issued *is = &ev->u.issued;
	const struct ev_revocation *rv = &ev->u.revocation;
	const struct ev_crl *c = &ev->u.crl;

	switch (ev->type) {
	case EV_GENESIS:
		t_lb(t, &ev->u.genesis.ca_cert);
		break;
	case EV_REQUEST_RECEIVED:
		t_u32(t, rq->request_id);
		t_u32(t, rq->format);
		t_str(t, rq->requester);
		t_lb(t, &rq->raw);
		t_str(t, rq->attributes);
		break;
	case EV_DISPOSITION:
		t_u32(t, d->request_id);
		t_u32(t, d->disposition);
		t_u32(t, d->hresult);
		t_str(t, d->message);
		break;
	case EV_EXTENSION_SET:
		t_u32(t, x->request_id);
		t_str(t, x->oid);
		t_u32(t, x->flags);
		t_lb(t, &x->value);
		break;
	case EV_CERT_INTENT:
		t_u32(t, in->request_id);
		t_lb(t, &in->serial);
		t_raw(t, in->tbs_sha256, LEDGER_HASH_LEN);
		t_u64(t, (uint64_t)in->not_before);
		t_u64(t, (uint64_t)in->not_after);
		break;
	case EV_CERT_ISSUED:
		t_u32(t, is->request_id);
		t_lb(t, &is->serial);
		t_u64(t, (uint64_t)is->not_before);
		t_u64(t, (uint64_t)is->not_after);
		t_lb(t, &is->cert);
		break;
	case EV_CERT_REVOKED:
		t_lb(t, &rv->serial);
		t_u32(t, rv->reason);
		t_u64(t, (uint64_t)rv->revoked_at);
		t_u64(t, (uint64_t)rv->invalidity);
		break;
	case EV_CERT_UNREVOKED:
		t_lb(t, &rv->serial);
		break;
	case EV_CRL_PUBLISHED:
		t_u64(t, c->number);
		t_u32(t, c->is_delta);
		t_u64(t, c->base_number);
		t_u64(t, (uint64_t)c->this_update);
		t_u64(t, (uint64_t)c->next_update);
		t_lb(t, &c->crl);
		break;
	case EV_KEY_ARCHIVED:
		t_u32(t, ev->u.archive.request_id);
		t_lb(t, &ev->u.archive.blob);
		break;
	case EV_PROPERTY_CHANGED:
		t_str(t, ev->u.property.name);
		t_lb(t, &ev->u.property.value);
		break;
	case EV_OPERATOR_ACTION:
		t_str(t, ev->u.op.action);
		t_str(t, ev->u.op.target);
		t_u32(t, ev->u.op.allowed);
		t_str(t, ev->u.op.detail);
		break;
	case EV_LOGON_REFUSED:
		t_u32(t, ev->u.logon.action);
		t_str(t, ev->u.logon.peer);
		t_str(t, ev->u.logon.claimed);
		t_str(t, ev->u.logon.detail);
		break;
	case EV_CHECKPOINT:
		t_u64(t, ev->u.checkpoint.seq);
		t_raw(t, ev->u.checkpoint.head, LEDGER_HASH_LEN);
		t_u64(t, (uint64_t)ev->u.checkpoint.time);
		t_u64(t, ev->u.checkpoint.crl_number);
		t_lb(t, &ev->u.checkpoint.signed_der);
		break;
	case EV_TEMPLATE_CHANGED:
		t_u32(t, ev->u.tmpl.action);
		t_str(t, ev->u.tmpl.name);
		t_u32(t, ev->u.tmpl.major);
		t_u32(t, ev->u.tmpl.minor);
		t_lb(t, &ev->u.tmpl.text);
		break;
	case EV_REQUEST_LINK:
		t_u32(t, ev->u.link.request_id);
		t_u32(t, ev->u.link.kind);
		t_lb(t, &ev->u.link.serial);
		t_str(t, ev->u.link.account);
		break;
	default:
		break; /* an unknown type has no body */
	}
}

static void t_record(struct tbuf *t, const struct ledger_event *ev)
{
	t_u32(t, 0x3156454cu); /* "LEV1" */
	t_u64(t, ev->seq);
	t_u64(t, (uint64_t)ev->time);
	t_u32(t, ev->type);
	t_u32(t, ev->actor_kind);
	t_str(t, ev->actor);
	t_raw(t, ev->prev, LEDGER_HASH_LEN);
	t_body(t, ev);
}

/* ---- sample events ---- */

static const uint8_t ca_cert[] = {0x30, 0x82, 0x01, 0x0a, 0x02, 0x01, 0x01, 0xa5};
static const uint8_t csr[] = {0x30, 0x81, 0x99, 0x30, 0x00, 0x01, 0x02};
static const uint8_t serial3[] = {0x1a, 0x2b, 0x3c};
static const uint8_t serial20[20] = {0x7f, 1, 2, 3, 4, 5, 6, 7, 8, 9,
				     10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
static const uint8_t serial21[21] = {1};
static const uint8_t extval[] = {0x30, 0x03, 0x01, 0x01, 0xff};
static const uint8_t crl_der[] = {0x30, 0x45, 0x30, 0x2d};
static const uint8_t keyblob[] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01};
static const char tmpl_text[] = "name = WebServer\nmajor_version = 100\n";

/* Over-long values (filled in by init_big, once). */
static char name_max[LEDGER_NAME_MAX + 1], name_over[LEDGER_NAME_MAX + 2];
static char text_max[LEDGER_TEXT_MAX + 1], text_over[LEDGER_TEXT_MAX + 2];
static char oid_max[LEDGER_OID_MAX + 1], oid_over[LEDGER_OID_MAX + 2];
static uint8_t blob_big[LEDGER_BLOB_MAX + 1];
static char tname_max[LEDGER_TEMPLATE_NAME_MAX + 1], tname_over[LEDGER_TEMPLATE_NAME_MAX + 2];

static void fill(char *s, size_t n, char c)
{
	memset(s, c, n);
	s[n] = 0;
}

static int init_big(void **state)
{
	(void)state;
	fill(name_max, LEDGER_NAME_MAX, 'n');
	fill(name_over, LEDGER_NAME_MAX + 1, 'n');
	fill(text_max, LEDGER_TEXT_MAX, 't');
	fill(text_over, LEDGER_TEXT_MAX + 1, 't');
	fill(oid_max, LEDGER_OID_MAX, '3');
	memcpy(oid_max, "1.2.", 4);
	fill(oid_over, LEDGER_OID_MAX + 1, '3');
	memcpy(oid_over, "1.2.", 4);
	for (size_t i = 0; i < sizeof(blob_big); i++)
		blob_big[i] = (uint8_t)(i * 31 + 7);
	fill(tname_max, LEDGER_TEMPLATE_NAME_MAX, 'T');
	fill(tname_over, LEDGER_TEMPLATE_NAME_MAX + 1, 'T');
	return 0;
}

#define LB(a) ((struct ledger_bytes){(a), sizeof(a)})

/* A valid event of each type, every field set to something distinct. */
static void sample(uint32_t type, struct ledger_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->seq = type == EV_GENESIS ? 1 : 40 + type;
	ev->time = 1790000000 + (int64_t)type;
	ev->type = type;
	ev->actor_kind = type == EV_OPERATOR_ACTION ? ACTOR_OPERATOR : ACTOR_CA;
	ev->actor = type == EV_OPERATOR_ACTION ? "EXAMPLE\\officer" : "ca";
	if (type != EV_GENESIS)
		for (size_t i = 0; i < LEDGER_HASH_LEN; i++)
			ev->prev[i] = (uint8_t)(i * 7 + type);

	switch (type) {
	case EV_GENESIS:
		ev->u.genesis.ca_cert = LB(ca_cert);
		break;
	case EV_REQUEST_RECEIVED:
		ev->actor_kind = ACTOR_REQUESTER;
		ev->actor = "EXAMPLE\\alice";
		ev->u.request = (struct ev_request){0, FMT_CMC, "EXAMPLE\\alice", LB(csr),
						    "CertificateTemplate:User\nccm:host", 0, 0,
						    NULL, NULL, 0};
		break;
	case EV_DISPOSITION:
		ev->u.disposition = (struct ev_disposition){17, DISP_DENIED, 0x80094014u,
							    "Denied by policy module"};
		break;
	case EV_EXTENSION_SET:
		ev->actor_kind = ACTOR_OPERATOR;
		ev->u.extension = (struct ev_extension){17, "2.5.29.17", 1, LB(extval)};
		break;
	case EV_CERT_INTENT:
		ev->u.intent.request_id = 18;
		ev->u.intent.serial = LB(serial20);
		for (size_t i = 0; i < LEDGER_HASH_LEN; i++)
			ev->u.intent.tbs_sha256[i] = (uint8_t)(0xff - i);
		ev->u.intent.not_before = -86400; /* before 1970: i64 round trip */
		ev->u.intent.not_after = INT64_MAX;
		break;
	case EV_CERT_ISSUED:
		ev->u.issued = (struct ev_issued){18, LB(serial3), 1790000000, 1821536000,
						  LB(ca_cert)};
		break;
	case EV_CERT_REVOKED:
		ev->actor_kind = ACTOR_OPERATOR;
		ev->u.revocation = (struct ev_revocation){LB(serial3), 6, 1795000000, INT64_MIN};
		break;
	case EV_CERT_UNREVOKED:
		ev->u.revocation.serial = LB(serial3);
		break;
	case EV_CRL_PUBLISHED:
		ev->u.crl = (struct ev_crl){UINT64_MAX, 1, 0x1122334455667788ull, 1790000000,
					    1790604800, LB(crl_der)};
		break;
	case EV_KEY_ARCHIVED:
		ev->u.archive = (struct ev_archive){4000000000u, LB(keyblob)};
		break;
	case EV_PROPERTY_CHANGED:
		ev->actor_kind = ACTOR_OPERATOR;
		ev->u.property = (struct ev_property){"CRLPeriod", {(const uint8_t *)"weeks", 5}};
		break;
	case EV_OPERATOR_ACTION:
		ev->u.op = (struct ev_operator){"login", "console", 1, "role=officer tty=ttyS0"};
		break;
	case EV_LOGON_REFUSED:
		ev->actor_kind = ACTOR_REQUESTER;
		ev->actor = LOGON_ACTOR;
		ev->u.logon = (struct ev_logon){LOGON_NTLM_REFUSED, "127.0.0.1:49152",
						"EXAMPLE\\alice", "wrong password", 0, 0};
		break;
	case EV_CHECKPOINT:
		ev->u.checkpoint.seq = 0x0102030405060708ull;
		memset(ev->u.checkpoint.head, 0x5a, LEDGER_HASH_LEN);
		ev->u.checkpoint.time = 1790000000;
		ev->u.checkpoint.crl_number = UINT64_MAX;
		ev->u.checkpoint.signed_der = LB(crl_der);
		break;
	case EV_TEMPLATE_CHANGED:
		ev->actor_kind = ACTOR_OPERATOR;
		ev->u.tmpl = (struct ev_template){LEDGER_TEMPLATE_CHANGED, "Web-Server_2.x",
						  100, 7,
						  {(const uint8_t *)tmpl_text, sizeof(tmpl_text) - 1}};
		break;
	case EV_REQUEST_LINK:
		ev->u.link = (struct ev_link){7, LEDGER_LINK_ON_BEHALF,
					      {(const uint8_t *)"\x01\x02\x03", 3},
					      "EXAMPLE\\bob"};
		break;
	}
}

/* ---- comparing ---- */

static void assert_str_eq(const char *a, const char *b)
{
	assert_string_equal(a != NULL ? a : "", b != NULL ? b : "");
}

static void assert_lb_eq(const struct ledger_bytes *a, const struct ledger_bytes *b)
{
	assert_int_equal(a->len, b->len);
	if (a->len > 0)
		assert_memory_equal(a->p, b->p, a->len);
}

static void assert_body_eq(uint32_t type, const struct ledger_event *a,
			   const struct ledger_event *b)
{
	switch (type) {
	case EV_GENESIS:
		assert_lb_eq(&a->u.genesis.ca_cert, &b->u.genesis.ca_cert);
		break;
	case EV_REQUEST_RECEIVED:
		assert_int_equal(a->u.request.request_id, b->u.request.request_id);
		assert_int_equal(a->u.request.format, b->u.request.format);
		assert_str_eq(a->u.request.requester, b->u.request.requester);
		assert_lb_eq(&a->u.request.raw, &b->u.request.raw);
		assert_str_eq(a->u.request.attributes, b->u.request.attributes);
		break;
	case EV_DISPOSITION:
		assert_int_equal(a->u.disposition.request_id, b->u.disposition.request_id);
		assert_int_equal(a->u.disposition.disposition, b->u.disposition.disposition);
		assert_int_equal(a->u.disposition.hresult, b->u.disposition.hresult);
		assert_str_eq(a->u.disposition.message, b->u.disposition.message);
		break;
	case EV_EXTENSION_SET:
		assert_int_equal(a->u.extension.request_id, b->u.extension.request_id);
		assert_str_eq(a->u.extension.oid, b->u.extension.oid);
		assert_int_equal(a->u.extension.flags, b->u.extension.flags);
		assert_lb_eq(&a->u.extension.value, &b->u.extension.value);
		break;
	case EV_CERT_INTENT:
		assert_int_equal(a->u.intent.request_id, b->u.intent.request_id);
		assert_lb_eq(&a->u.intent.serial, &b->u.intent.serial);
		assert_memory_equal(a->u.intent.tbs_sha256, b->u.intent.tbs_sha256,
				    LEDGER_HASH_LEN);
		assert_true(a->u.intent.not_before == b->u.intent.not_before);
		assert_true(a->u.intent.not_after == b->u.intent.not_after);
		break;
	case EV_CERT_ISSUED:
		assert_int_equal(a->u.issued.request_id, b->u.issued.request_id);
		assert_lb_eq(&a->u.issued.serial, &b->u.issued.serial);
		assert_true(a->u.issued.not_before == b->u.issued.not_before);
		assert_true(a->u.issued.not_after == b->u.issued.not_after);
		assert_lb_eq(&a->u.issued.cert, &b->u.issued.cert);
		break;
	case EV_CERT_REVOKED:
	case EV_CERT_UNREVOKED:
		assert_lb_eq(&a->u.revocation.serial, &b->u.revocation.serial);
		assert_int_equal(a->u.revocation.reason, b->u.revocation.reason);
		assert_true(a->u.revocation.revoked_at == b->u.revocation.revoked_at);
		assert_true(a->u.revocation.invalidity == b->u.revocation.invalidity);
		break;
	case EV_CRL_PUBLISHED:
		assert_true(a->u.crl.number == b->u.crl.number);
		assert_int_equal(a->u.crl.is_delta, b->u.crl.is_delta);
		assert_true(a->u.crl.base_number == b->u.crl.base_number);
		assert_true(a->u.crl.this_update == b->u.crl.this_update);
		assert_true(a->u.crl.next_update == b->u.crl.next_update);
		assert_lb_eq(&a->u.crl.crl, &b->u.crl.crl);
		break;
	case EV_KEY_ARCHIVED:
		assert_int_equal(a->u.archive.request_id, b->u.archive.request_id);
		assert_lb_eq(&a->u.archive.blob, &b->u.archive.blob);
		break;
	case EV_PROPERTY_CHANGED:
		assert_str_eq(a->u.property.name, b->u.property.name);
		assert_lb_eq(&a->u.property.value, &b->u.property.value);
		break;
	case EV_OPERATOR_ACTION:
		assert_str_eq(a->u.op.action, b->u.op.action);
		assert_str_eq(a->u.op.target, b->u.op.target);
		assert_int_equal(a->u.op.allowed, b->u.op.allowed);
		assert_str_eq(a->u.op.detail, b->u.op.detail);
		break;
	case EV_LOGON_REFUSED:
		assert_int_equal(a->u.logon.action, b->u.logon.action);
		assert_str_eq(a->u.logon.peer, b->u.logon.peer);
		assert_str_eq(a->u.logon.claimed, b->u.logon.claimed);
		assert_str_eq(a->u.logon.detail, b->u.logon.detail);
		break;
	case EV_CHECKPOINT:
		assert_true(a->u.checkpoint.seq == b->u.checkpoint.seq);
		assert_memory_equal(a->u.checkpoint.head, b->u.checkpoint.head, LEDGER_HASH_LEN);
		assert_true(a->u.checkpoint.time == b->u.checkpoint.time);
		assert_true(a->u.checkpoint.crl_number == b->u.checkpoint.crl_number);
		assert_lb_eq(&a->u.checkpoint.signed_der, &b->u.checkpoint.signed_der);
		break;
	case EV_TEMPLATE_CHANGED:
		assert_int_equal(a->u.tmpl.action, b->u.tmpl.action);
		assert_str_eq(a->u.tmpl.name, b->u.tmpl.name);
		assert_int_equal(a->u.tmpl.major, b->u.tmpl.major);
		assert_int_equal(a->u.tmpl.minor, b->u.tmpl.minor);
		assert_lb_eq(&a->u.tmpl.text, &b->u.tmpl.text);
		break;
	case EV_REQUEST_LINK:
		assert_int_equal(a->u.link.request_id, b->u.link.request_id);
		assert_int_equal(a->u.link.kind, b->u.link.kind);
		assert_lb_eq(&a->u.link.serial, &b->u.link.serial);
		assert_str_eq(a->u.link.account, b->u.link.account);
		break;
	default:
		fail_msg("no such type %u", type);
	}
}

static void assert_event_eq(const struct ledger_event *a, const struct ledger_event *b)
{
	assert_true(a->seq == b->seq);
	assert_true(a->time == b->time);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->actor_kind, b->actor_kind);
	assert_str_eq(a->actor, b->actor);
	assert_memory_equal(a->prev, b->prev, LEDGER_HASH_LEN);
	assert_body_eq(a->type, a, b);
}

/* Decoded byte strings point into the record, strings into the string buffer. */
static void assert_inside(const void *p, size_t len, const void *base, size_t size)
{
	const uint8_t *q = p, *b = base;

	if (len == 0)
		return;
	assert_true(q >= b && len <= size && (size_t)(q - b) <= size - len);
}

/* ---- helpers ---- */

/* The record of ev; fails the test if the encoder refuses it. */
static void encode_ok(const struct ledger_event *ev, struct ipc_wbuf *w)
{
	char err[256] = "";

	ipc_wbuf_init(w);
	if (ledger_record_encode(ev, w, err, sizeof(err)) != 0)
		fail_msg("encode: %s", err);
	assert_int_equal(w->failed, 0);
}

/* Decode, compare, re-encode: the same bytes. */
static void round_trip(const struct ledger_event *ev)
{
	struct ipc_wbuf w, w2;
	struct ledger_event out;
	struct tbuf t = {0};
	static char sb[LEDGER_STRBUF];
	char err[256] = "";

	encode_ok(ev, &w);
	/* The layout is event.h's, byte for byte. */
	t_record(&t, ev);
	assert_int_equal(t.len, w.len);
	assert_memory_equal(t.p, w.data, w.len);
	t_free(&t);

	if (ledger_record_decode(w.data, w.len, &out, sb, sizeof(sb), err, sizeof(err)) != 0)
		fail_msg("decode of %s: %s", ledger_type_name(ev->type), err);
	assert_event_eq(ev, &out);
	assert_inside(out.actor, strlen(out.actor) + 1, sb, sizeof(sb));
	if (out.type == EV_REQUEST_RECEIVED) {
		assert_inside(out.u.request.raw.p, out.u.request.raw.len, w.data, w.len);
		assert_inside(out.u.request.requester, strlen(out.u.request.requester) + 1, sb,
			      sizeof(sb));
	}
	if (out.type == EV_GENESIS)
		assert_inside(out.u.genesis.ca_cert.p, out.u.genesis.ca_cert.len, w.data, w.len);

	encode_ok(&out, &w2);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.data, w.data, w.len);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&w2);
}

/* ---- names ---- */

static void test_names(void **state)
{
	static const char *const names[] = {
		NULL, "genesis", "request-received", "disposition", "extension-set",
		"cert-intent", "cert-issued", "cert-revoked", "cert-unrevoked",
		"crl-published", "key-archived", "property-changed", "operator-action",
		"logon-refused", "checkpoint", "template-changed", "request-link",
	};

	(void)state;
	for (uint32_t t = 1; t <= EV_TYPE_MAX; t++) {
		assert_string_equal(ledger_type_name(t), names[t]);
		assert_int_equal(ledger_type_from_name(names[t]), t);
	}
	assert_null(ledger_type_name(0));
	assert_null(ledger_type_name(EV_TYPE_MAX + 1));
	assert_string_equal(ledger_logon_action_name(LOGON_RETRIEVE_REFUSED), "retrieve-refused");
	assert_int_equal(ledger_logon_action_from_name("rpc-violation"), LOGON_RPC_VIOLATION);
	assert_null(ledger_logon_action_name(0));
	assert_null(ledger_logon_action_name(LOGON_ACTION_MAX + 1));
	assert_string_equal(ledger_link_kind_name(LEDGER_LINK_RENEWAL), "renewal");
	assert_string_equal(ledger_link_kind_name(LEDGER_LINK_ON_BEHALF), "on-behalf");
	assert_null(ledger_link_kind_name(0));
	assert_null(ledger_link_kind_name(LEDGER_LINK_KIND_MAX + 1));
	assert_int_equal(ledger_logon_action_from_name("operator-action"), 0);
	assert_string_equal(ledger_template_action_name(LEDGER_TEMPLATE_ADDED), "added");
	assert_string_equal(ledger_template_action_name(LEDGER_TEMPLATE_CHANGED), "changed");
	assert_string_equal(ledger_template_action_name(LEDGER_TEMPLATE_REMOVED), "removed");
	assert_null(ledger_template_action_name(0));
	assert_null(ledger_template_action_name(LEDGER_TEMPLATE_ACTION_MAX + 1));
	assert_null(ledger_type_name(UINT32_MAX));
	assert_int_equal(ledger_type_from_name("no-such-event"), 0);
	assert_int_equal(ledger_type_from_name(""), 0);
	assert_int_equal(ledger_type_from_name(NULL), 0);
	assert_int_equal(ledger_type_from_name("genesis "), 0);

	assert_string_equal(ledger_disposition_name(DISP_PENDING), "pending");
	assert_string_equal(ledger_disposition_name(DISP_ISSUED), "issued");
	assert_string_equal(ledger_disposition_name(DISP_REVOKED), "revoked");
	assert_string_equal(ledger_disposition_name(DISP_FAILED), "failed");
	assert_string_equal(ledger_disposition_name(DISP_DENIED), "denied");
	assert_null(ledger_disposition_name(0));
	assert_null(ledger_disposition_name(10));
	assert_null(ledger_disposition_name(22));
}

/* The audit line of a template's change: action, name, version, text length
 * (never the text: it may be 32 KiB). */
static void test_template_line(void **state)
{
	struct ledger_event ev;
	char line[512];

	(void)state;
	sample(EV_TEMPLATE_CHANGED, &ev);
	ledger_event_line(&ev, line, sizeof(line));
	assert_non_null(strstr(line, " template-changed ca action=changed name=Web-Server_2.x "
				     "version=100.7 text=37"));
	assert_null(strstr(line, "major_version"));
	ev.u.tmpl.action = LEDGER_TEMPLATE_REMOVED;
	ev.u.tmpl.text = (struct ledger_bytes){NULL, 0};
	ledger_event_line(&ev, line, sizeof(line));
	assert_non_null(strstr(line, "action=removed name=Web-Server_2.x version=100.7 text=0"));
}

/* ---- round trips ---- */

static void test_round_trip_every_type(void **state)
{
	struct ledger_event ev;

	(void)state;
	for (uint32_t t = 1; t <= EV_TYPE_MAX; t++) {
		sample(t, &ev);
		round_trip(&ev);
	}
}

/* Every field at the top of its range; LEDGER_STRBUF holds the largest strings. */
static void test_round_trip_maxima(void **state)
{
	struct ledger_event ev;

	(void)state;
	sample(EV_REQUEST_RECEIVED, &ev);
	ev.seq = UINT64_MAX;
	ev.time = INT64_MIN;
	ev.actor = name_max;
	ev.u.request.request_id = UINT32_MAX;
	ev.u.request.format = FMT_PKCS10;
	ev.u.request.requester = name_max;
	ev.u.request.raw = (struct ledger_bytes){blob_big, LEDGER_BLOB_MAX};
	ev.u.request.attributes = text_max;
	round_trip(&ev);

	sample(EV_OPERATOR_ACTION, &ev);
	ev.actor = name_max;
	ev.u.op = (struct ev_operator){name_max, name_max, 0, text_max};
	round_trip(&ev);

	sample(EV_EXTENSION_SET, &ev);
	ev.actor = name_max;
	ev.u.extension.oid = oid_max;
	ev.u.extension.flags = UINT32_MAX;
	ev.u.extension.value = (struct ledger_bytes){blob_big, LEDGER_TEXT_MAX};
	round_trip(&ev);

	sample(EV_DISPOSITION, &ev);
	ev.u.disposition.message = text_max;
	round_trip(&ev);

	sample(EV_PROPERTY_CHANGED, &ev);
	ev.u.property.name = name_max;
	ev.u.property.value = (struct ledger_bytes){blob_big, LEDGER_BLOB_MAX};
	round_trip(&ev);

	sample(EV_GENESIS, &ev);
	ev.u.genesis.ca_cert = (struct ledger_bytes){blob_big, LEDGER_BLOB_MAX};
	round_trip(&ev);

	sample(EV_CERT_REVOKED, &ev);
	ev.u.revocation.serial = LB(serial20);
	ev.u.revocation.reason = LEDGER_REASON_MAX;
	round_trip(&ev);

	sample(EV_TEMPLATE_CHANGED, &ev);
	ev.u.tmpl.name = tname_max;
	ev.u.tmpl.major = UINT32_MAX;
	ev.u.tmpl.minor = UINT32_MAX;
	ev.u.tmpl.text = (struct ledger_bytes){blob_big, LEDGER_TEMPLATE_TEXT_MAX};
	round_trip(&ev);

	/* A CRL may be far larger than any other blob (LEDGER_CRL_MAX); 4 MiB here,
	 * the full 128 MiB would cost the sanitizer run seconds for nothing more. */
	{
		size_t n = 4 * LEDGER_BLOB_MAX;
		uint8_t *crl = malloc(n);

		assert_non_null(crl);
		for (size_t i = 0; i < n; i++)
			crl[i] = (uint8_t)(i * 7 + 1);
		sample(EV_CRL_PUBLISHED, &ev);
		ev.u.crl.crl = (struct ledger_bytes){crl, n};
		round_trip(&ev);
		free(crl);
	}
}

/* Every field at the bottom of its range: empty optional strings (also given as
 * NULL), empty byte strings, 1-byte serials, every enum value. */
static void test_round_trip_minima(void **state)
{
	struct ledger_event ev;
	static const uint8_t one[1] = {0};
	static const uint32_t disps[] = {DISP_PENDING, DISP_ISSUED, DISP_REVOKED, DISP_FAILED,
					 DISP_DENIED};

	(void)state;
	sample(EV_REQUEST_RECEIVED, &ev);
	ev.actor = "a";
	ev.time = 0;
	ev.u.request.requester = "r";
	ev.u.request.raw = LB(one);
	ev.u.request.attributes = "";
	round_trip(&ev);
	ev.u.request.attributes = NULL;
	round_trip(&ev);

	for (size_t i = 0; i < sizeof(disps) / sizeof(disps[0]); i++) {
		sample(EV_DISPOSITION, &ev);
		ev.u.disposition.disposition = disps[i];
		ev.u.disposition.message = i % 2 ? NULL : "";
		round_trip(&ev);
	}
	for (uint32_t f = FMT_PKCS10; f <= FMT_CMC; f++) {
		sample(EV_REQUEST_RECEIVED, &ev);
		ev.u.request.format = f;
		round_trip(&ev);
	}
	for (uint32_t k = ACTOR_CA; k <= ACTOR_REQUESTER; k++) {
		sample(EV_DISPOSITION, &ev);
		ev.actor_kind = k;
		round_trip(&ev);
	}
	for (uint32_t reason = 0; reason <= LEDGER_REASON_MAX; reason++) {
		if (reason == 7)
			continue;
		sample(EV_CERT_REVOKED, &ev);
		ev.u.revocation.reason = reason;
		ev.u.revocation.invalidity = 0;
		round_trip(&ev);
	}

	sample(EV_EXTENSION_SET, &ev);
	ev.u.extension.oid = "0.0";
	ev.u.extension.value = (struct ledger_bytes){NULL, 0};
	round_trip(&ev);

	sample(EV_CERT_INTENT, &ev);
	ev.u.intent.serial = LB(one);
	round_trip(&ev);

	sample(EV_CERT_ISSUED, &ev);
	ev.u.issued.serial = LB(one);
	round_trip(&ev);

	sample(EV_CRL_PUBLISHED, &ev);
	ev.u.crl.is_delta = 0;
	ev.u.crl.base_number = 0;
	ev.u.crl.number = 0;
	round_trip(&ev);

	sample(EV_PROPERTY_CHANGED, &ev);
	ev.u.property.value = (struct ledger_bytes){NULL, 0};
	round_trip(&ev);

	sample(EV_OPERATOR_ACTION, &ev);
	ev.u.op = (struct ev_operator){"x", NULL, 0, ""};
	round_trip(&ev);

	/* Every action; a removal has no text, the others one byte at least. */
	for (uint32_t a = LEDGER_TEMPLATE_ADDED; a <= LEDGER_TEMPLATE_ACTION_MAX; a++) {
		sample(EV_TEMPLATE_CHANGED, &ev);
		ev.u.tmpl.action = a;
		ev.u.tmpl.name = "x";
		ev.u.tmpl.major = ev.u.tmpl.minor = 0;
		ev.u.tmpl.text = a == LEDGER_TEMPLATE_REMOVED ? (struct ledger_bytes){NULL, 0}
							      : (struct ledger_bytes){one, 1};
		round_trip(&ev);
	}
}

/* The body alone, as the custodian sends it with an append: the record's tail. */
static void test_body_codec(void **state)
{
	struct ledger_event ev, out;
	struct ipc_wbuf w, wr;
	struct ipc_rbuf r;
	char sb[LEDGER_STRBUF], err[256] = "";

	(void)state;
	for (uint32_t t = 1; t <= EV_TYPE_MAX; t++) {
		sample(t, &ev);
		ipc_wbuf_init(&w);
		assert_int_equal(ledger_body_encode(&ev, &w, err, sizeof(err)), 0);
		encode_ok(&ev, &wr);
		assert_true(wr.len > w.len);
		assert_memory_equal(wr.data + wr.len - w.len, w.data, w.len);

		memset(&out, 0xa5, sizeof(out)); /* whatever the caller had: no field survives */
		ipc_rbuf_init_mem(&r, w.data, w.len);
		if (ledger_body_decode(t, &r, &out, sb, sizeof(sb), err, sizeof(err)) != 0)
			fail_msg("body of %s: %s", ledger_type_name(t), err);
		assert_int_equal(ipc_rbuf_done(&r), 0);
		assert_body_eq(t, &ev, &out);

		/* A body decoded as another type does not survive. Types whose
		 * layouts happen to coincide on this data are not a concern here;
		 * the type is in the header. */
		ipc_rbuf_init_mem(&r, w.data, w.len);
		assert_int_equal(ledger_body_decode(0, &r, &out, sb, sizeof(sb), err,
						    sizeof(err)), -1);
		assert_non_null(strstr(err, "type"));
		ipc_rbuf_init_mem(&r, w.data, w.len);
		assert_int_equal(ledger_body_decode(EV_TYPE_MAX + 1, &r, &out, sb, sizeof(sb),
						    err, sizeof(err)), -1);
		ipc_wbuf_free(&w);
		ipc_wbuf_free(&wr);
	}
}

/* ---- bounds ---- */

struct bad {
	uint32_t type;
	void (*mutate)(struct ledger_event *);
	const char *says;  /* the field the error message names */
	int encode_only;   /* not expressible as record bytes (a NULL pointer, a field
			    * that is not encoded) */
};

#define MUT(fn, body)                                     \
	static void fn(struct ledger_event *ev)           \
	{                                                 \
		body;                                     \
	}

MUT(m_seq0, ev->seq = 0)
MUT(m_type0, ev->type = 0)
MUT(m_type13, ev->type = EV_TYPE_MAX + 1)
MUT(m_actor_kind0, ev->actor_kind = 0)
MUT(m_actor_kind4, ev->actor_kind = ACTOR_REQUESTER + 1)
MUT(m_actor_empty, ev->actor = "")
MUT(m_actor_null, ev->actor = NULL)
MUT(m_actor_over, ev->actor = name_over)
MUT(m_genesis_seq2, ev->seq = 2)
MUT(m_seq1_not_genesis, ev->seq = 1)
MUT(m_genesis_prev, ev->prev[31] = 1)
MUT(m_ca_cert_empty, ev->u.genesis.ca_cert.len = 0)
MUT(m_ca_cert_over, ev->u.genesis.ca_cert = ((struct ledger_bytes){blob_big,
								  LEDGER_BLOB_MAX + 1}))
MUT(m_ca_cert_nullp, ev->u.genesis.ca_cert.p = NULL)
MUT(m_format0, ev->u.request.format = 0)
MUT(m_format5, ev->u.request.format = FMT_DIGEST + 1)
/* a refused request's digest is size | SHA-256, nothing else */
MUT(m_digest_len, ev->u.request.format = FMT_DIGEST)
MUT(m_requester_empty, ev->u.request.requester = "")
MUT(m_requester_null, ev->u.request.requester = NULL)
MUT(m_requester_over, ev->u.request.requester = name_over)
MUT(m_raw_empty, ev->u.request.raw.len = 0)
MUT(m_raw_over, ev->u.request.raw = ((struct ledger_bytes){blob_big, LEDGER_BLOB_MAX + 1}))
MUT(m_attributes_over, ev->u.request.attributes = text_over)
MUT(m_disp0, ev->u.disposition.disposition = 0)
MUT(m_disp10, ev->u.disposition.disposition = 10)
MUT(m_disp22, ev->u.disposition.disposition = 22)
MUT(m_message_over, ev->u.disposition.message = text_over)
MUT(m_oid_empty, ev->u.extension.oid = "")
MUT(m_oid_null, ev->u.extension.oid = NULL)
MUT(m_oid_one_arc, ev->u.extension.oid = "123")
MUT(m_oid_trailing_dot, ev->u.extension.oid = "1.2.")
MUT(m_oid_leading_dot, ev->u.extension.oid = ".1.2")
MUT(m_oid_empty_arc, ev->u.extension.oid = "1..2")
MUT(m_oid_letter, ev->u.extension.oid = "1.2.a")
MUT(m_oid_space, ev->u.extension.oid = "1.2 ")
MUT(m_oid_first_arc, ev->u.extension.oid = "3.1")
MUT(m_oid_leading_zero, ev->u.extension.oid = "1.02")
MUT(m_oid_second_arc, ev->u.extension.oid = "1.40")
MUT(m_oid_over, ev->u.extension.oid = oid_over)
MUT(m_extval_over, ev->u.extension.value = ((struct ledger_bytes){blob_big,
								  LEDGER_TEXT_MAX + 1}))
MUT(m_intent_serial0, ev->u.intent.serial.len = 0)
MUT(m_intent_serial21, ev->u.intent.serial = LB(serial21))
MUT(m_issued_serial0, ev->u.issued.serial.len = 0)
MUT(m_issued_serial21, ev->u.issued.serial = LB(serial21))
MUT(m_cert_empty, ev->u.issued.cert.len = 0)
MUT(m_cert_over, ev->u.issued.cert = ((struct ledger_bytes){blob_big, LEDGER_BLOB_MAX + 1}))
MUT(m_reason7, ev->u.revocation.reason = 7)
MUT(m_reason11, ev->u.revocation.reason = 11)
MUT(m_reason_huge, ev->u.revocation.reason = UINT32_MAX)
MUT(m_revoked_serial0, ev->u.revocation.serial.len = 0)
MUT(m_revoked_serial21, ev->u.revocation.serial = LB(serial21))
MUT(m_unrevoked_reason, ev->u.revocation.reason = 1)
MUT(m_unrevoked_at, ev->u.revocation.revoked_at = 1)
MUT(m_unrevoked_invalidity, ev->u.revocation.invalidity = -1)
MUT(m_is_delta2, ev->u.crl.is_delta = 2)
MUT(m_base_with_base_number, ev->u.crl.is_delta = 0)
MUT(m_crl_empty, ev->u.crl.crl.len = 0)
/* Refused on its length before a byte is read: blob_big is far shorter. */
MUT(m_crl_over, ev->u.crl.crl = ((struct ledger_bytes){blob_big, LEDGER_CRL_MAX + 1}))
MUT(m_blob_empty, ev->u.archive.blob.len = 0)
MUT(m_blob_over, ev->u.archive.blob = ((struct ledger_bytes){blob_big, LEDGER_BLOB_MAX + 1}))
MUT(m_prop_name_empty, ev->u.property.name = "")
MUT(m_prop_name_over, ev->u.property.name = name_over)
MUT(m_prop_value_over, ev->u.property.value = ((struct ledger_bytes){blob_big,
								     LEDGER_BLOB_MAX + 1}))
MUT(m_action_empty, ev->u.op.action = "")
MUT(m_action_over, ev->u.op.action = name_over)
MUT(m_target_over, ev->u.op.target = name_over)
MUT(m_allowed2, ev->u.op.allowed = 2)
MUT(m_detail_over, ev->u.op.detail = text_over)
MUT(m_logon_action0, ev->u.logon.action = 0)
MUT(m_logon_action4, ev->u.logon.action = LOGON_ACTION_MAX + 1) /* 5 */
MUT(m_logon_peer_empty, ev->u.logon.peer = "")
MUT(m_logon_claimed_over, ev->u.logon.claimed = name_over)
MUT(m_logon_detail_over, ev->u.logon.detail = text_over)
MUT(m_tmpl_action0, ev->u.tmpl.action = 0)
MUT(m_tmpl_action4, ev->u.tmpl.action = LEDGER_TEMPLATE_ACTION_MAX + 1)
MUT(m_tmpl_name_empty, ev->u.tmpl.name = "")
MUT(m_tmpl_name_null, ev->u.tmpl.name = NULL)
MUT(m_tmpl_name_over, ev->u.tmpl.name = tname_over)
MUT(m_tmpl_name_space, ev->u.tmpl.name = "Web Server")
MUT(m_tmpl_name_slash, ev->u.tmpl.name = "a/b")
MUT(m_tmpl_name_ctl, ev->u.tmpl.name = "a\nb")
MUT(m_tmpl_name_utf8, ev->u.tmpl.name = "caf\xc3\xa9")
MUT(m_tmpl_text_empty, ev->u.tmpl.text.len = 0)
MUT(m_tmpl_text_over, ev->u.tmpl.text = ((struct ledger_bytes){blob_big,
								LEDGER_TEMPLATE_TEXT_MAX + 1}))
MUT(m_tmpl_removed_text, ev->u.tmpl.action = LEDGER_TEMPLATE_REMOVED)
MUT(m_tmpl_added_empty, ev->u.tmpl.action = LEDGER_TEMPLATE_ADDED; ev->u.tmpl.text.len = 0)

static const struct bad bads[] = {
	{EV_DISPOSITION, m_seq0, "seq", 0},
	{EV_DISPOSITION, m_type0, "type", 0},
	{EV_DISPOSITION, m_type13, "type", 0},
	{EV_DISPOSITION, m_actor_kind0, "actor_kind", 0},
	{EV_DISPOSITION, m_actor_kind4, "actor_kind", 0},
	{EV_DISPOSITION, m_actor_empty, "actor", 0},
	{EV_DISPOSITION, m_actor_null, "actor", 1},
	{EV_DISPOSITION, m_actor_over, "actor", 0},
	{EV_GENESIS, m_genesis_seq2, "genesis", 0},
	{EV_DISPOSITION, m_seq1_not_genesis, "genesis", 0},
	{EV_GENESIS, m_genesis_prev, "prev", 0},
	{EV_GENESIS, m_ca_cert_empty, "ca_cert", 0},
	{EV_GENESIS, m_ca_cert_over, "ca_cert", 0},
	{EV_GENESIS, m_ca_cert_nullp, "ca_cert", 1},
	{EV_REQUEST_RECEIVED, m_format0, "format", 0},
	{EV_REQUEST_RECEIVED, m_format5, "format", 0},
	{EV_REQUEST_RECEIVED, m_digest_len, "digest", 0},
	{EV_REQUEST_RECEIVED, m_requester_empty, "requester", 0},
	{EV_REQUEST_RECEIVED, m_requester_null, "requester", 1},
	{EV_REQUEST_RECEIVED, m_requester_over, "requester", 0},
	{EV_REQUEST_RECEIVED, m_raw_empty, "raw", 0},
	{EV_REQUEST_RECEIVED, m_raw_over, "raw", 0},
	{EV_REQUEST_RECEIVED, m_attributes_over, "attributes", 0},
	{EV_DISPOSITION, m_disp0, "disposition 0", 0},
	{EV_DISPOSITION, m_disp10, "disposition 10", 0},
	{EV_DISPOSITION, m_disp22, "disposition 22", 0},
	{EV_DISPOSITION, m_message_over, "message", 0},
	{EV_EXTENSION_SET, m_oid_empty, "oid", 0},
	{EV_EXTENSION_SET, m_oid_null, "oid", 1},
	{EV_EXTENSION_SET, m_oid_one_arc, "oid", 0},
	{EV_EXTENSION_SET, m_oid_trailing_dot, "oid", 0},
	{EV_EXTENSION_SET, m_oid_leading_dot, "oid", 0},
	{EV_EXTENSION_SET, m_oid_empty_arc, "oid", 0},
	{EV_EXTENSION_SET, m_oid_letter, "oid", 0},
	{EV_EXTENSION_SET, m_oid_space, "oid", 0},
	{EV_EXTENSION_SET, m_oid_first_arc, "oid", 0},
	{EV_EXTENSION_SET, m_oid_leading_zero, "oid", 0},
	{EV_EXTENSION_SET, m_oid_second_arc, "oid", 0},
	{EV_EXTENSION_SET, m_oid_over, "oid", 0},
	{EV_EXTENSION_SET, m_extval_over, "value", 0},
	{EV_CERT_INTENT, m_intent_serial0, "serial", 0},
	{EV_CERT_INTENT, m_intent_serial21, "serial", 0},
	{EV_CERT_ISSUED, m_issued_serial0, "serial", 0},
	{EV_CERT_ISSUED, m_issued_serial21, "serial", 0},
	{EV_CERT_ISSUED, m_cert_empty, "cert", 0},
	{EV_CERT_ISSUED, m_cert_over, "cert", 0},
	{EV_CERT_REVOKED, m_reason7, "reason 7", 0},
	{EV_CERT_REVOKED, m_reason11, "reason 11", 0},
	{EV_CERT_REVOKED, m_reason_huge, "reason", 0},
	{EV_CERT_REVOKED, m_revoked_serial0, "serial", 0},
	{EV_CERT_REVOKED, m_revoked_serial21, "serial", 0},
	{EV_CERT_UNREVOKED, m_revoked_serial0, "serial", 0},
	{EV_CERT_UNREVOKED, m_revoked_serial21, "serial", 0},
	{EV_CERT_UNREVOKED, m_unrevoked_reason, "reason", 1},
	{EV_CERT_UNREVOKED, m_unrevoked_at, "revoked_at", 1},
	{EV_CERT_UNREVOKED, m_unrevoked_invalidity, "invalidity", 1},
	{EV_CRL_PUBLISHED, m_is_delta2, "is_delta", 0},
	{EV_CRL_PUBLISHED, m_base_with_base_number, "base_number", 0},
	{EV_CRL_PUBLISHED, m_crl_empty, "crl", 0},
	{EV_CRL_PUBLISHED, m_crl_over, "crl", 1}, /* a raw record would read past blob_big */
	{EV_KEY_ARCHIVED, m_blob_empty, "blob", 0},
	{EV_KEY_ARCHIVED, m_blob_over, "blob", 0},
	{EV_PROPERTY_CHANGED, m_prop_name_empty, "name", 0},
	{EV_PROPERTY_CHANGED, m_prop_name_over, "name", 0},
	{EV_PROPERTY_CHANGED, m_prop_value_over, "value", 0},
	{EV_OPERATOR_ACTION, m_action_empty, "action", 0},
	{EV_OPERATOR_ACTION, m_action_over, "action", 0},
	{EV_OPERATOR_ACTION, m_target_over, "target", 0},
	{EV_OPERATOR_ACTION, m_allowed2, "allowed", 0},
	{EV_OPERATOR_ACTION, m_detail_over, "detail", 0},
	{EV_LOGON_REFUSED, m_logon_action0, "action 0", 0},
	{EV_LOGON_REFUSED, m_logon_action4, "action 5", 0},
	{EV_LOGON_REFUSED, m_logon_peer_empty, "peer", 0},
	{EV_LOGON_REFUSED, m_logon_claimed_over, "claimed", 0},
	{EV_LOGON_REFUSED, m_logon_detail_over, "detail", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_action0, "action 0", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_action4, "action 4", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_name_empty, "name", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_name_null, "name", 1},
	{EV_TEMPLATE_CHANGED, m_tmpl_name_over, "name", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_name_space, "name holds", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_name_slash, "name holds", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_name_ctl, "name holds", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_name_utf8, "name holds", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_text_empty, "text is empty", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_text_over, "text", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_removed_text, "removal carries no text", 0},
	{EV_TEMPLATE_CHANGED, m_tmpl_added_empty, "text is empty", 0},
};

#define NBADS (sizeof(bads) / sizeof(bads[0]))

static int header_mutation(const struct bad *b)
{
	struct ledger_event good, ev;

	sample(b->type, &good);
	ev = good;
	b->mutate(&ev);
	return memcmp(&good.u, &ev.u, sizeof(good.u)) == 0;
}

/* The encoder refuses each, names the field, and writes nothing. */
static void test_encode_rejects(void **state)
{
	struct ledger_event ev;
	struct ipc_wbuf w;
	char err[256];

	(void)state;
	for (size_t i = 0; i < NBADS; i++) {
		sample(bads[i].type, &ev);
		bads[i].mutate(&ev);
		ipc_wbuf_init(&w);
		strcpy(err, "");
		if (ledger_record_encode(&ev, &w, err, sizeof(err)) == 0)
			fail_msg("bads[%zu] (%s): encoded", i, bads[i].says);
		if (strstr(err, bads[i].says) == NULL)
			fail_msg("bads[%zu]: \"%s\" does not name %s", i, err, bads[i].says);
		assert_int_equal(w.len, 0);
		assert_int_equal(w.failed, 0);

		/* The body encoder applies the same rules to the body. */
		if (!header_mutation(&bads[i])) {
			assert_int_equal(ledger_body_encode(&ev, &w, err, sizeof(err)), -1);
			assert_non_null(strstr(err, bads[i].says));
			assert_int_equal(w.len, 0);
		}
		ipc_wbuf_free(&w);
	}
}

/* The same values written as bytes (by the test's own encoder): the decoder
 * refuses each and names the field. */
static void test_decode_rejects(void **state)
{
	struct ledger_event ev, out;
	struct tbuf t = {0};
	struct ipc_rbuf r;
	static char sb[LEDGER_STRBUF];
	char err[256];

	(void)state;
	for (size_t i = 0; i < NBADS; i++) {
		if (bads[i].encode_only)
			continue;
		sample(bads[i].type, &ev);
		bads[i].mutate(&ev);
		t_record(&t, &ev);
		strcpy(err, "");
		if (ledger_record_decode(t.p, t.len, &out, sb, sizeof(sb), err, sizeof(err)) == 0)
			fail_msg("bads[%zu] (%s): decoded", i, bads[i].says);
		if (strstr(err, bads[i].says) == NULL)
			fail_msg("bads[%zu]: \"%s\" does not name %s", i, err, bads[i].says);
		t_free(&t);

		if (!header_mutation(&bads[i])) {
			t_body(&t, &ev);
			ipc_rbuf_init_mem(&r, t.p, t.len);
			assert_int_equal(ledger_body_decode(ev.type, &r, &out, sb, sizeof(sb), err,
							    sizeof(err)), -1);
			assert_non_null(strstr(err, bads[i].says));
			t_free(&t);
		}
	}
}

/* Puts a NUL byte inside the first occurrence of s in rec. */
static void poke_nul(uint8_t *rec, size_t len, const char *s)
{
	uint8_t *p = memmem(rec, len, s, strlen(s));

	assert_non_null(p);
	p[1] = 0;
}

static void test_decode_nul_in_strings(void **state)
{
	static const struct {
		uint32_t type;
		const char *s;     /* a string of the sample, unique in its record */
		const char *field; /* named by the error */
	} cases[] = {
		{EV_DISPOSITION, "ca", "actor"},
		{EV_REQUEST_RECEIVED, "CertificateTemplate", "attributes"},
		{EV_DISPOSITION, "Denied", "message"},
		{EV_EXTENSION_SET, "2.5.29", "oid"},
		{EV_PROPERTY_CHANGED, "CRLPeriod", "name"},
		{EV_OPERATOR_ACTION, "login", "action"},
		{EV_OPERATOR_ACTION, "console", "target"},
		{EV_OPERATOR_ACTION, "role=", "detail"},
		{EV_TEMPLATE_CHANGED, "Web-Server", "name"},
	};
	struct ledger_event ev, out;
	struct ipc_wbuf w;
	static char sb[LEDGER_STRBUF];
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sample(cases[i].type, &ev);
		encode_ok(&ev, &w);
		poke_nul(w.data, w.len, cases[i].s);
		strcpy(err, "");
		assert_int_equal(ledger_record_decode(w.data, w.len, &out, sb, sizeof(sb), err,
						      sizeof(err)), -1);
		if (strstr(err, cases[i].field) == NULL || strstr(err, "NUL") == NULL)
			fail_msg("case %zu: \"%s\"", i, err);
		ipc_wbuf_free(&w);
	}

	/* The requester: its text is also the actor's, so poke the second copy. */
	sample(EV_REQUEST_RECEIVED, &ev);
	encode_ok(&ev, &w);
	{
		uint8_t *p = memmem(w.data, w.len, "alice", 5);

		assert_non_null(p);
		p = memmem(p + 5, w.len - (size_t)(p + 5 - w.data), "alice", 5);
		assert_non_null(p);
		p[0] = 0;
	}
	assert_int_equal(ledger_record_decode(w.data, w.len, &out, sb, sizeof(sb), err,
					      sizeof(err)), -1);
	assert_non_null(strstr(err, "requester"));
	ipc_wbuf_free(&w);
}

static void test_decode_magic_and_trailing(void **state)
{
	struct ledger_event ev, out;
	struct ipc_wbuf w;
	static char sb[LEDGER_STRBUF];
	char err[256];
	uint8_t *copy;

	(void)state;
	for (uint32_t t = 1; t <= EV_TYPE_MAX; t++) {
		sample(t, &ev);
		encode_ok(&ev, &w);

		/* A trailing byte. */
		copy = malloc(w.len + 1);
		assert_non_null(copy);
		memcpy(copy, w.data, w.len);
		copy[w.len] = 0;
		assert_int_equal(ledger_record_decode(copy, w.len + 1, &out, sb, sizeof(sb), err,
						      sizeof(err)), -1);
		/* (a type with an optional tail reads the byte as the tail's start) */
		assert_true(strstr(err, "after the body") != NULL ||
			    ((t == EV_REQUEST_RECEIVED || t == EV_LOGON_REFUSED) &&
			     strstr(err, "ends inside count") != NULL));
		assert_int_equal(out.type, 0); /* nothing half-decoded is left */

		/* The wrong magic, one byte at a time. */
		for (size_t i = 0; i < 4; i++) {
			memcpy(copy, w.data, w.len);
			copy[i] ^= 0x20;
			assert_int_equal(ledger_record_decode(copy, w.len, &out, sb, sizeof(sb),
							      err, sizeof(err)), -1);
			assert_non_null(strstr(err, "magic"));
		}
		free(copy);
		ipc_wbuf_free(&w);
	}
	assert_int_equal(ledger_record_decode(NULL, 0, &out, sb, sizeof(sb), err, sizeof(err)),
			 -1);
}

/* Every prefix of every record is refused, read only within its bounds (each
 * prefix sits in a buffer of exactly its size, for ASan). */
static void test_decode_truncated(void **state)
{
	struct ledger_event ev, out;
	struct ipc_wbuf w;
	static char sb[LEDGER_STRBUF];
	char err[256];

	(void)state;
	for (uint32_t t = 1; t <= EV_TYPE_MAX; t++) {
		sample(t, &ev);
		encode_ok(&ev, &w);
		for (size_t n = 0; n < w.len; n++) {
			uint8_t *copy = malloc(n > 0 ? n : 1);

			assert_non_null(copy);
			memcpy(copy, w.data, n);
			strcpy(err, "");
			if (ledger_record_decode(copy, n, &out, sb, sizeof(sb), err,
						 sizeof(err)) == 0)
				fail_msg("%s: prefix of %zu bytes of %zu decoded",
					 ledger_type_name(t), n, w.len);
			assert_true(err[0] != 0);
			free(copy);
		}
		ipc_wbuf_free(&w);
	}
}

/* Any single-byte change either fails to decode or decodes to an event whose
 * encoding is exactly the changed record: one event, one encoding. */
static void test_decode_flips(void **state)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xff};
	struct ledger_event ev, out;
	struct ipc_wbuf w, w2;
	static char sb[LEDGER_STRBUF];
	char err[256];
	size_t accepted = 0, refused = 0;

	(void)state;
	for (uint32_t t = 1; t <= EV_TYPE_MAX; t++) {
		sample(t, &ev);
		encode_ok(&ev, &w);
		for (size_t i = 0; i < w.len; i++) {
			for (size_t m = 0; m < sizeof(masks); m++) {
				w.data[i] ^= masks[m];
				if (ledger_record_decode(w.data, w.len, &out, sb, sizeof(sb), err,
							 sizeof(err)) == 0) {
					encode_ok(&out, &w2);
					assert_int_equal(w2.len, w.len);
					assert_memory_equal(w2.data, w.data, w.len);
					ipc_wbuf_free(&w2);
					accepted++;
				} else {
					refused++;
				}
				w.data[i] ^= masks[m];
			}
		}
		ipc_wbuf_free(&w);
	}
	/* Both outcomes happen: data bytes change freely, structure bytes do not. */
	assert_true(accepted > 0 && refused > 0);
}

/* Length prefixes that claim more than the record holds, strings that do not fit
 * the caller's buffer. */
static void test_decode_lengths_and_strbuf(void **state)
{
	struct ledger_event ev, out;
	struct ipc_wbuf w;
	static char sb[LEDGER_STRBUF];
	char err[256];
	size_t need;

	(void)state;
	sample(EV_OPERATOR_ACTION, &ev);
	encode_ok(&ev, &w);

	/* The actor's length prefix follows magic, seq, time, type, actor_kind. */
	for (uint32_t v = 0; v < 4; v++) {
		static const uint32_t lens[] = {0xffffffffu, 0x80000000u, LEDGER_NAME_MAX + 1,
						100};
		uint8_t save[4];

		memcpy(save, w.data + 28, 4);
		w.data[28] = (uint8_t)lens[v];
		w.data[29] = (uint8_t)(lens[v] >> 8);
		w.data[30] = (uint8_t)(lens[v] >> 16);
		w.data[31] = (uint8_t)(lens[v] >> 24);
		assert_int_equal(ledger_record_decode(w.data, w.len, &out, sb, sizeof(sb), err,
						      sizeof(err)), -1);
		assert_non_null(strstr(err, "actor"));
		memcpy(w.data + 28, save, 4);
	}

	/* Exactly enough room for every string and its NUL, then one byte less. */
	need = strlen(ev.actor) + strlen(ev.u.op.action) + strlen(ev.u.op.target) +
	       strlen(ev.u.op.detail) + 4;
	{
		char *small = malloc(need);

		assert_non_null(small);
		assert_int_equal(ledger_record_decode(w.data, w.len, &out, small, need, err,
						      sizeof(err)), 0);
		assert_event_eq(&ev, &out);
		assert_int_equal(ledger_record_decode(w.data, w.len, &out, small, need - 1, err,
						      sizeof(err)), -1);
		assert_non_null(strstr(err, "string buffer"));
		free(small);
	}
	assert_int_equal(ledger_record_decode(w.data, w.len, &out, NULL, 0, err, sizeof(err)),
			 -1);
	assert_int_equal(ledger_record_decode(w.data, w.len, &out, sb, 0, err, sizeof(err)),
			 -1);
	/* A NULL err is allowed. */
	assert_int_equal(ledger_record_decode(w.data, 3, &out, sb, sizeof(sb), NULL, 0), -1);
	ipc_wbuf_free(&w);
}

/* ---- the hash chain ---- */

static void test_hash_vectors(void **state)
{
	static const uint8_t abc[] = "abc";
	static const uint8_t h_abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	static const uint8_t h_empty[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
		0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
		0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
	uint8_t h[LEDGER_HASH_LEN];

	(void)state;
	ledger_record_hash(abc, 3, h);
	assert_memory_equal(h, h_abc, 32);
	ledger_record_hash(abc, 0, h);
	assert_memory_equal(h, h_empty, 32);
	ledger_record_hash(NULL, 0, h);
	assert_memory_equal(h, h_empty, 32);
}

/* genesis -> request -> disposition, each carrying the hash of the one before. */
static void test_hash_chain(void **state)
{
	struct ledger_event ev[3], out;
	struct ipc_wbuf w[3];
	uint8_t h[3][LEDGER_HASH_LEN], ref[LEDGER_HASH_LEN];
	static char sb[LEDGER_STRBUF];
	char err[256];
	static const uint32_t types[3] = {EV_GENESIS, EV_REQUEST_RECEIVED, EV_DISPOSITION};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		sample(types[i], &ev[i]);
		ev[i].seq = i + 1;
		if (i > 0)
			memcpy(ev[i].prev, h[i - 1], LEDGER_HASH_LEN);
		encode_ok(&ev[i], &w[i]);
		ledger_record_hash(w[i].data, w[i].len, h[i]);
		assert_int_equal(wc_Sha256Hash(w[i].data, (word32)w[i].len, ref), 0);
		assert_memory_equal(h[i], ref, LEDGER_HASH_LEN);
	}
	assert_memory_not_equal(h[0], h[1], LEDGER_HASH_LEN);

	/* What verify does: each record's prev is the hash of the bytes before it. */
	for (size_t i = 0; i < 3; i++) {
		static const uint8_t zeros[LEDGER_HASH_LEN];

		assert_int_equal(ledger_record_decode(w[i].data, w[i].len, &out, sb, sizeof(sb),
						      err, sizeof(err)), 0);
		assert_true(out.seq == i + 1);
		assert_memory_equal(out.prev, i == 0 ? zeros : h[i - 1], LEDGER_HASH_LEN);
	}

	/* A changed byte in the middle record breaks the link to the last. */
	w[1].data[w[1].len - 1] ^= 1;
	ledger_record_hash(w[1].data, w[1].len, ref);
	assert_memory_not_equal(ref, ev[2].prev, LEDGER_HASH_LEN);
	for (size_t i = 0; i < 3; i++)
		ipc_wbuf_free(&w[i]);
}

/* ---- rows ---- */

static void sample_row(struct ledger_request_row *row)
{
	memset(row, 0, sizeof(*row));
	row->request_id = 17;
	row->disposition = DISP_REVOKED;
	row->hresult = 0x80094004u;
	row->format = FMT_PKCS10;
	row->submitted = 1790000000;
	row->resolved = -5;
	row->seq_received = 42;
	row->seq_last = UINT64_MAX;
	strcpy(row->requester, "EXAMPLE\\alice");
	strcpy(row->message, "Revoked by EXAMPLE\\officer");
	memcpy(row->serial, serial20, sizeof(serial20));
	row->serial_len = sizeof(serial20);
	row->not_before = 1790000000;
	row->not_after = INT64_MIN;
	row->seq_cert = 44;
	row->revoked = 1;
	row->revoked_reason = 6;
	row->revoked_at = 1795000000;
}

/* The request row as row.h lays it out, written by the test's own encoder. */
static void t_request_row(struct tbuf *t, const struct ledger_request_row *row)
{
	t_u32(t, row->request_id);
	t_u32(t, row->disposition);
	t_u32(t, row->hresult);
	t_u32(t, row->format);
	t_u64(t, (uint64_t)row->submitted);
	t_u64(t, (uint64_t)row->resolved);
	t_u64(t, row->seq_received);
	t_u64(t, row->seq_last);
	t_str(t, row->requester);
	t_str(t, row->message);
	t_bytes(t, row->serial, row->serial_len);
	t_u64(t, (uint64_t)row->not_before);
	t_u64(t, (uint64_t)row->not_after);
	t_u64(t, row->seq_cert);
	t_u32(t, row->revoked);
	t_u32(t, row->revoked_reason);
	t_u64(t, (uint64_t)row->revoked_at);
}

static void assert_row_eq(const struct ledger_request_row *a, const struct ledger_request_row *b)
{
	assert_int_equal(a->request_id, b->request_id);
	assert_int_equal(a->disposition, b->disposition);
	assert_int_equal(a->hresult, b->hresult);
	assert_int_equal(a->format, b->format);
	assert_true(a->submitted == b->submitted);
	assert_true(a->resolved == b->resolved);
	assert_true(a->seq_received == b->seq_received);
	assert_true(a->seq_last == b->seq_last);
	assert_string_equal(a->requester, b->requester);
	assert_string_equal(a->message, b->message);
	assert_int_equal(a->serial_len, b->serial_len);
	assert_memory_equal(a->serial, b->serial, a->serial_len);
	assert_true(a->not_before == b->not_before);
	assert_true(a->not_after == b->not_after);
	assert_true(a->seq_cert == b->seq_cert);
	assert_int_equal(a->revoked, b->revoked);
	assert_int_equal(a->revoked_reason, b->revoked_reason);
	assert_true(a->revoked_at == b->revoked_at);
}

static void request_row_round_trip(const struct ledger_request_row *row)
{
	struct ledger_request_row out;
	struct ipc_wbuf w, w2;
	struct tbuf t = {0};

	ipc_wbuf_init(&w);
	ledger_request_row_encode(row, &w);
	assert_int_equal(w.failed, 0);
	t_request_row(&t, row);
	assert_int_equal(t.len, w.len);
	assert_memory_equal(t.p, w.data, w.len);
	t_free(&t);

	assert_int_equal(ledger_request_row_decode(w.data, w.len, &out), 0);
	assert_row_eq(row, &out);
	ipc_wbuf_init(&w2);
	ledger_request_row_encode(&out, &w2);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.data, w.data, w.len);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&w2);
}

static void test_request_row_round_trip(void **state)
{
	struct ledger_request_row row;

	(void)state;
	sample_row(&row);
	request_row_round_trip(&row);

	/* At the top of every bound. */
	memcpy(row.requester, name_max, sizeof(row.requester));
	memset(row.message, 'm', LEDGER_ROW_MESSAGE_MAX);
	row.message[LEDGER_ROW_MESSAGE_MAX] = 0;
	request_row_round_trip(&row);

	/* A pending request: no serial, empty strings. */
	memset(&row, 0, sizeof(row));
	row.request_id = 1;
	row.disposition = DISP_PENDING;
	request_row_round_trip(&row);
}

/* Every prefix and a trailing byte are refused; each in a buffer of its size. */
static void assert_row_prefixes_fail(const uint8_t *p, size_t len,
				     int (*dec)(const uint8_t *, size_t, void *), void *row)
{
	uint8_t *copy;

	for (size_t n = 0; n < len; n++) {
		copy = malloc(n > 0 ? n : 1);
		assert_non_null(copy);
		memcpy(copy, p, n);
		if (dec(copy, n, row) == 0)
			fail_msg("a prefix of %zu bytes of %zu decoded", n, len);
		free(copy);
	}
	copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, p, len);
	copy[len] = 0xaa;
	assert_int_equal(dec(copy, len + 1, row), -1);
	assert_int_equal(dec(copy, len, row), 0);
	free(copy);
}

static int dec_request(const uint8_t *p, size_t n, void *row)
{
	return ledger_request_row_decode(p, n, row);
}

static int dec_cert(const uint8_t *p, size_t n, void *row)
{
	return ledger_cert_row_decode(p, n, row);
}

static int dec_revoked(const uint8_t *p, size_t n, void *row)
{
	return ledger_revoked_row_decode(p, n, row);
}

static int dec_crl(const uint8_t *p, size_t n, void *row)
{
	return ledger_crl_row_decode(p, n, row);
}

static void test_request_row_rejects(void **state)
{
	struct ledger_request_row row, out;
	struct ipc_wbuf w;
	struct tbuf t = {0};
	uint8_t *p;

	(void)state;
	sample_row(&row);
	ipc_wbuf_init(&w);
	ledger_request_row_encode(&row, &w);
	assert_row_prefixes_fail(w.data, w.len, dec_request, &out);

	/* A NUL inside a string. */
	p = memmem(w.data, w.len, "Revoked", 7);
	assert_non_null(p);
	p[3] = 0;
	assert_int_equal(ledger_request_row_decode(w.data, w.len, &out), -1);
	ipc_wbuf_free(&w);
	assert_int_equal(ledger_request_row_decode(NULL, 0, &out), -1);

	/* Strings one byte over their arrays; a 21-byte serial. */
	sample_row(&row);
	t_request_row(&t, &row);
	assert_int_equal(ledger_request_row_decode(t.p, t.len, &out), 0);
	t_free(&t);
	{
		struct ledger_request_row big;

		memset(&big, 0, sizeof(big));
		t_u32(&t, 1);
		t_u32(&t, DISP_PENDING);
		t_u32(&t, 0);
		t_u32(&t, FMT_CMS);
		t_u64(&t, 0);
		t_u64(&t, 0);
		t_u64(&t, 0);
		t_u64(&t, 0);
		for (int which = 0; which < 3; which++) {
			struct tbuf u = {0};

			t_raw(&u, t.p, t.len);
			t_str(&u, which == 0 ? name_over : "a");
			if (which == 1) {
				char m[LEDGER_ROW_MESSAGE_MAX + 2];

				fill(m, LEDGER_ROW_MESSAGE_MAX + 1, 'm');
				t_str(&u, m);
			} else {
				t_str(&u, "");
			}
			t_bytes(&u, serial21, which == 2 ? 21 : 20);
			t_u64(&u, 0);
			t_u64(&u, 0);
			t_u64(&u, 0);
			t_u32(&u, 0);
			t_u32(&u, 0);
			t_u64(&u, 0);
			assert_int_equal(ledger_request_row_decode(u.p, u.len, &big), -1);
			t_free(&u);
		}
		t_free(&t);
	}

	/* The encoder fails the wbuf on a row that breaks its own bounds. */
	sample_row(&row);
	row.serial_len = LEDGER_SERIAL_MAX + 1;
	ipc_wbuf_init(&w);
	ledger_request_row_encode(&row, &w);
	assert_int_equal(w.failed, 1);
	ipc_wbuf_free(&w);
	sample_row(&row);
	memset(row.requester, 'x', sizeof(row.requester)); /* no NUL */
	ipc_wbuf_init(&w);
	ledger_request_row_encode(&row, &w);
	assert_int_equal(w.failed, 1);
	ipc_wbuf_free(&w);
}

static void test_small_rows(void **state)
{
	struct ledger_cert_row c = {4000000000u, UINT64_MAX - 1}, c2;
	struct ledger_revoked_row rv = {6, 1795000000, -7, 99}, rv2;
	struct ledger_crl_row cr = {1, 12, INT64_MIN, INT64_MAX, 77}, cr2;
	struct ipc_wbuf w;

	(void)state;
	ipc_wbuf_init(&w);
	ledger_cert_row_encode(&c, &w);
	assert_int_equal(w.len, 4 + 8);
	assert_int_equal(ledger_cert_row_decode(w.data, w.len, &c2), 0);
	assert_int_equal(c2.request_id, c.request_id);
	assert_true(c2.seq_issued == c.seq_issued);
	assert_row_prefixes_fail(w.data, w.len, dec_cert, &c2);
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	ledger_revoked_row_encode(&rv, &w);
	assert_int_equal(w.len, 4 + 8 + 8 + 8);
	assert_int_equal(ledger_revoked_row_decode(w.data, w.len, &rv2), 0);
	assert_int_equal(rv2.reason, rv.reason);
	assert_true(rv2.revoked_at == rv.revoked_at);
	assert_true(rv2.invalidity == rv.invalidity);
	assert_true(rv2.seq == rv.seq);
	assert_row_prefixes_fail(w.data, w.len, dec_revoked, &rv2);
	ipc_wbuf_free(&w);

	ipc_wbuf_init(&w);
	ledger_crl_row_encode(&cr, &w);
	assert_int_equal(w.len, 4 + 8 + 8 + 8 + 8);
	assert_int_equal(w.data[0], 1); /* is_delta first, little-endian */
	assert_int_equal(ledger_crl_row_decode(w.data, w.len, &cr2), 0);
	assert_int_equal(cr2.is_delta, cr.is_delta);
	assert_true(cr2.base_number == cr.base_number);
	assert_true(cr2.this_update == cr.this_update);
	assert_true(cr2.next_update == cr.next_update);
	assert_true(cr2.seq == cr.seq);
	assert_row_prefixes_fail(w.data, w.len, dec_crl, &cr2);
	ipc_wbuf_free(&w);
}

/* ---- optional tails (event.h, LEDGER_TAIL): a burst's count ---- */

static int decodes(const uint8_t *p, size_t len, struct ledger_event *out)
{
	static char sb[LEDGER_STRBUF];
	char err[256];

	return ledger_record_decode(p, len, out, sb, sizeof(sb), err, sizeof(err));
}

/* A refused request's record (FMT_DIGEST) with count, since and peer, and a
 * logon-refused record with count and since: laid out as event.h says (the
 * independent encoder's record, then the tail), decoded, re-encoded to the same
 * bytes; a record without the tail (written before it existed) still decodes,
 * as one event. */
static void test_tails(void **state)
{
	static const uint8_t digest[LEDGER_DIGEST_LEN] = {0x00, 0xf0, 0, 0, 0xaa};
	struct ledger_event ev, out;
	struct ipc_wbuf w, w2;
	struct tbuf t = {0};

	(void)state;
	sample(EV_REQUEST_RECEIVED, &ev);
	ev.u.request.format = FMT_DIGEST;
	ev.u.request.raw = LB(digest);
	/* without a tail: an old record, one event */
	encode_ok(&ev, &w);
	t_record(&t, &ev);
	assert_int_equal(t.len, w.len);
	assert_memory_equal(t.p, w.data, w.len);
	assert_int_equal(decodes(w.data, w.len, &out), 0);
	assert_int_equal(out.u.request.count, 0);
	assert_int_equal(ledger_event_count(&out), 1);
	ipc_wbuf_free(&w);

	ev.u.request.count = 299;
	ev.u.request.since = -5; /* any i64 */
	ev.u.request.peer = "192.0.2.7";
	encode_ok(&ev, &w);
	t_u32(&t, 299);
	t_u64(&t, (uint64_t)(int64_t)-5);
	t_str(&t, "192.0.2.7");
	assert_int_equal(t.len, w.len);
	assert_memory_equal(t.p, w.data, w.len);
	assert_int_equal(decodes(w.data, w.len, &out), 0);
	assert_int_equal(out.u.request.count, 299);
	assert_int_equal(ledger_event_count(&out), 299);
	assert_true(out.u.request.since == -5);
	assert_string_equal(out.u.request.peer, "192.0.2.7");
	encode_ok(&out, &w2);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.data, w.data, w.len);
	ipc_wbuf_free(&w2);
	/* Cut anywhere inside the tail: refused (the count alone is not a tail). */
	for (size_t cut = w.len - 1; cut > w.len - (4 + 8 + 4 + 9); cut--)
		assert_int_equal(decodes(w.data, cut, &out), -1);
	/* One byte more: refused. */
	t_raw(&t, "", 1);
	assert_int_equal(decodes(t.p, t.len, &out), -1);
	ipc_wbuf_free(&w);
	t_free(&t);

	/* A tail whose count is 0 would be a second spelling of "no tail". */
	ev.u.request.count = 0;
	ev.u.request.since = 0;
	ev.u.request.peer = NULL;
	t_record(&t, &ev);
	t_u32(&t, 0);
	t_u64(&t, 0);
	t_str(&t, "");
	assert_int_equal(decodes(t.p, t.len, &out), -1);
	t_free(&t);

	/* Tail fields without a count are not encodable (they would be lost). */
	ev.u.request.peer = "192.0.2.7";
	ipc_wbuf_init(&w);
	assert_int_equal(ledger_record_encode(&ev, &w, NULL, 0), -1);
	ipc_wbuf_free(&w);

	/* A count only on a refusal's record: not on a request with its bytes. */
	sample(EV_REQUEST_RECEIVED, &ev);
	ev.u.request.count = 1;
	ev.u.request.peer = "192.0.2.7";
	ipc_wbuf_init(&w);
	assert_int_equal(ledger_record_encode(&ev, &w, NULL, 0), -1);
	ipc_wbuf_free(&w);
	ev.u.request.count = 0;
	ev.u.request.peer = NULL;
	t_record(&t, &ev);
	t_u32(&t, 1);
	t_u64(&t, 0);
	t_str(&t, "192.0.2.7");
	assert_int_equal(decodes(t.p, t.len, &out), -1);
	t_free(&t);

	/* logon-refused: old and new */
	sample(EV_LOGON_REFUSED, &ev);
	round_trip(&ev);
	ev.u.logon.count = 4000000000u;
	ev.u.logon.since = 1790000000;
	encode_ok(&ev, &w);
	t_record(&t, &ev);
	t_u32(&t, 4000000000u);
	t_u64(&t, 1790000000);
	assert_int_equal(t.len, w.len);
	assert_memory_equal(t.p, w.data, w.len);
	assert_int_equal(decodes(w.data, w.len, &out), 0);
	assert_int_equal(ledger_event_count(&out), 4000000000u);
	assert_true(out.u.logon.since == 1790000000);
	encode_ok(&out, &w2);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.data, w.data, w.len);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&w2);
	t_free(&t);

	/* No tail on other types: trailing bytes stay an error there. */
	sample(EV_DISPOSITION, &ev);
	t_record(&t, &ev);
	t_u32(&t, 1);
	t_u64(&t, 0);
	assert_int_equal(decodes(t.p, t.len, &out), -1);
	t_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_template_line),
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_round_trip_maxima),
		cmocka_unit_test(test_round_trip_minima),
		cmocka_unit_test(test_body_codec),
		cmocka_unit_test(test_encode_rejects),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_decode_nul_in_strings),
		cmocka_unit_test(test_decode_magic_and_trailing),
		cmocka_unit_test(test_decode_truncated),
		cmocka_unit_test(test_decode_flips),
		cmocka_unit_test(test_decode_lengths_and_strbuf),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hash_chain),
		cmocka_unit_test(test_request_row_round_trip),
		cmocka_unit_test(test_request_row_rejects),
		cmocka_unit_test(test_small_rows),
		cmocka_unit_test(test_tails),
	};

	return cmocka_run_group_tests_name("ledger_event", tests, init_big, NULL);
}
