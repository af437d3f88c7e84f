/* Small helpers shared inside firmware/rpc (not part of its interface). */
#ifndef RPC_INT_H
#define RPC_INT_H

#include <stddef.h>
#include <stdint.h>

/* Refusals: err_set formats the message into err (when not NULL), returns -1. */
#include "platform/errbuf.h"

static inline uint16_t rpc_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t rpc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
