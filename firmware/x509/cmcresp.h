/* The CMC full PKI response (RFC 5272 3.2.2) that a CA returns in pctbCert when
 * the client asks for one with CR_IN_FULLRESPONSE (MS-WCCE 2.2.2.8, dwFlags Y
 * bit), built as AD CS builds it (PKCSEncodeFullResponse, certsrv/pkcs.cpp):
 *
 *   ContentInfo signedData {
 *     version 3, digestAlgorithms { SHA-256 | SHA-384 },
 *     encapContentInfo { id-cct-PKIResponse (1.3.6.1.5.5.7.12.3),
 *                        PKIResponse {
 *       controlSequence {
 *         [1] id-cmc-statusInfo  CMCStatusInfo { status, bodyList { the
 *             request's bodyPartID }, statusString, otherInfo }
 *         [2] id-cmc-transactionId   (echoed, when the request had one)
 *         [3] id-cmc-recipientNonce  (the request's senderNonce)
 *         [4] id-cmc-senderNonce     (ours)
 *         [n] szOID_CMC_ADD_ATTRIBUTES { 0, { request bodyPartID },
 *             { szOID_ISSUED_CERT_HASH: SHA-1 of the issued certificate } }
 *       }, cmsSequence {}, otherMsgSequence {} } },
 *     certificates (as given: the issued certificate first, then the chain),
 *     crls (optional), signerInfos { the CA: issuerAndSerialNumber,
 *       signed attributes contentType, signingTime, messageDigest } }
 *
 * Status as AD CS maps its disposition: issued -> success (0); pending ->
 * pending (3) with pendInfo { pendToken = the request ID as a 4-byte
 * little-endian DWORD (AD CS copies its DWORD's memory), pendTime = when the
 * request was submitted }; failed or denied -> failed (2), with otherInfo
 * failInfo badRequest (2) only for CERTSRV_E_BAD_REQUESTSUBJECT and no
 * otherInfo for any other HRESULT (AD CS does the same; the HRESULT reaches the
 * client through the call's own result and disposition message, which the
 * caller puts in statusString). bodyList: AD CS writes 1 whatever the request
 * (a PKCS#10 has no bodyPartID; its CMC requests number the request 1 too);
 * the caller passes the CMC request's own bodyPartID when it has one.
 *
 * Pure code: the signature is the caller's (the custodian signs in the HSM)
 * through cmc_sign_fn; the builder checks the signature it gets with the CA
 * certificate's key before it hands the response out. Written with the DER
 * writer (firmware/asn1/der.h); the PKIResponse is decoded again with libtasn1
 * (PKIX.PKIResponse) before it is signed. */
#ifndef X509_CMCRESP_H
#define X509_CMCRESP_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/x509/x509.h"

/* Bounds: beyond any of them the builder refuses (never truncates). */
#define CMC_RESP_MAX_CERTS 16        /* certificates carried (leaf + chain) */
#define CMC_RESP_MAX_CRLS 16         /* CRLs carried (CR_IN_CRLS) */
#define CMC_RESP_MAX_BODY_PARTS 8    /* entries of bodyList */
#define CMC_RESP_STATUS_MAX 4096     /* bytes of statusString (UTF-8) */
#define CMC_RESP_NONCE_MAX 64        /* bytes of a nonce / transactionId content */
#define CMC_RESP_SIG_MAX 1024        /* a signature (RSA-8192) */
/* The whole response. CRLs are what make it large (a base CRL may reach
 * X509_CRL_MAX_SIZE): the default keeps a reply well inside the IPC payload
 * limit (platform/ipc.h, 160 MiB) and what an RPC client takes; a response
 * that would exceed it is refused with "cmc response: larger than N bytes".
 * cmc_response_in.max_size can only lower it. */
#define CMC_RESP_MAX_SIZE (64u << 20)

/* RFC 5272 CMCStatus values. */
enum cmc_status {
	CMC_STATUS_SUCCESS = 0,
	CMC_STATUS_FAILED = 2,
	CMC_STATUS_PENDING = 3,
};

/* RFC 5272 CMCFailInfo values the CA may write. */
enum {
	CMC_FAIL_BAD_ALG = 0,
	CMC_FAIL_BAD_MESSAGE_CHECK = 1,
	CMC_FAIL_BAD_REQUEST = 2,
	CMC_FAIL_BAD_TIME = 3,
	CMC_FAIL_BAD_CERT_ID = 4,
	CMC_FAIL_INTERNAL_CA_ERROR = 11,
	CMC_FAIL_TRY_LATER = 12,
};

/* How a failed response's otherInfo is chosen. */
enum cmc_fail_mode {
	CMC_FAIL_FROM_HRESULT = 0, /* as AD CS: cmc_fail_info_for_hresult */
	CMC_FAIL_ABSENT,           /* no otherInfo */
	CMC_FAIL_GIVEN,            /* failInfo = fail_info */
};

struct cmc_response_in {
	enum cmc_status status;
	/* bodyList: the request's bodyPartID(s); none given means { 1 }, as AD CS */
	const uint32_t *body_parts;
	size_t n_body_parts;
	const char *status_string;   /* UTF-8, no NUL inside; NULL or "": none */
	/* pending */
	uint32_t request_id;         /* pendToken: 4 bytes, little-endian */
	int64_t submitted;           /* pendTime (unix seconds, 1950..9999) */
	/* failed */
	uint32_t hresult;
	enum cmc_fail_mode fail_mode;
	unsigned fail_info;          /* with CMC_FAIL_GIVEN: 0..12 */
	/* optional controls, each written when not empty (content octets) */
	struct x509_buf transaction_id;  /* the request's transactionId INTEGER */
	struct x509_buf recipient_nonce; /* the request's senderNonce */
	struct x509_buf sender_nonce;    /* ours */
	/* the signer: the CA certificate (DER); its key chooses the algorithm
	 * (x509_sigalg_for_key), its issuer and serial name it (sid) */
	const uint8_t *ca_cert;
	size_t ca_cert_len;
	/* carried in certificates, in this order; issued: certs[0] is the issued
	 * certificate (required), then its chain. AD CS carries none in a
	 * pending or failed response (clients find the CA in their stores);
	 * carrying the CA chain there is allowed. */
	const struct x509_buf *certs;
	size_t n_certs;
	const struct x509_buf *crls;     /* CertificateLists (DER), may be none */
	size_t n_crls;
	int64_t signing_time;            /* the signingTime attribute (unix seconds) */
	size_t max_size;                 /* 0: CMC_RESP_MAX_SIZE; only lowers it */
};

/* Signs tbs (the DER SET OF signed attributes) with the CA key and alg: the
 * result in X.509 form (PKCS#1 v1.5 block; DER ECDSA-Sig-Value) in sig, whose
 * size is *sig_len on entry (CMC_RESP_SIG_MAX). 0, or -1 with err. The
 * custodian's is ca_sign with the CA's signing key. */
typedef int (*cmc_sign_fn)(void *ctx, enum x509_sigalg alg, const struct x509_buf *tbs,
			   uint8_t *sig, size_t *sig_len, char *err, size_t errlen);

/* The failInfo AD CS writes for a failed request's HRESULT: CMC_FAIL_BAD_REQUEST
 * for CERTSRV_E_BAD_REQUESTSUBJECT (0x80094001), -1 (no otherInfo) otherwise. */
int cmc_fail_info_for_hresult(uint32_t hresult);

/* Builds the signed response into out (malloc()ed; x509_buf_free). 0, or -1
 * with err naming what is wrong (nothing written to out). Refused: an unknown
 * status, issued without a certificate, a bodyPartID list too long, a status
 * string that is not UTF-8 or too long, a nonce or transactionId too long, a
 * CA certificate that does not decode or whose key the CA does not sign with,
 * a certificate or CRL that is not one DER SEQUENCE, more than the maximums, a
 * response beyond the size limit, a signature the callback fails to make or
 * that does not verify with the CA certificate's key. */
int cmc_response_build(const struct cmc_response_in *in, cmc_sign_fn sign, void *sign_ctx,
		       struct x509_buf *out, char *err, size_t errlen);

#endif
