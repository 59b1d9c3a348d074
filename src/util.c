/*
 * NAME
 *	util 3 - allocation that never returns NULL, monotonic time, deadlines
 * DESCRIPTION
 *	See util(3h). An allocation failure is logged and aborts: the daemon
 *	has no way on without memory, and a systemd restart is the recovery.
 * DIAGNOSTICS
 *	"out of memory (N bytes)" at error level, then abort().
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* util_oom - allocation failed: log and abort */
static void
util_oom(size_t n)
{
	log_error("out of memory (%zu bytes)", n);
	abort();
}

/* util_malloc - malloc that never returns NULL */
void   *
util_malloc(size_t n)
{
	void   *p = malloc(n ? n : 1);

	if (p == NULL)
		util_oom(n);
	return p;
}

/* util_calloc - calloc that never returns NULL */
void   *
util_calloc(size_t n, size_t size)
{
	void   *p;

	if (size && n > SIZE_MAX / size)
		util_oom(SIZE_MAX);
	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		util_oom(n * size);
	return p;
}

/* util_realloc - realloc that never returns NULL */
void   *
util_realloc(void *p, size_t n)
{
	void   *q = realloc(p, n ? n : 1);

	if (q == NULL)
		util_oom(n);
	return q;
}

/* util_strdup - strdup that never returns NULL; NULL becomes "" */
char   *
util_strdup(const char *s)
{
	char   *p = strdup(s ? s : "");

	if (p == NULL)
		util_oom(s ? strlen(s) + 1 : 1);
	return p;
}

/* util_now_ms - monotonic milliseconds */
int64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* util_now - monotonic seconds */
double
util_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* util_deadline - the monotonic time ms from now (negative = now) */
struct timespec
util_deadline(int64_t ms)
{
	struct timespec ts;

	if (ms < 0)
		ms = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t) (ms / 1000);
	ts.tv_nsec += (long) (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec += 1;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* util_cond_init - a condition variable on the monotonic clock */
int
util_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t ca;
	int	rc;

	if ((rc = pthread_condattr_init(&ca)) != 0)
		return rc;
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cv, &ca);
	pthread_condattr_destroy(&ca);
	return rc;
}

/* util_wake - set *flag under mu and wake cv's waiters */
void
util_wake(pthread_mutex_t *mu, pthread_cond_t *cv, int *flag, int all)
{
	pthread_mutex_lock(mu);
	*flag = 1;
	if (all)
		pthread_cond_broadcast(cv);
	else
		pthread_cond_signal(cv);
	pthread_mutex_unlock(mu);
}
