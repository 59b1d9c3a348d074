/*
 * NAME
 *	emb_engine 3 - a libclamav engine built from the configuration
 * SUMMARY
 *	#include "emb_engine.h"
 * DESCRIPTION
 *	emb_engine_init() runs cl_init() once per process and routes
 *	libclamav's messages to the log. emb_engine_build() makes one engine:
 *	cl_engine_new(), the limits and options below, cl_load() of the
 *	database with CL_DB_STDOPT, cl_engine_compile(). A load that finds no
 *	signatures at all (an empty directory) is a failed load.
 *
 *	Limits from the configuration: max_scan_time (ms), max_file_size,
 *	max_scan_size and max_files are passed to libclamav as they are (0 =
 *	no limit there); max_recursion 0 keeps libclamav's default, any other
 *	value is passed plus one (the message's own MIME level). Other limits
 *	(embedded PE size, HTML normalisation ...) keep their defaults.
 *	libclamav's clean-result cache is off (keep_cache is for the benchmark
 *	only). The engine's temporary files go to spool_dir.
 *
 *	Messages. libclamav's own messages are passed to the log as one
 *	printable line each (they may quote names from the mail). While an
 *	engine loads, an error is also remembered per thread for the load's
 *	error text. During a scan (the scan call's context is a struct
 *	emb_scan_ctx) a message is about one possibly hostile mail, so it is
 *	logged a level lower, and the first error is kept in the context:
 *	libclamav says clean for a scan that lost a part. The virus-found
 *	callback keeps the first name reported in the context too.
 * DIAGNOSTICS
 *	Failures come back as NULL or -1 with a text in the caller's buffer;
 *	libclamav's messages go to the log. Running out of memory aborts.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <clamav.h>

#include "conf.h"
#include "emb_engine.h"
#include "hdrs.h"
#include "log.h"
#include "util.h"

static pthread_once_t emb_once = PTHREAD_ONCE_INIT;
static cl_error_t emb_init_rc = CL_SUCCESS;
static _Thread_local char emb_last_msg[EMB_MSG_MAX];	/* last libclamav error, this thread */

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

/* emb_engine_init - cl_init() and the message callback, once per process */
int
emb_engine_init(char *err, size_t errlen)
{
	pthread_once(&emb_once, emb_global_init);
	if (emb_init_rc != CL_SUCCESS) {
		emb_errf(err, errlen, "libclamav initialisation failed: %s", cl_strerror(emb_init_rc));
		return -1;
	}
	return 0;
}

/* emb_settings_from_conf - copy what the engine is built from */
void
emb_settings_from_conf(struct emb_settings *set, const struct conf *conf)
{
	set->database = util_strdup(conf->embedded.database);
	set->tmpdir = util_strdup(conf->spool_dir);
	set->reload_check_ms = conf->embedded.reload_check_ms;
	set->max_scan_time_ms = conf->embedded.max_scan_time_ms;
	set->max_file_size = conf->embedded.max_file_size;
	set->max_scan_size = conf->embedded.max_scan_size;
	set->max_recursion = conf->embedded.max_recursion;
	set->max_files = conf->embedded.max_files;
	set->keep_cache = 0;
}

/* emb_settings_free - free the strings of a settings copy */
void
emb_settings_free(struct emb_settings *set)
{
	free(set->database);
	free(set->tmpdir);
	set->database = set->tmpdir = NULL;
}

/* emb_settings_differ - 1 when an engine built from a would differ from one built from b */
int
emb_settings_differ(const struct emb_settings *a, const struct emb_settings *b)
{
	return strcmp(a->database, b->database) != 0
	    || strcmp(a->tmpdir, b->tmpdir) != 0
	    || a->max_scan_time_ms != b->max_scan_time_ms
	    || a->max_file_size != b->max_file_size
	    || a->max_scan_size != b->max_scan_size
	    || a->max_recursion != b->max_recursion
	    || a->max_files != b->max_files
	    || a->keep_cache != b->keep_cache;
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
	if (!set->keep_cache && emb_set_num(e, CL_ENGINE_DISABLE_CACHE, "disable_cache", 1, 1, err, errlen) < 0)
		return -1;
	if (*set->tmpdir != '\0'
	    && (rc = cl_engine_set_str(e, CL_ENGINE_TMPDIR, set->tmpdir)) != CL_SUCCESS) {
		emb_errf(err, errlen, "cannot set the temporary directory: %s", cl_strerror(rc));
		return -1;
	}
	return 0;
}

/* emb_engine_build - a new engine, set up, loaded and compiled; NULL with err filled on failure */
struct cl_engine *
emb_engine_build(const struct emb_settings *set, unsigned *sigs, char *err, size_t errlen)
{
	struct cl_engine *cl;
	cl_error_t rc;

	*sigs = 0;
	if (emb_engine_init(err, errlen) < 0)
		return NULL;
	if (*set->database == '\0') {
		emb_errf(err, errlen, "no database directory configured");
		return NULL;
	}
	if ((cl = cl_engine_new()) == NULL) {
		emb_errf(err, errlen, "cannot create an engine (out of memory?)");
		return NULL;
	}
	if (emb_apply_limits(cl, set, err, errlen) < 0)
		goto fail;
	cl_engine_set_clcb_virus_found(cl, emb_virus_found);
	emb_last_msg[0] = '\0';
	if ((rc = cl_load(set->database, cl, sigs, CL_DB_STDOPT)) != CL_SUCCESS) {
		if (emb_last_msg[0] != '\0')
			emb_errf(err, errlen, "cannot load %s: %s (%s)", set->database,
				 cl_strerror(rc), emb_last_msg);
		else
			emb_errf(err, errlen, "cannot load %s: %s", set->database, cl_strerror(rc));
		goto fail;
	}
	if (*sigs == 0) {
		emb_errf(err, errlen, "no signatures in %s", set->database);
		goto fail;
	}
	if ((rc = cl_engine_compile(cl)) != CL_SUCCESS) {
		emb_errf(err, errlen, "cannot compile the signatures of %s: %s", set->database,
			 cl_strerror(rc));
		goto fail;
	}
	return cl;

fail:
	cl_engine_free(cl);
	return NULL;
}
