/* libFuzzer target: the account attributes file's parser
 * (firmware/identity/attrs.c, id_attrs_parse: what caadm reads before changing
 * it and ca-auth reads at each logon) on any bytes. A refusal has a message
 * and leaves nothing; what parses has its counts within bounds, each entry's
 * line is its name and then its attributes, which id_attrs_get parses back
 * valid by id_attrs_check, each account found by its own name; it formats,
 * and what is written parses to the same entries and formats to the same
 * bytes. ca-auth's look-up (id_attrs_lookup_data, which keeps one entry) must
 * agree with it: the same refusal, and for each account (and one absent) the
 * same attributes as id_attrs_find + id_attrs_get. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/identity/attrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct id_attrs got, none; /* ~34 KiB each: not on the stack */

/* e's attributes parsed back from its line (into got). */
static void check_entry(const struct id_attrs_file *f, const struct id_attrs_entry *e)
{
	size_t nlen = strlen(e->name);
	char err[512];

	if (!id_account_name_ok(e->name) || id_attrs_find(f, e->name) != e ||
	    e->len != strlen(e->line) || strncmp(e->line, e->name, nlen) != 0 ||
	    id_attrs_entry_fields(e) != e->line + nlen || e->line[nlen] != '\t' ||
	    id_attrs_get(e, &got, err, sizeof(err)) != 0 || id_attrs_empty(&got) ||
	    got.n_groups > IDENTITY_MAX_GROUPS || id_attrs_check(&got, err, sizeof(err)) != 0)
		abort();
}

/* a and b hold the same attributes, and nothing past the groups they have.
 * Compared as text, not as bytes: the look-up reuses one scratch for every
 * line, so a value's array may hold an earlier line's bytes after its NUL,
 * which no reader of the struct sees. */
static int same_attrs(const struct id_attrs *a, const struct id_attrs *b)
{
	if (strcmp(a->upn, b->upn) != 0 || strcmp(a->email, b->email) != 0 ||
	    strcmp(a->dns, b->dns) != 0 || strcmp(a->sid, b->sid) != 0 ||
	    a->n_groups != b->n_groups)
		return 0;
	for (size_t i = 0; i < IDENTITY_MAX_GROUPS; i++)
		if (strcmp(a->groups[i], b->groups[i]) != 0 ||
		    (i >= a->n_groups && a->groups[i][0] != 0))
			return 0;
	return 1;
}

/* ca-auth's look-up of name against what id_attrs_parse made of the same bytes
 * (want: the attributes id_attrs_get gave, or NULL for an account without). */
static void check_lookup(const uint8_t *data, size_t size, const char *name,
			 const struct id_attrs *want)
{
	static struct id_attrs a;
	char err[512];

	if (id_attrs_lookup_data((const char *)data, size, name, &a, err, sizeof(err)) != 0 ||
	    !same_attrs(&a, want != NULL ? want : &none))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct id_attrs_file f, g;
	char err[512], *out, *out2;
	size_t len, len2;

	err[0] = 0;
	if (id_attrs_parse((const char *)data, size, &f, err, sizeof(err)) != 0) {
		static struct id_attrs a;

		if (err[0] == 0 || f.n != 0 || f.e != NULL ||
		    id_attrs_lookup_data((const char *)data, size, "X\\y", &a, err,
					 sizeof(err)) == 0 ||
		    memcmp(&a, &none, sizeof(a)) != 0)
			abort();
		return 0;
	}
	if (f.n > IDENTITY_ATTRS_MAX_ACCOUNTS)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		check_entry(&f, &f.e[i]);
		check_lookup(data, size, f.e[i].name, &got);
	}
	if (id_attrs_find(&f, "NOBODY\\absent") == NULL)
		check_lookup(data, size, "NOBODY\\absent", NULL);
	if (id_attrs_format(&f, &out, &len, err, sizeof(err)) != 0)
		abort();
	if (id_attrs_parse(out, len, &g, err, sizeof(err)) != 0 || g.n != f.n)
		abort();
	for (size_t i = 0; i < f.n; i++)
		if (strcmp(f.e[i].name, g.e[i].name) != 0 || f.e[i].len != g.e[i].len ||
		    memcmp(f.e[i].line, g.e[i].line, f.e[i].len) != 0)
			abort();
	if (id_attrs_format(&g, &out2, &len2, err, sizeof(err)) != 0 || len2 != len ||
	    memcmp(out, out2, len) != 0)
		abort();
	free(out);
	free(out2);
	id_attrs_file_free(&f);
	id_attrs_file_free(&g);
	return 0;
}
