/*
 * NAME
 *	notify 3h - tell systemd how the daemon is doing (sd_notify)
 * SUMMARY
 *	notify_start(), notify_reloading(), notify_reloaded(), notify_stop(),
 *	notify_stderr_is_journal()
 * DESCRIPTION
 *	With Type=notify, systemd learns READY=1 once the milter socket is
 *	bound and the daemon serves, a STATUS= line with the scanner state
 *	(kept current by a small thread), RELOADING=1/READY=1 around a
 *	SIGHUP reload, STOPPING=1 at the end, and WATCHDOG=1 pings at half
 *	of WatchdogSec when the watchdog is on. Without libsystemd at
 *	configure time (no HAVE_LIBSYSTEMD) every call is an empty inline
 *	function and notify.c compiles to nothing.
 */
#ifndef CLAMSHIM_NOTIFY_H
#define CLAMSHIM_NOTIFY_H

#include "config.h"

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
#else
static inline void notify_start(struct chain *ch) { (void) ch; }
static inline void notify_reloading(void) { }
static inline void notify_reloaded(void) { }
static inline void notify_stop(void) { }
#endif

#endif
