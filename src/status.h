/*
 * NAME
 *	status 3h - counters and the status file (Prometheus text exposition)
 * SUMMARY
 *	status_new(), status_count_message(), status_set_gauges(),
 *	status_render(), status_write_file(), status_parse(),
 *	status_read_file(), status_free()
 * DESCRIPTION
 *	The daemon counts every decided message here (a short lock), the
 *	monitor sets the gauges, and status_render() turns both into the
 *	text node_exporter's textfile collector and check_clamshim read:
 *
 *	clamshim_info{version,engine,signatures} 1
 *	clamshim_heartbeat_timestamp_seconds, clamshim_start_time_seconds,
 *	clamshim_status_interval_seconds, clamshim_self_check_ok
 *	clamshim_scanner_up{scanner,server}
 *	clamshim_clamd_limits_reported{server} (1, 0, NaN not known yet),
 *	clamshim_clamd_limits_unreported_ok{server}
 *	clamshim_scanners_available, clamshim_unavailable_seconds,
 *	clamshim_fail_open, clamshim_signatures_age_seconds (NaN unknown)
 *	clamshim_messages_total{verdict}, clamshim_actions_total{action},
 *	clamshim_fail_open_messages_total,
 *	clamshim_scan_duration_seconds (histogram),
 *	clamshim_alerts_total{event}, clamshim_alerts_dropped_total,
 *	clamshim_config_warnings,
 *	clamshim_db_reloads_total{result}
 *	clamshim_held_messages, clamshim_held_oldest_seconds,
 *	clamshim_released_total{result} (hold(3h))
 *
 *	status_write_file() replaces the file atomically: a temp file in the
 *	same directory, fsync, rename. status_parse() reads the text back
 *	(check_clamshim and the tests use it; status_read.c); a line it
 *	cannot read makes the whole file garbled.
 */
#ifndef CLAMSHIM_STATUS_H
#define CLAMSHIM_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "alert.h"
#include "hold.h"
#include "policy.h"
#include "scan.h"

#define STATUS_UNITS_MAX	64
#define STATUS_FILE_MAX		(1024 * 1024)	/* a status file larger than this is garbled */
#define STATUS_LABEL_MAX	256	/* a label value, escaped, NUL included */

/* One scanner unit (clamd server or embedded database) and whether it is up. */
struct status_unit {
	char	scanner[16];
	char	server[128];
	int	up;
	enum scan_limits limits;	/* clamd: whether it reports its limits */
	int	limits_ok;		/* clamd: clamd.limits_unreported_ok names it */
};

/* What the monitor knows; set as a whole. */
struct status_gauges {
	char	version[32];		/* clamshim's */
	char	engine[SCAN_ENGINE_MAX];	/* libclamav engine version, "" unknown */
	char	signatures[32];		/* signature version, "" unknown */
	time_t	start_time;
	size_t	nunits;
	struct status_unit units[STATUS_UNITS_MAX];
	unsigned scanners_available;	/* configured scanners that can scan */
	double	unavailable_seconds;	/* how long no scanner has worked */
	int	fail_open;		/* unscanned mail is accepted right now */
	double	signatures_age_seconds;	/* < 0 unknown */
	unsigned config_warnings;
	unsigned long reloads_ok;
	unsigned long reloads_failed;
	unsigned long alerts[ALERT_EVENT_COUNT];
	unsigned long alerts_dropped;	/* alert and virus command runs that never ran */
	double	interval_seconds;	/* status.interval in force: how often the file is written */
	int	self_check_ok;		/* the last self-check through the milter socket passed */
	unsigned long held_messages;	/* the last census of hold.dir */
	double	held_oldest_seconds;	/* age of the oldest held message; 0 none */
	unsigned long released[HOLD_RESULT_COUNT];	/* clamshim-release's results, since start */
};

/* What status_parse() reads back. */
struct status_report {
	double	heartbeat;		/* unix seconds; < 0 missing; NaN there but negative or NaN */
	double	start_time;
	char	version[32];
	char	engine[SCAN_ENGINE_MAX];
	char	signatures[32];
	size_t	nunits;
	struct status_unit units[STATUS_UNITS_MAX];
	double	scanners_available;	/* -1 missing */
	double	unavailable_seconds;
	int	fail_open;		/* -1 missing */
	double	signatures_age_seconds;	/* < 0 or NaN: unknown */
	double	config_warnings;	/* -1 missing */
	double	messages[SCAN_RESULT_COUNT];
	double	actions[POLICY_ACTION_COUNT];
	double	alerts[ALERT_EVENT_COUNT];
	double	scans;			/* clamshim_scan_duration_seconds_count */
	double	scan_seconds;		/* ..._sum */
	double	interval;		/* clamshim_status_interval_seconds; -1 missing */
	double	held_messages;		/* clamshim_held_messages; -1 missing */
	double	held_oldest_seconds;	/* clamshim_held_oldest_seconds; -1 missing */
	double	released[HOLD_RESULT_COUNT];
};

struct status;

/* status_new - zeroed counters; never NULL */
struct status *status_new(void);
/* status_count_message - one decided message */
void	status_count_message(struct status *s, enum scan_result verdict,
			     enum policy_action action, int fail_open, double seconds);
/* status_set_gauges - replace the gauges */
void	status_set_gauges(struct status *s, const struct status_gauges *g);
/* status_render - the exposition text with this heartbeat (unix time); malloc'd, never NULL */
char   *status_render(struct status *s, time_t heartbeat);
/* status_write_file - replace path with text atomically; 0 ok, -1 err filled */
int	status_write_file(const char *path, const char *text, char *err, size_t errlen);
/* status_free - free; NULL is fine */
void	status_free(struct status *s);

/* status_parse - read exposition text back; 0 ok, -1 garbled (err says where) */
int	status_parse(const char *text, size_t len, struct status_report *r,
		     char *err, size_t errlen);
/* status_read_file - read and parse path; 0 ok, -1 unreadable or garbled */
int	status_read_file(const char *path, struct status_report *r, char *err, size_t errlen);

#endif
