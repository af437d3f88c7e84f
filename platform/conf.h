/* A small "key = value" configuration file format (one pair per line, '#'
 * comments, blank lines ignored, values taken verbatim after trimming blanks).
 * Used for the appliance's runtime state files (e.g. the CA's ca.conf). */
#ifndef PLATFORM_CONF_H
#define PLATFORM_CONF_H

#include <stddef.h>

#define CONF_MAX_ENTRIES 64
#define CONF_KEY_MAX 64
#define CONF_VAL_MAX 1024

struct conf {
	size_t n;
	struct {
		char key[CONF_KEY_MAX];
		char val[CONF_VAL_MAX];
	} e[CONF_MAX_ENTRIES];
};

/* 0, or -1 with a message naming the file and line (syntax, duplicate key,
 * over-long key/value, too many entries, unreadable file). */
int conf_load(const char *path, struct conf *c, char *err, size_t errlen);
/* The value, or NULL if absent. */
const char *conf_get(const struct conf *c, const char *key);
/* Sets or replaces; -1 if the key/value is too long, has a newline, or the table is full. */
int conf_set(struct conf *c, const char *key, const char *val);
/* Writes atomically (platform/atomicfile.h) with mode 0644. */
int conf_save(const struct conf *c, const char *path, const char *header, char *err,
	      size_t errlen);

/* ca.conf's KEY as a whole number from min to max: 0 with *out (def when the key
 * is absent), or -1 when it is set to anything else (empty, a sign or a blank
 * first, trailing characters, out of range); the caller words the message. One
 * rule for every daemon's numeric settings. */
int conf_get_uint(const struct conf *c, const char *key, unsigned def, unsigned min,
		  unsigned max, unsigned *out);

/* A command-line number from 1 to max into *out: 0, or -1 (anything else: empty,
 * a sign or a blank first, trailing characters, out of range). Digits only, as
 * conf_get_uint. For parsers that return errors. */
int conf_parse_uint(const char *s, unsigned max, unsigned *out);
/* The same rule from min to max (min may be 0): 0 with *out, or -1. For file
 * formats whose numbers may be 0 (firmware/policy's templates). */
int conf_parse_range(const char *s, unsigned min, unsigned max, unsigned *out);
/* A command-line number from 1 to max; anything else is fatal, naming what
 * ("WHAT must be a number from 1 to MAX"). */
unsigned conf_arg_uint(const char *s, unsigned max, const char *what);
/* A descriptor number given on the command line (1..1048576). */
int conf_arg_fd(const char *s);

#endif
