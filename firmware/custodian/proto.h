/* Messages the custodian answers over IPC (platform/ipc.h framing).
 *
 * Payload layouts (ipc_wbuf/ipc_rbuf codec: u32 little-endian, byte strings and
 * strings prefixed by a u32 length). The custodian checks each frame against a
 * per-peer whitelist and the exact layout; any violation ends the channel.
 *
 *   CUST_GET_CA      (empty)                      -> CUST_CA_INFO
 *   CUST_CA_INFO     bytes ca_cert_der, bytes chain_pem
 *   CUST_ISSUE       u32 profile, str subject (RFC 4514), bytes spki_der,
 *                    u32 validity_days            -> CUST_ISSUED | CUST_ERROR
 *   CUST_ISSUED      bytes cert_der
 *   CUST_ERROR       u32 code (an HRESULT), str message
 *
 * The custodian builds the TBSCertificate itself from these typed fields and
 * never signs bytes a peer supplied. */
#ifndef CUSTODIAN_PROTO_H
#define CUSTODIAN_PROTO_H

enum cust_msg {
	CUST_GET_CA = 0x100,
	CUST_CA_INFO = 0x101,
	CUST_ISSUE = 0x110,
	CUST_ISSUED = 0x111,
	CUST_ERROR = 0x1ff,
};

enum cust_profile {
	CUST_PROFILE_CLIENT = 1, /* end entity: digitalSignature|keyEncipherment, clientAuth */
	CUST_PROFILE_SERVER = 2, /* end entity: digitalSignature|keyEncipherment, serverAuth */
};

#define CUST_SUBJECT_MAX 1024
#define CUST_SPKI_MAX 2048
#define CUST_ISSUE_MAX (4 + 4 + CUST_SUBJECT_MAX + 4 + CUST_SPKI_MAX + 4)

/* HRESULTs the custodian reports (MS-WCCE names). */
#define HR_E_INVALIDARG 0x80070057u
#define HR_CERTSRV_E_KEY_LENGTH 0x80094811u
#define HR_CERTSRV_E_BAD_REQUESTSUBJECT 0x80094001u
#define HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE 0x80094800u
#define HR_NTE_FAIL 0x80090020u /* the HSM failed */

#endif
