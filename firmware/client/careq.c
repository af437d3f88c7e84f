/* careq's verbs (issue 4), as a library (issue 20; careq.h):
 *
 *   careq new [-subject DN] [-key SPEC] KEYOUT REQOUT
 *   careq submit -config HOST[:PORT]\CANAME [-attrib "Name:Value\n..."] REQ CERTOUT
 *   careq retrieve -config HOST[:PORT]\CANAME ID CERTOUT
 *   careq renew -config HOST[:PORT]\CANAME [-key SPEC] [-attrib ...] CERT KEY NEWKEYOUT CERTOUT
 *   (submit: [-on-behalf-of DOMAIN\user -agent-cert C -agent-key K] wraps REQ in
 *   an enrollment agent's CMS; submit, renew, retrieve: [-fullresponse FILE]
 *   [-crls FILE])
 *   (submit and retrieve: [-user DOMAIN\user [-password-file F]] for NTLM at
 *   packet privacy; the password from F (mode 0600/0400) or the terminal)
 *
 * cli.c parses and checks the command line. `new` makes a key pair and a
 * PKCS#10 request (keygen.c). `submit` and `retrieve` find the MS-ICPR port
 * through the endpoint mapper at HOST:PORT and call CertServerRequest
 * (enroll.c); `renew` and the agent's `submit` send CMS requests (cmsreq.c,
 * MS-WCCE 3.2.1.4.2.1.4); then they say what the CA answered and return a status that tells
 * scripts the same (report.c; the statuses are in cli.c's help text). The
 * private key is written once, with mode 0600, never over an existing file, and
 * never printed. Nothing here exits: main.c turns careq_main's status into the
 * exit status. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firmware/client/careq.h"
#include "firmware/client/ntlm_init.h"
#include "firmware/icpr/caprop.h"
#include "firmware/icpr/icpr.h"
#include "firmware/rpc/conn.h"
#include "platform/atomicfile.h"
#include "platform/secret.h"

#define REQ_FILE_MAX (2 * ICPR_REQUEST_MAX) /* PEM is a third larger than the DER */

/* A misuse: the message, then the synopsis to show the right use. */
static int usage_error(FILE *err, const char *why)
{
	fprintf(err, "careq: %s\n%s(careq -help says more)\n", why, careq_synopsis);
	return CAREQ_EXIT_LOCAL;
}

static int local_error(FILE *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A local failure (a file, a key, an argument's value): one line. */
static int local_error(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fputs("careq: ", err);
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
	return CAREQ_EXIT_LOCAL;
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

static int cmd_new(const struct careq_opts *o, FILE *out, FILE *errf)
{
	const char *keyout = o->arg[0], *reqout = o->arg[1], *subject = o->subject;
	struct x509_buf key = {0}, csr = {0};
	char host_dn[300], err[CLIENT_ERR_LEN];
	int rc = CAREQ_EXIT_OK;

	if (subject == NULL) {
		default_subject(host_dn, sizeof(host_dn));
		subject = host_dn;
	}
	if (keygen_request(&o->keyspec, subject, &key, &csr, err, sizeof(err)) != 0)
		return local_error(errf, "%s", err);
	if (write_private(keyout, key.data, key.len) != 0) {
		rc = local_error(errf, "cannot create %s: %s", keyout, strerror(errno));
	} else if (write_pem(reqout, "CERTIFICATE REQUEST", &csr) != 0) {
		rc = local_error(errf, "cannot write %s: %s", reqout, strerror(errno));
		unlink(keyout);
	} else {
		fprintf(out, "new: %s key in %s, request for \"%s\" in %s\n", o->keyspec.name,
			keyout, subject, reqout);
	}
	explicit_bzero(key.data, key.len);
	x509_buf_free(&key);
	x509_buf_free(&csr);
	return rc;
}

/* ---- submit and retrieve ---- */

/* pwszAuthority and pctbAttribs from what cli.c encoded (no attributes: cb 0
 * and a NULL pb). */
static void fill_text(const struct careq_opts *o, struct rpc_icpr_request *q)
{
	q->has_authority = 1;
	q->authority = o->ca16;
	q->authority_units = o->ca16_bytes / 2 - 1;
	if (o->attrib16 != NULL) {
		q->attribs.pb = o->attrib16;
		q->attribs.cb = (uint32_t)o->attrib16_bytes;
	}
}

static struct ntlmc *credential(const struct careq_opts *o, FILE *errf);

/* The call's logon: with -user, an NTLM credential at packet privacy in
 * t->auth (*cred to free); without, none. 0, or the exit status after a
 * message. */
static int logon(const struct careq_opts *o, FILE *errf, struct ntlmc **cred,
		 struct rpcc_auth *auth, struct enroll_target *t)
{
	char err[CLIENT_ERR_LEN];

	if (careq_check_user(o, err, sizeof(err)) != CAREQ_ARGS_OK)
		return usage_error(errf, err);
	if (o->user == NULL)
		return 0;
	if ((*cred = credential(o, errf)) == NULL)
		return CAREQ_EXIT_LOCAL;
	ntlmc_auth(*cred, RPC_AUTHN_LEVEL_PKT_PRIVACY, auth);
	t->auth = auth;
	return 0;
}

/* With -user: an NTLM credential from the password (file or terminal), which is
 * wiped as soon as gss-ntlmssp has made its NT hash. NULL after a message. */
static struct ntlmc *credential(const struct careq_opts *o, FILE *errf)
{
	char err[CLIENT_ERR_LEN], prompt[300];
	struct secret pw = {0};
	struct ntlmc *n;

	snprintf(prompt, sizeof(prompt), "Password for %s: ", o->user);
	if ((o->password_file != NULL ? secret_read_file(o->password_file, &pw, err, sizeof(err))
				      : secret_read_tty(prompt, &pw, err, sizeof(err))) != 0) {
		local_error(errf, "password: %s", err);
		return NULL;
	}
	n = ntlmc_new(o->user, (const char *)pw.buf, err, sizeof(err));
	secret_wipe(&pw);
	if (n == NULL)
		local_error(errf, "%s", err);
	return n;
}

/* -fullresponse: pctbCert as the CA sent it (DER). */
static int save_fullresponse(const char *path, const struct rpc_icpr_blob *b, FILE *errf)
{
	if (atomicfile_write(path, b->pb, b->cb, 0644) != 0) {
		local_error(errf, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* -crls: the CRLs of the PKCS#7 in pctbCert, as PEM. An answer that is no
 * SignedData or holds no CRL is said and writes nothing (the CA may not
 * implement CR_IN_CRLS); only a file that cannot be written is an error. */
static int save_crls(const char *path, const struct rpc_icpr_blob *b, FILE *errf)
{
	struct x509_buf *crls = NULL, pem = {0};
	char err[CLIENT_ERR_LEN];
	size_t n = 0;
	FILE *m;
	char *text = NULL;
	size_t text_len = 0;
	int rc = 0;

	if (cmsreq_crls(b->pb, b->cb, &crls, &n, err, sizeof(err)) != 0) {
		fprintf(errf, "careq: -crls: %s; %s not written\n", err, path);
		return 0;
	}
	if (n == 0) {
		fprintf(errf, "careq: -crls: the CA sent no CRL; %s not written\n", path);
		return 0;
	}
	if ((m = open_memstream(&text, &text_len)) == NULL) {
		cmsreq_crls_free(crls, n);
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (x509_pem_encode("X509 CRL", crls[i].data, crls[i].len, &pem) != 0)
			rc = -1;
		else
			fwrite(pem.data, 1, pem.len, m);
		x509_buf_free(&pem);
	}
	fclose(m);
	if (rc == 0 && atomicfile_write(path, text, text_len, 0644) != 0)
		rc = -1;
	if (rc != 0)
		local_error(errf, "cannot write %s: %s", path, strerror(errno));
	free(text);
	cmsreq_crls_free(crls, n);
	return rc;
}

int careq_save_answer(const struct careq_opts *o, const struct rpc_icpr_response *r, int rc,
		      FILE *errf)
{
	int bad = 0;

	if ((o->fullresponse == NULL && o->crls == NULL) || r->status != 0)
		return rc;
	if (r->cert.cb == 0) {
		fprintf(errf, "careq: the CA sent no PKCS#7 (pctbCert is empty); %s%s%s not written\n",
			o->fullresponse ? o->fullresponse : "", o->fullresponse && o->crls ? ", " : "",
			o->crls ? o->crls : "");
		return rc;
	}
	if (o->fullresponse != NULL && save_fullresponse(o->fullresponse, &r->cert, errf) != 0)
		bad = 1;
	if (o->crls != NULL && save_crls(o->crls, &r->cert, errf) != 0)
		bad = 1;
	return bad && rc == CAREQ_EXIT_OK ? CAREQ_EXIT_LOCAL : rc;
}

/* The call and its report. */
static int exchange(const struct careq_opts *o, const struct rpc_icpr_request *q,
		    const char *certout, FILE *out, FILE *errf)
{
	struct enroll_target t = o->target;
	struct rpc_icpr_response resp;
	char err[CLIENT_ERR_LEN + 64];
	struct ntlmc *cred = NULL;
	struct rpcc_auth auth;
	struct ndr_wr wr;
	int rc;

	if ((rc = logon(o, errf, &cred, &auth, &t)) != 0)
		return rc;
	ndr_wr_init(&wr, RPCC_MAX_STUB);
	if ((o->dcom ? dcom_enroll_call(&t, q, &wr, &resp, err, sizeof(err))
		     : enroll_call(&t, q, &wr, &resp, err, sizeof(err))) != RPCC_OK) {
		fprintf(errf, "careq: %s\n", err);
		rc = CAREQ_EXIT_NET;
	} else {
		rc = report_outcome(&resp, q->request_id, certout, out, errf);
		rc = careq_save_answer(o, &resp, rc, errf);
	}
	ndr_wr_free(&wr);
	ntlmc_free(cred);
	return rc;
}

/* REQ as the DER to send: PEM (any request label) or base64 decoded, DER or BER
 * as read (a signature covers the octets as they were made). */
static int read_request(const char *path, uint8_t **file, struct icpr_request *rq,
			struct rpc_icpr_blob *blob, FILE *errf)
{
	size_t len = 0;
	int rc;

	if (file_read_all(path, REQ_FILE_MAX, file, &len) != 0)
		return local_error(errf, "cannot read %s: %s", path, strerror(errno));
	if ((rc = icpr_request_detect(*file, len, rq)) != ICPR_OK)
		return local_error(errf, "%s: %s", path, rc == ICPR_ETOOLONG ? "request too large"
				   : "not a certificate request (PKCS#10, CMS or CMC; PEM or DER)");
	blob->pb = rq->was_text ? rq->der.data : *file;
	blob->cb = (uint32_t)(rq->was_text ? rq->der.len : len);
	return CAREQ_EXIT_OK;
}

/* -on-behalf-of: REQ, a PKCS#10, becomes the eContent of the agent's CMS
 * (MS-WCCE 3.2.1.4.2.1.4: the enrollment agent signs, the name-value pair
 * RequesterName names the user); *cms replaces the blob. */
static int wrap_for_agent(const struct careq_opts *o, const struct icpr_request *rq,
			  struct rpc_icpr_blob *blob, struct x509_buf *cms, FILE *errf)
{
	struct cmsreq_signer agent;
	char err[CLIENT_ERR_LEN];
	int rc;

	if (rq->format != ICPR_FMT_PKCS10)
		return local_error(errf, "%s: -on-behalf-of wraps a PKCS#10 request, not a CMS or CMC one",
				   o->arg[0]);
	if (cmsreq_load_signer(o->agent_cert, o->agent_key, &agent, err, sizeof(err)) != 0)
		return local_error(errf, "%s", err);
	rc = cmsreq_sign(&agent, blob->pb, blob->cb, o->on_behalf, cms, err, sizeof(err));
	cmsreq_signer_free(&agent);
	if (rc != 0)
		return local_error(errf, "%s", err);
	blob->pb = cms->data;
	blob->cb = (uint32_t)cms->len;
	return CAREQ_EXIT_OK;
}

static int cmd_submit(const struct careq_opts *o, FILE *out, FILE *errf)
{
	struct x509_buf cms = {0};
	struct rpc_icpr_request q;
	struct icpr_request rq;
	uint8_t *file = NULL;
	int rc;

	memset(&q, 0, sizeof(q));
	memset(&rq, 0, sizeof(rq));
	fill_text(o, &q);
	/* dwFlags: the format bits stay 0 (the CA detects the format, as real
	 * clients let it); CR_IN_FULLRESPONSE and CR_IN_CRLS as asked */
	q.flags = o->flags;
	rc = read_request(o->arg[0], &file, &rq, &q.request, errf);
	if (rc == CAREQ_EXIT_OK && o->on_behalf != NULL)
		rc = wrap_for_agent(o, &rq, &q.request, &cms, errf);
	if (rc == CAREQ_EXIT_OK)
		rc = exchange(o, &q, o->arg[1], out, errf);
	x509_buf_free(&cms);
	if (rq.format != ICPR_FMT_UNKNOWN)
		icpr_request_free(&rq);
	free(file);
	return rc;
}

static int cmd_retrieve(const struct careq_opts *o, FILE *out, FILE *errf)
{
	struct rpc_icpr_request q;

	memset(&q, 0, sizeof(q));
	/* Retrieval: the id, an empty pctbRequest. */
	q.request_id = o->request_id;
	q.flags = o->flags;
	fill_text(o, &q);
	return exchange(o, &q, o->arg[1], out, errf);
}

/* ---- getcaprop ---- */

/* The CAINFO field a Long property travels in (MS-WCCE 2.2.2.4); 0 if none. */
static size_t cainfo_offset(int32_t id)
{
	switch (id) {
	case CR_PROP_CATYPE: return 4;
	case CR_PROP_CASIGCERTCOUNT: return 8;
	case CR_PROP_CAXCHGCERTCOUNT: return 12;
	case CR_PROP_EXITCOUNT: return 16;
	case CR_PROP_CAPROPIDMAX: return 20;
	case CR_PROP_ROLESEPARATIONENABLED: return 24;
	case CR_PROP_KRACERTUSEDCOUNT: return 28;
	case CR_PROP_KRACERTCOUNT: return 32;
	case CR_PROP_ADVANCEDSERVER: return 36;
	default: return 0;
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Prints (or writes) a property's value as its type says. */
static int print_prop(const struct careq_opts *o, const struct caprop_info *pi,
		      const struct rpc_icpr_blob *v, FILE *out, FILE *errf)
{
	size_t off = cainfo_offset(pi->id), n = 0, units = 0;
	char *text = NULL;

	if (pi->type == CAPROP_TYPE_BINARY) {
		if (atomicfile_write(o->out_file, v->pb, v->cb, 0644) != 0)
			return local_error(errf, "cannot write %s: %s", o->out_file, strerror(errno));
		fprintf(out, "%s: %u octets in %s\n", pi->name, v->cb, o->out_file);
		return CAREQ_EXIT_OK;
	}
	if (pi->type == CAPROP_TYPE_STRING) {
		/* up to the NUL the value carries */
		if (icpr_utf16_len(v->pb, v->cb, &units) != ICPR_OK ||
		    (text = malloc((size_t)v->cb * 2 + 1)) == NULL ||
		    icpr_utf16_to_utf8(v->pb, units * 2, text, (size_t)v->cb * 2 + 1, &n) !=
			    ICPR_OK) {
			fprintf(errf, "careq: %s: the CA sent %u octets that are not UTF-16 text\n",
				pi->name, v->cb);
			free(text);
			return CAREQ_EXIT_NET;
		}
		fprintf(out, "%s\n", text);
		free(text);
		return CAREQ_EXIT_OK;
	}
	if (pi->wire == CAPROP_WIRE_CAINFO && off != 0 && v->cb >= off + 4) {
		fprintf(out, "%d\n", (int32_t)le32(v->pb + off));
		return CAREQ_EXIT_OK;
	}
	if (pi->wire == CAPROP_WIRE_STATES) {
		for (uint32_t i = 0; i < v->cb; i++)
			fprintf(out, "%s%u", i ? " " : "", v->pb[i]);
		fprintf(out, "\n");
		return CAREQ_EXIT_OK;
	}
	if (v->cb == 4) {
		fprintf(out, "%d\n", (int32_t)le32(v->pb));
		return CAREQ_EXIT_OK;
	}
	fprintf(errf, "careq: %s: the CA sent %u octets for a Long\n", pi->name, v->cb);
	return CAREQ_EXIT_NET;
}

static int cmd_getcaprop(const struct careq_opts *o, FILE *out, FILE *errf)
{
	const struct caprop_info *pi = caprop_find(o->prop_id);
	struct enroll_target t = o->target;
	char err[CLIENT_ERR_LEN + 64];
	struct ntlmc *cred = NULL;
	struct rpc_icpr_blob v;
	struct rpcc_auth auth;
	struct dcomc d;
	struct ndr_wr wr;
	uint32_t hr = 0;
	int rc;

	if ((rc = logon(o, errf, &cred, &auth, &t)) != 0)
		return rc;
	ndr_wr_init(&wr, RPCC_MAX_STUB);
	if (dcomc_open(&t, &d, err, sizeof(err)) != RPCC_OK) {
		fprintf(errf, "careq: %s\n", err);
		rc = CAREQ_EXIT_NET;
	} else {
		if (dcomc_getcaprop(&d, o->ca16, o->ca16_bytes / 2 - 1, o->prop_id, o->prop_index,
				    pi->type, &wr, &v, &hr) != RPCC_OK) {
			fprintf(errf, "careq: GetCAProperty at %s port %u: %s\n", t.host, d.port,
				d.c.err);
			rc = CAREQ_EXIT_NET;
		} else if (hr != 0) {
			fprintf(errf, "careq: GetCAProperty %s[%d] refused: HRESULT 0x%08x\n",
				o->arg[0], o->prop_index, hr);
			rc = CAREQ_EXIT_CA;
		} else {
			rc = print_prop(o, pi, &v, out, errf);
		}
		dcomc_close(&d, &t, 1);
	}
	ndr_wr_free(&wr);
	ntlmc_free(cred);
	return rc;
}

/* ---- renew ---- */

/* The new key and the CMS renewal request (MS-WCCE 3.1.1.4.3.2.1): a PKCS#10
 * for the old certificate's subject with the renewal certificate attribute,
 * signed with the new key, in a SignedData signed with the old key. The new key
 * is written before anything is sent: the CA may issue or pend the request. */
static int renewal_request(const struct careq_opts *o, struct x509_buf *cms, FILE *errf)
{
	struct x509_buf key = {0};
	const char *newkey = o->arg[2];
	struct cmsreq_signer old;
	char err[CLIENT_ERR_LEN];
	int rc = CAREQ_EXIT_LOCAL;

	if (cmsreq_load_signer(o->arg[0], o->arg[1], &old, err, sizeof(err)) != 0)
		return local_error(errf, "%s", err);
	if (cmsreq_renewal(&o->keyspec, &old, &key, cms, err, sizeof(err)) != 0)
		local_error(errf, "%s", err);
	else if (write_private(newkey, key.data, key.len) != 0)
		local_error(errf, "cannot create %s: %s", newkey, strerror(errno));
	else
		rc = CAREQ_EXIT_OK;
	if (rc != CAREQ_EXIT_OK)
		x509_buf_free(cms);
	if (key.data != NULL)
		explicit_bzero(key.data, key.len);
	x509_buf_free(&key);
	cmsreq_signer_free(&old);
	return rc;
}

static int cmd_renew(const struct careq_opts *o, FILE *out, FILE *errf)
{
	char err[CLIENT_ERR_LEN];
	struct rpc_icpr_request q;
	struct x509_buf cms = {0};
	int rc;

	/* -user's form before a key is made for nothing */
	if (careq_check_user(o, err, sizeof(err)) != CAREQ_ARGS_OK)
		return usage_error(errf, err);
	if ((rc = renewal_request(o, &cms, errf)) != CAREQ_EXIT_OK)
		return rc;
	fprintf(out, "renew: new %s key in %s\n", o->keyspec.name, o->arg[2]);
	fflush(out);
	memset(&q, 0, sizeof(q));
	fill_text(o, &q);
	q.flags = o->flags;
	q.request.pb = cms.data;
	q.request.cb = (uint32_t)cms.len;
	rc = exchange(o, &q, o->arg[3], out, errf);
	x509_buf_free(&cms);
	return rc;
}

int careq_main(int argc, char **argv, FILE *out, FILE *err)
{
	char msg[CLIENT_ERR_LEN];
	struct careq_opts o;
	int rc;

	switch (careq_parse(argc, argv, &o, msg, sizeof(msg))) {
	case CAREQ_ARGS_OK:
		break;
	case CAREQ_ARGS_HELP:
		fprintf(out, "%s%s", careq_synopsis, careq_details);
		return CAREQ_EXIT_OK;
	case CAREQ_ARGS_USAGE:
		return usage_error(err, msg);
	default:
		return local_error(err, "%s", msg);
	}
	if (o.verb == CAREQ_VERB_NEW)
		rc = cmd_new(&o, out, err);
	else if (o.verb == CAREQ_VERB_SUBMIT)
		rc = cmd_submit(&o, out, err);
	else if (o.verb == CAREQ_VERB_RENEW)
		rc = cmd_renew(&o, out, err);
	else if (o.verb == CAREQ_VERB_GETCAPROP)
		rc = cmd_getcaprop(&o, out, err);
	else
		rc = cmd_retrieve(&o, out, err);
	careq_opts_free(&o);
	return rc;
}
