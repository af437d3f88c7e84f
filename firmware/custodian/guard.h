/* The guard rails of automatic issuance (issue 14): what a request may name.
 * Pure code: no HSM, no ledger, no I/O. Every refusal is
 * CERTSRV_E_BAD_REQUESTSUBJECT with a message that names the attribute. */
#ifndef CUSTODIAN_GUARD_H
#define CUSTODIAN_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/derive.h"
#include "firmware/x509/x509.h"

/* 1 for a character no name of a request may hold: C0 controls and NUL, DEL,
 * C1 controls, the bidi embeddings and overrides U+202A..U+202E and isolates
 * U+2066..U+2069. */
int guard_char_refused(uint32_t cp);

/* Always, whatever the policy: every attribute value of the subject is a valid
 * string of its type without a refused character, and the subject is not the
 * CA's own name (p->ca_name, RFC 5280 matching; none when p->ca_name is NULL).
 * 0, or CERTSRV_E_BAD_REQUESTSUBJECT with msg. */
uint32_t guard_subject(const struct policy *p, const struct x509_buf *subject, char *msg,
		       size_t msglen);

/* Always: every name of a requested subjectAltName (its extension value) is a
 * valid string without a refused character, of a kind the CA reads. 0, or
 * CERTSRV_E_BAD_REQUESTSUBJECT with msg. */
uint32_t guard_san(const struct x509_buf *value, char *msg, size_t msglen);

/* policy = issue only: the requester's subject is accepted where p->subject_rule
 * allows it. SUBJECT_RULE_ACCOUNT: exactly one RDN holding one CN equal to the
 * user part of requester ("DOMAIN\name": name; ASCII case-insensitive), which an
 * anonymous requester has not. SUBJECT_RULE_REQUEST: any subject. 0, or
 * CERTSRV_E_BAD_REQUESTSUBJECT with msg. */
uint32_t guard_subject_rule(const struct policy *p, const struct x509_buf *subject,
			    const char *requester, int anonymous, char *msg, size_t msglen);

#endif
