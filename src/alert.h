/*
 * NAME
 *	alert 3h - events that must reach a human: state machine and rate limit
 * SUMMARY
 *	alert_new(), alert_configure(), alert_observe(), alert_fail_open(), alert_raise(),
 *	alert_tick(), alert_all_down(), alert_counts(), alert_commands_running(),
 *	alert_real_clock(), alert_virus(),
 *	alert_commands_dropped(), alert_free(), alert_event_name(), alert_event_is_outage()
 * DESCRIPTION
 *	The monitor hands alert_observe() a snapshot of every configured
 *	scanner (struct scan_status) and alert_fail_open() whether fail-open
 *	is in force; the state machine turns changes into events: scanner-down/scanner-up per
 *	unit (clamd server or embedded database), all-scanners-down and
 *	recovered for the chain, fail-open-started/-ended, db-reload-failed
 *	when a reload failure counter grows, db-stale when the signatures
 *	are older than max_db_age, clamd-limits-unreported when a clamd
 *	server is found to answer OK past its limits (once per change; not
 *	for a server clamd.limits_unreported_ok names). config-warning,
 *	self-check-failed (the daemon's own milter socket does not serve)
 *	and held-too-long (the monitor's census of held messages, hold(3h))
 *	are raised directly.
 *
 *	A first load still in progress at start is not an outage until
 *	load_grace_ms has passed.
 *
 *	Each event is logged (LOG_ALERT for outage kinds) and handed to the
 *	sink. Per event kind at most one event per min_interval reaches the
 *	command; repeats inside the window are counted, and the last one is
 *	sent (with the count in CLAMSHIM_REPEATS) when the window ends, so
 *	the final state always reaches a human.
 *
 *	The default sink runs alert.command through a command runner
 *	(runner(3h)): /bin/sh -c COMMAND from the runner's thread, with
 *	CLAMSHIM_EVENT, CLAMSHIM_DETAIL, CLAMSHIM_SCANNER, CLAMSHIM_SERVER,
 *	CLAMSHIM_SINCE, CLAMSHIM_HOST and CLAMSHIM_REPEATS in its environment
 *	only; it is killed after command_timeout_ms and reaped. Nothing here
 *	ever waits for the command. A run that never happened (queue full,
 *	or the command could not be started) is logged and counted
 *	(alert_commands_dropped: clamshim_alerts_dropped_total).
 *
 *	alert_virus() is the virus event, one per infected message: it runs
 *	alert.virus_command through a second runner, at most
 *	virus_max_running at once; one more is dropped, logged and counted
 *	in the same alert_commands_dropped, never queued (alert_virus.c).
 *	CLAMSHIM_HOST is the host setting when given (headers.hostname),
 *	else the host's name.
 *
 *	The clock is injected (struct alert_clock) so that tests drive time.
 */
#ifndef CLAMSHIM_ALERT_H
#define CLAMSHIM_ALERT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "scan.h"

enum alert_event {
	ALERT_SCANNER_DOWN = 0,
	ALERT_SCANNER_UP,
	ALERT_ALL_DOWN,			/* all-scanners-down */
	ALERT_RECOVERED,
	ALERT_FAIL_OPEN_STARTED,
	ALERT_FAIL_OPEN_ENDED,
	ALERT_DB_RELOAD_FAILED,
	ALERT_DB_STALE,
	ALERT_CONFIG_WARNING,
	ALERT_CLAMD_LIMITS_UNREPORTED,	/* a clamd answers OK past its limits (AlertExceedsMax no) */
	ALERT_SELF_CHECK_FAILED,	/* the daemon's own milter socket does not serve (selfcheck(3)) */
	ALERT_HELD_TOO_LONG,		/* a message held during an outage is older than hold.max_age */
	ALERT_EVENT_COUNT
};

#define ALERT_DETAIL_MAX	512
#define ALERT_LOAD_GRACE_MS	(5 * 60 * 1000)	/* default grace for a first load */
#define ALERT_VIRUS_MAX_RUNNING	4		/* default virus_max_running */

/* One event as it reaches the sink. */
struct alert_msg {
	enum alert_event event;
	char	detail[ALERT_DETAIL_MAX];
	char	scanner[16];		/* "embedded", "clamd", or "" */
	char	server[128];		/* the unit (server spec or database), or "" */
	time_t	since;			/* wall clock when the condition began */
	unsigned long repeats;		/* events of this kind suppressed before this one */
};

/* The injected clock: monotonic ms for intervals, wall seconds for CLAMSHIM_SINCE. */
struct alert_clock {
	int64_t	(*mono_ms)(void *ctx);
	time_t	(*wall)(void *ctx);
	void   *ctx;
};

/* alert_real_clock - the real clocks: CLOCK_MONOTONIC ms and time() */
struct alert_clock alert_real_clock(void);

/* Where an event goes after logging; NULL = the command runner. */
typedef void alert_sink_fn(void *ctx, const struct alert_msg *m);

struct alert_settings {
	const char *command;		/* "" or NULL = none */
	int64_t	min_interval_ms;
	int64_t	command_timeout_ms;	/* 0 = RUNNER_TIMEOUT_MS (60 s) */
	int64_t	load_grace_ms;		/* 0 = ALERT_LOAD_GRACE_MS; <0 = no grace */
	int64_t	max_db_age_ms;		/* 0 = no db-stale check */
	const char *host;		/* CLAMSHIM_HOST; NULL or "" = gethostname() */
	const char *virus_command;	/* alert.virus_command; "" or NULL = none */
	unsigned virus_max_running;	/* its commands at once; 0 = ALERT_VIRUS_MAX_RUNNING */
	const char *shell;		/* NULL = RUNNER_SHELL (/bin/sh); only tests set another */
};

/* One scanner of the chain as the monitor saw it. */
struct alert_scanner {
	const char *name;		/* "embedded", "clamd" */
	const struct scan_status *st;
};

struct alert_observation {
	const struct alert_scanner *scanners;
	size_t	nscanners;
};

/* One infected message, for alert.virus_command; NULL values are "". */
struct alert_virus {
	const char *virus;		/* the signature's name */
	const char *action;		/* what was done: reject, discard, quarantine, accept */
	const char *queue_id;
	const char *sender;		/* without <>; "" = the null sender */
	const char *recipients;		/* space separated */
	const char *client_addr;
	const char *client_name;
	const char *class_name;		/* the class the message matched; "" = none */
};

struct alert;

/* alert_new - an alert machine; clock and sink may be NULL (real clock, command runner) */
struct alert *alert_new(const struct alert_settings *set, const struct alert_clock *clock,
			alert_sink_fn *sink, void *sink_ctx);
/* alert_configure - new settings (SIGHUP); state and windows are kept */
void	alert_configure(struct alert *a, const struct alert_settings *set);
/* alert_observe - compare with the last snapshot and raise what changed */
void	alert_observe(struct alert *a, const struct alert_observation *obs);
/* alert_fail_open - on: the policy accepts unscanned mail now; raises started/ended on change */
void	alert_fail_open(struct alert *a, int on, int64_t unavailable_ms);
/* alert_raise - raise one event directly (config-warning, ...) */
void	alert_raise(struct alert *a, enum alert_event ev, const char *scanner,
		    const char *server, time_t since, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* alert_tick - send what was held back when a window has ended; call often */
void	alert_tick(struct alert *a);
/* alert_all_down - 1 when all-scanners-down is in force (after the grace) */
int	alert_all_down(struct alert *a);
/* alert_counts - events raised per kind (sent or held back) since start */
void	alert_counts(struct alert *a, unsigned long out[ALERT_EVENT_COUNT]);
/* alert_commands_running - commands started and not yet reaped (tests) */
unsigned alert_commands_running(struct alert *a);
/* alert_virus - alert.virus_command for one infected message, if set; never waits */
void	alert_virus(struct alert *a, const struct alert_virus *v);
/* alert_commands_dropped - command runs that never ran: queue full, virus_max_running
   reached, or the start failed (both commands) */
unsigned long alert_commands_dropped(struct alert *a);
/* alert_free - stop the runner (commands still running are left to finish) */
void	alert_free(struct alert *a);

/* alert_event_name - "scanner-down", ...; "unknown" out of range */
const char *alert_event_name(enum alert_event ev);
/* alert_event_is_outage - 1 for the kinds logged at LOG_ALERT */
int	alert_event_is_outage(enum alert_event ev);

#endif
