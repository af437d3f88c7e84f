/* caadm template: the CA's certificate templates (custodian/admin_proto.h,
 * ADM_TMPL_*). list and show for every role, add, set and del for
 * administrators (the CA checks the role and journals each verb).
 *
 * show prints the template's canonical text exactly as the CA sends it, so
 * that `caadm template show X > f`, an edit of f and `caadm template add Y
 * --from f` round-trip. show --json writes every key of the text form (in its
 * order, firmware/policy/README.md) as a JSON member of its type: numbers,
 * true/false, lists as arrays, san as "none", "request" or an array of the
 * account's attributes, an optional key that is not set as null (an empty
 * array for a list). The text is read with template_parse first: caadm writes
 * JSON only of a text the CA's own parser accepts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firmware/admin/console.h"
#include "firmware/policy/template.h"
#include "platform/atomicfile.h"

/* ---- JSON of a template's text ---- */

enum jkind { J_STR, J_NUM, J_BOOL, J_LIST, J_SAN };

static const struct {
	const char *key;
	enum jkind kind;
} json_fields[] = {
	{"name", J_STR},	      {"display_name", J_STR},
	{"oid", J_STR},		      {"major_version", J_NUM},
	{"minor_version", J_NUM},     {"validity_days", J_NUM},
	{"renewal_days", J_NUM},      {"eku", J_LIST},
	{"key_usage", J_LIST},	      {"ca", J_BOOL},
	{"path_length", J_NUM},	      {"key_algorithms", J_LIST},
	{"rsa_min_bits", J_NUM},      {"ec_min_bits", J_NUM},
	{"subject", J_STR},	      {"san", J_SAN},
	{"allow_request_san", J_BOOL}, {"pend_all", J_BOOL},
	{"agent_signatures", J_NUM},  {"agent_policy", J_STR},
	{"renew_without_approval", J_BOOL}, {"enroll_accounts", J_LIST},
	{"enroll_groups", J_LIST},    {"superseded", J_LIST},
};

/* The value of key in a canonical text ("key = value\n" lines), copied into
 * out; 0, or -1 when the key is not there (an optional key left out). */
static int text_value(const char *text, const char *key, char *out, size_t outlen)
{
	size_t klen = strlen(key);

	for (const char *line = text; *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end != NULL ? (size_t)(end - line) : strlen(line);

		if (n >= klen + 3 && strncmp(line, key, klen) == 0 &&
		    strncmp(line + klen, " = ", 3) == 0) {
			n -= klen + 3;
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, line + klen + 3, n);
			out[n] = 0;
			return 0;
		}
		line += n + (end != NULL);
	}
	return -1;
}

/* A ", "-separated list as a JSON array of strings. */
static void json_list(char *v)
{
	char *item = v, *sep;
	int first = 1;

	putchar('[');
	while (*v != 0) {
		sep = strstr(item, ", ");
		if (sep != NULL)
			*sep = 0;
		printf("%s", first ? "" : ",");
		con_json_str(item);
		first = 0;
		if (sep == NULL)
			break;
		item = sep + 2;
	}
	putchar(']');
}

/* One member of the object. v is the text's value (NULL: the key is not set). */
static void json_member(const char *key, enum jkind kind, char *v)
{
	con_json_str(key);
	putchar(':');
	if (v == NULL)
		printf("%s", kind == J_LIST ? "[]" : "null");
	else if (kind == J_NUM)
		printf("%s", v); /* canonical: digits only, no leading zero */
	else if (kind == J_BOOL)
		printf("%s", strcmp(v, "yes") == 0 ? "true" : "false");
	else if (kind == J_LIST || (kind == J_SAN && strcmp(v, "none") != 0 &&
				    strcmp(v, "request") != 0))
		json_list(v);
	else
		con_json_str(v);
}

/* The template's text, already parsed, as one JSON object. */
static int print_json(const char *text)
{
	char *v = malloc(TEMPLATE_TEXT_MAX + 1);

	if (v == NULL)
		return adm_failx("out of memory");
	putchar('{');
	for (size_t i = 0; i < sizeof(json_fields) / sizeof(json_fields[0]); i++) {
		int set = text_value(text, json_fields[i].key, v, TEMPLATE_TEXT_MAX + 1) == 0;

		printf("%s", i ? "," : "");
		json_member(json_fields[i].key, json_fields[i].kind, set ? v : NULL);
	}
	printf("}\n");
	free(v);
	return 0;
}

/* ---- verbs ---- */

static int t_list(struct console *c)
{
	static struct adm_tmpl_list_is l;
	struct ipc_wbuf w;
	struct ipc_msg m;
	int rc;

	con_bare(c, &w);
	if ((rc = con_call(c, ADM_TMPL_LIST, &w, ADM_TMPL_LIST_IS, &m)) != 0)
		return rc;
	rc = adm_tmpl_list_decode(m.data, m.hdr.len, &l);
	ipc_msg_free(&m);
	if (rc != 0)
		return adm_failx("malformed answer from the CA");
	if (c->cmd->json)
		putchar('[');
	for (uint32_t i = 0; i < l.n; i++) {
		const struct adm_tmpl_entry *e = &l.e[i];
		int pend = (e->flags & ADM_TMPL_PEND_ALL) != 0, ca = (e->flags & ADM_TMPL_CA) != 0;

		if (c->cmd->json) {
			printf("%s{\"name\":", i ? ",\n" : "");
			con_json_str(e->name);
			printf(",\"display_name\":");
			con_json_str(e->display);
			printf(",\"oid\":");
			con_json_str(e->oid);
			printf(",\"major_version\":%u,\"minor_version\":%u,\"pend_all\":%s,"
			       "\"ca\":%s}", e->major, e->minor, pend ? "true" : "false",
			       ca ? "true" : "false");
		} else {
			printf("%s  v%u.%u  %s%s%s  %s\n", e->name, e->major, e->minor, e->oid,
			       pend ? "  pend_all" : "", ca ? "  ca" : "", e->display);
		}
	}
	if (c->cmd->json)
		printf("]\n");
	return 0;
}

static int t_show(struct console *c)
{
	static struct adm_tmpl_text_is t;
	static struct template parsed;
	struct adm_tmpl_name q;
	struct ipc_wbuf w;
	struct ipc_msg m;
	char err[512];
	int rc;

	memcpy(q.token, c->token, ADM_TOKEN_LEN);
	snprintf(q.name, sizeof(q.name), "%s", c->cmd->name);
	ipc_wbuf_init(&w);
	adm_tmpl_name_encode(&w, &q);
	if ((rc = con_call(c, ADM_TMPL_SHOW, &w, ADM_TMPL_TEXT, &m)) != 0)
		return rc;
	rc = adm_tmpl_text_is_decode(m.data, m.hdr.len, &t);
	ipc_msg_free(&m);
	if (rc != 0)
		return adm_failx("malformed answer from the CA");
	if (!c->cmd->json) {
		fputs(t.text, stdout);
		return 0;
	}
	if (template_parse(t.text, strlen(t.text), &parsed, err, sizeof(err)) != 0)
		return adm_failx("the CA sent a template that does not read: %s", err);
	return print_json(t.text);
}

/* add NAME --from FILE: the file read whole, at most TEMPLATE_TEXT_MAX bytes
 * (the CA parses and checks it; a NUL in it is refused here, as the channel's
 * strings cannot carry one). */
static int add_request(struct console *c, struct adm_tmpl_text *q)
{
	unsigned char *data = NULL;
	size_t len = 0;

	if (file_read_all(c->cmd->tmpl_file, TEMPLATE_TEXT_MAX, &data, &len) != 0)
		return errno == EFBIG
			       ? adm_failx("%s: not a regular file, or larger than %d bytes (a "
					   "template's text is at most that)", c->cmd->tmpl_file,
					   TEMPLATE_TEXT_MAX)
			       : adm_failx("%s: %s", c->cmd->tmpl_file, strerror(errno));
	if (len == 0 || memchr(data, 0, len) != NULL) {
		free(data);
		return adm_failx("%s: %s", c->cmd->tmpl_file,
				 len == 0 ? "empty" : "holds a NUL byte: not a template's text");
	}
	memcpy(q->text, data, len);
	q->text[len] = 0;
	free(data);
	return 0;
}

/* add, set and del (q holds add's text already): the CA answers ADM_OK with
 * what it did. */
static int t_change(struct console *c, struct adm_tmpl_text *q)
{
	struct adm_tmpl_name d;
	struct ipc_wbuf w;

	if (c->cmd->sub == ADM_SUB_DEL) {
		memcpy(d.token, c->token, ADM_TOKEN_LEN);
		snprintf(d.name, sizeof(d.name), "%s", c->cmd->name);
		ipc_wbuf_init(&w);
		adm_tmpl_name_encode(&w, &d);
		return con_simple(c, ADM_TMPL_DEL, &w);
	}
	snprintf(q->name, sizeof(q->name), "%s", c->cmd->name);
	if (c->cmd->sub == ADM_SUB_SET)
		snprintf(q->text, sizeof(q->text), "%s", c->cmd->tmpl_assign);
	memcpy(q->token, c->token, ADM_TOKEN_LEN);
	ipc_wbuf_init(&w);
	adm_tmpl_text_encode(&w, q);
	explicit_bzero(q->token, sizeof(q->token));
	return con_simple(c, c->cmd->sub == ADM_SUB_ADD ? ADM_TMPL_ADD : ADM_TMPL_SET, &w);
}

int console_template(struct console *c)
{
	static struct adm_tmpl_text q;
	int rc;

	/* add's file is read before the session (a login may prompt): a file that
	 * cannot be read costs no login. */
	memset(&q, 0, sizeof(q));
	if (c->cmd->sub == ADM_SUB_ADD && (rc = add_request(c, &q)) != 0)
		return rc;
	if ((rc = load_session(c)) != 0)
		return rc;
	switch (c->cmd->sub) {
	case ADM_SUB_LIST: return t_list(c);
	case ADM_SUB_SHOW: return t_show(c);
	default: return t_change(c, &q);
	}
}
