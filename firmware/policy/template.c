/* A template's text form: template_parse and template_format (template.h; the
 * format is documented in README.md).
 *
 * The lines are split here rather than by platform/conf.c's conf_load: that one
 * reads a file by path into fixed 1 KiB values and trims tabs and CRs; a template
 * arrives as bytes (from caadm, later over the console channel), its lists can be
 * longer, and every byte must be checked (UTF-8, control characters) with the
 * line it is on. Numbers, OIDs and UTF-8 use the project's one rule for each
 * (conf_parse_range, x509_oid_valid, utf8_next). */
#include "firmware/policy/template.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "firmware/x509/x509.h"
#include "platform/conf.h"
#include "platform/errbuf.h"
#include "platform/utf8.h"

#define KEY_MAX 32 /* longer keys are not ours: refused before they are printed */
#define MSG_MAX 256

_Static_assert(TEMPLATE_MAX_EKU == X509_MAX_EKU, "a template's EKUs must fit a certificate");

/* ---- values ---- */

static int parse_bool(const char *v, int *out, char *err, size_t errlen)
{
	if (strcmp(v, "yes") == 0)
		*out = 1;
	else if (strcmp(v, "no") == 0)
		*out = 0;
	else
		return err_set(err, errlen, "not yes or no");
	return 0;
}

static int parse_num(const char *v, unsigned min, unsigned max, unsigned *out, char *err,
		     size_t errlen)
{
	if (conf_parse_range(v, min, max, out) != 0)
		return err_set(err, errlen, "not a number from %u to %u", min, max);
	return 0;
}

/* A template name as AD CS spells a template's CN: ASCII letters, digits, '.',
 * '_' and '-' (no blank: a name is also a command-line word for caadm). */
static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TEMPLATE_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int parse_name(const char *v, char *out, char *err, size_t errlen)
{
	if (!name_ok(v))
		return err_set(err, errlen, "not a template name (1 to %d of A-Z a-z 0-9 . _ -)",
			       TEMPLATE_NAME_MAX);
	/* "." and ".." read as directories wherever a name becomes a path, a
	 * leading '-' as an option on caadm's command line, a leading '.' as a
	 * hidden file: none is a template's name. */
	if (v[0] == '.' || v[0] == '-')
		return err_set(err, errlen, "\"%s\" is not a template name: it may not start "
					    "with '.' or '-'",
			       v);
	strcpy(out, v);
	return 0;
}

static int parse_oid(const char *v, char *out, char *err, size_t errlen)
{
	if (strlen(v) > TEMPLATE_OID_MAX || !x509_oid_valid(v))
		return err_set(err, errlen, "\"%.*s\" is not a dotted OID", TEMPLATE_OID_MAX, v);
	strcpy(out, v);
	return 0;
}

/* An account (DOMAIN\name: one backslash, neither side empty) or a group (any
 * text): the line was checked for UTF-8 and control characters already. */
static int principal_ok(const char *s, int account)
{
	const char *bs = strchr(s, '\\');

	if (strlen(s) > TEMPLATE_PRINCIPAL_MAX)
		return 0;
	if (!account)
		return 1;
	return bs != NULL && bs != s && bs[1] != 0 && strchr(bs + 1, '\\') == NULL;
}

/* ---- lists: "a, b, c", items trimmed, none empty, none twice ---- */

static char *trim(char *s)
{
	char *end;

	while (*s == ' ')
		s++;
	end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		*--end = 0;
	return s;
}

/* The longest list a key may hold (every caller's max is at most this). */
#define LIST_MAX 32
_Static_assert(TEMPLATE_MAX_EKU <= LIST_MAX && TEMPLATE_MAX_ACCOUNTS <= LIST_MAX &&
		       TEMPLATE_MAX_GROUPS <= LIST_MAX && TEMPLATE_MAX_SUPERSEDED <= LIST_MAX,
	       "a list's entries must fit parse_list's table");

typedef int (*item_fn)(struct template *t, size_t i, const char *item, char *err,
		       size_t errlen);

/* Splits v (modified) on ',' and hands each item to fn with its index; at most
 * max (<= LIST_MAX) items; same(a, b) says when two items are one. */
static int parse_list(char *v, size_t max, struct template *t, item_fn fn,
		      int (*same)(const char *, const char *), char *err, size_t errlen)
{
	char *items[LIST_MAX];
	size_t n = 0;

	for (char *p = v;;) {
		char *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = 0;
		if (n == max)
			return err_set(err, errlen, "more than %zu entries", max);
		items[n] = trim(p);
		if (*items[n] == 0)
			return err_set(err, errlen, "entry %zu is empty", n + 1);
		for (size_t j = 0; j < n; j++)
			if (same(items[j], items[n]))
				return err_set(err, errlen, "\"%.*s\" listed twice",
					       TEMPLATE_PRINCIPAL_MAX, items[n]);
		if (fn(t, n, items[n], err, errlen) != 0)
			return -1;
		n++;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return (int)n;
}

static int same_exact(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* AD compares account, group and template names without regard to ASCII case. */
static int same_nocase(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* The KeyUsage bits by their RFC 5280 names, in bit order (format's order). */
static const struct {
	const char *name;
	unsigned bit;
} ku_names[] = {
	{ "digitalSignature", X509_KU_DIGITAL_SIGNATURE },
	{ "nonRepudiation", X509_KU_NON_REPUDIATION },
	{ "keyEncipherment", X509_KU_KEY_ENCIPHERMENT },
	{ "dataEncipherment", X509_KU_DATA_ENCIPHERMENT },
	{ "keyAgreement", X509_KU_KEY_AGREEMENT },
	{ "keyCertSign", X509_KU_KEY_CERT_SIGN },
	{ "cRLSign", X509_KU_CRL_SIGN },
};
#define N_KU (sizeof(ku_names) / sizeof(ku_names[0]))

/* Account attributes of a SAN from the account, and key algorithms, likewise. */
static const struct {
	const char *name;
	unsigned bit;
} san_names[] = {
	{ "upn", TEMPLATE_SAN_UPN },
	{ "email", TEMPLATE_SAN_EMAIL },
	{ "dns", TEMPLATE_SAN_DNS },
}, alg_names[] = {
	{ "rsa", TEMPLATE_KEY_RSA },
	{ "ec", TEMPLATE_KEY_EC },
};

static int item_eku(struct template *t, size_t i, const char *v, char *err, size_t errlen)
{
	return parse_oid(v, t->eku[i], err, errlen);
}

static int item_ku(struct template *t, size_t i, const char *v, char *err, size_t errlen)
{
	(void)i;
	for (size_t k = 0; k < N_KU; k++)
		if (strcmp(v, ku_names[k].name) == 0) {
			t->key_usage |= ku_names[k].bit;
			return 0;
		}
	return err_set(err, errlen,
		       "\"%.*s\" is not a key usage (digitalSignature, nonRepudiation, "
		       "keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, cRLSign)",
		       KEY_MAX, v);
}

static int item_alg(struct template *t, size_t i, const char *v, char *err, size_t errlen)
{
	(void)i;
	for (size_t k = 0; k < 2; k++)
		if (strcmp(v, alg_names[k].name) == 0) {
			t->key_algorithms |= alg_names[k].bit;
			return 0;
		}
	return err_set(err, errlen, "\"%.*s\" is not a key algorithm (rsa, ec)", KEY_MAX, v);
}

static int item_san(struct template *t, size_t i, const char *v, char *err, size_t errlen)
{
	(void)i;
	for (size_t k = 0; k < 3; k++)
		if (strcmp(v, san_names[k].name) == 0) {
			t->san_account |= san_names[k].bit;
			return 0;
		}
	return err_set(err, errlen,
		       "\"%.*s\" is not an account attribute (upn, email, dns; none and "
		       "request stand alone)",
		       KEY_MAX, v);
}

static int item_account(struct template *t, size_t i, const char *v, char *err,
			size_t errlen)
{
	if (!principal_ok(v, 1))
		return err_set(err, errlen, "\"%.*s\" is not DOMAIN\\name of at most %d bytes",
			       TEMPLATE_PRINCIPAL_MAX, v, TEMPLATE_PRINCIPAL_MAX);
	strcpy(t->accounts[i], v);
	return 0;
}

static int item_group(struct template *t, size_t i, const char *v, char *err, size_t errlen)
{
	if (!principal_ok(v, 0))
		return err_set(err, errlen, "a group name is longer than %d bytes",
			       TEMPLATE_PRINCIPAL_MAX);
	strcpy(t->groups[i], v);
	return 0;
}

static int item_superseded(struct template *t, size_t i, const char *v, char *err,
			   size_t errlen)
{
	return parse_name(v, t->superseded[i], err, errlen);
}

/* ---- one parser per key ---- */

#define FIELD(fn) static int fn(struct template *t, char *v, char *err, size_t errlen)

FIELD(f_name) { return parse_name(v, t->name, err, errlen); }
/* The display name is shown to people (certificate enrollment dialogs, caadm):
 * like a requested name (the custodian's guard), it may not hold a character
 * that reorders or hides the text around it. The line's bytes are well-formed
 * UTF-8 without control characters already (line_chars_ok). */
FIELD(f_display_name)
{
	size_t len = strlen(v), off = 0;

	if (len > TEMPLATE_DISPLAY_MAX)
		return err_set(err, errlen, "longer than %d bytes", TEMPLATE_DISPLAY_MAX);
	while (off < len) {
		uint32_t cp;
		size_t n = utf8_next((const uint8_t *)v + off, len - off, &cp);

		if (n == 0) /* not reached: the line was checked */
			return err_set(err, errlen, "malformed UTF-8");
		if (utf8_invisible(cp))
			return err_set(err, errlen,
				       "U+%04X at byte %zu is a bidirectional control or an "
				       "invisible character, refused in a name shown to people",
				       (unsigned)cp, off + 1);
		off += n;
	}
	strcpy(t->display_name, v);
	return 0;
}
FIELD(f_oid) { return parse_oid(v, t->oid, err, errlen); }
FIELD(f_major) { return parse_num(v, 0, TEMPLATE_VERSION_MAX, &t->major_version, err, errlen); }
FIELD(f_minor) { return parse_num(v, 0, TEMPLATE_VERSION_MAX, &t->minor_version, err, errlen); }
FIELD(f_validity) { return parse_num(v, 1, TEMPLATE_DAYS_MAX, &t->validity_days, err, errlen); }
FIELD(f_renewal) { return parse_num(v, 0, TEMPLATE_DAYS_MAX, &t->renewal_days, err, errlen); }
FIELD(f_eku)
{
	int n = parse_list(v, TEMPLATE_MAX_EKU, t, item_eku, same_exact, err, errlen);

	if (n < 0)
		return -1;
	t->n_eku = (size_t)n;
	return 0;
}
FIELD(f_key_usage)
{
	return parse_list(v, N_KU, t, item_ku, same_exact, err, errlen) < 0 ? -1 : 0;
}
FIELD(f_ca) { return parse_bool(v, &t->ca, err, errlen); }
FIELD(f_path_length)
{
	unsigned n;

	if (parse_num(v, 0, TEMPLATE_PATH_LENGTH_MAX, &n, err, errlen) != 0)
		return -1;
	t->path_length = (int)n;
	return 0;
}
FIELD(f_key_algorithms)
{
	return parse_list(v, 2, t, item_alg, same_exact, err, errlen) < 0 ? -1 : 0;
}
FIELD(f_rsa_min_bits)
{
	return parse_num(v, X509_RSA_MIN_BITS, X509_RSA_MAX_BITS, &t->rsa_min_bits, err, errlen);
}
FIELD(f_ec_min_bits)
{
	if (strcmp(v, "256") == 0)
		t->ec_min_bits = 256;
	else if (strcmp(v, "384") == 0)
		t->ec_min_bits = 384;
	else
		return err_set(err, errlen, "not 256 or 384 (P-256, P-384)");
	return 0;
}
FIELD(f_subject)
{
	if (strcmp(v, "account") == 0)
		t->subject = TEMPLATE_SUBJECT_ACCOUNT;
	else if (strcmp(v, "request") == 0)
		t->subject = TEMPLATE_SUBJECT_REQUEST;
	else
		return err_set(err, errlen, "not account or request");
	return 0;
}
FIELD(f_san)
{
	if (strcmp(v, "none") == 0) {
		t->san = TEMPLATE_SAN_NONE;
		return 0;
	}
	if (strcmp(v, "request") == 0) {
		t->san = TEMPLATE_SAN_REQUEST;
		return 0;
	}
	if (parse_list(v, 3, t, item_san, same_exact, err, errlen) < 0)
		return -1;
	t->san = TEMPLATE_SAN_ACCOUNT;
	return 0;
}
FIELD(f_allow_request_san) { return parse_bool(v, &t->allow_request_san, err, errlen); }
FIELD(f_pend_all) { return parse_bool(v, &t->pend_all, err, errlen); }
FIELD(f_agent_signatures)
{
	return parse_num(v, 0, TEMPLATE_AGENT_SIGNATURES_MAX, &t->agent_signatures, err, errlen);
}
FIELD(f_agent_policy) { return parse_oid(v, t->agent_policy, err, errlen); }
FIELD(f_renew) { return parse_bool(v, &t->renew_without_approval, err, errlen); }
FIELD(f_on_behalf) { return parse_bool(v, &t->on_behalf, err, errlen); }
FIELD(f_accounts)
{
	int n = parse_list(v, TEMPLATE_MAX_ACCOUNTS, t, item_account, same_nocase, err, errlen);

	if (n < 0)
		return -1;
	t->n_accounts = (size_t)n;
	return 0;
}
FIELD(f_groups)
{
	int n = parse_list(v, TEMPLATE_MAX_GROUPS, t, item_group, same_nocase, err, errlen);

	if (n < 0)
		return -1;
	t->n_groups = (size_t)n;
	return 0;
}
FIELD(f_superseded)
{
	int n = parse_list(v, TEMPLATE_MAX_SUPERSEDED, t, item_superseded, same_nocase, err,
			   errlen);

	if (n < 0)
		return -1;
	t->n_superseded = (size_t)n;
	return 0;
}

/* The keys, in the order format writes them. Optional keys are absent when their
 * field is empty or unset (format leaves them out; parse leaves the field so). */
static const struct key {
	const char *key;
	int required;
	int (*parse)(struct template *t, char *v, char *err, size_t errlen);
} keys[] = {
	{ "name", 1, f_name },
	{ "display_name", 1, f_display_name },
	{ "oid", 1, f_oid },
	{ "major_version", 1, f_major },
	{ "minor_version", 1, f_minor },
	{ "validity_days", 1, f_validity },
	{ "renewal_days", 1, f_renewal },
	{ "eku", 0, f_eku },
	{ "key_usage", 0, f_key_usage },
	{ "ca", 1, f_ca },
	{ "path_length", 0, f_path_length },
	{ "key_algorithms", 1, f_key_algorithms },
	{ "rsa_min_bits", 0, f_rsa_min_bits },
	{ "ec_min_bits", 0, f_ec_min_bits },
	{ "subject", 1, f_subject },
	{ "san", 1, f_san },
	{ "allow_request_san", 1, f_allow_request_san },
	{ "pend_all", 1, f_pend_all },
	{ "agent_signatures", 1, f_agent_signatures },
	{ "agent_policy", 0, f_agent_policy },
	{ "renew_without_approval", 1, f_renew },
	/* optional (absent: no), so the texts of templates journaled before it
	 * existed still parse, to the same template */
	{ "on_behalf", 0, f_on_behalf },
	{ "enroll_accounts", 0, f_accounts },
	{ "enroll_groups", 0, f_groups },
	{ "superseded", 0, f_superseded },
};
#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* ---- lines ---- */

/* The bytes of one line: UTF-8, no control character (C0 but for the newline
 * that ends it, DEL, C1). A tab or CR is refused too: the format has one blank,
 * the space, and one line ending. */
static int line_chars_ok(const char *s, size_t len, char *err, size_t errlen)
{
	size_t off = 0;

	while (off < len) {
		uint32_t cp;
		size_t n = utf8_next((const uint8_t *)s + off, len - off, &cp);

		if (n == 0)
			return err_set(err, errlen, "malformed UTF-8 at byte %zu", off + 1);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return err_set(err, errlen, "control character U+%04X at byte %zu",
				       (unsigned)cp, off + 1);
		off += n;
	}
	return 0;
}

static int key_ok(const char *k)
{
	size_t n = strlen(k);

	if (n == 0 || n > KEY_MAX)
		return 0;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return 0;
	return 1;
}

/* One line (NUL-terminated, checked characters): blank, a comment or a pair. */
static int parse_line(struct template *t, char *line, unsigned lineno, unsigned seen[],
		      char *err, size_t errlen)
{
	char msg[MSG_MAX];
	char *s = trim(line), *eq, *k, *v;
	size_t i;

	if (*s == 0 || *s == '#')
		return 0;
	eq = strchr(s, '=');
	if (eq == NULL)
		return err_set(err, errlen, "line %u: expected key = value", lineno);
	*eq = 0;
	k = trim(s);
	v = trim(eq + 1);
	if (!key_ok(k))
		return err_set(err, errlen,
			       "line %u: not a key (1 to %d of a-z 0-9 _ before the '=')", lineno,
			       KEY_MAX);
	for (i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].key, k) == 0)
			break;
	if (i == N_KEYS)
		return err_set(err, errlen, "line %u: unknown key \"%s\"", lineno, k);
	if (seen[i] != 0)
		return err_set(err, errlen, "line %u: key \"%s\" given twice (first on line %u)",
			       lineno, k, seen[i]);
	seen[i] = lineno;
	if (*v == 0)
		return err_set(err, errlen, "line %u: %s: empty value%s", lineno, k,
			       keys[i].required ? "" : " (leave the key out for none)");
	if (keys[i].parse(t, v, msg, sizeof(msg)) != 0)
		return err_set(err, errlen, "line %u: %s: %s", lineno, k, msg);
	return 0;
}

int template_parse(const char *text, size_t len, struct template *out, char *err,
		   size_t errlen)
{
	char line[TEMPLATE_LINE_MAX + 1];
	struct template t;
	unsigned seen[N_KEYS] = { 0 };
	unsigned lineno = 0;
	size_t off = 0;
	char msg[MSG_MAX];

	if (text == NULL && len != 0)
		return err_set(err, errlen, "no text");
	if (len > TEMPLATE_TEXT_MAX)
		return err_set(err, errlen, "longer than %d bytes", TEMPLATE_TEXT_MAX);
	memset(&t, 0, sizeof(t));
	t.path_length = -1;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = (nl != NULL ? (size_t)(nl - text) : len) - off;

		lineno++;
		if (n > TEMPLATE_LINE_MAX)
			return err_set(err, errlen, "line %u: longer than %d bytes", lineno,
				       TEMPLATE_LINE_MAX);
		if (line_chars_ok(text + off, n, msg, sizeof(msg)) != 0)
			return err_set(err, errlen, "line %u: %s", lineno, msg);
		memcpy(line, text + off, n);
		line[n] = 0;
		if (parse_line(&t, line, lineno, seen, err, errlen) != 0)
			return -1;
		off += n + (nl != NULL);
	}
	for (size_t i = 0; i < N_KEYS; i++)
		if (keys[i].required && seen[i] == 0)
			return err_set(err, errlen, "missing key \"%s\"", keys[i].key);
	*out = t;
	return 0;
}

/* ---- format ---- */

struct out {
	char *buf;
	size_t cap, len;
	int full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->full = 1;
	else
		o->len += (size_t)n;
}

/* "a, b, c" from the bits of mask, by the names' order. */
#define PUT_BITS(o, names, count, mask)                                               \
	do {                                                                            \
		const char *sep_ = "";                                                  \
		for (size_t k_ = 0; k_ < (count); k_++)                                 \
			if ((mask) & names[k_].bit) {                                   \
				put((o), "%s%s", sep_, names[k_].name);                 \
				sep_ = ", ";                                            \
			}                                                               \
	} while (0)

static void put_strings(struct out *o, const char *key, size_t n, size_t width,
			const char *first)
{
	if (n == 0)
		return;
	put(o, "%s = ", key);
	for (size_t i = 0; i < n; i++)
		put(o, "%s%.*s", i ? ", " : "", (int)width - 1, first + i * width);
	put(o, "\n");
}

static const char *yes(int b)
{
	return b ? "yes" : "no";
}

/* The text, unchecked: template_format parses it back before it returns it. */
static void write_all(const struct template *t, struct out *o)
{
	put(o, "name = %.*s\n", TEMPLATE_NAME_MAX, t->name);
	put(o, "display_name = %.*s\n", TEMPLATE_DISPLAY_MAX, t->display_name);
	put(o, "oid = %.*s\n", TEMPLATE_OID_MAX, t->oid);
	put(o, "major_version = %u\n", t->major_version);
	put(o, "minor_version = %u\n", t->minor_version);
	put(o, "validity_days = %u\n", t->validity_days);
	put(o, "renewal_days = %u\n", t->renewal_days);
	put_strings(o, "eku", t->n_eku, sizeof(t->eku[0]), t->eku[0]);
	if (t->key_usage != 0) {
		put(o, "key_usage = ");
		PUT_BITS(o, ku_names, N_KU, t->key_usage);
		put(o, "\n");
	}
	put(o, "ca = %s\n", yes(t->ca));
	if (t->path_length >= 0)
		put(o, "path_length = %d\n", t->path_length);
	put(o, "key_algorithms = ");
	PUT_BITS(o, alg_names, 2, t->key_algorithms);
	put(o, "\n");
	if (t->rsa_min_bits != 0)
		put(o, "rsa_min_bits = %u\n", t->rsa_min_bits);
	if (t->ec_min_bits != 0)
		put(o, "ec_min_bits = %u\n", t->ec_min_bits);
	put(o, "subject = %s\n", t->subject == TEMPLATE_SUBJECT_ACCOUNT ? "account" : "request");
	if (t->san == TEMPLATE_SAN_ACCOUNT) {
		put(o, "san = ");
		PUT_BITS(o, san_names, 3, t->san_account);
		put(o, "\n");
	} else {
		put(o, "san = %s\n", t->san == TEMPLATE_SAN_REQUEST ? "request" : "none");
	}
	put(o, "allow_request_san = %s\n", yes(t->allow_request_san));
	put(o, "pend_all = %s\n", yes(t->pend_all));
	put(o, "agent_signatures = %u\n", t->agent_signatures);
	if (t->agent_policy[0] != 0)
		put(o, "agent_policy = %.*s\n", TEMPLATE_OID_MAX, t->agent_policy);
	put(o, "renew_without_approval = %s\n", yes(t->renew_without_approval));
	if (t->on_behalf)
		put(o, "on_behalf = yes\n");
	put_strings(o, "enroll_accounts", t->n_accounts, sizeof(t->accounts[0]), t->accounts[0]);
	put_strings(o, "enroll_groups", t->n_groups, sizeof(t->groups[0]), t->groups[0]);
	put_strings(o, "superseded", t->n_superseded, sizeof(t->superseded[0]),
		    t->superseded[0]);
}

/* The counts, enums and bits within what the parser can produce: checked before
 * writing, so that a count never reads past its array. */
static int shape_ok(const struct template *t)
{
	return t->n_eku <= TEMPLATE_MAX_EKU && t->n_accounts <= TEMPLATE_MAX_ACCOUNTS &&
	       t->n_groups <= TEMPLATE_MAX_GROUPS && t->n_superseded <= TEMPLATE_MAX_SUPERSEDED &&
	       (t->subject == TEMPLATE_SUBJECT_ACCOUNT || t->subject == TEMPLATE_SUBJECT_REQUEST) &&
	       (t->san == TEMPLATE_SAN_ACCOUNT ? t->san_account != 0 &&
		(t->san_account & ~7u) == 0 : t->san_account == 0) &&
	       (t->san == TEMPLATE_SAN_NONE || t->san == TEMPLATE_SAN_ACCOUNT ||
		t->san == TEMPLATE_SAN_REQUEST) &&
	       t->key_algorithms != 0 && (t->key_algorithms & ~3u) == 0 &&
	       (t->key_usage & ~0x7fu) == 0 && (t->ca == 0 || t->ca == 1) &&
	       (t->allow_request_san == 0 || t->allow_request_san == 1) &&
	       (t->pend_all == 0 || t->pend_all == 1) &&
	       (t->renew_without_approval == 0 || t->renew_without_approval == 1) &&
	       (t->on_behalf == 0 || t->on_behalf == 1);
}

long template_format(const struct template *t, char *buf, size_t cap, char *err,
		     size_t errlen)
{
	struct template back;
	struct out o = { buf, cap, 0, 0 };
	char msg[MSG_MAX];

	if (buf == NULL || cap == 0)
		return err_set(err, errlen, "no buffer");
	buf[0] = 0;
	if (!shape_ok(t))
		return err_set(err, errlen, "template cannot be written: a count, choice or "
					    "flag is out of range");
	write_all(t, &o);
	if (o.full) {
		buf[0] = 0;
		return err_set(err, errlen, "template cannot be written: more than %zu bytes",
			       cap - 1);
	}
	/* What is written must read back as t: a string the parser would refuse (a
	 * control character, a bad OID or name, a ',' in a list entry) or a value out
	 * of its range shows here, and nothing is returned. */
	if (template_parse(buf, o.len, &back, msg, sizeof(msg)) != 0)
		goto refuse;
	if (!template_equal(&back, t)) {
		snprintf(msg, sizeof(msg), "it would not read back as it is (a blank at either "
					   "end of a string, a ',' in a list entry, a string "
					   "without its end)");
		goto refuse;
	}
	return (long)o.len;
refuse:
	buf[0] = 0;
	return err_set(err, errlen, "template cannot be written: %s", msg);
}

static int strings_equal(const char *a, const char *b, size_t width, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(a + i * width, b + i * width, width) != 0)
			return 0;
	return 1;
}

int template_equal(const struct template *a, const struct template *b)
{
	return strncmp(a->name, b->name, sizeof(a->name)) == 0 &&
	       strncmp(a->display_name, b->display_name, sizeof(a->display_name)) == 0 &&
	       strncmp(a->oid, b->oid, sizeof(a->oid)) == 0 &&
	       a->major_version == b->major_version && a->minor_version == b->minor_version &&
	       a->validity_days == b->validity_days && a->renewal_days == b->renewal_days &&
	       a->n_eku == b->n_eku && a->n_eku <= TEMPLATE_MAX_EKU &&
	       strings_equal(a->eku[0], b->eku[0], sizeof(a->eku[0]), a->n_eku) &&
	       a->key_usage == b->key_usage && a->ca == b->ca && a->path_length == b->path_length &&
	       a->key_algorithms == b->key_algorithms && a->rsa_min_bits == b->rsa_min_bits &&
	       a->ec_min_bits == b->ec_min_bits && a->subject == b->subject && a->san == b->san &&
	       a->san_account == b->san_account && a->allow_request_san == b->allow_request_san &&
	       a->pend_all == b->pend_all && a->agent_signatures == b->agent_signatures &&
	       strncmp(a->agent_policy, b->agent_policy, sizeof(a->agent_policy)) == 0 &&
	       a->renew_without_approval == b->renew_without_approval &&
	       a->on_behalf == b->on_behalf &&
	       a->n_accounts == b->n_accounts && a->n_accounts <= TEMPLATE_MAX_ACCOUNTS &&
	       strings_equal(a->accounts[0], b->accounts[0], sizeof(a->accounts[0]),
			     a->n_accounts) &&
	       a->n_groups == b->n_groups && a->n_groups <= TEMPLATE_MAX_GROUPS &&
	       strings_equal(a->groups[0], b->groups[0], sizeof(a->groups[0]), a->n_groups) &&
	       a->n_superseded == b->n_superseded && a->n_superseded <= TEMPLATE_MAX_SUPERSEDED &&
	       strings_equal(a->superseded[0], b->superseded[0], sizeof(a->superseded[0]),
			     a->n_superseded);
}
