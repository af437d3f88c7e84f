/* The console's protocol: caadm <-> the custodian over the admin socket (a local
 * stream socket cad binds at DATA/admin.sock, root:ca-operators 0660 as root,
 * 0600 otherwise, and hands to the
 * custodian). Same framing and codec as proto.h; the structs and encode/decode
 * pairs of these layouts, and the channel's whitelist, are admin_msg.h's (linked
 * by both ends). Every request but LOGIN starts with the 32-byte session token
 * LOGIN returned; the custodian decodes the whole payload (one that does not
 * decode ends the connection), then checks the token, then the operator's roles
 * for the verb, and journals the action with the operator's name (refusals
 * included).
 *
 *   ADM_LOGIN        str operator | str passphrase      -> ADM_SESSION | ADM_ERROR
 *   ADM_SESSION      bytes token (32) | u32 roles | i64 expires
 *   ADM_LOGOUT       token                              -> ADM_OK
 *   ADM_OP_ADD       token | str name | u32 roles | str passphrase   (admin)
 *   ADM_OP_DEL       token | str name                   (admin)
 *   ADM_OP_PASSWD    token | str name | str passphrase  (admin, or oneself; another's
 *                    is a reset: that operator must change it at its next login)
 *   ADM_OP_ROLES     token | str name | u32 roles       (admin; exactly one role:
 *                    splits a legacy admin,officer operator)
 *   ADM_OP_LIST      token                              -> ADM_OK (one line each)
 *   ADM_VIEW         token | view query (ledger view.h) -> ADM_ROWS (LEDGER_ROWS
 *                    payload)                           (any role)
 *   ADM_DETAIL       token | u32 request id             -> ADM_DETAIL_IS (any role)
 *   ADM_DETAIL_IS    str subject | str attributes | str requester | u32 n |
 *                    n x (str oid | u32 flags | bytes value)  (extensions set)
 *   ADM_SETEXT       token | u32 request id | str oid | u32 flags | bytes value
 *                                                       (officer)
 *   ADM_RESUBMIT     token | u32 request id             -> ADM_RESULT (officer)
 *   ADM_DENY         token | u32 request id             -> ADM_RESULT (officer)
 *   ADM_RESULT       u32 request id | u32 disposition | u32 hresult | str message |
 *                    bytes cert
 *   ADM_REVOKE       token | bytes serial | u32 reason | i64 when (0: now) |
 *                    i64 invalidity (0: none)           (officer)
 *   ADM_UNREVOKE     token | bytes serial               (officer)
 *   ADM_CRL          token | u32 delta (0 or 1)         -> ADM_OK (admin, officer)
 *   ADM_GETPROP      token | str name (not empty)       -> ADM_PROP (any role)
 *   ADM_PROP         bytes value
 *   ADM_SETPROP      token | str name | bytes value     (admin)
 *   ADM_AUDIT        token | u64 first seq | u32 max    -> ADM_EVENTS (LEDGER_EVENTS
 *                    payload)                           (auditor)
 *   ADM_VERIFY       token                              -> ADM_OK | ADM_ERROR (auditor)
 *   ADM_TMPL_LIST    token                              -> ADM_TMPL_LIST_IS (any role)
 *   ADM_TMPL_LIST_IS u32 n (<= ADM_TMPL_MAX) | n x (str name | str display | str oid |
 *                    u32 major | u32 minor | u32 flags: ADM_TMPL_PEND_ALL, ADM_TMPL_CA)
 *   ADM_TMPL_SHOW    token | str name                   -> ADM_TMPL_TEXT (any role)
 *   ADM_TMPL_TEXT    str text (the template's canonical text, template_format)
 *   ADM_TMPL_ADD     token | str name | str text        -> ADM_OK (admin; name must be
 *                    the text's `name =`)
 *   ADM_TMPL_SET     token | str name | str assignments ("key = value" lines)
 *                                                       -> ADM_OK naming the new version
 *                                                       (admin)
 *   ADM_TMPL_DEL     token | str name                   -> ADM_OK (admin)
 *   ADM_KEYTAB       token | u32 change (ADM_KEYTAB_INSTALLED, ADM_KEYTAB_REMOVED) |
 *                    str principal (0..LEDGER_NAME_MAX) | str kvnos | str enctypes
 *                    (0..ADM_KEYTAB_LIST_MAX each) | bytes sha256 (0 or 32)
 *                                                       -> ADM_OK (admin): caadm
 *                    kerberos keytab add|del journals the change of ca-auth's
 *                    keytab before it makes it (an operator-action event
 *                    keytab-installed or keytab-removed, the peer's uid in its
 *                    detail); the custodian does not touch the file
 *   ADM_OK           str message
 *   ADM_ERROR        u32 hresult | str message
 */
#ifndef CUSTODIAN_ADMIN_PROTO_H
#define CUSTODIAN_ADMIN_PROTO_H

#include "firmware/common/datadir.h"
#include "platform/ipc_ranges.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

enum adm_msg {
	ADM_LOGIN = 0x300,
	ADM_SESSION = 0x301,
	ADM_LOGOUT = 0x302,
	ADM_OP_ADD = 0x310,
	ADM_OP_DEL = 0x311,
	ADM_OP_PASSWD = 0x312,
	ADM_OP_LIST = 0x313,
	ADM_OP_ROLES = 0x314,
	ADM_VIEW = 0x320,
	ADM_ROWS = 0x321,
	ADM_DETAIL = 0x322,
	ADM_DETAIL_IS = 0x323,
	ADM_SETEXT = 0x330,
	ADM_RESUBMIT = 0x331,
	ADM_DENY = 0x332,
	ADM_RESULT = 0x333,
	ADM_REVOKE = 0x340,
	ADM_UNREVOKE = 0x341,
	ADM_CRL = 0x342,
	ADM_GETPROP = 0x350,
	ADM_PROP = 0x351,
	ADM_SETPROP = 0x352,
	ADM_AUDIT = 0x360,
	ADM_EVENTS = 0x361,
	ADM_VERIFY = 0x362,
	ADM_TMPL_LIST = 0x370,
	ADM_TMPL_LIST_IS = 0x371,
	ADM_TMPL_SHOW = 0x372,
	ADM_TMPL_TEXT = 0x373,
	ADM_TMPL_ADD = 0x374,
	ADM_TMPL_SET = 0x375,
	ADM_TMPL_DEL = 0x376,
	ADM_KEYTAB = 0x380,
	ADM_OK = 0x3f0,
	ADM_ERROR = 0x3ff,
};
_Static_assert(IPC_IN_RANGE(ADM_LOGIN, IPC_RANGE_ADMIN), "ADM_LOGIN outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_SESSION, IPC_RANGE_ADMIN), "ADM_SESSION outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_LOGOUT, IPC_RANGE_ADMIN), "ADM_LOGOUT outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_OP_ADD, IPC_RANGE_ADMIN), "ADM_OP_ADD outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_OP_DEL, IPC_RANGE_ADMIN), "ADM_OP_DEL outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_OP_PASSWD, IPC_RANGE_ADMIN), "ADM_OP_PASSWD outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_OP_LIST, IPC_RANGE_ADMIN), "ADM_OP_LIST outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_OP_ROLES, IPC_RANGE_ADMIN), "ADM_OP_ROLES outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_VIEW, IPC_RANGE_ADMIN), "ADM_VIEW outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_ROWS, IPC_RANGE_ADMIN), "ADM_ROWS outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_DETAIL, IPC_RANGE_ADMIN), "ADM_DETAIL outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_DETAIL_IS, IPC_RANGE_ADMIN), "ADM_DETAIL_IS outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_SETEXT, IPC_RANGE_ADMIN), "ADM_SETEXT outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_RESUBMIT, IPC_RANGE_ADMIN), "ADM_RESUBMIT outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_DENY, IPC_RANGE_ADMIN), "ADM_DENY outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_RESULT, IPC_RANGE_ADMIN), "ADM_RESULT outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_REVOKE, IPC_RANGE_ADMIN), "ADM_REVOKE outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_UNREVOKE, IPC_RANGE_ADMIN), "ADM_UNREVOKE outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_CRL, IPC_RANGE_ADMIN), "ADM_CRL outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_GETPROP, IPC_RANGE_ADMIN), "ADM_GETPROP outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_PROP, IPC_RANGE_ADMIN), "ADM_PROP outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_SETPROP, IPC_RANGE_ADMIN), "ADM_SETPROP outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_AUDIT, IPC_RANGE_ADMIN), "ADM_AUDIT outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_EVENTS, IPC_RANGE_ADMIN), "ADM_EVENTS outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_VERIFY, IPC_RANGE_ADMIN), "ADM_VERIFY outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_TMPL_LIST, IPC_RANGE_ADMIN), "ADM_TMPL_LIST outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_TMPL_LIST_IS, IPC_RANGE_ADMIN), "ADM_TMPL_LIST_IS outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_TMPL_SHOW, IPC_RANGE_ADMIN), "ADM_TMPL_SHOW outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_TMPL_TEXT, IPC_RANGE_ADMIN), "ADM_TMPL_TEXT outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_TMPL_ADD, IPC_RANGE_ADMIN), "ADM_TMPL_ADD outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_TMPL_SET, IPC_RANGE_ADMIN), "ADM_TMPL_SET outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_TMPL_DEL, IPC_RANGE_ADMIN), "ADM_TMPL_DEL outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_KEYTAB, IPC_RANGE_ADMIN), "ADM_KEYTAB outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_OK, IPC_RANGE_ADMIN), "ADM_OK outside its channel's range");
_Static_assert(IPC_IN_RANGE(ADM_ERROR, IPC_RANGE_ADMIN), "ADM_ERROR outside its channel's range");


#define ADM_TOKEN_LEN 32
/* The console's socket, DATA/admin.sock (ADM_SOCKET, adm_socket_address):
 * firmware/common/datadir.h, which cad shares. */
/* What the custodian may send: relayed ledger pages (one holds at most a frame of
 * the ledger's, LEDGER_FRAME_MAX = 128 MiB + 64 KiB: a CRL record travels alone)
 * and getprop BaseCRL, a CRL as large as the ledger keeps (LEDGER_CRL_MAX). */
#define ADM_MAX_PAYLOAD ((128u << 20) + (64u << 10) + 4096u)
#define ADM_REQUEST_MAX (64u * 1024u)                /* what the console may send */
#define ADM_PROP_MAX 4096

/* setextension flags (certutil / MS-CSRA SetExtension dwFlags) */
#define ADM_EXT_CRITICAL 0x1
#define ADM_EXT_DISABLE 0x2
/* Not an officer's: the CA's template policy set it when the request pended
 * (the account's names, its SID, the template: firmware/custodian/submit.c). */
#define ADM_EXT_POLICY 0x4

/* HRESULTs of the console (winerror.h names). */
#define HR_E_ACCESSDENIED 0x80070005u
#define HR_LOGON_FAILURE 0x8007052eu /* ERROR_LOGON_FAILURE */
#define HR_NOT_FOUND 0x80070490u     /* ERROR_NOT_FOUND */
#define HR_INVALID_STATE 0x8007139fu /* ERROR_INVALID_STATE */
#define HR_ALREADY_EXISTS 0x800700b7u /* ERROR_ALREADY_EXISTS */
#define HR_NOT_ENOUGH_QUOTA 0x80070718u /* ERROR_NOT_ENOUGH_QUOTA: the template store is full */

/* ADM_TMPL_LIST_IS: at most this many templates (the store's TMPLSTORE_MAX), and
 * the flags of each. */
#define ADM_TMPL_MAX 64
#define ADM_TMPL_PEND_ALL 0x1
#define ADM_TMPL_CA 0x2

/* ADM_KEYTAB: what changed, and the bound of its kvno and enctype lists (text,
 * space-separated, as caadm prints them). */
#define ADM_KEYTAB_INSTALLED 1
#define ADM_KEYTAB_REMOVED 2
#define ADM_KEYTAB_LIST_MAX 256
#define ADM_KEYTAB_SHA256_LEN 32

#endif
