/* caadm's command line: argv into a struct adm_cmd (admin.h), or the exact text
 * and exit status of a refusal. Pure: no I/O, no globals, no exit; the verbs
 * that read files or descriptors do so when they run.
 *
 * The refusals are the ones caadm has always printed, in the order it checked
 * them: a usage text (exit 2 for the data-directory verbs and `account`, 4 for
 * the console's), "caadm: fatal: ..." where caadm used fatal (exit 1), and the
 * console's one-line refusals (exit 4). */
#include "firmware/admin/admin.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config.h"
#include "firmware/custodian/admin_proto.h"
#include "firmware/identity/attrs.h"
#include "platform/conf.h"
#include "platform/errbuf.h"
#include "platform/hex.h"

#define FD_MAX (1u << 20) /* as conf_arg_fd */
#define ACCOUNT_PART_MAX IDENTITY_PART_MAX /* the domain and the user of an account */

const char adm_usage_text[] =
	"usage: caadm init --root|--subordinate [--data DIR] [--subject DN]\n"
	"                  [--key rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384] [--days N]\n"
	"                  [--xchg-days N] [--out REQ.pem] [--module SO] [--token LABEL]\n"
	"                  [--softhsm-conf FILE] [--cdp URL] [--aia URL] [--ocsp URL]\n"
	"                  [--pin-fd N | --pin-file FILE] [--admin NAME\n"
	"                  --admin-passphrase-fd N | --admin-passphrase-file F]\n"
	"       caadm install-cert FILE [--chain PARENTS.pem] [--data DIR] [PIN]\n"
	"       caadm check [--data DIR] [--pin-fd N | --pin-file FILE]\n"
	"       caadm status [--data DIR]\n"
	"       caadm verify [--data DIR] [--checkpoint FILE [--ca-cert FILE] |\n"
	"                    --pin-fd N | --pin-file FILE]\n"
	"       caadm checkpoint [--data DIR] [--out FILE] [--reanchor]\n"
	"                        [--pin-fd N | --pin-file FILE]\n"
	"       caadm operator-init NAME [--data DIR] [--passphrase-fd N|--passphrase-file F]\n"
	"       caadm [--data DIR] [--operator NAME ...] login|logout|operator|view|\n"
	"             setextension|resubmit|deny|revoke|unrevoke|crl|getprop|setprop|audit|\n"
	"             template\n"
	"             (caadm [--data DIR] help-console for their options)\n"
	"       caadm account add|set|show|del|list|passwd|disable|enable [--data DIR] ...\n"
	"             (caadm account)\n"
	"       caadm kerberos keytab add FILE | keytab del | keytab show [--json] [--data DIR] ...\n"
	"             (caadm kerberos)\n"
	"defaults: --data " CONFIG_DATA_DIR ", key and subject from the build configuration\n";

const char adm_console_usage_text[] =
	"usage: caadm [--data DIR] [--operator NAME [--passphrase-fd N | --passphrase-file F]] VERB\n"
	"  login NAME | logout\n"
	"  operator add NAME --role admin|officer|auditor [NEWPASS] | del NAME |\n"
	"           passwd NAME [NEWPASS] | roles NAME --role admin|officer|auditor | list\n"
	"     NEWPASS: --new-passphrase-fd N | --new-passphrase-file F (default: prompt)\n"
	"  view [--pending|--issued|--denied|--failed|--revoked] [--restrict COL<op>VAL]...\n"
	"       [--out COL,COL..] [--json]\n"
	"  setextension ID OID FLAGS @DERFILE|hex:HEX   resubmit ID   deny ID\n"
	"  revoke SERIAL [REASON] [--date YYYY-MM-DD[THH:MM:SS]] [--invalidity DATE]\n"
	"  unrevoke SERIAL   crl [--delta]   getprop NAME [--out FILE]   setprop NAME VALUE\n"
	"  audit [--verify] [--type TYPE] [--actor NAME] [--since DATE]\n"
	"  template list [--json] | show NAME [--json] | add NAME --from FILE |\n"
	"           set NAME FIELD=VALUE... (FIELD= removes an optional field) | del NAME\n";

const char adm_account_usage_text[] =
	"usage: caadm account add [--data DIR] [--password-fd N | --no-password] [ATTRS]\n"
	"                         DOMAIN\\user\n"
	"       caadm account set [--data DIR] [ATTRS] [--clear upn|email|dns|sid|groups|all]...\n"
	"                         DOMAIN\\user\n"
	"       caadm account show [--data DIR] [--json] DOMAIN\\user\n"
	"       caadm account passwd [--data DIR] [--password-fd N] DOMAIN\\user\n"
	"       caadm account del|disable|enable [--data DIR] DOMAIN\\user\n"
	"       caadm account list [--data DIR]\n"
	"  ATTRS: [--upn U] [--email E] [--dns D] [--sid S-1-...] [--group G]...\n"
	"         (--group replaces the group list with the ones given)\n";

const char adm_kerberos_usage_text[] =
	"usage: caadm kerberos keytab add [--data DIR] [JOURNAL] FILE\n"
	"       caadm kerberos keytab del [--data DIR] [JOURNAL]\n"
	"       caadm kerberos keytab show [--data DIR] [--json]   (or: caadm kerberos show)\n"
	"  FILE: a keytab of one service principal (host/NAME@REALM) with AES keys;\n"
	"        installed as DATA/auth/krb5.keytab, the key ca-auth accepts Kerberos with\n"
	"  JOURNAL: the change is journaled by the running CA first, in the session of\n"
	"        [--operator NAME [--passphrase-fd N | --passphrase-file F]] (an\n"
	"        administrator), else of caadm login; --unjournaled: the CA is not\n"
	"        running and the change is made without a record\n";

/* The parser's output buffer and the command being filled. */
struct parse {
	struct adm_cmd *cmd;
	char *err;
	size_t errlen;
};

/* A refusal: its text into p->err, its exit status returned. */
__attribute__((format(printf, 3, 4)))
static int refuse(struct parse *p, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return status;
}

static int usage(struct parse *p)
{
	return refuse(p, ADM_EXIT_USAGE, "%s", adm_usage_text);
}

static int con_usage(struct parse *p)
{
	return refuse(p, ADM_EXIT_CON_USAGE, "%s", adm_console_usage_text);
}

static int account_usage(struct parse *p)
{
	return refuse(p, ADM_EXIT_USAGE, "%s", adm_account_usage_text);
}

/* A descriptor number (1..2^20), refused as conf_arg_fd's fatal was worded. */
static int parse_fd(struct parse *p, const char *s, int *fd)
{
	unsigned v;

	if (conf_parse_uint(s, FD_MAX, &v) != 0)
		return refuse(p, ADM_EXIT_FAILED,
			      "caadm: fatal: a descriptor number must be a number from 1 to %u\n",
			      FD_MAX);
	*fd = (int)v;
	return 0;
}

/* The value of the first "--data X" among argv[1..], or the default: how the
 * verbs that pass their options on to a tool find the data directory. */
static const char *data_dir(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--data") == 0)
			return argv[i + 1];
	return CONFIG_DATA_DIR;
}

/* ---- the data-directory verbs (argv[0] is the verb) ---- */

/* init: --root|--subordinate and the first administrator's options are caadm's;
 * every other argument goes to `ca-custodian ceremony KIND`. */
static int parse_init(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;
	int rc;

	cmd->args[1] = "ceremony";
	cmd->n_args = 3; /* args[2]: the kind, once known */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--root") == 0 || strcmp(argv[i], "--subordinate") == 0) {
			if (cmd->kind != NULL)
				return usage(p);
			cmd->kind = argv[i] + 2;
		} else if (strcmp(argv[i], "--admin") == 0 && i + 1 < argc) {
			cmd->admin = argv[++i];
		} else if (strcmp(argv[i], "--admin-passphrase-fd") == 0 && i + 1 < argc) {
			if ((rc = parse_fd(p, argv[++i], &cmd->admin_pass.fd)) != 0)
				return rc;
		} else if (strcmp(argv[i], "--admin-passphrase-file") == 0 && i + 1 < argc) {
			cmd->admin_pass.file = argv[++i];
		} else if (cmd->n_args < ADM_MAX_ARGS) {
			cmd->args[cmd->n_args++] = argv[i];
		} else {
			return usage(p);
		}
	}
	if (cmd->kind == NULL)
		return usage(p);
	cmd->args[2] = cmd->kind;
	/* Any of the administrator's options asks for one, named "admin" by default. */
	if (cmd->admin == NULL && (cmd->admin_pass.fd >= 0 || cmd->admin_pass.file != NULL))
		cmd->admin = "admin";
	cmd->dir = data_dir(argc, argv);
	return 0;
}

/* install-cert FILE: every option takes a value and goes to ca-custodian with
 * it; the one operand becomes --cert FILE. */
static int parse_install_cert(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;

	cmd->args[1] = "install-cert";
	cmd->n_args = 2;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			if (cmd->cert_file != NULL)
				return usage(p);
			cmd->cert_file = argv[i];
		} else if (i + 1 < argc && cmd->n_args + 2 < ADM_MAX_ARGS) {
			cmd->args[cmd->n_args++] = argv[i];
			cmd->args[cmd->n_args++] = argv[++i];
		} else {
			return usage(p);
		}
	}
	if (cmd->cert_file == NULL || cmd->n_args + 2 > ADM_MAX_ARGS)
		return usage(p);
	cmd->args[cmd->n_args++] = "--cert";
	cmd->args[cmd->n_args++] = cmd->cert_file;
	cmd->dir = data_dir(argc, argv);
	return 0;
}

/* check and verify hand their arguments to the tool (which checks them), up to
 * ADM_MAX_ARGS in all. */
static int parse_pass_through(struct parse *p, const char *verb, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;

	cmd->args[1] = verb;
	cmd->n_args = 2;
	for (int i = 1; i < argc && cmd->n_args < ADM_MAX_ARGS; i++)
		cmd->args[cmd->n_args++] = argv[i];
	return 0;
}

static int parse_status(struct parse *p, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			p->cmd->dir = argv[++i];
		else
			return usage(p);
	}
	return 0;
}

/* operator-init NAME [--data DIR] [--passphrase-fd N | --passphrase-file F] */
static int parse_operator_init(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;
	int rc;

	cmd->dir = data_dir(argc, argv);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
			i++;
		} else if (strcmp(argv[i], "--passphrase-fd") == 0 && i + 1 < argc) {
			if ((rc = parse_fd(p, argv[++i], &cmd->secret.fd)) != 0)
				return rc;
		} else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc) {
			cmd->secret.file = argv[++i];
		} else if (argv[i][0] != '-' && cmd->name == NULL) {
			cmd->name = argv[i];
		} else {
			return usage(p);
		}
	}
	return cmd->name == NULL ? usage(p) : 0;
}

/* ---- account ---- */

/* A domain or user name: 1..64 octets of printable ASCII or UTF-8, none of the
 * file's separators (':' '\\'), no '#' first, no blanks at the ends (the
 * account file's format, firmware/auth/README.md): firmware/identity's rule,
 * which the attributes file applies too. */
static int account_name_ok(const char *name)
{
	return id_account_name_ok(name);
}

static enum adm_sub account_sub(const char *verb)
{
	return strcmp(verb, "add") == 0      ? ADM_SUB_ADD
	       : strcmp(verb, "del") == 0    ? ADM_SUB_DEL
	       : strcmp(verb, "list") == 0   ? ADM_SUB_LIST
	       : strcmp(verb, "passwd") == 0 ? ADM_SUB_PASSWD
	       : strcmp(verb, "disable") == 0 ? ADM_SUB_DISABLE
	       : strcmp(verb, "enable") == 0  ? ADM_SUB_ENABLE
	       : strcmp(verb, "set") == 0     ? ADM_SUB_SET
	       : strcmp(verb, "show") == 0    ? ADM_SUB_SHOW
					      : ADM_SUB_NONE;
}

/* --password-fd N: 0 (standard input, as the tests and scripts pipe it) to
 * FD_MAX; anything else, a non-number included, is refused (strtol read one as
 * descriptor 0: the password came from wherever standard input was). */
static int parse_account_fd(struct parse *p, const char *s, int *fd)
{
	if (strcmp(s, "0") == 0) {
		*fd = 0;
		return 0;
	}
	return parse_fd(p, s, fd);
}

/* --upn V, --email V, --dns V, --sid V, --group G: the attribute an option
 * names (-1: none). */
static int attr_option(const char *opt)
{
	if (strncmp(opt, "--", 2) != 0 || strcmp(opt + 2, "clear") == 0)
		return -1;
	return id_attr_from_name(opt + 2);
}

/* One attribute option's value, checked, into cmd->attrs. */
static int take_attr(struct parse *p, int k, const char *v)
{
	struct adm_cmd *cmd = p->cmd;
	char why[256];
	char *dst;

	if (k == ID_ATTR_GROUP) {
		if (id_attrs_add_group(&cmd->attrs, v, why, sizeof(why)) != 0)
			return refuse(p, ADM_EXIT_FAILED, "caadm: fatal: --group '%s': %s\n", v, why);
		cmd->attr_set |= 1u << k;
		return 0;
	}
	if (cmd->attr_set & (1u << k))
		return refuse(p, ADM_EXIT_USAGE, "%s", adm_account_usage_text);
	if (id_attr_check((enum id_attr)k, v, why, sizeof(why)) != 0)
		return refuse(p, ADM_EXIT_FAILED, "caadm: fatal: --%s '%s': %s\n",
			      id_attr_name((enum id_attr)k), v, why);
	dst = k == ID_ATTR_UPN     ? cmd->attrs.upn
	      : k == ID_ATTR_EMAIL ? cmd->attrs.email
	      : k == ID_ATTR_DNS   ? cmd->attrs.dns
				   : cmd->attrs.sid;
	snprintf(dst, k == ID_ATTR_SID ? sizeof(cmd->attrs.sid) : sizeof(cmd->attrs.upn), "%s", v);
	cmd->attr_set |= 1u << k;
	return 0;
}

/* --clear upn|email|dns|sid|groups|all: the attributes account set removes. */
static int take_clear(struct parse *p, const char *v)
{
	int k = strcmp(v, "groups") == 0 ? ID_ATTR_GROUP
		: strcmp(v, "group") == 0 ? -1 /* the list's name is plural */
					  : id_attr_from_name(v);

	if (strcmp(v, "all") == 0) {
		p->cmd->attr_clear |= ADM_ATTRS_ALL;
		return 0;
	}
	if (k < 0)
		return refuse(p, ADM_EXIT_USAGE, "%s", adm_account_usage_text);
	p->cmd->attr_clear |= 1u << k;
	return 0;
}

/* What each sub-verb may be given beyond --data and the name: --password-fd
 * (add, passwd, as always: the others ignore it), attributes (add, set),
 * --clear (set), --json (show). set must change something, and --clear X with
 * --X (or --group) is refused: which would win is not obvious. */
static int account_options_fit(const struct adm_cmd *cmd)
{
	if (cmd->attr_set != 0 && cmd->sub != ADM_SUB_ADD && cmd->sub != ADM_SUB_SET)
		return 0;
	if (cmd->attr_clear != 0 && cmd->sub != ADM_SUB_SET)
		return 0;
	if (cmd->json && cmd->sub != ADM_SUB_SHOW)
		return 0;
	/* --no-password: add only, and no descriptor to read one from */
	if (cmd->no_password && (cmd->sub != ADM_SUB_ADD || cmd->secret.fd >= 0))
		return 0;
	if (cmd->sub == ADM_SUB_SET &&
	    ((cmd->attr_set | cmd->attr_clear) == 0 || (cmd->attr_set & cmd->attr_clear) != 0))
		return 0;
	return 1;
}

/* account add|set|show|del|list|passwd|disable|enable [--data DIR] [--password-fd N]
 * [attribute options] [--clear A]... [--json] [DOMAIN\user]. The name is checked
 * before the sub-verb, as caadm always did; an attribute's value when its
 * option is read. */
static int parse_account(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;

	if (argc < 2)
		return account_usage(p);
	for (int i = 2; i < argc; i++) {
		int rc, k;

		if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
			cmd->dir = argv[++i];
		else if (strcmp(argv[i], "--password-fd") == 0 && i + 1 < argc) {
			if ((rc = parse_account_fd(p, argv[++i], &cmd->secret.fd)) != 0)
				return rc;
		} else if ((k = attr_option(argv[i])) >= 0 && i + 1 < argc) {
			if ((rc = take_attr(p, k, argv[++i])) != 0)
				return rc;
		} else if (strcmp(argv[i], "--clear") == 0 && i + 1 < argc) {
			if ((rc = take_clear(p, argv[++i])) != 0)
				return rc;
		} else if (strcmp(argv[i], "--json") == 0)
			cmd->json = 1;
		else if (strcmp(argv[i], "--no-password") == 0)
			cmd->no_password = 1;
		else if (argv[i][0] != '-' && cmd->name == NULL)
			cmd->name = argv[i];
		else
			return account_usage(p);
	}
	cmd->sub = account_sub(argv[1]);
	if (cmd->sub == ADM_SUB_LIST)
		return cmd->name != NULL || !account_options_fit(cmd) ? account_usage(p) : 0;
	if (cmd->name == NULL)
		return account_usage(p);
	if (!account_name_ok(cmd->name))
		return refuse(p, ADM_EXIT_FAILED,
			      "caadm: fatal: '%s': give the account as DOMAIN\\user (each part "
			      "1..%d characters, no ':', '\\\\', '/', '@' or control characters)\n",
			      cmd->name, ACCOUNT_PART_MAX);
	return cmd->sub == ADM_SUB_NONE || !account_options_fit(cmd) ? account_usage(p) : 0;
}

/* ---- kerberos ---- */

static int kerberos_usage(struct parse *p)
{
	return refuse(p, ADM_EXIT_USAGE, "%s", adm_kerberos_usage_text);
}

/* kerberos keytab add [--data DIR] [JOURNAL] FILE | keytab del [--data DIR]
 * [JOURNAL] | keytab show [--data DIR] [--json], and "kerberos show" for the
 * last (argv[0] is "kerberos"). JOURNAL: --operator NAME [--passphrase-fd N |
 * --passphrase-file F] or --unjournaled (not both), add and del only. Options
 * and FILE in any order after the sub-verb, as account takes them; --json only
 * for show, FILE only (and always) for add. */
static int kerberos_option(struct parse *p, int argc, char **argv, int *i)
{
	struct adm_cmd *cmd = p->cmd;
	int change = cmd->sub == ADM_SUB_ADD || cmd->sub == ADM_SUB_DEL;

	if (strcmp(argv[*i], "--data") == 0 && *i + 1 < argc)
		cmd->dir = argv[++*i];
	else if (strcmp(argv[*i], "--json") == 0 && cmd->sub == ADM_SUB_SHOW)
		cmd->json = 1;
	else if (strcmp(argv[*i], "--unjournaled") == 0 && change)
		cmd->unjournaled = 1;
	else if (strcmp(argv[*i], "--operator") == 0 && *i + 1 < argc && change &&
		 cmd->operator_name == NULL)
		cmd->operator_name = argv[++*i];
	else if (strcmp(argv[*i], "--passphrase-fd") == 0 && *i + 1 < argc && change)
		return parse_fd(p, argv[++*i], &cmd->operator_pass.fd);
	else if (strcmp(argv[*i], "--passphrase-file") == 0 && *i + 1 < argc && change)
		cmd->operator_pass.file = argv[++*i];
	else if (strcmp(argv[*i], "--") == 0 && *i + 2 == argc && cmd->sub == ADM_SUB_ADD &&
		 cmd->keytab_file == NULL)
		cmd->keytab_file = argv[++*i]; /* a FILE that starts with '-' */
	else if (argv[*i][0] != '-' && argv[*i][0] != 0 && cmd->sub == ADM_SUB_ADD &&
		 cmd->keytab_file == NULL)
		cmd->keytab_file = argv[*i];
	else
		return kerberos_usage(p);
	return 0;
}

static int parse_kerberos(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;
	int i, rc;

	if (argc >= 2 && strcmp(argv[1], "show") == 0)
		cmd->sub = ADM_SUB_SHOW;
	else if (argc >= 3 && strcmp(argv[1], "keytab") == 0)
		cmd->sub = strcmp(argv[2], "add") == 0    ? ADM_SUB_ADD
			   : strcmp(argv[2], "del") == 0  ? ADM_SUB_DEL
			   : strcmp(argv[2], "show") == 0 ? ADM_SUB_SHOW
							  : ADM_SUB_NONE;
	if (cmd->sub == ADM_SUB_NONE)
		return kerberos_usage(p);
	for (i = strcmp(argv[1], "show") == 0 ? 2 : 3; i < argc; i++)
		if ((rc = kerberos_option(p, argc, argv, &i)) != 0)
			return rc;
	/* a passphrase without its operator, or an operator with --unjournaled */
	if ((cmd->operator_name == NULL &&
	     (cmd->operator_pass.fd >= 0 || cmd->operator_pass.file != NULL)) ||
	    (cmd->operator_name != NULL && cmd->unjournaled) ||
	    (cmd->operator_pass.fd >= 0 && cmd->operator_pass.file != NULL))
		return kerberos_usage(p);
	return cmd->sub == ADM_SUB_ADD && cmd->keytab_file == NULL ? kerberos_usage(p) : 0;
}

/* ---- the console's verbs (argv[0] is the verb) ---- */

/* An operator's name: at most OPERATOR_NAME_MAX bytes. */
static int op_name(struct parse *p, const char *name)
{
	if (strlen(name) > OPERATOR_NAME_MAX)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: not an operator name\n", name);
	p->cmd->name = name;
	return 0;
}

static int parse_login(struct parse *p, int argc, char **argv)
{
	if (argc != 2)
		return con_usage(p);
	/* login's own check, worded as the fatal it was */
	if (strlen(argv[1]) > OPERATOR_NAME_MAX)
		return refuse(p, ADM_EXIT_FAILED, "caadm: fatal: %s: not an operator name\n", argv[1]);
	p->cmd->name = argv[1];
	return 0;
}

static int parse_logout(struct parse *p, int argc)
{
	return argc != 1 ? con_usage(p) : 0;
}

/* The new passphrase of operator add/passwd, from argv[from..]: nothing (the
 * terminal), --new-passphrase-fd N or --new-passphrase-file F (never argv). */
static int parse_new_passphrase(struct parse *p, int argc, char **argv, int from)
{
	if (from == argc)
		return 0;
	if (from + 2 == argc && strcmp(argv[from], "--new-passphrase-fd") == 0)
		return parse_fd(p, argv[from + 1], &p->cmd->secret.fd);
	if (from + 2 == argc && strcmp(argv[from], "--new-passphrase-file") == 0) {
		p->cmd->secret.file = argv[from + 1];
		return 0;
	}
	return con_usage(p);
}

/* operator list | del NAME | add NAME --role ROLES [NEWPASS] | passwd NAME [NEWPASS] |
 * roles NAME --role ROLE (the CA checks that there is one role) */
static int parse_operator(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;
	int rc;

	if (argc < 2)
		return con_usage(p);
	if (strcmp(argv[1], "list") == 0 && argc == 2) {
		cmd->sub = ADM_SUB_LIST;
		return 0;
	}
	if (argc < 3)
		return con_usage(p);
	if (strcmp(argv[1], "del") == 0 && argc == 3) {
		cmd->sub = ADM_SUB_DEL;
		return op_name(p, argv[2]);
	}
	if (strcmp(argv[1], "roles") == 0) {
		cmd->sub = ADM_SUB_ROLES;
		if (argc != 5 || strcmp(argv[3], "--role") != 0 ||
		    operator_roles_parse(argv[4], &cmd->roles) != 0)
			return con_usage(p);
		return op_name(p, argv[2]);
	}
	if (strcmp(argv[1], "add") == 0) {
		cmd->sub = ADM_SUB_ADD;
		if (argc < 5 || strcmp(argv[3], "--role") != 0 ||
		    operator_roles_parse(argv[4], &cmd->roles) != 0)
			return con_usage(p);
	} else if (strcmp(argv[1], "passwd") == 0) {
		cmd->sub = ADM_SUB_PASSWD;
	} else {
		return con_usage(p);
	}
	if ((rc = parse_new_passphrase(p, argc, argv, cmd->sub == ADM_SUB_ADD ? 5 : 3)) != 0)
		return rc;
	return op_name(p, argv[2]);
}

/* One restriction more for view: "at most" is refused before the table fills. */
static int add_restriction(struct parse *p, const char *option, const char *text)
{
	struct view_query *q = &p->cmd->query;
	char err[256];

	if (q->n_r == VIEW_MAX_RESTRICTIONS)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: at most %d restrictions\n", option,
			      VIEW_MAX_RESTRICTIONS);
	if (view_parse_restriction(text, &q->r[q->n_r], err, sizeof(err)) != 0)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: %s\n", option, err);
	q->n_r++;
	return 0;
}

/* --pending, --issued, ...: a Disposition restriction (--pending also shows
 * each request's details). 1 if arg is one, 0 if not, or a refusal's status
 * (above 1). */
static int view_disposition(struct parse *p, const char *arg)
{
	static const char *const dispositions[] = {"pending", "issued", "denied", "failed",
						   "revoked"};
	char text[64];
	int rc;

	if (strncmp(arg, "--", 2) != 0)
		return 0;
	for (size_t k = 0; k < sizeof(dispositions) / sizeof(dispositions[0]); k++) {
		if (strcmp(arg + 2, dispositions[k]) != 0)
			continue;
		snprintf(text, sizeof(text), "Disposition==%s", dispositions[k]);
		if ((rc = add_restriction(p, arg, text)) != 0)
			return rc;
		p->cmd->details |= k == 0;
		return 1;
	}
	return 0;
}

/* view [--pending|...] [--restrict COL<op>VAL]... [--out COL,..] [--json] [--details] */
static int parse_view(struct parse *p, int argc, char **argv)
{
	static const uint32_t def[] = {COL_REQUEST_ID, COL_DISPOSITION, COL_REQUESTER,
				       COL_SUBMITTED,  COL_SERIAL,      COL_MESSAGE};
	struct adm_cmd *cmd = p->cmd;
	struct view_query *q = &cmd->query;
	char err[256];
	int rc;

	for (int i = 1; i < argc; i++) {
		if ((rc = view_disposition(p, argv[i])) > 1)
			return rc;
		if (rc == 1)
			continue;
		if (strcmp(argv[i], "--json") == 0) {
			cmd->json = 1;
		} else if (strcmp(argv[i], "--details") == 0) {
			cmd->details = 1;
		} else if (strcmp(argv[i], "--restrict") == 0 && i + 1 < argc) {
			if ((rc = add_restriction(p, "--restrict", argv[++i])) != 0)
				return rc;
		} else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
			if (view_parse_columns(argv[++i], q, err, sizeof(err)) != 0)
				return refuse(p, ADM_EXIT_CON_USAGE, "caadm: --out: %s\n", err);
		} else {
			return con_usage(p);
		}
	}
	if (q->n_columns == 0) {
		memcpy(q->columns, def, sizeof(def));
		q->n_columns = sizeof(def) / sizeof(def[0]);
	}
	q->limit = 1000;
	return 0;
}

/* A request id: 1..2^32-1 in decimal. */
static int parse_id(struct parse *p, const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == 0 || *end != 0 || v == 0 || v > UINT32_MAX)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: not a request id\n", s);
	p->cmd->request_id = (uint32_t)v;
	return 0;
}

/* Hex (':' and spaces ignored) into out; the byte count, or -1 (a digit not
 * hex, an odd count, more than max bytes). */
static long parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (*s == ':' || *s == ' ')
			continue;
		if ((v = hex_value((unsigned char)*s)) < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (long)n : -1;
}

/* resubmit ID, deny ID */
static int parse_request(struct parse *p, int argc, char **argv)
{
	return argc != 2 ? con_usage(p) : parse_id(p, argv[1]);
}

/* setextension ID OID FLAGS @DERFILE|hex:HEX; FLAGS 0..3 (C syntax: 0x2 too).
 * The checks run in caadm's old order: flags, value, id, OID. */
static int parse_setext(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;
	unsigned long flags;
	char *end;
	long n;
	int rc;

	if (argc != 5)
		return con_usage(p);
	flags = strtoul(argv[3], &end, 0);
	if (*end != 0 || flags > 3)
		return con_usage(p);
	cmd->ext_flags = (uint32_t)flags;
	if (argv[4][0] == '@') {
		cmd->value_file = argv[4] + 1;
	} else if (strncmp(argv[4], "hex:", 4) == 0 &&
		   (n = parse_hex(argv[4] + 4, cmd->value, sizeof(cmd->value))) >= 0) {
		cmd->value_len = (size_t)n;
	} else {
		return refuse(p, ADM_EXIT_CON_USAGE,
			      "caadm: the value is @FILE (DER) or hex:HEX (DER)\n");
	}
	if ((rc = parse_id(p, argv[1])) != 0)
		return rc;
	if (strlen(argv[2]) > LEDGER_OID_MAX)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: not an OID\n", argv[2]);
	memcpy(cmd->oid, argv[2], strlen(argv[2]) + 1);
	return 0;
}

/* YYYY-MM-DD[THH:MM:SS[Z]] (UTC) or unix seconds, into *t. */
static int parse_date(struct parse *p, const char *s, int64_t *t)
{
	struct tm tm;
	const char *end;
	char *e;
	long long v = strtoll(s, &e, 10);

	if (*e == 0 && *s != 0) {
		*t = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && *end == 'T')
		end = strptime(end + 1, "%H:%M:%S", &tm);
	if (end != NULL && *end == 'Z')
		end++;
	if (end == NULL || *end != 0)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: not a date\n", s);
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* RFC 5280's CRLReason names, by value (7 is unused). */
static const char *const reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
	"aACompromise",
};

/* A reason: 0..10, or its name in any case. */
static int parse_reason(struct parse *p, const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s != 0 && *end == 0 && v <= 10) {
		p->cmd->reason = (uint32_t)v;
		return 0;
	}
	for (size_t i = 0; i < sizeof(reason_names) / sizeof(reason_names[0]); i++)
		if (reason_names[i] != NULL && strcasecmp(s, reason_names[i]) == 0) {
			p->cmd->reason = (uint32_t)i;
			return 0;
		}
	return refuse(p, ADM_EXIT_CON_USAGE,
		      "caadm: %s: not an RFC 5280 reason (a number or e.g. keyCompromise, "
		      "certificateHold)\n", s);
}

/* revoke SERIAL [REASON] [--date D] [--invalidity D]; unrevoke SERIAL */
static int parse_revoke(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;
	long n;
	int rc = 0;

	if (argc < 2 || (n = parse_hex(argv[1], cmd->serial, sizeof(cmd->serial))) <= 0)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: the serial number is hex, 1..20 bytes\n");
	cmd->serial_len = (size_t)n;
	for (int i = 2; i < argc && rc == 0; i++) {
		if (cmd->verb == CMD_UNREVOKE)
			rc = con_usage(p);
		else if (strcmp(argv[i], "--date") == 0 && i + 1 < argc)
			rc = parse_date(p, argv[++i], &cmd->when);
		else if (strcmp(argv[i], "--invalidity") == 0 && i + 1 < argc)
			rc = parse_date(p, argv[++i], &cmd->invalidity);
		else if (argv[i][0] != '-')
			rc = parse_reason(p, argv[i]);
		else
			rc = con_usage(p);
	}
	return rc;
}

/* crl [--delta] */
static int parse_crl(struct parse *p, int argc, char **argv)
{
	p->cmd->delta = argc == 2 && strcmp(argv[1], "--delta") == 0;
	return argc > 2 || (argc == 2 && !p->cmd->delta) ? con_usage(p) : 0;
}

/* A property's name: at most LEDGER_NAME_MAX bytes. */
static int prop_name(struct parse *p, const char *name)
{
	if (strlen(name) > LEDGER_NAME_MAX)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: not a property name\n", name);
	memcpy(p->cmd->prop, name, strlen(name) + 1);
	return 0;
}

/* getprop NAME [--out FILE] */
static int parse_getprop(struct parse *p, int argc, char **argv)
{
	if (argc != 2 && !(argc == 4 && strcmp(argv[2], "--out") == 0))
		return con_usage(p);
	p->cmd->out_file = argc == 4 ? argv[3] : NULL;
	return prop_name(p, argv[1]);
}

/* setprop NAME VALUE */
static int parse_setprop(struct parse *p, int argc, char **argv)
{
	int rc;

	if (argc != 3)
		return con_usage(p);
	if ((rc = prop_name(p, argv[1])) != 0)
		return rc;
	if (strlen(argv[2]) > ADM_PROP_MAX)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: the value is at most %d bytes\n",
			      ADM_PROP_MAX);
	p->cmd->prop_value = argv[2];
	return 0;
}

/* audit's --since: YYYY-MM-DD[THH:MM:SS[Z]] (UTC); -1 if not. */
static int parse_since(const char *s, int64_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && *end == 'T')
		end = strptime(end + 1, "%H:%M:%S", &tm);
	if (end == NULL || (*end != 0 && strcmp(end, "Z") != 0))
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* audit [--verify] [--type TYPE] [--actor NAME] [--since DATE] */
static int parse_audit(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--verify") == 0)
			cmd->verify = 1;
		else if (strcmp(argv[i], "--type") == 0 && i + 1 < argc)
			cmd->event_type = argv[++i];
		else if (strcmp(argv[i], "--actor") == 0 && i + 1 < argc)
			cmd->actor = argv[++i];
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (parse_since(argv[++i], &cmd->since) != 0)
				return con_usage(p);
		} else
			return con_usage(p);
	}
	if (cmd->event_type != NULL && ledger_type_from_name(cmd->event_type) == 0)
		return refuse(p, ADM_EXIT_CON_USAGE,
			      "caadm: %s: not an event type (e.g. operator-action, cert-revoked)\n",
			      cmd->event_type);
	return 0;
}

/* A template's name: 1..TEMPLATE_NAME_MAX bytes (its characters are the CA's
 * to check, as the file's are). */
static int tmpl_name(struct parse *p, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > TEMPLATE_NAME_MAX)
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: not a template name (1..%d "
			      "bytes)\n", name, TEMPLATE_NAME_MAX);
	p->cmd->name = name;
	return 0;
}

/* A template field's name as FIELD=VALUE gives it: the text form's keys are
 * lower-case letters and '_' (firmware/policy/README.md). */
static int field_ok(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return 0;
	return 1;
}

/* One FIELD=VALUE word of template set appended as a "FIELD = VALUE" line. A
 * value may not hold a control character (a line break would make a second
 * assignment the operator did not write); FIELD once only. */
static int add_assignment(struct parse *p, const char *word, size_t *used)
{
	struct adm_cmd *cmd = p->cmd;
	const char *eq = strchr(word, '=');
	size_t klen = eq != NULL ? (size_t)(eq - word) : 0;
	int n;

	if (eq == NULL || !field_ok(word, klen))
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %s: not FIELD=VALUE (FIELD: a "
			      "template key such as validity_days)\n", word);
	for (const unsigned char *v = (const unsigned char *)eq + 1; *v; v++)
		if (*v < 0x20 || *v == 0x7f)
			return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %.*s: the value holds a "
				      "control character\n", (int)klen, word);
	for (const char *line = cmd->tmpl_assign; *line; line = strchr(line, '\n') + 1)
		if (strncmp(line, word, klen) == 0 && line[klen] == ' ')
			return refuse(p, ADM_EXIT_CON_USAGE, "caadm: %.*s: given twice\n",
				      (int)klen, word);
	n = snprintf(cmd->tmpl_assign + *used, sizeof(cmd->tmpl_assign) - *used, "%.*s = %s\n",
		     (int)klen, word, eq + 1);
	if (n < 0 || (size_t)n >= sizeof(cmd->tmpl_assign) - *used) {
		cmd->tmpl_assign[*used] = 0;
		return refuse(p, ADM_EXIT_CON_USAGE, "caadm: the assignments exceed %d bytes\n",
			      TEMPLATE_TEXT_MAX);
	}
	*used += (size_t)n;
	return 0;
}

/* template list [--json] | show NAME [--json] | add NAME --from FILE |
 * set NAME FIELD=VALUE... | del NAME */
static int parse_template(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;
	const char *sub = argc >= 2 ? argv[1] : "";
	int json = argc >= 2 && strcmp(argv[argc - 1], "--json") == 0;
	size_t used = 0;
	int rc;

	if (strcmp(sub, "list") == 0 && argc == 2 + json) {
		cmd->sub = ADM_SUB_LIST;
		cmd->json = json;
		return 0;
	}
	if (argc < 3)
		return con_usage(p);
	if (strcmp(sub, "show") == 0 && argc == 3 + json) {
		cmd->sub = ADM_SUB_SHOW;
		cmd->json = json;
	} else if (strcmp(sub, "del") == 0 && argc == 3) {
		cmd->sub = ADM_SUB_DEL;
	} else if (strcmp(sub, "add") == 0 && argc == 5 && strcmp(argv[3], "--from") == 0) {
		cmd->sub = ADM_SUB_ADD;
		cmd->tmpl_file = argv[4];
	} else if (strcmp(sub, "set") == 0 && argc >= 4) {
		cmd->sub = ADM_SUB_SET;
		for (int i = 3; i < argc; i++)
			if ((rc = add_assignment(p, argv[i], &used)) != 0)
				return rc;
	} else {
		return con_usage(p);
	}
	return tmpl_name(p, argv[2]);
}

/* ---- the console's global options ---- */

/* The console's global options, which come before the verb. */
static const struct {
	const char *name;
	char key;
} global_opts[] = {
	{"operator", 'o'}, {"passphrase-fd", 'f'}, {"passphrase-file", 'F'}, {"data", 'd'},
};
#define N_GLOBAL_OPTS (sizeof(global_opts) / sizeof(global_opts[0]))

/* The global option arg ("--NAME" or "--NAME=VALUE") names, as getopt_long
 * matches: exactly, or by an unambiguous prefix. Its index, -1 if none, -2 if
 * ambiguous. */
static int global_opt_find(const char *arg)
{
	size_t len = strcspn(arg + 2, "=");
	int found = -1, n = 0;

	for (size_t k = 0; k < N_GLOBAL_OPTS; k++) {
		if (strncmp(global_opts[k].name, arg + 2, len) != 0)
			continue;
		if (strlen(global_opts[k].name) == len)
			return (int)k;
		found = (int)k;
		n++;
	}
	return n > 1 ? -2 : found;
}

/* getopt_long's words for an option it does not take, then the usage. */
static int global_opt_refuse(struct parse *p, const char *prog, const char *arg, int k)
{
	char list[256] = "";
	size_t used = 0;

	if (arg[1] != '-')
		return refuse(p, ADM_EXIT_CON_USAGE, "%s: invalid option -- '%c'\n%s", prog, arg[1],
			      adm_console_usage_text);
	if (k == -1)
		return refuse(p, ADM_EXIT_CON_USAGE, "%s: unrecognized option '%s'\n%s", prog, arg,
			      adm_console_usage_text);
	for (size_t i = 0; i < N_GLOBAL_OPTS; i++)
		if (strncmp(global_opts[i].name, arg + 2, strcspn(arg + 2, "=")) == 0)
			used += (size_t)snprintf(list + used, sizeof(list) - used, " '--%s'",
						 global_opts[i].name);
	return refuse(p, ADM_EXIT_CON_USAGE, "%s: option '%s' is ambiguous; possibilities:%s\n%s",
		      prog, arg, list, adm_console_usage_text);
}

/* One global option's value into the command. */
static int global_opt_set(struct parse *p, char key, const char *value)
{
	struct adm_cmd *cmd = p->cmd;

	switch (key) {
	case 'o': cmd->operator_name = value; return 0;
	case 'f': return parse_fd(p, value, &cmd->operator_pass.fd);
	case 'F': cmd->operator_pass.file = value; return 0;
	default: cmd->dir = value; return 0;
	}
}

/* The global options from argv[1] (getopt_long's rules with "+": they stop at
 * the first operand or after "--"); *verb_at: the index of the verb. */
static int parse_global_opts(struct parse *p, int argc, char **argv, int *verb_at)
{
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != 0; i++) {
		const char *arg = argv[i], *eq, *value;
		int k;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (arg[1] != '-')
			return global_opt_refuse(p, argv[0], arg, -1);
		if ((k = global_opt_find(arg)) < 0)
			return global_opt_refuse(p, argv[0], arg, k);
		if ((eq = strchr(arg, '=')) != NULL)
			value = eq + 1;
		else if (i + 1 < argc)
			value = argv[++i];
		else
			return refuse(p, ADM_EXIT_CON_USAGE, "%s: option '--%s' requires an argument\n%s",
				      argv[0], global_opts[k].name, adm_console_usage_text);
		if ((rc = global_opt_set(p, global_opts[k].key, value)) != 0)
			return rc;
	}
	*verb_at = i;
	return 0;
}

/* ---- dispatch ---- */

static const struct {
	const char *name;
	enum adm_verb verb;
} console_verbs[] = {
	{"login", CMD_LOGIN},	     {"logout", CMD_LOGOUT},	 {"operator", CMD_OPERATOR},
	{"view", CMD_VIEW},	     {"setextension", CMD_SETEXT}, {"resubmit", CMD_RESUBMIT},
	{"deny", CMD_DENY},	     {"revoke", CMD_REVOKE},	 {"unrevoke", CMD_UNREVOKE},
	{"crl", CMD_CRL},	     {"getprop", CMD_GETPROP},	 {"setprop", CMD_SETPROP},
	{"audit", CMD_AUDIT},	     {"template", CMD_TEMPLATE},
};

/* A console verb and its arguments (argv[0] is the verb). */
static int parse_console_verb(struct parse *p, int argc, char **argv)
{
	struct adm_cmd *cmd = p->cmd;

	for (size_t k = 0; k < sizeof(console_verbs) / sizeof(console_verbs[0]); k++)
		if (strcmp(argv[0], console_verbs[k].name) == 0)
			cmd->verb = console_verbs[k].verb;
	switch (cmd->verb) {
	case CMD_LOGIN: return parse_login(p, argc, argv);
	case CMD_LOGOUT: return parse_logout(p, argc);
	case CMD_OPERATOR: return parse_operator(p, argc, argv);
	case CMD_VIEW: return parse_view(p, argc, argv);
	case CMD_SETEXT: return parse_setext(p, argc, argv);
	case CMD_RESUBMIT:
	case CMD_DENY: return parse_request(p, argc, argv);
	case CMD_REVOKE:
	case CMD_UNREVOKE: return parse_revoke(p, argc, argv);
	case CMD_CRL: return parse_crl(p, argc, argv);
	case CMD_GETPROP: return parse_getprop(p, argc, argv);
	case CMD_SETPROP: return parse_setprop(p, argc, argv);
	case CMD_AUDIT: return parse_audit(p, argc, argv);
	case CMD_TEMPLATE: return parse_template(p, argc, argv);
	default: return con_usage(p);
	}
}

/* Everything that is not a data-directory verb is the console's: global
 * options, then the verb. Once there is a verb, cmd->console is set, even if
 * the verb is refused (the caller reaches the CA first). */
static int parse_console(struct parse *p, int argc, char **argv)
{
	int rc, at = 0;

	p->cmd->dir = data_dir(argc, argv);
	if ((rc = parse_global_opts(p, argc, argv, &at)) != 0)
		return rc;
	if (at >= argc)
		return con_usage(p);
	p->cmd->console = 1;
	return parse_console_verb(p, argc - at, argv + at);
}

/* The data-directory verbs and account: caadm's own argv[1]. */
static const struct {
	const char *name;
	enum adm_verb verb;
} local_verbs[] = {
	{"init", CMD_INIT},	    {"install-cert", CMD_INSTALL_CERT}, {"check", CMD_CHECK},
	{"status", CMD_STATUS},	    {"verify", CMD_VERIFY},		{"operator-init", CMD_OPERATOR_INIT},
	{"account", CMD_ACCOUNT},	    {"checkpoint", CMD_CHECKPOINT},
	{"kerberos", CMD_KERBEROS},
};

/* A data-directory verb and its arguments (argv[0] is the verb). */
static int parse_local_verb(struct parse *p, int argc, char **argv)
{
	switch (p->cmd->verb) {
	case CMD_INIT: return parse_init(p, argc, argv);
	case CMD_INSTALL_CERT: return parse_install_cert(p, argc, argv);
	case CMD_CHECK: return parse_pass_through(p, "check", argc, argv);
	case CMD_STATUS: return parse_status(p, argc, argv);
	case CMD_VERIFY: return parse_pass_through(p, "verify", argc, argv);
	case CMD_CHECKPOINT: return parse_pass_through(p, "anchor", argc, argv);
	case CMD_OPERATOR_INIT: return parse_operator_init(p, argc, argv);
	case CMD_KERBEROS: return parse_kerberos(p, argc, argv);
	default: return parse_account(p, argc, argv);
	}
}

int adm_parse(int argc, char **argv, struct adm_cmd *cmd, char *err, size_t errlen)
{
	struct parse p = {.cmd = cmd, .err = err, .errlen = errlen};

	memset(cmd, 0, sizeof(*cmd));
	cmd->dir = CONFIG_DATA_DIR;
	cmd->admin_pass.fd = cmd->secret.fd = cmd->operator_pass.fd = -1;
	if (errlen > 0)
		err[0] = 0;
	if (argc < 2)
		return usage(&p);
	for (size_t k = 0; k < sizeof(local_verbs) / sizeof(local_verbs[0]); k++)
		if (strcmp(argv[1], local_verbs[k].name) == 0) {
			cmd->verb = local_verbs[k].verb;
			return parse_local_verb(&p, argc - 1, argv + 1);
		}
	/* Everything else is a console verb for the running CA. */
	return parse_console(&p, argc, argv);
}
