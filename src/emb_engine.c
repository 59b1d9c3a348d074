/*
 * NAME
 *	emb_engine 3 - a libclamav engine built from the configuration
 * SUMMARY
 *	#include "emb_engine.h"
 * DESCRIPTION
 *	emb_engine_init() runs cl_init() once per process and routes
 *	libclamav's messages to the log. emb_engine_build() makes one engine:
 *	cl_engine_new(), the limits and options below, cl_load() of the
 *	database with the load options below, cl_engine_compile(). A load that finds no
 *	signatures at all (an empty directory) is a failed load.
 *
 *	Limits from the configuration: max_scan_time (ms), max_file_size,
 *	max_scan_size and max_files are passed to libclamav as they are (0 =
 *	no limit there); max_recursion 0 keeps libclamav's default, any other
 *	value is passed plus one (the message's own MIME level).
 *
 *	Detection options (clamd.conf's, in snake_case) become what clamd
 *	makes of them: CL_DB_* load options (detect_pua, the PUA category
 *	list, phishing_*, bytecode*, official_database_only), engine numbers
 *	(max_embedded_pe ... pcre_*, bytecode_security and _timeout, the
 *	structured_* counts) and the scan options every scan with the engine
 *	uses (struct emb_settings.scan: heuristics, parsers, alert_*); the
 *	mail parser is always on and CL_SCAN_HEURISTIC_EXCEEDS_MAX always set.
 *	All of them take part in emb_settings_differ(), so that changing one
 *	rebuilds the engine.
 *	libclamav's clean-result cache is on when embedded.cache is (keep_cache;
 *	scan_embedded(3) says what makes it safe) and off otherwise. The
 *	engine's temporary files go to set->tmpdir, which scan_embedded(3)
 *	points at a private directory per engine. After every file (outer
 *	and inner) the post-scan callback checks the free space there: a
 *	file that ends with less than EMB_TMP_FLOOR free may have lost a
 *	part, so it is marked in the scan's context and reported to
 *	libclamav as blocked, which keeps it out of the cache.
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
#include <sys/statvfs.h>

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

/*
 * emb_post_scan - after each file: with less than EMB_TMP_FLOOR free in
 * the temp dir, a write of this file's parts may have failed unseen, so
 * the scan is marked and the file reported as blocked (CL_VIRUS keeps it
 * out of libclamav's clean cache; the scanner turns the mark into error).
 */
static cl_error_t
emb_post_scan(int fd, int result, const char *virname, void *context)
{
	struct emb_scan_ctx *ctx = context;
	struct statvfs sv;

	(void) fd;
	(void) result;
	(void) virname;
	if (ctx == NULL || ctx->tmpdir == NULL)
		return CL_SUCCESS;
	if (statvfs(ctx->tmpdir, &sv) != 0
	    || (uint64_t) sv.f_bavail * (uint64_t) sv.f_frsize < EMB_TMP_FLOOR) {
		ctx->tmp_short = 1;
		return CL_VIRUS;
	}
	return CL_SUCCESS;
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

/* The engine numbers of the detection options, in the order of emb_settings.num. */
static const struct emb_num {
	enum cl_engine_field field;
	const char *name;
} emb_nums[EMB_NUM_COUNT] = {
	{CL_ENGINE_MAX_EMBEDDEDPE, "max_embedded_pe"},
	{CL_ENGINE_MAX_HTMLNORMALIZE, "max_html_normalize"},
	{CL_ENGINE_MAX_HTMLNOTAGS, "max_html_no_tags"},
	{CL_ENGINE_MAX_SCRIPTNORMALIZE, "max_script_normalize"},
	{CL_ENGINE_MAX_ZIPTYPERCG, "max_zip_type_rcg"},
	{CL_ENGINE_MAX_PARTITIONS, "max_partitions"},
	{CL_ENGINE_MAX_ICONSPE, "max_icons_pe"},
	{CL_ENGINE_MAX_RECHWP3, "max_rec_hwp3"},
	{CL_ENGINE_PCRE_MATCH_LIMIT, "pcre_match_limit"},
	{CL_ENGINE_PCRE_RECMATCH_LIMIT, "pcre_rec_match_limit"},
	{CL_ENGINE_PCRE_MAX_FILESIZE, "pcre_max_file_size"},
	{CL_ENGINE_BYTECODE_SECURITY, "bytecode_security"},
	{CL_ENGINE_BYTECODE_TIMEOUT, "bytecode_timeout"},
	{CL_ENGINE_MIN_CC_COUNT, "structured_min_credit_card_count"},
	{CL_ENGINE_MIN_SSN_COUNT, "structured_min_ssn_count"},
};

/* emb_clamp - a size or count as an engine number */
static long long
emb_clamp(uint64_t v)
{
	return v > (uint64_t) INT64_MAX ? INT64_MAX : (long long) v;
}

/*
 * emb_pua_cats - the category list as clamd gives it to libclamav,
 * ".cat1.cat2."; a category that does not fit is left out (and with it
 * the rest), as is an empty one.
 */
static void
emb_pua_cats(char *buf, size_t len, char *const *cats, size_t n)
{
	size_t	used = 1, i, l;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		l = strlen(cats[i]);
		if (l == 0)
			continue;
		if (used + l + 2 > len) {
			log_warning("embedded: PUA category list too long, cut before \"%.64s\"", cats[i]);
			break;
		}
		buf[used - 1] = '.';
		memcpy(buf + used, cats[i], l);
		used += l + 1;
		buf[used - 1] = '\0';
	}
	if (used > 1) {
		buf[used - 1] = '.';
		buf[used] = '\0';
	}
}

/*
 * emb_detect_from_conf - the detection options as load options, engine
 * numbers and scan options, mapped as clamd maps clamd.conf (clamd.c,
 * server-th.c). Limits are always reported (CL_SCAN_HEURISTIC_EXCEEDS_MAX).
 */
static void
emb_detect_from_conf(struct emb_settings *set, const struct conf_embedded *e)
{
	struct cl_scan_options *o = &set->scan;

	set->dboptions = 0;
	set->pua_cats[0] = '\0';
	if (e->detect_pua) {
		set->dboptions |= CL_DB_PUA;
		if (e->nexclude_pua > 0) {
			set->dboptions |= CL_DB_PUA_EXCLUDE;
			emb_pua_cats(set->pua_cats, sizeof(set->pua_cats), e->exclude_pua, e->nexclude_pua);
		} else if (e->ninclude_pua > 0) {
			set->dboptions |= CL_DB_PUA_INCLUDE;
			emb_pua_cats(set->pua_cats, sizeof(set->pua_cats), e->include_pua, e->ninclude_pua);
		}
		if (set->pua_cats[0] == '\0')
			set->dboptions &= ~(unsigned) (CL_DB_PUA_EXCLUDE | CL_DB_PUA_INCLUDE);
	}
	if (e->official_database_only)
		set->dboptions |= CL_DB_OFFICIAL_ONLY;
	if (e->phishing_signatures)
		set->dboptions |= CL_DB_PHISHING;
	if (e->phishing_scan_urls)
		set->dboptions |= CL_DB_PHISHING_URLS;
	if (e->bytecode) {
		set->dboptions |= CL_DB_BYTECODE;
		if (e->bytecode_unsigned)
			set->dboptions |= CL_DB_BYTECODE_UNSIGNED;
	}

	set->num[0] = emb_clamp(e->max_embedded_pe);
	set->num[1] = emb_clamp(e->max_html_normalize);
	set->num[2] = emb_clamp(e->max_html_no_tags);
	set->num[3] = emb_clamp(e->max_script_normalize);
	set->num[4] = emb_clamp(e->max_zip_type_rcg);
	set->num[5] = e->max_partitions;
	set->num[6] = e->max_icons_pe;
	set->num[7] = e->max_rec_hwp3;
	set->num[8] = e->pcre_match_limit;
	set->num[9] = e->pcre_rec_match_limit;
	set->num[10] = emb_clamp(e->pcre_max_file_size);
	set->num[11] = e->bytecode_security != NULL && strcmp(e->bytecode_security, "Paranoid") == 0
	    ? CL_BYTECODE_TRUST_NOTHING : CL_BYTECODE_TRUST_SIGNED;
	set->num[12] = e->bytecode_timeout_ms > 0 ? e->bytecode_timeout_ms : 1;
	set->num[13] = e->structured_min_credit_card_count;
	set->num[14] = e->structured_min_ssn_count;

	memset(o, 0, sizeof(*o));
	o->heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX;
	if (e->heuristic_alerts)
		o->general |= CL_SCAN_GENERAL_HEURISTICS;
	if (e->heuristic_scan_precedence)
		o->general |= CL_SCAN_GENERAL_HEURISTIC_PRECEDENCE;
	/* the message itself is mail: its parser is always on */
	o->parse = CL_SCAN_PARSE_MAIL;
#define EMB_PARSE(opt, bit)	do { if (e->opt) o->parse |= (bit); } while (0)
	EMB_PARSE(scan_archive, CL_SCAN_PARSE_ARCHIVE);
	EMB_PARSE(scan_image, CL_SCAN_PARSE_IMAGE);
	EMB_PARSE(scan_image_fuzzy_hash, CL_SCAN_PARSE_IMAGE_FUZZY_HASH);
	EMB_PARSE(scan_pe, CL_SCAN_PARSE_PE);
	EMB_PARSE(scan_elf, CL_SCAN_PARSE_ELF);
	EMB_PARSE(scan_ole2, CL_SCAN_PARSE_OLE2);
	EMB_PARSE(scan_pdf, CL_SCAN_PARSE_PDF);
	EMB_PARSE(scan_swf, CL_SCAN_PARSE_SWF);
	EMB_PARSE(scan_html, CL_SCAN_PARSE_HTML);
	EMB_PARSE(scan_xmldocs, CL_SCAN_PARSE_XMLDOCS);
	EMB_PARSE(scan_hwp3, CL_SCAN_PARSE_HWP3);
	EMB_PARSE(scan_onenote, CL_SCAN_PARSE_ONENOTE);
#undef EMB_PARSE
	if (e->alert_encrypted || e->alert_encrypted_doc)
		o->heuristic |= CL_SCAN_HEURISTIC_ENCRYPTED_DOC;
	if ((e->alert_encrypted || e->alert_encrypted_archive) && e->scan_archive)
		o->heuristic |= CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE;
	if (e->alert_broken_executables && (e->scan_pe || e->scan_elf))
		o->heuristic |= CL_SCAN_HEURISTIC_BROKEN;
	if (e->alert_broken_media)
		o->heuristic |= CL_SCAN_HEURISTIC_BROKEN_MEDIA;
	if (e->alert_ole2_macros && e->scan_ole2)
		o->heuristic |= CL_SCAN_HEURISTIC_MACROS;
	if (e->phishing_scan_urls && e->alert_phishing_cloak)
		o->heuristic |= CL_SCAN_HEURISTIC_PHISHING_CLOAK;
	if (e->phishing_scan_urls && e->alert_phishing_ssl_mismatch)
		o->heuristic |= CL_SCAN_HEURISTIC_PHISHING_SSL_MISMATCH;
	if (e->alert_partition_intersection)
		o->heuristic |= CL_SCAN_HEURISTIC_PARTITION_INTXN;
	if (e->structured_data_detection) {
		o->heuristic |= CL_SCAN_HEURISTIC_STRUCTURED;
		if (e->structured_cc_only)
			o->heuristic |= CL_SCAN_HEURISTIC_STRUCTURED_CC;
		if (e->structured_ssn_format_normal)
			o->heuristic |= CL_SCAN_HEURISTIC_STRUCTURED_SSN_NORMAL;
		if (e->structured_ssn_format_stripped)
			o->heuristic |= CL_SCAN_HEURISTIC_STRUCTURED_SSN_STRIPPED;
	}
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
	set->keep_cache = conf->embedded.cache != 0;
	set->sequential = conf->embedded.reload_mode != NULL
	    && strcmp(conf->embedded.reload_mode, "sequential") == 0;
	emb_detect_from_conf(set, &conf->embedded);
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
	    || a->keep_cache != b->keep_cache
	    || a->dboptions != b->dboptions
	    || strcmp(a->pua_cats, b->pua_cats) != 0
	    || memcmp(a->num, b->num, sizeof(a->num)) != 0
	    || a->scan.general != b->scan.general
	    || a->scan.parse != b->scan.parse
	    || a->scan.heuristic != b->scan.heuristic
	    || a->scan.mail != b->scan.mail
	    || a->scan.dev != b->scan.dev;
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
	 * The clean cache only with embedded.cache: a scan that lost a part
	 * (temp dir full: libclamav drops the part and says clean) would be
	 * cached as clean, and every later copy would pass unscanned; what
	 * prevents that is in scan_embedded(3) and emb_post_scan() below.
	 */
	if (!set->keep_cache && emb_set_num(e, CL_ENGINE_DISABLE_CACHE, "disable_cache", 1, 1, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < EMB_NUM_COUNT; i++)
		if ((rc = cl_engine_set_num(e, emb_nums[i].field, set->num[i])) != CL_SUCCESS) {
			emb_errf(err, errlen, "cannot set %s: %s", emb_nums[i].name, cl_strerror(rc));
			return -1;
		}
	if (set->pua_cats[0] != '\0'
	    && (rc = cl_engine_set_str(e, CL_ENGINE_PUA_CATEGORIES, set->pua_cats)) != CL_SUCCESS) {
		emb_errf(err, errlen, "cannot set the PUA categories: %s", cl_strerror(rc));
		return -1;
	}
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
	cl_engine_set_clcb_post_scan(cl, emb_post_scan);
	emb_last_msg[0] = '\0';
	if ((rc = cl_load(set->database, cl, sigs, set->dboptions)) != CL_SUCCESS) {
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
