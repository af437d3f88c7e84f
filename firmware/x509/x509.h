/* X.509 for the CA: names, TBSCertificate, certificate and PKCS#10 assembly, and
 * the decoding the CA needs to check certificates. Built on firmware/asn1
 * (libtasn1) and wolfSSL (hashes, signature verification, PEM). wolfSSL's
 * certificate builder is not used: see ../shared/notes/dependencies.md. */
#ifndef X509_X509_H
#define X509_X509_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A malloc()ed byte buffer. */
struct x509_buf {
	uint8_t *data;
	size_t len;
};
void x509_buf_free(struct x509_buf *b);

enum x509_sigalg {
	X509_SIG_NONE = 0,
	X509_SIG_RSA_SHA256,   /* sha256WithRSAEncryption, NULL params */
	X509_SIG_RSA_SHA384,   /* sha384WithRSAEncryption, NULL params */
	X509_SIG_ECDSA_SHA256, /* ecdsa-with-SHA256, params absent */
	X509_SIG_ECDSA_SHA384, /* ecdsa-with-SHA384, params absent */
};

enum x509_key_type { X509_KEY_NONE = 0, X509_KEY_RSA = 1, X509_KEY_EC = 2 };

/* KeyUsage bits, named by RFC 5280 bit number. */
enum {
	X509_KU_DIGITAL_SIGNATURE = 1 << 0,
	X509_KU_NON_REPUDIATION = 1 << 1,
	X509_KU_KEY_ENCIPHERMENT = 1 << 2,
	X509_KU_DATA_ENCIPHERMENT = 1 << 3,
	X509_KU_KEY_AGREEMENT = 1 << 4,
	X509_KU_KEY_CERT_SIGN = 1 << 5,
	X509_KU_CRL_SIGN = 1 << 6,
};

#define X509_SERIAL_LEN 16
#define X509_MAX_EKU 8

/* ---- names ---- */

/* Parses a distinguished name written as in RFC 4514, most significant RDN last
 * ("CN=Root CA,O=Example,C=US" encodes C, then O, then CN), with "\," "\+" "\\"
 * "\=" escapes and "+" for multi-valued RDNs. Attributes: CN, O, OU, C, L, ST,
 * SERIALNUMBER, DC, E/emailAddress, UID, or a dotted OID. C is a 2-letter
 * PrintableString, DC/E are IA5String, the rest UTF8String. Empty names, empty
 * values, unknown keywords and over-long values are refused with a message. */
int x509_name_parse(const char *dn, struct x509_buf *der, char *err, size_t errlen);
/* The RFC 4514 string of a DER Name (most significant last); 0 or -1. */
int x509_name_format(const uint8_t *der, size_t len, char *out, size_t outlen);

/* ---- the strings of names (what a policy checks) ---- */

/* One string of a name, as characters. */
struct x509_text {
	size_t entry;       /* in a subjectAltName, the entry's index; 0 in a Name */
	size_t rdn;         /* a Name's RDN, 0 the first in DER (most significant);
			     * 0 for a SAN entry that is not a directoryName */
	size_t n_rdn;       /* RDNs in the Name (0 for a SAN entry not a Name) */
	size_t n_in_rdn;    /* attributes in this RDN (1 for a SAN entry not a Name) */
	const char *oid;    /* the attribute type, or otherName's type-id; "" else */
	const char *what;   /* for messages: "CN", "2.5.4.97", "SAN dNSName",
			     * "SAN otherName UPN", "SAN directoryName O" */
	const uint32_t *cp; /* its code points (n), NULL when bad */
	size_t n;
	const char *bad;    /* NULL, or why it is not a valid string of its type:
			     * invalid UTF-8 (platform/utf8: overlong, surrogate...),
			     * an unpaired BMP surrogate, a UniversalString beyond
			     * U+10FFFF, outside Printable/IA5/Visible/Numeric's
			     * repertoire, or not a string at all */
};
/* Called for each string; 0 goes on, anything else stops the walk with it. */
typedef int (*x509_text_fn)(void *ctx, const struct x509_text *t);
/* Every attribute value of a DER Name, in DER order. 0, fn's non-zero, or -1 when
 * it does not decode. */
int x509_name_texts(const uint8_t *der, size_t len, x509_text_fn fn, void *ctx);
/* Every name of a subjectAltName's value (GeneralNames): rfc822Name, dNSName and
 * URI (IA5String), an otherName whose value is a string (the UPN), each attribute
 * of a directoryName; x400Address and ediPartyName come with bad set; iPAddress,
 * registeredID and non-string otherNames hold no text and are skipped. */
int x509_san_texts(const uint8_t *value, size_t len, x509_text_fn fn, void *ctx);

/* RFC 5280 7.1 name matching: the same RDNs in the same order, each with the
 * same set of attributes, string values compared after RFC 4518 preparation
 * (invisible characters removed, space characters mapped, insignificant spaces
 * dropped, case folded: ASCII, Latin-1, Greek, Cyrillic; no NFKC), other values
 * byte for byte; whatever string type each side used. 1 match, 0 not, -1 when
 * either does not decode. */
int x509_name_match(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* A Name decoded once, for a caller that reads it more than once (the guard
 * rails read a request's subject as strings, then match it with the CA's own
 * name, decoded once at start): x509_name_texts and x509_name_match without a
 * decode each. x509_name_open: 0, or -1 when der does not decode (or out of
 * memory); free with x509_name_free (NULL is fine). */
struct x509_name;
int x509_name_open(const uint8_t *der, size_t len, struct x509_name **out);
void x509_name_free(struct x509_name *nm);
int x509_name_walk(const struct x509_name *nm, x509_text_fn fn, void *ctx);
int x509_name_same(const struct x509_name *a, const struct x509_name *b);

/* ---- keys and algorithms ---- */

/* Key type and size (RSA modulus bits; EC 256/384/521) of a DER SPKI; 0 or -1. */
int x509_spki_key(const uint8_t *spki, size_t len, enum x509_key_type *type, unsigned *bits);
/* The CA's one rule for a subject's key (every request path, ISSUE):
 * RSA of X509_RSA_MIN_BITS..X509_RSA_MAX_BITS bits, EC P-256 or P-384.
 * X509_KEY_RULE says so in a refusal's message. 1 when allowed, else 0. */
#define X509_RSA_MIN_BITS 2048u
#define X509_RSA_MAX_BITS 8192u
#define X509_KEY_RULE "RSA 2048..8192, EC P-256/P-384"
int x509_key_allowed(enum x509_key_type type, unsigned bits);
/* The signature algorithm a CA key of that type and size uses: RSA up to 3072
 * bits and P-256 use SHA-256; RSA-4096 and P-384 use SHA-384. */
enum x509_sigalg x509_sigalg_for_key(enum x509_key_type type, unsigned bits);
/* Hashes data with the sigalg's hash; digest must hold 64 bytes. 0 or -1. */
int x509_sigalg_digest(enum x509_sigalg alg, const uint8_t *data, size_t len,
		       uint8_t *digest, size_t *digest_len);
/* The RFC 5280 method-1 key identifier: SHA-1 of the subjectPublicKey bits. */
int x509_key_id(const uint8_t *spki, size_t len, uint8_t out[20]);
/* Turns 16 random bytes into a serial: top bit cleared (positive), next bit set
 * (so the DER INTEGER is always exactly 16 bytes, never zero): 126 random bits. */
void x509_serial_from_random(uint8_t serial[X509_SERIAL_LEN]);

/* ---- building ---- */

/* An extension given whole (an officer's SetExtension): its value is one DER
 * element, written as the extnValue's contents. */
struct x509_ext_in {
	const char *oid; /* dotted */
	int critical;
	const uint8_t *value;
	size_t len;
	/* 1: a certificate manager set it (setextension); 0: it came from the request.
	 * The encoder ignores it; the custodian's lint grants the agent purposes
	 * only when it is 1 (firmware/custodian/lint.c). */
	int officer;
};
#define X509_MAX_EXTRA_EXT 8
/* 1 when p is exactly one DER element (low-form tag, definite length, nothing
 * after): what an extension value given whole must be. */
int x509_der_one_element(const uint8_t *p, size_t len);
/* 1 for a dotted OID the encoder accepts (arcs, first arc 0..2, length). */
int x509_oid_valid(const char *oid);
/* 1 for an extension OID x509_cert_decode accepts marked critical (the ones it
 * reads, and the RFC 5280 ones it knows); it refuses a certificate with any other
 * critical extension, so neither may the CA sign one. */
int x509_ext_may_be_critical(const char *oid);

struct x509_tbs {
	uint8_t serial[20];
	size_t serial_len;  /* 1..20; first byte < 0x80 and not a redundant 0x00 */
	enum x509_sigalg sigalg;
	struct x509_buf issuer;  /* DER Name */
	struct x509_buf subject; /* DER Name */
	time_t not_before, not_after; /* UTCTime before 2050, GeneralizedTime from 2050 */
	struct x509_buf spki;    /* DER SubjectPublicKeyInfo */

	int basic_constraints; /* 1: add BasicConstraints */
	int is_ca;             /* cA; the extension is critical when is_ca */
	int path_len;          /* -1: no pathLenConstraint */
	unsigned key_usage;    /* 0: no KeyUsage; otherwise X509_KU_* bits, critical */
	const char *eku[X509_MAX_EKU]; /* dotted OIDs; NULL-terminated or n_eku */
	size_t n_eku;
	int ski;               /* 1: SubjectKeyIdentifier computed from spki */
	uint8_t aki[20];       /* AuthorityKeyIdentifier keyIdentifier ... */
	int has_aki;           /* ... when has_aki */
	const char *cdp_url;   /* CRLDistributionPoints fullName URI, NULL/"" none */
	const char *aia_ca_issuers_url; /* AIA caIssuers URI, NULL/"" none */
	const char *aia_ocsp_url;       /* AIA OCSP URI, NULL/"" none */
	const struct x509_ext_in *extra; /* written after the built-in ones; an OID */
	size_t n_extra;                  /* may appear once in all (the caller drops
					  * the built-in one it replaces) */
	/* 1: a certificate manager approved this certificate with the purposes in
	 * eku (a template whose every request pends). The encoder ignores it; the
	 * custodian's lint grants the agent purposes in eku only then. */
	int eku_approved;
};

/* DER TBSCertificate (v3). 0 or -1 with a message naming the bad field. */
int x509_tbs_encode(const struct x509_tbs *t, struct x509_buf *out, char *err, size_t errlen);

/* Certificate ::= SEQUENCE { tbs, signatureAlgorithm, signatureValue }. sig is the
 * X.509-ready signature (PKCS#1 v1.5 block, or DER ECDSA-Sig-Value). */
int x509_cert_assemble(const struct x509_buf *tbs, enum x509_sigalg alg, const uint8_t *sig,
		       size_t sig_len, struct x509_buf *out);

/* CertificationRequestInfo (v1). When is_ca, an extensionRequest attribute asks
 * for BasicConstraints cA=TRUE (critical) and KeyUsage keyCertSign|cRLSign. */
int x509_csr_info_encode(const struct x509_buf *subject, const struct x509_buf *spki, int is_ca,
			 struct x509_buf *out, char *err, size_t errlen);
/* CertificationRequest ::= SEQUENCE { info, signatureAlgorithm, signature }. */
int x509_csr_assemble(const struct x509_buf *info, enum x509_sigalg alg, const uint8_t *sig,
		      size_t sig_len, struct x509_buf *out);

/* ---- decoding and checking ---- */

/* One extension of a decoded certificate, as it is in the TBS. */
struct x509_cert_ext {
	char oid[128];            /* dotted */
	int critical;
	struct x509_buf value;    /* extnValue's content */
};

struct x509_cert_info {
	struct x509_buf der;      /* the whole certificate */
	struct x509_buf tbs;      /* the TBSCertificate bytes as received */
	struct x509_buf serial;   /* INTEGER content bytes */
	struct x509_buf issuer;   /* DER Name */
	struct x509_buf subject;  /* DER Name */
	struct x509_buf spki;     /* DER SubjectPublicKeyInfo */
	time_t not_before, not_after;
	int version;              /* 1, 2 or 3 */
	int has_basic_constraints, is_ca, path_len; /* path_len -1 when absent */
	int has_key_usage;
	unsigned key_usage;       /* X509_KU_* */
	int has_ski, has_aki;
	uint8_t ski[20], aki[20];
	size_t ski_len, aki_len;
	enum x509_sigalg sigalg;
	struct x509_buf sig;      /* signatureValue bytes */
	struct x509_cert_ext *ext; /* every extension, in order (what the custodian's
				    * lint compares with what it meant to sign) */
	size_t n_ext;
};

/* The purposes of an ExtKeyUsageSyntax value (struct x509_cert_ext's value for
 * 2.5.29.37), as dotted OIDs, in order: 0, or -1 when it does not decode or
 * holds more than max. */
int x509_eku_decode(const struct x509_buf *value, char (*oids)[128], size_t max, size_t *n,
		    char *err, size_t errlen);

/* Decodes a DER certificate strictly. 0 or -1 with a message. */
int x509_cert_decode(const uint8_t *der, size_t len, struct x509_cert_info *out, char *err,
		     size_t errlen);
void x509_cert_info_free(struct x509_cert_info *ci);

/* Frees what signature checks left cached for the calling thread: wolfSSL's
 * FP_ECC tables are per thread (up to ~12 MiB, custodian/verify_pool.h) and
 * leak when a thread that verified ECDSA ends. A thread that verifies rarely
 * (a custodian service thread checking a CMS request's signers) calls this
 * after; the tables are rebuilt when needed. */
void x509_verify_thread_done(void);

/* Verifies cert's signature over its TBS with the issuer's DER SPKI (wolfSSL
 * wc_SignatureVerify). 0 if valid, -1 otherwise. */
int x509_verify_signature(const struct x509_cert_info *cert, const uint8_t *issuer_spki,
			  size_t issuer_spki_len, char *err, size_t errlen);

/* Verifies a DER PKCS#10 request's self-signature; fills its subject and SPKI
 * (either may be NULL). 0 or -1 with a message. */
int x509_csr_verify(const uint8_t *der, size_t len, struct x509_buf *subject,
		    struct x509_buf *spki, char *err, size_t errlen);

/* The sizes of a PKCS#10 request's parts, read from its structure alone (the
 * signature is not checked): what a receiver compares with its limits before any
 * costly work, and what the worker checks to fail fast. */
struct x509_csr_shape {
	size_t subject_off, subject_len; /* DER Name, where it is in der */
	size_t spki_off, spki_len;       /* DER SubjectPublicKeyInfo, ditto */
	size_t n_ext;       /* extensions its extensionRequest attributes ask for */
	size_t ext_len;     /* bytes of those Extensions values, DER */
	int ext_unreadable; /* 1: an extensionRequest value is not Extensions (the
			     * counts stop there) */
};
/* 0 with *s when der is a DER CertificationRequest with the fields that make one
 * present (version, subject, key algorithm and bits, signature algorithm and
 * value: libtasn1 alone decodes "30 00" as one), or -1 with err. One decode:
 * format detection classifies a request with it (firmware/icpr). */
int x509_csr_shape(const uint8_t *der, size_t len, struct x509_csr_shape *s, char *err,
		   size_t errlen);

/* ---- CRLs (RFC 5280 5) ---- */

/* CRLReason values (RFC 5280 5.3.1); 7 is not used. */
enum {
	X509_CRL_REASON_NONE = -1, /* no reasonCode extension */
	X509_CRL_REASON_UNSPECIFIED = 0, /* written as no extension (RFC 5280 5.3.1) */
	X509_CRL_REASON_KEY_COMPROMISE = 1,
	X509_CRL_REASON_CA_COMPROMISE = 2,
	X509_CRL_REASON_AFFILIATION_CHANGED = 3,
	X509_CRL_REASON_SUPERSEDED = 4,
	X509_CRL_REASON_CESSATION_OF_OPERATION = 5,
	X509_CRL_REASON_CERTIFICATE_HOLD = 6,
	X509_CRL_REASON_REMOVE_FROM_CRL = 8, /* delta CRLs only */
	X509_CRL_REASON_PRIVILEGE_WITHDRAWN = 9,
	X509_CRL_REASON_AA_COMPROMISE = 10,
};

struct x509_crl_entry {
	uint8_t serial[20];
	size_t serial_len;   /* the certificate serial rules of struct x509_tbs */
	time_t revoked_at;   /* revocationDate: UTCTime before 2050, GeneralizedTime from */
	int reason;          /* -1 or 0: no reasonCode; 1..10 except 7; 8 in deltas only */
	time_t invalidity;   /* invalidityDate (GeneralizedTime); 0: none */
};

struct x509_crl {
	enum x509_sigalg sigalg;
	struct x509_buf issuer;      /* DER Name, not empty */
	uint8_t aki[20];             /* AuthorityKeyIdentifier keyIdentifier ... */
	int has_aki;                 /* ... when has_aki */
	time_t this_update, next_update; /* next_update > this_update */
	uint64_t number;             /* cRLNumber */
	int is_delta;                /* 1: a delta CRL ... */
	uint64_t base_number;        /* ... with deltaCRLIndicator (critical) < number */
	const char *idp_url;         /* issuingDistributionPoint fullName URI, critical;
				      * NULL/"" none */
	const char *freshest_url;    /* freshestCRL (base CRLs only); NULL/"" none */
	const struct x509_crl_entry *entries;
	size_t n_entries;            /* 0: revokedCertificates is left out */
	size_t max_size;             /* 0: X509_CRL_MAX_SIZE. Only a lower value is
				      * honoured: tests reach the limit with it
				      * without writing 256 MiB */
};

/* The largest TBSCertList x509_crl_tbs_encode writes and x509_crl_tbs_decode
 * reads: 256 MiB, about 6 million entries with reasons (a million take ~44 MB).
 * x509_crl_assemble takes a TBS up to this size; x509_crl_decode a whole CRL up
 * to this plus its envelope (X509_CRL_ENVELOPE_MAX). Certificates, requests and
 * everything else stay limited to 1 MiB. */
#define X509_CRL_MAX_SIZE ((size_t)256 << 20)
#define X509_CRL_ENVELOPE_MAX ((size_t)8192)

/* DER TBSCertList (v2). crlExtensions in this order: AKI, cRLNumber,
 * deltaCRLIndicator, IDP, freshestCRL. 0, or -1 with a message naming the bad
 * field ("entries[3].reason: ...") or the size limit ("crl: larger than ...").
 * The result is at most X509_CRL_MAX_SIZE bytes (or c->max_size). */
int x509_crl_tbs_encode(const struct x509_crl *c, struct x509_buf *out, char *err,
			size_t errlen);

/* CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue },
 * around the TBS bytes verbatim (as x509_cert_assemble); the TBS may be up to
 * X509_CRL_MAX_SIZE bytes. */
int x509_crl_assemble(const struct x509_buf *tbs, enum x509_sigalg alg, const uint8_t *sig,
		      size_t sig_len, struct x509_buf *out);

/* What x509_crl_decode / x509_crl_tbs_decode report. */
struct x509_crl_info {
	struct x509_buf tbs;      /* the TBSCertList bytes as received */
	struct x509_buf issuer;   /* DER Name */
	enum x509_sigalg sigalg;  /* X509_SIG_NONE if not one the CA signs with */
	struct x509_buf sig;      /* signatureValue bytes (empty for a bare TBS) */
	int version;              /* 1 or 2 */
	time_t this_update, next_update; /* next_update 0 when absent */
	int has_number;
	uint64_t number;
	int is_delta;
	uint64_t base_number;
	int has_aki;
	uint8_t aki[20];
	int has_idp, has_freshest;
	size_t n_entries;
	size_t n_reasons;         /* entries with a reasonCode */
	size_t n_invalidity;      /* entries with an invalidityDate */
};

/* Strict DER decode of a CertificateList (x509_crl_decode) or of a bare
 * TBSCertList (x509_crl_tbs_decode: the lint before signing). Refused: extensions
 * in a v1 CRL, unknown critical CRL or entry extensions, duplicates, cRLNumber
 * above 2^64-1, bad serials, reasons out of range, a delta without cRLNumber.
 * 0, or -1 with a message and out zeroed. */
int x509_crl_decode(const uint8_t *der, size_t len, struct x509_crl_info *out, char *err,
		    size_t errlen);
int x509_crl_tbs_decode(const uint8_t *der, size_t len, struct x509_crl_info *out, char *err,
			size_t errlen);
void x509_crl_info_free(struct x509_crl_info *ci);
/* Verifies a decoded CRL's signature with the issuer's DER SPKI (wolfSSL).
 * 0 if valid, -1 otherwise (also for a bare TBS, which has no signature). */
int x509_crl_verify_signature(const struct x509_crl_info *crl, const uint8_t *issuer_spki,
			      size_t issuer_spki_len, char *err, size_t errlen);

/* The extensions a PKCS#10 request asks for (its extensionRequest attribute,
 * 1.2.840.113549.1.9.14), at most max, in order. Each value is the extnValue's
 * contents (malloc()ed). Does not check the signature (x509_csr_verify does).
 * 0, or -1 with err and nothing returned. */
struct x509_req_ext {
	char oid[128];
	int critical;
	struct x509_buf value;
};
int x509_csr_requested_extensions(const uint8_t *der, size_t len, struct x509_req_ext *out,
				  size_t max, size_t *n, char *err, size_t errlen);
void x509_req_exts_free(struct x509_req_ext *e, size_t n);

/* ---- PEM ---- */

/* Writes "-----BEGIN <label>-----" base64 lines of 64 "-----END <label>-----". */
int x509_pem_encode(const char *label, const uint8_t *der, size_t len, struct x509_buf *out);
/* Decodes every "BEGIN <label>" block of a PEM text (label e.g. "CERTIFICATE") into
 * a malloc()ed array of DER buffers; *n set to the count. Input that is not PEM
 * but starts with a DER SEQUENCE is returned as one buffer. 0 or -1. */
int x509_pem_decode_all(const char *label, const uint8_t *text, size_t len,
			struct x509_buf **out, size_t *n);


/* ---- ledger checkpoints (checkpoint.c; pkix.asn LedgerCheckpoint) ----
 * The custodian signs the ledger's head with the CA key (firmware/custodian/
 * checkpoint.c); anyone with the CA certificate can check it. */
#define X509_CHECKPOINT_HASH_LEN 32
#define X509_CHECKPOINT_MAX 4096 /* a signed checkpoint is ~100 bytes + a signature */
struct x509_checkpoint {
	uint64_t seq;                          /* the ledger record covered, >= 1 */
	uint8_t head[X509_CHECKPOINT_HASH_LEN]; /* SHA-256 of record seq */
	int64_t time;                          /* when it was taken (unix seconds) */
	uint64_t crl_number;                   /* the latest CRL's number, 0: none */
	enum x509_sigalg sigalg;               /* set by the decoders */
};
/* The DER LedgerCheckpoint to be signed. 0 or -1 with err. */
int x509_checkpoint_tbs_encode(const struct x509_checkpoint *c, struct x509_buf *out,
			       char *err, size_t errlen);
/* SignedLedgerCheckpoint around the body's bytes verbatim. 0 or -1. */
int x509_checkpoint_assemble(const struct x509_buf *tbs, enum x509_sigalg alg,
			     const uint8_t *sig, size_t sig_len, struct x509_buf *out);
/* Strict DER decode of a SignedLedgerCheckpoint (no signature check: for
 * display). 0, or -1 with err and c zeroed. */
int x509_checkpoint_decode(const uint8_t *der, size_t len, struct x509_checkpoint *c,
			   char *err, size_t errlen);
/* The same, and its signature verified with the DER SPKI (the CA key's). */
int x509_checkpoint_verify(const uint8_t *der, size_t len, const uint8_t *spki,
			   size_t spki_len, struct x509_checkpoint *c, char *err, size_t errlen);

#endif
