/* careq's building blocks besides the DCE/RPC transport (rpc_client.h): the
 * ept_map and CertServerRequest stubs as a client writes and reads them, and key
 * and PKCS#10 generation. The server side of both stubs is firmware/rpc; the
 * wire facts are in shared/notes/icpr-wire.md. */
#ifndef CLIENT_CLIENT_H
#define CLIENT_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

#endif
