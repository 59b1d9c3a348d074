/*
 * NAME
 *	scan_clamd 3 - the clamd backend: zINSTREAM to a pool of clamd servers
 * SUMMARY
 *	scan_clamd_ops; for clamd_probe.c: clamd_pool_mark_down(),
 *	clamd_pool_mark_alive(), clamd_pool_unref(), clamd_pool_gave_up()
 * DESCRIPTION
 *	A message is streamed to one clamd of the pool with zINSTREAM
 *	(clamd_io_instream(): in chunks read from the spool or straight from
 *	the spool's memory, never copied whole). Servers are "unix:/PATH",
 *	"tcp:HOST:PORT" or "tcp:[V6ADDR]:PORT". connect_timeout bounds the
 *	connect, scan_timeout the whole exchange after it.
 *
 *	Pool: each message goes to the server that is up with the fewest
 *	scans in flight from this process (ties in turn), so that a slow
 *	(not dead) clamd, whose scans pile up, gets fewer messages instead
 *	of setting the tail for everyone; sequential mail still goes round
 *	robin. A server that has scans in flight but finished none for four
 *	times the usual scan of the fastest server (moving averages, at
 *	least 50 ms) counts as stalled and comes after every server that is
 *	not, so that a clamd paused or starved of CPU stops getting mail
 *	within milliseconds rather than after its queue has grown. The
 *	environment variable CLAMSHIM_CLAMD_PICK=round-robin, read once at
 *	start, picks plain round robin instead: for bench/pool's comparison
 *	only, not a setting. A server that refuses, times out, resets or
 *	answers anything that is not a reply is marked down (since,
 *	last_error) and the same message goes to the next server; only
 *	when none is left is the verdict unavailable, with every server's
 *	reason. A down server is skipped; once its retry_after has passed
 *	one message may try it again, unless the probe thread
 *	(clamd_probe.c) has just found it unreachable (then no message
 *	waits on it). The probe thread brings servers back, finds hung
 *	ones, learns versions and whether each reports its limits.
 *
 *	A hung clamd (accepts, never answers): the probe marks it down within
 *	about 1.5 s, so that new messages skip it at once. Scans already in
 *	flight wait on; the first that reaches scan_timeout marks the server
 *	down and makes every other scan waiting on that server give up at
 *	once (clamd_pool_gave_up()) and go to the next server. So about one
 *	message per server per retry_after waits the full scan_timeout (more
 *	only when several arrive in the ~1.5 s before the probe has found the
 *	server silent, and those are released with the first), and when
 *	every server is down a scan is decided at once, without any connect.
 *
 *	Limits: a clean answer counts as clean only from a server seen to
 *	report its limits (AlertExceedsMax yes) or named by
 *	clamd.limits_unreported_ok: clamd_probe_trust() decides, otherwise
 *	the message gets limit (see clamd_probe(3)).
 *
 *	Local failures: a socket() or connect() that fails for want of
 *	descriptors, memory, buffers or local ports says nothing about the
 *	server. The message gets error (on_error) and no server's state
 *	changes.
 *
 *	A host name (rather than a numeric address) keeps its server down
 *	until the probe thread has resolved it: a scan never waits for DNS.
 * DIAGNOSTICS
 *	A server going down is logged as a warning with the reason, coming
 *	back as info. Per-message failures on a server already down are
 *	logged at debug level.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clamd_pool.h"
#include "log.h"
#include "util.h"

#define CLAMD_STALL_FACTOR	4	/* stalled: no scan finished for 4 usual scans ... */
#define CLAMD_STALL_MIN_MS	50	/* ... and at least this long */

/* What one try of one server gave. */
enum clamd_try {
	CLAMD_TRY_VERDICT,		/* a reply: the verdict is filled in */
	CLAMD_TRY_NOCONN,		/* could not connect */
	CLAMD_TRY_FAIL,			/* connected, then no proper reply (garbage, reset, EOF) */
	CLAMD_TRY_TIMEOUT,		/* connected, then no reply within scan_timeout */
	CLAMD_TRY_ABORT,		/* gave up: the server hung for another message */
	CLAMD_TRY_LOCAL			/* our side failed (spool): error for this message */
};

/* clamd_server_new - a server for spec, up until proved otherwise (refs 1) */
static struct clamd_server *
clamd_server_new(const char *spec)
{
	struct clamd_server *srv = util_calloc(1, sizeof(*srv));
	char	err[CLAMD_ERR_MAX];

	srv->refs = 1;
	clamd_fmt(srv->spec, sizeof(srv->spec), "%s", spec ? spec : "");
	srv->up = 1;
	if (clamd_parse_spec(spec, &srv->cs, err, sizeof(err)) < 0) {
		srv->up = 0;
		clamd_fmt(srv->last_error, sizeof(srv->last_error), "%s", err);
		srv->down_until = INT64_MAX;
		log_error("clamd: %s", err);
		return srv;
	}
	srv->valid = 1;
	if (clamd_io_address(&srv->cs, &srv->addr, &srv->addrlen, err, sizeof(err)) < 0) {
		/* a host name: the probe thread resolves it, scans never wait for DNS */
		srv->up = 0;
		clamd_fmt(srv->last_error, sizeof(srv->last_error), "not resolved yet");
		srv->down_until = INT64_MAX;
	} else
		srv->resolved = 1;
	return srv;
}

/* clamd_pool_unref - drop a reference (scanner lock held), freeing at zero */
void
clamd_pool_unref(struct clamd_server *srv)
{
	if (srv && --srv->refs == 0)
		free(srv);
}

/* clamd_pool_mark_down - record a failure of srv (scanner lock held) */
void
clamd_pool_mark_down(struct scanner *s, struct clamd_server *srv, const char *why, int by_scan,
		     int hung)
{
	clamd_fmt(srv->last_error, sizeof(srv->last_error), "%s", why);
	srv->down_until = util_now_ms() + s->lim.retry_ms;
	if (!by_scan)
		srv->unreachable_at = util_now_ms();
	if (hung)
		srv->abort_gen++;
	if (srv->up) {
		srv->up = 0;
		srv->since = time(NULL);
		srv->limits = SCAN_LIMITS_UNKNOWN;	/* asked again once it is back */
		srv->limits_gen++;
		srv->down_by_scan = by_scan;
		srv->ping_failed = !by_scan;
		srv->next_probe = util_now_ms() + clamd_probe_interval(&s->lim);
		log_warning("clamd server %s is down: %s", srv->spec, why);
	} else {
		if (!by_scan)
			srv->ping_failed = 1;
		log_debug("clamd server %s still down: %s", srv->spec, why);
	}
}

/* clamd_pool_mark_alive - srv answered properly (scanner lock held) */
void
clamd_pool_mark_alive(struct clamd_server *srv)
{
	srv->last_alive = util_now_ms();
	srv->unreachable_at = 0;
	if (!srv->up) {
		srv->up = 1;
		srv->since = time(NULL);
		srv->limits = SCAN_LIMITS_UNKNOWN;
		srv->limits_gen++;
		srv->next_limits = 0;			/* the probe thread asks at once */
		log_info("clamd server %s is up again (was: %s)", srv->spec, srv->last_error);
	}
}

/* clamd_pool_gave_up - 1 when a connection should stop waiting (server hung for another scan, or stop) */
int
clamd_pool_gave_up(void *arg)
{
	const struct clamd_watch *w = arg;
	int	r;

	pthread_mutex_lock(&w->s->mu);
	r = w->s->stop || (w->srv != NULL && w->srv->abort_gen != w->gen);
	pthread_mutex_unlock(&w->s->mu);
	return r;
}

/* clamd_try_of - the try result for how an exchange ended */
static enum clamd_try
clamd_try_of(enum clamd_io io)
{
	return io == CLAMD_IO_OK ? CLAMD_TRY_VERDICT : io == CLAMD_IO_LOCAL ? CLAMD_TRY_LOCAL
	    : io == CLAMD_IO_TIMEOUT ? CLAMD_TRY_TIMEOUT
	    : io == CLAMD_IO_ABORT ? CLAMD_TRY_ABORT : CLAMD_TRY_FAIL;
}

/* clamd_verdict - turn a parsed reply into the verdict; CLAMD_TRY_FAIL when it is not a reply */
static enum clamd_try
clamd_verdict(const char *buf, size_t len, struct scan_verdict *v, char *err, size_t errlen)
{
	char	out[SCAN_NAME_MAX];

	switch (clamd_parse_reply(buf, len, out, sizeof(out))) {
	case CLAMD_REPLY_CLEAN:
		scan_verdict_set(v, SCAN_CLEAN, "clamd", NULL);
		return CLAMD_TRY_VERDICT;
	case CLAMD_REPLY_INFECTED:
		scan_verdict_set(v, SCAN_INFECTED, "clamd", "%s", out);
		return CLAMD_TRY_VERDICT;
	case CLAMD_REPLY_LIMIT:		/* out: "size" (StreamMaxLength) or the limit's name */
		if (strcmp(out, "size") == 0)
			scan_verdict_limit(v, SCAN_LIMIT_SIZE, "clamd", "INSTREAM size limit exceeded");
		else
			scan_verdict_limit(v, scan_limit_kind_of(out), "clamd", "%s", out);
		return CLAMD_TRY_VERDICT;
	case CLAMD_REPLY_ERROR:
		scan_verdict_set(v, SCAN_ERROR, "clamd", "%s", out);
		return CLAMD_TRY_VERDICT;
	case CLAMD_REPLY_BAD:
	default:
		clamd_fmt(err, errlen, "%s", out);
		return CLAMD_TRY_FAIL;
	}
}

/* clamd_try_server - stream msg to srv; a verdict or why not */
static enum clamd_try
clamd_try_server(struct scanner *s, struct clamd_server *srv, unsigned gen,
		 const struct clamd_limits *lim, const struct spool *msg,
		 struct scan_verdict *v, char *err, size_t errlen)
{
	struct clamd_watch w = { .s = s, .srv = srv, .gen = gen };
	struct clamd_io_conn c = { .fd = -1, .gave_up = clamd_pool_gave_up, .arg = &w };
	char	buf[CLAMD_REPLY_MAX + 1];
	size_t	len = 0;
	enum clamd_try r;

	if (clamd_io_connect(&c, &srv->addr, srv->addrlen, lim->connect_ms, err, errlen) < 0)
		return c.local ? CLAMD_TRY_LOCAL : clamd_pool_gave_up(&w) ? CLAMD_TRY_ABORT
		    : CLAMD_TRY_NOCONN;
	c.deadline = util_now_ms() + lim->scan_ms;
	r = clamd_try_of(clamd_io_instream(&c, msg, buf, sizeof(buf), &len, err, errlen));
	if (r == CLAMD_TRY_VERDICT)
		r = clamd_verdict(buf, len, v, err, errlen);
	close(c.fd);
	return r;
}

/*
 * clamd_stall_bound - how long a busy server may finish nothing before it counts as
 * stalled: CLAMD_STALL_FACTOR times the usual scan of the fastest server that is up,
 * at least CLAMD_STALL_MIN_MS (scanner lock held)
 */
static int64_t
clamd_stall_bound(const struct scanner *s)
{
	int64_t	usual = -1;
	size_t	i;

	for (i = 0; i < s->nsrv; i++)
		if (s->srv[i]->up && s->srv[i]->scan_ewma8 > 0
		    && (usual < 0 || s->srv[i]->scan_ewma8 / 8 < usual))
			usual = s->srv[i]->scan_ewma8 / 8;
	return usual * CLAMD_STALL_FACTOR > CLAMD_STALL_MIN_MS ? usual * CLAMD_STALL_FACTOR
	    : CLAMD_STALL_MIN_MS;
}

/*
 * clamd_pick - the next server to try for a message (ref taken, inflight counted) or NULL:
 * of the servers up and not tried yet, one not stalled before one stalled, then the one
 * with the fewest scans in flight from this process (ties: in turn from rr on); else a
 * down server whose retry_after has passed
 */
static struct clamd_server *
clamd_pick(struct scanner *s, struct clamd_server **tried, size_t ntried, unsigned *gen,
	   int *trial, struct clamd_limits *lim)
{
	struct clamd_server *srv, *pick = NULL, *best = NULL;
	int64_t	now = util_now_ms();
	size_t	i, j, idx, bidx = 0;
	int64_t	stall;
	int	pass, st, bst = 0;

	pthread_mutex_lock(&s->mu);
	*lim = s->lim;
	stall = clamd_stall_bound(s);
	for (pass = 0; pass < 2 && pick == NULL; pass++) {
		for (i = 0; i < s->nsrv && pick == NULL; i++) {
			idx = (s->rr + i) % s->nsrv;
			srv = s->srv[idx];
			for (j = 0; j < ntried && tried[j] != srv; j++)
				;
			if (j < ntried || !srv->valid || !srv->resolved)
				continue;
			if (pass == 0 && srv->up) {
				/* not stalled first, then the fewest in flight; ties: the first from rr on */
				st = srv->inflight > 0 && now - srv->progress_at > stall;
				if (best == NULL || (!s->round_robin && (st < bst || (st == bst
						&& srv->inflight < best->inflight)))) {
					best = srv;
					bidx = idx;
					bst = st;
				}
			} else if (pass == 1 && !srv->up && !srv->trial && now >= srv->down_until
				   && (srv->unreachable_at == 0
				       || now - srv->unreachable_at > clamd_probe_cycle(&s->lim))) {
				pick = srv;
				*trial = 1;
				srv->trial = 1;
			}
			if (pick)
				s->rr = idx + 1;
		}
		if (pass == 0 && best != NULL) {
			pick = best;
			*trial = 0;
			s->rr = bidx + 1;
		}
	}
	if (pick) {
		pick->refs++;
		if (pick->inflight++ == 0)
			pick->progress_at = now;
		*gen = pick->abort_gen;
	}
	pthread_mutex_unlock(&s->mu);
	return pick;
}

/* clamd_done - account the end of a try of srv that took ms (scanner lock taken here) */
static void
clamd_done(struct scanner *s, struct clamd_server *srv, int trial, enum clamd_try r,
	   int64_t ms, const char *err, struct scan_verdict *v)
{
	pthread_mutex_lock(&s->mu);
	srv->inflight--;
	srv->progress_at = util_now_ms();
	if (r == CLAMD_TRY_VERDICT)		/* its usual scan: moving average, weight 1/8 */
		srv->scan_ewma8 = srv->scan_ewma8 == 0 ? ms * 8 + 1
		    : srv->scan_ewma8 + ms - srv->scan_ewma8 / 8;
	if (trial)
		srv->trial = 0;
	switch (r) {
	case CLAMD_TRY_VERDICT:
		clamd_pool_mark_alive(srv);
		clamd_fmt(v->engine, sizeof(v->engine), "%s", srv->engine[0] ? srv->engine : s->engine);
		break;
	case CLAMD_TRY_NOCONN:
		clamd_pool_mark_down(s, srv, err, 0, 0);
		break;
	case CLAMD_TRY_FAIL:
		clamd_pool_mark_down(s, srv, err, 1, 0);
		break;
	case CLAMD_TRY_TIMEOUT:
		clamd_pool_mark_down(s, srv, err, 1, 1);
		break;
	case CLAMD_TRY_ABORT:
	case CLAMD_TRY_LOCAL:
	default:
		break;
	}
	pthread_mutex_unlock(&s->mu);
}

/* clamd_append - add "; text" to a bounded reason */
static void
clamd_append(char *buf, size_t len, const char *spec, const char *text)
{
	size_t	n = strlen(buf);

	if (n + 1 < len)
		clamd_fmt(buf + n, len - n, "%s%s: %s", n ? "; " : "", spec, text);
}

/* clamd_unavailable_reason - every server's reason for an unavailable verdict */
static void
clamd_unavailable_reason(struct scanner *s, char *why, size_t len)
{
	size_t	i;

	pthread_mutex_lock(&s->mu);
	if (s->nsrv == 0)
		clamd_fmt(why, len, "no clamd servers configured");
	for (i = 0; i < s->nsrv; i++)
		if (!s->srv[i]->up)
			clamd_append(why, len, s->srv[i]->spec, s->srv[i]->last_error);
	pthread_mutex_unlock(&s->mu);
}

/* clamd_scan - the verdict for one message from the first server that answers */
static void
clamd_scan(struct scanner *s, const struct spool *msg, struct scan_verdict *v)
{
	struct clamd_server *tried[SCAN_MAX_UNITS + CONF_MAX_SERVERS], *srv;
	struct clamd_limits lim;
	char	why[SCAN_NAME_MAX] = "", err[CLAMD_ERR_MAX];
	size_t	ntried = 0, i;
	unsigned gen = 0;
	int	trial = 0;
	int64_t	t0;
	enum clamd_try r;

	pthread_mutex_lock(&s->mu);
	lim = s->lim;
	pthread_mutex_unlock(&s->mu);
	if (lim.stream_max && spool_size(msg) > lim.stream_max) {	/* max_size: chain_scan */
		scan_verdict_limit(v, SCAN_LIMIT_SIZE, "clamd", "over stream_max");
		goto engine;
	}
	while (ntried < sizeof(tried) / sizeof(tried[0])
	       && (srv = clamd_pick(s, tried, ntried, &gen, &trial, &lim)) != NULL) {
		tried[ntried++] = srv;
		err[0] = 0;
		t0 = util_now_ms();
		r = clamd_try_server(s, srv, gen, &lim, msg, v, err, sizeof(err));
		clamd_done(s, srv, trial, r, util_now_ms() - t0, err, v);
		if (r == CLAMD_TRY_VERDICT) {
			if (v->result == SCAN_CLEAN)
				clamd_probe_trust(s, srv, &lim, v);
			goto out;
		}
		if (r == CLAMD_TRY_LOCAL) {
			scan_verdict_set(v, SCAN_ERROR, "clamd", "%s", err);
			goto engine;
		}
		log_debug("clamd server %s failed for a message: %s", srv->spec, err);
		clamd_append(why, sizeof(why), srv->spec, err);
	}
	if (ntried == 0)
		clamd_unavailable_reason(s, why, sizeof(why));
	scan_verdict_set(v, SCAN_UNAVAILABLE, "clamd", "%s", why[0] ? why : "no clamd server answered");
engine:
	pthread_mutex_lock(&s->mu);
	clamd_fmt(v->engine, sizeof(v->engine), "%s", s->engine);
	pthread_mutex_unlock(&s->mu);
out:
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < ntried; i++)
		clamd_pool_unref(tried[i]);
	pthread_mutex_unlock(&s->mu);
}

/* clamd_limits_from - timeouts and limits from the configuration, with sane floors */
static void
clamd_limits_from(const struct conf *conf, struct clamd_limits *lim)
{
	lim->connect_ms = conf->clamd.connect_timeout_ms > 0 ? conf->clamd.connect_timeout_ms : 2000;
	lim->scan_ms = conf->clamd.scan_timeout_ms > 0 ? conf->clamd.scan_timeout_ms : 60000;
	lim->retry_ms = conf->clamd.retry_after_ms > 0 ? conf->clamd.retry_after_ms : 0;
	lim->stream_max = conf->clamd.stream_max;
}

/* clamd_configure - replace the server list, keeping the state of unchanged servers */
static void
clamd_configure(struct scanner *s, const struct conf *conf)
{
	struct clamd_server **nsrv, **old;
	size_t	n = conf->clamd.nservers, i, j, k, nold;

	if (n > CONF_MAX_SERVERS)
		n = CONF_MAX_SERVERS;
	nsrv = util_calloc(n, sizeof(*nsrv));
	pthread_mutex_lock(&s->mu);
	for (i = 0; i < n; i++) {
		const char *spec = conf->clamd.servers[i] ? conf->clamd.servers[i] : "";

		for (j = 0; j < s->nsrv && strcmp(s->srv[j]->spec, spec) != 0; j++)
			;
		for (k = 0; k < i && j < s->nsrv && nsrv[k] != s->srv[j]; k++)
			;
		if (j < s->nsrv && k == i) {		/* unchanged (and not listed twice) */
			nsrv[i] = s->srv[j];
			nsrv[i]->refs++;
		} else
			nsrv[i] = clamd_server_new(spec);
		for (k = 0; k < conf->clamd.nlimits_unreported_ok
		     && strcmp(conf->clamd.limits_unreported_ok[k] ? conf->clamd.limits_unreported_ok[k]
			       : "", spec) != 0; k++)
			;
		nsrv[i]->limits_ok = k < conf->clamd.nlimits_unreported_ok;
	}
	old = s->srv;
	nold = s->nsrv;
	s->srv = nsrv;
	s->nsrv = n;
	s->rr = 0;
	clamd_limits_from(conf, &s->lim);
	for (i = 0; i < nold; i++)
		clamd_pool_unref(old[i]);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	free(old);
}

/* clamd_create - a pool for this configuration, with its probe thread */
static struct scanner *
clamd_create(const struct conf *conf, char *err, size_t errlen)
{
	struct scanner *s = util_calloc(1, sizeof(*s));
	const char *pick;
	int	rc;

	if ((rc = pthread_mutex_init(&s->mu, NULL)) != 0) {
		clamd_fmt(err, errlen, "clamd: cannot create a mutex: %s", strerror(rc));
		free(s);
		return NULL;
	}
	if ((rc = util_cond_init(&s->cv)) != 0) {
		clamd_fmt(err, errlen, "clamd: cannot create a condition variable: %s", strerror(rc));
		goto fail_cv;
	}
	pick = getenv("CLAMSHIM_CLAMD_PICK");
	s->round_robin = pick != NULL && strcmp(pick, "round-robin") == 0;
	if ((s->limits_probe = clamd_probe_spool(err, errlen)) == NULL)
		goto fail;
	clamd_configure(s, conf);
	if ((rc = pthread_create(&s->probe, NULL, clamd_probe_main, s)) != 0) {
		clamd_fmt(err, errlen, "clamd: cannot start the probe thread: %s", strerror(rc));
		clamd_configure(s, &(struct conf) { .clamd.nservers = 0 });
		free(s->srv);
		spool_free(s->limits_probe);
		goto fail;
	}
	return s;
fail:
	pthread_cond_destroy(&s->cv);
fail_cv:
	pthread_mutex_destroy(&s->mu);
	free(s);
	return NULL;
}

/* clamd_wait_ready - wait for the first probe round; 0 when a server is up */
static int
clamd_wait_ready(struct scanner *s, int timeout_ms)
{
	struct timespec ts = util_deadline(timeout_ms);
	size_t	i;
	int	up = 0;

	pthread_mutex_lock(&s->mu);
	while (!s->probed && !s->stop)
		if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0)
			break;
	for (i = 0; i < s->nsrv; i++)
		up |= s->srv[i]->up;
	pthread_mutex_unlock(&s->mu);
	return up ? 0 : -1;
}

/* clamd_status - per-server health and the engine version */
static void
clamd_status(struct scanner *s, struct scan_status *st)
{
	size_t	i;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&s->mu);
	clamd_fmt(st->engine, sizeof(st->engine), "%s", s->engine);
	clamd_fmt(st->sig_version, sizeof(st->sig_version), "%s", s->sig);
	st->sig_time = s->sig_time;
	st->loading = !s->probed;
	for (i = 0; i < s->nsrv && i < SCAN_MAX_UNITS; i++) {
		struct scan_unit_status *u = &st->units[i];
		const struct clamd_server *srv = s->srv[i];

		clamd_fmt(u->name, sizeof(u->name), "%s", srv->spec);
		u->up = srv->up;
		u->since = srv->since;
		u->limits = srv->limits;
		u->limits_ok = srv->limits_ok;
		clamd_fmt(u->last_error, sizeof(u->last_error), "%s", srv->last_error);
		st->up |= srv->up;
	}
	st->nunits = i;
	pthread_mutex_unlock(&s->mu);
}

/* clamd_destroy - stop and join the probe thread, free everything */
static void
clamd_destroy(struct scanner *s)
{
	size_t	i;

	if (s == NULL)
		return;
	util_wake(&s->mu, &s->cv, &s->stop, 1);
	pthread_join(s->probe, NULL);
	for (i = 0; i < s->nsrv; i++)
		clamd_pool_unref(s->srv[i]);
	free(s->srv);
	spool_free(s->limits_probe);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

const struct scan_ops scan_clamd_ops = {
	.create = clamd_create,
	.configure = clamd_configure,
	.scan = clamd_scan,
	.reload = NULL,
	.wait_ready = clamd_wait_ready,
	.status = clamd_status,
	.destroy = clamd_destroy,
};
