/* firmware/auth/pac.c against impacket's PACs (tests/unit/support/pac_ref.h,
 * made by pac_impacket.py, which also says what each must decode to), every
 * truncation of them, and one-field corruptions of the PACTYPE, the
 * KERB_VALIDATION_INFO's NDR, PAC_CLIENT_INFO and UPN_DNS_INFO, each refused.
 * Inputs are copied to buffers of their exact size so that the sanitizers see
 * any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/auth/pac.h"
#include "tests/unit/support/pac_ref.h"

/* KERB_VALIDATION_INFO's fixed part, counted from the LOGON_INFO buffer's
 * start: 16 octets of serialization headers, the top-level pointer, then
 * MS-PAC 2.5's fields (checked against known values in test_layout). */
enum {
	LI_VERSION = 0, LI_ENDIAN = 1, LI_HDRLEN = 2, LI_OBL = 8, LI_TOP = 16,
	LI_EFFECTIVE = 68, LI_FULLNAME = 76, LI_USERID = 120, LI_PGID = 124,
	LI_GROUPCOUNT = 128, LI_GROUPIDS = 132, LI_USERFLAGS = 136, LI_DOMAINNAME = 164, LI_DOMAINID = 172,
	LI_SIDCOUNT = 216, LI_EXTRASIDS = 220, LI_RESDOMAIN = 224, LI_RESCOUNT = 228,
	LI_RESIDS = 232,
};

static struct pac_info info;

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static const struct pac_ref *ref(const char *name)
{
	for (size_t i = 0; i < sizeof pac_refs / sizeof pac_refs[0]; i++)
		if (strcmp(pac_refs[i].name, name) == 0)
			return &pac_refs[i];
	fail_msg("no reference PAC %s", name);
	return NULL;
}

static uint8_t *copy(const uint8_t *p, size_t len)
{
	uint8_t *b = malloc(len ? len : 1);

	assert_non_null(b);
	memcpy(b, p, len);
	return b;
}

/* The i-th PAC_INFO_BUFFER's fields, as the test reads them itself. */
static uint8_t *entry(uint8_t *pac, uint32_t i)
{
	return pac + 8 + 16 * i;
}

static uint8_t *buffer_of(uint8_t *pac, uint32_t type, uint32_t *cb)
{
	for (uint32_t i = 0; i < rd32(pac); i++) {
		if (rd32(entry(pac, i)) == type) {
			if (cb != NULL)
				*cb = rd32(entry(pac, i) + 4);
			return pac + rd32(entry(pac, i) + 8);
		}
	}
	fail_msg("no buffer of type %u", type);
	return NULL;
}

static void assert_zeroed(const struct pac_info *o)
{
	static const struct pac_info zero;

	assert_memory_equal(o, &zero, sizeof zero);
}

/* Decodes and expects a refusal whose message contains want (may be NULL). */
static void refused(const uint8_t *pac, size_t len, const char *want, const char *what)
{
	char err[256];
	uint8_t *b = copy(pac, len);

	if (pac_decode(b, len, &info, err, sizeof err) != -1)
		fail_msg("%s: accepted", what);
	if (err[0] == 0)
		fail_msg("%s: refused without a message", what);
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("%s: \"%s\" does not say \"%s\"", what, err, want);
	assert_zeroed(&info);
	free(b);
}

static void check_ref(const struct pac_ref *r)
{
	char err[256];
	uint8_t *b = copy(r->pac, r->len);
	int rc = pac_decode(b, r->len, &info, err, sizeof err);

	free(b);
	if (!r->ok) {
		assert_int_equal(rc, -1);
		assert_zeroed(&info);
		return;
	}
	if (rc != 0)
		fail_msg("%s: %s", r->name, err);
	assert_int_equal(info.has_logon_info, r->has_logon_info);
	assert_string_equal(info.user_sid, r->user_sid);
	assert_string_equal(info.primary_group_sid, r->primary_group_sid);
	assert_int_equal(info.n_groups, r->n_groups);
	for (size_t i = 0; i < r->n_groups; i++)
		assert_string_equal(info.groups[i], r->groups[i]);
	assert_null(r->groups[r->n_groups]);
	assert_string_equal(info.account_name, r->account_name);
	assert_string_equal(info.logon_domain, r->logon_domain);
	assert_int_equal(info.has_upn_dns, r->has_upn_dns);
	assert_string_equal(info.upn, r->upn);
	assert_string_equal(info.dns_domain, r->dns_domain);
	assert_int_equal(info.upn_constructed, r->upn_constructed);
	assert_int_equal(info.has_client_info, r->has_client_info);
	assert_true(info.client_info_time == r->client_info_time);
	assert_string_equal(info.client_name, r->client_name);
	assert_int_equal(info.has_server_sig, r->has_server_sig);
	assert_int_equal(info.has_kdc_sig, r->has_kdc_sig);
}

/* ---- impacket's PACs ---- */

static void test_refs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof pac_refs / sizeof pac_refs[0]; i++)
		check_ref(&pac_refs[i]);
}

/* The refusals among them, for their reasons. */
static void test_ref_refusals(void **state)
{
	const struct pac_ref *r;

	(void)state;
	r = ref("toolong");
	refused(r->pac, r->len, "EffectiveName", "a 256-octet EffectiveName");
	r = ref("groups257");
	refused(r->pac, r->len, "more than 256 group SIDs", "257 group SIDs");
}

/* No error buffer at all is fine. */
static void test_no_err_buffer(void **state)
{
	const struct pac_ref *r = ref("full");

	(void)state;
	assert_int_equal(pac_decode(r->pac, r->len, &info, NULL, 0), 0);
	assert_int_equal(pac_decode(r->pac, r->len - 1, &info, NULL, 0), -1);
}

/* The fixed offsets this test uses, against impacket's values. */
static void test_layout(void **state)
{
	const struct pac_ref *r = ref("full");
	uint8_t *pac = copy(r->pac, r->len);
	uint8_t *li = buffer_of(pac, 1, NULL);

	(void)state;
	assert_int_equal(li[LI_VERSION], 1);
	assert_int_equal(li[LI_ENDIAN], 0x10);
	assert_int_equal(rd32(li + LI_EFFECTIVE), 0x000a000a); /* "alice": 10, 10 */
	assert_int_equal(rd32(li + LI_FULLNAME), 0x001a001a);  /* "Alice Liddell" */
	assert_int_equal(rd32(li + LI_USERID), 1104);
	assert_int_equal(rd32(li + LI_PGID), 513);
	assert_int_equal(rd32(li + LI_GROUPCOUNT), 4);
	assert_int_equal(rd32(li + LI_USERFLAGS), 0x220); /* extra SIDs, resource groups */
	assert_int_equal(rd32(li + LI_DOMAINNAME), 0x00040004); /* "CA" */
	assert_int_equal(rd32(li + LI_SIDCOUNT), 4);
	assert_int_equal(rd32(li + LI_RESCOUNT), 2);
	assert_int_not_equal(rd32(li + LI_RESIDS), 0);
	free(pac);
}

/* ExtraSids and resource groups count only with their UserFlags bit. */
static void test_user_flags(void **state)
{
	const struct pac_ref *r = ref("full");
	uint8_t *pac = copy(r->pac, r->len);
	uint8_t *li = buffer_of(pac, 1, NULL);
	char err[256];

	(void)state;
	wr32(li + LI_USERFLAGS, 0x200);
	assert_int_equal(pac_decode(pac, r->len, &info, err, sizeof err), 0);
	assert_int_equal(info.n_groups, 5); /* 3 groups, 2 resource groups */
	assert_string_equal(info.groups[2], r->groups[2]);
	assert_string_equal(info.groups[3], r->groups[6]);
	wr32(li + LI_USERFLAGS, 0x20);
	assert_int_equal(pac_decode(pac, r->len, &info, err, sizeof err), 0);
	assert_int_equal(info.n_groups, 6); /* 3 groups, 3 new extra SIDs */
	assert_string_equal(info.groups[5], r->groups[5]);
	wr32(li + LI_USERFLAGS, 0);
	assert_int_equal(pac_decode(pac, r->len, &info, err, sizeof err), 0);
	assert_int_equal(info.n_groups, 3);
	/* the NDR is still read: a bad ExtraSids count is refused all the same */
	wr32(li + LI_SIDCOUNT, 5);
	refused(pac, r->len, "ExtraSids", "SidCount + 1 without the flag");
	free(pac);
}

/* ---- truncations ---- */

/* Every prefix of every accepted PAC is refused (pactype() leaves no padding
 * after the last buffer). */
static void test_truncations(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof pac_refs / sizeof pac_refs[0]; i++) {
		const struct pac_ref *r = &pac_refs[i];

		if (!r->ok)
			continue;
		for (size_t n = 0; n < r->len; n++) {
			uint8_t *b = copy(r->pac, n);

			if (pac_decode(b, n, &info, NULL, 0) != -1)
				fail_msg("%s cut to %zu octets: accepted", r->name, n);
			assert_zeroed(&info);
			free(b);
		}
	}
}

/* LOGON_INFO cut short inside the PAC: cbBufferSize alone (the headers'
 * ObjectBufferLength then disagrees), and both together by multiples of 8
 * (the NDR runs out). */
static void test_logon_info_cut(void **state)
{
	const struct pac_ref *r = ref("full");

	(void)state;
	for (uint32_t k = 1;; k++) {
		uint8_t *pac = copy(r->pac, r->len);
		uint32_t cb;
		uint8_t *li = buffer_of(pac, 1, &cb);
		uint8_t *e = entry(pac, 0);

		if (k > cb) {
			free(pac);
			break;
		}
		wr32(e + 4, cb - k);
		refused(pac, r->len, NULL, "LOGON_INFO cbBufferSize cut");
		if (k % 8 == 0 && k <= rd32(li + LI_OBL)) {
			wr32(li + LI_OBL, rd32(li + LI_OBL) - k);
			refused(pac, r->len, NULL, "LOGON_INFO cut with ObjectBufferLength");
		}
		free(pac);
	}
}

/* ---- one-field corruptions ---- */

struct corruption {
	const char *what;
	size_t off; /* in the PAC */
	int width;  /* 1, 2 or 4 octets */
	uint32_t value;
	const char *want; /* in the message, or NULL */
};

static void apply(const struct pac_ref *r, const struct corruption *c)
{
	uint8_t *pac = copy(r->pac, r->len);

	assert_true(c->off + (size_t)c->width <= r->len);
	if (c->width == 1)
		pac[c->off] = (uint8_t)c->value;
	else if (c->width == 2)
		wr16(pac + c->off, (uint16_t)c->value);
	else
		wr32(pac + c->off, c->value);
	refused(pac, r->len, c->want, c->what);
	free(pac);
}

static size_t find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	const uint8_t *p = memmem(hay, n, needle, m);

	assert_non_null(p);
	assert_null(memmem(p + 1, n - (size_t)(p - hay) - 1, needle, m)); /* unique */
	return (size_t)(p - hay);
}

static void test_pactype_corruptions(void **state)
{
	const struct pac_ref *r = ref("full");
	uint32_t n = rd32(r->pac);
	uint8_t *pac = copy(r->pac, r->len);

	(void)state;
	assert_int_equal(n, 5);
	apply(r, &(struct corruption){ "Version 1", 4, 4, 1, "version" });
	apply(r, &(struct corruption){ "cBuffers 0", 0, 4, 0, "buffers" });
	apply(r, &(struct corruption){ "cBuffers + 1", 0, 4, n + 1, NULL });
	apply(r, &(struct corruption){ "cBuffers huge", 0, 4, 0xffffffff, "buffers" });
	for (uint32_t i = 0; i < n; i++) {
		size_t e = 8 + 16 * (size_t)i;
		uint32_t cb = rd32(entry(pac, i) + 4), off = rd32(entry(pac, i) + 8);

		apply(r, &(struct corruption){ "Offset + 1 (unaligned)", e + 8, 4, off + 1, NULL });
		apply(r, &(struct corruption){ "Offset + 8 (overlap/out)", e + 8, 4, off + 8, NULL });
		apply(r, &(struct corruption){ "Offset 0 (the header)", e + 8, 4, 0, NULL });
		apply(r, &(struct corruption){ "Offset high word", e + 12, 4, 1, NULL });
		apply(r, &(struct corruption){ "cbBufferSize + 8", e + 4, 4, cb + 8, NULL });
		apply(r, &(struct corruption){ "cbBufferSize huge", e + 4, 4, 0xfffffff8, NULL });
		/* another buffer's known type: a duplicate */
		apply(r, &(struct corruption){ "duplicate type", e, 4,
					       rd32(entry(pac, (i + 1) % n)), "twice" });
	}
	free(pac);
}

static void test_logon_info_corruptions(void **state)
{
	const struct pac_ref *r = ref("full");
	uint8_t *pac = copy(r->pac, r->len);
	size_t li = (size_t)(buffer_of(pac, 1, NULL) - pac);
	/* the deferred parts, found by their contents */
	static const uint8_t eff[] = { 5, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 'a', 0, 'l', 0 };
	static const uint8_t grp[] = { 4, 0, 0, 0, 0x01, 0x02, 0, 0, 7, 0, 0, 0 };
	static const uint8_t dom[] = { 4, 0, 0, 0, 1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0,
				       0xc7, 0x35, 0x3a, 0x42 }; /* 1111111111 */
	static const uint8_t res[] = { 2, 0, 0, 0, 0x14, 0x05, 0, 0, 7, 0, 0, 0x20 };
	static const uint8_t big[] = { 2, 0, 0, 0, 1, 2, 0, 1, 2, 3, 4, 5 };
	size_t e_off = find(pac, r->len, eff, sizeof eff);
	size_t g_off = find(pac, r->len, grp, sizeof grp);
	size_t d_off = find(pac, r->len, dom, sizeof dom);
	size_t r_off = find(pac, r->len, res, sizeof res);
	size_t b_off = find(pac, r->len, big, sizeof big);
	size_t x_off = d_off + 4 + 8 + 4 * 4; /* ExtraSids' conformance follows LogonDomainId */
	const struct corruption cs[] = {
		{ "serialization version 2", li + LI_VERSION, 1, 2, "serialization" },
		{ "big-endian", li + LI_ENDIAN, 1, 0x00, "serialization" },
		{ "common header length 7", li + LI_HDRLEN, 2, 7, "serialization" },
		{ "ObjectBufferLength + 8", li + LI_OBL, 4, rd32(pac + li + LI_OBL) + 8,
		  "ObjectBufferLength" },
		{ "ObjectBufferLength huge", li + LI_OBL, 4, 0xfffffff0, "ObjectBufferLength" },
		{ "NULL top-level pointer", li + LI_TOP, 4, 0, "NULL" },
		{ "EffectiveName Length + 2", li + LI_EFFECTIVE, 2, 12, "EffectiveName" },
		{ "EffectiveName Length odd", li + LI_EFFECTIVE, 2, 9, "EffectiveName" },
		{ "EffectiveName MaximumLength + 2", li + LI_EFFECTIVE + 2, 2, 12, "EffectiveName" },
		{ "EffectiveName MaximumLength < Length", li + LI_EFFECTIVE + 2, 2, 8,
		  "EffectiveName" },
		{ "EffectiveName NULL Buffer", li + LI_EFFECTIVE + 4, 4, 0, "EffectiveName" },
		{ "EffectiveName max_count", e_off, 4, 6, "EffectiveName" },
		{ "EffectiveName offset 1", e_off + 4, 4, 1, "EffectiveName" },
		{ "EffectiveName actual_count", e_off + 8, 4, 4, "EffectiveName" },
		{ "EffectiveName a NUL unit", e_off + 12, 1, 0, "EffectiveName" },
		{ "EffectiveName a lone surrogate", e_off + 13, 1, 0xdc, "EffectiveName" },
		{ "GroupCount + 1", li + LI_GROUPCOUNT, 4, 5, "GroupIds" },
		{ "GroupCount - 1", li + LI_GROUPCOUNT, 4, 3, "GroupIds" },
		{ "GroupCount 257", li + LI_GROUPCOUNT, 4, 257, "GroupIds" },
		{ "GroupIds NULL", li + LI_GROUPIDS, 4, 0, "GroupIds" },
		{ "GroupIds conformance", g_off, 4, 5, "GroupIds" },
		{ "LogonDomainId NULL", li + LI_DOMAINID, 4, 0, "LogonDomainId" },
		{ "LogonDomainId conformance", d_off, 4, 5, "LogonDomainId" },
		{ "LogonDomainId revision 2", d_off + 4, 1, 2, "revision" },
		{ "LogonDomainId SubAuthorityCount 5", d_off + 5, 1, 5, "LogonDomainId" },
		{ "LogonDomainId SubAuthorityCount 16", d_off + 5, 1, 16, "LogonDomainId" },
		{ "SidCount + 1", li + LI_SIDCOUNT, 4, 5, "ExtraSids" },
		{ "SidCount - 1", li + LI_SIDCOUNT, 4, 3, "ExtraSids" },
		{ "SidCount 1000", li + LI_SIDCOUNT, 4, 1000, "ExtraSids" },
		{ "ExtraSids NULL", li + LI_EXTRASIDS, 4, 0, "ExtraSids" },
		{ "ExtraSids conformance", x_off, 4, 5, "ExtraSids" },
		{ "ExtraSids[0].Sid NULL", x_off + 4, 4, 0, "ExtraSids" },
		{ "ExtraSids SID SubAuthorityCount", b_off + 5, 1, 3, "ExtraSids" },
		{ "ExtraSids SID conformance", b_off, 4, 16, "ExtraSids" },
		{ "ResourceGroupDomainSid NULL", li + LI_RESDOMAIN, 4, 0, "ResourceGroupDomainSid" },
		{ "ResourceGroupCount + 1", li + LI_RESCOUNT, 4, 3, "ResourceGroupIds" },
		{ "ResourceGroupCount 0", li + LI_RESCOUNT, 4, 0, NULL },
		{ "ResourceGroupIds NULL", li + LI_RESIDS, 4, 0, "ResourceGroupIds" },
		{ "ResourceGroupIds conformance", r_off, 4, 1, "ResourceGroupIds" },
	};

	(void)state;
	assert_true(e_off > li && g_off > e_off && d_off > g_off && x_off < b_off &&
		    r_off > b_off);
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
		apply(r, &cs[i]);
	free(pac);
}

static void test_other_corruptions(void **state)
{
	const struct pac_ref *r = ref("full");
	uint8_t *pac = copy(r->pac, r->len);
	uint32_t ci_cb, upn_cb;
	size_t ci = (size_t)(buffer_of(pac, 10, &ci_cb) - pac);
	size_t upn = (size_t)(buffer_of(pac, 12, &upn_cb) - pac);
	size_t sig_e = 8 + 16 * 3; /* the server signature's PAC_INFO_BUFFER */
	uint16_t upn_len = (uint16_t)(pac[upn] | pac[upn + 1] << 8);
	const struct corruption cs[] = {
		{ "NameLength + 2", ci + 8, 2, ci_cb - 10 + 2, "PAC_CLIENT_INFO" },
		{ "NameLength - 2", ci + 8, 2, ci_cb - 10 - 2, "PAC_CLIENT_INFO" },
		{ "NameLength odd", ci + 8, 2, ci_cb - 10 - 1, "PAC_CLIENT_INFO" },
		{ "client name a NUL unit", ci + 10, 1, 0, "PAC_CLIENT_INFO" },
		{ "UpnOffset at the end", upn + 2, 2, upn_cb, "Upn" },
		{ "UpnOffset in the fixed part", upn + 2, 2, 4, "Upn" },
		{ "UpnLength past the end", upn, 2, upn_cb, "Upn" },
		{ "UpnLength odd", upn, 2, upn_len - 1, "Upn" },
		{ "UpnLength + 2 (a NUL unit)", upn, 2, upn_len + 2, "Upn" },
		{ "DnsDomainNameOffset past the end", upn + 6, 2, 0xfff0, "DnsDomainName" },
		{ "S flag without the extension", upn + 8, 4, 2, "UPN_DNS_INFO" },
		{ "server signature of 3 octets", sig_e + 4, 4, 3, "signature" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
		apply(r, &cs[i]);
	free(pac);
}

/* UPN_DNS_INFO's extension (S flag): SamName and Sid must lie inside. */
static void test_upn_ext_corruptions(void **state)
{
	const struct pac_ref *r = ref("upn_ext");
	uint8_t *pac = copy(r->pac, r->len);
	uint32_t cb;
	size_t upn = (size_t)(buffer_of(pac, 12, &cb) - pac);

	(void)state;
	apply(r, &(struct corruption){ "SamNameOffset past the end", upn + 14, 2, cb, "SamName" });
	apply(r, &(struct corruption){ "SidLength past the end", upn + 16, 2, cb, "Sid" });
	apply(r, &(struct corruption){ "SamNameLength odd", upn + 12, 2, 9, "SamName" });
	free(pac);
}

/* ---- limits and layouts built here ---- */

/* A PAC of cBuffers unknown-type buffers (type 99), the last one filling the
 * PAC to len octets, the others empty. */
static uint8_t *unknown_pac(uint32_t n, size_t len)
{
	uint8_t *p = calloc(1, len);
	size_t hdr = 8 + 16 * (size_t)n;

	assert_non_null(p);
	wr32(p, n);
	for (uint32_t i = 0; i < n; i++) {
		wr32(entry(p, i), 99);
		wr32(entry(p, i) + 4, i + 1 == n ? (uint32_t)(len - hdr) : 0);
		wr32(entry(p, i) + 8, (uint32_t)hdr);
	}
	return p;
}

static void test_limits(void **state)
{
	uint8_t *p;

	(void)state;
	p = unknown_pac(1, PAC_MAX_LEN);
	assert_int_equal(pac_decode(p, PAC_MAX_LEN, &info, NULL, 0), 0);
	assert_zeroed(&info);
	free(p);
	p = unknown_pac(1, PAC_MAX_LEN + 1);
	refused(p, PAC_MAX_LEN + 1, "at most", "a PAC over 64 KiB");
	free(p);
	p = unknown_pac(PAC_MAX_BUFFERS, 8 + 16 * PAC_MAX_BUFFERS + 8);
	assert_int_equal(pac_decode(p, 8 + 16 * PAC_MAX_BUFFERS + 8, &info, NULL, 0), 0);
	free(p);
	p = unknown_pac(PAC_MAX_BUFFERS + 1, 8 + 16 * (PAC_MAX_BUFFERS + 1) + 8);
	refused(p, 8 + 16 * (PAC_MAX_BUFFERS + 1) + 8, "buffers", "65 buffers");
	free(p);
}

/* Two unknown buffers may share a type, never octets. */
static void test_unknown_types(void **state)
{
	uint8_t *p = unknown_pac(2, 8 + 32 + 16);

	(void)state;
	wr32(entry(p, 0) + 4, 8);
	wr32(entry(p, 1) + 4, 8);
	wr32(entry(p, 1) + 8, 8 + 32 + 8);
	assert_int_equal(pac_decode(p, 8 + 32 + 16, &info, NULL, 0), 0);
	wr32(entry(p, 1) + 8, 8 + 32);
	refused(p, 8 + 32 + 16, "overlap", "overlapping unknown buffers");
	free(p);
}

/* Every octet of a full PAC set to a few values: whatever the outcome, no
 * crash and no sanitizer report; a refusal leaves *out zeroed. */
static void test_octet_mutations(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
	const struct pac_ref *r = ref("full");

	(void)state;
	for (size_t i = 0; i < r->len; i++) {
		for (size_t v = 0; v < sizeof vals; v++) {
			uint8_t *b = copy(r->pac, r->len);

			b[i] = vals[v];
			if (pac_decode(b, r->len, &info, NULL, 0) != 0)
				assert_zeroed(&info);
			else
				assert_true(info.n_groups <= PAC_MAX_GROUPS);
			free(b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_ref_refusals),
		cmocka_unit_test(test_no_err_buffer),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_user_flags),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_logon_info_cut),
		cmocka_unit_test(test_pactype_corruptions),
		cmocka_unit_test(test_logon_info_corruptions),
		cmocka_unit_test(test_other_corruptions),
		cmocka_unit_test(test_upn_ext_corruptions),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_octet_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
