/*
 * NAME
 *	status 3 - counters and the status file (Prometheus text exposition)
 * DESCRIPTION
 *	Counters and gauges live behind one mutex held only to add a number
 *	or copy the lot. status_render() writes every metric with HELP and
 *	TYPE lines; counters and label sets are always complete (a verdict
 *	never seen is 0), so rates work from the first scrape.
 *
 *	Label values are escaped as the exposition format says (backslash,
 *	double quote, newline). The scan-duration histogram has fixed
 *	buckets from 5 ms to 60 s.
 *
 *	status_write_file() writes "DIR/.NAME.XXXXXX", fsyncs it, makes it
 *	0644 and renames it over NAME, so a reader sees the old file or the
 *	new one, never half of one.
 *
 *	The reader, status_parse() and status_read_file(), is in
 *	status_read.c.
 * DIAGNOSTICS
 *	status_write_file() returns -1 with the reason (and errno's text) in
 *	the caller's buffer.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "status.h"
#include "util.h"

static const double status_bounds[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
};
#define STATUS_NBUCKETS	(sizeof(status_bounds) / sizeof(status_bounds[0]))

/* The actions a decision can have (POLICY_TAG never is one). */
static const enum policy_action status_actions[] = {
	POLICY_ACCEPT, POLICY_REJECT, POLICY_TEMPFAIL, POLICY_DISCARD, POLICY_QUARANTINE, POLICY_HOLD
};

/* Everything counted and set; copied whole for rendering. */
struct status_values {
	unsigned long messages[SCAN_RESULT_COUNT];
	unsigned long actions[POLICY_ACTION_COUNT];
	unsigned long fail_open_messages;
	unsigned long buckets[STATUS_NBUCKETS];	/* not cumulative here */
	unsigned long count;
	double	sum;
	struct status_gauges g;
};

struct status {
	pthread_mutex_t mu;
	struct status_values v;
};

/* A growing text buffer. */
struct status_buf {
	char   *p;
	size_t	len;
	size_t	cap;
};

/* status_new - zeroed counters */
struct status *
status_new(void)
{
	struct status *s = util_calloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	s->v.g.signatures_age_seconds = -1;
	return s;
}

/* status_free - free */
void
status_free(struct status *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* status_count_message - one decided message */
void
status_count_message(struct status *s, enum scan_result verdict, enum policy_action action,
		     int fail_open, double seconds)
{
	size_t	b;

	if (seconds < 0 || seconds != seconds)
		seconds = 0;
	for (b = 0; b < STATUS_NBUCKETS && seconds > status_bounds[b]; b++)
		;
	pthread_mutex_lock(&s->mu);
	if ((unsigned) verdict < SCAN_RESULT_COUNT)
		s->v.messages[verdict]++;
	if ((unsigned) action < POLICY_ACTION_COUNT)
		s->v.actions[action]++;
	if (fail_open)
		s->v.fail_open_messages++;
	if (b < STATUS_NBUCKETS)
		s->v.buckets[b]++;
	s->v.count++;
	s->v.sum += seconds;
	pthread_mutex_unlock(&s->mu);
}

/* status_set_gauges - replace the gauges */
void
status_set_gauges(struct status *s, const struct status_gauges *g)
{
	pthread_mutex_lock(&s->mu);
	s->v.g = *g;
	if (s->v.g.nunits > STATUS_UNITS_MAX)
		s->v.g.nunits = STATUS_UNITS_MAX;
	pthread_mutex_unlock(&s->mu);
}

/* status_printf - append to the buffer */
static void __attribute__((format(printf, 2, 3)))
status_printf(struct status_buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t) n < b->cap - b->len) {
			b->len += (size_t) n;
			return;
		}
		b->cap = b->cap * 2 + (size_t) n;
		b->p = util_realloc(b->p, b->cap);
	}
}

/* status_escape - a label value as the exposition format wants it */
static void
status_escape(char *dst, size_t len, const char *src)
{
	size_t	j = 0;

	for (; src && *src && j + 3 < len; src++) {
		if (*src == '\\' || *src == '"') {
			dst[j++] = '\\';
			dst[j++] = *src;
		} else if (*src == '\n') {
			dst[j++] = '\\';
			dst[j++] = 'n';
		} else
			dst[j++] = *src;
	}
	dst[j] = 0;
}

/* status_head - the HELP and TYPE lines of one metric */
static void
status_head(struct status_buf *b, const char *name, const char *type, const char *help)
{
	status_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* status_double - a gauge value, NaN when unknown */
static void
status_double(struct status_buf *b, const char *name, double v)
{
	if (v < 0 || v != v)
		status_printf(b, "%s NaN\n", name);
	else
		status_printf(b, "%s %.3f\n", name, v);
}

/* status_clamd_gauge - one gauge with a line per clamd server; value gives its text */
static void
status_clamd_gauge(struct status_buf *b, const struct status_gauges *g, const char *name,
		   const char *help, const char *(*value)(const struct status_unit *))
{
	char	e[STATUS_LABEL_MAX];
	size_t	i;

	status_head(b, name, "gauge", help);
	for (i = 0; i < g->nunits; i++) {
		if (strcmp(g->units[i].scanner, "clamd") != 0)
			continue;
		status_escape(e, sizeof(e), g->units[i].server);
		status_printf(b, "%s{server=\"%s\"} %s\n", name, e, value(&g->units[i]));
	}
}

/* status_limits_value - 1 reported, 0 not, NaN not known yet */
static const char *
status_limits_value(const struct status_unit *u)
{
	return u->limits == SCAN_LIMITS_REPORTED ? "1" :
	    u->limits == SCAN_LIMITS_UNREPORTED ? "0" : "NaN";
}

/* status_limits_ok_value - 1 when the administrator trusts this server's OK anyway */
static const char *
status_limits_ok_value(const struct status_unit *u)
{
	return u->limits_ok ? "1" : "0";
}

/* status_limits - whether each clamd server reports its limits, and whether that is waived */
static void
status_limits(struct status_buf *b, const struct status_gauges *g)
{
	status_clamd_gauge(b, g, "clamshim_clamd_limits_reported",
			   "1 when this clamd server reports the limits it hits (AlertExceedsMax yes), "
			   "0 when it answers OK past them, NaN when not known yet.",
			   status_limits_value);
	status_clamd_gauge(b, g, "clamshim_clamd_limits_unreported_ok",
			   "1 when clamd.limits_unreported_ok trusts the OK answers of this clamd "
			   "server whether or not it reports its limits.", status_limits_ok_value);
}

/* status_held - the messages held in the MTA (hold(3h)) and what clamshim-release did with them */
static void
status_held(struct status_buf *b, const struct status_gauges *g)
{
	size_t	i;

	status_head(b, "clamshim_held_messages", "gauge",
		    "Messages clamshim put in the MTA's hold queue or quarantine that "
		    "clamshim-release has not dealt with yet (the files of hold.dir).");
	status_printf(b, "clamshim_held_messages %lu\n", g->held_messages);
	status_head(b, "clamshim_held_oldest_seconds", "gauge",
		    "How long the oldest of them has been held (0: none held).");
	status_printf(b, "clamshim_held_oldest_seconds %.3f\n",
		      g->held_oldest_seconds > 0 ? g->held_oldest_seconds : 0.0);
	status_head(b, "clamshim_released_total", "counter",
		    "Held messages clamshim-release dealt with, by result.");
	for (i = 0; i < HOLD_RESULT_COUNT; i++)
		status_printf(b, "clamshim_released_total{result=\"%s\"} %lu\n",
			      hold_result_name((enum hold_result) i), g->released[i]);
}

/* status_render - the exposition text */
char *
status_render(struct status *s, time_t heartbeat)
{
	struct status_buf b = {NULL, 0, 4096};
	struct status_values c;
	char	e1[STATUS_LABEL_MAX], e2[STATUS_LABEL_MAX], e3[STATUS_LABEL_MAX];
	unsigned long cum = 0;
	size_t	i;

	b.p = util_malloc(b.cap);
	b.p[0] = 0;
	pthread_mutex_lock(&s->mu);
	c = s->v;
	pthread_mutex_unlock(&s->mu);

	status_head(&b, "clamshim_info", "gauge", "clamshim, engine and signature versions.");
	status_escape(e1, sizeof(e1), c.g.version);
	status_escape(e2, sizeof(e2), c.g.engine);
	status_escape(e3, sizeof(e3), c.g.signatures);
	status_printf(&b, "clamshim_info{version=\"%s\",engine=\"%s\",signatures=\"%s\"} 1\n",
		      e1, e2, e3);
	status_head(&b, "clamshim_heartbeat_timestamp_seconds", "gauge",
		    "When the daemon last wrote this file (unix time).");
	status_printf(&b, "clamshim_heartbeat_timestamp_seconds %lld\n", (long long) heartbeat);
	status_head(&b, "clamshim_status_interval_seconds", "gauge",
		    "How often the daemon writes this file (status.interval).");
	status_printf(&b, "clamshim_status_interval_seconds %.3f\n", c.g.interval_seconds);
	status_head(&b, "clamshim_self_check_ok", "gauge",
		    "1 while the daemon's self-check through its milter socket passes; at 0 the "
		    "heartbeat stays at the last time it passed.");
	status_printf(&b, "clamshim_self_check_ok %d\n", c.g.self_check_ok ? 1 : 0);
	status_head(&b, "clamshim_start_time_seconds", "gauge", "When the daemon started (unix time).");
	status_printf(&b, "clamshim_start_time_seconds %lld\n", (long long) c.g.start_time);
	status_head(&b, "clamshim_scanner_up", "gauge",
		    "1 when this scanner unit (clamd server, embedded database) can scan.");
	for (i = 0; i < c.g.nunits; i++) {
		status_escape(e1, sizeof(e1), c.g.units[i].scanner);
		status_escape(e2, sizeof(e2), c.g.units[i].server);
		status_printf(&b, "clamshim_scanner_up{scanner=\"%s\",server=\"%s\"} %d\n", e1, e2,
			      c.g.units[i].up ? 1 : 0);
	}
	status_limits(&b, &c.g);
	status_head(&b, "clamshim_scanners_available", "gauge",
		    "Configured scanners that can scan now (0: mail gets the unavailable policy).");
	status_printf(&b, "clamshim_scanners_available %u\n", c.g.scanners_available);
	status_head(&b, "clamshim_unavailable_seconds", "gauge",
		    "How long no scanner has worked (0 when scanning works).");
	status_printf(&b, "clamshim_unavailable_seconds %.3f\n", c.g.unavailable_seconds);
	status_head(&b, "clamshim_fail_open", "gauge",
		    "1 while fail_open_after is in force: unscanned mail is accepted, tagged.");
	status_printf(&b, "clamshim_fail_open %d\n", c.g.fail_open ? 1 : 0);
	status_head(&b, "clamshim_signatures_age_seconds", "gauge",
		    "Age of the loaded signatures (NaN when unknown).");
	status_double(&b, "clamshim_signatures_age_seconds", c.g.signatures_age_seconds);

	status_head(&b, "clamshim_messages_total", "counter", "Messages decided, by verdict.");
	for (i = 0; i < SCAN_RESULT_COUNT; i++)
		status_printf(&b, "clamshim_messages_total{verdict=\"%s\"} %lu\n",
			      scan_result_name((enum scan_result) i), c.messages[i]);
	status_head(&b, "clamshim_actions_total", "counter", "Messages decided, by action.");
	for (i = 0; i < sizeof(status_actions) / sizeof(status_actions[0]); i++)
		status_printf(&b, "clamshim_actions_total{action=\"%s\"} %lu\n",
			      policy_action_name(status_actions[i]), c.actions[status_actions[i]]);
	status_head(&b, "clamshim_fail_open_messages_total", "counter",
		    "Messages accepted unscanned because fail_open_after ran out.");
	status_printf(&b, "clamshim_fail_open_messages_total %lu\n", c.fail_open_messages);
	status_head(&b, "clamshim_scan_duration_seconds", "histogram",
		    "Time from end of message to the decision.");
	for (i = 0; i < STATUS_NBUCKETS; i++) {
		cum += c.buckets[i];
		status_printf(&b, "clamshim_scan_duration_seconds_bucket{le=\"%g\"} %lu\n",
			      status_bounds[i], cum);
	}
	status_printf(&b, "clamshim_scan_duration_seconds_bucket{le=\"+Inf\"} %lu\n", c.count);
	status_printf(&b, "clamshim_scan_duration_seconds_sum %.6f\n", c.sum);
	status_printf(&b, "clamshim_scan_duration_seconds_count %lu\n", c.count);

	status_head(&b, "clamshim_alerts_total", "counter", "Alert events raised, by event.");
	for (i = 0; i < ALERT_EVENT_COUNT; i++)
		status_printf(&b, "clamshim_alerts_total{event=\"%s\"} %lu\n",
			      alert_event_name((enum alert_event) i), c.g.alerts[i]);
	status_head(&b, "clamshim_alerts_dropped_total", "counter",
		    "Alert and virus command runs that never ran: queue full, virus_max_running "
		    "reached, or the command could not start.");
	status_printf(&b, "clamshim_alerts_dropped_total %lu\n", c.g.alerts_dropped);
	status_head(&b, "clamshim_config_warnings", "gauge",
		    "Unknown or deprecated options in the running configuration.");
	status_printf(&b, "clamshim_config_warnings %u\n", c.g.config_warnings);
	status_head(&b, "clamshim_db_reloads_total", "counter", "Signature reloads, by result.");
	status_printf(&b, "clamshim_db_reloads_total{result=\"ok\"} %lu\n", c.g.reloads_ok);
	status_printf(&b, "clamshim_db_reloads_total{result=\"failed\"} %lu\n", c.g.reloads_failed);
	status_held(&b, &c.g);
	return b.p;
}

/* status_write_file - temp file in the same directory, fsync, rename */
int
status_write_file(const char *path, const char *text, char *err, size_t errlen)
{
	char	tmp[4096];
	const char *slash = strrchr(path, '/');
	size_t	len = strlen(text), off = 0;
	int	fd, n;

	if (slash)
		n = snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX", (int) (slash - path), path, slash + 1);
	else
		n = snprintf(tmp, sizeof(tmp), ".%s.XXXXXX", path);
	if (n < 0 || (size_t) n >= sizeof(tmp)) {
		snprintf(err, errlen, "status file name too long");
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t	w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(w < 0 ? errno : EIO));
			goto fail;
		}
		off += (size_t) w;
	}
	if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot sync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}
