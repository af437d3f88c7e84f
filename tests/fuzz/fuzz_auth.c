/* ca-auth's worker channel (firmware/auth/serve.c: auth_serve) driven as the
 * worker drives it: real frames over a socketpair, one request at a time, each
 * answer read and decoded as the worker decodes it. Behind auth_serve are the
 * token checks (check.c) and gss-ntlmssp itself, with an account file made here.
 *
 * The input is a list of records  u8 op | u16 len (LE) | len octets:
 *   op % 11 = 0 AUTH_NEGOTIATE with the octets as the token
 *            1  AUTH_AUTHENTICATE on the newest context with the octets as token
 *            2  AUTH_RELEASE of the newest context
 *            3  any frame: type 0x400 | octet 0 (0x200 | octet 0 & 0x7f when its
 *               bit 7 is set), the rest as payload
 *            4  a logon by a real client (gss-ntlmssp's initiator, right password)
 *               whose AUTHENTICATE is then edited: octet 0 bit 0 truncates it to
 *               the u16 at octets 1-2; then (u16 offset, u8 value) writes
 *            5  the same client's NEGOTIATE, edited the same way, then its
 *               AUTHENTICATE unedited
 *            6  no frame: the octets go to one of the channel's decoders
 *               (firmware/auth/msg.c, octet 0 picks it), which must encode what
 *               it accepts back to the same octets
 *            7  AUTH_LOOKUP on the newest context with the octets as the name
 *            8  AUTH_LOOKUP on the newest context of a name octet 0 picks from
 *               NAMES (the enabled account in other cases, the disabled one,
 *               no domain, unknown, an empty part)
 *            9  AUTH_GSS_ACCEPT (a Kerberos logon, issue 18): octet 0 bit 0
 *               clear, a new logon (ctx 0); set, a second leg on the ctx of
 *               octets 1-4 (LE); the rest is the SPNEGO token. No keytab is
 *               installed: SPNEGO's and the AP-REQ's checks run, MIT does not
 *           10  a logon by MIT's SPNEGO initiator restricted to NTLM (NTLM
 *               inside SPNEGO, right password) whose last leg (the
 *               NegTokenResp with the AUTHENTICATE and the mechListMIC) is
 *               edited as op 4's, and when octet 0 has bit 1 set its last
 *               octet (the mechListMIC's) flipped
 * (op is taken % 11.) Requests are made with msg.c's encoders and answers read
 * with its decoders, as the worker does. Properties: every answer has the
 * request's id, a type the request allows and the exact layout msg.c decodes;
 * a logon accepted names the account as the file writes it (inside SPNEGO too:
 * AUTH_GSS_OK of mech NTLM with a 16-octet key, and an unedited one completes
 * at MIT's initiator, which checks ca-auth's mechListMIC; no keytab, so never
 * Kerberos); a look-up answered
 * with a token names the enabled account as the file writes it, is a SUBJECT
 * token (never good as a LOGON one) with the serial and expiry of the logon
 * made on that context, and comes only after such a logon, at most
 * AUTH_LOOKUPS_PER_LOGON times; the disabled account is never found; ca-auth
 * never crashes (gss-ntlmssp with it); once it ends the channel it answers
 * nothing more. Failed logons are throttled with low limits (reset per input), so the
 * throttled answers are reached too. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "firmware/auth/auth.h"
#include "firmware/auth/msg.h"
#include "firmware/auth/throttle.h"
#include "firmware/identity/ntlm_hash.h"
#include "platform/ipc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Logons are vouched for as in ca-auth, so that minting runs too. */
static struct auth_tokens tokens = {.key = "fuzz-key-fuzz-key-fuzz-key-fuzz", .have_key = 1,
				    .lifetime_s = 60};

const char *__lsan_default_suppressions(void);

/* gss-ntlmssp loads OpenSSL's configuration and providers once and never frees
 * them (as tests/integration/lsan.supp says for the integration run). */
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\nleak:gssntlmssp.so\n";
}

#define USER "EXAMPLE\\alice"
#define DISABLED "EXAMPLE\\bob" /* in the file, flagged D */
#define PEER "192.0.2.1" /* the client's address the worker reports */
#define PASSWORD "alice's fuzzing password"
#define MAX_CTX 4096 /* more than the records an input of -max_len=8192 holds */

static gss_OID_desc ntlm_oid = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};
static gss_cred_id_t client_cred = GSS_C_NO_CREDENTIAL;
static gss_cred_id_t spnego_cred = GSS_C_NO_CREDENTIAL; /* SPNEGO, NTLM only */
static gss_OID_desc spnego_oid = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
static gss_name_t target = GSS_C_NO_NAME;

struct run {
	struct ipc_chan chan; /* the worker's end */
	uint32_t id;
	int dead;                /* ca-auth ended the channel */
	uint32_t ctx[MAX_CTX];   /* contexts its CHALLENGEs named */
	size_t n_ctx;
	/* the logons vouched for (AUTH_OK with a token), by context: what a
	 * look-up's SUBJECT token must be bound to */
	struct {
		uint32_t ctx;
		uint64_t serial;
		int64_t expires;
		unsigned lookups; /* answered with a token */
		int released;
	} logon[MAX_CTX];
	size_t n_logon;
	uint32_t lookup_ctx; /* the context of the AUTH_LOOKUP in flight */
};

/* The names op 8 picks from. */
static const char *const NAMES[] = {
	"EXAMPLE\\alice", "example\\ALICE", DISABLED, "alice", "EXAMPLE\\carol", "\\alice",
	"EXAMPLE\\", "EXAMPLE\\alice\\x", "OTHER\\alice",
};

/* The account file gss-ntlmssp reads, in a directory of its own. */
static void write_accounts(void)
{
	static char dir[] = "/tmp/fuzz_auth.XXXXXX";
	char path[64], hex[33];
	uint8_t h[16];
	FILE *f;

	if (mkdtemp(dir) == NULL || ntlm_nt_hash(PASSWORD, strlen(PASSWORD), h) != 0)
		abort();
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02X", h[i]);
	snprintf(path, sizeof(path), "%s/accounts", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fprintf(f, "%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[U          ]:LCT-00000000:\n", USER,
		hex);
	fprintf(f, "%s:0:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:%s:[DU         ]:LCT-00000000:\n",
		DISABLED, hex);
	fclose(f);
	setenv("NTLM_USER_FILE", path, 1);
	/* the attributes beside it (ca-auth's rules: its user's own, 0600), so
	 * that both tokens carry some */
	snprintf(path, sizeof(path), "%s/attributes", dir);
	if ((f = fopen(path, "w")) == NULL || fchmod(fileno(f), 0600) != 0)
		abort();
	fprintf(f, "%s\tupn=alice@example.com\tgroup=Staff\n%s\tupn=bob@example.com\n", USER,
		DISABLED);
	fclose(f);
}

static void client_init(void)
{
	gss_OID_set_desc mechs = {1, &ntlm_oid};
	gss_buffer_desc nb = {strlen(USER), (void *)USER};
	gss_buffer_desc pw = {strlen(PASSWORD), (void *)PASSWORD};
	gss_buffer_desc tb = {strlen("host@ca"), (void *)"host@ca"};
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 minor;

	if (GSS_ERROR(gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name)) ||
	    GSS_ERROR(gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &mechs,
						     GSS_C_INITIATE, &client_cred, NULL, NULL)) ||
	    GSS_ERROR(gss_import_name(&minor, &tb, GSS_C_NT_HOSTBASED_SERVICE, &target)))
		abort();
	mechs.elements = &spnego_oid;
	if (GSS_ERROR(gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &mechs,
						     GSS_C_INITIATE, &spnego_cred, NULL, NULL)))
		abort();
	mechs.elements = &ntlm_oid;
	if (GSS_ERROR(gss_set_neg_mechs(&minor, spnego_cred, &mechs)))
		abort();
	gss_release_name(&minor, &name);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];

	(void)argc;
	(void)argv;
	write_accounts();
	setenv("NETBIOS_COMPUTER_NAME", "CA", 1);
	setenv("NETBIOS_DOMAIN_NAME", "EXAMPLE", 1);
	setenv("LM_COMPAT_LEVEL", "5", 1);
	if (acceptor_init(err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_auth: %s\n", err);
		abort();
	}
	client_init();
	return 0;
}

static void *serve(void *arg)
{
	int fd = *(int *)arg;

	(void)auth_serve(fd, &tokens);
	close(fd);
	return NULL;
}

static uint32_t newest(const struct run *r)
{
	return r->n_ctx > 0 ? r->ctx[r->n_ctx - 1] : 0;
}

/* A look-up's token: only for a live logon vouched for on that context, within
 * its bound, a SUBJECT token of this key naming the enabled account as the
 * file writes it, with the logon's serial and expiry, never good as a LOGON. */
static void check_account(struct run *r, const struct ipc_msg *m)
{
	struct auth_account acc;
	struct idtoken t, u;
	char err[128];
	size_t i = r->n_logon;

	if (auth_account_decode(m->data, m->hdr.len, &acc) != 0)
		abort();
	while (i > 0 && r->logon[i - 1].ctx != r->lookup_ctx)
		i--;
	if (i == 0 || r->logon[i - 1].released ||
	    ++r->logon[i - 1].lookups > AUTH_LOOKUPS_PER_LOGON)
		abort();
	if (idtoken_verify(tokens.key, acc.token, acc.token_len, IDTOKEN_SUBJECT,
			   (int64_t)time(NULL), &t, err, sizeof(err)) != 0 ||
	    strcmp(t.identity, USER) != 0 || strcmp(t.upn, "alice@example.com") != 0 ||
	    t.logon != r->logon[i - 1].serial || t.expires != r->logon[i - 1].expires ||
	    idtoken_verify(tokens.key, acc.token, acc.token_len, IDTOKEN_LOGON,
			   (int64_t)time(NULL), &u, err, sizeof(err)) == 0)
		abort();
}

/* The answer, decoded as the worker (firmware/worker/ntlm.c) decodes it: with
 * msg.c's decoders, by the type the request allows. */
static void check_answer(struct run *r, uint32_t req, const struct ipc_msg *m)
{
	struct auth_challenge c;
	struct auth_fail f;
	struct auth_ok ok;

	if (m->hdr.id != r->id)
		abort();
	if (m->hdr.type == AUTH_FAIL) {
		if (req == AUTH_RELEASE || auth_fail_decode(m->data, m->hdr.len, &f) != 0)
			abort();
		/* a mechanism is named by a refused SPNEGO leg only */
		if (f.mech != 0 && req != AUTH_GSS_ACCEPT)
			abort();
	} else if (req == AUTH_NEGOTIATE && m->hdr.type == AUTH_CHALLENGE) {
		if (auth_challenge_decode(m->data, m->hdr.len, &c) != 0)
			abort();
		if (r->n_ctx < MAX_CTX)
			r->ctx[r->n_ctx++] = c.ctx;
	} else if (req == AUTH_AUTHENTICATE && m->hdr.type == AUTH_OK) {
		char err[128];
		struct idtoken t, u;

		if (auth_ok_decode(m->data, m->hdr.len, &ok) != 0)
			abort();
		/* The voucher: none for an anonymous logon, else a token of this key
		 * naming exactly the identity answered, which is the account's name as
		 * the file writes it, whatever the client typed; a LOGON token, never
		 * good as a SUBJECT one. */
		if (ok.anonymous ? ok.id_token_len != 0
				 : idtoken_verify(tokens.key, ok.id_token, ok.id_token_len,
						  IDTOKEN_LOGON, (int64_t)time(NULL), &t, err,
						  sizeof(err)) != 0 ||
					   strcmp(t.identity, ok.identity) != 0 ||
					   strcmp(ok.identity, USER) != 0 ||
					   strcmp(t.upn, "alice@example.com") != 0 ||
					   idtoken_verify(tokens.key, ok.id_token, ok.id_token_len,
							  IDTOKEN_SUBJECT, (int64_t)time(NULL), &u,
							  err, sizeof(err)) == 0)
			abort();
		if (!ok.anonymous && r->n_logon < MAX_CTX) {
			r->logon[r->n_logon].ctx = newest(r);
			r->logon[r->n_logon].serial = t.logon;
			r->logon[r->n_logon].expires = t.expires;
			r->logon[r->n_logon].lookups = 0;
			r->logon[r->n_logon].released = 0;
			r->n_logon++;
		}
	} else if (req == AUTH_LOOKUP && m->hdr.type == AUTH_ACCOUNT) {
		check_account(r, m);
	} else if (req == AUTH_GSS_ACCEPT && m->hdr.type == AUTH_GSS_CONTINUE) {
		struct auth_gss_continue gc;

		if (auth_gss_continue_decode(m->data, m->hdr.len, &gc) != 0)
			abort();
		if (r->n_ctx < MAX_CTX) /* released at the input's end */
			r->ctx[r->n_ctx++] = gc.ctx;
	} else if (req == AUTH_GSS_ACCEPT && m->hdr.type == AUTH_GSS_OK) {
		struct auth_gss_ok go;
		struct idtoken t;
		char err[128];

		/* No keytab: only NTLM inside SPNEGO can succeed, naming the
		 * account as the file writes it, vouched for as AUTH_OK's. */
		if (auth_gss_ok_decode(m->data, m->hdr.len, &go) != 0 || go.mech != AUTH_MECH_NTLM ||
		    go.key_len != AUTH_KEY_LEN || strcmp(go.identity, USER) != 0 ||
		    idtoken_verify(tokens.key, go.id_token, go.id_token_len, IDTOKEN_LOGON,
				   (int64_t)time(NULL), &t, err, sizeof(err)) != 0 ||
		    strcmp(t.identity, USER) != 0)
			abort();
		if (r->n_logon < MAX_CTX) {
			r->logon[r->n_logon].ctx = go.ctx;
			r->logon[r->n_logon].serial = t.logon;
			r->logon[r->n_logon].expires = t.expires;
			r->logon[r->n_logon].lookups = 0;
			r->logon[r->n_logon].released = 0;
			r->n_logon++;
		}
	} else if (!(req == AUTH_RELEASE && m->hdr.type == AUTH_RELEASED &&
		     auth_released_decode(m->data, m->hdr.len) == 0)) {
		abort();
	}
}

/* Sends one frame and reads its answer; 0, or -1 once ca-auth has ended the
 * channel (an answer to a frame it was sent as a violation is an error). */
static int call(struct run *r, uint32_t type, const struct ipc_wbuf *w,
		const struct ipc_msg **out, struct ipc_msg *m)
{
	char err[256];
	int rc;

	if (r->dead)
		return -1;
	r->id++;
	if (ipc_send(&r->chan, type, r->id, w->data, w->len, -1) != 0) {
		r->dead = 1;
		return -1;
	}
	rc = ipc_recv(&r->chan, m, err, sizeof(err));
	if (rc <= 0) {
		r->dead = 1;
		return -1;
	}
	check_answer(r, type, m);
	*out = m;
	return 0;
}

/* One token frame; *tok_out (if asked) gets the CHALLENGE token, malloc()ed. */
static void send_token(struct run *r, uint32_t type, const uint8_t *tok, size_t len,
		       uint8_t **chal, size_t *chal_len)
{
	struct ipc_wbuf w;
	struct ipc_msg m;
	const struct ipc_msg *a;

	struct auth_challenge c;

	/* The worker's encoders; an empty token is sent as it is (the worker
	 * never sends one: ca-auth's whitelist must refuse it). */
	ipc_wbuf_init(&w);
	if (type == AUTH_NEGOTIATE)
		auth_negotiate_encode(&w, &(struct auth_negotiate){tok, len});
	else if (type == AUTH_AUTHENTICATE)
		auth_authenticate_encode(&w, &(struct auth_authenticate){newest(r), PEER, tok, len});
	else
		auth_release_encode(&w, &(struct auth_release){newest(r)});
	if (type == AUTH_RELEASE)
		for (size_t i = 0; i < r->n_logon; i++)
			if (r->logon[i].ctx == newest(r))
				r->logon[i].released = 1;
	if (call(r, type, &w, &a, &m) == 0) {
		if (chal != NULL && a->hdr.type == AUTH_CHALLENGE &&
		    auth_challenge_decode(a->data, a->hdr.len, &c) == 0) {
			*chal_len = c.token_len;
			*chal = malloc(*chal_len);
			if (*chal != NULL)
				memcpy(*chal, c.token, *chal_len);
		}
		ipc_msg_free(&m);
	}
	ipc_wbuf_free(&w);
}

/* AUTH_LOOKUP of name (len octets, a NUL refused by the encoder's peer) on the
 * newest context, as the worker encodes it. */
static void send_lookup(struct run *r, const uint8_t *name, size_t len)
{
	struct auth_lookup q;
	struct ipc_wbuf w;
	struct ipc_msg m;
	const struct ipc_msg *a;

	memset(&q, 0, sizeof(q));
	q.ctx = newest(r);
	if (len > AUTH_IDENTITY_MAX)
		len = AUTH_IDENTITY_MAX;
	memcpy(q.account, name, len);
	ipc_wbuf_init(&w);
	/* A name with a NUL goes out cut there, or empty: the whitelist and the
	 * decoder refuse an empty one (the worker never sends it). */
	auth_lookup_encode(&w, &q);
	r->lookup_ctx = q.ctx;
	if (call(r, AUTH_LOOKUP, &w, &a, &m) == 0)
		ipc_msg_free(&m);
	ipc_wbuf_free(&w);
}

/* AUTH_GSS_ACCEPT as the worker encodes it (firmware/worker/negotiate.c). */
static void send_gss(struct run *r, const uint8_t *p, size_t len)
{
	struct auth_gss_accept q;
	struct ipc_wbuf w;
	struct ipc_msg m;
	const struct ipc_msg *a;

	memset(&q, 0, sizeof(q));
	if (len > 0 && (p[0] & 1) && len >= 5) {
		q.ctx = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 |
			(uint32_t)p[4] << 24;
		p += 5;
		len -= 5;
	} else if (len > 0) {
		p++;
		len--;
	}
	snprintf(q.peer, sizeof(q.peer), "%s", PEER);
	q.token = p;
	q.token_len = len < AUTH_GSS_TOKEN_MAX ? len : AUTH_GSS_TOKEN_MAX;
	ipc_wbuf_init(&w);
	auth_gss_accept_encode(&w, &q);
	if (call(r, AUTH_GSS_ACCEPT, &w, &a, &m) == 0)
		ipc_msg_free(&m);
	ipc_wbuf_free(&w);
}

static void send_raw(struct run *r, const uint8_t *p, size_t len)
{
	struct ipc_wbuf w;
	struct ipc_msg m;
	const struct ipc_msg *a;
	uint8_t o = len > 0 ? p[0] : 0;
	/* the channel's own numbers (0x400..0x47f: its types with any payload) or
	 * another channel's (0x200..0x27f) */
	uint32_t type = (o & 0x80 ? 0x200u : 0x400u) | (o & 0x7fu);

	ipc_wbuf_init(&w);
	if (len > 1)
		ipc_put_raw(&w, p + 1, len - 1);
	/* Only a well-formed request of a known type may be answered. */
	if (call(r, type, &w, &a, &m) == 0)
		ipc_msg_free(&m);
	ipc_wbuf_free(&w);
}

/* The record's edits on a copy of tok: truncation, then byte writes. */
static uint8_t *edit(const gss_buffer_desc *tok, const uint8_t *p, size_t len, size_t *out_len)
{
	uint8_t *t = malloc(tok->length + 1);
	size_t n = tok->length;

	if (t == NULL)
		return NULL;
	memcpy(t, tok->value, n);
	if (len >= 3 && (p[0] & 1)) {
		size_t cut = (size_t)(p[1] | p[2] << 8);

		n = cut < n ? cut : n;
	}
	for (size_t i = 3; i + 3 <= len; i += 3) {
		size_t off = (size_t)(p[i] | p[i + 1] << 8);

		if (off < n)
			t[off] = p[i + 2];
	}
	*out_len = n;
	return t;
}

/* A logon by gss-ntlmssp's initiator; edit_negotiate picks which leg is edited. */
static void client_logon(struct run *r, const uint8_t *p, size_t len, int edit_negotiate)
{
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_buffer_desc neg = GSS_C_EMPTY_BUFFER, auth = GSS_C_EMPTY_BUFFER, in;
	OM_uint32 minor, major;
	uint8_t *chal = NULL, *t = NULL;
	size_t chal_len = 0, n = 0;

	major = gss_init_sec_context(&minor, client_cred, &ctx, target, &ntlm_oid,
				     GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
				     GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &neg, NULL,
				     NULL);
	if (major != GSS_S_CONTINUE_NEEDED)
		goto out;
	if (edit_negotiate) {
		if ((t = edit(&neg, p, len, &n)) == NULL)
			goto out;
		send_token(r, AUTH_NEGOTIATE, t, n, &chal, &chal_len);
		free(t);
		t = NULL;
	} else {
		send_token(r, AUTH_NEGOTIATE, neg.value, neg.length, &chal, &chal_len);
	}
	if (chal == NULL)
		goto out;
	in.value = chal;
	in.length = chal_len;
	major = gss_init_sec_context(&minor, client_cred, &ctx, target, &ntlm_oid,
				     GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
				     GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &auth, NULL, NULL);
	if (GSS_ERROR(major) || auth.length == 0) {
		send_token(r, AUTH_RELEASE, NULL, 0, NULL, NULL);
		goto out;
	}
	if (edit_negotiate)
		send_token(r, AUTH_AUTHENTICATE, auth.value, auth.length, NULL, NULL);
	else if ((t = edit(&auth, p, len, &n)) != NULL)
		send_token(r, AUTH_AUTHENTICATE, t, n, NULL, NULL);
out:
	free(t);
	free(chal);
	gss_release_buffer(&minor, &neg);
	gss_release_buffer(&minor, &auth);
	if (ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
}

/* One AUTH_GSS_ACCEPT on ctx with tok; *ans (if asked) gets the answer's
 * token (CONTINUE's or GSS_OK's), malloc()ed, and *ctx_out CONTINUE's ctx. */
static void gss_leg(struct run *r, uint32_t ctx, const uint8_t *tok, size_t len, uint8_t **ans,
		     size_t *ans_len, uint32_t *ctx_out)
{
	struct auth_gss_continue k;
	struct auth_gss_ok g;
	struct ipc_wbuf w;
	struct ipc_msg m;
	const struct ipc_msg *a;
	const uint8_t *t = NULL;

	ipc_wbuf_init(&w);
	auth_gss_accept_encode(&w, &(struct auth_gss_accept){ctx, PEER, tok, len});
	if (call(r, AUTH_GSS_ACCEPT, &w, &a, &m) == 0) {
		if (a->hdr.type == AUTH_GSS_CONTINUE &&
		    auth_gss_continue_decode(a->data, a->hdr.len, &k) == 0) {
			t = k.token;
			*ans_len = k.token_len;
			*ctx_out = k.ctx;
		} else if (a->hdr.type == AUTH_GSS_OK &&
			   auth_gss_ok_decode(a->data, a->hdr.len, &g) == 0) {
			t = g.token;
			*ans_len = g.token_len;
		}
		if (t != NULL && (*ans = malloc(*ans_len + 1)) != NULL)
			memcpy(*ans, t, *ans_len);
		ipc_msg_free(&m);
	}
	ipc_wbuf_free(&w);
}

/* A SPNEGO/NTLM logon by MIT's initiator, its last leg edited; the client
 * finishes with ca-auth's last token when the logon was accepted (its
 * mechListMIC checked: an unedited logon must complete). */
static void spnego_logon(struct run *r, const uint8_t *p, size_t len)
{
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER, in;
	OM_uint32 minor, major;
	uint8_t *ans = NULL, *t = NULL, *fin = NULL;
	size_t ans_len = 0, fin_len = 0, n = 0;
	uint32_t c = 0, unused = 0;

	major = gss_init_sec_context(&minor, spnego_cred, &ctx, target, &spnego_oid,
				     GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
				     GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL,
				     NULL);
	if (major != GSS_S_CONTINUE_NEEDED)
		abort();
	gss_leg(r, 0, out.value, out.length, &ans, &ans_len, &c);
	gss_release_buffer(&minor, &out);
	if (ans == NULL || c == 0)
		goto out;
	in.value = ans;
	in.length = ans_len;
	major = gss_init_sec_context(&minor, spnego_cred, &ctx, target, &spnego_oid,
				     GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
				     GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, NULL, NULL);
	if (GSS_ERROR(major) || out.length == 0 || (t = edit(&out, p, len, &n)) == NULL)
		goto out;
	if (len > 0 && (p[0] & 2) && n > 0)
		t[n - 1] ^= 1;
	gss_leg(r, c, t, n, &fin, &fin_len, &unused);
	if (fin != NULL && len == 0) { /* unedited and accepted: ca-auth's MIC verifies */
		gss_buffer_desc last = GSS_C_EMPTY_BUFFER;

		in.value = fin;
		in.length = fin_len;
		major = gss_init_sec_context(&minor, spnego_cred, &ctx, target, &spnego_oid,
					     GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, GSS_C_INDEFINITE,
					     GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &last, NULL, NULL);
		gss_release_buffer(&minor, &last);
		if (major != GSS_S_COMPLETE)
			abort();
	}
out:
	free(t);
	free(ans);
	free(fin);
	gss_release_buffer(&minor, &out);
	if (ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
}

/* What a decoder accepts must encode back to the same bytes: one layout, both
 * sides (as tests/fuzz/fuzz_cust_msg.c for the enrollment channel). Byte 0
 * picks the message. */
static void same(struct ipc_wbuf *w, const uint8_t *p, size_t n)
{
	if (w->failed || w->len != n || (n > 0 && memcmp(w->data, p, n) != 0))
		abort();
}

/* What the worker keys its sealing with: for krb5_seal an AES key of its
 * enctype's length and AUTH_GSS_F_* flags; for ntlm_seal 16 octets and
 * sequence numbers 0 (the flags are the AUTHENTICATE's, any). */
static int gss_keys_sound(const struct auth_gss_ok *go)
{
	if (go->mech == AUTH_MECH_NTLM)
		return go->enctype == 0 && go->key_len == AUTH_KEY_LEN && go->send_seq == 0 &&
		       go->recv_seq == 0;
	return go->mech == AUTH_MECH_KRB5 &&
	       ((go->enctype == 17 && go->key_len == 16) ||
		(go->enctype == 18 && go->key_len == 32)) &&
	       (go->flags & ~AUTH_GSS_F_ACCEPTOR_SUBKEY) == 0;
}

static void decoders(const uint8_t *p, size_t len)
{
	struct auth_negotiate neg;
	struct auth_challenge chal;
	struct auth_authenticate au;
	struct auth_ok ok;
	struct auth_release rel;
	struct auth_lookup lk;
	struct auth_account acc;
	struct auth_fail f;
	struct auth_gss_accept ga;
	struct auth_gss_continue gc;
	struct auth_gss_ok go;
	struct ipc_wbuf w;

	if (len < 1)
		return;
	ipc_wbuf_init(&w);
	switch (p[0] % 12) {
	case 0:
		if (auth_negotiate_decode(p + 1, len - 1, &neg) == 0) {
			auth_negotiate_encode(&w, &neg);
			same(&w, p + 1, len - 1);
		}
		break;
	case 1:
		if (auth_challenge_decode(p + 1, len - 1, &chal) == 0) {
			auth_challenge_encode(&w, &chal);
			same(&w, p + 1, len - 1);
		}
		break;
	case 2:
		if (auth_authenticate_decode(p + 1, len - 1, &au) == 0) {
			auth_authenticate_encode(&w, &au);
			same(&w, p + 1, len - 1);
		}
		break;
	case 3:
		if (auth_ok_decode(p + 1, len - 1, &ok) == 0) {
			auth_ok_encode(&w, &ok);
			same(&w, p + 1, len - 1);
		}
		break;
	case 4:
		if (auth_release_decode(p + 1, len - 1, &rel) == 0) {
			auth_release_encode(&w, &rel);
			same(&w, p + 1, len - 1);
		}
		break;
	case 5:
		if (auth_released_decode(p + 1, len - 1) == 0 && len != 1)
			abort();
		break;
	case 7:
		if (auth_lookup_decode(p + 1, len - 1, &lk) == 0) {
			if (lk.account[0] == 0)
				abort();
			auth_lookup_encode(&w, &lk);
			same(&w, p + 1, len - 1);
		}
		break;
	case 8:
		if (auth_account_decode(p + 1, len - 1, &acc) == 0) {
			if (acc.token_len == 0 || acc.token_len > IDTOKEN_MAX)
				abort();
			auth_account_encode(&w, &acc);
			same(&w, p + 1, len - 1);
		}
		break;
	case 9:
		if (auth_gss_accept_decode(p + 1, len - 1, &ga) == 0) {
			if (ga.token_len == 0 || ga.token_len > AUTH_GSS_TOKEN_MAX)
				abort();
			auth_gss_accept_encode(&w, &ga);
			same(&w, p + 1, len - 1);
		}
		break;
	case 10:
		if (auth_gss_continue_decode(p + 1, len - 1, &gc) == 0) {
			if (gc.ctx == 0 || gc.token_len == 0 || gc.token_len > AUTH_GSS_TOKEN_MAX)
				abort();
			auth_gss_continue_encode(&w, &gc);
			same(&w, p + 1, len - 1);
		}
		break;
	case 11:
		if (auth_gss_ok_decode(p + 1, len - 1, &go) == 0) {
			if (go.ctx == 0 || go.identity[0] == 0 || !gss_keys_sound(&go))
				abort();
			auth_gss_ok_encode(&w, &go);
			same(&w, p + 1, len - 1);
		}
		break;
	default:
		if (auth_fail_decode(p + 1, len - 1, &f) == 0) {
			auth_fail_encode(&w, &f);
			same(&w, p + 1, len - 1);
		}
		break;
	}
	ipc_wbuf_free(&w);
}

static void record(struct run *r, uint8_t op, const uint8_t *p, size_t len)
{
	switch (op % 11) {
	case 0: send_token(r, AUTH_NEGOTIATE, p, len, NULL, NULL); break;
	case 1: send_token(r, AUTH_AUTHENTICATE, p, len, NULL, NULL); break;
	case 2: send_token(r, AUTH_RELEASE, NULL, 0, NULL, NULL); break;
	case 3: send_raw(r, p, len); break;
	case 4: client_logon(r, p, len, 0); break;
	case 5: client_logon(r, p, len, 1); break;
	case 6: decoders(p, len); break;
	case 7: send_lookup(r, p, len); break;
	case 9: send_gss(r, p, len); break;
	case 10: spnego_logon(r, p, len); break;
	default: {
		const char *n = NAMES[len > 0 ? p[0] % (sizeof(NAMES) / sizeof(NAMES[0])) : 0];

		send_lookup(r, (const uint8_t *)n, strlen(n));
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run zero;
	struct run *r = malloc(sizeof(*r));
	int sv[2];
	pthread_t tid;

	if (r == NULL)
		return 0;
	*r = zero;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	/* Each input starts with no failed logon counted, and low limits, so that
	 * a few failures in one input reach the throttled path (the delay, 1 s,
	 * outlasts an input: what is throttled stays so). */
	throttle_configure(&(struct throttle_conf){2, 4, 1000, 1000});
	/* and with no logon remembered from another input */
	memset(tokens.logons, 0, sizeof(tokens.logons));
	ipc_chan_init(&r->chan, sv[0], "ca-auth", AUTH_ANSWER_MAX);
	if (pthread_create(&tid, NULL, serve, &sv[1]) != 0)
		abort();
	while (size >= 3 && !r->dead) {
		size_t len = (size_t)(data[1] | data[2] << 8);

		len = len < size - 3 ? len : size - 3;
		record(r, data[0], data + 3, len);
		data += 3 + len;
		size -= 3 + len;
	}
	shutdown(sv[0], SHUT_RDWR);
	pthread_join(tid, NULL);
	ipc_chan_free(&r->chan);
	close(sv[0]);
	/* The context table outlives the channel in this process: empty it. */
	for (size_t i = 0; i < r->n_ctx; i++)
		(void)acceptor_release(r->ctx[i]);
	free(r);
	return 0;
}
