/*
 * NAME
 *	test_monitor - unit tests of the monitor: what it decides from the scanners' state
 * DESCRIPTION
 *	A monitor from monitor_new() (no thread) with an injected clock and a
 *	recording alert sink, on a real chain, ticked by monitor_poll(); what
 *	it decides is read from the sink (the alert events) and from the
 *	status file it writes (the gauges), parsed back with status_read_file.
 *
 *	A scanner kind the chain never created is down ("not started"): the
 *	clamd tests use that, so they need no server. The embedded test
 *	starts on an empty database directory (a failed load: down), then
 *	gets a tiny one from tests/mkdb.sh --eicar-only and a reload (up):
 *	scanner-up and recovered. Fail-open is table-driven: each row is a
 *	policy (on_unavailable, fail_open_after) given with monitor_set_conf()
 *	and whether fail-open must be in force after it, with the alert
 *	raised when that changes. The chain's fail_open_after clock is real,
 *	so the first row polls until 1 ms has passed (bounded, re-checked on
 *	every poll). The self-check's results (monitor_self_check) move the
 *	heartbeat or hold it at the last check that passed, and raise
 *	self-check-failed once per failure. The census of held messages
 *	(a real ledger directory) fills the held gauges and the released
 *	counters, and raises held-too-long once the oldest passes
 *	hold.max_age, again only after none was too old.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "alert.h"
#include "chain.h"
#include "conf.h"
#include "hold.h"
#include "log.h"
#include "monitor.h"
#include "status.h"
#include "testutil.h"

#define WAIT_MS		60000		/* bound of every wait; each takes far less */
#define T0_MONO		1000000
#define T0_WALL		1700000000

/* One test world: temp dir, clock, recorder, chain, monitor. */
struct world {
	char	dir[256];
	char	status[300];
	struct tu_clock clk;
	struct tu_recorder rec;
	struct chain *ch;
	struct monitor *m;
	size_t	seen;			/* events already looked at by events_since() */
};

/* world_conf - a configuration from text (plus the common lines), loaded tolerantly */
static struct conf *world_conf(struct world *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct conf *world_conf(struct world *w, const char *fmt, ...)
{
	char	path[300], extra[2048];
	struct conf *c = NULL;
	va_list	ap;
	FILE   *fp;

	va_start(ap, fmt);
	vsnprintf(extra, sizeof(extra), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/c.conf", w->dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "spool_dir = \"%s\"\n"
		"clamd {\n servers = {\"unix:%s/no-such-clamd.sock\"}\n}\n"
		"alert {\n min_interval = \"0\"\n}\n"
		"status {\n file = \"%s\"\n interval = \"10s\"\n}\n%s\n",
		w->dir, w->dir, w->status, extra);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(conf_load(path, CONF_TOLERANT, NULL, NULL, &c), 0);
	return c;
}

/* world_new - temp dir and an empty chain; the monitor comes with world_start() */
static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	assert_int_equal(tu_tempdir(w->dir, sizeof(w->dir), "test_monitor"), 0);
	snprintf(w->status, sizeof(w->status), "%s/metrics.prom", w->dir);
	w->clk.mono = T0_MONO;
	w->clk.wall = T0_WALL;
	w->ch = chain_new(&chain_real_backends);
	return w;
}

/* world_start - the monitor on conf (the world keeps no reference of its own) */
static void world_start(struct world *w, struct conf *conf)
{
	struct alert_clock clock = {tu_clock_mono, tu_clock_wall, &w->clk};
	struct monitor_hooks hooks = {&clock, tu_rec_sink, &w->rec, NULL};

	w->m = monitor_new(w->ch, conf, &hooks);
	conf_unref(conf);
}

/* world_free - monitor, chain, temp dir */
static void world_free(struct world *w)
{
	monitor_stop(w->m);
	chain_free(w->ch);
	assert_int_equal(tu_rmtree(w->dir), 0);
	free(w);
}

/* world_set_conf - a reloaded configuration */
static void world_set_conf(struct world *w, struct conf *conf)
{
	monitor_set_conf(w->m, conf);
	conf_unref(conf);
}

/* events_since - the names of the events raised since the last call, space separated */
static const char *events_since(struct world *w)
{
	static char buf[1024];
	size_t	k;

	buf[0] = 0;
	for (k = w->seen; k < w->rec.n; k++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			 k > w->seen ? " " : "", alert_event_name(w->rec.m[k].event));
	w->seen = w->rec.n;
	return buf;
}

/* has_event - 1 when an event of kind ev was raised after the first skip ones */
static int has_event(const struct world *w, size_t skip, enum alert_event ev)
{
	size_t	k;

	for (k = skip; k < w->rec.n; k++)
		if (w->rec.m[k].event == ev)
			return 1;
	return 0;
}

/* report - write the status file now and read it back */
static void report(struct world *w, struct status_report *r)
{
	char	err[256];

	monitor_poll(w->m, 1);
	if (status_read_file(w->status, r, err, sizeof(err)) != 0)
		fail_msg("status file: %s", err);
}

/* test_not_started - a kind the chain never created is down: alerts and gauges */
static void test_not_started(void **state)
{
	struct world *w = world_new();
	struct status_report r;

	(void) state;
	world_start(w, world_conf(w, "scanners = {\"clamd\"}\n"));
	monitor_poll(w->m, 0);
	assert_string_equal(events_since(w), "scanner-down all-scanners-down");
	assert_string_equal(w->rec.m[0].scanner, "clamd");
	assert_string_equal(w->rec.m[0].server, "clamd");
	assert_non_null(strstr(w->rec.m[0].detail, "not started"));
	assert_non_null(strstr(w->rec.m[1].detail, "clamd (clamd: not started)"));
	monitor_poll(w->m, 0);
	assert_string_equal(events_since(w), "");	/* no change, no event */

	monitor_count(w->m, SCAN_UNAVAILABLE, POLICY_TEMPFAIL, 0, 0.002);
	w->clk.wall += 7;
	report(w, &r);
	assert_string_equal(r.version, PACKAGE_VERSION);
	assert_int_equal((long long) r.heartbeat, T0_WALL + 7);	/* the injected clock */
	assert_int_equal((long long) r.start_time, T0_WALL);
	assert_int_equal(r.nunits, 1);
	assert_string_equal(r.units[0].scanner, "clamd");
	assert_string_equal(r.units[0].server, "clamd");
	assert_int_equal(r.units[0].up, 0);
	assert_true(r.scanners_available == 0);
	assert_int_equal(r.fail_open, 0);		/* fail_open_after is 0: never */
	assert_true(r.config_warnings == 0);
	assert_true(isnan(r.signatures_age_seconds) || r.signatures_age_seconds < 0);
	assert_true(r.alerts[ALERT_SCANNER_DOWN] == 1);
	assert_true(r.alerts[ALERT_ALL_DOWN] == 1);
	assert_true(r.alerts[ALERT_RECOVERED] == 0);
	assert_true(r.messages[SCAN_UNAVAILABLE] == 1);
	assert_true(r.actions[POLICY_TEMPFAIL] == 1);
	assert_true(r.scans == 1);
	world_free(w);
}

/* test_write_interval - the status file is written when status.interval has passed */
static void test_write_interval(void **state)
{
	struct world *w = world_new();
	struct stat sb;

	(void) state;
	world_start(w, world_conf(w, "scanners = {\"clamd\"}\n"));
	monitor_poll(w->m, 0);				/* the first tick writes */
	assert_int_equal(stat(w->status, &sb), 0);
	assert_int_equal(unlink(w->status), 0);
	w->clk.mono += 9999;
	monitor_poll(w->m, 0);
	assert_int_not_equal(stat(w->status, &sb), 0);	/* 10 s not over */
	w->clk.mono += 1;
	monitor_poll(w->m, 0);
	assert_int_equal(stat(w->status, &sb), 0);
	world_free(w);
}

/* test_self_check - the heartbeat follows the self-check; a failure alerts once; the interval is stated */
static void test_self_check(void **state)
{
	struct world *w = world_new();
	struct status_report r;
	char	text[4096];
	FILE   *fp;
	size_t	n;

	(void) state;
	world_start(w, world_conf(w, "scanners = {\"clamd\"}\n"));
	monitor_poll(w->m, 0);
	(void) events_since(w);
	monitor_self_check(w->m, 1, "");
	w->clk.wall += 5;
	report(w, &r);
	assert_int_equal((long long) r.heartbeat, T0_WALL + 5);	/* passing: the time of writing */
	assert_true(r.interval == 10);
	monitor_self_check(w->m, 1, "");			/* passed at T0 + 5 */
	w->clk.wall += 3;
	monitor_self_check(w->m, 0, "no reply from the filter in 2000 ms");
	assert_string_equal(events_since(w), "self-check-failed");
	assert_non_null(strstr(w->rec.m[w->rec.n - 1].detail, "no reply from the filter in 2000 ms"));
	assert_int_equal((long long) w->rec.m[w->rec.n - 1].since, T0_WALL + 8);
	w->clk.wall += 20;
	monitor_self_check(w->m, 0, "again");
	assert_string_equal(events_since(w), "");		/* still failing: no second event */
	report(w, &r);
	assert_int_equal((long long) r.heartbeat, T0_WALL + 5);	/* the last check that passed */
	assert_true(r.alerts[ALERT_SELF_CHECK_FAILED] == 1);
	assert_non_null(fp = fopen(w->status, "r"));
	n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = 0;
	fclose(fp);
	assert_non_null(strstr(text, "\nclamshim_self_check_ok 0\n"));
	w->clk.wall += 1;
	monitor_self_check(w->m, 1, "");
	report(w, &r);
	assert_int_equal((long long) r.heartbeat, T0_WALL + 29);	/* passing again: moves again */
	assert_string_equal(events_since(w), "");
	world_free(w);
}

/* One row of the fail-open table: a policy given by reload, and what must follow. */
struct fo_row {
	const char *on_unavailable;
	const char *fail_open_after;
	int	want;				/* fail-open in force after it */
	const char *events;			/* raised by this row */
};

static const struct fo_row fo_rows[] = {
	{"tempfail", "1ms", 1, "fail-open-started"},	/* (polled until 1 ms has passed) */
	{"tempfail", "1ms", 1, ""},			/* no change, no event */
	{"reject", "1ms", 0, "fail-open-ended"},	/* fail_open_after only turns a tempfail */
	{"tempfail", "0", 0, ""},			/* 0 = never */
	{"tempfail", "1h", 0, ""},			/* not reached */
	{"tempfail", "1ms", 1, "fail-open-started"},
	{"accept", "1ms", 0, "fail-open-ended"},
	{"quarantine", "1ms", 0, ""},
	{"tempfail", "1ms", 1, "fail-open-started"},
};

/* test_fail_open - fail-open as policy_fail_open() says, its alerts and its gauge */
static void test_fail_open(void **state)
{
	struct world *w = world_new();
	struct status_report r;
	size_t	i;
	int	ms;

	(void) state;
	world_start(w, world_conf(w, "scanners = {\"clamd\"}\n"));
	monitor_poll(w->m, 0);
	assert_string_equal(events_since(w), "scanner-down all-scanners-down");
	for (i = 0; i < sizeof(fo_rows) / sizeof(fo_rows[0]); i++) {
		const struct fo_row *row = &fo_rows[i];
		size_t	before = w->rec.n;
		const char *got;

		world_set_conf(w, world_conf(w, "scanners = {\"clamd\"}\npolicy {\n"
					     " on_unavailable = \"%s\"\n fail_open_after = \"%s\"\n}\n",
					     row->on_unavailable, row->fail_open_after));
		monitor_poll(w->m, 0);
		for (ms = 0; i == 0 && !has_event(w, before, ALERT_FAIL_OPEN_STARTED) && ms < WAIT_MS;
		     ms++) {
			usleep(1000);			/* the chain's clock is real */
			monitor_poll(w->m, 0);
		}
		got = events_since(w);
		if (strcmp(got, row->events) != 0)
			fail_msg("row %zu: raised \"%s\", wanted \"%s\"", i, got, row->events);
		report(w, &r);
		if (r.fail_open != row->want)
			fail_msg("row %zu: clamshim_fail_open %d, wanted %d", i, r.fail_open, row->want);
		assert_true(r.unavailable_seconds > 0);
	}
	assert_true(r.alerts[ALERT_FAIL_OPEN_STARTED] == 3);
	assert_true(r.alerts[ALERT_FAIL_OPEN_ENDED] == 2);
	world_free(w);
}

/* test_config_warning - warnings in a configuration, a reload that failed */
static void test_config_warning(void **state)
{
	struct world *w = world_new();
	struct status_report r;

	(void) state;
	world_start(w, world_conf(w, "scanners = {\"clamd\"}\nno_such_option = 1\n"));
	assert_string_equal(events_since(w), "config-warning");
	assert_non_null(strstr(w->rec.m[0].detail, "1 unknown or deprecated option "));
	report(w, &r);
	assert_true(r.config_warnings == 1);
	assert_string_equal(events_since(w), "scanner-down all-scanners-down");
	monitor_config_failed(w->m, "reload: bad value");
	assert_string_equal(events_since(w), "config-warning");
	assert_string_equal(w->rec.m[3].detail, "reload: bad value");
	world_set_conf(w, world_conf(w, "scanners = {\"clamd\"}\n"));
	assert_string_equal(events_since(w), "");	/* a clean reload warns of nothing */
	report(w, &r);
	assert_true(r.config_warnings == 0);
	world_free(w);
}

/* mkdb - the tiny EICAR-only database in dir (no sigtool needed) */
static void mkdb(const char *dir)
{
	const char *top = getenv("top_srcdir");
	char	cmd[1024];
	int	rc;

	snprintf(cmd, sizeof(cmd), "sh '%s/tests/mkdb.sh' --eicar-only '%s' >/dev/null",
		 top ? top : ".", dir);
	rc = system(cmd);
	assert_true(rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
}

/* embedded_status - the chain's embedded scanner status */
static void embedded_status(struct world *w, struct scan_status *st)
{
	assert_int_equal(chain_status(w->ch, CONF_SCANNER_EMBEDDED, st), 0);
}

/* test_embedded_recovers - a real engine: no signatures (down), then a database (up) */
static void test_embedded_recovers(void **state)
{
	struct world *w = world_new();
	struct scan_status st;
	struct status_report r;
	struct conf *conf;
	char	db[300], err[256];
	size_t	before;
	int	ms;

	(void) state;
	snprintf(db, sizeof(db), "%s/db", w->dir);
	assert_int_equal(mkdir(db, 0700), 0);
	conf = world_conf(w, "scanners = {\"embedded\"}\n"
			  "embedded {\n database = \"%s\"\n reload_check = \"0\"\n}\n", db);
	assert_int_equal(chain_configure(w->ch, conf, err, sizeof(err)), 0);
	(void) chain_wait_ready(w->ch, conf, WAIT_MS);	/* the first load fails: no signatures */
	embedded_status(w, &st);
	assert_int_equal(st.loading, 0);
	assert_int_equal(st.up, 0);
	world_start(w, conf);
	monitor_poll(w->m, 0);
	assert_true(has_event(w, 0, ALERT_SCANNER_DOWN));
	assert_true(has_event(w, 0, ALERT_ALL_DOWN));
	assert_false(has_event(w, 0, ALERT_RECOVERED));
	report(w, &r);
	assert_int_equal(r.nunits, 1);
	assert_string_equal(r.units[0].scanner, "embedded");
	assert_string_equal(r.units[0].server, db);
	assert_int_equal(r.units[0].up, 0);
	assert_true(r.scanners_available == 0);

	before = w->rec.n;
	mkdb(db);
	chain_reload(w->ch);
	for (ms = 0; !has_event(w, before, ALERT_RECOVERED) && ms < WAIT_MS; ms += 20) {
		usleep(20000);				/* the engine loads in its own thread */
		monitor_poll(w->m, 0);
	}
	assert_true(has_event(w, before, ALERT_SCANNER_UP));
	assert_true(has_event(w, before, ALERT_RECOVERED));
	assert_false(has_event(w, before, ALERT_FAIL_OPEN_STARTED));
	report(w, &r);
	assert_int_equal(r.units[0].up, 1);
	assert_true(r.scanners_available == 1);
	assert_true(r.unavailable_seconds == 0);	/* recovery stops the fail_open_after clock */
	assert_int_equal(r.fail_open, 0);
	assert_true(r.engine[0] != 0);			/* the engine's version, from its status */
	assert_true(r.alerts[ALERT_RECOVERED] == 1);
	world_free(w);
}

#define TOK1	"11111111111111111111111111111111"
#define TOK2	"22222222222222222222222222222222"
#define TOK3	"33333333333333333333333333333333"

/* test_held - the census every status write: gauges, released counters, held-too-long */
static void test_held(void **state)
{
	struct world *w = world_new();
	struct alert_clock clock = {tu_clock_mono, tu_clock_wall, &w->clk};
	struct hold *h = hold_new();
	struct monitor_hooks hooks = {&clock, tu_rec_sink, &w->rec, h};
	struct status_report r;
	struct conf *conf;
	char	held[300], err[256], from[400], to[420];

	(void) state;
	snprintf(held, sizeof(held), "%s/held", w->dir);
	assert_int_equal(mkdir(held, 0700), 0);
	conf = world_conf(w, "scanners = {\"clamd\"}\nhold {\n dir = \"%s\"\n max_age = \"1h\"\n}\n",
			  held);
	w->m = monitor_new(w->ch, conf, &hooks);
	conf_unref(conf);
	report(w, &r);
	assert_true(r.held_messages == 0);
	assert_true(r.held_oldest_seconds == 0);
	assert_true(r.released[HOLD_RESULT_CLEAN] == 0);
	(void) events_since(w);
	/* two held: 10 minutes and 2 hours ago; past max_age (1h): held-too-long, once */
	assert_int_equal(hold_record(held, TOK1, "Q1", T0_WALL - 600, CONF_MTA_POSTFIX,
				     err, sizeof(err)), 0);
	assert_int_equal(hold_record(held, TOK2, "Q2", T0_WALL - 7200, CONF_MTA_POSTFIX,
				     err, sizeof(err)), 0);
	report(w, &r);
	assert_true(r.held_messages == 2);
	assert_true(r.held_oldest_seconds == 7200);
	assert_string_equal(events_since(w), "held-too-long");
	assert_non_null(strstr(w->rec.m[w->rec.n - 1].detail, "2 messages held"));
	report(w, &r);
	assert_string_equal(events_since(w), "");
	/* clamshim-release dealt with the old one: counted, removed, none too old any more */
	snprintf(from, sizeof(from), "%s/%s", held, TOK2);
	snprintf(to, sizeof(to), "%s/%s.done-infected", held, TOK2);
	assert_int_equal(rename(from, to), 0);
	report(w, &r);
	assert_true(r.held_messages == 1);
	assert_true(r.held_oldest_seconds == 600);
	assert_true(r.released[HOLD_RESULT_INFECTED] == 1);
	assert_true(r.released[HOLD_RESULT_CLEAN] == 0);
	assert_int_equal(access(to, F_OK), -1);
	assert_string_equal(events_since(w), "");
	/* another one too old: raised again */
	assert_int_equal(hold_record(held, TOK3, "Q3", T0_WALL - 4000, CONF_MTA_POSTFIX,
				     err, sizeof(err)), 0);
	report(w, &r);
	assert_true(r.held_messages == 2);
	assert_string_equal(events_since(w), "held-too-long");
	assert_true(r.alerts[ALERT_HELD_TOO_LONG] == 2);
	world_free(w);
	hold_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_started),
		cmocka_unit_test(test_write_interval),
		cmocka_unit_test(test_self_check),
		cmocka_unit_test(test_fail_open),
		cmocka_unit_test(test_config_warning),
		cmocka_unit_test(test_embedded_recovers),
		cmocka_unit_test(test_held),
	};

	log_set_stderr_only(1);
	log_set(LOG_LEVEL_ERROR, -1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
