/*
 * NAME
 *	monitor 3 - the thread that watches the scanners and writes the status file
 * DESCRIPTION
 *	One thread, woken every MONITOR_TICK_MS or by monitor_write_now().
 *	Each tick, under no lock of its own while it talks to the chain:
 *
 *	1. chain_status() of each scanner the current configuration names
 *	   (a kind never created counts as down, "not started");
 *	2. alert_observe(): scanner-down/-up, all-scanners-down/recovered,
 *	   db-reload-failed, db-stale;
 *	3. chain_note_down() with the alert machine's all-down (which knows
 *	   the first-load grace), so the fail_open_after clock runs while
 *	   no mail comes and stops at recovery;
 *	4. fail-open in force = policy_fail_open() of the configuration's
 *	   policy and chain_unavailable_ms() (the policy module's rule, the
 *	   one policy_decide() applies to each message); alert_fail_open();
 *	5. when the status file is due, the census of held messages
 *	   (hold_census() of hold.dir: the held count and the oldest,
 *	   what clamshim-release released) and held-too-long once the
 *	   oldest is older than hold.max_age (raised again only after none
 *	   was too old at one census);
 *	6. the gauges, alert_tick(), and the status file when it is due.
 *
 *	The heartbeat in the status file is the time of writing while the
 *	daemon's self-check through its milter socket passes (monitor_self_
 *	check(), fed by selfcheck(3) in the daemon; passing until told
 *	otherwise), and stays at the time of the last check that passed
 *	while it fails: a daemon whose socket does not serve looks as stale
 *	as a dead one. A failure raises self-check-failed.
 *
 *	The clock (monotonic for the write interval, wall for the status
 *	file's times) is the alert machine's, real unless monitor_new() was
 *	given one; a monitor from monitor_new() has no thread and ticks when
 *	monitor_poll() is called.
 *
 *	The configuration is a reference held by the monitor and replaced by
 *	monitor_set_conf(); settings that matter here: scanners,
 *	embedded.max_db_age, policy, alert.*, status.*, hold.*,
 *	headers.hostname (CLAMSHIM_HOST).
 * DIAGNOSTICS
 *	A status file that cannot be written is logged once when it starts
 *	failing and once when it works again, not every interval.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "log.h"
#include "monitor.h"
#include "status.h"
#include "util.h"

struct monitor {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int	started;
	int	stop;
	int	write_now;
	struct conf *conf;		/* own reference */
	struct chain *chain;
	struct alert *alert;
	struct status *status;
	struct alert_clock clock;
	time_t	start_time;
	int64_t	next_write_ms;
	int	write_failing;
	int	self_ok;		/* the last self-check passed (monitor_self_check) */
	time_t	self_ok_time;		/* wall clock when it last passed: the heartbeat while it fails */
	struct hold *hold;		/* the ledger of held messages, or NULL */
	struct hold_census census;	/* the last census */
	int	census_failing;		/* the last census could not read hold.dir (logged once) */
	int	held_too_long;		/* held-too-long was raised and nothing changed since */
};

/* monitor_alert_settings - the alert settings of a configuration */
static void
monitor_alert_settings(const struct conf *conf, struct alert_settings *set)
{
	memset(set, 0, sizeof(*set));
	set->command = conf->alert.command;
	set->min_interval_ms = conf->alert.min_interval_ms;
	set->max_db_age_ms = conf->embedded.max_db_age_ms;
	set->virus_command = conf->alert.virus_command;
	set->virus_max_running = conf->alert.virus_max_running;
	set->host = conf->headers.hostname;	/* "" = the host's name */
}

/* monitor_warn_config - config-warning when conf has warnings */
static void
monitor_warn_config(struct monitor *m, const struct conf *conf)
{
	if (conf->warnings == 0)
		return;
	alert_raise(m->alert, ALERT_CONFIG_WARNING, "", conf->file ? conf->file : "", 0,
		    "%s has %u unknown or deprecated option%s (ignored; clamshim -t lists them)",
		    conf->file ? conf->file : "the configuration", conf->warnings,
		    conf->warnings == 1 ? "" : "s");
}

/* monitor_conf - a reference to the current configuration */
static struct conf *
monitor_conf(struct monitor *m)
{
	struct conf *c;

	pthread_mutex_lock(&m->mu);
	c = conf_ref(m->conf);
	pthread_mutex_unlock(&m->mu);
	return c;
}

/* monitor_engine - engine and signature versions from "1.4.6/27432" */
static void
monitor_engine(const struct scan_status *st, struct status_gauges *g)
{
	const char *slash = strchr(st->engine, '/');

	if (slash) {
		snprintf(g->engine, sizeof(g->engine), "%.*s", (int) (slash - st->engine), st->engine);
		snprintf(g->signatures, sizeof(g->signatures), "%s",
			 st->sig_version[0] ? st->sig_version : slash + 1);
	} else {
		snprintf(g->engine, sizeof(g->engine), "%s", st->engine);
		snprintf(g->signatures, sizeof(g->signatures), "%s", st->sig_version);
	}
}

/* monitor_interval_ms - how often the status file is written */
static int64_t
monitor_interval_ms(const struct conf *conf)
{
	return conf->status.interval_ms > 0 ? conf->status.interval_ms : MONITOR_INTERVAL_MS;
}

/* monitor_gauges - the gauges from this tick's snapshots */
static void
monitor_gauges(struct monitor *m, const struct conf *conf, const struct scan_status *sts,
	       int64_t unavail_ms, int fail_open, struct status_gauges *g)
{
	time_t	now = m->clock.wall(m->clock.ctx);
	size_t	i, j;
	int	have_engine = 0;

	memset(g, 0, sizeof(*g));
	snprintf(g->version, sizeof(g->version), "%s", PACKAGE_VERSION);
	g->start_time = m->start_time;
	g->signatures_age_seconds = -1;
	for (i = 0; i < conf->nscanners && i < CONF_MAX_SCANNERS; i++) {
		const struct scan_status *st = &sts[i];
		const char *name = conf_scanner_name(conf->scanners[i]);

		for (j = 0; j < st->nunits && j < SCAN_MAX_UNITS && g->nunits < STATUS_UNITS_MAX; j++) {
			struct status_unit *u = &g->units[g->nunits++];

			snprintf(u->scanner, sizeof(u->scanner), "%s", name);
			snprintf(u->server, sizeof(u->server), "%s", st->units[j].name);
			u->up = st->units[j].up;
			u->limits = st->units[j].limits;
			u->limits_ok = st->units[j].limits_ok;
		}
		if (st->up)
			g->scanners_available++;
		if (!have_engine && st->up && st->engine[0]) {
			monitor_engine(st, g);
			have_engine = 1;
		}
		if (st->up && st->sig_time > 0 && g->signatures_age_seconds < 0)
			g->signatures_age_seconds = now > st->sig_time ? (double) (now - st->sig_time) : 0;
		g->reloads_ok += st->reloads_ok;
		g->reloads_failed += st->reloads_failed;
	}
	g->interval_seconds = (double) monitor_interval_ms(conf) / 1000.0;
	g->unavailable_seconds = (double) unavail_ms / 1000.0;
	g->fail_open = fail_open;
	g->config_warnings = conf->warnings;
	g->held_messages = m->census.held;
	g->held_oldest_seconds = m->census.oldest > 0 && now > m->census.oldest ?
	    (double) (now - m->census.oldest) : 0;
	memcpy(g->released, m->census.released, sizeof(g->released));
	alert_counts(m->alert, g->alerts);
	g->alerts_dropped = alert_commands_dropped(m->alert);
}

/* monitor_write - render and write the status file if one is configured */
static void
monitor_write(struct monitor *m, const struct conf *conf, time_t heartbeat)
{
	char	err[512];
	char   *text;

	if (conf->status.file == NULL || conf->status.file[0] == 0)
		return;
	text = status_render(m->status, heartbeat);
	if (status_write_file(conf->status.file, text, err, sizeof(err)) < 0) {
		if (!m->write_failing)
			log_error("status file: %s (retrying every interval)", err);
		m->write_failing = 1;
	} else if (m->write_failing) {
		log_info("status file %s is written again", conf->status.file);
		m->write_failing = 0;
	}
	free(text);
}

/* monitor_held - the census of held messages; held-too-long past hold.max_age */
static void
monitor_held(struct monitor *m, const struct conf *conf)
{
	time_t	now = m->clock.wall(m->clock.ctx);
	double	age, max_age = (double) conf->hold.max_age_ms / 1000.0;
	char	err[512];

	if (m->hold == NULL)
		return;
	if (hold_census(m->hold, conf->hold.dir, &m->census, err, sizeof(err)) < 0) {
		if (!m->census_failing)
			log_error("held messages: %s (retrying every interval)", err);
		m->census_failing = 1;
		return;
	}
	if (m->census_failing)
		log_info("held messages: %s can be read again", conf->hold.dir);
	m->census_failing = 0;
	age = m->census.oldest > 0 && now > m->census.oldest ? (double) (now - m->census.oldest) : 0;
	if (m->census.held == 0 || age <= max_age) {
		m->held_too_long = 0;
		return;
	}
	if (m->held_too_long)
		return;
	m->held_too_long = 1;
	alert_raise(m->alert, ALERT_HELD_TOO_LONG, "", "", m->census.oldest,
		    "%lu message%s held in the %s since a scanner outage, the oldest for %.0f s "
		    "(hold.max_age %.0f s): clamshim-release has not released them (clamshim-release "
		    "--list; its log)", m->census.held, m->census.held == 1 ? "" : "s",
		    conf->hold.mta == CONF_MTA_SENDMAIL ? "Sendmail quarantine" : "Postfix hold queue",
		    age, max_age);
}

/* monitor_tick - one look at the scanners */
static void
monitor_tick(struct monitor *m, int force_write)
{
	struct conf *conf = monitor_conf(m);
	struct scan_status sts[CONF_MAX_SCANNERS];
	struct alert_scanner sc[CONF_MAX_SCANNERS];
	struct alert_observation obs;
	struct status_gauges g;
	int64_t	unavail, now;
	size_t	i, n = 0;
	int	fail_open, self_ok, due;
	time_t	heartbeat;

	for (i = 0; i < conf->nscanners && i < CONF_MAX_SCANNERS; i++) {
		if (chain_status(m->chain, conf->scanners[i], &sts[i]) < 0) {
			sts[i].nunits = 1;
			snprintf(sts[i].units[0].name, sizeof(sts[i].units[0].name), "%s",
				 conf_scanner_name(conf->scanners[i]));
			snprintf(sts[i].units[0].last_error, sizeof(sts[i].units[0].last_error),
				 "not started");
		}
		sc[n].name = conf_scanner_name(conf->scanners[i]);
		sc[n].st = &sts[i];
		n++;
	}
	obs.scanners = sc;
	obs.nscanners = n;
	alert_observe(m->alert, &obs);
	chain_note_down(m->chain, alert_all_down(m->alert));
	unavail = chain_unavailable_ms(m->chain);
	fail_open = policy_fail_open(&conf->policy, unavail);
	alert_fail_open(m->alert, fail_open, unavail);
	now = m->clock.mono_ms(m->clock.ctx);
	due = force_write || now >= m->next_write_ms;
	if (due)
		monitor_held(m, conf);
	monitor_gauges(m, conf, sts, unavail, fail_open, &g);
	pthread_mutex_lock(&m->mu);
	self_ok = m->self_ok;
	heartbeat = self_ok ? m->clock.wall(m->clock.ctx) : m->self_ok_time;
	pthread_mutex_unlock(&m->mu);
	g.self_check_ok = self_ok;
	status_set_gauges(m->status, &g);
	alert_tick(m->alert);
	if (due) {
		monitor_write(m, conf, heartbeat);
		m->next_write_ms = now + monitor_interval_ms(conf);
	}
	conf_unref(conf);
}

/* monitor_main - the thread */
static void *
monitor_main(void *arg)
{
	struct monitor *m = arg;
	struct timespec ts;
	int	force;

	pthread_mutex_lock(&m->mu);
	while (!m->stop) {
		force = m->write_now;
		m->write_now = 0;
		pthread_mutex_unlock(&m->mu);
		monitor_tick(m, force);
		pthread_mutex_lock(&m->mu);
		if (m->stop || m->write_now)
			continue;
		ts = util_deadline(MONITOR_TICK_MS);
		pthread_cond_timedwait(&m->cv, &m->mu, &ts);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* monitor_new - a monitor without its thread */
struct monitor *
monitor_new(struct chain *ch, struct conf *conf, const struct monitor_hooks *hooks)
{
	struct monitor *m = util_calloc(1, sizeof(*m));
	struct alert_settings set;

	pthread_mutex_init(&m->mu, NULL);
	if (util_cond_init(&m->cv) != 0) {
		log_error("monitor: cannot make a condition variable");
		abort();
	}
	m->clock = hooks && hooks->clock ? *hooks->clock : alert_real_clock();
	m->conf = conf_ref(conf);
	m->chain = ch;
	m->start_time = m->clock.wall(m->clock.ctx);
	m->self_ok = 1;			/* until a self-check says otherwise */
	m->self_ok_time = m->start_time;
	m->hold = hooks ? hooks->hold : NULL;
	m->status = status_new();
	monitor_alert_settings(conf, &set);
	m->alert = alert_new(&set, &m->clock, hooks ? hooks->sink : NULL, hooks ? hooks->sink_ctx : NULL);
	monitor_warn_config(m, conf);
	return m;
}

/* monitor_poll - one tick now */
void
monitor_poll(struct monitor *m, int force_write)
{
	monitor_tick(m, force_write);
}

/* monitor_start - start watching */
struct monitor *
monitor_start(struct chain *ch, struct conf *conf, struct hold *hold)
{
	struct monitor_hooks hooks = {.hold = hold};
	struct monitor *m = monitor_new(ch, conf, &hooks);

	if (pthread_create(&m->thread, NULL, monitor_main, m) == 0)
		m->started = 1;
	else
		log_error("monitor: cannot start the monitor thread: no alerts, no status file");
	return m;
}

/* monitor_set_conf - a reloaded configuration */
void
monitor_set_conf(struct monitor *m, struct conf *conf)
{
	struct alert_settings set;
	struct conf *old;

	if (m == NULL)
		return;
	monitor_alert_settings(conf, &set);
	alert_configure(m->alert, &set);
	pthread_mutex_lock(&m->mu);
	old = m->conf;
	m->conf = conf_ref(conf);
	m->write_now = 1;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	conf_unref(old);
	monitor_warn_config(m, conf);
}

/* monitor_config_failed - a reload could not be used */
void
monitor_config_failed(struct monitor *m, const char *why)
{
	if (m != NULL)
		alert_raise(m->alert, ALERT_CONFIG_WARNING, "", "", 0, "%s", why);
}

/* monitor_self_check - a self-check's result: the heartbeat follows it, a failure alerts */
void
monitor_self_check(struct monitor *m, int ok, const char *why)
{
	time_t	now;
	int	was;

	if (m == NULL)
		return;
	now = m->clock.wall(m->clock.ctx);
	pthread_mutex_lock(&m->mu);
	was = m->self_ok;
	m->self_ok = ok != 0;
	if (ok)
		m->self_ok_time = now;
	if (was != m->self_ok) {
		m->write_now = 1;	/* clamshim_self_check_ok at once */
		pthread_cond_signal(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	if (was && !ok)
		alert_raise(m->alert, ALERT_SELF_CHECK_FAILED, "", "", now,
			    "self-check through the milter socket failed: %s; the status heartbeat "
			    "stays at the last check that passed and systemd's watchdog pings stop",
			    why ? why : "no reason given");
	else if (!was && ok)
		log_info("self-check through the milter socket passes again: the status "
			 "heartbeat and the watchdog pings resume");
}

/* monitor_count - one decided message */
void
monitor_count(struct monitor *m, enum scan_result verdict, enum policy_action action,
	      int fail_open, double seconds)
{
	if (m != NULL)
		status_count_message(m->status, verdict, action, fail_open, seconds);
}

/* monitor_virus - one infected message: the virus event (alert.virus_command) */
void
monitor_virus(struct monitor *m, const struct alert_virus *v)
{
	if (m != NULL)
		alert_virus(m->alert, v);
}

/* monitor_write_now - write the status file at the next chance */
void
monitor_write_now(struct monitor *m)
{
	if (m == NULL)
		return;
	util_wake(&m->mu, &m->cv, &m->write_now, 0);
}

/* monitor_stop - a last status file, stop, free */
void
monitor_stop(struct monitor *m)
{
	if (m == NULL)
		return;
	if (m->started) {
		util_wake(&m->mu, &m->cv, &m->stop, 0);
		pthread_join(m->thread, NULL);
		monitor_tick(m, 1);
	}
	alert_free(m->alert);
	status_free(m->status);
	conf_unref(m->conf);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	free(m);
}
