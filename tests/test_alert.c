/*
 * NAME
 *	test_alert - unit tests for the alert state machine, rate limiter and runner
 * DESCRIPTION
 *	An injected clock drives time and a recording sink stands in for the
 *	command. Table-driven: each row of a script is "at time T, raise
 *	this / observe these scanner states / tick", with the events the
 *	sink must have received by then (kind and repeat count).
 *
 *	The runner is tested for real: a command that writes its CLAMSHIM_*
 *	environment to a file (and a detail holding shell syntax that must
 *	not run), a command that outlives its time limit and must be
 *	killed and reaped, a command that reports its signal mask, ignored
 *	signals, process group and descriptors (the daemon's must not leak
 *	into it), and a command whose shell cannot be started (counted as
 *	dropped, through the shell seam of struct alert_settings).
 */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "alert.h"
#include "log.h"
#include "testutil.h"

/* One test world: clock, recorder, machine. */
struct world {
	struct tu_clock clk;
	struct tu_recorder rec;
	struct alert *a;
};

/* world_new - a machine with min_interval and grace */
static struct world *world_new(int64_t min_interval_ms, int64_t grace_ms, int64_t max_db_age_ms)
{
	struct world *w = calloc(1, sizeof(*w));
	struct alert_settings set = {.command = "", .min_interval_ms = min_interval_ms,
		.load_grace_ms = grace_ms, .max_db_age_ms = max_db_age_ms, .host = "testhost"};
	struct alert_clock clock = {tu_clock_mono, tu_clock_wall, NULL};

	assert_non_null(w);
	w->clk.mono = 1000000;
	w->clk.wall = 1700000000;
	clock.ctx = &w->clk;
	w->a = alert_new(&set, &clock, tu_rec_sink, &w->rec);
	return w;
}

/* world_free - free the machine */
static void world_free(struct world *w)
{
	alert_free(w->a);
	free(w);
}

/* world_advance - move both clocks */
static void world_advance(struct world *w, int64_t ms)
{
	w->clk.mono += ms;
	w->clk.wall += (time_t) (ms / 1000);
}

/* ---- rate limiter ---- */

/* One step of a rate-limiter script. */
struct rl_step {
	int64_t	at;			/* ms since start */
	int	op;			/* 'r' raise, 't' tick */
	enum alert_event ev;
	size_t	want_n;			/* events the sink has after this step */
	enum alert_event want_ev;	/* the last one's kind (when want_n grew) */
	unsigned long want_repeats;
};

static const struct rl_step rl_script[] = {
	{0, 'r', ALERT_SCANNER_DOWN, 1, ALERT_SCANNER_DOWN, 0},	/* first: sent */
	{100, 'r', ALERT_SCANNER_DOWN, 1, 0, 0},			/* within 1 s: held */
	{200, 'r', ALERT_SCANNER_DOWN, 1, 0, 0},			/* held, 2 */
	{300, 'r', ALERT_SCANNER_UP, 2, ALERT_SCANNER_UP, 0},	/* other kind: own window */
	{500, 't', 0, 2, 0, 0},					/* window not over */
	{1000, 't', 0, 3, ALERT_SCANNER_DOWN, 1},		/* over: last held one, 1 other */
	{1100, 'r', ALERT_SCANNER_DOWN, 3, 0, 0},		/* new window from 1000 */
	{2000, 'r', ALERT_SCANNER_DOWN, 4, ALERT_SCANNER_DOWN, 1},	/* sent with the count */
	{2500, 't', 0, 4, 0, 0},
	{9000, 't', 0, 4, 0, 0},					/* nothing held: nothing sent */
	{9001, 'r', ALERT_SCANNER_DOWN, 5, ALERT_SCANNER_DOWN, 0},
};

/* test_rate_limit - the script above */
static void test_rate_limit(void **state)
{
	struct world *w = world_new(1000, -1, 0);
	int64_t	t0 = w->clk.mono;
	size_t	i;
	unsigned long counts[ALERT_EVENT_COUNT];

	(void) state;
	for (i = 0; i < sizeof(rl_script) / sizeof(rl_script[0]); i++) {
		const struct rl_step *s = &rl_script[i];
		size_t	before = w->rec.n;

		w->clk.mono = t0 + s->at;
		if (s->op == 'r')
			alert_raise(w->a, s->ev, "clamd", "unix:/x", 0, "step %zu", i);
		else
			alert_tick(w->a);
		if (w->rec.n != s->want_n)
			fail_msg("step %zu: sink has %zu events, wanted %zu", i, w->rec.n, s->want_n);
		if (s->want_n > before) {
			assert_int_equal(w->rec.m[w->rec.n - 1].event, s->want_ev);
			if (w->rec.m[w->rec.n - 1].repeats != s->want_repeats)
				fail_msg("step %zu: repeats %lu, wanted %lu", i,
					 w->rec.m[w->rec.n - 1].repeats, s->want_repeats);
		}
	}
	alert_counts(w->a, counts);
	assert_int_equal(counts[ALERT_SCANNER_DOWN], 6);
	assert_int_equal(counts[ALERT_SCANNER_UP], 1);
	world_free(w);
}

/*
 * test_recovered_follows - "recovered" of an outage whose all-scanners-down
 * went out is not held back by an earlier recovered's window; held back
 * behind its own all-scanners-down, it goes out right after it
 */
static void test_recovered_follows(void **state)
{
	struct world *w = world_new(5000, -1, 0);
	int64_t	t0 = w->clk.mono;

	(void) state;
	alert_raise(w->a, ALERT_ALL_DOWN, "", "", 0, "down 1");	/* t 0: sent */
	w->clk.mono = t0 + 4000;
	alert_raise(w->a, ALERT_RECOVERED, "", "", 0, "up 1");	/* sent */
	w->clk.mono = t0 + 5000;
	alert_raise(w->a, ALERT_ALL_DOWN, "", "", 0, "down 2");	/* window over: sent */
	assert_int_equal(w->rec.n, 3);
	w->clk.mono = t0 + 5100;				/* 1.1 s after "up 1" */
	alert_raise(w->a, ALERT_RECOVERED, "", "", 0, "up 2");
	assert_int_equal(w->rec.n, 4);				/* at once */
	assert_int_equal(w->rec.m[3].event, ALERT_RECOVERED);
	w->clk.mono = t0 + 6000;
	alert_raise(w->a, ALERT_ALL_DOWN, "", "", 0, "down 3");	/* held: 1 s after "down 2" */
	w->clk.mono = t0 + 6100;
	alert_raise(w->a, ALERT_RECOVERED, "", "", 0, "up 3");	/* held behind it */
	alert_tick(w->a);
	assert_int_equal(w->rec.n, 4);
	w->clk.mono = t0 + 10000;				/* "down 2"'s window ends */
	alert_tick(w->a);
	assert_int_equal(w->rec.n, 6);				/* both, in order */
	assert_int_equal(w->rec.m[4].event, ALERT_ALL_DOWN);
	assert_int_equal(w->rec.m[5].event, ALERT_RECOVERED);
	assert_non_null(strstr(w->rec.m[5].detail, "up 3"));
	world_free(w);
}

/* test_held_order - held-back events of several kinds go out oldest first */
static void test_held_order(void **state)
{
	struct world *w = world_new(5000, -1, 0);

	(void) state;
	alert_raise(w->a, ALERT_SCANNER_DOWN, "clamd", "", 0, "d1");
	alert_raise(w->a, ALERT_SCANNER_UP, "clamd", "", 0, "u1");
	world_advance(w, 1000);
	alert_raise(w->a, ALERT_SCANNER_DOWN, "clamd", "", 0, "d2");
	world_advance(w, 1000);
	alert_raise(w->a, ALERT_SCANNER_UP, "clamd", "", 0, "u2");
	world_advance(w, 1000);
	alert_raise(w->a, ALERT_SCANNER_DOWN, "clamd", "", 0, "d3");
	assert_int_equal(w->rec.n, 2);
	world_advance(w, 2000);
	alert_tick(w->a);
	assert_int_equal(w->rec.n, 4);
	assert_string_equal(w->rec.m[2].detail, "u2");	/* raised before d3 */
	assert_string_equal(w->rec.m[3].detail, "d3");
	assert_int_equal(w->rec.m[3].repeats, 1);	/* d2 was held back too */
	world_free(w);
}

/* ---- state machine ---- */

#define MAXU	3

/* One scanner as a script row gives it. */
struct sm_scanner {
	const char *name;
	int	up, loading;
	int	units[MAXU];		/* 1 up, 0 down, -1 absent */
	unsigned long reloads_failed;
	int64_t	sig_age_s;		/* 0 unknown */
};

/* One observation and what must come of it. */
struct sm_step {
	int64_t	advance_ms;
	struct sm_scanner sc[2];
	size_t	nsc;
	const char *want;		/* events raised by this step, space separated, in order */
};

/* The incident: clamd-only, the server dies and comes back. */
static const struct sm_step sm_clamd[] = {
	{0, {{"clamd", 1, 1, {1, -1, -1}, 0, 0}}, 1, ""},
	{250, {{"clamd", 1, 0, {1, -1, -1}, 0, 0}}, 1, ""},
	{250, {{"clamd", 0, 0, {0, -1, -1}, 0, 0}}, 1, "scanner-down all-scanners-down"},
	{250, {{"clamd", 0, 0, {0, -1, -1}, 0, 0}}, 1, ""},
	{9000, {{"clamd", 1, 0, {1, -1, -1}, 0, 0}}, 1, "scanner-up recovered"},
};

/* Two servers: one down is not an outage of the chain. */
static const struct sm_step sm_pool[] = {
	{0, {{"clamd", 1, 0, {1, 1, -1}, 0, 0}}, 1, ""},
	{250, {{"clamd", 1, 0, {0, 1, -1}, 0, 0}}, 1, "scanner-down"},
	{250, {{"clamd", 0, 0, {0, 0, -1}, 0, 0}}, 1, "scanner-down all-scanners-down"},
	{250, {{"clamd", 1, 0, {0, 1, -1}, 0, 0}}, 1, "scanner-up recovered"},
	{250, {{"clamd", 1, 0, {1, 1, -1}, 0, 0}}, 1, "scanner-up"},
};

/* embedded + clamd: the chain is down only when both are */
static const struct sm_step sm_chain[] = {
	{0, {{"embedded", 1, 0, {1, -1, -1}, 0, 0}, {"clamd", 1, 0, {1, -1, -1}, 0, 0}}, 2, ""},
	{250, {{"embedded", 0, 0, {0, -1, -1}, 0, 0}, {"clamd", 1, 0, {1, -1, -1}, 0, 0}}, 2,
	 "scanner-down"},
	{250, {{"embedded", 0, 0, {0, -1, -1}, 0, 0}, {"clamd", 0, 0, {0, -1, -1}, 0, 0}}, 2,
	 "scanner-down all-scanners-down"},
	{250, {{"embedded", 1, 0, {1, -1, -1}, 0, 0}, {"clamd", 0, 0, {0, -1, -1}, 0, 0}}, 2,
	 "scanner-up recovered"},
};

/* A first load still running is not an outage until the grace (10 s here) has passed. */
static const struct sm_step sm_grace[] = {
	{0, {{"embedded", 0, 1, {0, -1, -1}, 0, 0}}, 1, ""},
	{5000, {{"embedded", 0, 1, {0, -1, -1}, 0, 0}}, 1, ""},
	{4000, {{"embedded", 1, 0, {1, -1, -1}, 0, 0}}, 1, ""},
};

static const struct sm_step sm_grace_over[] = {
	{0, {{"embedded", 0, 1, {0, -1, -1}, 0, 0}}, 1, ""},
	{9000, {{"embedded", 0, 1, {0, -1, -1}, 0, 0}}, 1, ""},
	{1500, {{"embedded", 0, 1, {0, -1, -1}, 0, 0}}, 1, "scanner-down all-scanners-down"},
	{5000, {{"embedded", 1, 0, {1, -1, -1}, 0, 0}}, 1, "scanner-up recovered"},
};

/* A first load that failed (loading over, not up) is an outage at once. */
static const struct sm_step sm_nodb[] = {
	{0, {{"embedded", 0, 0, {0, -1, -1}, 1, 0}}, 1,
	 "scanner-down db-reload-failed all-scanners-down"},
};

/* Reload failures and stale signatures (max_db_age 48 h). */
static const struct sm_step sm_db[] = {
	{0, {{"embedded", 1, 0, {1, -1, -1}, 0, 3600}}, 1, ""},
	{250, {{"embedded", 1, 0, {1, -1, -1}, 1, 3600}}, 1, "db-reload-failed"},
	{250, {{"embedded", 1, 0, {1, -1, -1}, 1, 3600}}, 1, ""},
	{250, {{"embedded", 1, 0, {1, -1, -1}, 3, 3600}}, 1, "db-reload-failed"},
	{250, {{"embedded", 1, 0, {1, -1, -1}, 3, 49 * 3600}}, 1, "db-stale"},
	{250, {{"embedded", 1, 0, {1, -1, -1}, 3, 50 * 3600}}, 1, ""},
	{250, {{"embedded", 1, 0, {1, -1, -1}, 3, 1800}}, 1, ""},
	{250, {{"embedded", 1, 0, {1, -1, -1}, 3, 49 * 3600}}, 1, "db-stale"},
};

/* No scanner configured at all: every message is unavailable. */
static const struct sm_step sm_none[] = {
	{0, {{NULL, 0, 0, {-1, -1, -1}, 0, 0}}, 0, "all-scanners-down"},
};

/* run_script - feed the steps, compare the raised events (log order) */
static void run_script(const struct sm_step *steps, size_t n, int64_t grace_ms)
{
	struct world *w = world_new(0, grace_ms, 48 * 3600 * 1000LL);
	struct scan_status st[2];
	struct alert_scanner sc[2];
	struct alert_observation obs;
	size_t	i, j, k;

	for (i = 0; i < n; i++) {
		const struct sm_step *s = &steps[i];
		char	got[512] = "";
		size_t	before = w->rec.n;

		world_advance(w, s->advance_ms);
		for (j = 0; j < s->nsc; j++) {
			memset(&st[j], 0, sizeof(st[j]));
			st[j].up = s->sc[j].up;
			st[j].loading = s->sc[j].loading;
			st[j].reloads_failed = s->sc[j].reloads_failed;
			if (s->sc[j].sig_age_s)
				st[j].sig_time = w->clk.wall - (time_t) s->sc[j].sig_age_s;
			for (k = 0; k < MAXU && s->sc[j].units[k] >= 0; k++) {
				snprintf(st[j].units[k].name, sizeof(st[j].units[k].name), "%s-%zu",
					 s->sc[j].name, k);
				st[j].units[k].up = s->sc[j].units[k];
				snprintf(st[j].units[k].last_error, sizeof(st[j].units[k].last_error),
					 "%s", s->sc[j].units[k] ? "" : "connection refused");
			}
			st[j].nunits = k;
			sc[j].name = s->sc[j].name;
			sc[j].st = &st[j];
		}
		obs.scanners = sc;
		obs.nscanners = s->nsc;
		alert_observe(w->a, &obs);
		for (k = before; k < w->rec.n; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s",
				 k > before ? " " : "", alert_event_name(w->rec.m[k].event));
		if (strcmp(got, s->want) != 0)
			fail_msg("step %zu: raised \"%s\", wanted \"%s\"", i, got, s->want);
	}
	world_free(w);
}

#define RUN(t, g)	run_script(t, sizeof(t) / sizeof(t[0]), g)

/* test_state_machine - every script */
static void test_state_machine(void **state)
{
	(void) state;
	RUN(sm_clamd, 10000);
	RUN(sm_pool, 10000);
	RUN(sm_chain, 10000);
	RUN(sm_grace, 10000);
	RUN(sm_grace_over, 10000);
	RUN(sm_nodb, 10000);
	RUN(sm_db, 10000);
	RUN(sm_none, 10000);
}

/* test_details - the values the command will see */
static void test_details(void **state)
{
	struct world *w = world_new(0, -1, 0);
	struct scan_status st;
	struct alert_scanner sc = {"clamd", &st};
	struct alert_observation obs = {&sc, 1};

	(void) state;
	memset(&st, 0, sizeof(st));
	st.nunits = 1;
	snprintf(st.units[0].name, sizeof(st.units[0].name), "unix:/run/clamav/clamd.ctl");
	st.units[0].up = 0;
	st.units[0].since = 1600000000;
	snprintf(st.units[0].last_error, sizeof(st.units[0].last_error), "connect: No such file");
	alert_observe(w->a, &obs);
	assert_int_equal(w->rec.n, 2);
	assert_int_equal(w->rec.m[0].event, ALERT_SCANNER_DOWN);
	assert_string_equal(w->rec.m[0].scanner, "clamd");
	assert_string_equal(w->rec.m[0].server, "unix:/run/clamav/clamd.ctl");
	assert_int_equal(w->rec.m[0].since, 1600000000);
	assert_non_null(strstr(w->rec.m[0].detail, "connect: No such file"));
	assert_int_equal(w->rec.m[1].event, ALERT_ALL_DOWN);
	assert_non_null(strstr(w->rec.m[1].detail, "unix:/run/clamav/clamd.ctl: connect: No such file"));
	assert_int_equal(alert_all_down(w->a), 1);

	alert_fail_open(w->a, 1, 65000);
	assert_int_equal(w->rec.n, 3);
	assert_int_equal(w->rec.m[2].event, ALERT_FAIL_OPEN_STARTED);
	assert_non_null(strstr(w->rec.m[2].detail, "65 s"));
	alert_fail_open(w->a, 1, 66000);
	assert_int_equal(w->rec.n, 3);
	world_advance(w, 30000);
	alert_fail_open(w->a, 0, 0);
	assert_int_equal(w->rec.n, 4);
	assert_int_equal(w->rec.m[3].event, ALERT_FAIL_OPEN_ENDED);
	assert_non_null(strstr(w->rec.m[3].detail, "after 30 s"));
	world_free(w);
}

/* test_names - the fixed names of DESIGN.md */
static void test_names(void **state)
{
	static const char *const want[ALERT_EVENT_COUNT] = {
		"scanner-down", "scanner-up", "all-scanners-down", "recovered",
		"fail-open-started", "fail-open-ended", "db-reload-failed", "db-stale",
		"config-warning", "clamd-limits-unreported", "self-check-failed", "held-too-long"};
	int	i;

	(void) state;
	for (i = 0; i < ALERT_EVENT_COUNT; i++)
		assert_string_equal(alert_event_name((enum alert_event) i), want[i]);
	assert_string_equal(alert_event_name(ALERT_EVENT_COUNT), "unknown");
	assert_true(alert_event_is_outage(ALERT_ALL_DOWN));
	assert_false(alert_event_is_outage(ALERT_RECOVERED));
	assert_false(alert_event_is_outage(ALERT_CLAMD_LIMITS_UNREPORTED));
	assert_true(alert_event_is_outage(ALERT_SELF_CHECK_FAILED));
}

/*
 * test_limits - clamd-limits-unreported once when a server is found to
 * answer OK past its limits; not again for the same answer after it was
 * down (not known meanwhile), again after it reported them in between;
 * never for a server clamd.limits_unreported_ok names
 */
static void test_limits(void **state)
{
	static const struct {
		enum scan_limits a, b;		/* server a, server b (limits_ok) */
		size_t	want;			/* events in all after this step */
	} steps[] = {
		{SCAN_LIMITS_UNKNOWN, SCAN_LIMITS_UNKNOWN, 0},
		{SCAN_LIMITS_UNREPORTED, SCAN_LIMITS_UNREPORTED, 1},
		{SCAN_LIMITS_UNREPORTED, SCAN_LIMITS_UNREPORTED, 1},
		{SCAN_LIMITS_UNKNOWN, SCAN_LIMITS_UNKNOWN, 1},
		{SCAN_LIMITS_UNREPORTED, SCAN_LIMITS_UNREPORTED, 1},
		{SCAN_LIMITS_REPORTED, SCAN_LIMITS_REPORTED, 1},
		{SCAN_LIMITS_UNREPORTED, SCAN_LIMITS_UNREPORTED, 2},
	};
	struct world *w = world_new(0, -1, 0);
	struct scan_status st;
	struct alert_scanner sc = {"clamd", &st};
	struct alert_observation obs = {&sc, 1};
	size_t	i;

	(void) state;
	memset(&st, 0, sizeof(st));
	st.up = 1;
	st.nunits = 2;
	snprintf(st.units[0].name, sizeof(st.units[0].name), "unix:/run/clamav/clamd.ctl");
	snprintf(st.units[1].name, sizeof(st.units[1].name), "tcp:127.0.0.1:3310");
	st.units[0].up = st.units[1].up = 1;
	st.units[1].limits_ok = 1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		st.units[0].limits = steps[i].a;
		st.units[1].limits = steps[i].b;
		alert_observe(w->a, &obs);
		if (w->rec.n != steps[i].want)
			fail_msg("step %zu: %zu events, want %zu", i, w->rec.n, steps[i].want);
	}
	assert_int_equal(w->rec.m[0].event, ALERT_CLAMD_LIMITS_UNREPORTED);
	assert_string_equal(w->rec.m[0].scanner, "clamd");
	assert_string_equal(w->rec.m[0].server, "unix:/run/clamav/clamd.ctl");
	assert_non_null(strstr(w->rec.m[0].detail, "unix:/run/clamav/clamd.ctl does not report its "
				"limits (AlertExceedsMax no)"));
	world_free(w);
}

/* ---- the real runner ---- */

/* wait_file - poll up to ms for path to exist with some content */
static int wait_file(const char *path, int ms)
{
	struct stat sb;

	for (; ms > 0; ms -= 20) {
		if (stat(path, &sb) == 0 && sb.st_size > 0)
			return 0;
		usleep(20000);
	}
	return -1;
}

/* idle - 1 when the alert's runner has no command */
static int idle(void *a)
{
	return alert_commands_running(a) == 0;
}

/* wait_idle - poll up to ms for the runner to have no command */
static int wait_idle(struct alert *a, int ms)
{
	return tu_poll(idle, a, ms);
}

/* test_runner_env - values only through the environment, never run as shell */
static void test_runner_env(void **state)
{
	char	dir[] = "/tmp/test_alert.XXXXXX", cmd[1024], out[256], pwned[256], buf[2048];
	struct alert_settings set = {0};
	struct alert *a;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/env", dir);
	snprintf(pwned, sizeof(pwned), "%s/pwned", dir);
	snprintf(cmd, sizeof(cmd), "env | grep ^CLAMSHIM_ | sort > %s.tmp && mv %s.tmp %s", out, out, out);
	set.command = cmd;
	set.host = "mx1.example";
	a = alert_new(&set, NULL, NULL, NULL);
	alert_raise(a, ALERT_SCANNER_DOWN, "clamd", "tcp:127.0.0.1:3310", 86400,
		    "down: $(touch %s) `touch %s`; echo \"x\"\n", pwned, pwned);
	assert_int_equal(wait_file(out, 5000), 0);
	assert_int_equal(wait_idle(a, 5000), 0);
	tu_read_text(out, buf, sizeof(buf));
	assert_non_null(strstr(buf, "CLAMSHIM_EVENT=scanner-down\n"));
	assert_non_null(strstr(buf, "CLAMSHIM_SCANNER=clamd\n"));
	assert_non_null(strstr(buf, "CLAMSHIM_SERVER=tcp:127.0.0.1:3310\n"));
	assert_non_null(strstr(buf, "CLAMSHIM_SINCE=1970-01-02T00:00:00Z\n"));
	assert_non_null(strstr(buf, "CLAMSHIM_HOST=mx1.example\n"));
	assert_non_null(strstr(buf, "CLAMSHIM_REPEATS=0\n"));
	assert_non_null(strstr(buf, "CLAMSHIM_DETAIL=down: $(touch "));
	assert_int_not_equal(access(pwned, F_OK), 0);	/* the detail never ran */
	alert_free(a);
	unlink(out);
	rmdir(dir);
}

/* test_runner_timeout - a command past its limit is killed and reaped; raising never waits */
static void test_runner_timeout(void **state)
{
	struct alert_settings set = {.command = "sleep 30", .command_timeout_ms = 1500};
	struct alert *a = alert_new(&set, NULL, NULL, NULL);
	struct timespec t0, t1;
	double	ms;

	(void) state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	alert_raise(a, ALERT_ALL_DOWN, "", "", 0, "slow");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double) (t1.tv_sec - t0.tv_sec) * 1000 + (double) (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (ms > 1000)		/* the command sleeps 30 s: raising must not wait for it */
		fail_msg("alert_raise took %.0f ms", ms);
	usleep(100000);
	assert_int_equal(alert_commands_running(a), 1);
	assert_int_equal(wait_idle(a, 8000), 0);	/* sleep 30 killed after 1.5 s, reaped */
	alert_free(a);
}

/*
 * test_runner_clean_start - the daemon blocks and ignores signals and holds
 * descriptors; none of it reaches the command, which leads its own group
 */
static void test_runner_clean_start(void **state)
{
	char	dir[] = "/tmp/test_alert.XXXXXX", cmd[1024], out[256], leakpath[256], buf[4096], want[64];
	struct alert_settings set = {0};
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	sigset_t block, old_mask;
	struct alert *a;
	int	leak;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/out", dir);
	/*
	 * The shell reads its own status with the read builtin: a child (grep)
	 * would see it while it waits for that child, and dash blocks every
	 * signal for a moment then.
	 */
	snprintf(cmd, sizeof(cmd), "{ while read -r k v; do case $k in SigBlk:|SigIgn:) "
		 "printf '%%s\t%%s\n' \"$k\" \"$v\";; esac; done < /proc/$$/status; "
		 "echo \"pgrp=$(cut -d' ' -f5 /proc/$$/stat) pid=$$\"; "
		 "ls -l /proc/$$/fd/; } > %s.tmp && mv %s.tmp %s", out, out, out);
	set.command = cmd;
	snprintf(leakpath, sizeof(leakpath), "%s/leak", dir);
	leak = open(leakpath, O_RDWR | O_CREAT, 0600);	/* no O_CLOEXEC */
	assert_true(leak > 2);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
	assert_int_equal(sigaction(SIGPIPE, &ign, &old_pipe), 0);
	a = alert_new(&set, NULL, NULL, NULL);	/* the runner inherits both */
	alert_raise(a, ALERT_DB_STALE, "", "", 0, "clean start");
	assert_int_equal(wait_file(out, 5000), 0);
	assert_int_equal(wait_idle(a, 5000), 0);
	alert_free(a);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old_mask, NULL), 0);
	assert_int_equal(sigaction(SIGPIPE, &old_pipe, NULL), 0);
	close(leak);
	tu_read_text(out, buf, sizeof(buf));
	print_message("%s", buf);
	assert_non_null(strstr(buf, "SigBlk:\t0000000000000000\n"));
	assert_non_null(strstr(buf, "SigIgn:\t"));
	/* none of 1..31 ignored; glibc's posix_spawn leaves its own 32 and 33 ignored */
	assert_int_equal(strtoull(strstr(buf, "SigIgn:\t") + 8, NULL, 16) & 0x7fffffffULL, 0);
	assert_non_null(strstr(buf, " 0 -> /dev/null\n"));
	assert_null(strstr(buf, leakpath));
	{
		const char *p = strstr(buf, "pgrp=");

		assert_non_null(p);
		snprintf(want, sizeof(want), " pid=%ld\n", strtol(p + 5, NULL, 10));
		assert_non_null(strstr(p, want));	/* its own process group */
	}
	unlink(out);
	unlink(leakpath);
	rmdir(dir);
}

/* test_runner_start_fails - a command that cannot start is logged and counted, never waited for */
static void test_runner_start_fails(void **state)
{
	struct alert_settings set = {.command = "true", .shell = "/nonexistent/clamshim-test/sh"};
	struct alert *a = alert_new(&set, NULL, NULL, NULL);
	int	ms;

	(void) state;
	assert_int_equal(alert_commands_dropped(a), 0);
	alert_raise(a, ALERT_ALL_DOWN, "", "", 0, "no shell");
	for (ms = 0; ms < 5000 && alert_commands_dropped(a) == 0; ms += 20)
		usleep(20000);
	assert_int_equal(alert_commands_dropped(a), 1);
	assert_int_equal(wait_idle(a, 5000), 0);	/* nothing left running or queued */
	set.shell = NULL;			/* the real shell again: runs, not counted */
	set.command = "true";
	alert_configure(a, &set);
	alert_raise(a, ALERT_DB_STALE, "", "", 0, "shell back");
	assert_int_equal(wait_idle(a, 5000), 0);
	assert_int_equal(alert_commands_dropped(a), 1);
	alert_free(a);
}

/* test_configure - a new command applies to later events */
static void test_configure(void **state)
{
	char	dir[] = "/tmp/test_alert.XXXXXX", cmd[512], out[256];
	struct alert_settings set = {.command = ""};
	struct alert *a;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/ran", dir);
	a = alert_new(&set, NULL, NULL, NULL);
	alert_raise(a, ALERT_CONFIG_WARNING, "", "", 0, "no command yet");
	snprintf(cmd, sizeof(cmd), "echo \"$CLAMSHIM_EVENT\" > %s", out);
	set.command = cmd;
	alert_configure(a, &set);
	alert_raise(a, ALERT_DB_STALE, "", "", 0, "now");
	assert_int_equal(wait_file(out, 5000), 0);
	assert_int_equal(wait_idle(a, 5000), 0);
	alert_free(a);
	unlink(out);
	rmdir(dir);
}

/*
 * test_virus - the virus event: its values in the environment only, the
 * virus_max_running cap (two sleeping, the third dropped and counted with
 * the alert command's drops), values from the sender never run
 */
static void test_virus(void **state)
{
	char	dir[] = "/tmp/test_alert.XXXXXX", cmd[2048], out[256], pwned[256], sender[600];
	char	buf[2048];
	struct alert_settings set = {.host = "mx1.example", .virus_max_running = 2};
	struct alert_virus v = {
		.virus = "Eicar-Test-Signature", .action = "reject", .queue_id = "QV1",
		.recipients = "a@example.net b@example.net", .client_addr = "192.0.2.1",
		.client_name = "client.example", .class_name = "inbound",
	};
	struct alert *a;
	int	ms;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/env", dir);
	snprintf(pwned, sizeof(pwned), "%s/pwned", dir);
	snprintf(sender, sizeof(sender), "x$(touch %s)`touch %s`@example.org", pwned, pwned);
	v.sender = sender;
	snprintf(cmd, sizeof(cmd), "env | grep ^CLAMSHIM_ | sort > %s.tmp && mv %s.tmp %s", out, out, out);
	set.virus_command = cmd;
	a = alert_new(&set, NULL, NULL, NULL);
	alert_virus(a, &v);
	assert_int_equal(wait_file(out, 5000), 0);
	assert_int_equal(wait_idle(a, 5000), 0);
	tu_read_text(out, buf, sizeof(buf));
	snprintf(cmd, sizeof(cmd), "CLAMSHIM_ACTION=reject\nCLAMSHIM_CLASS=inbound\n"
		 "CLAMSHIM_CLIENT_ADDR=192.0.2.1\nCLAMSHIM_CLIENT_NAME=client.example\n"
		 "CLAMSHIM_EVENT=virus\nCLAMSHIM_HOST=mx1.example\nCLAMSHIM_QUEUE_ID=QV1\n"
		 "CLAMSHIM_RECIPIENTS=a@example.net b@example.net\nCLAMSHIM_SENDER=%s\n"
		 "CLAMSHIM_VIRUS=Eicar-Test-Signature\n", sender);
	assert_string_equal(buf, cmd);
	assert_int_not_equal(access(pwned, F_OK), 0);	/* the sender never ran */
	set.virus_command = "sleep 30";
	set.command_timeout_ms = 1500;			/* killed soon: the test ends in seconds */
	alert_configure(a, &set);
	alert_virus(a, &v);
	alert_virus(a, &v);
	alert_virus(a, &v);				/* the third: two run, dropped */
	assert_int_equal(alert_commands_dropped(a), 1);
	assert_int_equal(alert_commands_running(a), 2);
	for (ms = 0; ms < 10000 && alert_commands_running(a) > 0; ms += 20)
		usleep(20000);
	assert_int_equal(alert_commands_running(a), 0);
	alert_virus(NULL, &v);
	alert_virus(a, NULL);
	alert_free(a);
	unlink(out);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_held_order),
		cmocka_unit_test(test_recovered_follows),
		cmocka_unit_test(test_state_machine),
		cmocka_unit_test(test_details),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_runner_env),
		cmocka_unit_test(test_runner_timeout),
		cmocka_unit_test(test_configure),
		cmocka_unit_test(test_runner_clean_start),
		cmocka_unit_test(test_runner_start_fails),
		cmocka_unit_test(test_virus),
	};

	log_set_stderr_only(1);
	log_set(LOG_LEVEL_ERROR, -1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
