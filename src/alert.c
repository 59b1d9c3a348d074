/*
 * NAME
 *	alert 3 - events that must reach a human: state machine, rate limit, command
 * DESCRIPTION
 *	Three parts, one lock:
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
 *	The runner (the default sink) is a thread with a small queue. It runs
 *	alert.command as "/bin/sh -c COMMAND" with posix_spawn() (no copy of
 *	the daemon's memory, which a fork of a process holding a large
 *	engine would need under strict overcommit) in its own process group
 *	with stdin from /dev/null, stdout and stderr to the daemon's stderr,
 *	no inherited descriptors, every signal unblocked and at its default,
 *	and the CLAMSHIM_* values in the environment only. Commands run one
 *	after the other, in the order of the events, so that "recovered"
 *	never overtakes the outage it ends; but one still running after
 *	ALERT_SERIAL_MS no longer holds the next back (up to ALERT_KIDS_MAX
 *	run at once). A command still running after its time limit gets
 *	SIGTERM, one second later SIGKILL, and is reaped. Nothing a caller
 *	does waits for it.
 * DIAGNOSTICS
 *	Outage kinds (scanner-down, all-scanners-down, fail-open-started,
 *	db-reload-failed) are logged with log_alert(), the others with
 *	log_warning(). A command that fails, or is killed, is logged as a
 *	warning; a full queue drops the oldest job with an error, and so does
 *	a command that cannot be started (posix_spawn failed: no memory, no
 *	processes left, no shell); both are counted (alert_commands_dropped).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "log.h"

extern char **environ;

#define ALERT_UNITS_MAX		64	/* units remembered across all scanners */
#define ALERT_SCANNERS_MAX	8	/* scanner kinds remembered */
#define ALERT_QUEUE_MAX		32	/* commands waiting to run */
#define ALERT_KIDS_MAX		8	/* commands running at once */
#define ALERT_KILL_GRACE_MS	1000	/* SIGTERM to SIGKILL */
#define ALERT_POLL_MS		50	/* the runner looks at its children this often */
#define ALERT_SERIAL_MS		1000	/* a command running longer no longer holds back the next */

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

/* One command to run. */
struct alert_job {
	struct alert_msg msg;
	char   *command;
};

/* One running command. */
struct alert_kid {
	pid_t	pid;
	enum alert_event event;
	int64_t	started_ms;
	int64_t	deadline_ms;
	int	termed;
};

struct alert {
	pthread_mutex_t mu;
	struct alert_clock clock;
	alert_sink_fn *sink;
	void   *sink_ctx;

	/* settings */
	char   *command;
	int64_t	min_interval_ms;
	int64_t	command_timeout_ms;
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

	/* runner (its own lock: the runner never takes mu) */
	pthread_mutex_t rmu;
	pthread_cond_t rcv;
	pthread_t rthread;
	int	rstarted;
	int	rstop;
	struct alert_job queue[ALERT_QUEUE_MAX];
	size_t	qhead, qlen;
	struct alert_kid kids[ALERT_KIDS_MAX];
	size_t	nkids;
	char	shell[256];		/* ALERT_SHELL, or a test's */
	unsigned long dropped;		/* runs that never ran */
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
	    ev == ALERT_FAIL_OPEN_STARTED || ev == ALERT_DB_RELOAD_FAILED;
}

/* alert_oom - allocation failed: there is no way on */
static void
alert_oom(void)
{
	log_error("alert: out of memory");
	abort();
}

/* alert_strdup - strdup that never returns NULL */
static char *
alert_strdup(const char *s)
{
	char   *p = strdup(s ? s : "");

	if (p == NULL)
		alert_oom();
	return p;
}

/* alert_real_mono - the real monotonic clock in ms */
static int64_t
alert_real_mono(void *ctx)
{
	struct timespec ts;

	(void) ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* alert_real_wall - the real wall clock */
static time_t
alert_real_wall(void *ctx)
{
	(void) ctx;
	return time(NULL);
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

/* alert_apply - copy settings in (lock held or not yet shared) */
static void
alert_apply(struct alert *a, const struct alert_settings *set)
{
	char   *cmd = alert_strdup(set && set->command ? set->command : "");

	pthread_mutex_lock(&a->rmu);
	free(a->command);
	a->command = cmd;
	a->command_timeout_ms = set && set->command_timeout_ms > 0 ? set->command_timeout_ms
	    : ALERT_COMMAND_TIMEOUT_MS;
	alert_copy(a->shell, sizeof(a->shell), set && set->shell ? set->shell : ALERT_SHELL);
	pthread_mutex_unlock(&a->rmu);
	a->min_interval_ms = set && set->min_interval_ms > 0 ? set->min_interval_ms : 0;
	a->load_grace_ms = set && set->load_grace_ms ? set->load_grace_ms : ALERT_LOAD_GRACE_MS;
	a->max_db_age_ms = set ? set->max_db_age_ms : 0;
	if (set && set->host) {
		pthread_mutex_lock(&a->rmu);
		alert_copy(a->host, sizeof(a->host), set->host);
		pthread_mutex_unlock(&a->rmu);
	}
}

static void *alert_runner_main(void *arg);

/* alert_new - a new alert machine */
struct alert *
alert_new(const struct alert_settings *set, const struct alert_clock *clock,
	  alert_sink_fn *sink, void *sink_ctx)
{
	struct alert *a = calloc(1, sizeof(*a));
	pthread_condattr_t ca;

	if (a == NULL)
		alert_oom();
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->rmu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->rcv, &ca);
	pthread_condattr_destroy(&ca);
	if (clock && clock->mono_ms && clock->wall)
		a->clock = *clock;
	else {
		a->clock.mono_ms = alert_real_mono;
		a->clock.wall = alert_real_wall;
	}
	a->sink = sink;
	a->sink_ctx = sink_ctx;
	if (gethostname(a->host, sizeof(a->host) - 1) != 0)
		alert_copy(a->host, sizeof(a->host), "localhost");
	alert_apply(a, set);
	a->start_ms = alert_now(a);
	if (sink == NULL) {
		if (pthread_create(&a->rthread, NULL, alert_runner_main, a) == 0)
			a->rstarted = 1;
		else
			log_error("alert: cannot start the command runner: alerts reach the log only");
	}
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

/* alert_runner_push - queue a command run (the oldest job goes when full) */
static void
alert_runner_push(struct alert *a, const struct alert_msg *m)
{
	struct alert_job *j;

	pthread_mutex_lock(&a->rmu);
	if (a->command == NULL || a->command[0] == 0 || !a->rstarted) {
		pthread_mutex_unlock(&a->rmu);
		return;
	}
	if (a->qlen == ALERT_QUEUE_MAX) {
		j = &a->queue[a->qhead];
		log_error("alert: command queue full: dropping the %s alert command run",
			  alert_event_name(j->msg.event));
		a->dropped++;
		free(j->command);
		a->qhead = (a->qhead + 1) % ALERT_QUEUE_MAX;
		a->qlen--;
	}
	j = &a->queue[(a->qhead + a->qlen) % ALERT_QUEUE_MAX];
	j->msg = *m;
	j->command = alert_strdup(a->command);
	a->qlen++;
	pthread_cond_signal(&a->rcv);
	pthread_mutex_unlock(&a->rmu);
}

/* alert_clean - printable ASCII only (log lines, environment values) */
static void
alert_clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || (unsigned char) *s > 0x7e)
			*s = '?';
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
		alert_runner_push(a, m);
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
	unsigned long n;

	pthread_mutex_lock(&a->rmu);
	n = a->dropped;
	pthread_mutex_unlock(&a->rmu);
	return n;
}

/* alert_commands_running - commands queued or running */
unsigned
alert_commands_running(struct alert *a)
{
	unsigned n;

	pthread_mutex_lock(&a->rmu);
	n = (unsigned) (a->nkids + a->qlen);
	pthread_mutex_unlock(&a->rmu);
	return n;
}

/* alert_env_add - "NAME=value" into envp[*n] */
static void
alert_env_add(char **envp, size_t *n, const char *name, const char *value)
{
	size_t	len = strlen(name) + strlen(value) + 2;
	char   *e = malloc(len);

	if (e == NULL)
		alert_oom();
	snprintf(e, len, "%s=%s", name, value);
	alert_clean(e + strlen(name) + 1);
	envp[(*n)++] = e;
}

/* alert_env - the daemon's environment without CLAMSHIM_*, plus this event's values */
static char **
alert_env(const struct alert_msg *m, const char *host)
{
	char	since[32] = "", repeats[32];
	size_t	n = 0, i, max = 0;
	char  **envp;
	struct tm tm;

	for (i = 0; environ && environ[i]; i++)
		max++;
	envp = calloc(max + 8, sizeof(*envp));
	if (envp == NULL)
		alert_oom();
	for (i = 0; environ && environ[i]; i++)
		if (strncmp(environ[i], "CLAMSHIM_", 9) != 0)
			envp[n++] = alert_strdup(environ[i]);
	if (m->since && gmtime_r(&m->since, &tm))
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(repeats, sizeof(repeats), "%lu", m->repeats);
	alert_env_add(envp, &n, "CLAMSHIM_EVENT", alert_event_name(m->event));
	alert_env_add(envp, &n, "CLAMSHIM_DETAIL", m->detail);
	alert_env_add(envp, &n, "CLAMSHIM_SCANNER", m->scanner);
	alert_env_add(envp, &n, "CLAMSHIM_SERVER", m->server);
	alert_env_add(envp, &n, "CLAMSHIM_SINCE", since);
	alert_env_add(envp, &n, "CLAMSHIM_HOST", host);
	alert_env_add(envp, &n, "CLAMSHIM_REPEATS", repeats);
	envp[n] = NULL;
	return envp;
}

/* alert_env_free - free what alert_env made */
static void
alert_env_free(char **envp)
{
	size_t	i;

	for (i = 0; envp[i]; i++)
		free(envp[i]);
	free(envp);
}

/*
 * alert_spawn - start "shell -c command" with posix_spawn(): own process
 * group, stdin /dev/null, stdout to stderr, no other descriptor, no signal
 * blocked, every signal at its default (glibc keeps its two internal ones
 * ignored); 0 with *pid, or an errno value
 */
static int
alert_spawn(const char *shell, const char *command, char **envp, pid_t *pid)
{
	char   *argv[] = {"sh", "-c", (char *) command, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	int	rc;

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
		return rc;
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, 2, 1)) == 0 &&
	    (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) == 0 &&
	    (rc = posix_spawnattr_setflags(&at, (short) (POSIX_SPAWN_SETPGROUP |
			POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&at, 0)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&at, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&at, &all)) == 0)
		rc = posix_spawn(pid, shell, &fa, &at, argv, envp);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* alert_run_job - start one command (runner thread) */
static void
alert_run_job(struct alert *a, struct alert_job *j)
{
	char	host[sizeof(a->host)], shell[sizeof(a->shell)];
	char  **envp;
	pid_t	pid;
	int64_t	now = alert_real_mono(NULL);
	int	rc;

	pthread_mutex_lock(&a->rmu);
	memcpy(host, a->host, sizeof(host));
	memcpy(shell, a->shell, sizeof(shell));
	pthread_mutex_unlock(&a->rmu);
	envp = alert_env(&j->msg, host);
	rc = alert_spawn(shell, j->command, envp, &pid);
	alert_env_free(envp);
	if (rc != 0) {
		pthread_mutex_lock(&a->rmu);
		a->dropped++;
		pthread_mutex_unlock(&a->rmu);
		errno = rc;
		log_error_errno("alert %s: cannot start the alert command (%s -c): "
				"this alert reached the log only", alert_event_name(j->msg.event), shell);
		return;
	}
	log_info("alert %s: alert command started (pid %ld)", alert_event_name(j->msg.event),
		 (long) pid);
	pthread_mutex_lock(&a->rmu);
	a->kids[a->nkids].pid = pid;
	a->kids[a->nkids].event = j->msg.event;
	a->kids[a->nkids].started_ms = now;
	a->kids[a->nkids].deadline_ms = now + a->command_timeout_ms;
	a->kids[a->nkids].termed = 0;
	a->nkids++;
	pthread_mutex_unlock(&a->rmu);
}

/* alert_reap - collect finished commands and kill late ones (runner thread) */
static void
alert_reap(struct alert *a)
{
	int64_t	now = alert_real_mono(NULL);
	size_t	i = 0;
	int	status;

	pthread_mutex_lock(&a->rmu);
	while (i < a->nkids) {
		struct alert_kid *k = &a->kids[i];
		const char *name = alert_event_name(k->event);
		pid_t	r = waitpid(k->pid, &status, WNOHANG);

		if (r == k->pid || (r < 0 && errno == ECHILD)) {
			if (r < 0)
				log_warning("alert %s: alert command %ld vanished", name, (long) k->pid);
			else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				log_info("alert %s: alert command done in %.1f s", name,
					 (double) (now - k->started_ms) / 1000.0);
			else if (WIFEXITED(status))
				log_warning("alert %s: alert command exited with status %d", name,
					    WEXITSTATUS(status));
			else if (WIFSIGNALED(status))
				log_warning("alert %s: alert command %s by signal %d", name,
					    k->termed ? "killed after its time limit" : "killed",
					    WTERMSIG(status));
			a->kids[i] = a->kids[--a->nkids];
			continue;
		}
		if (now >= k->deadline_ms) {
			if (!k->termed) {
				log_warning("alert %s: alert command still running after %lld ms: "
					    "killing it", name, (long long) (now - k->started_ms));
				kill(-k->pid, SIGTERM);
				k->termed = 1;
				k->deadline_ms = now + ALERT_KILL_GRACE_MS;
			} else {
				kill(-k->pid, SIGKILL);
				kill(k->pid, SIGKILL);
			}
		}
		i++;
	}
	pthread_mutex_unlock(&a->rmu);
}

/* alert_may_start - 1 when every running command has run ALERT_SERIAL_MS (rmu held) */
static int
alert_may_start(struct alert *a)
{
	int64_t	now = alert_real_mono(NULL);
	size_t	i;

	for (i = 0; i < a->nkids; i++)
		if (now - a->kids[i].started_ms < ALERT_SERIAL_MS)
			return 0;
	return 1;
}

/* alert_runner_main - run queued commands, watch and reap them */
static void *
alert_runner_main(void *arg)
{
	struct alert *a = arg;
	struct alert_job job;
	struct timespec ts;

	pthread_mutex_lock(&a->rmu);
	while (!a->rstop) {
		while (a->qlen > 0 && a->nkids < ALERT_KIDS_MAX && alert_may_start(a)) {
			job = a->queue[a->qhead];
			a->qhead = (a->qhead + 1) % ALERT_QUEUE_MAX;
			a->qlen--;
			pthread_mutex_unlock(&a->rmu);
			alert_run_job(a, &job);
			free(job.command);
			pthread_mutex_lock(&a->rmu);
		}
		pthread_mutex_unlock(&a->rmu);
		alert_reap(a);
		pthread_mutex_lock(&a->rmu);
		if (a->rstop)
			break;
		if (a->nkids == 0 && a->qlen == 0) {
			pthread_cond_wait(&a->rcv, &a->rmu);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += ALERT_POLL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&a->rcv, &a->rmu, &ts);
	}
	pthread_mutex_unlock(&a->rmu);
	return NULL;
}

/* alert_free - stop the runner and free; running commands finish on their own */
void
alert_free(struct alert *a)
{
	size_t	i;

	if (a == NULL)
		return;
	if (a->rstarted) {
		pthread_mutex_lock(&a->rmu);
		a->rstop = 1;
		pthread_cond_signal(&a->rcv);
		pthread_mutex_unlock(&a->rmu);
		pthread_join(a->rthread, NULL);
		alert_reap(a);
	}
	for (i = 0; i < a->qlen; i++)
		free(a->queue[(a->qhead + i) % ALERT_QUEUE_MAX].command);
	free(a->command);
	pthread_cond_destroy(&a->rcv);
	pthread_mutex_destroy(&a->rmu);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
