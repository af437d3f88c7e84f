/* Free space on the ledger's filesystem, watched before each append (see
 * store.h, ledger_space_watch): a disk that fills slowly is reported (log, and
 * one journal event per crossing) while there is room, and the last of the room
 * is kept for what must go on when the CA is short of it, CRL publication and
 * operator actions, so that a flood of ordinary work (requests, refusals, logon
 * events) cannot take the space an operator needs to publish a CRL or act.
 *
 * fstatvfs on a descriptor opened before the sandbox (the filter allows fstatfs,
 * never statfs on a path). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "firmware/ledger/ledger_int.h"
#include "platform/log.h"

#define MIB (1024ull * 1024ull)

struct ledger_space {
	int fd;                 /* DATA/ledger */
	uint64_t reserve, low;  /* bytes */
	unsigned reserve_mb, low_mb;
	int low_state;          /* below low: warned; guarded by mu */
	pthread_mutex_t mu;
};

int ledger_space_watch(struct ledger *l, unsigned reserve_mb, unsigned low_mb, char *err,
		       size_t errlen)
{
	struct ledger_space *s;

	if (reserve_mb == 0 && low_mb == 0)
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->fd = open(l->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->fd < 0) {
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		free(s);
		return -1;
	}
	/* The warning comes first: a threshold below the reserve would never warn
	 * before the refusals begin. */
	s->reserve_mb = reserve_mb;
	s->low_mb = low_mb > reserve_mb ? low_mb : reserve_mb;
	s->reserve = (uint64_t)reserve_mb * MIB;
	s->low = (uint64_t)s->low_mb * MIB;
	pthread_mutex_init(&s->mu, NULL);
	l->space = s;
	return 0;
}

void ledger_space_free(struct ledger *l)
{
	if (l->space == NULL)
		return;
	close(l->space->fd);
	pthread_mutex_destroy(&l->space->mu);
	free(l->space);
	l->space = NULL;
}

/* What may still be recorded below the reserve: a CRL (whoever publishes it:
 * the automatic publication is the CA's), the checkpoint that follows it
 * (a few hundred bytes that keep the ledger anchored) and what an operator does
 * at the console. Everything else is ordinary work. */
static int reserved(const struct ledger_event *ev)
{
	return ev->type == EV_CRL_PUBLISHED || ev->type == EV_CHECKPOINT ||
	       ev->actor_kind == ACTOR_OPERATOR;
}

/* The ledger's own warning, once per crossing of the threshold. Its failure is
 * logged only: the warning is in the log already. */
static void journal_warning(struct ledger *l, uint64_t free_b)
{
	struct ledger_event ev;
	char detail[256], err[512];
	struct ledger_event *evs[1] = {&ev};

	snprintf(detail, sizeof(detail), "%llu MiB free on the ledger's filesystem, below "
		 "ledger_low_space_mb = %u; ordinary work is refused below ledger_reserve_mb "
		 "= %u", (unsigned long long)(free_b / MIB), l->space->low_mb,
		 l->space->reserve_mb);
	memset(&ev, 0, sizeof(ev));
	ev.type = EV_OPERATOR_ACTION;
	ev.actor_kind = ACTOR_CA;
	ev.actor = "ledger";
	ev.u.op.action = "low-disk-space";
	ev.u.op.target = l->path;
	ev.u.op.allowed = 1;
	ev.u.op.detail = detail;
	if (ledger_append_unchecked(l, evs, 1, NULL, err, sizeof(err)) != LEDGER_OK)
		log_warnx("the low-space warning was not journaled: %s", err);
}

int ledger_space_admit(struct ledger *l, struct ledger_event **evs, size_t n, char *err,
		       size_t errlen)
{
	struct ledger_space *s = l->space;
	struct statvfs st;
	uint64_t free_b;
	int warn = 0;

	if (s == NULL)
		return LEDGER_OK;
	if (fstatvfs(s->fd, &st) != 0) {
		/* Unknown is not low: the disk's own ENOSPC still guards the end. */
		log_warnx("free space of %s unknown: %s", l->path, strerror(errno));
		return LEDGER_OK;
	}
	free_b = (uint64_t)st.f_bavail * st.f_frsize;
	pthread_mutex_lock(&s->mu);
	if (free_b < s->low && !s->low_state) {
		s->low_state = warn = 1;
	} else if (free_b >= s->low + s->low / 16 && s->low_state) {
		/* A margin, so that a disk at the threshold does not warn on every
		 * append: the state clears only well above it. */
		s->low_state = 0;
		log_info("the ledger's filesystem has %llu MiB free again (ledger_low_space_mb "
			 "= %u)", (unsigned long long)(free_b / MIB), s->low_mb);
	}
	pthread_mutex_unlock(&s->mu);
	if (warn) {
		log_warnx("the ledger's filesystem is low on space: %llu MiB free, below "
			  "ledger_low_space_mb = %u (ordinary work is refused below "
			  "ledger_reserve_mb = %u)", (unsigned long long)(free_b / MIB), s->low_mb,
			  s->reserve_mb);
		journal_warning(l, free_b);
	}
	if (free_b >= s->reserve)
		return LEDGER_OK;
	for (size_t i = 0; i < n; i++)
		if (!reserved(evs[i])) {
			snprintf(err, errlen, "the ledger's disk is nearly full: %llu MiB free, "
				 "below the reserve of %u MiB (ledger_reserve_mb) kept for CRL "
				 "publication and operator actions; new requests, refusals and "
				 "logon events are refused until space is freed",
				 (unsigned long long)(free_b / MIB), s->reserve_mb);
			return LEDGER_EFULL;
		}
	return LEDGER_OK;
}
