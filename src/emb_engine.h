/*
 * NAME
 *	emb_engine 3h - a libclamav engine built as the embedded scanner builds one
 * SUMMARY
 *	struct emb_settings, emb_settings_from_conf(), emb_settings_free(),
 *	emb_settings_differ(), emb_engine_init(), emb_engine_build(),
 *	struct emb_scan_ctx
 * DESCRIPTION
 *	The one place where an engine is made from the configuration: the
 *	daemon's embedded scanner (scan_embedded(3)) and bench/raw-scan both
 *	build theirs with emb_engine_build(), so the benchmark's ceiling is the
 *	engine the daemon runs.
 */
#ifndef CLAMSHIM_EMB_ENGINE_H
#define CLAMSHIM_EMB_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include <clamav.h>

#include "scan.h"

struct conf;

#define EMB_MSG_MAX	256	/* one libclamav message, NUL included */
#define EMB_PUA_CATS_MAX	1024	/* the PUA category string; longer lists are cut at a category */
#define EMB_NUM_COUNT		15	/* engine numbers set from the detection options */

/* What an engine is built from: a copy of the relevant configuration. */
struct emb_settings {
	char	*database;		/* embedded.database; never NULL after from_conf */
	char	*tmpdir;		/* spool_dir (scan_embedded(3) gives each engine a directory
					 * of its own under it); never NULL after from_conf */
	int64_t	reload_check_ms;	/* for the loader; no part of the engine */
	int64_t	max_scan_time_ms;
	uint64_t max_file_size;
	uint64_t max_scan_size;
	unsigned max_recursion;
	unsigned max_files;
	int	keep_cache;		/* 1: libclamav's clean-result cache on (embedded.cache) */
	int	sequential;		/* embedded.reload_mode sequential; no part of the engine */
	/* the detection options of embedded { }, as libclamav takes them */
	unsigned dboptions;		/* CL_DB_* for cl_load() */
	char	pua_cats[EMB_PUA_CATS_MAX];	/* ".cat1.cat2." for CL_ENGINE_PUA_CATEGORIES, "" none */
	long long num[EMB_NUM_COUNT];	/* engine numbers, in emb_engine.c's order */
	struct cl_scan_options scan;	/* scan options for every scan with this engine */
};

/* What one scan learns through libclamav's callbacks (the context of a scan call). */
struct emb_scan_ctx {
	char	virname[SCAN_NAME_MAX];	/* first name reported, "" none */
	char	error[EMB_MSG_MAX];	/* first engine error during the scan, "" none */
	const char *tmpdir;		/* libclamav's temp dir, checked after each file; NULL not */
	int	tmp_short;		/* a file ended with less than EMB_TMP_FLOOR free there */
};

#define EMB_TMP_FLOOR	(8ULL * 1024 * 1024)	/* free space a trusted file or scan ends with */

/* emb_settings_from_conf - copy what the engine is built from (free with emb_settings_free) */
void	emb_settings_from_conf(struct emb_settings *set, const struct conf *conf);
/* emb_settings_free - free the strings of a settings copy */
void	emb_settings_free(struct emb_settings *set);
/* emb_settings_differ - 1 when an engine built from a would differ from one built from b */
int	emb_settings_differ(const struct emb_settings *a, const struct emb_settings *b);

/* emb_engine_init - cl_init() and the message callback, once per process; 0 ok, -1 with err */
int	emb_engine_init(char *err, size_t errlen);
/* emb_engine_build - a new engine, set up, loaded and compiled; NULL with err on failure */
struct cl_engine *emb_engine_build(const struct emb_settings *set, unsigned *sigs,
				   char *err, size_t errlen);

#endif
