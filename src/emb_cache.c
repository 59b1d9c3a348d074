/*
 * NAME
 *	emb_cache 3 - the embedded scanner's temp space per scan and its poisoned cache
 * SUMMARY
 *	#include "emb_int.h"
 *	emb_cache_tmp_need(), emb_cache_reserve_locked(),
 *	emb_cache_poison_locked()
 * DESCRIPTION
 *	Each engine has a private temp directory
 *	(emb_tmp(3)) under spool_dir. Before a scan, room is reserved there
 *	under the instance mutex: EMB_TMP_FACTOR x the message size plus
 *	EMB_TMP_PER_SCAN, on top of what the scans in flight reserved, with
 *	EMB_TMP_FLOOR left free; without it the scan is not run (error). With
 *	embedded.cache, a scan that poisons libclamav's clean-result cache
 *	(emb_scan(3): engine error, the directory short) marks its engine
 *	poisoned: later scans with it skip the cache, and a fresh engine is
 *	built by the loader as for a reload, at most one every
 *	EMB_POISON_REBUILD_MS (not in sequential mode, where that would leave
 *	no engine: the poisoned one scans without its cache until the next
 *	reload).
 * DIAGNOSTICS
 *	A poisoned cache, and the fresh engine it asks for, are logged at
 *	warning level. A reservation refused is the scan's error verdict.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>

#include "emb_int.h"
#include "emb_scan.h"
#include "log.h"
#include "scan.h"
#include "util.h"

#define EMB_TMP_FACTOR		2	/* temp space reserved per byte of message ... */
#define EMB_TMP_PER_SCAN	(4ULL * 1024 * 1024)	/* ... and per scan */
#define EMB_POISON_REBUILD_MS	(5 * 60 * 1000)	/* at most one engine per poisoned cache this often */

/*
 * emb_cache_poison_locked - an engine error during a scan with the cache on
 * (lock held): the engine's cache may hold a lie, so every later scan
 * with it skips the cache, and (concurrent reloads) a fresh engine, whose
 * cache starts empty, is built to replace it: at most one such build
 * every EMB_POISON_REBUILD_MS, so that errors an attacker can cause at
 * will do not keep the loader building; an error on the poisoned engine
 * after that time asks again.
 */
void
emb_cache_poison_locked(struct scanner *s, struct emb_ref *ee, const char *why)
{
	int64_t	now = util_now_ms();

	if (!ee->poisoned) {
		ee->poisoned = 1;
		log_warning("embedded: engine error (%s): the clean-result cache of engine %s is "
			    "bypassed from now on", why, ee->ident);
	}
	if (ee != s->cur || s->set.sequential || ee->rebuild_asked
	    || (s->poison_rebuild_ms != 0 && now - s->poison_rebuild_ms < EMB_POISON_REBUILD_MS))
		return;		/* retired, no second engine wanted, or too soon */
	ee->rebuild_asked = 1;
	s->poison_rebuild_ms = now;
	s->reload_wanted = 1;
	pthread_cond_signal(&s->wake);
	log_warning("embedded: building a fresh engine to replace %s and its poisoned cache",
		    ee->ident);
}

/* emb_cache_tmp_need - the temp space reserved for a scan of a message of size bytes */
uint64_t
emb_cache_tmp_need(uint64_t size)
{
	return size > (UINT64_MAX - EMB_TMP_PER_SCAN) / EMB_TMP_FACTOR ? UINT64_MAX / 2
	    : size * EMB_TMP_FACTOR + EMB_TMP_PER_SCAN;
}

/*
 * emb_cache_reserve_locked - reserve need bytes of the temp dir for one scan
 * (lock held): the free space must cover what the scans in flight have
 * reserved, this scan, and EMB_TMP_FLOOR. 0 done, -1 with v filled.
 */
int
emb_cache_reserve_locked(struct scanner *s, const struct emb_ref *ee, uint64_t need, int avail_ok,
		   uint64_t avail, struct scan_verdict *v)
{
	if (!avail_ok) {
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "cannot examine the temporary directory %s",
				 ee->tmpdir);
		return -1;
	}
	if (avail < EMB_TMP_FLOOR || avail - EMB_TMP_FLOOR < s->tmp_reserved
	    || avail - EMB_TMP_FLOOR - s->tmp_reserved < need) {
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "temporary directory %s nearly full "
				 "(%llu bytes free, %llu reserved by scans in flight, %llu wanted)",
				 ee->tmpdir, (unsigned long long) avail,
				 (unsigned long long) s->tmp_reserved, (unsigned long long) need);
		return -1;
	}
	s->tmp_reserved += need;
	return 0;
}
