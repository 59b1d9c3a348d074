/*
 * NAME
 *	selfcheck 3h - the daemon proves, on a timer, that its milter socket serves
 * SUMMARY
 *	selfcheck_start(), selfcheck_stop(), selfcheck_once(), selfcheck_spec(),
 *	selfcheck_timing()
 * DESCRIPTION
 *	A thread connects to the daemon's own milter socket as an MTA does,
 *	negotiates and says QUIT (mtclient(3h)): the way every MTA
 *	connection goes, through libmilter's accept loop and its workers. A
 *	scanner chain that answers proves nothing about that loop; this
 *	does. The result of each check goes to the caller's function, which
 *	in the daemon gates the status heartbeat (monitor(3h)) and systemd's
 *	watchdog pings (notify(3h)).
 */
#ifndef CLAMSHIM_SELFCHECK_H
#define CLAMSHIM_SELFCHECK_H

#include <stddef.h>
#include <stdint.h>

#define SELFCHECK_FAILS		2	/* checks failed in a row before the failure is reported */
#define SELFCHECK_PERIOD_MIN_MS	100
#define SELFCHECK_PERIOD_MAX_MS	5000
#define SELFCHECK_TIMEOUT_MIN_MS 1000
#define SELFCHECK_TIMEOUT_MAX_MS 5000
#define SELFCHECK_WHY_MAX	256

/*
 * Called after every check from the check's thread: ok 1 when it passed,
 * 0 once SELFCHECK_FAILS checks in a row failed (and for each one after),
 * with why. A single failure is only logged.
 */
typedef void selfcheck_fn(void *ctx, int ok, const char *why);

struct selfcheck;

/* selfcheck_spec - what to connect to for a listening spec ("inet:PORT" -> "inet:PORT@127.0.0.1"); 0 ok */
int	selfcheck_spec(const char *listen_spec, char *buf, size_t len);
/* selfcheck_timing - period and time limit of a check from status.interval and WatchdogSec (0: none) */
void	selfcheck_timing(int64_t interval_ms, uint64_t watchdog_usec, int64_t *period_ms,
			 int64_t *timeout_ms);
/* selfcheck_once - one check: connect, negotiate, QUIT within timeout_ms; 0 passed, -1 failed (why) */
int	selfcheck_once(const char *spec, int64_t timeout_ms, char *why, size_t whylen);
/* selfcheck_start - a check at once, then one every period_ms; NULL when the thread cannot start (logged) */
struct selfcheck *selfcheck_start(const char *spec, int64_t period_ms, int64_t timeout_ms,
				  selfcheck_fn *fn, void *ctx);
/* selfcheck_stop - no report from now on; the thread ends (a stuck check: alone later); NULL ok */
void	selfcheck_stop(struct selfcheck *sc);

#endif
