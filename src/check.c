/*
 * NAME
 *	check 3 - the rules of check_clamshim, as functions
 * DESCRIPTION
 *	Pure functions over a parsed status file and probe results, so that
 *	the thresholds are tested table-driven without a daemon. Problems
 *	are joined with ", " in the order found; the state only gets worse.
 *	A stale heartbeat makes every other value in the file stale too, so
 *	nothing else is judged then. Its bound is -b when given, else three
 *	of the status intervals the file states (clamshim_status_interval_
 *	seconds), else CHECK_HEARTBEAT_MS; the line says which. Neither is anything judged when the
 *	heartbeat cannot be judged: NaN, infinite (the parser turns a
 *	negative one into NaN), or more than CHECK_CLOCK_SKEW_S seconds in
 *	the future. Each is CRITICAL, since each would otherwise make a file
 *	that nobody writes any more look fresh (for as long as the clock
 *	needs to catch up, or for ever). Messages held during an outage
 *	(hold(3h)) older than -H are a WARNING. Perfdata follows the Monitoring
 *	Plugins guidelines: 'label'=value[UOM];warn;crit;min;max, counters
 *	with "c"; a heartbeat age that is no number is "U".
 * DIAGNOSTICS
 *	None; texts are cut at CHECK_TEXT_MAX.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check.h"

#define CHECK_CLOCK_SKEW_S	60	/* a heartbeat this far ahead of our clock is fine */
#define CHECK_AGE_MAX_S		1e15	/* longer durations print as this (no overflow) */
#define CHECK_INTERVAL_MAX_S	1e9	/* a status interval beyond this is not believed */

static const char *const check_names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
static const char *const check_expect_names[CHECK_EXPECT_COUNT] = {
	"reject", "discard", "quarantine", "tag"
};

/* check_state_name - the state's name */
const char *
check_state_name(enum check_state st)
{
	return (unsigned) st <= CHECK_UNKNOWN ? check_names[st] : "UNKNOWN";
}

/* check_expect_from_name - the expectation named */
int
check_expect_from_name(const char *name)
{
	int	i;

	for (i = 0; name && i < CHECK_EXPECT_COUNT; i++)
		if (strcasecmp(name, check_expect_names[i]) == 0)
			return i;
	return -1;
}

/* check_init - an empty OK result */
void
check_init(struct check_result *cr)
{
	memset(cr, 0, sizeof(*cr));
	cr->state = CHECK_OK;
}

/* check_vappend - append formatted text to a bounded buffer, with sep when not empty */
static void __attribute__((format(printf, 4, 0)))
check_vappend(char *buf, size_t len, const char *sep, const char *fmt, va_list ap)
{
	size_t	used = strlen(buf);

	if (used + 1 >= len)
		return;
	if (used && sep) {
		snprintf(buf + used, len - used, "%s", sep);
		used = strlen(buf);
	}
	vsnprintf(buf + used, len - used, fmt, ap);
}

/* check_append - check_vappend with variable arguments */
static void __attribute__((format(printf, 4, 5)))
check_append(char *buf, size_t len, const char *sep, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	check_vappend(buf, len, sep, fmt, ap);
	va_end(ap);
}

/* check_add - worsen the state and add a problem */
void
check_add(struct check_result *cr, enum check_state st, const char *fmt, ...)
{
	va_list	ap;

	/* UNKNOWN (3) is worse than OK but not than CRITICAL */
	if (st == CHECK_CRITICAL || (st == CHECK_UNKNOWN && cr->state != CHECK_CRITICAL) ||
	    (st == CHECK_WARNING && cr->state == CHECK_OK))
		cr->state = st;
	va_start(ap, fmt);
	check_vappend(cr->problems, sizeof(cr->problems), ", ", fmt, ap);
	va_end(ap);
}

/* check_human_age - a short human duration */
void
check_human_age(double seconds, char *buf, size_t len)
{
	long long s = !(seconds > 0) ? 0 : seconds < CHECK_AGE_MAX_S ? (long long) seconds :
	    (long long) CHECK_AGE_MAX_S;

	if (s >= 86400)
		snprintf(buf, len, "%lldd%lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
}

/* check_units - the units down, "clamd unix:/x, embedded /db" */
static int
check_units_down(const struct status_report *r, char *buf, size_t len, size_t *nup)
{
	size_t	i;
	int	down = 0;

	buf[0] = 0;
	*nup = 0;
	for (i = 0; i < r->nunits; i++) {
		if (r->units[i].up) {
			(*nup)++;
			continue;
		}
		down++;
		check_append(buf, len, ", ", "%s %s", r->units[i].scanner, r->units[i].server);
	}
	return down;
}

/* check_seconds - ms as perfdata seconds: "30", "1.5" */
static void
check_seconds(int64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%lld", (long long) (ms / 1000));
	else
		snprintf(buf, len, "%.3f", (double) ms / 1000.0);
}

/* check_heartbeat_bound - -b, else three of the file's status intervals, else the default */
int64_t
check_heartbeat_bound(const struct check_limits *lim, const struct status_report *r,
		      const char **how)
{
	if (lim->heartbeat_set) {
		*how = "-b";
		return lim->heartbeat_max_ms;
	}
	if (r->interval >= 0.001 && r->interval <= CHECK_INTERVAL_MAX_S) {
		*how = "3 x status.interval";
		return (int64_t) (r->interval * 1000.0 * CHECK_HEARTBEAT_INTERVALS + 0.5);
	}
	*how = "default";
	return lim->heartbeat_max_ms;
}

/* check_perf - the perfdata of a status file */
static void
check_perf(struct check_result *cr, const struct status_report *r,
	   const struct check_limits *lim, double hb_age, int64_t bound_ms)
{
	char	*p = cr->perf, b[32];
	size_t	n = sizeof(cr->perf);
	double	age = r->signatures_age_seconds;

	check_seconds(bound_ms, b, sizeof(b));
	if (isfinite(hb_age))
		check_append(p, n, " ", "heartbeat_age=%.0fs;;%s;0", hb_age, b);
	else
		check_append(p, n, " ", "heartbeat_age=U;;%s;0", b);
	if (r->scanners_available >= 0)
		check_append(p, n, " ", "scanners_available=%.0f;;1:;0", r->scanners_available);
	check_append(p, n, " ", "unavailable=%.0fs;;;0", r->unavailable_seconds);
	if (r->fail_open >= 0)
		check_append(p, n, " ", "fail_open=%d;;0;0;1", r->fail_open);
	if (age >= 0 && age == age) {
		char	w[32] = "", c[32] = "";

		if (lim->sig_warn_ms > 0)
			snprintf(w, sizeof(w), "%lld", (long long) (lim->sig_warn_ms / 1000));
		if (lim->sig_crit_ms > 0)
			snprintf(c, sizeof(c), "%lld", (long long) (lim->sig_crit_ms / 1000));
		check_append(p, n, " ", "signatures_age=%.0fs;%s;%s;0", age, w, c);
	}
	if (r->config_warnings >= 0)
		check_append(p, n, " ", "config_warnings=%.0f;0;;0", r->config_warnings);
	if (r->held_messages >= 0) {
		check_seconds(lim->held_warn_ms, b, sizeof(b));
		check_append(p, n, " ", "held=%.0f;;;0 held_oldest=%.0fs;%s;;0", r->held_messages,
			     r->held_oldest_seconds > 0 ? r->held_oldest_seconds : 0.0,
			     lim->held_warn_ms > 0 ? b : "");
	}
	check_append(p, n, " ", "messages_clean=%.0fc messages_infected=%.0fc "
		     "messages_unscanned=%.0fc tempfail=%.0fc",
		     r->messages[SCAN_CLEAN], r->messages[SCAN_INFECTED],
		     r->messages[SCAN_UNAVAILABLE] + r->messages[SCAN_ERROR] + r->messages[SCAN_LIMIT]
		     + r->messages[SCAN_AMBIGUOUS],
		     r->actions[POLICY_TEMPFAIL]);
}

/* check_heartbeat_bad - CRITICAL for a heartbeat that is no time or in the future; 1 when so */
static int
check_heartbeat_bad(struct check_result *cr, double heartbeat, double now)
{
	char	h[32];

	if (!isfinite(heartbeat)) {
		check_add(cr, CHECK_CRITICAL, "heartbeat %g is not a time "
			  "(status file damaged or not clamshim's)", heartbeat);
		return 1;
	}
	if (heartbeat - now > CHECK_CLOCK_SKEW_S) {
		check_human_age(heartbeat - now, h, sizeof(h));
		check_add(cr, CHECK_CRITICAL, "heartbeat is in the future by %s "
			  "(clock stepped back, or the file is not clamshim's)", h);
		return 1;
	}
	return 0;
}

/* check_limits - WARNING for each clamd server that answers OK past its limits, risk not accepted */
static void
check_limits(struct check_result *cr, const struct status_report *r)
{
	size_t	i;

	for (i = 0; i < r->nunits; i++)
		if (r->units[i].limits == SCAN_LIMITS_UNREPORTED && !r->units[i].limits_ok)
			check_add(cr, CHECK_WARNING, "%s %s does not report its limits "
				  "(AlertExceedsMax no): its clean answers count as limit",
				  r->units[i].scanner, r->units[i].server);
}

/* check_held - WARNING when a message held during an outage is older than -H */
static void
check_held(struct check_result *cr, const struct status_report *r, const struct check_limits *lim)
{
	char	h[32];

	if (!(r->held_messages > 0) || r->held_oldest_seconds < 0)
		return;
	check_human_age(r->held_oldest_seconds, h, sizeof(h));
	if (lim->held_warn_ms > 0 && r->held_oldest_seconds * 1000 > (double) lim->held_warn_ms)
		check_add(cr, CHECK_WARNING, "%.0f message%s held since an outage, the oldest for %s "
			  "(clamshim-release --list)", r->held_messages,
			  r->held_messages == 1 ? "" : "s", h);
	else
		check_append(cr->summary, sizeof(cr->summary), ", ", "%.0f held (oldest %s)",
			     r->held_messages, h);
}

/* check_status - apply the status file rules */
void
check_status(struct check_result *cr, const struct status_report *r,
	     const struct check_limits *lim, double now)
{
	double	hb_age = now - r->heartbeat;
	double	age = r->signatures_age_seconds;
	char	down[512], h[32], b[32];
	const char *how;
	int64_t	bound = check_heartbeat_bound(lim, r, &how);
	size_t	nup;
	int	ndown;

	if (hb_age < 0)
		hb_age = 0;
	check_perf(cr, r, lim, hb_age, bound);
	if (check_heartbeat_bad(cr, r->heartbeat, now))
		return;
	check_human_age((double) bound / 1000.0, b, sizeof(b));
	if (hb_age * 1000 > (double) bound) {
		check_human_age(hb_age, h, sizeof(h));
		check_add(cr, CHECK_CRITICAL, "no heartbeat for %s (bound %s, %s): clamshim "
			  "stopped, hung, or its milter socket does not answer", h, b, how);
		return;
	}
	check_append(cr->detail, sizeof(cr->detail), "\n", "heartbeat %.0fs old, bound %s (%s)",
		     hb_age, b, how);
	ndown = check_units_down(r, down, sizeof(down), &nup);
	if (r->scanners_available == 0 || (r->scanners_available < 0 && nup == 0)) {
		check_add(cr, CHECK_CRITICAL, "no scanner available%s%s%s", ndown ? " (" : "",
			  down, ndown ? " down)" : "");
		if (r->unavailable_seconds > 0) {
			check_human_age(r->unavailable_seconds, h, sizeof(h));
			check_append(cr->problems, sizeof(cr->problems), NULL, " for %s", h);
		}
	} else if (ndown > 0)
		check_add(cr, CHECK_WARNING, "%s down", down);
	if (r->fail_open == 1)
		check_add(cr, CHECK_CRITICAL, "fail-open: unscanned mail is being accepted");
	if (age >= 0 && age == age) {
		check_human_age(age, h, sizeof(h));
		if (lim->sig_crit_ms > 0 && age * 1000 > (double) lim->sig_crit_ms)
			check_add(cr, CHECK_CRITICAL, "signatures %s old", h);
		else if (lim->sig_warn_ms > 0 && age * 1000 > (double) lim->sig_warn_ms)
			check_add(cr, CHECK_WARNING, "signatures %s old", h);
	}
	if (r->config_warnings > 0)
		check_add(cr, CHECK_WARNING, "%.0f configuration warning%s (clamshim -t)",
			  r->config_warnings, r->config_warnings == 1 ? "" : "s");
	check_limits(cr, r);
	check_held(cr, r, lim);

	for (size_t i = 0; i < r->nunits; i++)
		check_append(cr->detail, sizeof(cr->detail), "\n", "%s %s: %s%s", r->units[i].scanner,
			     r->units[i].server, r->units[i].up ? "up" : "DOWN",
			     r->units[i].limits == SCAN_LIMITS_REPORTED ? ", reports its limits" :
			     r->units[i].limits == SCAN_LIMITS_UNREPORTED ? ", does NOT report its limits"
			     : "");
	check_append(cr->summary, sizeof(cr->summary), ", ", "%zu scanner unit%s up", nup,
		     nup == 1 ? "" : "s");
	if (r->engine[0])
		check_append(cr->summary, sizeof(cr->summary), ", ", "ClamAV %s%s%s", r->engine,
			     r->signatures[0] ? "/" : "", r->signatures);
	if (age >= 0 && age == age) {
		check_human_age(age, h, sizeof(h));
		check_append(cr->summary, sizeof(cr->summary), ", ", "signatures %s old", h);
	}
	check_append(cr->summary, sizeof(cr->summary), ", ", "%.0f messages",
		     r->messages[SCAN_CLEAN] + r->messages[SCAN_INFECTED] + r->messages[SCAN_LIMIT] +
		     r->messages[SCAN_ERROR] + r->messages[SCAN_UNAVAILABLE] +
		     r->messages[SCAN_SKIPPED] + r->messages[SCAN_AMBIGUOUS]);
	check_append(cr->summary, sizeof(cr->summary), ", ", "heartbeat bound %s (%s)", b, how);
}

/* check_describe - "reject (550 5.7.1 ...)" for texts */
static void
check_describe(const struct mt_result *r, char *buf, size_t len)
{
	const char *st = mt_result_header(r, "X-Virus-Status");

	snprintf(buf, len, "%s at %s%s%s%s%s%s%s", mt_decision_name(r->decision), r->stage,
		 r->reply[0] ? " (" : "", r->reply, r->reply[0] ? ")" : "",
		 st ? ", X-Virus-Status: " : "", st ? st : "", r->quarantined ? ", quarantined" : "");
}

/* check_probe_verdict - judge one probe message */
void
check_probe_verdict(struct check_result *cr, int infected, enum check_expect expect,
		    const struct mt_result *r)
{
	const char *st = mt_result_header(r, "X-Virus-Status");
	char	what[MT_REPLY_MAX + 128];
	int	ok;

	check_describe(r, what, sizeof(what));
	check_append(cr->detail, sizeof(cr->detail), "\n", "probe %s message: %s",
		     infected ? "EICAR" : "clean", what);
	if (!infected) {
		ok = r->decision == MT_ACCEPT && !r->quarantined &&
		    (st == NULL || strncasecmp(st, "Clean", 5) == 0);
		if (!ok)
			check_add(cr, CHECK_CRITICAL, "clean probe: %s", what);
		return;
	}
	switch (expect) {
	case CHECK_EXPECT_REJECT:
		ok = r->decision == MT_REJECT && (r->reply[0] == 0 || r->reply[0] == '5');
		break;
	case CHECK_EXPECT_DISCARD:
		ok = r->decision == MT_DISCARD;
		break;
	case CHECK_EXPECT_QUARANTINE:
		ok = r->decision == MT_ACCEPT && r->quarantined;
		break;
	case CHECK_EXPECT_TAG:
	default:
		ok = r->decision == MT_ACCEPT && st != NULL && strncasecmp(st, "Infected", 8) == 0;
		break;
	}
	if (!ok)
		check_add(cr, CHECK_CRITICAL, "EICAR probe: %s, expected %s",
			  what, check_expect_names[(unsigned) expect < CHECK_EXPECT_COUNT ? expect : 0]);
}

/* check_format - the plugin's output */
void
check_format(const struct check_result *cr, int verbose, char *buf, size_t len)
{
	snprintf(buf, len, "CLAMSHIM %s - %s%s%s%s%s", check_state_name(cr->state),
		 cr->problems[0] ? cr->problems : cr->summary[0] ? cr->summary : "no data",
		 cr->perf[0] ? " | " : "", cr->perf,
		 verbose && cr->detail[0] ? "\n" : "", verbose ? cr->detail : "");
}
