/*
 * NAME
 *	util 3h - allocation that never returns NULL, monotonic time, deadlines
 * SUMMARY
 *	util_malloc(), util_calloc(), util_realloc(), util_strdup(),
 *	util_now_ms(), util_now(), util_deadline(), util_cond_init(), util_wake()
 * DESCRIPTION
 *	The one place for what every module needs: allocation that logs and
 *	aborts on failure (Postfix's mymalloc: callers never see NULL), the
 *	monotonic clock, and absolute deadlines for condition variables that
 *	wait on that clock (util_cond_init makes them), and the one way a
 *	thread is told to stop or act: a flag set under its mutex, its
 *	condition variable signalled (util_wake).
 */
#ifndef CLAMSHIM_UTIL_H
#define CLAMSHIM_UTIL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* util_malloc - malloc that never returns NULL (0 bytes gives a valid pointer) */
void   *util_malloc(size_t n);
/* util_calloc - calloc that never returns NULL; n * size overflow aborts too */
void   *util_calloc(size_t n, size_t size);
/* util_realloc - realloc that never returns NULL */
void   *util_realloc(void *p, size_t n);
/* util_strdup - strdup that never returns NULL; NULL becomes "" */
char   *util_strdup(const char *s);

/* util_now_ms - monotonic milliseconds */
int64_t	util_now_ms(void);
/* util_now - monotonic seconds, with fractions */
double	util_now(void);
/* util_deadline - the monotonic time ms from now, for pthread_cond_timedwait */
struct timespec util_deadline(int64_t ms);
/* util_cond_init - a condition variable whose timed waits use the monotonic clock; 0 ok */
int	util_cond_init(pthread_cond_t *cv);
/* util_wake - set *flag under mu and wake cv's waiters (all of them, or one) */
void	util_wake(pthread_mutex_t *mu, pthread_cond_t *cv, int *flag, int all);

#endif
