/* libFuzzer target: the PAC decoder (firmware/auth/pac.c, pac_decode) on any
 * octets, as ca-auth gets a PAC from MIT GSSAPI. A refusal has a message and
 * leaves *out zeroed; what decodes keeps pac.h's promises (flags 0 or 1, every
 * string terminated inside its array, SIDs in text form, at most
 * PAC_MAX_GROUPS groups, each once) and decodes again to the same result. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/auth/pac.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pac_info out, again;
static const struct pac_info zero;

static void terminated(const char *s, size_t n)
{
	if (memchr(s, 0, n) == NULL)
		abort();
}

static void sid(const char *s, int may_be_empty)
{
	terminated(s, PAC_SID_STR_MAX);
	if (s[0] == 0 && may_be_empty)
		return;
	if (strncmp(s, "S-1-", 4) != 0 || strspn(s + 4, "0123456789-xABCDEF") != strlen(s + 4))
		abort();
}

static void flag(int f)
{
	if (f != 0 && f != 1)
		abort();
}

static void check(const struct pac_info *o)
{
	flag(o->has_logon_info);
	flag(o->has_upn_dns);
	flag(o->upn_constructed);
	flag(o->has_client_info);
	flag(o->has_server_sig);
	flag(o->has_kdc_sig);
	sid(o->user_sid, !o->has_logon_info);
	sid(o->primary_group_sid, !o->has_logon_info);
	if (o->n_groups > PAC_MAX_GROUPS || (!o->has_logon_info && o->n_groups != 0))
		abort();
	for (size_t i = 0; i < o->n_groups; i++) {
		sid(o->groups[i], 0);
		for (size_t j = 0; j < i; j++)
			if (strcmp(o->groups[i], o->groups[j]) == 0)
				abort();
	}
	terminated(o->account_name, sizeof o->account_name);
	terminated(o->logon_domain, sizeof o->logon_domain);
	terminated(o->upn, sizeof o->upn);
	terminated(o->dns_domain, sizeof o->dns_domain);
	terminated(o->client_name, sizeof o->client_name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	/* a copy of the input's exact size: ASan sees any read past it */
	uint8_t *p = malloc(size ? size : 1);

	if (p == NULL)
		return 0;
	memcpy(p, data, size);
	if (pac_decode(p, size, &out, err, sizeof err) != 0) {
		if (err[0] == 0 || memcmp(&out, &zero, sizeof out) != 0)
			abort();
	} else {
		check(&out);
		if (pac_decode(p, size, &again, NULL, 0) != 0 ||
		    memcmp(&out, &again, sizeof out) != 0)
			abort();
	}
	free(p);
	return 0;
}
