/* A real ledger in a temporary directory (ledger_temp.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "tests/unit/support/ledger_temp.h"

void ledger_event_base(struct ledger_event *ev, uint32_t type)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->actor_kind = ACTOR_CA;
	ev->actor = "CA";
}

struct ledger *ledger_temp_open(const char *name, char *dir, size_t dir_len)
{
	static const uint8_t cert[] = {0x30, 0x03, 0x02, 0x01, 0x01};
	struct ledger_event ev;
	struct ledger *led = NULL;
	char err[512];

	snprintf(dir, dir_len, "/tmp/test-%s-XXXXXX", name);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ledger_open(dir, LEDGER_NOSYNC, &led, err, sizeof(err)), 0);
	ledger_event_base(&ev, EV_GENESIS);
	ev.u.genesis.ca_cert.p = cert;
	ev.u.genesis.ca_cert.len = sizeof(cert);
	assert_int_equal(ledger_append(led, &ev, NULL, err, sizeof(err)), LEDGER_OK);
	return led;
}

int ledger_temp_remove(struct ledger *led, const char *dir)
{
	char cmd[256];

	ledger_close(led);
	/* the region lives outside dir (CONFIG_LEDGER_REGION_DIR), named by the id
	 * the ledger keeps in dir */
	snprintf(cmd, sizeof(cmd), "[ -f '%s/ledger/region-id' ] && rm -rf %s/ca-ledger-$(cat "
		 "'%s/ledger/region-id')", dir, CONFIG_LEDGER_REGION_DIR, dir);
	if (system(cmd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}
