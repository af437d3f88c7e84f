/* firmware/auth/serve.c and gss.c: ca-auth's worker channel driven as the
 * worker drives it, without processes: auth_serve on one end of a socketpair
 * in a thread, msg.c's encoders and decoders at the other end, gss-ntlmssp's
 * own initiator as the client (as careq's firmware/client/ntlm_init.c) and the
 * real gss-ntlmssp acceptor behind ca-auth, against an account file written
 * here. Every answer is checked exactly: its type, and for a refusal its
 * AUTH_E_* code and message; a violation is a channel that ends unanswered
 * with auth_serve returning 1. */
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/msg.h"
#include "firmware/auth/spnego.h"
#include "firmware/auth/start.h"
#include "firmware/auth/throttle.h"
#include "firmware/identity/ntlm_hash.h"
#include "platform/ipc.h"
#include "tests/unit/support/data_dir.h"
#include "tests/unit/support/spnego_ref.h"

const char *__lsan_default_suppressions(void);

/* gss-ntlmssp loads OpenSSL's configuration and providers once and never frees
 * them (tests/integration/lsan.supp, tests/fuzz/fuzz_auth.c). */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\nleak:gssntlmssp.so\n";
}

#define PEER "192.0.2.1"
#define ALICE_PW "alice's password"
#define BOB_PW "bob's password"

/* Accounts: alice in EXAMPLE; bob in two domains (an empty domain is
 * ambiguous); carol's line is the DOMAIN:USER:PASSWORD form; dave is disabled.
 * DIR is laid out as ca-auth's data directory (DIR/ca.conf, the account file
 * DIR/auth/accounts) for the test that starts ca-auth as it runs. */
static char dir[] = "/tmp/test_auth_serve.XXXXXX";
static char accounts[96];

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

/* ---- the client: gss-ntlmssp's initiator ---- */

struct client {
	gss_cred_id_t cred;
	gss_ctx_id_t ctx;
	gss_name_t target;
};

static void client_new(struct client *c, const char *user, const char *password)
{
	gss_OID_set_desc mechs = {1, &ntlm_oid};
	gss_buffer_desc nb = {strlen(user), (void *)user};
	gss_buffer_desc pw = {strlen(password), (void *)password};
	gss_buffer_desc tb = {strlen("host@ca"), (void *)"host@ca"};
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 minor;

	memset(c, 0, sizeof(*c));
	assert_false(GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name)));
	assert_false(GSS_ERROR(gss_acquire_cred_with_password(
		&minor, name, &pw, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &c->cred, NULL, NULL)));
	assert_false(GSS_ERROR(gss_import_name(&minor, &tb, GSS_C_NT_HOSTBASED_SERVICE,
					       &c->target)));
	gss_release_name(&minor, &name);
}

static void client_free(struct client *c)
{
	OM_uint32 min;

	if (c->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &c->ctx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &c->cred);
	gss_release_name(&min, &c->target);
}

/* One initiator step: the NEGOTIATE (in NULL) or the AUTHENTICATE answering
 * the CHALLENGE in; the token in out (gss_release_buffer). */
static void client_step(struct client *c, const uint8_t *in, size_t in_len, gss_buffer_desc *out)
{
	gss_buffer_desc ib = {in_len, (void *)in};
	OM_uint32 major, minor;

	major = gss_init_sec_context(&minor, c->cred, &c->ctx, c->target, &ntlm_oid,
				     GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
				     GSS_C_NO_CHANNEL_BINDINGS, in != NULL ? &ib : GSS_C_NO_BUFFER,
				     NULL, out, NULL, NULL);
	assert_false(GSS_ERROR(major));
	assert_true(out->length > 0);
}

/* The session key the client derived: what AUTH_OK must hand the worker. */
static void client_key(struct client *c, uint8_t key[AUTH_KEY_LEN])
{
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	OM_uint32 minor;

	assert_false(GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, c->ctx,
							      GSS_C_INQ_SSPI_SESSION_KEY, &set)));
	assert_int_equal(set->elements[0].length, AUTH_KEY_LEN);
	memcpy(key, set->elements[0].value, AUTH_KEY_LEN);
	gss_release_buffer_set(&minor, &set);
}

/* ---- the worker's end of the channel ---- */

struct chan {
	struct ipc_chan ipc;
	int fd[2];
	pthread_t tid;
	int served; /* auth_serve's return */
	struct auth_tokens *tk;
	uint32_t id;
	struct ipc_msg m; /* the last answer */
	pid_t pid;        /* ca-auth started in a child (open_chan_started), or 0 */
};

static void *serve(void *arg)
{
	struct chan *c = arg;

	c->served = auth_serve(c->fd[1], c->tk);
	close(c->fd[1]);
	return NULL;
}

static void open_chan(struct chan *c, struct auth_tokens *tk)
{
	memset(c, 0, sizeof(*c));
	c->m.fd = -1; /* no descriptor: ipc_msg_free closes one */
	c->tk = tk;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->fd), 0);
	ipc_chan_init(&c->ipc, c->fd[0], "ca-auth", AUTH_ANSWER_MAX);
	assert_int_equal(pthread_create(&c->tid, NULL, serve, c), 0);
}

/* ca-auth as it runs, in a forked child: auth_start as main.c calls it
 * (o), then auth_serve on its end of the channel; the child's exit status is
 * auth_serve's return, 2 if auth_start refused. */
static void open_chan_started(struct chan *c, const struct auth_opts *o,
			      struct auth_tokens *tk)
{
	memset(c, 0, sizeof(*c));
	c->m.fd = -1;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->fd), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		char err[512];

		close(c->fd[0]);
		if (auth_start(o, tk, err, sizeof(err)) != 0) {
			fprintf(stderr, "auth_start: %s\n", err);
			_exit(2);
		}
		_exit(auth_serve(c->fd[1], tk) != 0 ? 1 : 0);
	}
	close(c->fd[1]);
	ipc_chan_init(&c->ipc, c->fd[0], "ca-auth", AUTH_ANSWER_MAX);
}

/* The worker closes its end; the child's wait status. */
static int close_chan_started(struct chan *c)
{
	int st;

	shutdown(c->fd[0], SHUT_RDWR);
	assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
	ipc_msg_free(&c->m);
	ipc_chan_free(&c->ipc);
	close(c->fd[0]);
	return st;
}

/* The worker closes its end; auth_serve's return value. */
static int close_chan(struct chan *c)
{
	shutdown(c->fd[0], SHUT_RDWR);
	pthread_join(c->tid, NULL);
	ipc_msg_free(&c->m);
	ipc_chan_free(&c->ipc);
	close(c->fd[0]);
	return c->served;
}

/* Sends type with payload w (freed) and reads the answer into c->m: 1, or 0
 * if ca-auth ended the channel instead of answering. */
static int call(struct chan *c, uint32_t type, struct ipc_wbuf *w)
{
	char err[256];
	int rc;

	ipc_msg_free(&c->m);
	rc = ipc_send(&c->ipc, type, ++c->id, w->data, w->len, -1);
	ipc_wbuf_free(w);
	if (rc != 0) /* ca-auth ended the channel while the frame was on its way */
		return 0;
	rc = ipc_recv(&c->ipc, &c->m, err, sizeof(err));
	if (rc <= 0)
		return 0;
	assert_int_equal(c->m.hdr.id, c->id);
	return 1;
}

/* What ca-auth logs while f runs on c: stderr into a file meanwhile. */
static char logged[4096];

static void log_begin(int *saved)
{
	FILE *t = tmpfile();

	assert_non_null(t);
	fflush(stderr);
	*saved = dup(2);
	assert_int_equal(dup2(fileno(t), 2), 2);
	fclose(t); /* fd 2 keeps the file */
}

static void log_end(int saved)
{
	ssize_t n;

	fflush(stderr);
	n = pread(2, logged, sizeof(logged) - 1, 0);
	logged[n > 0 ? n : 0] = 0;
	dup2(saved, 2);
	close(saved);
	fputs(logged, stderr);
}

/* A violation: no answer, the channel ends, auth_serve says it ended it, and
 * the log names why. */
static void assert_violation(struct chan *c, uint32_t type, struct ipc_wbuf *w, const char *why)
{
	char line[600];
	int saved;

	log_begin(&saved);
	assert_int_equal(call(c, type, w), 0);
	pthread_join(c->tid, NULL);
	log_end(saved);
	assert_int_equal(c->served, 1);
	snprintf(line, sizeof(line), "protocol violation by the worker, channel closed: %s\n", why);
	if (strstr(logged, line) == NULL)
		fail_msg("no '%s' in the log:\n%s", line, logged);
	ipc_msg_free(&c->m);
	ipc_chan_free(&c->ipc);
	close(c->fd[0]);
}

/* A refusal naming mech (AUTH_MECH_*: the mechanism a SPNEGO leg had chosen,
 * which the worker journals; 0 when none was). */
static void expect_fail_mech(struct chan *c, uint32_t code, const char *message, uint32_t mech)
{
	struct auth_fail f;

	assert_int_equal(c->m.hdr.type, AUTH_FAIL);
	assert_int_equal(auth_fail_decode(c->m.data, c->m.hdr.len, &f), 0);
	assert_string_equal(f.message, message);
	assert_int_equal(f.code, code);
	assert_int_equal(f.mech, mech);
}

/* A refusal of no mechanism: auth type 10's, a look-up's, or a SPNEGO leg
 * refused before ca-auth chose one. */
static void expect_fail(struct chan *c, uint32_t code, const char *message)
{
	expect_fail_mech(c, code, message, 0);
}

/* A refusal whose message starts with prefix (gss-ntlmssp's own status text
 * follows it). */
static void expect_fail_prefix(struct chan *c, uint32_t code, const char *prefix)
{
	struct auth_fail f;

	assert_int_equal(c->m.hdr.type, AUTH_FAIL);
	assert_int_equal(auth_fail_decode(c->m.data, c->m.hdr.len, &f), 0);
	assert_int_equal(f.code, code);
	if (strncmp(f.message, prefix, strlen(prefix)) != 0)
		fail_msg("'%s' does not start with '%s'", f.message, prefix);
}

/* NEGOTIATE -> the CHALLENGE's context and token (into chal, if not NULL). */
static uint32_t negotiate(struct chan *c, const uint8_t *tok, size_t len, uint8_t *chal,
			  size_t *chal_len)
{
	struct auth_challenge ch;
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	auth_negotiate_encode(&w, &(struct auth_negotiate){tok, len});
	assert_int_equal(call(c, AUTH_NEGOTIATE, &w), 1);
	if (c->m.hdr.type != AUTH_CHALLENGE)
		return 0;
	assert_int_equal(auth_challenge_decode(c->m.data, c->m.hdr.len, &ch), 0);
	if (chal != NULL) {
		assert_true(ch.token_len <= *chal_len);
		memcpy(chal, ch.token, ch.token_len);
		*chal_len = ch.token_len;
	}
	return ch.ctx;
}

static void authenticate(struct chan *c, uint32_t ctx, const char *peer, const uint8_t *tok,
			 size_t len)
{
	struct auth_authenticate a = {.ctx = ctx, .token = tok, .token_len = len};
	struct ipc_wbuf w;

	snprintf(a.peer, sizeof(a.peer), "%s", peer);
	ipc_wbuf_init(&w);
	auth_authenticate_encode(&w, &a);
	assert_int_equal(call(c, AUTH_AUTHENTICATE, &w), 1);
}

static void release(struct chan *c, uint32_t ctx)
{
	struct ipc_wbuf w;

	ipc_wbuf_init(&w);
	auth_release_encode(&w, &(struct auth_release){ctx});
	assert_int_equal(call(c, AUTH_RELEASE, &w), 1);
	assert_int_equal(c->m.hdr.type, AUTH_RELEASED);
	assert_int_equal(auth_released_decode(c->m.data, c->m.hdr.len), 0);
}

/* The context of the last logon logon_edited made (AUTH_LOOKUP names it). */
static uint32_t last_ctx;

/* How a test edits a leg's token before ca-auth sees it. */
typedef void (*edit_fn)(uint8_t *tok, size_t *len);

/* A whole logon of user with password from peer; edit_neg / edit_auth (NULL:
 * none) change the NEGOTIATE or the AUTHENTICATE on the way. The answer is in
 * c->m; *cl keeps the client (for its session key) unless cl is NULL. */
static void logon_edited(struct chan *c, const char *user, const char *password,
			 const char *peer, edit_fn edit_neg, edit_fn edit_auth, struct client *cl)
{
	struct client own, *k = cl != NULL ? cl : &own;
	gss_buffer_desc neg = GSS_C_EMPTY_BUFFER, au = GSS_C_EMPTY_BUFFER;
	uint8_t chal[4096], tok[4096];
	size_t chal_len = sizeof(chal), len;
	uint32_t ctx;
	OM_uint32 min;

	client_new(k, user, password);
	client_step(k, NULL, 0, &neg);
	len = neg.length;
	memcpy(tok, neg.value, len);
	if (edit_neg != NULL)
		edit_neg(tok, &len);
	ctx = negotiate(c, tok, len, chal, &chal_len);
	last_ctx = ctx;
	if (c->m.hdr.type == AUTH_CHALLENGE) {
		client_step(k, chal, chal_len, &au);
		assert_true(au.length <= sizeof(tok));
		len = au.length;
		memcpy(tok, au.value, len);
		if (edit_auth != NULL)
			edit_auth(tok, &len);
		authenticate(c, ctx, peer, tok, len);
	}
	gss_release_buffer(&min, &neg);
	gss_release_buffer(&min, &au);
	if (cl == NULL)
		client_free(k);
}

static void logon(struct chan *c, const char *user, const char *password, const char *peer)
{
	logon_edited(c, user, password, peer, NULL, NULL, NULL);
}

/* AUTH_OK naming identity, with no token (no key) or one this key verifies. */
static void expect_ok(struct chan *c, const char *identity, struct auth_ok *ok)
{
	assert_int_equal(c->m.hdr.type, AUTH_OK);
	assert_int_equal(auth_ok_decode(c->m.data, c->m.hdr.len, ok), 0);
	assert_string_equal(ok->identity, identity);
	assert_int_equal(ok->anonymous, 0);
}


/* ---- tests ---- */

/* A client's NEGOTIATE (as gss.c's warm-up): UNICODE, SIGN, SEAL, ESS,
 * VERSION, 128, KEY_EXCH, 56; no names. */
static const uint8_t neg40[40] = {
	'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 0x35, 0x82, 0x08, 0xe2,
	0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0, 10, 0, 0x63, 0x45, 0, 0, 0, 15,
};

static void test_logon_names_the_account_and_hands_its_key(void **state)
{
	struct auth_tokens tk = {.key = "0123456789abcdef0123456789abcde", .have_key = 1,
				 .lifetime_s = 60};
	uint8_t key[AUTH_KEY_LEN];
	struct client cl;
	struct auth_ok ok;
	struct idtoken t;
	struct chan c;
	char err[128];
	int64_t now = (int64_t)time(NULL);

	(void)state;
	open_chan(&c, &tk);
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, PEER, NULL, NULL, &cl);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	/* the worker seals with the key the client derived */
	client_key(&cl, key);
	assert_memory_equal(ok.key, key, AUTH_KEY_LEN);
	client_free(&cl);
	/* the voucher: this key's, naming the account, logon 1, expiring in 60 s */
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON, now, &t, err,
					 sizeof(err)), 0);
	assert_string_equal(t.identity, "EXAMPLE\\alice");
	assert_int_equal(t.logon, 1);
	assert_true(t.expires >= now + 60 && t.expires <= now + 62);
	/* another key does not verify it */
	tk.key[0] ^= 1;
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON, now, &t, err,
					 sizeof(err)), -1);
	tk.key[0] ^= 1;
	/* each logon its own serial */
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON, now, &t, err,
					 sizeof(err)), 0);
	assert_int_equal(t.logon, 2);
	assert_int_equal(tk.next_logon, 2);
	assert_int_equal(close_chan(&c), 0); /* the worker closed: not a violation */
}

/* Without a key (or without tokens at all) a logon is answered, unvouched. */
static void test_no_key_no_token(void **state)
{
	struct auth_tokens tk = {.have_key = 0, .lifetime_s = 60};
	struct auth_ok ok;
	struct chan c;

	(void)state;
	open_chan(&c, &tk);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(ok.id_token_len, 0);
	assert_int_equal(tk.next_logon, 0);
	assert_int_equal(close_chan(&c), 0);
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(ok.id_token_len, 0);
	assert_int_equal(close_chan(&c), 0);
}

/* One name per account: the file's, whatever the client typed. */
static void test_canonical_names(void **state)
{
	struct auth_ok ok;
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	logon(&c, "alice", ALICE_PW, PEER); /* empty domain: found wherever it is */
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	logon(&c, "EXAMPLE\\ALICE", ALICE_PW, PEER); /* the user in another case */
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	logon(&c, "OTHER\\bob", BOB_PW, PEER);
	expect_ok(&c, "OTHER\\bob", &ok);
	/* bob in two domains: an empty domain names no single account */
	logon(&c, "bob", BOB_PW, PEER);
	expect_fail(&c, AUTH_E_DENIED, "'bob' without a domain names 2 accounts: give the domain");
	/* the DOMAIN:USER:PASSWORD form names its line too */
	logon(&c, "EXAMPLE\\carol", "carol's password", PEER);
	expect_ok(&c, "EXAMPLE\\carol", &ok);
	assert_int_equal(close_chan(&c), 0);
}

static void test_unknown_account_and_wrong_password(void **state)
{
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\mallory", "guess", PEER);
	expect_fail(&c, AUTH_E_DENIED, "no account 'EXAMPLE\\mallory'");
	logon(&c, "mallory", "guess", PEER);
	expect_fail(&c, AUTH_E_DENIED, "no account 'mallory'");
	logon(&c, "OTHER\\alice", ALICE_PW, PEER); /* alice, but not in OTHER */
	expect_fail(&c, AUTH_E_DENIED, "no account 'OTHER\\alice'");
	logon(&c, "EXAMPLE\\alice", "not alice's password", PEER);
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	assert_int_equal(close_chan(&c), 0);
}

/* The account file unreadable: every logon refused, nothing crashes. */
static void test_account_file_missing(void **state)
{
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	setenv("NTLM_USER_FILE", "/nonexistent/accounts", 1);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_fail(&c, AUTH_E_DENIED,
		    "the account file cannot be read: No such file or directory");
	unsetenv("NTLM_USER_FILE");
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_fail(&c, AUTH_E_DENIED, "the account file cannot be read: no NTLM_USER_FILE");
	setenv("NTLM_USER_FILE", accounts, 1);
	assert_int_equal(close_chan(&c), 0);
}

static void clear_128(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[15] &= (uint8_t)~0x20; /* NegotiateFlags' NEGOTIATE_128 */
}

static void clear_128_authenticate(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[63] &= (uint8_t)~0x20; /* the AUTHENTICATE's NegotiateFlags at 60 */
}

/* 40- or 56-bit sealing is refused in either leg, before gss-ntlmssp. */
static void test_without_negotiate_128(void **state)
{
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, PEER, clear_128, NULL, NULL);
	expect_fail(&c, AUTH_E_DENIED, "NTLM without 128-bit keys (the NEGOTIATE offers only "
				       "56- or 40-bit session keys)");
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, PEER, NULL, clear_128_authenticate, NULL);
	expect_fail(&c, AUTH_E_DENIED,
		    "NTLM without 128-bit keys (NEGOTIATE_128 missing in the AUTHENTICATE)");
	assert_int_equal(close_chan(&c), 0);
}

static void drop_key(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[52] = tok[53] = 0; /* EncryptedRandomSessionKey: empty (gss-ntlmssp: SIGSEGV) */
}

static void flip_proof(uint8_t *tok, size_t *len)
{
	size_t nt = (size_t)(tok[24] | tok[25] << 8 | tok[26] << 16 | tok[27] << 24);

	(void)len;
	tok[nt] ^= 1; /* the NTProofStr: a response no password makes */
}

/* Tokens that would hurt gss-ntlmssp are refused (check.c); a tampered
 * response is gss-ntlmssp's to refuse. */
static void test_tampered_authenticate(void **state)
{
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, PEER, NULL, drop_key, NULL);
	expect_fail(&c, AUTH_E_DENIED,
		    "NTLM KEY_EXCH with an EncryptedRandomSessionKey of 0 octets (16)");
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, PEER, NULL, flip_proof, NULL);
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	assert_int_equal(close_chan(&c), 0);
}

/* NEGOTIATEs refused: by check.c, or by gss-ntlmssp itself. */
static void test_negotiate_refusals(void **state)
{
	uint8_t tok[40];
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	memcpy(tok, neg40, 40);
	tok[12] |= 0x40; /* datagram */
	assert_int_equal(negotiate(&c, tok, 40, NULL, NULL), 0);
	expect_fail(&c, AUTH_E_DENIED, "connectionless (datagram) NTLM is not offered");
	memcpy(tok, neg40, 40);
	tok[12] &= (uint8_t)~0x03; /* neither UNICODE nor OEM */
	assert_int_equal(negotiate(&c, tok, 40, NULL, NULL), 0);
	expect_fail(&c, AUTH_E_DENIED, "NTLM NEGOTIATE offers neither UNICODE nor OEM names");
	memcpy(tok, neg40, 40);
	tok[8] = 3; /* an AUTHENTICATE's type: decoded as one, too short */
	assert_int_equal(negotiate(&c, tok, 40, NULL, NULL), 0);
	expect_fail(&c, AUTH_E_DENIED, "NTLM AUTHENTICATE of 40 octets is truncated");
	/* 32 octets that say they carry a VERSION: gss-ntlmssp refuses them */
	memcpy(tok, neg40, 32);
	tok[20] = tok[28] = 32;
	assert_int_equal(negotiate(&c, tok, 32, NULL, NULL), 0);
	expect_fail_prefix(&c, AUTH_E_DENIED, "NEGOTIATE refused: ");
	assert_int_equal(close_chan(&c), 0);
}

/* A NEGOTIATE without its VERSION (impacket's 32 octets) is answered. */
static void test_short_negotiate_answered(void **state)
{
	uint8_t tok[32];
	struct chan c;
	uint32_t ctx;

	(void)state;
	open_chan(&c, NULL);
	memcpy(tok, neg40, 32);
	tok[15] &= (uint8_t)~0x02; /* no NEGOTIATE_VERSION */
	tok[20] = tok[28] = 32;
	ctx = negotiate(&c, tok, 32, NULL, NULL);
	assert_int_equal(c.m.hdr.type, AUTH_CHALLENGE);
	release(&c, ctx);
	assert_int_equal(close_chan(&c), 0);
}

/* A real client's AUTHENTICATE sent as a NEGOTIATE is refused, and its own
 * context is untouched by that: the AUTHENTICATE then logs on. */
static void authenticate_as_negotiate(struct chan *c)
{
	gss_buffer_desc neg = GSS_C_EMPTY_BUFFER, au = GSS_C_EMPTY_BUFFER;
	uint8_t chal[4096];
	size_t chal_len = sizeof(chal);
	struct auth_ok ok;
	struct client cl;
	uint32_t ctx;
	OM_uint32 min;

	client_new(&cl, "EXAMPLE\\alice", ALICE_PW);
	client_step(&cl, NULL, 0, &neg);
	ctx = negotiate(c, neg.value, neg.length, chal, &chal_len);
	client_step(&cl, chal, chal_len, &au);
	assert_int_equal(negotiate(c, au.value, au.length, NULL, NULL), 0);
	expect_fail(c, AUTH_E_DENIED, "NTLM message type 3 where a NEGOTIATE belongs");
	authenticate(c, ctx, PEER, au.value, au.length);
	expect_ok(c, "EXAMPLE\\alice", &ok);
	gss_release_buffer(&min, &neg);
	gss_release_buffer(&min, &au);
	client_free(&cl);
}

/* Legs out of order: an AUTHENTICATE without its NEGOTIATE, twice on one
 * context, after a RELEASE, or a NEGOTIATE where the AUTHENTICATE belongs. */
static void test_out_of_order(void **state)
{
	struct chan c;
	uint32_t ctx;

	(void)state;
	open_chan(&c, NULL);
	authenticate(&c, 7, PEER, neg40, sizeof(neg40)); /* never made */
	expect_fail(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection");
	ctx = negotiate(&c, neg40, sizeof(neg40), NULL, NULL);
	assert_int_equal(c.m.hdr.type, AUTH_CHALLENGE);
	authenticate(&c, ctx ^ 0x100, PEER, neg40, sizeof(neg40)); /* an old generation */
	expect_fail(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection");
	authenticate(&c, ctx, PEER, neg40, sizeof(neg40));
	expect_fail(&c, AUTH_E_DENIED, "NTLM message type 1 where an AUTHENTICATE belongs");
	authenticate(&c, ctx, PEER, neg40, sizeof(neg40)); /* the refusal ended it */
	expect_fail(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection");
	ctx = negotiate(&c, neg40, sizeof(neg40), NULL, NULL);
	release(&c, ctx);
	authenticate(&c, ctx, PEER, neg40, sizeof(neg40));
	expect_fail(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection");
	release(&c, ctx);        /* gone already: still answered */
	authenticate_as_negotiate(&c);
	release(&c, 0xffffffff); /* never made */
	assert_int_equal(close_chan(&c), 0);
}

/* AUTH_MAX_CONTEXTS in flight; one more is BUSY until one is released. */
static void test_context_limit(void **state)
{
	uint32_t ctx[AUTH_MAX_CONTEXTS];
	char err[256];
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	for (int i = 0; i < AUTH_MAX_CONTEXTS; i++) {
		ctx[i] = negotiate(&c, neg40, sizeof(neg40), NULL, NULL);
		assert_int_equal(c.m.hdr.type, AUTH_CHALLENGE);
	}
	assert_int_equal(negotiate(&c, neg40, sizeof(neg40), NULL, NULL), 0);
	expect_fail(&c, AUTH_E_BUSY, "too many NTLM logons in progress");
	/* start-up's warm-up would find no room either (auth_serve waits for the
	 * next frame meanwhile: the table is not touched by two threads at once) */
	assert_int_equal(acceptor_warm_up(err, sizeof(err)), -1);
	assert_string_equal(err, "gss-ntlmssp cannot answer a NEGOTIATE: too many NTLM logons "
				 "in progress");
	release(&c, ctx[5]);
	ctx[5] = negotiate(&c, neg40, sizeof(neg40), NULL, NULL);
	assert_int_equal(c.m.hdr.type, AUTH_CHALLENGE);
	assert_int_equal(negotiate(&c, neg40, sizeof(neg40), NULL, NULL), 0);
	expect_fail(&c, AUTH_E_BUSY, "too many NTLM logons in progress");
	for (int i = 0; i < AUTH_MAX_CONTEXTS; i++)
		release(&c, ctx[i]);
	assert_int_equal(close_chan(&c), 0);
}

/* Guessing one account: past the limit its logons are refused unchecked (the
 * right password too), from any address; other accounts are not locked out. */
static void test_throttle_per_account(void **state)
{
	struct auth_ok ok;
	struct chan c;

	(void)state;
	throttle_configure(&(struct throttle_conf){2, 0, 60000, 60000});
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\alice", "guess 1", "198.51.100.1");
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	logon(&c, "alice", "guess 2", "198.51.100.2"); /* the same account, by another name */
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	logon(&c, "EXAMPLE\\alice", ALICE_PW, "198.51.100.3");
	expect_fail(&c, AUTH_E_THROTTLED,
		    "throttled: 2 failed logons of EXAMPLE\\alice, refused for 60.000 s");
	logon(&c, "EXAMPLE\\bob", BOB_PW, "198.51.100.1"); /* bob, from the guesser too */
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	/* a throttled attempt is not counted: the same words again */
	logon(&c, "EXAMPLE\\ALICE", ALICE_PW, "198.51.100.3");
	expect_fail(&c, AUTH_E_THROTTLED,
		    "throttled: 2 failed logons of EXAMPLE\\alice, refused for 60.000 s");
	assert_int_equal(close_chan(&c), 0);
}

/* Spraying from one address: past its limit every logon from it is refused
 * unchecked, whatever the account (unknown names count for the address);
 * the same accounts from elsewhere are not. */
static void test_throttle_per_address(void **state)
{
	struct auth_ok ok;
	struct chan c;

	(void)state;
	throttle_configure(&(struct throttle_conf){0, 3, 60000, 60000});
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\mallory", "x", "203.0.113.9");
	expect_fail(&c, AUTH_E_DENIED, "no account 'EXAMPLE\\mallory'");
	logon(&c, "EXAMPLE\\bob", "x", "203.0.113.9");
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, "203.0.113.9", NULL, drop_key, NULL);
	expect_fail(&c, AUTH_E_DENIED,
		    "NTLM KEY_EXCH with an EncryptedRandomSessionKey of 0 octets (16)");
	logon(&c, "EXAMPLE\\alice", ALICE_PW, "203.0.113.9");
	expect_fail(&c, AUTH_E_THROTTLED,
		    "throttled: 3 failed logons from 203.0.113.9, refused for 60.000 s");
	logon(&c, "EXAMPLE\\alice", ALICE_PW, "203.0.113.10");
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	/* an address the worker does not know is not throttled as one */
	logon(&c, "EXAMPLE\\bob", BOB_PW, "");
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	assert_int_equal(close_chan(&c), 0);
}

/* A good logon clears its account's count: failures after it start again. */
static void test_good_logon_clears_the_account(void **state)
{
	struct auth_ok ok;
	struct chan c;

	(void)state;
	throttle_configure(&(struct throttle_conf){2, 0, 60000, 60000});
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\alice", "guess", PEER);
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	logon(&c, "EXAMPLE\\alice", "guess", PEER);
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(close_chan(&c), 0);
}


/* The AUTHENTICATE's field at descriptor desc (MS-NLMP 2.2.1.3): its length
 * and offset. */
static size_t field_len(const uint8_t *tok, size_t desc)
{
	return (size_t)(tok[desc] | tok[desc + 1] << 8);
}

static size_t field_off(const uint8_t *tok, size_t desc)
{
	return (size_t)(tok[desc + 4] | tok[desc + 5] << 8 | tok[desc + 6] << 16 |
			tok[desc + 7] << 24);
}

static void user_lone_surrogate(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[field_off(tok, 36)] = 0x00; /* the user name's first UTF-16 unit: U+DC00 */
	tok[field_off(tok, 36) + 1] = 0xdc;
}

static void user_nul(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[field_off(tok, 36) + 2] = tok[field_off(tok, 36) + 3] = 0;
}

static void user_empty(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[36] = tok[37] = tok[38] = tok[39] = 0;
}

static void nt_ntlmv1(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[20] = tok[22] = 24; /* an NTLMv1 response's length */
	tok[21] = tok[23] = 0;
}

static void nt_type_2(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[field_off(tok, 20) + 16] = 2; /* RespType */
}

static void lm_8(uint8_t *tok, size_t *len)
{
	(void)len;
	memcpy(tok + 16, tok + 24, 4); /* 8 octets where the NT response starts */
	assert_true(field_len(tok, 20) >= 8);
	tok[12] = tok[14] = 8;
	tok[13] = tok[15] = 0;
}

static void user_in_header(uint8_t *tok, size_t *len)
{
	(void)len;
	tok[40] = 40; /* the user name's offset, into the fixed part */
	tok[41] = tok[42] = tok[43] = 0;
}

static void truncated(uint8_t *tok, size_t *len)
{
	(void)tok;
	*len = 60;
}

/* Real clients' AUTHENTICATEs with one defect each: AUTH_FAIL AUTH_E_DENIED
 * with check.c's words, gss-ntlmssp never asked, the context ended; each is
 * counted against the address (the fourth from one address is throttled). */
static void test_authenticate_defects_refused(void **state)
{
	static const struct {
		edit_fn edit;
		const char *why;
	} cases[] = {
		{user_lone_surrogate, "NTLM user name: a lone UTF-16 surrogate"},
		{user_nul, "NTLM user name holds a NUL"},
		{user_empty, "NTLM AUTHENTICATE without a user name (anonymous NTLM is not "
			     "accepted)"},
		{nt_ntlmv1, "an NTLMv1 response (only NTLMv2 is accepted)"},
		{nt_type_2, "NTLMv2 response of type 2.1 (1.1)"},
		{lm_8, "NTLM LM response of 8 octets"},
		{user_in_header, "NTLM user field at offset 40, inside the fixed part"},
		{truncated, "NTLM AUTHENTICATE of 60 octets is truncated"},
	};
	char peer[32];
	struct auth_ok ok;
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(peer, sizeof(peer), "198.51.100.%zu", 10 + i);
		logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, peer, NULL, cases[i].edit, NULL);
		expect_fail(&c, AUTH_E_DENIED, cases[i].why);
	}
	/* none counted against alice: her next logon is good */
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(close_chan(&c), 0);
	/* counted against their address */
	throttle_configure(&(struct throttle_conf){100, 2, 60000, 60000});
	open_chan(&c, NULL);
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, "203.0.113.50", NULL, nt_ntlmv1, NULL);
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, "203.0.113.50", NULL, user_nul, NULL);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, "203.0.113.50");
	expect_fail(&c, AUTH_E_THROTTLED,
		    "throttled: 2 failed logons from 203.0.113.50, refused for 60.000 s");
	assert_int_equal(close_chan(&c), 0);
}

/* A disabled account (caadm account disable): refused before gss-ntlmssp with
 * the account's name, the right password too. */
static void test_disabled_account(void **state)
{
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\dave", "dave's password", PEER);
	expect_fail(&c, AUTH_E_DENIED, "the account 'EXAMPLE\\dave' is disabled");
	logon(&c, "dave", "dave's password", PEER);
	expect_fail(&c, AUTH_E_DENIED, "the account 'EXAMPLE\\dave' is disabled");
	assert_int_equal(close_chan(&c), 0);
}

/* DIR/auth/attributes with text (mode, owner: uid; NULL text removes it). */
static void write_attributes(const char *text, mode_t mode, uid_t uid)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/auth/attributes", dir);
	if (text == NULL) {
		unlink(path);
		return;
	}
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	assert_int_equal(chown(path, uid, (gid_t)-1), 0);
}

#define ALICE_ATTRS                                                                      \
	"example\\ALICE\tupn=alice@example.com\temail=alice@mail.example.com\t"           \
	"dns=alice-pc.example.com\tsid=S-1-5-21-1-2-3-1001\tgroup=Domain Users\tgroup=Staff\n"

/* The token of a logon whose account has attributes carries them all (the
 * account found whatever case the file gives its name); another account's
 * has none; the file changed is read at the next logon; an absent file is no
 * attributes. */
static void test_token_carries_the_attributes(void **state)
{
	struct auth_tokens tk = {.key = "0123456789abcdef0123456789abcde", .have_key = 1,
				 .lifetime_s = 60};
	struct auth_ok ok;
	struct idtoken t;
	struct chan c;
	char err[128];
	int64_t now = (int64_t)time(NULL);

	(void)state;
	write_attributes("# caadm\n" ALICE_ATTRS "OTHER\\bob\tgroup=Other\n", 0600, geteuid());
	open_chan(&c, &tk);
	logon(&c, "alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON, now, &t, err,
					 sizeof(err)), 0);
	assert_string_equal(t.identity, "EXAMPLE\\alice");
	assert_string_equal(t.upn, "alice@example.com");
	assert_string_equal(t.email, "alice@mail.example.com");
	assert_string_equal(t.dns, "alice-pc.example.com");
	assert_string_equal(t.sid, "S-1-5-21-1-2-3-1001");
	assert_int_equal(t.n_groups, 2);
	assert_string_equal(t.groups[0], "Domain Users");
	assert_string_equal(t.groups[1], "Staff");
	/* bob of EXAMPLE has none (OTHER\bob's are not his) */
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON, now, &t, err,
					 sizeof(err)), 0);
	assert_string_equal(t.upn, "");
	assert_string_equal(t.sid, "");
	assert_int_equal(t.n_groups, 0);
	logon(&c, "OTHER\\bob", BOB_PW, PEER);
	expect_ok(&c, "OTHER\\bob", &ok);
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON, now, &t, err,
					 sizeof(err)), 0);
	assert_int_equal(t.n_groups, 1);
	assert_string_equal(t.groups[0], "Other");
	/* caadm account set: the next logon has the new attributes */
	write_attributes("EXAMPLE\\alice\tsid=S-1-5-21-1-2-3-2002\n", 0600, geteuid());
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON, now, &t, err,
					 sizeof(err)), 0);
	assert_string_equal(t.sid, "S-1-5-21-1-2-3-2002");
	assert_string_equal(t.upn, "");
	assert_int_equal(t.n_groups, 0);
	/* no file: no attributes, the logon as before */
	write_attributes(NULL, 0, 0);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON, now, &t, err,
					 sizeof(err)), 0);
	assert_string_equal(t.sid, "");
	assert_int_equal(close_chan(&c), 0);
}

/* An attributes file that cannot be believed refuses every vouched logon
 * (never a token with some of the attributes), with the reason in ca-auth's
 * log; the account's throttle is not charged (the password was right). */
static void test_bad_attributes_refuse_the_logon(void **state)
{
	static const struct {
		const char *text;
		mode_t mode;
		const char *why;
	} cases[] = {
		/* malformed on another account's line */
		{ALICE_ATTRS "EXAMPLE\\bob\tsid=S-1-5-01\n", 0600, "line 2: sid: a SID"},
		{ALICE_ATTRS "EXAMPLE\\bob\tcolour=blue\n", 0600, "line 2: unknown key"},
		{"EXAMPLE\\alice\tupn=alice@example.com", 0600, "no newline"},
		{ALICE_ATTRS, 0644, "must be a regular file of this process's user with mode 0600"},
		{ALICE_ATTRS, 0606, "mode 0600"},
	};
	struct auth_tokens tk = {.key = "0123456789abcdef0123456789abcde", .have_key = 1,
				 .lifetime_s = 60};
	struct auth_ok ok;
	struct chan c;

	(void)state;
	open_chan(&c, &tk);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int saved;

		write_attributes(cases[i].text, cases[i].mode, geteuid());
		log_begin(&saved);
		logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
		log_end(saved);
		expect_fail(&c, AUTH_E_FAILURE,
			    "the account attributes cannot be read (ca-auth's log says why)");
		assert_non_null(strstr(logged, "logon of EXAMPLE\\alice refused: the account "
					       "attributes: "));
		if (strstr(logged, cases[i].why) == NULL)
			fail_msg("no '%s' in the log:\n%s", cases[i].why, logged);
		/* bob, without attributes, is refused too: the file is not believed */
		logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
		expect_fail(&c, AUTH_E_FAILURE,
			    "the account attributes cannot be read (ca-auth's log says why)");
	}
	/* owned by another user */
	if (geteuid() == 0) {
		write_attributes(ALICE_ATTRS, 0600, 65534);
		logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
		expect_fail(&c, AUTH_E_FAILURE,
			    "the account attributes cannot be read (ca-auth's log says why)");
	}
	/* a link in its place is not followed */
	{
		char path[128], target[128];

		write_attributes(ALICE_ATTRS, 0600, geteuid());
		snprintf(path, sizeof(path), "%s/auth/attributes", dir);
		snprintf(target, sizeof(target), "%s/auth/real", dir);
		assert_int_equal(rename(path, target), 0);
		assert_int_equal(symlink(target, path), 0);
		logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
		expect_fail(&c, AUTH_E_FAILURE,
			    "the account attributes cannot be read (ca-auth's log says why)");
		unlink(path);
		unlink(target);
	}
	/* the failures were not the password's: alice is not throttled for them */
	write_attributes(NULL, 0, 0);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	/* without a key nothing is vouched for and the file is not read */
	assert_int_equal(close_chan(&c), 0);
	write_attributes("garbage", 0600, geteuid());
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	assert_int_equal(ok.id_token_len, 0);
	assert_int_equal(close_chan(&c), 0);
	write_attributes(NULL, 0, 0);
}

static void lookup(struct chan *c, uint32_t ctx, const char *account)
{
	struct auth_lookup q = {.ctx = ctx};
	struct ipc_wbuf w;

	snprintf(q.account, sizeof(q.account), "%s", account);
	ipc_wbuf_init(&w);
	auth_lookup_encode(&w, &q);
	assert_int_equal(call(c, AUTH_LOOKUP, &w), 1);
}

/* AUTH_ACCOUNT with a SUBJECT token of key naming identity (into *t); never
 * good as a LOGON token. */
static void expect_account(struct chan *c, const uint8_t *key, const char *identity,
			   struct idtoken *t)
{
	struct auth_account a;
	struct idtoken u;
	char err[160];

	if (c->m.hdr.type == AUTH_FAIL) {
		struct auth_fail f;

		assert_int_equal(auth_fail_decode(c->m.data, c->m.hdr.len, &f), 0);
		fail_msg("AUTH_FAIL %u: %s", f.code, f.message);
	}
	assert_int_equal(c->m.hdr.type, AUTH_ACCOUNT);
	assert_int_equal(auth_account_decode(c->m.data, c->m.hdr.len, &a), 0);
	assert_int_equal(idtoken_verify(key, a.token, a.token_len, IDTOKEN_SUBJECT,
					 (int64_t)time(NULL), t, err, sizeof(err)),
			 0);
	assert_string_equal(t->identity, identity);
	assert_int_equal(t->purpose, IDTOKEN_SUBJECT);
	assert_int_equal(idtoken_verify(key, a.token, a.token_len, IDTOKEN_LOGON,
					 (int64_t)time(NULL), &u, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "identity token for a subject account where a logon was expected");
}

/* ca-auth as it runs (auth_start: as nobody, chrooted to DIR/auth, under its
 * seccomp filter) answers logons: good, refused by gss-ntlmssp, refused by
 * check.c, a NEGOTIATE refused, a RELEASE; a call off its allow-list would
 * have killed it (SIGSYS: the channel ends unanswered). The identity token
 * is the key's cad gave on the pipe. As root only (the jail). */
static void test_logons_jailed_and_filtered(void **state)
{
	static const char key[] = "0123456789abcdef0123456789abcdef";
	struct passwd *pw = getpwnam("nobody");
	struct auth_tokens tk, none;
	struct auth_opts o;
	struct auth_ok ok;
	struct idtoken t;
	struct chan c;
	char err[128];
	uint32_t ctx;
	int p[2], st;

	(void)state;
	if (geteuid() != 0 || pw == NULL)
		skip();
	memset(&o, 0, sizeof(o));
	memset(&tk, 0, sizeof(tk));
	memset(&none, 0, sizeof(none));
	o.dir = dir;
	o.user = "nobody";
	o.uid = pw->pw_uid;
	o.gid = pw->pw_gid;
	o.token_lifetime_s = 60;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], key, 32), 32);
	close(p[1]);
	o.key_fd = p[0];
	assert_int_equal(chown(accounts, pw->pw_uid, pw->pw_gid), 0);
	/* the attributes file as cad leaves it: ca-auth's user's, "/attributes"
	 * in the jail */
	write_attributes(ALICE_ATTRS, 0600, pw->pw_uid);
	open_chan_started(&c, &o, &tk);
	close(p[0]);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	memcpy(none.key, key, 32);
	assert_int_equal(idtoken_verify(none.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON,
					 (int64_t)time(NULL), &t, err, sizeof(err)), 0);
	assert_string_equal(t.identity, "EXAMPLE\\alice");
	assert_string_equal(t.sid, "S-1-5-21-1-2-3-1001");
	assert_int_equal(t.n_groups, 2);
	/* an account look-up on that logon, jailed and filtered: the account
	 * file and the attributes read again */
	lookup(&c, last_ctx, "example\\ALICE");
	expect_account(&c, none.key, "EXAMPLE\\alice", &t);
	assert_string_equal(t.sid, "S-1-5-21-1-2-3-1001");
	lookup(&c, last_ctx, "EXAMPLE\\dave");
	expect_fail(&c, AUTH_E_NOACCOUNT, "the account 'EXAMPLE\\dave' is disabled");
	logon(&c, "EXAMPLE\\bob", "not bob's password", PEER);
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	logon(&c, "EXAMPLE\\mallory", "guess", PEER);
	expect_fail(&c, AUTH_E_DENIED, "no account 'EXAMPLE\\mallory'");
	logon_edited(&c, "EXAMPLE\\alice", ALICE_PW, PEER, clear_128, NULL, NULL);
	expect_fail(&c, AUTH_E_DENIED, "NTLM without 128-bit keys (the NEGOTIATE offers only "
				       "56- or 40-bit session keys)");
	ctx = negotiate(&c, neg40, sizeof(neg40), NULL, NULL);
	assert_int_equal(c.m.hdr.type, AUTH_CHALLENGE);
	release(&c, ctx);
	logon(&c, "OTHER\\bob", BOB_PW, PEER);
	expect_ok(&c, "OTHER\\bob", &ok);
	st = close_chan_started(&c);
	assert_int_equal(chown(accounts, geteuid(), getegid()), 0);
	write_attributes(NULL, 0, 0);
	if (WIFSIGNALED(st))
		fail_msg("ca-auth died of signal %d (31: a call off its list)", WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), 0); /* the worker closed: not a violation */
}

/* ---- account look-ups (AUTH_LOOKUP) ---- */

#define TEST_KEY "0123456789abcdef0123456789abcde"

/* An enrollment agent's logon (bob) looks up the account its request names:
 * a SUBJECT token naming the account as the file spells it (whatever case
 * the request used; the DOMAIN:USER:PASSWORD form too), with its attributes
 * read as at a logon, bound to bob's logon (its serial and expiry). */
static void test_lookup_finds_the_account(void **state)
{
	struct auth_tokens tk = {.key = TEST_KEY, .have_key = 1, .lifetime_s = 60};
	struct idtoken logon_t, t;
	struct auth_ok ok;
	struct chan c;
	char err[128];
	uint32_t bob;
	int saved;

	(void)state;
	write_attributes(ALICE_ATTRS "OTHER\\bob\tgroup=Other\n", 0600, geteuid());
	open_chan(&c, &tk);
	logon(&c, "alice", ALICE_PW, PEER); /* another logon first: serials differ */
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	bob = last_ctx;
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON,
					 (int64_t)time(NULL), &logon_t, err, sizeof(err)),
			 0);
	assert_int_equal(logon_t.logon, 2);
	log_begin(&saved);
	lookup(&c, bob, "example\\ALICE");
	log_end(saved);
	expect_account(&c, tk.key, "EXAMPLE\\alice", &t);
	assert_non_null(strstr(logged, "EXAMPLE\\bob looked up EXAMPLE\\alice (1 of 16)"));
	assert_int_equal(t.logon, logon_t.logon);
	assert_int_equal(t.expires, logon_t.expires);
	assert_string_equal(t.upn, "alice@example.com");
	assert_string_equal(t.email, "alice@mail.example.com");
	assert_string_equal(t.dns, "alice-pc.example.com");
	assert_string_equal(t.sid, "S-1-5-21-1-2-3-1001");
	assert_int_equal(t.n_groups, 2);
	assert_string_equal(t.groups[0], "Domain Users");
	assert_string_equal(t.groups[1], "Staff");
	/* the domain picks the account: OTHER\bob's attributes, not EXAMPLE\bob's */
	lookup(&c, bob, "OTHER\\BOB");
	expect_account(&c, tk.key, "OTHER\\bob", &t);
	assert_int_equal(t.n_groups, 1);
	assert_string_equal(t.groups[0], "Other");
	lookup(&c, bob, "EXAMPLE\\bob"); /* the caller itself: an account like any */
	expect_account(&c, tk.key, "EXAMPLE\\bob", &t);
	assert_int_equal(t.n_groups, 0);
	lookup(&c, bob, "example\\carol"); /* the DOMAIN:USER:PASSWORD line */
	expect_account(&c, tk.key, "EXAMPLE\\carol", &t);
	/* caadm account set: the next look-up reads the new attributes */
	write_attributes("EXAMPLE\\alice\tsid=S-1-5-21-1-2-3-2002\n", 0600, geteuid());
	lookup(&c, bob, "EXAMPLE\\alice");
	expect_account(&c, tk.key, "EXAMPLE\\alice", &t);
	assert_string_equal(t.sid, "S-1-5-21-1-2-3-2002");
	assert_string_equal(t.upn, "");
	assert_int_equal(tk.next_logon, 2); /* a look-up is no logon */
	write_attributes(NULL, 0, 0);
	assert_int_equal(close_chan(&c), 0);
}

/* Names that are no enabled account: refused with AUTH_E_NOACCOUNT and the
 * reason, no token; the logon goes on (and each counts). */
static void test_lookup_refuses_what_is_no_account(void **state)
{
	static const struct {
		const char *name, *why;
	} cases[] = {
		{"EXAMPLE\\mallory", "no account 'EXAMPLE\\mallory'"},
		{"EXAMPLE\\dave", "the account 'EXAMPLE\\dave' is disabled"},
		{"example\\DAVE", "the account 'EXAMPLE\\dave' is disabled"},
		{"OTHER\\alice", "no account 'OTHER\\alice'"},
		{"alice", "'alice' is not an account name (DOMAIN\\user)"},
		{"\\alice", "'\\alice' is not an account name (DOMAIN\\user)"},
		{"EXAMPLE\\", "'EXAMPLE\\' is not an account name (DOMAIN\\user)"},
		{"EXAMPLE\\alice\\x", "'EXAMPLE\\alice\\x' is not an account name (DOMAIN\\user)"},
	};
	struct auth_tokens tk = {.key = TEST_KEY, .have_key = 1, .lifetime_s = 60};
	struct auth_ok ok;
	struct idtoken t;
	struct chan c;

	(void)state;
	open_chan(&c, &tk);
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lookup(&c, last_ctx, cases[i].name);
		expect_fail(&c, AUTH_E_NOACCOUNT, cases[i].why);
	}
	assert_int_equal(tk.logons[0].lookups, sizeof(cases) / sizeof(cases[0]));
	lookup(&c, last_ctx, "EXAMPLE\\alice");
	expect_account(&c, tk.key, "EXAMPLE\\alice", &t);
	/* the account file gone: nothing is found */
	assert_int_equal(rename(accounts, "/tmp/test_auth_serve.accounts"), 0);
	lookup(&c, last_ctx, "EXAMPLE\\alice");
	assert_int_equal(rename("/tmp/test_auth_serve.accounts", accounts), 0);
	expect_fail(&c, AUTH_E_NOACCOUNT,
		    "the account file cannot be read: No such file or directory");
	/* attributes that cannot be believed: no token, as for a logon */
	write_attributes(ALICE_ATTRS "EXAMPLE\\bob\tcolour=blue\n", 0600, geteuid());
	{
		int saved;

		log_begin(&saved);
		lookup(&c, last_ctx, "EXAMPLE\\alice");
		log_end(saved);
		expect_fail(&c, AUTH_E_FAILURE,
			    "the account attributes cannot be read (ca-auth's log says why)");
		assert_non_null(strstr(logged, "look-up of EXAMPLE\\alice refused: the account "
					       "attributes: "));
	}
	write_attributes(NULL, 0, 0);
	assert_int_equal(close_chan(&c), 0);
}

/* No token without a logon vouched for on that context: none made, one only
 * negotiated, one refused, one released, one of another connection's that
 * expired, one made without a key (nothing vouched, nothing remembered). */
static void test_lookup_needs_a_vouched_logon(void **state)
{
	struct auth_tokens tk = {.key = TEST_KEY, .have_key = 1, .lifetime_s = 60};
	struct auth_tokens nokey = {.have_key = 0, .lifetime_s = 60};
	struct auth_ok ok;
	struct idtoken t;
	struct chan c;
	uint32_t ctx;

	(void)state;
	open_chan(&c, &tk);
	lookup(&c, 0, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	ctx = negotiate(&c, neg40, sizeof(neg40), NULL, NULL);
	assert_int_equal(c.m.hdr.type, AUTH_CHALLENGE);
	lookup(&c, ctx, "EXAMPLE\\alice"); /* between the legs: no logon yet */
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	release(&c, ctx);
	logon(&c, "EXAMPLE\\bob", "not bob's password", PEER);
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	lookup(&c, last_ctx, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	ctx = last_ctx;
	lookup(&c, ctx ^ 0x100, "EXAMPLE\\alice"); /* the slot's next generation */
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	lookup(&c, ctx, "EXAMPLE\\alice");
	expect_account(&c, tk.key, "EXAMPLE\\alice", &t);
	release(&c, ctx); /* the connection ended */
	lookup(&c, ctx, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	/* a logon whose token has expired: forgotten at its first look-up */
	tk.lifetime_s = 0;
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	lookup(&c, last_ctx, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_NOCTX, "the logon of EXAMPLE\\bob has expired");
	lookup(&c, last_ctx, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	assert_int_equal(close_chan(&c), 0);
	/* without a key nothing is vouched for, so nothing is looked up */
	open_chan(&c, &nokey);
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	lookup(&c, last_ctx, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	assert_int_equal(close_chan(&c), 0);
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	lookup(&c, last_ctx, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	assert_int_equal(close_chan(&c), 0);
}

/* At most AUTH_LOOKUPS_PER_LOGON (16) per logon, found or not: the 17th is
 * refused whatever it names, unlooked-up; another logon has its own. */
static void test_lookup_bound_per_logon(void **state)
{
	struct auth_tokens tk = {.key = TEST_KEY, .have_key = 1, .lifetime_s = 60};
	struct auth_ok ok;
	struct idtoken t;
	struct chan c;
	uint32_t first;

	(void)state;
	assert_int_equal(AUTH_LOOKUPS_PER_LOGON, 16);
	open_chan(&c, &tk);
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	first = last_ctx;
	for (int i = 0; i < AUTH_LOOKUPS_PER_LOGON; i++) {
		if (i % 2 == 0) {
			lookup(&c, first, "EXAMPLE\\alice");
			expect_account(&c, tk.key, "EXAMPLE\\alice", &t);
		} else {
			char name[64];

			snprintf(name, sizeof(name), "EXAMPLE\\user%d", i);
			lookup(&c, first, name); /* enumerating: misses count too */
			assert_int_equal(c.m.hdr.type, AUTH_FAIL);
		}
	}
	lookup(&c, first, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_LIMIT, "the logon of EXAMPLE\\bob has made its 16 account look-ups");
	lookup(&c, first, "EXAMPLE\\nobody");
	expect_fail(&c, AUTH_E_LIMIT, "the logon of EXAMPLE\\bob has made its 16 account look-ups");
	/* another connection's logon is not charged */
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	lookup(&c, last_ctx, "EXAMPLE\\alice");
	expect_account(&c, tk.key, "EXAMPLE\\alice", &t);
	/* the spent one stays spent */
	lookup(&c, first, "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_LIMIT, "the logon of EXAMPLE\\bob has made its 16 account look-ups");
	assert_int_equal(close_chan(&c), 0);
}

/* The logons remembered are bounded (AUTH_MAX_CONTEXTS): a worker that never
 * releases pushes out its own oldest, which then looks nothing up; the others
 * go on. */
static void test_lookup_logons_bounded(void **state)
{
	struct auth_tokens tk = {.key = TEST_KEY, .have_key = 1, .lifetime_s = 60};
	uint32_t ctx[AUTH_MAX_CONTEXTS + 1];
	struct auth_ok ok;
	struct idtoken t;
	struct chan c;
	int saved;

	(void)state;
	open_chan(&c, &tk);
	for (int i = 0; i < AUTH_MAX_CONTEXTS; i++) {
		logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
		expect_ok(&c, "EXAMPLE\\bob", &ok);
		ctx[i] = last_ctx;
	}
	log_begin(&saved);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	log_end(saved);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	ctx[AUTH_MAX_CONTEXTS] = last_ctx;
	assert_non_null(strstr(logged, "64 logons remembered: the oldest (EXAMPLE\\bob) no "
				       "longer looks accounts up"));
	lookup(&c, ctx[0], "EXAMPLE\\alice");
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	lookup(&c, ctx[1], "EXAMPLE\\alice");
	expect_account(&c, tk.key, "EXAMPLE\\alice", &t);
	assert_int_equal(t.logon, 2);
	lookup(&c, ctx[AUTH_MAX_CONTEXTS], "EXAMPLE\\bob");
	expect_account(&c, tk.key, "EXAMPLE\\bob", &t);
	assert_int_equal(t.logon, AUTH_MAX_CONTEXTS + 1);
	/* a release frees a place: the next logon pushes no one out */
	release(&c, ctx[5]);
	log_begin(&saved);
	logon(&c, "EXAMPLE\\bob", BOB_PW, PEER);
	log_end(saved);
	expect_ok(&c, "EXAMPLE\\bob", &ok);
	assert_null(strstr(logged, "logons remembered"));
	lookup(&c, ctx[2], "EXAMPLE\\alice");
	expect_account(&c, tk.key, "EXAMPLE\\alice", &t);
	assert_int_equal(close_chan(&c), 0);
}

/* ---- violations: the channel ends, unanswered ---- */

/* A raw frame of type with payload p (n octets). */
static void raw(struct ipc_wbuf *w, const void *p, size_t n)
{
	ipc_wbuf_init(w);
	if (n > 0)
		ipc_put_raw(w, p, n);
}

/* ca-auth's own answers, or another channel's number, from the worker. */
static void test_violation_unexpected_types(void **state)
{
	static const uint32_t types[] = {AUTH_CHALLENGE, AUTH_OK, AUTH_RELEASED, AUTH_FAIL,
					 AUTH_ACCOUNT, 0x4fe, 0x100};
	struct ipc_wbuf w;
	struct chan c;
	char why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		open_chan(&c, NULL);
		raw(&w, "\0\0\0\0", 4);
		snprintf(why, sizeof(why), "unexpected message type %u from worker in state 0",
			 types[i]);
		assert_violation(&c, types[i], &w, why);
	}
}

/* Payloads the whitelist or the decoders refuse. */
static void test_violation_malformed(void **state)
{
	static const uint8_t neg_trailing[] = {1, 0, 0, 0, 'N', 0};     /* one octet too many */
	static const uint8_t neg_short[] = {9, 0, 0, 0, 'N'};           /* 9 announced */
	static const uint8_t neg_empty[] = {0, 0, 0, 0, 0};             /* empty token + 1 */
	static const uint8_t auth_empty[] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	static const uint8_t rel_short[] = {1, 0, 0};
	static const uint8_t rel_long[] = {1, 0, 0, 0, 0};
	static const uint8_t lk_empty[] = {1, 0, 0, 0, 0, 0, 0, 0, 0};  /* no name + 1 */
	static const uint8_t lk_nul[] = {1, 0, 0, 0, 3, 0, 0, 0, 'a', 0, 'b'};
	static const uint8_t lk_trailing[] = {1, 0, 0, 0, 1, 0, 0, 0, 'a', 0};
	static const uint8_t lk_short[] = {1, 0, 0, 0, 5, 0, 0, 0, 'a'}; /* 5 announced */
	static const struct {
		uint32_t type;
		const uint8_t *p;
		size_t n;
		const char *why;
	} cases[] = {
		{AUTH_NEGOTIATE, neg_trailing, sizeof(neg_trailing), "malformed AUTH_NEGOTIATE"},
		{AUTH_NEGOTIATE, neg_short, sizeof(neg_short), "malformed AUTH_NEGOTIATE"},
		{AUTH_NEGOTIATE, neg_empty, sizeof(neg_empty), "malformed AUTH_NEGOTIATE"},
		{AUTH_NEGOTIATE, neg_empty, 4, /* under the whitelist's least */
		 "message type 1024 from worker: length 4 outside [5, 8196]"},
		{AUTH_AUTHENTICATE, auth_empty, sizeof(auth_empty), "malformed AUTH_AUTHENTICATE"},
		{AUTH_AUTHENTICATE, auth_empty, 8,
		 "message type 1026 from worker: length 8 outside [13, 8268]"},
		{AUTH_RELEASE, rel_short, sizeof(rel_short),
		 "message type 1028 from worker: length 3 outside [4, 4]"},
		{AUTH_RELEASE, rel_long, sizeof(rel_long),
		 "message type 1028 from worker: length 5 outside [4, 4]"},
		{AUTH_RELEASE, NULL, 0, "message type 1028 from worker: length 0 outside [4, 4]"},
		{AUTH_LOOKUP, lk_empty, 8, /* an empty name: under the whitelist's least */
		 "message type 1030 from worker: length 8 outside [9, 264]"},
		{AUTH_LOOKUP, lk_empty, sizeof(lk_empty), "malformed AUTH_LOOKUP"},
		{AUTH_LOOKUP, lk_nul, sizeof(lk_nul), "malformed AUTH_LOOKUP"},
		{AUTH_LOOKUP, lk_trailing, sizeof(lk_trailing), "malformed AUTH_LOOKUP"},
		{AUTH_LOOKUP, lk_short, sizeof(lk_short), "malformed AUTH_LOOKUP"},
	};
	struct ipc_wbuf w;
	struct chan c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		open_chan(&c, NULL);
		raw(&w, cases[i].p, cases[i].n);
		assert_violation(&c, cases[i].type, &w, cases[i].why);
	}
}

/* Oversized: a token past AUTH_TOKEN_MAX, a peer past AUTH_PEER_MAX. */
static void test_violation_oversized(void **state)
{
	static uint8_t big[AUTH_TOKEN_MAX + 1];
	char peer[AUTH_PEER_MAX + 2];
	struct ipc_wbuf w;
	struct chan c;

	(void)state;
	memcpy(big, neg40, sizeof(neg40));
	open_chan(&c, NULL);
	ipc_wbuf_init(&w);
	auth_negotiate_encode(&w, &(struct auth_negotiate){big, sizeof(big)});
	assert_violation(&c, AUTH_NEGOTIATE, &w,
			 "message type 1024 from worker: length 8197 outside [5, 8196]");

	open_chan(&c, NULL);
	memset(peer, 'a', sizeof(peer) - 1);
	peer[sizeof(peer) - 1] = 0;
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 1);
	ipc_put_str(&w, peer);
	ipc_put_bytes(&w, neg40, sizeof(neg40));
	assert_violation(&c, AUTH_AUTHENTICATE, &w, "malformed AUTH_AUTHENTICATE");

	open_chan(&c, NULL);
	ipc_wbuf_init(&w);
	auth_authenticate_encode(&w, &(struct auth_authenticate){.ctx = 1, .token = big,
								 .token_len = sizeof(big)});
	assert_violation(&c, AUTH_AUTHENTICATE, &w, "malformed AUTH_AUTHENTICATE");
}

/* A name past AUTH_IDENTITY_MAX: beyond the whitelist. */
static void test_violation_lookup_oversized(void **state)
{
	char name[AUTH_IDENTITY_MAX + 2];
	struct ipc_wbuf w;
	struct chan c;

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	open_chan(&c, NULL);
	ipc_wbuf_init(&w);
	ipc_put_u32(&w, 1);
	ipc_put_str(&w, name);
	assert_violation(&c, AUTH_LOOKUP, &w,
			 "message type 1030 from worker: length 265 outside [9, 264]");
}

/* A violation ends the channel, not what came before it: a logon answered,
 * then a bad frame, and nothing more is answered. */
static void test_violation_after_a_logon(void **state)
{
	struct auth_ok ok;
	struct ipc_wbuf w;
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	expect_ok(&c, "EXAMPLE\\alice", &ok);
	raw(&w, "\0\0\0\0", 4);
	assert_violation(&c, AUTH_OK, &w, "unexpected message type 1027 from worker in state 0");
}

/* ---- fixtures ---- */

/* An smbpasswd line as caadm account writes it, with these account flags. */
static void account_line_flags(FILE *f, const char *name, const char *password,
			       const char *flags)
{
	uint8_t h[16];

	assert_int_equal(ntlm_nt_hash(password, strlen(password), h), 0);
	fprintf(f, "%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:", name);
	for (int i = 0; i < 16; i++)
		fprintf(f, "%02X", h[i]);
	fprintf(f, ":%s:LCT-00000000:\n", flags);
}

static void account_line(FILE *f, const char *name, const char *password)
{
	account_line_flags(f, name, password, "[U          ]");
}


/* ---- Kerberos (AUTH_GSS_ACCEPT): what ca-auth refuses before MIT accepts ---- */

/* AUTH_GSS_ACCEPT of tok on ctx (0: a new logon), as the worker sends it. */
static void gss_accept(struct chan *c, uint32_t ctx, const uint8_t *tok, size_t len)
{
	struct auth_gss_accept a = {.ctx = ctx, .token = tok, .token_len = len};
	struct ipc_wbuf w;

	snprintf(a.peer, sizeof(a.peer), "%s", PEER);
	ipc_wbuf_init(&w);
	auth_gss_accept_encode(&w, &a);
	assert_int_equal(call(c, AUTH_GSS_ACCEPT, &w), 1);
}

/* No keytab: KRB5_KTNAME names a file that is not there (as in ca-auth's jail
 * before `caadm kerberos keytab add`). */
static void no_keytab(void)
{
	setenv("KRB5_KTNAME", "FILE:/nonexistent/krb5.keytab", 1);
}

/* Tokens impacket made (tests/unit/support/spnego_impacket.py): one that is no
 * SPNEGO (an NTLM NEGOTIATE as auth type 9 would carry it), SPNEGO offering
 * NTLM only, Kerberos over rc4-hmac, Kerberos over aes256 without a keytab.
 * Each refused with its code and message, and the channel goes on: a
 * refusal is the client's failure, not a violation. */
static void test_gss_refusals(void **state)
{
	struct chan c;
	int saved;

	(void)state;
	no_keytab();
	open_chan(&c, NULL);
	log_begin(&saved);
	gss_accept(&c, 0, neg40, sizeof(neg40));
	log_end(saved);
	expect_fail(&c, AUTH_E_DENIED,
		    "SPNEGO: not DER (indefinite, non-minimal or overrunning length)");
	assert_non_null(strstr(logged, "Kerberos logon refused: SPNEGO: not DER"));
	/* impacket's SPNEGO with NTLM only is NTLM inside SPNEGO: its NEGOTIATE
	 * answered with a CHALLENGE in a NegTokenResp, on an NTLM context */
	gss_accept(&c, 0, ref_init_ntlm, sizeof(ref_init_ntlm));
	{
		struct auth_gss_continue k;
		struct spnego_resp sr;
		char err[160];

		assert_int_equal(c.m.hdr.type, AUTH_GSS_CONTINUE);
		assert_int_equal(auth_gss_continue_decode(c.m.data, c.m.hdr.len, &k), 0);
		assert_int_equal(k.ctx & 0x80000000u, 0);
		assert_int_equal(spnego_decode_resp(k.token, k.token_len, &sr, err, sizeof(err)), 0);
		assert_int_equal(sr.neg_state, SPNEGO_NEG_ACCEPT_INCOMPLETE);
		assert_int_equal(sr.mech, SPNEGO_MECH_NTLM);
		assert_true(sr.token_len > 8 && memcmp(sr.token, "NTLMSSP\0\2\0\0\0", 12) == 0);
		release(&c, k.ctx);
	}
	gss_accept(&c, 0, ref_init_rc4, sizeof(ref_init_rc4));
	expect_fail_mech(&c, AUTH_E_DENIED,
		    "Kerberos with enctype 23: only AES (aes256-cts-hmac-sha1-96, "
		    "aes128-cts-hmac-sha1-96) is served", AUTH_MECH_KRB5);
	gss_accept(&c, 0, ref_init_type1, sizeof(ref_init_type1));
	expect_fail_mech(&c, AUTH_E_FAILURE,
		    "no Kerberos keytab is installed (caadm kerberos keytab add)", AUTH_MECH_KRB5);
	/* a keytab that cannot be read is none either */
	setenv("KRB5_KTNAME", "/nonexistent/krb5.keytab", 1);
	gss_accept(&c, 0, ref_init_type1, sizeof(ref_init_type1));
	expect_fail_mech(&c, AUTH_E_FAILURE,
		    "no Kerberos keytab is installed (caadm kerberos keytab add)", AUTH_MECH_KRB5);
	unsetenv("KRB5_KTNAME");
	gss_accept(&c, 0, ref_init_type1, sizeof(ref_init_type1));
	expect_fail_mech(&c, AUTH_E_FAILURE,
		    "no Kerberos keytab is installed (caadm kerberos keytab add)", AUTH_MECH_KRB5);
	/* NTLM logons still work on the channel */
	logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER);
	assert_int_equal(c.m.hdr.type, AUTH_OK);
	assert_int_equal(close_chan(&c), 0);
}

/* A second leg names a context ca-auth does not hold (never made, or made on
 * another run: a Kerberos context has bit 31 set): AUTH_E_NOCTX. Releasing
 * such a context is no error (the worker releases on every close). */
static void test_gss_unknown_context(void **state)
{
	static const uint32_t ctxs[] = {0x80000001u, 0x80000100u, 0x8000003fu, 0xffffffffu};
	struct chan c;

	(void)state;
	no_keytab();
	open_chan(&c, NULL);
	for (size_t i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		gss_accept(&c, ctxs[i], ref_resp_client, sizeof(ref_resp_client));
		expect_fail_mech(&c, AUTH_E_NOCTX, "no Kerberos logon in progress for this connection",
				 AUTH_MECH_KRB5);
		release(&c, ctxs[i]);
	}
	/* an NTLM context's number: a second leg of NTLM inside SPNEGO */
	gss_accept(&c, 1, ref_resp_client, sizeof(ref_resp_client));
	expect_fail_mech(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection",
			 AUTH_MECH_NTLM);
	assert_int_equal(close_chan(&c), 0);
}

/* Malformed AUTH_GSS_ACCEPTs, and ca-auth's own Kerberos answers from the
 * worker: violations, the channel ends unanswered. */
static void test_gss_violations(void **state)
{
	static const uint8_t empty_tok[] = {0, 0, 0, 0, 1, 0, 0, 0, 'a', 0, 0, 0, 0, 0};
	static const uint8_t trailing[] = {0, 0, 0, 0, 1, 0, 0, 0, 'a', 1, 0, 0, 0, 0x60, 0};
	static const uint8_t short_tok[] = {0, 0, 0, 0, 1, 0, 0, 0, 'a', 9, 0, 0, 0, 0x60};
	static const uint8_t nul_peer[] = {0, 0, 0, 0, 2, 0, 0, 0, 'a', 0, 1, 0, 0, 0, 0x60};
	static const uint8_t cont[] = {1, 0, 0, 0, 1, 0, 0, 0, 0xa1};
	static const struct {
		uint32_t type;
		const uint8_t *p;
		size_t n;
		const char *why;
	} cases[] = {
		{AUTH_GSS_ACCEPT, empty_tok, sizeof(empty_tok), "malformed AUTH_GSS_ACCEPT"},
		{AUTH_GSS_ACCEPT, trailing, sizeof(trailing), "malformed AUTH_GSS_ACCEPT"},
		{AUTH_GSS_ACCEPT, short_tok, sizeof(short_tok), "malformed AUTH_GSS_ACCEPT"},
		{AUTH_GSS_ACCEPT, nul_peer, sizeof(nul_peer), "malformed AUTH_GSS_ACCEPT"},
		{AUTH_GSS_ACCEPT, empty_tok, 12, /* under the whitelist's least */
		 "message type 1032 from worker: length 12 outside [13, 16460]"},
		{AUTH_GSS_CONTINUE, cont, sizeof(cont),
		 "unexpected message type 1033 from worker in state 0"},
		{AUTH_GSS_OK, cont, sizeof(cont),
		 "unexpected message type 1034 from worker in state 0"},
	};
	struct ipc_wbuf w;
	struct chan c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		open_chan(&c, NULL);
		raw(&w, cases[i].p, cases[i].n);
		assert_violation(&c, cases[i].type, &w, cases[i].why);
	}
}

/* A token past AUTH_GSS_TOKEN_MAX: within the whitelist's bound (sized for
 * the longest peer) but past the decoder's, and a frame past the whitelist's. */
static void test_gss_violation_oversized(void **state)
{
	static uint8_t big[AUTH_MAX_PAYLOAD + 1];
	struct auth_gss_accept a = {.ctx = 0, .peer = PEER, .token = big};
	struct ipc_wbuf w;
	struct chan c;

	(void)state;
	memset(big, 0x60, sizeof(big));
	a.token_len = AUTH_GSS_TOKEN_MAX + 1;
	open_chan(&c, NULL);
	ipc_wbuf_init(&w);
	auth_gss_accept_encode(&w, &a);
	assert_violation(&c, AUTH_GSS_ACCEPT, &w, "malformed AUTH_GSS_ACCEPT");
	open_chan(&c, NULL);
	raw(&w, big, sizeof(big));
	assert_violation(&c, AUTH_GSS_ACCEPT, &w,
			 "frame type 1032 from worker: length 16461 over the limit 16460");
}

/* ---- NTLM inside SPNEGO (AUTH_GSS_ACCEPT; gss.c, MS-SPNG) ----
 * The client is MIT's SPNEGO initiator restricted to gss-ntlmssp
 * (gss_set_neg_mechs), or, where the legs must be made by hand, gss-ntlmssp's
 * initiator with its tokens wrapped here. */

static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};

struct sclient {
	gss_cred_id_t cred;
	gss_ctx_id_t ctx;
	gss_name_t target;
	OM_uint32 major; /* of the last step */
};

static void sclient_new(struct sclient *c, const char *user, const char *password)
{
	gss_OID_set_desc spnego = {1, &spnego_oid}, ntlm = {1, &ntlm_oid};
	gss_buffer_desc nb = {strlen(user), (void *)user};
	gss_buffer_desc pw = {strlen(password), (void *)password};
	gss_buffer_desc tb = {strlen("host@ca.example.test"), (void *)"host@ca.example.test"};
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 minor;

	memset(c, 0, sizeof(*c));
	assert_false(GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name)));
	assert_false(GSS_ERROR(gss_acquire_cred_with_password(
		&minor, name, &pw, GSS_C_INDEFINITE, &spnego, GSS_C_INITIATE, &c->cred, NULL, NULL)));
	assert_false(GSS_ERROR(gss_set_neg_mechs(&minor, c->cred, &ntlm)));
	assert_false(GSS_ERROR(gss_import_name(&minor, &tb, GSS_C_NT_HOSTBASED_SERVICE,
					       &c->target)));
	gss_release_name(&minor, &name);
}

static void sclient_free(struct sclient *c)
{
	OM_uint32 min;

	if (c->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &c->ctx, GSS_C_NO_BUFFER);
	gss_release_cred(&min, &c->cred);
	gss_release_name(&min, &c->target);
}

/* One SPNEGO initiator step (in NULL: the first); the token into out. */
static void sclient_step(struct sclient *c, const uint8_t *in, size_t in_len,
			 gss_buffer_desc *out)
{
	gss_buffer_desc ib = {in_len, (void *)in};
	OM_uint32 minor;

	c->major = gss_init_sec_context(&minor, c->cred, &c->ctx, c->target, &spnego_oid,
					GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
					GSS_C_NO_CHANNEL_BINDINGS,
					in != NULL ? &ib : GSS_C_NO_BUFFER, NULL, out, NULL, NULL);
}

static void spnego_leg(struct chan *c, uint32_t ctx, const char *peer, const uint8_t *tok,
		       size_t len)
{
	struct auth_gss_accept q = {.ctx = ctx, .token = tok, .token_len = len};
	struct ipc_wbuf w;

	snprintf(q.peer, sizeof(q.peer), "%s", peer);
	ipc_wbuf_init(&w);
	auth_gss_accept_encode(&w, &q);
	assert_int_equal(call(c, AUTH_GSS_ACCEPT, &w), 1);
}

/* AUTH_GSS_CONTINUE: its context, its token into tok. */
static uint32_t expect_continue(struct chan *c, uint8_t *tok, size_t *len)
{
	struct auth_gss_continue k;

	if (c->m.hdr.type == AUTH_FAIL) {
		struct auth_fail f;

		assert_int_equal(auth_fail_decode(c->m.data, c->m.hdr.len, &f), 0);
		fail_msg("AUTH_FAIL %u: %s", f.code, f.message);
	}
	assert_int_equal(c->m.hdr.type, AUTH_GSS_CONTINUE);
	assert_int_equal(auth_gss_continue_decode(c->m.data, c->m.hdr.len, &k), 0);
	assert_true(k.token_len <= *len);
	memcpy(tok, k.token, k.token_len);
	*len = k.token_len;
	return k.ctx;
}

static void expect_gss_ok(struct chan *c, uint32_t ctx, const char *identity,
			  struct auth_gss_ok *ok)
{
	if (c->m.hdr.type == AUTH_FAIL) {
		struct auth_fail f;

		assert_int_equal(auth_fail_decode(c->m.data, c->m.hdr.len, &f), 0);
		fail_msg("AUTH_FAIL %u: %s", f.code, f.message);
	}
	assert_int_equal(c->m.hdr.type, AUTH_GSS_OK);
	assert_int_equal(auth_gss_ok_decode(c->m.data, c->m.hdr.len, ok), 0);
	assert_int_equal(ok->ctx, ctx);
	assert_string_equal(ok->identity, identity);
	assert_int_equal(ok->mech, AUTH_MECH_NTLM);
	assert_int_equal(ok->enctype, 0);
	assert_int_equal(ok->key_len, AUTH_KEY_LEN);
}

/* The mechListMIC of a NegTokenResp in tok, edited in place: its last octet
 * flipped (alter) or the MIC struck (strip: re-encoded without it). */
static void edit_mic(uint8_t *tok, size_t *len, int strip)
{
	struct spnego_resp r;
	uint8_t out[4096];
	size_t n;
	char err[160];

	assert_int_equal(spnego_decode_resp(tok, *len, &r, err, sizeof(err)), 0);
	assert_non_null(r.mic);
	assert_non_null(r.token);
	if (!strip) {
		tok[(size_t)(r.mic - tok) + r.mic_len - 1] ^= 1;
		return;
	}
	assert_int_equal(spnego_encode_resp(r.neg_state, r.has_mech ? r.mech : SPNEGO_MECH_UNKNOWN,
					    r.token, r.token_len, NULL, 0, out, sizeof(out), &n),
			 0);
	memcpy(tok, out, n);
	*len = n;
}

enum mic_edit { MIC_KEPT, MIC_ALTERED, MIC_STRIPPED };

/* A SPNEGO/NTLM logon with MIT's initiator: the bind's NegTokenInit with
 * the NEGOTIATE, the CHALLENGE, the AUTHENTICATE with the mechListMIC
 * (edited as asked). The answer is in c->m; the context into *ctx; *cl
 * keeps the client (its context completed with ca-auth's last token when
 * the logon succeeded). */
static void spnego_logon(struct chan *c, const char *user, const char *password,
			 const char *peer, enum mic_edit edit, struct sclient *cl, uint32_t *ctx)
{
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	uint8_t tok[4096], ans[4096];
	size_t len, ans_len = sizeof(ans);
	struct auth_gss_ok ok;
	OM_uint32 min;

	sclient_new(cl, user, password);
	sclient_step(cl, NULL, 0, &out);
	assert_int_equal(cl->major, GSS_S_CONTINUE_NEEDED);
	spnego_leg(c, 0, peer, out.value, out.length);
	gss_release_buffer(&min, &out);
	*ctx = expect_continue(c, ans, &ans_len);
	assert_true(*ctx != 0 && !(*ctx & 0x80000000u)); /* an NTLM context */
	sclient_step(cl, ans, ans_len, &out);
	assert_int_equal(cl->major, GSS_S_CONTINUE_NEEDED); /* it waits for our MIC */
	assert_true(out.length <= sizeof(tok));
	len = out.length;
	memcpy(tok, out.value, len);
	gss_release_buffer(&min, &out);
	if (edit != MIC_KEPT)
		edit_mic(tok, &len, edit == MIC_STRIPPED);
	spnego_leg(c, *ctx, peer, tok, len);
	if (c->m.hdr.type != AUTH_GSS_OK)
		return;
	assert_int_equal(auth_gss_ok_decode(c->m.data, c->m.hdr.len, &ok), 0);
	/* MIT's initiator checks ca-auth's mechListMIC: the logon completes. */
	sclient_step(cl, ok.token, ok.token_len, &out);
	assert_int_equal(cl->major, GSS_S_COMPLETE);
	assert_int_equal(out.length, 0);
	gss_release_buffer(&min, &out);
}

/* The session key MIT's SPNEGO initiator holds (gss-ntlmssp's, through SPNEGO). */
static void sclient_key(struct sclient *c, uint8_t key[AUTH_KEY_LEN])
{
	gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
	OM_uint32 minor;

	assert_false(GSS_ERROR(gss_inquire_sec_context_by_oid(&minor, c->ctx,
							      GSS_C_INQ_SSPI_SESSION_KEY, &set)));
	assert_int_equal(set->elements[0].length, AUTH_KEY_LEN);
	memcpy(key, set->elements[0].value, AUTH_KEY_LEN);
	gss_release_buffer_set(&minor, &set);
}

static void test_spnego_ntlm_logon(void **state)
{
	struct auth_tokens tk = {.key = "0123456789abcdef0123456789abcde", .have_key = 1,
				 .lifetime_s = 60};
	uint8_t key[AUTH_KEY_LEN];
	struct auth_gss_ok ok;
	struct sclient cl;
	struct idtoken t;
	struct chan c;
	uint32_t ctx;
	char err[128];

	(void)state;
	open_chan(&c, &tk);
	spnego_logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER, MIC_KEPT, &cl, &ctx);
	expect_gss_ok(&c, ctx, "EXAMPLE\\alice", &ok);
	/* the worker seals with the key the client derived, and its flags */
	sclient_key(&cl, key);
	assert_memory_equal(ok.key, key, AUTH_KEY_LEN);
	assert_true(ok.flags & 0x00080000u); /* extended session security */
	assert_true(ok.flags & 0x20000000u); /* 128 */
	assert_int_equal(ok.send_seq, 0);
	assert_int_equal(ok.recv_seq, 0);
	sclient_free(&cl);
	/* vouched for as an auth type 10 logon */
	assert_int_equal(idtoken_verify(tk.key, ok.id_token, ok.id_token_len, IDTOKEN_LOGON,
					 (int64_t)time(NULL), &t, err, sizeof(err)),
			 0);
	assert_string_equal(t.identity, "EXAMPLE\\alice");
	/* remembered under its context: it looks accounts up */
	lookup(&c, ctx, "EXAMPLE\\bob");
	expect_account(&c, tk.key, "EXAMPLE\\bob", &t);
	release(&c, ctx);
	lookup(&c, ctx, "EXAMPLE\\bob");
	expect_fail(&c, AUTH_E_NOCTX, "no logon vouched for on this connection");
	/* the name as the account file has it */
	spnego_logon(&c, "alice", ALICE_PW, PEER, MIC_KEPT, &cl, &ctx);
	expect_gss_ok(&c, ctx, "EXAMPLE\\alice", &ok);
	sclient_free(&cl);
	assert_int_equal(close_chan(&c), 0);
}

static void test_spnego_ntlm_wrong_password_throttled(void **state)
{
	struct sclient cl;
	struct chan c;
	uint32_t ctx;

	(void)state;
	throttle_configure(&(struct throttle_conf){1, 0, 60000, 60000});
	open_chan(&c, NULL);
	spnego_logon(&c, "EXAMPLE\\alice", "not alice's password", PEER, MIC_KEPT, &cl, &ctx);
	expect_fail_prefix(&c, AUTH_E_DENIED, "logon refused: ");
	sclient_free(&cl);
	/* counted against alice as with auth type 10: now throttled */
	spnego_logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER, MIC_KEPT, &cl, &ctx);
	expect_fail_mech(&c, AUTH_E_THROTTLED,
		    "throttled: 1 failed logons of EXAMPLE\\alice, refused for 60.000 s", AUTH_MECH_NTLM);
	sclient_free(&cl);
	/* the context ended with the refusal */
	spnego_leg(&c, ctx, PEER, (const uint8_t *)"\xa1\x00", 2);
	expect_fail_mech(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection",
			 AUTH_MECH_NTLM);
	assert_int_equal(close_chan(&c), 0);
}

/* The mechListMIC is what catches a downgrade: struck or altered, the logon
 * is refused though the password is right. */
static void test_spnego_ntlm_mic_required(void **state)
{
	struct sclient cl;
	struct chan c;
	uint32_t ctx;

	(void)state;
	open_chan(&c, NULL);
	spnego_logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER, MIC_STRIPPED, &cl, &ctx);
	expect_fail_mech(&c, AUTH_E_DENIED, "NTLM inside SPNEGO without a mechListMIC", AUTH_MECH_NTLM);
	sclient_free(&cl);
	spnego_logon(&c, "EXAMPLE\\alice", ALICE_PW, PEER, MIC_ALTERED, &cl, &ctx);
	expect_fail_mech(&c, AUTH_E_DENIED,
		    "the SPNEGO mechListMIC does not verify (the mechanism list was altered)", AUTH_MECH_NTLM);
	sclient_free(&cl);
	assert_int_equal(close_chan(&c), 0);
}

/* ---- NegTokenInit by hand (DER) ---- */

static size_t der(uint8_t *p, uint8_t tag, const uint8_t *v, size_t n)
{
	size_t h = 0;

	p[h++] = tag;
	if (n < 0x80) {
		p[h++] = (uint8_t)n;
	} else if (n < 0x100) {
		p[h++] = 0x81;
		p[h++] = (uint8_t)n;
	} else {
		p[h++] = 0x82;
		p[h++] = (uint8_t)(n >> 8);
		p[h++] = (uint8_t)n;
	}
	memmove(p + h, v, n);
	return h + n;
}

/* The MechTypeList [NTLM] (or [unknown OID, NTLM] with other) into out. */
static size_t mech_list(uint8_t *out, int other)
{
	uint8_t oids[64];
	size_t n = 0;

	if (other)
		n += der(oids + n, 0x06, (const uint8_t *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x1e",
			 10); /* NEGOEX */
	n += der(oids + n, 0x06, ntlm_oid.elements, 10);
	return der(out, 0x30, oids, n);
}

/* The GSS-framed NegTokenInit {mechTypes list, mechToken tok (if any)}. */
static size_t neg_token_init(uint8_t *out, const uint8_t *list, size_t list_len,
			     const uint8_t *tok, size_t tok_len)
{
	uint8_t a[4096], b[4096];
	size_t n = 0, m;

	n += der(a + n, 0xa0, list, list_len);
	if (tok != NULL) {
		m = der(b, 0x04, tok, tok_len);
		n += der(a + n, 0xa2, b, m);
	}
	m = der(b, 0x30, a, n);
	n = der(a, 0xa0, b, m);
	m = der(b, 0x06, spnego_oid.elements, 6);
	memcpy(b + m, a, n);
	return der(out, 0x60, b, m + n);
}

/* A NEGOTIATE check.c refuses never reaches gss-ntlmssp inside SPNEGO
 * either; nor does a NegTokenInit without a mechanism ca-auth serves. */
static void test_spnego_ntlm_negotiate_checked(void **state)
{
	uint8_t neg[40], list[64], tok[256];
	size_t list_len, len;
	struct chan c;

	(void)state;
	open_chan(&c, NULL);
	memcpy(neg, neg40, sizeof(neg));
	neg[15] &= (uint8_t)~0x20; /* NEGOTIATE_128 cleared */
	list_len = mech_list(list, 0);
	len = neg_token_init(tok, list, list_len, neg, sizeof(neg));
	spnego_leg(&c, 0, PEER, tok, len);
	expect_fail_mech(&c, AUTH_E_DENIED, "NTLM without 128-bit keys (the NEGOTIATE offers only "
				       "56- or 40-bit session keys)", AUTH_MECH_NTLM);
	/* NEGOEX alone: neither Kerberos nor NTLM */
	list_len = der(list, 0x30, (const uint8_t *)"\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02"
						    "\x02\x1e", 12);
	len = neg_token_init(tok, list, list_len, NULL, 0);
	spnego_leg(&c, 0, PEER, tok, len);
	expect_fail(&c, AUTH_E_DENIED, "SPNEGO without Kerberos or NTLM as the preferred mechanism");
	assert_int_equal(close_chan(&c), 0);
}

/* Without an optimistic NTLM token (NTLM offered second, Kerberos not at all)
 * ca-auth chooses NTLM and asks for its NEGOTIATE (RFC 4178: accept-incomplete,
 * supportedMech, no token); the legs are gss-ntlmssp's initiator's, the
 * mechListMICs made and checked on its context. */
static void test_spnego_ntlm_chosen_without_token(void **state)
{
	gss_buffer_desc neg = GSS_C_EMPTY_BUFFER, au = GSS_C_EMPTY_BUFFER, mic = GSS_C_EMPTY_BUFFER;
	uint8_t list[64], tok[4096], ans[4096];
	size_t list_len, len, ans_len = sizeof(ans);
	struct spnego_resp r;
	struct auth_gss_ok ok;
	struct client cl;
	struct chan c;
	uint32_t ctx;
	uint8_t key[AUTH_KEY_LEN];
	char err[160];
	OM_uint32 minor, min;

	(void)state;
	open_chan(&c, NULL);
	list_len = mech_list(list, 1);
	len = neg_token_init(tok, list, list_len, NULL, 0);
	spnego_leg(&c, 0, PEER, tok, len);
	ctx = expect_continue(&c, ans, &ans_len);
	assert_int_equal(spnego_decode_resp(ans, ans_len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ACCEPT_INCOMPLETE);
	assert_int_equal(r.mech, SPNEGO_MECH_NTLM);
	assert_null(r.token);
	/* an AUTHENTICATE on it as auth type 10 is refused: the MIC is owed */
	authenticate(&c, ctx, PEER, neg40, sizeof(neg40));
	expect_fail(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection");
	/* the NEGOTIATE */
	client_new(&cl, "EXAMPLE\\alice", ALICE_PW);
	client_step(&cl, NULL, 0, &neg);
	assert_int_equal(spnego_encode_resp(SPNEGO_NEG_ABSENT, SPNEGO_MECH_UNKNOWN, neg.value,
					    neg.length, NULL, 0, tok, sizeof(tok), &len),
			 0);
	spnego_leg(&c, ctx, PEER, tok, len);
	ans_len = sizeof(ans);
	assert_int_equal(expect_continue(&c, ans, &ans_len), ctx);
	assert_int_equal(spnego_decode_resp(ans, ans_len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ACCEPT_INCOMPLETE);
	assert_false(r.has_mech); /* named once */
	assert_non_null(r.token);
	/* the AUTHENTICATE and the client's MIC over the MechTypeList's DER */
	client_step(&cl, r.token, r.token_len, &au);
	{
		gss_buffer_desc lb = {list_len, list};

		assert_false(GSS_ERROR(gss_get_mic(&minor, cl.ctx, GSS_C_QOP_DEFAULT, &lb, &mic)));
	}
	assert_int_equal(spnego_encode_resp(SPNEGO_NEG_ABSENT, SPNEGO_MECH_UNKNOWN, au.value,
					    au.length, mic.value, mic.length, tok, sizeof(tok),
					    &len),
			 0);
	spnego_leg(&c, ctx, PEER, tok, len);
	expect_gss_ok(&c, ctx, "EXAMPLE\\alice", &ok);
	client_key(&cl, key);
	assert_memory_equal(ok.key, key, AUTH_KEY_LEN);
	/* accept-completed with ca-auth's MIC, which the client's context verifies */
	assert_int_equal(spnego_decode_resp(ok.token, ok.token_len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.neg_state, SPNEGO_NEG_ACCEPT_COMPLETED);
	assert_null(r.token);
	assert_non_null(r.mic);
	{
		gss_buffer_desc lb = {list_len, list}, mb = {r.mic_len, (void *)r.mic};

		assert_int_equal(gss_verify_mic(&minor, cl.ctx, &lb, &mb, NULL), GSS_S_COMPLETE);
	}
	gss_release_buffer(&min, &neg);
	gss_release_buffer(&min, &au);
	gss_release_buffer(&min, &mic);
	client_free(&cl);
	assert_int_equal(close_chan(&c), 0);
}

/* A later leg on a context that is not there, or not a SPNEGO one. */
static void test_spnego_ntlm_unknown_ctx(void **state)
{
	uint8_t chal[4096];
	size_t chal_len = sizeof(chal);
	struct chan c;
	uint32_t ctx;

	(void)state;
	open_chan(&c, NULL);
	spnego_leg(&c, 0x1234, PEER, (const uint8_t *)"\xa1\x00", 2);
	expect_fail_mech(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection",
			 AUTH_MECH_NTLM);
	/* an auth type 10 context cannot be finished through SPNEGO */
	ctx = negotiate(&c, neg40, sizeof(neg40), chal, &chal_len);
	assert_true(ctx != 0);
	spnego_leg(&c, ctx, PEER, (const uint8_t *)"\xa1\x00", 2);
	expect_fail_mech(&c, AUTH_E_NOCTX, "no NTLM logon in progress for this connection",
			 AUTH_MECH_NTLM);
	release(&c, ctx);
	assert_int_equal(close_chan(&c), 0);
}


static int setup_all(void **state)
{
	char err[512];
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0)
		return -1;
	snprintf(accounts, sizeof(accounts), "%s/ca.conf", dir);
	if ((f = fopen(accounts, "w")) == NULL)
		return -1;
	fprintf(f, "netbios_computer_name = CA\nnetbios_domain_name = EXAMPLE\n");
	fclose(f);
	snprintf(accounts, sizeof(accounts), "%s/auth", dir);
	if (mkdir(accounts, 0755) != 0)
		return -1;
	snprintf(accounts, sizeof(accounts), "%s/auth/accounts", dir);
	if ((f = fopen(accounts, "w")) == NULL || fchmod(fileno(f), 0600) != 0)
		return -1;
	fprintf(f, "# caadm account\n");
	account_line(f, "EXAMPLE\\alice", ALICE_PW);
	account_line(f, "EXAMPLE\\bob", BOB_PW);
	account_line(f, "OTHER\\bob", BOB_PW);
	fprintf(f, "EXAMPLE:carol:carol's password\n");
	account_line_flags(f, "EXAMPLE\\dave", "dave's password", "[DU         ]");
	fclose(f);
	setenv("NTLM_USER_FILE", accounts, 1);
	setenv("NETBIOS_COMPUTER_NAME", "CA", 1);
	setenv("NETBIOS_DOMAIN_NAME", "EXAMPLE", 1);
	setenv("LM_COMPAT_LEVEL", "5", 1);
	if (acceptor_init(err, sizeof(err)) != 0 || acceptor_warm_up(err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown_all(void **state)
{
	(void)state;
	auth_dir_remove(dir);
	return 0;
}

/* Each test: generous limits (no throttling unless the test sets its own). */
static int setup(void **state)
{
	(void)state;
	throttle_configure(&(struct throttle_conf){100, 100, 60000, 60000});
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_logon_names_the_account_and_hands_its_key, setup),
		cmocka_unit_test_setup(test_no_key_no_token, setup),
		cmocka_unit_test_setup(test_canonical_names, setup),
		cmocka_unit_test_setup(test_unknown_account_and_wrong_password, setup),
		cmocka_unit_test_setup(test_account_file_missing, setup),
		cmocka_unit_test_setup(test_without_negotiate_128, setup),
		cmocka_unit_test_setup(test_tampered_authenticate, setup),
		cmocka_unit_test_setup(test_negotiate_refusals, setup),
		cmocka_unit_test_setup(test_short_negotiate_answered, setup),
		cmocka_unit_test_setup(test_out_of_order, setup),
		cmocka_unit_test_setup(test_context_limit, setup),
		cmocka_unit_test_setup(test_throttle_per_account, setup),
		cmocka_unit_test_setup(test_throttle_per_address, setup),
		cmocka_unit_test_setup(test_good_logon_clears_the_account, setup),
		cmocka_unit_test_setup(test_authenticate_defects_refused, setup),
		cmocka_unit_test_setup(test_disabled_account, setup),
		cmocka_unit_test_setup(test_token_carries_the_attributes, setup),
		cmocka_unit_test_setup(test_bad_attributes_refuse_the_logon, setup),
		cmocka_unit_test_setup(test_logons_jailed_and_filtered, setup),
		cmocka_unit_test_setup(test_lookup_finds_the_account, setup),
		cmocka_unit_test_setup(test_lookup_refuses_what_is_no_account, setup),
		cmocka_unit_test_setup(test_lookup_needs_a_vouched_logon, setup),
		cmocka_unit_test_setup(test_lookup_bound_per_logon, setup),
		cmocka_unit_test_setup(test_lookup_logons_bounded, setup),
		cmocka_unit_test_setup(test_violation_lookup_oversized, setup),
		cmocka_unit_test_setup(test_violation_unexpected_types, setup),
		cmocka_unit_test_setup(test_violation_malformed, setup),
		cmocka_unit_test_setup(test_violation_oversized, setup),
		cmocka_unit_test_setup(test_violation_after_a_logon, setup),
		cmocka_unit_test_setup(test_gss_refusals, setup),
		cmocka_unit_test_setup(test_gss_unknown_context, setup),
		cmocka_unit_test_setup(test_gss_violations, setup),
		cmocka_unit_test_setup(test_gss_violation_oversized, setup),
		cmocka_unit_test_setup(test_spnego_ntlm_logon, setup),
		cmocka_unit_test_setup(test_spnego_ntlm_wrong_password_throttled, setup),
		cmocka_unit_test_setup(test_spnego_ntlm_mic_required, setup),
		cmocka_unit_test_setup(test_spnego_ntlm_negotiate_checked, setup),
		cmocka_unit_test_setup(test_spnego_ntlm_chosen_without_token, setup),
		cmocka_unit_test_setup(test_spnego_ntlm_unknown_ctx, setup),
	};

	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
