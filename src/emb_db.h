/*
 * NAME
 *	emb_db 3h - the embedded scanner's signature database on disk
 * SUMMARY
 *	struct emb_db_watch, emb_db_watch_init(), emb_db_watch_changed(),
 *	emb_db_watch_free(), emb_db_info()
 * DESCRIPTION
 *	What scan_embedded(3) needs to know about embedded.database without
 *	building an engine: whether it changed since the last load (the
 *	watch), and which signature version and build time it holds (the
 *	CVD/CLD/CUD headers). Neither touches an engine's state; a watch is
 *	used by one thread at a time.
 */
#ifndef CLAMSHIM_EMB_DB_H
#define CLAMSHIM_EMB_DB_H

#include <stddef.h>
#include <time.h>
#include <sys/types.h>

#include <clamav.h>

/* What is compared to see a changed database; zeroed = nothing watched. */
struct emb_db_watch {
	int	stat_ok;		/* dbstat holds a cl_statinidir() result */
	struct cl_stat dbstat;
	int	exists;			/* the database path could be stat()ed */
	int	is_dir;
	long	nfiles;			/* directory: signature files in it */
	struct timespec mtim;		/* plain file: its mtime */
	ino_t	ino;			/* plain file: its inode */
};

/* emb_db_watch_init - remember the state of the database path db (may be NULL) */
void	emb_db_watch_init(struct emb_db_watch *w, const char *db);
/* emb_db_watch_changed - 1 when db changed since emb_db_watch_init(), else 0 */
int	emb_db_watch_changed(const struct emb_db_watch *w, const char *db);
/* emb_db_watch_free - forget a watch; it is zeroed again */
void	emb_db_watch_free(struct emb_db_watch *w);

/* emb_db_info - signature version ("" unknown) and build time (0 unknown) of db */
void	emb_db_info(const char *db, const struct cl_engine *cl, char *ver, size_t verlen,
		    time_t *sig_time);

#endif
