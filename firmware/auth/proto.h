/* Messages between ca-worker and ca-auth (platform/ipc.h framing, ipc_wbuf /
 * ipc_rbuf codec: u32 little-endian, byte strings and strings prefixed by a u32
 * length). One struct and one encode/decode pair per message in msg.[ch],
 * compiled into both processes. ca-auth checks each frame against its
 * whitelist and the exact layout; any violation ends the channel (and ca-auth
 * with it: cad restarts both); the worker exits on a malformed answer.
 *
 *   AUTH_NEGOTIATE    bytes token (NTLM NEGOTIATE)   -> AUTH_CHALLENGE | AUTH_FAIL
 *   AUTH_CHALLENGE    u32 ctx, bytes token (NTLM CHALLENGE)
 *   AUTH_AUTHENTICATE u32 ctx, str peer (the client's address, for throttling
 *                     per address: only as true as the worker), bytes token
 *                     (NTLM AUTHENTICATE)            -> AUTH_OK | AUTH_FAIL
 *   AUTH_OK           str identity ("DOMAIN\user" as the account file writes
 *                     it, whatever case or domain the client gave: account.c),
 *                     u32 anonymous (1: an anonymous NTLM logon),
 *                     bytes session_key (the exported session key, 16 octets),
 *                     bytes id_token (firmware/identity: the logon vouched for to
 *                     the custodian; empty for an anonymous logon)
 *   AUTH_RELEASE      u32 ctx (a connection that ends: before AUTHENTICATE, or
 *                     after a logon ca-auth vouched for)  -> AUTH_RELEASED
 *   AUTH_RELEASED     (empty)
 *   AUTH_LOOKUP       u32 ctx (the connection's logon, named as its legs named
 *                     it), str account ("DOMAIN\user" as a request named it,
 *                     1..AUTH_IDENTITY_MAX bytes)
 *                                                    -> AUTH_ACCOUNT | AUTH_FAIL
 *   AUTH_ACCOUNT      bytes token (firmware/identity: an IDTOKEN_SUBJECT token
 *                     for that account, bound to the logon's serial)
 *   AUTH_GSS_ACCEPT   u32 ctx (0 for a new logon, else the ctx the last
 *                     AUTH_GSS_CONTINUE named), str peer, bytes token (a
 *                     DCE/RPC auth type 9 token: SPNEGO, as the client sent
 *                     it; ca-auth parses it)
 *                                     -> AUTH_GSS_CONTINUE | AUTH_GSS_OK | AUTH_FAIL
 *   AUTH_GSS_CONTINUE u32 ctx, bytes token (the SPNEGO answer: the next leg is
 *                     the client's)
 *   AUTH_GSS_OK       u32 ctx, bytes token (the last SPNEGO answer, possibly
 *                     empty), str identity ("REALM\user", or "DOMAIN\user" for
 *                     NTLM), bytes id_token, u32 mech, then what sealing needs
 *                     and nothing else:
 *                     AUTH_MECH_KRB5: u32 enctype (17 or 18), bytes key (the
 *                     acceptor subkey: 16 or 32 octets), u64 send_seq, u64
 *                     recv_seq (the first sequence numbers of each direction),
 *                     u32 flags (AUTH_GSS_F_*);
 *                     AUTH_MECH_NTLM (NTLM inside SPNEGO): u32 enctype 0, bytes
 *                     key (the exported session key, AUTH_KEY_LEN octets), u64
 *                     send_seq 0, u64 recv_seq 0 (SPNEGO resets NTLM's sealing
 *                     state after the mechListMIC: MS-SPNG 3.3.5.1), u32 flags
 *                     (the AUTHENTICATE's NegotiateFlags, which ntlm_seal_init
 *                     takes as for auth type 10)
 *   AUTH_FAIL         u32 code (AUTH_E_*), str message, u32 mech (the mechanism a
 *                     refused SPNEGO leg had chosen, AUTH_MECH_*: a first leg
 *                     has no context to say it; 0 for auth type 10, a look-up
 *                     or a leg refused before a choice)
 *
 * ctx names a security context held by ca-auth between the two legs; a context
 * ends with AUTHENTICATE (either way) or RELEASE. A SPNEGO context's number
 * says which mechanism ca-auth chose: bit 31 set for Kerberos, clear for NTLM
 * (as every AUTH_NEGOTIATE context), which is how the worker journals a
 * refused leg (kerberos-refused or ntlm-refused) without reading SPNEGO; a
 * first leg refused names no context, and its AUTH_FAIL says the mechanism.
 * At most AUTH_MAX_CONTEXTS are in flight per channel: a NEGOTIATE beyond
 * that gets AUTH_FAIL AUTH_E_BUSY.
 * A named logon that ca-auth vouched for (AUTH_OK with a token) is remembered
 * under its ctx until RELEASE or the token's expiry, for AUTH_LOOKUP: at most
 * AUTH_LOOKUPS_PER_LOGON look-ups per logon (README.md, "Account look-ups"). */
#ifndef AUTH_PROTO_H
#define AUTH_PROTO_H

#include "platform/ipc_ranges.h"

enum auth_msg {
	AUTH_NEGOTIATE = 0x400,
	AUTH_CHALLENGE = 0x401,
	AUTH_AUTHENTICATE = 0x402,
	AUTH_OK = 0x403,
	AUTH_RELEASE = 0x404,
	AUTH_RELEASED = 0x405,
	AUTH_LOOKUP = 0x406,
	AUTH_ACCOUNT = 0x407,
	AUTH_GSS_ACCEPT = 0x408,
	AUTH_GSS_CONTINUE = 0x409,
	AUTH_GSS_OK = 0x40a,
	AUTH_FAIL = 0x4ff,
};
_Static_assert(IPC_IN_RANGE(AUTH_NEGOTIATE, IPC_RANGE_AUTH), "AUTH_NEGOTIATE outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_CHALLENGE, IPC_RANGE_AUTH), "AUTH_CHALLENGE outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_AUTHENTICATE, IPC_RANGE_AUTH), "AUTH_AUTHENTICATE outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_OK, IPC_RANGE_AUTH), "AUTH_OK outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_RELEASE, IPC_RANGE_AUTH), "AUTH_RELEASE outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_RELEASED, IPC_RANGE_AUTH), "AUTH_RELEASED outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_LOOKUP, IPC_RANGE_AUTH), "AUTH_LOOKUP outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_ACCOUNT, IPC_RANGE_AUTH), "AUTH_ACCOUNT outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_GSS_ACCEPT, IPC_RANGE_AUTH), "AUTH_GSS_ACCEPT outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_GSS_CONTINUE, IPC_RANGE_AUTH), "AUTH_GSS_CONTINUE outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_GSS_OK, IPC_RANGE_AUTH), "AUTH_GSS_OK outside its channel's range");
_Static_assert(IPC_IN_RANGE(AUTH_FAIL, IPC_RANGE_AUTH), "AUTH_FAIL outside its channel's range");


enum auth_error {
	AUTH_E_DENIED = 1,  /* wrong password, unknown user, a bad token */
	AUTH_E_BUSY = 2,    /* too many contexts in flight */
	AUTH_E_NOCTX = 3,   /* no such context (released, or never made) */
	AUTH_E_FAILURE = 4, /* gss-ntlmssp could not run */
	AUTH_E_THROTTLED = 5, /* too many failed logons of the account or the address:
			       * refused unchecked until a time (throttle.h) */
	AUTH_E_NOACCOUNT = 6, /* AUTH_LOOKUP: no such account, or it is disabled */
	AUTH_E_LIMIT = 7,     /* AUTH_LOOKUP: the logon's look-ups are spent */
};

#define AUTH_TOKEN_MAX 8192      /* = NTLM_MSG_MAX (firmware/rpc/ntlm_msg.h) */
#define AUTH_MAX_CONTEXTS 64     /* = WORKER_MAX_CONNS: one per connection */
#define AUTH_IDENTITY_MAX 256
#define AUTH_MESSAGE_MAX 512
#define AUTH_PEER_MAX 64         /* an address as text (the worker's peer string) */
#define AUTH_KEY_LEN 16
/* Account look-ups one logon may make (AUTH_LOOKUP, found or not): an
 * enrollment agent names one account per request; a connection makes a few
 * requests in its 300 s. The bound is what stops a worker enumerating accounts
 * with one logon (README.md, "Account look-ups"). */
#define AUTH_LOOKUPS_PER_LOGON 16
/* A SPNEGO token: a Kerberos AP-REQ carries the service ticket, and with it
 * the PAC, which grows with the user's groups (Windows' MaxTokenSize is 48000
 * since Windows 8; 12000 before). 16 KiB takes a user of several hundred
 * groups; a larger token is refused as malformed. */
#define AUTH_GSS_TOKEN_MAX 16384
#define AUTH_GSS_KEY_MAX 32      /* aes256-cts-hmac-sha1-96 */
#define AUTH_MECH_KRB5 1
#define AUTH_MECH_NTLM 2 /* NTLM inside SPNEGO (1.3.6.1.4.1.311.2.2.10) */
#define AUTH_GSS_F_ACCEPTOR_SUBKEY 0x1u /* the key is the acceptor's subkey */
#define AUTH_MAX_PAYLOAD (4 + 4 + AUTH_PEER_MAX + 4 + AUTH_GSS_TOKEN_MAX)

#endif
