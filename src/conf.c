/*
 * NAME
 *	conf 3 - read clamshim.conf into an immutable, shared struct conf
 * SUMMARY
 *	conf_load(), conf_ref(), conf_unref()
 * DESCRIPTION
 *	Every option is one row of the option table (conf_options.c, see
 *	conf_table(3h)); this file turns the table into what libconfuse
 *	needs and a parsed file into struct conf, by loops over the rows.
 *	A successful load gives a typed struct conf, shared by reference
 *	count and never changed.
 *
 *	Loading takes three steps:
 *
 *	1. conf_scan(3) reads the file and cleans it for libconfuse:
 *	   comments, unknown and deprecated options blanked out after they
 *	   are reported with their own line, syntax errors found with the
 *	   right line.
 *
 *	2. libconfuse parses the cleaned text against option arrays built
 *	   once from the table: every option a string or a list of strings
 *	   with the one callback conf_cb_value, which checks each value by
 *	   its row's type (conf_types(3)) as it is read, reports a bad one
 *	   with its line and lets the parse go on, so one run reports every
 *	   bad value, not just the first.
 *
 *	3. conf_convert fills in struct conf row by row, defaults included,
 *	   with the same parse functions; then the small checks that span
 *	   options (conf_check.c): the scanner chain against clamd.servers, each
 *	   clamd.limits_unreported_ok entry one of clamd.servers, each
 *	   on_limit_* that is "" decided by on_limit, max_scans 0 = CPUs,
 *	   each class's name, and each class's policy: the top level's
 *	   with the keys its policy { } set (those rows are read without
 *	   defaults, CONF_INHERIT, so an unset key is told apart).
 *
 *	Problems are collected and reported sorted by line, after the parse,
 *	through the caller's conf_report_fn (or the log when there is none).
 *	Tolerant mode (the daemon): unknown options are warnings. Strict mode
 *	(clamshim -t): unknown options are errors. Deprecated options are
 *	warnings in both modes; syntax errors and invalid values are errors.
 *	Every warning is counted in conf->warnings.
 *
 *	libconfuse keeps parser state in globals, so loads are serialized by
 *	a file-static mutex; the callbacks find the load in progress through
 *	a file-static pointer set under that mutex.
 * DIAGNOSTICS
 *	"FILE:LINE: text" for each problem; conf_load returns -1 when any
 *	error was found. Out of memory is logged and aborts.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "conf.h"
#include "conf_check.h"
#include "conf_scan.h"
#include "conf_table.h"
#include "log.h"
#include "util.h"

#define CONF_PROBLEMS_MAX	200		/* more are summed up in one line */

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conf_load *conf_cur;	/* the load in progress, under conf_lock */

/* ---- problems ---- */

/* conf_problem - note one problem of the load for reporting */
void
conf_problem(struct conf_load *lc, enum conf_severity sev, int line, const char *fmt, ...)
{
	struct conf_problem *p;
	va_list	ap;

	if (sev == CONF_ERROR)
		lc->errors++;
	else
		lc->warnings++;
	if (lc->nproblems >= CONF_PROBLEMS_MAX) {
		lc->dropped++;
		return;
	}
	if (lc->nproblems % 16 == 0)
		lc->problems = util_realloc(lc->problems, (lc->nproblems + 16) * sizeof(*p));
	p = &lc->problems[lc->nproblems++];
	p->sev = sev;
	p->line = line;
	va_start(ap, fmt);
	vsnprintf(p->text, sizeof(p->text), fmt, ap);
	va_end(ap);
}

/* conf_report_all - hand every problem, sorted by line, to report or the log */
static void
conf_report_all(struct conf_load *lc, conf_report_fn *report, void *ctx)
{
	const char *file = lc->file ? lc->file : "(built-in defaults)";
	size_t	i;

	/* insertion sort: stable, so problems of one line keep the order found */
	for (i = 1; i < lc->nproblems; i++) {
		struct conf_problem tmp = lc->problems[i];
		size_t	j = i;

		while (j > 0 && lc->problems[j - 1].line > tmp.line) {
			lc->problems[j] = lc->problems[j - 1];
			j--;
		}
		lc->problems[j] = tmp;
	}
	for (i = 0; i < lc->nproblems; i++) {
		const struct conf_problem *p = &lc->problems[i];

		char	where[16] = "";

		if (report) {
			report(ctx, p->sev, file, p->line, p->text);
			continue;
		}
		if (p->line > 0)
			snprintf(where, sizeof(where), ":%d", p->line);
		if (p->sev == CONF_ERROR)
			log_error("%s%s: %s", file, where, p->text);
		else
			log_warning("%s%s: %s", file, where, p->text);
	}
	if (lc->dropped) {
		char	text[CONF_TEXT_MAX];

		snprintf(text, sizeof(text), "%zu more problems not shown", lc->dropped);
		if (report)
			report(ctx, lc->errors ? CONF_ERROR : CONF_WARNING, file, 0, text);
		else
			log_error("%s: %s", file, text);
	}
}

/* conf_line_of - line where a full option name was last set, 0 = default */
int
conf_line_of(const struct conf_load *lc, const char *full)
{
	int	i = conf_table_index(full);

	return i < 0 ? 0 : lc->lines[i];
}

/* ---- step 2: libconfuse, with option arrays made from the table ---- */

/*
 * conf_inherit_name - for an option read without defaults (CONF_INHERIT):
 * "TITLED.SEC" of the titled section that holds section sec; else sec
 */
static const char *
conf_inherit_name(const char *sec, char *buf, size_t len)
{
	const struct conf_section *root = conf_table_root();
	const struct conf_row *in;
	size_t	i;

	for (i = 0; sec != NULL && i < root->nrows; i++) {
		if (!(root->rows[i].flags & CONF_TITLED))
			continue;
		in = conf_table_find(root->rows[i].sub, sec);
		if (in != NULL && in->type == CONF_SECTION && (in->flags & CONF_INHERIT)) {
			conf_full_name(root->rows[i].name, sec, buf, len);
			return buf;
		}
	}
	return sec;
}

/* conf_cb_value - check one value as libconfuse reads it, by the type of its row */
static int
conf_cb_value(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	const char *sec = cfg ? cfg->name : NULL;
	const struct conf_row *r = conf_table_find(conf_table_section(sec), opt->name);
	char	name[CONF_NAME_MAX], err[CONF_TEXT_MAX], where[CONF_NAME_MAX];

	*(const char **) result = value;
	if (r == NULL)
		abort();		/* only the rows of the table have this callback */
	if (conf_type_parse(r, value, NULL, err, sizeof(err)) == 0)
		return 0;
	if (opt->flags & CFGF_NODEFAULT)	/* class "..." { policy { } } */
		sec = conf_inherit_name(sec, where, sizeof(where));
	conf_full_name(sec, opt->name, name, sizeof(name));
	if (conf_cur)
		conf_problem(conf_cur, CONF_ERROR, cfg ? cfg->line : 0, "%s: %s", name, err);
	else
		log_error("configuration: %s: %s", name, err);
	return 0;
}

/* conf_cfg_error - libconfuse's own complaints (syntax), at its current line */
static void __attribute__((format(printf, 2, 0)))
conf_cfg_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char	text[CONF_TEXT_MAX];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (conf_cur)
		conf_problem(conf_cur, CONF_ERROR, cfg ? cfg->line : 0, "%s", text);
	else
		log_error("configuration: %s", text);
}

/*
 * conf_opts_build - the libconfuse options of sec, its sections included,
 * CFG_END last; nodefault: no defaults, an unset key has no value (CONF_INHERIT)
 */
static cfg_opt_t *
conf_opts_build(const struct conf_section *sec, int nodefault)
{
	cfg_opt_t *opts = util_calloc(sec->nrows + 1, sizeof(*opts));
	cfg_opt_t end = CFG_END();
	int	flags = nodefault ? CFGF_NODEFAULT : CFGF_NONE;
	size_t	i;

	for (i = 0; i < sec->nrows; i++) {
		const struct conf_row *r = &sec->rows[i];
		char   *dflt = nodefault ? NULL : (char *) r->dflt;	/* libconfuse copies it */

		if (r->type == CONF_SECTION && (r->flags & CONF_TITLED)) {
			cfg_opt_t o = CFG_SEC(r->name, conf_opts_build(r->sub, 0),
					      CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);

			opts[i] = o;
		} else if (r->type == CONF_SECTION) {
			cfg_opt_t o = CFG_SEC(r->name, conf_opts_build(r->sub, (r->flags & CONF_INHERIT) != 0),
					      CFGF_NONE);

			opts[i] = o;
		} else if (r->flags & CONF_LIST) {
			cfg_opt_t o = CFG_STR_LIST_CB(r->name, dflt, flags, conf_cb_value);

			opts[i] = o;
		} else {
			cfg_opt_t o = CFG_STR_CB(r->name, dflt, flags, conf_cb_value);

			opts[i] = o;
		}
	}
	opts[sec->nrows] = end;
	return opts;
}

static cfg_opt_t *conf_opts;		/* built once from the table, never changed */
static pthread_once_t conf_opts_once = PTHREAD_ONCE_INIT;

/* conf_opts_init - build conf_opts */
static void
conf_opts_init(void)
{
	conf_opts = conf_opts_build(conf_table_root(), 0);
}

/* ---- step 3: the typed struct, by loops over the table ---- */

/* conf_convert_list - the values of list row r (in section prefix) into the struct at base */
static void
conf_convert_list(struct conf_load *lc, cfg_t *cfg, const struct conf_row *r,
		  const char *prefix, char *base)
{
	char	full[CONF_NAME_MAX], err[CONF_TEXT_MAX];
	size_t *count = (size_t *) (base + r->count_off);
	size_t	size = conf_type_size(r->type);
	unsigned i, n = cfg_size(cfg, r->name);
	int	idx, line;

	conf_full_name(prefix, r->name, full, sizeof(full));
	if ((idx = conf_table_index(full)) >= 0)
		lc->given[idx] = n;
	if (n > (unsigned long) r->max) {
		line = conf_line_of(lc, full);
		if (line == 0)			/* in a titled section: its first line */
			line = lc->titled_line;
		conf_problem(lc, CONF_ERROR, line, "%s: %u %s, at most %ld are allowed",
			     full, n, r->meaning, r->max);
		n = (unsigned) r->max;
	}
	for (i = 0; i < n; i++)
		if (conf_type_parse(r, cfg_getnstr(cfg, r->name, i), base + r->off + *count * size,
				    err, sizeof(err)) == 0)
			(*count)++;		/* a bad value was reported as it was read */
}

static void conf_convert_section(struct conf_load *, cfg_t *, const struct conf_section *,
				 const char *, char *);

/* conf_titled_line - line of the i-th section of titled row r in the file, 0 if not known */
int
conf_titled_line(const struct conf_load *lc, const struct conf_row *r, unsigned i)
{
	size_t	k;

	for (k = 0; k < lc->ntitled; k++)
		if (lc->titled_rows[k] == r && i-- == 0)
			return lc->titled_lines[k];
	return 0;
}

/* conf_convert_titled - each section of titled row r, in file order, into its array in base */
static void
conf_convert_titled(struct conf_load *lc, cfg_t *cfg, const struct conf_row *r, char *base)
{
	size_t *count = (size_t *) (base + r->count_off);
	unsigned i, n = cfg_size(cfg, r->name);
	size_t	j;

	for (i = 0; i < n && *count < (size_t) r->max; i++) {
		cfg_t  *sec = cfg_getnsec(cfg, r->name, i);
		char   *elem = base + r->off + *count * r->elem_size;
		int	line = conf_titled_line(lc, r, i);
		const char *title = sec ? cfg_title(sec) : NULL;

		if (title == NULL || *title == '\0' || strlen(title) > r->title_max)
			continue;		/* reported by conf_scan */
		for (j = 0; j < r->sub->nrows; j++)
			if (r->sub->rows[j].type != CONF_SECTION && r->sub->rows[j].dflt == NULL
			    && cfg_getstr(sec, r->sub->rows[j].name) == NULL)
				conf_problem(lc, CONF_ERROR, line, "%s \"%.200s\": %s is not set",
					     r->name, title, r->sub->rows[j].name);
		*(char **) elem = util_strdup(title);
		lc->titled_line = line;
		conf_convert_section(lc, sec, r->sub, r->name, elem);
		lc->titled_line = 0;
		(*count)++;
	}
}

/* conf_convert_section - the rows of sec (named prefix) from cfg into the struct at base */
static void
conf_convert_section(struct conf_load *lc, cfg_t *cfg, const struct conf_section *sec,
		     const char *prefix, char *base)
{
	char	sub[CONF_NAME_MAX], err[CONF_TEXT_MAX];
	size_t	i;

	for (i = 0; i < sec->nrows; i++) {
		const struct conf_row *r = &sec->rows[i];

		if (r->type == CONF_SECTION && (r->flags & CONF_TITLED)) {
			conf_convert_titled(lc, cfg, r, base);
		} else if (r->type == CONF_SECTION) {
			conf_full_name(prefix, r->name, sub, sizeof(sub));
			conf_convert_section(lc, cfg_getsec(cfg, r->name), r->sub, sub, base + r->off);
		} else if (r->flags & CONF_LIST) {
			conf_convert_list(lc, cfg, r, prefix, base);
		} else if (cfg_size(cfg, r->name) > 0) {
			(void) conf_type_parse(r, cfg_getstr(cfg, r->name), base + r->off, err,
					       sizeof(err));
		}
	}
}

/* conf_free_section - free what the rows of sec own in the struct at base */
static void
conf_free_section(const struct conf_section *sec, char *base)
{
	size_t	i, j;

	for (i = 0; i < sec->nrows; i++) {
		const struct conf_row *r = &sec->rows[i];

		if (r->type == CONF_SECTION && (r->flags & CONF_TITLED))
			for (j = 0; j < *(size_t *) (base + r->count_off); j++) {
				char   *elem = base + r->off + j * r->elem_size;

				conf_free_section(r->sub, elem);
				free(*(char **) elem);
			}
		else if (r->type == CONF_SECTION)
			conf_free_section(r->sub, base + r->off);
		else if (r->flags & CONF_LIST)
			for (j = 0; j < *(size_t *) (base + r->count_off); j++)
				conf_type_free(r, base + r->off + j * conf_type_size(r->type));
		else
			conf_type_free(r, base + r->off);
	}
}

/* conf_free - free a conf and all its strings */
static void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	conf_free_section(conf_table_root(), (char *) c);
	free(c->file);
	free(c);
}

/* conf_convert - the parsed file into struct conf, then the checks that span options */
static void
conf_convert(struct conf_load *lc, cfg_t *cfg, struct conf *c)
{
	conf_convert_section(lc, cfg, conf_table_root(), NULL, (char *) c);
	conf_check_spanning(lc, cfg, c);
}

/* ---- the load ---- */

/* conf_load_locked - the three steps, under conf_lock; returns the new conf or NULL */
static struct conf *
conf_load_locked(struct conf_load *lc, const char *path)
{
	struct conf *c = NULL;
	char   *text = NULL;
	size_t	len = 0;
	cfg_t  *cfg;
	int	rc = CFG_SUCCESS;

	if (path && conf_scan(lc, path, &text, &len) < 0)
		return NULL;	/* a syntax error: libconfuse would only add noise */
	pthread_once(&conf_opts_once, conf_opts_init);
	if ((cfg = cfg_init(conf_opts, CFGF_NONE)) == NULL) {
		log_error("conf: out of memory");
		abort();
	}
	cfg_set_error_function(cfg, conf_cfg_error);
	if (text && len > 0)
		rc = cfg_parse_buf(cfg, text);
	free(text);
	if (rc != CFG_SUCCESS && lc->errors == 0)
		conf_problem(lc, CONF_ERROR, 0, "cannot be parsed");
	if (rc == CFG_SUCCESS) {
		c = util_calloc(1, sizeof(*c));
		c->file = path ? util_strdup(path) : NULL;
		conf_convert(lc, cfg, c);
		c->warnings = lc->warnings;
		c->refcount = 1;
	}
	cfg_free(cfg);
	if (lc->errors) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* conf_load - read path (NULL: built-in defaults) into a new conf; 0 ok, -1 errors reported */
int
conf_load(const char *path, int mode, conf_report_fn *report, void *ctx, struct conf **out)
{
	struct conf_load lc;
	struct conf *c;

	memset(&lc, 0, sizeof(lc));
	lc.file = path;
	lc.mode = mode;
	lc.lines = util_calloc(conf_option_count(), sizeof(*lc.lines));
	lc.given = util_calloc(conf_option_count(), sizeof(*lc.given));
	pthread_mutex_lock(&conf_lock);
	conf_cur = &lc;
	c = conf_load_locked(&lc, path);
	conf_cur = NULL;
	pthread_mutex_unlock(&conf_lock);
	conf_report_all(&lc, report, ctx);
	free(lc.problems);
	free(lc.lines);
	free(lc.given);
	free(lc.titled_lines);
	free(lc.titled_rows);
	if (out)
		*out = c;
	else
		conf_unref(c);
	return c ? 0 : -1;
}

/* conf_ref - take a reference; returns c */
struct conf *
conf_ref(struct conf *c)
{
	if (c)
		__atomic_add_fetch(&c->refcount, 1, __ATOMIC_RELAXED);
	return c;
}

/* conf_unref - drop a reference, freeing at zero; NULL is fine */
void
conf_unref(struct conf *c)
{
	if (c && __atomic_sub_fetch(&c->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		conf_free(c);
}
