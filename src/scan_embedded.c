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
 *	loader builds a new engine it waits until at most one engine is alive,
 *	so at most two engines ever exist at once. The instance itself counts
 *	its users too: destroy() stops and joins the loader, and whichever of
 *	destroy() and the scans still running ends last frees everything.
 *
 *	Loading. create() returns at once; the loader thread runs cl_load()
 *	of embedded.database with CL_DB_STDOPT and cl_engine_compile(). Until
 *	an engine exists every scan says unavailable ("signatures not loaded
 *	yet", or the load error). A load that finds no signatures at all
 *	(empty directory) is a failed load. Without an engine the loader
 *	retries every embedded.reload_check (every 10 s when that is 0).
 *
 *	Reloads. reload() (SIGHUP), a changed database path, changed limits or
 *	spool_dir in configure(), and a change in the database directory seen
 *	every reload_check (cl_statchkdir(), plus the number of signature
 *	files so that a removed one counts; other files such as freshclam's
 *	temporary ones do not) make the loader build a new engine while
 *	the current one keeps scanning; the new one replaces it only once it
 *	compiled. Requests during a load coalesce into at most one more load.
 *	A failed reload keeps the running engine, is logged and counted
 *	(reloads_failed); it is not retried until the directory changes again
 *	or reload() is called. On Linux the loader thread runs at a lower
 *	priority (nice +10) than the scanning threads, so that a reload on a
 *	busy machine takes longer rather than slowing mail down.
 *
 *	Scanning. Messages held in RAM are scanned in place through an fmap
 *	(cl_fmap_open_memory), spilled ones by descriptor; neither is copied.
 *	All parsers are on, with CL_SCAN_GENERAL_HEURISTICS and
 *	CL_SCAN_HEURISTIC_EXCEEDS_MAX, so that a hit limit comes back as a
 *	"Heuristics.Limits.Exceeded.*" detection, which is turned into a
 *	limit verdict whose kind scan_limit_kind_of() gives from the name
 *	(and whose reason is the name): a hit limit is never clean. A limit
 *	libclamav returns as an error code instead is limit(time), (size),
 *	(nesting) or (files) with libclamav's text for the code. A spool
 *	over max_size is not scanned at all: limit(size).
 *
 *	Limits from the configuration: max_scan_time (ms), max_file_size,
 *	max_scan_size and max_files are passed to libclamav as they are (0 =
 *	no limit there); max_recursion 0 keeps libclamav's default. Other
 *	limits (embedded PE size, HTML normalisation ...) keep their
 *	defaults. The engine's temporary files go to spool_dir.
 * DIAGNOSTICS
 *	Load failures are logged with log_error() (a repeated identical
 *	failure while no engine exists is logged at debug level); libclamav's
 *	own messages are passed to the log as one printable line each (they
 *	may quote names from the mail). Running out of memory aborts.
 */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/statvfs.h>

#ifdef __linux__
#include <sys/syscall.h>
#endif

#include <clamav.h>

#include "conf.h"
#include "hdrs.h"
#include "log.h"
#include "scan.h"
#include "spool.h"

#define EMB_SCANNER		"embedded"
#define EMB_RETRY_MS		10000	/* retry a missing engine this often when reload_check is 0 */
#define EMB_LIMIT_PREFIX	"Heuristics.Limits.Exceeded"
#define EMB_MSG_MAX		256	/* a libclamav message kept for the load error */
#define EMB_LOADER_NICE		10	/* the loader thread's nice, above the daemon's */
#define EMB_TMP_RESERVE		(16 * 1024 * 1024)	/* free space wanted in the temp dir beyond 2x the message */

/* One compiled engine and what it says about itself. */
struct emb_engine {
	struct cl_engine *cl;
	unsigned refs;			/* under the instance mutex */
	char	ident[SCAN_ENGINE_MAX];	/* "1.4.6/27432" */
	char	sig_version[32];	/* "" unknown */
	time_t	sig_time;		/* 0 unknown */
	unsigned sigs;			/* signatures loaded */
	struct emb_engine *next;	/* on the free list */
};

/* What the engine is built from: a copy of the relevant configuration. */
struct emb_settings {
	char	*database;
	char	*tmpdir;
	int64_t	reload_check_ms;
	int64_t	max_scan_time_ms;
	uint64_t max_file_size;
	uint64_t max_scan_size;
	unsigned max_recursion;
	unsigned max_files;
};

/* What the loader thread compares to see a changed database. */
struct emb_dbwatch {
	int	stat_ok;		/* dbstat holds a cl_statinidir() result */
	struct cl_stat dbstat;
	int	exists;			/* the database path could be stat()ed */
	int	is_dir;
	long	nfiles;			/* directory: signature files in it */
	struct timespec mtim;		/* plain file: its mtime */
	ino_t	ino;			/* plain file: its inode */
};

struct scanner {
	pthread_mutex_t lock;
	pthread_cond_t wake;		/* to the loader: work, free list or stop */
	pthread_cond_t ready;		/* to wait_ready(): first load attempt done */
	pthread_t thread;
	int	thread_started;

	/* all below under lock */
	struct emb_settings set;
	struct emb_engine *cur;		/* current engine or NULL */
	struct emb_engine *graveyard;	/* retired engines nobody uses any more */
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

	/* loader thread only */
	struct emb_dbwatch watch;
};

static pthread_once_t emb_once = PTHREAD_ONCE_INIT;
static cl_error_t emb_init_rc = CL_SUCCESS;
static _Thread_local char emb_last_msg[EMB_MSG_MAX];	/* last libclamav error, this thread */

/* emb_oom - log and abort: allocation never fails to the caller */
static void
emb_oom(size_t n)
{
	log_error("embedded: out of memory allocating %zu bytes", n);
	abort();
}

/* emb_strdup - strdup that never returns NULL; NULL stays NULL */
static char *
emb_strdup(const char *s)
{
	char   *p;

	if (s == NULL)
		return NULL;
	if ((p = strdup(s)) == NULL)
		emb_oom(strlen(s) + 1);
	return p;
}

/* emb_errf - format into the caller's error buffer; truncation is fine there */
static void emb_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void
emb_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void) vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* emb_streq - string equality where NULL equals only NULL */
static int
emb_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* What one scan learns through libclamav's callbacks. */
struct emb_scan_ctx {
	char	virname[SCAN_NAME_MAX];	/* first name reported, "" none */
	char	error[EMB_MSG_MAX];	/* first engine error during the scan, "" none */
};

/*
 * emb_clean - a libclamav message as one printable line of at most len - 1
 * bytes: it may quote names from the scanned mail (archive members) or the
 * file system, so every byte goes through hdrs_map_char() (CR and LF inside
 * become spaces, so that words stay apart); line ends at the end are cut,
 * and a longer message ends in "...".
 */
static void
emb_clean(char *line, size_t len, const char *msg)
{
	size_t	end = strlen(msg), i, n = 0;
	int	c;

	while (end > 0 && (msg[end - 1] == '\n' || msg[end - 1] == '\r' || msg[end - 1] == ' '))
		end--;
	for (i = 0; i < end && n + 1 < len; i++) {
		c = msg[i] == '\n' || msg[i] == '\r' ? ' ' : hdrs_map_char((unsigned char) msg[i]);
		if (c != 0)
			line[n++] = (char) c;
	}
	if (i < end && len > 4) {	/* n is len - 1 here: the end says it was cut */
		memcpy(line + len - 4, "...", 3);
		n = len - 1;
	}
	line[n] = '\0';
}

/*
 * emb_clmsg - libclamav's messages into our log, made printable first
 * (emb_clean). ctx is NULL while loading (errors are remembered per
 * thread for the load error text) and the scan's context while scanning,
 * where a message says something about one mail only, which may be
 * hostile: it is logged a level lower.
 */
static void
emb_clmsg(enum cl_msg severity, const char *fullmsg, const char *msg, void *ctx)
{
	char	line[EMB_MSG_MAX];

	(void) fullmsg;
	if (msg == NULL)
		return;
	emb_clean(line, sizeof(line), msg);
	if (ctx != NULL) {
		/* during a scan: about one (hostile) message, not the daemon */
		if (severity == CL_MSG_ERROR) {
			struct emb_scan_ctx *sc = ctx;

			/*
			 * The scan is incomplete (a temp file could not be
			 * written: libclamav drops that part and still says
			 * clean): remembered, so that clean becomes error.
			 */
			if (sc->error[0] == '\0')
				snprintf(sc->error, sizeof(sc->error), "%s", line);
			log_warning("libclamav: %s", line);
		} else
			log_debug("libclamav: %s", line);
		return;
	}
	switch (severity) {
	case CL_MSG_ERROR:
		snprintf(emb_last_msg, sizeof(emb_last_msg), "%s", line);
		log_error("libclamav: %s", line);
		break;
	case CL_MSG_WARN:
		log_warning("libclamav: %s", line);
		break;
	default:
		log_debug("libclamav: %s", line);
		break;
	}
}

/*
 * emb_virus_found - remember the first name reported. Some detections,
 * such as a top-level file over max_file_size, come back as CL_VIRUS
 * with no virname at all: their name arrives only here.
 */
static void
emb_virus_found(int fd, const char *virname, void *context)
{
	struct emb_scan_ctx *ctx = context;

	(void) fd;
	if (ctx != NULL && virname != NULL && ctx->virname[0] == '\0')
		snprintf(ctx->virname, sizeof(ctx->virname), "%s", virname);
}

/* emb_global_init - cl_init() and the message callback, once per process */
static void
emb_global_init(void)
{
	cl_set_clcb_msg(emb_clmsg);
	emb_init_rc = cl_init(CL_INIT_DEFAULT);
}

/* emb_settings_from_conf - copy what the engine is built from */
static void
emb_settings_from_conf(struct emb_settings *set, const struct conf *conf)
{
	set->database = emb_strdup(conf->embedded.database);
	set->tmpdir = emb_strdup(conf->spool_dir);
	set->reload_check_ms = conf->embedded.reload_check_ms;
	set->max_scan_time_ms = conf->embedded.max_scan_time_ms;
	set->max_file_size = conf->embedded.max_file_size;
	set->max_scan_size = conf->embedded.max_scan_size;
	set->max_recursion = conf->embedded.max_recursion;
	set->max_files = conf->embedded.max_files;
}

/* emb_settings_free - free the strings of a settings copy */
static void
emb_settings_free(struct emb_settings *set)
{
	free(set->database);
	free(set->tmpdir);
	set->database = set->tmpdir = NULL;
}

/* emb_settings_engine_differs - 1 when an engine built from a would differ from one built from b */
static int
emb_settings_engine_differs(const struct emb_settings *a, const struct emb_settings *b)
{
	return !emb_streq(a->database, b->database)
	    || !emb_streq(a->tmpdir, b->tmpdir)
	    || a->max_scan_time_ms != b->max_scan_time_ms
	    || a->max_file_size != b->max_file_size
	    || a->max_scan_size != b->max_scan_size
	    || a->max_recursion != b->max_recursion
	    || a->max_files != b->max_files;
}

/* emb_mono_ms - the monotonic clock in milliseconds */
static int64_t
emb_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* emb_abstime - a monotonic deadline ms from now, for pthread_cond_timedwait */
static struct timespec
emb_abstime(int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t) (ms / 1000);
	ts.tv_nsec += (long) (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec += 1;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* emb_set_num - set one engine number, clamped to max; 0 ok, -1 with err */
static int
emb_set_num(struct cl_engine *e, enum cl_engine_field f, const char *what,
	    uint64_t val, uint64_t max, char *err, size_t errlen)
{
	cl_error_t rc;

	if (val > max)
		val = max;
	if ((rc = cl_engine_set_num(e, f, (long long) val)) != CL_SUCCESS) {
		emb_errf(err, errlen, "cannot set %s: %s", what, cl_strerror(rc));
		return -1;
	}
	return 0;
}

/* emb_apply_limits - engine limits from the settings */
static int
emb_apply_limits(struct cl_engine *e, const struct emb_settings *set,
		 char *err, size_t errlen)
{
	cl_error_t rc;
	uint64_t scantime = set->max_scan_time_ms > 0 ? (uint64_t) set->max_scan_time_ms : 0;

	if (emb_set_num(e, CL_ENGINE_MAX_SCANTIME, "max_scan_time", scantime, UINT32_MAX, err, errlen) < 0
	    || emb_set_num(e, CL_ENGINE_MAX_FILESIZE, "max_file_size", set->max_file_size,
			   INT64_MAX, err, errlen) < 0
	    || emb_set_num(e, CL_ENGINE_MAX_SCANSIZE, "max_scan_size", set->max_scan_size,
			   INT64_MAX, err, errlen) < 0
	    || emb_set_num(e, CL_ENGINE_MAX_FILES, "max_files", set->max_files, UINT32_MAX,
			   err, errlen) < 0)
		return -1;
	/*
	 * max_recursion counts container levels inside the message: the
	 * message's own MIME structure is one level to libclamav, so the
	 * engine gets one more. An attachment can then nest as deep as
	 * ClamAV's own default (17) allows a file to (clam_cache_emax.tgz).
	 */
	if (set->max_recursion > 0
	    && emb_set_num(e, CL_ENGINE_MAX_RECURSION, "max_recursion", set->max_recursion + 1ULL,
			   UINT32_MAX, err, errlen) < 0)
		return -1;
	/*
	 * No clean cache: a scan that lost a part (temp dir full: libclamav
	 * drops the part and says clean) would be cached as clean by the
	 * message's hash, and every later copy would pass unscanned.
	 */
	if (emb_set_num(e, CL_ENGINE_DISABLE_CACHE, "disable_cache", 1, 1, err, errlen) < 0)
		return -1;
	if (set->tmpdir != NULL && *set->tmpdir != '\0'
	    && (rc = cl_engine_set_str(e, CL_ENGINE_TMPDIR, set->tmpdir)) != CL_SUCCESS) {
		emb_errf(err, errlen, "cannot set the temporary directory: %s", cl_strerror(rc));
		return -1;
	}
	return 0;
}

/* emb_is_sigfile - 1 when name has a signature file extension libclamav loads */
static int
emb_is_sigfile(const char *name)
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

/* emb_cvd_version - version and build time from one .cvd/.cld header; 0 if unreadable */
static unsigned
emb_cvd_version(const char *path, time_t *stime)
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
 * emb_db_info - signature version and time: the newest of the daily.cld,
 * daily.cvd and daily.cud headers first (.cud: the unsigned container
 * sigtool --unsigned builds, same header), then what the engine says,
 * then the newest other .cvd/.cld/.cud header; the time falls back to the
 * newest signature file's mtime (plain .ndb, .hdb ... files have no header).
 */
static void
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
			    && (v = emb_cvd_version(path, &t)) > best) {
				best = v;
				best_time = t;
			}
		}
		if ((d = opendir(db)) != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (!emb_is_sigfile(de->d_name)
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
				    && (v = emb_cvd_version(path, &t)) > 0 && t >= other_time) {
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

/* emb_watch_free - forget a directory watch */
static void
emb_watch_free(struct emb_dbwatch *w)
{
	if (w->stat_ok)
		cl_statfree(&w->dbstat);
	memset(w, 0, sizeof(*w));
}

/* emb_count_sigfiles - signature files in a directory, -1 if unreadable */
static long
emb_count_sigfiles(const char *dir)
{
	DIR    *d = opendir(dir);
	struct dirent *de;
	long	n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (emb_is_sigfile(de->d_name))
			n++;
	closedir(d);
	return n;
}

/*
 * emb_watch_init - remember the state of the database path. A directory is
 * watched with cl_statinidir() (new and changed files) plus the number of
 * signature files in it (removed ones); other files in it, such as
 * freshclam's temporary directories, do not count. A plain file is
 * watched by inode and mtime.
 */
static void
emb_watch_init(struct emb_dbwatch *w, const char *db)
{
	struct stat st;

	emb_watch_free(w);
	if (db == NULL || stat(db, &st) < 0)
		return;
	w->exists = 1;
	w->is_dir = S_ISDIR(st.st_mode);
	if (w->is_dir) {
		w->nfiles = emb_count_sigfiles(db);
		if (cl_statinidir(db, &w->dbstat) == CL_SUCCESS)
			w->stat_ok = 1;
	} else {
		w->mtim = st.st_mtim;
		w->ino = st.st_ino;
	}
}

/* emb_watch_changed - 1 when the database path changed since emb_watch_init() */
static int
emb_watch_changed(const struct emb_dbwatch *w, const char *db)
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
	if (emb_count_sigfiles(db) != w->nfiles)
		return 1;
	return w->stat_ok && cl_statchkdir(&w->dbstat) == 1;
}

/* emb_engine_free - free an engine record and its engine */
static void
emb_engine_free(struct emb_engine *ee)
{
	if (ee->cl != NULL)
		cl_engine_free(ee->cl);
	free(ee);
}

/* emb_load - build and compile a new engine; NULL with err filled on failure */
static struct emb_engine *
emb_load(const struct emb_settings *set, char *err, size_t errlen)
{
	struct emb_engine *ee;
	cl_error_t rc;
	unsigned sigs = 0;

	if (set->database == NULL || *set->database == '\0') {
		emb_errf(err, errlen, "no database directory configured");
		return NULL;
	}
	if ((ee = calloc(1, sizeof(*ee))) == NULL)
		emb_oom(sizeof(*ee));
	if ((ee->cl = cl_engine_new()) == NULL) {
		emb_errf(err, errlen, "cannot create an engine (out of memory?)");
		goto fail;
	}
	if (emb_apply_limits(ee->cl, set, err, errlen) < 0)
		goto fail;
	cl_engine_set_clcb_virus_found(ee->cl, emb_virus_found);
	emb_last_msg[0] = '\0';
	if ((rc = cl_load(set->database, ee->cl, &sigs, CL_DB_STDOPT)) != CL_SUCCESS) {
		if (emb_last_msg[0] != '\0')
			emb_errf(err, errlen, "cannot load %s: %s (%s)", set->database,
				 cl_strerror(rc), emb_last_msg);
		else
			emb_errf(err, errlen, "cannot load %s: %s", set->database, cl_strerror(rc));
		goto fail;
	}
	if (sigs == 0) {
		emb_errf(err, errlen, "no signatures in %s", set->database);
		goto fail;
	}
	if ((rc = cl_engine_compile(ee->cl)) != CL_SUCCESS) {
		emb_errf(err, errlen, "cannot compile the signatures of %s: %s", set->database,
			 cl_strerror(rc));
		goto fail;
	}
	ee->sigs = sigs;
	emb_db_info(set->database, ee->cl, ee->sig_version, sizeof(ee->sig_version), &ee->sig_time);
	snprintf(ee->ident, sizeof(ee->ident), "%s/%s", cl_retver(),
		 ee->sig_version[0] ? ee->sig_version : "0");
	return ee;

fail:
	emb_engine_free(ee);
	return NULL;
}

/* emb_unref_locked - drop one reference; a retired engine with none left goes to the loader */
static void
emb_unref_locked(struct scanner *s, struct emb_engine *ee)
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
	struct emb_engine *list = s->graveyard, *next;
	unsigned n = 0;

	if (list == NULL)
		return;
	s->graveyard = NULL;
	pthread_mutex_unlock(&s->lock);
	for (; list != NULL; list = next) {
		char	ident[SCAN_ENGINE_MAX];
		int64_t	t0 = emb_mono_ms();

		next = list->next;
		snprintf(ident, sizeof(ident), "%s", list->ident);
		emb_engine_free(list);
		log_debug("embedded: freed the retired engine %s in %lld ms", ident,
			  (long long) (emb_mono_ms() - t0));
		n++;
	}
	pthread_mutex_lock(&s->lock);
	s->nlive -= n;
}

/* emb_free_instance - free an instance nobody uses any more */
static void
emb_free_instance(struct scanner *s)
{
	struct emb_engine *ee, *next;

	for (ee = s->graveyard; ee != NULL; ee = next) {
		next = ee->next;
		emb_engine_free(ee);
	}
	emb_watch_free(&s->watch);
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
emb_finish_load(struct scanner *s, struct emb_engine *ee, const char *err, int counted)
{
	struct emb_engine *old = s->cur;
	time_t	now = time(NULL);

	if (ee != NULL) {
		ee->refs = 1;
		s->cur = ee;
		s->nlive++;
		if (old == NULL)
			s->since = now;
		s->last_error[0] = '\0';
		if (counted)
			s->reloads_ok++;
		log_info("embedded: %s %u signatures from %s, engine %s",
			 old != NULL ? "reloaded" : "loaded", ee->sigs, s->set.database, ee->ident);
		if (old != NULL)
			emb_unref_locked(s, old);
		return;
	}
	if (counted)
		s->reloads_failed++;
	if (old != NULL)
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

/* emb_loader - the background thread: first load, retries, reloads, freeing */
static void *
emb_loader(void *arg)
{
	struct scanner *s = arg;
	int64_t	last_check = emb_mono_ms();
	struct emb_settings set;
	struct emb_engine *ee;
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
			now = emb_mono_ms();
			if (now - last_check < interval) {
				struct timespec ts = emb_abstime(last_check + interval - now);

				pthread_cond_timedwait(&s->wake, &s->lock, &ts);
				continue;
			}
			last_check = now;
			if (s->cur == NULL) {
				do_load = retry = 1;
			} else {
				char   *db = emb_strdup(s->set.database);

				pthread_mutex_unlock(&s->lock);
				do_load = emb_watch_changed(&s->watch, db);
				free(db);
				pthread_mutex_lock(&s->lock);
				if (do_load)
					log_info("embedded: signature change seen in %s", s->set.database);
			}
		}
		if (!do_load)
			continue;
		/* at most two engines: wait for the scans on a retired one to end */
		while (s->nlive > 1 && !s->stopping) {
			pthread_cond_wait(&s->wake, &s->lock);
			emb_bury(s);
		}
		if (s->stopping)
			break;
		counted = s->first_done && !retry;
		s->reload_wanted = 0;
		s->loading = 1;
		set = s->set;
		set.database = emb_strdup(s->set.database);
		set.tmpdir = emb_strdup(s->set.tmpdir);
		pthread_mutex_unlock(&s->lock);

		/* watch first: a change during the load makes another one */
		emb_watch_init(&s->watch, set.database);
		err[0] = '\0';
		ee = emb_load(&set, err, sizeof(err));
		emb_settings_free(&set);

		pthread_mutex_lock(&s->lock);
		emb_finish_load(s, ee, err, counted);
		s->loading = 0;
		s->first_done = 1;
		last_check = emb_mono_ms();
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
	pthread_condattr_t ca;
	int	rc;

	pthread_once(&emb_once, emb_global_init);
	if (emb_init_rc != CL_SUCCESS) {
		emb_errf(err, errlen, "libclamav initialisation failed: %s", cl_strerror(emb_init_rc));
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		emb_oom(sizeof(*s));
	emb_settings_from_conf(&s->set, conf);
	s->users = 1;
	if (pthread_condattr_init(&ca) != 0
	    || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0
	    || pthread_cond_init(&s->wake, &ca) != 0
	    || pthread_cond_init(&s->ready, &ca) != 0
	    || pthread_mutex_init(&s->lock, NULL) != 0) {
		emb_errf(err, errlen, "cannot initialise thread primitives");
		abort();
	}
	pthread_condattr_destroy(&ca);
	if ((rc = pthread_create(&s->thread, NULL, emb_loader, s)) != 0) {
		emb_errf(err, errlen, "cannot start the loader thread: %s", strerror(rc));
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
	if (emb_settings_engine_differs(&nset, &s->set)) {
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
	struct timespec ts = emb_abstime(timeout_ms > 0 ? timeout_ms : 0);
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

/* emb_verdict_from_rc - turn a libclamav result into a verdict */
static void
emb_verdict_from_rc(struct scan_verdict *v, cl_error_t rc, const char *virname,
		    const struct emb_scan_ctx *ctx)
{
	switch (rc) {
	case CL_CLEAN:
		if (ctx->error[0] != '\0')	/* not clean: not all of it was scanned */
			scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "engine error: %s", ctx->error);
		else
			scan_verdict_set(v, SCAN_CLEAN, EMB_SCANNER, NULL);
		break;
	case CL_VIRUS:
		if (virname == NULL || *virname == '\0')
			virname = ctx->virname[0] != '\0' ? ctx->virname : "Unknown";
		if (strncmp(virname, EMB_LIMIT_PREFIX, sizeof(EMB_LIMIT_PREFIX) - 1) == 0)
			scan_verdict_limit(v, scan_limit_kind_of(virname), EMB_SCANNER, "%s", virname);
		else
			scan_verdict_set(v, SCAN_INFECTED, EMB_SCANNER, "%s", virname);
		break;
	case CL_ETIMEOUT:
		scan_verdict_limit(v, SCAN_LIMIT_TIME, EMB_SCANNER, "%s", cl_strerror(rc));
		break;
	case CL_EMAXSIZE:
		scan_verdict_limit(v, SCAN_LIMIT_SIZE, EMB_SCANNER, "%s", cl_strerror(rc));
		break;
	case CL_EMAXREC:
		scan_verdict_limit(v, SCAN_LIMIT_NESTING, EMB_SCANNER, "%s", cl_strerror(rc));
		break;
	case CL_EMAXFILES:
		scan_verdict_limit(v, SCAN_LIMIT_FILES, EMB_SCANNER, "%s", cl_strerror(rc));
		break;
	default:
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "%s", cl_strerror(rc));
		break;
	}
}

/*
 * emb_tmp_short - 1 when the temp dir has less free space than a scan of a
 * message of this size may need, with the free bytes in *avail. libclamav
 * 1.4 ignores failed writes of its temp files (a part is lost and the
 * message comes back clean), so a scan is only trusted with room to spare
 * before and after it. A temp dir that cannot be examined is not judged.
 */
static int
emb_tmp_short(const char *dir, uint64_t size, uint64_t *avail)
{
	struct statvfs sv;

	*avail = 0;
	if (dir == NULL || *dir == '\0' || statvfs(dir, &sv) != 0)
		return 0;
	*avail = (uint64_t) sv.f_bavail * (uint64_t) sv.f_frsize;
	return *avail < 2 * size + EMB_TMP_RESERVE;
}

/* emb_scan - the verdict for one message */
static void
emb_scan(struct scanner *s, const struct spool *msg, struct scan_verdict *v)
{
	struct cl_scan_options opts;
	struct emb_scan_ctx ctx;
	struct emb_engine *ee;
	const char *virname = NULL;
	unsigned long scanned = 0;
	char	tmpdir[512];
	uint64_t avail;
	cl_error_t rc;
	int	fd;
	void   *mapped;

	pthread_mutex_lock(&s->lock);
	if ((ee = s->cur) != NULL)
		ee->refs++;
	s->users++;
	if (spool_over_limit(msg) || ee == NULL) {
		if (spool_over_limit(msg))
			scan_verdict_limit(v, SCAN_LIMIT_SIZE, EMB_SCANNER, "over max_size");
		else if (!s->first_done || s->last_error[0] == '\0')
			scan_verdict_set(v, SCAN_UNAVAILABLE, EMB_SCANNER, "signatures not loaded yet");
		else
			scan_verdict_set(v, SCAN_UNAVAILABLE, EMB_SCANNER, "%s", s->last_error);
		snprintf(v->engine, sizeof(v->engine), "%s", ee != NULL ? ee->ident : "");
		if (ee != NULL)
			emb_unref_locked(s, ee);
		emb_leave(s);
		return;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s", s->set.tmpdir ? s->set.tmpdir : "");
	pthread_mutex_unlock(&s->lock);

	if (emb_tmp_short(tmpdir, spool_size(msg), &avail)) {
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "temporary directory %s nearly full "
				 "(%llu bytes free)", tmpdir, (unsigned long long) avail);
		goto done;
	}
	memset(&opts, 0, sizeof(opts));
	ctx.virname[0] = '\0';
	ctx.error[0] = '\0';
	opts.general = CL_SCAN_GENERAL_HEURISTICS;
	opts.parse = ~0u;
	opts.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	/*
	 * A spilled message is mapped and scanned like one in RAM: libclamav's
	 * own map of a descriptor reads it page by page into memory of its
	 * own, which cost about 1.8 ms per message on the benchmark corpus
	 * (bench/run, memory_limit 1M against 16M). A failed mmap falls back
	 * to the descriptor.
	 */
	mapped = NULL;
	if ((fd = spool_fd(msg)) >= 0 && spool_size(msg) > 0 && spool_size(msg) <= SIZE_MAX
	    && (mapped = mmap(NULL, (size_t) spool_size(msg), PROT_READ, MAP_PRIVATE, fd, 0))
	    == MAP_FAILED)
		mapped = NULL;
	if (fd >= 0 && mapped == NULL) {
		rc = cl_scandesc_callback(fd, NULL, &virname, &scanned, ee->cl, &opts, &ctx);
		emb_verdict_from_rc(v, rc, virname, &ctx);
	} else {
		size_t	len = 0;
		const void *mem = mapped ? mapped : spool_mem(msg, &len);
		cl_fmap_t *map;

		if (mapped)
			len = (size_t) spool_size(msg);
		if (mem == NULL || len == 0) {
			scan_verdict_set(v, SCAN_CLEAN, EMB_SCANNER, NULL);
		} else if ((map = cl_fmap_open_memory(mem, len)) == NULL) {
			scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "cannot map the message");
		} else {
			rc = cl_scanmap_callback(map, NULL, &virname, &scanned, ee->cl, &opts, &ctx);
			emb_verdict_from_rc(v, rc, virname, &ctx);
			cl_fmap_close(map);
		}
		if (mapped)
			munmap(mapped, len);
	}
	if (v->result == SCAN_CLEAN && emb_tmp_short(tmpdir, spool_size(msg), &avail))
		scan_verdict_set(v, SCAN_ERROR, EMB_SCANNER, "temporary directory %s filled up "
				 "during the scan (%llu bytes free)", tmpdir, (unsigned long long) avail);
done:
	snprintf(v->engine, sizeof(v->engine), "%s", ee->ident);

	pthread_mutex_lock(&s->lock);
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
	st->up = s->cur != NULL;
	st->loading = !s->first_done;
	if (s->cur != NULL) {
		snprintf(st->engine, sizeof(st->engine), "%s", s->cur->ident);
		snprintf(st->sig_version, sizeof(st->sig_version), "%s", s->cur->sig_version);
		st->sig_time = s->cur->sig_time;
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
	pthread_mutex_lock(&s->lock);
	s->stopping = 1;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
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
	.name = EMB_SCANNER,
	.create = emb_create,
	.configure = emb_configure,
	.scan = emb_scan,
	.reload = emb_reload,
	.wait_ready = emb_wait_ready,
	.status = emb_status,
	.destroy = emb_destroy,
};
