/*
 * NAME
 *	monitor 3h - the thread that watches the scanners and writes the status file
 * SUMMARY
 *	monitor_start(), monitor_set_conf(), monitor_config_failed(),
 *	monitor_count(), monitor_write_now(), monitor_stop()
 * DESCRIPTION
 *	Every MONITOR_TICK_MS the monitor reads chain_status() of every
 *	configured scanner, feeds the alert state machine (alert(3h)) and the
 *	status gauges (status(3h)), tells the chain when every scanner is
 *	down (so fail_open_after counts time without mail too), raises
 *	fail-open-started/-ended, and writes the status file every
 *	status.interval and at once after monitor_write_now() (SIGUSR1).
 *	The daemon feeds monitor_count() from the milter observer.
 */
#ifndef CLAMSHIM_MONITOR_H
#define CLAMSHIM_MONITOR_H

#include "chain.h"
#include "conf.h"
#include "policy.h"
#include "scan.h"

#define MONITOR_TICK_MS		250

struct monitor;

/* monitor_start - start watching; takes its own reference to conf; never NULL */
struct monitor *monitor_start(struct chain *ch, struct conf *conf);
/* monitor_set_conf - a reloaded configuration: alert/status settings, config-warning */
void	monitor_set_conf(struct monitor *m, struct conf *conf);
/* monitor_config_failed - a reload could not be used: config-warning with why */
void	monitor_config_failed(struct monitor *m, const char *why);
/* monitor_count - one decided message (the milter observer) */
void	monitor_count(struct monitor *m, enum scan_result verdict, enum policy_action action,
		      int fail_open, double seconds);
/* monitor_write_now - write the status file as soon as possible (SIGUSR1) */
void	monitor_write_now(struct monitor *m);
/* monitor_stop - write the status a last time, stop the thread, free */
void	monitor_stop(struct monitor *m);

#endif
