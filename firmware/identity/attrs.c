/* Account attributes: the value rules, the file's parser and writer (attrs.h).
 * Written by hand: the grammar is a few character classes and one line form,
 * for which no library fits better than these loops, and one parser is shared
 * by caadm and ca-auth. */
#include "firmware/identity/attrs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/atomicfile.h"
#include "platform/utf8.h"

#define HEADER                                                                          \
	"# Account attributes (caadm account add|set): what Active Directory would\n"   \
	"# supply. Read by ca-auth at each logon. One account a line:\n"              \
	"# DOMAIN\\user<TAB>key=value..., keys upn, email, dns, sid, group\n"          \
	"# (firmware/identity/attrs.h). Written by caadm only.\n"

static const char *const names[ID_ATTR_COUNT] = {"upn", "email", "dns", "sid", "group"};

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen,
							 const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *id_attr_name(enum id_attr a)
{
	return (unsigned)a < ID_ATTR_COUNT ? names[a] : "?";
}

int id_attr_from_name(const char *name)
{
	for (int i = 0; i < ID_ATTR_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* ---- the value rules ---- */

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 5322's atext. */
static int is_atext(int c)
{
	return is_alnum(c) || (c != 0 && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

/* A dot-atom of n bytes: atext runs joined by single dots. */
static int dot_atom_ok(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !is_atext((unsigned char)s[i]))
			return 0;
	return 1;
}

/* LDH labels joined by dots: *labels set to how many. */
static int ldh_ok(const char *s, size_t n, int *labels)
{
	size_t start = 0;

	*labels = 0;
	if (n == 0)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
				return 0;
			continue;
		}
		/* a label ends at i */
		if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-')
			return 0;
		(*labels)++;
		start = i + 1;
	}
	return 1;
}

/* local@domain; local at most local_max bytes, the domain at least min_labels. */
static int addr_ok(const char *v, size_t local_max, int min_labels, const char *what, char *err,
		   size_t errlen)
{
	const char *at = strchr(v, '@');
	int labels;

	if (at == NULL || strchr(at + 1, '@') != NULL)
		return fail(err, errlen, "%s must be local@domain with a single '@'", what);
	if ((size_t)(at - v) > local_max || !dot_atom_ok(v, (size_t)(at - v)))
		return fail(err, errlen, "%s: the part before '@' must be 1..%zu of letters, digits, "
			    "dots (not first, last or doubled) and !#$%%&'*+/=?^_`{|}~-", what,
			    local_max);
	if (!ldh_ok(at + 1, strlen(at + 1), &labels) || labels < min_labels)
		return fail(err, errlen, "%s: the domain must be %sDNS labels of letters, digits "
			    "and '-' (1..63 each, no '-' first or last)", what,
			    min_labels > 1 ? "at least two " : "");
	return 0;
}

/* A decimal number without leading zeros, below limit; *end after it. */
static int decimal_ok(const char *s, uint64_t limit, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (p - s >= 15) /* 2^48 has 15 digits: more cannot be below it */
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*end = p;
	return v < limit;
}

static int sid_ok(const char *v, char *err, size_t errlen)
{
	const char *p;
	int subs = 0;

	if (strncmp(v, "S-1-", 4) != 0 || !decimal_ok(v + 4, 1ull << 48, &p))
		return fail(err, errlen, "a SID is S-1-<authority below 2^48>-<sub-authority>..., "
			    "in decimal without leading zeros");
	while (*p == '-') {
		if (++subs > 15 || !decimal_ok(p + 1, 1ull << 32, &p))
			return fail(err, errlen, "a SID has 1..15 sub-authorities, each below 2^32, "
				    "in decimal without leading zeros");
	}
	if (*p != 0 || subs == 0)
		return fail(err, errlen, "a SID is S-1-<authority>-<1..15 sub-authorities> in "
			    "decimal");
	return 0;
}

static int group_ok(const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v), k;
	uint32_t cp;

	if (n == 0 || n > IDENTITY_GROUP_MAX)
		return fail(err, errlen, "a group name is 1..%d bytes", IDENTITY_GROUP_MAX);
	if (v[0] == ' ' || v[n - 1] == ' ')
		return fail(err, errlen, "a group name has no space first or last");
	for (size_t i = 0; i < n; i += k) {
		if ((k = utf8_next((const uint8_t *)v + i, n - i, &cp)) == 0)
			return fail(err, errlen, "a group name must be UTF-8");
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return fail(err, errlen, "a group name holds no control character");
	}
	return 0;
}

int id_attr_check(enum id_attr a, const char *v, char *err, size_t errlen)
{
	size_t n = strlen(v);
	int labels;

	switch (a) {
	case ID_ATTR_UPN:
		if (n > IDENTITY_ATTR_MAX)
			return fail(err, errlen, "a UPN is at most %d bytes", IDENTITY_ATTR_MAX);
		return addr_ok(v, IDENTITY_ATTR_MAX, 1, "a UPN", err, errlen);
	case ID_ATTR_EMAIL:
		if (n > IDENTITY_EMAIL_MAX)
			return fail(err, errlen, "an e-mail address is at most %d bytes",
				    IDENTITY_EMAIL_MAX);
		return addr_ok(v, 64, 2, "an e-mail address", err, errlen);
	case ID_ATTR_DNS:
		if (n > IDENTITY_DNS_MAX || !ldh_ok(v, n, &labels))
			return fail(err, errlen, "a DNS name is 1..%d bytes of labels of letters, "
				    "digits and '-' (1..63 each, no '-' first or last) joined by "
				    "'.', no trailing dot", IDENTITY_DNS_MAX);
		return 0;
	case ID_ATTR_SID:
		if (n > IDENTITY_SID_MAX)
			return fail(err, errlen, "a SID is at most %d characters", IDENTITY_SID_MAX);
		return sid_ok(v, err, errlen);
	case ID_ATTR_GROUP:
		return group_ok(v, err, errlen);
	default:
		return fail(err, errlen, "no such attribute");
	}
}

int id_attrs_add_group(struct id_attrs *a, const char *g, char *err, size_t errlen)
{
	if (id_attr_check(ID_ATTR_GROUP, g, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < a->n_groups; i++)
		if (strcasecmp(a->groups[i], g) == 0)
			return fail(err, errlen, "group '%s' given twice (case is ignored)", g);
	if (a->n_groups >= IDENTITY_MAX_GROUPS)
		return fail(err, errlen, "at most %d groups", IDENTITY_MAX_GROUPS);
	snprintf(a->groups[a->n_groups++], sizeof(a->groups[0]), "%s", g);
	return 0;
}

/* The value of a single-valued attribute in a. */
static const char *field(const struct id_attrs *a, enum id_attr k)
{
	return k == ID_ATTR_UPN     ? a->upn
	       : k == ID_ATTR_EMAIL ? a->email
	       : k == ID_ATTR_DNS   ? a->dns
				    : a->sid;
}

int id_attrs_check(const struct id_attrs *a, char *err, size_t errlen)
{
	char why[200];

	for (int k = ID_ATTR_UPN; k < ID_ATTR_GROUP; k++) {
		const char *v = field(a, (enum id_attr)k);
		size_t cap = k == ID_ATTR_SID ? sizeof(a->sid) : sizeof(a->upn);

		if (memchr(v, 0, cap) == NULL)
			return fail(err, errlen, "%s: not terminated", names[k]);
		if (v[0] != 0 && id_attr_check((enum id_attr)k, v, why, sizeof(why)) != 0)
			return fail(err, errlen, "%s: %s", names[k], why);
	}
	if (a->n_groups > IDENTITY_MAX_GROUPS)
		return fail(err, errlen, "at most %d groups", IDENTITY_MAX_GROUPS);
	/* Each group against those before it, in place: a copy to add them to
	 * would be another struct id_attrs (~33 KiB at 256 groups) on the stack. */
	for (size_t i = 0; i < a->n_groups; i++) {
		if (memchr(a->groups[i], 0, sizeof(a->groups[i])) == NULL)
			return fail(err, errlen, "group: not terminated");
		if (id_attr_check(ID_ATTR_GROUP, a->groups[i], why, sizeof(why)) != 0)
			return fail(err, errlen, "group: %s", why);
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(a->groups[j], a->groups[i]) == 0)
				return fail(err, errlen, "group: group '%s' given twice (case is "
					    "ignored)", a->groups[i]);
	}
	return 0;
}

int id_attrs_empty(const struct id_attrs *a)
{
	return a->upn[0] == 0 && a->email[0] == 0 && a->dns[0] == 0 && a->sid[0] == 0 &&
	       a->n_groups == 0;
}

static int name_part_ok(const char *s, size_t n)
{
	if (n == 0 || n > IDENTITY_PART_MAX || s[0] == '#' || s[0] == ' ' || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == ':' || c == '\\' || c == '/' || c == '@')
			return 0;
	}
	return 1;
}

int id_account_name_ok(const char *name)
{
	const char *bs = strchr(name, '\\');

	return bs != NULL && name_part_ok(name, (size_t)(bs - name)) &&
	       name_part_ok(bs + 1, strlen(bs + 1));
}

/* ---- the file ---- */

void id_attrs_file_free(struct id_attrs_file *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->e[i].line);
	free(f->e);
	memset(f, 0, sizeof(*f));
}

struct id_attrs_entry *id_attrs_find(const struct id_attrs_file *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcasecmp(f->e[i].name, name) == 0)
			return &f->e[i];
	return NULL;
}

const char *id_attrs_entry_fields(const struct id_attrs_entry *e)
{
	return e->line + strlen(e->name);
}

/* Room for one more entry. */
static int grow(struct id_attrs_file *f, char *err, size_t errlen)
{
	struct id_attrs_entry *e;
	size_t cap;

	if (f->n < f->cap)
		return 0;
	if (f->n >= IDENTITY_ATTRS_MAX_ACCOUNTS)
		return fail(err, errlen, "more than %d accounts with attributes",
			    IDENTITY_ATTRS_MAX_ACCOUNTS);
	cap = f->cap == 0 ? 16 : f->cap * 2;
	if (cap > IDENTITY_ATTRS_MAX_ACCOUNTS)
		cap = IDENTITY_ATTRS_MAX_ACCOUNTS;
	if ((e = realloc(f->e, cap * sizeof(*e))) == NULL)
		return fail(err, errlen, "out of memory");
	f->e = e;
	f->cap = cap;
	return 0;
}

/* Appends s (n bytes) at buf + *at, or only counts it when buf is NULL. */
static void emit(char *buf, size_t *at, const char *s, size_t n)
{
	if (buf != NULL)
		memcpy(buf + *at, s, n);
	*at += n;
}

/* The account's canonical line (name, then "\tkey=value" for each attribute
 * in the file's order, no LF) written into buf, or only measured when buf is
 * NULL: one walk for both, so the size allocated is the size written. */
static size_t line_emit(char *buf, const char *name, const struct id_attrs *a)
{
	size_t n = 0;

	emit(buf, &n, name, strlen(name));
	for (int k = ID_ATTR_UPN; k <= ID_ATTR_GROUP; k++) {
		size_t count = k == ID_ATTR_GROUP ? a->n_groups : field(a, (enum id_attr)k)[0] != 0;

		for (size_t i = 0; i < count; i++) {
			const char *v = k == ID_ATTR_GROUP ? a->groups[i] : field(a, (enum id_attr)k);

			emit(buf, &n, "\t", 1);
			emit(buf, &n, names[k], strlen(names[k]));
			emit(buf, &n, "=", 1);
			emit(buf, &n, v, strlen(v));
		}
	}
	return n;
}

/* e's name and line made from name and a (checked by the caller). */
static int entry_make(struct id_attrs_entry *e, const char *name, const struct id_attrs *a,
		      char *err, size_t errlen)
{
	size_t n = line_emit(NULL, name, a);
	char *line = malloc(n + 1);

	if (line == NULL)
		return fail(err, errlen, "out of memory");
	line_emit(line, name, a);
	line[n] = 0;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->line = line;
	e->len = n;
	return 0;
}

/* Removes f's entry e (its line freed), the others kept in order. */
static void entry_remove(struct id_attrs_file *f, struct id_attrs_entry *e)
{
	size_t at = (size_t)(e - f->e);

	free(e->line);
	memmove(e, e + 1, (f->n - at - 1) * sizeof(*e));
	f->n--;
}

/* What the parser would refuse in name and a, refused before it is stored:
 * the file caadm writes must be one both readers accept. */
static int put_check(const char *name, const struct id_attrs *a, char *err, size_t errlen)
{
	char why[256];

	if (!id_account_name_ok(name))
		return fail(err, errlen, "%s: not an account name", name);
	if (id_attrs_check(a, why, sizeof(why)) != 0)
		return fail(err, errlen, "%s: %s", name, why);
	return 0;
}

int id_attrs_put(struct id_attrs_file *f, const char *name, const struct id_attrs *a,
		 char *err, size_t errlen)
{
	struct id_attrs_entry *e = id_attrs_find(f, name), made;

	if (id_attrs_empty(a)) {
		if (e != NULL)
			entry_remove(f, e);
		return 0;
	}
	if (put_check(name, a, err, errlen) != 0 || (e == NULL && grow(f, err, errlen) != 0) ||
	    entry_make(&made, name, a, err, errlen) != 0)
		return -1;
	if (e == NULL)
		e = &f->e[f->n++];
	else
		free(e->line);
	/* The name as given (an entry of another case is renamed). */
	*e = made;
	return 0;
}

/* One key=value field (NUL-terminated, cut at its TAB) into a; *next_key is the
 * lowest key still allowed (the canonical order). */
static int parse_field(char *fld, struct id_attrs *a, int *next_key, char *err, size_t errlen)
{
	char *eq = strchr(fld, '='), why[200];
	int k;

	if (eq == NULL)
		return fail(err, errlen, "a field is not key=value");
	*eq = 0;
	if ((k = id_attr_from_name(fld)) < 0)
		return fail(err, errlen, "unknown key '%.32s'", fld);
	if (k < *next_key)
		return fail(err, errlen, "key '%s' repeated or out of order (upn, email, dns, "
			    "sid, then groups)", fld);
	if (k == ID_ATTR_GROUP) {
		if (id_attrs_add_group(a, eq + 1, why, sizeof(why)) != 0)
			return fail(err, errlen, "%s", why);
		*next_key = ID_ATTR_GROUP;
		return 0;
	}
	if (id_attr_check((enum id_attr)k, eq + 1, why, sizeof(why)) != 0)
		return fail(err, errlen, "%s: %s", fld, why);
	snprintf((char *)field(a, (enum id_attr)k),
		 k == ID_ATTR_SID ? sizeof(a->sid) : sizeof(a->upn), "%s", eq + 1);
	*next_key = k + 1;
	return 0;
}

/* A parsed line: the parser's scratch (on the heap: ~34 KiB at
 * IDENTITY_MAX_GROUPS groups). */
struct account {
	char name[IDENTITY_NAME_MAX + 1];
	struct id_attrs a;
};

/* What a parse does with each account line once read: 0, or -1 with err (an
 * account named twice, too many, out of memory). */
typedef int (*take_fn)(void *ctx, const struct account *ac, char *err, size_t errlen);

/* a's groups past its count zeroed: the scratch is cleared only up to its
 * groups for each line (parse_account), so what leaves it is cleared here. */
static void clear_unused_groups(struct id_attrs *a)
{
	memset(a->groups[a->n_groups], 0,
	       (IDENTITY_MAX_GROUPS - a->n_groups) * sizeof(a->groups[0]));
}

/* One account line (NUL-terminated, without its LF; cut in place) read into
 * ac. Only the fields before the groups are cleared (n_groups among them):
 * clearing all 256 groups for every line would write ~34 KiB a line, 340 MB
 * for a file of 10000 accounts at each logon. */
static int parse_account(char *line, struct account *ac, char *err, size_t errlen)
{
	char *tab = strchr(line, '\t'), *fld;
	int next_key = ID_ATTR_UPN;

	if (tab == NULL)
		return fail(err, errlen, "no attribute after the account name");
	*tab = 0;
	if (!id_account_name_ok(line))
		return fail(err, errlen, "not an account name (DOMAIN\\user)");
	memset(ac, 0, offsetof(struct account, a.groups));
	snprintf(ac->name, sizeof(ac->name), "%s", line);
	for (fld = tab + 1; fld != NULL;) {
		char *t = strchr(fld, '\t');

		if (t != NULL)
			*t++ = 0;
		if (parse_field(fld, &ac->a, &next_key, err, errlen) != 0)
			return -1;
		fld = t;
	}
	return 0;
}

/* Room in f for the account name read from a line: both readers refuse a
 * second line for an account (ASCII case ignored) and more than
 * IDENTITY_ATTRS_MAX_ACCOUNTS accounts, with these words. 0, or -1 with err. */
static int name_fits(struct id_attrs_file *f, const char *name, char *err, size_t errlen)
{
	if (id_attrs_find(f, name) != NULL)
		return fail(err, errlen, "account '%s' has a second line", name);
	return grow(f, err, errlen);
}

/* id_attrs_parse's take: the account appended to the file as its canonical
 * line, made again from what was parsed rather than copied from the text, so
 * that what caadm writes is always the writer's form. */
static int take_append(void *ctx, const struct account *ac, char *err, size_t errlen)
{
	struct id_attrs_file *f = ctx;

	if (name_fits(f, ac->name, err, errlen) != 0 ||
	    entry_make(&f->e[f->n], ac->name, &ac->a, err, errlen) != 0)
		return -1;
	f->n++;
	return 0;
}

/* Every line of data (len bytes, the whole file) by the file's rules, each
 * account given to take. One account of scratch. 0, or -1 with err naming
 * the line. */
static int parse_each(const char *data, size_t len, take_fn take, void *ctx, char *err,
		      size_t errlen)
{
	char *copy, *line, why[256];
	size_t lineno = 0, off = 0;
	struct account *ac;
	int rc = 0;

	if (len > IDENTITY_ATTRS_FILE_MAX)
		return fail(err, errlen, "larger than %u bytes", IDENTITY_ATTRS_FILE_MAX);
	if (len > 0 && data[len - 1] != '\n')
		return fail(err, errlen, "the last line has no newline (cut short?)");
	if (memchr(data, 0, len) != NULL || memchr(data, '\r', len) != NULL)
		return fail(err, errlen, "holds a NUL or a carriage return");
	if ((copy = malloc(len + 1)) == NULL)
		return fail(err, errlen, "out of memory");
	if ((ac = calloc(1, sizeof(*ac))) == NULL) {
		free(copy);
		return fail(err, errlen, "out of memory");
	}
	memcpy(copy, data, len);
	copy[len] = 0;
	while (rc == 0 && off < len) {
		char *nl = strchr(copy + off, '\n');

		line = copy + off;
		*nl = 0;
		off = (size_t)(nl - copy) + 1;
		lineno++;
		if (line[0] == '#' || line[0] == 0)
			continue;
		if (parse_account(line, ac, why, sizeof(why)) != 0 ||
		    take(ctx, ac, why, sizeof(why)) != 0)
			rc = fail(err, errlen, "line %zu: %s", lineno, why);
	}
	explicit_bzero(ac, sizeof(*ac));
	free(ac);
	explicit_bzero(copy, len + 1);
	free(copy);
	return rc;
}

int id_attrs_parse(const char *data, size_t len, struct id_attrs_file *f, char *err,
		   size_t errlen)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = parse_each(data, len, take_append, f, err, errlen);
	if (rc != 0)
		id_attrs_file_free(f);
	return rc;
}

/* id_attrs_get on the heap: one account of scratch and a copy of e's line to
 * cut in place, whatever the caller's stack. */
int id_attrs_get(const struct id_attrs_entry *e, struct id_attrs *a, char *err, size_t errlen)
{
	struct account *ac = calloc(1, sizeof(*ac));
	char *copy = malloc(e->len + 1), why[256];
	int rc = 0;

	memset(a, 0, sizeof(*a));
	if (ac == NULL || copy == NULL) {
		rc = fail(err, errlen, "out of memory");
	} else {
		memcpy(copy, e->line, e->len + 1);
		if (parse_account(copy, ac, why, sizeof(why)) != 0)
			rc = fail(err, errlen, "%s: %s", e->name, why);
		else
			*a = ac->a;
	}
	free(copy);
	free(ac);
	return rc;
}

int id_attrs_format(const struct id_attrs_file *f, char **out, size_t *len, char *err,
		    size_t errlen)
{
	size_t cap = sizeof(HEADER) - 1, n = 0;
	char *buf;

	for (size_t i = 0; i < f->n; i++)
		cap += f->e[i].len + 1;
	/* A file both readers would refuse (id_attrs_load, and ca-auth at every
	 * logon) is never written: the change that would make it is refused. */
	if (cap > IDENTITY_ATTRS_FILE_MAX)
		return fail(err, errlen, "the file would be %zu bytes, more than the %u it may hold",
			    cap, IDENTITY_ATTRS_FILE_MAX);
	if ((buf = malloc(cap + 1)) == NULL)
		return fail(err, errlen, "out of memory");
	emit(buf, &n, HEADER, sizeof(HEADER) - 1);
	for (size_t i = 0; i < f->n; i++) {
		emit(buf, &n, f->e[i].line, f->e[i].len);
		emit(buf, &n, "\n", 1);
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

/* The file's bytes (a missing one: none, *data NULL); the checks of
 * id_attrs_load. O_NOFOLLOW: a link in its place is refused, never followed. */
static int read_file(const char *path, int check_owner, char **data, size_t *len, char *err,
		     size_t errlen)
{
	struct stat st;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	*data = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? 0
				       : fail(err, errlen, "%s: cannot be read: %s", path,
					      strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 ||
	    (check_owner && st.st_uid != geteuid())) {
		close(fd);
		return fail(err, errlen, "%s must be a regular file%s with mode 0600", path,
			    check_owner ? " of this process's user" : "");
	}
	if ((size_t)st.st_size > IDENTITY_ATTRS_FILE_MAX) {
		close(fd);
		return fail(err, errlen, "%s: larger than %u bytes", path, IDENTITY_ATTRS_FILE_MAX);
	}
	if (fd_read_up_to(fd, (size_t)st.st_size, (unsigned char **)data, &n) != 0) {
		close(fd);
		return fail(err, errlen, "out of memory");
	}
	close(fd);
	if (n != (size_t)st.st_size) {
		free(*data);
		*data = NULL;
		return fail(err, errlen, "%s: cannot be read whole", path);
	}
	*len = n;
	return 0;
}

int id_attrs_load(const char *path, int check_owner, struct id_attrs_file *f, char *err,
		  size_t errlen)
{
	char *data, why[300];
	size_t len;
	int rc;

	memset(f, 0, sizeof(*f));
	if (read_file(path, check_owner, &data, &len, err, errlen) != 0)
		return -1;
	if (data == NULL)
		return 0;
	rc = id_attrs_parse(data, len, f, why, sizeof(why));
	free(data);
	return rc != 0 ? fail(err, errlen, "%s: %s", path, why) : 0;
}

/* id_attrs_lookup's take: every account's name (the refusals of
 * id_attrs_parse, by name_fits), the attributes of the one wanted only. The
 * names are entries without a line. */
struct lookup {
	const char *want;
	struct id_attrs *a;
	struct id_attrs_file names;
};

static int take_lookup(void *ctx, const struct account *ac, char *err, size_t errlen)
{
	struct lookup *l = ctx;
	struct id_attrs_entry *e;

	if (name_fits(&l->names, ac->name, err, errlen) != 0)
		return -1;
	e = &l->names.e[l->names.n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, ac->name, sizeof(e->name));
	if (strcasecmp(ac->name, l->want) == 0) {
		*l->a = ac->a;
		clear_unused_groups(l->a);
	}
	return 0;
}

/* The file is checked whole, as id_attrs_load does, but only the names are
 * kept (entries without their line, ~270 bytes each): ca-auth reads it at
 * each logon and wants one account's attributes, not the others' lines. */
int id_attrs_lookup_data(const char *data, size_t len, const char *name, struct id_attrs *a,
			 char *err, size_t errlen)
{
	struct lookup l = {.want = name, .a = a};
	int rc;

	memset(a, 0, sizeof(*a));
	rc = parse_each(data, len, take_lookup, &l, err, errlen);
	id_attrs_file_free(&l.names);
	if (rc != 0)
		memset(a, 0, sizeof(*a));
	return rc;
}

int id_attrs_lookup(const char *path, const char *name, struct id_attrs *a, char *err,
		    size_t errlen)
{
	char *data, why[300];
	size_t len;
	int rc;

	memset(a, 0, sizeof(*a));
	if (read_file(path, 1, &data, &len, err, errlen) != 0)
		return -1;
	if (data == NULL)
		return 0;
	rc = id_attrs_lookup_data(data, len, name, a, why, sizeof(why));
	explicit_bzero(data, len);
	free(data);
	if (rc != 0)
		return fail(err, errlen, "%s: %s", path, why);
	return 0;
}
