/*
 * NAME
 *	alert_rate 3 - alert events: log, rate limit, hand to the sink or runner
 * SUMMARY
 *	alert_raise(), alert_tick(), alert_make()
 * DESCRIPTION
 *	alert_make() fills an event (control bytes in detail, scanner and
 *	server become '?'), and the rate limiter counts it, logs it, and
 *	lets at most one event per kind per min_interval through to the
 *	sink; later ones of that kind are held back and counted, and the
 *	last held back one goes out (with the count) once the window has
 *	ended, from alert_tick(). Held-back events go out in the order they
 *	were raised. One exception: "recovered" is never held back once the
 *	all-scanners-down it ends has gone out (held back itself, it goes out
 *	right after that one): a human told of an outage learns at once that
 *	it ended, and what starts on "recovered" (clamshim-release) is not
 *	delayed by an earlier outage's window. Without a sink, an event goes to the command runner
 *	with alert.command and its CLAMSHIM_* values.
 * DIAGNOSTICS
 *	Outage kinds (scanner-down, all-scanners-down, fail-open-started,
 *	db-reload-failed, self-check-failed) are logged with log_alert(), the others with
 *	log_warning(); an event held back is logged with log_info().
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alert_int.h"
#include "log.h"
#include "runner.h"

/* alert_clean - printable ASCII only (log lines, environment values) */
static void
alert_clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || (unsigned char) *s > 0x7e)
			*s = '?';
}

/* alert_run - hand an event to the command runner (lock held) */
static void
alert_run(struct alert *a, const struct alert_msg *m)
{
	char	since[32] = "", repeats[32], label[64];
	const char *name = alert_event_name(m->event);
	struct tm tm;

	if (a->runner == NULL || a->command[0] == 0)
		return;
	if (m->since && gmtime_r(&m->since, &tm))
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(repeats, sizeof(repeats), "%lu", m->repeats);
	snprintf(label, sizeof(label), "alert %s", name);
	{
		const struct runner_var vars[] = {
			{"CLAMSHIM_EVENT", name}, {"CLAMSHIM_DETAIL", m->detail},
			{"CLAMSHIM_SCANNER", m->scanner}, {"CLAMSHIM_SERVER", m->server},
			{"CLAMSHIM_SINCE", since}, {"CLAMSHIM_HOST", a->host},
			{"CLAMSHIM_REPEATS", repeats},
		};

		runner_submit(a->runner, label, a->command, vars, sizeof(vars) / sizeof(vars[0]));
	}
}

/* alert_dispatch - one event leaves the rate limiter (lock held) */
static void
alert_dispatch(struct alert *a, struct alert_msg *m)
{
	struct alert_window *w = &a->win[m->event];

	w->sent_once = 1;
	w->last_ms = alert_now(a);
	m->repeats = w->held;
	w->held = 0;
	w->pending = 0;
	if (a->sink)
		a->sink(a->sink_ctx, m);
	else
		alert_run(a, m);
}

/* alert_window_over - may an event of kind ev go out now (lock held) */
static int
alert_window_over(const struct alert *a, enum alert_event ev, int64_t now)
{
	const struct alert_window *w = &a->win[ev];

	if (!w->sent_once || now - w->last_ms >= a->min_interval_ms)
		return 1;
	return ev == ALERT_RECOVERED && !a->win[ALERT_ALL_DOWN].pending;
}

/* alert_emit - count, log and rate-limit one event (lock held) */
static void
alert_emit(struct alert *a, struct alert_msg *m)
{
	struct alert_window *w = &a->win[m->event];
	const char *name = alert_event_name(m->event);
	int64_t	now = alert_now(a);

	a->counts[m->event]++;
	if (alert_event_is_outage(m->event))
		log_alert("ALERT %s%s%s: %s", name, m->scanner[0] ? " scanner=" : "",
			  m->scanner, m->detail);
	else
		log_warning("alert %s%s%s: %s", name, m->scanner[0] ? " scanner=" : "",
			    m->scanner, m->detail);
	if (alert_window_over(a, m->event, now)) {
		alert_dispatch(a, m);
		return;
	}
	w->held++;
	w->pending = 1;
	w->pending_ms = now;
	w->msg = *m;
	log_info("alert %s: held back, %lu within min_interval; the last one is sent when it ends",
		 name, w->held);
}

/* alert_vmake - fill an event (printf detail) and emit it (lock held) */
static void __attribute__((format(printf, 6, 0)))
alert_vmake(struct alert *a, enum alert_event ev, const char *scanner, const char *server,
	    time_t since, const char *fmt, va_list ap)
{
	struct alert_msg m;

	memset(&m, 0, sizeof(m));
	m.event = ev;
	alert_copy(m.scanner, sizeof(m.scanner), scanner);
	alert_copy(m.server, sizeof(m.server), server);
	m.since = since ? since : alert_wall(a);
	vsnprintf(m.detail, sizeof(m.detail), fmt, ap);
	alert_clean(m.detail);		/* one log line; no control bytes from a peer */
	alert_clean(m.scanner);
	alert_clean(m.server);
	alert_emit(a, &m);
}

/* alert_make - alert_vmake with variable arguments (lock held) */
void
alert_make(struct alert *a, enum alert_event ev, const char *scanner, const char *server,
	   time_t since, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	alert_vmake(a, ev, scanner, server, since, fmt, ap);
	va_end(ap);
}

/* alert_raise - raise one event directly */
void
alert_raise(struct alert *a, enum alert_event ev, const char *scanner, const char *server,
	    time_t since, const char *fmt, ...)
{
	va_list	ap;

	if ((unsigned) ev >= ALERT_EVENT_COUNT)
		return;
	pthread_mutex_lock(&a->mu);
	va_start(ap, fmt);
	alert_vmake(a, ev, scanner, server, since, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&a->mu);
}

/* alert_tick - send held-back events whose window has ended, oldest first */
void
alert_tick(struct alert *a)
{
	int64_t	now;

	pthread_mutex_lock(&a->mu);
	now = alert_now(a);
	for (;;) {
		struct alert_window *first = NULL;
		int	ev;

		for (ev = 0; ev < ALERT_EVENT_COUNT; ev++) {
			struct alert_window *w = &a->win[ev];

			if (w->pending && alert_window_over(a, (enum alert_event) ev, now) &&
			    (first == NULL || w->pending_ms < first->pending_ms))
				first = w;
		}
		if (first == NULL)
			break;
		first->held--;			/* the one sent does not count itself */
		alert_dispatch(a, &first->msg);
	}
	pthread_mutex_unlock(&a->mu);
}
