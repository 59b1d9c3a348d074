/*
 * NAME
 *	runner 3h - run a shell command in the background, with a time limit
 * SUMMARY
 *	runner_new(), runner_configure(), runner_submit(), runner_running(),
 *	runner_dropped(), runner_free()
 * DESCRIPTION
 *	A runner is a thread with a small queue: runner_submit() hands it a
 *	command and the NAME=value pairs for the command's environment and
 *	returns at once. The thread runs "SHELL -c COMMAND" with those values
 *	in the environment only (each made printable), kills a command that
 *	outlives its time limit and reaps every command it started. Nothing a
 *	caller does waits for a command. A run that never happened (queue
 *	full, the runner's max_running reached, or the command could not be
 *	started) is logged and counted (runner_dropped).
 *
 *	A runner with max_running set never queues: a run submitted while
 *	max_running commands are running (or about to) is dropped at once,
 *	and each accepted one starts at once, without waiting for the one
 *	before it.
 *
 *	The alert module runs alert.command through one and
 *	alert.virus_command through another (alert(3h)).
 */
#ifndef CLAMSHIM_RUNNER_H
#define CLAMSHIM_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#define RUNNER_SHELL		"/bin/sh"	/* runs the command: RUNNER_SHELL -c COMMAND */
#define RUNNER_TIMEOUT_MS	(60 * 1000)	/* default time limit of a command */
#define RUNNER_KIDS_MAX		64	/* commands at once, at most: max_running's bound */
#define RUNNER_VALUE_MAX	4096	/* one environment value's bytes; longer is cut */

struct runner_settings {
	const char *name;		/* what a run is called in the log: "alert command" */
	const char *shell;		/* NULL = RUNNER_SHELL; only tests set another */
	int64_t	timeout_ms;		/* 0 = RUNNER_TIMEOUT_MS */
	const char *strip;		/* variables of the daemon starting with this are not passed on */
	unsigned max_running;		/* 0: queue, in order; N: N at once, more dropped */
};

/* One variable for the command's environment. */
struct runner_var {
	const char *name;
	const char *value;		/* non-printable bytes become '?' */
};

struct runner;

/* runner_new - a runner and its thread; NULL when the thread cannot start */
struct runner *runner_new(const struct runner_settings *set);
/* runner_configure - shell, time limit and max_running for later runs (name and strip stay) */
void	runner_configure(struct runner *r, const struct runner_settings *set);
/* runner_submit - queue "shell -c command" with vars; label names the run in the log */
void	runner_submit(struct runner *r, const char *label, const char *command,
		      const struct runner_var *vars, size_t nvars);
/* runner_running - commands queued or running and not yet reaped */
unsigned runner_running(struct runner *r);
/* runner_dropped - runs that never ran: queue full, max_running reached, or the start failed */
unsigned long runner_dropped(struct runner *r);
/* runner_free - stop the thread; commands still running are left to finish; NULL is fine */
void	runner_free(struct runner *r);

#endif
