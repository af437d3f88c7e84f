/* Views (MS-CSRA OpenView / EnumView): restriction and column parsing, matching a
 * request row, rendering a column, and the query's wire form. See view.h.
 *
 * Decisions the header leaves open, taken here:
 *
 * - Restriction text may carry blanks (space, tab) around the column, the
 *   operator and the value; they are dropped. A lone '=' is refused (the operator
 *   is "=="), so that a typo never turns into a different comparison.
 * - Numbers are unsigned: decimal or 0x hex, no sign. 32-bit columns (RequestID,
 *   Disposition, StatusCode, RevokedReason, RequestFormat) take 0..UINT32_MAX,
 *   so "StatusCode==0x80094012" works as written. Numeric dispositions are not
 *   limited to the five names: MS-CSRA has more, and ranges ("Disposition>=20")
 *   are meaningful.
 * - Times take 1970-01-01 .. 9999-12-31T23:59:59Z, as a date or as unix seconds,
 *   so both spellings cover the same range. A date alone is midnight UTC.
 * - Serials: ':' separators are dropped; an odd number of hex digits is read as
 *   if a leading 0 were there ("abc" is 0a bc), as certutil does. Leading zero
 *   bytes are kept as typed: == compares the exact bytes (the ledger's indexes
 *   are keyed by them), while < <= > >= compare the values as unsigned integers
 *   (so 00 1a != 1a, yet 00 1a <= 1a and 00 1a >= 1a hold too).
 * - Text (RequesterName, DispositionMessage) compares ASCII case-insensitively,
 *   as Windows account names and AD CS's database collation do; the order of <
 *   and > is that of the case-folded bytes. Values are 1..LEDGER_NAME_MAX bytes.
 * - RevokedWhen and RevokedReason read as 0 (unset) on a row that is not revoked
 *   now, whatever an earlier hold left in the row, so that matching and
 *   view_format agree ("" when not revoked).
 * - view_match applies the restrictions only; paging (after_id, limit) is the
 *   store's, which walks the request index from after_id + 1.
 * - view_format writes text columns as stored; escaping for a terminal or a CSV
 *   file is the renderer's job.
 */
#include "firmware/ledger/view.h"
#include "firmware/ledger/anchor.h"
#include "platform/civil.h"
#include "platform/errbuf.h"
#include "platform/hex.h"

#include <stdio.h>
#include <string.h>

#define VIEW_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

/* How a column's value is parsed, compared, encoded and rendered. */
enum kind {
	K_U32 = 1, /* 32-bit number */
	K_DISP,    /* 32-bit number, or a disposition name */
	K_TIME,    /* unix seconds */
	K_TEXT,
	K_SERIAL,
};

static const struct column {
	const char *name;
	enum kind kind;
} columns[] = {
	[COL_REQUEST_ID] = {"RequestID", K_U32},
	[COL_DISPOSITION] = {"Disposition", K_DISP},
	[COL_STATUS_CODE] = {"StatusCode", K_U32},
	[COL_REQUESTER] = {"RequesterName", K_TEXT},
	[COL_SUBMITTED] = {"SubmittedWhen", K_TIME},
	[COL_RESOLVED] = {"ResolvedWhen", K_TIME},
	[COL_SERIAL] = {"SerialNumber", K_SERIAL},
	[COL_NOT_BEFORE] = {"NotBefore", K_TIME},
	[COL_NOT_AFTER] = {"NotAfter", K_TIME},
	[COL_REVOKED_WHEN] = {"RevokedWhen", K_TIME},
	[COL_REVOKED_REASON] = {"RevokedReason", K_U32},
	[COL_MESSAGE] = {"DispositionMessage", K_TEXT},
	[COL_FORMAT] = {"RequestFormat", K_U32},
};

/* Our own copy rather than ledger_disposition_name(): this module stays pure and
 * links without event.c. */
static const struct disp {
	const char *name;
	uint32_t value;
} disps[] = {
	{"pending", DISP_PENDING}, {"issued", DISP_ISSUED}, {"revoked", DISP_REVOKED},
	{"failed", DISP_FAILED},   {"denied", DISP_DENIED},
};

#define N_DISPS (sizeof disps / sizeof disps[0])

static const struct op {
	const char *text;
	uint32_t op;
} ops[] = {
	/* two-character operators first, so that "<=" is not read as "<" */
	{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT},
};

#define N_OPS (sizeof ops / sizeof ops[0])

/* ======================= names ======================= */

/* Locale-free: column and disposition names are ASCII, and strcasecmp's idea of
 * case depends on the locale. */
static int fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 1 if the n bytes at s equal the string name, ignoring ASCII case. */
static int name_eq(const char *s, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (name[i] == '\0' || fold((unsigned char)s[i]) != fold((unsigned char)name[i]))
			return 0;
	return name[n] == '\0';
}

static int column_valid(uint32_t column)
{
	return column >= COL_REQUEST_ID && column <= COL_MAX;
}

static enum kind column_kind(uint32_t column)
{
	return columns[column].kind;
}

static uint32_t column_lookup(const char *s, size_t n)
{
	uint32_t c;

	for (c = COL_REQUEST_ID; c <= COL_MAX; c++)
		if (name_eq(s, n, columns[c].name))
			return c;
	return 0;
}

uint32_t view_column_from_name(const char *name)
{
	if (name == NULL)
		return 0;
	return column_lookup(name, strlen(name));
}

/* NULL for an unknown column, like ledger_type_name(). */
const char *view_column_name(uint32_t column)
{
	return column_valid(column) ? columns[column].name : NULL;
}

static const char *disp_name(uint32_t value)
{
	size_t i;

	for (i = 0; i < N_DISPS; i++)
		if (disps[i].value == value)
			return disps[i].name;
	return NULL;
}

/* ======================= values ======================= */

static int is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* An unsigned number of n bytes (decimal or 0x hex) no larger than max. */
static int parse_number(const char *s, size_t n, uint64_t max, const char *col, uint64_t *out,
			char *err, size_t errlen)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;
	int d;

	if (n >= 2 && s[0] == '0' && fold((unsigned char)s[1]) == 'x') {
		base = 16;
		i = 2;
	}
	if (i == n || hex_value((unsigned char)s[i]) < 0 || (base == 10 && !is_digit(s[i]))) {
		err_set(err, errlen, "%s: '%.*s' is not a number", col, (int)(n > 32 ? 32 : n), s);
		return -1;
	}
	for (; i < n; i++) {
		d = hex_value((unsigned char)s[i]);
		if (d < 0 || (base == 10 && d > 9)) {
			err_set(err, errlen, "%s: junk after number: '%.*s'", col,
				(int)(n - i > 32 ? 32 : n - i), s + i);
			return -1;
		}
		/* v * base + d <= max, without overflowing on the way */
		if (v > (max - (uint64_t)d) / base) {
			err_set(err, errlen, "%s: number out of range (at most %llu)", col,
				(unsigned long long)max);
			return -1;
		}
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* Exactly n decimal digits at s. */
static int digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* YYYY-MM-DD[THH:MM:SS[Z]], UTC. Every field is range-checked (civil_valid):
 * "2026-02-30" is an error, not a day in March. */
static int parse_date(const char *s, size_t n, int64_t *out)
{
	struct civil_time c = {0};

	if (n != 10 && n != 19 && n != 20)
		return -1;
	if (digits(s, 4, &c.year) || s[4] != '-' || digits(s + 5, 2, &c.month) || s[7] != '-' ||
	    digits(s + 8, 2, &c.day))
		return -1;
	if (n >= 19 && (s[10] != 'T' || digits(s + 11, 2, &c.hour) || s[13] != ':' ||
			digits(s + 14, 2, &c.min) || s[16] != ':' || digits(s + 17, 2, &c.sec)))
		return -1;
	if (n == 20 && s[19] != 'Z')
		return -1;
	if (c.year < 1970 || !civil_valid(&c))
		return -1;
	*out = civil_to_unix(&c);
	return 0;
}

/* A date when it looks like one (a '-' after the year), unix seconds otherwise. */
static int parse_time(const char *s, size_t n, const char *col, int64_t *out, char *err,
		      size_t errlen)
{
	uint64_t v;

	if (memchr(s, '-', n) != NULL) {
		if (parse_date(s, n, out) != 0) {
			err_set(err, errlen,
				"%s: bad time '%.*s' (YYYY-MM-DD[THH:MM:SS[Z]] UTC from 1970, or "
				"unix seconds)",
				col, (int)(n > 32 ? 32 : n), s);
			return -1;
		}
		return 0;
	}
	if (parse_number(s, n, VIEW_TIME_MAX, col, &v, err, errlen) != 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int parse_disposition(const char *s, size_t n, const char *col, int64_t *out,
			     char *err, size_t errlen)
{
	uint64_t v;
	size_t i;

	if (is_digit(s[0])) {
		if (parse_number(s, n, UINT32_MAX, col, &v, err, errlen) != 0)
			return -1;
		*out = (int64_t)v;
		return 0;
	}
	for (i = 0; i < N_DISPS; i++) {
		if (name_eq(s, n, disps[i].name)) {
			*out = disps[i].value;
			return 0;
		}
	}
	err_set(err, errlen,
		"%s: unknown disposition '%.*s' (pending, issued, revoked, failed, denied or a "
		"number)",
		col, (int)(n > 32 ? 32 : n), s);
	return -1;
}

/* Hex digits with ':' anywhere; an odd count gets an implicit leading 0. */
static int parse_serial(const char *s, size_t n, const char *col, struct view_restriction *r,
			char *err, size_t errlen)
{
	uint8_t nib[2 * LEDGER_SERIAL_MAX];
	size_t i, nd = 0, skip;
	int d;

	for (i = 0; i < n; i++) {
		if (s[i] == ':')
			continue;
		d = hex_value((unsigned char)s[i]);
		if (d < 0) {
			err_set(err, errlen, "%s: '%c' is not a hex digit", col,
				s[i] >= 0x21 && s[i] < 0x7f ? s[i] : '?');
			return -1;
		}
		if (nd == sizeof nib) {
			err_set(err, errlen, "%s: serial longer than %d bytes", col,
				LEDGER_SERIAL_MAX);
			return -1;
		}
		nib[nd++] = (uint8_t)d;
	}
	if (nd == 0) {
		err_set(err, errlen, "%s: serial has no hex digits", col);
		return -1;
	}
	skip = nd % 2; /* the implicit leading 0 nibble */
	r->serial_len = (nd + skip) / 2;
	for (i = 0; i < r->serial_len; i++) {
		if (i == 0 && skip)
			r->serial[0] = nib[0];
		else
			r->serial[i] = (uint8_t)(nib[2 * i - skip] << 4 | nib[2 * i + 1 - skip]);
	}
	return 0;
}

static int parse_text(const char *s, size_t n, const char *col, struct view_restriction *r,
		      char *err, size_t errlen)
{
	if (n > LEDGER_NAME_MAX) {
		err_set(err, errlen, "%s: value longer than %d bytes", col, LEDGER_NAME_MAX);
		return -1;
	}
	memcpy(r->text, s, n);
	r->text[n] = '\0';
	return 0;
}

/* The value [s, s + n) for r->column. */
static int parse_value(const char *s, size_t n, struct view_restriction *r, char *err,
		       size_t errlen)
{
	const char *col = columns[r->column].name;
	uint64_t v;

	switch (column_kind(r->column)) {
	case K_U32:
		if (parse_number(s, n, UINT32_MAX, col, &v, err, errlen) != 0)
			return -1;
		r->num = (int64_t)v;
		return 0;
	case K_DISP:
		return parse_disposition(s, n, col, &r->num, err, errlen);
	case K_TIME:
		return parse_time(s, n, col, &r->num, err, errlen);
	case K_TEXT:
		return parse_text(s, n, col, r, err, errlen);
	case K_SERIAL:
		return parse_serial(s, n, col, r, err, errlen);
	}
	return -1;
}

/* ======================= parsing ======================= */

static const char *skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

static int is_name_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
}

/* The operator at *pp, advancing past it; 0 if there is none. */
static uint32_t parse_op(const char **pp)
{
	size_t i, len;

	for (i = 0; i < N_OPS; i++) {
		len = strlen(ops[i].text);
		if (strncmp(*pp, ops[i].text, len) == 0) {
			*pp += len;
			return ops[i].op;
		}
	}
	return 0;
}

int view_parse_restriction(const char *text, struct view_restriction *r, char *err,
			   size_t errlen)
{
	const char *p, *name, *val, *end;
	size_t n;

	memset(r, 0, sizeof *r);
	if (text == NULL) {
		err_set(err, errlen, "no restriction");
		return -1;
	}
	name = skip_blanks(text);
	for (p = name; is_name_char((unsigned char)*p); p++)
		;
	if (p == name) {
		err_set(err, errlen, "restriction '%.32s': missing column name", text);
		return -1;
	}
	n = (size_t)(p - name);
	if ((r->column = column_lookup(name, n)) == 0) {
		err_set(err, errlen, "unknown column '%.*s'", (int)(n > 32 ? 32 : n), name);
		return -1;
	}
	p = skip_blanks(p);
	if ((r->op = parse_op(&p)) == 0) {
		if (*p == '=')
			err_set(err, errlen, "%s: unknown operator '=' (equality is ==)",
				columns[r->column].name);
		else
			err_set(err, errlen, "%s: missing operator (== != < <= > >=)",
				columns[r->column].name);
		return -1;
	}
	val = skip_blanks(p);
	for (end = val + strlen(val); end > val && is_blank(end[-1]); end--)
		;
	if (end == val) {
		err_set(err, errlen, "%s: empty value", columns[r->column].name);
		return -1;
	}
	return parse_value(val, (size_t)(end - val), r, err, errlen);
}

/* 1 if column is among the first n of list. */
static int column_listed(const uint32_t *list, size_t n, uint32_t column)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == column)
			return 1;
	return 0;
}

int view_parse_columns(const char *text, struct view_query *q, char *err, size_t errlen)
{
	uint32_t list[VIEW_MAX_COLUMNS], c;
	const char *p, *s, *e;
	size_t n = 0;

	if (text == NULL || *skip_blanks(text) == '\0') {
		err_set(err, errlen, "empty column list");
		return -1;
	}
	/* Into a local list first: q is left as it was on an error. */
	for (p = text;; p++) {
		s = skip_blanks(p);
		for (p = s; *p != ',' && *p != '\0'; p++)
			;
		for (e = p; e > s && is_blank(e[-1]); e--)
			;
		if (e == s) {
			err_set(err, errlen, "empty name in column list");
			return -1;
		}
		if ((c = column_lookup(s, (size_t)(e - s))) == 0) {
			err_set(err, errlen, "unknown column '%.*s'",
				(int)(e - s > 32 ? 32 : e - s), s);
			return -1;
		}
		if (column_listed(list, n, c)) {
			err_set(err, errlen, "column %s listed twice", columns[c].name);
			return -1;
		}
		if (n == VIEW_MAX_COLUMNS) {
			err_set(err, errlen, "more than %d columns", VIEW_MAX_COLUMNS);
			return -1;
		}
		list[n++] = c;
		if (*p == '\0')
			break;
	}
	memcpy(q->columns, list, n * sizeof list[0]);
	q->n_columns = n;
	return 0;
}

/* ======================= matching ======================= */

/* The row's value of a number or time column; unset reads as 0. */
static int64_t row_num(uint32_t column, const struct ledger_request_row *row)
{
	switch (column) {
	case COL_REQUEST_ID:
		return row->request_id;
	case COL_DISPOSITION:
		return row->disposition;
	case COL_STATUS_CODE:
		return row->hresult;
	case COL_SUBMITTED:
		return row->submitted;
	case COL_RESOLVED:
		return row->resolved;
	case COL_NOT_BEFORE:
		return row->not_before;
	case COL_NOT_AFTER:
		return row->not_after;
	case COL_REVOKED_WHEN:
		return row->revoked ? row->revoked_at : 0;
	case COL_REVOKED_REASON:
		return row->revoked ? row->revoked_reason : 0;
	case COL_FORMAT:
		return row->format;
	}
	return 0;
}

/* Whether cmp (<0, 0, >0: row against value) satisfies op. */
static int op_holds(uint32_t op, int cmp)
{
	switch (op) {
	case OP_EQ:
		return cmp == 0;
	case OP_NE:
		return cmp != 0;
	case OP_LT:
		return cmp < 0;
	case OP_LE:
		return cmp <= 0;
	case OP_GT:
		return cmp > 0;
	case OP_GE:
		return cmp >= 0;
	}
	return 0;
}

static int cmp_num(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

/* ASCII case-insensitive, bounded by the row's buffer in case it lacks a NUL. */
static int cmp_text(const char *a, size_t asz, const char *b)
{
	size_t i;
	int ca, cb;

	for (i = 0;; i++) {
		ca = i < asz ? fold((unsigned char)a[i]) : 0;
		cb = fold((unsigned char)b[i]);
		if (ca != cb || ca == 0)
			return (ca > cb) - (ca < cb);
	}
}

/* Serials as unsigned big-endian integers: leading zero bytes do not count. */
static int cmp_serial_value(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	while (alen > 0 && a[0] == 0) {
		a++;
		alen--;
	}
	while (blen > 0 && b[0] == 0) {
		b++;
		blen--;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return alen == 0 ? 0 : memcmp(a, b, alen);
}

/* == and != are about the exact bytes, the order about the values (view.h). */
static int serial_holds(const struct view_restriction *r, const struct ledger_request_row *row)
{
	int same, cmp;

	if (row->serial_len == 0 || row->serial_len > LEDGER_SERIAL_MAX ||
	    r->serial_len == 0 || r->serial_len > LEDGER_SERIAL_MAX)
		return 0;
	same = row->serial_len == r->serial_len &&
	       memcmp(row->serial, r->serial, r->serial_len) == 0;
	if (r->op == OP_EQ)
		return same;
	if (r->op == OP_NE)
		return !same;
	cmp = cmp_serial_value(row->serial, row->serial_len, r->serial, r->serial_len);
	return op_holds(r->op, cmp);
}

static int restriction_holds(const struct view_restriction *r,
			     const struct ledger_request_row *row)
{
	/* A query built by hand with a bad column or op matches nothing. */
	if (!column_valid(r->column))
		return 0;
	switch (column_kind(r->column)) {
	case K_SERIAL:
		return serial_holds(r, row);
	case K_TEXT:
		if (memchr(r->text, '\0', sizeof r->text) == NULL)
			return 0;
		if (r->column == COL_REQUESTER)
			return op_holds(r->op, cmp_text(row->requester, sizeof row->requester,
							r->text));
		return op_holds(r->op, cmp_text(row->message, sizeof row->message, r->text));
	default:
		return op_holds(r->op, cmp_num(row_num(r->column, row), r->num));
	}
}

int view_match(const struct view_query *q, const struct ledger_request_row *row)
{
	size_t i;

	if (q->n_r > VIEW_MAX_RESTRICTIONS)
		return 0;
	for (i = 0; i < q->n_r; i++)
		if (!restriction_holds(&q->r[i], row))
			return 0;
	return 1;
}

/* ======================= formatting ======================= */

/* ledger_time_text (anchor.h), or nothing for 0 (no time recorded). */
static void format_time(int64_t t, char *out, size_t outlen)
{
	if (t == 0) {
		out[0] = '\0';
		return;
	}
	ledger_time_text(t, out, outlen);
}

static void format_serial(const struct ledger_request_row *row, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	char buf[2 * LEDGER_SERIAL_MAX + 1];
	size_t i, n = row->serial_len;

	if (n > LEDGER_SERIAL_MAX)
		n = 0;
	for (i = 0; i < n; i++) {
		buf[2 * i] = hex[row->serial[i] >> 4];
		buf[2 * i + 1] = hex[row->serial[i] & 0xf];
	}
	buf[2 * n] = '\0';
	snprintf(out, outlen, "%s", buf);
}

static void format_disposition(uint32_t d, char *out, size_t outlen)
{
	const char *name = disp_name(d);

	if (name != NULL)
		snprintf(out, outlen, "%s", name);
	else
		snprintf(out, outlen, "%u", d);
}

void view_format(uint32_t column, const struct ledger_request_row *row, char *out,
		 size_t outlen)
{
	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	switch (column) {
	case COL_REQUEST_ID:
	case COL_FORMAT:
		snprintf(out, outlen, "%lld", (long long)row_num(column, row));
		break;
	case COL_REVOKED_REASON:
		if (row->revoked)
			snprintf(out, outlen, "%u", row->revoked_reason);
		break;
	case COL_DISPOSITION:
		format_disposition(row->disposition, out, outlen);
		break;
	case COL_STATUS_CODE:
		snprintf(out, outlen, "0x%08x", row->hresult);
		break;
	case COL_REQUESTER:
		snprintf(out, outlen, "%.*s", (int)strnlen(row->requester, sizeof row->requester),
			 row->requester);
		break;
	case COL_MESSAGE:
		snprintf(out, outlen, "%.*s", (int)strnlen(row->message, sizeof row->message),
			 row->message);
		break;
	case COL_SUBMITTED:
	case COL_RESOLVED:
	case COL_NOT_BEFORE:
	case COL_NOT_AFTER:
	case COL_REVOKED_WHEN:
		format_time(row_num(column, row), out, outlen);
		break;
	case COL_SERIAL:
		format_serial(row, out, outlen);
		break;
	}
}

/* ======================= wire ======================= */

/*
 * u32 n_r | n_r x (u32 column | u32 op | value) | u32 n_columns |
 * n_columns x u32 column | u32 after_id | u32 limit
 *
 * where the value is by the column's kind: u64 for numbers and times, str for
 * text (1..LEDGER_NAME_MAX), bytes for a serial (1..LEDGER_SERIAL_MAX).
 */

/* The largest number a column of kind k can hold (the parser's bound). */
static uint64_t kind_max(enum kind k)
{
	return k == K_TIME ? (uint64_t)VIEW_TIME_MAX : UINT32_MAX;
}

static void restriction_encode(const struct view_restriction *r, struct ipc_wbuf *w)
{
	size_t len;

	/* Never read past r's arrays, whatever the caller put in it; a bad field
	 * fails the buffer rather than sending something the ledger must refuse. */
	if (!column_valid(r->column)) {
		w->failed = 1;
		return;
	}
	ipc_put_u32(w, r->column);
	ipc_put_u32(w, r->op);
	switch (column_kind(r->column)) {
	case K_TEXT:
		len = strnlen(r->text, sizeof r->text);
		if (len == sizeof r->text)
			w->failed = 1;
		else
			ipc_put_bytes(w, r->text, len);
		break;
	case K_SERIAL:
		if (r->serial_len > LEDGER_SERIAL_MAX)
			w->failed = 1;
		else
			ipc_put_bytes(w, r->serial, r->serial_len);
		break;
	default:
		ipc_put_u64(w, (uint64_t)r->num);
		break;
	}
}

void view_query_encode(const struct view_query *q, struct ipc_wbuf *w)
{
	size_t i;

	if (q->n_r > VIEW_MAX_RESTRICTIONS || q->n_columns > VIEW_MAX_COLUMNS) {
		w->failed = 1;
		return;
	}
	ipc_put_u32(w, (uint32_t)q->n_r);
	for (i = 0; i < q->n_r; i++)
		restriction_encode(&q->r[i], w);
	ipc_put_u32(w, (uint32_t)q->n_columns);
	for (i = 0; i < q->n_columns; i++)
		ipc_put_u32(w, q->columns[i]);
	ipc_put_u32(w, q->after_id);
	ipc_put_u32(w, q->limit);
}

static int restriction_value_decode(struct ipc_rbuf *rb, struct view_restriction *r)
{
	const uint8_t *p;
	uint64_t v;
	enum kind k = column_kind(r->column);

	switch (k) {
	case K_TEXT:
		/* ipc_get_str refuses a NUL inside and anything over NAME_MAX */
		ipc_get_str(rb, r->text, sizeof r->text);
		return rb->failed || r->text[0] == '\0' ? -1 : 0;
	case K_SERIAL:
		ipc_get_bytes(rb, &p, &r->serial_len, LEDGER_SERIAL_MAX);
		if (rb->failed || r->serial_len == 0)
			return -1;
		memcpy(r->serial, p, r->serial_len);
		return 0;
	default:
		v = ipc_get_u64(rb);
		if (rb->failed || v > kind_max(k))
			return -1;
		r->num = (int64_t)v;
		return 0;
	}
}

static int restriction_decode(struct ipc_rbuf *rb, struct view_restriction *r)
{
	r->column = ipc_get_u32(rb);
	r->op = ipc_get_u32(rb);
	if (rb->failed || !column_valid(r->column) || r->op < OP_EQ || r->op > OP_GE)
		return -1;
	return restriction_value_decode(rb, r);
}

static int columns_decode(struct ipc_rbuf *rb, struct view_query *q)
{
	uint32_t n, c;
	size_t i;

	n = ipc_get_u32(rb);
	if (rb->failed || n > VIEW_MAX_COLUMNS)
		return -1;
	for (i = 0; i < n; i++) {
		c = ipc_get_u32(rb);
		/* duplicates too: the parser never produces them */
		if (rb->failed || !column_valid(c) || column_listed(q->columns, i, c))
			return -1;
		q->columns[i] = c;
	}
	q->n_columns = n;
	return 0;
}

int view_query_decode(struct ipc_rbuf *rb, struct view_query *q)
{
	uint32_t n;
	size_t i;

	memset(q, 0, sizeof *q);
	n = ipc_get_u32(rb);
	if (rb->failed || n > VIEW_MAX_RESTRICTIONS)
		goto bad;
	for (i = 0; i < n; i++)
		if (restriction_decode(rb, &q->r[i]) != 0)
			goto bad;
	q->n_r = n;
	if (columns_decode(rb, q) != 0)
		goto bad;
	q->after_id = ipc_get_u32(rb);
	q->limit = ipc_get_u32(rb);
	if (rb->failed || q->limit < 1 || q->limit > VIEW_PAGE_MAX)
		goto bad;
	return 0;
bad:
	/* Fail the buffer too, so that a caller that only checks ipc_rbuf_done
	 * cannot miss it. */
	rb->failed = 1;
	return -1;
}
