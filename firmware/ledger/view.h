/* Views in the MS-CSRA sense (OpenView / EnumView): restrictions on columns, the
 * columns wanted, and paging, over request rows (row.h).
 *
 * Restriction text: COLUMN OP VALUE with OP one of == != < <= > >= (no spaces
 * needed: "Disposition==20", "RequestID>=100", "RequesterName==EXAMPLE\alice",
 * "SubmittedWhen>=2026-11-01T00:00:00Z", "NotAfter<2027-01-01", "SerialNumber==
 * 1a2b..."). Values: numbers in decimal (or 0x hex), dispositions also by name
 * (pending, issued, revoked, failed, denied), times as YYYY-MM-DD[THH:MM:SS[Z]]
 * (UTC) or unix seconds, serials in hex (case and ':' ignored). Every restriction
 * must hold (AND), as in MS-CSRA.
 *
 * This module is pure (no database): the ledger's store walks the request index
 * and asks view_match for each row; view_format renders the chosen columns. */
#ifndef LEDGER_VIEW_H
#define LEDGER_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/ledger/row.h"

enum view_column {
	COL_REQUEST_ID = 1,    /* "RequestID" */
	COL_DISPOSITION,       /* "Disposition" (number; formatted as its name) */
	COL_STATUS_CODE,       /* "StatusCode" (hresult, formatted 0x%08x) */
	COL_REQUESTER,         /* "RequesterName" */
	COL_SUBMITTED,         /* "SubmittedWhen" */
	COL_RESOLVED,          /* "ResolvedWhen" */
	COL_SERIAL,            /* "SerialNumber" (lower-case hex) */
	COL_NOT_BEFORE,        /* "NotBefore" */
	COL_NOT_AFTER,         /* "NotAfter" (the expiry) */
	COL_REVOKED_WHEN,      /* "RevokedWhen" */
	COL_REVOKED_REASON,    /* "RevokedReason" */
	COL_MESSAGE,           /* "DispositionMessage" */
	COL_FORMAT,            /* "RequestFormat" */
	COL_MAX = COL_FORMAT,
};

enum view_op { OP_EQ = 1, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

#define VIEW_MAX_RESTRICTIONS 16
#define VIEW_MAX_COLUMNS COL_MAX
#define VIEW_PAGE_MAX 10000

struct view_restriction {
	uint32_t column; /* enum view_column */
	uint32_t op;     /* enum view_op */
	/* the value, parsed for the column's kind */
	int64_t num;     /* ids, dispositions, codes, times, reasons, formats */
	char text[LEDGER_NAME_MAX + 1];    /* requester, message */
	uint8_t serial[LEDGER_SERIAL_MAX]; /* serial */
	size_t serial_len;
};

struct view_query {
	struct view_restriction r[VIEW_MAX_RESTRICTIONS];
	size_t n_r;
	uint32_t columns[VIEW_MAX_COLUMNS]; /* in output order; n_columns 0: all */
	size_t n_columns;
	uint32_t after_id; /* paging: rows with RequestID > after_id */
	uint32_t limit;    /* 1..VIEW_PAGE_MAX rows per page */
};

/* "RequestID" -> COL_REQUEST_ID (case-insensitive); 0 if unknown. */
uint32_t view_column_from_name(const char *name);
const char *view_column_name(uint32_t column);

/* Parses one restriction text into r. 0, or -1 with a message naming the problem. */
int view_parse_restriction(const char *text, struct view_restriction *r, char *err,
			   size_t errlen);
/* Parses a comma-separated column list ("RequestID,SerialNumber"). */
int view_parse_columns(const char *text, struct view_query *q, char *err, size_t errlen);

/* 1 if row satisfies every restriction of q. Serial restrictions compare the
 * serial's bytes (equal length and bytes for ==; byte order as unsigned integers
 * for < and >); a row without a serial never matches a serial restriction.
 * Time and number columns that are 0 (unset) do match ==0 and compare as 0. */
int view_match(const struct view_query *q, const struct ledger_request_row *row);

/* One column's value as text (times as YYYY-MM-DDTHH:MM:SSZ, "" when unset). */
void view_format(uint32_t column, const struct ledger_request_row *row, char *out,
		 size_t outlen);

/* The query on the wire (custodian/caadm -> ledger) and back; decoding checks
 * every bound (column and op values, counts, limit). */
void view_query_encode(const struct view_query *q, struct ipc_wbuf *w);
int view_query_decode(struct ipc_rbuf *r, struct view_query *q);

#endif
