/* careq's building blocks besides the DCE/RPC transport (rpc_client.h): the
 * ept_map and CertServerRequest stubs as a client writes and reads them, and key
 * and PKCS#10 generation. The server side of both stubs is firmware/rpc; the
 * wire facts are in shared/notes/icpr-wire.md. */
#ifndef CLIENT_CLIENT_H
#define CLIENT_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "firmware/client/rpc_client.h"
#include "firmware/rpc/icpr_stub.h"
#include "firmware/rpc/uuid.h"
#include "firmware/x509/x509.h"

#define CLIENT_ERR_LEN 256

/* ---- endpoint mapper (epm_client.c) ---- */

/* Asks the endpoint mapper bound on c (rpc_iface_epm) for iface over
 * ncacn_ip_tcp with NDR 2.0 (one tower, max_towers 1) and returns the TCP port
 * in floor 4 of the tower it answers. RPCC_OK; RPCC_EREFUSED when the interface
 * is not registered; other rpcc statuses with c->err. */
int epmc_map(struct rpcc *c, const struct rpc_syntax *iface, uint16_t *port);

/* ---- CertServerRequest (icpr_call.c) ---- */

/* Encodes the request stub for q (firmware/rpc's type, filled by the client:
 * authority units without the NUL, which is added; blobs with cb 0 go out as
 * NULL). w must be empty. 0 or -1. */
int icprc_encode(const struct rpc_icpr_request *q, struct ndr_wr *w);
/* Decodes a response stub: every count against the octets left, max_count ==
 * cb, a NULL pb only with cb 0, at most 7 trailing octets. The blobs point into
 * stub. 0, or -1 with a message. */
int icprc_decode(const uint8_t *stub, size_t len, struct rpc_icpr_response *r, char *err,
		 size_t errlen);
/* One call on an ICPR binding: encode, call opnum 0, decode into r (pointing
 * into out, which the caller initialised). rpcc statuses; RPCC_EPROTO when the
 * response does not decode (c->err). */
int icprc_call(struct rpcc *c, const struct rpc_icpr_request *q, struct ndr_wr *out,
	       struct rpc_icpr_response *r);

/* ---- one enrollment exchange (enroll.c) ---- */

#define ENROLL_HOST_MAX 256
#define ENROLL_CA_MAX 1024 /* octets of the CA name in UTF-8 */
#define ENROLL_EPM_PORT "135"

struct enroll_target {
	char host[ENROLL_HOST_MAX]; /* name, IPv4 or IPv6 address (brackets removed) */
	char port[6];               /* the endpoint mapper's */
	char ca_name[ENROLL_CA_MAX];
	int timeout_ms;             /* for connect and for each exchange */
	uint16_t max_recv;          /* max_recv_frag to offer; 0: the default */
	const struct rpcc_auth *auth; /* NTLM for the ICPR bind; NULL: unauthenticated */
};

/* "HOST[:PORT]\CANAME" (an IPv6 address with a port in brackets: "[::1]:135\CA").
 * Fills host, port and ca_name only. 0, or -1 with a message. */
int enroll_parse_config(const char *config, struct enroll_target *t, char *err, size_t errlen);

/* Resolves the host, asks its endpoint mapper for the ICPR port, connects to
 * that port on the address that answered, binds ICPR (NDR 2.0, no
 * authentication) and calls CertServerRequest with q. RPCC_OK with *resp
 * pointing into out (initialised by the caller); otherwise an rpcc status and a
 * message in err (RPCC_ENET also when the host does not resolve). */
int enroll_call(const struct enroll_target *t, const struct rpc_icpr_request *q,
		struct ndr_wr *out, struct rpc_icpr_response *resp, char *err, size_t errlen);

/* The first address of t's host and endpoint mapper port that accepts a TCP
 * connection: c connected, *ss the address. RPCC_OK or RPCC_ENET with err. */
int enroll_connect_epm(const struct enroll_target *t, struct rpcc *c,
		       struct sockaddr_storage *ss, socklen_t *sslen, char *err, size_t errlen);
/* Sets ss's port (IPv4 or IPv6). */
void enroll_set_port(struct sockaddr_storage *ss, uint16_t port);

/* ---- MS-WCCE over DCOM (dcom_call.c) ---- */

/* An activated CCertRequestD object, as certreq reaches it: activation
 * (IRemoteSCMActivator::RemoteCreateInstance, NTLM at t->auth's level) on the
 * endpoint mapper's port, then a connection to the OXID's ncacn_ip_tcp
 * binding whose host is the address reached (or t->host; failing both, the
 * first ncacn_ip_tcp binding's port on the address reached, as enroll_call
 * ignores the tower's address), ICertRequestD2 bound with t->auth, every
 * request carrying the interface's IPID as its object UUID. */
struct dcomc {
	struct rpcc c;                /* open: ICertRequestD2 bound, object set */
	struct sockaddr_storage ss;   /* the ICertRequestD2 endpoint */
	socklen_t sslen;
	struct rpc_uuid ipid;         /* ICertRequestD2's IPID */
	struct rpc_uuid ipid_remunknown;
	uint32_t public_refs;         /* references the activation handed out */
	uint64_t oxid, oid;
	uint16_t port;                /* from the binding */
};

/* Activates and connects (*d usable for dcomc_request2 / dcomc_getcaprop).
 * RPCC_OK, or an rpcc status with err (a refused activation: RPCC_EFAULT
 * with the HRESULT in err). */
int dcomc_open(const struct enroll_target *t, struct dcomc *d, char *err, size_t errlen);
/* ICertRequestD2::Request2 with q (pwszAttributes from q->attribs' UTF-16LE
 * text, its NUL dropped); the answer mapped onto *resp (pctbCert is
 * pctbFullResponse, status the HRESULT), pointing into out. */
int dcomc_request2(struct dcomc *d, const struct rpc_icpr_request *q, struct ndr_wr *out,
		   struct rpc_icpr_response *resp);
/* ICertRequestD2::GetCAProperty: *val points into out, *hr the HRESULT. */
int dcomc_getcaprop(struct dcomc *d, const uint8_t *authority, size_t units, int32_t prop_id,
		    int32_t prop_index, int32_t prop_type, struct ndr_wr *out,
		    struct rpc_icpr_blob *val, uint32_t *hr);
/* Releases the object (IRemUnknown2::RemRelease on a second connection, with
 * t's authentication: rpcc binds one interface per connection) when release
 * is set and t is given, then closes. Release failures are ignored (the CA
 * frees unpinged objects anyway). */
void dcomc_close(struct dcomc *d, const struct enroll_target *t, int release);
/* enroll_call over DCOM: open, Request2, close with release. */
int dcom_enroll_call(const struct enroll_target *t, const struct rpc_icpr_request *q,
		     struct ndr_wr *out, struct rpc_icpr_response *resp, char *err,
		     size_t errlen);

/* ---- the outcome (report.c) ---- */

/* careq's exit statuses (documented in cli.c's help text). */
enum careq_exit {
	CAREQ_EXIT_OK = 0,      /* issued (CERTOUT written), or `new` done */
	CAREQ_EXIT_NET = 1,     /* network or protocol error */
	CAREQ_EXIT_CA = 2,      /* the CA refused the call, denied or failed the request */
	CAREQ_EXIT_PENDING = 3, /* taken under submission */
	CAREQ_EXIT_LOCAL = 4,   /* usage, files, key generation */
};

#define REPORT_MESSAGE_MAX_UNITS 4096 /* longer disposition messages are cut */

/* "E_INVALIDARG" ... for an HRESULT, or NULL. */
const char *hresult_name(uint32_t hr);

/* "0x80070057 (E_INVALIDARG)", or "0x80000000" for an HRESULT without a name. */
void hresult_text(uint32_t hr, char *out, size_t len);

/* Why the CA refused a call with this return value (": ..." to append), for
 * the usual ones; "" for the rest. */
const char *report_status_hint(uint32_t hr);

/* pctbDispositionMessage as printable UTF-8 (malloc()ed; NULL when out of
 * memory): up to the first NUL unit, or all of it when there is none (an odd
 * last octet dropped); cut at REPORT_MESSAGE_MAX_UNITS units; control
 * characters as '?'; a placeholder when it is not UTF-16. */
char *report_message_text(const struct rpc_icpr_blob *b);

/* Says what the CA answered (out for outcomes, err for refusals and errors),
 * writes the certificate to certout as PEM when one was issued, and returns the
 * exit status. expect_id is the id asked for (0 for a new request). */
int report_outcome(const struct rpc_icpr_response *r, uint32_t expect_id, const char *certout,
		   FILE *out, FILE *err);

/* ---- keys and requests (keygen.c) ---- */

struct keyspec {
	enum x509_key_type type;
	unsigned bits; /* RSA modulus bits, or the EC curve's size */
	char name[16]; /* as given: "rsa:2048", "ec:p256" ... */
};

/* "rsa:2048", "rsa:3072", "ec:p256" or "ec:p384". 0 or -1. */
int keyspec_parse(const char *s, struct keyspec *k);

/* Generates a key pair with wolfSSL's RNG and a PKCS#10 request for subject (an
 * RFC 4514 DN) signed with it (SHA-256): the private key as a PKCS#8 PEM
 * ("PRIVATE KEY") in *key_pem, the request as DER in *csr. The caller must wipe
 * key_pem before freeing it (explicit_bzero); no other copy of the private key
 * outlives the call. 0, or -1 with a message. */
int keygen_request(const struct keyspec *k, const char *subject, struct x509_buf *key_pem,
		   struct x509_buf *csr, char *err, size_t errlen);

/* As keygen_request, for a subject given as a DER Name (renew: the old
 * certificate's) and with attrs (NULL or empty: none), the DER of one or more
 * Attribute TLVs, as the request's attributes [0]. */
int keygen_request_der(const struct keyspec *k, const struct x509_buf *subject,
		       const struct x509_buf *attrs, struct x509_buf *key_pem, struct x509_buf *csr,
		       char *err, size_t errlen);

/* ---- CMS requests (cmsreq.c) ---- */

#define CMSREQ_OID_RENEWAL "1.3.6.1.4.1.311.13.1"      /* MS-WCCE 2.2.2.7.3 */
#define CMSREQ_OID_NAME_VALUE "1.3.6.1.4.1.311.13.2.1" /* MS-WCCE 2.2.2.7.10 */
#define CMSREQ_CRLS_MAX 64 /* CRLs taken from one answer */

/* Who signs a CMS request: a certificate and its private key. */
struct cmsreq_signer {
	struct x509_buf cert;     /* DER */
	struct x509_cert_info info; /* cert decoded (its subject for renew) */
	int have_info;
	struct x509_buf key;      /* RSAPrivateKey or ECPrivateKey DER; wiped when freed */
	enum x509_key_type type;
};

/* Reads the certificate (PEM or DER; the first of a PEM) and the private key
 * (PKCS#8 or traditional, PEM or DER; RSA or EC). 0, or -1 with a message and
 * nothing to free. */
int cmsreq_load_signer(const char *cert_path, const char *key_path, struct cmsreq_signer *s,
		       char *err, size_t errlen);
void cmsreq_signer_free(struct cmsreq_signer *s);

/* The renewal certificate attribute for cert: Attribute { 1.3.6.1.4.1.311.13.1,
 * SET { cert's DER } }. 0 or -1. */
int cmsreq_renewal_attr(const struct x509_buf *cert, struct x509_buf *out);

/* EnrollmentNameValuePair ::= SEQUENCE { name BMPString, value BMPString } from
 * UTF-8 (characters beyond the BMP refused). 0 or -1. */
int cmsreq_name_value(const char *name, const char *value, struct x509_buf *out);

/* CMS SignedData (ContentInfo, DER) of content (eContentType id-data), signed
 * by s with SHA-256: s's certificate in certificates, issuerAndSerialNumber,
 * signed attributes contentType, messageDigest, signingTime and, when
 * requester is not NULL, the name-value pair RequesterName=requester. The
 * result is verified with the certificate's key before it is returned. 0, or -1
 * with a message. */
int cmsreq_sign(const struct cmsreq_signer *s, const uint8_t *content, size_t len,
		const char *requester, struct x509_buf *out, char *err, size_t errlen);

/* The renewal request for old (MS-WCCE 3.1.1.4.3.2.1): a new key pair per k
 * (PKCS#8 PEM in *key_pem, to be wiped by the caller), a PKCS#10 for old's
 * subject with the renewal certificate attribute (old's DER) signed with it, in
 * cmsreq_sign's SignedData signed by old. 0, or -1 with a message and nothing
 * returned. */
int cmsreq_renewal(const struct keyspec *k, const struct cmsreq_signer *old,
		   struct x509_buf *key_pem, struct x509_buf *cms, char *err, size_t errlen);

/* The CRLs (CertificateList DER) in the crls field of a PKCS#7 SignedData that
 * came from the network (certs-only, or a CMC full response), decoded with
 * libtasn1 under strict DER. *crls is malloc()ed (cmsreq_crls_free), NULL when
 * there are none. 0, or -1 with a message and nothing to free. */
int cmsreq_crls(const uint8_t *p7, size_t len, struct x509_buf **crls, size_t *n, char *err,
		size_t errlen);
void cmsreq_crls_free(struct x509_buf *crls, size_t n);

#endif
