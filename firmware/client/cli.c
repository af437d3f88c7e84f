/* careq's command line (careq.h): argv into a struct careq_opts, with every
 * check that needs neither a file nor the network. Nothing here prints or exits:
 * careq_main says what a refusal means, and the unit tests read the messages
 * straight from the error buffer. The order of the checks is careq's historical
 * one, because the first failure is the one a user sees. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "firmware/client/careq.h"
#include "firmware/icpr/caprop.h"
#include "firmware/icpr/icpr.h"
#include "firmware/rpc/conn.h"
#include "platform/conf.h"

/* Usage messages were always cut to this (a long option name or value stays
 * readable and the synopsis follows it). */
#define USAGE_MSG_LEN 128

const char careq_synopsis[] =
	"usage: careq new [-subject DN] [-key rsa:2048|rsa:3072|ec:p256|ec:p384] KEYOUT REQOUT\n"
	"       careq submit -config HOST[:PORT]\\CANAME [-dcom] [-attrib \"Name:Value\\n...\"] REQ "
	"CERTOUT\n"
	"       careq retrieve -config HOST[:PORT]\\CANAME [-dcom] ID CERTOUT\n"
	"       careq getcaprop -config HOST[:PORT]\\CANAME [-dcom] [-out FILE] PROP [INDEX]\n"
	"       careq renew -config HOST[:PORT]\\CANAME [-key SPEC] [-attrib ...] CERT KEY "
	"NEWKEYOUT CERTOUT\n";
const char careq_details[] =
	"  new       a key pair and a PKCS#10 request signed with it (SHA-256): KEYOUT gets\n"
	"            the private key (PKCS#8 PEM, mode 0600, never overwritten), REQOUT the\n"
	"            request (PEM). Defaults: -subject CN=<host name>, -key " CAREQ_DEFAULT_KEY
	".\n"
	"  submit    sends REQ (PEM or DER) to the CA CANAME; PORT is the endpoint mapper's\n"
	"            (default 135), which names the MS-ICPR port. In -attrib, \\n separates\n"
	"            lines (e.g. \"CertificateTemplate:User\\nSAN:dns=host.example\").\n"
	"  retrieve  asks again for request ID (after \"pending\").\n"
	"  -dcom     (submit, retrieve) MS-WCCE over DCOM as certreq: CCertRequestD is\n"
	"            activated at PORT (the endpoint mapper's), then ICertRequestD2::\n"
	"            Request2 is called at the port its OXID binding names.\n"
	"  getcaprop prints the CA property PROP (CANAME, CASIGCERT, CAXCHGCERT, BASECRL,\n"
	"            DELTACRL, TEMPLATES, CATYPE, ...: CR_PROP_ names, or a number) at\n"
	"            INDEX (default 0) with ICertRequestD2::GetCAProperty (always DCOM);\n"
	"            a binary value (certificate, CRL) goes to -out FILE as DER.\n"
	"  renew     renews CERT (PEM or DER) signed with its KEY (RSA or EC, PKCS#8 or\n"
	"            traditional): a new key pair (-key, default " CAREQ_DEFAULT_KEY ") into\n"
	"            NEWKEYOUT (mode 0600, never overwritten), a PKCS#10 for CERT's subject\n"
	"            with the renewal certificate attribute (1.3.6.1.4.1.311.13.1: CERT),\n"
	"            sent in a CMS SignedData signed with KEY (SHA-256, CERT included).\n"
	"            NEWKEYOUT is kept whatever the CA answers (retrieve may follow).\n"
	"  submit -on-behalf-of DOMAIN\\user -agent-cert C -agent-key K REQ CERTOUT\n"
	"            as an enrollment agent: REQ (a PKCS#10, e.g. from new) sent in a CMS\n"
	"            SignedData signed with K, C included, with the signed attribute\n"
	"            RequesterName=DOMAIN\\user (1.3.6.1.4.1.311.13.2.1).\n"
	"  -fullresponse FILE, -crls FILE (submit, renew, retrieve): ask for the CMC full\n"
	"            response (CR_IN_FULLRESPONSE) and for CRLs (CR_IN_CRLS); FILE gets the\n"
	"            PKCS#7 the CA returns in pctbCert as DER, resp. the CRLs found in it\n"
	"            (PEM). Neither file is written when the CA sends nothing of the kind.\n"
	"  -user DOMAIN\\user  authenticates with NTLM and seals every call (packet privacy,\n"
	"            what the CA requires by default); the password comes from\n"
	"            -password-file F (mode 0600 or 0400, first line) or the terminal.\n"
	"  submit, retrieve and renew also take -timeout SECONDS (connect and each\n"
	"  exchange, default 30) and -frag OCTETS (the max_recv_frag offered, 256..5840,\n"
	"  for tests).\n"
	"exit status:\n"
	"  0  issued: CERTOUT written (PEM), \"issued: request id N\"; new: files written\n"
	"  1  network or protocol error (connect, timeout, endpoint mapper, bind, fault,\n"
	"     malformed answer)\n"
	"  2  the CA refused the call (return value, e.g. 0x80070057 E_INVALIDARG for a\n"
	"     wrong CA name, 0x80070005 E_ACCESSDENIED), or denied or failed the request\n"
	"     (its HRESULT and disposition message are printed)\n"
	"  3  pending: \"pending: request id N (Taken Under Submission)\"; use retrieve\n"
	"  4  usage or local error (arguments, files, key generation)\n";

static int usage_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A usage refusal: the message (cut as careq always cut it) into err. */
static int usage_fail(char *err, size_t errlen, const char *fmt, ...)
{
	char msg[USAGE_MSG_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s", msg);
	return CAREQ_ARGS_USAGE;
}

/* A value careq cannot use: printed without the synopsis. */
static int local_fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return CAREQ_ARGS_LOCAL;
}

/* A decimal number from min to max: digits only (platform's rule; strtoul alone
 * would take "+5" and " 5"), no sign, no blank, no suffix. */
static int number(const char *s, unsigned long min, unsigned long max, const char *what,
		  unsigned long *v, char *err, size_t errlen)
{
	unsigned u;

	*v = 0;
	if (conf_parse_uint(s, (unsigned)max, &u) == 0)
		*v = u;
	if (*v == 0 || *v < min)
		return usage_fail(err, errlen, "%s: \"%s\" is not a number from %lu to %lu", what,
				  s, min, max);
	return CAREQ_ARGS_OK;
}

/* The option's slot, or NULL if the name is not a string option. Options are
 * case-insensitive, as certreq's are. */
static const char **option_slot(struct careq_opts *o, const char *name)
{
	if (strcasecmp(name, "-subject") == 0)
		return &o->subject;
	if (strcasecmp(name, "-key") == 0)
		return &o->key;
	if (strcasecmp(name, "-config") == 0)
		return &o->config;
	if (strcasecmp(name, "-attrib") == 0)
		return &o->attrib;
	if (strcasecmp(name, "-user") == 0)
		return &o->user;
	if (strcasecmp(name, "-password-file") == 0)
		return &o->password_file;
	if (strcasecmp(name, "-on-behalf-of") == 0)
		return &o->on_behalf;
	if (strcasecmp(name, "-agent-cert") == 0)
		return &o->agent_cert;
	if (strcasecmp(name, "-agent-key") == 0)
		return &o->agent_key;
	if (strcasecmp(name, "-fullresponse") == 0)
		return &o->fullresponse;
	if (strcasecmp(name, "-crls") == 0)
		return &o->crls;
	if (strcasecmp(name, "-out") == 0)
		return &o->out_file;
	return NULL;
}

/* -timeout and -frag: numbers in their range, and options new refuses. */
static int net_option(struct careq_opts *o, const char *what, const char *value,
		      unsigned long min, unsigned long max, unsigned *slot, char *err,
		      size_t errlen)
{
	unsigned long v;

	if (number(value, min, max, what, &v, err, errlen) != CAREQ_ARGS_OK)
		return CAREQ_ARGS_USAGE;
	*slot = (unsigned)v;
	o->net_opts = 1;
	return CAREQ_ARGS_OK;
}

static int take_option(struct careq_opts *o, const char *name, const char *value, char *err,
		       size_t errlen)
{
	const char **slot = option_slot(o, name);

	if (strcasecmp(name, "-timeout") == 0)
		return net_option(o, "-timeout", value, 1, CAREQ_MAX_TIMEOUT_S, &o->timeout_s, err,
				  errlen);
	if (strcasecmp(name, "-frag") == 0)
		return net_option(o, "-frag", value, RPC_FRAG_FLOOR, RPCC_MAX_FRAG, &o->frag, err,
				  errlen);
	if (slot == NULL)
		return usage_fail(err, errlen, "unknown option %s", name);
	*slot = value; /* the last one given wins */
	return CAREQ_ARGS_OK;
}

static enum careq_verb verb_of(const char *s);

/* Options and the positional arguments after the verb; "--" ends options,
 * and a lone "-" is an argument. */
static int parse_words(int argc, char *const argv[], struct careq_opts *o, char *err,
		       size_t errlen)
{
	/* renew names four files; every other verb two */
	int only_args = 0, want = verb_of(argv[1]) == CAREQ_VERB_RENEW ? 4 : 2;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!only_args && strcmp(a, "--") == 0) {
			only_args = 1;
		} else if (!only_args && strcasecmp(a, "-dcom") == 0) {
			o->dcom = 1; /* the one option without a value */
		} else if (!only_args && a[0] == '-' && a[1] != '\0') {
			if (i + 1 >= argc)
				return usage_fail(err, errlen, "%s needs a value", a);
			if (take_option(o, a, argv[++i], err, errlen) != CAREQ_ARGS_OK)
				return CAREQ_ARGS_USAGE;
		} else if (o->nargs < want) {
			o->arg[o->nargs++] = a;
		} else {
			return usage_fail(err, errlen, "too many arguments");
		}
	}
	if (want == 4 && o->nargs != 4)
		return usage_fail(err, errlen, "renew needs CERT KEY NEWKEYOUT CERTOUT");
	if (verb_of(argv[1]) == CAREQ_VERB_GETCAPROP) {
		if (o->nargs < 1)
			return usage_fail(err, errlen, "getcaprop needs PROP [INDEX]");
		return CAREQ_ARGS_OK;
	}
	if (o->nargs != 2 && want == 2)
		return usage_fail(err, errlen, "two file arguments are needed");
	return CAREQ_ARGS_OK;
}

/* The options a verb takes: anything else is a mistake worth stopping on. */
static int check_options(const struct careq_opts *o, char *err, size_t errlen)
{
	int is_new = o->verb == CAREQ_VERB_NEW, is_renew = o->verb == CAREQ_VERB_RENEW;
	int agent = o->on_behalf || o->agent_cert || o->agent_key;

	if (is_new && (o->config || o->attrib || o->net_opts || o->user || o->password_file ||
		       agent || o->fullresponse || o->crls || o->dcom))
		return usage_fail(err, errlen, "new takes only -subject and -key");
	if (o->out_file != NULL && o->verb != CAREQ_VERB_GETCAPROP)
		return usage_fail(err, errlen, "-out belongs to getcaprop");
	if (o->dcom && is_renew)
		return usage_fail(err, errlen, "-dcom belongs to submit, retrieve and getcaprop");
	if (o->verb == CAREQ_VERB_GETCAPROP &&
	    (o->attrib || agent || o->fullresponse || o->crls || o->subject || o->key))
		return usage_fail(err, errlen, "getcaprop takes -config, -dcom, -out, -user, "
				  "-password-file, -timeout and -frag");
	if (o->password_file != NULL && o->user == NULL)
		return usage_fail(err, errlen, "-password-file needs -user");
	if (is_renew && o->subject)
		return usage_fail(err, errlen, "-subject belongs to new: renew keeps CERT's subject");
	if (!is_new && !is_renew && (o->subject || o->key))
		return usage_fail(err, errlen, "-subject and -key belong to new");
	if (agent && o->verb != CAREQ_VERB_SUBMIT)
		return usage_fail(err, errlen,
				  "-on-behalf-of, -agent-cert and -agent-key belong to submit");
	if (agent && !(o->on_behalf && o->agent_cert && o->agent_key))
		return usage_fail(err, errlen, "-on-behalf-of needs -agent-cert and -agent-key");
	if (o->on_behalf && strchr(o->on_behalf, '\\') == NULL)
		return usage_fail(err, errlen, "-on-behalf-of wants DOMAIN\\user");
	if (o->fullresponse && o->crls && strcmp(o->fullresponse, o->crls) == 0)
		return usage_fail(err, errlen, "-fullresponse and -crls need different files");
	/* what the CA sends must not replace a file named as an argument (renew's
	 * NEWKEYOUT: the private key; CERTOUT; REQ) */
	for (int i = 0; i < o->nargs; i++)
		if ((o->fullresponse && strcmp(o->fullresponse, o->arg[i]) == 0) ||
		    (o->crls && strcmp(o->crls, o->arg[i]) == 0))
			return usage_fail(err, errlen,
					  "-fullresponse and -crls need files of their own");
	if (!is_new && o->config == NULL)
		return usage_fail(err, errlen, "-config HOST[:PORT]\\CANAME is required");
	return CAREQ_ARGS_OK;
}

/* new: the key spec and two distinct files (the key must not become the request). */
static int check_new(struct careq_opts *o, char *err, size_t errlen)
{
	if (keyspec_parse(o->key ? o->key : CAREQ_DEFAULT_KEY, &o->keyspec) != 0)
		return usage_fail(err, errlen, "-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	if (strcmp(o->arg[0], o->arg[1]) == 0)
		return usage_fail(err, errlen, "KEYOUT and REQOUT must be different files");
	return CAREQ_ARGS_OK;
}

/* renew: the new key's spec, and a new key that cannot land on another file. */
static int check_renew(struct careq_opts *o, char *err, size_t errlen)
{
	if (keyspec_parse(o->key ? o->key : CAREQ_DEFAULT_KEY, &o->keyspec) != 0)
		return usage_fail(err, errlen, "-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	for (int i = 0; i < 4; i++)
		if (i != 2 && strcmp(o->arg[2], o->arg[i]) == 0)
			return usage_fail(err, errlen,
					  "NEWKEYOUT must differ from CERT, KEY and CERTOUT");
	return CAREQ_ARGS_OK;
}

/* UTF-8 text as UTF-16LE with its NUL unit (malloc()ed; *bytes counts the NUL). */
static int to_utf16(const char *s, uint8_t **out, size_t *bytes)
{
	size_t need = 0;

	*out = NULL;
	if (icpr_utf8_to_utf16(s, strlen(s), NULL, 0, &need) != ICPR_OK ||
	    (*out = malloc(need)) == NULL)
		return -1;
	if (icpr_utf8_to_utf16(s, strlen(s), *out, need, bytes) != ICPR_OK) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

char *careq_unescape_attrib(const char *s)
{
	char *out = malloc(strlen(s) + 1), *p = out;

	if (out == NULL)
		return NULL;
	while (*s != '\0') {
		if (s[0] == '\\' && s[1] == 'n') {
			*p++ = '\n';
			s += 2;
		} else {
			*p++ = *s++;
		}
	}
	*p = '\0';
	return out;
}

/* pwszAuthority and pctbAttribs as they go on the wire (cb: the UTF-16 octets
 * with the NUL, per MS-ICPR 3.2.4.1.1; an empty -attrib sends none). */
static int encode_text(struct careq_opts *o, char *err, size_t errlen)
{
	char msg[CLIENT_ERR_LEN], *attrib;
	size_t bytes = 0;

	if (to_utf16(o->target.ca_name, &o->ca16, &bytes) != 0 || bytes < 4 ||
	    bytes / 2 - 1 > RPC_ICPR_MAX_AUTHORITY) {
		snprintf(msg, sizeof(msg), "the CA name is not UTF-8 text of 1 to %u characters",
			 RPC_ICPR_MAX_AUTHORITY);
		return local_fail(err, errlen, msg);
	}
	o->ca16_bytes = bytes;
	if (o->attrib == NULL || o->attrib[0] == '\0')
		return CAREQ_ARGS_OK;
	if ((attrib = careq_unescape_attrib(o->attrib)) == NULL)
		return local_fail(err, errlen, "out of memory");
	if (to_utf16(attrib, &o->attrib16, &bytes) != 0 || bytes > UINT32_MAX) {
		free(attrib);
		return local_fail(err, errlen, "-attrib is not UTF-8 text");
	}
	free(attrib);
	o->attrib16_bytes = bytes;
	return CAREQ_ARGS_OK;
}

/* submit and retrieve: where to send (-config, -timeout, -frag) and the text. */
static int check_target(struct careq_opts *o, char *err, size_t errlen)
{
	char msg[CLIENT_ERR_LEN];

	if (enroll_parse_config(o->config, &o->target, msg, sizeof(msg)) != 0)
		return local_fail(err, errlen, msg);
	o->target.timeout_ms = (int)o->timeout_s * 1000;
	o->target.max_recv = (uint16_t)o->frag;
	return encode_text(o, err, errlen);
}

/* retrieve: no attributes (the CA keeps those of the request) and an id. */
static int check_retrieve(struct careq_opts *o, char *err, size_t errlen)
{
	unsigned long id;

	if (o->attrib != NULL)
		return usage_fail(err, errlen, "-attrib belongs to submit and renew");
	if (number(o->arg[0], 1, UINT32_MAX, "ID", &id, err, errlen) != CAREQ_ARGS_OK)
		return CAREQ_ARGS_USAGE;
	o->request_id = (uint32_t)id;
	return CAREQ_ARGS_OK;
}

/* The property names getcaprop knows (CR_PROP_ without the prefix). */
static const struct {
	const char *name;
	int32_t id;
} prop_names[] = {
	{ "FILEVERSION", CR_PROP_FILEVERSION }, { "PRODUCTVERSION", CR_PROP_PRODUCTVERSION },
	{ "EXITCOUNT", CR_PROP_EXITCOUNT }, { "POLICYDESCRIPTION", CR_PROP_POLICYDESCRIPTION },
	{ "CANAME", CR_PROP_CANAME }, { "SANITIZEDCANAME", CR_PROP_SANITIZEDCANAME },
	{ "PARENTCA", CR_PROP_PARENTCA }, { "CATYPE", CR_PROP_CATYPE },
	{ "CASIGCERTCOUNT", CR_PROP_CASIGCERTCOUNT }, { "CASIGCERT", CR_PROP_CASIGCERT },
	{ "CASIGCERTCHAIN", CR_PROP_CASIGCERTCHAIN },
	{ "CAXCHGCERTCOUNT", CR_PROP_CAXCHGCERTCOUNT }, { "CAXCHGCERT", CR_PROP_CAXCHGCERT },
	{ "CAXCHGCERTCHAIN", CR_PROP_CAXCHGCERTCHAIN }, { "BASECRL", CR_PROP_BASECRL },
	{ "DELTACRL", CR_PROP_DELTACRL }, { "CACERTSTATE", CR_PROP_CACERTSTATE },
	{ "CRLSTATE", CR_PROP_CRLSTATE }, { "CAPROPIDMAX", CR_PROP_CAPROPIDMAX },
	{ "DNSNAME", CR_PROP_DNSNAME }, { "ROLESEPARATIONENABLED", CR_PROP_ROLESEPARATIONENABLED },
	{ "KRACERTUSEDCOUNT", CR_PROP_KRACERTUSEDCOUNT }, { "KRACERTCOUNT", CR_PROP_KRACERTCOUNT },
	{ "ADVANCEDSERVER", CR_PROP_ADVANCEDSERVER }, { "TEMPLATES", CR_PROP_TEMPLATES },
	{ "CACERTSTATUSCODE", CR_PROP_CACERTSTATUSCODE },
	{ "CACERTVERSION", CR_PROP_CACERTVERSION },
	{ "SANITIZEDCASHORTNAME", CR_PROP_SANITIZEDCASHORTNAME },
	{ "CERTCDPURLS", CR_PROP_CERTCDPURLS }, { "CERTAIAURLS", CR_PROP_CERTAIAURLS },
};

int32_t careq_prop_id(const char *name)
{
	unsigned long v = 0;
	const char *p = name;

	if (strncasecmp(name, "CR_PROP_", 8) == 0)
		name += 8;
	for (size_t i = 0; i < sizeof prop_names / sizeof prop_names[0]; i++)
		if (strcasecmp(name, prop_names[i].name) == 0)
			return prop_names[i].id;
	for (p = name; *p >= '0' && *p <= '9' && v < 1000; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == name || *p != 0 || v == 0 || caprop_find((int32_t)v) == NULL)
		return 0;
	return (int32_t)v;
}

/* getcaprop: a property this CA knows, an index, -out for binary ones only. */
static int check_getcaprop(struct careq_opts *o, char *err, size_t errlen)
{
	const struct caprop_info *pi;
	unsigned long idx = 0;

	if ((o->prop_id = careq_prop_id(o->arg[0])) == 0 ||
	    (pi = caprop_find(o->prop_id)) == NULL)
		return usage_fail(err, errlen, "unknown property %s", o->arg[0]);
	if (o->nargs == 2 &&
	    number(o->arg[1], 0, INT32_MAX, "INDEX", &idx, err, errlen) != CAREQ_ARGS_OK)
		return CAREQ_ARGS_USAGE;
	o->prop_index = (int32_t)idx;
	if (pi->type == CAPROP_TYPE_BINARY && o->out_file == NULL)
		return usage_fail(err, errlen, "%s is binary: -out FILE is needed", o->arg[0]);
	if (pi->type != CAPROP_TYPE_BINARY && o->out_file != NULL)
		return usage_fail(err, errlen, "-out is for binary properties");
	o->dcom = 1; /* MS-ICPR has no GetCAProperty */
	return CAREQ_ARGS_OK;
}

static int is_help(const char *s)
{
	return strcmp(s, "-?") == 0 || strcmp(s, "-help") == 0 || strcmp(s, "--help") == 0 ||
	       strcmp(s, "help") == 0;
}

/* The verb, case-insensitive as certreq's; 0 when unknown. */
static enum careq_verb verb_of(const char *s)
{
	if (strcasecmp(s, "new") == 0)
		return CAREQ_VERB_NEW;
	if (strcasecmp(s, "submit") == 0)
		return CAREQ_VERB_SUBMIT;
	if (strcasecmp(s, "retrieve") == 0)
		return CAREQ_VERB_RETRIEVE;
	if (strcasecmp(s, "renew") == 0)
		return CAREQ_VERB_RENEW;
	if (strcasecmp(s, "getcaprop") == 0)
		return CAREQ_VERB_GETCAPROP;
	return 0;
}

/* The verb's own checks, after the options it may not take. */
static int check_verb(struct careq_opts *o, char *err, size_t errlen)
{
	int rc = check_options(o, err, errlen);

	if (rc != CAREQ_ARGS_OK)
		return rc;
	if (o->verb == CAREQ_VERB_NEW)
		return check_new(o, err, errlen);
	if (o->verb == CAREQ_VERB_RETRIEVE && (rc = check_retrieve(o, err, errlen)) != CAREQ_ARGS_OK)
		return rc;
	if (o->verb == CAREQ_VERB_RENEW && (rc = check_renew(o, err, errlen)) != CAREQ_ARGS_OK)
		return rc;
	if (o->verb == CAREQ_VERB_GETCAPROP &&
	    (rc = check_getcaprop(o, err, errlen)) != CAREQ_ARGS_OK)
		return rc;
	if (o->fullresponse != NULL)
		o->flags |= ICPR_CR_IN_FULLRESPONSE;
	if (o->crls != NULL)
		o->flags |= ICPR_CR_IN_CRLS;
	return check_target(o, err, errlen);
}

int careq_parse(int argc, char *const argv[], struct careq_opts *o, char *err, size_t errlen)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->timeout_s = CAREQ_DEFAULT_TIMEOUT_S;
	if (argc < 2)
		return usage_fail(err, errlen, "a verb is needed: new, submit, retrieve, renew or getcaprop");
	if (is_help(argv[1]))
		return CAREQ_ARGS_HELP;
	/* The words are read before the verb is looked at: "careq bogus" has
	 * always been told about its missing files first. */
	if ((rc = parse_words(argc, argv, o, err, errlen)) != CAREQ_ARGS_OK)
		return rc;
	if ((o->verb = verb_of(argv[1])) == 0)
		return usage_fail(err, errlen, "unknown verb: new, submit, retrieve, renew or getcaprop");
	if ((rc = check_verb(o, err, errlen)) != CAREQ_ARGS_OK)
		careq_opts_free(o);
	return rc;
}

int careq_check_user(const struct careq_opts *o, char *err, size_t errlen)
{
	if (o->user != NULL && strchr(o->user, '\\') == NULL)
		return usage_fail(err, errlen, "-user wants DOMAIN\\user");
	return CAREQ_ARGS_OK;
}

void careq_opts_free(struct careq_opts *o)
{
	free(o->ca16);
	free(o->attrib16);
	o->ca16 = o->attrib16 = NULL;
	o->ca16_bytes = o->attrib16_bytes = 0;
}
