/* The custodian's side of the ledger (firmware/ledger/proto.h): every request, every
 * decision, every intent and certificate is appended there before it is acted on or
 * answered. Thread-safe: issuance threads call at once and their appends share
 * commits in the ledger. */
#ifndef CUSTODIAN_RECORD_H
#define CUSTODIAN_RECORD_H

#include <stdint.h>

#include "firmware/ledger/event.h"
#include "firmware/ledger/row.h"
#include "platform/ipc_call.h"

struct record {
	struct ipc_caller call;
};

int record_start(struct record *r, int fd);
void record_stop(struct record *r);

/* Appends ev (header fields and body; the ledger sets seq, time and, for a request,
 * its id, which is copied back into ev). 0, or -1 with err; *refused is set when
 * the ledger refused the event on its merits (nothing recorded), clear when the
 * ledger could not record it (storage) or could not be reached. */
int record_append(struct record *r, struct ledger_event *ev, int *refused, char *err,
		  size_t errlen);

/* The request row: 0, 1 when there is no such request, -1 with err. */
int record_get_request(struct record *r, uint32_t id, struct ledger_request_row *row,
		       char *err, size_t errlen);
/* The certificate-issued event's certificate (malloc()ed). 0 or -1. */
int record_get_cert(struct record *r, uint64_t seq, uint8_t **der, size_t *len, char *err,
		    size_t errlen);

#endif
