/* libFuzzer target: ca-ledger as its only peer, the custodian, reaches it. Each
 * input is one frame: byte 0 picks the message type among the ledger's requests
 * (and one it does not know), the rest is the payload. The frame goes through the
 * ledger's whitelist (ipc_check, as service_run does) and, when admitted, to its
 * real handler (ledger_handle) on a real ledger: a Berkeley DB environment in a
 * temporary directory, opened once, with a genesis, so that appends, views,
 * revocation pages and CRL lookups run for real. Replies go to a socketpair that
 * is drained; a violation must end the channel (service_violation) and nothing
 * else. A crash, a sanitizer finding or a hang is a finding. */
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct service s;
	struct ipc_msg m;
	const struct ipc_rule *rules;
	size_t n_rules;
	char err[256], buf[65536];
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

	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	while (read(sv[1], buf, sizeof(buf)) > 0)
		;
	ipc_chan_free(&s.chan);
	pthread_mutex_destroy(&s.lock);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
