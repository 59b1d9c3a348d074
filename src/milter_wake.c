/*
 * NAME
 *	milter_wake 3 - the stop wakes libmilter's accept loop at once
 * SUMMARY
 *	milter_wake() (milter.h); milter_wake_arm(), milter_wake_disarm()
 *	(milter_int.h)
 * DESCRIPTION
 *	libmilter's accept loop (smfi_main(), in the thread that called it)
 *	waits in poll() on the listening socket for up to 5 seconds at a
 *	time and looks at its stop flag only between two waits. Its signal
 *	thread sets that flag on SIGTERM or SIGINT, then waits for the
 *	loop's lock to close the socket: a stop took up to 5 seconds, and
 *	more with a slow poll.
 *
 *	Here the loop is woken instead. Before smfi_main(), milter_wake_arm()
 *	gives SIGURG a handler that does nothing (installed without
 *	SA_RESTART, so a poll() it interrupts returns EINTR, which libmilter
 *	answers by looking at its stop flag) and unblocks SIGURG in the
 *	calling thread only, and starts a waker thread, which blocks it.
 *	milter_wake(), called when a stop signal has come, lets the waker
 *	send SIGURG to the loop's thread every MILTER_WAKE_EVERY_MS until
 *	milter_wake_disarm() says the loop returned (or MILTER_WAKE_MAX_MS
 *	passed: libmilter's own wait has ended by then): a signal that
 *	comes just before the loop enters poll() would be lost, the next
 *	one is not. Neither the socket nor libmilter is touched: a socket
 *	handed over by systemd stays usable for the next daemon.
 *
 *	SIGURG is otherwise only sent for out-of-band data on sockets that
 *	asked for it (F_SETOWN), which nothing here does; the daemon blocks
 *	it in its own threads. libmilter's threads, made by smfi_main(),
 *	inherit the loop thread's mask: a SIGURG sent to the process from
 *	outside may interrupt one of their calls, which they retry.
 * DIAGNOSTICS
 *	A waker that cannot start is logged: the stop then takes as long as
 *	libmilter's wait, as before.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "log.h"
#include "milter.h"
#include "milter_int.h"
#include "util.h"

#define MILTER_WAKE_EVERY_MS	20
#define MILTER_WAKE_MAX_MS	10000

/* The waker; file-static, made by milter_wake_arm(). */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* on the monotonic clock */
	pthread_t loop;			/* the thread in smfi_main() */
	pthread_t waker;
	int	armed;
	int	woken;			/* milter_wake() was called */
	int	done;			/* the loop returned */
} milter_wake_state = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* milter_wake_nothing - SIGURG's handler: its only work is to interrupt poll() */
static void
milter_wake_nothing(int sig)
{
	(void) sig;
}

/* milter_wake_main - the waker: once woken, SIGURG to the loop until it returned */
static void *
milter_wake_main(void *arg)
{
	struct timespec dl;
	int64_t	sent = 0;

	(void) arg;
	pthread_mutex_lock(&milter_wake_state.lock);
	while (!milter_wake_state.woken && !milter_wake_state.done)
		pthread_cond_wait(&milter_wake_state.cond, &milter_wake_state.lock);
	while (!milter_wake_state.done && sent < MILTER_WAKE_MAX_MS) {
		(void) pthread_kill(milter_wake_state.loop, SIGURG);
		dl = util_deadline(MILTER_WAKE_EVERY_MS);
		while (!milter_wake_state.done &&
		       pthread_cond_timedwait(&milter_wake_state.cond, &milter_wake_state.lock,
					      &dl) != ETIMEDOUT)
			;
		sent += MILTER_WAKE_EVERY_MS;
	}
	pthread_mutex_unlock(&milter_wake_state.lock);
	return NULL;
}

/* milter_wake_arm - before smfi_main(): the handler, the waker, SIGURG open in this thread */
void
milter_wake_arm(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = milter_wake_nothing;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;		/* no SA_RESTART: poll() returns EINTR */
	sigemptyset(&set);
	sigaddset(&set, SIGURG);
	milter_wake_state.loop = pthread_self();
	milter_wake_state.woken = milter_wake_state.done = 0;
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* the waker is born with it blocked */
	if (util_cond_init(&milter_wake_state.cond) != 0 || sigaction(SIGURG, &sa, NULL) != 0) {
		log_error("cannot prepare the stop's wake-up: a stop waits for libmilter (up to 5 s)");
		return;
	}
	if (pthread_create(&milter_wake_state.waker, NULL, milter_wake_main, NULL) != 0) {
		pthread_cond_destroy(&milter_wake_state.cond);
		log_error("cannot start the stop's waker: a stop waits for libmilter (up to 5 s)");
		return;
	}
	milter_wake_state.armed = 1;
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* milter_wake - a stop signal came: wake the accept loop (any thread) */
void
milter_wake(void)
{
	pthread_mutex_lock(&milter_wake_state.lock);
	milter_wake_state.woken = 1;
	if (milter_wake_state.armed)
		pthread_cond_signal(&milter_wake_state.cond);
	pthread_mutex_unlock(&milter_wake_state.lock);
}

/* milter_wake_disarm - smfi_main() returned: end the waker, SIGURG blocked again */
void
milter_wake_disarm(void)
{
	sigset_t set;

	if (!milter_wake_state.armed)
		return;
	pthread_mutex_lock(&milter_wake_state.lock);
	milter_wake_state.done = 1;
	pthread_cond_signal(&milter_wake_state.cond);
	pthread_mutex_unlock(&milter_wake_state.lock);
	pthread_join(milter_wake_state.waker, NULL);
	pthread_cond_destroy(&milter_wake_state.cond);
	milter_wake_state.armed = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGURG);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}
