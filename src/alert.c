/*
 * NAME
 *	alert 3 - events that must reach a human: state machine and rate limit
 * DESCRIPTION
 *	Two parts, one lock:
 *
 *	The state machine (alert_observe) keeps the last seen state of every
 *	unit (clamd server, embedded database) of every configured scanner,
 *	whether the whole chain was down, whether fail-open was in force,
 *	each scanner's reload failure count and whether its signatures were
 *	stale, and whether each clamd server was last found to answer OK
 *	past its limits, and raises an event on each change. A unit seen
 *	for the first time is assumed up, so a unit that is down from the
 *	start raises scanner-down. A scanner whose first load is still
 *	running is neither up nor down until load_grace_ms after alert_new().
 *
 *	The rate limiter (alert_emit) counts every event, logs it, and lets
 *	at most one event per kind per min_interval through to the sink;
 *	later ones of that kind are held back and counted, and the last held
 *	back one goes out (with the count) once the window has ended, from
 *	alert_tick(). Held-back events go out in the order they were raised.
 *
 *	The default sink hands alert.command and the event's CLAMSHIM_*
 *	values to a command runner (runner(3)), which runs it from its own
 *	thread, one after the other in the order of the events, so that
 *	"recovered" never overtakes the outage it ends. The daemon's own
 *	CLAMSHIM_* variables are not passed on.
 * DIAGNOSTICS
 *	Outage kinds (scanner-down, all-scanners-down, fail-open-started,
 *	db-reload-failed, self-check-failed) are logged with log_alert(), the others with
 *	log_warning(). The runner logs and counts what happens to the
 *	command (alert_commands_dropped); a runner that cannot start is an
 *	error, and alerts then reach the log only.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "log.h"
#include "runner.h"
#include "util.h"

#define ALERT_UNITS_MAX		64	/* units remembered across all scanners */
#define ALERT_SCANNERS_MAX	8	/* scanner kinds remembered */

static const char *const alert_names[ALERT_EVENT_COUNT] = {
	[ALERT_SCANNER_DOWN] = "scanner-down",
	[ALERT_SCANNER_UP] = "scanner-up",
	[ALERT_ALL_DOWN] = "all-scanners-down",
	[ALERT_RECOVERED] = "recovered",
	[ALERT_FAIL_OPEN_STARTED] = "fail-open-started",
	[ALERT_FAIL_OPEN_ENDED] = "fail-open-ended",
	[ALERT_DB_RELOAD_FAILED] = "db-reload-failed",
	[ALERT_DB_STALE] = "db-stale",
	[ALERT_CONFIG_WARNING] = "config-warning",
	[ALERT_CLAMD_LIMITS_UNREPORTED] = "clamd-limits-unreported",
	[ALERT_SELF_CHECK_FAILED] = "self-check-failed",
};

/* The remembered state of one unit. */
struct alert_unit {
	char	scanner[16];
	char	name[128];
	int	up;
	int	seen;			/* in the latest observation */
	int	limits_bad;		/* last known: OK answers past its limits, risk not accepted */
};

/* The remembered state of one scanner kind. */
struct alert_kind {
	char	name[16];
	unsigned long reloads_failed;
	int	stale;
};

/* The rate limiter of one event kind. */
struct alert_window {
	int	sent_once;
	int64_t	last_ms;		/* when the last one went to the sink */
	unsigned long held;		/* held back since then */
	int	pending;		/* msg is the last held back one */
	int64_t	pending_ms;
	struct alert_msg msg;
};

struct alert {
	pthread_mutex_t mu;
	struct alert_clock clock;
	alert_sink_fn *sink;
	void   *sink_ctx;
	struct runner *runner;		/* the default sink; NULL with a sink, or when it failed */

	/* settings */
	char   *command;
	int64_t	min_interval_ms;
	int64_t	load_grace_ms;
	int64_t	max_db_age_ms;
	char	host[256];

	/* state machine */
	int64_t	start_ms;
	struct alert_unit units[ALERT_UNITS_MAX];
	size_t	nunits;
	struct alert_kind kinds[ALERT_SCANNERS_MAX];
	size_t	nkinds;
	int	all_down;
	time_t	all_down_since;
	int	fail_open;
	time_t	fail_open_since;

	/* rate limiter */
	struct alert_window win[ALERT_EVENT_COUNT];
	unsigned long counts[ALERT_EVENT_COUNT];
};

/* alert_event_name - the event's name */
const char *
alert_event_name(enum alert_event ev)
{
	return (unsigned) ev < ALERT_EVENT_COUNT ? alert_names[ev] : "unknown";
}

/* alert_event_is_outage - kinds logged at LOG_ALERT */
int
alert_event_is_outage(enum alert_event ev)
{
	return ev == ALERT_SCANNER_DOWN || ev == ALERT_ALL_DOWN ||
	    ev == ALERT_FAIL_OPEN_STARTED || ev == ALERT_DB_RELOAD_FAILED ||
	    ev == ALERT_SELF_CHECK_FAILED;
}

/* alert_real_mono - the real monotonic clock in ms */
static int64_t
alert_real_mono(void *ctx)
{
	(void) ctx;
	return util_now_ms();
}

/* alert_real_wall - the real wall clock */
static time_t
alert_real_wall(void *ctx)
{
	(void) ctx;
	return time(NULL);
}

/* alert_real_clock - the real clocks */
struct alert_clock
alert_real_clock(void)
{
	struct alert_clock c = {alert_real_mono, alert_real_wall, NULL};

	return c;
}

/* alert_now - the injected monotonic clock */
static int64_t
alert_now(struct alert *a)
{
	return a->clock.mono_ms(a->clock.ctx);
}

/* alert_wall - the injected wall clock */
static time_t
alert_wall(struct alert *a)
{
	return a->clock.wall(a->clock.ctx);
}

/* alert_copy - bounded copy that always terminates */
static void
alert_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* alert_runner_settings - what the command runner takes from the settings */
static void
alert_runner_settings(const struct alert_settings *set, struct runner_settings *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->name = "alert command";
	rs->strip = "CLAMSHIM_";
	rs->shell = set ? set->shell : NULL;
	rs->timeout_ms = set ? set->command_timeout_ms : 0;
}

/* alert_apply - copy settings in (lock held or not yet shared) */
static void
alert_apply(struct alert *a, const struct alert_settings *set)
{
	struct runner_settings rs;

	free(a->command);
	a->command = util_strdup(set && set->command ? set->command : "");
	a->min_interval_ms = set && set->min_interval_ms > 0 ? set->min_interval_ms : 0;
	a->load_grace_ms = set && set->load_grace_ms ? set->load_grace_ms : ALERT_LOAD_GRACE_MS;
	a->max_db_age_ms = set ? set->max_db_age_ms : 0;
	if (set && set->host)
		alert_copy(a->host, sizeof(a->host), set->host);
	alert_runner_settings(set, &rs);
	runner_configure(a->runner, &rs);
}

/* alert_new - a new alert machine */
struct alert *
alert_new(const struct alert_settings *set, const struct alert_clock *clock,
	  alert_sink_fn *sink, void *sink_ctx)
{
	struct alert *a = util_calloc(1, sizeof(*a));
	struct runner_settings rs;

	pthread_mutex_init(&a->mu, NULL);
	a->clock = clock && clock->mono_ms && clock->wall ? *clock : alert_real_clock();
	a->sink = sink;
	a->sink_ctx = sink_ctx;
	if (gethostname(a->host, sizeof(a->host) - 1) != 0)
		alert_copy(a->host, sizeof(a->host), "localhost");
	if (sink == NULL) {
		alert_runner_settings(set, &rs);
		if ((a->runner = runner_new(&rs)) == NULL)
			log_error("alert: cannot start the command runner: alerts reach the log only");
	}
	alert_apply(a, set);
	a->start_ms = alert_now(a);
	return a;
}

/* alert_configure - new settings; state and windows are kept */
void
alert_configure(struct alert *a, const struct alert_settings *set)
{
	pthread_mutex_lock(&a->mu);
	alert_apply(a, set);
	pthread_mutex_unlock(&a->mu);
}

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
	if (!w->sent_once || now - w->last_ms >= a->min_interval_ms) {
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

/* alert_make - alert_vmake with variable arguments */
static void __attribute__((format(printf, 6, 7)))
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

/* alert_unit_find - the remembered unit, created (assumed up) when new; NULL when full */
static struct alert_unit *
alert_unit_find(struct alert *a, const char *scanner, const char *name)
{
	struct alert_unit *u;
	size_t	i;

	for (i = 0; i < a->nunits; i++)
		if (strcmp(a->units[i].scanner, scanner) == 0 && strcmp(a->units[i].name, name) == 0)
			return &a->units[i];
	if (a->nunits == ALERT_UNITS_MAX)
		return NULL;
	u = &a->units[a->nunits++];
	memset(u, 0, sizeof(*u));
	alert_copy(u->scanner, sizeof(u->scanner), scanner);
	alert_copy(u->name, sizeof(u->name), name);
	u->up = 1;
	return u;
}

/* alert_kind_find - the remembered scanner kind, created when new; NULL when full */
static struct alert_kind *
alert_kind_find(struct alert *a, const char *name)
{
	size_t	i;

	for (i = 0; i < a->nkinds; i++)
		if (strcmp(a->kinds[i].name, name) == 0)
			return &a->kinds[i];
	if (a->nkinds == ALERT_SCANNERS_MAX)
		return NULL;
	memset(&a->kinds[a->nkinds], 0, sizeof(a->kinds[0]));
	alert_copy(a->kinds[a->nkinds].name, sizeof(a->kinds[0].name), name);
	return &a->kinds[a->nkinds++];
}

/* alert_in_grace - 1 when this scanner's first load may still run without being an outage */
static int
alert_in_grace(struct alert *a, const struct scan_status *st, int64_t now)
{
	return st->loading && !st->up && a->load_grace_ms > 0 &&
	    now - a->start_ms < a->load_grace_ms;
}

/* alert_cat - append text to a bounded buffer, cutting it short when full */
static void
alert_cat(char *buf, size_t len, const char *text)
{
	size_t	used = strlen(buf), n = strlen(text);

	if (used + 1 >= len)
		return;
	if (n > len - 1 - used)
		n = len - 1 - used;
	memcpy(buf + used, text, n);
	buf[used + n] = 0;
}

/* alert_append - add "; text" (or just text to an empty buffer) */
static void
alert_append(char *buf, size_t len, const char *text)
{
	if (buf[0])
		alert_cat(buf, len, "; ");
	alert_cat(buf, len, text);
}

/* alert_limits - clamd-limits-unreported when a unit is found to hide its limits (lock held) */
static void
alert_limits(struct alert *a, const char *scanner, const struct scan_unit_status *su,
	     struct alert_unit *u)
{
	int	bad;

	if (su->limits == SCAN_LIMITS_UNKNOWN)
		return;				/* not asked since it came up: keep what was known */
	bad = su->limits == SCAN_LIMITS_UNREPORTED && !su->limits_ok;
	if (bad && !u->limits_bad)
		alert_make(a, ALERT_CLAMD_LIMITS_UNREPORTED, scanner, su->name, 0,
			   "%s %s does not report its limits (AlertExceedsMax no): its OK answers "
			   "count as limit until its clamd.conf says AlertExceedsMax yes", scanner,
			   su->name);
	u->limits_bad = bad;
}

/* alert_units - per unit down/up (lock held) */
static void
alert_units(struct alert *a, const char *scanner, const struct scan_status *st)
{
	size_t	i;

	for (i = 0; i < st->nunits && i < SCAN_MAX_UNITS; i++) {
		const struct scan_unit_status *su = &st->units[i];
		struct alert_unit *u = alert_unit_find(a, scanner, su->name);
		int	up = su->up != 0;

		if (u == NULL)
			continue;
		u->seen = 1;
		alert_limits(a, scanner, su, u);
		if (u->up == up)
			continue;
		u->up = up;
		if (!up)
			alert_make(a, ALERT_SCANNER_DOWN, scanner, su->name, su->since,
				   "%s %s is down: %s", scanner, su->name,
				   su->last_error[0] ? su->last_error : "no reason given");
		else
			alert_make(a, ALERT_SCANNER_UP, scanner, su->name, su->since,
				   "%s %s is up again", scanner, su->name);
	}
}

/* alert_db - reload failures and stale signatures of one scanner (lock held) */
static void
alert_db(struct alert *a, const char *scanner, const struct scan_status *st, time_t wall)
{
	struct alert_kind *k = alert_kind_find(a, scanner);
	int	stale;

	if (k == NULL)
		return;
	if (st->reloads_failed > k->reloads_failed)
		alert_make(a, ALERT_DB_RELOAD_FAILED, scanner, st->nunits ? st->units[0].name : "", 0,
			   "%s: %lu signature reload%s failed%s%s%s", scanner,
			   st->reloads_failed - k->reloads_failed,
			   st->reloads_failed - k->reloads_failed == 1 ? "" : "s",
			   st->up ? ", keeping the old signatures" : "",
			   st->nunits && st->units[0].last_error[0] ? ": " : "",
			   st->nunits ? st->units[0].last_error : "");
	k->reloads_failed = st->reloads_failed;
	stale = st->up && st->sig_time > 0 && a->max_db_age_ms > 0 &&
	    ((int64_t) wall - (int64_t) st->sig_time) * 1000 > a->max_db_age_ms;
	if (stale && !k->stale)
		alert_make(a, ALERT_DB_STALE, scanner, st->nunits ? st->units[0].name : "",
			   st->sig_time, "%s signatures%s%s are %lld hours old (max_db_age %lld hours)",
			   scanner, st->sig_version[0] ? " " : "", st->sig_version,
			   (long long) ((wall - st->sig_time) / 3600),
			   (long long) (a->max_db_age_ms / 3600000));
	k->stale = stale;
}

/* alert_observe - compare with the last snapshot and raise what changed */
void
alert_observe(struct alert *a, const struct alert_observation *obs)
{
	char	why[ALERT_DETAIL_MAX - 64] = "", upnames[128] = "";
	int64_t	now;
	time_t	wall;
	size_t	i, j;
	int	any_up = 0, grace = 0, all_down;

	pthread_mutex_lock(&a->mu);
	now = alert_now(a);
	wall = alert_wall(a);
	for (i = 0; i < a->nunits; i++)
		a->units[i].seen = 0;
	for (i = 0; i < obs->nscanners; i++) {
		const struct alert_scanner *sc = &obs->scanners[i];
		const struct scan_status *st = sc->st;

		if (alert_in_grace(a, st, now)) {
			grace = 1;
			continue;
		}
		alert_units(a, sc->name, st);
		alert_db(a, sc->name, st, wall);
		if (st->up) {
			any_up = 1;
			alert_append(upnames, sizeof(upnames), sc->name);
			continue;
		}
		alert_append(why, sizeof(why), sc->name);
		alert_cat(why, sizeof(why), " (");
		for (j = 0; j < st->nunits && j < SCAN_MAX_UNITS; j++) {
			alert_cat(why, sizeof(why), j ? ", " : "");
			alert_cat(why, sizeof(why), st->units[j].name);
			alert_cat(why, sizeof(why), ": ");
			alert_cat(why, sizeof(why), st->units[j].last_error[0] ?
				  st->units[j].last_error : "down");
		}
		alert_cat(why, sizeof(why), st->nunits ? ")" : "no unit)");
	}
	/* forget units no longer configured */
	for (i = j = 0; i < a->nunits; i++)
		if (a->units[i].seen)
			a->units[j++] = a->units[i];
	a->nunits = j;

	all_down = !any_up && !grace;
	if (all_down && !a->all_down) {
		a->all_down = 1;
		a->all_down_since = wall;
		alert_make(a, ALERT_ALL_DOWN, "", "", wall, "no scanner can scan: %s",
			   obs->nscanners ? why : "no scanner configured");
	} else if (!all_down && a->all_down && any_up) {
		a->all_down = 0;
		alert_make(a, ALERT_RECOVERED, "", "", a->all_down_since,
			   "scanning again (%s up) after %lld s without a scanner", upnames,
			   (long long) (wall - a->all_down_since));
	}
	pthread_mutex_unlock(&a->mu);
}

/* alert_fail_open - fail-open started or ended */
void
alert_fail_open(struct alert *a, int on, int64_t unavailable_ms)
{
	time_t	wall;

	pthread_mutex_lock(&a->mu);
	wall = alert_wall(a);
	if (on && !a->fail_open) {
		a->fail_open = 1;
		a->fail_open_since = wall;
		alert_make(a, ALERT_FAIL_OPEN_STARTED, "", "", wall,
			   "no scanner has worked for %lld s: unscanned mail is accepted, tagged",
			   (long long) (unavailable_ms / 1000));
	} else if (!on && a->fail_open) {
		a->fail_open = 0;
		alert_make(a, ALERT_FAIL_OPEN_ENDED, "", "", a->fail_open_since,
			   "fail-open ended after %lld s: the configured policy applies again",
			   (long long) (wall - a->fail_open_since));
	}
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

			if (w->pending && now - w->last_ms >= a->min_interval_ms &&
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

/* alert_all_down - 1 when all-scanners-down is in force */
int
alert_all_down(struct alert *a)
{
	int	r;

	pthread_mutex_lock(&a->mu);
	r = a->all_down;
	pthread_mutex_unlock(&a->mu);
	return r;
}

/* alert_counts - events raised per kind */
void
alert_counts(struct alert *a, unsigned long out[ALERT_EVENT_COUNT])
{
	pthread_mutex_lock(&a->mu);
	memcpy(out, a->counts, sizeof(a->counts));
	pthread_mutex_unlock(&a->mu);
}

/* alert_commands_dropped - command runs that never ran */
unsigned long
alert_commands_dropped(struct alert *a)
{
	return runner_dropped(a->runner);
}

/* alert_commands_running - commands queued or running */
unsigned
alert_commands_running(struct alert *a)
{
	return runner_running(a->runner);
}

/* alert_free - stop the runner and free; running commands finish on their own */
void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	runner_free(a->runner);
	free(a->command);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
