/*
 * NAME
 *	alert_state 3 - the alert state machine: scanner snapshots to events
 * SUMMARY
 *	alert_observe(), alert_fail_open()
 * DESCRIPTION
 *	alert_observe() keeps the last seen state of every unit (clamd
 *	server, embedded database) of every configured scanner, whether the
 *	whole chain was down, each scanner's reload failure count and
 *	whether its signatures were stale, and whether each clamd server
 *	was last found to answer OK past its limits, and raises an event on
 *	each change. A unit seen for the first time is assumed up, so a unit
 *	that is down from the start raises scanner-down. A scanner whose
 *	first load is still running is neither up nor down until
 *	load_grace_ms after alert_new(). alert_fail_open() raises
 *	fail-open-started and fail-open-ended on change.
 * DIAGNOSTICS
 *	None here: each event goes through alert_make() (alert_rate.c),
 *	which logs it. Units beyond ALERT_UNITS_MAX and scanner kinds beyond
 *	ALERT_SCANNERS_MAX are not remembered.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "alert_int.h"

/* alert_unit_find - the remembered unit, created (assumed up) when new; NULL when full */
static struct alert_unit *
alert_unit_find(struct alert *a, const char *scanner, const char *name)
{
	struct alert_unit *u;
	size_t	i;

	for (i = 0; i < a->nunits; i++)
		if (strcmp(a->units[i].scanner, scanner) == 0 && strcmp(a->units[i].name, name) == 0)
			return &a->units[i];
	if (a->nunits == ALERT_UNITS_MAX)
		return NULL;
	u = &a->units[a->nunits++];
	memset(u, 0, sizeof(*u));
	alert_copy(u->scanner, sizeof(u->scanner), scanner);
	alert_copy(u->name, sizeof(u->name), name);
	u->up = 1;
	return u;
}

/* alert_kind_find - the remembered scanner kind, created when new; NULL when full */
static struct alert_kind *
alert_kind_find(struct alert *a, const char *name)
{
	size_t	i;

	for (i = 0; i < a->nkinds; i++)
		if (strcmp(a->kinds[i].name, name) == 0)
			return &a->kinds[i];
	if (a->nkinds == ALERT_SCANNERS_MAX)
		return NULL;
	memset(&a->kinds[a->nkinds], 0, sizeof(a->kinds[0]));
	alert_copy(a->kinds[a->nkinds].name, sizeof(a->kinds[0].name), name);
	return &a->kinds[a->nkinds++];
}

/* alert_in_grace - 1 when this scanner's first load may still run without being an outage */
static int
alert_in_grace(struct alert *a, const struct scan_status *st, int64_t now)
{
	return st->loading && !st->up && a->load_grace_ms > 0 &&
	    now - a->start_ms < a->load_grace_ms;
}

/* alert_cat - append text to a bounded buffer, cutting it short when full */
static void
alert_cat(char *buf, size_t len, const char *text)
{
	size_t	used = strlen(buf), n = strlen(text);

	if (used + 1 >= len)
		return;
	if (n > len - 1 - used)
		n = len - 1 - used;
	memcpy(buf + used, text, n);
	buf[used + n] = 0;
}

/* alert_append - add "; text" (or just text to an empty buffer) */
static void
alert_append(char *buf, size_t len, const char *text)
{
	if (buf[0])
		alert_cat(buf, len, "; ");
	alert_cat(buf, len, text);
}

/* alert_limits - clamd-limits-unreported when a unit is found to hide its limits (lock held) */
static void
alert_limits(struct alert *a, const char *scanner, const struct scan_unit_status *su,
	     struct alert_unit *u)
{
	int	bad;

	if (su->limits == SCAN_LIMITS_UNKNOWN)
		return;				/* not asked since it came up: keep what was known */
	bad = su->limits == SCAN_LIMITS_UNREPORTED && !su->limits_ok;
	if (bad && !u->limits_bad)
		alert_make(a, ALERT_CLAMD_LIMITS_UNREPORTED, scanner, su->name, 0,
			   "%s %s does not report its limits (AlertExceedsMax no): its OK answers "
			   "count as limit until its clamd.conf says AlertExceedsMax yes", scanner,
			   su->name);
	u->limits_bad = bad;
}

/* alert_units - per unit down/up (lock held) */
static void
alert_units(struct alert *a, const char *scanner, const struct scan_status *st)
{
	size_t	i;

	for (i = 0; i < st->nunits && i < SCAN_MAX_UNITS; i++) {
		const struct scan_unit_status *su = &st->units[i];
		struct alert_unit *u = alert_unit_find(a, scanner, su->name);
		int	up = su->up != 0;

		if (u == NULL)
			continue;
		u->seen = 1;
		alert_limits(a, scanner, su, u);
		if (u->up == up)
			continue;
		u->up = up;
		if (!up)
			alert_make(a, ALERT_SCANNER_DOWN, scanner, su->name, su->since,
				   "%s %s is down: %s", scanner, su->name,
				   su->last_error[0] ? su->last_error : "no reason given");
		else
			alert_make(a, ALERT_SCANNER_UP, scanner, su->name, su->since,
				   "%s %s is up again", scanner, su->name);
	}
}

/* alert_db - reload failures and stale signatures of one scanner (lock held) */
static void
alert_db(struct alert *a, const char *scanner, const struct scan_status *st, time_t wall)
{
	struct alert_kind *k = alert_kind_find(a, scanner);
	int	stale;

	if (k == NULL)
		return;
	if (st->reloads_failed > k->reloads_failed)
		alert_make(a, ALERT_DB_RELOAD_FAILED, scanner, st->nunits ? st->units[0].name : "", 0,
			   "%s: %lu signature reload%s failed%s%s%s", scanner,
			   st->reloads_failed - k->reloads_failed,
			   st->reloads_failed - k->reloads_failed == 1 ? "" : "s",
			   st->up ? ", keeping the old signatures" : "",
			   st->nunits && st->units[0].last_error[0] ? ": " : "",
			   st->nunits ? st->units[0].last_error : "");
	k->reloads_failed = st->reloads_failed;
	stale = st->up && st->sig_time > 0 && a->max_db_age_ms > 0 &&
	    ((int64_t) wall - (int64_t) st->sig_time) * 1000 > a->max_db_age_ms;
	if (stale && !k->stale)
		alert_make(a, ALERT_DB_STALE, scanner, st->nunits ? st->units[0].name : "",
			   st->sig_time, "%s signatures%s%s are %lld hours old (max_db_age %lld hours)",
			   scanner, st->sig_version[0] ? " " : "", st->sig_version,
			   (long long) ((wall - st->sig_time) / 3600),
			   (long long) (a->max_db_age_ms / 3600000));
	k->stale = stale;
}

/* alert_observe - compare with the last snapshot and raise what changed */
void
alert_observe(struct alert *a, const struct alert_observation *obs)
{
	char	why[ALERT_DETAIL_MAX - 64] = "", upnames[128] = "";
	int64_t	now;
	time_t	wall;
	size_t	i, j;
	int	any_up = 0, grace = 0, all_down;

	pthread_mutex_lock(&a->mu);
	now = alert_now(a);
	wall = alert_wall(a);
	for (i = 0; i < a->nunits; i++)
		a->units[i].seen = 0;
	for (i = 0; i < obs->nscanners; i++) {
		const struct alert_scanner *sc = &obs->scanners[i];
		const struct scan_status *st = sc->st;

		if (alert_in_grace(a, st, now)) {
			grace = 1;
			continue;
		}
		alert_units(a, sc->name, st);
		alert_db(a, sc->name, st, wall);
		if (st->up) {
			any_up = 1;
			alert_append(upnames, sizeof(upnames), sc->name);
			continue;
		}
		alert_append(why, sizeof(why), sc->name);
		alert_cat(why, sizeof(why), " (");
		for (j = 0; j < st->nunits && j < SCAN_MAX_UNITS; j++) {
			alert_cat(why, sizeof(why), j ? ", " : "");
			alert_cat(why, sizeof(why), st->units[j].name);
			alert_cat(why, sizeof(why), ": ");
			alert_cat(why, sizeof(why), st->units[j].last_error[0] ?
				  st->units[j].last_error : "down");
		}
		alert_cat(why, sizeof(why), st->nunits ? ")" : "no unit)");
	}
	/* forget units no longer configured */
	for (i = j = 0; i < a->nunits; i++)
		if (a->units[i].seen)
			a->units[j++] = a->units[i];
	a->nunits = j;

	all_down = !any_up && !grace;
	if (all_down && !a->all_down) {
		__atomic_store_n(&a->all_down, 1, __ATOMIC_RELEASE);
		a->all_down_since = wall;
		alert_make(a, ALERT_ALL_DOWN, "", "", wall, "no scanner can scan: %s",
			   obs->nscanners ? why : "no scanner configured");
	} else if (!all_down && a->all_down && any_up) {
		__atomic_store_n(&a->all_down, 0, __ATOMIC_RELEASE);
		alert_make(a, ALERT_RECOVERED, "", "", a->all_down_since,
			   "scanning again (%s up) after %lld s without a scanner", upnames,
			   (long long) (wall - a->all_down_since));
	}
	pthread_mutex_unlock(&a->mu);
}

/* alert_fail_open - fail-open started or ended */
void
alert_fail_open(struct alert *a, int on, int64_t unavailable_ms)
{
	time_t	wall;

	pthread_mutex_lock(&a->mu);
	wall = alert_wall(a);
	if (on && !a->fail_open) {
		a->fail_open = 1;
		a->fail_open_since = wall;
		alert_make(a, ALERT_FAIL_OPEN_STARTED, "", "", wall,
			   "no scanner has worked for %lld s: unscanned mail is accepted, tagged",
			   (long long) (unavailable_ms / 1000));
	} else if (!on && a->fail_open) {
		a->fail_open = 0;
		alert_make(a, ALERT_FAIL_OPEN_ENDED, "", "", a->fail_open_since,
			   "fail-open ended after %lld s: the configured policy applies again",
			   (long long) (wall - a->fail_open_since));
	}
	pthread_mutex_unlock(&a->mu);
}
