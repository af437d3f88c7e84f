/* ca-ledger's commands' decisions (firmware/ledger/audit.c) on a real ledger in
 * a temporary directory: the --anchor text (each malformed spelling refused),
 * the ledger against an anchor (matching, ended before it, rewritten at its
 * seq), the newest checkpoint and `verify --unanchored` (a ledger that holds a
 * checkpoint refused with the message the operator sees), the head line for
 * `caadm checkpoint --reanchor` (checked against an independent hex of the
 * store's head), the first administrator's event, and the audit view. A record
 * the store cannot read or that does not decode is injected at the store's
 * interface (unit.mk: --wrap=ledger_get_record, passing through unless armed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/ledger/audit.h"
#include "firmware/ledger/store.h"
#include "tests/unit/support/ledger_temp.h"

static char dir[64];
static char err[512];
static struct ledger *led;

/* ---- the store failing at one seq ---- */
static struct {
	uint64_t seq; /* 0: nothing armed */
	int garbage;  /* 1: a record that does not decode; 0: not readable */
} fault;

int __real_ledger_get_record(struct ledger *l, uint64_t seq, uint8_t **rec, size_t *len);
int __wrap_ledger_get_record(struct ledger *l, uint64_t seq, uint8_t **rec, size_t *len);
int __wrap_ledger_get_record(struct ledger *l, uint64_t seq, uint8_t **rec, size_t *len)
{
	if (fault.seq == 0 || seq != fault.seq)
		return __real_ledger_get_record(l, seq, rec, len);
	if (!fault.garbage)
		return LEDGER_EIO;
	*rec = calloc(1, 8);
	*len = 8;
	return *rec != NULL ? LEDGER_OK : LEDGER_EIO;
}

static uint64_t append(struct ledger_event *ev)
{
	uint8_t h[LEDGER_HASH_LEN];
	uint64_t seq;

	assert_int_equal(ledger_append(led, ev, NULL, err, sizeof(err)), LEDGER_OK);
	ledger_head(led, &seq, h);
	return seq;
}

static void request(void)
{
	static const uint8_t raw[] = "not really a CSR";
	struct ledger_event ev;

	ledger_event_base(&ev, EV_REQUEST_RECEIVED);
	ev.actor_kind = ACTOR_REQUESTER;
	ev.actor = "alice";
	ev.u.request.format = FMT_PKCS10;
	ev.u.request.requester = "alice";
	ev.u.request.raw.p = raw;
	ev.u.request.raw.len = sizeof(raw);
	ev.u.request.attributes = "";
	append(&ev);
}

static void hash_of(uint64_t seq, uint8_t out[LEDGER_HASH_LEN])
{
	uint8_t *rec;
	size_t len;

	assert_int_equal(ledger_get_record(led, seq, &rec, &len), LEDGER_OK);
	ledger_record_hash(rec, len, out);
	free(rec);
}

static uint64_t checkpoint(uint64_t of)
{
	static const uint8_t signed_der[] = {0x30, 0x00};
	struct ledger_event ev;

	ledger_event_base(&ev, EV_CHECKPOINT);
	ev.u.checkpoint.seq = of;
	hash_of(of, ev.u.checkpoint.head);
	ev.u.checkpoint.time = 1790000000;
	ev.u.checkpoint.signed_der.p = signed_der;
	ev.u.checkpoint.signed_der.len = sizeof(signed_der);
	return append(&ev);
}

static int setup(void **state)
{
	(void)state;
	memset(&fault, 0, sizeof(fault));
	led = ledger_temp_open("ledger-audit", dir, sizeof(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return ledger_temp_remove(led, dir);
}

#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF"

/* The anchor's text: the four fields exactly, or refused. */
static void test_anchor_parse(void **state)
{
	static const char *const bad[] = {
		"",
		"180," HEX64 ",1790000000",            /* no CRL number */
		"0," HEX64 ",1790000000,3",            /* seq 0 */
		"180," HEX64 ",1790000000,3,",         /* something after */
		"180," HEX64 ",1790000000,3 ",
		"180," HEX64 "0,1790000000,3",         /* 65 hex digits */
		"180,0011,1790000000,3",               /* 2 octets */
		"180,00112233445566778899aabbccddeeff00112233445566778899aabbccddeef,1,3", /* odd */
		"180,zz,1790000000,3",
		"x180," HEX64 ",1790000000,3",
	};
	struct ledger_anchor a;

	(void)state;
	assert_int_equal(ledger_anchor_parse("180," HEX64 ",1790000000,3", &a), 0);
	assert_int_equal(a.seq, 180);
	assert_int_equal(a.time, 1790000000);
	assert_int_equal(a.crl_number, 3);
	assert_int_equal(a.head[0], 0x00);
	assert_int_equal(a.head[9], 0x99);
	assert_int_equal(a.head[31], 0xff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ledger_anchor_parse(bad[i], &a) != -1)
			fail_msg("'%s' was taken as an anchor", bad[i]);
}

/* The ledger against an anchor: its record at the anchor's seq with the
 * anchor's hash holds; a ledger ending before it, or another record there, is
 * named with what is missing. */
static void test_anchor_check(void **state)
{
	struct ledger_anchor a = {.seq = 2, .time = 1790000000, .crl_number = 0};
	char msg[512];

	(void)state;
	request();
	request();
	hash_of(2, a.head);
	assert_int_equal(ledger_anchor_check(led, &a, "the HSM's checkpoint", msg, sizeof(msg)),
			 0);
	a.head[5] ^= 1;
	assert_int_equal(ledger_anchor_check(led, &a, "the HSM's checkpoint", msg, sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "the ledger's record 2 is not the one the HSM's checkpoint"));
	a.seq = 9;
	assert_int_equal(ledger_anchor_check(led, &a, "the checkpoint in F", msg, sizeof(msg)),
			 -1);
	assert_non_null(strstr(msg, "the ledger ends at seq 3 but the checkpoint in F"));
	assert_non_null(strstr(msg, "covers seq 9"));
	/* the record cannot be read: compared as absent, so refused */
	a.seq = 2;
	hash_of(2, a.head);
	fault.seq = 2;
	assert_int_equal(ledger_anchor_check(led, &a, "the HSM's checkpoint", msg, sizeof(msg)),
			 -1);
}

/* The newest checkpoint, searched from the head back; --unanchored refuses a
 * ledger that holds one, naming its seq. */
static void test_unanchored(void **state)
{
	uint64_t seq, cp;

	(void)state;
	request();
	assert_int_equal(ledger_newest_checkpoint(led, &seq, err, sizeof(err)), 0);
	assert_int_equal(seq, 0);
	assert_int_equal(ledger_check_unanchored(led, err, sizeof(err)), 0);
	cp = checkpoint(2);
	checkpoint(1); /* an older record's, but the newer event */
	request();
	assert_int_equal(ledger_newest_checkpoint(led, &seq, err, sizeof(err)), 0);
	assert_int_equal(cp, 3);
	assert_int_equal(seq, 4);
	assert_int_equal(ledger_check_unanchored(led, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "the HSM holds no valid ledger anchor but the ledger was "
				    "anchored "));
	assert_non_null(strstr(err, "(a checkpoint at seq 4)"));
	assert_non_null(strstr(err, "`caadm checkpoint --reanchor`"));
	/* a record on the way that cannot be read, or does not decode: refused */
	fault.seq = 5;
	assert_int_equal(ledger_check_unanchored(led, err, sizeof(err)), -1);
	assert_string_equal(err, "record 5 cannot be read");
	fault.garbage = 1;
	err[0] = 0;
	assert_int_equal(ledger_newest_checkpoint(led, &seq, err, sizeof(err)), -1);
	assert_true(err[0] != 0);
}

static void hex_of(const uint8_t *p, char *out)
{
	for (size_t i = 0; i < LEDGER_HASH_LEN; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* "SEQ,HEAD,CRL\n": the head's seq and hash, the latest CRL's number (0 before
 * the first). */
static void test_head_line(void **state)
{
	static const uint8_t crl[] = {0x30, 0x00};
	struct ledger_event ev;
	uint8_t h[LEDGER_HASH_LEN];
	char line[160], want[160], hex[2 * LEDGER_HASH_LEN + 1];
	uint64_t seq;

	(void)state;
	request();
	ledger_head(led, &seq, h);
	hex_of(h, hex);
	snprintf(want, sizeof(want), "2,%s,0\n", hex);
	assert_int_equal(ledger_head_line(led, line, sizeof(line)), (int)strlen(want));
	assert_string_equal(line, want);
	ledger_event_base(&ev, EV_CRL_PUBLISHED);
	ev.u.crl.number = 7;
	ev.u.crl.this_update = 1000;
	ev.u.crl.next_update = 2000;
	ev.u.crl.crl.p = crl;
	ev.u.crl.crl.len = sizeof(crl);
	append(&ev);
	ledger_head(led, &seq, h);
	hex_of(h, hex);
	snprintf(want, sizeof(want), "3,%s,7\n", hex);
	assert_int_equal(ledger_head_line(led, line, sizeof(line)), (int)strlen(want));
	assert_string_equal(line, want);
	/* a line that does not fit is not cut */
	assert_int_equal(ledger_head_line(led, line, 20), -1);
}

/* The first administrator: an operator action by that operator, right after the
 * genesis; a name the ledger's rules refuse is refused with their reason. */
static void test_first_admin(void **state)
{
	static char strbuf[LEDGER_STRBUF];
	struct ledger_event ev;
	uint8_t *rec;
	size_t len;

	(void)state;
	assert_int_equal(ledger_journal_first_admin(led, "root-admin", err, sizeof(err)),
			 LEDGER_OK);
	assert_int_equal(ledger_get_record(led, 2, &rec, &len), LEDGER_OK);
	assert_int_equal(ledger_record_decode(rec, len, &ev, strbuf, sizeof(strbuf), err,
					      sizeof(err)), 0);
	free(rec);
	assert_int_equal(ev.type, EV_OPERATOR_ACTION);
	assert_int_equal(ev.actor_kind, ACTOR_OPERATOR);
	assert_string_equal(ev.actor, "root-admin");
	assert_string_equal(ev.u.op.action, "operator-init");
	assert_string_equal(ev.u.op.target, "root-admin");
	assert_int_equal(ev.u.op.allowed, 1);
	err[0] = 0;
	assert_int_not_equal(ledger_journal_first_admin(led, "", err, sizeof(err)), LEDGER_OK);
	assert_true(err[0] != 0);
}

/* What was written to the temporary file f, as a string in out (size octets);
 * f is closed. */
static void read_back(FILE *f, char *out, size_t size)
{
	size_t n = (size_t)ftell(f);

	assert_true(n < size);
	rewind(f);
	assert_int_equal(fread(out, 1, n, f), n);
	out[n] = 0;
	fclose(f);
}

/* The audit view: one line per record, as ledger_event_line prints it; a record
 * that cannot be read or decoded is named, and the rest still shown. */
static void test_show(void **state)
{
	static char strbuf[LEDGER_STRBUF];
	char out[8192], want[1024], lines[3][1024], expect[4096], *p;
	struct ledger_event ev;
	uint8_t *rec;
	size_t len;
	FILE *f;

	(void)state;
	request();
	request();
	assert_non_null(f = tmpfile());
	ledger_show(led, f);
	read_back(f, out, sizeof(out));
	p = out;
	for (uint64_t seq = 1; seq <= 3; seq++) {
		assert_int_equal(ledger_get_record(led, seq, &rec, &len), LEDGER_OK);
		assert_int_equal(ledger_record_decode(rec, len, &ev, strbuf, sizeof(strbuf), err,
						      sizeof(err)), 0);
		free(rec);
		ledger_event_line(&ev, want, sizeof(want));
		snprintf(lines[seq - 1], sizeof(lines[0]), "%s", want);
		assert_memory_equal(p, want, strlen(want));
		p += strlen(want);
		assert_int_equal(*p++, '\n');
	}
	assert_int_equal(*p, 0);
	fault.seq = 2;
	assert_non_null(f = tmpfile());
	ledger_show(led, f);
	fault.garbage = 1;
	fault.seq = 3;
	ledger_show(led, f);
	read_back(f, out, sizeof(out));
	assert_non_null(strstr(out, "\n2 (missing)\n"));
	assert_non_null(strstr(out, "\n3 (does not decode: "));
	/* the first view: the genesis, record 2 named, record 3 shown; then the
	 * second view from the genesis again */
	snprintf(expect, sizeof(expect), "%s\n2 (missing)\n%s\n%s\n", lines[0], lines[2],
		 lines[0]);
	assert_memory_equal(out, expect, strlen(expect));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchor_parse),
		cmocka_unit_test_setup_teardown(test_anchor_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unanchored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_admin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
