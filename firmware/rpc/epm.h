/* The endpoint mapper's ept_map (opnum 3 of e1af8308-5d1f-11c9-91a4-08002b14a0fa
 * v3.0, C706 appendix O/L, MS-RPCE 2.2.1.2.5): stub decoding, tower parsing and
 * building, reply encoding. The only method served: clients ask for one tower
 * for the ICPR interface over ncacn_ip_tcp and read the port in its floor 4.
 *
 *	void ept_map([in] handle_t h, [in, ptr] UUID *obj, [in, ptr] twr_p_t map_tower,
 *		[in, out] ept_lookup_handle_t *entry_handle,
 *		[in, range(0,500)] unsigned long max_towers,
 *		[out] unsigned long *num_towers,
 *		[out, ptr, size_is(max_towers), length_is(*num_towers)] twr_p_t *ITowers,
 *		[out] error_status *status);
 *	typedef struct { unsigned long tower_length;
 *		[size_is(tower_length)] byte tower_octet_string[]; } twr_t;
 *
 * A tower (C706 appendix L, MS-RPCE 2.2.1.1 and 3.1.3.5.3): floor_count (u16 LE),
 * then per floor lhs_length (u16 LE), lhs, rhs_length (u16 LE), rhs. For
 * ncacn_ip_tcp:
 *   1  lhs 0x0d + interface UUID + major (u16 LE)   rhs minor (u16 LE)
 *   2  lhs 0x0d + NDR UUID + 2                      rhs 0
 *   3  lhs 0x0b (RPC connection-oriented)           rhs 0 (u16: minor version)
 *   4  lhs 0x07 (TCP)                               rhs port, big-endian (u16)
 *   5  lhs 0x09 (IP)                                rhs IPv4 address, 4 octets */
#ifndef RPC_EPM_H
#define RPC_EPM_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/rpc/ndr.h"
#include "firmware/rpc/uuid.h"

#define RPC_EPM_OPNUM_MAP 3
#define RPC_EPM_N_OPS 7              /* ept_insert .. ept_mgmt_delete; only ept_map is served */
#define RPC_EPT_S_NOT_REGISTERED 0x16c9a0d6u
#define RPC_EPM_MAX_TOWERS 500       /* [range(0,500)] */
#define RPC_EPM_MAX_TOWER_LEN 1024   /* a query tower is 75 octets */
#define RPC_EPM_MAX_FLOORS 16
#define RPC_EPM_HANDLE_LEN 20        /* ept_lookup_handle_t: attributes + UUID */

#define RPC_EPM_PROT_UUID 0x0d
#define RPC_EPM_PROT_NCACN 0x0b
#define RPC_EPM_PROT_TCP 0x07
#define RPC_EPM_PROT_IP 0x09

/* What a tower names, as far as ept_map cares. */
struct rpc_epm_tower {
	unsigned n_floors;
	struct rpc_syntax iface; /* floor 1 */
	struct rpc_syntax xfer;  /* floor 2 */
	uint8_t protocol;        /* floor 3's protocol id */
	uint8_t transport;       /* floor 4's protocol id, 0 without a floor 4 */
};

/* Parses tower octets: at least 3 and at most RPC_EPM_MAX_FLOORS floors, every
 * length within the octets, floors 1 and 2 UUID floors (19 + 2 octets), floor 3
 * a one-octet protocol id. 0, or -1 with a message. */
int rpc_epm_tower_parse(const uint8_t *p, size_t len, struct rpc_epm_tower *t, char *err,
			size_t errlen);

struct rpc_epm_map_request {
	int has_object;          /* obj was not NULL */
	struct rpc_uuid object;
	int has_tower;           /* map_tower was not NULL */
	const uint8_t *tower;    /* its octets, in the stub */
	size_t tower_len;
	uint8_t entry_handle[RPC_EPM_HANDLE_LEN];
	uint32_t max_towers;
};

/* Decodes an ept_map request stub: every count against the octets left,
 * max_count == tower_length <= RPC_EPM_MAX_TOWER_LEN, max_towers <= 500, at
 * most 7 trailing octets. The tower's floors are not looked at here. 0, or -1
 * with a message (the caller answers the fault NCA_S_FAULT_NDR). */
int rpc_epm_map_decode(const uint8_t *stub, size_t len, struct rpc_epm_map_request *q, char *err,
		       size_t errlen);

/* An interface registered on a port. */
struct rpc_epm_entry {
	struct rpc_syntax iface;
	uint16_t port;
	uint8_t ipv4[4]; /* network order; 0.0.0.0 is fine: clients use the address they know */
};

/* The entry that answers q: the query tower parses, floor 1 names a compatible
 * version of the entry's interface (same major, minor not above), floor 2 is
 * NDR 2.0, floor 3 is connection-oriented RPC and floor 4, if present, TCP.
 * NULL if none (why in err, for the log). */
const struct rpc_epm_entry *rpc_epm_lookup(const struct rpc_epm_map_request *q,
					   const struct rpc_epm_entry *entries, size_t n,
					   char *err, size_t errlen);

/* Appends the tower for e (5 floors, 75 octets). */
void rpc_epm_tower_encode(const struct rpc_epm_entry *e, struct ndr_wr *w);

/* Encodes the ept_map response stub into w, which must be empty: a zero entry
 * handle, then one tower for match (if max_towers allows one) and status 0, or
 * no tower and RPC_EPT_S_NOT_REGISTERED when match is NULL. 0, or -1. */
int rpc_epm_map_reply(const struct rpc_epm_map_request *q, const struct rpc_epm_entry *match,
		      struct ndr_wr *w);

#endif
