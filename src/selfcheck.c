/*
 * NAME
 *	selfcheck 3 - the daemon proves, on a timer, that its milter socket serves
 * SUMMARY
 *	selfcheck_start(), selfcheck_stop(), selfcheck_once(), selfcheck_spec(),
 *	selfcheck_timing() (selfcheck.h)
 * DESCRIPTION
 *	One check is what an MTA does first: connect to the milter socket,
 *	send the option negotiation, read libmilter's answer, say QUIT
 *	(mt_open() and mt_close()). It passes only when libmilter's accept
 *	loop took the connection and a worker answered, within the time
 *	limit; it costs the daemon one short connection (no message, no log
 *	line of its own).
 *
 *	The thread checks at once, then every period. A failed check is
 *	logged; SELFCHECK_FAILS failed in a row are reported to the caller's
 *	function (and every one after them, until one passes), so that one
 *	slow answer on a loaded machine does not get a serving daemon
 *	restarted. Every check that passes is reported too.
 *
 *	selfcheck_timing(): the period is status.interval, kept between
 *	SELFCHECK_PERIOD_MIN_MS and SELFCHECK_PERIOD_MAX_MS and, with
 *	systemd's watchdog, at most a quarter of WatchdogSec; the time limit
 *	of one check is twice the period, kept between SELFCHECK_TIMEOUT_MIN_MS
 *	and SELFCHECK_TIMEOUT_MAX_MS and, with the watchdog, at most half of
 *	WatchdogSec. A wedged socket is then reported within two periods and
 *	two time limits: with the watchdog, within about 1.5 x WatchdogSec.
 *
 *	A daemon whose user may not connect to its own unix socket (a
 *	directory only root may enter, for an MTA running as root) cannot
 *	check itself: that is logged once and the thread ends, reporting
 *	nothing, so nothing is gated on it.
 *
 *	selfcheck_stop() makes sure no report comes after it returns, and
 *	waits SELFCHECK_STOP_WAIT_MS at most for the thread: at the stop,
 *	libmilter may have accepted a check's connection that none of its
 *	workers will serve any more, and the daemon's exit must not wait for
 *	that check's time limit. Such a thread ends by itself later, and
 *	the last of it and its owner frees what they share.
 *
 *	selfcheck_spec() turns the spec the daemon listens on into one to
 *	connect to: a unix path as it is, an inet socket bound to every
 *	address (no host, 0.0.0.0, ::) through the loopback address.
 * DIAGNOSTICS
 *	A failed check is logged at warning level with why (after the
 *	SELFCHECK_FAILS-th in a row, at debug level: the caller's alert
 *	speaks for them); a thread that
 *	cannot start is an error (no self-check: the heartbeat and the
 *	watchdog pings then go on as before it existed).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "mtclient.h"
#include "selfcheck.h"
#include "util.h"

#define SELFCHECK_SPEC_MAX	512
#define SELFCHECK_STOP_WAIT_MS	100	/* selfcheck_stop() waits this long for a check under way */

struct selfcheck {
	char	spec[SELFCHECK_SPEC_MAX];
	int64_t	period_ms;
	int64_t	timeout_ms;
	selfcheck_fn *fn;
	void   *ctx;
	pthread_t thread;
	pthread_mutex_t mu;		/* held while fn runs: after selfcheck_stop() it never does */
	pthread_cond_t cv;		/* on the monotonic clock */
	int	stop;
	int	done;			/* the thread is about to return */
	int	refs;			/* the owner's and the thread's: the last frees */
};

/* selfcheck_any - 1 when host names every address of its family (or none) */
static int
selfcheck_any(const char *host, size_t len)
{
	static const char *const any[] = {"", "0.0.0.0", "::", "[::]", "[0.0.0.0]", "INADDR_ANY"};
	size_t	i;

	for (i = 0; i < sizeof(any) / sizeof(any[0]); i++)
		if (strlen(any[i]) == len && strncasecmp(host, any[i], len) == 0)
			return 1;
	return 0;
}

/* selfcheck_spec - the spec to connect to for the one listened on */
int
selfcheck_spec(const char *listen, char *buf, size_t len)
{
	const char *colon = listen ? strchr(listen, ':') : NULL;
	const char *rest, *at;
	size_t	plen = colon ? (size_t) (colon - listen) : 0;
	int	n, v6 = plen == 5;

	if (listen == NULL || *listen == 0 || len == 0)
		return -1;
	if (colon == NULL || plen == 0 || (plen == 4 && strncasecmp(listen, "unix", 4) == 0) ||
	    (plen == 5 && strncasecmp(listen, "local", 5) == 0)) {
		rest = colon ? colon + 1 : listen;	/* libmilter: a bare path is a unix socket */
		if (*rest == 0)
			return -1;
		n = snprintf(buf, len, "unix:%s", rest);
	} else if ((plen == 4 && strncasecmp(listen, "inet", 4) == 0) ||
		   (plen == 5 && strncasecmp(listen, "inet6", 5) == 0)) {
		rest = colon + 1;
		at = strchr(rest, '@');
		if (at == rest || *rest == 0)
			return -1;
		if (at == NULL || selfcheck_any(at + 1, strlen(at + 1)))
			n = snprintf(buf, len, "%s:%.*s@%s", v6 ? "inet6" : "inet",
				     (int) (at ? (size_t) (at - rest) : strlen(rest)), rest,
				     v6 ? "::1" : "127.0.0.1");
		else
			n = snprintf(buf, len, "%s:%s", v6 ? "inet6" : "inet", rest);
	} else
		return -1;
	return n < 0 || (size_t) n >= len ? -1 : 0;
}

/* selfcheck_clamp - v kept between lo and hi */
static int64_t
selfcheck_clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* selfcheck_timing - period and time limit from status.interval and WatchdogSec */
void
selfcheck_timing(int64_t interval_ms, uint64_t watchdog_usec, int64_t *period_ms,
		 int64_t *timeout_ms)
{
	int64_t	wd = (int64_t) (watchdog_usec / 1000 < (uint64_t) INT64_MAX / 4 ?
				watchdog_usec / 1000 : (uint64_t) INT64_MAX / 4);
	int64_t	p = selfcheck_clamp(interval_ms > 0 ? interval_ms : SELFCHECK_PERIOD_MAX_MS,
				    SELFCHECK_PERIOD_MIN_MS, SELFCHECK_PERIOD_MAX_MS);
	int64_t	t;

	if (wd > 0 && p > wd / 4)
		p = wd / 4 > SELFCHECK_PERIOD_MIN_MS ? wd / 4 : SELFCHECK_PERIOD_MIN_MS;
	t = selfcheck_clamp(2 * p, SELFCHECK_TIMEOUT_MIN_MS, SELFCHECK_TIMEOUT_MAX_MS);
	if (wd > 0 && t > wd / 2)
		t = wd / 2 > SELFCHECK_PERIOD_MIN_MS ? wd / 2 : SELFCHECK_PERIOD_MIN_MS;
	*period_ms = p;
	*timeout_ms = t;
}

/* selfcheck_once - connect, negotiate, QUIT */
int
selfcheck_once(const char *spec, int64_t timeout_ms, char *why, size_t whylen)
{
	struct mt_conn *c = NULL;
	int	t = (int) selfcheck_clamp(timeout_ms, 1, 3600 * 1000);

	if (mt_open(spec, t, &c, why, whylen) < 0)
		return -1;
	mt_close(c);
	return 0;
}

/* selfcheck_run - one check, its log line and its report */
static void
selfcheck_run(struct selfcheck *sc, unsigned *fails)
{
	char	why[SELFCHECK_WHY_MAX];

	int	ok = selfcheck_once(sc->spec, sc->timeout_ms, why, sizeof(why)) == 0;

	pthread_mutex_lock(&sc->mu);
	if (sc->stop)			/* the socket is going away: no verdict */
		;
	else if (ok) {
		if (*fails > 0 && *fails < SELFCHECK_FAILS)
			log_info("self-check through %s passes again", sc->spec);
		*fails = 0;
		sc->fn(sc->ctx, 1, "");
	} else {
		if (*fails < UINT_MAX)
			(*fails)++;
		if (*fails <= SELFCHECK_FAILS)
			log_warning("self-check through %s failed (%u in a row): %s", sc->spec,
				    *fails, why);
		else
			log_debug("self-check through %s failed (%u in a row): %s", sc->spec,
				  *fails, why);
		if (*fails >= SELFCHECK_FAILS)
			sc->fn(sc->ctx, 0, why);
	}
	pthread_mutex_unlock(&sc->mu);
}

/* selfcheck_unref - drop a reference (lock held); the last one frees */
static void
selfcheck_unref(struct selfcheck *sc)
{
	int	last = --sc->refs == 0;

	pthread_mutex_unlock(&sc->mu);
	if (!last)
		return;
	pthread_cond_destroy(&sc->cv);
	pthread_mutex_destroy(&sc->mu);
	free(sc);
}

/* selfcheck_denied - 1 when this user may not connect to the unix socket spec at all */
static int
selfcheck_denied(const char *spec)
{
	return strncmp(spec, "unix:", 5) == 0 && access(spec + 5, W_OK) != 0 &&
	    (errno == EACCES || errno == EPERM);
}

/* selfcheck_main - the thread: a check, then wait a period, until stopped */
static void *
selfcheck_main(void *arg)
{
	struct selfcheck *sc = arg;
	struct timespec dl;
	unsigned fails = 0;

	pthread_mutex_lock(&sc->mu);
	if (selfcheck_denied(sc->spec)) {	/* a permission, not a wedge: never an alarm */
		log_warning("no self-check: this user may not connect to %s (%s); the heartbeat "
			    "and the watchdog pings go on without it", sc->spec, strerror(errno));
		sc->fn = NULL;
	}
	while (!sc->stop && sc->fn != NULL) {
		pthread_mutex_unlock(&sc->mu);
		selfcheck_run(sc, &fails);
		pthread_mutex_lock(&sc->mu);
		dl = util_deadline(sc->period_ms);
		while (!sc->stop && pthread_cond_timedwait(&sc->cv, &sc->mu, &dl) != ETIMEDOUT)
			;
	}
	sc->done = 1;
	pthread_cond_broadcast(&sc->cv);
	selfcheck_unref(sc);
	return NULL;
}

/* selfcheck_start - the checking thread */
struct selfcheck *
selfcheck_start(const char *spec, int64_t period_ms, int64_t timeout_ms, selfcheck_fn *fn,
		void *ctx)
{
	struct selfcheck *sc = util_calloc(1, sizeof(*sc));
	int	n = snprintf(sc->spec, sizeof(sc->spec), "%s", spec ? spec : "");

	sc->period_ms = period_ms > 0 ? period_ms : SELFCHECK_PERIOD_MAX_MS;
	sc->timeout_ms = timeout_ms > 0 ? timeout_ms : SELFCHECK_TIMEOUT_MAX_MS;
	sc->fn = fn;
	sc->ctx = ctx;
	if (n < 0 || (size_t) n >= sizeof(sc->spec) || fn == NULL) {
		log_error("no self-check: bad socket \"%s\"", spec ? spec : "");
		free(sc);
		return NULL;
	}
	sc->refs = 2;
	pthread_mutex_init(&sc->mu, NULL);
	if (util_cond_init(&sc->cv) != 0) {
		log_error("no self-check: cannot make a condition variable");
		pthread_mutex_destroy(&sc->mu);
		free(sc);
		return NULL;
	}
	if (pthread_create(&sc->thread, NULL, selfcheck_main, sc) != 0) {
		log_error("no self-check: cannot start its thread");
		pthread_cond_destroy(&sc->cv);
		pthread_mutex_destroy(&sc->mu);
		free(sc);
		return NULL;
	}
	log_info("self-check through %s every %lld ms (time limit %lld ms)", sc->spec,
		 (long long) sc->period_ms, (long long) sc->timeout_ms);
	return sc;
}

/*
 * selfcheck_stop - no report from now on; end the thread. A check under way
 * is waited for SELFCHECK_STOP_WAIT_MS at most: at the stop, a connection
 * libmilter accepted but no longer serves would hold it for its whole time
 * limit. Then the thread is left to end by itself (detached; it frees).
 */
void
selfcheck_stop(struct selfcheck *sc)
{
	struct timespec dl = util_deadline(SELFCHECK_STOP_WAIT_MS);
	pthread_t thread;
	int	done;

	if (sc == NULL)
		return;
	pthread_mutex_lock(&sc->mu);	/* waits for a report under way */
	sc->stop = 1;
	pthread_cond_broadcast(&sc->cv);
	while (!sc->done && pthread_cond_timedwait(&sc->cv, &sc->mu, &dl) != ETIMEDOUT)
		;
	done = sc->done;
	thread = sc->thread;
	selfcheck_unref(sc);		/* sc may be gone from here on */
	if (done)
		pthread_join(thread, NULL);
	else {
		pthread_detach(thread);
		log_debug("self-check: a check is still under way at the stop; not waiting for it");
	}
}
