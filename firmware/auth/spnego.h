/* SPNEGO (RFC 4178, MS-SPNG) and the Kerberos framing ca-auth reads before MIT
 * GSSAPI sees a token: pure codecs, no GSSAPI call, no I/O, no allocation that
 * outlives a call. Decoders take the bytes of one worker message (at most
 * AUTH_GSS_TOKEN_MAX), demand strict DER (definite, minimal lengths, low tag
 * numbers, the whole input consumed), decode with libtasn1's SPNEGO module
 * (spnego.asn) and answer with pointers into their input, which stay valid as
 * long as the input does. Every refusal returns -1 with a message in err. */
#ifndef AUTH_SPNEGO_H
#define AUTH_SPNEGO_H

#include <stddef.h>
#include <stdint.h>

enum spnego_mech {
	SPNEGO_MECH_UNKNOWN = 0,
	SPNEGO_MECH_KRB5,   /* 1.2.840.113554.1.2.2 */
	SPNEGO_MECH_MSKRB5, /* 1.2.840.48018.1.2.2 (Windows' spelling of krb5) */
	SPNEGO_MECH_NTLM,   /* 1.3.6.1.4.1.311.2.2.10 */
	SPNEGO_MECH_NEGOEX, /* 1.3.6.1.4.1.311.2.2.30 */
};

/* A NegTokenInit offering more mechanisms than this is refused (Windows offers
 * four at most; impacket one). */
#define SPNEGO_MAX_MECHS 16

/* negState of a NegTokenResp (RFC 4178 4.2.2); SPNEGO_NEG_ABSENT: not present. */
enum {
	SPNEGO_NEG_ABSENT = -1,
	SPNEGO_NEG_ACCEPT_COMPLETED = 0,
	SPNEGO_NEG_ACCEPT_INCOMPLETE = 1,
	SPNEGO_NEG_REJECT = 2,
	SPNEGO_NEG_REQUEST_MIC = 3,
};

struct spnego_init {
	enum spnego_mech mechs[SPNEGO_MAX_MECHS]; /* in the initiator's order */
	size_t n_mechs;                           /* 1..SPNEGO_MAX_MECHS */
	/* The DER of MechTypeList as received (the SEQUENCE OF, without the [0]
	 * around it): what mechListMIC is computed over (RFC 4178 5). */
	const uint8_t *mech_list;
	size_t mech_list_len;
	const uint8_t *mech_token; /* NULL, 0: absent */
	size_t mech_token_len;
	const uint8_t *mic; /* NULL, 0: absent */
	size_t mic_len;
};

/* The GSS-framed InitialContextToken an initiator sends first (RFC 2743 3.1):
 * 0x60, the SPNEGO OID 1.3.6.1.5.5.2, then [0] NegTokenInit. Only the RFC 4178
 * NegTokenInit: MS-SPNG's NegTokenInit2 (negHints at [3]) is what a server
 * sends an initiator, never what an acceptor receives, so a [3] that is not an
 * OCTET STRING is refused. Unknown mechanism OIDs are kept in mechs as
 * SPNEGO_MECH_UNKNOWN (their position matters: the first is the optimistic
 * one). An empty mechTypes, or more than SPNEGO_MAX_MECHS, is refused.
 * Returns 0, or -1 with err set. */
int spnego_decode_init(const uint8_t *in, size_t len, struct spnego_init *out, char *err,
		       size_t errlen);

struct spnego_resp {
	int neg_state;         /* SPNEGO_NEG_*: -1 absent, 0..3 */
	enum spnego_mech mech; /* supportedMech; SPNEGO_MECH_UNKNOWN if absent or unknown */
	int has_mech;          /* supportedMech present (even if unknown) */
	const uint8_t *token;  /* responseToken; NULL, 0: absent */
	size_t token_len;
	const uint8_t *mic; /* mechListMIC; NULL, 0: absent */
	size_t mic_len;
};

/* [1] NegTokenResp, as every later leg carries it (not GSS-framed). A negState
 * outside 0..3 is refused. Returns 0, or -1 with err set. */
int spnego_decode_resp(const uint8_t *in, size_t len, struct spnego_resp *out, char *err,
		       size_t errlen);

/* Writes [1] NegTokenResp into out (at most outmax bytes; *outlen its length):
 * negState unless neg_state is SPNEGO_NEG_ABSENT, supportedMech unless mech is
 * SPNEGO_MECH_UNKNOWN, responseToken and mechListMIC when their pointer is not
 * NULL (a zero length is an empty OCTET STRING). The octets are DER, the same
 * impacket's SPNEGO_NegTokenResp writes for the forms it knows. Returns 0, or
 * -1 for a bad argument or a buffer too small (*outlen 0). */
int spnego_encode_resp(int neg_state, enum spnego_mech mech, const uint8_t *token,
		       size_t token_len, const uint8_t *mic, size_t mic_len, uint8_t *out,
		       size_t outmax, size_t *outlen);

/* TOK_ID values of RFC 4121 4.1 (big-endian on the wire). */
#define KRB5_TOK_AP_REQ 0x0100
#define KRB5_TOK_AP_REP 0x0200
#define KRB5_TOK_ERROR 0x0300

/* The krb5 mechanism's InitialContextToken framing (RFC 1964 1.1, RFC 4121
 * 4.1): 0x60, the krb5 OID (or MS-KRB5's, which some Windows initiators write),
 * two octets of TOK_ID, then the message (body, pointing into in). Only the
 * framing is checked, not the message. Returns 0, or -1 if the framing is not
 * exactly that. */
int krb5_tok_unframe(const uint8_t *in, size_t len, uint16_t *tok_id, const uint8_t **body,
		     size_t *body_len);

/* Longest realm and service name kept (with their NUL); longer ones refused. */
#define KRB5_NAME_MAX 256
/* Most components of a service name (host/fqdn has two). */
#define KRB5_SNAME_MAX_PARTS 8

struct krb5_apreq_info {
	int ticket_enctype; /* the ticket's enc-part etype (the service key's) */
	int has_kvno;
	uint32_t kvno;             /* the service key's version, if has_kvno */
	char realm[KRB5_NAME_MAX]; /* the ticket's (the service's) realm */
	char sname[KRB5_NAME_MAX]; /* components joined with '/' */
	int auth_enctype;          /* the authenticator's etype (the session key's) */
	const uint8_t *auth_cipher; /* the authenticator's ciphertext, in apreq */
	size_t auth_cipher_len;
	uint32_t ap_options; /* the first 32 bits of ap-options, bit 0 the MSB */
};

/* What ca-auth checks in an AP-REQ (RFC 4120 5.5.1, [APPLICATION 14]) before
 * GSSAPI decrypts it: pvno 5, msg-type 14, the ticket's realm and sname (each
 * component printable ASCII without '/', the joined name under
 * KRB5_NAME_MAX), the etypes, kvno, ap-options and where the authenticator's
 * ciphertext is (the replay cache's key). Nothing is decrypted. Returns 0, or
 * -1 with err set. */
int krb5_apreq_info(const uint8_t *apreq, size_t len, struct krb5_apreq_info *out, char *err,
		    size_t errlen);

/* The name of a mechanism, for messages ("unknown" for SPNEGO_MECH_UNKNOWN). */
const char *spnego_mech_name(enum spnego_mech mech);

#endif
