/* libadmin: caadm, the operators' console tool, as a library. main.c hands argv
 * to caadm_main(); everything else is here and returns its errors (no exit, no
 * fatal): the exit status is main's to give.
 *
 * The command line is parsed first, by adm_parse(), a pure function (no I/O, no
 * globals): argv into a struct adm_cmd, or the exact text caadm prints on
 * stderr for a refusal and the exit status it ends with. The unit tests
 * (tests/unit/test_admin_cli.c) drive it without processes. adm_run() then
 * does the verb: descriptors, files, the HSM through ca-custodian, the running
 * CA over DATA/admin.sock. */
#ifndef ADMIN_ADMIN_H
#define ADMIN_ADMIN_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/identity/attrs.h"
#include "firmware/ledger/event.h"
#include "firmware/ledger/view.h"
#include "firmware/operator/operator.h"
#include "firmware/policy/template.h"

/* Arguments passed on to ca-custodian or ca-ledger (init, install-cert, check,
 * verify), program name and verb included. */
#define ADM_MAX_ARGS 64
/* Room for any refusal adm_parse() reports (the longest is a getopt-style
 * message followed by the console's usage). */
#define ADM_ERR_MAX 2048

/* Exit statuses. The data-directory verbs and `account` end a usage error with
 * 2, the console verbs with 4 (see firmware/admin/README.md). */
#define ADM_EXIT_FAILED 1   /* what fatal() exits with; also: CA unreachable */
#define ADM_EXIT_USAGE 2    /* caadm's own and account's usage */
#define ADM_EXIT_REFUSED 2  /* the CA refused or failed (console verbs) */
#define ADM_EXIT_DENIED 3   /* not allowed or not logged in (console verbs) */
#define ADM_EXIT_CON_USAGE 4

enum adm_verb {
	CMD_NONE = 0,
	/* on the data directory, without the running CA (caadm.c) */
	CMD_INIT,
	CMD_INSTALL_CERT,
	CMD_CHECK,
	CMD_STATUS,
	CMD_VERIFY,
	CMD_CHECKPOINT,
	CMD_OPERATOR_INIT,
	CMD_ACCOUNT, /* account.c */
	CMD_KERBEROS, /* kerberos.c: kerberos keytab add|del|show */
	/* for the running CA (console.c, console_view.c) */
	CMD_LOGIN,
	CMD_LOGOUT,
	CMD_OPERATOR,
	CMD_VIEW,
	CMD_SETEXT,
	CMD_RESUBMIT,
	CMD_DENY,
	CMD_REVOKE,
	CMD_UNREVOKE,
	CMD_CRL,
	CMD_GETPROP,
	CMD_SETPROP,
	CMD_AUDIT,
	CMD_TEMPLATE,
};

/* The sub-verbs of `account` and `operator`. */
/* account disable|enable set or clear the account's D flag (ca-auth refuses it) */
enum adm_sub {
	ADM_SUB_NONE = 0,
	ADM_SUB_ADD,
	ADM_SUB_DEL,
	ADM_SUB_LIST,
	ADM_SUB_PASSWD,
	ADM_SUB_ROLES, /* operator roles NAME --role ROLE */
	ADM_SUB_DISABLE,
	ADM_SUB_ENABLE,
	ADM_SUB_SET,  /* account set NAME: its attributes; template set NAME FIELD=VALUE... */
	ADM_SUB_SHOW, /* account show NAME [--json]; template show NAME */
};

/* account --clear all: every attribute (the bits are 1 << enum id_attr). */
#define ADM_ATTRS_ALL ((1u << ID_ATTR_COUNT) - 1)

/* Where a secret comes from: descriptor fd (>= 0), else file (not NULL), else
 * the terminal. */
struct adm_secret_src {
	int fd;
	const char *file;
};

/* One parsed command line. Strings point into argv. */
struct adm_cmd {
	enum adm_verb verb;
	/* 1: a console command line with a verb word (the CA is reached before a
	 * refusal of the verb is reported) */
	int console;
	/* DATA: --data (for the console: the global option, else the first
	 * "--data X" anywhere in argv, as caadm always read it), or the default. */
	const char *dir;
	/* init, install-cert, check, verify: the tool's argv (args[0] is left for
	 * its path, the list ends before args[n_args]). */
	const char *args[ADM_MAX_ARGS + 4];
	size_t n_args;
	/* init */
	const char *kind; /* "root" or "subordinate" */
	const char *admin; /* the first administrator; NULL: none asked for */
	struct adm_secret_src admin_pass;
	/* install-cert: the certificate's file */
	const char *cert_file;
	/* operator-init, account, login, operator: the operator or account named */
	const char *name;
	enum adm_sub sub;
	/* operator-init: the passphrase; account add/passwd: the password (only
	 * fd is used, -1: the terminal); operator add/passwd: the new passphrase */
	struct adm_secret_src secret;
	uint32_t roles; /* operator add, operator roles */
	/* account add|set: the attributes given, checked (firmware/identity/
	 * attrs.h): attr_set has bit 1 << ID_ATTR_x for each one given (for
	 * ID_ATTR_GROUP: the --group list, which replaces the account's); account
	 * set: attr_clear, those --clear removes. */
	struct id_attrs attrs;
	unsigned attr_set, attr_clear;
	/* the console's global options: log in for this verb as operator */
	const char *operator_name;
	struct adm_secret_src operator_pass;
	/* view, account show */
	struct view_query query;
	int json, details;
	int no_password; /* account add --no-password: a domain account (Kerberos only) */
	/* setextension, resubmit, deny */
	uint32_t request_id;
	char oid[LEDGER_OID_MAX + 1];
	uint32_t ext_flags;
	const char *value_file; /* @FILE: read when the verb runs */
	uint8_t value[LEDGER_TEXT_MAX];
	size_t value_len;
	/* revoke, unrevoke */
	uint8_t serial[LEDGER_SERIAL_MAX];
	size_t serial_len;
	uint32_t reason;
	int64_t when, invalidity; /* 0: now / none */
	/* crl */
	int delta;
	/* getprop, setprop */
	char prop[LEDGER_NAME_MAX + 1];
	const char *out_file;   /* getprop --out */
	const char *prop_value; /* setprop */
	/* audit */
	int verify;
	const char *event_type, *actor;
	int64_t since;
	/* template list|show NAME|add NAME --from FILE|set NAME FIELD=VALUE...|del NAME
	 * (the name in name; list and show take --json) */
	const char *tmpl_file; /* add --from: read (at most TEMPLATE_TEXT_MAX bytes)
				* when the verb runs */
	/* set: the FIELD=VALUE words as "FIELD = VALUE" lines, in their order */
	char tmpl_assign[TEMPLATE_TEXT_MAX + 1];
	/* kerberos keytab add FILE (sub ADM_SUB_ADD; del: ADM_SUB_DEL; show:
	 * ADM_SUB_SHOW, with json) */
	const char *keytab_file;
	/* kerberos keytab add|del --unjournaled: made though the CA is not running
	 * (its journal cannot record it); otherwise the change is journaled through
	 * the running CA in the session of operator_name or of caadm login */
	int unjournaled;
};

/* Parses caadm's argv into cmd. Returns 0, or the exit status of a refusal with
 * err holding what caadm prints on stderr for it (NUL-terminated; give
 * ADM_ERR_MAX bytes). A console verb's refusal also sets cmd->verb, so that the
 * caller reaches the CA first (see caadm_main). */
int adm_parse(int argc, char **argv, struct adm_cmd *cmd, char *err, size_t errlen);

/* The verbs, given a parsed command; each returns the exit status, having
 * printed its output and any error. */
int adm_run_local(const struct adm_cmd *cmd);     /* caadm.c */
int adm_run_account(const struct adm_cmd *cmd);   /* account.c */
int adm_run_kerberos(const struct adm_cmd *cmd);  /* kerberos.c */
/* A console verb: reaches the CA, then reports parse_rc/err if the parse
 * refused (the CA's reachability is reported first, as caadm always did), else
 * runs the verb. console.c */
int adm_run_console(const struct adm_cmd *cmd, int parse_rc, const char *err);

/* For the library's files: a failure printed as fatalx() printed it
 * ("caadm: fatal: ..."), returned as ADM_EXIT_FAILED instead of exiting. */
int adm_failx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* caadm: argv to exit status (parse, then run). */
int caadm_main(int argc, char **argv);

/* The usage texts adm_parse() reports (exact, for the tests). */
extern const char adm_usage_text[];
extern const char adm_console_usage_text[];
extern const char adm_account_usage_text[];
extern const char adm_kerberos_usage_text[];

#endif
