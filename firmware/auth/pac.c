/* The Microsoft PAC decoder (pac.h): PACTYPE (MS-PAC 2.3, 2.4), LOGON_INFO's
 * KERB_VALIDATION_INFO (2.5, NDR type serialization version 1), PAC_CLIENT_INFO
 * (2.7), UPN_DNS_INFO (2.10) and which signatures (2.8) are present. */
#include "firmware/auth/pac.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "firmware/rpc/ndr.h"
#include "platform/utf8.h"

#define PACTYPE_LEN   8
#define INFO_BUF_LEN  16
#define PAC_ALIGN     8
#define SID_MAX_SUBAUTH 15

/* MS-RPCE 2.2.6: the common and private headers of type serialization v1. */
#define TS1_HDR_LEN   16
#define TS1_VERSION   1
#define TS1_LITTLE    0x10
#define TS1_COMMON_LEN 8

#define CLIENT_INFO_LEN 10 /* ClientId, NameLength */
#define UPN_DNS_LEN     12 /* UpnLength/Offset, DnsDomainNameLength/Offset, Flags */
#define UPN_DNS_EXT_LEN 20 /* + SamNameLength/Offset, SidLength/Offset (S flag) */
/* UserFlags (MS-PAC 2.5): ExtraSids and the resource groups count only with
 * their flag, as Samba reads them (NETLOGON_EXTRA_SIDS, _RESOURCE_GROUPS). */
#define LOGON_EXTRA_SIDS      0x20
#define LOGON_RESOURCE_GROUPS 0x200
#define UPN_FLAG_U      0x1
#define UPN_FLAG_S      0x2

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* ---- text ---- */

/* UTF-16LE (no terminator) to UTF-8 in out: platform/utf8.c's rule
 * (surrogates paired, no NUL unit, never cut). */
static int utf16_to_utf8(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	return utf8_from_utf16le(p, len, out, outlen);
}

/* ---- SIDs ---- */

struct sid {
	uint8_t n;             /* SubAuthorityCount */
	uint64_t authority;    /* IdentifierAuthority, 48 bits big-endian */
	uint32_t sub[SID_MAX_SUBAUTH];
};

/* MS-DTYP 2.4.2.1: the authority in decimal below 2^32, else in hex. The
 * buffer always fits (PAC_SID_STR_MAX is the worst case). */
static void sid_format(const struct sid *s, uint32_t rid, int with_rid, char *out)
{
	size_t n;

	if (s->authority < (UINT64_C(1) << 32))
		n = (size_t)snprintf(out, PAC_SID_STR_MAX, "S-1-%" PRIu64, s->authority);
	else
		n = (size_t)snprintf(out, PAC_SID_STR_MAX, "S-1-0x%012" PRIX64, s->authority);
	for (uint8_t i = 0; i < s->n; i++)
		n += (size_t)snprintf(out + n, PAC_SID_STR_MAX - n, "-%" PRIu32, s->sub[i]);
	if (with_rid)
		snprintf(out + n, PAC_SID_STR_MAX - n, "-%" PRIu32, rid);
}

/* The pointee of a PISID (MS-DTYP 2.4.2.3, a conformant structure): the
 * conformance (max_count) first, then Revision, SubAuthorityCount,
 * IdentifierAuthority and the sub-authorities. */
static void get_sid(struct ndr_rd *r, struct sid *s, const char *what)
{
	uint32_t max_count = ndr_get_u32(r);
	uint8_t rev = ndr_get_u8(r);
	const uint8_t *auth;

	s->n = ndr_get_u8(r);
	auth = ndr_get_bytes(r, 6);
	if (r->failed)
		return;
	if (rev != 1) {
		ndr_rd_fail(r, "%s: SID revision %u", what, rev);
		return;
	}
	if (s->n > SID_MAX_SUBAUTH || max_count != s->n) {
		ndr_rd_fail(r, "%s: SubAuthorityCount %u, conformance %" PRIu32, what, s->n,
			    max_count);
		return;
	}
	s->authority = 0;
	for (int i = 0; i < 6; i++)
		s->authority = s->authority << 8 | auth[i];
	for (uint8_t i = 0; i < s->n; i++)
		s->sub[i] = ndr_get_u32(r);
}

/* ---- the group list ---- */

static int add_group(struct pac_info *out, const char *sid, char *err, size_t errlen)
{
	for (size_t i = 0; i < out->n_groups; i++)
		if (strcmp(out->groups[i], sid) == 0)
			return 0;
	if (out->n_groups == PAC_MAX_GROUPS)
		return fail(err, errlen, "more than %d group SIDs", PAC_MAX_GROUPS);
	memcpy(out->groups[out->n_groups++], sid, strlen(sid) + 1);
	return 0;
}

/* ---- KERB_VALIDATION_INFO ---- */

/* An RPC_UNICODE_STRING (MS-DTYP 2.3.10): Length and MaximumLength in octets,
 * then a unique pointer to [size_is(MaximumLength/2), length_is(Length/2)]
 * WCHAR, whose referent comes later (deferred). */
struct ustr {
	uint16_t len, max;
	uint32_t ref;
	const char *what;
	const uint8_t *p; /* the units, once read */
};

static void get_ustr_hdr(struct ndr_rd *r, struct ustr *s, const char *what)
{
	s->what = what;
	s->p = NULL;
	s->len = ndr_get_u16(r);
	s->max = ndr_get_u16(r);
	s->ref = ndr_get_u32(r);
	if (r->failed)
		return;
	if (s->len % 2 != 0 || s->max % 2 != 0 || s->len > s->max)
		ndr_rd_fail(r, "%s: Length %u, MaximumLength %u", what, s->len, s->max);
	else if (s->ref == 0 && s->max != 0)
		ndr_rd_fail(r, "%s: MaximumLength %u with a NULL Buffer", what, s->max);
}

/* The deferred conformant varying array: max_count, offset, actual_count must
 * say what the header said (offset 0: nothing else is ever written). */
static void get_ustr_body(struct ndr_rd *r, struct ustr *s)
{
	uint32_t max_count, offset, actual;

	if (s->ref == 0 || r->failed)
		return;
	max_count = ndr_get_u32(r);
	offset = ndr_get_u32(r);
	actual = ndr_get_u32(r);
	if (r->failed)
		return;
	if (max_count != s->max / 2u || offset != 0 || actual != s->len / 2u) {
		ndr_rd_fail(r, "%s: array %" PRIu32 "/%" PRIu32 "/%" PRIu32 " for Length %u, "
			    "MaximumLength %u", s->what, max_count, offset, actual, s->len, s->max);
		return;
	}
	s->p = ndr_get_bytes(r, s->len);
}

static int ustr_utf8(const struct ustr *s, char *out, size_t outlen, char *err, size_t errlen)
{
	if (s->len == 0) {
		out[0] = 0;
		return 0;
	}
	if (utf16_to_utf8(s->p, s->len, out, outlen) != 0)
		return fail(err, errlen, "LOGON_INFO %s: malformed UTF-16, a NUL or longer than %zu "
			    "octets of UTF-8", s->what, outlen - 1);
	return 0;
}

/* A [size_is(count)] GROUP_MEMBERSHIP* referent: max_count == count, then
 * (RelativeId, Attributes) pairs. Returns the RIDs' start, or NULL. */
static const uint8_t *get_group_array(struct ndr_rd *r, uint32_t count, const char *what)
{
	uint32_t max_count = ndr_get_u32(r);

	if (r->failed)
		return NULL;
	if (max_count != count) {
		ndr_rd_fail(r, "%s: conformance %" PRIu32 " for a count of %" PRIu32, what,
			    max_count, count);
		return NULL;
	}
	/* count <= PAC_MAX_GROUPS (checked before): no overflow. */
	return ndr_get_bytes(r, (size_t)count * 8);
}

/* A count and its pointer: a NULL pointer only with a count of 0, and never
 * more than PAC_MAX_GROUPS elements (bounds the arrays before they are read). */
static void check_count(struct ndr_rd *r, uint32_t count, uint32_t ref, const char *what)
{
	if (r->failed)
		return;
	if (count > PAC_MAX_GROUPS)
		ndr_rd_fail(r, "%s: %" PRIu32 " entries (at most %d)", what, count, PAC_MAX_GROUPS);
	else if (ref == 0 && count != 0)
		ndr_rd_fail(r, "%s: %" PRIu32 " entries with a NULL pointer", what, count);
}

struct kvi {
	struct ustr str[8]; /* EffectiveName..HomeDirectoryDrive, LogonServer, LogonDomainName */
	uint32_t user_id, primary_group, user_flags;
	uint32_t group_count, group_ref;
	uint32_t domain_ref;
	uint32_t sid_count, sids_ref;
	uint32_t res_domain_ref, res_count, res_ref;
	const uint8_t *groups, *res_groups;
	struct sid domain, res_domain;
	struct sid extra[PAC_MAX_GROUPS];
	uint32_t n_extra;
};

enum { S_EFFECTIVE, S_FULL, S_SCRIPT, S_PROFILE, S_HOME, S_DRIVE, S_SERVER, S_DOMAIN };

/* The fixed part of KERB_VALIDATION_INFO (MS-PAC 2.5), in wire order. */
static void get_kvi_fixed(struct ndr_rd *r, struct kvi *k)
{
	static const char *const names[6] = { "EffectiveName", "FullName", "LogonScript",
					      "ProfilePath", "HomeDirectory",
					      "HomeDirectoryDrive" };

	ndr_rd_align(r, 4);
	ndr_get_bytes(r, 6 * 8); /* six FILETIMEs: LogonTime .. PasswordMustChange */
	for (int i = 0; i < 6; i++)
		get_ustr_hdr(r, &k->str[i], names[i]);
	ndr_get_u16(r); /* LogonCount */
	ndr_get_u16(r); /* BadPasswordCount */
	k->user_id = ndr_get_u32(r);
	k->primary_group = ndr_get_u32(r);
	k->group_count = ndr_get_u32(r);
	k->group_ref = ndr_get_u32(r);
	check_count(r, k->group_count, k->group_ref, "GroupIds");
	k->user_flags = ndr_get_u32(r);
	ndr_get_bytes(r, 16);    /* UserSessionKey */
	get_ustr_hdr(r, &k->str[S_SERVER], "LogonServer");
	get_ustr_hdr(r, &k->str[S_DOMAIN], "LogonDomainName");
	k->domain_ref = ndr_get_u32(r);
	ndr_get_bytes(r, 8);     /* Reserved1 */
	ndr_get_u32(r);          /* UserAccountControl */
	ndr_get_u32(r);          /* SubAuthStatus */
	ndr_get_bytes(r, 2 * 8); /* LastSuccessfulILogon, LastFailedILogon */
	ndr_get_u32(r);          /* FailedILogonCount */
	ndr_get_u32(r);          /* Reserved3 */
	k->sid_count = ndr_get_u32(r);
	k->sids_ref = ndr_get_u32(r);
	check_count(r, k->sid_count, k->sids_ref, "ExtraSids");
	k->res_domain_ref = ndr_get_u32(r);
	k->res_count = ndr_get_u32(r);
	k->res_ref = ndr_get_u32(r);
	check_count(r, k->res_count, k->res_ref, "ResourceGroupIds");
	if (!r->failed && k->domain_ref == 0)
		ndr_rd_fail(r, "LogonDomainId is NULL");
	if (!r->failed && k->res_count != 0 && k->res_domain_ref == 0)
		ndr_rd_fail(r, "ResourceGroupIds without ResourceGroupDomainSid");
}

/* ExtraSids' referent: the conformant array of (PISID, Attributes), then each
 * SID in array order (NDR defers embedded pointers past the array). */
static void get_extra_sids(struct ndr_rd *r, struct kvi *k)
{
	uint32_t refs[PAC_MAX_GROUPS];
	uint32_t max_count = ndr_get_u32(r);

	if (r->failed)
		return;
	if (max_count != k->sid_count) {
		ndr_rd_fail(r, "ExtraSids: conformance %" PRIu32 " for SidCount %" PRIu32,
			    max_count, k->sid_count);
		return;
	}
	for (uint32_t i = 0; i < k->sid_count && !r->failed; i++) {
		refs[i] = ndr_get_u32(r);
		ndr_get_u32(r); /* Attributes */
		if (!r->failed && refs[i] == 0)
			ndr_rd_fail(r, "ExtraSids[%" PRIu32 "]: NULL Sid", i);
	}
	for (uint32_t i = 0; i < k->sid_count && !r->failed; i++)
		get_sid(r, &k->extra[i], "ExtraSids");
	k->n_extra = k->sid_count;
}

/* The deferred referents, in the order of their pointers in the structure. */
static void get_kvi_deferred(struct ndr_rd *r, struct kvi *k)
{
	for (int i = S_EFFECTIVE; i <= S_DRIVE; i++)
		get_ustr_body(r, &k->str[i]);
	if (k->group_ref != 0)
		k->groups = get_group_array(r, k->group_count, "GroupIds");
	get_ustr_body(r, &k->str[S_SERVER]);
	get_ustr_body(r, &k->str[S_DOMAIN]);
	get_sid(r, &k->domain, "LogonDomainId");
	if (k->sids_ref != 0)
		get_extra_sids(r, k);
	if (k->res_domain_ref != 0)
		get_sid(r, &k->res_domain, "ResourceGroupDomainSid");
	if (k->res_ref != 0)
		k->res_groups = get_group_array(r, k->res_count, "ResourceGroupIds");
}

/* The MS-RPCE 2.2.6 headers; returns the length of the serialized object. */
static int get_ts1_headers(const uint8_t *b, size_t len, size_t *objlen, char *err, size_t errlen)
{
	uint32_t obl;

	if (len < TS1_HDR_LEN)
		return fail(err, errlen, "LOGON_INFO: %zu octets, shorter than its headers", len);
	if (b[0] != TS1_VERSION || b[1] != TS1_LITTLE || le16(b + 2) != TS1_COMMON_LEN)
		return fail(err, errlen, "LOGON_INFO: serialization header version %u, "
			    "endianness 0x%02x, length %u", b[0], b[1], le16(b + 2));
	obl = le32(b + 8);
	/* The object fills the buffer but for the padding to 8 after it. */
	if (obl > len - TS1_HDR_LEN || len - TS1_HDR_LEN - obl >= PAC_ALIGN)
		return fail(err, errlen, "LOGON_INFO: ObjectBufferLength %" PRIu32 " in a "
			    "buffer of %zu octets", obl, len);
	*objlen = obl;
	return 0;
}

static int kvi_output(const struct kvi *k, struct pac_info *out, char *err, size_t errlen)
{
	char s[PAC_SID_STR_MAX];

	if (k->domain.n >= SID_MAX_SUBAUTH)
		return fail(err, errlen, "LogonDomainId: no room for a RID");
	if (k->res_domain_ref != 0 && k->res_domain.n >= SID_MAX_SUBAUTH)
		return fail(err, errlen, "ResourceGroupDomainSid: no room for a RID");
	if (ustr_utf8(&k->str[S_EFFECTIVE], out->account_name, sizeof out->account_name, err,
		      errlen) != 0 ||
	    ustr_utf8(&k->str[S_DOMAIN], out->logon_domain, sizeof out->logon_domain, err,
		      errlen) != 0)
		return -1;
	sid_format(&k->domain, k->user_id, 1, out->user_sid);
	sid_format(&k->domain, k->primary_group, 1, out->primary_group_sid);
	for (uint32_t i = 0; k->groups != NULL && i < k->group_count; i++) {
		sid_format(&k->domain, le32(k->groups + 8 * i), 1, s);
		if (add_group(out, s, err, errlen) != 0)
			return -1;
	}
	/* Without their flag, ExtraSids and resource groups are read (the NDR
	 * must hold) but not reported. */
	for (uint32_t i = 0; (k->user_flags & LOGON_EXTRA_SIDS) && i < k->n_extra; i++) {
		sid_format(&k->extra[i], 0, 0, s);
		if (add_group(out, s, err, errlen) != 0)
			return -1;
	}
	for (uint32_t i = 0; (k->user_flags & LOGON_RESOURCE_GROUPS) && k->res_groups != NULL &&
			     i < k->res_count; i++) {
		sid_format(&k->res_domain, le32(k->res_groups + 8 * i), 1, s);
		if (add_group(out, s, err, errlen) != 0)
			return -1;
	}
	out->has_logon_info = 1;
	return 0;
}

static int decode_logon_info(const uint8_t *b, size_t len, struct pac_info *out, char *err,
			     size_t errlen)
{
	struct kvi k;
	struct ndr_rd r;
	size_t objlen = 0;
	uint32_t top;

	if (get_ts1_headers(b, len, &objlen, err, errlen) != 0)
		return -1;
	memset(&k, 0, sizeof k);
	/* Alignment counts from the buffer's start: the headers are 16 octets. */
	ndr_rd_init(&r, b, TS1_HDR_LEN + objlen);
	ndr_get_bytes(&r, TS1_HDR_LEN);
	top = ndr_get_u32(&r); /* the top-level PKERB_VALIDATION_INFO */
	if (!r.failed && top == 0)
		ndr_rd_fail(&r, "NULL KERB_VALIDATION_INFO");
	get_kvi_fixed(&r, &k);
	get_kvi_deferred(&r, &k);
	if (ndr_rd_end(&r, PAC_ALIGN - 1) != 0)
		return fail(err, errlen, "LOGON_INFO: %s", r.err);
	return kvi_output(&k, out, err, errlen);
}

/* ---- the other buffers ---- */

static int decode_client_info(const uint8_t *b, size_t len, struct pac_info *out, char *err,
			      size_t errlen)
{
	uint16_t n;

	if (len < CLIENT_INFO_LEN)
		return fail(err, errlen, "PAC_CLIENT_INFO: %zu octets", len);
	n = le16(b + 8);
	if (n != len - CLIENT_INFO_LEN)
		return fail(err, errlen, "PAC_CLIENT_INFO: NameLength %u in %zu octets", n, len);
	if (utf16_to_utf8(b + CLIENT_INFO_LEN, n, out->client_name, sizeof out->client_name) != 0)
		return fail(err, errlen, "PAC_CLIENT_INFO: Name malformed or too long");
	out->client_info_time = le64(b);
	out->has_client_info = 1;
	return 0;
}

/* A (length, offset) pair of UPN_DNS_INFO: offsets count from the buffer's
 * start, and the text lies inside the buffer, past the fixed part. */
static int upn_field(const uint8_t *b, size_t len, size_t fixed, size_t at, char *out,
		     size_t outlen, const char *what, char *err, size_t errlen)
{
	size_t n = le16(b + at), off = le16(b + at + 2);

	if (n != 0 && (off < fixed || off > len || n > len - off))
		return fail(err, errlen, "UPN_DNS_INFO %s: %zu octets at %zu in %zu", what, n, off,
			    len);
	if (out == NULL) {
		if (n % 2 != 0)
			return fail(err, errlen, "UPN_DNS_INFO %s: odd length %zu", what, n);
		return 0;
	}
	if (n == 0) {
		out[0] = 0;
		return 0;
	}
	if (utf16_to_utf8(b + off, n, out, outlen) != 0)
		return fail(err, errlen, "UPN_DNS_INFO %s: malformed or too long", what);
	return 0;
}

static int decode_upn_dns(const uint8_t *b, size_t len, struct pac_info *out, char *err,
			  size_t errlen)
{
	uint32_t flags;
	size_t fixed = UPN_DNS_LEN;

	if (len < UPN_DNS_LEN)
		return fail(err, errlen, "UPN_DNS_INFO: %zu octets", len);
	flags = le32(b + 8);
	if (flags & UPN_FLAG_S) {
		fixed = UPN_DNS_EXT_LEN;
		if (len < fixed)
			return fail(err, errlen, "UPN_DNS_INFO: S flag in %zu octets", len);
	}
	if (upn_field(b, len, fixed, 0, out->upn, sizeof out->upn, "Upn", err, errlen) != 0 ||
	    upn_field(b, len, fixed, 4, out->dns_domain, sizeof out->dns_domain, "DnsDomainName",
		      err, errlen) != 0)
		return -1;
	/* SamName and Sid (S flag) are only checked to lie inside: LOGON_INFO has both. */
	if ((flags & UPN_FLAG_S) &&
	    (upn_field(b, len, fixed, 12, NULL, 0, "SamName", err, errlen) != 0 ||
	     upn_field(b, len, fixed, 16, NULL, 0, "Sid", err, errlen) != 0))
		return -1;
	out->upn_constructed = (flags & UPN_FLAG_U) != 0;
	out->has_upn_dns = 1;
	return 0;
}

/* PAC_SIGNATURE_DATA: SignatureType, then the signature (not checked here). */
static int decode_sig(size_t len, int *present, const char *what, char *err, size_t errlen)
{
	if (len < 4)
		return fail(err, errlen, "%s: %zu octets", what, len);
	*present = 1;
	return 0;
}

/* ---- PACTYPE ---- */

struct pac_buf {
	uint32_t type;
	size_t off, len;
};

static int is_known(uint32_t type)
{
	return type == PAC_TYPE_LOGON_INFO || type == PAC_TYPE_SERVER_CHECKSUM ||
	       type == PAC_TYPE_PRIVSVR_CHECKSUM || type == PAC_TYPE_CLIENT_INFO ||
	       type == PAC_TYPE_UPN_DNS_INFO;
}

/* The PAC_INFO_BUFFER array: every buffer 8-aligned, past the array, inside
 * the PAC, overlapping no other; a known type at most once. */
static int read_buffers(const uint8_t *pac, size_t len, struct pac_buf *bufs, uint32_t n,
			char *err, size_t errlen)
{
	size_t hdr = PACTYPE_LEN + (size_t)n * INFO_BUF_LEN;

	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = pac + PACTYPE_LEN + (size_t)i * INFO_BUF_LEN;
		uint32_t cb = le32(e + 4);
		uint64_t off = le64(e + 8);

		if (off % PAC_ALIGN != 0 || off < hdr || off > len || cb > len - off)
			return fail(err, errlen, "buffer %" PRIu32 " (type %" PRIu32 "): %" PRIu32
				    " octets at %" PRIu64 " in a PAC of %zu", i, le32(e), cb, off,
				    len);
		bufs[i].type = le32(e);
		bufs[i].off = (size_t)off;
		bufs[i].len = cb;
		for (uint32_t j = 0; j < i; j++) {
			if (is_known(bufs[i].type) && bufs[j].type == bufs[i].type)
				return fail(err, errlen, "buffer type %" PRIu32 " twice",
					    bufs[i].type);
			if (bufs[i].len != 0 && bufs[j].len != 0 &&
			    bufs[i].off < bufs[j].off + bufs[j].len &&
			    bufs[j].off < bufs[i].off + bufs[i].len)
				return fail(err, errlen, "buffers %" PRIu32 " and %" PRIu32 " overlap",
					    j, i);
		}
	}
	return 0;
}

static int decode_buffer(const uint8_t *pac, const struct pac_buf *b, struct pac_info *out,
			 char *err, size_t errlen)
{
	const uint8_t *p = pac + b->off;

	switch (b->type) {
	case PAC_TYPE_LOGON_INFO:
		return decode_logon_info(p, b->len, out, err, errlen);
	case PAC_TYPE_CLIENT_INFO:
		return decode_client_info(p, b->len, out, err, errlen);
	case PAC_TYPE_UPN_DNS_INFO:
		return decode_upn_dns(p, b->len, out, err, errlen);
	case PAC_TYPE_SERVER_CHECKSUM:
		return decode_sig(b->len, &out->has_server_sig, "server signature", err, errlen);
	case PAC_TYPE_PRIVSVR_CHECKSUM:
		return decode_sig(b->len, &out->has_kdc_sig, "KDC signature", err, errlen);
	default:
		return 0; /* MS-PAC 2.4: types not understood are ignored */
	}
}

int pac_decode(const uint8_t *pac, size_t len, struct pac_info *out, char *err, size_t errlen)
{
	struct pac_buf bufs[PAC_MAX_BUFFERS];
	uint32_t n;

	memset(out, 0, sizeof *out);
	if (errlen > 0)
		err[0] = 0;
	if (len > PAC_MAX_LEN)
		return fail(err, errlen, "PAC of %zu octets (at most %d)", len, PAC_MAX_LEN);
	if (len < PACTYPE_LEN)
		return fail(err, errlen, "PAC of %zu octets", len);
	n = le32(pac);
	if (le32(pac + 4) != 0)
		return fail(err, errlen, "PAC version %" PRIu32, le32(pac + 4));
	if (n == 0 || n > PAC_MAX_BUFFERS)
		return fail(err, errlen, "%" PRIu32 " buffers (1 to %d)", n, PAC_MAX_BUFFERS);
	if (n > (len - PACTYPE_LEN) / INFO_BUF_LEN)
		return fail(err, errlen, "%" PRIu32 " buffers in a PAC of %zu octets", n, len);
	if (read_buffers(pac, len, bufs, n, err, errlen) != 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (decode_buffer(pac, &bufs[i], out, err, errlen) != 0) {
			memset(out, 0, sizeof *out);
			return -1;
		}
	}
	return 0;
}
