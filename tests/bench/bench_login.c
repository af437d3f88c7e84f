/* The cost of an operator login: one PBKDF2-HMAC-SHA256 check of a passphrase
 * (firmware/operator, OPERATOR_ITERATIONS rounds), the work a guesser pays per
 * try. Median of 7 checks.
 *
 *   make build/tests/bench_login && build/tests/bench_login */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "firmware/operator/operator.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	static struct operator_db db;
	double t[7];
	char err[128];
	uint32_t roles;

	if (operator_set(&db, "bench", ROLE_ADMIN, "bench-passphrase", err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_login: %s\n", err);
		return 1;
	}
	for (int i = 0; i < 7; i++) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (!operator_check(&db, "bench", "bench-passphrase", &roles)) {
			fprintf(stderr, "bench_login: the check failed\n");
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		t[i] = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	}
	qsort(t, 7, sizeof(t[0]), cmp);
	printf("operator login (PBKDF2-HMAC-SHA256, %u rounds): median %.3f s, min %.3f s, "
	       "max %.3f s\n", OPERATOR_ITERATIONS, t[3], t[0], t[6]);
	return 0;
}
