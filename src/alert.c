/*
 * NAME
 *	alert 3 - events that must reach a human: life cycle, settings, counters
 * SUMMARY
 *	alert_new(), alert_configure(), alert_free(), alert_real_clock(),
 *	alert_event_name(), alert_event_is_outage(), alert_all_down(),
 *	alert_counts(), alert_commands_dropped(), alert_commands_running()
 * DESCRIPTION
 *	The alert module has three parts around one lock (struct alert in
 *	alert_int.h): this file makes, reconfigures and frees the machine,
 *	names the events, holds the clocks and answers the counters;
 *	alert_state.c turns scanner snapshots into events (alert_observe,
 *	alert_fail_open); alert_rate.c logs each event, lets at most one per
 *	kind per min_interval through and hands it to the sink or to the
 *	command runner (alert_raise, alert_tick); alert_virus.c runs
 *	alert.virus_command for each infected message through a second
 *	runner (alert_virus).
 *
 *	The default sink hands alert.command and the event's CLAMSHIM_*
 *	values to a command runner (runner(3)), which runs it from its own
 *	thread, one after the other in the order of the events, so that
 *	"recovered" never overtakes the outage it ends. The daemon's own
 *	CLAMSHIM_* variables are not passed on.
 * DIAGNOSTICS
 *	The runner logs and counts what happens to the command
 *	(alert_commands_dropped); a runner that cannot start is an error,
 *	and alerts then reach the log only.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert_int.h"
#include "log.h"
#include "runner.h"
#include "util.h"

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
	[ALERT_HELD_TOO_LONG] = "held-too-long",
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
int64_t
alert_now(struct alert *a)
{
	return a->clock.mono_ms(a->clock.ctx);
}

/* alert_wall - the injected wall clock */
time_t
alert_wall(struct alert *a)
{
	return a->clock.wall(a->clock.ctx);
}

/* alert_copy - bounded copy that always terminates */
void
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

/* alert_virus_runner_settings - what the virus command runner takes from the settings */
static void
alert_virus_runner_settings(const struct alert_settings *set, struct runner_settings *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->name = "virus command";
	rs->strip = "CLAMSHIM_";
	rs->shell = set ? set->shell : NULL;
	rs->timeout_ms = set ? set->command_timeout_ms : 0;
	rs->max_running = set && set->virus_max_running ? set->virus_max_running
	    : ALERT_VIRUS_MAX_RUNNING;
}

/* alert_apply - copy settings in (lock held or not yet shared) */
static void
alert_apply(struct alert *a, const struct alert_settings *set)
{
	struct runner_settings rs;

	free(a->command);
	a->command = util_strdup(set && set->command ? set->command : "");
	free(a->virus_command);
	a->virus_command = util_strdup(set && set->virus_command ? set->virus_command : "");
	a->min_interval_ms = set && set->min_interval_ms > 0 ? set->min_interval_ms : 0;
	a->load_grace_ms = set && set->load_grace_ms ? set->load_grace_ms : ALERT_LOAD_GRACE_MS;
	a->max_db_age_ms = set ? set->max_db_age_ms : 0;
	if (set && set->host && *set->host)
		alert_copy(a->host, sizeof(a->host), set->host);
	else if (gethostname(a->host, sizeof(a->host) - 1) != 0)
		alert_copy(a->host, sizeof(a->host), "localhost");
	alert_runner_settings(set, &rs);
	runner_configure(a->runner, &rs);
	alert_virus_runner_settings(set, &rs);
	runner_configure(a->virus_runner, &rs);
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
	alert_virus_runner_settings(set, &rs);
	if ((a->virus_runner = runner_new(&rs)) == NULL)
		log_error("alert: cannot start the virus command runner: "
			  "virus events reach the log only");
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

/* alert_all_down - 1 when all-scanners-down is in force */
int
alert_all_down(struct alert *a)
{
	return __atomic_load_n(&a->all_down, __ATOMIC_ACQUIRE);
}

/* alert_counts - events raised per kind */
void
alert_counts(struct alert *a, unsigned long out[ALERT_EVENT_COUNT])
{
	pthread_mutex_lock(&a->mu);
	memcpy(out, a->counts, sizeof(a->counts));
	pthread_mutex_unlock(&a->mu);
}

/* alert_commands_dropped - command runs that never ran (both runners) */
unsigned long
alert_commands_dropped(struct alert *a)
{
	return runner_dropped(a->runner) + runner_dropped(a->virus_runner);
}

/* alert_commands_running - commands queued or running (both runners) */
unsigned
alert_commands_running(struct alert *a)
{
	return runner_running(a->runner) + runner_running(a->virus_runner);
}

/* alert_free - stop the runner and free; running commands finish on their own */
void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	runner_free(a->runner);
	runner_free(a->virus_runner);
	free(a->command);
	free(a->virus_command);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
