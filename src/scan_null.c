/*
 * NAME
 *	scan_null 3 - a scanner backend that scans nothing: the test double
 * DESCRIPTION
 *	In the spirit of OpenSMTPD's null queue backend: the full backend
 *	interface of scan(3h) with no engine, no socket and no file behind
 *	it, so that the chain's own rules (order, fall-through, the joined
 *	reasons, max_size, the "unavailable since" clock) are tested without
 *	libclamav, clamd or sleeps.
 *
 *	An instance starts clean: every scan gives clean from scanner
 *	"null". scan_null_script() changes what the following scans give
 *	(clean, infected NAME, limit KIND REASON, error REASON, unavailable
 *	REASON) and under which scanner name. The status has one unit,
 *	"null", up unless the script says unavailable, and counts the reload
 *	requests; wait_ready is always ready. Every call is thread safe.
 * DIAGNOSTICS
 *	None: create never fails, allocation failure aborts (util(3)).
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan_null.h"
#include "util.h"

#define NULL_SCANNER	"null"

struct scanner {
	pthread_mutex_t mu;
	char	scanner[sizeof(((struct scan_verdict *) 0)->scanner)];
	enum scan_result result;		/* what each scan gives */
	enum scan_limit_kind limit;		/* its kind, for a limit */
	char	name[SCAN_NAME_MAX];		/* virus name or reason */
	atomic_ulong scans;			/* read without the lock */
	unsigned long reloads;
	time_t	since;				/* when the instance was made */
};

/* null_create - a new instance that answers clean */
static struct scanner *
null_create(const struct conf *conf, char *err, size_t errlen)
{
	struct scanner *s = util_calloc(1, sizeof(*s));

	(void) conf;
	(void) err;
	(void) errlen;
	pthread_mutex_init(&s->mu, NULL);
	snprintf(s->scanner, sizeof(s->scanner), "%s", NULL_SCANNER);
	s->result = SCAN_CLEAN;
	s->since = time(NULL);
	return s;
}

/* null_configure - nothing to apply */
static void
null_configure(struct scanner *s, const struct conf *conf)
{
	(void) s;
	(void) conf;
}

/* null_scan - the scripted verdict, counted */
static void
null_scan(struct scanner *s, const struct spool *msg, struct scan_verdict *v)
{
	(void) msg;
	atomic_fetch_add(&s->scans, 1);
	pthread_mutex_lock(&s->mu);
	if (s->result == SCAN_LIMIT)
		scan_verdict_limit(v, s->limit, s->scanner, "%s", s->name);
	else
		scan_verdict_set(v, s->result, s->scanner, "%s", s->name);
	snprintf(v->engine, sizeof(v->engine), "%s", NULL_SCANNER);
	pthread_mutex_unlock(&s->mu);
}

/* null_reload - count the request */
static void
null_reload(struct scanner *s)
{
	pthread_mutex_lock(&s->mu);
	s->reloads++;
	pthread_mutex_unlock(&s->mu);
}

/* null_wait_ready - always ready */
static int
null_wait_ready(struct scanner *s, int timeout_ms)
{
	(void) s;
	(void) timeout_ms;
	return 0;
}

/* null_status - one unit, up unless scripted unavailable */
static void
null_status(struct scanner *s, struct scan_status *st)
{
	struct scan_unit_status *u = &st->units[0];

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&s->mu);
	st->up = u->up = s->result != SCAN_UNAVAILABLE;
	st->nunits = 1;
	st->reloads_ok = s->reloads;
	snprintf(st->engine, sizeof(st->engine), "%s", NULL_SCANNER);
	snprintf(u->name, sizeof(u->name), "%s", NULL_SCANNER);
	u->since = s->since;
	if (!u->up)
		snprintf(u->last_error, sizeof(u->last_error), "%s", s->name);
	pthread_mutex_unlock(&s->mu);
}

/* null_destroy - free the instance */
static void
null_destroy(struct scanner *s)
{
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* scan_null_script - what the following scans of s give */
void
scan_null_script(struct scanner *s, const char *scanner, enum scan_result r,
		 enum scan_limit_kind k, const char *name)
{
	pthread_mutex_lock(&s->mu);
	snprintf(s->scanner, sizeof(s->scanner), "%s", scanner ? scanner : NULL_SCANNER);
	s->result = (unsigned) r < SCAN_RESULT_COUNT ? r : SCAN_ERROR;
	s->limit = k;
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "");
	pthread_mutex_unlock(&s->mu);
}

/* scan_null_scans - how many scans s was asked */
unsigned long
scan_null_scans(struct scanner *s)
{
	return atomic_load(&s->scans);
}

const struct scan_ops scan_null_ops = {
	.create = null_create,
	.configure = null_configure,
	.scan = null_scan,
	.reload = null_reload,
	.wait_ready = null_wait_ready,
	.status = null_status,
	.destroy = null_destroy,
};
