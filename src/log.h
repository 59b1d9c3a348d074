/*
 * NAME
 *	log 3h - logging to syslog and, in the foreground, to stderr
 * SUMMARY
 *	log_open(), log_set(), log_error(), log_warning(), log_info(),
 *	log_debug(), log_alert(), log_decision(); log_error_errno() and
 *	log_warning_errno() append strerror(errno).
 * DESCRIPTION
 *	One place where every line clamshim writes to its operator goes.
 *	The level and facility come from the configuration and may be
 *	changed at reload; the functions are thread safe. log_decision()
 *	writes the one line each message gets: at LOG_NOTICE, whatever the
 *	configured level.
 */
#ifndef CLAMSHIM_LOG_H
#define CLAMSHIM_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* log_open - start logging with this syslog ident; to_stderr copies lines to stderr */
void	log_open(const char *ident, int to_stderr);
/* log_set - change level (enum log_level) and syslog facility (LOG_MAIL ...) */
void	log_set(int level, int facility);
/* log_set_stderr_only - tests and tools: no syslog, stderr only */
void	log_set_stderr_only(int on);
/* log_close - stop using syslog */
void	log_close(void);
/* log_level_from_name - "error" ... "debug" to enum log_level, -1 if unknown */
int	log_level_from_name(const char *name);
/* log_facility_from_name - "mail", "local0".. "local7", "daemon", "user" to LOG_*; -1 if unknown */
int	log_facility_from_name(const char *name);

void	log_alert(const char *fmt, ...) LOG_PRINTF(1, 2);	/* LOG_ALERT, always shown */
void	log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warning(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* log_decision - a message's decision line: LOG_NOTICE, never dropped by the level */
void	log_decision(const char *fmt, ...) LOG_PRINTF(1, 2);
/* log_error_errno, log_warning_errno - as above, ": strerror(errno)" appended */
void	log_error_errno(const char *fmt, ...) LOG_PRINTF(1, 2);
void	log_warning_errno(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
