/*
 * NAME
 *	scan_embedded 3 - the scanner backend built on an embedded libclamav
 * SUMMARY
 *	#include "scan.h"
 *	const struct scan_ops scan_embedded_ops;
 * DESCRIPTION
 *	One instance owns one background thread, the loader, and shares one
 *	compiled engine among all scanning threads.
 *
 *	Engines. An engine is wrapped in a small record with a reference
 *	count kept under the instance mutex (rather than cl_engine_addref(),
 *	so that its version string travels with it and the loader knows how
 *	many engines are alive). A scan takes the current engine
 *	and a reference under the mutex, scans with no lock held, and drops
 *	its reference. The instance holds one reference to the current engine.
 *	A replaced engine lives on until its last scan ends; the scan thread
 *	that drops the last reference does not free it (freeing a large
 *	engine takes seconds) but hands it to the loader thread. Before the
 *	loader builds a new engine it waits until at most one engine is alive
 *	(none in sequential mode), so at most two engines ever exist at once. The instance itself counts
 *	its users too: destroy() stops and joins the loader, and whichever of
 *	destroy() and the scans still running ends last frees everything.
 *
 *	Loading. create() returns at once; the loader thread builds the engine
 *	with emb_engine_build() (emb_engine(3): limits, cl_load(),
 *	cl_engine_compile()) and reads its signature version with
 *	emb_db_info() (emb_db(3)). Until an engine exists every scan says
 *	unavailable ("signatures not loaded yet", or the load error). Without
 *	an engine the loader retries every embedded.reload_check (every 10 s
 *	when that is 0).
 *
 *	Reloads. reload() (SIGHUP), a changed database path, changed limits or
 *	spool_dir in configure(), and a change in the database seen every
 *	reload_check by the watch of emb_db(3) make the loader build a new
 *	engine while the current one keeps scanning; the new one replaces it
 *	only once it compiled. Requests during a load coalesce into at most
 *	one more load. A failed reload keeps the running engine, is logged and
 *	counted (reloads_failed); it is not retried until the database changes
 *	again or reload() is called. On Linux the loader thread runs at a
 *	lower priority (nice +10) than the scanning threads, so that a reload
 *	on a busy machine takes longer rather than slowing mail down.
 *
 *	Sequential reloads (embedded.reload_mode = "sequential"): the loader
 *	retires the current engine before it builds the new one and waits
 *	until it is freed, so at most one engine exists. Until the new one is
 *	in place scans say unavailable ("sequential signature reload in
 *	progress") and the chain asks the next scanner; the status says up
 *	and loading, since the gap was asked for (no scanner-down alert). A
 *	sequential reload that fails leaves no engine: that is reported as
 *	the outage it is.
 *
 *	Scanning. A scan takes the current engine and hands the message to
 *	emb_scan_spool() (emb_scan(3): RAM and spilled messages alike are
 *	mapped, not copied). max_size is the chain's rule (chain_scan): a
 *	message over it never reaches a backend.
 *
 *	Temp space and the cache. A scan reserves its temp space first, and
 *	a poisoned clean-result cache is bypassed and replaced, as
 *	emb_cache(3) says. A clean verdict from a scan that read the cache
 *	while it was being poisoned is checked once more past it.
 * DIAGNOSTICS
 *	A sequential reload is logged at
 *	info. Load failures are logged with log_error() (a repeated identical
 *	failure while no engine exists is logged at debug level); a reload
 *	and the freeing of a retired engine at info and debug level. Running
 *	out of memory aborts.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#ifdef __linux__
#include <sys/syscall.h>
#endif

#include <clamav.h>

#include "conf.h"
#include "emb_db.h"
#include "emb_engine.h"
#include "emb_int.h"
#include "emb_scan.h"
#include "emb_tmp.h"
#include "log.h"
#include "scan.h"
#include "spool.h"
#include "util.h"

#define EMB_RETRY_MS		10000	/* retry a missing engine this often when reload_check is 0 */
#define EMB_LOADER_NICE		10	/* the loader thread's nice, above the daemon's */

/* emb_ref_free - free an engine record, its engine and its temp dir */
static void
emb_ref_free(struct emb_ref *ee)
{
	if (ee->cl != NULL)
		cl_engine_free(ee->cl);
	emb_tmp_remove(ee->tmpdir);
	free(ee);
}

/* emb_load - build and compile a new engine and read its version; NULL with err filled on failure */
static struct emb_ref *
emb_load(const struct emb_settings *set, char *err, size_t errlen)
{
	struct emb_ref *ee = util_calloc(1, sizeof(*ee));
	struct emb_settings eset = *set;

	if (emb_tmp_make(set->tmpdir, ee->tmpdir, sizeof(ee->tmpdir), err, errlen) < 0) {
		free(ee);
		return NULL;
	}
	eset.tmpdir = ee->tmpdir;
	if ((ee->cl = emb_engine_build(&eset, &ee->sigs, err, errlen)) == NULL) {
		emb_tmp_remove(ee->tmpdir);
		free(ee);
		return NULL;
	}
	ee->scan = set->scan;
	ee->cache = set->keep_cache;
	emb_db_info(set->database, ee->cl, ee->sig_version, sizeof(ee->sig_version), &ee->sig_time);
	snprintf(ee->ident, sizeof(ee->ident), "%s/%s", cl_retver(),
		 ee->sig_version[0] ? ee->sig_version : "0");
	return ee;
}

/* emb_unref_locked - drop one reference; a retired engine with none left goes to the loader */
static void
emb_unref_locked(struct scanner *s, struct emb_ref *ee)
{
	if (--ee->refs > 0)
		return;
	ee->next = s->graveyard;
	s->graveyard = ee;
	pthread_cond_signal(&s->wake);
}

/* emb_bury - free retired engines (lock held on entry and exit, dropped meanwhile) */
static void
emb_bury(struct scanner *s)
{
	struct emb_ref *list = s->graveyard, *next;
	unsigned n = 0;

	if (list == NULL)
		return;
	s->graveyard = NULL;
	pthread_mutex_unlock(&s->lock);
	for (; list != NULL; list = next) {
		char	ident[SCAN_ENGINE_MAX];
		int64_t	t0 = util_now_ms();

		next = list->next;
		snprintf(ident, sizeof(ident), "%s", list->ident);
		emb_ref_free(list);
		log_debug("embedded: freed the retired engine %s in %lld ms", ident,
			  (long long) (util_now_ms() - t0));
		n++;
	}
	pthread_mutex_lock(&s->lock);
	s->nlive -= n;
}

/* emb_free_instance - free an instance nobody uses any more */
static void
emb_free_instance(struct scanner *s)
{
	struct emb_ref *ee, *next;

	for (ee = s->graveyard; ee != NULL; ee = next) {
		next = ee->next;
		emb_ref_free(ee);
	}
	emb_db_watch_free(&s->watch);
	emb_settings_free(&s->set);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->wake);
	pthread_cond_destroy(&s->ready);
	free(s);
}

/* emb_leave - drop a user of the instance and unlock; the last one out frees it */
static void
emb_leave(struct scanner *s)
{
	int	last = --s->users == 0;

	pthread_mutex_unlock(&s->lock);
	if (last)
		emb_free_instance(s);
}

/*
 * emb_finish_load - install a new engine or keep the old one (lock held).
 * counted: a reload that the counters see (not the first load, not a retry
 * while there is no engine at all).
 */
static void
emb_finish_load(struct scanner *s, struct emb_ref *ee, const char *err, int counted)
{
	struct emb_ref *old = s->cur;
	time_t	now = time(NULL);

	if (ee != NULL) {
		ee->refs = 1;
		s->cur = ee;
		s->nlive++;
		if (old == NULL && !s->seq_reload)
			s->since = now;
		s->last_error[0] = '\0';
		if (counted)
			s->reloads_ok++;
		log_info("embedded: %s %u signatures from %s, engine %s%s",
			 old != NULL || s->seq_reload ? "reloaded" : "loaded", ee->sigs, s->set.database,
			 ee->ident, s->seq_reload ? " (sequential reload: scanning again)" : "");
		s->seq_reload = 0;
		if (old != NULL)
			emb_unref_locked(s, old);
		return;
	}
	if (counted)
		s->reloads_failed++;
	if (s->seq_reload) {
		/* the old engine is gone: this is an outage now, and is reported as one */
		s->seq_reload = 0;
		s->since = now;
		log_error("embedded: sequential signature reload failed, no engine until a load "
			  "succeeds: %s", err);
	} else if (old != NULL)
		log_error("embedded: signature reload failed, keeping engine %s: %s", old->ident, err);
	else if (strcmp(s->last_error, err) != 0)
		log_error("embedded: no engine: %s", err);
	else
		log_debug("embedded: still no engine: %s", err);
	snprintf(s->last_error, sizeof(s->last_error), "%s", err);
}

/*
 * emb_lower_priority - the loader thread yields the CPU to the scanning
 * threads. Building an engine is long and CPU-bound, and a message waiting
 * for its verdict matters more than a reload finishing sooner: the loader
 * runs EMB_LOADER_NICE above the daemon's nice. On Linux nice belongs to
 * the thread, so only the loader is touched; elsewhere setpriority() would
 * renice the whole process, so it is left alone there. When nothing else
 * wants the CPU (the first load at start) this costs nothing.
 */
static void
emb_lower_priority(void)
{
#ifdef __linux__
	id_t	tid = (id_t) syscall(SYS_gettid);
	int	cur;

	errno = 0;
	cur = getpriority(PRIO_PROCESS, tid);
	if (cur == -1 && errno != 0)
		cur = 0;
	if (setpriority(PRIO_PROCESS, tid, cur + EMB_LOADER_NICE > 19 ? 19 : cur + EMB_LOADER_NICE) != 0)
		log_debug("embedded: cannot lower the loader thread's priority: %s", strerror(errno));
#endif
}

/*
 * emb_retire_first - reload_mode sequential: retire the current engine
 * before the new one is built (lock held), so that at most one engine
 * exists. Until the load ends scans say unavailable and the chain asks
 * the next scanner (or applies on_unavailable); the status keeps saying
 * up, since this gap was asked for and is no outage.
 */
static void
emb_retire_first(struct scanner *s)
{
	struct emb_ref *old = s->cur;

	snprintf(s->seq_ident, sizeof(s->seq_ident), "%s", old->ident);
	snprintf(s->seq_sig_version, sizeof(s->seq_sig_version), "%s", old->sig_version);
	s->seq_sig_time = old->sig_time;
	s->cur = NULL;
	s->seq_reload = 1;
	log_info("embedded: sequential reload: engine %s retired before the new one loads; "
		 "until then messages go to the next scanner (or on_unavailable)", old->ident);
	emb_unref_locked(s, old);
	emb_bury(s);
}

/* emb_loader - the background thread: first load, retries, reloads, freeing */
static void *
emb_loader(void *arg)
{
	struct scanner *s = arg;
	int64_t	last_check = util_now_ms();
	struct emb_settings set;
	struct emb_ref *ee;
	char	err[SCAN_NAME_MAX];
	int	counted;

	emb_lower_priority();
	pthread_mutex_lock(&s->lock);
	for (;;) {
		int	do_load = 0;
		int	retry = 0;
		int64_t	interval, now;

		emb_bury(s);
		if (s->stopping)
			break;
		if (!s->first_done || s->reload_wanted) {
			do_load = 1;
		} else {
			interval = s->set.reload_check_ms;
			if (s->cur == NULL && interval <= 0)
				interval = EMB_RETRY_MS;
			if (interval <= 0) {
				pthread_cond_wait(&s->wake, &s->lock);
				continue;
			}
			now = util_now_ms();
			if (now - last_check < interval) {
				struct timespec ts = util_deadline(last_check + interval - now);

				pthread_cond_timedwait(&s->wake, &s->lock, &ts);
				continue;
			}
			last_check = now;
			if (s->cur == NULL) {
				do_load = retry = 1;
			} else {
				char   *db = util_strdup(s->set.database);

				pthread_mutex_unlock(&s->lock);
				do_load = emb_db_watch_changed(&s->watch, db);
				free(db);
				pthread_mutex_lock(&s->lock);
				if (do_load)
					log_info("embedded: signature change seen in %s", s->set.database);
			}
		}
		if (!do_load)
			continue;
		if (s->set.sequential && s->cur != NULL)
			emb_retire_first(s);
		/* at most two engines (one when sequential): wait for the scans on a retired one to end */
		while (s->nlive > (s->seq_reload ? 0u : 1u) && !s->stopping) {
			pthread_cond_wait(&s->wake, &s->lock);
			emb_bury(s);
		}
		if (s->stopping)
			break;
		counted = s->first_done && !retry;
		s->reload_wanted = 0;
		s->loading = 1;
		set = s->set;
		set.database = util_strdup(s->set.database);
		set.tmpdir = util_strdup(s->set.tmpdir);
		pthread_mutex_unlock(&s->lock);

		/* watch first: a change during the load makes another one */
		emb_db_watch_init(&s->watch, set.database);
		err[0] = '\0';
		ee = emb_load(&set, err, sizeof(err));
		emb_settings_free(&set);

		pthread_mutex_lock(&s->lock);
		emb_finish_load(s, ee, err, counted);
		s->loading = 0;
		s->first_done = 1;
		last_check = util_now_ms();
		pthread_cond_broadcast(&s->ready);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* emb_create - a new instance; the first load starts in the background */
static struct scanner *
emb_create(const struct conf *conf, char *err, size_t errlen)
{
	struct scanner *s;
	int	rc;

	if (emb_engine_init(err, errlen) < 0)
		return NULL;
	s = util_calloc(1, sizeof(*s));
	emb_settings_from_conf(&s->set, conf);
	s->users = 1;
	if (util_cond_init(&s->wake) != 0 || util_cond_init(&s->ready) != 0
	    || pthread_mutex_init(&s->lock, NULL) != 0) {
		log_error("embedded: cannot initialise thread primitives");
		abort();
	}
	if ((rc = pthread_create(&s->thread, NULL, emb_loader, s)) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "cannot start the loader thread: %s", strerror(rc));
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->wake);
		pthread_cond_destroy(&s->ready);
		emb_settings_free(&s->set);
		free(s);
		return NULL;
	}
	s->thread_started = 1;
	return s;
}

/* emb_configure - apply a reloaded configuration; reload only when the engine would differ */
static void
emb_configure(struct scanner *s, const struct conf *conf)
{
	struct emb_settings nset;

	emb_settings_from_conf(&nset, conf);
	pthread_mutex_lock(&s->lock);
	if (emb_settings_differ(&nset, &s->set)) {
		s->reload_wanted = 1;
		log_info("embedded: engine settings changed, reloading");
	}
	emb_settings_free(&s->set);
	s->set = nset;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

/* emb_reload - ask for a signature reload; coalesces with one already asked for */
static void
emb_reload(struct scanner *s)
{
	pthread_mutex_lock(&s->lock);
	s->reload_wanted = 1;
	pthread_cond_signal(&s->wake);
	pthread_mutex_unlock(&s->lock);
}

/* emb_wait_ready - wait for the first load attempt; 0 when an engine exists */
static int
emb_wait_ready(struct scanner *s, int timeout_ms)
{
	struct timespec ts = util_deadline(timeout_ms > 0 ? timeout_ms : 0);
	int	ok;

	pthread_mutex_lock(&s->lock);
	while (!s->first_done) {
		if (timeout_ms < 0)
			pthread_cond_wait(&s->ready, &s->lock);
		else if (pthread_cond_timedwait(&s->ready, &s->lock, &ts) == ETIMEDOUT)
			break;
	}
	ok = s->cur != NULL;
	pthread_mutex_unlock(&s->lock);
	return ok ? 0 : -1;
}

/* emb_unavailable_locked - the verdict without an engine (lock held) */
static void
emb_unavailable_locked(struct scanner *s, struct scan_verdict *v)
{
	if (s->seq_reload)
		scan_verdict_set(v, SCAN_UNAVAILABLE, EMB_SCANNER, "sequential signature reload "
				 "in progress");
	else if (!s->first_done || s->last_error[0] == '\0')
		scan_verdict_set(v, SCAN_UNAVAILABLE, EMB_SCANNER, "signatures not loaded yet");
	else
		scan_verdict_set(v, SCAN_UNAVAILABLE, EMB_SCANNER, "%s", s->last_error);
	v->engine[0] = '\0';
}

/*
 * emb_scan - the verdict for one message: temp space reserved first (no
 * reservation, no scan: error), the cache skipped on a poisoned engine,
 * and a clean verdict read from a cache that was poisoned while the scan
 * ran is checked once more past the cache.
 */
static void
emb_scan(struct scanner *s, const struct spool *msg, struct scan_verdict *v)
{
	struct emb_ref *ee;
	uint64_t need = emb_cache_tmp_need(spool_size(msg)), avail = 0;
	int	avail_ok, bypass, poison, again = 1;

	pthread_mutex_lock(&s->lock);
	s->users++;
	if ((ee = s->cur) == NULL) {
		emb_unavailable_locked(s, v);
		emb_leave(s);
		return;
	}
	ee->refs++;
	pthread_mutex_unlock(&s->lock);
	avail_ok = emb_tmp_avail(ee->tmpdir, &avail) == 0;
	pthread_mutex_lock(&s->lock);
	if (emb_cache_reserve_locked(s, ee, need, avail_ok, avail, v) < 0) {
		snprintf(v->engine, sizeof(v->engine), "%s", ee->ident);
		emb_unref_locked(s, ee);
		emb_leave(s);
		return;
	}
	do {
		bypass = ee->cache && ee->poisoned;
		pthread_mutex_unlock(&s->lock);
		poison = emb_scan_spool(ee->cl, &ee->scan, msg, ee->tmpdir, bypass, v);
		pthread_mutex_lock(&s->lock);
		if (!ee->cache)
			break;
		if (poison)
			emb_cache_poison_locked(s, ee, v->name[0] ? v->name : scan_result_name(v->result));
		else if (again && !bypass && ee->poisoned && v->result == SCAN_CLEAN) {
			log_debug("embedded: the cache was poisoned during a scan; scanning it again "
				  "past the cache");
			again = 0;
			continue;
		}
		break;
	} while (1);
	s->tmp_reserved -= need;
	snprintf(v->engine, sizeof(v->engine), "%s", ee->ident);
	emb_unref_locked(s, ee);
	emb_leave(s);
}

/* emb_status - a snapshot of health */
static void
emb_status(struct scanner *s, struct scan_status *st)
{
	struct scan_unit_status *u = &st->units[0];

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&s->lock);
	/* a sequential reload is a gap asked for, not an outage: up, and loading */
	st->up = s->cur != NULL || s->seq_reload;
	st->loading = !s->first_done || s->seq_reload;
	if (s->cur != NULL) {
		snprintf(st->engine, sizeof(st->engine), "%s", s->cur->ident);
		snprintf(st->sig_version, sizeof(st->sig_version), "%s", s->cur->sig_version);
		st->sig_time = s->cur->sig_time;
	} else if (s->seq_reload) {
		snprintf(st->engine, sizeof(st->engine), "%s", s->seq_ident);
		snprintf(st->sig_version, sizeof(st->sig_version), "%s", s->seq_sig_version);
		st->sig_time = s->seq_sig_time;
	} else {
		snprintf(st->engine, sizeof(st->engine), "%s/0", cl_retver());
	}
	st->nunits = 1;
	snprintf(u->name, sizeof(u->name), "%s", s->set.database ? s->set.database : "");
	u->up = st->up;
	u->since = s->since;
	snprintf(u->last_error, sizeof(u->last_error), "%s",
		 s->last_error[0] != '\0' ? s->last_error
		 : (!s->first_done ? "signatures not loaded yet" : ""));
	st->reloads_ok = s->reloads_ok;
	st->reloads_failed = s->reloads_failed;
	pthread_mutex_unlock(&s->lock);
}

/* emb_destroy - stop the loader; the last of destroy() and running scans frees */
static void
emb_destroy(struct scanner *s)
{
	if (s == NULL)
		return;
	util_wake(&s->lock, &s->wake, &s->stopping, 1);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	s->thread_started = 0;
	pthread_mutex_lock(&s->lock);
	if (s->cur != NULL) {
		emb_unref_locked(s, s->cur);
		s->cur = NULL;
	}
	emb_leave(s);
}

const struct scan_ops scan_embedded_ops = {
	.create = emb_create,
	.configure = emb_configure,
	.scan = emb_scan,
	.reload = emb_reload,
	.wait_ready = emb_wait_ready,
	.status = emb_status,
	.destroy = emb_destroy,
};
