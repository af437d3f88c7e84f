/* The console's template verbs (ADM_TMPL_*, admin_proto.h) over the template
 * store (tmplstore.h): list and show for any role, add, set and del for
 * administrators (admin.c's grants). The store journals each change as a
 * template-changed event with the operator as actor before it makes it; a
 * refusal is journaled by admin.c's handle() as an operator action with its
 * reason, as for every verb. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/custodian/admin.h"
#include "firmware/custodian/tmplstore.h"
#include "firmware/icpr/hresult.h"
#include "platform/log.h"

_Static_assert(TMPLSTORE_MAX <= ADM_TMPL_MAX, "the list answer must hold every template");

/* The HRESULT of a store's TMPL_* code (its message is the answer's). */
static uint32_t tmpl_hr(int rc)
{
	switch (rc) {
	case TMPL_EINVAL: return HR_E_INVALIDARG;
	case TMPL_EEXIST: return HR_ALREADY_EXISTS;
	case TMPL_ENOENT: return HR_NOT_FOUND;
	case TMPL_EFULL: return HR_NOT_ENOUGH_QUOTA;
	case TMPL_ERECORD:
	default: return HR_E_UNEXPECTED; /* the ledger did not record it: nothing changed */
	}
}

/* LIST: name, display name, OID, version and flags of each, sorted by name. */
static uint32_t tmpl_list(struct service *s, struct admin *a, uint32_t id, char *msg,
			  size_t msglen)
{
	struct adm_tmpl_list_is *l;
	struct template *t = NULL;
	struct ipc_wbuf w;
	size_t n = 0;

	if (tmplstore_snapshot(a->templates, &t, &n) != 0) {
		snprintf(msg, msglen, "out of memory");
		return HR_E_UNEXPECTED;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatalx("out of memory");
	l->n = (uint32_t)n;
	for (size_t i = 0; i < n && i < ADM_TMPL_MAX; i++) {
		struct adm_tmpl_entry *e = &l->e[i];

		snprintf(e->name, sizeof(e->name), "%s", t[i].name);
		snprintf(e->display, sizeof(e->display), "%s", t[i].display_name);
		snprintf(e->oid, sizeof(e->oid), "%s", t[i].oid);
		e->major = t[i].major_version;
		e->minor = t[i].minor_version;
		e->flags = (t[i].pend_all ? ADM_TMPL_PEND_ALL : 0) | (t[i].ca ? ADM_TMPL_CA : 0);
	}
	free(t);
	ipc_wbuf_init(&w);
	adm_tmpl_list_encode(&w, l);
	free(l);
	service_reply(s, ADM_TMPL_LIST_IS, id, &w);
	return 0;
}

/* SHOW: the template's canonical text (template_format), what add reads back. */
static uint32_t tmpl_show(struct service *s, struct admin *a, uint32_t id, const char *name,
			  char *msg, size_t msglen)
{
	struct template *t = malloc(sizeof(*t));
	struct adm_tmpl_text_is *out = malloc(sizeof(*out));
	struct ipc_wbuf w;
	uint32_t hr = 0;
	int rc;

	if (t == NULL || out == NULL)
		fatalx("out of memory");
	if ((rc = tmplstore_get(a->templates, name, t)) != 0) {
		snprintf(msg, msglen, "%s: no such template", name);
		hr = tmpl_hr(rc);
	} else if (template_format(t, out->text, sizeof(out->text), msg, msglen) < 0) {
		hr = HR_E_UNEXPECTED; /* the store holds only what the parser accepts */
	} else {
		ipc_wbuf_init(&w);
		adm_tmpl_text_is_encode(&w, out);
		service_reply(s, ADM_TMPL_TEXT, id, &w);
	}
	free(t);
	free(out);
	return hr;
}

/* ADD: the text's own `name =` must be the name the operator gave (a file
 * edited from another template's show would otherwise land under the name it
 * still holds). */
static uint32_t tmpl_add(struct admin *a, const char *op, const struct adm_tmpl_text *q,
			 char *msg, size_t msglen)
{
	struct template *t = malloc(sizeof(*t));
	uint32_t hr = 0;
	int rc;

	if (t == NULL)
		fatalx("out of memory");
	if (template_parse(q->text, strlen(q->text), t, msg, msglen) != 0) {
		hr = HR_E_INVALIDARG;
	} else if (strcmp(t->name, q->name) != 0) {
		snprintf(msg, msglen, "the file's name = line says %s, not %s: the name given "
				      "and the file's must be the same", t->name, q->name);
		hr = HR_E_INVALIDARG;
	} else if ((rc = tmplstore_add(a->templates, a->sub->rec, op, q->text, strlen(q->text),
				       msg, msglen)) != 0) {
		hr = tmpl_hr(rc);
	} else {
		snprintf(msg, msglen, "template %s added, version %u.%u", t->name,
			 t->major_version, t->minor_version);
		log_info("%s added template %s", op, t->name);
	}
	free(t);
	return hr;
}

/* SET: the assignments over the template; the answer names the new version. */
static uint32_t tmpl_set(struct admin *a, const char *op, const struct adm_tmpl_text *q,
			 char *msg, size_t msglen)
{
	struct template *t = malloc(sizeof(*t));
	uint32_t hr = 0;
	int rc;

	if (t == NULL)
		fatalx("out of memory");
	if ((rc = tmplstore_set(a->templates, a->sub->rec, op, q->name, q->text, strlen(q->text),
				msg, msglen)) != 0) {
		hr = tmpl_hr(rc);
	} else if (tmplstore_get(a->templates, q->name, t) != 0) {
		/* removed by another administrator since: the change was made */
		snprintf(msg, msglen, "template %s changed", q->name);
	} else {
		snprintf(msg, msglen, "template %s changed: now version %u.%u", t->name,
			 t->major_version, t->minor_version);
		log_info("%s changed template %s to version %u.%u", op, t->name, t->major_version,
			 t->minor_version);
	}
	free(t);
	return hr;
}

uint32_t admin_template(struct service *s, struct admin *a, const struct ipc_msg *m,
			const char *op, const union adm_request *req, char *target,
			size_t target_len, int *answered, char *msg, size_t msglen)
{
	int rc;

	*answered = 0;
	if (a->templates == NULL) {
		snprintf(msg, msglen, "this CA has no template store");
		return HR_INVALID_STATE;
	}
	switch (m->hdr.type) {
	case ADM_TMPL_LIST:
		*answered = 1;
		return tmpl_list(s, a, m->hdr.id, msg, msglen);
	case ADM_TMPL_SHOW:
		snprintf(target, target_len, "%s", req->tmpl.name);
		*answered = 1;
		return tmpl_show(s, a, m->hdr.id, req->tmpl.name, msg, msglen);
	case ADM_TMPL_ADD:
		snprintf(target, target_len, "%s", req->tmpl_text.name);
		return tmpl_add(a, op, &req->tmpl_text, msg, msglen);
	case ADM_TMPL_SET:
		snprintf(target, target_len, "%s", req->tmpl_text.name);
		return tmpl_set(a, op, &req->tmpl_text, msg, msglen);
	default: /* ADM_TMPL_DEL */
		snprintf(target, target_len, "%s", req->tmpl.name);
		if ((rc = tmplstore_del(a->templates, a->sub->rec, op, req->tmpl.name, msg,
					msglen)) != 0)
			return tmpl_hr(rc);
		snprintf(msg, msglen, "template %s removed", req->tmpl.name);
		log_info("%s removed template %s", op, req->tmpl.name);
		return 0;
	}
}
