/*
 * NAME
 *	notify 3 - systemd readiness, status and watchdog (sd_notify)
 * SUMMARY
 *	See notify.h.
 * DESCRIPTION
 *	notify_start() is called once the milter socket is bound and every
 *	daemon thread runs, just before libmilter's accept loop: it sends
 *	READY=1 with a STATUS= line, then starts one thread that refreshes
 *	STATUS= when the scanner state changes and, when systemd's watchdog
 *	is on (WatchdogSec=), sends WATCHDOG=1 every half period. The status
 *	line is built from chain_status() of the scanners the current
 *	configuration names, so a deadlocked chain also stops the pings and
 *	systemd restarts the daemon. The pings go only while the daemon's
 *	self-check through its milter socket passes (notify_health(), fed
 *	by selfcheck(3)): a wedged accept loop stops them too, and STATUS=
 *	says why. Without NOTIFY_SOCKET (not started by
 *	systemd) sd_notify() does nothing and the thread is not started.
 *
 *	notify_stderr_is_journal() compares $JOURNAL_STREAM with stderr, so
 *	that clamshim -f under systemd does not log every line twice (the
 *	journal also reads syslog).
 * DIAGNOSTICS
 *	A failed sd_notify() is logged once at debug level; the daemon runs on.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "notify.h"

/* notify_stderr_is_journal - 1 when fd 2 is the stream named in $JOURNAL_STREAM */
int
notify_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
		return 0;
	return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

#ifdef HAVE_LIBSYSTEMD

#include <systemd/sd-daemon.h>

#include "chain.h"
#include "conf.h"
#include "log.h"
#include "milter.h"
#include "scan.h"
#include "util.h"

#define NOTIFY_STATUS_MAX	512
#define NOTIFY_TICK_MAX_US	(5 * 1000000ULL)	/* STATUS= refresh at least this often */

/* The notifier's state; file-static, the thread is the only writer of last. */
static struct {
	struct chain *chain;
	pthread_t thread;
	int	running;
	int	stop;
	uint64_t watchdog_us;		/* 0 = no watchdog */
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* on the monotonic clock; made by notify_start() */
	char	last[NOTIFY_STATUS_MAX];
	int	healthy;		/* the self-check passes: pings allowed (lock) */
	char	why[NOTIFY_STATUS_MAX];	/* why it fails (lock) */
} notify_state = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.healthy = 1,
};

/* notify_send - one sd_notify() call; failures are logged at debug level */
static void
notify_send(const char *msg)
{
	int	rc = sd_notify(0, msg);

	if (rc < 0)
		log_debug("sd_notify(%.*s): %s", (int) strcspn(msg, "\n"), msg, strerror(-rc));
}

/* notify_status_line - "embedded up (1.4.6/27432), clamd down (0/2 servers up)" */
static void
notify_status_line(char *buf, size_t len)
{
	struct conf *conf = milter_get_conf();
	struct scan_status st;
	size_t	i, used = 0, up = 0;
	int	n;

	buf[0] = '\0';
	for (i = 0; conf != NULL && i < conf->nscanners && used < len; i++) {
		const char *state;

		if (chain_status(notify_state.chain, conf->scanners[i], &st) < 0)
			continue;
		state = st.loading ? "loading" : st.up ? "up" : "down";
		up += st.up ? 1 : 0;
		n = snprintf(buf + used, len - used, "%s%s %s", used ? ", " : "",
			     conf_scanner_name(conf->scanners[i]), state);
		used = n < 0 ? used : used + (size_t) n;
		if (used < len && st.engine[0] && st.up)
			n = snprintf(buf + used, len - used, " (%s)", st.engine);
		else if (used < len && st.nunits > 1) {
			size_t	k, uup = 0;

			for (k = 0; k < st.nunits && k < SCAN_MAX_UNITS; k++)
				uup += st.units[k].up ? 1 : 0;
			n = snprintf(buf + used, len - used, " (%zu/%zu servers up)", uup, st.nunits);
		} else
			n = 0;
		used = n < 0 ? used : used + (size_t) n;
	}
	if (conf == NULL || conf->nscanners == 0)
		snprintf(buf, len, "no scanner configured: every message gets on_unavailable");
	else if (up == 0 && used < len)
		snprintf(buf + used, len - used, "; no scanner up: mail gets on_unavailable");
	if (conf != NULL)
		conf_unref(conf);
}

/* notify_refresh - send STATUS= when it changed (or always), plus WATCHDOG=1 */
static void
notify_refresh(int always, int ping)
{
	char	line[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 32];

	notify_status_line(line, sizeof(line));
	if (always || strcmp(line, notify_state.last) != 0) {
		snprintf(notify_state.last, sizeof(notify_state.last), "%s", line);
		snprintf(msg, sizeof(msg), "STATUS=%s%s", line, ping ? "\nWATCHDOG=1" : "");
		notify_send(msg);
	} else if (ping) {
		notify_send("WATCHDOG=1");
	}
}

/* notify_unhealthy - the self-check fails: say why once, no ping */
static void
notify_unhealthy(const char *why)
{
	char	msg[NOTIFY_STATUS_MAX + 96];

	snprintf(msg, sizeof(msg), "STATUS=self-check through the milter socket failed (%s): "
		 "no watchdog pings", why);
	notify_send(msg);
	log_error("systemd: watchdog pings stopped: the self-check through the milter socket "
		  "fails%s", notify_state.watchdog_us ? "" : " (no watchdog configured)");
}

/* notify_thread - STATUS= refreshes and watchdog pings (while healthy) until notify_stop() */
static void *
notify_thread(void *arg)
{
	uint64_t tick_us = NOTIFY_TICK_MAX_US;
	struct timespec when;
	char	why[NOTIFY_STATUS_MAX];
	int	healthy, was = 1;

	(void) arg;
	if (notify_state.watchdog_us > 0 && notify_state.watchdog_us / 2 < tick_us)
		tick_us = notify_state.watchdog_us / 2;
	if (tick_us < 1000)
		tick_us = 1000;
	pthread_mutex_lock(&notify_state.lock);
	while (!notify_state.stop) {
		when = util_deadline((int64_t) (tick_us / 1000));
		(void) pthread_cond_timedwait(&notify_state.cond, &notify_state.lock, &when);
		if (notify_state.stop)
			break;
		healthy = notify_state.healthy;
		snprintf(why, sizeof(why), "%s", notify_state.why);
		pthread_mutex_unlock(&notify_state.lock);
		if (!healthy && was)
			notify_unhealthy(why);
		else if (healthy)	/* always after a failure: systemd shows the failure till then */
			notify_refresh(!was, notify_state.watchdog_us > 0);
		was = healthy;
		pthread_mutex_lock(&notify_state.lock);
	}
	pthread_mutex_unlock(&notify_state.lock);
	return NULL;
}

/* notify_health - the self-check's result: pings only while it passes */
void
notify_health(int ok, const char *why)
{
	pthread_mutex_lock(&notify_state.lock);
	notify_state.healthy = ok != 0;
	snprintf(notify_state.why, sizeof(notify_state.why), "%s", why ? why : "");
	if (!ok && notify_state.running)
		pthread_cond_signal(&notify_state.cond);	/* say so now, do not ping again */
	pthread_mutex_unlock(&notify_state.lock);
}

/* notify_watchdog_usec - WatchdogSec in microseconds as systemd passed it; 0 none */
uint64_t
notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	return getenv("NOTIFY_SOCKET") != NULL && sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
}

/* notify_start - READY=1 with a first STATUS=, then the status/watchdog thread */
void
notify_start(struct chain *ch)
{
	uint64_t usec = 0;

	notify_state.chain = ch;
	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	if (sd_watchdog_enabled(0, &usec) > 0)
		notify_state.watchdog_us = usec;
	notify_status_line(notify_state.last, sizeof(notify_state.last));
	{
		char	msg[NOTIFY_STATUS_MAX + 32];

		snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", notify_state.last);
		notify_send(msg);
	}
	log_debug("systemd: READY=1 sent%s", notify_state.watchdog_us ? ", watchdog on" : "");
	notify_state.stop = 0;
	if (util_cond_init(&notify_state.cond) != 0)
		log_error("cannot start the systemd notify thread (no condition variable): "
			  "no STATUS= updates, no watchdog pings");
	else if (pthread_create(&notify_state.thread, NULL, notify_thread, NULL) == 0)
		notify_state.running = 1;
	else {
		pthread_cond_destroy(&notify_state.cond);
		log_error("cannot start the systemd notify thread: no STATUS= updates, "
			  "no watchdog pings");
	}
}

/* notify_reloading - RELOADING=1 (SIGHUP received) */
void
notify_reloading(void)
{
	notify_send("RELOADING=1\nSTATUS=reloading configuration and signatures");
}

/* notify_reloaded - READY=1 after a reload, with a fresh STATUS= */
void
notify_reloaded(void)
{
	char	line[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 32];

	if (notify_state.chain == NULL)
		return;
	notify_status_line(line, sizeof(line));
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", line);
	notify_send(msg);
}

/* notify_draining - EXTEND_TIMEOUT_USEC: the stop may take up to ms more (scans in flight) */
void
notify_draining(int64_t ms)
{
	char	msg[96];

	if (ms <= 0)
		return;
	snprintf(msg, sizeof(msg), "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=stopping: waiting for the scans "
		 "in flight", (unsigned long long) ms * 1000ULL);
	notify_send(msg);
}

/* notify_stop - STOPPING=1 and end the thread */
void
notify_stop(void)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
	if (!notify_state.running)
		return;
	pthread_mutex_lock(&notify_state.lock);
	notify_state.stop = 1;
	pthread_cond_signal(&notify_state.cond);
	pthread_mutex_unlock(&notify_state.lock);
	pthread_join(notify_state.thread, NULL);
	pthread_cond_destroy(&notify_state.cond);
	notify_state.running = 0;
}

#endif /* HAVE_LIBSYSTEMD */
