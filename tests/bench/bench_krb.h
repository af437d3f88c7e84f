/* The benchmark's Kerberos initiator (bench_enroll --krb): SPNEGO with MIT's
 * krb5 mechanism in DCE style, as Windows binds with RPC_C_AUTHN_GSS_NEGOTIATE
 * (auth type 9), plugged into rpc_client's rpcc_sec. The legs: NegTokenInit
 * with the AP-REQ in the bind; the CA's AP-REP out of the bind_ack's
 * NegTokenResp; our own AP-REP in a NegTokenResp in the alter_context; the
 * alter_context_resp's NegTokenResp accept-completed. Every request fragment
 * is sealed and every response fragment unsealed by MIT (gss_wrap_iov /
 * gss_unwrap_iov, DCE style), an implementation independent of the CA's
 * firmware/rpc/krb5_seal.c. Packet privacy only; no header signing.
 *
 * Credentials: the default ccache (KRB5CCNAME, made by kinit; the service
 * ticket is taken from it, or fetched and stored there by MIT), the realm from
 * KRB5_CONFIG. Only the bench links this (libgssapi_krb5). */
#ifndef BENCH_KRB_H
#define BENCH_KRB_H

#include <stddef.h>

#include "firmware/client/rpc_client.h"

struct krbc;

/* An initiator for the service principal ("host/ca.example.test@CA.TEST").
 * NULL with err on failure. */
struct krbc *krbc_new(const char *service, char *err, size_t errlen);
/* Ends the security context (keys wiped by MIT) and frees. NULL is ignored. */
void krbc_free(struct krbc *k);
/* The rpcc_auth for a bind at packet privacy: each bind starts a new context
 * (a new AP-REQ, a fresh logon). k must outlive the connection. */
void krbc_auth(struct krbc *k, struct rpcc_auth *a);

#endif
