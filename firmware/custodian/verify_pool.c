/* The verifier threads (verify_pool.h): a queue of jobs, each with its own
 * condition variable so that an answer wakes only its caller. */
#include "firmware/custodian/verify_pool.h"

#include <pthread.h>

#include "firmware/custodian/derive.h"

#define POOL_MAX 8

struct job {
	const uint8_t *der;
	size_t len;
	struct x509_buf *subject, *spki;
	char *err;
	size_t errlen;
	int rc, done;
	pthread_cond_t cv;
	struct job *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static int started;

static void *verifier(void *arg)
{
	(void)arg;
	for (;;) {
		struct job *j;

		pthread_mutex_lock(&mu);
		while (head == NULL)
			pthread_cond_wait(&work, &mu);
		j = head;
		head = j->next;
		if (head == NULL)
			tail = NULL;
		pthread_mutex_unlock(&mu);

		j->rc = x509_csr_verify(j->der, j->len, j->subject, j->spki, j->err, j->errlen);

		pthread_mutex_lock(&mu);
		j->done = 1;
		pthread_cond_signal(&j->cv);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

int verify_pool_csr(const uint8_t *der, size_t len, struct x509_buf *subject,
		    struct x509_buf *spki, char *err, size_t errlen)
{
	struct job j = {der, len, subject, spki, err, errlen, -1, 0, PTHREAD_COND_INITIALIZER,
			NULL};

	pthread_mutex_lock(&mu);
	if (!started) {
		pthread_mutex_unlock(&mu);
		return x509_csr_verify(der, len, subject, spki, err, errlen);
	}
	if (tail != NULL)
		tail->next = &j;
	else
		head = &j;
	tail = &j;
	pthread_cond_signal(&work);
	while (!j.done)
		pthread_cond_wait(&j.cv, &mu);
	pthread_mutex_unlock(&mu);
	pthread_cond_destroy(&j.cv);
	return j.rc;
}

int verify_pool_start(unsigned n)
{
	pthread_attr_t attr;
	pthread_t t;
	unsigned made = 0;

	/* Once per process: a custodian started again in the same process (the unit
	 * tests' harness) shares the threads already running. */
	pthread_mutex_lock(&mu);
	made = started;
	pthread_mutex_unlock(&mu);
	if (made)
		return 0;
	if (n < 1)
		n = 1;
	if (n > POOL_MAX)
		n = POOL_MAX;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&t, &attr, verifier, NULL) == 0)
			made++;
	pthread_attr_destroy(&attr);
	if (made == 0)
		return -1;
	pthread_mutex_lock(&mu);
	started = 1;
	pthread_mutex_unlock(&mu);
	derive_set_verifier(verify_pool_csr);
	return 0;
}
