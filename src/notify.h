/*
 * NAME
 *	notify 3h - tell systemd how the daemon is doing (sd_notify)
 * SUMMARY
 *	notify_start(), notify_reloading(), notify_reloaded(), notify_stop(),
 *	notify_draining(), notify_health(), notify_watchdog_usec(),
 *	notify_stderr_is_journal()
 * DESCRIPTION
 *	With Type=notify, systemd learns READY=1 once the milter socket is
 *	bound and the daemon serves, a STATUS= line with the scanner state
 *	(kept current by a small thread), RELOADING=1/READY=1 around a
 *	SIGHUP reload, STOPPING=1 at the end, EXTEND_TIMEOUT_USEC= while
 *	the scans in flight finish (so that TimeoutStopSec= does not kill
 *	them and their lines with SIGKILL), and WATCHDOG=1 pings at half
 *	of WatchdogSec when the watchdog is on, while the self-check passes
 *	(notify_health()). Without libsystemd at
 *	configure time (no HAVE_LIBSYSTEMD) every call is an empty inline
 *	function and notify.c compiles to nothing.
 */
#ifndef CLAMSHIM_NOTIFY_H
#define CLAMSHIM_NOTIFY_H

#include "config.h"

#include <stdint.h>

struct chain;

/* notify_stderr_is_journal - 1 when stderr is systemd's journal stream ($JOURNAL_STREAM) */
int	notify_stderr_is_journal(void);

#ifdef HAVE_LIBSYSTEMD
/* notify_start - READY=1 with a first STATUS=, then the status/watchdog thread */
void	notify_start(struct chain *ch);
/* notify_reloading - RELOADING=1 (SIGHUP received) */
void	notify_reloading(void);
/* notify_reloaded - READY=1 after a reload, with a fresh STATUS= */
void	notify_reloaded(void);
/* notify_stop - STOPPING=1 and end the thread */
void	notify_stop(void);
/* notify_draining - EXTEND_TIMEOUT_USEC: the stop may take up to ms more (scans in flight) */
void	notify_draining(int64_t ms);
/* notify_health - the self-check passed (ok) or failed (why): WATCHDOG=1 only while it passes */
void	notify_health(int ok, const char *why);
/* notify_watchdog_usec - WatchdogSec as systemd passed it (WATCHDOG_USEC), in us; 0 none */
uint64_t notify_watchdog_usec(void);
#else
static inline void notify_start(struct chain *ch) { (void) ch; }
static inline void notify_reloading(void) { }
static inline void notify_reloaded(void) { }
static inline void notify_stop(void) { }
static inline void notify_draining(int64_t ms) { (void) ms; }
static inline void notify_health(int ok, const char *why) { (void) ok; (void) why; }
static inline uint64_t notify_watchdog_usec(void) { return 0; }
#endif

#endif
