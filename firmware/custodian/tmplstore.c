/* The template store (tmplstore.h): the certificate templates as the ledger
 * journals them (EV_TEMPLATE_CHANGED), held in memory for the policy.
 *
 * Journal-first: a change is parsed, checked (template_check) and formatted in
 * its canonical text (template_format) before anything else; then the ledger is
 * asked to record it; only once it answered "recorded" is the memory changed. A
 * refused or failed append leaves the store as it was (TMPL_ERECORD). Changes
 * are serialised by change_mu, held across the ledger's answer; readers take mu
 * only to copy, so a stalled ledger holds back the next change, never a
 * snapshot (as the console's opchange_mu, firmware/custodian/admin.c).
 *
 * Names are compared without regard to ASCII case (AD does; the ledger's index
 * keys are the names in lower case) and the live templates are kept sorted in
 * that order, the ledger's. */
#include "firmware/custodian/tmplstore.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/errbuf.h"
#include "platform/log.h"

/* The ledger's bounds are the policy's: defined once on each side, held equal
 * here (the ledger never links firmware/policy). */
_Static_assert(LEDGER_TEMPLATE_NAME_MAX == TEMPLATE_NAME_MAX,
	       "the ledger's template name bound is not the policy's");
_Static_assert(LEDGER_TEMPLATE_TEXT_MAX == TEMPLATE_TEXT_MAX,
	       "the ledger's template text bound is not the policy's");
_Static_assert(TMPLSTORE_MAX <= LEDGER_TEMPLATES_MAX,
	       "the store holds more templates than the ledger indexes");

/* Who installs the defaults: the CA, as the ceremony would. */
#define DEFAULTS_ACTOR "ceremony"
/* An assignment of the set verb: its key and value (pointing into the input). */
#define SET_MAX 64
#define KEY_MAX 32

/* A refusal with its TMPL_* code and the message (platform's formatter). */
__attribute__((format(printf, 4, 5)))
static int refuse(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- names ---- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* The ledger's order: the names' bytes in ASCII lower case. */
static int name_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = lower((unsigned char)*a), y = lower((unsigned char)*b);

		if (x != y || x == 0)
			return x - y;
	}
}

/* The slot of name among s->t[0..n) (ASCII case ignored): its index with *found
 * set, or where it would go. */
static size_t slot_of(const struct template *t, size_t n, const char *name, int *found)
{
	size_t lo = 0, hi = n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = name_cmp(t[mid].name, name);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The live template (other than index skip) with oid, or -1. */
static long oid_user(const struct template *t, size_t n, const char *oid, size_t skip)
{
	for (size_t i = 0; i < n; i++)
		if (i != skip && strcmp(t[i].oid, oid) == 0)
			return (long)i;
	return -1;
}

/* Puts tp at slot i of t[0..*n) (moving the rest up). */
static void insert_at(struct template *t, size_t *n, size_t i, const struct template *tp)
{
	memmove(&t[i + 1], &t[i], (*n - i) * sizeof(*t));
	t[i] = *tp;
	(*n)++;
}

static void remove_at(struct template *t, size_t *n, size_t i)
{
	memmove(&t[i], &t[i + 1], (*n - i - 1) * sizeof(*t));
	(*n)--;
	memset(&t[*n], 0, sizeof(*t));
}

/* ---- life ---- */

int tmplstore_init(struct tmplstore *s)
{
	memset(s, 0, sizeof(*s));
	if ((s->t = calloc(TMPLSTORE_MAX, sizeof(*s->t))) == NULL)
		return -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->change_mu, NULL);
	return 0;
}

void tmplstore_free(struct tmplstore *s)
{
	if (s->t == NULL)
		return;
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->change_mu);
	free(s->t);
	s->t = NULL;
	s->n = 0;
}

/* ---- the ledger ---- */

/* The canonical text of t into buf (TEMPLATE_TEXT_MAX + 1 bytes): its length,
 * or -1 with err. */
static long canonical(const struct template *t, char *buf, char *err, size_t errlen)
{
	char why[256];
	long len = template_format(t, buf, TEMPLATE_TEXT_MAX + 1, why, sizeof(why));

	if (len <= 0)
		return err_set(err, errlen, "template %s: %s", t->name, why);
	return len;
}

/* Journals a change of t (text: its canonical form, NULL for a removal) by actor:
 * 0, or TMPL_ERECORD with err (nothing recorded); *full (may be NULL) is set
 * when the ledger had no room (RECORD_EFULL). */
static int journal_full(struct record *rec, uint32_t actor_kind, const char *actor,
			uint32_t action, const struct template *t, const char *text, size_t len,
			int *full, char *err, size_t errlen)
{
	struct ledger_event ev;
	char why[512];
	int refused = 0, rc;

	record_event_init(&ev, EV_TEMPLATE_CHANGED, actor_kind, actor);
	ev.u.tmpl.action = action;
	ev.u.tmpl.name = t->name;
	ev.u.tmpl.major = t->major_version;
	ev.u.tmpl.minor = t->minor_version;
	ev.u.tmpl.text = (struct ledger_bytes){(const uint8_t *)text, text != NULL ? len : 0};
	why[0] = 0;
	rc = record_append(rec, &ev, &refused, why, sizeof(why));
	if (full != NULL)
		*full = rc == RECORD_EFULL;
	if (rc == 0)
		return 0;
	snprintf(err, errlen, "template %s: the ledger %s the change: %s", t->name,
		 refused ? "refused" : "did not record", why);
	return TMPL_ERECORD;
}

static int journal(struct record *rec, uint32_t actor_kind, const char *actor, uint32_t action,
		   const struct template *t, const char *text, size_t len, char *err,
		   size_t errlen)
{
	return journal_full(rec, actor_kind, actor, action, t, text, len, NULL, err, errlen);
}

/* What tmplstore_load builds before it replaces the store's content. */
struct load {
	struct template *t; /* TMPLSTORE_MAX */
	size_t n;
	size_t events;     /* template events in the ledger (removed ones included) */
	int ceremony_only; /* every latest event is the ceremony's addition */
	char (*seen)[TEMPLATE_NAME_MAX + 1]; /* the names of those events */
	char *err;
	size_t errlen;
};

/* One latest event of the ledger: a live template is parsed and checked again
 * (the ledger's content is not trusted blindly), and must say what its event
 * says (name, version); its OID is its own. */
static int load_one(const struct ledger_event *ev, void *arg)
{
	struct load *l = arg;
	const struct ev_template *e = &ev->u.tmpl;
	struct template t;
	char why[256];
	size_t i;
	int found;

	if (l->events >= LEDGER_TEMPLATES_MAX)
		return err_set(l->err, l->errlen, "the ledger lists more than %d templates",
			       LEDGER_TEMPLATES_MAX);
	snprintf(l->seen[l->events++], TEMPLATE_NAME_MAX + 1, "%s", e->name);
	if (e->action != LEDGER_TEMPLATE_ADDED || ev->actor_kind != ACTOR_CA ||
	    strcmp(ev->actor, DEFAULTS_ACTOR) != 0)
		l->ceremony_only = 0;
	if (e->action == LEDGER_TEMPLATE_REMOVED)
		return 0;
	if (template_parse((const char *)e->text.p, e->text.len, &t, why, sizeof(why)) != 0 ||
	    template_check(&t, why, sizeof(why)) != 0)
		return err_set(l->err, l->errlen, "template %s (ledger event %llu): %s", e->name,
			       (unsigned long long)ev->seq, why);
	if (strcmp(t.name, e->name) != 0 || t.major_version != e->major ||
	    t.minor_version != e->minor)
		return err_set(l->err, l->errlen, "template %s (ledger event %llu): its text "
			       "says %s version %u.%u, its event %s version %u.%u", e->name,
			       (unsigned long long)ev->seq, t.name, t.major_version,
			       t.minor_version, e->name, e->major, e->minor);
	if (l->n == TMPLSTORE_MAX)
		return err_set(l->err, l->errlen, "the ledger holds more than %d live templates",
			       TMPLSTORE_MAX);
	if (oid_user(l->t, l->n, t.oid, SIZE_MAX) >= 0)
		return err_set(l->err, l->errlen, "template %s (ledger event %llu): OID %s is "
			       "another template's", e->name, (unsigned long long)ev->seq, t.oid);
	i = slot_of(l->t, l->n, t.name, &found);
	if (found)
		return err_set(l->err, l->errlen, "template %s: named twice by the ledger",
			       e->name);
	insert_at(l->t, &l->n, i, &t);
	return 0;
}

static int seen(const struct load *l, const char *name)
{
	for (size_t i = 0; i < l->events; i++)
		if (name_cmp(l->seen[i], name) == 0)
			return 1;
	return 0;
}

/* The defaults the ledger has not held yet, journaled by the CA and added to l.
 * Called when the ledger never held a template, or holds only the ceremony's
 * additions of defaults (an installation cut short: its start failed, the
 * next one completes it). A ledger without room for them (below its reserve,
 * firmware/ledger/space.c: the CA's own work is ordinary work) is not a reason
 * to refuse the start: the CA starts with the templates recorded so far, says
 * so, and the next start installs the rest, as ca.conf's settings are imported
 * (props.c). Any other failure is. */
static int install_defaults(struct load *l, struct record *rec, char *text)
{
	size_t nd;
	const struct template *d = template_defaults(&nd);

	for (size_t k = 0; k < nd; k++) {
		char why[256];
		long len;
		size_t i;
		int found, full = 0;

		if (seen(l, d[k].name))
			continue;
		if (template_check(&d[k], why, sizeof(why)) != 0)
			return err_set(l->err, l->errlen, "default template %s: %s", d[k].name,
				       why);
		if ((len = canonical(&d[k], text, l->err, l->errlen)) < 0)
			return -1;
		i = slot_of(l->t, l->n, d[k].name, &found);
		if (found || l->n == TMPLSTORE_MAX || oid_user(l->t, l->n, d[k].oid, SIZE_MAX) >= 0)
			return err_set(l->err, l->errlen, "default template %s: its name or OID "
				       "is taken", d[k].name);
		if (journal_full(rec, ACTOR_CA, DEFAULTS_ACTOR, LEDGER_TEMPLATE_ADDED, &d[k], text,
				 (size_t)len, &full, l->err, l->errlen) != 0) {
			if (!full)
				return -1;
			log_warnx("the default certificate templates are not installed now (%zu "
				  "of %zu are): %s", l->n, nd, l->err);
			return 0;
		}
		insert_at(l->t, &l->n, i, &d[k]);
	}
	return 0;
}

int tmplstore_load(struct tmplstore *s, struct record *rec, char *err, size_t errlen)
{
	struct load l = {.ceremony_only = 1, .err = err, .errlen = errlen};
	char *text = malloc(TEMPLATE_TEXT_MAX + 1);
	size_t n = 0;
	int rc = -1;

	l.t = calloc(TMPLSTORE_MAX, sizeof(*l.t));
	l.seen = calloc(LEDGER_TEMPLATES_MAX, sizeof(*l.seen));
	if (l.t == NULL || l.seen == NULL || text == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	pthread_mutex_lock(&s->change_mu);
	err[0] = 0;
	if (record_templates(rec, load_one, &l, &n, err, errlen) != 0) {
		if (err[0] == 0)
			snprintf(err, errlen, "cannot read the templates from the ledger");
		goto unlock;
	}
	if (l.ceremony_only) {
		/* Every default the ceremony has not journaled yet: all of them on a new
		 * CA (no template event at all), none once an administrator changed or
		 * removed any (they are not given back). */
		size_t nd;
		const struct template *d = template_defaults(&nd);

		for (size_t i = 0; i < l.events && l.ceremony_only; i++) {
			int is_default = 0;

			for (size_t k = 0; k < nd; k++)
				is_default |= name_cmp(d[k].name, l.seen[i]) == 0;
			l.ceremony_only = is_default;
		}
	}
	if (l.ceremony_only && install_defaults(&l, rec, text) != 0)
		goto unlock;
	pthread_mutex_lock(&s->mu);
	memcpy(s->t, l.t, TMPLSTORE_MAX * sizeof(*s->t));
	s->n = l.n;
	pthread_mutex_unlock(&s->mu);
	rc = 0;
unlock:
	pthread_mutex_unlock(&s->change_mu);
out:
	free(l.t);
	free(l.seen);
	free(text);
	return rc;
}

/* ---- the operator's changes ---- */

static int op_ok(const char *op, char *err, size_t errlen)
{
	if (op == NULL || op[0] == 0 || strnlen(op, LEDGER_NAME_MAX + 1) > LEDGER_NAME_MAX)
		return err_set(err, errlen, "no operator names the change");
	return 0;
}

/* Parses and checks a whole template: 0, or TMPL_EINVAL with err. */
static int parse_checked(const char *text, size_t len, struct template *t, char *err,
			 size_t errlen)
{
	if (text == NULL || len == 0)
		return refuse(TMPL_EINVAL, err, errlen, "no template text");
	if (len > TEMPLATE_TEXT_MAX)
		return refuse(TMPL_EINVAL, err, errlen, "the template text is longer than %d "
			      "bytes", TEMPLATE_TEXT_MAX);
	if (template_parse(text, len, t, err, errlen) != 0 || template_check(t, err, errlen) != 0)
		return TMPL_EINVAL;
	return 0;
}

/* Work space of a change: a template and its canonical text (too large for a
 * console thread's stack together). */
struct work {
	struct template t, cur;
	char text[TEMPLATE_TEXT_MAX + 1];
	char merged[TEMPLATE_TEXT_MAX + 1];
};

int tmplstore_add(struct tmplstore *s, struct record *rec, const char *op, const char *text,
		  size_t len, char *err, size_t errlen)
{
	struct work *w;
	long tlen;
	size_t i;
	int found, rc;

	if (op_ok(op, err, errlen) != 0)
		return TMPL_EINVAL;
	if ((w = malloc(sizeof(*w))) == NULL)
		return refuse(TMPL_EINVAL, err, errlen, "out of memory");
	if ((rc = parse_checked(text, len, &w->t, err, errlen)) != 0)
		goto out;
	if ((tlen = canonical(&w->t, w->text, err, errlen)) < 0) {
		rc = TMPL_EINVAL;
		goto out;
	}
	pthread_mutex_lock(&s->change_mu);
	/* Only changes write s->t, and they hold change_mu: read without mu. */
	i = slot_of(s->t, s->n, w->t.name, &found);
	if (found) {
		rc = TMPL_EEXIST;
		snprintf(err, errlen, "template %s exists (names ignore case: %s)", w->t.name,
			 s->t[i].name);
	} else if (oid_user(s->t, s->n, w->t.oid, SIZE_MAX) >= 0) {
		rc = TMPL_EEXIST;
		snprintf(err, errlen, "OID %s is template %s's", w->t.oid,
			 s->t[oid_user(s->t, s->n, w->t.oid, SIZE_MAX)].name);
	} else if (s->n >= TMPLSTORE_MAX) {
		rc = TMPL_EFULL;
		snprintf(err, errlen, "the CA holds %d templates, its most: remove one first",
			 TMPLSTORE_MAX);
	} else if ((rc = journal(rec, ACTOR_OPERATOR, op, LEDGER_TEMPLATE_ADDED, &w->t, w->text,
				 (size_t)tlen, err, errlen)) == 0) {
		pthread_mutex_lock(&s->mu);
		insert_at(s->t, &s->n, i, &w->t);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&s->change_mu);
out:
	free(w);
	return rc;
}

/* ---- set: assignments over the canonical text ---- */

struct assign {
	char key[KEY_MAX + 1];
	const char *value;
	size_t vlen;
	int used;
};

static int blank(char c)
{
	return c == ' ';
}

/* Splits the assignments ("key = value" lines; empty lines and '#' comments
 * skipped, blanks around key and value ignored, as the text form) into a (at
 * most SET_MAX, each key once). The number, or -1 with err. */
static int parse_assignments(const char *p, size_t len, struct assign *a, char *err,
			     size_t errlen)
{
	size_t line = 0;
	int n = 0;

	if (p == NULL || len == 0)
		return err_set(err, errlen, "no assignments");
	if (memchr(p, 0, len) != NULL)
		return err_set(err, errlen, "the assignments hold a NUL byte");
	while (len > 0) {
		const char *nl = memchr(p, '\n', len);
		size_t ll = nl != NULL ? (size_t)(nl - p) : len;
		const char *k = p, *end = p + ll, *eq, *ke, *v;

		line++;
		p += ll + (nl != NULL);
		len -= ll + (nl != NULL);
		while (k < end && blank(*k))
			k++;
		if (k == end || *k == '#')
			continue;
		if ((eq = memchr(k, '=', (size_t)(end - k))) == NULL)
			return err_set(err, errlen, "assignment %zu: not \"key = value\"", line);
		ke = eq;
		while (ke > k && blank(ke[-1]))
			ke--;
		if (ke == k || (size_t)(ke - k) > KEY_MAX)
			return err_set(err, errlen, "assignment %zu: no key, or a key too long",
				       line);
		for (const char *c = k; c < ke; c++)
			if (!((*c >= 'a' && *c <= 'z') || *c == '_'))
				return err_set(err, errlen, "assignment %zu: a key is lower-case "
					       "letters and '_'", line);
		v = eq + 1;
		while (v < end && blank(*v))
			v++;
		while (end > v && blank(end[-1]))
			end--;
		if (n == SET_MAX)
			return err_set(err, errlen, "more than %d assignments", SET_MAX);
		memcpy(a[n].key, k, (size_t)(ke - k));
		a[n].key[ke - k] = 0;
		for (int i = 0; i < n; i++)
			if (strcmp(a[i].key, a[n].key) == 0)
				return err_set(err, errlen, "assignment %zu: %s is assigned twice",
					       line, a[n].key);
		a[n].value = v;
		a[n].vlen = (size_t)(end - v);
		a[n].used = 0;
		n++;
	}
	if (n == 0)
		return err_set(err, errlen, "no assignments");
	return n;
}

/* Appends n bytes to out (cap TEMPLATE_TEXT_MAX + 1): 0, or -1 when it would not
 * fit. */
static int put(char *out, size_t *len, const char *p, size_t n)
{
	if (*len + n > TEMPLATE_TEXT_MAX)
		return -1;
	memcpy(out + *len, p, n);
	*len += n;
	out[*len] = 0;
	return 0;
}

static int put_assign(char *out, size_t *len, const struct assign *a)
{
	return put(out, len, a->key, strlen(a->key)) != 0 || put(out, len, " = ", 3) != 0 ||
			       put(out, len, a->value, a->vlen) != 0 || put(out, len, "\n", 1) != 0
		       ? -1
		       : 0;
}

/* The canonical text canon (one "key = value" per line) with the assignments
 * applied into out: a key given replaces its line, or is added at the end; one
 * given empty drops its line. 0, or -1 with err. */
static int merge(const char *canon, struct assign *a, int n, char *out, char *err,
		 size_t errlen)
{
	size_t len = 0;
	const char *p = canon;

	out[0] = 0;
	while (*p != 0) {
		const char *nl = strchr(p, '\n');
		size_t ll = nl != NULL ? (size_t)(nl - p) : strlen(p);
		const char *sep = memchr(p, ' ', ll);
		size_t kl = sep != NULL ? (size_t)(sep - p) : ll;
		int hit = -1;

		for (int i = 0; i < n; i++)
			if (strlen(a[i].key) == kl && memcmp(a[i].key, p, kl) == 0)
				hit = i;
		if (hit < 0) {
			if (put(out, &len, p, ll) != 0 || put(out, &len, "\n", 1) != 0)
				goto long_;
		} else {
			a[hit].used = 1;
			if (a[hit].vlen > 0 && put_assign(out, &len, &a[hit]) != 0)
				goto long_;
		}
		p += ll + (nl != NULL);
	}
	for (int i = 0; i < n; i++) {
		if (a[i].used)
			continue;
		if (a[i].vlen == 0)
			return err_set(err, errlen, "%s is not set: there is nothing to remove",
				       a[i].key);
		if (put_assign(out, &len, &a[i]) != 0)
			goto long_;
	}
	return 0;
long_:
	return err_set(err, errlen, "the template would be longer than %d bytes",
		       TEMPLATE_TEXT_MAX);
}

static int assigned(const struct assign *a, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i].key, key) == 0)
			return i;
	return -1;
}

/* w->t from w->cur and the assignments, with set's rules (tmplstore.h): 0, or
 * TMPL_EINVAL with err. */
static int apply_set(struct work *w, const char *assignments, size_t len, char *err,
		     size_t errlen)
{
	struct assign a[SET_MAX];
	struct template same;
	char why[256];
	int n, k, versioned;

	if ((n = parse_assignments(assignments, len, a, err, errlen)) < 0)
		return TMPL_EINVAL;
	if ((k = assigned(a, n, "name")) >= 0 &&
	    (a[k].vlen != strlen(w->cur.name) || memcmp(a[k].value, w->cur.name, a[k].vlen) != 0))
		return refuse(TMPL_EINVAL, err, errlen, "the name of template %s cannot change "
			      "(add a new template, remove this one)", w->cur.name);
	if (canonical(&w->cur, w->text, err, errlen) < 0 ||
	    merge(w->text, a, n, w->merged, err, errlen) != 0)
		return TMPL_EINVAL;
	if (template_parse(w->merged, strlen(w->merged), &w->t, why, sizeof(why)) != 0)
		return refuse(TMPL_EINVAL, err, errlen, "template %s with the assignments: %s",
			      w->cur.name, why);
	versioned = assigned(a, n, "major_version") >= 0 || assigned(a, n, "minor_version") >= 0;
	/* Nothing to change: the result, at the present version, is the present
	 * template (a version given alone is a change). */
	same = w->t;
	if (!versioned) {
		same.major_version = w->cur.major_version;
		same.minor_version = w->cur.minor_version;
	}
	if (template_equal(&same, &w->cur))
		return refuse(TMPL_EINVAL, err, errlen, "template %s: the assignments change "
			      "nothing", w->cur.name);
	if (!versioned) {
		if (w->cur.minor_version == TEMPLATE_VERSION_MAX)
			return refuse(TMPL_EINVAL, err, errlen, "template %s: minor_version is at "
				      "its most: give the versions", w->cur.name);
		w->t.minor_version = w->cur.minor_version + 1;
	}
	if (w->t.major_version < w->cur.major_version ||
	    (w->t.major_version == w->cur.major_version &&
	     w->t.minor_version <= w->cur.minor_version))
		return refuse(TMPL_EINVAL, err, errlen, "template %s: version %u.%u is not above "
			      "%u.%u: the version must grow", w->cur.name, w->t.major_version,
			      w->t.minor_version, w->cur.major_version, w->cur.minor_version);
	if (template_check(&w->t, err, errlen) != 0)
		return TMPL_EINVAL;
	return 0;
}

int tmplstore_apply(const struct template *cur, const char *assignments, size_t len,
		    struct template *out, char *err, size_t errlen)
{
	struct work *w = malloc(sizeof(*w));
	int rc;

	if (w == NULL)
		return refuse(TMPL_EINVAL, err, errlen, "out of memory");
	w->cur = *cur;
	if ((rc = apply_set(w, assignments, len, err, errlen)) == 0)
		*out = w->t;
	free(w);
	return rc;
}

int tmplstore_set(struct tmplstore *s, struct record *rec, const char *op, const char *name,
		  const char *assignments, size_t len, char *err, size_t errlen)
{
	struct work *w;
	long tlen;
	size_t i;
	int found, rc;

	if (op_ok(op, err, errlen) != 0)
		return TMPL_EINVAL;
	if (name == NULL)
		return refuse(TMPL_ENOENT, err, errlen, "no template named");
	if ((w = malloc(sizeof(*w))) == NULL)
		return refuse(TMPL_EINVAL, err, errlen, "out of memory");
	pthread_mutex_lock(&s->change_mu);
	i = slot_of(s->t, s->n, name, &found);
	if (!found) {
		rc = TMPL_ENOENT;
		snprintf(err, errlen, "no template %s", name);
		goto unlock;
	}
	w->cur = s->t[i];
	if ((rc = apply_set(w, assignments, len, err, errlen)) != 0)
		goto unlock;
	if (oid_user(s->t, s->n, w->t.oid, i) >= 0) {
		rc = TMPL_EEXIST;
		snprintf(err, errlen, "OID %s is template %s's", w->t.oid,
			 s->t[oid_user(s->t, s->n, w->t.oid, i)].name);
		goto unlock;
	}
	if ((tlen = canonical(&w->t, w->text, err, errlen)) < 0) {
		rc = TMPL_EINVAL;
		goto unlock;
	}
	rc = journal(rec, ACTOR_OPERATOR, op, LEDGER_TEMPLATE_CHANGED, &w->t, w->text,
		     (size_t)tlen, err, errlen);
	if (rc == 0) {
		pthread_mutex_lock(&s->mu);
		s->t[i] = w->t;
		pthread_mutex_unlock(&s->mu);
	}
unlock:
	pthread_mutex_unlock(&s->change_mu);
	free(w);
	return rc;
}

int tmplstore_del(struct tmplstore *s, struct record *rec, const char *op, const char *name,
		  char *err, size_t errlen)
{
	size_t i;
	int found, rc;

	if (op_ok(op, err, errlen) != 0)
		return TMPL_EINVAL;
	if (name == NULL)
		return refuse(TMPL_ENOENT, err, errlen, "no template named");
	pthread_mutex_lock(&s->change_mu);
	i = slot_of(s->t, s->n, name, &found);
	if (!found) {
		rc = TMPL_ENOENT;
		snprintf(err, errlen, "no template %s", name);
	} else if ((rc = journal(rec, ACTOR_OPERATOR, op, LEDGER_TEMPLATE_REMOVED, &s->t[i], NULL,
				 0, err, errlen)) == 0) {
		pthread_mutex_lock(&s->mu);
		remove_at(s->t, &s->n, i);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_unlock(&s->change_mu);
	return rc;
}

/* ---- readers ---- */

int tmplstore_get(struct tmplstore *s, const char *name, struct template *out)
{
	size_t i;
	int found = 0;

	if (name == NULL)
		return TMPL_ENOENT;
	pthread_mutex_lock(&s->mu);
	i = slot_of(s->t, s->n, name, &found);
	if (found)
		*out = s->t[i];
	pthread_mutex_unlock(&s->mu);
	return found ? 0 : TMPL_ENOENT;
}

int tmplstore_snapshot(struct tmplstore *s, struct template **out, size_t *n)
{
	pthread_mutex_lock(&s->mu);
	*out = malloc((s->n > 0 ? s->n : 1) * sizeof(**out));
	if (*out == NULL) {
		pthread_mutex_unlock(&s->mu);
		*n = 0;
		return -1;
	}
	memcpy(*out, s->t, s->n * sizeof(**out));
	*n = s->n;
	pthread_mutex_unlock(&s->mu);
	return 0;
}
