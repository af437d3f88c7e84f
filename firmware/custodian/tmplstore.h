/* The template store (issue 15): the certificate templates the custodian decides
 * with, kept as journaled events in the ledger (EV_TEMPLATE_CHANGED: added,
 * changed, removed; the latest of each name indexed by the ledger) and held in
 * memory for the policy. Every change is journaled first and made only when the
 * ledger recorded it (journal-first, as the console's operator changes). Each
 * change bumps the template's minor version. Thread-safe: the console changes
 * it, the service threads take snapshots (one snapshot decides one request). */
#ifndef CUSTODIAN_TMPLSTORE_H
#define CUSTODIAN_TMPLSTORE_H

#include <pthread.h>
#include <stddef.h>

#include "firmware/custodian/record.h"
#include "firmware/policy/template.h"

#define TMPLSTORE_MAX 64 /* live templates; an add beyond is refused */

/* Result codes beside 0. */
enum {
	TMPL_EINVAL = -1,  /* the text or a field is refused: err says which */
	TMPL_EEXIST = -2,  /* add: a live template has that name (ASCII case ignored) or OID */
	TMPL_ENOENT = -3,  /* set, del, get: no such template */
	TMPL_ERECORD = -4, /* the ledger did not record the change: nothing changed */
	TMPL_EFULL = -5,   /* TMPLSTORE_MAX live templates already */
};

struct tmplstore {
	pthread_mutex_t mu;
	struct template *t; /* TMPLSTORE_MAX slots, n live, sorted by name */
	size_t n;
	/* Serialises the changes (load, add, set, del) across the ledger's answer;
	 * mu is taken only to copy or publish, so a stalled ledger holds back the
	 * next change, never a snapshot. */
	pthread_mutex_t change_mu;
};

int tmplstore_init(struct tmplstore *s);
void tmplstore_free(struct tmplstore *s);

/* Reads the latest event of every template from the ledger (LEDGER_GET_TEMPLATES).
 * When the ledger has never held a template (no event at all, removed ones
 * included), the defaults (template_defaults) are journaled, as the CA (actor
 * "ceremony"), and loaded: a new CA starts with them, a CA whose administrator
 * removed them does not get them back. A journaled text that does not parse or
 * check is an error (the ledger's content is not trusted blindly). 0 or -1 with
 * err. */
int tmplstore_load(struct tmplstore *s, struct record *rec, char *err, size_t errlen);

/* The operator's changes; op names the operator (the events' actor). Each
 * returns 0 or a TMPL_* code with err.
 *   add: text is a whole template (template_parse, then template_check);
 *   set: assignments is "key = value" lines applied over the template's
 *        canonical text (a key given with an empty value removes an optional
 *        key; the name cannot change); unless major_version or minor_version
 *        is among them, minor_version goes up by one; a result equal to the
 *        present template is refused (nothing to change); the version must
 *        grow;
 *   del: the template is removed (an event with no text). */
int tmplstore_add(struct tmplstore *s, struct record *rec, const char *op, const char *text,
		  size_t len, char *err, size_t errlen);
int tmplstore_set(struct tmplstore *s, struct record *rec, const char *op, const char *name,
		  const char *assignments, size_t len, char *err, size_t errlen);
int tmplstore_del(struct tmplstore *s, struct record *rec, const char *op, const char *name,
		  char *err, size_t errlen);

/* What set would make of cur with the assignments (its rules above, the OID's
 * uniqueness aside, nothing journaled): 0 with *out, or TMPL_EINVAL with err.
 * Pure: the console may show the result before it asks for the change. */
int tmplstore_apply(const struct template *cur, const char *assignments, size_t len,
		    struct template *out, char *err, size_t errlen);

/* A copy of one template (ASCII case ignored): 0 or TMPL_ENOENT. */
int tmplstore_get(struct tmplstore *s, const char *name, struct template *out);

/* A copy of every live template (malloc()ed array in *out, free() it), sorted
 * by name: 0 or -1 (out of memory). *n may be 0. */
int tmplstore_snapshot(struct tmplstore *s, struct template **out, size_t *n);

#endif
