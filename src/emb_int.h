/*
 * NAME
 *	emb_int 3h - what the files of the embedded scanner share
 * SUMMARY
 *	#include "emb_int.h"
 *	struct emb_ref, struct scanner; emb_cache_tmp_need(),
 *	emb_cache_reserve_locked(), emb_cache_poison_locked()
 * DESCRIPTION
 *	The instance of scan_embedded(3) and the record of each of its
 *	engines, shared by scan_embedded.c (the instance, its loader and its
 *	scans) and emb_cache.c (temp space reserved per scan, a poisoned
 *	clean-result cache and its rebuild). Nothing outside those files
 *	includes it.
 */
#ifndef CLAMSHIM_EMB_INT_H
#define CLAMSHIM_EMB_INT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <clamav.h>

#include "emb_db.h"
#include "emb_engine.h"
#include "emb_tmp.h"
#include "scan.h"

/* One compiled engine, its reference count and what it says about itself. */
struct emb_ref {
	struct cl_engine *cl;
	unsigned refs;			/* under the instance mutex */
	char	ident[SCAN_ENGINE_MAX];	/* "1.4.6/27432" */
	char	sig_version[32];	/* "" unknown */
	time_t	sig_time;		/* 0 unknown */
	unsigned sigs;			/* signatures loaded */
	struct cl_scan_options scan;	/* the scan options of the settings it was built from */
	char	tmpdir[EMB_TMP_PATH_MAX];	/* its private temp dir, removed with it; "" none */
	int	cache;			/* built with libclamav's clean-result cache on */
	int	poisoned;		/* under the instance mutex: its cache is bypassed for good */
	int	rebuild_asked;		/* under the instance mutex: a fresh engine was asked for */
	struct emb_ref *next;	/* on the free list */
};

struct scanner {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* to the loader: work, free list or stop */
	pthread_cond_t ready;		/* to wait_ready(): first load attempt done */
	pthread_t thread;
	int	thread_started;

	/* all below under lock */
	struct emb_settings set;
	struct emb_ref *cur;		/* current engine or NULL */
	struct emb_ref *graveyard;	/* retired engines nobody uses any more */
	unsigned nlive;			/* engines allocated and not yet freed */
	int	first_done;		/* the first load attempt has finished */
	int	loading;		/* a load is running */
	int	reload_wanted;
	int	stopping;
	unsigned users;			/* scans in flight, plus one until destroy() */
	time_t	since;			/* when up/down last changed, 0 never */
	char	last_error[SCAN_NAME_MAX];
	unsigned long reloads_ok;
	unsigned long reloads_failed;
	uint64_t tmp_reserved;		/* temp space reserved by the scans in flight */
	int64_t	poison_rebuild_ms;	/* when a poisoned cache last asked for an engine, 0 never */
	int	seq_reload;		/* a sequential reload: the old engine gone, the new loading */
	char	seq_ident[SCAN_ENGINE_MAX];	/* meanwhile: what the status says of the old one */
	char	seq_sig_version[32];
	time_t	seq_sig_time;

	/* loader thread only */
	struct emb_db_watch watch;
};

/* emb_cache_tmp_need - the temp space reserved for a scan of a message of size bytes */
uint64_t emb_cache_tmp_need(uint64_t size);
/* emb_cache_reserve_locked - reserve need bytes of the temp dir for one scan (lock held); 0 or -1 with v filled */
int	emb_cache_reserve_locked(struct scanner *s, const struct emb_ref *ee, uint64_t need,
				 int avail_ok, uint64_t avail, struct scan_verdict *v);
/* emb_cache_poison_locked - an engine error with the cache on (lock held): bypass it, ask a fresh engine */
void	emb_cache_poison_locked(struct scanner *s, struct emb_ref *ee, const char *why);

#endif
