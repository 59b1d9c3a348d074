/*
 * NAME
 *	test_check - unit tests for check_clamshim's rules
 * DESCRIPTION
 *	Table-driven: each row is a status file (as text, parsed with
 *	status_parse() as the plugin does), thresholds (-b among them, or
 *	none: the file's status interval decides) and a clock, with the
 *	state and a part of the text the plugin must print. Probe verdicts
 *	get their own table: decisions, replies and headers the daemon could
 *	give, against each expected infected action.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "check.h"
#include "log.h"
#include "status.h"

#define NOW	1700000000
#define DAY	86400000LL

/* One status file case. */
struct st_case {
	const char *name;
	const char *text;		/* status file body after the heartbeat line */
	long	hb_age;			/* heartbeat = NOW - hb_age; HB_IN_TEXT: text has it */
	int64_t	warn_ms, crit_ms;
	enum check_state want;
	const char *want_text;		/* in the status line */
};

#define UP1	"clamshim_scanner_up{scanner=\"clamd\",server=\"unix:/c.ctl\"} 1\n" \
		"clamshim_scanners_available 1\n"
#define DOWN1	"clamshim_scanner_up{scanner=\"clamd\",server=\"unix:/c.ctl\"} 0\n" \
		"clamshim_scanners_available 0\nclamshim_unavailable_seconds 125\n"
#define HALF	"clamshim_scanner_up{scanner=\"clamd\",server=\"unix:/a\"} 1\n" \
		"clamshim_scanner_up{scanner=\"clamd\",server=\"unix:/b\"} 0\n" \
		"clamshim_scanners_available 1\n"
#define AGE(s)	"clamshim_signatures_age_seconds " s "\n"
#define FINE	"clamshim_fail_open 0\nclamshim_config_warnings 0\n"
#define HELD(n, s) "clamshim_held_messages " n "\nclamshim_held_oldest_seconds " s "\n"
#define HB_IN_TEXT LONG_MIN
#define HB(v)	"clamshim_heartbeat_timestamp_seconds " v "\n"
#define IV(v)	"clamshim_status_interval_seconds " v "\n"
#define LIMITS(r, ok) "clamshim_clamd_limits_reported{server=\"unix:/c.ctl\"} " r "\n" \
		"clamshim_clamd_limits_unreported_ok{server=\"unix:/c.ctl\"} " ok "\n"

static const struct st_case st_cases[] = {
	{"healthy", UP1 FINE AGE("3600"), 5, 2 * DAY, 7 * DAY, CHECK_OK, "1 scanner unit up"},
	{"healthy, perfdata", UP1 FINE AGE("3600"), 5, 2 * DAY, 7 * DAY, CHECK_OK,
	 "| heartbeat_age=5s;;60;0 scanners_available=1;;1:;0"},
	{"age unknown is fine", UP1 FINE AGE("NaN"), 5, 2 * DAY, 7 * DAY, CHECK_OK, "scanner unit up"},
	{"stale heartbeat", UP1 FINE, 61, 2 * DAY, 7 * DAY, CHECK_CRITICAL,
	 "no heartbeat for 1m1s (bound 1m0s, default)"},
	{"heartbeat at the bound", UP1 FINE, 60, 2 * DAY, 7 * DAY, CHECK_OK, "up"},
	{"stale beats all else", DOWN1 FINE, 600, 0, 0, CHECK_CRITICAL, "CRITICAL - no heartbeat for "
	 "10m0s (bound 1m0s, default): clamshim stopped, hung, or its milter socket does not answer |"},
	{"no scanner", DOWN1 FINE, 1, 0, 0, CHECK_CRITICAL,
	 "no scanner available (clamd unix:/c.ctl down) for 2m5s"},
	{"no units, none available", "clamshim_scanners_available 0\n" FINE, 1, 0, 0, CHECK_CRITICAL,
	 "no scanner available"},
	{"one of two servers down", HALF FINE, 1, 0, 0, CHECK_WARNING, "WARNING - clamd unix:/b down"},
	{"fail-open", DOWN1 "clamshim_fail_open 1\n", 1, 0, 0, CHECK_CRITICAL,
	 "fail-open: unscanned mail is being accepted"},
	{"signatures warn", UP1 FINE AGE("180000"), 1, 2 * DAY, 7 * DAY, CHECK_WARNING,
	 "WARNING - signatures 2d2h old"},
	{"signatures crit", UP1 FINE AGE("700000"), 1, 2 * DAY, 7 * DAY, CHECK_CRITICAL,
	 "CRITICAL - signatures 8d2h old"},
	{"signatures warn off", UP1 FINE AGE("180000"), 1, 0, 7 * DAY, CHECK_OK, "up"},
	{"signatures perfdata", UP1 FINE AGE("100"), 1, 2 * DAY, 7 * DAY, CHECK_OK,
	 "signatures_age=100s;172800;604800;0"},
	{"config warnings", UP1 "clamshim_fail_open 0\nclamshim_config_warnings 2\n", 1, 0, 0,
	 CHECK_WARNING, "WARNING - 2 configuration warnings (clamshim -t)"},
	{"worst wins", DOWN1 "clamshim_config_warnings 1\n", 1, 0, 0, CHECK_CRITICAL,
	 "CRITICAL - no scanner available (clamd unix:/c.ctl down) for 2m5s, 1 configuration warning"},
	/* a heartbeat that cannot be judged must not look fresh */
	{"heartbeat NaN", HB("NaN") UP1 FINE, HB_IN_TEXT, 0, 0, CHECK_CRITICAL,
	 "CRITICAL - heartbeat nan is not a time (status file damaged or not clamshim's) | "
	 "heartbeat_age=U;;60;0"},
	{"heartbeat +Inf", HB("+Inf") UP1 FINE, HB_IN_TEXT, 0, 0, CHECK_CRITICAL,
	 "heartbeat inf is not a time"},
	{"heartbeat -Inf", HB("-Inf") UP1 FINE, HB_IN_TEXT, 0, 0, CHECK_CRITICAL,
	 "heartbeat nan is not a time"},
	{"heartbeat negative", HB("-5") UP1 FINE, HB_IN_TEXT, 0, 0, CHECK_CRITICAL, "is not a time"},
	{"heartbeat far future", HB("1e300") DOWN1 FINE, HB_IN_TEXT, 0, 0, CHECK_CRITICAL,
	 "CRITICAL - heartbeat is in the future by "},
	{"heartbeat 61 s ahead", UP1 FINE, -61, 0, 0, CHECK_CRITICAL,
	 "CRITICAL - heartbeat is in the future by 1m1s (clock stepped back, or the file is not "
	 "clamshim's) | heartbeat_age=0s"},
	{"heartbeat ahead beats all else", DOWN1 FINE, -3600, 0, 0, CHECK_CRITICAL,
	 "CRITICAL - heartbeat is in the future by 1h0m (clock stepped back, or the file is not "
	 "clamshim's) |"},
	{"heartbeat 60 s ahead: clock skew", UP1 FINE, -60, 0, 0, CHECK_OK, "1 scanner unit up"},
	{"limits reported", UP1 FINE LIMITS("1", "0"), 1, 0, 0, CHECK_OK, "1 scanner unit up"},
	{"limits not known yet", UP1 FINE LIMITS("NaN", "0"), 1, 0, 0, CHECK_OK, "1 scanner unit up"},
	{"limits not reported", UP1 FINE LIMITS("0", "0"), 1, 0, 0, CHECK_WARNING,
	 "WARNING - clamd unix:/c.ctl does not report its limits (AlertExceedsMax no)"},
	{"limits not reported, risk accepted", UP1 FINE LIMITS("0", "1"), 1, 0, 0, CHECK_OK, "up"},
	{"limits line of an unknown server", UP1 FINE
	 "clamshim_clamd_limits_reported{server=\"unix:/other\"} 0\n", 1, 0, 0, CHECK_OK, "up"},
	/* held messages: WARNING past -H (1h here) */
	{"none held", UP1 FINE HELD("0", "0"), 1, 0, 0, CHECK_OK, "held=0;;;0 held_oldest=0s;3600;;0"},
	{"held, younger than -H", UP1 FINE HELD("3", "600"), 1, 0, 0, CHECK_OK,
	 "3 held (oldest 10m0s)"},
	{"held at -H", UP1 FINE HELD("3", "3600"), 1, 0, 0, CHECK_OK, "3 held (oldest 1h0m)"},
	{"held longer than -H", UP1 FINE HELD("2", "7200"), 1, 0, 0, CHECK_WARNING,
	 "WARNING - 2 messages held since an outage, the oldest for 2h0m (clamshim-release --list) "
	 "| heartbeat_age=1s;;60;0"},
	{"held perfdata", UP1 FINE HELD("1", "7201"), 1, 0, 0, CHECK_WARNING,
	 "1 message held since an outage, the oldest for 2h0m"},
	{"held perfdata values", UP1 FINE HELD("2", "7200"), 1, 0, 0, CHECK_WARNING,
	 "held=2;;;0 held_oldest=7200s;3600;;0"},
};

/* One heartbeat bound case: the file's interval (in text), -b or none, an age. */
struct hb_case {
	const char *name;
	const char *text;
	long	hb_age;
	int64_t	hb_ms;			/* -b; 0: not given (the file's interval, else 60 s) */
	enum check_state want;
	const char *want_text;
};

/* the heartbeat bound: -b, else three of the file's status intervals, else 60 s */
static const struct hb_case hb_cases[] = {
	{"no interval: 60 s default", UP1 FINE, 60, 0, CHECK_OK,
	 "heartbeat bound 1m0s (default) | heartbeat_age=60s;;60;0"},
	{"interval 10s: bound 30s", UP1 FINE IV("10.000"), 30, 0, CHECK_OK,
	 "heartbeat bound 30s (3 x status.interval) | heartbeat_age=30s;;30;0"},
	{"interval 10s: 31s is stale", UP1 FINE IV("10.000"), 31, 0, CHECK_CRITICAL,
	 "CRITICAL - no heartbeat for 31s (bound 30s, 3 x status.interval): clamshim stopped, "
	 "hung, or its milter socket does not answer | heartbeat_age=31s;;30;0"},
	{"interval 1s: 4s is stale", UP1 FINE IV("1"), 4, 0, CHECK_CRITICAL,
	 "no heartbeat for 4s (bound 3s, 3 x status.interval)"},
	{"interval 1s: 3s is not", UP1 FINE IV("1"), 3, 0, CHECK_OK, "heartbeat_age=3s;;3;0"},
	{"interval 500ms: bound 1.5s", UP1 FINE IV("0.5"), 1, 0, CHECK_OK,
	 "heartbeat_age=1s;;1.500;0"},
	{"interval 5m: bound 15m", UP1 FINE IV("300"), 600, 0, CHECK_OK,
	 "heartbeat bound 15m0s (3 x status.interval)"},
	{"-b wins over the interval (longer)", UP1 FINE IV("10"), 45, 60000, CHECK_OK,
	 "heartbeat bound 1m0s (-b) | heartbeat_age=45s;;60;0"},
	{"-b wins over the interval (shorter)", UP1 FINE IV("10"), 11, 10000, CHECK_CRITICAL,
	 "no heartbeat for 11s (bound 10s, -b)"},
	{"-b without an interval", UP1 FINE, 20, 15000, CHECK_CRITICAL, "(bound 15s, -b)"},
	{"interval NaN: default", UP1 FINE IV("NaN"), 61, 0, CHECK_CRITICAL, "(bound 1m0s, default)"},
	{"interval 0: default", UP1 FINE IV("0"), 45, 0, CHECK_OK, "heartbeat bound 1m0s (default)"},
	{"interval negative: default", UP1 FINE IV("-10"), 45, 0, CHECK_OK, "(default)"},
	{"interval +Inf: default", UP1 FINE IV("+Inf"), 45, 0, CHECK_OK, "(default)"},
	{"interval absurd: default", UP1 FINE IV("1e300"), 45, 0, CHECK_OK, "(default)"},
	{"stale with an interval beats all else", DOWN1 FINE IV("1"), 10, 0, CHECK_CRITICAL,
	 "CRITICAL - no heartbeat for 10s (bound 3s, 3 x status.interval): clamshim stopped, hung, "
	 "or its milter socket does not answer |"},
};

/* st_run - one status file case: parse as the plugin does, judge, compare */
static void st_run(const char *name, const char *body, long hb_age, const struct check_limits *lim,
		   enum check_state want, const char *want_text)
{
	struct check_result cr;
	struct status_report r;
	char	text[2048], err[256], out[4096];

	if (hb_age == HB_IN_TEXT)
		snprintf(text, sizeof(text), "%s", body);
	else
		snprintf(text, sizeof(text), "clamshim_heartbeat_timestamp_seconds %ld\n%s",
			 (long) NOW - hb_age, body);
	if (status_parse(text, strlen(text), &r, err, sizeof(err)) < 0)
		fail_msg("%s: parse: %s", name, err);
	check_init(&cr);
	check_status(&cr, &r, lim, NOW);
	check_format(&cr, 0, out, sizeof(out));
	if (cr.state != want)
		fail_msg("%s: state %s, wanted %s: %s", name, check_state_name(cr.state),
			 check_state_name(want), out);
	if (strstr(out, want_text) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", name, out, want_text);
	if (strchr(out, '\n') != NULL)
		fail_msg("%s: more than one line: %s", name, out);
}

/* test_status_rules - every row of st_cases (no -b, no interval in the file: 60 s) */
static void test_status_rules(void **state)
{
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(st_cases) / sizeof(st_cases[0]); i++) {
		const struct st_case *c = &st_cases[i];
		struct check_limits lim = {
			.heartbeat_max_ms = CHECK_HEARTBEAT_MS,
			.sig_warn_ms = c->warn_ms,
			.sig_crit_ms = c->crit_ms,
			.held_warn_ms = 3600 * 1000,
		};

		st_run(c->name, c->text, c->hb_age, &lim, c->want, c->want_text);
	}
}

/* test_heartbeat_bound - every row of hb_cases */
static void test_heartbeat_bound(void **state)
{
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(hb_cases) / sizeof(hb_cases[0]); i++) {
		const struct hb_case *c = &hb_cases[i];
		struct check_limits lim = {
			.heartbeat_max_ms = c->hb_ms ? c->hb_ms : CHECK_HEARTBEAT_MS,
			.heartbeat_set = c->hb_ms != 0,
		};

		st_run(c->name, c->text, c->hb_age, &lim, c->want, c->want_text);
	}
}

/* One probe case. */
struct pr_case {
	const char *name;
	int	infected;
	enum check_expect expect;
	enum mt_decision decision;
	const char *reply;
	const char *status_hdr;		/* X-Virus-Status added, or NULL */
	int	quarantined;
	enum check_state want;
	const char *want_text;
};

static const struct pr_case pr_cases[] = {
	{"clean accepted", 0, CHECK_EXPECT_REJECT, MT_ACCEPT, "", "Clean", 0, CHECK_OK, ""},
	{"clean accepted, no header", 0, CHECK_EXPECT_REJECT, MT_ACCEPT, "", NULL, 0, CHECK_OK, ""},
	{"clean tempfailed", 0, CHECK_EXPECT_REJECT, MT_TEMPFAIL,
	 "451 4.7.1 Virus scanner unavailable, try again later", NULL, 0, CHECK_CRITICAL,
	 "clean probe: tempfail at eom (451 4.7.1"},
	{"clean unscanned", 0, CHECK_EXPECT_REJECT, MT_ACCEPT, "", "Unscanned (fail-open)", 0,
	 CHECK_CRITICAL, "X-Virus-Status: Unscanned"},
	{"eicar rejected", 1, CHECK_EXPECT_REJECT, MT_REJECT,
	 "550 5.7.1 Virus found: Eicar-Test-Signature", NULL, 0, CHECK_OK, ""},
	{"eicar tagged, reject wanted", 1, CHECK_EXPECT_REJECT, MT_ACCEPT, "",
	 "Infected (Eicar-Test-Signature)", 0, CHECK_CRITICAL, "EICAR probe: accept at eom"},
	{"eicar unscanned", 1, CHECK_EXPECT_REJECT, MT_ACCEPT, "", "Unscanned (no scanner)", 0,
	 CHECK_CRITICAL, "expected reject"},
	{"eicar tempfailed", 1, CHECK_EXPECT_REJECT, MT_TEMPFAIL, "451 4.7.1 x", NULL, 0,
	 CHECK_CRITICAL, "tempfail"},
	{"eicar tagged", 1, CHECK_EXPECT_TAG, MT_ACCEPT, "", "Infected (Eicar-Test-Signature)", 0,
	 CHECK_OK, ""},
	{"eicar discarded", 1, CHECK_EXPECT_DISCARD, MT_DISCARD, "", NULL, 0, CHECK_OK, ""},
	{"eicar quarantined", 1, CHECK_EXPECT_QUARANTINE, MT_ACCEPT, "", "Infected (x)", 1, CHECK_OK, ""},
	{"eicar not quarantined", 1, CHECK_EXPECT_QUARANTINE, MT_ACCEPT, "", "Infected (x)", 0,
	 CHECK_CRITICAL, "expected quarantine"},
};

/* test_probe_rules - every row of pr_cases */
static void test_probe_rules(void **state)
{
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(pr_cases) / sizeof(pr_cases[0]); i++) {
		const struct pr_case *c = &pr_cases[i];
		struct check_result cr;
		struct mt_result r;
		char	out[4096];

		memset(&r, 0, sizeof(r));
		r.decision = c->decision;
		r.stage = "eom";
		snprintf(r.reply, sizeof(r.reply), "%s", c->reply);
		r.quarantined = c->quarantined;
		if (c->status_hdr) {
			r.nchanges = 2;
			r.changes[0].op = 'h';
			snprintf(r.changes[0].name, sizeof(r.changes[0].name), "X-Virus-Scanned");
			snprintf(r.changes[0].value, sizeof(r.changes[0].value), "clamshim");
			r.changes[1].op = 'h';
			snprintf(r.changes[1].name, sizeof(r.changes[1].name), "X-Virus-Status");
			snprintf(r.changes[1].value, sizeof(r.changes[1].value), "%s", c->status_hdr);
		}
		check_init(&cr);
		check_probe_verdict(&cr, c->infected, c->expect, &r);
		check_format(&cr, 0, out, sizeof(out));
		if (cr.state != c->want)
			fail_msg("%s: state %s: %s", c->name, check_state_name(cr.state), out);
		if (strstr(out, c->want_text) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", c->name, out, c->want_text);
	}
}

/* test_state_order - UNKNOWN does not hide CRITICAL; WARNING does not lower anything */
static void test_state_order(void **state)
{
	struct check_result cr;

	(void) state;
	check_init(&cr);
	check_add(&cr, CHECK_WARNING, "w");
	assert_int_equal(cr.state, CHECK_WARNING);
	check_add(&cr, CHECK_UNKNOWN, "u");
	assert_int_equal(cr.state, CHECK_UNKNOWN);
	check_add(&cr, CHECK_CRITICAL, "c");
	assert_int_equal(cr.state, CHECK_CRITICAL);
	check_add(&cr, CHECK_UNKNOWN, "u2");
	check_add(&cr, CHECK_WARNING, "w2");
	assert_int_equal(cr.state, CHECK_CRITICAL);
	assert_string_equal(cr.problems, "w, u, c, u2, w2");
	assert_int_equal(check_expect_from_name("TAG"), CHECK_EXPECT_TAG);
	assert_int_equal(check_expect_from_name("accept"), -1);
}

/* test_human_age - the durations in texts */
static void test_human_age(void **state)
{
	static const struct {
		double	s;
		const char *want;
	} t[] = {{0, "0s"}, {59, "59s"}, {61, "1m1s"}, {3600, "1h0m"}, {90061, "1d1h"}, {-5, "0s"}};
	char	buf[32];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		check_human_age(t[i].s, buf, sizeof(buf));
		assert_string_equal(buf, t[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_rules),
		cmocka_unit_test(test_heartbeat_bound),
		cmocka_unit_test(test_probe_rules),
		cmocka_unit_test(test_state_order),
		cmocka_unit_test(test_human_age),
	};

	log_set_stderr_only(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
