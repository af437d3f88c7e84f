/* A request's disposition and format, defined once for every layer that names
 * them: the ledger records them (firmware/ledger/event.h), firmware/icpr turns
 * them into what CertServerRequest answers and detects formats by parsing, the
 * custodian decides them, caadm shows them. Here, below all of those, so that
 * no library includes another's header for a copy of an enum. */
#ifndef COMMON_REQUEST_H
#define COMMON_REQUEST_H

/* MS-CSRA Disposition column values (the ones a request takes). */
enum ledger_disposition {
	DISP_PENDING = 9,
	DISP_ISSUED = 20,
	DISP_REVOKED = 21,
	DISP_FAILED = 30, /* DB_DISP_ERROR */
	DISP_DENIED = 31,
};

/* Request formats, as detected by parsing. FMT_DIGEST is a request refused
 * where its bytes entered (too large, of no known format, or a call without the
 * access it needs): the ledger then records not the request but LEDGER_DIGEST_LEN
 * bytes, u32 size (little-endian) | SHA-256 of what was sent, so that a hostile
 * client cannot grow the append-only ledger with its payload. */
enum ledger_format {
	FMT_PKCS10 = 1,
	FMT_CMS = 2,
	FMT_CMC = 3,
	FMT_DIGEST = 4,
};

#endif
