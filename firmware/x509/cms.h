/* CMS and CMC certificate requests as MS-WCCE clients send them, decoded by the
 * custodian (pure code: no HSM, no ledger, no I/O):
 *   - CMS SignedData (RFC 5652) whose eContent is a PKCS#10 CertificationRequest
 *     (eContentType id-data): a renewal signed with the key of the certificate
 *     being renewed, or an enrollment agent's request on behalf of a user;
 *   - CMC (RFC 5272): SignedData whose eContent is a PKIData (eContentType
 *     id-cct-PKIData, 1.3.6.1.5.5.7.12.2) holding exactly one TaggedRequest of the
 *     PKCS#10 kind (tcr), with its controls;
 *   - the Microsoft attributes of the PKCS#10 inside (x509_csr_ms_attrs).
 * Structure is read with libtasn1 (firmware/asn1/pkix.asn) under strict DER; the
 * signature math is wolfSSL's (wc_SignatureVerify through verify.c). Every count
 * and size is bounded by the constants below: beyond them a request is refused,
 * never truncated. Nothing here decides: the custodian's policy does. */
#ifndef X509_CMS_H
#define X509_CMS_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/x509/x509.h"

#define CMS_OID_MAX 128
#define CMS_SIGNERS_MAX 4      /* signer infos (an agent, a renewal: one each) */
#define CMS_CERTS_MAX 8        /* certificates carried in the SignedData */
#define CMS_NV_MAX 16          /* enrollment name-value pairs per place */
#define CMS_NV_TEXT_MAX 256    /* bytes of a name or value as UTF-8, NUL included */

/* ENROLLMENT_NAME_VALUE_PAIR (1.3.6.1.4.1.311.13.2.1): two BMPStrings, here as
 * UTF-8 (platform/utf8); a string with a control character (NUL, line feed,
 * C1 ...) or an unpaired surrogate, an empty name, or a name twice refuses the
 * request. Names compare case-insensitively ("RequesterName"). */
struct cms_namevalue {
	char name[CMS_NV_TEXT_MAX];
	char value[CMS_NV_TEXT_MAX];
};

struct cms_signer {
	/* sid: issuerAndSerialNumber (issuer, serial) or [0] subjectKeyIdentifier
	 * (key_id); the other one empty */
	struct x509_buf issuer;   /* DER Name */
	struct x509_buf serial;   /* the INTEGER's content octets */
	struct x509_buf key_id;
	char digest_oid[CMS_OID_MAX];
	char sig_oid[CMS_OID_MAX];       /* signatureAlgorithm as sent */
	struct x509_buf signed_attrs;    /* the signed attributes as DER SET OF (tag
					  * 0x31: what the signature covers), empty
					  * when the signer has none */
	struct x509_buf signature;
	struct x509_buf message_digest;  /* the messageDigest attribute, empty if absent */
	char content_type[CMS_OID_MAX];  /* the contentType attribute, "" if absent */
	/* name-value pairs among the signed attributes (how an agent names the
	 * user it enrolls for: RequesterName) */
	struct cms_namevalue nv[CMS_NV_MAX];
	size_t n_nv;
};

struct cms_request {
	int cmc;                     /* 1: eContentType id-cct-PKIData */
	char content_type[CMS_OID_MAX]; /* eContentType */
	struct x509_buf content;     /* the eContent octets (what messageDigest covers) */
	struct x509_buf csr;         /* the PKCS#10 CertificationRequest, DER */
	uint32_t body_part_id;       /* CMC: the TaggedRequest's bodyPartID (0 for CMS) */
	struct x509_buf certs[CMS_CERTS_MAX]; /* DER Certificates carried */
	size_t n_certs;
	struct cms_signer signers[CMS_SIGNERS_MAX];
	size_t n_signers;
	/* CMC controls (controlSequence), each empty when absent */
	struct x509_buf transaction_id;  /* id-cmc-transactionId: INTEGER content octets */
	struct x509_buf sender_nonce;    /* id-cmc-senderNonce: OCTET STRING content */
	struct x509_buf reg_info;        /* id-cmc-regInfo: OCTET STRING content */
	char identification[CMS_NV_TEXT_MAX]; /* id-cmc-identification: UTF8String */
	/* name-value pairs among the CMC controls (TaggedAttribute with
	 * 1.3.6.1.4.1.311.13.2.1), as Microsoft's CMC requests carry them */
	struct cms_namevalue nv[CMS_NV_MAX];
	size_t n_nv;
};

/* Decodes a DER ContentInfo of type signedData as above. Refused (-1 with a
 * message): not DER, not signedData, no eContent (detached), an eContentType
 * other than id-data / id-cct-PKIData, a PKIData with other than one
 * TaggedRequest or one of another kind (crm, orm), a content that is not one
 * CertificationRequest, more signers, certificates or pairs than the maximums,
 * a control that does not decode or is present twice, a CMC control this file
 * does not know (fail closed: RFC 5272 controls have no criticality flag; the
 * ones Microsoft clients send are listed in cms.c and ignored by name),
 * attribute certificates or CRLs carried. 0 with *out filled
 * (cms_request_free). Every field is a copy: out does not point into der. */
int cms_request_decode(const uint8_t *der, size_t len, struct cms_request *out, char *err,
		       size_t errlen);
void cms_request_free(struct cms_request *r);

/* The index in r->certs of the certificate signer i names (issuer and serial, or
 * subject key identifier), or -1 when none carried matches (or two different
 * ones do: which key signed would be a guess). */
int cms_signer_cert(const struct cms_request *r, size_t i);

/* Verifies signer i's signature with spki (DER SubjectPublicKeyInfo). With
 * signed attributes: the contentType attribute must equal r->content_type, the
 * messageDigest must equal the digest of r->content with digest_oid, and the
 * signature covers signed_attrs. Without them (allowed for id-data only), the
 * signature covers r->content. Algorithms: RSA PKCS#1 v1.5 and ECDSA with
 * SHA-256/384/512; SHA-1 is refused. 0 if valid, -1 with a message. */
int cms_signer_verify(const struct cms_request *r, size_t i, const uint8_t *spki,
		      size_t spki_len, char *err, size_t errlen);

/* The Microsoft attributes of a PKCS#10 request (its attributes, not its
 * extensionRequest): */
struct csr_ms_attrs {
	struct x509_buf renewal_cert; /* 1.3.6.1.4.1.311.13.1: the certificate being
				       * renewed, DER; empty if absent */
	struct cms_namevalue nv[CMS_NV_MAX]; /* 1.3.6.1.4.1.311.13.2.1 */
	size_t n_nv;
	int has_client_info;          /* 1.3.6.1.4.1.311.21.20 */
	uint32_t client_id;
	char machine[CMS_NV_TEXT_MAX], user[CMS_NV_TEXT_MAX], process[CMS_NV_TEXT_MAX];
	int has_csp_info;             /* 1.3.6.1.4.1.311.13.2.2 */
	uint32_t key_spec;
	char csp_name[CMS_NV_TEXT_MAX];
};

/* Reads them from a DER CertificationRequest (its signature is not checked:
 * the caller verified it). An attribute present twice, or one that does not
 * decode, refuses the request (-1 with a message); unknown attributes are
 * ignored. 0 with *out filled (csr_ms_attrs_free). */
int x509_csr_ms_attrs(const uint8_t *der, size_t len, struct csr_ms_attrs *out, char *err,
		      size_t errlen);
void csr_ms_attrs_free(struct csr_ms_attrs *a);

#endif
