/* UUIDs and syntax identifiers (uuid.h). */
#include "firmware/rpc/uuid.h"
#include "platform/hex.h"

#include <stdio.h>
#include <string.h>

/* The wire bytes below are the text forms in the comments put through
 * rpc_uuid_parse; test_rpc_pdu checks that they agree. */
const struct rpc_syntax rpc_syntax_ndr = {
	.uuid = { { 0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b,
		    0x10, 0x48, 0x60 } },
	.major = 2,
	.minor = 0,
};

const struct rpc_syntax rpc_syntax_ndr64 = {
	.uuid = { { 0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49, 0x83, 0x19, 0xb5, 0xdb, 0xef,
		    0x9c, 0xcc, 0x36 } },
	.major = 1,
	.minor = 0,
};

const struct rpc_syntax rpc_iface_icpr = {
	.uuid = { { 0x20, 0x60, 0xae, 0x91, 0x3c, 0x9e, 0xcf, 0x11, 0x8d, 0x7c, 0x00, 0xaa, 0x00,
		    0xc0, 0x91, 0xbe } },
	.major = 0,
	.minor = 0,
};

const struct rpc_syntax rpc_iface_epm = {
	.uuid = { { 0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b,
		    0x14, 0xa0, 0xfa } },
	.major = 3,
	.minor = 0,
};

/* 6cb71c2c-9812-4540 in wire order. */
static const uint8_t btfn_prefix[8] = { 0x2c, 0x1c, 0xb7, 0x6c, 0x12, 0x98, 0x40, 0x45 };

int rpc_uuid_parse(const char *text, struct rpc_uuid *u)
{
	/* Text octet i goes to wire position order[i]: the first three fields are
	 * little-endian on the wire, the last two are not. */
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	size_t pos = 0;

	if (text == NULL || strlen(text) != 36)
		return -1;
	for (size_t i = 0; i < 16; i++) {
		int hi, lo;

		if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
			if (text[pos] != '-')
				return -1;
			pos++;
		}
		hi = hex_value(text[pos]);
		lo = hex_value(text[pos + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		u->b[order[i]] = (uint8_t)(hi << 4 | lo);
		pos += 2;
	}
	return 0;
}

void rpc_uuid_format(const struct rpc_uuid *u, char out[RPC_UUID_STRLEN])
{
	const uint8_t *b = u->b;

	snprintf(out, RPC_UUID_STRLEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[3], b[2],
		 b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
		 b[15]);
}

int rpc_uuid_eq(const struct rpc_uuid *a, const struct rpc_uuid *b)
{
	return memcmp(a->b, b->b, sizeof a->b) == 0;
}

int rpc_uuid_is_nil(const struct rpc_uuid *u)
{
	static const struct rpc_uuid nil;

	return rpc_uuid_eq(u, &nil);
}

int rpc_syntax_eq(const struct rpc_syntax *a, const struct rpc_syntax *b)
{
	return rpc_uuid_eq(&a->uuid, &b->uuid) && a->major == b->major && a->minor == b->minor;
}

int rpc_iface_compatible(const struct rpc_syntax *server, const struct rpc_syntax *client)
{
	return rpc_uuid_eq(&server->uuid, &client->uuid) && server->major == client->major &&
	       server->minor >= client->minor;
}

int rpc_syntax_is_btfn(const struct rpc_syntax *s, uint8_t *bits)
{
	if (memcmp(s->uuid.b, btfn_prefix, sizeof btfn_prefix) != 0 || s->major != 1 ||
	    s->minor != 0)
		return 0;
	if (bits != NULL)
		*bits = s->uuid.b[8];
	return 1;
}

void rpc_syntax_read(const uint8_t p[RPC_SYNTAX_LEN], struct rpc_syntax *s)
{
	memcpy(s->uuid.b, p, 16);
	s->major = (uint16_t)(p[16] | p[17] << 8);
	s->minor = (uint16_t)(p[18] | p[19] << 8);
}

void rpc_syntax_write(const struct rpc_syntax *s, uint8_t p[RPC_SYNTAX_LEN])
{
	memcpy(p, s->uuid.b, 16);
	p[16] = (uint8_t)s->major;
	p[17] = (uint8_t)(s->major >> 8);
	p[18] = (uint8_t)s->minor;
	p[19] = (uint8_t)(s->minor >> 8);
}
