/*
 * NAME
 *	status_read 3 - read a status file back (check_clamshim, tests)
 * DESCRIPTION
 *	The reader half of status(3h): status_parse() and status_read_file().
 *	status_parse() accepts the format status_render() writes (and the
 *	general shape "name{labels} value [timestamp]", comments, blank
 *	lines); metric names it does not know are skipped. Every length is
 *	bounded: a line over 4096 bytes, a label over 256, a bad number or
 *	an unterminated label set make the text garbled. A file larger than
 *	STATUS_FILE_MAX is garbled too.
 * DIAGNOSTICS
 *	status_parse() and status_read_file() return -1 with the reason
 *	(and errno's text) in the caller's buffer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "status.h"
#include "util.h"

#define STATUS_LINE_MAX		4096

/* One parsed sample. */
struct status_sample {
	char	name[128];
	char	keys[4][32];
	char	vals[4][STATUS_LABEL_MAX];
	size_t	nlabels;
	double	value;
};

/* status_label - the value of label key, or NULL */
static const char *
status_label(const struct status_sample *sm, const char *key)
{
	size_t	i;

	for (i = 0; i < sm->nlabels; i++)
		if (strcmp(sm->keys[i], key) == 0)
			return sm->vals[i];
	return NULL;
}

/* status_isname - a character of a metric or label name */
static int
status_isname(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	    (!first && c >= '0' && c <= '9');
}

/* status_parse_labels - {k="v",...} at *pp; 0 ok */
static int
status_parse_labels(const char **pp, struct status_sample *sm)
{
	const char *p = *pp + 1;

	for (;;) {
		size_t	k = 0, v = 0;

		while (*p == ' ')
			p++;
		if (*p == '}')
			break;
		if (sm->nlabels == 4 || !status_isname(*p, 1))
			return -1;
		while (status_isname(*p, 0)) {
			if (k + 1 >= sizeof(sm->keys[0]))
				return -1;
			sm->keys[sm->nlabels][k++] = *p++;
		}
		sm->keys[sm->nlabels][k] = 0;
		if (*p++ != '=' || *p++ != '"')
			return -1;
		while (*p != '"') {
			char	c = *p++;

			if (c == 0)
				return -1;
			if (c == '\\') {
				c = *p++;
				if (c == 'n')
					c = '\n';
				else if (c != '\\' && c != '"')
					return -1;
			}
			if (v + 1 >= STATUS_LABEL_MAX)
				return -1;
			sm->vals[sm->nlabels][v++] = c;
		}
		sm->vals[sm->nlabels][v] = 0;
		sm->nlabels++;
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return -1;
	}
	*pp = p + 1;
	return 0;
}

/* status_parse_line - one sample line; 0 ok, -1 garbled */
static int
status_parse_line(const char *line, struct status_sample *sm)
{
	const char *p = line;
	char   *end;
	size_t	n = 0;

	memset(sm, 0, sizeof(*sm));
	if (!status_isname(*p, 1))
		return -1;
	while (status_isname(*p, 0)) {
		if (n + 1 >= sizeof(sm->name))
			return -1;
		sm->name[n++] = *p++;
	}
	if (*p == '{' && status_parse_labels(&p, sm) < 0)
		return -1;
	if (*p != ' ' && *p != '\t')
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	errno = 0;
	sm->value = strtod(p, &end);
	if (end == p || errno == ERANGE)
		return -1;
	p = end;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {	/* optional timestamp */
		(void) strtoll(p, &end, 10);
		p = end;
	}
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return *p == 0 ? 0 : -1;
}

/* status_index - the index of name in an enum's name function, or -1 */
static int
status_index(const char *name, int count, const char *(*fn)(int))
{
	int	i;

	for (i = 0; name && i < count; i++)
		if (strcmp(fn(i), name) == 0)
			return i;
	return -1;
}

/* Adapters so that status_index can look names up. */
static const char *status_verdict_name(int i) { return scan_result_name((enum scan_result) i); }
static const char *status_action_name(int i) { return policy_action_name((enum policy_action) i); }
static const char *status_event_name(int i) { return alert_event_name((enum alert_event) i); }
static const char *status_result_name(int i) { return hold_result_name((enum hold_result) i); }

/* status_take_limits - a clamd limits sample into the unit its scanner_up line made */
static void
status_take_limits(const struct status_sample *sm, struct status_report *r)
{
	const char *server = status_label(sm, "server");
	size_t	i;

	for (i = 0; server && i < r->nunits; i++) {
		struct status_unit *u = &r->units[i];

		if (strcmp(u->scanner, "clamd") != 0 || strcmp(u->server, server) != 0)
			continue;
		if (strcmp(sm->name, "clamshim_clamd_limits_unreported_ok") == 0)
			u->limits_ok = sm->value >= 1;
		else
			u->limits = sm->value != sm->value ? SCAN_LIMITS_UNKNOWN : sm->value >= 1 ?
			    SCAN_LIMITS_REPORTED : SCAN_LIMITS_UNREPORTED;
		return;
	}
}

/* status_take - put one sample into the report */
static void
status_take(const struct status_sample *sm, struct status_report *r)
{
	const char *n = sm->name;
	int	i;

	if (strcmp(n, "clamshim_heartbeat_timestamp_seconds") == 0)
		r->heartbeat = sm->value >= 0 ? sm->value : NAN;	/* there, but no time */
	else if (strcmp(n, "clamshim_status_interval_seconds") == 0)
		r->interval = sm->value > 0 ? sm->value : -1;	/* NaN too: not > 0 */
	else if (strcmp(n, "clamshim_start_time_seconds") == 0)
		r->start_time = sm->value;
	else if (strcmp(n, "clamshim_info") == 0) {
		snprintf(r->version, sizeof(r->version), "%s", status_label(sm, "version") ? status_label(sm, "version") : "");
		snprintf(r->engine, sizeof(r->engine), "%s", status_label(sm, "engine") ? status_label(sm, "engine") : "");
		snprintf(r->signatures, sizeof(r->signatures), "%s",
			 status_label(sm, "signatures") ? status_label(sm, "signatures") : "");
	} else if (strcmp(n, "clamshim_scanner_up") == 0) {
		if (r->nunits < STATUS_UNITS_MAX) {
			struct status_unit *u = &r->units[r->nunits++];

			snprintf(u->scanner, sizeof(u->scanner), "%s",
				 status_label(sm, "scanner") ? status_label(sm, "scanner") : "");
			snprintf(u->server, sizeof(u->server), "%s",
				 status_label(sm, "server") ? status_label(sm, "server") : "");
			u->up = sm->value >= 1;
		}
	} else if (strcmp(n, "clamshim_clamd_limits_reported") == 0
		   || strcmp(n, "clamshim_clamd_limits_unreported_ok") == 0) {
		status_take_limits(sm, r);
	} else if (strcmp(n, "clamshim_scanners_available") == 0) {
		r->scanners_available = sm->value;
	} else if (strcmp(n, "clamshim_unavailable_seconds") == 0)
		r->unavailable_seconds = sm->value;
	else if (strcmp(n, "clamshim_fail_open") == 0)
		r->fail_open = sm->value >= 1;
	else if (strcmp(n, "clamshim_signatures_age_seconds") == 0)
		r->signatures_age_seconds = sm->value;
	else if (strcmp(n, "clamshim_config_warnings") == 0)
		r->config_warnings = sm->value;
	else if (strcmp(n, "clamshim_messages_total") == 0) {
		if ((i = status_index(status_label(sm, "verdict"), SCAN_RESULT_COUNT,
				      status_verdict_name)) >= 0)
			r->messages[i] = sm->value;
	} else if (strcmp(n, "clamshim_actions_total") == 0) {
		if ((i = status_index(status_label(sm, "action"), POLICY_ACTION_COUNT,
				      status_action_name)) >= 0)
			r->actions[i] = sm->value;
	} else if (strcmp(n, "clamshim_alerts_total") == 0) {
		if ((i = status_index(status_label(sm, "event"), ALERT_EVENT_COUNT,
				      status_event_name)) >= 0)
			r->alerts[i] = sm->value;
	} else if (strcmp(n, "clamshim_scan_duration_seconds_count") == 0)
		r->scans = sm->value;
	else if (strcmp(n, "clamshim_scan_duration_seconds_sum") == 0)
		r->scan_seconds = sm->value;
	else if (strcmp(n, "clamshim_held_messages") == 0)
		r->held_messages = sm->value >= 0 ? sm->value : -1;	/* NaN too: missing */
	else if (strcmp(n, "clamshim_held_oldest_seconds") == 0)
		r->held_oldest_seconds = sm->value >= 0 ? sm->value : -1;
	else if (strcmp(n, "clamshim_released_total") == 0) {
		if ((i = status_index(status_label(sm, "result"), HOLD_RESULT_COUNT,
				      status_result_name)) >= 0)
			r->released[i] = sm->value;
	}
}

/* status_parse - read the text back */
int
status_parse(const char *text, size_t len, struct status_report *r, char *err, size_t errlen)
{
	char	line[STATUS_LINE_MAX + 1];
	struct status_sample sm;
	size_t	off = 0, lineno = 0;

	memset(r, 0, sizeof(*r));
	r->heartbeat = -1;
	r->fail_open = -1;
	r->config_warnings = -1;
	r->signatures_age_seconds = -1;
	r->scanners_available = -1;
	r->interval = -1;
	r->held_messages = -1;
	r->held_oldest_seconds = -1;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t	n = nl ? (size_t) (nl - (text + off)) : len - off;

		lineno++;
		if (n > STATUS_LINE_MAX) {
			snprintf(err, errlen, "line %zu longer than %d bytes", lineno, STATUS_LINE_MAX);
			return -1;
		}
		memcpy(line, text + off, n);
		line[n] = 0;
		off += n + (nl ? 1 : 0);
		if (memchr(line, 0, n) != NULL) {
			snprintf(err, errlen, "line %zu has a NUL byte", lineno);
			return -1;
		}
		if (n == 0 || line[0] == '#' || (n == 1 && line[0] == '\r'))
			continue;
		if (status_parse_line(line, &sm) < 0) {
			snprintf(err, errlen, "line %zu is not a metric sample", lineno);
			return -1;
		}
		status_take(&sm, r);
	}
	if (r->heartbeat < 0) {
		snprintf(err, errlen, "no clamshim_heartbeat_timestamp_seconds in it");
		return -1;
	}
	return 0;
}

/* status_read_file - read and parse path */
int
status_read_file(const char *path, struct status_report *r, char *err, size_t errlen)
{
	char   *buf;
	size_t	len = 0;
	int	fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	buf = util_malloc(STATUS_FILE_MAX + 1);
	for (;;) {
		ssize_t	n = read(fd, buf + len, STATUS_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			close(fd);
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t) n;
		if (len > STATUS_FILE_MAX) {
			snprintf(err, errlen, "%s is larger than %d bytes", path, STATUS_FILE_MAX);
			close(fd);
			free(buf);
			return -1;
		}
	}
	close(fd);
	rc = status_parse(buf, len, r, err, errlen);
	free(buf);
	return rc;
}
