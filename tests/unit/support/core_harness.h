/* Test fixture: the CA's core in one process, without mocks. A real SoftHSM token
 * (softhsm_token.h) and a root CA made on it by the custodian's own ceremony
 * (ceremony_root), once per program; then, per test, a fresh data directory with
 * that CA's files, a real ledger (libledger: ledger_open, the genesis naming the CA
 * certificate, ledger_serve on one end of a socketpair in a thread, as ca-ledger's
 * main does) and the custodian's service (custodian_open and
 * custodian_serve_channel, firmware/custodian/serve.h) on another socketpair, in a
 * thread, with the ledger's other end as its journal channel. The test holds the
 * worker's end: it sends the enrollment channel's messages encoded with the
 * catalogue (firmware/custodian/msg.h) and decodes the answers.
 *
 * What is left out of the daemons: the seccomp filters (custodian_sandbox() would
 * confine the test program), the processes and cad. */
#ifndef TESTS_UNIT_SUPPORT_CORE_HARNESS_H
#define TESTS_UNIT_SUPPORT_CORE_HARNESS_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "firmware/custodian/ca.h"
#include "firmware/custodian/msg.h"
#include "firmware/custodian/serve.h"
#include "firmware/ledger/store.h"
#include "platform/ipc.h"
#include "tests/unit/support/softhsm_token.h"

/* Made once per program: the token and the ceremony's data directory, the
 * template each test's data directory is copied from. */
struct core_ca {
	struct softhsm_token token;
	char dir[PATH_MAX];
};

/* key: "ec:p256" or "rsa:2048" (the CA's signing key). 0, or -1 with a message on
 * stderr. */
int core_ca_make(struct core_ca *t, const char *key);
void core_ca_free(struct core_ca *t);

/* A descriptor that yields the token's user PIN (SOFTHSM_USER_PIN) and then EOF:
 * the custodian reads PINs from a descriptor (--pin-fd), never from argv. Each
 * read consumes it: one per use. -1 on failure. */
int core_pin_fd(void);

/* What a test changes in its core. */
struct core_opts {
	/* ca.conf settings for this test, "key=value" each (NULL-terminated; may be
	 * NULL), set in the loaded configuration before the custodian starts. */
	const char *const *conf;
	unsigned reserve_mb; /* the ledger's ledger_reserve_mb (0: not watched) */
	int no_ledger;       /* the custodian without a ledger (CUST_ISSUE only) */
	int no_id_key;       /* the channel without an identity-token key */
	int console;         /* the console's socket, DATA/admin.sock (core_console_*) */
	/* Keep the ledger anchors earlier tests' checkpoints left on the token (by
	 * default they are removed: each test's ledger is new). */
	int keep_anchors;
	unsigned pad_events; /* operator actions journaled after the genesis, before
			      * the custodian starts (a ledger of another history) */
	int crl_auto;        /* the automatic CRL publication thread (crlpub.c), as
			      * serve() starts it with cad's control channel */
	int ledger_proxy;    /* the journal channel through a relay in a thread, which
			      * forges the ledger's answer when told (core_ledger_forge) */
	/* with ledger_proxy, a forge rule in place before the custodian starts (its
	 * start-up reads: the properties): core_ledger_forge's arguments */
	uint32_t forge_type, forge_answer;
	unsigned forge_nth;
	const void *forge_payload;
	size_t forge_len;
};

struct core {
	char dir[PATH_MAX]; /* this test's data directory */
	struct ca ca;
	int ca_loaded;
	struct ledger *ledger;
	int ledger_fds[2]; /* [0] the ledger's end, [1] the custodian's */
	pthread_t ledger_thread;
	int ledger_running;
	struct custodian *cust;
	int worker_fds[2]; /* [0] the test's (the worker's) end, [1] the custodian's */
	pthread_t cust_thread;
	int cust_running;
	int cust_rc; /* custodian_serve_channel's return: 1 after a violation */
	uint8_t id_key[IDTOKEN_KEY_LEN];
	int no_id_key;
	int admin_fd; /* the console's listening socket, or -1 */
	struct ipc_chan chan; /* the test's end */
	uint32_t next_id;
	int proxy_fds[2]; /* with ledger_proxy: [0] the relay's, [1] the custodian's */
	pthread_t proxy_thread;
	int proxy_running;
	pthread_mutex_t forge_mu;
	struct {
		int active;
		uint32_t type, answer_type;
		unsigned nth, seen;
		uint8_t *payload;
		size_t len;
	} forge;
	unsigned forged; /* answers forged so far (under forge_mu) */
	/* core_ledger_hold: the relay keeps the custodian's frames from the ledger
	 * (a ledger that stalls) while hold is set; held counts those it waited on.
	 * Under forge_mu, hold_cv signalled when hold changes. */
	int hold;
	unsigned held;
	pthread_cond_t hold_cv;
	char err[512]; /* why custodian_open refused, when core_start failed there */
	int open_rc;   /* custodian_open's return */
	/* The events custodian_open journaled itself (ca.conf's snapshot, settings
	 * imported from ca.conf: props.h): core_ledger_head and core_ledger_event
	 * count from the genesis as if they were not there. */
	uint64_t start_events;
};

/* 0, or -1 with a message on stderr (and in c->err when the custodian refused to
 * start: c->open_rc is then CUSTODIAN_EREFUSED or CUSTODIAN_EFAIL). */
int core_start(struct core *c, const struct core_ca *t, const struct core_opts *o);
/* Ends the channel (if the custodian did not), stops the custodian (which journals
 * the budget's counts), the ledger, and removes the data directory. */
void core_stop(struct core *c);
/* The channel's end from the test's side, then the custodian's return (0: the peer
 * closed, 1: a violation ended it). The custodian is still open (its journal can
 * be read) until core_stop. */
int core_end_channel(struct core *c);

/* Sends one frame (payload w, freed; NULL: empty) and returns its request id. */
uint32_t core_send(struct core *c, uint32_t type, struct ipc_wbuf *w);
/* The next frame: 1 with *m (the caller frees it), 0 when the custodian ended the
 * channel, -1 on an error. */
int core_recv(struct core *c, struct ipc_msg *m);
/* Sends the worker's start-up (GET_CA) and checks its answer. 0 or -1. */
int core_get_ca(struct core *c);

/* An identity token for identity minted with this channel's key (key NULL) or
 * another (a forger's); expires: unix time. */
void core_token(const struct core *c, const uint8_t *key, const char *identity,
		int64_t expires, uint8_t out[IDTOKEN_MAX], size_t *len);
/* The same with the account's attributes (firmware/identity/attrs.h; NULL:
 * none), as ca-auth mints them from DATA/auth/attributes. */
void core_token_attrs(const struct core *c, const uint8_t *key, const char *identity,
		      const struct id_attrs *attrs, int64_t expires, uint8_t out[IDTOKEN_MAX],
		      size_t *len);
/* A subject-account token (purpose IDTOKEN_SUBJECT, the same logon 7 as the
 * caller's tokens above): what ca-auth mints for the account an agent's request
 * names. */
void core_subject_token(const struct core *c, const char *identity, const struct id_attrs *attrs,
			int64_t expires, uint8_t out[IDTOKEN_MAX], size_t *len);

/* The answer to a request: a CUST_RESULT (kind CUST_RESULT, result filled) or a
 * CUST_ERROR (kind CUST_ERROR, error filled); kind 0 when the channel ended. */
struct core_answer {
	uint32_t kind;
	struct cust_result result; /* cert points into raw */
	struct cust_error error;
	struct ipc_msg raw;
};
/* Waits for the answer to id (the only request in flight). 0, or -1 when a frame
 * of another type or id came, or it did not decode. */
int core_answer(struct core *c, uint32_t id, struct core_answer *a);
void core_answer_free(struct core_answer *a);

/* who for a message: identity (a token minted with the channel's key) or, with
 * identity NULL, the name anonymous (e.g. "anonymous@192.0.2.1"). */
struct core_who {
	uint8_t token[IDTOKEN_MAX];
	size_t token_len;
	const char *anonymous;
};
void core_who(const struct core *c, const char *identity, const char *anonymous,
	      struct core_who *w);

/* CUST_SUBMIT of raw (format: what the worker detected, ledger FMT_*) by who;
 * its answer into *a. 0 or -1. */
int core_submit(struct core *c, const struct core_who *who, uint32_t format,
		const uint8_t *raw, size_t len, struct core_answer *a);
/* CUST_RETRIEVE of request id by who. 0 or -1. */
int core_retrieve(struct core *c, const struct core_who *who, uint32_t request_id,
		  struct core_answer *a);

/* The ledger's journal: the number of events (the head's seq), less the
 * start-up's own (start_events). */
uint64_t core_ledger_head(struct core *c);
/* Event seq of the journal decoded into *ev (strings in strbuf, LEDGER_STRBUF
 * bytes); 0 or -1. The record's bytes are kept in *rec (free after use). seq 1
 * is the genesis, 2 the first event after the start-up's own (start_events). */
int core_ledger_event(struct core *c, uint64_t seq, struct ledger_event *ev, char *strbuf,
		      uint8_t **rec);
/* The ledger's own seq (an index row's) as core_ledger_event counts. */
uint64_t core_ledger_relative(const struct core *c, uint64_t seq);

/* A PKCS#10 request for dn over <oracle>/<key>.key's public key (a new key of
 * kind: "p256", "rsa1024", "rsa2048" ...), signed with <oracle>/<signer>.key (a new
 * key of the same kind when it is not key: another key than the one the request
 * names is no proof of possession); support/x509_oracle.h's directory. 0 or -1. */
int core_csr(const char *dn, const char *kind, const char *key, const char *signer,
	     struct x509_buf *csr);
/* A PKCS#10 request whose subject is the DER Name given as is (any string type,
 * any bytes: what a hostile requester sends and x509_name_parse would refuse) and,
 * when exts is not NULL, an extensionRequest holding exts (a DER Extensions,
 * SEQUENCE OF Extension), signed with <oracle>/<key>.key of kind. The
 * CertificationRequestInfo is written byte by byte here. 0 or -1. */
int core_csr_raw(const struct x509_buf *subject, const uint8_t *exts, size_t exts_len,
		 const char *kind, const char *key, struct x509_buf *csr);

/* With core_opts.ledger_proxy: the nth (1-based) frame of type type the custodian
 * sends its ledger from now on is not relayed; the relay answers it with a frame
 * of answer_type carrying payload (copied; NULL: empty), as a faulty or hostile
 * ledger would. One rule at a time: a new one replaces the last. */
void core_ledger_forge(struct core *c, uint32_t type, unsigned nth, uint32_t answer_type,
		       const void *payload, size_t len);
/* How many answers were forged so far. */
unsigned core_ledger_forged(struct core *c);
/* With ledger_proxy: on, the relay holds each frame the custodian sends its ledger
 * until it is called with 0 (a ledger that stalls); core_ledger_held, how many
 * frames it held so far. */
void core_ledger_hold(struct core *c, int on);
unsigned core_ledger_held(struct core *c);

/* ---- the console (firmware/custodian/admin.c), with core_opts.console ---- */

/* Adds operators to the CA template's DATA/operators/db (each test's data
 * directory gets a copy): name, roles (ROLE_*), passphrase. 0 or -1. */
int core_ca_operator(struct core_ca *t, const char *name, uint32_t roles, const char *pass);

/* One console connection, as caadm makes it. */
struct core_console {
	int fd;
	struct ipc_chan chan;
	uint32_t next_id;
};
/* Connects to DATA/admin.sock. 0 or -1. */
int core_console_open(struct core *c, struct core_console *k);
/* Sends a request of type (payload w, freed) and waits for its answer: 1 with
 * *reply (the caller frees it), 0 when the custodian closed the connection, -1 on
 * an error. */
int core_console_call(struct core_console *k, uint32_t type, struct ipc_wbuf *w,
		      struct ipc_msg *reply);
/* Closes the connection and waits until the custodian's thread for it is gone
 * (it is detached: the custodian must outlive it). */
void core_console_close(struct core *c, struct core_console *k);

/* The console's state inside the custodian (officer.c's verbs take it). */
struct admin *core_admin(struct core *c);

#endif
