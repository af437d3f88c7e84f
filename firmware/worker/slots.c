/* Connection slots; see slots.h. The table is small (at most SLOTS_MAX) and each
 * admission scans it once: simpler than indexes, and nothing here is hot next to
 * a DCE/RPC bind. */
#include "firmware/worker/slots.h"

#include <string.h>
#include <sys/socket.h>

int slots_init(struct slots *s, const struct slots_config *cfg)
{
	if (cfg->pool[0] == 0 || cfg->pool[1] == 0 || cfg->per_address == 0 ||
	    cfg->pool[0] + cfg->pool[1] > SLOTS_MAX)
		return -1;
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->cfg = *cfg;
	return 0;
}

/* The oldest unauthenticated connection of port (and of addr, when by_addr), or
 * -1. */
static int oldest_evictable(const struct slots *s, int port, uint32_t addr, int by_addr)
{
	int best = -1;

	for (int i = 0; i < SLOTS_MAX; i++) {
		const struct slot *t = &s->slot[i];

		if (!t->used || t->port != port || t->authenticated || (by_addr && t->addr != addr))
			continue;
		if (best < 0 || t->order < s->slot[best].order)
			best = i;
	}
	return best;
}

/* Ends the connection in slot i to make room: its socket is shut down (its
 * thread sees the end and releases the slot), and the slot is reused at once. */
static void evict(struct slots *s, int i)
{
	shutdown(s->slot[i].fd, SHUT_RDWR);
	s->slot[i].used = 0;
	s->evictions++;
}

int slots_admit(struct slots *s, int port, uint32_t addr, int fd, struct slot_ref *ref,
		int *evicted)
{
	unsigned in_pool = 0, from_addr = 0;
	int free_slot = -1, victim = -1;

	*evicted = 0;
	if (port < 0 || port > 1)
		return -1;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < SLOTS_MAX; i++) {
		const struct slot *t = &s->slot[i];

		if (!t->used) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (t->port == port) {
			in_pool++;
			from_addr += t->addr == addr;
		}
	}
	/* The address's share first: room made there also makes room in the pool. */
	if (from_addr >= s->cfg.per_address) {
		if ((victim = oldest_evictable(s, port, addr, 1)) < 0)
			goto full;
	} else if (in_pool >= s->cfg.pool[port]) {
		if ((victim = oldest_evictable(s, port, addr, 0)) < 0)
			goto full;
	}
	if (victim >= 0) {
		evict(s, victim);
		*evicted = 1;
		free_slot = victim;
	}
	if (free_slot < 0)
		goto full;
	s->slot[free_slot] = (struct slot){1, fd, port, addr, ++s->next_order, 0};
	ref->i = free_slot;
	ref->order = s->next_order;
	pthread_mutex_unlock(&s->mu);
	return 0;
full:
	pthread_mutex_unlock(&s->mu);
	return -1;
}

/* The slot ref names, if it still holds that connection; under s->mu. */
static struct slot *find(struct slots *s, const struct slot_ref *ref)
{
	if (ref->i < 0 || ref->i >= SLOTS_MAX)
		return NULL;
	struct slot *t = &s->slot[ref->i];
	return t->used && t->order == ref->order ? t : NULL;
}

void slots_authenticated(struct slots *s, const struct slot_ref *ref)
{
	pthread_mutex_lock(&s->mu);
	struct slot *t = find(s, ref);
	if (t != NULL)
		t->authenticated = 1;
	pthread_mutex_unlock(&s->mu);
}

void slots_release(struct slots *s, const struct slot_ref *ref)
{
	pthread_mutex_lock(&s->mu);
	struct slot *t = find(s, ref);
	if (t != NULL)
		t->used = 0;
	pthread_mutex_unlock(&s->mu);
}
