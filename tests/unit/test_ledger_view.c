/* Unit tests of firmware/ledger/view: restriction and column parsing, matching
 * rows built here, formatting, and the query's wire form (round trip, every
 * bound refused, truncation at every length). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/ledger/view.h"

#define T_NOV1 1793491200LL   /* 2026-11-01T00:00:00Z */
#define T_JAN27 1798761600LL  /* 2027-01-01T00:00:00Z */
#define T_MAX 253402300799LL  /* 9999-12-31T23:59:59Z */

/* ======================= helpers ======================= */

static struct view_restriction parse_ok(const char *text)
{
	struct view_restriction r;
	char err[256] = "";

	if (view_parse_restriction(text, &r, err, sizeof err) != 0)
		fail_msg("'%s' refused: %s", text, err);
	return r;
}

/* Refused, with a message that holds want. */
static void parse_bad(const char *text, const char *want)
{
	struct view_restriction r;
	char err[256] = "";

	if (view_parse_restriction(text, &r, err, sizeof err) != -1)
		fail_msg("'%s' accepted", text);
	assert_true(err[0] != '\0');
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", text, err, want);
}

static int64_t num_of(const char *text)
{
	return parse_ok(text).num;
}

static int match1(const char *text, const struct ledger_request_row *row)
{
	struct view_query q;

	memset(&q, 0, sizeof q);
	q.r[0] = parse_ok(text);
	q.n_r = 1;
	return view_match(&q, row);
}

static void set_serial(struct ledger_request_row *row, const char *hex)
{
	size_t i, n = strlen(hex) / 2;

	for (i = 0; i < n; i++) {
		unsigned v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		row->serial[i] = (uint8_t)v;
	}
	row->serial_len = n;
}

/* The rows of the matching tests:
 *   1 pending  alice  submitted T_NOV1 - 1       no serial
 *   2 issued   bob    submitted T_NOV1           serial 1a2b, not_after T_JAN27
 *   3 revoked  ALICE  submitted T_NOV1 + 1       serial 010000, reason 1 at T_JAN27
 *   4 issued   carol  submitted T_NOV1 + 100     serial 00ff, unrevoked after a hold */
static struct ledger_request_row rows[4];

static void rows_build(void)
{
	memset(rows, 0, sizeof rows);

	rows[0].request_id = 1;
	rows[0].disposition = DISP_PENDING;
	rows[0].hresult = 0x80094012u; /* a CERTSRV_E_* code */
	rows[0].format = FMT_PKCS10;
	rows[0].submitted = T_NOV1 - 1;
	strcpy(rows[0].requester, "EXAMPLE\\alice");
	strcpy(rows[0].message, "Taken Under Submission");

	rows[1].request_id = 2;
	rows[1].disposition = DISP_ISSUED;
	rows[1].format = FMT_CMC;
	rows[1].submitted = T_NOV1;
	rows[1].resolved = T_NOV1 + 5;
	strcpy(rows[1].requester, "EXAMPLE\\bob");
	strcpy(rows[1].message, "Issued");
	set_serial(&rows[1], "1a2b");
	rows[1].not_before = T_NOV1;
	rows[1].not_after = T_JAN27;

	rows[2].request_id = 3;
	rows[2].disposition = DISP_REVOKED;
	rows[2].format = FMT_PKCS10;
	rows[2].submitted = T_NOV1 + 1;
	rows[2].resolved = T_NOV1 + 2;
	strcpy(rows[2].requester, "example\\ALICE");
	strcpy(rows[2].message, "Issued");
	set_serial(&rows[2], "010000");
	rows[2].not_before = T_NOV1;
	rows[2].not_after = T_JAN27 + 3600;
	rows[2].revoked = 1;
	rows[2].revoked_reason = 1;
	rows[2].revoked_at = T_JAN27;

	rows[3].request_id = 4;
	rows[3].disposition = DISP_ISSUED;
	rows[3].format = FMT_CMS;
	rows[3].submitted = T_NOV1 + 100;
	rows[3].resolved = T_NOV1 + 100;
	strcpy(rows[3].requester, "EXAMPLE\\carol");
	set_serial(&rows[3], "00ff");
	rows[3].not_before = T_NOV1;
	rows[3].not_after = T_JAN27;
	/* a certificateHold released: the row keeps what the hold wrote */
	rows[3].revoked = 0;
	rows[3].revoked_reason = 6;
	rows[3].revoked_at = T_NOV1 + 200;
}

/* Bit i set when rows[i] satisfies the single restriction text. */
static unsigned which(const char *text)
{
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < 4; i++)
		if (match1(text, &rows[i]))
			bits |= 1u << i;
	return bits;
}

#define R1 1u
#define R2 2u
#define R3 4u
#define R4 8u

/* ======================= names ======================= */

static void test_column_names(void **state)
{
	uint32_t c;

	(void)state;
	for (c = COL_REQUEST_ID; c <= COL_MAX; c++) {
		const char *name = view_column_name(c);

		assert_non_null(name);
		assert_int_equal(view_column_from_name(name), c);
	}
	assert_int_equal(view_column_from_name("requestid"), COL_REQUEST_ID);
	assert_int_equal(view_column_from_name("SERIALNUMBER"), COL_SERIAL);
	assert_int_equal(view_column_from_name("dispositionmessage"), COL_MESSAGE);
	assert_string_equal(view_column_name(COL_NOT_AFTER), "NotAfter");
	assert_int_equal(view_column_from_name("RequestIDs"), 0);
	assert_int_equal(view_column_from_name("Request"), 0);
	assert_int_equal(view_column_from_name(""), 0);
	assert_int_equal(view_column_from_name(NULL), 0);
	assert_null(view_column_name(0));
	assert_null(view_column_name(COL_MAX + 1));
	assert_null(view_column_name(UINT32_MAX));
}

/* ======================= parsing ======================= */

static void test_parse_operators(void **state)
{
	static const struct {
		const char *text;
		uint32_t op;
	} t[] = {
		{"RequestID==7", OP_EQ}, {"RequestID!=7", OP_NE}, {"RequestID<7", OP_LT},
		{"RequestID<=7", OP_LE}, {"RequestID>7", OP_GT},  {"RequestID>=7", OP_GE},
		{" RequestID >= 7 ", OP_GE}, {"\tRequestID\t<\t7\t", OP_LT},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct view_restriction r = parse_ok(t[i].text);

		assert_int_equal(r.column, COL_REQUEST_ID);
		assert_int_equal(r.op, t[i].op);
		assert_int_equal(r.num, 7);
	}
}

static void test_parse_numbers(void **state)
{
	struct view_restriction r;

	(void)state;
	assert_int_equal(num_of("RequestID>=100"), 100);
	assert_int_equal(num_of("requestid==0x10"), 16);
	assert_int_equal(num_of("RequestID==0X1f"), 31);
	assert_int_equal(num_of("RequestID==007"), 7);
	assert_int_equal(num_of("RequestID==0"), 0);
	assert_int_equal(num_of("RequestID==4294967295"), 4294967295LL);
	assert_int_equal(num_of("RequestID==0xffffffff"), 4294967295LL);
	r = parse_ok("StatusCode==0x80094012");
	assert_int_equal(r.column, COL_STATUS_CODE);
	assert_int_equal(r.num, 0x80094012LL);
	r = parse_ok("RevokedReason==1");
	assert_int_equal(r.column, COL_REVOKED_REASON);
	assert_int_equal(r.num, 1);
	r = parse_ok("RequestFormat!=3");
	assert_int_equal(r.column, COL_FORMAT);
	assert_int_equal(r.num, 3);

	parse_bad("RequestID==4294967296", "range");
	parse_bad("RequestID==0x100000000", "range");
	parse_bad("RequestID==99999999999999999999999", "range");
	parse_bad("RequestID==0xffffffffffffffffffff", "range");
	parse_bad("RequestID==12x", "junk");
	parse_bad("RequestID==12 3", "junk");
	parse_bad("RequestID==0x1g", "junk");
	parse_bad("RequestID==1.5", "junk");
	parse_bad("RequestID==-1", "not a number");
	parse_bad("RequestID==+1", "not a number");
	parse_bad("RequestID==0x", "not a number");
	parse_bad("RequestID==abc", "not a number");
	parse_bad("StatusCode==x1", "not a number");
}

static void test_parse_dispositions(void **state)
{
	static const struct {
		const char *text;
		int64_t value;
	} t[] = {
		{"Disposition==pending", 9}, {"Disposition==issued", 20},
		{"Disposition==revoked", 21}, {"Disposition==failed", 30},
		{"Disposition==denied", 31}, {"disposition==ISSUED", 20},
		{"Disposition==20", 20},     {"Disposition>=0x14", 20},
		{"Disposition==8", 8},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct view_restriction r = parse_ok(t[i].text);

		assert_int_equal(r.column, COL_DISPOSITION);
		assert_int_equal(r.num, t[i].value);
	}
	parse_bad("Disposition==issue", "unknown disposition");
	parse_bad("Disposition==issuedx", "unknown disposition");
	parse_bad("Disposition==20x", "junk");
	parse_bad("Disposition==4294967296", "range");
}

static void test_parse_times(void **state)
{
	struct view_restriction r;

	(void)state;
	r = parse_ok("SubmittedWhen>=2026-11-01T00:00:00Z");
	assert_int_equal(r.column, COL_SUBMITTED);
	assert_int_equal(r.op, OP_GE);
	assert_int_equal(r.num, T_NOV1);
	assert_int_equal(num_of("SubmittedWhen>=2026-11-01T00:00:00"), T_NOV1);
	assert_int_equal(num_of("SubmittedWhen>=2026-11-01"), T_NOV1);
	assert_int_equal(num_of("NotAfter<2027-01-01"), T_JAN27);
	assert_int_equal(num_of("NotBefore==2000-02-29T12:34:56Z"), 951827696);
	assert_int_equal(num_of("ResolvedWhen==2024-02-29"), 1709164800);
	assert_int_equal(num_of("RevokedWhen>1970-01-01T00:00:01Z"), 1);
	assert_int_equal(num_of("RevokedWhen<=9999-12-31T23:59:59Z"), T_MAX);
	assert_int_equal(num_of("SubmittedWhen>=1793491200"), T_NOV1);
	assert_int_equal(num_of("SubmittedWhen>=0x6ae6e600"), 0x6ae6e600);
	assert_int_equal(num_of("SubmittedWhen==0"), 0);
	assert_int_equal(num_of("SubmittedWhen<253402300799"), T_MAX);

	parse_bad("SubmittedWhen<253402300800", "range");
	parse_bad("SubmittedWhen<1969-12-31", "bad time");
	parse_bad("SubmittedWhen<2023-02-29", "bad time");
	parse_bad("SubmittedWhen<2100-02-29", "bad time");
	parse_bad("SubmittedWhen<2026-04-31", "bad time");
	parse_bad("SubmittedWhen<2026-13-01", "bad time");
	parse_bad("SubmittedWhen<2026-00-01", "bad time");
	parse_bad("SubmittedWhen<2026-01-00", "bad time");
	parse_bad("SubmittedWhen<2026-01-32", "bad time");
	parse_bad("SubmittedWhen<2026-01-01T24:00:00Z", "bad time");
	parse_bad("SubmittedWhen<2026-01-01T23:60:00Z", "bad time");
	parse_bad("SubmittedWhen<2026-01-01T23:59:60Z", "bad time");
	parse_bad("SubmittedWhen<2026-1-01", "bad time");
	parse_bad("SubmittedWhen<2026-01-01T00:00", "bad time");
	parse_bad("SubmittedWhen<2026-01-01 00:00:00", "bad time");
	parse_bad("SubmittedWhen<2026-01-01T00:00:00ZZ", "bad time");
	parse_bad("SubmittedWhen<2026-01-01T00:00:00z", "bad time");
	parse_bad("SubmittedWhen<2026-01-01T00:00:00+", "bad time");
	parse_bad("SubmittedWhen<2026-01-01T00:00:00+01", "bad time");
	parse_bad("SubmittedWhen<2026-01-01x", "bad time");
	parse_bad("SubmittedWhen<-5", "bad time");
	parse_bad("SubmittedWhen<17000x", "junk");
	parse_bad("NotAfter<tomorrow", "not a number");
}

static void test_parse_serials(void **state)
{
	static const uint8_t s3[] = {0x1a, 0x2b, 0x3c};
	static const uint8_t odd[] = {0x0a, 0xbc};
	static const uint8_t lead[] = {0x00, 0xff};
	struct view_restriction r;
	char buf[64];

	(void)state;
	r = parse_ok("SerialNumber==1a:2B:3c");
	assert_int_equal(r.column, COL_SERIAL);
	assert_int_equal(r.serial_len, 3);
	assert_memory_equal(r.serial, s3, 3);
	r = parse_ok("serialnumber>1A2B3C");
	assert_int_equal(r.serial_len, 3);
	assert_memory_equal(r.serial, s3, 3);
	r = parse_ok("SerialNumber==abc");
	assert_int_equal(r.serial_len, 2);
	assert_memory_equal(r.serial, odd, 2);
	r = parse_ok("SerialNumber==00FF");
	assert_int_equal(r.serial_len, 2);
	assert_memory_equal(r.serial, lead, 2);
	r = parse_ok("SerialNumber==5");
	assert_int_equal(r.serial_len, 1);
	assert_int_equal(r.serial[0], 5);

	/* 20 bytes fit, 21 (or 20 and a half) do not */
	strcpy(buf, "SerialNumber==");
	memset(buf + 14, 'f', 40);
	buf[54] = '\0';
	r = parse_ok(buf);
	assert_int_equal(r.serial_len, 20);
	assert_int_equal(r.serial[19], 0xff);
	buf[54] = 'f';
	buf[55] = '\0';
	parse_bad(buf, "longer than 20");
	buf[55] = 'f';
	buf[56] = '\0';
	parse_bad(buf, "longer than 20");

	parse_bad("SerialNumber==1a2g", "hex digit");
	parse_bad("SerialNumber==0x1a", "hex digit");
	parse_bad("SerialNumber==1a 2b", "hex digit");
	parse_bad("SerialNumber==:", "no hex digits");
	parse_bad("SerialNumber==::", "no hex digits");
}

static void test_parse_text(void **state)
{
	struct view_restriction r;
	char buf[LEDGER_NAME_MAX + 64];

	(void)state;
	r = parse_ok("RequesterName==EXAMPLE\\alice");
	assert_int_equal(r.column, COL_REQUESTER);
	assert_string_equal(r.text, "EXAMPLE\\alice");
	r = parse_ok("DispositionMessage != Taken Under Submission ");
	assert_int_equal(r.column, COL_MESSAGE);
	assert_int_equal(r.op, OP_NE);
	assert_string_equal(r.text, "Taken Under Submission");
	/* an operator inside the value is part of the value */
	r = parse_ok("RequesterName==a==b");
	assert_string_equal(r.text, "a==b");

	strcpy(buf, "RequesterName==");
	memset(buf + 15, 'x', LEDGER_NAME_MAX);
	buf[15 + LEDGER_NAME_MAX] = '\0';
	r = parse_ok(buf);
	assert_int_equal(strlen(r.text), LEDGER_NAME_MAX);
	buf[15 + LEDGER_NAME_MAX] = 'x';
	buf[16 + LEDGER_NAME_MAX] = '\0';
	parse_bad(buf, "longer than");
}

static void test_parse_errors(void **state)
{
	struct view_restriction r;
	char tiny[4];

	(void)state;
	parse_bad("", "missing column");
	parse_bad("   ", "missing column");
	parse_bad("==5", "missing column");
	parse_bad("Foo==5", "unknown column 'Foo'");
	parse_bad("RequestIDx==5", "unknown column 'RequestIDx'");
	parse_bad("Request ID==5", "unknown column 'Request'");
	parse_bad("RequestID", "missing operator");
	parse_bad("RequestID 5", "missing operator");
	parse_bad("RequestID=5", "'='");
	parse_bad("RequestID=>5", "'='");
	parse_bad("RequestID<>5", "not a number");
	parse_bad("RequestID==", "empty value");
	parse_bad("RequestID==   ", "empty value");
	parse_bad("RequesterName==", "empty value");
	parse_bad("SerialNumber==", "empty value");
	parse_bad("NotAfter<", "empty value");
	parse_bad("Disposition!=", "empty value");

	/* no message buffer, or a tiny one: still -1, nothing written past it */
	assert_int_equal(view_parse_restriction("Foo==1", &r, NULL, 0), -1);
	assert_int_equal(view_parse_restriction(NULL, &r, NULL, 0), -1);
	memset(tiny, 'z', sizeof tiny);
	assert_int_equal(view_parse_restriction("Foo==1", &r, tiny, 1), -1);
	assert_int_equal(tiny[0], '\0');
	assert_int_equal(tiny[1], 'z');
	assert_int_equal(view_parse_restriction("Foo==1", &r, tiny, sizeof tiny), -1);
	assert_int_equal(tiny[3], '\0');
}

static void test_parse_columns(void **state)
{
	struct view_query q;
	char err[256], all[512] = "";
	uint32_t c;

	(void)state;
	memset(&q, 0, sizeof q);
	assert_int_equal(view_parse_columns("RequestID,SerialNumber", &q, err, sizeof err), 0);
	assert_int_equal(q.n_columns, 2);
	assert_int_equal(q.columns[0], COL_REQUEST_ID);
	assert_int_equal(q.columns[1], COL_SERIAL);
	assert_int_equal(view_parse_columns(" notafter ,\tREQUESTERNAME , Disposition", &q, err,
					    sizeof err),
			 0);
	assert_int_equal(q.n_columns, 3);
	assert_int_equal(q.columns[0], COL_NOT_AFTER);
	assert_int_equal(q.columns[1], COL_REQUESTER);
	assert_int_equal(q.columns[2], COL_DISPOSITION);

	for (c = COL_MAX; c >= COL_REQUEST_ID; c--) {
		strcat(all, view_column_name(c));
		if (c > COL_REQUEST_ID)
			strcat(all, ",");
	}
	assert_int_equal(view_parse_columns(all, &q, err, sizeof err), 0);
	assert_int_equal(q.n_columns, VIEW_MAX_COLUMNS);
	assert_int_equal(q.columns[0], COL_MAX);
	assert_int_equal(q.columns[VIEW_MAX_COLUMNS - 1], COL_REQUEST_ID);

	/* errors leave q as it was */
	assert_int_equal(view_parse_columns("RequestID", &q, err, sizeof err), 0);
	strcat(all, ",RequestID");
	assert_int_equal(view_parse_columns(all, &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(view_parse_columns("RequestID,requestid", &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(view_parse_columns("RequestID,Bogus", &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "unknown column 'Bogus'"));
	assert_int_equal(view_parse_columns("", &q, err, sizeof err), -1);
	assert_int_equal(view_parse_columns("  ", &q, err, sizeof err), -1);
	assert_int_equal(view_parse_columns(NULL, &q, err, sizeof err), -1);
	assert_int_equal(view_parse_columns("RequestID,,NotAfter", &q, err, sizeof err), -1);
	assert_non_null(strstr(err, "empty name"));
	assert_int_equal(view_parse_columns("RequestID,", &q, err, sizeof err), -1);
	assert_int_equal(view_parse_columns(",RequestID", &q, err, sizeof err), -1);
	assert_int_equal(view_parse_columns("Request ID", &q, NULL, 0), -1);
	assert_int_equal(q.n_columns, 1);
	assert_int_equal(q.columns[0], COL_REQUEST_ID);
}

/* ======================= matching ======================= */

static void test_match_basic(void **state)
{
	struct view_query q;
	size_t i;

	(void)state;
	rows_build();
	memset(&q, 0, sizeof q);
	for (i = 0; i < 4; i++)
		assert_int_equal(view_match(&q, &rows[i]), 1); /* no restriction */

	assert_int_equal(which("Disposition==pending"), R1);
	assert_int_equal(which("Disposition==issued"), R2 | R4);
	assert_int_equal(which("Disposition==revoked"), R3);
	assert_int_equal(which("Disposition!=issued"), R1 | R3);
	assert_int_equal(which("Disposition>=20"), R2 | R3 | R4);
	assert_int_equal(which("Disposition==denied"), 0);
	assert_int_equal(which("RequestID>2"), R3 | R4);
	assert_int_equal(which("RequestID<=2"), R1 | R2);
	assert_int_equal(which("RequestID==0x3"), R3);
	assert_int_equal(which("RequestID!=3"), R1 | R2 | R4);
	assert_int_equal(which("RequestID<1"), 0);
	assert_int_equal(which("StatusCode==0x80094012"), R1);
	assert_int_equal(which("StatusCode==0"), R2 | R3 | R4);
	assert_int_equal(which("RequestFormat==1"), R1 | R3);

	/* text: case-insensitive, ordered by the folded bytes */
	assert_int_equal(which("RequesterName==EXAMPLE\\alice"), R1 | R3);
	assert_int_equal(which("RequesterName==example\\Alice"), R1 | R3);
	assert_int_equal(which("RequesterName!=EXAMPLE\\alice"), R2 | R4);
	assert_int_equal(which("RequesterName==EXAMPLE\\ali"), 0);
	assert_int_equal(which("RequesterName<EXAMPLE\\b"), R1 | R3);
	assert_int_equal(which("RequesterName>=example\\BOB"), R2 | R4);
	assert_int_equal(which("RequesterName>EXAMPLE\\bob"), R4);
	assert_int_equal(which("DispositionMessage==issued"), R2 | R3);
	assert_int_equal(which("DispositionMessage!=Issued"), R1 | R4);
}

static void test_match_serials(void **state)
{
	(void)state;
	rows_build();
	/* rows: 2 = 1a2b, 3 = 010000, 4 = 00ff (255), 1 has none */
	assert_int_equal(which("SerialNumber==1a2b"), R2);
	assert_int_equal(which("SerialNumber==1A:2B"), R2);
	assert_int_equal(which("SerialNumber==001a2b"), 0); /* == is exact bytes */
	assert_int_equal(which("SerialNumber!=1a2b"), R3 | R4);
	assert_int_equal(which("SerialNumber==00ff"), R4);
	assert_int_equal(which("SerialNumber==ff"), 0);
	assert_int_equal(which("SerialNumber!=ff"), R2 | R3 | R4);
	/* ordering as unsigned integers: a shorter serial is smaller, a leading 00
	 * does not count */
	assert_int_equal(which("SerialNumber>1a2b"), R3);
	assert_int_equal(which("SerialNumber>=1a2b"), R2 | R3);
	assert_int_equal(which("SerialNumber<1a2b"), R4);
	assert_int_equal(which("SerialNumber<=1a2b"), R2 | R4);
	assert_int_equal(which("SerialNumber<ffff"), R2 | R4);
	assert_int_equal(which("SerialNumber>ffff"), R3);
	assert_int_equal(which("SerialNumber>=ff"), R2 | R3 | R4);
	assert_int_equal(which("SerialNumber<=ff"), R4);
	assert_int_equal(which("SerialNumber<ff"), 0);
	assert_int_equal(which("SerialNumber>ff"), R2 | R3);
	assert_int_equal(which("SerialNumber<=0000000000ff"), R4);
	assert_int_equal(which("SerialNumber<0100"), R4);
	assert_int_equal(which("SerialNumber>00"), R2 | R3 | R4);
	assert_int_equal(which("SerialNumber>=0"), R2 | R3 | R4);
	/* the pending row has no serial: no serial restriction holds, not even != */
	assert_int_equal(which("SerialNumber!=00") & R1, 0);
}

static void test_match_times(void **state)
{
	char buf[64];

	(void)state;
	rows_build();
	/* submitted: 1 at T-1, 2 at T, 3 at T+1, 4 at T+100 */
	assert_int_equal(which("SubmittedWhen>=2026-11-01T00:00:00Z"), R2 | R3 | R4);
	assert_int_equal(which("SubmittedWhen>2026-11-01T00:00:00Z"), R3 | R4);
	assert_int_equal(which("SubmittedWhen<=2026-11-01T00:00:00Z"), R1 | R2);
	assert_int_equal(which("SubmittedWhen<2026-11-01"), R1);
	assert_int_equal(which("SubmittedWhen==2026-11-01"), R2);
	assert_int_equal(which("SubmittedWhen!=2026-11-01"), R1 | R3 | R4);
	assert_int_equal(which("SubmittedWhen==2026-10-31T23:59:59Z"), R1);
	assert_int_equal(which("SubmittedWhen>=2026-11-01T00:00:01"), R3 | R4);
	snprintf(buf, sizeof buf, "SubmittedWhen<=%lld", T_NOV1 + 1);
	assert_int_equal(which(buf), R1 | R2 | R3);

	/* unset times are 0: the pending row has no NotAfter */
	assert_int_equal(which("NotAfter==0"), R1);
	assert_int_equal(which("NotAfter<2027-01-01"), R1);
	assert_int_equal(which("NotAfter<=2027-01-01"), R1 | R2 | R4);
	assert_int_equal(which("NotAfter>2027-01-01"), R3);
	assert_int_equal(which("NotBefore>0"), R2 | R3 | R4);
	assert_int_equal(which("ResolvedWhen==0"), R1);

	/* RevokedWhen / RevokedReason count only while revoked (row 4's hold was
	 * released) */
	assert_int_equal(which("RevokedWhen>0"), R3);
	assert_int_equal(which("RevokedWhen==2027-01-01"), R3);
	assert_int_equal(which("RevokedWhen==0"), R1 | R2 | R4);
	assert_int_equal(which("RevokedReason==1"), R3);
	assert_int_equal(which("RevokedReason==6"), 0);
	assert_int_equal(which("RevokedReason==0"), R1 | R2 | R4);
}

static void test_match_and(void **state)
{
	struct view_query q;
	unsigned bits;
	size_t i;

	(void)state;
	rows_build();
	memset(&q, 0, sizeof q);
	q.r[0] = parse_ok("RequesterName==example\\alice");
	q.r[1] = parse_ok("Disposition>=issued");
	q.n_r = 2;
	for (bits = 0, i = 0; i < 4; i++)
		bits |= (unsigned)view_match(&q, &rows[i]) << i;
	assert_int_equal(bits, R3);

	q.r[2] = parse_ok("SubmittedWhen<2026-11-01");
	q.n_r = 3;
	for (bits = 0, i = 0; i < 4; i++)
		bits |= (unsigned)view_match(&q, &rows[i]) << i;
	assert_int_equal(bits, 0);

	/* the full 16, all true for row 3 */
	for (i = 0; i < VIEW_MAX_RESTRICTIONS; i++)
		q.r[i] = parse_ok(i % 2 ? "RequestID==3" : "SerialNumber>=1");
	q.n_r = VIEW_MAX_RESTRICTIONS;
	assert_int_equal(view_match(&q, &rows[2]), 1);
	assert_int_equal(view_match(&q, &rows[1]), 0);

	/* a query built by hand with nonsense in it matches nothing */
	q.n_r = VIEW_MAX_RESTRICTIONS + 1;
	assert_int_equal(view_match(&q, &rows[2]), 0);
	q.n_r = 1;
	q.r[0] = parse_ok("RequestID==3");
	q.r[0].op = 0;
	assert_int_equal(view_match(&q, &rows[2]), 0);
	q.r[0].op = OP_GE + 1;
	assert_int_equal(view_match(&q, &rows[2]), 0);
	q.r[0].op = OP_EQ;
	q.r[0].column = COL_MAX + 1;
	assert_int_equal(view_match(&q, &rows[2]), 0);
	q.r[0] = parse_ok("SerialNumber>=1");
	q.r[0].serial_len = LEDGER_SERIAL_MAX + 1;
	assert_int_equal(view_match(&q, &rows[2]), 0);
}

/* ======================= formatting ======================= */

static const char *fmt(uint32_t column, const struct ledger_request_row *row)
{
	static char out[2048];

	memset(out, 'z', sizeof out);
	view_format(column, row, out, sizeof out);
	return out;
}

static void test_format(void **state)
{
	struct ledger_request_row row;
	char small[5];

	(void)state;
	rows_build();
	assert_string_equal(fmt(COL_REQUEST_ID, &rows[2]), "3");
	assert_string_equal(fmt(COL_DISPOSITION, &rows[0]), "pending");
	assert_string_equal(fmt(COL_DISPOSITION, &rows[1]), "issued");
	assert_string_equal(fmt(COL_DISPOSITION, &rows[2]), "revoked");
	assert_string_equal(fmt(COL_STATUS_CODE, &rows[0]), "0x80094012");
	assert_string_equal(fmt(COL_STATUS_CODE, &rows[1]), "0x00000000");
	assert_string_equal(fmt(COL_REQUESTER, &rows[0]), "EXAMPLE\\alice");
	assert_string_equal(fmt(COL_SUBMITTED, &rows[1]), "2026-11-01T00:00:00Z");
	assert_string_equal(fmt(COL_SUBMITTED, &rows[0]), "2026-10-31T23:59:59Z");
	assert_string_equal(fmt(COL_RESOLVED, &rows[0]), "");
	assert_string_equal(fmt(COL_RESOLVED, &rows[1]), "2026-11-01T00:00:05Z");
	assert_string_equal(fmt(COL_SERIAL, &rows[0]), "");
	assert_string_equal(fmt(COL_SERIAL, &rows[1]), "1a2b");
	assert_string_equal(fmt(COL_SERIAL, &rows[2]), "010000");
	assert_string_equal(fmt(COL_SERIAL, &rows[3]), "00ff");
	assert_string_equal(fmt(COL_NOT_BEFORE, &rows[0]), "");
	assert_string_equal(fmt(COL_NOT_AFTER, &rows[1]), "2027-01-01T00:00:00Z");
	assert_string_equal(fmt(COL_NOT_AFTER, &rows[2]), "2027-01-01T01:00:00Z");
	assert_string_equal(fmt(COL_REVOKED_WHEN, &rows[2]), "2027-01-01T00:00:00Z");
	assert_string_equal(fmt(COL_REVOKED_WHEN, &rows[3]), ""); /* hold released */
	assert_string_equal(fmt(COL_REVOKED_REASON, &rows[2]), "1");
	assert_string_equal(fmt(COL_REVOKED_REASON, &rows[3]), "");
	assert_string_equal(fmt(COL_REVOKED_REASON, &rows[1]), "");
	assert_string_equal(fmt(COL_MESSAGE, &rows[0]), "Taken Under Submission");
	assert_string_equal(fmt(COL_MESSAGE, &rows[3]), "");
	assert_string_equal(fmt(COL_FORMAT, &rows[1]), "3");
	assert_string_equal(fmt(0, &rows[1]), "");
	assert_string_equal(fmt(COL_MAX + 1, &rows[1]), "");

	row = rows[2];
	row.revoked_reason = 0; /* unspecified: revoked, so a number */
	assert_string_equal(fmt(COL_REVOKED_REASON, &row), "0");
	row.disposition = 8; /* not one of ours: the number */
	assert_string_equal(fmt(COL_DISPOSITION, &row), "8");
	row.submitted = T_MAX;
	assert_string_equal(fmt(COL_SUBMITTED, &row), "9999-12-31T23:59:59Z");
	row.submitted = 1;
	assert_string_equal(fmt(COL_SUBMITTED, &row), "1970-01-01T00:00:01Z");
	set_serial(&row, "ABCDEF0123456789abcdef0123456789ABCDEF01");
	assert_string_equal(fmt(COL_SERIAL, &row), "abcdef0123456789abcdef0123456789abcdef01");
	row.serial_len = LEDGER_SERIAL_MAX + 1; /* hand-built nonsense: nothing */
	assert_string_equal(fmt(COL_SERIAL, &row), "");
	/* a requester without its NUL stops at the end of its buffer */
	memset(row.requester, 'r', sizeof row.requester);
	assert_int_equal(strlen(fmt(COL_REQUESTER, &row)), sizeof row.requester);

	/* cut to the buffer, always terminated; outlen 0 writes nothing */
	memset(small, 'z', sizeof small);
	view_format(COL_SUBMITTED, &rows[1], small, sizeof small);
	assert_string_equal(small, "2026");
	memset(small, 'z', sizeof small);
	view_format(COL_SERIAL, &rows[2], small, sizeof small);
	assert_string_equal(small, "0100");
	memset(small, 'z', sizeof small);
	view_format(COL_SERIAL, &rows[2], small, 0);
	assert_int_equal(small[0], 'z');
	view_format(COL_SERIAL, &rows[2], NULL, 0);
}

/* ======================= wire ======================= */

/* A query with a restriction of every column and a few columns. */
static void query_build(struct view_query *q)
{
	static const char *const texts[] = {
		"RequestID>=100",
		"Disposition==issued",
		"StatusCode!=0x80094012",
		"RequesterName==EXAMPLE\\alice",
		"SubmittedWhen>=2026-11-01T00:00:00Z",
		"ResolvedWhen<9999-12-31T23:59:59Z",
		"SerialNumber>=00:1a:2b",
		"NotBefore>0",
		"NotAfter<2027-01-01",
		"RevokedWhen==0",
		"RevokedReason<=0xffffffff",
		"DispositionMessage!=Taken Under Submission",
		"RequestFormat==1",
	};
	char err[256];
	size_t i;

	memset(q, 0, sizeof *q);
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++)
		assert_int_equal(view_parse_restriction(texts[i], &q->r[i], err, sizeof err), 0);
	q->n_r = i;
	assert_int_equal(view_parse_columns("SerialNumber,RequestID,NotAfter", q, err,
					    sizeof err),
			 0);
	q->after_id = 4242;
	q->limit = 500;
}

static void assert_query_equal(const struct view_query *a, const struct view_query *b)
{
	size_t i;

	assert_int_equal(a->n_r, b->n_r);
	for (i = 0; i < a->n_r; i++) {
		assert_int_equal(a->r[i].column, b->r[i].column);
		assert_int_equal(a->r[i].op, b->r[i].op);
		assert_int_equal(a->r[i].num, b->r[i].num);
		assert_string_equal(a->r[i].text, b->r[i].text);
		assert_int_equal(a->r[i].serial_len, b->r[i].serial_len);
		assert_memory_equal(a->r[i].serial, b->r[i].serial, a->r[i].serial_len);
	}
	assert_int_equal(a->n_columns, b->n_columns);
	assert_memory_equal(a->columns, b->columns, a->n_columns * sizeof a->columns[0]);
	assert_int_equal(a->after_id, b->after_id);
	assert_int_equal(a->limit, b->limit);
}

static int decode(const void *p, size_t len, struct view_query *q)
{
	struct ipc_rbuf rb;

	ipc_rbuf_init_mem(&rb, p, len);
	if (view_query_decode(&rb, q) != 0)
		return -1;
	return ipc_rbuf_done(&rb);
}

static void test_wire_round_trip(void **state)
{
	struct view_query q, back;
	struct ipc_wbuf w;
	struct ipc_rbuf rb;
	uint8_t *longer;
	size_t len;

	(void)state;
	query_build(&q);
	ipc_wbuf_init(&w);
	view_query_encode(&q, &w);
	assert_int_equal(w.failed, 0);
	assert_int_equal(decode(w.data, w.len, &back), 0);
	assert_query_equal(&q, &back);

	/* every shorter prefix is refused by decode itself */
	for (len = 0; len < w.len; len++) {
		ipc_rbuf_init_mem(&rb, w.data, len);
		if (view_query_decode(&rb, &back) != -1)
			fail_msg("prefix of %zu of %zu bytes accepted", len, w.len);
	}
	/* one byte more: decode is fine, the caller's ipc_rbuf_done is not */
	longer = malloc(w.len + 1);
	assert_non_null(longer);
	memcpy(longer, w.data, w.len);
	longer[w.len] = 0;
	ipc_rbuf_init_mem(&rb, longer, w.len + 1);
	assert_int_equal(view_query_decode(&rb, &back), 0);
	assert_int_equal(ipc_rbuf_done(&rb), -1);
	free(longer);
	ipc_wbuf_free(&w);

	/* the smallest query: nothing restricted, all columns, one row */
	memset(&q, 0, sizeof q);
	q.limit = 1;
	ipc_wbuf_init(&w);
	view_query_encode(&q, &w);
	assert_int_equal(w.failed, 0);
	assert_int_equal(w.len, 16);
	assert_int_equal(decode(w.data, w.len, &back), 0);
	assert_query_equal(&q, &back);
	ipc_wbuf_free(&w);

	/* the largest counts and bounds */
	query_build(&q);
	for (len = q.n_r; len < VIEW_MAX_RESTRICTIONS; len++)
		q.r[len] = q.r[len % 13];
	q.n_r = VIEW_MAX_RESTRICTIONS;
	assert_int_equal(view_parse_columns("RequestID,Disposition,StatusCode,RequesterName,"
					    "SubmittedWhen,ResolvedWhen,SerialNumber,NotBefore,"
					    "NotAfter,RevokedWhen,RevokedReason,"
					    "DispositionMessage,RequestFormat",
					    &q, NULL, 0),
			 0);
	q.after_id = UINT32_MAX;
	q.limit = VIEW_PAGE_MAX;
	ipc_wbuf_init(&w);
	view_query_encode(&q, &w);
	assert_int_equal(w.failed, 0);
	assert_int_equal(decode(w.data, w.len, &back), 0);
	assert_query_equal(&q, &back);
	ipc_wbuf_free(&w);
}

static void test_wire_encode_refuses(void **state)
{
	struct view_query q;
	struct ipc_wbuf w;

	(void)state;
	query_build(&q);
	q.n_r = VIEW_MAX_RESTRICTIONS + 1;
	ipc_wbuf_init(&w);
	view_query_encode(&q, &w);
	assert_int_equal(w.failed, 1);
	ipc_wbuf_free(&w);

	query_build(&q);
	q.n_columns = VIEW_MAX_COLUMNS + 1;
	ipc_wbuf_init(&w);
	view_query_encode(&q, &w);
	assert_int_equal(w.failed, 1);
	ipc_wbuf_free(&w);

	query_build(&q);
	q.r[0].column = 0;
	ipc_wbuf_init(&w);
	view_query_encode(&q, &w);
	assert_int_equal(w.failed, 1);
	ipc_wbuf_free(&w);

	query_build(&q);
	memset(q.r[3].text, 'x', sizeof q.r[3].text); /* no NUL */
	ipc_wbuf_init(&w);
	view_query_encode(&q, &w);
	assert_int_equal(w.failed, 1);
	ipc_wbuf_free(&w);

	query_build(&q);
	q.r[6].serial_len = LEDGER_SERIAL_MAX + 1;
	ipc_wbuf_init(&w);
	view_query_encode(&q, &w);
	assert_int_equal(w.failed, 1);
	ipc_wbuf_free(&w);
}

/* Hand-written encodings: one restriction (column, op, then value put by kind),
 * a column list, after_id and limit. */
struct enc {
	uint32_t n_r;
	uint32_t column, op;
	int value_kind; /* 0 none, 1 u64, 2 bytes */
	uint64_t num;
	const void *bytes;
	size_t bytes_len;
	uint32_t n_columns;
	uint32_t columns[VIEW_MAX_COLUMNS + 2];
	uint32_t limit;
};

static int decode_enc(const struct enc *e)
{
	struct view_query q;
	struct ipc_wbuf w;
	uint32_t i;
	int rc;

	ipc_wbuf_init(&w);
	ipc_put_u32(&w, e->n_r);
	if (e->n_r > 0) {
		ipc_put_u32(&w, e->column);
		ipc_put_u32(&w, e->op);
		if (e->value_kind == 1)
			ipc_put_u64(&w, e->num);
		else if (e->value_kind == 2)
			ipc_put_bytes(&w, e->bytes, e->bytes_len);
	}
	ipc_put_u32(&w, e->n_columns);
	for (i = 0; i < e->n_columns && i < VIEW_MAX_COLUMNS + 2; i++)
		ipc_put_u32(&w, e->columns[i]);
	ipc_put_u32(&w, 0);
	ipc_put_u32(&w, e->limit);
	assert_int_equal(w.failed, 0);
	rc = decode(w.data, w.len, &q);
	ipc_wbuf_free(&w);
	return rc;
}

static struct enc enc_num(uint32_t column, uint64_t num)
{
	struct enc e;

	memset(&e, 0, sizeof e);
	e.n_r = 1;
	e.column = column;
	e.op = OP_EQ;
	e.value_kind = 1;
	e.num = num;
	e.limit = 10;
	return e;
}

static struct enc enc_bytes(uint32_t column, const void *p, size_t len)
{
	struct enc e = enc_num(column, 0);

	e.value_kind = 2;
	e.bytes = p;
	e.bytes_len = len;
	return e;
}

static void test_wire_decode_refuses(void **state)
{
	static const uint8_t serial[LEDGER_SERIAL_MAX + 1] = {1};
	char text[LEDGER_NAME_MAX + 2];
	struct enc e;
	uint32_t i;

	(void)state;
	memset(text, 'a', sizeof text);

	/* the baseline of each kind is accepted */
	assert_int_equal(decode_enc(&(struct enc){.limit = 1}), 0);
	assert_int_equal(decode_enc(&(struct enc){.limit = VIEW_PAGE_MAX}), 0);
	e = enc_num(COL_REQUEST_ID, UINT32_MAX);
	assert_int_equal(decode_enc(&e), 0);
	e = enc_num(COL_SUBMITTED, T_MAX);
	assert_int_equal(decode_enc(&e), 0);
	e = enc_bytes(COL_REQUESTER, text, LEDGER_NAME_MAX);
	assert_int_equal(decode_enc(&e), 0);
	e = enc_bytes(COL_SERIAL, serial, LEDGER_SERIAL_MAX);
	assert_int_equal(decode_enc(&e), 0);
	e = enc_num(COL_REQUEST_ID, 1);
	e.op = OP_GE;
	assert_int_equal(decode_enc(&e), 0);

	/* limit */
	assert_int_equal(decode_enc(&(struct enc){.limit = 0}), -1);
	assert_int_equal(decode_enc(&(struct enc){.limit = VIEW_PAGE_MAX + 1}), -1);
	assert_int_equal(decode_enc(&(struct enc){.limit = UINT32_MAX}), -1);

	/* column and op */
	e = enc_num(0, 1);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_num(COL_MAX + 1, 1);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_num(UINT32_MAX, 1);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_num(COL_REQUEST_ID, 1);
	e.op = 0;
	assert_int_equal(decode_enc(&e), -1);
	e.op = OP_GE + 1;
	assert_int_equal(decode_enc(&e), -1);

	/* values out of their kind's range */
	e = enc_num(COL_REQUEST_ID, (uint64_t)UINT32_MAX + 1);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_num(COL_DISPOSITION, UINT64_MAX);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_num(COL_NOT_AFTER, T_MAX + 1);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_num(COL_NOT_AFTER, UINT64_MAX); /* would be -1 as an int64 */
	assert_int_equal(decode_enc(&e), -1);
	e = enc_bytes(COL_REQUESTER, text, LEDGER_NAME_MAX + 1);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_bytes(COL_MESSAGE, text, 0);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_bytes(COL_MESSAGE, "ab\0c", 4);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_bytes(COL_SERIAL, serial, 0);
	assert_int_equal(decode_enc(&e), -1);
	e = enc_bytes(COL_SERIAL, serial, LEDGER_SERIAL_MAX + 1);
	assert_int_equal(decode_enc(&e), -1);

	/* counts */
	e = enc_num(COL_REQUEST_ID, 1);
	e.n_r = VIEW_MAX_RESTRICTIONS + 1;
	assert_int_equal(decode_enc(&e), -1);
	e.n_r = UINT32_MAX;
	assert_int_equal(decode_enc(&e), -1);

	/* the column list */
	memset(&e, 0, sizeof e);
	e.limit = 1;
	for (i = 0; i < VIEW_MAX_COLUMNS; i++)
		e.columns[i] = COL_MAX - i;
	e.n_columns = VIEW_MAX_COLUMNS;
	assert_int_equal(decode_enc(&e), 0);
	e.columns[VIEW_MAX_COLUMNS] = COL_REQUEST_ID;
	e.n_columns = VIEW_MAX_COLUMNS + 1;
	assert_int_equal(decode_enc(&e), -1);
	e.n_columns = 2;
	e.columns[1] = 0;
	assert_int_equal(decode_enc(&e), -1);
	e.columns[1] = COL_MAX + 1;
	assert_int_equal(decode_enc(&e), -1);
	e.columns[1] = e.columns[0];
	assert_int_equal(decode_enc(&e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_column_names),
		cmocka_unit_test(test_parse_operators),
		cmocka_unit_test(test_parse_numbers),
		cmocka_unit_test(test_parse_dispositions),
		cmocka_unit_test(test_parse_times),
		cmocka_unit_test(test_parse_serials),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_columns),
		cmocka_unit_test(test_match_basic),
		cmocka_unit_test(test_match_serials),
		cmocka_unit_test(test_match_times),
		cmocka_unit_test(test_match_and),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_wire_encode_refuses),
		cmocka_unit_test(test_wire_decode_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
