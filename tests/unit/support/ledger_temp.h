/* Test support: a real ledger (firmware/ledger/store.c) in a temporary
 * directory, for the tests that drive the ledger's own code on it
 * (test_ledger_audit, test_ledger_serve). Failures fail the running cmocka
 * test. */
#ifndef TESTS_LEDGER_TEMP_H
#define TESTS_LEDGER_TEMP_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/ledger/store.h"

/* *ev zeroed as an event of type written by the CA (actor_kind ACTOR_CA,
 * actor "CA"); the caller sets the type's fields. */
void ledger_event_base(struct ledger_event *ev, uint32_t type);

/* A new ledger in a fresh directory /tmp/test-<name>-XXXXXX (its path into dir,
 * dir_len octets), opened without syncing, holding its genesis (a token CA
 * certificate) as event 1. */
struct ledger *ledger_temp_open(const char *name, char *dir, size_t dir_len);

/* Closes led, then removes the ledger's shared region (the ca-ledger-<id>
 * directory its ledger/region-id names) and dir. 0, or -1 (a teardown's
 * result). */
int ledger_temp_remove(struct ledger *led, const char *dir);

#endif
