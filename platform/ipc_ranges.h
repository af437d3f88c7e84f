/* The message-number range of each IPC channel: disjoint, so that a frame that
 * reaches the wrong channel is caught by its type alone. Each channel's header
 * checks every one of its numbers with IPC_IN_RANGE in a _Static_assert; the
 * table of channels is in platform/README.md. */
#ifndef PLATFORM_IPC_RANGES_H
#define PLATFORM_IPC_RANGES_H

#define IPC_RANGE_SIZE 0x100u
#define IPC_RANGE_CUST 0x100u   /* worker, cad -> custodian (custodian/proto.h) */
#define IPC_RANGE_LEDGER 0x200u /* custodian -> ledger (ledger/proto.h) */
#define IPC_RANGE_ADMIN 0x300u  /* caadm -> custodian (custodian/admin_proto.h) */
#define IPC_RANGE_AUTH 0x400u   /* worker -> ca-auth (auth/proto.h) */

#define IPC_IN_RANGE(v, base) ((unsigned)(v) >= (base) && (unsigned)(v) < (base) + IPC_RANGE_SIZE)

#endif
