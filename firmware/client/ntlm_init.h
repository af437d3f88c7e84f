/* careq's NTLM initiator: gss-ntlmssp through MIT GSSAPI (gss_init_sec_context
 * with a password credential), plugged into rpc_client's rpcc_auth. Signing and
 * sealing are firmware/rpc/ntlm_seal.c, as on the server. */
#ifndef CLIENT_NTLM_INIT_H
#define CLIENT_NTLM_INIT_H

#include <stddef.h>

#include <gssapi/gssapi.h>

#include "firmware/client/rpc_client.h"

struct ntlmc;

/* A credential for "DOMAIN\user" with password (NUL-terminated UTF-8; the
 * caller wipes it). NULL with err on failure. */
struct ntlmc *ntlmc_new(const char *user, const char *password, char *err, size_t errlen);
void ntlmc_free(struct ntlmc *n);
/* The rpcc_auth for a bind at level (RPC_AUTHN_LEVEL_*) with this credential. */
void ntlmc_auth(struct ntlmc *n, unsigned char level, struct rpcc_auth *a);

/* "WHAT: GSS text (mechanism's text)" into err, for a failed GSSAPI call of
 * mechanism mech; returns -1. Shared by every GSSAPI initiator of the client
 * side (this one and the benchmark's Kerberos one). */
int client_gss_fail(const char *what, gss_OID mech, OM_uint32 major, OM_uint32 minor,
		    char *err, size_t errlen);

#endif
