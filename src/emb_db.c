/*
 * NAME
 *	emb_db 3 - the signature-directory watch and the CVD header reader
 * SUMMARY
 *	#include "emb_db.h"
 * DESCRIPTION
 *	The watch. A directory is watched with cl_statinidir() and
 *	cl_statchkdir() (new and changed files) plus the number of signature
 *	files in it, so that a removed one counts too; other files in it,
 *	such as freshclam's temporary directories, do not. A plain file is
 *	watched by inode and mtime. A path that appears or disappears, or
 *	turns from a file into a directory, is a change.
 *
 *	The version. emb_db_info() gives the signature version and build
 *	time: the newest of the daily.cld, daily.cvd and daily.cud headers
 *	first (.cud: the unsigned container sigtool --unsigned builds, same
 *	header), then what the engine says, then the newest other
 *	.cvd/.cld/.cud header; the time falls back to the newest signature
 *	file's mtime (plain .ndb, .hdb ... files have no header).
 *
 *	Signature files are the names with an extension libclamav's cl_load()
 *	reads (not starting with a dot).
 * DIAGNOSTICS
 *	None: an unreadable path or header reads as "nothing there" (no
 *	version, no change), never as an error.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "emb_db.h"

/* emb_db_is_sigfile - 1 when name has a signature file extension libclamav loads */
static int
emb_db_is_sigfile(const char *name)
{
	static const char *const ext[] = {
		".cvd", ".cld", ".cud", ".db", ".hdb", ".hdu", ".hsb", ".hsu", ".mdb", ".mdu",
		".msb", ".msu", ".ndb", ".ndu", ".ldb", ".ldu", ".idb", ".cdb", ".cat", ".crb",
		".cbc", ".ftm", ".fp", ".sfp", ".pdb", ".gdb", ".wdb", ".yar", ".yara", ".ign",
		".ign2", ".imp", ".pwdb", ".cfg", ".info",
	};
	const char *dot = strrchr(name, '.');
	size_t	i;

	if (dot == NULL || name[0] == '.')
		return 0;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcmp(dot, ext[i]) == 0)
			return 1;
	return 0;
}

/* emb_db_cvd_version - version and build time from one .cvd/.cld header; 0 if unreadable */
static unsigned
emb_db_cvd_version(const char *path, time_t *stime)
{
	struct cl_cvd *cvd = cl_cvdhead(path);
	unsigned v;

	if (cvd == NULL)
		return 0;
	v = cvd->version;
	*stime = (time_t) cvd->stime;
	cl_cvdfree(cvd);
	return v;
}

/*
 * emb_db_info - signature version and time: the newest daily.cld/.cvd/.cud
 * header, else the engine's own figures, else the newest other header; the
 * time falls back to the newest signature file's mtime.
 */
void
emb_db_info(const char *db, const struct cl_engine *cl, char *ver, size_t verlen,
	    time_t *sig_time)
{
	static const char *const daily[] = {"daily.cld", "daily.cvd", "daily.cud"};
	char	path[4096];
	unsigned best = 0, other = 0, v;
	time_t	best_time = 0, other_time = 0, t, newest = 0;
	struct stat st;
	DIR    *d;
	struct dirent *de;
	size_t	i, n;
	int	err = 0;

	*ver = '\0';
	*sig_time = 0;
	if (db == NULL || stat(db, &st) < 0)
		return;
	newest = st.st_mtime;
	if (S_ISDIR(st.st_mode)) {
		newest = 0;
		for (i = 0; i < sizeof(daily) / sizeof(daily[0]); i++) {
			t = 0;
			if ((size_t) snprintf(path, sizeof(path), "%s/%s", db, daily[i]) < sizeof(path)
			    && access(path, R_OK) == 0
			    && (v = emb_db_cvd_version(path, &t)) > best) {
				best = v;
				best_time = t;
			}
		}
		if ((d = opendir(db)) != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (!emb_db_is_sigfile(de->d_name)
				    || (size_t) snprintf(path, sizeof(path), "%s/%s", db,
							 de->d_name) >= sizeof(path)
				    || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
					continue;
				if (st.st_mtime > newest)
					newest = st.st_mtime;
				n = strlen(de->d_name);
				t = 0;
				if (best == 0 && n > 4
				    && (strcmp(de->d_name + n - 4, ".cvd") == 0
					|| strcmp(de->d_name + n - 4, ".cld") == 0
					|| strcmp(de->d_name + n - 4, ".cud") == 0)
				    && (v = emb_db_cvd_version(path, &t)) > 0 && t >= other_time) {
					other = v;
					other_time = t;
				}
			}
			closedir(d);
		}
	}
	if (best == 0) {
		v = (unsigned) cl_engine_get_num(cl, CL_ENGINE_DB_VERSION, &err);
		if (err == 0 && v > 0) {
			best = v;
			t = (time_t) cl_engine_get_num(cl, CL_ENGINE_DB_TIME, &err);
			best_time = err == 0 ? t : 0;
		}
	}
	if (best == 0) {
		best = other;
		best_time = other_time;
	}
	if (best > 0)
		snprintf(ver, verlen, "%u", best);
	*sig_time = best_time > 0 ? best_time : newest;
}

/* emb_db_watch_free - forget a directory watch */
void
emb_db_watch_free(struct emb_db_watch *w)
{
	if (w->stat_ok)
		cl_statfree(&w->dbstat);
	memset(w, 0, sizeof(*w));
}

/* emb_db_count_sigfiles - signature files in a directory, -1 if unreadable */
static long
emb_db_count_sigfiles(const char *dir)
{
	DIR    *d = opendir(dir);
	struct dirent *de;
	long	n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (emb_db_is_sigfile(de->d_name))
			n++;
	closedir(d);
	return n;
}

/*
 * emb_db_watch_init - remember the state of the database path: a directory
 * by cl_statinidir() (new and changed files) plus the number of signature
 * files in it (removed ones), a plain file by inode and mtime.
 */
void
emb_db_watch_init(struct emb_db_watch *w, const char *db)
{
	struct stat st;

	emb_db_watch_free(w);
	if (db == NULL || stat(db, &st) < 0)
		return;
	w->exists = 1;
	w->is_dir = S_ISDIR(st.st_mode);
	if (w->is_dir) {
		w->nfiles = emb_db_count_sigfiles(db);
		if (cl_statinidir(db, &w->dbstat) == CL_SUCCESS)
			w->stat_ok = 1;
	} else {
		w->mtim = st.st_mtim;
		w->ino = st.st_ino;
	}
}

/* emb_db_watch_changed - 1 when the database path changed since emb_db_watch_init() */
int
emb_db_watch_changed(const struct emb_db_watch *w, const char *db)
{
	struct stat st;
	int	exists;

	if (db == NULL)
		return 0;
	exists = stat(db, &st) == 0;
	if (exists != w->exists)
		return 1;
	if (!exists)
		return 0;
	if (w->is_dir != S_ISDIR(st.st_mode))
		return 1;
	if (!w->is_dir)
		return st.st_ino != w->ino || st.st_mtim.tv_sec != w->mtim.tv_sec
		    || st.st_mtim.tv_nsec != w->mtim.tv_nsec;
	if (emb_db_count_sigfiles(db) != w->nfiles)
		return 1;
	return w->stat_ok && cl_statchkdir(&w->dbstat) == 1;
}
