/* The Microsoft PAC (MS-PAC) as ca-auth gets it from MIT GSSAPI
 * (gss_get_name_attribute(name, "urn:mspac:") returns the whole PACTYPE):
 * a pure decoder, no I/O and no GSSAPI, of what certificate templates need.
 *
 * Signatures are not checked here: MIT has verified the server signature with
 * the service key when it marks the attribute authenticated, and the caller
 * must use a PAC only then. pac_decode only reports which signature buffers
 * are present.
 *
 * Limits (refused beyond them): PAC_MAX_LEN octets in all, PAC_MAX_BUFFERS
 * PAC_INFO_BUFFERs, PAC_MAX_GROUPS distinct group SIDs, names that do not fit
 * PAC_NAME_MAX octets of UTF-8 (terminator included). */
#ifndef AUTH_PAC_H
#define AUTH_PAC_H

#include <stddef.h>
#include <stdint.h>

#define PAC_MAX_LEN     65536
#define PAC_MAX_BUFFERS 64
#define PAC_MAX_GROUPS  256
#define PAC_NAME_MAX    256
/* "S-1-" + the authority (at most "0x" and 12 hex digits, MS-DTYP 2.4.2.1)
 * + 15 sub-authorities of at most "-4294967295", and the NUL: 184. */
#define PAC_SID_STR_MAX 192

/* ulType values (MS-PAC 2.4) this decoder knows. */
#define PAC_TYPE_LOGON_INFO      1
#define PAC_TYPE_SERVER_CHECKSUM 6
#define PAC_TYPE_PRIVSVR_CHECKSUM 7
#define PAC_TYPE_CLIENT_INFO     10
#define PAC_TYPE_UPN_DNS_INFO    12

struct pac_info {
	/* KERB_VALIDATION_INFO (type 1). */
	int has_logon_info;
	char user_sid[PAC_SID_STR_MAX];          /* LogonDomainId + UserId */
	char primary_group_sid[PAC_SID_STR_MAX]; /* LogonDomainId + PrimaryGroupId */
	/* GroupIds (LogonDomainId + RID), ExtraSids (when UserFlags has 0x20),
	 * ResourceGroupDomainSid + ResourceGroupIds (when UserFlags has 0x200),
	 * in that order, each SID once; attributes ignored. */
	char groups[PAC_MAX_GROUPS][PAC_SID_STR_MAX];
	size_t n_groups;
	char account_name[PAC_NAME_MAX]; /* EffectiveName, UTF-8 */
	char logon_domain[PAC_NAME_MAX]; /* LogonDomainName, UTF-8 */

	/* UPN_DNS_INFO (type 12). */
	int has_upn_dns;
	char upn[PAC_NAME_MAX];
	char dns_domain[PAC_NAME_MAX];
	/* The U flag: the account has no userPrincipalName; upn was made up by the
	 * KDC from the account name and the DNS domain. */
	int upn_constructed;

	/* PAC_CLIENT_INFO (type 10). */
	int has_client_info;
	uint64_t client_info_time; /* ClientId: a FILETIME (100 ns since 1601) */
	char client_name[PAC_NAME_MAX];

	/* PAC_SIGNATURE_DATA buffers present (not verified here). */
	int has_server_sig, has_kdc_sig;
};

/* Decodes len octets of PACTYPE into *out (zeroed first). 0, or -1 with the
 * reason in err (errlen octets, may be 0) and *out zeroed. Unknown buffer types
 * are skipped; a known type twice, overlapping buffers, any malformed known
 * buffer or a limit exceeded is refused. A PAC without LOGON_INFO (MIT's own
 * KDC writes one: client info and signatures only) is accepted with
 * has_logon_info 0. */
int pac_decode(const uint8_t *pac, size_t len, struct pac_info *out, char *err, size_t errlen);

#endif
