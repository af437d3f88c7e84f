/* The worker's connection slots (firmware/worker/slots.c): pools per port, a
 * share per address, eviction of the oldest connection without a logon, and
 * never of a logged-on one. Real sockets: an eviction must shut the victim's
 * socket down, which its peer sees as an end of stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/worker/slots.h"

#define EPM 0
#define ICPR 1
#define A 0x0100007fu /* 127.0.0.1 */
#define B 0x0200007fu /* 127.0.0.2 */

struct conn {
	int ours, theirs; /* the worker's end, the client's end */
	struct slot_ref ref;
};

static struct slots s;

static void conn_open(struct conn *c)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c->ours = sv[0];
	c->theirs = sv[1];
}

static void conn_close(struct conn *c)
{
	close(c->ours);
	close(c->theirs);
}

/* Has the worker's end been shut down (the client reads the end of stream)? */
static int was_shut(const struct conn *c)
{
	char b;

	return recv(c->theirs, &b, 1, MSG_DONTWAIT) == 0;
}

static int admit(struct conn *c, int port, uint32_t addr, int *evicted)
{
	conn_open(c);
	return slots_admit(&s, port, addr, c->ours, &c->ref, evicted);
}

static void setup(unsigned epm, unsigned icpr, unsigned per_address)
{
	struct slots_config cfg = {{epm, icpr}, per_address};

	assert_int_equal(slots_init(&s, &cfg), 0);
}

static void test_config_bounds(void **state)
{
	struct slots_config zero = {{0, 4}, 4}, big = {{SLOTS_MAX, 1}, 4}, none = {{4, 4}, 0};

	(void)state;
	assert_int_equal(slots_init(&s, &zero), -1);
	assert_int_equal(slots_init(&s, &big), -1);
	assert_int_equal(slots_init(&s, &none), -1);
}

/* A full pool: the oldest unauthenticated connection makes room, one at a time,
 * oldest first; the other pool is not touched. */
static void test_full_pool_evicts_the_oldest_without_a_logon(void **state)
{
	struct conn c[6], e;
	int ev;

	(void)state;
	setup(2, 3, 10);
	assert_int_equal(admit(&e, EPM, B, &ev), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(admit(&c[i], ICPR, A + (uint32_t)i, &ev), 0);
		assert_int_equal(ev, 0);
	}
	slots_authenticated(&s, &c[0].ref); /* the oldest has logged on */
	assert_int_equal(admit(&c[3], ICPR, B, &ev), 0);
	assert_int_equal(ev, 1);
	assert_false(was_shut(&c[0]));
	assert_true(was_shut(&c[1])); /* the oldest without a logon */
	assert_false(was_shut(&c[2]));
	assert_int_equal(admit(&c[4], ICPR, B, &ev), 0);
	assert_true(was_shut(&c[2]));
	assert_false(was_shut(&e));
	/* c[1]'s thread ends late: releasing its old place frees nothing of c[3]'s. */
	slots_release(&s, &c[1].ref);
	slots_authenticated(&s, &c[3].ref);
	slots_authenticated(&s, &c[4].ref);
	/* Everyone left has logged on: a newcomer is refused, nobody is evicted. */
	assert_int_equal(admit(&c[5], ICPR, B, &ev), -1);
	assert_int_equal(ev, 0);
	assert_false(was_shut(&c[0]) || was_shut(&c[3]) || was_shut(&c[4]));
	/* A place released is a place free. */
	slots_release(&s, &c[0].ref);
	conn_close(&c[5]);
	assert_int_equal(admit(&c[5], ICPR, B, &ev), 0);
	assert_int_equal(ev, 0);
	for (int i = 0; i < 6; i++)
		conn_close(&c[i]);
	conn_close(&e);
}

/* An address at its share evicts its own oldest, not another address's. */
static void test_per_address_share(void **state)
{
	struct conn a[3], b, more;
	int ev;

	(void)state;
	setup(8, 8, 3);
	assert_int_equal(admit(&b, ICPR, B, &ev), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(admit(&a[i], ICPR, A, &ev), 0);
	assert_int_equal(admit(&more, ICPR, A, &ev), 0);
	assert_int_equal(ev, 1);
	assert_true(was_shut(&a[0]));
	assert_false(was_shut(&b));
	/* The share is per pool: the endpoint mapper has its own. */
	conn_close(&more);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(admit(&more, EPM, A, &ev), 0);
		assert_int_equal(ev, 0);
		conn_close(&more);
	}
	for (int i = 0; i < 3; i++)
		conn_close(&a[i]);
	conn_close(&b);
}

/* An address whose every connection has logged on gets no more, even with
 * room in the pool: the cap holds against a client with a valid account. */
static void test_share_full_of_logons_refuses(void **state)
{
	struct conn a[2], more;
	int ev;

	(void)state;
	setup(8, 8, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(admit(&a[i], ICPR, A, &ev), 0);
		slots_authenticated(&s, &a[i].ref);
	}
	assert_int_equal(admit(&more, ICPR, A, &ev), -1);
	assert_int_equal(ev, 0);
	conn_close(&more);
	assert_int_equal(admit(&more, ICPR, B, &ev), 0);
	conn_close(&more);
	for (int i = 0; i < 2; i++)
		conn_close(&a[i]);
}

/* A port that is neither pool, and the second pool or a cap of zero: refused,
 * nothing taken. Refs out of the table's range do nothing. */
static void test_bad_port_and_refs(void **state)
{
	struct slots_config icpr_zero = {{4, 0}, 4};
	struct slot_ref below = {-1, 1}, beyond = {SLOTS_MAX, 1};
	struct conn c;
	int ev = -1;

	(void)state;
	assert_int_equal(slots_init(&s, &icpr_zero), -1);
	setup(1, 1, 1);
	assert_int_equal(admit(&c, 2, A, &ev), -1);
	assert_int_equal(ev, 0);
	conn_close(&c);
	assert_int_equal(admit(&c, -1, A, &ev), -1);
	conn_close(&c);
	slots_authenticated(&s, &below);
	slots_release(&s, &below);
	slots_authenticated(&s, &beyond);
	slots_release(&s, &beyond);
	/* the pools' single places are still free */
	assert_int_equal(admit(&c, ICPR, A, &ev), 0);
	assert_int_equal(ev, 0);
	assert_int_equal(s.slot[c.ref.i].authenticated, 0);
	conn_close(&c);
	assert_int_equal(admit(&c, EPM, A, &ev), 0);
	assert_int_equal(ev, 0);
	conn_close(&c);
}

/* Every slot of the table taken (the pools at SLOTS_MAX together): a pool
 * whose cap was raised past the table gets no slot, and nothing is evicted. */
static void test_table_full(void **state)
{
	struct slot_ref ref;
	int ev = -1;

	(void)state;
	setup(SLOTS_MAX - 1, 1, SLOTS_MAX);
	for (int i = 0; i < SLOTS_MAX - 1; i++)
		assert_int_equal(slots_admit(&s, EPM, A, -1, &ref, &ev), 0);
	assert_int_equal(slots_admit(&s, ICPR, A, -1, &ref, &ev), 0);
	slots_authenticated(&s, &ref);
	assert_int_equal(slots_admit(&s, ICPR, B, -1, &ref, &ev), -1);
	assert_int_equal(ev, 0);
	s.cfg.pool[ICPR] = 2; /* room in the pool, none in the table */
	assert_int_equal(slots_admit(&s, ICPR, B, -1, &ref, &ev), -1);
	assert_int_equal(ev, 0);
	assert_int_equal(s.evictions, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_bounds),
		cmocka_unit_test(test_full_pool_evicts_the_oldest_without_a_logon),
		cmocka_unit_test(test_per_address_share),
		cmocka_unit_test(test_share_full_of_logons_refuses),
		cmocka_unit_test(test_bad_port_and_refs),
		cmocka_unit_test(test_table_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
