/* UUIDs and presentation syntax identifiers as DCE/RPC carries them.
 *
 * A UUID is kept in its NDR wire order (C706 appendix A and 14.3.12 with drep
 * little-endian): time_low (4 octets), time_mid (2) and time_hi_and_version (2)
 * little-endian, then clock_seq_hi, clock_seq_low and the 6 node octets as
 * written. Comparing and copying wire bytes then needs no conversion; only
 * rpc_uuid_parse/rpc_uuid_format deal with the text form.
 *
 * A syntax identifier (p_syntax_id_t, RPC_SYNTAX_IDENTIFIER) is a UUID and a
 * 32-bit version whose low 16 bits are the major and high 16 bits the minor
 * version. */
#ifndef RPC_UUID_H
#define RPC_UUID_H

#include <stddef.h>
#include <stdint.h>

#define RPC_UUID_STRLEN 37 /* 36 characters and the NUL */
#define RPC_SYNTAX_LEN 20  /* on the wire: 16 + 4 */

struct rpc_uuid {
	uint8_t b[16];
};

struct rpc_syntax {
	struct rpc_uuid uuid;
	uint16_t major, minor;
};

/* Well-known syntaxes. */
extern const struct rpc_syntax rpc_syntax_ndr;   /* 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0 */
extern const struct rpc_syntax rpc_syntax_ndr64; /* 71710533-beba-4937-8319-b5dbef9ccc36 v1.0 */
extern const struct rpc_syntax rpc_iface_icpr;   /* 91ae6020-9e3c-11cf-8d7c-00aa00c091be v0.0 */
extern const struct rpc_syntax rpc_iface_epm;    /* e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0 */

/* "91ae6020-9e3c-11cf-8d7c-00aa00c091be" (either case, nothing around it) into
 * wire order. 0, or -1 if the text is not exactly a UUID. */
int rpc_uuid_parse(const char *text, struct rpc_uuid *u);
/* Lower-case text form into out. */
void rpc_uuid_format(const struct rpc_uuid *u, char out[RPC_UUID_STRLEN]);
int rpc_uuid_eq(const struct rpc_uuid *a, const struct rpc_uuid *b);
int rpc_uuid_is_nil(const struct rpc_uuid *u);

/* Same UUID and same major and minor version. */
int rpc_syntax_eq(const struct rpc_syntax *a, const struct rpc_syntax *b);
/* What C706 calls a compatible interface version: same UUID, same major version,
 * and the server's minor version at least the client's. */
int rpc_iface_compatible(const struct rpc_syntax *server, const struct rpc_syntax *client);

/* The bind-time feature negotiation pseudo transfer syntax of MS-RPCE 3.3.1.5.3:
 * prefix 6cb71c2c-9812-4540, version 1.0, the 8 octets after the prefix being
 * the BindTimeFeatureNegotiationBitmask. 1 with *bits = Bitmask[0] (the only
 * octet with defined bits) when s is one, 0 otherwise. */
int rpc_syntax_is_btfn(const struct rpc_syntax *s, uint8_t *bits);

/* Wire form (20 octets) to and from a syntax. */
void rpc_syntax_read(const uint8_t p[RPC_SYNTAX_LEN], struct rpc_syntax *s);
void rpc_syntax_write(const struct rpc_syntax *s, uint8_t p[RPC_SYNTAX_LEN]);

#endif
