/*
 * NAME
 *	test_status - unit tests for the counters and the status file
 * DESCRIPTION
 *	Counters and gauges are set, rendered, written atomically to a temp
 *	directory and parsed back: every value must come back, every metric
 *	DESIGN.md names must be there with HELP and TYPE lines, label values
 *	with quotes, backslashes and newlines must survive. A table of texts
 *	that must parse and texts that are garbled checks the reader, which
 *	check_clamshim relies on to say UNKNOWN rather than guess.
 */
#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "status.h"

/* sample_gauges - gauges with something in every field */
static void sample_gauges(struct status_gauges *g)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->version, sizeof(g->version), "0.1.0");
	snprintf(g->engine, sizeof(g->engine), "1.4.6");
	snprintf(g->signatures, sizeof(g->signatures), "27432");
	g->start_time = 1700000000;
	g->nunits = 3;
	snprintf(g->units[0].scanner, sizeof(g->units[0].scanner), "embedded");
	snprintf(g->units[0].server, sizeof(g->units[0].server), "/var/lib/clamav");
	g->units[0].up = 1;
	snprintf(g->units[1].scanner, sizeof(g->units[1].scanner), "clamd");
	snprintf(g->units[1].server, sizeof(g->units[1].server), "unix:/run/clamav/clamd.ctl");
	g->units[1].up = 0;
	g->units[1].limits = SCAN_LIMITS_UNREPORTED;
	g->units[1].limits_ok = 1;
	snprintf(g->units[2].scanner, sizeof(g->units[2].scanner), "clamd");
	snprintf(g->units[2].server, sizeof(g->units[2].server), "odd \"name\" \\ with\nnewline");
	g->units[2].up = 1;
	g->units[2].limits = SCAN_LIMITS_REPORTED;
	g->scanners_available = 1;
	g->unavailable_seconds = 12.5;
	g->fail_open = 1;
	g->signatures_age_seconds = 7200;
	g->config_warnings = 2;
	g->reloads_ok = 5;
	g->reloads_failed = 1;
	g->alerts[ALERT_ALL_DOWN] = 3;
	g->alerts[ALERT_CONFIG_WARNING] = 1;
	g->interval_seconds = 2.5;
	g->self_check_ok = 1;
}

/* test_round_trip - render, parse, compare */
static void test_round_trip(void **state)
{
	struct status *s = status_new();
	struct status_gauges g;
	struct status_report r;
	char	err[256];
	char   *text;

	(void) state;
	sample_gauges(&g);
	status_set_gauges(s, &g);
	status_count_message(s, SCAN_CLEAN, POLICY_ACCEPT, 0, 0.004);
	status_count_message(s, SCAN_CLEAN, POLICY_ACCEPT, 0, 0.02);
	status_count_message(s, SCAN_INFECTED, POLICY_REJECT, 0, 0.3);
	status_count_message(s, SCAN_UNAVAILABLE, POLICY_TEMPFAIL, 0, 0.001);
	status_count_message(s, SCAN_UNAVAILABLE, POLICY_ACCEPT, 1, 0.001);
	status_count_message(s, SCAN_LIMIT, POLICY_ACCEPT, 0, 100);
	text = status_render(s, 1700000100);
	if (status_parse(text, strlen(text), &r, err, sizeof(err)) != 0)
		fail_msg("parse: %s\n%s", err, text);
	assert_true(r.heartbeat == 1700000100);
	assert_true(r.interval == 2.5);
	assert_non_null(strstr(text, "\nclamshim_self_check_ok 1\n"));
	assert_true(r.start_time == 1700000000);
	assert_string_equal(r.version, "0.1.0");
	assert_string_equal(r.engine, "1.4.6");
	assert_string_equal(r.signatures, "27432");
	assert_int_equal(r.nunits, 3);
	assert_string_equal(r.units[1].scanner, "clamd");
	assert_string_equal(r.units[1].server, "unix:/run/clamav/clamd.ctl");
	assert_int_equal(r.units[1].up, 0);
	assert_int_equal(r.units[0].up, 1);
	assert_string_equal(r.units[2].server, "odd \"name\" \\ with\nnewline");
	assert_int_equal(r.units[0].limits, SCAN_LIMITS_UNKNOWN);	/* embedded: no such line */
	assert_int_equal(r.units[1].limits, SCAN_LIMITS_UNREPORTED);
	assert_int_equal(r.units[1].limits_ok, 1);
	assert_int_equal(r.units[2].limits, SCAN_LIMITS_REPORTED);
	assert_int_equal(r.units[2].limits_ok, 0);
	assert_non_null(strstr(text, "clamshim_clamd_limits_reported{server=\"unix:/run/clamav/clamd.ctl\"} 0\n"));
	assert_non_null(strstr(text, "clamshim_clamd_limits_unreported_ok{server=\"unix:/run/clamav/clamd.ctl\"} 1\n"));
	assert_null(strstr(text, "clamshim_clamd_limits_reported{server=\"/var/lib/clamav\"}"));
	assert_true(r.scanners_available == 1);
	assert_true(r.unavailable_seconds == 12.5);
	assert_int_equal(r.fail_open, 1);
	assert_true(r.signatures_age_seconds == 7200);
	assert_true(r.config_warnings == 2);
	assert_true(r.messages[SCAN_CLEAN] == 2);
	assert_true(r.messages[SCAN_INFECTED] == 1);
	assert_true(r.messages[SCAN_UNAVAILABLE] == 2);
	assert_true(r.messages[SCAN_LIMIT] == 1);
	assert_true(r.messages[SCAN_ERROR] == 0);
	assert_true(r.actions[POLICY_ACCEPT] == 4);
	assert_true(r.actions[POLICY_REJECT] == 1);
	assert_true(r.actions[POLICY_TEMPFAIL] == 1);
	assert_true(r.alerts[ALERT_ALL_DOWN] == 3);
	assert_true(r.alerts[ALERT_CONFIG_WARNING] == 1);
	assert_true(r.scans == 6);
	assert_true(r.scan_seconds > 100.3 && r.scan_seconds < 100.4);
	/* the histogram is cumulative: 5 ms holds 3, 25 ms 4, 0.5 s 5, 60 s 5, +Inf 6 */
	assert_non_null(strstr(text, "clamshim_scan_duration_seconds_bucket{le=\"0.005\"} 3\n"));
	assert_non_null(strstr(text, "clamshim_scan_duration_seconds_bucket{le=\"0.025\"} 4\n"));
	assert_non_null(strstr(text, "clamshim_scan_duration_seconds_bucket{le=\"0.5\"} 5\n"));
	assert_non_null(strstr(text, "clamshim_scan_duration_seconds_bucket{le=\"60\"} 5\n"));
	assert_non_null(strstr(text, "clamshim_scan_duration_seconds_bucket{le=\"+Inf\"} 6\n"));
	assert_non_null(strstr(text, "clamshim_fail_open_messages_total 1\n"));
	assert_non_null(strstr(text, "clamshim_db_reloads_total{result=\"failed\"} 1\n"));
	free(text);
	status_free(s);
}

/* test_every_metric - the names DESIGN.md fixes, each with HELP and TYPE */
static void test_every_metric(void **state)
{
	static const struct {
		const char *name;
		const char *type;
		const char *sample;	/* a line start that must be there */
	} want[] = {
		{"clamshim_info", "gauge", "clamshim_info{version=\""},
		{"clamshim_heartbeat_timestamp_seconds", "gauge", "clamshim_heartbeat_timestamp_seconds 42\n"},
		{"clamshim_scanner_up", "gauge", "clamshim_scanner_up{scanner=\"clamd\",server=\""},
		{"clamshim_unavailable_seconds", "gauge", "clamshim_unavailable_seconds "},
		{"clamshim_fail_open", "gauge", "clamshim_fail_open 0\n"},
		{"clamshim_signatures_age_seconds", "gauge", "clamshim_signatures_age_seconds NaN\n"},
		{"clamshim_messages_total", "counter", "clamshim_messages_total{verdict=\"unavailable\"} 0\n"},
		{"clamshim_actions_total", "counter", "clamshim_actions_total{action=\"quarantine\"} 0\n"},
		{"clamshim_scan_duration_seconds", "histogram", "clamshim_scan_duration_seconds_count 0\n"},
		{"clamshim_alerts_total", "counter", "clamshim_alerts_total{event=\"all-scanners-down\"} 0\n"},
		{"clamshim_alerts_dropped_total", "counter", "clamshim_alerts_dropped_total 3\n"},
		{"clamshim_config_warnings", "gauge", "clamshim_config_warnings 0\n"},
		{"clamshim_db_reloads_total", "counter", "clamshim_db_reloads_total{result=\"ok\"} 0\n"},
		{"clamshim_clamd_limits_reported", "gauge",
		 "clamshim_clamd_limits_reported{server=\"tcp:127.0.0.1:3310\"} NaN\n"},
		{"clamshim_clamd_limits_unreported_ok", "gauge",
		 "clamshim_clamd_limits_unreported_ok{server=\"tcp:127.0.0.1:3310\"} 0\n"},
		{"clamshim_status_interval_seconds", "gauge", "clamshim_status_interval_seconds 10.000\n"},
		{"clamshim_self_check_ok", "gauge", "clamshim_self_check_ok 0\n"},
		{"clamshim_held_messages", "gauge", "clamshim_held_messages 7\n"},
		{"clamshim_held_oldest_seconds", "gauge", "clamshim_held_oldest_seconds 3600.000\n"},
		{"clamshim_released_total", "counter", "clamshim_released_total{result=\"clean\"} 20\n"},
		{"clamshim_released_total", "counter", "clamshim_released_total{result=\"infected\"} 2\n"},
		{"clamshim_released_total", "counter", "clamshim_released_total{result=\"deleted\"} 0\n"},
		{"clamshim_actions_total", "counter", "clamshim_actions_total{action=\"hold\"} 0\n"},
	};
	struct status *s = status_new();
	struct status_gauges g;
	struct status_report r;
	char	line[256], err[256];
	char   *text;
	size_t	i;

	(void) state;
	memset(&g, 0, sizeof(g));
	g.nunits = 1;
	snprintf(g.units[0].scanner, sizeof(g.units[0].scanner), "clamd");
	snprintf(g.units[0].server, sizeof(g.units[0].server), "tcp:127.0.0.1:3310");
	g.signatures_age_seconds = -1;
	g.alerts_dropped = 3;
	g.interval_seconds = 10;
	g.held_messages = 7;
	g.held_oldest_seconds = 3600;
	g.released[HOLD_RESULT_CLEAN] = 20;
	g.released[HOLD_RESULT_INFECTED] = 2;
	status_set_gauges(s, &g);
	text = status_render(s, 42);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(line, sizeof(line), "# HELP %s ", want[i].name);
		if (strstr(text, line) == NULL)
			fail_msg("no HELP line for %s", want[i].name);
		snprintf(line, sizeof(line), "# TYPE %s %s\n", want[i].name, want[i].type);
		if (strstr(text, line) == NULL)
			fail_msg("no \"%s\" line", line);
		if (strstr(text, want[i].sample) == NULL)
			fail_msg("no sample \"%s\"", want[i].sample);
	}
	assert_int_equal(status_parse(text, strlen(text), &r, err, sizeof(err)), 0);
	assert_true(r.signatures_age_seconds != r.signatures_age_seconds);	/* NaN: unknown */
	assert_true(r.interval == 10);
	assert_true(r.held_messages == 7);
	assert_true(r.held_oldest_seconds == 3600);
	assert_true(r.released[HOLD_RESULT_CLEAN] == 20);
	assert_true(r.released[HOLD_RESULT_INFECTED] == 2);
	assert_true(r.released[HOLD_RESULT_DELETED] == 0);
	free(text);
	status_free(s);
}

/* One text for the reader and whether it must parse. */
struct parse_case {
	const char *text;
	int	ok;
	const char *err;	/* part of the error when not */
};

static const struct parse_case parse_cases[] = {
	{"clamshim_heartbeat_timestamp_seconds 10\n", 1, NULL},
	{"# comment\n\nclamshim_heartbeat_timestamp_seconds 10 1700000000000\n", 1, NULL},
	{"clamshim_heartbeat_timestamp_seconds 10\r\nother_metric{a=\"b\"} +Inf\r\n", 1, NULL},
	{"clamshim_heartbeat_timestamp_seconds 1.7e9", 1, NULL},
	{"some_metric 1\n", 0, "no clamshim_heartbeat"},
	{"", 0, "no clamshim_heartbeat"},
	{"clamshim_heartbeat_timestamp_seconds ten\n", 0, "line 1"},
	{"clamshim_heartbeat_timestamp_seconds 10\nclamshim_fail_open{x=\"1 1\n", 0, "line 2"},
	{"clamshim_heartbeat_timestamp_seconds 10\nclamshim_fail_open{x=1} 1\n", 0, "line 2"},
	{"clamshim_heartbeat_timestamp_seconds 10\nclamshim_fail_open 1 junk\n", 0, "line 2"},
	{"clamshim_heartbeat_timestamp_seconds 10\n{a=\"b\"} 1\n", 0, "line 2"},
	{"clamshim_heartbeat_timestamp_seconds10\n", 0, "line 1"},
	{"clamshim_heartbeat_timestamp_seconds 10\nx{a=\"\\q\"} 1\n", 0, "line 2"},
	{"\x7f\x45LF binary\n", 0, "line 1"},
};

/* test_parse_table - good and garbled texts */
static void test_parse_table(void **state)
{
	struct status_report r;
	char	err[256];
	size_t	i;

	(void) state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		int	rc;

		err[0] = 0;
		rc = status_parse(c->text, strlen(c->text), &r, err, sizeof(err));
		if ((rc == 0) != c->ok)
			fail_msg("case %zu: rc %d (%s)", i, rc, err);
		if (!c->ok && strstr(err, c->err) == NULL)
			fail_msg("case %zu: error \"%s\" lacks \"%s\"", i, err, c->err);
	}
}

/* test_parse_bounds - a long line, a NUL byte, a long label */
static void test_parse_bounds(void **state)
{
	struct status_report r;
	char	err[256];
	char   *big = malloc(10000);
	static const char nul[] = "clamshim_heartbeat_timestamp_seconds 10\nx 1\0\n";

	(void) state;
	assert_non_null(big);
	memset(big, 'a', 9999);
	big[9999] = 0;
	assert_int_equal(status_parse(big, strlen(big), &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "longer"));
	assert_int_equal(status_parse(nul, sizeof(nul) - 1, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "NUL"));
	snprintf(big, 10000, "clamshim_heartbeat_timestamp_seconds 1\nx{a=\"%0300d\"} 1\n", 0);
	assert_int_equal(status_parse(big, strlen(big), &r, err, sizeof(err)), -1);
	free(big);
}

/* dir_count - entries in dir other than . and .. */
static int dir_count(const char *dir)
{
	DIR    *d = opendir(dir);
	struct dirent *de;
	int	n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* test_write_file - atomic replace, mode 0644, nothing left behind, errors reported */
static void test_write_file(void **state)
{
	char	dir[] = "/tmp/test_status.XXXXXX", path[PATH_MAX], bad[PATH_MAX], err[512];
	struct status *s = status_new();
	struct status_report r;
	struct stat sb;
	char   *text;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	text = status_render(s, 111);
	assert_int_equal(status_write_file(path, text, err, sizeof(err)), 0);
	free(text);
	text = status_render(s, 222);
	assert_int_equal(status_write_file(path, text, err, sizeof(err)), 0);
	free(text);
	assert_int_equal(dir_count(dir), 1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0644);
	assert_int_equal(status_read_file(path, &r, err, sizeof(err)), 0);
	assert_true(r.heartbeat == 222);

	snprintf(bad, sizeof(bad), "%s/nonexistent/metrics.prom", dir);
	assert_int_equal(status_write_file(bad, "x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nonexistent"));
	assert_int_equal(status_read_file(bad, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));

	unlink(path);
	rmdir(dir);
	status_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_every_metric),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_write_file),
	};

	log_set_stderr_only(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
