/* ca-auth: the credential process. It holds the enrollee account database
 * (DATA/auth/accounts, NT hashes) and checks NTLM logons for the worker with
 * gss-ntlmssp; the worker, which reads the network, never sees a credential, and
 * the custodian, which holds the HSM session, never sees an NTLM token.
 *
 *   ca-auth --fd N --data DIR
 *
 * cad starts it with one end of a socketpair whose other end is the worker's
 * (a fresh pair with each worker); it serves that channel until the worker goes
 * away, then exits. Settings from DIR/ca.conf: netbios_computer_name (default:
 * the host name, uppercased, cut to 15), netbios_domain_name (default
 * WORKGROUP): the names the CHALLENGE announces. */
#include <ctype.h>
#include <getopt.h>
#include <iconv.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "firmware/auth/auth.h"
#include "platform/conf.h"
#include "platform/ipc.h"
#include "platform/log.h"
#include "platform/service.h"

#define ACCOUNTS_FILE "auth/accounts"

enum { ST_READY = 0 };

/* What the worker may send; exact layouts are checked by the handlers. */
static const struct ipc_rule rules[] = {
	{AUTH_NEGOTIATE, 1u << ST_READY, 4 + 1, 4 + AUTH_TOKEN_MAX, 0},
	{AUTH_AUTHENTICATE, 1u << ST_READY, 4 + 4 + 1, 4 + 4 + AUTH_TOKEN_MAX, 0},
	{AUTH_RELEASE, 1u << ST_READY, 4, 4, 0},
};

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: ca-auth --fd N --data DIR\n");
	exit(2);
}

static void reply_fail(struct service *s, uint32_t id, const struct leg_result *r)
{
	service_reply_error(s, AUTH_FAIL, id, r->code, r->message);
}

static void handle(struct service *s, const struct ipc_msg *m, void *ctx)
{
	struct leg_result r;
	struct ipc_rbuf rb;
	struct ipc_wbuf w;
	const uint8_t *tok = NULL;
	size_t len = 0;
	uint32_t cid = 0;

	(void)ctx;
	ipc_rbuf_init(&rb, m);
	if (m->hdr.type != AUTH_NEGOTIATE)
		cid = ipc_get_u32(&rb);
	if (m->hdr.type != AUTH_RELEASE)
		ipc_get_bytes(&rb, &tok, &len, AUTH_TOKEN_MAX);
	if (ipc_rbuf_done(&rb) != 0)
		fatalx("protocol violation: malformed message %#x from the worker", m->hdr.type);
	ipc_wbuf_init(&w);
	switch (m->hdr.type) {
	case AUTH_NEGOTIATE:
		acceptor_negotiate(tok, len, &r);
		if (r.code != 0) {
			log_info("NEGOTIATE refused: %s", r.message);
			ipc_wbuf_free(&w);
			reply_fail(s, m->hdr.id, &r);
			break;
		}
		ipc_put_u32(&w, r.ctx);
		ipc_put_bytes(&w, r.token, r.token_len);
		service_reply(s, AUTH_CHALLENGE, m->hdr.id, &w);
		break;
	case AUTH_AUTHENTICATE:
		acceptor_authenticate(cid, tok, len, &r);
		if (r.code != 0) {
			log_info("logon refused: %s", r.message);
			ipc_wbuf_free(&w);
			reply_fail(s, m->hdr.id, &r);
			break;
		}
		log_info("logon of %s%s", r.identity, r.anonymous ? " (anonymous)" : "");
		ipc_put_str(&w, r.identity);
		ipc_put_u32(&w, (uint32_t)r.anonymous);
		ipc_put_bytes(&w, r.key, AUTH_KEY_LEN);
		service_reply(s, AUTH_OK, m->hdr.id, &w); /* ipc_wbuf_free wipes the copy */
		break;
	default: /* AUTH_RELEASE */
		memset(&r, 0, sizeof(r));
		(void)acceptor_release(cid);
		ipc_wbuf_free(&w);
		service_reply(s, AUTH_RELEASED, m->hdr.id, NULL);
		break;
	}
	leg_result_free(&r);
}

/* A NetBIOS name: 1..15 characters, no blanks or separators, uppercased. */
static void netbios(const char *v, char *out, size_t outlen, const char *what)
{
	size_t n = 0;

	for (; *v != 0 && n + 1 < outlen && n < 15; v++) {
		if (!isalnum((unsigned char)*v) && *v != '-' && *v != '_')
			fatalx("ca.conf: %s '%s': letters, digits, '-' and '_' only", what, v);
		out[n++] = (char)toupper((unsigned char)*v);
	}
	out[n] = 0;
	if (n == 0)
		fatalx("ca.conf: %s is empty", what);
}

/* The account file is password-equivalent: only this process's user may read it. */
static void check_accounts(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		log_warnx("%s: no account file: every NTLM logon is refused (caadm account add)",
			  path);
		return;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_uid != geteuid())
		fatalx("%s must be a regular file of this user with mode 0600 (it holds NT "
		       "hashes, which are password-equivalent)", path);
}

static void setup_env(const char *dir)
{
	char path[PATH_MAX], err[256], host[256], comp[16], dom[16];
	const char *v;
	struct conf conf;

	snprintf(path, sizeof(path), "%s/ca.conf", dir);
	if (conf_load(path, &conf, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if ((v = conf_get(&conf, "netbios_computer_name")) == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "CA");
		host[strcspn(host, ".")] = 0;
		v = host;
	}
	netbios(v, comp, sizeof(comp), "netbios_computer_name");
	v = conf_get(&conf, "netbios_domain_name");
	netbios(v != NULL ? v : "WORKGROUP", dom, sizeof(dom), "netbios_domain_name");
	snprintf(path, sizeof(path), "%s/%s", dir, ACCOUNTS_FILE);
	check_accounts(path);
	/* gss-ntlmssp reads these: the account file, the CHALLENGE's names, and level
	 * 5 (NTLMv2 only: no LM, no NTLMv1 responses are accepted). */
	if (setenv("NTLM_USER_FILE", path, 1) != 0 || setenv("NETBIOS_COMPUTER_NAME", comp, 1) ||
	    setenv("NETBIOS_DOMAIN_NAME", dom, 1) != 0 || setenv("LM_COMPAT_LEVEL", "5", 1) != 0)
		fatal("setenv");
	log_info("NetBIOS names %s / %s, accounts in %s", comp, dom, path);
}

/* gss-ntlmssp converts names and passwords to UTF-16LE with iconv, which loads
 * glibc's gconv module UTF-16.so. Where it is missing (a root file system without
 * /usr/lib/.../gconv), iconv_open fails inside gss-ntlmssp and every logon is then
 * refused with a bare "Bad file descriptor": say so at start instead. Loading the
 * module here, before the sandbox, also means no file is opened for it later. */
static void check_utf16(void)
{
	iconv_t cd = iconv_open("UTF-16LE", "UTF-8");

	if (cd == (iconv_t)-1)
		fatal("iconv UTF-8 -> UTF-16LE, which NTLM needs (glibc's gconv module "
		      "UTF-16.so)");
	iconv_close(cd);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"fd", 1, 0, 'f'}, {"data", 1, 0, 'd'}, {0, 0, 0, 0}};
	const char *dir = NULL;
	char err[512];
	int fd = -1, ch;

	log_init("ca-auth");
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'f': fd = conf_arg_fd(optarg); break;
		case 'd': dir = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || fd < 0 || dir == NULL)
		usage();
	setup_env(dir);
	check_utf16();
	if (acceptor_init(err, sizeof(err)) != 0)
		fatalx("%s", err);
	auth_sandbox();
	/* One thread: the context table is not shared, and NTLM's work is a few
	 * HMACs per logon. */
	service_run(fd, "worker", AUTH_MAX_PAYLOAD, rules, sizeof(rules) / sizeof(rules[0]), 1,
		    handle, NULL, NULL);
	log_info("the worker's channel closed: exiting");
	/* _exit: nothing is left to flush, and the sandbox forbids what exit-time
	 * hooks may do (LeakSanitizer's check under ASan uses ptrace). */
	_exit(0);
}
