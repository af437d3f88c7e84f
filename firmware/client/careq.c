/* careq: the Linux enrollment client, with certreq's verbs (issue 4).
 *
 *   careq new [-subject DN] [-key SPEC] KEYOUT REQOUT
 *   careq submit -config HOST[:PORT]\CANAME [-attrib "Name:Value\n..."] REQ CERTOUT
 *   careq retrieve -config HOST[:PORT]\CANAME ID CERTOUT
 *   (submit and retrieve: [-user DOMAIN\user [-password-file F]] for NTLM at
 *   packet privacy; the password from F (mode 0600/0400) or the terminal)
 *
 * `new` makes a key pair and a PKCS#10 request (keygen.c). `submit` and
 * `retrieve` find the MS-ICPR port through the endpoint mapper at HOST:PORT,
 * bind without authentication and call CertServerRequest (enroll.c), then say
 * what the CA answered and exit with a status that tells scripts the same
 * (report.c; the statuses are in the help text below). The private key is
 * written once, with mode 0600, never over an existing file, and never printed. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "firmware/client/client.h"
#include "firmware/client/ntlm_init.h"
#include "firmware/icpr/icpr.h"
#include "firmware/rpc/conn.h"
#include "platform/atomicfile.h"
#include "platform/secret.h"

#define DEFAULT_KEY "rsa:2048"
#define DEFAULT_TIMEOUT_S 30
#define MAX_TIMEOUT_S 3600
#define REQ_FILE_MAX (2 * ICPR_REQUEST_MAX) /* PEM is a third larger than the DER */

static const char synopsis[] =
	"usage: careq new [-subject DN] [-key rsa:2048|rsa:3072|ec:p256|ec:p384] KEYOUT REQOUT\n"
	"       careq submit -config HOST[:PORT]\\CANAME [-attrib \"Name:Value\\n...\"] REQ "
	"CERTOUT\n"
	"       careq retrieve -config HOST[:PORT]\\CANAME ID CERTOUT\n";
static const char details[] =
	"  new       a key pair and a PKCS#10 request signed with it (SHA-256): KEYOUT gets\n"
	"            the private key (PKCS#8 PEM, mode 0600, never overwritten), REQOUT the\n"
	"            request (PEM). Defaults: -subject CN=<host name>, -key " DEFAULT_KEY ".\n"
	"  submit    sends REQ (PEM or DER) to the CA CANAME; PORT is the endpoint mapper's\n"
	"            (default 135), which names the MS-ICPR port. In -attrib, \\n separates\n"
	"            lines (e.g. \"CertificateTemplate:User\\nSAN:dns=host.example\").\n"
	"  retrieve  asks again for request ID (after \"pending\").\n"
	"  -user DOMAIN\\user  authenticates with NTLM and seals every call (packet privacy,\n"
	"            what the CA requires by default); the password comes from\n"
	"            -password-file F (mode 0600 or 0400, first line) or the terminal.\n"
	"  submit and retrieve also take -timeout SECONDS (connect and each exchange,\n"
	"  default 30) and -frag OCTETS (the max_recv_frag offered, 256..5840, for tests).\n"
	"exit status:\n"
	"  0  issued: CERTOUT written (PEM), \"issued: request id N\"; new: files written\n"
	"  1  network or protocol error (connect, timeout, endpoint mapper, bind, fault,\n"
	"     malformed answer)\n"
	"  2  the CA refused the call (return value, e.g. 0x80070057 E_INVALIDARG for a\n"
	"     wrong CA name, 0x80070005 E_ACCESSDENIED), or denied or failed the request\n"
	"     (its HRESULT and disposition message are printed)\n"
	"  3  pending: \"pending: request id N (Taken Under Submission)\"; use retrieve\n"
	"  4  usage or local error (arguments, files, key generation)\n";

struct opts {
	const char *verb;
	const char *subject, *key, *config, *attrib, *user, *password_file;
	unsigned timeout_s, frag;
	int net_opts; /* -timeout or -frag given */
	const char *arg[2];
	int nargs;
};

static void __attribute__((noreturn)) usage(const char *why)
{
	if (why != NULL) {
		fprintf(stderr, "careq: %s\n%s(careq -help says more)\n", why, synopsis);
		exit(CAREQ_EXIT_LOCAL);
	}
	printf("%s%s", synopsis, details);
	exit(CAREQ_EXIT_OK);
}

static int local_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int local_error(const char *fmt, ...)
{
	va_list ap;

	fputs("careq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CAREQ_EXIT_LOCAL;
}

/* ---- arguments ---- */

static unsigned number(const char *s, unsigned long min, unsigned long max, const char *what)
{
	char *end, msg[128];
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max) {
		snprintf(msg, sizeof(msg), "%s: \"%s\" is not a number from %lu to %lu", what, s,
			 min, max);
		usage(msg);
	}
	return (unsigned)v;
}

/* The option's slot, or NULL if the name is not an option. Options are
 * case-insensitive, as certreq's are. */
static const char **option_slot(struct opts *o, const char *name)
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
	return NULL;
}

static void take_option(struct opts *o, const char *name, const char *value)
{
	const char **slot = option_slot(o, name);
	char msg[128];

	if (strcasecmp(name, "-timeout") == 0) {
		o->timeout_s = number(value, 1, MAX_TIMEOUT_S, "-timeout");
		o->net_opts = 1;
	} else if (strcasecmp(name, "-frag") == 0) {
		o->frag = number(value, RPC_FRAG_FLOOR, RPCC_MAX_FRAG, "-frag");
		o->net_opts = 1;
	} else if (slot != NULL) {
		*slot = value;
	} else {
		snprintf(msg, sizeof(msg), "unknown option %s", name);
		usage(msg);
	}
}

static void parse_args(int argc, char **argv, struct opts *o)
{
	int only_args = 0;
	char msg[128];

	memset(o, 0, sizeof(*o));
	o->timeout_s = DEFAULT_TIMEOUT_S;
	o->verb = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!only_args && strcmp(a, "--") == 0) {
			only_args = 1;
		} else if (!only_args && a[0] == '-' && a[1] != '\0') {
			if (i + 1 >= argc) {
				snprintf(msg, sizeof(msg), "%s needs a value", a);
				usage(msg);
			}
			take_option(o, a, argv[++i]);
		} else if (o->nargs < 2) {
			o->arg[o->nargs++] = a;
		} else {
			usage("too many arguments");
		}
	}
	if (o->nargs != 2)
		usage("two file arguments are needed");
}

/* The options a verb takes: anything else is a mistake worth stopping on. */
static void check_options(const struct opts *o, int is_new)
{
	if (is_new && (o->config || o->attrib || o->net_opts || o->user || o->password_file))
		usage("new takes only -subject and -key");
	if (o->password_file != NULL && o->user == NULL)
		usage("-password-file needs -user");
	if (!is_new && (o->subject || o->key))
		usage("-subject and -key belong to new");
	if (!is_new && o->config == NULL)
		usage("-config HOST[:PORT]\\CANAME is required");
}

/* ---- files ---- */

/* The private key: created with mode 0600 and O_EXCL (an existing key, perhaps
 * one a certificate was issued for, is never replaced), synced, removed again if
 * anything fails. */
static int write_private(const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t off = 0;
	int saved;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off == len && fsync(fd) == 0) {
		if (close(fd) == 0)
			return 0;
		fd = -1;
	}
	saved = off == len ? errno : ENOSPC;
	if (fd >= 0)
		close(fd);
	unlink(path);
	errno = saved;
	return -1;
}

static int write_pem(const char *path, const char *label, const struct x509_buf *der)
{
	struct x509_buf pem = {0};
	int rc;

	if (x509_pem_encode(label, der->data, der->len, &pem) != 0) {
		errno = ENOMEM;
		return -1;
	}
	rc = atomicfile_write(path, pem.data, pem.len, 0644);
	x509_buf_free(&pem);
	return rc;
}

/* ---- new ---- */

static void default_subject(char *out, size_t len)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	snprintf(out, len, "CN=%s", host);
}

static int cmd_new(const struct opts *o)
{
	const char *keyout = o->arg[0], *reqout = o->arg[1], *subject = o->subject;
	struct x509_buf key = {0}, csr = {0};
	char host_dn[300], err[CLIENT_ERR_LEN];
	struct keyspec k;
	int rc = CAREQ_EXIT_OK;

	check_options(o, 1);
	if (keyspec_parse(o->key ? o->key : DEFAULT_KEY, &k) != 0)
		usage("-key: rsa:2048, rsa:3072, ec:p256 or ec:p384");
	if (strcmp(keyout, reqout) == 0)
		usage("KEYOUT and REQOUT must be different files");
	if (subject == NULL) {
		default_subject(host_dn, sizeof(host_dn));
		subject = host_dn;
	}
	if (keygen_request(&k, subject, &key, &csr, err, sizeof(err)) != 0)
		return local_error("%s", err);
	if (write_private(keyout, key.data, key.len) != 0) {
		rc = local_error("cannot create %s: %s", keyout, strerror(errno));
	} else if (write_pem(reqout, "CERTIFICATE REQUEST", &csr) != 0) {
		rc = local_error("cannot write %s: %s", reqout, strerror(errno));
		unlink(keyout);
	} else {
		printf("new: %s key in %s, request for \"%s\" in %s\n", k.name, keyout, subject,
		       reqout);
	}
	explicit_bzero(key.data, key.len);
	x509_buf_free(&key);
	x509_buf_free(&csr);
	return rc;
}

/* ---- submit and retrieve ---- */

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

/* certreq's -attrib: "\n" (backslash, n) separates lines; real newlines do too. */
static char *unescape_attrib(const char *s)
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

/* pwszAuthority and pctbAttribs (cb: the UTF-16 octets with the NUL, per
 * MS-ICPR 3.2.4.1.1; no attributes: cb 0 and a NULL pb). */
static int fill_text(const struct opts *o, const struct enroll_target *t,
		     struct rpc_icpr_request *q, uint8_t **ca16, uint8_t **attr16)
{
	size_t bytes = 0;
	char *attrib;

	if (to_utf16(t->ca_name, ca16, &bytes) != 0 || bytes < 4 ||
	    bytes / 2 - 1 > RPC_ICPR_MAX_AUTHORITY)
		return local_error("the CA name is not UTF-8 text of 1 to %u characters",
				   RPC_ICPR_MAX_AUTHORITY);
	q->has_authority = 1;
	q->authority = *ca16;
	q->authority_units = bytes / 2 - 1;
	if (o->attrib == NULL || o->attrib[0] == '\0')
		return CAREQ_EXIT_OK;
	if ((attrib = unescape_attrib(o->attrib)) == NULL)
		return local_error("out of memory");
	if (to_utf16(attrib, attr16, &bytes) != 0 || bytes > UINT32_MAX) {
		free(attrib);
		return local_error("-attrib is not UTF-8 text");
	}
	free(attrib);
	q->attribs.pb = *attr16;
	q->attribs.cb = (uint32_t)bytes;
	return CAREQ_EXIT_OK;
}

static int target_of(const struct opts *o, struct enroll_target *t)
{
	char err[CLIENT_ERR_LEN];

	memset(t, 0, sizeof(*t));
	if (enroll_parse_config(o->config, t, err, sizeof(err)) != 0)
		return local_error("%s", err);
	t->timeout_ms = (int)o->timeout_s * 1000;
	t->max_recv = (uint16_t)o->frag;
	return CAREQ_EXIT_OK;
}

/* With -user: an NTLM credential from the password (file or terminal), which is
 * wiped as soon as gss-ntlmssp has made its NT hash. NULL after a message. */
static struct ntlmc *credential(const struct opts *o)
{
	char err[CLIENT_ERR_LEN], prompt[300];
	struct secret pw = {0};
	struct ntlmc *n;

	snprintf(prompt, sizeof(prompt), "Password for %s: ", o->user);
	if ((o->password_file != NULL ? secret_read_file(o->password_file, &pw, err, sizeof(err))
				      : secret_read_tty(prompt, &pw, err, sizeof(err))) != 0) {
		local_error("password: %s", err);
		return NULL;
	}
	n = ntlmc_new(o->user, (const char *)pw.buf, err, sizeof(err));
	secret_wipe(&pw);
	if (n == NULL)
		local_error("%s", err);
	return n;
}

/* The call and its report. */
static int exchange(const struct opts *o, struct enroll_target *t,
		    const struct rpc_icpr_request *q, const char *certout)
{
	struct rpc_icpr_response resp;
	char err[CLIENT_ERR_LEN + 64];
	struct ntlmc *cred = NULL;
	struct rpcc_auth auth;
	struct ndr_wr out;
	int rc;

	if (o->user != NULL) {
		if (strchr(o->user, '\\') == NULL)
			usage("-user wants DOMAIN\\user");
		if ((cred = credential(o)) == NULL)
			return CAREQ_EXIT_LOCAL;
		ntlmc_auth(cred, RPC_AUTHN_LEVEL_PKT_PRIVACY, &auth);
		t->auth = &auth;
	}
	ndr_wr_init(&out, RPCC_MAX_STUB);
	if (enroll_call(t, q, &out, &resp, err, sizeof(err)) != RPCC_OK) {
		fprintf(stderr, "careq: %s\n", err);
		rc = CAREQ_EXIT_NET;
	} else {
		rc = report_outcome(&resp, q->request_id, certout);
	}
	ndr_wr_free(&out);
	ntlmc_free(cred);
	return rc;
}

/* REQ as the DER to send: PEM (any request label) or base64 decoded, DER or BER
 * as read (a signature covers the octets as they were made). */
static int read_request(const char *path, uint8_t **file, struct icpr_request *rq,
			struct rpc_icpr_blob *blob)
{
	size_t len = 0;
	int rc;

	if (file_read_all(path, REQ_FILE_MAX, file, &len) != 0)
		return local_error("cannot read %s: %s", path, strerror(errno));
	if ((rc = icpr_request_detect(*file, len, rq)) != ICPR_OK)
		return local_error("%s: %s", path, rc == ICPR_ETOOLONG ? "request too large"
				   : "not a certificate request (PKCS#10, CMS or CMC; PEM or DER)");
	blob->pb = rq->was_text ? rq->der.data : *file;
	blob->cb = (uint32_t)(rq->was_text ? rq->der.len : len);
	return CAREQ_EXIT_OK;
}

static int cmd_submit(const struct opts *o)
{
	uint8_t *ca16 = NULL, *attr16 = NULL, *file = NULL;
	struct rpc_icpr_request q;
	struct enroll_target t;
	struct icpr_request rq;
	int rc;

	check_options(o, 0);
	memset(&q, 0, sizeof(q));
	memset(&rq, 0, sizeof(rq));
	if ((rc = target_of(o, &t)) == CAREQ_EXIT_OK &&
	    (rc = fill_text(o, &t, &q, &ca16, &attr16)) == CAREQ_EXIT_OK &&
	    (rc = read_request(o->arg[0], &file, &rq, &q.request)) == CAREQ_EXIT_OK)
		rc = exchange(o, &t, &q, o->arg[1]); /* dwFlags 0: the CA detects the format */
	if (rq.format != ICPR_FMT_UNKNOWN)
		icpr_request_free(&rq);
	free(file);
	free(ca16);
	free(attr16);
	return rc;
}

static int cmd_retrieve(const struct opts *o)
{
	uint8_t *ca16 = NULL, *attr16 = NULL;
	struct rpc_icpr_request q;
	struct enroll_target t;
	int rc;

	check_options(o, 0);
	if (o->attrib != NULL)
		usage("-attrib belongs to submit");
	memset(&q, 0, sizeof(q));
	/* Retrieval: the id, an empty pctbRequest. */
	q.request_id = number(o->arg[0], 1, UINT32_MAX, "ID");
	if ((rc = target_of(o, &t)) == CAREQ_EXIT_OK &&
	    (rc = fill_text(o, &t, &q, &ca16, &attr16)) == CAREQ_EXIT_OK)
		rc = exchange(o, &t, &q, o->arg[1]);
	free(ca16);
	free(attr16);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;

	if (argc < 2)
		usage("a verb is needed: new, submit or retrieve");
	if (strcmp(argv[1], "-?") == 0 || strcmp(argv[1], "-help") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
		usage(NULL);
	parse_args(argc, argv, &o);
	if (strcasecmp(o.verb, "new") == 0)
		return cmd_new(&o);
	if (strcasecmp(o.verb, "submit") == 0)
		return cmd_submit(&o);
	if (strcasecmp(o.verb, "retrieve") == 0)
		return cmd_retrieve(&o);
	usage("unknown verb: new, submit or retrieve");
}
