/* cad's process handling as a library (libsupervisor), so that unit tests drive
 * it without the real daemons (tests/unit/test_supervisor_sup.c): the table of
 * children, what each end means (a restart paced by pace.c, a refusal that stops
 * the CA, a sandbox self-test owed or judged), the order of shutdown, and the
 * loop that reaps and restarts. What a start is (the daemons' argv, their
 * channels) stays in cad.c, behind struct sup_ops; so does the clock, which the
 * tests inject. */
#ifndef SUPERVISOR_SUP_H
#define SUPERVISOR_SUP_H

#include <signal.h>
#include <sys/types.h>
#include <time.h>

#include "firmware/supervisor/pace.h"

/* The programs cad starts. The core (ledger and custodian) restarts whole: the
 * custodian's ledger channel ties them. The front (worker and ca-auth) shares
 * one channel and restarts whole, after the core. */
enum sup_child { SUP_LEDGER, SUP_CUSTODIAN, SUP_WORKER, SUP_AUTH, SUP_NCHILD };

/* Each child's binary name in cad's directory ("ca-ledger", ...). */
extern const char *const sup_prog[SUP_NCHILD];

/* A group of children that is down and waits for its restart. */
struct sup_due {
	int down;  /* the group is stopped and waits for its restart */
	time_t at; /* when it may start again */
	struct pace pace;
};

struct sup;

/* What cad does for the library: the starts (which fill s->pid) and the clock.
 * A start that fails returns -1, which stops the appliance as cad's fatal()
 * used to. */
struct sup_ops {
	time_t (*now)(void *ctx);
	int (*start_core)(struct sup *s, void *ctx);  /* ledger, custodian */
	int (*start_front)(struct sup *s, void *ctx); /* ca-auth, worker */
	/* Closes cad's end of the custodian's control channel (the custodian ends
	 * when it closes, then the ledger, its only peer). NULL: nothing to close. */
	void (*close_control)(void *ctx);
};

struct sup {
	pid_t pid[SUP_NCHILD]; /* 0: not running (or already reaped) */
	int selftest;          /* --sandbox-selftest: the first worker's test is owed */
	int stopping;          /* SIGTERM or SIGINT taken */
	struct sup_due front, core;
	/* How long a stop waits for a child before SIGKILL (cad: 5 s for the
	 * front, 10 s for the core, time to finish what each was doing). */
	int front_ms, core_ms;
	const struct sup_ops *ops;
	void *ctx;
};

/* A table with nothing running, cad's waits, and ops/ctx. */
void sup_init(struct sup *s, const struct sup_ops *ops, void *ctx);

/* Which child pid is, for the log: "ledger", "custodian", "worker", "ca-auth",
 * or "child" (one already replaced). */
const char *sup_who(const struct sup *s, pid_t pid);

/* Waits up to ms for *pid to end, then kills it (SIGKILL); reaps it and clears
 * *pid. Returns its wait status (-1 when there was none to reap). The other
 * children's ends are left for the loop. */
int sup_reap_within(pid_t *pid, int ms);

/* Stops the front: SIGTERM to the worker and ca-auth, then reaps both (the
 * worker first). Returns the worker's wait status when it was reaped here (-1
 * otherwise), and ca-auth's in *auth_st when auth_st is not NULL. */
int sup_stop_front(struct sup *s, int *auth_st);

/* Stops the core: closes the control channel (the custodian ends when it
 * closes, the ledger when its only peer is gone) and reaps both. Returns 1 when
 * either, reaped here, had exited EXIT_REFUSED: the end being handled was the
 * other's (the ledger leaves when the refusing custodian closes its channel and
 * may be reaped first), and the refusal must not be lost in a restart. */
int sup_stop_core(struct sup *s);

/* Whether the custodian or the ledger has ended, reaped or not yet (waitid
 * WNOWAIT leaves the zombie for the loop). core_down: the core is known down. */
int sup_core_ended(const struct sup *s, int core_down);

/* Stops everything in order: the worker and ca-auth, then the custodian, then
 * the ledger; each finishes what it was doing. */
void sup_shutdown(struct sup *s);

/* One child's end (pid, its wait status st) at the ops' now: which group goes
 * down and when it restarts. Returns 0, or -1 when the appliance must stop: a
 * core daemon that refuses its configuration (EXIT_REFUSED), or a failed
 * sandbox self-test. A pid not in the table (a child already replaced, reaped
 * late) changes nothing. */
int sup_child_ended(struct sup *s, pid_t pid, int st);

/* Reaps every child that has ended (waitpid WNOHANG) through sup_child_ended.
 * 0, or -1 to stop the appliance. */
int sup_reap(struct sup *s);

/* Starts what is due at now (the core first; the front only once the core is
 * up) and stores in *wait the seconds until the next restart is due (1 when
 * none is: the loop looks again each second). 0, or -1 when a start failed. */
int sup_start_due(struct sup *s, time_t now, unsigned *wait);

/* The supervision loop: reaps, restarts what is due, and waits for the signals
 * in sigs (blocked by the caller; SIGCHLD, SIGTERM, SIGINT), all synchronously,
 * so no restart races a handler. On SIGTERM/SIGINT or a reason to stop it shuts
 * everything down (sup_shutdown). Returns cad's exit status: 0 when stopped by a
 * signal, 1 when the appliance had to stop. */
int sup_run(struct sup *s, const sigset_t *sigs);

/* Forks and starts the program behind exe_fd (an O_PATH descriptor, run with
 * execveat(AT_EMPTY_PATH)) with argv and envp; fds[i] becomes descriptor 3 + i
 * (n at most 8), every other descriptor is closed. With uid != 0 (cad is root)
 * the child becomes uid/gid, with no supplementary groups, before exec. The
 * child's signal mask and dispositions are the defaults. Returns the pid, or -1
 * when fork fails; a child that cannot exec says why on stderr (naming
 * dir/prog) and exits 127. */
pid_t sup_spawn(int exe_fd, const char *dir, const char *prog, char *const argv[],
		char *const envp[], const int *fds, int n, uid_t uid, gid_t gid);

#endif
