/* Unit tests of the console channel's catalogue (firmware/custodian/admin_msg.c):
 * each request round-trips through the dispatcher's pair with its fields and its
 * token intact, and every shorter prefix, a trailing byte and each bound broken
 * (a token of 31 bytes, an unknown role, a CRL kind of 2, an empty property
 * name, a serial of 0 or 21 bytes) is refused; answers are never taken as
 * requests; the whitelist admits every request the decoders accept at its
 * smallest and refuses an answer type; caadm's answer decoders keep their
 * bounds (extension flags, list counts). The template verbs (ADM_TMPL_*): each
 * request round-trips, an empty name or text is refused, a text of
 * TEMPLATE_TEXT_MAX bytes is admitted and decodes while one byte more is
 * refused by the whitelist and the decoder; the list answer keeps its count
 * (at most ADM_TMPL_MAX) and its flags, the text answer is never empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/custodian/admin_msg.h"

static union adm_request req, got;

static void token_of(uint8_t *t)
{
	for (size_t i = 0; i < ADM_TOKEN_LEN; i++)
		t[i] = (uint8_t)(0xa0 + i);
}

/* The whitelist's verdict on a frame of type with these payload bytes. */
static int admitted(uint32_t type, const uint8_t *p, size_t n)
{
	struct ipc_chan chan;
	struct ipc_msg m;
	size_t n_rules;
	const struct ipc_rule *rules = adm_rules(&n_rules);
	char err[256];

	memset(&chan, 0, sizeof(chan));
	chan.peer = "console";
	memset(&m, 0, sizeof(m));
	m.hdr.type = type;
	m.hdr.len = (uint32_t)n;
	m.data = (uint8_t *)p;
	m.fd = -1;
	return ipc_check(rules, n_rules, 0, &chan, &m, err, sizeof(err)) != NULL;
}

/* req encoded as type decodes back to the same bytes, admitted by the whitelist;
 * no prefix and no extension by a byte decodes. */
static void round_trip(uint32_t type)
{
	struct ipc_wbuf w, w2;
	uint8_t *more;

	ipc_wbuf_init(&w);
	adm_request_encode(type, &w, &req);
	assert_false(w.failed);
	for (size_t n = 0; n < w.len; n++)
		if (adm_request_decode(type, w.data, n, &got) == 0)
			fail_msg("type %#x: a prefix of %zu of %zu bytes decoded", type, n, w.len);
	more = malloc(w.len + 1);
	memcpy(more, w.data, w.len);
	more[w.len] = 0;
	assert_int_equal(adm_request_decode(type, more, w.len + 1, &got), -1);
	free(more);
	/* answers are never requests, whatever their bytes */
	assert_int_equal(adm_request_decode(ADM_OK, w.data, w.len, &got), -1);
	assert_int_equal(adm_request_decode(type, w.data, w.len, &got), 0);
	assert_true(admitted(type, w.data, w.len));
	ipc_wbuf_init(&w2);
	adm_request_encode(type, &w2, &got);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.data, w.data, w.len);
	if (type != ADM_LOGIN)
		assert_memory_equal(got.bare.token, req.bare.token, ADM_TOKEN_LEN);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&w2);
}

static void test_every_request_round_trips(void **state)
{
	static const uint32_t bare[] = {ADM_LOGOUT, ADM_OP_LIST, ADM_VERIFY};
	static const uint32_t ids[] = {ADM_DETAIL, ADM_RESUBMIT, ADM_DENY};
	static const uint8_t value[] = {0x05, 0x00};
	char err[256];

	(void)state;
	memset(&req, 0, sizeof(req));
	snprintf(req.login.name, sizeof(req.login.name), "admin");
	snprintf(req.login.pass, sizeof(req.login.pass), "a passphrase");
	round_trip(ADM_LOGIN);
	assert_string_equal(got.login.pass, "a passphrase");

	for (size_t i = 0; i < 3; i++) {
		memset(&req, 0, sizeof(req));
		token_of(req.bare.token);
		round_trip(bare[i]);
		req.id.request_id = 42;
		round_trip(ids[i]);
		assert_int_equal(got.id.request_id, 42);
	}
	memset(&req, 0, sizeof(req));
	token_of(req.op_add.token);
	snprintf(req.op_add.name, sizeof(req.op_add.name), "officer");
	req.op_add.roles = ROLE_OFFICER;
	snprintf(req.op_add.pass, sizeof(req.op_add.pass), "new one");
	round_trip(ADM_OP_ADD);
	assert_int_equal(got.op_add.roles, ROLE_OFFICER);

	memset(&req, 0, sizeof(req));
	token_of(req.op_del.token);
	snprintf(req.op_del.name, sizeof(req.op_del.name), "officer");
	round_trip(ADM_OP_DEL);

	memset(&req, 0, sizeof(req));
	token_of(req.op_passwd.token);
	snprintf(req.op_passwd.name, sizeof(req.op_passwd.name), "officer");
	snprintf(req.op_passwd.pass, sizeof(req.op_passwd.pass), "x");
	round_trip(ADM_OP_PASSWD);

	memset(&req, 0, sizeof(req));
	token_of(req.op_roles.token);
	snprintf(req.op_roles.name, sizeof(req.op_roles.name), "carol");
	req.op_roles.roles = ROLE_ADMIN;
	round_trip(ADM_OP_ROLES);
	assert_int_equal(got.op_roles.roles, ROLE_ADMIN);
	assert_string_equal(got.op_roles.name, "carol");
	/* No role, or a bit no role has, does not decode (the CA checks there is one). */
	{
		struct ipc_wbuf bad;

		for (uint32_t roles = 0; roles < 2; roles++) {
			req.op_roles.roles = roles == 0 ? 0 : 0x8;
			ipc_wbuf_init(&bad);
			adm_op_roles_encode(&bad, &req.op_roles);
			assert_int_equal(adm_request_decode(ADM_OP_ROLES, bad.data, bad.len, &got), -1);
			ipc_wbuf_free(&bad);
		}
	}

	memset(&req, 0, sizeof(req));
	token_of(req.view.token);
	assert_int_equal(view_parse_restriction("Disposition==pending", &req.view.q.r[0], err,
						sizeof(err)),
			 0);
	req.view.q.n_r = 1;
	req.view.q.limit = 10;
	round_trip(ADM_VIEW);
	assert_int_equal(got.view.q.limit, 10);

	memset(&req, 0, sizeof(req));
	token_of(req.setext.token);
	req.setext.request_id = 3;
	snprintf(req.setext.oid, sizeof(req.setext.oid), "1.2.3.4");
	req.setext.flags = ADM_EXT_CRITICAL;
	req.setext.value = value;
	req.setext.value_len = sizeof(value);
	round_trip(ADM_SETEXT);
	assert_int_equal(got.setext.value_len, 2);

	memset(&req, 0, sizeof(req));
	token_of(req.revoke.token);
	req.revoke.serial[0] = 0x7f;
	req.revoke.serial_len = 1;
	req.revoke.reason = 1;
	req.revoke.when = -1;
	round_trip(ADM_REVOKE);
	assert_true(got.revoke.when == -1);
	round_trip(ADM_UNREVOKE);

	memset(&req, 0, sizeof(req));
	token_of(req.crl.token);
	req.crl.delta = 1;
	round_trip(ADM_CRL);

	memset(&req, 0, sizeof(req));
	token_of(req.getprop.token);
	snprintf(req.getprop.name, sizeof(req.getprop.name), "CRLPeriod");
	round_trip(ADM_GETPROP);

	memset(&req, 0, sizeof(req));
	token_of(req.setprop.token);
	snprintf(req.setprop.name, sizeof(req.setprop.name), "CRLPeriod");
	req.setprop.value = (const uint8_t *)"2d";
	req.setprop.value_len = 2;
	round_trip(ADM_SETPROP);

	memset(&req, 0, sizeof(req));
	token_of(req.audit.token);
	req.audit.first = 1;
	req.audit.max = 512;
	round_trip(ADM_AUDIT);
}

/* Encoded as type (must not fail), the payload does not decode. */
static void refused(uint32_t type)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	adm_request_encode(type, &w, &req);
	assert_int_equal(adm_request_decode(type, w.data, w.len, &got), -1);
	ipc_wbuf_free(&w);
}

static void test_bounds(void **state)
{
	struct ipc_wbuf w;
	uint8_t tok31[4 + ADM_TOKEN_LEN];

	(void)state;
	/* a token of 31 bytes */
	memset(tok31, 0, sizeof(tok31));
	tok31[0] = ADM_TOKEN_LEN - 1;
	assert_int_equal(adm_request_decode(ADM_LOGOUT, tok31, 4 + ADM_TOKEN_LEN - 1, &got), -1);

	memset(&req, 0, sizeof(req));
	req.op_add.roles = ROLE_ALL + 1; /* a role that does not exist */
	snprintf(req.op_add.name, sizeof(req.op_add.name), "x");
	refused(ADM_OP_ADD);

	memset(&req, 0, sizeof(req));
	req.crl.delta = 2;
	refused(ADM_CRL);

	memset(&req, 0, sizeof(req)); /* empty property names */
	refused(ADM_GETPROP);
	refused(ADM_SETPROP);

	/* serials of 0 and 21 bytes: the encoder fails, and the bytes are refused */
	memset(&req, 0, sizeof(req));
	ipc_wbuf_init(&w);
	adm_revoke_encode(&w, &req.revoke);
	assert_true(w.failed);
	ipc_wbuf_free(&w);
	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, req.bare.token, ADM_TOKEN_LEN);
	ipc_put_bytes(&w, "012345678901234567890", 21);
	assert_int_equal(adm_request_decode(ADM_UNREVOKE, w.data, w.len, &got), -1);
	ipc_wbuf_free(&w);

	/* a view query the ledger would refuse (limit 0) never gets past the console */
	memset(&req, 0, sizeof(req));
	refused(ADM_VIEW);

	/* answers and unknown types: not requests, and not on the whitelist */
	assert_int_equal(adm_request_decode(ADM_SESSION, tok31, 0, &got), -1);
	assert_int_equal(adm_request_decode(0x3ee, tok31, 0, &got), -1);
	assert_false(admitted(ADM_RESULT, tok31, 36));
	assert_false(admitted(ADM_OK, tok31, 4));
}

static void test_answers(void **state)
{
	static struct adm_detail_is d, d2;
	struct lmsg_iter it;
	struct ipc_wbuf list, w;
	char oid[LEDGER_OID_MAX + 1];
	const uint8_t *v;
	size_t len;
	uint32_t flags;

	(void)state;
	snprintf(d.subject, sizeof(d.subject), "CN=alice");
	ipc_wbuf_init(&list);
	adm_detail_add(&list, "1.2.3.4", ADM_EXT_CRITICAL, (const uint8_t *)"\x05\x00", 2);
	adm_detail_add(&list, "1.2.3.5", ADM_EXT_DISABLE, NULL, 0);
	d.exts.n = 2;
	d.exts.p = list.data;
	d.exts.len = list.len;
	ipc_wbuf_init(&w);
	adm_detail_encode(&w, &d);
	assert_int_equal(adm_detail_decode(w.data, w.len, &d2), 0);
	assert_string_equal(d2.subject, "CN=alice");
	lmsg_iter_init(&it, &d2.exts);
	assert_true(adm_detail_next(&it, oid, &flags, &v, &len));
	assert_string_equal(oid, "1.2.3.4");
	assert_true(adm_detail_next(&it, oid, &flags, &v, &len) && flags == ADM_EXT_DISABLE);
	assert_false(adm_detail_next(&it, oid, &flags, &v, &len));
	ipc_wbuf_free(&w);
	/* a count above the entries; flags beyond critical and disabled */
	d.exts.n = 3;
	ipc_wbuf_init(&w);
	adm_detail_encode(&w, &d);
	assert_int_equal(adm_detail_decode(w.data, w.len, &d2), -1);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
	ipc_wbuf_init(&list);
	adm_detail_add(&list, "1.2.3.4", 4, NULL, 0);
	d.exts.n = 1;
	d.exts.p = list.data;
	d.exts.len = list.len;
	ipc_wbuf_init(&w);
	adm_detail_encode(&w, &d);
	assert_int_equal(adm_detail_decode(w.data, w.len, &d2), -1);
	ipc_wbuf_free(&w);
	ipc_wbuf_free(&list);
}

/* A text of n bytes of 'a' into buf (n + 1 bytes). */
static char *text_of(size_t n)
{
	char *t = malloc(n + 1);

	memset(t, 'a', n);
	t[n] = 0;
	return t;
}

static void test_template_requests(void **state)
{
	static const uint32_t named[] = {ADM_TMPL_SHOW, ADM_TMPL_DEL};
	static const uint32_t texts[] = {ADM_TMPL_ADD, ADM_TMPL_SET};
	struct ipc_wbuf w;
	char *big;

	(void)state;
	memset(&req, 0, sizeof(req));
	token_of(req.bare.token);
	round_trip(ADM_TMPL_LIST);
	for (size_t i = 0; i < 2; i++) {
		memset(&req, 0, sizeof(req));
		token_of(req.tmpl.token);
		snprintf(req.tmpl.name, sizeof(req.tmpl.name), "WebServer");
		round_trip(named[i]);
		assert_string_equal(got.tmpl.name, "WebServer");
		/* a name of TEMPLATE_NAME_MAX bytes goes, one more does not */
		memset(req.tmpl.name, 'N', TEMPLATE_NAME_MAX);
		round_trip(named[i]);
		ipc_wbuf_init(&w);
		ipc_put_bytes(&w, req.tmpl.token, ADM_TOKEN_LEN);
		big = text_of(TEMPLATE_NAME_MAX + 1);
		ipc_put_str(&w, big);
		free(big);
		assert_int_equal(adm_request_decode(named[i], w.data, w.len, &got), -1);
		assert_false(admitted(named[i], w.data, w.len));
		ipc_wbuf_free(&w);
		/* an empty name */
		req.tmpl.name[0] = 0;
		refused(named[i]);

		memset(&req, 0, sizeof(req));
		token_of(req.tmpl_text.token);
		snprintf(req.tmpl_text.name, sizeof(req.tmpl_text.name), "User2");
		snprintf(req.tmpl_text.text, sizeof(req.tmpl_text.text),
			 "validity_days = 30\nenroll_groups = \n");
		round_trip(texts[i]);
		assert_string_equal(got.tmpl_text.text, "validity_days = 30\nenroll_groups = \n");
		assert_string_equal(got.tmpl_text.name, "User2");
		/* neither the name nor the text may be empty */
		req.tmpl_text.text[0] = 0;
		refused(texts[i]);
		req.tmpl_text.text[0] = 'v';
		req.tmpl_text.name[0] = 0;
		refused(texts[i]);
	}
}

/* The largest text a template may have travels; one byte more is refused by the
 * decoder, and with the longest name by the whitelist too (before any decoding). */
static void test_template_text_bounds(void **state)
{
	struct ipc_wbuf w;
	char *t, *name = text_of(TEMPLATE_NAME_MAX);

	(void)state;
	for (size_t extra = 0; extra < 2; extra++) {
		t = text_of(TEMPLATE_TEXT_MAX + extra);
		ipc_wbuf_init(&w);
		ipc_put_bytes(&w, req.bare.token, ADM_TOKEN_LEN);
		ipc_put_str(&w, name);
		ipc_put_str(&w, t);
		assert_false(w.failed);
		assert_int_equal(admitted(ADM_TMPL_ADD, w.data, w.len), extra == 0);
		assert_int_equal(adm_request_decode(ADM_TMPL_SET, w.data, w.len, &got),
				 extra == 0 ? 0 : -1);
		if (extra == 0)
			assert_int_equal(strlen(got.tmpl_text.text), TEMPLATE_TEXT_MAX);
		ipc_wbuf_free(&w);
		free(t);
	}
	free(name);
	/* a NUL inside the text does not decode (the channel's strings hold none) */
	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, req.bare.token, ADM_TOKEN_LEN);
	ipc_put_str(&w, "User");
	ipc_put_bytes(&w, "name = a\0b", 10);
	assert_int_equal(adm_request_decode(ADM_TMPL_ADD, w.data, w.len, &got), -1);
	ipc_wbuf_free(&w);
	/* the answers are not requests and not on the whitelist */
	assert_int_equal(adm_request_decode(ADM_TMPL_LIST_IS, w.data, 0, &got), -1);
	assert_int_equal(adm_request_decode(ADM_TMPL_TEXT, w.data, 0, &got), -1);
	assert_false(admitted(ADM_TMPL_TEXT, (const uint8_t *)"\1\0\0\0a", 5));
	assert_false(admitted(ADM_TMPL_LIST_IS, (const uint8_t *)"\0\0\0\0", 4));
}

static void test_template_answers(void **state)
{
	static struct adm_tmpl_list_is l, l2;
	static struct adm_tmpl_text_is t, t2;
	struct ipc_wbuf w, w2;

	(void)state;
	memset(&l, 0, sizeof(l));
	l.n = 2;
	snprintf(l.e[0].name, sizeof(l.e[0].name), "SubCA");
	snprintf(l.e[0].display, sizeof(l.e[0].display), "Subordinate CA");
	snprintf(l.e[0].oid, sizeof(l.e[0].oid), "1.3.6.1.4.1.311.21.8.1.5");
	l.e[0].major = 1;
	l.e[0].minor = 7;
	l.e[0].flags = ADM_TMPL_PEND_ALL | ADM_TMPL_CA;
	snprintf(l.e[1].name, sizeof(l.e[1].name), "User");
	ipc_wbuf_init(&w);
	adm_tmpl_list_encode(&w, &l);
	assert_false(w.failed);
	assert_int_equal(adm_tmpl_list_decode(w.data, w.len, &l2), 0);
	assert_int_equal(l2.n, 2);
	assert_string_equal(l2.e[0].display, "Subordinate CA");
	assert_int_equal(l2.e[0].minor, 7);
	assert_int_equal(l2.e[0].flags, ADM_TMPL_PEND_ALL | ADM_TMPL_CA);
	assert_string_equal(l2.e[1].name, "User");
	ipc_wbuf_init(&w2);
	adm_tmpl_list_encode(&w2, &l2);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.data, w.data, w.len);
	ipc_wbuf_free(&w2);
	for (size_t n = 0; n < w.len; n++)
		assert_int_equal(adm_tmpl_list_decode(w.data, n, &l2), -1);
	ipc_wbuf_free(&w);
	/* a flag no template has; an empty name; a count above ADM_TMPL_MAX */
	l.e[1].flags = 0x4;
	ipc_wbuf_init(&w);
	adm_tmpl_list_encode(&w, &l);
	assert_int_equal(adm_tmpl_list_decode(w.data, w.len, &l2), -1);
	ipc_wbuf_free(&w);
	l.e[1].flags = 0;
	l.e[1].name[0] = 0;
	ipc_wbuf_init(&w);
	adm_tmpl_list_encode(&w, &l);
	assert_int_equal(adm_tmpl_list_decode(w.data, w.len, &l2), -1);
	ipc_wbuf_free(&w);
	l.n = ADM_TMPL_MAX + 1;
	ipc_wbuf_init(&w);
	adm_tmpl_list_encode(&w, &l);
	assert_true(w.failed);
	ipc_wbuf_free(&w);
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, ADM_TMPL_MAX + 1);
	assert_int_equal(adm_tmpl_list_decode(w.data, w.len, &l2), -1);
	ipc_wbuf_free(&w);
	/* no template at all is an answer */
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 0);
	assert_int_equal(adm_tmpl_list_decode(w.data, w.len, &l2), 0);
	assert_int_equal(l2.n, 0);
	ipc_wbuf_free(&w);

	snprintf(t.text, sizeof(t.text), "name = User\n");
	ipc_wbuf_init(&w);
	adm_tmpl_text_is_encode(&w, &t);
	assert_int_equal(adm_tmpl_text_is_decode(w.data, w.len, &t2), 0);
	assert_string_equal(t2.text, "name = User\n");
	assert_int_equal(adm_tmpl_text_is_decode(w.data, w.len - 1, &t2), -1);
	ipc_wbuf_free(&w);
	t.text[0] = 0;
	ipc_wbuf_init(&w);
	adm_tmpl_text_is_encode(&w, &t);
	assert_int_equal(adm_tmpl_text_is_decode(w.data, w.len, &t2), -1);
	ipc_wbuf_free(&w);
}

/* KEYTAB (issue 18): a change of ca-auth's keytab, journaled by the custodian. */
static void test_keytab(void **state)
{
	struct ipc_wbuf w;
	char *big;

	(void)state;
	memset(&req, 0, sizeof(req));
	token_of(req.keytab.token);
	req.keytab.change = ADM_KEYTAB_INSTALLED;
	snprintf(req.keytab.principal, sizeof(req.keytab.principal), "host/ca.example.test@CA.TEST");
	snprintf(req.keytab.kvnos, sizeof(req.keytab.kvnos), "1 2");
	snprintf(req.keytab.enctypes, sizeof(req.keytab.enctypes),
		 "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96");
	for (size_t i = 0; i < ADM_KEYTAB_SHA256_LEN; i++)
		req.keytab.sha256[i] = (uint8_t)i;
	req.keytab.sha256_len = ADM_KEYTAB_SHA256_LEN;
	round_trip(ADM_KEYTAB);
	assert_int_equal(got.keytab.change, ADM_KEYTAB_INSTALLED);
	assert_string_equal(got.keytab.principal, "host/ca.example.test@CA.TEST");
	assert_string_equal(got.keytab.kvnos, "1 2");
	assert_string_equal(got.keytab.enctypes, "aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96");
	assert_int_equal(got.keytab.sha256_len, ADM_KEYTAB_SHA256_LEN);
	assert_memory_equal(got.keytab.sha256, req.keytab.sha256, ADM_KEYTAB_SHA256_LEN);

	/* the removal of a file that could not be read: nothing but the change */
	memset(&req, 0, sizeof(req));
	token_of(req.keytab.token);
	req.keytab.change = ADM_KEYTAB_REMOVED;
	round_trip(ADM_KEYTAB);
	assert_int_equal(got.keytab.sha256_len, 0);
	assert_string_equal(got.keytab.principal, "");

	/* lists of ADM_KEYTAB_LIST_MAX go, and a principal of LEDGER_NAME_MAX */
	memset(req.keytab.kvnos, '1', ADM_KEYTAB_LIST_MAX);
	memset(req.keytab.enctypes, 'e', ADM_KEYTAB_LIST_MAX);
	memset(req.keytab.principal, 'p', LEDGER_NAME_MAX);
	round_trip(ADM_KEYTAB);

	/* an unknown change; a hash of another length; a control character */
	memset(&req, 0, sizeof(req));
	token_of(req.keytab.token);
	req.keytab.change = 3;
	refused(ADM_KEYTAB);
	req.keytab.change = 0;
	refused(ADM_KEYTAB);
	req.keytab.change = ADM_KEYTAB_INSTALLED;
	req.keytab.sha256_len = ADM_KEYTAB_SHA256_LEN - 1;
	refused(ADM_KEYTAB);
	req.keytab.sha256_len = 0;
	snprintf(req.keytab.principal, sizeof(req.keytab.principal), "host/x\n@R");
	refused(ADM_KEYTAB);
	snprintf(req.keytab.principal, sizeof(req.keytab.principal), "host/x@R");
	snprintf(req.keytab.kvnos, sizeof(req.keytab.kvnos), "1\x7f");
	refused(ADM_KEYTAB);
	snprintf(req.keytab.kvnos, sizeof(req.keytab.kvnos), "1");
	snprintf(req.keytab.enctypes, sizeof(req.keytab.enctypes), "a\tb");
	refused(ADM_KEYTAB);

	/* a list one byte over its bound: not decoded (the whitelist bounds the
	 * frame, not each field) */
	ipc_wbuf_init(&w);
	ipc_put_bytes(&w, req.keytab.token, ADM_TOKEN_LEN);
	ipc_put_u32(&w, ADM_KEYTAB_INSTALLED);
	ipc_put_str(&w, "host/x@R");
	big = text_of(ADM_KEYTAB_LIST_MAX + 1);
	ipc_put_str(&w, big);
	ipc_put_str(&w, big);
	free(big);
	big = text_of(2 * ADM_KEYTAB_SHA256_LEN);
	ipc_put_bytes(&w, (const uint8_t *)big, 2 * ADM_KEYTAB_SHA256_LEN);
	free(big);
	assert_int_equal(adm_request_decode(ADM_KEYTAB, w.data, w.len, &got), -1);
	ipc_wbuf_free(&w);

	/* the whitelist: the largest request admitted, a byte more not */
	memset(&req, 0, sizeof(req));
	token_of(req.keytab.token);
	req.keytab.change = ADM_KEYTAB_REMOVED;
	memset(req.keytab.principal, 'p', LEDGER_NAME_MAX);
	memset(req.keytab.kvnos, '1', ADM_KEYTAB_LIST_MAX);
	memset(req.keytab.enctypes, 'e', ADM_KEYTAB_LIST_MAX);
	req.keytab.sha256_len = ADM_KEYTAB_SHA256_LEN;
	ipc_wbuf_init(&w);
	adm_keytab_encode(&w, &req.keytab);
	assert_true(admitted(ADM_KEYTAB, w.data, w.len));
	ipc_put_raw(&w, "", 1);
	assert_false(admitted(ADM_KEYTAB, w.data, w.len));
	ipc_wbuf_free(&w);
	/* and the smallest, a byte less not */
	memset(&req, 0, sizeof(req));
	req.keytab.change = ADM_KEYTAB_REMOVED;
	ipc_wbuf_init(&w);
	adm_keytab_encode(&w, &req.keytab);
	assert_true(admitted(ADM_KEYTAB, w.data, w.len));
	assert_false(admitted(ADM_KEYTAB, w.data, w.len - 1));
	ipc_wbuf_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_request_round_trips),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_template_requests),
		cmocka_unit_test(test_template_text_bounds),
		cmocka_unit_test(test_template_answers),
		cmocka_unit_test(test_keytab),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
