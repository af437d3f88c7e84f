/* careq as a library (issue 20): its command line parsed into a struct with no
 * side effect (cli.c), and its verbs run from that struct (careq.c). main.c is
 * argv -> careq_main -> exit status; nothing here exits, so the unit tests drive
 * every refusal and every report in-process. */
#ifndef CLIENT_CAREQ_H
#define CLIENT_CAREQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "firmware/client/client.h"

#define CAREQ_DEFAULT_KEY "rsa:2048"
#define CAREQ_DEFAULT_TIMEOUT_S 30
#define CAREQ_MAX_TIMEOUT_S 3600

/* The synopsis (printed after every usage error) and the rest of -help. */
extern const char careq_synopsis[];
extern const char careq_details[];

enum careq_verb {
	CAREQ_VERB_NEW = 1,
	CAREQ_VERB_SUBMIT,
	CAREQ_VERB_RETRIEVE,
	CAREQ_VERB_RENEW,
	CAREQ_VERB_GETCAPROP, /* DCOM only: ICertRequestD2::GetCAProperty */
};

/* What careq_parse made of a command line. */
enum careq_args {
	CAREQ_ARGS_OK = 0,
	CAREQ_ARGS_HELP,  /* -help and its synonyms: the help text on stdout, exit 0 */
	CAREQ_ARGS_USAGE, /* a misuse: "careq: MSG", the synopsis, exit 4 */
	CAREQ_ARGS_LOCAL, /* a value careq cannot use (-config, the CA name, -attrib):
			   * "careq: MSG" alone, exit 4 */
};

/* A parsed command line. The strings point into argv; the UTF-16 buffers are
 * the struct's own (careq_opts_free). */
struct careq_opts {
	enum careq_verb verb;
	const char *subject, *key, *config, *attrib, *user, *password_file;
	const char *on_behalf, *agent_cert, *agent_key; /* submit: enroll on behalf of */
	const char *fullresponse, *crls; /* submit, renew, retrieve: files for what comes back */
	uint32_t flags;                  /* dwFlags: CR_IN_FULLRESPONSE, CR_IN_CRLS */
	unsigned timeout_s, frag;
	int net_opts;         /* -timeout or -frag given */
	int dcom;             /* -dcom: MS-WCCE over DCOM (ICertRequestD2) instead of MS-ICPR */
	const char *out_file; /* getcaprop: -out FILE for a binary value (DER) */
	int32_t prop_id;      /* getcaprop: PROP (CR_PROP_*) */
	int32_t prop_index;   /* getcaprop: INDEX (default 0) */
	const char *arg[4];   /* new: KEYOUT REQOUT; submit: REQ CERTOUT; retrieve: ID CERTOUT;
			       * renew: CERT KEY NEWKEYOUT CERTOUT */
	int nargs;
	struct keyspec keyspec;      /* new, renew: -key, or CAREQ_DEFAULT_KEY */
	uint32_t request_id;         /* retrieve: ID */
	struct enroll_target target; /* submit, retrieve, renew: -config, -timeout, -frag */
	uint8_t *ca16;               /* submit, retrieve: the CA name, UTF-16LE + NUL unit */
	size_t ca16_bytes;           /* octets of ca16, the NUL unit included */
	uint8_t *attrib16;           /* submit: -attrib unescaped, UTF-16LE + NUL; NULL if none */
	size_t attrib16_bytes;
};

/* A property name of getcaprop (CANAME, CASIGCERT, ... : CR_PROP_ without
 * its prefix, any case) or a decimal id, into its CR_PROP_* id; 0 if unknown. */
int32_t careq_prop_id(const char *name);

/* argv (argv[0] the program) into *o, with every check careq makes before it
 * touches a file or the network, in the order careq has always made them (the
 * first failure is the one reported). CAREQ_ARGS_OK (free o with
 * careq_opts_free), CAREQ_ARGS_HELP, or CAREQ_ARGS_USAGE / CAREQ_ARGS_LOCAL with
 * the message in err (CLIENT_ERR_LEN octets hold every message whole); on
 * anything but OK, o holds nothing to free. */
int careq_parse(int argc, char *const argv[], struct careq_opts *o, char *err, size_t errlen);

/* -user must be DOMAIN\user. Checked when the credential is needed, after REQ
 * was read (careq's order since NTLM came): CAREQ_ARGS_OK, or CAREQ_ARGS_USAGE
 * with the message in err. */
int careq_check_user(const struct careq_opts *o, char *err, size_t errlen);

/* Frees what careq_parse allocated; safe to call twice. */
void careq_opts_free(struct careq_opts *o);

/* certreq's -attrib escape: "\n" (backslash, n) becomes a newline, anything
 * else stays. malloc()ed; NULL when out of memory. */
char *careq_unescape_attrib(const char *s);

/* What -fullresponse and -crls asked for, from an answer r whose outcome
 * report_outcome turned into rc: pctbCert as sent (DER) into o->fullresponse,
 * the CRLs of its PKCS#7 (PEM) into o->crls. Nothing when the call was refused;
 * an empty pctbCert, an answer that is no SignedData or holds no CRL: a note on
 * errf and no file. A file that cannot be written: a message, and CAREQ_EXIT_OK
 * becomes CAREQ_EXIT_LOCAL (other outcomes stay). Returns the status. */
int careq_save_answer(const struct careq_opts *o, const struct rpc_icpr_response *r, int rc,
		      FILE *errf);

/* careq: parses argv, runs the verb, prints what happened (results on out,
 * refusals and errors on err) and returns the exit status (enum careq_exit). */
int careq_main(int argc, char **argv, FILE *out, FILE *err);

#endif
