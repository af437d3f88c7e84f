/* "key = value" files; see conf.h. */
#include "platform/conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/atomicfile.h"
#include "platform/log.h"

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
			   end[-1] == '\n'))
		*--end = 0;
	return s;
}

static int valid_key(const char *k)
{
	if (*k == 0)
		return 0;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-' && *k != '.')
			return 0;
	return 1;
}

const char *conf_get(const struct conf *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->e[i].key, key) == 0)
			return c->e[i].val;
	return NULL;
}

int conf_set(struct conf *c, const char *key, const char *val)
{
	size_t i;

	if (strlen(key) >= CONF_KEY_MAX || strlen(val) >= CONF_VAL_MAX || !valid_key(key) ||
	    strpbrk(val, "\r\n") != NULL)
		return -1;
	for (i = 0; i < c->n; i++)
		if (strcmp(c->e[i].key, key) == 0)
			break;
	if (i == c->n) {
		if (c->n == CONF_MAX_ENTRIES)
			return -1;
		c->n++;
	}
	strcpy(c->e[i].key, key);
	strcpy(c->e[i].val, val);
	return 0;
}

int conf_load(const char *path, struct conf *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char line[CONF_KEY_MAX + CONF_VAL_MAX + 16];
	unsigned lineno = 0;

	memset(c, 0, sizeof(*c));
	if (f == NULL) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s, *eq, *key, *val;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			goto bad;
		}
		s = trim(line);
		if (*s == 0 || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%u: expected key = value", path, lineno);
			goto bad;
		}
		*eq = 0;
		key = trim(s);
		val = trim(eq + 1);
		if (conf_get(c, key) != NULL) {
			snprintf(err, errlen, "%s:%u: duplicate key '%s'", path, lineno, key);
			goto bad;
		}
		if (conf_set(c, key, val) != 0) {
			snprintf(err, errlen, "%s:%u: invalid or over-long entry", path, lineno);
			goto bad;
		}
	}
	fclose(f);
	return 0;
bad:
	fclose(f);
	return -1;
}

int conf_save(const struct conf *c, const char *path, const char *header, char *err,
	      size_t errlen)
{
	size_t cap = 256 + (header ? strlen(header) : 0) +
		     c->n * (CONF_KEY_MAX + CONF_VAL_MAX + 4);
	char *buf = malloc(cap);
	size_t off = 0;
	int rc;

	if (buf == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (header)
		off += (size_t)snprintf(buf + off, cap - off, "%s", header);
	for (size_t i = 0; i < c->n; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s = %s\n", c->e[i].key,
					c->e[i].val);
	rc = atomicfile_write(path, buf, off, 0644);
	if (rc != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	free(buf);
	return rc;
}

/* s as a number in min..max: digits only (strtoul would also take a blank, '+'
 * or '-' first); 0 or -1. */
static int parse_range(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end != 0 || errno != 0 || n < min || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

int conf_get_uint(const struct conf *c, const char *key, unsigned def, unsigned min,
		  unsigned max, unsigned *out)
{
	const char *v = conf_get(c, key);

	*out = def;
	return v == NULL ? 0 : parse_range(v, min, max, out);
}

int conf_parse_uint(const char *s, unsigned max, unsigned *out)
{
	return parse_range(s, 1, max, out);
}

int conf_parse_range(const char *s, unsigned min, unsigned max, unsigned *out)
{
	return parse_range(s, min, max, out);
}

unsigned conf_arg_uint(const char *s, unsigned max, const char *what)
{
	unsigned v;

	if (conf_parse_uint(s, max, &v) != 0)
		fatalx("%s must be a number from 1 to %u", what, max);
	return v;
}

int conf_arg_fd(const char *s)
{
	return (int)conf_arg_uint(s, 1 << 20, "a descriptor number");
}
