/* Linked into every program of the coverage build only (make COVERAGE=1; see
 * tests/coverage/README.md). gcov writes a program's counters from an exit-time
 * destructor, which two ways of ending skip:
 * - _exit(): ca-auth ends that way, and forked children do. The build links with
 *   -Wl,--wrap=_exit (and exit, below), so such a call comes here first.
 * - the default action of a signal: ca-worker ends on cad's SIGTERM. In ca-worker
 *   alone (the one daemon that ends that way; cad takes SIGTERM with sigtimedwait,
 *   the others exit by themselves), SIGTERM, SIGINT and SIGHUP are blocked before
 *   main() and a thread waits for them: it dumps the counters, then the process
 *   dies of the same signal, so cad sees the end it would have seen. Not a signal
 *   handler: dumping allocates and writes files, which no handler may do.
 * One dump per process, under a lock, so that a SIGTERM that arrives while the
 * worker is exiting cannot interleave two dumps of one file (a process's own
 * fcntl locks do not exclude its threads). Only the program's own process dumps
 * here: a forked or cloned child (a vfork-style clone shares the parent's memory,
 * its counters and this lock) leaves the counters to its parent.
 *
 * A process that chrooted where the object tree is not (ca-auth, which cad jails
 * in DATA/auth) writes its counters under /gcov of its jail instead
 * (GCOV_PREFIX, read by gcov at each dump): the object tree's path below it, and
 * run.sh merges them into the tree after the suite. The product's jail is not
 * changed, and nothing reaches outside it. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char *program_invocation_short_name;

void __gcov_dump(void);
void __real__exit(int status) __attribute__((noreturn));
void __wrap__exit(int status) __attribute__((noreturn));
void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));

static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t program_pid; /* the process the program started as */

static struct stat root_at_start; /* "/" before main(): a chroot changes it */

/* In a chroot without the object tree (COV_OBJ_DIR, coverage.mk): the jail's
 * /gcov, which run.sh gathers. A worker chrooted to /var/empty sees the tree
 * there (run.sh binds it) and writes in place. */
static void prefix_in_jail(void)
{
#ifdef COV_OBJ_DIR
	struct stat st;

	if (stat("/", &st) == 0 &&
	    (st.st_dev != root_at_start.st_dev || st.st_ino != root_at_start.st_ino) &&
	    access(COV_OBJ_DIR, F_OK) != 0) {
		setenv("GCOV_PREFIX", "/gcov", 1);
		setenv("GCOV_PREFIX_STRIP", "0", 1);
	}
#endif
}

static void dump_once(void)
{
	static int dumped;

	if (getpid() != program_pid)
		return;
	pthread_mutex_lock(&dump_lock);
	if (!dumped) {
		prefix_in_jail();
		__gcov_dump();
		dumped = 1;
	}
	pthread_mutex_unlock(&dump_lock);
}

void __wrap__exit(int status)
{
	dump_once();
	__real__exit(status);
}

void __wrap_exit(int status)
{
	dump_once();
	__real_exit(status);
}

static sigset_t ending;

static void *wait_for_the_end(void *arg)
{
	int sig;

	(void)arg;
	while (sigwait(&ending, &sig) != 0)
		;
	dump_once();
	signal(sig, SIG_DFL);
	pthread_sigmask(SIG_UNBLOCK, &ending, NULL);
	raise(sig);
	return NULL;
}

__attribute__((constructor)) static void dump_on_signals(void)
{
	pthread_t t;

	program_pid = getpid();
	(void)stat("/", &root_at_start);
	/* ca-auth too: it exits by itself when the worker's channel closes, but
	 * cad sends it SIGTERM at the same moment (sup_stop_front), and which
	 * comes first decided whether its counters were written (8 of the suite's
	 * jails were gathered before this). */
	if (strcmp(program_invocation_short_name, "ca-worker") != 0 &&
	    strcmp(program_invocation_short_name, "ca-auth") != 0)
		return;
	sigemptyset(&ending);
	sigaddset(&ending, SIGTERM);
	sigaddset(&ending, SIGINT);
	sigaddset(&ending, SIGHUP);
	/* Blocked in every thread (new ones inherit the mask), taken by one. */
	if (pthread_sigmask(SIG_BLOCK, &ending, NULL) == 0 &&
	    pthread_create(&t, NULL, wait_for_the_end, NULL) == 0)
		pthread_detach(t);
}
