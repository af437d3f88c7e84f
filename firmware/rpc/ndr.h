/* NDR 2.0 (C706 chapter 14; little-endian, ASCII, IEEE: the only data
 * representation this server accepts) for operation stubs, and the byte writer
 * the PDU encoders share.
 *
 * Reader. Every get checks the bytes left first; errors are sticky: after the
 * first one every get returns 0/NULL and the reader keeps the first message, so
 * a decoder reads a whole structure and checks r->failed once. Alignment is
 * relative to the start of the buffer given to ndr_rd_init (the stub start, as
 * NDR requires); pad bytes are skipped, never checked (clients fill them with
 * anything: impacket writes 0xab/0xbf). Scalars align themselves; nothing is
 * aligned after the last item, so a stub may end unaligned.
 *
 * Writer. A growing buffer with a hard size limit; errors (limit, allocation)
 * are sticky and checked once with ndr_wr_ok. Pad bytes are written as zeros. */
#ifndef RPC_NDR_H
#define RPC_NDR_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/uuid.h"

#define NDR_ERR_LEN 128

/* ---- reader ---- */

struct ndr_rd {
	const uint8_t *p;
	size_t len, off;
	int failed;
	char err[NDR_ERR_LEN]; /* the first failure, e.g. "pctbRequest: 40 bytes past the stub" */
};

void ndr_rd_init(struct ndr_rd *r, const void *p, size_t len);
/* Fails the reader with a message (kept only if it is the first); returns -1. */
int ndr_rd_fail(struct ndr_rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t ndr_rd_left(const struct ndr_rd *r);
/* Skips to the next multiple of n (1, 2, 4 or 8) from the start; fails past the end. */
void ndr_rd_align(struct ndr_rd *r, size_t n);

uint8_t ndr_get_u8(struct ndr_rd *r);
uint16_t ndr_get_u16(struct ndr_rd *r); /* aligned to 2 */
uint32_t ndr_get_u32(struct ndr_rd *r); /* aligned to 4 */
uint64_t ndr_get_u64(struct ndr_rd *r); /* a hyper: aligned to 8 */
/* n raw octets (no alignment); a pointer into the buffer, or NULL. */
const uint8_t *ndr_get_bytes(struct ndr_rd *r, size_t n);
/* A GUID as a structure: aligned to 4, 16 octets. */
void ndr_get_uuid(struct ndr_rd *r, struct rpc_uuid *u);

/* The pointee of a [string] wchar_t*: max_count, offset, actual_count (UTF-16
 * code units including the terminating NUL), then the units. Checked: offset is
 * 0, 1 <= actual_count <= max_count <= max_units + 1, the units are present, the
 * last one is NUL and no other is. On success s points at the units (UTF-16LE,
 * possibly unaligned in memory) and s->units excludes the NUL. */
struct ndr_wstr {
	const uint8_t *p;
	size_t units;
};
void ndr_get_wstr(struct ndr_rd *r, size_t max_units, struct ndr_wstr *s, const char *what);

/* The pointee of a [size_is(cb)] byte*: max_count, which must equal cb, then cb
 * octets. A pointer into the buffer (NULL on failure or when cb is 0). */
const uint8_t *ndr_get_conf_bytes(struct ndr_rd *r, uint32_t cb, const char *what);

/* 0 if nothing failed and at most max_trailing octets are left unread, else -1
 * (the reader is failed with a message). */
int ndr_rd_end(struct ndr_rd *r, size_t max_trailing);

/* ---- writer ---- */

struct ndr_wr {
	uint8_t *buf;
	size_t len, cap;
	size_t max; /* the buffer never grows past this many octets */
	int failed;
};

void ndr_wr_init(struct ndr_wr *w, size_t max);
void ndr_wr_free(struct ndr_wr *w);
/* Empties the buffer (keeps the allocation) and clears a failure. */
void ndr_wr_reset(struct ndr_wr *w);
int ndr_wr_ok(const struct ndr_wr *w); /* 1 if nothing failed */

/* Appends n > 0 octets and returns where they are (to be filled in), or NULL;
 * the pointer is valid until the next append. */
uint8_t *ndr_put_space(struct ndr_wr *w, size_t n);
void ndr_put_align(struct ndr_wr *w, size_t n); /* zero octets up to a multiple of n */
void ndr_put_u8(struct ndr_wr *w, uint8_t v);
void ndr_put_u16(struct ndr_wr *w, uint16_t v); /* aligned to 2 */
void ndr_put_u32(struct ndr_wr *w, uint32_t v); /* aligned to 4 */
void ndr_put_u64(struct ndr_wr *w, uint64_t v); /* a hyper: aligned to 8 */
void ndr_put_bytes(struct ndr_wr *w, const void *p, size_t n);
void ndr_put_uuid(struct ndr_wr *w, const struct rpc_uuid *u);
/* max_count, offset 0, actual_count = units + 1, the units and a NUL unit. */
void ndr_put_wstr(struct ndr_wr *w, const uint8_t *utf16le, size_t units);
/* max_count = n, then n octets. */
void ndr_put_conf_bytes(struct ndr_wr *w, const void *p, size_t n);
/* Overwrites an already written little-endian field at offset off. */
void ndr_patch_u16(struct ndr_wr *w, size_t off, uint16_t v);
void ndr_patch_u32(struct ndr_wr *w, size_t off, uint32_t v);

#endif
