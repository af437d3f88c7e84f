/* Online password guessing, throttled (issue 13). ca-auth counts failed logons
 * per account (the account it found in its file: the worker cannot choose it)
 * and per client address (what the worker reports: it can lie about that part
 * only); past a number of failures a key is refused until a time, the delay
 * doubling with each further failure up to a cap. A refused attempt runs no
 * NTLM check (so guessing costs ca-auth nothing) and does not move the time:
 * ca-auth's single thread never sleeps, a delay is a refusal until then. */
#ifndef AUTH_THROTTLE_H
#define AUTH_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

struct throttle_conf {
	unsigned account_failures; /* failures of one account before delays (0: no limit) */
	unsigned address_failures; /* failures from one address, any account (0: no limit) */
	unsigned delay_ms;         /* the first delay, doubled at each further failure */
	unsigned max_delay_ms;     /* its cap; a key without failure for twice this is forgotten */
};

/* The defaults (README: 5 per account, 20 per address, 1 s doubling to 5 min). */
#define THROTTLE_ACCOUNT_FAILURES 5
#define THROTTLE_ADDRESS_FAILURES 20
#define THROTTLE_DELAY_S 1
#define THROTTLE_MAX_DELAY_S 300

#define THROTTLE_KEYS 1024 /* per table: the state is bounded whatever is sent */
#define THROTTLE_KEY_MAX 256

/* Sets the rules and forgets every count. */
void throttle_configure(const struct throttle_conf *c);
/* 0 if a logon of account (NULL: none found) from address ("" or NULL: not
 * known) may be checked at now_ms (a monotonic clock), or the milliseconds to
 * wait, with why naming the key and its failures. */
int64_t throttle_check(const char *account, const char *address, int64_t now_ms, char *why,
		       size_t whylen);
/* A logon refused for its credential (wrong password, unknown account, a bad
 * token): counts against the account (if any) and the address. */
void throttle_failed(const char *account, const char *address, int64_t now_ms);
/* A logon accepted: the account's count ends (the address's does not, so that
 * an attacker's own good logons do not clear his spraying). */
void throttle_succeeded(const char *account);

#endif
