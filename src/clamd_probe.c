/*
 * NAME
 *	clamd_probe 3 - the clamd pool's probe thread: PING, VERSION, the limits probe
 * SUMMARY
 *	clamd_probe_main(), clamd_probe_interval(), clamd_probe_cycle(),
 *	clamd_probe_spool(), clamd_probe_trust()
 * DESCRIPTION
 *	A probe thread brings servers back without waiting for mail: it
 *	sends zPING to every down server every min(retry_after, 1s) and marks
 *	it up on "PONG" (and reads zVERSION for the engine version). A
 *	server that was marked down by a failed scan (garbage, reset, scan
 *	timeout) while still answering PING at once (clamd alive but its
 *	scans fail) comes back only after retry_after; one whose PING failed
 *	or took longer than 250 ms too comes back on the first PONG.
 *
 *	A hung clamd (accepts, never answers): the probe pings every server
 *	that has a scan in flight and has shown no sign of life for 500 ms
 *	(clamd answers PING from its accept loop, even with every scanning
 *	thread busy); no PONG within 1 s marks it down, so that new messages
 *	skip it at once. An idle up server is pinged every 2 s, so that a
 *	dead one is noticed without mail.
 *
 *	Up servers are asked zVERSION once a minute (and when they come
 *	up); "ClamAV 1.4.6/27432/..." makes the engine "1.4.6/27432".
 *
 *	Limits: clamd's default (AlertExceedsMax no) answers OK for a file
 *	it stopped unpacking at a limit, so an OK is trusted only from a
 *	server that was seen to report its limits. The probe thread sends
 *	each server the limits probe (clamd_limits_probe(): EICAR 64 zips
 *	deep, 6.5 KB) when it is first up, after each time it went down and
 *	came back, and once an hour: Heuristics.Limits.Exceeded.* or the
 *	EICAR name means it reports them, OK means it does not. The OK
 *	answers of a server that does not are turned into limit, unless
 *	clamd.limits_unreported_ok names it. A clean answer from a server
 *	not probed yet since it came up (a message got there before the
 *	probe thread) is checked at once by clamd_probe_trust(): that
 *	message's thread sends the probe itself (one more ~15 ms exchange,
 *	bounded by the scan's timeouts) and decides from the answer; no
 *	answer means limit. So an unverified OK never becomes clean and no
 *	message waits for the probe thread. The probe's answers never mark
 *	a server down: PING does.
 *
 *	Local failures (no descriptor, memory, buffer or port here) teach
 *	nothing about the server: the probe tries again later, and no
 *	server's state changes.
 *
 *	Host names (rather than numeric addresses) are resolved here only,
 *	so that a scan never waits for DNS: the server stays down until one
 *	of the name's addresses answers PING, and that address is kept.
 * DIAGNOSTICS
 *	A server found not to report its limits is logged as a warning
 *	(once per change), one found to report them as info. A probe not
 *	sent for a local failure, and a limits probe without an answer, are
 *	logged at debug level.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clamd_pool.h"
#include "clamd_zip.h"
#include "log.h"
#include "util.h"

#define CLAMD_TICK_MS		100	/* the probe thread's clock */
#define CLAMD_BUSY_PING_MS	500	/* silence with a scan in flight before the probe pings */
#define CLAMD_PROBE_MAX_MS	1000	/* a probe's connect and exchange, each at most */
#define CLAMD_PING_SLOW_MS	250	/* a PONG slower than this counts as a failed PING */
#define CLAMD_VERSION_EVERY_MS	60000	/* zVERSION to up servers this often */
#define CLAMD_IDLE_PING_MS	2000	/* an idle up server is pinged this often: a dead one is noticed without mail */
#define CLAMD_LIMITS_EVERY_MS	3600000	/* an up server gets the limits probe again this often */

/* What the probe thread does to a server in a round. */
enum clamd_probe_what { CLAMD_PROBE_NONE = 0, CLAMD_PROBE_PING, CLAMD_PROBE_VERSION, CLAMD_PROBE_LIMITS };

/* clamd_probe_min - the smaller of two durations */
static int64_t
clamd_probe_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* clamd_probe_interval - how often down servers are pinged */
int64_t
clamd_probe_interval(const struct clamd_limits *lim)
{
	int64_t	t = clamd_probe_min(lim->retry_ms, 1000);

	return t < CLAMD_TICK_MS ? CLAMD_TICK_MS : t;
}

/* clamd_probe_cycle - longest time between two PINGs of a down server finishing */
int64_t
clamd_probe_cycle(const struct clamd_limits *lim)
{
	return clamd_probe_interval(lim) + 2 * CLAMD_PROBE_MAX_MS + 2 * CLAMD_TICK_MS;
}

/* clamd_probe_command - clamd_io_command() to srv, each wait at most CLAMD_PROBE_MAX_MS */
static int
clamd_probe_command(struct scanner *s, const struct clamd_server *srv,
		    const struct clamd_limits *lim, const char *cmd, char *buf, size_t cap,
		    size_t *len, char *err, size_t errlen)
{
	struct clamd_watch w = { .s = s };
	struct clamd_io_conn c = { .fd = -1, .gave_up = clamd_pool_gave_up, .arg = &w };

	return clamd_io_command(&c, &srv->addr, srv->addrlen,
				clamd_probe_min(lim->connect_ms, CLAMD_PROBE_MAX_MS),
				clamd_probe_min(lim->scan_ms, CLAMD_PROBE_MAX_MS), cmd, buf, cap, len,
				err, errlen);
}

/* clamd_probe_resolve - resolve a host name into tmp: the first address that PONGs; 0, or -1 with err */
static int
clamd_probe_resolve(struct scanner *s, struct clamd_server *tmp, const struct clamd_limits *lim,
		    char *err, size_t errlen)
{
	char	buf[CLAMD_REPLY_MAX + 1];
	struct addrinfo *res, *ai;
	size_t	len = 0;

	if ((res = clamd_io_addrinfo(&tmp->cs, 0, err, errlen)) == NULL)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (clamd_io_addr_from(ai, &tmp->addr, &tmp->addrlen) < 0)
			continue;
		if (clamd_probe_command(s, tmp, lim, "zPING", buf, sizeof(buf), &len, err, errlen) == 0
		    && clamd_parse_pong(buf, len, err, errlen) == 0) {
			freeaddrinfo(res);
			return 0;
		}
	}
	freeaddrinfo(res);
	return -1;			/* err: why the last address failed; resolved again next time */
}

/* clamd_probe_one - PING (down) or VERSION (up) srv and record what it says */
static void
clamd_probe_one(struct scanner *s, struct clamd_server *srv, int ping)
{
	char	buf[CLAMD_REPLY_MAX + 1], err[CLAMD_ERR_MAX] = "", engine[SCAN_ENGINE_MAX] = "",
		sig[32] = "";
	struct clamd_limits lim;
	struct clamd_server tmp;
	size_t	len = 0;
	int	ok = 0, resolved, version = !ping, was_down, slow = 0, rc;
	int64_t	now, t0;
	time_t	sig_time = 0;

	pthread_mutex_lock(&s->mu);
	lim = s->lim;
	resolved = srv->resolved;
	was_down = !srv->up;
	tmp = *srv;					/* spec and address, read under lock */
	pthread_mutex_unlock(&s->mu);
	if (!tmp.valid)
		return;
	if (!resolved) {
		if (clamd_probe_resolve(s, &tmp, &lim, err, sizeof(err)) < 0)
			goto record;
		pthread_mutex_lock(&s->mu);
		srv->addr = tmp.addr;
		srv->addrlen = tmp.addrlen;
		srv->resolved = 1;
		pthread_mutex_unlock(&s->mu);
	}
	if (ping) {
		t0 = util_now_ms();
		rc = clamd_probe_command(s, &tmp, &lim, "zPING", buf, sizeof(buf), &len, err, sizeof(err));
		if (rc == -2)
			goto local;
		if (rc < 0 || clamd_parse_pong(buf, len, err, sizeof(err)) < 0)
			goto record;
		slow = util_now_ms() - t0 > CLAMD_PING_SLOW_MS;
		ok = 1;
		version = was_down;			/* coming back: learn its version too */
	}
	if (version) {
		rc = clamd_probe_command(s, &tmp, &lim, "zVERSION", buf, sizeof(buf), &len, err,
					 sizeof(err));
		if (rc < 0 || clamd_parse_version(buf, len, engine, sizeof(engine), sig, sizeof(sig)) < 0) {
			if (!ping && rc == -2)
				goto local;
			if (!ping) {
				if (engine[0])
					clamd_fmt(err, sizeof(err), "%s", engine);
				goto record;
			}
			engine[0] = 0;			/* PONG was enough to be up */
		} else {
			ok = 1;
			sig_time = clamd_version_time(buf, len);
		}
	}
record:
	now = util_now_ms();
	pthread_mutex_lock(&s->mu);
	if (ok) {
		if (engine[0]) {
			clamd_fmt(srv->engine, sizeof(srv->engine), "%s", engine);
			clamd_fmt(srv->sig, sizeof(srv->sig), "%s", sig);
			clamd_fmt(s->engine, sizeof(s->engine), "%s", engine);
			clamd_fmt(s->sig, sizeof(s->sig), "%s", sig);
			s->sig_time = sig_time;
			srv->next_version = now + CLAMD_VERSION_EVERY_MS;
		}
		if (slow)
			srv->ping_failed = 1;		/* it was not answering a while ago */
		/* alive all along but its scans failed: back only after retry_after */
		if (srv->up || !srv->down_by_scan || srv->ping_failed || now >= srv->down_until)
			clamd_pool_mark_alive(srv);
		else
			srv->last_alive = now;
	} else if (srv->up) {
		clamd_pool_mark_down(s, srv, err, 0, 0);
	} else {
		srv->ping_failed = 1;
		srv->unreachable_at = now;
		clamd_fmt(srv->last_error, sizeof(srv->last_error), "%s", err);
	}
	srv->next_probe = now + clamd_probe_interval(&s->lim);
	pthread_mutex_unlock(&s->mu);
	return;
local:
	/* no descriptor or memory here: nothing learnt about the server, ask again later */
	log_debug("clamd server %s: not probed: %s", tmp.spec, err);
	pthread_mutex_lock(&s->mu);
	srv->next_probe = util_now_ms() + clamd_probe_interval(&s->lim);
	if (!ping)
		srv->next_version = srv->next_probe;
	pthread_mutex_unlock(&s->mu);
}

/* clamd_probe_ask - send the limits probe to srv: what the reply says (text in answer; *local: our side failed) */
static enum scan_limits
clamd_probe_ask(struct scanner *s, struct clamd_server *srv, int64_t connect_ms, int64_t scan_ms,
		char *answer, size_t len, int *local)
{
	struct clamd_watch w = { .s = s, .srv = srv };
	struct clamd_io_conn c = { .fd = -1, .gave_up = clamd_pool_gave_up, .arg = &w };
	char	buf[CLAMD_REPLY_MAX + 1], out[SCAN_NAME_MAX];
	enum clamd_io io;
	enum clamd_reply r;
	size_t	n = 0;

	pthread_mutex_lock(&s->mu);
	w.gen = srv->abort_gen;
	pthread_mutex_unlock(&s->mu);
	*local = 0;
	if (clamd_io_connect(&c, &srv->addr, srv->addrlen, connect_ms, answer, len) < 0) {
		*local = c.local;
		return SCAN_LIMITS_UNKNOWN;
	}
	c.deadline = util_now_ms() + scan_ms;
	io = clamd_io_instream(&c, s->limits_probe, buf, sizeof(buf), &n, answer, len);
	close(c.fd);
	if (io != CLAMD_IO_OK)
		return SCAN_LIMITS_UNKNOWN;
	r = clamd_parse_reply(buf, n, out, sizeof(out));
	if (r == CLAMD_REPLY_CLEAN)
		clamd_fmt(answer, len, "OK");
	else if (r == CLAMD_REPLY_INFECTED || (r == CLAMD_REPLY_LIMIT && strcmp(out, "size") != 0))
		clamd_fmt(answer, len, "%s FOUND", out);
	else if (r == CLAMD_REPLY_LIMIT)
		clamd_fmt(answer, len, "INSTREAM size limit exceeded");
	else
		clamd_fmt(answer, len, "%s", out);
	return clamd_limits_answer(r, out);
}

/* clamd_probe_log - a changed answer to the limits probe (scanner lock held) */
static void
clamd_probe_log(const struct clamd_server *srv, enum scan_limits got, const char *answer)
{
	if (got == SCAN_LIMITS_REPORTED)
		log_info("clamd server %s reports its limits (EICAR %d zips deep: %s)", srv->spec,
			 CLAMD_PROBE_DEPTH, answer);
	else
		log_warning("clamd server %s does not report its limits: EICAR %d zips deep got "
			    "\"%s\" (set AlertExceedsMax yes in its clamd.conf); %s", srv->spec,
			    CLAMD_PROBE_DEPTH, answer, srv->limits_ok ?
			    "clamd.limits_unreported_ok accepts the risk: its OK counts as clean" :
			    "its OK answers count as limit");
}

/* clamd_probe_record - keep an answer unless srv went down or up since gen; the state now */
static enum scan_limits
clamd_probe_record(struct scanner *s, struct clamd_server *srv, unsigned gen,
		   enum scan_limits got, const char *answer)
{
	enum scan_limits st;
	int64_t	now = util_now_ms();

	pthread_mutex_lock(&s->mu);
	if (srv->limits_gen == gen && got != SCAN_LIMITS_UNKNOWN) {
		srv->limits = got;
		srv->next_limits = now + CLAMD_LIMITS_EVERY_MS;
		if (got != srv->limits_logged)
			clamd_probe_log(srv, got, answer);
		srv->limits_logged = got;
	} else if (srv->limits_gen == gen) {
		srv->next_limits = now + clamd_probe_interval(&s->lim);
		log_debug("clamd server %s: no answer to the limits probe: %s", srv->spec, answer);
	}
	st = srv->limits;
	pthread_mutex_unlock(&s->mu);
	return st;
}

/* clamd_probe_limits - the probe thread sends srv the limits probe */
static void
clamd_probe_limits(struct scanner *s, struct clamd_server *srv)
{
	char	answer[SCAN_NAME_MAX] = "";
	struct clamd_limits lim;
	enum scan_limits got;
	unsigned gen;
	int	local;

	pthread_mutex_lock(&s->mu);
	lim = s->lim;
	gen = srv->limits_gen;
	pthread_mutex_unlock(&s->mu);
	got = clamd_probe_ask(s, srv, clamd_probe_min(lim.connect_ms, CLAMD_PROBE_MAX_MS),
			      clamd_probe_min(lim.scan_ms, CLAMD_PROBE_MAX_MS), answer,
			      sizeof(answer), &local);
	clamd_probe_record(s, srv, gen, got, answer);
}

/*
 * clamd_probe_trust - a clean answer of srv stays clean only when srv
 * reports its limits or clamd.limits_unreported_ok names it; when that
 * is not known yet, this thread asks srv now (within the scan's timeouts);
 * when our side cannot ask (no descriptor), the message gets error
 */
void
clamd_probe_trust(struct scanner *s, struct clamd_server *srv, const struct clamd_limits *lim,
		  struct scan_verdict *v)
{
	char	answer[SCAN_NAME_MAX] = "";
	enum scan_limits st;
	unsigned gen;
	int	ok, local = 0;

	pthread_mutex_lock(&s->mu);
	st = srv->limits;
	ok = srv->limits_ok;
	gen = srv->limits_gen;
	pthread_mutex_unlock(&s->mu);
	if (ok)
		return;
	if (st == SCAN_LIMITS_UNKNOWN)
		st = clamd_probe_record(s, srv, gen, clamd_probe_ask(s, srv, lim->connect_ms,
			lim->scan_ms, answer, sizeof(answer), &local), answer);
	if (st == SCAN_LIMITS_REPORTED)
		return;
	if (st == SCAN_LIMITS_UNKNOWN && local)
		scan_verdict_set(v, SCAN_ERROR, "clamd", "limits probe: %s", answer);
	else if (st == SCAN_LIMITS_UNREPORTED)
		scan_verdict_set(v, SCAN_LIMIT, "clamd",
				 "clamd %s does not report its limits (AlertExceedsMax no)", srv->spec);
	else
		scan_verdict_set(v, SCAN_LIMIT, "clamd",
				 "clamd %s: not known whether it reports its limits (%s)", srv->spec,
				 answer[0] ? answer : "not probed yet");
}

/* clamd_probe_due - what the probe should do to srv now (lock held) */
static enum clamd_probe_what
clamd_probe_due(const struct clamd_server *srv, int64_t now)
{
	if (!srv->valid)
		return CLAMD_PROBE_NONE;
	if (!srv->up)
		return now >= srv->next_probe ? CLAMD_PROBE_PING : CLAMD_PROBE_NONE;
	if (srv->inflight > 0 && now - srv->last_alive >= CLAMD_BUSY_PING_MS
	    && now - srv->last_probe >= CLAMD_BUSY_PING_MS)
		return CLAMD_PROBE_PING;
	if (now >= srv->next_version)
		return CLAMD_PROBE_VERSION;
	if (now >= srv->next_limits)
		return CLAMD_PROBE_LIMITS;
	if (now - srv->last_alive >= CLAMD_IDLE_PING_MS && now - srv->last_probe >= CLAMD_IDLE_PING_MS)
		return CLAMD_PROBE_PING;
	return CLAMD_PROBE_NONE;
}

/* clamd_probe_spool - the limits probe as an in-memory spool; NULL with err */
struct spool *
clamd_probe_spool(char *err, size_t errlen)
{
	unsigned char *p = util_calloc(1, CLAMD_PROBE_MAX);
	struct spool *sp = spool_new(NULL, 2 * CLAMD_PROBE_MAX, 0);
	size_t	n = clamd_limits_probe(p, CLAMD_PROBE_MAX);

	if (n == 0 || spool_write(sp, p, n, err, errlen) < 0 || spool_finish(sp, err, errlen) < 0
	    || spool_mem(sp, NULL) == NULL) {
		if (n == 0)
			clamd_fmt(err, errlen, "clamd: cannot build the limits probe");
		spool_free(sp);
		sp = NULL;
	}
	free(p);
	return sp;
}

/* clamd_probe_main - the probe thread: ping down and silent servers, learn versions and limits */
void   *
clamd_probe_main(void *arg)
{
	struct scanner *s = arg;
	struct clamd_server *todo[CONF_MAX_SERVERS + SCAN_MAX_UNITS];
	enum clamd_probe_what what[CONF_MAX_SERVERS + SCAN_MAX_UNITS];
	struct timespec ts;
	size_t	n, i;
	int64_t	now;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		now = util_now_ms();
		for (i = 0, n = 0; i < s->nsrv && n < sizeof(todo) / sizeof(todo[0]); i++) {
			if ((what[n] = clamd_probe_due(s->srv[i], now)) != CLAMD_PROBE_NONE) {
				s->srv[i]->last_probe = now;
				todo[n] = s->srv[i];
				todo[n++]->refs++;
			}
		}
		pthread_mutex_unlock(&s->mu);
		for (i = 0; i < n; i++) {
			if (what[i] == CLAMD_PROBE_LIMITS)
				clamd_probe_limits(s, todo[i]);
			else
				clamd_probe_one(s, todo[i], what[i] == CLAMD_PROBE_PING);
		}
		pthread_mutex_lock(&s->mu);
		for (i = 0; i < n; i++)
			clamd_pool_unref(todo[i]);
		if (!s->probed) {
			s->probed = 1;
			pthread_cond_broadcast(&s->cv);
		}
		if (!s->stop) {
			ts = util_deadline(CLAMD_TICK_MS);
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
		}
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}
