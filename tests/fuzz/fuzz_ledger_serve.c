/* libFuzzer target: ca-ledger as its only peer, the custodian, reaches it. Each
 * input is one frame: byte 0 picks the message type among the ledger's requests
 * (and one it does not know), the rest is the payload. The frame goes through the
 * ledger's whitelist (ipc_check, as service_run does) and, when admitted, to its
 * real handler (ledger_handle) on a real ledger: a Berkeley DB environment in a
 * temporary directory, opened once, with a genesis, so that appends, views,
 * revocation pages and CRL lookups run for real. Replies go to a socketpair and
 * are read back as the custodian reads them: each must be a frame of the request's
 * id whose payload the custodian's decoder for its type accepts (the journal
 * channel's catalogue, firmware/ledger/msg.c: one layout, both ends), or abort. A
 * violation must end the channel (service_violation) and nothing else. A crash,
 * a sanitizer finding or a hang is a finding. */
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "firmware/ledger/msg.h"
#include "firmware/ledger/proto.h"
#include "firmware/ledger/serve.h"
#include "firmware/ledger/store.h"
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t types[] = {
	LEDGER_APPEND,	    LEDGER_APPEND_GROUP, LEDGER_GET_REQUEST, LEDGER_GET_EVENT,
	LEDGER_GET_CERT,    LEDGER_VIEW,	 LEDGER_HEAD,	     LEDGER_VERIFY,
	LEDGER_REVOKED_LIST, LEDGER_CRL_LATEST,	 LEDGER_GET_EXTENSIONS, LEDGER_GET_PROP,
	LEDGER_GET_EVENTS,  LEDGER_ROWS, /* a reply type: never admitted */
	LEDGER_GET_TEMPLATES,
};

static struct ledger *ledger;
static char dir[] = "/tmp/fuzz-ledger-XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* At exit: the ledger, its directory and its region directory go (each run
 * would otherwise leave both behind, in /tmp and CONFIG_LEDGER_REGION_DIR). */
static void remove_ledger(void)
{
	char path[512], id[64] = "";
	FILE *f;

	if (ledger == NULL)
		return;
	ledger_close(ledger);
	snprintf(path, sizeof(path), "%s/ledger/region-id", dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(id, sizeof(id), f) != NULL)
			id[strcspn(id, "\n")] = 0;
		fclose(f);
	}
	if (id[0] != 0 && strspn(id, "0123456789abcdef") == strlen(id)) {
		snprintf(path, sizeof(path), "%s/ca-ledger-%s", CONFIG_LEDGER_REGION_DIR, id);
		nftw(path, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	}
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A ledger in a fresh temporary directory, with its genesis. */
static void open_ledger(void)
{
	static const uint8_t cert[] = "not parsed by the ledger";
	char err[512];
	struct ledger_event ev;

	if (mkdtemp(dir) == NULL || ledger_open(dir, LEDGER_NOSYNC, &ledger, err,
						sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_ledger_serve: cannot open a ledger in %s: %s\n", dir, err);
		abort();
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_GENESIS;
	ev.actor_kind = ACTOR_CA;
	ev.actor = "ca";
	ev.u.genesis.ca_cert.p = cert;
	ev.u.genesis.ca_cert.len = sizeof(cert);
	if (ledger_append(ledger, &ev, NULL, err, sizeof(err)) != LEDGER_OK) {
		fprintf(stderr, "fuzz_ledger_serve: genesis: %s\n", err);
		abort();
	}
	atexit(remove_ledger);
}

/* The custodian's decoder for an answer of type accepts it. */
static int answer_decodes(const struct ipc_msg *m)
{
	static union {
		struct lmsg_appended a;
		struct lmsg_appended_group ag;
		struct ledger_request_row rr;
		struct ledger_cert_row cr;
		struct lmsg_event ev;
		struct lmsg_rows rows;
		struct lmsg_head_is head;
		struct lmsg_verified ver;
		struct lmsg_revoked_rows rv;
		struct lmsg_crl_row crl;
		struct lmsg_events evs;
		struct lmsg_error err;
	} u;
	const uint8_t *p = m->data;
	size_t n = m->hdr.len;

	switch (m->hdr.type) {
	case LEDGER_APPENDED: return lmsg_appended_decode(p, n, &u.a) == 0;
	case LEDGER_APPENDED_GROUP: return lmsg_appended_group_decode(p, n, &u.ag) == 0;
	case LEDGER_REQUEST: return lmsg_request_decode(p, n, &u.rr) == 0;
	case LEDGER_CERT: return lmsg_cert_decode(p, n, &u.cr) == 0;
	case LEDGER_EVENT: return lmsg_event_decode(p, n, &u.ev) == 0;
	case LEDGER_ROWS: return lmsg_rows_decode(p, n, &u.rows) == 0;
	case LEDGER_HEAD_IS: return lmsg_head_is_decode(p, n, &u.head) == 0;
	case LEDGER_VERIFIED: return lmsg_verified_decode(p, n, &u.ver) == 0;
	case LEDGER_REVOKED_ROWS: return lmsg_revoked_rows_decode(p, n, &u.rv) == 0;
	case LEDGER_CRL_ROW: return lmsg_crl_row_decode(p, n, &u.crl) == 0;
	case LEDGER_EVENTS: return lmsg_events_decode(p, n, &u.evs) == 0;
	case LEDGER_ERROR: return lmsg_error_decode(p, n, &u.err) == 0;
	default: return 0;
	}
}

/* Every answer waiting on fd, read as the custodian reads it. */
static void check_answers(int fd)
{
	struct ipc_chan c;
	struct ipc_msg m;
	char err[256];
	int rc;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	ipc_chan_init(&c, fd, "ledger", LEDGER_FRAME_MAX);
	/* ipc_fill reads at most one frame at a time: alternate until nothing is left
	 * (the handler wrote its answer whole before returning). */
	for (;;) {
		rc = ipc_next(&c, &m, err, sizeof(err));
		if (rc < 0)
			abort(); /* a broken frame */
		if (rc == 1) {
			if (m.hdr.id != 1 || !answer_decodes(&m)) {
				fprintf(stderr, "fuzz_ledger_serve: answer %#x of %u bytes does "
						"not decode\n", m.hdr.type, m.hdr.len);
				abort();
			}
			ipc_msg_free(&m);
			continue;
		}
		if (ipc_fill(&c) <= 0)
			break;
	}
	if (c.rlen != 0) /* a partial frame */
		abort();
	ipc_chan_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct service s;
	struct ipc_msg m;
	const struct ipc_rule *rules;
	size_t n_rules;
	char err[256];
	int sv[2];

	if (ledger == NULL)
		open_ledger();
	if (size < 1 || size - 1 > 64 * 1024)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	/* Large replies must not block the handler: a big buffer, drained after. */
	int big = 8 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	memset(&s, 0, sizeof(s));
	ipc_chan_init(&s.chan, sv[0], "custodian", LEDGER_FRAME_MAX);
	s.chan.max_send = IPC_MAX_PAYLOAD;
	pthread_mutex_init(&s.lock, NULL);
	rules = ledger_rules(&n_rules);

	memset(&m, 0, sizeof(m));
	m.hdr.type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	m.hdr.len = (uint32_t)(size - 1);
	m.hdr.id = 1;
	m.fd = -1;
	m.data = size > 1 ? malloc(size - 1) : NULL;
	if (size > 1)
		memcpy(m.data, data + 1, size - 1);
	if (ipc_check(rules, n_rules, 0, &s.chan, &m, err, sizeof(err)) != NULL)
		ledger_handle(&s, &m, ledger);
	ipc_msg_free(&m);

	check_answers(sv[1]);
	ipc_chan_free(&s.chan);
	pthread_mutex_destroy(&s.lock);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
