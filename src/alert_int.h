/*
 * NAME
 *	alert_int 3h - what the parts of the alert module share
 * SYNOPSIS
 *	#include "alert_int.h"
 * DESCRIPTION
 *	The alert machine (struct alert) with its remembered state and its
 *	rate-limit windows, for alert.c (life cycle, settings, counters),
 *	alert_state.c (snapshots to events) and alert_rate.c (rate limit and
 *	the command runner). Nothing outside src/alert*.c includes this.
 */
#ifndef CLAMSHIM_ALERT_INT_H
#define CLAMSHIM_ALERT_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <time.h>

#include "alert.h"
#include "runner.h"

#define ALERT_UNITS_MAX		64	/* units remembered across all scanners */
#define ALERT_SCANNERS_MAX	8	/* scanner kinds remembered */

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

/* One alert machine: settings, the state machine's memory, the rate limiter. */
struct alert {
	pthread_mutex_t mu;
	struct alert_clock clock;
	alert_sink_fn *sink;
	void   *sink_ctx;
	struct runner *runner;		/* the default sink; NULL with a sink, or when it failed */
	struct runner *virus_runner;	/* alert.virus_command; NULL when it failed */

	/* settings */
	char   *command;
	char   *virus_command;		/* "" = none */
	int64_t	min_interval_ms;
	int64_t	load_grace_ms;
	int64_t	max_db_age_ms;
	char	host[256];

	/* state machine */
	int64_t	start_ms;
	struct alert_unit units[ALERT_UNITS_MAX];
	size_t	nunits;
	struct alert_kind kinds[ALERT_SCANNERS_MAX];
	size_t	nkinds;
	int	all_down;		/* written under mu; read by alert_all_down() atomically */
	time_t	all_down_since;
	int	fail_open;
	time_t	fail_open_since;

	/* rate limiter */
	struct alert_window win[ALERT_EVENT_COUNT];
	unsigned long counts[ALERT_EVENT_COUNT];
};

/* alert_now - the injected monotonic clock in ms */
int64_t	alert_now(struct alert *a);
/* alert_wall - the injected wall clock */
time_t	alert_wall(struct alert *a);
/* alert_copy - bounded copy that always terminates (NULL copies as "") */
void	alert_copy(char *dst, size_t len, const char *src);
/* alert_make - fill an event (printf detail), count, log and rate-limit it (lock held) */
void	alert_make(struct alert *a, enum alert_event ev, const char *scanner,
		   const char *server, time_t since, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

#endif
