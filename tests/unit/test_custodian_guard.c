/* The custodian's guard rails (firmware/custodian/guard.c) called directly, on
 * names written byte by byte: the refused characters at each edge of their
 * ranges, the subject rule's comparison of the CN with the account (no domain,
 * an empty account, case folded for ASCII letters only, a CN or account that is
 * longer, shorter, not UTF-8, beyond the copy the rule keeps), and the refusals
 * of what does not decode (a subject, a subjectAltName, a CA name the subject
 * cannot be compared with: refused, never accepted unread). Pure code: no HSM,
 * no ledger. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/custodian/guard.h"
#include "firmware/icpr/hresult.h"

static char msg[512];

/* DER of a Name holding one RDN with one attribute 2.5.4.3 whose value is a
 * string of tag and the given bytes (up to 60000), into out (malloc()ed). */
static void cn_name(uint8_t tag, const uint8_t *v, size_t n, struct x509_buf *out)
{
	static const uint8_t oid[] = {0x06, 0x03, 0x55, 0x04, 0x03};
	size_t cap = n + 64, at;
	uint8_t *p = malloc(cap);
	/* lengths: the value, the AttributeTypeAndValue, the SET, the SEQUENCE */
	size_t l_val = n, l_atv, l_set, l_seq;

	assert_non_null(p);
#define LEN_SIZE(l) ((l) < 0x80 ? 1u : (l) < 0x100 ? 2u : 3u)
	l_atv = sizeof(oid) + 1 + LEN_SIZE(l_val) + l_val;
	l_set = 1 + LEN_SIZE(l_atv) + l_atv;
	l_seq = 1 + LEN_SIZE(l_set) + l_set;
	at = 0;
	{
		const size_t lens[] = {l_seq, l_set, l_atv};
		const uint8_t tags[] = {0x30, 0x31, 0x30};

		for (size_t i = 0; i < 3; i++) {
			size_t l = lens[i];

			p[at++] = tags[i];
			if (l < 0x80) {
				p[at++] = (uint8_t)l;
			} else if (l < 0x100) {
				p[at++] = 0x81;
				p[at++] = (uint8_t)l;
			} else {
				p[at++] = 0x82;
				p[at++] = (uint8_t)(l >> 8);
				p[at++] = (uint8_t)l;
			}
		}
	}
	memcpy(p + at, oid, sizeof(oid));
	at += sizeof(oid);
	p[at++] = tag;
	if (l_val < 0x80) {
		p[at++] = (uint8_t)l_val;
	} else if (l_val < 0x100) {
		p[at++] = 0x81;
		p[at++] = (uint8_t)l_val;
	} else {
		p[at++] = 0x82;
		p[at++] = (uint8_t)(l_val >> 8);
		p[at++] = (uint8_t)l_val;
	}
#undef LEN_SIZE
	memcpy(p + at, v, n);
	at += n;
	out->data = p;
	out->len = at;
}

/* guard_subject_rule under subject_rule = account for a UTF8String CN. */
static uint32_t rule(const char *cn, const char *requester)
{
	struct policy p = {.auto_issue = 1, .subject_rule = SUBJECT_RULE_ACCOUNT};
	struct x509_buf name;
	uint32_t hr;

	cn_name(0x0c, (const uint8_t *)cn, strlen(cn), &name);
	msg[0] = 0;
	hr = guard_subject_rule(&p, &name, requester, 0, msg, sizeof(msg));
	x509_buf_free(&name);
	return hr;
}

static void test_refused_characters_at_their_edges(void **state)
{
	static const uint32_t refused[] = {0x00, 0x1b, 0x1f, 0x7f, 0x80, 0x9f, 0x202a,
					   0x202e, 0x2066, 0x2069};
	static const uint32_t allowed[] = {0x20, 0x7e, 0xa0, 0xe9, 0x2029, 0x202f,
					   0x2065, 0x206a, 0x10ffff};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!guard_char_refused(refused[i]))
			fail_msg("U+%04X not refused", (unsigned)refused[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (guard_char_refused(allowed[i]))
			fail_msg("U+%04X refused", (unsigned)allowed[i]);
}

/* The account: the part after the last backslash, or the whole name without
 * one; ASCII letters folded, everything else the same. */
static void test_subject_rule_compares_the_account(void **state)
{
	(void)state;
	assert_int_equal(rule("alice", "EXAMPLE\\alice"), 0);
	assert_int_equal(rule("ALICE", "EXAMPLE\\alice"), 0);
	assert_int_equal(rule("alice", "alice"), 0); /* no domain */
	assert_int_equal(rule("alice", "A\\B\\alice"), 0); /* the last backslash */
	assert_int_equal(rule("Jos\xc3\xa9-1", "EXAMPLE\\jOS\xc3\xa9-1"), 0);
	/* refused, each with the account named */
	assert_int_equal(rule("JOS\xc3\x89", "EXAMPLE\\jos\xc3\xa9"),
			 HR_CERTSRV_E_BAD_REQUESTSUBJECT); /* not folded beyond ASCII */
	assert_string_equal(msg, "subject_rule = account: the subject must be CN=jos\xc3\xa9 "
				 "(the account's name) and nothing else");
	assert_int_equal(rule("ali", "EXAMPLE\\alice"), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_int_equal(rule("alice2", "EXAMPLE\\alice"), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_int_equal(rule("alice", "EXAMPLE\\alic"), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_int_equal(rule("alice", "alice\\"), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_string_equal(msg, "subject_rule = account: the subject must be CN= (the "
				 "account's name) and nothing else");
	assert_int_equal(rule("", "EXAMPLE\\"), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	/* an account that is not UTF-8 matches nothing */
	assert_int_equal(rule("a\xc3", "EXAMPLE\\a\xc3"), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_int_equal(rule("ab", "EXAMPLE\\a\xff"), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
}

/* A CN of 256 characters is compared; one of 257 is beyond what the rule keeps
 * and is refused even when the account says the same. */
static void test_subject_rule_long_names(void **state)
{
	char *name = malloc(300), *req = malloc(320);

	(void)state;
	assert_non_null(name);
	assert_non_null(req);
	memset(name, 'a', 256);
	name[256] = 0;
	snprintf(req, 320, "EXAMPLE\\%s", name);
	assert_int_equal(rule(name, req), 0);
	memset(name, 'a', 257);
	name[257] = 0;
	snprintf(req, 320, "EXAMPLE\\%s", name);
	assert_int_equal(rule(name, req), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	free(name);
	free(req);
}

/* What does not decode is refused, never let through: a subject (the rule, the
 * guard), a subjectAltName, and a subject that cannot be compared with the CA's
 * name (fail closed). The rule does not apply under subject_rule = request, and
 * refuses an anonymous requester. */
static void test_what_does_not_decode(void **state)
{
	static const uint8_t junk[] = {0x30, 0x05, 0x31, 0x03, 0x02, 0x01};
	static const uint8_t not_names[] = {0x30, 0x03, 0x02, 0x01, 0x05};
	struct x509_buf bad = {(uint8_t *)junk, sizeof(junk)};
	struct x509_buf san = {(uint8_t *)not_names, sizeof(not_names)};
	struct policy p = {.auto_issue = 1, .subject_rule = SUBJECT_RULE_ACCOUNT};
	struct x509_buf name;

	(void)state;
	msg[0] = 0;
	assert_int_equal(guard_subject_rule(&p, &bad, "EXAMPLE\\alice", 0, msg, sizeof(msg)),
			 HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_string_equal(msg, "subject_rule = account: the subject must be CN=alice (the "
				 "account's name) and nothing else");
	assert_int_equal(guard_subject_rule(&p, &bad, "EXAMPLE\\alice", 1, msg, sizeof(msg)),
			 HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_string_equal(msg, "subject_rule = account: an anonymous requester has no "
				 "account, so no subject of its choosing is issued");
	p.subject_rule = SUBJECT_RULE_REQUEST;
	assert_int_equal(guard_subject_rule(&p, &bad, "EXAMPLE\\alice", 1, msg, sizeof(msg)), 0);

	assert_int_equal(guard_subject(&p, &bad, msg, sizeof(msg)),
			 HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_string_equal(msg, "the request's subject is not a valid name");
	assert_int_equal(guard_san(&san, msg, sizeof(msg)), HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_string_equal(msg, "the request's subjectAltName is not valid GeneralNames");

	/* a CA name that does not decode: no subject is compared with it, none is
	 * accepted */
	cn_name(0x0c, (const uint8_t *)"host1.example", 13, &name);
	p.ca_name = junk;
	p.ca_name_len = sizeof(junk);
	assert_int_equal(guard_subject(&p, &name, msg, sizeof(msg)),
			 HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_string_equal(msg, "the request's subject is the CA's own name: a certificate's "
				 "subject may never be its issuer's");
	p.ca_name = NULL;
	p.ca_name_len = 0;
	assert_int_equal(guard_subject(&p, &name, msg, sizeof(msg)), 0);
	x509_buf_free(&name);
}

/* The isolates' range ends at U+2069 in a subject as in the table. */
static void test_isolates_in_a_subject(void **state)
{
	static const uint8_t pdi[] = {'a', 0xe2, 0x81, 0xa9, 'b'};    /* U+2069 */
	static const uint8_t after[] = {'a', 0xe2, 0x81, 0xaa, 'b'};  /* U+206A */
	struct policy p = {0};
	struct x509_buf name;

	(void)state;
	cn_name(0x0c, pdi, sizeof(pdi), &name);
	assert_int_equal(guard_subject(&p, &name, msg, sizeof(msg)),
			 HR_CERTSRV_E_BAD_REQUESTSUBJECT);
	assert_string_equal(msg, "the request's subject: CN holds a bidirectional control "
				 "character (U+2069), refused in any name");
	x509_buf_free(&name);
	cn_name(0x0c, after, sizeof(after), &name);
	assert_int_equal(guard_subject(&p, &name, msg, sizeof(msg)), 0);
	x509_buf_free(&name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_characters_at_their_edges),
		cmocka_unit_test(test_subject_rule_compares_the_account),
		cmocka_unit_test(test_subject_rule_long_names),
		cmocka_unit_test(test_what_does_not_decode),
		cmocka_unit_test(test_isolates_in_a_subject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
