/* The worker's connection slots (issue: hostile clients). Two pools, one per
 * port, so that endpoint-mapper clients cannot take MS-ICPR's places; a cap per
 * client address within each pool; and when a pool (or an address's share of it)
 * is full, the oldest connection that has not authenticated is evicted to make
 * room, so that a client that holds connections open without logging on cannot
 * lock out an enrollee, and an authenticated enrollee is never evicted.
 *
 * Pure bookkeeping under one mutex; eviction is shutdown(2) of the victim's
 * socket, which wakes its thread (read returns 0): the thread then ends the
 * connection and releases its slot as usual. A slot is released before its
 * descriptor is closed, so a shutdown never reaches a descriptor number reused by
 * another connection. */
#ifndef WORKER_SLOTS_H
#define WORKER_SLOTS_H

#include <pthread.h>
#include <stdint.h>

#define SLOTS_MAX 1024 /* the pools together, whatever ca.conf says */

struct slots_config {
	unsigned pool[2];     /* per port (enum worker_port: EPM, ICPR) */
	unsigned per_address; /* per client address, within each pool */
};

struct slot {
	int used;
	int fd;
	int port;
	uint32_t addr;     /* IPv4, network order */
	uint64_t order;    /* admission order: smaller is older */
	int authenticated; /* a logon was accepted on it */
};

struct slots {
	pthread_mutex_t mu;
	struct slots_config cfg;
	struct slot slot[SLOTS_MAX];
	uint64_t next_order;
	unsigned evictions; /* for the log and the tests */
};

/* 0, or -1 when the pools together exceed SLOTS_MAX or one is 0. */
int slots_init(struct slots *s, const struct slots_config *cfg);

/* A connection's place: its slot and its admission number. An evicted
 * connection's slot may already hold another when its thread ends, so every call
 * names both, and one about a connection no longer there does nothing. */
struct slot_ref {
	int i;
	uint64_t order;
};

/* Admits connection fd on port from addr: 0 with *ref, or -1 when there is no
 * room (every connection of the full pool, or of this address, is
 * authenticated). May evict one connection first (*evicted set to 1). */
int slots_admit(struct slots *s, int port, uint32_t addr, int fd, struct slot_ref *ref,
		int *evicted);

/* The connection has authenticated: never evicted from now on. */
void slots_authenticated(struct slots *s, const struct slot_ref *ref);

/* The connection is ending: its slot is free (call before closing its socket). */
void slots_release(struct slots *s, const struct slot_ref *ref);

#endif
