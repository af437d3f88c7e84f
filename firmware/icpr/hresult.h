/* The HRESULTs the CA reports, defined once (MS-WCCE / winerror.h names): what
 * the worker puts on the wire, what the custodian returns on the enrollment and
 * console channels, what careq explains. Here, in the lowest layer that speaks
 * MS-ICPR, so that every process includes the same numbers. */
#ifndef ICPR_HRESULT_H
#define ICPR_HRESULT_H

#define HR_S_OK 0x00000000u
#define HR_E_FAIL 0x80004005u
#define HR_E_UNEXPECTED 0x8000ffffu              /* e.g. the ledger could not record */
#define HR_E_ACCESSDENIED 0x80070005u
#define HR_E_OUTOFMEMORY 0x8007000eu
#define HR_DISK_FULL 0x80070070u                 /* HRESULT_FROM_WIN32(ERROR_DISK_FULL): the
						  * ledger has no room (its reserve) */
#define HR_E_INVALIDARG 0x80070057u
#define HR_ERROR_INVALID_DATA 0x8007000du      /* HRESULT_FROM_WIN32(ERROR_INVALID_DATA): a CMS
						 * or CMC request whose content is not
						 * what MS-WCCE 3.2.1.4.2.1.4 allows */
#define HR_NTE_BAD_SIGNATURE 0x80090006u         /* no proof of possession */
#define HR_NTE_FAIL 0x80090020u                  /* the HSM failed */
#define HR_CRYPT_E_INVALID_MSG_TYPE 0x80091004u  /* a format not accepted */
#define HR_CERTSRV_E_BAD_REQUESTSUBJECT 0x80094001u
#define HR_CERTSRV_E_PROPERTY_EMPTY 0x80094004u  /* no such request */
#define HR_CERTSRV_E_ENROLL_DENIED 0x80094011u
#define HR_CERTSRV_E_TEMPLATE_DENIED 0x80094012u
#define HR_CERTSRV_E_ADMIN_DENIED_REQUEST 0x80094014u
#define HR_CERTSRV_E_BAD_RENEWAL_CERT_ATTRIBUTE 0x8009400eu /* renewal: the certificate
							  * named is not the signer's */
#define HR_CERTSRV_E_BAD_RENEWAL_SUBJECT 0x80094806u /* renewal: not the owner's */
#define HR_CERTSRV_E_UNSUPPORTED_CERT_TYPE 0x80094800u
#define HR_CERTSRV_E_NO_CERT_TYPE 0x80094801u
#define HR_CERTSRV_E_TEMPLATE_CONFLICT 0x80094802u    /* two templates named */
#define HR_CERTSRV_E_SUBJECT_ALT_NAME_REQUIRED 0x80094803u
#define HR_CERTSRV_E_BAD_TEMPLATE_VERSION 0x80094807u
#define HR_CERTSRV_E_SIGNATURE_POLICY_REQUIRED 0x80094809u /* an agent without the
							 * application policy */
#define HR_CERTSRV_E_SIGNATURE_COUNT 0x8009480au  /* enrollment-agent signatures */
#define HR_CERTSRV_E_SUBJECT_UPN_REQUIRED 0x8009480du /* the account has no UPN */
#define HR_CERTSRV_E_SUBJECT_DNS_REQUIRED 0x8009480fu /* the account has no DNS name */
#define HR_CERTSRV_E_KEY_LENGTH 0x80094811u
#define HR_CERTSRV_E_SUBJECT_EMAIL_REQUIRED 0x80094812u /* the account has no e-mail */
#define HR_CERT_E_EXPIRED 0x800b0101u              /* a signer's certificate out of its validity */
#define HR_CERT_E_UNTRUSTEDROOT 0x800b0109u        /* a signer's certificate not this CA's */
#define HR_CRYPT_E_REVOKED 0x80092010u             /* a signer's certificate revoked */
#define HR_CERT_E_WRONG_USAGE 0x800b0110u          /* a purpose the requester may not ask for */

#endif
