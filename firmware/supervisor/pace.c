/* cad's restart policy (pace.h). */
#include "firmware/supervisor/pace.h"

#include <signal.h>
#include <sys/wait.h>

#include "platform/log.h"

unsigned pace_next(struct pace *p, time_t now)
{
	if (now - p->window >= 60) {
		p->window = now;
		p->count = 0;
		p->delay = 0;
	}
	if (++p->count <= PACE_RESTARTS_PER_MINUTE)
		return 0;
	p->delay = p->delay == 0 ? 1
		   : p->delay * 2 > PACE_BACKOFF_MAX_S ? PACE_BACKOFF_MAX_S
						       : p->delay * 2;
	return p->delay;
}

int pace_died_alone(int st)
{
	return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) != SIGTERM;
}

int pace_front_followed_core(int worker_st, int auth_st, int core_ended)
{
	return worker_st != -1 && WIFEXITED(worker_st) && WEXITSTATUS(worker_st) == EXIT_UPSTREAM &&
	       !pace_died_alone(auth_st) && core_ended;
}

enum pace_selftest pace_selftest_verdict(int worker_st)
{
	if (worker_st == -1)
		return PACE_SELFTEST_FAILED;
	if (WIFEXITED(worker_st) && WEXITSTATUS(worker_st) == EXIT_UPSTREAM)
		return PACE_SELFTEST_OWED;
	if (WIFSIGNALED(worker_st) && WTERMSIG(worker_st) == SIGSYS)
		return PACE_SELFTEST_PASSED;
	return PACE_SELFTEST_FAILED;
}
