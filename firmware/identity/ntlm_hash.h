/* NTLM one-way functions (MS-NLMP 3.3.1, 3.3.2): the NT hash that caadm stores
 * for an account and the NTLMv2 key derived from it. The NT hash is
 * password-equivalent (pass-the-hash): whoever holds it can authenticate. Here
 * rather than in the network-facing librpc: caadm, which writes accounts, needs
 * these and nothing of DCE/RPC. */
#ifndef IDENTITY_NTLM_HASH_H
#define IDENTITY_NTLM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* NTOWFv1 = MD4(UTF-16LE(password)); password is UTF-8 (platform/utf8.h's rule,
 * no NUL). 0, or -1 (not UTF-8, or longer than 256 UTF-16 code units). */
int ntlm_nt_hash(const char *password, size_t len, uint8_t out[16]);
/* NTOWFv2 = HMAC-MD5(NT hash, UTF-16LE(UPPER(user) || domain)); ASCII letters
 * are uppercased (the domain is taken as written). 0 or -1. */
int ntlm_ntowfv2(const uint8_t nt_hash[16], const char *user, const char *domain,
		 uint8_t out[16]);

#endif
