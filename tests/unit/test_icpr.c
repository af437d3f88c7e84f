/* firmware/icpr: UTF-16 helpers, the authority check and sanitized names, the
 * attribute string and SAN parsers, request format detection (openssl-made
 * PKCS#10, a Windows-style CSR, CMS and CMC signedData made by openssl cms, PEM
 * and base64, garbage) and the certs-only PKCS#7 (read back by openssl), and the
 * disposition mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/asn1/asn1.h"
#include "firmware/asn1/der.h"
#include "firmware/icpr/icpr.h"
#include "firmware/ledger/event.h"
#include "tests/unit/support/x509_oracle.h"

static char err[256];

/* ---- helpers ---- */

/* UTF-8 text to UTF-16LE bytes (with the NUL unit when nul) in a static buffer. */
static const uint8_t *w16(const char *s, int nul, size_t *nbytes)
{
	static uint8_t buf[4][20000];
	static int next;
	uint8_t *b = buf[next++ % 4];
	size_t n;

	assert_int_equal(icpr_utf8_to_utf16(s, strlen(s), b, sizeof buf[0], &n), ICPR_OK);
	*nbytes = nul ? n : n - 2;
	return b;
}

static void read_file(const char *name, struct x509_buf *out)
{
	if (oracle_read(oracle_path(name), out) != 0)
		fail_msg("cannot read %s", name);
}

static void run_ok(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void run_ok(const char *what, const char *fmt, ...)
{
	char cmd[2048], *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (oracle_run(&out, "%s", cmd) != 0)
		fail_msg("%s: %s\n%s", what, cmd, out ? out : "");
	free(out);
}

/* ---- UTF-16 ---- */

static void test_utf16_valid(void **state)
{
	static const uint8_t pair[] = {0x3d, 0xd8, 0x00, 0xde};  /* U+1F600 */
	static const uint8_t lone_hi[] = {0x41, 0x00, 0x3d, 0xd8}; /* 'A', high at end */
	static const uint8_t hi_hi[] = {0x3d, 0xd8, 0x3d, 0xd8, 0x00, 0xde};
	static const uint8_t lone_lo[] = {0x00, 0xde, 0x41, 0x00};
	static const uint8_t hi_a[] = {0x3d, 0xd8, 0x41, 0x00};
	static const uint8_t with_nul[] = {0x41, 0x00, 0x00, 0x00, 0x42, 0x00};

	(void)state;
	assert_true(icpr_utf16_valid(NULL, 0));
	assert_true(icpr_utf16_valid(pair, sizeof pair));
	assert_true(icpr_utf16_valid(with_nul, sizeof with_nul));
	assert_false(icpr_utf16_valid(pair, 3));        /* odd length */
	assert_false(icpr_utf16_valid(pair, 2));        /* high surrogate cut off */
	assert_false(icpr_utf16_valid(lone_hi, sizeof lone_hi));
	assert_false(icpr_utf16_valid(hi_hi, sizeof hi_hi));
	assert_false(icpr_utf16_valid(lone_lo, sizeof lone_lo));
	assert_false(icpr_utf16_valid(hi_a, sizeof hi_a));
	assert_false(icpr_utf16_valid(NULL, 2));
}

static void test_utf16_len(void **state)
{
	static const uint8_t s[] = {0x41, 0x00, 0x42, 0x00, 0x00, 0x00, 0x43, 0x00};
	size_t units = 99;

	(void)state;
	assert_int_equal(icpr_utf16_len(s, sizeof s, &units), ICPR_OK);
	assert_int_equal(units, 2);
	assert_int_equal(icpr_utf16_len(s, 4, &units), ICPR_EINVAL); /* no NUL */
	assert_int_equal(units, 0);
	assert_int_equal(icpr_utf16_len(s, 7, &units), ICPR_EINVAL); /* odd */
	assert_int_equal(icpr_utf16_len(s + 4, 2, &units), ICPR_OK);
	assert_int_equal(units, 0);
	assert_int_equal(icpr_utf16_len(NULL, 0, &units), ICPR_EINVAL);
	/* A NUL split across a unit boundary is not a NUL unit. */
	static const uint8_t split[] = {0x41, 0x00, 0x00, 0x42};
	assert_int_equal(icpr_utf16_len(split, sizeof split, &units), ICPR_EINVAL);
}

static void test_utf16_to_utf8(void **state)
{
	/* "aé€😀" */
	static const uint8_t s[] = {0x61, 0x00, 0xe9, 0x00, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde};
	static const char want[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	static const uint8_t nul[] = {0x61, 0x00, 0x00, 0x00};
	static const uint8_t lone[] = {0x61, 0x00, 0x00, 0xdc};
	char out[32];
	size_t n;

	(void)state;
	assert_int_equal(icpr_utf16_to_utf8(s, sizeof s, out, sizeof out, &n), ICPR_OK);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	/* The cap counts the terminator: exactly enough, then one byte short. */
	assert_int_equal(icpr_utf16_to_utf8(s, sizeof s, out, strlen(want) + 1, &n), ICPR_OK);
	assert_int_equal(icpr_utf16_to_utf8(s, sizeof s, out, strlen(want), &n), ICPR_ETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(icpr_utf16_to_utf8(s, sizeof s, out, 0, &n), ICPR_ETOOLONG);
	/* A surrogate pair is never cut in half by the cap. */
	assert_int_equal(icpr_utf16_to_utf8(s, sizeof s, out, 8, NULL), ICPR_ETOOLONG);
	assert_int_equal(icpr_utf16_to_utf8(s, 0, out, sizeof out, &n), ICPR_OK);
	assert_string_equal(out, "");
	assert_int_equal(icpr_utf16_to_utf8(nul, sizeof nul, out, sizeof out, &n), ICPR_EINVAL);
	assert_int_equal(icpr_utf16_to_utf8(lone, sizeof lone, out, sizeof out, &n), ICPR_EINVAL);
	assert_int_equal(icpr_utf16_to_utf8(s, 9, out, sizeof out, &n), ICPR_EINVAL);
	assert_int_equal(icpr_utf16_to_utf8(s, 8, out, sizeof out, &n), ICPR_EINVAL);
}

static void test_utf8_to_utf16(void **state)
{
	static const uint8_t issued[] = {'I', 0, 's', 0, 's', 0, 'u', 0, 'e', 0, 'd', 0, 0, 0};
	static const uint8_t emoji[] = {0x3d, 0xd8, 0x00, 0xde, 0, 0};
	static const char *const bad[] = {
		"\xc0\x80",         /* overlong NUL */
		"\xc1\xbf",         /* overlong */
		"\xe0\x80\xaf",     /* overlong '/' */
		"\xed\xa0\x80",     /* an encoded surrogate */
		"\xf4\x90\x80\x80", /* beyond U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xe2\x82",         /* truncated */
		"\x80",             /* lone continuation */
		"a\xffz",
	};
	uint8_t out[64];
	size_t n;
	char back[64];

	(void)state;
	assert_int_equal(icpr_utf8_to_utf16("Issued", 6, out, sizeof out, &n), ICPR_OK);
	assert_int_equal(n, sizeof issued);
	assert_memory_equal(out, issued, n);
	assert_int_equal(icpr_utf8_to_utf16("Issued", 6, NULL, 0, &n), ICPR_OK); /* sizing */
	assert_int_equal(n, sizeof issued);
	assert_int_equal(icpr_utf8_to_utf16("Issued", 6, out, 13, &n), ICPR_ETOOLONG);
	assert_int_equal(icpr_utf8_to_utf16("", 0, out, sizeof out, &n), ICPR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0] | out[1], 0);
	assert_int_equal(icpr_utf8_to_utf16("\xf0\x9f\x98\x80", 4, out, sizeof out, &n), ICPR_OK);
	assert_int_equal(n, sizeof emoji);
	assert_memory_equal(out, emoji, n);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (icpr_utf8_to_utf16(bad[i], strlen(bad[i]), out, sizeof out, &n) != ICPR_EINVAL)
			fail_msg("bad UTF-8 #%zu accepted", i);
	assert_int_equal(icpr_utf8_to_utf16("a\0b", 3, out, sizeof out, &n), ICPR_EINVAL);
	/* Round trip. */
	const char *s = "Ta\xc3\x9f \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80!";
	assert_int_equal(icpr_utf8_to_utf16(s, strlen(s), out, sizeof out, &n), ICPR_OK);
	assert_int_equal(icpr_utf16_to_utf8(out, n - 2, back, sizeof back, NULL), ICPR_OK);
	assert_string_equal(back, s);
}

/* ---- authority ---- */

static void test_sanitize(void **state)
{
	char out[ICPR_SANITIZED_MAX];
	char shortname[ICPR_SHORT_NAME_MAX + 1];
	char name[128];

	(void)state;
	/* The example of MS-WCCE 1.3.2.5 / MS-CSRA 1.3.1.6. */
	assert_int_equal(icpr_sanitize_name("LongCAName(WithSpeci@#$%^Characters", out, sizeof out),
			 ICPR_OK);
	assert_string_equal(out, "LongCAName!0028WithSpeci@!0023$!0025!005eCharacters");
	/* 51 characters exactly: the short name is the same. */
	assert_int_equal(icpr_sanitize_short_name("LongCAName(WithSpeci@#$%^Characters", shortname,
						  sizeof shortname), ICPR_OK);
	assert_string_equal(shortname, out);
	/* Every disallowed character of 3.1.1.4.1.1.2, controls, DEL and above. */
	assert_int_equal(icpr_sanitize_name("a!\"#%&'()*+,/:;<=>?[\\]^`{|}z", out, sizeof out),
			 ICPR_OK);
	assert_string_equal(out, "a!0021!0022!0023!0025!0026!0027!0028!0029!002a!002b!002c!002f"
				 "!003a!003b!003c!003d!003e!003f!005b!005c!005d!005e!0060!007b"
				 "!007c!007dz");
	assert_int_equal(icpr_sanitize_name("A B-C.D_E~F$G@H", out, sizeof out), ICPR_OK);
	assert_string_equal(out, "A B-C.D_E~F$G@H");
	assert_int_equal(icpr_sanitize_name("\x01\x1f\x7f\xc3\x9cn\xc3\xaf \xf0\x9f\x98\x80", out,
					    sizeof out), ICPR_OK);
	assert_string_equal(out, "!0001!001f!007f!00dcn!00ef !d83d!de00");
	/* Longer than 51: cut, '-', 5-digit hash of what was cut (values computed
	 * independently from MS-WCCE 3.1.1.4.1.1.1). */
	assert_int_equal(icpr_sanitize_short_name(
				 "Contoso Enterprise Issuing Certification Authority Number 2 "
				 "(Production)", shortname, sizeof shortname), ICPR_OK);
	assert_string_equal(shortname, "Contoso Enterprise Issuing Certification Authority -29150");
	assert_int_equal(strlen(shortname), 57);
	/* The cut falls inside an escape: the escape goes whole. */
	memset(name, 'A', 49);
	strcpy(name + 49, "#tail");
	assert_int_equal(icpr_sanitize_short_name(name, shortname, sizeof shortname), ICPR_OK);
	assert_int_equal(strlen(shortname), 49 + 6);
	assert_string_equal(shortname + 49, "-21714");
	assert_int_equal(icpr_sanitize_short_name(name, shortname, 50), ICPR_ETOOLONG);
	/* Refusals. */
	assert_int_equal(icpr_sanitize_name("", out, sizeof out), ICPR_EINVAL);
	assert_int_equal(icpr_sanitize_name(NULL, out, sizeof out), ICPR_EINVAL);
	assert_int_equal(icpr_sanitize_name("bad\xff", out, sizeof out), ICPR_EINVAL);
	assert_int_equal(icpr_sanitize_name("a#", out, 6), ICPR_ETOOLONG);
	assert_int_equal(icpr_sanitize_name("a#", out, 7), ICPR_OK);
	char big[ICPR_CA_NAME_MAX + 2];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(icpr_sanitize_name(big, out, sizeof out), ICPR_EINVAL);
	big[ICPR_CA_NAME_MAX] = 0;
	assert_int_equal(icpr_sanitize_name(big, out, sizeof out), ICPR_OK);
}

static int auth(const char *wire, int nul, const char *ca)
{
	size_t n;
	const uint8_t *w = w16(wire, nul, &n);

	return icpr_authority_match(w, n, ca);
}

static void test_authority(void **state)
{
	static const char ca[] = "Example Issuing CA #1 (Lab)";
	static const uint8_t embedded[] = {'E', 0, 0, 0, 'x', 0, 0, 0};
	static const uint8_t lone[] = {'E', 0, 0x00, 0xd8, 0, 0};
	static const char lng[] = "Contoso Enterprise Issuing Certification Authority Number 2 "
				  "(Production)";

	(void)state;
	assert_true(auth(ca, 1, ca));
	assert_true(auth(ca, 0, ca)); /* NDR always has the NUL; tolerate its absence */
	assert_true(auth("example issuing ca #1 (LAB)", 1, ca));
	assert_true(auth("Example Issuing CA !00231 !0028Lab!0029", 1, ca));
	assert_true(auth("EXAMPLE ISSUING CA !00231 !0028LAB!0029", 1, ca)); /* hex case too */
	assert_false(auth("Example Issuing CA", 1, ca));
	assert_false(auth("Example Issuing CA #1 (Lab) ", 1, ca));
	assert_false(auth(" Example Issuing CA #1 (Lab)", 1, ca));
	assert_false(auth("Other CA", 1, ca));
	assert_false(auth("Example Issuing CA !0023", 1, ca));
	assert_false(auth("", 1, ca));
	assert_false(icpr_authority_match(NULL, 0, ca));
	assert_false(icpr_authority_match(embedded, sizeof embedded, "E"));
	assert_false(icpr_authority_match(lone, sizeof lone, "E"));
	assert_false(icpr_authority_match((const uint8_t *)"E\0", 3, "E")); /* odd */
	assert_true(icpr_authority_match((const uint8_t *)"E\0\0", 4, "E"));
	assert_false(auth(ca, 1, NULL));
	assert_false(auth(ca, 1, ""));
	/* The sanitized short name of a long CA name, and the long name itself. */
	assert_true(auth(lng, 1, lng));
	assert_true(auth("Contoso Enterprise Issuing Certification Authority -29150", 1, lng));
	assert_true(auth("Contoso Enterprise Issuing Certification Authority Number 2 "
			 "!0028Production!0029", 1, lng));
	assert_false(auth("Contoso Enterprise Issuing Certification Authority -29151", 1, lng));
	/* Case folding beyond ASCII: Latin-1, Latin Extended-A, Greek, Cyrillic. */
	assert_true(auth("\xc3\xbcn\xc3\xaf" "code ca", 1, "\xc3\x9cN\xc3\x8f" "CODE CA"));
	assert_true(auth("\xc5\x82\xc3\xb3" "d\xc5\xba", 1, "\xc5\x81\xc3\x93" "D\xc5\xb9"));
	assert_true(auth("\xce\xb1\xce\xb2\xce\xb3", 1, "\xce\x91\xce\x92\xce\x93"));
	assert_true(auth("\xd0\xba\xd1\x80\xd0\xb8\xd0\xb9 \xd1\x91", 1,
			 "\xd0\x9a\xd0\xa0\xd0\x98\xd0\x99 \xd0\x81"));
	assert_false(auth("\xc3\xa0", 1, "\xc3\xa1")); /* à is not á */
	/* A name with characters outside the folded scripts compares exactly. */
	assert_true(auth("\xe6\x9d\xb1\xe4\xba\xac CA", 1, "\xe6\x9d\xb1\xe4\xba\xac ca"));
	assert_true(auth("\xf0\x9f\x98\x80", 1, "\xf0\x9f\x98\x80"));
	assert_true(auth("!d83d!de00", 1, "\xf0\x9f\x98\x80"));
}

/* ---- attributes ---- */

static int attrs_blob(const char *text, struct icpr_attrs *at)
{
	size_t n;
	const uint8_t *w = w16(text, 1, &n);

	return icpr_attrs_from_blob(w, n, at);
}

static void test_attrs_blob(void **state)
{
	static struct icpr_attrs at;
	size_t n;
	const uint8_t *w;
	uint8_t buf[64];

	(void)state;
	assert_int_equal(icpr_attrs_from_blob(NULL, 0, &at), ICPR_OK);
	assert_int_equal(at.n, 0);
	assert_int_equal(attrs_blob("", &at), ICPR_OK); /* cb 2: just the NUL */
	assert_int_equal(at.n, 0);
	assert_int_equal(attrs_blob("CertificateTemplate:User", &at), ICPR_OK);
	assert_int_equal(at.n, 1);
	assert_string_equal(at.text, "CertificateTemplate:User");
	assert_string_equal(icpr_attrs_get(&at, "certificatetemplate"), "User");

	w = w16("CertificateTemplate:User", 1, &n);
	memcpy(buf, w, n);
	/* cb must be exactly the string with its NUL. */
	assert_int_equal(icpr_attrs_from_blob(buf, n - 2, &at), ICPR_EINVAL); /* no NUL */
	assert_int_equal(at.n, 0);
	assert_int_equal(icpr_attrs_from_blob(buf, n - 1, &at), ICPR_EINVAL); /* odd */
	buf[n] = 0;
	buf[n + 1] = 0;
	assert_int_equal(icpr_attrs_from_blob(buf, n + 2, &at), ICPR_EINVAL); /* extra NUL */
	buf[n] = 'X';
	buf[n + 1] = 0;
	assert_int_equal(icpr_attrs_from_blob(buf, n + 2, &at), ICPR_EINVAL); /* bytes after */
	assert_int_equal(icpr_attrs_from_blob(NULL, 4, &at), ICPR_EINVAL);
	/* A NUL in the middle: the string is shorter than cb. */
	buf[6] = 0;
	buf[7] = 0;
	assert_int_equal(icpr_attrs_from_blob(buf, n, &at), ICPR_EINVAL);
	/* Lone surrogate. */
	static const uint8_t lone[] = {'a', 0, ':', 0, 0x00, 0xd8, 0, 0};
	assert_int_equal(icpr_attrs_from_blob(lone, sizeof lone, &at), ICPR_EINVAL);
	/* Non-ASCII values come out as UTF-8. */
	assert_int_equal(attrs_blob("Note:Caf\xc3\xa9 \xe6\x9d\xb1", &at), ICPR_OK);
	assert_string_equal(icpr_attrs_get(&at, "note"), "Caf\xc3\xa9 \xe6\x9d\xb1");
	/* Every status maps to E_INVALIDARG on the wire. */
	assert_int_equal(icpr_status_hresult(ICPR_EINVAL), HR_E_INVALIDARG);
	assert_int_equal(icpr_status_hresult(ICPR_ETOOLONG), HR_E_INVALIDARG);
}

static int parse(const char *text, struct icpr_attrs *at)
{
	return icpr_attrs_parse(text, strlen(text), at);
}

static void test_attrs_parse(void **state)
{
	static struct icpr_attrs at, copy;

	(void)state;
	assert_int_equal(parse("CertificateTemplate:User\r\nSAN:dns=a&upn=b@c\n\n  \r\n"
			       "  cdc :  dc1.example.com  \n\trmd:\nccm:host:1234",
			       &at), ICPR_OK);
	assert_int_equal(at.n, 5);
	assert_string_equal(icpr_attrs_name(&at, 0), "CertificateTemplate");
	assert_string_equal(icpr_attrs_value(&at, 0), "User");
	assert_string_equal(icpr_attrs_get(&at, ICPR_ATTR_SAN), "dns=a&upn=b@c");
	assert_string_equal(icpr_attrs_get(&at, "san"), "dns=a&upn=b@c");
	assert_string_equal(icpr_attrs_get(&at, "CDC"), "dc1.example.com");
	assert_string_equal(icpr_attrs_get(&at, "rmd"), "");
	assert_string_equal(icpr_attrs_get(&at, "ccm"), "host:1234"); /* split at the first ':' */
	assert_null(icpr_attrs_get(&at, "nosuch"));
	assert_null(icpr_attrs_get(&at, NULL));
	assert_null(icpr_attrs_name(&at, 5));
	assert_null(icpr_attrs_value(&at, 99));
	/* The struct holds no pointers: a copy reads the same. */
	memcpy(&copy, &at, sizeof at);
	memset(&at, 0x55, sizeof at);
	assert_string_equal(icpr_attrs_get(&copy, "certificatetemplate"), "User");
	assert_string_equal(icpr_attrs_value(&copy, 4), "host:1234");

	assert_int_equal(parse("", &at), ICPR_OK);
	assert_int_equal(at.n, 0);
	assert_int_equal(parse("\n\r\n \t \n", &at), ICPR_OK);
	assert_int_equal(at.n, 0);
	assert_int_equal(parse("a:1\n", &at), ICPR_OK);
	assert_int_equal(at.n, 1);

	static const char *const bad[] = {
		"NoColonHere",
		":value",
		"  :value",
		"Bad Name:x",
		"Bad/Name:x",
		"N\xc3\xa4me:x",
		"a:1\rb:2",       /* a lone CR */
		"a:1\r\r\nb:2",
		"a:x\x01y",       /* control character in a value */
		"a:x\ty",
		"a:x\x7fy",
		"CertificateTemplate:User\ncertificatetemplate:WebServer", /* twice */
		"a:\xff",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], &at) != ICPR_EINVAL)
			fail_msg("accepted: \"%s\"", bad[i]);
		assert_int_equal(at.n, 0);
	}
	assert_int_equal(icpr_attrs_parse("a:b\0c", 5, &at), ICPR_EINVAL);
}

static void test_attrs_limits(void **state)
{
	static struct icpr_attrs at;
	static char text[3 * ICPR_ATTR_TEXT_MAX];
	size_t o;

	(void)state;
	/* Name: 64 then 65 bytes. */
	memset(text, 'n', ICPR_ATTR_NAME_MAX);
	strcpy(text + ICPR_ATTR_NAME_MAX, ":v");
	assert_int_equal(parse(text, &at), ICPR_OK);
	memset(text, 'n', ICPR_ATTR_NAME_MAX + 1);
	strcpy(text + ICPR_ATTR_NAME_MAX + 1, ":v");
	assert_int_equal(parse(text, &at), ICPR_ETOOLONG);
	/* Value: 2048 then 2049 bytes (surrounding blanks do not count). */
	strcpy(text, "v: ");
	memset(text + 3, 'x', ICPR_ATTR_VALUE_MAX);
	strcpy(text + 3 + ICPR_ATTR_VALUE_MAX, "  ");
	assert_int_equal(parse(text, &at), ICPR_OK);
	assert_int_equal(strlen(icpr_attrs_get(&at, "v")), ICPR_ATTR_VALUE_MAX);
	text[3 + ICPR_ATTR_VALUE_MAX] = 'x';
	assert_int_equal(parse(text, &at), ICPR_ETOOLONG);
	/* Lines: 32 then 33. */
	o = 0;
	for (int i = 0; i < ICPR_ATTR_MAX_COUNT; i++)
		o += (size_t)sprintf(text + o, "n%d:%d\r\n", i, i);
	assert_int_equal(parse(text, &at), ICPR_OK);
	assert_int_equal(at.n, ICPR_ATTR_MAX_COUNT);
	assert_string_equal(icpr_attrs_get(&at, "n31"), "31");
	sprintf(text + o, "n%d:x", ICPR_ATTR_MAX_COUNT);
	assert_int_equal(parse(text, &at), ICPR_ETOOLONG);
	assert_int_equal(at.n, 0);
	/* The whole text: 4096 bytes, then 4097 (both blob and text entry points). */
	memset(text, '\n', ICPR_ATTR_TEXT_MAX);
	memcpy(text, "a:b", 3);
	text[ICPR_ATTR_TEXT_MAX] = 0;
	assert_int_equal(parse(text, &at), ICPR_OK);
	assert_int_equal(attrs_blob(text, &at), ICPR_OK);
	assert_int_equal(at.text_len, ICPR_ATTR_TEXT_MAX);
	text[ICPR_ATTR_TEXT_MAX] = '\n';
	text[ICPR_ATTR_TEXT_MAX + 1] = 0;
	assert_int_equal(parse(text, &at), ICPR_ETOOLONG);
	assert_int_equal(attrs_blob(text, &at), ICPR_ETOOLONG);
	/* 4000 units, but 3 UTF-8 bytes each: too long once converted. */
	o = 0;
	memcpy(text, "a:", 2);
	for (o = 2; o < 2 + 3 * 2000; o += 3)
		memcpy(text + o, "\xe6\x9d\xb1", 3);
	text[o] = 0;
	assert_int_equal(attrs_blob(text, &at), ICPR_ETOOLONG);
}

/* ---- SAN ---- */

static int san(const char *v, struct icpr_san *s)
{
	return icpr_san_parse(v, strlen(v), s);
}

static void test_san(void **state)
{
	static struct icpr_san s;
	static const uint8_t v4[] = {10, 0, 0, 1};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	/* {00112233-4455-6677-8899-aabbccddeeff} in Windows' binary layout */
	static const uint8_t guid[] = {0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
				       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

	(void)state;
	assert_int_equal(san("dns=a.example.com&upn=b@c&email=x@y.z&ipaddress=10.0.0.1&"
			     "IPAddress=2001:db8::1&url=https://x.example/y?z=1&"
			     "guid={00112233-4455-6677-8899-AABBCCDDEEFF}&dn=CN=x,O=y&"
			     "DNS=*.wild.example",
			     &s), ICPR_OK);
	assert_int_equal(s.n, 9);
	assert_int_equal(s.e[0].type, ICPR_SAN_DNS);
	assert_string_equal(icpr_san_value(&s, 0), "a.example.com");
	assert_int_equal(s.e[0].len, 13);
	assert_int_equal(s.e[1].type, ICPR_SAN_UPN);
	assert_string_equal(icpr_san_value(&s, 1), "b@c");
	assert_int_equal(s.e[2].type, ICPR_SAN_EMAIL);
	assert_int_equal(s.e[3].type, ICPR_SAN_IP);
	assert_int_equal(s.e[3].bin_len, 4);
	assert_memory_equal(s.e[3].bin, v4, 4);
	assert_int_equal(s.e[4].bin_len, 16);
	assert_memory_equal(s.e[4].bin, v6, 16);
	assert_int_equal(s.e[5].type, ICPR_SAN_URL);
	assert_string_equal(icpr_san_value(&s, 5), "https://x.example/y?z=1");
	assert_int_equal(s.e[6].type, ICPR_SAN_GUID);
	assert_memory_equal(s.e[6].bin, guid, 16);
	assert_int_equal(s.e[7].type, ICPR_SAN_DN);
	assert_string_equal(icpr_san_value(&s, 7), "CN=x,O=y"); /* split at the first '=' */
	assert_string_equal(icpr_san_value(&s, 8), "*.wild.example");
	assert_null(icpr_san_value(&s, 9));
	assert_string_equal(icpr_san_type_name(ICPR_SAN_IP), "ipaddress");
	assert_null(icpr_san_type_name((enum icpr_san_type)99));
	assert_int_equal(san("guid=00112233445566778899aabbccddeeff", &s), ICPR_OK);
	assert_memory_equal(s.e[0].bin, guid, 16);
	assert_int_equal(san("dn=CN=J\xc3\xb6rg M\xc3\xbcller", &s), ICPR_OK);
	assert_int_equal(san("upn=j\xc3\xb6rg@corp.example", &s), ICPR_OK); /* UTF8String */
	assert_int_equal(san("email=j\xc3\xb6rg@corp.example", &s), ICPR_EINVAL); /* IA5String */

	static const char *const bad[] = {
		"", "dns", "dns=", "=x", "dns=a&", "&dns=a", "dns=a&&dns=b", "foo=bar",
		"dns=a b", "dns=a..b", "dns=.a", "dns=a.", "dns=a/b", "dns=*", "dns=a.*.b",
		"upn=nodomain", "upn=@c", "upn=b@", "upn=a b@c", "upn=a\x01@c", "email=a@b@c",
		"email=a b@c",
		"ipaddress=10.0.0", "ipaddress=10.0.0.256", "ipaddress=host", "ipaddress=::g",
		"guid=0011", "guid={00112233-4455-6677-8899-aabbccddeeff",
		"guid=zz112233445566778899aabbccddeeff",
		"guid=00112233445566778899aabbccddeeff00", "url=has space", "url=ctl\x01",
		"dn=a\x01", "dns=\xe6\x9d\xb1", "dns=a\xff",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (san(bad[i], &s) != ICPR_EINVAL)
			fail_msg("accepted SAN \"%s\"", bad[i]);
		assert_int_equal(s.n, 0);
	}
	/* Limits: 32 entries, 512-byte values, 63-byte labels. */
	static char v[ICPR_ATTR_VALUE_MAX + 64];
	size_t o = 0;
	for (int i = 0; i < ICPR_SAN_MAX; i++)
		o += (size_t)sprintf(v + o, "%sdns=h%d", i ? "&" : "", i);
	assert_int_equal(san(v, &s), ICPR_OK);
	assert_int_equal(s.n, ICPR_SAN_MAX);
	strcat(v, "&dns=x");
	assert_int_equal(san(v, &s), ICPR_ETOOLONG);
	strcpy(v, "url=");
	memset(v + 4, 'u', ICPR_SAN_VALUE_MAX);
	v[4 + ICPR_SAN_VALUE_MAX] = 0;
	assert_int_equal(san(v, &s), ICPR_OK);
	strcat(v, "u");
	assert_int_equal(san(v, &s), ICPR_ETOOLONG);
	memset(v, 'x', ICPR_ATTR_VALUE_MAX + 1);
	assert_int_equal(icpr_san_parse(v, ICPR_ATTR_VALUE_MAX + 1, &s), ICPR_ETOOLONG);
	strcpy(v, "dns=");
	memset(v + 4, 'l', 63);
	strcpy(v + 67, ".example");
	assert_int_equal(san(v, &s), ICPR_OK);
	memset(v + 4, 'l', 64);
	strcpy(v + 68, ".example");
	assert_int_equal(san(v, &s), ICPR_EINVAL);
}

/* A SAN attribute reached through the attribute string, as the worker will. */
static void test_san_from_attrs(void **state)
{
	static struct icpr_attrs at;
	static struct icpr_san s;
	const char *v;

	(void)state;
	assert_int_equal(attrs_blob("CertificateTemplate:User\nSAN:upn=administrator@corp.example",
				    &at), ICPR_OK);
	v = icpr_attrs_get(&at, ICPR_ATTR_SAN);
	assert_non_null(v);
	assert_int_equal(icpr_san_parse(v, strlen(v), &s), ICPR_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.e[0].type, ICPR_SAN_UPN);
	assert_string_equal(icpr_san_value(&s, 0), "administrator@corp.example");
}

/* ---- request format detection ---- */

/* An openssl-made PKCS#10 (DER) into csr, with its key as <dir>/reqkey.key. */
static void openssl_csr(struct x509_buf *csr)
{
	struct x509_buf spki;
	char cmd[1024];

	assert_int_equal(oracle_genkey("p256", "reqkey", &spki), 0);
	x509_buf_free(&spki);
	snprintf(cmd, sizeof cmd,
		 "openssl req -new -key '%s' -subj '/CN=client.example.com' -outform DER -out '%s'",
		 oracle_path("reqkey.key"), oracle_path("req.der"));
	run_ok("openssl req", "%s", cmd);
	read_file("req.der", csr);
}

static void expect_format(const uint8_t *blob, size_t len, enum icpr_format want, int text,
			  const struct x509_buf *der)
{
	struct icpr_request r;
	int rc = icpr_request_detect(blob, len, &r);

	if (rc != ICPR_OK || r.format != want)
		fail_msg("detect: rc %d format %d, want %d", rc, r.format, want);
	assert_int_equal(r.was_text, text);
	if (der != NULL) {
		assert_int_equal(r.der.len, der->len);
		assert_memory_equal(r.der.data, der->data, der->len);
	}
	icpr_request_free(&r);
}

static void expect_unknown(const uint8_t *blob, size_t len, int want_rc)
{
	struct icpr_request r;
	int rc = icpr_request_detect(blob, len, &r);

	if (rc != want_rc)
		fail_msg("detect: rc %d, want %d (len %zu)", rc, want_rc, len);
	assert_int_equal(r.format, ICPR_FMT_UNKNOWN);
	assert_null(r.der.data);
}

static void test_detect_pkcs10(void **state)
{
	struct x509_buf csr, pem;
	struct icpr_request r;

	(void)state;
	openssl_csr(&csr);
	assert_int_equal(icpr_request_detect(csr.data, csr.len, &r), ICPR_OK);
	assert_int_equal(r.format, ICPR_FMT_PKCS10);
	assert_int_equal(r.format, FMT_PKCS10);
	assert_int_equal(r.was_ber, 0);
	assert_int_equal(r.was_text, 0);
	assert_int_equal(x509_csr_verify(r.der.data, r.der.len, NULL, NULL, err, sizeof err), 0);
	icpr_request_free(&r);
	assert_null(r.der.data);
	icpr_request_free(NULL);

	/* A broken signature is still PKCS#10 (the caller then says NTE_BAD_SIGNATURE). */
	csr.data[csr.len - 3] ^= 0x10;
	expect_format(csr.data, csr.len, ICPR_FMT_PKCS10, 0, &csr);
	assert_int_not_equal(x509_csr_verify(csr.data, csr.len, NULL, NULL, err, sizeof err), 0);
	csr.data[csr.len - 3] ^= 0x10;

	/* PEM, with the label openssl writes and the one certreq writes (CRLF). */
	assert_int_equal(x509_pem_encode("CERTIFICATE REQUEST", csr.data, csr.len, &pem), 0);
	expect_format(pem.data, pem.len, ICPR_FMT_PKCS10, 1, &csr);
	x509_buf_free(&pem);
	assert_int_equal(x509_pem_encode("NEW CERTIFICATE REQUEST", csr.data, csr.len, &pem), 0);
	char *crlf = malloc(2 * pem.len + 64);
	size_t o = (size_t)sprintf(crlf, "Explanatory text\r\n");
	for (size_t i = 0; i < pem.len; i++) {
		if (pem.data[i] == '\n')
			crlf[o++] = '\r';
		crlf[o++] = (char)pem.data[i];
	}
	expect_format((uint8_t *)crlf, o, ICPR_FMT_PKCS10, 1, &csr);
	/* Bare base64 (the PEM body), with line breaks and a trailing NUL. */
	char *body = strstr(crlf, "-----\r\n") + 7;
	char *end = strstr(body, "-----END");
	size_t blen = (size_t)(end - body);
	body[blen] = 0;
	expect_format((uint8_t *)body, blen + 1, ICPR_FMT_PKCS10, 1, &csr);
	free(crlf);
	x509_buf_free(&pem);
	x509_buf_free(&csr);
}

/* DER SET OF: elements sorted by their encodings (X.690 11.6). */
static int cmp_tlv(const void *a, const void *b)
{
	const struct x509_buf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->data, y->data, n);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

static void bmp(struct der *d, const char *ascii)
{
	uint8_t b[128];
	size_t n = strlen(ascii);

	for (size_t i = 0; i < n; i++) {
		b[2 * i] = 0;
		b[2 * i + 1] = (uint8_t)ascii[i];
	}
	der_prim(d, 0x1e, b, 2 * n);
}

static void attr_begin(struct der *d, const char *oid)
{
	der_init(d);
	der_begin(d, DER_SEQUENCE);
	der_oid(d, oid);
	der_begin(d, DER_SET);
}

static void attr_end(struct der *d, struct x509_buf *out)
{
	der_end(d);
	der_end(d);
	assert_int_equal(der_finish(d, &out->data, &out->len), 0);
}

/* The attributes certreq / CertEnroll put into a request. */
static void windows_attributes(struct x509_buf a[5])
{
	struct der d, san;
	struct x509_buf sanv;
	static const uint8_t nobits[] = {0};

	attr_begin(&d, "1.3.6.1.4.1.311.13.2.3"); /* OS version */
	der_prim(&d, DER_IA5_STRING, "10.0.19045.2", 12);
	attr_end(&d, &a[0]);
	attr_begin(&d, "1.3.6.1.4.1.311.21.20"); /* client information */
	der_begin(&d, DER_SEQUENCE);
	der_small_uint(&d, 5);
	der_prim(&d, DER_UTF8_STRING, "WS01.corp.example", 17);
	der_prim(&d, DER_UTF8_STRING, "CORP\\alice", 10);
	der_prim(&d, DER_UTF8_STRING, "certreq.exe", 11);
	der_end(&d);
	attr_end(&d, &a[1]);
	attr_begin(&d, "1.3.6.1.4.1.311.13.2.2"); /* enrollment CSP */
	der_begin(&d, DER_SEQUENCE);
	der_small_uint(&d, 1);
	bmp(&d, "Microsoft Software Key Storage Provider");
	der_prim(&d, DER_BIT_STRING, nobits, 1);
	der_end(&d);
	attr_end(&d, &a[2]);
	attr_begin(&d, "1.3.6.1.4.1.311.13.2.1"); /* enrollment name-value pair */
	der_begin(&d, DER_SEQUENCE);
	bmp(&d, "CertificateTemplate");
	bmp(&d, "User");
	der_end(&d);
	attr_end(&d, &a[3]);
	der_init(&san); /* extensionRequest { subjectAltName dNSName } */
	der_begin(&san, DER_SEQUENCE);
	der_prim(&san, DER_CTX_PRIM(2), "ws01.corp.example", 17);
	der_end(&san);
	assert_int_equal(der_finish(&san, &sanv.data, &sanv.len), 0);
	attr_begin(&d, "1.2.840.113549.1.9.14");
	der_begin(&d, DER_SEQUENCE);
	der_begin(&d, DER_SEQUENCE);
	der_oid(&d, "2.5.29.17");
	der_prim(&d, DER_OCTET_STRING, sanv.data, sanv.len);
	der_end(&d);
	der_end(&d);
	attr_end(&d, &a[4]);
	x509_buf_free(&sanv);
	qsort(a, 5, sizeof a[0], cmp_tlv);
}

/* A CSR shaped like certreq's: Microsoft attributes, signed with RSA. */
static void windows_csr(struct x509_buf *csr)
{
	struct x509_buf spki, subject, attrs[5], info, sig;
	struct der d;

	assert_int_equal(oracle_genkey("rsa2048", "winkey", &spki), 0);
	assert_int_equal(x509_name_parse("CN=alice,OU=Users,DC=corp,DC=example", &subject, err,
					 sizeof err), 0);
	windows_attributes(attrs);
	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	der_small_uint(&d, 0);
	der_raw(&d, DER_SEQUENCE, subject.data, subject.len);
	der_raw(&d, DER_SEQUENCE, spki.data, spki.len);
	der_begin(&d, DER_CTX(0));
	for (int i = 0; i < 5; i++)
		der_raw(&d, DER_SEQUENCE, attrs[i].data, attrs[i].len);
	der_end(&d);
	der_end(&d);
	assert_int_equal(der_finish(&d, &info.data, &info.len), 0);
	assert_int_equal(oracle_sign("winkey", X509_SIG_RSA_SHA256, info.data, info.len, &sig), 0);
	assert_int_equal(x509_csr_assemble(&info, X509_SIG_RSA_SHA256, sig.data, sig.len, csr), 0);
	for (int i = 0; i < 5; i++)
		x509_buf_free(&attrs[i]);
	x509_buf_free(&spki);
	x509_buf_free(&subject);
	x509_buf_free(&info);
	x509_buf_free(&sig);
}

static void test_detect_windows_csr(void **state)
{
	struct x509_buf csr;
	char *out = NULL;

	(void)state;
	windows_csr(&csr);
	/* openssl agrees it is a valid request carrying those attributes. */
	assert_int_equal(oracle_write(oracle_path("win.der"), csr.data, csr.len), 0);
	if (oracle_run(&out, "openssl req -inform DER -in '%s' -verify -noout -text",
		       oracle_path("win.der")) != 0 ||
	    strstr(out, "verify OK") == NULL || strstr(out, "1.3.6.1.4.1.311.13.2.1") == NULL)
		fail_msg("openssl req: %s", out);
	free(out);
	expect_format(csr.data, csr.len, ICPR_FMT_PKCS10, 0, &csr);
	if (x509_csr_verify(csr.data, csr.len, NULL, NULL, err, sizeof err) != 0)
		fail_msg("x509_csr_verify: %s", err);
	x509_buf_free(&csr);
}

/* A self-signed signer for openssl cms -sign. */
static void cms_signer(void)
{
	struct x509_buf spki;
	char cmd[1024];

	assert_int_equal(oracle_genkey("p256", "cmskey", &spki), 0);
	x509_buf_free(&spki);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -new -key '%s' -subj /CN=signer -days 2 -out '%s'",
		 oracle_path("cmskey.key"), oracle_path("signer.pem"));
	run_ok("signer", "%s", cmd);
}

/* openssl cms -sign over the file in, options extra, into out (DER). */
static void cms_sign(const char *in, const char *extra, const char *out, struct x509_buf *der)
{
	char cmd[1536];

	snprintf(cmd, sizeof cmd,
		 "openssl cms -sign -binary -nodetach -in '%s' -signer '%s' -inkey '%s' %s "
		 "-outform DER -out '%s'",
		 oracle_path(in), oracle_path("signer.pem"), oracle_path("cmskey.key"), extra,
		 oracle_path(out));
	run_ok("openssl cms -sign", "%s", cmd);
	read_file(out, der);
}

/* PKIData { controlSequence {}, reqSequence { tcr [0] { 1, csr } }, cmsSequence {},
 * otherMsgSequence {} } (RFC 5272 3.2), around an openssl PKCS#10. */
static void pki_data(const struct x509_buf *csr, struct x509_buf *out)
{
	struct der d;

	der_init(&d);
	der_begin(&d, DER_SEQUENCE);
	der_begin(&d, DER_SEQUENCE);
	der_end(&d);
	der_begin(&d, DER_SEQUENCE);
	der_begin(&d, DER_CTX(0));
	der_small_uint(&d, 1);
	der_raw(&d, DER_SEQUENCE, csr->data, csr->len);
	der_end(&d);
	der_end(&d);
	der_begin(&d, DER_SEQUENCE);
	der_end(&d);
	der_begin(&d, DER_SEQUENCE);
	der_end(&d);
	der_end(&d);
	assert_int_equal(der_finish(&d, &out->data, &out->len), 0);
}

static void test_detect_cms_cmc(void **state)
{
	struct x509_buf csr, pkid, cms, cmc, ber, pem, conv;
	struct icpr_request r;

	(void)state;
	cms_signer();
	openssl_csr(&csr);
	/* CMS: a signedData over the PKCS#10 (the shape of a renewal request). */
	cms_sign("req.der", "", "cms.der", &cms);
	assert_int_equal(icpr_request_detect(cms.data, cms.len, &r), ICPR_OK);
	assert_int_equal(r.format, ICPR_FMT_CMS);
	assert_int_equal(r.was_ber, 0);
	assert_string_equal(r.content_type, "1.2.840.113549.1.7.1");
	icpr_request_free(&r);
	/* CMC: eContentType id-cct-PKIData over a real PKIData. */
	pki_data(&csr, &pkid);
	assert_int_equal(oracle_write(oracle_path("pkidata.der"), pkid.data, pkid.len), 0);
	cms_sign("pkidata.der", "-econtent_type 1.3.6.1.5.5.7.12.2", "cmc.der", &cmc);
	assert_int_equal(icpr_request_detect(cmc.data, cmc.len, &r), ICPR_OK);
	assert_int_equal(r.format, ICPR_FMT_CMC);
	assert_int_equal(r.format, FMT_CMC);
	assert_string_equal(r.content_type, "1.3.6.1.5.5.7.12.2");
	icpr_request_free(&r);
	/* A streaming encoder's BER (indefinite lengths, a constructed eContent):
	 * classified, flagged, and converted exactly as openssl re-encodes it. */
	cms_sign("pkidata.der", "-econtent_type 1.3.6.1.5.5.7.12.2 -stream", "cmc_ber.der", &ber);
	assert_true(ber.data[1] == 0x80); /* really indefinite */
	assert_int_equal(icpr_request_detect(ber.data, ber.len, &r), ICPR_OK);
	assert_int_equal(r.format, ICPR_FMT_CMC);
	assert_int_equal(r.was_ber, 1);
	run_ok("cms -cmsout", "openssl cms -cmsout -inform DER -outform DER -in '%s' -out '%s'",
	       oracle_path("cmc_ber.der"), oracle_path("cmc_ber2der.der"));
	read_file("cmc_ber2der.der", &conv);
	assert_int_equal(r.der.len, conv.len);
	assert_memory_equal(r.der.data, conv.data, conv.len);
	icpr_request_free(&r);
	x509_buf_free(&conv);
	/* PEM "PKCS7" and "CMS" labels. */
	assert_int_equal(x509_pem_encode("PKCS7", cms.data, cms.len, &pem), 0);
	expect_format(pem.data, pem.len, ICPR_FMT_CMS, 1, &cms);
	x509_buf_free(&pem);
	assert_int_equal(x509_pem_encode("CMS", cmc.data, cmc.len, &pem), 0);
	expect_format(pem.data, pem.len, ICPR_FMT_CMC, 1, &cmc);
	x509_buf_free(&pem);
	x509_buf_free(&csr);
	x509_buf_free(&pkid);
	x509_buf_free(&cms);
	x509_buf_free(&cmc);
	x509_buf_free(&ber);
}

/* csr with its outer SEQUENCE re-framed: BER indefinite, or a non-minimal long
 * form (n_len octets). */
static uint8_t *reframe(const struct x509_buf *csr, int indefinite, size_t *out_len)
{
	size_t hl = 2 + (csr->data[1] & 0x80 ? (csr->data[1] & 0x7f) : 0);
	size_t clen = csr->len - hl;
	uint8_t *b = malloc(csr->len + 8);
	size_t o = 0;

	b[o++] = 0x30;
	if (indefinite) {
		b[o++] = 0x80;
	} else {
		b[o++] = 0x84;
		b[o++] = (uint8_t)(clen >> 24);
		b[o++] = (uint8_t)(clen >> 16);
		b[o++] = (uint8_t)(clen >> 8);
		b[o++] = (uint8_t)clen;
	}
	memcpy(b + o, csr->data + hl, clen);
	o += clen;
	if (indefinite) {
		b[o++] = 0;
		b[o++] = 0;
	}
	*out_len = o;
	return b;
}

static void test_detect_ber(void **state)
{
	struct x509_buf csr, pem;
	struct icpr_request r;
	uint8_t *b, deep[200];
	size_t n;

	(void)state;
	openssl_csr(&csr);
	for (int indef = 0; indef <= 1; indef++) {
		b = reframe(&csr, indef, &n);
		assert_int_equal(icpr_request_detect(b, n, &r), ICPR_OK);
		assert_int_equal(r.format, ICPR_FMT_PKCS10);
		assert_int_equal(r.was_ber, 1);
		assert_int_equal(r.der.len, csr.len); /* back to the DER it came from */
		assert_memory_equal(r.der.data, csr.data, csr.len);
		/* Only the framing outside the signed info changed: it still verifies. */
		assert_int_equal(x509_csr_verify(r.der.data, r.der.len, NULL, NULL, err,
						 sizeof err), 0);
		icpr_request_free(&r);
		/* The same as PEM. */
		assert_int_equal(x509_pem_encode("CERTIFICATE REQUEST", b, n, &pem), 0);
		assert_int_equal(icpr_request_detect(pem.data, pem.len, &r), ICPR_OK);
		assert_true(r.was_text && r.was_ber && r.format == ICPR_FMT_PKCS10);
		icpr_request_free(&r);
		x509_buf_free(&pem);
		/* Trailing bytes after the value, and a missing EOC. */
		b[n] = 0x05;
		expect_unknown(b, n + 1, ICPR_EFORMAT);
		expect_unknown(b, indef ? n - 2 : n - 1, ICPR_EFORMAT);
		free(b);
	}
	static const struct {
		const char *b;
		size_t n;
	} bad[] = {
		{"\x30\x80\x02\x01\x01", 5},             /* no EOC */
		{"\x30\x80\x00\x00", 4},                  /* empty */
		{"\x30\x04\x00\x00\x02\x00", 6},          /* EOC inside a definite value */
		{"\x30\x80\x23\x80\x03\x01\x00\x00\x00\x00\x00", 11}, /* constructed BIT STRING */
		{"\x30\x80\x04\x80\x00\x00\x00\x00", 8},  /* indefinite primitive */
		{"\x30\x80\x24\x80\x02\x01\x01\x00\x00\x00\x00", 11}, /* not a segment */
		{"\x30\x80\x1f\x81\x01\x00\x00\x00", 8},  /* high tag number */
		{"\x30\x85\x00\x00\x00\x00\x01\x05", 8},  /* 5 length octets */
		{"\x30\x82\xff\xff\x05\x00", 6},          /* length beyond the input */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_unknown((const uint8_t *)bad[i].b, bad[i].n, ICPR_EFORMAT);
	/* Nesting beyond the converter's depth. */
	for (size_t i = 0; i < 50; i++) {
		deep[2 * i] = 0x30;
		deep[2 * i + 1] = 0x80;
		deep[100 + 2 * i] = 0;
		deep[100 + 2 * i + 1] = 0;
	}
	expect_unknown(deep, sizeof deep, ICPR_EFORMAT);
	x509_buf_free(&csr);
}

static void test_detect_garbage(void **state)
{
	struct x509_buf csr, pem, env, cert;
	uint8_t rnd[512], *big, *longer;
	char *two;
	char cmd[1024];

	(void)state;
	expect_unknown(NULL, 0, ICPR_EINVAL);
	expect_unknown((const uint8_t *)"x", 0, ICPR_EINVAL);
	expect_unknown((const uint8_t *)"\x30\x00", 2, ICPR_EFORMAT);
	expect_unknown((const uint8_t *)"\x30\x80\x00\x00", 4, ICPR_EFORMAT);
	expect_unknown((const uint8_t *)"hello world", 11, ICPR_EFORMAT);
	expect_unknown((const uint8_t *)"aGVsbG8gd29ybGQ=", 16, ICPR_EFORMAT); /* base64 text */
	expect_unknown((const uint8_t *)"MA==", 4, ICPR_EFORMAT);  /* base64 of 0x30 */
	expect_unknown((const uint8_t *)"====", 4, ICPR_EFORMAT);
	expect_unknown((const uint8_t *)"MAA", 3, ICPR_EFORMAT);   /* not whole quanta */
	expect_unknown((const uint8_t *)"MA=A", 4, ICPR_EFORMAT);  /* data after padding */
	expect_unknown((const uint8_t *)"\0\0\0", 3, ICPR_EFORMAT);
	for (size_t i = 0; i < sizeof rnd; i++)
		rnd[i] = (uint8_t)(i * 131 + 7);
	rnd[0] = 0x30;
	expect_unknown(rnd, sizeof rnd, ICPR_EFORMAT);
	big = calloc(1, ICPR_REQUEST_MAX + 1);
	big[0] = 0x30;
	expect_unknown(big, ICPR_REQUEST_MAX + 1, ICPR_ETOOLONG);
	free(big);

	openssl_csr(&csr);
	for (size_t n = 1; n < csr.len; n += 5) /* truncations */
		expect_unknown(csr.data, n, ICPR_EFORMAT);
	longer = malloc(csr.len + 1);
	memcpy(longer, csr.data, csr.len);
	longer[csr.len] = 0;
	expect_unknown(longer, csr.len + 1, ICPR_EFORMAT); /* a trailing byte */
	free(longer);
	/* PEM: a label we do not take, an unterminated block, two blocks. */
	assert_int_equal(x509_pem_encode("CERTIFICATE", csr.data, csr.len, &pem), 0);
	expect_unknown(pem.data, pem.len, ICPR_EFORMAT);
	x509_buf_free(&pem);
	assert_int_equal(x509_pem_encode("CERTIFICATE REQUEST", csr.data, csr.len, &pem), 0);
	expect_unknown(pem.data, pem.len - 20, ICPR_EFORMAT);
	two = malloc(2 * pem.len);
	memcpy(two, pem.data, pem.len);
	memcpy(two + pem.len, pem.data, pem.len);
	expect_unknown((uint8_t *)two, 2 * pem.len, ICPR_EFORMAT);
	free(two);
	x509_buf_free(&pem);
	/* A certificate is not a request; an envelopedData is not signedData. */
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -new -key '%s' -subj /CN=c -days 2 -outform DER -out '%s'",
		 oracle_path("reqkey.key"), oracle_path("c.der"));
	run_ok("cert", "%s", cmd);
	read_file("c.der", &cert);
	expect_unknown(cert.data, cert.len, ICPR_EFORMAT);
	snprintf(cmd, sizeof cmd,
		 "openssl x509 -inform DER -in '%s' -out '%s' && openssl cms -encrypt -binary "
		 "-in '%s' -recip '%s' -aes256 -outform DER -out '%s'",
		 oracle_path("c.der"), oracle_path("c.pem"), oracle_path("req.der"),
		 oracle_path("c.pem"), oracle_path("env.der"));
	run_ok("cms -encrypt", "%s", cmd);
	read_file("env.der", &env);
	expect_unknown(env.data, env.len, ICPR_EFORMAT);
	assert_int_equal(icpr_status_hresult(ICPR_EFORMAT), HR_CRYPT_E_INVALID_MSG_TYPE);
	x509_buf_free(&env);
	x509_buf_free(&cert);
	x509_buf_free(&csr);
}

/* ---- certs-only PKCS#7 ---- */

/* Root -> sub CA -> leaf, made by openssl; DER into certs[0..2] = leaf, sub, root. */
static void make_chain(struct x509_buf certs[3])
{
	struct x509_buf spki;
	char cmd[2048];
	static const char *const names[] = {"root", "sub", "leaf"};

	for (int i = 0; i < 3; i++) {
		assert_int_equal(oracle_genkey("p256", names[i], &spki), 0);
		x509_buf_free(&spki);
	}
	snprintf(cmd, sizeof cmd,
		 "(cd '%s' && openssl req -x509 -new -key root.key -subj '/CN=Test Root' -days 30 "
		 "-addext basicConstraints=critical,CA:TRUE -out root.pem && "
		 "echo basicConstraints=critical,CA:TRUE > ca.ext && "
		 "openssl req -new -key sub.key -subj '/CN=Test Sub CA' | openssl x509 -req "
		 "-CA root.pem -CAkey root.key -set_serial 2 -days 20 -extfile ca.ext "
		 "-out sub.pem && "
		 "openssl req -new -key leaf.key -subj '/CN=leaf.example.com' | openssl x509 -req "
		 "-CA sub.pem -CAkey sub.key -set_serial 3 -days 10 -out leaf.pem && "
		 "for c in root sub leaf; do "
		 "openssl x509 -in $c.pem -outform DER -out $c.der; done)",
		 oracle_dir());
	run_ok("chain", "%s", cmd);
	read_file("leaf.der", &certs[0]);
	read_file("sub.der", &certs[1]);
	read_file("root.der", &certs[2]);
}

static void make_crl(struct x509_buf *crl)
{
	char cmd[2048];

	snprintf(cmd, sizeof cmd,
		 "(cd '%s' && : > index.txt && echo 01 > crlnumber && printf '"
		 "[ca]\\ndefault_ca = d\\n[d]\\ndatabase = index.txt\\ncrlnumber = crlnumber\\n"
		 "default_md = sha256\\ndefault_crl_days = 7\\n' > ca.cnf && "
		 "openssl ca -config ca.cnf -gencrl -keyfile root.key -cert root.pem -out crl.pem "
		 "&& openssl crl -in crl.pem -outform DER -out crl.der)",
		 oracle_dir());
	run_ok("crl", "%s", cmd);
	read_file("crl.der", crl);
}

/* Offsets of the three subjects in openssl's listing, which must be in order. */
static void check_print_certs(const char *file, int want_crl)
{
	char *out = NULL;
	char *leaf, *sub, *root;

	if (oracle_run(&out, "openssl pkcs7 -inform DER -in '%s' -print_certs", file) != 0)
		fail_msg("openssl pkcs7: %s", out);
	leaf = strstr(out, "subject=CN = leaf.example.com");
	sub = strstr(out, "subject=CN = Test Sub CA");
	root = strstr(out, "subject=CN = Test Root");
	if (leaf == NULL || sub == NULL || root == NULL || !(leaf < sub && sub < root))
		fail_msg("openssl pkcs7 -print_certs:\n%s", out);
	if (want_crl != (strstr(out, "Certificate Revocation List") != NULL))
		fail_msg("CRL %s expected:\n%s", want_crl ? "" : "not", out);
	free(out);
	/* And the CMS view of it: a signedData with no signer. */
	if (oracle_run(&out, "openssl cms -cmsout -print -inform DER -in '%s'", file) != 0 ||
	    strstr(out, "contentType: pkcs7-signedData") == NULL ||
	    strstr(out, "signerInfos:\n      <EMPTY>") == NULL)
		fail_msg("openssl cms -cmsout -print:\n%s", out);
	free(out);
}

/* dwFlags' request type against the format parsed: any, the same, another
 * (KEYGEN never matches), an unknown type; CR_IN_ROBO refused; the other bits
 * (FULLRESPONSE, CRLS, the encoding byte) do not matter here. */
static void test_flags_check(void **state)
{
	char msg[160];

	(void)state;
	assert_int_equal(icpr_flags_check(0, ICPR_FMT_CMS, msg, sizeof msg), 0);
	assert_int_equal(icpr_flags_check(0xff | ICPR_CR_IN_FULLRESPONSE | ICPR_CR_IN_CRLS,
					  ICPR_FMT_PKCS10, msg, sizeof msg), 0);
	assert_int_equal(icpr_flags_check(ICPR_CR_IN_PKCS10, ICPR_FMT_PKCS10, msg, sizeof msg), 0);
	assert_int_equal(icpr_flags_check(ICPR_CR_IN_PKCS7, ICPR_FMT_CMS, msg, sizeof msg), 0);
	assert_int_equal(icpr_flags_check(ICPR_CR_IN_CMC, ICPR_FMT_CMC, msg, sizeof msg), 0);
	assert_int_equal(icpr_flags_check(ICPR_CR_IN_PKCS10, ICPR_FMT_CMS, msg, sizeof msg),
			 HR_CRYPT_E_INVALID_MSG_TYPE);
	assert_string_equal(msg, "dwFlags names a PKCS#10 request, and the request is not one");
	assert_int_equal(icpr_flags_check(ICPR_CR_IN_CMC, ICPR_FMT_CMS, msg, sizeof msg),
			 HR_CRYPT_E_INVALID_MSG_TYPE);
	assert_int_equal(icpr_flags_check(ICPR_CR_IN_KEYGEN, ICPR_FMT_PKCS10, msg, sizeof msg),
			 HR_CRYPT_E_INVALID_MSG_TYPE);
	assert_string_equal(msg, "dwFlags names a KEYGEN request, and the request is not one");
	assert_int_equal(icpr_flags_check(0x500, ICPR_FMT_PKCS10, msg, sizeof msg),
			 HR_CRYPT_E_INVALID_MSG_TYPE);
	assert_string_equal(msg, "dwFlags names an unknown request type 0x5");
	assert_int_equal(icpr_flags_check(ICPR_CR_IN_ROBO, ICPR_FMT_CMS, msg, sizeof msg),
			 HR_E_INVALIDARG);
}

/* The serial number of a status inspection (MS-WCCE 3.2.1.4.2.1.3) in
 * pctbAttribs: hex byte pairs, either case, blanks between pairs; anything else,
 * an odd count, nothing, more than 20 bytes, a cb that is not the string's:
 * refused. */
static void test_serial_from_blob(void **state)
{
	static const struct {
		const char *text;
		size_t len; /* 0: refused */
		uint8_t first, last;
	} cases[] = {
		{"61a0", 2, 0x61, 0xa0},
		{"61A0FF", 3, 0x61, 0xff},
		{"61 a0 ff", 3, 0x61, 0xff},
		{"00112233445566778899aabbccddeeff00112233", 20, 0x00, 0x33},
		{"00112233445566778899aabbccddeeff0011223344", 0, 0, 0},
		{"61a", 0, 0, 0},
		{"", 0, 0, 0},
		{" 61a0", 0, 0, 0},
		{"61  a0", 0, 0, 0},
		{"61a0 ", 0, 0, 0},
		{"6 1a0", 0, 0, 0},
		{"0x61", 0, 0, 0},
		{"CertificateTemplate:User", 0, 0, 0},
	};
	uint8_t blob[256], serial[ICPR_SERIAL_MAX];
	size_t cb, n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* with its NUL unit, as pctbAttribs carries it */
		assert_int_equal(icpr_utf8_to_utf16(cases[i].text, strlen(cases[i].text), blob,
						    sizeof(blob), &cb), ICPR_OK);
		if (cases[i].len == 0) {
			if (icpr_serial_from_blob(blob, cb, serial, &n) != ICPR_EINVAL)
				fail_msg("\"%s\" accepted", cases[i].text);
			continue;
		}
		assert_int_equal(icpr_serial_from_blob(blob, cb, serial, &n), ICPR_OK);
		assert_int_equal(n, cases[i].len);
		assert_int_equal(serial[0], cases[i].first);
		assert_int_equal(serial[n - 1], cases[i].last);
		/* the NUL not counted in cb, or one unit more: refused */
		assert_int_equal(icpr_serial_from_blob(blob, cb - 2, serial, &n), ICPR_EINVAL);
	}
	assert_int_equal(icpr_serial_from_blob(NULL, 4, serial, &n), ICPR_EINVAL);
}

static void test_pkcs7(void **state)
{
	struct x509_buf certs[3], crl, p7, bad[2];
	struct icpr_request r;
	asn1_node n;
	uint8_t *v;
	int vlen;

	(void)state;
	make_chain(certs);
	assert_int_equal(icpr_pkcs7_certs_only(certs, 3, NULL, 0, &p7), ICPR_OK);
	assert_true(der_tlv_ok(p7.data, p7.len));
	assert_int_equal(oracle_write(oracle_path("p7.der"), p7.data, p7.len), 0);
	check_print_certs(oracle_path("p7.der"), 0);
	/* Leaf first, in the bytes too. */
	uint8_t *l = memmem(p7.data, p7.len, certs[0].data, certs[0].len);
	uint8_t *s = memmem(p7.data, p7.len, certs[1].data, certs[1].len);
	uint8_t *rt = memmem(p7.data, p7.len, certs[2].data, certs[2].len);
	assert_true(l != NULL && s != NULL && rt != NULL && l < s && s < rt);
	/* Our own ASN.1 module reads it back: version 1, id-data, no signer. */
	if (asn1_decode("PKIX.SignedContentInfo", p7.data, p7.len, &n, err, sizeof err) != 0)
		fail_msg("decode: %s", err);
	assert_int_equal(asn1_read_alloc(n, "content.version", &v, &vlen), 0);
	assert_int_equal(vlen, 1);
	assert_int_equal(v[0], 1);
	free(v);
	assert_int_equal(asn1_read_alloc(n, "content.encapContentInfo.eContentType", &v, &vlen), 0);
	assert_string_equal((char *)v, "1.2.840.113549.1.7.1");
	free(v);
	assert_int_equal(asn1_read_alloc(n, "content.encapContentInfo.eContent", &v, &vlen), -1);
	assert_int_equal(asn1_read_alloc(n, "content.certificates.?3", &v, &vlen), 0);
	assert_int_equal((size_t)vlen, certs[2].len);
	free(v);
	assert_int_equal(asn1_read_alloc(n, "content.certificates.?4", &v, &vlen), -1);
	asn1_delete_structure(&n);
	/* Detection sees a CMS with id-data: what a confused client resubmitting it gets. */
	assert_int_equal(icpr_request_detect(p7.data, p7.len, &r), ICPR_OK);
	assert_int_equal(r.format, ICPR_FMT_CMS);
	icpr_request_free(&r);
	x509_buf_free(&p7);

	/* With a CRL (CR_IN_CRLS), and the leaf alone. */
	make_crl(&crl);
	assert_int_equal(icpr_pkcs7_certs_only(certs, 3, &crl, 1, &p7), ICPR_OK);
	assert_int_equal(oracle_write(oracle_path("p7crl.der"), p7.data, p7.len), 0);
	check_print_certs(oracle_path("p7crl.der"), 1);
	x509_buf_free(&p7);
	assert_int_equal(icpr_pkcs7_certs_only(certs, 1, NULL, 0, &p7), ICPR_OK);
	assert_int_equal(oracle_write(oracle_path("p7leaf.der"), p7.data, p7.len), 0);
	char *out = NULL;
	assert_int_equal(oracle_run(&out, "openssl pkcs7 -inform DER -in '%s' -print_certs",
				    oracle_path("p7leaf.der")), 0);
	assert_non_null(strstr(out, "leaf.example.com"));
	assert_null(strstr(out, "Test Root"));
	free(out);
	x509_buf_free(&p7);

	/* Refusals: nothing, too many, not one DER TLV, not a SEQUENCE. */
	assert_int_equal(icpr_pkcs7_certs_only(certs, 0, NULL, 0, &p7), ICPR_EINVAL);
	assert_null(p7.data);
	assert_int_equal(icpr_pkcs7_certs_only(NULL, 1, NULL, 0, &p7), ICPR_EINVAL);
	struct x509_buf many[17];
	for (int i = 0; i < 17; i++)
		many[i] = certs[0];
	assert_int_equal(icpr_pkcs7_certs_only(many, 16, NULL, 0, &p7), ICPR_OK);
	x509_buf_free(&p7);
	assert_int_equal(icpr_pkcs7_certs_only(many, 17, NULL, 0, &p7), ICPR_EINVAL);
	assert_int_equal(icpr_pkcs7_certs_only(certs, 1, NULL, 1, &p7), ICPR_EINVAL);
	bad[0] = certs[0];
	bad[1] = (struct x509_buf){certs[1].data, certs[1].len - 1};
	assert_int_equal(icpr_pkcs7_certs_only(bad, 2, NULL, 0, &p7), ICPR_EINVAL);
	bad[1] = (struct x509_buf){(uint8_t *)"\x04\x01\x00", 3};
	assert_int_equal(icpr_pkcs7_certs_only(bad, 2, NULL, 0, &p7), ICPR_EINVAL);
	bad[1] = (struct x509_buf){(uint8_t *)"\x30\x81\x01\x00", 4}; /* not minimal */
	assert_int_equal(icpr_pkcs7_certs_only(bad, 2, NULL, 0, &p7), ICPR_EINVAL);
	assert_null(p7.data);
	for (int i = 0; i < 3; i++)
		x509_buf_free(&certs[i]);
	x509_buf_free(&crl);
}

/* ---- dispositions ---- */

static void test_disposition(void **state)
{
	static const struct {
		uint32_t disp, hr;
		enum icpr_call call;
		uint32_t want;
		const char *msg;
	} t[] = {
		{DISP_ISSUED, 0, ICPR_CALL_SUBMIT, ICPR_DISP_ISSUED, "Issued"},
		{DISP_ISSUED, 0, ICPR_CALL_RETRIEVE, ICPR_DISP_ISSUED, "Issued"},
		{DISP_PENDING, 0, ICPR_CALL_SUBMIT, ICPR_DISP_UNDER_SUBMISSION,
		 "Taken Under Submission"},
		{DISP_PENDING, 0, ICPR_CALL_RETRIEVE, 5, "Taken Under Submission"},
		{DISP_REVOKED, 0, ICPR_CALL_RETRIEVE, ICPR_DISP_REVOKED, "Revoked"},
		{DISP_DENIED, HR_CERTSRV_E_ADMIN_DENIED_REQUEST, ICPR_CALL_RETRIEVE,
		 ICPR_DISP_DENIED, "Denied by Policy Module"},
		{DISP_DENIED, 0, ICPR_CALL_RETRIEVE, 2, "Denied by Policy Module"},
		/* A new request gets only 3, 5 or an HRESULT. */
		{DISP_DENIED, HR_CERTSRV_E_KEY_LENGTH, ICPR_CALL_SUBMIT,
		 HR_CERTSRV_E_KEY_LENGTH, "Denied by Policy Module"},
		{DISP_DENIED, 0, ICPR_CALL_SUBMIT, HR_CERTSRV_E_ADMIN_DENIED_REQUEST,
		 "Denied by Policy Module"},
		{DISP_FAILED, HR_NTE_BAD_SIGNATURE, ICPR_CALL_SUBMIT, HR_NTE_BAD_SIGNATURE,
		 "Error Parsing Request"},
		{DISP_FAILED, HR_CRYPT_E_INVALID_MSG_TYPE, ICPR_CALL_RETRIEVE,
		 HR_CRYPT_E_INVALID_MSG_TYPE, "Error Parsing Request"},
		{DISP_FAILED, 0x80090020u, ICPR_CALL_SUBMIT, 0x80090020u,
		 "Error Constructing or Publishing Certificate"},
		{DISP_FAILED, 0, ICPR_CALL_SUBMIT, HR_E_FAIL,
		 "Error Constructing or Publishing Certificate"},
		{0, 0, ICPR_CALL_SUBMIT, HR_E_UNEXPECTED, "Error"},
		{77, 0, ICPR_CALL_RETRIEVE, HR_E_UNEXPECTED, "Error"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint32_t got = icpr_disposition(t[i].disp, t[i].hr, t[i].call);
		if (got != t[i].want)
			fail_msg("row %zu: 0x%08x, want 0x%08x", i, got, t[i].want);
		assert_string_equal(icpr_disposition_message(t[i].disp, t[i].hr, NULL), t[i].msg);
		assert_string_equal(icpr_disposition_message(t[i].disp, t[i].hr, ""), t[i].msg);
	}
	assert_string_equal(icpr_disposition_message(DISP_DENIED, 0, "Denied by officer bob"),
			    "Denied by officer bob");
	assert_int_equal(icpr_status_hresult(ICPR_OK), HR_S_OK);
	assert_int_equal(icpr_status_hresult(ICPR_ENOMEM), HR_E_OUTOFMEMORY);
	assert_int_equal(icpr_status_hresult(42), HR_E_UNEXPECTED);
	/* The message as the wire carries it. */
	uint8_t w[64];
	size_t n;
	const char *m = icpr_disposition_message(DISP_PENDING, 0, NULL);
	assert_int_equal(icpr_utf8_to_utf16(m, strlen(m), w, sizeof w, &n), ICPR_OK);
	assert_int_equal(n, 2 * strlen(m) + 2);
}

static void test_cms_types_load(void **state)
{
	static const char *const types[] = {
		"PKIX.ContentInfo", "PKIX.SignedContentInfo", "PKIX.SignedData",
		"PKIX.EncapsulatedContentInfo", "PKIX.SignerInfo", "PKIX.SignerIdentifier",
		"PKIX.IssuerAndSerialNumber", "PKIX.CertificateSet", "PKIX.SignerInfos",
	};
	asn1_node n;

	(void)state;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		if (asn1_new(types[i], &n) != 0)
			fail_msg("cannot create %s", types[i]);
		asn1_delete_structure(&n);
	}
}

static int teardown(void **state)
{
	(void)state;
	oracle_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf16_valid),
		cmocka_unit_test(test_utf16_len),
		cmocka_unit_test(test_utf16_to_utf8),
		cmocka_unit_test(test_utf8_to_utf16),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_authority),
		cmocka_unit_test(test_attrs_blob),
		cmocka_unit_test(test_attrs_parse),
		cmocka_unit_test(test_attrs_limits),
		cmocka_unit_test(test_san),
		cmocka_unit_test(test_san_from_attrs),
		cmocka_unit_test(test_cms_types_load),
		cmocka_unit_test(test_detect_pkcs10),
		cmocka_unit_test(test_detect_windows_csr),
		cmocka_unit_test(test_detect_cms_cmc),
		cmocka_unit_test(test_detect_ber),
		cmocka_unit_test(test_detect_garbage),
		cmocka_unit_test(test_flags_check),
		cmocka_unit_test(test_serial_from_blob),
		cmocka_unit_test(test_pkcs7),
		cmocka_unit_test(test_disposition),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
