/* Linked into every program of the coverage build only (make COVERAGE=1; see
 * tests/coverage/README.md): gcov writes its counters from an exit handler, which
 * two ways of ending skip.
 * - _exit(): ca-auth ends that way, and forked children do. The build links with
 *   -Wl,--wrap=_exit, so a call to _exit() comes here first and dumps.
 * - A signal's default action: ca-worker ends on cad's SIGTERM, and tests stop
 *   daemons with SIGTERM or SIGINT. Where the program has not chosen a
 *   disposition of its own by the time it starts (a constructor runs before
 *   main()), a handler dumps the counters and then dies of the same signal, so
 *   the parent sees the exit it would have seen. A program that installs its own
 *   handler or blocks the signal replaces this one. */
#include <signal.h>
#include <stddef.h>

void __gcov_dump(void);
void __real__exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));

void __wrap__exit(int status)
{
	__gcov_dump();
	__real__exit(status);
}

static void dump_and_die(int sig)
{
	__gcov_dump();
	raise(sig); /* SA_RESETHAND: the default action again */
}

__attribute__((constructor)) static void dump_on_signals(void)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};

	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa = {0}, old;

		if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL)
			continue;
		sa.sa_handler = dump_and_die;
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}
