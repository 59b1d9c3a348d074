/*
 * NAME
 *	log 3 - logging to syslog and, in the foreground, to stderr
 * DESCRIPTION
 *	Lines go to syslog with the configured facility, and with -f also to
 *	stderr with a time stamp, so that systemd's journal and the tests see
 *	them. Levels above the configured one are dropped. LOG_ALERT lines
 *	(outages) are always written, and so are the decision lines of
 *	log_decision() (LOG_NOTICE): every message that reached MAIL FROM
 *	gets its line even with log_level = "error". The state is file-static, changed only
 *	through log_open()/log_set(), and read under no lock: the level and
 *	facility are plain ints written atomically.
 * DIAGNOSTICS
 *	None: logging never fails the caller.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static atomic_int log_level_cur = LOG_LEVEL_INFO;
static atomic_int log_facility_cur = LOG_MAIL;
static atomic_int log_to_stderr;
static atomic_int log_to_syslog;
static char log_ident[32] = "clamshim";
static pthread_mutex_t log_stderr_lock = PTHREAD_MUTEX_INITIALIZER;

/* log_open - start logging */
void
log_open(const char *ident, int to_stderr)
{
	snprintf(log_ident, sizeof(log_ident), "%s", ident ? ident : "clamshim");
	openlog(log_ident, LOG_PID | LOG_NDELAY, atomic_load(&log_facility_cur));
	atomic_store(&log_to_syslog, 1);
	atomic_store(&log_to_stderr, to_stderr);
}

/* log_set - change level and facility */
void
log_set(int level, int facility)
{
	if (level >= LOG_LEVEL_ERROR && level <= LOG_LEVEL_DEBUG)
		atomic_store(&log_level_cur, level);
	if (facility >= 0 && facility != atomic_load(&log_facility_cur)) {
		atomic_store(&log_facility_cur, facility);
		if (atomic_load(&log_to_syslog)) {
			closelog();
			openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
		}
	}
}

/* log_set_stderr_only - no syslog, stderr only (tools and tests) */
void
log_set_stderr_only(int on)
{
	atomic_store(&log_to_syslog, !on);
	atomic_store(&log_to_stderr, on ? 1 : atomic_load(&log_to_stderr));
}

/* log_close - stop using syslog */
void
log_close(void)
{
	if (atomic_exchange(&log_to_syslog, 0))
		closelog();
}

/* log_level_from_name - name to level, -1 if unknown */
int
log_level_from_name(const char *name)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	size_t	i;

	for (i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return (int) i;
	return -1;
}

/* log_facility_from_name - name to LOG_* facility, -1 if unknown */
int
log_facility_from_name(const char *name)
{
	static const struct {
		const char *name;
		int	fac;
	} facs[] = {
		{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
		{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
		{"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
		{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	};
	size_t	i;

	for (i = 0; name && i < sizeof(facs) / sizeof(facs[0]); i++)
		if (strcasecmp(name, facs[i].name) == 0)
			return facs[i].fac;
	return -1;
}

/* log_emit - format once, write to the enabled sinks */
__attribute__((format(printf, 3, 0))) static void
log_emit(int prio, int errnum, const char *fmt, va_list ap)
{
	static const char *const tags[] = {
		[LOG_EMERG] = "emerg", [LOG_ALERT] = "ALERT", [LOG_CRIT] = "crit",
		[LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	char	buf[2048];
	int	n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	if (errnum && (size_t) n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - (size_t) n, ": %s", strerror(errnum));
	if (atomic_load(&log_to_syslog))
		syslog(prio | atomic_load(&log_facility_cur), "%s", buf);
	if (atomic_load(&log_to_stderr)) {
		struct timespec ts;
		struct tm tm;
		char	when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		pthread_mutex_lock(&log_stderr_lock);
		fprintf(stderr, "%s.%03ld %s[%s]: %s\n", when, ts.tv_nsec / 1000000L,
			log_ident, tags[prio & 7], buf);
		fflush(stderr);
		pthread_mutex_unlock(&log_stderr_lock);
	}
}

#define LOG_FN(fname, prio, lvl, keep_errno) \
void \
fname(const char *fmt, ...) \
{ \
	va_list	ap; \
	int	saved = errno; \
	if ((lvl) > atomic_load(&log_level_cur)) \
		return; \
	va_start(ap, fmt); \
	log_emit((prio), (keep_errno) ? saved : 0, fmt, ap); \
	va_end(ap); \
	errno = saved; \
}

/* The level a line needs to pass: LOG_LEVEL_ERROR passes whatever log_level says. */
#define LOG_ALWAYS	LOG_LEVEL_ERROR

LOG_FN(log_alert, LOG_ALERT, LOG_ALWAYS, 0)
LOG_FN(log_decision, LOG_NOTICE, LOG_ALWAYS, 0)
LOG_FN(log_error, LOG_ERR, LOG_LEVEL_ERROR, 0)
LOG_FN(log_warning, LOG_WARNING, LOG_LEVEL_WARNING, 0)
LOG_FN(log_info, LOG_INFO, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, LOG_LEVEL_DEBUG, 0)
LOG_FN(log_error_errno, LOG_ERR, LOG_LEVEL_ERROR, 1)
LOG_FN(log_warning_errno, LOG_WARNING, LOG_LEVEL_WARNING, 1)
