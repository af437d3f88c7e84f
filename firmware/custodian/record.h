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

/* A zeroed event of type by an actor (ACTOR_*, name), for the caller to fill. */
void record_event_init(struct ledger_event *ev, uint32_t type, uint32_t actor_kind,
		       const char *actor);
void record_stop(struct record *r);

/* What record_append and record_append_group return when the ledger had no room (its
 * disk full, or ordinary work at its reserve, ledger_reserve_mb): nothing was
 * recorded, and the caller answers HR_DISK_FULL (record_hr), not E_UNEXPECTED. */
#define RECORD_EFULL (-2)

/* Appends ev (header fields and body; the ledger sets seq, time and, for a request,
 * its id, which is copied back into ev). 0, RECORD_EFULL, or -1 with err; *refused
 * is set when the ledger refused the event on its merits (nothing recorded), clear
 * when the ledger could not record it (storage) or could not be reached. */
int record_append(struct record *r, struct ledger_event *ev, int *refused, char *err,
		  size_t errlen);

/* Appends evs together (one transaction: all or none); a request-received first
 * gets its id, and later members with request id 0 refer to it (the ledger fills
 * it in its records; the caller's copies keep 0). Returns as record_append. */
int record_append_group(struct record *r, struct ledger_event **evs, size_t n, int *refused,
			char *err, size_t errlen);

/* The HRESULT for a failed append that returned rc with *refused: if_refused when
 * the ledger refused it on its merits, HR_DISK_FULL without room, else
 * E_UNEXPECTED. */
uint32_t record_hr(int rc, int refused, uint32_t if_refused);

/* The request row: 0, 1 when there is no such request, -1 with err. */
int record_get_request(struct record *r, uint32_t id, struct ledger_request_row *row,
		       char *err, size_t errlen);
/* The certificate with that serial (1..LEDGER_SERIAL_MAX bytes): the request
 * that produced it and its certificate-issued event. 0, 1 when the ledger has
 * none, -1 with err. */
int record_cert_by_serial(struct record *r, const uint8_t *serial, size_t len,
			  struct ledger_cert_row *row, char *err, size_t errlen);
/* The certificate-issued event's certificate (malloc()ed). 0 or -1. */
int record_get_cert(struct record *r, uint64_t seq, uint8_t **der, size_t *len, char *err,
		    size_t errlen);

/* Sends a request of type built in w and waits for the reply: 0 with *m of type
 * expect (the caller frees it), 1 when the ledger answered "not found", -1 with
 * err otherwise. */
int record_call(struct record *r, uint32_t type, struct ipc_wbuf *w, uint32_t expect,
		struct ipc_msg *m, char *err, size_t errlen);

/* ---- administration's reads (record_admin.c) ---- */
/* Record seq's bytes (malloc()ed). 0, 1 (no such event) or -1. */
int record_get_record(struct record *r, uint64_t seq, uint8_t **rec, size_t *len, char *err,
		      size_t errlen);
/* The first event of type in the journal, paging through it from seq 1: 0 with
 * *seq, 1 when there is none, -1 with err. */
int record_first_of_type(struct record *r, uint32_t type, uint64_t *seq, char *err,
			 size_t errlen);
/* The ledger's head: its last seq and that record's hash. 0 or -1. */
int record_head(struct record *r, uint64_t *seq, uint8_t hash[LEDGER_HASH_LEN], char *err,
		size_t errlen);
/* The latest value of a property (malloc()ed). 0, 1 (never set) or -1. */
int record_get_prop(struct record *r, const char *name, uint8_t **value, size_t *len,
		    char *err, size_t errlen);
/* The latest CRL (want_base: base CRL). 0, 1 (none yet) or -1. */
int record_crl_latest(struct record *r, int want_base, uint64_t *number,
		      struct ledger_crl_row *row, char *err, size_t errlen);
/* Calls cb for every entry of the revoked set (released holds included), paging
 * through the ledger. 0 or -1. */
int record_revoked_all(struct record *r,
		       int (*cb)(const uint8_t *serial, size_t serial_len,
				 const struct ledger_revoked_row *row, void *arg),
		       void *arg, char *err, size_t errlen);
/* Calls cb with each decoded extension-set event of request id. 0 or -1. */
int record_extensions(struct record *r, uint32_t id,
		      int (*cb)(const struct ledger_event *ev, void *arg), void *arg, char *err,
		      size_t errlen);
/* Calls cb with the latest template-changed event of every template name
 * (LEDGER_GET_TEMPLATES: removed ones included), decoded, in the ledger's order
 * (names in ASCII lower case, ascending, each once: anything else is refused as
 * a malformed answer); cb returning non-zero stops with -1. *n is set to the
 * number of events (0: the ledger never held a template). 0 or -1 with err. */
int record_templates(struct record *r, int (*cb)(const struct ledger_event *ev, void *arg),
		     void *arg, size_t *n, char *err, size_t errlen);

#endif
