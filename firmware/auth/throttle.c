/* Failed-logon counts and delays (throttle.h). Two fixed tables, accounts and
 * addresses, searched linearly (1024 short strings: microseconds per logon);
 * when one is full the entry with the oldest failure gives way. The account
 * table holds only accounts of the file (an unknown name has no account key),
 * so only the address table can be churned, by an attacker with more than 1024
 * addresses, and that leaves every account's count where it is. One thread:
 * no locks. */
#include "firmware/auth/throttle.h"

#include <stdio.h>
#include <string.h>

struct entry {
	char key[THROTTLE_KEY_MAX + 1];
	unsigned failures;
	int64_t last;  /* the last failure */
	int64_t until; /* refused before this */
};

struct table {
	struct entry e[THROTTLE_KEYS];
	size_t n;
};

static struct throttle_conf conf = {
	THROTTLE_ACCOUNT_FAILURES, THROTTLE_ADDRESS_FAILURES, THROTTLE_DELAY_S * 1000,
	THROTTLE_MAX_DELAY_S * 1000,
};
static struct table accounts, addresses;

void throttle_configure(const struct throttle_conf *c)
{
	conf = *c;
	if (conf.max_delay_ms < conf.delay_ms)
		conf.max_delay_ms = conf.delay_ms;
	memset(&accounts, 0, sizeof(accounts));
	memset(&addresses, 0, sizeof(addresses));
}

static struct entry *lookup(struct table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->e[i].key, key) == 0)
			return &t->e[i];
	return NULL;
}

/* A key's entry, made (or taken from the oldest failure) if need be. */
static struct entry *entry(struct table *t, const char *key)
{
	struct entry *e = lookup(t, key);

	if (e != NULL)
		return e;
	if (t->n < THROTTLE_KEYS) {
		e = &t->e[t->n++];
	} else {
		e = &t->e[0];
		for (size_t i = 1; i < t->n; i++)
			if (t->e[i].last < e->last)
				e = &t->e[i];
	}
	memset(e, 0, sizeof(*e));
	snprintf(e->key, sizeof(e->key), "%s", key);
	return e;
}

/* The wait before key may be tried again (0: now). */
static int64_t wait_of(struct table *t, const char *key, int64_t now)
{
	struct entry *e = lookup(t, key);

	return e != NULL && e->until > now ? e->until - now : 0;
}

static void fail_one(struct table *t, const char *key, unsigned limit, int64_t now)
{
	struct entry *e;
	int64_t delay = conf.delay_ms;

	if (limit == 0)
		return;
	e = entry(t, key);
	/* Quiet for twice the longest delay: a fresh start. */
	if (e->failures > 0 && now - e->last > 2 * (int64_t)conf.max_delay_ms)
		e->failures = 0;
	e->failures++;
	e->last = now;
	if (e->failures < limit)
		return;
	for (unsigned k = limit; k < e->failures && delay < conf.max_delay_ms; k++)
		delay *= 2;
	if (delay > conf.max_delay_ms)
		delay = conf.max_delay_ms;
	e->until = now + delay;
}

static int known(const char *s)
{
	return s != NULL && s[0] != 0;
}

static void describe(const struct entry *e, const char *prep, char *why, size_t whylen)
{
	int64_t d = e->until - e->last;

	snprintf(why, whylen, "throttled: %u failed logons %s %s, refused for %lld.%03lld s",
		 e->failures, prep, e->key, (long long)(d / 1000), (long long)(d % 1000));
}

int64_t throttle_check(const char *account, const char *address, int64_t now_ms, char *why,
		       size_t whylen)
{
	int64_t a = known(account) ? wait_of(&accounts, account, now_ms) : 0;
	int64_t b = known(address) ? wait_of(&addresses, address, now_ms) : 0;

	if (a == 0 && b == 0)
		return 0;
	/* The same words for every refusal of one delay (its length, not the time
	 * left), so that the journal's refusals of a burst read alike. */
	if (a >= b)
		describe(lookup(&accounts, account), "of", why, whylen);
	else
		describe(lookup(&addresses, address), "from", why, whylen);
	return a > b ? a : b;
}

void throttle_failed(const char *account, const char *address, int64_t now_ms)
{
	if (known(account))
		fail_one(&accounts, account, conf.account_failures, now_ms);
	if (known(address))
		fail_one(&addresses, address, conf.address_failures, now_ms);
}

void throttle_succeeded(const char *account)
{
	struct entry *e = known(account) ? lookup(&accounts, account) : NULL;

	if (e != NULL) {
		e->failures = 0;
		e->until = 0;
	}
}
