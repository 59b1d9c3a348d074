/*
 * NAME
 *	check 3h - the rules of check_clamshim, as functions
 * SUMMARY
 *	check_init(), check_add(), check_status(), check_probe_verdict(),
 *	check_format(), check_state_name()
 * DESCRIPTION
 *	check_status() applies the rules to a parsed status file: heartbeat
 *	older than the bound (-b; without it CHECK_HEARTBEAT_INTERVALS times
 *	the status interval the file states, else CHECK_HEARTBEAT_MS), no
 *	scanner available, fail-open in force are
 *	CRITICAL; signatures older than the warning/critical age are WARNING/
 *	CRITICAL; a scanner unit down while others work, configuration
 *	warnings, and a clamd server that does not report its limits (unless
 *	clamd.limits_unreported_ok names it) are WARNING. check_probe_verdict() judges the decisions
 *	the live daemon gave the probe messages. The worst state wins; the
 *	result prints as one Monitoring Plugins line with perfdata.
 */
#ifndef CLAMSHIM_CHECK_H
#define CLAMSHIM_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mtclient.h"
#include "status.h"

enum check_state {
	CHECK_OK = 0,
	CHECK_WARNING = 1,
	CHECK_CRITICAL = 2,
	CHECK_UNKNOWN = 3
};

#define CHECK_TEXT_MAX	1024

#define CHECK_HEARTBEAT_MS	60000	/* the bound when -b is not given and the file has no interval */
#define CHECK_HEARTBEAT_INTERVALS 3	/* else this many of the file's status intervals */

struct check_limits {
	int64_t	heartbeat_max_ms;	/* older heartbeat: CRITICAL (see heartbeat_set) */
	int	heartbeat_set;		/* 1: -b gave heartbeat_max_ms; 0: it is only the default */
	int64_t	sig_warn_ms;		/* 0 = not checked */
	int64_t	sig_crit_ms;		/* 0 = not checked */
	int64_t	held_warn_ms;		/* a message held longer: WARNING; 0 = not checked */
};

struct check_result {
	enum check_state state;
	char	problems[CHECK_TEXT_MAX];	/* "no scanner available, ..." */
	char	summary[CHECK_TEXT_MAX];	/* what is fine, when nothing is wrong */
	char	perf[CHECK_TEXT_MAX];
	char	detail[CHECK_TEXT_MAX * 2];	/* -v lines */
};

/* What the probe expects of the infected message. */
enum check_expect {
	CHECK_EXPECT_REJECT = 0,
	CHECK_EXPECT_DISCARD,
	CHECK_EXPECT_QUARANTINE,
	CHECK_EXPECT_TAG,
	CHECK_EXPECT_COUNT
};

/* check_init - an empty OK result */
void	check_init(struct check_result *cr);
/* check_add - worsen the state to at least st and add a problem text */
void	check_add(struct check_result *cr, enum check_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* check_status - apply the status file rules */
void	check_status(struct check_result *cr, const struct status_report *r,
		     const struct check_limits *lim, double now);
/* check_heartbeat_bound - check_status()'s bound in ms; how: "-b", "3 x status.interval", "default" */
int64_t	check_heartbeat_bound(const struct check_limits *lim, const struct status_report *r,
			      const char **how);
/* check_probe_verdict - judge one probe message; infected: which expectation applies */
void	check_probe_verdict(struct check_result *cr, int infected, enum check_expect expect,
			    const struct mt_result *r);
/* check_format - "CLAMSHIM STATE - text | perfdata" (and the -v lines when verbose) */
void	check_format(const struct check_result *cr, int verbose, char *buf, size_t len);
/* check_state_name - "OK", "WARNING", "CRITICAL", "UNKNOWN" */
const char *check_state_name(enum check_state st);
/* check_expect_from_name - "reject", "discard", "quarantine", "tag"; -1 unknown */
int	check_expect_from_name(const char *name);
/* check_human_age - "3d4h", "5m10s", "42s" */
void	check_human_age(double seconds, char *buf, size_t len);

#endif
