/* Test support for the rpc tests: builds DCE/RPC PDUs byte by byte (without
 * firmware/rpc, so that inputs do not come from the code under test) and splits
 * a server's output back into PDUs. Allocation failures abort. */
#ifndef TESTS_RPC_BUILD_H
#define TESTS_RPC_BUILD_H

#include <stddef.h>
#include <stdint.h>

struct tbuf {
	uint8_t *p;
	size_t len, cap;
};

void tb_free(struct tbuf *b);
void tb_put(struct tbuf *b, const void *p, size_t n);
void tb_u8(struct tbuf *b, uint8_t v);
void tb_u16(struct tbuf *b, uint16_t v);
void tb_u32(struct tbuf *b, uint32_t v);
/* fill octets until (len - start) is a multiple of n */
void tb_pad(struct tbuf *b, size_t start, size_t n, uint8_t fill);
uint16_t rb_le16(const uint8_t *p);
uint32_t rb_le32(const uint8_t *p);

/* 20 wire octets for "uuid" vmaj.min (independent of rpc_uuid_parse). */
void rb_syntax(uint8_t out[20], const char *uuid, uint16_t maj, uint16_t min);
extern uint8_t rb_icpr[20], rb_epm[20], rb_ndr[20], rb_ndr64[20], rb_unknown[20];
/* feature negotiation syntax with Bitmask[0] = bits */
void rb_btfn(uint8_t out[20], uint8_t bits);
void rb_init_syntaxes(void);

struct rb_auth {
	uint8_t type, level, pad;
	uint32_t ctx_id;
	const uint8_t *token;
	size_t len;
};

struct rb_ctx {
	uint16_t id;
	const uint8_t *abstract;  /* 20 octets */
	const uint8_t *transfers; /* n_transfer * 20 octets */
	unsigned n_transfer;
};

/* bind (11) or alter_context (14). */
void rb_bind(struct tbuf *b, uint8_t ptype, uint32_t call_id, uint16_t max_xmit,
	     uint16_t max_recv, uint32_t assoc, const struct rb_ctx *ctx, unsigned n,
	     const struct rb_auth *auth);
/* A request; obj (16 octets) may be NULL; auth may be NULL (its pad is added to
 * the stub as 0xbb octets, as impacket does). */
void rb_request(struct tbuf *b, uint32_t call_id, uint8_t flags, uint16_t ctx, uint16_t opnum,
		const uint8_t *obj, const uint8_t *stub, size_t n, const struct rb_auth *auth);
void rb_auth3(struct tbuf *b, uint32_t call_id, const struct rb_auth *auth);
/* Just a header: co_cancel, orphaned, or any type a client should not send. */
void rb_header_only(struct tbuf *b, uint8_t ptype, uint8_t flags, uint32_t call_id);

/* Splits a stream of whole PDUs: up to max of them into pdus/lens; returns how
 * many (aborts on a partial one). */
size_t rb_split(const uint8_t *p, size_t len, const uint8_t **pdus, size_t *lens, size_t max);

#endif
