/* Index rows: what the ledger derives from the journal and keeps, per request and
 * per certificate, in the index databases (index.c), and what views return. A row
 * is encoded with platform's payload codec, fields in the order below.
 *
 * A request row is the MS-CSRA Request table row joined with the Certificate
 * table row of the certificate it produced (one certificate per request here). */
#ifndef LEDGER_ROW_H
#define LEDGER_ROW_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/ledger/event.h"
#include "platform/ipc.h"

#define LEDGER_ROW_MESSAGE_MAX 1024 /* disposition messages are cut to this in rows */

struct ledger_request_row {
	uint32_t request_id;
	uint32_t disposition;  /* enum ledger_disposition */
	uint32_t hresult;      /* last status code */
	uint32_t format;       /* enum ledger_format */
	int64_t submitted;     /* time of the request-received event */
	int64_t resolved;      /* time it was issued, denied or failed; 0 while pending */
	uint64_t seq_received; /* its request-received event */
	uint64_t seq_last;     /* the last event that changed the row */
	char requester[LEDGER_NAME_MAX + 1];
	char message[LEDGER_ROW_MESSAGE_MAX + 1];
	uint8_t serial[LEDGER_SERIAL_MAX]; /* set once issued (serial_len > 0) */
	size_t serial_len;
	int64_t not_before, not_after;     /* of the certificate, once issued */
	uint64_t seq_cert;                 /* its certificate-issued event */
	uint32_t revoked;                  /* 1 while revoked (or on hold) */
	uint32_t revoked_reason;
	int64_t revoked_at;
};

void ledger_request_row_encode(const struct ledger_request_row *row, struct ipc_wbuf *w);
int ledger_request_row_decode(const uint8_t *p, size_t len, struct ledger_request_row *row);

/* Certificate by serial: the request that produced it and its event. */
struct ledger_cert_row {
	uint32_t request_id;
	uint64_t seq_issued;
};
/* Revoked set, by serial. */
struct ledger_revoked_row {
	uint32_t reason;
	int64_t revoked_at;
	int64_t invalidity;
	uint64_t seq; /* the revocation event */
};
/* CRL numbers. */
struct ledger_crl_row {
	uint32_t is_delta;
	uint64_t base_number;
	int64_t this_update, next_update;
	uint64_t seq;
};

void ledger_cert_row_encode(const struct ledger_cert_row *row, struct ipc_wbuf *w);
int ledger_cert_row_decode(const uint8_t *p, size_t len, struct ledger_cert_row *row);
void ledger_revoked_row_encode(const struct ledger_revoked_row *row, struct ipc_wbuf *w);
int ledger_revoked_row_decode(const uint8_t *p, size_t len, struct ledger_revoked_row *row);
/* The same row read from r where it is followed by more (REVOKED_ROWS' entries);
 * r's failed flag says if it did not fit. */
void ledger_revoked_row_get(struct ipc_rbuf *r, struct ledger_revoked_row *row);
void ledger_crl_row_encode(const struct ledger_crl_row *row, struct ipc_wbuf *w);
int ledger_crl_row_decode(const uint8_t *p, size_t len, struct ledger_crl_row *row);

#endif
