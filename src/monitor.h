/*
 * NAME
 *	monitor 3h - the thread that watches the scanners and writes the status file
 * SUMMARY
 *	monitor_start(), monitor_new(), monitor_poll(), monitor_set_conf(),
 *	monitor_config_failed(), monitor_self_check(), monitor_count(), monitor_virus(),
 *	monitor_write_now(), monitor_stop()
 * DESCRIPTION
 *	Every MONITOR_TICK_MS the monitor reads chain_status() of every
 *	configured scanner, feeds the alert state machine (alert(3h)) and the
 *	status gauges (status(3h)), tells the chain when every scanner is
 *	down (so fail_open_after counts time without mail too), raises
 *	fail-open-started/-ended when policy_fail_open() (policy(3h)) changes,
 *	and writes the status file every status.interval and at once after
 *	monitor_write_now() (SIGUSR1). The daemon feeds monitor_count() from
 *	the milter observer (and monitor_virus(), the virus event, for an
 *	infected message) and monitor_self_check() from its self-check
 *	(selfcheck(3h)): while that fails, the heartbeat stands still.
 *
 *	monitor_new() makes a monitor without the thread, whose clock and
 *	alert sink a test may give (struct monitor_hooks); the test then calls
 *	monitor_poll() for each tick.
 */
#ifndef CLAMSHIM_MONITOR_H
#define CLAMSHIM_MONITOR_H

#include "alert.h"
#include "chain.h"
#include "conf.h"
#include "hold.h"
#include "policy.h"
#include "scan.h"

#define MONITOR_TICK_MS		250
#define MONITOR_INTERVAL_MS	10000	/* the status file's interval when status.interval is 0 */

struct monitor;

/* What a test puts in place of the real world; NULL = the real one. */
struct monitor_hooks {
	const struct alert_clock *clock;	/* alerts, the status file's times, its interval */
	alert_sink_fn *sink;			/* where alert events go (NULL: alert.command) */
	void   *sink_ctx;
	struct hold *hold;			/* the ledger of held messages (NULL: no census) */
};

/* monitor_start - start watching; takes its own reference to conf; hold may be NULL; never NULL */
struct monitor *monitor_start(struct chain *ch, struct conf *conf, struct hold *hold);
/* monitor_new - a monitor without its thread: the caller calls monitor_poll(); never NULL */
struct monitor *monitor_new(struct chain *ch, struct conf *conf, const struct monitor_hooks *hooks);
/* monitor_poll - one tick now (a monitor_new() one only); force_write: status file even if not due */
void	monitor_poll(struct monitor *m, int force_write);
/* monitor_set_conf - a reloaded configuration: alert/status settings, config-warning */
void	monitor_set_conf(struct monitor *m, struct conf *conf);
/* monitor_config_failed - a reload could not be used: config-warning with why */
void	monitor_config_failed(struct monitor *m, const char *why);
/* monitor_self_check - the self-check through the milter socket passed (ok) or failed (why):
   the status heartbeat stays at the last pass while it fails; a failure raises self-check-failed */
void	monitor_self_check(struct monitor *m, int ok, const char *why);
/* monitor_count - one decided message (the milter observer) */
void	monitor_count(struct monitor *m, enum scan_result verdict, enum policy_action action,
		      int fail_open, double seconds);
/* monitor_virus - one infected message: alert.virus_command (alert_virus()) */
void	monitor_virus(struct monitor *m, const struct alert_virus *v);
/* monitor_write_now - write the status file as soon as possible (SIGUSR1) */
void	monitor_write_now(struct monitor *m);
/* monitor_stop - write the status a last time, stop the thread, free */
void	monitor_stop(struct monitor *m);

#endif
